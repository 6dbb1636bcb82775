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
#include "mp.h"
#include "po.h"
#include "tmx.h"
#include "utf8.h"
#include "verso/limits.h"

#define S_BATCH_ENTRIES 16000
#define S_IN_FLIGHT     4
#define S_SHOW_REJECTS  10
#define S_MAX_PAIRS     1024
#define S_MAX_REASONS   32
#define S_TMX_CHUNK     (64 * 1024)
#define S_ORIGIN_PROP   "x-verso-origin" /* TMX prop carrying an entry's origin */

/* The entries waiting for one language pair. */
typedef struct s_batch {
    char *src, *tgt;
    msgpack_sbuffer buf; /* packed entry maps */
    size_t n;
} s_batch;

/* An entry read from a file; views valid until it is packed. */
typedef struct s_rec {
    const char *src, *tgt;
    size_t sn, tn;
    const verso_tmx_str *src_tags, *tgt_tags;
    size_t nsrc_tags, ntgt_tags;
    const verso_tmx_prop *props;
    size_t nprops;
    verso_tmx_str note, author, origin;
    bool has_origin; /* origin given (else the file's name), even empty */
    int64_t created, changed;
    uint64_t usage;
    verso_tmx_str prev, next; /* context: TMX props "prev" and "next" (OmegaT's) */
    /* A TMX record: the TU and its two tuvs, whose kept XML goes with the
     * entry (docs/TMX.md); NULL for other formats. */
    const verso_tmx_tu *tu;
    const verso_tmx_tuv *stuv, *ttuv;
} s_rec;

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

/* Collects replies until at most `keep` requests are in flight. A batch the
 * server refuses for its language tags is reported and the import goes on. */
static int s_drain(s_import *im, int keep)
{
    while (im->nout > keep && !im->status) {
        verso_reply *r = NULL;
        size_t n = im->out[im->head].n;
        verso_err err = verso_client_recv(im->cli->client, im->out[im->head].id, -1, &r);
        if (err == VERSO_OK) {
            im->added += verso_cli_uint(verso_reply_res(r), "added");
            im->updated += verso_cli_uint(verso_reply_res(r), "updated");
            im->skipped += verso_cli_uint(verso_reply_res(r), "skipped");
        } else if (err == VERSO_ESERVER &&
                   (verso_reply_err(r) == VERSO_EBADLANG || verso_reply_err(r) == VERSO_EBADREQ ||
                    verso_reply_err(r) == VERSO_ETOOBIG)) {
            /* The batch, not the import: report it, count it, go on. */
            fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
            s_reject_n(im, 0,
                       verso_reply_err(r) == VERSO_EBADLANG ? "language tag refused by the server"
                                                            : "batch refused by the server",
                       n, true);
        } else if (err == VERSO_ESERVER) {
            fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
            im->status = 1;
        } else {
            fprintf(stderr, "verso: %s\n", verso_strerror(err));
            im->status = 3;
        }
        verso_reply_destroy(&r);
        im->head = (im->head + 1) % S_IN_FLIGHT;
        im->nout--;
    }
    return im->status;
}

static void s_pack_str(msgpack_packer *pk, const char *key, const char *p, size_t n);

/* Sends the pending entries of one pair as one add request. */
static int s_flush(s_import *im, s_batch *b)
{
    if (!b->n || s_drain(im, S_IN_FLIGHT - 1))
        return im->status;
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &f, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", im->o->tm);
    verso_mp_pack_kv_str(&pk, "src_lang", b->src);
    verso_mp_pack_kv_str(&pk, "tgt_lang", b->tgt);
    verso_mp_pack_kv_str(&pk, "on_conflict", im->o->on_conflict);
    verso_mp_pack_cstr(&pk, "entries");
    msgpack_pack_array(&pk, b->n);
    msgpack_sbuffer_write(&f, b->buf.data, b->buf.size);
    unsigned nfields = 5;
    verso_tmx_str header = im->tmx ? verso_tmx_reader_header(im->tmx) : (verso_tmx_str){"", 0};
    if (header.n && !im->header_sent && header.n <= VERSO_TMX_HEADER_MAX_BYTES) {
        s_pack_str(&pk, "tmx_header", header.p, header.n); /* kept for the TM (docs/TMX.md) */
        im->header_sent = true;
        nfields++;
    }
    uint64_t id;
    verso_err err = verso_client_send_packed(im->cli->client, "add", f.data, f.size, nfields, &id);
    msgpack_sbuffer_destroy(&f);
    if (err) {
        fprintf(stderr, "verso: %s\n", verso_strerror(err));
        return im->status = 3;
    }
    int slot = (im->head + im->nout++) % S_IN_FLIGHT;
    im->out[slot].id = id;
    im->out[slot].n = b->n;
    msgpack_sbuffer_clear(&b->buf);
    b->n = 0;
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
    if (!(b->src = strdup(src)) || !(b->tgt = strdup(tgt))) {
        free(b->src);
        return NULL;
    }
    msgpack_sbuffer_init(&b->buf);
    b->n = 0;
    im->npairs++;
    return b;
}

static void s_pack_str(msgpack_packer *pk, const char *key, const char *p, size_t n)
{
    verso_mp_pack_cstr(pk, key);
    msgpack_pack_str_with_body(pk, p, n);
}

static void s_pack_tags(msgpack_packer *pk, const char *key, const verso_tmx_str *t, size_t n)
{
    verso_mp_pack_cstr(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_str_with_body(pk, t[i].p, t[i].n);
}

static bool s_prop_is(const verso_tmx_prop *p, const char *type)
{
    return p->type.n == strlen(type) && !memcmp(p->type.p, type, p->type.n);
}

static bool s_is_origin(const verso_tmx_prop *p)
{
    return s_prop_is(p, S_ORIGIN_PROP);
}

/* The props an entry keeps as props: not its origin nor its context. */
static bool s_is_plain(const verso_tmx_prop *p)
{
    return !s_is_origin(p) && !s_prop_is(p, "prev") && !s_prop_is(p, "next");
}

/* The "tmx" list of a TMX record (docs/TMX.md): the TU's and the two tuvs'
 * kept attributes and note/prop elements, the origin the import gave, and
 * the fingerprint of the fields those elements fed. */
static void s_pack_tmx(msgpack_packer *pk, const s_rec *r, verso_tmx_str origin)
{
    verso_tmx_prop *plain = calloc(r->nprops + 1, sizeof *plain);
    size_t np = 0;
    for (size_t i = 0; plain && i < r->nprops; i++)
        if (s_is_plain(&r->props[i]))
            plain[np++] = r->props[i];
    char sig[17];
    snprintf(
        sig, sizeof sig, "%016llx",
        (unsigned long long)verso_tmx_fields_sig(r->note, plain, np, r->prev, r->next, origin));
    free(plain);
    struct {
        const char *key;
        verso_tmx_str v;
    } items[] = {{"tu", r->tu->attrs},        {"tu_body", r->tu->body}, {"src", r->stuv->attrs},
                 {"src_body", r->stuv->body}, {"tgt", r->ttuv->attrs},  {"tgt_body", r->ttuv->body},
                 {"origin", origin},          {"sig", {sig, 16}}};
    /* within the server's limit on the list (each item: 4 + its bytes): the
     * bodies go first, then the attributes; the fields keep what they hold */
    size_t total = 0;
    for (size_t i = 0; i < sizeof items / sizeof *items; i++)
        total += 8 + strlen(items[i].key) + items[i].v.n;
    for (size_t i = 1; i < 6 && total > VERSO_SEGMENT_MAX_BYTES; i += 2)
        total -= items[i].v.n, items[i].v.n = 0;
    for (size_t i = 0; i < 6 && total > VERSO_SEGMENT_MAX_BYTES; i += 2)
        total -= items[i].v.n, items[i].v.n = 0;
    size_t n = 1; /* "tu" always, even empty: the TU came from a file */
    for (size_t i = 1; i < sizeof items / sizeof *items; i++)
        n += items[i].v.n > 0;
    verso_mp_pack_cstr(pk, "tmx");
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < sizeof items / sizeof *items; i++)
        if (!i || items[i].v.n) {
            msgpack_pack_array(pk, 2);
            msgpack_pack_str_with_body(pk, items[i].key, strlen(items[i].key));
            msgpack_pack_str_with_body(pk, items[i].v.p, items[i].v.n);
        }
}

/* Packs the fields a record has beyond src, tgt and origin; returns their count. */
static uint32_t s_pack_extra(msgpack_packer *pk, const s_rec *r, size_t nprops,
                             verso_tmx_str origin)
{
    uint32_t n = 0;
    if (r->note.n && ++n)
        s_pack_str(pk, "note", r->note.p, r->note.n);
    if (r->author.n && ++n)
        s_pack_str(pk, "author", r->author.p, r->author.n);
    if (r->nsrc_tags && ++n)
        s_pack_tags(pk, "src_tags", r->src_tags, r->nsrc_tags);
    if (r->ntgt_tags && ++n)
        s_pack_tags(pk, "tgt_tags", r->tgt_tags, r->ntgt_tags);
    if (nprops && ++n) {
        verso_mp_pack_cstr(pk, "props");
        msgpack_pack_array(pk, nprops);
        for (size_t i = 0; i < r->nprops; i++) {
            const verso_tmx_prop *p = &r->props[i];
            if (!s_is_plain(p))
                continue;
            msgpack_pack_array(pk, 2);
            msgpack_pack_str_with_body(pk, p->type.p, p->type.n);
            msgpack_pack_str_with_body(pk, p->value.p, p->value.n);
        }
    }
    const struct {
        const char *key;
        verso_tmx_str v;
    } ctx[] = {{"prev", r->prev}, {"next", r->next}};
    for (size_t i = 0; i < 2; i++)
        if (ctx[i].v.n && ++n)
            s_pack_str(pk, ctx[i].key, ctx[i].v.p, ctx[i].v.n);
    if (r->tu && ++n)
        s_pack_tmx(pk, r, origin);
    const struct {
        const char *key;
        uint64_t v;
    } ints[] = {/* only what the server takes: dates after 1970, counts of int64 */
                {"created", r->created > 0 ? (uint64_t)r->created : 0},
                {"changed", r->changed > 0 ? (uint64_t)r->changed : 0},
                {"usage", r->usage > INT64_MAX ? (uint64_t)INT64_MAX : r->usage}};
    for (size_t i = 0; i < 3; i++)
        if (ints[i].v && ++n)
            verso_mp_pack_kv_uint(pk, ints[i].key, ints[i].v);
    return n;
}

/* The props of r without the origin and context props (which become the
 * origin and the context). */
static size_t s_nprops(const s_rec *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nprops; i++)
        n += s_is_plain(&r->props[i]);
    return n;
}

/* Checks one record and adds it to the batch of its pair (or reports why
 * not, at `line` of the current file). */
static int s_entry(s_import *im, s_batch *b, uint64_t line, const s_rec *r)
{
    im->records++;
    if (!b)
        s_reject(im, line, "too many language pairs, or a language tag over 128 bytes");
    else if (!r->sn || !r->tn)
        s_reject(im, line, r->sn ? "empty target" : "empty source");
    else if (!verso_utf8_valid(r->src, r->sn, NULL) || !verso_utf8_valid(r->tgt, r->tn, NULL))
        s_reject(im, line, "not valid UTF-8");
    else if (r->sn > VERSO_SEGMENT_MAX_BYTES || r->tn > VERSO_SEGMENT_MAX_BYTES)
        s_reject(im, line, "a text over 262,144 bytes (the limit of an entry's text)");
    else if (verso_tmx_marks_check(r->src, r->sn, r->nsrc_tags, &(size_t){0}) ||
             verso_tmx_marks_check(r->tgt, r->tn, r->ntgt_tags, &(size_t){0}))
        /* as the server checks them: here a record's own, not its whole batch */
        s_reject(im, line, "a character U+F0000..U+FFFFD that is not one of its tags");
    else {
        size_t before = b->buf.size;
        msgpack_sbuffer extra;
        msgpack_sbuffer_init(&extra);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &extra, msgpack_sbuffer_write);
        verso_tmx_str origin =
            r->has_origin ? r->origin : (verso_tmx_str){im->file, strlen(im->file)};
        uint32_t n = s_pack_extra(&pk, r, s_nprops(r), origin);
        msgpack_packer_init(&pk, &b->buf, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 3 + n);
        s_pack_str(&pk, "src", r->src, r->sn);
        s_pack_str(&pk, "tgt", r->tgt, r->tn);
        if (r->has_origin)
            s_pack_str(&pk, "origin", r->origin.p, r->origin.n);
        else
            verso_mp_pack_kv_str(&pk, "origin", im->file);
        msgpack_sbuffer_write(&b->buf, extra.data, extra.size);
        msgpack_sbuffer_destroy(&extra);
        b->n++;
        if (b->buf.size - before > im->max_bytes / 2 - 1024) { /* never fits a request */
            b->buf.size = before;
            b->n--;
            s_reject(im, line, "longer than the server accepts");
        }
    }
    if (b && (b->n >= S_BATCH_ENTRIES || b->buf.size > im->max_bytes / 2))
        return s_flush(im, b);
    return im->status;
}

/* A plain pair of the --src/--tgt languages. */
static int s_pair(s_import *im, uint64_t line, const char *src, size_t sn, const char *tgt,
                  size_t tn)
{
    s_rec r = {.src = src, .sn = sn, .tgt = tgt, .tn = tn};
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

/* True when a TMX language matches a requested tag: equal ignoring case and
 * '_' for '-', or the request is a bare language ("en" matches "en-US"). */
static bool s_lang_is(verso_tmx_str have, const char *want)
{
    size_t w = strlen(want), i = 0;
    for (; i < w && i < have.n; i++) {
        char a = have.p[i] == '_' ? '-' : have.p[i], b = want[i] == '_' ? '-' : want[i];
        if ((a | 0x20) != (b | 0x20))
            return false;
    }
    return i == w && (have.n == w || ((have.p[w] == '-' || have.p[w] == '_') &&
                                      !memchr(want, '-', w) && !memchr(want, '_', w)));
}

static bool s_same_lang(verso_tmx_str a, verso_tmx_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if ((a.p[i] | 0x20) != (b.p[i] | 0x20) && !(a.p[i] == '_' && b.p[i] == '-') &&
            !(a.p[i] == '-' && b.p[i] == '_'))
            return false;
    return true;
}

/* The source tuv of a TU: --src, else the TU's srclang, else the header's
 * (unless "*all*"), else the first tuv. NULL when --src is not there. */
static const verso_tmx_tuv *s_tmx_source(s_import *im, const verso_tmx_tu *tu)
{
    verso_tmx_str want = tu->srclang.n ? tu->srclang : verso_tmx_reader_srclang(im->tmx);
    bool all = want.n == 5 && !memcmp(want.p, "*all*", 5);
    for (size_t i = 0; i < tu->ntuvs; i++) {
        if (im->o->src ? s_lang_is(tu->tuvs[i].lang, im->o->src)
                       : want.n && !all && s_same_lang(tu->tuvs[i].lang, want))
            return &tu->tuvs[i];
    }
    return im->o->src || !tu->ntuvs ? NULL : &tu->tuvs[0];
}

static int s_tmx_tu(void *arg, const verso_tmx_tu *tu)
{
    s_import *im = arg;
    if (tu->problem) {
        im->records++;
        s_reject(im, tu->line, tu->problem);
        return im->status;
    }
    const verso_tmx_tuv *src = s_tmx_source(im, tu);
    size_t targets = 0;
    for (size_t i = 0; src && i < tu->ntuvs && !im->status; i++) {
        const verso_tmx_tuv *t = &tu->tuvs[i];
        if (t == src || (im->o->tgt && !s_lang_is(t->lang, im->o->tgt)))
            continue; /* every other tuv, even of the same language (en -> en-US style) */
        targets++;
        s_rec r = {.src = src->text.p,
                   .sn = src->text.n,
                   .tgt = t->text.p,
                   .tn = t->text.n,
                   .src_tags = src->tags,
                   .nsrc_tags = src->ntags,
                   .tgt_tags = t->tags,
                   .ntgt_tags = t->ntags,
                   .props = tu->props,
                   .nprops = tu->nprops,
                   .note = tu->note,
                   .author = tu->creationid,
                   .created = tu->created,
                   .changed = tu->changed,
                   .usage = tu->usage,
                   .tu = tu,
                   .stuv = src,
                   .ttuv = t};
        for (size_t k = 0; k < tu->nprops; k++) {
            const verso_tmx_prop *p = &tu->props[k];
            if (s_is_origin(p)) {
                r.origin = p->value;
                r.has_origin = true;
            } else if (s_prop_is(p, "prev") && !r.prev.n && p->value.n <= VERSO_SEGMENT_MAX_BYTES) {
                r.prev = p->value;
            } else if (s_prop_is(p, "next") && !r.next.n && p->value.n <= VERSO_SEGMENT_MAX_BYTES) {
                r.next = p->value;
            }
        }
        s_entry(im, s_batch_of(im, src->lang.p, src->lang.n, t->lang.p, t->lang.n), tu->line, &r);
    }
    if (!src || !targets) {
        im->records++;
        s_reject(im, tu->line, src ? "no target tuv" : "no source tuv");
    }
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
    verso_reply *r = NULL;
    size_t max = 1 << 20;
    if (verso_client_call(cli->client, "hello", NULL, &r) == VERSO_OK)
        max = verso_cli_uint(verso_reply_res(r), "max_message_bytes");
    verso_reply_destroy(&r);
    return max < 4096 ? 4096 : max > (4u << 20) ? (4u << 20) : max;
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
           "duplicates, %llu rejected\n",
           (unsigned long long)im->records, dt, dt > 0 ? (double)im->records / dt : 0,
           (unsigned long long)im->added, (unsigned long long)im->updated,
           (unsigned long long)im->skipped, (unsigned long long)im->rejected);
    for (size_t i = 0; i < im->nreasons; i++)
        printf("  rejected: %llu %s\n", (unsigned long long)im->reasons[i].n, im->reasons[i].why);
}

int verso_cli_import(verso_cli *cli, int argc, char **argv)
{
    verso_cli_opts o;
    int nfiles = verso_cli_parse_opts(argc, argv, &o);
    if (nfiles < 1) {
        fprintf(stderr, "usage: verso import FILE.tmx [--src LANG --tgt LANG] | FILE.tsv | "
                        "SRC_FILE TGT_FILE | FILE.mo|po... --src LANG --tgt LANG [--tm NAME] "
                        "[--on-conflict keep_both|overwrite|skip]\n");
        free(o.files);
        return 2;
    }
    s_import *im = calloc(1, sizeof *im);
    if (!im)
        return 3;
    im->cli = cli;
    im->o = &o;
    im->max_bytes = s_max_bytes(cli);
    im->t0 = s_now();
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        im->bytes_total += stat(o.files[i], &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    int status = 0;
    if (o.src && o.tgt) /* pairs[0]: the pair of the plain formats */
        s_batch_of(im, o.src, strlen(o.src), o.tgt, strlen(o.tgt));
    for (int i = 0, used = 0; i < nfiles && !status; i += used)
        status = s_import_file(im, o.files + i, nfiles - i, &used);
    if (!status && !s_flush_all(im))
        s_drain(im, 0);
    status = status ? status : im->status;
    s_progress(im, true);
    if (isatty(2))
        fprintf(stderr, "\n");
    s_report(im);
    for (size_t i = 0; i < im->npairs; i++) {
        free(im->pairs[i].src);
        free(im->pairs[i].tgt);
        msgpack_sbuffer_destroy(&im->pairs[i].buf);
    }
    free(im);
    free(o.files);
    return status;
}
