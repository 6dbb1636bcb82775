/*
 * varint.h - unsigned LEB128 integers (7 bits a byte, low group first, the
 * high bit set on every byte but the last): the compact records of the
 * store (fuzzidx.c's posting blocks). Pure functions; the caller owns the
 * bytes. A decoder never reads past `end` and refuses more than 10 bytes
 * or a value over 64 bits.
 */
#ifndef VERSO_VARINT_H
#define VERSO_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VERSO_VARINT_MAX 10 /* bytes of the largest u64 */

/* Writes v at p (room for VERSO_VARINT_MAX bytes); returns the bytes written. */
static inline size_t verso_varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Reads a varint at p (p < end); returns the bytes read, 0 when it is cut
 * short by end, longer than 10 bytes, or over 64 bits. */
static inline size_t verso_varint_get(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < VERSO_VARINT_MAX && p + i < end; i++) {
        uint64_t b = p[i] & 0x7f;
        if (i == 9 && b > 1)
            return 0; /* past 64 bits */
        x |= b << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* The bytes verso_varint_put writes for v. */
static inline size_t verso_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

#endif
