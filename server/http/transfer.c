/*
 * transfer.c - a TM as a TMX download, streamed (docs/HTTP.md, "TMX"):
 * GET /api/v1/tms/{name}/export[?src=LANG] pages through the `export` op (1,000
 * entries a page) as libmicrohttpd asks for more bytes, and writes each
 * entry as `verso export` does (common/tmx_entry.h). The first page is read
 * before the reply starts, so a missing TM or a refused key is a JSON error;
 * a failure later cuts the download short (no </tmx>: an incomplete file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "mp.h"
#include "tmx_entry.h"
#include "verso/version.h"
#include "work.h"

#define S_PREFIX "/api/v1/tms/"
#define S_PAGE   1000

typedef struct s_export {
    verso_http_req r; /* a copy: the caller, the server (conn unused) */
    char tm[256];
    char src[64];   /* the header's srclang when the TM kept none ("": *all*) */
    uint64_t after; /* the cursor of the next page; 0 when done */
    bool done;
    verso_buf out; /* TMX not sent yet, from `sent` on */
    size_t sent;
} s_export;

static verso_tmx_str s_str(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return (verso_tmx_str){"", 0};
    return (verso_tmx_str){o->via.str.ptr, o->via.str.size};
}

static int64_t s_int(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)o->via.u64 : 0;
}

/* The strings of array key into t (the caller's, n entries at most). */
static size_t s_strs(const msgpack_object *m, const char *key, verso_tmx_str *t)
{
    const msgpack_object *a = verso_mp_get(m, key);
    size_t n = 0;
    for (uint32_t i = 0; a && a->type == MSGPACK_OBJECT_ARRAY && i < a->via.array.size; i++)
        if (a->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
            t[n++] =
                (verso_tmx_str){a->via.array.ptr[i].via.str.ptr, a->via.array.ptr[i].via.str.size};
    return n;
}

/* The [name, value] pairs of array key into p. */
static size_t s_pairs(const msgpack_object *m, const char *key, verso_tmx_prop *p)
{
    const msgpack_object *a = verso_mp_get(m, key);
    size_t n = 0;
    for (uint32_t i = 0; a && a->type == MSGPACK_OBJECT_ARRAY && i < a->via.array.size; i++) {
        const msgpack_object *kv = &a->via.array.ptr[i];
        if (kv->type != MSGPACK_OBJECT_ARRAY || kv->via.array.size != 2 ||
            kv->via.array.ptr[0].type != MSGPACK_OBJECT_STR ||
            kv->via.array.ptr[1].type != MSGPACK_OBJECT_STR)
            continue;
        p[n++] =
            (verso_tmx_prop){{kv->via.array.ptr[0].via.str.ptr, kv->via.array.ptr[0].via.str.size},
                             {kv->via.array.ptr[1].via.str.ptr, kv->via.array.ptr[1].via.str.size}};
    }
    return n;
}

static uint32_t s_len(const msgpack_object *m, const char *key)
{
    const msgpack_object *a = verso_mp_get(m, key);
    return a && a->type == MSGPACK_OBJECT_ARRAY ? a->via.array.size : 0;
}

/* One entry map of an export page as a TU. */
static verso_err s_write(const msgpack_object *m, verso_buf *out)
{
    size_t ns = s_len(m, "src_tags"), nt = s_len(m, "tgt_tags"), np = s_len(m, "props"),
           nx = s_len(m, "tmx");
    verso_tmx_str *st = calloc(ns + nt + 2, sizeof *st);
    verso_tmx_prop *pp = calloc(np + nx + 2, sizeof *pp);
    verso_err err = VERSO_ENOMEM;
    if (st && pp) {
        verso_tmx_entry e = {.id = s_int(m, "id"),
                             .src_lang = s_str(m, "src_lang"),
                             .tgt_lang = s_str(m, "tgt_lang"),
                             .src = s_str(m, "src"),
                             .tgt = s_str(m, "tgt"),
                             .author = s_str(m, "author"),
                             .note = s_str(m, "note"),
                             .origin = s_str(m, "origin"),
                             .prev = s_str(m, "prev"),
                             .next = s_str(m, "next"),
                             .src_tags = st,
                             .tgt_tags = st + ns + 1,
                             .props = pp,
                             .tmx = pp + np + 1,
                             .created = s_int(m, "created"),
                             .changed = s_int(m, "changed"),
                             .usage = s_int(m, "usage")};
        e.nsrc_tags = s_strs(m, "src_tags", st);
        e.ntgt_tags = s_strs(m, "tgt_tags", st + ns + 1);
        e.nprops = s_pairs(m, "props", pp);
        e.ntmx = s_pairs(m, "tmx", pp + np + 1);
        err = verso_tmx_write_entry(out, &e);
    }
    free(st);
    free(pp);
    return err;
}

/* Reads the page after x->after into x->out (the header first, for the
 * first page); res receives the op's reply (an error's too). */
static verso_err s_page(s_export *x, bool first, verso_http_result *res)
{
    verso_http_fields f;
    verso_http_fields_init(&f);
    verso_http_field_str(&f, "tm", x->tm);
    verso_http_field_int(&f, "after", (int64_t)x->after);
    verso_http_field_int(&f, "limit", S_PAGE);
    x->r.received_ns = verso_work_now_ns(); /* each page has its own deadline */
    verso_err err = verso_http_run(&x->r, "export", &f, res);
    verso_http_fields_fini(&f);
    if (err || !res->res)
        return err ? err : VERSO_EINTERNAL;
    const msgpack_object *entries = verso_mp_get(res->res, "entries"),
                         *next = verso_mp_get(res->res, "next");
    if (first) { /* the TM's kept header, else a new one: srclang ?src=, else *all* */
        verso_tmx_str kept = s_str(res->res, "tmx_header");
        if (!kept.n || verso_tmx_write_header_kept(&x->out, kept))
            err = verso_tmx_write_header(&x->out, (verso_tmx_str){x->src, strlen(x->src)}, "verso",
                                         VERSO_VERSION);
    }
    for (uint32_t i = 0;
         !err && entries && entries->type == MSGPACK_OBJECT_ARRAY && i < entries->via.array.size;
         i++)
        err = s_write(&entries->via.array.ptr[i], &x->out);
    x->done = !next || next->type != MSGPACK_OBJECT_POSITIVE_INTEGER;
    x->after = x->done ? 0 : next->via.u64;
    if (!err && x->done)
        err = verso_tmx_write_footer(&x->out);
    return err;
}

/* libmicrohttpd asks for up to max more bytes. */
static ssize_t s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    s_export *x = cls;
    while (x->sent == x->out.len) {
        if (x->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        verso_buf_reset(&x->out);
        x->sent = 0;
        verso_http_result res;
        verso_http_result_init(&res);
        verso_err err = s_page(x, false, &res);
        verso_http_result_fini(&res);
        if (err)
            return MHD_CONTENT_READER_END_WITH_ERROR; /* no footer: an incomplete file */
    }
    size_t n = x->out.len - x->sent < max ? x->out.len - x->sent : max;
    memcpy(buf, x->out.data + x->sent, n);
    x->sent += n;
    return (ssize_t)n;
}

static void s_free(void *cls)
{
    s_export *x = cls;
    verso_buf_fini(&x->out);
    free(x);
}

/* GET /api/v1/tms/{name}/export. */
static void s_export_start(verso_http_req *r, verso_http_reply *rep, const char *name, size_t n)
{
    s_export *x = calloc(1, sizeof *x);
    if (!x || n >= sizeof x->tm) {
        free(x);
        verso_http_reply_error(rep, n ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
                               n ? "EBADREQ" : "ENOMEM", "a TM name of at most 255 bytes");
        return;
    }
    x->r = (verso_http_req){.h = r->h, .who = r->who}; /* what running an op needs */
    memcpy(x->tm, name, n);
    const char *src = verso_http_arg(r, "src");
    snprintf(x->src, sizeof x->src, "%s", src && strlen(src) < sizeof x->src ? src : "");
    verso_buf_init(&x->out, SIZE_MAX);
    verso_http_result res;
    verso_http_result_init(&res);
    verso_err err = s_page(x, true, &res);
    if (err) {
        if (res.err)
            verso_http_reply_failed(rep, &res);
        else
            verso_http_reply_error(rep, verso_http_status_of(err), verso_err_symbol(err), "%s",
                                   verso_strerror(err));
        s_free(x);
    } else {
        rep->status = MHD_HTTP_OK;
        rep->type = "application/x-tmx+xml; charset=utf-8";
        snprintf(rep->filename, sizeof rep->filename, "verso-%.*s.tmx", (int)(n < 64 ? n : 64),
                 name);
        for (char *c = rep->filename + 6; *c && strcmp(c, ".tmx"); c++)
            if (!(*c == '.' || *c == '-' || *c == '_' || (*c >= '0' && *c <= '9') ||
                  ((*c | 32) >= 'a' && (*c | 32) <= 'z')))
                *c = '_'; /* a header value: no quotes, no bytes of other characters */
        rep->stream = s_read;
        rep->stream_free = s_free;
        rep->stream_cls = x;
    }
    verso_http_result_fini(&res);
}

bool verso_http_transfer(verso_http_req *r, verso_http_reply *rep)
{
    if (strncmp(r->url, S_PREFIX, sizeof S_PREFIX - 1))
        return false;
    const char *name = r->url + sizeof S_PREFIX - 1, *slash = strchr(name, '/');
    if (slash && slash != name && !strcmp(slash, "/import")) { /* POST: upload.c */
        verso_http_reply_method(rep, "POST");
        return true;
    }
    if (!slash || strcmp(slash, "/export") || slash == name) {
        verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND",
                               "TM routes: /api/v1/tms/{name}/export and /import");
        return true;
    }
    if (strcmp(r->method, "GET"))
        verso_http_reply_method(rep, "GET");
    else
        s_export_start(r, rep, name, (size_t)(slash - name));
    return true;
}
