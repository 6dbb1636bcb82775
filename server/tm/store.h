/*
 * store.h - the LMDB adapter: the only file that includes lmdb.h.
 *
 * One environment per data directory (data.mdb + lock.mdb, plus versod.lock,
 * an flock that keeps a second server out). Named databases, a schema-version
 * record, a map that grows on MDB_MAP_FULL (abort, grow with no transaction
 * active, retry), and mdb_reader_check at open.
 *
 * Threads: any thread may run read transactions; exactly one thread (the
 * writer, see writer.h) calls verso_store_write.
 */
#ifndef VERSO_STORE_H
#define VERSO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "verso/err.h"

#define VERSO_SCHEMA_VERSION 9 /* older ones are upgraded on open (tm.c) */

typedef struct verso_store verso_store;
typedef struct verso_txn verso_txn;

typedef struct verso_store_opts {
    size_t map_size;      /* initial map size in bytes (0: 64 MiB) */
    size_t max_map_size;  /* growth stops here; then writes fail ENOSPC (0: 1 TiB) */
    unsigned max_readers; /* 0: 126 */
} verso_store_opts;

typedef struct verso_store_stats {
    uint64_t map_size;
    uint64_t max_map_size;
    uint64_t used_bytes; /* pages in use x page size */
    uint64_t file_bytes; /* size of data.mdb on disk */
    uint64_t page_size;
    uint64_t last_txn;
    uint64_t readers_used;
    uint64_t readers_max;
    uint64_t map_grows; /* times the map grew since open */
    int64_t created;    /* unix time the store was created */
    unsigned schema_version;
} verso_store_stats;

/* The named databases of a store (docs/ARCHITECTURE.md, "Storage"). */
typedef enum verso_db {
    VERSO_DB_META = 0,     /* str -> str: schema version, counters */
    VERSO_DB_TMS,          /* TM name -> TM record */
    VERSO_DB_ENTRIES,      /* entry id (u64 BE) -> entry record */
    VERSO_DB_MATCH,        /* merged match records, in blocks; see tm_match.c */
    VERSO_DB_CHANGES,      /* change sequence (u64 BE) -> change record */
    VERSO_DB_POSTINGS,     /* fuzzy postings, in compressed blocks; see fuzzidx.c */
    VERSO_DB_TOKENS,       /* entry id (u64 BE) -> token ids of its sides; see tmfuzzy.c */
    VERSO_DB_MATCH_RECENT, /* match records added since the last merge (16-byte sorted duplicates)
                            */
    VERSO_DB_COUNT_
} verso_db;

/* A value read from the store: borrowed, valid until its transaction ends. */
typedef struct verso_val {
    const void *data;
    size_t len;
} verso_val;

/* A unit of work run inside a write transaction. It may fail on its own
 * (its changes are undone, the rest of the batch commits). */
typedef verso_err (*verso_store_job_fn)(verso_txn *txn, void *arg);

typedef struct verso_store_job {
    verso_store_job_fn fn;
    void *arg;
    verso_err result; /* written by verso_store_write */
} verso_store_job;

/* Opens (creating if needed) the store in `dir`, which is created too.
 * On success *out is the caller's, released with verso_store_destroy.
 * Errors: ELOCKED (another server), ESCHEMA, EIO, ESTORE, ENOMEM. */
verso_err verso_store_open(const char *dir, const verso_store_opts *opts, verso_store **out);

/* Closes the environment and frees *s; sets *s = NULL. No transaction may be
 * active. Safe with *s == NULL. */
void verso_store_destroy(verso_store **s);

/* Begins a read-only snapshot. Release with verso_store_read_end from the
 * same thread; keep it short (it holds off map growth). */
verso_err verso_store_read_begin(verso_store *s, verso_txn **out);
void verso_store_read_end(verso_txn **t);

/*
 * Runs jobs[0..n) in one write transaction, each in a nested transaction,
 * then commits. Sets every jobs[i].result. Returns VERSO_OK when the commit
 * succeeded (individual jobs may still have failed), else the commit's error,
 * which is then also each job's result. Writer thread only.
 */
verso_err verso_store_write(verso_store *s, verso_store_job *jobs, size_t n);

/* meta: small string records (schema, creation time, settings).
 * get: copies the value into *val (reset first); ENOTFOUND when absent. */
verso_err verso_store_meta_get(verso_txn *t, const char *key, verso_buf *val);
verso_err verso_store_meta_put(verso_txn *t, const char *key, const void *val, size_t n);

/* Generic access to a named database.
 * get: *out is borrowed until the transaction ends (copy what you keep);
 *      ENOTFOUND when absent.
 * put: replaces the value (in MATCH_RECENT, whose keys hold sorted
 *      duplicates, adds one; adding an existing duplicate is not an error).
 * del: with val, removes that one duplicate; without, the key and all its
 *      values; ENOTFOUND when absent.
 * put and del need a write transaction (EINVAL in a read transaction). */
verso_err verso_store_get(verso_txn *t, verso_db db, const void *key, size_t klen, verso_val *out);
verso_err verso_store_put(verso_txn *t, verso_db db, const void *key, size_t klen, const void *val,
                          size_t vlen);
verso_err verso_store_del(verso_txn *t, verso_db db, const void *key, size_t klen, const void *val,
                          size_t vlen);

/* Calls fn(arg, value) for each duplicate value under key in db (MATCH_RECENT, the
 * database with duplicates; EINVAL for others), in sorted order
 * from the first value >= from (NULL: the first), until fn returns nonzero.
 * Values are borrowed for the call. Without from, ENOTFOUND when the key is
 * absent. One cursor per database serves all calls of a transaction (and
 * the other dup functions), so fn must not call them. */
verso_err verso_store_each_dup(verso_txn *t, verso_db db, const void *key, size_t klen,
                               const void *from, size_t flen, int (*fn)(void *arg, verso_val v),
                               void *arg);

/* The record of the greatest key <= key (klen bytes) in db: *k and *v
 * borrowed until the transaction ends or the database is written.
 * ENOTFOUND when there is none. Uses the transaction's kept cursor of db
 * (as verso_store_range). */
verso_err verso_store_floor(verso_txn *t, verso_db db, const void *key, size_t klen, verso_val *k,
                            verso_val *v);

/* The first key of db in [from, to] (keys of klen bytes, compared as
 * bytes) into *key, borrowed like verso_store_floor's. ENOTFOUND when
 * there is none. Uses the transaction's kept cursor of db. */
verso_err verso_store_first(verso_txn *t, verso_db db, const void *from, const void *to,
                            size_t klen, verso_val *key);

/* Calls fn(arg, key, value) for each record of db whose key, of klen
 * bytes, lies in [from, to] (compared as bytes; a key of another length
 * ends the walk), in order, until fn returns nonzero. Records are borrowed
 * for the call, and fn must not write db. One cursor per database serves
 * every call of a transaction (the hot path of lookups). */
verso_err verso_store_range(verso_txn *t, verso_db db, const void *from, const void *to,
                            size_t klen, int (*fn)(void *arg, verso_val key, verso_val val),
                            void *arg);

/* The schema the store was opened with: VERSO_SCHEMA_VERSION, or an older
 * one. The caller (tm.c) upgrades an older one in a write transaction that
 * rebuilds what changed and calls verso_store_upgraded; once that commits,
 * verso_store_upgrade_done. */
unsigned verso_store_schema(const verso_store *s);

/* In a write transaction: drops the databases of older schemas and records
 * VERSO_SCHEMA_VERSION. */
verso_err verso_store_upgraded(verso_txn *t);

/* A slot for one object that the store keeps for its write transactions,
 * which never overlap (e.g. the writer's tokeniser): *slot is NULL until
 * the caller sets it, and free_fn(*slot) runs when the store is destroyed.
 * NULL in a read transaction. */
void **verso_store_wscratch(verso_txn *t, void (*free_fn)(void *));

/* After the upgrade committed: verso_store_schema is current from now on. */
void verso_store_upgrade_done(verso_store *s);

/* *n: the records of db (duplicates counted). */
verso_err verso_store_count(verso_txn *t, verso_db db, uint64_t *n);

/* Empties db (write transaction). */
verso_err verso_store_clear(verso_txn *t, verso_db db);

/* The first page of the duplicates under key in db (MATCH_RECENT, values of vlen
 * bytes): *vals points at *n of them back to back, in sorted order (borrowed
 * until the transaction ends), and *total is how many the key has; when
 * *total > *n the rest are read with verso_store_each_dup. One call serves
 * the common case, a key with at most a page (~250) of values. ENOTFOUND
 * when the key is absent; EINVAL for another db. */
verso_err verso_store_dup_page(verso_txn *t, verso_db db, const void *key, size_t klen, size_t vlen,
                               const void **vals, size_t *n, size_t *total);

/* Calls fn(arg, key, value) for each record of db in key order, starting at
 * the first key >= from (NULL: the first), until fn returns nonzero. */
verso_err verso_store_each(verso_txn *t, verso_db db, const void *from, size_t flen,
                           int (*fn)(void *arg, verso_val key, verso_val val), void *arg);

/* Fills *out with figures about the environment. Thread-safe. */
verso_err verso_store_stat(verso_store *s, verso_store_stats *out);

/* Writes a compact, consistent copy of the store (one read snapshot) to
 * DIR/data.mdb, creating DIR (mode 0700) when missing; a server started on DIR
 * serves the copy. Written as DIR/data.mdb.partial (O_EXCL), fsynced, then
 * linked to DIR/data.mdb (never replacing one), so that DIR/data.mdb is never
 * half a copy. Thread-safe; runs beside reads and writes (a map growth waits
 * for it). *bytes (may be NULL) gets the copy's size. Returns EEXIST when
 * DIR/data.mdb exists, ELOCKED when DIR/data.mdb.partial does (a backup
 * running or interrupted), EDENIED when DIR is not a directory of this user
 * that only it may write, ENOTFOUND when DIR's parent does not exist, ENOSPC,
 * EIO. */
verso_err verso_store_backup(verso_store *s, const char *dir, uint64_t *bytes);

/* "LMDB 0.9.24" and the like. Static storage. */
const char *verso_store_engine_version(void);

#endif
