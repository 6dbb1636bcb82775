/*
 * lookup_op.c - the lookup op: exact, in-context (101) and near-exact matches
 * of each segment of a request, in both directions of a language pair. Runs
 * in the worker's own read transaction; each segment is normalised once.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"
#include "text.h"
#include "tm_op.h"

#define S_MAX_SEGMENTS 100000
#define S_MAX_RESULTS  100 /* the largest max_results */

/* Near-exact penalties (docs/PROTOCOL.md, "lookup"). */
static const struct {
    unsigned bit;
    const char *name;
    int points;
} s_penalties[] = {{VERSO_TEXT_CASE, "case", 1},
                   {VERSO_TEXT_TAGS, "tags", 1},
                   {VERSO_TEXT_PUNCT, "punctuation", 2},
                   {VERSO_TEXT_NUMBERS, "numbers", 3}};
#define S_NPENALTIES (sizeof s_penalties / sizeof s_penalties[0])

typedef struct s_seg {
    verso_str text;
    size_t start, end;
} s_seg;

typedef struct s_hit {
    verso_tm_entry e; /* borrowed from the read transaction; turned round when reversed */
    unsigned diff;
    int score;
    bool reversed;
} s_hit;

/* The best matches of one segment so far, best first (at most max). */
typedef struct s_hits {
    s_hit v[S_MAX_RESULTS];
    int n, max, min_score;
    uint64_t prev, next; /* context hashes of the query segment */
} s_hits;

static int s_score(unsigned diff)
{
    int score = 100;
    for (size_t i = 0; i < S_NPENALTIES; i++)
        score -= diff & s_penalties[i].bit ? s_penalties[i].points : 0;
    return score;
}

/* The entry as the query sees it: source and target swapped when the match
 * is on the stored target. */
static verso_tm_entry s_turn(const verso_tm_entry *e)
{
    verso_tm_entry r = *e;
    r.src_lang = e->tgt_lang;
    r.tgt_lang = e->src_lang;
    r.src = e->tgt;
    r.tgt = e->src;
    r.src_tags = e->tgt_tags;
    r.tgt_tags = e->src_tags;
    r.prev_hash = r.next_hash = 0; /* context is that of the source side */
    return r;
}

/* Best first: score, then the most recently changed, then the most used,
 * then the lowest id. */
static int s_hit_cmp(const s_hit *x, const s_hit *y)
{
    if (x->score != y->score)
        return y->score - x->score;
    if (x->e.changed != y->e.changed)
        return y->e.changed > x->e.changed ? 1 : -1;
    if (x->e.usage != y->e.usage)
        return y->e.usage > x->e.usage ? 1 : -1;
    return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

/* Keeps a match if it ranks among the best max seen so far. */
static int s_hit_one(void *arg, const verso_tm_hit *m)
{
    s_hits *h = arg;
    s_hit x = {m->reversed ? s_turn(&m->e) : m->e, m->diff, 0, m->reversed};
    bool context = !m->diff && (x.e.prev_hash || x.e.next_hash) && x.e.prev_hash == h->prev &&
                   x.e.next_hash == h->next;
    x.score = context ? 101 : s_score(m->diff);
    if (x.score < h->min_score || (h->n == h->max && s_hit_cmp(&x, &h->v[h->n - 1]) >= 0))
        return 0;
    int i = h->n < h->max ? h->n++ : h->n - 1; /* the worst goes when full */
    for (; i > 0 && s_hit_cmp(&x, &h->v[i - 1]) < 0; i--)
        h->v[i] = h->v[i - 1];
    h->v[i] = x;
    return 0;
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
    if (!err && sp.n > S_MAX_SEGMENTS)
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                              "\"text\" has %zu sentences; at most %d can be looked up at once",
                              sp.n, S_MAX_SEGMENTS);
    *n = err ? 0 : sp.n;
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
    unsigned skip; /* directions of the pair with no entries (tm.h) */
    s_hits *hits;  /* reused for every segment of the request */
} s_lookup;

/* Packs one match: the entry's fields, then score, kind, penalties and
 * whether it was found on the stored target. */
static int s_pack_hit(s_lookup *l, const s_hit *h)
{
    msgpack_packer *pk = l->ctx->res;
    const char *kind = h->score > 100 ? "context" : h->diff ? "near" : "exact";
    size_t np = 0;
    for (size_t i = 0; i < S_NPENALTIES; i++)
        np += (h->diff & s_penalties[i].bit) != 0;
    int rc = verso_tmop_pack_entry(l->t, pk, &h->e, &l->tm_name, 4);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "score", h->score);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "kind", kind);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "penalties");
    rc = rc ? rc : msgpack_pack_map(pk, np);
    for (size_t i = 0; i < S_NPENALTIES && !rc; i++)
        if (h->diff & s_penalties[i].bit)
            rc = verso_mp_pack_kv_int(pk, s_penalties[i].name, s_penalties[i].points);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "reversed");
    return rc ? rc : h->reversed ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

/* Looks segment i up (q: its forms); hashes[] holds the context hashes of
 * all segments (computed once for the whole request). */
static verso_err s_lookup_one(s_lookup *l, const s_seg *segs, size_t n, size_t i, bool positions,
                              const verso_tm_query *q, const uint64_t *hashes)
{
    s_hits *h = l->hits;
    h->n = 0;
    h->max = (int)l->max_results;
    h->min_score = (int)l->min_score;
    h->prev = i > 0 ? hashes[i - 1] : 0;
    h->next = i + 1 < n ? hashes[i + 1] : 0;
    verso_err err = verso_tm_match(l->t, l->tm, l->sl, l->tl, q, s_hit_one, h);
    if (err)
        return err;
    int keep = h->n;
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
    for (int k = 0; k < keep && !rc; k++)
        rc = s_pack_hit(l, &h->v[k]);
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
    if (!err && (l->max_results < 1 || l->max_results > S_MAX_RESULTS))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"max_results\" must be 1 to %d",
                              S_MAX_RESULTS);
    return err;
}

/* Skips, for the whole request, the directions of the pair that the TM
 * holds no entries of: a probe less for every segment. */
static verso_err s_directions(s_lookup *l)
{
    uint64_t fwd = 0, rev = 0;
    verso_err err = verso_tm_pair_count(l->t, l->tm, l->sl, l->tl, &fwd);
    err = err ? err : verso_tm_pair_count(l->t, l->tm, l->tl, l->sl, &rev);
    l->skip = (fwd ? 0 : VERSO_TM_SKIP_FORWARD) | (rev ? 0 : VERSO_TM_SKIP_REVERSE);
    return err;
}

/* The forms of every segment, computed once: normalised and loose texts back
 * to back in one arena (off[2i], off[2i+1], off[2i+2] bound them), and the
 * context hash of each. */
typedef struct s_forms {
    verso_buf arena;
    size_t *off;
    uint64_t *hashes;
} s_forms;

static verso_err s_forms_build(const s_seg *segs, size_t n, s_forms *f)
{
    verso_buf norm, loose;
    verso_buf_init(&norm, (size_t)1 << 30);
    verso_buf_init(&loose, (size_t)1 << 30);
    verso_buf_init(&f->arena, (size_t)1 << 31);
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

static void s_forms_fini(s_forms *f)
{
    verso_buf_fini(&f->arena);
    free(f->off);
    free(f->hashes);
}

/* A view of arena bytes [a, b) as a buffer (never written to). */
static verso_buf s_view(const verso_buf *arena, size_t a, size_t b)
{
    return (verso_buf){arena->data ? arena->data + a : (char *)"", b - a, 0, 0};
}

verso_err verso_op_lookup(verso_op_ctx *ctx)
{
    char slb[VERSO_LANG_MAX], tlb[VERSO_LANG_MAX];
    s_lookup l = {ctx, NULL, 0, {NULL, 0}, {NULL, 0}, {NULL, 0}, 0, 0, 0, malloc(sizeof(s_hits))};
    s_forms f = {{0}, NULL, NULL};
    s_seg *segs = NULL;
    size_t n = 0;
    bool positions = false;
    verso_err err = l.hits ? verso_tmop_name(ctx, &l.tm_name) : VERSO_ENOMEM;
    err = err ? err : verso_tmop_lang(ctx, "src_lang", slb, &l.sl);
    err = err ? err : verso_tmop_lang(ctx, "tgt_lang", tlb, &l.tl);
    err = err ? err : s_limits(ctx, &l);
    err = err ? err : s_segments(ctx, l.sl, &segs, &n, &positions);
    err = err ? err : s_forms_build(segs, n, &f);
    err = err ? err : verso_store_read_begin(ctx->srv->store, &l.t);
    if (!err && (err = verso_tm_find(l.t, l.tm_name, &l.tm)) == VERSO_ENOTFOUND)
        verso_tmop_missing(ctx, l.tm_name);
    if (!err)
        err = s_directions(&l);
    int rc = err ? 0 : msgpack_pack_map(ctx->res, 1);
    rc = rc ? rc : verso_mp_pack_cstr(ctx->res, "results");
    rc = rc ? rc : msgpack_pack_array(ctx->res, n);
    if (!err && rc)
        err = VERSO_ENOMEM;
    for (size_t i = 0; !err && i < n; i++) {
        verso_buf norm = s_view(&f.arena, f.off[2 * i], f.off[2 * i + 1]);
        verso_buf loose = s_view(&f.arena, f.off[2 * i + 1], f.off[2 * i + 2]);
        /* Near-exact matches score 99 at most. */
        verso_tm_query q = {segs[i].text,      &norm, &loose, (size_t)l.max_results,
                            l.min_score < 100, l.skip};
        err = s_lookup_one(&l, segs, n, i, positions, &q, f.hashes);
    }
    s_forms_fini(&f);
    free(l.hits);
    if (l.t)
        verso_store_read_end(&l.t);
    free(segs);
    return err;
}
