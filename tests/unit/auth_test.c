/* auth_test.c - allow-list files (good, bad line by line, duplicate keys,
 * loose permissions), lookups, role names and local endpoints. */
#include <sys/stat.h>

#include "auth.h"
#include "harness.h"

static char s_dir[] = "/tmp/verso-auth-XXXXXX";
static const char *s_k1 = "gDqVXO-l>i50g$=6bm<$ozQq1^q{1/<EbsNcfmVx";
static const char *s_k2 = "h.TY6t(d5vDaCT*p5+NmfSRV<B1d9N-w2H*k^mNI";

/* Writes text as the allow file and loads it; returns the error. */
static verso_err s_load(const char *text, mode_t mode, verso_allow **a, char *why)
{
    char path[128];
    snprintf(path, sizeof path, "%s/allow", s_dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return verso_allow_load(path, a, why);
}

static void test_good_list(void)
{
    char text[512], why[256];
    snprintf(text, sizeof text,
             "# comment\n\n  # indented comment\n%s write alice@agency\n\t%s  admin   ops\r\n",
             s_k1, s_k2);
    verso_allow *a = NULL;
    CHECK_INT(s_load(text, 0644, &a, why), VERSO_OK);
    CHECK_INT(verso_allow_count(a), 2);
    const verso_allow_entry *e = verso_allow_find(a, s_k1);
    CHECK(e && e->role == VERSO_ROLE_WRITE && !strcmp(e->name, "alice@agency"));
    e = verso_allow_find(a, s_k2);
    CHECK(e && e->role == VERSO_ROLE_ADMIN && !strcmp(e->name, "ops"));
    CHECK(verso_allow_find(a, "gDqVXO-l>i50g$=6bm<$ozQq1^q{1/<EbsNcfmVX") == NULL);
    CHECK(verso_allow_find(a, "short") == NULL);
    CHECK(verso_allow_find(NULL, s_k1) == NULL);
    verso_allow_destroy(&a);
    CHECK(a == NULL);
    CHECK_INT(s_load("# nobody\n", 0600, &a, why), VERSO_OK); /* empty: nobody gets in */
    CHECK_INT(verso_allow_count(a), 0);
    CHECK(verso_allow_find(a, s_k1) == NULL);
    verso_allow_destroy(&a);
}

/* HTTP API keys ("http:TOKEN"): found by their token only, never as a
 * CURVE key; bad tokens refused; a duplicate names no token. */
static void test_api_keys(void)
{
    char text[512], why[256];
    const char *tok = "abcdefghijklmnopqrstuvwxyz0123-_.~";
    snprintf(text, sizeof text, "http:%s read weblate\n%s admin ops\n", tok, s_k1);
    verso_allow *a = NULL;
    CHECK_INT(s_load(text, 0600, &a, why), VERSO_OK);
    const verso_allow_entry *e = verso_allow_find_token(a, tok, strlen(tok));
    CHECK(e && e->http && e->role == VERSO_ROLE_READ && !strcmp(e->name, "weblate"));
    CHECK(verso_allow_find_token(a, tok, strlen(tok) - 1) == NULL); /* a prefix */
    CHECK(verso_allow_find_token(a, "abcdefghijklmnopqrstuvwxyz0123-_.X", strlen(tok)) == NULL);
    CHECK(verso_allow_find_token(a, s_k1, strlen(s_k1)) == NULL); /* a CURVE key is no token */
    CHECK(verso_allow_find(a, s_k1) != NULL);
    char as_key[64];
    snprintf(as_key, sizeof as_key, "http:%.35s", tok); /* 40 characters, as a Z85 key */
    CHECK(verso_allow_find(a, as_key) == NULL);
    verso_allow_destroy(&a);
    static const char *const bad[] = {"http:short", "http:has space in it 0123456789",
                                      "http:percent%2Fin-it-0123456789abcdef", "http:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s read a\n", bad[i]);
        CHECK_INT(s_load(text, 0600, &a, why), VERSO_EINVAL);
    }
    snprintf(text, sizeof text, "http:%s read a\nhttp:%s write b\n", tok, tok);
    CHECK_INT(s_load(text, 0600, &a, why), VERSO_EINVAL);
    CHECK(strstr(why, "listed twice") && !strstr(why, tok)); /* the token stays secret */
}

static void test_bad_lists(void)
{
    static const struct {
        const char *line, *why;
    } cases[] = {
        {"tooshort read a\n", ":2: not a 40-character Z85 public key"},
        {"K\n", ":2: no role"},
        {"K root a\n", ":2: unknown role"},
        {"K read\n", ":2: no name"},
        {"K read two words\n", ":2: no name"},
        {"K read aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         ":2: no name"},
    };
    char text[512], why[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *k = cases[i].line[0] == 'K' ? s_k2 : ""; /* K: a good key */
        const char *rest = *k ? cases[i].line + 1 : cases[i].line;
        snprintf(text, sizeof text, "%s read a\n%s%s", s_k1, k, rest);
        verso_allow *a = NULL;
        CHECK_INT(s_load(text, 0644, &a, why), VERSO_EINVAL);
        CHECK(a == NULL);
        CHECK(strstr(why, cases[i].why) != NULL);
    }
    snprintf(text, sizeof text, "%s read a\n%s write b\n", s_k1, s_k1);
    verso_allow *a = NULL;
    CHECK_INT(s_load(text, 0644, &a, why), VERSO_EINVAL);
    CHECK(strstr(why, "listed twice") != NULL);
    snprintf(text, sizeof text, "%s read a\n", s_k1);
    CHECK_INT(s_load(text, 0664, &a, why), VERSO_EDENIED); /* group-writable */
    CHECK_INT(s_load(text, 0646, &a, why), VERSO_EDENIED); /* world-writable */
    CHECK_INT(s_load(text, 0644, &a, why), VERSO_OK);
    verso_allow_destroy(&a);
    CHECK_INT(verso_allow_load("/nonexistent/allow", &a, why), VERSO_EIO);
}

static void test_names_and_endpoints(void)
{
    CHECK_STR(verso_role_name(VERSO_ROLE_READ), "read");
    CHECK_STR(verso_role_name(VERSO_ROLE_ADMIN), "admin");
    CHECK_STR(verso_role_name((verso_role)9), "none");
    static const char *local[] = {
        "tcp://127.0.0.1:5555",  "tcp://127.1.2.3:*", "tcp://localhost:5555", "tcp://[::1]:5555",
        "ipc:///tmp/verso.sock", "inproc://x",        "tcp://lo:5555"};
    static const char *remote[] = {"tcp://0.0.0.0:5555", "tcp://*:5555",
                                   "tcp://192.0.2.7:1",  "tcp://[::]:5555",
                                   "tcp://eth0:5555",    "tcp://127.0.0.1",
                                   "tcp://127.0.0.1x:5", "tcp://10.0.0.1;127.0.0.1:5",
                                   "tcp://256.0.0.1:5",  "udp://127.0.0.1:5",
                                   "tcp://example.org:1"};
    for (size_t i = 0; i < sizeof local / sizeof *local; i++)
        CHECK(verso_endpoint_is_local(local[i]));
    for (size_t i = 0; i < sizeof remote / sizeof *remote; i++)
        if (verso_endpoint_is_local(remote[i]))
            CHECK(!remote[i]); /* names the endpoint in the failure */
}

int main(void)
{
    if (!mkdtemp(s_dir))
        return 1;
    RUN(test_good_list);
    RUN(test_bad_lists);
    RUN(test_api_keys);
    RUN(test_names_and_endpoints);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", s_dir);
    return t_report();
}
