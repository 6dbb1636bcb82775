/*
 * tm.c - translation memories over the store (tm.h): entry records, the
 * counters, and adding, reading, changing and deleting entries. The match
 * index is tm_match.c's, the TMs themselves tm_names.c's (tm_int.h is what
 * the three share).
 *
 * Records (all integers big-endian):
 *   tms      name -> tm_id u32 | created i64
 *   entries  id u64 -> version u8 (4) | present varint | tm_id varint |
 *            created varint | changed - created (zigzag varint) | usage varint |
 *            prev_hash u64 LE (when present) | next_hash u64 LE (when present) |
 *            then each present text as (len varint, bytes), in this order:
 *            src_lang, tgt_lang, src, tgt, author, note, origin, src_tags,
 *            tgt_tags, props, prev, next, tmx (tags, props and tmx are
 *            lists, tm.h). Bit i of present (i < 13) says text i is not
 *            empty; bits 13 and 14 that prev_hash and next_hash are there;
 *            bit 15 that the origin is given by its number (a varint in
 *            place of the origin's text, see meta "o").
 *            Older records (read as they are, rewritten when updated): version
 *            3, fixed fields (u32 tm_id, the two hashes, created, changed and
 *            usage as u64) then the 13 texts as (len u32, bytes); version 2
 *            the first ten texts, version 1 (0.1) the first seven.
 *   matches, match_recent: the exact-match index, tm_match.c's head comment.
 *            Each entry has two records: its source under the hash of
 *            (src_lang, tgt_lang), its target under that of the reversed pair.
 *   changes  seq u64 -> op u8 ('a' add, 'u' update, 'd' delete) | id u64
 *   meta     "next_id", "next_seq", "next_tm" -> u64; "count" | tm_id u32 -> u64;
 *            "tmxh" | tm_id u32 -> the TM's TMX header (XML, as last imported);
 *            "pair" | tm_id u32 | src_lang NUL tgt_lang -> u64 (absent when 0);
 *            "o" | number u32 -> an origin, and "O" | origin -> number u32:
 *            origins (file names, documents) repeat over many entries, so an
 *            entry stores the number of one of at most S_ORIGIN_MAX bytes;
 *            "next_origin" -> u64
 * An entry record is checked field by field when read: a stored length is
 * never trusted beyond the bytes that are there.
 */
#include "tm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "be.h"
#include "log.h"
#include "text.h"
#include "tm_int.h"
#include "tmfuzzy.h"
#include "varint.h"

#define S_REC_VERSION 4
#define S_ORIGIN_MAX  256             /* origins longer than this stay in the record */
#define S_ORIGIN_BIT  (1u << 15)      /* present: the origin is a number */
#define S_REC_FIXED   (1 + 4 + 8 * 5) /* versions 1-3 */
#define S_REC_STRS    13
#define S_REC_STRS_V2 10
#define S_REC_STRS_V1 7

/* Reads a u64 from meta (0 when absent). */
verso_err verso_tm_meta_u64(verso_txn *t, const void *key, size_t klen, uint64_t *out)
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
    *out = verso_be_get64(v.data);
    return VERSO_OK;
}

static verso_err s_set_meta64(verso_txn *t, const void *key, size_t klen, uint64_t val)
{
    unsigned char b[8];
    verso_be_put64(b, val);
    return verso_store_put(t, VERSO_DB_META, key, klen, b, 8);
}

/* Next value of a counter in meta, starting at 1. */
verso_err verso_tm_meta_next(verso_txn *t, const char *name, uint64_t *out)
{
    uint64_t v;
    verso_err err = verso_tm_meta_u64(t, name, strlen(name), &v);
    if (!err)
        err = s_set_meta64(t, name, strlen(name), v + 1);
    *out = v + 1;
    return err;
}

/* The per-TM entry counter key: "count" | tm_id. */
size_t verso_tm_count_key(uint32_t tm_id, unsigned char *k)
{
    memcpy(k, "count", 5);
    verso_be_put32(k + 5, tm_id);
    return 9;
}

static verso_err s_count_add(verso_txn *t, uint32_t tm_id, int64_t delta)
{
    unsigned char k[9];
    size_t kl = verso_tm_count_key(tm_id, k);
    uint64_t n;
    verso_err err = verso_tm_meta_u64(t, k, kl, &n);
    return err ? err : s_set_meta64(t, k, kl, (uint64_t)((int64_t)n + delta));
}

bool verso_tm_str_eq(verso_str a, verso_str b)
{
    return a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n));
}

/* The per-pair entry counter key: "pair" | tm_id u32 | src_lang NUL tgt_lang. */
static size_t s_pair_key(uint32_t tm_id, verso_str sl, verso_str tl, unsigned char *k)
{
    memcpy(k, "pair", 4);
    verso_be_put32(k + 4, tm_id);
    memcpy(k + 8, sl.p, sl.n);
    k[8 + sl.n] = '\0';
    memcpy(k + 9 + sl.n, tl.p, tl.n);
    return 9 + sl.n + tl.n;
}

#define S_PAIR_KEY_MAX (9 + 2 * 128) /* language tags are at most 128 bytes (lang.h) */

/* Adds delta to the entry count of a pair; a count of 0 is removed. */
static verso_err s_pair_add(verso_txn *t, uint32_t tm_id, verso_str sl, verso_str tl, int64_t delta)
{
    unsigned char k[S_PAIR_KEY_MAX];
    if (sl.n > 128 || tl.n > 128)
        return VERSO_EINVAL;
    size_t kl = s_pair_key(tm_id, sl, tl, k);
    uint64_t n;
    verso_err err = verso_tm_meta_u64(t, k, kl, &n);
    n = (uint64_t)((int64_t)n + delta);
    if (err || n)
        return err ? err : s_set_meta64(t, k, kl, n);
    err = verso_store_del(t, VERSO_DB_META, k, kl, NULL, 0);
    return err == VERSO_ENOTFOUND ? VERSO_OK : err;
}

verso_err verso_tm_pair_count(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                              uint64_t *n)
{
    unsigned char k[S_PAIR_KEY_MAX];
    *n = 0;
    if (src_lang.n > 128 || tgt_lang.n > 128)
        return VERSO_OK;
    return verso_tm_meta_u64(t, k, s_pair_key(tm_id, src_lang, tgt_lang, k), n);
}

typedef struct s_pairs {
    unsigned char prefix[8];
    int (*fn)(void *arg, verso_str sl, verso_str tl, uint64_t n);
    void *arg;
} s_pairs;

static int s_pair_one(void *arg, verso_val key, verso_val val)
{
    s_pairs *p = arg;
    if (key.len < 8 || memcmp(key.data, p->prefix, 8) != 0)
        return 1;
    const char *sl = (const char *)key.data + 8;
    const char *nul = memchr(sl, '\0', key.len - 8);
    if (!nul || val.len != 8)
        return 0; /* not a pair count */
    verso_str a = {sl, (size_t)(nul - sl)};
    verso_str b = {nul + 1, key.len - 9 - a.n};
    return p->fn(p->arg, a, b, verso_be_get64(val.data));
}

verso_err verso_tm_each_pair(verso_txn *t, uint32_t tm_id,
                             int (*fn)(void *arg, verso_str src_lang, verso_str tgt_lang,
                                       uint64_t n),
                             void *arg)
{
    s_pairs p = {{0}, fn, arg};
    memcpy(p.prefix, "pair", 4);
    verso_be_put32(p.prefix + 4, tm_id);
    return verso_store_each(t, VERSO_DB_META, p.prefix, 8, s_pair_one, &p);
}

/* The counters a run of changes to one TM moves: read once, written back
 * once at its end (s_ctr_save), so that a batch of adds costs no more meta
 * writes than one add. */
typedef struct s_ctr {
    uint32_t tm_id;
    uint64_t next_id, next_seq; /* the last values handed out */
    int64_t delta;              /* change of the TM's entry count */
    verso_str sl, tl;           /* the pair pair_delta counts (views) */
    int64_t pair_delta;
} s_ctr;

static verso_err s_ctr_load(verso_txn *t, uint32_t tm_id, s_ctr *c)
{
    c->tm_id = tm_id;
    c->delta = c->pair_delta = 0;
    c->sl = c->tl = (verso_str){"", 0};
    verso_err err = verso_tm_meta_u64(t, "next_id", 7, &c->next_id);
    return err ? err : verso_tm_meta_u64(t, "next_seq", 8, &c->next_seq);
}

/* Counts one more (or, delta -1, one fewer) entry of the pair sl -> tl. */
static verso_err s_ctr_pair(verso_txn *t, s_ctr *c, verso_str sl, verso_str tl, int64_t delta)
{
    verso_err err = VERSO_OK;
    if (!verso_tm_str_eq(sl, c->sl) ||
        !verso_tm_str_eq(tl, c->tl)) { /* another pair: settle the last one */
        if (c->pair_delta)
            err = s_pair_add(t, c->tm_id, c->sl, c->tl, c->pair_delta);
        c->sl = sl;
        c->tl = tl;
        c->pair_delta = 0;
    }
    c->pair_delta += delta;
    c->delta += delta;
    return err;
}

static verso_err s_ctr_save(verso_txn *t, const s_ctr *c)
{
    verso_err err = s_set_meta64(t, "next_id", 7, c->next_id);
    err = err ? err : s_set_meta64(t, "next_seq", 8, c->next_seq);
    if (!err && c->pair_delta)
        err = s_pair_add(t, c->tm_id, c->sl, c->tl, c->pair_delta);
    return err || !c->delta ? err : s_count_add(t, c->tm_id, c->delta);
}

/* Appends a change (op on entry id) to the change sequence. */
static verso_err s_log(verso_txn *t, s_ctr *c, char op, uint64_t id)
{
    unsigned char k[8], v[9];
    verso_be_put64(k, ++c->next_seq);
    v[0] = (unsigned char)op;
    verso_be_put64(v + 1, id);
    return verso_store_put(t, VERSO_DB_CHANGES, k, 8, v, 9);
}

/* ---- lists ----------------------------------------------------------------- */

verso_err verso_tm_list_add(verso_buf *list, verso_str item)
{
    unsigned char len[4];
    if (item.n > UINT32_MAX)
        return VERSO_ETOOBIG;
    verso_be_put32(len, (uint32_t)item.n);
    verso_err err = verso_buf_append(list, len, 4);
    return err ? err : verso_buf_append(list, item.p, item.n);
}

bool verso_tm_list_next(verso_str *list, verso_str *item)
{
    if (list->n < 4)
        return false;
    uint32_t n = verso_be_get32((const unsigned char *)list->p);
    if (n > list->n - 4)
        return false;
    *item = (verso_str){list->p + 4, n};
    list->p += 4 + n;
    list->n -= 4 + n;
    return true;
}

/* True when the items of list tile it exactly. */
static bool s_list_ok(verso_str list)
{
    verso_str item;
    while (verso_tm_list_next(&list, &item))
        ;
    return list.n == 0;
}

/* ---- entry records ------------------------------------------------------- */

static uint64_t s_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t s_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static verso_err s_encode(const verso_tm_entry *e, uint32_t origin, verso_buf *out)
{
    const verso_str *strs[S_REC_STRS] = {
        &e->src_lang, &e->tgt_lang, &e->src,   &e->tgt,  &e->author, &e->note, &e->origin,
        &e->src_tags, &e->tgt_tags, &e->props, &e->prev, &e->next,   &e->tmx};
    unsigned char head[1 + 5 * VERSO_VARINT_MAX + 16], len[VERSO_VARINT_MAX];
    uint64_t present = (e->prev_hash ? 1u << 13 : 0) | (e->next_hash ? 1u << 14 : 0);
    for (int i = 0; i < S_REC_STRS; i++)
        present |= strs[i]->n ? 1u << i : 0;
    if (origin)
        present = (present & ~(1u << 6)) | S_ORIGIN_BIT;
    size_t at = 0;
    head[at++] = S_REC_VERSION;
    at += verso_varint_put(head + at, present);
    at += verso_varint_put(head + at, e->tm_id);
    at += verso_varint_put(head + at, s_zigzag(e->created));
    at += verso_varint_put(head + at,
                           s_zigzag((int64_t)((uint64_t)e->changed - (uint64_t)e->created)));
    at += verso_varint_put(head + at, e->usage);
    for (int h = 0; h < 2; h++) {
        uint64_t x = h ? e->next_hash : e->prev_hash;
        for (int b = 0; x && b < 8; b++)
            head[at++] = (unsigned char)(x >> (8 * b));
    }
    verso_buf_reset(out);
    verso_err err = verso_buf_append(out, head, at);
    for (int i = 0; i < S_REC_STRS && !err; i++) {
        if (i == 6 && origin) {
            err = verso_buf_append(out, len, verso_varint_put(len, origin));
            continue;
        }
        if (!strs[i]->n)
            continue;
        err = verso_buf_append(out, len, verso_varint_put(len, strs[i]->n));
        err = err ? err : verso_buf_append(out, strs[i]->p, strs[i]->n);
    }
    return err;
}

/* A varint of the record at *p (< end) into *v; false when it does not decode. */
static bool s_rec_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    size_t k = *p < end ? verso_varint_get(*p, end, v) : 0;
    *p += k;
    return k != 0;
}

/* Decodes a version 4 record (tm.c's head comment) into e. */
static verso_err s_decode_v4(verso_val v, verso_tm_entry *e, verso_str *strs[S_REC_STRS],
                             uint32_t *origin)
{
    const unsigned char *p = (const unsigned char *)v.data + 1, *end = p - 1 + v.len;
    uint64_t present, tm, created, dchanged, usage;
    if (!s_rec_varint(&p, end, &present) || !s_rec_varint(&p, end, &tm) ||
        !s_rec_varint(&p, end, &created) || !s_rec_varint(&p, end, &dchanged) ||
        !s_rec_varint(&p, end, &usage) || present >> 16 || tm > UINT32_MAX ||
        ((present & S_ORIGIN_BIT) && (present & (1u << 6))))
        return VERSO_ESTORE;
    e->tm_id = (uint32_t)tm;
    e->created = s_unzigzag(created);
    e->changed = (int64_t)((uint64_t)e->created + (uint64_t)s_unzigzag(dchanged));
    e->usage = usage;
    for (int h = 0; h < 2; h++) {
        uint64_t x = 0;
        if (!(present & (1u << (13 + h))))
            continue;
        if (end - p < 8)
            return VERSO_ESTORE;
        for (int b = 0; b < 8; b++)
            x |= (uint64_t)p[b] << (8 * b);
        p += 8;
        *(h ? &e->next_hash : &e->prev_hash) = x;
    }
    for (int i = 0; i < S_REC_STRS; i++) {
        uint64_t n = 0;
        if (i == 6 && (present & S_ORIGIN_BIT)) {
            if (!s_rec_varint(&p, end, &n) || !n || n > UINT32_MAX)
                return VERSO_ESTORE;
            *origin = (uint32_t)n;
            continue;
        }
        if (!(present & (1u << i)))
            continue;
        if (!s_rec_varint(&p, end, &n) || n > (uint64_t)(end - p))
            return VERSO_ESTORE;
        *strs[i] = (verso_str){(const char *)p, (size_t)n};
        p += n;
    }
    return p == end ? VERSO_OK : VERSO_ESTORE;
}

/* Decodes a record of version 1, 2 or 3 (fixed fields, u32 lengths). */
static verso_err s_decode_v3(verso_val v, verso_tm_entry *e, verso_str *strs[S_REC_STRS])
{
    const unsigned char *p = v.data;
    if (v.len < S_REC_FIXED)
        return VERSO_ESTORE;
    e->tm_id = verso_be_get32(p + 1);
    e->prev_hash = verso_be_get64(p + 5);
    e->next_hash = verso_be_get64(p + 13);
    e->created = (int64_t)verso_be_get64(p + 21);
    e->changed = (int64_t)verso_be_get64(p + 29);
    e->usage = verso_be_get64(p + 37);
    size_t off = S_REC_FIXED;
    int nstrs = p[0] == 1 ? S_REC_STRS_V1 : p[0] == 2 ? S_REC_STRS_V2 : S_REC_STRS;
    for (int i = 0; i < nstrs; i++) {
        if (v.len - off < 4)
            return VERSO_ESTORE;
        uint32_t n = verso_be_get32(p + off);
        off += 4;
        if (n > v.len - off)
            return VERSO_ESTORE;
        *strs[i] = (verso_str){(const char *)p + off, n};
        off += n;
    }
    return off == v.len ? VERSO_OK : VERSO_ESTORE;
}

/* The origin of number n ("o" | n in meta): borrowed from the transaction. */
static verso_err s_origin_text(verso_txn *t, uint32_t n, verso_str *out)
{
    unsigned char k[5] = {'o'};
    verso_be_put32(k + 1, n);
    verso_val v;
    verso_err err = t ? verso_store_get(t, VERSO_DB_META, k, 5, &v) : VERSO_EINVAL;
    if (!err)
        *out = (verso_str){v.data, v.len};
    return err == VERSO_ENOTFOUND || err == VERSO_EINVAL ? VERSO_ESTORE : err;
}

/* The number of origin o, made when it has none yet (write transaction). */
static verso_err s_origin_number(verso_txn *t, verso_str o, uint32_t *out)
{
    unsigned char k[1 + S_ORIGIN_MAX] = {'O'};
    memcpy(k + 1, o.p, o.n);
    verso_val v;
    verso_err err = verso_store_get(t, VERSO_DB_META, k, 1 + o.n, &v);
    if (!err && v.len == 4) {
        *out = verso_be_get32(v.data);
        return VERSO_OK;
    }
    if (err != VERSO_ENOTFOUND)
        return err ? err : VERSO_ESTORE;
    uint64_t n;
    if ((err = verso_tm_meta_next(t, "next_origin", &n)))
        return err;
    if (n > UINT32_MAX)
        return VERSO_ETOOBIG;
    unsigned char num[5] = {'o'};
    verso_be_put32(num + 1, (uint32_t)n);
    err = verso_store_put(t, VERSO_DB_META, num, 5, o.p, o.n);
    err = err ? err : verso_store_put(t, VERSO_DB_META, k, 1 + o.n, num + 1, 4);
    *out = (uint32_t)n;
    return err;
}

verso_err verso_tm_record_decode(verso_txn *t, verso_val v, uint64_t id, verso_tm_entry *e)
{
    const unsigned char *p = v.data;
    if (v.len < 1 || p[0] < 1 || p[0] > S_REC_VERSION)
        return VERSO_ESTORE;
    memset(e, 0, sizeof *e);
    e->id = id;
    verso_str *strs[S_REC_STRS] = {
        &e->src_lang, &e->tgt_lang, &e->src,   &e->tgt,  &e->author, &e->note, &e->origin,
        &e->src_tags, &e->tgt_tags, &e->props, &e->prev, &e->next,   &e->tmx};
    uint32_t origin = 0;
    verso_err err = p[0] == 4 ? s_decode_v4(v, e, strs, &origin) : s_decode_v3(v, e, strs);
    if (!err && origin)
        err = s_origin_text(t, origin, &e->origin);
    return !err && s_list_ok(e->src_tags) && s_list_ok(e->tgt_tags) && s_list_ok(e->props) &&
                   s_list_ok(e->tmx)
               ? VERSO_OK
               : VERSO_ESTORE;
}

/* ---- entries ------------------------------------------------------------- */

static verso_err s_put_record(verso_txn *t, const verso_tm_entry *e)
{
    verso_buf rec;
    verso_buf_init(&rec, (size_t)1 << 30);
    unsigned char id[8];
    verso_be_put64(id, e->id);
    uint32_t origin = 0;
    verso_err err = e->origin.n && e->origin.n <= S_ORIGIN_MAX
                        ? s_origin_number(t, e->origin, &origin)
                        : VERSO_OK;
    err = err ? err : s_encode(e, origin, &rec);
    if (!err)
        err = verso_store_put(t, VERSO_DB_ENTRIES, id, 8, rec.data, rec.len);
    verso_buf_fini(&rec);
    return err;
}

static uint64_t s_ctx_hash(verso_str s, verso_buf *tmp, verso_err *err)
{
    if (!s.n)
        return 0;
    *err = verso_text_norm(s.p, s.n, tmp);
    return verso_tm_context_hash_norm(tmp); /* 0 means "no context" */
}

void verso_tm_prep_init(verso_tm_prep *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < 2; i++) {
        verso_buf_init(&p->norm[i], (size_t)1 << 30);
        verso_buf_init(&p->loose[i], (size_t)1 << 30);
    }
}

void verso_tm_prep_fini(verso_tm_prep *p)
{
    for (int i = 0; i < 2; i++) {
        verso_buf_fini(&p->norm[i]);
        verso_buf_fini(&p->loose[i]);
        free(p->ids[i]);
    }
    memset(p, 0, sizeof *p);
}

/* One side's forms and token ids into p's slot i. */
static verso_err s_prep_side(verso_tm_prep *p, int i, verso_str s, verso_fuzzy *f,
                             verso_fuzzy_text *tt)
{
    verso_err err = verso_text_norm(s.p, s.n, &p->norm[i]);
    err = err ? err : verso_text_loose(p->norm[i].data, p->norm[i].len, &p->loose[i]);
    err = err ? err : verso_fuzzy_tokenize(f, p->norm[i].data, p->norm[i].len, tt);
    err = err ? err : verso_array_grow(&p->ids[i], &p->cap[i], tt->n + 1, sizeof *p->ids[i]);
    if (!err) {
        if (tt->n) /* ids is NULL until a text has tokens */
            memcpy(p->ids[i], tt->ids, tt->n * sizeof *tt->ids);
        p->nids[i] = tt->n;
    }
    return err;
}

verso_err verso_tm_prepare(verso_tm_prep *p, const verso_tm_entry *e, verso_fuzzy *f)
{
    verso_fuzzy_text tt;
    verso_fuzzy_text_init(&tt);
    verso_err err = s_prep_side(p, 0, e->src, f, &tt);
    err = err ? err : s_prep_side(p, 1, e->tgt, f, &tt);
    verso_fuzzy_text_fini(&tt);
    verso_buf tmp;
    verso_buf_init(&tmp, (size_t)1 << 30);
    if (!err)
        p->prev_hash = s_ctx_hash(e->prev, &tmp, &err);
    if (!err)
        p->next_hash = s_ctx_hash(e->next, &tmp, &err);
    verso_buf_fini(&tmp);
    return err;
}

typedef struct s_same {
    const verso_tm_entry *in; /* the entry added */
    uint64_t first;           /* first same-source entry */
    uint64_t identical;       /* an entry with the same target and the same tags too */
    verso_tm_entry first_e;
} s_same;

/* Same source (the caller's exact match), target and inline tags: a
 * duplicate. Tags count: "<bpt>&lt;b&gt;</bpt>" is not "<g0>". */
static int s_same_one(void *arg, const verso_tm_entry *e)
{
    s_same *s = arg;
    if (!s->first) {
        s->first = e->id;
        s->first_e = *e;
    }
    if (verso_tm_str_eq(e->tgt, s->in->tgt) && verso_tm_str_eq(e->src_tags, s->in->src_tags) &&
        verso_tm_str_eq(e->tgt_tags, s->in->tgt_tags))
        s->identical = e->id;
    return 0;
}

/* Replaces the stored entry old (same id) by e, re-indexing both. */
static verso_err s_replace(verso_txn *t, s_ctr *c, const verso_tm_entry *old,
                           const verso_tm_entry *e)
{
    /* old, and e's unchanged fields, borrow from the record: it is rewritten last. */
    verso_err err = verso_tm_index_entry(t, old, NULL, NULL, false);
    err = err ? err : verso_tm_index_entry(t, e, NULL, NULL, true);
    err = err ? err : s_put_record(t, e);
    return err ? err : s_log(t, c, 'u', e->id);
}

/* One add of a batch; f and tmp are scratch buffers the batch reuses. */
static verso_err s_add_one(verso_txn *t, s_ctr *c, const verso_tm_entry *in,
                           verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *id,
                           verso_tm_forms *f, verso_buf *tmp)
{
    uint32_t tm_id = c->tm_id;
    verso_tm_entry e = *in;
    s_same same = {in, 0, 0, {0}};
    e.tm_id = tm_id;
    e.created = in->created > 0 ? in->created : (int64_t)time(NULL);
    e.changed = in->changed > 0 ? in->changed : e.created;
    verso_tm_forms pv; /* a view of the prepared forms, not freed */
    verso_err err = VERSO_OK;
    if (in->prep) {
        pv = (verso_tm_forms){in->prep->norm[0], in->prep->loose[0]};
        f = &pv;
        e.prev_hash = in->prep->prev_hash;
        e.next_hash = in->prep->next_hash;
    } else {
        err = verso_tm_forms_of(in->src, f);
        if (!err)
            e.prev_hash = s_ctx_hash(in->prev, tmp, &err);
        if (!err)
            e.next_hash = s_ctx_hash(in->next, tmp, &err);
    }
    if (!err)
        err = verso_tm_exact_forms(t, tm_id, in->src_lang, in->tgt_lang, in->src, f, s_same_one,
                                   &same);
    if (err)
        return err;
    if (same.first && (policy == VERSO_TM_SKIP || same.identical)) {
        *outcome = VERSO_TM_SKIPPED;
        *id = same.identical ? same.identical : same.first;
    } else if (same.first && policy == VERSO_TM_OVERWRITE) {
        /* Only the id, created and usage come from the old entry. */
        e.id = same.first;
        e.created = same.first_e.created;
        e.usage = same.first_e.usage;
        err = s_replace(t, c, &same.first_e, &e);
        *outcome = VERSO_TM_UPDATED;
        *id = e.id;
    } else {
        e.id = ++c->next_id;
        err = s_put_record(t, &e);
        err = err ? err : verso_tm_index_entry(t, &e, f, in->prep, true);
        err = err ? err : s_log(t, c, 'a', e.id);
        err = err ? err : s_ctr_pair(t, c, in->src_lang, in->tgt_lang, 1);
        *outcome = VERSO_TM_ADDED;
        *id = e.id;
    }
    return err;
}

verso_err verso_tm_add_batch(verso_txn *t, uint32_t tm_id, const verso_tm_entry *entries, size_t n,
                             verso_tm_conflict policy, verso_tm_outcome *outcomes, uint64_t *ids)
{
    s_ctr c;
    verso_tm_forms f;
    verso_buf tmp;
    verso_tm_forms_init(&f);
    verso_buf_init(&tmp, (size_t)1 << 30);
    verso_err err = s_ctr_load(t, tm_id, &c);
    for (size_t i = 0; i < n && !err; i++)
        err = s_add_one(t, &c, &entries[i], policy, &outcomes[i], &ids[i], &f, &tmp);
    err = err ? err : s_ctr_save(t, &c);
    err = err ? err : verso_tmfuzzy_flush(t);
    if (err)
        verso_tmfuzzy_discard(t);
    verso_buf_fini(&tmp);
    verso_tm_forms_fini(&f);
    return err;
}

verso_err verso_tm_add(verso_txn *t, uint32_t tm_id, const verso_tm_entry *in,
                       verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *id)
{
    return verso_tm_add_batch(t, tm_id, in, 1, policy, outcome, id);
}

verso_err verso_tm_get(verso_txn *t, uint64_t id, verso_tm_entry *e)
{
    unsigned char k[8];
    verso_val v;
    verso_be_put64(k, id);
    verso_err err = verso_store_get(t, VERSO_DB_ENTRIES, k, 8, &v);
    return err ? err : verso_tm_record_decode(t, v, id, e);
}

verso_err verso_tm_update(verso_txn *t, uint64_t id, const verso_tm_patch *p)
{
    verso_tm_entry old, e;
    verso_err err = verso_tm_get(t, id, &old);
    if (err || (!p->set && !p->use))
        return err; /* nothing changes */
    e = old;
    if (p->set & VERSO_TM_SET_SRC) {
        e.src = p->e.src;
        e.src_tags = p->e.src_tags;
    }
    if (p->set & VERSO_TM_SET_TGT) {
        e.tgt = p->e.tgt;
        e.tgt_tags = p->e.tgt_tags;
    }
    if (p->set & VERSO_TM_SET_AUTHOR)
        e.author = p->e.author;
    if (p->set & VERSO_TM_SET_NOTE)
        e.note = p->e.note;
    if (p->set & VERSO_TM_SET_PROPS)
        e.props = p->e.props;
    if (p->set & VERSO_TM_SET_ORIGIN)
        e.origin = p->e.origin;
    if (p->set)
        e.changed = (int64_t)time(NULL);
    e.usage = old.usage + p->use < old.usage ? UINT64_MAX : old.usage + p->use;
    s_ctr c;
    err = s_ctr_load(t, old.tm_id, &c);
    err = err ? err : s_replace(t, &c, &old, &e);
    err = err ? err : s_ctr_save(t, &c);
    err = err ? err : verso_tmfuzzy_flush(t);
    if (err)
        verso_tmfuzzy_discard(t);
    return err;
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
    unsigned char idk[8];
    verso_be_put64(idk, id);
    s_ctr c;
    char sl[128], tl[128]; /* e borrows from the record deleted below */
    if (e.src_lang.n > sizeof sl || e.tgt_lang.n > sizeof tl)
        return VERSO_ESTORE;
    memcpy(sl, e.src_lang.p, e.src_lang.n);
    memcpy(tl, e.tgt_lang.p, e.tgt_lang.n);
    err = s_ctr_load(t, e.tm_id, &c);
    err = err ? err
              : s_ctr_pair(t, &c, (verso_str){sl, e.src_lang.n}, (verso_str){tl, e.tgt_lang.n}, -1);
    err = err ? err : verso_tm_index_entry(t, &e, NULL, NULL, false); /* before the record goes */
    err = err ? err : verso_store_del(t, VERSO_DB_ENTRIES, idk, 8, NULL, 0);
    err = err ? err : s_log(t, &c, 'd', id);
    err = err ? err : s_ctr_save(t, &c);
    *deleted = !err;
    return err;
}

typedef struct s_walk {
    verso_txn *t;
    uint32_t tm_id;
    size_t scan;
    uint64_t last;
    bool stopped; /* before the end of the store */
    int (*fn)(void *arg, const verso_tm_entry *e);
    void *arg;
    verso_err err;
} s_walk;

static int s_walk_one(void *arg, verso_val key, verso_val val)
{
    s_walk *w = arg;
    verso_tm_entry e;
    if (key.len != 8)
        return (w->err = VERSO_ESTORE), 1;
    if (w->scan == 0)
        return w->stopped = true;
    w->scan--;
    w->last = verso_be_get64(key.data);
    if ((w->err = verso_tm_record_decode(w->t, val, w->last, &e)))
        return 1;
    return w->stopped = e.tm_id == w->tm_id && w->fn(w->arg, &e);
}

verso_err verso_tm_each_entry(verso_txn *t, uint32_t tm_id, uint64_t after, size_t scan,
                              int (*fn)(void *arg, const verso_tm_entry *e), void *arg,
                              uint64_t *last)
{
    unsigned char from[8];
    s_walk w = {t, tm_id, scan, 0, false, fn, arg, VERSO_OK};
    *last = 0;
    if (after == UINT64_MAX)
        return VERSO_OK;
    verso_be_put64(from, after + 1);
    verso_err err = verso_store_each(t, VERSO_DB_ENTRIES, from, 8, s_walk_one, &w);
    *last = w.stopped ? w.last : 0;
    return err ? err : w.err;
}

typedef struct s_upgrade {
    verso_txn *t;
    size_t corrupt;
    verso_err err;
} s_upgrade;

/* Indexes one entry; a corrupt record is left as it is (get reports it). */
static int s_upgrade_one(void *arg, verso_val key, verso_val val)
{
    s_upgrade *u = arg;
    verso_tm_entry e;
    if (key.len != 8 || verso_tm_record_decode(u->t, val, verso_be_get64(key.data), &e))
        return u->corrupt++, 0;
    u->err = verso_tm_index_entry(u->t, &e, NULL, NULL, true);
    if (!u->err)
        u->err = s_pair_add(u->t, e.tm_id, e.src_lang, e.tgt_lang, 1);
    return u->err != VERSO_OK;
}

typedef struct s_keys {
    verso_buf keys; /* (len u32, bytes)... as a list (tm.h) */
    verso_err err;
} s_keys;

static int s_pair_key_one(void *arg, verso_val key, verso_val val)
{
    (void)val;
    s_keys *k = arg;
    if (key.len < 4 || memcmp(key.data, "pair", 4))
        return 1;
    return (k->err = verso_tm_list_add(&k->keys, (verso_str){key.data, key.len})) != VERSO_OK;
}

/* Removes every per-pair counter (they are rebuilt from the entries). */
static verso_err s_pairs_clear(verso_txn *t)
{
    s_keys k = {{0}, VERSO_OK};
    verso_buf_init(&k.keys, (size_t)1 << 30);
    verso_err err = verso_store_each(t, VERSO_DB_META, "pair", 4, s_pair_key_one, &k);
    err = err ? err : k.err;
    verso_str list = {k.keys.data, k.keys.len}, key;
    while (!err && verso_tm_list_next(&list, &key))
        err = verso_store_del(t, VERSO_DB_META, key.p, key.n, NULL, 0);
    verso_buf_fini(&k.keys);
    return err;
}

/* The ids of records older than version 4, a batch at a time. */
typedef struct s_old {
    uint64_t ids[4096];
    size_t n;
    uint64_t last; /* the last key walked */
    bool more;     /* the walk stopped with the batch full */
} s_old;

static int s_old_one(void *arg, verso_val key, verso_val val)
{
    s_old *o = arg;
    if (key.len != 8)
        return 0;
    o->last = verso_be_get64(key.data);
    if (val.len && *(const unsigned char *)val.data < S_REC_VERSION)
        o->ids[o->n++] = o->last;
    return (o->more = o->n == sizeof o->ids / sizeof o->ids[0]);
}

/* Rewrites every entry record of versions 1-3 as version 4 (the walk
 * collects a batch of ids, then they are rewritten: a walk does not write
 * the database it reads). A corrupt record is left as it is. */
static verso_err s_rewrite_old(verso_txn *t)
{
    s_old *o = malloc(sizeof *o);
    verso_err err = o ? VERSO_OK : VERSO_ENOMEM;
    unsigned char from[8];
    for (uint64_t next = 0; !err;) {
        o->n = 0;
        o->more = false;
        verso_be_put64(from, next);
        err = verso_store_each(t, VERSO_DB_ENTRIES, from, 8, s_old_one, o);
        for (size_t i = 0; i < o->n && !err; i++) {
            verso_tm_entry e;
            verso_err bad = verso_tm_get(t, o->ids[i], &e);
            err = bad == VERSO_ESTORE ? VERSO_OK : bad ? bad : s_put_record(t, &e);
        }
        if (!o->more || o->last == UINT64_MAX)
            break;
        next = o->last + 1;
    }
    free(o);
    return err;
}

verso_err verso_tm_upgrade(verso_txn *t)
{
    /* The walk reads entries while the index, another database, is written. */
    s_upgrade u = {t, 0, VERSO_OK};
    unsigned char zero[8] = {0};
    verso_err err = verso_store_clear(t, VERSO_DB_MATCH);
    err = err ? err : verso_store_put(t, VERSO_DB_META, "match_n", 7, zero, 8);
    err = err ? err : verso_store_clear(t, VERSO_DB_MATCH_RECENT);
    err = err ? err : verso_tmfuzzy_reset(t);
    err = err ? err : s_pairs_clear(t);
    err = err ? err : verso_store_each(t, VERSO_DB_ENTRIES, NULL, 0, s_upgrade_one, &u);
    err = err ? err : u.err;
    err = err ? err : verso_tmfuzzy_flush(t);
    err = err ? err : s_rewrite_old(t);
    if (err)
        verso_tmfuzzy_discard(t);
    if (u.corrupt)
        verso_log(VERSO_LOG_WARN, "%zu corrupt entry record(s) left out of the index", u.corrupt);
    return err ? err : verso_store_upgraded(t);
}

verso_err verso_tm_last_id(verso_txn *t, uint64_t *id)
{
    return verso_tm_meta_u64(t, "next_id", 7, id);
}

verso_err verso_tm_last_change(verso_txn *t, uint64_t *seq)
{
    return verso_tm_meta_u64(t, "next_seq", 8, seq);
}
