/*
 * fuzzidx.h - the retrieval index of fuzzy matching: token postings in the
 * store's POSTINGS database (compressed blocks), and the candidates of a query that can reach a
 * minimum base score (length and prefix filtering, docs/MATCHING.md §7-8).
 * No scoring here (fuzzy.h), no knowledge of entries or TMs beyond their ids
 * (tm.c keeps the index in step with adds, updates and deletes).
 *
 * put and del run in the caller's write transaction; candidates in any
 * transaction. A verso_fuzzidx (scratch) belongs to one thread.
 */
#ifndef VERSO_FUZZIDX_H
#define VERSO_FUZZIDX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "verso/err.h"

/* Token counts stored in postings are capped here: a side of more tokens is
 * indexed as this long (lengths are only used as a filter, which stays
 * lossless: docs/MATCHING.md §8). */
#define VERSO_FUZZIDX_MAX_LEN 65535u

/* Default cap on the candidates of one query (verso_fuzzidx_init). */
#define VERSO_FUZZIDX_MAX_CANDS 100000u

/* Result flags. NO_TOKENS: the query has no token, the index cannot find
 * anything (see verso_fuzzidx_candidates). TOO_MANY: more candidates than
 * the cap, none returned. */
#define VERSO_FUZZIDX_NO_TOKENS 1u
#define VERSO_FUZZIDX_TOO_MANY  2u

/* One candidate: an entry that holds at least one probed query token and
 * passed the length and count bounds. */
typedef struct verso_fuzzidx_cand {
    uint64_t id;   /* entry id */
    uint32_t sig;  /* its side's signature (verso_fuzzidx_sig) */
    uint32_t len;  /* its indexed side's token count (capped) */
    uint32_t hits; /* query positions whose token it holds, among the probed ones */
    uint32_t ub;   /* query positions whose token's bit its signature has: >= the overlap */
} verso_fuzzidx_cand;

/* The signature of a side: bit verso_fuzzidx_sig_bit(id) (0..31) set for
 * each of its token ids. Stored with each posting, so that an upper bound
 * of the overlap of a candidate and the query (the query positions whose
 * bit the candidate has) costs no read of the candidate. */
uint32_t verso_fuzzidx_sig(const uint32_t *ids, size_t n);
unsigned verso_fuzzidx_sig_bit(uint32_t id);

/* What verso_fuzzidx_candidates found. cands is borrowed from the scratch
 * until its next call (or fini), in no particular order. */
typedef struct verso_fuzzidx_result {
    const verso_fuzzidx_cand *cands;
    size_t n;
    unsigned flags;          /* VERSO_FUZZIDX_NO_TOKENS, VERSO_FUZZIDX_TOO_MANY */
    size_t min_overlap;      /* t = verso_fuzzy_min_overlap(m, min_score) */
    size_t len_lo, len_hi;   /* the length range read (verso_fuzzy_len_range) */
    size_t probed_tokens;    /* distinct query tokens whose postings were read */
    size_t probed_positions; /* query positions holding them (>= m - t + 1) */
    uint64_t postings;       /* postings read */
    size_t seen;             /* entries met before the count bound (<= the cap) */
} verso_fuzzidx_result;

/* Private: a distinct query token. */
typedef struct verso_fuzzidx_tok {
    uint32_t id;
    uint32_t qcount; /* positions of the query holding it */
    size_t df;       /* its postings (all lengths) */
} verso_fuzzidx_tok;

/* One thread's scratch space for candidates. Caller-owned struct; the
 * fields are private. Memory grows to the largest query seen and stays:
 * no allocation per call once warm. */
typedef struct verso_fuzzidx {
    size_t max_cands;
    verso_fuzzidx_tok *toks; /* the query's distinct tokens */
    size_t toks_cap;
    uint32_t *slots; /* open addressing: 1 + index into cands, 0 free */
    size_t nslots;   /* a power of two, at least twice the candidates */
    verso_fuzzidx_cand *cands;
    uint32_t *cand_slot;  /* the slot of each candidate, to clear it */
    uint32_t qweight[32]; /* query positions whose token has each signature bit */
    uint32_t qsig;        /* the bits of the query's tokens */
    size_t ncands, cands_cap;
} verso_fuzzidx;

/* *df: the postings of token tok under (tm_id, pair), of all lengths. */
verso_err verso_fuzzidx_df(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok, size_t *df);

/* Calls fn(arg, id, len) for each posting of token tok under (tm_id, pair)
 * whose side has at least min_len tokens (as capped) and a signature with
 * every bit of sig_all, in no particular order, until fn returns nonzero.
 * fn must not read postings itself. */
verso_err verso_fuzzidx_each(verso_txn *t, uint32_t tm_id, uint32_t pair, uint32_t tok,
                             uint32_t min_len, uint32_t sig_all,
                             int (*fn)(void *arg, uint64_t id, uint32_t len), void *arg);

/* Calls fn(arg, pair, tok, id, len, sig) for every posting of TM tm_id, in
 * key order (pair, token, then id), until fn returns nonzero: what the
 * index holds, whatever its blocks (tests, checks). ESTORE for a block
 * that does not decode. */
verso_err verso_fuzzidx_walk(verso_txn *t, uint32_t tm_id,
                             int (*fn)(void *arg, uint32_t pair, uint32_t tok, uint64_t id,
                                       uint32_t len, uint32_t sig),
                             void *arg);

/* max_cands: the most candidates a query may gather (0: the default,
 * VERSO_FUZZIDX_MAX_CANDS; at most 2^30). Allocates nothing; fini is safe
 * twice. */
void verso_fuzzidx_init(verso_fuzzidx *x, size_t max_cands);
void verso_fuzzidx_fini(verso_fuzzidx *x);

/* Indexes one side of entry entry_id: one posting per distinct id of
 * ids[0..n) (verso_fuzzy_tokenize's ids of that side's normalised text)
 * under (tm_id, pair, id, min(n, VERSO_FUZZIDX_MAX_LEN)), valued
 * (entry_id, the side's signature). pair is the directed pair hash of the side (tm.c's match
 * keys). A side without tokens writes nothing. Writing an existing posting
 * is not an error. Write transaction. Errors: ENOMEM, store errors. */
verso_err verso_fuzzidx_put(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id);

/* Removes what verso_fuzzidx_put(t, tm_id, pair, ids, n, entry_id) wrote:
 * the same ids must be given (the old text's, before an update). Postings
 * that are not there are skipped. Write transaction. */
verso_err verso_fuzzidx_del(verso_txn *t, uint32_t tm_id, uint32_t pair, const uint32_t *ids,
                            size_t n, uint64_t entry_id);

/* Postings waiting to be written. Writing a batch of entries' postings in
 * key order costs several times less than one entry at a time (each B-tree
 * page is copied and dirtied once, and stays in cache), so writers queue
 * them here and apply them at the end of the batch. Caller-owned. */
typedef struct verso_fuzzidx_rec {
    uint64_t sort; /* index into pairs << 32 | token */
    uint64_t id;
    uint32_t len, sig;
} verso_fuzzidx_rec;

#define VERSO_FUZZIDX_BATCH_PAIRS 65536u /* distinct (tm_id, pair) in one batch */

typedef struct verso_fuzzidx_batch {
    verso_fuzzidx_rec *v, *tmp_v; /* the records, and room to sort them */
    size_t n, cap, tmp_v_cap;
    uint64_t *pairs; /* tm_id << 32 | pair, by index */
    size_t npairs, pairs_cap;
    uint64_t *sorted; /* sorting: the pairs in order */
    uint16_t *rank;   /* and the rank of each */
    size_t sorted_cap, rank_cap;
    size_t cnt[8][256]; /* sorting: counts of each byte value */
    void *list;         /* a token's postings being rewritten (fuzzidx.c) */
    uint32_t *tmp;      /* distinct ids of one side */
    size_t tmp_cap;
} verso_fuzzidx_batch;

void verso_fuzzidx_batch_init(verso_fuzzidx_batch *b);
void verso_fuzzidx_batch_fini(verso_fuzzidx_batch *b);

/* Queues what verso_fuzzidx_put(t, tm_id, pair, ids, n, entry_id) would
 * write. Errors: ENOMEM; ETOOBIG when the batch holds VERSO_FUZZIDX_BATCH_PAIRS
 * pairs already (put it, then add again). */
verso_err verso_fuzzidx_batch_add(verso_fuzzidx_batch *b, uint32_t tm_id, uint32_t pair,
                                  const uint32_t *ids, size_t n, uint64_t entry_id);

/* Writes the queued postings in key order and empties the batch (also on
 * error). Write transaction. Errors: ENOMEM, store errors. */
verso_err verso_fuzzidx_batch_put(verso_txn *t, verso_fuzzidx_batch *b);

/* Empties the batch without writing it. */
void verso_fuzzidx_batch_clear(verso_fuzzidx_batch *b);

/* The entries under (tm_id, pair) that can have a base score >= min_score
 * (1..100, else EINVAL) against the query ids q[0..m): every such entry
 * with at least one token is in out->cands (docs/MATCHING.md §8 proves it);
 * others may be too, the caller scores them. Reads the postings of the
 * rarest distinct query tokens covering m - t + 1 positions (t the minimum
 * overlap), within the length range, then drops the entries whose count of
 * shared tokens cannot reach the overlap their length needs.
 * Flags: NO_TOKENS when m == 0 (no candidates: a query without tokens
 * matches only entries without tokens, which have no postings; near-exact
 * matching finds them), TOO_MANY when more than the scratch's cap of
 * entries turned up (no candidates: scan, or raise min_score).
 * Errors: EINVAL, ENOMEM, ESTORE (a block that does not decode), store
 * errors. Uses the transaction's kept cursor (store.h). */
verso_err verso_fuzzidx_candidates(verso_txn *t, verso_fuzzidx *x, uint32_t tm_id, uint32_t pair,
                                   const uint32_t *q, size_t m, int min_score,
                                   verso_fuzzidx_result *out);

#endif
