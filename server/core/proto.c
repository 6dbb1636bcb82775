/* proto.c - request envelope decoding and reply packing; see proto.h. */
#include "proto.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "pack.h"
#include "wire.h"

verso_err verso_fault_set(verso_fault *f, verso_err code, const char *fmt, ...)
{
    if (f) {
        va_list ap;
        va_start(ap, fmt);
        f->code = code;
        vsnprintf(f->message, sizeof f->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void verso_req_init(verso_req *r)
{
    memset(r, 0, sizeof *r);
    msgpack_unpacked_init(&r->unpacked);
}

void verso_req_fini(verso_req *r)
{
    msgpack_unpacked_destroy(&r->unpacked);
    memset(r, 0, sizeof *r);
}

static verso_err s_check_id(verso_req *r, verso_fault *f)
{
    const msgpack_object *id = verso_mp_get(r->body, "id");
    if (!id || id->type == MSGPACK_OBJECT_NIL)
        return VERSO_OK; /* nil means absent, for id as for every field */
    if (id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
        id->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        r->id = id;
        return VERSO_OK;
    }
    if (id->type != MSGPACK_OBJECT_STR)
        return verso_fault_set(f, VERSO_EBADREQ, "\"id\" must be an integer or a string");
    if (id->via.str.size > VERSO_ID_MAX_BYTES)
        return verso_fault_set(f, VERSO_EBADREQ, "\"id\" longer than %d bytes", VERSO_ID_MAX_BYTES);
    r->id = id;
    return VERSO_OK;
}

static verso_err s_check_envelope(verso_req *r, verso_fault *f)
{
    const msgpack_object *v = verso_mp_get(r->body, "v");
    if (!v)
        return verso_fault_set(f, VERSO_EBADREQ, "missing field \"v\" (protocol version)");
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return verso_fault_set(f, VERSO_EBADREQ, "\"v\" must be a positive integer");
    if (v->via.u64 != 1)
        return verso_fault_set(f, VERSO_EVERSION,
                               "protocol version %llu not supported; this "
                               "server speaks 1",
                               (unsigned long long)v->via.u64);
    const msgpack_object *op = verso_mp_get(r->body, "op");
    if (!op)
        return verso_fault_set(f, VERSO_EBADREQ, "missing field \"op\"");
    if (op->type != MSGPACK_OBJECT_STR)
        return verso_fault_set(f, VERSO_EBADREQ, "\"op\" must be a string");
    r->op = op->via.str.ptr;
    r->op_len = op->via.str.size;
    return VERSO_OK;
}

static int s_key_cmp(const void *a, const void *b)
{
    const msgpack_object_str *x = *(const msgpack_object_str *const *)a;
    const msgpack_object_str *y = *(const msgpack_object_str *const *)b;
    size_t n = x->size < y->size ? x->size : y->size;
    int c = n ? memcmp(x->ptr, y->ptr, n) : 0;
    return c ? c : (x->size > y->size) - (x->size < y->size);
}

/* The keys of map m: strings, each once (sorted copies find repeats in
 * O(k log k)). */
static verso_err s_map_keys(const msgpack_object_map *m, verso_fault *f)
{
    const msgpack_object_str **k = m->size ? malloc(m->size * sizeof *k) : NULL;
    if (m->size && !k)
        return verso_fault_set(f, VERSO_ENOMEM, "out of memory checking the request's keys");
    verso_err err = VERSO_OK;
    for (uint32_t i = 0; i < m->size && !err; i++) {
        if (m->ptr[i].key.type != MSGPACK_OBJECT_STR)
            err = verso_fault_set(f, VERSO_EBADREQ, "map keys must be strings");
        else
            k[i] = &m->ptr[i].key.via.str;
    }
    if (!err && m->size > 1)
        qsort(k, m->size, sizeof *k, s_key_cmp);
    for (uint32_t i = 1; !err && i < m->size; i++)
        if (!s_key_cmp(&k[i - 1], &k[i]))
            err = verso_fault_set(f, VERSO_EBADREQ, "key \"%.*s\" appears twice in a map",
                                  (int)(k[i]->size > 64 ? 64 : k[i]->size), k[i]->ptr);
    free(k);
    return err;
}

/* Every map in o, at any depth (at most the wire check's), has string keys,
 * each once: a repeated key would otherwise mean whichever one a reader
 * finds first. */
static verso_err s_check_keys(const msgpack_object *o, verso_fault *f)
{
    verso_err err = VERSO_OK;
    if (o->type == MSGPACK_OBJECT_MAP) {
        err = s_map_keys(&o->via.map, f);
        for (uint32_t i = 0; i < o->via.map.size && !err; i++)
            err = s_check_keys(&o->via.map.ptr[i].val, f);
    } else if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size && !err; i++)
            err = s_check_keys(&o->via.array.ptr[i], f);
    }
    return err;
}

verso_err verso_req_decode(verso_req *r, const void *data, size_t len, verso_fault *f)
{
    if (len == 0)
        return verso_fault_set(f, VERSO_EPROTO, "empty message; expected a msgpack map");
    verso_wire_fault wf;
    verso_err err = verso_wire_check(data, len, NULL, &wf);
    if (err)
        return verso_fault_set(f, err, "%s at byte %zu", wf.why, wf.offset);
    size_t off = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&r->unpacked, data, len, &off);
    if (rc == MSGPACK_UNPACK_NOMEM_ERROR)
        return verso_fault_set(f, VERSO_ENOMEM, "out of memory decoding the request");
    if (rc != MSGPACK_UNPACK_SUCCESS || off != len)
        return verso_fault_set(f, VERSO_EPROTO, "msgpack decoder rejected the message");
    if (r->unpacked.data.type != MSGPACK_OBJECT_MAP)
        return verso_fault_set(f, VERSO_EPROTO, "request must be a msgpack map");
    r->body = &r->unpacked.data;
    if ((err = s_check_id(r, f)) || (err = s_check_keys(r->body, f)))
        return err;
    return s_check_envelope(r, f);
}

/* Finds key; EBADREQ when required and absent. *o is NULL when absent. */
static verso_err s_field(const verso_req *r, const char *key, bool required,
                         const msgpack_object **o, verso_fault *f)
{
    *o = verso_mp_get(r->body, key);
    if (*o && (*o)->type == MSGPACK_OBJECT_NIL)
        *o = NULL; /* nil means absent */
    if (!*o && required)
        return verso_fault_set(f, VERSO_EBADREQ, "missing field \"%s\"", key);
    return VERSO_OK;
}

verso_err verso_req_str(const verso_req *r, const char *key, bool required, const char **s,
                        size_t *len, verso_fault *f)
{
    const msgpack_object *o;
    verso_err err = s_field(r, key, required, &o, f);
    if (err || !o)
        return err;
    if (o->type != MSGPACK_OBJECT_STR)
        return verso_fault_set(f, VERSO_EBADREQ, "\"%s\" must be a string", key);
    *s = o->via.str.ptr;
    *len = o->via.str.size;
    return VERSO_OK;
}

verso_err verso_req_int(const verso_req *r, const char *key, bool required, int64_t *out,
                        verso_fault *f)
{
    const msgpack_object *o;
    verso_err err = s_field(r, key, required, &o, f);
    if (err || !o)
        return err;
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return VERSO_OK;
    }
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX)
        return verso_fault_set(f, VERSO_EBADREQ, "\"%s\" must be an integer", key);
    *out = (int64_t)o->via.u64;
    return VERSO_OK;
}

verso_err verso_req_bool(const verso_req *r, const char *key, bool required, bool *out,
                         verso_fault *f)
{
    const msgpack_object *o;
    verso_err err = s_field(r, key, required, &o, f);
    if (err || !o)
        return err;
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return verso_fault_set(f, VERSO_EBADREQ, "\"%s\" must be a boolean", key);
    *out = o->via.boolean;
    return VERSO_OK;
}

static void s_pack_head(verso_pack *p, const msgpack_object *id, bool ok)
{
    verso_pack_map(p, 4);
    verso_pack_kv_int(p, "v", 1);
    verso_pack_str(p, "id");
    if (id)
        verso_pack_object(p, id);
    else
        verso_pack_nil(p);
    verso_pack_kv_bool(p, "ok", ok);
}

verso_err verso_proto_pack_ok(verso_buf *out, const msgpack_object *id, const void *res,
                              size_t res_len)
{
    verso_pack p;
    verso_pack_init_buf(&p, out);
    s_pack_head(&p, id, true);
    verso_pack_str(&p, "res");
    verso_pack_raw(&p, res, res_len);
    return verso_pack_err(&p);
}

verso_err verso_proto_pack_err(verso_buf *out, const msgpack_object *id, verso_err code,
                               const char *message)
{
    verso_pack p;
    verso_pack_init_buf(&p, out);
    s_pack_head(&p, id, false);
    verso_pack_str(&p, "err");
    verso_pack_map(&p, 2);
    verso_pack_kv_str(&p, "code", verso_err_symbol(code));
    verso_pack_kv_str(&p, "message", message);
    return verso_pack_err(&p);
}

/* Big-endian unsigned of k bytes at p. */
static uint64_t s_be(const unsigned char *p, unsigned k)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++)
        v = v << 8 | p[i];
    return v;
}

/* Skips the msgpack object at p[*i .. n); false when it does not end
 * within n, or nests deeper than 16. Bounded by n. */
static bool s_skip_obj(const unsigned char *p, size_t n, size_t *i, int depth)
{
    if (*i >= n || depth > 16)
        return false;
    unsigned char b = p[(*i)++];
    uint64_t count = 0, bytes = 0;
    unsigned lb = 0; /* bytes of a length that follows */
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return true;
    if ((b & 0xf0) == 0x80)
        count = 2u * (b & 0x0f);
    else if ((b & 0xf0) == 0x90)
        count = b & 0x0f;
    else if ((b & 0xe0) == 0xa0)
        bytes = b & 0x1f;
    else if (b >= 0xc4 && b <= 0xc6)
        lb = 1u << (b - 0xc4);
    else if (b >= 0xc7 && b <= 0xc9)
        lb = 1u << (b - 0xc7), bytes = 1; /* the ext type byte */
    else if (b == 0xca || b == 0xcb)
        bytes = b == 0xca ? 4 : 8;
    else if (b >= 0xcc && b <= 0xd3)
        bytes = 1u << ((b - 0xcc) & 3);
    else if (b >= 0xd4 && b <= 0xd8)
        bytes = 1 + (1u << (b - 0xd4));
    else if (b >= 0xd9 && b <= 0xdb)
        lb = 1u << (b - 0xd9);
    else if (b == 0xdc || b == 0xdd || b == 0xde || b == 0xdf) {
        unsigned k = b == 0xdc || b == 0xde ? 2 : 4;
        if (n - *i < k)
            return false;
        count = s_be(p + *i, k) * (b >= 0xde ? 2 : 1);
        *i += k;
    } else {
        return false; /* 0xc1 */
    }
    if (lb) {
        if (n - *i < lb)
            return false;
        bytes += s_be(p + *i, lb);
        *i += lb;
    }
    if (bytes > n - *i)
        return false;
    *i += bytes;
    for (uint64_t k = 0; k < count; k++)
        if (!s_skip_obj(p, n, i, depth + 1))
            return false;
    return true;
}

/* A string at p[i..n): its bytes and length; false when it is not one or
 * runs past n. */
static bool s_str_at(const unsigned char *p, size_t n, size_t i, const char **s, size_t *len)
{
    if (i >= n)
        return false;
    unsigned char b = p[i];
    size_t k = (b & 0xe0) == 0xa0 ? 0 : b == 0xd9 ? 1 : b == 0xda ? 2 : b == 0xdb ? 4 : 9;
    if (k == 9 || n - i - 1 < k)
        return false;
    size_t l = k ? (size_t)s_be(p + i + 1, k) : (size_t)(b & 0x1f);
    if (l > n - i - 1 - k)
        return false;
    *s = (const char *)p + i + 1 + k;
    *len = l;
    return true;
}

/* "op" and "timeout_ms" of a request map read from its first bytes
 * p[0..n) only (keys after them, or a request that is not a map: none). */
static void s_peek_prefix(const unsigned char *p, size_t n, verso_peek *out)
{
    size_t i = 0;
    uint64_t pairs;
    if (!n)
        return;
    if ((p[0] & 0xf0) == 0x80)
        pairs = p[0] & 0x0f, i = 1;
    else if (p[0] == 0xde && n >= 3)
        pairs = s_be(p + 1, 2), i = 3;
    else if (p[0] == 0xdf && n >= 5)
        pairs = s_be(p + 1, 4), i = 5;
    else
        return;
    for (uint64_t k = 0; k < pairs && i < n; k++) {
        const char *key;
        size_t klen, at;
        bool named = s_str_at(p, n, i, &key, &klen);
        if (!s_skip_obj(p, n, &i, 1) || i >= n)
            return;
        at = i;
        if (named && klen == 2 && !memcmp(key, "op", 2)) {
            s_str_at(p, n, at, &out->op, &out->op_len); /* a value that is no string: no op */
        } else if (named && klen == 10 && !memcmp(key, "timeout_ms", 10)) {
            unsigned char b = p[at];
            if (b <= 0x7f)
                out->timeout_ms = b;
            else if (b >= 0xcc && b <= 0xcf && n - at > (1u << (b - 0xcc)))
                out->timeout_ms = s_be(p + at + 1, 1u << (b - 0xcc));
        }
        if (!s_skip_obj(p, n, &i, 1))
            return;
    }
}

void verso_proto_peek(const void *data, size_t len, verso_peek *out)
{
    *out = (verso_peek){false, NULL, 0, 0};
    if (len > VERSO_CONTROL_MAX_BYTES) { /* too big to decode here: its first 4 KiB */
        s_peek_prefix(data, VERSO_CONTROL_MAX_BYTES, out);
        return;
    }
    verso_req r;
    verso_fault f;
    verso_req_init(&r);
    if (verso_req_decode(&r, data, len, &f) == VERSO_OK) {
        int64_t ms = 0;
        if (verso_req_int(&r, "timeout_ms", false, &ms, &f) == VERSO_OK && ms > 0)
            out->timeout_ms = (uint64_t)ms;
        out->whole = true;
        /* msgpack-c's strings point into the frame; the check keeps that a fact */
        uintptr_t d = (uintptr_t)data, o = (uintptr_t)r.op;
        if (o >= d && r.op_len <= len && o - d <= len - r.op_len) {
            out->op = r.op;
            out->op_len = r.op_len;
        }
    }
    verso_req_fini(&r);
}
