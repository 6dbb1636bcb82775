/*
 * lookup_op.c - the lookup op: exact, in-context (101), near-exact and fuzzy
 * matches of each segment of a request, in both directions of a language
 * pair, with their differences and numbers substituted. Runs in the
 * worker's own read transaction; each segment is normalised once.
 */
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"
#include "text.h"
#include "tm_op.h"
#include "tmfuzzy.h"
#include "verso/limits.h"

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
    int base;   /* the score before penalties */
    bool fuzzy; /* found by fuzzy matching (else exact or near-exact) */
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

/* Keeps x if it ranks among the best max seen so far. */
static void s_hit_keep(s_hits *h, const s_hit *x)
{
    if (x->score < h->min_score || (h->n == h->max && s_hit_cmp(x, &h->v[h->n - 1]) >= 0))
        return;
    int i = h->n < h->max ? h->n++ : h->n - 1; /* the worst goes when full */
    for (; i > 0 && s_hit_cmp(x, &h->v[i - 1]) < 0; i--)
        h->v[i] = h->v[i - 1];
    h->v[i] = *x;
}

static int s_hit_one(void *arg, const verso_tm_hit *m)
{
    s_hits *h = arg;
    s_hit x = {m->reversed ? s_turn(&m->e) : m->e, m->diff, 0, m->reversed, 100, false};
    bool context = !m->diff && (x.e.prev_hash || x.e.next_hash) && x.e.prev_hash == h->prev &&
                   x.e.next_hash == h->next;
    x.score = context ? 101 : s_score(m->diff);
    s_hit_keep(h, &x);
    return 0;
}

static bool s_hits_have(const s_hits *h, uint64_t id, bool reversed)
{
    for (int i = 0; i < h->n; i++)
        if (h->v[i].e.id == id && h->v[i].reversed == reversed)
            return true;
    return false;
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
    verso_op_seg how; /* checked with "segments" too (docs/PROTOCOL.md) */
    if ((err = verso_op_seg_parse(ctx, &how)))
        return err;
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
            if (o->via.str.size > VERSO_SEGMENT_MAX_BYTES)
                return verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                                       "segments[%zu] has %u bytes; a segment looked up may have "
                                       "at most %u",
                                       i, (unsigned)o->via.str.size, VERSO_SEGMENT_MAX_BYTES);
            (*segs)[i].text = (verso_str){o->via.str.ptr, o->via.str.size};
        }
        return VERSO_OK;
    }
    verso_spans sp;
    verso_spans_init(&sp);
    err = verso_op_seg_run(ctx, &how, sl.p, text, tlen, VERSO_PARA_AUTO, &sp);
    if (!err && sp.n > S_MAX_SEGMENTS)
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                              "\"text\" has %zu sentences; at most %d can be looked up at once",
                              sp.n, S_MAX_SEGMENTS);
    *n = err ? 0 : sp.n;
    if (!err && !(*segs = calloc(sp.n + 1, sizeof **segs)))
        err = VERSO_ENOMEM;
    for (size_t i = 0; !err && i < sp.n; i++) {
        size_t len = sp.v[i].end - sp.v[i].start;
        if (len > VERSO_SEGMENT_MAX_BYTES)
            err = verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                                  "sentence %zu of \"text\" (bytes %zu to %zu) has %zu bytes; a "
                                  "segment looked up may have at most %u",
                                  i, sp.v[i].start, sp.v[i].end, len, VERSO_SEGMENT_MAX_BYTES);
        else
            (*segs)[i] = (s_seg){{text + sp.v[i].start, len}, sp.v[i].start, sp.v[i].end};
    }
    verso_spans_fini(&sp);
    return err;
}

/* A fuzzy candidate that reached the bound (its base score). */
typedef struct s_fz {
    uint64_t id;
    int base;
    bool reversed;
} s_fz;

typedef struct s_lookup {
    verso_op_ctx *ctx;
    verso_txn *t;
    uint32_t tm;
    verso_str tm_name;
    verso_str sl, tl;
    int64_t min_score, max_results;
    unsigned skip;     /* directions of the pair with no entries (tm.h) */
    s_hits *hits;      /* reused for every segment of the request */
    verso_tmfuzzy *fz; /* the thread's matcher (or own_fz) */
    verso_tmfuzzy own_fz;
    s_fz *cands; /* fuzzy candidates of the segment */
    size_t ncands, cands_cap;
    int lb[S_MAX_RESULTS]; /* the best lower bounds of final scores known, best first */
    int nlb;
    bool reversed;           /* the direction being searched */
    verso_tmfuzzy_stats fst; /* summed over the request's searches */
    bool oom;                /* a candidate could not be kept */
    bool scan;               /* "method": "scan" */
    int *bound;              /* the search's current minimum base */
    verso_buf cnorm;         /* a candidate's normalised source */
    verso_fuzzy_text ct;     /* its tokens */
    verso_buf tgt;           /* a target with numbers substituted */
    uint32_t *qmap;          /* byte offsets: query norm -> as sent */
    uint32_t *cmap;          /* candidate norm -> as stored */
    size_t qmap_cap, cmap_cap;
} s_lookup;

/* ---- fuzzy matches ---------------------------------------------------------- */

/* The K-th best lower bound of a final score known so far (0 until K are
 * known, K = max_results): a candidate whose base is below it cannot enter
 * the results, since its final score is at most its base. */
static int s_floor(const s_lookup *l)
{
    return l->nlb < l->max_results ? 0 : l->lb[l->max_results - 1];
}

static void s_lb_add(s_lookup *l, int v)
{
    if (l->nlb == l->max_results && v <= l->lb[l->nlb - 1])
        return;
    int i = l->nlb < l->max_results ? l->nlb++ : l->nlb - 1;
    for (; i > 0 && l->lb[i - 1] < v; i--)
        l->lb[i] = l->lb[i - 1];
    l->lb[i] = v;
}

/* verso_tmfuzzy_search's callback: keeps a candidate not found already,
 * and raises the search's bound once max_results lower bounds beat it
 * (penalties take 7 points at most: docs/MATCHING.md §4). */
static int s_fz_one(void *arg, uint64_t id, int base)
{
    s_lookup *l = arg;
    if (s_hits_have(l->hits, id, l->reversed))
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
    s_lb_add(l, base - 7 > 0 ? base - 7 : 0);
    if (s_floor(l) > *l->bound)
        *l->bound = s_floor(l);
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
    s_hit x = {c->reversed ? s_turn(&e) : e, m.penalties, m.score, c->reversed, m.base, true};
    s_hit_keep(l->hits, &x);
    return VERSO_OK;
}

/* Adds the fuzzy matches of the query (l->fz->q) to l->hits. */
static verso_err s_fuzzy(s_lookup *l)
{
    s_hits *h = l->hits;
    l->ncands = 0;
    l->nlb = 0;
    for (int i = 0; i < h->n; i++)
        s_lb_add(l, h->v[i].score);
    int min = l->min_score > 0 ? (int)l->min_score : 1;
    verso_err err = VERSO_OK;
    for (int dir = 0; dir < 2 && !err; dir++) {
        if (l->skip & (dir ? VERSO_TM_SKIP_REVERSE : VERSO_TM_SKIP_FORWARD))
            continue;
        int bound = s_floor(l) > min ? s_floor(l) : min;
        if (bound > 100)
            break;
        l->reversed = dir;
        l->bound = &bound;
        l->oom = false;
        verso_tmfuzzy_stats st;
        err = verso_tmfuzzy_search(l->t, l->fz, l->tm, verso_tm_pair_key(l->sl, l->tl, dir), dir,
                                   &bound, s_fz_one, l, &st);
        l->fst.unposted_ns += st.unposted_ns;
        err = err ? err : l->oom ? VERSO_ENOMEM : VERSO_OK;
    }
    if (err)
        return err;
    if (l->ncands)
        qsort(l->cands, l->ncands, sizeof *l->cands, s_fz_cmp);
    int floor = s_floor(l) > min ? s_floor(l) : min;
    for (size_t i = 0; i < l->ncands && !err && l->cands[i].base >= floor; i++)
        err = s_fz_keep(l, &l->cands[i]);
    return err;
}

/* ---- differences and substitution --------------------------------------- */

/* A number of the target: ASCII digits, each '.' or ',' between two
 * digits included (text.h's rule); returns its end, or start when none. */
static size_t s_number_end(const char *s, size_t n, size_t start)
{
    size_t j = start;
    if (j >= n || s[j] < '0' || s[j] > '9' || (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9'))
        return start;
    while (j < n && ((s[j] >= '0' && s[j] <= '9') || ((s[j] == '.' || s[j] == ',') && j + 1 < n &&
                                                      s[j + 1] >= '0' && s[j + 1] <= '9')))
        j++;
    return j;
}

/* Whether a equals b with '.' and ',' swapped (swap) or as it is. */
static bool s_num_eq(const char *a, size_t an, const char *b, size_t bn, bool swap)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++) {
        char c = b[i];
        if (swap)
            c = c == '.' ? ',' : c == ',' ? '.' : c;
        if (a[i] != c)
            return false;
    }
    return true;
}

/* Writes into l->tgt the target with every number that the TM source has
 * where the query has another (m's NUMBERS hunks) replaced by the query's,
 * written with the target's decimal marks ('.' and ',' swapped when the
 * target writes them the other way). False, l->tgt unusable, when the
 * texts differ in more than numbers, a TM number stands for two query
 * numbers, or one is not in the target. */
static bool s_substitute(s_lookup *l, const verso_fuzzy_match *m, const char *qn, const char *cn,
                         verso_str tgt)
{
    enum { MAXP = 64 };
    size_t np = m->nhunks;
    bool used[MAXP] = {false};
    if (m->ed || !m->nhunks || m->nhunks > MAXP)
        return false;
    for (size_t i = 0; i < m->nhunks; i++)
        if (m->hunks[i].what != VERSO_TEXT_NUMBERS)
            return false;
    for (size_t i = 0; i < m->nhunks; i++) { /* a TM number maps to one query number */
        const verso_fuzzy_hunk *a = &m->hunks[i];
        for (size_t j = 0; j < i; j++) {
            const verso_fuzzy_hunk *b = &m->hunks[j];
            if (s_num_eq(cn + a->c_start, a->c_end - a->c_start, cn + b->c_start,
                         b->c_end - b->c_start, false) &&
                !s_num_eq(qn + a->q_start, a->q_end - a->q_start, qn + b->q_start,
                          b->q_end - b->q_start, false))
                return false;
        }
    }
    verso_buf_reset(&l->tgt);
    verso_err err = VERSO_OK;
    for (size_t j = 0; j < tgt.n && !err;) {
        size_t end = s_number_end(tgt.p, tgt.n, j);
        if (end == j) {
            err = verso_buf_append(&l->tgt, tgt.p + j++, 1);
            continue;
        }
        size_t k = 0;
        bool swap = false;
        for (; k < np; k++) {
            const verso_fuzzy_hunk *h = &m->hunks[k];
            size_t cl = h->c_end - h->c_start;
            if (s_num_eq(tgt.p + j, end - j, cn + h->c_start, cl, false) ||
                (swap = s_num_eq(tgt.p + j, end - j, cn + h->c_start, cl, true)))
                break;
        }
        if (k == np) {
            err = verso_buf_append(&l->tgt, tgt.p + j, end - j);
        } else {
            const verso_fuzzy_hunk *h = &m->hunks[k];
            for (size_t x = h->q_start; x < h->q_end && !err; x++) {
                char c = qn[x];
                if (swap)
                    c = c == '.' ? ',' : c == ',' ? '.' : c;
                err = verso_buf_append(&l->tgt, &c, 1);
            }
            for (size_t x = 0; x < np; x++) /* every hunk of this TM number is placed */
                used[x] = used[x] || s_num_eq(cn + m->hunks[x].c_start,
                                              m->hunks[x].c_end - m->hunks[x].c_start,
                                              cn + h->c_start, h->c_end - h->c_start, false);
        }
        j = end;
    }
    for (size_t x = 0; x < np; x++)
        if (!used[x])
            return false;
    return !err;
}

static const char *s_hunk_kind(unsigned what)
{
    return what == VERSO_TEXT_CASE ? "case" : what == VERSO_TEXT_NUMBERS ? "numbers" : "edit";
}

/* Packs "diffs": the hunks as byte ranges of the segment as sent and of
 * the match's source as returned; nil when either text is not in NFC. */
static int s_pack_diffs(s_lookup *l, verso_str seg, const s_hit *h, const verso_fuzzy_match *m)
{
    msgpack_packer *pk = l->ctx->res;
    const verso_buf *qn = &l->fz->qnorm;
    int rc = verso_mp_pack_cstr(pk, "diffs");
    if (rc || verso_array_grow(&l->qmap, &l->qmap_cap, qn->len + 1, sizeof *l->qmap) ||
        verso_array_grow(&l->cmap, &l->cmap_cap, l->cnorm.len + 1, sizeof *l->cmap))
        return -1;
    if (!verso_text_map(seg.p, seg.n, qn->data, qn->len, l->qmap) ||
        !verso_text_map(h->e.src.p, h->e.src.n, l->cnorm.data, l->cnorm.len, l->cmap))
        return msgpack_pack_nil(pk);
    rc = msgpack_pack_array(pk, m->nhunks);
    for (size_t i = 0; i < m->nhunks && !rc; i++) {
        const verso_fuzzy_hunk *x = &m->hunks[i];
        rc = msgpack_pack_map(pk, 3);
        rc = rc ? rc : verso_mp_pack_kv_str(pk, "kind", s_hunk_kind(x->what));
        rc = rc ? rc : verso_mp_pack_cstr(pk, "segment");
        rc = rc ? rc : msgpack_pack_array(pk, 2);
        rc = rc ? rc : msgpack_pack_uint32(pk, l->qmap[x->q_start]);
        rc = rc ? rc : msgpack_pack_uint32(pk, l->qmap[x->q_end]);
        rc = rc ? rc : verso_mp_pack_cstr(pk, "src");
        rc = rc ? rc : msgpack_pack_array(pk, 2);
        rc = rc ? rc : msgpack_pack_uint32(pk, l->cmap[x->c_start]);
        rc = rc ? rc : msgpack_pack_uint32(pk, l->cmap[x->c_end]);
    }
    return rc;
}

/* Packs one match: the entry's fields (its target with the query's numbers
 * when substituted), then score, base, kind, penalties, whether it was found
 * on the stored target, its differences and whether numbers were
 * substituted. */
static int s_pack_hit(s_lookup *l, verso_str seg, const s_hit *h)
{
    msgpack_packer *pk = l->ctx->res;
    /* A fuzzy match of the same words (base 100) is near-exact. */
    const char *kind = h->score > 100              ? "context"
                       : h->fuzzy && h->base < 100 ? "fuzzy"
                       : h->diff                   ? "near"
                                                   : "exact";
    size_t np = 0;
    for (size_t i = 0; i < S_NPENALTIES; i++)
        np += (h->diff & s_penalties[i].bit) != 0;
    verso_fuzzy_match m = {100, 100, 0, 0, NULL, 0};
    bool exact = !h->fuzzy && !h->diff, sub = false;
    verso_err err = VERSO_OK;
    if (!exact) {
        err = verso_text_norm(h->e.src.p, h->e.src.n, &l->cnorm);
        err = err ? err : verso_fuzzy_tokenize(&l->fz->f, l->cnorm.data, l->cnorm.len, &l->ct);
        err = err ? err : verso_fuzzy_compare(&l->fz->f, &l->fz->q, &l->ct, &m);
        if (err && err != VERSO_ETOOBIG)
            return -1;
        sub = !err && s_substitute(l, &m, l->fz->qnorm.data, l->cnorm.data, h->e.tgt);
    }
    verso_tm_entry e = h->e;
    if (sub)
        e.tgt = (verso_str){l->tgt.data, l->tgt.len};
    int rc = verso_tmop_pack_entry(l->t, pk, &e, &l->tm_name, 7);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "score", h->score);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "base", h->base);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "kind", kind);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "penalties");
    rc = rc ? rc : msgpack_pack_map(pk, np);
    for (size_t i = 0; i < S_NPENALTIES && !rc; i++)
        if (h->diff & s_penalties[i].bit)
            rc = verso_mp_pack_kv_int(pk, s_penalties[i].name, s_penalties[i].points);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "reversed");
    rc = rc ? rc : h->reversed ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    if (!rc && (exact || err)) {
        rc = verso_mp_pack_cstr(pk, "diffs");
        rc = rc ? rc : exact ? msgpack_pack_array(pk, 0) : msgpack_pack_nil(pk);
    } else if (!rc) {
        rc = s_pack_diffs(l, seg, h, &m);
    }
    rc = rc ? rc : verso_mp_pack_cstr(pk, "substituted");
    return rc ? rc : sub ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
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
    /* Near-exact and fuzzy scores are below 100: their tokens are needed only then. */
    if (!err && l->min_score < 100)
        err = verso_tmfuzzy_query(l->fz, q->norm->data, q->norm->len);
    if (!err && l->min_score < 100 && l->fz->q.n)
        err = s_fuzzy(l);
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
        rc = s_pack_hit(l, segs[i].text, &h->v[k]);
    return rc ? VERSO_ENOMEM : VERSO_OK;
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
    s_lookup l = {.ctx = ctx, .hits = malloc(sizeof(s_hits)), .fz = ctx->th->fz};
    s_forms f = {{0}, NULL, NULL};
    verso_buf_init(&l.cnorm, (size_t)1 << 30);
    verso_buf_init(&l.tgt, (size_t)1 << 30);
    verso_fuzzy_text_init(&l.ct);
    s_seg *segs = NULL;
    size_t n = 0, done = 0;
    bool positions = false;
    verso_err err = l.hits ? verso_tmop_name(ctx, &l.tm_name) : VERSO_ENOMEM;
    if (!err && !l.fz) /* a thread without a matcher (tests): one for the request */
        err = verso_tmfuzzy_init(l.fz = &l.own_fz);
    err = err ? err : verso_tmop_lang(ctx, "src_lang", slb, &l.sl);
    err = err ? err : verso_tmop_lang(ctx, "tgt_lang", tlb, &l.tl);
    err = err ? err : s_limits(ctx, &l);
    err = err ? err : s_method(ctx, &l);
    if (!err) {
        l.fz->scan = l.scan;
        l.fz->work = l.fz->f.work = ctx->work;
    }
    err = err ? err : s_segments(ctx, l.sl, &segs, &n, &positions);
    err = err ? err : s_forms_build(segs, n, &f);
    err = err ? err : verso_store_read_begin(ctx->env->store, &l.t);
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
        if ((err = verso_work_tick(ctx->work, 1)))
            break;
        verso_buf norm = s_view(&f.arena, f.off[2 * i], f.off[2 * i + 1]);
        verso_buf loose = s_view(&f.arena, f.off[2 * i + 1], f.off[2 * i + 2]);
        /* Near-exact matches score 99 at most. */
        verso_tm_query q = {segs[i].text,      &norm, &loose, (size_t)l.max_results,
                            l.min_score < 100, l.skip};
        err = s_lookup_one(&l, segs, n, i, positions, &q, f.hashes);
        done = err ? i : i + 1;
    }
    if (err == VERSO_ETIMEDOUT || err == VERSO_ECANCELED)
        verso_fault_set(ctx->fault, err, "lookup %s after %zu of %zu segments",
                        err == VERSO_ETIMEDOUT ? "stopped at its deadline" : "cancelled", done, n);
    /* Tells the writer what the entries it has not posted cost lookups. */
    verso_indexer_note_unposted(&ctx->env->indexer, l.fst.unposted_ns);
    s_forms_fini(&f);
    free(l.hits);
    free(l.cands);
    free(l.qmap);
    free(l.cmap);
    verso_buf_fini(&l.cnorm);
    verso_buf_fini(&l.tgt);
    verso_fuzzy_text_fini(&l.ct);
    if (l.fz)
        l.fz->work = l.fz->f.work = NULL; /* the request's meter dies with it */
    if (l.fz == &l.own_fz)
        verso_tmfuzzy_fini(&l.own_fz);
    if (l.t)
        verso_store_read_end(&l.t);
    free(segs);
    return err;
}
