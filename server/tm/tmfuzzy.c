/*
 * tmfuzzy.c - fuzzy index maintenance and search over the TM; see
 * tmfuzzy.h and docs/MATCHING.md §9.
 *
 * TOKENS records (key: entry id u64 big-endian):
 *   tm_id varint | source pair u32 | target pair u32 | n_src varint |
 *   n_tgt varint | ids of the source | ids of the target
 * pairs and ids in host order (an LMDB file is not portable across byte
 * orders anyway), the ids u32 each.
 */
#include "tmfuzzy.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "be.h"
#include "varint.h"

#define S_HEAD_MAX   (3 * VERSO_VARINT_MAX + 8) /* bytes before the ids, at most */
#define S_FLUSH_RECS ((size_t)1 << 21)          /* queued postings flushed early past this */
#define S_UPTO       "fuzzy_upto"               /* meta: every entry id <= this has its postings */
#define S_UPTO_LEN   10

/* The indexed watermark (meta S_UPTO; 0 when absent). */
static verso_err s_upto(verso_txn *t, uint64_t *upto)
{
    verso_val v;
    verso_err err = verso_store_get(t, VERSO_DB_META, S_UPTO, S_UPTO_LEN, &v);
    *upto = 0;
    if (err == VERSO_ENOTFOUND)
        return VERSO_OK;
    if (!err && v.len != 8)
        err = VERSO_ESTORE;
    if (!err)
        *upto = verso_be_get64(v.data);
    return err;
}

/* ---- write side ---------------------------------------------------------- */

/* What the store keeps for its write transactions. */
typedef struct s_writer {
    verso_fuzzy f;
    verso_fuzzy_text side;
    verso_fuzzidx_batch batch;
    verso_buf rec, out; /* the ids of a record being made, and the record */
    uint32_t *ids;      /* a record's ids, aligned */
    size_t ids_cap;
} s_writer;

static void s_writer_free(void *p)
{
    s_writer *w = p;
    verso_fuzzy_fini(&w->f);
    verso_fuzzy_text_fini(&w->side);
    verso_fuzzidx_batch_fini(&w->batch);
    verso_buf_fini(&w->rec);
    verso_buf_fini(&w->out);
    free(w->ids);
    free(w);
}

static verso_err s_writer_of(verso_txn *t, s_writer **out)
{
    void **slot = verso_store_wscratch(t, s_writer_free);
    if (!slot)
        return VERSO_EINVAL;
    if (!*slot) {
        s_writer *w = calloc(1, sizeof *w);
        if (!w)
            return VERSO_ENOMEM;
        verso_err err = verso_fuzzy_init(&w->f, "");
        if (err) {
            free(w);
            return err;
        }
        verso_fuzzy_text_init(&w->side);
        verso_fuzzidx_batch_init(&w->batch);
        verso_buf_init(&w->rec, (size_t)1 << 31);
        verso_buf_init(&w->out, (size_t)1 << 31);
        *slot = w;
    }
    *out = *slot;
    return VERSO_OK;
}

/* Tokenises one side (unless its ids are given) and appends its ids to
 * w->rec. */
static verso_err s_side(s_writer *w, const verso_tmfuzzy_side *s, uint32_t *n)
{
    if (s->ids) {
        if (s->nids > UINT32_MAX / 8)
            return VERSO_ETOOBIG;
        *n = (uint32_t)s->nids;
        return verso_buf_append(&w->rec, s->ids, s->nids * sizeof *s->ids);
    }
    verso_err err = verso_fuzzy_tokenize(&w->f, s->norm, s->len, &w->side);
    if (!err && w->side.n > UINT32_MAX / 8)
        err = VERSO_ETOOBIG;
    if (err)
        return err;
    *n = (uint32_t)w->side.n;
    return verso_buf_append(&w->rec, w->side.ids, w->side.n * sizeof *w->side.ids);
}

/* A token record read back: header fields and the two id runs. */
typedef struct s_rec {
    uint32_t tm_id, pair[2], n[2];
    const unsigned char *ids; /* n[0] + n[1] u32, unaligned */
} s_rec;

static bool s_rec_parse(verso_val v, s_rec *r)
{
    const unsigned char *p = v.data, *end = p + v.len;
    uint64_t tm, n0, n1;
    size_t k = verso_varint_get(p, end, &tm);
    if (!k || tm > UINT32_MAX || (size_t)(end - p) < k + 8)
        return false;
    p += k;
    memcpy(r->pair, p, 8);
    p += 8;
    if (!(k = verso_varint_get(p, end, &n0)))
        return false;
    p += k;
    if (!(k = verso_varint_get(p, end, &n1)) || n0 > UINT32_MAX || n1 > UINT32_MAX)
        return false;
    p += k;
    r->tm_id = (uint32_t)tm;
    r->n[0] = (uint32_t)n0;
    r->n[1] = (uint32_t)n1;
    r->ids = p;
    return n0 + n1 == (uint64_t)(end - p) / 4 && (end - p) % 4 == 0;
}

/* Queues one side's postings; a batch full of pairs is written first. */
static verso_err s_queue_side(verso_txn *t, s_writer *w, uint32_t tm_id, uint32_t pair,
                              const uint32_t *ids, size_t n, uint64_t id)
{
    verso_err err = verso_fuzzidx_batch_add(&w->batch, tm_id, pair, ids, n, id);
    if (err == VERSO_ETOOBIG) {
        err = verso_fuzzidx_batch_put(t, &w->batch);
        err = err ? err : verso_fuzzidx_batch_add(&w->batch, tm_id, pair, ids, n, id);
    }
    return err;
}

/* Queues the postings of both sides of a record (ids copied to align them). */
static verso_err s_queue(verso_txn *t, s_writer *w, const s_rec *r, uint64_t id)
{
    size_t n = (size_t)r->n[0] + r->n[1];
    verso_err err = verso_array_grow(&w->ids, &w->ids_cap, n + 1, sizeof *w->ids);
    if (err)
        return err;
    memcpy(w->ids, r->ids, n * sizeof *w->ids);
    err = s_queue_side(t, w, r->tm_id, r->pair[0], w->ids, r->n[0], id);
    return err ? err : s_queue_side(t, w, r->tm_id, r->pair[1], w->ids + r->n[0], r->n[1], id);
}

verso_err verso_tmfuzzy_index(verso_txn *t, uint32_t tm_id, uint64_t id,
                              const verso_tmfuzzy_side *src, const verso_tmfuzzy_side *tgt)
{
    s_writer *w;
    verso_err err = s_writer_of(t, &w);
    if (err)
        return err;
    uint32_t ns = 0, nt = 0;
    verso_buf_reset(&w->rec);
    verso_buf_reset(&w->out);
    err = s_side(w, src, &ns);
    err = err ? err : s_side(w, tgt, &nt);
    if (err)
        return err;
    unsigned char head[S_HEAD_MAX];
    size_t hn = verso_varint_put(head, tm_id);
    memcpy(head + hn, &src->pair, 4);
    memcpy(head + hn + 4, &tgt->pair, 4);
    hn += 8;
    hn += verso_varint_put(head + hn, ns);
    hn += verso_varint_put(head + hn, nt);
    err = verso_buf_append(&w->out, head, hn);
    err = err ? err : verso_buf_append(&w->out, w->rec.data ? w->rec.data : "", w->rec.len);
    if (err)
        return err;
    unsigned char k[8];
    uint64_t upto;
    verso_be_put64(k, id);
    err = verso_store_put(t, VERSO_DB_TOKENS, k, 8, w->out.data, w->out.len);
    err = err ? err : s_upto(t, &upto);
    if (err || id > upto)
        return err; /* above the watermark: verso_tmfuzzy_step posts it */
    s_rec r;
    verso_val v = {w->out.data, w->out.len};
    if (!s_rec_parse(v, &r))
        return VERSO_EINTERNAL;
    err = s_queue(t, w, &r, id);
    if (!err && w->batch.n > S_FLUSH_RECS)
        err = verso_fuzzidx_batch_put(t, &w->batch);
    return err;
}

typedef struct s_step {
    verso_txn *t;
    s_writer *w;
    size_t left; /* records still to read */
    uint64_t last;
    bool full; /* the batch is as big as one transaction should take */
    verso_err err;
} s_step;

static int s_step_one(void *arg, verso_val key, verso_val val)
{
    s_step *st = arg;
    s_rec r;
    if (!st->left)
        return 1;
    if (key.len != 8)
        return (st->err = VERSO_ESTORE), 1;
    st->left--;
    st->last = verso_be_get64(key.data);
    if (!s_rec_parse(val, &r))
        return 0; /* corrupt: searches skip it too */
    st->err = s_queue(st->t, st->w, &r, st->last);
    st->full = st->w->batch.n > S_FLUSH_RECS;
    return st->err != VERSO_OK || st->full;
}

verso_err verso_tmfuzzy_step(verso_txn *t, size_t max, bool *more)
{
    s_writer *w = NULL;
    uint64_t upto;
    unsigned char from[8];
    *more = false;
    verso_err err = s_writer_of(t, &w);
    err = err ? err : verso_fuzzidx_batch_put(t, &w->batch);
    err = err ? err : s_upto(t, &upto);
    if (err || upto == UINT64_MAX)
        return err;
    s_step st = {t, w, max ? max : 1, upto, false, VERSO_OK};
    verso_be_put64(from, upto + 1);
    err = verso_store_each(t, VERSO_DB_TOKENS, from, 8, s_step_one, &st);
    err = err ? err : st.err;
    *more = !err && (st.full || !st.left);
    err = err ? err : verso_fuzzidx_batch_put(t, &w->batch);
    if (!err && st.last != upto) {
        unsigned char v[8];
        verso_be_put64(v, st.last);
        err = verso_store_put(t, VERSO_DB_META, S_UPTO, S_UPTO_LEN, v, 8);
    }
    if (err)
        verso_fuzzidx_batch_clear(&w->batch);
    return err;
}

verso_err verso_tmfuzzy_upto(verso_txn *t, uint64_t *upto)
{
    return s_upto(t, upto);
}

verso_err verso_tmfuzzy_reset(verso_txn *t)
{
    verso_err err = verso_store_clear(t, VERSO_DB_POSTINGS);
    err = err ? err : verso_store_clear(t, VERSO_DB_TOKENS);
    if (!err) {
        err = verso_store_del(t, VERSO_DB_META, S_UPTO, S_UPTO_LEN, NULL, 0);
        err = err == VERSO_ENOTFOUND ? VERSO_OK : err;
    }
    return err;
}

verso_err verso_tmfuzzy_unindex(verso_txn *t, uint64_t id)
{
    s_writer *w = NULL;
    verso_err err = s_writer_of(t, &w);
    err = err ? err : verso_fuzzidx_batch_put(t, &w->batch);
    unsigned char k[8];
    verso_val v;
    verso_be_put64(k, id);
    err = err ? err : verso_store_get(t, VERSO_DB_TOKENS, k, 8, &v);
    if (err)
        return err == VERSO_ENOTFOUND ? VERSO_OK : err;
    s_rec r;
    if (!s_rec_parse(v, &r))
        return verso_store_del(t, VERSO_DB_TOKENS, k, 8, NULL, 0); /* corrupt: drop it */
    verso_buf_reset(&w->rec); /* the ids, aligned, before the record goes */
    err = verso_buf_append(&w->rec, r.ids, ((size_t)r.n[0] + r.n[1]) * 4);
    const uint32_t *ids = (const uint32_t *)(void *)w->rec.data;
    err = err ? err : verso_fuzzidx_del(t, r.tm_id, r.pair[0], ids, r.n[0], id);
    err = err ? err : verso_fuzzidx_del(t, r.tm_id, r.pair[1], ids + r.n[0], r.n[1], id);
    return err ? err : verso_store_del(t, VERSO_DB_TOKENS, k, 8, NULL, 0);
}

verso_err verso_tmfuzzy_flush(verso_txn *t)
{
    s_writer *w;
    verso_err err = s_writer_of(t, &w);
    return err ? err : verso_fuzzidx_batch_put(t, &w->batch);
}

void verso_tmfuzzy_discard(verso_txn *t)
{
    void **slot = verso_store_wscratch(t, s_writer_free);
    if (slot && *slot)
        verso_fuzzidx_batch_clear(&((s_writer *)*slot)->batch);
}

/* ---- read side ----------------------------------------------------------- */

verso_err verso_tmfuzzy_init(verso_tmfuzzy *z)
{
    memset(z, 0, sizeof *z);
    verso_fuzzy_text_init(&z->q);
    verso_buf_init(&z->qnorm, (size_t)1 << 30);
    verso_fuzzidx_init(&z->x, 0);
    return verso_fuzzy_init(&z->f, "");
}

void verso_tmfuzzy_fini(verso_tmfuzzy *z)
{
    verso_fuzzy_fini(&z->f);
    verso_fuzzidx_fini(&z->x);
    verso_fuzzy_text_fini(&z->q);
    verso_buf_fini(&z->qnorm);
    free(z->ids);
    free(z->want);
    free(z->cids);
    z->ids = z->want = NULL;
    z->cids = NULL;
    z->ids_cap = z->want_cap = z->cids_cap = z->ncids = 0;
}

verso_err verso_tmfuzzy_query(verso_tmfuzzy *z, const char *norm, size_t n)
{
    verso_buf_reset(&z->qnorm);
    verso_err err = verso_buf_append(&z->qnorm, norm, n);
    return err ? err : verso_fuzzy_tokenize(&z->f, z->qnorm.data, z->qnorm.len, &z->q);
}

/* One search in progress. */
typedef struct s_search {
    verso_tmfuzzy *z;
    int *min_score;
    int (*fn)(void *arg, uint64_t id, int base);
    void *arg;
    verso_tmfuzzy_stats *st;
    int stop;
} s_search;

typedef struct s_scan {
    verso_txn *t;
    struct s_search *s;
    uint32_t tm_id, pair;
    bool target;
    verso_err err;
} s_scan;

/* Scores one side's ids (unaligned, n of them) against the query; reports
 * it when its base reaches the current bound. */
static verso_err s_verify(s_search *s, uint64_t id, const unsigned char *ids, size_t n)
{
    verso_tmfuzzy *z = s->z;
    size_t m = z->q.n;
    long k = verso_fuzzy_max_ed(m, n, *s->min_score);
    verso_err err = verso_work_tick(z->work, 1);
    if (err || !n || k < 0 || (size_t)k < (m > n ? m - n : n - m))
        return err;
    /* the distances below cost a word operation per 64 query tokens and candidate token */
    if ((err = verso_work_tick(z->work, (m / 64 + 1) * (uint64_t)n)))
        return err;
    if (verso_array_grow(&z->ids, &z->ids_cap, n, sizeof *z->ids))
        return VERSO_ENOMEM;
    memcpy(z->ids, ids, n * sizeof *z->ids);
    bool yes;
    size_t ed;
    s->st->verified++;
    err = verso_fuzzy_within(&z->f, z->q.ids, m, z->ids, n, (size_t)k, &yes);
    if (err || !yes)
        return err;
    err = verso_fuzzy_ed(&z->f, z->q.ids, m, z->ids, n, &ed);
    if (err)
        return err;
    int base = verso_fuzzy_base(m, n, ed);
    if (base < *s->min_score)
        return VERSO_OK;
    s->st->matches++;
    s->stop = s->fn(s->arg, id, base);
    return VERSO_OK;
}

/* Reads entry id's token record and verifies the side asked for. */
static verso_err s_verify_id(verso_txn *t, s_search *s, uint64_t id, bool target)
{
    unsigned char k[8];
    verso_val v;
    s_rec r;
    verso_be_put64(k, id);
    verso_err err = verso_store_get(t, VERSO_DB_TOKENS, k, 8, &v);
    if (err == VERSO_ENOTFOUND)
        return VERSO_OK; /* a posting left by a failed write: no entry */
    if (err)
        return err;
    if (!s_rec_parse(v, &r))
        return VERSO_ESTORE;
    return s_verify(s, id, target ? r.ids + 4 * (size_t)r.n[0] : r.ids, r.n[target]);
}

/* Whether a candidate can still reach the (possibly raised) bound: the
 * length filter and the count bound of docs/MATCHING.md §8 for it. */
static bool s_may_reach(const verso_fuzzidx_result *res, const verso_fuzzidx_cand *c, size_t m,
                        int s)
{
    size_t lo, hi;
    verso_fuzzy_len_range(m, s, &lo, &hi);
    if (c->len < VERSO_FUZZIDX_MAX_LEN && (c->len < lo || c->len > hi))
        return false;
    size_t L = m > c->len ? m : c->len, need = (L * (size_t)s + 99) / 100;
    return (size_t)c->hits + (m - res->probed_positions) >= need && c->ub >= need;
}

/* *order: the indices of res's candidates, most hits first (a counting
 * sort); the caller frees it. */
static verso_err s_by_hits(const verso_fuzzidx_result *res, size_t m, uint32_t **order)
{
    size_t *count = calloc(m + 2, sizeof *count);
    *order = malloc((res->n + 1) * sizeof **order);
    if (!count || !*order) {
        free(count);
        return VERSO_ENOMEM;
    }
    for (size_t i = 0; i < res->n; i++)
        count[m - (res->cands[i].hits > m ? m : res->cands[i].hits)]++;
    for (size_t h = 0, at = 0; h <= m; h++) {
        size_t c = count[h];
        count[h] = at;
        at += c;
    }
    for (size_t i = 0; i < res->n; i++)
        (*order)[count[m - (res->cands[i].hits > m ? m : res->cands[i].hits)]++] = (uint32_t)i;
    free(count);
    return VERSO_OK;
}

static int s_scan_one(void *arg, verso_val key, verso_val val)
{
    s_scan *sc = arg;
    s_rec r;
    if (key.len != 8 || !s_rec_parse(val, &r))
        return 0; /* a corrupt record: get reports it */
    if (r.tm_id != sc->tm_id || r.pair[sc->target] != sc->pair)
        return 0;
    const unsigned char *ids = sc->target ? r.ids + 4 * (size_t)r.n[0] : r.ids;
    sc->err = s_verify(sc->s, verso_be_get64(key.data), ids, r.n[sc->target]);
    return sc->err || sc->s->stop;
}

verso_err verso_tmfuzzy_search(verso_txn *t, verso_tmfuzzy *z, uint32_t tm_id, uint32_t pair,
                               bool target, int *min_score,
                               int (*fn)(void *arg, uint64_t id, int base), void *arg,
                               verso_tmfuzzy_stats *st)
{
    verso_tmfuzzy_stats dummy;
    s_search s = {z, min_score, fn, arg, st ? st : &dummy, 0};
    memset(s.st, 0, sizeof *s.st);
    if (*min_score < 1 || *min_score > 100)
        return VERSO_EINVAL;
    s_scan sc = {t, &s, tm_id, pair, target, VERSO_OK};
    verso_fuzzidx_result res = {0};
    verso_err err = z->scan ? VERSO_OK
                            : verso_fuzzidx_candidates(t, &z->x, tm_id, pair, z->q.ids, z->q.n,
                                                       *min_score, &res);
    if (err || (res.flags & VERSO_FUZZIDX_NO_TOKENS) || !z->q.n) /* as the index: fuzzidx.h */
        return err;
    s.st->postings = res.postings;
    if ((err = verso_work_tick(z->work, res.postings + res.n)))
        return err;
    if ((res.flags & VERSO_FUZZIDX_TOO_MANY) || z->scan) {
        s.st->scanned = true;
        err = verso_store_each(t, VERSO_DB_TOKENS, NULL, 0, s_scan_one, &sc);
        return err ? err : sc.err;
    }
    uint64_t upto;
    unsigned char from[8];
    if ((err = s_upto(t, &upto)))
        return err;
    s.st->candidates = res.n;
    uint32_t *order;
    if ((err = s_by_hits(&res, z->q.n, &order)))
        return err;
    for (size_t i = 0; i < res.n && !err && !s.stop; i++) {
        const verso_fuzzidx_cand *c = &res.cands[order[i]];
        if (s_may_reach(&res, c, z->q.n, *min_score))
            err = s_verify_id(t, &s, c->id, target);
    }
    free(order);
    if (!err && !s.stop && upto < UINT64_MAX) { /* entries not posted yet */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        verso_be_put64(from, upto + 1);
        err = verso_store_each(t, VERSO_DB_TOKENS, from, 8, s_scan_one, &sc);
        err = err ? err : sc.err;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        s.st->unposted_ns +=
            (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
    }
    return err;
}

/* ---- entries holding every token (concordance) ------------------------------ */

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int s_cmp_u64_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x < y) - (x > y);
}

/* Whether ids (unaligned, n of them) hold every one of want[0..nw). */
static bool s_holds_all(const unsigned char *ids, size_t n, const uint32_t *want, size_t nw)
{
    for (size_t i = 0; i < nw; i++) {
        size_t j = 0;
        for (uint32_t v; j < n; j++) {
            memcpy(&v, ids + 4 * j, 4);
            if (v == want[i])
                break;
        }
        if (j == n)
            return false;
    }
    return true;
}

typedef struct s_contain {
    verso_tmfuzzy *z;
    uint32_t tm_id, pair, nw;
    bool target;
    uint64_t upto;
    verso_err err;
} s_contain;

/* Whether record val (of entry id) is of the TM and pair and holds them all. */
static bool s_rec_holds(const s_contain *c, verso_val val)
{
    s_rec r;
    if (!s_rec_parse(val, &r) || r.tm_id != c->tm_id || r.pair[c->target] != c->pair)
        return false;
    const unsigned char *ids = c->target ? r.ids + 4 * (size_t)r.n[0] : r.ids;
    return s_holds_all(ids, r.n[c->target], c->z->want, c->nw);
}

static verso_err s_cid_add(verso_tmfuzzy *z, uint64_t id)
{
    if (verso_array_grow(&z->cids, &z->cids_cap, z->ncids + 1, sizeof *z->cids))
        return VERSO_ENOMEM;
    z->cids[z->ncids++] = id;
    return VERSO_OK;
}

static int s_contain_posting(void *arg, uint64_t id, uint32_t len)
{
    s_contain *c = arg;
    (void)len;
    c->err = verso_work_tick(c->z->work, 1);
    if (!c->err && id <= c->upto) /* those above are read from their records */
        c->err = s_cid_add(c->z, id);
    return c->err != VERSO_OK;
}

static int s_contain_unposted(void *arg, verso_val key, verso_val val)
{
    s_contain *c = arg;
    if ((c->err = verso_work_tick(c->z->work, 1 + val.len / 4)))
        return 1;
    if (key.len == 8 && s_rec_holds(c, val))
        c->err = s_cid_add(c->z, verso_be_get64(key.data));
    return c->err != VERSO_OK;
}

/* The distinct tokens of toks into z->want; *nw their number. */
static verso_err s_want(verso_tmfuzzy *z, const uint32_t *toks, size_t n, size_t *nw)
{
    if (verso_array_grow(&z->want, &z->want_cap, n, sizeof *z->want))
        return VERSO_ENOMEM;
    memcpy(z->want, toks, n * sizeof *toks);
    qsort(z->want, n, sizeof *z->want, s_cmp_u32);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (!d || z->want[d - 1] != z->want[i])
            z->want[d++] = z->want[i];
    *nw = d;
    return VERSO_OK;
}

/* The posted candidates: the postings of the rarest wanted token. */
static verso_err s_contain_posted(verso_txn *t, s_contain *c)
{
    verso_tmfuzzy *z = c->z;
    size_t best = SIZE_MAX, df;
    uint32_t rare = 0;
    for (size_t i = 0; i < c->nw && best; i++) {
        verso_err err = verso_fuzzidx_df(t, c->tm_id, c->pair, z->want[i], &df);
        if (err)
            return err;
        if (df < best)
            best = df, rare = z->want[i];
    }
    if (!best)
        return VERSO_OK;
    verso_err err = verso_fuzzidx_each(t, c->tm_id, c->pair, rare, c->nw,
                                       verso_fuzzidx_sig(z->want, c->nw), s_contain_posting, c);
    return err ? err : c->err;
}

verso_err verso_tmfuzzy_containing(verso_txn *t, verso_tmfuzzy *z, uint32_t tm_id, uint32_t pair,
                                   bool target, const uint32_t *toks, size_t n,
                                   int (*fn)(void *arg, uint64_t id), void *arg)
{
    size_t nw = 0;
    s_contain c = {z, tm_id, pair, 0, target, 0, VERSO_OK};
    unsigned char k[8];
    z->ncids = 0;
    verso_err err = n ? s_want(z, toks, n, &nw) : VERSO_OK;
    if (err || !nw)
        return err;
    c.nw = nw > UINT32_MAX ? UINT32_MAX : (uint32_t)nw;
    err = s_upto(t, &c.upto);
    err = err ? err : s_contain_posted(t, &c);
    if (!err && c.upto < UINT64_MAX) {
        verso_be_put64(k, c.upto + 1);
        err = verso_store_each(t, VERSO_DB_TOKENS, k, 8, s_contain_unposted, &c);
        err = err ? err : c.err;
    }
    if (err)
        return err;
    if (z->ncids) /* cids is NULL until the first candidate */
        qsort(z->cids, z->ncids, sizeof *z->cids, s_cmp_u64_desc);
    for (size_t i = 0; i < z->ncids; i++) {
        verso_val v;
        if (i && z->cids[i] == z->cids[i - 1])
            continue;
        if ((err = verso_work_tick(z->work, 1 + c.nw)))
            return err;
        verso_be_put64(k, z->cids[i]);
        if (z->cids[i] <= c.upto) { /* from a posting: its record decides */
            err = verso_store_get(t, VERSO_DB_TOKENS, k, 8, &v);
            if (err == VERSO_ENOTFOUND)
                continue;
            if (err)
                return err;
            if (!s_rec_holds(&c, v))
                continue;
        }
        if (fn(arg, z->cids[i]))
            break;
    }
    return VERSO_OK;
}
