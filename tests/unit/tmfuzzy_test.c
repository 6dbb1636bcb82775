/* tmfuzzy_test.c - fuzzy matching over the TM (tmfuzzy.h): search before and
 * after posting, the base score bound and its raising, both directions of a
 * pair, TMs apart, deletes, the scan that checks the index, and the
 * candidates of concordance (every token, newest first). Entries go in
 * through tm.c, as the ops put them. */
#include <string.h>

#include "harness.h"
#include "text.h"
#include "tm.h"
#include "tmfuzzy.h"

static verso_store *s_store;
static verso_tmfuzzy s_z;

#define S(lit) ((verso_str){lit, sizeof lit - 1})

/* Runs fn(txn, arg) in one write transaction; returns its result. */
static verso_err s_write(verso_store_job_fn fn, void *arg)
{
    verso_store_job job = {fn, arg, VERSO_EINTERNAL};
    verso_err err = verso_store_write(s_store, &job, 1);
    return err ? err : job.result;
}

static verso_err s_create_job(verso_txn *t, void *arg)
{
    uint32_t id;
    return verso_tm_create(t, (verso_str){arg, strlen(arg)}, &id);
}

typedef struct s_add {
    const char *tm, *src, *tgt;
    uint64_t id;
} s_add;

static verso_err s_add_job(verso_txn *t, void *arg)
{
    s_add *a = arg;
    uint32_t tm;
    verso_tm_entry e = {0};
    verso_tm_outcome out;
    e.src_lang = S("en");
    e.tgt_lang = S("fr");
    e.src = (verso_str){a->src, strlen(a->src)};
    e.tgt = (verso_str){a->tgt, strlen(a->tgt)};
    verso_err err = verso_tm_find(t, (verso_str){a->tm, strlen(a->tm)}, &tm);
    return err ? err : verso_tm_add(t, tm, &e, VERSO_TM_KEEP_BOTH, &out, &a->id);
}

static uint64_t s_add_one(const char *tm, const char *src, const char *tgt)
{
    s_add a = {tm, src, tgt, 0};
    CHECK_INT(s_write(s_add_job, &a), VERSO_OK);
    CHECK(a.id > 0);
    return a.id;
}

static verso_err s_post_job(verso_txn *t, void *arg)
{
    bool more = true;
    verso_err err = VERSO_OK;
    while (!err && more)
        err = verso_tmfuzzy_step(t, 1000, &more);
    return err ? err : verso_tmfuzzy_upto(t, arg);
}

static verso_err s_del_job(verso_txn *t, void *arg)
{
    bool deleted = false;
    verso_err err = verso_tm_delete(t, *(uint64_t *)arg, &deleted);
    return err ? err : deleted ? VERSO_OK : VERSO_ENOTFOUND;
}

/* What a search reported, in order; `raise` sets the bound to 100 after
 * the first report. */
typedef struct s_hits {
    uint64_t id[16];
    int base[16];
    int n;
    bool raise;
} s_hits;

static int s_hit(void *arg, uint64_t id, int base)
{
    s_hits *h = arg;
    if (h->n < 16) {
        h->id[h->n] = id;
        h->base[h->n] = base;
    }
    h->n++;
    return 0;
}

typedef struct s_raise {
    s_hits *h;
    int *min;
} s_raise;

static int s_hit_raise(void *arg, uint64_t id, int base)
{
    s_raise *r = arg;
    s_hit(r->h, id, base);
    *r->min = 100;
    return 0;
}

/* Searches TM tm (its source side, or its target with target) for q at
 * min_score; the hits by id order are in *h. */
static void s_search(const char *tm, const char *q, bool target, int min_score, s_hits *h,
                     verso_tmfuzzy_stats *st)
{
    verso_buf norm;
    verso_buf_init(&norm, 1 << 20);
    CHECK_INT(verso_text_norm(q, strlen(q), &norm), VERSO_OK);
    CHECK_INT(verso_tmfuzzy_query(&s_z, norm.data, norm.len), VERSO_OK);
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    uint32_t tm_id = 0;
    CHECK_INT(verso_tm_find(t, (verso_str){tm, strlen(tm)}, &tm_id), VERSO_OK);
    uint32_t pair = target ? verso_tm_pair_key(S("fr"), S("en"), true)
                           : verso_tm_pair_key(S("en"), S("fr"), false);
    int min = min_score;
    s_raise r = {h, &min};
    memset(h->id, 0, sizeof h->id);
    h->n = 0;
    CHECK_INT(verso_tmfuzzy_search(t, &s_z, tm_id, pair, target, &min,
                                   h->raise ? s_hit_raise : s_hit, h->raise ? (void *)&r : h, st),
              VERSO_OK);
    verso_store_read_end(&t);
    verso_buf_fini(&norm);
}

static bool s_has(const s_hits *h, uint64_t id, int *base)
{
    for (int i = 0; i < h->n && i < 16; i++)
        if (h->id[i] == id) {
            if (base)
                *base = h->base[i];
            return true;
        }
    return false;
}

static uint64_t s_near, s_exact, s_far, s_other_tm;

static void test_search_before_and_after_posting(void)
{
    CHECK_INT(s_write(s_create_job, "fz"), VERSO_OK);
    CHECK_INT(s_write(s_create_job, "elsewhere"), VERSO_OK);
    s_exact = s_add_one("fz", "The committee approved the annual budget on Monday.",
                        "Le comité a approuvé le budget annuel lundi.");
    s_near = s_add_one("fz", "The committee rejected the annual budget on Monday.",
                       "Le comité a rejeté le budget annuel lundi.");
    s_far = s_add_one("fz", "Heavy rain flooded the northern valley overnight.",
                      "De fortes pluies ont inondé la vallée du nord pendant la nuit.");
    s_other_tm = s_add_one("elsewhere", "The committee approved the annual budget on Monday.",
                           "Le comité a approuvé le budget annuel lundi.");
    const char *q = "The committee approved the annual budget on Monday.";
    for (int pass = 0; pass < 2; pass++) { /* not posted yet, then posted */
        s_hits h = {0};
        verso_tmfuzzy_stats st = {0};
        s_search("fz", q, false, 70, &h, &st);
        int b_exact = 0, b_near = 0;
        CHECK(s_has(&h, s_exact, &b_exact) && b_exact == 100);
        CHECK(s_has(&h, s_near, &b_near) && b_near >= 70 && b_near < 100);
        CHECK(!s_has(&h, s_far, NULL));      /* below the bound */
        CHECK(!s_has(&h, s_other_tm, NULL)); /* another TM */
        CHECK_INT(h.n, 2);
        if (pass == 0) {
            CHECK(st.unposted_ns > 0 || st.postings == 0); /* read from token records */
            uint64_t upto = 0;
            CHECK_INT(s_write(s_post_job, &upto), VERSO_OK);
            CHECK(upto >= s_other_tm);
        } else {
            CHECK(st.postings > 0); /* found through the postings now */
        }
    }
}

static void test_bound_and_its_raising(void)
{
    s_hits h = {0};
    s_search("fz", "The committee approved the annual budget on Monday.", false, 100, &h, NULL);
    CHECK_INT(h.n, 1); /* only the exact one reaches 100 */
    CHECK(h.id[0] == s_exact);
    /* A bound raised by the callback holds later candidates to it: the
     * near match (< 100) is reported only if it comes first. */
    s_hits r = {.raise = true};
    s_search("fz", "The committee approved the annual budget on Monday.", false, 50, &r, NULL);
    CHECK(r.n >= 1 && r.n <= 2);
    if (r.n == 2)
        CHECK(r.id[0] == s_near && r.id[1] == s_exact);
    else
        CHECK(r.id[0] == s_exact);
    /* A low bound lets the far entry in only when it shares enough. */
    s_hits low = {0};
    s_search("fz", "Heavy rain flooded the southern valley overnight.", false, 60, &low, NULL);
    int b = 0;
    CHECK(s_has(&low, s_far, &b) && b >= 60 && b < 100);
    CHECK(!s_has(&low, s_exact, NULL));
}

static void test_target_direction(void)
{
    s_hits h = {0};
    s_search("fz", "Le comité a rejeté le budget annuel lundi.", true, 90, &h, NULL);
    int b = 0;
    CHECK(s_has(&h, s_near, &b) && b == 100);
    s_hits src = {0}; /* French text against the English sides: nothing */
    s_search("fz", "Le comité a rejeté le budget annuel lundi.", false, 70, &src, NULL);
    CHECK_INT(src.n, 0);
}

static void test_scan_agrees_with_index(void)
{
    const char *qs[] = {"The committee approved the budget on Monday.",
                        "Heavy rain flooded the valley overnight.", "Le comité a approuvé lundi."};
    for (size_t i = 0; i < 3; i++) {
        s_hits a = {0}, b = {0};
        s_z.scan = false;
        s_search("fz", qs[i], i == 2, 50, &a, NULL);
        s_z.scan = true;
        s_search("fz", qs[i], i == 2, 50, &b, NULL);
        s_z.scan = false;
        CHECK_INT(a.n, b.n);
        for (int k = 0; k < a.n && k < 16; k++) {
            int base = -1;
            CHECK(s_has(&b, a.id[k], &base) && base == a.base[k]);
        }
    }
}

typedef struct s_ids {
    uint64_t id[16];
    int n;
} s_ids;

static int s_contain_one(void *arg, uint64_t id)
{
    s_ids *c = arg;
    if (c->n < 16)
        c->id[c->n] = id;
    c->n++;
    return 0;
}

/* The entries of fz whose source holds every token of words. */
static s_ids s_containing(const char *words)
{
    s_ids c = {{0}, 0};
    verso_fuzzy_text ft;
    verso_fuzzy_text_init(&ft);
    CHECK_INT(verso_fuzzy_tokenize(&s_z.f, words, strlen(words), &ft), VERSO_OK);
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    uint32_t tm_id = 0;
    CHECK_INT(verso_tm_find(t, S("fz"), &tm_id), VERSO_OK);
    CHECK_INT(verso_tmfuzzy_containing(t, &s_z, tm_id, verso_tm_pair_key(S("en"), S("fr"), false),
                                       false, ft.ids, ft.n, s_contain_one, &c),
              VERSO_OK);
    verso_store_read_end(&t);
    verso_fuzzy_text_fini(&ft);
    return c;
}

static void test_containing(void)
{
    s_ids c = s_containing("committee budget");
    CHECK_INT(c.n, 2);
    CHECK(c.id[0] == s_near && c.id[1] == s_exact); /* newest first */
    c = s_containing("committee approved");
    CHECK_INT(c.n, 1);
    CHECK(c.id[0] == s_exact);
    c = s_containing("committee rain");
    CHECK_INT(c.n, 0);
    c = s_containing("");
    CHECK_INT(c.n, 0);
}

static void test_delete_unindexes(void)
{
    CHECK_INT(s_write(s_del_job, &s_near), VERSO_OK);
    s_hits h = {0};
    s_search("fz", "The committee rejected the annual budget on Monday.", false, 50, &h, NULL);
    CHECK(!s_has(&h, s_near, NULL));
    CHECK(s_has(&h, s_exact, NULL));
    s_ids c = s_containing("committee budget");
    CHECK_INT(c.n, 1);
    CHECK(c.id[0] == s_exact);
}

int main(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    CHECK_INT(verso_store_open(dir, NULL, &s_store), VERSO_OK);
    CHECK_INT(verso_tmfuzzy_init(&s_z), VERSO_OK);
    RUN(test_search_before_and_after_posting);
    RUN(test_bound_and_its_raising);
    RUN(test_target_direction);
    RUN(test_scan_agrees_with_index);
    RUN(test_containing);
    RUN(test_delete_unindexes);
    verso_tmfuzzy_fini(&s_z);
    verso_store_destroy(&s_store);
    t_rmtree(dir);
    return t_report();
}
