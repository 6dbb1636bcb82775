/*
 * tmcli.c - the translation-memory commands of `verso`: import (TSV, or two
 * line-aligned files) and lookup. Import streams batches of `add` requests
 * under the server's max_message_bytes, keeps a few in flight, and reports
 * rejected lines with their reasons; the rest of the file still loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mo.h"
#include "mp.h"
#include "po.h"
#include "utf8.h"

#define S_BATCH_ENTRIES 2000
#define S_IN_FLIGHT     4
#define S_SHOW_REJECTS  10

#define S_MAX_FILES 100000

typedef struct s_opts {
    const char **files; /* borrowed from argv */
    const char *src, *tgt, *tm, *on_conflict;
    int segmented;
    long min_score;
} s_opts;

static int s_parse(int argc, char **argv, s_opts *o)
{
    memset(o, 0, sizeof *o);
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files)
        return -1;
    o->tm = "default";
    o->on_conflict = "keep_both";
    o->min_score = 70;
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--src") && v)
            o->src = argv[++i];
        else if (!strcmp(a, "--tgt") && v)
            o->tgt = argv[++i];
        else if (!strcmp(a, "--tm") && v)
            o->tm = argv[++i];
        else if (!strcmp(a, "--on-conflict") && v)
            o->on_conflict = argv[++i];
        else if (!strcmp(a, "--min-score") && v)
            o->min_score = atol(argv[++i]);
        else if (!strcmp(a, "--segmented"))
            o->segmented = 1;
        else if ((a[0] != '-' || !strcmp(a, "-")) && nfiles < S_MAX_FILES)
            o->files[nfiles++] = a;
        else
            return -1;
    }
    return nfiles && o->src && o->tgt ? nfiles : -1;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- import --------------------------------------------------------------- */

typedef struct s_import {
    verso_cli *cli;
    const s_opts *o;
    msgpack_sbuffer batch; /* packed entry maps */
    size_t n, max_bytes;
    uint64_t added, updated, skipped, rejected, lines;
    uint64_t ids[S_IN_FLIGHT]; /* requests in flight, oldest at head */
    int head, out;
    double t0;
    int status;       /* exit status once something failed */
    const char *file; /* the file being read, for MO callbacks */
} s_import;

static void s_reject(s_import *im, const char *file, uint64_t line, const char *why)
{
    if (im->rejected++ < S_SHOW_REJECTS)
        fprintf(stderr, "verso: %s:%llu: skipped: %s\n", file, (unsigned long long)line, why);
}

static uint64_t s_uint(const msgpack_object *res, const char *key)
{
    const msgpack_object *o = verso_mp_get(res, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
}

/* Collects replies until at most `keep` requests are in flight. */
static int s_drain(s_import *im, int keep)
{
    while (im->out > keep && !im->status) {
        verso_reply *r = NULL;
        verso_err err = verso_client_recv(im->cli->client, im->ids[im->head], -1, &r);
        if (err == VERSO_OK) {
            im->added += s_uint(verso_reply_res(r), "added");
            im->updated += s_uint(verso_reply_res(r), "updated");
            im->skipped += s_uint(verso_reply_res(r), "skipped");
        } else if (err == VERSO_ESERVER) {
            fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
            im->status = 1;
        } else {
            fprintf(stderr, "verso: %s\n", verso_strerror(err));
            im->status = 3;
        }
        verso_reply_destroy(&r);
        im->head = (im->head + 1) % S_IN_FLIGHT;
        im->out--;
    }
    return im->status;
}

/* Sends the pending entries as one add request. */
static int s_flush(s_import *im)
{
    if (!im->n || s_drain(im, S_IN_FLIGHT - 1))
        return im->status;
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &f, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", im->o->tm);
    verso_mp_pack_kv_str(&pk, "src_lang", im->o->src);
    verso_mp_pack_kv_str(&pk, "tgt_lang", im->o->tgt);
    verso_mp_pack_kv_str(&pk, "on_conflict", im->o->on_conflict);
    verso_mp_pack_cstr(&pk, "entries");
    msgpack_pack_array(&pk, im->n);
    msgpack_sbuffer_write(&f, im->batch.data, im->batch.size);
    uint64_t id;
    verso_err err = verso_client_send_packed(im->cli->client, "add", f.data, f.size, 5, &id);
    msgpack_sbuffer_destroy(&f);
    if (err) {
        fprintf(stderr, "verso: %s\n", verso_strerror(err));
        return im->status = 3;
    }
    im->ids[(im->head + im->out++) % S_IN_FLIGHT] = id;
    msgpack_sbuffer_clear(&im->batch);
    im->n = 0;
    if (isatty(2)) {
        double dt = s_now() - im->t0;
        fprintf(stderr, "\rimported %llu lines, %.0f lines/s ", (unsigned long long)im->lines,
                dt > 0 ? (double)im->lines / dt : 0);
    }
    return 0;
}

/* Checks one pair and adds it to the batch (or reports why not, naming
 * file:where, its line or entry number). */
static int s_pair(s_import *im, const char *file, uint64_t where, const char *src, size_t sn,
                  const char *tgt, size_t tn)
{
    im->lines++;
    if (!sn || !tn)
        s_reject(im, file, where, sn ? "empty target" : "empty source");
    else if (!verso_utf8_valid(src, sn, NULL) || !verso_utf8_valid(tgt, tn, NULL))
        s_reject(im, file, where, "not valid UTF-8");
    else if (sn + tn + 64 > im->max_bytes / 2)
        s_reject(im, file, where, "longer than the server accepts");
    else {
        msgpack_packer pk;
        msgpack_packer_init(&pk, &im->batch, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 3);
        verso_mp_pack_cstr(&pk, "src");
        msgpack_pack_str_with_body(&pk, src, sn);
        verso_mp_pack_cstr(&pk, "tgt");
        msgpack_pack_str_with_body(&pk, tgt, tn);
        verso_mp_pack_kv_str(&pk, "origin", file);
        im->n++;
    }
    if (im->n >= S_BATCH_ENTRIES || im->batch.size > im->max_bytes / 2)
        return s_flush(im);
    return 0;
}

static size_t s_chomp(char *line, ssize_t n)
{
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return (size_t)n;
}

/* TSV: source TAB target per line. */
static int s_import_tsv(s_import *im, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "verso: cannot read %s\n", path);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while (!im->status && (got = getline(&line, &cap, f)) >= 0) {
        size_t n = s_chomp(line, got);
        char *tab = memchr(line, '\t', n);
        if (!tab) {
            im->lines++;
            s_reject(im, path, im->lines, "no tab between source and target");
            continue;
        }
        s_pair(im, path, im->lines + 1, line, (size_t)(tab - line), tab + 1,
               n - (size_t)(tab - line) - 1);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return im->status;
}

static int s_mo_pair(void *arg, const char *src, size_t sn, const char *tgt, size_t tn)
{
    s_import *im = arg;
    return s_pair(im, im->file, im->lines + 1, src, sn, tgt, tn);
}

/* A gettext MO catalog: msgid -> msgstr pairs. */
static int s_import_mo(s_import *im, const char *path)
{
    size_t len = 0;
    char *data = verso_cli_slurp(path, &len);
    if (!data) {
        fprintf(stderr, "verso: cannot read %s\n", path);
        return 2;
    }
    const char *why = NULL;
    im->file = path;
    if (verso_mo_each(data, len, s_mo_pair, im, &why) != VERSO_OK)
        fprintf(stderr, "verso: %s: %s; the entries before it were loaded\n", path, why);
    free(data);
    return im->status;
}

static int s_po_pair(void *arg, const char *src, size_t sn, const char *tgt, size_t tn, size_t line)
{
    s_import *im = arg;
    return s_pair(im, im->file, line, src, sn, tgt, tn); /* reports name the msgid's line */
}

static void s_po_bad(void *arg, size_t line, const char *why)
{
    s_import *im = arg;
    im->lines++;
    s_reject(im, im->file, line, why);
}

/* A gettext PO catalog. */
static int s_import_po(s_import *im, const char *path)
{
    size_t len = 0;
    char *data = verso_cli_slurp(path, &len);
    if (!data) {
        fprintf(stderr, "verso: cannot read %s\n", path);
        return 2;
    }
    im->file = path;
    if (verso_po_each(data, len, s_po_pair, s_po_bad, im) != VERSO_OK)
        im->status = 3;
    free(data);
    return im->status;
}

static int s_ends(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcmp(path + n - e, ext);
}

static int s_is_mo(const char *path)
{
    return s_ends(path, ".mo");
}

/* Two files, line n of one translating line n of the other. */
static int s_import_parallel(s_import *im, const char *sp, const char *tp)
{
    FILE *fs = fopen(sp, "r"), *ft = fopen(tp, "r");
    if (!fs || !ft) {
        fprintf(stderr, "verso: cannot read %s\n", fs ? tp : sp);
        if (fs)
            fclose(fs);
        if (ft)
            fclose(ft);
        return 2;
    }
    char *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0;
    ssize_t ga = 0, gb = 0;
    while (!im->status) {
        ga = getline(&a, &ca, fs);
        gb = getline(&b, &cb, ft);
        if (ga < 0 || gb < 0)
            break;
        s_pair(im, sp, im->lines + 1, a, s_chomp(a, ga), b, s_chomp(b, gb));
    }
    if (!im->status && (ga >= 0) != (gb >= 0))
        fprintf(stderr, "verso: %s and %s have different line counts; extra lines ignored\n", sp,
                tp);
    free(a);
    free(b);
    fclose(fs);
    fclose(ft);
    return im->status;
}

/* The server's request size limit, from hello. */
static size_t s_max_bytes(verso_cli *cli)
{
    verso_reply *r = NULL;
    size_t max = 1 << 20;
    if (verso_client_call(cli->client, "hello", NULL, &r) == VERSO_OK)
        max = s_uint(verso_reply_res(r), "max_message_bytes");
    verso_reply_destroy(&r);
    return max < 4096 ? 4096 : max > (4u << 20) ? (4u << 20) : max;
}

int verso_cli_import(verso_cli *cli, int argc, char **argv)
{
    s_opts o;
    int nfiles = s_parse(argc, argv, &o);
    if (nfiles < 0) {
        fprintf(stderr, "usage: verso import FILE.tsv | SRC_FILE TGT_FILE | FILE.mo... --src LANG "
                        "--tgt LANG [--tm NAME] [--on-conflict keep_both|overwrite|skip]\n");
        free(o.files);
        return 2;
    }
    s_import im = {cli, &o, {0}, 0, s_max_bytes(cli), 0, 0, 0, 0, 0, {0}, 0, 0, s_now(), 0, NULL};
    msgpack_sbuffer_init(&im.batch);
    int status = 0;
    if (s_is_mo(o.files[0]) || s_ends(o.files[0], ".po")) {
        for (int i = 0; i < nfiles && !status; i++)
            status = s_is_mo(o.files[i])         ? s_import_mo(&im, o.files[i])
                     : s_ends(o.files[i], ".po") ? s_import_po(&im, o.files[i])
                                                 : 2;
    } else if (nfiles <= 2) {
        status = nfiles == 2 ? s_import_parallel(&im, o.files[0], o.files[1])
                             : s_import_tsv(&im, o.files[0]);
    } else {
        status = 2;
    }
    if (!status && !s_flush(&im))
        s_drain(&im, 0);
    status = status ? status : im.status;
    msgpack_sbuffer_destroy(&im.batch);
    free(o.files);
    double dt = s_now() - im.t0;
    if (isatty(2))
        fprintf(stderr, "\n");
    printf("%llu lines in %.2f s (%.0f lines/s): %llu added, %llu updated, %llu skipped as "
           "duplicates, %llu rejected\n",
           (unsigned long long)im.lines, dt, dt > 0 ? (double)im.lines / dt : 0,
           (unsigned long long)im.added, (unsigned long long)im.updated,
           (unsigned long long)im.skipped, (unsigned long long)im.rejected);
    return status;
}

/* ---- lookup --------------------------------------------------------------- */

/* Packs the lookup fields: the text, or its lines as segments. */
static uint32_t s_pack_lookup(msgpack_sbuffer *f, const s_opts *o, const char *text, size_t len)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, f, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", o->tm);
    verso_mp_pack_kv_str(&pk, "src_lang", o->src);
    verso_mp_pack_kv_str(&pk, "tgt_lang", o->tgt);
    verso_mp_pack_kv_int(&pk, "min_score", o->min_score);
    if (!o->segmented) {
        verso_mp_pack_cstr(&pk, "text");
        msgpack_pack_str_with_body(&pk, text, len);
        return 5;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    n += len && text[len - 1] != '\n';
    verso_mp_pack_cstr(&pk, "segments");
    msgpack_pack_array(&pk, n);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, k = e;
        while (k > i && text[k - 1] == '\r')
            k--;
        msgpack_pack_str_with_body(&pk, text + i, k - i);
        i = e + 1;
    }
    return 5;
}

static void s_print_results(const msgpack_object *res)
{
    const msgpack_object *rs = verso_mp_get(res, "results");
    for (uint32_t i = 0; rs && rs->type == MSGPACK_OBJECT_ARRAY && i < rs->via.array.size; i++) {
        const msgpack_object *r = &rs->via.array.ptr[i];
        const msgpack_object *seg = verso_mp_get(r, "segment"), *ms = verso_mp_get(r, "matches");
        if (seg && seg->type == MSGPACK_OBJECT_STR)
            printf("%.*s\n", (int)seg->via.str.size, seg->via.str.ptr);
        if (!ms || ms->type != MSGPACK_OBJECT_ARRAY || !ms->via.array.size) {
            printf("  (no match)\n");
            continue;
        }
        const msgpack_object *m = &ms->via.array.ptr[0];
        const msgpack_object *tgt = verso_mp_get(m, "tgt"), *kind = verso_mp_get(m, "kind");
        printf("  [%llu %.*s #%llu] %.*s\n", (unsigned long long)s_uint(m, "score"),
               kind && kind->type == MSGPACK_OBJECT_STR ? (int)kind->via.str.size : 0,
               kind && kind->type == MSGPACK_OBJECT_STR ? kind->via.str.ptr : "",
               (unsigned long long)s_uint(m, "id"),
               tgt && tgt->type == MSGPACK_OBJECT_STR ? (int)tgt->via.str.size : 0,
               tgt && tgt->type == MSGPACK_OBJECT_STR ? tgt->via.str.ptr : "");
    }
}

int verso_cli_lookup(verso_cli *cli, int argc, char **argv)
{
    s_opts o;
    if (s_parse(argc, argv, &o) != 1) {
        fprintf(stderr, "usage: verso lookup FILE --src LANG --tgt LANG [--tm NAME] "
                        "[--segmented] [--min-score N]\n");
        free(o.files);
        return 2;
    }
    size_t len = 0;
    char *text = verso_cli_slurp(o.files[0], &len);
    if (!text) {
        fprintf(stderr, "verso: cannot read %s\n", o.files[0]);
        free(o.files);
        return 2;
    }
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    uint32_t nf = s_pack_lookup(&f, &o, text, len);
    uint64_t id;
    verso_reply *r = NULL;
    verso_err err = verso_client_send_packed(cli->client, "lookup", f.data, f.size, nf, &id);
    if (!err)
        err = verso_client_recv(cli->client, id, -1, &r);
    int status = 0;
    if (err == VERSO_OK) {
        if (cli->json)
            verso_cli_print_json(verso_reply_res(r));
        else
            s_print_results(verso_reply_res(r));
    } else if (err == VERSO_ESERVER) {
        fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
        status = 1;
    } else {
        fprintf(stderr, "verso: %s: %s\n", cli->endpoint, verso_strerror(err));
        status = 3;
    }
    verso_reply_destroy(&r);
    msgpack_sbuffer_destroy(&f);
    free(text);
    free(o.files);
    return status;
}
