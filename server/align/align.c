/*
 * align.c - the sentence aligner's driver (docs/ALIGNMENT.md): both sides
 * prepared (align_feat.c), a first search coarse to fine (align_dp.c),
 * the length model re-estimated and word links learned from its confident
 * beads, then a second search from scratch with them. Pure computation: no
 * I/O, no server state; the scratch space lives in the verso_aligner and
 * only grows.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "align_int.h"
#include "buf.h"

#define S_LEARN_CONF 0.5 /* beads of pass 1 this sure teach the word links */

verso_err verso_aligner_new(verso_aligner **out)
{
    verso_aligner *a = calloc(1, sizeof *a);
    if (!a)
        return VERSO_ENOMEM;
    verso_align_lentab_fill(a);
    *out = a;
    return VERSO_OK;
}

void verso_aligner_destroy(verso_aligner **pa)
{
    verso_aligner *a = pa ? *pa : NULL;
    if (!a)
        return;
    for (int s = 0; s < 2; s++) {
        verso_align_side_fini(&a->side[s]);
        verso_align_side_fini(&a->coarse[s]);
    }
    free(a->bp);
    free(a->nullc);
    free(a->bprow);
    free(a->cost);
    free(a->m);
    free(a->tmp);
    free(a->ktmp);
    free(a->kpair);
    verso_cooc_destroy(&a->cooc);
    free(a->all);
    free(a->pos[0]);
    free(a->pos[1]);
    free(a->seen);
    free(a->beads);
    free(a->path);
    free(a->band);
    free(a->mend);
    free(a->saved);
    free(a->boff);
    free(a->fb);
    free(a);
    *pa = NULL;
}

/* True for languages written without spaces in a script other than Latin,
 * Greek or Cyrillic: no cognates across such a pair. */
static bool s_unspaced(const char *lang)
{
    static const char *const tags[] = {"zh", "ja", "ko", "yue", "wuu", "th", "lo", "km", "my"};
    if (!lang)
        return false;
    for (size_t k = 0; k < sizeof tags / sizeof *tags; k++) {
        size_t n = strlen(tags[k]);
        if (strncasecmp(lang, tags[k], n) == 0 &&
            (lang[n] == '\0' || lang[n] == '-' || lang[n] == '_'))
            return true;
    }
    return false;
}

/* Re-estimates the length ratio from the 1-1 beads of a first pass: their
 * total target / total source length. The variance stays Gale and
 * Church's: estimated from the beads the first pass chose, it comes out
 * too small (they were chosen for matching lengths), and the stricter
 * model then splits good 1-1 beads (Text+Berg 0.848 -> 0.823). */
static void s_estimate(const verso_aligner *a, verso_align_model *m, size_t nb)
{
    const verso_align_side *x = &a->side[0], *y = &a->side[1];
    double l1 = 0, l2 = 0;
    size_t n = 0;
    for (size_t k = 0; k < nb; k++) {
        const verso_align_bead *b = &a->beads[k];
        if (b->nsrc == 1 && b->ntgt == 1) {
            l1 += x->len[b->src + 1] - x->len[b->src];
            l2 += y->len[b->tgt + 1] - y->len[b->tgt];
            n++;
        }
    }
    if (n >= 2 && l1 > 0 && l2 > 0)
        m->c = l2 / l1;
}

/* Learns word links (cooc.h) from the known translations of o and the
 * beads of pass 1 at least S_LEARN_CONF sure; *nlinks receives their
 * number. */
static verso_err s_learn(verso_aligner *a, const verso_align_opts *o, size_t nb, size_t *nlinks)
{
    if (!a->cooc && verso_cooc_new(&a->cooc))
        return VERSO_ENOMEM;
    verso_cooc_reset(a->cooc);
    verso_err e = verso_align_learn_train(a, o);
    if (e)
        return e;
    const verso_align_side *x = &a->side[0], *y = &a->side[1];
    for (size_t k = 0; k < nb; k++) {
        const verso_align_bead *b = &a->beads[k];
        if (!b->nsrc || !b->ntgt || b->score < S_LEARN_CONF)
            continue;
        size_t x0 = x->koff[b->src], x1 = x->koff[b->src + b->nsrc];
        size_t y0 = y->koff[b->tgt], y1 = y->koff[b->tgt + b->ntgt];
        if (verso_cooc_add(a->cooc, x->keys + x0, x1 - x0, y->keys + y0, y1 - y0))
            return VERSO_ENOMEM;
    }
    return verso_cooc_learn(a->cooc, nlinks);
}

/* Beads of a pair with an empty side: every sentence alone. */
static verso_err s_trivial(verso_aligner *a, size_t ns, size_t nt, size_t *nb)
{
    if (verso_array_grow(&a->beads, &a->capbeads, ns + nt + 1, sizeof *a->beads))
        return VERSO_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < ns; i++)
        a->beads[n++] = (verso_align_bead){(uint32_t)i, 1, 0, 0, 0.0};
    for (size_t j = 0; j < nt; j++)
        a->beads[n++] = (verso_align_bead){(uint32_t)ns, 0, (uint32_t)j, 1, 0.0};
    *nb = n;
    return VERSO_OK;
}

/* Prepares both sides and weighs their features: the side whose words are
 * the lexicon's B words first, so that the other side emits only the
 * translations found in it. */
static verso_err s_prepare(verso_aligner *a, const verso_align_opts *o, const verso_align_seg *src,
                           size_t ns, const verso_align_seg *tgt, size_t nt)
{
    bool cognates = !o || (!s_unspaced(o->src_lang) && !s_unspaced(o->tgt_lang));
    const verso_lexicon *lex = o ? o->lex : NULL;
    int rev = o && o->lex_reversed;
    size_t nseen = lex ? (size_t)verso_lexicon_words(lex, 1) / 64 + 1 : 0;
    if (nseen && verso_array_grow(&a->seen, &a->capseen, nseen, sizeof *a->seen))
        return VERSO_ENOMEM;
    if (nseen)
        memset(a->seen, 0, nseen * sizeof *a->seen);
    verso_align_scanopt so = {cognates, lex, rev, a->seen}, to = {cognates, lex, !rev, a->seen};
    verso_err e = verso_align_side_prepare(a, &a->side[rev ? 0 : 1], rev ? src : tgt, rev ? ns : nt,
                                           rev ? &so : &to);
    if (!e)
        e = verso_align_side_prepare(a, &a->side[rev ? 1 : 0], rev ? tgt : src, rev ? nt : ns,
                                     rev ? &to : &so);
    return e ? e : verso_align_weigh(a);
}

static verso_err s_align(verso_aligner *a, const verso_align_opts *o, const verso_align_seg *src,
                         size_t ns, const verso_align_seg *tgt, size_t nt, size_t *nb)
{
    if (!ns || !nt)
        return s_trivial(a, ns, nt, nb);
    verso_err e = s_prepare(a, o, src, ns, tgt, nt);
    if (e)
        return e;
    /* A margin of 128 sentences around the coarser path: on lengths alone
     * the sentence-level path strays from it by a hundred sentences. */
    verso_align_model m = {.ntypes = VERSO_ALIGN_TYPES_COMMON, .margin = 128, .c = 1.0, .s2 = 6.8};
    if (a->side[0].len[ns] > 0 && a->side[1].len[nt] > 0)
        m.c = a->side[1].len[nt] / a->side[0].len[ns];
    if (a->side[0].paras && a->side[1].paras) {
        m.para[0] = a->side[0].para;
        m.para[1] = a->side[1].para;
    }
    /* Pass 1: coarse to fine from scratch; then the ratio re-estimated and
     * word links learned from its path. */
    if ((e = verso_align_search(a, &m, nb)))
        return e;
    s_estimate(a, &m, *nb);
    size_t nlinks = 0;
    if ((e = s_learn(a, o, *nb, &nlinks)))
        return e;
    if (nlinks && ((e = verso_align_side_link(a, 0)) || (e = verso_align_side_link(a, 1)) ||
                   (e = verso_align_weigh(a))))
        return e;
    /* Pass 2: the new model and every bead type (pass 1 leaves out the
     * rare 2-3, 3-2, 1-4 and 4-1, which it needs not to learn links, for
     * speed), coarse to fine from scratch again. A search
     * confined to a band around the first path (as before) inherited that
     * path's mistakes wherever the first pass, without the links, had
     * drifted around an untranslated block (bench/align_eval.sh: 400
     * source sentences of the 15k Bible deleted, strict F1 0.80 -> 0.93). */
    m.ntypes = VERSO_ALIGN_TYPES_ALL;
    m.margin = 32; /* with links the coarser path is close; 128 gave the same F1 in 1.4 s more */
    if ((e = verso_align_search(a, &m, nb)) || (e = verso_align_margins(a, &m, 0, *nb)))
        return e;
    return verso_align_moves(a, &m, nb);
}

verso_err verso_align(verso_aligner *a, const verso_align_opts *o, const verso_align_seg *src,
                      size_t ns, const verso_align_seg *tgt, size_t nt,
                      const verso_align_bead **beads, size_t *nbeads)
{
    if (!a || !beads || !nbeads || (ns && !src) || (nt && !tgt))
        return VERSO_EINVAL;
    if (ns > VERSO_ALIGN_MAX || nt > VERSO_ALIGN_MAX)
        return VERSO_ETOOBIG;
    for (size_t i = 0; i < ns; i++)
        if (src[i].n && !src[i].p)
            return VERSO_EINVAL;
    for (size_t j = 0; j < nt; j++)
        if (tgt[j].n && !tgt[j].p)
            return VERSO_EINVAL;
    if (o && o->ntrain > VERSO_ALIGN_MAX)
        return VERSO_ETOOBIG;
    for (size_t k = 0; o && k < o->ntrain; k++)
        if (!o->train_src || !o->train_tgt || (o->train_src[k].n && !o->train_src[k].p) ||
            (o->train_tgt[k].n && !o->train_tgt[k].p))
            return VERSO_EINVAL;
    size_t nb = 0;
    a->work = o ? o->work : NULL;
    verso_err e = s_align(a, o, src, ns, tgt, nt, &nb);
    a->work = NULL;
    if (e)
        return e;
    *beads = a->beads;
    *nbeads = nb;
    return VERSO_OK;
}
