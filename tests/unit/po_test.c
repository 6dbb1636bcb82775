/* po_test.c - PO catalogs: escapes, continuations, contexts, plurals, fuzzy
 * and untranslated entries, malformed entries reported and skipped, and a
 * real catalog built from this machine's MO if msgunfmt is around (not
 * needed: the built cases cover the format). */
#include <stdlib.h>

#include "harness.h"
#include "po.h"

typedef struct s_got {
    char text[2048];
    char bad[512];
} s_got;

static int s_pair(void *arg, const char *src, size_t sn, const char *tgt, size_t tn, size_t line)
{
    s_got *g = arg;
    size_t n = strlen(g->text);
    snprintf(g->text + n, sizeof g->text - n, "%zu:%.*s=%.*s|", line, (int)sn, src, (int)tn, tgt);
    return 0;
}

static void s_bad(void *arg, size_t line, const char *why)
{
    s_got *g = arg;
    size_t n = strlen(g->bad);
    snprintf(g->bad + n, sizeof g->bad - n, "%zu:%s|", line, why);
}

static s_got s_run(const char *po)
{
    s_got g = {"", ""};
    size_t len = strlen(po);
    char *copy = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
    memcpy(copy, po, len);
    CHECK_INT(verso_po_each(copy, len, s_pair, s_bad, &g), VERSO_OK);
    free(copy);
    return g;
}

static void test_entries(void)
{
    s_got g = s_run("# header\n"
                    "msgid \"\"\n"
                    "msgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                    "\n"
                    "#: src/main.c:10\n"
                    "msgid \"Open\"\n"
                    "msgstr \"Ouvrir\"\n"
                    "\n"
                    "msgctxt \"menu\"\n"
                    "msgid \"File\"\n"
                    "msgstr \"Fichier\"\n"
                    "\n"
                    "msgid \"\"\n"
                    "\"Line one\\n\"\n"
                    "\"line \\\"two\\\"\"\n"
                    "msgstr \"Ligne un\\nligne \\\"deux\\\"\"\n"
                    "\n"
                    "msgid \"one file\"\n"
                    "msgid_plural \"%d files\"\n"
                    "msgstr[0] \"un fichier\"\n"
                    "msgstr[1] \"%d fichiers\"\n"
                    "\n"
                    "#, fuzzy\n"
                    "msgid \"Maybe\"\n"
                    "msgstr \"Peut-etre\"\n"
                    "\n"
                    "msgid \"Untranslated\"\n"
                    "msgstr \"\"\n"
                    "msgid \"No blank line before me\"\n"
                    "msgstr \"Pas de ligne vide\"\r\n");
    CHECK_STR(g.text, "6:Open=Ouvrir|10:File=Fichier|13:Line one\nline \"two\"=Ligne un\nligne "
                      "\"deux\"|18:one file=un fichier|29:No blank line before me=Pas de ligne "
                      "vide|");
    CHECK_STR(g.bad, "");
}

static void test_malformed(void)
{
    s_got g = s_run("msgid \"Good\"\nmsgstr \"Bon\"\n\n"
                    "msgid \"Broken\nmsgstr \"Cassé\"\n\n"
                    "msgid \"Bad escape \\q\"\nmsgstr \"x\"\n\n"
                    "garbage line\n\n"
                    "msgid \"No str\"\n\n"
                    "msgid \"After\"\nmsgstr \"Après\"\n"
                    "msgid \"Truncated\"\nmsgstr \"");
    CHECK_STR(g.text, "1:Good=Bon|14:After=Après|");
    CHECK_STR(g.bad, "4:unterminated string|7:unknown escape|10:not a PO keyword|12:msgid "
                     "without msgstr|17:unterminated string|");
}

int main(void)
{
    RUN(test_entries);
    RUN(test_malformed);
    return t_report();
}
