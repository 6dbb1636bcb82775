/*
 * align.c - the sentence aligner: per-sentence features (length in
 * graphemes, anchor hashes), then a banded monotone dynamic programme over
 * eight bead types and a back-trace (docs/ALIGNMENT.md). Pure computation:
 * no I/O, no server state; the scratch space lives in the verso_aligner and
 * only grows, so a call allocates nothing per DP cell.
 */
#include "align.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "buf.h"
#include "cooc.h"

/* The bead types, in back-pointer order (index + 1 is stored; 0 = none). */
static const uint8_t s_bead_di[8] = {1, 0, 1, 1, 2, 2, 1, 3};
static const uint8_t s_bead_dj[8] = {0, 1, 1, 2, 1, 2, 3, 1};
/* -log prior of each type (Gale & Church 1993 frequencies: 1-1 0.89,
 * 1-0/0-1 0.0099, 2-1/1-2 0.089, 2-2 0.011, split between the two
 * directions; 1-3/3-1 as rare as a deletion). */
static const float s_bead_prior[8] = {5.3f, 5.3f, 0.12f, 3.1f, 3.1f, 4.5f, 5.3f, 5.3f};
#define NBEAD 8
/* The order of evaluation: the likely bead first gives the bound its bite. */
static const uint8_t s_bead_order[8] = {2, 3, 4, 0, 1, 5, 6, 7};

#define S_INF        1e30f
#define S_PARA_COST  4.0f         /* a bead crossing a paragraph break on one side only */
#define S_PARA_START 2.5f         /* a bead starting a paragraph on one side only */
#define S_GAP_EXT    1.0f         /* prior of a 1-0 (0-1) bead right after another, */
                                  /* whose length cost is capped at the opening prior */
#define S_UNMATCHED   0.25f       /* per unit of anchor weight left unmatched */
#define S_MATCHED     1.0f        /* per unit of anchor weight matched */
#define S_SCORE_MID   3.0f        /* bead cost at which the confidence is 0.5 */
#define S_BAND_SQRT   8.0         /* first band: max(50, 8 sqrt(n)) cells either side */
#define S_BAND_PATH   25          /* second band: cells either side of the first path */
#define S_BEAM        150.0f      /* cells this much worse than their row's best are dropped */
#define S_MAX_CELLS   450000000u  /* cells of one DP's band; back-pointers of its computed cells */
#define S_LEX_WEIGHT  1.0f        /* kind weight of a lexicon feature */
#define S_LEX_MINW    (1.0f / 64) /* lexicon features weighing less are dropped */
#define S_HAN_WORD    6           /* longest run of CJK characters looked up */
#define S_STEM        5           /* letters of a word that make its learning key */
#define S_LEARN_CONF  0.5         /* beads of pass 1 this sure teach the word links */
#define S_LINK_WEIGHT 3.0f        /* kind weight of a learned link: as sure as a number */
#define S_LINK_SEED   0x9E3779B9u /* hash seed of link features (not lexicon ids) */

/* Anchor kinds, in the low three bits of a feature hash. A lexicon
 * feature is the id of a word of the lexicon's B side: the word itself on
 * that side, a translation of the word on the A side. A link feature is
 * the id of a word link learned from the first pass (cooc.h), on both
 * sides. */
enum { F_NUM = 0, F_TOKEN = 1, F_PUNCT = 2, F_COGNATE = 3, F_LEX = 4, F_LINK = 5 };
#define F_KIND 7u
static const float s_kind_weight[8] = {3.0f, 2.0f, 1.0f, 1.0f, S_LEX_WEIGHT, S_LINK_WEIGHT, 0, 0};

typedef struct s_feat {
    uint32_t h;
    float w;
} s_feat;

/* One side of the pair, prepared. */
typedef struct s_side {
    size_t n;
    double *len;  /* prefix sums of grapheme counts, n + 1 */
    float *fw;    /* total anchor weight of each sentence */
    float *fm;    /* the part of fw found on the other side too */
    double *pfm;  /* prefix sums of fm, n + 1 */
    size_t *foff; /* features of sentence i: feat[foff[i] .. foff[i + 1]) */
    s_feat *feat;
    size_t nfeat, capfeat;
    uint32_t *para; /* paragraph of each sentence */
    bool paras;     /* more than one paragraph */
    uint64_t *keys; /* learning keys of sentence i: keys[koff[i] .. koff[i + 1]) */
    size_t *koff;
    size_t nkeys, capkeys;
} s_side;

/* The back-pointers of DP row i: columns [from, end] at bp[off ..). */
typedef struct s_bprow {
    size_t off;
    long from, end;
} s_bprow;

struct verso_aligner {
    s_side side[2];
    uint8_t *bp; /* back-pointers of the computed cells, row after row */
    size_t capbp, nbp;
    s_bprow *bprow; /* where each DP row's back-pointers are */
    size_t capbprow;
    float *cost; /* 4 rolling DP rows of each gap state */
    float *m;    /* 4 rolling rows of pairwise anchor overlap */
    size_t caprow;
    uint32_t *tmp; /* feature scratch of one sentence */
    size_t captmp;
    uint64_t *ktmp; /* learning-key scratch of one sentence */
    size_t capktmp;
    uint64_t *kpair; /* the target keys of a known translation */
    size_t capkpair;
    verso_cooc *cooc; /* word links learned from pass 1 */
    uint64_t *all;    /* sort keys of both sides' features, then scratch */
    size_t capall;
    uint64_t *seen; /* bit per lexicon B word found in the document */
    size_t capseen;
    float *nullc; /* cost of each sentence alone: source ones, then target ones */
    size_t capnullc;
    verso_align_bead *beads;
    size_t capbeads;
    long *band; /* lo and hi of each DP row */
    size_t capband;
    float lentab[2001]; /* -log(erfc(x / sqrt 2)) at x = k / 100 */
};

verso_err verso_aligner_new(verso_aligner **out)
{
    verso_aligner *a = calloc(1, sizeof *a);
    if (!a)
        return VERSO_ENOMEM;
    for (int k = 0; k <= 2000; k++)
        a->lentab[k] = (float)-log(erfc((double)k / 100.0 / sqrt(2.0)));
    *out = a;
    return VERSO_OK;
}

static void s_side_fini(s_side *s)
{
    free(s->len);
    free(s->fw);
    free(s->fm);
    free(s->pfm);
    free(s->foff);
    free(s->feat);
    free(s->para);
    free(s->keys);
    free(s->koff);
    memset(s, 0, sizeof *s);
}

void verso_aligner_destroy(verso_aligner **pa)
{
    verso_aligner *a = pa ? *pa : NULL;
    if (!a)
        return;
    s_side_fini(&a->side[0]);
    s_side_fini(&a->side[1]);
    free(a->bp);
    free(a->bprow);
    free(a->cost);
    free(a->m);
    free(a->tmp);
    free(a->ktmp);
    free(a->kpair);
    verso_cooc_destroy(&a->cooc);
    free(a->all);
    free(a->seen);
    free(a->nullc);
    free(a->beads);
    free(a->band);
    free(a);
    *pa = NULL;
}

/* ---- text features ---------------------------------------------------- */

/* Next code point of s[*i .. n); an invalid byte counts as U+FFFD. */
static UChar32 s_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char b = u[*i];
    if (b < 0x80) {
        (*i)++;
        return (UChar32)b;
    }
    int k = b < 0x80 ? 0 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : -1;
    if (k < 0 || *i + (size_t)k >= n) {
        (*i)++;
        return b < 0x80 ? (UChar32)b : 0xFFFD;
    }
    UChar32 c = b & (0x3F >> k);
    for (int j = 1; j <= k; j++) {
        if ((u[*i + (size_t)j] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        c = (c << 6) | (u[*i + (size_t)j] & 0x3F);
    }
    *i += (size_t)k + 1;
    return c;
}

static bool s_is_cjk(UChar32 c)
{
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &st);
    return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA ||
           sc == USCRIPT_HANGUL;
}

/* Punctuation class 1.. of a code point, 0 for none: the signature marks. */
static int s_punct_class(UChar32 c)
{
    switch (c) {
    case '?':
    case 0xFF1F: return 1;
    case '!':
    case 0xFF01: return 2;
    case ':':
    case 0xFF1A: return 3;
    case ';':
    case 0xFF1B: return 4;
    case '"':
    case 0xAB:
    case 0xBB:
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x300C:
    case 0x300D:
    case 0x300E:
    case 0x300F: return 5;
    case '(':
    case ')':
    case '[':
    case ']':
    case 0xFF08:
    case 0xFF09:
    case 0x3010:
    case 0x3011: return 6;
    default: return 0;
    }
}

/* FNV-1a over bytes, continued from h. */
static uint32_t s_fnv(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static uint32_t s_hash_kind(uint32_t h, int kind)
{
    return (h & ~F_KIND) | (uint32_t)kind;
}

/* What a side's scan needs: cognates or not, and the lexicon with the
 * side's role in it (0: words are looked up on the A side and yield their
 * translations; 1: words are looked up on the B side and yield
 * themselves). */
typedef struct s_scanopt {
    bool cognates;
    const verso_lexicon *lex;
    int role;
    uint64_t *seen; /* bit per B word: found on the B side (set by role 1, read by role 0) */
} s_scanopt;

typedef struct s_tok {
    uint32_t exact, num, prefix; /* running hashes */
    int letters, digits, graphs;
    bool upper;
    UChar32 w[VERSO_LEX_MAXWORD]; /* folded letters, for the lexicon */
    size_t nw;
} s_tok;

static bool s_push(verso_aligner *a, size_t *nt, uint32_t h)
{
    if (verso_array_grow(&a->tmp, &a->captmp, *nt + 1, sizeof *a->tmp))
        return false;
    a->tmp[(*nt)++] = h;
    return true;
}

/* 64-bit FNV-1a over bytes, continued from h: learning keys. */
static uint64_t s_fnv64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#define S_KEY_WORD 14695981039346656037ull /* seeds: a word's first letters, */
#define S_KEY_CJK  0x84222325CBF29CE4ull   /* a CJK character or pair */

static bool s_key_push(verso_aligner *a, size_t *nk, uint64_t k)
{
    if (verso_array_grow(&a->ktmp, &a->capktmp, *nk + 1, sizeof *a->ktmp))
        return false;
    a->ktmp[(*nk)++] = k;
    return true;
}

/* Emits the lexicon features of word w[0..n): its translations' ids on
 * the A side, its own id on the B side. */
static bool s_lex_emit(verso_aligner *a, size_t *nt, const s_scanopt *o, const UChar32 *w, size_t n,
                       bool strip)
{
    uint32_t id = verso_lexicon_find(o->lex, o->role, w, n, strip);
    if (id == VERSO_LEX_NONE)
        return true;
    const uint32_t *ids = &id;
    size_t k = 1;
    if (o->role)
        o->seen[id / 64] |= 1ull << (id % 64);
    else
        k = verso_lexicon_translations(o->lex, id, &ids);
    for (size_t x = 0; x < k; x++) {
        /* Translations absent from the other side would match nothing. */
        if (!o->role && !(o->seen[ids[x] / 64] >> (ids[x] % 64) & 1))
            continue;
        if (!s_push(a, nt, s_hash_kind(s_fnv(2166136261u, &ids[x], sizeof ids[x]), F_LEX)))
            return false;
    }
    return true;
}

/* Emits the features of a finished token into a->tmp, its learning key
 * (a word's first S_STEM folded letters) into a->ktmp. */
static bool s_tok_emit(verso_aligner *a, size_t *nt, size_t *nk, const s_tok *t, const s_scanopt *o)
{
    size_t stem = t->nw < S_STEM ? t->nw : S_STEM;
    if (!t->digits && t->nw == (size_t)t->letters && t->nw >= 2 &&
        !s_key_push(a, nk, s_fnv64(S_KEY_WORD, t->w, stem * sizeof *t->w)))
        return false;
    if (t->digits && !t->letters && !s_push(a, nt, s_hash_kind(t->num, F_NUM)))
        return false;
    if (((t->digits && t->letters) || (t->upper && t->graphs >= 2)) &&
        !s_push(a, nt, s_hash_kind(t->exact, F_TOKEN)))
        return false;
    if (o->cognates && !t->digits && t->letters >= 5 &&
        !s_push(a, nt, s_hash_kind(t->prefix, F_COGNATE)))
        return false;
    if (o->lex && !t->digits && t->nw == (size_t)t->letters && t->nw >= 2)
        return s_lex_emit(a, nt, o, t->w, t->nw, true);
    return true;
}

/* Emits the lexicon features of the words ending at the last of the
 * window's CJK characters han[0..n) (oldest first): every run of 1 to
 * S_HAN_WORD characters is looked up, as these scripts have no spaces. */
static bool s_han_emit(verso_aligner *a, size_t *nt, const s_scanopt *o, const UChar32 *han,
                       size_t n)
{
    for (size_t len = 1; len <= n; len++)
        if (!s_lex_emit(a, nt, o, han + n - len, len, false))
            return false;
    return true;
}

static int s_cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static int s_cmp_feat(const void *x, const void *y)
{
    return s_cmp_u32(&((const s_feat *)x)->h, &((const s_feat *)y)->h);
}

/* Adds code point c (a letter or digit) to token t. */
static void s_tok_add(s_tok *t, UChar32 c, const char *p, size_t n)
{
    if (u_isdigit(c)) {
        char d = (char)('0' + u_charDigitValue(c));
        t->num = s_fnv(t->num, &d, 1);
        t->digits++;
    } else {
        if (!t->letters && !t->digits)
            t->upper = u_isupper(c) || u_istitle(c);
        t->letters++;
        UChar32 f = verso_lexicon_fold(c);
        if (t->letters <= 4)
            t->prefix = s_fnv(t->prefix, &f, sizeof f);
        if (t->nw < VERSO_LEX_MAXWORD)
            t->w[t->nw++] = f;
    }
    t->exact = s_fnv(t->exact, p, n);
    t->graphs++;
}

/* The sorted multiset of a->tmp[0..nt) made a set: the k-th copy of a
 * feature gets its own hash. */
static void s_distinct(verso_aligner *a, size_t nt)
{
    if (!nt) /* tmp is NULL until a text has features */
        return;
    qsort(a->tmp, nt, sizeof *a->tmp, s_cmp_u32);
    uint32_t prev = 0;
    for (size_t k = 0, run = 0; k < nt; k++) {
        uint32_t h = a->tmp[k];
        run = (k && h == prev) ? run + 1 : 0;
        prev = h;
        if (run)
            a->tmp[k] = s_hash_kind(s_fnv(a->tmp[k], &run, sizeof run), (int)(a->tmp[k] & F_KIND));
    }
    qsort(a->tmp, nt, sizeof *a->tmp, s_cmp_u32);
}

/* Pushes the learning keys of CJK character c: itself, and the pair with
 * prev (0 when c starts a run). */
static bool s_cjk_keys(verso_aligner *a, size_t *nk, UChar32 prev, UChar32 c)
{
    UChar32 two[2] = {prev, c};
    return s_key_push(a, nk, s_fnv64(S_KEY_CJK, &c, sizeof c)) &&
           (!prev || s_key_push(a, nk, s_fnv64(S_KEY_CJK, two, sizeof two)));
}

/* Scans one sentence: its grapheme count, raw anchor hashes (in a->tmp,
 * count in *nt) and learning keys (in a->ktmp, count in *nk). Numbers
 * keep digits only ("9.42" = "9,42" = "942"). */
static bool s_scan(verso_aligner *a, const verso_align_seg *sg, const s_scanopt *o, double *len,
                   size_t *nt, size_t *nk)
{
    s_tok t = {2166136261u, 2166136261u, 2166136261u, 0, 0, 0, false, {0}, 0};
    const s_tok fresh = t;
    UChar32 han[S_HAN_WORD], prev = 0;
    size_t nhan = 0, i = 0, n = sg->n;
    *nt = *nk = 0;
    *len = 0;
    while (i < n) {
        size_t at = i;
        UChar32 c = s_next(sg->p, n, &i);
        bool sep = (c == '.' || c == ',' || c == '\'' || c == 0x2019) && t.digits && !t.letters &&
                   i < n && sg->p[i] >= '0' && sg->p[i] <= '9';
        if (!u_isUWhiteSpace(c) && u_getCombiningClass(c) == 0)
            *len += 1;
        if (sep)
            continue;
        bool cjk = c >= 0x2E80 && s_is_cjk(c);
        if (!cjk && (u_isalpha(c) || u_isdigit(c))) {
            s_tok_add(&t, c, sg->p + at, i - at);
            nhan = 0;
            prev = 0;
            continue;
        }
        if (t.graphs && !s_tok_emit(a, nt, nk, &t, o))
            return false;
        t = fresh;
        if (cjk && !s_cjk_keys(a, nk, prev, c))
            return false;
        prev = cjk ? c : 0;
        if (cjk && o->lex) {
            if (nhan == S_HAN_WORD)
                memmove(han, han + 1, --nhan * sizeof *han);
            han[nhan++] = c;
            if (!s_han_emit(a, nt, o, han, nhan))
                return false;
        } else {
            nhan = 0;
        }
        int pc = s_punct_class(c);
        if (pc && !s_push(a, nt, s_hash_kind(s_fnv(2166136261u, &pc, sizeof pc), F_PUNCT)))
            return false;
    }
    if (t.graphs && !s_tok_emit(a, nt, nk, &t, o))
        return false;
    s_distinct(a, *nt);
    return true;
}

/* Prepares one side: prefix lengths, per-sentence sorted features. */
static verso_err s_side_prepare(verso_aligner *a, s_side *sd, const verso_align_seg *seg, size_t n,
                                const s_scanopt *o)
{
    free(sd->len);
    free(sd->fw);
    free(sd->fm);
    free(sd->pfm);
    sd->pfm = malloc((n + 1) * sizeof *sd->pfm);
    free(sd->foff);
    free(sd->para);
    sd->fm = malloc((n + 1) * sizeof *sd->fm);
    sd->len = malloc((n + 1) * sizeof *sd->len);
    sd->fw = malloc((n + 1) * sizeof *sd->fw);
    sd->foff = malloc((n + 1) * sizeof *sd->foff);
    sd->para = malloc((n + 1) * sizeof *sd->para);
    free(sd->koff);
    sd->koff = malloc((n + 1) * sizeof *sd->koff);
    if (!sd->len || !sd->fw || !sd->fm || !sd->pfm || !sd->foff || !sd->para || !sd->koff)
        return VERSO_ENOMEM;
    sd->n = n;
    sd->nfeat = sd->nkeys = 0;
    sd->len[0] = 0;
    sd->paras = false;
    for (size_t i = 0; i < n; i++) {
        double l;
        size_t nt, nk;
        if (!s_scan(a, &seg[i], o, &l, &nt, &nk) ||
            verso_array_grow(&sd->keys, &sd->capkeys, sd->nkeys + nk + 1, sizeof *sd->keys))
            return VERSO_ENOMEM;
        sd->koff[i] = sd->nkeys;
        if (nk)
            memcpy(sd->keys + sd->nkeys, a->ktmp, nk * sizeof *a->ktmp);
        sd->nkeys += nk;
        sd->len[i + 1] = sd->len[i] + l;
        sd->foff[i] = sd->nfeat;
        if (verso_array_grow(&sd->feat, &sd->capfeat, sd->nfeat + nt, sizeof *sd->feat))
            return VERSO_ENOMEM;
        for (size_t k = 0; k < nt; k++)
            sd->feat[sd->nfeat++] = (s_feat){a->tmp[k], 0};
        sd->para[i] = seg[i].para;
        if (seg[i].para != seg[0].para)
            sd->paras = true;
    }
    sd->foff[n] = sd->nfeat;
    sd->koff[n] = sd->nkeys;
    return VERSO_OK;
}

/* Sorts v[0..n) by the upper 32 bits (the hash), stably: an LSD radix
 * sort in four byte passes through tmp[0..n). */
static void s_sort_keys(uint64_t *v, uint64_t *tmp, size_t n)
{
    for (int shift = 32; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t k = 0; k < n; k++)
            count[((v[k] >> shift) & 255) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t k = 0; k < n; k++)
            tmp[count[(v[k] >> shift) & 255]++] = v[k];
        memcpy(v, tmp, n * sizeof *v);
    }
}

/* The keys of side s, (hash << 32 | feature index), sorted by hash. */
static void s_side_keys(verso_aligner *a, int s, uint64_t *v, uint64_t *tmp)
{
    const s_side *sd = &a->side[s];
    for (size_t k = 0; k < sd->nfeat; k++)
        v[k] = (uint64_t)sd->feat[k].h << 32 | k;
    s_sort_keys(v, tmp, sd->nfeat);
}

/* Sets every feature's w to its kind weight / its document frequency on
 * the more frequent side, negated when the other side lacks it: one walk
 * over both sides' sorted keys. */
static void s_doc_freq(verso_aligner *a, const uint64_t *v0, size_t n0, const uint64_t *v1,
                       size_t n1)
{
    size_t p = 0, q = 0;
    while (p < n0 || q < n1) {
        uint32_t h0 = p < n0 ? (uint32_t)(v0[p] >> 32) : UINT32_MAX;
        uint32_t h1 = q < n1 ? (uint32_t)(v1[q] >> 32) : UINT32_MAX;
        uint32_t h = (p < n0 && (q >= n1 || h0 <= h1)) ? h0 : h1;
        size_t pe = p, qe = q;
        while (pe < n0 && (uint32_t)(v0[pe] >> 32) == h)
            pe++;
        while (qe < n1 && (uint32_t)(v1[qe] >> 32) == h)
            qe++;
        size_t d0 = pe - p, d1 = qe - q;
        float w = s_kind_weight[h & F_KIND] / (float)(d0 > d1 ? d0 : d1);
        for (; p < pe; p++)
            a->side[0].feat[(uint32_t)v0[p]].w = d1 ? w : -w;
        for (; q < qe; q++)
            a->side[1].feat[(uint32_t)v1[q]].w = d0 ? w : -w;
    }
}

/* Feature weights: kind weight / document frequency on the more frequent
 * side, so that a feature common in the document (a recurring name, a
 * frequent cognate prefix) anchors little; a feature absent from the other
 * side counts half, as unmatched only. Lexicon and link features count as
 * matches only, never as unmatched (a word has many translations, at most one of
 * them in the other sentence): those absent from the other side, or
 * weighing less than S_LEX_MINW, are dropped. */
static verso_err s_weigh(verso_aligner *a)
{
    size_t n0 = a->side[0].nfeat, n1 = a->side[1].nfeat, big = n0 > n1 ? n0 : n1;
    if (n0 + n1 > UINT32_MAX)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&a->all, &a->capall, n0 + n1 + big + 1, sizeof *a->all))
        return VERSO_ENOMEM;
    s_side_keys(a, 0, a->all, a->all + n0 + n1);
    s_side_keys(a, 1, a->all + n0, a->all + n0 + n1);
    s_doc_freq(a, a->all, n0, a->all + n0, n1);
    for (int s = 0; s < 2; s++) {
        s_side *sd = &a->side[s];
        sd->pfm[0] = 0;
        size_t out = 0;
        for (size_t i = 0; i < sd->n; i++) {
            float tot = 0, match = 0;
            size_t from = sd->foff[i];
            sd->foff[i] = out;
            for (size_t k = from; k < sd->foff[i + 1]; k++) {
                uint32_t h = sd->feat[k].h;
                float w = fabsf(sd->feat[k].w);
                bool found = sd->feat[k].w > 0, lex = (h & F_KIND) >= F_LEX;
                if (lex && (!found || w < S_LEX_MINW))
                    continue;
                sd->feat[out].h = h;
                sd->feat[out].w = found ? w : 0.5f * w;
                tot += lex ? 0 : sd->feat[out].w;
                match += found ? w : 0;
                out++;
            }
            sd->fw[i] = tot;
            sd->fm[i] = match;
            sd->pfm[i + 1] = sd->pfm[i] + match;
        }
        sd->foff[sd->n] = out;
        sd->nfeat = out;
    }
    return VERSO_OK;
}

/* Matched anchor weight of sentence i (side 0) with sentence j (side 1). */
static float s_overlap(const verso_aligner *a, size_t i, size_t j)
{
    const s_side *x = &a->side[0], *y = &a->side[1];
    size_t p = x->foff[i], pe = x->foff[i + 1], q = y->foff[j], qe = y->foff[j + 1];
    float m = 0;
    while (p < pe && q < qe) {
        uint32_t u = x->feat[p].h, v = y->feat[q].h;
        if (u == v) {
            m += x->feat[p].w < y->feat[q].w ? x->feat[p].w : y->feat[q].w;
            p++;
            q++;
        } else if (u < v) {
            p++;
        } else {
            q++;
        }
    }
    return m;
}

/* ---- dynamic programme ------------------------------------------------ */

/* The band of one DP: row i (source prefix length) holds target prefix
 * lengths [lo(i), hi(i)], stored from base(i) = centre(i) - w. */
typedef struct s_dp {
    size_t ns, nt, width, mwidth;
    long *lo, *hi; /* the band: row i holds j in [lo[i], hi[i]], both nondecreasing */
    double c, s2;  /* target length per source grapheme; variance per grapheme */
    const uint32_t *para[2];
    long mlo[4], mhi[4];    /* the j range of each rolling overlap row */
    long flo[4], fhi[4];    /* the finite cells of each rolling DP row (none: flo > fhi) */
    long cfrom[4], cend[4]; /* the computed cells of each rolling DP row; others are S_INF */
    bool direct;            /* overlaps computed afresh, not from the rows */
    float beam;             /* cells this much worse than their row's best are dropped */
} s_dp;

static inline long s_base(const s_dp *d, size_t i)
{
    return d->lo[i];
}

static inline long s_lo(const s_dp *d, size_t i)
{
    return d->lo[i];
}

static inline long s_hi(const s_dp *d, size_t i)
{
    return d->hi[i];
}

static long s_clamp(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The first band: the diagonal scaled by nt / ns, w cells either side. */
static void s_band_diag(s_dp *d, size_t w)
{
    for (size_t i = 0; i <= d->ns; i++) {
        long c = (long)((double)i * (double)d->nt / (double)d->ns + 0.5);
        d->lo[i] = s_clamp(c - (long)w, 0, (long)d->nt);
        d->hi[i] = s_clamp(c + (long)w, 0, (long)d->nt);
    }
}

/* A band of w cells either side of a previous path (beads of a). */
static void s_band_path(const verso_aligner *a, s_dp *d, size_t nb, size_t w)
{
    for (size_t i = 0; i <= d->ns; i++)
        d->lo[i] = LONG_MAX, d->hi[i] = -1;
    for (size_t k = 0; k < nb; k++) {
        const verso_align_bead *b = &a->beads[k];
        for (size_t i = b->src; i <= b->src + b->nsrc; i++) {
            long j0 = (long)b->tgt, j1 = (long)(b->tgt + b->ntgt);
            d->lo[i] = j0 < d->lo[i] ? j0 : d->lo[i];
            d->hi[i] = j1 > d->hi[i] ? j1 : d->hi[i];
        }
    }
    for (size_t i = 0; i <= d->ns; i++) {
        d->lo[i] = s_clamp(d->lo[i] - (long)w, 0, (long)d->nt);
        d->hi[i] = s_clamp(d->hi[i] + (long)w, 0, (long)d->nt);
    }
    for (size_t i = d->ns; i-- > 0;)
        d->lo[i] = d->lo[i] < d->lo[i + 1] ? d->lo[i] : d->lo[i + 1];
    for (size_t i = 1; i <= d->ns; i++)
        d->hi[i] = d->hi[i] > d->hi[i - 1] ? d->hi[i] : d->hi[i - 1];
}

static float s_overlap(const verso_aligner *a, size_t i, size_t j);

/* The overlap of source sentence i with target sentence j, computed on
 * first use (a negative entry is not yet computed). */
static float s_m(const verso_aligner *a, const s_dp *d, size_t i, long j)
{
    if (d->direct)
        return s_overlap(a, i, (size_t)j);
    int r = (int)(i & 3);
    if (j < d->mlo[r] || j > d->mhi[r])
        return 0;
    float *m = &a->m[(size_t)r * d->mwidth + (size_t)(j - d->mlo[r])];
    if (*m < 0)
        *m = (size_t)j < d->nt ? s_overlap(a, i, (size_t)j) : 0;
    return *m;
}

static bool s_crosses(const uint32_t *para, size_t from, size_t to)
{
    return to > from + 1 && para[from] != para[to - 1];
}

static bool s_starts(const uint32_t *para, size_t at, size_t n)
{
    return at == 0 || at >= n || para[at] != para[at - 1];
}

/* Length cost of l1 source graphemes against l2 target graphemes; a
 * sentence left alone (not both) is judged as Gale and Church do: its
 * length against an empty translation. */
static float s_len_cost(const verso_aligner *a, const s_dp *d, double l1, double l2, bool both)
{
    l2 /= d->c;
    double mean = both ? (l1 + l2) / 2 : l1 + l2;
    double z = fabs(l2 - l1) / sqrt(d->s2 * (mean > 1 ? mean : 1)) * 100.0;
    return z < 2000 ? a->lentab[(size_t)z] : (float)(z * z / 20000.0 + log(z / 100.0));
}

/* Costs of each sentence left alone (a 1-0 or 0-1 bead, prior aside):
 * its length cost and its anchors unmatched, as s_bead_cost has them. */
static void s_null_costs(verso_aligner *a, const s_dp *d)
{
    for (int s = 0; s < 2; s++) {
        const s_side *sd = &a->side[s];
        float *out = a->nullc + (s ? a->side[0].n : 0);
        for (size_t k = 0; k < sd->n; k++) {
            double l = sd->len[k + 1] - sd->len[k];
            out[k] = s_len_cost(a, d, s ? 0 : l, s ? l : 0, false) + S_UNMATCHED * sd->fw[k];
        }
    }
}

/* Cost of bead type t ending at (i, j); *prior receives its type prior. */
static float s_bead_cost(const verso_aligner *a, const s_dp *d, size_t i, size_t j, int t,
                         float *prior)
{
    size_t di = s_bead_di[t], dj = s_bead_dj[t], i0 = i - di, j0 = j - dj;
    const s_side *x = &a->side[0], *y = &a->side[1];
    float cost = s_len_cost(a, d, x->len[i] - x->len[i0], y->len[j] - y->len[j0], di && dj);
    /* Pairwise overlaps summed over the bead, at most what each side can
     * match: a feature repeated within a side is not counted twice. */
    float m = 0, fs = 0, ft = 0, ms = 0, mt = 0;
    for (size_t p = i0; p < i; p++) {
        fs += x->fw[p];
        ms += x->fm[p];
        for (size_t q = j0; q < j; q++)
            m += s_m(a, d, p, (long)q);
    }
    for (size_t q = j0; q < j; q++) {
        ft += y->fw[q];
        mt += y->fm[q];
    }
    m = m < ms ? m : ms;
    m = m < mt ? m : mt;
    cost += S_UNMATCHED * (fs + ft - 2 * m) - S_MATCHED * m;
    if (d->para[0] && di && dj) {
        if (s_crosses(d->para[0], i0, i) != s_crosses(d->para[1], j0, j))
            cost += S_PARA_COST;
        if (s_starts(d->para[0], i0, d->ns) != s_starts(d->para[1], j0, d->nt))
            cost += S_PARA_START;
        if (s_starts(d->para[0], i, d->ns) != s_starts(d->para[1], j, d->nt))
            cost += S_PARA_START; /* ends a paragraph on one side only */
    }
    *prior = s_bead_prior[t];
    return cost + *prior;
}

/* Opens the rolling overlap row of source sentence i - 1 for DP row i:
 * its range, every entry to be computed on first use (s_m). */
static void s_fill_m(verso_aligner *a, s_dp *d, size_t i)
{
    size_t s = i - 1, last = i + 2 > d->ns ? d->ns : i + 2;
    int r = (int)(s & 3);
    long lo = s_lo(d, i) - 3, hi = s_hi(d, last) - 1;
    if (lo < 0)
        lo = 0;
    if (hi - lo + 1 > (long)d->mwidth)
        hi = lo + (long)d->mwidth - 1;
    d->mlo[r] = lo;
    d->mhi[r] = hi;
    float *row = a->m + (size_t)r * d->mwidth;
    for (long j = lo; j <= hi; j++)
        row[j - lo] = -1;
}

/* Cost of the null bead of type t (0: 1-0, 1: 0-1) ending at (i, j),
 * prior included: a gap opened, or extended (ext) at a lower prior with
 * the length cost capped at the opening prior. */
static float s_null_cost(const verso_aligner *a, size_t i, size_t j, int t, bool ext)
{
    float len = t ? a->nullc[a->side[0].n + j - 1] : a->nullc[i - 1], prior = s_bead_prior[t];
    return ext ? S_GAP_EXT + (len < prior ? len : prior) : prior + len;
}

/* Best cost into cell (i, j) of gap state g: 0 any bead, 1 a 1-0 bead, 2
 * a 0-1 bead (a->cost holds the three, 4 rolling rows each). */
static inline float *s_cell(verso_aligner *a, const s_dp *d, int g, size_t i, long j)
{
    return a->cost + ((size_t)g * 4 + (i & 3)) * d->width + (size_t)(j - s_base(d, i));
}

/* True when cell (i, j) was computed (a cell not computed is S_INF). */
static inline bool s_known(const s_dp *d, size_t i, long j)
{
    return j >= d->cfrom[i & 3] && j <= d->cend[i & 3];
}

/* The back-pointer byte of cell (i, j), 0 for a cell not computed. */
static uint8_t s_bp(const verso_aligner *a, size_t i, long j)
{
    const s_bprow *r = &a->bprow[i];
    return j < r->from || j > r->end ? 0 : a->bp[r->off + (size_t)(j - r->from)];
}

/* The cheapest way into (i, j) through a null bead of type t (0: 1-0, 1:
 * 0-1) from cell (i0, j0): opening a gap from any state, or extending one
 * of the same kind; *ext tells which. */
static float s_gap(verso_aligner *a, const s_dp *d, size_t i, long j, int t, size_t i0, long j0,
                   bool *ext)
{
    *ext = false;
    if (!s_known(d, i0, j0))
        return S_INF;
    float open = *s_cell(a, d, 0, i0, j0) + s_null_cost(a, i, (size_t)j, t, false);
    float more = *s_cell(a, d, 1 + t, i0, j0) + s_null_cost(a, i, (size_t)j, t, true);
    *ext = more < open;
    return *ext ? more : open;
}

/* The best bead with both sides into (i, j); *bt its type, -1 for none. */
static float s_pair_best(verso_aligner *a, const s_dp *d, size_t i, long j, int *bt)
{
    float best = (i == 0 && j == 0) ? 0 : S_INF, prior;
    *bt = -1;
    for (int k = 0; k < NBEAD; k++) {
        int t = s_bead_order[k];
        size_t di = s_bead_di[t], dj = s_bead_dj[t];
        if (!di || !dj || i < di || (size_t)j < dj)
            continue;
        size_t i0 = i - di;
        long j0 = j - (long)dj;
        if (!s_known(d, i0, j0))
            continue;
        float prev = *s_cell(a, d, 0, i0, j0);
        /* A bound: length, unmatched and paragraph costs are >= 0, and
         * the bead matches no more than either side can. */
        double ms = a->side[0].pfm[i] - a->side[0].pfm[i0];
        double mt = a->side[1].pfm[j] - a->side[1].pfm[j0];
        if (prev + s_bead_prior[t] - S_MATCHED * (float)(ms < mt ? ms : mt) >= best)
            continue;
        float c = prev + s_bead_cost(a, d, i, (size_t)j, t, &prior);
        if (c < best) {
            best = c;
            *bt = t;
        }
    }
    return best;
}

/* The cells of row i that can be finite, as far as its predecessors
 * tell: a bead ends at most 3 cells right of a finite cell of rows i - 1
 * to i - 3 (a 1-0 bead in the same column, a pair bead 1 to 3 right). */
static void s_row_range(const s_dp *d, size_t i, long *from, long *to)
{
    *from = LONG_MAX;
    *to = -1;
    if (!i) {
        *from = *to = 0;
        return;
    }
    for (size_t di = 1; di <= 3 && di <= i; di++) {
        int r = (int)((i - di) & 3);
        if (d->flo[r] > d->fhi[r])
            continue;
        long f = d->flo[r] + (di > 1), t = d->fhi[r] + (long)(4 - di);
        *from = f < *from ? f : *from;
        *to = t > *to ? t : *to;
    }
    *from = *from < s_lo(d, i) ? s_lo(d, i) : *from;
    *to = *to > s_hi(d, i) ? s_hi(d, i) : *to;
}

/* Cuts the cells of row i, computed over [from, end], far worse than
 * rowmin (a cell beyond the beam is never on the path) and records which
 * stay finite. The last row and column are kept whole: a block left
 * untranslated at the end of one side is a run of null beads along them,
 * dearer than the beam but the only way to the end. */
static void s_row_beam(verso_aligner *a, s_dp *d, size_t i, long from, long end, float rowmin)
{
    int r = (int)(i & 3);
    d->flo[r] = LONG_MAX;
    d->fhi[r] = -1;
    for (long j = from; j <= end; j++) {
        for (int g = 0; g < 3 && i < d->ns && j < (long)d->nt; g++)
            if (*s_cell(a, d, g, i, j) > rowmin + d->beam)
                *s_cell(a, d, g, i, j) = S_INF;
        if (*s_cell(a, d, 0, i, j) < S_INF) {
            d->flo[r] = j < d->flo[r] ? j : d->flo[r];
            d->fhi[r] = j;
        }
    }
}

/* One DP row: the best way into every cell (i, j) of the band in each gap
 * state. A back-pointer byte holds the best pair bead's type + 1 (bits
 * 0-3), the best state (bits 4-5) and whether the 1-0 and 0-1 states
 * extend a gap (bits 6 and 7). Only the cells that can be finite are
 * computed: those after a finite predecessor, then a run of 0-1 beads
 * while it stays within the beam (it only grows). */
static verso_err s_row(verso_aligner *a, s_dp *d, size_t i)
{
    long from, to, hi = s_hi(d, i), end = -1;
    s_row_range(d, i, &from, &to);
    size_t room = from <= hi ? (size_t)(hi - from + 1) : 0;
    if (a->nbp + room > S_MAX_CELLS)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&a->bp, &a->capbp, a->nbp + room + 1, 1))
        return VERSO_ENOMEM;
    uint8_t *bp = a->bp + a->nbp;
    d->cfrom[i & 3] = from;
    d->cend[i & 3] = from - 1;
    float rowmin = S_INF;
    for (long j = from; j <= hi; j++) {
        int bt = -1;
        bool e0 = false, e1 = false;
        float c[3] = {S_INF, S_INF, S_INF};
        if (j <= to) {
            c[0] = s_pair_best(a, d, i, j, &bt);
            c[1] = i ? s_gap(a, d, i, j, 0, i - 1, j, &e0) : S_INF;
        }
        c[2] = j > s_lo(d, i) ? s_gap(a, d, i, j, 1, i, j - 1, &e1) : S_INF;
        if (j > to && !(c[2] <= rowmin + d->beam) && i < d->ns)
            break;
        int st = 0;
        for (int g = 1; g < 3; g++)
            st = c[g] < c[st] ? g : st;
        *s_cell(a, d, 0, i, j) = c[st];
        *s_cell(a, d, 1, i, j) = c[1];
        *s_cell(a, d, 2, i, j) = c[2];
        bp[j - from] = (uint8_t)((bt + 1) | st << 4 | e0 << 6 | e1 << 7);
        rowmin = c[st] < rowmin ? c[st] : rowmin;
        d->cend[i & 3] = end = j;
    }
    a->bprow[i] = (s_bprow){a->nbp, from, end};
    a->nbp += end >= from ? (size_t)(end - from + 1) : 0;
    s_row_beam(a, d, i, from, end, rowmin);
    return VERSO_OK;
}

/* Traces the path back from (ns, nt) into a->beads; *edge is set when the
 * path runs along a band edge that is not the matrix edge. */
static verso_err s_trace(verso_aligner *a, const s_dp *d, size_t *nb, bool *edge)
{
    size_t i = d->ns, j = d->nt, n = 0;
    int st = (s_bp(a, i, (long)j) >> 4) & 3;
    *edge = false;
    while (i || j) {
        long lo = s_lo(d, i), hi = s_hi(d, i);
        if ((lo > 0 && (long)j - lo < 2) || (hi < (long)d->nt && hi - (long)j < 2))
            *edge = true;
        uint8_t b = s_bp(a, i, (long)j);
        int t = st ? st - 1 : (b & 15) - 1;
        bool ext = st && ((b >> (5 + st)) & 1);
        if (t < 0 || st == 3)
            return VERSO_EINTERNAL;
        if (verso_array_grow(&a->beads, &a->capbeads, n + 1, sizeof *a->beads))
            return VERSO_ENOMEM;
        /* The prior counts for a null bead (as a gap opened or extended),
         * not for a bead with both sides (a good 2-1 is as sure as a 1-1). */
        float prior = 0;
        float c = st ? s_null_cost(a, i, j, t, ext) : s_bead_cost(a, d, i, j, t, &prior) - prior;
        double conf = 1.0 / (1.0 + exp((double)c - S_SCORE_MID));
        i -= s_bead_di[t];
        j -= s_bead_dj[t];
        a->beads[n++] =
            (verso_align_bead){(uint32_t)i, s_bead_di[t], (uint32_t)j, s_bead_dj[t], conf};
        if (!ext)
            st = (s_bp(a, i, (long)j) >> 4) & 3;
    }
    for (size_t k = 0; k < n / 2; k++) {
        verso_align_bead tmp = a->beads[k];
        a->beads[k] = a->beads[n - 1 - k];
        a->beads[n - 1 - k] = tmp;
    }
    *nb = n;
    return VERSO_OK;
}

/* Runs the DP over the whole band and traces it. */
static verso_err s_run(verso_aligner *a, s_dp *d, size_t *nb, bool *edge)
{
    d->width = d->mwidth = 1;
    for (size_t i = 0; i <= d->ns; i++) {
        size_t w = (size_t)(d->hi[i] - d->lo[i] + 1), last = i + 2 > d->ns ? d->ns : i + 2;
        size_t mw = (size_t)(d->hi[last] - d->lo[i] + 4);
        d->width = w > d->width ? w : d->width;
        d->mwidth = mw > d->mwidth ? mw : d->mwidth;
    }
    size_t cells = (d->ns + 1) * d->width;
    if (cells > S_MAX_CELLS)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&a->nullc, &a->capnullc, d->ns + d->nt, sizeof *a->nullc))
        return VERSO_ENOMEM;
    s_null_costs(a, d);
    if (verso_array_grow(&a->bprow, &a->capbprow, d->ns + 1, sizeof *a->bprow) ||
        verso_array_grow(&a->cost, &a->caprow, 12 * d->width, sizeof *a->cost))
        return VERSO_ENOMEM;
    free(a->m);
    a->m = malloc(4 * d->mwidth * sizeof *a->m);
    if (!a->m)
        return VERSO_ENOMEM;
    for (int r = 0; r < 4; r++)
        d->mlo[r] = 1, d->mhi[r] = 0;
    d->direct = false;
    for (d->beam = S_BEAM;; d->beam = S_INF) {
        a->nbp = 0;
        for (size_t i = 0; i <= d->ns; i++) {
            if (i)
                s_fill_m(a, d, i);
            verso_err e = s_row(a, d, i);
            if (e)
                return e;
        }
        /* The beam compares paths that have consumed different numbers of
         * target sentences; when it cut every way to the end, go without. */
        bool end = s_known(d, d->ns, (long)d->nt) && *s_cell(a, d, 0, d->ns, (long)d->nt) < S_INF;
        if (end || d->beam >= S_INF)
            break;
    }
    d->direct = true;
    return s_trace(a, d, nb, edge);
}

/* True for languages written without spaces in a script other than Latin,
 * Greek or Cyrillic: no cognates across such a pair. */
static bool s_unspaced(const char *lang)
{
    static const char *const tags[] = {"zh", "ja", "ko", "yue", "wuu", "th", "lo", "km", "my"};
    if (!lang)
        return false;
    for (size_t k = 0; k < sizeof tags / sizeof *tags; k++) {
        size_t n = strlen(tags[k]);
        if (strncasecmp(lang, tags[k], n) == 0 &&
            (lang[n] == '\0' || lang[n] == '-' || lang[n] == '_'))
            return true;
    }
    return false;
}

/* Re-estimates the length ratio and variance from the 1-1 beads of a first
 * pass: c = their total target / total source length, s2 = the mean of
 * their squared normalised differences (the maximum-likelihood estimate of
 * the model's variance; a median would ignore the heavy tail of real
 * length differences and make the model too strict). */
static void s_estimate(const verso_aligner *a, s_dp *d, size_t nb)
{
    const s_side *x = &a->side[0], *y = &a->side[1];
    double l1 = 0, l2 = 0;
    size_t n = 0;
    for (size_t k = 0; k < nb; k++) {
        const verso_align_bead *b = &a->beads[k];
        if (b->nsrc == 1 && b->ntgt == 1) {
            l1 += x->len[b->src + 1] - x->len[b->src];
            l2 += y->len[b->tgt + 1] - y->len[b->tgt];
            n++;
        }
    }
    if (n < 2 || l1 <= 0 || l2 <= 0)
        return;
    double c = l2 / l1, s2 = 0;
    d->c = c;
    if (n < 20) /* too few for a variance: the ratio alone */
        return;
    for (size_t k = 0; k < nb; k++) {
        const verso_align_bead *b = &a->beads[k];
        if (b->nsrc != 1 || b->ntgt != 1)
            continue;
        double u = x->len[b->src + 1] - x->len[b->src];
        double v = (y->len[b->tgt + 1] - y->len[b->tgt]) / c;
        double mean = (u + v) / 2;
        s2 += (u - v) * (u - v) / (mean > 1 ? mean : 1);
    }
    s2 /= (double)n;
    d->s2 = s2 < 1 ? 1 : s2 > 100 ? 100 : s2;
}

/* Adds the known translations of o (train_src[k], train_tgt[k]) to the
 * co-occurrence counts: each side scanned for its learning keys. */
static verso_err s_learn_train(verso_aligner *a, const verso_align_opts *o)
{
    const s_scanopt so = {false, NULL, 0, NULL};
    for (size_t k = 0; o && k < o->ntrain; k++) {
        double len;
        size_t nt, nk, ny;
        if (!s_scan(a, &o->train_tgt[k], &so, &len, &nt, &ny) ||
            verso_array_grow(&a->kpair, &a->capkpair, ny + 1, sizeof *a->kpair))
            return VERSO_ENOMEM;
        if (ny)
            memcpy(a->kpair, a->ktmp, ny * sizeof *a->ktmp);
        if (!s_scan(a, &o->train_src[k], &so, &len, &nt, &nk) ||
            verso_cooc_add(a->cooc, a->ktmp, nk, a->kpair, ny))
            return VERSO_ENOMEM;
    }
    return VERSO_OK;
}

/* Learns word links (cooc.h) from the known translations of o and the
 * beads of pass 1 at least S_LEARN_CONF sure; *nlinks receives their
 * number. */
static verso_err s_learn(verso_aligner *a, const verso_align_opts *o, size_t nb, size_t *nlinks)
{
    if (!a->cooc && verso_cooc_new(&a->cooc))
        return VERSO_ENOMEM;
    verso_cooc_reset(a->cooc);
    verso_err e = s_learn_train(a, o);
    if (e)
        return e;
    const s_side *x = &a->side[0], *y = &a->side[1];
    for (size_t k = 0; k < nb; k++) {
        const verso_align_bead *b = &a->beads[k];
        if (!b->nsrc || !b->ntgt || b->score < S_LEARN_CONF)
            continue;
        size_t x0 = x->koff[b->src], x1 = x->koff[b->src + b->nsrc];
        size_t y0 = y->koff[b->tgt], y1 = y->koff[b->tgt + b->ntgt];
        if (verso_cooc_add(a->cooc, x->keys + x0, x1 - x0, y->keys + y0, y1 - y0))
            return VERSO_ENOMEM;
    }
    return verso_cooc_learn(a->cooc, nlinks);
}

/* Adds to every sentence of side s one feature per word link of its
 * keys, each link once, keeping the sentence's features sorted. */
static verso_err s_side_link(verso_aligner *a, int s)
{
    s_side *sd = &a->side[s];
    size_t extra = 0;
    for (size_t k = 0; k < sd->nkeys; k++)
        extra += verso_cooc_link(a->cooc, s, sd->keys[k]) != VERSO_COOC_NONE;
    size_t cap = sd->nfeat + extra + 1;
    s_feat *feat = malloc(cap * sizeof *feat);
    if (!feat)
        return VERSO_ENOMEM;
    size_t out = 0;
    for (size_t i = 0; i < sd->n; i++) {
        size_t start = out;
        for (size_t k = sd->foff[i]; k < sd->foff[i + 1]; k++)
            if ((sd->feat[k].h & F_KIND) != F_LINK) /* links learned before */
                feat[out++] = sd->feat[k];
        for (size_t k = sd->koff[i]; k < sd->koff[i + 1]; k++) {
            uint32_t id = verso_cooc_link(a->cooc, s, sd->keys[k]);
            if (id != VERSO_COOC_NONE)
                feat[out++] = (s_feat){s_hash_kind(s_fnv(S_LINK_SEED, &id, sizeof id), F_LINK), 0};
        }
        qsort(feat + start, out - start, sizeof *feat, s_cmp_feat);
        size_t m = start; /* a link repeated in the sentence counts once */
        for (size_t k = start; k < out; k++)
            if (m == start || feat[k].h != feat[m - 1].h || (feat[k].h & F_KIND) != F_LINK)
                feat[m++] = feat[k];
        sd->foff[i] = start;
        out = m;
    }
    sd->foff[sd->n] = out;
    free(sd->feat);
    sd->feat = feat;
    sd->nfeat = out;
    sd->capfeat = cap;
    return VERSO_OK;
}

/* Beads of a pair with an empty side: every sentence alone. */
static verso_err s_trivial(verso_aligner *a, size_t ns, size_t nt, size_t *nb)
{
    if (verso_array_grow(&a->beads, &a->capbeads, ns + nt + 1, sizeof *a->beads))
        return VERSO_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < ns; i++)
        a->beads[n++] = (verso_align_bead){(uint32_t)i, 1, 0, 0, 0.0};
    for (size_t j = 0; j < nt; j++)
        a->beads[n++] = (verso_align_bead){(uint32_t)ns, 0, (uint32_t)j, 1, 0.0};
    *nb = n;
    return VERSO_OK;
}

static verso_err s_align(verso_aligner *a, const verso_align_opts *o, const verso_align_seg *src,
                         size_t ns, const verso_align_seg *tgt, size_t nt, size_t *nb)
{
    if (!ns || !nt)
        return s_trivial(a, ns, nt, nb);
    bool cognates = !o || (!s_unspaced(o->src_lang) && !s_unspaced(o->tgt_lang));
    const verso_lexicon *lex = o ? o->lex : NULL;
    int rev = o && o->lex_reversed;
    size_t nseen = lex ? (size_t)verso_lexicon_words(lex, 1) / 64 + 1 : 0;
    if (nseen && verso_array_grow(&a->seen, &a->capseen, nseen, sizeof *a->seen))
        return VERSO_ENOMEM;
    if (nseen)
        memset(a->seen, 0, nseen * sizeof *a->seen);
    s_scanopt so = {cognates, lex, rev, a->seen}, to = {cognates, lex, !rev, a->seen};
    /* The side whose words are the lexicon's B words first, so that the
     * other side emits only the translations found in it. */
    verso_err e =
        s_side_prepare(a, &a->side[rev ? 0 : 1], rev ? src : tgt, rev ? ns : nt, rev ? &so : &to);
    if (!e)
        e = s_side_prepare(a, &a->side[rev ? 1 : 0], rev ? tgt : src, rev ? nt : ns,
                           rev ? &to : &so);
    if (!e)
        e = s_weigh(a);
    if (e)
        return e;
    s_dp d = {.ns = ns, .nt = nt, .c = 1.0, .s2 = 6.8};
    if (a->side[0].len[ns] > 0 && a->side[1].len[nt] > 0)
        d.c = a->side[1].len[nt] / a->side[0].len[ns];
    if (a->side[0].paras && a->side[1].paras) {
        d.para[0] = a->side[0].para;
        d.para[1] = a->side[1].para;
    }
    if (verso_array_grow(&a->band, &a->capband, 2 * (ns + 1), sizeof *a->band))
        return VERSO_ENOMEM;
    d.lo = a->band;
    d.hi = a->band + ns + 1;
    /* Pass 1: a wide band around the diagonal, widened while the path runs
     * along its edge; then the ratio and variance re-estimated from it. */
    size_t n = ns > nt ? ns : nt, slope = (nt + ns - 1) / ns;
    size_t w = (size_t)(S_BAND_SQRT * sqrt((double)n));
    w = w < 50 ? 50 : w;
    w = w < slope + 4 ? slope + 4 : w;
    size_t wmax = S_MAX_CELLS / (ns + 1) / 2;
    if (wmax < slope + 4)
        return VERSO_ETOOBIG;
    bool edge = true;
    for (w = w < wmax ? w : wmax; edge; w = 2 * w < wmax ? 2 * w : wmax) {
        s_band_diag(&d, w);
        if ((e = s_run(a, &d, nb, &edge)))
            return e;
        if (w >= wmax || w >= n)
            break;
    }
    s_estimate(a, &d, *nb);
    size_t nlinks = 0;
    if ((e = s_learn(a, o, *nb, &nlinks)))
        return e;
    if (nlinks && ((e = s_side_link(a, 0)) || (e = s_side_link(a, 1)) || (e = s_weigh(a))))
        return e;
    /* Pass 2: the new model in a narrow band around the first path. */
    for (size_t w2 = S_BAND_PATH;; w2 *= 4) {
        s_band_path(a, &d, *nb, w2);
        if ((e = s_run(a, &d, nb, &edge)))
            return e;
        if (!edge || w2 >= w)
            break;
    }
    return VERSO_OK;
}

verso_err verso_align(verso_aligner *a, const verso_align_opts *o, const verso_align_seg *src,
                      size_t ns, const verso_align_seg *tgt, size_t nt,
                      const verso_align_bead **beads, size_t *nbeads)
{
    if (!a || !beads || !nbeads || (ns && !src) || (nt && !tgt))
        return VERSO_EINVAL;
    if (ns > VERSO_ALIGN_MAX || nt > VERSO_ALIGN_MAX)
        return VERSO_ETOOBIG;
    for (size_t i = 0; i < ns; i++)
        if (src[i].n && !src[i].p)
            return VERSO_EINVAL;
    for (size_t j = 0; j < nt; j++)
        if (tgt[j].n && !tgt[j].p)
            return VERSO_EINVAL;
    if (o && o->ntrain > VERSO_ALIGN_MAX)
        return VERSO_ETOOBIG;
    for (size_t k = 0; o && k < o->ntrain; k++)
        if (!o->train_src || !o->train_tgt || (o->train_src[k].n && !o->train_src[k].p) ||
            (o->train_tgt[k].n && !o->train_tgt[k].p))
            return VERSO_EINVAL;
    size_t nb = 0;
    verso_err e = s_align(a, o, src, ns, tgt, nt, &nb);
    if (e)
        return e;
    *beads = a->beads;
    *nbeads = nb;
    return VERSO_OK;
}
