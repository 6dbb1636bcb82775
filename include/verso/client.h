/**
 * @file verso/client.h
 * @brief libverso: talk to a versod server over ZeroMQ (protocol v1).
 *
 * A verso_client is one DEALER connection. Requests carry ids, so several
 * may be in flight at once (pipelining): send them all, then receive each
 * reply by id, in any order. A client is not thread-safe: use one per thread.
 *
 * Replies are checked before they are trusted (size cap, msgpack pre-scan,
 * envelope), exactly as the server checks requests.
 */
#ifndef VERSO_CLIENT_H
#define VERSO_CLIENT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verso/err.h"
#include "verso/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct verso_client verso_client;
typedef struct verso_reply verso_reply;

/** Options; zero fields take the defaults. */
typedef struct verso_client_opts {
    int timeout_ms;         /**< per call (default 10000) */
    int connect_timeout_ms; /**< TCP connect (default 5000) */
    size_t max_reply_bytes; /**< larger replies are refused (default 64 MiB) */
    /** CurveZMQ (docs/SECURITY.md): the server's public key and this
     *  client's key pair, each 40 Z85 characters; all three or none. Borrowed
     *  for verso_client_new only. */
    const char *server_key;
    const char *public_key;
    const char *secret_key;
} verso_client_opts;

/**
 * Creates a client connected (asynchronously) to @p endpoint.
 * @return VERSO_OK with *out the caller's (free with verso_client_destroy),
 *         VERSO_EINVAL for a malformed endpoint or keys (or only some of the
 *         three), VERSO_ETRANSPORT, VERSO_ENOMEM. A server that refuses the
 *         client's key closes the handshake: calls then fail with
 *         VERSO_EDENIED.
 */
verso_err verso_client_new(const char *endpoint, const verso_client_opts *opts, verso_client **out);

/** Closes the connection, drops pending replies, frees *c; sets *c = NULL. */
void verso_client_destroy(verso_client **c);

/**
 * Sends {"v":1,"id":<new id>,"op":op, ...fields}.
 * @param fields NULL, or a msgpack map whose pairs are added to the request
 *               (borrowed for the call; must not contain v, id or op).
 * @param id_out receives the request's id (ids start at 1).
 * @return VERSO_OK, VERSO_ETIMEOUT (could not queue the message), VERSO_EINVAL,
 *         VERSO_ENOMEM, VERSO_ETRANSPORT.
 */
verso_err verso_client_send(verso_client *c, const char *op, const msgpack_object *fields,
                            uint64_t *id_out);

/**
 * Like verso_client_send, for bulk requests built without a msgpack object
 * tree: @p fields holds @p nfields key/value pairs already packed back to
 * back (not a map header), borrowed for the call.
 */
verso_err verso_client_send_packed(verso_client *c, const char *op, const void *fields, size_t len,
                                   uint32_t nfields, uint64_t *id_out);

/**
 * Waits up to @p timeout_ms (negative: the client's default) for the reply to
 * request @p id (0: to any request in flight). Replies to other requests that
 * arrive meanwhile are kept for later calls.
 * @return VERSO_OK (ok reply), VERSO_ESERVER (error reply; read it with
 *         verso_reply_err_*), or with *out untouched: VERSO_ETIMEOUT,
 *         VERSO_EPROTO (malformed reply), VERSO_ETOOBIG, VERSO_ETRANSPORT.
 *         VERSO_EINVAL when no such request is in flight (nothing could answer).
 *         On OK/ESERVER *out is the caller's: free with verso_reply_destroy.
 */
verso_err verso_client_recv(verso_client *c, uint64_t id, int timeout_ms, verso_reply **out);

/** verso_client_send then verso_client_recv with the client's timeout. */
verso_err verso_client_call(verso_client *c, const char *op, const msgpack_object *fields,
                            verso_reply **out);

/** Requests sent whose replies have not been received yet. */
size_t verso_client_pending(const verso_client *c);

/** True for an ok reply. */
bool verso_reply_ok(const verso_reply *r);
/** The id the reply echoes. */
uint64_t verso_reply_id(const verso_reply *r);
/** The "res" map of an ok reply, else NULL. Borrowed until verso_reply_destroy. */
const msgpack_object *verso_reply_res(const verso_reply *r);
/** The whole reply envelope. Borrowed until verso_reply_destroy. */
const msgpack_object *verso_reply_root(const verso_reply *r);
/** The error of an error reply as a verso_err (VERSO_OK for ok replies;
 *  VERSO_EINTERNAL for a code this library does not know). */
verso_err verso_reply_err(const verso_reply *r);
/** The wire code ("EPROTO", ...) and message of an error reply; "" for ok
 *  replies. NUL-terminated; borrowed until verso_reply_destroy. */
const char *verso_reply_err_code(const verso_reply *r);
const char *verso_reply_err_message(const verso_reply *r);
/** Frees *r; sets *r = NULL; safe with *r == NULL. */
void verso_reply_destroy(verso_reply **r);

#ifdef __cplusplus
}
#endif
#endif
