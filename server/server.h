/*
 * server.h - versod's process: configuration, the state shared (read-only or
 * atomic) by its threads, and its lifecycle.
 *
 * Threads: the caller's thread runs verso_server_run (the broker between the
 * ROUTER front socket and the workers); `threads` workers decode and execute
 * requests; one writer owns every LMDB write transaction (writer.h).
 */
#ifndef VERSO_SERVER_H
#define VERSO_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lexdir.h"
#include "metrics.h"
#include "segrules.h"
#include "srx.h"
#include "store.h"
#include "verso/err.h"

typedef struct verso_server_config {
    const char *bind; /* e.g. tcp://127.0.0.1:5555, or tcp://127.0.0.1:* */
    const char *data_dir;
    const char *ready_file;   /* NULL: none; else written with the bound endpoint */
    unsigned threads;         /* workers, >= 1 */
    size_t max_message_bytes; /* larger requests get ETOOBIG */
    const char *rules_dir;    /* segmentation rule files (segrules.h) */
    const char *dict_dir;     /* bilingual word lists for the aligner (lexdir.h); NULL: none */
    const char *srx_files[VERSO_SRX_MAX_SETS]; /* SRX rule sets (srx.h), named by file stem */
    unsigned nsrx_files;
    const char *curve_secret;    /* the server's key pair file (keyfile.h); NULL: no CURVE */
    const char *allow_file;      /* client allow-list (auth.h); required with curve_secret */
    int insecure;                /* permits binding a non-local endpoint without CURVE */
    uint64_t request_timeout_ms; /* a request's deadline, and the most "timeout_ms" asks;
                                    0: VERSO_REQUEST_TIMEOUT_MS */
    uint64_t stop_grace_ms;      /* at a stop, in-flight work is cancelled after this;
                                    0: VERSO_STOP_GRACE_MS */
    verso_store_opts store;
} verso_server_config;

#define VERSO_REQUEST_TIMEOUT_MS 120000u
#define VERSO_STOP_GRACE_MS      10000u
#define VERSO_MAX_TIMEOUT_MS     604800000u /* a week: the most either may be */

typedef struct verso_server_stats {
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t denied;        /* requests refused for their key or role */
    atomic_uint_fast64_t hs_accepted;   /* CURVE handshakes the allow-list admitted */
    atomic_uint_fast64_t hs_refused;    /* ... and refused */
    atomic_uint_fast64_t reloads;       /* allow-list reloads (SIGHUP) that took */
    atomic_uint_fast64_t reload_errors; /* ... that failed (the old list stays) */
    atomic_uint_fast64_t clients;       /* keys on the current allow-list */
    atomic_uint_fast64_t unposted_ns;   /* lookups' time reading entries not yet in the
                                           fuzzy index (tmfuzzy.h); the writer posts them
                                           once it exceeds its last posting's time */
    atomic_uint_fast64_t timed_out;     /* requests stopped at their deadline (ETIMEDOUT) */
    atomic_uint_fast64_t cancelled;     /* requests stopped or dropped: client gone, stop */
    atomic_uint_fast64_t queued;        /* requests waiting in the broker for a worker now */
    atomic_uint_fast64_t running;       /* requests whose op is executing now */
} verso_server_stats;

typedef struct verso_server_impl verso_server_impl;

/* Shared with every thread: fields other than the atomics are set before the
 * threads start and never change afterwards. */
typedef struct verso_server {
    verso_server_config cfg;
    char endpoint[256]; /* the bound endpoint, port resolved */
    verso_store *store;
    verso_seg_rules *rules;
    verso_srx *srx[VERSO_SRX_MAX_SETS]; /* SRX rule sets, read-only once started */
    unsigned nsrx;
    verso_lexdir *lexdir; /* word lists, read-only once started */
    int64_t started;      /* unix time */
    int64_t started_ms;   /* CLOCK_MONOTONIC milliseconds */
    verso_server_stats stats;
    verso_metrics metrics;   /* per op: counts and latencies (metrics.h) */
    atomic_int stopping;     /* set once a stop was requested: new requests get ESHUTDOWN */
    int curve;               /* CURVE on: callers are who the allow-list says (auth.h) */
    verso_server_impl *impl; /* sockets and threads, server.c only */
} verso_server;

/* Frames larger than this are dropped by libzmq itself (the peer is
 * disconnected): a multiple of max_message_bytes, so that merely oversize
 * requests still reach a worker and get ETOOBIG. */
#define VERSO_HARD_LIMIT(max_message_bytes) ((max_message_bytes)*2 + 65536)

/* Opens the store, binds, starts workers and writer, writes the ready file.
 * On success *out is the caller's: run it, then destroy it. */
verso_err verso_server_new(const verso_server_config *cfg, verso_server **out);

/* Serves until a stop is requested; then finishes in-flight requests,
 * answers queued ones with ESHUTDOWN, stops the threads and returns. */
verso_err verso_server_run(verso_server *s);

/* Requests a stop. Async-signal-safe: may be called from a signal handler. */
void verso_server_request_stop(verso_server *s);

/* Requests a reload of the allow-list, done by the broker before the next
 * request it forwards. Async-signal-safe (SIGHUP). */
void verso_server_request_reload(verso_server *s);

/* Frees everything; closes the store. Safe with *s == NULL; sets *s = NULL. */
void verso_server_destroy(verso_server **s);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t verso_now_ms(void);

#endif
