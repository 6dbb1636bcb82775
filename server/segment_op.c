/*
 * segment_op.c - the "segment" op: text in, sentences out, with byte offsets
 * into the request's text and each sentence's text in NFC.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"
#include "text.h"

/* Each sentence's text goes out in NFC (text.c); offsets point into the
 * request's own bytes. */
static verso_err s_pack_segments(msgpack_packer *pk, const char *text, const verso_spans *sp)
{
    verso_buf nfc;
    verso_buf_init(&nfc, (size_t)1 << 31);
    verso_err err = VERSO_OK;
    int rc = msgpack_pack_array(pk, sp->n);
    for (size_t i = 0; i < sp->n && !rc && !err; i++) {
        const verso_span *s = &sp->v[i];
        err = verso_text_nfc(text + s->start, s->end - s->start, &nfc);
        rc = err ? 0 : msgpack_pack_map(pk, 4);
        rc = rc || err ? rc : verso_mp_pack_cstr(pk, "text");
        rc = rc || err ? rc : msgpack_pack_str_with_body(pk, nfc.data ? nfc.data : "", nfc.len);
        rc = rc || err ? rc : verso_mp_pack_kv_uint(pk, "start", s->start);
        rc = rc || err ? rc : verso_mp_pack_kv_uint(pk, "end", s->end);
        rc = rc || err ? rc : verso_mp_pack_kv_uint(pk, "para", s->para);
    }
    verso_buf_fini(&nfc);
    return err ? err : rc ? VERSO_ENOMEM : VERSO_OK;
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
                              &sp, ctx->work);
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
