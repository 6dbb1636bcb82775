/*
 * lexicon.c - a bilingual word list: words of both sides in one
 * open-addressing table of 64-bit hashes, the pairs sorted into a
 * compressed row per A word when frozen.
 */
#include "lexicon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "buf.h"
#include "utf8.h"

typedef struct s_slot {
    uint64_t key; /* 0: empty */
    uint32_t id;
} s_slot;

typedef struct s_pair {
    uint32_t a, b;
} s_pair;

struct verso_lexicon {
    s_slot *slot;
    size_t nslot, nused; /* nslot a power of two */
    uint32_t nword[2];
    s_pair *pair;
    size_t npair, cappair;
    uint32_t *off; /* frozen: translations of A word a are ids[off[a] .. off[a + 1]) */
    uint32_t *ids;
    bool frozen;
};

verso_err verso_lexicon_new(verso_lexicon **out)
{
    verso_lexicon *l = calloc(1, sizeof *l);
    if (!l)
        return VERSO_ENOMEM;
    *out = l;
    return VERSO_OK;
}

void verso_lexicon_destroy(verso_lexicon **pl)
{
    verso_lexicon *l = pl ? *pl : NULL;
    if (!l)
        return;
    free(l->slot);
    free(l->pair);
    free(l->off);
    free(l->ids);
    free(l);
    *pl = NULL;
}

UChar32 verso_lexicon_fold(UChar32 c)
{
    c = u_tolower(c);
    static const char lat1[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
    if (c >= 0xE0 && c <= 0xFF && c != 0xF7)
        return (UChar32)lat1[c - 0xE0];
    return c;
}

/* FNV-1a, 64 bits, over the code points of one side's word; never 0. */
static uint64_t s_key(int side, const UChar32 *w, size_t n)
{
    uint64_t h = side ? 0x84222325cbf29ce4ull : 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)w[i];
        for (int k = 0; k < 4; k++) {
            h ^= (c >> (8 * k)) & 0xFF;
            h *= 0x100000001b3ull;
        }
    }
    return h ? h : 1;
}

static s_slot *s_probe(const verso_lexicon *l, uint64_t key)
{
    size_t mask = l->nslot - 1, i = (size_t)(key ^ (key >> 29)) & mask;
    while (l->slot[i].key && l->slot[i].key != key)
        i = (i + 1) & mask;
    return &l->slot[i];
}

static bool s_rehash(verso_lexicon *l)
{
    size_t n = l->nslot ? 2 * l->nslot : 1024;
    s_slot *old = l->slot;
    size_t nold = l->nslot;
    l->slot = calloc(n, sizeof *l->slot);
    if (!l->slot) {
        l->slot = old;
        return false;
    }
    l->nslot = n;
    for (size_t i = 0; i < nold; i++)
        if (old[i].key)
            *s_probe(l, old[i].key) = old[i];
    free(old);
    return true;
}

/* The id of a word, a new one when it is not listed yet. */
static verso_err s_intern(verso_lexicon *l, int side, const UChar32 *w, size_t n, uint32_t *id)
{
    if (2 * (l->nused + 1) > l->nslot && !s_rehash(l))
        return VERSO_ENOMEM;
    uint64_t key = s_key(side, w, n);
    s_slot *s = s_probe(l, key);
    if (!s->key) {
        if (l->nword[side] == VERSO_LEX_NONE - 1)
            return VERSO_ENOMEM;
        *s = (s_slot){key, l->nword[side]++};
        l->nused++;
    }
    *id = s->id;
    return VERSO_OK;
}

/* Decodes and folds a word of valid UTF-8; false unless it is 1..MAXWORD
 * code points without white space. */
static bool s_word(const char *p, size_t n, UChar32 *w, size_t *nw)
{
    if (!n)
        return false;
    size_t i = 0, k = 0;
    while (i < n) {
        UChar32 c;
        U8_NEXT(p, i, n, c);
        if (c < 0 || u_isUWhiteSpace(c) || k == VERSO_LEX_MAXWORD)
            return false;
        w[k++] = verso_lexicon_fold(c);
    }
    *nw = k;
    return true;
}

verso_err verso_lexicon_add(verso_lexicon *l, const char *a, size_t na, const char *b, size_t nb)
{
    if (!l || !a || !b || l->frozen)
        return VERSO_EINVAL;
    if (!verso_utf8_valid(a, na, NULL) || !verso_utf8_valid(b, nb, NULL))
        return VERSO_EBADUTF8;
    UChar32 wa[VERSO_LEX_MAXWORD], wb[VERSO_LEX_MAXWORD];
    size_t ka, kb;
    if (!s_word(a, na, wa, &ka) || !s_word(b, nb, wb, &kb))
        return VERSO_EINVAL;
    if (verso_array_grow(&l->pair, &l->cappair, l->npair + 1, sizeof *l->pair))
        return VERSO_ENOMEM;
    s_pair p;
    verso_err e = s_intern(l, 0, wa, ka, &p.a);
    if (!e)
        e = s_intern(l, 1, wb, kb, &p.b);
    if (e)
        return e;
    l->pair[l->npair++] = p;
    return VERSO_OK;
}

/* One line of a word-list file, without its newline: 1 added, 0 a
 * comment or blank, -1 malformed. */
static int s_line(verso_lexicon *l, char *s, size_t n, verso_err *e)
{
    if (n && s[n - 1] == '\r')
        s[--n] = '\0';
    if (!n || s[0] == '#')
        return 0;
    char *tab = memchr(s, '\t', n);
    if (!tab || memchr(tab + 1, '\t', n - (size_t)(tab + 1 - s)))
        return -1;
    verso_err r = verso_lexicon_add(l, s, (size_t)(tab - s), tab + 1, n - (size_t)(tab + 1 - s));
    if (r == VERSO_ENOMEM)
        *e = r;
    return r ? -1 : 1;
}

verso_err verso_lexicon_load(verso_lexicon *l, const char *path, size_t *added, size_t *skipped)
{
    if (!l || !path || l->frozen)
        return VERSO_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f)
        return VERSO_EIO;
    char buf[1024];
    size_t nadd = 0, nskip = 0;
    verso_err e = VERSO_OK;
    while (!e && fgets(buf, sizeof buf, f)) {
        size_t n = strlen(buf);
        if (n == sizeof buf - 1 && buf[n - 1] != '\n') { /* too long: skip the rest */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            nskip++;
            continue;
        }
        if (n && buf[n - 1] == '\n')
            buf[--n] = '\0';
        if (memchr(buf, '\0', n)) {
            nskip++;
            continue;
        }
        int r = s_line(l, buf, n, &e);
        nadd += r > 0;
        nskip += r < 0;
    }
    if (!e && ferror(f))
        e = VERSO_EIO;
    fclose(f);
    if (added)
        *added = nadd;
    if (skipped)
        *skipped = nskip;
    return e ? e : verso_lexicon_freeze(l);
}

static int s_cmp_pair(const void *x, const void *y)
{
    const s_pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

verso_err verso_lexicon_freeze(verso_lexicon *l)
{
    if (!l)
        return VERSO_EINVAL;
    if (l->frozen)
        return VERSO_OK;
    uint32_t *off = calloc((size_t)l->nword[0] + 1, sizeof *off);
    uint32_t *ids = malloc((l->npair ? l->npair : 1) * sizeof *ids);
    if (!off || !ids) {
        free(off);
        free(ids);
        return VERSO_ENOMEM;
    }
    if (l->npair)
        qsort(l->pair, l->npair, sizeof *l->pair, s_cmp_pair);
    size_t n = 0;
    for (size_t k = 0; k < l->npair; k++) {
        if (n && l->pair[n - 1].a == l->pair[k].a && l->pair[n - 1].b == l->pair[k].b)
            continue;
        l->pair[n++] = l->pair[k];
    }
    for (size_t k = 0; k < n; k++) {
        ids[k] = l->pair[k].b;
        off[l->pair[k].a + 1]++;
    }
    for (uint32_t a = 0; a < l->nword[0]; a++)
        off[a + 1] += off[a];
    free(l->pair);
    l->pair = NULL;
    l->npair = n;
    l->cappair = 0;
    l->off = off;
    l->ids = ids;
    l->frozen = true;
    return VERSO_OK;
}

size_t verso_lexicon_size(const verso_lexicon *l)
{
    return l ? l->npair : 0;
}

uint32_t verso_lexicon_words(const verso_lexicon *l, int side)
{
    return l && (side == 0 || side == 1) ? l->nword[side] : 0;
}

static uint32_t s_find(const verso_lexicon *l, int side, const UChar32 *w, size_t n)
{
    if (!l->nslot)
        return VERSO_LEX_NONE;
    const s_slot *s = s_probe(l, s_key(side, w, n));
    return s->key ? s->id : VERSO_LEX_NONE;
}

uint32_t verso_lexicon_find(const verso_lexicon *l, int side, const UChar32 *w, size_t n,
                            bool strip)
{
    if (!l || !w || !n || n > VERSO_LEX_MAXWORD || (side != 0 && side != 1))
        return VERSO_LEX_NONE;
    uint32_t id = s_find(l, side, w, n);
    for (size_t cut = 1; strip && id == VERSO_LEX_NONE && cut <= 3 && n - cut >= 4; cut++)
        id = s_find(l, side, w, n - cut);
    return id;
}

size_t verso_lexicon_translations(const verso_lexicon *l, uint32_t a, const uint32_t **ids)
{
    if (!l || !l->frozen || a >= l->nword[0]) {
        *ids = NULL;
        return 0;
    }
    *ids = l->ids + l->off[a];
    return l->off[a + 1] - l->off[a];
}
