/* mo.c - GNU gettext MO catalogs; see mo.h. Layout (either byte order, told
 * by the magic number): magic, revision, count N, offset of the original
 * strings' table, offset of the translations' table; each table holds N
 * (length, offset) pairs of u32. */
#include "mo.h"

#include <stdint.h>
#include <string.h>

typedef struct s_mo {
    const unsigned char *p;
    size_t len;
    int swap; /* big-endian file */
} s_mo;

static uint32_t s_u32(const s_mo *m, size_t off)
{
    const unsigned char *b = m->p + off;
    return m->swap ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
                   : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* String i of the table at `table`; 0 when it lies outside the file. */
static int s_string(const s_mo *m, uint32_t table, uint32_t i, const char **s, size_t *n)
{
    uint64_t at = (uint64_t)table + (uint64_t)i * 8;
    if (at + 8 > m->len)
        return 0;
    uint32_t len = s_u32(m, (size_t)at), off = s_u32(m, (size_t)at + 4);
    if ((uint64_t)off + len > m->len)
        return 0;
    *s = (const char *)m->p + off;
    *n = len;
    return 1;
}

/* The part of a msgid after its context ("ctx\x04id"), up to the first NUL
 * (a plural's singular). */
static void s_trim(const char **s, size_t *n, int strip_context)
{
    const char *eot = strip_context ? memchr(*s, '\x04', *n) : NULL;
    if (eot) {
        *n -= (size_t)(eot + 1 - *s);
        *s = eot + 1;
    }
    const char *nul = memchr(*s, '\0', *n);
    if (nul)
        *n = (size_t)(nul - *s);
}

verso_err verso_mo_each(const void *data, size_t len, verso_mo_fn fn, void *arg, const char **why)
{
    s_mo m = {data, len, 0};
    if (len < 20) {
        *why = "shorter than an MO header";
        return VERSO_EPROTO;
    }
    uint32_t magic = s_u32(&m, 0);
    if (magic != 0x950412de) {
        m.swap = 1;
        if (s_u32(&m, 0) != 0x950412de) {
            *why = "not an MO catalog (bad magic number)";
            return VERSO_EPROTO;
        }
    }
    uint32_t count = s_u32(&m, 8), orig = s_u32(&m, 12), trans = s_u32(&m, 16);
    for (uint32_t i = 0; i < count; i++) {
        const char *src, *tgt;
        size_t sn, tn;
        if (!s_string(&m, orig, i, &src, &sn) || !s_string(&m, trans, i, &tgt, &tn)) {
            *why = "a string table points outside the file";
            return VERSO_EPROTO;
        }
        s_trim(&src, &sn, 1);
        s_trim(&tgt, &tn, 0);
        if (sn == 0 || tn == 0)
            continue; /* the header, or not translated */
        if (fn(arg, src, sn, tgt, tn))
            break;
    }
    return VERSO_OK;
}
