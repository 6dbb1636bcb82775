/*
 * align_margin.c - the confidence of a stretch of beads (align.h): the
 * margin by which its path beats the best path that avoids it, from a
 * forward and a backward pass of the DP around it (docs/ALIGNMENT.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align_dp.h"
#include "align_int.h"
#include "buf.h"

#define S_CONF_BAND  3   /* margins: cells either side of the final path */
#define S_MARGIN_MID 1.0 /* a bead end whose best rival costs this much more is 0.5 sure */
#define S_INNER_MID  5.0 /* the same for a bead of 3+ sentences against its best split */
#define S_NFB        (3 + 3 + VERSO_DP_NBEAD) /* forward, backward (per gap state), pair costs */

/* The fb slot of cell (i, j), or NULL outside the band. */
static float *s_fb(const verso_aligner *a, const verso_dp *d, size_t i, long j)
{
    if (j < d->lo[i] || j > d->hi[i])
        return NULL;
    return a->fb + (a->boff[i] + (size_t)(j - d->lo[i])) * S_NFB;
}

static float s_min3(const float *v)
{
    float m = v[0] < v[1] ? v[0] : v[1];
    return m < v[2] ? m : v[2];
}

/* Forward costs of cell (i, j) by gap state (F[0..3)), and the cost of
 * each pair bead type ending there (F[6 + t]). */
static void s_fwd_cell(verso_aligner *a, const verso_dp *d, size_t i, long j)
{
    float *f = s_fb(a, d, i, j), prior;
    for (int k = 0; k < S_NFB; k++)
        f[k] = VERSO_DP_INF;
    if (i == d->i0 && j == d->j0) {
        f[0] = 0;
        return;
    }
    for (int t = 0; t < VERSO_DP_NBEAD; t++) {
        size_t di = verso_dp_bead_di[t], dj = verso_dp_bead_dj[t];
        if (!di || !dj || i - d->i0 < di || j - d->j0 < (long)dj)
            continue;
        const float *p = s_fb(a, d, i - di, j - (long)dj);
        if (!p || s_min3(p) >= VERSO_DP_INF)
            continue;
        f[6 + t] = verso_dp_bead_cost(a, d, i, (size_t)j, t, &prior);
        float c = s_min3(p) + f[6 + t];
        f[0] = c < f[0] ? c : f[0];
    }
    const float *up = i > d->i0 ? s_fb(a, d, i - 1, j) : NULL;
    const float *left = j > d->j0 ? s_fb(a, d, i, j - 1) : NULL;
    if (up) {
        float o =
            (up[0] < up[2] ? up[0] : up[2]) + verso_dp_null_cost(a, d, i, (size_t)j, 0, false);
        float x = up[1] + verso_dp_null_cost(a, d, i, (size_t)j, 0, true);
        f[1] = o < x ? o : x;
    }
    if (left) {
        float o = (left[0] < left[1] ? left[0] : left[1]) +
                  verso_dp_null_cost(a, d, i, (size_t)j, 1, false);
        float x = left[2] + verso_dp_null_cost(a, d, i, (size_t)j, 1, true);
        f[2] = o < x ? o : x;
    }
}

/* Backward costs of cell (i, j) by the gap state it is reached in
 * (B[3..6)): the cheapest way on to the end. */
static void s_bwd_cell(verso_aligner *a, const verso_dp *d, size_t i, long j)
{
    float *b = s_fb(a, d, i, j), pair = VERSO_DP_INF;
    if (i == d->ns && (size_t)j == d->nt) {
        b[3] = b[4] = b[5] = 0;
        return;
    }
    for (int t = 0; t < VERSO_DP_NBEAD; t++) {
        size_t di = verso_dp_bead_di[t], dj = verso_dp_bead_dj[t];
        if (!di || !dj || i + di > d->ns || (size_t)j + dj > d->nt)
            continue;
        const float *n = s_fb(a, d, i + di, j + (long)dj);
        if (n && n[6 + t] < VERSO_DP_INF && n[3] < VERSO_DP_INF) {
            float c = n[6 + t] + n[3];
            pair = c < pair ? c : pair;
        }
    }
    float o10 = VERSO_DP_INF, x10 = VERSO_DP_INF, o01 = VERSO_DP_INF, x01 = VERSO_DP_INF;
    const float *dn = i < d->ns ? s_fb(a, d, i + 1, j) : NULL;
    const float *rt = (size_t)j < d->nt ? s_fb(a, d, i, j + 1) : NULL;
    if (dn && dn[4] < VERSO_DP_INF) {
        o10 = verso_dp_null_cost(a, d, i + 1, (size_t)j, 0, false) + dn[4];
        x10 = verso_dp_null_cost(a, d, i + 1, (size_t)j, 0, true) + dn[4];
    }
    if (rt && rt[5] < VERSO_DP_INF) {
        o01 = verso_dp_null_cost(a, d, i, (size_t)j + 1, 1, false) + rt[5];
        x01 = verso_dp_null_cost(a, d, i, (size_t)j + 1, 1, true) + rt[5];
    }
    float o = o10 < o01 ? o10 : o01;
    b[3] = pair < o ? pair : o;
    b[4] = pair < x10 ? pair : x10;
    b[4] = b[4] < o01 ? b[4] : o01;
    b[5] = pair < o10 ? pair : o10;
    b[5] = b[5] < x01 ? b[5] : x01;
}

/* The cheapest alignment through cell (i, j), VERSO_DP_INF outside the band. */
static float s_through(const verso_aligner *a, const verso_dp *d, size_t i, long j)
{
    const float *f = s_fb(a, d, i, j);
    if (!f)
        return VERSO_DP_INF;
    float best = VERSO_DP_INF;
    for (int g = 0; g < 3; g++)
        if (f[g] < VERSO_DP_INF && f[3 + g] < VERSO_DP_INF)
            best = f[g] + f[3 + g] < best ? f[g] + f[3 + g] : best;
    return best;
}

/* How much dearer than the best alignment through the point (i, j) (a
 * source boundary and a target one) is the best that puts source
 * boundary i at another target boundary. (Alignments that span row i with
 * a bead of several source sentences are not rivals: they merge beads
 * rather than pair sentences differently.) */
static double s_point_margin(const verso_aligner *a, const verso_dp *d, size_t i, size_t j)
{
    float here = s_through(a, d, i, (long)j), rival = VERSO_DP_INF;
    for (long c = d->lo[i]; c <= d->hi[i]; c++) {
        float v = c == (long)j ? VERSO_DP_INF : s_through(a, d, i, c);
        rival = v < rival ? v : rival;
    }
    if (rival >= VERSO_DP_INF || here >= VERSO_DP_INF)
        return rival >= VERSO_DP_INF ? 1e9 : 0;
    return rival > here ? (double)(rival - here) : 0;
}

/* How much dearer than bead b is the cheapest other way through its box:
 * smaller beads and sentences left alone, from its first corner to its
 * last (gaps opened, not extended); 1e9 (no doubt) for a 1-1 or a null
 * bead. */
static double s_inner_margin(const verso_aligner *a, const verso_dp *d, const verso_align_bead *b)
{
    size_t di = b->nsrc, dj = b->ntgt;
    if (!di || !dj || di + dj < 3)
        return 1e9;
    float box[5][5], prior;
    for (size_t p = 0; p <= di; p++)
        for (size_t q = 0; q <= dj; q++) {
            float best = p || q ? VERSO_DP_INF : 0;
            size_t i = b->src + p, j = b->tgt + q;
            for (int t = 0; t < VERSO_DP_NBEAD && (p || q); t++) {
                size_t tp = verso_dp_bead_di[t], tq = verso_dp_bead_dj[t];
                if (tp > p || tq > q || (tp == di && tq == dj) ||
                    box[p - tp][q - tq] >= VERSO_DP_INF)
                    continue;
                float c = tp && tq ? verso_dp_bead_cost(a, d, i, j, t, &prior)
                                   : verso_dp_null_cost(a, d, i, j, tq ? 1 : 0, false);
                c += box[p - tp][q - tq];
                best = c < best ? c : best;
            }
            box[p][q] = best;
        }
    int t = 0;
    while (verso_dp_bead_di[t] != di || verso_dp_bead_dj[t] != dj)
        t++;
    float own = verso_dp_bead_cost(a, d, b->src + di, b->tgt + dj, t, &prior);
    return box[di][dj] > own ? (double)(box[di][dj] - own) : 0;
}

/* Forward and backward costs of every cell of d's band, into a->fb. */
static verso_err s_fb_fill(verso_aligner *a, const verso_dp *d)
{
    if (verso_array_grow(&a->boff, &a->capboff, d->ns + 2, sizeof *a->boff))
        return VERSO_ENOMEM;
    size_t total = 0;
    for (size_t i = d->i0; i <= d->ns; i++) {
        a->boff[i] = total;
        total += (size_t)(d->hi[i] - d->lo[i] + 1);
    }
    if (verso_array_grow(&a->fb, &a->capfb, total * S_NFB + 1, sizeof *a->fb))
        return VERSO_ENOMEM;
    verso_err e = VERSO_OK;
    for (size_t i = d->i0; i <= d->ns && !e; i++) {
        for (long j = d->lo[i]; j <= d->hi[i]; j++)
            s_fwd_cell(a, d, i, j);
        e = verso_work_tick(a->work, (uint64_t)(d->hi[i] - d->lo[i] + 1));
    }
    for (size_t i = d->ns + 1; i-- > d->i0 && !e;) {
        for (long j = d->hi[i]; j >= d->lo[i]; j--)
            s_bwd_cell(a, d, i, j);
        e = verso_work_tick(a->work, (uint64_t)(d->hi[i] - d->lo[i] + 1));
    }
    return e;
}

verso_err verso_align_margins(verso_aligner *a, const verso_align_model *m, size_t k0, size_t k1)
{
    verso_dp d;
    verso_align_bead *p = a->beads + k0, *last = a->beads + k1 - 1;
    verso_err e = verso_dp_level(a, m, 1, &d);
    if (e || k1 <= k0)
        return e;
    d.direct = true;
    d.i0 = p->src;
    d.j0 = p->tgt;
    d.ns = last->src + last->nsrc;
    d.nt = last->tgt + last->ntgt;
    if ((e = verso_dp_null_costs(a, &d)))
        return e;
    verso_dp_band_path(&d, p, k1 - k0, S_CONF_BAND);
    if ((e = s_fb_fill(a, &d)))
        return e;
    double prev = s_point_margin(a, &d, d.i0, p->tgt);
    for (verso_align_bead *b = p; b <= last; b++) {
        double next = s_point_margin(a, &d, b->src + b->nsrc, b->tgt + b->ntgt);
        double mg = prev < next ? prev : next;
        double conf = 1.0 / (1.0 + exp(S_MARGIN_MID - mg));
        double inner = 1.0 / (1.0 + exp(S_INNER_MID - s_inner_margin(a, &d, b)));
        conf = inner < conf ? inner : conf;
        b->score = conf < b->score ? conf : b->score;
        prev = next;
    }
    return VERSO_OK;
}
