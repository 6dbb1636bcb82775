/*
 * server.c - versod's broker: the ROUTER front socket, the pool of workers
 * behind it (load-balanced: a request goes only to an idle worker), the
 * writer, start-up (ready file) and clean shutdown. With CURVE on it also
 * runs the ZAP handler and stamps each request with its caller's role
 * (auth.h). Requests themselves are handled in dispatch.c; this file only
 * moves frames.
 */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "log.h"
#include "tm.h"
#include "tmfuzzy.h"
#include "worker.h"
#include "writer.h"

#define S_START_TIMEOUT_MS 10000
#define S_FRONT_LINGER_MS  2000 /* time given to queued replies at shutdown */

struct verso_server_impl {
    void *zctx;
    void *front; /* ROUTER, clients */
    void *back;  /* ROUTER, workers */
    verso_worker *workers;
    unsigned nworkers;
    unsigned *idle; /* stack of idle worker indices */
    unsigned nidle;
    verso_writer *writer;
    int sigpipe[2];     /* the signal handlers' wake-ups: 'x' stop, 'h' reload */
    void *zap;          /* REP, the ZAP handler (CURVE only) */
    verso_allow *allow; /* the current allow-list (CURVE only) */
    verso_keypair key;  /* the server's key pair (CURVE only) */
    verso_zap_counts zc;
    uint64_t post_ns;       /* the writer's last fuzzy-index posting took this long */
    uint64_t unposted_mark; /* stats.unposted_ns when it ran */
};

int64_t verso_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves every remaining part of the message on `from` to `to`. */
static int s_forward_rest(void *from, void *to)
{
    int more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, from, 0) < 0) {
            zmq_msg_close(&part);
            return -1;
        }
        more = zmq_msg_more(&part);
        if (zmq_msg_send(&part, to, more ? ZMQ_SNDMORE : 0) < 0)
            zmq_msg_close(&part); /* peer gone: the message is dropped */
    }
    return 0;
}

/* Reads a worker's routing id frame; returns its index or -1. */
static int s_worker_id(verso_server_impl *im, int *more)
{
    unsigned char id[8];
    int n = zmq_recv(im->back, id, sizeof id, 0);
    size_t sz = sizeof *more;
    zmq_getsockopt(im->back, ZMQ_RCVMORE, more, &sz);
    if (n != 2 || id[0] != 'w' || id[1] >= im->nworkers)
        return -1;
    return id[1];
}

/* A message from a worker: READY, or a reply to pass to the client. Either
 * way the worker is idle afterwards. */
static int s_from_worker(verso_server_impl *im)
{
    int more = 0;
    int w = s_worker_id(im, &more);
    if (w < 0) { /* not one of ours: discard the whole message */
        while (more) {
            size_t sz = sizeof more;
            zmq_recv(im->back, NULL, 0, 0);
            zmq_getsockopt(im->back, ZMQ_RCVMORE, &more, &sz);
        }
        return -1;
    }
    if (!more)
        return 0;
    zmq_msg_t first;
    zmq_msg_init(&first);
    if (zmq_msg_recv(&first, im->back, 0) < 0) {
        zmq_msg_close(&first);
        return -1;
    }
    if (zmq_msg_more(&first)) {
        if (zmq_msg_send(&first, im->front, ZMQ_SNDMORE) < 0)
            zmq_msg_close(&first);
        s_forward_rest(im->back, im->front);
    } else {
        zmq_msg_close(&first); /* "READY" */
    }
    im->idle[im->nidle++] = (unsigned)w;
    return 0;
}

/* Who sent `m`: without CURVE, the local admin; with it, the allow-list's
 * entry for the key the handshake proved (the User-Id the ZAP handler
 * gave), looked up again now so that a revocation counts at once. No
 * User-Id, or a key no longer listed: no role (fail closed). */
static void s_caller(verso_server *s, zmq_msg_t *m, verso_caller *who)
{
    verso_server_impl *im = s->impl;
    if (!s->curve) {
        *who = (verso_caller){.role = VERSO_ROLE_ADMIN, .name = "local"};
        return;
    }
    const char *uid = zmq_msg_gets(m, "User-Id");
    const verso_allow_entry *e = uid ? verso_allow_find(im->allow, uid) : NULL;
    if (!e) {
        who->role = VERSO_ROLE_NONE;
        snprintf(who->name, sizeof who->name, "key %.40s", uid ? uid : "(none)");
        return;
    }
    who->role = e->role;
    memcpy(who->name, e->name, sizeof who->name);
}

/* A client's message [id][body...]: to the most recently idle worker as
 * [worker][caller][id][body...], caller = role byte + name (worker.c). */
static int s_to_worker(verso_server *s)
{
    verso_server_impl *im = s->impl;
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&id, im->front, 0) < 0 || !zmq_msg_more(&id) ||
        zmq_msg_recv(&body, im->front, 0) < 0) {
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        return -1;
    }
    verso_caller who;
    s_caller(s, &body, &who);
    int more = zmq_msg_more(&body);
    unsigned w = im->idle[--im->nidle];
    unsigned char wid[2] = {'w', (unsigned char)w}, cb[1 + VERSO_NAME_MAX];
    cb[0] = (unsigned char)who.role;
    size_t nl = strlen(who.name);
    memcpy(cb + 1, who.name, nl);
    zmq_send(im->back, wid, sizeof wid, ZMQ_SNDMORE);
    zmq_send(im->back, cb, 1 + nl, ZMQ_SNDMORE);
    if (zmq_msg_send(&id, im->back, ZMQ_SNDMORE) < 0)
        zmq_msg_close(&id);
    if (zmq_msg_send(&body, im->back, more ? ZMQ_SNDMORE : 0) < 0)
        zmq_msg_close(&body);
    return more ? s_forward_rest(im->front, im->back) : 0;
}

static int s_front_pending(verso_server_impl *im)
{
    zmq_pollitem_t it = {im->front, 0, ZMQ_POLLIN, 0};
    return zmq_poll(&it, 1, 0) > 0;
}

/* Waits until every worker has said READY. */
static verso_err s_await_workers(verso_server_impl *im)
{
    int64_t deadline = verso_now_ms() + S_START_TIMEOUT_MS;
    while (im->nidle < im->nworkers) {
        zmq_pollitem_t it = {im->back, 0, ZMQ_POLLIN, 0};
        long left = (long)(deadline - verso_now_ms());
        if (left <= 0 || zmq_poll(&it, 1, left) <= 0)
            return VERSO_ETRANSPORT;
        if (s_from_worker(im) < 0)
            return VERSO_ETRANSPORT;
    }
    return VERSO_OK;
}

static verso_err s_start_workers(verso_server *s)
{
    verso_server_impl *im = s->impl;
    im->back = zmq_socket(im->zctx, ZMQ_ROUTER);
    int one = 1;
    if (!im->back || zmq_setsockopt(im->back, ZMQ_ROUTER_MANDATORY, &one, sizeof one) < 0 ||
        zmq_bind(im->back, VERSO_WORKER_ENDPOINT) < 0)
        return VERSO_ETRANSPORT;
    im->workers = calloc(s->cfg.threads, sizeof *im->workers);
    im->idle = calloc(s->cfg.threads, sizeof *im->idle);
    if (!im->workers || !im->idle)
        return VERSO_ENOMEM;
    for (unsigned i = 0; i < s->cfg.threads; i++) {
        im->workers[i] = (verso_worker){s, im->zctx, i, 0};
        if (verso_worker_start(&im->workers[i]))
            return VERSO_ENOMEM;
        im->nworkers++;
    }
    return s_await_workers(im);
}

/* CURVE server options, the ZAP handler bound first (libzmq asks it about
 * every handshake only when it is bound before the handshake starts). */
static verso_err s_front_curve(verso_server *s)
{
    verso_server_impl *im = s->impl;
    int one = 1;
    if (verso_zap_bind(im->zctx, &im->zap)) {
        verso_log(VERSO_LOG_ERROR, "cannot bind the ZAP handler: %s", zmq_strerror(zmq_errno()));
        return VERSO_ETRANSPORT;
    }
    if (zmq_setsockopt(im->front, ZMQ_CURVE_SERVER, &one, sizeof one) < 0 ||
        zmq_setsockopt(im->front, ZMQ_CURVE_SECRETKEY, im->key.secret_key, VERSO_KEY_LEN + 1) < 0 ||
        zmq_setsockopt(im->front, ZMQ_ZAP_DOMAIN, "verso", 5) < 0) {
        verso_log(VERSO_LOG_ERROR, "cannot enable CURVE: %s", zmq_strerror(zmq_errno()));
        return VERSO_ETRANSPORT;
    }
    explicit_bzero(im->key.secret_key, sizeof im->key.secret_key); /* libzmq has its copy */
    return VERSO_OK;
}

static verso_err s_bind_front(verso_server *s)
{
    verso_server_impl *im = s->impl;
    int64_t hard = (int64_t)VERSO_HARD_LIMIT(s->cfg.max_message_bytes);
    int hwm = 1000, linger = S_FRONT_LINGER_MS;
    im->front = zmq_socket(im->zctx, ZMQ_ROUTER);
    if (!im->front)
        return VERSO_ETRANSPORT;
    zmq_setsockopt(im->front, ZMQ_MAXMSGSIZE, &hard, sizeof hard);
    zmq_setsockopt(im->front, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(im->front, ZMQ_LINGER, &linger, sizeof linger);
    if (s->curve && s_front_curve(s))
        return VERSO_ETRANSPORT;
    if (zmq_bind(im->front, s->cfg.bind) < 0) {
        verso_log(VERSO_LOG_ERROR, "cannot bind %s: %s", s->cfg.bind, zmq_strerror(zmq_errno()));
        return VERSO_ETRANSPORT;
    }
    size_t len = sizeof s->endpoint;
    zmq_getsockopt(im->front, ZMQ_LAST_ENDPOINT, s->endpoint, &len);
    return VERSO_OK;
}

/* Writes the bound endpoint to the ready file atomically (tmp + rename), so
 * that a reader never sees half a line. */
static verso_err s_write_ready(verso_server *s)
{
    const char *path = s->cfg.ready_file;
    if (!path)
        return VERSO_OK;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
        return VERSO_EINVAL;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return VERSO_EIO;
    int bad = fprintf(f, "%s\n", s->endpoint) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return VERSO_EIO;
    }
    return VERSO_OK;
}

static verso_err s_tm_init_job(verso_txn *t, void *arg)
{
    verso_store *store = arg;
    verso_err err = verso_tm_init(t);
    if (err || verso_store_schema(store) == VERSO_SCHEMA_VERSION)
        return err;
    verso_log(VERSO_LOG_INFO, "upgrading the store from schema %u to %d: re-indexing entries",
              verso_store_schema(store), VERSO_SCHEMA_VERSION);
    return verso_tm_upgrade(t);
}

/* Creates the "default" TM if the store has none, and brings a store of an
 * older schema up to date (before any thread runs). */
static verso_err s_tm_init(verso_store *store)
{
    verso_store_job job = {s_tm_init_job, store, VERSO_OK};
    verso_err err = verso_store_write(store, &job, 1);
    err = err ? err : job.result;
    if (!err)
        verso_store_upgrade_done(store); /* a no-op for a current store */
    return err;
}

#define S_POST_MIN ((uint64_t)1 << 16) /* work left undone while writes keep coming */
#define S_SMALL    4096                /* pending work done after a short quiet */
#define S_LONG_MS  1000                /* a long quiet: everything is done */

/* Whether `pending` items of deferred index work should be done now. While
 * writes keep coming (or pause briefly, as between the requests of a bulk
 * import), only once they are S_POST_MIN and `enough`; a little of it
 * (interactive adds) after VERSO_WRITER_QUIET_MS without writes, and all of
 * it after S_LONG_MS. */
static bool s_due(int64_t quiet_ms, uint64_t pending, uint64_t enough)
{
    if (!pending)
        return false;
    if (quiet_ms >= S_LONG_MS || (quiet_ms > 0 && pending <= S_SMALL))
        return true;
    return pending >= S_POST_MIN && pending >= enough;
}

/* Whether lookups have spent more time reading the entries not posted yet
 * (each lookup reads them all) than the last posting took: then posting now
 * is worth its cost even while writes keep coming (the rent-or-buy rule; a
 * bulk import with no lookups meanwhile is left to s_due). */
static bool s_lookups_pay(verso_server *s, uint64_t pending)
{
    uint64_t spent = atomic_load(&s->stats.unposted_ns) - s->impl->unposted_mark;
    return pending > 0 && spent > 0 && spent >= s->impl->post_ns;
}

/* The writer's background work: posting the fuzzy index (tmfuzzy.h), then
 * merging the recent match records (tm.h), one transaction a call. Each
 * dirties pages all over its index, so fewer, bigger steps cost less in all
 * (s_due); reads meanwhile also look at what is not merged or posted. */
static verso_err s_index_step(verso_txn *t, void *arg, int64_t quiet_ms, bool *more)
{
    uint64_t upto, last, recent, merged;
    verso_server *s = arg;
    verso_err err = verso_tmfuzzy_upto(t, &upto);
    err = err ? err : verso_tm_last_id(t, &last);
    err = err ? err : verso_store_count(t, VERSO_DB_MATCH_RECENT, &recent);
    err = err ? err : verso_store_count(t, VERSO_DB_MATCH, &merged);
    if (err)
        return err;
    uint64_t pending = last > upto ? last - upto : 0;
    bool post_more = pending > 0;
    int64_t t0 = verso_now_ms();
    /* postings: as many pending as posted, or as soon as lookups pay for them */
    if (s_due(quiet_ms, pending, upto) || s_lookups_pay(s, pending)) {
        uint64_t mark = atomic_load(&s->stats.unposted_ns), n0 = verso_metrics_now_us();
        err = verso_tmfuzzy_step(t, (size_t)1 << 20, &post_more);
        err = err ? err : verso_tmfuzzy_upto(t, &upto);
        s->impl->post_ns = (verso_metrics_now_us() - n0) * 1000;
        s->impl->unposted_mark = mark;
        verso_log(VERSO_LOG_DEBUG, "fuzzy index: posted up to %llu of %llu entries in %lld ms",
                  (unsigned long long)upto, (unsigned long long)last,
                  (long long)(verso_now_ms() - t0));
    }
    if (!err && s_due(quiet_ms, recent, merged / 4)) { /* recent: a quarter of merged */
        t0 = verso_now_ms();
        err = verso_tm_merge_recent(t);
        verso_log(VERSO_LOG_DEBUG, "match index: merged %llu recent records into %llu in %lld ms",
                  (unsigned long long)recent, (unsigned long long)merged,
                  (long long)(verso_now_ms() - t0));
        recent = 0;
    }
    *more = post_more || recent > 0;
    return err;
}

/* Loads the server's key pair and the allow-list, or, without keys, checks
 * that the endpoint is local (or that --insecure says otherwise). */
static verso_err s_auth_init(verso_server *s)
{
    verso_server_impl *im = s->impl;
    const verso_server_config *c = &s->cfg;
    char why[256];
    if (!c->curve_secret) {
        if (c->allow_file) {
            verso_log(VERSO_LOG_ERROR, "an allow-list needs CURVE: give the server's key too");
            return VERSO_EINVAL;
        }
        if (verso_endpoint_is_local(c->bind)) {
            verso_log(VERSO_LOG_INFO,
                      "no CURVE keys: serving this machine only (%s), every "
                      "client with every right",
                      c->bind);
            return VERSO_OK;
        }
        if (!c->insecure) {
            verso_log(VERSO_LOG_ERROR,
                      "refusing to serve %s without CURVE: anyone on the network "
                      "could read and change the TM; give a key pair and an allow-list, or "
                      "--insecure",
                      c->bind);
            return VERSO_EDENIED;
        }
        verso_log(VERSO_LOG_WARN, "--insecure: serving %s without authentication or encryption",
                  c->bind);
        return VERSO_OK;
    }
    verso_err err = verso_keyfile_read_pair(c->curve_secret, &im->key, why);
    if (!err && !c->allow_file) {
        snprintf(why, sizeof why, "CURVE needs an allow-list of client keys");
        err = VERSO_EINVAL;
    }
    if (!err)
        err = verso_allow_load(c->allow_file, &im->allow, why);
    if (err) {
        verso_log(VERSO_LOG_ERROR, "%s", why);
        return err;
    }
    s->curve = 1;
    atomic_store(&s->stats.clients, verso_allow_count(im->allow));
    verso_log(VERSO_LOG_INFO, "CURVE on: server key %s, %zu client key(s) allowed",
              im->key.public_key, verso_allow_count(im->allow));
    return VERSO_OK;
}

/* SIGHUP: the new list replaces the old one only when it reads cleanly. */
static void s_reload(verso_server *s)
{
    verso_server_impl *im = s->impl;
    if (!s->curve) {
        verso_log(VERSO_LOG_INFO, "SIGHUP: no allow-list to reload (CURVE is off)");
        return;
    }
    char why[256];
    verso_allow *next;
    verso_err err = verso_allow_load(s->cfg.allow_file, &next, why);
    if (err) {
        atomic_fetch_add(&s->stats.reload_errors, 1);
        verso_log(VERSO_LOG_ERROR, "SIGHUP: allow-list not reloaded, the old one stays: %s", why);
        return;
    }
    verso_allow_destroy(&im->allow);
    im->allow = next;
    atomic_store(&s->stats.clients, verso_allow_count(next));
    atomic_fetch_add(&s->stats.reloads, 1);
    verso_log(VERSO_LOG_INFO, "SIGHUP: allow-list reloaded, %zu client key(s)",
              verso_allow_count(next));
}

static verso_err s_start(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_err err = s_auth_init(s);
    if (err)
        return err;
    err = verso_seg_rules_load(s->cfg.rules_dir, &s->rules);
    if (err) {
        verso_log(VERSO_LOG_ERROR, "cannot load rules from %s: %s", s->cfg.rules_dir,
                  verso_strerror(err));
        return err;
    }
    err = verso_lexdir_load(s->cfg.dict_dir, &s->lexdir);
    if (err) {
        verso_log(VERSO_LOG_ERROR, "cannot load word lists from %s: %s", s->cfg.dict_dir,
                  verso_strerror(err));
        return err;
    }
    err = verso_store_open(s->cfg.data_dir, &s->cfg.store, &s->store);
    if (!err)
        err = s_tm_init(s->store);
    if (err) {
        verso_log(VERSO_LOG_ERROR, "cannot open store in %s: %s", s->cfg.data_dir,
                  verso_strerror(err));
        return err;
    }
    /* Set before any thread starts: workers read them (stats) with no other
     * ordering than libzmq's, which ThreadSanitizer cannot see. */
    s->started = time(NULL);
    s->started_ms = verso_now_ms();
    if (!(im->zctx = zmq_ctx_new()) || pipe2(im->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return VERSO_ETRANSPORT;
    if ((err = verso_writer_new(im->zctx, s->store, s_index_step, s, &im->writer)))
        return err;
    if ((err = s_start_workers(s)))
        return err;
    if ((err = s_bind_front(s)))
        return err;
    return s_write_ready(s);
}

verso_err verso_server_new(const verso_server_config *cfg, verso_server **out)
{
    if (!cfg->bind || !cfg->data_dir || !cfg->rules_dir || cfg->threads < 1 || cfg->threads > 250 ||
        cfg->max_message_bytes < 1024)
        return VERSO_EINVAL;
    verso_server *s = calloc(1, sizeof *s);
    if (!s || !(s->impl = calloc(1, sizeof *s->impl))) {
        free(s);
        return VERSO_ENOMEM;
    }
    s->cfg = *cfg;
    if (!s->cfg.request_timeout_ms)
        s->cfg.request_timeout_ms = VERSO_REQUEST_TIMEOUT_MS;
    if (!s->cfg.stop_grace_ms)
        s->cfg.stop_grace_ms = VERSO_STOP_GRACE_MS;
    s->impl->sigpipe[0] = s->impl->sigpipe[1] = -1;
    verso_err err = s_start(s);
    if (err) {
        verso_server_request_stop(s);
        verso_server_destroy(&s);
    }
    *out = s;
    return err;
}

/* Tells every worker to exit (each finishes its current request first) and
 * joins them. */
static void s_stop_workers(verso_server_impl *im)
{
    for (unsigned i = 0; i < im->nworkers; i++) {
        unsigned char id[2] = {'w', (unsigned char)i};
        zmq_send(im->back, id, sizeof id, ZMQ_SNDMORE);
        zmq_send(im->back, "STOP", 4, 0);
    }
    for (unsigned i = 0; i < im->nworkers; i++)
        verso_worker_join(&im->workers[i]);
    im->nworkers = 0;
}

/* After a stop request: every worker idle and nothing left queued. */
static int s_drained(verso_server *s)
{
    verso_server_impl *im = s->impl;
    return im->nidle == im->nworkers && !s_front_pending(im);
}

/* The signal handlers' bytes: 'h' reloads the allow-list, anything else
 * stops the server. */
static void s_signals(verso_server *s, int *logged_stop)
{
    char buf[16];
    ssize_t n;
    int reload = 0, stop = 0;
    while ((n = read(s->impl->sigpipe[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            buf[i] == 'h' ? (reload = 1) : (stop = 1);
    if (reload)
        s_reload(s);
    if (stop) {
        atomic_store(&s->stopping, 1);
        if (!(*logged_stop)++)
            verso_log(VERSO_LOG_INFO, "stopping: finishing in-flight requests");
    }
}

/* One handshake question from libzmq: answered from the current list. */
static void s_zap(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_zap_handle(im->zap, im->allow, &im->zc);
    atomic_store(&s->stats.hs_accepted, im->zc.accepted);
    atomic_store(&s->stats.hs_refused, im->zc.refused);
}

verso_err verso_server_run(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_log(VERSO_LOG_INFO, "versod listening on %s, data in %s, %u worker(s)", s->endpoint,
              s->cfg.data_dir, im->nworkers);
    int logged_stop = 0;
    for (;;) {
        if (atomic_load(&s->stopping) && s_drained(s))
            break;
        /* The ZAP socket is a placeholder (NULL socket, fd -1) without CURVE. */
        zmq_pollitem_t it[4] = {{im->back, 0, ZMQ_POLLIN, 0},
                                {NULL, im->sigpipe[0], ZMQ_POLLIN, 0},
                                {im->zap, -1, im->zap ? ZMQ_POLLIN : 0, 0},
                                {im->front, 0, ZMQ_POLLIN, 0}};
        int n = im->nidle > 0 ? 4 : 3; /* no idle worker: leave requests queued */
        if (zmq_poll(it, n, -1) < 0) {
            if (zmq_errno() == EINTR || zmq_errno() == EAGAIN)
                continue;
            verso_log(VERSO_LOG_ERROR, "poll: %s", zmq_strerror(zmq_errno()));
            atomic_store(&s->stopping, 1);
            break;
        }
        if (it[1].revents & ZMQ_POLLIN)
            s_signals(s, &logged_stop);
        if (it[2].revents & ZMQ_POLLIN)
            s_zap(s);
        if (it[0].revents & ZMQ_POLLIN)
            s_from_worker(im);
        if (n == 4 && (it[3].revents & ZMQ_POLLIN) && im->nidle > 0)
            s_to_worker(s);
    }
    s_stop_workers(im);
    verso_log(VERSO_LOG_INFO, "stopped after %llu request(s)",
              (unsigned long long)atomic_load(&s->stats.requests));
    return VERSO_OK;
}

/* Wakes the broker with one byte. Async-signal-safe. */
static void s_wake(verso_server *s, const char *byte)
{
    int saved = errno;
    if (s->impl->sigpipe[1] >= 0) {
        ssize_t rc = write(s->impl->sigpipe[1], byte, 1);
        (void)rc; /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

void verso_server_request_stop(verso_server *s)
{
    atomic_store(&s->stopping, 1);
    s_wake(s, "x");
}

void verso_server_request_reload(verso_server *s)
{
    s_wake(s, "h");
}

void verso_server_destroy(verso_server **sp)
{
    verso_server *s = *sp;
    if (!s)
        return;
    verso_server_impl *im = s->impl;
    s_stop_workers(im);                /* when it never ran */
    verso_writer_destroy(&im->writer); /* after the workers: their writes are done */
    if (im->front)
        zmq_close(im->front);
    if (im->back)
        zmq_close(im->back);
    if (im->zap)
        zmq_close(im->zap);
    verso_allow_destroy(&im->allow);
    if (im->zctx)
        zmq_ctx_term(im->zctx);
    verso_store_destroy(&s->store);
    verso_seg_rules_destroy(&s->rules);
    verso_lexdir_destroy(&s->lexdir);
    if (s->cfg.ready_file && s->endpoint[0])
        unlink(s->cfg.ready_file);
    for (int i = 0; i < 2; i++)
        if (im->sigpipe[i] >= 0)
            close(im->sigpipe[i]);
    free(im->workers);
    free(im->idle);
    free(im);
    free(s);
    *sp = NULL;
}
