/*
 * http.h - versod's HTTP front door (docs/HTTP.md): libmicrohttpd serves
 * Verso's JSON API (POST /api/v1/{op}) and the translation-memory APIs that
 * CAT and localisation tools already speak (amaGama's tmserver), each
 * request run as an op through the ops' dispatch (ops/dispatch.h): the same
 * roles, limits and error codes as over ZeroMQ.
 *
 * Threads: a bounded pool of libmicrohttpd threads; each request borrows
 * one of as many slots (a segmenter, a fuzzy matcher and a connection to
 * the writer) for its run. Ownership: a verso_http is the caller's
 * (verso_http_destroy); the env, host and ZeroMQ context are borrowed and
 * must outlive it.
 */
#ifndef VERSO_HTTP_H
#define VERSO_HTTP_H

#include <stdint.h>

#include "env.h"
#include "host.h"
#include "verso/err.h"

typedef struct verso_http_config {
    const char *bind;       /* "127.0.0.1:8080", "[::1]:8080", "localhost:0" (0: any free port) */
    unsigned threads;       /* the pool, >= 1 */
    unsigned timeout_s;     /* an idle or slow connection is closed after this, >= 1 */
    unsigned max_conns;     /* connections at once; more are refused */
    int insecure;           /* permits a non-loopback address without keys or without TLS */
    const char *allow_file; /* the allow-list (auth.h): its "http:TOKEN" keys; NULL: none */
    const char *cert_file;  /* HTTPS: a PEM certificate (chain) and its key; NULL: plain */
    const char *key_file;
    const char *console_dir; /* the web console's files (console/); NULL: no console */
    uint64_t stop_grace_ms;  /* at a stop, running requests get this long; 0: the default */
} verso_http_config;

typedef struct verso_http verso_http;

/*
 * Starts serving. zctx is the server's ZeroMQ context (the slots connect
 * to its writer). With allow_file every request needs an API key of it.
 * Errors (logged): EINVAL (a bad address, a bad certificate or key),
 * EDENIED (not a loopback address without keys and TLS, and without
 * --insecure), EIO (a file that cannot be read), ETRANSPORT (cannot
 * bind), ENOMEM. *out is the caller's on success.
 */
verso_err verso_http_new(const verso_http_config *cfg, verso_env *env, verso_host *host, void *zctx,
                         verso_http **out);

/* Rereads the allow-list's API keys (SIGHUP, from the broker's thread; see
 * verso_server_config.reloaded): requests started after it see the new
 * keys. A list that does not read cleanly leaves the old one (logged). */
void verso_http_reload(void *h);

/* Whether it serves HTTPS. */
int verso_http_tls(const verso_http *h);

/* The port bound (the one chosen, for port 0). */
uint16_t verso_http_port(const verso_http *h);

/* Stops accepting, gives the running requests stop_grace_ms to finish, then
 * cancels what still runs (ECANCELED), frees everything.
 * Safe with *h == NULL; sets *h = NULL. */
void verso_http_destroy(verso_http **h);

#endif
