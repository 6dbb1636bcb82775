/*
 * upload.c - TMX import by upload (docs/HTTP.md, "TMX import"):
 * POST /api/v1/tms/{name}/import reads the body as it arrives through the
 * streaming TMX reader, maps each TU as `verso import` does
 * (common/tmx_import.h), and sends the entries in batches of `add`
 * requests (one language pair each, under max_message_bytes) through the
 * ops' dispatch as the caller. Its progress is published in the imports
 * table (imports.c) after every piece of the body, so another request can
 * poll it; the reply, once the body has ended, is the import's record.
 *
 * Memory is bounded by the largest TU (the reader's limits) and a batch
 * per language pair (at most S_PAIRS pairs). The HTTP thread reading the
 * body runs each add in turn: a client that sends faster than the TM
 * stores waits (TCP flow control), and a slow one is cut by the
 * connection timeout. An add that fails for its entries (a language tag,
 * a field) rejects them and the import goes on; any other failure ends it,
 * and the rest of the body is read and dropped. A cancel (DELETE
 * /api/v1/imports/{id}) or a server stop closes the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "mp.h"
#include "tmx_import.h"
#include "utf8.h"
#include "verso/limits.h"
#include "work.h"

#define S_PREFIX        "/api/v1/tms/"
#define S_SUFFIX        "/import"
#define S_PAIRS         64   /* language pairs in one file */
#define S_BATCH_ENTRIES 2000 /* entries of one add: each add's commit stays short */
#define S_FRAME_ROOM    4096 /* a request's bytes besides its entries and header */

/* The entries waiting for one language pair, packed as they come. */
typedef struct s_batch {
    char src[129], tgt[129];
    msgpack_sbuffer sb;
    uint32_t n;
} s_batch;

struct verso_http_upload {
    verso_http_req *r; /* the request being read: the caller, the server */
    verso_http_job job;
    verso_tmx_reader *tmx;
    s_batch pairs[S_PAIRS];
    size_t npairs;
    msgpack_sbuffer one; /* an entry packed, before it joins its batch */
    char src[64], tgt[64], on_conflict[16];
    size_t cap;       /* max_message_bytes */
    bool header_done; /* the file's header went with an add, or cannot */
    bool stopped;     /* failed: the rest of the body is dropped */
};

bool verso_http_upload_match(const verso_http_req *r)
{
    size_t n = strlen(r->url), p = sizeof S_PREFIX - 1, s = sizeof S_SUFFIX - 1;
    return !strcmp(r->method, "POST") && n > p + s && !strncmp(r->url, S_PREFIX, p) &&
           !strcmp(r->url + n - s, S_SUFFIX) && !memchr(r->url + p, '/', n - p - s);
}

/* ---- outcome -------------------------------------------------------------- */

/* Counts n rejected records for why (static text); the first few keep their line. */
static void s_reject_n(verso_http_upload *u, uint64_t line, const char *why, uint64_t n)
{
    verso_http_job *j = &u->job;
    if (line && j->nrejects < VERSO_HTTP_JOB_REJECTS) {
        j->rejects[j->nrejects].line = line;
        j->rejects[j->nrejects++].why = why;
    }
    j->rejected += n;
    size_t i = 0;
    while (i < j->nreasons && strcmp(j->reasons[i].why, why))
        i++;
    if (i == j->nreasons && i < VERSO_HTTP_JOB_REASONS)
        j->reasons[j->nreasons++].why = why;
    if (i < j->nreasons)
        j->reasons[i].n += n;
}

/* Ends the import as state with code and message (no more entries go in). */
static void s_end(verso_http_upload *u, verso_http_job_state state, const char *code,
                  const char *fmt, const char *msg)
{
    if (u->job.state != VERSO_JOB_RUNNING)
        return;
    u->job.state = state;
    u->job.code = code;
    snprintf(u->job.message, sizeof u->job.message, fmt, msg);
    u->job.ended_ms = verso_http_job_now_ms();
    u->stopped = state != VERSO_JOB_DONE;
    verso_http_job_publish(u->r->h, &u->job);
}

/* ---- batches ---------------------------------------------------------------- */

/* The add of one batch's entries, with the file's header the first time. */
static void s_add(verso_http_upload *u, s_batch *b, verso_tmx_str header, verso_http_result *res)
{
    verso_http_fields f;
    verso_http_fields_init(&f);
    verso_http_field_str(&f, "tm", u->job.tm);
    verso_http_field_str(&f, "src_lang", b->src);
    verso_http_field_str(&f, "tgt_lang", b->tgt);
    if (u->on_conflict[0])
        verso_http_field_str(&f, "on_conflict", u->on_conflict);
    if (header.n) {
        verso_http_field_key(&f, "tmx_header");
        verso_pack_strn(&f.p, header.p, header.n);
    }
    verso_http_field_key(&f, "entries");
    verso_pack_array(&f.p, b->n);
    verso_pack_raw(&f.p, b->sb.data, b->sb.size);
    u->r->received_ns = verso_work_now_ns(); /* each add has its own deadline */
    verso_http_run(u->r, "add", &f, res);
    verso_http_fields_fini(&f);
}

/* The header to send with an add of `bytes` entries: the file's, once,
 * when it fits a request. */
static verso_tmx_str s_header(verso_http_upload *u, size_t bytes)
{
    verso_tmx_str h = u->tmx ? verso_tmx_reader_header(u->tmx) : (verso_tmx_str){"", 0};
    if (u->header_done || !h.n)
        return (verso_tmx_str){"", 0};
    u->header_done = true;
    if (h.n > VERSO_TMX_HEADER_MAX_BYTES || h.n + bytes + S_FRAME_ROOM > u->cap) {
        s_reject_n(u, 0, "the file's header is over what one request holds: not kept", 0);
        return (verso_tmx_str){"", 0};
    }
    return h;
}

/* Sends a batch (when it holds entries) and counts the outcome. */
static void s_flush(verso_http_upload *u, s_batch *b)
{
    if (!b->n || u->stopped)
        return;
    verso_http_result res;
    verso_http_result_init(&res);
    s_add(u, b, s_header(u, b->sb.size), &res);
    const msgpack_object *m = res.res;
    if (!res.err && m) {
        int64_t v[3] = {0, 0, 0};
        const char *keys[] = {"added", "updated", "skipped"};
        for (int i = 0; i < 3; i++) {
            const msgpack_object *o = verso_mp_get(m, keys[i]);
            v[i] = o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)o->via.u64 : 0;
        }
        u->job.added += (uint64_t)v[0];
        u->job.updated += (uint64_t)v[1];
        u->job.skipped += (uint64_t)v[2];
    } else if (res.err == VERSO_EBADLANG || res.err == VERSO_EBADREQ || res.err == VERSO_ETOOBIG) {
        s_reject_n(u, 0,
                   res.err == VERSO_EBADLANG ? "language tag refused by the server"
                                             : "batch refused by the server",
                   b->n);
    } else {
        s_end(u, VERSO_JOB_FAILED, res.code ? res.code : "EINTERNAL", "%s", res.message);
    }
    verso_http_result_fini(&res);
    msgpack_sbuffer_clear(&b->sb);
    b->n = 0;
}

static void s_flush_all(verso_http_upload *u)
{
    for (size_t i = 0; i < u->npairs && !u->stopped; i++)
        s_flush(u, &u->pairs[i]);
}

/* A tuv's language tag with '_' as '-' into out (129 bytes); false past 128. */
static bool s_tag(verso_tmx_str t, char out[129])
{
    if (t.n > 128)
        return false;
    for (size_t i = 0; i < t.n; i++)
        out[i] = t.p[i] == '_' ? '-' : t.p[i];
    out[t.n] = '\0';
    return true;
}

/* The batch of a pair, made on first use; NULL past S_PAIRS. */
static s_batch *s_batch_of(verso_http_upload *u, verso_tmx_str sl, verso_tmx_str tl)
{
    char src[129], tgt[129];
    if (!s_tag(sl, src) || !s_tag(tl, tgt))
        return NULL;
    for (size_t i = 0; i < u->npairs; i++)
        if (!strcmp(u->pairs[i].src, src) && !strcmp(u->pairs[i].tgt, tgt))
            return &u->pairs[i];
    if (u->npairs == S_PAIRS)
        return NULL;
    s_batch *b = &u->pairs[u->npairs++];
    memcpy(b->src, src, sizeof src);
    memcpy(b->tgt, tgt, sizeof tgt);
    msgpack_sbuffer_init(&b->sb);
    return b;
}

/* ---- the file's records -------------------------------------------------- */

static int s_entry(void *arg, const verso_tmx_entry *e, unsigned long line)
{
    verso_http_upload *u = arg;
    u->job.entries++;
    const char *why = verso_tmx_entry_problem(e);
    s_batch *b = why ? NULL : s_batch_of(u, e->src_lang, e->tgt_lang);
    if (!why && !b)
        why = "too many language pairs, or a language tag over 128 bytes";
    if (why) {
        s_reject_n(u, line, why, 1);
        return 0;
    }
    msgpack_sbuffer_clear(&u->one);
    verso_pack p;
    verso_pack_init_sbuffer(&p, &u->one);
    if (verso_tmx_entry_pack(&p, e)) {
        s_end(u, VERSO_JOB_FAILED, "ENOMEM", "%s", "out of memory packing an entry");
        return 1;
    }
    size_t room = u->cap / 2;
    if (u->one.size > room) {
        s_reject_n(u, line, "longer than the server accepts", 1);
        return 0;
    }
    if (b->sb.size + u->one.size > room)
        s_flush(u, b);
    if (msgpack_sbuffer_write(&b->sb, u->one.data, u->one.size)) {
        s_end(u, VERSO_JOB_FAILED, "ENOMEM", "%s", "out of memory");
        return 1;
    }
    if (++b->n >= S_BATCH_ENTRIES)
        s_flush(u, b);
    return u->stopped;
}

static int s_reject(void *arg, unsigned long line, const char *why)
{
    verso_http_upload *u = arg;
    u->job.entries++;
    s_reject_n(u, line, why, 1);
    return 0;
}

static int s_tu(void *arg, const verso_tmx_tu *tu)
{
    verso_http_upload *u = arg;
    u->job.tus++;
    verso_tmx_want want = {.src = u->src[0] ? u->src : NULL,
                           .tgt = u->tgt[0] ? u->tgt : NULL,
                           .srclang = verso_tmx_reader_srclang(u->tmx),
                           .origin = {u->job.file, strlen(u->job.file)}};
    verso_tmx_sink sink = {s_entry, s_reject, u};
    int rc = verso_tmx_tu_entries(tu, &want, &sink);
    if (rc < 0)
        s_end(u, VERSO_JOB_FAILED, "ENOMEM", "%s", "out of memory");
    return rc || u->stopped;
}

/* ---- the request ------------------------------------------------------------ */

/* Copies query argument name into out (size n); false when it is longer. */
static bool s_arg(verso_http_req *r, const char *name, char *out, size_t n, const char *dflt)
{
    const char *v = verso_http_arg(r, name);
    v = v ? v : dflt;
    if (strlen(v) >= n || !verso_utf8_valid(v, strlen(v), NULL))
        return false;
    memcpy(out, v, strlen(v) + 1);
    return true;
}

/* The TM named exists, or is made for an admin (as verso import does). */
static bool s_tm_ready(verso_http_req *r, const char *tm, verso_http_reply *rep)
{
    verso_http_result res;
    verso_http_result_init(&res);
    bool found = false;
    if (verso_http_run(r, "tm_list", NULL, &res) == VERSO_OK && res.res) {
        const msgpack_object *tms = verso_mp_get(res.res, "tms");
        for (uint32_t i = 0; tms && tms->type == MSGPACK_OBJECT_ARRAY && i < tms->via.array.size;
             i++) {
            const msgpack_object *name = verso_mp_get(&tms->via.array.ptr[i], "name");
            found |= name && name->type == MSGPACK_OBJECT_STR && name->via.str.size == strlen(tm) &&
                     !memcmp(name->via.str.ptr, tm, name->via.str.size);
        }
    }
    bool ok = found;
    if (!found && !res.err && r->who.role == VERSO_ROLE_ADMIN) {
        verso_http_result_fini(&res);
        verso_http_result_init(&res);
        verso_http_fields f;
        verso_http_fields_init(&f);
        verso_http_field_str(&f, "tm", tm);
        ok = verso_http_run(r, "tm_create", &f, &res) == VERSO_OK || res.err == VERSO_EEXIST;
        verso_http_fields_fini(&f);
    }
    if (!ok && res.err)
        verso_http_reply_failed(rep, &res);
    else if (!ok)
        verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND",
                               "no TM named %s (an admin's key creates it)", tm);
    verso_http_result_fini(&res);
    return ok;
}

/* Reads the request's arguments into u; false with rep saying why not. */
static bool s_args(verso_http_upload *u, verso_http_req *r, verso_http_reply *rep)
{
    const char *name = r->url + sizeof S_PREFIX - 1;
    size_t n = strlen(name) - (sizeof S_SUFFIX - 1);
    if (n >= sizeof u->job.tm || !verso_utf8_valid(name, n, NULL)) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "a TM name of at most 255 bytes of UTF-8");
        return false;
    }
    memcpy(u->job.tm, name, n);
    if (!s_arg(r, "src", u->src, sizeof u->src, "") ||
        !s_arg(r, "tgt", u->tgt, sizeof u->tgt, "") ||
        !s_arg(r, "on_conflict", u->on_conflict, sizeof u->on_conflict, "") ||
        !s_arg(r, "filename", u->job.file, sizeof u->job.file, "upload.tmx")) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "src and tgt take at most 63 bytes, on_conflict 15, filename 127, "
                               "all UTF-8");
        return false;
    }
    const char *cl =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    u->job.has_total = cl != NULL;
    u->job.bytes_total = cl ? strtoull(cl, NULL, 10) : 0;
    snprintf(u->job.owner, sizeof u->job.owner, "%s", r->who.name);
    return true;
}

bool verso_http_upload_begin(verso_http_req *r, verso_http_reply *rep)
{
    if (r->who.role < VERSO_ROLE_WRITE) {
        verso_http_reply_error(rep, MHD_HTTP_FORBIDDEN, "EDENIED",
                               "an import needs a key with the write role");
        return false;
    }
    verso_http_upload *u = calloc(1, sizeof *u);
    if (!u) {
        verso_http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "ENOMEM", "out of memory");
        return false;
    }
    u->r = r;
    u->cap = r->h->host->max_message_bytes;
    msgpack_sbuffer_init(&u->one);
    verso_err err = VERSO_OK;
    bool ok = s_args(u, r, rep) && s_tm_ready(r, u->job.tm, rep) &&
              !(err = verso_tmx_reader_new(s_tu, u, &u->tmx)) &&
              !(err = verso_http_job_start(r->h, &u->job, verso_http_arg(r, "id")));
    if (!ok && err == VERSO_EEXIST)
        verso_http_reply_error(rep, MHD_HTTP_CONFLICT, "EEXIST", "an import has the id %.64s",
                               verso_http_arg(r, "id"));
    else if (!ok && err == VERSO_EBADREQ)
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "an import's id is 8 to 64 of A-Z a-z 0-9 _ -");
    else if (!ok && err)
        verso_http_reply_error(rep, verso_http_status_of(err), verso_err_symbol(err), "%s",
                               err == VERSO_EBUSY ? "64 imports are running: retry later"
                                                  : verso_strerror(err));
    if (!ok) {
        u->job.state = VERSO_JOB_FREE; /* never published: nothing to end */
        verso_http_upload_free(&u);
    }
    r->upload = u;
    return ok;
}

bool verso_http_upload_feed(verso_http_upload *u, const char *data, size_t n)
{
    verso_http *h = u->r->h;
    u->job.bytes += n;
    if (atomic_load(&h->cancel)) {
        s_end(u, VERSO_JOB_FAILED, "ECANCELED", "%s", "the server is stopping");
        return false;
    }
    if (u->stopped)
        return true; /* failed: the rest is read and dropped */
    verso_err err = verso_tmx_reader_feed(u->tmx, data, n, false);
    if (err == VERSO_ENOMEM)
        s_end(u, VERSO_JOB_FAILED, "ENOMEM", "%s", "out of memory reading the file");
    else if (err) /* the reader cannot go on */
        s_end(u, VERSO_JOB_FAILED, "EPROTO", "the file is not TMX the reader can go on with: %s",
              verso_tmx_reader_error(u->tmx, NULL) ? verso_tmx_reader_error(u->tmx, NULL) : "?");
    if (verso_http_job_publish(h, &u->job)) {
        s_end(u, VERSO_JOB_CANCELLED, "ECANCELED", "%s", "cancelled (DELETE /api/v1/imports/{id})");
        return false;
    }
    return true;
}

void verso_http_upload_end(verso_http_upload *u, verso_http_reply *rep)
{
    if (!u->stopped) {
        verso_err err = verso_tmx_reader_feed(u->tmx, "", 0, true);
        unsigned long line = 0;
        const char *why = verso_tmx_reader_error(u->tmx, &line);
        if (err == VERSO_ENOMEM)
            s_end(u, VERSO_JOB_FAILED, "ENOMEM", "%s", "out of memory reading the file");
        else if (why && !u->job.tus)
            s_end(u, VERSO_JOB_FAILED, "EPROTO", "the body is not TMX: %s", why);
        else if (why) /* broken XML after some TUs: what was read stays, counted */
            s_reject_n(u, line, "broken XML (the TU it broke was skipped)",
                       verso_tmx_reader_errors(u->tmx));
        s_flush_all(u);
    }
    s_end(u, VERSO_JOB_DONE, NULL, "%s", "");
    unsigned status =
        u->job.state == VERSO_JOB_DONE
            ? MHD_HTTP_OK
            : verso_http_status_of(verso_err_from_symbol(u->job.code, strlen(u->job.code)));
    verso_http_job_reply(rep, status, &u->job, NULL);
}

void verso_http_upload_free(verso_http_upload **up)
{
    verso_http_upload *u = *up;
    if (!u)
        return;
    s_end(u, VERSO_JOB_FAILED, "ECANCELED", "%s",
          "the client went away before the end of the file");
    for (size_t i = 0; i < u->npairs; i++)
        msgpack_sbuffer_destroy(&u->pairs[i].sb);
    msgpack_sbuffer_destroy(&u->one);
    verso_tmx_reader_destroy(&u->tmx);
    free(u);
    *up = NULL;
}
