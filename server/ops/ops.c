/*
 * ops.c - the op table and the server-level ops: hello, ping, stats.
 * Ops of a larger concept (segment, lookup, align, ...) live in that
 * concept's file and are only listed here.
 */
#include "ops.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uversion.h>

#include "mp.h"
#include "tm.h"
#include "tmfuzzy.h"
#include "verso/version.h"

static verso_err s_hello(verso_op_ctx *ctx);
static verso_err s_ping(verso_op_ctx *ctx);
/* "ops": for each op served at least once, its counts and latencies. */
static int s_pack_ops(msgpack_packer *pk, const verso_host *srv)
{
    size_t n, used = 0;
    uint64_t counts[VERSO_METRICS_OPS];
    const verso_op *ops = verso_op_table(&n);
    n = n < VERSO_METRICS_OPS ? n : VERSO_METRICS_OPS;
    for (size_t i = 0; i < n; i++) /* read once: other workers count on meanwhile */
        used += (counts[i] = atomic_load(&srv->metrics.ops[i].count)) > 0;
    int rc = verso_mp_pack_cstr(pk, "ops");
    rc = rc ? rc : msgpack_pack_map(pk, used);
    for (size_t i = 0; i < n && !rc; i++) {
        const verso_op_metrics *o = &srv->metrics.ops[i];
        uint64_t count = counts[i];
        if (!count)
            continue;
        rc = verso_mp_pack_cstr(pk, ops[i].name);
        rc = rc ? rc : msgpack_pack_map(pk, 6);
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "count", count);
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "errors", atomic_load(&o->errors));
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "mean_us", atomic_load(&o->total_us) / count);
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "p50_us", verso_metrics_quantile(o, 0.5));
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "p99_us", verso_metrics_quantile(o, 0.99));
        rc = rc ? rc : verso_mp_pack_kv_uint(pk, "max_us", atomic_load(&o->max_us));
    }
    return rc;
}

static verso_err s_stats(verso_op_ctx *ctx);

static const verso_op s_ops[] = {
    {"hello", s_hello, VERSO_ROLE_READ},
    {"ping", s_ping, VERSO_ROLE_READ},
    {"stats", s_stats, VERSO_ROLE_READ},
    {"segment", verso_op_segment, VERSO_ROLE_READ},
    {"tm_create", verso_op_tm_create, VERSO_ROLE_ADMIN},
    {"tm_list", verso_op_tm_list, VERSO_ROLE_READ},
    {"tm_delete", verso_op_tm_delete, VERSO_ROLE_ADMIN},
    {"add", verso_op_add, VERSO_ROLE_WRITE},
    {"get", verso_op_get, VERSO_ROLE_READ},
    {"update", verso_op_update, VERSO_ROLE_WRITE},
    {"delete", verso_op_delete, VERSO_ROLE_WRITE},
    {"lookup", verso_op_lookup, VERSO_ROLE_READ},
    {"export", verso_op_export, VERSO_ROLE_READ},
    {"concordance", verso_op_concordance, VERSO_ROLE_READ},
    {"align", verso_op_align, VERSO_ROLE_READ}, /* with "store": write (align_op.c) */
    {"backup", verso_op_backup, VERSO_ROLE_ADMIN},
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

static int s_pack_libraries(msgpack_packer *pk, const verso_host *host)
{
    char icu[U_MAX_VERSION_STRING_LENGTH], uni[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo v;
    u_getVersion(v);
    u_versionToString(v, icu);
    u_getUnicodeVersion(v);
    u_versionToString(v, uni);
    int rc = msgpack_pack_map(pk, 5);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "icu", icu);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "unicode", uni);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "zmq", host->libzmq);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "lmdb", verso_store_engine_version());
    return rc ? rc : verso_mp_pack_kv_str(pk, "msgpack", msgpack_version());
}

static verso_err s_hello(verso_op_ctx *ctx)
{
    msgpack_packer *pk = ctx->res;
    size_t n;
    const verso_op *ops = verso_op_table(&n);
    int rc = msgpack_pack_map(pk, 7);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "server", "versod");
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "role", verso_role_name(ctx->who->role));
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "version", VERSO_VERSION);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "protocol", VERSO_PROTOCOL);
    rc = rc ? rc
            : verso_mp_pack_kv_uint(pk, "max_message_bytes", ctx->call->host->max_message_bytes);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "ops");
    rc = rc ? rc : msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = verso_mp_pack_cstr(pk, ops[i].name);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "libraries");
    rc = rc ? rc : s_pack_libraries(pk, ctx->call->host);
    return rc ? VERSO_ENOMEM : VERSO_OK;
}

static verso_err s_ping(verso_op_ctx *ctx)
{
    return msgpack_pack_map(ctx->res, 0) ? VERSO_ENOMEM : VERSO_OK;
}

static int s_pack_store(msgpack_packer *pk, const verso_host *srv, const verso_store_stats *st)
{
    int rc = msgpack_pack_map(pk, 13);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "path", srv->data_dir);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "schema_version", st->schema_version);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "created", st->created);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "map_size", st->map_size);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "max_map_size", st->max_map_size);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "map_grows", st->map_grows);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "used_bytes", st->used_bytes);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "file_bytes", st->file_bytes);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "page_size", st->page_size);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "last_txn", st->last_txn);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "readers_used", st->readers_used);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "readers_max", st->readers_max);
    return rc ? rc : verso_mp_pack_kv_str(pk, "engine", verso_store_engine_version());
}

/* "auth": the mode, the allow-list's size and what it refused. */
static int s_pack_auth(msgpack_packer *pk, const verso_host *srv)
{
    const verso_host_stats *a = &srv->stats;
    int rc = verso_mp_pack_cstr(pk, "auth");
    rc = rc ? rc : msgpack_pack_map(pk, 7);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "mode", srv->curve ? "curve" : "none");
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "clients", atomic_load(&a->clients));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "handshakes_accepted", atomic_load(&a->hs_accepted));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "handshakes_refused", atomic_load(&a->hs_refused));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "requests_denied", atomic_load(&a->denied));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "reloads", atomic_load(&a->reloads));
    return rc ? rc : verso_mp_pack_kv_uint(pk, "reload_errors", atomic_load(&a->reload_errors));
}

static verso_err s_stats(verso_op_ctx *ctx)
{
    verso_host *srv = ctx->call->host;
    verso_store_stats st;
    verso_err err = verso_store_stat(ctx->env->store, &st);
    if (err)
        return verso_fault_set(ctx->fault, err, "reading storage figures: %s", verso_strerror(err));
    msgpack_packer *pk = ctx->res;
    int64_t up_ms = verso_now_ms() - srv->started_ms;
    uint64_t upto = 0, last = 0;
    verso_txn *t;
    if (!(err = verso_store_read_begin(ctx->env->store, &t))) {
        err = verso_tmfuzzy_upto(t, &upto);
        err = err ? err : verso_tm_last_id(t, &last);
        verso_store_read_end(&t);
    }
    if (err)
        return verso_fault_set(ctx->fault, err, "reading the index state: %s", verso_strerror(err));
    int admin = ctx->who->role >= VERSO_ROLE_ADMIN; /* the detail: store, ops, auth */
    int rc = msgpack_pack_map(pk, admin ? 14 : 11);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "started", srv->started);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "uptime_s", up_ms / 1000);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "requests", atomic_load(&srv->stats.requests));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "errors", atomic_load(&srv->stats.errors));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "timed_out", atomic_load(&srv->stats.timed_out));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "cancelled", atomic_load(&srv->stats.cancelled));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "queued", atomic_load(&srv->stats.queued));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "running", atomic_load(&srv->stats.running));
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "threads", srv->threads);
    rc = rc ? rc : verso_mp_pack_kv_str(pk, "endpoint", srv->endpoint);
    rc = rc ? rc : verso_mp_pack_cstr(pk, "fuzzy_index");
    rc = rc ? rc : msgpack_pack_map(pk, 2);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "posted_upto", upto < last ? upto : last);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "pending_ids", upto < last ? last - upto : 0);
    if (admin) {
        rc = rc ? rc : verso_mp_pack_cstr(pk, "store");
        rc = rc ? rc : s_pack_store(pk, srv, &st);
        rc = rc ? rc : s_pack_ops(pk, srv);
        rc = rc ? rc : s_pack_auth(pk, srv);
    }
    return rc ? VERSO_ENOMEM : VERSO_OK;
}
