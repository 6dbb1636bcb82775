/*
 * srx.c - SRX 2.0 rule sets: the file read with expat into language rules
 * (each a list of rules: break or not, a <beforebreak> and an <afterbreak>
 * regular expression) and language maps (a pattern on the language code,
 * the name of a language rule); each rule compiled once by ICU as
 * "(?:BEFORE)(?=AFTER)", whose matches end where the rule applies. The
 * matching side (per thread: clones of the compiled patterns) is at the
 * end of the file. See srx.h and docs/SEGMENTATION.md.
 */
#include "srx.h"

#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uregex.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "buf.h"

#define S_TIME_LIMIT 2000 /* ICU's match steps one search may take (about 0.3 s here) */

typedef struct s_rule {
    bool brk;
    URegularExpression *re; /* (?:before)(?=after), compiled */
} s_rule;

typedef struct s_langrule {
    char *name;
    size_t first, n; /* its rules: rules[first .. first + n) */
} s_langrule;

typedef struct s_map {
    URegularExpression *pattern; /* on the language code, case-insensitive, whole */
    size_t langrule;             /* index into langrules */
} s_map;

struct verso_srx {
    char name[65];
    bool cascade, subflows;
    s_rule *rules;
    size_t nrules, caprules;
    s_langrule *lrs;
    size_t nlrs, caplrs;
    s_map *maps;
    size_t nmaps, capmaps;
};

/* ---- reading --------------------------------------------------------------- */

/* The parse: where in the document we are and what the current rule has. */
typedef struct s_parse {
    verso_srx *x;
    XML_Parser xp;
    char why[256];
    bool failed, in_lr, in_rule, seen_srx;
    int text;         /* 1 inside <beforebreak>, 2 inside <afterbreak>, else 0 */
    verso_buf pat[2]; /* the current rule's two patterns */
    bool brk;         /* the current rule's break attribute */
    char **mapnames;  /* each map's languagerulename, resolved at the end */
} s_parse;

static void s_fail(s_parse *p, const char *fmt, const char *arg)
{
    if (p->failed)
        return;
    p->failed = true;
    int n = snprintf(p->why, sizeof p->why,
                     "line %lu: ", (unsigned long)XML_GetCurrentLineNumber(p->xp));
    snprintf(p->why + n, sizeof p->why - (size_t)n, fmt, arg ? arg : "");
    XML_StopParser(p->xp, XML_FALSE);
}

/* The local part of an element name ("http://www.lisa.org/srx20|rule" ->
 * "rule"): the parser separates namespaces with '|'. */
static const char *s_local(const XML_Char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static const char *s_att(const XML_Char **atts, const char *name)
{
    for (size_t k = 0; atts[k]; k += 2)
        if (!strcmp(s_local(atts[k]), name))
            return atts[k + 1];
    return NULL;
}

/* Compiles a UTF-8 pattern; NULL with *why on error. */
static URegularExpression *s_compile(const char *pat, size_t n, uint32_t flags, char *why,
                                     size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe = {0};
    int32_t ulen = 0;
    URegularExpression *re = NULL;
    UChar *u = malloc((n + 1) * sizeof *u);
    if (!u) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    u_strFromUTF8(u, (int32_t)n + 1, &ulen, pat, (int32_t)n, &st);
    re = U_SUCCESS(st) ? uregex_open(u, ulen, flags, &pe, &st) : NULL;
    free(u);
    if (U_FAILURE(st)) {
        snprintf(why, cap, "regular expression /%.*s/: %s at offset %d", (int)(n > 80 ? 80 : n),
                 pat, u_errorName(st), pe.offset);
        uregex_close(re);
        return NULL;
    }
    return re;
}

static void s_rule_end(s_parse *p)
{
    verso_srx *x = p->x;
    verso_buf all;
    verso_buf_init(&all, VERSO_SRX_MAX_PATTERN * 2 + 16);
    bool ok = !verso_buf_append(&all, "(?:", 3) &&
              !verso_buf_append(&all, p->pat[0].data, p->pat[0].len) &&
              !verso_buf_append(&all, ")(?=", 4) &&
              !verso_buf_append(&all, p->pat[1].data, p->pat[1].len) &&
              !verso_buf_append(&all, ")", 1);
    char why[200];
    URegularExpression *re = ok ? s_compile(all.data, all.len, 0, why, sizeof why) : NULL;
    verso_buf_fini(&all);
    if (!ok)
        return s_fail(p, "out of memory", NULL);
    if (!re)
        return s_fail(p, "%s", why);
    if (x->nrules >= VERSO_SRX_MAX_RULES ||
        verso_array_grow(&x->rules, &x->caprules, x->nrules + 1, sizeof *x->rules)) {
        uregex_close(re);
        return s_fail(p, "more than %s rules, or out of memory", "20000");
    }
    x->rules[x->nrules++] = (s_rule){p->brk, re};
    x->lrs[x->nlrs - 1].n++;
}

static void s_langrule_start(s_parse *p, const XML_Char **atts)
{
    verso_srx *x = p->x;
    const char *name = s_att(atts, "languagerulename");
    if (!name)
        return s_fail(p, "<languagerule> without languagerulename", NULL);
    if (strlen(name) > VERSO_SRX_MAX_NAME)
        return s_fail(p, "a languagerulename over %s bytes", "64");
    if (verso_array_grow(&x->lrs, &x->caplrs, x->nlrs + 1, sizeof *x->lrs) ||
        !(x->lrs[x->nlrs].name = strdup(name)))
        return s_fail(p, "out of memory", NULL);
    x->lrs[x->nlrs].first = x->nrules;
    x->lrs[x->nlrs].n = 0;
    x->nlrs++;
    p->in_lr = true;
}

static void s_map_start(s_parse *p, const XML_Char **atts)
{
    verso_srx *x = p->x;
    const char *pat = s_att(atts, "languagepattern"), *name = s_att(atts, "languagerulename");
    char why[200];
    if (!pat || !name)
        return s_fail(p, "<languagemap> without languagepattern or languagerulename", NULL);
    URegularExpression *re = s_compile(pat, strlen(pat), UREGEX_CASE_INSENSITIVE, why, sizeof why);
    if (!re)
        return s_fail(p, "%s", why);
    size_t cap = x->capmaps;
    if (verso_array_grow(&x->maps, &x->capmaps, x->nmaps + 1, sizeof *x->maps) ||
        (x->capmaps != cap &&
         !(p->mapnames = realloc(p->mapnames, x->capmaps * sizeof *p->mapnames))) ||
        !(p->mapnames[x->nmaps] = strdup(name))) {
        uregex_close(re);
        return s_fail(p, "out of memory", NULL);
    }
    x->maps[x->nmaps++] = (s_map){re, 0};
}

static bool s_yes(const char *v, bool dflt)
{
    return v ? !strcmp(v, "yes") : dflt;
}

static void XMLCALL s_start(void *ud, const XML_Char *qname, const XML_Char **atts)
{
    s_parse *p = ud;
    const char *name = s_local(qname);
    if (p->failed)
        return;
    if (!strcmp(name, "srx")) {
        const char *v = s_att(atts, "version");
        if (!v || strcmp(v, "2.0"))
            return s_fail(p, "not SRX 2.0 (version \"%s\")", v ? v : "");
        p->seen_srx = true;
    } else if (!p->seen_srx) {
        return s_fail(p, "the root element is <%s>, not <srx>", name);
    } else if (!strcmp(name, "header")) {
        /* cascade is required by SRX 2.0; OmegaT's files omit it and cascade */
        p->x->cascade = s_yes(s_att(atts, "cascade"), true);
        p->x->subflows = s_yes(s_att(atts, "segmentsubflows"), true);
    } else if (!strcmp(name, "languagerule")) {
        s_langrule_start(p, atts);
    } else if (!strcmp(name, "rule") && p->in_lr) {
        p->in_rule = true;
        p->brk = s_yes(s_att(atts, "break"), true);
        p->pat[0].len = p->pat[1].len = 0;
    } else if (p->in_rule && (!strcmp(name, "beforebreak") || !strcmp(name, "afterbreak"))) {
        p->text = name[0] == 'b' ? 1 : 2;
    } else if (!strcmp(name, "languagemap")) {
        s_map_start(p, atts);
    }
}

static void XMLCALL s_end(void *ud, const XML_Char *qname)
{
    s_parse *p = ud;
    const char *name = s_local(qname);
    if (p->failed)
        return;
    if (!strcmp(name, "beforebreak") || !strcmp(name, "afterbreak"))
        p->text = 0;
    else if (!strcmp(name, "rule") && p->in_rule)
        p->in_rule = false, s_rule_end(p);
    else if (!strcmp(name, "languagerule"))
        p->in_lr = false;
}

static void XMLCALL s_chars(void *ud, const XML_Char *s, int len)
{
    s_parse *p = ud;
    if (!p->text || p->failed)
        return;
    verso_buf *b = &p->pat[p->text - 1];
    if (b->len + (size_t)len > VERSO_SRX_MAX_PATTERN)
        return s_fail(p, "a pattern over %s bytes", "8192");
    if (verso_buf_append(b, s, (size_t)len))
        s_fail(p, "out of memory", NULL);
}

/* Resolves each map's languagerulename to its language rule. */
static void s_resolve(s_parse *p)
{
    verso_srx *x = p->x;
    for (size_t m = 0; m < x->nmaps && !p->failed; m++) {
        size_t k = 0;
        while (k < x->nlrs && strcmp(x->lrs[k].name, p->mapnames[m]))
            k++;
        if (k == x->nlrs) {
            snprintf(p->why, sizeof p->why,
                     "<languagemap> names \"%.64s\", which no <languagerule> has", p->mapnames[m]);
            p->failed = true;
        }
        x->maps[m].langrule = k;
    }
}

static verso_err s_parse_all(s_parse *p, const char *data, size_t len)
{
    if (len > VERSO_SRX_MAX_BYTES) {
        snprintf(p->why, sizeof p->why, "larger than %u bytes", VERSO_SRX_MAX_BYTES);
        return VERSO_EINVAL;
    }
    if (XML_Parse(p->xp, data, (int)len, 1) == XML_STATUS_ERROR) {
        if (!p->failed)
            snprintf(p->why, sizeof p->why, "line %lu: %s",
                     (unsigned long)XML_GetCurrentLineNumber(p->xp),
                     XML_ErrorString(XML_GetErrorCode(p->xp)));
        return VERSO_EINVAL;
    }
    if (!p->seen_srx) {
        snprintf(p->why, sizeof p->why, "no <srx> element");
        return VERSO_EINVAL;
    }
    s_resolve(p);
    return p->failed ? VERSO_EINVAL : VERSO_OK;
}

static bool s_good_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(name[i] == '.' || name[i] == '_' || name[i] == '-' ||
              (name[i] >= '0' && name[i] <= '9') ||
              ((name[i] | 32) >= 'a' && (name[i] | 32) <= 'z')))
            return false;
    return true;
}

verso_err verso_srx_parse(const char *data, size_t len, const char *name, verso_srx **out,
                          const char **why)
{
    static _Thread_local char msg[300];
    s_parse p = {0};
    verso_err e = VERSO_ENOMEM;
    msg[0] = '\0';
    if (why)
        *why = msg;
    if (!s_good_name(name)) {
        snprintf(msg, sizeof msg, "bad rule set name \"%.64s\"", name);
        return VERSO_EINVAL;
    }
    verso_buf_init(&p.pat[0], VERSO_SRX_MAX_PATTERN + 1);
    verso_buf_init(&p.pat[1], VERSO_SRX_MAX_PATTERN + 1);
    if ((p.x = calloc(1, sizeof *p.x)) && (p.xp = XML_ParserCreateNS(NULL, '|'))) {
        snprintf(p.x->name, sizeof p.x->name, "%s", name);
        p.x->cascade = p.x->subflows = true;
        XML_SetUserData(p.xp, &p);
        XML_SetElementHandler(p.xp, s_start, s_end);
        XML_SetCharacterDataHandler(p.xp, s_chars);
        e = s_parse_all(&p, data, len);
    }
    for (size_t m = 0; p.mapnames && p.x && m < p.x->nmaps; m++)
        free(p.mapnames[m]);
    free(p.mapnames);
    if (p.xp)
        XML_ParserFree(p.xp);
    verso_buf_fini(&p.pat[0]);
    verso_buf_fini(&p.pat[1]);
    if (e) {
        snprintf(msg, sizeof msg, "%s", p.why[0] ? p.why : "out of memory");
        verso_srx_destroy(&p.x);
        return e;
    }
    *out = p.x;
    return VERSO_OK;
}

verso_err verso_srx_load(const char *path, const char *name, verso_srx **out, const char **why)
{
    static _Thread_local char msg[300];
    verso_buf b;
    char chunk[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (why)
        *why = msg;
    if (!f) {
        snprintf(msg, sizeof msg, "%s", strerror(errno));
        return VERSO_EIO;
    }
    verso_buf_init(&b, VERSO_SRX_MAX_BYTES + 1);
    verso_err e = VERSO_OK;
    while (!e && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        e = verso_buf_append(&b, chunk, n);
    if (!e && ferror(f))
        e = VERSO_EIO;
    fclose(f);
    if (e) {
        snprintf(msg, sizeof msg, "%s", e == VERSO_EIO ? strerror(errno) : "larger than 16 MiB");
        verso_buf_fini(&b);
        return e == VERSO_EIO ? e : VERSO_EINVAL;
    }
    e = verso_srx_parse(b.data ? b.data : "", b.len, name, out, why);
    verso_buf_fini(&b);
    return e;
}

void verso_srx_destroy(verso_srx **px)
{
    verso_srx *x = px ? *px : NULL;
    if (!x)
        return;
    for (size_t k = 0; k < x->nrules; k++)
        uregex_close(x->rules[k].re);
    for (size_t k = 0; k < x->nlrs; k++)
        free(x->lrs[k].name);
    for (size_t k = 0; k < x->nmaps; k++)
        uregex_close(x->maps[k].pattern);
    free(x->rules);
    free(x->lrs);
    free(x->maps);
    free(x);
    *px = NULL;
}

const char *verso_srx_name(const verso_srx *x)
{
    return x->name;
}

/* ---- which rules apply --------------------------------------------------------- */

/* Whether map m's pattern matches the whole of lang (on a clone of it:
 * the compiled pattern is shared). */
static bool s_map_matches(const s_map *m, const char *lang)
{
    UErrorCode st = U_ZERO_ERROR;
    URegularExpression *re = uregex_clone(m->pattern, &st);
    UText *ut = utext_openUTF8(NULL, lang, -1, &st);
    uregex_setUText(re, ut, &st);
    bool yes = U_SUCCESS(st) && uregex_matches(re, 0, &st) && U_SUCCESS(st);
    uregex_close(re);
    utext_close(ut);
    return yes;
}

/* The language rules that apply to lang, in order, into out[0..cap); their
 * number (all matching maps when cascading, else the first). */
static size_t s_applying(const verso_srx *x, const char *lang, size_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t m = 0; m < x->nmaps && n < cap; m++) {
        if (!s_map_matches(&x->maps[m], lang))
            continue;
        out[n++] = x->maps[m].langrule;
        if (!x->cascade)
            break;
    }
    return n;
}

#define S_MAX_APPLY 64 /* language rules that may apply to one language */

size_t verso_srx_describe(const verso_srx *x, const char *lang, char *buf, size_t cap)
{
    size_t lr[S_MAX_APPLY], n = s_applying(x, lang, lr, S_MAX_APPLY), len = 0;
    if (cap)
        buf[0] = '\0';
    for (size_t k = 0; k < n; k++) { /* whole names only: never a character cut */
        size_t w = strlen(x->lrs[lr[k]].name) + (k > 0);
        if (len + w + 1 > cap)
            break;
        snprintf(buf + len, cap - len, "%s%s", k ? "+" : "", x->lrs[lr[k]].name);
        len += w;
    }
    return n;
}

/* ---- cutting (per thread) -------------------------------------------------- */

/* The language rules of one language, cached by tag. */
typedef struct s_langcache {
    char lang[64];
    size_t lr[S_MAX_APPLY], n;
} s_langcache;

#define S_LANGS 8

struct verso_srx_cutter {
    const verso_srx *x;
    URegularExpression **re; /* a clone of each rule, made on first use */
    s_langcache langs[S_LANGS];
    unsigned next;
    unsigned char *dec; /* per byte of the range: 0 undecided, 1 no break, 2 break */
    size_t capdec;
    verso_work *work; /* the current call's meter */
};

verso_err verso_srx_cutter_new(const verso_srx *x, verso_srx_cutter **out)
{
    verso_srx_cutter *c = calloc(1, sizeof *c);
    if (!c || !(c->re = calloc(x->nrules + 1, sizeof *c->re))) {
        free(c);
        return VERSO_ENOMEM;
    }
    c->x = x;
    *out = c;
    return VERSO_OK;
}

void verso_srx_cutter_destroy(verso_srx_cutter **pc)
{
    verso_srx_cutter *c = pc ? *pc : NULL;
    if (!c)
        return;
    for (size_t k = 0; k < c->x->nrules; k++)
        uregex_close(c->re[k]);
    free(c->re);
    free(c->dec);
    free(c);
    *pc = NULL;
}

const verso_srx *verso_srx_cutter_srx(const verso_srx_cutter *c)
{
    return c->x;
}

static const s_langcache *s_lang(verso_srx_cutter *c, const char *lang)
{
    for (unsigned k = 0; k < S_LANGS; k++)
        if (c->langs[k].lang[0] && !strcmp(c->langs[k].lang, lang))
            return &c->langs[k];
    s_langcache *l = &c->langs[c->next++ % S_LANGS];
    snprintf(l->lang, sizeof l->lang, "%s", lang);
    l->n = s_applying(c->x, lang, l->lr, S_MAX_APPLY);
    return l;
}

/* ICU calls this during long matches: false stops the match. */
static UBool U_CALLCONV s_keep_going(const void *ctx, int32_t steps)
{
    (void)steps;
    const verso_srx_cutter *c = ctx;
    return verso_work_check(c->work) == VERSO_OK;
}

static URegularExpression *s_rule_re(verso_srx_cutter *c, size_t k)
{
    if (!c->re[k]) {
        UErrorCode st = U_ZERO_ERROR;
        c->re[k] = uregex_clone(c->x->rules[k].re, &st);
        uregex_setTimeLimit(c->re[k], S_TIME_LIMIT, &st);
        uregex_setMatchCallback(c->re[k], s_keep_going, c, &st);
        if (U_FAILURE(st)) {
            uregex_close(c->re[k]);
            c->re[k] = NULL;
        }
    }
    return c->re[k];
}

/* Records every position in (a, b) where rule k applies and no earlier
 * rule did: c->dec[p - a]. Each search starts where the last match ended
 * (a character on after an empty one) and is given its own time limit:
 * ICU counts the limit from the region's setting, so one long paragraph
 * of ordinary matches used to exhaust it. */
static verso_err s_apply(verso_srx_cutter *c, size_t k, UText *ut, const char *text, size_t a,
                         size_t b)
{
    UErrorCode st = U_ZERO_ERROR;
    URegularExpression *re = s_rule_re(c, k);
    if (!re)
        return VERSO_ENOMEM;
    uregex_setUText(re, ut, &st);
    uregex_setRegion64(re, (int64_t)a, (int64_t)b, &st);
    while (U_SUCCESS(st) && uregex_findNext(re, &st)) {
        int64_t s0 = uregex_start64(re, 0, &st), e = uregex_end64(re, 0, &st);
        if (U_FAILURE(st))
            break;
        if (e > (int64_t)a && e < (int64_t)b && !c->dec[e - (int64_t)a])
            c->dec[e - (int64_t)a] = c->x->rules[k].brk ? 2 : 1;
        verso_work_add(c->work, 1);
        size_t next = (size_t)e;
        if (e == s0) { /* an empty match: on by one character */
            int32_t i = 0, n = (int32_t)(b - next);
            if (n <= 0)
                break;
            U8_FWD_1((const uint8_t *)text + next, i, n);
            next += (size_t)i;
        }
        if (next >= b)
            break;
        uregex_setRegionAndStart(re, (int64_t)a, (int64_t)b, (int64_t)next, &st);
    }
    if (st == U_REGEX_STOPPED_BY_CALLER) {
        verso_err e = verso_work_check(c->work);
        return e ? e : VERSO_EINTERNAL;
    }
    return U_FAILURE(st) ? VERSO_EINTERNAL : VERSO_OK;
}

verso_err verso_srx_cut(verso_srx_cutter *c, const char *lang, const char *text, size_t len,
                        size_t a, size_t b, size_t **pos, size_t *n, size_t *cap, verso_work *w)
{
    *n = 0;
    if (a >= b || b > len || len > INT32_MAX)
        return a >= b ? VERSO_OK : VERSO_EINVAL;
    if (verso_array_grow(&c->dec, &c->capdec, b - a + 1, 1))
        return VERSO_ENOMEM;
    memset(c->dec, 0, b - a + 1);
    const s_langcache *l = s_lang(c, lang);
    UErrorCode st = U_ZERO_ERROR;
    UText *ut = utext_openUTF8(NULL, text, (int64_t)len, &st);
    if (U_FAILURE(st))
        return VERSO_EINTERNAL;
    c->work = w;
    verso_err e = VERSO_OK;
    for (size_t r = 0; r < l->n && !e; r++) {
        const s_langrule *lr = &c->x->lrs[l->lr[r]];
        for (size_t k = lr->first; k < lr->first + lr->n && !e; k++)
            if (!(e = s_apply(c, k, ut, text, a, b)))
                e = verso_work_tick(w, 1 + (b - a) / 64);
    }
    utext_close(ut);
    c->work = NULL;
    for (size_t p = a + 1; p < b && !e; p++) {
        if (c->dec[p - a] != 2)
            continue;
        if (verso_array_grow(pos, cap, *n + 1, sizeof **pos))
            return VERSO_ENOMEM;
        (*pos)[(*n)++] = p;
    }
    return e;
}
