/*
 * tm_op.h - request helpers shared by the translation-memory ops (tm_op.c,
 * lookup_op.c). Ownership: nothing here allocates; strings read from a
 * request are views borrowed from it (valid until the request's verso_req
 * is finished), names written into a caller's buffer are the caller's. A
 * fault set here becomes the error reply. Any worker thread.
 */
#ifndef VERSO_TM_OP_H
#define VERSO_TM_OP_H

#include "ops.h"
#include "tm.h"

/* "tm" (optional, default "default"): 1..VERSO_TM_NAME_MAX bytes. */
verso_err verso_tmop_name(verso_op_ctx *ctx, verso_str *name);

/* A required language field, canonicalised into buf (VERSO_LANG_MAX bytes);
 * EBADLANG when it is not a BCP 47 tag. */
verso_err verso_tmop_lang(verso_op_ctx *ctx, const char *key, char *buf, verso_str *out);

/* Sets the ENOTFOUND fault for a missing TM and returns ENOTFOUND. */
verso_err verso_tmop_missing(verso_op_ctx *ctx, verso_str name);

/* Adds entries[0..n) to TM tm (verso_tm_add_batch in one writer job, their
 * forms derived here first), setting outcome[i] and ids[i]. ENOTFOUND when
 * the TM does not exist (no fault set: the caller names it). */
verso_err verso_tmop_add(verso_op_ctx *ctx, verso_str tm, verso_tm_entry *entries, size_t n,
                         verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *ids);

/* Packs an entry as a map of its fields plus n_extra pairs the caller packs
 * next. tm_name: the name of the entry's TM, or NULL to look it up in t.
 * A packing failure stays in p (verso_pack_err). */
void verso_tmop_pack_entry(verso_txn *t, verso_pack *p, const verso_tm_entry *e,
                           const verso_str *tm_name, size_t n_extra);

#endif
