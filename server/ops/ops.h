/*
 * ops.h - the op table: each protocol op is a name and a handler (the redis
 * command-table idea). A new op is one handler function plus one table row
 * in ops.c (or in the file of its concept, declared here).
 */
#ifndef VERSO_OPS_H
#define VERSO_OPS_H

#include <msgpack.h>
#include <stddef.h>

#include "auth.h"
#include "dispatch.h"
#include "env.h"
#include "handler.h"
#include "pack.h"
#include "proto.h"
#include "segment.h"
#include "work.h"

/* What a handler sees. Everything is borrowed for the call only. */
typedef struct verso_op_ctx {
    verso_env *env;         /* the store, rules, word lists (env.h) */
    verso_op_thread *th;    /* this thread's segmenter and fuzzy matcher */
    const verso_call *call; /* from the broker: writer connection, counters (handler.h) */
    const verso_req *req;
    verso_pack *res;    /* pack exactly one object, the "res" map; it keeps its first failure */
    verso_fault *fault; /* fill it (verso_fault_set) when returning an error */
    const verso_caller *who; /* the client's role and name (auth.h) */
    verso_work *work;        /* the request's deadline, cancel flag and meter (work.h) */
} verso_op_ctx;

/* Returns VERSO_OK after packing the result, or an error (with ctx->fault
 * set); a result packed before an error is discarded. A handler whose
 * packing failed returns verso_pack_err(ctx->res) (ENOMEM). */
typedef verso_err (*verso_op_fn)(verso_op_ctx *ctx);

typedef struct verso_op {
    const char *name;
    verso_op_fn fn;
    verso_role role; /* the least role that may call it (a field may ask more) */
    verso_lane lane; /* which workers run it (handler.h) */
} verso_op;

/* Refuses `what` (e.g. "align with store") to a caller below `need`:
 * counts and logs the refusal, fills f with EDENIED and returns it
 * (dispatch.c). For an op's fields that need more than the op's role. */
verso_err verso_dispatch_deny(verso_host *host, const verso_caller *who, const char *what,
                              verso_role need, verso_fault *f);

/* How an op segments text, from its "rules" field (docs/PROTOCOL.md):
 * Verso's rule layer (absent, true or "verso"), plain ICU (false or
 * "none") or a loaded SRX rule set by name (srx). */
typedef struct verso_op_seg {
    const verso_srx *srx;
    bool icu_only;
} verso_op_seg;

/* Reads "rules" into *how (segment_op.c). Errors: EBADREQ (another type,
 * or a name no loaded rule set has: the message lists those loaded). */
verso_err verso_op_seg_parse(verso_op_ctx *ctx, verso_op_seg *how);

/* Segments text[0..len) for lang as how says, into out (segment.h). */
verso_err verso_op_seg_run(verso_op_ctx *ctx, const verso_op_seg *how, const char *lang,
                           const char *text, size_t len, verso_para_mode mode, verso_spans *out);

/* Handlers that live in the file of their concept. */
verso_err verso_op_segment(verso_op_ctx *ctx);
verso_err verso_op_tm_create(verso_op_ctx *ctx);
verso_err verso_op_tm_list(verso_op_ctx *ctx);
verso_err verso_op_tm_delete(verso_op_ctx *ctx);
verso_err verso_op_add(verso_op_ctx *ctx);
verso_err verso_op_get(verso_op_ctx *ctx);
verso_err verso_op_update(verso_op_ctx *ctx);
verso_err verso_op_export(verso_op_ctx *ctx);
verso_err verso_op_delete(verso_op_ctx *ctx);
verso_err verso_op_lookup(verso_op_ctx *ctx);
verso_err verso_op_align(verso_op_ctx *ctx);
verso_err verso_op_concordance(verso_op_ctx *ctx);
verso_err verso_op_backup(verso_op_ctx *ctx);

/* The op called name[0..len), or NULL. */
const verso_op *verso_op_find(const char *name, size_t len);

/* The whole table, for "hello". */
const verso_op *verso_op_table(size_t *count);

#endif
