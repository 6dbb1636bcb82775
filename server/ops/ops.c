/*
 * ops.c - the op table and the server-level ops: hello, ping, stats.
 * Ops of a larger concept (segment, lookup, align, ...) live in that
 * concept's file and are only listed here.
 */
#include "ops.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uversion.h>

#include "tm.h"
#include "tmfuzzy.h"
#include "verso/version.h"

static verso_err s_hello(verso_op_ctx *ctx);
static verso_err s_ping(verso_op_ctx *ctx);
/* "ops": for each op served at least once, its counts and latencies. */
static void s_pack_ops(verso_pack *p, const verso_host *srv)
{
    size_t n, used = 0;
    uint64_t counts[VERSO_METRICS_OPS];
    const verso_op *ops = verso_op_table(&n);
    n = n < VERSO_METRICS_OPS ? n : VERSO_METRICS_OPS;
    for (size_t i = 0; i < n; i++) /* read once: other workers count on meanwhile */
        used += (counts[i] = atomic_load(&srv->metrics.ops[i].count)) > 0;
    verso_pack_str(p, "ops");
    verso_pack_map(p, (uint32_t)used);
    for (size_t i = 0; i < n && !verso_pack_err(p); i++) {
        const verso_op_metrics *o = &srv->metrics.ops[i];
        uint64_t count = counts[i];
        if (!count)
            continue;
        verso_pack_str(p, ops[i].name);
        verso_pack_map(p, 6);
        verso_pack_kv_uint(p, "count", count);
        verso_pack_kv_uint(p, "errors", atomic_load(&o->errors));
        verso_pack_kv_uint(p, "mean_us", atomic_load(&o->total_us) / count);
        verso_pack_kv_uint(p, "p50_us", verso_metrics_quantile(o, 0.5));
        verso_pack_kv_uint(p, "p99_us", verso_metrics_quantile(o, 0.99));
        verso_pack_kv_uint(p, "max_us", atomic_load(&o->max_us));
    }
}

static verso_err s_stats(verso_op_ctx *ctx);

/* Lanes (handler.h): ping, hello and stats never wait behind work; the ops
 * that submit writer jobs run on the workers for writes. align with
 * "store" stays work: its cost is the alignment, not the commit. */
static const verso_op s_ops[] = {
    {"hello", s_hello, VERSO_ROLE_READ, VERSO_LANE_CONTROL},
    {"ping", s_ping, VERSO_ROLE_READ, VERSO_LANE_CONTROL},
    {"stats", s_stats, VERSO_ROLE_READ, VERSO_LANE_CONTROL},
    {"segment", verso_op_segment, VERSO_ROLE_READ, VERSO_LANE_WORK},
    {"tm_create", verso_op_tm_create, VERSO_ROLE_ADMIN, VERSO_LANE_WRITE},
    {"tm_list", verso_op_tm_list, VERSO_ROLE_READ, VERSO_LANE_WORK},
    {"tm_delete", verso_op_tm_delete, VERSO_ROLE_ADMIN, VERSO_LANE_WRITE},
    {"add", verso_op_add, VERSO_ROLE_WRITE, VERSO_LANE_WRITE},
    {"get", verso_op_get, VERSO_ROLE_READ, VERSO_LANE_WORK},
    {"update", verso_op_update, VERSO_ROLE_WRITE, VERSO_LANE_WRITE},
    {"delete", verso_op_delete, VERSO_ROLE_WRITE, VERSO_LANE_WRITE},
    {"lookup", verso_op_lookup, VERSO_ROLE_READ, VERSO_LANE_WORK},
    {"export", verso_op_export, VERSO_ROLE_READ, VERSO_LANE_WORK},
    {"concordance", verso_op_concordance, VERSO_ROLE_READ, VERSO_LANE_WORK},
    {"align", verso_op_align, VERSO_ROLE_READ, VERSO_LANE_WORK}, /* "store": write (align_op.c) */
    {"backup", verso_op_backup, VERSO_ROLE_ADMIN, VERSO_LANE_WORK},
};

#define S_NOPS (sizeof s_ops / sizeof s_ops[0])

const verso_op *verso_op_find(const char *name, size_t len)
{
    for (size_t i = 0; i < S_NOPS; i++)
        if (strlen(s_ops[i].name) == len && memcmp(s_ops[i].name, name, len) == 0)
            return &s_ops[i];
    return NULL;
}

const verso_op *verso_op_table(size_t *count)
{
    *count = S_NOPS;
    return s_ops;
}

static void s_pack_libraries(verso_pack *p, const verso_host *host)
{
    char icu[U_MAX_VERSION_STRING_LENGTH], uni[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo v;
    u_getVersion(v);
    u_versionToString(v, icu);
    u_getUnicodeVersion(v);
    u_versionToString(v, uni);
    verso_pack_map(p, 5);
    verso_pack_kv_str(p, "icu", icu);
    verso_pack_kv_str(p, "unicode", uni);
    verso_pack_kv_str(p, "zmq", host->libzmq);
    verso_pack_kv_str(p, "lmdb", verso_store_engine_version());
    verso_pack_kv_str(p, "msgpack", msgpack_version());
}

static verso_err s_hello(verso_op_ctx *ctx)
{
    verso_pack *p = ctx->res;
    size_t n;
    const verso_op *ops = verso_op_table(&n);
    verso_pack_map(p, 7);
    verso_pack_kv_str(p, "server", "versod");
    verso_pack_kv_str(p, "role", verso_role_name(ctx->who->role));
    verso_pack_kv_str(p, "version", VERSO_VERSION);
    verso_pack_kv_int(p, "protocol", VERSO_PROTOCOL);
    verso_pack_kv_uint(p, "max_message_bytes", ctx->call->host->max_message_bytes);
    verso_pack_str(p, "ops");
    verso_pack_array(p, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        verso_pack_str(p, ops[i].name);
    verso_pack_str(p, "libraries");
    s_pack_libraries(p, ctx->call->host);
    return verso_pack_err(p);
}

static verso_err s_ping(verso_op_ctx *ctx)
{
    verso_pack_map(ctx->res, 0);
    return verso_pack_err(ctx->res);
}

static void s_pack_store(verso_pack *p, const verso_host *srv, const verso_store_stats *st)
{
    verso_pack_map(p, 13);
    verso_pack_kv_str(p, "path", srv->data_dir);
    verso_pack_kv_uint(p, "schema_version", st->schema_version);
    verso_pack_kv_int(p, "created", st->created);
    verso_pack_kv_uint(p, "map_size", st->map_size);
    verso_pack_kv_uint(p, "max_map_size", st->max_map_size);
    verso_pack_kv_uint(p, "map_grows", st->map_grows);
    verso_pack_kv_uint(p, "used_bytes", st->used_bytes);
    verso_pack_kv_uint(p, "file_bytes", st->file_bytes);
    verso_pack_kv_uint(p, "page_size", st->page_size);
    verso_pack_kv_uint(p, "last_txn", st->last_txn);
    verso_pack_kv_uint(p, "readers_used", st->readers_used);
    verso_pack_kv_uint(p, "readers_max", st->readers_max);
    verso_pack_kv_str(p, "engine", verso_store_engine_version());
}

/* "auth": the mode, the allow-list's size and what it refused. */
static void s_pack_auth(verso_pack *p, const verso_host *srv)
{
    const verso_host_stats *a = &srv->stats;
    verso_pack_str(p, "auth");
    verso_pack_map(p, 7);
    verso_pack_kv_str(p, "mode", srv->curve ? "curve" : "none");
    verso_pack_kv_uint(p, "clients", atomic_load(&a->clients));
    verso_pack_kv_uint(p, "handshakes_accepted", atomic_load(&a->hs_accepted));
    verso_pack_kv_uint(p, "handshakes_refused", atomic_load(&a->hs_refused));
    verso_pack_kv_uint(p, "requests_denied", atomic_load(&a->denied));
    verso_pack_kv_uint(p, "reloads", atomic_load(&a->reloads));
    verso_pack_kv_uint(p, "reload_errors", atomic_load(&a->reload_errors));
}

/* The index state: ids up to upto have their fuzzy postings, of last handed out. */
static verso_err s_index_state(verso_op_ctx *ctx, uint64_t *upto, uint64_t *last)
{
    verso_txn *t;
    verso_err err = verso_store_read_begin(ctx->env->store, &t);
    if (!err) {
        err = verso_tmfuzzy_upto(t, upto);
        err = err ? err : verso_tm_last_id(t, last);
        verso_store_read_end(&t);
    }
    if (err)
        return verso_fault_set(ctx->fault, err, "reading the index state: %s", verso_strerror(err));
    return VERSO_OK;
}

static verso_err s_stats(verso_op_ctx *ctx)
{
    verso_host *srv = ctx->call->host;
    verso_store_stats st;
    verso_err err = verso_store_stat(ctx->env->store, &st);
    if (err)
        return verso_fault_set(ctx->fault, err, "reading storage figures: %s", verso_strerror(err));
    verso_pack *p = ctx->res;
    int64_t up_ms = verso_now_ms() - srv->started_ms;
    uint64_t upto = 0, last = 0;
    if ((err = s_index_state(ctx, &upto, &last)))
        return err;
    bool admin = ctx->who->role >= VERSO_ROLE_ADMIN; /* the detail: store, ops, auth */
    verso_pack_map(p, admin ? 15 : 12);
    verso_pack_kv_int(p, "started", srv->started);
    verso_pack_kv_int(p, "uptime_s", up_ms / 1000);
    verso_pack_kv_uint(p, "requests", atomic_load(&srv->stats.requests));
    verso_pack_kv_uint(p, "errors", atomic_load(&srv->stats.errors));
    verso_pack_kv_uint(p, "timed_out", atomic_load(&srv->stats.timed_out));
    verso_pack_kv_uint(p, "cancelled", atomic_load(&srv->stats.cancelled));
    verso_pack_kv_uint(p, "queued", atomic_load(&srv->stats.queued));
    verso_pack_kv_uint(p, "running", atomic_load(&srv->stats.running));
    verso_pack_kv_uint(p, "threads", srv->threads);
    verso_pack_kv_uint(p, "write_threads", srv->write_threads);
    verso_pack_kv_str(p, "endpoint", srv->endpoint);
    verso_pack_str(p, "fuzzy_index");
    const verso_indexer_counts *c = &ctx->env->indexer.counts;
    verso_pack_map(p, 7);
    verso_pack_kv_uint(p, "posted_upto", upto < last ? upto : last);
    verso_pack_kv_uint(p, "pending_ids", upto < last ? last - upto : 0);
    verso_pack_kv_uint(p, "searches", atomic_load(&c->searches));
    verso_pack_kv_uint(p, "postings_read", atomic_load(&c->postings));
    verso_pack_kv_uint(p, "candidates", atomic_load(&c->candidates));
    verso_pack_kv_uint(p, "verified", atomic_load(&c->verified));
    verso_pack_kv_uint(p, "scans", atomic_load(&c->scans));
    if (admin) {
        verso_pack_str(p, "store");
        s_pack_store(p, srv, &st);
        s_pack_ops(p, srv);
        s_pack_auth(p, srv);
    }
    return verso_pack_err(p);
}
