/* pending.c - the broker's queue of requests waiting for a worker; see
 * pending.h. */
#include "pending.h"

#include <stdlib.h>
#include <string.h>

verso_err verso_pending_init(verso_pending *p)
{
    p->n = 0;
    p->q = malloc(VERSO_PENDING_MAX * sizeof *p->q);
    return p->q ? VERSO_OK : VERSO_ENOMEM;
}

void verso_pending_req_free(verso_pending_req *r)
{
    if (!r)
        return;
    zmq_msg_close(&r->id);
    for (int i = 0; i < r->nparts; i++)
        zmq_msg_close(&r->part[i]);
    free(r);
}

void verso_pending_fini(verso_pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        verso_pending_req_free(p->q[i]);
    free(p->q);
    p->q = NULL;
    p->n = 0;
}

verso_err verso_pending_push(verso_pending *p, verso_pending_req *r)
{
    if (!p->q || verso_pending_full(p))
        return VERSO_ENOMEM;
    p->q[p->n++] = r;
    return VERSO_OK;
}

verso_pending_req *verso_pending_take(verso_pending *p, unsigned cap,
                                      unsigned (*running)(void *arg, const verso_pending_req *r),
                                      void *arg)
{
    for (size_t i = 0; i < p->n; i++) {
        verso_pending_req *r = p->q[i];
        if (running(arg, r) >= cap)
            continue;
        memmove(p->q + i, p->q + i + 1, (p->n - i - 1) * sizeof *p->q);
        p->n--;
        return r;
    }
    return NULL;
}

verso_pending_req *verso_pending_expired(verso_pending *p, uint64_t now, uint64_t *next)
{
    *next = UINT64_MAX;
    for (size_t i = 0; i < p->n; i++) {
        verso_pending_req *r = p->q[i];
        if (r->deadline_ns <= now) {
            memmove(p->q + i, p->q + i + 1, (p->n - i - 1) * sizeof *p->q);
            p->n--;
            return r;
        }
        if (r->deadline_ns < *next)
            *next = r->deadline_ns;
    }
    return NULL;
}
