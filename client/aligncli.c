/*
 * aligncli.c - `verso align SRC TGT --src L --tgt L [--segmented] [--store TM]
 * [--min-confidence X] [--origin NAME] [--links-from TM] [--format
 * beads|tsv|tmx]`: aligns two
 * plain-text files (one sentence a line with --segmented) with the `align`
 * op and prints the beads (`[0,1]:[0]` lines, the format of the evaluation
 * scorer, each with its score after a tab), the sentence pairs as TSV, or
 * TMX; the reply's "res" as JSON with --json. Indices from the server are
 * checked, not trusted.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "mp.h"
#include "tmx.h"
#include "verso/version.h"

#define S_USAGE                                                                                    \
    "usage: verso align SRC_FILE TGT_FILE --src LANG --tgt LANG [--segmented]\n"                   \
    "       [--store TM] [--min-confidence X] [--origin NAME] [--links-from TM]\n"                 \
    "       [--format beads|tsv|tmx]\n"

typedef struct s_opts {
    const char *files[2], *lang[2], *store, *origin, *format, *links_from;
    double min_confidence; /* < 0: the server's default */
    bool segmented;
} s_opts;

static int s_parse(int argc, char **argv, s_opts *o)
{
    int nfiles = 0;
    memset(o, 0, sizeof *o);
    o->min_confidence = -1;
    o->format = "beads";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (!strcmp(a, "--src") && v)
            o->lang[0] = argv[++i];
        else if (!strcmp(a, "--tgt") && v)
            o->lang[1] = argv[++i];
        else if (!strcmp(a, "--store") && v)
            o->store = argv[++i];
        else if (!strcmp(a, "--links-from") && v)
            o->links_from = argv[++i];
        else if (!strcmp(a, "--origin") && v)
            o->origin = argv[++i];
        else if (!strcmp(a, "--format") && v)
            o->format = argv[++i];
        else if (!strcmp(a, "--min-confidence") && v) {
            o->min_confidence = strtod(argv[++i], &end);
            if (!*v || *end || !(o->min_confidence >= 0 && o->min_confidence <= 1))
                return -1;
        } else if (!strcmp(a, "--segmented"))
            o->segmented = true;
        else if ((a[0] != '-' || !strcmp(a, "-")) && nfiles < 2)
            o->files[nfiles++] = a;
        else
            return -1;
    }
    bool fmt =
        !strcmp(o->format, "beads") || !strcmp(o->format, "tsv") || !strcmp(o->format, "tmx");
    return nfiles == 2 && o->lang[0] && o->lang[1] && fmt ? 0 : -1;
}

/* Packs one side: its lines as segments, or the text. */
static void s_pack_side(msgpack_packer *pk, const char *which, const char *text, size_t len,
                        bool segmented)
{
    char key[32];
    snprintf(key, sizeof key, "%s_%s", which, segmented ? "segments" : "text");
    verso_mp_pack_cstr(pk, key);
    if (!segmented) {
        msgpack_pack_str_with_body(pk, text, len);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    n += len && text[len - 1] != '\n';
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, k = e;
        while (k > i && text[k - 1] == '\r')
            k--;
        msgpack_pack_str_with_body(pk, text + i, k - i);
        i = e + 1;
    }
}

static uint32_t s_pack(msgpack_sbuffer *f, const s_opts *o, char *text[2], size_t len[2])
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, f, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "src_lang", o->lang[0]);
    verso_mp_pack_kv_str(&pk, "tgt_lang", o->lang[1]);
    s_pack_side(&pk, "src", text[0], len[0], o->segmented);
    s_pack_side(&pk, "tgt", text[1], len[1], o->segmented);
    if (o->links_from)
        verso_mp_pack_kv_str(&pk, "links_from", o->links_from);
    uint32_t n = 4 + (o->links_from != NULL);
    if (!o->store)
        return n;
    verso_mp_pack_cstr(&pk, "store");
    msgpack_pack_map(&pk, 1 + (o->min_confidence >= 0) + (o->origin != NULL));
    verso_mp_pack_kv_str(&pk, "tm", o->store);
    if (o->min_confidence >= 0) {
        verso_mp_pack_cstr(&pk, "min_confidence");
        msgpack_pack_double(&pk, o->min_confidence);
    }
    if (o->origin)
        verso_mp_pack_kv_str(&pk, "origin", o->origin);
    return n + 1;
}

/* ---- printing --------------------------------------------------------------- */

/* A bead's side: consecutive indices below n, checked. */
typedef struct s_range {
    uint32_t from, count;
} s_range;

static bool s_range_of(const msgpack_object *a, uint32_t n, s_range *r)
{
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > 4)
        return false;
    r->count = a->via.array.size;
    r->from = 0;
    for (uint32_t i = 0; i < r->count; i++) {
        const msgpack_object *x = &a->via.array.ptr[i];
        if (x->type != MSGPACK_OBJECT_POSITIVE_INTEGER || x->via.u64 >= n ||
            (i && x->via.u64 != (uint64_t)r->from + i))
            return false;
        if (!i)
            r->from = (uint32_t)x->via.u64;
    }
    return true;
}

typedef struct s_reply {
    const msgpack_object *segs[2], *beads;
    uint32_t n[2];
} s_reply;

static bool s_reply_of(const msgpack_object *res, s_reply *r)
{
    r->segs[0] = verso_mp_get(res, "src_segments");
    r->segs[1] = verso_mp_get(res, "tgt_segments");
    r->beads = verso_mp_get(res, "beads");
    for (int s = 0; s < 2; s++) {
        if (!r->segs[s] || r->segs[s]->type != MSGPACK_OBJECT_ARRAY)
            return false;
        r->n[s] = r->segs[s]->via.array.size;
        for (uint32_t i = 0; i < r->n[s]; i++)
            if (r->segs[s]->via.array.ptr[i].type != MSGPACK_OBJECT_STR)
                return false;
    }
    return r->beads && r->beads->type == MSGPACK_OBJECT_ARRAY;
}

static double s_score(const msgpack_object *b)
{
    const msgpack_object *o = verso_mp_get(b, "score");
    if (o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
        return o->via.f64;
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)o->via.u64 : 0;
}

/* The sentences of a range joined by spaces, into out (reset first); tabs
 * and line breaks become spaces so that a TSV line stays one line. */
static void s_joined(const s_reply *r, int side, s_range g, verso_buf *out)
{
    verso_buf_reset(out);
    for (uint32_t i = 0; i < g.count; i++) {
        const msgpack_object *x = &r->segs[side]->via.array.ptr[g.from + i];
        if (i)
            verso_buf_append(out, " ", 1);
        size_t at = out->len;
        verso_buf_append(out, x->via.str.ptr, x->via.str.size);
        for (size_t k = at; k < out->len; k++)
            if (out->data[k] == '\t' || out->data[k] == '\n' || out->data[k] == '\r')
                out->data[k] = ' ';
    }
}

static void s_print_range(s_range g)
{
    putchar('[');
    for (uint32_t i = 0; i < g.count; i++)
        printf(i ? ",%u" : "%u", g.from + i);
    putchar(']');
}

typedef struct s_printer {
    const s_opts *o;
    int status;
} s_printer;

/* One bead in the chosen format; tmx collects into out. */
static void s_print_bead(const s_opts *o, const s_reply *r, s_range g[2], double score,
                         verso_buf tmp[2], verso_buf *tmx)
{
    if (!strcmp(o->format, "beads")) {
        s_print_range(g[0]);
        putchar(':');
        s_print_range(g[1]);
        printf("\t%.3f\n", score);
        return;
    }
    if (!g[0].count || !g[1].count)
        return; /* a sentence without counterpart is no pair */
    s_joined(r, 0, g[0], &tmp[0]);
    s_joined(r, 1, g[1], &tmp[1]);
    if (!strcmp(o->format, "tsv")) {
        printf("%.*s\t%.*s\t%.3f\n", (int)tmp[0].len, tmp[0].data ? tmp[0].data : "",
               (int)tmp[1].len, tmp[1].data ? tmp[1].data : "", score);
        return;
    }
    verso_tmx_tuv tuvs[2] = {{{o->lang[0], strlen(o->lang[0])}, {tmp[0].data, tmp[0].len}, 0, 0},
                             {{o->lang[1], strlen(o->lang[1])}, {tmp[1].data, tmp[1].len}, 0, 0}};
    verso_tmx_tu tu = {0};
    tu.tuvs = tuvs;
    tu.ntuvs = 2;
    verso_tmx_write_tu(tmx, &tu);
}

static void s_print(void *arg, const msgpack_object *res)
{
    s_printer *p = arg;
    const s_opts *o = p->o;
    s_reply r;
    if (!s_reply_of(res, &r)) {
        fprintf(stderr, "verso: malformed align reply\n");
        p->status = 3;
        return;
    }
    verso_buf tmp[2], tmx;
    verso_buf_init(&tmp[0], (size_t)1 << 30);
    verso_buf_init(&tmp[1], (size_t)1 << 30);
    verso_buf_init(&tmx, (size_t)1 << 31);
    bool is_tmx = !strcmp(o->format, "tmx");
    if (is_tmx)
        verso_tmx_write_header(&tmx, (verso_tmx_str){o->lang[0], strlen(o->lang[0])}, "verso",
                               VERSO_VERSION);
    for (uint32_t i = 0; i < r.beads->via.array.size; i++) {
        const msgpack_object *b = &r.beads->via.array.ptr[i];
        s_range g[2];
        if (!s_range_of(verso_mp_get(b, "src"), r.n[0], &g[0]) ||
            !s_range_of(verso_mp_get(b, "tgt"), r.n[1], &g[1])) {
            fprintf(stderr, "verso: bead %u of the reply is malformed; skipped\n", (unsigned)i);
            continue;
        }
        s_print_bead(o, &r, g, s_score(b), tmp, &tmx);
    }
    if (is_tmx) {
        verso_tmx_write_footer(&tmx);
        fwrite(tmx.data ? tmx.data : "", 1, tmx.len, stdout);
    }
    const msgpack_object *st = verso_mp_get(res, "stored");
    if (st)
        fprintf(stderr, "stored in %s: %llu added, %llu already there (%llu beads qualified)\n",
                o->store, (unsigned long long)verso_cli_uint(st, "added"),
                (unsigned long long)verso_cli_uint(st, "skipped"),
                (unsigned long long)verso_cli_uint(st, "candidates"));
    verso_buf_fini(&tmp[0]);
    verso_buf_fini(&tmp[1]);
    verso_buf_fini(&tmx);
}

int verso_cli_align(verso_cli *cli, int argc, char **argv)
{
    s_opts o;
    if (s_parse(argc, argv, &o) < 0) {
        fputs(S_USAGE, stderr);
        return 2;
    }
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    int status = 0;
    for (int s = 0; s < 2 && !status; s++)
        if (!(text[s] = verso_cli_slurp(o.files[s], &len[s]))) {
            fprintf(stderr, "verso: cannot read %s\n", o.files[s]);
            status = 2;
        }
    if (!status) {
        msgpack_sbuffer f;
        msgpack_sbuffer_init(&f);
        uint32_t nf = s_pack(&f, &o, text, len);
        s_printer p = {&o, 0};
        status = verso_cli_request(cli, "align", &f, nf, s_print, &p);
        status = status ? status : p.status;
        msgpack_sbuffer_destroy(&f);
    }
    free(text[0]);
    free(text[1]);
    return status;
}
