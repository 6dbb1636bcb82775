/*
 * lookup_reply.c - the lookup op's reply: each segment's ranked matches
 * (rank.h) as entries with their score, kind, penalties, differences as byte
 * ranges, and the target with the query's numbers substituted. Not the
 * request nor the search (lookup_op.c).
 */
#include "lookup_int.h"

#include <stdlib.h>

#include "text.h"
#include "tm_op.h"

void verso_lookup_reply_init(verso_lookup_reply *r, verso_pack *p, verso_txn *t, verso_str tm_name,
                             verso_tmfuzzy *fz)
{
    *r = (verso_lookup_reply){.p = p, .t = t, .tm_name = tm_name, .fz = fz};
    verso_buf_init(&r->cnorm, (size_t)1 << 30);
    verso_buf_init(&r->tgt, (size_t)1 << 30);
    verso_fuzzy_text_init(&r->ct);
}

void verso_lookup_reply_fini(verso_lookup_reply *r)
{
    free(r->qmap);
    free(r->cmap);
    verso_buf_fini(&r->cnorm);
    verso_buf_fini(&r->tgt);
    verso_fuzzy_text_fini(&r->ct);
}

static const char *s_hunk_kind(unsigned what)
{
    return what == VERSO_TEXT_CASE ? "case" : what == VERSO_TEXT_NUMBERS ? "numbers" : "edit";
}

static void s_pack_range(verso_pack *p, const char *key, uint32_t from, uint32_t to)
{
    verso_pack_str(p, key);
    verso_pack_array(p, 2);
    verso_pack_uint(p, from);
    verso_pack_uint(p, to);
}

/* Packs "diffs": the hunks as byte ranges of the segment as sent and of
 * the match's source as returned; nil when either text is not in NFC. */
static void s_pack_diffs(verso_lookup_reply *r, verso_str seg, const verso_rank_hit *h,
                         const verso_fuzzy_match *m)
{
    verso_pack *p = r->p;
    const verso_buf *qn = &r->fz->qnorm;
    verso_pack_str(p, "diffs");
    if (verso_array_grow(&r->qmap, &r->qmap_cap, qn->len + 1, sizeof *r->qmap) ||
        verso_array_grow(&r->cmap, &r->cmap_cap, r->cnorm.len + 1, sizeof *r->cmap)) {
        verso_pack_fail(p, VERSO_ENOMEM);
        return;
    }
    if (!verso_text_map(seg.p, seg.n, qn->data, qn->len, r->qmap) ||
        !verso_text_map(h->e.src.p, h->e.src.n, r->cnorm.data, r->cnorm.len, r->cmap)) {
        verso_pack_nil(p);
        return;
    }
    verso_pack_array(p, (uint32_t)m->nhunks);
    for (size_t i = 0; i < m->nhunks && !verso_pack_err(p); i++) {
        const verso_fuzzy_hunk *x = &m->hunks[i];
        verso_pack_map(p, 3);
        verso_pack_kv_str(p, "kind", s_hunk_kind(x->what));
        s_pack_range(p, "segment", r->qmap[x->q_start], r->qmap[x->q_end]);
        s_pack_range(p, "src", r->cmap[x->c_start], r->cmap[x->c_end]);
    }
}

/* "penalties": the name and points of each of the match's differences. */
static void s_pack_penalties(verso_pack *p, unsigned diff)
{
    size_t n, np = 0;
    const verso_rank_penalty *pen = verso_rank_penalties(&n);
    for (size_t i = 0; i < n; i++)
        np += (diff & pen[i].bit) != 0;
    verso_pack_str(p, "penalties");
    verso_pack_map(p, (uint32_t)np);
    for (size_t i = 0; i < n; i++)
        if (diff & pen[i].bit)
            verso_pack_kv_int(p, pen[i].name, pen[i].points);
}

/* Compares a match that is not exact with the query again, for its
 * differences (*m) and its target with numbers substituted (r->tgt when
 * *sub). Returns the comparison's error; ETOOBIG leaves *m as it was. */
static verso_err s_compare(verso_lookup_reply *r, const verso_rank_hit *h, verso_fuzzy_match *m,
                           bool *sub)
{
    verso_err err = verso_text_norm(h->e.src.p, h->e.src.n, &r->cnorm);
    err = err ? err : verso_fuzzy_tokenize(&r->fz->f, r->cnorm.data, r->cnorm.len, &r->ct);
    err = err ? err : verso_fuzzy_compare(&r->fz->f, &r->fz->q, &r->ct, m);
    *sub = !err && verso_rank_substitute(m, r->fz->qnorm.data, r->cnorm.data, h->e.tgt, &r->tgt);
    return err;
}

/* Packs one match: the entry's fields (its target with the query's numbers
 * when substituted), then score, base, kind, penalties, whether it was found
 * on the stored target, its differences and whether numbers were
 * substituted. */
static void s_pack_hit(verso_lookup_reply *r, verso_str seg, const verso_rank_hit *h)
{
    verso_pack *p = r->p;
    verso_fuzzy_match m = {100, 100, 0, 0, NULL, 0};
    bool exact = !h->fuzzy && !h->diff, sub = false;
    verso_err err = exact ? VERSO_OK : s_compare(r, h, &m, &sub);
    if (err && err != VERSO_ETOOBIG) { /* goes out as ENOMEM (a meter's ETIMEDOUT too), as ever */
        verso_pack_fail(p, VERSO_ENOMEM);
        return;
    }
    verso_tm_entry e = h->e;
    if (sub)
        e.tgt = (verso_str){r->tgt.data, r->tgt.len};
    verso_tmop_pack_entry(r->t, p, &e, &r->tm_name, 7);
    verso_pack_kv_int(p, "score", h->score);
    verso_pack_kv_int(p, "base", h->base);
    verso_pack_kv_str(p, "kind", verso_rank_kind(h));
    s_pack_penalties(p, h->diff);
    verso_pack_kv_bool(p, "reversed", h->reversed);
    if (exact || err) {
        verso_pack_str(p, "diffs");
        if (exact)
            verso_pack_array(p, 0);
        else
            verso_pack_nil(p);
    } else {
        s_pack_diffs(r, seg, h, &m);
    }
    verso_pack_kv_bool(p, "substituted", sub);
}

verso_err verso_lookup_reply_segment(verso_lookup_reply *r, const verso_lookup_seg *seg,
                                     bool positions, const verso_rank_list *hits)
{
    verso_pack *p = r->p;
    verso_pack_map(p, positions ? 4 : 2);
    verso_pack_kv_strn(p, "segment", seg->text.p, seg->text.n);
    if (positions) {
        verso_pack_kv_uint(p, "start", seg->start);
        verso_pack_kv_uint(p, "end", seg->end);
    }
    verso_pack_str(p, "matches");
    verso_pack_array(p, (uint32_t)hits->n);
    for (int k = 0; k < hits->n && !verso_pack_err(p); k++)
        s_pack_hit(r, seg->text, &hits->v[k]);
    return verso_pack_err(p);
}
