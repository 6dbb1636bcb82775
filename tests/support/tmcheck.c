/* tmcheck.c - reading a TM back and the align tests' documents; see tmcheck.h. */
#define _GNU_SOURCE
#include "tmcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static char *s_dup(const msgpack_object *o)
{
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return strdup("");
    return strndup(o->via.str.ptr, o->via.str.size);
}

static int s_row_cmp(const void *a, const void *b)
{
    const verso_tmcheck_row *x = a, *y = b;
    int c = strcmp(x->origin, y->origin);
    return c ? c : strcmp(x->src, y->src);
}

/* Appends the entries of one export page; *after gets its "next" (0: none). */
static int s_take_page(const msgpack_object *res, verso_tmcheck_rows *r, uint64_t *after)
{
    const msgpack_object *e = verso_mp_get(res, "entries"), *next = verso_mp_get(res, "next");
    if (!e || e->type != MSGPACK_OBJECT_ARRAY || !next)
        return -1;
    verso_tmcheck_row *v = realloc(r->v, (r->n + e->via.array.size + 1) * sizeof *v);
    if (!v)
        return -1;
    r->v = v;
    for (uint32_t i = 0; i < e->via.array.size; i++) {
        const msgpack_object *m = &e->via.array.ptr[i], *id = verso_mp_get(m, "id");
        verso_tmcheck_row *row = &r->v[r->n++];
        row->id = id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? id->via.u64 : 0;
        row->src = s_dup(verso_mp_get(m, "src"));
        row->tgt = s_dup(verso_mp_get(m, "tgt"));
        row->origin = s_dup(verso_mp_get(m, "origin"));
    }
    *after = next->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? next->via.u64 : 0;
    return 0;
}

int verso_tmcheck_rows_load(verso_client *c, const char *tm, verso_tmcheck_rows *out)
{
    verso_tmcheck_rows r = {NULL, 0};
    uint64_t after = 0;
    int rc = 0;
    do {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        verso_mp_pack_kv_str(&pk, "tm", tm);
        verso_mp_pack_kv_uint(&pk, "after", after);
        verso_mp_pack_kv_uint(&pk, "limit", 10000);
        uint64_t req = 0;
        verso_reply *reply = NULL;
        verso_err err = verso_client_send_packed(c, "export", sb.data, sb.size, 3, &req);
        msgpack_sbuffer_destroy(&sb);
        err = err ? err : verso_client_recv(c, req, -1, &reply);
        if (err || s_take_page(verso_reply_res(reply), &r, &after) < 0) {
            fprintf(stderr, "tmcheck: export of %s after %llu failed: %s %s\n", tm,
                    (unsigned long long)after, verso_err_symbol(err),
                    reply ? verso_reply_err_code(reply) : "");
            rc = -1;
        }
        verso_reply_destroy(&reply);
    } while (!rc && after);
    if (rc) {
        verso_tmcheck_rows_fini(&r);
        return rc;
    }
    if (r.n)
        qsort(r.v, r.n, sizeof *r.v, s_row_cmp);
    *out = r;
    return 0;
}

void verso_tmcheck_rows_fini(verso_tmcheck_rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].src);
        free(r->v[i].tgt);
        free(r->v[i].origin);
    }
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

size_t verso_tmcheck_rows_origin(const verso_tmcheck_rows *r, const char *origin, size_t *first)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->v[mid].origin, origin) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < r->n && !strcmp(r->v[end].origin, origin))
        end++;
    *first = lo;
    return end - lo;
}

void verso_tmcheck_pairs_fini(verso_tmcheck_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->src[i]);
        free(p->tgt[i]);
    }
    free(p->src);
    free(p->tgt);
    memset(p, 0, sizeof *p);
}

/* The sentences idx (an array of consecutive indices) of segs, joined with
 * a space; NULL when an index is out of range. */
static char *s_join(const msgpack_object *segs, const msgpack_object *idx)
{
    size_t len = 0;
    for (uint32_t k = 0; k < idx->via.array.size; k++) {
        const msgpack_object *i = &idx->via.array.ptr[k];
        if (i->type != MSGPACK_OBJECT_POSITIVE_INTEGER || i->via.u64 >= segs->via.array.size ||
            segs->via.array.ptr[i->via.u64].type != MSGPACK_OBJECT_STR)
            return NULL;
        len += segs->via.array.ptr[i->via.u64].via.str.size + 1;
    }
    char *out = malloc(len + 1), *p = out;
    for (uint32_t k = 0; out && k < idx->via.array.size; k++) {
        const msgpack_object *s = &segs->via.array.ptr[idx->via.array.ptr[k].via.u64];
        if (k)
            *p++ = ' ';
        memcpy(p, s->via.str.ptr, s->via.str.size);
        p += s->via.str.size;
    }
    if (out)
        *p = '\0';
    return out;
}

static bool s_is_array(const msgpack_object *o)
{
    return o && o->type == MSGPACK_OBJECT_ARRAY;
}

int verso_tmcheck_align_pairs(const msgpack_object *res, double min, verso_tmcheck_pairs *out)
{
    const msgpack_object *ss = verso_mp_get(res, "src_segments");
    const msgpack_object *ts = verso_mp_get(res, "tgt_segments");
    const msgpack_object *beads = verso_mp_get(res, "beads");
    memset(out, 0, sizeof *out);
    if (!s_is_array(ss) || !s_is_array(ts) || !s_is_array(beads))
        return -1;
    size_t nb = beads->via.array.size;
    out->src = calloc(nb + 1, sizeof *out->src);
    out->tgt = calloc(nb + 1, sizeof *out->tgt);
    if (!out->src || !out->tgt)
        return -1;
    for (size_t i = 0; i < nb; i++) {
        const msgpack_object *b = &beads->via.array.ptr[i];
        const msgpack_object *bs = verso_mp_get(b, "src"), *bt = verso_mp_get(b, "tgt");
        const msgpack_object *sc = verso_mp_get(b, "score");
        if (!s_is_array(bs) || !s_is_array(bt) || !sc)
            goto bad;
        double score = sc->type == MSGPACK_OBJECT_FLOAT64 || sc->type == MSGPACK_OBJECT_FLOAT32
                           ? sc->via.f64
                       : sc->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)sc->via.u64
                                                                     : -1;
        uint32_t ns = bs->via.array.size, nt = bt->via.array.size;
        if (!ns || !nt || ns + nt > 3 || score < min)
            continue;
        out->src[out->n] = s_join(ss, bs);
        out->tgt[out->n] = s_join(ts, bt);
        if (!out->src[out->n] || !out->tgt[out->n++])
            goto bad;
    }
    return 0;
bad:
    verso_tmcheck_pairs_fini(out);
    return -1;
}

size_t verso_tmcheck_rows_missing(const verso_tmcheck_rows *r, const char *origin,
                                  const verso_tmcheck_pairs *want)
{
    size_t first, n = verso_tmcheck_rows_origin(r, origin, &first), missing = 0;
    for (size_t i = 0; i < want->n; i++) {
        bool found = false;
        for (size_t k = first; k < first + n && !found; k++)
            found = !strcmp(r->v[k].src, want->src[i]) && !strcmp(r->v[k].tgt, want->tgt[i]);
        missing += !found;
    }
    return missing;
}

bool verso_tmcheck_rows_are(const verso_tmcheck_rows *r, const char *origin,
                            const verso_tmcheck_pairs *want)
{
    size_t first;
    return verso_tmcheck_rows_origin(r, origin, &first) == want->n &&
           verso_tmcheck_rows_missing(r, origin, want) == 0;
}

size_t verso_tmcheck_sentence(char *buf, size_t cap, const char *tag, int no, int i, int tgt)
{
    static const char *const more[2] = {
        ", and asked the secretariat to publish the full text before the next meeting",
        ", et a demandé au secrétariat de publier le texte intégral avant la prochaine réunion"};
    int measures = (no * 97 + i * 13) % 900 + 100;
    int len = snprintf(buf, cap,
                       tgt ? "Section %d.%d du rapport %s : le comité a approuvé %d mesures le "
                             "jour %d%s."
                           : "Section %d.%d of the %s report: the committee approved %d measures "
                             "on day %d%s.",
                       no, i, tag, measures, i + 1, i % 4 == 1 ? more[tgt] : "");
    return len < 0 ? 0 : (size_t)len >= cap ? cap - 1 : (size_t)len;
}

static void s_pack_side(msgpack_packer *pk, const char *key, const char *tag, int no, int n,
                        int tgt)
{
    char buf[512];
    verso_mp_pack_cstr(pk, key);
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        size_t len = verso_tmcheck_sentence(buf, sizeof buf, tag, no, i, tgt);
        msgpack_pack_str_with_body(pk, buf, len);
    }
}

verso_err verso_tmcheck_send_align(verso_client *c, const char *tag, int no, int n,
                                   const char *store_tm, const char *origin, uint64_t *req)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "src_lang", "en");
    verso_mp_pack_kv_str(&pk, "tgt_lang", "fr");
    s_pack_side(&pk, "src_segments", tag, no, n, 0);
    s_pack_side(&pk, "tgt_segments", tag, no, n, 1);
    if (store_tm) {
        verso_mp_pack_cstr(&pk, "store");
        msgpack_pack_map(&pk, 3);
        verso_mp_pack_kv_str(&pk, "tm", store_tm);
        verso_mp_pack_kv_int(&pk, "min_confidence", 0);
        verso_mp_pack_kv_str(&pk, "origin", origin);
    }
    verso_err err = verso_client_send_packed(c, "align", sb.data, sb.size, store_tm ? 5 : 4, req);
    msgpack_sbuffer_destroy(&sb);
    return err;
}
