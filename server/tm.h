/*
 * tm.h - the translation memory over the store (store.h): named TMs,
 * entries (translation units of one language pair), the exact-match index
 * and the change sequence. Every function runs inside a transaction the
 * caller owns; writing ones need a write transaction (the writer thread's).
 *
 * Strings are (pointer, length) views; those in results are borrowed until
 * the transaction ends unless a function says it copies them.
 */
#ifndef VERSO_TM_H
#define VERSO_TM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"
#include "verso/err.h"

#define VERSO_TM_NAME_MAX 128 /* bytes of a TM name */

typedef struct verso_str {
    const char *p;
    size_t n;
} verso_str;

/* An entry. For verso_tm_add, fill src_lang..origin (prev/next are the
 * neighbouring source segments, optional); id and times are assigned. */
typedef struct verso_tm_entry {
    uint64_t id;
    uint32_t tm_id;
    verso_str src_lang, tgt_lang; /* canonical BCP 47 tags */
    verso_str src, tgt;
    verso_str prev, next;          /* add only: context segments */
    uint64_t prev_hash, next_hash; /* stored: hashes of the normalised context (0: none) */
    verso_str author, note, origin;
    int64_t created, changed; /* unix seconds */
    uint64_t usage;
} verso_tm_entry;

typedef enum verso_tm_conflict {
    VERSO_TM_KEEP_BOTH = 0, /* add another entry, unless source and target are identical */
    VERSO_TM_OVERWRITE,     /* replace the target of the entry with the same source */
    VERSO_TM_SKIP,          /* keep the existing entry, drop the new one */
} verso_tm_conflict;

typedef enum verso_tm_outcome {
    VERSO_TM_ADDED = 0,
    VERSO_TM_UPDATED,
    VERSO_TM_SKIPPED,
} verso_tm_outcome;

/* TMs. Names are 1..VERSO_TM_NAME_MAX bytes of UTF-8. create: EEXIST when
 * the name is taken. find: *id of the TM, ENOTFOUND when absent. drop: the
 * TM and all its entries; ENOTFOUND when absent. "default" is created by
 * verso_tm_init. */
verso_err verso_tm_init(verso_txn *t);
verso_err verso_tm_create(verso_txn *t, verso_str name, uint32_t *id);
verso_err verso_tm_find(verso_txn *t, verso_str name, uint32_t *id);
verso_err verso_tm_drop(verso_txn *t, verso_str name);

/* Calls fn for each TM in name order, with its entry count. */
verso_err verso_tm_each(verso_txn *t,
                        int (*fn)(void *arg, verso_str name, uint32_t id, uint64_t entries),
                        void *arg);

/* Adds e to TM tm_id, resolving a same-source entry by policy. *outcome and
 * *id (the new, updated or kept entry) are set on success. */
verso_err verso_tm_add(verso_txn *t, uint32_t tm_id, const verso_tm_entry *e,
                       verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *id);

/* Reads entry id into *e (strings borrowed from the transaction).
 * ENOTFOUND when absent. */
verso_err verso_tm_get(verso_txn *t, uint64_t id, verso_tm_entry *e);

/* Deletes entry id; a missing id is not an error (*deleted tells). */
verso_err verso_tm_delete(verso_txn *t, uint64_t id, bool *deleted);

/* Calls fn for each entry of TM tm_id and the pair whose normalised source
 * equals the normalised src, in id order, until fn returns nonzero. */
verso_err verso_tm_exact(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                         verso_str src, int (*fn)(void *arg, const verso_tm_entry *e), void *arg);

/* verso_tm_exact for a source already normalised (verso_text_norm). */
verso_err verso_tm_exact_norm(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                              const verso_buf *norm, int (*fn)(void *arg, const verso_tm_entry *e),
                              void *arg);

/* The hash stored for a context segment, from its normalised form
 * (verso_text_norm): never 0, and 0 for an empty one. */
uint64_t verso_tm_context_hash_norm(const verso_buf *norm);

/* The last change sequence number (0: no change yet). */
verso_err verso_tm_last_change(verso_txn *t, uint64_t *seq);

#endif
