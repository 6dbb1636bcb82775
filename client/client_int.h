/*
 * client_int.h - what the files of libverso share and nothing else sees:
 * the request builder (fields counted as they are packed), the reply
 * reader (types checked, strings copied into the result's arena, the first
 * failure remembered), and the typed call's send/receive halves in
 * client.c. Not a public header.
 */
#ifndef VERSO_CLIENT_INT_H
#define VERSO_CLIENT_INT_H

#include <msgpack.h>

#include "verso/client.h"
#include "verso/envelope.h"

/* ---- requests (request.c) -------------------------------------------------- */

/* The fields of one request (or of one map inside it), packed back to back
 * and counted. Every call after a failure does nothing; err keeps the
 * first. Caller-owned: verso_req_init / verso_req_fini. */
typedef struct verso_req {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint32_t n;
    verso_err err;
} verso_req;

void verso_req_init(verso_req *q);
void verso_req_fini(verso_req *q);
/* A key whose value the caller packs next with q->pk (counts one field). */
void verso_req_key(verso_req *q, const char *key);
/* key: s; nothing when s is NULL. */
void verso_req_cstr(verso_req *q, const char *key, const char *s);
/* key: s; nothing when s.ptr is NULL. */
void verso_req_str(verso_req *q, const char *key, verso_str s);
void verso_req_int(verso_req *q, const char *key, int64_t v);
void verso_req_double(verso_req *q, const char *key, double v);
/* key: [str...]; nothing when v is NULL. */
void verso_req_strs(verso_req *q, const char *key, const verso_str *v, size_t n);
/* key: [[name, value]...]; nothing when v is NULL. */
void verso_req_pairs(verso_req *q, const char *key, const verso_pair *v, size_t n);
/* key: a map of sub's fields (sub is left as it was). */
void verso_req_map(verso_req *q, const char *key, const verso_req *sub);
/* Packs e's fields as an add entry wants them (EINVAL without src or tgt). */
void verso_req_entry(verso_req *q, const verso_entry *e);

/* ---- results (result.c) -------------------------------------------------------- */

/* A result's memory: one allocation for the struct and an arena of blocks
 * for everything it points to, freed together by verso_res_free. */
typedef struct verso_rd {
    void *res;     /* the result struct being filled */
    verso_err err; /* the first failure */
} verso_rd;

/* A zeroed result struct of size bytes with its arena, for rd->res. */
verso_err verso_rd_begin(verso_rd *rd, size_t size);
/* Frees a result made by verso_rd_begin (NULL: nothing). */
void verso_res_free(void *res);
/* Zeroed memory of n elements of size bytes in the result's arena; NULL
 * for n = 0, and on failure (rd->err set). */
void *verso_rd_alloc(verso_rd *rd, size_t n, size_t size);

/* Field readers: an absent or nil field gives zero, "" or nothing; one of
 * another type sets rd->err to VERSO_EPROTO. */
/* A str object copied into the arena ("" for NULL); an integer object
 * (0 for NULL). */
void verso_rd_str_of(verso_rd *rd, const msgpack_object *o, verso_str *out);
void verso_rd_int_of(verso_rd *rd, const msgpack_object *o, int64_t *out);
void verso_rd_str(verso_rd *rd, const msgpack_object *map, const char *key, verso_str *out);
void verso_rd_int(verso_rd *rd, const msgpack_object *map, const char *key, int64_t *out);
void verso_rd_bool(verso_rd *rd, const msgpack_object *map, const char *key, bool *out);
void verso_rd_double(verso_rd *rd, const msgpack_object *map, const char *key, double *out);
/* An array field: *out NULL when absent; *present whether it was there
 * (may be NULL). */
const msgpack_object *verso_rd_array(verso_rd *rd, const msgpack_object *map, const char *key,
                                     bool *present);
/* A map field, or NULL when absent. */
const msgpack_object *verso_rd_map(verso_rd *rd, const msgpack_object *map, const char *key);
/* Checks that o is a map (EPROTO otherwise); returns o or NULL. */
const msgpack_object *verso_rd_is_map(verso_rd *rd, const msgpack_object *o);
void verso_rd_strs(verso_rd *rd, const msgpack_object *map, const char *key, verso_str **v,
                   size_t *n);
void verso_rd_ints(verso_rd *rd, const msgpack_object *map, const char *key, int64_t **v,
                   size_t *n);
void verso_rd_pairs(verso_rd *rd, const msgpack_object *map, const char *key, verso_pair **v,
                    size_t *n);
/* An entry map (get, lookup, concordance, export) into e. */
void verso_rd_entry(verso_rd *rd, const msgpack_object *map, verso_entry *e);
/* A [start, end] pair of integers into s. */
void verso_rd_span(verso_rd *rd, const msgpack_object *o, verso_span *s);

/* ---- the typed call (client.c) ---------------------------------------------------- */

/* Sends op with q's fields; clears the client's last error. */
verso_err verso_typed_send(verso_client *c, const char *op, const verso_req *q, uint64_t *id);
/* Waits for id's reply: VERSO_OK with *res its "res" map (borrowed until
 * verso_typed_done), VERSO_ESERVER with the error kept for
 * verso_client_err_*, or a transport error (the request is given up). */
verso_err verso_typed_recv(verso_client *c, uint64_t id, const msgpack_object **res);
/* Ends a typed call: drops or keeps (verso_client_keep_reply) the reply. */
void verso_typed_done(verso_client *c);
/* The whole call: send, receive, parse(rd, res) into a result of size
 * bytes, done. *out gets the result on success. */
verso_err verso_typed_call(verso_client *c, const char *op, const verso_req *q, size_t size,
                           void (*parse)(verso_rd *rd, const msgpack_object *res), void **out);

#endif
