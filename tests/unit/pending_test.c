/*
 * pending_test.c - the broker's request queue (pending.h): first in, first
 * out, except that a request whose client already runs `cap` requests is
 * overtaken; requests whose deadline passed come out first of all, in
 * queue order; the queue frees what it holds.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pending.h"

/* A request from client "c<k>" with deadline d (frames: the id, a body). */
static verso_pending_req *s_req(int client, uint64_t deadline)
{
    verso_pending_req *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    char id[8];
    int n = snprintf(id, sizeof id, "c%d", client);
    zmq_msg_init_size(&r->id, (size_t)n);
    memcpy(zmq_msg_data(&r->id), id, (size_t)n);
    zmq_msg_init_size(&r->part[0], 4);
    memcpy(zmq_msg_data(&r->part[0]), "body", 4);
    r->nparts = 1;
    r->deadline_ns = deadline;
    r->fd = -1;
    return r;
}

static int s_client(const verso_pending_req *r)
{
    return atoi((const char *)zmq_msg_data((zmq_msg_t *)&r->id) + 1);
}

/* running[k]: requests client k runs now. */
static unsigned s_running(void *arg, const verso_pending_req *r)
{
    const unsigned *running = arg;
    return running[s_client(r)];
}

static void test_fifo_and_cap(void)
{
    verso_pending p;
    CHECK_INT(verso_pending_init(&p), VERSO_OK);
    /* client 1's bulk of three, then one request of client 2 */
    for (int i = 0; i < 3; i++)
        CHECK_INT(verso_pending_push(&p, s_req(1, 1000)), VERSO_OK);
    CHECK_INT(verso_pending_push(&p, s_req(2, 1000)), VERSO_OK);
    unsigned running[3] = {0, 0, 0};
    verso_pending_req *r = verso_pending_take(&p, 1, s_running, running);
    CHECK(r && s_client(r) == 1); /* the oldest first */
    running[1]++;
    verso_pending_req_free(r);
    r = verso_pending_take(&p, 1, s_running, running);
    CHECK(r && s_client(r) == 2); /* client 1 at its cap: client 2 overtakes */
    running[2]++;
    verso_pending_req_free(r);
    CHECK(verso_pending_take(&p, 1, s_running, running) == NULL); /* both at their cap */
    running[1] = 0;
    r = verso_pending_take(&p, 1, s_running, running);
    CHECK(r && s_client(r) == 1 && p.n == 1);
    verso_pending_req_free(r);
    verso_pending_fini(&p); /* frees the one left */
    CHECK(p.q == NULL && p.n == 0);
}

static void test_expired(void)
{
    verso_pending p;
    CHECK_INT(verso_pending_init(&p), VERSO_OK);
    verso_pending_push(&p, s_req(1, 500));
    verso_pending_push(&p, s_req(2, 100));
    verso_pending_push(&p, s_req(3, 300));
    uint64_t next;
    CHECK(verso_pending_expired(&p, 50, &next) == NULL && next == 100);
    verso_pending_req *r = verso_pending_expired(&p, 300, &next);
    CHECK(r && s_client(r) == 2); /* queue order among the expired */
    verso_pending_req_free(r);
    r = verso_pending_expired(&p, 300, &next);
    CHECK(r && s_client(r) == 3);
    verso_pending_req_free(r);
    CHECK(verso_pending_expired(&p, 300, &next) == NULL && next == 500 && p.n == 1);
    verso_pending_fini(&p);
}

static void test_full(void)
{
    verso_pending p;
    CHECK_INT(verso_pending_init(&p), VERSO_OK);
    for (int i = 0; i < VERSO_PENDING_MAX; i++)
        CHECK_INT(verso_pending_push(&p, s_req(0, 1)), VERSO_OK);
    CHECK(verso_pending_full(&p));
    verso_pending_req *r = s_req(0, 1);
    CHECK_INT(verso_pending_push(&p, r), VERSO_ENOMEM); /* still the caller's */
    verso_pending_req_free(r);
    verso_pending_fini(&p);
}

int main(void)
{
    RUN(test_fifo_and_cap);
    RUN(test_expired);
    RUN(test_full);
    return t_report();
}
