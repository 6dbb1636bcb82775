/*
 * request.c - libverso's request builder: fields packed back to back and
 * counted as they go, so that no caller counts map pairs by hand; the
 * first packing failure is kept and every later call does nothing.
 * Packing only: sending is client.c's.
 */
#include <string.h>

#include "client_int.h"

void verso_req_init(verso_req *q)
{
    msgpack_sbuffer_init(&q->sb);
    msgpack_packer_init(&q->pk, &q->sb, msgpack_sbuffer_write);
    q->n = 0;
    q->err = VERSO_OK;
}

void verso_req_fini(verso_req *q)
{
    msgpack_sbuffer_destroy(&q->sb);
    q->n = 0;
}

/* msgpack-c's packer returns its writer's int: anything but 0 is a failed
 * allocation of the sbuffer. */
static void s_rc(verso_req *q, int rc)
{
    if (rc && !q->err)
        q->err = VERSO_ENOMEM;
}

static void s_pack_str(verso_req *q, const char *p, size_t n)
{
    if (!q->err)
        s_rc(q, msgpack_pack_str_with_body(&q->pk, n ? p : "", n));
}

void verso_req_key(verso_req *q, const char *key)
{
    if (q->err)
        return;
    if (q->n == UINT32_MAX - 3) {
        q->err = VERSO_ETOOBIG;
        return;
    }
    q->n++;
    s_pack_str(q, key, strlen(key));
}

void verso_req_cstr(verso_req *q, const char *key, const char *s)
{
    if (!s)
        return;
    verso_req_key(q, key);
    s_pack_str(q, s, strlen(s));
}

void verso_req_str(verso_req *q, const char *key, verso_str s)
{
    if (!s.ptr)
        return;
    verso_req_key(q, key);
    s_pack_str(q, s.ptr, s.len);
}

void verso_req_int(verso_req *q, const char *key, int64_t v)
{
    verso_req_key(q, key);
    if (!q->err)
        s_rc(q, msgpack_pack_int64(&q->pk, v));
}

void verso_req_double(verso_req *q, const char *key, double v)
{
    verso_req_key(q, key);
    if (!q->err)
        s_rc(q, msgpack_pack_double(&q->pk, v));
}

static void s_array(verso_req *q, size_t n)
{
    if (!q->err && n > UINT32_MAX)
        q->err = VERSO_ETOOBIG;
    if (!q->err)
        s_rc(q, msgpack_pack_array(&q->pk, n));
}

void verso_req_strs(verso_req *q, const char *key, const verso_str *v, size_t n)
{
    if (!v)
        return;
    verso_req_key(q, key);
    s_array(q, n);
    for (size_t i = 0; i < n && !q->err; i++)
        s_pack_str(q, v[i].ptr, v[i].ptr ? v[i].len : 0);
}

void verso_req_pairs(verso_req *q, const char *key, const verso_pair *v, size_t n)
{
    if (!v)
        return;
    verso_req_key(q, key);
    s_array(q, n);
    for (size_t i = 0; i < n && !q->err; i++) {
        s_array(q, 2);
        s_pack_str(q, v[i].name.ptr, v[i].name.ptr ? v[i].name.len : 0);
        s_pack_str(q, v[i].value.ptr, v[i].value.ptr ? v[i].value.len : 0);
    }
}

void verso_req_map(verso_req *q, const char *key, const verso_req *sub)
{
    verso_req_key(q, key);
    if (!q->err && sub->err)
        q->err = sub->err;
    if (!q->err)
        s_rc(q, msgpack_pack_map(&q->pk, sub->n));
    if (!q->err && sub->sb.size)
        s_rc(q, msgpack_sbuffer_write(&q->sb, sub->sb.data, sub->sb.size));
}

void verso_req_entry(verso_req *q, const verso_entry *e)
{
    if (!e->src.ptr || !e->tgt.ptr) {
        q->err = q->err ? q->err : VERSO_EINVAL;
        return;
    }
    verso_req_str(q, "src", e->src);
    verso_req_str(q, "tgt", e->tgt);
    verso_req_str(q, "prev", e->prev);
    verso_req_str(q, "next", e->next);
    verso_req_str(q, "author", e->author);
    verso_req_str(q, "note", e->note);
    verso_req_str(q, "origin", e->origin);
    verso_req_strs(q, "src_tags", e->src_tags, e->nsrc_tags);
    verso_req_strs(q, "tgt_tags", e->tgt_tags, e->ntgt_tags);
    verso_req_pairs(q, "props", e->props, e->nprops);
    verso_req_pairs(q, "tmx", e->tmx, e->ntmx);
    if (e->created)
        verso_req_int(q, "created", e->created);
    if (e->changed)
        verso_req_int(q, "changed", e->changed);
    if (e->usage)
        verso_req_int(q, "usage", e->usage);
}
