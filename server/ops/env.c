/* env.c - loading what the ops work with, and the handler table over it;
 * see env.h. */
#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "log.h"
#include "ops.h"

/* An SRX set is named by its file name up to the first dot. */
static verso_err s_load_srx(verso_env *e, const char *path)
{
    const char *why = "", *base = strrchr(path, '/');
    char name[65];
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(name, sizeof name, "%.*s", (int)(n < 64 ? n : 64), base);
    for (unsigned j = 0; j < e->nsrx; j++)
        if (!strcmp(verso_srx_name(e->srx[j]), name)) {
            verso_log(VERSO_LOG_ERROR, "two SRX rule sets named %s (%s)", name, path);
            return VERSO_EINVAL;
        }
    verso_err err = verso_srx_load(path, name, &e->srx[e->nsrx], &why);
    if (err) {
        verso_log(VERSO_LOG_ERROR, "cannot load SRX rules from %s: %s", path, why);
        return err;
    }
    e->nsrx++;
    return VERSO_OK;
}

static verso_err s_load(verso_env *e, const verso_env_config *c)
{
    verso_err err = verso_seg_rules_load(c->rules_dir, &e->rules);
    if (err) {
        verso_log(VERSO_LOG_ERROR, "cannot load rules from %s: %s", c->rules_dir,
                  verso_strerror(err));
        return err;
    }
    for (unsigned k = 0; k < c->nsrx_files && k < VERSO_SRX_MAX_SETS; k++)
        if ((err = s_load_srx(e, c->srx_files[k])))
            return err;
    if ((err = verso_lexdir_load(c->dict_dir, &e->lexdir))) {
        verso_log(VERSO_LOG_ERROR, "cannot load word lists from %s: %s", c->dict_dir,
                  verso_strerror(err));
        return err;
    }
    err = verso_store_open(c->data_dir, &c->store, &e->store);
    if (!err)
        err = verso_indexer_prepare(e->store);
    if (err)
        verso_log(VERSO_LOG_ERROR, "cannot open store in %s: %s", c->data_dir, verso_strerror(err));
    return err;
}

verso_err verso_env_new(const verso_env_config *cfg, verso_env **out)
{
    verso_env *e = calloc(1, sizeof *e);
    if (!e) {
        *out = NULL;
        return VERSO_ENOMEM;
    }
    verso_indexer_init(&e->indexer);
    verso_err err = s_load(e, cfg);
    if (err)
        verso_env_destroy(&e);
    *out = e;
    return err;
}

void verso_env_destroy(verso_env **ep)
{
    verso_env *e = *ep;
    if (!e)
        return;
    verso_store_destroy(&e->store);
    verso_seg_rules_destroy(&e->rules);
    for (unsigned k = 0; k < e->nsrx; k++)
        verso_srx_destroy(&e->srx[k]);
    verso_lexdir_destroy(&e->lexdir);
    free(e);
    *ep = NULL;
}

/* ---- the handler table ------------------------------------------------- */

static verso_err s_thread_new(void *arg, void **state)
{
    verso_op_thread *t;
    verso_err err = verso_op_thread_new(arg, &t);
    *state = t;
    return err;
}

static void s_thread_destroy(void *arg, void **state)
{
    (void)arg;
    verso_op_thread *t = *state;
    verso_op_thread_destroy(&t);
    *state = NULL;
}

static void s_handle(void *arg, void *state, const verso_call *call, const void *body, size_t len,
                     verso_buf *out)
{
    verso_dispatch_as(arg, state, call, body, len, out);
}

static void s_refuse(void *arg, verso_host *host, verso_err code, const char *message,
                     verso_buf *out)
{
    (void)arg;
    verso_dispatch_error(host, code, message, out);
}

static verso_lane s_lane(void *arg, const char *op, size_t len)
{
    (void)arg;
    const verso_op *o = verso_op_find(op, len);
    return o ? o->lane : VERSO_LANE_WORK; /* an unknown op: a worker answers EBADOP */
}

verso_handler verso_env_handler(verso_env *env)
{
    return (verso_handler){env, s_thread_new, s_thread_destroy, s_handle, s_refuse, s_lane};
}
