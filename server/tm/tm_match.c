/*
 * tm_match.c - the exact-match index of the TMs (tm.h): its keys, adding and
 * removing an entry's records, looking up exact and near-exact matches, and
 * merging the recent records in bulk. Record layout: tm.c's head comment.
 *
 * An entry has two records, (tm_id, directed pair hash, loose-form hash,
 * normalised-text hash, id): its source's and its target's. New ones wait
 * in MATCH_RECENT (sorted duplicates of 16 bytes, one LMDB record each);
 * the merged ones live in MATCH in blocks, sorted:
 *   key    tm_id u32 | pair u32 | the block's lower record: loose u64 |
 *          nhash u64 | id u64                              (32 bytes, big-endian)
 *   value  format u8 (1) | n varint | n records: loose u64 | nhash u64 |
 *          id varint                        (at most S_MREC records and S_MBYTES)
 * A record belongs to the block of the greatest lower at or below it, so a
 * lookup of one loose hash starts at that block and reads on while the
 * records have that hash. The number of merged records is kept in meta
 * ("match_n"), for the indexer.
 */
#include "tm.h"

#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "text.h"
#include "tm_int.h"
#include "tmfuzzy.h"
#include "varint.h"

#define S_REVERSED 0x9e3779b9u /* marks the pair hash of a target-side key */
#define S_MKEY     32
#define S_MREC     32   /* records a block is made with, at most */
#define S_MBYTES   448  /* bytes of a block's records, at most: 7 blocks a page */
#define S_MREAD    4096 /* a block read may hold this many (no more: corrupt) */
#define S_MCOUNT   "match_n"

/* ---- the merged index: blocks ------------------------------------------------ */

typedef struct s_mrec {
    uint64_t loose, nhash, id;
} s_mrec;

typedef struct s_mlist {
    s_mrec *v;
    size_t n, cap;
} s_mlist;

static int s_mrec_cmp(const s_mrec *a, const s_mrec *b)
{
    if (a->loose != b->loose)
        return a->loose < b->loose ? -1 : 1;
    if (a->nhash != b->nhash)
        return a->nhash < b->nhash ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* r + 1 in the order of records; false past the last one. */
static bool s_mrec_succ(s_mrec *r)
{
    if (++r->id)
        return true;
    if (++r->nhash)
        return true;
    return ++r->loose != 0;
}

static void s_mkey(unsigned char k[S_MKEY], uint32_t tm_id, uint32_t pair, const s_mrec *r)
{
    verso_be_put32(k, tm_id);
    verso_be_put32(k + 4, pair);
    verso_be_put64(k + 8, r->loose);
    verso_be_put64(k + 16, r->nhash);
    verso_be_put64(k + 24, r->id);
}

static s_mrec s_mkey_rec(const unsigned char *k)
{
    return (s_mrec){verso_be_get64(k + 8), verso_be_get64(k + 16), verso_be_get64(k + 24)};
}

/* Appends the records of block (key, val) to l. ESTORE when it does not
 * decode: records rise, the first at or above the key's. */
static verso_err s_mblock_read(verso_val key, verso_val val, s_mlist *l)
{
    const unsigned char *p = val.data, *end = p + val.len;
    uint64_t n;
    size_t k;
    if (key.len != S_MKEY || val.len < 2 || *p++ != 1 || !(k = verso_varint_get(p, end, &n)) ||
        n > S_MREAD)
        return VERSO_ESTORE;
    p += k;
    if (verso_array_grow(&l->v, &l->cap, l->n + (size_t)n, sizeof *l->v))
        return VERSO_ENOMEM;
    s_mrec prev = s_mkey_rec(key.data);
    for (uint64_t i = 0; i < n; i++) {
        s_mrec r;
        if (end - p < 17)
            return VERSO_ESTORE;
        r.loose = verso_be_get64(p);
        r.nhash = verso_be_get64(p + 8);
        p += 16;
        if (!(k = verso_varint_get(p, end, &r.id)) || s_mrec_cmp(&r, &prev) < (i ? 1 : 0))
            return VERSO_ESTORE;
        p += k;
        l->v[l->n++] = prev = r;
    }
    return p == end ? VERSO_OK : VERSO_ESTORE;
}

/* Writes v[0..n) as blocks: the first under lower, each further one (as
 * the limits need) under its first record. */
static verso_err s_mblock_write(verso_txn *t, uint32_t tm_id, uint32_t pair, const s_mrec *lower,
                                const s_mrec *v, size_t n)
{
    unsigned char k[S_MKEY], buf[1 + VERSO_VARINT_MAX + S_MBYTES + 16 + VERSO_VARINT_MAX];
    verso_err err = VERSO_OK;
    size_t i = 0;
    do {
        size_t at = 0, j = i, bytes = 0;
        while (j < n && j - i < S_MREC && bytes + 16 + verso_varint_len(v[j].id) <= S_MBYTES)
            bytes += 16 + verso_varint_len(v[j++].id);
        buf[at++] = 1;
        at += verso_varint_put(buf + at, j - i);
        for (size_t x = i; x < j; x++) {
            verso_be_put64(buf + at, v[x].loose);
            verso_be_put64(buf + at + 8, v[x].nhash);
            at += 16;
            at += verso_varint_put(buf + at, v[x].id);
        }
        s_mkey(k, tm_id, pair, i ? &v[i] : lower);
        err = verso_store_put(t, VERSO_DB_MATCH, k, S_MKEY, buf, at);
        i = j;
    } while (!err && i < n);
    return err;
}

/* The block holding r under (tm_id, pair): its records into l (emptied
 * first), *lower its key's record, *found whether there is one; *upper the
 * lower of the next block of (tm_id, pair) (*has_upper when there is one). */
static verso_err s_mblock_of(verso_txn *t, uint32_t tm_id, uint32_t pair, const s_mrec *r,
                             s_mlist *l, s_mrec *lower, bool *found, s_mrec *upper, bool *has_upper)
{
    unsigned char k[S_MKEY], to[S_MKEY];
    verso_val fk, fv;
    s_mkey(k, tm_id, pair, r);
    l->n = 0;
    verso_err err = verso_store_floor(t, VERSO_DB_MATCH, k, S_MKEY, &fk, &fv);
    *found = !err && fk.len == S_MKEY && !memcmp(fk.data, k, 8);
    if (err && err != VERSO_ENOTFOUND)
        return err;
    err = *found ? s_mblock_read(fk, fv, l) : VERSO_OK;
    if (err)
        return err;
    *lower = *found ? s_mkey_rec(fk.data) : *r;
    s_mrec from = *lower, top = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    if (*found && !s_mrec_succ(&from)) /* the next key after the block's */
        return (*has_upper = false), VERSO_OK;
    s_mkey(k, tm_id, pair, &from);
    s_mkey(to, tm_id, pair, &top);
    verso_val nk;
    err = verso_store_first(t, VERSO_DB_MATCH, k, to, S_MKEY, &nk);
    *has_upper = !err;
    if (!err)
        *upper = s_mkey_rec(nk.data);
    return err == VERSO_ENOTFOUND ? VERSO_OK : err;
}

static verso_err s_mcount_add(verso_txn *t, int64_t delta)
{
    uint64_t n;
    unsigned char b[8];
    verso_err err = verso_tm_meta_u64(t, S_MCOUNT, strlen(S_MCOUNT), &n);
    verso_be_put64(b, (uint64_t)((int64_t)n + delta));
    return err ? err : verso_store_put(t, VERSO_DB_META, S_MCOUNT, strlen(S_MCOUNT), b, 8);
}

verso_err verso_tm_match_count(verso_txn *t, uint64_t *n)
{
    return verso_tm_meta_u64(t, S_MCOUNT, strlen(S_MCOUNT), n);
}

/* Adds r[0..n) (rising, under (tm_id, pair)) to the blocks; those there
 * already are skipped. *added: how many went in. */
static verso_err s_minsert(verso_txn *t, s_mlist *l, uint32_t tm_id, uint32_t pair, const s_mrec *r,
                           size_t n, uint64_t *added)
{
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < n && !err;) {
        s_mrec lower, upper;
        bool found, has_upper;
        if ((err = s_mblock_of(t, tm_id, pair, &r[i], l, &lower, &found, &upper, &has_upper)))
            break;
        size_t j = i, old = l->n;
        while (j < n && (!has_upper || s_mrec_cmp(&r[j], &upper) < 0))
            j++;
        if (verso_array_grow(&l->v, &l->cap, old + (j - i), sizeof *l->v))
            return VERSO_ENOMEM;
        size_t a = old, b = j, out = old + (j - i); /* merge from the back */
        while (b > i) {
            int c = a ? s_mrec_cmp(&l->v[a - 1], &r[b - 1]) : -1;
            if (c > 0)
                l->v[--out] = l->v[--a];
            else if (c == 0)
                b--;
            else
                l->v[--out] = r[--b], (*added)++;
        }
        memmove(l->v + a, l->v + out, (old + (j - i) - out) * sizeof *l->v);
        l->n = a + (old + (j - i) - out);
        err = s_mblock_write(t, tm_id, pair, &lower, l->v, l->n);
        i = j;
    }
    return err;
}

/* Removes record r of (tm_id, pair) from the blocks; *gone whether it was there. */
static verso_err s_mremove(verso_txn *t, uint32_t tm_id, uint32_t pair, const s_mrec *r, bool *gone)
{
    s_mlist l = {0};
    s_mrec lower, upper;
    bool found, has_upper;
    verso_err err = s_mblock_of(t, tm_id, pair, r, &l, &lower, &found, &upper, &has_upper);
    size_t i = 0;
    while (!err && i < l.n && s_mrec_cmp(&l.v[i], r))
        i++;
    *gone = !err && found && i < l.n;
    if (*gone) {
        memmove(l.v + i, l.v + i + 1, (l.n - i - 1) * sizeof *l.v);
        unsigned char k[S_MKEY];
        s_mkey(k, tm_id, pair, &lower);
        err = --l.n ? s_mblock_write(t, tm_id, pair, &lower, l.v, l.n)
                    : verso_store_del(t, VERSO_DB_MATCH, k, S_MKEY, NULL, 0);
        err = err ? err : s_mcount_add(t, -1);
    }
    free(l.v);
    return err;
}

/* The merged records of one loose hash, as 16-byte values (nhash | id, big-
 * endian, in order) into *vals (the caller frees it). */
typedef struct s_mreader {
    uint64_t loose;
    unsigned char *vals;
    size_t n, cap;
    s_mlist l;
    verso_err err;
} s_mreader;

static int s_mread_one(void *arg, verso_val key, verso_val val)
{
    s_mreader *x = arg;
    x->l.n = 0;
    if ((x->err = s_mblock_read(key, val, &x->l)))
        return 1;
    for (size_t i = 0; i < x->l.n; i++) {
        if (x->l.v[i].loose < x->loose)
            continue;
        if (x->l.v[i].loose > x->loose)
            return 1;
        if (verso_array_grow(&x->vals, &x->cap, 16 * (x->n + 1), 1))
            return (x->err = VERSO_ENOMEM), 1;
        verso_be_put64(x->vals + 16 * x->n, x->l.v[i].nhash);
        verso_be_put64(x->vals + 16 * x->n + 8, x->l.v[i].id);
        x->n++;
    }
    return 0;
}

static verso_err s_mread(verso_txn *t, const unsigned char key[16], unsigned char **vals, size_t *n)
{
    s_mrec lo = {verso_be_get64(key + 8), 0, 0}, hi = {lo.loose, UINT64_MAX, UINT64_MAX};
    uint32_t tm_id = verso_be_get32(key), pair = verso_be_get32(key + 4);
    unsigned char from[S_MKEY], to[S_MKEY];
    verso_val fk, fv;
    s_mkey(from, tm_id, pair, &lo);
    s_mkey(to, tm_id, pair, &hi);
    verso_err err = verso_store_floor(t, VERSO_DB_MATCH, from, S_MKEY, &fk, &fv);
    if (!err && fk.len == S_MKEY && !memcmp(fk.data, from, 8))
        memcpy(from, fk.data, S_MKEY); /* the block holding lo may start below it */
    s_mreader x = {lo.loose, NULL, 0, 0, {0}, VERSO_OK};
    err = err && err != VERSO_ENOTFOUND
              ? err
              : verso_store_range(t, VERSO_DB_MATCH, from, to, S_MKEY, s_mread_one, &x);
    free(x.l.v);
    err = err ? err : x.err;
    if (err)
        free(x.vals);
    *vals = err ? NULL : x.vals;
    *n = err ? 0 : x.n;
    return err;
}

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
    s_mrec r = {verso_be_get64(k + 8), verso_be_get64(v), e->id};
    bool gone;
    verso_err err = s_mremove(t, verso_be_get32(k), verso_be_get32(k + 4), &r, &gone);
    if (!err && !gone)
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
    s_dir dirs[2][2];                        /* direction, then MATCH and MATCH_RECENT */
    unsigned char *merged[2] = {NULL, NULL}; /* MATCH's values of each direction */
    memset(dirs, 0, sizeof dirs);
    verso_err err = VERSO_OK;
    for (int i = 0; i < 4 && !err; i++) {
        int d = i >> 1;
        s_dir *x = &dirs[d][i & 1];
        const void *vals = NULL;
        if ((d && !both_ways) || (q->skip & (d ? VERSO_TM_SKIP_REVERSE : VERSO_TM_SKIP_FORWARD)))
            continue;
        x->db = i & 1 ? VERSO_DB_MATCH_RECENT : VERSO_DB_MATCH;
        if (i & 1) {
            err = verso_store_dup_page(t, x->db, p.key[d], 16, 16, &vals, &x->n, &x->total);
        } else { /* every value in memory: n == total */
            err = s_mread(t, p.key[d], &merged[d], &x->n);
            x->total = x->n;
            vals = merged[d];
            err = !err && !x->n ? VERSO_ENOTFOUND : err;
        }
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
    free(merged[0]);
    free(merged[1]);
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

/* The recent records, in key order, gathered a (TM, pair) at a time. */
typedef struct s_merge {
    verso_txn *t;
    uint32_t tm_id, pair;
    s_mlist run, block;
    uint64_t added;
    verso_err err;
} s_merge;

static verso_err s_merge_flush(s_merge *m)
{
    verso_err err =
        m->run.n ? s_minsert(m->t, &m->block, m->tm_id, m->pair, m->run.v, m->run.n, &m->added)
                 : VERSO_OK;
    m->run.n = 0;
    return err;
}

static int s_merge_one(void *arg, verso_val key, verso_val val)
{
    s_merge *m = arg;
    if (key.len != 16 || val.len != 16)
        return 0; /* not a match record: dropped with the rest */
    const unsigned char *k = key.data, *v = val.data;
    uint32_t tm_id = verso_be_get32(k), pair = verso_be_get32(k + 4);
    if ((tm_id != m->tm_id || pair != m->pair) && (m->err = s_merge_flush(m)))
        return 1;
    m->tm_id = tm_id;
    m->pair = pair;
    if (verso_array_grow(&m->run.v, &m->run.cap, m->run.n + 1, sizeof *m->run.v))
        return (m->err = VERSO_ENOMEM), 1;
    m->run.v[m->run.n++] =
        (s_mrec){verso_be_get64(k + 8), verso_be_get64(v), verso_be_get64(v + 8)};
    return 0;
}

verso_err verso_tm_merge_recent(verso_txn *t)
{
    s_merge m = {t, 0, 0, {0}, {0}, 0, VERSO_OK};
    verso_err err = verso_store_each(t, VERSO_DB_MATCH_RECENT, NULL, 0, s_merge_one, &m);
    err = err ? err : m.err;
    err = err ? err : s_merge_flush(&m);
    err = err ? err : s_mcount_add(t, (int64_t)m.added);
    free(m.run.v);
    free(m.block.v);
    return err ? err : verso_store_clear(t, VERSO_DB_MATCH_RECENT);
}

/* ---- the ids of a TM -------------------------------------------------------- */

typedef struct s_ids_of {
    uint32_t tm_id;
    int (*fn)(void *arg, uint64_t id);
    void *arg;
    s_mlist l;
    int stop;
    verso_err err;
} s_ids_of;

static int s_ids_block(void *arg, verso_val key, verso_val val)
{
    s_ids_of *x = arg;
    x->l.n = 0;
    if ((x->err = s_mblock_read(key, val, &x->l)))
        return 1;
    for (size_t i = 0; i < x->l.n && !x->stop; i++)
        x->stop = x->fn(x->arg, x->l.v[i].id);
    return x->stop;
}

static int s_ids_recent(void *arg, verso_val key, verso_val val)
{
    s_ids_of *x = arg;
    if (key.len != 16 || verso_be_get32(key.data) != x->tm_id)
        return 1;
    if (val.len != 16)
        return (x->err = VERSO_ESTORE), 1;
    return x->stop = x->fn(x->arg, verso_be_get64((const unsigned char *)val.data + 8));
}

verso_err verso_tm_match_ids(verso_txn *t, uint32_t tm_id, int (*fn)(void *arg, uint64_t id),
                             void *arg)
{
    unsigned char from[S_MKEY] = {0}, to[S_MKEY];
    verso_be_put32(from, tm_id);
    memcpy(to, from, 4);
    memset(to + 4, 0xff, S_MKEY - 4);
    s_ids_of x = {tm_id, fn, arg, {0}, 0, VERSO_OK};
    verso_err err = verso_store_range(t, VERSO_DB_MATCH, from, to, S_MKEY, s_ids_block, &x);
    err = err ? err : x.err;
    if (!err && !x.stop)
        err = verso_store_each(t, VERSO_DB_MATCH_RECENT, from, 4, s_ids_recent, &x);
    free(x.l.v);
    return err ? err : x.err;
}
