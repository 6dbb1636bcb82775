/*
 * metrics.h - per-op request counts and latency histograms, updated by the
 * worker threads without locks (relaxed atomics) and read by `stats`.
 * Latencies go to log-linear buckets: 16 per power of two of microseconds,
 * so a reported quantile is at most 6.25% above the true value.
 */
#ifndef VERSO_METRICS_H
#define VERSO_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERSO_METRICS_OPS     32
#define VERSO_METRICS_BUCKETS 640 /* up to 2^43 us */

typedef struct verso_op_metrics {
    atomic_uint_fast64_t count, errors, total_us, max_us;
    atomic_uint_fast64_t buckets[VERSO_METRICS_BUCKETS];
} verso_op_metrics;

/* Zero-initialised storage is a valid empty set (owned by the server). */
typedef struct verso_metrics {
    verso_op_metrics ops[VERSO_METRICS_OPS];
} verso_metrics;

/* Records one request of op number op (its index in the op table) that took
 * us microseconds; failed: it got an error reply. Ops past the table size
 * are ignored. Thread-safe. */
void verso_metrics_record(verso_metrics *m, size_t op, uint64_t us, bool failed);

/* The q-quantile (0 < q <= 1) of an op's latencies in microseconds, as the
 * upper bound of its bucket (never above the maximum seen); 0 when empty. */
uint64_t verso_metrics_quantile(const verso_op_metrics *o, double q);

/* How many of an op's latencies were at most us microseconds, counting the
 * buckets that lie wholly below it (a bucket straddling us is left out:
 * an undercount of at most 6.25% of us). For Prometheus histograms. */
uint64_t verso_metrics_count_upto(const verso_op_metrics *o, uint64_t us);

/* Microseconds on the monotonic clock. */
uint64_t verso_metrics_now_us(void);

#endif
