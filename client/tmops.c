/*
 * tmops.c - libverso's typed calls for a TM's entries: add (entries given,
 * or a verso_batch packed as it fills), get, update, delete, lookup,
 * concordance and export. Packing with request.c, reading with result.c;
 * the other ops are in ops.c.
 */
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "mp.h"

#define S_BATCH_CAP ((size_t)1 << 30)

static verso_err s_call(verso_client *c, const char *op, verso_req *q, size_t size,
                        void (*parse)(verso_rd *rd, const msgpack_object *res), void **out)
{
    verso_err err = verso_typed_call(c, op, q, size, parse, out);
    verso_req_fini(q);
    return err;
}

/* ---- batches ------------------------------------------------------------------ */

struct verso_batch {
    msgpack_sbuffer sb; /* entry maps, back to back */
    msgpack_packer pk;
    size_t n, cap;
};

verso_err verso_batch_new(size_t cap_bytes, verso_batch **out)
{
    verso_batch *b = calloc(1, sizeof *b);
    if (!b)
        return VERSO_ENOMEM;
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
    b->cap = cap_bytes ? cap_bytes : S_BATCH_CAP;
    *out = b;
    return VERSO_OK;
}

void verso_batch_destroy(verso_batch **b)
{
    if (!*b)
        return;
    msgpack_sbuffer_destroy(&(*b)->sb);
    free(*b);
    *b = NULL;
}

verso_err verso_batch_put(verso_batch *b, const verso_entry *e)
{
    verso_req q;
    verso_req_init(&q);
    verso_req_entry(&q, e);
    size_t before = b->sb.size;
    verso_err err = q.err;
    if (!err && (q.sb.size + 5 > b->cap || before > b->cap - q.sb.size - 5))
        err = VERSO_ETOOBIG; /* 5: the map header at most */
    if (!err &&
        (msgpack_pack_map(&b->pk, q.n) || msgpack_sbuffer_write(&b->sb, q.sb.data, q.sb.size))) {
        b->sb.size = before;
        err = VERSO_ENOMEM;
    }
    verso_req_fini(&q);
    b->n += !err;
    return err;
}

size_t verso_batch_count(const verso_batch *b)
{
    return b->n;
}

size_t verso_batch_bytes(const verso_batch *b)
{
    return b->sb.size;
}

void verso_batch_clear(verso_batch *b)
{
    msgpack_sbuffer_clear(&b->sb);
    b->n = 0;
}

/* ---- add ------------------------------------------------------------------------ */

/* The entries of an add request: the batch's bytes, or each entry packed. */
static void s_entries(verso_req *q, const verso_add_req *req)
{
    verso_req_key(q, "entries");
    size_t n = req->batch ? req->batch->n : req->nentries;
    if (!q->err && (n > UINT32_MAX || msgpack_pack_array(&q->pk, n)))
        q->err = VERSO_ENOMEM;
    if (req->batch && !q->err && req->batch->sb.size &&
        msgpack_sbuffer_write(&q->sb, req->batch->sb.data, req->batch->sb.size))
        q->err = VERSO_ENOMEM;
    for (size_t i = 0; !req->batch && i < n && !q->err; i++) {
        verso_req e;
        verso_req_init(&e);
        verso_req_entry(&e, &req->entries[i]);
        if (!e.err && (msgpack_pack_map(&q->pk, e.n) ||
                       (e.sb.size && msgpack_sbuffer_write(&q->sb, e.sb.data, e.sb.size))))
            e.err = VERSO_ENOMEM;
        q->err = e.err;
        verso_req_fini(&e);
    }
}

verso_err verso_add_send(verso_client *c, const verso_add_req *req, uint64_t *id)
{
    if (!req->src_lang || !req->tgt_lang || !req->batch == !req->entries)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "tm", req->tm);
    verso_req_cstr(&q, "src_lang", req->src_lang);
    verso_req_cstr(&q, "tgt_lang", req->tgt_lang);
    verso_req_cstr(&q, "on_conflict", req->on_conflict);
    verso_req_str(&q, "tmx_header", req->tmx_header);
    s_entries(&q, req);
    verso_err err = verso_typed_send(c, "add", &q, id);
    verso_req_fini(&q);
    return err;
}

static void s_add(verso_rd *rd, const msgpack_object *m)
{
    verso_add_res *r = rd->res;
    verso_rd_int(rd, m, "added", &r->added);
    verso_rd_int(rd, m, "updated", &r->updated);
    verso_rd_int(rd, m, "skipped", &r->skipped);
    verso_rd_ints(rd, m, "ids", &r->ids, &r->nids);
}

verso_err verso_add_recv(verso_client *c, uint64_t id, verso_add_res **res)
{
    const msgpack_object *m = NULL;
    verso_err err = verso_typed_recv(c, id, &m);
    if (err)
        return err;
    verso_rd rd;
    if (!verso_rd_begin(&rd, sizeof **res))
        s_add(&rd, m);
    verso_typed_done(c);
    if (rd.err) {
        verso_res_free(rd.res);
        return rd.err;
    }
    *res = rd.res;
    return VERSO_OK;
}

verso_err verso_add(verso_client *c, const verso_add_req *req, verso_add_res **res)
{
    uint64_t id;
    verso_err err = verso_add_send(c, req, &id);
    return err ? err : verso_add_recv(c, id, res);
}

void verso_add_res_destroy(verso_add_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- get, update, delete ------------------------------------------------------------ */

static void s_entry_res(verso_rd *rd, const msgpack_object *m)
{
    verso_entry_res *r = rd->res;
    const msgpack_object *e = verso_rd_map(rd, m, "entry");
    if (!e && !rd->err)
        rd->err = VERSO_EPROTO; /* the one thing the reply is for */
    verso_rd_entry(rd, e, &r->entry);
}

verso_err verso_get(verso_client *c, int64_t entry_id, verso_entry_res **res)
{
    verso_req q;
    verso_req_init(&q);
    verso_req_int(&q, "entry_id", entry_id);
    return s_call(c, "get", &q, sizeof **res, s_entry_res, (void **)res);
}

void verso_entry_res_destroy(verso_entry_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

verso_err verso_update(verso_client *c, const verso_update_req *req, verso_entry_res **res)
{
    verso_req q;
    verso_req_init(&q);
    verso_req_int(&q, "entry_id", req->entry_id);
    verso_req_str(&q, "src", req->src);
    verso_req_str(&q, "tgt", req->tgt);
    verso_req_str(&q, "author", req->author);
    verso_req_str(&q, "note", req->note);
    verso_req_str(&q, "origin", req->origin);
    verso_req_strs(&q, "src_tags", req->src_tags, req->nsrc_tags);
    verso_req_strs(&q, "tgt_tags", req->tgt_tags, req->ntgt_tags);
    verso_req_pairs(&q, "props", req->props, req->nprops);
    if (req->has_used)
        verso_req_int(&q, "used", req->used);
    return s_call(c, "update", &q, sizeof **res, s_entry_res, (void **)res);
}

typedef struct s_deleted {
    int64_t deleted;
} s_deleted;

static void s_delete(verso_rd *rd, const msgpack_object *m)
{
    s_deleted *r = rd->res;
    verso_rd_int(rd, m, "deleted", &r->deleted);
}

verso_err verso_delete(verso_client *c, const int64_t *ids, size_t nids, int64_t *deleted)
{
    if (nids && !ids)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_key(&q, "ids");
    if (!q.err && (nids > UINT32_MAX || msgpack_pack_array(&q.pk, nids)))
        q.err = VERSO_ENOMEM;
    for (size_t i = 0; i < nids && !q.err; i++)
        if (msgpack_pack_int64(&q.pk, ids[i]))
            q.err = VERSO_ENOMEM;
    s_deleted *r = NULL;
    verso_err err = s_call(c, "delete", &q, sizeof *r, s_delete, (void **)&r);
    if (!err && deleted)
        *deleted = r->deleted;
    verso_res_free(r);
    return err;
}

/* ---- lookup ---------------------------------------------------------------------- */

static void s_penalties(verso_rd *rd, const msgpack_object *map, verso_match *m)
{
    uint32_t k = map ? map->via.map.size : 0;
    if (!(m->penalties = verso_rd_alloc(rd, k, sizeof *m->penalties)))
        return;
    for (uint32_t i = 0; i < k; i++) {
        verso_rd_str_of(rd, &map->via.map.ptr[i].key, &m->penalties[i].name);
        verso_rd_int_of(rd, &map->via.map.ptr[i].val, &m->penalties[i].points);
    }
    m->npenalties = rd->err ? 0 : k;
}

static void s_diffs(verso_rd *rd, const msgpack_object *o, verso_match *m)
{
    const msgpack_object *a = verso_rd_array(rd, o, "diffs", &m->has_diffs);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(m->diffs = verso_rd_alloc(rd, n, sizeof *m->diffs)))
        return;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *d = verso_rd_is_map(rd, &a->via.array.ptr[i]);
        const msgpack_object *seg = verso_mp_get(d, "segment"), *src = verso_mp_get(d, "src");
        verso_rd_str(rd, d, "kind", &m->diffs[i].kind);
        if (!seg || !src) {
            rd->err = rd->err ? rd->err : VERSO_EPROTO;
            break;
        }
        verso_rd_span(rd, seg, &m->diffs[i].segment);
        verso_rd_span(rd, src, &m->diffs[i].src);
    }
    m->ndiffs = rd->err ? 0 : n;
}

static void s_match(verso_rd *rd, const msgpack_object *o, verso_match *m)
{
    verso_rd_entry(rd, o, &m->entry);
    verso_rd_int(rd, o, "score", &m->score);
    verso_rd_int(rd, o, "base", &m->base);
    verso_rd_str(rd, o, "kind", &m->kind);
    s_penalties(rd, verso_rd_map(rd, o, "penalties"), m);
    verso_rd_bool(rd, o, "reversed", &m->reversed);
    verso_rd_bool(rd, o, "substituted", &m->substituted);
    s_diffs(rd, o, m);
}

static void s_lookup_result(verso_rd *rd, const msgpack_object *o, verso_lookup_result *r)
{
    if (!verso_rd_is_map(rd, o))
        return;
    verso_rd_str(rd, o, "segment", &r->segment);
    r->has_offsets = verso_mp_get(o, "start") != NULL;
    verso_rd_int(rd, o, "start", &r->start);
    verso_rd_int(rd, o, "end", &r->end);
    const msgpack_object *a = verso_rd_array(rd, o, "matches", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->matches = verso_rd_alloc(rd, n, sizeof *r->matches)))
        return;
    for (uint32_t i = 0; i < n; i++)
        s_match(rd, &a->via.array.ptr[i], &r->matches[i]);
    r->nmatches = rd->err ? 0 : n;
}

static void s_lookup(verso_rd *rd, const msgpack_object *m)
{
    verso_lookup_res *r = rd->res;
    const msgpack_object *a = verso_rd_array(rd, m, "results", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->results = verso_rd_alloc(rd, n, sizeof *r->results)))
        return;
    for (uint32_t i = 0; i < n; i++)
        s_lookup_result(rd, &a->via.array.ptr[i], &r->results[i]);
    r->nresults = rd->err ? 0 : n;
}

verso_err verso_lookup(verso_client *c, const verso_lookup_req *req, verso_lookup_res **res)
{
    if (!req->src_lang || !req->tgt_lang || !req->text.ptr == !req->segments)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "tm", req->tm);
    verso_req_cstr(&q, "src_lang", req->src_lang);
    verso_req_cstr(&q, "tgt_lang", req->tgt_lang);
    if (req->has_min_score)
        verso_req_int(&q, "min_score", req->min_score);
    if (req->max_results)
        verso_req_int(&q, "max_results", req->max_results);
    verso_req_cstr(&q, "method", req->method);
    verso_req_cstr(&q, "rules", req->rules);
    verso_req_str(&q, "text", req->text);
    verso_req_strs(&q, "segments", req->segments, req->nsegments);
    return s_call(c, "lookup", &q, sizeof **res, s_lookup, (void **)res);
}

void verso_lookup_res_destroy(verso_lookup_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- concordance ----------------------------------------------------------------- */

static void s_hit(verso_rd *rd, const msgpack_object *o, verso_concordance_hit *h)
{
    verso_rd_entry(rd, o, &h->entry);
    verso_rd_bool(rd, o, "phrase", &h->phrase);
    const msgpack_object *a = verso_rd_array(rd, o, "spans", &h->has_spans);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(h->spans = verso_rd_alloc(rd, n, sizeof *h->spans)))
        return;
    for (uint32_t i = 0; i < n; i++)
        verso_rd_span(rd, &a->via.array.ptr[i], &h->spans[i]);
    h->nspans = rd->err ? 0 : n;
}

static void s_concordance(verso_rd *rd, const msgpack_object *m)
{
    verso_concordance_res *r = rd->res;
    verso_rd_bool(rd, m, "more", &r->more);
    const msgpack_object *a = verso_rd_array(rd, m, "results", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->results = verso_rd_alloc(rd, n, sizeof *r->results)))
        return;
    for (uint32_t i = 0; i < n; i++)
        s_hit(rd, &a->via.array.ptr[i], &r->results[i]);
    r->nresults = rd->err ? 0 : n;
}

verso_err verso_concordance(verso_client *c, const verso_concordance_req *req,
                            verso_concordance_res **res)
{
    if (!req->lang || !req->query.ptr)
        return VERSO_EINVAL;
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "lang", req->lang);
    verso_req_str(&q, "query", req->query);
    verso_req_cstr(&q, "tm", req->tm);
    verso_req_cstr(&q, "side", req->side);
    if (req->max_results)
        verso_req_int(&q, "max_results", req->max_results);
    return s_call(c, "concordance", &q, sizeof **res, s_concordance, (void **)res);
}

void verso_concordance_res_destroy(verso_concordance_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}

/* ---- export ------------------------------------------------------------------------ */

static void s_export(verso_rd *rd, const msgpack_object *m)
{
    verso_export_res *r = rd->res;
    verso_rd_int(rd, m, "next", &r->next);
    verso_rd_str(rd, m, "tmx_header", &r->tmx_header);
    const msgpack_object *a = verso_rd_array(rd, m, "entries", NULL);
    uint32_t n = a ? a->via.array.size : 0;
    if (!(r->entries = verso_rd_alloc(rd, n, sizeof *r->entries)))
        return;
    for (uint32_t i = 0; i < n; i++)
        verso_rd_entry(rd, &a->via.array.ptr[i], &r->entries[i]);
    r->nentries = rd->err ? 0 : n;
}

verso_err verso_export(verso_client *c, const verso_export_req *req, verso_export_res **res)
{
    verso_req q;
    verso_req_init(&q);
    verso_req_cstr(&q, "tm", req->tm);
    if (req->after)
        verso_req_int(&q, "after", req->after);
    if (req->limit)
        verso_req_int(&q, "limit", req->limit);
    return s_call(c, "export", &q, sizeof **res, s_export, (void **)res);
}

void verso_export_res_destroy(verso_export_res **res)
{
    verso_res_free(*res);
    *res = NULL;
}
