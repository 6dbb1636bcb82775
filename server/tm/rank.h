/*
 * rank.h - how a lookup ranks the matches of one segment: the score of an
 * exact, in-context or near-exact match (penalty points), the order of
 * matches (score, then the most recently changed, the most used, the lowest
 * id), the best-K list a lookup keeps, the lower bounds that prune fuzzy
 * candidates, and numbers substituted into a match's target. Pure functions
 * over entries and text: no store access, no msgpack, no request.
 * Entries held in a list are borrowed, as their transaction lends them.
 */
#ifndef VERSO_RANK_H
#define VERSO_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fuzzy.h"
#include "tm.h"

#define VERSO_RANK_MAX         100 /* the longest list: the largest "max_results" */
#define VERSO_RANK_CONTEXT     101 /* the score of an exact match in the same context */
#define VERSO_RANK_MAX_PENALTY 7   /* all penalties together (docs/MATCHING.md §4) */

/* A near-exact difference (a VERSO_TEXT_* bit), its name on the wire and
 * the points it costs (docs/PROTOCOL.md, "lookup"). */
typedef struct verso_rank_penalty {
    unsigned bit;
    const char *name;
    int points;
} verso_rank_penalty;

/* The penalty table, in the order replies list it; *n gets its length.
 * Static storage. */
const verso_rank_penalty *verso_rank_penalties(size_t *n);

/* 100 minus the points of the differences in diff (VERSO_TEXT_* bits). */
int verso_rank_score(unsigned diff);

/* A match as a lookup ranks it. */
typedef struct verso_rank_hit {
    verso_tm_entry e; /* borrowed; turned round (verso_rank_turn) when reversed */
    unsigned diff;    /* near-exact differences (VERSO_TEXT_* bits), or a fuzzy match's */
    int score;        /* the final score: base minus penalties, or VERSO_RANK_CONTEXT */
    bool reversed;    /* found on the stored target */
    int base;         /* the score before penalties */
    bool fuzzy;       /* found by fuzzy matching (else exact or near-exact) */
} verso_rank_hit;

/* The entry as the query sees it: source and target (languages, texts,
 * tags) swapped, and no context (the context is that of the source side). */
verso_tm_entry verso_rank_turn(const verso_tm_entry *e);

/* Negative when x ranks before y, positive after, 0 for the same entry:
 * the higher score, then the later "changed", then the higher usage, then
 * the lower id. */
int verso_rank_cmp(const verso_rank_hit *x, const verso_rank_hit *y);

/* "context", "fuzzy" (a fuzzy match of other words: base below 100),
 * "near" or "exact": the match's kind on the wire. Static storage. */
const char *verso_rank_kind(const verso_rank_hit *h);

/* The best matches of one segment so far, best first. Caller-owned (it is
 * large: allocate it); verso_rank_list_reset before each segment. */
typedef struct verso_rank_list {
    verso_rank_hit v[VERSO_RANK_MAX];
    int n;               /* matches held */
    int max;             /* at most this many (1..VERSO_RANK_MAX) */
    int min_score;       /* a match below it is never held */
    uint64_t prev, next; /* context hashes of the query segment (0: none) */
} verso_rank_list;

/* Empties l for a segment: max (1..VERSO_RANK_MAX), min_score, and the
 * context hashes of the segments before and after it (0: none). */
void verso_rank_list_reset(verso_rank_list *l, int max, int min_score, uint64_t prev,
                           uint64_t next);

/* Holds x (copied) if it ranks among the best l->max so far; the worst
 * goes when l is full. */
void verso_rank_list_keep(verso_rank_list *l, const verso_rank_hit *x);

/* verso_tm_match's callback (list: a verso_rank_list): scores an exact or
 * near-exact match and keeps it. An exact match stored with the query's
 * context (both neighbours' hashes equal, one at least set) scores
 * VERSO_RANK_CONTEXT. Returns 0 (go on). */
int verso_rank_list_offer(void *list, const verso_tm_hit *m);

/* Keeps a fuzzy match of entry e (as stored; reversed: matched on its
 * target) whose comparison with the query gave m. */
void verso_rank_list_offer_fuzzy(verso_rank_list *l, const verso_tm_entry *e, bool reversed,
                                 const verso_fuzzy_match *m);

/* Whether l holds entry id found in that direction. */
bool verso_rank_list_has(const verso_rank_list *l, uint64_t id, bool reversed);

/* The best k lower bounds of final scores known so far, for pruning: a
 * candidate whose base is below the k-th cannot enter a list of k.
 * Caller-owned. */
typedef struct verso_rank_bounds {
    int lb[VERSO_RANK_MAX]; /* best first */
    int n, k;
} verso_rank_bounds;

/* Empties b for lists of k (1..VERSO_RANK_MAX). */
void verso_rank_bounds_reset(verso_rank_bounds *b, int k);

/* Adds a lower bound v of some match's final score. */
void verso_rank_bounds_add(verso_rank_bounds *b, int v);

/* The k-th best bound (0 until k are known). */
int verso_rank_floor(const verso_rank_bounds *b);

/*
 * Writes into out (reset first) the target tgt with every number that the
 * TM source has where the query has another (m's NUMBERS hunks) replaced by
 * the query's, written with the target's decimal marks ('.' and ','
 * swapped when the target writes them the other way). qn and cn are the
 * normalised query and TM source that m compared (its hunks' offsets).
 * A number is ASCII digits with each '.' or ',' between two digits.
 * Returns false (out then unusable) when the texts differ in more than
 * numbers, a TM number stands for two query numbers, one is not in the
 * target, or out could not grow.
 */
bool verso_rank_substitute(const verso_fuzzy_match *m, const char *qn, const char *cn,
                           verso_str tgt, verso_buf *out);

#endif
