/*
 * import.c - `verso import`: bulk loading of bilingual files into a TM.
 * Formats: TMX 1.4b (streamed through common/tmx.c), gettext MO and PO,
 * TSV (source TAB target), and two line-aligned plain-text files. Entries
 * go in batches of `add` requests, one batch per language pair, under the
 * server's max_message_bytes, a few requests in flight. A bad record is
 * reported (file:line and why) and skipped; the rest of the file loads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mo.h"
#include "po.h"
#include "tmx.h"
#include "tmx_import.h"
#include "utf8.h"
#include "verso/limits.h"

#define S_BATCH_ENTRIES 16000
#define S_IN_FLIGHT     4
#define S_SHOW_REJECTS  10
#define S_MAX_PAIRS     1024
#define S_MAX_REASONS   32
#define S_TMX_CHUNK     (64 * 1024)

/* The entries waiting for one language pair. */
typedef struct s_batch {
    char *src, *tgt;
    verso_batch *entries; /* packed as they come (libverso) */
} s_batch;

typedef struct s_import {
    verso_cli *cli;
    const verso_cli_opts *o;
    s_batch pairs[S_MAX_PAIRS];
    size_t npairs, max_bytes;
    uint64_t added, updated, skipped, rejected, records;
    struct {
        uint64_t id;
        size_t n;
    } out[S_IN_FLIGHT]; /* requests in flight, oldest at head */
    int head, nout;
    struct {
        const char *why;
        uint64_t n;
    } reasons[S_MAX_REASONS];
    size_t nreasons;
    uint64_t bytes_total, bytes_done; /* for the progress bar */
    double t0, shown;
    int status;       /* exit status once something failed */
    const char *file; /* the file being read */
    verso_tmx_reader *tmx;
    bool header_sent; /* the TMX file's header went with an add */
    bool tm_created;  /* --tm named a TM the server did not have */
} s_import;

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counts n rejected records; the first few are shown with file and line
 * (line 0: the file has none, as MO; quiet: already reported). */
static void s_reject_n(s_import *im, uint64_t line, const char *why, uint64_t n, bool quiet)
{
    if (im->rejected < S_SHOW_REJECTS && !quiet && line)
        fprintf(stderr, "verso: %s:%llu: skipped: %s\n", im->file, (unsigned long long)line, why);
    else if (im->rejected < S_SHOW_REJECTS && !quiet)
        fprintf(stderr, "verso: %s: skipped: %s\n", im->file, why);
    im->rejected += n;
    size_t i = 0;
    while (i < im->nreasons && strcmp(im->reasons[i].why, why))
        i++;
    if (i == im->nreasons && i < S_MAX_REASONS)
        im->reasons[im->nreasons++].why = why;
    if (i < im->nreasons)
        im->reasons[i].n += n;
}

static void s_reject(s_import *im, uint64_t line, const char *why)
{
    s_reject_n(im, line, why, 1, false);
}

/* A progress line on a terminal: share of the bytes, entries/s, ETA. */
static void s_progress(s_import *im, bool force)
{
    double now = s_now(), dt = now - im->t0;
    if (!isatty(2) || (!force && now - im->shown < 0.25))
        return;
    im->shown = now;
    double share = im->bytes_total ? (double)im->bytes_done / (double)im->bytes_total : 0;
    share = share > 1 ? 1 : share;
    char bar[21];
    for (int i = 0; i < 20; i++)
        bar[i] = i < (int)(share * 20) ? '#' : '.';
    bar[20] = '\0';
    double eta = share > 0.01 ? dt / share - dt : -1;
    fprintf(stderr, "\r[%s] %3.0f%% %llu entries, %.0f entries/s", bar, share * 100,
            (unsigned long long)im->records, dt > 0 ? (double)im->records / dt : 0);
    if (eta >= 0)
        fprintf(stderr, ", ETA %.0f s   ", eta);
}

/* The outcome of one add: counted, or reported. A batch the server
 * refuses for its language tags or fields is reported and the import goes
 * on; any other failure stops it. */
static void s_added(s_import *im, verso_err err, const verso_add_res *r, size_t n)
{
    verso_client *c = im->cli->client;
    verso_err why = err == VERSO_ESERVER ? verso_client_err(c) : VERSO_OK;
    if (!err) {
        im->added += (uint64_t)r->added;
        im->updated += (uint64_t)r->updated;
        im->skipped += (uint64_t)r->skipped;
    } else if (why == VERSO_EBADLANG || why == VERSO_EBADREQ || why == VERSO_ETOOBIG) {
        fprintf(stderr, "verso: %s: %s\n", verso_client_err_code(c), verso_client_err_message(c));
        s_reject_n(im, 0,
                   why == VERSO_EBADLANG ? "language tag refused by the server"
                                         : "batch refused by the server",
                   n, true);
    } else {
        im->status = verso_cli_fail(im->cli, err);
    }
}

/* Collects replies until at most `keep` requests are in flight. */
static int s_drain(s_import *im, int keep)
{
    while (im->nout > keep && !im->status) {
        verso_add_res *r = NULL;
        verso_err err = verso_add_recv(im->cli->client, im->out[im->head].id, &r);
        s_added(im, err, r, im->out[im->head].n);
        verso_add_res_destroy(&r);
        im->head = (im->head + 1) % S_IN_FLIGHT;
        im->nout--;
    }
    return im->status;
}

/* Sends the pending entries of one pair as one add request, with the TMX
 * file's header the first time (kept for the TM: docs/TMX.md). */
static int s_flush(s_import *im, s_batch *b)
{
    size_t n = verso_batch_count(b->entries);
    if (!n || s_drain(im, S_IN_FLIGHT - 1))
        return im->status;
    verso_add_req q = {.tm = im->o->tm,
                       .src_lang = b->src,
                       .tgt_lang = b->tgt,
                       .batch = b->entries,
                       .on_conflict = im->o->on_conflict};
    verso_tmx_str header = im->tmx ? verso_tmx_reader_header(im->tmx) : (verso_tmx_str){"", 0};
    if (header.n && !im->header_sent && header.n <= VERSO_TMX_HEADER_MAX_BYTES) {
        q.tmx_header = (verso_str){header.p, header.n};
        im->header_sent = true;
    }
    uint64_t id;
    verso_err err = verso_add_send(im->cli->client, &q, &id);
    if (err) {
        fprintf(stderr, "verso: %s\n", verso_strerror(err));
        return im->status = 3;
    }
    int slot = (im->head + im->nout++) % S_IN_FLIGHT;
    im->out[slot].id = id;
    im->out[slot].n = n;
    verso_batch_clear(b->entries);
    s_progress(im, false);
    return 0;
}

static int s_flush_all(s_import *im)
{
    for (size_t i = 0; i < im->npairs && !im->status; i++)
        s_flush(im, &im->pairs[i]);
    return im->status;
}

/* The batch of a pair, created on first use; NULL past S_MAX_PAIRS. */
/* A language tag as written in a file, with '_' as '-' (en_US -> en-US, which
 * the server takes; it canonicalises the rest); NULL past 128 bytes. */
static const char *s_tag(const char *p, size_t n, char buf[129])
{
    if (n > 128)
        return NULL;
    for (size_t i = 0; i < n; i++)
        buf[i] = p[i] == '_' ? '-' : p[i];
    buf[n] = '\0';
    return buf;
}

static s_batch *s_batch_of(s_import *im, const char *src_raw, size_t sn, const char *tgt_raw,
                           size_t tn)
{
    char sb[129], tb[129];
    const char *src = s_tag(src_raw, sn, sb), *tgt = s_tag(tgt_raw, tn, tb);
    if (!src || !tgt)
        return NULL;
    for (size_t i = 0; i < im->npairs; i++) {
        s_batch *b = &im->pairs[i];
        if (strlen(b->src) == sn && !memcmp(b->src, src, sn) && strlen(b->tgt) == tn &&
            !memcmp(b->tgt, tgt, tn))
            return b;
    }
    if (im->npairs == S_MAX_PAIRS)
        return NULL;
    s_batch *b = &im->pairs[im->npairs];
    if (!(b->src = strdup(src)) || !(b->tgt = strdup(tgt)) ||
        verso_batch_new(im->max_bytes / 2, &b->entries)) {
        free(b->src);
        free(b->tgt);
        return NULL;
    }
    im->npairs++;
    return b;
}

static verso_str s_str(verso_tmx_str t)
{
    return (verso_str){t.p, t.n};
}

/* The libverso entry of a record: views into it, and into the arrays given
 * (tags: room for its tag counts; props and tmx for theirs). */
static void s_entry_of(const verso_tmx_entry *r, verso_str *tags, verso_pair *props,
                       verso_pair *tmx, verso_entry *e)
{
    *e = (verso_entry){.src = s_str(r->src), .tgt = s_str(r->tgt), .origin = s_str(r->origin)};
    e->note = r->note.n ? s_str(r->note) : (verso_str){0};
    e->author = r->author.n ? s_str(r->author) : (verso_str){0};
    e->prev = r->prev.n ? s_str(r->prev) : (verso_str){0};
    e->next = r->next.n ? s_str(r->next) : (verso_str){0};
    for (size_t i = 0; i < r->nsrc_tags + r->ntgt_tags; i++)
        tags[i] = s_str(i < r->nsrc_tags ? r->src_tags[i] : r->tgt_tags[i - r->nsrc_tags]);
    e->src_tags = r->nsrc_tags ? tags : NULL;
    e->tgt_tags = r->ntgt_tags ? tags + r->nsrc_tags : NULL;
    e->nsrc_tags = r->nsrc_tags;
    e->ntgt_tags = r->ntgt_tags;
    for (size_t i = 0; i < r->nprops; i++)
        props[i] = (verso_pair){s_str(r->props[i].type), s_str(r->props[i].value)};
    for (size_t i = 0; i < r->ntmx; i++)
        tmx[i] = (verso_pair){s_str(r->tmx[i].type), s_str(r->tmx[i].value)};
    e->props = r->nprops ? props : NULL;
    e->nprops = r->nprops;
    e->tmx = r->ntmx ? tmx : NULL;
    e->ntmx = r->ntmx;
    e->created = r->created;
    e->changed = r->changed;
    e->usage = r->usage;
}

/* Puts a checked record into its batch: the batch is sent first when the
 * record does not fit; a record too long for any request is rejected. */
static void s_put(s_import *im, s_batch *b, uint64_t line, const verso_tmx_entry *r)
{
    verso_str *tags = calloc(r->nsrc_tags + r->ntgt_tags + 1, sizeof *tags);
    verso_pair *props = calloc(r->nprops + 1, sizeof *props);
    verso_pair *tmx = calloc(r->ntmx + 1, sizeof *tmx);
    verso_entry e;
    verso_err err = tags && props && tmx ? VERSO_OK : VERSO_ENOMEM;
    if (!err) {
        s_entry_of(r, tags, props, tmx, &e);
        err = verso_batch_put(b->entries, &e);
    }
    if (err == VERSO_ETOOBIG && verso_batch_count(b->entries)) /* a failed send: status set */
        err = s_flush(im, b) ? VERSO_OK : verso_batch_put(b->entries, &e);
    if (err == VERSO_ETOOBIG)
        s_reject(im, line, "longer than the server accepts");
    else if (err && !im->status)
        im->status = 3;
    free(tags);
    free(props);
    free(tmx);
}

/* Checks one record and adds it to the batch of its pair (or reports why
 * not, at `line` of the current file). */
static int s_entry(s_import *im, s_batch *b, uint64_t line, const verso_tmx_entry *r)
{
    im->records++;
    const char *why = b ? verso_tmx_entry_problem(r) : NULL;
    if (!b)
        s_reject(im, line, "too many language pairs, or a language tag over 128 bytes");
    else if (why) /* as the server checks them: here a record's own, not its whole batch */
        s_reject(im, line, why);
    else
        s_put(im, b, line, r);
    if (b && verso_batch_count(b->entries) >= S_BATCH_ENTRIES)
        return s_flush(im, b);
    return im->status;
}

/* A plain pair of the --src/--tgt languages. */
static int s_pair(s_import *im, uint64_t line, const char *src, size_t sn, const char *tgt,
                  size_t tn)
{
    verso_tmx_entry r = {
        .src = {src, sn}, .tgt = {tgt, tn}, .origin = {im->file, strlen(im->file)}};
    return s_entry(im, &im->pairs[0], line, &r);
}

static size_t s_chomp(char *line, ssize_t n)
{
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return (size_t)n;
}

static FILE *s_open(s_import *im, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        fprintf(stderr, "verso: cannot read %s\n", path);
    im->file = path;
    return f;
}

/* TSV: source TAB target per line. */
static int s_import_tsv(s_import *im, const char *path)
{
    FILE *f = s_open(im, path);
    if (!f)
        return 2;
    char *line = NULL;
    size_t cap = 0;
    uint64_t lineno = 0;
    ssize_t got;
    while (!im->status && (got = getline(&line, &cap, f)) >= 0) {
        size_t n = s_chomp(line, got);
        char *tab = memchr(line, '\t', n);
        im->bytes_done += (uint64_t)got;
        lineno++;
        if (!tab) {
            im->records++;
            s_reject(im, lineno, "no tab between source and target");
            continue;
        }
        s_pair(im, lineno, line, (size_t)(tab - line), tab + 1, n - (size_t)(tab - line) - 1);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return im->status;
}

/* Two files, line n of one translating line n of the other. */
static int s_import_parallel(s_import *im, const char *sp, const char *tp)
{
    FILE *fs = s_open(im, sp), *ft = fs ? s_open(im, tp) : NULL;
    if (!fs || !ft) {
        if (fs && fs != stdin)
            fclose(fs);
        return 2;
    }
    im->file = sp;
    char *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0;
    ssize_t ga = 0, gb = 0;
    uint64_t lineno = 0;
    while (!im->status) {
        ga = getline(&a, &ca, fs);
        gb = getline(&b, &cb, ft);
        if (ga < 0 || gb < 0)
            break;
        im->bytes_done += (uint64_t)(ga + gb);
        s_pair(im, ++lineno, a, s_chomp(a, ga), b, s_chomp(b, gb));
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

static int s_mo_pair(void *arg, const char *src, size_t sn, const char *tgt, size_t tn)
{
    s_import *im = arg;
    return s_pair(im, 0, src, sn, tgt, tn); /* an MO file has no lines */
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
    im->bytes_done += len;
    free(data);
    return im->status;
}

static int s_po_pair(void *arg, const char *src, size_t sn, const char *tgt, size_t tn, size_t line)
{
    s_import *im = arg;
    return s_pair(im, line, src, sn, tgt, tn); /* reports name the msgid's line */
}

static void s_po_bad(void *arg, size_t line, const char *why)
{
    s_import *im = arg;
    im->records++;
    s_reject(im, line, why);
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
    im->bytes_done += len;
    free(data);
    return im->status;
}

/* ---- TMX ------------------------------------------------------------------- */

static int s_tmx_entry(void *arg, const verso_tmx_entry *e, unsigned long line)
{
    s_import *im = arg;
    return s_entry(im, s_batch_of(im, e->src_lang.p, e->src_lang.n, e->tgt_lang.p, e->tgt_lang.n),
                   line, e);
}

static int s_tmx_reject(void *arg, unsigned long line, const char *why)
{
    s_import *im = arg;
    im->records++;
    s_reject(im, line, why);
    return im->status;
}

/* The entries of a TU (common/tmx_import.c), each into its pair's batch. */
static int s_tmx_tu(void *arg, const verso_tmx_tu *tu)
{
    s_import *im = arg;
    verso_tmx_want want = {.src = im->o->src,
                           .tgt = im->o->tgt,
                           .srclang = verso_tmx_reader_srclang(im->tmx),
                           .origin = {im->file, strlen(im->file)}};
    verso_tmx_sink sink = {s_tmx_entry, s_tmx_reject, im};
    if (verso_tmx_tu_entries(tu, &want, &sink) < 0 && !im->status)
        im->status = 3;
    return im->status;
}

/* A TMX file, streamed. */
static int s_import_tmx(s_import *im, const char *path)
{
    FILE *f = s_open(im, path);
    if (!f)
        return 2;
    char *chunk = malloc(S_TMX_CHUNK);
    im->header_sent = false;
    verso_err err = chunk ? verso_tmx_reader_new(s_tmx_tu, im, &im->tmx) : VERSO_ENOMEM;
    size_t got = 1;
    while (!err && !im->status && got) {
        got = fread(chunk, 1, S_TMX_CHUNK, f);
        im->bytes_done += got;
        err = verso_tmx_reader_feed(im->tmx, chunk, got, got == 0);
    }
    unsigned long line = 0;
    const char *why = im->tmx ? verso_tmx_reader_error(im->tmx, &line) : NULL;
    if (why)
        fprintf(stderr, "verso: %s:%lu: broken XML: %s (%u error(s); the TUs around were %s)\n",
                path, line, why, verso_tmx_reader_errors(im->tmx),
                err ? "loaded up to it" : "loaded");
    if (err == VERSO_ENOMEM)
        im->status = 3;
    s_flush_all(im); /* while the reader still holds the header that goes with them */
    verso_tmx_reader_destroy(&im->tmx);
    free(chunk);
    if (f != stdin)
        fclose(f);
    return im->status;
}

/* ---- the command ---------------------------------------------------------- */

static bool s_ends(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcasecmp(path + n - e, ext);
}

/* The server's request size limit, from hello. */
static size_t s_max_bytes(verso_cli *cli)
{
    verso_hello_res *r = NULL;
    size_t max = 1 << 20;
    if (verso_hello(cli->client, &r) == VERSO_OK)
        max = r->max_message_bytes > 0 ? (size_t)r->max_message_bytes : 0;
    verso_hello_res_destroy(&r);
    return max < 4096 ? 4096 : max > (4u << 20) ? (4u << 20) : max;
}

/* Creates the TM to import into when the server does not have it (an
 * admin's key on a server with keys). Returns an exit status. */
static int s_tm_ready(s_import *im)
{
    verso_tm_list_res *r = NULL;
    verso_err err = verso_tm_list(im->cli->client, &r);
    bool found = false;
    for (size_t i = 0; !err && i < r->ntms; i++)
        found |= !strcmp(r->tms[i].name.ptr, im->o->tm);
    verso_tm_list_res_destroy(&r);
    if (!err && !found) {
        err = verso_tm_create(im->cli->client, im->o->tm);
        im->tm_created = !err;
        if (err == VERSO_ESERVER && verso_client_err(im->cli->client) == VERSO_EEXIST)
            err = VERSO_OK; /* made meanwhile by someone else */
    }
    return err ? verso_cli_fail(im->cli, err) : 0;
}

/* One file (or the parallel pair starting at files[i]); *used: files taken. */
static int s_import_file(s_import *im, const char **files, int left, int *used)
{
    const char *p = files[0];
    *used = 1;
    if (s_ends(p, ".tmx"))
        return s_import_tmx(im, p);
    if (!im->o->src || !im->o->tgt) {
        fprintf(stderr, "verso: %s: --src and --tgt are needed for this format\n", p);
        return 2;
    }
    if (s_ends(p, ".mo"))
        return s_import_mo(im, p);
    if (s_ends(p, ".po"))
        return s_import_po(im, p);
    if (s_ends(p, ".tsv") || left == 1 || !strcmp(p, "-"))
        return s_import_tsv(im, p);
    *used = 2;
    return s_import_parallel(im, p, files[1]);
}

static void s_report(const s_import *im)
{
    double dt = s_now() - im->t0;
    printf("%llu entries in %.2f s (%.0f entries/s): %llu added, %llu updated, %llu skipped as "
           "duplicates, %llu rejected%s%s\n",
           (unsigned long long)im->records, dt, dt > 0 ? (double)im->records / dt : 0,
           (unsigned long long)im->added, (unsigned long long)im->updated,
           (unsigned long long)im->skipped, (unsigned long long)im->rejected,
           im->tm_created ? "; created TM " : "", im->tm_created ? im->o->tm : "");
    for (size_t i = 0; i < im->nreasons; i++)
        printf("  rejected: %llu %s\n", (unsigned long long)im->reasons[i].n, im->reasons[i].why);
}

/* Reads every file into the TM, then reports. Returns an exit status. */
static int s_import_all(s_import *im, int nfiles)
{
    const verso_cli_opts *o = im->o;
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        im->bytes_total += stat(o->files[i], &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    int status = 0;
    if (o->src && o->tgt) /* pairs[0]: the pair of the plain formats */
        s_batch_of(im, o->src, strlen(o->src), o->tgt, strlen(o->tgt));
    for (int i = 0, used = 0; i < nfiles && !status; i += used)
        status = s_import_file(im, o->files + i, nfiles - i, &used);
    if (!status && !s_flush_all(im))
        s_drain(im, 0);
    status = status ? status : im->status;
    s_progress(im, true);
    if (isatty(2))
        fprintf(stderr, "\n");
    s_report(im);
    return status;
}

int verso_cli_import(verso_cli *cli, int argc, char **argv)
{
    verso_cli_opts o;
    int nfiles = verso_cli_parse_opts(argc, argv, &o), status = 3;
    s_import *im = nfiles < 1 ? NULL : calloc(1, sizeof *im);
    if (im) {
        im->cli = cli;
        im->o = &o;
        im->max_bytes = s_max_bytes(cli);
        im->t0 = s_now();
        status = s_tm_ready(im);
        status = status ? status : s_import_all(im, nfiles);
        for (size_t i = 0; i < im->npairs; i++) {
            free(im->pairs[i].src);
            free(im->pairs[i].tgt);
            verso_batch_destroy(&im->pairs[i].entries);
        }
        free(im);
    }
    free(o.files);
    return nfiles < 1 ? VERSO_CLI_USAGE : status;
}
