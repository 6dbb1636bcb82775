/*
 * backup_op.c - the backup op: a compact, consistent copy of the whole store
 * (every TM) into a directory on the server's machine, taken from one read
 * snapshot while the server goes on serving (verso_store_backup).
 */
#include <limits.h>
#include <string.h>

#include "ops.h"
#include "server.h"
#include "store.h"

/* {"path": absolute directory} -> {"path", "bytes", "ms"} */
verso_err verso_op_backup(verso_op_ctx *ctx)
{
    const char *p = NULL;
    size_t n = 0;
    char path[PATH_MAX];
    verso_err err = verso_req_str(ctx->req, "path", true, &p, &n, ctx->fault);
    if (err)
        return err;
    if (n == 0 || n >= sizeof path - 32 || p[0] != '/' || memchr(p, '\0', n))
        return verso_fault_set(ctx->fault, VERSO_EBADREQ,
                               "\"path\" must be an absolute directory path of at most %d bytes",
                               (int)sizeof path - 32);
    memcpy(path, p, n);
    path[n] = '\0';
    uint64_t bytes = 0;
    int64_t t0 = verso_now_ms();
    err = verso_store_backup(ctx->env->store, path, &bytes);
    switch (err) {
    case VERSO_OK: break;
    case VERSO_EEXIST:
        return verso_fault_set(ctx->fault, err, "%s/data.mdb exists: back up into a new directory",
                               path);
    case VERSO_ENOTFOUND:
        return verso_fault_set(ctx->fault, err, "the parent directory of %s does not exist", path);
    case VERSO_ELOCKED:
        return verso_fault_set(ctx->fault, err,
                               "%s/data.mdb.partial exists: a backup into it is running, or was "
                               "interrupted (then remove the file)",
                               path);
    case VERSO_EDENIED:
        return verso_fault_set(ctx->fault, err,
                               "%s is not a directory of the server's user that only it may write",
                               path);
    default:
        return verso_fault_set(ctx->fault, err, "backing up into %s: %s", path,
                               verso_strerror(err));
    }
    verso_pack *pk = ctx->res;
    verso_pack_map(pk, 3);
    verso_pack_kv_str(pk, "path", path);
    verso_pack_kv_uint(pk, "bytes", bytes);
    verso_pack_kv_int(pk, "ms", verso_now_ms() - t0);
    return verso_pack_err(pk);
}
