/* writer_test.c - the writer thread: concurrent submitters, group commit,
 * every acknowledged job durable, refusal after stop. */
#include <pthread.h>
#include <zmq.h>

#include "harness.h"
#include "writer.h"

#define S_THREADS 4
#define S_JOBS    250

typedef struct s_ctx {
    void *zctx;
    int thread;
    int acked;
} s_ctx;

typedef struct s_put {
    char key[32];
} s_put;

static verso_err s_put_job(verso_txn *t, void *arg)
{
    s_put *p = arg;
    return verso_store_meta_put(t, p->key, "v", 1);
}

static void *s_submitter(void *arg)
{
    s_ctx *c = arg;
    void *conn = verso_writer_connect(c->zctx);
    for (int i = 0; conn && i < S_JOBS; i++) {
        s_put p;
        snprintf(p.key, sizeof p.key, "t%d-%d", c->thread, i);
        verso_store_job job = {s_put_job, &p, VERSO_EINTERNAL};
        if (verso_writer_submit(conn, &job) == VERSO_OK)
            c->acked++;
    }
    if (conn)
        zmq_close(conn);
    return NULL;
}

static void test_concurrent_submitters(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    verso_store *s;
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_OK);
    void *zctx = zmq_ctx_new();
    verso_writer *w;
    CHECK_INT(verso_writer_new(zctx, s, NULL, NULL, &w), VERSO_OK);
    pthread_t th[S_THREADS];
    s_ctx ctx[S_THREADS];
    for (int i = 0; i < S_THREADS; i++) {
        ctx[i] = (s_ctx){zctx, i, 0};
        pthread_create(&th[i], NULL, s_submitter, &ctx[i]);
    }
    for (int i = 0; i < S_THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(ctx[i].acked, S_JOBS);
    }
    verso_store_stats st;
    verso_store_stat(s, &st);
    /* Group commit: fewer transactions than jobs is allowed, never more
     * (+1 for the schema transaction). */
    CHECK(st.last_txn <= S_THREADS * S_JOBS + 1);
    verso_writer_destroy(&w);
    CHECK(w == NULL);
    zmq_ctx_term(zctx);
    verso_store_destroy(&s);
    /* Reopen: every acknowledged job is there. */
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_OK);
    verso_txn *t;
    verso_buf v;
    verso_buf_init(&v, 64);
    CHECK_INT(verso_store_read_begin(s, &t), VERSO_OK);
    int found = 0;
    for (int th_i = 0; th_i < S_THREADS; th_i++)
        for (int i = 0; i < S_JOBS; i++) {
            char key[32];
            snprintf(key, sizeof key, "t%d-%d", th_i, i);
            found += verso_store_meta_get(t, key, &v) == VERSO_OK;
        }
    CHECK_INT(found, S_THREADS * S_JOBS);
    verso_store_read_end(&t);
    verso_buf_fini(&v);
    verso_store_destroy(&s);
    t_rmtree(dir);
}

/* ---- background work --------------------------------------------------- */

typedef struct s_bg {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t calls[64];
    int ncalls, rounds;
} s_bg;

/* Work that finishes only after 100 ms without jobs, recording each call. */
static verso_err s_bg_fn(verso_txn *t, void *arg, int64_t quiet_ms, bool *more)
{
    (void)t;
    s_bg *b = arg;
    pthread_mutex_lock(&b->mu);
    if (b->ncalls < 64)
        b->calls[b->ncalls++] = quiet_ms;
    *more = quiet_ms < 100;
    b->rounds += !*more;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return VERSO_OK;
}

/* Waits (bounded) until the work has finished `rounds` times. */
static int s_bg_wait(s_bg *b, int rounds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&b->mu);
    int rc = 0;
    while (b->rounds < rounds && rc == 0)
        rc = pthread_cond_timedwait(&b->cv, &b->mu, &until);
    int ok = b->rounds >= rounds;
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* The writer calls its background work while it reports more: every
 * VERSO_WRITER_QUIET_MS without jobs, with the quiet time so far (and with
 * 0 between batches while jobs keep waiting), not again once it is done. */
static void test_background_work(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    verso_store *s;
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_OK);
    void *zctx = zmq_ctx_new();
    s_bg b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};
    verso_writer *w;
    CHECK_INT(verso_writer_new(zctx, s, s_bg_fn, &b, &w), VERSO_OK);
    CHECK(s_bg_wait(&b, 1)); /* at start: work may be left from a previous run */
    pthread_mutex_lock(&b.mu);
    int first = b.ncalls;
    pthread_mutex_unlock(&b.mu);
    void *conn = verso_writer_connect(zctx);
    s_put p = {"bg"};
    verso_store_job job = {s_put_job, &p, VERSO_EINTERNAL};
    CHECK_INT(verso_writer_submit(conn, &job), VERSO_OK);
    CHECK(s_bg_wait(&b, 2));
    pthread_mutex_lock(&b.mu);
    CHECK_INT(b.ncalls - first, 5); /* 20, 40, 60, 80, 100 after a lone job */
    for (int i = first; i < b.ncalls; i++)
        CHECK_INT(b.calls[i], (int64_t)(i - first + 1) * VERSO_WRITER_QUIET_MS);
    pthread_mutex_unlock(&b.mu);
    zmq_close(conn);
    verso_writer_destroy(&w);
    CHECK_INT(b.rounds, 2); /* done: not called again */
    zmq_ctx_term(zctx);
    verso_store_destroy(&s);
    t_rmtree(dir);
}

int main(void)
{
    RUN(test_concurrent_submitters);
    RUN(test_background_work);
    return t_report();
}
