/*
 * lookup_op.c - the lookup op: its request (fields, and the segments given
 * or cut from "text") and the search of each segment for exact, in-context
 * (101), near-exact and fuzzy matches, in both directions of a language
 * pair, kept in rank order (rank.h). The reply is packed by lookup_reply.c.
 * Runs in the worker's own read transaction; each segment is normalised once.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "lang.h"
#include "lookup_int.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"
#include "text.h"
#include "tm_op.h"
#include "tmfuzzy.h"
#include "verso/limits.h"

#define S_MAX_SEGMENTS 100000

/* A fuzzy candidate that reached the bound (its base score). */
typedef struct s_fz {
    uint64_t id;
    int base;
    bool reversed;
} s_fz;

/* The forms of every segment, computed once: normalised and loose texts back
 * to back in one arena (off[2i], off[2i+1], off[2i+2] bound them), and the
 * context hash of each. */
typedef struct s_forms {
    verso_buf arena;
    size_t *off;
    uint64_t *hashes;
} s_forms;

typedef struct s_lookup {
    verso_op_ctx *ctx;
    /* the request */
    char slb[VERSO_LANG_MAX], tlb[VERSO_LANG_MAX];
    verso_str tm_name, sl, tl;
    int64_t min_score, max_results;
    bool scan;              /* "method": "scan" */
    verso_lookup_seg *segs; /* the segments, views into the request */
    size_t n;
    bool positions; /* cut from "text": the reply gives their offsets */
    s_forms forms;
    /* the search */
    verso_txn *t;
    uint32_t tm;
    unsigned skip;         /* directions of the pair with no entries (tm.h) */
    verso_rank_list *hits; /* the segment's matches; reused for every segment */
    verso_tmfuzzy *fz;     /* the thread's matcher (or own_fz) */
    verso_tmfuzzy own_fz;  /* one for the request, on a thread without (tests) */
    s_fz *cands;           /* fuzzy candidates of the segment */
    size_t ncands, cands_cap;
    verso_rank_bounds lb;    /* lower bounds of final scores, to prune candidates */
    bool reversed;           /* the direction being searched */
    bool oom;                /* a candidate could not be kept */
    int *bound;              /* the search's current minimum base */
    verso_tmfuzzy_stats fst; /* summed over the request's searches */
    uint64_t nsearch, nscan; /* the request's searches, and those that scanned */
    verso_buf cnorm;         /* a candidate's normalised source */
    verso_fuzzy_text ct;     /* its tokens */
    verso_lookup_reply reply;
} s_lookup;

/* ---- the request ------------------------------------------------------------ */

/* The segments of "segments", as given. */
static verso_err s_segments_given(verso_op_ctx *ctx, const msgpack_object *arr, s_lookup *l)
{
    if (arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size > S_MAX_SEGMENTS)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"segments\" must be an array of at most %d strings",
                               S_MAX_SEGMENTS);
    l->n = arr->via.array.size;
    if (!(l->segs = calloc(l->n + 1, sizeof *l->segs)))
        return VERSO_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        const msgpack_object *o = &arr->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_STR)
            return verso_fault_set(ctx->fault, VERSO_EBADREQ, "segments[%zu] must be a string", i);
        if (o->via.str.size > VERSO_SEGMENT_MAX_BYTES)
            return verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                                   "segments[%zu] has %u bytes; a segment looked up may have "
                                   "at most %u",
                                   i, (unsigned)o->via.str.size, VERSO_SEGMENT_MAX_BYTES);
        l->segs[i].text = (verso_str){o->via.str.ptr, o->via.str.size};
    }
    return VERSO_OK;
}

/* The sentences of "text", cut by the segmenter (with offsets). */
static verso_err s_segments_cut(verso_op_ctx *ctx, const verso_op_seg *how, const char *text,
                                size_t tlen, s_lookup *l)
{
    verso_spans sp;
    verso_spans_init(&sp);
    verso_err err = verso_op_seg_run(ctx, how, l->sl.p, text, tlen, VERSO_PARA_AUTO, &sp);
    if (!err && sp.n > S_MAX_SEGMENTS)
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                              "\"text\" has %zu sentences; at most %d can be looked up at once",
                              sp.n, S_MAX_SEGMENTS);
    l->n = err ? 0 : sp.n;
    if (!err && !(l->segs = calloc(sp.n + 1, sizeof *l->segs)))
        err = VERSO_ENOMEM;
    for (size_t i = 0; !err && i < sp.n; i++) {
        size_t len = sp.v[i].end - sp.v[i].start;
        if (len > VERSO_SEGMENT_MAX_BYTES)
            err = verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                                  "sentence %zu of \"text\" (bytes %zu to %zu) has %zu bytes; a "
                                  "segment looked up may have at most %u",
                                  i, sp.v[i].start, sp.v[i].end, len, VERSO_SEGMENT_MAX_BYTES);
        else
            l->segs[i] =
                (verso_lookup_seg){{text + sp.v[i].start, len}, sp.v[i].start, sp.v[i].end};
    }
    verso_spans_fini(&sp);
    return err;
}

/* The segments to look up: "segments" as given, or "text" cut by the
 * segmenter. l->segs is freed by s_lookup_fini. */
static verso_err s_segments(verso_op_ctx *ctx, s_lookup *l)
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
    verso_op_seg how; /* checked with "segments" too (docs/PROTOCOL.md) */
    if ((err = verso_op_seg_parse(ctx, &how)))
        return err;
    l->positions = text != NULL;
    return arr ? s_segments_given(ctx, arr, l) : s_segments_cut(ctx, &how, text, tlen, l);
}

/* "method": "index" (default) or "scan" (every token record read: a check
 * of the index, for benchmarks and operators). */
static verso_err s_method(verso_op_ctx *ctx, s_lookup *l)
{
    const char *m = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, "method", false, &m, &n, ctx->fault);
    if (err || !m)
        return err;
    if (n == 4 && !memcmp(m, "scan", 4))
        l->scan = true;
    else if (n != 5 || memcmp(m, "index", 5))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"method\" must be \"index\" or \"scan\"");
    return VERSO_OK;
}

static verso_err s_limits(verso_op_ctx *ctx, s_lookup *l)
{
    l->min_score = 70;
    l->max_results = 5;
    verso_err err = verso_req_int(ctx->req, "min_score", false, &l->min_score, ctx->fault);
    err = err ? err : verso_req_int(ctx->req, "max_results", false, &l->max_results, ctx->fault);
    if (!err && (l->min_score < 0 || l->min_score > VERSO_RANK_CONTEXT))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"min_score\" must be 0 to 101");
    if (!err && (l->max_results < 1 || l->max_results > VERSO_RANK_MAX))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"max_results\" must be 1 to %d",
                              VERSO_RANK_MAX);
    return err;
}

static verso_err s_forms_build(const verso_lookup_seg *segs, size_t n, s_forms *f)
{
    verso_buf norm, loose;
    verso_buf_init(&norm, (size_t)1 << 30);
    verso_buf_init(&loose, (size_t)1 << 30);
    f->off = calloc(2 * n + 1, sizeof *f->off);
    f->hashes = calloc(n + 1, sizeof *f->hashes);
    verso_err err = f->off && f->hashes ? VERSO_OK : VERSO_ENOMEM;
    for (size_t i = 0; !err && i < n; i++) {
        err = verso_text_norm(segs[i].text.p, segs[i].text.n, &norm);
        err = err ? err : verso_text_loose(norm.data, norm.len, &loose);
        f->hashes[i] = verso_tm_context_hash_norm(&norm);
        f->off[2 * i] = f->arena.len;
        err = err ? err : verso_buf_append(&f->arena, norm.data, norm.len);
        f->off[2 * i + 1] = f->arena.len;
        err = err ? err : verso_buf_append(&f->arena, loose.data, loose.len);
    }
    if (f->off)
        f->off[2 * n] = f->arena.len;
    verso_buf_fini(&norm);
    verso_buf_fini(&loose);
    return err;
}

/* A view of arena bytes [a, b) as a buffer (never written to). */
static verso_buf s_view(const verso_buf *arena, size_t a, size_t b)
{
    return (verso_buf){arena->data ? arena->data + a : (char *)"", b - a, 0, 0};
}

/* Reads the request's fields and its segments (their forms too). */
static verso_err s_request(s_lookup *l)
{
    verso_op_ctx *ctx = l->ctx;
    verso_err err = l->hits ? verso_tmop_name(ctx, &l->tm_name) : VERSO_ENOMEM;
    if (!err && !l->fz) /* a thread without a matcher (tests): one for the request */
        err = verso_tmfuzzy_init(l->fz = &l->own_fz);
    err = err ? err : verso_tmop_lang(ctx, "src_lang", l->slb, &l->sl);
    err = err ? err : verso_tmop_lang(ctx, "tgt_lang", l->tlb, &l->tl);
    err = err ? err : s_limits(ctx, l);
    err = err ? err : s_method(ctx, l);
    if (!err) {
        l->fz->scan = l->scan;
        l->fz->work = l->fz->f.work = ctx->work;
    }
    err = err ? err : s_segments(ctx, l);
    return err ? err : s_forms_build(l->segs, l->n, &l->forms);
}

/* ---- the search ------------------------------------------------------------- */

/* Opens the read transaction and finds the TM; skips, for the whole
 * request, the directions of the pair that the TM holds no entries of: a
 * probe less for every segment. */
static verso_err s_open(s_lookup *l)
{
    uint64_t fwd = 0, rev = 0;
    verso_err err = verso_store_read_begin(l->ctx->env->store, &l->t);
    if (!err && (err = verso_tm_find(l->t, l->tm_name, &l->tm)) == VERSO_ENOTFOUND)
        verso_tmop_missing(l->ctx, l->tm_name);
    err = err ? err : verso_tm_pair_count(l->t, l->tm, l->sl, l->tl, &fwd);
    err = err ? err : verso_tm_pair_count(l->t, l->tm, l->tl, l->sl, &rev);
    l->skip = (fwd ? 0 : VERSO_TM_SKIP_FORWARD) | (rev ? 0 : VERSO_TM_SKIP_REVERSE);
    return err;
}

/* verso_tmfuzzy_search's callback: keeps a candidate not found already,
 * and raises the search's bound once max_results lower bounds beat it
 * (penalties take VERSO_RANK_MAX_PENALTY points at most). */
static int s_fz_one(void *arg, uint64_t id, int base)
{
    s_lookup *l = arg;
    if (verso_rank_list_has(l->hits, id, l->reversed))
        return 0;
    if (l->ncands == l->cands_cap) {
        size_t cap = l->cands_cap ? 2 * l->cands_cap : 64;
        s_fz *p = realloc(l->cands, cap * sizeof *p);
        if (!p)
            return l->oom = true; /* s_fuzzy reports it */
        l->cands = p;
        l->cands_cap = cap;
    }
    l->cands[l->ncands++] = (s_fz){id, base, l->reversed};
    verso_rank_bounds_add(&l->lb,
                          base > VERSO_RANK_MAX_PENALTY ? base - VERSO_RANK_MAX_PENALTY : 0);
    if (verso_rank_floor(&l->lb) > *l->bound)
        *l->bound = verso_rank_floor(&l->lb);
    return 0;
}

static int s_fz_cmp(const void *a, const void *b)
{
    const s_fz *x = a, *y = b;
    return (y->base > x->base) - (y->base < x->base);
}

/* Scores a candidate (penalties need its text) and keeps it if it ranks. */
static verso_err s_fz_keep(s_lookup *l, const s_fz *c)
{
    verso_tm_entry e;
    verso_fuzzy_match m;
    verso_err err = verso_tm_get(l->t, c->id, &e);
    if (err == VERSO_ENOTFOUND)
        return VERSO_OK;
    err = err ? err
              : verso_text_norm(c->reversed ? e.tgt.p : e.src.p, c->reversed ? e.tgt.n : e.src.n,
                                &l->cnorm);
    err = err ? err : verso_fuzzy_tokenize(&l->fz->f, l->cnorm.data, l->cnorm.len, &l->ct);
    err = err ? err : verso_fuzzy_compare(&l->fz->f, &l->fz->q, &l->ct, &m);
    if (err == VERSO_ETOOBIG) /* too long to align: the base score alone */
        m = (verso_fuzzy_match){c->base, c->base, 0, 0, NULL, 0};
    else if (err)
        return err;
    verso_rank_list_offer_fuzzy(l->hits, &e, c->reversed, &m);
    return VERSO_OK;
}

/* Collects the fuzzy candidates of both directions that can still rank. */
static verso_err s_fz_collect(s_lookup *l, int min)
{
    verso_err err = VERSO_OK;
    for (int dir = 0; dir < 2 && !err; dir++) {
        if (l->skip & (dir ? VERSO_TM_SKIP_REVERSE : VERSO_TM_SKIP_FORWARD))
            continue;
        int floor = verso_rank_floor(&l->lb);
        int bound = floor > min ? floor : min;
        if (bound > 100)
            break;
        l->reversed = dir;
        l->bound = &bound;
        l->oom = false;
        verso_tmfuzzy_stats st;
        err = verso_tmfuzzy_search(l->t, l->fz, l->tm, verso_tm_pair_key(l->sl, l->tl, dir), dir,
                                   &bound, s_fz_one, l, &st);
        l->fst.unposted_ns += st.unposted_ns;
        l->fst.postings += st.postings;
        l->fst.candidates += st.candidates;
        l->fst.verified += st.verified;
        l->nsearch++;
        l->nscan += st.scanned;
        err = err ? err : l->oom ? VERSO_ENOMEM : VERSO_OK;
    }
    return err;
}

/* Adds the fuzzy matches of the query (l->fz->q) to l->hits. */
static verso_err s_fuzzy(s_lookup *l)
{
    const verso_rank_list *h = l->hits;
    l->ncands = 0;
    verso_rank_bounds_reset(&l->lb, (int)l->max_results);
    for (int i = 0; i < h->n; i++)
        verso_rank_bounds_add(&l->lb, h->v[i].score);
    int min = l->min_score > 0 ? (int)l->min_score : 1;
    verso_err err = s_fz_collect(l, min);
    if (err)
        return err;
    if (l->ncands)
        qsort(l->cands, l->ncands, sizeof *l->cands, s_fz_cmp);
    int floor = verso_rank_floor(&l->lb) > min ? verso_rank_floor(&l->lb) : min;
    for (size_t i = 0; i < l->ncands && !err && l->cands[i].base >= floor; i++)
        err = s_fz_keep(l, &l->cands[i]);
    return err;
}

/* Looks segment i up and packs its result. */
static verso_err s_lookup_one(s_lookup *l, size_t i)
{
    const s_forms *f = &l->forms;
    verso_buf norm = s_view(&f->arena, f->off[2 * i], f->off[2 * i + 1]);
    verso_buf loose = s_view(&f->arena, f->off[2 * i + 1], f->off[2 * i + 2]);
    /* Near-exact matches score 99 at most. */
    verso_tm_query q = {l->segs[i].text,    &norm,  &loose, (size_t)l->max_results,
                        l->min_score < 100, l->skip};
    verso_rank_list_reset(l->hits, (int)l->max_results, (int)l->min_score,
                          i > 0 ? f->hashes[i - 1] : 0, i + 1 < l->n ? f->hashes[i + 1] : 0);
    verso_err err = verso_tm_match(l->t, l->tm, l->sl, l->tl, &q, verso_rank_list_offer, l->hits);
    /* Near-exact and fuzzy scores are below 100: their tokens are needed only then. */
    if (!err && l->min_score < 100)
        err = verso_tmfuzzy_query(l->fz, q.norm->data, q.norm->len);
    if (!err && l->min_score < 100 && l->fz->q.n)
        err = s_fuzzy(l);
    if (err)
        return err;
    return verso_lookup_reply_segment(&l->reply, &l->segs[i], l->positions, l->hits);
}

/* Packs {"results": [...]}, a segment at a time; *done: how many. */
static verso_err s_run(s_lookup *l, size_t *done)
{
    verso_pack *p = l->ctx->res;
    verso_pack_map(p, 1);
    verso_pack_str(p, "results");
    verso_pack_array(p, (uint32_t)l->n);
    verso_err err = verso_pack_err(p);
    verso_lookup_reply_init(&l->reply, p, l->t, l->tm_name, l->fz);
    for (size_t i = 0; !err && i < l->n; i++) {
        if ((err = verso_work_tick(l->ctx->work, 1)))
            break;
        err = s_lookup_one(l, i);
        *done = err ? i : i + 1;
    }
    verso_lookup_reply_fini(&l->reply);
    return err;
}

static void s_lookup_fini(s_lookup *l)
{
    /* Tells the writer what the entries it has not posted cost lookups. */
    verso_indexer_note_search(&l->ctx->env->indexer, l->nsearch, l->nscan, &l->fst);
    verso_buf_fini(&l->forms.arena);
    free(l->forms.off);
    free(l->forms.hashes);
    free(l->hits);
    free(l->cands);
    verso_buf_fini(&l->cnorm);
    verso_fuzzy_text_fini(&l->ct);
    if (l->fz)
        l->fz->work = l->fz->f.work = NULL; /* the request's meter dies with it */
    if (l->fz == &l->own_fz)
        verso_tmfuzzy_fini(&l->own_fz);
    if (l->t)
        verso_store_read_end(&l->t);
    free(l->segs);
}

verso_err verso_op_lookup(verso_op_ctx *ctx)
{
    s_lookup l = {.ctx = ctx, .hits = malloc(sizeof *l.hits), .fz = ctx->th->fz};
    verso_buf_init(&l.forms.arena, (size_t)1 << 31);
    verso_buf_init(&l.cnorm, (size_t)1 << 30);
    verso_fuzzy_text_init(&l.ct);
    size_t done = 0;
    verso_err err = s_request(&l);
    err = err ? err : s_open(&l);
    err = err ? err : s_run(&l, &done);
    if (err == VERSO_ETIMEDOUT || err == VERSO_ECANCELED)
        verso_fault_set(ctx->fault, err, "lookup %s after %zu of %zu segments",
                        err == VERSO_ETIMEDOUT ? "stopped at its deadline" : "cancelled", done,
                        l.n);
    s_lookup_fini(&l);
    return err;
}
