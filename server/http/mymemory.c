/*
 * mymemory.c - the subset of MyMemory's REST API that MateCat, OmegaT's
 * MyMemory connectors and many scripts use (docs/HTTP.md; the shapes follow
 * MyMemory's "API technical specifications", mymemory.translated.net/doc/spec.php):
 *   GET /mymemory/get?q=TEXT&langpair=en|it[&of=tmx][&tm=NAME]
 *       -> {"responseData": {"translatedText", "match"}, "responseStatus", "matches": [...]},
 *          or with of=tmx the matches as a TMX document (OmegaT's "MyMemory (human
 *          translation)" reads tu/tuv/@lang/seg);
 *   GET /mymemory/set?seg=SRC&tra=TGT&langpair=en|it[&tm=NAME]: adds the pair (role write).
 * `key=` carries the API key (http.c reads it with the other ways of giving one).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "mp.h"
#include "verso/version.h"

#define S_PREFIX      "/mymemory/"
#define S_MIN_SCORE   50 /* MyMemory returns weak matches too; below this they are noise */
#define S_MAX_RESULTS 10

/* "en|it" (or "en-GB|it-IT") into two tags of at most 63 bytes. */
static bool s_langpair(const char *lp, char sl[64], char tl[64])
{
    const char *bar = lp ? strchr(lp, '|') : NULL;
    if (!bar || bar == lp || !bar[1] || (size_t)(bar - lp) >= 64 || strlen(bar + 1) >= 64)
        return false;
    snprintf(sl, 64, "%.*s", (int)(bar - lp), lp);
    snprintf(tl, 64, "%s", bar + 1);
    return true;
}

static uint64_t s_uint(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
}

/* Unix seconds as MyMemory writes dates: "2024-05-01 12:30:00" (UTC). */
static json_t *s_date(uint64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm))
        return json_string("");
    return json_string(buf);
}

/* A lookup match as one of MyMemory's matches. */
static json_t *s_match(const msgpack_object *m)
{
    char id[24], quality[8];
    uint64_t score = s_uint(m, "score");
    score = score > 100 ? 100 : score;
    snprintf(id, sizeof id, "%llu", (unsigned long long)s_uint(m, "id"));
    snprintf(quality, sizeof quality, "%llu", (unsigned long long)score);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(id));
    json_object_set_new(j, "segment", verso_http_json_str(m, "src"));
    json_object_set_new(j, "translation", verso_http_json_str(m, "tgt"));
    json_object_set_new(j, "source", verso_http_json_str(m, "src_lang"));
    json_object_set_new(j, "target", verso_http_json_str(m, "tgt_lang"));
    json_object_set_new(j, "quality", json_string(quality));
    json_object_set_new(j, "reference", json_null());
    json_object_set_new(j, "usage-count", json_integer((json_int_t)s_uint(m, "usage")));
    json_object_set_new(j, "subject", json_string("All"));
    json_object_set_new(j, "created-by", verso_http_json_str(m, "author"));
    json_object_set_new(j, "last-updated-by", verso_http_json_str(m, "author"));
    json_object_set_new(j, "create-date", s_date(s_uint(m, "created")));
    json_object_set_new(j, "last-update-date", s_date(s_uint(m, "changed")));
    json_object_set_new(j, "match", json_real((double)score / 100.0));
    return j;
}

static void s_reply_json(verso_http_reply *rep, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    rep->status = MHD_HTTP_OK;
    rep->type = "application/json";
    verso_buf_reset(&rep->body);
    verso_buf_puts(&rep->body, text ? text : "{}");
    free(text);
}

static void s_get_json(verso_http_reply *rep, const msgpack_object *ms)
{
    json_t *list = json_array(), *best = NULL;
    for (uint32_t i = 0; ms && i < ms->via.array.size; i++) {
        json_t *m = s_match(&ms->via.array.ptr[i]);
        if (!best)
            best = m;
        json_array_append_new(list, m);
    }
    json_t *text = best ? json_incref(json_object_get(best, "translation")) : json_string("");
    json_t *match = best ? json_incref(json_object_get(best, "match")) : json_real(0);
    json_t *data = json_pack("{s:o,s:o}", "translatedText", text, "match", match);
    json_t *out =
        json_pack("{s:o,s:b,s:n,s:s,s:i,s:n,s:n,s:o}", "responseData", data, "quotaFinished", 0,
                  "mtLangSupported", "responseDetails", "", "responseStatus", 200, "responderId",
                  "exception_code", "matches", list);
    s_reply_json(rep, out);
    json_decref(out);
}

/* ---- of=tmx ---------------------------------------------------------------- */

/* XML text: & < > " escaped, CR as &#13; (kept through parsing), and the
 * characters XML 1.0 does not allow (C0 controls but TAB and LF, U+FFFE,
 * U+FFFF) as U+FFFD: a stored entry may hold any of them. */
static void s_xml(verso_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        const char *e = c == '&'                               ? "&amp;"
                        : c == '<'                             ? "&lt;"
                        : c == '>'                             ? "&gt;"
                        : c == '"'                             ? "&quot;"
                        : c == '\r'                            ? "&#13;"
                        : (c < 0x20 && c != '\t' && c != '\n') ? "\xEF\xBF\xBD"
                                                               : NULL;
        if (c == 0xEF && i + 2 < n && (unsigned char)p[i + 1] == 0xBF &&
            ((unsigned char)p[i + 2] == 0xBE || (unsigned char)p[i + 2] == 0xBF)) {
            e = "\xEF\xBF\xBD"; /* U+FFFE, U+FFFF */
            i += 2;
        }
        if (e)
            verso_buf_puts(b, e);
        else
            verso_buf_append(b, p + i, 1);
    }
}

static void s_xml_field(verso_buf *b, const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (o && o->type == MSGPACK_OBJECT_STR)
        s_xml(b, o->via.str.ptr, o->via.str.size);
}

/* A tuv with both lang spellings: TMX 1.4's xml:lang, and the lang of
 * TMX 1.1 that OmegaT's MyMemory connector asks its XPath for. */
static void s_tuv(verso_buf *b, const msgpack_object *m, const char *lang_key, const char *text)
{
    verso_buf_puts(b, "<tuv xml:lang=\"");
    s_xml_field(b, m, lang_key);
    verso_buf_puts(b, "\" lang=\"");
    s_xml_field(b, m, lang_key);
    verso_buf_puts(b, "\"><seg>");
    s_xml_field(b, m, text);
    verso_buf_puts(b, "</seg></tuv>");
}

static void s_get_tmx(verso_http_reply *rep, const msgpack_object *ms, const char *sl)
{
    verso_buf *b = &rep->body;
    verso_buf_reset(b);
    verso_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\"><header "
                      "creationtool=\"versod\" creationtoolversion=\"" VERSO_VERSION
                      "\" datatype=\"plaintext\" segtype=\"sentence\" adminlang=\"en\" "
                      "srclang=\"");
    s_xml(b, sl, strlen(sl));
    verso_buf_puts(b, "\" o-tmf=\"verso\"/><body>\n");
    for (uint32_t i = 0; ms && i < ms->via.array.size; i++) {
        const msgpack_object *m = &ms->via.array.ptr[i];
        uint64_t score = s_uint(m, "score");
        verso_buf_printf(b, "<tu tuid=\"%llu\"><prop type=\"x-match\">%llu</prop>",
                         (unsigned long long)s_uint(m, "id"),
                         (unsigned long long)(score > 100 ? 100 : score));
        s_tuv(b, m, "src_lang", "src");
        s_tuv(b, m, "tgt_lang", "tgt");
        verso_buf_puts(b, "</tu>\n");
    }
    verso_buf_puts(b, "</body></tmx>\n");
    rep->status = MHD_HTTP_OK;
    rep->type = "application/xml; charset=utf-8";
}

/* ---- get and set ----------------------------------------------------------- */

static void s_get(verso_http_req *r, verso_http_reply *rep)
{
    char sl[64], tl[64];
    const char *q = verso_http_arg(r, "q"), *of = verso_http_arg(r, "of");
    if (!q || !*q || !s_langpair(verso_http_arg(r, "langpair"), sl, tl) ||
        (of && strcmp(of, "json") && strcmp(of, "tmx"))) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "give q=TEXT and langpair=SRC|TGT (of=json or tmx)");
        return;
    }
    verso_http_result res;
    verso_http_result_init(&res);
    if (verso_http_lookup_one(r, sl, tl, q, S_MIN_SCORE, S_MAX_RESULTS, &res))
        verso_http_reply_failed(rep, &res);
    else if (of && !strcmp(of, "tmx"))
        s_get_tmx(rep, verso_http_first_matches(res.res), sl);
    else
        s_get_json(rep, verso_http_first_matches(res.res));
    verso_http_result_fini(&res);
}

static void s_set(verso_http_req *r, verso_http_reply *rep)
{
    char sl[64], tl[64];
    const char *seg = verso_http_arg(r, "seg"), *tra = verso_http_arg(r, "tra");
    if (!seg || !*seg || !tra || !*tra || !s_langpair(verso_http_arg(r, "langpair"), sl, tl)) {
        verso_http_reply_error(rep, MHD_HTTP_BAD_REQUEST, "EBADREQ",
                               "give seg=SOURCE, tra=TARGET and langpair=SRC|TGT");
        return;
    }
    verso_http_result res;
    verso_http_result_init(&res);
    if (verso_http_add_one(r, sl, tl, seg, tra, "keep_both", &res)) {
        verso_http_reply_failed(rep, &res);
    } else {
        const msgpack_object *ids = verso_mp_get(res.res, "ids");
        json_t *out =
            json_pack("{s:s,s:i,s:s,s:I}", "responseData", "OK", "responseStatus", 200,
                      "responseDetails", "", "id",
                      (json_int_t)(ids && ids->type == MSGPACK_OBJECT_ARRAY && ids->via.array.size
                                       ? ids->via.array.ptr[0].via.u64
                                       : 0));
        s_reply_json(rep, out);
        json_decref(out);
    }
    verso_http_result_fini(&res);
}

bool verso_http_mymemory(verso_http_req *r, verso_http_reply *rep)
{
    if (strncmp(r->url, S_PREFIX, sizeof S_PREFIX - 1))
        return false;
    const char *what = r->url + sizeof S_PREFIX - 1;
    if (strcmp(r->method, "GET"))
        verso_http_reply_method(rep, "GET");
    else if (!strcmp(what, "get"))
        s_get(r, rep);
    else if (!strcmp(what, "set"))
        s_set(r, rep);
    else
        verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND",
                               "MyMemory routes: /mymemory/get, /mymemory/set");
    return true;
}
