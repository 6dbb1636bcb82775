/*
 * front.c - the broker's front door (server.h): binding the ROUTER socket
 * (with CURVE and its ZAP handler when keys are given), the ready file,
 * and the allow-list: loaded at start, reloaded on SIGHUP. The broker's
 * loop is server.c's; server_int.h is what the two share.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zmq.h>

#include "log.h"
#include "server.h"
#include "server_int.h"

#define S_FRONT_LINGER_MS 2000 /* time given to queued replies at shutdown */
/* Replies queued for one client before libzmq's ROUTER drops more (it drops,
 * silently, past the high-water mark). A client can have at most every
 * request the broker holds (VERSO_PENDING_MAX queued, S_CONTROL_MAX at the
 * control worker, one per worker) answered and unread at once: the mark is
 * above that, so no reply is ever dropped for a client that reads slowly
 * (at libzmq's default of 1,000, 3,000 requests expiring together lost
 * replies to a client still reading: test_bounds.py, under load). */
#define S_FRONT_SNDHWM (VERSO_PENDING_MAX + 256 + 256 + 1024)

/* CURVE server options, the ZAP handler bound first (libzmq asks it about
 * every handshake only when it is bound before the handshake starts). */
static verso_err verso_server_front_curve(verso_server *s)
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

/* The endpoint libzmq binds for cfg's: "localhost" as 127.0.0.1 (libzmq
 * binds interface names and addresses, not host names); *ipv6 when the
 * host is an IPv6 literal ("[::1]"), which needs ZMQ_IPV6 on. */
static int s_bind_endpoint(const char *ep, char *out, size_t cap, int *ipv6)
{
    static const char lh[] = "tcp://localhost:";
    *ipv6 = !strncmp(ep, "tcp://[", 7);
    if (!strncasecmp(ep, lh, sizeof lh - 1))
        return snprintf(out, cap, "tcp://127.0.0.1:%s", ep + sizeof lh - 1) < (int)cap ? 0 : -1;
    return snprintf(out, cap, "%s", ep) < (int)cap ? 0 : -1;
}

verso_err verso_server_bind(verso_server *s)
{
    verso_server_impl *im = s->impl;
    int64_t hard = (int64_t)VERSO_HARD_LIMIT(s->cfg.max_message_bytes);
    int hwm = 1000, linger = S_FRONT_LINGER_MS, sndhwm = S_FRONT_SNDHWM;
    im->front = zmq_socket(im->zctx, ZMQ_ROUTER);
    if (!im->front)
        return VERSO_ETRANSPORT;
    zmq_setsockopt(im->front, ZMQ_MAXMSGSIZE, &hard, sizeof hard);
    zmq_setsockopt(im->front, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(im->front, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(im->front, ZMQ_LINGER, &linger, sizeof linger);
    if (s->host.curve && verso_server_front_curve(s))
        return VERSO_ETRANSPORT;
    if (verso_server_monitor_start(im))
        return VERSO_ETRANSPORT;
    char ep[1024];
    int ipv6 = 0;
    if (s_bind_endpoint(s->cfg.bind, ep, sizeof ep, &ipv6) < 0) {
        verso_log(VERSO_LOG_ERROR, "cannot bind %s: endpoint too long", s->cfg.bind);
        return VERSO_ETRANSPORT;
    }
    zmq_setsockopt(im->front, ZMQ_IPV6, &ipv6, sizeof ipv6);
    if (zmq_bind(im->front, ep) < 0) {
        verso_log(VERSO_LOG_ERROR, "cannot bind %s: %s", s->cfg.bind, zmq_strerror(zmq_errno()));
        return VERSO_ETRANSPORT;
    }
    size_t len = sizeof s->host.endpoint;
    zmq_getsockopt(im->front, ZMQ_LAST_ENDPOINT, s->host.endpoint, &len);
    return VERSO_OK;
}

/* Writes the bound endpoint to the ready file atomically (tmp + rename), so
 * that a reader never sees half a line. */
verso_err verso_server_write_ready(verso_server *s, const char *extra)
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
    int bad = fprintf(f, "%s\n%s", s->host.endpoint, extra ? extra : "") < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return VERSO_EIO;
    }
    return VERSO_OK;
}

/* Loads the server's key pair and the allow-list, or, without keys, checks
 * that the endpoint is local (or that --insecure says otherwise). */
verso_err verso_server_auth_init(verso_server *s)
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
    s->host.curve = 1;
    atomic_store(&s->host.stats.clients, verso_allow_count(im->allow));
    verso_log(VERSO_LOG_INFO, "CURVE on: server key %s, %zu client key(s) allowed",
              im->key.public_key, verso_allow_count(im->allow));
    return VERSO_OK;
}

/* SIGHUP: the new list replaces the old one only when it reads cleanly. */
void verso_server_reload(verso_server *s)
{
    verso_server_impl *im = s->impl;
    if (!s->host.curve) {
        verso_log(VERSO_LOG_INFO, "SIGHUP: no allow-list to reload (CURVE is off)");
        return;
    }
    char why[256];
    verso_allow *next;
    verso_err err = verso_allow_load(s->cfg.allow_file, &next, why);
    if (err) {
        atomic_fetch_add(&s->host.stats.reload_errors, 1);
        verso_log(VERSO_LOG_ERROR, "SIGHUP: allow-list not reloaded, the old one stays: %s", why);
        return;
    }
    verso_allow_destroy(&im->allow);
    im->allow = next;
    atomic_store(&s->host.stats.clients, verso_allow_count(next));
    atomic_fetch_add(&s->host.stats.reloads, 1);
    verso_log(VERSO_LOG_INFO, "SIGHUP: allow-list reloaded, %zu client key(s)",
              verso_allow_count(next));
    if (s->cfg.reloaded)
        s->cfg.reloaded(s->cfg.reloaded_arg);
}
