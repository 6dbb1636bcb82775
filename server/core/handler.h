/*
 * handler.h - the contract between the broker (server.c, worker.c) and the
 * code it hosts: a table of four functions handed over at start-up, and
 * what comes with each request. The broker knows no op; the ops know no
 * broker, only this.
 */
#ifndef VERSO_HANDLER_H
#define VERSO_HANDLER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"
#include "host.h"
#include "verso/err.h"

/* What a worker hands the handler with each request; borrowed for the call. */
typedef struct verso_call {
    const verso_caller *who;   /* the client's role and name (auth.h) */
    void *writer;              /* this thread's connection to the writer (writer.h) */
    const atomic_uint *cancel; /* set by the broker: stop this request */
    uint64_t received_ns;      /* when the broker received it (work.h clock): its deadline
                                  counts from there; 0: now */
    verso_host *host;          /* the broker's facts and counters */
} verso_call;

/* Which workers run a request (server.c): the workers for work, those for
 * writes (which spend most of a request waiting for the writer's commit,
 * so that a lookup never waits behind an add), or the control worker
 * (small, well-formed requests that must never wait behind work). */
typedef enum verso_lane {
    VERSO_LANE_WORK = 0,
    VERSO_LANE_WRITE = 1,
    VERSO_LANE_CONTROL = 2,
} verso_lane;

/* The code the broker hosts, handed over at start-up (nng hands its
 * protocols an ops table the same way): the broker knows no op. arg is
 * borrowed and must outlive the server. thread_new runs once in every
 * worker thread before its first request, thread_destroy when it exits;
 * handle runs one request frame body[0..len) and appends the whole reply
 * frame to out (it never fails: every problem is an error reply); refuse
 * appends the error reply for a frame that cannot be a request at all
 * (bad framing). All four are called from worker threads, concurrently.
 * lane (NULL: every request is work) names the lane of an op, op[0..len)
 * as the request gives it (any bytes); the broker's thread calls it. */
typedef struct verso_handler {
    void *arg;
    verso_err (*thread_new)(void *arg, void **state);
    void (*thread_destroy)(void *arg, void **state);
    void (*handle)(void *arg, void *state, const verso_call *call, const void *body, size_t len,
                   verso_buf *out);
    void (*refuse)(void *arg, verso_host *host, verso_err code, const char *message,
                   verso_buf *out);
    verso_lane (*lane)(void *arg, const char *op, size_t len);
} verso_handler;

#endif
