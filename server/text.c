/* text.c - normalised forms and hashing for matching; see text.h. */
#include "text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

/* s[0..n) in NFC into out; ASCII and already-NFC text are copied. */
static verso_err s_nfc(const char *s, size_t n, verso_buf *out)
{
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii || n > INT32_MAX / 4)
        return n > INT32_MAX / 4 ? VERSO_ETOOBIG : verso_buf_append(out, s, n);
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
    int32_t ulen = 0, cap = (int32_t)n * 3 + 1, nlen = 0, blen = 0;
    UChar *u = malloc((n + 1) * sizeof *u), *norm = malloc((size_t)cap * sizeof *norm);
    char *utf8 = malloc((size_t)cap * 4 + 1);
    verso_err err = u && norm && utf8 ? VERSO_OK : VERSO_ENOMEM;
    if (!err)
        u_strFromUTF8(u, (int32_t)n + 1, &ulen, s, (int32_t)n, &st);
    if (!err && U_SUCCESS(st))
        nlen = unorm2_normalize(nfc, u, ulen, norm, cap, &st);
    if (!err && U_SUCCESS(st))
        u_strToUTF8(utf8, cap * 4 + 1, &blen, norm, nlen, &st);
    if (!err && U_FAILURE(st))
        err = VERSO_EINTERNAL;
    if (!err)
        err = verso_buf_append(out, utf8, (size_t)blen);
    free(utf8);
    free(norm);
    free(u);
    return err;
}

/* Collapses white-space runs of buf's own text into single spaces, trims. */
static void s_squeeze(verso_buf *b)
{
    size_t w = 0;
    bool pending = false;
    for (int32_t i = 0; i < (int32_t)b->len;) {
        int32_t start = i;
        UChar32 c = (unsigned char)b->data[i];
        bool space;
        if (c < 0x80) { /* ASCII without a property lookup */
            i++;
            space = c == ' ' || (c >= '\t' && c <= '\r');
        } else {
            U8_NEXT_OR_FFFD((const uint8_t *)b->data, i, (int32_t)b->len, c);
            space = u_isUWhiteSpace(c);
        }
        if (space) {
            pending = w > 0;
            continue;
        }
        if (pending)
            b->data[w++] = ' ';
        pending = false;
        for (int32_t k = start; k < i; k++)
            b->data[w++] = b->data[k];
    }
    b->len = w;
    if (b->data)
        b->data[w] = '\0';
}

/* True when s[0..n) is ASCII already in normal form: no white space but
 * single spaces between words. */
static bool s_ascii_normal(const char *s, size_t n)
{
    bool prev_space = true; /* a leading space is not normal */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || (c >= '\t' && c <= '\r') || (c == ' ' && prev_space))
            return false;
        prev_space = c == ' ';
    }
    return !prev_space || n == 0;
}

verso_err verso_text_nfc(const char *s, size_t n, verso_buf *out)
{
    verso_buf_reset(out);
    return s_nfc(s, n, out);
}

verso_err verso_text_norm(const char *s, size_t n, verso_buf *out)
{
    verso_buf_reset(out);
    if (s_ascii_normal(s, n)) /* the common case: nothing to do */
        return verso_buf_append(out, s, n);
    verso_err err = s_nfc(s, n, out);
    if (!err)
        s_squeeze(out);
    return err;
}

uint64_t verso_text_hash(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}
