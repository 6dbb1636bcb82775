/*
 * tm_op.c - the translation-memory ops: tm_create, tm_list, tm_delete, add,
 * get, delete and lookup (exact and in-context matches). Reads run in the
 * worker's own read transaction; writes go to the writer thread as one job
 * per request, so that a batch commits whole before the reply is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"
#include "text.h"
#include "tm.h"
#include "writer.h"

#define S_MAX_ENTRIES  100000 /* entries in one add request */
#define S_MAX_SEGMENTS 100000

/* ---- request fields ------------------------------------------------------- */

static verso_err s_tm_name(verso_op_ctx *ctx, verso_str *name)
{
    const char *p = "default";
    size_t n = 7;
    verso_err err = verso_req_str(ctx->req, "tm", false, &p, &n, ctx->fault);
    if (!err && (n == 0 || n > VERSO_TM_NAME_MAX))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"tm\" must be 1 to %d bytes",
                              VERSO_TM_NAME_MAX);
    *name = (verso_str){p, n};
    return err;
}

/* A language field, canonicalised into buf (VERSO_LANG_MAX bytes). */
static verso_err s_lang(verso_op_ctx *ctx, const char *key, char *buf, verso_str *out)
{
    const char *p = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, key, true, &p, &n, ctx->fault);
    if (err)
        return err;
    if (verso_lang_canon(p, n, buf))
        return verso_fault_set(ctx->fault, VERSO_EBADLANG, "\"%s\": \"%.*s\" is not a BCP 47 tag",
                               key, (int)(n > 64 ? 64 : n), p);
    *out = (verso_str){buf, strlen(buf)};
    return VERSO_OK;
}

/* An optional str field of an entry map; wrong type: EBADREQ. */
static verso_err s_entry_str(verso_op_ctx *ctx, const msgpack_object *m, const char *key,
                             size_t index, bool required, verso_str *out)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (o && o->type == MSGPACK_OBJECT_NIL)
        o = NULL;
    if (!o && !required)
        return VERSO_OK;
    if (!o || o->type != MSGPACK_OBJECT_STR || (required && o->via.str.size == 0))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "entries[%zu].%s must be a%s string",
                               index, key, required ? " non-empty" : "");
    *out = (verso_str){o->via.str.ptr, o->via.str.size};
    return VERSO_OK;
}

static verso_err s_tm_missing(verso_op_ctx *ctx, verso_str name)
{
    return verso_fault_set(ctx->fault, VERSO_ENOTFOUND, "no TM named \"%.*s\"",
                           (int)(name.n > 64 ? 64 : name.n), name.p);
}

/* Runs fn in the writer as one job; its result is the op's. */
static verso_err s_submit(verso_op_ctx *ctx, verso_store_job_fn fn, void *arg)
{
    verso_store_job job = {fn, arg, VERSO_EINTERNAL};
    if (!ctx->th || !ctx->th->writer)
        return verso_fault_set(ctx->fault, VERSO_EINTERNAL, "no writer on this thread");
    return verso_writer_submit(ctx->th->writer, &job);
}

/* ---- tm_create, tm_delete, tm_list ----------------------------------------- */

typedef struct s_tm_job {
    verso_str name;
    bool drop;
} s_tm_job;

static verso_err s_tm_job_run(verso_txn *t, void *arg)
{
    s_tm_job *j = arg;
    uint32_t id;
    return j->drop ? verso_tm_drop(t, j->name) : verso_tm_create(t, j->name, &id);
}

static verso_err s_tm_change(verso_op_ctx *ctx, bool drop)
{
    s_tm_job j = {{NULL, 0}, drop};
    const msgpack_object *o = verso_mp_get(ctx->req->body, "tm");
    verso_err err = o && o->type != MSGPACK_OBJECT_NIL /* nil is absent */
                        ? s_tm_name(ctx, &j.name)
                        : verso_fault_set(ctx->fault, VERSO_EBADREQ, "missing field \"tm\"");
    if (!err && drop && j.name.n == 7 && !memcmp(j.name.p, "default", 7))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "the default TM cannot be deleted");
    err = err ? err : s_submit(ctx, s_tm_job_run, &j);
    if (err == VERSO_EEXIST)
        return verso_fault_set(ctx->fault, err, "a TM named \"%.*s\" exists", (int)j.name.n,
                               j.name.p);
    if (err == VERSO_ENOTFOUND)
        return s_tm_missing(ctx, j.name);
    return err ? err : msgpack_pack_map(ctx->res, 0) ? VERSO_ENOMEM : VERSO_OK;
}

verso_err verso_op_tm_create(verso_op_ctx *ctx)
{
    return s_tm_change(ctx, false);
}

verso_err verso_op_tm_delete(verso_op_ctx *ctx)
{
    return s_tm_change(ctx, true);
}

typedef struct s_packing {
    msgpack_packer *pk;
    int rc;
} s_packing;

static int s_pack_tm(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)id;
    s_packing *p = arg;
    int rc = msgpack_pack_map(p->pk, 2);
    rc = rc ? rc : verso_mp_pack_cstr(p->pk, "name");
    rc = rc ? rc : msgpack_pack_str_with_body(p->pk, name.p, name.n);
    rc = rc ? rc : verso_mp_pack_kv_uint(p->pk, "entries", entries);
    return p->rc = rc;
}

static int s_count_tm(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)name, (void)id, (void)entries;
    ++*(size_t *)arg;
    return 0;
}

verso_err verso_op_tm_list(verso_op_ctx *ctx)
{
    verso_txn *t;
    verso_err err = verso_store_read_begin(ctx->srv->store, &t);
    if (err)
        return err;
    size_t n = 0;
    err = verso_tm_each(t, s_count_tm, &n);
    int rc = err ? 0 : msgpack_pack_map(ctx->res, 1);
    rc = rc ? rc : verso_mp_pack_cstr(ctx->res, "tms");
    rc = rc ? rc : msgpack_pack_array(ctx->res, n);
    s_packing p = {ctx->res, rc};
    if (!err && !rc)
        err = verso_tm_each(t, s_pack_tm, &p);
    verso_store_read_end(&t);
    return err ? err : p.rc ? VERSO_ENOMEM : VERSO_OK;
}

/* ---- add ------------------------------------------------------------------ */

typedef struct s_add_job {
    verso_str tm;
    verso_tm_entry *entries;
    size_t n;
    verso_tm_conflict policy;
    verso_tm_outcome *outcome;
    uint64_t *ids;
} s_add_job;

static verso_err s_add_run(verso_txn *t, void *arg)
{
    s_add_job *j = arg;
    uint32_t tm;
    verso_err err = verso_tm_find(t, j->tm, &tm);
    for (size_t i = 0; !err && i < j->n; i++)
        err = verso_tm_add(t, tm, &j->entries[i], j->policy, &j->outcome[i], &j->ids[i]);
    return err;
}

static verso_err s_policy(verso_op_ctx *ctx, verso_tm_conflict *policy)
{
    const char *p = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, "on_conflict", false, &p, &n, ctx->fault);
    *policy = VERSO_TM_KEEP_BOTH;
    if (err || !p || (n == 9 && !memcmp(p, "keep_both", 9)))
        return err;
    if (n == 9 && !memcmp(p, "overwrite", 9))
        *policy = VERSO_TM_OVERWRITE;
    else if (n == 4 && !memcmp(p, "skip", 4))
        *policy = VERSO_TM_SKIP;
    else
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"on_conflict\" must be \"keep_both\", \"overwrite\" or \"skip\"");
    return VERSO_OK;
}

/* Reads the "entries" array into j->entries (views into the request). */
static verso_err s_parse_entries(verso_op_ctx *ctx, verso_str sl, verso_str tl, s_add_job *j)
{
    const msgpack_object *arr = verso_mp_get(ctx->req->body, "entries");
    if (!arr || arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size == 0 ||
        arr->via.array.size > S_MAX_ENTRIES)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"entries\" must be an array of 1 to %d maps", S_MAX_ENTRIES);
    j->n = arr->via.array.size;
    j->entries = calloc(j->n, sizeof *j->entries);
    j->outcome = calloc(j->n, sizeof *j->outcome);
    j->ids = calloc(j->n, sizeof *j->ids);
    if (!j->entries || !j->outcome || !j->ids)
        return VERSO_ENOMEM;
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < j->n && !err; i++) {
        const msgpack_object *m = &arr->via.array.ptr[i];
        verso_tm_entry *e = &j->entries[i];
        if (m->type != MSGPACK_OBJECT_MAP)
            return verso_fault_set(ctx->fault, VERSO_EBADREQ, "entries[%zu] must be a map", i);
        e->src_lang = sl;
        e->tgt_lang = tl;
        err = s_entry_str(ctx, m, "src", i, true, &e->src);
        err = err ? err : s_entry_str(ctx, m, "tgt", i, true, &e->tgt);
        err = err ? err : s_entry_str(ctx, m, "prev", i, false, &e->prev);
        err = err ? err : s_entry_str(ctx, m, "next", i, false, &e->next);
        err = err ? err : s_entry_str(ctx, m, "author", i, false, &e->author);
        err = err ? err : s_entry_str(ctx, m, "note", i, false, &e->note);
        err = err ? err : s_entry_str(ctx, m, "origin", i, false, &e->origin);
    }
    return err;
}

static verso_err s_pack_add(msgpack_packer *pk, const s_add_job *j)
{
    uint64_t n[3] = {0, 0, 0};
    for (size_t i = 0; i < j->n; i++)
        n[j->outcome[i]]++;
    int rc = msgpack_pack_map(pk, 4);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "added", n[VERSO_TM_ADDED]);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "updated", n[VERSO_TM_UPDATED]);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "skipped", n[VERSO_TM_SKIPPED]);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "ids");
    rc = rc ? rc : msgpack_pack_array(pk, j->n);
    for (size_t i = 0; i < j->n && !rc; i++)
        rc = msgpack_pack_uint64(pk, j->ids[i]);
    return rc ? VERSO_ENOMEM : VERSO_OK;
}

verso_err verso_op_add(verso_op_ctx *ctx)
{
    char slb[VERSO_LANG_MAX], tlb[VERSO_LANG_MAX];
    verso_str sl, tl;
    s_add_job j = {{NULL, 0}, NULL, 0, VERSO_TM_KEEP_BOTH, NULL, NULL};
    verso_err err = s_tm_name(ctx, &j.tm);
    err = err ? err : s_lang(ctx, "src_lang", slb, &sl);
    err = err ? err : s_lang(ctx, "tgt_lang", tlb, &tl);
    err = err ? err : s_policy(ctx, &j.policy);
    err = err ? err : s_parse_entries(ctx, sl, tl, &j);
    err = err ? err : s_submit(ctx, s_add_run, &j);
    if (err == VERSO_ENOTFOUND)
        err = s_tm_missing(ctx, j.tm);
    if (!err)
        err = s_pack_add(ctx->res, &j);
    free(j.entries);
    free(j.outcome);
    free(j.ids);
    return err;
}

/* ---- get, delete ---------------------------------------------------------- */

typedef struct s_tm_name_of {
    uint32_t id;
    verso_str name;
} s_tm_name_of;

static int s_find_name(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)entries;
    s_tm_name_of *f = arg;
    if (id != f->id)
        return 0;
    f->name = name;
    return 1;
}

/* Packs an entry's fields (n_extra more pairs are packed by the caller).
 * tm_name: the name of the entry's TM, or NULL to look it up. */
static int s_pack_entry(verso_txn *t, msgpack_packer *pk, const verso_tm_entry *e,
                        const verso_str *tm_name, size_t n_extra)
{
    s_tm_name_of tm = {e->tm_id, {"", 0}};
    if (tm_name)
        tm.name = *tm_name;
    else
        verso_tm_each(t, s_find_name, &tm);
    const struct {
        const char *key;
        verso_str v;
    } strs[] = {{"tm", tm.name},   {"src_lang", e->src_lang}, {"tgt_lang", e->tgt_lang},
                {"src", e->src},   {"tgt", e->tgt},           {"author", e->author},
                {"note", e->note}, {"origin", e->origin}};
    size_t ns = sizeof strs / sizeof strs[0];
    int rc = msgpack_pack_map(pk, ns + 4 + n_extra);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "id", e->id);
    for (size_t i = 0; i < ns && !rc; i++) {
        rc = verso_mp_pack_cstr(pk, strs[i].key);
        rc = rc ? rc : msgpack_pack_str_with_body(pk, strs[i].v.p, strs[i].v.n);
    }
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "created", e->created);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "changed", e->changed);
    return rc ? rc : verso_mp_pack_kv_uint(pk, "usage", e->usage);
}

verso_err verso_op_get(verso_op_ctx *ctx)
{
    /* Any integer is a well-formed id; only positive ones can exist. */
    const msgpack_object *o = verso_mp_get(ctx->req->body, "entry_id");
    if (!o ||
        (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER && o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"entry_id\" must be an integer");
    uint64_t id = o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
    verso_txn *t;
    verso_err err = verso_store_read_begin(ctx->srv->store, &t);
    if (err)
        return err;
    verso_tm_entry e;
    err = id > 0 ? verso_tm_get(t, id, &e) : VERSO_ENOTFOUND;
    if (err == VERSO_ENOTFOUND)
        verso_fault_set(ctx->fault, err, "no entry %llu", (unsigned long long)id);
    int rc = err ? 0 : msgpack_pack_map(ctx->res, 1);
    rc = rc ? rc : verso_mp_pack_cstr(ctx->res, "entry");
    rc = rc || err ? rc : s_pack_entry(t, ctx->res, &e, NULL, 0);
    verso_store_read_end(&t);
    return err ? err : rc ? VERSO_ENOMEM : VERSO_OK;
}

typedef struct s_del_job {
    uint64_t *ids;
    size_t n, deleted;
} s_del_job;

static verso_err s_del_run(verso_txn *t, void *arg)
{
    s_del_job *j = arg;
    verso_err err = VERSO_OK;
    j->deleted = 0;
    for (size_t i = 0; i < j->n && !err; i++) {
        bool d = false;
        err = verso_tm_delete(t, j->ids[i], &d);
        j->deleted += d;
    }
    return err;
}

verso_err verso_op_delete(verso_op_ctx *ctx)
{
    const msgpack_object *ids = verso_mp_get(ctx->req->body, "ids");
    if (!ids || ids->type != MSGPACK_OBJECT_ARRAY || ids->via.array.size > S_MAX_ENTRIES)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"ids\" must be an array of at most %d entry ids", S_MAX_ENTRIES);
    s_del_job j = {calloc(ids->via.array.size + 1, sizeof *j.ids), ids->via.array.size, 0};
    if (!j.ids)
        return VERSO_ENOMEM;
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < j.n && !err; i++) {
        const msgpack_object *o = &ids->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                                  "ids[%zu] must be a non-negative integer", i);
        else
            j.ids[i] = o->via.u64;
    }
    err = err ? err : s_submit(ctx, s_del_run, &j);
    int rc = err ? 0 : msgpack_pack_map(ctx->res, 1);
    rc = rc ? rc : verso_mp_pack_kv_uint(ctx->res, "deleted", j.deleted);
    free(j.ids);
    return err ? err : rc ? VERSO_ENOMEM : VERSO_OK;
}

/* ---- lookup --------------------------------------------------------------- */

#define S_MAX_HITS 64 /* same-source entries considered per segment */

typedef struct s_seg {
    verso_str text;
    size_t start, end;
} s_seg;

typedef struct s_hit {
    verso_tm_entry e; /* borrowed from the read transaction */
    int score;
} s_hit;

typedef struct s_hits {
    s_hit v[S_MAX_HITS];
    int n;
    uint64_t prev, next; /* context hashes of the query segment */
} s_hits;

static int s_hit_one(void *arg, const verso_tm_entry *e)
{
    s_hits *h = arg;
    if (h->n == S_MAX_HITS)
        return 1;
    bool context =
        (e->prev_hash || e->next_hash) && e->prev_hash == h->prev && e->next_hash == h->next;
    h->v[h->n++] = (s_hit){*e, context ? 101 : 100};
    return 0;
}

/* Best first: score, then the most recently changed, then the most used. */
static int s_hit_cmp(const void *a, const void *b)
{
    const s_hit *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    if (x->e.changed != y->e.changed)
        return y->e.changed > x->e.changed ? 1 : -1;
    return y->e.usage > x->e.usage ? 1 : y->e.usage < x->e.usage ? -1 : 0;
}

/* The segments to look up: "segments" as given, or "text" cut by the
 * segmenter (with offsets). *segs is the caller's to free. */
static verso_err s_segments(verso_op_ctx *ctx, verso_str sl, s_seg **segs, size_t *n,
                            bool *positions)
{
    const msgpack_object *arr = verso_mp_get(ctx->req->body, "segments");
    const char *text = NULL;
    size_t tlen = 0;
    verso_err err = verso_req_str(ctx->req, "text", false, &text, &tlen, ctx->fault);
    if (err)
        return err;
    if ((arr != NULL) == (text != NULL))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "give either \"segments\" (array of str) or \"text\" (str)");
    *positions = text != NULL;
    if (arr) {
        if (arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size > S_MAX_SEGMENTS)
            return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                                   "\"segments\" must be an array of at most %d strings",
                                   S_MAX_SEGMENTS);
        *n = arr->via.array.size;
        if (!(*segs = calloc(*n + 1, sizeof **segs)))
            return VERSO_ENOMEM;
        for (size_t i = 0; i < *n; i++) {
            const msgpack_object *o = &arr->via.array.ptr[i];
            if (o->type != MSGPACK_OBJECT_STR)
                return verso_fault_set(ctx->fault, VERSO_EBADREQ, "segments[%zu] must be a string",
                                       i);
            (*segs)[i].text = (verso_str){o->via.str.ptr, o->via.str.size};
        }
        return VERSO_OK;
    }
    verso_spans sp;
    verso_spans_init(&sp);
    err = verso_segmenter_run(ctx->th->seg, sl.p, text, tlen, VERSO_PARA_AUTO, 0, &sp);
    *n = sp.n;
    if (!err && !(*segs = calloc(sp.n + 1, sizeof **segs)))
        err = VERSO_ENOMEM;
    for (size_t i = 0; !err && i < sp.n; i++)
        (*segs)[i] = (s_seg){
            {text + sp.v[i].start, sp.v[i].end - sp.v[i].start}, sp.v[i].start, sp.v[i].end};
    verso_spans_fini(&sp);
    return err;
}

typedef struct s_lookup {
    verso_op_ctx *ctx;
    verso_txn *t;
    uint32_t tm;
    verso_str tm_name;
    verso_str sl, tl;
    int64_t min_score, max_results;
    verso_buf tmp;
    s_hits *hits; /* reused for every segment of the request */
} s_lookup;

/* Looks segment i up; norms[i] is its normalised form, hashes[] the
 * context hashes of all segments (computed once for the whole request). */
static verso_err s_lookup_one(s_lookup *l, const s_seg *segs, size_t n, size_t i, bool positions,
                              const verso_buf *norm, const uint64_t *hashes)
{
    s_hits *h = l->hits;
    h->n = 0;
    h->prev = i > 0 ? hashes[i - 1] : 0;
    h->next = i + 1 < n ? hashes[i + 1] : 0;
    verso_err err = verso_tm_exact_norm(l->t, l->tm, l->sl, l->tl, norm, s_hit_one, h);
    if (err)
        return err;
    qsort(h->v, (size_t)h->n, sizeof h->v[0], s_hit_cmp);
    int keep = 0;
    while (keep < h->n && keep < l->max_results && h->v[keep].score >= l->min_score)
        keep++;
    msgpack_packer *pk = l->ctx->res;
    int rc = msgpack_pack_map(pk, positions ? 4 : 2);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "segment");
    rc = rc ? rc : msgpack_pack_str_with_body(pk, segs[i].text.p, segs[i].text.n);
    if (positions) {
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "start", segs[i].start);
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "end", segs[i].end);
    }
    rc = rc ? rc : verso_mp_pack_cstr(pk, "matches");
    rc = rc ? rc : msgpack_pack_array(pk, (size_t)keep);
    for (int k = 0; k < keep && !rc; k++) {
        rc = s_pack_entry(l->t, pk, &h->v[k].e, &l->tm_name, 2);
        rc = rc ? rc : verso_mp_pack_kv_int(pk, "score", h->v[k].score);
        rc = rc ? rc : verso_mp_pack_kv_str(pk, "kind", h->v[k].score > 100 ? "context" : "exact");
    }
    return rc ? VERSO_ENOMEM : VERSO_OK;
}

static verso_err s_limits(verso_op_ctx *ctx, s_lookup *l)
{
    l->min_score = 70;
    l->max_results = 5;
    verso_err err = verso_req_int(ctx->req, "min_score", false, &l->min_score, ctx->fault);
    err = err ? err : verso_req_int(ctx->req, "max_results", false, &l->max_results, ctx->fault);
    if (!err && (l->min_score < 0 || l->min_score > 101))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"min_score\" must be 0 to 101");
    if (!err && (l->max_results < 1 || l->max_results > 100))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"max_results\" must be 1 to 100");
    return err;
}

verso_err verso_op_lookup(verso_op_ctx *ctx)
{
    char slb[VERSO_LANG_MAX], tlb[VERSO_LANG_MAX];
    s_lookup l = {ctx, NULL, 0, {NULL, 0}, {NULL, 0}, {NULL, 0}, 0, 0, {0}, malloc(sizeof(s_hits))};
    verso_str tm;
    s_seg *segs = NULL;
    size_t n = 0;
    bool positions = false;
    verso_err err = s_tm_name(ctx, &tm);
    err = err ? err : s_lang(ctx, "src_lang", slb, &l.sl);
    err = err ? err : s_lang(ctx, "tgt_lang", tlb, &l.tl);
    err = err ? err : s_limits(ctx, &l);
    err = err ? err : s_segments(ctx, l.sl, &segs, &n, &positions);
    l.tm_name = tm;
    err = err ? err : verso_store_read_begin(ctx->srv->store, &l.t);
    if (!err && (err = verso_tm_find(l.t, tm, &l.tm)) == VERSO_ENOTFOUND)
        s_tm_missing(ctx, tm);
    verso_buf_init(&l.tmp, (size_t)1 << 30);
    int rc = err ? 0 : msgpack_pack_map(ctx->res, 1);
    rc = rc ? rc : verso_mp_pack_cstr(ctx->res, "results");
    rc = rc ? rc : msgpack_pack_array(ctx->res, n);
    if (!err && rc)
        err = VERSO_ENOMEM;
    /* Each segment is normalised once: its form for the exact index, its
     * hash for its neighbours' context. */
    verso_buf arena;
    verso_buf_init(&arena, (size_t)1 << 31);
    size_t *off = calloc(n + 1, sizeof *off);
    uint64_t *hashes = calloc(n + 1, sizeof *hashes);
    if (!err && (!off || !hashes || !l.hits))
        err = VERSO_ENOMEM;
    for (size_t i = 0; !err && i < n; i++) {
        err = verso_text_norm(segs[i].text.p, segs[i].text.n, &l.tmp);
        hashes[i] = verso_tm_context_hash_norm(&l.tmp);
        off[i] = arena.len;
        err = err ? err : verso_buf_append(&arena, l.tmp.data, l.tmp.len);
    }
    if (off)
        off[n] = arena.len;
    for (size_t i = 0; !err && i < n; i++) {
        verso_buf norm = {arena.data ? arena.data + off[i] : (char *)"", off[i + 1] - off[i], 0, 0};
        err = s_lookup_one(&l, segs, n, i, positions, &norm, hashes);
    }
    free(off);
    free(hashes);
    free(l.hits);
    verso_buf_fini(&arena);
    verso_buf_fini(&l.tmp);
    verso_store_read_end(&l.t);
    free(segs);
    return err;
}
