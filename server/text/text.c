/* text.c - normalised forms and hashing for matching; see text.h. */
#include "text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

/* s[0..n) in NFC into out; ASCII is copied as it is. */
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

/* ---- loose forms and differences ------------------------------------------ */

enum { S_LETTER, S_SPACE, S_PUNCT, S_DIGIT, S_MARK };

/* Classes of the ASCII characters, '0' + S_LETTER (symbols such as $ + < = >
 * ^ ` | ~ and controls: they are not punctuation in Unicode), S_SPACE,
 * S_PUNCT or S_DIGIT. */
static const char s_ascii[129] = "00000000011111000000000000000000"
                                 "12220222222022223333333333220002"
                                 "20000000000000000000000000022202"
                                 "00000000000000000000000000020200";

static int s_class(UChar32 c)
{
    if (c < 0x80)
        return s_ascii[c] - '0';
    if (c >= 0xF0000 && c <= 0xFFFFD)
        return S_MARK;
    if (u_isUWhiteSpace(c))
        return S_SPACE;
    if (u_isdigit(c))
        return S_DIGIT;
    return u_ispunct(c) ? S_PUNCT : S_LETTER;
}

/* Appends to a buffer whose room was reserved (s_split): no checks. */
static void s_add(verso_buf *b, const char *p, size_t n)
{
    if (n == 1)
        b->data[b->len] = *p; /* the common case, without a call */
    else
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void s_add_cp(verso_buf *b, UChar32 c)
{
    if (c < 0x80) {
        b->data[b->len++] = (char)c;
        return;
    }
    int32_t n = 0;
    U8_APPEND_UNSAFE(b->data + b->len, n, c);
    b->len += (size_t)n;
}

/* The end of the number starting at s[i]: digits, with single '.' or ','
 * between digits. */
static int32_t s_number_end(const char *s, int32_t i, int32_t n)
{
    while (i < n) {
        int32_t j = i;
        UChar32 c;
        U8_NEXT_OR_FFFD((const uint8_t *)s, j, n, c);
        if (s_class(c) == S_DIGIT) {
            i = j;
            continue;
        }
        if ((c != '.' && c != ',') || j >= n)
            break;
        int32_t k = j;
        U8_NEXT_OR_FFFD((const uint8_t *)s, k, n, c);
        if (s_class(c) != S_DIGIT)
            break;
        i = k;
    }
    return i;
}

static UChar32 s_fold(UChar32 c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    return u_foldCase(c, U_FOLD_CASE_DEFAULT);
}

/* Makes room for the parts of a text of len bytes: folding turns no code
 * point into more than twice its bytes (and U+FFFD, 3, replaces at least
 * one), numbers gain a newline each. */
static verso_err s_room(verso_buf *loose, verso_text_parts *p, size_t len)
{
    verso_err err = verso_buf_reserve(loose, 3 * len + 2);
    if (!err && p)
        err = verso_buf_reserve(&p->letters, 3 * len + 1);
    if (!err && p)
        err = verso_buf_reserve(&p->punct, 3 * len + 1);
    if (!err && p)
        err = verso_buf_reserve(&p->numbers, 4 * len + 1);
    return err;
}

static void s_terminate(verso_buf *b)
{
    if (b->data)
        b->data[b->len] = '\0';
}

/* Appends the loose form of s to loose and, with p, fills the other parts. */
static verso_err s_split(const char *s, size_t len, verso_buf *loose, verso_text_parts *p)
{
    int32_t n = (int32_t)len;
    size_t start_len = loose->len;
    verso_err err = len > INT32_MAX / 4 ? VERSO_ETOOBIG : s_room(loose, p, len);
    if (err)
        return err;
    for (int32_t i = 0; i < n;) {
        int32_t start = i;
        UChar32 c = (unsigned char)s[i];
        if (c < 0x80) /* without the decoder's call */
            i++;
        else
            U8_NEXT_OR_FFFD((const uint8_t *)s, i, n, c);
        switch (s_class(c)) {
        case S_LETTER:
            s_add_cp(loose, s_fold(c));
            if (p)
                s_add(&p->letters, s + start, (size_t)(i - start));
            break;
        case S_DIGIT:
            i = s_number_end(s, i, n);
            s_add(loose, "#", 1);
            if (p) {
                s_add(&p->numbers, s + start, (size_t)(i - start));
                s_add(&p->numbers, "\n", 1);
            }
            break;
        case S_MARK:
            if (p)
                p->marks++;
            break;
        default:
            if (p)
                s_add(&p->punct, s + start, (size_t)(i - start));
        }
    }
    if (loose->len == start_len) { /* nothing left: the text itself, marked */
        s_add(loose, "\xff", 1);
        s_add(loose, s, len);
    }
    s_terminate(loose);
    if (p) {
        s_terminate(&p->letters);
        s_terminate(&p->punct);
        s_terminate(&p->numbers);
    }
    return VERSO_OK;
}

void verso_text_parts_init(verso_text_parts *p)
{
    verso_buf *b[] = {&p->loose, &p->letters, &p->punct, &p->numbers};
    for (size_t i = 0; i < 4; i++)
        verso_buf_init(b[i], (size_t)1 << 30);
    p->marks = 0;
}

void verso_text_parts_fini(verso_text_parts *p)
{
    verso_buf *b[] = {&p->loose, &p->letters, &p->punct, &p->numbers};
    for (size_t i = 0; i < 4; i++)
        verso_buf_fini(b[i]);
}

verso_err verso_text_parts_of(const char *norm, size_t n, verso_text_parts *p)
{
    verso_buf *b[] = {&p->loose, &p->letters, &p->punct, &p->numbers};
    for (size_t i = 0; i < 4; i++)
        verso_buf_reset(b[i]);
    p->marks = 0;
    return s_split(norm, n, &p->loose, p);
}

static bool s_same(const verso_buf *a, const verso_buf *b)
{
    return a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

unsigned verso_text_parts_diff(const verso_text_parts *a, const verso_text_parts *b)
{
    if (!s_same(&a->loose, &b->loose))
        return VERSO_TEXT_UNLIKE;
    unsigned d = s_same(&a->letters, &b->letters) ? 0 : VERSO_TEXT_CASE;
    d |= s_same(&a->punct, &b->punct) ? 0 : VERSO_TEXT_PUNCT;
    d |= s_same(&a->numbers, &b->numbers) ? 0 : VERSO_TEXT_NUMBERS;
    return d | (a->marks == b->marks ? 0 : VERSO_TEXT_TAGS);
}

/* Compares a and b without their tag marks (code points U+F0000.. are
 * 4 bytes, starting 0xF3 0xB0..0xBF). */
static bool s_same_without_marks(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i + 4 <= an && (unsigned char)a[i] == 0xF3 &&
               ((unsigned char)a[i + 1] & 0xF0) == 0xB0)
            i += 4;
        while (j + 4 <= bn && (unsigned char)b[j] == 0xF3 &&
               ((unsigned char)b[j + 1] & 0xF0) == 0xB0)
            j += 4;
        if (i == an || j == bn)
            return i == an && j == bn;
        if (a[i++] != b[j++])
            return false;
    }
}

unsigned verso_text_reordered(const char *a, size_t an, const char *b, size_t bn)
{
    return s_same_without_marks(a, an, b, bn) ? VERSO_TEXT_TAGS : VERSO_TEXT_PUNCT;
}

verso_err verso_text_loose(const char *norm, size_t n, verso_buf *out)
{
    verso_buf_reset(out);
    return s_split(norm, n, out, NULL);
}

unsigned verso_text_diff(const char *a, size_t an, const char *b, size_t bn)
{
    if (an == bn && !memcmp(a, b, an))
        return 0;
    verso_text_parts pa, pb;
    verso_text_parts_init(&pa);
    verso_text_parts_init(&pb);
    unsigned d = VERSO_TEXT_UNLIKE;
    if (!verso_text_parts_of(a, an, &pa) && !verso_text_parts_of(b, bn, &pb))
        d = verso_text_parts_diff(&pa, &pb);
    if (!d)
        d = verso_text_reordered(a, an, b, bn);
    verso_text_parts_fini(&pa);
    verso_text_parts_fini(&pb);
    return d;
}

/* ---- index-key hash -------------------------------------------------------- */

static uint64_t s_load64le(const unsigned char *b)
{
    uint64_t w = 0;
    for (int i = 7; i >= 0; i--)
        w = w << 8 | b[i];
    return w;
}

static uint64_t s_rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

/* 64-bit finaliser: every input bit affects every output bit. */
static uint64_t s_fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ h >> 33;
}

uint64_t verso_text_key_hash(const void *p, size_t n)
{
    const unsigned char *b = p;
    const uint64_t k1 = 0x87c37b91114253d5ULL, k2 = 0x4cf5ad432745937fULL;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; n -= 8, b += 8)
        h = s_rotl(h ^ s_rotl(s_load64le(b) * k1, 31) * k2, 27) * 5 + 0x52dce729;
    uint64_t tail = 0;
    for (size_t i = n; i > 0; i--)
        tail = tail << 8 | b[i - 1];
    return s_fmix(h ^ s_rotl(tail * k1, 31) * k2);
}

/* Whether o[j] starts a white-space character (text.c's rule); *next is
 * the byte after it. */
static bool s_space_at(const char *o, size_t olen, size_t j, size_t *next)
{
    UChar32 c;
    int32_t k = (int32_t)j;
    U8_NEXT_OR_FFFD((const uint8_t *)o, k, (int32_t)olen, c);
    *next = (size_t)k;
    return c < 0x80 ? c == ' ' || (c >= '\t' && c <= '\r') : u_isUWhiteSpace(c);
}

bool verso_text_map(const char *o, size_t olen, const char *n, size_t nlen, uint32_t *map)
{
    size_t j = 0, end = 0, next;
    while (j < olen && s_space_at(o, olen, j, &next))
        j = next;
    for (size_t i = 0; i < nlen; i++) {
        if (n[i] == ' ' && j < olen && s_space_at(o, olen, j, &next)) {
            map[i] = (uint32_t)j;
            while (j < olen && s_space_at(o, olen, j, &next))
                j = next;
            continue;
        }
        if (j >= olen || o[j] != n[i])
            return false;
        map[i] = (uint32_t)j++;
        end = j;
    }
    map[nlen] = (uint32_t)end;
    return true;
}
