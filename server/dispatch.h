/*
 * dispatch.h - one request frame in, one reply frame out: decode, look the op
 * up in the op table, run its handler, pack the envelope, count it.
 * Called by worker threads (and the fuzzer); thread-safe.
 */
#ifndef VERSO_DISPATCH_H
#define VERSO_DISPATCH_H

#include <msgpack.h>
#include <stddef.h>

#include "auth.h"
#include "segment.h"
#include "server.h"
#include "work.h"

/* What one thread brings to every request it handles. Owned by the thread. */
typedef struct verso_thread {
    void *writer;              /* connection to the writer (writer.h), or NULL */
    verso_segmenter *seg;      /* this thread's segmenter */
    struct verso_tmfuzzy *fz;  /* this thread's fuzzy matcher (tmfuzzy.h), or NULL */
    const atomic_uint *cancel; /* set by the broker: stop the current request; or NULL */
    uint64_t received_ns;      /* when the broker received the current request (work.h
                                  clock), where its deadline counts from; 0: now */
} verso_thread;

/*
 * Handles the request in body[0..len) from `who` and appends the packed
 * reply to `out` (caller-owned). The request runs under a meter (work.h):
 * its deadline is th->received_ns plus the request's "timeout_ms", at most
 * the server's request_timeout_ms; th->cancel stops it. `th` is the calling thread's state (writer
 * connection, segmenter). An op above who's role gets EDENIED, logged.
 * Never fails: every problem becomes an error reply.
 */
void verso_dispatch_as(verso_server *srv, verso_thread *th, const verso_caller *who,
                       const void *body, size_t len, msgpack_sbuffer *out);

/* verso_dispatch_as for the local admin (a server without CURVE). */
void verso_dispatch(verso_server *srv, verso_thread *th, const void *body, size_t len,
                    msgpack_sbuffer *out);

/* Appends the error reply for a frame that cannot be decoded at all (bad
 * framing): no id to echo. */
void verso_dispatch_error(verso_server *srv, verso_err code, const char *message,
                          msgpack_sbuffer *out);

#endif
