/* tmx_kept.c - the XML a TMX reader keeps beyond Verso's fields (attribute
 * strings, note and prop elements, the header) and that the writer puts
 * back: checks that such a string is what the reader makes (it comes back
 * from a server, so it is not trusted), attribute lookup, and the
 * fingerprint that tells whether an entry's own fields still say what the
 * kept XML says. See tmx.h and docs/TMX.md. */
#include "tmx.h"

#include <expat.h>
#include <string.h>

#include "utf8.h"

/* ---- attribute strings: ' name="value"' ... ------------------------------ */

/* A byte of an attribute's name: ASCII name characters only. TMX's names
 * are ASCII, and expat reads some other names in UTF-16 ("chaªgedate")
 * that it refuses in the UTF-8 the writer makes; the reader keeps none. */
static bool s_name_char(unsigned char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.')); /* ASCII: TMX's names */
}

/* An XML 1.0 Char. */
static bool s_xml_char(uint64_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* The entity at s[0..n) (s[0] == '&'): its length when it is one the
 * escaper writes or a character reference, else 0. */
static size_t s_entity(const char *s, size_t n)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        size_t k = strlen(named[i]);
        if (n >= k && !memcmp(s, named[i], k))
            return k;
    }
    if (n < 4 || s[1] != '#')
        return 0;
    size_t i = 2;
    bool hex = s[2] == 'x';
    i += hex;
    size_t d0 = i;
    uint64_t v = 0;
    for (; i < n && i - d0 < 8; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'          ? (unsigned)(c - '0')
                     : hex && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : hex && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                   : 99;
        if (d == 99)
            break;
        v = v * (hex ? 16 : 10) + d;
    }
    /* a reference to what XML cannot hold (&#0;, a surrogate) would break the file */
    return i > d0 && i < n && s[i] == ';' && s_xml_char(v) ? i + 1 : 0;
}

/* Walks one attribute at *i: name [*n0, *n1), value [*v0, *v1); false
 * at the end or on anything else. */
static bool s_attr_next(verso_tmx_str a, size_t *i, size_t *n0, size_t *n1, size_t *v0, size_t *v1)
{
    const char *s = a.p;
    size_t k = *i;
    if (k >= a.n || s[k] != ' ')
        return false;
    *n0 = ++k;
    while (k < a.n && s_name_char((unsigned char)s[k], k == *n0))
        k++;
    *n1 = k;
    if (*n1 == *n0 || k + 1 >= a.n || s[k] != '=' || s[k + 1] != '"')
        return false;
    *v0 = k += 2;
    while (k < a.n && s[k] != '"') {
        if (s[k] == '<' || (unsigned char)s[k] < 0x20) /* the reader escapes TAB, LF, CR */
            return false;
        if (s[k] == '&') {
            size_t e = s_entity(s + k, a.n - k);
            if (!e)
                return false;
            k += e;
        } else {
            k++;
        }
    }
    if (k >= a.n)
        return false;
    *v1 = k;
    *i = k + 1;
    return true;
}

bool verso_tmx_attrs_next(verso_tmx_str a, size_t *i, verso_tmx_str *name, verso_tmx_str *value)
{
    size_t n0, n1, v0, v1;
    if (!s_attr_next(a, i, &n0, &n1, &v0, &v1))
        return false;
    *name = (verso_tmx_str){a.p + n0, n1 - n0};
    *value = (verso_tmx_str){a.p + v0, v1 - v0};
    return true;
}

bool verso_tmx_attrs_valid(verso_tmx_str a)
{
    size_t i = 0, n0, n1, v0, v1, n = 0, at[VERSO_TMX_MAX_ATTRS][2];
    if ((a.n && !a.p) || !verso_utf8_valid(a.p, a.n, NULL))
        return false;
    while (i < a.n) {
        if (n == VERSO_TMX_MAX_ATTRS || !s_attr_next(a, &i, &n0, &n1, &v0, &v1))
            return false;
        for (size_t k = 0; k < n; k++) /* each name once: a repeat breaks the file */
            if (at[k][1] - at[k][0] == n1 - n0 && !memcmp(a.p + at[k][0], a.p + n0, n1 - n0))
                return false;
        at[n][0] = n0;
        at[n++][1] = n1;
    }
    return true;
}

bool verso_tmx_attr_get(verso_tmx_str a, const char *name, verso_tmx_str *value)
{
    size_t i = 0, n0, n1, v0, v1, len = strlen(name);
    if (!verso_tmx_attrs_valid(a))
        return false;
    while (s_attr_next(a, &i, &n0, &n1, &v0, &v1))
        if (n1 - n0 == len && !memcmp(a.p + n0, name, len)) {
            *value = (verso_tmx_str){a.p + v0, v1 - v0};
            return true;
        }
    return false;
}

verso_err verso_tmx_put_attrs(verso_buf *out, verso_tmx_str a, const char *const *skip,
                              size_t nskip)
{
    if (!verso_tmx_attrs_valid(a))
        return VERSO_OK; /* not what a reader made: left out */
    size_t i = 0, n0, n1, v0, v1, at = 0;
    verso_err err = VERSO_OK;
    while (!err && s_attr_next(a, &i, &n0, &n1, &v0, &v1)) {
        bool drop = false;
        for (size_t k = 0; k < nskip && !drop; k++)
            drop = strlen(skip[k]) == n1 - n0 && !memcmp(a.p + n0, skip[k], n1 - n0);
        if (!drop)
            err = verso_buf_append(out, a.p + at, i - at);
        at = i;
    }
    return err;
}

/* ---- kept elements: checked with expat ------------------------------------ */

typedef struct s_kept {
    XML_Parser xp;
    verso_tmx_kept kind;
    unsigned depth;
    bool bad, header_seen;
} s_kept;

static void s_kept_bad(s_kept *k)
{
    if (!k->bad)
        XML_StopParser(k->xp, XML_FALSE);
    k->bad = true;
}

/* Depth 1 is the wrapper; 2 the kept elements; 3 and 4 a header's. */
static void XMLCALL s_kept_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    s_kept *k = ud;
    unsigned d = ++k->depth;
    bool ok = d == 1;
    if (d == 2 && k->kind == VERSO_TMX_KEPT_BODY)
        ok = !strcmp(name, "note") || !strcmp(name, "prop");
    else if (d == 2) {
        ok = !strcmp(name, "header") && !k->header_seen;
        k->header_seen = true;
    } else if (d == 3 && k->kind == VERSO_TMX_KEPT_HEADER)
        ok = !strcmp(name, "note") || !strcmp(name, "prop") || !strcmp(name, "ude");
    else if (d == 4 && k->kind == VERSO_TMX_KEPT_HEADER)
        ok = !strcmp(name, "map");
    if (!ok)
        s_kept_bad(k);
}

static void XMLCALL s_kept_end(void *ud, const XML_Char *name)
{
    (void)name;
    s_kept *k = ud;
    k->depth--;
}

static void XMLCALL s_kept_text(void *ud, const XML_Char *s, int len)
{
    s_kept *k = ud;
    /* text inside note and prop only; white space between elements */
    bool leaf = k->kind == VERSO_TMX_KEPT_BODY ? k->depth == 2 : k->depth == 3;
    for (int i = 0; !leaf && i < len; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
            s_kept_bad(k);
}

static void XMLCALL s_kept_other(void *ud, const XML_Char *data)
{
    (void)data;
    s_kept_bad(ud);
}

static void XMLCALL s_kept_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target;
    s_kept_other(ud, data);
}

bool verso_tmx_kept_valid(verso_tmx_str xml, verso_tmx_kept kind)
{
    if (!xml.n)
        return true;
    if (!xml.p || xml.n < 2 || xml.n > VERSO_TMX_MAX_HEADER || xml.p[0] != '<' || xml.p[1] == '!' ||
        xml.p[1] == '?')
        return false;
    s_kept k = {XML_ParserCreate("UTF-8"), kind, 0, false, false};
    if (!k.xp)
        return false;
    XML_SetUserData(k.xp, &k);
    XML_SetElementHandler(k.xp, s_kept_start, s_kept_end);
    XML_SetCharacterDataHandler(k.xp, s_kept_text);
    XML_SetCommentHandler(k.xp, s_kept_other);
    XML_SetProcessingInstructionHandler(k.xp, s_kept_pi);
    bool ok = XML_Parse(k.xp, "<k>", 3, XML_FALSE) == XML_STATUS_OK &&
              XML_Parse(k.xp, xml.p, (int)xml.n, XML_FALSE) == XML_STATUS_OK &&
              XML_Parse(k.xp, "</k>", 4, XML_TRUE) == XML_STATUS_OK && !k.bad &&
              (kind == VERSO_TMX_KEPT_BODY || k.header_seen);
    XML_ParserFree(k.xp);
    return ok;
}

/* ---- fingerprint ----------------------------------------------------------- */

static uint64_t s_fnv(uint64_t h, verso_tmx_str s)
{
    for (size_t i = 0; i < s.n; i++)
        h = (h ^ (unsigned char)s.p[i]) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull; /* a separator no UTF-8 byte is */
}

uint64_t verso_tmx_fields_sig(verso_tmx_str note, const verso_tmx_prop *props, size_t nprops,
                              verso_tmx_str prev, verso_tmx_str next, verso_tmx_str origin)
{
    uint64_t h = s_fnv(0xcbf29ce484222325ull, note);
    for (size_t i = 0; i < nprops; i++)
        h = s_fnv(s_fnv(h, props[i].type), props[i].value);
    return s_fnv(s_fnv(s_fnv(h, prev), next), origin);
}
