/* writer.c - the writer thread and its inproc protocol; see writer.h.
 * Message from a connection: one frame holding a verso_store_job pointer
 * (NULL asks the writer to stop). Reply: the same pointer, once done. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "writer.h"

#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "log.h"
#include "tsan.h"
#include "work.h"

struct verso_writer {
    void *zctx;
    void *sock; /* ROUTER, used by the writer thread only once started */
    verso_store *store;
    verso_writer_idle_fn idle;
    void *idle_arg;
    pthread_t thread;
    int64_t trimmed_ms; /* the last malloc_trim (writer thread only) */
};

#define S_IDLE_FORCE    1    /* busy batches after which background work runs anyway */
#define S_TRIM_EVERY_MS 1000 /* memory given back at most this often */

typedef struct s_batch {
    zmq_msg_t peer[VERSO_WRITER_BATCH];
    verso_store_job *job[VERSO_WRITER_BATCH];
    verso_store_job copy[VERSO_WRITER_BATCH + 1]; /* + the background work riding along */
    size_t n;
    int stop;
} s_batch;

/* Receives one [peer][pointer] message into the batch. Returns 1 when a
 * message was added, 0 when none was waiting (flags ZMQ_DONTWAIT), -1 on a
 * transport error. */
static int s_recv_one(void *sock, s_batch *b, int flags)
{
    zmq_msg_t *peer = &b->peer[b->n];
    zmq_msg_init(peer);
    if (zmq_msg_recv(peer, sock, flags) < 0) {
        zmq_msg_close(peer);
        return zmq_errno() == EAGAIN ? 0 : -1;
    }
    verso_store_job *job = NULL;
    int more = zmq_msg_more(peer);
    if (more && zmq_recv(sock, &job, sizeof job, 0) != (int)sizeof job)
        job = NULL; /* malformed: inproc peers are ours, but fail closed */
    if (!job) {
        zmq_msg_close(peer);
        b->stop = 1;
        return 1;
    }
    VERSO_HANDOFF_RECV(job); /* the submitter's writes to *job and its data */
    b->job[b->n] = job;
    b->copy[b->n] = *job;
    b->n++;
    return 1;
}

static void s_reply_all(void *sock, s_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        b->job[i]->result = b->copy[i].result;
        VERSO_HANDOFF_SEND(b->job[i]); /* the job is the submitter's again */
        zmq_msg_send(&b->peer[i], sock, ZMQ_SNDMORE);
        zmq_send(sock, &b->job[i], sizeof b->job[i], 0);
        zmq_msg_close(&b->peer[i]);
    }
    b->n = 0;
}

typedef struct s_idle {
    verso_writer *w;
    int64_t quiet_ms;
    bool more;
} s_idle;

static verso_err s_idle_job(verso_txn *t, void *arg)
{
    s_idle *i = arg;
    return i->w->idle(t, i->w->idle_arg, i->quiet_ms, &i->more);
}

/* Once the background work is done (after a bulk import, its postings),
 * the memory the threads freed goes back to the system: glibc keeps it in
 * its arenas otherwise (on the 533,458 gettext pairs, 169 of versod's 348
 * MB of RSS were such pages; 59 MB after a trim). At most once a second. */
static void s_trim(verso_writer *w)
{
#ifdef __GLIBC__
    int64_t now = verso_now_ms();
    if (now - w->trimmed_ms < S_TRIM_EVERY_MS)
        return;
    w->trimmed_ms = now;
    malloc_trim(0);
#else
    (void)w;
#endif
}

/* Runs one piece of background work in its own transaction; *more: there
 * is more to do (false after an error, logged, so that it is not retried
 * in a loop; the next write batch tries again). */
static void s_idle_run(verso_writer *w, int64_t quiet_ms, bool *more)
{
    s_idle i = {w, quiet_ms, false};
    verso_store_job job = {s_idle_job, &i, VERSO_OK};
    verso_err err = verso_store_write(w->store, &job, 1);
    err = err ? err : job.result;
    if (err)
        verso_log(VERSO_LOG_ERROR, "writer: background work failed: %s", verso_err_symbol(err));
    *more = !err && i.more;
    if (!*more)
        s_trim(w);
}

/* Waits for the next job; while background work is pending, runs it every
 * VERSO_WRITER_QUIET_MS that no job comes, and sets *ride every
 * S_IDLE_FORCE batches while they keep coming (the batch takes a step of
 * it along, in its transaction: one commit for both). Returns
 * s_recv_one's. */
static int s_next(verso_writer *w, s_batch *b, bool *more, int *busy, bool *ride)
{
    int64_t quiet_ms = 0;
    *ride = false;
    while (w->idle && *more) {
        int got = s_recv_one(w->sock, b, ZMQ_DONTWAIT);
        if (got) {
            if (got > 0 && ++*busy >= S_IDLE_FORCE) {
                *busy = 0;
                *ride = true;
            }
            return got;
        }
        zmq_pollitem_t it = {w->sock, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&it, 1, VERSO_WRITER_QUIET_MS);
        if (rc < 0 && zmq_errno() != EINTR)
            return -1;
        if (rc == 0)
            s_idle_run(w, quiet_ms += VERSO_WRITER_QUIET_MS, more);
    }
    return s_recv_one(w->sock, b, 0);
}

static void *s_main(void *arg)
{
    verso_writer *w = arg;
    pthread_setname_np(pthread_self(), "verso-writer");
    s_batch *b = calloc(1, sizeof *b);
    bool more = true, ride; /* a previous run may have left work */
    int busy = 0;
    while (b && !b->stop) {
        if (s_next(w, b, &more, &busy, &ride) < 0)
            break;
        while (b->n < VERSO_WRITER_BATCH && s_recv_one(w->sock, b, ZMQ_DONTWAIT) > 0)
            ;
        s_idle i = {w, 0, false};
        if (ride && b->n) /* after the jobs: a failed step undoes itself, not them */
            b->copy[b->n] = (verso_store_job){s_idle_job, &i, VERSO_OK};
        if (b->n)
            verso_store_write(w->store, b->copy, b->n + (ride && b->n));
        if (ride && b->n && b->copy[b->n].result)
            verso_log(VERSO_LOG_ERROR, "writer: background work failed: %s",
                      verso_err_symbol(b->copy[b->n].result));
        more = more || b->n > 0; /* a batch written: its postings may be pending */
        s_reply_all(w->sock, b);
    }
    /* Stopping: jobs that still come are refused, never half-done. */
    while (b && s_recv_one(w->sock, b, ZMQ_DONTWAIT) > 0) {
        for (size_t i = 0; i < b->n; i++)
            b->copy[i].result = VERSO_ESHUTDOWN;
        s_reply_all(w->sock, b);
    }
    free(b);
    zmq_close(w->sock);
    return NULL;
}

verso_err verso_writer_new(void *zctx, verso_store *store, verso_writer_idle_fn idle,
                           void *idle_arg, verso_writer **out)
{
    verso_writer *w = calloc(1, sizeof *w);
    if (!w)
        return VERSO_ENOMEM;
    w->zctx = zctx;
    w->store = store;
    w->idle = idle;
    w->idle_arg = idle_arg;
    w->sock = zmq_socket(zctx, ZMQ_ROUTER);
    if (!w->sock || zmq_bind(w->sock, VERSO_WRITER_ENDPOINT) < 0)
        goto fail;
    if (pthread_create(&w->thread, NULL, s_main, w) != 0)
        goto fail;
    *out = w;
    return VERSO_OK;
fail:
    verso_log(VERSO_LOG_ERROR, "writer: %s", zmq_strerror(zmq_errno()));
    if (w->sock)
        zmq_close(w->sock);
    free(w);
    return VERSO_ETRANSPORT;
}

void verso_writer_destroy(verso_writer **wp)
{
    verso_writer *w = *wp;
    if (!w)
        return;
    void *conn = verso_writer_connect(w->zctx);
    verso_store_job *stop = NULL;
    if (conn) {
        zmq_send(conn, &stop, sizeof stop, 0);
        zmq_close(conn);
    }
    pthread_join(w->thread, NULL);
    free(w);
    *wp = NULL;
}

void verso_writer_disconnect(void **conn)
{
    if (*conn)
        zmq_close(*conn);
    *conn = NULL;
}

void *verso_writer_connect(void *zctx)
{
    void *conn = zmq_socket(zctx, ZMQ_DEALER);
    if (!conn)
        return NULL;
    int linger = 0;
    zmq_setsockopt(conn, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(conn, VERSO_WRITER_ENDPOINT) < 0) {
        zmq_close(conn);
        return NULL;
    }
    return conn;
}

verso_err verso_writer_submit(void *conn, verso_store_job *job)
{
    verso_store_job *back = NULL;
    VERSO_HANDOFF_SEND(job); /* the writer thread has the job until it replies */
    if (zmq_send(conn, &job, sizeof job, 0) != (int)sizeof job)
        return VERSO_ETRANSPORT;
    if (zmq_recv(conn, &back, sizeof back, 0) != (int)sizeof back || back != job)
        return VERSO_ETRANSPORT;
    VERSO_HANDOFF_RECV(job);
    return job->result;
}
