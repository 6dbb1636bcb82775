/*
 * tmcli.c - the translation-memory commands of `verso` other than import:
 * lookup (an article, one segment a line, or a sentence given on the command
 * line; shown as a table of matches whose TM source marks what differs from
 * the query, or as raw JSON) and export (a whole TM as TMX 1.4b, read page by
 * page with the export op), and the option parser they share with import.c.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tmx.h"
#include "tmx_entry.h"
#include "verso/version.h"

#define S_MAX_FILES 100000
#define S_PAGE      1000 /* entries an export request asks for */

int verso_cli_parse_opts(int argc, char **argv, verso_cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files)
        return -1;
    o->tm = "default";
    o->on_conflict = "keep_both";
    o->min_score = 70;
    o->max_results = -1;
    int nfiles = 0, only_files = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((a[0] != '-' || !strcmp(a, "-") || only_files) && nfiles < S_MAX_FILES)
            o->files[nfiles++] = a;
        else if (!strcmp(a, "--"))
            only_files = 1;
        else if (!strcmp(a, "--src") && v)
            o->src = argv[++i];
        else if (!strcmp(a, "--tgt") && v)
            o->tgt = argv[++i];
        else if (!strcmp(a, "--tm") && v)
            o->tm = argv[++i];
        else if (!strcmp(a, "--on-conflict") && v)
            o->on_conflict = argv[++i];
        else if (!strcmp(a, "--min-score") && v)
            o->min_score = atol(argv[++i]);
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v)
            o->output = argv[++i];
        else if (!strcmp(a, "--omegat") && v)
            o->omegat = argv[++i];
        else if (!strcmp(a, "--max-results") && v) {
            if (verso_cli_number(argv[++i], &o->max_results))
                return -1;
        } else if (!strcmp(a, "--segmented"))
            o->segmented = 1;
        else if (!strcmp(a, "--text"))
            o->text = 1;
        else
            return -1;
    }
    return nfiles;
}

/* ---- lookup --------------------------------------------------------------- */

static verso_tmx_str s_view(verso_str s)
{
    return (verso_tmx_str){s.ptr, s.len};
}

/* How differences show: marks around the TM source's own words and around
 * the query's words that replace them (plain like git's --word-diff, or
 * ANSI red strike-through and green on a terminal). */
typedef struct s_marks {
    const char *del_on, *del_off, *ins_on, *ins_off;
} s_marks;

static const s_marks s_plain = {"[-", "-]", "{+", "+}"};
static const s_marks s_ansi = {"\x1b[9;31m", "\x1b[0m", "\x1b[32m", "\x1b[0m"};

static bool s_space(char c)
{
    return c == ' ' || c == '\t';
}

/* One side of a diff, [start, end) into t: in order, inside t, on UTF-8
 * character boundaries. The server's offsets are checked, never trusted. */
static bool s_range(verso_span sp, verso_tmx_str t, size_t r[2])
{
    if (sp.start < 0 || sp.start > sp.end || (uint64_t)sp.end > t.n)
        return false;
    r[0] = (size_t)sp.start;
    r[1] = (size_t)sp.end;
    for (int i = 0; i < 2; i++)
        if (r[i] < t.n && ((unsigned char)t.p[r[i]] & 0xc0) == 0x80)
            return false;
    return true;
}

/* Whether every diff of a match is sound against the query q and the TM
 * source src, in text order without overlaps on both sides; nil is not. */
static bool s_diffs_ok(const verso_match *m, verso_tmx_str q, verso_tmx_str src)
{
    if (!m->has_diffs)
        return false;
    size_t q_at = 0, src_at = 0, a[2], b[2];
    for (size_t i = 0; i < m->ndiffs; i++) {
        if (!s_range(m->diffs[i].segment, q, a) || !s_range(m->diffs[i].src, src, b) ||
            a[0] < q_at || b[0] < src_at)
            return false;
        q_at = a[1];
        src_at = b[1];
    }
    return true;
}

/* One difference: the source's span a-struck, the query's span a-added. A
 * pure insertion gets the space between words the query has around it, so
 * that "Open the file" for "Open the big file" reads "Open the {+big+} file". */
static void s_put_change(verso_tmx_str q, const size_t a[2], verso_tmx_str src, const size_t b[2],
                         const s_marks *mk)
{
    if (b[0] < b[1]) {
        fputs(mk->del_on, stdout);
        verso_cli_put(src.p + b[0], b[1] - b[0]);
        fputs(mk->del_off, stdout);
    }
    if (a[0] == a[1])
        return;
    bool insertion = b[0] == b[1];
    bool before =
        insertion && a[0] > 0 && s_space(q.p[a[0] - 1]) && b[0] > 0 && !s_space(src.p[b[0] - 1]);
    bool after =
        insertion && a[1] < q.n && s_space(q.p[a[1]]) && b[0] < src.n && !s_space(src.p[b[0]]);
    fputs(before ? " " : "", stdout);
    fputs(mk->ins_on, stdout);
    verso_cli_put(q.p + a[0], a[1] - a[0]);
    fputs(mk->ins_off, stdout);
    fputs(after ? " " : "", stdout);
}

/* The TM source with its differences from the query marked (diffs already
 * checked by s_diffs_ok). */
static void s_put_marked(const verso_match *m, verso_tmx_str q, verso_tmx_str src,
                         const s_marks *mk)
{
    size_t at = 0, a[2] = {0, 0}, b[2] = {0, 0};
    for (size_t i = 0; i < m->ndiffs; i++) {
        s_range(m->diffs[i].segment, q, a);
        s_range(m->diffs[i].src, src, b);
        verso_cli_put(src.p + at, b[0] - at);
        s_put_change(q, a, src, b, mk);
        at = b[1];
    }
    verso_cli_put(src.p + at, src.n - at);
}

/* After the target: the penalties by name, and what else a translator
 * should know about the match. */
static void s_put_notes(const verso_match *m)
{
    const char *sep = "  (";
    for (size_t i = 0; i < m->npenalties; i++) {
        fputs(sep, stdout);
        verso_cli_put(m->penalties[i].name.ptr, m->penalties[i].name.len);
        sep = ", ";
    }
    fputs(*sep == ',' ? ")" : "", stdout);
    fputs(m->substituted ? "  (numbers substituted)" : "", stdout);
    fputs(m->reversed ? "  (reversed)" : "", stdout);
}

/* One row: score, kind, entry id, marked TM source, target, notes. */
static void s_put_match(const verso_match *m, verso_tmx_str q, const s_marks *mk)
{
    verso_tmx_str src = s_view(m->entry.src), tgt = s_view(m->entry.tgt);
    printf("  %3lld ", (long long)m->score);
    verso_cli_put(m->kind.ptr, m->kind.len);
    printf("%*s #%-7lld ", m->kind.len < 7 ? (int)(7 - m->kind.len) : 0, "",
           (long long)m->entry.id);
    if (s_diffs_ok(m, q, src))
        s_put_marked(m, q, src, mk);
    else
        verso_cli_put(src.p, src.n);
    fputs("  ->  ", stdout);
    verso_cli_put(tgt.p, tgt.n);
    s_put_notes(m);
    putchar('\n');
}

static void s_print_results(const verso_lookup_res *r, const s_marks *mk)
{
    for (size_t i = 0; i < r->nresults; i++) {
        const verso_lookup_result *x = &r->results[i];
        verso_tmx_str seg = s_view(x->segment);
        verso_cli_put(seg.p, seg.n);
        putchar('\n');
        if (!x->nmatches)
            printf("  (no match)\n");
        for (size_t j = 0; j < x->nmatches; j++)
            s_put_match(&x->matches[j], seg, mk);
    }
}

/* The text to look up: argument arg itself (with --text, or when it is
 * not "-" and names no readable file), else the file's content. *owned
 * is what the caller frees. Returns an exit status. */
static int s_lookup_input(const verso_cli_opts *o, const char *arg, const char **text, size_t *len,
                          char **owned)
{
    struct stat st;
    bool file = !o->text && (!strcmp(arg, "-") ||
                             (!stat(arg, &st) && !S_ISDIR(st.st_mode) && !access(arg, R_OK)));
    *owned = NULL;
    if (!file) {
        *text = arg;
        *len = strlen(arg);
        return 0;
    }
    if (!(*owned = verso_cli_slurp(arg, len))) {
        fprintf(stderr, "verso: cannot read %s\n", arg);
        return 2;
    }
    *text = *owned;
    return 0;
}

/* Sends the lookup and prints its reply. Returns an exit status. */
static int s_lookup_call(verso_cli *cli, const verso_cli_opts *o, const char *text, size_t len)
{
    verso_lookup_req q = {.tm = o->tm,
                          .src_lang = o->src,
                          .tgt_lang = o->tgt,
                          .has_min_score = true,
                          .min_score = o->min_score < INT_MIN   ? INT_MIN
                                       : o->min_score > INT_MAX ? INT_MAX
                                                                : (int)o->min_score};
    if (o->max_results != -1) /* out of range: sent so, for the server to refuse */
        q.max_results = o->max_results < 1         ? -1
                        : o->max_results > INT_MAX ? INT_MAX
                                                   : (int)o->max_results;
    verso_str *lines = NULL;
    if (!o->segmented)
        q.text = (verso_str){text, len};
    else if (!(q.segments = lines = verso_cli_lines(text, len, &q.nsegments)))
        return 3;
    verso_lookup_res *r = NULL;
    verso_err err = verso_lookup(cli->client, &q, &r);
    free(lines);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        s_print_results(r, verso_cli_colour() ? &s_ansi : &s_plain);
    verso_lookup_res_destroy(&r);
    return 0;
}

int verso_cli_lookup(verso_cli *cli, int argc, char **argv)
{
    verso_cli_opts o;
    const char *text = NULL;
    char *owned = NULL;
    size_t len = 0;
    int status = 2;
    if (verso_cli_parse_opts(argc, argv, &o) != 1 || !o.src || !o.tgt)
        status = VERSO_CLI_USAGE;
    else if (!(status = s_lookup_input(&o, o.files[0], &text, &len, &owned)))
        status = s_lookup_call(cli, &o, text, len);
    free(owned);
    free(o.files);
    return status;
}

/* ---- export --------------------------------------------------------------- */

/* The strings of v into a new array of n + extra (caller frees); NULL out
 * of memory. */
static verso_tmx_str *s_strs(const verso_str *v, size_t n, size_t extra)
{
    verso_tmx_str *t = calloc(n + extra + 1, sizeof *t);
    for (size_t i = 0; t && i < n; i++)
        t[i] = s_view(v[i]);
    return t;
}

/* The pairs of v into a new array of n + extra (caller frees). */
static verso_tmx_prop *s_pairs(const verso_pair *v, size_t n, size_t extra)
{
    verso_tmx_prop *p = calloc(n + extra + 1, sizeof *p);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (verso_tmx_prop){s_view(v[i].name), s_view(v[i].value)};
    return p;
}

/* One entry of an export page as a TU (common/tmx_entry.h). */
static verso_err s_write_entry(const verso_entry *e, verso_buf *out)
{
    verso_tmx_str *stags = s_strs(e->src_tags, e->nsrc_tags, 0);
    verso_tmx_str *ttags = s_strs(e->tgt_tags, e->ntgt_tags, 0);
    verso_tmx_prop *props = s_pairs(e->props, e->nprops, 0);
    verso_tmx_prop *tmx = s_pairs(e->tmx, e->ntmx, 0);
    verso_err err = VERSO_ENOMEM;
    if (stags && ttags && props && tmx) {
        verso_tmx_entry te = {.id = e->id,
                              .src_lang = s_view(e->src_lang),
                              .tgt_lang = s_view(e->tgt_lang),
                              .src = s_view(e->src),
                              .tgt = s_view(e->tgt),
                              .author = s_view(e->author),
                              .note = s_view(e->note),
                              .origin = s_view(e->origin),
                              .prev = s_view(e->prev),
                              .next = s_view(e->next),
                              .src_tags = stags,
                              .nsrc_tags = e->nsrc_tags,
                              .tgt_tags = ttags,
                              .ntgt_tags = e->ntgt_tags,
                              .props = props,
                              .nprops = e->nprops,
                              .tmx = tmx,
                              .ntmx = e->ntmx,
                              .created = e->created,
                              .changed = e->changed,
                              .usage = e->usage};
        err = verso_tmx_write_entry(out, &te);
    }
    free(stags);
    free(ttags);
    free(props);
    free(tmx);
    return err;
}

typedef struct s_export {
    verso_cli *cli;
    const verso_cli_opts *o;
    FILE *out;
    verso_buf buf;
    uint64_t n;
} s_export;

/* The file's header: the one the TM kept from its last TMX import, else a
 * new one. */
static verso_err s_export_header(s_export *x, verso_tmx_str kept)
{
    if (kept.n && !verso_tmx_write_header_kept(&x->buf, kept))
        return VERSO_OK;
    return verso_tmx_write_header(
        &x->buf, (verso_tmx_str){x->o->src ? x->o->src : "", x->o->src ? strlen(x->o->src) : 0},
        "verso", VERSO_VERSION);
}

/* Asks for the page after `after` (the header first, at 0); writes its
 * entries; *next: the cursor (0 at the end). Returns an exit status. */
static int s_export_page(s_export *x, uint64_t after, uint64_t *next)
{
    verso_export_req q = {.tm = x->o->tm, .after = (int64_t)after, .limit = S_PAGE};
    verso_export_res *r = NULL;
    verso_err err = verso_export(x->cli->client, &q, &r);
    if (err)
        return verso_cli_fail(x->cli, err);
    *next = r->next > 0 ? (uint64_t)r->next : 0;
    if (after == 0) /* the header: the TM's kept one (docs/TMX.md), or a new one */
        err = s_export_header(x, s_view(r->tmx_header));
    for (size_t i = 0; !err && i < r->nentries; i++, x->n++)
        err = s_write_entry(&r->entries[i], &x->buf);
    verso_export_res_destroy(&r);
    if (err)
        fprintf(stderr, "verso: cannot write an entry: %s\n", verso_strerror(err));
    if (!err && fwrite(x->buf.data, 1, x->buf.len, x->out) != x->buf.len)
        err = VERSO_EIO;
    verso_buf_reset(&x->buf);
    return err ? 3 : 0;
}

static int s_export_all(s_export *x)
{
    int status = 0;
    uint64_t after = 0, next = 1;
    while (!status && next) {
        status = s_export_page(x, after, &next);
        after = next;
    }
    if (!status && (verso_tmx_write_footer(&x->buf) ||
                    fwrite(x->buf.data, 1, x->buf.len, x->out) != x->buf.len))
        status = 3;
    return status;
}

/* --omegat DIR: DIR/tm/verso-TM.tmx (the TM's name with characters other
 * than letters, digits, '.', '-' and '_' as '_'), DIR/tm made if missing.
 * Returns the path (caller frees), or NULL after saying why. */
static char *s_omegat_path(const char *dir, const char *tm)
{
    char probe[4096];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/omegat.project", dir);
    if (stat(probe, &st) < 0) {
        fprintf(stderr, "verso: %s is not an OmegaT project (no omegat.project)\n", dir);
        return NULL;
    }
    snprintf(probe, sizeof probe, "%s/tm", dir);
    if (mkdir(probe, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "verso: cannot make %s: %s\n", probe, strerror(errno));
        return NULL;
    }
    size_t n = strlen(probe) + strlen(tm) + 16;
    char *path = malloc(n);
    if (!path)
        return NULL;
    int k = snprintf(path, n, "%s/verso-", probe);
    for (const char *p = tm; *p; p++)
        path[k++] = isalnum((unsigned char)*p) || strchr("._-", *p) ? *p : '_';
    strcpy(path + k, ".tmx");
    return path;
}

int verso_cli_export(verso_cli *cli, int argc, char **argv)
{
    verso_cli_opts o;
    char *omegat = NULL;
    if (verso_cli_parse_opts(argc, argv, &o) != 0 || (o.omegat && o.output)) {
        free(o.files);
        return VERSO_CLI_USAGE;
    }
    if (o.omegat && !(o.output = omegat = s_omegat_path(o.omegat, o.tm))) {
        free(o.files);
        return 2;
    }
    s_export x = {cli, &o, stdout, {0}, 0};
    char *part = NULL;
    bool to_file = o.output && strcmp(o.output, "-");
    if (to_file && (part = malloc(strlen(o.output) + 6)))
        sprintf(part, "%s.part", o.output); /* renamed when complete */
    if (to_file && (!part || !(x.out = fopen(part, "w")))) {
        fprintf(stderr, "verso: cannot write %s\n", part ? part : o.output);
        free(part);
        free(o.files);
        return 2;
    }
    verso_buf_init(&x.buf, (size_t)1 << 30);
    int status = s_export_all(&x);
    verso_buf_fini(&x.buf);
    if (to_file && (fclose(x.out) || (!status && rename(part, o.output))))
        status = status ? status : 3;
    if (to_file && status)
        remove(part);
    if (!status)
        fprintf(stderr, "exported %llu entries of TM %s%s%s\n", (unsigned long long)x.n, o.tm,
                to_file ? " to " : "", to_file ? o.output : "");
    free(part);
    free(omegat);
    free(o.files);
    return status;
}
