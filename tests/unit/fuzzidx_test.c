/* fuzzidx_test.c - the fuzzy retrieval index over a real store: postings
 * written and removed, length ranges over keys of several pages, TMs and
 * pairs kept apart, the candidate cap, and the no-miss property against a
 * brute-force scan of thousands of random entries. */
#include "fuzzidx.h"
#include "fuzzy.h"
#include "harness.h"
#include "varint.h"

#include <math.h>

static verso_store *s_store;
static verso_fuzzy s_f;
static verso_fuzzidx s_x;

/* ---- a small TM of token sequences ---------------------------------------- */

#define S_MAXLEN 60

typedef struct s_doc {
    uint32_t tm, pair;
    uint64_t id;
    uint32_t ids[S_MAXLEN + 8];
    size_t n;
    int live;
} s_doc;

typedef struct s_batch {
    s_doc *docs;
    size_t n;
    int del;
} s_batch;

static verso_err s_batch_job(verso_txn *t, void *arg)
{
    s_batch *b = arg;
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < b->n && !err; i++) {
        s_doc *d = &b->docs[i];
        err = b->del ? verso_fuzzidx_del(t, d->tm, d->pair, d->ids, d->n, d->id)
                     : verso_fuzzidx_put(t, d->tm, d->pair, d->ids, d->n, d->id);
    }
    return err;
}

static verso_err s_write(s_doc *docs, size_t n, int del)
{
    s_batch b = {docs, n, del};
    verso_store_job job = {s_batch_job, &b, VERSO_EINTERNAL};
    verso_err err = verso_store_write(s_store, &job, 1);
    return err ? err : job.result;
}

/* The candidates of q; *r filled, returns the error. */
static verso_err s_cands(uint32_t tm, uint32_t pair, const uint32_t *q, size_t m, int s,
                         verso_fuzzidx_result *r)
{
    verso_txn *t;
    verso_err err = verso_store_read_begin(s_store, &t);
    if (!err)
        err = verso_fuzzidx_candidates(t, &s_x, tm, pair, q, m, s, r);
    verso_store_read_end(&t);
    return err;
}

static const verso_fuzzidx_cand *s_find(const verso_fuzzidx_result *r, uint64_t id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->cands[i].id == id)
            return &r->cands[i];
    return NULL;
}

static s_doc s_mk(uint32_t tm, uint32_t pair, uint64_t id, const uint32_t *ids, size_t n)
{
    s_doc d = {tm, pair, id, {0}, n, 1};
    memcpy(d.ids, ids, n * sizeof *ids);
    return d;
}

/* ---- queued postings ------------------------------------------------------ */

/* Queues docs (TM tm instead of theirs) in one batch and puts it, several
 * puts when every is nonzero. */
typedef struct s_queued {
    s_doc *docs;
    size_t n, every;
    uint32_t tm;
} s_queued;

static verso_err s_queued_job(verso_txn *t, void *arg)
{
    s_queued *q = arg;
    verso_fuzzidx_batch b;
    verso_fuzzidx_batch_init(&b);
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < q->n && !err; i++) {
        s_doc *d = &q->docs[i];
        err = verso_fuzzidx_batch_add(&b, q->tm, d->pair, d->ids, d->n, d->id);
        if (!err && q->every && (i + 1) % q->every == 0)
            err = verso_fuzzidx_batch_put(t, &b);
    }
    err = err ? err : verso_fuzzidx_batch_put(t, &b);
    verso_fuzzidx_batch_fini(&b);
    return err;
}

/* The records of TM tm, as "pair tok len id" lines. */
typedef struct s_dump {
    uint32_t tm;
    char *out;
    size_t len, cap;
} s_dump;

static int s_dump_one(void *arg, uint32_t pair, uint32_t tok, uint64_t id, uint32_t len,
                      uint32_t sig)
{
    s_dump *d = arg;
    char line[96];
    int n = snprintf(line, sizeof line, "%08x %08x %u %llu %08x\n", pair, tok, len,
                     (unsigned long long)id, sig);
    if (d->len + (size_t)n + 1 > d->cap) {
        d->cap = (d->cap + (size_t)n + 1) * 2;
        d->out = realloc(d->out, d->cap);
    }
    memcpy(d->out + d->len, line, (size_t)n + 1);
    d->len += (size_t)n;
    return 0;
}

static char *s_dump_tm(uint32_t tm)
{
    s_dump d = {tm, NULL, 0, 0};
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_fuzzidx_walk(t, tm, s_dump_one, &d), VERSO_OK);
    verso_store_read_end(&t);
    return d.out ? d.out : calloc(1, 1);
}

/* A batch, sorted by radix passes, writes exactly what puts one at a time
 * write: many pairs out of order, ids out of order, repeated tokens, lengths
 * past the cap, and several puts of one batch. */
static void test_batch_equals_put(void)
{
    enum { N = 1500 };
    static s_doc docs[N];
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < N; i++) {
        uint32_t ids[S_MAXLEN];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 1 + (size_t)(x % S_MAXLEN);
        for (size_t j = 0; j < n; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            ids[j] = (uint32_t)(x % 300) * 0x01010101u; /* every byte varies */
        }
        uint32_t pair = (uint32_t)(x >> 40) % 7 * 0x9e3779b9u;
        docs[i] = s_mk(20, pair, (uint64_t)((i * 7919) % N) << 33 | (uint64_t)i, ids, n);
    }
    CHECK_INT(s_write(docs, N, 0), VERSO_OK); /* TM 20: one put per doc */
    for (uint32_t tm = 21; tm <= 22; tm++) {
        s_queued q = {docs, N, tm == 22 ? 97 : 0, tm};
        verso_store_job job = {s_queued_job, &q, VERSO_EINTERNAL};
        CHECK_INT(verso_store_write(s_store, &job, 1), VERSO_OK);
        CHECK_INT(job.result, VERSO_OK);
    }
    char *a = s_dump_tm(20), *b = s_dump_tm(21), *c = s_dump_tm(22);
    CHECK(strlen(a) > 1000);
    CHECK_STR(b, a);
    CHECK_STR(c, a);
    free(a), free(b), free(c);
}

/* More distinct pairs than a batch holds: ETOOBIG, and the batch is intact. */
static void test_batch_pairs_cap(void)
{
    verso_fuzzidx_batch b;
    verso_fuzzidx_batch_init(&b);
    uint32_t tok = 5;
    for (uint32_t p = 0; p < VERSO_FUZZIDX_BATCH_PAIRS; p++)
        CHECK_INT(verso_fuzzidx_batch_add(&b, 1, p, &tok, 1, p + 1), VERSO_OK);
    CHECK_INT(verso_fuzzidx_batch_add(&b, 1, VERSO_FUZZIDX_BATCH_PAIRS, &tok, 1, 1), VERSO_ETOOBIG);
    CHECK_INT(verso_fuzzidx_batch_add(&b, 1, 17, &tok, 1, 99), VERSO_OK); /* a known pair */
    CHECK_INT(b.n, VERSO_FUZZIDX_BATCH_PAIRS + 1);
    verso_fuzzidx_batch_clear(&b);
    CHECK_INT(b.n, 0);
    verso_fuzzidx_batch_fini(&b);
}

/* ---- hand-made cases ------------------------------------------------------ */

static void test_small(void)
{
    /* 1 2 3 4 5 / 1 2 3 4 9 / 1 1 1 1 / 7 8 / 1 2 3 4 5 6 7 8 9 10 11 12 */
    static const uint32_t a[] = {1, 2, 3, 4, 5}, b[] = {1, 2, 3, 4, 9}, c[] = {1, 1, 1, 1},
                          d[] = {7, 8}, e[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    s_doc docs[] = {s_mk(1, 10, 100, a, 5), s_mk(1, 10, 101, b, 5), s_mk(1, 10, 102, c, 4),
                    s_mk(1, 10, 103, d, 2), s_mk(1, 10, 104, e, 12)};
    CHECK_INT(s_write(docs, 5, 0), VERSO_OK);
    CHECK_INT(s_write(docs, 5, 0), VERSO_OK); /* again: no error, no duplicate */
    verso_fuzzidx_result r;
    /* 1 2 3 4 5 at 80: t = 4, probe 2 positions, lengths 4..6. */
    CHECK_INT(s_cands(1, 10, a, 5, 80, &r), VERSO_OK);
    CHECK_INT(r.flags, 0);
    CHECK_INT(r.min_overlap, 4);
    CHECK(r.len_lo == 4 && r.len_hi == 6);
    /* The prefix is 2 positions; so few postings, the refinement reads the
     * other three tokens too, and the hits are the overlaps. */
    CHECK(r.probed_positions == 5 && r.probed_tokens == 5);
    CHECK(s_find(&r, 100) && s_find(&r, 100)->len == 5);
    CHECK(s_find(&r, 101) != NULL);
    CHECK(s_find(&r, 103) == NULL && s_find(&r, 104) == NULL); /* lengths 2 and 12 */
    CHECK(s_find(&r, 100)->hits == 5 && s_find(&r, 101)->hits == 4);
    CHECK(s_find(&r, 102) == NULL); /* 1 1 1 1 holds neither */
    /* The query 1 1 1 1 at 75: t = 3, one distinct id covers every position. */
    CHECK_INT(s_cands(1, 10, c, 4, 75, &r), VERSO_OK);
    CHECK(r.probed_tokens == 1 && r.probed_positions == 4);
    CHECK(s_find(&r, 102) && s_find(&r, 102)->hits == 4);
    /* hits counts query positions: 1 2 3 4 5 holds one 1, its hits are 4
     * all the same (an upper bound of the overlap; the scorer decides). */
    CHECK(s_find(&r, 100) && s_find(&r, 100)->hits == 4);
    CHECK_INT(r.n, 3); /* 100, 101, 102 */
    /* No tokens, bad scores. */
    CHECK_INT(s_cands(1, 10, a, 0, 70, &r), VERSO_OK);
    CHECK(r.flags == VERSO_FUZZIDX_NO_TOKENS && r.n == 0);
    CHECK_INT(s_cands(1, 10, a, 5, 0, &r), VERSO_EINVAL);
    CHECK_INT(s_cands(1, 10, a, 5, 101, &r), VERSO_EINVAL);
    /* Delete 100 (and a posting that is not there: 105). */
    s_doc gone[] = {docs[0], s_mk(1, 10, 105, a, 5)};
    CHECK_INT(s_write(gone, 2, 1), VERSO_OK);
    CHECK_INT(s_cands(1, 10, a, 5, 50, &r), VERSO_OK);
    CHECK(s_find(&r, 100) == NULL && s_find(&r, 101) != NULL);
    CHECK_INT(s_write(docs + 1, 4, 1), VERSO_OK);
    CHECK_INT(s_cands(1, 10, a, 5, 50, &r), VERSO_OK);
    CHECK_INT(r.n, 0);
    CHECK_INT(r.postings, 0);
}

/* Step 5 (refinement): a candidate the prefix lets in is dropped once
 * further tokens are read, and a token with many postings per live
 * candidate is not read. */
static void test_refine(void)
{
    static const uint32_t q[] = {50, 51, 52, 53, 54}, near[] = {50, 60, 61, 62, 63},
                          f1[] = {51, 52, 53, 90, 91}, f2[] = {51, 52, 53, 92, 93};
    s_doc docs[204];
    docs[0] = s_mk(7, 1, 1, q, 5);
    docs[1] = s_mk(7, 1, 2, near, 5);
    docs[2] = s_mk(7, 1, 3, f1, 5);
    docs[3] = s_mk(7, 1, 4, f2, 5);
    for (uint32_t i = 0; i < 200; i++) { /* token 54: 201 postings */
        uint32_t ids[5] = {54, 1000 + 4 * i, 1001 + 4 * i, 1002 + 4 * i, 1003 + 4 * i};
        docs[4 + i] = s_mk(7, 1, 10 + i, ids, 5);
    }
    CHECK_INT(s_write(docs, 204, 0), VERSO_OK);
    verso_fuzzidx_result r;
    /* At 80: t = 4, p = 2. Rarest first: 50 (2 postings), 51, 52, 53 (3
     * each), 54 (201). The prefix 50 51 lets entry 2 in (1 hit, 3
     * positions not probed: 4). Reading 52 leaves it 1 + 2: out. 53 is
     * read; 54 is not (201 postings for 3 live candidates). */
    CHECK_INT(s_cands(7, 1, q, 5, 80, &r), VERSO_OK);
    CHECK(s_find(&r, 1) && s_find(&r, 1)->hits == 4);
    CHECK(s_find(&r, 2) == NULL);
    CHECK(r.probed_tokens == 4 && r.probed_positions == 4);
    CHECK_INT(r.postings, 11);
    CHECK_INT(r.seen, 4); /* entries the prefix met: 1 2 3 4 */
}

static void test_apart(void)
{
    static const uint32_t a[] = {5, 6, 7};
    s_doc docs[] = {s_mk(3, 1, 1, a, 3), s_mk(3, 2, 2, a, 3), s_mk(4, 1, 3, a, 3),
                    s_mk(4, 2, 4, a, 3)};
    CHECK_INT(s_write(docs, 4, 0), VERSO_OK);
    for (int i = 0; i < 4; i++) {
        verso_fuzzidx_result r;
        CHECK_INT(s_cands(docs[i].tm, docs[i].pair, a, 3, 100, &r), VERSO_OK);
        CHECK(r.n == 1 && r.cands[0].id == docs[i].id && r.cands[0].hits == 3);
    }
    verso_fuzzidx_result r;
    CHECK_INT(s_cands(5, 1, a, 3, 50, &r), VERSO_OK);
    CHECK_INT(r.n, 0);
    CHECK_INT(s_write(docs, 4, 1), VERSO_OK);
}

/* One token under thousands of entries of every length: many blocks; a
 * length range finds exactly the entries in it. Token 42's lengths are
 * scattered over the ids, so every block is read; token 77's rise with the
 * ids, so the blocks outside a range are skipped on their header. */
static void test_big_key(void)
{
    enum { N = 3000, BLOCK = 128 };
    static s_doc docs[N];
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)(i * 7919 % 60);
        uint32_t ids[S_MAXLEN];
        for (size_t j = 0; j < n; j++)
            ids[j] = j == n / 2 ? 42 : 1000 + (uint32_t)(i * 61 + j);
        docs[i] = s_mk(6, 1, (uint64_t)i + 1, ids, n);
    }
    static s_doc rising[N];
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)i * 60 / N;
        uint32_t ids[S_MAXLEN];
        for (size_t j = 0; j < n; j++)
            ids[j] = j ? 500000 + (uint32_t)(i * 61 + j) : 77;
        rising[i] = s_mk(6, 3, (uint64_t)i + 1, ids, n);
    }
    CHECK_INT(s_write(rising, N, 0), VERSO_OK);
    static const uint32_t q77[10] = {77, 77, 77, 77, 77, 77, 77, 77, 77, 77};
    CHECK_INT(s_write(docs, N, 0), VERSO_OK);
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    size_t df = 0;
    CHECK_INT(verso_fuzzidx_df(t, 6, 1, 42, &df), VERSO_OK);
    CHECK_INT(df, N);
    CHECK_INT(verso_fuzzidx_df(t, 6, 1, 43, &df), VERSO_OK);
    CHECK_INT(df, 0);
    CHECK_INT(verso_fuzzidx_df(t, 6, 2, 42, &df), VERSO_OK);
    CHECK_INT(df, 0);
    verso_store_read_end(&t);
    /* A query of 42 ten times (at 70: lengths 7..14), or once (at 100: 1). */
    static const uint32_t q[10] = {42, 42, 42, 42, 42, 42, 42, 42, 42, 42};
    verso_fuzzidx_result r;
    for (int s = 50; s <= 100; s += 10) {
        size_t lo, hi, want = 0;
        verso_fuzzy_len_range(10, s, &lo, &hi);
        for (int i = 0; i < N; i++)
            want += docs[i].n >= lo && docs[i].n <= hi;
        CHECK_INT(s_cands(6, 1, q, 10, s, &r), VERSO_OK);
        CHECK_INT(r.postings, N); /* lengths scattered: every block holds some in range */
        CHECK_INT(r.n, want);
        want = 0;
        for (int i = 0; i < N; i++)
            want += rising[i].n >= lo && rising[i].n <= hi;
        CHECK_INT(s_cands(6, 3, q77, 10, s, &r), VERSO_OK);
        CHECK_INT(r.n, want);
        CHECK(r.postings >= want && r.postings <= want + 2 * BLOCK); /* the ends' blocks */
    }
    /* Tokens no entry holds are the rarest: 1..9 cover the positions to
     * probe, and no entry can share enough with the query. */
    static const uint32_t q2[10] = {42, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_INT(s_cands(6, 1, q2, 10, 50, &r), VERSO_OK);
    CHECK(r.probed_tokens == 6 && r.postings == 0 && r.n == 0);
    CHECK_INT(s_cands(6, 1, q, 1, 100, &r), VERSO_OK);
    CHECK_INT(r.n, N / 60);
    /* The cap. */
    verso_fuzzidx small;
    verso_fuzzidx_init(&small, 10);
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_fuzzidx_candidates(t, &small, 6, 1, q, 10, 50, &r), VERSO_OK);
    CHECK(r.flags == VERSO_FUZZIDX_TOO_MANY && r.n == 0 && r.seen == 10);
    CHECK_INT(verso_fuzzidx_candidates(t, &small, 6, 1, q, 1, 100, &r), VERSO_OK);
    CHECK(r.flags == VERSO_FUZZIDX_TOO_MANY); /* 50 entries of length 1 */
    verso_store_read_end(&t);
    verso_fuzzidx_fini(&small);
    verso_fuzzidx_fini(&small);
    CHECK_INT(s_write(docs, N, 1), VERSO_OK);
    CHECK_INT(s_cands(6, 1, q, 10, 50, &r), VERSO_OK);
    CHECK_INT(r.postings, 0);
}

/* ---- no miss, against brute force ------------------------------------------ */

static uint64_t s_rng = 0x9e3779b97f4a7c15u;

static uint64_t s_next(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

/* Zipf(1) over [0, k): a table of cumulative weights. */
typedef struct s_zipf {
    double *cdf;
    size_t k;
} s_zipf;

static void s_zipf_init(s_zipf *z, size_t k)
{
    z->cdf = malloc(k * sizeof *z->cdf);
    z->k = k;
    double sum = 0;
    for (size_t i = 0; i < k; i++)
        z->cdf[i] = sum += 1.0 / (double)(i + 1);
}

static uint32_t s_zipf_draw(const s_zipf *z)
{
    double u = (double)(s_next() >> 11) / 9007199254740992.0 * z->cdf[z->k - 1];
    size_t lo = 0, hi = z->k - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (z->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)lo * 2654435761u + 17; /* spread the ids */
}

/* A query: an edited copy of a stored sequence, or a fresh one. */
static size_t s_query(const s_zipf *z, const s_doc *docs, size_t nd, uint32_t *q)
{
    size_t m;
    if (s_next() % 3) {
        const s_doc *d = &docs[s_next() % nd];
        m = d->n;
        memcpy(q, d->ids, m * sizeof *q);
        for (int e = (int)(s_next() % 6); e > 0; e--) {
            size_t at = m ? s_next() % m : 0;
            switch (s_next() % 3) {
            case 0: q[at] = s_zipf_draw(z); break;
            case 1:
                if (m < S_MAXLEN + 4) {
                    memmove(q + at + 1, q + at, (m - at) * sizeof *q);
                    q[at] = s_zipf_draw(z);
                    m++;
                }
                break;
            default:
                if (m > 1) {
                    memmove(q + at, q + at + 1, (m - at - 1) * sizeof *q);
                    m--;
                }
            }
        }
    } else {
        m = 1 + s_next() % S_MAXLEN;
        for (size_t i = 0; i < m; i++)
            q[i] = s_zipf_draw(z);
    }
    return m;
}

static const int s_scores[] = {50, 60, 70, 75, 80, 90, 95, 100};
#define S_NSCORES (sizeof s_scores / sizeof *s_scores)

/* Checks every live entry of base >= s against the candidates of q.
 * Returns the number of (query, score, entry) matches checked. */
static size_t s_check_query(const s_doc *docs, size_t nd, const uint32_t *q, size_t m,
                            uint64_t *cands_total)
{
    static int base[6000];
    static unsigned char in[6000];
    size_t checked = 0;
    for (size_t i = 0; i < nd; i++) {
        size_t ed = 0;
        base[i] = -1;
        if (docs[i].live && verso_fuzzy_ed(&s_f, q, m, docs[i].ids, docs[i].n, &ed) == VERSO_OK)
            base[i] = verso_fuzzy_base(m, docs[i].n, ed);
    }
    for (size_t s = 0; s < S_NSCORES; s++) {
        verso_fuzzidx_result r;
        CHECK_INT(s_cands(docs[0].tm, docs[0].pair, q, m, s_scores[s], &r), VERSO_OK);
        CHECK_INT(r.flags, 0);
        *cands_total += r.n;
        memset(in, 0, nd);
        size_t stray = 0;
        for (size_t i = 0; i < r.n; i++) {
            uint64_t at = r.cands[i].id - docs[0].id;
            if (at < nd && base[at] >= 0)
                in[at] = 1;
            else
                stray++; /* a deleted entry, or not one of ours */
        }
        CHECK_INT(stray, 0);
        for (size_t i = 0; i < nd; i++) {
            if (base[i] < s_scores[s])
                continue;
            checked++;
            if (!in[i]) {
                CHECK(in[i]);
                fprintf(stderr, "missed entry %zu (base %d, m %zu, n %zu) at %d\n", i, base[i], m,
                        docs[i].n, s_scores[s]);
            }
        }
    }
    return checked;
}

static void s_no_miss(uint32_t tm, size_t alphabet, size_t nd, size_t nq)
{
    s_zipf z;
    s_zipf_init(&z, alphabet);
    s_doc *docs = calloc(nd, sizeof *docs);
    for (size_t i = 0; i < nd; i++) {
        docs[i] = (s_doc){tm, 77, 1000 + i, {0}, 1 + s_next() % S_MAXLEN, 1};
        for (size_t j = 0; j < docs[i].n; j++)
            docs[i].ids[j] = s_zipf_draw(&z);
    }
    CHECK_INT(s_write(docs, nd, 0), VERSO_OK);
    uint32_t q[S_MAXLEN + 8];
    size_t checked = 0;
    uint64_t cands = 0;
    for (size_t k = 0; k < nq; k++) {
        size_t m = s_query(&z, docs, nd, q);
        checked += s_check_query(docs, nd, q, m, &cands);
    }
    /* Delete a third; the rest is still found, the deleted never. */
    s_doc *gone = calloc(nd / 3 + 1, sizeof *gone);
    size_t ng = 0;
    for (size_t i = 0; i < nd; i += 3) {
        gone[ng++] = docs[i];
        docs[i].live = 0;
    }
    CHECK_INT(s_write(gone, ng, 1), VERSO_OK);
    free(gone);
    for (size_t k = 0; k < nq / 4; k++) {
        size_t m = s_query(&z, docs, nd, q);
        checked += s_check_query(docs, nd, q, m, &cands);
    }
    fprintf(stderr,
            "  alphabet %zu: %zu entries, %zu queries x %zu scores, %zu matches checked, "
            "%.1f candidates a query\n",
            alphabet, nd, nq + nq / 4, S_NSCORES, checked,
            (double)cands / (double)((nq + nq / 4) * S_NSCORES));
    CHECK(checked > nq); /* the edited queries do match */
    free(docs);
    free(z.cdf);
}

/* ---- blocks ---------------------------------------------------------------- */

/* The ids of token tok under (tm, pair) in index order, and the token's df. */
typedef struct s_ids {
    uint32_t pair, tok;
    uint64_t v[4096];
    size_t n;
} s_ids;

static int s_ids_one(void *arg, uint32_t pair, uint32_t tok, uint64_t id, uint32_t len,
                     uint32_t sig)
{
    (void)len, (void)sig;
    s_ids *x = arg;
    if (pair == x->pair && tok == x->tok && x->n < 4096)
        x->v[x->n++] = id;
    return 0;
}

static size_t s_token_ids(uint32_t tm, uint32_t pair, uint32_t tok, s_ids *x, size_t *df)
{
    x->pair = pair, x->tok = tok, x->n = 0;
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_fuzzidx_walk(t, tm, s_ids_one, x), VERSO_OK);
    CHECK_INT(verso_fuzzidx_df(t, tm, pair, tok, df), VERSO_OK);
    verso_store_read_end(&t);
    return x->n;
}

/* The records (blocks) under (tm, pair, tok), the largest value, how many
 * carry a df, and the df of the last one (the header's second varint). */
typedef struct s_blocks {
    size_t n, max, with_df;
    uint64_t last_df;
} s_blocks;

static int s_block_one(void *arg, verso_val key, verso_val val)
{
    s_blocks *b = arg;
    const unsigned char *p = val.data, *end = p + val.len;
    uint64_t n, df;
    size_t k;
    if (key.len != 20 || val.len < 1 || !(k = verso_varint_get(p + 1, end, &n)) ||
        !verso_varint_get(p + 1 + k, end, &df))
        return 1;
    b->n++;
    b->max = val.len > b->max ? val.len : b->max;
    b->with_df += df != 0;
    b->last_df = df;
    return 0;
}

static s_blocks s_block_count(uint32_t tm, uint32_t pair, uint32_t tok)
{
    unsigned char from[20] = {0}, to[20];
    for (int i = 0; i < 4; i++) {
        from[i] = (unsigned char)(tm >> (24 - 8 * i));
        from[4 + i] = (unsigned char)(pair >> (24 - 8 * i));
        from[8 + i] = (unsigned char)(tok >> (24 - 8 * i));
    }
    memcpy(to, from, 12);
    memset(to + 12, 0xff, 8);
    s_blocks b = {0, 0};
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_store_range(t, VERSO_DB_POSTINGS, from, to, 20, s_block_one, &b), VERSO_OK);
    verso_store_read_end(&t);
    return b;
}

static verso_err s_corrupt_job(verso_txn *t, void *arg)
{
    (void)arg;
    unsigned char k[20] = {0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 5}, v[] = {1, 200, 1, 0, 0};
    return verso_store_put(t, VERSO_DB_POSTINGS, k, 20, v, sizeof v); /* 200 postings: none there */
}

/* A token's postings over many blocks: bounded blocks, deletes in the
 * middle, ids put back out of order, duplicates, everything removed, and a
 * block that does not decode. */
static void test_blocks(void)
{
    enum { N = 1000 };
    static s_doc docs[N];
    s_ids x;
    size_t df;
    for (int i = 0; i < N; i++) {
        uint32_t ids[3] = {5, 6 + (uint32_t)i % 7, 5}; /* 5 twice: one posting */
        docs[i] = s_mk(9, 1, (uint64_t)i + 1, ids, 3);
    }
    CHECK_INT(s_write(docs, N, 0), VERSO_OK);
    CHECK_INT(s_token_ids(9, 1, 5, &x, &df), N);
    CHECK_INT(df, N);
    for (size_t i = 0; i < x.n; i++)
        CHECK_INT(x.v[i], i + 1);
    s_blocks b = s_block_count(9, 1, 5);
    CHECK(b.n >= N / 128 && b.n <= N / 128 + 2);
    CHECK(b.max < 2000);                     /* a node of a 4 KiB page, never an overflow page */
    CHECK(b.with_df == 1 && b.last_df == N); /* df: in the last block only */
    CHECK_INT(s_write(docs + 200, 400, 1), VERSO_OK); /* ids 201..600 */
    CHECK_INT(s_token_ids(9, 1, 5, &x, &df), N - 400);
    CHECK_INT(df, N - 400);
    b = s_block_count(9, 1, 5);
    CHECK(b.with_df == 1 && b.last_df == N - 400);
    CHECK(x.v[199] == 200 && x.v[200] == 601);
    size_t back = 0;
    for (int i = 499; i >= 300; i -= 3, back++) /* back one at a time, highest first */
        CHECK_INT(s_write(docs + i, 1, 0), VERSO_OK);
    CHECK_INT(s_write(docs + 250, 100, 0), VERSO_OK); /* ids 251..350: some there already */
    s_ids y;
    size_t want = 0;
    for (int i = 0; i < N; i++) { /* what should be there: every id once */
        int id = i + 1;
        want += id <= 200 || id > 600 || (id >= 251 && id <= 350) ||
                (i >= 300 && i <= 499 && (499 - i) % 3 == 0);
    }
    CHECK_INT(s_token_ids(9, 1, 5, &y, &df), want);
    CHECK_INT(df, want);
    b = s_block_count(9, 1, 5);
    CHECK(b.with_df == 1 && b.last_df == want);
    for (size_t i = 1; i < y.n; i++)
        CHECK(y.v[i] > y.v[i - 1]);
    uint32_t q[3] = {5, 6, 5};
    verso_fuzzidx_result r;
    CHECK_INT(s_cands(9, 1, q, 3, 100, &r), VERSO_OK);
    CHECK(r.n > 0);
    for (size_t i = 0; i < r.n; i++)
        CHECK((r.cands[i].id - 1) % 7 == 0); /* entry i holds 6 when i % 7 == 0 */
    CHECK_INT(s_write(docs, N, 1), VERSO_OK);
    CHECK_INT(s_token_ids(9, 1, 5, &x, &df), 0);
    CHECK_INT(df, 0);
    CHECK_INT(s_block_count(9, 1, 5).n, 0);
    CHECK_INT(s_block_count(9, 1, 6).n, 0);
    verso_store_job job = {s_corrupt_job, NULL, VERSO_EINTERNAL};
    CHECK_INT(verso_store_write(s_store, &job, 1), VERSO_OK);
    CHECK_INT(job.result, VERSO_OK);
    CHECK_INT(s_cands(9, 1, q, 3, 50, &r), VERSO_ESTORE);
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_fuzzidx_walk(t, 9, s_ids_one, &x), VERSO_ESTORE);
    verso_store_read_end(&t);
}

static void test_no_miss_small_alphabet(void)
{
    s_no_miss(10, 12, 3000, 300);
}

static void test_no_miss_large_alphabet(void)
{
    s_no_miss(11, 5000, 5000, 400);
}

int main(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    CHECK_INT(verso_store_open(dir, NULL, &s_store), VERSO_OK);
    if (verso_fuzzy_init(&s_f, "en") != VERSO_OK) {
        fprintf(stderr, "verso_fuzzy_init failed\n");
        return 1;
    }
    verso_fuzzidx_init(&s_x, 0);
    RUN(test_small);
    RUN(test_apart);
    RUN(test_refine);
    RUN(test_big_key);
    RUN(test_batch_equals_put);
    RUN(test_batch_pairs_cap);
    RUN(test_blocks);
    RUN(test_no_miss_small_alphabet);
    RUN(test_no_miss_large_alphabet);
    verso_fuzzidx_fini(&s_x);
    verso_fuzzy_fini(&s_f);
    verso_store_destroy(&s_store);
    t_rmtree(dir);
    return t_report();
}
