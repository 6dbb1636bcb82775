/*
 * ping_bench.c - `ping` round trips over loopback: throughput and latency
 * percentiles with 1 and 8 concurrent clients (each a libverso client in its
 * own thread, one request in flight at a time). Starts its own versod unless
 * --endpoint is given. The baseline rows, measured in the same run, are a
 * bare libzmq DEALER -> ROUTER echo of the same request bytes over the same
 * loopback: the floor that ZeroMQ itself sets.
 * Usage: ping_bench [--seconds S] [--clients LIST] [--endpoint E] [--versod PATH]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "spawn.h"
#include "verso/client.h"

#define S_MAX_SAMPLES (4u << 20)

typedef struct s_worker {
    const char *endpoint;
    int raw;      /* baseline: bare DEALER against the echo server */
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

static const char s_ping[] = "\x83\xa1v\x01\xa2id\x01\xa2op\xa4ping";

/* The baseline client: send the ping bytes, wait for the echo. */
static void *s_run_raw(void *arg, void *zctx)
{
    s_worker *w = arg;
    void *sock = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    char buf[64];
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(sock, w->endpoint);
    for (double t0 = s_now(); t0 < w->until; t0 = s_now()) {
        zmq_send(sock, s_ping, sizeof s_ping - 1, 0);
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 5000) != 1 || zmq_recv(sock, buf, sizeof buf, 0) < 0) {
            w->errors++;
            continue;
        }
        double t1 = s_now();
        if (t0 >= w->warm_until && w->n < S_MAX_SAMPLES)
            w->lat_ns[w->n++] = (uint32_t)((t1 - t0) * 1e9);
    }
    zmq_close(sock);
    return NULL;
}

static void *s_echo_zctx;

/* Echo server for the baseline: ROUTER, every message sent straight back,
 * until "STOP" arrives on its control socket. */
static void *s_echo(void *arg)
{
    void *front = arg;
    void *ctl = zmq_socket(s_echo_zctx, ZMQ_PAIR);
    zmq_connect(ctl, "inproc://echo-ctl");
    for (;;) {
        zmq_pollitem_t it[2] = {{front, 0, ZMQ_POLLIN, 0}, {ctl, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(it, 2, -1) < 0 || (it[1].revents & ZMQ_POLLIN))
            break;
        int more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            zmq_msg_recv(&m, front, 0);
            more = zmq_msg_more(&m);
            zmq_msg_send(&m, front, more ? ZMQ_SNDMORE : 0);
        }
    }
    zmq_close(ctl);
    return NULL;
}

static void *s_run(void *arg)
{
    s_worker *w = arg;
    if (w->raw)
        return s_run_raw(arg, s_echo_zctx);
    verso_client *c;
    if (verso_client_new(w->endpoint, NULL, &c)) {
        w->errors++;
        return NULL;
    }
    for (double t0 = s_now(); t0 < w->until; t0 = s_now()) {
        verso_err err = verso_ping(c);
        double t1 = s_now();
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
static int s_row(const char *what, const char *endpoint, int raw, int clients, double secs)
{
    s_worker *w = calloc((size_t)clients, sizeof *w);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    double start = s_now();
    for (int i = 0; i < clients; i++) {
        w[i] = (s_worker){endpoint, raw, start + 0.5 + secs, start + 0.5, NULL, 0, 0};
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
    printf("%-16s %7d %10zu %10.0f %9.1f %9.1f %9.1f %7zu\n", what, clients, total,
           (double)total / secs, s_pct(all, total, 0.50), s_pct(all, total, 0.99),
           s_pct(all, total, 0.999), errors);
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
    printf("%-16s %7s %10s %10s %9s %9s %9s %7s\n", "server", "clients", "requests", "req/s",
           "p50 us", "p99 us", "p99.9 us", "errors");
    /* Baseline: a bare libzmq echo in this process, over tcp loopback. */
    s_echo_zctx = zmq_ctx_new();
    void *echo = zmq_socket(s_echo_zctx, ZMQ_ROUTER);
    void *ctl = zmq_socket(s_echo_zctx, ZMQ_PAIR);
    char echo_ep[128];
    size_t len = sizeof echo_ep;
    zmq_bind(ctl, "inproc://echo-ctl");
    zmq_bind(echo, "tcp://127.0.0.1:*");
    zmq_getsockopt(echo, ZMQ_LAST_ENDPOINT, echo_ep, &len);
    pthread_t echo_th;
    pthread_create(&echo_th, NULL, s_echo, echo);
    int bad = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", clients);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        bad |= s_row("libzmq echo", echo_ep, 1, atoi(tok), secs);
        bad |= s_row("versod ping", endpoint, 0, atoi(tok), secs);
    }
    zmq_send(ctl, "STOP", 4, 0);
    pthread_join(echo_th, NULL);
    zmq_close(ctl);
    zmq_close(echo);
    zmq_ctx_term(s_echo_zctx);
    if (proc.pid) {
        int status;
        verso_proc_stop(&proc, SIGTERM, &status);
        verso_proc_cleanup(&proc);
    }
    return bad;
}
