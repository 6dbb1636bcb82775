/*
 * crash_test.c - kill -9 during a bulk import, then restart on the same data
 * directory, several times over.
 *
 * Each cycle streams pipelined `add` batches (unique deterministic entries:
 * English, CJK, long ones) at a real versod, and SIGKILLs it once a number of
 * batches (different each cycle) have been acknowledged while more are still
 * in flight. The next start must come up cleanly, and then:
 *   - every acknowledged entry is there with exactly the src/tgt sent (`get`
 *     of every id, pipelined) and a sample is found by an exact `lookup`;
 *   - an unacknowledged batch is there whole or not at all (a request's
 *     writes commit together), and each entry found is exactly what was sent;
 *   - `tm_list` counts exactly the entries found, and no id is used twice.
 * Every entry found once must still be there at every later restart. Cycles
 * with small batches and a deep pipeline make the writer commit several
 * requests at once, so the kill can fall between a commit and its replies.
 *
 * The same with pipelined `align` requests that store their pairs in a TM:
 * after each restart every acknowledged document's pairs are there exactly
 * (by origin, through `export`), an unacknowledged one is stored whole or
 * not at all (its pairs known from the same align without store), the TM
 * holds nothing else, and its 1-1 pairs are context matches.
 *
 * Usage: crash_test [import|align|all]; VERSO_CRASH_CYCLES sets the cycles
 * of each (default 5). Each prints a "summary" line (bench/kill9_loop.sh).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "mp.h"
#include "spawn.h"
#include "tmcheck.h"
#include "verso/envelope.h"

enum {
    S_PLANS = 5,       /* cycles by default (VERSO_CRASH_CYCLES sets another number) */
    S_MAX_BATCH = 500, /* entries per add request, at most */
    S_TXT = 8192,      /* longest entry text, with room to spare */
    S_GET_WINDOW = 256 /* gets in flight while verifying */
};

/* Per cycle (cycle % S_PLANS): entries per add, add requests kept in
 * flight, acknowledged batches before the kill (plus cycle / S_PLANS % 4,
 * so that longer runs vary the moment). */
static const struct {
    int batch, window, kill_after;
} s_plan[S_PLANS] = {{500, 4, 3}, {500, 6, 12}, {40, 24, 30}, {500, 3, 17}, {25, 32, 45}};

static int s_cycles = S_PLANS;

static int s_kill_after(int cycle)
{
    return s_plan[cycle % S_PLANS].kill_after + cycle / S_PLANS % 4;
}

/* Totals over the run, for the summary line (bench/kill9_loop.sh reads it). */
static struct {
    long acked, found, absent_batches, found_batches, partial, lost, bad, verified;
} s_sum;

static const char *const s_args[] = {"--threads", "3", "--map-size", "2M", NULL};

typedef enum { S_INFLIGHT, S_ACKED, S_UNACKED, S_FOUND, S_ABSENT } s_state;

typedef struct s_batch {
    int cycle, no, n; /* n entries */
    s_state state;
    uint64_t req;              /* request id of its add */
    uint64_t ids[S_MAX_BATCH]; /* entry ids (acked, or found after a restart) */
} s_batch;

static s_batch **s_batches;
static size_t s_nbatches;

static long s_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool s_present(const s_batch *b)
{
    return b->state == S_ACKED || b->state == S_FOUND;
}

/* ---- the entries ---------------------------------------------------------- */

/* Entry idx of a batch: plain (English -> Chinese), CJK on both sides, or
 * long (2 to 4 KB). Every source names its cycle, batch and index, so all
 * sources of the test are distinct; all are NFC with single spaces. */
static int s_kind(int idx)
{
    return idx % 50 == 17 ? 2 : idx % 7 == 3 ? 1 : 0;
}

static size_t s_text(char *buf, const s_batch *b, int idx, int tgt)
{
    int c = b->cycle, n = b->no, len;
    switch (s_kind(idx)) {
    case 2:
        len = snprintf(buf, S_TXT, tgt ? "长条目 %d/%d/%d：" : "Long entry %d/%d/%d:", c, n, idx);
        for (int k = 0; k < 40 + idx % 23; k++)
            len += snprintf(buf + len, (size_t)(S_TXT - len),
                            tgt ? "敏捷的棕色狐狸跳过了第%d只懒狗，"
                                : " the quick brown fox jumps over lazy dog number %d",
                            k);
        break;
    case 1:
        len = snprintf(buf, S_TXT,
                       tgt ? "请在关闭前保存文件（%d·%d·%d）。😀"
                           : "保存 «%d·%d·%d» — save the 文件 before closing, s'il vous plaît",
                       c, n, idx);
        break;
    default:
        len = snprintf(buf, S_TXT,
                       tgt ? "崩溃测试 %d-%d-%d：关闭前请保存文件。"
                           : "Crash test %d-%d-%d: save the file before closing.",
                       c, n, idx);
    }
    return (size_t)len;
}

static bool s_str_eq(const msgpack_object *o, const char *s, size_t n)
{
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, s, n) == 0;
}

/* Checks an entry map (from get or lookup) against entry idx of b. */
static bool s_entry_is(const msgpack_object *e, const s_batch *b, int idx)
{
    static char buf[S_TXT];
    const msgpack_object *id = verso_mp_get(e, "id");
    if (!id || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER || id->via.u64 != b->ids[idx])
        return false;
    if (!verso_mp_str_is(verso_mp_get(e, "src_lang"), "en") ||
        !verso_mp_str_is(verso_mp_get(e, "tgt_lang"), "zh-CN") ||
        !verso_mp_str_is(verso_mp_get(e, "tm"), "default") ||
        !verso_mp_str_is(verso_mp_get(e, "origin"), "crash_test"))
        return false;
    size_t n = s_text(buf, b, idx, 0);
    if (!s_str_eq(verso_mp_get(e, "src"), buf, n))
        return false;
    n = s_text(buf, b, idx, 1);
    return s_str_eq(verso_mp_get(e, "tgt"), buf, n);
}

/* ---- requests ------------------------------------------------------------- */

/* Starts the fields of a request in sb: the language pair of every entry. */
static void s_pack_pair(msgpack_sbuffer *sb, msgpack_packer *pk)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(pk, "src_lang", "en");
    verso_mp_pack_kv_str(pk, "tgt_lang", "zh-CN");
}

static verso_err s_send_add(verso_client *c, s_batch *b)
{
    static char buf[S_TXT];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    s_pack_pair(&sb, &pk);
    verso_mp_pack_cstr(&pk, "entries");
    msgpack_pack_array(&pk, (size_t)b->n);
    for (int i = 0; i < b->n; i++) {
        msgpack_pack_map(&pk, 3);
        for (int tgt = 0; tgt < 2; tgt++) {
            size_t n = s_text(buf, b, i, tgt);
            verso_mp_pack_cstr(&pk, tgt ? "tgt" : "src");
            msgpack_pack_str(&pk, n);
            msgpack_pack_str_body(&pk, buf, n);
        }
        verso_mp_pack_kv_str(&pk, "origin", "crash_test");
    }
    verso_err err = verso_client_send_packed(c, "add", sb.data, sb.size, 3, &b->req);
    msgpack_sbuffer_destroy(&sb);
    return err;
}

typedef bool (*s_pick)(const s_batch *b, int idx);

/* The sources looked up to decide whether an unacknowledged batch made it:
 * the first, the last, and every 50th (a long one among them). Whether it
 * made it in part is caught by the count in tm_list. */
static bool s_pick_probe(const s_batch *b, int idx)
{
    return idx == 0 || idx == b->n - 1 || idx % 50 == 17;
}

/* The sample of acknowledged sources looked up after a restart: every 25th,
 * the long ones, some CJK ones. */
static bool s_pick_sample(const s_batch *b, int idx)
{
    (void)b;
    return idx % 25 == 3 || idx % 50 == 17 || idx % 70 == 10;
}

static bool s_pick_all(const s_batch *b, int idx)
{
    (void)b;
    (void)idx;
    return true;
}

static uint32_t s_picked(const s_batch *b, s_pick pick)
{
    uint32_t n = 0;
    for (int i = 0; i < b->n; i++)
        n += pick(b, i);
    return n;
}

/* Sends an exact lookup of the sources of b that `pick` picks. */
static verso_err s_send_lookup(verso_client *c, const s_batch *b, s_pick pick, uint64_t *req)
{
    static char buf[S_TXT];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    s_pack_pair(&sb, &pk);
    verso_mp_pack_kv_int(&pk, "min_score", 100);
    verso_mp_pack_cstr(&pk, "segments");
    msgpack_pack_array(&pk, s_picked(b, pick));
    for (int i = 0; i < b->n; i++) {
        if (!pick(b, i))
            continue;
        size_t len = s_text(buf, b, i, 0);
        msgpack_pack_str(&pk, len);
        msgpack_pack_str_body(&pk, buf, len);
    }
    verso_err err = verso_client_send_packed(c, "lookup", sb.data, sb.size, 4, req);
    msgpack_sbuffer_destroy(&sb);
    return err;
}

/* ---- one cycle: stream adds, kill -9 -------------------------------------- */

static s_batch *s_new_batch(int cycle, int no)
{
    s_batch *b = calloc(1, sizeof *b);
    s_batch **v = realloc(s_batches, (s_nbatches + 1) * sizeof *s_batches);
    if (!b || !v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    b->cycle = cycle;
    b->no = no;
    b->n = s_plan[cycle % S_PLANS].batch;
    b->state = S_INFLIGHT;
    s_batches = v;
    s_batches[s_nbatches++] = b;
    return b;
}

/* The batch of this cycle (from index `first`) whose add request is req. */
static s_batch *s_by_req(uint64_t req, size_t first)
{
    for (size_t i = first; i < s_nbatches; i++)
        if (s_batches[i]->req == req)
            return s_batches[i];
    return NULL;
}

/* Files an add reply: an ok one acknowledges its batch. Returns 1 then. */
static int s_on_add_reply(verso_reply *r, size_t first)
{
    s_batch *b = s_by_req(verso_reply_id(r), first);
    CHECK(b != NULL && b->state == S_INFLIGHT);
    if (!b || b->state != S_INFLIGHT)
        return 0;
    if (!verso_reply_ok(r)) {
        fprintf(stderr, "add of batch %d/%d refused: %s %s\n", b->cycle, b->no,
                verso_reply_err_code(r), verso_reply_err_message(r));
        CHECK(verso_reply_ok(r));
        b->state = S_UNACKED; /* not committed: checked as unacknowledged */
        return 0;
    }
    const msgpack_object *res = verso_reply_res(r);
    const msgpack_object *added = verso_mp_get(res, "added");
    const msgpack_object *ids = verso_mp_get(res, "ids");
    CHECK(added && added->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
          added->via.u64 == (uint64_t)b->n);
    bool ids_ok = ids && ids->type == MSGPACK_OBJECT_ARRAY && ids->via.array.size == (uint32_t)b->n;
    for (int i = 0; ids_ok && i < b->n; i++) {
        const msgpack_object *id = &ids->via.array.ptr[i];
        ids_ok = id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && id->via.u64 > 0;
        b->ids[i] = ids_ok ? id->via.u64 : 0;
    }
    CHECK(ids_ok);
    b->state = ids_ok ? S_ACKED : S_UNACKED;
    s_sum.acked += ids_ok ? b->n : 0;
    return ids_ok;
}

/* Streams batches until s_kill_after(cycle) are acknowledged, tops the
 * pipeline up, SIGKILLs the server and reaps it. Returns the add requests
 * still unanswered; *acked gets the batches acknowledged. */
static int s_stream_and_kill(verso_proc *p, int cycle, int *acked)
{
    verso_client *c;
    verso_client_opts o = {.timeout_ms = 30000};
    CHECK_INT(verso_client_new(p->endpoint, &o, &c), VERSO_OK);
    size_t first = s_nbatches;
    int sent = 0, inflight = 0, window = s_plan[cycle % S_PLANS].window;
    *acked = 0;
    while (*acked < s_kill_after(cycle)) {
        for (; inflight < window; inflight++)
            CHECK_INT(s_send_add(c, s_new_batch(cycle, sent++)), VERSO_OK);
        verso_reply *r = NULL;
        verso_err err = verso_client_recv(c, 0, 30000, &r);
        CHECK(err == VERSO_OK || err == VERSO_ESERVER);
        if (err != VERSO_OK && err != VERSO_ESERVER)
            break;
        inflight--;
        *acked += s_on_add_reply(r, first);
        verso_reply_destroy(&r);
    }
    for (; inflight < window; inflight++) /* more on the way at the kill */
        CHECK_INT(s_send_add(c, s_new_batch(cycle, sent++)), VERSO_OK);
    int status = 0;
    CHECK_INT(verso_proc_stop(p, SIGKILL, &status), 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* it did not die by itself */
    /* Replies that had already arrived are acknowledgements too. */
    verso_reply *r = NULL;
    verso_err err;
    while ((err = verso_client_recv(c, 0, 0, &r)) == VERSO_OK || err == VERSO_ESERVER) {
        inflight--;
        *acked += s_on_add_reply(r, first);
        verso_reply_destroy(&r);
    }
    verso_client_destroy(&c);
    for (size_t i = first; i < s_nbatches; i++)
        if (s_batches[i]->state == S_INFLIGHT)
            s_batches[i]->state = S_UNACKED;
    return inflight;
}

/* ---- after a restart: verify ---------------------------------------------- */

/* The number of matches of one lookup result at score 100 or more (-1 when
 * malformed), and the first match. */
static int s_exact_matches(const msgpack_object *result, const msgpack_object **best)
{
    const msgpack_object *m = verso_mp_get(result, "matches");
    *best = NULL;
    if (!m || m->type != MSGPACK_OBJECT_ARRAY)
        return -1;
    int n = 0;
    for (uint32_t k = 0; k < m->via.array.size; k++) {
        const msgpack_object *sc = verso_mp_get(&m->via.array.ptr[k], "score");
        if (sc && sc->type == MSGPACK_OBJECT_POSITIVE_INTEGER && sc->via.u64 >= 100)
            n++;
    }
    if (m->via.array.size)
        *best = &m->via.array.ptr[0];
    return n;
}

static const msgpack_object *s_results(verso_reply *r, uint32_t want)
{
    const msgpack_object *res = r ? verso_mp_get(verso_reply_res(r), "results") : NULL;
    return res && res->type == MSGPACK_OBJECT_ARRAY && res->via.array.size == want ? res : NULL;
}

/* Looks up the picked sources of b (one request, waited for); fills b->ids
 * of those found. Returns how many were found, or -1. */
static int s_find(verso_client *c, s_batch *b, s_pick pick)
{
    uint64_t req = 0;
    verso_reply *r = NULL;
    verso_err err = s_send_lookup(c, b, pick, &req);
    CHECK_INT(err, VERSO_OK);
    if (!err)
        CHECK_INT(err = verso_client_recv(c, req, -1, &r), VERSO_OK);
    const msgpack_object *res = err ? NULL : s_results(r, s_picked(b, pick));
    CHECK(res != NULL);
    int found = res ? 0 : -1;
    for (int i = 0, k = 0; res && i < b->n; i++) {
        if (!pick(b, i))
            continue;
        const msgpack_object *best;
        int n = s_exact_matches(&res->via.array.ptr[k++], &best);
        CHECK(n == 0 || n == 1);
        const msgpack_object *id = n == 1 ? verso_mp_get(best, "id") : NULL;
        b->ids[i] = id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? id->via.u64 : 0;
        found += b->ids[i] != 0;
    }
    verso_reply_destroy(&r);
    return found;
}

/* Decides, for each unacknowledged batch of the last cycle, whether it
 * made it: a probe of a few sources, then all of them when any is there
 * (every one must be: a request commits whole). Found ones get their ids. */
static void s_resolve_unacked(verso_client *c, int *found_batches, int *absent_batches)
{
    for (size_t i = 0; i < s_nbatches; i++) {
        s_batch *b = s_batches[i];
        if (b->state != S_UNACKED)
            continue;
        int present = s_find(c, b, s_pick_probe);
        if (present > 0)
            present = s_find(c, b, s_pick_all);
        if (present != 0 && present != b->n)
            fprintf(stderr, "PARTIAL: batch %d/%d committed in part: %d of %d entries found\n",
                    b->cycle, b->no, present, b->n);
        CHECK(present == 0 || present == b->n);
        s_sum.partial += present != 0 && present != b->n;
        b->state = present > 0 ? S_FOUND : S_ABSENT;
        s_sum.found += present > 0 ? b->n : 0;
        if (present > 0)
            ++*found_batches;
        else
            ++*absent_batches;
    }
}

typedef struct s_slot {
    const s_batch *b;
    int idx;
} s_slot;

static void s_on_get(verso_reply *r, verso_err err, const s_slot *s, long *lost, long *bad)
{
    const s_batch *b = s->b;
    if (err == VERSO_ESERVER && verso_reply_err(r) == VERSO_ENOTFOUND) {
        if (++*lost <= 5)
            fprintf(stderr, "LOST: entry %d of batch %d/%d (%s), id %llu: ENOTFOUND\n", s->idx,
                    b->cycle, b->no, b->state == S_ACKED ? "acknowledged" : "found earlier",
                    (unsigned long long)b->ids[s->idx]);
        return;
    }
    const msgpack_object *e = err == VERSO_OK ? verso_mp_get(verso_reply_res(r), "entry") : NULL;
    if (!e || !s_entry_is(e, b, s->idx)) {
        if (++*bad <= 5)
            fprintf(stderr, "BAD: entry %d of batch %d/%d, id %llu: %s\n", s->idx, b->cycle, b->no,
                    (unsigned long long)b->ids[s->idx],
                    err == VERSO_OK ? "src/tgt/fields differ from what was sent"
                                    : verso_reply_err_code(r));
    }
}

/* Gets every entry of every acknowledged or found batch, S_GET_WINDOW in
 * flight. Returns the number of entries checked. */
static long s_get_all(verso_client *c)
{
    /* Replies come in any order: a request's slot is its id minus the first
     * id (a client's ids count up by one per request). */
    s_slot *slots = calloc(s_nbatches * S_MAX_BATCH + 1, sizeof *slots);
    uint64_t first = 0;
    long lost = 0, bad = 0, checked = 0, inflight = 0;
    size_t bi = 0;
    int idx = 0;
    for (;;) {
        while (inflight < S_GET_WINDOW && bi < s_nbatches) {
            const s_batch *b = s_batches[bi];
            if (!s_present(b) || idx == b->n) {
                bi++;
                idx = 0;
                continue;
            }
            msgpack_sbuffer sb;
            msgpack_sbuffer_init(&sb);
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            verso_mp_pack_kv_uint(&pk, "entry_id", b->ids[idx]);
            uint64_t req = 0;
            verso_err err = verso_client_send_packed(c, "get", sb.data, sb.size, 1, &req);
            msgpack_sbuffer_destroy(&sb);
            CHECK_INT(err, VERSO_OK);
            if (err)
                goto out;
            if (!first)
                first = req;
            slots[req - first] = (s_slot){b, idx++};
            inflight++;
        }
        if (!inflight)
            break;
        verso_reply *r = NULL;
        verso_err err = verso_client_recv(c, 0, -1, &r);
        CHECK(err == VERSO_OK || err == VERSO_ESERVER);
        if (err != VERSO_OK && err != VERSO_ESERVER)
            goto out;
        s_on_get(r, err, &slots[verso_reply_id(r) - first], &lost, &bad);
        verso_reply_destroy(&r);
        inflight--;
        checked++;
    }
out:
    CHECK_INT(lost, 0);
    CHECK_INT(bad, 0);
    s_sum.lost += lost;
    s_sum.bad += bad;
    free(slots);
    return checked;
}

/* Exact lookups of a sample of the sources of every batch there (eight
 * requests in flight): each finds its entry, and only it. */
static long s_lookup_sample(verso_client *c)
{
    enum { W = 8 };
    const s_batch **slot = calloc(s_nbatches + 1, sizeof *slot); /* by id - first id */
    uint64_t first = 0;
    long checked = 0, wrong = 0;
    int inflight = 0;
    size_t bi = 0;
    for (;;) {
        for (; inflight < W && bi < s_nbatches; bi++) {
            if (!s_present(s_batches[bi]))
                continue;
            uint64_t req = 0;
            verso_err err = s_send_lookup(c, s_batches[bi], s_pick_sample, &req);
            CHECK_INT(err, VERSO_OK);
            if (err)
                goto out;
            if (!first)
                first = req;
            slot[req - first] = s_batches[bi];
            inflight++;
        }
        if (!inflight)
            break;
        verso_reply *r = NULL;
        verso_err err = verso_client_recv(c, 0, -1, &r);
        CHECK_INT(err, VERSO_OK);
        if (err != VERSO_OK && err != VERSO_ESERVER)
            goto out;
        inflight--;
        const s_batch *b = slot[verso_reply_id(r) - first];
        const msgpack_object *res = err ? NULL : s_results(r, s_picked(b, s_pick_sample));
        CHECK(res != NULL);
        for (int i = 0, k = 0; res && i < b->n; i++) {
            if (!s_pick_sample(b, i))
                continue;
            const msgpack_object *best;
            int n = s_exact_matches(&res->via.array.ptr[k++], &best);
            bool ok = n == 1 && s_entry_is(best, b, i) &&
                      verso_mp_str_is(verso_mp_get(best, "kind"), "exact");
            if (!ok && ++wrong <= 5)
                fprintf(stderr, "LOOKUP: entry %d of batch %d/%d (id %llu): %d exact matches%s\n",
                        i, b->cycle, b->no, (unsigned long long)b->ids[i], n,
                        n == 1 ? ", not the entry sent" : "");
            checked++;
        }
        verso_reply_destroy(&r);
    }
out:
    CHECK_INT(wrong, 0);
    free(slot);
    return checked;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Every id known (acknowledged or found) is used once. Returns the count. */
static long s_check_ids_unique(void)
{
    uint64_t *all = malloc((s_nbatches + 1) * S_MAX_BATCH * sizeof *all);
    long n = 0, dup = 0;
    for (size_t i = 0; i < s_nbatches; i++)
        for (int k = 0; s_present(s_batches[i]) && k < s_batches[i]->n; k++)
            all[n++] = s_batches[i]->ids[k];
    qsort(all, (size_t)n, sizeof *all, s_cmp_u64);
    for (long i = 1; i < n; i++)
        if (all[i] == all[i - 1] && ++dup <= 5)
            fprintf(stderr, "DUP: id %llu is used by two entries\n", (unsigned long long)all[i]);
    free(all);
    CHECK_INT(dup, 0);
    return n;
}

/* Entries of TM `tm` according to tm_list, or -1. */
static long s_tm_count(verso_client *c, const char *tm)
{
    verso_reply *r = NULL;
    long n = -1;
    CHECK_INT(verso_client_call(c, "tm_list", NULL, &r), VERSO_OK);
    const msgpack_object *tms = r ? verso_mp_get(verso_reply_res(r), "tms") : NULL;
    for (uint32_t i = 0; tms && tms->type == MSGPACK_OBJECT_ARRAY && i < tms->via.array.size; i++) {
        const msgpack_object *t = &tms->via.array.ptr[i];
        const msgpack_object *e = verso_mp_get(t, "entries");
        if (verso_mp_str_is(verso_mp_get(t, "name"), tm) && e &&
            e->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            n = (long)e->via.u64;
    }
    verso_reply_destroy(&r);
    return n;
}

/* Verifies the store after a restart; prints the rest of the cycle's line. */
static void s_verify(const verso_proc *p)
{
    verso_client *c;
    verso_client_opts o = {.timeout_ms = 30000};
    CHECK_INT(verso_client_new(p->endpoint, &o, &c), VERSO_OK);
    long t0 = s_ms();
    int found = 0, absent = 0;
    s_resolve_unacked(c, &found, &absent);
    long ids = s_check_ids_unique();
    long got = s_get_all(c);
    long looked = s_lookup_sample(c);
    long count = s_tm_count(c, "default");
    CHECK_INT(got, ids);
    CHECK_INT(count, ids); /* nothing stored beyond what was found */
    s_sum.verified = got;
    s_sum.found_batches += found;
    s_sum.absent_batches += absent;
    fprintf(stderr,
            "unacked: %d made it whole, %d not at all; restart ok: %ld entries by get, %ld by "
            "lookup, tm_list %ld (%ld ms)\n",
            found, absent, got, looked, count, s_ms() - t0);
    verso_client_destroy(&c);
}

/* One half of the test: what it does on the fresh store, what it streams
 * until the kill (returning the requests left unanswered), the cycle's
 * line, the check after each restart, the summary line, and its cleanup. */
typedef struct s_half {
    void (*prepare)(const verso_proc *p);
    int (*stream_and_kill)(verso_proc *p, int cycle, int *acked);
    void (*cycle_line)(int cycle, int acked, int inflight, long ms);
    void (*verify)(const verso_proc *p, int cycle);
    void (*summary)(int cycles, long ms);
    void (*release)(void);
} s_half;

/* s_cycles kill -9 cycles of a half on one data directory, each restarted
 * and verified; then a clean stop. The directory is kept when a check
 * failed. */
static void s_kill_loop(const s_half *h)
{
    char tmp[64], data[128];
    if (!t_tmpdir(tmp, sizeof tmp)) {
        CHECK(!"mkdtemp");
        return;
    }
    snprintf(data, sizeof data, "%s/data", tmp);
    long t_start = s_ms();
    verso_proc p;
    int started = verso_proc_start(&p, VERSOD_PATH, data, s_args);
    CHECK_INT(started, 0);
    if (!started)
        h->prepare(&p);
    int cycle = 0;
    for (; cycle < s_cycles && !started; cycle++) {
        long t0 = s_ms();
        int acked = 0;
        int inflight = h->stream_and_kill(&p, cycle, &acked);
        CHECK(inflight > 0);
        h->cycle_line(cycle, acked, inflight, s_ms() - t0);
        verso_proc_cleanup(&p);
        started = verso_proc_start(&p, VERSOD_PATH, data, s_args);
        CHECK_INT(started, 0);
        if (started)
            fprintf(stderr, "restart FAILED on %s\n", data);
        else
            h->verify(&p, cycle);
    }
    if (!started) {
        int status = -1;
        CHECK_INT(verso_proc_stop(&p, SIGTERM, &status), 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    verso_proc_cleanup(&p);
    h->summary(cycle, s_ms() - t_start);
    if (!t_failed)
        t_rmtree(tmp);
    else
        fprintf(stderr, "data directory kept for inspection: %s\n", data);
    h->release();
}

static void s_import_prepare(const verso_proc *p)
{
    verso_client *c;
    CHECK_INT(verso_client_new(p->endpoint, NULL, &c), VERSO_OK);
    CHECK_INT(s_tm_count(c, "default"), 0); /* a fresh store */
    verso_client_destroy(&c);
}

static void s_import_line(int cycle, int acked, int inflight, long ms)
{
    CHECK(acked >= s_kill_after(cycle));
    fprintf(stderr, "cycle %d: %d-entry adds, killed after %d acked with %d unanswered (%ld ms); ",
            cycle, s_plan[cycle % S_PLANS].batch, acked, inflight, ms);
}

static void s_import_verify(const verso_proc *p, int cycle)
{
    (void)cycle;
    s_verify(p);
}

static void s_import_summary(int cycles, long ms)
{
    printf("summary import: cycles=%d acked_entries=%ld unacked_committed_entries=%ld "
           "unacked_batches_whole=%ld unacked_batches_absent=%ld partial=%ld "
           "verified_entries=%ld lost=%ld wrong=%ld ms=%ld\n",
           cycles, s_sum.acked, s_sum.found, s_sum.found_batches, s_sum.absent_batches,
           s_sum.partial, s_sum.verified, s_sum.lost, s_sum.bad, ms);
}

static void s_import_release(void)
{
    for (size_t i = 0; i < s_nbatches; i++)
        free(s_batches[i]);
    free(s_batches);
}

static void test_kill9_during_import(void)
{
    static const s_half half = {s_import_prepare, s_stream_and_kill, s_import_line,
                                s_import_verify,  s_import_summary,  s_import_release};
    s_kill_loop(&half);
}

/* ---- kill -9 during align with store -------------------------------------- */

/* Per cycle (cycle % S_PLANS): sentences a side of each document, aligns
 * kept in flight, acknowledged aligns before the kill (plus cycle / S_PLANS
 * % 4, as for imports). */
static const struct {
    int sentences, window, kill_after;
} s_aplan[S_PLANS] = {{30, 4, 3}, {12, 12, 20}, {60, 3, 5}, {8, 24, 40}, {40, 6, 10}};

#define S_ALIGN_TM "aligned"

typedef struct s_doc {
    int cycle, no, n; /* n sentences a side */
    s_state state;
    uint64_t req;
    char tag[16], origin[32];
    verso_tmcheck_pairs pairs; /* what it stores: from its reply, or a re-align after a restart */
} s_doc;

static s_doc **s_docs;
static size_t s_ndocs;

static struct {
    long acked, acked_pairs, found, found_pairs, absent, partial, lost, verified, contexts;
} s_asum;

static bool s_present_doc(const s_doc *d)
{
    return d->state == S_ACKED || d->state == S_FOUND;
}

static s_doc *s_new_doc(int cycle, int no)
{
    s_doc *d = calloc(1, sizeof *d);
    s_doc **v = realloc(s_docs, (s_ndocs + 1) * sizeof *s_docs);
    if (!d || !v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    d->cycle = cycle;
    d->no = no;
    d->n = s_aplan[cycle % S_PLANS].sentences;
    d->state = S_INFLIGHT;
    snprintf(d->tag, sizeof d->tag, "c%d", cycle);
    snprintf(d->origin, sizeof d->origin, "crash-c%d-d%d", cycle, no);
    s_docs = v;
    s_docs[s_ndocs++] = d;
    return d;
}

static verso_err s_send_doc(verso_client *c, s_doc *d, bool store)
{
    return verso_tmcheck_send_align(c, d->tag, d->no, d->n, store ? S_ALIGN_TM : NULL, d->origin,
                                    &d->req);
}

/* The document of this stream (from index `first`) in state `state` whose
 * request is req: ids restart at 1 with each client. */
static s_doc *s_doc_by_req(uint64_t req, size_t first, s_state state)
{
    for (size_t i = first; i < s_ndocs; i++)
        if (s_docs[i]->req == req && s_docs[i]->state == state)
            return s_docs[i];
    return NULL;
}

static uint64_t s_uint(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : UINT64_MAX;
}

/* Files an align reply: an ok one acknowledges its document, whose stored
 * pairs it gives. Returns 1 then. */
static int s_on_align_reply(verso_reply *r, size_t first)
{
    s_doc *d = s_doc_by_req(verso_reply_id(r), first, S_INFLIGHT);
    CHECK(d != NULL);
    if (!d)
        return 0;
    d->state = S_UNACKED;
    if (!verso_reply_ok(r)) {
        fprintf(stderr, "align %s refused: %s %s\n", d->origin, verso_reply_err_code(r),
                verso_reply_err_message(r));
        CHECK(verso_reply_ok(r));
        return 0;
    }
    const msgpack_object *res = verso_reply_res(r), *st = verso_mp_get(res, "stored");
    int ok = verso_tmcheck_align_pairs(res, 0, &d->pairs) == 0 && d->pairs.n > 0;
    CHECK(ok);
    CHECK(s_uint(st, "candidates") == d->pairs.n && s_uint(st, "added") == d->pairs.n);
    CHECK_INT(s_uint(st, "skipped"), 0);
    if (ok) {
        d->state = S_ACKED;
        s_asum.acked++;
        s_asum.acked_pairs += (long)d->pairs.n;
    }
    return ok;
}

/* s_stream_and_kill for aligns with store. */
static int s_align_and_kill(verso_proc *p, int cycle, int *acked)
{
    verso_client *c;
    verso_client_opts o = {.timeout_ms = 30000};
    CHECK_INT(verso_client_new(p->endpoint, &o, &c), VERSO_OK);
    size_t first = s_ndocs;
    int sent = 0, inflight = 0, window = s_aplan[cycle % S_PLANS].window;
    int kill_after = s_aplan[cycle % S_PLANS].kill_after + cycle / S_PLANS % 4;
    *acked = 0;
    while (*acked < kill_after) {
        for (; inflight < window; inflight++)
            CHECK_INT(s_send_doc(c, s_new_doc(cycle, sent++), true), VERSO_OK);
        verso_reply *r = NULL;
        verso_err err = verso_client_recv(c, 0, 30000, &r);
        CHECK(err == VERSO_OK || err == VERSO_ESERVER);
        if (err != VERSO_OK && err != VERSO_ESERVER)
            break;
        inflight--;
        *acked += s_on_align_reply(r, first);
        verso_reply_destroy(&r);
    }
    for (; inflight < window; inflight++)
        CHECK_INT(s_send_doc(c, s_new_doc(cycle, sent++), true), VERSO_OK);
    int status = 0;
    CHECK_INT(verso_proc_stop(p, SIGKILL, &status), 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    verso_reply *r = NULL;
    verso_err err;
    while ((err = verso_client_recv(c, 0, 0, &r)) == VERSO_OK || err == VERSO_ESERVER) {
        inflight--;
        *acked += s_on_align_reply(r, first);
        verso_reply_destroy(&r);
    }
    verso_client_destroy(&c);
    for (size_t i = first; i < s_ndocs; i++)
        if (s_docs[i]->state == S_INFLIGHT)
            s_docs[i]->state = S_UNACKED;
    return inflight;
}

/* The pairs each unacknowledged document would store: the same align
 * without store (the aligner is deterministic), all in flight at once. */
static void s_realign_unacked(verso_client *c)
{
    size_t first = s_ndocs, n = 0;
    for (size_t i = 0; i < s_ndocs; i++)
        if (s_docs[i]->state == S_UNACKED) {
            CHECK_INT(s_send_doc(c, s_docs[i], false), VERSO_OK);
            first = first < i ? first : i;
            n++;
        }
    for (; n; n--) {
        verso_reply *r = NULL;
        CHECK_INT(verso_client_recv(c, 0, -1, &r), VERSO_OK);
        s_doc *d = r ? s_doc_by_req(verso_reply_id(r), first, S_UNACKED) : NULL;
        CHECK(d && !d->pairs.n && verso_tmcheck_align_pairs(verso_reply_res(r), 0, &d->pairs) == 0);
        verso_reply_destroy(&r);
    }
}

/* Looks up document d's source sentences in order: each sentence stored
 * alone (a 1-1 bead) comes back as a context match with its translation. */
static void s_check_contexts(verso_client *c, const s_doc *d)
{
    char buf[512];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", S_ALIGN_TM);
    verso_mp_pack_kv_str(&pk, "src_lang", "en");
    verso_mp_pack_kv_str(&pk, "tgt_lang", "fr");
    verso_mp_pack_kv_int(&pk, "min_score", 100);
    verso_mp_pack_cstr(&pk, "segments");
    msgpack_pack_array(&pk, (size_t)d->n);
    for (int i = 0; i < d->n; i++) {
        size_t len = verso_tmcheck_sentence(buf, sizeof buf, d->tag, d->no, i, 0);
        msgpack_pack_str_with_body(&pk, buf, len);
    }
    uint64_t req = 0;
    verso_reply *r = NULL;
    verso_err err = verso_client_send_packed(c, "lookup", sb.data, sb.size, 5, &req);
    msgpack_sbuffer_destroy(&sb);
    CHECK_INT(err = err ? err : verso_client_recv(c, req, -1, &r), VERSO_OK);
    const msgpack_object *res = err ? NULL : s_results(r, (uint32_t)d->n);
    CHECK(res != NULL);
    for (int i = 0; res && i < d->n; i++) {
        verso_tmcheck_sentence(buf, sizeof buf, d->tag, d->no, i, 0);
        for (size_t k = 0; k < d->pairs.n; k++) {
            if (strcmp(d->pairs.src[k], buf))
                continue;
            const msgpack_object *best;
            s_exact_matches(&res->via.array.ptr[i], &best);
            bool ok = best && verso_mp_str_is(verso_mp_get(best, "kind"), "context") &&
                      verso_mp_str_is(verso_mp_get(best, "tgt"), d->pairs.tgt[k]);
            if (!ok)
                fprintf(stderr, "CONTEXT: sentence %d of %s is not a context match\n", i,
                        d->origin);
            CHECK(ok);
            s_asum.contexts++;
        }
    }
    verso_reply_destroy(&r);
}

/* After a restart: every acknowledged (or earlier found) document's pairs
 * are stored exactly; an unacknowledged one is stored whole or not at all;
 * the TM holds nothing else. */
static void s_averify(const verso_proc *p, int cycle)
{
    verso_client *c;
    verso_client_opts o = {.timeout_ms = 30000};
    CHECK_INT(verso_client_new(p->endpoint, &o, &c), VERSO_OK);
    s_realign_unacked(c);
    verso_tmcheck_rows rows = {NULL, 0};
    CHECK_INT(verso_tmcheck_rows_load(c, S_ALIGN_TM, &rows), 0);
    long want = 0, found = 0, absent = 0;
    for (size_t i = 0; i < s_ndocs; i++) {
        s_doc *d = s_docs[i];
        size_t first, n = verso_tmcheck_rows_origin(&rows, d->origin, &first);
        bool whole = verso_tmcheck_rows_are(&rows, d->origin, &d->pairs);
        if (d->state == S_UNACKED) {
            d->state = n ? S_FOUND : S_ABSENT;
            found += n > 0;
            absent += n == 0;
            s_asum.found_pairs += n ? (long)d->pairs.n : 0;
            if (n && !whole && ++s_asum.partial <= 5)
                fprintf(stderr, "PARTIAL: %s: %zu of %zu pairs stored\n", d->origin, n, d->pairs.n);
            CHECK(!n || whole);
        } else if (s_present_doc(d) && !whole) {
            size_t missing = verso_tmcheck_rows_missing(&rows, d->origin, &d->pairs);
            s_asum.lost += (long)missing;
            fprintf(stderr, "LOST: %s: %zu of %zu acknowledged pairs missing, %zu rows\n",
                    d->origin, missing, d->pairs.n, n);
            CHECK(whole);
        }
        want += s_present_doc(d) ? (long)d->pairs.n : 0;
    }
    s_asum.found += found;
    s_asum.absent += absent;
    s_asum.verified = (long)rows.n;
    CHECK_INT(rows.n, want); /* nothing stored beyond those documents */
    CHECK_INT(s_tm_count(c, S_ALIGN_TM), (long)rows.n);
    for (size_t i = 0; i < s_ndocs; i++)
        if (s_docs[i]->cycle == cycle && s_present_doc(s_docs[i]))
            s_check_contexts(c, s_docs[i]);
    fprintf(stderr, "unacked: %ld stored whole, %ld not at all; restart ok: %zu pairs\n", found,
            absent, rows.n);
    verso_tmcheck_rows_fini(&rows);
    verso_client_destroy(&c);
}

static void s_create_align_tm(const verso_proc *p)
{
    verso_client *c;
    CHECK_INT(verso_client_new(p->endpoint, NULL, &c), VERSO_OK);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", S_ALIGN_TM);
    uint64_t req = 0;
    verso_reply *r = NULL;
    CHECK_INT(verso_client_send_packed(c, "tm_create", sb.data, sb.size, 1, &req), VERSO_OK);
    CHECK_INT(verso_client_recv(c, req, -1, &r), VERSO_OK);
    verso_reply_destroy(&r);
    msgpack_sbuffer_destroy(&sb);
    verso_client_destroy(&c);
}

static void s_align_line(int cycle, int acked, int inflight, long ms)
{
    fprintf(stderr,
            "cycle %d: aligns of %d sentences, killed after %d acked with %d unanswered (%ld ms); ",
            cycle, s_aplan[cycle % S_PLANS].sentences, acked, inflight, ms);
}

static void s_align_summary(int cycles, long ms)
{
    printf("summary align: cycles=%d acked_aligns=%ld acked_pairs=%ld "
           "unacked_committed_aligns=%ld unacked_committed_pairs=%ld unacked_absent_aligns=%ld "
           "partial=%ld verified_pairs=%ld context_matches=%ld lost=%ld ms=%ld\n",
           cycles, s_asum.acked, s_asum.acked_pairs, s_asum.found, s_asum.found_pairs,
           s_asum.absent, s_asum.partial, s_asum.verified, s_asum.contexts, s_asum.lost, ms);
}

static void s_align_release(void)
{
    for (size_t i = 0; i < s_ndocs; i++) {
        verso_tmcheck_pairs_fini(&s_docs[i]->pairs);
        free(s_docs[i]);
    }
    free(s_docs);
}

static void test_kill9_during_align(void)
{
    static const s_half half = {s_create_align_tm, s_align_and_kill, s_align_line,
                                s_averify,         s_align_summary,  s_align_release};
    s_kill_loop(&half);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    const char *env = getenv("VERSO_CRASH_CYCLES");
    if (env && (s_cycles = atoi(env)) < 1) {
        fprintf(stderr, "VERSO_CRASH_CYCLES must be a positive number\n");
        return 2;
    }
    if (strcmp(which, "import") && strcmp(which, "align") && strcmp(which, "all")) {
        fprintf(stderr, "usage: crash_test [import|align|all]\n");
        return 2;
    }
    if (strcmp(which, "align"))
        RUN(test_kill9_during_import);
    if (strcmp(which, "import"))
        RUN(test_kill9_during_align);
    return t_report();
}
