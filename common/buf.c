/* buf.c - capped growable buffer; see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void verso_buf_init(verso_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void verso_buf_fini(verso_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void verso_buf_reset(verso_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static verso_err s_reserve(verso_buf *b, size_t extra)
{
    if (extra > b->cap - b->len)
        return VERSO_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return VERSO_OK;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n *= 2;
    char *p = realloc(b->data, n);
    if (!p) {
        verso_log(VERSO_LOG_ERROR, "out of memory: a buffer of %zu bytes", n);
        return VERSO_ENOMEM;
    }
    b->data = p;
    b->alloc = n;
    return VERSO_OK;
}

verso_err verso_buf_reserve(verso_buf *b, size_t n)
{
    return s_reserve(b, n);
}

verso_err verso_buf_append(verso_buf *b, const void *p, size_t n)
{
    verso_err err = s_reserve(b, n);
    if (err)
        return err;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return VERSO_OK;
}

verso_err verso_buf_puts(verso_buf *b, const char *s)
{
    return verso_buf_append(b, s, strlen(s));
}

verso_err verso_buf_printf(verso_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return VERSO_EINVAL;
    verso_err err = s_reserve(b, (size_t)n);
    if (err)
        return err;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return VERSO_OK;
}

verso_err verso_array_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return VERSO_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need && n <= SIZE_MAX / 2)
        n *= 2;
    if (n < need || !elem || n > SIZE_MAX / elem) {
        verso_log(VERSO_LOG_ERROR, "out of memory: an array of %zu elements of %zu bytes", need,
                  elem);
        return VERSO_ENOMEM;
    }
    void *arr;
    memcpy(&arr, arrp, sizeof arr);
    void *p = realloc(arr, n * elem);
    if (!p) {
        verso_log(VERSO_LOG_ERROR, "out of memory: an array of %zu bytes", n * elem);
        return VERSO_ENOMEM;
    }
    memcpy(arrp, &p, sizeof p);
    *cap = n;
    return VERSO_OK;
}
