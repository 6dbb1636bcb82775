/*
 * proto.h - protocol v1 envelopes: decoding a request frame into a verso_req,
 * typed access to its fields, and packing reply envelopes.
 * See docs/PROTOCOL.md; this file and that document must agree.
 *
 * A verso_req owns the unpacked msgpack objects; every pointer it hands out
 * (fields, strings) is borrowed until verso_req_fini. The request frame
 * itself must outlive the verso_req: msgpack-c references its strings.
 */
#ifndef VERSO_PROTO_H
#define VERSO_PROTO_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "peek.h"
#include "verso/err.h"

#define VERSO_ID_MAX_BYTES 256 /* longest str id accepted */

/* An error to report: the code and a message for the human reading it. */
typedef struct verso_fault {
    verso_err code;
    char message[256];
} verso_fault;

/* Sets f (when not NULL) and returns code, so that handlers can
 * `return verso_fault_set(f, VERSO_EBADREQ, "...")`. */
verso_err verso_fault_set(verso_fault *f, verso_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct verso_req {
    msgpack_unpacked unpacked;
    const msgpack_object *body; /* the request map */
    const msgpack_object *id;   /* NULL until a valid id was found */
    const char *op;             /* not NUL-terminated */
    size_t op_len;
} verso_req;

void verso_req_init(verso_req *r);
void verso_req_fini(verso_req *r);

/*
 * Decodes one request frame: pre-scan (wire.h), unpack, then the envelope:
 * a map with "v" = 1, "id" (int or str of at most VERSO_ID_MAX_BYTES, optional)
 * and "op" (str). r->id is set as soon as it is known valid, so an error
 * reply can echo it even when a later check fails.
 * Errors: EPROTO, EBADUTF8, ETOOBIG, EVERSION, EBADREQ (with *f filled).
 */
verso_err verso_req_decode(verso_req *r, const void *data, size_t len, verso_fault *f);

/* Field access. A missing optional field leaves *out untouched and returns
 * VERSO_OK; a missing required field or a wrong type gives EBADREQ. */
verso_err verso_req_str(const verso_req *r, const char *key, bool required, const char **s,
                        size_t *len, verso_fault *f);
verso_err verso_req_int(const verso_req *r, const char *key, bool required, int64_t *out,
                        verso_fault *f);
verso_err verso_req_bool(const verso_req *r, const char *key, bool required, bool *out,
                         verso_fault *f);

/* Appends {"v":1,"id":id|nil,"ok":true,"res":<res bytes>} to out; res
 * must be one packed msgpack object. Errors: ENOMEM, ETOOBIG (out's cap);
 * out may then hold part of the reply. */
verso_err verso_proto_pack_ok(verso_buf *out, const msgpack_object *id, const void *res,
                              size_t res_len);

/* Appends {"v":1,"id":id|nil,"ok":false,"err":{"code":SYMBOL,"message":msg}}. */
verso_err verso_proto_pack_err(verso_buf *out, const msgpack_object *id, verso_err code,
                               const char *message);

#endif
