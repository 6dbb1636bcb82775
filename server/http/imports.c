/*
 * imports.c - the table of TMX imports by upload and their progress
 * (docs/HTTP.md, "TMX import"): an upload (upload.c) takes a row when it
 * starts and publishes its counts as it reads; GET /api/v1/imports[/{id}]
 * reads them, DELETE /api/v1/imports/{id} asks a running import to stop.
 * A caller sees its own imports (an admin sees all). The table keeps the
 * last VERSO_HTTP_JOBS imports; a running one is never pushed out.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "http_int.h"

#define S_PREFIX "/api/v1/imports"

static const char *s_state_name(verso_http_job_state s)
{
    switch (s) {
    case VERSO_JOB_RUNNING: return "running";
    case VERSO_JOB_DONE: return "done";
    case VERSO_JOB_FAILED: return "failed";
    case VERSO_JOB_CANCELLED: return "cancelled";
    default: return "none";
    }
}

int64_t verso_http_job_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An id a client may choose: 8-64 of [A-Za-z0-9_-]. */
static bool s_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n < 8 || n > VERSO_HTTP_JOB_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* The row of id, or -1 (h->jobs_mu held). */
static int s_find(const verso_http *h, const char *id)
{
    for (int i = 0; i < VERSO_HTTP_JOBS; i++)
        if (h->jobs[i].state != VERSO_JOB_FREE && !strcmp(h->jobs[i].id, id))
            return i;
    return -1;
}

/* A free row, else the oldest ended one, else -1 (h->jobs_mu held). */
static int s_row(const verso_http *h)
{
    int best = -1;
    for (int i = 0; i < VERSO_HTTP_JOBS; i++) {
        const verso_http_job *j = &h->jobs[i];
        if (j->state == VERSO_JOB_FREE)
            return i;
        if (j->state != VERSO_JOB_RUNNING && (best < 0 || j->seq < h->jobs[best].seq))
            best = i;
    }
    return best;
}

verso_err verso_http_job_start(verso_http *h, verso_http_job *job, const char *id)
{
    if (id && !s_id_ok(id))
        return VERSO_EBADREQ;
    char made[2 * 8 + 1];
    if (!id) {
        unsigned char rnd[8];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            return VERSO_EINTERNAL;
        for (size_t i = 0; i < sizeof rnd; i++)
            snprintf(made + 2 * i, 3, "%02x", rnd[i]);
        id = made;
    }
    snprintf(job->id, sizeof job->id, "%s", id);
    job->state = VERSO_JOB_RUNNING;
    job->started_ms = verso_http_job_now_ms();
    pthread_mutex_lock(&h->jobs_mu);
    int row = s_find(h, id) >= 0 ? -2 : s_row(h);
    if (row >= 0) {
        job->seq = ++h->job_seq;
        job->row = row;
        h->jobs[row] = *job;
    }
    pthread_mutex_unlock(&h->jobs_mu);
    return row == -2 ? VERSO_EEXIST : row < 0 ? VERSO_EBUSY : VERSO_OK;
}

bool verso_http_job_publish(verso_http *h, verso_http_job *job)
{
    pthread_mutex_lock(&h->jobs_mu);
    verso_http_job *row = &h->jobs[job->row];
    job->cancel = row->cancel;
    *row = *job;
    pthread_mutex_unlock(&h->jobs_mu);
    return job->cancel;
}

/* The JSON of a job. */
static json_t *s_json(const verso_http_job *j)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "id", j->id, "tm",
        j->tm, "file", j->file, "state", s_state_name(j->state), "bytes", (json_int_t)j->bytes,
        "tus", (json_int_t)j->tus, "entries", (json_int_t)j->entries, "added", (json_int_t)j->added,
        "updated", (json_int_t)j->updated, "skipped", (json_int_t)j->skipped, "rejected",
        (json_int_t)j->rejected, "started_ms", (json_int_t)j->started_ms, "ended_ms",
        (json_int_t)j->ended_ms, "elapsed_s",
        (double)((j->ended_ms ? j->ended_ms : verso_http_job_now_ms()) - j->started_ms) / 1000.0);
    if (!o)
        return NULL;
    json_object_set_new(o, "bytes_total",
                        j->has_total ? json_integer((json_int_t)j->bytes_total) : json_null());
    json_t *rej = json_array(), *why = json_array();
    for (size_t i = 0; i < j->nrejects; i++)
        json_array_append_new(rej, json_pack("{s:I, s:s}", "line", (json_int_t)j->rejects[i].line,
                                             "why", j->rejects[i].why));
    for (size_t i = 0; i < j->nreasons; i++)
        json_array_append_new(why, json_pack("{s:s, s:I}", "why", j->reasons[i].why, "n",
                                             (json_int_t)j->reasons[i].n));
    json_object_set_new(o, "first_rejects", rej);
    json_object_set_new(o, "reasons", why);
    if (j->state == VERSO_JOB_FAILED || j->state == VERSO_JOB_CANCELLED)
        json_object_set_new(o, "error",
                            json_pack("{s:s, s:s}", "code", j->code ? j->code : "EINTERNAL",
                                      "message", j->message));
    return o;
}

void verso_http_job_reply(verso_http_reply *rep, unsigned status, const verso_http_job *j,
                          const char *key)
{
    json_t *o = s_json(j), *top = key && o ? json_pack("{s:o}", key, o) : o;
    char *text = top ? json_dumps(top, JSON_COMPACT) : NULL;
    json_decref(top);
    if (!text) {
        verso_http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "ENOMEM", "out of memory");
        return;
    }
    rep->status = status;
    rep->type = "application/json";
    verso_buf_reset(&rep->body);
    verso_buf_puts(&rep->body, text);
    free(text);
}

static bool s_visible(const verso_http_req *r, const verso_http_job *j)
{
    return r->who.role == VERSO_ROLE_ADMIN || !strcmp(j->owner, r->who.name);
}

/* GET /api/v1/imports: the caller's imports, newest first. */
static void s_list(verso_http_req *r, verso_http_reply *rep)
{
    json_t *list = json_array();
    pthread_mutex_lock(&r->h->jobs_mu);
    bool taken[VERSO_HTTP_JOBS] = {0};
    for (;;) { /* newest first: by seq, highest not yet taken */
        int best = -1;
        for (int i = 0; i < VERSO_HTTP_JOBS; i++) {
            const verso_http_job *j = &r->h->jobs[i];
            if (!taken[i] && j->state != VERSO_JOB_FREE && s_visible(r, j) &&
                (best < 0 || j->seq > r->h->jobs[best].seq))
                best = i;
        }
        if (best < 0)
            break;
        taken[best] = true;
        json_array_append_new(list, s_json(&r->h->jobs[best]));
    }
    pthread_mutex_unlock(&r->h->jobs_mu);
    json_t *top = json_pack("{s:o}", "imports", list);
    char *text = top ? json_dumps(top, JSON_COMPACT) : NULL;
    json_decref(top);
    if (text) {
        rep->status = MHD_HTTP_OK;
        verso_buf_reset(&rep->body);
        verso_buf_puts(&rep->body, text);
        free(text);
    } else {
        verso_http_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "ENOMEM", "out of memory");
    }
}

/* GET or DELETE /api/v1/imports/{id}. */
static void s_one(verso_http_req *r, verso_http_reply *rep, const char *id, bool cancel)
{
    verso_http_job copy;
    pthread_mutex_lock(&r->h->jobs_mu);
    int i = s_find(r->h, id);
    bool seen = i >= 0 && s_visible(r, &r->h->jobs[i]);
    bool asked = seen && cancel && r->h->jobs[i].state == VERSO_JOB_RUNNING;
    if (asked)
        r->h->jobs[i].cancel = true; /* the upload stops at its next piece */
    if (seen)
        copy = r->h->jobs[i];
    pthread_mutex_unlock(&r->h->jobs_mu);
    if (!seen)
        verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no import %.80s", id);
    else if (asked)
        verso_http_job_reply(rep, MHD_HTTP_ACCEPTED, &copy, NULL);
    else
        verso_http_job_reply(rep, MHD_HTTP_OK, &copy, NULL);
}

bool verso_http_imports(verso_http_req *r, verso_http_reply *rep)
{
    size_t n = sizeof S_PREFIX - 1;
    if (strncmp(r->url, S_PREFIX, n) || (r->url[n] && r->url[n] != '/'))
        return false;
    const char *id = r->url[n] ? r->url + n + 1 : "";
    if (!*id) {
        if (strcmp(r->method, "GET"))
            verso_http_reply_method(rep, "GET");
        else
            s_list(r, rep);
    } else if (!strcmp(r->method, "GET") || !strcmp(r->method, "DELETE")) {
        s_one(r, rep, id, !strcmp(r->method, "DELETE"));
    } else {
        verso_http_reply_method(rep, "GET, DELETE");
    }
    return true;
}
