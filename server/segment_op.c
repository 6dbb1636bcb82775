/*
 * segment_op.c - the "segment" op: text in, sentences out, with byte offsets
 * into the request's text and each sentence's text in NFC.
 */
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"

static bool s_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* Packs s[0..n) as a str in NFC (ASCII and already-NFC text pass as is). */
static verso_err s_pack_nfc(msgpack_packer *pk, const char *s, size_t n)
{
    if (s_ascii(s, n))
        return msgpack_pack_str_with_body(pk, s, n) ? VERSO_ENOMEM : VERSO_OK;
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
    int32_t ulen = 0;
    u_strFromUTF8(NULL, 0, &ulen, s, (int32_t)n, &st);
    st = U_ZERO_ERROR;
    UChar *u = malloc(((size_t)ulen * 2 + 1) * sizeof *u); /* NFC grows at most x3; retried */
    verso_err err = u ? VERSO_OK : VERSO_ENOMEM;
    if (!err)
        u_strFromUTF8(u, ulen + 1, NULL, s, (int32_t)n, &st);
    if (!err && !U_FAILURE(st) && unorm2_isNormalized(nfc, u, ulen, &st)) {
        free(u);
        return msgpack_pack_str_with_body(pk, s, n) ? VERSO_ENOMEM : VERSO_OK;
    }
    int32_t cap = ulen * 3 + 1, nlen = 0, blen = 0;
    UChar *norm = err ? NULL : malloc((size_t)cap * sizeof *norm);
    char *out = NULL;
    st = U_ZERO_ERROR;
    if (norm)
        nlen = unorm2_normalize(nfc, u, ulen, norm, cap, &st);
    if (norm && !U_FAILURE(st) && (out = malloc((size_t)nlen * 4 + 1)))
        u_strToUTF8(out, nlen * 4 + 1, &blen, norm, nlen, &st);
    if (!out || U_FAILURE(st))
        err = out || !norm ? VERSO_EINTERNAL : VERSO_ENOMEM;
    else
        err = msgpack_pack_str_with_body(pk, out, (size_t)blen) ? VERSO_ENOMEM : VERSO_OK;
    free(out);
    free(norm);
    free(u);
    return err;
}

static verso_err s_pack_segments(msgpack_packer *pk, const char *text, const verso_spans *sp)
{
    int rc = msgpack_pack_array(pk, sp->n);
    for (size_t i = 0; i < sp->n && !rc; i++) {
        const verso_span *s = &sp->v[i];
        rc = msgpack_pack_map(pk, 4);
        rc = rc ? rc : verso_mp_pack_cstr(pk, "text");
        if (!rc && s_pack_nfc(pk, text + s->start, s->end - s->start))
            return VERSO_ENOMEM;
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "start", s->start);
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "end", s->end);
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "para", s->para);
    }
    return rc ? VERSO_ENOMEM : VERSO_OK;
}

static verso_err s_para_mode(const verso_req *r, verso_para_mode *mode, verso_fault *f)
{
    const char *s = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(r, "paragraphs", false, &s, &n, f);
    *mode = VERSO_PARA_AUTO;
    if (err || !s || (n == 4 && !memcmp(s, "auto", 4)))
        return err;
    if (n == 4 && !memcmp(s, "line", 4))
        *mode = VERSO_PARA_LINE;
    else if (n == 5 && !memcmp(s, "blank", 5))
        *mode = VERSO_PARA_BLANK;
    else
        return verso_fault_set(f, VERSO_EBADREQ,
                               "\"paragraphs\" must be \"auto\", \"line\" or \"blank\"");
    return VERSO_OK;
}

verso_err verso_op_segment(verso_op_ctx *ctx)
{
    const char *text = NULL, *tag = NULL;
    size_t len = 0, tlen = 0;
    bool rules = true;
    verso_para_mode mode;
    char lang[VERSO_LANG_MAX];
    verso_err err = verso_req_str(ctx->req, "text", true, &text, &len, ctx->fault);
    err = err ? err : verso_req_str(ctx->req, "lang", true, &tag, &tlen, ctx->fault);
    err = err ? err : verso_req_bool(ctx->req, "rules", false, &rules, ctx->fault);
    err = err ? err : s_para_mode(ctx->req, &mode, ctx->fault);
    if (err)
        return err;
    if (verso_lang_canon(tag, tlen, lang))
        return verso_fault_set(ctx->fault, VERSO_EBADLANG, "\"lang\": \"%.*s\" is not a BCP 47 tag",
                               (int)(tlen > 64 ? 64 : tlen), tag);
    verso_spans sp;
    verso_spans_init(&sp);
    err = verso_segmenter_run(ctx->th->seg, lang, text, len, mode, rules ? 0 : VERSO_SEG_ICU_ONLY,
                              &sp);
    msgpack_packer *pk = ctx->res;
    int rc = err ? 0 : msgpack_pack_map(pk, 3);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "lang", lang);
    rc =
        rc ? rc
           : verso_mp_pack_kv_str(
                 pk, "rules",
                 rules ? verso_seg_lang_name(verso_seg_rules_find(ctx->srv->rules, lang)) : "none");
    rc = rc ? rc : verso_mp_pack_cstr(pk, "segments");
    if (!err && rc)
        err = VERSO_ENOMEM;
    err = err ? err : s_pack_segments(pk, text, &sp);
    verso_spans_fini(&sp);
    return err;
}
