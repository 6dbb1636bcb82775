/*
 * tmx_import.c - a TMX TU read as entries (tmx_import.h): which tuv is the
 * source, which props an entry keeps, the XML its import keeps for the
 * export (docs/TMX.md), the checks, and the entry's packing.
 */
#include "tmx_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "verso/limits.h"

bool verso_tmx_lang_is(verso_tmx_str have, const char *want)
{
    size_t w = strlen(want), i = 0;
    for (; i < w && i < have.n; i++) {
        char a = have.p[i] == '_' ? '-' : have.p[i], b = want[i] == '_' ? '-' : want[i];
        if ((a | 0x20) != (b | 0x20))
            return false;
    }
    return i == w && (have.n == w || ((have.p[w] == '-' || have.p[w] == '_') &&
                                      !memchr(want, '-', w) && !memchr(want, '_', w)));
}

static bool s_same_lang(verso_tmx_str a, verso_tmx_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if ((a.p[i] | 0x20) != (b.p[i] | 0x20) && !(a.p[i] == '_' && b.p[i] == '-') &&
            !(a.p[i] == '-' && b.p[i] == '_'))
            return false;
    return true;
}

/* The source tuv: want->src, else the TU's srclang, else the header's
 * (unless "*all*"), else the first. NULL when want->src is not there. */
static const verso_tmx_tuv *s_source(const verso_tmx_tu *tu, const verso_tmx_want *want)
{
    verso_tmx_str lang = tu->srclang.n ? tu->srclang : want->srclang;
    bool all = lang.n == 5 && !memcmp(lang.p, "*all*", 5);
    for (size_t i = 0; i < tu->ntuvs; i++) {
        if (want->src ? verso_tmx_lang_is(tu->tuvs[i].lang, want->src)
                      : lang.n && !all && s_same_lang(tu->tuvs[i].lang, lang))
            return &tu->tuvs[i];
    }
    return want->src || !tu->ntuvs ? NULL : &tu->tuvs[0];
}

static bool s_prop_is(const verso_tmx_prop *p, const char *type)
{
    return p->type.n == strlen(type) && !memcmp(p->type.p, type, p->type.n);
}

/* The props an entry keeps as props: not its origin nor its context. */
static bool s_is_plain(const verso_tmx_prop *p)
{
    return !s_prop_is(p, VERSO_TMX_ORIGIN_PROP) && !s_prop_is(p, "prev") && !s_prop_is(p, "next");
}

/* The "tmx" list of an entry (docs/TMX.md) into kv (room for 8): the TU's
 * and the two tuvs' kept attributes and note/prop elements, the origin the
 * import gave, and the fingerprint (sig, 17 bytes) of the fields those
 * elements fed. Returns the number of pairs. */
static size_t s_kept(const verso_tmx_tu *tu, const verso_tmx_tuv *s, const verso_tmx_tuv *t,
                     const verso_tmx_entry *e, char sig[17], verso_tmx_prop kv[8])
{
    snprintf(sig, 17, "%016llx",
             (unsigned long long)verso_tmx_fields_sig(e->note, e->props, e->nprops, e->prev,
                                                      e->next, e->origin));
    struct {
        const char *key;
        verso_tmx_str v;
    } items[] = {{"tu", tu->attrs},     {"tu_body", tu->body}, {"src", s->attrs},
                 {"src_body", s->body}, {"tgt", t->attrs},     {"tgt_body", t->body},
                 {"origin", e->origin}, {"sig", {sig, 16}}};
    /* within the server's limit on the list (each item: 4 + its bytes): the
     * bodies go first, then the attributes; the fields keep what they hold */
    size_t total = 0, n = 0;
    for (size_t i = 0; i < 8; i++)
        total += 8 + strlen(items[i].key) + items[i].v.n;
    for (size_t i = 1; i < 6 && total > VERSO_SEGMENT_MAX_BYTES; i += 2)
        total -= items[i].v.n, items[i].v.n = 0;
    for (size_t i = 0; i < 6 && total > VERSO_SEGMENT_MAX_BYTES; i += 2)
        total -= items[i].v.n, items[i].v.n = 0;
    for (size_t i = 0; i < 8; i++) /* "tu" always, even empty: the TU came from a file */
        if (!i || items[i].v.n)
            kv[n++] = (verso_tmx_prop){{items[i].key, strlen(items[i].key)}, items[i].v};
    return n;
}

/* The fields every entry of tu shares: note, author, dates, usage,
 * context, origin and plain props (into plain, room for tu->nprops). */
static void s_shared(const verso_tmx_tu *tu, const verso_tmx_want *want, verso_tmx_prop *plain,
                     verso_tmx_entry *e)
{
    *e = (verso_tmx_entry){.note = tu->note, .author = tu->creationid, .origin = want->origin};
    bool has_origin = false;
    for (size_t k = 0; k < tu->nprops; k++) {
        const verso_tmx_prop *p = &tu->props[k];
        if (s_prop_is(p, VERSO_TMX_ORIGIN_PROP) && !has_origin) {
            e->origin = p->value;
            has_origin = true;
        } else if (s_prop_is(p, "prev") && !e->prev.n && p->value.n <= VERSO_SEGMENT_MAX_BYTES) {
            e->prev = p->value;
        } else if (s_prop_is(p, "next") && !e->next.n && p->value.n <= VERSO_SEGMENT_MAX_BYTES) {
            e->next = p->value;
        }
        if (s_is_plain(p))
            plain[e->nprops++] = *p;
    }
    if (!e->origin.p) /* present, even empty */
        e->origin.p = "";
    e->props = plain;
    /* only what the server takes: dates after 1970, counts of int64 */
    e->created = tu->created > 0 ? tu->created : 0;
    e->changed = tu->changed > 0 ? tu->changed : 0;
    e->usage = tu->usage > INT64_MAX ? INT64_MAX : (int64_t)tu->usage;
}

int verso_tmx_tu_entries(const verso_tmx_tu *tu, const verso_tmx_want *want,
                         const verso_tmx_sink *sink)
{
    if (tu->problem)
        return sink->reject(sink->arg, tu->line, tu->problem);
    const verso_tmx_tuv *src = s_source(tu, want);
    verso_tmx_prop *plain = calloc(tu->nprops + 1, sizeof *plain), kv[8];
    if (!plain)
        return -1;
    verso_tmx_entry e;
    s_shared(tu, want, plain, &e);
    char sig[17];
    e.tmx = kv;
    size_t targets = 0;
    int rc = 0;
    for (size_t i = 0; src && i < tu->ntuvs && !rc; i++) {
        const verso_tmx_tuv *t = &tu->tuvs[i];
        if (t == src || (want->tgt && !verso_tmx_lang_is(t->lang, want->tgt)))
            continue; /* every other tuv, even of the same language (en -> en-US style) */
        targets++;
        e.src_lang = src->lang;
        e.tgt_lang = t->lang;
        e.src = src->text;
        e.tgt = t->text;
        e.src_tags = src->tags;
        e.nsrc_tags = src->ntags;
        e.tgt_tags = t->tags;
        e.ntgt_tags = t->ntags;
        e.ntmx = s_kept(tu, src, t, &e, sig, kv);
        rc = sink->entry(sink->arg, &e, tu->line);
    }
    free(plain);
    if (!rc && (!src || !targets))
        rc = sink->reject(sink->arg, tu->line, src ? "no target tuv" : "no source tuv");
    return rc;
}

const char *verso_tmx_entry_problem(const verso_tmx_entry *e)
{
    size_t k;
    if (!e->src.n || !e->tgt.n)
        return e->src.n ? "empty target" : "empty source";
    if (!verso_utf8_valid(e->src.p, e->src.n, NULL) || !verso_utf8_valid(e->tgt.p, e->tgt.n, NULL))
        return "not valid UTF-8";
    if (e->src.n > VERSO_SEGMENT_MAX_BYTES || e->tgt.n > VERSO_SEGMENT_MAX_BYTES)
        return "a text over 262,144 bytes (the limit of an entry's text)";
    if (verso_tmx_marks_check(e->src.p, e->src.n, e->nsrc_tags, &k) ||
        verso_tmx_marks_check(e->tgt.p, e->tgt.n, e->ntgt_tags, &k))
        return "a character U+F0000..U+FFFFD that is not one of its tags";
    return NULL;
}

static void s_kv(verso_pack *p, const char *key, verso_tmx_str s)
{
    verso_pack_kv_strn(p, key, s.p ? s.p : "", s.n);
}

static void s_strs(verso_pack *p, const char *key, const verso_tmx_str *v, size_t n)
{
    verso_pack_str(p, key);
    verso_pack_array(p, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        verso_pack_strn(p, v[i].p ? v[i].p : "", v[i].n);
}

static void s_pairs(verso_pack *p, const char *key, const verso_tmx_prop *v, size_t n)
{
    verso_pack_str(p, key);
    verso_pack_array(p, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        verso_pack_array(p, 2);
        verso_pack_strn(p, v[i].type.p ? v[i].type.p : "", v[i].type.n);
        verso_pack_strn(p, v[i].value.p ? v[i].value.p : "", v[i].value.n);
    }
}

verso_err verso_tmx_entry_pack(verso_pack *p, const verso_tmx_entry *e)
{
    struct {
        const char *key;
        verso_tmx_str v;
    } opt[] = {{"prev", e->prev}, {"next", e->next}, {"author", e->author}, {"note", e->note}};
    bool lists[] = {e->nsrc_tags > 0, e->ntgt_tags > 0, e->nprops > 0, e->ntmx > 0};
    int64_t ints[] = {e->created, e->changed, e->usage};
    uint32_t n = 3; /* src, tgt, origin */
    for (size_t i = 0; i < 4; i++)
        n += (opt[i].v.n > 0) + lists[i];
    for (size_t i = 0; i < 3; i++)
        n += ints[i] != 0;
    if (e->nsrc_tags > UINT32_MAX || e->ntgt_tags > UINT32_MAX || e->nprops > UINT32_MAX ||
        e->ntmx > UINT32_MAX)
        return verso_pack_fail(p, VERSO_EINVAL);
    verso_pack_map(p, n);
    s_kv(p, "src", e->src);
    s_kv(p, "tgt", e->tgt);
    s_kv(p, "origin", e->origin);
    for (size_t i = 0; i < 4; i++)
        if (opt[i].v.n)
            s_kv(p, opt[i].key, opt[i].v);
    if (lists[0])
        s_strs(p, "src_tags", e->src_tags, e->nsrc_tags);
    if (lists[1])
        s_strs(p, "tgt_tags", e->tgt_tags, e->ntgt_tags);
    if (lists[2])
        s_pairs(p, "props", e->props, e->nprops);
    if (lists[3])
        s_pairs(p, "tmx", e->tmx, e->ntmx);
    const char *names[] = {"created", "changed", "usage"};
    for (size_t i = 0; i < 3; i++)
        if (ints[i])
            verso_pack_kv_int(p, names[i], ints[i]);
    return verso_pack_err(p);
}
