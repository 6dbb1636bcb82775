/*
 * cooc.c - word links from co-occurrence: the pairs' keys kept per side,
 * mapped to dense word ids when learning, word-pair counts in one
 * open-addressing table, Dunning's G2 per pair, mutual best partners
 * linked. No text, no I/O: the caller's keys in, link ids out.
 */
#include "cooc.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

typedef struct s_ref {
    uint64_t key;
    uint32_t pos; /* index into keys[side] */
} s_ref;

typedef struct s_count {
    uint64_t pair; /* (x id << 32 | y id) + 1; 0: empty slot */
    uint32_t n;
} s_count;

typedef struct s_best {
    float g2;
    uint32_t other; /* the best partner's id, VERSO_COOC_NONE for none */
} s_best;

typedef struct s_link {
    uint64_t key;
    uint32_t id;
} s_link;

typedef struct s_cside {
    uint64_t *keys; /* every pair's keys, sorted and distinct within a pair */
    size_t nkeys, capkeys;
    size_t *off; /* pair p: keys[off[p] .. off[p + 1]) */
    size_t capoff;
    uint32_t *ids; /* word id of each key */
    size_t capids;
    uint32_t *df; /* pairs holding each word */
    size_t capdf, nwords;
    uint64_t *word; /* key of each word id, increasing */
    size_t capword;
    s_best *best;
    size_t capbest;
    s_link *link; /* sorted by key */
    size_t nlink, caplink;
} s_cside;

struct verso_cooc {
    s_cside side[2];
    size_t npairs;
    s_ref *ref, *reftmp;
    size_t capref, capreftmp;
    s_count *tab;
    size_t ntab, nused; /* ntab a power of two, or 0 */
    bool learned;
};

verso_err verso_cooc_new(verso_cooc **out)
{
    verso_cooc *c = calloc(1, sizeof *c);
    if (!c)
        return VERSO_ENOMEM;
    *out = c;
    return VERSO_OK;
}

void verso_cooc_destroy(verso_cooc **pc)
{
    verso_cooc *c = pc ? *pc : NULL;
    if (!c)
        return;
    for (int s = 0; s < 2; s++) {
        s_cside *sd = &c->side[s];
        free(sd->keys);
        free(sd->off);
        free(sd->ids);
        free(sd->df);
        free(sd->word);
        free(sd->best);
        free(sd->link);
    }
    free(c->ref);
    free(c->reftmp);
    free(c->tab);
    free(c);
    *pc = NULL;
}

void verso_cooc_reset(verso_cooc *c)
{
    for (int s = 0; s < 2; s++) {
        c->side[s].nkeys = 0;
        c->side[s].nwords = 0;
        c->side[s].nlink = 0;
    }
    c->npairs = 0;
    c->learned = false;
}

size_t verso_cooc_pairs(const verso_cooc *c)
{
    return c->npairs;
}

static int s_cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Appends the distinct keys of k[0..n) (at most VERSO_COOC_MAX_SET). */
static verso_err s_side_add(s_cside *sd, size_t pair, const uint64_t *k, size_t n)
{
    n = n < VERSO_COOC_MAX_SET ? n : VERSO_COOC_MAX_SET;
    if (verso_array_grow(&sd->keys, &sd->capkeys, sd->nkeys + n, sizeof *sd->keys) ||
        verso_array_grow(&sd->off, &sd->capoff, pair + 2, sizeof *sd->off))
        return VERSO_ENOMEM;
    uint64_t *v = n ? sd->keys + sd->nkeys : NULL; /* keys is NULL until the first key */
    if (n) {
        memcpy(v, k, n * sizeof *k);
        qsort(v, n, sizeof *v, s_cmp_u64);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || v[i] != v[m - 1])
            v[m++] = v[i];
    sd->off[pair] = sd->nkeys;
    sd->nkeys += m;
    sd->off[pair + 1] = sd->nkeys;
    return VERSO_OK;
}

verso_err verso_cooc_add(verso_cooc *c, const uint64_t *xs, size_t nx, const uint64_t *ys,
                         size_t ny)
{
    if (c->learned || (nx && !xs) || (ny && !ys))
        return VERSO_EINVAL;
    size_t k0 = c->side[0].nkeys;
    verso_err e = s_side_add(&c->side[0], c->npairs, xs, nx);
    if (!e)
        e = s_side_add(&c->side[1], c->npairs, ys, ny);
    if (e) {
        c->side[0].nkeys = k0;
        return e;
    }
    c->npairs++;
    return VERSO_OK;
}

/* Sorts c->ref[0..n) by key: an LSD radix sort, eight byte passes. */
static void s_sort_refs(verso_cooc *c, size_t n)
{
    s_ref *v = c->ref, *tmp = c->reftmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t k = 0; k < n; k++)
            count[((v[k].key >> shift) & 255) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t k = 0; k < n; k++)
            tmp[count[(v[k].key >> shift) & 255]++] = v[k];
        s_ref *t = v;
        v = tmp;
        tmp = t;
    }
    /* Eight passes: the sorted keys are back in c->ref. */
}

/* Gives every key of side s its word id, and every word its key and the
 * number of pairs holding it. */
static verso_err s_side_words(verso_cooc *c, s_cside *sd)
{
    size_t n = sd->nkeys;
    if (verso_array_grow(&c->ref, &c->capref, n + 1, sizeof *c->ref) ||
        verso_array_grow(&c->reftmp, &c->capreftmp, n + 1, sizeof *c->reftmp) ||
        verso_array_grow(&sd->ids, &sd->capids, n + 1, sizeof *sd->ids) ||
        verso_array_grow(&sd->df, &sd->capdf, n + 1, sizeof *sd->df) ||
        verso_array_grow(&sd->word, &sd->capword, n + 1, sizeof *sd->word))
        return VERSO_ENOMEM;
    for (size_t k = 0; k < n; k++)
        c->ref[k] = (s_ref){sd->keys[k], (uint32_t)k};
    s_sort_refs(c, n);
    sd->nwords = 0;
    for (size_t k = 0; k < n; k++) {
        if (!k || c->ref[k].key != c->ref[k - 1].key) {
            sd->word[sd->nwords] = c->ref[k].key;
            sd->df[sd->nwords++] = 0;
        }
        sd->ids[c->ref[k].pos] = (uint32_t)(sd->nwords - 1);
        sd->df[sd->nwords - 1]++;
    }
    return VERSO_OK;
}

static size_t s_hash(uint64_t x, size_t mask)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & mask;
}

/* Doubles the count table (or makes its first 64 Ki slots). */
static verso_err s_tab_grow(verso_cooc *c)
{
    size_t n = c->ntab ? 2 * c->ntab : 65536;
    s_count *t = calloc(n, sizeof *t);
    if (!t)
        return VERSO_ENOMEM;
    for (size_t k = 0; k < c->ntab; k++) {
        if (!c->tab[k].pair)
            continue;
        size_t h = s_hash(c->tab[k].pair, n - 1);
        while (t[h].pair)
            h = (h + 1) & (n - 1);
        t[h] = c->tab[k];
    }
    free(c->tab);
    c->tab = t;
    c->ntab = n;
    return VERSO_OK;
}

static verso_err s_tab_inc(verso_cooc *c, uint32_t x, uint32_t y)
{
    if (2 * (c->nused + 1) > c->ntab && s_tab_grow(c))
        return VERSO_ENOMEM;
    uint64_t key = ((uint64_t)x << 32 | y) + 1;
    size_t h = s_hash(key, c->ntab - 1);
    while (c->tab[h].pair && c->tab[h].pair != key)
        h = (h + 1) & (c->ntab - 1);
    if (!c->tab[h].pair) {
        c->tab[h].pair = key;
        c->nused++;
    }
    c->tab[h].n++;
    return VERSO_OK;
}

static bool s_countable(const s_cside *sd, uint32_t id)
{
    return sd->df[id] >= 2 && sd->df[id] <= VERSO_COOC_MAX_DF;
}

/* Counts every pair of countable words (2 <= df <= VERSO_COOC_MAX_DF). */
static verso_err s_count_pairs(verso_cooc *c)
{
    const s_cside *x = &c->side[0], *y = &c->side[1];
    if (c->ntab)
        memset(c->tab, 0, c->ntab * sizeof *c->tab);
    c->nused = 0;
    for (size_t p = 0; p < c->npairs; p++)
        for (size_t i = x->off[p]; i < x->off[p + 1]; i++) {
            if (!s_countable(x, x->ids[i]))
                continue;
            for (size_t j = y->off[p]; j < y->off[p + 1]; j++)
                if (s_countable(y, y->ids[j]) && s_tab_inc(c, x->ids[i], y->ids[j]))
                    return VERSO_ENOMEM;
        }
    return VERSO_OK;
}

static double s_xlogx(double k, double n, double row, double col)
{
    return k > 0 ? k * log(k * n / (row * col)) : 0;
}

/* Dunning's G2 of k11 joint occurrences of words occurring k1 and k2
 * times in n pairs; 0 unless they co-occur more than chance. */
static double s_g2(double k11, double k1, double k2, double n)
{
    if (k11 * n <= k1 * k2)
        return 0;
    double k12 = k1 - k11, k21 = k2 - k11, k22 = n - k1 - k2 + k11;
    return 2 * (s_xlogx(k11, n, k1, k2) + s_xlogx(k12, n, k1, n - k2) +
                s_xlogx(k21, n, n - k1, k2) + s_xlogx(k22, n, n - k1, n - k2));
}

/* Every word's best partner by G2, among pairs seen at least twice. */
static verso_err s_best_partners(verso_cooc *c)
{
    for (int s = 0; s < 2; s++) {
        s_cside *sd = &c->side[s];
        if (verso_array_grow(&sd->best, &sd->capbest, sd->nwords + 1, sizeof *sd->best))
            return VERSO_ENOMEM;
        for (size_t w = 0; w < sd->nwords; w++)
            sd->best[w] = (s_best){0, VERSO_COOC_NONE};
    }
    s_cside *x = &c->side[0], *y = &c->side[1];
    for (size_t k = 0; k < c->ntab; k++) {
        if (!c->tab[k].pair || c->tab[k].n < 2)
            continue;
        uint32_t ix = (uint32_t)((c->tab[k].pair - 1) >> 32), iy = (uint32_t)(c->tab[k].pair - 1);
        float g = (float)s_g2(c->tab[k].n, x->df[ix], y->df[iy], (double)c->npairs);
        if (g > x->best[ix].g2)
            x->best[ix] = (s_best){g, iy};
        if (g > y->best[iy].g2)
            y->best[iy] = (s_best){g, ix};
    }
    return VERSO_OK;
}

static int s_cmp_link(const void *p, const void *q)
{
    const s_link *a = p, *b = q;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* Links the mutual best partners scoring at least VERSO_COOC_MIN_G2. */
static verso_err s_link_words(verso_cooc *c, size_t *nlinks)
{
    s_cside *x = &c->side[0], *y = &c->side[1];
    size_t n = 0;
    for (size_t ix = 0; ix < x->nwords; ix++) {
        uint32_t iy = x->best[ix].other;
        if (iy == VERSO_COOC_NONE || y->best[iy].other != ix || x->best[ix].g2 < VERSO_COOC_MIN_G2)
            continue;
        if (verso_array_grow(&x->link, &x->caplink, n + 1, sizeof *x->link) ||
            verso_array_grow(&y->link, &y->caplink, n + 1, sizeof *y->link))
            return VERSO_ENOMEM;
        x->link[n] = (s_link){x->word[ix], (uint32_t)n};
        y->link[n] = (s_link){y->word[iy], (uint32_t)n};
        n++;
    }
    x->nlink = y->nlink = n;
    /* x->link is in word order, which is key order; y->link is not. */
    if (n)
        qsort(y->link, n, sizeof *y->link, s_cmp_link);
    *nlinks = n;
    return VERSO_OK;
}

verso_err verso_cooc_learn(verso_cooc *c, size_t *nlinks)
{
    if (c->learned)
        return VERSO_EINVAL;
    verso_err e = s_side_words(c, &c->side[0]);
    if (!e)
        e = s_side_words(c, &c->side[1]);
    if (!e)
        e = s_count_pairs(c);
    if (!e)
        e = s_best_partners(c);
    size_t n = 0;
    if (!e)
        e = s_link_words(c, &n);
    if (e)
        return e;
    c->learned = true;
    *nlinks = n;
    return VERSO_OK;
}

uint32_t verso_cooc_link(const verso_cooc *c, int side, uint64_t k)
{
    const s_cside *sd = &c->side[side ? 1 : 0];
    size_t n = c->learned ? sd->nlink : 0, lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sd->link[mid].key < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sd->link[lo].key == k ? sd->link[lo].id : VERSO_COOC_NONE;
}
