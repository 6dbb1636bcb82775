/* mp.c - msgpack-c helpers and JSON rendering; see mp.h. */
#include "mp.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

const msgpack_object *verso_mp_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == klen &&
            memcmp(kv->key.via.str.ptr, key, klen) == 0)
            return &kv->val;
    }
    return NULL;
}

bool verso_mp_str_is(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, s, n) == 0;
}

int verso_mp_pack_cstr(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    int rc = msgpack_pack_str(pk, n);
    return rc ? rc : msgpack_pack_str_body(pk, s, n);
}

int verso_mp_pack_kv_str(msgpack_packer *pk, const char *key, const char *val)
{
    int rc = verso_mp_pack_cstr(pk, key);
    return rc ? rc : verso_mp_pack_cstr(pk, val);
}

int verso_mp_pack_kv_int(msgpack_packer *pk, const char *key, int64_t val)
{
    int rc = verso_mp_pack_cstr(pk, key);
    return rc ? rc : msgpack_pack_int64(pk, val);
}

int verso_mp_pack_kv_uint(msgpack_packer *pk, const char *key, uint64_t val)
{
    int rc = verso_mp_pack_cstr(pk, key);
    return rc ? rc : msgpack_pack_uint64(pk, val);
}

static verso_err s_json_str(const char *s, size_t n, verso_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    verso_err err = verso_buf_append(out, "\"", 1);
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n && !err; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        err = verso_buf_append(out, s + run, i - run);
        char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            esc[2] = 0;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            esc[2] = 0;
        }
        if (!err)
            err = verso_buf_puts(out, esc);
        run = i + 1;
    }
    if (!err)
        err = verso_buf_append(out, s + run, n - run);
    return err ? err : verso_buf_append(out, "\"", 1);
}

static verso_err s_json_bin(const char *p, size_t n, verso_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    verso_err err = verso_buf_append(out, "\"", 1);
    for (size_t i = 0; i < n && !err; i++) {
        char h[2] = {hex[(unsigned char)p[i] >> 4], hex[p[i] & 15]};
        err = verso_buf_append(out, h, 2);
    }
    return err ? err : verso_buf_append(out, "\"", 1);
}

static verso_err s_json_key(const msgpack_object *k, verso_buf *out)
{
    if (k->type == MSGPACK_OBJECT_STR)
        return s_json_str(k->via.str.ptr, k->via.str.size, out);
    verso_buf tmp;
    verso_buf_init(&tmp, out->cap);
    verso_err err = verso_mp_to_json(k, &tmp);
    if (!err)
        err = s_json_str(tmp.data, tmp.len, out);
    verso_buf_fini(&tmp);
    return err;
}

static verso_err s_json_container(const msgpack_object *o, verso_buf *out)
{
    int is_map = o->type == MSGPACK_OBJECT_MAP;
    uint32_t n = is_map ? o->via.map.size : o->via.array.size;
    verso_err err = verso_buf_append(out, is_map ? "{" : "[", 1);
    for (uint32_t i = 0; i < n && !err; i++) {
        if (i)
            err = verso_buf_append(out, ",", 1);
        if (err)
            break;
        if (!is_map) {
            err = verso_mp_to_json(&o->via.array.ptr[i], out);
            continue;
        }
        err = s_json_key(&o->via.map.ptr[i].key, out);
        if (!err)
            err = verso_buf_append(out, ":", 1);
        if (!err)
            err = verso_mp_to_json(&o->via.map.ptr[i].val, out);
    }
    return err ? err : verso_buf_append(out, is_map ? "}" : "]", 1);
}

verso_err verso_mp_to_json(const msgpack_object *o, verso_buf *out)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return verso_buf_puts(out, "null");
    case MSGPACK_OBJECT_BOOLEAN: return verso_buf_puts(out, o->via.boolean ? "true" : "false");
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return verso_buf_printf(out, "%" PRIu64, o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return verso_buf_printf(out, "%" PRId64, o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64))
            return verso_buf_puts(out, "null");
        return verso_buf_printf(out, "%.17g", o->via.f64);
    case MSGPACK_OBJECT_STR: return s_json_str(o->via.str.ptr, o->via.str.size, out);
    case MSGPACK_OBJECT_BIN: return s_json_bin(o->via.bin.ptr, o->via.bin.size, out);
    case MSGPACK_OBJECT_ARRAY:
    case MSGPACK_OBJECT_MAP: return s_json_container(o, out);
    default: return verso_buf_puts(out, "null");
    }
}
