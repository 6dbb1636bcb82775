/*
 * cooc_test.c - word links from co-occurrence: words that keep occurring
 * in the same pairs are linked, chance pairs, frequent words and words
 * seen once are not.
 */
#include <stdlib.h>

#include "cooc.h"
#include "harness.h"

/* Keys: source words are 100 + k, target words 200 + k. */
static void t_add(verso_cooc *c, const uint64_t *x, size_t nx, const uint64_t *y, size_t ny)
{
    CHECK_INT(verso_cooc_add(c, x, nx, y, ny), VERSO_OK);
}

/* 40 pairs: word 101 always with 201 (5 times), 102 with 202 (3 times,
 * repeated within a pair), 103 with 203 only once, the function word 100
 * with 200 in every pair; filler words to make the counts meaningful. */
static void t_fill(verso_cooc *c)
{
    for (uint64_t p = 0; p < 40; p++) {
        uint64_t x[5] = {100, 1000 + p, 0, 0, 0}, y[5] = {200, 2000 + p, 0, 0, 0};
        size_t nx = 2, ny = 2;
        if (p % 8 == 0) /* 5 times */
            x[nx++] = 101, y[ny++] = 201;
        if (p == 3 || p == 17 || p == 29) {
            x[nx++] = 102, x[nx++] = 102;
            y[ny++] = 202;
        }
        if (p == 5)
            x[nx++] = 103, y[ny++] = 203;
        t_add(c, x, nx, y, ny);
    }
}

static void test_links(void)
{
    verso_cooc *c = NULL;
    CHECK_INT(verso_cooc_new(&c), VERSO_OK);
    t_fill(c);
    CHECK_INT(verso_cooc_pairs(c), 40);
    size_t n = 99;
    CHECK_INT(verso_cooc_learn(c, &n), VERSO_OK);
    CHECK_INT(n, 2);
    uint32_t l1 = verso_cooc_link(c, 0, 101), l2 = verso_cooc_link(c, 0, 102);
    CHECK(l1 < 2 && l2 < 2 && l1 != l2);
    CHECK_INT(verso_cooc_link(c, 1, 201), l1);
    CHECK_INT(verso_cooc_link(c, 1, 202), l2);
    /* Seen once: no evidence. In every pair: a function word. */
    CHECK_INT(verso_cooc_link(c, 0, 103), VERSO_COOC_NONE);
    CHECK_INT(verso_cooc_link(c, 0, 100), VERSO_COOC_NONE);
    CHECK_INT(verso_cooc_link(c, 1, 200), VERSO_COOC_NONE);
    /* Keys are per side: a target key looked up as a source one. */
    CHECK_INT(verso_cooc_link(c, 0, 201), VERSO_COOC_NONE);
    /* Learned: no more adds until reset. */
    uint64_t k = 1;
    CHECK_INT(verso_cooc_add(c, &k, 1, &k, 1), VERSO_EINVAL);
    CHECK_INT(verso_cooc_learn(c, &n), VERSO_EINVAL);
    verso_cooc_reset(c);
    CHECK_INT(verso_cooc_pairs(c), 0);
    CHECK_INT(verso_cooc_link(c, 0, 101), VERSO_COOC_NONE);
    verso_cooc_destroy(&c);
    verso_cooc_destroy(&c);
    CHECK(c == NULL);
}

/* Two source words competing for one target word: only the better one
 * (co-occurring every time, not half the time) gets the link. */
static void test_mutual_best(void)
{
    verso_cooc *c = NULL;
    CHECK_INT(verso_cooc_new(&c), VERSO_OK);
    for (uint64_t p = 0; p < 60; p++) {
        uint64_t x[4] = {1000 + p, 0, 0, 0}, y[3] = {2000 + p, 0, 0};
        size_t nx = 1, ny = 1;
        if (p % 6 == 0)
            x[nx++] = 101, y[ny++] = 201;
        if (p % 12 == 0 || p % 12 == 1)
            x[nx++] = 102;
        t_add(c, x, nx, y, ny);
    }
    size_t n = 0;
    CHECK_INT(verso_cooc_learn(c, &n), VERSO_OK);
    CHECK_INT(n, 1);
    CHECK_INT(verso_cooc_link(c, 0, 101), verso_cooc_link(c, 1, 201));
    CHECK_INT(verso_cooc_link(c, 0, 102), VERSO_COOC_NONE);
    verso_cooc_destroy(&c);
}

/* Nothing added, empty sides, NULL with a count: no links, no crash. */
static void test_edges(void)
{
    verso_cooc *c = NULL;
    CHECK_INT(verso_cooc_new(&c), VERSO_OK);
    size_t n = 9;
    CHECK_INT(verso_cooc_learn(c, &n), VERSO_OK);
    CHECK_INT(n, 0);
    verso_cooc_reset(c);
    CHECK_INT(verso_cooc_add(c, NULL, 0, NULL, 0), VERSO_OK);
    CHECK_INT(verso_cooc_add(c, NULL, 3, NULL, 0), VERSO_EINVAL);
    CHECK_INT(verso_cooc_pairs(c), 1);
    /* More keys than a pair keeps: the rest are ignored, not overrun. */
    uint64_t *big = malloc((VERSO_COOC_MAX_SET + 10) * sizeof *big);
    CHECK(big != NULL);
    if (big) {
        for (size_t k = 0; k < VERSO_COOC_MAX_SET + 10; k++)
            big[k] = k + 1;
        CHECK_INT(verso_cooc_add(c, big, VERSO_COOC_MAX_SET + 10, big, 1), VERSO_OK);
        CHECK_INT(verso_cooc_add(c, big, VERSO_COOC_MAX_SET + 10, big, 1), VERSO_OK);
        free(big);
    }
    CHECK_INT(verso_cooc_learn(c, &n), VERSO_OK);
    CHECK(n <= 1);
    verso_cooc_destroy(&c);
}

int main(void)
{
    RUN(test_links);
    RUN(test_mutual_best);
    RUN(test_edges);
    return t_report();
}
