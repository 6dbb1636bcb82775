/* wire.c - allocation-free msgpack pre-scan; see wire.h. */
#include "wire.h"

#include <stdint.h>

#include "utf8.h"

const verso_wire_limits verso_wire_default_limits = {16, 4u << 20};

typedef struct s_scan {
    const unsigned char *p;
    size_t len;
    size_t pos;
    verso_wire_fault fault;
} s_scan;

static verso_err s_fail(s_scan *s, verso_err err, const char *why)
{
    s->fault.offset = s->pos;
    s->fault.why = why;
    return err;
}

/* Reads a big-endian unsigned integer of n bytes (1, 2 or 4) at pos. */
static int s_uint(s_scan *s, unsigned n, uint32_t *out)
{
    if (s->len - s->pos < n)
        return -1;
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | s->p[s->pos + i];
    s->pos += n;
    *out = v;
    return 0;
}

static verso_err s_skip(s_scan *s, size_t n)
{
    if (s->len - s->pos < n)
        return s_fail(s, VERSO_EPROTO, "truncated: declared length exceeds the bytes left");
    s->pos += n;
    return VERSO_OK;
}

static verso_err s_str(s_scan *s, size_t n)
{
    size_t start = s->pos, bad;
    verso_err err = s_skip(s, n);
    if (err)
        return err;
    if (!verso_utf8_valid((const char *)s->p + start, n, &bad)) {
        s->pos = start + bad;
        return s_fail(s, VERSO_EBADUTF8, "string is not valid UTF-8");
    }
    return VERSO_OK;
}

/* Length-prefixed str/bin/ext: `lenbytes` of length, then `extra` type bytes. */
static verso_err s_blob(s_scan *s, unsigned lenbytes, unsigned extra, int is_str)
{
    uint32_t n;
    if (s_uint(s, lenbytes, &n) < 0)
        return s_fail(s, VERSO_EPROTO, "truncated length");
    if (is_str)
        return s_str(s, n);
    return s_skip(s, (size_t)n + extra);
}

/*
 * Scans one object header at pos. For a container, *children receives the
 * number of objects that follow inside it (2 per map pair); else 0.
 */
static verso_err s_header(s_scan *s, uint64_t *children)
{
    *children = 0;
    if (s->pos >= s->len)
        return s_fail(s, VERSO_EPROTO, "truncated: object expected");
    unsigned char c = s->p[s->pos++];
    uint32_t n;
    if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
        return VERSO_OK;
    if (c >= 0x80 && c <= 0x8f) {
        *children = 2u * (c & 0x0f);
        return VERSO_OK;
    }
    if (c >= 0x90 && c <= 0x9f) {
        *children = c & 0x0f;
        return VERSO_OK;
    }
    if (c >= 0xa0 && c <= 0xbf)
        return s_str(s, c & 0x1f);
    if (c == 0xc1) {
        s->pos--; /* report the offset of the byte itself */
        return s_fail(s, VERSO_EPROTO, "reserved byte 0xc1");
    }
    switch (c) {
    case 0xc4: return s_blob(s, 1, 0, 0);
    case 0xc5: return s_blob(s, 2, 0, 0);
    case 0xc6: return s_blob(s, 4, 0, 0);
    case 0xc7: return s_blob(s, 1, 1, 0);
    case 0xc8: return s_blob(s, 2, 1, 0);
    case 0xc9: return s_blob(s, 4, 1, 0);
    case 0xca: return s_skip(s, 4);
    case 0xcb: return s_skip(s, 8);
    case 0xcc:
    case 0xd0: return s_skip(s, 1);
    case 0xcd:
    case 0xd1: return s_skip(s, 2);
    case 0xce:
    case 0xd2: return s_skip(s, 4);
    case 0xcf:
    case 0xd3: return s_skip(s, 8);
    case 0xd4: return s_skip(s, 2);
    case 0xd5: return s_skip(s, 3);
    case 0xd6: return s_skip(s, 5);
    case 0xd7: return s_skip(s, 9);
    case 0xd8: return s_skip(s, 17);
    case 0xd9: return s_blob(s, 1, 0, 1);
    case 0xda: return s_blob(s, 2, 0, 1);
    case 0xdb: return s_blob(s, 4, 0, 1);
    case 0xdc:
    case 0xdd:
        if (s_uint(s, c == 0xdc ? 2 : 4, &n) < 0)
            return s_fail(s, VERSO_EPROTO, "truncated array header");
        *children = n;
        return VERSO_OK;
    case 0xde:
    case 0xdf:
        if (s_uint(s, c == 0xde ? 2 : 4, &n) < 0)
            return s_fail(s, VERSO_EPROTO, "truncated map header");
        *children = 2ull * n;
        return VERSO_OK;
    default: return s_fail(s, VERSO_EPROTO, "unreachable type byte");
    }
}

verso_err verso_wire_check(const void *data, size_t len, const verso_wire_limits *lim,
                           verso_wire_fault *fault)
{
    if (!lim)
        lim = &verso_wire_default_limits;
    unsigned max_depth =
        lim->max_depth < VERSO_WIRE_DEPTH_MAX ? lim->max_depth : VERSO_WIRE_DEPTH_MAX;
    s_scan s = {data, len, 0, {0, NULL}};
    uint64_t left[VERSO_WIRE_DEPTH_MAX + 1]; /* objects still due per level */
    unsigned depth = 0;
    size_t objects = 0;
    verso_err err = VERSO_OK;
    left[0] = 1;
    for (;;) {
        while (depth > 0 && left[depth] == 0)
            depth--;
        if (left[depth] == 0)
            break;
        left[depth]--;
        uint64_t children;
        if ((err = s_header(&s, &children)))
            goto out;
        if (++objects > lim->max_objects) {
            err = s_fail(&s, VERSO_ETOOBIG, "too many objects");
            goto out;
        }
        if (children == 0)
            continue;
        /* Every object takes at least one byte: a count past the bytes left
         * is a lie, and msgpack-c would allocate for it before noticing. */
        if (children > s.len - s.pos) {
            err = s_fail(&s, VERSO_EPROTO, "declared count exceeds the bytes left");
            goto out;
        }
        if (depth + 1 > max_depth) {
            err = s_fail(&s, VERSO_EPROTO, "nesting too deep");
            goto out;
        }
        left[++depth] = children;
    }
    if (s.pos != s.len)
        err = s_fail(&s, VERSO_EPROTO, "trailing bytes after the object");
out:
    if (err && fault)
        *fault = s.fault;
    return err;
}
