/*
 * segment_int.h - what the segmenter's three files share: segment.c (the
 * pipeline), segscan.c (candidates ICU does not propose) and segdecide.c
 * (keep or drop a candidate). Internal: include it from those three only;
 * everyone else uses segment.h.
 *
 * Everything here works on one verso_segmenter, which belongs to one thread.
 */
#ifndef VERSO_SEGMENT_INT_H
#define VERSO_SEGMENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "segment.h"
#include "work.h"

#define VERSO_SEG_ITERS 8 /* languages with a cached ICU iterator per segmenter */

/* A cached ICU sentence iterator and the base language it was opened for. */
typedef struct verso_seg_iter {
    char base[VERSO_LANG_MAX];
    UBreakIterator *bi;
} verso_seg_iter;

/* The list series of a block being followed (segscan.c): one slot per
 * marker style (3), kind (number or letter) and value a series waits for
 * (numbers up to 999 + 1); a slot is waited for when its stamp is gen.
 * pend[k] are first markers of series not yet continued, chained from
 * head[slot] through pnext. */
#define VERSO_SEG_SERIES_VALUES 1001
#define VERSO_SEG_SERIES_SLOTS  (3 * 2 * VERSO_SEG_SERIES_VALUES)
typedef struct verso_seg_series {
    uint32_t gen;
    uint32_t stamp[VERSO_SEG_SERIES_SLOTS];
    uint32_t head[VERSO_SEG_SERIES_SLOTS];
    size_t *pend;
    uint32_t *pnext;
    size_t npend, cappend;
} verso_seg_series;

/* One thread's segmenter. The rules are borrowed; the iterators and the
 * arrays are its own, grown as needed, kept from run to run, and freed by
 * verso_segmenter_destroy (segment.c). */
struct verso_segmenter {
    const verso_seg_rules *rules;
    verso_seg_iter iters[VERSO_SEG_ITERS];
    unsigned next_slot;
    struct verso_seg_cand *cand; /* candidate boundaries of the current block */
    size_t ncand, cap;
    size_t nicu_cand;  /* cand[0..nicu_cand): ICU's, in text order */
    size_t nsoft_cand; /* cand[nicu_cand..nsoft_cand): the soft scan's, sorted */
    size_t *icu;       /* ICU's boundaries over the whole text */
    size_t nicu, icu_cap, icu_next;
    struct s_brk *brk; /* bracket events of the current block (segdecide.c) */
    size_t nbrk, brk_cap;
    size_t brk_cur;             /* bracket events before the last position asked about */
    int brk_depth[7];           /* open depth of each pair there */
    size_t lead_from, lead_end; /* the sentence from lead_from: blank up to lead_end */
    bool lead_known;            /* lead_* hold for the current block */
    verso_seg_series series;    /* list series of the current block (segscan.c) */
    verso_srx_cutter *srx[VERSO_SEG_SRX_SETS]; /* a cutter per SRX rule set met (srx.h) */
    size_t *srxpos;                            /* the breaks of one paragraph */
    size_t srxcap;
};

/* What the rules look at: the text and the sentence being built. One per
 * verso_segmenter_run, on its stack; t, L and out are borrowed for the call. */
typedef struct verso_seg_ctx {
    verso_segmenter *sg;
    const verso_seg_lang *L;
    const char *t;
    size_t len;
    size_t block_start, block_end;
    size_t sent_start; /* start of the sentence being built */
    bool blank_mode;   /* single newlines are spaces (BLANK and UNWRAP) */
    size_t wrap_width; /* UNWRAP: the width the text was wrapped at, in code points */
    int brackets;      /* bracket events of the block: -1 not gathered yet, else their count */
    uint32_t para;
    verso_spans *out;
    verso_work *work;      /* the request's meter (work.h); the loops add their steps to it */
    const char *lang;      /* the run's language tag */
    verso_srx_cutter *srx; /* cuts paragraphs instead of ICU and the rules; NULL: none */
} verso_seg_ctx;

/* A view of the text around a candidate boundary b (built by segdecide.c). */
typedef struct verso_seg_view {
    size_t end;                  /* end of the sentence before b, trimmed */
    size_t term_start, term_end; /* terminator run (may be empty) */
    size_t w0;                   /* start of the word before the terminator */
    size_t n0, n1;               /* next word (letters and digits) */
    UChar32 next;                /* first character after the openers, or 0 */
    bool newline_in_gap;
} verso_seg_view;

/* Candidate kinds, the flags of sg->hard[i]. */
#define VERSO_SEG_HARD 1 /* a boundary the rules impose: not decided again */
#define VERSO_SEG_DROP 2 /* an ICU candidate overruled by a pre-scan */

/* ---- characters ---------------------------------------------------------- */

/* Nonzero high bits in the bytes of w equal to the byte repeated in k. */
static inline uint64_t verso_seg_bytes_eq(uint64_t w, uint64_t k)
{
    uint64_t x = w ^ k;
    return ~(((x & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | x | 0x7F7F7F7F7F7F7F7FULL);
}

/* Code point at i, and the index after it. Invalid bytes read as U+FFFD. */
static inline UChar32 verso_seg_cp(const char *t, size_t len, size_t i, size_t *next)
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
static inline UChar32 verso_seg_cp_before(const char *t, size_t lo, size_t i, size_t *start)
{
    int32_t j = (int32_t)(i - lo);
    UChar32 c;
    U8_PREV_OR_FFFD((const uint8_t *)t + lo, 0, j, c);
    if (start)
        *start = lo + (size_t)j;
    return c;
}

static inline bool verso_seg_is_space(UChar32 c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    return u_isUWhiteSpace(c);
}

static inline bool verso_seg_is_bullet(UChar32 c)
{
    return c == 0x2022 || c == 0x2023 || c == 0x2043 || c == 0x25E6 || c == 0x25AA || c == 0x25CF ||
           c == 0x25A0 || c == 0x2219;
}

/* A tag mark (docs/PROTOCOL.md: U+F0000 and on, a TMX bpt/ept/ph/it or a
 * client's inline tag): never a word, a terminator or a letter; the
 * rules look through it. */
static inline bool verso_seg_is_mark(UChar32 c)
{
    return c >= 0xF0000 && c <= 0xFFFFD;
}

/* Han, Hiragana or Katakana: scripts written without spaces, whose
 * sentences end with 。！？ */
static inline bool verso_seg_is_cjk_letter(UChar32 c)
{
    if (c < 0x2E80)
        return false;
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &st);
    return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA;
}

/* Closing quotes and brackets that stay with the sentence they end. */
static inline bool verso_seg_is_closer(UChar32 c)
{
    int8_t gc = (int8_t)u_charType(c);
    return c == '"' || c == '\'' || gc == U_END_PUNCTUATION || gc == U_FINAL_PUNCTUATION ||
           gc == U_INITIAL_PUNCTUATION; /* “ ” are used both ways around */
}

static inline bool verso_seg_is_opener(UChar32 c)
{
    int8_t gc = (int8_t)u_charType(c);
    return c == '"' || c == '\'' || gc == U_START_PUNCTUATION || gc == U_INITIAL_PUNCTUATION ||
           c == 0x00BF || c == 0x00A1; /* ¿ ¡ */
}

static inline size_t verso_seg_skip_spaces(const verso_seg_ctx *c, size_t i)
{
    size_t nx, i0 = i;
    while (i < c->block_end && verso_seg_is_space(verso_seg_cp(c->t, c->block_end, i, &nx)))
        i = nx;
    verso_work_add(c->work, i - i0 + 1);
    return i;
}

/* True when the text [a, b) is a word of list `which` of the language. */
static inline bool verso_seg_has(const verso_seg_ctx *c, verso_seg_list which, size_t a, size_t b)
{
    return verso_seg_lang_has(c->L, which, c->t + a, b - a);
}

/* ---- candidates (segscan.c) ---------------------------------------------- */

/* A candidate boundary and its kind: 0 (the rules decide), VERSO_SEG_HARD,
 * VERSO_SEG_DROP (below). */
typedef struct verso_seg_cand {
    size_t pos;
    unsigned char kind;
} verso_seg_cand;

/*
 * Appends a candidate boundary at pos of kind (0, VERSO_SEG_HARD) to sg's
 * list of the current block, in O(1): the list is sorted, with the kinds of
 * equal positions ORed, once by verso_seg_cand_sort after the scans.
 * Errors: ENOMEM (the list is unchanged).
 */
verso_err verso_seg_cand_add(verso_segmenter *s, size_t pos, unsigned char kind);

/* Sorts sg's candidates by position and merges those at one position. */
void verso_seg_cand_sort(verso_segmenter *s);

/* Sorts sg's candidates from index from on (without merging). */
void verso_seg_cand_sort_from(verso_segmenter *s, size_t from);

/*
 * The pre-scans of a block [c->block_start, c->block_end): each adds the
 * candidates of its kind to c->sg's list (VERSO_SEG_HARD when imposed, 0 when the
 * rules decide), and may mark ICU's candidates VERSO_SEG_DROP. They read the text
 * and the rules (borrowed) and write nothing but the candidate list.
 * Errors: ENOMEM.
 */

/* After ". " before a capital, a digit or a currency sign: offered to the rules. */
verso_err verso_seg_scan_soft(const verso_seg_ctx *c);
/* Spaced ellipses (". . ."). */
verso_err verso_seg_scan_ellipses(const verso_seg_ctx *c);
/* A full stop then an ellipsis ("raak. ...en"), a missing space ("end.New"). */
verso_err verso_seg_scan_dots(const verso_seg_ctx *c);
/* List series ("1) first 2) second", "Steps: 1. Open 2. Remove"). */
verso_err verso_seg_scan_list(const verso_seg_ctx *c);
/* A CJK ellipsis ("……") straight before CJK text: 他沉默了很久……第二天. */
verso_err verso_seg_scan_cjk_ellipsis(const verso_seg_ctx *c);
/* A citation mark after a terminator ("earlier.[12] The"): no boundary
 * inside it, one after it. */
verso_err verso_seg_scan_citations(const verso_seg_ctx *c);
/* A colon before a letter, where the language's rules say colon-ends. */
verso_err verso_seg_scan_colons(const verso_seg_ctx *c);

/* ---- decisions (segdecide.c) --------------------------------------------- */

/*
 * True when the candidate boundary b (not VERSO_SEG_HARD) ends the sentence that
 * starts at c->sent_start. Gathers the block's CJK brackets into c->sg the
 * first time it needs them (c->brackets starts at -1 for each block).
 */
bool verso_seg_keep(verso_seg_ctx *c, size_t b);

#endif
