/*
 * wire.h - the pre-scan every msgpack frame passes before msgpack-c sees it.
 *
 * msgpack-c trusts declared lengths: an array header alone makes it reserve
 * count x 24 bytes (msgpack-c issue #1013). verso_wire_check walks the bytes
 * without allocating and rejects a frame unless it holds exactly one complete
 * object whose every declared count fits in the bytes left, whose nesting and
 * object count stay under caps, and whose strings are valid UTF-8.
 * Pure function, thread-safe; no allocation. Ownership: the frame is
 * borrowed for the call; a fault's `why` is static text, never freed.
 */
#ifndef VERSO_WIRE_H
#define VERSO_WIRE_H

#include <stddef.h>

#include "verso/err.h"

/* Caps applied by verso_wire_check. */
typedef struct verso_wire_limits {
    unsigned max_depth; /* container nesting levels, at most VERSO_WIRE_DEPTH_MAX */
    size_t max_objects; /* objects of any kind, containers included */
} verso_wire_limits;

#define VERSO_WIRE_DEPTH_MAX 32u /* msgpack-c's own parser stack is 32 deep */

/* Defaults used by server and client: depth 16, 4M objects. */
extern const verso_wire_limits verso_wire_default_limits;

/* Result details of a failed check; `why` is static text. */
typedef struct verso_wire_fault {
    size_t offset;
    const char *why;
} verso_wire_fault;

/*
 * Checks that data[0..len) is exactly one well-formed msgpack object within
 * `lim`. Returns VERSO_OK, or VERSO_EPROTO (truncated, trailing bytes,
 * reserved byte, count larger than the bytes left, too deep), VERSO_ETOOBIG
 * (too many objects) or VERSO_EBADUTF8 (a str is not UTF-8); on error, fills
 * *fault when it is not NULL.
 */
verso_err verso_wire_check(const void *data, size_t len, const verso_wire_limits *lim,
                           verso_wire_fault *fault);

#endif
