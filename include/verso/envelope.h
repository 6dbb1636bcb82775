/**
 * @file verso/envelope.h
 * @brief libverso's raw envelope calls: any op, fields and replies as
 *        msgpack-c objects.
 *
 * The typed calls of verso/client.h cover every op of protocol version 1;
 * use these for an op they do not know yet, for pipelining of your own, or
 * to see a reply exactly as the server sent it. Only this header of
 * libverso includes <msgpack.h>. Replies are checked before they are
 * trusted (size cap, msgpack pre-scan, envelope), exactly as the server
 * checks requests.
 */
#ifndef VERSO_ENVELOPE_H
#define VERSO_ENVELOPE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verso/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct verso_reply verso_reply;

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

/**
 * Whether the typed calls of verso/client.h keep the reply they read, ok
 * or error, for verso_client_last_reply (off by default: a kept reply holds
 * its whole frame until the next typed call). The verso CLI's --json uses
 * it to print a result exactly as the server sent it.
 */
void verso_client_keep_reply(verso_client *c, bool keep);

/**
 * The reply the last typed call read, when verso_client_keep_reply is on;
 * else NULL (also after a transport failure). Borrowed until the next
 * typed call on @p c or verso_client_destroy.
 */
const verso_reply *verso_client_last_reply(const verso_client *c);

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
