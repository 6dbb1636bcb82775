/* err_test.c - every error code has a distinct symbol that maps back to it,
 * and a message that starts with that symbol. */
#include "harness.h"
#include "verso/err.h"

static void test_symbols_round_trip(void)
{
    for (int e = 0; e >= VERSO_ERR_MIN_; e--) {
        const char *sym = verso_err_symbol((verso_err)e);
        const char *msg = verso_strerror((verso_err)e);
        CHECK(strncmp(msg, sym, strlen(sym)) == 0 && msg[strlen(sym)] == ':');
        if (e < 0)
            CHECK_INT(verso_err_from_symbol(sym, (unsigned)strlen(sym)), e);
        for (int f = e - 1; f >= VERSO_ERR_MIN_; f--)
            CHECK(strcmp(sym, verso_err_symbol((verso_err)f)) != 0);
    }
}

static void test_out_of_range(void)
{
    CHECK_STR(verso_err_symbol((verso_err)5), "EINTERNAL");
    CHECK_STR(verso_err_symbol((verso_err)(VERSO_ERR_MIN_ - 1)), "EINTERNAL");
    CHECK_INT(verso_err_from_symbol("ENOPE", 5), VERSO_EINTERNAL);
    CHECK_INT(verso_err_from_symbol("EPROTOX", 6), VERSO_EPROTO); /* length-bounded */
}

int main(void)
{
    RUN(test_symbols_round_trip);
    RUN(test_out_of_range);
    return t_report();
}
