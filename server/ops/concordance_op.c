/*
 * concordance_op.c - the concordance op: the entries of a TM whose source
 * (or target) in one language holds every word of a query, where those
 * words occur, and whether they occur as the query's phrase. Words are the
 * fuzzy matcher's tokens (fuzzy.h); candidates come from its index
 * (verso_tmfuzzy_containing) and each is checked on its own text. Not a
 * similarity ranking (that is lookup). Runs in one read transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "lang.h"
#include "mp.h"
#include "ops.h"
#include "text.h"
#include "tm_op.h"
#include "tmfuzzy.h"

#define S_MAX_RESULTS      1000 /* the largest max_results */
#define S_DEFAULT_RESULTS  20
#define S_MAX_QUERY_BYTES  4096
#define S_MAX_QUERY_TOKENS 256

/* A distinct token of the query: a word by its id, a number by its text
 * (every number has one id, and concordance wants the number written). */
typedef struct s_key {
    uint32_t id, kind;
    const char *p; /* a number's text, in the query's normalised form */
    size_t n;
} s_key;

typedef struct s_conc {
    verso_op_ctx *ctx;
    verso_txn *t;
    uint32_t tm;
    verso_str tm_name, lang;
    bool target;      /* side "tgt": entries of tgt_lang lang, searched in their target */
    size_t max;       /* max_results */
    size_t cap;       /* candidates examined at most */
    const char *text; /* the query as sent */
    size_t text_n;
    verso_tmfuzzy *fz; /* the thread's matcher (or own_fz): its tokeniser */
    verso_tmfuzzy own_fz;
    verso_buf qnorm;    /* the query, normalised */
    verso_fuzzy_text q; /* and its tokens */
    s_key keys[S_MAX_QUERY_TOKENS];
    size_t nkeys;
    int qkey[S_MAX_QUERY_TOKENS]; /* the key of each query token */
    uint32_t qids[S_MAX_QUERY_TOKENS];
    uint32_t *pairs; /* the pair keys searched */
    size_t npairs, pairs_cap;
    uint64_t *ids; /* candidates, newest first */
    size_t nids, ids_cap, pair_n;
    verso_err err;      /* of a callback */
    verso_buf cnorm;    /* a candidate's side, normalised */
    verso_fuzzy_text c; /* and its tokens */
    int *ckey;          /* the key of each of them, -1 for none */
    size_t ckey_cap;
    uint32_t *map; /* candidate norm -> as stored */
    size_t map_cap;
    uint64_t *kept; /* results: phrase matches (up to max) then others (up to max) */
    size_t nphrase, nplain;
    size_t matched; /* entries that matched */
    bool more;
} s_conc;

/* ---- the request --------------------------------------------------------- */

static verso_err s_side(verso_op_ctx *ctx, s_conc *c)
{
    const char *s = NULL;
    size_t n = 0;
    verso_err err = verso_req_str(ctx->req, "side", false, &s, &n, ctx->fault);
    if (err || !s)
        return err;
    if (n == 3 && !memcmp(s, "tgt", 3))
        c->target = true;
    else if (n != 3 || memcmp(s, "src", 3))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"side\" must be \"src\" or \"tgt\"");
    return VERSO_OK;
}

static verso_err s_fields(verso_op_ctx *ctx, s_conc *c, char *lang)
{
    int64_t max = S_DEFAULT_RESULTS;
    verso_err err = verso_tmop_name(ctx, &c->tm_name);
    err = err ? err : verso_tmop_lang(ctx, "lang", lang, &c->lang);
    err = err ? err : s_side(ctx, c);
    err = err ? err : verso_req_int(ctx->req, "max_results", false, &max, ctx->fault);
    if (!err && (max < 1 || max > S_MAX_RESULTS))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"max_results\" must be 1 to %d",
                              S_MAX_RESULTS);
    err = err ? err : verso_req_str(ctx->req, "query", true, &c->text, &c->text_n, ctx->fault);
    if (!err && (c->text_n == 0 || c->text_n > S_MAX_QUERY_BYTES))
        err = verso_fault_set(ctx->fault, VERSO_EBADREQ,
                              "\"query\" must be a string of 1 to %d bytes", S_MAX_QUERY_BYTES);
    c->max = (size_t)max;
    c->cap = 20 * c->max + 1000;
    return err;
}

/* Whether token i of t is key k. */
static bool s_is_key(const s_key *k, const verso_fuzzy_text *t, size_t i)
{
    if (k->id != t->ids[i] || k->kind != t->tok[i].kind)
        return false;
    size_t n = t->tok[i].end - t->tok[i].start;
    return k->kind != VERSO_FUZZY_NUMBER || (n == k->n && !memcmp(k->p, t->s + t->tok[i].start, n));
}

/* The query key that token i of t is, or -1 (keys sorted by id). */
static int s_key_of(const s_conc *c, const verso_fuzzy_text *t, size_t i)
{
    size_t lo = 0, hi = c->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->keys[mid].id < t->ids[i])
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->nkeys && c->keys[lo].id == t->ids[i]; lo++)
        if (s_is_key(&c->keys[lo], t, i))
            return (int)lo;
    return -1;
}

static int s_key_cmp(const void *a, const void *b)
{
    const s_key *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Normalises and tokenises the query, and lists its distinct tokens. */
static verso_err s_query(verso_op_ctx *ctx, s_conc *c)
{
    verso_err err = verso_text_norm(c->text, c->text_n, &c->qnorm);
    err = err ? err : verso_fuzzy_tokenize(&c->fz->f, c->qnorm.data, c->qnorm.len, &c->q);
    if (err)
        return err;
    if (!c->q.n)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"query\" has no words (only punctuation, white space or tags)");
    if (c->q.n > S_MAX_QUERY_TOKENS)
        return verso_fault_set(ctx->fault, VERSO_EBADREQ, "\"query\" has %zu words; at most %d",
                               c->q.n, S_MAX_QUERY_TOKENS);
    for (size_t i = 0; i < c->q.n; i++) {
        size_t k = 0;
        while (k < c->nkeys && !s_is_key(&c->keys[k], &c->q, i))
            k++;
        if (k == c->nkeys)
            c->keys[c->nkeys++] = (s_key){c->q.ids[i], c->q.tok[i].kind, c->q.s + c->q.tok[i].start,
                                          c->q.tok[i].end - c->q.tok[i].start};
        c->qids[i] = c->q.ids[i];
    }
    qsort(c->keys, c->nkeys, sizeof *c->keys, s_key_cmp);
    for (size_t i = 0; i < c->q.n; i++)
        c->qkey[i] = s_key_of(c, &c->q, i);
    return VERSO_OK;
}

/* ---- candidates ---------------------------------------------------------- */

/* verso_tm_each_pair's callback: the pair keys of the side searched. */
static int s_pair_one(void *arg, verso_str sl, verso_str tl, uint64_t n)
{
    s_conc *c = arg;
    verso_str mine = c->target ? tl : sl, other = c->target ? sl : tl;
    if (!n || mine.n != c->lang.n || memcmp(mine.p, c->lang.p, mine.n))
        return 0;
    uint32_t key = verso_tm_pair_key(mine, other, c->target);
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i] == key) /* two pairs that hash alike: searched once */
            return 0;
    if (verso_array_grow(&c->pairs, &c->pairs_cap, c->npairs + 1, sizeof *c->pairs)) {
        c->err = VERSO_ENOMEM;
        return 1;
    }
    c->pairs[c->npairs++] = key;
    return 0;
}

/* verso_tmfuzzy_containing's callback: up to cap + 1 ids of one pair (the
 * newest cap of all pairs are among them; one more tells there are more). */
static int s_cand_one(void *arg, uint64_t id)
{
    s_conc *c = arg;
    if (verso_array_grow(&c->ids, &c->ids_cap, c->nids + 1, sizeof *c->ids)) {
        c->err = VERSO_ENOMEM;
        return 1;
    }
    c->ids[c->nids++] = id;
    return ++c->pair_n > c->cap;
}

static int s_u64_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x < y) - (x > y);
}

/* The candidates of every pair of the side, newest first, without repeats. */
static verso_err s_candidates(s_conc *c)
{
    verso_err err = verso_tm_each_pair(c->t, c->tm, s_pair_one, c);
    err = err ? err : c->err;
    for (size_t i = 0; !err && i < c->npairs; i++) {
        c->pair_n = 0;
        err = verso_tmfuzzy_containing(c->t, c->fz, c->tm, c->pairs[i], c->target, c->qids, c->q.n,
                                       s_cand_one, c);
        err = err ? err : c->err;
    }
    if (err || !c->nids)
        return err;
    qsort(c->ids, c->nids, sizeof *c->ids, s_u64_desc);
    size_t d = 1;
    for (size_t i = 1; i < c->nids; i++)
        if (c->ids[i] != c->ids[d - 1])
            c->ids[d++] = c->ids[i];
    c->nids = d;
    return VERSO_OK;
}

/* ---- one entry ----------------------------------------------------------- */

/* Whether the gap before token i of a (after token i - 1) equals the gap
 * before token j of b, spaces aside. */
static bool s_same_gap(const verso_fuzzy_text *a, size_t i, const verso_fuzzy_text *b, size_t j)
{
    const char *x = a->punct.data, *y = b->punct.data;
    size_t xi = a->tok[i - 1].gap, xe = a->tok[i].gap, yi = b->tok[j - 1].gap, ye = b->tok[j].gap;
    for (;;) {
        while (xi < xe && x[xi] == ' ')
            xi++;
        while (yi < ye && y[yi] == ' ')
            yi++;
        if (xi == xe || yi == ye)
            return xi == xe && yi == ye;
        if (x[xi++] != y[yi++])
            return false;
    }
}

/* Whether the query's tokens occur in c->c one after the other, with the
 * query's punctuation between them. */
static bool s_phrase(const s_conc *c)
{
    for (size_t i = 0; i + c->q.n <= c->c.n; i++) {
        size_t k = 0;
        while (k < c->q.n && c->ckey[i + k] == c->qkey[k] &&
               (k == 0 || s_same_gap(&c->q, k, &c->c, i + k)))
            k++;
        if (k == c->q.n)
            return true;
    }
    return false;
}

/* Reads entry id and tokenises its side searched (*side) into c->c, with
 * the query key of each token in c->ckey. *ok: false when the entry is not
 * one the request can find (another language under a colliding pair key). */
static verso_err s_load(s_conc *c, uint64_t id, verso_tm_entry *e, verso_str *side, bool *ok)
{
    verso_err err = verso_tm_get(c->t, id, e);
    *ok = false;
    if (err)
        return err == VERSO_ENOTFOUND ? VERSO_OK : err;
    verso_str lang = c->target ? e->tgt_lang : e->src_lang;
    if (e->tm_id != c->tm || lang.n != c->lang.n || memcmp(lang.p, c->lang.p, lang.n))
        return VERSO_OK;
    *side = c->target ? e->tgt : e->src;
    err = verso_text_norm(side->p, side->n, &c->cnorm);
    err = err ? err : verso_fuzzy_tokenize(&c->fz->f, c->cnorm.data, c->cnorm.len, &c->c);
    if (!err && verso_array_grow(&c->ckey, &c->ckey_cap, c->c.n + 1, sizeof *c->ckey))
        err = VERSO_ENOMEM;
    for (size_t i = 0; !err && i < c->c.n; i++)
        c->ckey[i] = s_key_of(c, &c->c, i);
    *ok = !err;
    return err;
}

/* Reads entry id and tells whether it holds every query token (*match)
 * and the query's phrase (*phrase). */
static verso_err s_judge(s_conc *c, uint64_t id, bool *match, bool *phrase)
{
    verso_tm_entry e;
    verso_str side;
    bool ok, seen[S_MAX_QUERY_TOKENS] = {false};
    size_t nseen = 0;
    *match = *phrase = false;
    verso_err err = s_load(c, id, &e, &side, &ok);
    if (err || !ok)
        return err;
    for (size_t i = 0; i < c->c.n; i++)
        if (c->ckey[i] >= 0 && !seen[c->ckey[i]])
            seen[c->ckey[i]] = true, nseen++;
    *match = nseen == c->nkeys;
    *phrase = *match && s_phrase(c);
    return VERSO_OK;
}

/* Examines the candidates newest first, at most cap of them, keeping the
 * newest max phrase matches and the newest max others. Stops once max
 * phrase matches and one match more are known: the results cannot change
 * then, and "more" is certain. */
static verso_err s_examine(s_conc *c)
{
    size_t i = 0, n = c->nids < c->cap ? c->nids : c->cap;
    c->kept = calloc(2 * c->max, sizeof *c->kept);
    if (!c->kept)
        return VERSO_ENOMEM;
    for (; i < n && !(c->nphrase >= c->max && c->matched > c->max); i++) {
        bool match, phrase;
        verso_err err = s_judge(c, c->ids[i], &match, &phrase);
        if (err)
            return err;
        if (!match)
            continue;
        c->matched++;
        if (phrase && c->nphrase < c->max)
            c->kept[c->nphrase] = c->ids[i];
        else if (!phrase && c->nplain < c->max)
            c->kept[c->max + c->nplain++] = c->ids[i];
        c->nphrase += phrase;
    }
    c->more = c->matched > c->max || i < c->nids;
    return VERSO_OK;
}

/* ---- the reply ----------------------------------------------------------- */

/* "spans": the byte ranges of the query's tokens in side as stored; nil
 * when side is not in NFC (no exact offsets). */
static void s_pack_spans(s_conc *c, verso_pack *pk, verso_str side)
{
    size_t n = 0;
    verso_pack_str(pk, "spans");
    if (verso_array_grow(&c->map, &c->map_cap, c->cnorm.len + 1, sizeof *c->map)) {
        verso_pack_fail(pk, VERSO_ENOMEM);
        return;
    }
    if (!verso_text_map(side.p, side.n, c->cnorm.data, c->cnorm.len, c->map)) {
        verso_pack_nil(pk);
        return;
    }
    for (size_t i = 0; i < c->c.n; i++)
        n += c->ckey[i] >= 0;
    verso_pack_array(pk, (uint32_t)n);
    for (size_t i = 0; i < c->c.n && !verso_pack_err(pk); i++) {
        if (c->ckey[i] < 0)
            continue;
        verso_pack_array(pk, 2);
        verso_pack_uint(pk, c->map[c->c.tok[i].start]);
        verso_pack_uint(pk, c->map[c->c.tok[i].end]);
    }
}

/* One result: the entry as stored, spans, phrase. */
static verso_err s_pack_one(s_conc *c, uint64_t id, bool phrase)
{
    verso_pack *pk = c->ctx->res;
    verso_tm_entry e;
    verso_str side;
    bool ok;
    verso_err err = s_load(c, id, &e, &side, &ok);
    if (err)
        return err;
    if (!ok) /* it matched a moment ago, in this very snapshot */
        return verso_fault_set(c->ctx->fault, VERSO_EINTERNAL, "entry %llu vanished",
                               (unsigned long long)id);
    verso_tmop_pack_entry(c->t, pk, &e, &c->tm_name, 2);
    s_pack_spans(c, pk, side);
    verso_pack_kv_bool(pk, "phrase", phrase);
    return verso_pack_err(pk);
}

static verso_err s_pack(s_conc *c)
{
    verso_pack *pk = c->ctx->res;
    size_t np = c->nphrase < c->max ? c->nphrase : c->max;
    size_t nq = c->nplain < c->max - np ? c->nplain : c->max - np;
    verso_pack_map(pk, 2);
    verso_pack_str(pk, "results");
    verso_pack_array(pk, (uint32_t)(np + nq));
    verso_err err = verso_pack_err(pk);
    for (size_t i = 0; !err && i < np + nq; i++)
        err = s_pack_one(c, i < np ? c->kept[i] : c->kept[c->max + i - np], i < np);
    if (err)
        return err;
    verso_pack_kv_bool(pk, "more", c->more);
    return verso_pack_err(pk);
}

static void s_fini(s_conc *c)
{
    if (c->t)
        verso_store_read_end(&c->t);
    free(c->pairs);
    free(c->ids);
    free(c->ckey);
    free(c->map);
    free(c->kept);
    verso_buf_fini(&c->qnorm);
    verso_buf_fini(&c->cnorm);
    verso_fuzzy_text_fini(&c->q);
    verso_fuzzy_text_fini(&c->c);
    if (c->fz)
        c->fz->work = c->fz->f.work = NULL; /* the request's meter dies with it */
    if (c->fz == &c->own_fz)
        verso_tmfuzzy_fini(&c->own_fz);
}

verso_err verso_op_concordance(verso_op_ctx *ctx)
{
    char lang[VERSO_LANG_MAX];
    s_conc *c = calloc(1, sizeof *c);
    if (!c)
        return VERSO_ENOMEM;
    c->ctx = ctx;
    c->fz = ctx->th ? ctx->th->fz : NULL;
    verso_buf_init(&c->qnorm, (size_t)1 << 20);
    verso_buf_init(&c->cnorm, (size_t)1 << 30);
    verso_fuzzy_text_init(&c->q);
    verso_fuzzy_text_init(&c->c);
    verso_err err = s_fields(ctx, c, lang);
    if (!err && !c->fz) /* a thread without a matcher (tests): one for the request */
        err = verso_tmfuzzy_init(c->fz = &c->own_fz);
    if (!err)
        c->fz->work = c->fz->f.work = ctx->work;
    err = err ? err : s_query(ctx, c);
    err = err ? err : verso_store_read_begin(ctx->env->store, &c->t);
    if (!err && (err = verso_tm_find(c->t, c->tm_name, &c->tm)) == VERSO_ENOTFOUND)
        verso_tmop_missing(ctx, c->tm_name);
    err = err ? err : s_candidates(c);
    err = err ? err : s_examine(c);
    err = err ? err : s_pack(c);
    s_fini(c);
    free(c);
    return err;
}
