/*
 * tm_names.c - the TMs themselves (tm.h): names, creating, listing and
 * dropping one with its entries, and the TMX header kept per TM.
 */
#include "tm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "be.h"
#include "tm_int.h"
#include "tmfuzzy.h"

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
    *id = verso_be_get32(v.data);
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
    if ((err = verso_tm_meta_next(t, "next_tm", &next)))
        return err;
    if (next > UINT32_MAX)
        return VERSO_ENOSPC;
    unsigned char v[12];
    verso_be_put32(v, (uint32_t)next);
    verso_be_put64(v + 4, (uint64_t)time(NULL));
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

/* Collects the ids of one TM's match records; each comes twice (source
 * and target): the second delete finds nothing. */
static int s_collect(void *arg, uint64_t id)
{
    s_ids *ids = arg;
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 256;
        uint64_t *p = realloc(ids->v, cap * sizeof *p);
        if (!p)
            return (ids->err = VERSO_ENOMEM), 1;
        ids->v = p;
        ids->cap = cap;
    }
    ids->v[ids->n++] = id;
    return 0;
}

/* The meta key of a TM's TMX header. */
static size_t s_header_key(uint32_t tm_id, unsigned char *k)
{
    memcpy(k, "tmxh", 4);
    verso_be_put32(k + 4, tm_id);
    return 8;
}

verso_err verso_tm_header_put(verso_txn *t, uint32_t tm_id, verso_str header)
{
    unsigned char k[8];
    return verso_store_put(t, VERSO_DB_META, k, s_header_key(tm_id, k), header.p, header.n);
}

verso_err verso_tm_header_get(verso_txn *t, uint32_t tm_id, verso_str *header)
{
    unsigned char k[8];
    verso_val v;
    verso_err err = verso_store_get(t, VERSO_DB_META, k, s_header_key(tm_id, k), &v);
    *header = err ? (verso_str){"", 0} : (verso_str){(const char *)v.data, v.len};
    return err == VERSO_ENOTFOUND ? VERSO_OK : err;
}

verso_err verso_tm_drop(verso_txn *t, verso_str name)
{
    uint32_t tm_id;
    verso_err err = verso_tm_find(t, name, &tm_id);
    if (err)
        return err;
    s_ids ids = {tm_id, NULL, 0, 0, VERSO_OK};
    err = verso_tm_match_ids(t, tm_id, s_collect, &ids);
    err = err ? err : ids.err;
    for (size_t i = 0; !err && i < ids.n; i++) {
        bool deleted;
        err = verso_tm_delete(t, ids.v[i], &deleted);
    }
    free(ids.v);
    unsigned char ck[9], hk[8];
    size_t ckl = verso_tm_count_key(tm_id, ck);
    if (!err) {
        err = verso_store_del(t, VERSO_DB_META, ck, ckl, NULL, 0);
        err = err == VERSO_ENOTFOUND ? VERSO_OK : err;
    }
    if (!err) {
        err = verso_store_del(t, VERSO_DB_META, hk, s_header_key(tm_id, hk), NULL, 0);
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
    uint32_t id = verso_be_get32(val.data);
    unsigned char ck[9];
    uint64_t n;
    size_t ckl = verso_tm_count_key(id, ck);
    if ((e->err = verso_tm_meta_u64(e->t, ck, ckl, &n)))
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
