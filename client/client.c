/*
 * client.c - libverso: one DEALER connection, ids, pipelining, and replies
 * checked before they are trusted (include/verso/envelope.h), and the
 * send/receive halves every typed call goes through (client_int.h). The
 * ops' own fields are packed and read in ops.c and tmops.c.
 */
#include "verso/client.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "client_int.h"
#include "keyfile.h"
#include "mp.h"
#include "wire.h"

struct verso_reply {
    zmq_msg_t frame; /* owns the bytes msgpack objects point into */
    msgpack_unpacked up;
    const msgpack_object *res;
    uint64_t id;
    bool ok;
    char code[32];
    char *message;
    verso_reply *next; /* in the client's stash */
};

struct verso_client {
    void *sock;
    void *monitor; /* PAIR: the socket's handshake failures (CURVE only), or NULL */
    int denied;    /* the server refused our key: every call fails EDENIED */
    verso_client_opts o;
    uint64_t next_id;
    uint64_t *pending; /* ids sent, reply not yet received, oldest first */
    size_t npending, cap;
    verso_reply *stash; /* received, not yet asked for */
    /* the last typed call: */
    verso_reply *cur;  /* its reply, until verso_typed_done */
    verso_reply *last; /* kept for verso_client_last_reply */
    bool keep;         /* verso_client_keep_reply */
    char err_code[32]; /* an error reply's code, else "" */
    char *err_message; /* and its message, else NULL */
};

/* One context for the process: a context per client would cost an I/O
 * thread each. It lives until exit. */
static void *s_zctx;
static pthread_once_t s_zctx_once = PTHREAD_ONCE_INIT;

static void s_zctx_init(void)
{
    s_zctx = zmq_ctx_new();
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CURVE client options, and a monitor that reports a refused key (the
 * server's ZAP handler answering 400) instead of a silent timeout. */
static verso_err s_curve(verso_client *c)
{
    const verso_client_opts *o = &c->o;
    int n = !!o->server_key + !!o->public_key + !!o->secret_key;
    if (n == 0)
        return VERSO_OK;
    if (n != 3 || !verso_key_valid(o->server_key) || !verso_key_valid(o->public_key) ||
        !verso_key_valid(o->secret_key))
        return VERSO_EINVAL;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://verso-monitor-%p", (void *)c);
    if (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, o->server_key, VERSO_KEY_LEN + 1) < 0 ||
        zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, o->public_key, VERSO_KEY_LEN + 1) < 0 ||
        zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, o->secret_key, VERSO_KEY_LEN + 1) < 0 ||
        zmq_socket_monitor(c->sock, ep, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) < 0 ||
        !(c->monitor = zmq_socket(s_zctx, ZMQ_PAIR)) || zmq_connect(c->monitor, ep) < 0)
        return zmq_errno() == EINVAL ? VERSO_EINVAL : VERSO_ETRANSPORT;
    return VERSO_OK;
}

/* Reads one monitor event; a refused key makes the client denied. */
static void s_monitor_event(verso_client *c)
{
    zmq_msg_t ev;
    zmq_msg_init(&ev);
    int more = 1;
    for (int part = 0; more; part++) {
        if (zmq_msg_recv(&ev, c->monitor, 0) < 0)
            break;
        if (part == 0 && zmq_msg_size(&ev) >= 2) {
            const unsigned char *p = zmq_msg_data(&ev);
            uint16_t event;
            memcpy(&event, p, sizeof event);
            c->denied |= event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
        }
        more = zmq_msg_more(&ev);
    }
    zmq_msg_close(&ev);
}

verso_err verso_client_new(const char *endpoint, const verso_client_opts *opts, verso_client **out)
{
    pthread_once(&s_zctx_once, s_zctx_init);
    if (!s_zctx)
        return VERSO_ETRANSPORT;
    verso_client *c = calloc(1, sizeof *c);
    if (!c)
        return VERSO_ENOMEM;
    c->o = opts ? *opts : (verso_client_opts){0};
    if (c->o.timeout_ms <= 0)
        c->o.timeout_ms = 10000;
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = 5000;
    if (!c->o.max_reply_bytes)
        c->o.max_reply_bytes = (size_t)64 << 20;
    c->next_id = 1;
    c->sock = zmq_socket(s_zctx, ZMQ_DEALER);
    if (!c->sock) {
        free(c);
        return VERSO_ETRANSPORT;
    }
    int linger = 0;
    int64_t maxmsg = (int64_t)c->o.max_reply_bytes;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->sock, ZMQ_CONNECT_TIMEOUT, &c->o.connect_timeout_ms, sizeof(int));
    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &c->o.timeout_ms, sizeof(int));
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    verso_err err = s_curve(c);
    if (!err && zmq_connect(c->sock, endpoint) < 0)
        err = zmq_errno() == EINVAL || zmq_errno() == EPROTONOSUPPORT ? VERSO_EINVAL
                                                                      : VERSO_ETRANSPORT;
    c->o.server_key = c->o.public_key = c->o.secret_key = NULL; /* borrowed: not kept */
    if (err) {
        verso_client_destroy(&c);
        return err;
    }
    *out = c;
    return VERSO_OK;
}

void verso_client_destroy(verso_client **cp)
{
    verso_client *c = *cp;
    if (!c)
        return;
    while (c->stash) {
        verso_reply *r = c->stash;
        c->stash = r->next;
        verso_reply_destroy(&r);
    }
    verso_reply_destroy(&c->cur);
    verso_reply_destroy(&c->last);
    free(c->err_message);
    if (c->monitor) {
        zmq_socket_monitor(c->sock, NULL, 0);
        zmq_close(c->monitor);
    }
    zmq_close(c->sock);
    free(c->pending);
    free(c);
    *cp = NULL;
}

size_t verso_client_pending(const verso_client *c)
{
    return c->npending;
}

static verso_err s_pending_add(verso_client *c, uint64_t id)
{
    if (c->npending == c->cap) {
        size_t n = c->cap ? c->cap * 2 : 16;
        uint64_t *p = realloc(c->pending, n * sizeof *p);
        if (!p)
            return VERSO_ENOMEM;
        c->pending = p;
        c->cap = n;
    }
    c->pending[c->npending++] = id;
    return VERSO_OK;
}

static int s_is_pending(const verso_client *c, uint64_t id)
{
    for (size_t i = 0; i < c->npending; i++)
        if (c->pending[i] == id)
            return 1;
    return 0;
}

/* Removes id from the pending list; returns 0, or -1 when it was not there. */
static int s_pending_take(verso_client *c, uint64_t id)
{
    for (size_t i = 0; i < c->npending; i++) {
        if (c->pending[i] != id)
            continue;
        memmove(&c->pending[i], &c->pending[i + 1], (c->npending - i - 1) * sizeof *c->pending);
        c->npending--;
        return 0;
    }
    return -1;
}

/* Packs the map header for 3 + nfields pairs and the v, id, op pairs. */
static int s_pack_head(msgpack_packer *pk, uint64_t id, const char *op, uint32_t nfields)
{
    int rc = msgpack_pack_map(pk, 3 + nfields);
    rc = rc ? rc : verso_mp_pack_kv_int(pk, "v", VERSO_PROTOCOL);
    rc = rc ? rc : verso_mp_pack_kv_uint(pk, "id", id);
    return rc ? rc : verso_mp_pack_kv_str(pk, "op", op);
}

/* Sends a packed request with the client's next id and records it as in
 * flight. The buffer stays the caller's. */
static verso_err s_send(verso_client *c, const msgpack_sbuffer *sb, uint64_t *id_out)
{
    uint64_t id = c->next_id;
    verso_err err = s_pending_add(c, id);
    if (!err && zmq_send(c->sock, sb->data, sb->size, 0) < 0) {
        c->npending--;
        err = zmq_errno() == EAGAIN ? VERSO_ETIMEOUT : VERSO_ETRANSPORT;
    }
    if (err)
        return err;
    c->next_id++;
    if (id_out)
        *id_out = id;
    return VERSO_OK;
}

verso_err verso_client_send(verso_client *c, const char *op, const msgpack_object *fields,
                            uint64_t *id_out)
{
    if (!op || (fields && fields->type != MSGPACK_OBJECT_MAP))
        return VERSO_EINVAL;
    uint32_t extra = fields ? fields->via.map.size : 0;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = s_pack_head(&pk, c->next_id, op, extra);
    for (uint32_t i = 0; i < extra && !rc; i++) {
        rc = msgpack_pack_object(&pk, fields->via.map.ptr[i].key);
        rc = rc ? rc : msgpack_pack_object(&pk, fields->via.map.ptr[i].val);
    }
    verso_err err = rc ? VERSO_ENOMEM : s_send(c, &sb, id_out);
    msgpack_sbuffer_destroy(&sb);
    return err;
}

verso_err verso_client_send_packed(verso_client *c, const char *op, const void *fields, size_t len,
                                   uint32_t nfields, uint64_t *id_out)
{
    if (!op || (len && !fields) || nfields > UINT32_MAX - 3)
        return VERSO_EINVAL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = s_pack_head(&pk, c->next_id, op, nfields);
    rc = rc ? rc : msgpack_sbuffer_write(&sb, fields, len);
    verso_err err = rc ? VERSO_ENOMEM : s_send(c, &sb, id_out);
    msgpack_sbuffer_destroy(&sb);
    return err;
}

/* Reads the envelope of an unpacked reply into r. */
static verso_err s_parse_envelope(verso_reply *r)
{
    const msgpack_object *root = &r->up.data;
    const msgpack_object *v = verso_mp_get(root, "v"), *id = verso_mp_get(root, "id");
    const msgpack_object *ok = verso_mp_get(root, "ok");
    if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != VERSO_PROTOCOL || !ok ||
        ok->type != MSGPACK_OBJECT_BOOLEAN || !id)
        return VERSO_EPROTO;
    r->id = id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? id->via.u64 : 0;
    r->ok = ok->via.boolean;
    if (r->ok) {
        r->res = verso_mp_get(root, "res");
        return r->res && r->res->type == MSGPACK_OBJECT_MAP ? VERSO_OK : VERSO_EPROTO;
    }
    const msgpack_object *e = verso_mp_get(root, "err");
    const msgpack_object *code = verso_mp_get(e, "code"), *msg = verso_mp_get(e, "message");
    if (!code || code->type != MSGPACK_OBJECT_STR || code->via.str.size >= sizeof r->code || !msg ||
        msg->type != MSGPACK_OBJECT_STR)
        return VERSO_EPROTO;
    memcpy(r->code, code->via.str.ptr, code->via.str.size);
    r->code[code->via.str.size] = '\0';
    r->message = strndup(msg->via.str.ptr, msg->via.str.size);
    return r->message ? VERSO_OK : VERSO_ENOMEM;
}

/* Checks and decodes one frame into a new reply (which takes the frame). */
static verso_err s_decode(zmq_msg_t *frame, verso_reply **out)
{
    verso_reply *r = calloc(1, sizeof *r);
    if (!r) {
        zmq_msg_close(frame);
        return VERSO_ENOMEM;
    }
    r->frame = *frame;
    msgpack_unpacked_init(&r->up);
    const char *data = zmq_msg_data(&r->frame);
    size_t len = zmq_msg_size(&r->frame), off = 0;
    verso_err err = verso_wire_check(data, len, NULL, NULL);
    if (!err && msgpack_unpack_next(&r->up, data, len, &off) != MSGPACK_UNPACK_SUCCESS)
        err = VERSO_EPROTO;
    if (!err)
        err = s_parse_envelope(r);
    if (err) {
        verso_reply_destroy(&r);
        return err == VERSO_ENOMEM ? err : VERSO_EPROTO;
    }
    *out = r;
    return VERSO_OK;
}

/* Receives one single-frame message within timeout_ms. */
static verso_err s_recv_frame(verso_client *c, long timeout_ms, zmq_msg_t *frame)
{
    zmq_pollitem_t it[2] = {{c->sock, 0, ZMQ_POLLIN, 0}, {c->monitor, 0, ZMQ_POLLIN, 0}};
    int rc = 0;
    int64_t deadline = s_now_ms() + timeout_ms;
    while (!c->denied && !(it[0].revents & ZMQ_POLLIN)) {
        int64_t left = deadline - s_now_ms();
        rc = zmq_poll(it, c->monitor ? 2 : 1, left > 0 ? (long)left : 0);
        if (rc <= 0)
            break;
        if (it[1].revents & ZMQ_POLLIN)
            s_monitor_event(c);
    }
    if (c->denied)
        return VERSO_EDENIED;
    if (rc == 0)
        return VERSO_ETIMEOUT;
    if (rc < 0)
        return zmq_errno() == EINTR ? VERSO_ETIMEOUT : VERSO_ETRANSPORT;
    zmq_msg_init(frame);
    if (zmq_msg_recv(frame, c->sock, 0) < 0) {
        zmq_msg_close(frame);
        return VERSO_ETRANSPORT;
    }
    if (!zmq_msg_more(frame))
        return VERSO_OK;
    /* Server replies are single frames: drain and refuse anything else. */
    while (zmq_msg_more(frame)) {
        zmq_msg_close(frame);
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, c->sock, 0) < 0)
            break;
    }
    zmq_msg_close(frame);
    return VERSO_EPROTO;
}

/* Takes the stashed reply for id (0: any) if there is one. */
static verso_reply *s_stash_take(verso_client *c, uint64_t id)
{
    for (verso_reply **p = &c->stash; *p; p = &(*p)->next) {
        if (id && (*p)->id != id)
            continue;
        verso_reply *r = *p;
        *p = r->next;
        r->next = NULL;
        return r;
    }
    return NULL;
}

/* Files a decoded reply under its request. An error reply without an id
 * (the server could not read the request's id) goes to the oldest request
 * in flight. Returns 0, or -1 for a stale reply (dropped). */
static int s_claim(verso_client *c, verso_reply *r)
{
    if (r->id == 0 && !r->ok && c->npending)
        r->id = c->pending[0];
    return s_pending_take(c, r->id);
}

verso_err verso_client_recv(verso_client *c, uint64_t id, int timeout_ms, verso_reply **out)
{
    verso_reply *r = s_stash_take(c, id);
    if (!r && (id ? !s_is_pending(c, id) : c->npending == 0))
        return VERSO_EINVAL; /* nothing in flight could answer */
    int64_t deadline = s_now_ms() + (timeout_ms < 0 ? c->o.timeout_ms : timeout_ms);
    while (!r) {
        int64_t left = deadline - s_now_ms();
        zmq_msg_t frame;
        verso_err err = s_recv_frame(c, left > 0 ? (long)left : 0, &frame);
        if (!err)
            err = s_decode(&frame, &r);
        if (err == VERSO_EPROTO)
            continue; /* a malformed frame is dropped; its request times out */
        if (err)
            return err;
        if (s_claim(c, r) < 0) {
            verso_reply_destroy(&r); /* stale: its request was given up */
        } else if (id && r->id != id) {
            r->next = c->stash;
            c->stash = r;
            r = NULL;
        }
    }
    *out = r;
    return r->ok ? VERSO_OK : VERSO_ESERVER;
}

verso_err verso_client_call(verso_client *c, const char *op, const msgpack_object *fields,
                            verso_reply **out)
{
    uint64_t id;
    verso_err err = verso_client_send(c, op, fields, &id);
    if (err)
        return err;
    err = verso_client_recv(c, id, -1, out);
    if (err == VERSO_ETIMEOUT)
        s_pending_take(c, id); /* a late reply will be dropped as stale */
    return err;
}

bool verso_reply_ok(const verso_reply *r)
{
    return r->ok;
}

uint64_t verso_reply_id(const verso_reply *r)
{
    return r->id;
}

const msgpack_object *verso_reply_res(const verso_reply *r)
{
    return r->res;
}

const msgpack_object *verso_reply_root(const verso_reply *r)
{
    return &r->up.data;
}

verso_err verso_reply_err(const verso_reply *r)
{
    return r->ok ? VERSO_OK : verso_err_from_symbol(r->code, (unsigned)strlen(r->code));
}

const char *verso_reply_err_code(const verso_reply *r)
{
    return r->code;
}

const char *verso_reply_err_message(const verso_reply *r)
{
    return r->message ? r->message : "";
}

void verso_reply_destroy(verso_reply **rp)
{
    verso_reply *r = *rp;
    if (!r)
        return;
    msgpack_unpacked_destroy(&r->up);
    zmq_msg_close(&r->frame);
    free(r->message);
    free(r);
    *rp = NULL;
}

/* ---- the typed calls' halves ----------------------------------------------- */

verso_str verso_str_of(const char *s)
{
    return (verso_str){s, s ? strlen(s) : 0};
}

void verso_client_keep_reply(verso_client *c, bool keep)
{
    c->keep = keep;
    if (!keep)
        verso_reply_destroy(&c->last);
}

const verso_reply *verso_client_last_reply(const verso_client *c)
{
    return c->last;
}

verso_err verso_client_err(const verso_client *c)
{
    return c->err_code[0] ? verso_err_from_symbol(c->err_code, (unsigned)strlen(c->err_code))
                          : VERSO_OK;
}

const char *verso_client_err_code(const verso_client *c)
{
    return c->err_code;
}

const char *verso_client_err_message(const verso_client *c)
{
    return c->err_message ? c->err_message : "";
}

/* Forgets the last typed call's reply and error. */
static void s_typed_reset(verso_client *c)
{
    verso_reply_destroy(&c->cur);
    verso_reply_destroy(&c->last);
    c->err_code[0] = '\0';
    free(c->err_message);
    c->err_message = NULL;
}

verso_err verso_typed_send(verso_client *c, const char *op, const verso_req *q, uint64_t *id)
{
    s_typed_reset(c);
    if (q->err)
        return q->err;
    return verso_client_send_packed(c, op, q->sb.data, q->sb.size, q->n, id);
}

verso_err verso_typed_recv(verso_client *c, uint64_t id, const msgpack_object **res)
{
    s_typed_reset(c);
    verso_err err = verso_client_recv(c, id, -1, &c->cur);
    if (err == VERSO_ETIMEOUT)
        s_pending_take(c, id); /* given up: a late reply will be dropped as stale */
    if (err == VERSO_ESERVER) {
        snprintf(c->err_code, sizeof c->err_code, "%s", verso_reply_err_code(c->cur));
        c->err_message = strdup(verso_reply_err_message(c->cur));
        verso_typed_done(c);
        return c->err_message ? VERSO_ESERVER : VERSO_ENOMEM;
    }
    if (err)
        return err;
    *res = verso_reply_res(c->cur);
    return VERSO_OK;
}

void verso_typed_done(verso_client *c)
{
    if (c->keep) {
        verso_reply_destroy(&c->last);
        c->last = c->cur;
        c->cur = NULL;
    }
    verso_reply_destroy(&c->cur);
}

verso_err verso_typed_call(verso_client *c, const char *op, const verso_req *q, size_t size,
                           void (*parse)(verso_rd *rd, const msgpack_object *res), void **out)
{
    uint64_t id;
    const msgpack_object *res = NULL;
    verso_err err = verso_typed_send(c, op, q, &id);
    err = err ? err : verso_typed_recv(c, id, &res);
    if (err)
        return err;
    verso_rd rd;
    if (!verso_rd_begin(&rd, size) && parse)
        parse(&rd, res);
    verso_typed_done(c);
    if (rd.err || !out) {
        verso_res_free(rd.res);
        return rd.err;
    }
    *out = rd.res;
    return VERSO_OK;
}
