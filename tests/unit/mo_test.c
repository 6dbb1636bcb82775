/* mo_test.c - MO catalogs: a real one of this machine if any, built ones in
 * both byte orders, contexts and plurals, and lying tables. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "mo.h"

typedef struct s_got {
    char text[1024];
    int n;
} s_got;

static int s_collect(void *arg, const char *src, size_t sn, const char *tgt, size_t tn)
{
    s_got *g = arg;
    size_t len = strlen(g->text);
    snprintf(g->text + len, sizeof g->text - len, "%.*s=%.*s|", (int)sn, src, (int)tn, tgt);
    g->n++;
    return 0;
}

static void s_put(unsigned char *p, uint32_t v, int be)
{
    for (int i = 0; i < 4; i++)
        p[be ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

/* Builds a catalog of n (msgid, msgstr) pairs, ids and strs given with
 * explicit lengths (they may hold NUL and \x04). */
static size_t s_build(unsigned char *out, int be, int n, const char *const *ids, const size_t *idl,
                      const char *const *strs, const size_t *strl)
{
    size_t orig = 28, trans = orig + 8u * (size_t)n, at = trans + 8u * (size_t)n;
    memset(out, 0, at);
    s_put(out, 0x950412de, be);
    s_put(out + 8, (uint32_t)n, be);
    s_put(out + 12, (uint32_t)orig, be);
    s_put(out + 16, (uint32_t)trans, be);
    for (int i = 0; i < n; i++) {
        s_put(out + orig + 8 * i, (uint32_t)idl[i], be);
        s_put(out + orig + 8 * i + 4, (uint32_t)at, be);
        memcpy(out + at, ids[i], idl[i] + 1);
        at += idl[i] + 1;
    }
    for (int i = 0; i < n; i++) {
        s_put(out + trans + 8 * i, (uint32_t)strl[i], be);
        s_put(out + trans + 8 * i + 4, (uint32_t)at, be);
        memcpy(out + at, strs[i], strl[i] + 1);
        at += strl[i] + 1;
    }
    return at;
}

static void test_built(void)
{
    static const char *ids[] = {"", "Open",
                                "menu\x04"
                                "File",
                                "one file\0%d files", "Untranslated"};
    static const size_t idl[] = {0, 4, 9, 17, 12};
    static const char *strs[] = {"Content-Type: text/plain; charset=UTF-8\n", "Ouvrir", "Fichier",
                                 "un fichier\0%d fichiers", ""};
    static const size_t strl[] = {40, 6, 7, 22, 0};
    static unsigned char buf[1024];
    for (int be = 0; be < 2; be++) {
        size_t len = s_build(buf, be, 5, ids, idl, strs, strl);
        s_got g = {"", 0};
        const char *why = NULL;
        CHECK_INT(verso_mo_each(buf, len, s_collect, &g, &why), VERSO_OK);
        CHECK_STR(g.text, "Open=Ouvrir|File=Fichier|one file=un fichier|");
        /* Every truncation is refused or yields a prefix, never a read past the end. */
        for (size_t cut = 0; cut < len; cut++) {
            unsigned char *copy = malloc(cut ? cut : 1);
            memcpy(copy, buf, cut);
            s_got h = {"", 0};
            verso_err err = verso_mo_each(copy, cut, s_collect, &h, &why);
            CHECK(err == VERSO_OK || err == VERSO_EPROTO);
            free(copy);
        }
    }
}

static void test_lies(void)
{
    unsigned char buf[64] = {0};
    const char *why = NULL;
    s_got g = {"", 0};
    s_put(buf, 0x950412de, 0);
    s_put(buf + 8, 0xffffffffu, 0); /* 4 billion strings */
    s_put(buf + 12, 28, 0);
    s_put(buf + 16, 36, 0);
    CHECK_INT(verso_mo_each(buf, sizeof buf, s_collect, &g, &why), VERSO_EPROTO);
    CHECK(why && strstr(why, "outside"));
    CHECK_INT(verso_mo_each("not an MO file at all", 21, s_collect, &g, &why), VERSO_EPROTO);
    CHECK(strstr(why, "magic"));
}

/* A catalog of this machine, when there is one. */
static void test_real_catalog(void)
{
    FILE *f = fopen("/usr/share/locale/fr/LC_MESSAGES/apt.mo", "rb");
    if (!f) {
        fprintf(stderr, "no apt.mo in French here: skipped\n");
        return;
    }
    static unsigned char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    s_got g = {"", 0};
    const char *why = NULL;
    CHECK_INT(verso_mo_each(buf, len, s_collect, &g, &why), VERSO_OK);
    CHECK(g.n > 100);
}

int main(void)
{
    RUN(test_built);
    RUN(test_lies);
    RUN(test_real_catalog);
    return t_report();
}
