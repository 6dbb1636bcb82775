/*
 * tmserver.c - the amaGama / translate-toolkit "tmserver" API (docs/HTTP.md),
 * which Weblate's, Pootle's and Okapi's tmserver connectors speak:
 *   GET  /tmserver/{slang}/{tlang}/unit/{text}   (or .../unit/?source=text)
 *        ?min_similarity=70&max_candidates=5&jsoncallback=f (or callback=f; and tm=NAME)
 *        -> [{"source", "target", "quality", "rank"}], best first;
 *   GET  /tmserver/languages/ -> {"sourceLanguages": [...], "targetLanguages": [...]};
 *   PUT or POST /tmserver/{slang}/{tlang}/unit/{text} with {"source", "target"}: adds, or
 *        replaces the target of the entry with that source (role write).
 * Language codes come as those clients send them ("pt_BR", "zh_CN") and go
 * back the same way; Verso's ops take BCP 47 ("pt-BR").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "mp.h"

#define S_PREFIX "/tmserver/"

/* "pt_BR" -> "pt-BR" into out (64 bytes); false when too long or empty. */
static bool s_to_bcp47(const char *s, size_t n, char out[64])
{
    if (n == 0 || n >= 64)
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] == '_' ? '-' : s[i];
    out[n] = '\0';
    return true;
}

/* "pt-BR" -> "pt_BR", the form these clients use. */
static void s_from_bcp47(const char *s, size_t n, char out[64])
{
    n = n < 63 ? n : 63;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] == '-' ? '_' : s[i];
    out[n] = '\0';
}

/* A whole number argument in [lo, hi], def when absent; false when bad. */
static bool s_int_arg(verso_http_req *r, const char *name, long lo, long hi, long def, long *out)
{
    const char *v = verso_http_arg(r, name);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    double d = strtod(v, &end);                                    /* clients send "70" or "70.0" */
    if (end == v || *end || !(d >= (double)lo && d <= (double)hi)) /* NaN fails too */
        return false;
    *out = (long)d;
    return true;
}

/* JSONP: a callback name that is a plain identifier path ("cb", "a.b_1"). */
static bool s_callback_ok(const char *cb)
{
    size_t n = strlen(cb);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(cb[i] == '_' || cb[i] == '$' || cb[i] == '.' || (cb[i] >= '0' && cb[i] <= '9') ||
              ((cb[i] | 32) >= 'a' && (cb[i] | 32) <= 'z')))
            return false;
    return true;
}

/* The reply body json, wrapped for JSONP when the request asks. */
/* The JSONP callback asked for: amaGama's "jsoncallback", or "callback" as
 * translate-toolkit's tmserver reads it; NULL for none. */
static const char *s_callback(verso_http_req *r)
{
    const char *cb = verso_http_arg(r, "jsoncallback");
    return cb ? cb : verso_http_arg(r, "callback");
}

static void s_reply_json(verso_http_req *r, verso_http_reply *rep, json_t *json)
{
    const char *cb = s_callback(r);
    char *text = json ? json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (!text) {
        verso_http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "ENOMEM",
                               "out of memory writing the reply");
        return;
    }
    rep->status = MHD_HTTP_OK;
    verso_buf_reset(&rep->body);
    if (cb) {
        rep->type = "application/javascript";
        verso_buf_printf(&rep->body, "%s(%s);", cb, text);
    } else {
        rep->type = "application/json";
        verso_buf_puts(&rep->body, text);
    }
    free(text);
}

/* ---- lookups ------------------------------------------------------------- */

/* The matches of the only result as amaGama's list. */
static json_t *s_candidates(const msgpack_object *res)
{
    json_t *out = json_array();
    const msgpack_object *ms = verso_http_first_matches(res);
    for (uint32_t i = 0; ms && i < ms->via.array.size; i++) {
        const msgpack_object *m = &ms->via.array.ptr[i], *sc = verso_mp_get(m, "score");
        double score = sc && sc->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)sc->via.u64 : 0;
        score = score > 100 ? 100 : score; /* a context match (101) is a perfect one here */
        json_array_append_new(
            out, json_pack("{s:o,s:o,s:f,s:f}", "source", verso_http_json_str(m, "src"), "target",
                           verso_http_json_str(m, "tgt"), "quality", score, "rank", score));
    }
    return out;
}

static void s_lookup(verso_http_req *r, verso_http_reply *rep, const char *sl, const char *tl,
                     const char *text)
{
    long min = 0, max = 0;
    if (!s_int_arg(r, "min_similarity", 0, 100, 70, &min) ||
        !s_int_arg(r, "max_candidates", 1, 100, 5, &max)) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "min_similarity is 0 to 100, max_candidates 1 to 100");
        return;
    }
    verso_http_result res;
    verso_http_result_init(&res);
    if (verso_http_lookup_one(r, sl, tl, text, min, max, &res))
        verso_http_reply_failed(rep, &res);
    else {
        json_t *list = s_candidates(res.res);
        s_reply_json(r, rep, list);
        json_decref(list);
    }
    verso_http_result_fini(&res);
}

/* ---- adding a unit --------------------------------------------------------- */

static void s_store(verso_http_req *r, verso_http_reply *rep, const char *sl, const char *tl,
                    const char *path_text)
{
    json_t *j = verso_http_json_load(r->body.data, r->body.len, 0, rep);
    if (!j)
        return;
    json_t *src = json_object_get(j, "source"), *tgt = json_object_get(j, "target");
    if (!json_is_object(j) || !json_is_string(tgt) || (src && !json_is_string(src))) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "send a JSON object with \"source\" and \"target\" strings");
        json_decref(j);
        return;
    }
    verso_http_result res;
    verso_http_result_init(&res);
    if (verso_http_add_one(r, sl, tl, src ? json_string_value(src) : path_text,
                           json_string_value(tgt), "overwrite", &res))
        verso_http_reply_failed(rep, &res);
    else {
        rep->status = MHD_HTTP_OK;
        rep->type = "application/json";
        verso_buf_reset(&rep->body);
        verso_mp_to_json(res.res, &rep->body);
    }
    verso_http_result_fini(&res);
    json_decref(j);
}

/* ---- languages ------------------------------------------------------------ */

/* Adds s (BCP 47) to the array a, in the clients' form, once. */
static void s_add_lang(json_t *a, const msgpack_object *s)
{
    char code[64];
    if (!s || s->type != MSGPACK_OBJECT_STR)
        return;
    s_from_bcp47(s->via.str.ptr, s->via.str.size, code);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (!strcmp(json_string_value(v), code)) return;
    json_array_append_new(a, json_string(code));
}

static void s_languages(verso_http_req *r, verso_http_reply *rep)
{
    verso_http_result res;
    verso_http_result_init(&res);
    if (verso_http_run(r, "tm_list", NULL, &res) || !res.res) {
        verso_http_reply_failed(rep, &res);
        verso_http_result_fini(&res);
        return;
    }
    json_t *src = json_array(), *tgt = json_array();
    const char *want = verso_http_arg(r, "tm");
    const msgpack_object *tms = verso_mp_get(res.res, "tms");
    for (uint32_t i = 0; tms && tms->type == MSGPACK_OBJECT_ARRAY && i < tms->via.array.size; i++) {
        const msgpack_object *t = &tms->via.array.ptr[i], *pairs = verso_mp_get(t, "pairs");
        if (!verso_mp_str_is(verso_mp_get(t, "name"), want ? want : "default"))
            continue;
        for (uint32_t k = 0;
             pairs && pairs->type == MSGPACK_OBJECT_ARRAY && k < pairs->via.array.size; k++) {
            s_add_lang(src, verso_mp_get(&pairs->via.array.ptr[k], "src_lang"));
            s_add_lang(tgt, verso_mp_get(&pairs->via.array.ptr[k], "tgt_lang"));
        }
    }
    json_t *out = json_pack("{s:o,s:o}", "sourceLanguages", src, "targetLanguages", tgt);
    s_reply_json(r, rep, out);
    json_decref(out);
    verso_http_result_fini(&res);
}

/* ---- routing ---------------------------------------------------------------- */

bool verso_http_tmserver(verso_http_req *r, verso_http_reply *rep)
{
    if (strncmp(r->url, S_PREFIX, sizeof S_PREFIX - 1))
        return false;
    const char *rest = r->url + sizeof S_PREFIX - 1, *cb = s_callback(r);
    bool get = !strcmp(r->method, "GET"),
         put = !strcmp(r->method, "PUT") || !strcmp(r->method, "POST");
    if (cb && !s_callback_ok(cb)) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "jsoncallback must be a plain identifier");
        return true;
    }
    if (cb && !r->h->allow_file) { /* a <script> of any page could read the TM through it */
        verso_http_reply_error(rep, MHD_HTTP_FORBIDDEN, "EDENIED",
                               "JSONP needs API keys (without keys any web page could read "
                               "the TM through it)");
        return true;
    }
    if (!strcmp(rest, "languages/") || !strcmp(rest, "languages")) {
        if (get)
            s_languages(r, rep);
        else
            verso_http_reply_method(rep, "GET");
        return true;
    }
    const char *s1 = strchr(rest, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    char sl[64], tl[64];
    if (!s1 || !s2 || strncmp(s2, "/unit/", 6) || !s_to_bcp47(rest, (size_t)(s1 - rest), sl) ||
        !s_to_bcp47(s1 + 1, (size_t)(s2 - s1 - 1), tl)) {
        verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND",
                               "tmserver routes: languages/, {slang}/{tlang}/unit/{text}");
        return true;
    }
    const char *text = s2 + 6, *q = verso_http_arg(r, "source");
    if (!*text && q)
        text = q;
    if (!*text)
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ", "no text to look up");
    else if (get)
        s_lookup(r, rep, sl, tl, text);
    else if (put)
        s_store(r, rep, sl, tl, text);
    else
        verso_http_reply_method(rep, "GET, PUT, POST");
    return true;
}
