/*
 * peek.h - what the broker reads of a request frame before a worker runs it
 * (proto.c), without msgpack in sight: the broker moves frames and knows
 * no msgpack.
 */
#ifndef VERSO_PEEK_H
#define VERSO_PEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Requests of at most this size are decoded whole (below). */
#define VERSO_CONTROL_MAX_BYTES 4096

/* What the broker reads of a request: its op name, so that the handler
 * says which workers run it (handler.h, lanes), and its "timeout_ms" when
 * it gives a positive one (else 0), so that it can expire while it waits
 * for a worker. A request of at most VERSO_CONTROL_MAX_BYTES is decoded
 * whole (`whole`: it is well formed; only such a request may be a control
 * one). A larger one is not: its op and timeout_ms are read when they lie
 * in its first VERSO_CONTROL_MAX_BYTES (the top map's entries before them
 * are skipped, never trusted past those bytes); the worker decodes it. */
typedef struct verso_peek {
    bool whole;     /* decoded, and a well-formed request */
    const char *op; /* points into the frame; NULL: not found */
    size_t op_len;
    uint64_t timeout_ms; /* 0: none given */
} verso_peek;

/* Bounded by VERSO_CONTROL_MAX_BYTES; thread-safe. */
void verso_proto_peek(const void *data, size_t len, verso_peek *out);

#endif
