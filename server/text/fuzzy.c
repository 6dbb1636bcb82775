/*
 * fuzzy.c - fuzzy-match scoring; see fuzzy.h and docs/MATCHING.md. Tokens
 * (ICU word boundaries and text.h's classes), token edit distances (Myers
 * 1999 / Hyyrö 2003 bit vectors, banded for "<= k"), scores, penalties and
 * the alignment behind the differences. Not here: the index, the lookup.
 */
#include "fuzzy.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "lang.h"

#define S_MAX_TEXT   ((size_t)1 << 30) /* bytes of a text to tokenise */
#define S_MAX_CELLS  ((size_t)1 << 22) /* of an alignment table */
#define S_MAX_ALIGN  65535u            /* tokens a side of an alignment (uint16_t cells) */
#define S_SMALL      8u /* patterns this short compare ids directly, without a table */
#define S_BLOCK_BITS 64u

/* ---- growth -------------------------------------------------------------- */

/* Grows *p (elements of size sz) to at least need elements. */
/* ---- lifecycles ----------------------------------------------------------- */

void verso_fuzzy_text_init(verso_fuzzy_text *t)
{
    memset(t, 0, sizeof *t);
    verso_buf_init(&t->punct, S_MAX_TEXT + 1);
    verso_buf_init(&t->folded, 3 * S_MAX_TEXT + 1);
}

void verso_fuzzy_text_fini(verso_fuzzy_text *t)
{
    free(t->tok);
    free(t->ids);
    verso_buf_fini(&t->punct);
    verso_buf_fini(&t->folded);
    memset(t, 0, sizeof *t);
}

/* The word iterator of lang's base language; buffers come with use. */
verso_err verso_fuzzy_init(verso_fuzzy *f, const char *lang)
{
    memset(f, 0, sizeof *f);
    verso_text_parts_init(&f->pa);
    verso_text_parts_init(&f->pb);
    char base[VERSO_LANG_MAX];
    verso_lang_base(lang, base);
    UErrorCode st = U_ZERO_ERROR;
    f->bi = ubrk_open(UBRK_WORD, base, NULL, 0, &st);
    f->ut = utext_openUTF8(NULL, "", 0, &st);
    if (U_FAILURE(st)) {
        verso_fuzzy_fini(f);
        return VERSO_EINTERNAL;
    }
    return VERSO_OK;
}

/* Closes the iterator and frees the scratch space; f can be init again. */
void verso_fuzzy_fini(verso_fuzzy *f)
{
    if (f->bi)
        ubrk_close(f->bi);
    if (f->ut)
        utext_close(f->ut);
    free(f->u16);
    free(f->slots);
    free(f->peq);
    free(f->pv);
    free(f->mv);
    free(f->bsc);
    free(f->dp);
    free(f->ops);
    free(f->hunks);
    verso_text_parts_fini(&f->pa);
    verso_text_parts_fini(&f->pb);
    memset(f, 0, sizeof *f);
}

/* ---- tokens --------------------------------------------------------------- */

/* text.h's classes: what the loose form keeps (letters and symbols), drops
 * (white space, punctuation, tag marks) or writes as '#' (digits). */
enum { S_LETTER, S_SPACE, S_PUNCT, S_DIGIT, S_MARK };

static int s_class(UChar32 c)
{
    if (c < 0x80 && (unsigned)((c | 0x20) - 'a') < 26u)
        return S_LETTER; /* the common case, without a property lookup */
    if (c == ' ' || u_isUWhiteSpace(c))
        return S_SPACE;
    if (c >= 0xF0000 && c <= 0xFFFFD)
        return S_MARK;
    uint32_t gc = U_MASK(u_charType(c)); /* one lookup for u_isdigit and u_ispunct */
    return gc & U_GC_ND_MASK ? S_DIGIT : gc & U_GC_P_MASK ? S_PUNCT : S_LETTER;
}

static bool s_unspaced_script(UScriptCode sc)
{
    switch (sc) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR: return true;
    default: return false;
    }
}

/* True for a code point of a script written without spaces, by its Script
 * or, for Common and Inherited ones (the prolonged sound mark U+30FC, kana
 * voicing marks), by its Script_Extensions. */
static bool s_unspaced(UChar32 c)
{
    if (c < 0x0E00) /* Thai is the first of them */
        return false;
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &st);
    if (s_unspaced_script(sc))
        return true;
    if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED)
        return false;
    UScriptCode ext[16];
    int32_t n = uscript_getScriptExtensions(c, ext, 16, &st);
    for (int32_t i = 0; U_SUCCESS(st) && i < n; i++)
        if (s_unspaced_script(ext[i]))
            return true;
    return false;
}

static UChar32 s_next(const char *s, uint32_t *i, uint32_t n)
{
    UChar32 c = (unsigned char)s[*i];
    if (c < 0x80)
        (*i)++;
    else
        U8_NEXT_OR_FFFD((const uint8_t *)s, *i, n, c);
    return c;
}

/* The end of the number whose first digit ends at i: more digits, and a
 * single '.' or ',' when a digit follows it (text.c's rule). */
static uint32_t s_number_end(const char *s, uint32_t i, uint32_t n)
{
    while (i < n) {
        uint32_t j = i;
        UChar32 c = s_next(s, &j, n);
        if (s_class(c) != S_DIGIT) {
            uint32_t k = j;
            if ((c != '.' && c != ',') || k >= n || s_class(s_next(s, &k, n)) != S_DIGIT)
                return i;
            j = k;
        }
        i = j;
    }
    return i;
}

uint32_t verso_fuzzy_id(const char *folded, size_t n)
{
    uint64_t h = verso_text_key_hash(folded, n);
    return (uint32_t)(h ^ h >> 32);
}

/* Appends the full case folding of s[0..n) to out (room reserved by the
 * caller: folding at most triples UTF-8). */
static verso_err s_fold(verso_fuzzy *f, const char *s, uint32_t n, verso_buf *out)
{
    bool ascii = true;
    for (uint32_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        for (uint32_t i = 0; i < n; i++)
            out->data[out->len + i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        out->len += n;
        return VERSO_OK;
    }
    /* UTF-16 of the token in u16[0..n), its folding in u16[n..4n). */
    verso_err err = verso_array_grow(&f->u16, &f->u16_cap, 4 * (size_t)n, sizeof *f->u16);
    if (err)
        return err;
    UChar *src = f->u16, *dst = f->u16 + n;
    UErrorCode st = U_ZERO_ERROR;
    int32_t slen = 0, blen = 0;
    u_strFromUTF8(src, (int32_t)n, &slen, s, (int32_t)n, &st);
    int32_t dlen = u_strFoldCase(dst, 3 * (int32_t)n, src, slen, U_FOLD_CASE_DEFAULT, &st);
    u_strToUTF8(out->data + out->len, (int32_t)(3 * n + 1), &blen, dst, dlen, &st);
    if (U_FAILURE(st))
        return VERSO_EINTERNAL;
    out->len += (size_t)blen;
    return VERSO_OK;
}

#define S_CASELESS 0x10u /* s_push: a WORD that folds to itself */

/* Appends token [start, end) of kind VERSO_FUZZY_WORD, VERSO_FUZZY_NUMBER or
 * S_CASELESS, its folded form and its id. */
static verso_err s_push(verso_fuzzy *f, verso_fuzzy_text *t, uint32_t start, uint32_t end,
                        uint32_t kind)
{
    if (t->n == t->cap) {
        size_t cap = t->cap;
        verso_err err = verso_array_grow(&t->tok, &cap, t->n + 1, sizeof *t->tok);
        if (!err)
            err = verso_array_grow(&t->ids, &t->cap, t->n + 1, sizeof *t->ids);
        if (err)
            return err;
    }
    size_t at = t->folded.len;
    verso_err err = VERSO_OK;
    if (kind == VERSO_FUZZY_NUMBER) {
        t->folded.data[t->folded.len++] = '#';
    } else if (kind == S_CASELESS) {
        memcpy(t->folded.data + at, t->s + start, end - start);
        t->folded.len += end - start;
        kind = VERSO_FUZZY_WORD;
    } else {
        err = s_fold(f, t->s + start, end - start, &t->folded);
    }
    if (err)
        return err;
    t->ids[t->n] = verso_fuzzy_id(t->folded.data + at, t->folded.len - at);
    t->tok[t->n++] = (verso_fuzzy_token){start, end, (uint32_t)t->punct.len, kind};
    return VERSO_OK;
}

/* Takes what starts at *i (a token, or punctuation, space or a tag mark);
 * a word ends at the next ICU boundary, seg_end, at the latest. */
static verso_err s_take(verso_fuzzy *f, verso_fuzzy_text *t, uint32_t *i, uint32_t seg_end)
{
    uint32_t n = (uint32_t)t->len, start = *i, j = *i;
    UChar32 c = s_next(t->s, &j, n);
    int cls = s_class(c);
    *i = j;
    if (cls == S_SPACE || cls == S_PUNCT) {
        memcpy(t->punct.data + t->punct.len, t->s + start, j - start);
        t->punct.len += j - start;
        return VERSO_OK;
    }
    if (cls == S_MARK) {
        t->marks++;
        return VERSO_OK;
    }
    if (cls == S_DIGIT) {
        *i = s_number_end(t->s, j, n);
        return s_push(f, t, start, *i, VERSO_FUZZY_NUMBER);
    }
    if (s_unspaced(c)) /* one code point, of a script without case */
        return s_push(f, t, start, *i, S_CASELESS);
    while (*i < seg_end) {
        c = s_next(t->s, &j, n);
        if (s_class(c) != S_LETTER || s_unspaced(c))
            break;
        *i = j;
    }
    return s_push(f, t, start, *i, VERSO_FUZZY_WORD);
}

/* True when ICU's boundaries matter: the text has a letter (or symbol) that
 * is neither ASCII nor of an unspaced script, whose code points are tokens
 * of their own anyway. */
static bool s_needs_icu(const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        UChar32 c = s_next(s, &i, n);
        if (c >= 0x80 && s_class(c) == S_LETTER && !s_unspaced(c))
            return true;
    }
    return false;
}

/* Where ICU's word boundary after i falls in the other texts: around a run
 * of ASCII letters and around any other code point. The breaks ICU does
 * not make there (inside don't, 3.5, x_1) are at punctuation or at a
 * number's edge, which end tokens anyway. */
static uint32_t s_plain_word_end(const char *s, uint32_t i, uint32_t n)
{
    uint32_t j = i;
    while (j < n && (unsigned)((s[j] | 0x20) - 'a') < 26u)
        j++;
    return j > i ? j : i + 1;
}

/* Tokenises out's text along ICU's word boundaries. */
static verso_err s_icu_words(verso_fuzzy *f, verso_fuzzy_text *out)
{
    UErrorCode st = U_ZERO_ERROR;
    uint32_t n = (uint32_t)out->len;
    f->ut = utext_openUTF8(f->ut, out->s, (int64_t)n, &st); /* reused: no allocation */
    ubrk_setUText(f->bi, f->ut, &st);
    verso_err err = U_FAILURE(st) ? VERSO_EINTERNAL : VERSO_OK;
    int32_t brk = ubrk_first(f->bi);
    for (uint32_t i = 0; !err && i < n;) {
        uint32_t at = i;
        while (brk != UBRK_DONE && (uint32_t)brk <= i)
            brk = ubrk_next(f->bi);
        err = s_take(f, out, &i, brk == UBRK_DONE ? n : (uint32_t)brk);
        err = err ? err : verso_work_tick(f->work, 1 + (uint64_t)(i - at));
    }
    return err;
}

verso_err verso_fuzzy_tokenize(verso_fuzzy *f, const char *norm, size_t n, verso_fuzzy_text *out)
{
    out->s = norm;
    out->len = n;
    out->n = out->marks = 0;
    verso_buf_reset(&out->punct);
    verso_buf_reset(&out->folded);
    if (n > S_MAX_TEXT)
        return VERSO_ETOOBIG;
    verso_err err = verso_buf_reserve(&out->punct, n);
    if (!err)
        err = verso_buf_reserve(&out->folded, 3 * n);
    if (err || n == 0)
        return err;
    if (s_needs_icu(norm, (uint32_t)n)) {
        err = s_icu_words(f, out);
    } else { /* ASCII, Chinese, Japanese kana and kanji, Thai: ICU's dictionaries cost */
        for (uint32_t i = 0; !err && i < n;) {
            uint32_t at = i;
            err = s_take(f, out, &i, s_plain_word_end(norm, i, (uint32_t)n));
            err = err ? err : verso_work_tick(f->work, 1 + (uint64_t)(i - at));
        }
    }
    out->punct.data[out->punct.len] = '\0';
    out->folded.data[out->folded.len] = '\0';
    if (err)
        out->n = 0;
    return err;
}

/* ---- edit distance -------------------------------------------------------- */

/* Builds the match masks of pattern p[0..m), w blocks a distinct token, in
 * an open-addressing table keyed by id (at most half full). */
static verso_err s_peq_build(verso_fuzzy *f, const uint32_t *p, size_t m, size_t w)
{
    size_t nslots = 16;
    unsigned bits = 4;
    for (; nslots < 2 * m; nslots *= 2)
        bits++;
    verso_err err = verso_array_grow(&f->slots, &f->slots_cap, nslots, sizeof *f->slots);
    if (!err)
        err = verso_array_grow(&f->peq, &f->peq_cap, m * w, sizeof *f->peq);
    if (err)
        return err;
    verso_fuzzy_slot *sl = f->slots;
    uint64_t *peq = f->peq;
    unsigned shift = f->shift = 32 - bits;
    size_t mask = f->mask = nslots - 1;
    memset(sl, 0xff, nslots * sizeof *sl);
    int32_t rows = 0;
    for (size_t i = 0; i < m; i++) {
        uint32_t id = p[i];
        size_t h = (uint32_t)(id * 0x9E3779B1u) >> shift;
        while (sl[h].row >= 0 && sl[h].key != id)
            h = (h + 1) & mask;
        uint64_t bit = 1ULL << (i % S_BLOCK_BITS);
        if (sl[h].row >= 0) {
            peq[(size_t)sl[h].row * w + i / S_BLOCK_BITS] |= bit;
            continue;
        }
        sl[h] = (verso_fuzzy_slot){id, rows};
        for (size_t b = 0; b < w; b++) /* no memset: its wide stores stall the next load */
            peq[(size_t)rows * w + b] = b == i / S_BLOCK_BITS ? bit : 0;
        rows++;
    }
    return VERSO_OK;
}

/* The w masks of token id, NULL when the pattern does not hold it. */
static inline const uint64_t *s_peq_row(const verso_fuzzy *f, uint32_t id, size_t w)
{
    const verso_fuzzy_slot *sl = f->slots;
    size_t h = (uint32_t)(id * 0x9E3779B1u) >> f->shift;
    for (; sl[h].row >= 0; h = (h + 1) & f->mask)
        if (sl[h].key == id)
            return f->peq + (size_t)sl[h].row * w;
    return NULL;
}

/* One column of one 64-row block (Myers' step, Hyyrö's form, as in edlib):
 * vertical deltas *pv (+1) and *mv (-1) in, horizontal delta hin at the top;
 * returns the horizontal delta at row hbit. */
static inline int s_block(uint64_t *pv, uint64_t *mv, uint64_t eq, int hin, uint64_t hbit)
{
    uint64_t p = *pv, m = *mv, neg = hin < 0 ? 1 : 0;
    uint64_t xv = eq | m;
    eq |= neg;
    uint64_t xh = (((eq & p) + p) ^ p) | eq;
    uint64_t ph = m | ~(xh | p), mh = p & xh;
    int hout = (ph & hbit) ? 1 : (mh & hbit) ? -1 : 0;
    ph = ph << 1 | (hin > 0 ? 1 : 0);
    mh = mh << 1 | neg;
    *pv = mh | ~(xv | ph);
    *mv = ph & xv;
    return hout;
}

/* D[m][n] for a pattern p of m <= S_SMALL tokens, compared directly with
 * each token of t[0..n), or a value over k as soon as it must exceed k. */
static size_t s_word_small(const uint32_t *p, size_t m, const uint32_t *t, size_t n, size_t k)
{
    uint64_t pv = ~0ULL, mv = 0, last = 1ULL << (m - 1);
    size_t sc = m;
    for (size_t j = 0; j < n; j++) {
        uint64_t eq = 0;
        for (size_t i = 0; i < m; i++)
            eq |= (uint64_t)(p[i] == t[j]) << i;
        int h = s_block(&pv, &mv, eq, 1, last);
        sc = h > 0 ? sc + 1 : h < 0 ? sc - 1 : sc;
        if (sc > k + (n - j - 1)) /* the bottom row falls at most 1 a column */
            return k + 1;
    }
    return sc;
}

/* The same for a pattern of m <= 64 tokens in f's table. */
static size_t s_word(const verso_fuzzy *f, size_t m, const uint32_t *t, size_t n, size_t k)
{
    uint64_t pv = ~0ULL, mv = 0, last = 1ULL << (m - 1);
    size_t sc = m;
    for (size_t j = 0; j < n; j++) {
        const uint64_t *row = s_peq_row(f, t[j], 1);
        int h = s_block(&pv, &mv, row ? row[0] : 0, 1, last);
        sc = h > 0 ? sc + 1 : h < 0 ? sc - 1 : sc;
        if (sc > k + (n - j - 1))
            return k + 1;
    }
    return sc;
}

/* True when no cell of the blocks computed for this column can be <= k:
 * within a block, values change by at most 1 a row. */
static bool s_band_over(const verso_fuzzy *f, size_t fb, size_t lb, size_t m, size_t j, size_t k)
{
    for (size_t b = fb; b <= lb; b++) {
        long bottom = f->bsc[b];
        long h = (long)((b + 1) * S_BLOCK_BITS < m ? S_BLOCK_BITS : m - b * S_BLOCK_BITS);
        long top = b == 0 ? (long)j : b > fb ? f->bsc[b - 1] : bottom - h;
        long low = top + bottom - h; /* twice the least value the two ends allow */
        if (low <= 2 * (long)k)
            return false;
    }
    return true;
}

/* D[m][n] for a pattern of m > 64 tokens (f's table) against t[0..n), or a
 * value over k when it exceeds k. Only blocks meeting rows |i - j| <= k are
 * computed: a block joins at the bottom with +1 deltas, and the first one
 * takes +1 from above once the rows over it left the band. Both overstate
 * cells that are over k anyway, which leaves every cell <= k exact
 * (docs/MATCHING.md). */
static size_t s_blocks(verso_fuzzy *f, size_t m, size_t w, const uint32_t *t, size_t n, size_t k)
{
    uint64_t lastbit = 1ULL << ((m - 1) % S_BLOCK_BITS);
    size_t lb = ((k + 1 < m ? k + 1 : m) - 1) / S_BLOCK_BITS;
    for (size_t b = 0; b <= lb; b++) {
        f->pv[b] = ~0ULL;
        f->mv[b] = 0;
        f->bsc[b] = (long)((b + 1) * S_BLOCK_BITS < m ? (b + 1) * S_BLOCK_BITS : m);
    }
    for (size_t j = 1; j <= n; j++) {
        size_t lo = j > k + 1 ? j - k : 1, hi = j + k < m ? j + k : m;
        size_t fb = (lo - 1) / S_BLOCK_BITS;
        for (; lb < (hi - 1) / S_BLOCK_BITS; lb++) { /* a block joins at the bottom */
            size_t b = lb + 1, h = (b + 1) * S_BLOCK_BITS < m ? S_BLOCK_BITS : m - b * S_BLOCK_BITS;
            f->pv[b] = ~0ULL;
            f->mv[b] = 0;
            f->bsc[b] = f->bsc[b - 1] + (long)h;
        }
        const uint64_t *row = s_peq_row(f, t[j - 1], w);
        int h = 1;
        for (size_t b = fb; b <= lb; b++) {
            uint64_t hbit = b == w - 1 ? lastbit : 1ULL << 63;
            h = s_block(&f->pv[b], &f->mv[b], row ? row[b] : 0, h, hbit);
            f->bsc[b] += h;
        }
        if (s_band_over(f, fb, lb, m, j, k))
            return k + 1;
    }
    return (size_t)f->bsc[w - 1];
}

/* The distance of a[0..m) and b[0..n), m <= n, or a value over k when it
 * exceeds k (k >= n - m). */
static verso_err s_distance(verso_fuzzy *f, const uint32_t *a, size_t m, const uint32_t *b,
                            size_t n, size_t k, size_t *d)
{
    if (m == 0) {
        *d = n;
        return VERSO_OK;
    }
    if (m <= S_SMALL) {
        *d = s_word_small(a, m, b, n, k);
        return VERSO_OK;
    }
    size_t w = (m + S_BLOCK_BITS - 1) / S_BLOCK_BITS;
    verso_err err = s_peq_build(f, a, m, w);
    size_t pcap = f->blocks_cap, mcap = f->blocks_cap;
    if (!err)
        err = verso_array_grow(&f->pv, &pcap, w, sizeof *f->pv);
    if (!err)
        err = verso_array_grow(&f->mv, &mcap, w, sizeof *f->mv);
    if (!err)
        err = verso_array_grow(&f->bsc, &f->blocks_cap, w, sizeof *f->bsc);
    if (err)
        return err;
    *d = w == 1 ? s_word(f, m, b, n, k) : s_blocks(f, m, w, b, n, k);
    return VERSO_OK;
}

verso_err verso_fuzzy_ed(verso_fuzzy *f, const uint32_t *a, size_t m, const uint32_t *b, size_t n,
                         size_t *ed)
{
    if (m > n)
        return s_distance(f, b, n, a, m, m, ed);
    return s_distance(f, a, m, b, n, n, ed);
}

verso_err verso_fuzzy_within(verso_fuzzy *f, const uint32_t *a, size_t m, const uint32_t *b,
                             size_t n, size_t k, bool *yes)
{
    if (m > n)
        return verso_fuzzy_within(f, b, n, a, m, k, yes);
    if (n - m > k || k >= n) { /* the length filter; and no distance exceeds n */
        *yes = n - m <= k;
        return VERSO_OK;
    }
    size_t d;
    verso_err err = s_distance(f, a, m, b, n, k, &d);
    if (!err)
        *yes = d <= k;
    return err;
}

/* ---- scores --------------------------------------------------------------- */

int verso_fuzzy_base(size_t m, size_t n, size_t ed)
{
    size_t l = m > n ? m : n;
    if (l == 0)
        return 100;
    return ed >= l ? 0 : (int)(100 * (l - ed) / l);
}

long verso_fuzzy_max_ed(size_t m, size_t n, int min_score)
{
    size_t l = m > n ? m : n;
    if (min_score > 100)
        return -1;
    if (min_score <= 0)
        return (long)l;
    return (long)(l * (size_t)(100 - min_score) / 100);
}

void verso_fuzzy_len_range(size_t m, int min_score, size_t *lo, size_t *hi)
{
    if (min_score > 100) {
        *lo = 1;
        *hi = 0;
    } else if (min_score <= 0) {
        *lo = 0;
        *hi = SIZE_MAX;
    } else {
        *lo = (m * (size_t)min_score + 99) / 100;
        *hi = 100 * m / (size_t)min_score;
    }
}

size_t verso_fuzzy_min_overlap(size_t m, int min_score)
{
    if (min_score > 100)
        return m + 1;
    return min_score <= 0 ? 0 : (m * (size_t)min_score + 99) / 100;
}

int verso_fuzzy_points(unsigned penalties)
{
    return (penalties & VERSO_TEXT_CASE ? 1 : 0) + (penalties & VERSO_TEXT_TAGS ? 1 : 0) +
           (penalties & VERSO_TEXT_PUNCT ? 2 : 0) + (penalties & VERSO_TEXT_NUMBERS ? 3 : 0);
}

/* ---- alignment and differences -------------------------------------------- */

enum { S_MATCH, S_SUB, S_DEL, S_INS }; /* DEL: a query token; INS: a candidate token */

/* The distance of q and c and one optimal edit script of q's tokens into
 * c's in f->ops, from the full table (diagonal steps preferred, so that
 * replacements pair up). */
static verso_err s_align(verso_fuzzy *f, const verso_fuzzy_text *q, const verso_fuzzy_text *c,
                         size_t *ed, size_t *nops)
{
    const uint32_t *a = q->ids, *b = c->ids;
    size_t m = q->n, n = c->n;
    if (m > S_MAX_ALIGN || n > S_MAX_ALIGN || (m + 1) * (n + 1) > S_MAX_CELLS)
        return VERSO_ETOOBIG;
    size_t cols = n + 1;
    verso_err err = verso_array_grow(&f->dp, &f->dp_cap, (m + 1) * cols, sizeof *f->dp);
    if (!err)
        err = verso_array_grow(&f->ops, &f->ops_cap, m + n, 1);
    if (err)
        return err;
    uint16_t *d = f->dp;
    for (size_t j = 0; j <= n; j++)
        d[j] = (uint16_t)j;
    for (size_t i = 1; i <= m; i++) {
        uint16_t *r = d + i * cols, *up = r - cols;
        r[0] = (uint16_t)i;
        for (size_t j = 1; j <= n; j++) {
            unsigned v = up[j - 1] + (a[i - 1] != b[j - 1]);
            v = up[j] + 1u < v ? up[j] + 1u : v;
            r[j] = (uint16_t)(r[j - 1] + 1u < v ? r[j - 1] + 1u : v);
        }
    }
    *ed = d[m * cols + n];
    size_t k = 0, i = m, j = n;
    while (i > 0 || j > 0) {
        unsigned v = d[i * cols + j];
        bool same = i > 0 && j > 0 && a[i - 1] == b[j - 1];
        if (i > 0 && j > 0 && v == d[(i - 1) * cols + j - 1] + (same ? 0u : 1u)) {
            f->ops[k++] = same ? S_MATCH : S_SUB;
            i--, j--;
        } else if (i > 0 && v == d[(i - 1) * cols + j] + 1u) {
            f->ops[k++] = S_DEL;
            i--;
        } else {
            f->ops[k++] = S_INS;
            j--;
        }
    }
    for (size_t x = 0; x < k / 2; x++) {
        unsigned char o = f->ops[x];
        f->ops[x] = f->ops[k - 1 - x];
        f->ops[k - 1 - x] = o;
    }
    *nops = k;
    return VERSO_OK;
}

/* The bytes of t's punctuation between token i - 1 and token i (i = 0:
 * before the first; i = n: after the last). */
static bool s_same_gap(const verso_fuzzy_text *q, size_t i, const verso_fuzzy_text *c, size_t j)
{
    size_t qs = i ? q->tok[i - 1].gap : 0, qe = i < q->n ? q->tok[i].gap : q->punct.len;
    size_t cs = j ? c->tok[j - 1].gap : 0, ce = j < c->n ? c->tok[j].gap : c->punct.len;
    return qe - qs == ce - cs &&
           (qe == qs || !memcmp(q->punct.data + qs, c->punct.data + cs, qe - qs));
}

/* Where an empty side of a hunk sits: after token i - 1, else before token 0. */
static uint32_t s_at(const verso_fuzzy_text *t, size_t i)
{
    return i ? t->tok[i - 1].end : t->n ? t->tok[0].start : 0;
}

/* Widens a hunk side [*s, *e) to token tk. */
static void s_widen(uint32_t *s, uint32_t *e, const verso_fuzzy_token *tk)
{
    if (*s == *e)
        *s = tk->start;
    *e = tk->end;
}

/* Walks f->ops: hunks for runs of edits and for matched pairs written
 * differently, and the penalties of the aligned parts (gaps compared only
 * between two matched pairs, with gaps true). Room for the hunks is made
 * by the caller. */
static unsigned s_walk(verso_fuzzy *f, const verso_fuzzy_text *q, const verso_fuzzy_text *c,
                       size_t nops, bool gaps)
{
    size_t i = 0, j = 0;
    bool after_match = true;
    unsigned pen = 0;
    verso_fuzzy_hunk *open = NULL;
    f->nhunks = 0;
    for (size_t k = 0; k < nops; k++) {
        if (f->ops[k] == S_MATCH) {
            if (gaps && after_match && !s_same_gap(q, i, c, j))
                pen |= VERSO_TEXT_PUNCT;
            const verso_fuzzy_token *x = &q->tok[i], *y = &c->tok[j];
            if (x->end - x->start != y->end - y->start ||
                memcmp(q->s + x->start, c->s + y->start, x->end - x->start)) {
                unsigned what =
                    x->kind == VERSO_FUZZY_NUMBER ? VERSO_TEXT_NUMBERS : VERSO_TEXT_CASE;
                pen |= what;
                f->hunks[f->nhunks++] =
                    (verso_fuzzy_hunk){x->start, x->end, y->start, y->end, what};
            }
            i++, j++;
            after_match = true;
            open = NULL;
            continue;
        }
        if (!open) {
            open = &f->hunks[f->nhunks++];
            *open = (verso_fuzzy_hunk){s_at(q, i), s_at(q, i), s_at(c, j), s_at(c, j),
                                       VERSO_FUZZY_EDIT};
        }
        if (f->ops[k] != S_INS)
            s_widen(&open->q_start, &open->q_end, &q->tok[i++]);
        if (f->ops[k] != S_DEL)
            s_widen(&open->c_start, &open->c_end, &c->tok[j++]);
        after_match = false;
    }
    if (gaps && after_match && !s_same_gap(q, q->n, c, c->n))
        pen |= VERSO_TEXT_PUNCT;
    return pen;
}

static bool s_same_buf(const verso_buf *a, const verso_buf *b)
{
    return a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

/* The near-exact penalties of texts whose tokens run together the same;
 * VERSO_TEXT_UNLIKE when text.h's loose forms differ after all (or, out of
 * memory, when it cannot tell: the pair is then scored as fuzzy). */
static unsigned s_near(verso_fuzzy *f, const verso_fuzzy_text *q, const verso_fuzzy_text *c)
{
    if (verso_text_parts_of(q->s, q->len, &f->pa) || verso_text_parts_of(c->s, c->len, &f->pb))
        return VERSO_TEXT_UNLIKE;
    unsigned d = verso_text_parts_diff(&f->pa, &f->pb);
    return d ? d : verso_text_reordered(q->s, q->len, c->s, c->len);
}

/* The script of equal id sequences: every pair matched. */
static verso_err s_diagonal(verso_fuzzy *f, size_t n, size_t *nops)
{
    verso_err err = verso_array_grow(&f->ops, &f->ops_cap, n, 1);
    if (!err)
        memset(f->ops, S_MATCH, n);
    *nops = n;
    return err;
}

verso_err verso_fuzzy_compare(verso_fuzzy *f, const verso_fuzzy_text *q, const verso_fuzzy_text *c,
                              verso_fuzzy_match *out)
{
    f->nhunks = 0;
    if (q->len == c->len && (q->len == 0 || !memcmp(q->s, c->s, q->len))) {
        *out = (verso_fuzzy_match){100, 100, 0, 0, f->hunks, 0};
        return VERSO_OK;
    }
    size_t ed = 0, nops = 0;
    bool same = q->n == c->n && (q->n == 0 || !memcmp(q->ids, c->ids, q->n * sizeof *q->ids));
    verso_err err = same ? s_diagonal(f, q->n, &nops) : s_align(f, q, c, &ed, &nops);
    if (!err)
        err = verso_array_grow(&f->hunks, &f->hunks_cap, nops + 1, sizeof *f->hunks);
    if (err)
        return err;
    unsigned pen = s_walk(f, q, c, nops, ed > 0);
    int base = verso_fuzzy_base(q->n, c->n, ed);
    if (ed == 0) { /* text.h's rule: all punctuation and spacing, in order */
        pen |= s_same_buf(&q->punct, &c->punct) ? 0 : VERSO_TEXT_PUNCT;
        pen |= q->marks == c->marks ? 0 : VERSO_TEXT_TAGS;
        pen = pen ? pen : verso_text_reordered(q->s, q->len, c->s, c->len);
    } else {
        unsigned near = s_same_buf(&q->folded, &c->folded) ? s_near(f, q, c) : VERSO_TEXT_UNLIKE;
        if (near != VERSO_TEXT_UNLIKE) {
            pen = near;
            base = 100;
        }
        pen |= q->marks == c->marks ? 0 : VERSO_TEXT_TAGS;
    }
    int score = base - verso_fuzzy_points(pen);
    *out = (verso_fuzzy_match){score > 0 ? score : 0, base, pen, ed, f->hunks, f->nhunks};
    return VERSO_OK;
}
