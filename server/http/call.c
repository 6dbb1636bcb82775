/*
 * call.c - running an op for an HTTP request (http_int.h): the request
 * frame built from fields packed by the route, the ops' dispatch, the reply
 * decoded; and the HTTP status of each wire error.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "mp.h"

void verso_http_result_init(verso_http_result *res)
{
    verso_buf_init(&res->frame, SIZE_MAX);
    msgpack_unpacked_init(&res->up);
    res->res = NULL;
    res->err = VERSO_EINTERNAL;
    res->code = "EINTERNAL";
    res->message[0] = '\0';
}

void verso_http_result_fini(verso_http_result *res)
{
    msgpack_unpacked_destroy(&res->up);
    verso_buf_fini(&res->frame);
}

void verso_http_fields_init(verso_http_fields *f)
{
    msgpack_sbuffer_init(&f->buf);
    verso_pack_init_sbuffer(&f->p, &f->buf);
    f->n = 0;
}

void verso_http_fields_fini(verso_http_fields *f)
{
    msgpack_sbuffer_destroy(&f->buf);
}

void verso_http_field_key(verso_http_fields *f, const char *key)
{
    verso_pack_str(&f->p, key);
    f->n++;
}

void verso_http_field_str(verso_http_fields *f, const char *key, const char *val)
{
    verso_http_field_key(f, key);
    verso_pack_str(&f->p, val);
}

void verso_http_field_int(verso_http_fields *f, const char *key, int64_t val)
{
    verso_http_field_key(f, key);
    verso_pack_int(&f->p, val);
}

verso_err verso_http_frame(const char *op, verso_http_fields *fields, msgpack_sbuffer *out)
{
    verso_pack p;
    verso_pack_init_sbuffer(&p, out);
    if (fields && verso_pack_err(&fields->p))
        return verso_pack_fail(&p, verso_pack_err(&fields->p));
    verso_pack_map(&p, (fields ? fields->n : 0) + 2);
    verso_pack_kv_int(&p, "v", 1);
    verso_pack_kv_str(&p, "op", op);
    if (fields && fields->buf.size)
        verso_pack_raw(&p, fields->buf.data, fields->buf.size);
    return verso_pack_err(&p);
}

/* Reads the reply envelope in res->frame. */
static verso_err s_decode(verso_http_result *res)
{
    size_t off = 0;
    if (msgpack_unpack_next(&res->up, res->frame.data, res->frame.len, &off) !=
        MSGPACK_UNPACK_SUCCESS)
        return VERSO_EINTERNAL;
    const msgpack_object *root = &res->up.data, *ok = verso_mp_get(root, "ok");
    if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean) {
        res->res = verso_mp_get(root, "res");
        res->err = VERSO_OK;
        res->code = "";
        return VERSO_OK;
    }
    const msgpack_object *e = verso_mp_get(root, "err"), *c = verso_mp_get(e, "code"),
                         *m = verso_mp_get(e, "message");
    if (!c || c->type != MSGPACK_OBJECT_STR)
        return VERSO_EINTERNAL;
    res->err = verso_err_from_symbol(c->via.str.ptr, c->via.str.size);
    res->code = verso_err_symbol(res->err);
    if (m && m->type == MSGPACK_OBJECT_STR)
        snprintf(res->message, sizeof res->message, "%.*s",
                 (int)(m->via.str.size < 255 ? m->via.str.size : 255), m->via.str.ptr);
    return res->err;
}

verso_err verso_http_run(verso_http_req *r, const char *op, verso_http_fields *fields,
                         verso_http_result *res)
{
    msgpack_sbuffer frame;
    msgpack_sbuffer_init(&frame);
    verso_err err = verso_http_frame(op, fields, &frame);
    if (!err) {
        verso_http_dispatch(r, frame.data, frame.size, &res->frame);
        err = s_decode(res);
    } else {
        res->err = err;
        res->code = verso_err_symbol(err);
        snprintf(res->message, sizeof res->message, "%s", verso_strerror(err));
    }
    msgpack_sbuffer_destroy(&frame);
    return err;
}

unsigned verso_http_status_of(verso_err err)
{
    switch (err) {
    case VERSO_OK: return MHD_HTTP_OK;
    case VERSO_EPROTO:
    case VERSO_EBADUTF8:
    case VERSO_EBADREQ:
    case VERSO_EVERSION:
    case VERSO_EBADLANG: return MHD_HTTP_BAD_REQUEST;
    case VERSO_EDENIED: return MHD_HTTP_FORBIDDEN;
    case VERSO_EBADOP:
    case VERSO_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
    case VERSO_EEXIST:
    case VERSO_ELOCKED: return MHD_HTTP_CONFLICT;
    case VERSO_ETOOBIG: return MHD_HTTP_CONTENT_TOO_LARGE;
    case VERSO_ETIMEDOUT: return MHD_HTTP_GATEWAY_TIMEOUT;
    case VERSO_ESHUTDOWN:
    case VERSO_ECANCELED: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case VERSO_EBUSY: return MHD_HTTP_TOO_MANY_REQUESTS;
    case VERSO_ENOSPC: return MHD_HTTP_INSUFFICIENT_STORAGE;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

void verso_http_reply_failed(verso_http_reply *rep, const verso_http_result *res)
{
    if (res->err == VERSO_OK) /* an ok reply without the result the route needs: a bug */
        verso_http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "EINTERNAL",
                               "the op's reply has no result");
    else
        verso_http_reply_error(rep, verso_http_status_of(res->err), res->code, "%s", res->message);
}

/* The TM a route's request names (?tm=), "default" when none. */
static const char *s_tm(verso_http_req *r)
{
    const char *tm = verso_http_arg(r, "tm");
    return tm ? tm : "default";
}

verso_err verso_http_lookup_one(verso_http_req *r, const char *sl, const char *tl, const char *text,
                                int64_t min, int64_t max, verso_http_result *res)
{
    verso_http_fields f;
    verso_http_fields_init(&f);
    verso_http_field_str(&f, "tm", s_tm(r));
    verso_http_field_str(&f, "src_lang", sl);
    verso_http_field_str(&f, "tgt_lang", tl);
    verso_http_field_key(&f, "segments");
    verso_pack_array(&f.p, 1);
    verso_pack_str(&f.p, text);
    verso_http_field_int(&f, "min_score", min);
    verso_http_field_int(&f, "max_results", max);
    verso_err err = verso_http_run(r, "lookup", &f, res);
    verso_http_fields_fini(&f);
    return err ? err : res->res ? VERSO_OK : VERSO_EINTERNAL;
}

verso_err verso_http_add_one(verso_http_req *r, const char *sl, const char *tl, const char *src,
                             const char *tgt, const char *on_conflict, verso_http_result *res)
{
    verso_http_fields f;
    verso_http_fields_init(&f);
    verso_http_field_str(&f, "tm", s_tm(r));
    verso_http_field_str(&f, "src_lang", sl);
    verso_http_field_str(&f, "tgt_lang", tl);
    verso_http_field_str(&f, "on_conflict", on_conflict);
    verso_http_field_key(&f, "entries");
    verso_pack_array(&f.p, 1);
    verso_pack_map(&f.p, 2);
    verso_pack_kv_str(&f.p, "src", src);
    verso_pack_kv_str(&f.p, "tgt", tgt);
    verso_err err = verso_http_run(r, "add", &f, res);
    verso_http_fields_fini(&f);
    return err ? err : res->res ? VERSO_OK : VERSO_EINTERNAL;
}

const msgpack_object *verso_http_first_matches(const msgpack_object *res)
{
    const msgpack_object *rs = verso_mp_get(res, "results");
    if (!rs || rs->type != MSGPACK_OBJECT_ARRAY || !rs->via.array.size)
        return NULL;
    const msgpack_object *ms = verso_mp_get(&rs->via.array.ptr[0], "matches");
    return ms && ms->type == MSGPACK_OBJECT_ARRAY ? ms : NULL;
}
