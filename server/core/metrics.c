/* metrics.c - per-op latency histograms; see metrics.h. */
#include "metrics.h"

#include <time.h>

#define S_SUB_BITS 4 /* 16 sub-buckets per power of two */
#define S_SUB      (1u << S_SUB_BITS)

/* Bucket of a latency: S_SUB sub-buckets per power of two (below S_SUB us,
 * exact). */
static size_t s_bucket(uint64_t us)
{
    if (us < S_SUB)
        return (size_t)us;
    int log = 63 - __builtin_clzll(us); /* >= S_SUB_BITS */
    size_t b =
        (size_t)(log - S_SUB_BITS + 1) * S_SUB + (size_t)((us >> (log - S_SUB_BITS)) & (S_SUB - 1));
    return b < VERSO_METRICS_BUCKETS ? b : VERSO_METRICS_BUCKETS - 1;
}

/* The largest latency of bucket b. */
static uint64_t s_bucket_top(size_t b)
{
    if (b < S_SUB)
        return b;
    size_t log = b / S_SUB + S_SUB_BITS - 1, sub = b % S_SUB;
    return ((uint64_t)(S_SUB + sub + 1) << (log - S_SUB_BITS)) - 1;
}

void verso_metrics_record(verso_metrics *m, size_t op, uint64_t us, bool failed)
{
    if (op >= VERSO_METRICS_OPS)
        return;
    verso_op_metrics *o = &m->ops[op];
    atomic_fetch_add_explicit(&o->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&o->errors, failed, memory_order_relaxed);
    atomic_fetch_add_explicit(&o->total_us, us, memory_order_relaxed);
    atomic_fetch_add_explicit(&o->buckets[s_bucket(us)], 1, memory_order_relaxed);
    uint64_t max = atomic_load_explicit(&o->max_us, memory_order_relaxed);
    while (us > max && !atomic_compare_exchange_weak_explicit(
                           &o->max_us, &max, us, memory_order_relaxed, memory_order_relaxed))
        ;
}

uint64_t verso_metrics_quantile(const verso_op_metrics *o, double q)
{
    uint64_t n = 0, seen = 0;
    uint64_t counts[VERSO_METRICS_BUCKETS];
    for (size_t b = 0; b < VERSO_METRICS_BUCKETS; b++)
        n += counts[b] = atomic_load_explicit(&o->buckets[b], memory_order_relaxed);
    uint64_t rank = (uint64_t)(q * (double)n + 0.999999), max = atomic_load(&o->max_us);
    for (size_t b = 0; b < VERSO_METRICS_BUCKETS && n; b++)
        if ((seen += counts[b]) >= rank)
            return s_bucket_top(b) < max ? s_bucket_top(b) : max;
    return 0;
}

uint64_t verso_metrics_count_upto(const verso_op_metrics *o, uint64_t us)
{
    uint64_t n = 0;
    for (size_t b = 0; b < VERSO_METRICS_BUCKETS && s_bucket_top(b) <= us; b++)
        n += atomic_load_explicit(&o->buckets[b], memory_order_relaxed);
    return n;
}

uint64_t verso_metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
