/*
 * ops.c - libverso's typed calls for the server and text ops: ping, hello,
 * stats, segment, tm_create, tm_list, tm_delete, align and backup. Each
 * packs its request with the builder of request.c and reads its result
 * with the reader of result.c; the entry ops are in tmops.c.
 */
#include <string.h>

#include "client_int.h"

/* Sends a request of q's fields and reads a result of size bytes. */
static verso_err s_call(verso_client *c, const char *op, verso_req *q, size_t size,
                        void (*parse)(verso_rd *rd, const msgpack_object *res), void **out)
{
    verso_err err = verso_typed_call(c, op, q, size, parse, out);
    verso_req_fini(q);
    return err;
}

/* ---- ping, hello, stats ----------------------------------------------------- */

verso_err verso_ping(verso_client *c)
{
    verso_req q;
    verso_req_init(&q);
    return s_call(c, "ping", &q, 1, NULL, NULL);
}

/* The pairs of a map of str -> str (hello's libraries). */
static void s_str_map(verso_rd *rd, const msgpack_object *map, verso_pair **v, size_t *n)
{
    uint32_t k = map ? map->via.map.size : 0;
    if (!(*v = verso_rd_alloc(rd, k, sizeof **v)))
        return;
    for (uint32_t i = 0; i < k; i++) {
        verso_rd_str_of(rd, &map->via.map.ptr[i].key, &(*v)[i].name);
        verso_rd_str_of(rd, &map->via.map.ptr[i].val, &(*v)[i].value);
    }
    *n = rd->err ? 0 : k;
}

static void s_hello(verso_rd *rd, const msgpack_object *m)
{
    verso_hello_res *r = rd->res;
    verso_rd_str(rd, m, "server", &r->server);
    verso_rd_str(rd, m, "role", &r->role);
    verso_rd_str(rd, m, "version", &r->version);
    verso_rd_int(rd, m, "protocol", &r->protocol);
    verso_rd_int(rd, m, "max_message_bytes", &r->max_message_bytes);
    verso_rd_strs(rd, m, "ops", &r->ops, &r->nops);
    s_str_map(rd, verso_rd_map(rd, m, "libraries"), &r->libraries, &r->nlibraries);
}

verso_err verso_hello(verso_client *c, verso_hello_res **res)
{
    verso_req q;
    verso_req_init(&q);
    return s_call(c, "hello", &q, sizeof **res, s_hello, (void **)res);
}

void verso_hello_res_destroy(verso_hello_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* stats' "ops": op name -> figures. */
static void s_op_stats(verso_rd *rd, const msgpack_object *map, verso_stats_res *r)
{
    uint32_t k = map ? map->via.map.size : 0;
    if (!(r->ops = verso_rd_alloc(rd, k, sizeof *r->ops)))
        return;
    for (uint32_t i = 0; i < k; i++) {
        verso_op_stats *o = &r->ops[i];
        const msgpack_object *v = verso_rd_is_map(rd, &map->via.map.ptr[i].val);
        verso_rd_str_of(rd, &map->via.map.ptr[i].key, &o->op);
        verso_rd_int(rd, v, "count", &o->count);
        verso_rd_int(rd, v, "errors", &o->errors);
        verso_rd_int(rd, v, "mean_us", &o->mean_us);
        verso_rd_int(rd, v, "p50_us", &o->p50_us);
        verso_rd_int(rd, v, "p99_us", &o->p99_us);
        verso_rd_int(rd, v, "max_us", &o->max_us);
    }
    r->nops = rd->err ? 0 : k;
}

static void s_store(verso_rd *rd, const msgpack_object *st, verso_stats_res *r)
{
    if (!(r->has_store = st != NULL))
        return;
    verso_rd_str(rd, st, "path", &r->store.path);
    verso_rd_str(rd, st, "engine", &r->store.engine);
    verso_rd_int(rd, st, "schema_version", &r->store.schema_version);
    verso_rd_int(rd, st, "created", &r->store.created);
    verso_rd_int(rd, st, "map_size", &r->store.map_size);
    verso_rd_int(rd, st, "max_map_size", &r->store.max_map_size);
    verso_rd_int(rd, st, "map_grows", &r->store.map_grows);
    verso_rd_int(rd, st, "used_bytes", &r->store.used_bytes);
    verso_rd_int(rd, st, "file_bytes", &r->store.file_bytes);
    verso_rd_int(rd, st, "page_size", &r->store.page_size);
    verso_rd_int(rd, st, "last_txn", &r->store.last_txn);
    verso_rd_int(rd, st, "readers_used", &r->store.readers_used);
    verso_rd_int(rd, st, "readers_max", &r->store.readers_max);
}

static void s_auth(verso_rd *rd, const msgpack_object *au, verso_stats_res *r)
{
    if (!(r->has_auth = au != NULL))
        return;
    verso_rd_str(rd, au, "mode", &r->auth.mode);
    verso_rd_int(rd, au, "clients", &r->auth.clients);
    verso_rd_int(rd, au, "handshakes_accepted", &r->auth.handshakes_accepted);
    verso_rd_int(rd, au, "handshakes_refused", &r->auth.handshakes_refused);
    verso_rd_int(rd, au, "requests_denied", &r->auth.requests_denied);
    verso_rd_int(rd, au, "reloads", &r->auth.reloads);
    verso_rd_int(rd, au, "reload_errors", &r->auth.reload_errors);
}

static void s_stats(verso_rd *rd, const msgpack_object *m)
{
    verso_stats_res *r = rd->res;
    const struct {
        const char *key;
        int64_t *v;
    } ints[] = {
        {"started", &r->started}, {"uptime_s", &r->uptime_s},   {"requests", &r->requests},
        {"errors", &r->errors},   {"timed_out", &r->timed_out}, {"cancelled", &r->cancelled},
        {"queued", &r->queued},   {"running", &r->running},     {"threads", &r->threads}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        verso_rd_int(rd, m, ints[i].key, ints[i].v);
    verso_rd_str(rd, m, "endpoint", &r->endpoint);
    const msgpack_object *fx = verso_rd_map(rd, m, "fuzzy_index");
    verso_rd_int(rd, fx, "posted_upto", &r->posted_upto);
    verso_rd_int(rd, fx, "pending_ids", &r->pending_ids);
    s_store(rd, verso_rd_map(rd, m, "store"), r);
    s_op_stats(rd, verso_rd_map(rd, m, "ops"), r);
    s_auth(rd, verso_rd_map(rd, m, "auth"), r);
}

verso_err verso_stats(verso_client *c, verso_stats_res **res)
{
    verso_req q;
    verso_req_init(&q);
    return s_call(c, "stats", &q, sizeof **res, s_stats, (void **)res);
}

void verso_stats_res_destroy(verso_stats_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- segment ------------------------------------------------------------------ */

static void s_segment(verso_rd *rd, const msgpack_object *m)
{
    verso_segment_res *r = rd->res;
    verso_rd_str(rd, m, "lang", &r->lang);
    verso_rd_str(rd, m, "rules", &r->rules);
    const msgpack_object *a = verso_rd_array(rd, m, "segments", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->segments = verso_rd_alloc(rd, n, sizeof *r->segments)))
        return;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *s = verso_rd_is_map(rd, &a->via.array.ptr[i]);
        verso_rd_str(rd, s, "text", &r->segments[i].text);
        verso_rd_int(rd, s, "start", &r->segments[i].start);
        verso_rd_int(rd, s, "end", &r->segments[i].end);
        verso_rd_int(rd, s, "para", &r->segments[i].para);
    }
    r->nsegments = rd->err ? 0 : n;
}

verso_err verso_segment(verso_client *c, const verso_segment_req *req, verso_segment_res **res)
{
    if (!req->text.ptr || !req->lang)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_str(&q, "text", req->text);
    verso_req_cstr(&q, "lang", req->lang);
    verso_req_cstr(&q, "paragraphs", req->paragraphs);
    verso_req_cstr(&q, "rules", req->rules);
    return s_call(c, "segment", &q, sizeof **res, s_segment, (void **)res);
}

void verso_segment_res_destroy(verso_segment_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- TMs ------------------------------------------------------------------------- */

static verso_err s_tm_op(verso_client *c, const char *op, const char *tm)
{
    if (!tm)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "tm", tm);
    return s_call(c, op, &q, 1, NULL, NULL);
}

verso_err verso_tm_create(verso_client *c, const char *tm)
{
    return s_tm_op(c, "tm_create", tm);
}

verso_err verso_tm_delete(verso_client *c, const char *tm)
{
    return s_tm_op(c, "tm_delete", tm);
}

static void s_tm_list(verso_rd *rd, const msgpack_object *m)
{
    verso_tm_list_res *r = rd->res;
    const msgpack_object *a = verso_rd_array(rd, m, "tms", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->tms = verso_rd_alloc(rd, n, sizeof *r->tms)))
        return;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *t = verso_rd_is_map(rd, &a->via.array.ptr[i]);
        verso_rd_str(rd, t, "name", &r->tms[i].name);
        verso_rd_int(rd, t, "entries", &r->tms[i].entries);
    }
    r->ntms = rd->err ? 0 : n;
}

verso_err verso_tm_list(verso_client *c, verso_tm_list_res **res)
{
    verso_req q;
    verso_req_init(&q);
    return s_call(c, "tm_list", &q, sizeof **res, s_tm_list, (void **)res);
}

void verso_tm_list_res_destroy(verso_tm_list_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- align ----------------------------------------------------------------------- */

static void s_beads(verso_rd *rd, const msgpack_object *m, verso_align_res *r)
{
    const msgpack_object *a = verso_rd_array(rd, m, "beads", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->beads = verso_rd_alloc(rd, n, sizeof *r->beads)))
        return;
    for (uint32_t i = 0; i < n; i++) {
        verso_bead *b = &r->beads[i];
        const msgpack_object *o = verso_rd_is_map(rd, &a->via.array.ptr[i]);
        verso_rd_ints(rd, o, "src", &b->src, &b->nsrc);
        verso_rd_ints(rd, o, "tgt", &b->tgt, &b->ntgt);
        verso_rd_double(rd, o, "score", &b->score);
        verso_rd_bool(rd, o, "moved", &b->moved);
    }
    r->nbeads = rd->err ? 0 : n;
}

static void s_stored(verso_rd *rd, const msgpack_object *st, verso_align_res *r)
{
    if (!(r->has_stored = st != NULL))
        return;
    verso_rd_int(rd, st, "candidates", &r->candidates);
    verso_rd_int(rd, st, "added", &r->added);
    verso_rd_int(rd, st, "skipped", &r->skipped);
    const msgpack_object *h = verso_rd_map(rd, st, "held_back");
    verso_rd_int(rd, h, "low_confidence", &r->low_confidence);
    verso_rd_int(rd, h, "shape", &r->shape);
    verso_rd_int(rd, h, "unpaired", &r->unpaired);
    verso_rd_int(rd, h, "too_long", &r->too_long);
}

static void s_align(verso_rd *rd, const msgpack_object *m)
{
    verso_align_res *r = rd->res;
    verso_rd_strs(rd, m, "src_segments", &r->src_segments, &r->nsrc_segments);
    verso_rd_strs(rd, m, "tgt_segments", &r->tgt_segments, &r->ntgt_segments);
    s_beads(rd, m, r);
    verso_rd_str(rd, m, "lexicon", &r->lexicon);
    const msgpack_object *lf = verso_rd_map(rd, m, "links_from");
    r->has_links_from = lf != NULL;
    verso_rd_str(rd, lf, "tm", &r->links_tm);
    verso_rd_int(rd, lf, "entries", &r->links_entries);
    s_stored(rd, verso_rd_map(rd, m, "stored"), r);
}

/* One side of an align request: its text or its segments, exactly one. */
static verso_err s_side(verso_req *q, const char *which, verso_str text, const verso_str *segs,
                        size_t n)
{
    char key[16];
    if (!text.ptr == !segs)
        return VERSO_EINVAL;
    snprintf(key, sizeof key, "%s_text", which);
    verso_req_str(q, key, text);
    snprintf(key, sizeof key, "%s_segments", which);
    verso_req_strs(q, key, segs, n);
    return VERSO_OK;
}

static void s_store_map(verso_req *q, const verso_align_req *req)
{
    verso_req sub;
    verso_req_init(&sub);
    verso_req_cstr(&sub, "tm", req->store_tm);
    if (req->has_min_confidence)
        verso_req_double(&sub, "min_confidence", req->min_confidence);
    verso_req_cstr(&sub, "origin", req->origin);
    verso_req_map(q, "store", &sub);
    verso_req_fini(&sub);
}

verso_err verso_align(verso_client *c, const verso_align_req *req, verso_align_res **res)
{
    if (!req->src_lang || !req->tgt_lang)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "src_lang", req->src_lang);
    verso_req_cstr(&q, "tgt_lang", req->tgt_lang);
    verso_err err = s_side(&q, "src", req->src_text, req->src_segments, req->nsrc_segments);
    err = err ? err : s_side(&q, "tgt", req->tgt_text, req->tgt_segments, req->ntgt_segments);
    if (err) {
        verso_req_fini(&q);
        return err;
    }
    verso_req_cstr(&q, "rules", req->rules);
    verso_req_cstr(&q, "links_from", req->links_from);
    if (req->store)
        s_store_map(&q, req);
    return s_call(c, "align", &q, sizeof **res, s_align, (void **)res);
}

void verso_align_res_destroy(verso_align_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- backup ---------------------------------------------------------------------- */

static void s_backup(verso_rd *rd, const msgpack_object *m)
{
    verso_backup_res *r = rd->res;
    verso_rd_str(rd, m, "path", &r->path);
    verso_rd_int(rd, m, "bytes", &r->bytes);
    verso_rd_int(rd, m, "ms", &r->ms);
}

verso_err verso_backup(verso_client *c, const char *dir, verso_backup_res **res)
{
    if (!dir)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "path", dir);
    return s_call(c, "backup", &q, sizeof **res, s_backup, (void **)res);
}

void verso_backup_res_destroy(verso_backup_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}
