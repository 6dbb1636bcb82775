/* tmx.c - the TMX reader; see tmx.h. A pipeline: sniff the encoding, repair
 * UTF-8 (U+FDD0), keep a window of the bytes expat has not finished with,
 * parse; after an error skip to the next "<tu" and go on with a fresh parser
 * primed with "<tmx><body>". Expat is the only XML code here; its errors
 * become "static text + line" and VERSO_EPROTO. This file holds the TU
 * being read and expat's handlers; the input pipeline and the reader API
 * are in tmx_input.c (tmx_read.h is what the two share); the writer and
 * verso_tmx_tag_valid are in tmx_write.c. */
#define _GNU_SOURCE /* memmem */
#include "tmx.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmx_int.h"
#include "tmx_read.h"
#include "utf8.h"

static size_t s_utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void s_halt(verso_tmx_reader *r, const char *why, verso_err fatal)
{
    if (r->halted)
        return;
    r->halted = true;
    r->own_err = why;
    if (fatal)
        r->fatal = fatal;
    XML_StopParser(r->xp, XML_FALSE);
}

static void s_problem(verso_tmx_rtu *t, const char *why)
{
    if (!t->problem)
        t->problem = why;
}

static void s_limit(verso_tmx_rtu *t, const char *why)
{
    s_problem(t, why);
    t->skip = true;
}

/* Appends to one of the TU's buffers within the TU's text budget, or to
 * the header's within its own cap. */
static bool s_store(verso_tmx_reader *r, verso_buf *b, const void *p, size_t n)
{
    verso_tmx_rtu *t = &r->tu;
    if (b == &r->header) {
        if (!r->header_bad && verso_buf_append(b, p, n))
            r->header_bad = true;
        return !r->header_bad;
    }
    if (t->skip)
        return false;
    if (n > VERSO_TMX_MAX_TEXT -
                (t->arena.len + t->tagx.len + t->note.len + t->xtra.len + t->tubody.len)) {
        s_limit(t, "text limit exceeded");
        return false;
    }
    if (verso_buf_append(b, p, n)) {
        s_halt(r, NULL, VERSO_ENOMEM);
        return false;
    }
    return true;
}

static bool s_puts(verso_tmx_reader *r, verso_buf *b, const char *s)
{
    return s_store(r, b, s, strlen(s));
}

static void s_check_fdd0(verso_tmx_rtu *t, const char *s, size_t n)
{
    if (memmem(s, n, VERSO_TMX_FDD0, 3))
        s_problem(t, "invalid UTF-8");
}

static void s_check_atts(verso_tmx_rtu *t, const XML_Char **atts)
{
    for (; *atts; atts += 2)
        s_check_fdd0(t, atts[1], strlen(atts[1]));
}

static const char *s_att(const XML_Char **atts, const char *name)
{
    for (; *atts; atts += 2)
        if (!strcmp(atts[0], name))
            return atts[1];
    return NULL;
}

static verso_tmx_span s_store_span(verso_tmx_reader *r, const char *s)
{
    verso_tmx_span sp = {(uint32_t)r->tu.arena.len, 0};
    if (s && s_puts(r, &r->tu.arena, s))
        sp.len = (uint32_t)strlen(s);
    return sp;
}

/* Appends s escaped for the XML of a tag (verso_tmx_escape). */
static void s_store_escaped(verso_tmx_reader *r, verso_buf *b, const char *s, size_t n, bool attr)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = verso_tmx_escape((unsigned char)s[i], attr);
        if (!rep)
            continue;
        s_store(r, b, s + run, i - run);
        s_puts(r, b, rep);
        run = i + 1;
    }
    s_store(r, b, s + run, n - run);
}

/* ---- dates and numbers ------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t s_days(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool s_digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYYMMDDThhmmssZ as unix seconds; 0 when malformed. */
static int64_t s_date(const char *s)
{
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, mo, d, h, mi, se;
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z' || !s_digits(s, 4, &y) ||
        !s_digits(s + 4, 2, &mo) || !s_digits(s + 6, 2, &d) || !s_digits(s + 9, 2, &h) ||
        !s_digits(s + 11, 2, &mi) || !s_digits(s + 13, 2, &se))
        return 0;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || se > 59)
        return 0;
    return s_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

static uint64_t s_uint(const char *s)
{
    uint64_t v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
            return 0; /* not a number, or past 2^64 - 1 */
        v = v * 10 + d;
    }
    return v;
}

/* ---- inside a segment ------------------------------------------------- */

/* Seg text: literal U+F0000..U+FFFFD (F3 B0 80 80 .. F3 BF BF BD) are
 * reserved for marks and become U+FFFD. Expat hands over whole characters. */
static void s_seg_text(verso_tmx_reader *r, const char *s, size_t n)
{
    verso_buf *a = &r->tu.arena;
    const char *end = s + n;
    while (s < end) {
        const char *f3 = memchr(s, 0xF3, (size_t)(end - s));
        if (!f3 || end - f3 < 4) {
            s_store(r, a, s, (size_t)(end - s));
            return;
        }
        const unsigned char *u = (const unsigned char *)f3;
        bool mark = u[1] >= 0xB0 && !(u[1] == 0xBF && u[2] == 0xBF && u[3] >= 0xBE);
        s_store(r, a, s, (size_t)(f3 - s) + (mark ? 0 : 4));
        if (mark)
            s_puts(r, a, VERSO_TMX_FFFD);
        s = f3 + 4;
    }
}

/* Writes the attributes as XML, ' a="v"' each, into x. */
/* True when an attribute name is ASCII: TMX's are, and expat reads a
 * name such as "chaªgedate" in UTF-16 but refuses it in UTF-8, so it would
 * not read back from what the writer makes (found by fuzz_tmx). */
static bool s_ascii_name(const char *name)
{
    for (; *name; name++)
        if ((unsigned char)*name >= 0x80)
            return false;
    return true;
}

static void s_attrs_xml(verso_tmx_reader *r, verso_buf *x, const XML_Char **atts)
{
    int n = XML_GetSpecifiedAttributeCount(r->xp);
    for (int i = 0; i + 1 < n; i += 2) {
        if (!s_ascii_name(atts[i]))
            continue; /* not kept */
        s_puts(r, x, " ");
        s_puts(r, x, atts[i]);
        s_puts(r, x, "=\"");
        s_store_escaped(r, x, atts[i + 1], strlen(atts[i + 1]), true);
        s_puts(r, x, "\"");
    }
}

/* Writes "<name a="v" ...>" into x. */
static void s_open_xml(verso_tmx_reader *r, verso_buf *x, const XML_Char *name,
                       const XML_Char **atts)
{
    s_puts(r, x, "<");
    s_puts(r, x, name);
    s_attrs_xml(r, x, atts);
    s_puts(r, x, ">");
}

/* Writes "</name>" into x. */
static void s_close_xml(verso_tmx_reader *r, verso_buf *x, const XML_Char *name)
{
    s_puts(r, x, "</");
    s_puts(r, x, name);
    s_puts(r, x, ">");
}

/* Writes "<name a="v" ...>" into tagx. */
static void s_tag_open(verso_tmx_reader *r, const XML_Char *name, const XML_Char **atts)
{
    s_open_xml(r, &r->tu.tagx, name, atts);
}

/* The tag at tagx[start..] is complete: number it, put its mark in the text. */
static void s_tag_commit(verso_tmx_reader *r, uint32_t start)
{
    verso_tmx_rtu *t = &r->tu;
    verso_tmx_rtuv *v = &t->tuvs[t->ntuvs - 1];
    size_t k = t->ntags - v->tag0;
    if (t->skip)
        return;
    if (k >= VERSO_TMX_MAX_TAGS) {
        s_limit(t, "tag limit exceeded");
        return;
    }
    if (verso_array_grow(&t->tags, &t->tags_cap, t->ntags + 1, sizeof *t->tags)) {
        s_halt(r, NULL, VERSO_ENOMEM);
        return;
    }
    char mark[4];
    if (!s_store(r, &t->arena, mark, s_utf8_put(VERSO_TMX_MARK + (uint32_t)k, mark)))
        return;
    t->tags[t->ntags++] = start;
    t->tagx_end = (uint32_t)t->tagx.len;
}

/* An element inside <seg> (not inside a tag): hi is a tag of its own,
 * anything else starts a tag that runs to its end tag. */
static void s_seg_child(verso_tmx_reader *r, const XML_Char *name, const XML_Char **atts)
{
    verso_tmx_rtu *t = &r->tu;
    t->tag_start = (uint32_t)t->tagx.len;
    s_check_atts(t, atts);
    s_tag_open(r, name, atts);
    if (!strcmp(name, "hi")) {
        s_tag_commit(r, t->tag_start);
        return;
    }
    t->tag_depth = r->depth;
    t->xchar = !strcmp(name, "ph") && XML_GetSpecifiedAttributeCount(r->xp) == 2 &&
               !strcmp(atts[0], "type") && !strcmp(atts[1], "x-verso-char");
    t->nhex = 0;
}

static void s_tag_text(verso_tmx_reader *r, const char *s, size_t n)
{
    verso_tmx_rtu *t = &r->tu;
    if (t->xchar && n <= sizeof t->hex - 1 - t->nhex) {
        memcpy(t->hex + t->nhex, s, n);
        t->nhex += n;
    } else {
        t->xchar = false;
    }
    s_store_escaped(r, &t->tagx, s, n, false);
}

/* The character an x-verso-char ph stands for; false when it is no such. */
static bool s_xchar(const verso_tmx_rtu *t, uint32_t *cp)
{
    uint32_t v = 0;
    if (!t->xchar || !t->nhex || t->nhex > 6)
        return false;
    for (size_t i = 0; i < t->nhex; i++) {
        char c = t->hex[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    *cp = v;
    return (v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0xFFFE || v == 0xFFFF;
}

static void s_tag_end(verso_tmx_reader *r, const XML_Char *name, unsigned long d)
{
    verso_tmx_rtu *t = &r->tu;
    s_puts(r, &t->tagx, "</");
    s_puts(r, &t->tagx, name);
    s_puts(r, &t->tagx, ">");
    if (d != t->tag_depth)
        return;
    t->tag_depth = 0;
    uint32_t cp;
    if (!s_xchar(t, &cp)) {
        s_tag_commit(r, t->tag_start);
        return;
    }
    char c[4];
    t->tagx.len = t->tag_start; /* not a tag after all */
    t->tagx.data[t->tagx.len] = '\0';
    s_store(r, &t->arena, c, s_utf8_put(cp, c));
}

/* ---- tu, tuv, note, prop ------------------------------------------------ */

static void s_tu_start(verso_tmx_reader *r, const XML_Char **atts)
{
    verso_tmx_rtu *t = &r->tu;
    t->active = true;
    t->depth = r->depth;
    t->line = r->line_base + (unsigned long)XML_GetCurrentLineNumber(r->xp);
    s_check_atts(t, atts);
    t->tuid = s_store_span(r, s_att(atts, "tuid"));
    t->creationid = s_store_span(r, s_att(atts, "creationid"));
    t->changeid = s_store_span(r, s_att(atts, "changeid"));
    t->srclang = s_store_span(r, s_att(atts, "srclang"));
    const char *v;
    t->created = (v = s_att(atts, "creationdate")) ? s_date(v) : 0;
    t->changed = (v = s_att(atts, "changedate")) ? s_date(v) : 0;
    t->usage = (v = s_att(atts, "usagecount")) ? s_uint(v) : 0;
    t->attrs.off = (uint32_t)t->xtra.len;
    s_attrs_xml(r, &t->xtra, atts);
    t->attrs.len = (uint32_t)t->xtra.len - t->attrs.off;
}

static void s_tuv_start(verso_tmx_reader *r, const XML_Char **atts)
{
    verso_tmx_rtu *t = &r->tu;
    if (t->ntuvs >= VERSO_TMX_MAX_TUVS) {
        s_limit(t, "too many tuvs");
        return;
    }
    if (verso_array_grow(&t->tuvs, &t->tuvs_cap, t->ntuvs + 1, sizeof *t->tuvs)) {
        s_halt(r, NULL, VERSO_ENOMEM);
        return;
    }
    verso_tmx_rtuv *v = &t->tuvs[t->ntuvs++];
    memset(v, 0, sizeof *v);
    s_check_atts(t, atts);
    const char *lang = s_att(atts, "xml:lang");
    if (!lang || !*lang)
        lang = s_att(atts, "lang");
    if (!lang || !*lang)
        s_problem(t, "tuv without xml:lang");
    v->lang = s_store_span(r, lang);
    t->tuv_depth = r->depth;
    v->attrs.off = (uint32_t)t->xtra.len;
    s_attrs_xml(r, &t->xtra, atts);
    v->attrs.len = (uint32_t)t->xtra.len - v->attrs.off;
    v->body.off = (uint32_t)t->xtra.len;
}

static void s_prop_start(verso_tmx_reader *r, const XML_Char **atts)
{
    verso_tmx_rtu *t = &r->tu;
    if (t->nprops >= VERSO_TMX_MAX_PROPS) {
        s_limit(t, "too many props");
        return;
    }
    if (verso_array_grow(&t->props, &t->props_cap, t->nprops + 1, sizeof *t->props)) {
        s_halt(r, NULL, VERSO_ENOMEM);
        return;
    }
    s_check_atts(t, atts);
    verso_tmx_rprop *p = &t->props[t->nprops++];
    p->type = s_store_span(r, s_att(atts, "type"));
    p->value = (verso_tmx_span){(uint32_t)t->arena.len, 0};
    t->prop_depth = r->depth;
    s_open_xml(r, &t->tubody, "prop", atts);
}

/* A child of <tu>: tuv, note or prop; others are ignored. */
static void s_tu_child(verso_tmx_reader *r, const XML_Char *name, const XML_Char **atts)
{
    verso_tmx_rtu *t = &r->tu;
    if (!strcmp(name, "tuv")) {
        s_tuv_start(r, atts);
    } else if (!strcmp(name, "prop")) {
        s_prop_start(r, atts);
    } else if (!strcmp(name, "note")) {
        s_check_atts(t, atts);
        if (t->has_note)
            s_puts(r, &t->note, "\n");
        t->has_note = true;
        t->note_depth = r->depth;
        s_open_xml(r, &t->tubody, "note", atts);
    }
}

static void s_seg_start(verso_tmx_reader *r)
{
    verso_tmx_rtu *t = &r->tu;
    verso_tmx_rtuv *v = &t->tuvs[t->ntuvs - 1];
    if (v->has_seg) {
        s_problem(t, "tuv with two segs");
        return;
    }
    v->has_seg = true;
    v->text.off = (uint32_t)t->arena.len;
    v->tag0 = (uint32_t)t->ntags;
    t->seg_depth = r->depth;
}

static void s_seg_end(verso_tmx_reader *r)
{
    verso_tmx_rtu *t = &r->tu;
    verso_tmx_rtuv *v = &t->tuvs[t->ntuvs - 1];
    v->text.len = (uint32_t)t->arena.len - v->text.off;
    v->ntags = (uint32_t)t->ntags - v->tag0;
    t->seg_depth = 0;
}

static void s_buf_recycle(verso_buf *b)
{
    if (b->alloc > ((size_t)1 << 20))
        verso_buf_fini(b); /* do not keep a huge TU's memory for the rest */
    else
        verso_buf_reset(b);
}

void verso_tmx_rtu_reset(verso_tmx_rtu *t)
{
    s_buf_recycle(&t->arena);
    s_buf_recycle(&t->tagx);
    s_buf_recycle(&t->note);
    s_buf_recycle(&t->xtra);
    s_buf_recycle(&t->tubody);
    t->attrs = (verso_tmx_span){0, 0};
    t->meta_depth = 0;
    t->active = t->skip = t->has_note = t->xchar = false;
    t->problem = NULL;
    t->depth = t->tuv_depth = t->seg_depth = t->tag_depth = t->note_depth = t->prop_depth = 0;
    t->tuid = t->creationid = t->changeid = t->srclang = (verso_tmx_span){0, 0};
    t->created = t->changed = 0;
    t->usage = 0;
    t->ntuvs = t->nprops = t->ntags = 0;
    t->tagx_end = t->tag_start = 0;
    t->nhex = 0;
}

static verso_tmx_str s_view(const verso_buf *b, verso_tmx_span sp)
{
    return (verso_tmx_str){b->data ? b->data + sp.off : "", sp.len};
}

/* Builds the views of the TU for the callback. */
static verso_err s_views(verso_tmx_reader *r)
{
    verso_tmx_rtu *t = &r->tu;
    if (verso_array_grow(&r->v_tuvs, &r->v_tuvs_cap, t->ntuvs, sizeof *r->v_tuvs) ||
        verso_array_grow(&r->v_props, &r->v_props_cap, t->nprops, sizeof *r->v_props) ||
        verso_array_grow(&r->v_tags, &r->v_tags_cap, t->ntags, sizeof *r->v_tags))
        return VERSO_ENOMEM;
    for (size_t k = 0; k < t->ntags; k++) {
        uint32_t end = k + 1 < t->ntags ? t->tags[k + 1] : t->tagx_end;
        r->v_tags[k] = s_view(&t->tagx, (verso_tmx_span){t->tags[k], end - t->tags[k]});
    }
    for (size_t i = 0; i < t->ntuvs; i++) {
        const verso_tmx_rtuv *v = &t->tuvs[i];
        r->v_tuvs[i] = (verso_tmx_tuv){s_view(&t->arena, v->lang),
                                       s_view(&t->arena, v->text),
                                       v->ntags ? r->v_tags + v->tag0 : NULL,
                                       v->ntags,
                                       s_view(&t->xtra, v->attrs),
                                       s_view(&t->xtra, v->body)};
    }
    for (size_t i = 0; i < t->nprops; i++)
        r->v_props[i] = (verso_tmx_prop){s_view(&t->arena, t->props[i].type),
                                         s_view(&t->arena, t->props[i].value)};
    return VERSO_OK;
}

static void s_tu_end(verso_tmx_reader *r)
{
    verso_tmx_rtu *t = &r->tu;
    if (!t->ntuvs)
        s_problem(t, "tu without tuv");
    /* Expat's output of a UTF-16 or Latin-1 file gets checked too. */
    if (!verso_utf8_valid(t->arena.data, t->arena.len, NULL) ||
        !verso_utf8_valid(t->tagx.data, t->tagx.len, NULL) ||
        !verso_utf8_valid(t->note.data, t->note.len, NULL) ||
        !verso_utf8_valid(t->xtra.data, t->xtra.len, NULL) ||
        !verso_utf8_valid(t->tubody.data, t->tubody.len, NULL))
        s_problem(t, "invalid UTF-8");
    if (s_views(r)) {
        s_halt(r, NULL, VERSO_ENOMEM);
        return;
    }
    verso_tmx_tu tu = {
        .tuid = s_view(&t->arena, t->tuid),
        .creationid = s_view(&t->arena, t->creationid),
        .changeid = s_view(&t->arena, t->changeid),
        .srclang = s_view(&t->arena, t->srclang),
        .created = t->created,
        .changed = t->changed,
        .usage = t->usage,
        .note = s_view(&t->note, (verso_tmx_span){0, (uint32_t)t->note.len}),
        .props = r->v_props,
        .nprops = t->nprops,
        .attrs = s_view(&t->xtra, t->attrs),
        .body = s_view(&t->tubody, (verso_tmx_span){0, (uint32_t)t->tubody.len}),
        .tuvs = r->v_tuvs,
        .ntuvs = t->ntuvs,
        .line = t->line,
        .problem = t->problem,
    };
    int stop = r->fn(r->arg, &tu);
    verso_tmx_rtu_reset(t);
    if (stop) {
        r->stopped = true;
        s_halt(r, NULL, VERSO_OK);
    }
}

/* ---- expat handlers --------------------------------------------------- */

/* Every handler starts here: notes where the event starts (the window
 * keeps the bytes from there on). NULL once the parser was stopped. */
static verso_tmx_reader *s_enter(void *ud)
{
    verso_tmx_reader *r = ud;
    if (r->halted)
        return NULL;
    XML_Index at = XML_GetCurrentByteIndex(r->xp);
    if (at >= 0 && r->base + at >= 0)
        r->evt_abs = (uint64_t)(r->base + at);
    return r;
}

static void s_outside(verso_tmx_reader *r, const XML_Char *name, const XML_Char **atts)
{
    if (!strcmp(name, "tu")) {
        s_tu_start(r, atts);
    } else if (!strcmp(name, "header")) {
        const char *v = s_att(atts, "srclang");
        verso_buf_reset(&r->srclang);
        if (v && verso_buf_puts(&r->srclang, v))
            verso_buf_reset(&r->srclang); /* absurdly long: ignored */
        verso_buf_reset(&r->header);
        r->header_bad = false;
        r->header_depth = r->depth;
        s_open_xml(r, &r->header, name, atts);
    } else if (r->header_depth) { /* note, prop, ude, map: kept as they are */
        s_open_xml(r, &r->header, name, atts);
    }
}

static void XMLCALL s_on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    verso_tmx_reader *r = s_enter(ud);
    if (!r)
        return;
    if (++r->depth > VERSO_TMX_MAX_DEPTH) {
        s_halt(r, "elements nested too deeply", VERSO_OK);
        return;
    }
    verso_tmx_rtu *t = &r->tu;
    if (!t->active) {
        s_outside(r, name, atts);
    } else if (t->skip) {
        return;
    } else if (t->tag_depth) {
        s_check_atts(t, atts);
        s_tag_open(r, name, atts);
        t->xchar = false;
    } else if (t->seg_depth) {
        s_seg_child(r, name, atts);
    } else if (t->meta_depth) {
        return; /* note and prop hold text only */
    } else if (t->tuv_depth) {
        if (r->depth == t->tuv_depth + 1 && !strcmp(name, "seg")) {
            s_seg_start(r);
        } else if (r->depth == t->tuv_depth + 1 &&
                   (!strcmp(name, "note") || !strcmp(name, "prop"))) {
            s_check_atts(t, atts);
            s_open_xml(r, &t->xtra, name, atts);
            t->meta_depth = r->depth;
        }
    } else if (!t->note_depth && !t->prop_depth && r->depth == t->depth + 1) {
        s_tu_child(r, name, atts);
    }
}

static void XMLCALL s_on_end(void *ud, const XML_Char *name)
{
    verso_tmx_reader *r = s_enter(ud);
    if (!r)
        return;
    unsigned long d = r->depth--;
    verso_tmx_rtu *t = &r->tu;
    if (!t->active && r->header_depth && d >= r->header_depth) {
        s_close_xml(r, &r->header, name);
        if (d == r->header_depth) {
            r->header_depth = 0;
            /* kept only as the writer takes it back: notes, props, udes of maps
             * (a <ude> holding text or other elements is dropped, not kept) */
            r->header_bad |= !verso_tmx_kept_valid(
                (verso_tmx_str){r->header.data ? r->header.data : "", r->header.len},
                VERSO_TMX_KEPT_HEADER);
        }
    }
    if (!t->active)
        return;
    if (d == t->depth) {
        s_tu_end(r);
    } else if (t->skip) {
        return;
    } else if (t->tag_depth) {
        s_tag_end(r, name, d);
    } else if (d == t->seg_depth) {
        s_seg_end(r);
    } else if (t->seg_depth) { /* the end of a hi */
        uint32_t start = (uint32_t)t->tagx.len;
        if (s_puts(r, &t->tagx, "</hi>"))
            s_tag_commit(r, start);
    } else if (d == t->meta_depth) {
        s_close_xml(r, &t->xtra, name);
        t->meta_depth = 0;
    } else if (d == t->tuv_depth) {
        verso_tmx_rtuv *v = &t->tuvs[t->ntuvs - 1];
        if (!v->has_seg)
            s_problem(t, "tuv without seg");
        v->body.len = (uint32_t)t->xtra.len - v->body.off;
        t->tuv_depth = 0;
    } else if (d == t->note_depth) {
        s_close_xml(r, &t->tubody, "note");
        t->note_depth = 0;
    } else if (d == t->prop_depth) {
        verso_tmx_rprop *p = &t->props[t->nprops - 1];
        p->value.len = (uint32_t)t->arena.len - p->value.off;
        s_close_xml(r, &t->tubody, "prop");
        t->prop_depth = 0;
    }
}

static void XMLCALL s_on_text(void *ud, const XML_Char *s, int len)
{
    verso_tmx_reader *r = s_enter(ud);
    if (r && !r->tu.active && r->header_depth && r->depth > r->header_depth)
        s_store_escaped(r, &r->header, s, (size_t)len, false); /* inside a note or prop */
    if (!r || !r->tu.active || r->tu.skip)
        return;
    verso_tmx_rtu *t = &r->tu;
    size_t n = (size_t)len;
    if (t->tag_depth || t->seg_depth || t->note_depth || t->prop_depth || t->meta_depth)
        s_check_fdd0(t, s, n);
    if (t->tag_depth) {
        s_tag_text(r, s, n);
    } else if (t->seg_depth) {
        s_seg_text(r, s, n);
    } else if (t->meta_depth) {
        s_store_escaped(r, &t->xtra, s, n, false);
    } else if (t->note_depth) {
        s_store(r, &t->note, s, n);
        s_store_escaped(r, &t->tubody, s, n, false);
    } else if (t->prop_depth) {
        s_store(r, &t->arena, s, n);
        s_store_escaped(r, &t->tubody, s, n, false);
    }
}

/* Untrusted input: no entity declarations at all (billion laughs, external
 * entities); expat's amplification limit stays on as a second line. */
static void XMLCALL s_on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                                int value_len, const XML_Char *base, const XML_Char *system_id,
                                const XML_Char *public_id, const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)system_id;
    (void)public_id, (void)notation;
    verso_tmx_reader *r = s_enter(ud);
    if (r)
        s_halt(r, "entity declarations are not allowed", VERSO_OK);
}

static void XMLCALL s_on_comment(void *ud, const XML_Char *data)
{
    (void)data;
    s_enter(ud);
}

static void XMLCALL s_on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target, (void)data;
    s_enter(ud);
}

void verso_tmx_parser_setup(verso_tmx_reader *r)
{
    XML_SetUserData(r->xp, r);
    XML_SetElementHandler(r->xp, s_on_start, s_on_end);
    XML_SetCharacterDataHandler(r->xp, s_on_text);
    XML_SetEntityDeclHandler(r->xp, s_on_entity);
    XML_SetCommentHandler(r->xp, s_on_comment);
    XML_SetProcessingInstructionHandler(r->xp, s_on_pi);
    XML_SetParamEntityParsing(r->xp, XML_PARAM_ENTITY_PARSING_NEVER);
}
