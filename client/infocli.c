/*
 * infocli.c - the `verso` commands about the server and plain text: ping
 * (with its round-trip time), hello, stats and segment. Each is one typed
 * libverso call and a printer; --json prints the reply's "res" instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int verso_cli_ping(verso_cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return VERSO_CLI_USAGE;
    double t0 = s_now();
    verso_err err = verso_ping(cli->client);
    double ms = (s_now() - t0) * 1000;
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        printf("pong from %s in %.3f ms\n", cli->endpoint, ms);
    return 0;
}

static void s_print_hello(const verso_hello_res *r)
{
    printf("%s %s, protocol %lld\n", r->server.ptr, r->version.ptr, (long long)r->protocol);
    printf("max message: %lld bytes\n", (long long)r->max_message_bytes);
    if (r->role.len)
        printf("your role: %s\n", r->role.ptr);
    printf("ops:");
    for (size_t i = 0; i < r->nops; i++) {
        putchar(' ');
        verso_cli_put(r->ops[i].ptr, r->ops[i].len);
    }
    printf("\nlibraries:");
    for (size_t i = 0; i < r->nlibraries; i++) {
        putchar(' ');
        verso_cli_put(r->libraries[i].name.ptr, r->libraries[i].name.len);
        putchar('=');
        verso_cli_put(r->libraries[i].value.ptr, r->libraries[i].value.len);
    }
    printf("\n");
}

int verso_cli_hello(verso_cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return VERSO_CLI_USAGE;
    verso_hello_res *r = NULL;
    verso_err err = verso_hello(cli->client, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        s_print_hello(r);
    verso_hello_res_destroy(&r);
    return 0;
}

static double s_mib(int64_t bytes)
{
    return (double)bytes / 1048576.0;
}

static void s_print_stats(const verso_stats_res *r)
{
    printf("uptime %llds, %lld request(s), %lld error(s), %lld worker thread(s), endpoint %s\n",
           (long long)r->uptime_s, (long long)r->requests, (long long)r->errors,
           (long long)r->threads, r->endpoint.ptr);
    if (!r->has_store)
        return; /* the detail is for the admin role */
    printf("store %s (schema %lld)\n", r->store.path.ptr, (long long)r->store.schema_version);
    printf("  used %.2f MiB of a %.1f MiB map (max %.0f MiB), file %.2f MiB, last txn %lld\n",
           s_mib(r->store.used_bytes), s_mib(r->store.map_size), s_mib(r->store.max_map_size),
           s_mib(r->store.file_bytes), (long long)r->store.last_txn);
    if (r->has_auth)
        printf("auth %s: %lld client key(s); handshakes %lld accepted, %lld refused; %lld "
               "request(s) denied\n",
               r->auth.mode.ptr, (long long)r->auth.clients, (long long)r->auth.handshakes_accepted,
               (long long)r->auth.handshakes_refused, (long long)r->auth.requests_denied);
    if (r->nops)
        printf("%-12s %10s %8s %10s %10s %10s\n", "op", "requests", "errors", "p50 us", "p99 us",
               "max us");
    for (size_t i = 0; i < r->nops; i++) {
        const verso_op_stats *o = &r->ops[i];
        printf("%-12.*s %10lld %8lld %10lld %10lld %10lld\n", (int)o->op.len, o->op.ptr,
               (long long)o->count, (long long)o->errors, (long long)o->p50_us,
               (long long)o->p99_us, (long long)o->max_us);
    }
}

int verso_cli_stats(verso_cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return VERSO_CLI_USAGE;
    verso_stats_res *r = NULL;
    verso_err err = verso_stats(cli->client, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        s_print_stats(r);
    verso_stats_res_destroy(&r);
    return 0;
}

/* segment FILE --lang TAG [--paragraphs MODE] [--rules NAME] [--no-rules] */
static int s_segment_args(int argc, char **argv, const char **file, verso_segment_req *req)
{
    *file = NULL;
    req->paragraphs = "auto";
    req->rules = "verso";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--lang") && i + 1 < argc)
            req->lang = argv[++i];
        else if (!strcmp(argv[i], "--paragraphs") && i + 1 < argc)
            req->paragraphs = argv[++i];
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc)
            req->rules = argv[++i];
        else if (!strcmp(argv[i], "--no-rules"))
            req->rules = "none";
        else if (!*file && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
            *file = argv[i];
        else
            return -1;
    }
    return *file && req->lang ? 0 : -1;
}

int verso_cli_segment(verso_cli *cli, int argc, char **argv)
{
    verso_segment_req req = {0};
    const char *file;
    size_t len = 0;
    if (s_segment_args(argc, argv, &file, &req) < 0)
        return VERSO_CLI_USAGE;
    char *text = verso_cli_slurp(file, &len);
    if (!text) {
        fprintf(stderr, "verso: cannot read %s\n", file);
        return 2;
    }
    req.text = (verso_str){text, len};
    verso_segment_res *r = NULL;
    verso_err err = verso_segment(cli->client, &req, &r);
    free(text);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        for (size_t i = 0; i < r->nsegments; i++)
            printf("%.*s\n", (int)r->segments[i].text.len, r->segments[i].text.ptr);
    verso_segment_res_destroy(&r);
    return 0;
}
