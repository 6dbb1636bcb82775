/* keyfile_test.c - key pairs written, read back, and every bad file refused. */
#include <sys/stat.h>

#include "harness.h"
#include "keyfile.h"

static char s_dir[] = "/tmp/verso-keyfile-XXXXXX";

static void s_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_generate_and_read(void)
{
    char base[256], path[300], why[VERSO_KEYFILE_WHY], pub[VERSO_KEY_LEN + 1];
    snprintf(base, sizeof base, "%s/alice", s_dir);
    verso_keypair kp, back;
    CHECK_INT(verso_keyfile_generate(base, &kp), VERSO_OK);
    CHECK(verso_key_valid(kp.public_key) && verso_key_valid(kp.secret_key));
    CHECK(strcmp(kp.public_key, kp.secret_key) != 0);
    struct stat st;
    snprintf(path, sizeof path, "%s.secret", base);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(verso_keyfile_read_pair(path, &back, why), VERSO_OK);
    CHECK_STR(back.public_key, kp.public_key);
    CHECK_STR(back.secret_key, kp.secret_key);
    CHECK_INT(verso_keyfile_read_public(path, pub, why), VERSO_OK); /* a .secret has it too */
    CHECK_STR(pub, kp.public_key);
    snprintf(path, sizeof path, "%s.pub", base);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_INT(verso_keyfile_read_public(path, pub, why), VERSO_OK);
    CHECK_STR(pub, kp.public_key);
    CHECK_INT(verso_keyfile_read_public(kp.public_key, pub, why), VERSO_OK); /* the key itself */
    CHECK_STR(pub, kp.public_key);
    CHECK_INT(verso_keyfile_generate(base, NULL), VERSO_EEXIST);        /* never overwritten */
    CHECK_INT(verso_keyfile_read_pair(path, &back, why), VERSO_EINVAL); /* a .pub: no secret */
}

static void test_bad_files(void)
{
    char base[256], path[300], why[VERSO_KEYFILE_WHY], pub[VERSO_KEY_LEN + 1];
    verso_keypair kp, other, back;
    snprintf(base, sizeof base, "%s/bob", s_dir);
    verso_keyfile_generate(base, &kp);
    snprintf(base, sizeof base, "%s/carol", s_dir);
    verso_keyfile_generate(base, &other);
    snprintf(path, sizeof path, "%s/loose.secret", s_dir);
    char text[256];
    snprintf(text, sizeof text, "public-key %s\nsecret-key %s\n", kp.public_key, kp.secret_key);
    s_write(path, text, 0640);
    CHECK_INT(verso_keyfile_read_pair(path, &back, why), VERSO_EDENIED);
    CHECK(strstr(why, "chmod 600") != NULL);
    chmod(path, 0600);
    CHECK_INT(verso_keyfile_read_pair(path, &back, why), VERSO_OK);
    /* A public key that is not the secret key's. */
    snprintf(text, sizeof text, "public-key %s\nsecret-key %s\n", other.public_key, kp.secret_key);
    s_write(path, text, 0600);
    CHECK_INT(verso_keyfile_read_pair(path, &back, why), VERSO_EINVAL);
    CHECK(strstr(why, "does not match") != NULL);
    /* Truncated keys, a bad character, a missing file. */
    snprintf(text, sizeof text, "public-key %.39s\nsecret-key %s\n", kp.public_key, kp.secret_key);
    s_write(path, text, 0600);
    CHECK_INT(verso_keyfile_read_pair(path, &back, why), VERSO_EINVAL);
    CHECK_INT(verso_keyfile_read_public(path, pub, why), VERSO_EINVAL);
    CHECK_INT(verso_keyfile_read_public("/nonexistent/key.pub", pub, why), VERSO_EIO);
    CHECK(!verso_key_valid("short"));
    char bad[VERSO_KEY_LEN + 1];
    memcpy(bad, kp.public_key, sizeof bad);
    bad[5] = ' ';
    CHECK(!verso_key_valid(bad));
    CHECK(verso_key_valid(kp.public_key));
}

int main(void)
{
    if (!mkdtemp(s_dir))
        return 1;
    RUN(test_generate_and_read);
    RUN(test_bad_files);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", s_dir);
    return t_report();
}
