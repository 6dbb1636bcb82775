/*
 * seg_bench.c - segmentation throughput: Verso's segmenter (ICU + rules)
 * against plain ICU (ubrk over the same UTF-8 UText, nothing else) on the
 * same large text, English and Chinese, in one run.
 *
 * Texts: the Bible sentences of ../shared/eval/alignment/bible_en_zh_5k
 * joined into paragraphs of 8 sentences (prose with many boundaries), then
 * repeated to at least 16 MB. Without ../shared, English falls back to
 * /usr/share/common-licenses/GPL-3 and Chinese is skipped.
 * Usage: seg_bench [--mb N] [--rules DIR] [--shared DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "buf.h"
#include "segment.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads a file of one sentence a line and joins every 8 lines into a
 * paragraph (sep between sentences), repeating until mb megabytes. */
static char *s_load(const char *path, const char *sep, size_t mb, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    verso_buf once, all;
    verso_buf_init(&once, (size_t)1 << 30);
    verso_buf_init(&all, (size_t)1 << 31);
    char line[65536];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        verso_buf_puts(&once, line);
        verso_buf_puts(&once, ++n % 8 ? sep : "\n");
    }
    fclose(f);
    while (once.len && all.len < mb << 20)
        verso_buf_append(&all, once.data, once.len);
    verso_buf_fini(&once);
    *len = all.len;
    return all.data;
}

/* Plain ICU: every sentence boundary of the text, nothing else. */
static size_t s_icu(const char *lang, const char *t, size_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_SENTENCE, lang, NULL, 0, &st);
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, t, (int64_t)len, &st);
    ubrk_setUText(bi, &ut, &st);
    size_t n = 0;
    for (int32_t b = ubrk_first(bi); b != UBRK_DONE; b = ubrk_next(bi))
        n++;
    utext_close(&ut);
    ubrk_close(bi);
    return n - 1;
}

static size_t s_verso(verso_segmenter *sg, const char *lang, const char *t, size_t len)
{
    verso_spans sp;
    verso_spans_init(&sp);
    verso_segmenter_run(sg, lang, t, len, VERSO_PARA_LINE, 0, &sp, NULL);
    size_t n = sp.n;
    verso_spans_fini(&sp);
    return n;
}

/* One timed run, in MB/s. */
static double s_rate(int verso, verso_segmenter *sg, const char *lang, const char *t, size_t len,
                     size_t *count)
{
    double t0 = s_now();
    *count = verso ? s_verso(sg, lang, t, len) : s_icu(lang, t, len);
    return (double)len / 1e6 / (s_now() - t0);
}

static void s_row(verso_segmenter *sg, const char *name, const char *lang, const char *path,
                  const char *sep, size_t mb)
{
    size_t len = 0, n_icu = 0, n_verso = 0;
    char *t = s_load(path, sep, mb, &len);
    if (!t) {
        printf("%-8s skipped: %s not readable\n", name, path);
        return;
    }
    /* ICU and Verso alternate, so that both meet the same machine load; the
     * best of five runs of each is kept. */
    double icu = 0, verso = 0;
    for (int r = 0; r < 5; r++) {
        double a = s_rate(0, sg, lang, t, len, &n_icu);
        double b = s_rate(1, sg, lang, t, len, &n_verso);
        icu = a > icu ? a : icu;
        verso = b > verso ? b : verso;
    }
    printf("%-8s %8.1f MB %10.1f %10.1f %9.0f%% %10zu %10zu\n", name, (double)len / 1e6, icu, verso,
           100 * verso / icu, n_icu, n_verso);
    free(t);
}

int main(int argc, char **argv)
{
    size_t mb = 16;
    const char *rules_dir = VERSO_RULES_DIR, *shared = VERSO_SHARED_DIR;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mb"))
            mb = (size_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rules"))
            rules_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--shared"))
            shared = argv[i + 1];
    }
    verso_seg_rules *rules;
    verso_segmenter *sg;
    if (verso_seg_rules_load(rules_dir, &rules) || verso_segmenter_new(rules, &sg))
        return 1;
    char en[1024], zh[1024];
    snprintf(en, sizeof en, "%s/eval/alignment/bible_en_zh_5k/001.en", shared);
    snprintf(zh, sizeof zh, "%s/eval/alignment/bible_en_zh_5k/001.zh", shared);
    printf("sentence segmentation, one thread, best of 5 alternating runs\n");
    printf("%-8s %11s %10s %10s %10s %10s %10s\n", "text", "size", "ICU MB/s", "Verso MB/s",
           "of ICU", "ICU sent.", "Verso sent.");
    FILE *probe = fopen(en, "r");
    if (probe) {
        fclose(probe);
        s_row(sg, "en", "en", en, " ", mb);
    } else {
        s_row(sg, "en", "en", "/usr/share/common-licenses/GPL-3", " ", mb);
    }
    s_row(sg, "zh", "zh", zh, "", mb);
    verso_segmenter_destroy(&sg);
    verso_seg_rules_destroy(&rules);
    return 0;
}
