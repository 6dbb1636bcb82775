/*
 * fuzz_srx.c - libFuzzer target for SRX rule sets (srx.h): any bytes read
 * as an SRX file; a set that loads cuts a fixed text in four languages,
 * under a meter with a 50 ms deadline (a pattern that backtracks is
 * stopped by it). Aborts unless a refusal says why, and every break lies
 * strictly inside the range, in ascending order, on a character boundary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_text[] = "Dr. Smith arrived at 9 a.m. on Jan. 5! Was it late? 他来了。"
                             "\xe2\x80\x9cNo.\xe2\x80\x9d 1. First\n  2) Second... third\xff end.";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    verso_srx *x = NULL;
    const char *why = NULL;
    verso_err e = verso_srx_parse((const char *)data, size, "fuzz", &x, &why);
    if (e) {
        if (!why || !*why || x)
            abort();
        return 0;
    }
    verso_srx_cutter *c = NULL;
    if (verso_srx_cutter_new(x, &c)) {
        verso_srx_destroy(&x);
        return 0;
    }
    static const char *const langs[] = {"en", "de-CH", "zh-Hans", "und"};
    size_t *pos = NULL, n = 0, cap = 0, len = sizeof s_text - 1;
    for (size_t l = 0; l < 4; l++) {
        verso_work w;
        verso_work_init(&w, NULL, verso_work_now_ns() + 50000000u);
        size_t a = l, b = len - l;
        e = verso_srx_cut(c, langs[l], s_text, len, a, b, &pos, &n, &cap, &w);
        for (size_t k = 0; k < n && !e; k++)
            if (pos[k] <= a || pos[k] >= b || (k && pos[k] <= pos[k - 1]) ||
                ((unsigned char)s_text[pos[k]] & 0xC0) == 0x80)
                abort();
        char names[256];
        verso_srx_describe(x, langs[l], names, sizeof names);
    }
    free(pos);
    verso_srx_cutter_destroy(&c);
    verso_srx_destroy(&x);
    return 0;
}
