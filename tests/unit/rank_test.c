/* rank_test.c - a lookup's ranking (rank.c): penalty scores, the order of
 * matches and its tie-breaks, the best-K list, context and reversed exact
 * matches, match kinds, the pruning bounds, and number substitution (on
 * hand-made differences and on those fuzzy.c finds). */
#include <stdint.h>

#include "fuzzy.h"
#include "harness.h"
#include "rank.h"
#include "text.h"

/* ---- helpers ---------------------------------------------------------------- */

static verso_str s_str(const char *s)
{
    return (verso_str){s, strlen(s)};
}

/* A hit of entry id with a score and the fields that break ties. */
static verso_rank_hit s_hit(uint64_t id, int score, int64_t changed, uint64_t usage)
{
    verso_rank_hit h = {.score = score, .base = score};
    h.e.id = id;
    h.e.changed = changed;
    h.e.usage = usage;
    return h;
}

/* The ids a list holds, best first, as "3,1,2". */
static const char *s_ids(const verso_rank_list *l)
{
    static char out[512];
    size_t w = 0;
    out[0] = '\0';
    for (int i = 0; i < l->n && w + 24 < sizeof out; i++)
        w += (size_t)snprintf(out + w, sizeof out - w, "%s%llu", i ? "," : "",
                              (unsigned long long)l->v[i].e.id);
    return out;
}

/* ---- scores and order ------------------------------------------------------- */

static void test_score(void)
{
    CHECK_INT(verso_rank_score(0), 100);
    CHECK_INT(verso_rank_score(VERSO_TEXT_CASE), 99);
    CHECK_INT(verso_rank_score(VERSO_TEXT_TAGS), 99);
    CHECK_INT(verso_rank_score(VERSO_TEXT_PUNCT), 98);
    CHECK_INT(verso_rank_score(VERSO_TEXT_NUMBERS), 97);
    CHECK_INT(verso_rank_score(VERSO_TEXT_CASE | VERSO_TEXT_PUNCT), 97);
    unsigned all = VERSO_TEXT_CASE | VERSO_TEXT_TAGS | VERSO_TEXT_PUNCT | VERSO_TEXT_NUMBERS;
    CHECK_INT(verso_rank_score(all), 100 - VERSO_RANK_MAX_PENALTY);
    size_t n = 0;
    const verso_rank_penalty *p = verso_rank_penalties(&n);
    CHECK_INT(n, 4);
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i].points;
    CHECK_INT(sum, VERSO_RANK_MAX_PENALTY);
    CHECK_STR(p[0].name, "case");
    CHECK_STR(p[2].name, "punctuation");
    CHECK_INT(p[3].bit, VERSO_TEXT_NUMBERS);
}

static void test_cmp(void)
{
    verso_rank_hit a = s_hit(5, 90, 100, 1), b = s_hit(1, 89, 900, 9);
    CHECK(verso_rank_cmp(&a, &b) < 0); /* the score first */
    CHECK(verso_rank_cmp(&b, &a) > 0);
    b = s_hit(1, 90, 99, 9);
    CHECK(verso_rank_cmp(&a, &b) < 0); /* then the later change */
    b = s_hit(1, 90, 100, 2);
    CHECK(verso_rank_cmp(&a, &b) > 0); /* then the higher usage */
    b = s_hit(9, 90, 100, 1);
    CHECK(verso_rank_cmp(&a, &b) < 0); /* then the lower id */
    CHECK(verso_rank_cmp(&b, &a) > 0);
    CHECK_INT(verso_rank_cmp(&a, &a), 0);
    /* A change long ago and one far in the future do not overflow the order. */
    a = s_hit(1, 90, INT64_MIN + 1, 0);
    b = s_hit(2, 90, INT64_MAX, 0);
    CHECK(verso_rank_cmp(&b, &a) < 0);
}

/* Every order of offering gives the same list, best first, cut at max. */
static void test_list_order(void)
{
    verso_rank_hit h[6] = {s_hit(1, 80, 10, 0), s_hit(2, 95, 10, 0), s_hit(3, 80, 20, 0),
                           s_hit(4, 80, 10, 5), s_hit(5, 60, 99, 9), s_hit(6, 80, 10, 0)};
    static const int orders[4][6] = {
        {0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 5, 0, 4, 1, 3}, {4, 3, 5, 1, 0, 2}};
    verso_rank_list *l = malloc(sizeof *l);
    for (int o = 0; o < 4; o++) {
        verso_rank_list_reset(l, 10, 0, 0, 0);
        for (int i = 0; i < 6; i++)
            verso_rank_list_keep(l, &h[orders[o][i]]);
        CHECK_STR(s_ids(l), "2,3,4,1,6,5");
        verso_rank_list_reset(l, 3, 0, 0, 0); /* the best 3 only */
        for (int i = 0; i < 6; i++)
            verso_rank_list_keep(l, &h[orders[o][i]]);
        CHECK_STR(s_ids(l), "2,3,4");
        verso_rank_list_reset(l, 10, 70, 0, 0); /* none below min_score */
        for (int i = 0; i < 6; i++)
            verso_rank_list_keep(l, &h[orders[o][i]]);
        CHECK_STR(s_ids(l), "2,3,4,1,6");
    }
    CHECK(verso_rank_list_has(l, 6, false));
    CHECK(!verso_rank_list_has(l, 6, true)); /* the other direction is another match */
    CHECK(!verso_rank_list_has(l, 5, false));
    verso_rank_list_reset(l, 1, 0, 0, 0); /* a tie with the one held does not replace it */
    verso_rank_hit x = s_hit(7, 80, 10, 0), y = s_hit(7, 80, 10, 0);
    y.fuzzy = true;
    verso_rank_list_keep(l, &x);
    verso_rank_list_keep(l, &y);
    CHECK_INT(l->n, 1);
    CHECK(!l->v[0].fuzzy);
    free(l);
}

/* ---- exact, in-context, reversed and fuzzy matches --------------------------- */

static verso_tm_entry s_entry(uint64_t id, const char *src, const char *tgt, uint64_t ph,
                              uint64_t nh)
{
    verso_tm_entry e = {0};
    e.id = id;
    e.src_lang = s_str("en");
    e.tgt_lang = s_str("fr");
    e.src = s_str(src);
    e.tgt = s_str(tgt);
    e.src_tags = s_str("S");
    e.tgt_tags = s_str("T");
    e.prev_hash = ph;
    e.next_hash = nh;
    return e;
}

static void test_offer(void)
{
    verso_rank_list *l = malloc(sizeof *l);
    verso_rank_list_reset(l, 5, 0, 11, 22); /* the query's neighbours hash to 11 and 22 */
    verso_tm_hit plain = {s_entry(1, "A cat.", "Un chat.", 0, 0), false, 0};
    verso_tm_hit ctx = {s_entry(2, "A cat.", "Le chat.", 11, 22), false, 0};
    verso_tm_hit half = {s_entry(3, "A cat.", "Chat.", 11, 23), false, 0};
    verso_tm_hit near = {s_entry(4, "a cat", "un chat", 11, 22), false,
                         VERSO_TEXT_CASE | VERSO_TEXT_PUNCT};
    verso_tm_hit rev = {s_entry(5, "Un chat.", "A cat.", 11, 22), true, 0};
    CHECK_INT(verso_rank_list_offer(l, &near), 0);
    CHECK_INT(verso_rank_list_offer(l, &rev), 0);
    CHECK_INT(verso_rank_list_offer(l, &half), 0);
    CHECK_INT(verso_rank_list_offer(l, &plain), 0);
    CHECK_INT(verso_rank_list_offer(l, &ctx), 0);
    /* In context first (101); the exact ones by id (no other tie-break); near last. */
    CHECK_STR(s_ids(l), "2,1,3,5,4");
    CHECK_INT(l->v[0].score, VERSO_RANK_CONTEXT);
    CHECK_STR(verso_rank_kind(&l->v[0]), "context");
    CHECK_INT(l->v[1].score, 100);
    CHECK_STR(verso_rank_kind(&l->v[1]), "exact");
    CHECK_INT(l->v[4].score, 97);
    CHECK_INT(l->v[4].base, 100);
    CHECK_STR(verso_rank_kind(&l->v[4]), "near");
    /* Found on its target: turned round, and never in context. */
    const verso_rank_hit *r = &l->v[3];
    CHECK(r->reversed);
    CHECK_INT(r->score, 100);
    CHECK(r->e.src.n == 6 && !memcmp(r->e.src.p, "A cat.", 6));
    CHECK(r->e.tgt.n == 8 && !memcmp(r->e.tgt.p, "Un chat.", 8));
    CHECK(r->e.src_lang.n == 2 && !memcmp(r->e.src_lang.p, "fr", 2));
    CHECK(r->e.src_tags.p[0] == 'T' && r->e.tgt_tags.p[0] == 'S');
    CHECK(r->e.prev_hash == 0 && r->e.next_hash == 0);
    CHECK(verso_rank_list_has(l, 5, true));
    CHECK(!verso_rank_list_has(l, 5, false));
    free(l);
}

/* Fuzzy: ranked on the final score; same words (base 100) are near-exact. */
static void test_offer_fuzzy(void)
{
    verso_rank_list *l = malloc(sizeof *l);
    verso_tm_entry fe = s_entry(6, "A dog.", "Un chien.", 0, 0);
    verso_fuzzy_match m80 = {80, 81, VERSO_TEXT_CASE, 1, NULL, 0};
    verso_fuzzy_match m100 = {98, 100, VERSO_TEXT_PUNCT, 0, NULL, 0};
    verso_rank_list_reset(l, 5, 0, 0, 0);
    verso_rank_list_offer_fuzzy(l, &fe, false, &m80);
    fe.id = 7;
    verso_rank_list_offer_fuzzy(l, &fe, true, &m100);
    CHECK_STR(s_ids(l), "7,6");
    CHECK_STR(verso_rank_kind(&l->v[0]), "near");
    CHECK_STR(verso_rank_kind(&l->v[1]), "fuzzy");
    CHECK_INT(l->v[1].score, 80);
    CHECK_INT(l->v[1].base, 81);
    CHECK(l->v[0].reversed && l->v[0].e.src.p[0] == 'U');
    free(l);
}

/* ---- bounds ------------------------------------------------------------------ */

static void test_bounds(void)
{
    verso_rank_bounds b;
    verso_rank_bounds_reset(&b, 3);
    verso_rank_bounds_add(&b, 50);
    verso_rank_bounds_add(&b, 90);
    CHECK_INT(verso_rank_floor(&b), 0); /* fewer than k known: nothing can be pruned */
    verso_rank_bounds_add(&b, 70);
    CHECK_INT(verso_rank_floor(&b), 50);
    verso_rank_bounds_add(&b, 40); /* below the k-th: no change */
    CHECK_INT(verso_rank_floor(&b), 50);
    verso_rank_bounds_add(&b, 80);
    CHECK_INT(verso_rank_floor(&b), 70);
    verso_rank_bounds_add(&b, 95);
    CHECK_INT(verso_rank_floor(&b), 80);
    CHECK_INT(b.lb[0], 95);
    verso_rank_bounds_reset(&b, 1);
    CHECK_INT(verso_rank_floor(&b), 0);
    verso_rank_bounds_add(&b, 33);
    CHECK_INT(verso_rank_floor(&b), 33);
}

/* ---- number substitution ------------------------------------------------------ */

static verso_buf s_out;

/* Substitutes with hand-made hunks; returns the new target or NULL. */
static const char *s_sub(const verso_fuzzy_hunk *h, size_t nh, size_t ed, const char *qn,
                         const char *cn, const char *tgt)
{
    static char res[512];
    verso_fuzzy_match m = {97, 100, VERSO_TEXT_NUMBERS, ed, h, nh};
    if (!verso_rank_substitute(&m, qn, cn, s_str(tgt), &s_out))
        return NULL;
    snprintf(res, sizeof res, "%.*s", (int)s_out.len, s_out.data ? s_out.data : "");
    return res;
}

#define NUM(qs, qe, cs, ce)                                                                        \
    {                                                                                              \
        (qs), (qe), (cs), (ce), VERSO_TEXT_NUMBERS                                                 \
    }

static void test_substitute(void)
{
    /* Decimal marks written the other way in the target. */
    const char *q = "the price is 12.75 dollars", *c = "the price is 10.5 dollars";
    verso_fuzzy_hunk h1[] = {NUM(13, 18, 13, 17)};
    CHECK_STR(s_sub(h1, 1, 0, q, c, "Le prix est de 10,5 dollars"), "Le prix est de 12,75 dollars");
    CHECK_STR(s_sub(h1, 1, 0, q, c, "Price: 10.5 USD"), "Price: 12.75 USD");
    /* Two numbers; a TM number written twice in the target is replaced twice. */
    q = "chapter 13 on page 341";
    c = "chapter 12 on page 340";
    verso_fuzzy_hunk h2[] = {NUM(8, 10, 8, 10), NUM(19, 22, 19, 22)};
    CHECK_STR(s_sub(h2, 2, 0, q, c, "Chapitre 12, page 340 (12)"), "Chapitre 13, page 341 (13)");
    /* Numbers of the target that the TM source does not differ in stay. */
    CHECK_STR(s_sub(h2, 2, 0, q, c, "7 x 12 = 340 + 4"), "7 x 13 = 341 + 4");
    /* A number inside a longer one is not that number: 340 never placed. */
    CHECK(s_sub(h2, 2, 0, q, c, "Chapitre 12, page 3400") == NULL);
    /* A TM number missing from the target. */
    CHECK(s_sub(h2, 2, 0, q, c, "Chapitre 12") == NULL);
    /* The same TM number standing for two query numbers. */
    q = "3 and 4";
    c = "3 and 3";
    verso_fuzzy_hunk h3[] = {NUM(0, 1, 0, 1), NUM(6, 7, 6, 7)};
    CHECK(s_sub(h3, 2, 0, q, c, "3 et 3") == NULL);
    /* ... but for the same query number it is fine. */
    q = "4 and 4";
    CHECK_STR(s_sub(h3, 2, 0, q, c, "3 et 3"), "4 et 4");
    /* More than numbers differ: words (edit distance), or a hunk of another kind. */
    q = "the price is 12.75 dollars";
    c = "the price is 10.5 dollars";
    CHECK(s_sub(h1, 1, 1, q, c, "Le prix est de 10,5 dollars") == NULL);
    verso_fuzzy_hunk hc[] = {NUM(13, 18, 13, 17), {0, 3, 0, 3, VERSO_TEXT_CASE}};
    CHECK(s_sub(hc, 2, 0, q, c, "Le prix est de 10,5 dollars") == NULL);
    CHECK(s_sub(h1, 0, 0, q, c, "Le prix") == NULL); /* nothing to substitute */
}

/* Substitution on the differences fuzzy.c finds, as a lookup gets them. */
static void test_substitute_fuzzy(void)
{
    verso_fuzzy f;
    verso_fuzzy_text tq, tc;
    verso_buf nq, nc;
    verso_fuzzy_text_init(&tq);
    verso_fuzzy_text_init(&tc);
    verso_buf_init(&nq, 1 << 20);
    verso_buf_init(&nc, 1 << 20);
    CHECK_INT(verso_fuzzy_init(&f, "en"), VERSO_OK);
    static const struct {
        const char *q, *c, *tgt, *want; /* want NULL: no substitution */
    } cases[] = {
        {"The price is 12.75 dollars for 3 items.", "The price is 10.5 dollars for 3 items.",
         "Le prix est de 10,5 dollars pour 3 articles.",
         "Le prix est de 12,75 dollars pour 3 articles."},
        {"Chapter 13 begins on page 341.", "Chapter 12 begins on page 340.",
         "Le chapitre 12 commence à la page 340.", "Le chapitre 13 commence à la page 341."},
        {"Open 3 files.", "Open 2 windows.", "Ouvrez 2 fenêtres.", NULL},
        {"Open 3 files.", "Open 2 files.", "Ouvrez des fichiers.", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        verso_fuzzy_match m;
        CHECK_INT(verso_text_norm(cases[i].q, strlen(cases[i].q), &nq), VERSO_OK);
        CHECK_INT(verso_text_norm(cases[i].c, strlen(cases[i].c), &nc), VERSO_OK);
        CHECK_INT(verso_fuzzy_tokenize(&f, nq.data, nq.len, &tq), VERSO_OK);
        CHECK_INT(verso_fuzzy_tokenize(&f, nc.data, nc.len, &tc), VERSO_OK);
        CHECK_INT(verso_fuzzy_compare(&f, &tq, &tc, &m), VERSO_OK);
        bool ok = verso_rank_substitute(&m, nq.data, nc.data, s_str(cases[i].tgt), &s_out);
        CHECK(ok == (cases[i].want != NULL));
        if (ok && cases[i].want)
            CHECK(s_out.len == strlen(cases[i].want) &&
                  !memcmp(s_out.data, cases[i].want, s_out.len));
    }
    verso_fuzzy_fini(&f);
    verso_fuzzy_text_fini(&tq);
    verso_fuzzy_text_fini(&tc);
    verso_buf_fini(&nq);
    verso_buf_fini(&nc);
}

int main(void)
{
    verso_buf_init(&s_out, 1 << 20);
    RUN(test_score);
    RUN(test_cmp);
    RUN(test_list_order);
    RUN(test_offer);
    RUN(test_offer_fuzzy);
    RUN(test_bounds);
    RUN(test_substitute);
    RUN(test_substitute_fuzzy);
    verso_buf_fini(&s_out);
    return t_report();
}
