/*
 * align_feat.c - the aligner's view of a sentence: its length in graphemes,
 * its anchor features (numbers, names and codes, punctuation, cognates,
 * word-list entries, learned word links), weighed by document frequency,
 * and its learning keys for the co-occurrence model (docs/ALIGNMENT.md).
 * No search here (align_dp.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "align_int.h"
#include "buf.h"

#define S_LEX_WEIGHT  1.0f        /* kind weight of a lexicon feature */
#define S_LEX_MINW    (1.0f / 64) /* lexicon features weighing less are dropped */
#define S_HAN_WORD    6           /* longest run of CJK characters looked up */
#define S_STEM        5           /* letters of a word that make its learning key */
#define S_LINK_WEIGHT 3.0f        /* kind weight of a learned link: as sure as a number */
#define S_LINK_SEED   0x9E3779B9u /* hash seed of link features (not lexicon ids) */
#define S_DF_WINDOW   1000        /* a link's frequency counts within this many sentences */

/* Anchor kinds, in the low three bits of a feature hash. A lexicon
 * feature is the id of a word of the lexicon's B side: the word itself on
 * that side, a translation of the word on the A side. A link feature is
 * the id of a word link learned from the first pass (cooc.h), on both
 * sides. */
enum { F_NUM = 0, F_TOKEN = 1, F_PUNCT = 2, F_COGNATE = 3, F_LEX = 4, F_LINK = 5 };
#define F_KIND 7u
static const float s_kind_weight[8] = {3.0f, 2.0f, 1.0f, 1.0f, S_LEX_WEIGHT, S_LINK_WEIGHT, 0, 0};

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
static bool s_lex_emit(verso_aligner *a, size_t *nt, const verso_align_scanopt *o, const UChar32 *w,
                       size_t n, bool strip)
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
static bool s_tok_emit(verso_aligner *a, size_t *nt, size_t *nk, const s_tok *t,
                       const verso_align_scanopt *o)
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
static bool s_han_emit(verso_aligner *a, size_t *nt, const verso_align_scanopt *o,
                       const UChar32 *han, size_t n)
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

int verso_align_feat_cmp(const void *x, const void *y)
{
    return s_cmp_u32(&((const verso_align_feat *)x)->h, &((const verso_align_feat *)y)->h);
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
static bool s_scan(verso_aligner *a, const verso_align_seg *sg, const verso_align_scanopt *o,
                   double *len, size_t *nt, size_t *nk)
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

verso_err verso_align_side_size(verso_align_side *sd, size_t n)
{
    if (n + 1 <= sd->cap)
        return VERSO_OK;
    size_t cap = sd->cap ? sd->cap : 16;
    while (cap < n + 1)
        cap *= 2;
    free(sd->len);
    free(sd->fw);
    free(sd->fm);
    free(sd->pfm);
    free(sd->foff);
    free(sd->para);
    free(sd->koff);
    sd->len = malloc(cap * sizeof *sd->len);
    sd->fw = malloc(cap * sizeof *sd->fw);
    sd->fm = malloc(cap * sizeof *sd->fm);
    sd->pfm = malloc(cap * sizeof *sd->pfm);
    sd->foff = malloc(cap * sizeof *sd->foff);
    sd->para = malloc(cap * sizeof *sd->para);
    sd->koff = malloc(cap * sizeof *sd->koff);
    sd->cap = 0;
    if (!sd->len || !sd->fw || !sd->fm || !sd->pfm || !sd->foff || !sd->para || !sd->koff)
        return VERSO_ENOMEM;
    sd->cap = cap;
    return VERSO_OK;
}

void verso_align_side_fini(verso_align_side *sd)
{
    free(sd->len);
    free(sd->fw);
    free(sd->fm);
    free(sd->pfm);
    free(sd->foff);
    free(sd->feat);
    free(sd->para);
    free(sd->keys);
    free(sd->koff);
    free(sd->start);
    free(sd->blk);
    memset(sd, 0, sizeof *sd);
}

verso_err verso_align_side_prepare(verso_aligner *a, verso_align_side *sd,
                                   const verso_align_seg *seg, size_t n,
                                   const verso_align_scanopt *o)
{
    if (verso_align_side_size(sd, n))
        return VERSO_ENOMEM;
    sd->n = n;
    sd->nfeat = sd->nkeys = 0;
    sd->len[0] = 0;
    sd->paras = false;
    for (size_t i = 0; i < n; i++) {
        double l;
        size_t nt, nk;
        verso_err e = verso_work_tick(a->work, seg[i].n + 1);
        if (e)
            return e;
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
            sd->feat[sd->nfeat++] = (verso_align_feat){a->tmp[k], 0};
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
    const verso_align_side *sd = &a->side[s];
    for (size_t k = 0; k < sd->nfeat; k++)
        v[k] = (uint64_t)sd->feat[k].h << 32 | k;
    s_sort_keys(v, tmp, sd->nfeat);
}

/* The position of feature k of side sd in its document, 0 to 1: the
 * middle of its sentence. */
static double s_feat_pos(const verso_align_side *sd, size_t k)
{
    size_t lo = 0, hi = sd->n; /* the sentence i with foff[i] <= k < foff[i + 1] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sd->foff[mid] <= k)
            lo = mid;
        else
            hi = mid;
    }
    return ((double)lo + 0.5) / (double)(sd->n ? sd->n : 1);
}

/* The first of pos[0..n) (increasing) above x (above) or at least x. */
static size_t s_bound(const double *pos, size_t n, double x, bool above)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pos[mid] < x || (above && pos[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The weight of a link feature at position x: its kind weight / sqrt of
 * its occurrences within r of x, on the side where they are more. */
static float s_link_weight(const verso_aligner *a, size_t d0, size_t d1, double x, double r)
{
    size_t c0 = s_bound(a->pos[0], d0, x + r, true) - s_bound(a->pos[0], d0, x - r, false);
    size_t c1 = s_bound(a->pos[1], d1, x + r, true) - s_bound(a->pos[1], d1, x - r, false);
    float df = (float)(c0 > c1 ? c0 : c1);
    return s_kind_weight[F_LINK] / sqrtf(df > 1 ? df : 1);
}

/* The positions of one feature's occurrences v[0..n) on side s, into
 * a->pos[s]. Errors: ENOMEM. */
static verso_err s_positions(verso_aligner *a, int s, const uint64_t *v, size_t n)
{
    if (verso_array_grow(&a->pos[s], &a->cappos[s], n + 1, sizeof *a->pos[s]))
        return VERSO_ENOMEM;
    for (size_t k = 0; k < n; k++)
        a->pos[s][k] = s_feat_pos(&a->side[s], (uint32_t)v[k]);
    return VERSO_OK;
}

/* Sets every feature's w to its kind weight / its document frequency on
 * the more frequent side, negated when the other side lacks it: one walk
 * over both sides' sorted keys. A link feature counts its occurrences
 * within S_DF_WINDOW sentences (of the shorter side) of each occurrence,
 * and weighs 1 / sqrt of that: a word common in a long book but rare in
 * its chapter still anchors the chapter. Errors: ENOMEM. */
static verso_err s_doc_freq(verso_aligner *a, const uint64_t *v0, size_t n0, const uint64_t *v1,
                            size_t n1)
{
    size_t p = 0, q = 0, ns = a->side[0].n < a->side[1].n ? a->side[0].n : a->side[1].n;
    double r = (double)S_DF_WINDOW / (double)(ns ? ns : 1);
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
        bool link = (h & F_KIND) == F_LINK;
        if (link && (s_positions(a, 0, v0 + p, d0) || s_positions(a, 1, v1 + q, d1)))
            return VERSO_ENOMEM;
        float df = (float)(d0 > d1 ? d0 : d1), w = s_kind_weight[h & F_KIND] / df;
        for (size_t k = 0; p < pe; p++, k++) {
            float x = link ? s_link_weight(a, d0, d1, a->pos[0][k], r) : w;
            a->side[0].feat[(uint32_t)v0[p]].w = d1 ? x : -x;
        }
        for (size_t k = 0; q < qe; q++, k++) {
            float x = link ? s_link_weight(a, d0, d1, a->pos[1][k], r) : w;
            a->side[1].feat[(uint32_t)v1[q]].w = d0 ? x : -x;
        }
    }
    return VERSO_OK;
}

/* Feature weights: kind weight / document frequency on the more frequent
 * side, so that a feature common in the document (a recurring name, a
 * frequent cognate prefix) anchors little; a feature absent from the other
 * side counts half, as unmatched only. Lexicon and link features count as
 * matches only, never as unmatched (a word has many translations, at most one of
 * them in the other sentence): those absent from the other side, or
 * weighing less than S_LEX_MINW, are dropped. */
verso_err verso_align_weigh(verso_aligner *a)
{
    size_t n0 = a->side[0].nfeat, n1 = a->side[1].nfeat, big = n0 > n1 ? n0 : n1;
    if (n0 + n1 > UINT32_MAX)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&a->all, &a->capall, n0 + n1 + big + 1, sizeof *a->all))
        return VERSO_ENOMEM;
    s_side_keys(a, 0, a->all, a->all + n0 + n1);
    s_side_keys(a, 1, a->all + n0, a->all + n0 + n1);
    if (s_doc_freq(a, a->all, n0, a->all + n0, n1))
        return VERSO_ENOMEM;
    for (int s = 0; s < 2; s++) {
        verso_align_side *sd = &a->side[s];
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

float verso_align_overlap(const verso_align_side *x, const verso_align_side *y, size_t i, size_t j)
{
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

/* Adds to every sentence of side s one feature per word link of its
 * keys, each link once, keeping the sentence's features sorted. */
verso_err verso_align_side_link(verso_aligner *a, int s)
{
    verso_align_side *sd = &a->side[s];
    size_t extra = 0;
    for (size_t k = 0; k < sd->nkeys; k++)
        extra += verso_cooc_link(a->cooc, s, sd->keys[k]) != VERSO_COOC_NONE;
    size_t cap = sd->nfeat + extra + 1;
    verso_align_feat *feat = malloc(cap * sizeof *feat);
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
                feat[out++] =
                    (verso_align_feat){s_hash_kind(s_fnv(S_LINK_SEED, &id, sizeof id), F_LINK), 0};
        }
        qsort(feat + start, out - start, sizeof *feat, verso_align_feat_cmp);
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

/* Adds the known translations of o (train_src[k], train_tgt[k]) to the
 * co-occurrence counts: each side scanned for its learning keys. */
verso_err verso_align_learn_train(verso_aligner *a, const verso_align_opts *o)
{
    const verso_align_scanopt so = {false, NULL, 0, NULL};
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
