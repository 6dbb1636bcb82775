/*
 * server_test.c - the real versod on tcp://127.0.0.1:*: libverso calls,
 * hostile frames over raw ZeroMQ (the server must answer each with an error
 * and keep serving), concurrent clients, one server per data directory,
 * and clean shutdown on SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <zmq.h>

#include "harness.h"
#include "mp.h"
#include "spawn.h"
#include "verso/envelope.h"

static verso_proc s_proc;
static void *s_zctx;

static const char *const s_args[] = {"--max-message-bytes", "65536", "--threads", "2", NULL};

/* One request on a raw DEALER socket; returns the reply's err.code ("" when
 * ok, "NOREPLY" on timeout). */
static const char *s_raw(void *sock, const void *body, size_t len)
{
    static char code[32];
    zmq_send(sock, body, len, 0);
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, 5000) != 1)
        return "NOREPLY";
    zmq_msg_t m;
    zmq_msg_init(&m);
    zmq_msg_recv(&m, sock, 0);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    snprintf(code, sizeof code, "UNREADABLE");
    if (msgpack_unpack_next(&up, zmq_msg_data(&m), zmq_msg_size(&m), &off) ==
        MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object *ok = verso_mp_get(&up.data, "ok");
        const msgpack_object *c = verso_mp_get(verso_mp_get(&up.data, "err"), "code");
        if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean)
            code[0] = '\0';
        else if (c && c->type == MSGPACK_OBJECT_STR)
            snprintf(code, sizeof code, "%.*s", (int)c->via.str.size, c->via.str.ptr);
    }
    msgpack_unpacked_destroy(&up);
    zmq_msg_close(&m);
    return code;
}

static void *s_dealer(void)
{
    void *sock = zmq_socket(s_zctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(sock, s_proc.endpoint);
    return sock;
}

static void test_libverso_ops(void)
{
    verso_client *c;
    verso_reply *r = NULL;
    CHECK_INT(verso_client_new(s_proc.endpoint, NULL, &c), VERSO_OK);
    CHECK_INT(verso_client_call(c, "hello", NULL, &r), VERSO_OK);
    CHECK(verso_mp_get(verso_reply_res(r), "protocol")->via.u64 == 1);
    CHECK(verso_mp_get(verso_reply_res(r), "max_message_bytes")->via.u64 == 65536);
    verso_reply_destroy(&r);
    CHECK_INT(verso_client_call(c, "ping", NULL, &r), VERSO_OK);
    CHECK(verso_reply_ok(r));
    verso_reply_destroy(&r);
    CHECK_INT(verso_client_call(c, "nope", NULL, &r), VERSO_ESERVER);
    CHECK_INT(verso_reply_err(r), VERSO_EBADOP);
    CHECK_STR(verso_reply_err_code(r), "EBADOP");
    CHECK(strstr(verso_reply_err_message(r), "nope") != NULL);
    verso_reply_destroy(&r);
    CHECK_INT(verso_client_call(c, "stats", NULL, &r), VERSO_OK);
    if (!r)
        return; /* no reply: failed above */
    const msgpack_object *st = verso_reply_res(r);
    CHECK(verso_mp_get(st, "requests")->via.u64 >= 4);
    CHECK(verso_mp_get(st, "errors")->via.u64 >= 1);
    CHECK(verso_mp_get(st, "threads")->via.u64 == 2);
    CHECK(verso_mp_get(verso_mp_get(st, "store"), "schema_version")->via.u64 == 9);
    verso_reply_destroy(&r);
    verso_client_destroy(&c);
}

/* Each hostile frame gets its error code, and the server keeps answering. */
static void test_hostile_frames(void)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *code;
    } cases[] = {
        {"", 0, "EPROTO"},                                           /* 0-byte message */
        {"\x83\xa1v\x01\xa2id\x07\xa2op", 11, "EPROTO"},             /* truncated map */
        {"\xdd\xff\xff\xff\xff", 5, "EPROTO"},                       /* 4G-element array */
        {"\xdf\xff\xff\xff\xff", 5, "EPROTO"},                       /* 4G-pair map */
        {"\x93\x01\x02\x03", 4, "EPROTO"},                           /* not a map */
        {"\x83\xa1v\x01\xa2id\x07\xa2op\xa4ping\xc0", 17, "EPROTO"}, /* trailing byte */
        {"\x82\xa1v\x01\xa2op\xa4p\xffng", 12, "EBADUTF8"},          /* invalid UTF-8 */
        {"\x82\xa1v\x01\xa2op\x05", 8, "EBADREQ"},                   /* op not a string */
        {"\x82\xa1v\x02\xa2op\xa4ping", 12, "EVERSION"},
        {"\x81\xa2op\xa4ping", 9, "EBADREQ"}, /* no v */
        {"\xc1", 1, "EPROTO"},                /* reserved byte */
    };
    void *sock = s_dealer();
    const char *ping = "\x82\xa1v\x01\xa2op\xa4ping";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STR(s_raw(sock, cases[i].bytes, cases[i].len), cases[i].code);
        CHECK_STR(s_raw(sock, ping, 12), "");
    }
    /* A depth bomb: 200 nested one-element arrays. */
    char bomb[201];
    memset(bomb, 0x91, 200);
    bomb[200] = (char)0xc0;
    CHECK_STR(s_raw(sock, bomb, sizeof bomb), "EPROTO");
    /* Over max_message_bytes, under the frame limit: ETOOBIG. */
    size_t big_len = 100000;
    char *big = malloc(big_len);
    memset(big, 0xc0, big_len);
    CHECK_STR(s_raw(sock, big, big_len), "ETOOBIG");
    CHECK_STR(s_raw(sock, ping, 12), "");
    /* Bad framing: a non-empty frame before the body. */
    zmq_send(sock, "junk", 4, ZMQ_SNDMORE);
    CHECK_STR(s_raw(sock, ping, 12), "EPROTO");
    /* Over the frame limit: libzmq drops that connection (we wait for the
     * disconnect event, not for a time), with no reply; others are served. */
    void *rogue = s_dealer();
    zmq_socket_monitor(rogue, "inproc://rogue-monitor", ZMQ_EVENT_DISCONNECTED);
    void *mon = zmq_socket(s_zctx, ZMQ_PAIR);
    zmq_connect(mon, "inproc://rogue-monitor");
    size_t huge_len = 300000;
    char *huge = malloc(huge_len);
    memset(huge, 0xc0, huge_len);
    zmq_send(rogue, huge, huge_len, 0);
    zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
    CHECK_INT(zmq_poll(&it, 1, 10000), 1); /* the server hung up */
    zmq_pollitem_t rit = {rogue, 0, ZMQ_POLLIN, 0};
    CHECK_INT(zmq_poll(&rit, 1, 0), 0); /* and sent nothing */
    CHECK_STR(s_raw(sock, ping, 12), "");
    zmq_socket_monitor(rogue, NULL, 0);
    zmq_close(mon);
    zmq_close(rogue);
    free(huge);
    free(big);
    zmq_close(sock);
}

/* REQ framing: the delimiter is added by libzmq and mirrored by the server. */
static void test_req_framing(void)
{
    void *sock = zmq_socket(s_zctx, ZMQ_REQ);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(sock, s_proc.endpoint);
    for (int i = 0; i < 3; i++)
        CHECK_STR(s_raw(sock, "\x82\xa1v\x01\xa2op\xa4ping", 12), "");
    zmq_close(sock);
}

typedef struct s_load {
    int ok;
} s_load;

static void *s_pinger(void *arg)
{
    s_load *l = arg;
    verso_client *c;
    if (verso_client_new(s_proc.endpoint, NULL, &c))
        return NULL;
    for (int i = 0; i < 200; i++) {
        verso_reply *r;
        if (verso_client_call(c, "ping", NULL, &r) == VERSO_OK)
            l->ok++;
        verso_reply_destroy(&r);
    }
    verso_client_destroy(&c);
    return NULL;
}

static void test_concurrent_clients(void)
{
    pthread_t th[8];
    s_load load[8] = {{0}};
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, s_pinger, &load[i]);
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(load[i].ok, 200);
    }
}

/* A second server on the same data directory refuses to start. */
static void test_one_server_per_dir(void)
{
    verso_proc other;
    CHECK(verso_proc_start(&other, VERSOD_PATH, s_proc.data, NULL) < 0);
    verso_proc_cleanup(&other);
}

/* SIGTERM with requests in flight: every reply is ok or ESHUTDOWN, the
 * server exits 0, removes its ready file, and the data directory reopens. */
static void test_shutdown(void)
{
    verso_client *c;
    CHECK_INT(verso_client_new(s_proc.endpoint, NULL, &c), VERSO_OK);
    for (int i = 0; i < 300; i++)
        verso_client_send(c, "stats", NULL, NULL);
    verso_reply *r = NULL;
    CHECK_INT(verso_client_recv(c, 0, 5000, &r), VERSO_OK); /* the server is busy now */
    verso_reply_destroy(&r);
    kill(s_proc.pid, SIGTERM);
    int ok = 0, refused = 0, other = 0;
    verso_err err;
    while ((err = verso_client_recv(c, 0, 1000, &r)) == VERSO_OK || err == VERSO_ESERVER) {
        if (err == VERSO_OK)
            ok++;
        else if (verso_reply_err(r) == VERSO_ESHUTDOWN)
            refused++;
        else
            other++;
        verso_reply_destroy(&r);
    }
    fprintf(stderr, "shutdown: %d ok, %d refused with ESHUTDOWN after the signal\n", ok, refused);
    CHECK_INT(other, 0);
    verso_client_destroy(&c);
    int status = -1;
    CHECK_INT(verso_proc_stop(&s_proc, SIGTERM, &status), 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(access(s_proc.ready, F_OK) != 0);
    verso_proc again;
    CHECK_INT(verso_proc_start(&again, VERSOD_PATH, s_proc.data, NULL), 0);
    CHECK_INT(verso_proc_stop(&again, SIGINT, &status), 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    verso_proc_cleanup(&again);
}

int main(void)
{
    s_zctx = zmq_ctx_new();
    if (verso_proc_start(&s_proc, VERSOD_PATH, NULL, s_args) < 0) {
        fprintf(stderr, "could not start versod\n");
        return 1;
    }
    RUN(test_libverso_ops);
    RUN(test_hostile_frames);
    RUN(test_req_framing);
    RUN(test_concurrent_clients);
    RUN(test_one_server_per_dir);
    RUN(test_shutdown);
    verso_proc_cleanup(&s_proc);
    zmq_ctx_term(s_zctx);
    return t_report();
}
