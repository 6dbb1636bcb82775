/*
 * store.c - LMDB environment, schema and map growth; see store.h.
 * LMDB return codes are translated here (s_err) and nowhere else.
 */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define S_DEFAULT_MAP     ((size_t)1 << 30) /* address space only: the file grows as used */
#define S_DEFAULT_MAX_MAP ((size_t)1 << 40)
#define S_FULL_SLACK      ((uint64_t)64 << 10) /* less room left than this: the disk is full */

struct verso_store {
    MDB_env *env;
    MDB_dbi dbs[VERSO_DB_COUNT_];
    int lock_fd;
    char *dir;
    size_t map_size;
    size_t max_map_size;
    uint64_t map_grows;
    unsigned schema; /* as opened, until verso_store_upgrade_done */
    /* Readers hold it shared for the life of a read transaction; the writer
     * takes it exclusively to resize the map, which LMDB allows only while
     * no transaction of this process is active. */
    pthread_rwlock_t grow_lock;
    void *wscratch; /* verso_store_wscratch's object, and how to free it */
    void (*wscratch_free)(void *);
};

struct verso_txn {
    verso_store *store;
    MDB_txn *txn;
    int read_only;
    MDB_cursor *cursors[VERSO_DB_COUNT_]; /* the dup functions', kept for the transaction */
};

static void s_close_cursors(verso_txn *t)
{
    for (int i = 0; i < VERSO_DB_COUNT_; i++)
        if (t->cursors[i])
            mdb_cursor_close(t->cursors[i]);
    memset(t->cursors, 0, sizeof t->cursors);
}

static verso_err s_err(int rc, const char *what)
{
    if (rc == MDB_SUCCESS)
        return VERSO_OK;
    if (rc != MDB_NOTFOUND && rc != MDB_MAP_FULL) /* a full map grows: s_grow logs it */
        verso_log(VERSO_LOG_WARN, "lmdb: %s: %s", what, mdb_strerror(rc));
    switch (rc) {
    case MDB_NOTFOUND: return VERSO_ENOTFOUND;
    case MDB_MAP_FULL: return VERSO_ENOSPC;
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return VERSO_ENOSPC;
    case ENOMEM: return VERSO_ENOMEM;
    case EIO:
    case EACCES:
    case EROFS: return VERSO_EIO;
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID: return VERSO_ESCHEMA;
    default: return VERSO_ESTORE;
    }
}

/* Takes the data directory for this process alone (flock, released at exit). */
static verso_err s_lock_dir(verso_store *s)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/versod.lock", s->dir) >= (int)sizeof path)
        return VERSO_EINVAL;
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        return VERSO_EIO;
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
        return errno == EWOULDBLOCK ? VERSO_ELOCKED : VERSO_EIO;
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(s->lock_fd, 0) < 0 || write(s->lock_fd, pid, (size_t)n) != n)
        return VERSO_EIO;
    return VERSO_OK;
}

static verso_err s_env_open(verso_store *s, unsigned max_readers)
{
    int rc = mdb_env_create(&s->env);
    if (!rc)
        rc = mdb_env_set_maxdbs(s->env, 32);
    if (!rc)
        rc = mdb_env_set_maxreaders(s->env, max_readers);
    if (!rc)
        rc = mdb_env_set_mapsize(s->env, s->map_size);
    if (!rc)
        rc = mdb_env_open(s->env, s->dir, MDB_NOTLS, 0644);
    if (rc)
        return s_err(rc, "opening environment");
    /* The file may already be larger than asked (an earlier run grew it). */
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize;
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    if (dead)
        verso_log(VERSO_LOG_WARN, "cleared %d stale reader slot(s) left by a dead process", dead);
    return VERSO_OK;
}

static const struct {
    const char *name;
    unsigned flags;
} s_dbs[VERSO_DB_COUNT_] = {
    {"meta", MDB_CREATE},    {"tms", MDB_CREATE},
    {"entries", MDB_CREATE}, {"matches", MDB_CREATE},
    {"changes", MDB_CREATE}, {"postings", MDB_CREATE},
    {"tokens", MDB_CREATE},  {"match_recent", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED},
};

static verso_err s_open_dbs(verso_store *s, MDB_txn *txn)
{
    for (int i = 0; i < VERSO_DB_COUNT_; i++) {
        int rc = mdb_dbi_open(txn, s_dbs[i].name, s_dbs[i].flags, &s->dbs[i]);
        if (rc)
            return s_err(rc, s_dbs[i].name);
    }
    return VERSO_OK;
}

/* Opens the named databases and checks or writes the schema record. */
static verso_err s_schema_init(verso_store *s)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return s_err(rc, "beginning schema transaction");
    verso_err err = s_open_dbs(s, txn);
    if (err)
        goto out;
    verso_txn t = {s, txn, 0};
    verso_buf v;
    verso_buf_init(&v, 64);
    err = verso_store_meta_get(&t, "schema_version", &v);
    s->schema = VERSO_SCHEMA_VERSION;
    if (err == VERSO_ENOTFOUND) {
        char now[32], ver[16];
        snprintf(now, sizeof now, "%lld", (long long)time(NULL));
        snprintf(ver, sizeof ver, "%d", VERSO_SCHEMA_VERSION);
        err = verso_store_meta_put(&t, "schema_version", ver, strlen(ver));
        if (!err)
            err = verso_store_meta_put(&t, "created", now, strlen(now));
    } else if (!err && (atoi(v.data) < 1 || atoi(v.data) > VERSO_SCHEMA_VERSION)) {
        verso_log(VERSO_LOG_ERROR, "data directory has schema %s; this versod knows 1 to %d",
                  v.data, VERSO_SCHEMA_VERSION);
        err = VERSO_ESCHEMA;
    } else if (!err) {
        s->schema = (unsigned)atoi(v.data);
    }
    verso_buf_fini(&v);
out:
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    return s_err(mdb_txn_commit(txn), "committing schema");
}

verso_err verso_store_open(const char *dir, const verso_store_opts *opts, verso_store **out)
{
    verso_store_opts o = opts ? *opts : (verso_store_opts){0};
    verso_store *s = calloc(1, sizeof *s);
    if (!s)
        return VERSO_ENOMEM;
    s->lock_fd = -1;
    s->map_size = o.map_size ? o.map_size : S_DEFAULT_MAP;
    s->max_map_size = o.max_map_size ? o.max_map_size : S_DEFAULT_MAX_MAP;
    if (s->max_map_size < s->map_size)
        s->max_map_size = s->map_size;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* glibc prefers readers by default: a steady stream of lookups would
     * starve the writer waiting to grow the map. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->grow_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    verso_err err = VERSO_ENOMEM;
    if (!(s->dir = strdup(dir)))
        goto out;
    err = VERSO_EIO;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        goto out;
    if ((err = s_lock_dir(s)))
        goto out;
    if ((err = s_env_open(s, o.max_readers ? o.max_readers : 126)))
        goto out;
    err = s_schema_init(s);
out:
    if (err)
        verso_store_destroy(&s);
    *out = s;
    return err;
}

void verso_store_destroy(verso_store **sp)
{
    verso_store *s = *sp;
    if (!s)
        return;
    if (s->wscratch_free && s->wscratch)
        s->wscratch_free(s->wscratch);
    if (s->env)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    pthread_rwlock_destroy(&s->grow_lock);
    free(s->dir);
    free(s);
    *sp = NULL;
}

verso_err verso_store_read_begin(verso_store *s, verso_txn **out)
{
    verso_txn *t = malloc(sizeof *t);
    if (!t)
        return VERSO_ENOMEM;
    pthread_rwlock_rdlock(&s->grow_lock);
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
    if (rc) {
        pthread_rwlock_unlock(&s->grow_lock);
        free(t);
        return s_err(rc, "beginning read transaction");
    }
    t->store = s;
    t->read_only = 1;
    memset(t->cursors, 0, sizeof t->cursors);
    *out = t;
    return VERSO_OK;
}

void verso_store_read_end(verso_txn **tp)
{
    verso_txn *t = *tp;
    if (!t)
        return;
    s_close_cursors(t);
    mdb_txn_abort(t->txn);
    pthread_rwlock_unlock(&t->store->grow_lock);
    free(t);
    *tp = NULL;
}

/* Doubles the map (up to the maximum) with no transaction active. */
static verso_err s_grow(verso_store *s)
{
    if (s->map_size >= s->max_map_size)
        return VERSO_ENOSPC;
    size_t next = s->map_size * 2;
    if (next > s->max_map_size || next < s->map_size)
        next = s->max_map_size;
    pthread_rwlock_wrlock(&s->grow_lock);
    int rc = mdb_env_set_mapsize(s->env, next);
    size_t old = s->map_size;
    if (!rc) {
        s->map_size = next;
        s->map_grows++;
    }
    pthread_rwlock_unlock(&s->grow_lock);
    if (rc)
        return s_err(rc, "growing map");
    verso_log(VERSO_LOG_INFO, "map grown from %zu to %zu bytes", old, next);
    return VERSO_OK;
}

/* Whether the disk under the store, or the file size the process may write
 * (RLIMIT_FSIZE), has less than S_FULL_SLACK bytes left. */
static bool s_out_of_space(const verso_store *s)
{
    struct statvfs fs;
    if (statvfs(s->dir, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < S_FULL_SLACK)
        return true;
    char path[4096];
    struct rlimit lim;
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", s->dir);
    return getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
           stat(path, &st) == 0 && (uint64_t)st.st_size + S_FULL_SLACK > lim.rlim_cur;
}

/* The error of a failed commit. LMDB reports a write cut short as EIO: the
 * disk (or RLIMIT_FSIZE) ran out in the middle of the commit's pwritev,
 * which is ENOSPC when little room is left. */
static verso_err s_commit_err(const verso_store *s, int rc)
{
    if (rc == EIO && s_out_of_space(s)) {
        verso_log(VERSO_LOG_WARN, "lmdb: committing write batch: disk full (write cut short)");
        return VERSO_ENOSPC;
    }
    return s_err(rc, "committing write batch");
}

/* One attempt at the batch. *map_full: it failed because the map is full
 * (grow it and retry); other failures, a full disk among them, are final. */
static verso_err s_write_once(verso_store *s, verso_store_job *jobs, size_t n, bool *map_full)
{
    MDB_txn *parent;
    *map_full = false;
    int rc = mdb_txn_begin(s->env, NULL, 0, &parent);
    if (rc)
        return s_err(rc, "beginning write transaction");
    for (size_t i = 0; i < n; i++) {
        MDB_txn *child;
        if ((rc = mdb_txn_begin(s->env, parent, 0, &child)))
            break;
        verso_txn t = {s, child, 0, {NULL}};
        jobs[i].result = jobs[i].fn(&t, jobs[i].arg);
        s_close_cursors(&t);
        if (jobs[i].result == VERSO_ENOSPC) { /* a full map, or a spill to a full disk */
            mdb_txn_abort(child);
            rc = s_out_of_space(s) ? ENOSPC : MDB_MAP_FULL;
            break;
        }
        if (jobs[i].result)
            mdb_txn_abort(child);
        else if ((rc = mdb_txn_commit(child)))
            break;
    }
    if (rc) {
        mdb_txn_abort(parent);
        *map_full = rc == MDB_MAP_FULL;
        return rc == MDB_MAP_FULL ? VERSO_ENOSPC : s_err(rc, "write batch");
    }
    rc = mdb_txn_commit(parent);
    *map_full = rc == MDB_MAP_FULL;
    return *map_full ? VERSO_ENOSPC : s_commit_err(s, rc);
}

verso_err verso_store_write(verso_store *s, verso_store_job *jobs, size_t n)
{
    verso_err err;
    bool map_full;
    while ((err = s_write_once(s, jobs, n, &map_full)) && map_full) {
        verso_err gerr = s_grow(s);
        if (gerr) {
            verso_log(VERSO_LOG_ERROR, "map full at its maximum of %zu bytes", s->max_map_size);
            break;
        }
    }
    if (err)
        for (size_t i = 0; i < n; i++)
            jobs[i].result = err;
    return err;
}

verso_err verso_store_meta_get(verso_txn *t, const char *key, verso_buf *val)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(t->txn, t->store->dbs[VERSO_DB_META], &k, &v);
    if (rc)
        return s_err(rc, "reading meta");
    verso_buf_reset(val);
    return verso_buf_append(val, v.mv_data, v.mv_size);
}

verso_err verso_store_meta_put(verso_txn *t, const char *key, const void *val, size_t n)
{
    if (t->read_only)
        return VERSO_EINVAL;
    MDB_val k = {strlen(key), (void *)key}, v = {n, (void *)val};
    return s_err(mdb_put(t->txn, t->store->dbs[VERSO_DB_META], &k, &v, 0), "writing meta");
}

verso_err verso_store_get(verso_txn *t, verso_db db, const void *key, size_t klen, verso_val *out)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, t->store->dbs[db], &k, &v);
    if (rc)
        return s_err(rc, s_dbs[db].name);
    out->data = v.mv_data;
    out->len = v.mv_size;
    return VERSO_OK;
}

verso_err verso_store_put(verso_txn *t, verso_db db, const void *key, size_t klen, const void *val,
                          size_t vlen)
{
    if (t->read_only)
        return VERSO_EINVAL;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = mdb_put(t->txn, t->store->dbs[db], &k, &v, 0);
    return rc == MDB_KEYEXIST ? VERSO_OK : s_err(rc, s_dbs[db].name);
}

verso_err verso_store_del(verso_txn *t, verso_db db, const void *key, size_t klen, const void *val,
                          size_t vlen)
{
    if (t->read_only)
        return VERSO_EINVAL;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    return s_err(mdb_del(t->txn, t->store->dbs[db], &k, val ? &v : NULL), s_dbs[db].name);
}

/* The kept cursor of a database, opened on first use. */
static int s_cursor(verso_txn *t, verso_db db, MDB_cursor **out)
{
    MDB_cursor **cur = &t->cursors[db];
    int rc = *cur ? 0 : mdb_cursor_open(t->txn, t->store->dbs[db], cur);
    *out = *cur;
    return rc;
}

/* The kept cursor of a database with duplicates (MATCH or MATCH_RECENT);
 * EINVAL for the others. */
static int s_dup_cursor(verso_txn *t, verso_db db, MDB_cursor **out)
{
    if (db != VERSO_DB_MATCH_RECENT)
        return EINVAL;
    return s_cursor(t, db, out);
}

verso_err verso_store_each_dup(verso_txn *t, verso_db db, const void *key, size_t klen,
                               const void *from, size_t flen, int (*fn)(void *arg, verso_val v),
                               void *arg)
{
    /* The hot path of lookups: one cursor serves every call of a transaction. */
    MDB_cursor *cur;
    int rc = s_dup_cursor(t, db, &cur);
    if (rc)
        return rc == EINVAL ? VERSO_EINVAL : s_err(rc, s_dbs[db].name);
    MDB_val k = {klen, (void *)key}, v = {flen, (void *)from};
    rc = mdb_cursor_get(cur, &k, &v, from ? MDB_GET_BOTH_RANGE : MDB_SET_KEY);
    if (rc == MDB_NOTFOUND)
        return from ? VERSO_OK : VERSO_ENOTFOUND;
    for (; !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
        if (fn(arg, (verso_val){v.mv_data, v.mv_size}))
            return VERSO_OK;
    return rc == MDB_NOTFOUND ? VERSO_OK : s_err(rc, s_dbs[db].name);
}

verso_err verso_store_dup_page(verso_txn *t, verso_db db, const void *key, size_t klen, size_t vlen,
                               const void **vals, size_t *n, size_t *total)
{
    MDB_cursor *cur;
    int rc = s_dup_cursor(t, db, &cur);
    if (rc == EINVAL)
        return VERSO_EINVAL;
    MDB_val k = {klen, (void *)key}, v = {0, NULL};
    size_t count = 0;
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
    rc = rc ? rc : mdb_cursor_count(cur, &count);
    /* GET_MULTIPLE returns the values of the cursor's page of duplicates; a
     * key with a single value has no such page, and LMDB then answers with
     * that value in v, which is what we want too. */
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE);
    if (rc)
        return s_err(rc, s_dbs[db].name);
    if (!vlen || v.mv_size % vlen)
        return VERSO_ESTORE;
    *vals = v.mv_data;
    *n = v.mv_size / vlen;
    *total = (size_t)count;
    return VERSO_OK;
}

/* Whether the cursor's key k is within [.., to] and of klen bytes. */
static bool s_key_in(const MDB_val *k, const void *to, size_t klen)
{
    return k->mv_size == klen && memcmp(k->mv_data, to, klen) <= 0;
}

verso_err verso_store_floor(verso_txn *t, verso_db db, const void *key, size_t klen, verso_val *k,
                            verso_val *v)
{
    MDB_cursor *cur;
    MDB_val mk = {klen, (void *)key}, mv;
    int rc = s_cursor(t, db, &cur);
    rc = rc ? rc : mdb_cursor_get(cur, &mk, &mv, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) /* every key is below: the last one */
        rc = mdb_cursor_get(cur, &mk, &mv, MDB_LAST);
    else if (!rc && (mk.mv_size != klen || memcmp(mk.mv_data, key, klen)))
        rc = mdb_cursor_get(cur, &mk, &mv, MDB_PREV); /* past it: the one before */
    if (rc)
        return rc == MDB_NOTFOUND ? VERSO_ENOTFOUND : s_err(rc, s_dbs[db].name);
    *k = (verso_val){mk.mv_data, mk.mv_size};
    *v = (verso_val){mv.mv_data, mv.mv_size};
    return VERSO_OK;
}

verso_err verso_store_first(verso_txn *t, verso_db db, const void *from, const void *to,
                            size_t klen, verso_val *key)
{
    MDB_cursor *cur;
    MDB_val k = {klen, (void *)from}, v;
    int rc = s_cursor(t, db, &cur);
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (!rc && !s_key_in(&k, to, klen))
        rc = MDB_NOTFOUND;
    if (rc)
        return rc == MDB_NOTFOUND ? VERSO_ENOTFOUND : s_err(rc, s_dbs[db].name);
    *key = (verso_val){k.mv_data, k.mv_size};
    return VERSO_OK;
}

verso_err verso_store_range(verso_txn *t, verso_db db, const void *from, const void *to,
                            size_t klen, int (*fn)(void *arg, verso_val key, verso_val val),
                            void *arg)
{
    MDB_cursor *cur;
    MDB_val k = {klen, (void *)from}, v;
    int rc = s_cursor(t, db, &cur);
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; !rc && s_key_in(&k, to, klen); rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (fn(arg, (verso_val){k.mv_data, k.mv_size}, (verso_val){v.mv_data, v.mv_size}))
            return VERSO_OK;
    return !rc || rc == MDB_NOTFOUND ? VERSO_OK : s_err(rc, s_dbs[db].name);
}

verso_err verso_store_each(verso_txn *t, verso_db db, const void *from, size_t flen,
                           int (*fn)(void *arg, verso_val key, verso_val val), void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->store->dbs[db], &cur);
    if (rc)
        return s_err(rc, s_dbs[db].name);
    MDB_val k = {flen, (void *)from}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, from ? MDB_SET_RANGE : MDB_FIRST); !rc;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (fn(arg, (verso_val){k.mv_data, k.mv_size}, (verso_val){v.mv_data, v.mv_size}))
            break;
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? s_err(rc, s_dbs[db].name) : VERSO_OK;
}

static verso_err s_stat_meta(verso_store *s, verso_store_stats *out)
{
    verso_txn *t;
    verso_err err = verso_store_read_begin(s, &t);
    if (err)
        return err;
    verso_buf v;
    verso_buf_init(&v, 64);
    if (!verso_store_meta_get(t, "schema_version", &v))
        out->schema_version = (unsigned)atoi(v.data);
    if (!verso_store_meta_get(t, "created", &v))
        out->created = atoll(v.data);
    verso_buf_fini(&v);
    verso_store_read_end(&t);
    return VERSO_OK;
}

unsigned verso_store_schema(const verso_store *s)
{
    return s->schema;
}

verso_err verso_store_upgraded(verso_txn *t)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", VERSO_SCHEMA_VERSION);
    struct {
        unsigned before;  /* schemas older than this had it */
        const char *name; /* what it was */
        unsigned flags;
    } gone[] = {{2, "exact", 0},                           /* 1: an index of 8-byte ids */
                {8, "fuzzy", MDB_DUPSORT | MDB_DUPFIXED},  /* 5-7: postings of 16 bytes */
                {8, "match", MDB_DUPSORT | MDB_DUPFIXED}}; /* 2-7: match records of 16 bytes */
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        if (t->store->schema >= gone[i].before)
            continue;
        MDB_dbi dbi;
        int rc = mdb_dbi_open(t->txn, gone[i].name, gone[i].flags, &dbi);
        if (!rc)
            rc = mdb_drop(t->txn, dbi, 1);
        if (rc && rc != MDB_NOTFOUND)
            return s_err(rc, gone[i].name);
    }
    return verso_store_meta_put(t, "schema_version", ver, strlen(ver));
}

void **verso_store_wscratch(verso_txn *t, void (*free_fn)(void *))
{
    if (t->read_only)
        return NULL;
    t->store->wscratch_free = free_fn;
    return &t->store->wscratch;
}

void verso_store_upgrade_done(verso_store *s)
{
    s->schema = VERSO_SCHEMA_VERSION;
}

verso_err verso_store_count(verso_txn *t, verso_db db, uint64_t *n)
{
    MDB_stat st;
    int rc = mdb_stat(t->txn, t->store->dbs[db], &st);
    *n = rc ? 0 : (uint64_t)st.ms_entries;
    return s_err(rc, s_dbs[db].name);
}

verso_err verso_store_clear(verso_txn *t, verso_db db)
{
    return s_err(mdb_drop(t->txn, t->store->dbs[db], 0), s_dbs[db].name);
}

verso_err verso_store_stat(verso_store *s, verso_store_stats *out)
{
    MDB_envinfo info;
    MDB_stat st;
    memset(out, 0, sizeof *out);
    pthread_rwlock_rdlock(&s->grow_lock);
    mdb_env_info(s->env, &info);
    mdb_env_stat(s->env, &st);
    out->map_grows = s->map_grows;
    pthread_rwlock_unlock(&s->grow_lock);
    out->map_size = info.me_mapsize;
    out->max_map_size = s->max_map_size;
    out->page_size = st.ms_psize;
    out->used_bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
    out->last_txn = info.me_last_txnid;
    out->readers_used = info.me_numreaders;
    out->readers_max = info.me_maxreaders;
    char path[4096];
    struct stat fst;
    snprintf(path, sizeof path, "%s/data.mdb", s->dir);
    if (stat(path, &fst) == 0)
        out->file_bytes = (uint64_t)fst.st_size;
    return s_stat_meta(s, out);
}

const char *verso_store_engine_version(void)
{
    return mdb_version(NULL, NULL, NULL);
}

/* Copies the environment, compacted, into fd (mdb_env_copyfd2), holding the
 * read side of grow_lock: the map must not move under the copy's reads. */
static verso_err s_copy_to(verso_store *s, int fd)
{
    pthread_rwlock_rdlock(&s->grow_lock);
    int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
    pthread_rwlock_unlock(&s->grow_lock);
    if (rc)
        return s_err(rc, "copying environment");
    return fsync(fd) < 0 ? (errno == ENOSPC || errno == EDQUOT ? VERSO_ENOSPC : VERSO_EIO)
                         : VERSO_OK;
}

/* Fsyncs a directory, so that a rename in it is durable. */
static verso_err s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return VERSO_EIO;
    int rc = fsync(fd);
    close(fd);
    return rc < 0 ? VERSO_EIO : VERSO_OK;
}

/* DIR, created or found: a real directory of this process's user that no
 * one else may write (so nobody can plant a link to a file for us to
 * overwrite). */
static verso_err s_backup_dir(const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return errno == ENOSPC ? VERSO_ENOSPC : errno == ENOENT ? VERSO_ENOTFOUND : VERSO_EIO;
    struct stat st;
    if (lstat(dir, &st) < 0)
        return VERSO_EIO;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
        return VERSO_EDENIED;
    return VERSO_OK;
}

static verso_err s_errno_err(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG ? VERSO_ENOSPC : VERSO_EIO;
}

verso_err verso_store_backup(verso_store *s, const char *dir, uint64_t *bytes)
{
    char tmp[4096], final[4096];
    if (snprintf(tmp, sizeof tmp, "%s/data.mdb.partial", dir) >= (int)sizeof tmp ||
        snprintf(final, sizeof final, "%s/data.mdb", dir) >= (int)sizeof final)
        return VERSO_EINVAL;
    verso_err err = s_backup_dir(dir);
    if (err)
        return err;
    struct stat st;
    if (lstat(final, &st) == 0)
        return VERSO_EEXIST;
    /* O_EXCL: a second backup into DIR while one runs (or after one was
     * interrupted) is refused instead of writing into the same file. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? VERSO_ELOCKED : s_errno_err(errno);
    err = s_copy_to(s, fd);
    if (!err && fstat(fd, &st) == 0 && bytes)
        *bytes = (uint64_t)st.st_size;
    close(fd);
    /* link fails rather than replace a data.mdb made meanwhile. */
    if (!err && link(tmp, final) < 0)
        err = errno == EEXIST ? VERSO_EEXIST : s_errno_err(errno);
    unlink(tmp);
    if (!err && s_sync_dir(dir))
        verso_log(VERSO_LOG_WARN, "backup: %s is complete, but syncing its directory failed",
                  final);
    return err;
}
