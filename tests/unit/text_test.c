/* text_test.c - normalised and loose forms, and the differences that
 * near-exact matches are scored by. */
#include "harness.h"
#include "text.h"

static verso_buf s_b;

static const char *s_norm(const char *s)
{
    CHECK_INT(verso_text_norm(s, strlen(s), &s_b), VERSO_OK);
    return s_b.data ? s_b.data : "";
}

static const char *s_loose(const char *s)
{
    verso_buf n;
    verso_buf_init(&n, 1 << 20);
    CHECK_INT(verso_text_norm(s, strlen(s), &n), VERSO_OK);
    CHECK_INT(verso_text_loose(n.data ? n.data : "", n.len, &s_b), VERSO_OK);
    verso_buf_fini(&n);
    return s_b.data ? s_b.data : "";
}

static unsigned s_diff(const char *a, const char *b)
{
    return verso_text_diff(a, strlen(a), b, strlen(b));
}

static void test_norm(void)
{
    CHECK_STR(s_norm("  Hello \t world.\n"), "Hello world.");
    CHECK_STR(s_norm("Cafe\xcc\x81"), "Caf\xc3\xa9");    /* NFC */
    CHECK_STR(s_norm("a\xe3\x80\x80\xc2\xa0 b"), "a b"); /* U+3000, U+00A0 */
    CHECK_STR(s_norm(""), "");
}

static void test_loose(void)
{
    CHECK_STR(s_loose("Save the File: now!"), "savethefilenow");
    CHECK_STR(s_loose("Page 3 of 10"), "page#of#");
    CHECK_STR(s_loose("Total: 1,234.50 EUR"), "total#eur");
    CHECK_STR(s_loose("1.2.3"), "#");
    CHECK_STR(s_loose("v1. Next"), "v#next"); /* a dot before a letter ends a number */
    CHECK_STR(s_loose("_File"), "file");      /* accelerators are punctuation */
    CHECK_STR(s_loose("a $5 + b"), "a$#+b");  /* symbols are kept */
    /* CJK: full-width punctuation and digits. */
    CHECK_STR(s_loose("\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xe3\x80\x82"),
              "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c");
    CHECK_STR(s_loose("\xef\xbc\x91\xef\xbc\x92\xe5\x8f\xb7"), "#\xe5\x8f\xb7"); /* "１２号" */
    /* Tag marks (U+F0000, U+F0001) are dropped. */
    CHECK_STR(s_loose("\xf3\xb0\x80\x80"
                      "Bold\xf3\xb0\x80\x81 text"),
              "boldtext");
    /* Nothing left: the normalised form itself. */
    CHECK_STR(s_loose(" ... "), "\xff...");
    CHECK_STR(s_loose("#"), "\xff#"); /* never the loose form of a number */
    CHECK_STR(s_loose("42"), "#");
    CHECK_STR(s_loose("\xce\xa3\xce\x99\xce\xa3"), "\xcf\x83\xce\xb9\xcf\x83"); /* ΣΙΣ -> σισ */
}

static void test_diff(void)
{
    CHECK_INT(s_diff("Save the file.", "Save the file."), 0);
    CHECK_INT(s_diff("Save the file.", "save the File."), VERSO_TEXT_CASE);
    CHECK_INT(s_diff("Save the file.", "Save the file"), VERSO_TEXT_PUNCT);
    CHECK_INT(s_diff("Save the file.", "Save thefile."), VERSO_TEXT_PUNCT);
    CHECK_INT(s_diff("Save the file.", "SAVE THE FILE!"), VERSO_TEXT_CASE | VERSO_TEXT_PUNCT);
    CHECK_INT(s_diff("Page 3 of 10", "Page 4 of 10"), VERSO_TEXT_NUMBERS);
    CHECK_INT(s_diff("Pay 1,000.50 now", "Pay 1.000,50 now"), VERSO_TEXT_NUMBERS);
    CHECK_INT(s_diff("\xf3\xb0\x80\x80"
                     "Bold",
                     "Bold"),
              VERSO_TEXT_TAGS);
    CHECK_INT(s_diff("a-b", "ab-"), VERSO_TEXT_PUNCT); /* same parts, other order */
    CHECK_INT(s_diff("\xf3\xb0\x80\x80"
                     "Bold text",
                     "Bold\xf3\xb0\x80\x80 text"),
              VERSO_TEXT_TAGS); /* a mark moved */
    CHECK_INT(s_diff("Save the file.", "Save a file."), VERSO_TEXT_UNLIKE);
    CHECK_INT(s_diff("Page 3 of 10", "Page 3 of 10 11"), VERSO_TEXT_UNLIKE);
    CHECK_INT(s_diff("", "."), VERSO_TEXT_UNLIKE);
}

int main(void)
{
    verso_buf_init(&s_b, 1 << 20);
    RUN(test_norm);
    RUN(test_loose);
    RUN(test_diff);
    verso_buf_fini(&s_b);
    fprintf(stderr, "%d passed, %d failed\n", t_passed, t_failed);
    return t_failed != 0;
}
