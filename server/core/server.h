/*
 * server.h - versod's process: configuration, the state shared (read-only or
 * atomic) by its threads, and its lifecycle.
 *
 * Threads: the caller's thread runs verso_server_run (the broker between the
 * ROUTER front socket and the workers); `threads` workers run requests
 * through the handler table they are given (verso_handler: the ops, wired
 * by main.c); one writer owns every LMDB write transaction (writer.h).
 */
#ifndef VERSO_SERVER_H
#define VERSO_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "handler.h"
#include "host.h"
#include "store.h"
#include "verso/err.h"
#include "writer.h"

typedef struct verso_server_config {
    const char *bind;            /* e.g. tcp://127.0.0.1:5555, or tcp://127.0.0.1:* */
    const char *data_dir;        /* shown by stats; the store is opened by the caller */
    const char *ready_file;      /* NULL: none; else written with the bound endpoint */
    unsigned threads;            /* workers for work, 1..250 */
    unsigned write_threads;      /* workers for writes, 0..16 (0: writes run as work) */
    size_t max_message_bytes;    /* larger requests get ETOOBIG */
    const char *curve_secret;    /* the server's key pair file (keyfile.h); NULL: no CURVE */
    const char *allow_file;      /* client allow-list (auth.h); required with curve_secret */
    int insecure;                /* permits binding a non-local endpoint without CURVE */
    uint64_t request_timeout_ms; /* a request's deadline, and the most "timeout_ms" asks;
                                    0: VERSO_REQUEST_TIMEOUT_MS */
    uint64_t stop_grace_ms;      /* at a stop, in-flight work is cancelled after this;
                                    0: VERSO_STOP_GRACE_MS */
    verso_store *store;          /* borrowed: the writer's; must outlive the server */
    verso_handler handler;       /* the requests' code (above) */
    verso_writer_idle_fn idle;   /* the writer's background work (writer.h), or NULL */
    void *idle_arg;
    void (*reloaded)(void *arg); /* after SIGHUP reread the allow-list, on the broker's
                                    thread (the HTTP front door rereads its keys); or NULL */
    void *reloaded_arg;
} verso_server_config;

typedef struct verso_server_impl verso_server_impl;

/* The broker. cfg and host are set before the threads start; host's
 * counters are atomics; impl is server.c's. */
typedef struct verso_server {
    verso_server_config cfg;
    verso_host host;
    verso_server_impl *impl; /* sockets and threads, server.c only */
} verso_server;

/* Frames larger than this are dropped by libzmq itself (the peer is
 * disconnected): a multiple of max_message_bytes, so that merely oversize
 * requests still reach a worker and get ETOOBIG. */
#define VERSO_HARD_LIMIT(max_message_bytes) ((max_message_bytes)*2 + 65536)

/* Checks the keys, starts the writer (on cfg->store) and the workers
 * (each runs cfg->handler's thread_new), binds. On success *out is the
 * caller's: announce it (verso_server_ready), run it, then destroy it. */
verso_err verso_server_new(const verso_server_config *cfg, verso_server **out);

/* Writes cfg.ready_file, atomically: the bound endpoint on the first line,
 * then extra (NULL, or more lines, each ending in a newline: the HTTP
 * front door's URL). Call once everything that serves beside the broker
 * listens. Errors (logged): EINVAL, EIO. */
verso_err verso_server_ready(verso_server *s, const char *extra);

/* The server's ZeroMQ context, for code that connects to its writer
 * (writer.h) from threads of its own. Borrowed; lives until
 * verso_server_destroy. */
void *verso_server_zctx(verso_server *s);

/* Serves until a stop is requested; then finishes in-flight requests,
 * answers queued ones with ESHUTDOWN, stops the threads and returns. */
verso_err verso_server_run(verso_server *s);

/* Requests a stop. Async-signal-safe: may be called from a signal handler. */
void verso_server_request_stop(verso_server *s);

/* Requests a reload of the allow-list, done by the broker before the next
 * request it forwards. Async-signal-safe (SIGHUP). */
void verso_server_request_reload(verso_server *s);

/* Frees everything but the store and the handler's arg (the caller's).
 * Safe with *s == NULL; sets *s = NULL. */
void verso_server_destroy(verso_server **s);

#endif
