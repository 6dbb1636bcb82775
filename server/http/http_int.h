/*
 * http_int.h - what the HTTP front door's files share: http.c (the daemon,
 * requests, slots, routing), call.c (running an op and answering in
 * JSON), json.c (JSON into msgpack), api.c (/api/v1), tmserver.c
 * (amaGama's API), mymemory.c (MyMemory's), prom.c (/metrics),
 * console.c (the web console's files) and transfer.c (TMX download). Internal to server/http/.
 *
 * Ownership: a verso_http_req lives from a request's first byte to its
 * completion (http.c frees it); a verso_http_reply and a verso_http_result
 * are their caller's (on its stack: _init, _fini); strings handed out are
 * borrowed from the request or the result they come from.
 */
#ifndef VERSO_HTTP_INT_H
#define VERSO_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <msgpack.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "auth.h"
#include "buf.h"
#include "dispatch.h"
#include "http.h"
#include "pack.h"

#define VERSO_HTTP_CONSOLE_FILES 3  /* index.html, app.js, style.css */
#define VERSO_HTTP_JOBS          64 /* TMX imports by upload remembered (imports.c) */
#define VERSO_HTTP_JOB_ID        64 /* bytes of an import's id */
#define VERSO_HTTP_JOB_REJECTS   10 /* rejected records shown with their line */
#define VERSO_HTTP_JOB_REASONS   16 /* reasons counted */

typedef enum verso_http_job_state {
    VERSO_JOB_FREE = 0, /* a row never used */
    VERSO_JOB_RUNNING,
    VERSO_JOB_DONE,
    VERSO_JOB_FAILED,
    VERSO_JOB_CANCELLED
} verso_http_job_state;

/* An import by upload and its progress: the upload's own copy, published
 * into the server's table (imports.c). Strings are static text or held. */
typedef struct verso_http_job {
    char id[VERSO_HTTP_JOB_ID + 1];
    char tm[256];
    char owner[VERSO_NAME_MAX + 1]; /* the caller's name: who may see it */
    char file[128];                 /* ?filename=, the entries' origin */
    verso_http_job_state state;
    bool cancel; /* asked to stop (DELETE) */
    bool has_total;
    uint64_t bytes, bytes_total; /* read so far; Content-Length when given */
    uint64_t tus, entries, added, updated, skipped, rejected;
    struct {
        uint64_t line;
        const char *why;
    } rejects[VERSO_HTTP_JOB_REJECTS];
    size_t nrejects;
    struct {
        const char *why;
        uint64_t n;
    } reasons[VERSO_HTTP_JOB_REASONS];
    size_t nreasons;
    const char *code; /* a failed import's wire code */
    char message[256];
    int64_t started_ms, ended_ms; /* unix ms; ended 0 while running */
    uint64_t seq;                 /* order of start */
    int row;                      /* its row in the table */
} verso_http_job;

/* What a request runs with: a segmenter and fuzzy matcher, and a writer
 * connection (a ZeroMQ socket: one user at a time, handed over under the
 * pool's lock). */
typedef struct verso_http_slot {
    verso_op_thread *th;
    void *writer;
    bool busy;
} verso_http_slot;

struct verso_http {
    struct MHD_Daemon *d;
    verso_env *env;
    verso_host *host;
    void *zctx;
    verso_http_slot *slots;
    unsigned nslots;
    pthread_mutex_t mu; /* slots' busy flags */
    pthread_cond_t cv;
    atomic_uint cancel; /* set when stopping: running requests stop (work.h) */
    uint16_t port;
    uint64_t grace_ms; /* at a stop, running requests get this long to finish */
    bool tls;
    const char *allow_file; /* borrowed from the configuration; NULL: no keys */
    pthread_rwlock_t keys;  /* allow, read by requests, swapped by verso_http_reload */
    struct verso_allow *allow;
    char *cert, *key; /* PEM, read once; libmicrohttpd keeps pointers to them */
    bool has_console; /* the console's files were read (console.c) */
    verso_buf console[VERSO_HTTP_CONSOLE_FILES];
    pthread_mutex_t log_mu; /* refusal lines: at most VERSO_ZAP_LOG_PER_S a second */
    long long log_second;
    unsigned log_lines;
    unsigned long long log_unlogged;
    pthread_mutex_t jobs_mu; /* jobs, job_seq */
    verso_http_job jobs[VERSO_HTTP_JOBS];
    uint64_t job_seq;
};

typedef struct verso_http_upload verso_http_upload;

/* One request being read and answered. */
typedef struct verso_http_req {
    verso_http *h;
    struct MHD_Connection *conn;
    const char *method; /* "GET", "POST"... (libmicrohttpd's, for the request's life) */
    const char *url;    /* the path, percent-decoded by libmicrohttpd */
    verso_buf body;     /* the upload, capped at max_message_bytes */
    bool too_big;       /* the upload went past the cap: the rest is dropped */
    uint64_t received_ns;
    verso_caller who;       /* the caller the request runs as */
    const char *denied;     /* why the request was refused before it ran (static text), or NULL */
    unsigned denied_status; /* 401 (no or unknown key) or 403 (a foreign page, a host) */
    bool answered;          /* a reply was queued before the body was read */
    verso_http_upload *upload; /* a TMX upload, read as it comes (upload.c), or NULL */
} verso_http_req;

/* A reply built apart, sent whole (dispatch.c's way: never half a reply). */
typedef struct verso_http_reply {
    unsigned status;
    const char *type; /* static text */
    verso_buf body;
    bool challenge;    /* a 401: tell the client how to authenticate */
    const char *allow; /* a 405: the methods the route takes (static), else NULL */
    bool csp;          /* the console's pages: a Content-Security-Policy */
    /* A body made as it is sent (a download), instead of body: libmicrohttpd
     * calls stream(stream_cls, ...) for more bytes, then stream_free(stream_cls)
     * (which owns stream_cls from then on); filename names the download. */
    ssize_t (*stream)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*stream_free)(void *cls);
    void *stream_cls;
    char filename[96];
} verso_http_reply;

void verso_http_reply_init(verso_http_reply *rep);
void verso_http_reply_fini(verso_http_reply *rep);
/* A JSON error body {"error": {"code": CODE, "message": ...}} with status. */
void verso_http_reply_error(verso_http_reply *rep, unsigned status, const char *code,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* An op's reply, decoded. */
typedef struct verso_http_result {
    verso_buf frame;           /* the reply frame */
    msgpack_unpacked up;       /* frame, unpacked */
    const msgpack_object *res; /* an ok reply's "res"; NULL after an error */
    verso_err err;             /* VERSO_OK, or the error the reply carries */
    const char *code;          /* its wire code ("EBADREQ"), static */
    char message[256];
} verso_http_result;

void verso_http_result_init(verso_http_result *res);
void verso_http_result_fini(verso_http_result *res);

/* An op's request fields built by a route: each field_* call packs one
 * key and its value and counts it, so no route counts by hand. For a
 * value of its own shape, call verso_http_field_key, then pack the value
 * with f->p. Caller-owned: _init, _fini. */
typedef struct verso_http_fields {
    msgpack_sbuffer buf;
    verso_pack p;
    uint32_t n;
} verso_http_fields;

void verso_http_fields_init(verso_http_fields *f);
void verso_http_fields_fini(verso_http_fields *f);
void verso_http_field_key(verso_http_fields *f, const char *key);
void verso_http_field_str(verso_http_fields *f, const char *key, const char *val);
void verso_http_field_int(verso_http_fields *f, const char *key, int64_t val);

/* The request frame {"v":1,"op":op, ...fields} into out (caller-owned).
 * Errors: the fields' packing failure, ENOMEM. */
verso_err verso_http_frame(const char *op, verso_http_fields *fields, msgpack_sbuffer *out);

/* The JSON API's body (body[0..len), untrusted; empty is {}) as an op's
 * fields. On an error rep holds the 4xx JSON reply saying why (api.c). */
verso_err verso_http_api_fields(const char *body, size_t len, verso_http_fields *fields,
                                verso_http_reply *rep);

/* Runs one request frame through the ops' dispatch with a slot of the
 * pool (http.c); the reply frame is appended to out. */
void verso_http_dispatch(verso_http_req *r, const void *frame, size_t len, verso_buf *out);

/*
 * Runs op as r's caller with fields (NULL: none; not v, id or op), through
 * the ops' dispatch, with a slot of the pool. Fills *res (its own or an
 * error reply's); returns res->err (a packing failure of the fields too).
 */
verso_err verso_http_run(verso_http_req *r, const char *op, verso_http_fields *fields,
                         verso_http_result *res);

/* A 405 for a route that takes the methods `allow` ("GET", "GET, HEAD"). */
void verso_http_reply_method(verso_http_reply *rep, const char *allow);

/* Parses a JSON body with jansson after counting its values (outside
 * strings) against VERSO_HTTP_JSON_MAX: jansson builds the whole tree
 * first, at about 50 bytes a value. NULL with rep holding the 4xx reply. */
#define VERSO_HTTP_JSON_MAX 1000000
json_t *verso_http_json_load(const char *body, size_t len, size_t flags, verso_http_reply *rep);

/* The routes' two requests (call.c), on the TM of ?tm= (default "default"):
 * a lookup of the one segment text (min_score, max_results), and an add of
 * the one pair src -> tgt with the conflict policy given. Fill *res; return
 * its error (EINTERNAL for an ok reply without a result). */
verso_err verso_http_lookup_one(verso_http_req *r, const char *sl, const char *tl, const char *text,
                                int64_t min, int64_t max, verso_http_result *res);
verso_err verso_http_add_one(verso_http_req *r, const char *sl, const char *tl, const char *src,
                             const char *tgt, const char *on_conflict, verso_http_result *res);

/* The matches of a lookup result's first segment, or NULL (borrowed). */
const msgpack_object *verso_http_first_matches(const msgpack_object *res);

/* A str field of a map as a new JSON string, "" when absent or not a str. */
json_t *verso_http_json_str(const msgpack_object *m, const char *key);

/* The HTTP status for a wire error. */
unsigned verso_http_status_of(verso_err err);

/* The error reply for a failed result (its code, message and status). */
void verso_http_reply_failed(verso_http_reply *rep, const verso_http_result *res);

/* Packs JSON value j as msgpack (json.c). Errors: EBADREQ (a number that
 * fits no msgpack type), the packer's. */
verso_err verso_http_json_pack(const json_t *j, verso_pack *p);

/* A query argument ("?name=value", decoded), or NULL. Borrowed from r. */
const char *verso_http_arg(const verso_http_req *r, const char *name);

/* Routes: each answers a request whose path is under its prefix into rep
 * and returns true, or returns false for a path it does not serve. */
bool verso_http_api(verso_http_req *r, verso_http_reply *rep);
bool verso_http_tmserver(verso_http_req *r, verso_http_reply *rep);
bool verso_http_mymemory(verso_http_req *r, verso_http_reply *rep);
bool verso_http_prom(verso_http_req *r, verso_http_reply *rep);     /* GET /metrics (prom.c) */
bool verso_http_console(verso_http_req *r, verso_http_reply *rep);  /* GET /, /console/FILE */
bool verso_http_transfer(verso_http_req *r, verso_http_reply *rep); /* TMX download (transfer.c) */

/* ---- TMX import by upload (upload.c, imports.c) ---- */

/* Whether r is an upload: POST /api/v1/tms/{name}/import. */
bool verso_http_upload_match(const verso_http_req *r);
/* Starts the upload r is (r->upload), after checking its caller, TM and
 * arguments; false with rep holding the refusal, sent before the body. */
bool verso_http_upload_begin(verso_http_req *r, verso_http_reply *rep);
/* A piece of the body; false: stop reading (cancelled, the server stops). */
bool verso_http_upload_feed(verso_http_upload *u, const char *data, size_t n);
/* The body has ended: the last entries go in, rep gets the outcome. */
void verso_http_upload_end(verso_http_upload *u, verso_http_reply *rep);
/* Frees *u (NULL after); an import still running failed (the client went
 * away). Safe with NULL. */
void verso_http_upload_free(verso_http_upload **u);

/* Takes a row for job (id: the client's, NULL: a new random one): fills
 * job->id, seq, row, state. Errors: EBADREQ (an id not 8-64 of
 * [A-Za-z0-9_-]), EEXIST (the id is taken), EBUSY (every row runs). */
verso_err verso_http_job_start(verso_http *h, verso_http_job *job, const char *id);
/* Copies job into its row; returns whether it was asked to stop. */
bool verso_http_job_publish(verso_http *h, verso_http_job *job);
/* rep = job as JSON with status (under {"key": ...} when key is not NULL). */
void verso_http_job_reply(verso_http_reply *rep, unsigned status, const verso_http_job *job,
                          const char *key);
int64_t verso_http_job_now_ms(void);
/* GET /api/v1/imports[/{id}], DELETE /api/v1/imports/{id}. */
bool verso_http_imports(verso_http_req *r, verso_http_reply *rep);

/* Reads the console's files from dir (NULL: no console). Errors (logged):
 * EIO, ETOOBIG (a file over 1 MiB). verso_http_console_free frees them. */
verso_err verso_http_console_load(verso_http *h, const char *dir);
void verso_http_console_free(verso_http *h);

#endif
