/*
 * lexicon_test.c - the bilingual word list: folding, suffix stripping,
 * translations, word-list files with bad lines, and bad words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "lexicon.h"

/* Folds a UTF-8 word into code points, as the aligner does. */
static size_t t_word(const char *s, UChar32 *w)
{
    size_t n = 0;
    for (size_t i = 0; s[i] && n < VERSO_LEX_MAXWORD;) {
        unsigned char b = (unsigned char)s[i];
        int k = b < 0x80 ? 0 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
        UChar32 c = k ? b & (0x3F >> k) : b;
        for (int j = 1; j <= k; j++)
            c = (c << 6) | ((unsigned char)s[i + (size_t)j] & 0x3F);
        i += (size_t)k + 1;
        w[n++] = verso_lexicon_fold(c);
    }
    return n;
}

static uint32_t t_find(const verso_lexicon *l, int side, const char *s, bool strip)
{
    UChar32 w[VERSO_LEX_MAXWORD];
    size_t n = t_word(s, w);
    return verso_lexicon_find(l, side, w, n, strip);
}

static int t_translates(const verso_lexicon *l, const char *a, const char *b)
{
    uint32_t ia = t_find(l, 0, a, true), ib = t_find(l, 1, b, true);
    const uint32_t *ids;
    size_t n = verso_lexicon_translations(l, ia, &ids);
    for (size_t k = 0; k < n; k++)
        if (ids[k] == ib)
            return 1;
    return 0;
}

static void test_add_and_find(void)
{
    verso_lexicon *l = NULL;
    CHECK_INT(verso_lexicon_new(&l), VERSO_OK);
    CHECK_INT(verso_lexicon_add(l, "Haus", 4, "maison", 6), VERSO_OK);
    CHECK_INT(verso_lexicon_add(l, "haus", 4, "maison", 6), VERSO_OK); /* the same, folded */
    CHECK_INT(verso_lexicon_add(l, "Haus", 4, "bâtiment", 9), VERSO_OK);
    CHECK_INT(verso_lexicon_add(l, "Gletscher", 9, "glacier", 7), VERSO_OK);
    CHECK_INT(verso_lexicon_add(l, "mountain", 8, "山", 3), VERSO_OK);
    CHECK_INT(verso_lexicon_freeze(l), VERSO_OK);
    CHECK_INT(verso_lexicon_size(l), 4);
    CHECK_INT(verso_lexicon_add(l, "Berg", 4, "mont", 4), VERSO_EINVAL); /* frozen */
    CHECK_INT(verso_lexicon_words(l, 0), 3);
    CHECK_INT(verso_lexicon_words(l, 1), 4);
    CHECK(t_translates(l, "HAUS", "Maison"));
    CHECK(t_translates(l, "Hauses", "maisons")); /* suffixes stripped on both sides */
    CHECK(t_translates(l, "haus", "batiment"));  /* accents folded */
    CHECK(!t_translates(l, "haus", "glacier"));
    CHECK(t_translates(l, "Gletschern", "glaciers"));
    CHECK(t_translates(l, "mountain", "山"));
    CHECK(t_find(l, 0, "Gletscher", false) != VERSO_LEX_NONE);
    CHECK(t_find(l, 0, "Gletschern", false) == VERSO_LEX_NONE);   /* no stripping asked */
    CHECK(t_find(l, 0, "hau", true) == VERSO_LEX_NONE);           /* never below 4 letters */
    CHECK(t_find(l, 1, "Haus", true) == VERSO_LEX_NONE);          /* sides apart */
    CHECK(t_find(l, 0, "Hausmeisterin", true) == VERSO_LEX_NONE); /* at most 3 letters cut */
    const uint32_t *ids;
    CHECK_INT(verso_lexicon_translations(l, 999, &ids), 0);
    CHECK(ids == NULL);
    verso_lexicon_destroy(&l);
    verso_lexicon_destroy(&l);
    CHECK(l == NULL);
}

static void test_bad_words(void)
{
    verso_lexicon *l = NULL;
    CHECK_INT(verso_lexicon_new(&l), VERSO_OK);
    CHECK_INT(verso_lexicon_add(l, "a\xff", 2, "b", 1), VERSO_EBADUTF8);
    CHECK_INT(verso_lexicon_add(l, "", 0, "b", 1), VERSO_EINVAL);
    CHECK_INT(verso_lexicon_add(l, "two words", 9, "b", 1), VERSO_EINVAL);
    char longw[40];
    memset(longw, 'x', sizeof longw);
    CHECK_INT(verso_lexicon_add(l, longw, sizeof longw, "b", 1), VERSO_EINVAL);
    CHECK_INT(verso_lexicon_add(l, longw, VERSO_LEX_MAXWORD, "b", 1), VERSO_OK);
    CHECK_INT(verso_lexicon_add(NULL, "a", 1, "b", 1), VERSO_EINVAL);
    CHECK_INT(verso_lexicon_freeze(l), VERSO_OK);
    CHECK_INT(verso_lexicon_size(l), 1);
    UChar32 w[2] = {'x', 'x'};
    CHECK(verso_lexicon_find(l, 2, w, 2, false) == VERSO_LEX_NONE);
    CHECK(verso_lexicon_find(l, 0, w, 0, false) == VERSO_LEX_NONE);
    verso_lexicon_destroy(&l);
}

static void test_load(void)
{
    char path[] = "/tmp/verso-lexicon-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\n"
          "Berg\tmontagne\r\n"
          "\n"
          "Berg\tmont\n"
          "no tab here\n"
          "a\tb\tc\n"
          "bad\xc3\tutf8\n"
          "two words\tdeux\n"
          "Gipfel\tsommet",
          f);
    for (int k = 0; k < 2000; k++) /* one line longer than any buffer */
        fputc('x', f);
    fputs("\tlong\nGipfel\tcime\n", f);
    fclose(f);
    verso_lexicon *l = NULL;
    size_t added = 0, skipped = 0;
    CHECK_INT(verso_lexicon_new(&l), VERSO_OK);
    CHECK_INT(verso_lexicon_load(l, path, &added, &skipped), VERSO_OK);
    CHECK_INT(added, 3);
    CHECK_INT(skipped, 5);
    CHECK_INT(verso_lexicon_size(l), 3);
    CHECK(t_translates(l, "Berg", "montagnes"));
    CHECK(t_translates(l, "berge", "mont"));
    CHECK(t_translates(l, "Gipfel", "cime"));
    CHECK_INT(verso_lexicon_load(l, path, NULL, NULL), VERSO_EINVAL); /* frozen */
    verso_lexicon_destroy(&l);
    unlink(path);
    CHECK_INT(verso_lexicon_new(&l), VERSO_OK);
    CHECK_INT(verso_lexicon_load(l, "/nonexistent/de-fr.tsv", NULL, NULL), VERSO_EIO);
    verso_lexicon_destroy(&l);
}

int main(void)
{
    RUN(test_add_and_find);
    RUN(test_bad_words);
    RUN(test_load);
    return t_report();
}
