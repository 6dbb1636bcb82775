/**
 * @file verso/client.h
 * @brief libverso: talk to a versod server over ZeroMQ (protocol v1), one
 *        typed C call per op (docs/PROTOCOL.md section 6, docs/LIBVERSO.md).
 *
 * A verso_client is one DEALER connection. A client is not thread-safe: use
 * one per thread. The raw envelope calls (any op, msgpack fields, several
 * requests in flight) are in verso/envelope.h; this header needs no msgpack.
 *
 * Conventions of every typed call:
 * - Requests are caller-owned structs, borrowed for the call. Zero means
 *   absent: a NULL string or array is not sent, a zero number takes the
 *   server's default (fields where 0 is a value have a has_ flag).
 * - Returns VERSO_OK with *res the caller's (free with its _destroy);
 *   VERSO_ESERVER for an error reply (read it with verso_client_err and
 *   verso_client_err_message); VERSO_EINVAL for a request the library
 *   cannot send (a required field missing); VERSO_EPROTO for a reply whose
 *   fields have the wrong type; VERSO_ETIMEOUT, VERSO_ETRANSPORT,
 *   VERSO_EDENIED, VERSO_ENOMEM as for the envelope calls. *res is written
 *   on success only.
 * - Every string of a result is copied out of the reply and owned by the
 *   result: it lives until the result's _destroy. A field absent from the
 *   reply (or nil) reads as zero, "" or an empty array; one of the wrong
 *   type fails the call (VERSO_EPROTO). Byte offsets (spans, diffs) and
 *   indices (beads) are as the server sent them: check them against their
 *   text before use.
 */
#ifndef VERSO_CLIENT_H
#define VERSO_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verso/err.h"
#include "verso/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct verso_client verso_client;

/** Options; zero fields take the defaults. */
typedef struct verso_client_opts {
    int timeout_ms;         /**< per call (default 10000) */
    int connect_timeout_ms; /**< TCP connect (default 5000) */
    size_t max_reply_bytes; /**< larger replies are refused (default 64 MiB) */
    /** CurveZMQ (docs/SECURITY.md): the server's public key and this
     *  client's key pair, each 40 Z85 characters; all three or none. Borrowed
     *  for verso_client_new only. */
    const char *server_key;
    const char *public_key;
    const char *secret_key;
} verso_client_opts;

/**
 * Creates a client connected (asynchronously) to @p endpoint.
 * @return VERSO_OK with *out the caller's (free with verso_client_destroy),
 *         VERSO_EINVAL for a malformed endpoint or keys (or only some of the
 *         three), VERSO_ETRANSPORT, VERSO_ENOMEM. A server that refuses the
 *         client's key closes the handshake: calls then fail with
 *         VERSO_EDENIED.
 */
verso_err verso_client_new(const char *endpoint, const verso_client_opts *opts, verso_client **out);

/** Closes the connection, drops pending replies, frees *c; sets *c = NULL. */
void verso_client_destroy(verso_client **c);

/** Requests sent whose replies have not been received yet. */
size_t verso_client_pending(const verso_client *c);

/** After a typed call returned VERSO_ESERVER: the reply's code as a
 *  verso_err (VERSO_EINTERNAL for a code this library does not know);
 *  VERSO_OK after any other outcome. */
verso_err verso_client_err(const verso_client *c);
/** The wire code ("ENOTFOUND", ...) and message of that error reply; ""
 *  otherwise. Borrowed until the next call on @p c. */
const char *verso_client_err_code(const verso_client *c);
const char *verso_client_err_message(const verso_client *c);

/* ---- shared types ----------------------------------------------------------- */

/** A string with its length. In results ptr is never NULL and is
 *  NUL-terminated (the text may hold NUL bytes itself: use len). In
 *  requests ptr NULL means absent. */
typedef struct verso_str {
    const char *ptr;
    size_t len;
} verso_str;

/** A C string as a verso_str (NULL stays absent). */
verso_str verso_str_of(const char *s);

/** A [name, value] pair: an entry's props and tmx data, a library version. */
typedef struct verso_pair {
    verso_str name, value;
} verso_pair;

/** A byte range [start, end) as the server sent it (unchecked). */
typedef struct verso_span {
    int64_t start, end;
} verso_span;

/**
 * A TM entry (docs/PROTOCOL.md "Translation memories"). In results (get,
 * update, lookup, concordance, export) every field is filled. In an add
 * request src and tgt are required, the other texts and arrays are sent
 * when not NULL, created/changed/usage when not 0; id, tm and the
 * languages are ignored (the request's pair applies).
 */
typedef struct verso_entry {
    int64_t id;
    verso_str tm, src_lang, tgt_lang;
    verso_str src, tgt, prev, next, author, note, origin;
    const verso_str *src_tags, *tgt_tags; /**< text of each inline tag */
    size_t nsrc_tags, ntgt_tags;
    const verso_pair *props, *tmx;
    size_t nprops, ntmx;
    int64_t created, changed, usage;
} verso_entry;

/* ---- ping, hello, stats ------------------------------------------------------- */

/** ping: a round trip. */
verso_err verso_ping(verso_client *c);

typedef struct verso_hello_res {
    verso_str server, role, version;
    int64_t protocol, max_message_bytes;
    verso_str *ops;
    size_t nops;
    verso_pair *libraries; /**< name = library, value = its version */
    size_t nlibraries;
} verso_hello_res;

/** hello: the server's name, version, limits, ops and the caller's role. */
verso_err verso_hello(verso_client *c, verso_hello_res **res);
/** Frees *res; sets *res = NULL; safe with NULL. */
void verso_hello_res_destroy(verso_hello_res **res);

/** stats: one op's figures ("ops" of an admin's stats). */
typedef struct verso_op_stats {
    verso_str op;
    int64_t count, errors, mean_us, p50_us, p99_us, max_us;
} verso_op_stats;

typedef struct verso_stats_res {
    int64_t started, uptime_s, requests, errors, timed_out, cancelled, queued, running, threads;
    verso_str endpoint;
    int64_t posted_upto, pending_ids; /**< fuzzy_index */
    bool has_store;                   /**< the admin role's detail: */
    struct {
        verso_str path, engine;
        int64_t schema_version, created, map_size, max_map_size, map_grows, used_bytes;
        int64_t file_bytes, page_size, last_txn, readers_used, readers_max;
    } store;
    verso_op_stats *ops;
    size_t nops;
    bool has_auth;
    struct {
        verso_str mode;
        int64_t clients, handshakes_accepted, handshakes_refused, requests_denied, reloads;
        int64_t reload_errors;
    } auth;
} verso_stats_res;

/** stats: counters; store, ops and auth for the admin role only. */
verso_err verso_stats(verso_client *c, verso_stats_res **res);
void verso_stats_res_destroy(verso_stats_res **res);

/* ---- segment ------------------------------------------------------------------ */

typedef struct verso_segment_req {
    verso_str text;         /**< required */
    const char *lang;       /**< required, BCP 47 */
    const char *paragraphs; /**< "auto" (default), "line", "blank", "unwrap" */
    const char *rules;      /**< "verso" (default), "none", or an SRX set's name */
} verso_segment_req;

typedef struct verso_sentence {
    verso_str text;
    int64_t start, end, para; /**< byte offsets into the request's text */
} verso_sentence;

typedef struct verso_segment_res {
    verso_str lang, rules;
    verso_sentence *segments;
    size_t nsegments;
} verso_segment_res;

verso_err verso_segment(verso_client *c, const verso_segment_req *req, verso_segment_res **res);
void verso_segment_res_destroy(verso_segment_res **res);

/* ---- TMs ---------------------------------------------------------------------- */

/** tm_create (admin): EEXIST when the name is taken. */
verso_err verso_tm_create(verso_client *c, const char *tm);
/** tm_delete (admin): the TM and its entries; ENOTFOUND, EBADREQ for "default". */
verso_err verso_tm_delete(verso_client *c, const char *tm);

typedef struct verso_tm_info {
    verso_str name;
    int64_t entries;
} verso_tm_info;

typedef struct verso_tm_list_res {
    verso_tm_info *tms; /**< in name order */
    size_t ntms;
} verso_tm_list_res;

verso_err verso_tm_list(verso_client *c, verso_tm_list_res **res);
void verso_tm_list_res_destroy(verso_tm_list_res **res);

/* ---- add ------------------------------------------------------------------------ */

typedef struct verso_batch verso_batch;

/** A batch of entries packed as they are put, for bulk loading: the caller
 *  sees its size and sends it before it passes max_message_bytes. Free
 *  with verso_batch_destroy. @p cap_bytes: the packed entries may not pass
 *  it (0: 1 GiB). */
verso_err verso_batch_new(size_t cap_bytes, verso_batch **out);
void verso_batch_destroy(verso_batch **b);
/** Packs a copy of @p e (nothing of it is kept). VERSO_EINVAL without
 *  src or tgt; VERSO_ETOOBIG past the cap (the batch is unchanged). */
verso_err verso_batch_put(verso_batch *b, const verso_entry *e);
/** Entries in the batch, and the bytes they take packed. */
size_t verso_batch_count(const verso_batch *b);
size_t verso_batch_bytes(const verso_batch *b);
/** Empties the batch for reuse. */
void verso_batch_clear(verso_batch *b);

typedef struct verso_add_req {
    const char *tm;                  /**< default "default" */
    const char *src_lang, *tgt_lang; /**< required */
    const verso_entry *entries;      /**< entries, or batch: exactly one */
    size_t nentries;
    const verso_batch *batch;
    const char *on_conflict; /**< "keep_both" (default), "overwrite", "skip" */
    verso_str tmx_header;    /**< the TMX file's <header>, kept for export */
} verso_add_req;

typedef struct verso_add_res {
    int64_t added, updated, skipped;
    int64_t *ids; /**< one per entry, in request order */
    size_t nids;
} verso_add_res;

verso_err verso_add(verso_client *c, const verso_add_req *req, verso_add_res **res);
/** verso_add in two halves, for several adds in flight: send returns the
 *  request's id, recv waits (the client's timeout) for its reply. */
verso_err verso_add_send(verso_client *c, const verso_add_req *req, uint64_t *id);
verso_err verso_add_recv(verso_client *c, uint64_t id, verso_add_res **res);
void verso_add_res_destroy(verso_add_res **res);

/* ---- get, update, delete ----------------------------------------------------------- */

/** get and update: the entry as it is now. */
typedef struct verso_entry_res {
    verso_entry entry;
} verso_entry_res;

/** get: ENOTFOUND when there is no such entry. */
verso_err verso_get(verso_client *c, int64_t entry_id, verso_entry_res **res);
void verso_entry_res_destroy(verso_entry_res **res);

/** update: at least one field. A text replaces its tag list too (with the
 *  given tags, else with none); props replaces all when not NULL. */
typedef struct verso_update_req {
    int64_t entry_id;
    verso_str src, tgt, author, note, origin;
    const verso_str *src_tags, *tgt_tags;
    size_t nsrc_tags, ntgt_tags;
    const verso_pair *props;
    size_t nprops;
    bool has_used;
    int64_t used; /**< added to the entry's usage (a CAT tool sends 1) */
} verso_update_req;

verso_err verso_update(verso_client *c, const verso_update_req *req, verso_entry_res **res);

/** delete: *deleted gets how many of the ids existed. */
verso_err verso_delete(verso_client *c, const int64_t *ids, size_t nids, int64_t *deleted);

/* ---- lookup ------------------------------------------------------------------------ */

typedef struct verso_lookup_req {
    const char *tm;                  /**< default "default" */
    const char *src_lang, *tgt_lang; /**< required */
    const verso_str *segments;       /**< segments, or text: exactly one */
    size_t nsegments;
    verso_str text;
    const char *rules;  /**< for text, as in segment */
    bool has_min_score; /**< else the server's 70 */
    int min_score;      /**< 0 to 101 */
    int max_results;    /**< 1 to 100; 0: the server's 5 */
    const char *method; /**< "index" (default) or "scan" */
} verso_lookup_req;

/** Where a match's src differs from the segment looked up. */
typedef struct verso_diff {
    verso_str kind; /**< "edit", "case", "numbers" */
    verso_span segment, src;
} verso_diff;

/** A penalty of a match: its name ("case", "tags", ...) and points. */
typedef struct verso_penalty {
    verso_str name;
    int64_t points;
} verso_penalty;

typedef struct verso_match {
    verso_entry entry;
    int64_t score, base;
    verso_str kind; /**< "context", "exact", "near", "fuzzy", ... */
    verso_penalty *penalties;
    size_t npenalties;
    bool reversed, substituted;
    bool has_diffs; /**< false when the server sent nil */
    verso_diff *diffs;
    size_t ndiffs;
} verso_match;

typedef struct verso_lookup_result {
    verso_str segment;
    bool has_offsets; /**< a text request: start and end into it */
    int64_t start, end;
    verso_match *matches; /**< best first */
    size_t nmatches;
} verso_lookup_result;

typedef struct verso_lookup_res {
    verso_lookup_result *results; /**< one per segment */
    size_t nresults;
} verso_lookup_res;

verso_err verso_lookup(verso_client *c, const verso_lookup_req *req, verso_lookup_res **res);
void verso_lookup_res_destroy(verso_lookup_res **res);

/* ---- concordance --------------------------------------------------------------------- */

typedef struct verso_concordance_req {
    const char *tm;   /**< default "default" */
    const char *lang; /**< required */
    const char *side; /**< "src" (default) or "tgt" */
    verso_str query;  /**< required */
    int max_results;  /**< 1 to 1000; 0: the server's 20 */
} verso_concordance_req;

typedef struct verso_concordance_hit {
    verso_entry entry;
    bool has_spans; /**< false when the server sent nil */
    verso_span *spans;
    size_t nspans;
    bool phrase;
} verso_concordance_hit;

typedef struct verso_concordance_res {
    verso_concordance_hit *results;
    size_t nresults;
    bool more;
} verso_concordance_res;

verso_err verso_concordance(verso_client *c, const verso_concordance_req *req,
                            verso_concordance_res **res);
void verso_concordance_res_destroy(verso_concordance_res **res);

/* ---- align --------------------------------------------------------------------------- */

typedef struct verso_align_req {
    const char *src_lang, *tgt_lang; /**< required */
    verso_str src_text;              /**< src_text or src_segments: exactly one */
    const verso_str *src_segments;
    size_t nsrc_segments;
    verso_str tgt_text; /**< likewise */
    const verso_str *tgt_segments;
    size_t ntgt_segments;
    const char *rules;
    const char *links_from; /**< a TM whose entries teach the aligner */
    bool store;             /**< store the confident beads: */
    const char *store_tm;   /**< default "default" */
    bool has_min_confidence;
    double min_confidence; /**< 0 to 1; else the server's 0.6 */
    const char *origin;    /**< default "align" */
} verso_align_req;

typedef struct verso_bead {
    int64_t *src, *tgt; /**< sentence indices (unchecked) */
    size_t nsrc, ntgt;
    double score;
    bool moved;
} verso_bead;

typedef struct verso_align_res {
    verso_str *src_segments, *tgt_segments;
    size_t nsrc_segments, ntgt_segments;
    verso_bead *beads;
    size_t nbeads;
    verso_str lexicon; /**< "" when none */
    bool has_links_from;
    verso_str links_tm;
    int64_t links_entries;
    bool has_stored;
    int64_t candidates, added, skipped;
    int64_t low_confidence, shape, unpaired, too_long; /**< held back */
} verso_align_res;

verso_err verso_align(verso_client *c, const verso_align_req *req, verso_align_res **res);
void verso_align_res_destroy(verso_align_res **res);

/* ---- export, backup ---------------------------------------------------------------------- */

typedef struct verso_export_req {
    const char *tm; /**< default "default" */
    int64_t after;  /**< entries with ids above it (0: from the start) */
    int limit;      /**< 1 to 10,000; 0: the server's 1,000 */
} verso_export_req;

typedef struct verso_export_res {
    verso_entry *entries;
    size_t nentries;
    int64_t next;         /**< the next page's after; 0 at the end */
    verso_str tmx_header; /**< first page only; "" when the TM keeps none */
} verso_export_res;

verso_err verso_export(verso_client *c, const verso_export_req *req, verso_export_res **res);
void verso_export_res_destroy(verso_export_res **res);

typedef struct verso_backup_res {
    verso_str path;
    int64_t bytes, ms;
} verso_backup_res;

/** backup (admin): the store copied into @p dir, an absolute path on the
 *  server's machine. */
verso_err verso_backup(verso_client *c, const char *dir, verso_backup_res **res);
void verso_backup_res_destroy(verso_backup_res **res);

#ifdef __cplusplus
}
#endif
#endif
