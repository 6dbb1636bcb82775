/*
 * result.c - libverso's reply reader: each field's type checked (a wrong
 * one is VERSO_EPROTO, never a crash), each string copied out of the
 * msgpack buffer into the result's own arena, so that a result outlives
 * its reply and is freed in one go. Reading only: the ops are in ops.c and
 * tmops.c.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "mp.h"

#define S_BLOCK (16 * 1024) /* bytes of an arena block, unless one item needs more */

typedef struct s_block {
    struct s_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
} s_block;

/* Placed before each result struct. */
typedef struct s_head {
    s_block *blocks;
    alignas(max_align_t) unsigned char res[];
} s_head;

static s_head *s_head_of(void *res)
{
    return (s_head *)((unsigned char *)res - offsetof(s_head, res));
}

verso_err verso_rd_begin(verso_rd *rd, size_t size)
{
    s_head *h = calloc(1, sizeof *h + size);
    rd->res = h ? h->res : NULL;
    rd->err = h ? VERSO_OK : VERSO_ENOMEM;
    return rd->err;
}

void verso_res_free(void *res)
{
    if (!res)
        return;
    s_head *h = s_head_of(res);
    while (h->blocks) {
        s_block *b = h->blocks;
        h->blocks = b->next;
        free(b);
    }
    free(h);
}

void *verso_rd_alloc(verso_rd *rd, size_t n, size_t size)
{
    if (rd->err || !n)
        return NULL;
    if (size && n > (SIZE_MAX / 2) / size) {
        rd->err = VERSO_ENOMEM;
        return NULL;
    }
    size_t need = (n * size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    s_head *h = s_head_of(rd->res);
    s_block *b = h->blocks;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > S_BLOCK ? need : S_BLOCK;
        if (!(b = malloc(sizeof *b + cap))) {
            rd->err = VERSO_ENOMEM;
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = h->blocks;
        h->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    return memset(p, 0, need);
}

static void s_bad(verso_rd *rd)
{
    if (!rd->err)
        rd->err = VERSO_EPROTO;
}

/* The field, or NULL when absent or nil (also after a failure). */
static const msgpack_object *s_get(verso_rd *rd, const msgpack_object *map, const char *key)
{
    if (rd->err)
        return NULL;
    const msgpack_object *o = verso_mp_get(map, key);
    return o && o->type != MSGPACK_OBJECT_NIL ? o : NULL;
}

void verso_rd_str_of(verso_rd *rd, const msgpack_object *o, verso_str *out)
{
    *out = (verso_str){"", 0};
    if (!o)
        return;
    if (o->type != MSGPACK_OBJECT_STR) {
        s_bad(rd);
        return;
    }
    char *p = verso_rd_alloc(rd, (size_t)o->via.str.size + 1, 1);
    if (!p)
        return;
    memcpy(p, o->via.str.ptr, o->via.str.size);
    *out = (verso_str){p, o->via.str.size};
}

void verso_rd_str(verso_rd *rd, const msgpack_object *map, const char *key, verso_str *out)
{
    verso_rd_str_of(rd, s_get(rd, map, key), out);
}

void verso_rd_int_of(verso_rd *rd, const msgpack_object *o, int64_t *out)
{
    *out = 0;
    if (!o)
        return;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
        *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = o->via.i64;
    else
        s_bad(rd);
}

void verso_rd_int(verso_rd *rd, const msgpack_object *map, const char *key, int64_t *out)
{
    verso_rd_int_of(rd, s_get(rd, map, key), out);
}

void verso_rd_bool(verso_rd *rd, const msgpack_object *map, const char *key, bool *out)
{
    const msgpack_object *o = s_get(rd, map, key);
    *out = false;
    if (o && o->type != MSGPACK_OBJECT_BOOLEAN)
        s_bad(rd);
    else if (o)
        *out = o->via.boolean;
}

void verso_rd_double(verso_rd *rd, const msgpack_object *map, const char *key, double *out)
{
    const msgpack_object *o = s_get(rd, map, key);
    int64_t i;
    *out = 0;
    if (o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
        *out = o->via.f64;
    else if (o && (verso_rd_int_of(rd, o, &i), !rd->err))
        *out = (double)i;
}

const msgpack_object *verso_rd_array(verso_rd *rd, const msgpack_object *map, const char *key,
                                     bool *present)
{
    const msgpack_object *o = s_get(rd, map, key);
    if (o && o->type != MSGPACK_OBJECT_ARRAY) {
        s_bad(rd);
        o = NULL;
    }
    if (present)
        *present = o != NULL;
    return o;
}

const msgpack_object *verso_rd_is_map(verso_rd *rd, const msgpack_object *o)
{
    if (rd->err || o->type != MSGPACK_OBJECT_MAP) {
        s_bad(rd);
        return NULL;
    }
    return o;
}

const msgpack_object *verso_rd_map(verso_rd *rd, const msgpack_object *map, const char *key)
{
    const msgpack_object *o = s_get(rd, map, key);
    return o ? verso_rd_is_map(rd, o) : NULL;
}

void verso_rd_strs(verso_rd *rd, const msgpack_object *map, const char *key, verso_str **v,
                   size_t *n)
{
    const msgpack_object *a = verso_rd_array(rd, map, key, NULL);
    *v = NULL;
    *n = 0;
    if (!a || !(*v = verso_rd_alloc(rd, a->via.array.size, sizeof **v)))
        return;
    for (uint32_t i = 0; i < a->via.array.size && !rd->err; i++)
        verso_rd_str_of(rd, &a->via.array.ptr[i], &(*v)[i]);
    *n = rd->err ? 0 : a->via.array.size;
}

void verso_rd_ints(verso_rd *rd, const msgpack_object *map, const char *key, int64_t **v, size_t *n)
{
    const msgpack_object *a = verso_rd_array(rd, map, key, NULL);
    *v = NULL;
    *n = 0;
    if (!a || !(*v = verso_rd_alloc(rd, a->via.array.size, sizeof **v)))
        return;
    for (uint32_t i = 0; i < a->via.array.size && !rd->err; i++) {
        if (a->via.array.ptr[i].type == MSGPACK_OBJECT_NIL)
            s_bad(rd); /* nil is no index */
        verso_rd_int_of(rd, &a->via.array.ptr[i], &(*v)[i]);
    }
    *n = rd->err ? 0 : a->via.array.size;
}

void verso_rd_pairs(verso_rd *rd, const msgpack_object *map, const char *key, verso_pair **v,
                    size_t *n)
{
    const msgpack_object *a = verso_rd_array(rd, map, key, NULL);
    *v = NULL;
    *n = 0;
    if (!a || !(*v = verso_rd_alloc(rd, a->via.array.size, sizeof **v)))
        return;
    for (uint32_t i = 0; i < a->via.array.size && !rd->err; i++) {
        const msgpack_object *p = &a->via.array.ptr[i];
        if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2) {
            s_bad(rd);
            break;
        }
        verso_rd_str_of(rd, &p->via.array.ptr[0], &(*v)[i].name);
        verso_rd_str_of(rd, &p->via.array.ptr[1], &(*v)[i].value);
    }
    *n = rd->err ? 0 : a->via.array.size;
}

void verso_rd_span(verso_rd *rd, const msgpack_object *o, verso_span *s)
{
    *s = (verso_span){0, 0};
    if (rd->err)
        return;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
        o->via.array.ptr[0].type == MSGPACK_OBJECT_NIL ||
        o->via.array.ptr[1].type == MSGPACK_OBJECT_NIL) {
        s_bad(rd);
        return;
    }
    verso_rd_int_of(rd, &o->via.array.ptr[0], &s->start);
    verso_rd_int_of(rd, &o->via.array.ptr[1], &s->end);
}

void verso_rd_entry(verso_rd *rd, const msgpack_object *map, verso_entry *e)
{
    if (!verso_rd_is_map(rd, map))
        return;
    verso_str *tags[2];
    verso_pair *pairs[2];
    verso_rd_int(rd, map, "id", &e->id);
    verso_rd_str(rd, map, "tm", &e->tm);
    verso_rd_str(rd, map, "src_lang", &e->src_lang);
    verso_rd_str(rd, map, "tgt_lang", &e->tgt_lang);
    verso_rd_str(rd, map, "src", &e->src);
    verso_rd_str(rd, map, "tgt", &e->tgt);
    verso_rd_str(rd, map, "prev", &e->prev);
    verso_rd_str(rd, map, "next", &e->next);
    verso_rd_str(rd, map, "author", &e->author);
    verso_rd_str(rd, map, "note", &e->note);
    verso_rd_str(rd, map, "origin", &e->origin);
    verso_rd_strs(rd, map, "src_tags", &tags[0], &e->nsrc_tags);
    verso_rd_strs(rd, map, "tgt_tags", &tags[1], &e->ntgt_tags);
    verso_rd_pairs(rd, map, "props", &pairs[0], &e->nprops);
    verso_rd_pairs(rd, map, "tmx", &pairs[1], &e->ntmx);
    e->src_tags = tags[0];
    e->tgt_tags = tags[1];
    e->props = pairs[0];
    e->tmx = pairs[1];
    verso_rd_int(rd, map, "created", &e->created);
    verso_rd_int(rd, map, "changed", &e->changed);
    verso_rd_int(rd, map, "usage", &e->usage);
}
