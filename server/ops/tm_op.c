/*
 * tm_op.c - the translation-memory ops but lookup (lookup_op.c): tm_create,
 * tm_list, tm_delete, add, get, update, delete and export. Reads run in the
 * worker's own read transaction; writes go to the writer thread as one job
 * per request, so that a batch commits whole before the reply is sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "tm.h"
#include "tm_op.h"
#include "tmfuzzy.h"
#include "tmx.h"
#include "verso/limits.h"
#include "writer.h"

#define S_MAX_ENTRIES 100000 /* entries in one add request */

/* ---- request fields ------------------------------------------------------- */

verso_err verso_tmop_name(verso_op_ctx *ctx, verso_str *name)
{
    const char *p = "default";
    size_t n = 7;
    verso_err err = verso_req_str(ctx->req, "tm", false, &p, &n, ctx->fault);
    if (!err && (n == 0 || n > VERSO_TM_NAME_MAX || memchr(p, '\0', n)))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                              "\"tm\" must be 1 to %d bytes, without NUL", VERSO_TM_NAME_MAX);
    *name = (verso_str){p, n};
    return err;
}

verso_err verso_tmop_lang(verso_op_ctx *ctx, const char *key, char *buf, verso_str *out)
{
    const char *p = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, key, true, &p, &n, ctx->fault);
    if (err)
        return err;
    if (verso_lang_canon(p, n, buf))
        return verso_fault_set(ctx->fault, VERSO_EBADLANG, "\"%s\": \"%.*s\" is not a BCP 47 tag",
                               key, (int)(n > 64 ? 64 : n), p);
    *out = (verso_str){buf, strlen(buf)};
    return VERSO_OK;
}

verso_err verso_tmop_missing(verso_op_ctx *ctx, verso_str name)
{
    return verso_fault_set(ctx->fault, VERSO_ENOTFOUND, "no TM named \"%.*s\"",
                           (int)(name.n > 64 ? 64 : name.n), name.p);
}

/* Runs fn in the writer as one job; its result is the op's. */
static verso_err s_submit(verso_op_ctx *ctx, verso_store_job_fn fn, void *arg)
{
    verso_store_job job = {fn, arg, VERSO_EINTERNAL};
    if (!ctx->call->writer)
        return verso_fault_set(ctx->fault, VERSO_EINTERNAL, "no writer on this thread");
    return verso_writer_submit(ctx->call->writer, &job);
}

/* ---- tm_create, tm_delete, tm_list ----------------------------------------- */

typedef struct s_tm_job {
    verso_str name;
    bool drop;
} s_tm_job;

static verso_err s_tm_job_run(verso_txn *t, void *arg)
{
    s_tm_job *j = arg;
    uint32_t id;
    return j->drop ? verso_tm_drop(t, j->name) : verso_tm_create(t, j->name, &id);
}

static verso_err s_tm_change(verso_op_ctx *ctx, bool drop)
{
    s_tm_job j = {{NULL, 0}, drop};
    const msgpack_object *o = verso_mp_get(ctx->req->body, "tm");
    verso_err err = o && o->type != MSGPACK_OBJECT_NIL /* nil is absent */
                        ? verso_tmop_name(ctx, &j.name)
                        : verso_fault_set(ctx->fault, VERSO_EBADREQ, "missing field \"tm\"");
    if (!err && drop && j.name.n == 7 && !memcmp(j.name.p, "default", 7))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "the default TM cannot be deleted");
    err = err ? err : s_submit(ctx, s_tm_job_run, &j);
    if (err == VERSO_EEXIST)
        return verso_fault_set(ctx->fault, err, "a TM named \"%.*s\" exists", (int)j.name.n,
                               j.name.p);
    if (err == VERSO_ENOTFOUND)
        return verso_tmop_missing(ctx, j.name);
    if (err)
        return err;
    verso_pack_map(ctx->res, 0);
    return verso_pack_err(ctx->res);
}

verso_err verso_op_tm_create(verso_op_ctx *ctx)
{
    return s_tm_change(ctx, false);
}

verso_err verso_op_tm_delete(verso_op_ctx *ctx)
{
    return s_tm_change(ctx, true);
}

/* What tm_list's callbacks work with. */
typedef struct s_tm_walk {
    verso_txn *t;
    verso_pack *p;
    verso_err err;
} s_tm_walk;

static int s_count_pair(void *arg, verso_str sl, verso_str tl, uint64_t n)
{
    (void)sl, (void)tl, (void)n;
    ++*(uint32_t *)arg;
    return 0;
}

static int s_pack_pair(void *arg, verso_str sl, verso_str tl, uint64_t n)
{
    verso_pack *p = arg;
    verso_pack_map(p, 3);
    verso_pack_kv_strn(p, "src_lang", sl.p, sl.n);
    verso_pack_kv_strn(p, "tgt_lang", tl.p, tl.n);
    verso_pack_kv_uint(p, "entries", n);
    return verso_pack_err(p) != VERSO_OK;
}

/* verso_tm_each callback: packs one TM with its language pairs (those
 * holding entries); stops at a failure. */
static int s_pack_tm(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    s_tm_walk *w = arg;
    uint32_t npairs = 0;
    w->err = verso_tm_each_pair(w->t, id, s_count_pair, &npairs);
    verso_pack_map(w->p, 3);
    verso_pack_kv_strn(w->p, "name", name.p, name.n);
    verso_pack_kv_uint(w->p, "entries", entries);
    verso_pack_str(w->p, "pairs");
    verso_pack_array(w->p, npairs);
    if (!w->err && !verso_pack_err(w->p))
        w->err = verso_tm_each_pair(w->t, id, s_pack_pair, w->p);
    return w->err || verso_pack_err(w->p);
}

static int s_count_tm(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)name, (void)id, (void)entries;
    ++*(size_t *)arg;
    return 0;
}

verso_err verso_op_tm_list(verso_op_ctx *ctx)
{
    verso_txn *t;
    verso_err err = verso_store_read_begin(ctx->env->store, &t);
    if (err)
        return err;
    size_t n = 0;
    err = verso_tm_each(t, s_count_tm, &n);
    if (!err) {
        verso_pack_map(ctx->res, 1);
        verso_pack_str(ctx->res, "tms");
        verso_pack_array(ctx->res, (uint32_t)n);
    }
    s_tm_walk w = {t, ctx->res, VERSO_OK};
    if (!err && !verso_pack_err(ctx->res))
        err = verso_tm_each(t, s_pack_tm, &w);
    err = err ? err : w.err;
    verso_store_read_end(&t);
    return err ? err : verso_pack_err(ctx->res);
}

/* ---- entry fields ------------------------------------------------------------ */

#define S_MAX_LIST 65534 /* tags of a segment, props of an entry */

static const char *const s_list_keys[] = {"src_tags", "tgt_tags", "props", "tmx"};

/* An optional string field of an entry map (where: "entries[3]." or "");
 * wrong type: EBADREQ. */
static verso_err s_field_str(verso_op_ctx *ctx, const msgpack_object *m, const char *where,
                             const char *key, bool required, verso_str *out)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (o && o->type == MSGPACK_OBJECT_NIL)
        o = NULL;
    if (!o && !required)
        return VERSO_OK;
    if (!o || o->type != MSGPACK_OBJECT_STR || (required && o->via.str.size == 0))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "%s%s must be a%s string", where, key,
                               required ? " non-empty" : "");
    *out = (verso_str){o->via.str.ptr, o->via.str.size};
    return VERSO_OK;
}

/* An optional non-negative integer field of an entry map. */
static verso_err s_field_uint(verso_op_ctx *ctx, const msgpack_object *m, const char *where,
                              const char *key, uint64_t *out)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL)
        return VERSO_OK;
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "%s%s must be a non-negative integer",
                               where, key);
    *out = o->via.u64;
    return VERSO_OK;
}

/* The bytes the list fields of entry map m take encoded (tm.h lists); items
 * of the wrong type count nothing (s_field_list refuses them). */
static size_t s_lists_size(const msgpack_object *m)
{
    size_t n = 0;
    for (size_t k = 0; k < 4 && m->type == MSGPACK_OBJECT_MAP; k++) {
        const msgpack_object *o = verso_mp_get(m, s_list_keys[k]);
        for (uint32_t i = 0; o && o->type == MSGPACK_OBJECT_ARRAY && i < o->via.array.size; i++) {
            const msgpack_object *it = &o->via.array.ptr[i];
            if (it->type == MSGPACK_OBJECT_STR)
                n += 4 + it->via.str.size;
            for (uint32_t p = 0; it->type == MSGPACK_OBJECT_ARRAY && p < it->via.array.size; p++)
                if (it->via.array.ptr[p].type == MSGPACK_OBJECT_STR)
                    n += 4 + it->via.array.ptr[p].via.str.size;
        }
    }
    return n;
}

/* An optional list field: an array of strings, or for props and tmx an
 * array of [name, value] string pairs, appended to blob (room reserved by
 * the caller with s_lists_size, so that *out can point into it at once). */
static verso_err s_field_list(verso_op_ctx *ctx, const msgpack_object *m, const char *where,
                              int which, verso_buf *blob, verso_str *out)
{
    const char *key = s_list_keys[which];
    const msgpack_object *o = verso_mp_get(m, key);
    bool pairs = which >= 2;
    if (!o || o->type == MSGPACK_OBJECT_NIL)
        return VERSO_OK;
    bool ok = o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size <= S_MAX_LIST;
    size_t start = blob->len;
    verso_err err = VERSO_OK;
    for (uint32_t i = 0; ok && !err && i < o->via.array.size; i++) {
        const msgpack_object *it = &o->via.array.ptr[i];
        if (pairs) {
            ok = it->type == MSGPACK_OBJECT_ARRAY && it->via.array.size == 2 &&
                 it->via.array.ptr[0].type == MSGPACK_OBJECT_STR;
            err = ok ? verso_tm_list_add(blob, (verso_str){it->via.array.ptr[0].via.str.ptr,
                                                           it->via.array.ptr[0].via.str.size})
                     : VERSO_OK;
            it = ok ? &it->via.array.ptr[1] : it;
        }
        ok = ok && it->type == MSGPACK_OBJECT_STR;
        if (ok && !err)
            err = verso_tm_list_add(blob, (verso_str){it->via.str.ptr, it->via.str.size});
    }
    if (!ok)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "%s%s must be an array of at most %d %s",
                               where, key, S_MAX_LIST,
                               pairs ? "[name, value] string pairs" : "strings");
    *out = (verso_str){blob->data + start, blob->len - start};
    return err;
}

/* ETOOBIG, naming the limit, for an entry text over VERSO_SEGMENT_MAX_BYTES. */
static verso_err s_segment_size(verso_op_ctx *ctx, const char *where, const char *key, verso_str s)
{
    if (s.n <= VERSO_SEGMENT_MAX_BYTES)
        return VERSO_OK;
    return verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                           "%s%s has %zu bytes; an entry's text may have at most %u",
                           where ? where : "", key, s.n, VERSO_SEGMENT_MAX_BYTES);
}

/* Tag marks against their list (verso_tmx_marks_check), as EBADREQ naming
 * the entry and the mark or item. */
static verso_err s_marks_check(verso_op_ctx *ctx, const char *where, const char *key,
                               verso_str text, verso_str tags)
{
    size_t n = 0, k = 0;
    verso_str walk = tags, item;
    while (verso_tm_list_next(&walk, &item))
        n++;
    switch (verso_tmx_marks_check(text.p, text.n, n, &k)) {
    case VERSO_TMX_MARKS_OK: return VERSO_OK;
    case VERSO_TMX_MARKS_NOMEM: return VERSO_ENOMEM;
    case VERSO_TMX_MARKS_PAST:
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "%s%s holds tag mark %zu (U+%zX) but its tag list has %zu item%s",
                               where, key, k, k + VERSO_TMX_MARK, n, n == 1 ? "" : "s");
    default:
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "%s%s_tags[%zu] has no mark (U+%zX) in %s%s", where, key, k,
                               k + VERSO_TMX_MARK, where, key);
    }
}

/* The fields of an entry map common to add and update; lists go to blob. */
static verso_err s_parse_fields(verso_op_ctx *ctx, const msgpack_object *m, const char *where,
                                bool required, verso_buf *blob, verso_tm_entry *e)
{
    verso_err err = s_field_str(ctx, m, where, "src", required, &e->src);
    err = err ? err : s_field_str(ctx, m, where, "tgt", required, &e->tgt);
    err = err ? err : s_segment_size(ctx, where, "src", e->src);
    err = err ? err : s_segment_size(ctx, where, "tgt", e->tgt);
    err = err ? err : s_field_str(ctx, m, where, "author", false, &e->author);
    err = err ? err : s_field_str(ctx, m, where, "note", false, &e->note);
    err = err ? err : s_field_str(ctx, m, where, "origin", false, &e->origin);
    err = err ? err : s_field_list(ctx, m, where, 0, blob, &e->src_tags);
    err = err ? err : s_field_list(ctx, m, where, 1, blob, &e->tgt_tags);
    err = err ? err : s_field_list(ctx, m, where, 2, blob, &e->props);
    if (!err && e->src.p)
        err = s_marks_check(ctx, where, "src", e->src, e->src_tags);
    if (!err && e->tgt.p)
        err = s_marks_check(ctx, where, "tgt", e->tgt, e->tgt_tags);
    return err;
}

/* ---- add ------------------------------------------------------------------ */

typedef struct s_add_job {
    verso_str tm;
    verso_tm_entry *entries;
    size_t n;
    verso_tm_conflict policy;
    verso_tm_outcome *outcome;
    uint64_t *ids;
    verso_buf lists;      /* the entries' encoded lists */
    verso_tm_prep *preps; /* their derived forms, computed here, not by the writer */
    verso_str header;     /* "tmx_header": the TM's TMX header from now on */
} s_add_job;

static verso_err s_add_run(verso_txn *t, void *arg)
{
    s_add_job *j = arg;
    uint32_t tm;
    verso_err err = verso_tm_find(t, j->tm, &tm);
    err = err ? err : verso_tm_add_batch(t, tm, j->entries, j->n, j->policy, j->outcome, j->ids);
    return err || !j->header.n ? err : verso_tm_header_put(t, tm, j->header);
}

static verso_err s_policy(verso_op_ctx *ctx, verso_tm_conflict *policy)
{
    const char *p = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, "on_conflict", false, &p, &n, ctx->fault);
    *policy = VERSO_TM_KEEP_BOTH;
    if (err || !p || (n == 9 && !memcmp(p, "keep_both", 9)))
        return err;
    if (n == 9 && !memcmp(p, "overwrite", 9))
        *policy = VERSO_TM_OVERWRITE;
    else if (n == 4 && !memcmp(p, "skip", 4))
        *policy = VERSO_TM_SKIP;
    else
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"on_conflict\" must be \"keep_both\", \"overwrite\" or \"skip\"");
    return VERSO_OK;
}

static verso_err s_parse_entry(verso_op_ctx *ctx, const msgpack_object *m, size_t i,
                               verso_buf *blob, verso_tm_entry *e)
{
    char where[40];
    uint64_t created = 0, changed = 0;
    snprintf(where, sizeof where, "entries[%zu].", i);
    if (m->type != MSGPACK_OBJECT_MAP)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "entries[%zu] must be a map", i);
    verso_err err = s_parse_fields(ctx, m, where, true, blob, e);
    err = err ? err : s_field_str(ctx, m, where, "prev", false, &e->prev);
    err = err ? err : s_field_str(ctx, m, where, "next", false, &e->next);
    err = err ? err : s_segment_size(ctx, where, "prev", e->prev);
    err = err ? err : s_segment_size(ctx, where, "next", e->next);
    err = err ? err : s_field_list(ctx, m, where, 3, blob, &e->tmx);
    if (!err && e->tmx.n > VERSO_SEGMENT_MAX_BYTES)
        err = verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                              "%stmx has %zu bytes encoded; it may have at most %u", where,
                              e->tmx.n, VERSO_SEGMENT_MAX_BYTES);
    err = err ? err : s_field_uint(ctx, m, where, "created", &created);
    err = err ? err : s_field_uint(ctx, m, where, "changed", &changed);
    err = err ? err : s_field_uint(ctx, m, where, "usage", &e->usage);
    e->created = (int64_t)created;
    e->changed = (int64_t)changed;
    return err;
}

/* Reads the "entries" array into j->entries (views into the request). */
static verso_err s_parse_entries(verso_op_ctx *ctx, verso_str sl, verso_str tl, s_add_job *j)
{
    const msgpack_object *arr = verso_mp_get(ctx->req->body, "entries");
    if (!arr || arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size == 0 ||
        arr->via.array.size > S_MAX_ENTRIES)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"entries\" must be an array of 1 to %d maps", S_MAX_ENTRIES);
    j->n = arr->via.array.size;
    j->entries = calloc(j->n, sizeof *j->entries);
    j->outcome = calloc(j->n, sizeof *j->outcome);
    j->ids = calloc(j->n, sizeof *j->ids);
    if (!j->entries || !j->outcome || !j->ids)
        return VERSO_ENOMEM;
    size_t lists = 0;
    for (size_t i = 0; i < j->n; i++)
        lists += s_lists_size(&arr->via.array.ptr[i]);
    verso_err err = verso_buf_reserve(&j->lists, lists);
    for (size_t i = 0; i < j->n && !err; i++) {
        j->entries[i].src_lang = sl;
        j->entries[i].tgt_lang = tl;
        err = s_parse_entry(ctx, &arr->via.array.ptr[i], i, &j->lists, &j->entries[i]);
    }
    return err;
}

/* Derives each entry's forms in this worker thread (verso_tm_prepare), so
 * that the single writer thread only writes. An entry that fails here is
 * left for the writer, which reports its error. Stops with the meter's
 * error (nothing is written then: the job is never submitted). */
static verso_err s_prepare(verso_op_ctx *ctx, s_add_job *j)
{
    if (!ctx->th || !ctx->th->fz || !(j->preps = calloc(j->n, sizeof *j->preps)))
        return VERSO_OK;
    for (size_t i = 0; i < j->n; i++)
        verso_tm_prep_init(&j->preps[i]);
    for (size_t i = 0; i < j->n; i++) {
        verso_err err = verso_work_tick(ctx->work, 1 + j->entries[i].src.n + j->entries[i].tgt.n);
        if (err)
            return err;
        if (verso_tm_prepare(&j->preps[i], &j->entries[i], &ctx->th->fz->f) == VERSO_OK)
            j->entries[i].prep = &j->preps[i];
    }
    return VERSO_OK;
}

static void s_preps_fini(s_add_job *j)
{
    for (size_t i = 0; j->preps && i < j->n; i++)
        verso_tm_prep_fini(&j->preps[i]);
    free(j->preps);
    j->preps = NULL;
}

verso_err verso_tmop_add(verso_op_ctx *ctx, verso_str tm, verso_tm_entry *entries, size_t n,
                         verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *ids)
{
    s_add_job j = {tm, entries, n, policy, outcome, ids, {0}, NULL};
    verso_err err = s_prepare(ctx, &j);
    err = err ? err : s_submit(ctx, s_add_run, &j);
    s_preps_fini(&j);
    for (size_t i = 0; i < n; i++)
        entries[i].prep = NULL;
    return err;
}

static void s_add_job_fini(s_add_job *j)
{
    s_preps_fini(j);
    free(j->entries);
    free(j->outcome);
    free(j->ids);
    verso_buf_fini(&j->lists);
}

static verso_err s_pack_add(verso_pack *pk, const s_add_job *j)
{
    uint64_t n[3] = {0, 0, 0};
    for (size_t i = 0; i < j->n; i++)
        n[j->outcome[i]]++;
    verso_pack_map(pk, 4);
    verso_pack_kv_uint(pk, "added", n[VERSO_TM_ADDED]);
    verso_pack_kv_uint(pk, "updated", n[VERSO_TM_UPDATED]);
    verso_pack_kv_uint(pk, "skipped", n[VERSO_TM_SKIPPED]);
    verso_pack_str(pk, "ids");
    verso_pack_array(pk, (uint32_t)j->n);
    for (size_t i = 0; i < j->n; i++)
        verso_pack_uint(pk, j->ids[i]);
    return verso_pack_err(pk);
}

/* "tmx_header": the <header> element of the TMX file the entries come from
 * (not interpreted: stored for the TM, and given back by export). */
static verso_err s_header_read(verso_op_ctx *ctx, verso_str *h)
{
    const char *p = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, "tmx_header", false, &p, &n, ctx->fault);
    if (!err && n > VERSO_TMX_HEADER_MAX_BYTES)
        err = verso_fault_set(ctx->fault, VERSO_ETOOBIG,
                              "\"tmx_header\" has %zu bytes; it may have at most %u", n,
                              VERSO_TMX_HEADER_MAX_BYTES);
    if (!err && p)
        *h = (verso_str){p, n};
    return err;
}

verso_err verso_op_add(verso_op_ctx *ctx)
{
    char slb[VERSO_LANG_MAX], tlb[VERSO_LANG_MAX];
    verso_str sl, tl;
    s_add_job j = {{NULL, 0}, NULL, 0, VERSO_TM_KEEP_BOTH, NULL, NULL, {0}, NULL, {NULL, 0}};
    verso_buf_init(&j.lists, (size_t)1 << 31);
    verso_err err = verso_tmop_name(ctx, &j.tm);
    err = err ? err : verso_tmop_lang(ctx, "src_lang", slb, &sl);
    err = err ? err : verso_tmop_lang(ctx, "tgt_lang", tlb, &tl);
    err = err ? err : s_policy(ctx, &j.policy);
    err = err ? err : s_parse_entries(ctx, sl, tl, &j);
    err = err ? err : s_header_read(ctx, &j.header);
    err = err ? err : s_prepare(ctx, &j);
    err = err ? err : s_submit(ctx, s_add_run, &j);
    if (err == VERSO_ENOTFOUND)
        err = verso_tmop_missing(ctx, j.tm);
    if (!err)
        err = s_pack_add(ctx->res, &j);
    s_add_job_fini(&j);
    return err;
}

/* ---- get ------------------------------------------------------------------ */

typedef struct s_tm_name_of {
    uint32_t id;
    verso_str name;
} s_tm_name_of;

static int s_find_name(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)entries;
    s_tm_name_of *f = arg;
    if (id != f->id)
        return 0;
    f->name = name;
    return 1;
}

/* Packs a list (tm.h) as an array of strings, or of [name, value] pairs. */
static void s_pack_list(verso_pack *pk, const char *key, verso_str list, bool pairs)
{
    size_t n = 0;
    verso_str a, b, walk = list;
    while (verso_tm_list_next(&walk, &a))
        n++;
    verso_pack_str(pk, key);
    verso_pack_array(pk, (uint32_t)(pairs ? n / 2 : n));
    while (!verso_pack_err(pk) && !pairs && verso_tm_list_next(&list, &a))
        verso_pack_strn(pk, a.p, a.n);
    while (!verso_pack_err(pk) && pairs && verso_tm_list_next(&list, &a) &&
           verso_tm_list_next(&list, &b)) {
        verso_pack_array(pk, 2);
        verso_pack_strn(pk, a.p, a.n);
        verso_pack_strn(pk, b.p, b.n);
    }
}

void verso_tmop_pack_entry(verso_txn *t, verso_pack *pk, const verso_tm_entry *e,
                           const verso_str *tm_name, size_t n_extra)
{
    s_tm_name_of tm = {e->tm_id, {"", 0}};
    if (tm_name)
        tm.name = *tm_name;
    else
        verso_tm_each(t, s_find_name, &tm);
    const struct {
        const char *key;
        verso_str v;
    } strs[] = {{"tm", tm.name},   {"src_lang", e->src_lang}, {"tgt_lang", e->tgt_lang},
                {"src", e->src},   {"tgt", e->tgt},           {"author", e->author},
                {"note", e->note}, {"origin", e->origin},     {"prev", e->prev},
                {"next", e->next}};
    size_t ns = sizeof strs / sizeof strs[0];
    verso_pack_map(pk, (uint32_t)(ns + 8 + n_extra));
    verso_pack_kv_uint(pk, "id", e->id);
    for (size_t i = 0; i < ns; i++)
        verso_pack_kv_strn(pk, strs[i].key, strs[i].v.p, strs[i].v.n);
    s_pack_list(pk, "src_tags", e->src_tags, false);
    s_pack_list(pk, "tgt_tags", e->tgt_tags, false);
    s_pack_list(pk, "props", e->props, true);
    s_pack_list(pk, "tmx", e->tmx, true);
    verso_pack_kv_int(pk, "created", e->created);
    verso_pack_kv_int(pk, "changed", e->changed);
    verso_pack_kv_uint(pk, "usage", e->usage);
}

/* "entry_id": any integer is well-formed; only positive ones can exist
 * (*id is 0 for the others). */
static verso_err s_entry_id(verso_op_ctx *ctx, uint64_t *id)
{
    const msgpack_object *o = verso_mp_get(ctx->req->body, "entry_id");
    if (!o ||
        (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER && o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"entry_id\" must be an integer");
    *id = o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
    return VERSO_OK;
}

static verso_err s_no_entry(verso_op_ctx *ctx, uint64_t id)
{
    return verso_fault_set(ctx->fault, VERSO_ENOTFOUND, "no entry %llu", (unsigned long long)id);
}

/* Replies {"entry": <entry id as stored now>}. */
static verso_err s_reply_entry(verso_op_ctx *ctx, uint64_t id)
{
    verso_txn *t;
    verso_err err = verso_store_read_begin(ctx->env->store, &t);
    if (err)
        return err;
    verso_tm_entry e;
    err = id > 0 ? verso_tm_get(t, id, &e) : VERSO_ENOTFOUND;
    if (err == VERSO_ENOTFOUND)
        s_no_entry(ctx, id);
    if (!err) {
        verso_pack_map(ctx->res, 1);
        verso_pack_str(ctx->res, "entry");
        verso_tmop_pack_entry(t, ctx->res, &e, NULL, 0);
    }
    verso_store_read_end(&t);
    return err ? err : verso_pack_err(ctx->res);
}

verso_err verso_op_get(verso_op_ctx *ctx)
{
    uint64_t id = 0;
    verso_err err = s_entry_id(ctx, &id);
    return err ? err : s_reply_entry(ctx, id);
}

/* ---- update --------------------------------------------------------------- */

typedef struct s_upd_job {
    uint64_t id;
    verso_tm_patch p;
} s_upd_job;

static verso_err s_upd_run(verso_txn *t, void *arg)
{
    s_upd_job *j = arg;
    return verso_tm_update(t, j->id, &j->p);
}

static bool s_has(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    return o && o->type != MSGPACK_OBJECT_NIL;
}

/* Which fields the request sets; "src_tags" needs "src" (and tgt alike). */
static verso_err s_patch_set(verso_op_ctx *ctx, s_upd_job *j)
{
    static const struct {
        const char *key;
        unsigned bit;
    } f[] = {{"src", VERSO_TM_SET_SRC},       {"tgt", VERSO_TM_SET_TGT},
             {"author", VERSO_TM_SET_AUTHOR}, {"note", VERSO_TM_SET_NOTE},
             {"props", VERSO_TM_SET_PROPS},   {"origin", VERSO_TM_SET_ORIGIN}};
    const msgpack_object *m = ctx->req->body;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        j->p.set |= s_has(m, f[i].key) ? f[i].bit : 0;
    if ((s_has(m, "src_tags") && !s_has(m, "src")) || (s_has(m, "tgt_tags") && !s_has(m, "tgt")))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"src_tags\" and \"tgt_tags\" go with \"src\" and \"tgt\"");
    if (!j->p.set && !s_has(m, "used"))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "nothing to update");
    return VERSO_OK;
}

verso_err verso_op_update(verso_op_ctx *ctx)
{
    s_upd_job j = {0};
    verso_buf lists;
    verso_buf_init(&lists, (size_t)1 << 31);
    verso_err err = s_entry_id(ctx, &j.id);
    err = err ? err : verso_buf_reserve(&lists, s_lists_size(ctx->req->body));
    err = err ? err : s_parse_fields(ctx, ctx->req->body, "", false, &lists, &j.p.e);
    err = err ? err : s_field_uint(ctx, ctx->req->body, "", "used", &j.p.use);
    err = err ? err : s_patch_set(ctx, &j);
    if (!err && (j.p.set & VERSO_TM_SET_SRC) && j.p.e.src.n == 0)
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "src must be a non-empty string");
    if (!err && (j.p.set & VERSO_TM_SET_TGT) && j.p.e.tgt.n == 0)
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "tgt must be a non-empty string");
    err = err ? err : j.id ? s_submit(ctx, s_upd_run, &j) : VERSO_ENOTFOUND;
    if (err == VERSO_ENOTFOUND)
        err = s_no_entry(ctx, j.id);
    verso_buf_fini(&lists);
    return err ? err : s_reply_entry(ctx, j.id);
}

/* ---- export --------------------------------------------------------------- */

#define S_EXPORT_MAX   10000             /* entries a page */
#define S_EXPORT_SCAN  200000            /* records read a page, of any TM */
#define S_EXPORT_BYTES ((size_t)8 << 20) /* a page ends once its entries pass this */

typedef struct s_export {
    verso_tm_entry *v;
    size_t n, max, bytes;
} s_export;

static int s_export_one(void *arg, const verso_tm_entry *e)
{
    s_export *x = arg;
    x->v[x->n++] = *e;
    x->bytes += 256 + e->src.n + e->tgt.n + e->author.n + e->note.n + e->origin.n + e->src_tags.n +
                e->tgt_tags.n + e->props.n + e->prev.n + e->next.n + e->tmx.n;
    return x->n == x->max || x->bytes >= S_EXPORT_BYTES;
}

static verso_err s_export_args(verso_op_ctx *ctx, int64_t *after, int64_t *limit)
{
    *after = 0;
    *limit = 1000;
    verso_err err = verso_req_int(ctx->req, "after", false, after, ctx->fault);
    err = err ? err : verso_req_int(ctx->req, "limit", false, limit, ctx->fault);
    if (!err && *after < 0)
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"after\" must be a cursor (>= 0)");
    if (!err && (*limit < 1 || *limit > S_EXPORT_MAX))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"limit\" must be 1 to %d", S_EXPORT_MAX);
    return err;
}

static verso_err s_pack_export(verso_op_ctx *ctx, verso_txn *t, verso_str tm, const s_export *x,
                               uint64_t next, verso_str header)
{
    verso_pack *p = ctx->res;
    verso_pack_map(p, header.n ? 3 : 2);
    if (header.n)
        verso_pack_kv_strn(p, "tmx_header", header.p, header.n);
    verso_pack_str(p, "entries");
    verso_pack_array(p, (uint32_t)x->n);
    for (size_t i = 0; i < x->n && !verso_pack_err(p); i++)
        verso_tmop_pack_entry(t, p, &x->v[i], &tm, 0);
    verso_pack_str(p, "next");
    if (next)
        verso_pack_uint(p, next);
    else
        verso_pack_nil(p);
    return verso_pack_err(p);
}

verso_err verso_op_export(verso_op_ctx *ctx)
{
    verso_str tm;
    int64_t after = 0, limit = 1;
    uint32_t tm_id = 0;
    uint64_t last = 0;
    verso_txn *t = NULL;
    verso_err err = verso_tmop_name(ctx, &tm);
    err = err ? err : s_export_args(ctx, &after, &limit);
    s_export x = {NULL, 0, (size_t)limit, 0};
    if (!err && !(x.v = calloc(x.max, sizeof *x.v)))
        err = VERSO_ENOMEM;
    err = err ? err : verso_store_read_begin(ctx->env->store, &t);
    if (!err && (err = verso_tm_find(t, tm, &tm_id)) == VERSO_ENOTFOUND)
        verso_tmop_missing(ctx, tm);
    if (!err)
        err =
            verso_tm_each_entry(t, tm_id, (uint64_t)after, S_EXPORT_SCAN, s_export_one, &x, &last);
    verso_str header = {"", 0};
    if (!err && after == 0) /* the first page gives the TM's TMX header */
        err = verso_tm_header_get(t, tm_id, &header);
    if (!err)
        err = s_pack_export(ctx, t, tm, &x, last, header);
    if (t)
        verso_store_read_end(&t);
    free(x.v);
    return err;
}

/* ---- delete --------------------------------------------------------------- */

typedef struct s_del_job {
    uint64_t *ids;
    size_t n, deleted;
} s_del_job;

static verso_err s_del_run(verso_txn *t, void *arg)
{
    s_del_job *j = arg;
    verso_err err = VERSO_OK;
    j->deleted = 0;
    for (size_t i = 0; i < j->n && !err; i++) {
        bool d = false;
        err = verso_tm_delete(t, j->ids[i], &d);
        j->deleted += d;
    }
    return err;
}

verso_err verso_op_delete(verso_op_ctx *ctx)
{
    const msgpack_object *ids = verso_mp_get(ctx->req->body, "ids");
    if (!ids || ids->type != MSGPACK_OBJECT_ARRAY || ids->via.array.size > S_MAX_ENTRIES)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"ids\" must be an array of at most %d entry ids", S_MAX_ENTRIES);
    s_del_job j = {calloc(ids->via.array.size + 1, sizeof *j.ids), ids->via.array.size, 0};
    if (!j.ids)
        return VERSO_ENOMEM;
    verso_err err = VERSO_OK;
    for (size_t i = 0; i < j.n && !err; i++) {
        const msgpack_object *o = &ids->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                                  "ids[%zu] must be a non-negative integer", i);
        else
            j.ids[i] = o->via.u64;
    }
    err = err ? err : s_submit(ctx, s_del_run, &j);
    free(j.ids);
    if (err)
        return err;
    verso_pack_map(ctx->res, 1);
    verso_pack_kv_uint(ctx->res, "deleted", j.deleted);
    return verso_pack_err(ctx->res);
}
