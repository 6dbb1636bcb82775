/*
 * host.h - what the broker tells the code it hosts (the ops) about itself:
 * facts fixed before any thread starts, and counters that every thread
 * updates with relaxed atomics. The broker owns the struct (server.c); a
 * handler sees it through its verso_call, borrowed for the call.
 */
#ifndef VERSO_HOST_H
#define VERSO_HOST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/* Defaults of a request's deadline and of the grace at a stop, and the
 * most either may be (deadlines in ns must not wrap). */
#define VERSO_REQUEST_TIMEOUT_MS 120000u
#define VERSO_STOP_GRACE_MS      10000u
#define VERSO_MAX_TIMEOUT_MS     604800000u /* a week: the most either may be */

typedef struct verso_host_stats {
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t denied;        /* requests refused for their key or role */
    atomic_uint_fast64_t hs_accepted;   /* CURVE handshakes the allow-list admitted */
    atomic_uint_fast64_t hs_refused;    /* ... and refused */
    atomic_uint_fast64_t reloads;       /* allow-list reloads (SIGHUP) that took */
    atomic_uint_fast64_t reload_errors; /* ... that failed (the old list stays) */
    atomic_uint_fast64_t clients;       /* keys on the current allow-list */
    atomic_uint_fast64_t timed_out;     /* requests stopped at their deadline (ETIMEDOUT) */
    atomic_uint_fast64_t cancelled;     /* requests stopped or dropped: client gone, stop */
    atomic_uint_fast64_t queued;        /* requests waiting in the broker for a worker now */
    atomic_uint_fast64_t running;       /* requests whose op is executing now */
} verso_host_stats;

typedef struct verso_host {
    /* facts: set before the threads start, never changed afterwards */
    char endpoint[256];          /* the bound endpoint, port resolved */
    const char *data_dir;        /* borrowed from the configuration */
    unsigned threads;            /* workers for work */
    unsigned write_threads;      /* workers for writes (0: writes are work) */
    size_t max_message_bytes;    /* larger requests get ETOOBIG */
    uint64_t request_timeout_ms; /* a request's deadline, and the most "timeout_ms" asks */
    char libzmq[32];             /* libzmq's version, "4.3.4" */
    int curve;                   /* CURVE on: callers are who the allow-list says (auth.h) */
    int64_t started;             /* unix time */
    int64_t started_ms;          /* CLOCK_MONOTONIC milliseconds (verso_now_ms) */
    /* counters and flags */
    verso_host_stats stats;
    verso_metrics metrics; /* per op: counts and latencies (metrics.h) */
    atomic_int stopping;   /* set once a stop was requested: new requests get ESHUTDOWN */
} verso_host;

#endif
