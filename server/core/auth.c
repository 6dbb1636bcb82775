/* auth.c - allow-list, ZAP handler, local endpoints; see auth.h. */
#include "auth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#include "buf.h"
#include "log.h"

#define S_WHY       256
#define S_LINE_MAX  1024
#define S_ZAP_PARTS 8 /* RFC 27: 6 parts, then one credential for CURVE */

struct verso_allow {
    verso_allow_entry *v; /* sorted by key */
    size_t n, cap;
};

static const char *const s_roles[] = {"none", "read", "write", "admin"};

const char *verso_role_name(verso_role r)
{
    return r >= VERSO_ROLE_NONE && r <= VERSO_ROLE_ADMIN ? s_roles[r] : "none";
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(((const verso_allow_entry *)a)->key, ((const verso_allow_entry *)b)->key);
}

/* Splits off the next blank-separated word of *p. */
static char *s_word(char **p)
{
    char *s = *p + strspn(*p, " \t");
    if (!*s)
        return NULL;
    char *e = s + strcspn(s, " \t");
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

static int s_name_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)s[i]))
            return 0;
    return n > 0 && n <= VERSO_NAME_MAX;
}

/* An HTTP API key: VERSO_TOKEN_MIN to VERSO_TOKEN_MAX URL-safe characters. */
static bool s_token_ok(const char *t)
{
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && !strchr("._~-", t[i]))
            return false;
    return n >= VERSO_TOKEN_MIN && n <= VERSO_TOKEN_MAX;
}

/* Parses one line into *e. Returns NULL, or what is wrong. */
static const char *s_parse_line(char *line, verso_allow_entry *e)
{
    char *key = s_word(&line), *role = s_word(&line), *name = s_word(&line);
    e->http = key && !strncmp(key, "http:", 5);
    if (!key || (e->http ? !s_token_ok(key + 5) : !verso_key_valid(key)))
        return "not a 40-character Z85 public key, nor http: and an API key of 24 to 128 "
               "characters of A-Z a-z 0-9 . _ ~ -";
    if (!role)
        return "no role (read, write or admin)";
    e->role = VERSO_ROLE_NONE;
    for (int r = VERSO_ROLE_READ; r <= VERSO_ROLE_ADMIN; r++)
        if (!strcmp(role, s_roles[r]))
            e->role = (verso_role)r;
    if (e->role == VERSO_ROLE_NONE)
        return "unknown role (read, write or admin)";
    if (!name || !s_name_ok(name) || s_word(&line))
        return "no name, or a name of more than 64 printable characters or with spaces";
    memcpy(e->key, key, strlen(key) + 1);
    memcpy(e->name, name, strlen(name) + 1);
    return NULL;
}

/* Reads the lines of f into a; fills `why` on the first bad one. */
static verso_err s_read(FILE *f, const char *path, verso_allow *a, char *why)
{
    char line[S_LINE_MAX];
    for (unsigned no = 1; fgets(line, sizeof line, f); no++) {
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(why, S_WHY, "%.128s:%u: line too long", path, no);
            return VERSO_EINVAL;
        }
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        verso_allow_entry e;
        const char *bad = s_parse_line(p, &e);
        if (bad) {
            snprintf(why, S_WHY, "%.128s:%u: %s", path, no, bad);
            return VERSO_EINVAL;
        }
        if (verso_array_grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v))
            return VERSO_ENOMEM;
        a->v[a->n++] = e;
    }
    return ferror(f) ? VERSO_EIO : VERSO_OK;
}

/* Sorts the entries; a key listed twice is an error. */
static verso_err s_index(verso_allow *a, const char *path, char *why)
{
    if (a->n)
        qsort(a->v, a->n, sizeof *a->v, s_cmp);
    for (size_t i = 1; i < a->n; i++)
        if (!strcmp(a->v[i - 1].key, a->v[i].key)) {
            snprintf(why, S_WHY, "%.64s: key %.40s listed twice (%.32s, %.32s)", path,
                     a->v[i].http ? "(an API key, not shown)" : a->v[i].key, a->v[i - 1].name,
                     a->v[i].name);
            return VERSO_EINVAL;
        }
    return VERSO_OK;
}

verso_err verso_allow_load(const char *path, verso_allow **out, char *why)
{
    snprintf(why, S_WHY, "%.128s: cannot read", path);
    FILE *f = fopen(path, "re");
    if (!f)
        return VERSO_EIO;
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || (st.st_mode & 022)) {
        fclose(f);
        snprintf(why, S_WHY, "%.128s may be written by group or others: chmod go-w it", path);
        return VERSO_EDENIED;
    }
    verso_allow *a = calloc(1, sizeof *a);
    verso_err err = a ? s_read(f, path, a, why) : VERSO_ENOMEM;
    fclose(f);
    if (!err)
        err = s_index(a, path, why);
    if (err) {
        verso_allow_destroy(&a);
        return err;
    }
    *out = a;
    return VERSO_OK;
}

void verso_allow_destroy(verso_allow **ap)
{
    if (!*ap)
        return;
    free((*ap)->v);
    free(*ap);
    *ap = NULL;
}

const verso_allow_entry *verso_allow_find(const verso_allow *a, const char *key)
{
    if (!a || !key || a->n == 0)
        return NULL;
    verso_allow_entry k;
    if (strlen(key) != VERSO_KEY_LEN)
        return NULL;
    memcpy(k.key, key, VERSO_KEY_LEN + 1);
    const verso_allow_entry *e = bsearch(&k, a->v, a->n, sizeof *a->v, s_cmp);
    return e && !e->http ? e : NULL;
}

/* Whether a[0..n) equals b (NUL-terminated, at most VERSO_TOKEN_MAX), in
 * time that does not depend on where they differ. */
static bool s_token_eq(const char *a, size_t n, const char *b)
{
    unsigned char diff = n > VERSO_TOKEN_MAX;
    size_t bn = strnlen(b, VERSO_TOKEN_MAX + 1);
    diff |= (unsigned char)(bn != n);
    for (size_t i = 0; i < VERSO_TOKEN_MAX; i++)
        diff |=
            (unsigned char)((i < n ? (unsigned char)a[i] : 0) ^ (i < bn ? (unsigned char)b[i] : 0));
    return diff == 0;
}

const verso_allow_entry *verso_allow_find_token(const verso_allow *a, const char *token, size_t len)
{
    const verso_allow_entry *found = NULL;
    for (size_t i = 0; a && i < a->n; i++)
        if (a->v[i].http && s_token_eq(token, len, a->v[i].key + 5) && !found)
            found = &a->v[i];
    return found;
}

size_t verso_allow_count(const verso_allow *a)
{
    return a ? a->n : 0;
}

/* The host part of tcp://HOST:PORT, without brackets. */
static int s_tcp_host(const char *ep, char *host, size_t cap)
{
    const char *h = ep + 6, *end;
    if (*h == '[') {
        h++;
        end = strchr(h, ']');
    } else {
        end = strrchr(h, ':');
    }
    if (!end || (size_t)(end - h) >= cap)
        return -1;
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    return 0;
}

int verso_endpoint_is_local(const char *ep)
{
    if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
        return 1;
    char host[256];
    if (strncmp(ep, "tcp://", 6) || strchr(ep, ';') || s_tcp_host(ep, host, sizeof host))
        return 0;
    if (!strcasecmp(host, "localhost") || !strcmp(host, "::1") || !strcmp(host, "lo"))
        return 1;
    unsigned a, b, c, d;
    char tail;
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
           c < 256 && d < 256;
}

verso_err verso_zap_bind(void *zctx, void **sock)
{
    *sock = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    if (!*sock)
        return VERSO_ETRANSPORT;
    zmq_setsockopt(*sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(*sock, "inproc://zeromq.zap.01") < 0) {
        zmq_close(*sock);
        *sock = NULL;
        return VERSO_ETRANSPORT;
    }
    return VERSO_OK;
}

static int s_part_is(zmq_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size(m) == n && !memcmp(zmq_msg_data(m), s, n);
}

/* Sends the reply: version, request id (echoed), status, text, user id,
 * metadata (none). */
static void s_zap_reply(void *sock, zmq_msg_t *req_id, const char *status, const char *text,
                        const char *user)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    if (req_id)
        zmq_send(sock, zmq_msg_data(req_id), zmq_msg_size(req_id), ZMQ_SNDMORE);
    else
        zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, status, strlen(status), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

/* Whether to log one more refusal now; the first line of a new second
 * says how many the last busy second left out. */
static int s_log_refusal(verso_zap_counts *c)
{
    long long now = (long long)time(NULL);
    if (now != c->second) {
        if (c->unlogged)
            verso_log(VERSO_LOG_WARN, "auth: %llu more handshake(s) refused, not logged one by one",
                      c->unlogged);
        c->second = now;
        c->lines = 0;
        c->unlogged = 0;
    }
    if (c->lines < VERSO_ZAP_LOG_PER_S) {
        c->lines++;
        return 1;
    }
    c->unlogged++;
    return 0;
}

/* Decides on a well-formed CURVE request; logs refusals. */
static void s_zap_decide(void *sock, zmq_msg_t *p, const verso_allow *a, verso_zap_counts *counts)
{
    char key[VERSO_KEY_LEN + 1], addr[64];
    zmq_z85_encode(key, zmq_msg_data(&p[6]), 32);
    size_t an = zmq_msg_size(&p[3]) < sizeof addr - 1 ? zmq_msg_size(&p[3]) : sizeof addr - 1;
    memcpy(addr, zmq_msg_data(&p[3]), an);
    addr[an] = '\0';
    for (size_t i = 0; i < an; i++)
        if (!isprint((unsigned char)addr[i]))
            addr[i] = '?';
    const verso_allow_entry *e = verso_allow_find(a, key);
    if (!e) {
        counts->refused++;
        if (s_log_refusal(counts))
            verso_log(VERSO_LOG_WARN, "auth: refused unknown key %s from %s", key, addr);
        s_zap_reply(sock, &p[1], "400", "unknown key", "");
        return;
    }
    counts->accepted++;
    verso_log(VERSO_LOG_INFO, "auth: '%s' (%s) connected from %s", e->name,
              verso_role_name(e->role), addr);
    s_zap_reply(sock, &p[1], "200", "OK", e->key);
}

void verso_zap_handle(void *sock, const verso_allow *a, verso_zap_counts *counts)
{
    zmq_msg_t p[S_ZAP_PARTS];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, 0) < 0) {
            zmq_msg_close(&part);
            break;
        }
        more = zmq_msg_more(&part);
        if (n < S_ZAP_PARTS)
            p[n++] = part;
        else
            zmq_msg_close(&part);
    }
    int ok =
        n == 7 && s_part_is(&p[0], "1.0") && s_part_is(&p[5], "CURVE") && zmq_msg_size(&p[6]) == 32;
    if (ok) {
        s_zap_decide(sock, p, a, counts);
    } else {
        counts->refused++;
        if (s_log_refusal(counts))
            verso_log(VERSO_LOG_WARN, "auth: refused a malformed or non-CURVE handshake");
        s_zap_reply(sock, n > 1 ? &p[1] : NULL, "400", "CURVE only", "");
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&p[i]);
}
