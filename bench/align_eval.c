/*
 * align_eval.c - runs the sentence aligner over two files of one sentence a
 * line and prints the beads, one a line, in the format of
 * ../shared/eval/alignment/score_align.py ("[0, 1]:[2]"); the time goes to
 * stderr. Not a server: it links the aligner module alone.
 * Usage: align_eval SRC TGT --src LANG --tgt LANG [--paragraphs] [--scores]
 *                   [--lexicon FILE [--reversed]]
 *   --paragraphs  an empty line ends a paragraph (and is not a sentence)
 *   --scores      append each bead's confidence (":0.93")
 *   --lexicon     a word list (corpora/dicts.py), its first column in the
 *                 source language, or in the target language with --reversed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "align.h"
#include "buf.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct s_doc {
    char *text;
    verso_align_seg *seg;
    size_t n;
} s_doc;

/* Reads one sentence a line; with paras, empty lines separate paragraphs. */
static int s_read(const char *path, int paras, s_doc *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    verso_buf b;
    verso_buf_init(&b, (size_t)1 << 32);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (verso_buf_append(&b, chunk, got) != VERSO_OK)
            break;
    fclose(f);
    if (verso_buf_append(&b, "\n", 1) != VERSO_OK)
        return -1;
    size_t lines = 0;
    for (size_t k = 0; k < b.len; k++)
        lines += b.data[k] == '\n';
    d->text = b.data;
    d->seg = calloc(lines + 1, sizeof *d->seg);
    d->n = 0;
    if (!d->seg)
        return -1;
    uint32_t para = 0;
    char *p = b.data, *end = b.data + b.len - 1; /* the added newline */
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p + 1));
        size_t n = (size_t)(nl - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (paras && n == 0) {
            para++;
        } else {
            d->seg[d->n++] = (verso_align_seg){p, n, para};
        }
        p = nl + 1;
    }
    return 0;
}

static void s_ids(uint32_t from, uint32_t n)
{
    putchar('[');
    for (uint32_t k = 0; k < n; k++)
        printf(k ? ", %u" : "%u", from + k);
    putchar(']');
}

int main(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *lang[2] = {NULL, NULL};
    const char *lexfile = NULL;
    int paras = 0, scores = 0, nf = 0, reversed = 0;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--src") && k + 1 < argc)
            lang[0] = argv[++k];
        else if (!strcmp(argv[k], "--tgt") && k + 1 < argc)
            lang[1] = argv[++k];
        else if (!strcmp(argv[k], "--paragraphs"))
            paras = 1;
        else if (!strcmp(argv[k], "--scores"))
            scores = 1;
        else if (!strcmp(argv[k], "--lexicon") && k + 1 < argc)
            lexfile = argv[++k];
        else if (!strcmp(argv[k], "--reversed"))
            reversed = 1;
        else if (argv[k][0] != '-' && nf < 2)
            files[nf++] = argv[k];
        else
            nf = 3;
    }
    if (nf != 2) {
        fprintf(stderr, "usage: align_eval SRC TGT --src LANG --tgt LANG [--paragraphs] "
                        "[--scores] [--lexicon FILE [--reversed]]\n");
        return 2;
    }
    s_doc d[2] = {{0}};
    for (int s = 0; s < 2; s++)
        if (s_read(files[s], paras, &d[s]) != 0) {
            fprintf(stderr, "align_eval: cannot read %s\n", files[s]);
            return 1;
        }
    verso_lexicon *lex = NULL;
    if (lexfile) {
        size_t added, skipped;
        double l0 = s_now();
        verso_err e = verso_lexicon_new(&lex);
        if (!e)
            e = verso_lexicon_load(lex, lexfile, &added, &skipped);
        if (e) {
            fprintf(stderr, "align_eval: %s: %s\n", lexfile, verso_strerror(e));
            return 1;
        }
        fprintf(stderr, "align_eval: lexicon %s: %zu pairs (%zu lines skipped), %.3f s\n", lexfile,
                verso_lexicon_size(lex), skipped, s_now() - l0);
    }
    verso_aligner *a = NULL;
    const verso_align_bead *beads;
    size_t nb;
    verso_align_opts o = {lang[0], lang[1], lex, reversed};
    double t0 = s_now();
    verso_err e = verso_aligner_new(&a);
    if (!e)
        e = verso_align(a, &o, d[0].seg, d[0].n, d[1].seg, d[1].n, &beads, &nb);
    double t1 = s_now();
    if (e) {
        fprintf(stderr, "align_eval: %s\n", verso_strerror(e));
        return 1;
    }
    for (size_t k = 0; k < nb; k++) {
        s_ids(beads[k].src, beads[k].nsrc);
        putchar(':');
        s_ids(beads[k].tgt, beads[k].ntgt);
        if (scores)
            printf(":%.3f", beads[k].score);
        putchar('\n');
    }
    fprintf(stderr, "align_eval: %zu x %zu sentences, %zu beads, %.3f s\n", d[0].n, d[1].n, nb,
            t1 - t0);
    verso_aligner_destroy(&a);
    verso_lexicon_destroy(&lex);
    for (int s = 0; s < 2; s++) {
        free(d[s].text);
        free(d[s].seg);
    }
    return 0;
}
