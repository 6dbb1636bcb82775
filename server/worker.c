/* worker.c - worker thread loop and message framing; see worker.h. */
#include "worker.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "be.h"
#include "dispatch.h"
#include "log.h"
#include "tmfuzzy.h"
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
static void s_send_reply(void *sock, zmq_msg_t *client, int with_delim, msgpack_sbuffer *reply)
{
    zmq_msg_send(client, sock, ZMQ_SNDMORE);
    if (with_delim)
        zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, reply->data, reply->size, 0);
}

/* One request: m->part[0] is the caller, m->part[1] the client's routing
 * id. A body alone is DEALER framing, an empty delimiter before it is REQ
 * framing. */
static void s_handle(verso_worker *w, void *sock, verso_thread *th, s_msg *m, msgpack_sbuffer *out)
{
    msgpack_sbuffer_clear(out);
    verso_caller who;
    s_caller(&m->part[0], &who, &th->received_ns);
    int delim = m->n >= 4 && zmq_msg_size(&m->part[2]) == 0;
    zmq_msg_t *body = m->n == 3 ? &m->part[2] : m->n == 4 && delim ? &m->part[3] : NULL;
    if (body && !m->extra) {
        verso_dispatch_as(w->srv, th, &who, zmq_msg_data(body), zmq_msg_size(body), out);
    } else {
        verso_dispatch_error(w->srv, VERSO_EPROTO,
                             "bad framing: send one msgpack frame (DEALER), or an empty "
                             "delimiter and one frame (REQ)",
                             out);
    }
    s_send_reply(sock, &m->part[1], delim, out);
}

/* Connects this thread's sockets and builds its segmenter. */
static int s_thread_init(verso_worker *w, void **sock, verso_thread *th)
{
    unsigned char id[2] = {'w', (unsigned char)w->index};
    int linger = 0;
    *sock = zmq_socket(w->zctx, ZMQ_DEALER);
    th->writer = verso_writer_connect(w->zctx);
    if (!*sock || !th->writer || verso_segmenter_new(w->srv->rules, &th->seg))
        return -1;
    if (!(th->fz = malloc(sizeof *th->fz)) || verso_tmfuzzy_init(th->fz))
        return -1;
    zmq_setsockopt(*sock, ZMQ_ROUTING_ID, id, sizeof id);
    zmq_setsockopt(*sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(*sock, VERSO_WORKER_ENDPOINT) < 0)
        return -1;
    return zmq_send(*sock, "READY", 5, 0) < 0 ? -1 : 0;
}

static void *s_main(void *arg)
{
    verso_worker *w = arg;
    void *sock = NULL;
    verso_thread th = {NULL, NULL, NULL, &w->cancel, 0};
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    if (s_thread_init(w, &sock, &th) < 0) {
        verso_log(VERSO_LOG_ERROR, "worker %u cannot start: %s", w->index,
                  zmq_strerror(zmq_errno()));
        goto out;
    }
    for (;;) {
        s_msg m;
        if (s_recv(sock, &m) < 0)
            break;
        if (m.n == 1 && s_is(&m.part[0], "STOP")) {
            s_close(&m);
            break;
        }
        if (m.n >= 3)
            s_handle(w, sock, &th, &m, &out);
        s_close(&m);
    }
out:
    msgpack_sbuffer_destroy(&out);
    verso_segmenter_destroy(&th.seg);
    if (th.fz)
        verso_tmfuzzy_fini(th.fz);
    free(th.fz);
    if (th.writer)
        zmq_close(th.writer);
    if (sock)
        zmq_close(sock);
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
