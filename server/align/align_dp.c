/*
 * align_dp.c - the aligner's search: a monotone dynamic programme over twelve
 * bead types with gap states, run coarse to fine (docs/ALIGNMENT.md). At
 * the coarsest level the sentences of each side are grouped into at most
 * S_TOP blocks and every cell of the block grid is searched; each finer
 * level searches a band around the path of the level above, widened
 * wherever the path runs along its edge. No cell is ever dropped for
 * looking expensive beside its row (paths in one row have consumed
 * different amounts of text), so the search cannot lose its place.
 * The bead costs it shares with the confidence margins (align_margin.c)
 * are in align_dp.h.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align_dp.h"
#include "align_int.h"
#include "buf.h"

/* The order of evaluation: the likely bead first gives the bound its bite. */
static const uint8_t s_bead_order[VERSO_DP_NBEAD] = {2, 3, 4, 0, 1, 5, 6, 7, 8, 9, 10, 11};

#define S_SCORE_MID   3.0f       /* bead cost at which the confidence is 0.5 */
#define S_SUPPORT     0.5f       /* anchor weight that makes a sentence checkable */
#define S_UNSUPPORTED 0.3        /* confidence of a bead with an unsupported sentence */
#define S_TOP         256        /* blocks a side at the coarsest level, at most */
#define S_STEP        8          /* blocks of one level in a block of the level above */
#define S_MARGIN      12         /* band margin around the coarser path, in cells */
#define S_MAX_CELLS   450000000u /* back-pointers of one DP's computed cells */

void verso_align_lentab_fill(verso_aligner *a)
{
    for (int k = 0; k <= 2000; k++)
        a->lentab[k] = (float)-log(erfc((double)k / 100.0 / sqrt(2.0)));
}

static long s_clamp(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- bands ------------------------------------------------------------ */

/* Every cell: the coarsest level. */
static void s_band_full(verso_dp *d)
{
    for (size_t i = d->i0; i <= d->ns; i++) {
        d->lo[i] = d->j0;
        d->hi[i] = (long)d->nt;
    }
}

/* Makes lo and hi nondecreasing by widening, never narrowing, a row. */
static void s_band_monotone(verso_dp *d)
{
    for (size_t i = d->ns; i-- > d->i0;)
        d->lo[i] = d->lo[i] < d->lo[i + 1] ? d->lo[i] : d->lo[i + 1];
    for (size_t i = d->i0 + 1; i <= d->ns; i++)
        d->hi[i] = d->hi[i] > d->hi[i - 1] ? d->hi[i] : d->hi[i - 1];
}

/* The block of side sd (of d) holding sentence i; up: the first block
 * starting at or after i. Sentences are their own blocks. */
static long s_blk(const verso_align_side *sd, size_t i, bool up)
{
    if (!sd->blk)
        return (long)i;
    size_t k = sd->blk[i];
    return (long)(up && sd->start[k] < i ? k + 1 : k);
}

/* A band of w cells either side of path[0..np), whose beads count
 * sentences: the cells each bead spans, widened, made monotone. */
void verso_dp_band_path(verso_dp *d, const verso_align_bead *path, size_t np, size_t w)
{
    long nt = (long)d->nt;
    for (size_t i = d->i0; i <= d->ns; i++)
        d->lo[i] = LONG_MAX, d->hi[i] = -1;
    for (size_t k = 0; k < np; k++) {
        const verso_align_bead *b = &path[k];
        long i0 = s_blk(d->x, b->src, false), i1 = s_blk(d->x, b->src + b->nsrc, true);
        long j0 = s_blk(d->y, b->tgt, false), j1 = s_blk(d->y, b->tgt + b->ntgt, true);
        for (long i = i0; i <= i1; i++) {
            d->lo[i] = j0 < d->lo[i] ? j0 : d->lo[i];
            d->hi[i] = j1 > d->hi[i] ? j1 : d->hi[i];
        }
    }
    for (size_t i = d->i0; i <= d->ns; i++) {
        d->lo[i] = s_clamp(d->lo[i] - (long)w, d->j0, nt);
        d->hi[i] = s_clamp(d->hi[i] + (long)w, d->j0, nt);
    }
    s_band_monotone(d);
    /* w rows up and down too: a path may leave the old one sideways. On a
     * monotone band that is row i taking row i + w's hi and row i - w's lo. */
    for (size_t i = d->i0; i <= d->ns; i++)
        d->hi[i] = d->hi[i + w > d->ns ? d->ns : i + w];
    for (size_t i = d->ns + 1; i-- > d->i0;)
        d->lo[i] = d->lo[i - d->i0 > w ? i - w : d->i0];
}

/* ---- bead costs -------------------------------------------------------- */

/* The cost of each sentence left alone (a 1-0 or 0-1 bead, prior aside),
 * into a->nullc: source sentences, then target ones. A sentence alone
 * costs its length against nothing and its anchors unmatched. */
static float s_alone_cost(const verso_aligner *a, const verso_dp *d, int t, size_t k)
{
    const verso_align_side *sd = t ? d->y : d->x;
    double l = sd->len[k + 1] - sd->len[k];
    return verso_dp_len_cost(a, d, t ? 0 : l, t ? l : 0, false) + VERSO_DP_UNMATCHED * sd->fw[k];
}

/* Fills the costs of the sentences of d's rectangle: source [i0, ns),
 * target [j0, nt) (the array is indexed by sentence, for the whole
 * document: a stretch searched again fills its own part only, so that
 * many small rectangles cost their size, not the document's each). */
verso_err verso_dp_null_costs(verso_aligner *a, const verso_dp *d)
{
    if (verso_array_grow(&a->nullc, &a->capnullc, d->x->n + d->y->n + 1, sizeof *a->nullc))
        return VERSO_ENOMEM;
    verso_work_add(a->work, (d->ns - d->i0) + (d->nt - (size_t)d->j0) + 1);
    for (size_t i = d->i0; i < d->ns; i++)
        a->nullc[i] = s_alone_cost(a, d, 0, i);
    for (size_t j = (size_t)d->j0; j < d->nt; j++)
        a->nullc[d->x->n + j] = s_alone_cost(a, d, 1, j);
    return VERSO_OK;
}

/* ---- the rows ----------------------------------------------------------- */

/* Opens the rolling overlap row of source sentence i - 1 for DP row i:
 * its range, every entry to be computed on first use (verso_dp_overlap). */
static void s_fill_m(verso_aligner *a, verso_dp *d, size_t i)
{
    size_t s = i - 1, last = i + 3 > d->ns ? d->ns : i + 3;
    int r = (int)(s & VERSO_DP_RMASK);
    long lo = d->lo[i] - 4, hi = d->hi[last] - 1;
    if (lo < 0)
        lo = 0;
    if (hi - lo + 1 > (long)d->mwidth)
        hi = lo + (long)d->mwidth - 1;
    d->mlo[r] = lo;
    d->mhi[r] = hi;
    float *row = a->m + (size_t)r * d->mwidth;
    for (long j = lo; j <= hi; j++)
        row[j - lo] = -1;
}

/* Best cost into cell (i, j) of gap state g: 0 any bead, 1 a 1-0 bead, 2
 * a 0-1 bead (a->cost holds the three, 4 rolling rows each). */
static inline float *s_cell(verso_aligner *a, const verso_dp *d, int g, size_t i, long j)
{
    return a->cost + ((size_t)g * VERSO_DP_ROLL + (i & VERSO_DP_RMASK)) * d->width +
           (size_t)(j - d->lo[i]);
}

/* True when cell (i, j) was computed (a cell not computed is VERSO_DP_INF). */
static inline bool s_known(const verso_dp *d, size_t i, long j)
{
    return j >= d->cfrom[i & VERSO_DP_RMASK] && j <= d->cend[i & VERSO_DP_RMASK];
}

/* The back-pointer byte of cell (i, j), 0 for a cell not computed. */
static uint8_t s_bp(const verso_aligner *a, size_t i, long j)
{
    const verso_align_bprow *r = &a->bprow[i];
    return j < r->from || j > r->end ? 0 : a->bp[r->off + (size_t)(j - r->from)];
}

/* The cheapest way into (i, j) through a null bead of type t (0: 1-0, 1:
 * 0-1) from cell (i0, j0): opening a gap from any state, or extending one
 * of the same kind; *ext tells which. */
static float s_gap(verso_aligner *a, const verso_dp *d, size_t i, long j, int t, size_t i0, long j0,
                   bool *ext)
{
    *ext = false;
    if (!s_known(d, i0, j0))
        return VERSO_DP_INF;
    float open = *s_cell(a, d, 0, i0, j0) + verso_dp_null_cost(a, d, i, (size_t)j, t, false);
    float more = *s_cell(a, d, 1 + t, i0, j0) + verso_dp_null_cost(a, d, i, (size_t)j, t, true);
    *ext = more < open;
    return *ext ? more : open;
}

/* The best bead with both sides into (i, j); *bt its type, -1 for none. */
static float s_pair_best(verso_aligner *a, const verso_dp *d, size_t i, long j, int *bt)
{
    float best = (i == d->i0 && j == d->j0) ? 0 : VERSO_DP_INF, prior;
    *bt = -1;
    for (int k = 0; k < VERSO_DP_NBEAD; k++) {
        int t = s_bead_order[k];
        size_t di = verso_dp_bead_di[t], dj = verso_dp_bead_dj[t];
        if (!di || !dj || i - d->i0 < di || j - d->j0 < (long)dj || t >= d->mod->ntypes)
            continue;
        size_t i0 = i - di;
        long j0 = j - (long)dj;
        if (!s_known(d, i0, j0))
            continue;
        float prev = *s_cell(a, d, 0, i0, j0);
        /* A bound: length, unmatched and paragraph costs are >= 0, and
         * the bead matches no more than either side can. */
        double ms = d->x->pfm[i] - d->x->pfm[i0];
        double mt = d->y->pfm[j] - d->y->pfm[j0];
        if (prev + verso_dp_bead_prior[t] - VERSO_DP_MATCHED * (float)(ms < mt ? ms : mt) >= best)
            continue;
        float c = prev + verso_dp_bead_cost(a, d, i, (size_t)j, t, &prior);
        if (c < best) {
            best = c;
            *bt = t;
        }
    }
    return best;
}

/* The cells of row i that can be finite, as far as its predecessors
 * tell: a bead ends in the same column as a finite cell of row i - 1 (a
 * 1-0 bead) or 1 to 4 columns right of one of rows i - 1 to i - 4 (up to
 * 4 from row i - 1, 3 from i - 2, 2 from i - 3, 1 from i - 4). */
static void s_row_range(const verso_dp *d, size_t i, long *from, long *to)
{
    static const long reach[5] = {0, 4, 3, 2, 1};
    *from = LONG_MAX;
    *to = -1;
    if (i == d->i0) {
        *from = *to = d->j0;
        return;
    }
    for (size_t di = 1; di <= 4 && di <= i - d->i0; di++) {
        int r = (int)((i - di) & VERSO_DP_RMASK);
        if (d->flo[r] > d->fhi[r])
            continue;
        long f = d->flo[r] + (di > 1), t = d->fhi[r] + reach[di];
        *from = f < *from ? f : *from;
        *to = t > *to ? t : *to;
    }
    *from = *from < d->lo[i] ? d->lo[i] : *from;
    *to = *to > d->hi[i] ? d->hi[i] : *to;
}

/* Records which cells of row i, computed over [from, end], are finite. */
static void s_row_finite(verso_aligner *a, verso_dp *d, size_t i, long from, long end)
{
    int r = (int)(i & VERSO_DP_RMASK);
    d->flo[r] = LONG_MAX;
    d->fhi[r] = -1;
    for (long j = from; j <= end; j++) {
        if (*s_cell(a, d, 0, i, j) < VERSO_DP_INF) {
            d->flo[r] = j < d->flo[r] ? j : d->flo[r];
            d->fhi[r] = j;
        }
    }
}

/* One DP row: the best way into every cell (i, j) of the band in each gap
 * state. A back-pointer byte holds the best pair bead's type + 1 (bits
 * 0-3), the best state (bits 4-5) and whether the 1-0 and 0-1 states
 * extend a gap (bits 6 and 7). Only the cells that can be finite are
 * computed: those after a finite predecessor, then a run of 0-1 beads. */
static verso_err s_row(verso_aligner *a, verso_dp *d, size_t i)
{
    long from, to, hi = d->hi[i], end = -1;
    s_row_range(d, i, &from, &to);
    size_t room = from <= hi ? (size_t)(hi - from + 1) : 0;
    if (a->nbp + room > S_MAX_CELLS)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&a->bp, &a->capbp, a->nbp + room + 1, 1))
        return VERSO_ENOMEM;
    uint8_t *bp = a->bp + a->nbp;
    d->cfrom[i & VERSO_DP_RMASK] = from;
    d->cend[i & VERSO_DP_RMASK] = from - 1;
    for (long j = from; j <= hi; j++) {
        int bt = -1;
        bool e0 = false, e1 = false;
        float c[3] = {VERSO_DP_INF, VERSO_DP_INF, VERSO_DP_INF};
        if (j <= to) {
            c[0] = s_pair_best(a, d, i, j, &bt);
            c[1] = i > d->i0 ? s_gap(a, d, i, j, 0, i - 1, j, &e0) : VERSO_DP_INF;
        }
        c[2] = j > d->lo[i] ? s_gap(a, d, i, j, 1, i, j - 1, &e1) : VERSO_DP_INF;
        if (j > to && c[2] >= VERSO_DP_INF)
            break;
        int st = 0;
        for (int g = 1; g < 3; g++)
            st = c[g] < c[st] ? g : st;
        *s_cell(a, d, 0, i, j) = c[st];
        *s_cell(a, d, 1, i, j) = c[1];
        *s_cell(a, d, 2, i, j) = c[2];
        bp[j - from] = (uint8_t)((bt + 1) | st << 4 | e0 << 6 | e1 << 7);
        d->cend[i & VERSO_DP_RMASK] = end = j;
    }
    a->bprow[i] = (verso_align_bprow){a->nbp, from, end};
    a->nbp += end >= from ? (size_t)(end - from + 1) : 0;
    s_row_finite(a, d, i, from, end);
    return VERSO_OK;
}

/* True when sentence k of side `side` has anchors found in the document
 * but matches none of the other side's sentences [o0, o1). */
static bool s_alone(const verso_dp *d, int side, size_t k, size_t o0, size_t o1)
{
    float m = 0;
    for (size_t o = o0; o < o1; o++)
        m += side ? verso_align_overlap(d->x, d->y, o, k) : verso_align_overlap(d->x, d->y, k, o);
    return (side ? d->y : d->x)->fm[k] >= S_SUPPORT && m <= 0;
}

/* True when a sentence of a bead with several sentences on one side is
 * alone in it (s_alone): it is more likely untranslated, or another
 * bead's, than part of this one. */
static bool s_unsupported(const verso_dp *d, size_t i0, size_t i, size_t j0, size_t j)
{
    for (size_t p = i0; p < i; p++)
        if (s_alone(d, 0, p, j0, j))
            return true;
    for (size_t q = j0; q < j; q++)
        if (s_alone(d, 1, q, i0, i))
            return true;
    return false;
}

/* The confidence of the bead of type t (state st) ending at (i, j). The
 * prior counts for a null bead (as a gap opened or extended), not for a
 * bead with both sides (a good 2-1 is as sure as a 1-1); a bead joining a
 * sentence that matches nothing in it is capped at S_UNSUPPORTED. */
static double s_conf(const verso_aligner *a, const verso_dp *d, size_t i, size_t j, int t, int st,
                     bool ext)
{
    float prior = 0;
    float c = st ? verso_dp_null_cost(a, d, i, j, t, ext)
                 : verso_dp_bead_cost(a, d, i, j, t, &prior) - prior;
    double conf = 1.0 / (1.0 + exp((double)c - S_SCORE_MID));
    size_t di = verso_dp_bead_di[t], dj = verso_dp_bead_dj[t];
    if (!st && di + dj > 2 && s_unsupported(d, i - di, i, j - dj, j))
        conf = conf < S_UNSUPPORTED ? conf : S_UNSUPPORTED;
    return conf;
}

static void s_reverse(verso_align_bead *b, size_t n)
{
    for (size_t k = 0; k < n / 2; k++) {
        verso_align_bead tmp = b[k];
        b[k] = b[n - 1 - k];
        b[n - 1 - k] = tmp;
    }
}

/* True when the point (i, j) is within 2 cells of an edge of d's band
 * that is not an edge of d's rectangle. */
static bool s_at_edge(const verso_dp *d, size_t i, long j)
{
    long lo = d->lo[i], hi = d->hi[i];
    return (lo > d->j0 && j - lo < 2) || (hi < (long)d->nt && hi - j < 2);
}

/* Traces the path back from (ns, nt) to (i0, j0) into a->beads[at ..),
 * *nb beads; *edge is set when the path runs along a band edge that is
 * not the rectangle's (s_at_edge). */
static verso_err s_trace(verso_aligner *a, const verso_dp *d, size_t at, size_t *nb, bool *edge)
{
    size_t i = d->ns, j = d->nt, n = at;
    int st = (s_bp(a, i, (long)j) >> 4) & 3;
    *edge = false;
    while (i > d->i0 || (long)j > d->j0) {
        *edge = *edge || s_at_edge(d, i, (long)j);
        uint8_t b = s_bp(a, i, (long)j);
        int t = st ? st - 1 : (b & 15) - 1;
        bool ext = st && ((b >> (5 + st)) & 1);
        if (t < 0 || st == 3)
            return VERSO_EINTERNAL;
        if (verso_array_grow(&a->beads, &a->capbeads, n + 1, sizeof *a->beads))
            return VERSO_ENOMEM;
        double conf = s_conf(a, d, i, j, t, st, ext);
        i -= verso_dp_bead_di[t];
        j -= verso_dp_bead_dj[t];
        a->beads[n++] = (verso_align_bead){(uint32_t)i, verso_dp_bead_di[t], (uint32_t)j,
                                           verso_dp_bead_dj[t], conf};
        if (!ext)
            st = (s_bp(a, i, (long)j) >> 4) & 3;
    }
    s_reverse(a->beads + at, n - at);
    *nb = n - at;
    return VERSO_OK;
}

/* Sizes the rolling rows for the band of d. */
static verso_err s_rows_size(verso_aligner *a, verso_dp *d)
{
    d->width = d->mwidth = 1;
    for (size_t i = d->i0; i <= d->ns; i++) {
        size_t w = (size_t)(d->hi[i] - d->lo[i] + 1), last = i + 3 > d->ns ? d->ns : i + 3;
        size_t mw = (size_t)(d->hi[last] - d->lo[i] + 5);
        d->width = w > d->width ? w : d->width;
        d->mwidth = mw > d->mwidth ? mw : d->mwidth;
    }
    if (verso_array_grow(&a->bprow, &a->capbprow, d->ns + 1, sizeof *a->bprow) ||
        verso_array_grow(&a->cost, &a->caprow, 3 * VERSO_DP_ROLL * d->width, sizeof *a->cost) ||
        verso_array_grow(&a->m, &a->capm, VERSO_DP_ROLL * d->mwidth, sizeof *a->m))
        return VERSO_ENOMEM;
    return VERSO_OK;
}

/* Runs the DP over the band of d's rectangle and traces it into
 * a->beads[at ..), *nb beads (s_trace). */
static verso_err s_run(verso_aligner *a, verso_dp *d, size_t at, size_t *nb, bool *edge)
{
    verso_err e = s_rows_size(a, d);
    if (e || (e = verso_dp_null_costs(a, d)))
        return e;
    for (int r = 0; r < VERSO_DP_ROLL; r++)
        d->mlo[r] = 1, d->mhi[r] = 0;
    d->direct = false;
    a->nbp = 0;
    for (size_t i = d->i0; i <= d->ns; i++) {
        if (i > d->i0)
            s_fill_m(a, d, i);
        if ((e = s_row(a, d, i)) ||
            (e = verso_work_tick(a->work, (uint64_t)(d->hi[i] - d->lo[i] + 1))))
            return e;
    }
    d->direct = true;
    return s_trace(a, d, at, nb, edge);
}

/* ---- coarse to fine ------------------------------------------------------ */

/* The block boundaries of side x cut into at most g blocks of equal
 * length (a sentence longer than a block makes fewer): c->start, c->blk,
 * c->n. Equal lengths, not equal counts, so that the coarse path of a
 * faithful translation is the diagonal whatever the sentence counts. */
static verso_err s_cut(const verso_align_side *x, verso_align_side *c, size_t g)
{
    if (verso_array_grow(&c->start, &c->capstart, g + 2, sizeof *c->start) ||
        verso_array_grow(&c->blk, &c->capblk, x->n + 1, sizeof *c->blk))
        return VERSO_ENOMEM;
    double total = x->len[x->n];
    size_t nb = 0, last = 0;
    c->start[0] = 0;
    for (size_t i = 1; i < x->n; i++) {
        double at = total > 0 ? x->len[i] / total : (double)i / (double)x->n;
        size_t q = (size_t)(at * (double)g);
        if (q > last && nb + 1 < g) {
            c->start[++nb] = i;
            last = q;
        }
    }
    c->start[++nb] = x->n;
    for (size_t k = 0; k < nb; k++)
        for (size_t i = c->start[k]; i < c->start[k + 1]; i++)
            c->blk[i] = k;
    c->blk[x->n] = nb;
    c->n = nb;
    return VERSO_OK;
}

/* Side s cut into at most g blocks (s_cut), in a->coarse[s]: lengths and
 * anchor weights summed, features merged. */
static verso_err s_coarsen(verso_aligner *a, int s, size_t g)
{
    const verso_align_side *x = &a->side[s];
    verso_align_side *c = &a->coarse[s];
    verso_err e = s_cut(x, c, g);
    if (e || (e = verso_align_side_size(c, c->n)) ||
        (e = verso_array_grow(&c->feat, &c->capfeat, x->nfeat + 1, sizeof *c->feat)))
        return e;
    c->nfeat = 0;
    c->len[0] = c->pfm[0] = 0;
    for (size_t k = 0; k < c->n; k++) {
        size_t lo = c->start[k], hi = c->start[k + 1];
        size_t f0 = x->foff[lo], f1 = x->foff[hi];
        c->len[k + 1] = x->len[hi];
        c->foff[k] = c->nfeat;
        memcpy(c->feat + c->nfeat, x->feat + f0, (f1 - f0) * sizeof *c->feat);
        qsort(c->feat + c->nfeat, f1 - f0, sizeof *c->feat, verso_align_feat_cmp);
        c->nfeat += f1 - f0;
        c->fw[k] = c->fm[k] = 0;
        for (size_t i = lo; i < hi; i++) {
            c->fw[k] += x->fw[i];
            c->fm[k] += x->fm[i];
        }
        c->pfm[k + 1] = c->pfm[k] + c->fm[k];
    }
    c->foff[c->n] = c->nfeat;
    return VERSO_OK;
}

/* A DP over the sentences of a (f == 1) or its blocks of f. */
verso_err verso_dp_level(verso_aligner *a, const verso_align_model *m, size_t f, verso_dp *d)
{
    *d = (verso_dp){.mod = m, .lo = a->band};
    if (f == 1) {
        d->x = &a->side[0];
        d->y = &a->side[1];
        d->para[0] = m->para[0];
        d->para[1] = m->para[1];
    } else {
        size_t n = a->side[0].n > a->side[1].n ? a->side[0].n : a->side[1].n;
        verso_err e = s_coarsen(a, 0, (n + f - 1) / f);
        if (e || (e = s_coarsen(a, 1, (n + f - 1) / f)))
            return e;
        d->x = &a->coarse[0];
        d->y = &a->coarse[1];
    }
    d->ns = d->x->n;
    d->nt = d->y->n;
    d->hi = a->band + d->ns + 1;
    return VERSO_OK;
}

/* Keeps a copy of the path a->beads[0..nb) of d in a->path, its beads
 * counting sentences. */
static verso_err s_keep_path(verso_aligner *a, const verso_dp *d, size_t nb)
{
    if (verso_array_grow(&a->path, &a->cappath, nb + 1, sizeof *a->path))
        return VERSO_ENOMEM;
    const size_t *xs = d->x->start, *ys = d->y->start;
    for (size_t k = 0; k < nb; k++) {
        verso_align_bead b = a->beads[k];
        if (xs) {
            uint32_t s0 = (uint32_t)xs[b.src], s1 = (uint32_t)xs[b.src + b.nsrc];
            uint32_t t0 = (uint32_t)ys[b.tgt], t1 = (uint32_t)ys[b.tgt + b.ntgt];
            b = (verso_align_bead){s0, s1 - s0, t0, t1 - t0, b.score};
        }
        a->path[k] = b;
    }
    return VERSO_OK;
}

/* Widens the band of d by w cells (and rows) around every point where
 * the path b[0..nb) comes within 2 cells of an edge of the band that is
 * not an edge of the matrix, keeping the band monotone. */
static void s_band_widen(verso_dp *d, const verso_align_bead *b, size_t nb, size_t w)
{
    long nt = (long)d->nt, lw = (long)w;
    for (size_t k = 0; k < nb; k++) {
        size_t i = b[k].src + b[k].nsrc, r0 = i > w ? i - w : 0;
        size_t r1 = i + w < d->ns ? i + w : d->ns;
        long j = (long)(b[k].tgt + b[k].ntgt);
        bool low = d->lo[i] > 0 && j - d->lo[i] < 2, high = d->hi[i] < nt && d->hi[i] - j < 2;
        /* (the whole matrix: its rectangle starts at (0, 0)) */
        for (size_t r = r0; r <= r1 && (low || high); r++) {
            if (low)
                d->lo[r] = s_clamp(j - lw < d->lo[r] ? j - lw : d->lo[r], 0, nt);
            if (high)
                d->hi[r] = s_clamp(j + lw > d->hi[r] ? j + lw : d->hi[r], 0, nt);
        }
    }
    s_band_monotone(d);
}

/* The stretches of the path p[0..np) of d's whole matrix to search again
 * in a band widened by w: around each point that runs along the band's
 * edge (s_at_edge), from the start of a bead at least 2 w rows before it
 * to the start of one at least 2 w rows after it (np: the end), those
 * that overlap or touch joined; into a->mend as pairs of bead indices
 * [k0, k1), *n pairs. Errors: ENOMEM. */
static verso_err s_stretches(verso_aligner *a, const verso_dp *d, const verso_align_bead *p,
                             size_t np, size_t w, size_t *n)
{
    *n = 0;
    for (size_t k = 0; k < np; k++) {
        size_t i = p[k].src + p[k].nsrc, k0 = k, k1 = k + 1;
        if (!s_at_edge(d, i, (long)(p[k].tgt + p[k].ntgt)))
            continue;
        while (k0 > 0 && p[k0].src + 2 * w > i)
            k0--;
        while (k1 < np && p[k1].src < i + 2 * w)
            k1++;
        if (*n && k0 <= a->mend[2 * *n - 1]) {
            a->mend[2 * *n - 1] = k1;
            continue;
        }
        if (verso_array_grow(&a->mend, &a->capmend, 2 * *n + 2, sizeof *a->mend))
            return VERSO_ENOMEM;
        a->mend[2 * *n] = k0;
        a->mend[2 * *n + 1] = k1;
        (*n)++;
    }
    return VERSO_OK;
}

verso_err verso_align_beads_put(verso_aligner *a, const verso_align_bead *p, size_t k0, size_t k1,
                                size_t *out)
{
    if (verso_array_grow(&a->beads, &a->capbeads, *out + (k1 - k0) + 1, sizeof *a->beads))
        return VERSO_ENOMEM;
    memcpy(a->beads + *out, p + k0, (k1 - k0) * sizeof *p);
    *out += k1 - k0;
    return VERSO_OK;
}

/* Searches again the stretches of the path a->beads[0..np) of d that run
 * along its band's edge (s_stretches), each in the band widened by w and
 * between its two end points, and splices the new stretches into the
 * path: a->beads, *nb beads; *edge tells whether a new stretch ran along
 * its own band's edge. Only the stretches are run again, so widening
 * costs what it widens (re-running the whole level doubled the 120k
 * sentences' sentence level: 2.8 times the time of 60k). */
static verso_err s_mend(verso_aligner *a, verso_dp *d, size_t np, size_t w, size_t *nb, bool *edge)
{
    size_t ns, out = 0, prev = 0;
    *edge = false;
    if (verso_array_grow(&a->path, &a->cappath, np + 1, sizeof *a->path))
        return VERSO_ENOMEM;
    memcpy(a->path, a->beads, np * sizeof *a->path);
    const verso_align_bead *p = a->path;
    verso_err e = s_stretches(a, d, p, np, w, &ns);
    if (e)
        return e;
    s_band_widen(d, p, np, w);
    verso_dp whole = *d;
    for (size_t s = 0; s < ns && !e; s++) {
        size_t k0 = a->mend[2 * s], k1 = a->mend[2 * s + 1], n = 0;
        bool ed = false;
        if ((e = verso_align_beads_put(a, p, prev, k0, &out)))
            break;
        d->i0 = p[k0].src;
        d->j0 = p[k0].tgt;
        d->ns = k1 < np ? p[k1].src : whole.ns;
        d->nt = k1 < np ? p[k1].tgt : whole.nt;
        /* the rectangle's rows clamped for the run, then given back: the
         * band outside a stretch, and the next round's edges, stay whole */
        size_t rows = d->ns - d->i0 + 1;
        if (verso_array_grow(&a->saved, &a->capsaved, 2 * rows, sizeof *a->saved)) {
            e = VERSO_ENOMEM;
            *d = whole;
            break;
        }
        for (size_t i = d->i0; i <= d->ns; i++) {
            a->saved[2 * (i - d->i0)] = d->lo[i];
            a->saved[2 * (i - d->i0) + 1] = d->hi[i];
            d->lo[i] = s_clamp(d->lo[i], d->j0, (long)d->nt);
            d->hi[i] = s_clamp(d->hi[i], d->j0, (long)d->nt);
        }
        e = s_run(a, d, out, &n, &ed);
        for (size_t i = d->i0; i <= d->ns; i++) {
            d->lo[i] = a->saved[2 * (i - d->i0)];
            d->hi[i] = a->saved[2 * (i - d->i0) + 1];
        }
        out += n;
        *edge = *edge || ed;
        prev = k1;
        *d = whole;
    }
    if (!e)
        e = verso_align_beads_put(a, p, prev, np, &out);
    s_band_monotone(d);
    *nb = out;
    return e;
}

/* Searches d in a band of w cells around a->path[0..np) (the path of the
 * level above); wherever the path runs along the band's edge, the band is
 * widened there (x4 each time) and that stretch searched again (s_mend). */
static verso_err s_follow(verso_aligner *a, verso_dp *d, size_t np, size_t w, size_t *nb)
{
    size_t n = d->ns > d->nt ? d->ns : d->nt;
    bool edge;
    verso_dp_band_path(d, a->path, np, w);
    verso_err e = s_run(a, d, 0, nb, &edge);
    while (!e && edge && w < n) {
        w *= 4;
        e = s_mend(a, d, *nb, w, nb, &edge);
    }
    return e;
}

verso_err verso_align_search(verso_aligner *a, const verso_align_model *m, size_t *nb)
{
    size_t ns = a->side[0].n, nt = a->side[1].n, n = ns > nt ? ns : nt, f = 1;
    if (verso_array_grow(&a->band, &a->capband, 2 * (ns + 1), sizeof *a->band))
        return VERSO_ENOMEM;
    while ((n + f - 1) / f > S_TOP)
        f *= S_STEP;
    size_t np = 0;
    for (;; f /= S_STEP) {
        verso_dp d;
        bool edge;
        verso_err e = verso_dp_level(a, m, f, &d);
        if (e)
            return e;
        if (np) {
            e = s_follow(a, &d, np, f == 1 ? m->margin : S_MARGIN, nb);
        } else {
            s_band_full(&d);
            e = s_run(a, &d, 0, nb, &edge);
        }
        if (e || f == 1)
            return e;
        if ((e = s_keep_path(a, &d, *nb)))
            return e;
        np = *nb;
    }
}

/* Aligns the rectangle from (i0, j0) to (i1, j1) of the prepared
 * sentences under m, every cell of it: beads into a->beads[at ..), *nb
 * of them, *cost the path's cost. */
verso_err verso_align_rect(verso_aligner *a, const verso_align_model *m, size_t i0, size_t j0,
                           size_t i1, size_t j1, size_t at, size_t *nb, float *cost)
{
    verso_dp d;
    bool edge;
    if (verso_array_grow(&a->band, &a->capband, 2 * (a->side[0].n + 1), sizeof *a->band))
        return VERSO_ENOMEM;
    verso_err e = verso_dp_level(a, m, 1, &d);
    if (e)
        return e;
    d.i0 = i0;
    d.j0 = (long)j0;
    d.ns = i1;
    d.nt = j1;
    s_band_full(&d);
    if ((e = s_run(a, &d, at, nb, &edge)))
        return e;
    *cost = *s_cell(a, &d, 0, i1, (long)j1);
    return VERSO_OK;
}

/* The cost of leaving the sentences [from, to) of side `side` (0: source)
 * alone under m: a gap opened, then extended. */
float verso_align_gap_cost(verso_aligner *a, const verso_align_model *m, int side, size_t from,
                           size_t to)
{
    verso_dp d;
    verso_dp_level(a, m, 1, &d); /* at the sentence level: no allocation, no error */
    float c = 0;
    for (size_t k = from; k < to; k++) {
        float len = s_alone_cost(a, &d, side, k);
        c += k > from ? VERSO_DP_GAP_EXT + (len < VERSO_DP_GAP_LEN ? len : VERSO_DP_GAP_LEN)
                      : verso_dp_bead_prior[side] + len;
    }
    return c;
}
