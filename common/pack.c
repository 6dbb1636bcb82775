/* pack.c - a msgpack packer that remembers its first failure; see pack.h. */
#include "pack.h"

#include <string.h>

/* msgpack-c's write callbacks return only -1: the precise failure is kept
 * in the packer the callback writes for. */
static int s_buf_write(void *data, const char *bytes, size_t n)
{
    verso_pack *p = data;
    verso_err err = verso_buf_append(p->sink, bytes, n);
    if (err && !p->err)
        p->err = err;
    return err ? -1 : 0;
}

static int s_sbuffer_write(void *data, const char *bytes, size_t n)
{
    verso_pack *p = data;
    if (msgpack_sbuffer_write(p->sink, bytes, n) == 0)
        return 0;
    if (!p->err)
        p->err = VERSO_ENOMEM;
    return -1;
}

void verso_pack_init_buf(verso_pack *p, verso_buf *b)
{
    p->sink = b;
    p->err = VERSO_OK;
    msgpack_packer_init(&p->pk, p, s_buf_write);
}

void verso_pack_init_sbuffer(verso_pack *p, msgpack_sbuffer *sb)
{
    p->sink = sb;
    p->err = VERSO_OK;
    msgpack_packer_init(&p->pk, p, s_sbuffer_write);
}

verso_err verso_pack_fail(verso_pack *p, verso_err err)
{
    if (!p->err)
        p->err = err;
    return p->err;
}

/* After a msgpack-c call: rc nonzero is a failed write (already recorded
 * by the callback; ENOMEM if not). */
static void s_done(verso_pack *p, int rc)
{
    if (rc)
        verso_pack_fail(p, VERSO_ENOMEM);
}

void verso_pack_map(verso_pack *p, uint32_t n)
{
    if (!p->err)
        s_done(p, msgpack_pack_map(&p->pk, n));
}

void verso_pack_array(verso_pack *p, uint32_t n)
{
    if (!p->err)
        s_done(p, msgpack_pack_array(&p->pk, n));
}

void verso_pack_strn(verso_pack *p, const char *s, size_t n)
{
    if (n > UINT32_MAX)
        verso_pack_fail(p, VERSO_ETOOBIG);
    if (!p->err)
        s_done(p, msgpack_pack_str_with_body(&p->pk, n ? s : "", n));
}

void verso_pack_str(verso_pack *p, const char *s)
{
    verso_pack_strn(p, s ? s : "", s ? strlen(s) : 0);
}

void verso_pack_int(verso_pack *p, int64_t v)
{
    if (!p->err)
        s_done(p, msgpack_pack_int64(&p->pk, v));
}

void verso_pack_uint(verso_pack *p, uint64_t v)
{
    if (!p->err)
        s_done(p, msgpack_pack_uint64(&p->pk, v));
}

void verso_pack_double(verso_pack *p, double v)
{
    if (!p->err)
        s_done(p, msgpack_pack_double(&p->pk, v));
}

void verso_pack_bool(verso_pack *p, bool v)
{
    if (!p->err)
        s_done(p, v ? msgpack_pack_true(&p->pk) : msgpack_pack_false(&p->pk));
}

void verso_pack_nil(verso_pack *p)
{
    if (!p->err)
        s_done(p, msgpack_pack_nil(&p->pk));
}

void verso_pack_object(verso_pack *p, const msgpack_object *o)
{
    if (!p->err)
        s_done(p, msgpack_pack_object(&p->pk, *o));
}

void verso_pack_raw(verso_pack *p, const void *bytes, size_t n)
{
    if (!p->err && n)
        s_done(p, p->pk.callback(p->pk.data, bytes, n));
}

void verso_pack_kv_str(verso_pack *p, const char *key, const char *val)
{
    verso_pack_str(p, key);
    verso_pack_str(p, val);
}

void verso_pack_kv_strn(verso_pack *p, const char *key, const char *val, size_t n)
{
    verso_pack_str(p, key);
    verso_pack_strn(p, val, n);
}

void verso_pack_kv_int(verso_pack *p, const char *key, int64_t val)
{
    verso_pack_str(p, key);
    verso_pack_int(p, val);
}

void verso_pack_kv_uint(verso_pack *p, const char *key, uint64_t val)
{
    verso_pack_str(p, key);
    verso_pack_uint(p, val);
}

void verso_pack_kv_double(verso_pack *p, const char *key, double val)
{
    verso_pack_str(p, key);
    verso_pack_double(p, val);
}

void verso_pack_kv_bool(verso_pack *p, const char *key, bool val)
{
    verso_pack_str(p, key);
    verso_pack_bool(p, val);
}
