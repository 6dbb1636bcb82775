/*
 * fuzz_http.c - libFuzzer target for the HTTP front door's mapping of a
 * JSON API body onto an op (server/http/api.c, json.c, call.c): any bytes
 * as the body of POST /api/v1/lookup. Aborts unless a body refused gets a
 * 4xx reply whose body is a JSON error, and a body accepted makes a request
 * frame that the ops' decoder either reads as the op "lookup" or refuses
 * with a wire error (nesting or size past the wire's caps).
 * Input: the body.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check_refusal(const verso_http_reply *rep)
{
    if (rep->status < 400 || rep->status > 499)
        abort();
    json_t *j = json_loadb(rep->body.data, rep->body.len, 0, NULL);
    json_t *e = j ? json_object_get(j, "error") : NULL;
    if (!json_is_string(json_object_get(e, "code")) ||
        !json_is_string(json_object_get(e, "message")))
        abort();
    json_decref(j);
}

static void s_check_frame(verso_http_fields *f)
{
    msgpack_sbuffer frame;
    msgpack_sbuffer_init(&frame);
    verso_err err = verso_http_frame("lookup", f, &frame);
    if (!err) {
        verso_req req;
        verso_fault fault = {VERSO_OK, ""};
        verso_req_init(&req);
        err = verso_req_decode(&req, frame.data, frame.size, &fault);
        if (!err && (req.op_len != 6 || memcmp(req.op, "lookup", 6)))
            abort();
        if (err && err != VERSO_EPROTO && err != VERSO_ETOOBIG && err != VERSO_EBADUTF8)
            abort();
        verso_req_fini(&req);
    } else if (err != VERSO_ENOMEM && err != VERSO_ETOOBIG) {
        abort();
    }
    msgpack_sbuffer_destroy(&frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    verso_http_fields f;
    verso_http_reply rep;
    verso_http_fields_init(&f);
    verso_http_reply_init(&rep);
    if (verso_http_api_fields((const char *)data, size, &f, &rep))
        s_check_refusal(&rep);
    else
        s_check_frame(&f);
    verso_http_reply_fini(&rep);
    verso_http_fields_fini(&f);
    return 0;
}
