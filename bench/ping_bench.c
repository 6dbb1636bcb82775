/*
 * ping_bench.c - `ping` round trips over loopback: throughput and latency
 * percentiles with 1 and 8 concurrent clients (each a libverso client in its
 * own thread, one request in flight at a time). Starts its own versod unless
 * --endpoint is given.
 * Usage: ping_bench [--seconds S] [--clients LIST] [--endpoint E] [--versod PATH]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spawn.h"
#include "verso/client.h"

#define S_MAX_SAMPLES (4u << 20)

typedef struct s_worker {
    const char *endpoint;
    double until; /* CLOCK_MONOTONIC seconds */
    double warm_until;
    uint32_t *lat_ns; /* samples after warm-up */
    size_t n;
    size_t errors;
} s_worker;

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *s_run(void *arg)
{
    s_worker *w = arg;
    verso_client *c;
    if (verso_client_new(w->endpoint, NULL, &c)) {
        w->errors++;
        return NULL;
    }
    for (double t0 = s_now(); t0 < w->until; t0 = s_now()) {
        verso_reply *r = NULL;
        verso_err err = verso_client_call(c, "ping", NULL, &r);
        double t1 = s_now();
        verso_reply_destroy(&r);
        if (err) {
            w->errors++;
            continue;
        }
        if (t0 >= w->warm_until && w->n < S_MAX_SAMPLES)
            w->lat_ns[w->n++] = (uint32_t)((t1 - t0) * 1e9);
    }
    verso_client_destroy(&c);
    return NULL;
}

static int s_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double s_pct(const uint32_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1));
    return v[i] / 1000.0;
}

/* One row: `clients` threads for `secs` seconds after 0.5 s of warm-up. */
static int s_row(const char *endpoint, int clients, double secs)
{
    s_worker *w = calloc((size_t)clients, sizeof *w);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    double start = s_now();
    for (int i = 0; i < clients; i++) {
        w[i] = (s_worker){endpoint, start + 0.5 + secs, start + 0.5, NULL, 0, 0};
        w[i].lat_ns = malloc(S_MAX_SAMPLES * sizeof *w[i].lat_ns);
        pthread_create(&th[i], NULL, s_run, &w[i]);
    }
    size_t total = 0, errors = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        total += w[i].n;
        errors += w[i].errors;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    for (int i = 0, k = 0; i < clients; i++) {
        memcpy(all + k, w[i].lat_ns, w[i].n * sizeof *all);
        k += (int)w[i].n;
        free(w[i].lat_ns);
    }
    qsort(all, total, sizeof *all, s_cmp);
    printf("%7d %10zu %10.0f %9.1f %9.1f %9.1f %7zu\n", clients, total, (double)total / secs,
           s_pct(all, total, 0.50), s_pct(all, total, 0.99), s_pct(all, total, 0.999), errors);
    free(all);
    free(w);
    free(th);
    return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    double secs = 3;
    const char *endpoint = NULL, *versod = VERSOD_PATH, *clients = "1,8";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seconds"))
            secs = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--endpoint"))
            endpoint = argv[i + 1];
        else if (!strcmp(argv[i], "--versod"))
            versod = argv[i + 1];
        else if (!strcmp(argv[i], "--clients"))
            clients = argv[i + 1];
    }
    verso_proc proc = {0};
    if (!endpoint) {
        if (verso_proc_start(&proc, versod, NULL, NULL) < 0)
            return 1;
        endpoint = proc.endpoint;
    }
    printf("ping round trips over loopback to %s, %.1f s per row (after 0.5 s warm-up)\n", endpoint,
           secs);
    printf("%7s %10s %10s %9s %9s %9s %7s\n", "clients", "requests", "req/s", "p50 us", "p99 us",
           "p99.9 us", "errors");
    int bad = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", clients);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
        bad |= s_row(endpoint, atoi(tok), secs);
    if (proc.pid) {
        int status;
        verso_proc_stop(&proc, SIGTERM, &status);
        verso_proc_cleanup(&proc);
    }
    return bad;
}
