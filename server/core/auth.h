/*
 * auth.h - who may talk to versod, and with which rights (docs/SECURITY.md).
 *
 * With CURVE on, the front socket's handshakes are checked by a ZAP handler
 * (RFC 27) against an allow-list file of client public keys, each with a
 * name and a role; the broker then checks every message again against the
 * current list (a revoked key's open connection is refused on its next
 * request), and the role travels with the request to the worker, where
 * dispatch compares it with the op's role.
 *
 * Threads: the allow-list and the ZAP socket belong to the broker thread
 * (server.c); only verso_caller values reach the workers.
 */
#ifndef VERSO_AUTH_H
#define VERSO_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfile.h"
#include "verso/err.h"

/* Roles, each including the ones before it. */
typedef enum verso_role {
    VERSO_ROLE_NONE = 0, /* unknown or revoked: nothing */
    VERSO_ROLE_READ,     /* hello, ping, stats, segment, lookup, get, concordance, export, ... */
    VERSO_ROLE_WRITE,    /* also add, update, delete, align with store */
    VERSO_ROLE_ADMIN     /* also tm_create, tm_delete, backup, stats detail */
} verso_role;

#define VERSO_NAME_MAX 64 /* bytes of a client's name */

/* Who sent a request: its role and the name the allow-list gives it
 * ("local" when the server runs without CURVE). */
typedef struct verso_caller {
    verso_role role;
    char name[VERSO_NAME_MAX + 1];
} verso_caller;

/* "none", "read", "write", "admin". */
const char *verso_role_name(verso_role r);

#define VERSO_TOKEN_MIN 24  /* characters of an HTTP API key, at least ... */
#define VERSO_TOKEN_MAX 128 /* ... and at most */

/* One allow-list line: a client's key, its role and name. The key is a
 * CurveZMQ public key (40 Z85 characters), or an HTTP API key written
 * "http:TOKEN" (TOKEN: VERSO_TOKEN_MIN to VERSO_TOKEN_MAX characters of
 * A-Z a-z 0-9 . _ ~ -), which HTTP clients send as a bearer token. */
typedef struct verso_allow_entry {
    char key[5 + VERSO_TOKEN_MAX + 1]; /* as in the file */
    bool http;                         /* an HTTP API key ("http:TOKEN") */
    verso_role role;
    char name[VERSO_NAME_MAX + 1];
} verso_allow_entry;

typedef struct verso_allow verso_allow;

/*
 * Reads an allow-list file: one client a line, "KEY ROLE NAME" (a Z85
 * public key or "http:TOKEN", read|write|admin, a name of printable
 * non-space ASCII), blank lines
 * and lines whose first non-blank character is '#' ignored. Any bad line
 * fails the whole file. A file that group or others may write is refused.
 * On success *out is the caller's (verso_allow_destroy); on failure `why`
 * (at least 256 bytes) says where and what.
 */
verso_err verso_allow_load(const char *path, verso_allow **out, char *why);

void verso_allow_destroy(verso_allow **a);

/* The entry of a Z85 CurveZMQ key, or NULL. Borrowed from the list. */
const verso_allow_entry *verso_allow_find(const verso_allow *a, const char *key);

/* The entry of the HTTP API key token[0..len) (without "http:"), or NULL.
 * Compared in time that depends on the list's length only, not on how
 * much of a key matches. Borrowed from the list. */
const verso_allow_entry *verso_allow_find_token(const verso_allow *a, const char *token,
                                                size_t len);

size_t verso_allow_count(const verso_allow *a);

/* Whether a ZeroMQ endpoint is reachable from this machine only: ipc://,
 * inproc://, or tcp:// on 127.0.0.0/8, ::1 or localhost. */
int verso_endpoint_is_local(const char *endpoint);

/* Figures of the ZAP handler, kept by the broker. */
typedef struct verso_zap_counts {
    unsigned long long accepted, refused;
    long long second;            /* refusal lines are logged at most ... */
    unsigned lines;              /* ... VERSO_ZAP_LOG_PER_S a second; */
    unsigned long long unlogged; /* the others are counted, then summed up */
} verso_zap_counts;

#define VERSO_ZAP_LOG_PER_S 10

/* Binds a REP socket on inproc://zeromq.zap.01 in zctx; *sock is the
 * caller's (zmq_close). */
verso_err verso_zap_bind(void *zctx, void **sock);

/* Answers one ZAP request waiting on sock: 200 with the client's Z85 key
 * as user id when the key is on the list, 400 otherwise (logged with the
 * peer's address, at most VERSO_ZAP_LOG_PER_S lines a second, so that a
 * stream of bad handshakes cannot flood the log). */
void verso_zap_handle(void *sock, const verso_allow *a, verso_zap_counts *counts);

#endif
