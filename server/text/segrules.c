/*
 * segrules.c - reading rule files into sorted word lists; see segrules.h.
 * Lines: "[section]", "setting = value", or words separated by spaces.
 * "#" starts a comment. Words are UTF-8, at most 63 bytes.
 */
#include "segrules.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "log.h"

#define S_WORD_MAX 64

typedef struct s_words {
    char **w;
    size_t n, cap;
} s_words;

struct verso_seg_lang {
    char name[VERSO_LANG_MAX];
    s_words list[VERSO_SEG_NLISTS];
    bool ordinal_dot;
    bool colon_ends;
    const verso_seg_lang *root; /* NULL for root itself */
};

struct verso_seg_rules {
    verso_seg_lang *langs;
    size_t n;
    const verso_seg_lang *root;
};

static const char *s_sections[VERSO_SEG_NLISTS] = {
    "abbreviations", "number-abbreviations", "weak-abbreviations", "starters", "exclamations"};

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static verso_err s_add(s_words *ws, const char *w, size_t n)
{
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? ws->cap * 2 : 32;
        char **p = realloc(ws->w, cap * sizeof *p);
        if (!p)
            return VERSO_ENOMEM;
        ws->w = p;
        ws->cap = cap;
    }
    if (!(ws->w[ws->n] = strndup(w, n)))
        return VERSO_ENOMEM;
    ws->n++;
    return VERSO_OK;
}

static bool s_words_has(const s_words *ws, const char *w, size_t n)
{
    char key[S_WORD_MAX];
    if (n == 0 || n >= sizeof key)
        return false;
    memcpy(key, w, n);
    key[n] = '\0';
    const char *k = key;
    if (!ws->n)
        return false;
    return bsearch(&k, ws->w, ws->n, sizeof *ws->w, s_cmp) != NULL;
}

static int s_section(const char *name, size_t n)
{
    for (int i = 0; i < VERSO_SEG_NLISTS; i++)
        if (strlen(s_sections[i]) == n && !memcmp(s_sections[i], name, n))
            return i;
    return -1;
}

/* One line of a rule file. *section is the current list (-1: none yet). */
static verso_err s_line(verso_seg_lang *l, char *line, int *section)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    line += strspn(line, " \t\r\n");
    if (!*line)
        return VERSO_OK;
    if (*line == '[') {
        char *end = strchr(line, ']');
        if (!end || (*section = s_section(line + 1, (size_t)(end - line - 1))) < 0)
            return VERSO_EINVAL;
        return VERSO_OK;
    }
    char *eq = strchr(line, '=');
    if (eq) {
        char key[32], val[32];
        if (sscanf(line, " %31[a-z-] = %31s", key, val) != 2 ||
            (strcmp(val, "yes") && strcmp(val, "no")))
            return VERSO_EINVAL;
        if (!strcmp(key, "ordinal-dot"))
            l->ordinal_dot = !strcmp(val, "yes");
        else if (!strcmp(key, "colon-ends"))
            l->colon_ends = !strcmp(val, "yes");
        else
            return VERSO_EINVAL;
        return VERSO_OK;
    }
    if (*section < 0)
        return VERSO_EINVAL;
    for (char *w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
        size_t n = strlen(w);
        if (n >= S_WORD_MAX)
            return VERSO_EINVAL;
        verso_err err = s_add(&l->list[*section], w, n);
        if (err)
            return err;
    }
    return VERSO_OK;
}

static verso_err s_load_file(verso_seg_lang *l, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return VERSO_EIO;
    char line[4096];
    int section = -1, lineno = 0;
    verso_err err = VERSO_OK;
    while (!err && fgets(line, sizeof line, f)) {
        lineno++;
        if ((err = s_line(l, line, &section)))
            verso_log(VERSO_LOG_ERROR, "%s:%d: %s", path, lineno,
                      err == VERSO_EINVAL ? "syntax error" : verso_strerror(err));
    }
    fclose(f);
    for (int i = 0; i < VERSO_SEG_NLISTS; i++)
        if (l->list[i].n)
            qsort(l->list[i].w, l->list[i].n, sizeof *l->list[i].w, s_cmp);
    return err;
}

static void s_lang_fini(verso_seg_lang *l)
{
    for (int i = 0; i < VERSO_SEG_NLISTS; i++) {
        for (size_t j = 0; j < l->list[i].n; j++)
            free(l->list[i].w[j]);
        free(l->list[i].w);
    }
}

/* Rule file names: "<tag>.rules", tag letters, digits and "-" only. */
static bool s_rule_name(const char *fname, char *tag)
{
    size_t n = strlen(fname);
    if (n <= 6 || n - 6 >= VERSO_LANG_MAX || strcmp(fname + n - 6, ".rules"))
        return false;
    memcpy(tag, fname, n - 6);
    tag[n - 6] = '\0';
    return true;
}

static verso_err s_load_dir(verso_seg_rules *r, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        verso_log(VERSO_LOG_ERROR, "cannot open rules directory %s", dir);
        return VERSO_EIO;
    }
    verso_err err = VERSO_OK;
    struct dirent *e;
    while (!err && (e = readdir(d))) {
        char tag[VERSO_LANG_MAX], path[4096];
        if (!s_rule_name(e->d_name, tag))
            continue;
        verso_seg_lang *grown = realloc(r->langs, (r->n + 1) * sizeof *grown);
        if (!grown) {
            err = VERSO_ENOMEM;
            break;
        }
        r->langs = grown;
        verso_seg_lang *l = &r->langs[r->n++];
        memset(l, 0, sizeof *l);
        snprintf(l->name, sizeof l->name, "%s", tag);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        err = s_load_file(l, path);
    }
    closedir(d);
    return err;
}

verso_err verso_seg_rules_load(const char *dir, verso_seg_rules **out)
{
    verso_seg_rules *r = calloc(1, sizeof *r);
    if (!r)
        return VERSO_ENOMEM;
    verso_err err = s_load_dir(r, dir);
    for (size_t i = 0; !err && i < r->n; i++)
        if (!strcmp(r->langs[i].name, "root"))
            r->root = &r->langs[i];
    if (!err && !r->root) {
        verso_log(VERSO_LOG_ERROR, "no root.rules in %s", dir);
        err = VERSO_EINVAL;
    }
    for (size_t i = 0; !err && i < r->n; i++)
        r->langs[i].root = &r->langs[i] == r->root ? NULL : r->root;
    if (err)
        verso_seg_rules_destroy(&r);
    *out = r;
    return err;
}

void verso_seg_rules_destroy(verso_seg_rules **rp)
{
    verso_seg_rules *r = *rp;
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        s_lang_fini(&r->langs[i]);
    free(r->langs);
    free(r);
    *rp = NULL;
}

static const verso_seg_lang *s_named(const verso_seg_rules *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->langs[i].name, name))
            return &r->langs[i];
    return NULL;
}

const verso_seg_lang *verso_seg_rules_find(const verso_seg_rules *r, const char *canon_tag)
{
    char tag[VERSO_LANG_MAX];
    snprintf(tag, sizeof tag, "%s", canon_tag);
    /* Drop subtags from the right: "zh-Hant-TW", "zh-Hant", "zh". */
    for (;;) {
        const verso_seg_lang *l = s_named(r, tag);
        if (l)
            return l;
        char *dash = strrchr(tag, '-');
        if (!dash)
            return r->root;
        *dash = '\0';
    }
}

const char *verso_seg_lang_name(const verso_seg_lang *l)
{
    return l->name;
}

/* word with its first letter lowercased, into low; returns the length, or 0
 * when that changes nothing or does not fit. */
static size_t s_lower_first(const char *word, size_t len, char *low)
{
    int32_t i = 0, j = 0;
    UChar32 c;
    U8_NEXT_OR_FFFD((const uint8_t *)word, i, (int32_t)len, c);
    UChar32 l = u_tolower(c);
    if (l == c || len + 4 >= S_WORD_MAX)
        return 0;
    UBool bad = false;
    U8_APPEND((uint8_t *)low, j, S_WORD_MAX, l, bad);
    if (bad)
        return 0;
    memcpy(low + j, word + i, len - (size_t)i);
    return (size_t)j + len - (size_t)i;
}

bool verso_seg_lang_has(const verso_seg_lang *l, verso_seg_list which, const char *word, size_t len)
{
    for (const verso_seg_lang *x = l; x; x = x->root) {
        if (s_words_has(&x->list[which], word, len))
            return true;
        /* "Co." at a sentence start is still "co.", "Проф." still "проф.". */
        char low[S_WORD_MAX];
        size_t n = which == VERSO_SEG_STARTERS ? 0 : s_lower_first(word, len, low);
        if (n && s_words_has(&x->list[which], low, n))
            return true;
    }
    return false;
}

bool verso_seg_lang_ordinal_dot(const verso_seg_lang *l)
{
    return l->ordinal_dot;
}

bool verso_seg_lang_colon_ends(const verso_seg_lang *l)
{
    return l->colon_ends;
}
