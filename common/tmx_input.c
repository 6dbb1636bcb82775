/* tmx_input.c - the TMX reader's input pipeline and API (tmx.h): sniff the
 * encoding, repair UTF-8, keep a window of the bytes expat has not finished
 * with, feed expat in slices; after an error skip to the next "<tu" and go
 * on with a fresh parser. The handlers are tmx.c's (tmx_read.h). */
#define _GNU_SOURCE /* memmem */
#include "tmx.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmx_read.h"
#include "utf8.h"

/* ---- input: encoding, UTF-8 repair, window, resynchronisation --------- */

static bool s_decl_utf8(const char *d, size_t n)
{
    const char *e = memmem(d, n, "encoding", 8);
    if (!e)
        return true;
    const char *end = d + n, *p = e + 8;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '='))
        p++;
    if (p >= end || (*p != '"' && *p != '\''))
        return true; /* malformed: expat will say so */
    const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
    size_t len = q ? (size_t)(q - p - 1) : 0;
    return (len == 5 && !strncasecmp(p + 1, "utf-8", 5)) ||
           (len == 4 && !strncasecmp(p + 1, "utf8", 4));
}

/* Decides the encoding from the first bytes; false when it needs more. */
static bool s_sniff(verso_tmx_reader *r, bool enough)
{
    const unsigned char *p = (const unsigned char *)r->sniff.data;
    size_t n = r->sniff.len;
    if (n < 3 && !enough)
        return false;
    if (n >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) || (p[0] == 0xFF && p[1] == 0xFE) || p[0] == 0 ||
                   p[1] == 0)) {
        r->enc = VERSO_TMX_ENC_OTHER; /* UTF-16 (BOM or not), or worse: expat decides */
        return true;
    }
    size_t bom = n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;
    const char *d = (const char *)p + bom;
    size_t m = n - bom;
    if (m < 5 && !memcmp(d, "<?xml", m) && !enough)
        return false;
    verso_tmx_enc enc = VERSO_TMX_ENC_UTF8;
    if (!bom && m >= 5 && !memcmp(d, "<?xml", 5)) {
        const char *close = memmem(d, m, "?>", 2);
        if (!close && !enough)
            return false;
        enc = s_decl_utf8(d, close ? (size_t)(close - d) : m) ? VERSO_TMX_ENC_UTF8
                                                              : VERSO_TMX_ENC_OTHER;
    }
    r->enc = enc;
    return true;
}

/* Of p[0..left): how many bytes start a valid sequence (at least 1), and
 * in *need the length of that sequence (0: not a lead byte). */
static size_t s_seq(const unsigned char *p, size_t left, size_t *need)
{
    unsigned char c = p[0];
    *need = c < 0x80 ? 1 : c < 0xC2 || c > 0xF4 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (*need <= 1)
        return 1;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    size_t i = 1;
    if (left > 1 && p[1] >= lo && p[1] <= hi)
        for (i = 2; i < *need && i < left && (p[i] & 0xC0) == 0x80;)
            i++;
    return i;
}

/* Completes a sequence left over by the previous feed; returns how many
 * bytes of p it used. */
static size_t s_repair_pending(verso_tmx_reader *r, const unsigned char *p, size_t n)
{
    unsigned char tmp[8];
    size_t take = n < 4 - r->npend ? n : 4 - r->npend;
    memcpy(tmp, r->pend, r->npend);
    memcpy(tmp + r->npend, p, take);
    size_t need, i = s_seq(tmp, r->npend + take, &need);
    size_t used;
    if (i == need) {
        if (verso_buf_append(&r->win, tmp, need))
            r->fatal = VERSO_ENOMEM;
        used = need - r->npend;
    } else if (i == r->npend + take) { /* still incomplete: p is used up */
        memcpy(r->pend, tmp, i);
        r->npend = i;
        return n;
    } else {
        if (verso_buf_append(&r->win, VERSO_TMX_FDD0, 3))
            r->fatal = VERSO_ENOMEM;
        used = i - r->npend;
    }
    r->npend = 0;
    return used;
}

/* UTF-8: appends p[0..n) to the window, each invalid sequence (maximal
 * subpart) replaced by U+FDD0; an incomplete one at the end waits. */
static void s_repair(verso_tmx_reader *r, const unsigned char *p, size_t n)
{
    if (r->npend) {
        size_t used = s_repair_pending(r, p, n);
        p += used;
        n -= used;
    }
    while (n && !r->fatal) {
        size_t bad = n, need;
        verso_utf8_valid((const char *)p, n, &bad);
        if (verso_buf_append(&r->win, p, bad)) {
            r->fatal = VERSO_ENOMEM;
            return;
        }
        p += bad;
        n -= bad;
        if (!n)
            return;
        size_t i = s_seq(p, n, &need);
        if (i == n && n < need) {
            memcpy(r->pend, p, n);
            r->npend = n;
            return;
        }
        if (verso_buf_append(&r->win, VERSO_TMX_FDD0, 3))
            r->fatal = VERSO_ENOMEM;
        p += i;
        n -= i;
    }
}

/* Drops the window's bytes before stream offset upto, counting newlines. */
static void s_drop(verso_tmx_reader *r, uint64_t upto)
{
    size_t k = (size_t)(upto - r->win_abs);
    if (!k)
        return;
    if (r->skipping && upto > r->nl_abs) {
        size_t from = r->nl_abs > r->win_abs ? (size_t)(r->nl_abs - r->win_abs) : 0;
        for (const char *q = r->win.data + from, *e = r->win.data + k;
             (q = memchr(q, '\n', (size_t)(e - q))); q++)
            r->nl++;
        r->nl_abs = upto;
    }
    memmove(r->win.data, r->win.data + k, r->win.len - k);
    r->win.len -= k;
    r->win_abs = upto;
}

/* Records an XML error at stream offset `at` (line `line`); then, in a
 * UTF-8 document, starts skipping to the next "<tu". */
static void s_fail(verso_tmx_reader *r, const char *why, uint64_t at, unsigned long line)
{
    if (!r->nerrors) {
        r->err = why;
        r->err_line = line;
    }
    r->nerrors++;
    verso_tmx_rtu_reset(&r->tu); /* the TU it broke is dropped */
    if (r->enc != VERSO_TMX_ENC_UTF8 || r->nerrors >= VERSO_TMX_MAX_ERRORS) {
        r->fatal = VERSO_EPROTO;
        return;
    }
    if (at < r->win_abs)
        at = r->win_abs;
    if (at > r->fed_abs)
        at = r->fed_abs;
    s_drop(r, at);
    r->nl = line ? line - 1 : 0; /* expat knows the lines before `at` best */
    r->nl_abs = at;
    r->skipping = true;
    if (r->resync_abs != UINT64_MAX && at <= r->resync_abs)
        s_drop(r, r->resync_abs + 1); /* never restart at the same "<tu" */
}

static void s_parse_failed(verso_tmx_reader *r)
{
    if (r->stopped || r->fatal)
        return;
    const char *why = r->own_err ? r->own_err : XML_ErrorString(XML_GetErrorCode(r->xp));
    XML_Index at = XML_GetCurrentByteIndex(r->xp);
    uint64_t abs = at >= 0 && r->base + at >= 0 ? (uint64_t)(r->base + at) : r->fed_abs;
    s_fail(r, why, abs, r->line_base + (unsigned long)XML_GetCurrentLineNumber(r->xp));
}

/* Skipping: drops bytes up to the next "<tu" followed by a space or '>'.
 * True when the window now starts with one. */
static bool s_skip(verso_tmx_reader *r, bool final)
{
    const char *p = r->win.data;
    size_t n = r->win.len, i = 0;
    for (;;) {
        const char *lt = n > i ? memchr(p + i, '<', n - i) : NULL;
        size_t k = lt ? (size_t)(lt - p) : n;
        if (!lt || (n - k < 4 && !final)) {
            s_drop(r, r->win_abs + k); /* keep a "<tu" the next feed may finish */
            return false;
        }
        if (n - k >= 4 && !memcmp(lt, "<tu", 3) && lt[3] && strchr(" \t\r\n>", lt[3])) {
            s_drop(r, r->win_abs + k);
            return true;
        }
        i = k + 1;
    }
}

/* A fresh parser for the rest of the document, primed with <tmx><body>. */
static void s_restart(verso_tmx_reader *r)
{
    if (!XML_ParserReset(r->xp, "UTF-8")) {
        r->fatal = VERSO_EINTERNAL;
        return;
    }
    verso_tmx_parser_setup(r);
    r->skipping = r->halted = false;
    r->own_err = NULL;
    r->depth = 0;
    r->line_base = r->nl;
    r->resync_abs = r->fed_abs = r->win_abs;
    r->base = (int64_t)r->win_abs - (int64_t)strlen(VERSO_TMX_PRIME);
    if (XML_Parse(r->xp, VERSO_TMX_PRIME, (int)strlen(VERSO_TMX_PRIME), XML_FALSE) != XML_STATUS_OK)
        r->fatal = VERSO_EINTERNAL;
}

/* Parses (or skips) what the window holds beyond fed_abs. Expat gets it
 * in steps of VERSO_TMX_SLICE or more, or at the end: its errors depend on where
 * its buffers end, and so the caller's feed sizes change nothing. */
static void s_pump(verso_tmx_reader *r, bool final)
{
    while (!r->stopped && !r->fatal) {
        if (r->skipping) {
            if (!s_skip(r, final))
                return;
            s_restart(r);
            continue;
        }
        size_t off = (size_t)(r->fed_abs - r->win_abs), n = r->win.len - off;
        if (n < VERSO_TMX_SLICE && !final)
            return;
        const char *p = r->win.data ? r->win.data + off : "";
        r->fed_abs += n;
        if (XML_Parse(r->xp, p, (int)n, final) != XML_STATUS_OK) {
            s_parse_failed(r);
            continue;
        }
        if (r->evt_abs > r->win_abs)
            s_drop(r, r->evt_abs < r->fed_abs ? r->evt_abs : r->fed_abs);
        if (r->win.len > VERSO_TMX_MAX_TOKEN)
            s_fail(r, "XML token too large", r->fed_abs,
                   r->line_base + (unsigned long)XML_GetCurrentLineNumber(r->xp));
        else
            return;
    }
}

/* Into the window (UTF-8 repaired; other encodings as they are), then on
 * to expat. */
static void s_input(verso_tmx_reader *r, const char *p, size_t n)
{
    while (n && !r->stopped && !r->fatal) {
        size_t k = n < VERSO_TMX_SLICE ? n : VERSO_TMX_SLICE;
        if (r->enc == VERSO_TMX_ENC_UTF8)
            s_repair(r, (const unsigned char *)p, k);
        else if (verso_buf_append(&r->win, p, k))
            r->fatal = VERSO_ENOMEM;
        s_pump(r, false);
        p += k;
        n -= k;
    }
}

static void s_finish(verso_tmx_reader *r)
{
    if (r->stopped || r->fatal)
        return;
    if (r->npend && verso_buf_append(&r->win, VERSO_TMX_FDD0, 3))
        r->fatal = VERSO_ENOMEM;
    r->npend = 0;
    s_pump(r, true);
}

/* ---- reader API ------------------------------------------------------- */

verso_err verso_tmx_reader_new(verso_tmx_tu_fn fn, void *arg, verso_tmx_reader **out)
{
    if (!fn || !out)
        return VERSO_EINVAL;
    verso_tmx_reader *r = calloc(1, sizeof *r);
    if (!r)
        return VERSO_ENOMEM;
    r->xp = XML_ParserCreate(NULL);
    if (!r->xp) {
        free(r);
        return VERSO_ENOMEM;
    }
    verso_tmx_parser_setup(r);
    r->fn = fn;
    r->arg = arg;
    r->resync_abs = UINT64_MAX;
    verso_buf_init(&r->sniff, VERSO_TMX_SNIFF_MAX);
    verso_buf_init(&r->win, VERSO_TMX_MAX_TOKEN + 5 * VERSO_TMX_SLICE);
    verso_buf_init(&r->srclang, 1024);
    verso_buf_init(&r->tu.arena, VERSO_TMX_MAX_TEXT);
    verso_buf_init(&r->tu.tagx, VERSO_TMX_MAX_TEXT);
    verso_buf_init(&r->tu.note, VERSO_TMX_MAX_TEXT);
    verso_buf_init(&r->tu.xtra, VERSO_TMX_MAX_TEXT);
    verso_buf_init(&r->tu.tubody, VERSO_TMX_MAX_TEXT);
    verso_buf_init(&r->header, VERSO_TMX_MAX_HEADER);
    *out = r;
    return VERSO_OK;
}

void verso_tmx_reader_destroy(verso_tmx_reader **rp)
{
    verso_tmx_reader *r = rp ? *rp : NULL;
    if (!r)
        return;
    XML_ParserFree(r->xp);
    verso_buf_fini(&r->sniff);
    verso_buf_fini(&r->win);
    verso_buf_fini(&r->srclang);
    verso_buf_fini(&r->tu.arena);
    verso_buf_fini(&r->tu.tagx);
    verso_buf_fini(&r->tu.note);
    verso_buf_fini(&r->tu.xtra);
    verso_buf_fini(&r->tu.tubody);
    verso_buf_fini(&r->header);
    free(r->tu.tuvs);
    free(r->tu.props);
    free(r->tu.tags);
    free(r->v_tuvs);
    free(r->v_props);
    free(r->v_tags);
    free(r);
    *rp = NULL;
}

verso_err verso_tmx_reader_feed(verso_tmx_reader *r, const void *data, size_t n, bool last)
{
    if (!r || (!data && n))
        return VERSO_EINVAL;
    if (r->stopped)
        return VERSO_OK;
    if (r->fatal)
        return r->fatal;
    if (r->done)
        return VERSO_EINVAL;
    r->done = last;
    const char *p = data;
    if (r->enc == VERSO_TMX_ENC_SNIFF) {
        size_t take =
            n < VERSO_TMX_SNIFF_MAX - r->sniff.len ? n : VERSO_TMX_SNIFF_MAX - r->sniff.len;
        if (verso_buf_append(&r->sniff, p, take))
            return r->fatal = VERSO_ENOMEM;
        p += take;
        n -= take;
        if (!s_sniff(r, last || r->sniff.len == VERSO_TMX_SNIFF_MAX))
            return VERSO_OK;
        s_input(r, r->sniff.data, r->sniff.len);
        verso_buf_fini(&r->sniff);
    }
    s_input(r, p, n);
    if (last)
        s_finish(r);
    if (r->stopped)
        return VERSO_OK;
    if (r->fatal)
        return r->fatal;
    return last && r->nerrors ? VERSO_EPROTO : VERSO_OK;
}

const char *verso_tmx_reader_error(const verso_tmx_reader *r, unsigned long *line)
{
    if (line)
        *line = r->err ? r->err_line : 0;
    return r->err;
}

unsigned verso_tmx_reader_errors(const verso_tmx_reader *r)
{
    return r->nerrors;
}

verso_tmx_str verso_tmx_reader_header(const verso_tmx_reader *r)
{
    if (r->header_bad || r->header_depth || !r->header.len ||
        !verso_utf8_valid(r->header.data, r->header.len, NULL))
        return (verso_tmx_str){"", 0};
    return (verso_tmx_str){r->header.data, r->header.len};
}

verso_tmx_str verso_tmx_reader_srclang(const verso_tmx_reader *r)
{
    return (verso_tmx_str){r->srclang.data ? r->srclang.data : "", r->srclang.len};
}
