/*
 * tmx_entry.c - a TM entry written as a TMX TU (tmx_entry.h), as `verso
 * export` and the HTTP door's download both write it: the entry's context
 * as the props "prev" and "next", its origin as x-verso-origin, and what
 * its import kept (docs/TMX.md) back where it was.
 */
#include "tmx_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of key in a [key, value] list, empty when absent; *has (may
 * be NULL) whether it is there. */
static verso_tmx_str s_kept_at(const verso_tmx_prop *kv, size_t n, const char *key, bool *has)
{
    for (size_t i = 0; i < n; i++)
        if (kv[i].type.n == strlen(key) && !memcmp(kv[i].type.p, key, kv[i].type.n)) {
            if (has)
                *has = true;
            return kv[i].value;
        }
    return (verso_tmx_str){"", 0};
}

static verso_tmx_str s_kept(const verso_tmx_prop *kv, size_t n, const char *key)
{
    return s_kept_at(kv, n, key, NULL);
}

static bool s_str_eq(verso_tmx_str a, verso_tmx_str b)
{
    return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n));
}

/* Whether a language tag as a file wrote it names lang (case, '_'). */
static bool s_same_tag(verso_tmx_str a, verso_tmx_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        char x = a.p[i] == '_' ? '-' : a.p[i], y = b.p[i] == '_' ? '-' : b.p[i];
        if ((x | 0x20) != (y | 0x20))
            return false;
    }
    return true;
}

/* An entry's TMX data kept from its import (docs/TMX.md), and what the
 * export makes of it. */
typedef struct s_keep {
    verso_tmx_prop kv[16];
    size_t n;
    bool body; /* the note and props as the file had them still hold */
} s_keep;

/* The tuv's language as the file wrote it, when it still names the entry's. */
static verso_tmx_str s_kept_lang(verso_tmx_str attrs, verso_tmx_str lang)
{
    verso_tmx_str v;
    if ((verso_tmx_attr_get(attrs, "xml:lang", &v) || verso_tmx_attr_get(attrs, "lang", &v)) &&
        s_same_tag(v, lang) && !memchr(v.p, '&', v.n))
        return v;
    return lang;
}

/* The TU's dates: a TU that came from a TMX file keeps its own
 * creationdate (the server's import time when it had none or one before
 * 1970, which the server does not store), and no changedate when it had
 * none and was not changed since (the server sets it to the creation). */
static void s_dates(const verso_tmx_entry *e, bool kept_tu, verso_tmx_str kept, verso_tmx_tu *tu)
{
    verso_tmx_str v;
    tu->created = kept_tu ? 0 : e->created;
    tu->changed = e->changed;
    if (kept_tu && !verso_tmx_attr_get(kept, "changedate", &v) && e->changed == e->created)
        tu->changed = 0;
}

/* One entry of an export page as a TU. Its context becomes the props
 * "prev" and "next" (OmegaT's), its origin the prop x-verso-origin (unless
 * it is the file it was imported from); what its import kept (tmx) goes
 * back where it was: the TU's and tuvs' other attributes, their notes and
 * props as they were while the entry's note, props, context and origin
 * still say the same. */
verso_err verso_tmx_write_entry(verso_buf *out, const verso_tmx_entry *e)
{
    char tuid[24], sig[17];
    s_keep k = {.n = 0};
    for (size_t i = 0; e->ntmx <= sizeof k.kv / sizeof *k.kv && i < e->ntmx; i++)
        k.kv[k.n++] = e->tmx[i];
    verso_tmx_prop *props = calloc(e->nprops + 4, sizeof *props); /* + prev, next, origin */
    if (!props)
        return VERSO_ENOMEM;
    if (e->nprops)
        memcpy(props, e->props, e->nprops * sizeof *props);
    verso_tmx_str src = s_kept(k.kv, k.n, "src"), tgt = s_kept(k.kv, k.n, "tgt");
    verso_tmx_tuv tuvs[2] = {{s_kept_lang(src, e->src_lang), e->src, e->src_tags, e->nsrc_tags, src,
                              s_kept(k.kv, k.n, "src_body")},
                             {s_kept_lang(tgt, e->tgt_lang), e->tgt, e->tgt_tags, e->ntgt_tags, tgt,
                              s_kept(k.kv, k.n, "tgt_body")}};
    size_t n = e->nprops;
    verso_tmx_str note = e->note, origin = e->origin, prev = e->prev, next = e->next;
    snprintf(sig, sizeof sig, "%016llx",
             (unsigned long long)verso_tmx_fields_sig(note, props, n, prev, next, origin));
    k.body = k.n && s_str_eq(s_kept(k.kv, k.n, "sig"), (verso_tmx_str){sig, 16});
    if (prev.n)
        props[n++] = (verso_tmx_prop){{"prev", 4}, prev};
    if (next.n)
        props[n++] = (verso_tmx_prop){{"next", 4}, next};
    /* the origin, unless it is the file the entry came from (an import
     * then takes the new file's name, as for any file without one) */
    if (!k.n || !s_str_eq(origin, s_kept(k.kv, k.n, "origin")))
        props[n++] = (verso_tmx_prop){{"x-verso-origin", 14}, origin};
    bool kept_tu = false; /* the entry came from a TMX file: its TU's attributes are kept */
    verso_tmx_str kept = s_kept_at(k.kv, k.n, "tu", &kept_tu);
    snprintf(tuid, sizeof tuid, "%lld", (long long)e->id);
    verso_tmx_tu tu = {.tuid =
                           kept_tu ? (verso_tmx_str){"", 0} : (verso_tmx_str){tuid, strlen(tuid)},
                       .creationid = e->author,
                       .srclang = kept_tu ? (verso_tmx_str){"", 0} : tuvs[0].lang,
                       .usage = e->usage > 0 ? (uint64_t)e->usage : 0,
                       .note = note,
                       .props = props,
                       .nprops = n,
                       .attrs = s_kept(k.kv, k.n, "tu"),
                       .body = k.body ? s_kept(k.kv, k.n, "tu_body") : (verso_tmx_str){"", 0},
                       .tuvs = tuvs,
                       .ntuvs = 2};
    s_dates(e, kept_tu, kept, &tu);
    verso_err err = verso_tmx_write_tu(out, &tu);
    free(props);
    return err;
}
