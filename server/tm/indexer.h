/*
 * indexer.h - when the TM's deferred index work is done. Adds leave two
 * indexes behind: entries not yet posted to the fuzzy index (tmfuzzy.h)
 * and recent match records not yet merged (tm.h). The writer thread runs
 * verso_indexer_step in its idle time (writer.h); this file decides how
 * much to do, weighing the cost of a step against what lookups spend
 * reading the undone part. Also: bringing a store up to date at start-up.
 *
 * A verso_indexer is the caller's; its counter is atomic (lookups add to
 * it from any thread), the rest belongs to the writer thread.
 */
#ifndef VERSO_INDEXER_H
#define VERSO_INDEXER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "verso/err.h"

typedef struct verso_indexer {
    atomic_uint_fast64_t unposted_ns; /* lookups' time reading entries not yet posted */
    uint64_t post_ns;                 /* the last posting took this long (writer only) */
    uint64_t unposted_mark;           /* unposted_ns when it ran (writer only) */
} verso_indexer;

/* Zeroes ix. */
void verso_indexer_init(verso_indexer *ix);

/* A lookup spent ns reading entries not yet posted (tmfuzzy.h's stats).
 * Thread-safe. */
void verso_indexer_note_unposted(verso_indexer *ix, uint64_t ns);

/*
 * The writer's background work (a verso_writer_idle_fn, writer.h; arg is
 * the verso_indexer): posting the fuzzy index, then merging the recent
 * match records, in the write transaction t. Sets *more when work is left.
 * Writer thread only.
 */
verso_err verso_indexer_step(verso_txn *t, void *arg, int64_t quiet_ms, bool *more);

/*
 * Creates the "default" TM if the store has none, and brings a store of an
 * older schema up to date (re-indexing its entries). Call once, before any
 * other thread uses the store. Errors: those of the store.
 */
verso_err verso_indexer_prepare(verso_store *store);

#endif
