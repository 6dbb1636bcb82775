/*
 * http.c - the HTTP daemon (http.h): libmicrohttpd with a thread pool,
 * reading each request and its body under a cap, routing it, sending the
 * reply built apart; and the pool of slots requests run with.
 */
#define _GNU_SOURCE
#include "http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "http_int.h"
#include "log.h"
#include "utf8.h"
#include "work.h"
#include "writer.h"

#define S_HEADER_MEMORY ((size_t)64 << 10) /* a request's headers and buffers, per connection */
#define S_PER_IP        256                /* connections from one address at once */

/* ---- replies ------------------------------------------------------------ */

void verso_http_reply_init(verso_http_reply *rep)
{
    rep->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    rep->type = "application/json";
    rep->challenge = false;
    rep->allow = NULL;
    rep->csp = false;
    rep->stream = NULL;
    rep->stream_free = NULL;
    rep->stream_cls = NULL;
    rep->filename[0] = '\0';
    verso_buf_init(&rep->body, SIZE_MAX);
}

void verso_http_reply_fini(verso_http_reply *rep)
{
    if (rep->stream_free && rep->stream_cls) /* never handed to libmicrohttpd */
        rep->stream_free(rep->stream_cls);
    verso_buf_fini(&rep->body);
}

/* Appends s as a JSON string (quotes included). */
static void s_json_str(verso_buf *b, const char *s)
{
    json_t *j = json_string(s);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    verso_buf_puts(b, t ? t : "\"\"");
    free(t);
    json_decref(j);
}

void verso_http_reply_error(verso_http_reply *rep, unsigned status, const char *code,
                            const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t bad = 0, n = strlen(msg);
    if (!verso_utf8_valid(msg, n, &bad)) /* a cut in a character: drop the piece */
        msg[bad] = '\0';
    rep->status = status;
    rep->type = "application/json";
    verso_buf_reset(&rep->body);
    verso_buf_printf(&rep->body, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    s_json_str(&rep->body, msg);
    verso_buf_puts(&rep->body, "}}");
}

void verso_http_reply_method(verso_http_reply *rep, const char *allow)
{
    verso_http_reply_error(rep, MHD_HTTP_METHOD_NOT_ALLOWED, "EBADREQ", "this route takes %s",
                           allow);
    rep->allow = allow;
}

json_t *verso_http_json_load(const char *body, size_t len, size_t flags, verso_http_reply *rep)
{
    size_t values = 1;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) { /* every value but the first follows one of , : [ { */
        char c = body[i];
        if (in_str && c == '\\')
            i++; /* an escape: the next character is part of it */
        else if (c == '"')
            in_str = !in_str;
        else if (!in_str && (c == ',' || c == ':' || c == '[' || c == '{'))
            values++;
    }
    if (values > VERSO_HTTP_JSON_MAX) {
        verso_http_reply_error(rep, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG",
                               "the body holds more than %d JSON values", VERSO_HTTP_JSON_MAX);
        return NULL;
    }
    json_error_t jerr;
    json_t *j = json_loadb(body ? body : "", len, flags, &jerr);
    if (!j)
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EPROTO",
                               "the body is not JSON: %s (line %d, column %d)", jerr.text,
                               jerr.line, jerr.column);
    return j;
}

/* ---- slots --------------------------------------------------------------- */

static verso_http_slot *s_slot_take(verso_http *h)
{
    pthread_mutex_lock(&h->mu);
    verso_http_slot *s = NULL;
    while (!s) {
        for (unsigned i = 0; i < h->nslots && !s; i++)
            if (!h->slots[i].busy)
                s = &h->slots[i];
        if (!s)
            pthread_cond_wait(&h->cv, &h->mu);
    }
    s->busy = true;
    pthread_mutex_unlock(&h->mu);
    return s;
}

static void s_slot_give(verso_http *h, verso_http_slot *s)
{
    pthread_mutex_lock(&h->mu);
    s->busy = false;
    pthread_cond_broadcast(&h->cv); /* a request waiting for a slot, or the stop */
    pthread_mutex_unlock(&h->mu);
}

/* Whether a request runs (h->mu held). */
static bool s_busy(const verso_http *h)
{
    for (unsigned i = 0; i < h->nslots; i++)
        if (h->slots[i].busy)
            return true;
    return false;
}

void verso_http_dispatch(verso_http_req *r, const void *frame, size_t len, verso_buf *out)
{
    verso_http *h = r->h;
    verso_http_slot *s = s_slot_take(h);
    verso_call call = {&r->who, s->writer, &h->cancel, r->received_ns, h->host};
    verso_dispatch_as(h->env, s->th, &call, frame, len, out);
    s_slot_give(h, s);
}

static verso_err s_slots_new(verso_http *h, unsigned n)
{
    if (!(h->slots = calloc(n, sizeof *h->slots)))
        return VERSO_ENOMEM;
    h->nslots = n;
    for (unsigned i = 0; i < n; i++) {
        verso_err err = verso_op_thread_new(h->env, &h->slots[i].th);
        if (err)
            return err;
        if (!(h->slots[i].writer = verso_writer_connect(h->zctx)))
            return VERSO_ETRANSPORT;
    }
    return VERSO_OK;
}

static void s_slots_free(verso_http *h)
{
    for (unsigned i = 0; h->slots && i < h->nslots; i++) {
        verso_op_thread_destroy(&h->slots[i].th);
        verso_writer_disconnect(&h->slots[i].writer);
    }
    free(h->slots);
    h->slots = NULL;
}

/* ---- API keys ------------------------------------------------------------ */

/* Whether to log one more refusal now; the first line of a new second says
 * how many the last busy second left out (as the ZAP handler does). */
static bool s_log_refusal(verso_http *h)
{
    bool log = false;
    pthread_mutex_lock(&h->log_mu);
    long long now = (long long)time(NULL);
    if (now != h->log_second) {
        if (h->log_unlogged)
            verso_log(VERSO_LOG_WARN, "http: %llu more request(s) refused, not logged one by one",
                      h->log_unlogged);
        h->log_second = now;
        h->log_lines = 0;
        h->log_unlogged = 0;
    }
    if (h->log_lines < VERSO_ZAP_LOG_PER_S) {
        h->log_lines++;
        log = true;
    } else {
        h->log_unlogged++;
    }
    pthread_mutex_unlock(&h->log_mu);
    return log;
}

/* The API key a request carries: "Authorization: Bearer KEY", else the
 * query argument key= (MyMemory's way). NULL when none. */
static const char *s_token(struct MHD_Connection *c, size_t *len)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *t = a && !strncasecmp(a, "Bearer ", 7) ? a + 7 : NULL;
    if (!t)
        t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
    *len = t ? strlen(t) : 0;
    return t;
}

static void s_guard(verso_http_req *r);

/* Who the request comes from: the local admin without keys; else the
 * allow-list's entry of its API key, or r->denied says why not. */
static void s_authenticate(verso_http *h, verso_http_req *r)
{
    if (!h->allow_file) {
        r->who = (verso_caller){.role = VERSO_ROLE_ADMIN, .name = "http"};
        s_guard(r);
        return;
    }
    size_t n = 0;
    const char *t = s_token(r->conn, &n);
    pthread_rwlock_rdlock(&h->keys);
    const verso_allow_entry *e = t ? verso_allow_find_token(h->allow, t, n) : NULL;
    if (e) {
        r->who.role = e->role;
        memcpy(r->who.name, e->name, sizeof r->who.name);
    }
    pthread_rwlock_unlock(&h->keys);
    if (e)
        return;
    r->denied = t ? "unknown or revoked API key" : "no API key: send Authorization: Bearer KEY";
    r->denied_status = MHD_HTTP_UNAUTHORIZED;
    atomic_fetch_add_explicit(&h->host->stats.denied, 1, memory_order_relaxed);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[64] = "?";
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
                  sizeof addr);
    else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, addr,
                  sizeof addr);
    char url[128];
    snprintf(url, sizeof url, "%.100s", r->url);
    for (char *c = url; *c; c++) /* a path decoded from %0A or %1B must not forge a log line */
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '?';
    if (s_log_refusal(h))
        verso_log(VERSO_LOG_WARN, "http: refused %s %s from %s: %s", r->method, url, addr,
                  r->denied);
}

/* A Host header that names this machine: 127.x.x.x, localhost or [::1],
 * with or without a port. */
static bool s_local_host(const char *host)
{
    if (!host)
        return false;
    size_t n = strcspn(host, ":");
    if (host[0] == '[')
        return !strncmp(host, "[::1]", 5) && (!host[5] || host[5] == ':');
    if (n == 9 && !strncasecmp(host, "localhost", 9))
        return true;
    unsigned a, b, c, d;
    char tail[8] = "";
    return sscanf(host, "%u.%u.%u.%u%7s", &a, &b, &c, &d, tail) >= 4 && a == 127 &&
           (!tail[0] || tail[0] == ':');
}

/* Without keys every caller is admin: only this machine's own clients may
 * call, so a web page of another site (a cross-site form or image, a
 * DNS-rebound page) must not reach the TM through the user's browser.
 * Refuses a Host that is not this machine, a request the browser marks
 * cross-site, and an Origin other than the Host's. */
static void s_guard(verso_http_req *r)
{
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *site = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (!s_local_host(host))
        r->denied = "without keys, only requests to this machine's own name (127.0.0.1, "
                    "localhost, [::1]) are served";
    else if (site && !strcmp(site, "cross-site"))
        r->denied = "without keys, pages of other sites may not call this server";
    else if (origin && strcmp(origin, "null") &&
             !((!strncmp(origin, "http://", 7) && !strcmp(origin + 7, host)) ||
               (!strncmp(origin, "https://", 8) && !strcmp(origin + 8, host))))
        r->denied = "without keys, pages of other origins may not call this server";
    else
        return;
    r->denied_status = MHD_HTTP_FORBIDDEN;
    atomic_fetch_add_explicit(&r->h->host->stats.denied, 1, memory_order_relaxed);
}

void verso_http_reload(void *arg)
{
    verso_http *h = arg;
    if (!h || !h->allow_file)
        return;
    char why[256];
    verso_allow *next;
    if (verso_allow_load(h->allow_file, &next, why)) {
        verso_log(VERSO_LOG_ERROR, "http: API keys not reloaded, the old ones stay: %s", why);
        return;
    }
    pthread_rwlock_wrlock(&h->keys);
    verso_allow *old = h->allow;
    h->allow = next;
    pthread_rwlock_unlock(&h->keys);
    verso_allow_destroy(&old);
    verso_log(VERSO_LOG_INFO, "http: API keys reloaded");
}

/* ---- requests ------------------------------------------------------------ */

const char *verso_http_arg(const verso_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Routes a whole request into rep. */
/* The reply of a request refused before it ran. */
static void s_refusal(verso_http_req *r, verso_http_reply *rep)
{
    verso_http_reply_error(rep, r->denied_status, "EDENIED", "%s", r->denied);
    rep->challenge = r->denied_status == MHD_HTTP_UNAUTHORIZED;
}

static void s_route(verso_http_req *r, verso_http_reply *rep)
{
    /* the console's three files hold no data: served without a key, so that
     * a browser (which sends none for a page or a script) can load them */
    if (r->denied && r->denied_status == MHD_HTTP_UNAUTHORIZED && verso_http_console(r, rep))
        return;
    if (r->denied) {
        s_refusal(r, rep);
        return;
    }
    if (r->too_big) {
        verso_http_reply_error(rep, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG",
                               "the body is over max_message_bytes (%zu)",
                               r->h->host->max_message_bytes);
        return;
    }
    if (!verso_utf8_valid(r->url, strlen(r->url), NULL)) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADUTF8",
                               "the path is not valid UTF-8 once percent-decoded");
        return;
    }
    if (verso_http_imports(r, rep) || verso_http_transfer(r, rep) || verso_http_api(r, rep) ||
        verso_http_tmserver(r, rep) || verso_http_mymemory(r, rep) || verso_http_prom(r, rep) ||
        verso_http_console(r, rep))
        return;
    verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no route for %s %.200s",
                           r->method, r->url);
}

static enum MHD_Result s_send(struct MHD_Connection *c, verso_http_reply *rep)
{
    struct MHD_Response *resp;
    if (rep->stream) { /* libmicrohttpd owns stream_cls from here on, freeing it too */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, rep->stream,
                                                 rep->stream_cls, rep->stream_free);
        if (resp)
            rep->stream_cls = NULL;
    } else {
        resp = MHD_create_response_from_buffer(
            rep->body.len, rep->body.data ? rep->body.data : (char *)"", MHD_RESPMEM_MUST_COPY);
    }
    if (!resp)
        return MHD_NO;
    if (rep->filename[0]) {
        char cd[160];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", rep->filename);
        MHD_add_response_header(resp, "Content-Disposition", cd);
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (rep->challenge)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"verso\"");
    if (rep->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
    if (rep->csp) {
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; frame-ancestors 'none'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    enum MHD_Result ok = MHD_queue_response(c, rep->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* A request refused on its headers alone (no key, a foreign page, a
 * Content-Length over the cap) is answered at once: its body is never
 * read (libmicrohttpd closes the connection after the reply). */
static enum MHD_Result s_early(verso_http_req *r)
{
    const char *cl =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    bool big = cl && strtoull(cl, NULL, 10) > r->h->host->max_message_bytes;
    verso_http_reply rep;
    verso_http_reply_init(&rep);
    if (r->denied && !(r->denied_status == MHD_HTTP_UNAUTHORIZED && verso_http_console(r, &rep)))
        s_refusal(r, &rep);
    else if (big)
        verso_http_reply_error(&rep, MHD_HTTP_CONTENT_TOO_LARGE, "ETOOBIG",
                               "the body is over max_message_bytes (%zu)",
                               r->h->host->max_message_bytes);
    else {
        verso_http_reply_fini(&rep);
        return MHD_YES;
    }
    r->answered = true;
    enum MHD_Result ok = s_send(r->conn, &rep);
    verso_http_reply_fini(&rep);
    return ok;
}

/* A TMX upload: checked and started on its headers (a refusal is sent
 * before the body, as s_early's), then read piece by piece. */
static enum MHD_Result s_upload_start(verso_http_req *r)
{
    verso_http_reply rep;
    verso_http_reply_init(&rep);
    enum MHD_Result ok = MHD_YES;
    if (!verso_http_upload_begin(r, &rep)) {
        r->answered = true;
        ok = s_send(r->conn, &rep);
    }
    verso_http_reply_fini(&rep);
    return ok;
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
    (void)version;
    verso_http *h = cls;
    verso_http_req *r = *con_cls;
    if (!r) { /* the headers are in: the request starts */
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        r->h = h;
        r->conn = c;
        r->method = method;
        r->url = url;
        r->received_ns = verso_work_now_ns();
        s_authenticate(h, r);
        verso_buf_init(&r->body, h->host->max_message_bytes);
        *con_cls = r;
        if (!r->denied && verso_http_upload_match(r))
            return s_upload_start(r);
        return s_early(r);
    }
    if (r->answered) { /* refused before its body: the body is not read */
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->upload && *upload_size) { /* a piece of a TMX upload: read as it comes */
        bool go = verso_http_upload_feed(r->upload, upload, *upload_size);
        *upload_size = 0;
        return go ? MHD_YES : MHD_NO;
    }
    if (*upload_size) { /* a piece of the body (dropped for a refused request) */
        if (!r->too_big && !r->denied && verso_buf_append(&r->body, upload, *upload_size))
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    verso_http_reply rep;
    verso_http_reply_init(&rep);
    if (r->upload)
        verso_http_upload_end(r->upload, &rep);
    else
        s_route(r, &rep);
    enum MHD_Result ok = s_send(c, &rep);
    verso_http_reply_fini(&rep);
    return ok;
}

static void s_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    verso_http_req *r = *con_cls;
    if (!r)
        return;
    verso_http_upload_free(&r->upload); /* an import cut short: marked failed */
    verso_buf_fini(&r->body);
    free(r);
    *con_cls = NULL;
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    verso_log(VERSO_LOG_WARN, "http: %s", line);
}

/* ---- the daemon ---------------------------------------------------------- */

/* Parses "HOST:PORT" ("[v6]:PORT") into *ss. Returns 0, or -1. */
static int s_address(const char *bind, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(bind, ':');
    if (!colon || colon == bind || strlen(colon + 1) == 0 || strlen(colon + 1) > 5)
        return -1;
    size_t n = (size_t)(colon - bind);
    if (bind[0] == '[' && n >= 2 && bind[n - 1] == ']')
        snprintf(host, sizeof host, "%.*s", (int)(n - 2), bind + 1);
    else if (n < sizeof host)
        snprintf(host, sizeof host, "%.*s", (int)n, bind);
    else
        return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV},
                    *ai = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
        return -1;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static bool s_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    return false;
}

/* Reads a whole PEM file of at most 1 MiB into *out (NUL-terminated, the
 * caller's). */
static verso_err s_slurp(const char *path, char **out)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return VERSO_EIO;
    verso_buf b;
    verso_buf_init(&b, (size_t)1 << 20);
    char chunk[4096];
    size_t n;
    verso_err err = VERSO_OK;
    while (!err && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        err = verso_buf_append(&b, chunk, n);
    err = err ? err : ferror(f) ? VERSO_EIO : VERSO_OK;
    fclose(f);
    if (err || !b.len) {
        verso_buf_fini(&b);
        return err ? err : VERSO_EINVAL;
    }
    *out = b.data; /* the buffer's own allocation, NUL-terminated */
    return VERSO_OK;
}

/* Loads the API keys and the certificate, as the configuration asks. */
static verso_err s_credentials(verso_http *h, const verso_http_config *cfg)
{
    char why[256];
    if (cfg->allow_file && verso_allow_load(cfg->allow_file, &h->allow, why)) {
        verso_log(VERSO_LOG_ERROR, "http: %s", why);
        return VERSO_EINVAL;
    }
    h->allow_file = cfg->allow_file;
    if (!cfg->cert_file != !cfg->key_file) {
        verso_log(VERSO_LOG_ERROR, "http: HTTPS needs both --http-cert and --http-key");
        return VERSO_EINVAL;
    }
    if (!cfg->cert_file)
        return VERSO_OK;
    if (s_slurp(cfg->cert_file, &h->cert) || s_slurp(cfg->key_file, &h->key)) {
        verso_log(VERSO_LOG_ERROR, "http: cannot read %s or %s", cfg->cert_file, cfg->key_file);
        return VERSO_EIO;
    }
    h->tls = true;
    return VERSO_OK;
}

static verso_err s_start(verso_http *h, const verso_http_config *cfg)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    if (s_address(cfg->bind, &ss, &sl) < 0) {
        verso_log(VERSO_LOG_ERROR, "http: cannot read the address %s (HOST:PORT)", cfg->bind);
        return VERSO_EINVAL;
    }
    if (!s_loopback(&ss) && !cfg->insecure && !(h->allow && h->tls)) {
        verso_log(VERSO_LOG_ERROR,
                  "http: refusing to serve %s %s: anyone on the network could read and "
                  "change the TM; give API keys (--allow) and a certificate (--http-cert, "
                  "--http-key), or --insecure",
                  cfg->bind, h->allow ? "without TLS" : "without keys");
        return VERSO_EDENIED;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (h->tls ? MHD_USE_TLS : 0);
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)s_mhd_log, h},
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_conns, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)S_PER_IP, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)S_HEADER_MEMORY, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)s_completed, h},
        {h->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->cert},
        {h->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, h->key},
        {MHD_OPTION_END, 0, NULL}};
    h->d =
        MHD_start_daemon(flags, 0, NULL, NULL, s_access, h, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!h->d) {
        verso_log(VERSO_LOG_ERROR, "http: cannot listen on %s%s", cfg->bind,
                  h->tls ? " (or the certificate and key do not load)" : "");
        return VERSO_ETRANSPORT;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    return VERSO_OK;
}

verso_err verso_http_new(const verso_http_config *cfg, verso_env *env, verso_host *host, void *zctx,
                         verso_http **out)
{
    *out = NULL;
    if (!cfg->bind || cfg->threads < 1 || cfg->timeout_s < 1 || cfg->max_conns < 1)
        return VERSO_EINVAL;
    verso_http *h = calloc(1, sizeof *h);
    if (!h)
        return VERSO_ENOMEM;
    h->env = env;
    h->host = host;
    h->grace_ms = cfg->stop_grace_ms ? cfg->stop_grace_ms : VERSO_STOP_GRACE_MS;
    h->zctx = zctx;
    atomic_init(&h->cancel, 0);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_mutex_init(&h->log_mu, NULL);
    pthread_rwlock_init(&h->keys, NULL);
    pthread_mutex_init(&h->jobs_mu, NULL);
    verso_err err = s_credentials(h, cfg);
    err = err ? err : verso_http_console_load(h, cfg->console_dir);
    err = err ? err : s_slots_new(h, cfg->threads);
    if (!err)
        err = s_start(h, cfg);
    if (err) {
        verso_http_destroy(&h);
        return err;
    }
    verso_log(VERSO_LOG_INFO, "http: listening on %s (port %u), %u thread(s), %s, %s", cfg->bind,
              (unsigned)h->port, cfg->threads, h->tls ? "HTTPS" : "plain HTTP",
              h->allow ? "API keys required" : "no keys (every caller is admin)");
    *out = h;
    return VERSO_OK;
}

uint16_t verso_http_port(const verso_http *h)
{
    return h->port;
}

int verso_http_tls(const verso_http *h)
{
    return h->tls;
}

void verso_http_destroy(verso_http **hp)
{
    verso_http *h = *hp;
    if (!h)
        return;
    if (h->d) { /* no new connection; running requests get the grace to finish */
        MHD_quiesce_daemon(h->d);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(h->grace_ms / 1000);
        until.tv_nsec += (long)(h->grace_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&h->mu);
        while (s_busy(h) && pthread_cond_timedwait(&h->cv, &h->mu, &until) == 0)
            ;
        pthread_mutex_unlock(&h->mu);
    }
    atomic_store(&h->cancel, 1); /* the grace is over: what still runs stops (work.h) */
    if (h->d)
        MHD_stop_daemon(h->d); /* joins the pool: no request runs after this */
    s_slots_free(h);
    verso_http_console_free(h);
    verso_allow_destroy(&h->allow);
    free(h->cert);
    if (h->key)
        explicit_bzero(h->key, strlen(h->key)); /* the TLS private key */
    free(h->key);
    pthread_rwlock_destroy(&h->keys);
    pthread_mutex_destroy(&h->log_mu);
    pthread_mutex_destroy(&h->jobs_mu);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
    *hp = NULL;
}
