/*
 * tmfuzzy.h - fuzzy matching over the TM. The write side keeps, for every
 * entry, the token ids of both its sides (the TOKENS database) and their
 * postings (fuzzidx.h) in step with tm.c's adds, updates and deletes; the
 * read side finds the entries of one direction of a pair whose base score
 * against a query reaches a minimum: candidates from the postings, then the
 * token edit distance on the stored ids (docs/MATCHING.md §8-10).
 *
 * Both sides are tokenised by one root-locale tokeniser (fuzzy.h), so that
 * the tokens of a text never depend on the language it was stored under.
 *
 * The write functions run in tm.c's write transaction and keep their
 * scratch space with the store (verso_store_wscratch). A verso_tmfuzzy
 * (read side) belongs to one thread.
 */
#ifndef VERSO_TMFUZZY_H
#define VERSO_TMFUZZY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fuzzidx.h"
#include "fuzzy.h"
#include "store.h"
#include "verso/err.h"
#include "work.h"

/* ---- write side ---------------------------------------------------------- */

/* One entry side to index: its directed pair key (verso_tm_pair_key) and
 * its normalised text (verso_text_norm); ids, when not NULL, are its
 * nids token ids already (the writer's tokeniser's, computed elsewhere). */
typedef struct verso_tmfuzzy_side {
    uint32_t pair;
    const char *norm;
    size_t len;
    const uint32_t *ids;
    size_t nids;
} verso_tmfuzzy_side;

/* Indexes entry id of TM tm_id: tokenises both sides and stores their ids
 * (its token record). Postings come later, in bulk: entries with ids above
 * the index's watermark are posted by verso_tmfuzzy_step, and searched by
 * reading their token records until then (docs/MATCHING.md §9); an entry at
 * or below it (a re-index after an update) has its postings queued until
 * verso_tmfuzzy_flush, which the caller must call before its (nested)
 * transaction ends. Errors: ENOMEM, ETOOBIG, EINTERNAL (ICU), store errors. */
verso_err verso_tmfuzzy_index(verso_txn *t, uint32_t tm_id, uint64_t id,
                              const verso_tmfuzzy_side *src, const verso_tmfuzzy_side *tgt);

/* Removes what verso_tmfuzzy_index wrote for entry id (read back from its
 * token record; an entry without one is skipped). Flushes queued postings
 * first, so that a re-index after it is applied in order. */
verso_err verso_tmfuzzy_unindex(verso_txn *t, uint64_t id);

/* Writes the queued postings (sorted). Call at the end of each batch. */
verso_err verso_tmfuzzy_flush(verso_txn *t);

/* Drops queued postings (the caller's transaction failed). */
void verso_tmfuzzy_discard(verso_txn *t);

/* Posts the entries above the watermark, in id order, at most max of them
 * (or fewer, when their postings fill what one transaction should write),
 * sorted, and moves the watermark past them. *more: entries may be left.
 * The writer calls it when idle (writer.h). */
verso_err verso_tmfuzzy_step(verso_txn *t, size_t max, bool *more);

/* *upto: every entry id up to it has its postings (the watermark). */
verso_err verso_tmfuzzy_upto(verso_txn *t, uint64_t *upto);

/* Empties the fuzzy index and the token records, watermark 0 (an upgrade
 * then indexes every entry again). */
verso_err verso_tmfuzzy_reset(verso_txn *t);

/* ---- read side ----------------------------------------------------------- */

/* One thread's matcher. Caller-owned; fields private except q (the query's
 * tokens after verso_tmfuzzy_query). */
typedef struct verso_tmfuzzy {
    verso_fuzzy f;      /* root tokeniser, distances and comparisons */
    verso_fuzzidx x;    /* candidate scratch */
    verso_fuzzy_text q; /* the query */
    verso_buf qnorm;    /* its normalised text, which q borrows */
    bool scan;          /* search by reading every token record (a check of the index) */
    uint32_t *ids;      /* one candidate's ids */
    size_t ids_cap;
    uint32_t *want; /* verso_tmfuzzy_containing: the distinct tokens */
    size_t want_cap;
    uint64_t *cids; /* and its candidates */
    size_t ncids, cids_cap;
    verso_work *work; /* the meter of the request using the matcher (work.h): set by the
                         op, borrowed; searches tick it and stop with its error */
} verso_tmfuzzy;

/* Counters of one search, for stats and benchmarks. */
typedef struct verso_tmfuzzy_stats {
    uint64_t candidates;  /* from the postings */
    uint64_t verified;    /* whose distance was computed */
    uint64_t matches;     /* reported to fn */
    uint64_t postings;    /* read */
    bool scanned;         /* the index had too many candidates: all token records were read */
    uint64_t unposted_ns; /* time spent reading the entries not posted yet */
} verso_tmfuzzy_stats;

/* Errors: EINTERNAL (ICU). fini is safe after a failed init and twice. */
verso_err verso_tmfuzzy_init(verso_tmfuzzy *z);
void verso_tmfuzzy_fini(verso_tmfuzzy *z);

/* Tokenises the query, norm[0..n) (verso_text_norm output; copied), into
 * z->q. Errors: ENOMEM, ETOOBIG, EINTERNAL. */
verso_err verso_tmfuzzy_query(verso_tmfuzzy *z, const char *norm, size_t n);

/* Calls fn(arg, id, base) for each entry of TM tm_id whose side indexed
 * under pair (its target when target) has a base score >= *min_score
 * (1..100) against z->q, until fn returns nonzero. fn may raise *min_score
 * (e.g. once it holds enough better matches): later candidates are held to
 * the new bound. Entries without tokens are never reported. When the index
 * meets too many candidates, the token records of the whole store are
 * scanned instead (never a silent miss). st may be NULL.
 * Errors: EINVAL, ENOMEM, ESTORE, store errors. */
verso_err verso_tmfuzzy_search(verso_txn *t, verso_tmfuzzy *z, uint32_t tm_id, uint32_t pair,
                               bool target, int *min_score,
                               int (*fn)(void *arg, uint64_t id, int base), void *arg,
                               verso_tmfuzzy_stats *st);

/* Calls fn(arg, id) for each entry of TM tm_id whose side indexed under
 * pair (its target when target) holds every token of toks[0..n) (token ids
 * as verso_fuzzy_tokenize gives them; repeats count once), newest (highest
 * id) first, until fn returns nonzero: the candidates of concordance. The
 * postings of the rarest token give the candidates, their token records
 * decide; entries not posted yet are read from their records. Nothing is
 * reported when n is 0. Errors: ENOMEM, ESTORE, store errors. */
verso_err verso_tmfuzzy_containing(verso_txn *t, verso_tmfuzzy *z, uint32_t tm_id, uint32_t pair,
                                   bool target, const uint32_t *toks, size_t n,
                                   int (*fn)(void *arg, uint64_t id), void *arg);

#endif
