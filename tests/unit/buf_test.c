/* buf_test.c - the capped growable buffer. */
#include "buf.h"
#include "harness.h"

static void test_append_and_grow(void)
{
    verso_buf b;
    verso_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        CHECK_INT(verso_buf_append(&b, "abc", 3), VERSO_OK);
    CHECK_INT(b.len, 3000);
    CHECK(memcmp(b.data + 2997, "abc", 3) == 0);
    CHECK_INT(b.data[b.len], '\0');
    verso_buf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_INT(verso_buf_printf(&b, "%d-%s", 42, "x"), VERSO_OK);
    CHECK_STR(b.data, "42-x");
    verso_buf_fini(&b);
    CHECK(b.data == NULL);
}

static void test_cap(void)
{
    verso_buf b;
    verso_buf_init(&b, 10);
    CHECK_INT(verso_buf_puts(&b, "0123456789"), VERSO_OK);
    CHECK_INT(verso_buf_puts(&b, "x"), VERSO_ETOOBIG);
    CHECK_INT(b.len, 10); /* unchanged by the failed append */
    CHECK_INT(verso_buf_printf(&b, "%s", "y"), VERSO_ETOOBIG);
    verso_buf_reset(&b);
    CHECK_INT(verso_buf_printf(&b, "%s", "01234567890"), VERSO_ETOOBIG);
    verso_buf_fini(&b);
}

int main(void)
{
    RUN(test_append_and_grow);
    RUN(test_cap);
    return t_report();
}
