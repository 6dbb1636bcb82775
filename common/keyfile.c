/* keyfile.c - CurveZMQ key files; see keyfile.h. */
#define _GNU_SOURCE /* explicit_bzero */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define S_WHY VERSO_KEYFILE_WHY

static const char s_z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            ".-:+=^!/*?&<>()[]{}@%$#";

int verso_key_valid(const char *s)
{
    size_t n = 0;
    while (n <= VERSO_KEY_LEN && s[n] && strchr(s_z85, s[n]))
        n++;
    return n == VERSO_KEY_LEN && s[n] == '\0';
}

static void s_why(char *why, const char *fmt, const char *arg)
{
    if (why)
        snprintf(why, S_WHY, fmt, arg);
}

/* Writes text to a new file of the given mode (O_EXCL). */
static verso_err s_write_new(const char *path, mode_t mode, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return errno == EEXIST ? VERSO_EEXIST : VERSO_EIO;
    size_t n = strlen(text);
    int bad = write(fd, text, n) != (ssize_t)n;
    bad |= fchmod(fd, mode) < 0; /* whatever the umask */
    bad |= fsync(fd) < 0;
    bad |= close(fd) < 0;
    if (bad) {
        unlink(path);
        return VERSO_EIO;
    }
    return VERSO_OK;
}

verso_err verso_keyfile_generate(const char *base, verso_keypair *out)
{
    verso_keypair kp;
    char pub[4096], sec[4096], text[256];
    if (snprintf(pub, sizeof pub, "%s.pub", base) >= (int)sizeof pub ||
        snprintf(sec, sizeof sec, "%s.secret", base) >= (int)sizeof sec)
        return VERSO_EINVAL;
    if (!zmq_has("curve") || zmq_curve_keypair(kp.public_key, kp.secret_key) < 0)
        return VERSO_EINVAL;
    if (access(pub, F_OK) == 0)
        return VERSO_EEXIST;
    snprintf(text, sizeof text,
             "# Verso CURVE key pair: keep this file secret\n"
             "public-key %s\nsecret-key %s\n",
             kp.public_key, kp.secret_key);
    verso_err err = s_write_new(sec, 0600, text);
    if (err) {
        explicit_bzero(text, sizeof text);
        explicit_bzero(&kp, sizeof kp);
        return err;
    }
    explicit_bzero(text, sizeof text);
    snprintf(text, sizeof text, "# Verso CURVE public key\npublic-key %s\n", kp.public_key);
    if (!(err = s_write_new(pub, 0644, text)) && out)
        *out = kp;
    if (err)
        unlink(sec);
    explicit_bzero(&kp, sizeof kp);
    return err;
}

/* Finds "NAME <key>" in a key file's text; copies the key. */
static int s_field(const char *text, const char *name, char out[VERSO_KEY_LEN + 1])
{
    size_t nl = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, nl) != 0 || p[nl] != ' ')
            continue;
        const char *k = p + nl + 1;
        size_t n = strcspn(k, "\r\n");
        if (n != VERSO_KEY_LEN)
            return -1;
        memcpy(out, k, n);
        out[n] = '\0';
        return verso_key_valid(out) ? 0 : -1;
    }
    return -1;
}

/* Reads a small key file (at most 4 KiB) into buf. */
static verso_err s_slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    return r < 0 || n == cap - 1 ? VERSO_EINVAL : VERSO_OK;
}

verso_err verso_keyfile_read_pair(const char *path, verso_keypair *out, char *why)
{
    char text[4096];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        s_why(why, "cannot read key file %.64s", path);
        return VERSO_EIO;
    }
    verso_err err = s_slurp(fd, text, sizeof text);
    int loose = fstat(fd, &st) < 0 || (st.st_mode & 077);
    close(fd);
    verso_keypair kp;
    char derived[VERSO_KEY_LEN + 1];
    int bad = err || s_field(text, "public-key", kp.public_key) ||
              s_field(text, "secret-key", kp.secret_key);
    explicit_bzero(text, sizeof text);
    if (bad || loose) {
        explicit_bzero(&kp, sizeof kp);
        if (bad)
            s_why(why, "%.64s is not a key pair file (verso keygen writes one)", path);
        else
            s_why(why, "%.64s may be read or written by others: chmod 600 it", path);
        return bad ? VERSO_EINVAL : VERSO_EDENIED;
    }
    if (zmq_curve_public(derived, kp.secret_key) < 0 || strcmp(derived, kp.public_key)) {
        explicit_bzero(&kp, sizeof kp);
        s_why(why, "%.64s: the public key does not match the secret key", path);
        return VERSO_EINVAL;
    }
    *out = kp;
    explicit_bzero(&kp, sizeof kp);
    return VERSO_OK;
}

verso_err verso_keyfile_read_public(const char *key_or_path, char out[VERSO_KEY_LEN + 1], char *why)
{
    if (verso_key_valid(key_or_path)) {
        memcpy(out, key_or_path, VERSO_KEY_LEN + 1);
        return VERSO_OK;
    }
    char text[4096];
    int fd = open(key_or_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        s_why(why, "%.64s is neither a key nor a readable key file", key_or_path);
        return VERSO_EIO;
    }
    verso_err err = s_slurp(fd, text, sizeof text);
    close(fd);
    if (err || s_field(text, "public-key", out)) {
        s_why(why, "%.64s holds no public-key line", key_or_path);
        return VERSO_EINVAL;
    }
    return VERSO_OK;
}
