/*
 * fuzz_mo.c - libFuzzer target for the MO catalog reader: any bytes. Aborts
 * unless every pair it yields lies inside the input and is non-empty.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct s_bounds {
    const char *lo, *hi;
} s_bounds;

static int s_check(void *arg, const char *src, size_t sn, const char *tgt, size_t tn)
{
    const s_bounds *b = arg;
    if (!sn || !tn || src < b->lo || src + sn > b->hi || tgt < b->lo || tgt + tn > b->hi)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_bounds b = {(const char *)data, (const char *)data + size};
    const char *why = NULL;
    verso_err err = verso_mo_each(data, size, s_check, &b, &why);
    if (err != VERSO_OK && (err != VERSO_EPROTO || !why))
        abort();
    return 0;
}
