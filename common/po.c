/* po.c - gettext PO catalogs; see po.h. One pass over the lines; an entry
 * is msgctxt? msgid msgid_plural? msgstr|msgstr[N]..., each keyword followed
 * by a quoted string and continued by lines that hold only a quoted string. */
#define _GNU_SOURCE /* memmem */
#include "po.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"

typedef enum s_field { S_NONE, S_CTXT, S_ID, S_PLURAL, S_STR, S_STR_OTHER } s_field;

typedef struct s_entry {
    verso_buf id, str;
    s_field field;
    bool fuzzy, bad, has_id, has_str;
    size_t line;
} s_entry;

/* Appends the unescaped quoted string that starts at p (after spaces). */
static const char *s_quoted(const char *p, const char *end, verso_buf *out)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p != '"')
        return "expected a quoted string";
    for (p++; p < end && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            if (++p >= end)
                return "unterminated escape";
            switch (*p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'a': c = '\a'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'v': c = '\v'; break;
            case '\\':
            case '"':
            case '\'':
            case '?': c = *p; break;
            default: return "unknown escape";
            }
        }
        if (out && verso_buf_append(out, &c, 1))
            return "string too long";
    }
    if (p >= end)
        return "unterminated string";
    for (p++; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return "text after the closing quote";
    return NULL;
}

static void s_reset(s_entry *e)
{
    verso_buf_reset(&e->id);
    verso_buf_reset(&e->str);
    e->field = S_NONE;
    e->fuzzy = e->bad = e->has_id = e->has_str = false;
}

/* Ends the current entry: passes it on, reports it, or drops it. */
static int s_finish(s_entry *e, verso_po_fn fn, verso_po_bad_fn bad, void *arg)
{
    int stop = 0;
    if (e->has_id && !e->bad && !e->has_str && bad)
        bad(arg, e->line, "msgid without msgstr");
    else if (e->has_id && !e->bad && !e->fuzzy && e->id.len && e->str.len)
        stop = fn(arg, e->id.data, e->id.len, e->str.data, e->str.len, e->line);
    s_reset(e);
    return stop;
}

static bool s_kw(const char *p, const char *end, const char *kw, const char **rest)
{
    size_t n = strlen(kw);
    if ((size_t)(end - p) < n || memcmp(p, kw, n))
        return false;
    *rest = p + n;
    return true;
}

/* One line; returns the field it starts or continues, or S_NONE with *why
 * for a malformed one. */
static s_field s_line(s_entry *e, const char *p, const char *end, const char **why)
{
    const char *rest;
    verso_buf *into = NULL;
    s_field f;
    if (*p == '"') {
        f = e->field;
        rest = p;
        if (f == S_NONE) {
            *why = "a string outside any entry";
            return S_NONE;
        }
    } else if (s_kw(p, end, "msgctxt ", &rest)) {
        f = S_CTXT;
    } else if (s_kw(p, end, "msgid_plural ", &rest)) {
        f = S_PLURAL;
    } else if (s_kw(p, end, "msgid ", &rest)) {
        f = S_ID;
    } else if (s_kw(p, end, "msgstr[0] ", &rest) || s_kw(p, end, "msgstr ", &rest)) {
        f = S_STR;
    } else if (s_kw(p, end, "msgstr[", &rest)) {
        const char *close = memchr(rest, ']', (size_t)(end - rest));
        f = S_STR_OTHER;
        rest = close ? close + 1 : end;
    } else {
        *why = "not a PO keyword";
        return S_NONE;
    }
    into = f == S_ID ? &e->id : f == S_STR ? &e->str : NULL;
    *why = s_quoted(rest, end, into);
    return *why ? S_NONE : f;
}

verso_err verso_po_each(const char *data, size_t len, verso_po_fn fn, verso_po_bad_fn bad,
                        void *arg)
{
    s_entry e;
    verso_buf_init(&e.id, (size_t)1 << 24);
    verso_buf_init(&e.str, (size_t)1 << 24);
    s_reset(&e);
    size_t lineno = 0;
    int stop = 0;
    for (const char *p = data, *end = data + len; p < end && !stop;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        while (p < le && (*p == ' ' || *p == '\t'))
            p++;
        if (p == le || (le - p == 1 && *p == '\r')) {
            stop = s_finish(&e, fn, bad, arg); /* a blank line ends an entry */
        } else if (*p == '#') {
            if (e.has_str)
                stop = s_finish(&e, fn, bad, arg);
            if (le - p > 1 && p[1] == ',' && memmem(p, (size_t)(le - p), "fuzzy", 5))
                e.fuzzy = true;
        } else {
            /* A keyword that starts a new entry ends the previous one. */
            bool starts = (s_kw(p, le, "msgid ", &(const char *){0}) ||
                           s_kw(p, le, "msgctxt ", &(const char *){0}));
            if (starts && (e.has_id || e.bad))
                stop = s_finish(&e, fn, bad, arg);
            const char *why = NULL;
            s_field f = e.bad ? S_NONE : s_line(&e, p, le, &why);
            if (why && !e.bad) {
                if (bad)
                    bad(arg, lineno, why);
                e.bad = true;
                e.has_id = true; /* report once; skip the rest of the entry */
            }
            if (f == S_ID && *p != '"') { /* the msgid keyword, not a continuation */
                e.has_id = true;
                e.line = lineno;
            }
            e.has_str |= f == S_STR || f == S_STR_OTHER;
            if (f != S_NONE)
                e.field = f;
        }
        p = nl ? nl + 1 : end;
    }
    if (!stop)
        s_finish(&e, fn, bad, arg);
    verso_buf_fini(&e.id);
    verso_buf_fini(&e.str);
    return VERSO_OK;
}
