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
#include "tmx.h"
#include "verso/version.h"

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

/* One side of the request: its lines as segments (*lines, which the
 * caller frees), or the text. Returns 0, or -1 out of memory. */
static int s_side(const char *text, size_t len, bool segmented, verso_str *whole,
                  const verso_str **segs, size_t *n, verso_str **lines)
{
    *lines = NULL;
    if (!segmented) {
        *whole = (verso_str){text, len};
        return 0;
    }
    *lines = verso_cli_lines(text, len, n);
    *segs = *lines;
    return *lines ? 0 : -1;
}

/* ---- printing --------------------------------------------------------------- */

/* A bead's side: consecutive indices below n, checked. */
typedef struct s_range {
    uint32_t from, count;
} s_range;

static bool s_range_of(const int64_t *v, size_t count, size_t n, s_range *r)
{
    if (count > 4)
        return false;
    r->count = (uint32_t)count;
    r->from = 0;
    for (size_t i = 0; i < count; i++) {
        if (v[i] < 0 || (uint64_t)v[i] >= n || (i && v[i] != (int64_t)r->from + (int64_t)i))
            return false;
        if (!i)
            r->from = (uint32_t)v[i];
    }
    return true;
}

/* The sentences of a range joined by spaces, into out (reset first); tabs
 * and line breaks become spaces so that a TSV line stays one line. */
static void s_joined(const verso_str *segs, s_range g, verso_buf *out)
{
    verso_buf_reset(out);
    for (uint32_t i = 0; i < g.count; i++) {
        const verso_str *x = &segs[g.from + i];
        if (i)
            verso_buf_append(out, " ", 1);
        size_t at = out->len;
        verso_buf_append(out, x->ptr, x->len);
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

/* One bead in the chosen format; tmx collects into out. */
static void s_print_bead(const s_opts *o, const verso_align_res *r, s_range g[2], double score,
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
    s_joined(r->src_segments, g[0], &tmp[0]);
    s_joined(r->tgt_segments, g[1], &tmp[1]);
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

static void s_print(const s_opts *o, const verso_align_res *r)
{
    verso_buf tmp[2], tmx;
    verso_buf_init(&tmp[0], (size_t)1 << 30);
    verso_buf_init(&tmp[1], (size_t)1 << 30);
    verso_buf_init(&tmx, (size_t)1 << 31);
    bool is_tmx = !strcmp(o->format, "tmx");
    if (is_tmx)
        verso_tmx_write_header(&tmx, (verso_tmx_str){o->lang[0], strlen(o->lang[0])}, "verso",
                               VERSO_VERSION);
    for (size_t i = 0; i < r->nbeads; i++) {
        const verso_bead *b = &r->beads[i];
        s_range g[2];
        if (!s_range_of(b->src, b->nsrc, r->nsrc_segments, &g[0]) ||
            !s_range_of(b->tgt, b->ntgt, r->ntgt_segments, &g[1])) {
            fprintf(stderr, "verso: bead %zu of the reply is malformed; skipped\n", i);
            continue;
        }
        s_print_bead(o, r, g, b->score, tmp, &tmx);
    }
    if (is_tmx) {
        verso_tmx_write_footer(&tmx);
        fwrite(tmx.data ? tmx.data : "", 1, tmx.len, stdout);
    }
    if (r->has_stored)
        fprintf(stderr, "stored in %s: %lld added, %lld already there (%lld beads qualified)\n",
                o->store, (long long)r->added, (long long)r->skipped, (long long)r->candidates);
    verso_buf_fini(&tmp[0]);
    verso_buf_fini(&tmp[1]);
    verso_buf_fini(&tmx);
}

/* Sends the align request of the two texts and prints its result. */
static int s_call(verso_cli *cli, const s_opts *o, char *text[2], size_t len[2])
{
    verso_align_req q = {.src_lang = o->lang[0],
                         .tgt_lang = o->lang[1],
                         .links_from = o->links_from,
                         .store = o->store != NULL,
                         .store_tm = o->store,
                         .has_min_confidence = o->min_confidence >= 0,
                         .min_confidence = o->min_confidence,
                         .origin = o->origin};
    verso_str *lines[2] = {NULL, NULL};
    int status = 3;
    verso_align_res *r = NULL;
    if (!s_side(text[0], len[0], o->segmented, &q.src_text, &q.src_segments, &q.nsrc_segments,
                &lines[0]) &&
        !s_side(text[1], len[1], o->segmented, &q.tgt_text, &q.tgt_segments, &q.ntgt_segments,
                &lines[1])) {
        verso_err err = verso_align(cli->client, &q, &r);
        status = err ? verso_cli_fail(cli, err) : 0;
    }
    if (r && !verso_cli_json(cli))
        s_print(o, r);
    verso_align_res_destroy(&r);
    free(lines[0]);
    free(lines[1]);
    return status;
}

int verso_cli_align(verso_cli *cli, int argc, char **argv)
{
    s_opts o;
    if (s_parse(argc, argv, &o) < 0)
        return VERSO_CLI_USAGE;
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    int status = 0;
    for (int s = 0; s < 2 && !status; s++)
        if (!(text[s] = verso_cli_slurp(o.files[s], &len[s]))) {
            fprintf(stderr, "verso: cannot read %s\n", o.files[s]);
            status = 2;
        }
    if (!status)
        status = s_call(cli, &o, text, len);
    free(text[0]);
    free(text[1]);
    return status;
}
