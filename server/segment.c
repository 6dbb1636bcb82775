/*
 * segment.c - the sentence segmenter; see segment.h and docs/SEGMENTATION.md.
 *
 * Pipeline: paragraphs (by mode) -> blocks (bullets are hard breaks) ->
 * candidate boundaries from ICU (UText over the UTF-8 itself, so boundaries
 * are byte offsets) plus the ones ICU cannot see (list items, spaced
 * ellipses, a missing space after a full stop) -> the rule layer keeps or
 * drops each candidate -> trimmed spans; a span without letters or digits
 * joins the one before it.
 */
#define _GNU_SOURCE /* memmem */
#include "segment.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#define S_ITERS     8  /* languages with a cached ICU iterator per segmenter */
#define S_WORD_SCAN 64 /* longer words are in no rule list: stop looking */

typedef struct s_iter {
    char base[VERSO_LANG_MAX];
    UBreakIterator *bi;
} s_iter;

struct verso_segmenter {
    const verso_seg_rules *rules;
    s_iter iters[S_ITERS];
    unsigned next_slot;
    size_t *cand; /* candidate boundaries of the current block */
    unsigned char *hard;
    size_t ncand, cap;
    size_t *icu; /* ICU's boundaries over the whole text */
    size_t nicu, icu_cap, icu_next;
    struct s_brk *brk; /* bracket events of the current block */
    size_t nbrk, brk_cap;
};

/* A CJK bracket or curly quote: where, which pair, opening or closing. */
typedef struct s_brk {
    size_t pos;
    int pair;
    bool open;
} s_brk;

/* What the rules look at: the text and the sentence being built. */
typedef struct s_ctx {
    verso_segmenter *sg;
    const verso_seg_lang *L;
    const char *t;
    size_t len;
    size_t block_start, block_end;
    size_t sent_start; /* start of the sentence being built */
    bool blank_mode;
    int brackets; /* bracket events of the block: -1 not gathered yet, else their count */
    uint32_t para;
    verso_spans *out;
} s_ctx;

void verso_spans_init(verso_spans *s)
{
    memset(s, 0, sizeof *s);
}

void verso_spans_fini(verso_spans *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

static verso_err s_spans_push(verso_spans *s, size_t start, size_t end, uint32_t para)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        verso_span *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return VERSO_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (verso_span){start, end, para};
    return VERSO_OK;
}

verso_err verso_segmenter_new(const verso_seg_rules *rules, verso_segmenter **out)
{
    verso_segmenter *s = calloc(1, sizeof *s);
    if (!s)
        return VERSO_ENOMEM;
    s->rules = rules;
    *out = s;
    return VERSO_OK;
}

void verso_segmenter_destroy(verso_segmenter **sp)
{
    verso_segmenter *s = *sp;
    if (!s)
        return;
    for (int i = 0; i < S_ITERS; i++)
        if (s->iters[i].bi)
            ubrk_close(s->iters[i].bi);
    free(s->cand);
    free(s->hard);
    free(s->icu);
    free(s->brk);
    free(s);
    *sp = NULL;
}

/* This thread's sentence iterator for a language (opened once, reused). */
static UBreakIterator *s_iter_for(verso_segmenter *s, const char *lang)
{
    char base[VERSO_LANG_MAX];
    verso_lang_base(lang, base);
    for (int i = 0; i < S_ITERS; i++)
        if (s->iters[i].bi && !strcmp(s->iters[i].base, base))
            return s->iters[i].bi;
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_SENTENCE, base, NULL, 0, &st);
    if (U_FAILURE(st))
        return NULL;
    s_iter *slot = &s->iters[s->next_slot++ % S_ITERS];
    if (slot->bi)
        ubrk_close(slot->bi);
    memcpy(slot->base, base, sizeof base);
    slot->bi = bi;
    return bi;
}

/* ---- characters ---------------------------------------------------------- */

/* Nonzero high bits in the bytes of w equal to the byte repeated in k. */
static inline uint64_t s_bytes_eq(uint64_t w, uint64_t k)
{
    uint64_t x = w ^ k;
    return ~(((x & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | x | 0x7F7F7F7F7F7F7F7FULL);
}

/* First index >= i where three spaces start (a layout gap), else b: six
 * positions per 8-byte load, windows overlapping by two bytes. */
static size_t s_find_gap(const char *t, size_t i, size_t b)
{
    for (; i + 8 <= b; i += 6) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        uint64_t m = s_bytes_eq(w, 0x2020202020202020ULL);
        m &= (m >> 8) & (m >> 16) & 0x0000808080808080ULL;
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    for (; i + 2 < b; i++)
        if (t[i] == ' ' && t[i + 1] == ' ' && t[i + 2] == ' ')
            return i;
    return b;
}

/* Code point at i, and the index after it. Invalid bytes read as U+FFFD. */
static inline UChar32 s_cp(const char *t, size_t len, size_t i, size_t *next)
{
    if ((unsigned char)t[i] < 0x80) {
        if (next)
            *next = i + 1;
        return (unsigned char)t[i];
    }
    int32_t j = 0, n = (int32_t)(len - i);
    UChar32 c;
    U8_NEXT_OR_FFFD((const uint8_t *)t + i, j, n, c);
    if (next)
        *next = i + (size_t)j;
    return c;
}

/* Code point ending at i (i > lo), and the index where it starts. */
static UChar32 s_cp_before(const char *t, size_t lo, size_t i, size_t *start)
{
    int32_t j = (int32_t)(i - lo);
    UChar32 c;
    U8_PREV_OR_FFFD((const uint8_t *)t + lo, 0, j, c);
    if (start)
        *start = lo + (size_t)j;
    return c;
}

static inline bool s_is_space(UChar32 c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    return u_isUWhiteSpace(c);
}

static bool s_is_bullet(UChar32 c)
{
    return c == 0x2022 || c == 0x2023 || c == 0x2043 || c == 0x25E6 || c == 0x25AA || c == 0x25CF ||
           c == 0x25A0 || c == 0x2219;
}

/* Sentence terminators: ".", "!", "?" and whatever UAX 29 calls STerm or
 * ATerm (。！？, ।, ؟, ۔, ։, ።, ။, …), so that every script ICU knows counts. */
static bool s_is_term(UChar32 c)
{
    if (c < 0x80)
        return c == '.' || c == '!' || c == '?';
    int32_t sb = u_getIntPropertyValue(c, UCHAR_SENTENCE_BREAK);
    return sb == U_SB_STERM || sb == U_SB_ATERM;
}

static bool s_is_cjk_term(UChar32 c)
{
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61;
}

/* Closing quotes and brackets that stay with the sentence they end. */
static bool s_is_closer(UChar32 c)
{
    int8_t gc = (int8_t)u_charType(c);
    return c == '"' || c == '\'' || gc == U_END_PUNCTUATION || gc == U_FINAL_PUNCTUATION ||
           gc == U_INITIAL_PUNCTUATION; /* “ ” are used both ways around */
}

static bool s_is_opener(UChar32 c)
{
    int8_t gc = (int8_t)u_charType(c);
    return c == '"' || c == '\'' || gc == U_START_PUNCTUATION || gc == U_INITIAL_PUNCTUATION ||
           c == 0x00BF || c == 0x00A1; /* ¿ ¡ */
}

/* ---- words around a candidate ------------------------------------------- */

/* A view of the text around a candidate boundary b. */
typedef struct s_view {
    size_t end;                  /* end of the sentence before b, trimmed */
    size_t term_start, term_end; /* terminator run (may be empty) */
    size_t w0;                   /* start of the word before the terminator */
    size_t n0, n1;               /* next word (letters and digits) */
    UChar32 next;                /* first character after the openers, or 0 */
    bool newline_in_gap;
} s_view;

static void s_look_back(const s_ctx *c, size_t b, s_view *v)
{
    size_t i = b, p;
    v->newline_in_gap = false;
    while (i > c->sent_start) {
        UChar32 ch = s_cp_before(c->t, c->sent_start, i, &p);
        if (!s_is_space(ch))
            break;
        v->newline_in_gap |= ch == '\n' || ch == '\r';
        i = p;
    }
    v->end = i;
    /* Closers, with the space French puts before "»". */
    while (i > c->sent_start) {
        UChar32 ch = s_cp_before(c->t, c->sent_start, i, &p);
        if (!s_is_closer(ch) && ch != ' ' && ch != 0x00A0 && ch != 0x202F)
            break;
        i = p;
    }
    v->term_end = i;
    while (i > c->sent_start && s_is_term(s_cp_before(c->t, c->sent_start, i, &p)))
        i = p;
    v->term_start = i;
}

/* The word before the terminator, [w0, term_start): only the rules for
 * scripts with case look at it. */
static void s_look_word(const s_ctx *c, s_view *v)
{
    size_t i = v->term_start, p;
    while (i > c->sent_start) {
        UChar32 ch = s_cp_before(c->t, c->sent_start, i, &p);
        if (s_is_space(ch) || s_is_bullet(ch) || (s_is_opener(ch) && ch != '\''))
            break;
        i = p;
        if (v->term_start - i > S_WORD_SCAN) { /* a CJK clause, a URL: no rule word */
            i = v->term_start;
            break;
        }
    }
    v->w0 = i;
}

static void s_look_ahead(const s_ctx *c, size_t b, s_view *v)
{
    size_t i = b, nx;
    v->next = 0;
    while (i < c->block_end) {
        UChar32 ch = s_cp(c->t, c->block_end, i, &nx);
        if (!s_is_space(ch) && !s_is_opener(ch)) {
            v->next = ch;
            break;
        }
        i = nx;
    }
    v->n0 = v->n1 = i;
    while (v->n1 < c->block_end && v->n1 - v->n0 <= S_WORD_SCAN) {
        UChar32 ch = s_cp(c->t, c->block_end, v->n1, &nx);
        if (!u_isalnum(ch) && ch != 0x00B0 && ch != 0x00BA)
            break;
        v->n1 = nx;
    }
}

static size_t s_count_cps(const char *t, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += ((unsigned char)t[i] & 0xC0) != 0x80;
    return n;
}

/* Words (space-separated runs) from sent_start to end. */
static unsigned s_words_so_far(const s_ctx *c, size_t end)
{
    unsigned n = 0;
    bool in = false;
    for (size_t i = c->sent_start; i < end; i++) {
        bool sp = c->t[i] == ' ' || c->t[i] == '\t' || c->t[i] == '\n';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

/* "U.S", "a.m", "e.g", "Ph.D": letters in runs of at most 3, joined by '.'. */
static bool s_is_dotted_abbrev(const char *t, size_t a, size_t b)
{
    unsigned run = 0, dots = 0;
    for (size_t i = a; i < b;) {
        size_t nx;
        UChar32 ch = s_cp(t, b, i, &nx);
        if (ch == '.') {
            if (run == 0)
                return false;
            dots++;
            run = 0;
        } else if (u_isalpha(ch)) {
            if (++run > 3)
                return false;
        } else {
            return false;
        }
        i = nx;
    }
    return dots > 0 && run > 0;
}

/* A list marker at the start of a sentence: "1", "12", "a", "B" (before ".", ")"). */
static bool s_is_marker_word(const char *t, size_t a, size_t b)
{
    if (b <= a || b - a > 3)
        return false;
    bool digits = true;
    for (size_t i = a; i < b; i++)
        digits &= t[i] >= '0' && t[i] <= '9';
    return digits || (b - a == 1 && ((t[a] >= 'a' && t[a] <= 'z') || (t[a] >= 'A' && t[a] <= 'Z')));
}

static bool s_all_digits(const char *t, size_t a, size_t b)
{
    if (b <= a)
        return false;
    for (size_t i = a; i < b; i++)
        if (t[i] < '0' || t[i] > '9')
            return false;
    return true;
}

/* ---- the rule layer ------------------------------------------------------ */

/* Brackets inside which CJK text is never broken: 《》〈〉「」『』【】（）“”. */
static int s_bracket(UChar32 c, bool *open)
{
    static const UChar32 pairs[][2] = {{0x300A, 0x300B}, {0x3008, 0x3009}, {0x300C, 0x300D},
                                       {0x300E, 0x300F}, {0x3010, 0x3011}, {0xFF08, 0xFF09},
                                       {0x201C, 0x201D}};
    for (int i = 0; i < 7; i++)
        if (c == pairs[i][0] || c == pairs[i][1]) {
            *open = c == pairs[i][0];
            return i;
        }
    return -1;
}

/* First index >= i (and < end) holding 0xE2, 0xE3 or 0xEF, else end: eight
 * bytes at a time, since CJK text is mostly other lead bytes. */
static size_t s_next_lead(const char *t, size_t i, size_t end)
{
    for (; i + 8 <= end; i += 8) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        uint64_t m = s_bytes_eq(w, 0xE2E2E2E2E2E2E2E2ULL) | s_bytes_eq(w, 0xE3E3E3E3E3E3E3E3ULL) |
                     s_bytes_eq(w, 0xEFEFEFEFEFEFEFEFULL);
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    for (; i < end; i++) {
        unsigned char b = (unsigned char)t[i];
        if (b == 0xE2 || b == 0xE3 || b == 0xEF)
            return i;
    }
    return end;
}

/* Gathers the block's bracket events (all the brackets s_bracket knows are
 * 3-byte sequences starting 0xE2, 0xE3 or 0xEF). Returns their count, or -1
 * when out of memory (then no bracket protection for this block). */
static int s_gather_brackets(s_ctx *c)
{
    verso_segmenter *s = c->sg;
    s->nbrk = 0;
    for (size_t i = c->block_start; i + 2 < c->block_end; i++) {
        i = s_next_lead(c->t, i, c->block_end - 2);
        if (i + 2 >= c->block_end)
            break;
        unsigned char b = (unsigned char)c->t[i];
        bool open;
        int pair;
        if ((b != 0xE2 && b != 0xE3 && b != 0xEF) ||
            (pair = s_bracket(s_cp(c->t, c->block_end, i, NULL), &open)) < 0)
            continue;
        if (s->nbrk == s->brk_cap) {
            size_t cap = s->brk_cap ? s->brk_cap * 2 : 32;
            s_brk *p = realloc(s->brk, cap * sizeof *p);
            if (!p)
                return 0;
            s->brk = p;
            s->brk_cap = cap;
        }
        s->brk[s->nbrk++] = (s_brk){i, pair, open};
        i += 2;
    }
    return (int)s->nbrk;
}

/* True when pos lies inside a bracket pair that closes later in the block. */
static bool s_in_brackets(s_ctx *c, size_t pos)
{
    if (c->brackets < 0)
        c->brackets = s_gather_brackets(c);
    int depth[7] = {0};
    const s_brk *e = c->sg->brk;
    size_t i = 0;
    for (; i < (size_t)c->brackets && e[i].pos < pos; i++)
        depth[e[i].pair] += e[i].open ? 1 : (depth[e[i].pair] > 0 ? -1 : 0);
    for (; i < (size_t)c->brackets; i++)
        if (!e[i].open && depth[e[i].pair] > 0)
            return true;
    return false;
}

/* 「はい。」と言った, “走吧！”他说: a quote closed after a CJK terminator and
 * followed straight by text is part of the sentence that goes on. */
static bool s_quote_goes_on(const s_ctx *c, const s_view *v)
{
    bool quote = false;
    for (size_t i = v->term_end; i < v->end;) {
        size_t nx;
        UChar32 ch = s_cp(c->t, v->end, i, &nx);
        quote |= ch == 0x300D || ch == 0x300F || ch == 0x201D;
        i = nx;
    }
    return quote && v->end == v->n0 && u_isalpha(v->next);
}

static bool s_has(const s_ctx *c, verso_seg_list which, size_t a, size_t b)
{
    return verso_seg_lang_has(c->L, which, c->t + a, b - a);
}

/* Only spaces, bullets and openers between a and b. */
static bool s_blank_before(const s_ctx *c, size_t a, size_t b)
{
    while (a < b) {
        size_t nx;
        UChar32 ch = s_cp(c->t, b, a, &nx);
        if (!s_is_space(ch) && !s_is_bullet(ch) && !s_is_opener(ch))
            return false;
        a = nx;
    }
    return true;
}

/* A weak abbreviation ("Co.", "U.S.", "a.m.") ends a sentence only before a
 * sentence starter, or before a title once the sentence has more than three
 * words ("at 6 P.M. Mr. Smith" vs "At 5 a.m. Mr. Smith went"). */
static bool s_keep_after_weak(const s_ctx *c, const s_view *v, bool upper, bool starter)
{
    if (!upper)
        return false;
    if (starter)
        return true;
    bool title =
        v->n1 < c->block_end && c->t[v->n1] == '.' && s_has(c, VERSO_SEG_ABBREV, v->n0, v->n1);
    return title && s_words_so_far(c, v->end) > 3;
}

/* A single full stop after word [w0, term_start). */
static bool s_keep_after_dot(const s_ctx *c, const s_view *v, bool upper, bool starter)
{
    size_t w0 = v->w0, w1 = v->term_start;
    if (w0 == w1)
        return true;
    if (s_is_marker_word(c->t, w0, w1) && s_blank_before(c, c->sent_start, w0))
        return false; /* "1. The first item" */
    if (s_has(c, VERSO_SEG_ABBREV, w0, w1))
        return false;
    if (u_isdigit(v->next) && s_has(c, VERSO_SEG_ABBREV_NUM, w0, w1))
        return false;
    UChar32 first = s_cp(c->t, w1, w0, NULL);
    if (s_count_cps(c->t, w0, w1) == 1 && u_isupper(first) && upper && !starter)
        return false; /* initial: "Jonas E. Smith" */
    if (verso_seg_lang_ordinal_dot(c->L) && s_all_digits(c->t, w0, w1) && upper && !starter)
        return false; /* "am 12. Juni" */
    if (s_has(c, VERSO_SEG_ABBREV_WEAK, w0, w1) || s_is_dotted_abbrev(c->t, w0, w1))
        return s_keep_after_weak(c, v, upper, starter);
    return true;
}

/* Decides an ICU candidate boundary b. */
static bool s_keep(s_ctx *c, size_t b)
{
    s_view v;
    s_look_back(c, b, &v);
    if (v.end <= c->sent_start)
        return false;
    if (v.term_start == v.term_end) /* ICU's own reasons ("Τι κάνεις;"), or a line end */
        return !(v.newline_in_gap && c->blank_mode);
    if (v.term_start > c->sent_start && c->t[v.term_start - 1] == '[')
        return false; /* "[...]" marks an omission, not an end */
    s_look_ahead(c, b, &v);
    UChar32 last = s_cp_before(c->t, v.term_start, v.term_end, NULL);
    if (s_is_cjk_term(last) && (s_in_brackets(c, v.end) || s_quote_goes_on(c, &v)))
        return false;
    bool upper = u_isupper(v.next) || u_istitle(v.next);
    bool lower = u_islower(v.next);
    if (!upper && !lower && !u_isdigit(v.next))
        return true; /* CJK, or end of text: ICU's decision stands */
    s_look_word(c, &v);
    bool starter = s_has(c, VERSO_SEG_STARTERS, v.n0, v.n1);
    if (v.term_end - v.term_start == 1 && c->t[v.term_start] == '.')
        return s_keep_after_dot(c, &v, upper, starter);
    bool bang = false;
    for (size_t i = v.term_start; i < v.term_end; i++)
        bang |= c->t[i] == '!' || c->t[i] == '?';
    if (bang && lower)
        return false; /* "Yahoo! in the" */
    if (bang && s_has(c, VERSO_SEG_EXCLAMATIONS, v.w0, v.term_start) && !starter)
        return false;
    return true;
}

/* ---- candidates ---------------------------------------------------------- */

#define S_HARD 1 /* a boundary the rules impose: not decided again */
#define S_DROP 2 /* an ICU candidate overruled by a pre-scan */

static verso_err s_cand_add(verso_segmenter *s, size_t pos, unsigned char kind)
{
    if (s->ncand == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t *c = realloc(s->cand, cap * sizeof *c);
        unsigned char *h = c ? realloc(s->hard, cap) : NULL;
        if (c)
            s->cand = c;
        if (!c || !h)
            return VERSO_ENOMEM;
        s->hard = h;
        s->cap = cap;
    }
    /* Keep the list sorted; pre-scans add few, mostly in order. */
    size_t i = s->ncand;
    while (i > 0 && s->cand[i - 1] > pos)
        i--;
    if (i > 0 && s->cand[i - 1] == pos) {
        s->hard[i - 1] |= kind;
        return VERSO_OK;
    }
    memmove(s->cand + i + 1, s->cand + i, (s->ncand - i) * sizeof *s->cand);
    memmove(s->hard + i + 1, s->hard + i, s->ncand - i);
    s->cand[i] = pos;
    s->hard[i] = kind;
    s->ncand++;
    return VERSO_OK;
}

/* Marks ICU candidates in [a, b] as overruled. */
static void s_cand_drop(verso_segmenter *s, size_t a, size_t b)
{
    for (size_t i = 0; i < s->ncand; i++)
        if (s->cand[i] >= a && s->cand[i] <= b && !(s->hard[i] & S_HARD))
            s->hard[i] |= S_DROP;
}

static size_t s_skip_spaces(const s_ctx *c, size_t i)
{
    size_t nx;
    while (i < c->block_end && s_is_space(s_cp(c->t, c->block_end, i, &nx)))
        i = nx;
    return i;
}

/*
 * Spaced ellipses (". . ."): three dots never end a sentence; four do, when
 * a capital follows. Attached to a word ("compounds. . . . The"), the first
 * dot is the full stop and the ellipsis opens the next sentence; spaced
 * ("period . . . . Next"), the last dot is.
 */
static verso_err s_scan_ellipses(const s_ctx *c)
{
    const char *t = c->t;
    for (const char *p = memchr(t + c->block_start, '.', c->block_end - c->block_start); p;
         p = memchr(p + 1, '.', (size_t)(t + c->block_end - p - 1))) {
        size_t i = (size_t)(p - t);
        if (i + 4 >= c->block_end)
            break;
        if (t[i + 1] != ' ' || t[i + 2] != '.')
            continue;
        size_t end = i + 3, dots = 2;
        while (end + 1 < c->block_end && t[end] == ' ' && t[end + 1] == '.') {
            end += 2;
            dots++;
        }
        if (dots < 3) {
            p = t + end - 1;
            continue;
        }
        bool attached = i > c->block_start && t[i - 1] != ' ';
        size_t after = end, nx;
        while (after < c->block_end && s_is_closer(s_cp(t, c->block_end, after, &nx)))
            after = nx;
        size_t next = s_skip_spaces(c, after);
        UChar32 nc = next < c->block_end ? s_cp(t, c->block_end, next, NULL) : 0;
        s_cand_drop(c->sg, i, next);
        if (dots >= 4 && (u_isupper(nc) || u_istitle(nc))) {
            verso_err err = s_cand_add(c->sg, attached ? i + 1 : next, S_HARD);
            if (err)
                return err;
        }
        p = t + end - 1;
    }
    return VERSO_OK;
}

/* "raak. ...en toen": a full stop, then an ellipsis opening the next
 * sentence in lower case; and "the end.New start" with no space. */
static verso_err s_scan_dots(const s_ctx *c)
{
    const char *t = c->t;
    for (const char *p = memchr(t + c->block_start, '.', c->block_end - c->block_start); p;
         p = memchr(p + 1, '.', (size_t)(t + c->block_end - p - 1))) {
        size_t i = (size_t)(p - t);
        if (i + 2 >= c->block_end)
            break;
        if (i < c->block_start + 2 || !u_isalpha(s_cp_before(t, c->block_start, i, NULL)))
            continue;
        size_t w = i, wp;
        while (w > c->block_start && u_isalpha(s_cp_before(t, c->block_start, w, &wp)))
            w = wp;
        if (i - w < 2 || s_has(c, VERSO_SEG_ABBREV, w, i) || s_has(c, VERSO_SEG_ABBREV_WEAK, w, i))
            continue;
        verso_err err = VERSO_OK;
        if (t[i + 1] == ' ' && i + 5 <= c->block_end &&
            (!memcmp(t + i + 2, "...", 3) || !memcmp(t + i + 2, "\xe2\x80\xa6", 3))) {
            err = s_cand_add(c->sg, i + 2, S_HARD);
        } else if (w > c->block_start && t[w - 1] != '.') {
            size_t nx;
            UChar32 a = s_cp(t, c->block_end, i + 1, &nx);
            UChar32 b = nx < c->block_end ? s_cp(t, c->block_end, nx, NULL) : 0;
            size_t tok0 = w, tok1 = i;
            while (tok0 > c->block_start && !s_is_space((UChar32)(unsigned char)t[tok0 - 1]))
                tok0--;
            while (tok1 < c->block_end && !s_is_space((UChar32)(unsigned char)t[tok1]))
                tok1++;
            bool addr = memchr(t + tok0, '@', tok1 - tok0) || memchr(t + tok0, '/', tok1 - tok0);
            if (u_isupper(a) && u_islower(b) && u_islower(s_cp_before(t, w, i, NULL)) && !addr)
                err = s_cand_add(c->sg, i + 1, S_HARD);
        }
        if (err)
            return err;
    }
    return VERSO_OK;
}

/* ICU proposes no boundary after "E.U." or "I." before a capital, nor after
 * "kwamen." before a number ("81 procent"): offer those to the rules. */
static verso_err s_scan_soft(const s_ctx *c)
{
    const char *t = c->t;
    for (const char *p = t + c->block_start; (p = memchr(p, '.', (size_t)(t + c->block_end - p)));
         p++) {
        size_t i = (size_t)(p - t) + 1, nx;
        if (i >= c->block_end || !s_is_space(s_cp(t, c->block_end, i, &nx)))
            continue;
        size_t j = s_skip_spaces(c, i);
        while (j < c->block_end && s_is_opener(s_cp(t, c->block_end, j, &nx)))
            j = nx;
        if (j >= c->block_end)
            break;
        UChar32 ch = s_cp(t, c->block_end, j, NULL);
        if (u_isupper(ch) || u_istitle(ch) || u_isdigit(ch)) {
            verso_err err = s_cand_add(c->sg, s_skip_spaces(c, i), 0);
            if (err)
                return err;
        }
    }
    return VERSO_OK;
}

/* Parses a list marker at i: "12", "b" then ".)", ")" or "." and a space.
 * Returns the index after the marker (before the space), or 0. */
static size_t s_marker_at(const s_ctx *c, size_t i, long *num, char *letter, int *style)
{
    const char *t = c->t;
    size_t j = i;
    *num = -1;
    *letter = 0;
    long n = 0;
    while (j < c->block_end && j - i < 3 && t[j] >= '0' && t[j] <= '9')
        n = n * 10 + (t[j++] - '0'); /* the text is not NUL-terminated: no strtol */
    if (j > i)
        *num = n;
    else if (j < c->block_end && t[j] >= 'a' && t[j] <= 'z')
        *letter = t[j++];
    else
        return 0;
    if (j + 2 < c->block_end && t[j] == '.' && t[j + 1] == ')' && t[j + 2] == ' ')
        *style = 2;
    else if (j + 1 < c->block_end && t[j] == ')' && t[j + 1] == ' ')
        *style = 1;
    else if (j + 1 < c->block_end && t[j] == '.' && t[j + 1] == ' ')
        *style = 0;
    else
        return 0;
    return j + (*style == 2 ? 2 : 1);
}

/* Follows the list series whose marker is at i ("1)", "a.", "3.)"): adds a
 * hard break before each next marker of the same style ("2)", "b."), and
 * before the first one too when `lead` and the series has a second. */
static verso_err s_list_series(const s_ctx *c, size_t i, bool lead)
{
    long num;
    char letter;
    int style;
    if (!s_marker_at(c, i, &num, &letter, &style))
        return VERSO_OK;
    bool found = false;
    for (size_t j = i + 1; j + 3 < c->block_end; j++) {
        long n2;
        char l2;
        int st2;
        if (c->t[j - 1] != ' ' || !s_marker_at(c, j, &n2, &l2, &st2) || st2 != style)
            continue;
        if ((num >= 0 && n2 == num + 1) || (letter && l2 == letter + 1)) {
            verso_err err = s_cand_add(c->sg, j, S_HARD);
            if (!err && lead && !found)
                err = s_cand_add(c->sg, i, S_HARD);
            if (err)
                return err;
            found = true;
            num = n2 >= 0 ? n2 : -1;
            letter = l2;
        }
    }
    return VERSO_OK;
}

/* List series: one that starts the block ("1) first 2) second", "• 9. The
 * first item"), and ones that start inside it with "1" or "a" after a space
 * ("Steps: 1. Open the box 2. Remove it"), found from the "." and ")" that
 * follow their markers. */
static verso_err s_scan_list(const s_ctx *c)
{
    const char *t = c->t;
    size_t first = c->block_start, nx;
    while (first < c->block_end) { /* skip spaces and bullets */
        UChar32 ch = s_cp(t, c->block_end, first, &nx);
        if (!s_is_space(ch) && !s_is_bullet(ch))
            break;
        first = nx;
    }
    verso_err err = s_list_series(c, first, false);
    for (int k = 0; k < 2 && !err; k++) {
        char punct = k ? ')' : '.';
        for (const char *p = memchr(t + first, punct, c->block_end - first); p && !err;
             p = memchr(p + 1, punct, (size_t)(t + c->block_end - p - 1))) {
            if ((size_t)(p - t) < first + 2)
                continue; /* a marker needs a space before it inside the block */
            size_t m = (size_t)(p - t) - 1;
            if ((t[m] != '1' && t[m] != 'a') || !s_is_space((unsigned char)t[m - 1]))
                continue;
            err = s_list_series(c, m, true);
        }
    }
    return err;
}

/* ---- pipeline ------------------------------------------------------------ */

static bool s_has_alnum(const char *t, size_t a, size_t b)
{
    for (size_t i = a; i < b;) {
        size_t nx;
        if (u_isalnum(s_cp(t, b, i, &nx)))
            return true;
        i = nx;
    }
    return false;
}

/* Emits [a, b) trimmed; a piece with no letter or digit joins the previous
 * sentence of the same paragraph. */
static verso_err s_emit(s_ctx *c, size_t a, size_t b)
{
    size_t nx, p;
    while (a < b && s_is_space(s_cp(c->t, b, a, &nx)))
        a = nx;
    while (b > a && s_is_space(s_cp_before(c->t, a, b, &p)))
        b = p;
    if (a >= b)
        return VERSO_OK;
    verso_spans *o = c->out;
    if (o->n && o->v[o->n - 1].para == c->para && !s_has_alnum(c->t, a, b)) {
        o->v[o->n - 1].end = b;
        return VERSO_OK;
    }
    return s_spans_push(o, a, b, c->para);
}

/* ICU breaks "viens. » Puis" before the guillemet (UAX 29 lets closers follow
 * a terminator only before the space). A closer followed by a space or the
 * end still belongs to the sentence before: move the boundary past it. */
static size_t s_past_spaced_closers(const s_ctx *c, size_t pos)
{
    size_t i = pos, nx;
    bool moved = false;
    while (i < c->block_end) {
        UChar32 ch = s_cp(c->t, c->block_end, i, &nx);
        int8_t gc = (int8_t)u_charType(ch);
        if (gc != U_END_PUNCTUATION && gc != U_FINAL_PUNCTUATION && ch != 0x00AB)
            break;
        if (nx < c->block_end && !s_is_space(s_cp(c->t, c->block_end, nx, NULL)))
            break; /* "»Hallo«": an opening guillemet, as German uses them */
        i = s_skip_spaces(c, nx);
        moved = true;
    }
    return moved ? i : pos;
}

/* ICU's boundaries over the whole text, once: a UText per paragraph would
 * cost more than the rules. */
static verso_err s_icu_all(verso_segmenter *s, UBreakIterator *bi, const char *t, size_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, t, (int64_t)len, &st);
    ubrk_setUText(bi, &ut, &st);
    verso_err err = U_FAILURE(st) ? VERSO_EINTERNAL : VERSO_OK;
    s->nicu = s->icu_next = 0;
    for (int32_t b = ubrk_first(bi); !err && b != UBRK_DONE; b = ubrk_next(bi)) {
        if (s->nicu == s->icu_cap) {
            size_t cap = s->icu_cap ? s->icu_cap * 2 : 256;
            size_t *p = realloc(s->icu, cap * sizeof *p);
            if (!p) {
                err = VERSO_ENOMEM;
                break;
            }
            s->icu = p;
            s->icu_cap = cap;
        }
        s->icu[s->nicu++] = (size_t)b;
    }
    utext_close(&ut);
    return err;
}

/* The block's share of ICU's boundaries (blocks come in text order). */
static verso_err s_icu_candidates(s_ctx *c)
{
    verso_segmenter *s = c->sg;
    while (s->icu_next < s->nicu && s->icu[s->icu_next] <= c->block_start)
        s->icu_next++;
    verso_err err = VERSO_OK;
    for (; !err && s->icu_next < s->nicu && s->icu[s->icu_next] < c->block_end; s->icu_next++) {
        size_t pos = s_past_spaced_closers(c, s->icu[s->icu_next]);
        if (pos > c->block_start && pos < c->block_end)
            err = s_cand_add(s, pos, 0);
    }
    return err;
}

static verso_err s_block(s_ctx *c, unsigned flags)
{
    verso_segmenter *s = c->sg;
    s->ncand = 0;
    c->sent_start = c->block_start;
    c->brackets = -1;
    verso_err err = s_icu_candidates(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = s_scan_soft(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = s_scan_ellipses(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = s_scan_dots(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = s_scan_list(c);
    for (size_t i = 0; !err && i < s->ncand; i++) {
        size_t b = s->cand[i];
        if ((s->hard[i] & S_DROP) && !(s->hard[i] & S_HARD))
            continue;
        if (!(flags & VERSO_SEG_ICU_ONLY) && !(s->hard[i] & S_HARD) && !s_keep(c, b))
            continue;
        err = s_emit(c, c->sent_start, b);
        c->sent_start = b;
    }
    return err ? err : s_emit(c, c->sent_start, c->block_end);
}

/* Length of a layout gap at i: a tab, or three or more spaces (columns of a
 * scraped page: "You are here:   Home"); 0 when there is none. */
static size_t s_layout_gap(const char *t, size_t b, size_t i)
{
    size_t j = i;
    while (j < b && t[j] == ' ')
        j++;
    if (j - i >= 3)
        return j - i;
    return t[i] == '\t' ? 1 : 0;
}

/* Index of the first of the three bytes `what` at or after i, or b. */
static size_t s_find(const char *t, size_t i, size_t b, const char *what, size_t n)
{
    const char *p = i >= b   ? NULL
                    : n == 1 ? memchr(t + i, what[0], b - i)
                             : memmem(t + i, b - i, what, n);
    return p ? (size_t)(p - t) : b;
}

static verso_err s_block_at(s_ctx *c, size_t a, size_t b, unsigned flags)
{
    c->block_start = a;
    c->block_end = b;
    return a < b ? s_block(c, flags) : VERSO_OK;
}

/* Splits a paragraph into blocks at bullets that follow a space, and at
 * layout gaps. Found with memchr/memmem: most bytes are none of these. */
static verso_err s_paragraph(s_ctx *c, size_t a, size_t b, unsigned flags)
{
    if (flags & VERSO_SEG_ICU_ONLY)
        return s_block_at(c, a, b, flags);
    const char *t = c->t;
    size_t start = a, i = a;
    size_t gap = s_find_gap(t, i, b), tab = s_find(t, i, b, "\t", 1);
    size_t e2 = s_find(t, i, b, "\xe2", 1); /* every bullet starts with 0xE2 */
    verso_err err = VERSO_OK;
    while (!err) {
        size_t g = gap < tab ? gap : tab, pos = g < e2 ? g : e2;
        if (pos >= b)
            break;
        if (pos == g) {
            if (pos > start)
                err = s_block_at(c, start, pos, flags);
            start = i = pos + s_layout_gap(t, b, pos);
        } else {
            UChar32 ch = s_cp(t, b, pos, NULL);
            bool after_space = pos == a || s_is_space(s_cp_before(t, a, pos, NULL));
            if (s_is_bullet(ch) && after_space && pos > start) {
                err = s_block_at(c, start, pos, flags);
                start = pos;
            }
            i = pos + 1;
        }
        gap = gap < i ? s_find_gap(t, i, b) : gap;
        tab = tab < i ? s_find(t, i, b, "\t", 1) : tab;
        e2 = e2 < i ? s_find(t, i, b, "\xe2", 1) : e2;
    }
    return err ? err : s_block_at(c, start, b, flags);
}

/* Length of the line break at i (\n, \r\n, \r, U+2028, U+2029, U+0085), or 0. */
static size_t s_newline(const char *t, size_t len, size_t i)
{
    if (t[i] == '\n')
        return 1;
    if (t[i] == '\r')
        return i + 1 < len && t[i + 1] == '\n' ? 2 : 1;
    if ((unsigned char)t[i] == 0xE2 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
        ((unsigned char)t[i + 2] == 0xA8 || (unsigned char)t[i + 2] == 0xA9))
        return 3;
    if ((unsigned char)t[i] == 0xC2 && i + 1 < len && (unsigned char)t[i + 1] == 0x85)
        return 2;
    return 0;
}

/* AUTO: blank-line paragraphs when the text has blank lines and its lines
 * look hard-wrapped (average under 100 bytes); else one line, one paragraph. */
/* Start of the next line break at or after i (len if none); *nl gets its
 * length. memchr finds the next "\n"; the slow byte loop runs only over a
 * line that holds a "\r" or a lead byte of U+0085, U+2028 or U+2029. */
static size_t s_next_newline(const char *t, size_t len, size_t i, size_t *nl)
{
    const char *p = i < len ? memchr(t + i, '\n', len - i) : NULL;
    size_t e = p ? (size_t)(p - t) : len;
    *nl = p ? 1 : 0;
    if (e == i ||
        (!memchr(t + i, '\r', e - i) && !memchr(t + i, 0xC2, e - i) && !memchr(t + i, 0xE2, e - i)))
        return e;
    for (; i < e; i++) {
        unsigned char byte = (unsigned char)t[i];
        if ((byte == '\r' || byte == 0xE2 || byte == 0xC2) && (*nl = s_newline(t, len, i)))
            return i;
    }
    *nl = p ? 1 : 0;
    return e;
}

static bool s_is_blank(const char *t, size_t a, size_t b);

static bool s_auto_blank(const char *t, size_t len)
{
    size_t lines = 0, chars = 0, nl;
    bool blank_line = false;
    for (size_t i = 0; i < len;) {
        size_t e = s_next_newline(t, len, i, &nl);
        bool empty = s_is_blank(t, i, e);
        blank_line |= empty && lines > 0;
        lines += !empty;
        chars += empty ? 0 : e - i;
        i = e + nl;
        if (e >= len)
            break;
    }
    return blank_line && lines > 0 && chars / lines < 100;
}

static bool s_is_blank(const char *t, size_t a, size_t b)
{
    for (size_t i = a; i < b;) {
        size_t nx;
        if (!s_is_space(s_cp(t, b, i, &nx)))
            return false;
        i = nx;
    }
    return true;
}

/* Segments one paragraph [a, b); the paragraph index advances only when it
 * produced a sentence. */
static verso_err s_para_emit(s_ctx *c, size_t a, size_t b, unsigned flags)
{
    if (a >= b)
        return VERSO_OK;
    size_t n0 = c->out->n;
    verso_err err = s_paragraph(c, a, b, flags);
    c->para += c->out->n > n0;
    return err;
}

verso_err verso_segmenter_run(verso_segmenter *s, const char *lang, const char *text, size_t len,
                              verso_para_mode mode, unsigned flags, verso_spans *out)
{
    if (len > INT32_MAX)
        return VERSO_ETOOBIG;
    UBreakIterator *bi = s_iter_for(s, lang);
    if (!bi)
        return VERSO_EINTERNAL;
    if (mode == VERSO_PARA_AUTO)
        mode = s_auto_blank(text, len) ? VERSO_PARA_BLANK : VERSO_PARA_LINE;
    s_ctx c = {.sg = s,
               .L = verso_seg_rules_find(s->rules, lang),
               .t = text,
               .len = len,
               .blank_mode = mode == VERSO_PARA_BLANK,
               .out = out};
    verso_err err = s_icu_all(s, bi, text, len);
    size_t line_start = 0, para_start = 0;
    while (!err) {
        size_t nl, i = s_next_newline(text, len, line_start, &nl);
        bool at_end = i >= len;
        if (mode == VERSO_PARA_LINE) {
            err = s_para_emit(&c, line_start, i, flags);
        } else if (s_is_blank(text, line_start, i)) {
            err = s_para_emit(&c, para_start, line_start, flags);
            para_start = i + nl;
        } else if (at_end) {
            err = s_para_emit(&c, para_start, i, flags);
        }
        if (at_end)
            break;
        line_start = i + nl;
    }
    return err;
}
