/*
 * tm.c - translation memories over the store; see tm.h.
 *
 * Records (all integers big-endian):
 *   tms      name -> tm_id u32 | created i64
 *   entries  id u64 -> version u8 (1) | tm_id u32 | prev_hash u64 | next_hash u64 |
 *            created i64 | changed i64 | usage u64 | 7 x (len u32, bytes):
 *            src_lang, tgt_lang, src, tgt, author, note, origin
 *   exact    tm_id u32 | pair hash u32 | normalised-source hash u64 -> ids (dups)
 *   changes  seq u64 -> op u8 ('a' add, 'u' update, 'd' delete) | id u64
 *   meta     "next_id", "next_seq", "next_tm" -> u64; "count" | tm_id u32 -> u64
 * An entry record is checked field by field when read: a stored length is
 * never trusted beyond the bytes that are there.
 */
#include "tm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"

#define S_REC_VERSION 1
#define S_REC_FIXED   (1 + 4 + 8 * 5)
#define S_REC_STRS    7

static void s_put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t s_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void s_put32(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint32_t s_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads a u64 from meta (0 when absent). */
static verso_err s_meta64(verso_txn *t, const void *key, size_t klen, uint64_t *out)
{
    verso_val v;
    verso_err err = verso_store_get(t, VERSO_DB_META, key, klen, &v);
    *out = 0;
    if (err == VERSO_ENOTFOUND)
        return VERSO_OK;
    if (err)
        return err;
    if (v.len != 8)
        return VERSO_ESTORE;
    *out = s_get64(v.data);
    return VERSO_OK;
}

static verso_err s_set_meta64(verso_txn *t, const void *key, size_t klen, uint64_t val)
{
    unsigned char b[8];
    s_put64(b, val);
    return verso_store_put(t, VERSO_DB_META, key, klen, b, 8);
}

/* Next value of a counter in meta, starting at 1. */
static verso_err s_next(verso_txn *t, const char *name, uint64_t *out)
{
    uint64_t v;
    verso_err err = s_meta64(t, name, strlen(name), &v);
    if (!err)
        err = s_set_meta64(t, name, strlen(name), v + 1);
    *out = v + 1;
    return err;
}

/* The per-TM entry counter key: "count" | tm_id. */
static size_t s_count_key(uint32_t tm_id, unsigned char *k)
{
    memcpy(k, "count", 5);
    s_put32(k + 5, tm_id);
    return 9;
}

static verso_err s_count_add(verso_txn *t, uint32_t tm_id, int64_t delta)
{
    unsigned char k[9];
    size_t kl = s_count_key(tm_id, k);
    uint64_t n;
    verso_err err = s_meta64(t, k, kl, &n);
    return err ? err : s_set_meta64(t, k, kl, (uint64_t)((int64_t)n + delta));
}

static verso_err s_log(verso_txn *t, char op, uint64_t id)
{
    uint64_t seq;
    verso_err err = s_next(t, "next_seq", &seq);
    unsigned char k[8], v[9];
    s_put64(k, seq);
    v[0] = (unsigned char)op;
    s_put64(v + 1, id);
    return err ? err : verso_store_put(t, VERSO_DB_CHANGES, k, 8, v, 9);
}

/* ---- entry records ------------------------------------------------------- */

static verso_err s_encode(const verso_tm_entry *e, verso_buf *out)
{
    unsigned char fixed[S_REC_FIXED];
    fixed[0] = S_REC_VERSION;
    s_put32(fixed + 1, e->tm_id);
    s_put64(fixed + 5, e->prev_hash);
    s_put64(fixed + 13, e->next_hash);
    s_put64(fixed + 21, (uint64_t)e->created);
    s_put64(fixed + 29, (uint64_t)e->changed);
    s_put64(fixed + 37, e->usage);
    const verso_str *strs[S_REC_STRS] = {&e->src_lang, &e->tgt_lang, &e->src,   &e->tgt,
                                         &e->author,   &e->note,     &e->origin};
    verso_buf_reset(out);
    verso_err err = verso_buf_append(out, fixed, sizeof fixed);
    for (int i = 0; i < S_REC_STRS && !err; i++) {
        unsigned char len[4];
        if (strs[i]->n > UINT32_MAX)
            return VERSO_ETOOBIG;
        s_put32(len, (uint32_t)strs[i]->n);
        err = verso_buf_append(out, len, 4);
        if (!err)
            err = verso_buf_append(out, strs[i]->p, strs[i]->n);
    }
    return err;
}

static verso_err s_decode(verso_val v, uint64_t id, verso_tm_entry *e)
{
    const unsigned char *p = v.data;
    if (v.len < S_REC_FIXED || p[0] != S_REC_VERSION)
        return VERSO_ESTORE;
    memset(e, 0, sizeof *e);
    e->id = id;
    e->tm_id = s_get32(p + 1);
    e->prev_hash = s_get64(p + 5);
    e->next_hash = s_get64(p + 13);
    e->created = (int64_t)s_get64(p + 21);
    e->changed = (int64_t)s_get64(p + 29);
    e->usage = s_get64(p + 37);
    verso_str *strs[S_REC_STRS] = {&e->src_lang, &e->tgt_lang, &e->src,   &e->tgt,
                                   &e->author,   &e->note,     &e->origin};
    size_t off = S_REC_FIXED;
    for (int i = 0; i < S_REC_STRS; i++) {
        if (v.len - off < 4)
            return VERSO_ESTORE;
        uint32_t n = s_get32(p + off);
        off += 4;
        if (n > v.len - off)
            return VERSO_ESTORE;
        *strs[i] = (verso_str){(const char *)p + off, n};
        off += n;
    }
    return off == v.len ? VERSO_OK : VERSO_ESTORE;
}

/* ---- the exact index ----------------------------------------------------- */

static bool s_eq(verso_str a, verso_str b)
{
    return a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n));
}

static uint32_t s_pair_hash(verso_str sl, verso_str tl)
{
    uint64_t h = verso_text_hash(sl.p, sl.n) * 31 + verso_text_hash(tl.p, tl.n);
    return (uint32_t)(h ^ h >> 32);
}

/* The exact-index key of a normalised source. */
static void s_exact_key(uint32_t tm_id, verso_str sl, verso_str tl, const verso_buf *norm,
                        unsigned char k[16])
{
    s_put32(k, tm_id);
    s_put32(k + 4, s_pair_hash(sl, tl));
    s_put64(k + 8, verso_text_hash(norm->data, norm->len));
}

static uint64_t s_ctx_hash(verso_str s, verso_buf *tmp, verso_err *err)
{
    if (!s.n)
        return 0;
    *err = verso_text_norm(s.p, s.n, tmp);
    return verso_tm_context_hash_norm(tmp); /* 0 means "no context" */
}

typedef struct s_match {
    verso_txn *t;
    uint32_t tm_id;
    verso_str sl, tl;
    const verso_buf *norm;
    verso_buf tmp;
    int (*fn)(void *arg, const verso_tm_entry *e);
    void *arg;
    verso_err err;
} s_match;

/* One id under an exact key: an entry of this TM and pair whose normalised
 * source really is the one asked for (the key is only a hash). */
static int s_match_one(void *arg, verso_val v)
{
    s_match *m = arg;
    verso_val rec;
    verso_tm_entry e;
    if (v.len != 8)
        return (m->err = VERSO_ESTORE), 1;
    uint64_t id = s_get64(v.data);
    verso_err err = verso_store_get(m->t, VERSO_DB_ENTRIES, v.data, 8, &rec);
    if (err == VERSO_ENOTFOUND)
        return 0;
    if (err || (err = s_decode(rec, id, &e)))
        return (m->err = err), 1;
    if (e.tm_id != m->tm_id || !s_eq(e.src_lang, m->sl) || !s_eq(e.tgt_lang, m->tl))
        return 0;
    if ((err = verso_text_norm(e.src.p, e.src.n, &m->tmp)))
        return (m->err = err), 1;
    if (m->tmp.len != m->norm->len || memcmp(m->tmp.data, m->norm->data, m->tmp.len))
        return 0;
    return m->fn(m->arg, &e);
}

static verso_err s_exact(verso_txn *t, uint32_t tm_id, verso_str sl, verso_str tl,
                         const verso_buf *norm, int (*fn)(void *, const verso_tm_entry *),
                         void *arg)
{
    unsigned char k[16];
    s_exact_key(tm_id, sl, tl, norm, k);
    s_match m = {t, tm_id, sl, tl, norm, {0}, fn, arg, VERSO_OK};
    verso_buf_init(&m.tmp, (size_t)1 << 30);
    verso_err err = verso_store_each_dup(t, VERSO_DB_EXACT, k, 16, s_match_one, &m);
    verso_buf_fini(&m.tmp);
    return err ? err : m.err;
}

verso_err verso_tm_exact_norm(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                              const verso_buf *norm, int (*fn)(void *arg, const verso_tm_entry *e),
                              void *arg)
{
    return s_exact(t, tm_id, src_lang, tgt_lang, norm, fn, arg);
}

uint64_t verso_tm_context_hash_norm(const verso_buf *norm)
{
    if (!norm->len)
        return 0;
    uint64_t h = verso_text_hash(norm->data, norm->len);
    return h ? h : 1;
}

verso_err verso_tm_exact(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                         verso_str src, int (*fn)(void *arg, const verso_tm_entry *e), void *arg)
{
    verso_buf norm;
    verso_buf_init(&norm, (size_t)1 << 30);
    verso_err err = verso_text_norm(src.p, src.n, &norm);
    if (!err)
        err = s_exact(t, tm_id, src_lang, tgt_lang, &norm, fn, arg);
    verso_buf_fini(&norm);
    return err;
}

/* ---- entries ------------------------------------------------------------- */

static verso_err s_write(verso_txn *t, const verso_tm_entry *e, const verso_buf *norm, bool index)
{
    verso_buf rec;
    verso_buf_init(&rec, (size_t)1 << 30);
    unsigned char id[8], k[16];
    s_put64(id, e->id);
    verso_err err = s_encode(e, &rec);
    if (!err)
        err = verso_store_put(t, VERSO_DB_ENTRIES, id, 8, rec.data, rec.len);
    if (!err && index) {
        s_exact_key(e->tm_id, e->src_lang, e->tgt_lang, norm, k);
        err = verso_store_put(t, VERSO_DB_EXACT, k, 16, id, 8);
    }
    verso_buf_fini(&rec);
    return err;
}

typedef struct s_same {
    verso_str tgt;
    uint64_t first;     /* first same-source entry */
    uint64_t identical; /* an entry with the same target too */
    verso_tm_entry first_e;
} s_same;

static int s_same_one(void *arg, const verso_tm_entry *e)
{
    s_same *s = arg;
    if (!s->first) {
        s->first = e->id;
        s->first_e = *e;
    }
    if (s_eq(e->tgt, s->tgt))
        s->identical = e->id;
    return 0;
}

verso_err verso_tm_add(verso_txn *t, uint32_t tm_id, const verso_tm_entry *in,
                       verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *id)
{
    verso_buf norm, tmp;
    verso_buf_init(&norm, (size_t)1 << 30);
    verso_buf_init(&tmp, (size_t)1 << 30);
    verso_tm_entry e = *in;
    s_same same = {in->tgt, 0, 0, {0}};
    e.tm_id = tm_id;
    e.created = e.changed = (int64_t)time(NULL);
    e.usage = 0;
    verso_err err = verso_text_norm(in->src.p, in->src.n, &norm);
    if (!err)
        e.prev_hash = s_ctx_hash(in->prev, &tmp, &err);
    if (!err)
        e.next_hash = s_ctx_hash(in->next, &tmp, &err);
    if (!err)
        err = s_exact(t, tm_id, in->src_lang, in->tgt_lang, &norm, s_same_one, &same);
    if (err)
        goto out;
    if (same.first && (policy == VERSO_TM_SKIP || same.identical)) {
        *outcome = VERSO_TM_SKIPPED;
        *id = same.identical ? same.identical : same.first;
    } else if (same.first && policy == VERSO_TM_OVERWRITE) {
        e.id = same.first;
        e.created = same.first_e.created;
        e.usage = same.first_e.usage;
        /* Only created and usage come from the old record: the rest is new. */
        err = s_write(t, &e, &norm, false);
        err = err ? err : s_log(t, 'u', e.id);
        *outcome = VERSO_TM_UPDATED;
        *id = e.id;
    } else {
        err = s_next(t, "next_id", &e.id);
        err = err ? err : s_write(t, &e, &norm, true);
        err = err ? err : s_count_add(t, tm_id, 1);
        err = err ? err : s_log(t, 'a', e.id);
        *outcome = VERSO_TM_ADDED;
        *id = e.id;
    }
out:
    verso_buf_fini(&tmp);
    verso_buf_fini(&norm);
    return err;
}

verso_err verso_tm_get(verso_txn *t, uint64_t id, verso_tm_entry *e)
{
    unsigned char k[8];
    verso_val v;
    s_put64(k, id);
    verso_err err = verso_store_get(t, VERSO_DB_ENTRIES, k, 8, &v);
    return err ? err : s_decode(v, id, e);
}

verso_err verso_tm_delete(verso_txn *t, uint64_t id, bool *deleted)
{
    verso_tm_entry e;
    *deleted = false;
    verso_err err = verso_tm_get(t, id, &e);
    if (err == VERSO_ENOTFOUND)
        return VERSO_OK;
    if (err)
        return err;
    verso_buf norm;
    verso_buf_init(&norm, (size_t)1 << 30);
    unsigned char k[16], idk[8];
    s_put64(idk, id);
    err = verso_text_norm(e.src.p, e.src.n, &norm);
    if (!err) {
        s_exact_key(e.tm_id, e.src_lang, e.tgt_lang, &norm, k);
        err = verso_store_del(t, VERSO_DB_EXACT, k, 16, idk, 8);
        if (err == VERSO_ENOTFOUND)
            err = VERSO_OK; /* an index without it is what we want */
    }
    uint32_t tm_id = e.tm_id; /* e borrows from the record we delete next */
    err = err ? err : verso_store_del(t, VERSO_DB_ENTRIES, idk, 8, NULL, 0);
    err = err ? err : s_count_add(t, tm_id, -1);
    err = err ? err : s_log(t, 'd', id);
    verso_buf_fini(&norm);
    *deleted = !err;
    return err;
}

verso_err verso_tm_last_change(verso_txn *t, uint64_t *seq)
{
    return s_meta64(t, "next_seq", 8, seq);
}

/* ---- TMs ----------------------------------------------------------------- */

static bool s_name_ok(verso_str name)
{
    return name.n >= 1 && name.n <= VERSO_TM_NAME_MAX && !memchr(name.p, '\0', name.n);
}

verso_err verso_tm_find(verso_txn *t, verso_str name, uint32_t *id)
{
    verso_val v;
    if (!s_name_ok(name))
        return VERSO_ENOTFOUND;
    verso_err err = verso_store_get(t, VERSO_DB_TMS, name.p, name.n, &v);
    if (err)
        return err;
    if (v.len != 12)
        return VERSO_ESTORE;
    *id = s_get32(v.data);
    return VERSO_OK;
}

verso_err verso_tm_create(verso_txn *t, verso_str name, uint32_t *id)
{
    if (!s_name_ok(name))
        return VERSO_EINVAL;
    uint32_t old;
    verso_err err = verso_tm_find(t, name, &old);
    if (!err)
        return VERSO_EEXIST;
    if (err != VERSO_ENOTFOUND)
        return err;
    uint64_t next;
    if ((err = s_next(t, "next_tm", &next)))
        return err;
    if (next > UINT32_MAX)
        return VERSO_ENOSPC;
    unsigned char v[12];
    s_put32(v, (uint32_t)next);
    s_put64(v + 4, (uint64_t)time(NULL));
    err = verso_store_put(t, VERSO_DB_TMS, name.p, name.n, v, sizeof v);
    if (!err)
        *id = (uint32_t)next;
    return err;
}

verso_err verso_tm_init(verso_txn *t)
{
    uint32_t id;
    verso_err err = verso_tm_create(t, (verso_str){"default", 7}, &id);
    return err == VERSO_EEXIST ? VERSO_OK : err;
}

typedef struct s_ids {
    uint32_t tm_id;
    uint64_t *v;
    size_t n, cap;
    verso_err err;
} s_ids;

/* Collects the ids under the exact keys of one TM (keys start with tm_id). */
static int s_collect(void *arg, verso_val key, verso_val val)
{
    s_ids *ids = arg;
    if (key.len != 16 || s_get32(key.data) != ids->tm_id)
        return 1;
    if (val.len != 8)
        return (ids->err = VERSO_ESTORE), 1;
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 256;
        uint64_t *p = realloc(ids->v, cap * sizeof *p);
        if (!p)
            return (ids->err = VERSO_ENOMEM), 1;
        ids->v = p;
        ids->cap = cap;
    }
    ids->v[ids->n++] = s_get64(val.data);
    return 0;
}

verso_err verso_tm_drop(verso_txn *t, verso_str name)
{
    uint32_t tm_id;
    verso_err err = verso_tm_find(t, name, &tm_id);
    if (err)
        return err;
    unsigned char from[4];
    s_put32(from, tm_id);
    s_ids ids = {tm_id, NULL, 0, 0, VERSO_OK};
    err = verso_store_each(t, VERSO_DB_EXACT, from, 4, s_collect, &ids);
    err = err ? err : ids.err;
    for (size_t i = 0; !err && i < ids.n; i++) {
        bool deleted;
        err = verso_tm_delete(t, ids.v[i], &deleted);
    }
    free(ids.v);
    unsigned char ck[9];
    size_t ckl = s_count_key(tm_id, ck);
    if (!err) {
        err = verso_store_del(t, VERSO_DB_META, ck, ckl, NULL, 0);
        err = err == VERSO_ENOTFOUND ? VERSO_OK : err;
    }
    return err ? err : verso_store_del(t, VERSO_DB_TMS, name.p, name.n, NULL, 0);
}

typedef struct s_each_tm {
    verso_txn *t;
    int (*fn)(void *arg, verso_str name, uint32_t id, uint64_t entries);
    void *arg;
    verso_err err;
} s_each_tm;

static int s_each_tm_one(void *arg, verso_val key, verso_val val)
{
    s_each_tm *e = arg;
    if (val.len != 12)
        return (e->err = VERSO_ESTORE), 1;
    uint32_t id = s_get32(val.data);
    unsigned char ck[9];
    uint64_t n;
    size_t ckl = s_count_key(id, ck);
    if ((e->err = s_meta64(e->t, ck, ckl, &n)))
        return 1;
    return e->fn(e->arg, (verso_str){key.data, key.len}, id, n);
}

verso_err verso_tm_each(verso_txn *t,
                        int (*fn)(void *arg, verso_str name, uint32_t id, uint64_t entries),
                        void *arg)
{
    s_each_tm e = {t, fn, arg, VERSO_OK};
    verso_err err = verso_store_each(t, VERSO_DB_TMS, NULL, 0, s_each_tm_one, &e);
    return err ? err : e.err;
}
