/*
 * buf.h - a growable byte buffer with a hard cap set at init (curl's dynbuf
 * idea): every append past the cap fails cleanly with VERSO_ETOOBIG.
 * Not thread-safe; the owner of the struct owns its memory.
 */
#ifndef VERSO_BUF_H
#define VERSO_BUF_H

#include <stddef.h>

#include "verso/err.h"

typedef struct verso_buf {
    char *data; /* NUL-terminated after every successful append */
    size_t len;
    size_t alloc;
    size_t cap; /* content never exceeds cap bytes */
} verso_buf;

/* Caller-owned struct; release with verso_buf_fini. */
void verso_buf_init(verso_buf *b, size_t cap);
void verso_buf_fini(verso_buf *b);
void verso_buf_reset(verso_buf *b);
/* Makes room for n more bytes: appends totalling at most n bytes then do
 * not move data. ETOOBIG past the cap, ENOMEM. */
verso_err verso_buf_reserve(verso_buf *b, size_t n);
verso_err verso_buf_append(verso_buf *b, const void *p, size_t n);
verso_err verso_buf_puts(verso_buf *b, const char *s);
verso_err verso_buf_printf(verso_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Grows the array whose pointer is at arrp (any T **, NULL at first) to
 * hold at least need elements of elem bytes, doubling from 16; *cap is its
 * capacity in elements. The pointer is copied, not type-punned. ENOMEM
 * (also when the size would overflow); the array is unchanged then. */
verso_err verso_array_grow(void *arrp, size_t *cap, size_t need, size_t elem);

#endif
