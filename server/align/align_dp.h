/*
 * align_dp.h - what the aligner's search (align_dp.c) shares with its
 * confidence margins (align_margin.c): the bead types, the DP over a
 * rectangle of the sentence matrix, and the cost of a bead (inline: both
 * files call it per cell). Internal to those two files; the rest of the
 * aligner sees align_int.h. Ownership: a verso_dp lives on its search's
 * stack; its sides, model and band arrays are borrowed from the aligner
 * (align_int.h), which owns them and the scratch rows; one thread.
 */
#ifndef VERSO_ALIGN_DP_H
#define VERSO_ALIGN_DP_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "align_int.h"

/* The bead types, in back-pointer order (index + 1 is stored; 0 = none). */
#define VERSO_DP_NBEAD VERSO_ALIGN_TYPES_ALL
#define VERSO_DP_ROLL  8 /* rolling DP rows (a power of two): a bead spans at most 4 */
#define VERSO_DP_RMASK (VERSO_DP_ROLL - 1)
static const uint8_t verso_dp_bead_di[VERSO_DP_NBEAD] = {1, 0, 1, 1, 2, 2, 1, 3, 2, 3, 1, 4};
static const uint8_t verso_dp_bead_dj[VERSO_DP_NBEAD] = {0, 1, 1, 2, 1, 2, 3, 1, 3, 2, 4, 1};
/* -log prior of each type (Gale & Church 1993 frequencies: 1-1 0.89,
 * 1-0/0-1 0.0099, 2-1/1-2 0.089, split between the two directions; 1-3/3-1
 * as rare as a deletion, 1-4/4-1 rarer, 2-3/3-2 rarer still). 1-4 is the
 * Bible's verse of four Chinese clauses; at 7 the lengths-only book of
 * align_test.c took 1-4 beads for 1-2 ones. 2-2 (Gale & Church's 0.011:
 * 4.5) at 7: two 1-1 beads whose lengths disagree a little were merged
 * into one, a heading with its paragraph, two verses (bench/align_eval.sh,
 * strict F1 at 4.5 / 6 / 7 / 8: Bible 15k 0.943 / 0.949 / 0.950 / 0.950,
 * 5k 0.955 / 0.962 / 0.964 / 0.964, LibreOffice help en-zh 0.961 / 0.974
 * / 0.976 / -, Text+Berg 0.873 / 0.870 / 0.863 / 0.855: its literary gold
 * has real 2-2 beads). */
static const float verso_dp_bead_prior[VERSO_DP_NBEAD] = {5.3f, 5.3f, 0.12f, 3.1f, 3.1f, 7.0f,
                                                          5.3f, 5.3f, 9.0f,  9.0f, 8.0f, 8.0f};
#define VERSO_DP_INF        1e30f
#define VERSO_DP_PARA_COST  4.0f /* a bead crossing a paragraph break on one side only */
#define VERSO_DP_PARA_START 2.5f /* a bead starting a paragraph on one side only */
#define VERSO_DP_GAP_EXT    1.0f /* prior of a 1-0 (0-1) bead right after another, */
#define VERSO_DP_GAP_LEN    2.0f /* whose length cost is capped at this: a long */
                                 /* untranslated run costs ~3 nats a sentence, less */
                                 /* than the anchors a path out of step loses */
#define VERSO_DP_UNMATCHED 0.25f /* per unit of anchor weight left unmatched */
#define VERSO_DP_MATCHED   1.0f  /* per unit of anchor weight matched */

/* One DP: the two sides (sentences or blocks), the model, the rectangle
 * searched (from the point (i0, j0) to (ns, nt): the whole matrix, or a
 * stretch of it between two points of a path), the band (row i, a source
 * prefix length, holds target prefix lengths [lo[i], hi[i]], both
 * nondecreasing) and the rolling rows' bookkeeping. */
typedef struct verso_dp {
    const verso_align_side *x, *y;
    const verso_align_model *mod;
    size_t i0, ns, nt, width, mwidth;
    long j0;
    long *lo, *hi;
    const uint32_t *para[2];                     /* NULL at a coarse level */
    long mlo[VERSO_DP_ROLL], mhi[VERSO_DP_ROLL]; /* the j range of each rolling overlap row */
    long flo[VERSO_DP_ROLL],
        fhi[VERSO_DP_ROLL]; /* the finite cells of each rolling DP row (none: flo > fhi) */
    long cfrom[VERSO_DP_ROLL], cend[VERSO_DP_ROLL]; /* the computed cells of each rolling DP row;
                                                       others are VERSO_DP_INF */
    bool direct; /* overlaps computed afresh, not from the rows */
} verso_dp;

/* The overlap of source sentence i with target sentence j, computed on
 * first use (a negative entry is not yet computed). */
static inline float verso_dp_overlap(const verso_aligner *a, const verso_dp *d, size_t i, long j)
{
    if (d->direct)
        return verso_align_overlap(d->x, d->y, i, (size_t)j);
    int r = (int)(i & VERSO_DP_RMASK);
    if (j < d->mlo[r] || j > d->mhi[r])
        return 0;
    float *m = &a->m[(size_t)r * d->mwidth + (size_t)(j - d->mlo[r])];
    if (*m < 0)
        *m = (size_t)j < d->y->n ? verso_align_overlap(d->x, d->y, i, (size_t)j) : 0;
    return *m;
}

static inline bool verso_dp_crosses(const uint32_t *para, size_t from, size_t to)
{
    return to > from + 1 && para[from] != para[to - 1];
}

static inline bool verso_dp_starts(const uint32_t *para, size_t at, size_t n)
{
    return at == 0 || at >= n || para[at] != para[at - 1];
}

/* Length cost of l1 source graphemes against l2 target graphemes; a
 * sentence left alone (not both) is judged as Gale and Church do: its
 * length against an empty translation. */
static inline float verso_dp_len_cost(const verso_aligner *a, const verso_dp *d, double l1,
                                      double l2, bool both)
{
    l2 /= d->mod->c;
    double mean = both ? (l1 + l2) / 2 : l1 + l2;
    double z = fabs(l2 - l1) / sqrt(d->mod->s2 * (mean > 1 ? mean : 1)) * 100.0;
    return z < 2000 ? a->lentab[(size_t)z] : (float)(z * z / 20000.0 + log(z / 100.0));
}

/* Cost of bead type t ending at (i, j); *prior receives its type prior. */
static inline float verso_dp_bead_cost(const verso_aligner *a, const verso_dp *d, size_t i,
                                       size_t j, int t, float *prior)
{
    size_t di = verso_dp_bead_di[t], dj = verso_dp_bead_dj[t], i0 = i - di, j0 = j - dj;
    const verso_align_side *x = d->x, *y = d->y;
    float cost = verso_dp_len_cost(a, d, x->len[i] - x->len[i0], y->len[j] - y->len[j0], di && dj);
    /* Pairwise overlaps summed over the bead, at most what each side can
     * match: a feature repeated within a side is not counted twice. */
    float m = 0, fs = 0, ft = 0, ms = 0, mt = 0;
    for (size_t p = i0; p < i; p++) {
        fs += x->fw[p];
        ms += x->fm[p];
        for (size_t q = j0; q < j; q++)
            m += verso_dp_overlap(a, d, p, (long)q);
    }
    for (size_t q = j0; q < j; q++) {
        ft += y->fw[q];
        mt += y->fm[q];
    }
    m = m < ms ? m : ms;
    m = m < mt ? m : mt;
    cost += VERSO_DP_UNMATCHED * (fs + ft - 2 * m) - VERSO_DP_MATCHED * m;
    if (d->para[0] && di && dj) {
        if (verso_dp_crosses(d->para[0], i0, i) != verso_dp_crosses(d->para[1], j0, j))
            cost += VERSO_DP_PARA_COST;
        if (verso_dp_starts(d->para[0], i0, x->n) != verso_dp_starts(d->para[1], j0, y->n))
            cost += VERSO_DP_PARA_START;
        if (verso_dp_starts(d->para[0], i, x->n) != verso_dp_starts(d->para[1], j, y->n))
            cost += VERSO_DP_PARA_START; /* ends a paragraph on one side only */
    }
    *prior = verso_dp_bead_prior[t];
    return cost + *prior;
}

/* Cost of the null bead of type t (0: 1-0, 1: 0-1) ending at (i, j),
 * prior included: a gap opened, or extended (ext) at a lower prior with
 * the length cost capped at the opening prior. */
static inline float verso_dp_null_cost(const verso_aligner *a, const verso_dp *d, size_t i,
                                       size_t j, int t, bool ext)
{
    float len = t ? a->nullc[d->x->n + j - 1] : a->nullc[i - 1], prior = verso_dp_bead_prior[t];
    return ext ? VERSO_DP_GAP_EXT + (len < VERSO_DP_GAP_LEN ? len : VERSO_DP_GAP_LEN) : prior + len;
}

/* Fills the costs of the sentences left alone in d's rectangle (a->nullc).
 * Errors: ENOMEM. */
verso_err verso_dp_null_costs(verso_aligner *a, const verso_dp *d);

/* A DP over the sentences of a (f == 1) or its blocks of f sentences.
 * Errors: ENOMEM, and the meter's. */
verso_err verso_dp_level(verso_aligner *a, const verso_align_model *m, size_t f, verso_dp *d);

/* The band of d: w cells either side of path p[0..np). */
void verso_dp_band_path(verso_dp *d, const verso_align_bead *path, size_t np, size_t w);

#endif
