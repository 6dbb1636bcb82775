/*
 * align_op.c - the "align" op: a document and its translation (as texts,
 * segmented here, or as segment lists) in, beads out (align.h); with
 * "store", the confident beads are added to a TM as entries, their
 * neighbours as context. Everything it allocates is freed before it
 * returns; strings are views into the request or into its own buffers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "segment.h"
#include "store.h"
#include "text.h"
#include "tm.h"
#include "tm_op.h"
#include "verso/limits.h"

/* "store" default: the pairs it writes, at 0.5 / 0.6 / 0.7 (bench/align_eval.sh,
 * inside one gold bead, and the share of the gold's 1-1/1-2/2-1 beads):
 * Text+Berg 0.978 / 0.984 / 0.983 with 0.887 / 0.872 / 0.851, Bible 15k
 * 0.995 / 0.997 / 0.998 with 0.892 / 0.870 / 0.847, LibreOffice help en-de
 * (held out) 0.985 / 0.987 / - with 0.982 / 0.981 / -: a wrong pair in a
 * TM is worse than none. */
#define S_MIN_CONFIDENCE 0.6

/* One side of the document: its sentences in NFC, back to back in buf. */
typedef struct s_side {
    char lang[VERSO_LANG_MAX];
    verso_str tag;
    verso_buf buf;
    size_t *off; /* n + 1 offsets into buf */
    uint32_t *para;
    size_t n, off_cap, para_cap;
    verso_align_seg *segs;
} s_side;

static void s_side_init(s_side *s)
{
    memset(s, 0, sizeof *s);
    verso_buf_init(&s->buf, (size_t)1 << 31);
}

static void s_side_fini(s_side *s)
{
    verso_buf_fini(&s->buf);
    free(s->off);
    free(s->para);
    free(s->segs);
}

/* Appends one sentence (NFC of p[0..n)) of paragraph para. */
static verso_err s_side_add(s_side *s, const char *p, size_t n, uint32_t para, verso_buf *tmp)
{
    if (s->n >= VERSO_ALIGN_MAX)
        return VERSO_ETOOBIG;
    if (verso_array_grow(&s->off, &s->off_cap, s->n + 2, sizeof *s->off) ||
        verso_array_grow(&s->para, &s->para_cap, s->n + 1, sizeof *s->para))
        return VERSO_ENOMEM;
    verso_err err = verso_text_nfc(p, n, tmp);
    err = err ? err : verso_buf_append(&s->buf, tmp->data ? tmp->data : "", tmp->len);
    if (err)
        return err;
    s->off[s->n] = s->buf.len - tmp->len;
    s->para[s->n++] = para;
    s->off[s->n] = s->buf.len;
    return VERSO_OK;
}

/* The sentences of a text, by the thread's segmenter. */
static verso_err s_side_text(verso_op_ctx *ctx, s_side *s, const char *text, size_t len,
                             verso_buf *tmp)
{
    verso_op_seg how;
    verso_err err = verso_op_seg_parse(ctx, &how);
    if (err)
        return err;
    verso_spans sp;
    verso_spans_init(&sp);
    err = verso_op_seg_run(ctx, &how, s->lang, text, len, VERSO_PARA_AUTO, &sp);
    for (size_t i = 0; i < sp.n && !err; i++)
        err = s_side_add(s, text + sp.v[i].start, sp.v[i].end - sp.v[i].start,
                         (uint32_t)sp.v[i].para, tmp);
    verso_spans_fini(&sp);
    return err;
}

/* The sentences of a "*_segments" array (one paragraph). */
static verso_err s_side_list(verso_op_ctx *ctx, s_side *s, const char *key, const msgpack_object *a,
                             verso_buf *tmp)
{
    if (a->type != MSGPACK_OBJECT_ARRAY)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"%s\" must be an array of strings",
                               key);
    verso_err err = VERSO_OK;
    for (uint32_t i = 0; i < a->via.array.size && !err; i++) {
        const msgpack_object *o = &a->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_STR)
            return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"%s\"[%u] must be a string", key,
                                   (unsigned)i);
        err = s_side_add(s, o->via.str.ptr, o->via.str.size, 0, tmp);
    }
    return err;
}

/* Reads one side: "<which>_lang" and exactly one of "<which>_text" and
 * "<which>_segments". */
static verso_err s_side_read(verso_op_ctx *ctx, const char *which, s_side *s, verso_buf *tmp)
{
    char key[32];
    snprintf(key, sizeof key, "%s_lang", which);
    verso_err err = verso_tmop_lang(ctx, key, s->lang, &s->tag);
    if (err)
        return err;
    char tkey[32], skey[32];
    snprintf(tkey, sizeof tkey, "%s_text", which);
    snprintf(skey, sizeof skey, "%s_segments", which);
    const msgpack_object *text = verso_mp_get(ctx->req->body, tkey);
    const msgpack_object *segs = verso_mp_get(ctx->req->body, skey);
    if (!text == !segs)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "give exactly one of \"%s\" and \"%s\"",
                               tkey, skey);
    if (text && text->type != MSGPACK_OBJECT_STR)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"%s\" must be a string", tkey);
    err = text ? s_side_text(ctx, s, text->via.str.ptr, text->via.str.size, tmp)
               : s_side_list(ctx, s, skey, segs, tmp);
    if (err == VERSO_ETOOBIG)
        return verso_fault_set(ctx->fault, VERSO_ETOOBIG, "more than %u sentences in the %s side",
                               VERSO_ALIGN_MAX, which);
    return err;
}

/* The aligner's view of a side (after every sentence is in buf). */
static verso_err s_side_segs(s_side *s)
{
    s->segs = calloc(s->n + 1, sizeof *s->segs);
    if (!s->segs)
        return VERSO_ENOMEM;
    for (size_t i = 0; i < s->n; i++)
        s->segs[i] =
            (verso_align_seg){s->buf.data + s->off[i], s->off[i + 1] - s->off[i], s->para[i]};
    return VERSO_OK;
}

static verso_str s_sent(const s_side *s, size_t i)
{
    return (verso_str){s->buf.data + s->off[i], s->off[i + 1] - s->off[i]};
}

/* ---- store ---------------------------------------------------------------- */

typedef struct s_store {
    bool on;
    verso_str tm, origin;
    double min;
    size_t candidates, added, skipped;
    /* Beads held back: a storable shape under min (low_confidence), both
     * sides but more than 3 sentences (shape), one side empty (unpaired), a
     * side over VERSO_SEGMENT_MAX_BYTES (too_long). */
    size_t low, shape, unpaired, too_long;
} s_store;

static verso_err s_store_read(verso_op_ctx *ctx, s_store *st)
{
    const msgpack_object *m = verso_mp_get(ctx->req->body, "store");
    st->tm = (verso_str){"default", 7};
    st->origin = (verso_str){"align", 5};
    st->min = S_MIN_CONFIDENCE;
    if (!m || m->type == MSGPACK_OBJECT_NIL)
        return VERSO_OK;
    if (m->type != MSGPACK_OBJECT_MAP)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"store\" must be a map");
    if (ctx->who->role < VERSO_ROLE_WRITE)
        return verso_dispatch_deny(ctx->call->host, ctx->who, "\"align\" with \"store\"",
                                   VERSO_ROLE_WRITE, ctx->fault);
    st->on = true;
    const msgpack_object *tm = verso_mp_get(m, "tm"), *min = verso_mp_get(m, "min_confidence");
    const msgpack_object *origin = verso_mp_get(m, "origin");
    if (tm && (tm->type != MSGPACK_OBJECT_STR || !tm->via.str.size ||
               tm->via.str.size > VERSO_TM_NAME_MAX))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"store\".\"tm\" must be a TM name");
    if (origin && (origin->type != MSGPACK_OBJECT_STR || origin->via.str.size > 1024))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"store\".\"origin\" must be a string of at most 1024 bytes");
    if (min && min->type == MSGPACK_OBJECT_FLOAT64)
        st->min = min->via.f64;
    else if (min && min->type == MSGPACK_OBJECT_FLOAT32)
        st->min = min->via.f64;
    else if (min && min->type == MSGPACK_OBJECT_POSITIVE_INTEGER && min->via.u64 <= 1)
        st->min = (double)min->via.u64;
    else if (min)
        st->min = -1;
    if (!(st->min >= 0 && st->min <= 1))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"store\".\"min_confidence\" must be a number from 0 to 1");
    if (tm)
        st->tm = (verso_str){tm->via.str.ptr, tm->via.str.size};
    if (origin)
        st->origin = (verso_str){origin->via.str.ptr, origin->via.str.size};
    return VERSO_OK;
}

/* Whether a bead becomes an entry: 1-1, 1-2 or 2-1, confident enough. */
static bool s_storable(const verso_align_bead *b, double min)
{
    return b->nsrc && b->ntgt && b->nsrc + b->ntgt <= 3 && b->score >= min;
}

/* Counts a bead that does not become an entry by its reason. */
static void s_held_back(s_store *st, const verso_align_bead *b)
{
    if (!b->nsrc || !b->ntgt)
        st->unpaired++;
    else if (b->nsrc + b->ntgt > 3)
        st->shape++;
    else
        st->low++;
}

/* Whether sentences of lang are written without spaces between them. */
static bool s_unspaced(const char *lang)
{
    return !strncmp(lang, "zh", 2) || !strncmp(lang, "ja", 2) || !strncmp(lang, "th", 2) ||
           !strncmp(lang, "lo", 2) || !strncmp(lang, "km", 2) || !strncmp(lang, "my", 2);
}

/* The sentences [from, from + n) of a side, joined, appended to out. */
static verso_err s_join(const s_side *s, size_t from, size_t n, verso_buf *out)
{
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < n && !err; i++) {
        verso_str x = s_sent(s, from + i);
        if (i && !s_unspaced(s->lang))
            err = verso_buf_append(out, " ", 1);
        err = err ? err : verso_buf_append(out, x.p, x.n);
    }
    return err;
}

/* Bytes of the sentences [from, from + n) of a side joined (s_join). */
static size_t s_joined_bytes(const s_side *s, size_t from, size_t n)
{
    size_t total = n && !s_unspaced(s->lang) ? n - 1 : 0;
    for (size_t i = 0; i < n; i++)
        total += s_sent(s, from + i).n;
    return total;
}

/* A context sentence, or none when it is too long to store. */
static verso_str s_context(const s_side *s, size_t i)
{
    verso_str x = s_sent(s, i);
    return x.n <= VERSO_SEGMENT_MAX_BYTES ? x : (verso_str){"", 0};
}

/* Adds the storable beads to the TM (one writer job), their neighbouring
 * source sentences as context. */
static verso_err s_store_beads(verso_op_ctx *ctx, s_store *st, const s_side *src, const s_side *tgt,
                               const verso_align_bead *b, size_t nb)
{
    verso_tm_entry *e = calloc(nb + 1, sizeof *e);
    size_t *at = calloc(2 * nb + 1, sizeof *at); /* offsets of src and tgt texts in text */
    verso_buf text;
    verso_buf_init(&text, (size_t)1 << 31);
    verso_err err = e && at ? VERSO_OK : VERSO_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < nb && !err; i++) {
        if (!s_storable(&b[i], st->min)) {
            s_held_back(st, &b[i]);
            continue;
        }
        if (s_joined_bytes(src, b[i].src, b[i].nsrc) > VERSO_SEGMENT_MAX_BYTES ||
            s_joined_bytes(tgt, b[i].tgt, b[i].ntgt) > VERSO_SEGMENT_MAX_BYTES) {
            st->too_long++;
            continue;
        }
        at[2 * n] = text.len;
        err = s_join(src, b[i].src, b[i].nsrc, &text);
        at[2 * n + 1] = text.len;
        err = err ? err : s_join(tgt, b[i].tgt, b[i].ntgt, &text);
        e[n].prev = b[i].src ? s_context(src, b[i].src - 1) : (verso_str){"", 0};
        e[n].next = b[i].src + b[i].nsrc < src->n ? s_context(src, b[i].src + b[i].nsrc)
                                                  : (verso_str){"", 0};
        n++;
    }
    for (size_t i = 0; i < n && !err; i++) { /* text is complete: views are stable */
        size_t end = i + 1 < n ? at[2 * i + 2] : text.len;
        e[i].src_lang = src->tag;
        e[i].tgt_lang = tgt->tag;
        e[i].src = (verso_str){text.data + at[2 * i], at[2 * i + 1] - at[2 * i]};
        e[i].tgt = (verso_str){text.data + at[2 * i + 1], end - at[2 * i + 1]};
        e[i].origin = st->origin;
    }
    st->candidates = n;
    verso_tm_outcome *out = n ? calloc(n, sizeof *out) : NULL;
    uint64_t *ids = n ? calloc(n, sizeof *ids) : NULL;
    if (!err && n && (!out || !ids))
        err = VERSO_ENOMEM;
    if (!err && n)
        err = verso_tmop_add(ctx, st->tm, e, n, VERSO_TM_KEEP_BOTH, out, ids);
    for (size_t i = 0; i < n && !err; i++)
        out[i] == VERSO_TM_ADDED ? st->added++ : st->skipped++;
    free(out);
    free(ids);
    free(e);
    free(at);
    verso_buf_fini(&text);
    return err;
}

/* ---- word links from a TM ------------------------------------------------- */

/* "links_from": the entries of a TM in the document's language pair (either
 * direction), at most S_TRAIN_MAX of those among its S_TRAIN_SCAN newest
 * ids, given to the aligner as known translations (align.h). */
#define S_TRAIN_MAX  5000
#define S_TRAIN_SCAN 100000

typedef struct s_train {
    bool on;
    verso_str tm;
    char base[2][VERSO_LANG_MAX]; /* primary subtags of the source and target */
    verso_buf text;               /* the entries' texts, copied out of the transaction */
    size_t *at;                   /* 2 n + 1 offsets: source k at at[2k], target at at[2k + 1] */
    size_t n, capat;
    verso_align_seg *segs; /* n source segments, then n target ones */
} s_train;

static verso_err s_train_read(verso_op_ctx *ctx, s_train *tr, const s_side *src, const s_side *tgt)
{
    const msgpack_object *m = verso_mp_get(ctx->req->body, "links_from");
    verso_lang_base(src->lang, tr->base[0]);
    verso_lang_base(tgt->lang, tr->base[1]);
    if (!m || m->type == MSGPACK_OBJECT_NIL)
        return VERSO_OK;
    if (m->type != MSGPACK_OBJECT_STR || !m->via.str.size || m->via.str.size > VERSO_TM_NAME_MAX)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"links_from\" must be a TM name");
    tr->on = true;
    tr->tm = (verso_str){m->via.str.ptr, m->via.str.size};
    return VERSO_OK;
}

/* The primary subtag of an entry's language tag, "" if overlong. */
static void s_base_of(verso_str tag, char *out)
{
    char canon[VERSO_LANG_MAX];
    out[0] = '\0';
    if (tag.n >= sizeof canon)
        return;
    memcpy(canon, tag.p, tag.n);
    canon[tag.n] = '\0';
    verso_lang_base(canon, out);
}

static verso_err s_train_add(s_train *tr, verso_str s, verso_str t)
{
    if (verso_array_grow(&tr->at, &tr->capat, 2 * tr->n + 3, sizeof *tr->at))
        return VERSO_ENOMEM;
    tr->at[2 * tr->n] = tr->text.len;
    verso_err err = verso_buf_append(&tr->text, s.p ? s.p : "", s.n);
    tr->at[2 * tr->n + 1] = tr->text.len;
    err = err ? err : verso_buf_append(&tr->text, t.p ? t.p : "", t.n);
    tr->at[2 * tr->n + 2] = tr->text.len;
    tr->n += !err;
    return err;
}

/* verso_tm_each_entry callback: keeps the entries of the pair. */
static int s_train_one(void *arg, const verso_tm_entry *e)
{
    s_train *tr = arg;
    char sb[VERSO_LANG_MAX], tb[VERSO_LANG_MAX];
    s_base_of(e->src_lang, sb);
    s_base_of(e->tgt_lang, tb);
    verso_err err = VERSO_OK;
    if (!strcmp(sb, tr->base[0]) && !strcmp(tb, tr->base[1]))
        err = s_train_add(tr, e->src, e->tgt);
    else if (!strcmp(sb, tr->base[1]) && !strcmp(tb, tr->base[0]))
        err = s_train_add(tr, e->tgt, e->src);
    return err || tr->n >= S_TRAIN_MAX;
}

/* Reads the entries and points o at them. */
static verso_err s_train_load(verso_op_ctx *ctx, s_train *tr, verso_align_opts *o)
{
    verso_txn *t = NULL;
    uint32_t tm_id = 0;
    uint64_t last = 0, cursor = 0; /* one bounded scan: the cursor is not followed */
    verso_err err = verso_store_read_begin(ctx->env->store, &t);
    err = err ? err : verso_tm_find(t, tr->tm, &tm_id);
    err = err ? err : verso_tm_last_id(t, &last);
    if (!err)
        err = verso_tm_each_entry(t, tm_id, last > S_TRAIN_SCAN ? last - S_TRAIN_SCAN : 0,
                                  S_TRAIN_SCAN, s_train_one, tr, &cursor);
    if (t)
        verso_store_read_end(&t);
    if (err)
        return err == VERSO_ENOTFOUND ? verso_tmop_missing(ctx, tr->tm) : err;
    if (!(tr->segs = calloc(2 * tr->n + 1, sizeof *tr->segs)))
        return VERSO_ENOMEM;
    for (size_t k = 0; k < tr->n; k++) {
        tr->segs[k] =
            (verso_align_seg){tr->text.data + tr->at[2 * k], tr->at[2 * k + 1] - tr->at[2 * k], 0};
        tr->segs[tr->n + k] = (verso_align_seg){tr->text.data + tr->at[2 * k + 1],
                                                tr->at[2 * k + 2] - tr->at[2 * k + 1], 0};
    }
    o->train_src = tr->segs;
    o->train_tgt = tr->segs + tr->n;
    o->ntrain = tr->n;
    return VERSO_OK;
}

/* ---- reply ---------------------------------------------------------------- */

static void s_pack_side(verso_pack *pk, const char *key, const s_side *s)
{
    verso_pack_str(pk, key);
    verso_pack_array(pk, (uint32_t)s->n);
    for (size_t i = 0; i < s->n && !verso_pack_err(pk); i++) {
        verso_str x = s_sent(s, i);
        verso_pack_strn(pk, x.p, x.n);
    }
}

static void s_pack_range(verso_pack *pk, const char *key, uint32_t from, uint32_t n)
{
    verso_pack_str(pk, key);
    verso_pack_array(pk, n);
    for (uint32_t i = 0; i < n && !verso_pack_err(pk); i++)
        verso_pack_uint(pk, from + i);
}

static void s_pack_beads(verso_pack *pk, const verso_align_bead *b, size_t nb)
{
    verso_pack_str(pk, "beads");
    verso_pack_array(pk, (uint32_t)nb);
    for (size_t i = 0; i < nb && !verso_pack_err(pk); i++) {
        verso_pack_map(pk, 3 + b[i].moved);
        s_pack_range(pk, "src", b[i].src, b[i].nsrc);
        s_pack_range(pk, "tgt", b[i].tgt, b[i].ntgt);
        verso_pack_kv_double(pk, "score", round(b[i].score * 1000) / 1000);
        if (b[i].moved)
            verso_pack_kv_bool(pk, "moved", true);
    }
}

/* "stored": what "store" added, and why the other beads were held back. */
static void s_pack_stored(verso_pack *pk, const s_store *st)
{
    verso_pack_str(pk, "stored");
    verso_pack_map(pk, 4);
    verso_pack_kv_uint(pk, "candidates", st->candidates);
    verso_pack_kv_uint(pk, "added", st->added);
    verso_pack_kv_uint(pk, "skipped", st->skipped);
    verso_pack_str(pk, "held_back");
    verso_pack_map(pk, 4);
    verso_pack_kv_uint(pk, "low_confidence", st->low);
    verso_pack_kv_uint(pk, "shape", st->shape);
    verso_pack_kv_uint(pk, "unpaired", st->unpaired);
    verso_pack_kv_uint(pk, "too_long", st->too_long);
}

static verso_err s_pack(verso_op_ctx *ctx, const s_side *src, const s_side *tgt,
                        const verso_align_bead *b, size_t nb, const s_store *st,
                        const char *lexname, const s_train *tr)
{
    verso_pack *pk = ctx->res;
    verso_pack_map(pk, 4 + st->on + tr->on);
    verso_pack_str(pk, "lexicon");
    if (lexname)
        verso_pack_str(pk, lexname);
    else
        verso_pack_nil(pk);
    if (tr->on) {
        verso_pack_str(pk, "links_from");
        verso_pack_map(pk, 2);
        verso_pack_kv_strn(pk, "tm", tr->tm.p, tr->tm.n);
        verso_pack_kv_uint(pk, "entries", tr->n);
    }
    s_pack_side(pk, "src_segments", src);
    s_pack_side(pk, "tgt_segments", tgt);
    s_pack_beads(pk, b, nb);
    if (st->on)
        s_pack_stored(pk, st);
    return verso_pack_err(pk);
}

verso_err verso_op_align(verso_op_ctx *ctx)
{
    s_side src, tgt;
    s_store st = {0};
    s_train tr = {0};
    verso_buf tmp;
    verso_aligner *a = NULL;
    const verso_align_bead *beads = NULL;
    size_t nb = 0;
    s_side_init(&src);
    s_side_init(&tgt);
    verso_buf_init(&tmp, (size_t)1 << 31);
    verso_buf_init(&tr.text, (size_t)1 << 31);
    verso_err err = s_side_read(ctx, "src", &src, &tmp);
    err = err ? err : s_side_read(ctx, "tgt", &tgt, &tmp);
    err = err ? err : s_store_read(ctx, &st);
    err = err ? err : s_train_read(ctx, &tr, &src, &tgt);
    err = err ? err : s_side_segs(&src);
    err = err ? err : s_side_segs(&tgt);
    err = err ? err : verso_aligner_new(&a);
    const char *lexname = NULL;
    verso_align_opts o = {.src_lang = src.lang, .tgt_lang = tgt.lang, .work = ctx->work};
    if (!err && tr.on)
        err = s_train_load(ctx, &tr, &o);
    if (!err) {
        o.lex = verso_lexdir_find(ctx->env->lexdir, src.lang, tgt.lang, &o.lex_reversed, &lexname);
        err = verso_align(a, &o, src.segs, src.n, tgt.segs, tgt.n, &beads, &nb);
    }
    if (!err && st.on && (err = s_store_beads(ctx, &st, &src, &tgt, beads, nb)) == VERSO_ENOTFOUND)
        err = verso_tmop_missing(ctx, st.tm);
    err = err ? err : s_pack(ctx, &src, &tgt, beads, nb, &st, lexname, &tr);
    verso_aligner_destroy(&a);
    verso_buf_fini(&tmp);
    verso_buf_fini(&tr.text);
    free(tr.at);
    free(tr.segs);
    s_side_fini(&src);
    s_side_fini(&tgt);
    return err;
}
