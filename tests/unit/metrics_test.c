/* metrics_test.c - per-op counts and latency quantiles. */
#include "harness.h"
#include "metrics.h"

static verso_metrics s_m; /* zeroed: empty */

static void test_counts_and_quantiles(void)
{
    CHECK_INT(verso_metrics_quantile(&s_m.ops[0], 0.5), 0);
    for (uint64_t us = 1; us <= 1000; us++)
        verso_metrics_record(&s_m, 0, us, us % 100 == 0);
    verso_metrics_record(&s_m, VERSO_METRICS_OPS, 5, false); /* out of range: ignored */
    const verso_op_metrics *o = &s_m.ops[0];
    CHECK_INT(atomic_load(&o->count), 1000);
    CHECK_INT(atomic_load(&o->errors), 10);
    CHECK_INT(atomic_load(&o->total_us), 500500);
    CHECK_INT(atomic_load(&o->max_us), 1000);
    uint64_t p50 = verso_metrics_quantile(o, 0.5), p99 = verso_metrics_quantile(o, 0.99);
    CHECK(p50 >= 500 && p50 <= 500 * 1.0625); /* within one bucket above */
    CHECK(p99 >= 990 && p99 <= 1000);         /* capped by the maximum */
    CHECK_INT(verso_metrics_quantile(o, 1.0), 1000);
    /* Small values are exact; huge ones land in the last bucket. */
    verso_metrics_record(&s_m, 1, 3, false);
    CHECK_INT(verso_metrics_quantile(&s_m.ops[1], 0.5), 3);
    verso_metrics_record(&s_m, 2, UINT64_MAX / 2, false);
    CHECK(verso_metrics_quantile(&s_m.ops[2], 0.5) > 0);
}

/* Each latency's quantile, alone in a histogram, is at most 1/16 above it. */
static void test_bucket_bounds(void)
{
    for (uint64_t us = 1; us < ((uint64_t)1 << 40); us += us / 7 + 1) {
        static verso_metrics m;
        memset(&m, 0, sizeof m);
        verso_metrics_record(&m, 0, us, false);
        verso_metrics_record(&m, 0, us * 2, false);
        uint64_t q = verso_metrics_quantile(&m.ops[0], 0.5);
        CHECK(q >= us && (double)q <= (double)us * 1.0625 + 1);
    }
}

int main(void)
{
    RUN(test_bucket_bounds);
    RUN(test_counts_and_quantiles);
    return t_report();
}
