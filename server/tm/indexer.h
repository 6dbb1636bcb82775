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
#include "tmfuzzy.h"
#include "verso/err.h"

/* What lookups' fuzzy searches did since start (sums of
 * verso_tmfuzzy_stats; `stats` reports them). */
typedef struct verso_indexer_counts {
    atomic_uint_fast64_t searches;   /* searches of one direction of a pair */
    atomic_uint_fast64_t postings;   /* postings read */
    atomic_uint_fast64_t candidates; /* entries the postings gave */
    atomic_uint_fast64_t verified;   /* whose distance was computed */
    atomic_uint_fast64_t scans;      /* searches that read every token record */
} verso_indexer_counts;

typedef struct verso_indexer {
    atomic_uint_fast64_t unposted_ns; /* lookups' time reading entries not yet posted */
    verso_indexer_counts counts;
    uint64_t post_ns;       /* the last posting took this long (writer only) */
    uint64_t entry_ns;      /* ... an entry posted, on average (writer only) */
    uint64_t unposted_mark; /* unposted_ns when it ran (writer only) */
} verso_indexer;

/* Zeroes ix. */
void verso_indexer_init(verso_indexer *ix);

/* A lookup's fuzzy searches: n of them, scans of them read every token
 * record, and sum holds their other counters added up (tmfuzzy.h), the
 * time spent reading entries not yet posted included. Thread-safe. */
void verso_indexer_note_search(verso_indexer *ix, uint64_t n, uint64_t scans,
                               const verso_tmfuzzy_stats *sum);

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
