/*
 * fuzz_segment.c - libFuzzer target for the segmenter: any bytes (invalid
 * UTF-8 included) in any language and paragraph mode. Aborts unless every
 * span is non-empty, inside the text, in order and non-overlapping, with
 * paragraph indexes that never decrease. Hangs are caught by -timeout.
 * Input: byte 0 picks the language (bits 0-2 and 6-7: 32 of them, every
 * rule file's quirks) and the mode; the rest is the text.
 */
#include <stdlib.h>

#include "segment.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static verso_seg_rules *s_rules;
static verso_segmenter *s_seg;

static void s_cleanup(void)
{
    verso_segmenter_destroy(&s_seg);
    verso_seg_rules_destroy(&s_rules);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (verso_seg_rules_load(VERSO_RULES_DIR, &s_rules) || verso_segmenter_new(s_rules, &s_seg))
        abort();
    atexit(s_cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *langs[] = {"en", "de", "fr", "zh", "ja", "ru", "es", "xx", "ar", "fa", "am",
                                  "my", "hy", "hi", "ur", "el", "pl", "sk", "it", "da", "bg", "nl",
                                  "pt", "tr", "ko", "th", "kk", "mr", "cs", "fi", "sv", "no"};
    if (size < 1)
        return 0;
    const char *lang = langs[(data[0] & 7) | (data[0] >> 6) << 3];
    verso_para_mode mode = (verso_para_mode)((data[0] >> 3) % 3);
    unsigned flags = (data[0] >> 5) & 1 ? VERSO_SEG_ICU_ONLY : 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    verso_spans sp;
    verso_spans_init(&sp);
    if (verso_segmenter_run(s_seg, lang, text, len, mode, flags, &sp, NULL) != VERSO_OK)
        abort();
    size_t prev_end = 0;
    uint32_t prev_para = 0;
    for (size_t i = 0; i < sp.n; i++) {
        const verso_span *s = &sp.v[i];
        if (s->start >= s->end || s->end > len || s->start < prev_end || s->para < prev_para)
            abort();
        prev_end = s->end;
        prev_para = s->para;
    }
    verso_spans_fini(&sp);
    return 0;
}
