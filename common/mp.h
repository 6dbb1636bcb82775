/*
 * mp.h - small helpers over msgpack-c objects: map lookup, packing C strings,
 * and a JSON rendering for the CLI's --json output.
 * Objects passed in are borrowed; nothing here keeps a pointer.
 */
#ifndef VERSO_MP_H
#define VERSO_MP_H

#include <msgpack.h>
#include <stdbool.h>

#include "buf.h"

/* Value stored under the str key `key` in a map, or NULL when `map` is not a
 * map or has no such key. Borrowed from `map`. */
const msgpack_object *verso_mp_get(const msgpack_object *map, const char *key);

/* True when o is a str equal to s. */
bool verso_mp_str_is(const msgpack_object *o, const char *s);

/* Packs a NUL-terminated C string as a msgpack str. */
int verso_mp_pack_cstr(msgpack_packer *pk, const char *s);

/* Packs a key/str pair and a key/int pair: conveniences for replies. */
int verso_mp_pack_kv_str(msgpack_packer *pk, const char *key, const char *val);
int verso_mp_pack_kv_int(msgpack_packer *pk, const char *key, int64_t val);
int verso_mp_pack_kv_uint(msgpack_packer *pk, const char *key, uint64_t val);

/* Appends o as JSON (strings escaped; bin as base16 string; ext as null;
 * non-str map keys rendered as their JSON text in a string).
 * Fails with VERSO_ETOOBIG at the buffer cap. */
verso_err verso_mp_to_json(const msgpack_object *o, verso_buf *out);

#endif
