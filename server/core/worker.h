/*
 * worker.h - a worker thread: takes requests from the broker (server.c),
 * runs verso_dispatch on each, sends the reply back with the same framing.
 *
 * Inproc protocol with the broker (a ROUTER at VERSO_WORKER_ENDPOINT; the
 * worker is a DEALER whose routing id is "w" and its index):
 *   worker -> broker  "READY"                              once, at start
 *   broker -> worker  [caller][client id][""]?[body]       a request
 *   worker -> broker  [client id][""]?[reply]              its reply (worker idle again)
 *   broker -> worker  "STOP"                               exit the thread
 * The caller frame is [role byte][received: 8 bytes, big-endian ns of
 * work.h's clock][name]. The broker clears `cancel` before it sends a
 * request and sets it to stop that request (client gone, stop's grace
 * over); the worker's meter reads it (work.h).
 */
#ifndef VERSO_WORKER_H
#define VERSO_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "server.h"

#define VERSO_WORKER_ENDPOINT "inproc://verso-workers"

typedef struct verso_worker {
    verso_server *srv;
    void *zctx;
    unsigned index;
    char name[16]; /* the thread's name, as top -H and perf show it */
    pthread_t thread;
    atomic_uint cancel; /* nonzero: stop the current request (set by the broker) */
} verso_worker;

/* Starts the thread for w (caller-owned, must stay put until joined). */
verso_err verso_worker_start(verso_worker *w);

/* Waits for the thread to exit (after the broker sent STOP). */
void verso_worker_join(verso_worker *w);

#endif
