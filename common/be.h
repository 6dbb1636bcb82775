/*
 * be.h - big-endian integers in byte arrays: the layout of every LMDB key
 * (and most values) of the store, so that they sort as numbers.
 * Pure functions; the caller owns the bytes.
 */
#ifndef VERSO_BE_H
#define VERSO_BE_H

#include <stdint.h>

static inline void verso_be_put32(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static inline uint32_t verso_be_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void verso_be_put64(unsigned char *p, uint64_t v)
{
    verso_be_put32(p, (uint32_t)(v >> 32));
    verso_be_put32(p + 4, (uint32_t)v);
}

static inline uint64_t verso_be_get64(const unsigned char *p)
{
    return (uint64_t)verso_be_get32(p) << 32 | verso_be_get32(p + 4);
}

#endif
