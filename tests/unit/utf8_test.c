/* utf8_test.c - strict UTF-8 validation. */
#include "harness.h"
#include "utf8.h"

static int s_valid(const char *s, size_t n, size_t *off)
{
    return verso_utf8_valid(s, n, off);
}

static void test_valid_text(void)
{
    const char *s = "plain ASCII, caf\xc3\xa9, \xe4\xb8\xad\xe6\x96\x87, \xf0\x9f\x98\x80";
    CHECK(s_valid(s, strlen(s), NULL));
    CHECK(s_valid("", 0, NULL));
    CHECK(s_valid("\xf4\x8f\xbf\xbf", 4, NULL)); /* U+10FFFF, the last code point */
    CHECK(s_valid("\xed\x9f\xbf", 3, NULL));     /* U+D7FF, just below the surrogates */
}

static void test_invalid_sequences(void)
{
    static const struct {
        const char *s;
        size_t n;
        size_t off;
    } bad[] = {
        {"\x80", 1, 0},             /* lone continuation */
        {"ab\xc0\x80", 4, 2},       /* overlong NUL */
        {"\xc1\xbf", 2, 0},         /* overlong 2-byte */
        {"\xe0\x80\x80", 3, 0},     /* overlong 3-byte */
        {"\xed\xa0\x80", 3, 0},     /* surrogate U+D800 */
        {"\xf0\x80\x80\x80", 4, 0}, /* overlong 4-byte */
        {"\xf4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0}, /* lead byte past F4 */
        {"x\xe4\xb8", 3, 1},        /* truncated */
        {"\xe4\x41\x41", 3, 0},     /* bad continuation */
        {"\xff", 1, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t off = 999;
        CHECK(!s_valid(bad[i].s, bad[i].n, &off));
        CHECK_INT(off, bad[i].off);
    }
}

/* The 8-byte ASCII fast path must not skip a bad byte near a word edge. */
static void test_fast_path_edges(void)
{
    char buf[40];
    for (size_t pos = 0; pos < 24; pos++) {
        memset(buf, 'a', sizeof buf);
        buf[pos] = (char)0xC3; /* a lead byte followed by 'a': invalid */
        size_t off = 999;
        CHECK(!s_valid(buf, sizeof buf, &off));
        CHECK_INT(off, pos);
    }
}

int main(void)
{
    RUN(test_valid_text);
    RUN(test_invalid_sequences);
    RUN(test_fast_path_edges);
    return t_report();
}
