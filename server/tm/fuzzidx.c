/*
 * fuzzidx.c - token postings and candidate retrieval for fuzzy matching;
 * see fuzzidx.h and docs/MATCHING.md §8 (layout, proof of no miss).
 *
 * Records of the FUZZY database (big-endian):
 *   tm_id u32 | directed pair hash u32 | token id u32 | side's token count u16
 *     -> entry id u64 | signature of the side u64        (sorted duplicates)
 * A token's postings of one length are one key, its keys of a length range
 * are neighbours (one cursor walk), and new entries, whose ids are the
 * highest, go at the end of each key's list: a bulk post dirties the last
 * page of each key it touches, not pages all over the index.
 */
#include "fuzzidx.h"

#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fuzzy.h"

#define S_KEY      14
#define S_VAL      16
#define S_STACK    256 /* distinct ids sorted on the stack up to this many */
#define S_MIN_SLOT 1024

static void s_key(unsigned char k[S_KEY], uint32_t tm_id, uint32_t pair, uint32_t tok, uint32_t len)
{
    verso_be_put32(k, tm_id);
    verso_be_put32(k + 4, pair);
    verso_be_put32(k + 8, tok);
    k[12] = (unsigned char)(len >> 8);
    k[13] = (unsigned char)len;
}

static uint32_t s_key_len(const unsigned char *k)
{
    return (uint32_t)k[12] << 8 | k[13];
}

unsigned verso_fuzzidx_sig_bit(uint32_t id)
{
    return (unsigned)((id * 0x9e3779b1u) >> 26); /* token ids are hashes already: mix, top 6 bits */
}

uint64_t verso_fuzzidx_sig(const uint32_t *ids, size_t n)
{
    uint64_t sig = 0;
    for (size_t i = 0; i < n; i++)
        sig |= (uint64_t)1 << verso_fuzzidx_sig_bit(ids[i]);
    return sig;
}

static void s_val(unsigned char v[S_VAL], uint64_t id, uint64_t sig)
{
    verso_be_put64(v, id);
    verso_be_put64(v + 8, sig);
}

static uint32_t s_cap(size_t n)
{
    return n > VERSO_FUZZIDX_MAX_LEN ? VERSO_FUZZIDX_MAX_LEN : (uint32_t)n;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v[0..n): insertion sort for the few ids of a sentence (libc's
 * qsort allocates), qsort past that. */
static void s_sort_u32(uint32_t *v, size_t n)
{
    if (n > 48) {
        qsort(v, n, sizeof *v, s_cmp_u32);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Writes (put) or removes (!put) the postings of one side. */
static verso_err s_postings(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id, int put)
{
    if (n && !ids)
        return VERSO_EINVAL;
    uint32_t stack[S_STACK], *d = n <= S_STACK ? stack : malloc(n * sizeof *d);
    if (!d)
        return VERSO_ENOMEM;
    memcpy(d, ids, n * sizeof *d);
    s_sort_u32(d, n);
    unsigned char k[S_KEY], v[S_VAL];
    s_val(v, entry_id, verso_fuzzidx_sig(ids, n));
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < n && !err; i++) {
        if (i && d[i] == d[i - 1])
            continue;
        s_key(k, tm_id, pair, d[i], s_cap(n));
        err = put ? verso_store_put(t, VERSO_DB_FUZZY, k, S_KEY, v, S_VAL)
                  : verso_store_del(t, VERSO_DB_FUZZY, k, S_KEY, v, S_VAL);
        if (err == VERSO_ENOTFOUND && !put)
            err = VERSO_OK;
    }
    if (d != stack)
        free(d);
    return err;
}

verso_err verso_fuzzidx_put(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id)
{
    return s_postings(t, tm_id, pair, ids, n, entry_id, 1);
}

verso_err verso_fuzzidx_del(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id)
{
    return s_postings(t, tm_id, pair, ids, n, entry_id, 0);
}

/* ---- queued postings ------------------------------------------------------ */

void verso_fuzzidx_batch_init(verso_fuzzidx_batch *b)
{
    memset(b, 0, sizeof *b);
}

void verso_fuzzidx_batch_fini(verso_fuzzidx_batch *b)
{
    free(b->v);
    free(b->tmp_v);
    free(b->pairs);
    free(b->rank);
    free(b->sorted);
    free(b->tmp);
    memset(b, 0, sizeof *b);
}

void verso_fuzzidx_batch_clear(verso_fuzzidx_batch *b)
{
    b->n = b->npairs = 0;
}

/* The index of (tm_id, pair) in b->pairs, added when new. A batch holds a
 * few pairs: the last one found is tried first. */
static verso_err s_pair_index(verso_fuzzidx_batch *b, uint64_t key, uint64_t *idx)
{
    for (size_t i = b->npairs; i-- > 0;)
        if (b->pairs[i] == key)
            return (*idx = i), VERSO_OK;
    if (b->npairs == VERSO_FUZZIDX_BATCH_PAIRS)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&b->pairs, &b->pairs_cap, b->npairs + 1, sizeof *b->pairs))
        return VERSO_ENOMEM;
    b->pairs[b->npairs] = key;
    *idx = b->npairs++;
    return VERSO_OK;
}

verso_err verso_fuzzidx_batch_add(verso_fuzzidx_batch *b, uint32_t tm_id, uint32_t pair,
                                  const uint32_t *ids, size_t n, uint64_t entry_id)
{
    uint64_t pi;
    if (!n)
        return VERSO_OK;
    verso_err err = s_pair_index(b, (uint64_t)tm_id << 32 | pair, &pi);
    if (err)
        return err;
    if (verso_array_grow(&b->tmp, &b->tmp_cap, n, sizeof *b->tmp) ||
        verso_array_grow(&b->v, &b->cap, b->n + n, sizeof *b->v))
        return VERSO_ENOMEM;
    memcpy(b->tmp, ids, n * sizeof *ids);
    s_sort_u32(b->tmp, n);
    uint64_t head = pi << 48 | s_cap(n), sig = verso_fuzzidx_sig(ids, n);
    for (size_t i = 0; i < n; i++)
        if (!i || b->tmp[i] != b->tmp[i - 1])
            b->v[b->n++] = (verso_fuzzidx_rec){head | (uint64_t)b->tmp[i] << 16, entry_id, sig};
    return VERSO_OK;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The index of x in the sorted v[0..n) (x is there). */
static size_t s_rank(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One stable counting pass on byte `shift / 8` of the sort field: from
 * src into dst, by the counts in cnt (256 of them). */
static void s_radix_pass(const verso_fuzzidx_rec *src, verso_fuzzidx_rec *dst, size_t n,
                         unsigned shift, const size_t *cnt)
{
    size_t at[256];
    for (size_t d = 0, sum = 0; d < 256; d++)
        at[d] = sum, sum += cnt[d];
    for (size_t i = 0; i < n; i++)
        dst[at[(src[i].sort >> shift) & 0xff]++] = src[i];
}

/* Sorts b->v by the sort field (LSD radix, stable: records of one key keep
 * their order), skipping the bytes all records share. The pair indices are
 * first renumbered in (tm_id, pair) order, so that the field's order is the
 * order of the store's keys. */
static verso_err s_batch_sort(verso_fuzzidx_batch *b)
{
    if (verso_array_grow(&b->tmp_v, &b->tmp_v_cap, b->n, sizeof *b->tmp_v) ||
        verso_array_grow(&b->rank, &b->rank_cap, b->npairs, sizeof *b->rank) ||
        verso_array_grow(&b->sorted, &b->sorted_cap, b->npairs, sizeof *b->sorted))
        return VERSO_ENOMEM;
    memcpy(b->sorted, b->pairs, b->npairs * sizeof *b->pairs);
    qsort(b->sorted, b->npairs, sizeof *b->sorted, s_cmp_u64);
    for (size_t i = 0; i < b->npairs; i++) /* pairs are distinct: ranks are too */
        b->rank[i] = (uint16_t)s_rank(b->sorted, b->npairs, b->pairs[i]);
    size_t(*cnt)[256] = b->cnt;
    memset(b->cnt, 0, sizeof b->cnt);
    for (size_t i = 0; i < b->n; i++) {
        uint64_t s = b->v[i].sort;
        s = (uint64_t)b->rank[s >> 48] << 48 | (s & 0xffffffffffffu);
        b->v[i].sort = s;
        for (unsigned d = 0; d < 8; d++)
            cnt[d][(s >> (8 * d)) & 0xff]++;
    }
    for (unsigned d = 0; d < 8 && b->n; d++) {
        if (cnt[d][(b->v[0].sort >> (8 * d)) & 0xff] == b->n)
            continue; /* every record has this byte */
        s_radix_pass(b->v, b->tmp_v, b->n, 8 * d, cnt[d]);
        verso_fuzzidx_rec *x = b->v;
        b->v = b->tmp_v, b->tmp_v = x;
        size_t c = b->cap;
        b->cap = b->tmp_v_cap, b->tmp_v_cap = c;
    }
    return VERSO_OK;
}

verso_err verso_fuzzidx_batch_put(verso_txn *t, verso_fuzzidx_batch *b)
{
    verso_err err = b->n ? s_batch_sort(b) : VERSO_OK;
    enum { CHUNK = 2048 };
    unsigned char k[CHUNK][S_KEY], v[CHUNK][S_VAL];
    for (size_t i = 0; i < b->n && !err; i += CHUNK) {
        size_t n = b->n - i < CHUNK ? b->n - i : CHUNK;
        for (size_t j = 0; j < n; j++) {
            uint64_t s = b->v[i + j].sort, pk = b->sorted[s >> 48];
            s_key(k[j], (uint32_t)(pk >> 32), (uint32_t)pk, (uint32_t)(s >> 16),
                  (uint32_t)(s & 0xffff));
            s_val(v[j], b->v[i + j].id, b->v[i + j].sig);
        }
        err = verso_store_put_many(t, VERSO_DB_FUZZY, k, S_KEY, v, S_VAL, n);
    }
    verso_fuzzidx_batch_clear(b);
    return err;
}

/* ---- reading one token's postings ------------------------------------------ */

static int s_add_count(void *arg, const void *key, size_t n)
{
    (void)key;
    *(size_t *)arg += n;
    return 0;
}

/* *df: the postings of tok with lengths in [lo, hi]. */
static verso_err s_df(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok, uint32_t lo,
                      uint32_t hi, size_t *df)
{
    unsigned char from[S_KEY], to[S_KEY];
    s_key(from, tm_id, pair, tok, lo);
    s_key(to, tm_id, pair, tok, hi);
    *df = 0;
    return verso_store_key_counts(t, VERSO_DB_FUZZY, from, to, S_KEY, s_add_count, df);
}

verso_err verso_fuzzidx_df(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok, size_t *df)
{
    return s_df(t, tm_id, pair, tok, 0, VERSO_FUZZIDX_MAX_LEN, df);
}

typedef struct s_each {
    int (*fn)(void *arg, uint64_t id, uint32_t len);
    void *arg;
    uint64_t sig_all;
} s_each;

static int s_each_run(void *arg, const void *key, const void *vals, size_t n)
{
    s_each *e = arg;
    const unsigned char *v = vals;
    uint32_t len = s_key_len(key);
    for (size_t i = 0; i < n; i++, v += S_VAL)
        if ((verso_be_get64(v + 8) & e->sig_all) == e->sig_all &&
            e->fn(e->arg, verso_be_get64(v), len))
            return 1;
    return 0;
}

verso_err verso_fuzzidx_each(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok,
                             uint32_t min_len, uint64_t sig_all,
                             int (*fn)(void *arg, uint64_t id, uint32_t len), void *arg)
{
    unsigned char from[S_KEY], to[S_KEY];
    s_each e = {fn, arg, sig_all};
    s_key(from, tm_id, pair, tok, s_cap(min_len));
    s_key(to, tm_id, pair, tok, VERSO_FUZZIDX_MAX_LEN);
    return verso_store_range_runs(t, VERSO_DB_FUZZY, from, to, S_KEY, S_VAL, s_each_run, &e);
}

/* ---- scratch --------------------------------------------------------------- */

void verso_fuzzidx_init(verso_fuzzidx *x, size_t max_cands)
{
    memset(x, 0, sizeof *x);
    x->max_cands = max_cands ? max_cands : VERSO_FUZZIDX_MAX_CANDS;
    if (x->max_cands > (size_t)1 << 30)
        x->max_cands = (size_t)1 << 30;
}

void verso_fuzzidx_fini(verso_fuzzidx *x)
{
    free(x->toks);
    free(x->slots);
    free(x->cands);
    free(x->cand_slot);
    size_t max = x->max_cands;
    memset(x, 0, sizeof *x);
    x->max_cands = max;
}

static size_t s_slot_of(uint64_t id, size_t nslots)
{
    return (size_t)((id * 0x9e3779b97f4a7c15u) >> 32) & (nslots - 1);
}

/* Doubles the table (or makes the first one) and re-inserts the candidates. */
static verso_err s_grow_slots(verso_fuzzidx *x)
{
    size_t n = x->nslots ? x->nslots * 2 : S_MIN_SLOT;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return VERSO_ENOMEM;
    for (size_t i = 0; i < x->ncands; i++) {
        size_t s = s_slot_of(x->cands[i].id, n);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = (uint32_t)i + 1;
        x->cand_slot[i] = (uint32_t)s;
    }
    free(x->slots);
    x->slots = slots;
    x->nslots = n;
    return VERSO_OK;
}

static verso_err s_grow_cands(verso_fuzzidx *x)
{
    size_t n = x->cands_cap ? x->cands_cap * 2 : S_MIN_SLOT / 2;
    if (n > x->max_cands)
        n = x->max_cands;
    verso_fuzzidx_cand *c = realloc(x->cands, n * sizeof *c);
    if (!c)
        return VERSO_ENOMEM;
    x->cands = c;
    uint32_t *cs = realloc(x->cand_slot, n * sizeof *cs);
    if (!cs)
        return VERSO_ENOMEM;
    x->cand_slot = cs;
    x->cands_cap = n;
    return VERSO_OK;
}

/* Adds hits to entry id (len tokens), a new candidate if need be.
 * ETOOBIG past the cap. */
static verso_err s_hit(verso_fuzzidx *x, uint64_t id, uint32_t len, uint32_t hits, uint64_t sig)
{
    size_t s = s_slot_of(id, x->nslots);
    for (; x->slots[s]; s = (s + 1) & (x->nslots - 1)) {
        verso_fuzzidx_cand *c = &x->cands[x->slots[s] - 1];
        if (c->id == id) {
            c->hits += hits;
            return VERSO_OK;
        }
    }
    if (x->ncands == x->max_cands)
        return VERSO_ETOOBIG;
    verso_err err = x->ncands == x->cands_cap ? s_grow_cands(x) : VERSO_OK;
    if (err)
        return err;
    x->cands[x->ncands] = (verso_fuzzidx_cand){id, sig, len, hits, 0};
    x->cand_slot[x->ncands] = (uint32_t)s;
    x->slots[s] = (uint32_t)++x->ncands;
    /* At most half full: probe runs stay short. */
    return x->ncands * 2 > x->nslots ? s_grow_slots(x) : VERSO_OK;
}

/* Empties the table by its used slots alone (not the whole table). */
static void s_clear_slots(verso_fuzzidx *x)
{
    for (size_t i = 0; i < x->ncands; i++)
        x->slots[x->cand_slot[i]] = 0;
}

/* ---- candidates ------------------------------------------------------------ */

/* The query's distinct tokens with their multiplicities, into x->toks. */
static verso_err s_distinct(verso_fuzzidx *x, const uint32_t *q, size_t m, size_t *nd)
{
    if (m > x->toks_cap) {
        verso_fuzzidx_tok *n = realloc(x->toks, m * sizeof *n);
        if (!n)
            return VERSO_ENOMEM;
        x->toks = n;
        x->toks_cap = m;
    }
    for (size_t i = 0; i < m; i++)
        x->toks[i] = (verso_fuzzidx_tok){q[i], 1, 0};
    qsort(x->toks, m, sizeof *x->toks, s_cmp_u32); /* id is the first member */
    size_t d = 0;
    for (size_t i = 0; i < m; i++) {
        if (d && x->toks[d - 1].id == x->toks[i].id)
            x->toks[d - 1].qcount++;
        else
            x->toks[d++] = x->toks[i];
    }
    *nd = d;
    return VERSO_OK;
}

/* Rarest first; ties by id, so equal ids stay together and the order is a
 * fixed total order on ids for the query. */
static int s_cmp_df(const void *a, const void *b)
{
    const verso_fuzzidx_tok *x = a, *y = b;
    if (x->df != y->df)
        return x->df < y->df ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

typedef struct s_probe {
    verso_fuzzidx *x;
    uint32_t qcount;
    uint64_t postings;
    verso_err err;
} s_probe;

static int s_probe_run(void *arg, const void *key, const void *vals, size_t n)
{
    s_probe *p = arg;
    const unsigned char *v = vals;
    uint32_t len = s_key_len(key);
    p->postings += n;
    for (size_t i = 0; i < n; i++, v += S_VAL)
        if ((p->err = s_hit(p->x, verso_be_get64(v), len, p->qcount, verso_be_get64(v + 8))))
            return 1;
    return 0;
}

/* Reads the postings of the first nprobe tokens within [lo, hi]. */
static verso_err s_probe_all(verso_txn *t, verso_fuzzidx *x, uint32_t tm_id, uint32_t pair,
                             size_t nprobe, uint32_t lo, uint32_t hi, verso_fuzzidx_result *out)
{
    s_probe p = {x, 0, 0, VERSO_OK};
    unsigned char from[S_KEY], to[S_KEY];
    verso_err err = x->nslots ? VERSO_OK : s_grow_slots(x);
    for (size_t i = 0; i < nprobe && !err && !p.err; i++) {
        if (!x->toks[i].df)
            continue;
        s_key(from, tm_id, pair, x->toks[i].id, lo);
        s_key(to, tm_id, pair, x->toks[i].id, hi);
        p.qcount = x->toks[i].qcount;
        err = verso_store_range_runs(t, VERSO_DB_FUZZY, from, to, S_KEY, S_VAL, s_probe_run, &p);
    }
    out->postings = p.postings;
    return err ? err : p.err;
}

/* The query positions whose token's signature bit is in sig: at least the
 * overlap of the query and a side of that signature. */
static uint32_t s_upper(const verso_fuzzidx *x, uint64_t sig)
{
    uint32_t ub = 0;
    for (uint64_t b = sig & x->qsig; b; b &= b - 1)
        ub += x->qweight[__builtin_ctzll(b)];
    return ub;
}

/* The signature bits of the query and the positions behind each. */
static void s_query_sig(verso_fuzzidx *x, const uint32_t *q, size_t m)
{
    memset(x->qweight, 0, sizeof x->qweight);
    for (size_t i = 0; i < m; i++)
        x->qweight[verso_fuzzidx_sig_bit(q[i])]++;
    x->qsig = verso_fuzzidx_sig(q, m);
}

/* Keeps the candidates whose shared tokens can reach the overlap their
 * length needs: min(hits + the query positions not probed, ub) >=
 * ceil(L s / 100), with ub the signature bound (s_upper). */
static void s_count_bound(verso_fuzzidx *x, size_t m, int min_score, size_t rest)
{
    size_t kept = 0;
    for (size_t i = 0; i < x->ncands; i++) {
        verso_fuzzidx_cand c = x->cands[i];
        size_t l = c.len > m ? c.len : m, need = verso_fuzzy_min_overlap(l, min_score);
        c.ub = s_upper(x, c.sig);
        if (c.hits + rest >= need && c.ub >= need)
            x->cands[kept++] = c;
    }
    x->ncands = kept;
}

verso_err verso_fuzzidx_candidates(verso_txn *t, verso_fuzzidx *x, uint32_t tm_id, uint32_t pair,
                                   const uint32_t *q, size_t m, int min_score,
                                   verso_fuzzidx_result *out)
{
    if (min_score < 1 || min_score > 100 || (m && !q))
        return VERSO_EINVAL;
    verso_fuzzidx_result r = {0};
    r.cands = x->cands;
    r.min_overlap = verso_fuzzy_min_overlap(m, min_score);
    verso_fuzzy_len_range(m, min_score, &r.len_lo, &r.len_hi);
    if (!m) {
        r.flags = VERSO_FUZZIDX_NO_TOKENS;
        *out = r;
        return VERSO_OK;
    }
    size_t nd = 0, need = m - r.min_overlap + 1; /* t >= 1 here: need <= m */
    /* Capped lengths: a side of more than MAX_LEN tokens is stored as MAX_LEN. */
    uint32_t lo = s_cap(r.len_lo), hi = s_cap(r.len_hi);
    s_query_sig(x, q, m);
    verso_err err = s_distinct(x, q, m, &nd);
    for (size_t i = 0; i < nd && !err; i++) /* df within the length range */
        err = s_df(t, tm_id, pair, x->toks[i].id, lo, hi, &x->toks[i].df);
    if (err)
        return err;
    qsort(x->toks, nd, sizeof *x->toks, s_cmp_df);
    while (r.probed_positions < need)
        r.probed_positions += x->toks[r.probed_tokens++].qcount;
    err = s_probe_all(t, x, tm_id, pair, r.probed_tokens, lo, hi, &r);
    r.seen = x->ncands;
    s_clear_slots(x);
    if (err == VERSO_ETOOBIG) {
        r.flags = VERSO_FUZZIDX_TOO_MANY;
        x->ncands = 0;
        err = VERSO_OK;
    }
    if (!err)
        s_count_bound(x, m, min_score, m - r.probed_positions);
    r.cands = x->cands;
    r.n = x->ncands;
    x->ncands = 0;
    if (!err)
        *out = r;
    return err;
}
