/*
 * cli.c - the `verso` command: a thin front on libverso. Human output by
 * default, the reply's "res" as JSON with --json.
 * Exit status: 0 ok, 1 server error reply, 2 usage, 3 transport or timeout.
 */
#define _GNU_SOURCE /* explicit_bzero */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "keyfile.h"
#include "mp.h"
#include "verso/client.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_usage(FILE *f)
{
    fprintf(
        f,
        "usage: verso [--endpoint E] [--server-key KEY|FILE --key FILE] [--json]\n"
        "             [--timeout MS] COMMAND [ARGS]\n"
        "commands:\n"
        "  ping     round trip to the server\n"
        "  hello    server name, version, protocol, ops, libraries\n"
        "  stats    uptime, request counts, storage figures\n"
        "  segment FILE --lang TAG [--paragraphs auto|line|blank|unwrap] [--rules NAME]\n"
        "          [--no-rules]   (NAME: verso (default), none, or an SRX set of versod --srx)\n"
        "           sentences of FILE (- for standard input), one a line\n"
        "  import FILE.tmx [--src LANG --tgt LANG] | FILE.tsv | SRC_FILE TGT_FILE |\n"
        "         FILE.po|mo... --src LANG --tgt LANG [--tm NAME]\n"
        "         [--on-conflict keep_both|overwrite|skip]   bulk-load sentence pairs\n"
        "  export [--tm NAME] [--src LANG] [-o FILE.tmx | --omegat PROJECT_DIR]\n"
        "           the TM as TMX 1.4b (--omegat: into the project's tm/ folder)\n"
        "  align SRC_FILE TGT_FILE --src LANG --tgt LANG [--segmented] [--store TM]\n"
        "         [--min-confidence X] [--origin NAME] [--format beads|tsv|tmx]\n"
        "           sentence pairs of a document and its translation\n"
        "  concordance QUERY --lang LANG [--side src|tgt] [--tm NAME] [--max-results N]\n"
        "           entries whose source (target) holds every word of QUERY, marked\n"
        "  lookup FILE|TEXT --src LANG --tgt LANG [--tm NAME] [--text] [--segmented]\n"
        "         [--min-score N] [--max-results N]   TM matches for each sentence of\n"
        "           FILE (- for standard input; each line with --segmented), or of\n"
        "           TEXT when it names no file (always with --text); the TM source\n"
        "           shows [-its words-]{+the query's+} where they differ\n"
        "  backup DIR   a compact copy of the server's whole store into the new\n"
        "           directory DIR on the server's machine (admin role)\n"
        "  keygen BASE  write a CurveZMQ key pair: BASE.pub, BASE.secret (mode 0600)\n"
        "The server is --endpoint, else $VERSO_ENDPOINT, else %s.\n"
        "CurveZMQ (docs/SECURITY.md): --server-key (else $VERSO_SERVER_KEY) is the\n"
        "server's public key or .pub file, --key (else $VERSO_KEY) this client's\n"
        ".secret file.\n",
        VERSO_DEFAULT_ENDPOINT);
}

uint64_t verso_cli_uint(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = verso_mp_get(map, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
}

void verso_cli_print_json(const msgpack_object *o)
{
    verso_buf b;
    verso_buf_init(&b, (size_t)256 << 20);
    if (verso_mp_to_json(o, &b) == VERSO_OK)
        printf("%s\n", b.data);
    verso_buf_fini(&b);
}

void verso_cli_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        else if (c < 0x20 || c == 0x7f)
            c = '?';
        putchar(c);
    }
}

int verso_cli_colour(void)
{
    const char *no_color = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

int verso_cli_request(verso_cli *cli, const char *op, const msgpack_sbuffer *f, uint32_t nf,
                      void (*print)(void *arg, const msgpack_object *res), void *arg)
{
    uint64_t id;
    verso_reply *r = NULL;
    verso_err err = verso_client_send_packed(cli->client, op, f->data, f->size, nf, &id);
    if (!err)
        err = verso_client_recv(cli->client, id, -1, &r);
    int status = 0;
    if (err == VERSO_OK && cli->json) {
        verso_cli_print_json(verso_reply_res(r));
    } else if (err == VERSO_OK) {
        print(arg, verso_reply_res(r));
    } else if (err == VERSO_ESERVER) {
        fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
        status = 1;
    } else {
        fprintf(stderr, "verso: %s: %s\n", cli->endpoint, verso_strerror(err));
        status = 3;
    }
    verso_reply_destroy(&r);
    return status;
}

/* Fetches a printable field of a map as text (str, int, or "?"). */
static const char *s_field(const msgpack_object *map, const char *key, char *tmp, size_t n)
{
    const msgpack_object *o = verso_mp_get(map, key);
    if (!o)
        return "?";
    if (o->type == MSGPACK_OBJECT_STR) {
        snprintf(tmp, n, "%.*s", (int)o->via.str.size, o->via.str.ptr);
    } else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        snprintf(tmp, n, "%" PRIu64, o->via.u64);
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        snprintf(tmp, n, "%" PRId64, o->via.i64);
    } else {
        return "?";
    }
    return tmp;
}

static double s_mib(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = verso_mp_get(map, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)o->via.u64 / 1048576.0 : 0;
}

static void s_print_hello(const msgpack_object *res)
{
    char a[256], b[256], c[256];
    printf("%s %s, protocol %s\n", s_field(res, "server", a, sizeof a),
           s_field(res, "version", b, sizeof b), s_field(res, "protocol", c, sizeof c));
    printf("max message: %s bytes\n", s_field(res, "max_message_bytes", a, sizeof a));
    const msgpack_object *ops = verso_mp_get(res, "ops");
    printf("ops:");
    for (uint32_t i = 0; ops && ops->type == MSGPACK_OBJECT_ARRAY && i < ops->via.array.size; i++) {
        const msgpack_object *op = &ops->via.array.ptr[i];
        if (op->type == MSGPACK_OBJECT_STR)
            printf(" %.*s", (int)op->via.str.size, op->via.str.ptr);
    }
    const msgpack_object *libs = verso_mp_get(res, "libraries");
    printf("\nlibraries:");
    for (uint32_t i = 0; libs && libs->type == MSGPACK_OBJECT_MAP && i < libs->via.map.size; i++) {
        const msgpack_object_kv *kv = &libs->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->val.type == MSGPACK_OBJECT_STR)
            printf(" %.*s=%.*s", (int)kv->key.via.str.size, kv->key.via.str.ptr,
                   (int)kv->val.via.str.size, kv->val.via.str.ptr);
    }
    printf("\n");
}

static void s_print_stats(const msgpack_object *res)
{
    char a[256], b[256], c[256];
    printf("uptime %ss, %s request(s), %s error(s), %s worker thread(s), endpoint %s\n",
           s_field(res, "uptime_s", a, sizeof a), s_field(res, "requests", b, sizeof b),
           s_field(res, "errors", c, sizeof c), s_field(res, "threads", a + 128, 128),
           s_field(res, "endpoint", b + 128, 128));
    const msgpack_object *st = verso_mp_get(res, "store");
    if (!st)
        return; /* the detail is for the admin role */
    printf("store %s (schema %s)\n", s_field(st, "path", a, sizeof a),
           s_field(st, "schema_version", b, sizeof b));
    printf("  used %.2f MiB of a %.1f MiB map (max %.0f MiB), file %.2f MiB, last txn %s\n",
           s_mib(st, "used_bytes"), s_mib(st, "map_size"), s_mib(st, "max_map_size"),
           s_mib(st, "file_bytes"), s_field(st, "last_txn", c, sizeof c));
    const msgpack_object *au = verso_mp_get(res, "auth");
    if (au)
        printf("auth %s: %s client key(s); handshakes %s accepted, %s refused; %s request(s) "
               "denied\n",
               s_field(au, "mode", a, 64), s_field(au, "clients", a + 64, 64),
               s_field(au, "handshakes_accepted", a + 128, 64),
               s_field(au, "handshakes_refused", a + 192, 64),
               s_field(au, "requests_denied", b, 64));
    const msgpack_object *ops = verso_mp_get(res, "ops");
    if (ops && ops->type == MSGPACK_OBJECT_MAP && ops->via.map.size)
        printf("%-12s %10s %8s %10s %10s %10s\n", "op", "requests", "errors", "p50 us", "p99 us",
               "max us");
    for (uint32_t i = 0; ops && ops->type == MSGPACK_OBJECT_MAP && i < ops->via.map.size; i++) {
        const msgpack_object_kv *kv = &ops->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR)
            continue;
        printf("%-12.*s %10s %8s %10s %10s %10s\n", (int)kv->key.via.str.size, kv->key.via.str.ptr,
               s_field(&kv->val, "count", a, 32), s_field(&kv->val, "errors", a + 32, 32),
               s_field(&kv->val, "p50_us", a + 64, 32), s_field(&kv->val, "p99_us", a + 96, 32),
               s_field(&kv->val, "max_us", a + 128, 32));
    }
}

/* Reads a whole file (or stdin for "-"); caller frees. */
char *verso_cli_slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    verso_buf b;
    verso_buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t n;
    verso_err err = VERSO_OK;
    while (!err && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        err = verso_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    if (err || verso_buf_append(&b, "", 0)) {
        verso_buf_fini(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* Packs the fields map of a segment request. */
static void s_pack_segment(msgpack_sbuffer *sb, const char *text, size_t len, const char *lang,
                           const char *paras, const char *rules)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    verso_mp_pack_cstr(&pk, "text");
    msgpack_pack_str_with_body(&pk, text, len);
    verso_mp_pack_kv_str(&pk, "lang", lang);
    verso_mp_pack_kv_str(&pk, "paragraphs", paras);
    verso_mp_pack_kv_str(&pk, "rules", rules);
}

static void s_print_segments(const msgpack_object *res)
{
    const msgpack_object *segs = verso_mp_get(res, "segments");
    for (uint32_t i = 0; segs && segs->type == MSGPACK_OBJECT_ARRAY && i < segs->via.array.size;
         i++) {
        const msgpack_object *t = verso_mp_get(&segs->via.array.ptr[i], "text");
        if (t && t->type == MSGPACK_OBJECT_STR)
            printf("%.*s\n", (int)t->via.str.size, t->via.str.ptr);
    }
}

/* verso segment FILE --lang TAG [--paragraphs MODE] [--rules NAME] [--no-rules] */
static int s_segment_args(int argc, char **argv, const char **file, const char **lang,
                          const char **paras, const char **rules)
{
    *file = *lang = NULL;
    *paras = "auto";
    *rules = "verso";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--lang") && i + 1 < argc)
            *lang = argv[++i];
        else if (!strcmp(argv[i], "--paragraphs") && i + 1 < argc)
            *paras = argv[++i];
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc)
            *rules = argv[++i];
        else if (!strcmp(argv[i], "--no-rules"))
            *rules = "none";
        else if (!*file && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
            *file = argv[i];
        else
            return -1;
    }
    return *file && *lang ? 0 : -1;
}

static int s_call(verso_cli *cli, const char *cmd, const msgpack_object *fields);

static int s_run(verso_cli *cli, const char *cmd, int argc, char **argv)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_unpacked fields;
    msgpack_unpacked_init(&fields);
    char *text = NULL;
    int status = 2;
    if (!strcmp(cmd, "concordance") || !strcmp(cmd, "align")) {
        status = !strcmp(cmd, "align") ? verso_cli_align(cli, argc, argv)
                                       : verso_cli_concordance(cli, argc, argv);
        goto out;
    }
    if (!strcmp(cmd, "backup")) {
        status = verso_cli_backup(cli, argc, argv);
        goto out;
    }
    if (!strcmp(cmd, "import") || !strcmp(cmd, "lookup") || !strcmp(cmd, "export")) {
        status = !strcmp(cmd, "import")   ? verso_cli_import(cli, argc, argv)
                 : !strcmp(cmd, "lookup") ? verso_cli_lookup(cli, argc, argv)
                                          : verso_cli_export(cli, argc, argv);
        goto out;
    }
    if (!strcmp(cmd, "segment")) {
        const char *file, *lang, *paras, *rules;
        size_t len = 0, off = 0;
        if (s_segment_args(argc, argv, &file, &lang, &paras, &rules) < 0) {
            s_usage(stderr);
            goto out;
        }
        if (!(text = verso_cli_slurp(file, &len))) {
            fprintf(stderr, "verso: cannot read %s\n", file);
            goto out;
        }
        s_pack_segment(&sb, text, len, lang, paras, rules);
        msgpack_unpack_next(&fields, sb.data, sb.size, &off);
    } else if (argc) {
        s_usage(stderr);
        goto out;
    }
    status = s_call(cli, cmd, text ? &fields.data : NULL);
out:
    msgpack_unpacked_destroy(&fields);
    msgpack_sbuffer_destroy(&sb);
    free(text);
    return status;
}

static int s_call(verso_cli *cli, const char *cmd, const msgpack_object *fields)
{
    if (strcmp(cmd, "ping") && strcmp(cmd, "hello") && strcmp(cmd, "stats") &&
        strcmp(cmd, "segment")) {
        fprintf(stderr, "verso: unknown command '%s'\n", cmd);
        s_usage(stderr);
        return 2;
    }
    verso_reply *r = NULL;
    double t0 = s_now();
    verso_err err = verso_client_call(cli->client, cmd, fields, &r);
    double ms = (s_now() - t0) * 1000;
    if (err && err != VERSO_ESERVER) {
        fprintf(stderr, "verso: %s: %s\n", cli->endpoint, verso_strerror(err));
        return 3;
    }
    int status = 0;
    if (err == VERSO_ESERVER) {
        if (cli->json)
            printf("{\"error\":{\"code\":\"%s\"}}\n", verso_reply_err_code(r));
        fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
        status = 1;
    } else if (cli->json) {
        verso_cli_print_json(verso_reply_res(r));
    } else if (!strcmp(cmd, "ping")) {
        printf("pong from %s in %.3f ms\n", cli->endpoint, ms);
    } else if (!strcmp(cmd, "hello")) {
        s_print_hello(verso_reply_res(r));
    } else if (!strcmp(cmd, "segment")) {
        s_print_segments(verso_reply_res(r));
    } else {
        s_print_stats(verso_reply_res(r));
    }
    verso_reply_destroy(&r);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"endpoint", 1, 0, 'e'},
                                         {"json", 0, 0, 'j'},
                                         {"timeout", 1, 0, 't'},
                                         {"server-key", 1, 0, 's'},
                                         {"key", 1, 0, 'k'},
                                         {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    verso_cli cli = {getenv("VERSO_ENDPOINT"), 0, 10000, NULL};
    const char *server_key = getenv("VERSO_SERVER_KEY"), *key = getenv("VERSO_KEY");
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'e': cli.endpoint = optarg; break;
        case 'j': cli.json = 1; break;
        case 't': cli.timeout_ms = atoi(optarg); break;
        case 's': server_key = optarg; break;
        case 'k': key = optarg; break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (!cli.endpoint || !*cli.endpoint)
        cli.endpoint = VERSO_DEFAULT_ENDPOINT;
    if (optind >= argc || cli.timeout_ms <= 0) {
        s_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[optind], "keygen"))
        return verso_cli_keygen(argc - optind - 1, argv + optind + 1);
    verso_client_opts o = {.timeout_ms = cli.timeout_ms};
    verso_keypair kp;
    char skey[VERSO_KEY_LEN + 1];
    if (verso_cli_keys(server_key, key, skey, &kp, &o) < 0)
        return 2;
    verso_err err = verso_client_new(cli.endpoint, &o, &cli.client);
    explicit_bzero(&kp, sizeof kp);
    if (err) {
        fprintf(stderr, "verso: %s: %s\n", cli.endpoint, verso_strerror(err));
        return err == VERSO_EINVAL ? 2 : 3;
    }
    int status = s_run(&cli, argv[optind], argc - optind - 1, argv + optind + 1);
    verso_client_destroy(&cli.client);
    return status;
}
