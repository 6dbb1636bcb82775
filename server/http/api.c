/*
 * api.c - Verso's own JSON API (docs/HTTP.md): POST /api/v1/{op} with the
 * op's request fields as a JSON object (an empty body is {}); the reply is
 * the op's result as JSON, or {"error": {"code", "message"}} with the
 * status of the wire code. The JSON mapping is docs/PROTOCOL.md's.
 */
#include <string.h>

#include "http_int.h"
#include "mp.h"

#define S_PREFIX "/api/v1/"

verso_err verso_http_api_fields(const char *body, size_t len, verso_http_fields *fields,
                                verso_http_reply *rep)
{
    json_t *j = len ? verso_http_json_load(body, len, JSON_REJECT_DUPLICATES, rep) : json_object();
    if (!j)
        return rep->status == MHD_HTTP_CONTENT_TOO_LARGE ? VERSO_ETOOBIG : VERSO_EPROTO;
    verso_err err = VERSO_OK;
    if (!json_is_object(j)) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "the body must be a JSON object of the op's fields");
        err = VERSO_EBADREQ;
    } else if (json_object_get(j, "v") || json_object_get(j, "id") || json_object_get(j, "op")) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "\"v\", \"id\" and \"op\" are not fields: the op is in the path");
        err = VERSO_EBADREQ;
    } else {
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            verso_http_field_key(fields, key);
            if ((err = verso_http_json_pack(v, &fields->p)))
                break;
        }
        if (err)
            verso_http_reply_error(rep, verso_http_status_of(err), verso_err_symbol(err), "%s",
                                   verso_strerror(err));
    }
    json_decref(j);
    return err;
}

bool verso_http_api(verso_http_req *r, verso_http_reply *rep)
{
    if (strncmp(r->url, S_PREFIX, sizeof S_PREFIX - 1))
        return false;
    const char *op = r->url + sizeof S_PREFIX - 1;
    if (strcmp(r->method, "POST")) {
        verso_http_reply_method(rep, "POST");
        return true;
    }
    if (!*op || strlen(op) > 64 || strchr(op, '/')) {
        verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "EBADOP", "no op named in the path");
        return true;
    }
    verso_http_fields fields;
    verso_http_fields_init(&fields);
    if (!verso_http_api_fields(r->body.data, r->body.len, &fields, rep)) {
        verso_http_result res;
        verso_http_result_init(&res);
        if (verso_http_run(r, op, &fields, &res) == VERSO_OK && res.res) {
            rep->status = MHD_HTTP_OK;
            rep->type = "application/json";
            verso_buf_reset(&rep->body);
            if (verso_mp_to_json(res.res, &rep->body))
                verso_http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "ENOMEM",
                                       "out of memory writing the reply");
        } else {
            verso_http_reply_failed(rep, &res);
        }
        verso_http_result_fini(&res);
    }
    verso_http_fields_fini(&fields);
    return true;
}
