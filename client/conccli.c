/*
 * conccli.c - `verso concordance QUERY --lang L [--side src|tgt] [--tm NAME]
 * [--max-results N]`: the TM entries whose source (or target) in language L
 * holds every word of QUERY, one a line, the query's words marked ([[word]],
 * or bold on a terminal) and the entry's other side after it; the reply's
 * "res" as JSON with --json. Offsets from the server are checked, not
 * trusted: a text whose spans are not sound is shown unmarked.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

typedef struct s_opts {
    const char *lang, *side, *tm;
    long max_results; /* -1: the server's default */
    verso_buf query;  /* the words given, joined by spaces, NUL-terminated */
} s_opts;

/* A view of server text. */
typedef struct s_text {
    const char *p;
    size_t n;
} s_text;

/* How the query's words show: plain brackets, or bold on a terminal. */
typedef struct s_marks {
    const char *on, *off;
} s_marks;

static const s_marks s_plain = {"[[", "]]"};
static const s_marks s_bold = {"\x1b[1m", "\x1b[0m"};

/* Parses the options; every other argument (all of them after "--") is a
 * word of the query. Returns 0, or -1 on a malformed command line. */
static int s_parse(int argc, char **argv, s_opts *o)
{
    bool words_only = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (words_only || a[0] != '-') {
            if ((o->query.len && verso_buf_append(&o->query, " ", 1)) ||
                verso_buf_append(&o->query, a, strlen(a)))
                return -1;
        } else if (!strcmp(a, "--")) {
            words_only = true;
        } else if (!strcmp(a, "--lang") && v) {
            o->lang = argv[++i];
        } else if (!strcmp(a, "--side") && v) {
            o->side = argv[++i];
        } else if (!strcmp(a, "--tm") && v) {
            o->tm = argv[++i];
        } else if (!strcmp(a, "--max-results") && v) {
            if (verso_cli_number(argv[++i], &o->max_results))
                return -1;
        } else {
            return -1;
        }
    }
    return o->query.len && o->lang ? 0 : -1;
}

/* Span i of h as [r[0], r[1]) into t: non-empty, at or after `from`,
 * inside t, on UTF-8 character boundaries. */
static bool s_span(const verso_concordance_hit *h, size_t i, s_text t, size_t from, size_t r[2])
{
    verso_span s = h->spans[i];
    if (s.start < 0 || (uint64_t)s.start < from || s.start >= s.end || (uint64_t)s.end > t.n)
        return false;
    r[0] = (size_t)s.start;
    r[1] = (size_t)s.end;
    for (int k = 0; k < 2; k++)
        if (r[k] < t.n && ((unsigned char)t.p[r[k]] & 0xc0) == 0x80)
            return false;
    return true;
}

/* Whether every span is sound, in order and without overlaps. */
static bool s_spans_ok(const verso_concordance_hit *h, s_text t)
{
    if (!h->has_spans)
        return false;
    size_t at = 0, r[2] = {0, 0};
    for (size_t i = 0; i < h->nspans; i++) {
        if (!s_span(h, i, t, at, r))
            return false;
        at = r[1];
    }
    return true;
}

/* t with its spans marked (checked by s_spans_ok); spans that touch (the
 * characters of a Chinese word, say) share one mark. */
static void s_put_marked(const verso_concordance_hit *h, s_text t, const s_marks *mk)
{
    size_t at = 0, r[2] = {0, 0}, n = h->nspans;
    for (size_t i = 0; i < n; i++) {
        s_span(h, i, t, at, r);
        verso_cli_put(t.p + at, r[0] - at);
        fputs(r[0] == at && i ? "" : mk->on, stdout);
        verso_cli_put(t.p + r[0], r[1] - r[0]);
        at = r[1];
        size_t next[2] = {0, 0};
        bool joined = i + 1 < n && s_span(h, i + 1, t, at, next) && next[0] == at;
        fputs(joined ? "" : mk->off, stdout);
    }
    verso_cli_put(t.p + at, t.n - at);
}

/* One result: entry id, the searched side marked, the other side. */
static void s_put_result(const verso_concordance_hit *h, bool target, const s_marks *mk)
{
    const verso_entry *e = &h->entry;
    s_text src = {e->src.ptr, e->src.len}, tgt = {e->tgt.ptr, e->tgt.len};
    s_text text = target ? tgt : src, other = target ? src : tgt;
    printf("  #%-7llu ", e->id > 0 ? (unsigned long long)e->id : 0ULL);
    if (s_spans_ok(h, text))
        s_put_marked(h, text, mk);
    else
        verso_cli_put(text.p, text.n);
    fputs("  ->  ", stdout);
    verso_cli_put(other.p, other.n);
    putchar('\n');
}

static void s_print(const verso_concordance_res *r, bool target, const s_marks *mk)
{
    for (size_t i = 0; i < r->nresults; i++)
        s_put_result(&r->results[i], target, mk);
    if (!r->nresults)
        printf("  (no match)\n");
    if (r->more)
        printf("  (more entries match: raise --max-results)\n");
}

/* Sends the request and prints the reply. Returns an exit status. */
static int s_call(verso_cli *cli, const s_opts *o)
{
    verso_concordance_req q = {
        .tm = o->tm, .lang = o->lang, .side = o->side, .query = {o->query.data, o->query.len}};
    verso_concordance_res *r = NULL;
    if (o->max_results != -1) /* out of range: sent so, for the server to refuse */
        q.max_results = o->max_results < 1         ? -1
                        : o->max_results > INT_MAX ? INT_MAX
                                                   : (int)o->max_results;
    verso_err err = verso_concordance(cli->client, &q, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        s_print(r, o->side && !strcmp(o->side, "tgt"), verso_cli_colour() ? &s_bold : &s_plain);
    verso_concordance_res_destroy(&r);
    return 0;
}

int verso_cli_concordance(verso_cli *cli, int argc, char **argv)
{
    s_opts o = {NULL, NULL, NULL, -1, {0}};
    verso_buf_init(&o.query, (size_t)1 << 20);
    int status = s_parse(argc, argv, &o) < 0 ? VERSO_CLI_USAGE : s_call(cli, &o);
    verso_buf_fini(&o.query);
    return status;
}
