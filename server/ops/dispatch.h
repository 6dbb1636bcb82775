/*
 * dispatch.h - one request frame in, one reply frame out: decode, look the op
 * up in the op table, run its handler, pack the envelope, count it.
 * Called by worker threads through the handler table (env.c) and by the
 * fuzzer; thread-safe.
 */
#ifndef VERSO_DISPATCH_H
#define VERSO_DISPATCH_H

#include <stddef.h>

#include "auth.h"
#include "buf.h"
#include "env.h"
#include "handler.h"
#include "host.h"
#include "segment.h"

struct verso_tmfuzzy;

/* What one worker thread brings to every request it handles: its own
 * segmenter and fuzzy matcher. Owned by the thread (verso_op_thread_new). */
typedef struct verso_op_thread {
    verso_segmenter *seg;     /* this thread's segmenter */
    struct verso_tmfuzzy *fz; /* this thread's fuzzy matcher (tmfuzzy.h), or NULL */
} verso_op_thread;

/* Builds a thread's state over env's rules. *out is the caller's
 * (verso_op_thread_destroy). Errors: ENOMEM. */
verso_err verso_op_thread_new(const verso_env *env, verso_op_thread **out);
/* Safe with *t == NULL; sets *t = NULL. */
void verso_op_thread_destroy(verso_op_thread **t);

/*
 * Handles the request in body[0..len) and appends the packed reply to `out`
 * (caller-owned). call says who asks (an op above their role gets EDENIED,
 * logged), gives the writer connection, the cancel flag and the broker's
 * counters. The request runs under a meter (work.h): its deadline is
 * call->received_ns plus the request's "timeout_ms", at most the server's
 * request_timeout_ms; call->cancel stops it.
 * Never fails: every problem becomes an error reply.
 */
void verso_dispatch_as(verso_env *env, verso_op_thread *th, const verso_call *call,
                       const void *body, size_t len, verso_buf *out);

/* Appends the error reply for a frame that cannot be decoded at all (bad
 * framing): no id to echo. Counts it in host. */
void verso_dispatch_error(verso_host *host, verso_err code, const char *message, verso_buf *out);

#endif
