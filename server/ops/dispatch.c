/* dispatch.c - request frame to reply frame; see dispatch.h. */
#include "dispatch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "ops.h"
#include "proto.h"
#include "tmfuzzy.h"

verso_err verso_op_thread_new(const verso_env *env, verso_op_thread **out)
{
    verso_op_thread *t = calloc(1, sizeof *t);
    verso_err err = t ? verso_segmenter_new(env->rules, &t->seg) : VERSO_ENOMEM;
    if (!err && !(t->fz = malloc(sizeof *t->fz)))
        err = VERSO_ENOMEM;
    if (!err && (err = verso_tmfuzzy_init(t->fz))) {
        free(t->fz);
        t->fz = NULL;
    }
    if (err)
        verso_op_thread_destroy(&t);
    *out = t;
    return err;
}

void verso_op_thread_destroy(verso_op_thread **tp)
{
    verso_op_thread *t = *tp;
    if (!t)
        return;
    verso_segmenter_destroy(&t->seg);
    if (t->fz)
        verso_tmfuzzy_fini(t->fz);
    free(t->fz);
    free(t);
    *tp = NULL;
}

static void s_count_request(verso_host *host)
{
    atomic_fetch_add_explicit(&host->stats.requests, 1, memory_order_relaxed);
}

static void s_count_error(verso_host *host)
{
    atomic_fetch_add_explicit(&host->stats.errors, 1, memory_order_relaxed);
}

void verso_dispatch_error(verso_host *host, verso_err code, const char *message, verso_buf *out)
{
    s_count_request(host);
    s_count_error(host);
    verso_proto_pack_err(out, NULL, code, message);
}

verso_err verso_dispatch_deny(verso_host *host, const verso_caller *who, const char *what,
                              verso_role need, verso_fault *f)
{
    atomic_fetch_add_explicit(&host->stats.denied, 1, memory_order_relaxed);
    if (who->role == VERSO_ROLE_NONE) {
        verso_log(VERSO_LOG_WARN, "auth: refused %s from %s: not on the allow-list (revoked?)",
                  what, who->name);
        return verso_fault_set(f, VERSO_EDENIED,
                               "this client's key is not (or no longer) on the allow-list");
    }
    verso_log(VERSO_LOG_WARN, "auth: refused %s from '%s': needs role %s, has %s", what, who->name,
              verso_role_name(need), verso_role_name(who->role));
    return verso_fault_set(f, VERSO_EDENIED, "%s needs the %s role; this client has %s", what,
                           verso_role_name(need), verso_role_name(who->role));
}

/* The request's deadline: from when the broker received it, the server's
 * request_timeout_ms, or the request's "timeout_ms" when shorter. */
static verso_err s_deadline(const verso_call *call, const verso_req *req, uint64_t *deadline,
                            uint64_t *ms, verso_fault *f)
{
    int64_t asked = INT64_MIN; /* untouched when absent */
    verso_err err = verso_req_int(req, "timeout_ms", false, &asked, f);
    if (err)
        return err;
    if (asked != INT64_MIN && asked <= 0)
        return verso_fault_set(f, VERSO_EBADREQ, "timeout_ms must be a positive number of ms");
    uint64_t server_ms = call->host->request_timeout_ms;
    *ms = server_ms ? server_ms : VERSO_REQUEST_TIMEOUT_MS;
    if (asked > 0 && (uint64_t)asked < *ms)
        *ms = (uint64_t)asked;
    uint64_t start = call->received_ns ? call->received_ns : verso_work_now_ns();
    *deadline = start + *ms * 1000000u;
    return VERSO_OK;
}

/* A handler stopped by its meter without saying how far it got. */
static void s_stopped(verso_fault *f, verso_err err, uint64_t ms, const verso_work *w)
{
    if (err == VERSO_ETIMEDOUT)
        verso_fault_set(f, err, "stopped at the deadline of %llu ms, after %llu units of work",
                        (unsigned long long)ms, (unsigned long long)verso_work_ops(w));
    else
        verso_fault_set(f, err,
                        "cancelled (client gone, or server stopping) after %llu units "
                        "of work",
                        (unsigned long long)verso_work_ops(w));
}

/* Runs op's handler (ctx set up for it; ms: its deadline), counts and times
 * it, and names an error the handler left unnamed. */
static verso_err s_call_op(const verso_op *op, verso_op_ctx *ctx, uint64_t ms)
{
    verso_host *host = ctx->call->host;
    verso_fault *f = ctx->fault;
    size_t nops;
    uint64_t t0 = verso_metrics_now_us();
    atomic_fetch_add_explicit(&host->stats.running, 1, memory_order_relaxed);
    verso_err err = op->fn(ctx);
    if (!err) /* a handler that did not ask its packer: half a result never goes out */
        err = verso_pack_err(ctx->res);
    atomic_fetch_sub_explicit(&host->stats.running, 1, memory_order_relaxed);
    if (err == VERSO_ENOMEM)
        verso_log(VERSO_LOG_ERROR, "op \"%s\": out of memory (%s)", op->name, f->message);
    if (err == VERSO_ETIMEDOUT || err == VERSO_ECANCELED)
        atomic_fetch_add_explicit(err == VERSO_ETIMEDOUT ? &host->stats.timed_out
                                                         : &host->stats.cancelled,
                                  1, memory_order_relaxed);
    if ((err == VERSO_ETIMEDOUT || err == VERSO_ECANCELED) && f->code != err)
        s_stopped(f, err, ms, ctx->work);
    else if (err && f->code != err)
        verso_fault_set(f, err, "%s", verso_strerror(err));
    verso_metrics_record(&host->metrics, (size_t)(op - verso_op_table(&nops)),
                         verso_metrics_now_us() - t0, err != VERSO_OK);
    return err;
}

/* Runs the handler into its own buffer, so that a failing handler's partial
 * result never reaches the wire. */
static verso_err s_run(verso_env *env, verso_op_thread *th, const verso_call *call,
                       const verso_req *req, msgpack_sbuffer *res, verso_fault *f)
{
    verso_host *host = call->host;
    const verso_caller *who = call->who;
    const verso_op *op = verso_op_find(req->op, req->op_len);
    if (!op)
        return verso_fault_set(f, VERSO_EBADOP, "unknown op \"%.*s\"",
                               (int)(req->op_len > 64 ? 64 : req->op_len), req->op);
    if (who->role < op->role) {
        char what[80];
        snprintf(what, sizeof what, "op \"%s\"", op->name);
        return verso_dispatch_deny(host, who, what, op->role, f);
    }
    if (atomic_load(&host->stopping))
        return verso_fault_set(f, VERSO_ESHUTDOWN, "server is shutting down; \"%s\" not run",
                               op->name);
    uint64_t deadline = 0, ms = 0;
    verso_err err = s_deadline(call, req, &deadline, &ms, f);
    if (err)
        return err;
    verso_work work;
    verso_work_init(&work, call->cancel, deadline);
    if (verso_work_check(&work) == VERSO_ETIMEDOUT) { /* it waited for a worker that long */
        atomic_fetch_add_explicit(&host->stats.timed_out, 1, memory_order_relaxed);
        return verso_fault_set(f, VERSO_ETIMEDOUT,
                               "\"%s\" not run: its deadline of %llu ms passed while it waited "
                               "for a worker",
                               op->name, (unsigned long long)ms);
    }
    verso_pack pk;
    verso_pack_init_sbuffer(&pk, res);
    verso_op_ctx ctx = {env, th, call, req, &pk, f, who, &work};
    return s_call_op(op, &ctx, ms);
}

void verso_dispatch_as(verso_env *env, verso_op_thread *th, const verso_call *call,
                       const void *body, size_t len, verso_buf *out)
{
    verso_host *host = call->host;
    s_count_request(host);
    if (len > host->max_message_bytes) {
        verso_fault f;
        verso_fault_set(&f, VERSO_ETOOBIG, "message of %zu bytes exceeds max_message_bytes %zu",
                        len, host->max_message_bytes);
        s_count_error(host);
        verso_proto_pack_err(out, NULL, f.code, f.message);
        return;
    }
    verso_req req;
    verso_fault f = {VERSO_OK, ""};
    msgpack_sbuffer res;
    msgpack_sbuffer_init(&res);
    verso_req_init(&req);
    verso_err err = verso_req_decode(&req, body, len, &f);
    if (!err)
        err = s_run(env, th, call, &req, &res, &f);
    if (err)
        s_count_error(host);
    size_t mark = out->len;
    verso_err perr = err ? verso_proto_pack_err(out, req.id, f.code, f.message)
                         : verso_proto_pack_ok(out, req.id, res.data, res.size);
    if (perr) { /* allocation failure while packing: a bare error still fits */
        out->len = mark;
        verso_proto_pack_err(out, NULL, VERSO_ENOMEM, "out of memory packing the reply");
    }
    msgpack_sbuffer_destroy(&res);
    verso_req_fini(&req);
}
