/*
 * lexdir_test.c - word lists found by file name in a directory, looked up
 * by language pair in either orientation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "lexdir.h"

static void t_write(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_load_and_find(void)
{
    char dir[] = "/tmp/verso-lexdir-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    t_write(dir, "de-fr.tsv", "Berg\tmontagne\nHaus\tmaison\n");
    t_write(dir, "en-zh.tsv", "mountain\t山\n");
    t_write(dir, "notes.txt", "Berg\tmont\n");    /* not .tsv */
    t_write(dir, "deu_fra.tsv", "Berg\tmont\n");  /* not A-B */
    t_write(dir, "x-fr.tsv", "Berg\tmont\n");     /* subtag too short */
    t_write(dir, "de-fr-ch.tsv", "Berg\tmont\n"); /* three parts */
    verso_lexdir *d = NULL;
    CHECK_INT(verso_lexdir_load(dir, &d), VERSO_OK);
    CHECK_INT(verso_lexdir_count(d), 2);
    bool rev = true;
    const char *name = NULL;
    const verso_lexicon *l = verso_lexdir_find(d, "de-CH", "fr", &rev, &name);
    CHECK(l != NULL && !rev && name && !strcmp(name, "de-fr"));
    CHECK_INT(verso_lexicon_size(l), 2);
    CHECK(verso_lexdir_find(d, "fr-CA", "de", &rev, &name) == l && rev);
    CHECK(verso_lexdir_find(d, "zh-Hant-TW", "en", &rev, &name) != NULL && rev);
    CHECK(!strcmp(name, "en-zh"));
    CHECK(verso_lexdir_find(d, "de", "en", &rev, &name) == NULL);
    CHECK(verso_lexdir_find(d, "de", "de", NULL, NULL) == NULL);
    verso_lexdir_destroy(&d);
    verso_lexdir_destroy(&d);
    CHECK(d == NULL);
    const char *names[] = {"de-fr.tsv",   "en-zh.tsv", "notes.txt",
                           "deu_fra.tsv", "x-fr.tsv",  "de-fr-ch.tsv"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_no_dir(void)
{
    verso_lexdir *d = NULL;
    CHECK_INT(verso_lexdir_load(NULL, &d), VERSO_OK);
    CHECK_INT(verso_lexdir_count(d), 0);
    CHECK(verso_lexdir_find(d, "de", "fr", NULL, NULL) == NULL);
    verso_lexdir_destroy(&d);
    CHECK_INT(verso_lexdir_load("/nonexistent/verso-dicts", &d), VERSO_OK);
    CHECK_INT(verso_lexdir_count(d), 0);
    verso_lexdir_destroy(&d);
}

int main(void)
{
    RUN(test_load_and_find);
    RUN(test_no_dir);
    return t_report();
}
