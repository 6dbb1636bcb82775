/* worker.c - worker thread loop and message framing; see worker.h. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "worker.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "be.h"
#include "log.h"
#include "writer.h"

#define S_MAX_FRAMES 4 /* [caller][client id][""]?[body] */

typedef struct s_msg {
    zmq_msg_t part[S_MAX_FRAMES];
    int n;     /* parts kept */
    int extra; /* parts beyond S_MAX_FRAMES, dropped */
} s_msg;

/* Receives a whole multipart message, keeping its first S_MAX_FRAMES parts. */
static int s_recv(void *sock, s_msg *m)
{
    m->n = m->extra = 0;
    int more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, 0) < 0) {
            zmq_msg_close(&part);
            for (int i = 0; i < m->n; i++)
                zmq_msg_close(&m->part[i]);
            return -1;
        }
        more = zmq_msg_more(&part);
        if (m->n < S_MAX_FRAMES)
            m->part[m->n++] = part;
        else {
            m->extra++;
            zmq_msg_close(&part);
        }
    }
    return 0;
}

static void s_close(s_msg *m)
{
    for (int i = 0; i < m->n; i++)
        zmq_msg_close(&m->part[i]);
    m->n = 0;
}

static int s_is(zmq_msg_t *part, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size(part) == n && memcmp(zmq_msg_data(part), s, n) == 0;
}

/* The caller the broker stamped on the request: role byte, the time it
 * received the request, then the name. */
static void s_caller(zmq_msg_t *part, verso_caller *who, uint64_t *received_ns)
{
    const unsigned char *p = zmq_msg_data(part);
    size_t n = zmq_msg_size(part);
    who->role = n >= 9 && p[0] <= VERSO_ROLE_ADMIN ? (verso_role)p[0] : VERSO_ROLE_NONE;
    *received_ns = n >= 9 ? verso_be_get64(p + 1) : 0;
    n = n > 9 ? n - 9 : 0;
    n = n < VERSO_NAME_MAX ? n : VERSO_NAME_MAX;
    if (n)
        memcpy(who->name, p + 9, n);
    who->name[n] = '\0';
}

/* Replies [client id][""]?[reply]; with_delim mirrors the request (REQ). */
static void s_send_reply(void *sock, zmq_msg_t *client, int with_delim, const verso_buf *reply)
{
    zmq_msg_send(client, sock, ZMQ_SNDMORE);
    if (with_delim)
        zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, reply->data, reply->len, 0);
}

/* What one worker thread owns: its sockets and the handler's state. */
typedef struct s_thread {
    void *sock;   /* DEALER to the broker */
    void *writer; /* DEALER to the writer (writer.h) */
    void *state;  /* the handler's (verso_handler.thread_new) */
    bool has_state;
} s_thread;

/* One request: m->part[0] is the caller, m->part[1] the client's routing
 * id. A body alone is DEALER framing, an empty delimiter before it is REQ
 * framing. */
static void s_handle(verso_worker *w, s_thread *th, s_msg *m, verso_buf *out)
{
    const verso_handler *h = &w->srv->cfg.handler;
    verso_buf_reset(out);
    verso_caller who;
    verso_call call = {&who, th->writer, &w->cancel, 0, &w->srv->host};
    s_caller(&m->part[0], &who, &call.received_ns);
    int delim = m->n >= 4 && zmq_msg_size(&m->part[2]) == 0;
    zmq_msg_t *body = m->n == 3 ? &m->part[2] : m->n == 4 && delim ? &m->part[3] : NULL;
    if (body && !m->extra) {
        h->handle(h->arg, th->state, &call, zmq_msg_data(body), zmq_msg_size(body), out);
    } else {
        h->refuse(h->arg, &w->srv->host, VERSO_EPROTO,
                  "bad framing: send one msgpack frame (DEALER), or an empty "
                  "delimiter and one frame (REQ)",
                  out);
    }
    s_send_reply(th->sock, &m->part[1], delim, out);
}

/* Connects this thread's sockets and builds the handler's state. */
static int s_thread_init(verso_worker *w, s_thread *th)
{
    const verso_handler *h = &w->srv->cfg.handler;
    unsigned char id[2] = {'w', (unsigned char)w->index};
    int linger = 0;
    th->sock = zmq_socket(w->zctx, ZMQ_DEALER);
    th->writer = verso_writer_connect(w->zctx);
    if (!th->sock || !th->writer)
        return -1;
    if (h->thread_new && h->thread_new(h->arg, &th->state))
        return -1;
    th->has_state = h->thread_new != NULL;
    zmq_setsockopt(th->sock, ZMQ_ROUTING_ID, id, sizeof id);
    zmq_setsockopt(th->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(th->sock, VERSO_WORKER_ENDPOINT) < 0)
        return -1;
    return zmq_send(th->sock, "READY", 5, 0) < 0 ? -1 : 0;
}

static void s_thread_fini(verso_worker *w, s_thread *th)
{
    const verso_handler *h = &w->srv->cfg.handler;
    if (th->has_state && h->thread_destroy)
        h->thread_destroy(h->arg, &th->state);
    if (th->writer)
        zmq_close(th->writer);
    if (th->sock)
        zmq_close(th->sock);
}

static void *s_main(void *arg)
{
    verso_worker *w = arg;
    pthread_setname_np(pthread_self(), w->name);
    s_thread th = {NULL, NULL, NULL, false};
    verso_buf out;
    verso_buf_init(&out, SIZE_MAX);
    if (s_thread_init(w, &th) < 0) {
        verso_log(VERSO_LOG_ERROR, "worker %u cannot start: %s", w->index,
                  zmq_strerror(zmq_errno()));
        goto out;
    }
    for (;;) {
        s_msg m;
        if (s_recv(th.sock, &m) < 0)
            break;
        if (m.n == 1 && s_is(&m.part[0], "STOP")) {
            s_close(&m);
            break;
        }
        if (m.n >= 3)
            s_handle(w, &th, &m, &out);
        s_close(&m);
    }
out:
    verso_buf_fini(&out);
    s_thread_fini(w, &th);
    return NULL;
}

verso_err verso_worker_start(verso_worker *w)
{
    return pthread_create(&w->thread, NULL, s_main, w) ? VERSO_ENOMEM : VERSO_OK;
}

void verso_worker_join(verso_worker *w)
{
    pthread_join(w->thread, NULL);
}
