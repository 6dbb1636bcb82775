/*
 * main.c - versod's command line, and where the layers meet: flags, the
 * ops' environment (ops/env.h: store, rules, word lists), the broker
 * (core/server.h) handed the ops' handler table and the indexer's
 * background work, signals, run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "http.h"
#include "keyfile.h"
#include "log.h"
#include "server.h"
#include "verso/version.h"

static verso_server *s_server; /* for the signal handler only */
static verso_http *s_http;     /* for the reload hook: set before the broker runs */

/* The broker reread the allow-list (SIGHUP): the HTTP front door rereads its keys. */
static void s_reloaded(void *arg)
{
    (void)arg;
    verso_http_reload(s_http);
}

static void s_on_signal(int sig)
{
    if (!s_server)
        return;
    if (sig == SIGHUP)
        verso_server_request_reload(s_server);
    else
        verso_server_request_stop(s_server);
}

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: versod [options]\n"
            "       versod keygen BASE    write a key pair: BASE.pub, BASE.secret (0600)\n"
            "  --bind ENDPOINT          listen here (default %s;\n"
            "                           tcp://127.0.0.1:* picks a free port)\n"
            "  --data DIR               data directory (default ./verso-data)\n"
            "  --threads N              worker threads for work (default 4)\n"
            "  --write-threads N        worker threads for writes (add, update, delete,\n"
            "                           tm_create, tm_delete), which mostly wait for the\n"
            "                           commit (default 4; 0: writes run as work)\n"
            "  --rules DIR              segmentation rule files (default %s)\n"
            "  --srx FILE               an SRX 2.0 rule set the ops' \"rules\" may name\n"
            "                           (by its file name up to the first dot); repeatable\n"
            "  --dict DIR               bilingual word lists A-B.tsv for the aligner\n"
            "                           (corpora/dicts.py; default: none)\n"
            "  --ready-file PATH        write the bound endpoint here once serving\n"
            "  --max-message-bytes N    largest request accepted (default 16M)\n"
            "  --request-timeout-ms N   a request's deadline, and the most its timeout_ms\n"
            "                           may ask (default %u)\n"
            "  --stop-grace-ms N        at SIGTERM/SIGINT, in-flight requests are cancelled\n"
            "                           after N ms (default %u)\n"
            "  --map-size N             initial LMDB map size (default 1G; grows)\n"
            "  --max-map-size N         LMDB map growth limit (default 1T)\n"
            "  --log-level LEVEL        error, warn, info (default) or debug\n"
            "  --curve-key FILE         CurveZMQ: the server's key pair (versod keygen)\n"
            "  --allow FILE             CurveZMQ: the clients' keys, roles and names;\n"
            "                           reread on SIGHUP (docs/SECURITY.md)\n"
            "  --insecure               serve a non-local endpoint without CurveZMQ\n"
            "  --http HOST:PORT         also serve HTTP there: the JSON API, amaGama's\n"
            "                           tmserver API (docs/HTTP.md); port 0 picks one\n"
            "  --http-threads N         HTTP requests run at once (default 4)\n"
            "  --http-timeout-s N       an idle or slow HTTP connection is closed after\n"
            "                           N s (default 30)\n"
            "  --http-cert FILE, --http-key FILE\n"
            "                           HTTPS: a PEM certificate (chain) and its key. With\n"
            "                           --allow, HTTP clients need an API key of the list\n"
            "  --console DIR            the web console's files, served at / (default %s;\n"
            "                           --console '' serves none)\n"
            "  --version, --help\n"
            "Sizes take K, M, G or T suffixes (powers of 1024).\n",
            VERSO_DEFAULT_ENDPOINT, VERSO_RULES_DIR, VERSO_REQUEST_TIMEOUT_MS, VERSO_STOP_GRACE_MS,
            VERSO_CONSOLE_DIR);
}

/* Parses "64M" and the like. Returns 0, or -1 when malformed. */
static int s_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    int shift = 0;
    switch (*end) {
    case 'K':
    case 'k':
        shift = 10;
        end++;
        break;
    case 'M':
    case 'm':
        shift = 20;
        end++;
        break;
    case 'G':
    case 'g':
        shift = 30;
        end++;
        break;
    case 'T':
    case 't':
        shift = 40;
        end++;
        break;
    default: break;
    }
    if (*end || (shift && v > (~0ULL >> shift)))
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

static int s_parse_level(const char *s)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            verso_log_set_level((verso_log_level)i);
            return 0;
        }
    return -1;
}

static int s_parse(int argc, char **argv, verso_server_config *cfg, verso_env_config *env,
                   verso_http_config *http)
{
    static const struct option opts[] = {
        {"bind", 1, 0, 'b'},          {"data", 1, 0, 'd'},
        {"threads", 1, 0, 't'},       {"write-threads", 1, 0, 'w'},
        {"ready-file", 1, 0, 'r'},    {"max-message-bytes", 1, 0, 'm'},
        {"map-size", 1, 0, 's'},      {"max-map-size", 1, 0, 'S'},
        {"log-level", 1, 0, 'l'},     {"rules", 1, 0, 'R'},
        {"dict", 1, 0, 'D'},          {"srx", 1, 0, 'X'},
        {"curve-key", 1, 0, 'k'},     {"allow", 1, 0, 'a'},
        {"insecure", 0, 0, 'I'},      {"request-timeout-ms", 1, 0, 'T'},
        {"stop-grace-ms", 1, 0, 'G'}, {"http", 1, 0, 'H'},
        {"http-threads", 1, 0, 'P'},  {"http-timeout-s", 1, 0, 'O'},
        {"http-cert", 1, 0, 'C'},     {"http-key", 1, 0, 'K'},
        {"console", 1, 0, 'W'},       {"version", 0, 0, 'V'},
        {"help", 0, 0, 'h'},          {0, 0, 0, 0}};
    int c, bad = 0;
    size_t n;
    while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b': cfg->bind = optarg; break;
        case 'd': cfg->data_dir = env->data_dir = optarg; break;
        case 'r': cfg->ready_file = optarg; break;
        case 'R': env->rules_dir = optarg; break;
        case 'D': env->dict_dir = optarg; break;
        case 'X':
            bad = env->nsrx_files >= VERSO_SRX_MAX_SETS;
            if (!bad)
                env->srx_files[env->nsrx_files++] = optarg;
            break;
        case 'k': cfg->curve_secret = optarg; break;
        case 'a': cfg->allow_file = http->allow_file = optarg; break;
        case 'C': http->cert_file = optarg; break;
        case 'K': http->key_file = optarg; break;
        case 'W': http->console_dir = *optarg ? optarg : NULL; break;
        case 'I': cfg->insecure = http->insecure = 1; break;
        case 'H': http->bind = optarg; break;
        case 'P':
            bad = s_parse_size(optarg, &n) || n < 1 || n > 256;
            http->threads = (unsigned)n;
            break;
        case 'O':
            bad = s_parse_size(optarg, &n) || n < 1 || n > 3600;
            http->timeout_s = (unsigned)n;
            break;
        case 't':
            bad = s_parse_size(optarg, &n) || n < 1 || n > 250;
            cfg->threads = (unsigned)n;
            break;
        case 'w':
            bad = s_parse_size(optarg, &n) || n > 16;
            cfg->write_threads = (unsigned)n;
            break;
        case 'm': bad = s_parse_size(optarg, &cfg->max_message_bytes); break;
        case 'T': /* at most a week: deadlines in ns must not wrap */
            bad = s_parse_size(optarg, &n) || n < 1 || n > VERSO_MAX_TIMEOUT_MS;
            cfg->request_timeout_ms = n;
            break;
        case 'G':
            bad = s_parse_size(optarg, &n) || n < 1 || n > VERSO_MAX_TIMEOUT_MS;
            cfg->stop_grace_ms = http->stop_grace_ms = n;
            break;
        case 's': bad = s_parse_size(optarg, &env->store.map_size); break;
        case 'S': bad = s_parse_size(optarg, &env->store.max_map_size); break;
        case 'l': bad = s_parse_level(optarg); break;
        case 'V': printf("versod %s (protocol %d)\n", VERSO_VERSION, VERSO_PROTOCOL); exit(0);
        case 'h': s_usage(stdout); exit(0);
        default: bad = 1;
        }
    }
    if (bad || optind != argc) {
        if (optind < argc && !bad)
            fprintf(stderr, "versod: unexpected argument '%s'\n", argv[optind]);
        else
            fprintf(stderr, "versod: bad value for an option\n");
        s_usage(stderr);
        return -1;
    }
    return 0;
}

/* versod keygen BASE */
static int s_keygen(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: versod keygen BASE\n");
        return 2;
    }
    verso_keypair kp;
    verso_err err = verso_keyfile_generate(argv[2], &kp);
    if (err) {
        fprintf(stderr, "versod: cannot write %s.pub and %s.secret: %s\n", argv[2], argv[2],
                verso_strerror(err));
        return 1;
    }
    printf("public key %s\nwritten to %s.pub; the key pair to %s.secret (mode 0600)\n",
           kp.public_key, argv[2], argv[2]);
    explicit_bzero(&kp, sizeof kp);
    return 0;
}

/* Starts the HTTP front door when asked, then writes the ready file: the
 * ZeroMQ endpoint, and the HTTP URL on a second line. */
static verso_err s_announce(verso_server *srv, verso_env *env, const verso_http_config *hcfg,
                            verso_http **http)
{
    char extra[128] = "";
    if (hcfg->bind) {
        verso_err err = verso_http_new(hcfg, env, &srv->host, verso_server_zctx(srv), http);
        if (err)
            return err;
        const char *colon = strrchr(hcfg->bind, ':');
        snprintf(extra, sizeof extra, "%s://%.*s:%u/\n", verso_http_tls(*http) ? "https" : "http",
                 (int)(colon - hcfg->bind), hcfg->bind, (unsigned)verso_http_port(*http));
    }
    return verso_server_ready(srv, extra);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "keygen"))
        return s_keygen(argc, argv);
    verso_server_config cfg = {.bind = VERSO_DEFAULT_ENDPOINT,
                               .data_dir = "./verso-data",
                               .threads = 4,
                               .write_threads = 4,
                               .max_message_bytes = (size_t)16 << 20};
    verso_env_config ecfg = {.data_dir = cfg.data_dir, .rules_dir = VERSO_RULES_DIR};
    verso_http_config hcfg = {
        .threads = 4, .timeout_s = 30, .max_conns = 1024, .console_dir = VERSO_CONSOLE_DIR};
    if (s_parse(argc, argv, &cfg, &ecfg, &hcfg) < 0)
        return 2;
    /* LMDB reader slots: every worker (and the control worker), every HTTP
     * thread and the writer may hold a read transaction at once; 126 (LMDB's
     * default) is too few for --threads 250 --http-threads 256. */
    unsigned readers =
        2 * (cfg.threads + cfg.write_threads + 1 + (hcfg.bind ? hcfg.threads : 0)) + 16;
    ecfg.store.max_readers = readers > 126 ? readers : 126;
    if (cfg.max_message_bytes < 1024) {
        fprintf(stderr, "versod: --max-message-bytes must be at least 1K\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* A write past RLIMIT_FSIZE then fails with EFBIG (ENOSPC, as a full
     * disk: store.c) instead of killing the server. */
    signal(SIGXFSZ, SIG_IGN);
    /* Only this thread takes SIGINT/SIGTERM/SIGHUP: block them while the server
     * starts its threads (which inherit the mask), then unblock here, where
     * the handler can never run during verso_server_destroy. */
    sigset_t stop_sigs;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGINT);
    sigaddset(&stop_sigs, SIGTERM);
    sigaddset(&stop_sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    verso_env *env = NULL;
    verso_err err = verso_env_new(&ecfg, &env);
    if (!err) {
        cfg.store = env->store;
        cfg.handler = verso_env_handler(env);
        cfg.idle = verso_indexer_step;
        cfg.idle_arg = &env->indexer;
        cfg.reloaded = s_reloaded;
        err = verso_server_new(&cfg, &s_server);
    }
    if (err) {
        verso_env_destroy(&env);
        /* every cause is logged where it happens (a refused bind, a key file, the
         * allow-list, the store): the code alone would mislead (EDENIED is also a
         * non-local endpoint without keys) */
        fprintf(stderr, "versod: cannot start (%s): the error logged above says why\n",
                verso_err_symbol(err));
        return 1;
    }
    err = s_announce(s_server, env, &hcfg, &s_http);
    if (!err) {
        pthread_sigmask(SIG_UNBLOCK, &stop_sigs, NULL); /* a pending signal lands now */
        err = verso_server_run(s_server);
        pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
    }
    verso_http_destroy(&s_http); /* its writer connections close before the server's context */
    verso_server_destroy(&s_server);
    verso_env_destroy(&env);
    return err ? 1 : 0;
}
