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

/* Requests of at most this size may be control requests (below). */
#define VERSO_CONTROL_MAX_BYTES 4096

/* What the broker reads of a request: whether it is a well-formed request
 * of at most VERSO_CONTROL_MAX_BYTES for a control op (ping, hello or
 * stats), which the broker sends to a worker of their own, so that they
 * never wait behind work (server.c); and its "timeout_ms" when it gives a
 * positive one (else *timeout_ms is 0), so that it can expire while it
 * waits for a worker. A larger request is not decoded: its timeout_ms is
 * read when it lies in its first VERSO_CONTROL_MAX_BYTES (the top map's
 * entries before it are skipped, never trusted past those bytes).
 * Bounded by VERSO_CONTROL_MAX_BYTES; thread-safe. */
bool verso_proto_peek(const void *data, size_t len, uint64_t *timeout_ms);

#endif
