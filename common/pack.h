/*
 * pack.h - a msgpack packer that remembers its first failure (curl's dynbuf
 * idea): each call after a failure does nothing, and the caller asks once,
 * at the end, with verso_pack_err. Replies are built with it without an
 * error check per field.
 *
 * A verso_pack is the caller's (on its stack), writing into a buffer the
 * caller owns (a verso_buf, capped, or a msgpack_sbuffer). Strings and
 * objects passed in are copied.
 */
#ifndef VERSO_PACK_H
#define VERSO_PACK_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "verso/err.h"

/* Initialised in place and never copied: its packer writes through a
 * pointer to it. */
typedef struct verso_pack {
    msgpack_packer pk; /* writes to sink through this struct */
    void *sink;        /* the verso_buf or msgpack_sbuffer, borrowed */
    verso_err err;     /* the first failure; VERSO_OK so far */
} verso_pack;

/* Packs into b: a write past b's cap fails with ETOOBIG, an allocation with ENOMEM. */
void verso_pack_init_buf(verso_pack *p, verso_buf *b);
/* Packs into sb: a failed write is ENOMEM. */
void verso_pack_init_sbuffer(verso_pack *p, msgpack_sbuffer *sb);

void verso_pack_map(verso_pack *p, uint32_t n);
void verso_pack_array(verso_pack *p, uint32_t n);
void verso_pack_str(verso_pack *p, const char *s); /* NUL-terminated; NULL packs "" */
void verso_pack_strn(verso_pack *p, const char *s, size_t n);
void verso_pack_int(verso_pack *p, int64_t v);
void verso_pack_uint(verso_pack *p, uint64_t v);
void verso_pack_double(verso_pack *p, double v);
void verso_pack_bool(verso_pack *p, bool v);
void verso_pack_nil(verso_pack *p);
void verso_pack_object(verso_pack *p, const msgpack_object *o);
/* Appends bytes that already hold packed objects. */
void verso_pack_raw(verso_pack *p, const void *bytes, size_t n);

/* A str key, then its value. */
void verso_pack_kv_str(verso_pack *p, const char *key, const char *val);
void verso_pack_kv_strn(verso_pack *p, const char *key, const char *val, size_t n);
void verso_pack_kv_int(verso_pack *p, const char *key, int64_t val);
void verso_pack_kv_uint(verso_pack *p, const char *key, uint64_t val);
void verso_pack_kv_double(verso_pack *p, const char *key, double val);
void verso_pack_kv_bool(verso_pack *p, const char *key, bool val);

/* Records err as the packer's failure unless one came first (a value that
 * could not be made: an error of the caller's, not of the buffer).
 * Returns the packer's failure. */
verso_err verso_pack_fail(verso_pack *p, verso_err err);

/* The first failure, or VERSO_OK. */
static inline verso_err verso_pack_err(const verso_pack *p)
{
    return p->err;
}

#endif
