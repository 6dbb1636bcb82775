/*
 * server_int.h - what the broker's two files share: server.c (the loop,
 * workers, stop) and front.c (binding, the ready file, the allow-list).
 * Internal to core/; everyone else uses server.h. All of it runs on the
 * broker's thread.
 */
#ifndef VERSO_SERVER_INT_H
#define VERSO_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "keyfile.h"
#include "pending.h"
#include "server.h"
#include "worker.h"
#include "writer.h"

#define VERSO_SERVER_DEAD_FDS 256 /* connections gone, remembered until their fd is reused */

/* What a worker is running: its client's routing id, connection and
 * caller name (the allow-list's name of its key with CURVE). */
typedef struct verso_server_busy {
    bool on;
    int fd;
    size_t idlen;
    unsigned char id[256];
    char name[VERSO_NAME_MAX + 1];
} verso_server_busy;

/* A lane (handler.h): its workers, their idle ones, and the requests
 * waiting for one of them. */
typedef struct verso_server_lane {
    unsigned first, n; /* its workers: indices first .. first + n - 1 */
    unsigned cap;      /* requests one client may run in it at once */
    unsigned *idle;    /* stack of its idle workers */
    unsigned nidle;
    verso_pending pending; /* requests waiting for one */
} verso_server_lane;

#define VERSO_SERVER_LANES 2 /* work and writes; control requests have a worker of their own */

struct verso_server_impl {
    void *zctx;
    void *front;             /* ROUTER, clients */
    void *back;              /* ROUTER, workers */
    verso_worker *workers;   /* the workers for work, then for writes, then the control worker */
    unsigned nworkers;       /* threads started (all lanes and control) */
    unsigned nwork;          /* workers of the lanes: cfg.threads + cfg.write_threads */
    unsigned control;        /* index of the control worker (ping, hello, stats) */
    unsigned ready;          /* workers that said READY */
    unsigned control_out;    /* requests the control worker has not answered yet */
    verso_server_busy *busy; /* per worker */
    verso_server_lane lane[VERSO_SERVER_LANES]; /* VERSO_LANE_WORK, VERSO_LANE_WRITE */
    void *monitor;                              /* PAIR, the front socket's connection events */
    int dead[VERSO_SERVER_DEAD_FDS];            /* fds of connections gone (ring; -1: free) */
    unsigned ndead;
    int64_t stop_at_ms; /* when the stop was seen; 0: not stopping */
    bool grace_over;    /* in-flight requests were cancelled */
    verso_writer *writer;
    int sigpipe[2];     /* the signal handlers' wake-ups: 'x' stop, 'h' reload */
    void *zap;          /* REP, the ZAP handler (CURVE only) */
    verso_allow *allow; /* the current allow-list (CURVE only) */
    verso_keypair key;  /* the server's key pair (CURVE only) */
    verso_zap_counts zc;
};

/* Binds the front socket (CURVE on when the host says so) and fills
 * s->host.endpoint. Errors: ETRANSPORT (logged). */
verso_err verso_server_bind(verso_server *s);

/* Writes the bound endpoint, then extra (NULL, or lines), to
 * cfg.ready_file (if any) atomically. Errors: EINVAL, EIO. */
verso_err verso_server_write_ready(verso_server *s, const char *extra);

/* Loads the key pair and the allow-list, or checks that a server without
 * keys serves this machine only (or --insecure). Errors logged: EINVAL,
 * EDENIED, EIO. */
verso_err verso_server_auth_init(verso_server *s);

/* SIGHUP: rereads the allow-list; the old one stays when the new one does
 * not read cleanly. */
void verso_server_reload(verso_server *s);

/* Starts watching the front socket's connections (server.c). */
verso_err verso_server_monitor_start(verso_server_impl *im);

#endif
