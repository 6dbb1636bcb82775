/*
 * http_bench.c - amaGama lookups over HTTP against the same lookups over
 * ZeroMQ, in one run on one server (issue 22's target: HTTP within 1.5x of
 * the ZeroMQ round trip at p50). It starts a versod with --http on a fresh
 * directory, fills a TM with N synthetic en -> fr pairs (sentences of words
 * drawn from a made-up vocabulary: a synthetic set), then for each door in
 * turn runs C clients, one request in flight each, back to back for S
 * seconds: over ZeroMQ a libverso `lookup` of one segment (min_score 70, 5
 * results, as the tmserver route asks), over HTTP a keep-alive
 * GET /tmserver/en/fr/unit/{segment}. Half the segments are stored ones,
 * half have one word changed. Prints requests/s and p50/p99/p99.9 round
 * trips of each, and the ratio of the p50s. Exit 1 on any error.
 * Usage: http_bench [--clients N] [--seconds S] [--entries N]
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "verso/client.h"

#define S_VOCAB   3000
#define S_WORDS   12      /* words of a sentence */
#define S_MAX_LAT 2000000 /* latencies kept per client */

static int s_clients = 64, s_seconds = 10, s_entries = 100000;
static char s_vocab[S_VOCAB][12];
static atomic_int s_errors;

static uint64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t s_rand(uint64_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    return *st;
}

/* Made-up words: consonant-vowel syllables, distinct enough. */
static void s_make_vocab(void)
{
    static const char cons[] = "bcdfghklmnprstvz", vow[] = "aeiou";
    uint64_t st = 88172645463325252u;
    for (int i = 0; i < S_VOCAB; i++) {
        int syl = 2 + (int)(s_rand(&st) % 3), n = 0;
        for (int k = 0; k < syl; k++) {
            s_vocab[i][n++] = cons[s_rand(&st) % 16];
            s_vocab[i][n++] = vow[s_rand(&st) % 5];
        }
        s_vocab[i][n] = '\0';
    }
}

/* Sentence k (the same k, the same sentence), one word changed when
 * `change`; tgt: its "translation" (the words reversed). */
static void s_sentence(uint64_t k, bool change, char *src, char *tgt, size_t cap)
{
    uint64_t st = k * 2654435761u + 1;
    int w[S_WORDS];
    for (int i = 0; i < S_WORDS; i++)
        w[i] = (int)(pow((double)(s_rand(&st) % 10000) / 10000.0, 2.0) * S_VOCAB) % S_VOCAB;
    if (change)
        w[(int)(k % S_WORDS)] = (w[(int)(k % S_WORDS)] + 7) % S_VOCAB;
    size_t a = 0, b = 0;
    for (int i = 0; i < S_WORDS && a + 16 < cap && b + 16 < cap; i++) {
        a += (size_t)snprintf(src + a, cap - a, "%s%s", i ? " " : "", s_vocab[w[i]]);
        b += (size_t)snprintf(tgt + b, cap - b, "%s%s", i ? " " : "", s_vocab[w[S_WORDS - 1 - i]]);
    }
    snprintf(src + a, cap - a, "%u.", (unsigned)(k % 1000));
}

static int s_fill(const char *endpoint)
{
    verso_client *c;
    if (verso_client_new(endpoint, NULL, &c))
        return -1;
    enum { BATCH = 2000 };
    static char src[BATCH][256], tgt[BATCH][256];
    static verso_entry e[BATCH];
    for (int done = 0; done < s_entries;) {
        int n = s_entries - done < BATCH ? s_entries - done : BATCH;
        for (int i = 0; i < n; i++) {
            s_sentence((uint64_t)(done + i), false, src[i], tgt[i], 256);
            e[i] = (verso_entry){.src = {src[i], strlen(src[i])}, .tgt = {tgt[i], strlen(tgt[i])}};
        }
        verso_add_req req = {
            .src_lang = "en", .tgt_lang = "fr", .entries = e, .nentries = (size_t)n};
        verso_add_res *res = NULL;
        if (verso_add(c, &req, &res)) {
            verso_client_destroy(&c);
            return -1;
        }
        verso_add_res_destroy(&res);
        done += n;
    }
    verso_client_destroy(&c);
    return 0;
}

typedef struct s_worker {
    pthread_t t;
    int index;
    const char *endpoint; /* ZeroMQ */
    int port;             /* HTTP */
    uint64_t until_ns;
    uint64_t *lat;
    size_t n;
} s_worker;

/* The k-th query: a stored sentence, or one with a word changed. */
static void s_query(s_worker *w, uint64_t *st, char *q, size_t cap)
{
    char tgt[256];
    uint64_t k = s_rand(st) % (uint64_t)s_entries;
    s_sentence(k, (k ^ (uint64_t)w->index) & 1, q, tgt, cap);
}

static void *s_zmq_main(void *arg)
{
    s_worker *w = arg;
    verso_client *c;
    if (verso_client_new(w->endpoint, NULL, &c)) {
        atomic_fetch_add(&s_errors, 1);
        return NULL;
    }
    uint64_t st = 0x9E3779B97F4A7C15u ^ (uint64_t)(w->index + 1);
    char q[256];
    while (s_now_ns() < w->until_ns && w->n < S_MAX_LAT) {
        s_query(w, &st, q, sizeof q);
        verso_str seg = {q, strlen(q)};
        verso_lookup_req req = {.src_lang = "en",
                                .tgt_lang = "fr",
                                .segments = &seg,
                                .nsegments = 1,
                                .has_min_score = true,
                                .min_score = 70,
                                .max_results = 5};
        verso_lookup_res *res = NULL;
        uint64_t t0 = s_now_ns();
        if (verso_lookup(c, &req, &res)) {
            atomic_fetch_add(&s_errors, 1);
            break;
        }
        w->lat[w->n++] = s_now_ns() - t0;
        verso_lookup_res_destroy(&res);
    }
    verso_client_destroy(&c);
    return NULL;
}

/* Percent-encodes q into out (RFC 3986 unreserved characters kept). */
static void s_encode(const char *q, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)q; *p && n + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

static int s_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads one whole HTTP/1.1 response (Content-Length framed) into buf.
 * Returns its status, or -1. */
static int s_response(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (!end && n >= cap - 1)
            return -1;
    }
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t body = cl ? strtoul(cl + 17, NULL, 10) : 0, head = (size_t)(end + 4 - buf);
    while (n < head + body) {
        char sink[65536];
        ssize_t r = recv(fd, sink, sizeof sink, 0);
        if (r <= 0)
            return -1;
        n += (size_t)r;
    }
    return atoi(buf + 9);
}

static void *s_http_main(void *arg)
{
    s_worker *w = arg;
    int fd = s_connect(w->port);
    if (fd < 0) {
        atomic_fetch_add(&s_errors, 1);
        return NULL;
    }
    uint64_t st = 0x9E3779B97F4A7C15u ^ (uint64_t)(w->index + 1);
    char q[256], enc[1024], req[1400], resp[65536];
    while (s_now_ns() < w->until_ns && w->n < S_MAX_LAT) {
        s_query(w, &st, q, sizeof q);
        s_encode(q, enc, sizeof enc);
        int len = snprintf(req, sizeof req,
                           "GET /tmserver/en/fr/unit/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", enc);
        uint64_t t0 = s_now_ns();
        if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len ||
            s_response(fd, resp, sizeof resp) != 200) {
            atomic_fetch_add(&s_errors, 1);
            break;
        }
        w->lat[w->n++] = s_now_ns() - t0;
    }
    close(fd);
    return NULL;
}

static int s_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs the clients on one door; prints its line; returns its p50 in us. */
static double s_run(const char *name, void *(*fn)(void *), const verso_proc *p, int port)
{
    s_worker *w = calloc((size_t)s_clients, sizeof *w);
    uint64_t until = s_now_ns() + (uint64_t)s_seconds * 1000000000u;
    for (int i = 0; i < s_clients; i++) {
        w[i] = (s_worker){.index = i, .endpoint = p->endpoint, .port = port, .until_ns = until};
        w[i].lat = malloc(S_MAX_LAT * sizeof *w[i].lat);
        pthread_create(&w[i].t, NULL, fn, &w[i]);
    }
    size_t total = 0;
    for (int i = 0; i < s_clients; i++) {
        pthread_join(w[i].t, NULL);
        total += w[i].n;
    }
    uint64_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < s_clients; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof *all, s_cmp);
    double q50 = total ? (double)all[total / 2] / 1000.0 : 0;
    printf("%-6s %9zu %9.0f %9.3f %9.3f %9.3f\n", name, total, (double)total / s_seconds,
           q50 / 1000.0, total ? (double)all[total * 99 / 100] / 1e6 : 0,
           total ? (double)all[total * 999 / 1000] / 1e6 : 0);
    free(all);
    free(w);
    return q50;
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--clients"))
            s_clients = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds"))
            s_seconds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--entries"))
            s_entries = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: http_bench [--clients N] [--seconds S] [--entries N]\n");
            return 2;
        }
    }
    if (s_clients < 1 || s_clients > 1000 || s_seconds < 1 || s_entries < 100) {
        fprintf(stderr, "http_bench: bad value\n");
        return 2;
    }
    s_make_vocab();
    static const char *const extra[] = {"--http", "127.0.0.1:0", "--http-threads", "4", NULL};
    verso_proc p;
    if (verso_proc_start(&p, VERSOD_PATH, NULL, extra) < 0)
        return 1;
    const char *colon = strrchr(p.http, ':');
    int port = colon ? atoi(colon + 1) : 0, rc = 1;
    printf("http_bench: %d synthetic en -> fr pairs (made-up words), %d clients, %d s a door\n",
           s_entries, s_clients, s_seconds);
    if (!port || s_fill(p.endpoint) < 0) {
        fprintf(stderr, "http_bench: no HTTP port, or the fill failed\n");
        goto out;
    }
    printf("door     lookups     req/s    p50 ms    p99 ms  p99.9 ms\n");
    double z = s_run("zeromq", s_zmq_main, &p, port);
    double h = s_run("http", s_http_main, &p, port);
    printf("HTTP p50 / ZeroMQ p50 = %.2f (target <= 1.5)\n", z > 0 ? h / z : 0);
    rc = atomic_load(&s_errors) ? 1 : 0;
    if (rc)
        fprintf(stderr, "http_bench: %d error(s)\n", atomic_load(&s_errors));
out:;
    int status;
    verso_proc_stop(&p, 15, &status);
    verso_proc_cleanup(&p);
    return rc;
}
