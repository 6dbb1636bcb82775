/*
 * tm_match.c - the exact-match index of the TMs (tm.h): its keys, adding and
 * removing an entry's records, looking up exact and near-exact matches, and
 * merging the recent records in bulk. Record layout: tm.c's head comment.
 */
#include "tm.h"

#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "text.h"
#include "tm_int.h"
#include "tmfuzzy.h"

#define S_REVERSED 0x9e3779b9u /* marks the pair hash of a target-side key */

static uint32_t s_pair_hash(verso_str sl, verso_str tl)
{
    uint64_t h = verso_text_hash(sl.p, sl.n) * 31 + verso_text_hash(tl.p, tl.n);
    return (uint32_t)(h ^ h >> 32);
}

void verso_tm_forms_init(verso_tm_forms *f)
{
    verso_buf_init(&f->norm, (size_t)1 << 30);
    verso_buf_init(&f->loose, (size_t)1 << 30);
}

void verso_tm_forms_fini(verso_tm_forms *f)
{
    verso_buf_fini(&f->norm);
    verso_buf_fini(&f->loose);
}

verso_err verso_tm_forms_of(verso_str s, verso_tm_forms *f)
{
    verso_err err = verso_text_norm(s.p, s.n, &f->norm);
    return err ? err : verso_text_loose(f->norm.data, f->norm.len, &f->loose);
}

uint32_t verso_tm_pair_key(verso_str ql, verso_str ol, bool reversed)
{
    return reversed ? s_pair_hash(ol, ql) ^ S_REVERSED : s_pair_hash(ql, ol);
}

/* The key of a text: ql is the language the text is in, ol the other one;
 * reversed for an entry's target. */
static void s_match_key(uint32_t tm_id, verso_str ql, verso_str ol, bool reversed,
                        const verso_buf *loose, unsigned char k[16])
{
    verso_be_put32(k, tm_id);
    verso_be_put32(k + 4, verso_tm_pair_key(ql, ol, reversed));
    verso_be_put64(k + 8, verso_text_key_hash(loose->data, loose->len));
}

/* Adds (or removes) the index record of one side of entry e. */
static verso_err s_index_side(verso_txn *t, const verso_tm_entry *e, bool target,
                              const verso_tm_forms *f, bool add)
{
    unsigned char k[16], v[16];
    if (target)
        s_match_key(e->tm_id, e->tgt_lang, e->src_lang, true, &f->loose, k);
    else
        s_match_key(e->tm_id, e->src_lang, e->tgt_lang, false, &f->loose, k);
    verso_be_put64(v, verso_text_key_hash(f->norm.data, f->norm.len));
    verso_be_put64(v + 8, e->id);
    if (add) /* merged into MATCH later, in bulk (verso_tm_merge_recent) */
        return verso_store_put(t, VERSO_DB_MATCH_RECENT, k, 16, v, 16);
    verso_err err = verso_store_del(t, VERSO_DB_MATCH, k, 16, v, 16);
    if (err == VERSO_ENOTFOUND)
        err = verso_store_del(t, VERSO_DB_MATCH_RECENT, k, 16, v, 16);
    return err == VERSO_ENOTFOUND ? VERSO_OK : err; /* the index lacks it: fine */
}

/* Indexes (or unindexes) both sides of e in the match index and the fuzzy
 * one (tmfuzzy.h: its postings wait for verso_tmfuzzy_flush); src: the
 * forms of e->src when the caller has them, else NULL. */
verso_err verso_tm_index_entry(verso_txn *t, const verso_tm_entry *e, const verso_tm_forms *src,
                               const verso_tm_prep *prep, bool add)
{
    verso_tm_forms f, g;
    verso_tm_forms_init(&f);
    verso_tm_forms_init(&g);
    verso_tm_forms pt =
        prep ? (verso_tm_forms){prep->norm[1], prep->loose[1]} : g; /* views, not freed */
    const verso_tm_forms *sf = src ? src : &f, *tf = prep ? &pt : &g;
    verso_err err = src ? VERSO_OK : verso_tm_forms_of(e->src, &f);
    err = err ? err : s_index_side(t, e, false, sf, add);
    err = err || prep ? err : verso_tm_forms_of(e->tgt, &g);
    err = err ? err : s_index_side(t, e, true, tf, add);
    if (!err && add) {
        verso_tmfuzzy_side a = {verso_tm_pair_key(e->src_lang, e->tgt_lang, false), sf->norm.data,
                                sf->norm.len, prep ? prep->ids[0] : NULL, prep ? prep->nids[0] : 0};
        verso_tmfuzzy_side b = {verso_tm_pair_key(e->tgt_lang, e->src_lang, true), tf->norm.data,
                                tf->norm.len, prep ? prep->ids[1] : NULL, prep ? prep->nids[1] : 0};
        err = verso_tmfuzzy_index(t, e->tm_id, e->id, &a, &b);
    } else if (!err) {
        err = verso_tmfuzzy_unindex(t, e->id);
    }
    verso_tm_forms_fini(&f);
    verso_tm_forms_fini(&g);
    return err;
}

/* One direction of a match: walks the values under one key. */
typedef struct s_probe {
    verso_txn *t;
    uint32_t tm_id;
    verso_str ql, ol; /* query and other language */
    bool reversed;
    bool near;                /* second pass: near-exact candidates */
    int budget;               /* near-exact candidates left to examine */
    uint64_t nhash;           /* of the query's normalised form */
    unsigned char key[2][16]; /* the keys of both directions */
    const verso_tm_query *q;
    size_t exact;                    /* exact matches found */
    bool split;                      /* qparts holds the query's parts */
    verso_text_parts qparts, cparts; /* query and candidate, for near matches */
    verso_buf tmp;
    int (*fn)(void *arg, const verso_tm_hit *h);
    void *arg;
    int stop; /* fn returned nonzero */
    verso_err err;
} s_probe;

/* The differences between the query and the matched side of e. */
static unsigned s_probe_diff(s_probe *p, const verso_tm_entry *e)
{
    verso_str side = p->reversed ? e->tgt : e->src;
    if (!p->near && verso_tm_str_eq(side, p->q->text)) /* same bytes: same normal form */
        return 0;
    if ((p->err = verso_text_norm(side.p, side.n, &p->tmp)))
        return VERSO_TEXT_UNLIKE;
    bool same = verso_tm_str_eq((verso_str){p->tmp.data, p->tmp.len},
                                (verso_str){p->q->norm->data, p->q->norm->len});
    if (!p->near || same) /* equal forms belong to the exact pass */
        return same && !p->near ? 0 : VERSO_TEXT_UNLIKE;
    if (!p->split && (p->err = verso_text_parts_of(p->q->norm->data, p->q->norm->len, &p->qparts)))
        return VERSO_TEXT_UNLIKE;
    p->split = true;
    if ((p->err = verso_text_parts_of(p->tmp.data, p->tmp.len, &p->cparts)))
        return VERSO_TEXT_UNLIKE;
    unsigned d = verso_text_parts_diff(&p->qparts, &p->cparts);
    return d ? d : verso_text_reordered(p->q->norm->data, p->q->norm->len, p->tmp.data, p->tmp.len);
}

static int s_probe_one(void *arg, verso_val v)
{
    s_probe *p = arg;
    if (v.len != 16)
        return (p->err = VERSO_ESTORE), 1;
    uint64_t nhash = verso_be_get64(v.data), id = verso_be_get64((const unsigned char *)v.data + 8);
    if (!p->near && nhash != p->nhash)
        return 1; /* past the exact matches */
    if (p->near && (nhash == p->nhash || p->budget-- <= 0))
        return p->budget < 0;
    verso_val rec;
    verso_tm_hit h = {.reversed = p->reversed};
    unsigned char idk[8];
    verso_be_put64(idk, id);
    verso_err err = verso_store_get(p->t, VERSO_DB_ENTRIES, idk, 8, &rec);
    if (err == VERSO_ENOTFOUND)
        return 0;
    if (err || (err = verso_tm_record_decode(p->t, rec, id, &h.e)))
        return (p->err = err), 1;
    verso_str el = p->reversed ? h.e.tgt_lang : h.e.src_lang;
    verso_str eo = p->reversed ? h.e.src_lang : h.e.tgt_lang;
    if (h.e.tm_id != p->tm_id || !verso_tm_str_eq(el, p->ql) || !verso_tm_str_eq(eo, p->ol))
        return 0;
    h.diff = s_probe_diff(p, &h.e);
    if (p->err)
        return 1;
    if (h.diff == VERSO_TEXT_UNLIKE)
        return 0;
    p->exact += h.diff == 0;
    return p->stop = p->fn(p->arg, &h);
}

/* The values of one direction's key: all of them in memory (n == total,
 * the common case), or the first page of a long list. */
typedef struct s_dir {
    bool present;
    const unsigned char *vals;
    size_t n, total;
    verso_db db; /* MATCH or MATCH_RECENT */
} s_dir;

/* The first value >= (nhash, 0) among n sorted ones. */
static size_t s_lower_bound(const unsigned char *vals, size_t n, uint64_t nhash)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (verso_be_get64(vals + 16 * mid) < nhash)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Runs one pass (exact or near) in one direction, over the values in
 * memory when they are all there, else through a cursor. */
static verso_err s_probe_run(s_probe *p, const s_dir *d)
{
    p->budget = VERSO_TM_NEAR_SCAN;
    if (d->n == d->total) {
        size_t i = p->near ? 0 : s_lower_bound(d->vals, d->n, p->nhash);
        while (i < d->n && !s_probe_one(p, (verso_val){d->vals + 16 * i, 16}))
            i++;
        return p->err;
    }
    unsigned char from[16];
    verso_be_put64(from, p->nhash);
    memset(from + 8, 0, 8);
    verso_err err = verso_store_each_dup(p->t, d->db, p->key[p->reversed], 16,
                                         p->near ? NULL : from, p->near ? 0 : 16, s_probe_one, p);
    return err ? err : p->err;
}

/* Exact matches stored this way round, then the other way round; then
 * near-exact ones in the same order. A direction costs one index probe
 * unless its key holds more than a page of values. */
static verso_err s_match(verso_txn *t, uint32_t tm_id, verso_str sl, verso_str tl,
                         const verso_tm_query *q, bool both_ways, bool near,
                         int (*fn)(void *arg, const verso_tm_hit *h), void *arg)
{
    s_probe p = {.t = t, .tm_id = tm_id, .ql = sl, .ol = tl, .q = q, .fn = fn, .arg = arg};
    p.nhash = verso_text_key_hash(q->norm->data, q->norm->len);
    s_match_key(tm_id, sl, tl, false, q->loose, p.key[0]);
    memcpy(p.key[1], p.key[0], 16); /* the same but for the pair hash */
    verso_be_put32(p.key[1] + 4, s_pair_hash(tl, sl) ^ S_REVERSED);
    s_dir dirs[2][2]; /* direction, then MATCH and MATCH_RECENT */
    memset(dirs, 0, sizeof dirs);
    verso_err err = VERSO_OK;
    for (int i = 0; i < 4 && !err; i++) {
        int d = i >> 1;
        s_dir *x = &dirs[d][i & 1];
        const void *vals = NULL;
        if ((d && !both_ways) || (q->skip & (d ? VERSO_TM_SKIP_REVERSE : VERSO_TM_SKIP_FORWARD)))
            continue;
        x->db = i & 1 ? VERSO_DB_MATCH_RECENT : VERSO_DB_MATCH;
        err = verso_store_dup_page(t, x->db, p.key[d], 16, 16, &vals, &x->n, &x->total);
        x->present = !err;
        x->vals = vals;
        err = err == VERSO_ENOTFOUND ? VERSO_OK : err;
    }
    verso_buf_init(&p.tmp, (size_t)1 << 30);
    verso_text_parts_init(&p.qparts);
    verso_text_parts_init(&p.cparts);
    for (int pass = 0; pass < (near ? 4 : 2) && !err && !p.stop; pass++) {
        p.reversed = pass & 1;
        p.near = pass >= 2;
        if (p.near && q->enough && p.exact >= q->enough)
            break; /* near matches would rank below all those */
        for (int db = 0; db < 2 && !err && !p.stop; db++)
            if (dirs[p.reversed][db].present)
                err = s_probe_run(&p, &dirs[p.reversed][db]);
    }
    verso_text_parts_fini(&p.qparts);
    verso_text_parts_fini(&p.cparts);
    verso_buf_fini(&p.tmp);
    return err;
}

verso_err verso_tm_match(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                         const verso_tm_query *q, int (*fn)(void *arg, const verso_tm_hit *h),
                         void *arg)
{
    return s_match(t, tm_id, src_lang, tgt_lang, q, true, q->near, fn, arg);
}

uint64_t verso_tm_context_hash_norm(const verso_buf *norm)
{
    if (!norm->len)
        return 0;
    uint64_t h = verso_text_hash(norm->data, norm->len);
    return h ? h : 1;
}

typedef struct s_exact_fn {
    int (*fn)(void *arg, const verso_tm_entry *e);
    void *arg;
} s_exact_fn;

static int s_exact_one(void *arg, const verso_tm_hit *h)
{
    s_exact_fn *x = arg;
    return x->fn(x->arg, &h->e);
}

/* The forward exact matches of a source whose forms are f. */
verso_err verso_tm_exact_forms(verso_txn *t, uint32_t tm_id, verso_str sl, verso_str tl,
                               verso_str src, const verso_tm_forms *f,
                               int (*fn)(void *, const verso_tm_entry *), void *arg)
{
    verso_tm_query q = {src, &f->norm, &f->loose, 0, false, 0};
    s_exact_fn x = {fn, arg};
    return s_match(t, tm_id, sl, tl, &q, false, false, s_exact_one, &x);
}

verso_err verso_tm_exact(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                         verso_str src, int (*fn)(void *arg, const verso_tm_entry *e), void *arg)
{
    verso_tm_forms f;
    verso_tm_forms_init(&f);
    verso_err err = verso_tm_forms_of(src, &f);
    err = err ? err : verso_tm_exact_forms(t, tm_id, src_lang, tgt_lang, src, &f, fn, arg);
    verso_tm_forms_fini(&f);
    return err;
}

/* ---- merging the recent records ------------------------------------------ */

typedef struct s_merge {
    verso_txn *t;
    unsigned char k[2048][16], v[2048][16];
    size_t n;
    verso_err err;
} s_merge;

static int s_merge_one(void *arg, verso_val key, verso_val val)
{
    s_merge *m = arg;
    if (key.len != 16 || val.len != 16)
        return 0; /* not a match record: dropped with the rest */
    memcpy(m->k[m->n], key.data, 16);
    memcpy(m->v[m->n], val.data, 16);
    if (++m->n == 2048) {
        m->err = verso_store_put_many(m->t, VERSO_DB_MATCH, m->k, 16, m->v, 16, m->n);
        m->n = 0;
    }
    return m->err != VERSO_OK;
}

verso_err verso_tm_merge_recent(verso_txn *t)
{
    s_merge *m = malloc(sizeof *m);
    if (!m)
        return VERSO_ENOMEM;
    m->t = t;
    m->n = 0;
    m->err = VERSO_OK;
    verso_err err = verso_store_each(t, VERSO_DB_MATCH_RECENT, NULL, 0, s_merge_one, m);
    err = err ? err : m->err;
    if (!err && m->n)
        err = verso_store_put_many(t, VERSO_DB_MATCH, m->k, 16, m->v, 16, m->n);
    free(m);
    return err ? err : verso_store_clear(t, VERSO_DB_MATCH_RECENT);
}
