/*
 * tm_int.h - what the TM's three files share: tm.c (entry records,
 * counters, entries), tm_match.c (the match index) and tm_names.c (the
 * TMs). Internal: include it from those three only; everyone else uses
 * tm.h. Every function works in the caller's transaction; results that
 * point into the store are borrowed until it ends.
 */
#ifndef VERSO_TM_INT_H
#define VERSO_TM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"
#include "tm.h"

/* The forms of a text that the index keys on (text.h); the caller's, with
 * verso_tm_forms_init / _fini. */
typedef struct verso_tm_forms {
    verso_buf norm, loose;
} verso_tm_forms;

void verso_tm_forms_init(verso_tm_forms *f);
void verso_tm_forms_fini(verso_tm_forms *f);
/* Fills f with the normal and loose forms of s. Errors: ENOMEM, ETOOBIG. */
verso_err verso_tm_forms_of(verso_str s, verso_tm_forms *f);

/* Byte equality. */
bool verso_tm_str_eq(verso_str a, verso_str b);

/* A u64 of the meta table (0 when absent); ESTORE when not 8 bytes. */
verso_err verso_tm_meta_u64(verso_txn *t, const void *key, size_t klen, uint64_t *out);
/* The next value of a counter of the meta table, starting at 1. */
verso_err verso_tm_meta_next(verso_txn *t, const char *name, uint64_t *out);
/* The per-TM entry counter key ("count" | tm_id) into k[9]; its length. */
size_t verso_tm_count_key(uint32_t tm_id, unsigned char *k);

/* Decodes the entry record v of id into e, checking every length; e's
 * strings point into v, the origin into t's meta table when the record
 * gives its number (t NULL: such a record is ESTORE). Errors: ESTORE,
 * store errors. */
verso_err verso_tm_record_decode(verso_txn *t, verso_val v, uint64_t id, verso_tm_entry *e);

/* Adds (add) or removes both sides of e in the match index and the fuzzy
 * index (tm_match.c). src: the forms of e->src when the caller has them,
 * else NULL; prep: the entry's prepared forms (tm.h), or NULL. */
verso_err verso_tm_index_entry(verso_txn *t, const verso_tm_entry *e, const verso_tm_forms *src,
                               const verso_tm_prep *prep, bool add);

/* The forward exact matches of src, whose forms are f: fn(arg, e) for each
 * (nonzero stops). */
verso_err verso_tm_exact_forms(verso_txn *t, uint32_t tm_id, verso_str sl, verso_str tl,
                               verso_str src, const verso_tm_forms *f,
                               int (*fn)(void *, const verso_tm_entry *), void *arg);

#endif
