/*
 * srx_test.c - SRX 2.0 rule sets (srx.h) from files written by the test: a
 * rule of each kind (break, no break as an exception before it, an empty
 * afterbreak, an anchor at the paragraph's start), the first rule deciding,
 * cascading and not, language patterns, the rules seeing only their range,
 * invalid UTF-8, a runaway pattern and a deadline stopping a cut, and the
 * files refused with the line of their fault. OmegaT's own rules against
 * OmegaT's own cuts are in tests/integration/test_omegat.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "srx.h"

static char g_dir[256];

/* Writes an SRX file with header attributes `head`, the language rules
 * `rules` and the maps `maps`; returns its path (static). */
static const char *t_file(const char *head, const char *rules, const char *maps)
{
    static char path[300];
    snprintf(path, sizeof path, "%s/t.srx", g_dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f,
            "<?xml version=\"1.0\"?>\n<srx xmlns=\"http://www.lisa.org/srx20\" "
            "version=\"2.0\">\n<header %s/>\n<body><languagerules>\n%s\n</languagerules>\n"
            "<maprules>%s</maprules></body></srx>\n",
            head, rules, maps);
    fclose(f);
    return path;
}

/* The segments SRX set x cuts text into for lang, "|"-joined (static). */
static const char *t_cut(const verso_srx *x, const char *lang, const char *text)
{
    static char out[1024];
    verso_srx_cutter *c = NULL;
    size_t *pos = NULL, n = 0, cap = 0, len = strlen(text), from = 0, o = 0;
    CHECK_INT(verso_srx_cutter_new(x, &c), VERSO_OK);
    CHECK_INT(verso_srx_cut(c, lang, text, len, 0, len, &pos, &n, &cap, NULL), VERSO_OK);
    for (size_t k = 0; k <= n; k++) {
        size_t to = k < n ? pos[k] : len;
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s", k ? "|" : "", (int)(to - from),
                              text + from);
        from = to;
    }
    free(pos);
    verso_srx_cutter_destroy(&c);
    return out;
}

static const char *RULES =
    "<languagerule languagerulename=\"Abbrev\">\n"
    "  <rule break=\"no\"><beforebreak>\\bDr\\.</beforebreak><afterbreak>\\s</afterbreak></rule>\n"
    "</languagerule>\n"
    "<languagerule languagerulename=\"Stops\">\n"
    "  <rule break=\"yes\"><beforebreak>^\\d+\\.</beforebreak><afterbreak></afterbreak></rule>\n"
    "  <rule break=\"yes\"><beforebreak>[.!?]+</beforebreak><afterbreak>\\s</afterbreak></rule>\n"
    "  <rule break=\"no\"><beforebreak>Dr\\.</beforebreak><afterbreak>\\s</afterbreak></rule>\n"
    "</languagerule>\n";

static const char *MAPS = "<languagemap languagepattern=\"EN.*\" languagerulename=\"Abbrev\"/>"
                          "<languagemap languagepattern=\".*\" languagerulename=\"Stops\"/>";

/* The first rule that matches at a position decides: the exception comes
 * before the rule it excepts, else the break wins. */
static void test_first_rule_decides(void)
{
    verso_srx *x = NULL;
    const char *why;
    CHECK_INT(verso_srx_load(t_file("segmentsubflows=\"yes\" cascade=\"yes\"", RULES, MAPS), "t",
                             &x, &why),
              VERSO_OK);
    CHECK_STR(verso_srx_name(x), "t");
    /* en: Abbrev (no break after "Dr.") then Stops */
    CHECK_STR(t_cut(x, "en-GB", "Ask Dr. Who. He knows!  Really"),
              "Ask Dr. Who.| He knows!|  Really");
    /* de: only Stops, whose own "Dr." exception comes after the break rule */
    CHECK_STR(t_cut(x, "de", "Ask Dr. Who. He knows"), "Ask Dr.| Who.| He knows");
    /* an anchor: the number heads the paragraph only; an empty afterbreak */
    CHECK_STR(t_cut(x, "de", "12.Intro to 3.x"), "12.|Intro to 3.x");
    char buf[64];
    CHECK_INT((int)verso_srx_describe(x, "en", buf, sizeof buf), 2);
    CHECK_STR(buf, "Abbrev+Stops");
    CHECK_INT((int)verso_srx_describe(x, "de", buf, sizeof buf), 1);
    CHECK_STR(buf, "Stops");
    CHECK_INT((int)verso_srx_describe(x, "en", buf, 10), 2); /* whole names only */
    CHECK_STR(buf, "Abbrev");
    verso_srx_destroy(&x);
    CHECK(x == NULL);
}

/* cascade="no": the first matching map alone; absent: cascading, as
 * OmegaT's files (which omit it) are read by OmegaT. */
static void test_cascade(void)
{
    verso_srx *x = NULL;
    const char *why;
    CHECK_INT(
        verso_srx_load(t_file("segmentsubflows=\"no\" cascade=\"no\"", RULES, MAPS), "t", &x, &why),
        VERSO_OK);
    CHECK_STR(t_cut(x, "en", "Ask Dr. Who. He knows"), "Ask Dr. Who. He knows");
    CHECK_STR(t_cut(x, "fr", "Ask Dr. Who. He knows"), "Ask Dr.| Who.| He knows");
    verso_srx_destroy(&x);
    CHECK_INT(verso_srx_load(t_file("", RULES, MAPS), "t", &x, &why), VERSO_OK);
    CHECK_STR(t_cut(x, "en", "Ask Dr. Who. He knows"), "Ask Dr. Who.| He knows");
    verso_srx_destroy(&x);
}

/* The rules see [a, b) only: "^" is at a, the lookahead stops at b; bad
 * bytes do not stop the cut. */
static void test_range_and_bad_bytes(void)
{
    verso_srx *x = NULL;
    verso_srx_cutter *c = NULL;
    const char *why;
    CHECK_INT(verso_srx_load(t_file("cascade=\"yes\"", RULES, MAPS), "t", &x, &why), VERSO_OK);
    CHECK_INT(verso_srx_cutter_new(x, &c), VERSO_OK);
    const char *t = "x. 7.Go on. Next";
    size_t *pos = NULL, n = 0, cap = 0;
    CHECK_INT(verso_srx_cut(c, "de", t, strlen(t), 3, strlen(t), &pos, &n, &cap, NULL), VERSO_OK);
    CHECK_INT((int)n, 2);
    CHECK_INT((int)pos[0], 5); /* "7." heads the range */
    CHECK_INT((int)pos[1], 11);
    CHECK_INT(verso_srx_cut(c, "de", t, strlen(t), 3, 10, &pos, &n, &cap, NULL), VERSO_OK);
    CHECK_INT((int)n, 1); /* "on." at the range's end: no space after it inside */
    const char bad[] = "A\xff\xfe. B\xc3. C";
    CHECK_INT(verso_srx_cut(c, "de", bad, sizeof bad - 1, 0, sizeof bad - 1, &pos, &n, &cap, NULL),
              VERSO_OK);
    CHECK_INT((int)n, 2);
    free(pos);
    verso_srx_cutter_destroy(&c);
    verso_srx_destroy(&x);
}

/* A pattern that backtracks without end is stopped, and so is a cut past
 * its deadline. */
static void test_bounded(void)
{
    verso_srx *x = NULL;
    verso_srx_cutter *c = NULL;
    const char *why;
    const char *rules = "<languagerule languagerulename=\"Slow\">\n"
                        "  <rule break=\"yes\"><beforebreak>(a+)+b</beforebreak>"
                        "<afterbreak></afterbreak></rule>\n</languagerule>\n";
    CHECK_INT(
        verso_srx_load(t_file("cascade=\"yes\"", rules,
                              "<languagemap languagepattern=\".*\" languagerulename=\"Slow\"/>"),
                       "slow", &x, &why),
        VERSO_OK);
    CHECK_INT(verso_srx_cutter_new(x, &c), VERSO_OK);
    static char t[4001];
    memset(t, 'a', sizeof t - 1);
    size_t *pos = NULL, n = 0, cap = 0;
    verso_work w;
    verso_work_init(&w, NULL, 1); /* a deadline long past */
    CHECK_INT(verso_srx_cut(c, "en", t, 40, 0, 40, &pos, &n, &cap, &w), VERSO_ETIMEDOUT);
    CHECK_INT(verso_srx_cut(c, "en", t, sizeof t - 1, 0, sizeof t - 1, &pos, &n, &cap, NULL),
              VERSO_EINTERNAL);
    free(pos);
    verso_srx_cutter_destroy(&c);
    verso_srx_destroy(&x);
    /* an honest rule on a long paragraph is never taken for a runaway: each
     * search has its own time limit (a shared one ran out at 4 MB) */
    CHECK_INT(verso_srx_load(t_file("cascade=\"yes\"", RULES, MAPS), "t", &x, &why), VERSO_OK);
    CHECK_INT(verso_srx_cutter_new(x, &c), VERSO_OK);
    static const char unit[] = "The committee met to discuss the matter in detail. ";
    size_t units = (6u << 20) / (sizeof unit - 1), len = units * (sizeof unit - 1);
    char *big = malloc(len + 1);
    CHECK(big != NULL);
    for (size_t u = 0; big && u < units; u++)
        memcpy(big + u * (sizeof unit - 1), unit, sizeof unit - 1);
    pos = NULL;
    n = cap = 0;
    if (big)
        CHECK_INT(verso_srx_cut(c, "de", big, len, 0, len, &pos, &n, &cap, NULL), VERSO_OK);
    CHECK(n == units); /* after every stop, the last one too (a space follows it) */
    free(pos);
    free(big);
    verso_srx_cutter_destroy(&c);
    verso_srx_destroy(&x);
}

/* Files refused, with the line of the fault. */
static void test_refused(void)
{
    verso_srx *x = NULL;
    const char *why = NULL;
    char path[300];
    CHECK_INT(verso_srx_load(t_file("cascade=\"yes\"", RULES, MAPS), "bad name", &x, &why),
              VERSO_EINVAL);
    CHECK_INT(verso_srx_load("/nonexistent/x.srx", "t", &x, &why), VERSO_EIO);
    const char *bad_regex = "<languagerule languagerulename=\"R\">\n"
                            "  <rule><beforebreak>[a-</beforebreak></rule>\n</languagerule>";
    CHECK_INT(verso_srx_load(t_file("", bad_regex, ""), "t", &x, &why), VERSO_EINVAL);
    CHECK(strstr(why, "line 6") != NULL);
    CHECK_INT(verso_srx_load(t_file("", RULES,
                                    "<languagemap languagepattern=\".*\" "
                                    "languagerulename=\"Nope\"/>"),
                             "t", &x, &why),
              VERSO_EINVAL);
    CHECK(strstr(why, "Nope") != NULL);
    snprintf(path, sizeof path, "%s/v.srx", g_dir);
    FILE *f = fopen(path, "w");
    fputs("<srx version=\"1.0\"><header/></srx>", f);
    fclose(f);
    CHECK_INT(verso_srx_load(path, "t", &x, &why), VERSO_EINVAL);
    CHECK(strstr(why, "not SRX 2.0") != NULL);
    static char big[VERSO_SRX_MAX_PATTERN + 200];
    const char *head = "<languagerule languagerulename=\"R\"><rule><beforebreak>";
    size_t h = strlen(head);
    memcpy(big, head, h);
    memset(big + h, 'a', VERSO_SRX_MAX_PATTERN + 1);
    strcpy(big + h + VERSO_SRX_MAX_PATTERN + 1, "</beforebreak></rule></languagerule>");
    CHECK_INT(verso_srx_load(t_file("", big, ""), "t", &x, &why), VERSO_EINVAL);
    CHECK(strstr(why, "8192") != NULL);
    CHECK(x == NULL);
}

int main(void)
{
    t_tmpdir(g_dir, sizeof g_dir);
    RUN(test_first_rule_decides);
    RUN(test_cascade);
    RUN(test_range_and_bad_bytes);
    RUN(test_bounded);
    RUN(test_refused);
    t_rmtree(g_dir);
    return t_report();
}
