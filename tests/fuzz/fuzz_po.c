/*
 * fuzz_po.c - libFuzzer target for the PO catalog reader: any bytes. Aborts
 * unless every pair is non-empty with a line number inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "po.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int s_check(void *arg, const char *src, size_t sn, const char *tgt, size_t tn, size_t line)
{
    (void)src, (void)tgt;
    if (!sn || !tn || line < 1 || line > *(size_t *)arg + 1)
        abort();
    return 0;
}

static void s_bad(void *arg, size_t line, const char *why)
{
    if (!why || line < 1 || line > *(size_t *)arg + 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (verso_po_each((const char *)data, size, s_check, s_bad, &size) != VERSO_OK)
        abort();
    return 0;
}
