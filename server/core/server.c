/*
 * server.c - versod's broker: the ROUTER front socket, the pool of workers
 * behind it, the writer, start-up (ready file) and clean shutdown. With
 * CURVE on it also runs the ZAP handler and stamps each request with its
 * caller's role (auth.h). Requests themselves are handled in dispatch.c;
 * this file moves frames and looks inside none but small ones:
 * - control requests (ping, hello, stats; peek.h) go straight to a worker
 *   of their own, so that they never wait behind work;
 * - other requests go to one of two lanes (handler.h), by their op: work
 *   (threads workers) or writes (write_threads workers, which mostly wait
 *   for the writer's commit, so that a lookup never waits behind an add).
 *   In each lane they wait in the broker's queue (pending.h) until one of
 *   its workers is idle and their client runs fewer than the lane's
 *   workers - 1 of them there;
 * - the front socket's monitor reports connections that went away: a
 *   request of theirs running is cancelled, one queued is dropped;
 * - at a stop, in-flight requests have stop_grace_ms to finish, then are
 *   cancelled.
 */
#define _GNU_SOURCE
#include "server.h"
#include "server_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "be.h"
#include "log.h"
#include "peek.h"
#include "pending.h"
#include "work.h"
#include "worker.h"
#include "writer.h"

#define S_START_TIMEOUT_MS 10000
#define S_MONITOR_ENDPOINT "inproc://verso-front-events"
#define S_CONTROL_MAX      256 /* requests given to the control worker and not answered yet */

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

/* The lane of worker w (not the control worker). */
static unsigned s_lane_of(const verso_server_impl *im, unsigned w)
{
    return w >= im->lane[VERSO_LANE_WRITE].first && im->lane[VERSO_LANE_WRITE].n ? VERSO_LANE_WRITE
                                                                                 : VERSO_LANE_WORK;
}

/* Requests waiting in every lane. */
static size_t s_queued(const verso_server_impl *im)
{
    size_t n = 0;
    for (unsigned i = 0; i < VERSO_SERVER_LANES; i++)
        n += im->lane[i].pending.n;
    return n;
}

/* A message from a worker: READY, or a reply to pass to the client. Either
 * way a worker for work is idle afterwards (the control worker is never
 * on the idle stack: it takes its requests as they come). */
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
    bool reply = zmq_msg_more(&first);
    if (reply) {
        if (zmq_msg_send(&first, im->front, ZMQ_SNDMORE) < 0)
            zmq_msg_close(&first);
        s_forward_rest(im->back, im->front);
    } else {
        zmq_msg_close(&first); /* "READY" */
        im->ready++;
    }
    if ((unsigned)w != im->control) {
        verso_server_lane *l = &im->lane[s_lane_of(im, (unsigned)w)];
        im->busy[w].on = false;
        l->idle[l->nidle++] = (unsigned)w;
    } else if (reply && im->control_out) {
        im->control_out--;
    }
    return 0;
}

/* Who sent `m`: without CURVE, the local admin; with it, the allow-list's
 * entry for the key the handshake proved (the User-Id the ZAP handler
 * gave), looked up again now so that a revocation counts at once. No
 * User-Id, or a key no longer listed: no role (fail closed). */
static void s_caller(verso_server *s, zmq_msg_t *m, verso_caller *who)
{
    verso_server_impl *im = s->impl;
    if (!s->host.curve) {
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

/* Sends request r to worker w as [w][caller][id][frames...], caller = role
 * byte + received time + name (worker.h); an empty frame more when r had
 * too many (the worker answers bad framing). The frames are sent (r keeps
 * empty ones). The control worker takes at most S_CONTROL_MAX requests at
 * a time, and never blocks the broker: -1 (nothing sent) when it is that
 * busy; a worker for work is idle, so it has room. */
static int s_send_request(verso_server_impl *im, unsigned w, verso_pending_req *r)
{
    unsigned char wid[2] = {'w', (unsigned char)w}, cb[9 + VERSO_NAME_MAX];
    size_t nl = strnlen(r->who.name, VERSO_NAME_MAX);
    cb[0] = (unsigned char)r->who.role;
    verso_be_put64(cb + 1, r->received_ns);
    memcpy(cb + 9, r->who.name, nl);
    if (w == im->control) {
        if (im->control_out >= S_CONTROL_MAX ||
            zmq_send(im->back, wid, sizeof wid, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return -1;
        im->control_out++;
    } else {
        zmq_send(im->back, wid, sizeof wid, ZMQ_SNDMORE);
    }
    zmq_send(im->back, cb, 9 + nl, ZMQ_SNDMORE);
    if (zmq_msg_send(&r->id, im->back, ZMQ_SNDMORE) < 0)
        zmq_msg_close(&r->id);
    for (int i = 0; i < r->nparts; i++) {
        int last = i + 1 == r->nparts && !r->extra;
        if (zmq_msg_send(&r->part[i], im->back, last ? 0 : ZMQ_SNDMORE) < 0)
            zmq_msg_close(&r->part[i]);
    }
    if (r->extra)
        zmq_send(im->back, "", 0, 0);
    zmq_msg_init(&r->id);
    r->nparts = 0;
    return 0;
}

/* The body of r when its framing is right: [body] or [""][body]. */
static zmq_msg_t *s_body(verso_pending_req *r)
{
    if (r->extra)
        return NULL;
    if (r->nparts == 1)
        return &r->part[0];
    if (r->nparts == 2 && zmq_msg_size(&r->part[0]) == 0)
        return &r->part[1];
    return NULL;
}

/* Receives one client message [id][frames...] into a new request (NULL:
 * out of memory, the message is dropped; or nothing to receive). */
static verso_pending_req *s_recv_request(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_pending_req *r = calloc(1, sizeof *r);
    zmq_msg_t part;
    zmq_msg_init(&part);
    if (r)
        zmq_msg_init(&r->id);
    int more =
        zmq_msg_recv(r ? &r->id : &part, im->front, 0) >= 0 && zmq_msg_more(r ? &r->id : &part);
    while (more) {
        zmq_msg_close(&part);
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, im->front, 0) < 0)
            break;
        more = zmq_msg_more(&part);
        if (r && r->nparts < VERSO_PENDING_PARTS) {
            r->part[r->nparts++] = part;
            zmq_msg_init(&part);
        } else if (r) {
            r->extra = true;
        }
    }
    zmq_msg_close(&part);
    if (r && !r->nparts) { /* a bare routing id: nothing to answer */
        verso_pending_req_free(r);
        r = NULL;
    }
    if (!r)
        return NULL;
    s_caller(s, &r->part[0], &r->who);
    r->received_ns = verso_work_now_ns();
    r->fd = zmq_msg_get(&r->part[0], ZMQ_SRCFD);
    return r;
}

/* The lane of a request with peek p: the handler's word for its op; a
 * control request only when whole (small and well formed); writes only
 * when the server has workers for them. */
static verso_lane s_lane(verso_server *s, const verso_peek *p)
{
    const verso_handler *h = &s->cfg.handler;
    verso_lane l = p->op && h->lane ? h->lane(h->arg, p->op, p->op_len) : VERSO_LANE_WORK;
    if ((l == VERSO_LANE_CONTROL && !p->whole) ||
        (l == VERSO_LANE_WRITE && !s->impl->lane[VERSO_LANE_WRITE].n))
        return VERSO_LANE_WORK;
    return l;
}

/* One client message: a control request to the control worker at once,
 * anything else into its lane's queue. */
static void s_from_client(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_pending_req *r = s_recv_request(s);
    if (!r)
        return;
    zmq_msg_t *body = s_body(r);
    verso_peek p = {false, NULL, 0, 0};
    uint64_t def = s->cfg.request_timeout_ms;
    if (body)
        verso_proto_peek(zmq_msg_data(body), zmq_msg_size(body), &p);
    verso_lane lane = s_lane(s, &p);
    uint64_t ms = p.timeout_ms;
    r->deadline_ns = r->received_ns + (ms && ms < def ? ms : def) * 1000000u;
    if (lane == VERSO_LANE_CONTROL && !s_send_request(im, im->control, r)) {
        verso_pending_req_free(r);
        return;
    } /* else (the control worker that busy) it waits like any other work */
    verso_pending *q =
        &im->lane[lane == VERSO_LANE_WRITE ? VERSO_LANE_WRITE : VERSO_LANE_WORK].pending;
    if (verso_pending_push(q, r)) /* full: the front is not read then */
        verso_pending_req_free(r);
    atomic_store(&s->host.stats.queued, s_queued(im));
}

/* Requests that waited past their deadline for a worker go to the control
 * worker, which answers them ETIMEDOUT without running them (dispatch.c).
 * Returns the ms to wait for the next deadline (-1: none). */
static long s_expire(verso_server *s)
{
    verso_server_impl *im = s->impl;
    uint64_t now = verso_work_now_ns(), soonest = UINT64_MAX;
    for (unsigned i = 0; i < VERSO_SERVER_LANES; i++) {
        verso_pending *q = &im->lane[i].pending;
        uint64_t next;
        verso_pending_req *r;
        while ((r = verso_pending_expired(q, now, &next))) {
            if (s_send_request(im, im->control, r)) { /* busy: again once it answers */
                verso_pending_push(q, r);
                next = now + 1000000u;
                break;
            }
            verso_pending_req_free(r);
        }
        soonest = next < soonest ? next : soonest;
    }
    atomic_store(&s->host.stats.queued, s_queued(im));
    return soonest == UINT64_MAX ? -1 : (long)((soonest - now) / 1000000u + 1);
}

/* A lane of a server, for s_running. */
typedef struct s_in_lane {
    verso_server *s;
    const verso_server_lane *l;
} s_in_lane;

/* How many requests r's client is running in a lane: with CURVE the client
 * is its key (all its connections together), else its connection (without
 * keys every client is "local"). */
static unsigned s_running(void *arg, const verso_pending_req *r)
{
    const s_in_lane *in = arg;
    verso_server *s = in->s;
    verso_server_impl *im = s->impl;
    const void *id = zmq_msg_data((zmq_msg_t *)&r->id);
    size_t n = zmq_msg_size((zmq_msg_t *)&r->id);
    unsigned k = 0;
    for (unsigned w = in->l->first; w < in->l->first + in->l->n; w++) {
        const verso_server_busy *b = &im->busy[w];
        k += b->on && (s->host.curve ? !strcmp(b->name, r->who.name)
                                     : b->idlen == n && !memcmp(b->id, id, n));
    }
    return k;
}

static bool s_fd_dead(const verso_server_impl *im, int fd)
{
    for (unsigned i = 0; fd >= 0 && i < VERSO_SERVER_DEAD_FDS; i++)
        if (im->dead[i] == fd)
            return true;
    return false;
}

/* Hands a lane's queued requests to its idle workers, each client below
 * the lane's cap; a request whose connection went away is dropped
 * unanswered (its client is not there to read a reply). */
static void s_dispatch_lane(verso_server *s, verso_server_lane *l)
{
    verso_server_impl *im = s->impl;
    s_in_lane in = {s, l};
    while (l->nidle > 0) {
        verso_pending_req *r = verso_pending_take(&l->pending, l->cap, s_running, &in);
        if (!r)
            break;
        if (s_fd_dead(im, r->fd)) {
            atomic_fetch_add_explicit(&s->host.stats.cancelled, 1, memory_order_relaxed);
            verso_pending_req_free(r);
            continue;
        }
        unsigned w = l->idle[--l->nidle];
        verso_server_busy *b = &im->busy[w];
        b->on = true;
        b->fd = r->fd;
        b->idlen = zmq_msg_size(&r->id) < sizeof b->id ? zmq_msg_size(&r->id) : sizeof b->id;
        memcpy(b->id, zmq_msg_data(&r->id), b->idlen);
        memcpy(b->name, r->who.name, sizeof b->name);
        atomic_store(&im->workers[w].cancel, 0);
        s_send_request(im, w, r);
        verso_pending_req_free(r);
    }
}

/* Hands queued requests to idle workers, lane by lane. */
static void s_dispatch(verso_server *s)
{
    verso_server_impl *im = s->impl;
    for (unsigned i = 0; i < VERSO_SERVER_LANES; i++)
        s_dispatch_lane(s, &im->lane[i]);
    atomic_store(&s->host.stats.queued, s_queued(im));
}

/* Cancels what the workers run for connection fd (-1: everything). */
static unsigned s_cancel(verso_server_impl *im, int fd)
{
    unsigned n = 0;
    for (unsigned w = 0; w < im->nwork; w++)
        if (im->busy[w].on && (fd < 0 || im->busy[w].fd == fd)) {
            atomic_store(&im->workers[w].cancel, 1);
            n++;
        }
    return n;
}

/* The front socket's connection events: a connection gone cancels its
 * running requests and marks its fd, until a new connection reuses it. */
static void s_monitor(verso_server *s)
{
    verso_server_impl *im = s->impl;
    for (;;) {
        zmq_msg_t ev, addr;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, im->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return;
        }
        if (zmq_msg_more(&ev)) { /* the endpoint frame */
            zmq_msg_init(&addr);
            zmq_msg_recv(&addr, im->monitor, 0);
            zmq_msg_close(&addr);
        }
        if (zmq_msg_size(&ev) >= 6) {
            uint16_t event;
            uint32_t value;
            memcpy(&event, zmq_msg_data(&ev), 2);
            memcpy(&value, (const char *)zmq_msg_data(&ev) + 2, 4);
            int fd = (int)value;
            for (unsigned i = 0; i < VERSO_SERVER_DEAD_FDS; i++)
                if (im->dead[i] == fd)
                    im->dead[i] = -1; /* gone, or reused by a new connection */
            if (event == ZMQ_EVENT_DISCONNECTED) {
                im->dead[im->ndead++ % VERSO_SERVER_DEAD_FDS] = fd;
                unsigned n = s_cancel(im, fd);
                if (n)
                    verso_log(VERSO_LOG_INFO, "a client went away: cancelling %u request(s)", n);
            }
        }
        zmq_msg_close(&ev);
    }
}

/* Watches the front socket's connections (before it binds). */
verso_err verso_server_monitor_start(verso_server_impl *im)
{
    for (unsigned i = 0; i < VERSO_SERVER_DEAD_FDS; i++)
        im->dead[i] = -1;
    if (zmq_socket_monitor(im->front, S_MONITOR_ENDPOINT,
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) < 0 ||
        !(im->monitor = zmq_socket(im->zctx, ZMQ_PAIR)) ||
        zmq_connect(im->monitor, S_MONITOR_ENDPOINT) < 0) {
        verso_log(VERSO_LOG_ERROR, "cannot watch the front socket: %s", zmq_strerror(zmq_errno()));
        return VERSO_ETRANSPORT;
    }
    return VERSO_OK;
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
    while (im->ready < im->nworkers) {
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
    unsigned n[VERSO_SERVER_LANES] = {s->cfg.threads, s->cfg.write_threads};
    im->nwork = n[0] + n[1];
    im->control = im->nwork;
    for (unsigned i = 0, first = 0; i < VERSO_SERVER_LANES; first += n[i++]) {
        verso_server_lane *l = &im->lane[i];
        l->first = first;
        l->n = n[i];
        l->cap = n[i] > 1 ? n[i] - 1 : 1;
        if (!(l->idle = calloc(n[i] + 1, sizeof *l->idle)) || verso_pending_init(&l->pending))
            return VERSO_ENOMEM;
    }
    im->workers = calloc(im->nwork + 1, sizeof *im->workers);
    im->busy = calloc(im->nwork + 1, sizeof *im->busy);
    if (!im->workers || !im->busy)
        return VERSO_ENOMEM;
    for (unsigned i = 0; i <= im->nwork; i++) { /* the last: the control worker */
        bool write = i >= n[0] && i < im->nwork;
        im->workers[i] = (verso_worker){.srv = s, .zctx = im->zctx, .index = i};
        char *name = im->workers[i].name;
        if (i == im->control)
            snprintf(name, sizeof im->workers[i].name, "verso-control");
        else
            snprintf(name, sizeof im->workers[i].name, "verso-%s-%u", write ? "write" : "work",
                     write ? i - n[0] : i);
        atomic_init(&im->workers[i].cancel, 0);
        if (verso_worker_start(&im->workers[i]))
            return VERSO_ENOMEM;
        im->nworkers++;
    }
    return s_await_workers(im);
}

static verso_err s_start(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_err err = verso_server_auth_init(s);
    if (err)
        return err;
    /* Set before any thread starts: workers read them (stats) with no other
     * ordering than libzmq's, which ThreadSanitizer cannot see. */
    s->host.started = time(NULL);
    s->host.started_ms = verso_now_ms();
    s->host.data_dir = s->cfg.data_dir;
    int maj, min, pat;
    zmq_version(&maj, &min, &pat);
    snprintf(s->host.libzmq, sizeof s->host.libzmq, "%d.%d.%d", maj, min, pat);
    s->host.threads = s->cfg.threads;
    s->host.write_threads = s->cfg.write_threads;
    s->host.max_message_bytes = s->cfg.max_message_bytes;
    s->host.request_timeout_ms = s->cfg.request_timeout_ms;
    if (!(im->zctx = zmq_ctx_new()) || pipe2(im->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        verso_log(VERSO_LOG_ERROR, "cannot create the ZeroMQ context or the signal pipe");
        return VERSO_ETRANSPORT;
    }
    if ((err =
             verso_writer_new(im->zctx, s->cfg.store, s->cfg.idle, s->cfg.idle_arg, &im->writer))) {
        verso_log(VERSO_LOG_ERROR, "cannot start the writer thread: %s", verso_strerror(err));
        return err;
    }
    if ((err = s_start_workers(s))) {
        verso_log(VERSO_LOG_ERROR, "cannot start %u worker thread(s): %s", s->cfg.threads,
                  verso_strerror(err));
        return err;
    }
    return verso_server_bind(s);
}

verso_err verso_server_ready(verso_server *s, const char *extra)
{
    verso_err err = verso_server_write_ready(s, extra);
    if (err)
        verso_log(VERSO_LOG_ERROR, "cannot write the ready file %s: %s", s->cfg.ready_file,
                  verso_strerror(err));
    return err;
}

void *verso_server_zctx(verso_server *s)
{
    return s->impl->zctx;
}

verso_err verso_server_new(const verso_server_config *cfg, verso_server **out)
{
    if (!cfg->bind || !cfg->data_dir || !cfg->store || !cfg->handler.handle || cfg->threads < 1 ||
        cfg->threads > 250 || cfg->write_threads > 16 || cfg->threads + cfg->write_threads > 254 ||
        cfg->max_message_bytes < 1024)
        return VERSO_EINVAL;
    verso_server *s = calloc(1, sizeof *s);
    if (!s || !(s->impl = calloc(1, sizeof *s->impl))) {
        free(s);
        return VERSO_ENOMEM;
    }
    s->cfg = *cfg;
    if (!s->cfg.request_timeout_ms || s->cfg.request_timeout_ms > VERSO_MAX_TIMEOUT_MS)
        s->cfg.request_timeout_ms = VERSO_REQUEST_TIMEOUT_MS;
    if (!s->cfg.stop_grace_ms || s->cfg.stop_grace_ms > VERSO_MAX_TIMEOUT_MS)
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
    for (unsigned i = 0; i < VERSO_SERVER_LANES; i++)
        if (im->lane[i].nidle != im->lane[i].n || im->lane[i].pending.n)
            return 0;
    return !im->control_out && !s_front_pending(im);
}

/* While stopping: once the grace period is over, cancels what still runs.
 * Returns the ms to wait for the next poll (-1: no limit). */
static long s_grace(verso_server *s)
{
    verso_server_impl *im = s->impl;
    if (!atomic_load(&s->host.stopping) || im->grace_over)
        return -1;
    int64_t now = verso_now_ms();
    if (!im->stop_at_ms)
        im->stop_at_ms = now;
    int64_t left = im->stop_at_ms + (int64_t)s->cfg.stop_grace_ms - now;
    if (left > 0)
        return (long)left;
    im->grace_over = true;
    unsigned n = s_cancel(im, -1);
    if (n)
        verso_log(VERSO_LOG_WARN, "stopping: grace of %llu ms over, cancelling %u request(s)",
                  (unsigned long long)s->cfg.stop_grace_ms, n);
    return -1;
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
        verso_server_reload(s);
    if (stop) {
        atomic_store(&s->host.stopping, 1);
        if (!(*logged_stop)++)
            verso_log(VERSO_LOG_INFO, "stopping: finishing in-flight requests (grace %llu ms)",
                      (unsigned long long)s->cfg.stop_grace_ms);
    }
}

/* One handshake question from libzmq: answered from the current list. */
static void s_zap(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_zap_handle(im->zap, im->allow, &im->zc);
    atomic_store(&s->host.stats.hs_accepted, im->zc.accepted);
    atomic_store(&s->host.stats.hs_refused, im->zc.refused);
}

verso_err verso_server_run(verso_server *s)
{
    verso_server_impl *im = s->impl;
    verso_log(VERSO_LOG_INFO,
              "versod listening on %s, data in %s, %u worker(s) for work, %u for writes",
              s->host.endpoint, s->cfg.data_dir, im->lane[VERSO_LANE_WORK].n,
              im->lane[VERSO_LANE_WRITE].n);
    int logged_stop = 0;
    for (;;) {
        long wait = s_grace(s), expiry = s_expire(s);
        if (expiry >= 0 && (wait < 0 || expiry < wait))
            wait = expiry;
        if (atomic_load(&s->host.stopping) && s_drained(s))
            break;
        /* The ZAP socket is a placeholder (NULL socket, fd -1) without CURVE. */
        zmq_pollitem_t it[5] = {{im->back, 0, ZMQ_POLLIN, 0},
                                {NULL, im->sigpipe[0], ZMQ_POLLIN, 0},
                                {im->zap, -1, im->zap ? ZMQ_POLLIN : 0, 0},
                                {im->monitor, 0, ZMQ_POLLIN, 0},
                                {im->front, 0, ZMQ_POLLIN, 0}};
        int n = verso_pending_full(&im->lane[VERSO_LANE_WORK].pending) ||
                        verso_pending_full(&im->lane[VERSO_LANE_WRITE].pending)
                    ? 4
                    : 5; /* a full queue: leave them in libzmq */
        if (zmq_poll(it, n, wait) < 0) {
            if (zmq_errno() == EINTR || zmq_errno() == EAGAIN)
                continue;
            verso_log(VERSO_LOG_ERROR, "poll: %s", zmq_strerror(zmq_errno()));
            atomic_store(&s->host.stopping, 1);
            break;
        }
        if (it[1].revents & ZMQ_POLLIN)
            s_signals(s, &logged_stop);
        if (it[2].revents & ZMQ_POLLIN)
            s_zap(s);
        if (it[0].revents & ZMQ_POLLIN)
            s_from_worker(im);
        if (n == 5 && (it[4].revents & ZMQ_POLLIN))
            s_from_client(s);
        s_monitor(s); /* before handing out: a request of a connection gone is dropped */
        s_dispatch(s);
    }
    s_stop_workers(im);
    verso_log(VERSO_LOG_INFO, "stopped after %llu request(s)",
              (unsigned long long)atomic_load(&s->host.stats.requests));
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
    atomic_store(&s->host.stopping, 1);
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
    if (im->monitor)
        zmq_close(im->monitor);
    for (unsigned i = 0; i < VERSO_SERVER_LANES; i++) {
        verso_pending_fini(&im->lane[i].pending);
        free(im->lane[i].idle);
    }
    verso_allow_destroy(&im->allow);
    if (im->zctx)
        zmq_ctx_term(im->zctx);
    if (s->cfg.ready_file && s->host.endpoint[0])
        unlink(s->cfg.ready_file);
    for (int i = 0; i < 2; i++)
        if (im->sigpipe[i] >= 0)
            close(im->sigpipe[i]);
    free(im->workers);
    free(im->busy);
    free(im);
    free(s);
    *sp = NULL;
}
