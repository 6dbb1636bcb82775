/*
 * fuzzy.h - the scoring half of fuzzy matching: the tokens of a normalised
 * text, the token edit distance (bit-parallel, and a banded "distance <= k"
 * test), the 0-100 score with its penalties, and the differences a CAT tool
 * highlights. No index here. See docs/MATCHING.md for the definitions.
 *
 * A verso_fuzzy (ICU iterator and scratch buffers) belongs to one thread; a
 * verso_fuzzy_text belongs to its owner; the other functions are pure.
 */
#ifndef VERSO_FUZZY_H
#define VERSO_FUZZY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "text.h"
#include "verso/err.h"
#include "work.h"

/* Token kinds. */
#define VERSO_FUZZY_WORD   1u /* letters (or one code point of an unspaced script), symbols */
#define VERSO_FUZZY_NUMBER 2u /* digits with single inner '.' or ',' (text.h's numbers) */

/* The id every number has: numbers are substitutable, so all compare equal.
 * It is verso_fuzzy_id("#", 1), the way the loose form writes a number. */
#define VERSO_FUZZY_NUMBER_ID 0x790b4032u

/* One token: where it is, what it is, and where the gap before it ends in
 * the text's punct buffer (the gap after the last token ends at punct.len). */
typedef struct verso_fuzzy_token {
    uint32_t start, end; /* bytes of the normalised text */
    uint32_t gap;        /* punct.len when the token starts */
    uint32_t kind;       /* VERSO_FUZZY_WORD or VERSO_FUZZY_NUMBER */
} verso_fuzzy_token;

/* A tokenised normalised text. Caller-owned: init once, fill with
 * verso_fuzzy_tokenize as often as needed (buffers are reused), fini. The
 * text itself is borrowed: it must outlive every use of the tokens. */
typedef struct verso_fuzzy_text {
    const char *s; /* the normalised text (borrowed), len bytes */
    size_t len;
    verso_fuzzy_token *tok; /* n tokens in text order */
    uint32_t *ids;          /* their ids, the sequence the distances compare */
    size_t n, cap;
    verso_buf punct;  /* punctuation and white space in order, tag marks left out */
    verso_buf folded; /* the tokens case-folded and run together, numbers as '#' */
    size_t marks;     /* tag marks (U+F0000..U+FFFFD) */
} verso_fuzzy_text;

void verso_fuzzy_text_init(verso_fuzzy_text *t);
void verso_fuzzy_text_fini(verso_fuzzy_text *t);

/* A difference between query and candidate. q_* and c_* are byte ranges of
 * the query's and the candidate's normalised texts; one side of an EDIT may
 * be empty (an insertion or a deletion), placed after the token before it. */
#define VERSO_FUZZY_EDIT 0x100u /* tokens inserted, deleted or replaced (a run) */
typedef struct verso_fuzzy_hunk {
    uint32_t q_start, q_end;
    uint32_t c_start, c_end;
    unsigned what; /* VERSO_FUZZY_EDIT, VERSO_TEXT_CASE or VERSO_TEXT_NUMBERS (one pair) */
} verso_fuzzy_hunk;

/* What verso_fuzzy_compare finds. */
typedef struct verso_fuzzy_match {
    int score;                     /* base minus the penalty points, at least 0 */
    int base;                      /* verso_fuzzy_base of the token distance (100 when the loose
                                      forms are equal: the near-exact rule of text.h) */
    unsigned penalties;            /* VERSO_TEXT_CASE | _PUNCT | _NUMBERS | _TAGS */
    size_t ed;                     /* token edit distance */
    const verso_fuzzy_hunk *hunks; /* in text order; borrowed from the verso_fuzzy
                                      until its next compare */
    size_t nhunks;
} verso_fuzzy_match;

/* Private: a slot of verso_fuzzy's table of pattern tokens. */
typedef struct verso_fuzzy_slot {
    uint32_t key; /* a token id of the pattern */
    int32_t row;  /* its masks in peq, -1 when the slot is free */
} verso_fuzzy_slot;

/* One thread's tokeniser and scratch space. Caller-owned struct; the fields
 * are private (use the functions). */
typedef struct verso_fuzzy {
    struct UBreakIterator *bi; /* ICU word boundaries ... */
    struct UText *ut;          /* ... over this text, reopened on each text */
    uint16_t *u16;             /* a token in UTF-16, then case-folded */
    size_t u16_cap;
    verso_fuzzy_slot *slots; /* the Peq table, open addressing */
    size_t slots_cap, mask;
    unsigned shift; /* of the multiplicative hash: 32 - log2(slots) */
    uint64_t *peq;  /* bit masks, one block row per distinct token */
    size_t peq_cap;
    uint64_t *pv, *mv; /* vertical deltas per block */
    long *bsc;         /* the value at each block's bottom row */
    size_t blocks_cap;
    uint16_t *dp; /* the alignment matrix */
    size_t dp_cap;
    unsigned char *ops; /* one edit script */
    size_t ops_cap;
    verso_fuzzy_hunk *hunks;
    size_t nhunks, hunks_cap;
    verso_text_parts pa, pb; /* near-exact check of token sequences that differ */
    verso_work *work;        /* the meter of the request using f (work.h), borrowed, or NULL:
                                tokenising ticks it a byte at a time and stops with its error */
} verso_fuzzy;

/* Opens the ICU word iterator for lang (a canonical BCP 47 tag, lang.h).
 * Errors: EINTERNAL (ICU). On error f needs no fini; fini is safe twice. */
verso_err verso_fuzzy_init(verso_fuzzy *f, const char *lang);
void verso_fuzzy_fini(verso_fuzzy *f);

/* Tokenises norm[0..n) (verso_text_norm output, valid UTF-8) into out
 * (reset first; out borrows norm). Words come from ICU's word boundaries
 * (not consulted where they cannot matter: docs/MATCHING.md), split where
 * text.h's classes change (letters, digits, punctuation); each code point
 * of Han, Hiragana, Katakana, Thai, Lao, Khmer or Myanmar script is a
 * token; numbers are whole (text.h's rule); punctuation, white space and
 * tag marks are not tokens. A word's id is verso_fuzzy_id of its full case
 * folding (u_strFoldCase). No allocation once f and out are warm.
 * Errors (out then holds no token): ENOMEM, ETOOBIG (n over 1 GiB),
 * EINTERNAL (ICU). */
verso_err verso_fuzzy_tokenize(verso_fuzzy *f, const char *norm, size_t n, verso_fuzzy_text *out);

/* The 32-bit id of a case-folded token (UTF-8). Stable: ids will be stored
 * in the index, never change it. */
uint32_t verso_fuzzy_id(const char *folded, size_t n);

/* The Levenshtein distance between id sequences a[0..m) and b[0..n) (unit
 * costs), bit-parallel (Myers/Hyyrö; 64 tokens a block) over the shorter
 * one: O(ceil(min/64) * max). Uses f's scratch. Errors: ENOMEM. */
verso_err verso_fuzzy_ed(verso_fuzzy *f, const uint32_t *a, size_t m, const uint32_t *b, size_t n,
                         size_t *ed);

/* *yes = (verso_fuzzy_ed(a, b) <= k), computed only inside the band of
 * diagonals |i - j| <= k and stopped as soon as the answer is known:
 * O((k / 64 + 2) * max) at most. Uses f's scratch. Errors: ENOMEM. */
verso_err verso_fuzzy_within(verso_fuzzy *f, const uint32_t *a, size_t m, const uint32_t *b,
                             size_t n, size_t k, bool *yes);

/* The base score of token counts m and n at distance ed:
 * floor(100 * (1 - ed / max(m, n))), 100 when both are 0. Exact integers. */
int verso_fuzzy_base(size_t m, size_t n, size_t ed);

/* The largest distance that keeps the base score of m and n tokens at or
 * above min_score: floor(max(m, n) * (100 - min_score) / 100), max(m, n)
 * for min_score <= 0, -1 (none) for min_score > 100. For every ed:
 * verso_fuzzy_base(m, n, ed) >= min_score  <=>  ed <= this. */
long verso_fuzzy_max_ed(size_t m, size_t n, int min_score);

/* The token counts n a candidate can have to reach min_score against a
 * query of m tokens (the length filter |m - n| <= ed): [ceil(m * s / 100),
 * floor(100 * m / s)] for 0 < s <= 100; [0, SIZE_MAX] for s <= 0; empty
 * (*lo > *hi) for s > 100. */
void verso_fuzzy_len_range(size_t m, int min_score, size_t *lo, size_t *hi);

/* t, the fewest tokens (as multisets) a query of m tokens shares with any
 * candidate of base score >= min_score: ceil(m * min_score / 100) (0 for
 * s <= 0, m + 1 for s > 100). Probing the postings of the m - t + 1 rarest
 * query tokens finds every such candidate (docs/MATCHING.md). */
size_t verso_fuzzy_min_overlap(size_t m, int min_score);

/* The points of a set of VERSO_TEXT_* penalties: case 1, tags 1,
 * punctuation 2, numbers 3. */
int verso_fuzzy_points(unsigned penalties);

/* Scores candidate c for query q (both tokenised, by any verso_fuzzy) and
 * finds their differences from one optimal alignment (an O(m * n) table:
 * call it for the matches returned, rank candidates with verso_fuzzy_ed).
 * Identical texts score 100 without penalties; texts with the same loose
 * form score 100 minus the near-exact penalties (verso_text_diff's); other
 * texts the base score minus the penalties of their aligned parts.
 * out->hunks is borrowed from f until its next compare. Errors: ENOMEM,
 * ETOOBIG (token sequences that differ and need more than 2^22 alignment
 * cells or have over 65,535 tokens: report the base score alone). */
verso_err verso_fuzzy_compare(verso_fuzzy *f, const verso_fuzzy_text *q, const verso_fuzzy_text *c,
                              verso_fuzzy_match *out);

#endif
