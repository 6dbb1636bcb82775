/* tmx_write.c - the TMX writer (verso_tmx_write_header, _tu, _footer) and
 * verso_tmx_tag_valid, which decides which tags it may write verbatim; see
 * tmx.h. The reader is tmx.c; what both need is in tmx_int.h. Writes UTF-8
 * only; expat is used only to check tags. */
#include "tmx.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "tmx_int.h"
#include "utf8.h"
#include "verso/version.h"

/* ---- header, footer, escaped text and dates ---------------------------- */

/* Appends s escaped (verso_tmx_escape); the other characters XML 1.0
 * cannot carry (C0 controls, U+FFFE, U+FFFF) become U+FFFD. */
static verso_err s_put_esc(verso_buf *out, verso_tmx_str s, bool attr)
{
    if (s.n && !s.p)
        return VERSO_EINVAL;
    if (!verso_utf8_valid(s.p, s.n, NULL))
        return VERSO_EBADUTF8;
    const unsigned char *u = (const unsigned char *)s.p;
    size_t run = 0;
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < s.n && !err; i++) {
        const char *rep = verso_tmx_escape(u[i], attr);
        size_t len = 1;
        if (!rep && u[i] == 0xEF && i + 2 < s.n && u[i + 1] == 0xBF && u[i + 2] >= 0xBE)
            rep = VERSO_TMX_FFFD, len = 3; /* U+FFFE, U+FFFF */
        else if (!rep && u[i] < 0x20 && u[i] != '\t' && u[i] != '\n')
            rep = VERSO_TMX_FFFD; /* TAB and LF outside attributes stay */
        if (!rep)
            continue;
        err = verso_buf_append(out, s.p + run, i - run);
        if (!err)
            err = verso_buf_puts(out, rep);
        i += len - 1;
        run = i + 1;
    }
    return err ? err : verso_buf_append(out, s.p + run, s.n - run);
}

/* Passes err on; on error first takes out back to its first start bytes:
 * a failed write leaves out as it was. */
static verso_err s_undo(verso_buf *out, size_t start, verso_err err)
{
    if (err) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return err;
}

static verso_err s_put_attr(verso_buf *out, const char *name, verso_tmx_str v)
{
    if (!v.n)
        return VERSO_OK;
    verso_err err = verso_buf_printf(out, " %s=\"", name);
    if (!err)
        err = s_put_esc(out, v, true);
    return err ? err : verso_buf_puts(out, "\"");
}

static void s_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static verso_err s_put_date(verso_buf *out, const char *name, int64_t t)
{
    if (!t)
        return VERSO_OK;
    if (t < -62135596800 || t > 253402300799) /* 0001-01-01 .. 9999-12-31 */
        return VERSO_EINVAL;
    int64_t days = (t >= 0 ? t : t - 86399) / 86400, secs = t - days * 86400, y;
    unsigned m, d;
    s_civil(days, &y, &m, &d);
    return verso_buf_printf(out, " %s=\"%04d%02u%02uT%02d%02d%02dZ\"", name, (int)y, m, d,
                            (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

verso_err verso_tmx_write_header(verso_buf *out, verso_tmx_str srclang, const char *tool,
                                 const char *tool_version)
{
    if (!out)
        return VERSO_EINVAL;
    size_t start = out->len;
    verso_tmx_str all = {"*all*", 5};
    verso_err err = verso_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                        "<tmx version=\"1.4\">\n<header");
    if (!err)
        err = s_put_attr(out, "creationtool",
                         (verso_tmx_str){tool ? tool : "verso", strlen(tool ? tool : "verso")});
    if (!err) {
        const char *v = tool_version ? tool_version : VERSO_VERSION;
        err = s_put_attr(out, "creationtoolversion", (verso_tmx_str){v, strlen(v)});
    }
    if (!err)
        err = verso_buf_puts(out, " segtype=\"sentence\" o-tmf=\"verso\" adminlang=\"en\"");
    if (!err)
        err = s_put_attr(out, "srclang", srclang.n ? srclang : all);
    if (!err)
        err = verso_buf_puts(out, " datatype=\"plaintext\"/>\n<body>\n");
    return s_undo(out, start, err);
}

verso_err verso_tmx_write_header_kept(verso_buf *out, verso_tmx_str header)
{
    if (!out || !header.n || !verso_tmx_kept_valid(header, VERSO_TMX_KEPT_HEADER))
        return VERSO_EINVAL;
    size_t start = out->len;
    verso_err err = verso_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                        "<tmx version=\"1.4\">\n");
    err = err ? err : verso_buf_append(out, header.p, header.n);
    err = err ? err : verso_buf_puts(out, "\n<body>\n");
    return s_undo(out, start, err);
}

verso_err verso_tmx_write_footer(verso_buf *out)
{
    return out ? verso_buf_puts(out, "</body>\n</tmx>\n") : VERSO_EINVAL;
}

/* ---- segments and tus ------------------------------------------------- */

/* What the writer does with each tag of a segment. */
typedef enum s_kind { S_UNKNOWN, S_BAD, S_ELEMENT, S_HI_OPEN, S_HI_CLOSE } s_kind;

/* A segment being written: the kind of each tag (found lazily), and for
 * the n-th hi mark of the text whether it has a partner. */
typedef struct s_segw {
    const verso_tmx_tuv *tuv;
    unsigned char *kind;
    bool *paired;
    size_t nhi;
} s_segw;

static s_kind s_tag_kind(s_segw *w, size_t k)
{
    if (w->kind[k] == S_UNKNOWN) {
        verso_tmx_str s = w->tuv->tags[k];
        if (!verso_tmx_tag_valid(s))
            w->kind[k] = S_BAD;
        else if (s.n == 5 && !memcmp(s.p, "</hi>", 5))
            w->kind[k] = S_HI_CLOSE;
        else if (!memcmp(s.p, "<hi", 3) && (s.p[3] == '>' || strchr(" \t\r\n", s.p[3])))
            w->kind[k] = S_HI_OPEN;
        else
            w->kind[k] = S_ELEMENT;
    }
    return (s_kind)w->kind[k];
}

/* The next code point of valid UTF-8 at *p. */
static uint32_t s_next(const unsigned char **p)
{
    const unsigned char *u = *p;
    uint32_t c = u[0];
    if (c < 0x80) {
        *p += 1;
        return c;
    }
    size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    c &= n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07;
    for (size_t i = 1; i < n; i++)
        c = (c << 6) | (u[i] & 0x3F);
    *p += n;
    return c;
}

/* The tag index a code point stands for in this segment, or -1. */
static long s_mark(const verso_tmx_tuv *tuv, uint32_t cp)
{
    if (cp < VERSO_TMX_MARK || cp >= VERSO_TMX_MARK + VERSO_TMX_MAX_TAGS)
        return -1;
    return cp - VERSO_TMX_MARK < tuv->ntags ? (long)(cp - VERSO_TMX_MARK) : -1;
}

/* Pairs the hi marks of the text like XML would: w->paired[i] for the i-th. */
static verso_err s_pair_hi(s_segw *w)
{
    const verso_tmx_tuv *tuv = w->tuv;
    const unsigned char *p = (const unsigned char *)tuv->text.p, *end = p + tuv->text.n;
    size_t n = 0, depth = 0;
    while (p < end) {
        long k = s_mark(tuv, s_next(&p));
        n += k >= 0 && s_tag_kind(w, (size_t)k) >= S_HI_OPEN;
    }
    size_t *stack = malloc((n ? n : 1) * sizeof *stack);
    w->paired = calloc(n ? n : 1, sizeof *w->paired);
    if (!stack || !w->paired) {
        free(stack);
        return VERSO_ENOMEM;
    }
    for (p = (const unsigned char *)tuv->text.p; p < end;) {
        long k = s_mark(tuv, s_next(&p));
        s_kind kind = k >= 0 ? s_tag_kind(w, (size_t)k) : S_BAD;
        if (kind == S_HI_OPEN)
            stack[depth++] = w->nhi;
        else if (kind == S_HI_CLOSE && depth)
            w->paired[stack[--depth]] = w->paired[w->nhi] = true;
        w->nhi += kind >= S_HI_OPEN;
    }
    free(stack);
    w->nhi = 0;
    return VERSO_OK;
}

static verso_err s_put_tag(verso_buf *out, s_segw *w, size_t k)
{
    s_kind kind = s_tag_kind(w, k);
    bool ok = kind == S_ELEMENT || (kind >= S_HI_OPEN && w->paired[w->nhi]);
    w->nhi += kind >= S_HI_OPEN;
    if (ok)
        return verso_buf_append(out, w->tuv->tags[k].p, w->tuv->tags[k].n);
    verso_err err = verso_buf_puts(out, "<ph type=\"x-verso-invalid\">");
    if (!err)
        err = s_put_esc(out, w->tuv->tags[k], false);
    return err ? err : verso_buf_puts(out, "</ph>");
}

/* One character of the text: a tag, an x-verso-char ph, or itself. */
static verso_err s_put_char(verso_buf *out, s_segw *w, const char *p, size_t n, uint32_t cp)
{
    long k = s_mark(w->tuv, cp);
    if (k >= 0)
        return s_put_tag(out, w, (size_t)k);
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF)
        return verso_buf_printf(out, "<ph type=\"x-verso-char\">%02X</ph>", (unsigned)cp);
    return s_put_esc(out, (verso_tmx_str){p, n}, false);
}

static verso_err s_put_seg(verso_buf *out, const verso_tmx_tuv *tuv)
{
    if ((tuv->text.n && !tuv->text.p) || (tuv->ntags && !tuv->tags))
        return VERSO_EINVAL;
    if (!verso_utf8_valid(tuv->text.p, tuv->text.n, NULL))
        return VERSO_EBADUTF8;
    s_segw w = {tuv, calloc(tuv->ntags ? tuv->ntags : 1, 1), NULL, 0};
    verso_err err = w.kind ? s_pair_hi(&w) : VERSO_ENOMEM;
    const unsigned char *p = (const unsigned char *)tuv->text.p, *end = p + tuv->text.n;
    const unsigned char *run = p;
    while (!err && p < end) {
        const unsigned char *at = p;
        uint32_t cp = s_next(&p);
        if (cp >= 0x20 && cp < 0xF0000 && cp != 0xFFFE && cp != 0xFFFF)
            continue; /* plain: stays in the run */
        err = s_put_esc(out, (verso_tmx_str){(const char *)run, (size_t)(at - run)}, false);
        if (!err)
            err = s_put_char(out, &w, (const char *)at, (size_t)(p - at), cp);
        run = p;
    }
    if (!err)
        err = s_put_esc(out, (verso_tmx_str){(const char *)run, (size_t)(end - run)}, false);
    free(w.kind);
    free(w.paired);
    return err;
}

static verso_err s_put_elem(verso_buf *out, const char *open, verso_tmx_str text, const char *close)
{
    verso_err err = verso_buf_puts(out, open);
    if (!err)
        err = s_put_esc(out, text, false);
    return err ? err : verso_buf_puts(out, close);
}

/* One attribute a TU's fields own, k of s_own_attr. */
static verso_err s_put_own_attr(verso_buf *out, const verso_tmx_tu *tu, int k)
{
    switch (k) {
    case 0: return s_put_attr(out, "tuid", tu->tuid);
    case 1: return s_put_attr(out, "creationid", tu->creationid);
    case 2: return s_put_date(out, "creationdate", tu->created);
    case 3: return s_put_attr(out, "changeid", tu->changeid);
    case 4: return s_put_date(out, "changedate", tu->changed);
    case 5: return s_put_attr(out, "srclang", tu->srclang);
    default:
        return tu->usage
                   ? verso_buf_printf(out, " usagecount=\"%llu\"", (unsigned long long)tu->usage)
                   : VERSO_OK;
    }
}

/* Which attribute of a TU's fields name is (0..6), when the field has a
 * value; -1 otherwise. */
static int s_own_attr(const verso_tmx_tu *tu, verso_tmx_str name)
{
    static const char *const names[] = {"tuid",       "creationid", "creationdate", "changeid",
                                        "changedate", "srclang",    "usagecount"};
    const bool set[] = {tu->tuid.n,  tu->creationid.n, tu->created, tu->changeid.n,
                        tu->changed, tu->srclang.n,    tu->usage};
    for (int k = 0; k < 7; k++)
        if (set[k] && strlen(names[k]) == name.n && !memcmp(names[k], name.p, name.n))
            return k;
    return -1;
}

/* <tu>'s attributes: without kept ones, the fields'; with them, the kept
 * ones in their order, each the fields own replaced by the field's value,
 * then the fields' others: a file read and written again keeps its order. */
static verso_err s_put_tu_attrs(verso_buf *out, const verso_tmx_tu *tu)
{
    bool done[7] = {false};
    verso_err err = VERSO_OK;
    size_t i = 0;
    verso_tmx_str name, value;
    if (verso_tmx_attrs_valid(tu->attrs))
        while (!err && verso_tmx_attrs_next(tu->attrs, &i, &name, &value)) {
            int k = s_own_attr(tu, name);
            if (k >= 0 && !done[k]) {
                err = s_put_own_attr(out, tu, k);
                done[k] = true;
            } else if (k < 0) {
                err = verso_buf_printf(out, " %.*s=\"%.*s\"", (int)name.n, name.p, (int)value.n,
                                       value.p);
            }
        }
    for (int k = 0; !err && k < 7; k++)
        if (!done[k])
            err = s_put_own_attr(out, tu, k);
    return err;
}

static verso_err s_put_tu_head(verso_buf *out, const verso_tmx_tu *tu)
{
    verso_err err = verso_buf_puts(out, "<tu");
    if (!err)
        err = s_put_tu_attrs(out, tu);
    if (!err)
        err = verso_buf_puts(out, ">\n");
    if (!err && tu->body.n && verso_tmx_kept_valid(tu->body, VERSO_TMX_KEPT_BODY)) {
        err = verso_buf_puts(out, "  ");
        err = err ? err : verso_buf_append(out, tu->body.p, tu->body.n);
        return err ? err : verso_buf_puts(out, "\n");
    }
    if (!err && tu->note.n)
        err = s_put_elem(out, "  <note>", tu->note, "</note>\n");
    for (size_t i = 0; !err && i < tu->nprops; i++) {
        err = verso_buf_puts(out, "  <prop type=\"");
        if (!err)
            err = s_put_esc(out, tu->props[i].type, true);
        if (!err)
            err = s_put_elem(out, "\">", tu->props[i].value, "</prop>\n");
    }
    return err;
}

verso_err verso_tmx_write_tu(verso_buf *out, const verso_tmx_tu *tu)
{
    if (!out || !tu || !tu->ntuvs || !tu->tuvs || (tu->nprops && !tu->props))
        return VERSO_EINVAL;
    for (size_t i = 0; i < tu->ntuvs; i++)
        if (!tu->tuvs[i].lang.n)
            return VERSO_EINVAL;
    size_t start = out->len;
    verso_err err = s_put_tu_head(out, tu);
    static const char *const tuv_own[] = {"xml:lang", "lang"};
    for (size_t i = 0; !err && i < tu->ntuvs; i++) {
        const verso_tmx_tuv *v = &tu->tuvs[i];
        err = verso_buf_puts(out, "  <tuv xml:lang=\"");
        if (!err)
            err = s_put_esc(out, v->lang, true);
        if (!err)
            err = verso_buf_puts(out, "\"");
        if (!err)
            err = verso_tmx_put_attrs(out, v->attrs, tuv_own, 2);
        if (!err)
            err = verso_buf_puts(out, ">");
        if (!err && v->body.n && verso_tmx_kept_valid(v->body, VERSO_TMX_KEPT_BODY))
            err = verso_buf_append(out, v->body.p, v->body.n);
        if (!err)
            err = verso_buf_puts(out, "<seg>");
        if (!err)
            err = s_put_seg(out, &tu->tuvs[i]);
        if (!err)
            err = verso_buf_puts(out, "</seg></tuv>\n");
    }
    if (!err)
        err = verso_buf_puts(out, "</tu>\n");
    return s_undo(out, start, err);
}

/* ---- marks against tags ------------------------------------------------- */

verso_tmx_marks verso_tmx_marks_check(const char *text, size_t len, size_t ntags, size_t *k)
{
    unsigned char *seen = ntags ? calloc(ntags, 1) : NULL;
    if (ntags && !seen)
        return VERSO_TMX_MARKS_NOMEM;
    const unsigned char *p = (const unsigned char *)text;
    verso_tmx_marks res = VERSO_TMX_MARKS_OK;
    for (size_t i = 0; !res && i + 4 <= len; i++) { /* valid UTF-8: 0xF3 leads 4 bytes */
        if (p[i] != 0xF3 || p[i + 1] < 0xB0)
            continue;
        size_t m = ((size_t)(p[i] & 7) << 18 | (size_t)(p[i + 1] & 0x3F) << 12 |
                    (size_t)(p[i + 2] & 0x3F) << 6 | (p[i + 3] & 0x3F)) -
                   VERSO_TMX_MARK;
        i += 3;
        if (m >= VERSO_TMX_MAX_TAGS)
            continue; /* U+FFFFE, U+FFFFF: text */
        if (m >= ntags) {
            *k = m;
            res = VERSO_TMX_MARKS_PAST;
        } else {
            seen[m] = 1;
        }
    }
    for (size_t m = 0; !res && m < ntags; m++)
        if (!seen[m]) {
            *k = m;
            res = VERSO_TMX_MARKS_UNMARKED;
        }
    free(seen);
    return res;
}

/* ---- verso_tmx_tag_valid ---------------------------------------------- */

#define S_CHECK_DEPTH 64

/* Walks the tag with expat: element names checked against the TMX DTD
 * (bpt, ept, ph, it, ut hold sub; sub and hi hold those and hi). */
typedef struct s_check {
    XML_Parser xp;
    bool bad, hi;
    unsigned depth;
    bool mixed[S_CHECK_DEPTH]; /* true: sub or hi, false: an inline code */
} s_check;

static void s_check_bad(s_check *c)
{
    if (!c->bad)
        XML_StopParser(c->xp, XML_FALSE);
    c->bad = true;
}

static bool s_is_code(const char *name)
{
    return !strcmp(name, "bpt") || !strcmp(name, "ept") || !strcmp(name, "ph") ||
           !strcmp(name, "it") || !strcmp(name, "ut");
}

static void XMLCALL s_check_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    s_check *c = ud;
    unsigned d = c->depth++;
    bool ok;
    if (c->bad || d >= S_CHECK_DEPTH)
        ok = false;
    else if (d == 0)
        ok = c->hi ? !strcmp(name, "hi") : s_is_code(name);
    else if (!c->mixed[d - 1])
        ok = !c->hi && !strcmp(name, "sub");
    else
        ok = !c->hi && (s_is_code(name) || !strcmp(name, "hi"));
    if (!ok) {
        s_check_bad(c);
        return;
    }
    c->mixed[d] = !s_is_code(name);
}

static void XMLCALL s_check_end(void *ud, const XML_Char *name)
{
    (void)name;
    ((s_check *)ud)->depth--;
}

static void XMLCALL s_check_text(void *ud, const XML_Char *s, int len)
{
    (void)s, (void)len;
    s_check *c = ud;
    if (c->hi)
        s_check_bad(c); /* a hi start tag alone: nothing after it */
}

static void XMLCALL s_check_comment(void *ud, const XML_Char *data)
{
    (void)data;
    s_check_bad(ud);
}

static void XMLCALL s_check_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target;
    s_check_comment(ud, data); /* as bad as a comment */
}

bool verso_tmx_tag_valid(verso_tmx_str s)
{
    if (!s.p || s.n < 4 || s.n > VERSO_TMX_MAX_TEXT)
        return false;
    if (s.n == 5 && !memcmp(s.p, "</hi>", 5))
        return true;
    if (s.p[0] != '<' || s.p[1] == '!' || s.p[1] == '?' || s.p[1] == '/' || s.p[s.n - 1] != '>' ||
        !verso_utf8_valid(s.p, s.n, NULL))
        return false;
    s_check c = {.hi = !memcmp(s.p, "<hi", 3) && strchr(" \t\r\n>", s.p[3])};
    c.xp = XML_ParserCreate("UTF-8");
    if (!c.xp)
        return false;
    XML_SetUserData(c.xp, &c);
    XML_SetElementHandler(c.xp, s_check_start, s_check_end);
    XML_SetCharacterDataHandler(c.xp, s_check_text);
    XML_SetCommentHandler(c.xp, s_check_comment);
    XML_SetProcessingInstructionHandler(c.xp, s_check_pi);
    bool ok = XML_Parse(c.xp, s.p, (int)s.n, !c.hi) == XML_STATUS_OK &&
              (!c.hi || XML_Parse(c.xp, "</hi>", 5, XML_TRUE) == XML_STATUS_OK) && !c.bad;
    XML_ParserFree(c.xp);
    return ok;
}
