/*
 * complexity_test.c - every text algorithm stays near-linear: each input is
 * run at n and 2n units, and the work it ticks on its meter (work.h: bytes
 * scanned, candidates decided, cells filled) must grow by less than 2.5
 * times. Work is counted, not timed, so the test is exact on any machine.
 * The inputs are the pathological ones found so far ("a. " repeated held
 * a worker for minutes) and their kin, per failure class.
 */
#include <stdlib.h>
#include <string.h>

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
        "a. ",          "1. ",        "a) ",      "1.) ",   "A. ",   "Mr. ",
        "U.S. ",        "No. 1 ",     "e.g. ",    "ab.Cd/", /* one long token with many dots in it
                                                             */
        "“走吧！”他说", "「あ。」と", "（あ。）",           /* quoted CJK speech in one paragraph */
        ". . . ",       "a. » ",      "Co. Mr. ", "x\n",    "x\n\n", "\t",
        "   ",          "• a ",       "[1] ",
    };
    for (size_t l = 0; l < sizeof langs / sizeof *langs; l++)
        for (size_t u = 0; u < sizeof units / sizeof *units; u++)
            s_seg_linear(langs[l], "", units[u], VERSO_PARA_AUTO);
    /* a long lead-in of openers, then many list markers in one sentence */
    s_seg_linear("en", "((((((((((((((((((((((((((((((((((((((((", "1. ", VERSO_PARA_LINE);
    s_seg_linear("en", "", "(", VERSO_PARA_LINE);
    s_seg_linear("en", "", "a. ", VERSO_PARA_BLANK);
}

int main(void)
{
    if (verso_seg_rules_load(VERSO_RULES_DIR, &s_rules) || verso_segmenter_new(s_rules, &s_seg)) {
        fprintf(stderr, "cannot load the rules from %s\n", VERSO_RULES_DIR);
        return 1;
    }
    test_segment();
    verso_segmenter_destroy(&s_seg);
    verso_seg_rules_destroy(&s_rules);
    return t_report();
}
