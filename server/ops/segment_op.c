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
static verso_err s_pack_segments(verso_pack *pk, const char *text, const verso_spans *sp)
{
    verso_buf nfc;
    verso_buf_init(&nfc, (size_t)1 << 31);
    verso_err err = VERSO_OK;
    verso_pack_array(pk, (uint32_t)sp->n);
    for (size_t i = 0; i < sp->n && !verso_pack_err(pk) && !err; i++) {
        const verso_span *s = &sp->v[i];
        err = verso_text_nfc(text + s->start, s->end - s->start, &nfc);
        if (err)
            break;
        verso_pack_map(pk, 4);
        verso_pack_kv_strn(pk, "text", nfc.data, nfc.len);
        verso_pack_kv_uint(pk, "start", s->start);
        verso_pack_kv_uint(pk, "end", s->end);
        verso_pack_kv_uint(pk, "para", s->para);
    }
    verso_buf_fini(&nfc);
    return err ? err : verso_pack_err(pk);
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
    else if (n == 6 && !memcmp(s, "unwrap", 6))
        *mode = VERSO_PARA_UNWRAP;
    else
        return verso_fault_set(
            f, VERSO_EBADREQ, "\"paragraphs\" must be \"auto\", \"line\", \"blank\" or \"unwrap\"");
    return VERSO_OK;
}

verso_err verso_op_seg_parse(verso_op_ctx *ctx, verso_op_seg *how)
{
    const msgpack_object *o = verso_mp_get(ctx->req->body, "rules");
    *how = (verso_op_seg){NULL, false};
    if (!o || o->type == MSGPACK_OBJECT_NIL ||
        (o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean))
        return VERSO_OK;
    if (o->type == MSGPACK_OBJECT_BOOLEAN) {
        how->icu_only = true;
        return VERSO_OK;
    }
    if (o->type != MSGPACK_OBJECT_STR)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"rules\" must be true, false or the name of a rule set");
    const char *p = o->via.str.ptr;
    size_t n = o->via.str.size;
    if ((n == 5 && !memcmp(p, "verso", 5)) || (n == 4 && !memcmp(p, "none", 4))) {
        how->icu_only = n == 4;
        return VERSO_OK;
    }
    char names[VERSO_SRX_MAX_SETS * 70] = "";
    size_t len = 0;
    for (unsigned k = 0; k < ctx->env->nsrx; k++) {
        const char *name = verso_srx_name(ctx->env->srx[k]);
        if (strlen(name) == n && !memcmp(name, p, n)) {
            how->srx = ctx->env->srx[k];
            return VERSO_OK;
        }
        if (len < sizeof names)
            len += (size_t)snprintf(names + len, sizeof names - len, ", \"%s\"", name);
    }
    return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                           "\"rules\": no rule set \"%.*s\" (there are \"verso\", \"none\"%s)",
                           (int)(n > 64 ? 64 : n), p, names);
}

verso_err verso_op_seg_run(verso_op_ctx *ctx, const verso_op_seg *how, const char *lang,
                           const char *text, size_t len, verso_para_mode mode, verso_spans *out)
{
    if (how->srx)
        return verso_segmenter_run_srx(ctx->th->seg, how->srx, lang, text, len, mode, out,
                                       ctx->work);
    return verso_segmenter_run(ctx->th->seg, lang, text, len, mode,
                               how->icu_only ? VERSO_SEG_ICU_ONLY : 0, out, ctx->work);
}

/* The name of the rules a segmentation used, for the reply: the SRX rule
 * set and the language rules that applied ("omegat:English+Default"), the
 * rule file ("en", "root") or "none". */
static void s_rules_name(verso_op_ctx *ctx, const verso_op_seg *how, const char *lang, char *buf,
                         size_t cap)
{
    if (how->srx) {
        int n = snprintf(buf, cap, "%s:", verso_srx_name(how->srx));
        verso_srx_describe(how->srx, lang, buf + n, cap - (size_t)n);
    } else {
        snprintf(buf, cap, "%s",
                 how->icu_only ? "none"
                               : verso_seg_lang_name(verso_seg_rules_find(ctx->env->rules, lang)));
    }
}

verso_err verso_op_segment(verso_op_ctx *ctx)
{
    const char *text = NULL, *tag = NULL;
    size_t len = 0, tlen = 0;
    verso_op_seg how;
    verso_para_mode mode;
    char lang[VERSO_LANG_MAX], used[512];
    verso_err err = verso_req_str(ctx->req, "text", true, &text, &len, ctx->fault);
    err = err ? err : verso_req_str(ctx->req, "lang", true, &tag, &tlen, ctx->fault);
    err = err ? err : verso_op_seg_parse(ctx, &how);
    err = err ? err : s_para_mode(ctx->req, &mode, ctx->fault);
    if (err)
        return err;
    if (verso_lang_canon(tag, tlen, lang))
        return verso_fault_set(ctx->fault, VERSO_EBADLANG, "\"lang\": \"%.*s\" is not a BCP 47 tag",
                               (int)(tlen > 64 ? 64 : tlen), tag);
    verso_spans sp;
    verso_spans_init(&sp);
    err = verso_op_seg_run(ctx, &how, lang, text, len, mode, &sp);
    s_rules_name(ctx, &how, lang, used, sizeof used);
    verso_pack *pk = ctx->res;
    if (!err) {
        verso_pack_map(pk, 3);
        verso_pack_kv_str(pk, "lang", lang);
        verso_pack_kv_str(pk, "rules", used);
        verso_pack_str(pk, "segments");
        err = verso_pack_err(pk);
    }
    err = err ? err : s_pack_segments(pk, text, &sp);
    verso_spans_fini(&sp);
    return err;
}
