/* tm_test.c - translation memories over LMDB: TMs, entries, conflict
 * policies, the exact index (normalisation, hash collisions resolved by
 * text), deletes, drops, the change sequence, and corrupt records. */
#include "be.h"
#include "harness.h"
#include "text.h"
#include "tm.h"
#include "tm_int.h"

static verso_store *s_store;

/* Runs fn(txn, arg) in one write transaction; returns its result. */
static verso_err s_write(verso_store_job_fn fn, void *arg)
{
    verso_store_job job = {fn, arg, VERSO_EINTERNAL};
    verso_err err = verso_store_write(s_store, &job, 1);
    return err ? err : job.result;
}

#define S(lit) ((verso_str){lit, sizeof lit - 1})

typedef struct s_add {
    const char *tm;
    verso_tm_entry e;
    verso_tm_conflict policy;
    verso_tm_outcome outcome;
    uint64_t id;
} s_add;

static verso_err s_add_job(verso_txn *t, void *arg)
{
    s_add *a = arg;
    uint32_t tm;
    verso_err err = verso_tm_find(t, (verso_str){a->tm, strlen(a->tm)}, &tm);
    return err ? err : verso_tm_add(t, tm, &a->e, a->policy, &a->outcome, &a->id);
}

static verso_tm_entry s_entry(verso_str sl, verso_str tl, verso_str src, verso_str tgt)
{
    verso_tm_entry e = {0};
    e.src_lang = sl;
    e.tgt_lang = tl;
    e.src = src;
    e.tgt = tgt;
    return e;
}

static uint64_t s_add_one(const char *tm, verso_tm_entry e, verso_tm_conflict p,
                          verso_tm_outcome want)
{
    s_add a = {tm, e, p, VERSO_TM_ADDED, 0};
    CHECK_INT(s_write(s_add_job, &a), VERSO_OK);
    CHECK_INT(a.outcome, want);
    return a.id;
}

typedef struct s_found {
    uint64_t ids[8];
    char tgt[8][64];
    int n;
} s_found;

static int s_found_one(void *arg, const verso_tm_entry *e)
{
    s_found *f = arg;
    if (f->n < 8) {
        f->ids[f->n] = e->id;
        snprintf(f->tgt[f->n], sizeof f->tgt[0], "%.*s", (int)e->tgt.n, e->tgt.p);
        f->n++;
    }
    return 0;
}

static s_found s_lookup(const char *tm, verso_str sl, verso_str tl, verso_str src)
{
    s_found f = {{0}, {{0}}, 0};
    verso_txn *t;
    uint32_t id;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    if (verso_tm_find(t, (verso_str){tm, strlen(tm)}, &id) == VERSO_OK)
        CHECK_INT(verso_tm_exact(t, id, sl, tl, src, s_found_one, &f), VERSO_OK);
    verso_store_read_end(&t);
    return f;
}

static verso_err s_create_job(verso_txn *t, void *arg)
{
    uint32_t id;
    return verso_tm_create(t, (verso_str){arg, strlen(arg)}, &id);
}

static verso_err s_drop_job(verso_txn *t, void *arg)
{
    return verso_tm_drop(t, (verso_str){arg, strlen(arg)});
}

static verso_err s_init_job(verso_txn *t, void *arg)
{
    (void)arg;
    return verso_tm_init(t);
}

static int s_count_tms(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)id;
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%.*s:%llu ", (int)name.n, name.p, (unsigned long long)entries);
    return 0;
}

static void s_list(char out[256])
{
    verso_txn *t;
    out[0] = '\0';
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_each(t, s_count_tms, out), VERSO_OK);
    verso_store_read_end(&t);
}

static void test_tms(void)
{
    char list[256];
    CHECK_INT(s_write(s_init_job, NULL), VERSO_OK);
    CHECK_INT(s_write(s_init_job, NULL), VERSO_OK); /* idempotent */
    CHECK_INT(s_write(s_create_job, "news"), VERSO_OK);
    CHECK_INT(s_write(s_create_job, "news"), VERSO_EEXIST);
    CHECK_INT(s_write(s_create_job, ""), VERSO_EINVAL);
    s_list(list);
    CHECK_STR(list, "default:0 news:0 ");
}

static void test_policies_and_exact(void)
{
    verso_str en = S("en"), zh = S("zh-CN"), fr = S("fr");
    uint64_t a = s_add_one("news", s_entry(en, zh, S("Hello world."), S("你好，世界。")),
                           VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    /* Same normalised source, same target: a duplicate, whatever the spaces. */
    uint64_t dup = s_add_one("news", s_entry(en, zh, S("  Hello \t world. "), S("你好，世界。")),
                             VERSO_TM_KEEP_BOTH, VERSO_TM_SKIPPED);
    CHECK_INT(dup, a);
    uint64_t b = s_add_one("news", s_entry(en, zh, S("Hello world."), S("世界你好。")),
                           VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    CHECK(b > a);
    CHECK_INT(s_add_one("news", s_entry(en, zh, S("Hello world."), S("另一个。")), VERSO_TM_SKIP,
                        VERSO_TM_SKIPPED),
              a);
    CHECK_INT(s_add_one("news", s_entry(en, zh, S("Hello world."), S("您好，世界。")),
                        VERSO_TM_OVERWRITE, VERSO_TM_UPDATED),
              a);
    s_found f = s_lookup("news", en, zh, S("Hello   world."));
    CHECK_INT(f.n, 2);
    CHECK_STR(f.tgt[0], "您好，世界。"); /* a, overwritten */
    CHECK_STR(f.tgt[1], "世界你好。");
    CHECK_INT(s_lookup("news", en, fr, S("Hello world.")).n, 0);    /* other pair */
    CHECK_INT(s_lookup("default", en, zh, S("Hello world.")).n, 0); /* other TM */
    CHECK_INT(s_lookup("news", zh, en, S("你好，世界。")).n, 0);    /* direction */
    CHECK_INT(s_lookup("news", en, zh, S("Hello world!")).n, 0);
    /* NFC: a decomposed é finds the composed one. */
    s_add_one("news", s_entry(en, fr, S("Caf\xc3\xa9 noir."), S("Black coffee.")),
              VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    CHECK_INT(s_lookup("news", en, fr, S("Cafe\xcc\x81 noir.")).n, 1);
    char list[256];
    s_list(list);
    CHECK_STR(list, "default:0 news:3 ");
}

typedef struct s_get {
    uint64_t id;
    verso_tm_entry e;
    char src[64], author[64], origin[64];
} s_get;

static void test_fields_and_context(void)
{
    verso_tm_entry e = s_entry(S("de"), S("en"), S("Guten Tag."), S("Good day."));
    e.prev = S("Vorher.");
    e.author = S("anna");
    e.origin = S("doc-17");
    e.note = S("greeting");
    verso_buf tmx;
    verso_buf_init(&tmx, 1024);
    CHECK_INT(verso_tm_list_add(&tmx, S("tu")), VERSO_OK);
    CHECK_INT(verso_tm_list_add(&tmx, S(" tuid=\"a7\"")), VERSO_OK);
    e.tmx = (verso_str){tmx.data, tmx.len};
    uint64_t id = s_add_one("news", e, VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    verso_tm_entry got;
    CHECK_INT(verso_tm_get(t, id, &got), VERSO_OK);
    CHECK(got.id == id && got.src.n == 10 && !memcmp(got.src.p, "Guten Tag.", 10));
    CHECK(got.author.n == 4 && !memcmp(got.author.p, "anna", 4));
    CHECK(got.origin.n == 6 && got.note.n == 8);
    CHECK(got.prev_hash != 0 && got.next_hash == 0);
    /* the context's text is kept too (since record version 3), and the tmx list */
    CHECK(got.prev.n == 7 && !memcmp(got.prev.p, "Vorher.", 7) && got.next.n == 0);
    CHECK(got.tmx.n == e.tmx.n && !memcmp(got.tmx.p, e.tmx.p, e.tmx.n));
    CHECK(got.created > 1700000000 && got.changed == got.created);
    CHECK_INT(verso_tm_get(t, 999999, &got), VERSO_ENOTFOUND);
    /* The record (version 4): every cut of it is refused, any byte changed
     * either refused or read within the record. */
    unsigned char k[8];
    for (int i = 0; i < 8; i++)
        k[i] = (unsigned char)(id >> (56 - 8 * i));
    verso_val raw;
    CHECK_INT(verso_store_get(t, VERSO_DB_ENTRIES, k, 8, &raw), VERSO_OK);
    const unsigned char *r = raw.data;
    CHECK(raw.len > 68 && raw.len <= 100 && r[0] == 4); /* 68 of text; version 3 took 165 */
    unsigned char copy[256];
    memcpy(copy, raw.data, raw.len);
    verso_tm_entry x;
    for (size_t n = 0; n < raw.len; n++)
        CHECK_INT(verso_tm_record_decode(t, (verso_val){copy, n}, id, &x), VERSO_ESTORE);
    for (size_t i = 0; i < raw.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            copy[i] ^= (unsigned char)(1 << bit);
            if (verso_tm_record_decode(t, (verso_val){copy, raw.len}, id, &x) == VERSO_OK)
                CHECK((const unsigned char *)x.src.p >= copy &&
                      (const unsigned char *)x.src.p + x.src.n <= copy + raw.len);
            copy[i] ^= (unsigned char)(1 << bit);
        }
    verso_store_read_end(&t);
    verso_buf_fini(&tmx);
}

typedef struct s_del {
    uint64_t id;
    bool deleted;
} s_del;

static verso_err s_del_job(verso_txn *t, void *arg)
{
    s_del *d = arg;
    return verso_tm_delete(t, d->id, &d->deleted);
}

static void test_delete_drop_changes(void)
{
    verso_txn *t;
    uint64_t seq0, seq1;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_last_change(t, &seq0), VERSO_OK);
    verso_store_read_end(&t);
    CHECK(seq0 >= 5); /* adds and the update above */
    s_found f = s_lookup("news", S("en"), S("zh-CN"), S("Hello world."));
    s_del d = {f.ids[1], false};
    CHECK_INT(s_write(s_del_job, &d), VERSO_OK);
    CHECK(d.deleted);
    CHECK_INT(s_write(s_del_job, &d), VERSO_OK); /* missing: not an error */
    CHECK(!d.deleted);
    CHECK_INT(s_lookup("news", S("en"), S("zh-CN"), S("Hello world.")).n, 1);
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_last_change(t, &seq1), VERSO_OK);
    verso_store_read_end(&t);
    CHECK_INT(seq1, seq0 + 1);
    s_add_one("default", s_entry(S("en"), S("zh-CN"), S("Hello world."), S("你好。")),
              VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    CHECK_INT(s_write(s_drop_job, "news"), VERSO_OK);
    CHECK_INT(s_write(s_drop_job, "news"), VERSO_ENOTFOUND);
    char list[256];
    s_list(list);
    CHECK_STR(list, "default:1 ");
    CHECK_INT(s_lookup("default", S("en"), S("zh-CN"), S("Hello world.")).n, 1);
}

static verso_err s_merge_job(verso_txn *t, void *arg)
{
    (void)arg;
    return verso_tm_merge_recent(t);
}

/* The records of MATCH_RECENT, or of the merged index (MATCH: its count). */
static uint64_t s_count(verso_db db)
{
    verso_txn *t;
    uint64_t n = 0;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    if (db == VERSO_DB_MATCH)
        CHECK_INT(verso_tm_match_count(t, &n), VERSO_OK);
    else
        CHECK_INT(verso_store_count(t, db, &n), VERSO_OK);
    verso_store_read_end(&t);
    return n;
}

/* Match records of new entries wait in MATCH_RECENT until a merge; exact
 * matches, conflicts, deletes and drops see both halves the same way. */
static void test_recent_and_merged(void)
{
    CHECK_INT(s_write(s_create_job, "halves"), VERSO_OK);
    CHECK_INT(s_write(s_merge_job, NULL), VERSO_OK);
    uint64_t merged0 = s_count(VERSO_DB_MATCH);
    CHECK_INT(s_count(VERSO_DB_MATCH_RECENT), 0);
    uint64_t a = s_add_one("halves", s_entry(S("en"), S("de"), S("Old one."), S("Alt.")),
                           VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    uint64_t b = s_add_one("halves", s_entry(S("en"), S("de"), S("Gone soon."), S("Bald weg.")),
                           VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    CHECK_INT(s_count(VERSO_DB_MATCH_RECENT), 4); /* source and target of each */
    CHECK_INT(s_write(s_merge_job, NULL), VERSO_OK);
    CHECK_INT(s_count(VERSO_DB_MATCH_RECENT), 0);
    CHECK_INT(s_count(VERSO_DB_MATCH), merged0 + 4);
    /* A new entry with the same source: one merged, one recent. */
    uint64_t c = s_add_one("halves", s_entry(S("en"), S("de"), S("Old one."), S("Das alte.")),
                           VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    s_found f = s_lookup("halves", S("en"), S("de"), S("Old one."));
    CHECK_INT(f.n, 2);
    CHECK((f.ids[0] == a && f.ids[1] == c) || (f.ids[0] == c && f.ids[1] == a));
    /* Conflicts see the recent half: the same pair again is a duplicate. */
    s_add_one("halves", s_entry(S("en"), S("de"), S("Old one."), S("Das alte.")),
              VERSO_TM_KEEP_BOTH, VERSO_TM_SKIPPED);
    /* Reversed matches find targets in both halves. */
    CHECK_INT(s_lookup("halves", S("de"), S("en"), S("Bald weg.")).n, 0); /* exact is one way */
    /* Deletes remove from whichever half holds the records. */
    s_del d = {b, false};
    CHECK_INT(s_write(s_del_job, &d), VERSO_OK);
    CHECK(d.deleted);
    d = (s_del){c, false};
    CHECK_INT(s_write(s_del_job, &d), VERSO_OK);
    CHECK(d.deleted);
    CHECK_INT(s_count(VERSO_DB_MATCH_RECENT), 0);
    CHECK_INT(s_count(VERSO_DB_MATCH), merged0 + 2);
    CHECK_INT(s_lookup("halves", S("en"), S("de"), S("Gone soon.")).n, 0);
    f = s_lookup("halves", S("en"), S("de"), S("Old one."));
    CHECK_INT(f.n, 1);
    CHECK_INT(f.ids[0], a);
    /* A drop finds the entries of both halves. */
    s_add_one("halves", s_entry(S("en"), S("de"), S("Fresh."), S("Frisch.")), VERSO_TM_KEEP_BOTH,
              VERSO_TM_ADDED);
    CHECK_INT(s_write(s_drop_job, "halves"), VERSO_OK);
    CHECK_INT(s_count(VERSO_DB_MATCH_RECENT), 0);
    CHECK_INT(s_count(VERSO_DB_MATCH), merged0);
}

/* Many entries into one TM in one transaction: n distinct sources, then
 * same copies of one source (keep both); ids into ids[]. */
typedef struct s_bulk {
    const char *tm;
    int n, same;
    uint64_t *ids;
} s_bulk;

static verso_err s_bulk_job(verso_txn *t, void *arg)
{
    s_bulk *m = arg;
    uint32_t tm;
    verso_err err = verso_tm_find(t, (verso_str){m->tm, strlen(m->tm)}, &tm);
    for (int i = 0; i < m->n + m->same && !err; i++) {
        char src[64], tgt[64];
        snprintf(src, sizeof src, i < m->n ? "Block sentence number %d." : "The same source.", i);
        snprintf(tgt, sizeof tgt, "Satz %d.", i);
        verso_tm_entry e =
            s_entry(S("en"), S("de"), (verso_str){src, strlen(src)}, (verso_str){tgt, strlen(tgt)});
        verso_tm_outcome out;
        err = verso_tm_add(t, tm, &e, VERSO_TM_KEEP_BOTH, &out, &m->ids[i]);
    }
    return err;
}

static int s_count_one(void *arg, const verso_tm_entry *e)
{
    (void)e;
    (*(int *)arg)++;
    return 0;
}

static int s_exact_count(const char *tm, const char *src)
{
    int n = 0;
    verso_txn *t;
    uint32_t id;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_find(t, (verso_str){tm, strlen(tm)}, &id), VERSO_OK);
    CHECK_INT(
        verso_tm_exact(t, id, S("en"), S("de"), (verso_str){src, strlen(src)}, s_count_one, &n),
        VERSO_OK);
    verso_store_read_end(&t);
    return n;
}

/* The merged index in blocks: thousands of records over many blocks, a
 * run of one loose form longer than a block, deletes all over, a drop. */
static void test_match_blocks(void)
{
    enum { N = 2000, SAME = 300 };
    static uint64_t ids[N + SAME];
    CHECK_INT(s_write(s_create_job, "blocks"), VERSO_OK);
    CHECK_INT(s_write(s_merge_job, NULL), VERSO_OK);
    uint64_t merged0 = s_count(VERSO_DB_MATCH);
    s_bulk m = {"blocks", N, SAME, ids};
    CHECK_INT(s_write(s_bulk_job, &m), VERSO_OK);
    CHECK_INT(s_exact_count("blocks", "The same source."), SAME); /* all recent */
    CHECK_INT(s_write(s_merge_job, NULL), VERSO_OK);
    CHECK_INT(s_count(VERSO_DB_MATCH), merged0 + 2 * (N + SAME));
    CHECK_INT(s_exact_count("blocks", "The same source."), SAME); /* all merged */
    for (int i = 0; i < N; i += 97) {
        char src[64];
        snprintf(src, sizeof src, "Block sentence number %d.", i);
        CHECK_INT(s_exact_count("blocks", src), 1);
    }
    for (int i = 0; i < N + SAME; i += 2) { /* every other one, both kinds */
        s_del d = {ids[i], false};
        CHECK_INT(s_write(s_del_job, &d), VERSO_OK);
        CHECK(d.deleted);
    }
    CHECK_INT(s_count(VERSO_DB_MATCH), merged0 + (N + SAME));
    CHECK_INT(s_exact_count("blocks", "The same source."), SAME / 2);
    CHECK_INT(s_exact_count("blocks", "Block sentence number 1998."), 0);
    CHECK_INT(s_exact_count("blocks", "Block sentence number 1999."), 1);
    CHECK_INT(s_write(s_drop_job, "blocks"), VERSO_OK);
    CHECK_INT(s_count(VERSO_DB_MATCH), merged0);
}

/* A record whose stored lengths lie is refused, never read past. */
static verso_err s_corrupt_job(verso_txn *t, void *arg)
{
    (void)arg;
    unsigned char k[8] = {0, 0, 0, 0, 0, 0, 0x77, 0x77};
    unsigned char v[1 + 4 + 40 + 4] = {1};
    v[45] = 0x7f; /* src_lang length: 2 GB */
    return verso_store_put(t, VERSO_DB_ENTRIES, k, 8, v, sizeof v);
}

static void test_corrupt_record(void)
{
    CHECK_INT(s_write(s_corrupt_job, NULL), VERSO_OK);
    verso_txn *t;
    verso_tm_entry e;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_get(t, 0x7777, &e), VERSO_ESTORE);
    verso_store_read_end(&t);
}

typedef struct s_hits {
    uint64_t ids[8];
    unsigned diff[8];
    bool reversed[8];
    int n;
} s_hits;

static int s_hit_one(void *arg, const verso_tm_hit *h)
{
    s_hits *x = arg;
    if (x->n < 8) {
        x->ids[x->n] = h->e.id;
        x->diff[x->n] = h->diff;
        x->reversed[x->n] = h->reversed;
        x->n++;
    }
    return 0;
}

static s_hits s_match(const char *tm, verso_str sl, verso_str tl, const char *q)
{
    s_hits x = {{0}, {0}, {0}, 0};
    verso_buf norm, loose;
    verso_buf_init(&norm, 1 << 20);
    verso_buf_init(&loose, 1 << 20);
    CHECK_INT(verso_text_norm(q, strlen(q), &norm), VERSO_OK);
    CHECK_INT(verso_text_loose(norm.data ? norm.data : "", norm.len, &loose), VERSO_OK);
    verso_tm_query query = {{q, strlen(q)}, &norm, &loose, 0, true, 0};
    verso_txn *t;
    uint32_t id;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_find(t, (verso_str){tm, strlen(tm)}, &id), VERSO_OK);
    CHECK_INT(verso_tm_match(t, id, sl, tl, &query, s_hit_one, &x), VERSO_OK);
    verso_store_read_end(&t);
    verso_buf_fini(&norm);
    verso_buf_fini(&loose);
    return x;
}

static uint64_t s_pairs(const char *tm, verso_str sl, verso_str tl)
{
    verso_txn *t;
    uint32_t id;
    uint64_t n = 99;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_find(t, (verso_str){tm, strlen(tm)}, &id), VERSO_OK);
    CHECK_INT(verso_tm_pair_count(t, id, sl, tl, &n), VERSO_OK);
    verso_store_read_end(&t);
    return n;
}

static void test_match_near_and_reversed(void)
{
    CHECK_INT(s_write(s_create_job, "near"), VERSO_OK);
    uint64_t a =
        s_add_one("near", s_entry(S("en"), S("fr"), S("Save the file."), S("Enregistrer.")),
                  VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    uint64_t b = s_add_one("near", s_entry(S("en"), S("fr"), S("Save the File:"), S("Sauver :")),
                           VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    /* Exact first, then near with its differences. */
    s_hits h = s_match("near", S("en"), S("fr"), "Save the file.");
    CHECK_INT(h.n, 2);
    CHECK(h.ids[0] == a && h.diff[0] == 0 && !h.reversed[0]);
    CHECK(h.ids[1] == b && h.diff[1] == (VERSO_TEXT_CASE | VERSO_TEXT_PUNCT));
    h = s_match("near", S("en"), S("fr"), "save the file");
    CHECK_INT(h.n, 2);
    CHECK(h.diff[0] != 0 && h.diff[1] != 0);
    CHECK_INT(s_match("near", S("en"), S("fr"), "Save a file.").n, 0);
    CHECK_INT(s_match("near", S("en"), S("de"), "Save the file.").n, 0);
    /* The other way round: found by the target, reversed. */
    h = s_match("near", S("fr"), S("en"), "Sauver :");
    CHECK(h.n == 1 && h.ids[0] == b && h.reversed[0] && h.diff[0] == 0);
    h = s_match("near", S("fr"), S("en"), "sauver");
    CHECK(h.n == 1 && h.ids[0] == b && h.diff[0] == (VERSO_TEXT_CASE | VERSO_TEXT_PUNCT));
    CHECK_INT(s_match("near", S("en"), S("fr"), "Sauver :").n, 0);
    /* Per-pair counts follow adds and deletes. */
    CHECK_INT(s_pairs("near", S("en"), S("fr")), 2);
    CHECK_INT(s_pairs("near", S("fr"), S("en")), 0);
    s_del d = {a, false};
    CHECK_INT(s_write(s_del_job, &d), VERSO_OK);
    CHECK_INT(s_pairs("near", S("en"), S("fr")), 1);
    CHECK_INT(s_write(s_drop_job, "near"), VERSO_OK);
}

static verso_err s_update_job(verso_txn *t, void *arg)
{
    const verso_tm_patch *p = arg;
    return verso_tm_update(t, p->e.id, p);
}

static void test_update_lists(void)
{
    verso_buf tags, props;
    verso_buf_init(&tags, 1 << 20);
    verso_buf_init(&props, 1 << 20);
    CHECK_INT(verso_tm_list_add(&tags, S("<ph x=\"1\"/>")), VERSO_OK);
    CHECK_INT(verso_tm_list_add(&props, S("x-domain")), VERSO_OK);
    CHECK_INT(verso_tm_list_add(&props, S("IT")), VERSO_OK);
    verso_tm_entry e = s_entry(S("en"), S("de"), S("Press \xf3\xb0\x80\x80 now."), S("Jetzt."));
    e.src_tags = (verso_str){tags.data, tags.len};
    e.props = (verso_str){props.data, props.len};
    uint64_t id = s_add_one("default", e, VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    verso_tm_patch p = {VERSO_TM_SET_TGT | VERSO_TM_SET_NOTE, {0}, 2};
    p.e.id = id;
    p.e.tgt = S("Jetzt dr\xc3\xbc"
                "cken.");
    p.e.note = S("checked");
    CHECK_INT(s_write(s_update_job, &p), VERSO_OK);
    p.e.id = 987654;
    CHECK_INT(s_write(s_update_job, &p), VERSO_ENOTFOUND);
    verso_txn *t;
    verso_tm_entry got;
    verso_str item;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_get(t, id, &got), VERSO_OK);
    CHECK(got.tgt.n == 15 && !memcmp(got.tgt.p, "Jetzt dr", 8) && got.usage == 2);
    CHECK(got.note.n == 7 && got.src_tags.n == tags.len);
    CHECK(verso_tm_list_next(&got.src_tags, &item) && item.n == 11);
    CHECK(!verso_tm_list_next(&got.src_tags, &item));
    CHECK(verso_tm_list_next(&got.props, &item) && item.n == 8);
    CHECK(verso_tm_list_next(&got.props, &item) && item.n == 2 && !memcmp(item.p, "IT", 2));
    verso_store_read_end(&t);
    /* The new target is indexed for reversed lookups, the old one is not. */
    CHECK_INT(s_match("default", S("de"), S("en"),
                      "Jetzt dr\xc3\xbc"
                      "cken.")
                  .n,
              1);
    CHECK_INT(s_match("default", S("de"), S("en"), "Jetzt.").n, 0);
    /* A malformed list is refused when read. */
    verso_str bad = {"\0\0\0\x09xy", 6};
    CHECK(!verso_tm_list_next(&bad, &item));
    verso_buf_fini(&tags);
    verso_buf_fini(&props);
}

typedef struct s_walked {
    uint64_t ids[64];
    int n;
} s_walked;

static int s_walk_one(void *arg, const verso_tm_entry *e)
{
    s_walked *w = arg;
    if (w->n < 64)
        w->ids[w->n++] = e->id;
    return w->n == 3; /* pages of three */
}

static void test_each_entry(void)
{
    CHECK_INT(s_write(s_create_job, "walk"), VERSO_OK);
    CHECK_INT(s_write(s_create_job, "other"), VERSO_OK);
    uint64_t mine[7];
    char src[32];
    for (int i = 0; i < 7; i++) {
        snprintf(src, sizeof src, "Walk %d.", i);
        verso_tm_entry e = s_entry(S("en"), S("fr"), (verso_str){src, strlen(src)}, S("Marche."));
        mine[i] = s_add_one("walk", e, VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
        s_add_one("other", e, VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    }
    uint64_t after = 0, last = 1;
    int seen = 0;
    verso_txn *t;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    while (last && seen < 20) {
        s_walked w = {{0}, 0};
        uint32_t tm;
        CHECK_INT(verso_tm_find(t, S("walk"), &tm), VERSO_OK);
        CHECK_INT(verso_tm_each_entry(t, tm, after, 1000, s_walk_one, &w, &last), VERSO_OK);
        for (int i = 0; i < w.n; i++, seen++)
            CHECK(seen < 7 && w.ids[i] == mine[seen]);
        after = last;
    }
    CHECK_INT(seen, 7);
    /* A scan budget ends a page early, with a cursor to go on from. */
    s_walked w = {{0}, 0};
    uint32_t tm;
    CHECK_INT(verso_tm_find(t, S("walk"), &tm), VERSO_OK);
    CHECK_INT(verso_tm_each_entry(t, tm, 0, 2, s_walk_one, &w, &last), VERSO_OK);
    CHECK(w.n <= 2 && last != 0);
    verso_store_read_end(&t);
}

/* Writes entry id as a record of an older version: the fixed part (45
 * bytes, TM 1, zero hashes, dates and usage), then n strings of at most
 * 255 bytes, each after its 4-byte length. */
static verso_err s_put_old_record(verso_txn *t, unsigned char version, uint64_t id,
                                  const char *const *strs, int n)
{
    unsigned char rec[45 + 10 * (4 + 255)] = {version, 0, 0, 0, 1};
    size_t off = 45;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(strs[i]);
        rec[off + 3] = (unsigned char)len;
        memcpy(rec + off + 4, strs[i], len);
        off += 4 + len;
    }
    unsigned char k[8];
    verso_be_put64(k, id);
    return verso_store_put(t, VERSO_DB_ENTRIES, k, 8, rec, off);
}

/* A schema-1 store: an entry record of version 1, no match index. */
static verso_err s_v1_job(verso_txn *t, void *arg)
{
    (void)arg;
    static const char *const strs[7] = {"en", "ja", "Old entry.", "\xe5\x8f\xa4\xe3\x81\x84", "",
                                        "",   ""};
    verso_err err = s_put_old_record(t, 1, 0x9901, strs, 7);
    return err ? err : verso_store_meta_put(t, "schema_version", "1", 1);
}

static verso_err s_upgrade_job(verso_txn *t, void *arg)
{
    (void)arg;
    return verso_tm_upgrade(t);
}

/* The upgrade skips the corrupt record test_corrupt_record left. */
static void test_upgrade(const char *dir)
{
    CHECK_INT(s_write(s_v1_job, NULL), VERSO_OK);
    verso_store_destroy(&s_store);
    CHECK_INT(verso_store_open(dir, NULL, &s_store), VERSO_OK);
    CHECK_INT(verso_store_schema(s_store), 1);
    CHECK_INT(s_write(s_upgrade_job, NULL), VERSO_OK);
    CHECK_INT(verso_store_schema(s_store), 1); /* until the caller says it committed */
    verso_store_upgrade_done(s_store);
    CHECK_INT(verso_store_schema(s_store), VERSO_SCHEMA_VERSION);
    CHECK_INT(s_write(s_upgrade_job, NULL), VERSO_OK); /* twice: nothing counted twice */
    s_hits h = s_match("default", S("en"), S("ja"), "Old entry.");
    CHECK(h.n == 1 && h.ids[0] == 0x9901);
    /* the old record is rewritten as version 4, its fields kept */
    verso_txn *t;
    verso_val raw;
    verso_tm_entry e;
    unsigned char k[8] = {0, 0, 0, 0, 0, 0, 0x99, 0x01};
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_store_get(t, VERSO_DB_ENTRIES, k, 8, &raw), VERSO_OK);
    CHECK(raw.len > 0 && *(const unsigned char *)raw.data == 4);
    CHECK_INT(verso_tm_get(t, 0x9901, &e), VERSO_OK);
    CHECK(e.src.n == 10 && !memcmp(e.src.p, "Old entry.", 10));
    verso_store_read_end(&t);
    h = s_match("default", S("ja"), S("en"), "\xe5\x8f\xa4\xe3\x81\x84");
    CHECK(h.n == 1 && h.reversed[0]);
    CHECK_INT(s_pairs("default", S("en"), S("ja")), 1);
    verso_store_destroy(&s_store);
    CHECK_INT(verso_store_open(dir, NULL, &s_store), VERSO_OK);
    CHECK_INT(verso_store_schema(s_store), VERSO_SCHEMA_VERSION);
}

/* A record of version 2 (before the context's text and tmx were stored)
 * reads with those empty. */
static verso_err s_v2_job(verso_txn *t, void *arg)
{
    (void)arg;
    static const char *const strs[10] = {"en", "fr", "Two.", "Deux", "", "", "", "", "", ""};
    return s_put_old_record(t, 2, 0x9802, strs, 10);
}

static void test_record_v2(void)
{
    CHECK_INT(s_write(s_v2_job, NULL), VERSO_OK);
    verso_txn *t;
    verso_tm_entry got;
    CHECK_INT(verso_store_read_begin(s_store, &t), VERSO_OK);
    CHECK_INT(verso_tm_get(t, 0x9802, &got), VERSO_OK);
    CHECK(got.src.n == 4 && !memcmp(got.src.p, "Two.", 4) && got.tgt.n == 4);
    CHECK(got.prev.n == 0 && got.next.n == 0 && got.tmx.n == 0);
    verso_store_read_end(&t);
    s_del d = {0x9802, false};
    CHECK_INT(s_write(s_del_job, &d), VERSO_OK);
    CHECK(d.deleted);
}

/* Same source and target but other tag contents: not a duplicate. */
static void test_duplicates_see_tags(void)
{
    verso_tm_entry e = s_entry(S("en"), S("de"),
                               S("\xf3\xb0\x80\x80"
                                 "Bold\xf3\xb0\x80\x81"),
                               S("\xf3\xb0\x80\x80"
                                 "Fett\xf3\xb0\x80\x81"));
    verso_buf a, b;
    verso_buf_init(&a, 1024);
    verso_buf_init(&b, 1024);
    CHECK_INT(verso_tm_list_add(&a, S("<bpt i=\"1\">&lt;b&gt;</bpt>")), VERSO_OK);
    CHECK_INT(verso_tm_list_add(&a, S("<ept i=\"1\">&lt;/b&gt;</ept>")), VERSO_OK);
    CHECK_INT(verso_tm_list_add(&b, S("<g0>")), VERSO_OK);
    CHECK_INT(verso_tm_list_add(&b, S("</g0>")), VERSO_OK);
    e.src_tags = e.tgt_tags = (verso_str){a.data, a.len};
    uint64_t first = s_add_one("default", e, VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED);
    CHECK(s_add_one("default", e, VERSO_TM_KEEP_BOTH, VERSO_TM_SKIPPED) == first);
    e.src_tags = e.tgt_tags = (verso_str){b.data, b.len};
    CHECK(s_add_one("default", e, VERSO_TM_KEEP_BOTH, VERSO_TM_ADDED) != first);
    verso_buf_fini(&a);
    verso_buf_fini(&b);
}

typedef struct s_many {
    verso_tm_entry e[300];
    char src[300][32];
    verso_tm_outcome out[300];
    uint64_t ids[300];
} s_many;

static verso_err s_many_job(verso_txn *t, void *arg)
{
    s_many *m = arg;
    uint32_t tm;
    verso_err err = verso_tm_find(t, S("many"), &tm);
    return err ? err : verso_tm_add_batch(t, tm, m->e, 300, VERSO_TM_KEEP_BOTH, m->out, m->ids);
}

/* 300 sources that share one loose form: more than a page of the index. */
static void test_long_key(void)
{
    static s_many m;
    CHECK_INT(s_write(s_create_job, "many"), VERSO_OK);
    for (int i = 0; i < 300; i++) {
        snprintf(m.src[i], sizeof m.src[i], "Page %d of 10", i + 1);
        m.e[i] = s_entry(S("en"), S("fr"), (verso_str){m.src[i], strlen(m.src[i])}, S("Page."));
    }
    CHECK_INT(s_write(s_many_job, &m), VERSO_OK);
    for (int i = 0; i < 300; i += 37) {
        s_hits h = s_match("many", S("en"), S("fr"), m.src[i]);
        CHECK(h.n == 8 && h.ids[0] == m.ids[i] && h.diff[0] == 0); /* 8: s_hits keeps 8 */
        CHECK(h.diff[1] == VERSO_TEXT_NUMBERS);
        CHECK_INT(s_lookup("many", S("en"), S("fr"), (verso_str){m.src[i], strlen(m.src[i])}).n, 1);
    }
    CHECK_INT(s_write(s_drop_job, "many"), VERSO_OK);
}

int main(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    CHECK_INT(verso_store_open(dir, NULL, &s_store), VERSO_OK);
    RUN(test_tms);
    RUN(test_policies_and_exact);
    RUN(test_fields_and_context);
    RUN(test_delete_drop_changes);
    RUN(test_match_near_and_reversed);
    RUN(test_update_lists);
    RUN(test_each_entry);
    RUN(test_long_key);
    RUN(test_recent_and_merged);
    RUN(test_match_blocks);
    RUN(test_corrupt_record);
    RUN(test_record_v2);
    RUN(test_duplicates_see_tags);
    test_upgrade(dir);
    fprintf(stderr, "%s test_upgrade\n", t_failed ? "FAIL" : "ok  ");
    verso_store_destroy(&s_store);
    /* Everything is still there after a reopen. */
    CHECK_INT(verso_store_open(dir, NULL, &s_store), VERSO_OK);
    CHECK_INT(s_lookup("default", S("en"), S("zh-CN"), S("Hello world.")).n, 1);
    verso_store_destroy(&s_store);
    t_rmtree(dir);
    return t_report();
}
