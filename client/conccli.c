/*
 * conccli.c - `verso concordance QUERY --lang L [--side src|tgt] [--tm NAME]
 * [--max-results N]`: the TM entries whose source (or target) in language L
 * holds every word of QUERY, one a line, the query's words marked ([[word]],
 * or bold on a terminal) and the entry's other side after it; the reply's
 * "res" as JSON with --json. Offsets from the server are checked, not
 * trusted: a text whose spans are not sound is shown unmarked.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "mp.h"

#define S_USAGE                                                                                    \
    "usage: verso concordance QUERY --lang LANG [--side src|tgt] [--tm NAME] [--max-results N]\n"

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

/* A whole decimal integer (no trailing text) into *out. */
static bool s_whole_number(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end)
        return false;
    *out = v;
    return true;
}

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
            if (!s_whole_number(argv[++i], &o->max_results))
                return -1;
        } else {
            return -1;
        }
    }
    return o->query.len && o->lang ? 0 : -1;
}

static s_text s_view(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return (s_text){"", 0};
    return (s_text){o->via.str.ptr, o->via.str.size};
}

/* Span i of spans as [r[0], r[1]) into t: two integers, non-empty, at or
 * after `from`, inside t, on UTF-8 character boundaries. */
static bool s_span(const msgpack_object *spans, uint32_t i, s_text t, size_t from, size_t r[2])
{
    const msgpack_object *a = &spans->via.array.ptr[i];
    if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size != 2)
        return false;
    const msgpack_object *s = &a->via.array.ptr[0], *e = &a->via.array.ptr[1];
    if (s->type != MSGPACK_OBJECT_POSITIVE_INTEGER || e->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        s->via.u64 < from || s->via.u64 >= e->via.u64 || e->via.u64 > t.n)
        return false;
    r[0] = (size_t)s->via.u64;
    r[1] = (size_t)e->via.u64;
    for (int k = 0; k < 2; k++)
        if (r[k] < t.n && ((unsigned char)t.p[r[k]] & 0xc0) == 0x80)
            return false;
    return true;
}

/* Whether every span is sound, in order and without overlaps. */
static bool s_spans_ok(const msgpack_object *spans, s_text t)
{
    if (!spans || spans->type != MSGPACK_OBJECT_ARRAY)
        return false;
    size_t at = 0, r[2];
    for (uint32_t i = 0; i < spans->via.array.size; i++) {
        if (!s_span(spans, i, t, at, r))
            return false;
        at = r[1];
    }
    return true;
}

/* t with its spans marked (checked by s_spans_ok); spans that touch (the
 * characters of a Chinese word, say) share one mark. */
static void s_put_marked(const msgpack_object *spans, s_text t, const s_marks *mk)
{
    size_t at = 0, r[2], n = spans->via.array.size;
    for (uint32_t i = 0; i < n; i++) {
        s_span(spans, i, t, at, r);
        verso_cli_put(t.p + at, r[0] - at);
        fputs(r[0] == at && i ? "" : mk->on, stdout);
        verso_cli_put(t.p + r[0], r[1] - r[0]);
        at = r[1];
        size_t next[2];
        bool joined = i + 1 < n && s_span(spans, i + 1, t, at, next) && next[0] == at;
        fputs(joined ? "" : mk->off, stdout);
    }
    verso_cli_put(t.p + at, t.n - at);
}

/* One result: entry id, the searched side marked, the other side. */
static void s_put_result(const msgpack_object *r, bool target, const s_marks *mk)
{
    const msgpack_object *id = verso_mp_get(r, "id"), *spans = verso_mp_get(r, "spans");
    s_text text = s_view(r, target ? "tgt" : "src"), other = s_view(r, target ? "src" : "tgt");
    printf("  #%-7llu ", id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER
                             ? (unsigned long long)id->via.u64
                             : 0ULL);
    if (s_spans_ok(spans, text))
        s_put_marked(spans, text, mk);
    else
        verso_cli_put(text.p, text.n);
    fputs("  ->  ", stdout);
    verso_cli_put(other.p, other.n);
    putchar('\n');
}

static void s_print(const msgpack_object *res, bool target, const s_marks *mk)
{
    const msgpack_object *rs = verso_mp_get(res, "results"), *more = verso_mp_get(res, "more");
    uint32_t n = rs && rs->type == MSGPACK_OBJECT_ARRAY ? rs->via.array.size : 0;
    for (uint32_t i = 0; i < n; i++)
        s_put_result(&rs->via.array.ptr[i], target, mk);
    if (!n)
        printf("  (no match)\n");
    if (more && more->type == MSGPACK_OBJECT_BOOLEAN && more->via.boolean)
        printf("  (more entries match: raise --max-results)\n");
}

/* Packs the request fields back to back; returns their number. */
static uint32_t s_pack(msgpack_sbuffer *f, const s_opts *o)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, f, msgpack_sbuffer_write);
    uint32_t n = 2;
    verso_mp_pack_kv_str(&pk, "lang", o->lang);
    verso_mp_pack_kv_str(&pk, "query", o->query.data);
    if (o->tm && ++n)
        verso_mp_pack_kv_str(&pk, "tm", o->tm);
    if (o->side && ++n)
        verso_mp_pack_kv_str(&pk, "side", o->side);
    if (o->max_results != -1 && ++n)
        verso_mp_pack_kv_int(&pk, "max_results", o->max_results);
    return n;
}

typedef struct s_printer {
    bool target;
    const s_marks *mk;
} s_printer;

static void s_print_conc(void *arg, const msgpack_object *res)
{
    const s_printer *p = arg;
    s_print(res, p->target, p->mk);
}

/* Sends the request and prints the reply. Returns an exit status. */
static int s_call(verso_cli *cli, const s_opts *o)
{
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    uint32_t nf = s_pack(&f, o);
    s_printer p = {o->side && !strcmp(o->side, "tgt"), verso_cli_colour() ? &s_bold : &s_plain};
    int status = verso_cli_request(cli, "concordance", &f, nf, s_print_conc, &p);
    msgpack_sbuffer_destroy(&f);
    return status;
}

int verso_cli_concordance(verso_cli *cli, int argc, char **argv)
{
    s_opts o = {NULL, NULL, NULL, -1, {0}};
    verso_buf_init(&o.query, (size_t)1 << 20);
    int status = 2;
    if (s_parse(argc, argv, &o) < 0)
        fputs(S_USAGE, stderr);
    else
        status = s_call(cli, &o);
    verso_buf_fini(&o.query);
    return status;
}
