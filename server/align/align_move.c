/*
 * align_move.c - blocks of the translation in another order
 * (docs/ALIGNMENT.md, "Moved blocks"). A monotone search pairs at most one
 * of two blocks that trade places; it smears the pair over a stretch of
 * unsure beads instead. Each such stretch is tried as a crossing: the
 * source cut in two at s, the target at t, the first source part aligned
 * with the second target part and the second with the first. When the
 * two crossed rectangles cost less (plus a price for the move) than the
 * monotone alignment of the stretch, their beads replace it. Pure
 * computation on one verso_aligner.
 */
#include <stdlib.h>
#include <string.h>

#include "align_int.h"
#include "buf.h"

#define S_UNSURE    0.5        /* a bead under this confidence is unsure */
#define S_SURE_RUN  3          /* sure beads in a row an unsure stretch may hold */
#define S_CHECKABLE 1.0f       /* anchor weight found in the document that makes a side checkable */
#define S_AGREE     0.1f       /* the share of it a checkable pair must match */
#define S_MIN_SIDE  6          /* sentences a side a stretch needs to be tried */
#define S_MAX_SIDE  2048       /* and at most (its rectangles are searched whole) */
#define S_TOL       8          /* a best target agrees within this many sentences' length, */
                               /* or 1/8 of the stretch's target if less (2 at least) */
#define S_MIN_PART  3          /* sentences a side of each crossed block, at least */
#define S_MOVE_COST 10.0f      /* the price of a move, in nats */
#define S_BUDGET    (1u << 24) /* comparing this many sentence pairs in all, at most */
#define S_NEAR_RUNS 32         /* a source run is compared with the runs this near it */
#define S_RUN_AGREE 0.5f       /* anchor weight two paired runs must match, of what they could */

/* A stretch of the path: beads [k0, k1), the rectangle (s0, t0)-(s1, t1),
 * and the crossing tried: source cut at s, target at t. */
typedef struct s_stretch {
    size_t k0, k1, s0, t0, s1, t1, s, t;
} s_stretch;

/* True when bead b pairs sentences that both have anchors found in the
 * document (S_CHECKABLE of weight or more on each side) but match few of
 * each other's: a pair the anchors contradict, whatever its lengths say
 * (inside two blocks that traded places, lengths alone pair verses
 * with verses, confidently and wrongly). */
static bool s_contradicted(const verso_aligner *a, const verso_align_bead *b)
{
    const verso_align_side *x = &a->side[0], *y = &a->side[1];
    float fs = 0, ft = 0, m = 0;
    for (size_t i = b->src; i < b->src + b->nsrc; i++) {
        fs += x->fm[i];
        for (size_t j = b->tgt; j < b->tgt + b->ntgt; j++)
            m += verso_align_overlap(x, y, i, j);
    }
    for (size_t j = b->tgt; j < b->tgt + b->ntgt; j++)
        ft += y->fm[j];
    float least = fs < ft ? fs : ft;
    return b->nsrc && b->ntgt && least >= S_CHECKABLE && m < S_AGREE * least;
}

/* True when bead b is doubtful: unsure, a sentence alone (a moved block
 * is often left alone on both sides), or contradicted. */
static bool s_doubtful(const verso_aligner *a, const verso_align_bead *b)
{
    return b->score < S_UNSURE || !b->nsrc || !b->ntgt || s_contradicted(a, b);
}

/* The next doubtful stretch of p[0..np) from bead *k on: doubtful beads
 * joined across at most S_SURE_RUN others. False when there is none. */
static bool s_next(const verso_aligner *a, const verso_align_bead *p, size_t np, size_t *k,
                   s_stretch *st)
{
    while (*k < np && !s_doubtful(a, &p[*k]))
        (*k)++;
    if (*k >= np)
        return false;
    size_t end = *k + 1, sure = 0;
    for (size_t q = end; q < np && sure <= S_SURE_RUN; q++) {
        if (!s_doubtful(a, &p[q])) {
            sure++;
            continue;
        }
        end = q + 1;
        sure = 0;
    }
    const verso_align_bead *last = &p[end - 1];
    *st = (s_stretch){.k0 = *k,
                      .k1 = end,
                      .s0 = p[*k].src,
                      .t0 = p[*k].tgt,
                      .s1 = last->src + last->nsrc,
                      .t1 = last->tgt + last->ntgt};
    *k = end;
    return true;
}

/* The best target sentence of each source sentence of st by anchor
 * overlap: into `to`, its weight into `w` (0: none). */
static verso_err s_best_targets(verso_aligner *a, const s_stretch *st, uint32_t *to, float *w)
{
    const verso_align_side *x = &a->side[0], *y = &a->side[1];
    for (size_t i = st->s0; i < st->s1; i++) {
        float best = 0;
        uint32_t at = 0;
        for (size_t j = st->t0; j < st->t1; j++) {
            float m = verso_align_overlap(x, y, i, j);
            if (m > best) {
                best = m;
                at = (uint32_t)(j - st->t0);
            }
        }
        to[i - st->s0] = at;
        w[i - st->s0] = best;
        verso_err e = verso_work_tick(a->work, st->t1 - st->t0);
        if (e)
            return e;
    }
    return VERSO_OK;
}

/* True when bead b pairs sentences whose best targets (to, w of st) it
 * holds: a bead the crossing need not change. */
static bool s_kept(const s_stretch *st, const verso_align_bead *b, const uint32_t *to,
                   const float *w)
{
    if (!b->nsrc || !b->ntgt)
        return false;
    for (size_t i = b->src; i < b->src + b->nsrc; i++) {
        size_t j = st->t0 + to[i - st->s0];
        if (w[i - st->s0] > 0 && (j < b->tgt || j >= b->tgt + b->ntgt))
            return false;
    }
    return true;
}

/* Trims from both ends of st the beads of p that s_kept keeps: the
 * crossing is tried on what is left. */
static void s_trim(s_stretch *st, const verso_align_bead *p, const uint32_t *to, const float *w)
{
    size_t k0 = st->k0, k1 = st->k1;
    while (k0 < k1 && s_kept(st, &p[k0], to, w))
        k0++;
    while (k1 > k0 && s_kept(st, &p[k1 - 1], to, w))
        k1--;
    if (k0 == k1) {
        st->k1 = st->k0;
        return;
    }
    const verso_align_bead *last = &p[k1 - 1];
    *st = (s_stretch){.k0 = k0,
                      .k1 = k1,
                      .s0 = p[k0].src,
                      .t0 = p[k0].tgt,
                      .s1 = last->src + last->nsrc,
                      .t1 = last->tgt + last->ntgt};
}

/* The target cut that a source cut at s makes, were the stretch's
 * first source part translated by its last target part at the stretch's
 * own length ratio: the t whose target suffix [t, t1) is as long as
 * the source prefix [s0, s) times that ratio. */
static size_t s_cut_at(const verso_aligner *a, const s_stretch *st, size_t s)
{
    const double *lx = a->side[0].len, *ly = a->side[1].len;
    double sx = lx[st->s1] - lx[st->s0], sy = ly[st->t1] - ly[st->t0];
    double want = ly[st->t1] - (sx > 0 ? (lx[s] - lx[st->s0]) * sy / sx : 0);
    size_t lo = st->t0, hi = st->t1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ly[mid] < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The weight of the source sentences [i0, i1) of st whose best target
 * (to, w) lies within S_TOL of the diagonal that starts at target
 * position y0 (in graphemes) and runs at the stretch's length ratio r. */
static float s_agree(const verso_aligner *a, const s_stretch *st, const uint32_t *to,
                     const float *w, size_t i0, size_t i1, double y0, double r, double tol)
{
    const double *lx = a->side[0].len, *ly = a->side[1].len;
    float sum = 0;
    for (size_t i = i0; i < i1; i++) {
        size_t j = st->t0 + to[i - st->s0];
        double want = y0 + (lx[i] - lx[i0]) * r, mid = (ly[j] + ly[j + 1]) / 2;
        if (w[i - st->s0] > 0 && mid > want - tol && mid < want + tol)
            sum += w[i - st->s0];
    }
    return sum;
}

/* The cut (st->s, st->t) whose crossing agrees best with the source
 * sentences' best targets (s_agree: the first source part along the
 * diagonal from t, the second from t0; t where lengths put it,
 * s_cut_at). False when the crossing explains no more than half their
 * weight, or not twice what the monotone diagonal explains. */
static bool s_cut(const verso_aligner *a, s_stretch *st, const uint32_t *to, const float *w)
{
    const double *lx = a->side[0].len, *ly = a->side[1].len;
    size_t ns = st->s1 - st->s0;
    double sx = lx[st->s1] - lx[st->s0], sy = ly[st->t1] - ly[st->t0];
    size_t nt = st->t1 - st->t0, k = nt / 8 > 2 ? nt / 8 : 2;
    double r = sx > 0 ? sy / sx : 1, tol = (double)(k < S_TOL ? k : S_TOL) * sy / (double)nt;
    float total = 0, best = 0;
    for (size_t i = 0; i < ns; i++)
        total += w[i];
    float mono = s_agree(a, st, to, w, st->s0, st->s1, ly[st->t0], r, tol);
    for (size_t s = st->s0 + S_MIN_PART; s + S_MIN_PART <= st->s1; s++) {
        size_t t = s_cut_at(a, st, s);
        verso_work_add(a->work, ns); /* the two s_agree: ns sentences in all */
        if (t < st->t0 + S_MIN_PART || t + S_MIN_PART > st->t1)
            continue;
        float x = s_agree(a, st, to, w, st->s0, s, ly[t], r, tol) +
                  s_agree(a, st, to, w, s, st->s1, ly[st->t0], r, tol);
        if (x > best) {
            best = x;
            st->s = s;
            st->t = t;
        }
    }
    return best > total / 2 && best > 2 * mono;
}

/* Tries the crossing of st at a->beads[*out ..): the monotone stretch and
 * the two crossed rectangles searched whole; when the crossing wins, its
 * beads stay there (confidence from their own margins, `moved` set on
 * the pairs) and *out moves past them, else nothing is kept. */
static verso_err s_try(verso_aligner *a, const verso_align_model *m, const s_stretch *st,
                       size_t *out)
{
    size_t n0, n1, n2;
    float c0, c1, c2;
    verso_err e = verso_align_rect(a, m, st->s0, st->t0, st->s1, st->t1, *out, &n0, &c0);
    if (!e)
        e = verso_align_rect(a, m, st->s0, st->t, st->s, st->t1, *out, &n1, &c1);
    if (!e)
        e = verso_align_rect(a, m, st->s, st->t0, st->s1, st->t, *out + n1, &n2, &c2);
    if (e || c1 + c2 + S_MOVE_COST >= c0)
        return e;
    if ((e = verso_align_margins(a, m, *out, *out + n1)) ||
        (e = verso_align_margins(a, m, *out + n1, *out + n1 + n2)))
        return e;
    for (size_t k = *out; k < *out + n1 + n2; k++)
        a->beads[k].moved = true;
    *out += n1 + n2;
    return VERSO_OK;
}

/* Tries every doubtful stretch of a->beads[0..*nb) as a crossing
 * (s_try). */
static verso_err s_crossings(verso_aligner *a, const verso_align_model *m, size_t *nb)
{
    size_t np = *nb, k = 0, prev = 0, out = 0;
    uint32_t *to = NULL;
    float *w = NULL;
    s_stretch st;
    verso_err e = VERSO_OK;
    if (verso_array_grow(&a->path, &a->cappath, np + 1, sizeof *a->path))
        return VERSO_ENOMEM;
    memcpy(a->path, a->beads, np * sizeof *a->path);
    const verso_align_bead *p = a->path;
    while (!e && s_next(a, p, np, &k, &st)) {
        size_t ns = st.s1 - st.s0, nt = st.t1 - st.t0;
        if (ns < S_MIN_SIDE || nt < S_MIN_SIDE || ns > S_MAX_SIDE || nt > S_MAX_SIDE)
            continue;
        if (!to &&
            (!(to = malloc(S_MAX_SIDE * sizeof *to)) || !(w = malloc(S_MAX_SIDE * sizeof *w)))) {
            e = VERSO_ENOMEM;
            break;
        }
        if ((e = s_best_targets(a, &st, to, w)))
            continue;
        s_trim(&st, p, to, w);
        ns = st.s1 - st.s0;
        nt = st.t1 - st.t0;
        if (st.k0 == st.k1 || ns < S_MIN_SIDE || nt < S_MIN_SIDE ||
            (e = s_best_targets(a, &st, to, w)) || !s_cut(a, &st, to, w))
            continue;
        size_t at = out;
        if ((e = verso_align_beads_put(a, p, prev, st.k0, &out)) ||
            (at = out, e = s_try(a, m, &st, &out)))
            break;
        if (out == at) /* the crossing lost: the stretch as it was */
            e = verso_align_beads_put(a, p, st.k0, st.k1, &out);
        prev = st.k1;
    }
    free(to);
    free(w);
    if (!e)
        e = verso_align_beads_put(a, p, prev, np, &out);
    if (!e)
        *nb = out;
    return e;
}

/* ---- blocks left alone on both sides ---------------------------------- */

/* A run of beads [k0, k1) of one kind, 1-0 (side 0) or 0-1 (side 1),
 * leaving the sentences [from, to) of that side alone; pair: the index
 * of the run of the other side it was paired with, or -1. */
typedef struct s_alone {
    size_t k0, k1, from, to;
    int side;
    long pair;
    size_t at, n; /* its beads, when paired: acc[at .. at + n) */
} s_alone;

/* The runs of sentences alone in p[0..np) of S_MIN_SIDE to S_MAX_SIDE
 * sentences, into *r (grown; *cap its size) in document order; *nr their
 * number. Errors: ENOMEM. */
static verso_err s_runs(const verso_align_bead *p, size_t np, s_alone **r, size_t *cap, size_t *nr)
{
    *nr = 0;
    for (size_t k = 0; k < np;) {
        int side = p[k].ntgt ? 1 : 0;
        size_t e = k;
        while (e < np && !p[e].moved && (p[e].nsrc == 0) != (p[e].ntgt == 0) &&
               (p[e].ntgt ? 1 : 0) == side)
            e++;
        if (e == k) {
            k++;
            continue;
        }
        size_t from = side ? p[k].tgt : p[k].src, to = side ? p[e - 1].tgt + 1 : p[e - 1].src + 1;
        if (to - from >= S_MIN_SIDE && to - from <= S_MAX_SIDE) {
            if (verso_array_grow(r, cap, *nr + 1, sizeof **r))
                return VERSO_ENOMEM;
            (*r)[(*nr)++] = (s_alone){k, e, from, to, side, -1, 0, 0};
        }
        k = e;
    }
    return VERSO_OK;
}

/* How well the source run x matches the target run y: for each source
 * sentence, its best anchor overlap with a sentence of y, summed. */
static verso_err s_affinity(verso_aligner *a, const s_alone *x, const s_alone *y, float *score)
{
    *score = 0;
    for (size_t i = x->from; i < x->to; i++) {
        float best = 0;
        for (size_t j = y->from; j < y->to; j++) {
            float m = verso_align_overlap(&a->side[0], &a->side[1], i, j);
            best = m > best ? m : best;
        }
        *score += best;
        verso_err e = verso_work_tick(a->work, y->to - y->from);
        if (e)
            return e;
    }
    return VERSO_OK;
}

/* True when the beads b[0..n) pairing runs x and y match at least
 * S_RUN_AGREE of the anchor weight the runs could match: without
 * anchors, lengths alone pair two unrelated runs for less than leaving
 * them alone costs. */
static bool s_supported(const verso_aligner *a, const s_alone *x, const s_alone *y,
                        const verso_align_bead *b, size_t n)
{
    const verso_align_side *sx = &a->side[0], *sy = &a->side[1];
    float fx = 0, fy = 0, m = 0;
    for (size_t i = x->from; i < x->to; i++)
        fx += sx->fm[i];
    for (size_t j = y->from; j < y->to; j++)
        fy += sy->fm[j];
    for (size_t k = 0; k < n; k++)
        for (size_t i = b[k].src; i < b[k].src + b[k].nsrc; i++)
            for (size_t j = b[k].tgt; j < b[k].tgt + b[k].ntgt; j++)
                m += verso_align_overlap(sx, sy, i, j);
    float least = fx < fy ? fx : fy;
    return least > 0 && m >= S_RUN_AGREE * least;
}

/* Pairs source run x with the target run of r[0..nr), among the
 * S_NEAR_RUNS runs either side of it in the document, it matches best
 * (the sentence pairs compared come out of *budget), when aligning the two (at a->beads[scratch
 * ..)) costs less, with the price of a move, than leaving both alone; the beads go to *acc. */
static verso_err s_pair_run(verso_aligner *a, const verso_align_model *m, s_alone *r, size_t nr,
                            size_t x, size_t scratch, size_t *budget, verso_align_bead **acc,
                            size_t *nacc, size_t *capacc)
{
    float best = 0, score;
    long y = -1;
    size_t q0 = x > S_NEAR_RUNS ? x - S_NEAR_RUNS : 0, q1 = x + S_NEAR_RUNS + 1;
    for (size_t q = q0; q < nr && q < q1; q++) { /* the runs nearest in the document */
        size_t nx = r[x].to - r[x].from, ny = r[q].to - r[q].from;
        if (r[q].side != 1 || r[q].pair >= 0 || nx > 4 * ny || ny > 4 * nx || (*budget < nx * ny))
            continue;
        *budget -= nx * ny;
        verso_err e = s_affinity(a, &r[x], &r[q], &score);
        if (e)
            return e;
        if (score > best) {
            best = score;
            y = (long)q;
        }
    }
    if (y < 0)
        return VERSO_OK;
    s_alone *t = &r[y];
    size_t n;
    float c, alone = verso_align_gap_cost(a, m, 0, r[x].from, r[x].to) +
                     verso_align_gap_cost(a, m, 1, t->from, t->to);
    verso_err e = verso_align_rect(a, m, r[x].from, t->from, r[x].to, t->to, scratch, &n, &c);
    if (e || c + S_MOVE_COST >= alone || !s_supported(a, &r[x], t, a->beads + scratch, n))
        return e;
    if ((e = verso_align_margins(a, m, scratch, scratch + n)) ||
        verso_array_grow(acc, capacc, *nacc + n + 1, sizeof **acc))
        return e ? e : VERSO_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        (*acc)[*nacc + k] = a->beads[scratch + k];
        (*acc)[*nacc + k].moved = true;
    }
    r[x].pair = y;
    t->pair = (long)x;
    r[x].at = *nacc;
    r[x].n = n;
    *nacc += n;
    return VERSO_OK;
}

/* Rebuilds a->beads from p[0..np): each paired source run's beads in
 * its place, each paired target run's dropped. */
static verso_err s_splice(verso_aligner *a, const verso_align_bead *p, size_t np, const s_alone *r,
                          size_t nr, const verso_align_bead *acc, size_t *nb)
{
    size_t out = 0, k = 0;
    verso_err e = VERSO_OK;
    for (size_t q = 0; q < nr && !e; q++) {
        if (r[q].pair < 0)
            continue;
        e = verso_align_beads_put(a, p, k, r[q].k0, &out);
        if (!e && r[q].side == 0)
            e = verso_align_beads_put(a, acc, r[q].at, r[q].at + r[q].n, &out);
        k = r[q].k1;
    }
    if (!e)
        e = verso_align_beads_put(a, p, k, np, &out);
    *nb = out;
    return e;
}

/* Pairs runs of source sentences left alone with runs of target
 * sentences left alone elsewhere (a paragraph moved anywhere in the
 * document: the monotone path leaves it alone on both sides). */
static verso_err s_pair_alone(verso_aligner *a, const verso_align_model *m, size_t *nb)
{
    size_t np = *nb, nr, nacc = 0, capacc = 0, paired = 0, budget = S_BUDGET;
    verso_align_bead *acc = NULL;
    verso_err e = VERSO_OK;
    s_alone *r = NULL;
    size_t capr = 0;
    if (verso_array_grow(&a->path, &a->cappath, np + 1, sizeof *a->path))
        return VERSO_ENOMEM;
    memcpy(a->path, a->beads, np * sizeof *a->path);
    if ((e = s_runs(a->path, np, &r, &capr, &nr))) {
        free(r);
        return e;
    }
    for (size_t x = 0; x < nr && !e; x++) {
        if (r[x].side != 0)
            continue;
        e = s_pair_run(a, m, r, nr, x, np, &budget, &acc, &nacc, &capacc);
        paired += r[x].pair >= 0;
    }
    if (!e && paired)
        e = s_splice(a, a->path, np, r, nr, acc, nb);
    else if (!e)
        memcpy(a->beads, a->path, np * sizeof *a->path);
    free(acc);
    free(r);
    return e;
}

verso_err verso_align_moves(verso_aligner *a, const verso_align_model *m, size_t *nb)
{
    verso_err e = s_crossings(a, m, nb);
    return e ? e : s_pair_alone(a, m, nb);
}
