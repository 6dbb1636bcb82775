/*
 * pending.h - the broker's queue of client requests waiting for a worker.
 *
 * A request is handed to a worker only while its client (its key with
 * CURVE, else its connection: the caller decides) has fewer than `cap`
 * requests running, so that one client's
 * bulk work never takes every worker: later requests of other clients
 * overtake it. Otherwise first in, first out. The queue holds at most
 * VERSO_PENDING_MAX requests; the broker stops reading its front socket
 * while it is full (libzmq's own queue then fills, and TCP pushes back).
 *
 * Everything here belongs to the broker thread alone. A request's frames
 * (zmq_msg_t) are moved into the queue and moved out to the worker; the
 * queue closes what it still holds when destroyed.
 */
#ifndef VERSO_PENDING_H
#define VERSO_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "auth.h"
#include "verso/err.h"

#define VERSO_PENDING_MAX   4096 /* requests queued in the broker, at most */
#define VERSO_PENDING_PARTS 3    /* client frames kept after the routing id: [""]?[body] */

/* One request as the broker received it: the client's routing id, its
 * frames after the id (more than VERSO_PENDING_PARTS: `extra`, and the
 * worker answers EPROTO), who sent it, when, and over which connection. */
typedef struct verso_pending_req {
    zmq_msg_t id;
    zmq_msg_t part[VERSO_PENDING_PARTS];
    int nparts;
    bool extra;
    verso_caller who;
    uint64_t received_ns; /* work.h clock */
    uint64_t deadline_ns; /* past it, the request is answered ETIMEDOUT without running */
    int fd;               /* the connection's socket (ZMQ_SRCFD), or -1 */
} verso_pending_req;

typedef struct verso_pending {
    verso_pending_req **q; /* oldest first */
    size_t n;
} verso_pending;

/* Errors: ENOMEM. */
verso_err verso_pending_init(verso_pending *p);

/* Closes every queued request's frames and frees the queue. */
void verso_pending_fini(verso_pending *p);

static inline bool verso_pending_full(const verso_pending *p)
{
    return p->n >= VERSO_PENDING_MAX;
}

/* Appends r (the queue's from now on). Errors: ENOMEM (queue full: r is
 * the caller's still). */
verso_err verso_pending_push(verso_pending *p, verso_pending_req *r);

/*
 * Takes out the oldest request whose client may run one more:
 * running(arg, r) gives how many requests r's client is running now, and
 * one may start while that is below cap.
 * Returns NULL when none may (or the queue is empty); else the caller's.
 */
verso_pending_req *verso_pending_take(verso_pending *p, unsigned cap,
                                      unsigned (*running)(void *arg, const verso_pending_req *r),
                                      void *arg);

/* Takes out the oldest request whose deadline is at or before now; NULL
 * when none. *next receives the earliest deadline left (UINT64_MAX: none). */
verso_pending_req *verso_pending_expired(verso_pending *p, uint64_t now, uint64_t *next);

/* Closes a request's frames and frees it; safe with NULL. */
void verso_pending_req_free(verso_pending_req *r);

#endif
