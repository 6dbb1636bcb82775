/*
 * complexity_test.c - every text algorithm stays near-linear: each input is
 * run at n and 2n units, and the work it ticks on its meter (work.h: bytes
 * scanned, candidates decided, cells filled) must grow by less than 2.5
 * times. Work is counted, not timed, so the test is exact on any machine.
 * The inputs are the pathological ones found so far ("a. " repeated held
 * a worker for minutes) and their kin, per failure class; the tokeniser on
 * words, numbers and unspaced scripts; the aligner on a synthetic document
 * with 1-2 beads (DP cells and sentences).
 */
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "fuzzy.h"
#include "harness.h"
#include "segment.h"
#include "work.h"

#define S_RATIO 2.5

static verso_seg_rules *s_rules;
static verso_segmenter *s_seg;

/* unit repeated n times, between head and tail (either may be ""). */
static char *s_repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
    size_t h = strlen(head), u = strlen(unit), t = strlen(tail);
    char *s = malloc(h + u * n + t + 1);
    if (!s)
        abort();
    memcpy(s, head, h);
    for (size_t i = 0; i < n; i++)
        memcpy(s + h + i * u, unit, u);
    memcpy(s + h + u * n, tail, t + 1);
    *len = h + u * n + t;
    return s;
}

static uint64_t s_seg_ops(const char *lang, const char *head, const char *unit, size_t n,
                          verso_para_mode mode)
{
    size_t len;
    char *t = s_repeat(head, unit, n, "", &len);
    verso_work w;
    verso_work_init(&w, NULL, 0);
    verso_spans sp;
    verso_spans_init(&sp);
    CHECK_INT(verso_segmenter_run(s_seg, lang, t, len, mode, 0, &sp, &w), VERSO_OK);
    verso_spans_fini(&sp);
    free(t);
    return verso_work_ops(&w);
}

/* Work at 2n over work at n stays under S_RATIO; n large enough that the
 * constant parts do not hide a square. */
static void s_seg_linear(const char *lang, const char *head, const char *unit, verso_para_mode mode)
{
    const size_t n = 20000;
    uint64_t a = s_seg_ops(lang, head, unit, n, mode), b = s_seg_ops(lang, head, unit, 2 * n, mode);
    double r = a ? (double)b / (double)a : 0;
    if (!(a > 0 && r < S_RATIO))
        fprintf(stderr, "segment %s head '%s' unit '%s': %llu -> %llu units (x%.2f)\n", lang, head,
                unit, (unsigned long long)a, (unsigned long long)b, r);
    CHECK(a > 0 && r < S_RATIO);
}

static void test_segment(void)
{
    static const char *const langs[] = {"en", "de", "fr", "zh", "ja"};
    static const char *const units[] = {
        "a. ",
        "1. ",
        "a) ",
        "1.) ",
        "A. ",
        "Mr. ",
        "U.S. ",
        "No. 1 ",
        "e.g. ",
        "ab.Cd/", /* one long token with many dots in it
                   */
        "“走吧！”他说",
        "「あ。」と",
        "（あ。）", /* quoted CJK speech in one paragraph */
        ". . . ",
        "a. » ",
        "Co. Mr. ",
        "x\n",
        "x\n\n",
        "\t",
        "   ",
        "• a ",
        "[1] ",
        "：“好。”与",
        "好。”a",
        "……好",
        ".[1] ",
        "a.[1,2] ",
        "• 9. a ",
        "Inc.签",
        "好。」」」」」」」」",
        "：1. 好", /* CJK quotes, ellipses,
Latin in CJK */
    };
    for (size_t l = 0; l < sizeof langs / sizeof *langs; l++)
        for (size_t u = 0; u < sizeof units / sizeof *units; u++)
            s_seg_linear(langs[l], "", units[u], VERSO_PARA_AUTO);
    /* a long lead-in of openers, then many list markers in one sentence */
    s_seg_linear("en", "((((((((((((((((((((((((((((((((((((((((", "1. ", VERSO_PARA_LINE);
    s_seg_linear("en", "", "(", VERSO_PARA_LINE);
    s_seg_linear("en", "", "a. ", VERSO_PARA_BLANK);
    /* hard-wrapped lines: each line looked at once */
    s_seg_linear("en", "", "the company said it would cut jobs in its Paris office and\n",
                 VERSO_PARA_AUTO);
    s_seg_linear("en", "", "the company said it would cut jobs in its Paris office.\n",
                 VERSO_PARA_UNWRAP);
}

/* ---- tokenising ------------------------------------------------------------ */

static uint64_t s_tok_ops(verso_fuzzy *f, const char *unit, size_t n)
{
    size_t len;
    char *t = s_repeat("", unit, n, "", &len);
    verso_work w;
    verso_work_init(&w, NULL, 0);
    verso_fuzzy_text out;
    verso_fuzzy_text_init(&out);
    f->work = &w;
    CHECK_INT(verso_fuzzy_tokenize(f, t, len, &out), VERSO_OK);
    f->work = NULL;
    verso_fuzzy_text_fini(&out);
    free(t);
    return verso_work_ops(&w);
}

static void test_tokenize(void)
{
    static const char *const units[] = {"word ",    "a",
                                        "1,000.5 ", "\xe4\xb8\xad",
                                        "x-y ",     "\xf3\xb0\x80\x80",
                                        "don't ",   "\xd8\xa7\xd9\x84 "};
    verso_fuzzy f;
    CHECK_INT(verso_fuzzy_init(&f, "en"), VERSO_OK);
    for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
        uint64_t a = s_tok_ops(&f, units[u], 20000), b = s_tok_ops(&f, units[u], 40000);
        double r = a ? (double)b / (double)a : 0;
        if (!(a > 0 && r < S_RATIO))
            fprintf(stderr, "tokenize unit %zu: %llu -> %llu units (x%.2f)\n", u,
                    (unsigned long long)a, (unsigned long long)b, r);
        CHECK(a > 0 && r < S_RATIO);
    }
    verso_fuzzy_fini(&f);
}

/* ---- aligning ------------------------------------------------------------------ */

/* A document of n sentences and its "translation", words from a small
 * vocabulary, every 7th target sentence split in two (1-2 beads); with
 * s_swap, sentences of one length, each with its own number and name, and
 * two blocks of 10 target sentences trading places in every 40: a moved
 * block for the aligner to pair in every 40 sentences (align_move.c). */
static bool s_swap;
static void s_doc_swapped(size_t n, verso_align_seg **src, verso_align_seg **tgt, size_t *nt,
                          char **text)
{
    *text = malloc(n * 64);
    *src = calloc(n, sizeof **src);
    *tgt = calloc(n, sizeof **tgt);
    if (!*text || !*src || !*tgt)
        abort();
    char *p = *text;
    for (size_t i = 0; i < n; i++) {
        int len = sprintf(p, "Lorem ipsum dolor sit amet %07zu Name%05zu.", i * 7 + 13,
                          (i * 7919) % 100000);
        (*src)[i] = (verso_align_seg){p, (size_t)len, 0};
        p += len + 1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t g = i % 40, j = g < 10 ? i + 10 : g < 20 && i >= 10 ? i - 10 : i;
        (*tgt)[i] = (*src)[j < n ? j : i];
    }
    *nt = n;
}

static void s_doc(size_t n, verso_align_seg **src, verso_align_seg **tgt, size_t *nt, char **text)
{
    *text = malloc(n * 160);
    *src = calloc(n, sizeof **src);
    *tgt = calloc(2 * n, sizeof **tgt);
    if (!*text || !*src || !*tgt)
        abort();
    char *p = *text;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int len = sprintf(p, "w%zu v%zu the %zu item.", (i * 7) % 301, (i * 13) % 211, i % 97);
        (*src)[i] = (verso_align_seg){p, (size_t)len, 0};
        p += len + 1;
        for (int half = 0; half < (i % 7 ? 1 : 2); half++) {
            len = sprintf(p, "W%zu V%zu le %zu.", (i * 7) % 301 + (size_t)half, (i * 13) % 211,
                          i % 97);
            (*tgt)[k++] = (verso_align_seg){p, (size_t)len, 0};
            p += len + 1;
        }
    }
    *nt = k;
}

static uint64_t s_align_ops(verso_aligner *a, size_t n)
{
    verso_align_seg *src, *tgt;
    size_t nt, nb;
    char *text;
    if (s_swap)
        s_doc_swapped(n, &src, &tgt, &nt, &text);
    else
        s_doc(n, &src, &tgt, &nt, &text);
    verso_work w;
    verso_work_init(&w, NULL, 0);
    verso_align_opts o = {.src_lang = "en", .tgt_lang = "fr", .work = &w};
    const verso_align_bead *beads;
    CHECK_INT(verso_align(a, &o, src, n, tgt, nt, &beads, &nb), VERSO_OK);
    free(src);
    free(tgt);
    free(text);
    return verso_work_ops(&w);
}

static void test_align(void)
{
    verso_aligner *a;
    CHECK_INT(verso_aligner_new(&a), VERSO_OK);
    uint64_t x = s_align_ops(a, 4000), y = s_align_ops(a, 8000);
    double r = x ? (double)y / (double)x : 0;
    fprintf(stderr, "align: 4000 -> 8000 sentences: %llu -> %llu units (x%.2f)\n",
            (unsigned long long)x, (unsigned long long)y, r);
    CHECK(x > 0 && r < S_RATIO);
    s_swap = true; /* many blocks moved: each rectangle costs its size, not the document's */
    x = s_align_ops(a, 4000), y = s_align_ops(a, 8000);
    r = x ? (double)y / (double)x : 0;
    fprintf(stderr, "align, blocks swapped: 4000 -> 8000 sentences: %llu -> %llu units (x%.2f)\n",
            (unsigned long long)x, (unsigned long long)y, r);
    CHECK(x > 0 && r < S_RATIO);
    s_swap = false;
    verso_aligner_destroy(&a);
}

int main(void)
{
    if (verso_seg_rules_load(VERSO_RULES_DIR, &s_rules) || verso_segmenter_new(s_rules, &s_seg)) {
        fprintf(stderr, "cannot load the rules from %s\n", VERSO_RULES_DIR);
        return 1;
    }
    test_segment();
    test_tokenize();
    test_align();
    verso_segmenter_destroy(&s_seg);
    verso_seg_rules_destroy(&s_rules);
    return t_report();
}
