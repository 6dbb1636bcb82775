/*
 * align_int.h - what the aligner's four files share: align.c (the
 * driver: two passes, re-estimation, learned links, confidence),
 * align_feat.c (sentences to lengths and anchor features), align_dp.c
 * (the search: dynamic programming over beads, coarse to fine) and
 * align_move.c (blocks of the translation in another order).
 * Internal: include it from those four only; everyone else uses align.h.
 *
 * Everything here works on one verso_aligner, which belongs to one thread.
 */
#ifndef VERSO_ALIGN_INT_H
#define VERSO_ALIGN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "align.h"
#include "cooc.h"

/* One anchor feature of a sentence: a hash whose low three bits are its
 * kind (align_feat.c), and its weight once the document is weighed. */
typedef struct verso_align_feat {
    uint32_t h;
    float w;
} verso_align_feat;

/* One side of the pair, prepared: sentences, or the blocks of sentences of
 * a coarse level (align_dp.c). Arrays are the side's own, grown as
 * needed and kept from call to call; verso_align_side_fini frees them. */
typedef struct verso_align_side {
    size_t n;
    double *len;  /* prefix sums of grapheme counts, n + 1 */
    float *fw;    /* total anchor weight of each sentence */
    float *fm;    /* the part of fw found on the other side too */
    double *pfm;  /* prefix sums of fm, n + 1 */
    size_t *foff; /* features of sentence i: feat[foff[i] .. foff[i + 1]) */
    verso_align_feat *feat;
    size_t nfeat, capfeat;
    uint32_t *para; /* paragraph of each sentence */
    bool paras;     /* more than one paragraph */
    uint64_t *keys; /* learning keys of sentence i: keys[koff[i] .. koff[i + 1]) */
    size_t *koff;
    size_t nkeys, capkeys;
    size_t cap; /* sentences the per-sentence arrays hold */
    /* A side of blocks only (align_dp.c): block k holds the sentences
     * [start[k], start[k + 1]); blk[i] is the block of sentence i (of
     * n sentences, blk[n] = the number of blocks). NULL for sentences. */
    size_t *start, *blk;
    size_t capstart, capblk;
} verso_align_side;

/* The back-pointers of DP row i: columns [from, end] at bp[off ..). */
typedef struct verso_align_bprow {
    size_t off;
    long from, end;
} verso_align_bprow;

/* Bead types (align_dp.c): all of them, and the common ones (0-1, 1-0,
 * 1-1, 1-2, 2-1, 2-2, 1-3, 3-1) a first pass searches. */
#define VERSO_ALIGN_TYPES_ALL    12
#define VERSO_ALIGN_TYPES_COMMON 8

/* The length model and paragraph marks a search scores beads with. */
typedef struct verso_align_model {
    int ntypes;              /* bead types searched: the first ntypes of align_dp.c's table */
    size_t margin;           /* band margin around the coarser path at the sentence level */
    double c;                /* target graphemes per source grapheme */
    double s2;               /* variance of the length difference per grapheme */
    const uint32_t *para[2]; /* paragraphs of each side; NULL when either has one */
} verso_align_model;

struct verso_aligner {
    verso_align_side side[2];
    verso_align_side coarse[2]; /* the blocks of one coarse level (align_dp.c) */
    uint8_t *bp;                /* back-pointers of the computed cells, row after row */
    float *nullc; /* cost of each sentence of a search alone: source, then target ones */
    size_t capnullc;
    size_t capbp, nbp;
    verso_align_bprow *bprow; /* where each DP row's back-pointers are */
    size_t capbprow;
    float *cost; /* 4 rolling DP rows of each gap state */
    float *m;    /* 4 rolling rows of pairwise anchor overlap */
    size_t caprow, capm;
    uint32_t *tmp; /* feature scratch of one sentence */
    size_t captmp;
    uint64_t *ktmp; /* learning-key scratch of one sentence */
    size_t capktmp;
    uint64_t *kpair; /* the target keys of a known translation */
    size_t capkpair;
    verso_cooc *cooc; /* word links learned from pass 1 */
    uint64_t *all;    /* sort keys of both sides' features, then scratch */
    size_t capall;
    double *pos[2]; /* positions (0 to 1) of one feature's occurrences on each side */
    size_t cappos[2];
    uint64_t *seen; /* bit per lexicon B word found in the document */
    size_t capseen;
    verso_align_bead *beads; /* the path of the last search */
    size_t capbeads;
    verso_align_bead *path; /* a previous path a search follows */
    size_t cappath;
    long *band; /* lo and hi of each DP row */
    size_t capband;
    size_t *mend; /* stretches of a path to search again (align_dp.c) */
    size_t capmend;
    long *saved; /* the band rows a stretch's search clamps, given back after */
    size_t capsaved;
    size_t *boff; /* margins (align_dp.c): where each band row starts in fb */
    size_t capboff;
    float *fb; /* margins: forward and backward costs, pair bead costs, per band cell */
    size_t capfb;
    float lentab[2001]; /* -log(erfc(x / sqrt 2)) at x = k / 100 */
    verso_work *work;   /* the current call's meter (verso_align_opts), or NULL */
};

/* ---- align_feat.c: sentences to features ------------------------------ */

/* What a side's scan needs: cognates or not, and the lexicon with the
 * side's role in it (0: words are looked up on the A side and yield their
 * translations; 1: words are looked up on the B side and yield
 * themselves). */
typedef struct verso_align_scanopt {
    bool cognates;
    const verso_lexicon *lex;
    int role;
    uint64_t *seen; /* bit per B word: found on the B side (set by role 1, read by role 0) */
} verso_align_scanopt;

/* Prepares one side from its n sentences: prefix lengths, per-sentence
 * sorted features and learning keys. Errors: ENOMEM. */
verso_err verso_align_side_prepare(verso_aligner *a, verso_align_side *sd,
                                   const verso_align_seg *seg, size_t n,
                                   const verso_align_scanopt *o);

/* Makes room in sd's per-sentence arrays for n sentences (n + 1 prefix
 * entries); their contents are lost. Errors: ENOMEM. */
verso_err verso_align_side_size(verso_align_side *sd, size_t n);

/* qsort order of features: by hash. */
int verso_align_feat_cmp(const void *x, const void *y);

/* Frees a side's arrays and zeroes it. */
void verso_align_side_fini(verso_align_side *sd);

/* Weighs the features of both prepared sides by document frequency.
 * Errors: ETOOBIG (over 2^32 features), ENOMEM. */
verso_err verso_align_weigh(verso_aligner *a);

/* Matched anchor weight of sentence i of x with sentence j of y. */
float verso_align_overlap(const verso_align_side *x, const verso_align_side *y, size_t i, size_t j);

/* Adds the known translations of o to a->cooc. Errors: ENOMEM. */
verso_err verso_align_learn_train(verso_aligner *a, const verso_align_opts *o);

/* Replaces the link features of side s by those of a->cooc's links (after
 * verso_cooc_learn). Errors: ENOMEM. */
verso_err verso_align_side_link(verso_aligner *a, int s);

/* ---- align_dp.c: the search ------------------------------------------- */

/* Fills a->lentab; once, from verso_aligner_new. */
void verso_align_lentab_fill(verso_aligner *a);

/* Aligns the prepared sides of a under model m from scratch, coarse to
 * fine (docs/ALIGNMENT.md): the beads go to a->beads, *nb their number.
 * Errors: ETOOBIG, ENOMEM. */
verso_err verso_align_search(verso_aligner *a, const verso_align_model *m, size_t *nb);

/* Lowers the confidence of each bead of the path a->beads[k0..k1) (from
 * a search under m, monotone, from the start of bead k0 to the end of
 * bead k1 - 1) to how clearly its two ends beat their rivals: the
 * cheapest alignment through another point of the same source or target
 * boundary, from forward and backward costs in a band around the path
 * (docs/ALIGNMENT.md, "Confidence"). Errors: ENOMEM. */
verso_err verso_align_margins(verso_aligner *a, const verso_align_model *m, size_t k0, size_t k1);

/* Appends p[k0..k1) (not a->beads itself) to a->beads at *out and moves
 * *out past them. Errors: ENOMEM. */
verso_err verso_align_beads_put(verso_aligner *a, const verso_align_bead *p, size_t k0, size_t k1,
                                size_t *out);

/* Aligns the rectangle from (i0, j0) to (i1, j1) of the prepared
 * sentences under m, every cell of it (a few thousand sentences a side
 * at most: the caller caps it): beads into a->beads[at ..), *nb of them,
 * *cost the path's cost. Errors: ETOOBIG, ENOMEM. */
verso_err verso_align_rect(verso_aligner *a, const verso_align_model *m, size_t i0, size_t j0,
                           size_t i1, size_t j1, size_t at, size_t *nb, float *cost);

/* The cost under m of leaving the sentences [from, to) of side `side`
 * (0: source, 1: target) alone: a gap opened, then extended. */
float verso_align_gap_cost(verso_aligner *a, const verso_align_model *m, int side, size_t from,
                           size_t to);

/* ---- align_move.c: blocks of the translation in another order -------- */

/* Looks in the path a->beads[0..*nb) (after verso_align_margins) for
 * stretches the aligner is unsure of where a block of the target was
 * moved: two blocks of the source paired crosswise with two blocks of
 * the target explain it for less than the monotone path does. Such a
 * stretch's beads are replaced by those of the two crossed rectangles,
 * their `moved` set; beads stay in source order. *nb is updated.
 * Errors: ENOMEM, ETIMEDOUT, ECANCELED. */
verso_err verso_align_moves(verso_aligner *a, const verso_align_model *m, size_t *nb);

#endif
