/* indexer.c - when deferred index work is done; see indexer.h. */
#include "indexer.h"

#include "log.h"
#include "tm.h"
#include "tmfuzzy.h"
#include "work.h"

void verso_indexer_init(verso_indexer *ix)
{
    atomic_init(&ix->unposted_ns, 0);
    atomic_init(&ix->counts.searches, 0);
    atomic_init(&ix->counts.postings, 0);
    atomic_init(&ix->counts.candidates, 0);
    atomic_init(&ix->counts.verified, 0);
    atomic_init(&ix->counts.scans, 0);
    ix->post_ns = ix->entry_ns = ix->unposted_mark = 0;
}

void verso_indexer_note_search(verso_indexer *ix, uint64_t n, uint64_t scans,
                               const verso_tmfuzzy_stats *st)
{
    verso_indexer_counts *c = &ix->counts;
    if (!n)
        return;
    atomic_fetch_add_explicit(&ix->unposted_ns, st->unposted_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->searches, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->postings, st->postings, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->candidates, st->candidates, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->verified, st->verified, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->scans, scans, memory_order_relaxed);
}

static verso_err s_tm_init_job(verso_txn *t, void *arg)
{
    verso_store *store = arg;
    verso_err err = verso_tm_init(t);
    if (err || verso_store_schema(store) == VERSO_SCHEMA_VERSION)
        return err;
    verso_log(VERSO_LOG_INFO, "upgrading the store from schema %u to %d: re-indexing entries",
              verso_store_schema(store), VERSO_SCHEMA_VERSION);
    return verso_tm_upgrade(t);
}

/* Creates the "default" TM if the store has none, and brings a store of an
 * older schema up to date (before any thread runs). */
verso_err verso_indexer_prepare(verso_store *store)
{
    verso_store_job job = {s_tm_init_job, store, VERSO_OK};
    verso_err err = verso_store_write(store, &job, 1);
    err = err ? err : job.result;
    if (!err)
        verso_store_upgrade_done(store); /* a no-op for a current store */
    return err;
}

#define S_POST_MIN ((uint64_t)1 << 16) /* work left undone while writes keep coming */
#define S_SMALL    4096                /* pending work done after a short quiet */
#define S_LONG_MS  1000                /* a long quiet: everything is done */
/* A posting step that lookups pay for while writes keep coming posts about
 * this long's worth of entries (by the last step's time per entry), so that
 * the jobs queued behind it wait about that long, not for all that is
 * pending; at least S_PAY_MIN entries. */
#define S_PAY_BUDGET_NS 2000000u
#define S_PAY_MIN       16u
#define S_STEP_MAX      ((size_t)1 << 20)

/* Whether `pending` items of deferred index work should be done now. While
 * writes keep coming (or pause briefly, as between the requests of a bulk
 * import), only once they are S_POST_MIN and `enough`; a little of it
 * (interactive adds) after VERSO_WRITER_QUIET_MS without writes, and all of
 * it after S_LONG_MS. */
static bool s_due(int64_t quiet_ms, uint64_t pending, uint64_t enough)
{
    if (!pending)
        return false;
    if (quiet_ms >= S_LONG_MS || (quiet_ms > 0 && pending <= S_SMALL))
        return true;
    return pending >= S_POST_MIN && pending >= enough;
}

/* Whether lookups have spent more time reading the entries not posted yet
 * (each lookup reads them all) than the last posting took: then posting now
 * is worth its cost even while writes keep coming (the rent-or-buy rule; a
 * bulk import with no lookups meanwhile is left to s_due). */
static bool s_lookups_pay(const verso_indexer *ix, uint64_t pending)
{
    uint64_t spent = atomic_load(&ix->unposted_ns) - ix->unposted_mark;
    return pending > 0 && spent > 0 && spent >= ix->post_ns;
}

/* How many entries a step that lookups pay for posts (S_PAY_BUDGET_NS). */
static size_t s_pay_step(const verso_indexer *ix)
{
    uint64_t n = ix->entry_ns ? S_PAY_BUDGET_NS / ix->entry_ns : S_PAY_MIN;
    return n < S_PAY_MIN ? S_PAY_MIN : n > S_STEP_MAX ? S_STEP_MAX : (size_t)n;
}

/* The writer's background work (indexer.h): posting the fuzzy index (tmfuzzy.h), then
 * merging the recent match records (tm.h), one transaction a call. Each
 * dirties pages all over its index, so fewer, bigger steps cost less in all
 * (s_due); reads meanwhile also look at what is not merged or posted. */
verso_err verso_indexer_step(verso_txn *t, void *arg, int64_t quiet_ms, bool *more)
{
    uint64_t upto, last, recent, merged;
    verso_indexer *ix = arg;
    verso_err err = verso_tmfuzzy_upto(t, &upto);
    err = err ? err : verso_tm_last_id(t, &last);
    err = err ? err : verso_store_count(t, VERSO_DB_MATCH_RECENT, &recent);
    err = err ? err : verso_tm_match_count(t, &merged);
    if (err)
        return err;
    uint64_t pending = last > upto ? last - upto : 0;
    bool post_more = pending > 0;
    int64_t t0 = verso_now_ms();
    /* postings: as many pending as posted, or as soon as lookups pay for them */
    bool due = s_due(quiet_ms, pending, upto);
    if (due || s_lookups_pay(ix, pending)) {
        uint64_t mark = atomic_load(&ix->unposted_ns), n0 = verso_work_now_ns(), from = upto;
        err = verso_tmfuzzy_step(t, due ? S_STEP_MAX : s_pay_step(ix), &post_more);
        err = err ? err : verso_tmfuzzy_upto(t, &upto);
        ix->post_ns = verso_work_now_ns() - n0;
        if (!err && upto > from && upto != UINT64_MAX)
            ix->entry_ns = ix->post_ns / (upto - from);
        ix->unposted_mark = mark;
        verso_log(VERSO_LOG_DEBUG, "fuzzy index: posted up to %llu of %llu entries in %lld ms",
                  (unsigned long long)upto, (unsigned long long)last,
                  (long long)(verso_now_ms() - t0));
    }
    if (!err && s_due(quiet_ms, recent, merged / 4)) { /* recent: a quarter of merged */
        t0 = verso_now_ms();
        err = verso_tm_merge_recent(t);
        verso_log(VERSO_LOG_DEBUG, "match index: merged %llu recent records into %llu in %lld ms",
                  (unsigned long long)recent, (unsigned long long)merged,
                  (long long)(verso_now_ms() - t0));
        recent = 0;
    }
    *more = post_more || recent > 0;
    return err;
}
