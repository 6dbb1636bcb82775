/*
 * fuzzidx.c - token postings and candidate retrieval for fuzzy matching;
 * see fuzzidx.h and docs/MATCHING.md §8 (layout, proof of no miss).
 *
 * Records of the POSTINGS database: a token's postings under one
 * (TM, directed pair), in blocks of at most S_BLOCK_POSTINGS postings and
 * S_BLOCK_BYTES bytes, in entry id order:
 *   key    tm_id u32 | directed pair hash u32 | token id u32 | lower u64
 *          (20 bytes, big-endian; the first block's lower is 0, a later
 *          block's is the id of its first posting when it was made)
 *   value  format u8 (1) | n | df | min_len | max_len      (varints)
 *          then n postings: id - previous id (the first: - lower) | side's
 *          token count | side's signature u32 (little-endian)
 * df, in the last block only (0 in the others; schema 8 kept it in the
 * first), is the token's postings in all its blocks: one read (the floor
 * of the token's greatest key) orders the probes. min_len and max_len let
 * a length range skip a block without decoding it. A posting belongs to
 * the block of the greatest lower <= its id, so new entries, whose ids are
 * the highest, go to the end of the last block: posting them rewrites the
 * last block of each token it touches, and no other (its df with it).
 */
#include "fuzzidx.h"

#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fuzzy.h"
#include "varint.h"

#define S_KEY            20
#define S_FORMAT         1
#define S_BLOCK_POSTINGS 128  /* postings a block is made with, at most */
#define S_BLOCK_BYTES    900  /* bytes of a block's postings, at most: 4 full blocks a page */
#define S_READ_POSTINGS  4096 /* a block read may hold this many (no more: corrupt) */
#define S_POSTING_MAX    (VERSO_VARINT_MAX + 3 + 4) /* an encoded posting, at most */
#define S_HEAD_MAX       (1 + 4 * VERSO_VARINT_MAX)
#define S_STACK          256 /* distinct ids sorted on the stack up to this many */
#define S_MIN_SLOT       1024
#define S_BATCH_KEEP     65536 /* records a batch keeps room for once put (1.5 MiB) */
/* What verifying a candidate costs (a token record read from the store, an
 * edit distance), in postings decoded: the refinement reads a further
 * token's postings while they are fewer than this many per live candidate.
 * An estimate of cost only (release build, this machine): any value keeps
 * the candidates complete. */
#define S_VERIFY_POSTINGS 48

static void s_key(unsigned char k[S_KEY], uint32_t tm_id, uint32_t pair, uint32_t tok,
                  uint64_t lower)
{
    verso_be_put32(k, tm_id);
    verso_be_put32(k + 4, pair);
    verso_be_put32(k + 8, tok);
    verso_be_put64(k + 12, lower);
}

unsigned verso_fuzzidx_sig_bit(uint32_t id)
{
    return (unsigned)((id * 0x9e3779b1u) >> 27); /* token ids are hashes already: mix, top 5 bits */
}

uint32_t verso_fuzzidx_sig(const uint32_t *ids, size_t n)
{
    uint32_t sig = 0;
    for (size_t i = 0; i < n; i++)
        sig |= (uint32_t)1 << verso_fuzzidx_sig_bit(ids[i]);
    return sig;
}

static uint32_t s_cap(size_t n)
{
    return n > VERSO_FUZZIDX_MAX_LEN ? VERSO_FUZZIDX_MAX_LEN : (uint32_t)n;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v[0..n): insertion sort for the few ids of a sentence (libc's
 * qsort allocates), qsort past that. */
static void s_sort_u32(uint32_t *v, size_t n)
{
    if (n > 48) {
        qsort(v, n, sizeof *v, s_cmp_u32);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* ---- blocks ----------------------------------------------------------------- */

typedef struct s_posting {
    uint64_t id;
    uint32_t len, sig;
} s_posting;

/* A block being read: its header, and a cursor over its postings. */
typedef struct s_block {
    uint64_t lower, df, prev;
    uint32_t min_len, max_len;
    size_t n, left;
    const unsigned char *p, *end;
} s_block;

static uint64_t s_key_lower(verso_val key)
{
    return verso_be_get64((const unsigned char *)key.data + 12);
}

/* Reads the header of the block (key, val). ESTORE when it is not one. */
static verso_err s_open(verso_val key, verso_val val, s_block *b)
{
    const unsigned char *p = val.data, *end = p + val.len;
    uint64_t h[4];
    if (key.len != S_KEY || val.len < 1 || *p++ != S_FORMAT)
        return VERSO_ESTORE;
    for (int i = 0; i < 4; i++) {
        size_t k = verso_varint_get(p, end, &h[i]);
        if (!k)
            return VERSO_ESTORE;
        p += k;
    }
    if (h[0] > S_READ_POSTINGS || h[2] > h[3] || h[3] > VERSO_FUZZIDX_MAX_LEN)
        return VERSO_ESTORE;
    *b = (s_block){s_key_lower(key),
                   h[1],
                   s_key_lower(key),
                   (uint32_t)h[2],
                   (uint32_t)h[3],
                   (size_t)h[0],
                   (size_t)h[0],
                   p,
                   end};
    return VERSO_OK;
}

/* The block's next posting into *out. ESTORE when it does not decode: ids
 * must rise (the first may equal lower), lengths lie in [min_len, max_len]. */
static verso_err s_next(s_block *b, s_posting *out)
{
    uint64_t d, len;
    size_t k = verso_varint_get(b->p, b->end, &d), k2;
    if (!k || !(k2 = verso_varint_get(b->p + k, b->end, &len)) || b->end - (b->p + k + k2) < 4 ||
        (d == 0 && b->left != b->n) || d > UINT64_MAX - b->prev || len < b->min_len ||
        len > b->max_len)
        return VERSO_ESTORE;
    const unsigned char *s = b->p + k + k2;
    out->id = b->prev += d;
    out->len = (uint32_t)len;
    out->sig = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
    b->p = s + 4;
    b->left--;
    return VERSO_OK;
}

/* A token's postings being rewritten (write side): decoded, then encoded
 * again. Owned by the batch or by one put/del call. */
typedef struct s_list {
    s_posting *v;
    size_t n, cap;
} s_list;

static void s_list_free(s_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Appends the postings of block (key, val) to l. */
static verso_err s_list_read(s_list *l, verso_val key, verso_val val, s_block *b)
{
    verso_err err = s_open(key, val, b);
    if (!err && verso_array_grow(&l->v, &l->cap, l->n + b->n, sizeof *l->v))
        err = VERSO_ENOMEM;
    while (!err && b->left)
        err = s_next(b, &l->v[l->n++]);
    return err;
}

/* Encodes v[0..n) (ids rising) as one block of key lower into buf (room
 * for S_HEAD_MAX + S_BLOCK_BYTES + S_POSTING_MAX); returns its bytes. */
static size_t s_encode(uint64_t lower, uint64_t df, const s_posting *v, size_t n,
                       unsigned char *buf)
{
    uint32_t lo = n ? v[0].len : 0, hi = lo;
    for (size_t i = 1; i < n; i++) {
        lo = v[i].len < lo ? v[i].len : lo;
        hi = v[i].len > hi ? v[i].len : hi;
    }
    size_t at = 0;
    buf[at++] = S_FORMAT;
    at += verso_varint_put(buf + at, n);
    at += verso_varint_put(buf + at, df);
    at += verso_varint_put(buf + at, lo);
    at += verso_varint_put(buf + at, hi);
    for (size_t i = 0; i < n; i++) {
        at += verso_varint_put(buf + at, v[i].id - (i ? v[i - 1].id : lower));
        at += verso_varint_put(buf + at, v[i].len);
        for (int b = 0; b < 4; b++)
            buf[at++] = (unsigned char)(v[i].sig >> (8 * b));
    }
    return at;
}

/* The bytes posting i of v takes after posting i - 1 (or after lower). */
static size_t s_posting_bytes(const s_posting *v, size_t i, uint64_t lower)
{
    return verso_varint_len(v[i].id - (i ? v[i - 1].id : lower)) + verso_varint_len(v[i].len) + 4;
}

/* Writes v[0..n) as the blocks of a token from key lower on: the first
 * under lower, then as many more as the limits need, each under its first
 * id; last: they end the token, and the final one carries df (else every
 * one has 0). n == 0 writes an empty block (the first block of a token
 * whose postings are all in later blocks). */
static verso_err s_write(verso_txn *t, const unsigned char prefix[12], uint64_t lower, uint64_t df,
                         bool last, const s_posting *v, size_t n)
{
    unsigned char k[S_KEY], buf[S_HEAD_MAX + S_BLOCK_BYTES + S_POSTING_MAX];
    memcpy(k, prefix, 12);
    size_t i = 0;
    verso_err err = VERSO_OK;
    do {
        uint64_t at = i ? v[i].id : lower;
        size_t j = i, bytes = 0;
        while (j < n && j - i < S_BLOCK_POSTINGS &&
               bytes + s_posting_bytes(v + i, j - i, at) <= S_BLOCK_BYTES)
            bytes += s_posting_bytes(v + i, j - i, at), j++;
        verso_be_put64(k + 12, at);
        size_t len = s_encode(at, last && j == n ? df : 0, v + i, j - i, buf);
        err = verso_store_put(t, VERSO_DB_POSTINGS, k, S_KEY, buf, len);
        i = j;
    } while (!err && i < n);
    return err;
}

/* The token's last block (the floor of its greatest key): ENOTFOUND when
 * the token has none. */
static verso_err s_last_block(verso_txn *t, const unsigned char prefix[12], verso_val *k,
                              verso_val *v)
{
    unsigned char key[S_KEY];
    memcpy(key, prefix, 12);
    verso_be_put64(key + 12, UINT64_MAX);
    verso_err err = verso_store_floor(t, VERSO_DB_POSTINGS, key, S_KEY, k, v);
    if (!err && (k->len != S_KEY || memcmp(k->data, prefix, 12)))
        err = VERSO_ENOTFOUND; /* another token's */
    return err;
}

/* The last block's df, *has whether the token has any block. */
static verso_err s_df_all(verso_txn *t, const unsigned char prefix[12], uint64_t *df, bool *has)
{
    verso_val k, v;
    s_block b;
    verso_err err = s_last_block(t, prefix, &k, &v);
    *df = 0;
    *has = err == VERSO_OK;
    if (err == VERSO_ENOTFOUND)
        return VERSO_OK;
    err = err ? err : s_open(k, v, &b);
    if (!err)
        *df = b.df;
    return err;
}

/* Rewrites the last block of the token with df (its postings as they are). */
static verso_err s_set_df(verso_txn *t, s_list *l, const unsigned char prefix[12], uint64_t df)
{
    verso_val k, v;
    s_block b;
    l->n = 0;
    verso_err err = s_last_block(t, prefix, &k, &v);
    err = err ? err : s_list_read(l, k, v, &b);
    return err ? err : s_write(t, prefix, b.lower, df, true, l->v, l->n);
}

/* The block holding id (the greatest lower <= id): its postings into l,
 * *lower its key, *next the lower of the block after it (UINT64_MAX: none). */
static verso_err s_block_of(verso_txn *t, s_list *l, const unsigned char prefix[12], uint64_t id,
                            uint64_t *lower, uint64_t *next)
{
    unsigned char k[S_KEY], to[S_KEY];
    memcpy(k, prefix, 12);
    verso_be_put64(k + 12, id);
    verso_val fk, fv;
    s_block b;
    l->n = 0;
    *next = UINT64_MAX;
    verso_err err = verso_store_floor(t, VERSO_DB_POSTINGS, k, S_KEY, &fk, &fv);
    if (!err && (fk.len != S_KEY || memcmp(fk.data, prefix, 12)))
        err = VERSO_ESTORE; /* the first block (lower 0) is there: a floor is too */
    err = err ? err : s_list_read(l, fk, fv, &b);
    if (err)
        return err;
    *lower = b.lower;
    if (b.lower == UINT64_MAX)
        return VERSO_OK;
    verso_be_put64(k + 12, b.lower + 1);
    memcpy(to, prefix, 12);
    verso_be_put64(to + 12, UINT64_MAX);
    verso_val nk;
    err = verso_store_first(t, VERSO_DB_POSTINGS, k, to, S_KEY, &nk);
    if (!err)
        *next = s_key_lower(nk);
    return err == VERSO_ENOTFOUND ? VERSO_OK : err;
}

/* Adds the postings r[0..n) (ids rising, distinct) to the token of prefix;
 * those there already are skipped. */
static verso_err s_insert(verso_txn *t, s_list *l, const unsigned char prefix[12],
                          const s_posting *r, size_t n)
{
    uint64_t df;
    bool has;
    verso_err err = s_df_all(t, prefix, &df, &has);
    if (err || !has)
        return err ? err : s_write(t, prefix, 0, n, true, r, n);
    uint64_t start = df;
    bool last_written = false;
    for (size_t i = 0; i < n && !err;) {
        uint64_t lower, next;
        if ((err = s_block_of(t, l, prefix, r[i].id, &lower, &next)))
            break;
        size_t j = i, old = l->n, added = 0;
        while (j < n && r[j].id < next)
            j++;
        if (verso_array_grow(&l->v, &l->cap, old + (j - i), sizeof *l->v)) {
            err = VERSO_ENOMEM;
            break;
        }
        /* merge from the back: l->v[0..old) and r[i..j), both rising */
        size_t a = old, b = j, out = old + (j - i);
        while (b > i) {
            if (a && l->v[a - 1].id > r[b - 1].id)
                l->v[--out] = l->v[--a];
            else if (a && l->v[a - 1].id == r[b - 1].id)
                b--; /* there already */
            else
                l->v[--out] = r[--b], added++;
        }
        if (out > a) /* skipped duplicates left a gap at the front of the tail */
            memmove(l->v + a, l->v + out, (old + (j - i) - out) * sizeof *l->v);
        l->n = old + added;
        df += added;
        /* blocks come in id order: the last one, if touched, comes last */
        last_written = next == UINT64_MAX;
        err = s_write(t, prefix, lower, df, last_written, l->v, l->n);
        i = j;
    }
    if (!err && df != start && !last_written)
        err = s_set_df(t, l, prefix, df);
    return err;
}

/* Removes the posting of id from the token of prefix, if it is there. */
static verso_err s_remove(verso_txn *t, s_list *l, const unsigned char prefix[12], uint64_t id)
{
    uint64_t df, lower, next;
    bool has;
    verso_err err = s_df_all(t, prefix, &df, &has);
    if (err || !has)
        return err;
    if ((err = s_block_of(t, l, prefix, id, &lower, &next)))
        return err;
    size_t i = 0;
    while (i < l->n && l->v[i].id != id)
        i++;
    if (i == l->n)
        return VERSO_OK;
    memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
    l->n--;
    df = df ? df - 1 : 0;
    unsigned char k[S_KEY];
    memcpy(k, prefix, 12);
    verso_be_put64(k + 12, lower);
    if (!df) { /* the token's last posting: no block stays */
        err = verso_store_del(t, VERSO_DB_POSTINGS, k, S_KEY, NULL, 0);
        verso_be_put64(k + 12, 0);
        if (!err && lower)
            err = verso_store_del(t, VERSO_DB_POSTINGS, k, S_KEY, NULL, 0);
        return err == VERSO_ENOTFOUND ? VERSO_OK : err;
    }
    bool last = next == UINT64_MAX;
    if (!l->n && lower) /* an emptied block goes; the one before may become the last */
        err = verso_store_del(t, VERSO_DB_POSTINGS, k, S_KEY, NULL, 0), last = false;
    else
        err = s_write(t, prefix, lower, df, last, l->v, l->n);
    return err || last ? err : s_set_df(t, l, prefix, df);
}

static void s_prefix(unsigned char prefix[12], uint32_t tm_id, uint32_t pair, uint32_t tok)
{
    verso_be_put32(prefix, tm_id);
    verso_be_put32(prefix + 4, pair);
    verso_be_put32(prefix + 8, tok);
}

/* Writes (put) or removes (!put) the postings of one side. */
static verso_err s_postings(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id, int put)
{
    if (n && !ids)
        return VERSO_EINVAL;
    uint32_t stack[S_STACK], *d = n <= S_STACK ? stack : malloc(n * sizeof *d);
    if (!d)
        return VERSO_ENOMEM;
    memcpy(d, ids, n * sizeof *d);
    s_sort_u32(d, n);
    s_posting p = {entry_id, s_cap(n), verso_fuzzidx_sig(ids, n)};
    s_list l = {0};
    unsigned char prefix[12];
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < n && !err; i++) {
        if (i && d[i] == d[i - 1])
            continue;
        s_prefix(prefix, tm_id, pair, d[i]);
        err = put ? s_insert(t, &l, prefix, &p, 1) : s_remove(t, &l, prefix, entry_id);
    }
    s_list_free(&l);
    if (d != stack)
        free(d);
    return err;
}

verso_err verso_fuzzidx_put(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id)
{
    return s_postings(t, tm_id, pair, ids, n, entry_id, 1);
}

verso_err verso_fuzzidx_del(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id)
{
    return s_postings(t, tm_id, pair, ids, n, entry_id, 0);
}

/* ---- queued postings ------------------------------------------------------ */

void verso_fuzzidx_batch_init(verso_fuzzidx_batch *b)
{
    memset(b, 0, sizeof *b);
}

void verso_fuzzidx_batch_fini(verso_fuzzidx_batch *b)
{
    s_list *l = b->list;
    if (l) {
        s_list_free(&l[0]);
        s_list_free(&l[1]);
        free(l);
    }
    free(b->v);
    free(b->tmp_v);
    free(b->pairs);
    free(b->rank);
    free(b->sorted);
    free(b->tmp);
    memset(b, 0, sizeof *b);
}

void verso_fuzzidx_batch_clear(verso_fuzzidx_batch *b)
{
    b->n = b->npairs = 0;
}

/* The index of (tm_id, pair) in b->pairs, added when new. A batch holds a
 * few pairs: the last one found is tried first. */
static verso_err s_pair_index(verso_fuzzidx_batch *b, uint64_t key, uint64_t *idx)
{
    for (size_t i = b->npairs; i-- > 0;)
        if (b->pairs[i] == key)
            return (*idx = i), VERSO_OK;
    if (b->npairs == VERSO_FUZZIDX_BATCH_PAIRS)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&b->pairs, &b->pairs_cap, b->npairs + 1, sizeof *b->pairs))
        return VERSO_ENOMEM;
    b->pairs[b->npairs] = key;
    *idx = b->npairs++;
    return VERSO_OK;
}

verso_err verso_fuzzidx_batch_add(verso_fuzzidx_batch *b, uint32_t tm_id, uint32_t pair,
                                  const uint32_t *ids, size_t n, uint64_t entry_id)
{
    uint64_t pi;
    if (!n)
        return VERSO_OK;
    verso_err err = s_pair_index(b, (uint64_t)tm_id << 32 | pair, &pi);
    if (err)
        return err;
    if (verso_array_grow(&b->tmp, &b->tmp_cap, n, sizeof *b->tmp) ||
        verso_array_grow(&b->v, &b->cap, b->n + n, sizeof *b->v))
        return VERSO_ENOMEM;
    memcpy(b->tmp, ids, n * sizeof *ids);
    s_sort_u32(b->tmp, n);
    uint32_t len = s_cap(n), sig = verso_fuzzidx_sig(ids, n);
    for (size_t i = 0; i < n; i++)
        if (!i || b->tmp[i] != b->tmp[i - 1])
            b->v[b->n++] = (verso_fuzzidx_rec){pi << 32 | b->tmp[i], entry_id, len, sig};
    return VERSO_OK;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The index of x in the sorted v[0..n) (x is there). */
static size_t s_rank(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One stable counting pass on byte `shift / 8` of the sort field: from
 * src into dst, by the counts in cnt (256 of them). */
static void s_radix_pass(const verso_fuzzidx_rec *src, verso_fuzzidx_rec *dst, size_t n,
                         unsigned shift, const size_t *cnt)
{
    size_t at[256];
    for (size_t d = 0, sum = 0; d < 256; d++)
        at[d] = sum, sum += cnt[d];
    for (size_t i = 0; i < n; i++)
        dst[at[(src[i].sort >> shift) & 0xff]++] = src[i];
}

/* Sorts b->v by the sort field (LSD radix, stable: records of one key keep
 * their order), skipping the bytes all records share. The pair indices are
 * first renumbered in (tm_id, pair) order, so that the field's order is the
 * order of the store's keys. */
static verso_err s_batch_sort(verso_fuzzidx_batch *b)
{
    if (verso_array_grow(&b->tmp_v, &b->tmp_v_cap, b->n, sizeof *b->tmp_v) ||
        verso_array_grow(&b->rank, &b->rank_cap, b->npairs, sizeof *b->rank) ||
        verso_array_grow(&b->sorted, &b->sorted_cap, b->npairs, sizeof *b->sorted))
        return VERSO_ENOMEM;
    memcpy(b->sorted, b->pairs, b->npairs * sizeof *b->pairs);
    qsort(b->sorted, b->npairs, sizeof *b->sorted, s_cmp_u64);
    for (size_t i = 0; i < b->npairs; i++) /* pairs are distinct: ranks are too */
        b->rank[i] = (uint16_t)s_rank(b->sorted, b->npairs, b->pairs[i]);
    size_t(*cnt)[256] = b->cnt;
    memset(b->cnt, 0, sizeof b->cnt);
    for (size_t i = 0; i < b->n; i++) {
        uint64_t s = b->v[i].sort;
        s = (uint64_t)b->rank[s >> 32] << 32 | (s & 0xffffffffu);
        b->v[i].sort = s;
        for (unsigned d = 0; d < 8; d++)
            cnt[d][(s >> (8 * d)) & 0xff]++;
    }
    for (unsigned d = 0; d < 8 && b->n; d++) {
        if (cnt[d][(b->v[0].sort >> (8 * d)) & 0xff] == b->n)
            continue; /* every record has this byte */
        s_radix_pass(b->v, b->tmp_v, b->n, 8 * d, cnt[d]);
        verso_fuzzidx_rec *x = b->v;
        b->v = b->tmp_v, b->tmp_v = x;
        size_t c = b->cap;
        b->cap = b->tmp_v_cap, b->tmp_v_cap = c;
    }
    return VERSO_OK;
}

static int s_cmp_posting(const void *a, const void *b)
{
    uint64_t x = ((const s_posting *)a)->id, y = ((const s_posting *)b)->id;
    return (x > y) - (x < y);
}

/* The postings of one key's records r[0..n) into l (ids rising, distinct). */
static verso_err s_run(const verso_fuzzidx_rec *r, size_t n, s_list *l)
{
    if (verso_array_grow(&l->v, &l->cap, n, sizeof *l->v))
        return VERSO_ENOMEM;
    bool rising = true;
    for (size_t i = 0; i < n; i++) {
        l->v[i] = (s_posting){r[i].id, r[i].len, r[i].sig};
        rising &= !i || r[i].id > r[i - 1].id;
    }
    l->n = n;
    if (rising)
        return VERSO_OK;
    qsort(l->v, n, sizeof *l->v, s_cmp_posting);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (!d || l->v[d - 1].id != l->v[i].id)
            l->v[d++] = l->v[i];
    l->n = d;
    return VERSO_OK;
}

verso_err verso_fuzzidx_batch_put(verso_txn *t, verso_fuzzidx_batch *b)
{
    verso_err err = b->n ? s_batch_sort(b) : VERSO_OK;
    s_list *l = b->list;
    if (!err && b->n && !l && !(l = b->list = calloc(2, sizeof *l)))
        err = VERSO_ENOMEM;
    for (size_t i = 0, j; i < b->n && !err; i = j) { /* each key's run, in key order */
        uint64_t s = b->v[i].sort, pk = b->sorted[s >> 32];
        for (j = i + 1; j < b->n && b->v[j].sort == s;)
            j++;
        unsigned char prefix[12];
        s_prefix(prefix, (uint32_t)(pk >> 32), (uint32_t)pk, (uint32_t)s);
        err = s_run(b->v + i, j - i, &l[0]);
        err = err ? err : s_insert(t, &l[1], prefix, l[0].v, l[0].n);
    }
    verso_fuzzidx_batch_clear(b);
    if (b->cap > S_BATCH_KEEP ||
        b->tmp_v_cap > S_BATCH_KEEP) { /* a bulk post's arrays: back to the system, not kept */
        free(b->v);
        free(b->tmp_v);
        b->v = b->tmp_v = NULL;
        b->cap = b->tmp_v_cap = 0;
    }
    return err;
}

/* ---- reading one token's postings ------------------------------------------ */

/* A walk over a token's postings of lengths in [lo, hi]: fn(arg, posting)
 * for each until it returns nonzero; blocks outside the range are skipped
 * on their header. */
typedef struct s_walk {
    uint32_t lo, hi;
    int (*fn)(void *arg, const s_posting *p);
    void *arg;
    uint64_t postings; /* decoded */
    verso_err err;
} s_walk;

static int s_walk_block(void *arg, verso_val key, verso_val val)
{
    s_walk *w = arg;
    s_block b;
    s_posting p;
    if ((w->err = s_open(key, val, &b)))
        return 1;
    if (!b.n || b.max_len < w->lo || b.min_len > w->hi)
        return 0;
    w->postings += b.n;
    while (b.left) {
        if ((w->err = s_next(&b, &p)))
            return 1;
        if (p.len >= w->lo && p.len <= w->hi && w->fn(w->arg, &p))
            return 1;
    }
    return 0;
}

static verso_err s_walk_token(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok, s_walk *w)
{
    unsigned char from[S_KEY], to[S_KEY];
    s_key(from, tm_id, pair, tok, 0);
    s_key(to, tm_id, pair, tok, UINT64_MAX);
    verso_err err = verso_store_range(t, VERSO_DB_POSTINGS, from, to, S_KEY, s_walk_block, w);
    return err ? err : w->err;
}

verso_err verso_fuzzidx_df(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok, size_t *df)
{
    unsigned char prefix[12];
    uint64_t n;
    bool has;
    s_prefix(prefix, tm_id, pair, tok);
    verso_err err = s_df_all(t, prefix, &n, &has);
    *df = err ? 0 : (size_t)n;
    return err;
}

typedef struct s_each {
    int (*fn)(void *arg, uint64_t id, uint32_t len);
    void *arg;
    uint32_t sig_all;
} s_each;

static int s_each_one(void *arg, const s_posting *p)
{
    s_each *e = arg;
    return (p->sig & e->sig_all) == e->sig_all && e->fn(e->arg, p->id, p->len);
}

verso_err verso_fuzzidx_each(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok,
                             uint32_t min_len, uint32_t sig_all,
                             int (*fn)(void *arg, uint64_t id, uint32_t len), void *arg)
{
    s_each e = {fn, arg, sig_all};
    s_walk w = {s_cap(min_len), VERSO_FUZZIDX_MAX_LEN, s_each_one, &e, 0, VERSO_OK};
    return s_walk_token(t, tm_id, pair, tok, &w);
}

typedef struct s_all {
    int (*fn)(void *arg, uint32_t pair, uint32_t tok, uint64_t id, uint32_t len, uint32_t sig);
    void *arg;
    verso_err err;
} s_all;

static int s_all_block(void *arg, verso_val key, verso_val val)
{
    s_all *a = arg;
    s_block b;
    s_posting p;
    const unsigned char *k = key.data;
    if ((a->err = s_open(key, val, &b)))
        return 1;
    while (b.left) {
        if ((a->err = s_next(&b, &p)))
            return 1;
        if (a->fn(a->arg, verso_be_get32(k + 4), verso_be_get32(k + 8), p.id, p.len, p.sig))
            return 1;
    }
    return 0;
}

verso_err verso_fuzzidx_walk(verso_txn *t, uint32_t tm_id,
                             int (*fn)(void *arg, uint32_t pair, uint32_t tok, uint64_t id,
                                       uint32_t len, uint32_t sig),
                             void *arg)
{
    unsigned char from[S_KEY], to[S_KEY];
    s_key(from, tm_id, 0, 0, 0);
    s_key(to, tm_id, UINT32_MAX, UINT32_MAX, UINT64_MAX);
    s_all a = {fn, arg, VERSO_OK};
    verso_err err = verso_store_range(t, VERSO_DB_POSTINGS, from, to, S_KEY, s_all_block, &a);
    return err ? err : a.err;
}

/* ---- scratch --------------------------------------------------------------- */

void verso_fuzzidx_init(verso_fuzzidx *x, size_t max_cands)
{
    memset(x, 0, sizeof *x);
    x->max_cands = max_cands ? max_cands : VERSO_FUZZIDX_MAX_CANDS;
    if (x->max_cands > (size_t)1 << 30)
        x->max_cands = (size_t)1 << 30;
}

void verso_fuzzidx_fini(verso_fuzzidx *x)
{
    free(x->toks);
    free(x->slots);
    free(x->cands);
    free(x->cand_slot);
    size_t max = x->max_cands;
    memset(x, 0, sizeof *x);
    x->max_cands = max;
}

static size_t s_slot_of(uint64_t id, size_t nslots)
{
    return (size_t)((id * 0x9e3779b97f4a7c15u) >> 32) & (nslots - 1);
}

/* Doubles the table (or makes the first one) and re-inserts the candidates. */
static verso_err s_grow_slots(verso_fuzzidx *x)
{
    size_t n = x->nslots ? x->nslots * 2 : S_MIN_SLOT;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return VERSO_ENOMEM;
    for (size_t i = 0; i < x->ncands; i++) {
        size_t s = s_slot_of(x->cands[i].id, n);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = (uint32_t)i + 1;
        x->cand_slot[i] = (uint32_t)s;
    }
    free(x->slots);
    x->slots = slots;
    x->nslots = n;
    return VERSO_OK;
}

static verso_err s_grow_cands(verso_fuzzidx *x)
{
    size_t n = x->cands_cap ? x->cands_cap * 2 : S_MIN_SLOT / 2;
    if (n > x->max_cands)
        n = x->max_cands;
    verso_fuzzidx_cand *c = realloc(x->cands, n * sizeof *c);
    if (!c)
        return VERSO_ENOMEM;
    x->cands = c;
    uint32_t *cs = realloc(x->cand_slot, n * sizeof *cs);
    if (!cs)
        return VERSO_ENOMEM;
    x->cand_slot = cs;
    x->cands_cap = n;
    return VERSO_OK;
}

/* Adds hits to entry id (len tokens), a new candidate if need be.
 * ETOOBIG past the cap. */
static verso_err s_hit(verso_fuzzidx *x, uint64_t id, uint32_t len, uint32_t hits, uint32_t sig)
{
    size_t s = s_slot_of(id, x->nslots);
    for (; x->slots[s]; s = (s + 1) & (x->nslots - 1)) {
        verso_fuzzidx_cand *c = &x->cands[x->slots[s] - 1];
        if (c->id == id) {
            c->hits += hits;
            return VERSO_OK;
        }
    }
    if (x->ncands == x->max_cands)
        return VERSO_ETOOBIG;
    verso_err err = x->ncands == x->cands_cap ? s_grow_cands(x) : VERSO_OK;
    if (err)
        return err;
    x->cands[x->ncands] = (verso_fuzzidx_cand){id, sig, len, hits, 0};
    x->cand_slot[x->ncands] = (uint32_t)s;
    x->slots[s] = (uint32_t)++x->ncands;
    /* At most half full: probe runs stay short. */
    return x->ncands * 2 > x->nslots ? s_grow_slots(x) : VERSO_OK;
}

/* Empties the table by its used slots alone (not the whole table). */
static void s_clear_slots(verso_fuzzidx *x)
{
    for (size_t i = 0; i < x->ncands; i++)
        x->slots[x->cand_slot[i]] = 0;
}

/* ---- candidates ------------------------------------------------------------ */

/* The query's distinct tokens with their multiplicities, into x->toks. */
static verso_err s_distinct(verso_fuzzidx *x, const uint32_t *q, size_t m, size_t *nd)
{
    if (m > x->toks_cap) {
        verso_fuzzidx_tok *n = realloc(x->toks, m * sizeof *n);
        if (!n)
            return VERSO_ENOMEM;
        x->toks = n;
        x->toks_cap = m;
    }
    for (size_t i = 0; i < m; i++)
        x->toks[i] = (verso_fuzzidx_tok){q[i], 1, 0};
    qsort(x->toks, m, sizeof *x->toks, s_cmp_u32); /* id is the first member */
    size_t d = 0;
    for (size_t i = 0; i < m; i++) {
        if (d && x->toks[d - 1].id == x->toks[i].id)
            x->toks[d - 1].qcount++;
        else
            x->toks[d++] = x->toks[i];
    }
    *nd = d;
    return VERSO_OK;
}

/* Rarest first; ties by id, so equal ids stay together and the order is a
 * fixed total order on ids for the query. */
static int s_cmp_df(const void *a, const void *b)
{
    const verso_fuzzidx_tok *x = a, *y = b;
    if (x->df != y->df)
        return x->df < y->df ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

typedef struct s_probe {
    verso_fuzzidx *x;
    uint32_t qcount;
    verso_err err;
} s_probe;

static int s_probe_one(void *arg, const s_posting *p)
{
    s_probe *pr = arg;
    return (pr->err = s_hit(pr->x, p->id, p->len, pr->qcount, p->sig)) != VERSO_OK;
}

/* Reads the postings of the first nprobe tokens within [lo, hi]. */
static verso_err s_probe_all(verso_txn *t, verso_fuzzidx *x, uint32_t tm_id, uint32_t pair,
                             size_t nprobe, uint32_t lo, uint32_t hi, verso_fuzzidx_result *out)
{
    s_probe p = {x, 0, VERSO_OK};
    s_walk w = {lo, hi, s_probe_one, &p, 0, VERSO_OK};
    verso_err err = x->nslots ? VERSO_OK : s_grow_slots(x);
    for (size_t i = 0; i < nprobe && !err && !p.err; i++) {
        if (!x->toks[i].df)
            continue;
        p.qcount = x->toks[i].qcount;
        err = s_walk_token(t, tm_id, pair, x->toks[i].id, &w);
    }
    out->postings = w.postings;
    return p.err ? p.err : err;
}

/* Adds a further token's count to a candidate already met; entries not in
 * the table cannot reach the bound (prefix filtering) and stay out. */
static int s_count_one(void *arg, const s_posting *p)
{
    s_probe *pr = arg;
    verso_fuzzidx *x = pr->x;
    for (size_t s = s_slot_of(p->id, x->nslots); x->slots[s]; s = (s + 1) & (x->nslots - 1)) {
        verso_fuzzidx_cand *c = &x->cands[x->slots[s] - 1];
        if (c->id == p->id) {
            c->hits += pr->qcount;
            break;
        }
    }
    return 0;
}

/* Whether candidate c can still reach the overlap its length needs with
 * rest query positions not probed (the count bound, docs/MATCHING.md §8). */
static bool s_can_reach(const verso_fuzzidx_cand *c, size_t m, int min_score, size_t rest)
{
    size_t l = c->len > m ? c->len : m, need = verso_fuzzy_min_overlap(l, min_score);
    return c->hits + rest >= need && c->ub >= need;
}

/* The query positions whose token's signature bit is in sig: at least the
 * overlap of the query and a side of that signature. */
static uint32_t s_upper(const verso_fuzzidx *x, uint32_t sig)
{
    uint32_t ub = 0;
    for (uint32_t b = sig & x->qsig; b; b &= b - 1)
        ub += x->qweight[__builtin_ctz(b)];
    return ub;
}

/* The signature bits of the query and the positions behind each. */
static void s_query_sig(verso_fuzzidx *x, const uint32_t *q, size_t m)
{
    memset(x->qweight, 0, sizeof x->qweight);
    for (size_t i = 0; i < m; i++)
        x->qweight[verso_fuzzidx_sig_bit(q[i])]++;
    x->qsig = verso_fuzzidx_sig(q, m);
}

/* The candidates that can still reach the bound with rest positions not
 * probed. */
static size_t s_live(const verso_fuzzidx *x, size_t m, int min_score, size_t rest)
{
    size_t live = 0;
    for (size_t i = 0; i < x->ncands; i++)
        live += s_can_reach(&x->cands[i], m, min_score, rest);
    return live;
}

/* Step 4 of docs/MATCHING.md §8: reads the postings of further query
 * tokens, rarest first, adding to the hits of the candidates met, while a
 * token's postings are fewer than S_VERIFY_POSTINGS per live candidate
 * (reading them is then cheaper than verifying the candidates they may
 * rule out). Every token read makes the unprobed positions fewer; the
 * count bound stays lossless for any set of probed tokens. The live count
 * is taken again only once as many postings were read as it was: a stale
 * count is never below the true one (it may only read more), and counting
 * costs at most the postings read plus the candidates once. */
static verso_err s_refine(verso_txn *t, verso_fuzzidx *x, uint32_t tm_id, uint32_t pair, size_t nd,
                          size_t m, int min_score, uint32_t lo, uint32_t hi,
                          verso_fuzzidx_result *r)
{
    s_probe pr = {x, 0, VERSO_OK};
    s_walk w = {lo, hi, s_count_one, &pr, 0, VERSO_OK};
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < x->ncands; i++)
        x->cands[i].ub = s_upper(x, x->cands[i].sig);
    size_t live = s_live(x, m, min_score, m - r->probed_positions);
    uint64_t counted_at = 0; /* w.postings when live was counted */
    while (r->probed_tokens < nd && live) {
        const verso_fuzzidx_tok *tok = &x->toks[r->probed_tokens];
        if (tok->df / S_VERIFY_POSTINGS >= live)
            break;
        pr.qcount = tok->qcount;
        if ((err = s_walk_token(t, tm_id, pair, tok->id, &w)))
            break;
        r->probed_tokens++;
        r->probed_positions += tok->qcount;
        if (w.postings - counted_at >= live) {
            live = s_live(x, m, min_score, m - r->probed_positions);
            counted_at = w.postings;
        }
    }
    r->postings += w.postings;
    return err;
}

/* Keeps the candidates whose shared tokens can reach the overlap their
 * length needs: min(hits + the query positions not probed, ub) >=
 * ceil(L s / 100), with ub the signature bound (s_upper, set by s_refine). */
static void s_count_bound(verso_fuzzidx *x, size_t m, int min_score, size_t rest)
{
    size_t kept = 0;
    for (size_t i = 0; i < x->ncands; i++)
        if (s_can_reach(&x->cands[i], m, min_score, rest))
            x->cands[kept++] = x->cands[i];
    x->ncands = kept;
}

verso_err verso_fuzzidx_candidates(verso_txn *t, verso_fuzzidx *x, uint32_t tm_id, uint32_t pair,
                                   const uint32_t *q, size_t m, int min_score,
                                   verso_fuzzidx_result *out)
{
    if (min_score < 1 || min_score > 100 || (m && !q))
        return VERSO_EINVAL;
    verso_fuzzidx_result r = {0};
    r.cands = x->cands;
    r.min_overlap = verso_fuzzy_min_overlap(m, min_score);
    verso_fuzzy_len_range(m, min_score, &r.len_lo, &r.len_hi);
    if (!m) {
        r.flags = VERSO_FUZZIDX_NO_TOKENS;
        *out = r;
        return VERSO_OK;
    }
    size_t nd = 0, need = m - r.min_overlap + 1; /* t >= 1 here: need <= m */
    /* Capped lengths: a side of more than MAX_LEN tokens is stored as MAX_LEN. */
    uint32_t lo = s_cap(r.len_lo), hi = s_cap(r.len_hi);
    s_query_sig(x, q, m);
    verso_err err = s_distinct(x, q, m, &nd);
    for (size_t i = 0; i < nd && !err; i++) /* df: all lengths (any order is lossless) */
        err = verso_fuzzidx_df(t, tm_id, pair, x->toks[i].id, &x->toks[i].df);
    if (err)
        return err;
    qsort(x->toks, nd, sizeof *x->toks, s_cmp_df);
    while (r.probed_positions < need)
        r.probed_positions += x->toks[r.probed_tokens++].qcount;
    err = s_probe_all(t, x, tm_id, pair, r.probed_tokens, lo, hi, &r);
    r.seen = x->ncands;
    if (!err)
        err = s_refine(t, x, tm_id, pair, nd, m, min_score, lo, hi, &r);
    s_clear_slots(x);
    if (err == VERSO_ETOOBIG) {
        r.flags = VERSO_FUZZIDX_TOO_MANY;
        x->ncands = 0;
        err = VERSO_OK;
    }
    if (!err)
        s_count_bound(x, m, min_score, m - r.probed_positions);
    r.cands = x->cands;
    r.n = x->ncands;
    x->ncands = 0;
    if (!err)
        *out = r;
    return err;
}
