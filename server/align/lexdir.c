/*
 * lexdir.c - a small array of (name, lexicon), filled from a directory.
 */
#include "lexdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lang.h"
#include "log.h"

#define S_NAME_MAX 16 /* "xxx-yyy" and room */

typedef struct s_entry {
    char a[8], b[8], name[S_NAME_MAX];
    verso_lexicon *lex;
} s_entry;

struct verso_lexdir {
    s_entry *e;
    size_t n, cap;
};

/* "de-fr.tsv" -> a = "de", b = "fr"; false for any other name. */
static bool s_parse_name(const char *file, s_entry *e)
{
    size_t n = strlen(file), k = 0;
    if (n < 9 || n > 11 || strcmp(file + n - 4, ".tsv") != 0)
        return false;
    char *out = e->a;
    for (size_t i = 0; i + 4 < n; i++) {
        char c = file[i];
        if (c == '-' && out == e->a && k >= 2) {
            out[k] = '\0';
            out = e->b;
            k = 0;
        } else if (c >= 'a' && c <= 'z' && k < 3) {
            out[k++] = c;
        } else {
            return false;
        }
    }
    out[k] = '\0';
    if (out != e->b || k < 2)
        return false;
    snprintf(e->name, sizeof e->name, "%s-%s", e->a, e->b);
    return true;
}

static verso_err s_load_one(verso_lexdir *d, const char *dir, const s_entry *proto)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tsv", dir, proto->name);
    s_entry e = *proto;
    size_t added = 0, skipped = 0;
    verso_err err = verso_lexicon_new(&e.lex);
    if (!err)
        err = verso_lexicon_load(e.lex, path, &added, &skipped);
    if (err) {
        verso_lexicon_destroy(&e.lex);
        if (err == VERSO_ENOMEM)
            return err;
        verso_log(VERSO_LOG_WARN, "word list %s skipped: %s", path, verso_strerror(err));
        return VERSO_OK;
    }
    if (verso_array_grow(&d->e, &d->cap, d->n + 1, sizeof *d->e)) {
        verso_lexicon_destroy(&e.lex);
        return VERSO_ENOMEM;
    }
    d->e[d->n++] = e;
    verso_log(VERSO_LOG_INFO, "word list %s: %zu pairs (%zu lines skipped)", e.name,
              verso_lexicon_size(e.lex), skipped);
    return VERSO_OK;
}

verso_err verso_lexdir_load(const char *dir, verso_lexdir **out)
{
    verso_lexdir *d = calloc(1, sizeof *d);
    if (!d)
        return VERSO_ENOMEM;
    DIR *dh = dir ? opendir(dir) : NULL;
    if (!dh) {
        if (dir && errno != ENOENT) {
            free(d);
            return VERSO_EIO;
        }
        *out = d;
        return VERSO_OK;
    }
    verso_err err = VERSO_OK;
    struct dirent *de;
    while (!err && (de = readdir(dh)) != NULL) {
        s_entry e;
        if (s_parse_name(de->d_name, &e))
            err = s_load_one(d, dir, &e);
    }
    closedir(dh);
    if (err) {
        verso_lexdir_destroy(&d);
        return err;
    }
    *out = d;
    return VERSO_OK;
}

void verso_lexdir_destroy(verso_lexdir **pd)
{
    verso_lexdir *d = pd ? *pd : NULL;
    if (!d)
        return;
    for (size_t k = 0; k < d->n; k++)
        verso_lexicon_destroy(&d->e[k].lex);
    free(d->e);
    free(d);
    *pd = NULL;
}

const verso_lexicon *verso_lexdir_find(const verso_lexdir *d, const char *src, const char *tgt,
                                       bool *reversed, const char **name)
{
    if (!d || !src || !tgt)
        return NULL;
    char s[VERSO_LANG_MAX], t[VERSO_LANG_MAX];
    verso_lang_base(src, s);
    verso_lang_base(tgt, t);
    for (size_t k = 0; k < d->n; k++) {
        const s_entry *e = &d->e[k];
        bool fwd = !strcmp(e->a, s) && !strcmp(e->b, t);
        if (fwd || (!strcmp(e->a, t) && !strcmp(e->b, s))) {
            if (reversed)
                *reversed = !fwd;
            if (name)
                *name = e->name;
            return e->lex;
        }
    }
    return NULL;
}

size_t verso_lexdir_count(const verso_lexdir *d)
{
    return d ? d->n : 0;
}
