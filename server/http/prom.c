/*
 * prom.c - GET /metrics: the server's figures in Prometheus' text exposition
 * format (version 0.0.4): requests, errors and latency histograms per op,
 * the requests queued and running, handshakes, the store's bytes, entries
 * per TM and the fuzzy index's backlog (docs/HTTP.md lists them).
 */
#include <inttypes.h>
#include <string.h>

#include "http_int.h"
#include "ops.h"
#include "tm.h"
#include "tmfuzzy.h"

/* Histogram bounds, in seconds and in microseconds. */
static const char *const s_le[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
                                   "0.01",   "0.025",   "0.05",   "0.1",   "0.25",   "0.5",
                                   "1",      "2.5",     "5",      "10",    "30",     "120"};
static const uint64_t s_le_us[] = {100,     250,     500,     1000,     2500,     5000,
                                   10000,   25000,   50000,   100000,   250000,   500000,
                                   1000000, 2500000, 5000000, 10000000, 30000000, 120000000};

static void s_head(verso_buf *b, const char *name, const char *type, const char *help)
{
    verso_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void s_ops(verso_buf *b, const verso_host *h)
{
    size_t n;
    const verso_op *ops = verso_op_table(&n);
    n = n < VERSO_METRICS_OPS ? n : VERSO_METRICS_OPS;
    s_head(b, "verso_requests_total", "counter", "Requests run, per op.");
    for (size_t i = 0; i < n; i++)
        verso_buf_printf(b, "verso_requests_total{op=\"%s\"} %" PRIu64 "\n", ops[i].name,
                         (uint64_t)atomic_load(&h->metrics.ops[i].count));
    s_head(b, "verso_request_errors_total", "counter", "Requests answered with an error, per op.");
    for (size_t i = 0; i < n; i++)
        verso_buf_printf(b, "verso_request_errors_total{op=\"%s\"} %" PRIu64 "\n", ops[i].name,
                         (uint64_t)atomic_load(&h->metrics.ops[i].errors));
    s_head(b, "verso_request_duration_seconds", "histogram",
           "Time running a request's op, per op (queueing not included).");
    for (size_t i = 0; i < n; i++) {
        const verso_op_metrics *o = &h->metrics.ops[i];
        uint64_t count = atomic_load(&o->count);
        for (size_t k = 0; k < sizeof s_le_us / sizeof s_le_us[0]; k++) {
            uint64_t c = verso_metrics_count_upto(o, s_le_us[k]);
            verso_buf_printf(
                b, "verso_request_duration_seconds_bucket{op=\"%s\",le=\"%s\"} %" PRIu64 "\n",
                ops[i].name, s_le[k], c < count ? c : count);
        }
        verso_buf_printf(b,
                         "verso_request_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} %" PRIu64
                         "\nverso_request_duration_seconds_sum{op=\"%s\"} %.6f\n"
                         "verso_request_duration_seconds_count{op=\"%s\"} %" PRIu64 "\n",
                         ops[i].name, count, ops[i].name, (double)atomic_load(&o->total_us) / 1e6,
                         ops[i].name, count);
    }
}

static void s_counter(verso_buf *b, const char *name, const char *type, const char *help,
                      uint64_t v)
{
    s_head(b, name, type, help);
    verso_buf_printf(b, "%s %" PRIu64 "\n", name, v);
}

static void s_host(verso_buf *b, const verso_host *h)
{
    const verso_host_stats *s = &h->stats;
    s_counter(b, "verso_requests_queued", "gauge", "Requests waiting for a worker now.",
              atomic_load(&s->queued));
    s_counter(b, "verso_requests_running", "gauge", "Requests whose op runs now.",
              atomic_load(&s->running));
    s_counter(b, "verso_requests_timed_out_total", "counter", "Requests stopped at their deadline.",
              atomic_load(&s->timed_out));
    s_counter(b, "verso_requests_cancelled_total", "counter",
              "Requests stopped or dropped: client gone, or the server stopping.",
              atomic_load(&s->cancelled));
    s_counter(b, "verso_requests_denied_total", "counter",
              "Requests refused for their key or role.", atomic_load(&s->denied));
    s_counter(b, "verso_handshakes_accepted_total", "counter",
              "CurveZMQ handshakes the allow-list admitted.", atomic_load(&s->hs_accepted));
    s_counter(b, "verso_handshakes_refused_total", "counter",
              "CurveZMQ handshakes the allow-list refused.", atomic_load(&s->hs_refused));
}

static int s_tm_one(void *arg, verso_str name, uint32_t id, uint64_t entries)
{
    (void)id;
    verso_buf *b = arg;
    verso_buf_puts(b, "verso_tm_entries{tm=\"");
    for (size_t i = 0; i < name.n; i++) { /* label values escape \ " and newline */
        char c = name.p[i];
        verso_buf_puts(b, c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : "");
        if (c != '\\' && c != '"' && c != '\n')
            verso_buf_append(b, &c, 1);
    }
    verso_buf_printf(b, "\"} %" PRIu64 "\n", entries);
    return 0;
}

/* What lookups' fuzzy searches read since start (indexer.h). */
static void s_fuzzy(verso_buf *b, const verso_indexer_counts *c)
{
    s_counter(b, "verso_fuzzy_searches_total", "counter",
              "Fuzzy searches (one per direction of a language pair a lookup searched).",
              atomic_load(&c->searches));
    s_counter(b, "verso_fuzzy_postings_read_total", "counter", "Postings the fuzzy searches read.",
              atomic_load(&c->postings));
    s_counter(b, "verso_fuzzy_candidates_total", "counter",
              "Entries the postings gave as candidates.", atomic_load(&c->candidates));
    s_counter(b, "verso_fuzzy_verified_total", "counter",
              "Candidates whose edit distance was computed.", atomic_load(&c->verified));
    s_counter(b, "verso_fuzzy_scans_total", "counter",
              "Fuzzy searches that read every entry's tokens instead of the index.",
              atomic_load(&c->scans));
}

static verso_err s_store(verso_buf *b, verso_env *env)
{
    verso_store_stats st;
    verso_err err = verso_store_stat(env->store, &st);
    if (err)
        return err;
    s_counter(b, "verso_store_used_bytes", "gauge", "Pages of the store in use, in bytes.",
              st.used_bytes);
    s_counter(b, "verso_store_file_bytes", "gauge", "Size of the store's file on disk.",
              st.file_bytes);
    s_counter(b, "verso_store_map_bytes", "gauge", "The store's map size.", st.map_size);
    verso_txn *t;
    if ((err = verso_store_read_begin(env->store, &t)))
        return err;
    uint64_t upto = 0, last = 0;
    err = verso_tmfuzzy_upto(t, &upto);
    err = err ? err : verso_tm_last_id(t, &last);
    if (!err) {
        s_counter(b, "verso_fuzzy_index_pending_ids", "gauge",
                  "Entry ids added but not yet posted to the fuzzy index.",
                  upto < last ? last - upto : 0);
        s_fuzzy(b, &env->indexer.counts);
        s_head(b, "verso_tm_entries", "gauge", "Entries per TM.");
        err = verso_tm_each(t, s_tm_one, b);
    }
    verso_store_read_end(&t);
    return err;
}

bool verso_http_prom(verso_http_req *r, verso_http_reply *rep)
{
    if (strcmp(r->url, "/metrics"))
        return false;
    if (strcmp(r->method, "GET")) {
        verso_http_reply_method(rep, "GET");
        return true;
    }
    verso_buf_reset(&rep->body);
    s_ops(&rep->body, r->h->host);
    s_host(&rep->body, r->h->host);
    verso_err err = s_store(&rep->body, r->h->env);
    if (err) {
        verso_http_reply_error(rep, verso_http_status_of(err), verso_err_symbol(err),
                               "reading the store's figures: %s", verso_strerror(err));
        return true;
    }
    rep->status = MHD_HTTP_OK;
    rep->type = "text/plain; version=0.0.4; charset=utf-8";
    return true;
}
