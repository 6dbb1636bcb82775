/*
 * cooc.h - word links learned from sentence pairs: which source word and
 * which target word keep occurring in the same pairs. The aligner learns
 * them from its own confident beads (and from translation-memory entries
 * of the language pair) and uses them like a word list (docs/ALIGNMENT.md).
 *
 * A word is a 64-bit key the caller computes (a folded word, a CJK
 * character or character pair). A pair of words is scored by Dunning's
 * log-likelihood ratio G2 over the pairs given; a link joins two words
 * that are each other's best partner, co-occur at least twice, score at
 * least VERSO_COOC_MIN_G2 and occur in at most VERSO_COOC_MAX_DF pairs
 * (the most frequent words are function words, which anchor nothing; the
 * aligner weighs a link by 1 / sqrt of its frequency near each occurrence).
 *
 * Life cycle: new; reset, add, learn, then links; reset again for the
 * next document. A verso_cooc belongs to one thread; it owns its memory.
 */
#ifndef VERSO_COOC_H
#define VERSO_COOC_H

#include <stddef.h>
#include <stdint.h>

#include "verso/err.h"

#define VERSO_COOC_MIN_G2  10.83 /* chi-square 1 d.f. at p = 0.001 */
#define VERSO_COOC_MAX_DF  512
#define VERSO_COOC_NONE    UINT32_MAX
#define VERSO_COOC_MAX_SET 4096 /* keys of one side of a pair, at most (more are ignored) */

typedef struct verso_cooc verso_cooc;

/* Errors: ENOMEM. *out is the caller's (verso_cooc_destroy). */
verso_err verso_cooc_new(verso_cooc **out);

/* Frees *c; safe with *c == NULL; sets *c = NULL. */
void verso_cooc_destroy(verso_cooc **c);

/* Forgets every pair and link; keeps the memory. */
void verso_cooc_reset(verso_cooc *c);

/* Adds one sentence pair: source keys xs[0..nx) and target keys
 * ys[0..ny), borrowed for the call; repeats count once. Errors: ENOMEM;
 * EINVAL (after learn, before reset). */
verso_err verso_cooc_add(verso_cooc *c, const uint64_t *xs, size_t nx, const uint64_t *ys,
                         size_t ny);

/* Number of pairs added since the last reset. */
size_t verso_cooc_pairs(const verso_cooc *c);

/* Scores the pairs and links the words; *nlinks receives the number of
 * links, whose ids are 0 .. *nlinks - 1. Errors: ENOMEM. */
verso_err verso_cooc_learn(verso_cooc *c, size_t *nlinks);

/* The link of source (side 0) or target (side 1) key k, or
 * VERSO_COOC_NONE; valid after learn. */
uint32_t verso_cooc_link(const verso_cooc *c, int side, uint64_t k);

#endif
