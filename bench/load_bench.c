/*
 * load_bench.c - mixed load on one versod: N clients (each a libverso client
 * in its own thread, one request in flight, back to back) send `lookup`s of
 * one sentence (90% by default) and `add`s of one new entry to a TM of 100k
 * synthetic en -> fr pairs for a bounded time, then print throughput, latency
 * percentiles per op, errors, the server's RSS and CPU over the run, and check
 * that every acknowledged add is stored. Exit 1 on any error or failed check.
 * `--ci` is the short run for CI. Usage: load_bench --help
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keyfile.h"
#include "mp.h"
#include "spawn.h"
#include "verso/envelope.h"

#define S_VOCAB        4000
#define S_MAX_WORDS    31 /* 30 words, plus the unique word of an add */
#define S_MAX_TEXT     2048
#define S_TOKEN        0xFFFF /* word index of an add's unique word */
#define S_FILL_BATCH   1000
#define S_FILL_FLIGHT  4
#define S_VERIFY_DEPTH 64
#define S_SHOW_ERRORS  5
#define S_TIMEOUT_MS   30000
#define S_INDEX_WAIT_S 600

enum { S_LOOKUP, S_ADD, S_NOPS };
enum { S_ESERVER, S_ETIMEOUT, S_ETRANSPORT, S_NERR };
static const char *const s_op_names[S_NOPS] = {"lookup", "add"};

typedef struct s_cfg {
    int clients, server_threads, server_write_threads, add_pct, curve;
    double seconds, warmup, max_rss_growth; /* growth < 0: no check */
    size_t entries;
    const char *versod, *data, *endpoint, *tm;
    pid_t pid;
    uint64_t seed;
} s_cfg;

/* A sentence: word indices into the vocabulary, commas, final mark. */
typedef struct s_sent {
    int n;
    uint16_t w[S_MAX_WORDS];
    uint32_t commas; /* bit i: comma after word i */
    char end;
    char token[24]; /* the word S_TOKEN stands for */
} s_sent;

typedef struct s_lat {
    uint32_t *us;
    size_t n, cap;
} s_lat;

typedef struct s_ack {
    uint64_t id, hash; /* entry id and hash of the source sent */
} s_ack;

typedef struct s_rss {
    long rss, anon, file; /* kB */
} s_rss;

typedef struct s_bench s_bench;

typedef struct s_worker {
    s_bench *b;
    int index;
    uint64_t rng;
    s_lat lat[S_NOPS];
    uint64_t errs[S_NERR];
    uint64_t exact_n, exact_hit, fuzzy_n, fuzzy_hit, add_not_added;
    s_ack *acks;
    size_t nacks, cap_acks;
} s_worker;

struct s_bench {
    s_cfg cfg;
    const char *endpoint;
    verso_keypair server, client; /* --curve: made for this run */
    char keydir[64];
    pid_t pid;
    uint64_t *seeds;   /* fill entry i is s_gen(seeds[i]) */
    uint64_t tm_count; /* entries of the TM once filled, before the load */
    atomic_uint_fast64_t token_seq, requests, errors, lookups, lookup_us, lookup_max_us;
    double start, warm_until, until;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ready;
    bool go, stop;
    s_rss rss_start, rss_max;
    double cpu[2][2]; /* [start, end][versod, load_bench] CPU seconds */
    char first_errs[S_SHOW_ERRORS][256];
    int nfirst;
};

/* Options of every client of the run: the timeout, and the keys with --curve. */
static verso_client_opts s_opts(const s_bench *b, int timeout_ms)
{
    verso_client_opts o = {.timeout_ms = timeout_ms};
    if (b->cfg.curve) {
        o.server_key = b->server.public_key;
        o.public_key = b->client.public_key;
        o.secret_key = b->client.secret_key;
    }
    return o;
}

static char *s_en[S_VOCAB], *s_fr[S_VOCAB];

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: small, fast, and good enough to draw words with. */
static uint64_t s_mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t s_next(uint64_t *st)
{
    *st += 0x9e3779b97f4a7c15ULL;
    return s_mix(*st);
}

static uint32_t s_below(uint64_t *st, uint32_t n)
{
    return (uint32_t)(s_next(st) % n);
}

static uint64_t s_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h ? h : 1;
}

/* A set of 64-bit hashes (open addressing, 0 = empty): distinct sentences. */
typedef struct s_set {
    uint64_t *k;
    size_t mask;
} s_set;

static int s_set_init(s_set *s, size_t n)
{
    size_t cap = 64;
    while (cap < 2 * n)
        cap *= 2;
    s->k = calloc(cap, sizeof *s->k);
    s->mask = cap - 1;
    return s->k ? 0 : -1;
}

/* Returns 1 when h was added, 0 when it was there already. */
static int s_set_add(s_set *s, uint64_t h)
{
    for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
        if (s->k[i] == h)
            return 0;
        if (!s->k[i]) {
            s->k[i] = h;
            return 1;
        }
    }
}

/* The most frequent words are real: English, then French, pair after pair.
 * The rest is made up. */
static const char s_common[] =
    "the le of de and et to à a un in dans is est you vous that que it il for pour on sur "
    "are sont with avec this ce be être at chez have avoir from depuis or ou not pas but mais "
    "all tout when quand we nous can peut your votre if si will va each chaque how comment "
    "then alors file fichier open ouvrir save enregistrer window fenêtre server serveur "
    "user utilisateur folder dossier error erreur settings paramètres name nom new nouveau "
    "delete supprimer could pourrait found trouvé please veuillez check vérifier "
    "network réseau page page list liste value valeur before avant after après";

/* A made-up word of 1-3 syllables; French words get a French ending. No 'q'
 * or 'x' in English ones, so that an add's unique word ("qx...") is never one. */
static char *s_made_up(uint64_t *st, bool fr)
{
    static const char *const cons = "bcdfghjklmnprstvwz", *const vows = "aeiou";
    static const char *const endings[] = {"", "e", "er", "eau", "ion", "ette", "ique", "é"};
    char w[64];
    size_t n = 0;
    int syl = 1 + (int)s_below(st, 3);
    for (int i = 0; i < syl; i++) {
        w[n++] = cons[s_below(st, 18)];
        w[n++] = vows[s_below(st, 5)];
        if (s_below(st, 3) == 0)
            w[n++] = cons[s_below(st, 18)];
    }
    w[n] = '\0';
    if (fr)
        strcat(w, endings[s_below(st, 8)]);
    return strdup(w);
}

static int s_vocab_init(uint64_t seed)
{
    char *words = strdup(s_common), *save = NULL;
    s_set seen;
    if (!words || s_set_init(&seen, S_VOCAB) < 0)
        return -1;
    uint64_t st = seed ^ 0x766f636162ULL;
    char *en = strtok_r(words, " ", &save), *fr = strtok_r(NULL, " ", &save);
    for (size_t i = 0; i < S_VOCAB; i++) {
        if (en && fr) { /* a real pair */
            s_en[i] = strdup(en);
            s_fr[i] = strdup(fr);
            en = strtok_r(NULL, " ", &save), fr = strtok_r(NULL, " ", &save);
        } else {
            s_en[i] = s_made_up(&st, false);
            s_fr[i] = s_made_up(&st, true);
        }
        if (!s_en[i] || !s_fr[i])
            return -1;
        if (!s_set_add(&seen, s_hash(s_en[i], strlen(s_en[i])))) {
            free(s_en[i]), free(s_fr[i]);
            i--; /* made up twice: another one */
        }
    }
    free(seen.k);
    free(words);
    return 0;
}

/* Word ranks follow Zipf's law (log-uniform): a few very common words, a long
 * tail of rare ones, as in real text. */
static uint16_t s_word(uint64_t *st)
{
    double u = (double)(s_next(st) >> 11) * 0x1.0p-53;
    int k = (int)pow(S_VOCAB + 1.0, u) - 1;
    return (uint16_t)(k < 0 ? 0 : k >= S_VOCAB ? S_VOCAB - 1 : k);
}

/* The sentence of `seed`: 5 to 30 words, a comma now and then, . ? or !. */
static void s_gen(uint64_t seed, s_sent *s)
{
    uint64_t st = seed;
    s->n = 5 + (int)s_below(&st, 26);
    for (int i = 0; i < s->n; i++)
        s->w[i] = s_word(&st);
    s->commas = 0;
    for (int i = 1; i + 2 < s->n; i++)
        if (s_below(&st, 12) == 0)
            s->commas |= 1u << i;
    uint32_t e = s_below(&st, 20);
    s->end = e < 16 ? '.' : e < 19 ? '?' : '!';
    s->token[0] = '\0';
}

/* Writes the English (fr false) or French side; returns its length. */
static size_t s_render(const s_sent *s, bool fr, char *out)
{
    size_t len = 0;
    for (int i = 0; i < s->n; i++) {
        const char *w = s->w[i] == S_TOKEN ? s->token : fr ? s_fr[s->w[i]] : s_en[s->w[i]];
        size_t k = strlen(w);
        if (i)
            out[len++] = ' ';
        memcpy(out + len, w, k);
        if (i == 0 && out[len] >= 'a' && out[len] <= 'z')
            out[len] = (char)(out[len] - 'a' + 'A');
        len += k;
        if (s->commas >> i & 1)
            out[len++] = ',';
    }
    if (fr && s->end != '.')
        out[len++] = ' '; /* French typography: "Vraiment ?" */
    out[len++] = s->end;
    out[len] = '\0';
    return len;
}

/* The seeds of the fill's entries: entry i is the first sentence of the
 * seeds (i, 0), (i, 1), ... not seen before, so the list is the same on
 * every run and its first n entries do not depend on the total. */
static uint64_t *s_fill_seeds(uint64_t seed, size_t n)
{
    uint64_t *seeds = malloc((n ? n : 1) * sizeof *seeds);
    s_set seen;
    if (!seeds || s_set_init(&seen, n) < 0) {
        free(seeds);
        return NULL;
    }
    char text[S_MAX_TEXT];
    s_sent s;
    for (size_t i = 0; i < n; i++) {
        for (uint64_t attempt = 0;; attempt++) {
            seeds[i] = s_mix(seed ^ s_mix(i * 1024 + attempt + 1));
            s_gen(seeds[i], &s);
            if (s_set_add(&seen, s_hash(text, s_render(&s, false, text))))
                break;
        }
    }
    free(seen.k);
    return seeds;
}

/* The request of every lookup here, for one segment. */
static verso_lookup_req s_lookup_req(const s_cfg *cfg, const verso_str *seg)
{
    return (verso_lookup_req){
        .tm = cfg->tm, .src_lang = "en", .tgt_lang = "fr", .segments = seg, .nsegments = 1};
}

/* An entry of sentence s: its English and French renderings into the
 * caller's buffers. */
static verso_entry s_entry_of(const s_sent *s, char src[S_MAX_TEXT], char tgt[S_MAX_TEXT])
{
    size_t sn = s_render(s, false, src), tn = s_render(s, true, tgt);
    return (verso_entry){.src = {src, sn}, .tgt = {tgt, tn}};
}

/* Prints a typed call's failure; returns err. */
static verso_err s_said(verso_client *c, const char *op, verso_err err)
{
    if (err == VERSO_ESERVER)
        fprintf(stderr, "load_bench: %s: %s %s\n", op, verso_client_err_code(c),
                verso_client_err_message(c));
    else if (err)
        fprintf(stderr, "load_bench: %s: %s\n", op, verso_strerror(err));
    return err;
}

/* Entries of the TM, or -1 when it does not exist (or on failure: -2). */
static int64_t s_tm_count(verso_client *c, const char *tm)
{
    verso_tm_list_res *r = NULL;
    if (s_said(c, "tm_list", verso_tm_list(c, &r)))
        return -2;
    int64_t n = -1;
    for (size_t i = 0; i < r->ntms; i++)
        if (!strcmp(r->tms[i].name.ptr, tm))
            n = r->tms[i].entries;
    verso_tm_list_res_destroy(&r);
    return n;
}

/* True when the reply's one result has the query itself as its best match. */
static bool s_exact_hit(const verso_lookup_res *r, const char *q, size_t qn)
{
    if (r->nresults != 1 || !r->results[0].nmatches)
        return false;
    const verso_match *m = &r->results[0].matches[0];
    return m->score >= 100 && m->entry.src.len == qn && !memcmp(m->entry.src.ptr, q, qn);
}

static bool s_any_match(const verso_lookup_res *r)
{
    return r->nresults == 1 && r->results[0].nmatches > 0;
}

/* An exact lookup of fill entry i, outside the measurement. */
static bool s_probe(verso_client *c, const s_bench *b, size_t i)
{
    char text[S_MAX_TEXT];
    s_sent s;
    s_gen(b->seeds[i], &s);
    verso_str seg = {text, s_render(&s, false, text)};
    verso_lookup_req q = s_lookup_req(&b->cfg, &seg);
    verso_lookup_res *r = NULL;
    bool hit = !s_said(c, "lookup", verso_lookup(c, &q, &r)) && s_exact_hit(r, text, seg.len);
    verso_lookup_res_destroy(&r);
    return hit;
}

/* Receives the reply to an add batch; adds its counts. */
static int s_fill_recv(verso_client *c, uint64_t id, uint64_t *added, uint64_t *skipped)
{
    verso_add_res *r = NULL;
    verso_err err = s_said(c, "fill", verso_add_recv(c, id, &r));
    *added += err ? 0 : (uint64_t)r->added;
    *skipped += err ? 0 : (uint64_t)r->skipped;
    verso_add_res_destroy(&r);
    return err ? -1 : 0;
}

/* Packs fill entries [i, i + k) into the batch. */
static int s_fill_batch(const s_bench *b, size_t i, size_t k, verso_batch *batch)
{
    verso_batch_clear(batch);
    for (size_t j = i; j < i + k; j++) {
        char src[S_MAX_TEXT], tgt[S_MAX_TEXT];
        s_sent s;
        s_gen(b->seeds[j], &s);
        verso_entry e = s_entry_of(&s, src, tgt);
        if (verso_batch_put(batch, &e))
            return -1;
    }
    return 0;
}

/* Loads the fill entries in batches, S_FILL_FLIGHT requests in flight;
 * entries already there are skipped by the server as duplicates. */
static int s_fill(verso_client *c, const s_bench *b)
{
    uint64_t ids[S_FILL_FLIGHT], added = 0, skipped = 0;
    int head = 0, nout = 0, bad = 0;
    double t0 = s_now();
    verso_batch *batch = NULL;
    if (verso_batch_new(0, &batch))
        return -1;
    verso_add_req q = {.tm = b->cfg.tm, .src_lang = "en", .tgt_lang = "fr", .batch = batch};
    for (size_t i = 0; i < b->cfg.entries && !bad; i += S_FILL_BATCH) {
        size_t k = b->cfg.entries - i < S_FILL_BATCH ? b->cfg.entries - i : S_FILL_BATCH;
        bad |= s_fill_batch(b, i, k, batch);
        if (!bad && nout == S_FILL_FLIGHT) {
            bad |= s_fill_recv(c, ids[head], &added, &skipped);
            head = (head + 1) % S_FILL_FLIGHT;
            nout--;
        }
        if (!bad && verso_add_send(c, &q, &ids[(head + nout) % S_FILL_FLIGHT]) == VERSO_OK)
            nout++;
        else
            bad = 1;
    }
    for (; nout > 0; nout--, head = (head + 1) % S_FILL_FLIGHT)
        bad |= s_fill_recv(c, ids[head], &added, &skipped);
    verso_batch_destroy(&batch);
    double dt = s_now() - t0;
    printf("fill: %zu entries (%" PRIu64 " added, %" PRIu64 " already there) in %.2f s = %.0f "
           "entries/s (batches of %d, %d in flight)\n",
           b->cfg.entries, added, skipped, dt, (double)b->cfg.entries / dt, S_FILL_BATCH,
           S_FILL_FLIGHT);
    return bad ? -1 : 0;
}

/* VmRSS, RssAnon, RssFile of pid from /proc; -1 when unreadable. */
static s_rss s_read_rss(pid_t pid)
{
    s_rss r = {-1, -1, -1};
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            r.rss = atol(line + 6);
        else if (!strncmp(line, "RssAnon:", 8))
            r.anon = atol(line + 8);
        else if (!strncmp(line, "RssFile:", 8))
            r.file = atol(line + 8);
    }
    if (f)
        fclose(f);
    return r;
}

static void s_print_rss(const char *what, s_rss r)
{
    if (r.rss < 0)
        printf("%s n/a", what);
    else
        printf("%s %.1f MB (anon %.1f, file %.1f)", what, r.rss / 1024.0, r.anon / 1024.0,
               r.file / 1024.0);
}

/* The server's count of entries whose fuzzy postings are not written yet
 * (every lookup reads those entries one by one); -1 on failure. */
static int64_t s_index_pending(verso_client *c)
{
    verso_stats_res *r = NULL;
    int64_t n = -1;
    if (!s_said(c, "stats", verso_stats(c, &r)))
        n = r->pending_ids;
    verso_stats_res_destroy(&r);
    return n;
}

/* Waits until the server has posted the fuzzy index of every entry (it does
 * so once writes pause), so that the load starts on an indexed TM. `stats`
 * is the only way to see it: polled every 20 ms, up to S_INDEX_WAIT_S. */
static int s_wait_index(verso_client *c, pid_t pid)
{
    double t0 = s_now();
    s_rss before = s_read_rss(pid);
    int64_t first = s_index_pending(c), n = first;
    while (n > 0 && s_now() - t0 < S_INDEX_WAIT_S) {
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
        n = s_index_pending(c);
    }
    if (n < 0)
        return -1; /* s_call said why */
    if (n > 0) {
        printf("FAIL: the fuzzy index still lacks %" PRId64 " entries after %d s\n", n,
               S_INDEX_WAIT_S);
        return -1;
    }
    if (first)
        printf("fuzzy index: %" PRId64 " entries were pending, all posted %.2f s later\n", first,
               s_now() - t0);
    else
        printf("fuzzy index: complete\n");
    s_print_rss("server RSS before the load: after the fill", before);
    s_print_rss(", once indexed", s_read_rss(pid));
    printf("\n");
    return 0;
}

/* Makes the TM hold the fill entries: reuses a TM that has them (its first,
 * middle and last entries are found), else creates it and fills it. */
static int s_prepare(verso_client *c, s_bench *b)
{
    int64_t n = s_tm_count(c, b->cfg.tm);
    size_t last = b->cfg.entries - 1;
    if (n < -1)
        return -1;
    if (n >= (int64_t)b->cfg.entries && s_probe(c, b, 0) && s_probe(c, b, last / 2) &&
        s_probe(c, b, last)) {
        printf("fill: skipped: TM \"%s\" already holds %" PRId64 " entries, the %zu of the fill "
               "among them\n",
               b->cfg.tm, n, b->cfg.entries);
    } else {
        if (n == -1 && s_said(c, "tm_create", verso_tm_create(c, b->cfg.tm)))
            return -1;
        if (s_fill(c, b) < 0)
            return -1;
    }
    n = s_tm_count(c, b->cfg.tm);
    b->tm_count = n > 0 ? (uint64_t)n : 0;
    return n < (int64_t)b->cfg.entries ? -1 : s_wait_index(c, b->pid);
}

static void s_lat_push(s_lat *l, double secs)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        uint32_t *p = realloc(l->us, cap * sizeof *p);
        if (!p)
            return; /* sample lost; the counts stay right */
        l->us = p;
        l->cap = cap;
    }
    l->us[l->n++] = (uint32_t)(secs * 1e6 + 0.5);
}

static void s_ack_push(s_worker *w, uint64_t id, uint64_t hash)
{
    if (w->nacks == w->cap_acks) {
        size_t cap = w->cap_acks ? w->cap_acks * 2 : 1024;
        s_ack *p = realloc(w->acks, cap * sizeof *p);
        if (!p)
            return;
        w->acks = p;
        w->cap_acks = cap;
    }
    w->acks[w->nacks++] = (s_ack){id, hash};
}

/* Bijective base 26: 1 -> "a", 27 -> "aa". */
static void s_letters(uint64_t k, char *out)
{
    char tmp[24];
    int n = 0;
    for (; k && n < 20; k = (k - 1) / 26)
        tmp[n++] = (char)('a' + (k - 1) % 26);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* The query of one lookup: a fill entry as stored, or with one word
 * replaced or dropped. */
static void s_lookup_query(s_worker *w, s_sent *s, bool *exact)
{
    s_gen(w->b->seeds[s_below(&w->rng, (uint32_t)w->b->cfg.entries)], s);
    *exact = s_below(&w->rng, 2) == 0;
    if (*exact)
        return;
    int at = (int)s_below(&w->rng, (uint32_t)s->n);
    if (s_below(&w->rng, 2) == 0) {
        uint16_t old = s->w[at];
        while (s->w[at] == old)
            s->w[at] = s_word(&w->rng);
    } else {
        memmove(&s->w[at], &s->w[at + 1], (size_t)(s->n - at - 1) * sizeof s->w[0]);
        s->commas = (s->commas & ((1u << at) - 1)) | ((s->commas >> 1) & ~((1u << at) - 1));
        s->n--;
    }
}

/* A new entry: a random sentence with a word no other entry has ("qx" and
 * the letters of a number unique to this run and TM) at a random place. */
static void s_add_entry(s_worker *w, s_sent *s)
{
    s_gen(s_next(&w->rng), s);
    int at = (int)s_below(&w->rng, (uint32_t)s->n + 1);
    memmove(&s->w[at + 1], &s->w[at], (size_t)(s->n - at) * sizeof s->w[0]);
    s->w[at] = S_TOKEN;
    s->n++;
    memcpy(s->token, "qx", 2);
    s_letters(w->b->tm_count + atomic_fetch_add(&w->b->token_seq, 1) + 1, s->token + 2);
}

/* Records an error (c: the client whose call got an error reply, or
 * NULL); the first few are kept to be shown. */
static void s_error(s_worker *w, int kind, const char *op, verso_err err, const verso_client *c)
{
    w->errs[kind]++;
    atomic_fetch_add(&w->b->errors, 1);
    pthread_mutex_lock(&w->b->mu);
    if (w->b->nfirst < S_SHOW_ERRORS)
        snprintf(w->b->first_errs[w->b->nfirst++], sizeof w->b->first_errs[0], "%s: %s%s%s", op,
                 c ? verso_client_err_code(c) : verso_strerror(err), c ? " " : "",
                 c ? verso_client_err_message(c) : "");
    pthread_mutex_unlock(&w->b->mu);
}

/* Checks an add's result: it must have added its entry. */
static void s_check_add(s_worker *w, const verso_add_res *r, const char *src, size_t n)
{
    if (r->added == 1 && r->nids == 1 && r->ids[0] > 0)
        s_ack_push(w, (uint64_t)r->ids[0], s_hash(src, n));
    else
        w->add_not_added++;
}

/* Checks a lookup's result: exact queries must find themselves. */
static void s_check_lookup(s_worker *w, const verso_lookup_res *r, const char *src, size_t n,
                           bool exact)
{
    if (exact) {
        w->exact_n++;
        w->exact_hit += s_exact_hit(r, src, n);
    } else {
        w->fuzzy_n++;
        w->fuzzy_hit += s_any_match(r);
    }
}

/* Sends one request of the mix (sentence s as an add or a lookup) and
 * checks its result; returns the call's outcome. */
static verso_err s_request(s_worker *w, verso_client *c, int op, const s_sent *s, bool exact)
{
    char src[S_MAX_TEXT], tgt[S_MAX_TEXT];
    verso_entry e = s_entry_of(s, src, tgt);
    verso_err err;
    if (op == S_ADD) {
        verso_add_req q = {
            .tm = w->b->cfg.tm, .src_lang = "en", .tgt_lang = "fr", .entries = &e, .nentries = 1};
        verso_add_res *r = NULL;
        if (!(err = verso_add(c, &q, &r)))
            s_check_add(w, r, src, e.src.len);
        verso_add_res_destroy(&r);
    } else {
        verso_lookup_req q = s_lookup_req(&w->b->cfg, &e.src);
        verso_lookup_res *r = NULL;
        if (!(err = verso_lookup(c, &q, &r)))
            s_check_lookup(w, r, src, e.src.len, exact);
        verso_lookup_res_destroy(&r);
    }
    return err;
}

/* One request of the mix, timed; a client that timed out or lost its
 * connection is replaced, so that a late reply cannot be taken for another. */
static void s_one(s_worker *w, verso_client **c)
{
    s_sent s;
    bool exact = false;
    int op = (int)s_below(&w->rng, 100) < w->b->cfg.add_pct ? S_ADD : S_LOOKUP;
    if (op == S_ADD)
        s_add_entry(w, &s);
    else
        s_lookup_query(w, &s, &exact);
    double t0 = s_now();
    verso_err err = s_request(w, *c, op, &s, exact);
    double t1 = s_now();
    atomic_fetch_add_explicit(&w->b->requests, 1, memory_order_relaxed);
    if (op == S_LOOKUP) {
        atomic_fetch_add_explicit(&w->b->lookups, 1, memory_order_relaxed);
        uint64_t us = (uint64_t)((t1 - t0) * 1e6), max = atomic_load(&w->b->lookup_max_us);
        atomic_fetch_add_explicit(&w->b->lookup_us, us, memory_order_relaxed);
        while (us > max && !atomic_compare_exchange_weak(&w->b->lookup_max_us, &max, us))
            ;
    }
    if (t0 >= w->b->warm_until && (err == VERSO_OK || err == VERSO_ESERVER))
        s_lat_push(&w->lat[op], t1 - t0); /* a reply's time; timeouts count as errors */
    if (err == VERSO_ESERVER)
        s_error(w, S_ESERVER, s_op_names[op], err, *c);
    else if (err)
        s_error(w, err == VERSO_ETIMEOUT ? S_ETIMEOUT : S_ETRANSPORT, s_op_names[op], err, NULL);
    if (err && err != VERSO_ESERVER) {
        verso_client_destroy(c);
        verso_client_new(w->b->endpoint, (verso_client_opts[]){s_opts(w->b, S_TIMEOUT_MS)}, c);
    }
}

/* A client thread: connect and ping, wait for the others, then the mix
 * back to back until the end of the run. */
static void *s_worker_run(void *arg)
{
    s_worker *w = arg;
    s_bench *b = w->b;
    verso_client *c = NULL;
    verso_err err =
        verso_client_new(b->endpoint, (verso_client_opts[]){s_opts(b, S_TIMEOUT_MS)}, &c);
    if (!err)
        err = verso_ping(c);
    if (err)
        s_error(w, S_ETRANSPORT, "connect", err, NULL);
    pthread_mutex_lock(&b->mu);
    b->ready++;
    pthread_cond_broadcast(&b->cv);
    while (!b->go)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    while (c && s_now() < b->until)
        s_one(w, &c);
    verso_client_destroy(&c);
    return NULL;
}

/* CPU seconds (user + system) used so far by pid, or by this process;
 * -1 when unreadable. */
static double s_cpu_secs(pid_t pid, bool self)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, self ? "/proc/self/stat" : "/proc/%d/stat", (int)pid);
    FILE *f = self || pid > 0 ? fopen(path, "r") : NULL;
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* after the command name, which may hold anything */
    unsigned long ut, st;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Waits on the bench's condition until t (monotonic seconds) or stop;
 * returns stop. */
static bool s_wait_until(s_bench *b, double t)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    pthread_mutex_lock(&b->mu);
    while (!b->stop && s_now() < t)
        pthread_cond_timedwait(&b->cv, &b->mu, &ts);
    bool stop = b->stop;
    pthread_mutex_unlock(&b->mu);
    return stop;
}

/* A progress line: throughput and mean lookup latency since the last one,
 * errors, the server's RSS and its fuzzy index lag. */
static void s_progress(s_bench *b, verso_client *c, double t, double every, s_rss r,
                       uint64_t last[3])
{
    uint64_t req = atomic_load(&b->requests), lk = atomic_load(&b->lookups),
             lk_us = atomic_load(&b->lookup_us), lk_max = atomic_exchange(&b->lookup_max_us, 0);
    printf("  %4.0f s %s: %5.0f req/s, lookup mean %5.1f max %6.1f ms, %" PRIu64
           " errors, index pending %" PRId64 ", ",
           t - b->start, t <= b->warm_until + 1e-6 ? "warm-up" : "measure",
           (double)(req - last[0]) / every,
           lk > last[1] ? (double)(lk_us - last[2]) / (double)(lk - last[1]) / 1000 : 0,
           (double)lk_max / 1000, (uint64_t)atomic_load(&b->errors), c ? s_index_pending(c) : -1);
    s_print_rss("RSS", r);
    printf("\n");
    fflush(stdout);
    last[0] = req, last[1] = lk, last[2] = lk_us;
}

/* Samples the server's RSS every second (the start one at the end of the
 * warm-up), keeps the maximum, and prints a progress line now and then. */
static void *s_monitor(void *arg)
{
    s_bench *b = arg;
    double every = b->cfg.warmup + b->cfg.seconds >= 30 ? 10 : 2, next_line = b->start + every;
    uint64_t last[3] = {0, 0, 0};
    bool started = false;
    verso_client *c = NULL;
    if (verso_client_new(b->endpoint, (verso_client_opts[]){s_opts(b, S_TIMEOUT_MS)}, &c))
        c = NULL;
    for (double t = b->start + 1;; t += 1) {
        if (!started && t > b->warm_until)
            t = b->warm_until;
        if (s_wait_until(b, t))
            break;
        s_rss r = s_read_rss(b->pid);
        if (t >= b->warm_until && !started) {
            started = true;
            b->rss_start = b->rss_max = r;
            b->cpu[0][0] = s_cpu_secs(b->pid, false);
            b->cpu[0][1] = s_cpu_secs(0, true);
        } else if (started && r.rss > b->rss_max.rss) {
            b->rss_max = r;
        }
        if (t + 1e-6 >= next_line) {
            s_progress(b, c, t, every, r, last);
            next_line += every;
        }
    }
    verso_client_destroy(&c);
    return NULL;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double s_pct_ms(const uint32_t *v, size_t n, double p)
{
    return n ? v[(size_t)(p * (double)(n - 1))] / 1000.0 : 0;
}

/* Prints one latency row over the samples of `ops` (a mask) of all workers. */
static void s_print_row(const char *name, const s_worker *w, int nw, unsigned ops, double secs)
{
    size_t n = 0;
    for (int i = 0; i < nw; i++)
        for (int op = 0; op < S_NOPS; op++)
            n += (ops >> op & 1) ? w[i].lat[op].n : 0;
    uint32_t *all = malloc((n ? n : 1) * sizeof *all), k = 0;
    if (!all)
        return;
    for (int i = 0; i < nw; i++)
        for (int op = 0; op < S_NOPS; op++)
            if (ops >> op & 1) {
                memcpy(all + k, w[i].lat[op].us, w[i].lat[op].n * sizeof *all);
                k += (uint32_t)w[i].lat[op].n;
            }
    qsort(all, n, sizeof *all, s_cmp_u32);
    printf("%-8s %10zu %9.0f %9.2f %9.2f %9.2f %9.2f\n", name, n, (double)n / secs,
           s_pct_ms(all, n, 0.50), s_pct_ms(all, n, 0.99), s_pct_ms(all, n, 0.999),
           n ? all[n - 1] / 1000.0 : 0);
    free(all);
}

/* Starts the clients and the RSS monitor, runs the mix, joins them. */
static int s_load(s_bench *b, s_worker *w, s_rss *rss_end)
{
    int nc = b->cfg.clients;
    pthread_t *th = calloc((size_t)nc, sizeof *th), mon;
    if (!th)
        return -1;
    for (int i = 0; i < nc; i++) {
        w[i] = (s_worker){.b = b, .index = i};
        w[i].rng = s_mix(b->cfg.seed ^ s_mix((uint64_t)i + 1) ^ s_mix(b->tm_count));
        pthread_create(&th[i], NULL, s_worker_run, &w[i]);
    }
    pthread_mutex_lock(&b->mu);
    while (b->ready < nc)
        pthread_cond_wait(&b->cv, &b->mu);
    b->start = s_now();
    b->warm_until = b->start + b->cfg.warmup;
    b->until = b->warm_until + b->cfg.seconds;
    b->go = true;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_create(&mon, NULL, s_monitor, b);
    for (int i = 0; i < nc; i++)
        pthread_join(th[i], NULL);
    *rss_end = s_read_rss(b->pid);
    b->cpu[1][0] = s_cpu_secs(b->pid, false);
    b->cpu[1][1] = s_cpu_secs(0, true);
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(mon, NULL);
    free(th);
    return 0;
}

/* Prints the server's RSS over the measurement; fails the growth check. */
static int s_report_rss(const s_bench *b, s_rss end)
{
    if (b->rss_start.rss < 0 || end.rss < 0) {
        printf("server RSS: n/a (no server pid, or the server is gone)\n");
        return 0;
    }
    double growth = 100.0 * (double)(end.rss - b->rss_start.rss) / (double)b->rss_start.rss;
    s_print_rss("server RSS: start", b->rss_start);
    s_print_rss(", end", end);
    printf(" = %+.1f%%;", growth);
    s_print_rss(" max", b->rss_max);
    printf("\n");
    if (b->cpu[0][0] >= 0 && b->cpu[1][0] >= 0)
        printf(
            "CPU during the measurement: versod %.2f cores, load_bench %.2f cores (%ld online)\n",
            (b->cpu[1][0] - b->cpu[0][0]) / b->cfg.seconds,
            (b->cpu[1][1] - b->cpu[0][1]) / b->cfg.seconds, sysconf(_SC_NPROCESSORS_ONLN));
    if (b->cfg.max_rss_growth >= 0 && growth > b->cfg.max_rss_growth) {
        printf("FAIL: server RSS grew by %.1f%% during the measurement (limit %.1f%%)\n", growth,
               b->cfg.max_rss_growth);
        return 1;
    }
    return 0;
}

/* Prints the figures of the run; returns the number of failed checks. */
static int s_report(s_bench *b, const s_worker *w, s_rss end)
{
    int nc = b->cfg.clients, bad = 0;
    uint64_t errs[S_NERR] = {0}, exn = 0, exh = 0, fzn = 0, fzh = 0, notadd = 0, total = 0;
    for (int i = 0; i < nc; i++) {
        for (int k = 0; k < S_NERR; k++)
            errs[k] += w[i].errs[k];
        exn += w[i].exact_n, exh += w[i].exact_hit, fzn += w[i].fuzzy_n, fzh += w[i].fuzzy_hit;
        notadd += w[i].add_not_added;
        total += w[i].lat[S_LOOKUP].n + w[i].lat[S_ADD].n;
    }
    double secs = b->cfg.seconds;
    printf("\nmeasured %.1f s: %" PRIu64 " requests answered, %.0f req/s\n", secs, total,
           (double)total / secs);
    printf("%-8s %10s %9s %9s %9s %9s %9s\n", "op", "count", "req/s", "p50 ms", "p99 ms",
           "p99.9 ms", "max ms");
    s_print_row("lookup", w, nc, 1u << S_LOOKUP, secs);
    s_print_row("add", w, nc, 1u << S_ADD, secs);
    s_print_row("all", w, nc, 3u, secs);
    uint64_t nerr = errs[0] + errs[1] + errs[2];
    printf("errors: %" PRIu64 " (server %" PRIu64 ", timeout %" PRIu64 ", transport %" PRIu64 ")\n",
           nerr, errs[S_ESERVER], errs[S_ETIMEOUT], errs[S_ETRANSPORT]);
    for (int i = 0; i < b->nfirst; i++)
        printf("  error: %s\n", b->first_errs[i]);
    printf("results (whole run): exact lookups finding their entry first %" PRIu64 "/%" PRIu64
           "; perturbed lookups with a match %" PRIu64 "/%" PRIu64
           " (%.1f%%); adds not added %" PRIu64 "\n",
           exh, exn, fzh, fzn, fzn ? 100.0 * (double)fzh / (double)fzn : 0, notadd);
    if (nerr) {
        printf("FAIL: %" PRIu64 " errors under load\n", nerr);
        bad++;
    }
    if (exh != exn || notadd) {
        printf("FAIL: wrong results under load\n");
        bad++;
    }
    return bad + s_report_rss(b, end);
}

/* A ping answered within 10 s, so that a wrong endpoint fails fast. */
static int s_reachable(verso_client *c)
{
    uint64_t id;
    verso_reply *r = NULL;
    verso_err err = verso_client_send(c, "ping", NULL, &id);
    err = err ? err : verso_client_recv(c, id, 10000, &r);
    verso_reply_destroy(&r);
    if (err)
        fprintf(stderr, "load_bench: no answer to ping: %s\n", verso_strerror(err));
    return err ? -1 : 0;
}

/* True when a `get` reply holds the entry that was added: same TM, same
 * source. */
static bool s_verify_one(const verso_reply *r, const s_ack *a, const char *tm)
{
    const msgpack_object *e = verso_mp_get(verso_reply_res(r), "entry");
    const msgpack_object *src = verso_mp_get(e, "src");
    return src && src->type == MSGPACK_OBJECT_STR &&
           s_hash(src->via.str.ptr, src->via.str.size) == a->hash &&
           verso_mp_str_is(verso_mp_get(e, "tm"), tm);
}

/* Reads every acknowledged add back with `get` (S_VERIFY_DEPTH in flight);
 * returns how many are missing or wrong. */
static size_t s_verify_gets(verso_client *c, const s_ack *acks, size_t n, const char *tm)
{
    uint64_t ids[S_VERIFY_DEPTH];
    size_t bad = 0, next = 0, done = 0;
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &f, msgpack_sbuffer_write);
    while (done < n) {
        for (; next < n && next - done < S_VERIFY_DEPTH; next++) {
            msgpack_sbuffer_clear(&f);
            verso_mp_pack_kv_uint(&pk, "entry_id", acks[next].id);
            if (verso_client_send_packed(c, "get", f.data, f.size, 1, &ids[next % S_VERIFY_DEPTH]))
                goto out;
        }
        verso_reply *r = NULL;
        verso_err err = verso_client_recv(c, ids[done % S_VERIFY_DEPTH], -1, &r);
        if (err && err != VERSO_ESERVER)
            goto out;
        if (bad < S_SHOW_ERRORS && (err || !s_verify_one(r, &acks[done], tm)))
            printf("  entry %" PRIu64 ": %s\n", acks[done].id,
                   err ? verso_reply_err_code(r) : "not the entry added");
        bad += err || !s_verify_one(r, &acks[done], tm);
        verso_reply_destroy(&r);
        done++;
    }
out:
    msgpack_sbuffer_destroy(&f);
    return bad + (n - done);
}

/* Checks that the adds acknowledged during the run (warm-up included) are
 * all stored; returns the number of failed checks. */
static int s_verify(verso_client *c, const s_bench *b, const s_worker *w)
{
    size_t n = 0, k = 0;
    for (int i = 0; i < b->cfg.clients; i++)
        n += w[i].nacks;
    s_ack *all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return 1;
    for (int i = 0; i < b->cfg.clients; i++, k += w[i - 1].nacks)
        memcpy(all + k, w[i].acks, w[i].nacks * sizeof *all);
    double t0 = s_now();
    int64_t count = s_tm_count(c, b->cfg.tm);
    size_t bad = s_verify_gets(c, all, n, b->cfg.tm);
    free(all);
    printf("verify: %zu adds acknowledged (warm-up included); TM \"%s\" holds %" PRId64
           " entries, %" PRIu64 " expected; %zu/%zu read back by get with their source (%.1f s)\n",
           n, b->cfg.tm, count, b->tm_count + n, n - bad, n, s_now() - t0);
    if (count < (int64_t)(b->tm_count + n) || bad) {
        printf("FAIL: acknowledged adds lost\n");
        return 1;
    }
    return 0;
}

static void s_print_op_stats(const verso_stats_res *r, const char *op)
{
    const verso_op_stats *o = NULL;
    for (size_t i = 0; i < r->nops; i++)
        if (!strcmp(r->ops[i].op.ptr, op))
            o = &r->ops[i];
    verso_op_stats none = {.count = 0};
    o = o ? o : &none;
    printf("%s %" PRId64 " runs, p50 %" PRId64 " us, p99 %" PRId64 " us, max %" PRId64 " us", op,
           o->count, o->p50_us, o->p99_us, o->max_us);
}

/* The server's own view (`stats`, since it started): time spent running
 * lookups and adds, and how far the background fuzzy index lags. */
static void s_server_stats(verso_client *c)
{
    verso_stats_res *r = NULL;
    if (!s_said(c, "stats", verso_stats(c, &r))) {
        printf("server side (stats since start, fill included, queueing excluded): ");
        s_print_op_stats(r, "lookup");
        printf("; ");
        s_print_op_stats(r, "add");
        printf("; fuzzy index pending ids %" PRId64 "\n", r->pending_ids);
    }
    verso_stats_res_destroy(&r);
}

static void s_usage(void)
{
    fprintf(stderr,
            "usage: load_bench [--clients N] [--seconds S] [--warmup W] [--entries N]\n"
            "                  [--data DIR] [--versod PATH] [--server-threads N]\n"
            "                  [--server-write-threads N]\n"
            "                  [--endpoint E [--pid PID]] [--tm NAME] [--seed N]\n"
            "                  [--add-pct P] [--max-rss-growth-pct X] [--ci] [--curve]\n"
            "defaults: 64 clients, 60 s measured after 10 s of warm-up, 100000 entries in the\n"
            "TM \"load\" of a versod started on a fresh temporary directory; --ci: 16 clients,\n"
            "10 s after 2 s, 20000 entries (flags given override it). --data DIR keeps the\n"
            "store, and a later run on it skips the fill. --curve: the server speaks CurveZMQ\n"
            "(keys made for the run; every client is on its allow-list, role admin).\n");
}

static int s_args(int argc, char **argv, s_cfg *cfg)
{
    *cfg = (s_cfg){.clients = 64,
                   .add_pct = 10,
                   .server_write_threads = -1, /* versod's default */
                   .seconds = 60,
                   .warmup = 10,
                   .max_rss_growth = -1,
                   .entries = 100000,
                   .versod = VERSOD_PATH,
                   .tm = "load",
                   .seed = 1};
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--ci"))
            cfg->clients = 16, cfg->seconds = 10, cfg->warmup = 2, cfg->entries = 20000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--ci"))
            continue;
        if (!strcmp(a, "--curve")) {
            cfg->curve = 1;
            continue;
        }
        if (!v || strncmp(a, "--", 2)) {
            s_usage();
            return -1;
        }
        i++;
        if (!strcmp(a, "--clients"))
            cfg->clients = atoi(v);
        else if (!strcmp(a, "--seconds"))
            cfg->seconds = atof(v);
        else if (!strcmp(a, "--warmup"))
            cfg->warmup = atof(v);
        else if (!strcmp(a, "--entries"))
            cfg->entries = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--data"))
            cfg->data = v;
        else if (!strcmp(a, "--versod"))
            cfg->versod = v;
        else if (!strcmp(a, "--server-threads"))
            cfg->server_threads = atoi(v);
        else if (!strcmp(a, "--server-write-threads"))
            cfg->server_write_threads = atoi(v);
        else if (!strcmp(a, "--endpoint"))
            cfg->endpoint = v;
        else if (!strcmp(a, "--pid"))
            cfg->pid = (pid_t)atoi(v);
        else if (!strcmp(a, "--add-pct"))
            cfg->add_pct = atoi(v);
        else if (!strcmp(a, "--tm"))
            cfg->tm = v;
        else if (!strcmp(a, "--seed"))
            cfg->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--max-rss-growth-pct"))
            cfg->max_rss_growth = atof(v);
        else {
            s_usage();
            return -1;
        }
    }
    if ((cfg->curve && cfg->endpoint) || cfg->clients < 1 || cfg->add_pct < 0 ||
        cfg->add_pct > 100 || cfg->seconds <= 0 || cfg->warmup < 0 || cfg->entries < 1 ||
        cfg->entries > UINT32_MAX) {
        s_usage();
        return -1;
    }
    return 0;
}

/* --curve: a key pair for the server and one for the clients, and an
 * allow-list naming the clients' key, in a temporary directory. */
static int s_keys(s_bench *b)
{
    char base[128], allow[128];
    snprintf(b->keydir, sizeof b->keydir, "/tmp/verso-load-keys-XXXXXX");
    if (!mkdtemp(b->keydir))
        return -1;
    snprintf(base, sizeof base, "%s/server", b->keydir);
    if (verso_keyfile_generate(base, &b->server))
        return -1;
    snprintf(base, sizeof base, "%s/client", b->keydir);
    if (verso_keyfile_generate(base, &b->client))
        return -1;
    snprintf(allow, sizeof allow, "%s/allow", b->keydir);
    FILE *f = fopen(allow, "w");
    if (!f)
        return -1;
    fprintf(f, "%s admin load-bench\n", b->client.public_key);
    return fclose(f) == 0 ? 0 : -1;
}

/* Starts versod (unless --endpoint) and prints what runs where. */
static int s_start(s_bench *b, verso_proc *proc)
{
    const s_cfg *cfg = &b->cfg;
    char threads[16], wthreads[16], key[128], allow[128];
    const char *extra[10] = {NULL}, **e = extra;
    snprintf(threads, sizeof threads, "%d", cfg->server_threads);
    snprintf(wthreads, sizeof wthreads, "%d", cfg->server_write_threads);
    if (cfg->server_threads > 0)
        *e++ = "--threads", *e++ = threads;
    if (cfg->server_write_threads >= 0)
        *e++ = "--write-threads", *e++ = wthreads;
    if (cfg->curve) {
        if (s_keys(b) < 0) {
            fprintf(stderr, "load_bench: cannot make keys in %s\n", b->keydir);
            return -1;
        }
        snprintf(key, sizeof key, "%s/server.secret", b->keydir);
        snprintf(allow, sizeof allow, "%s/allow", b->keydir);
        *e++ = "--curve-key", *e++ = key, *e++ = "--allow", *e++ = allow;
    }
    if (cfg->endpoint) {
        b->endpoint = cfg->endpoint;
        b->pid = cfg->pid;
    } else if (verso_proc_start(proc, cfg->versod, cfg->data, extra) < 0) {
        return -1;
    } else {
        b->endpoint = proc->endpoint;
        b->pid = proc->pid;
    }
    printf("load_bench: versod pid %d at %s, data %s%s%s\n", (int)b->pid, b->endpoint,
           cfg->endpoint ? "(running server)" : proc->data,
           cfg->endpoint || cfg->data ? "" : " (temporary)",
           cfg->curve ? ", CurveZMQ on (every frame encrypted, every request's key checked)" : "");
    printf("load: %d clients, %.0f s warm-up + %.0f s measured, %d%% lookup of one sentence (half "
           "as stored, half with a word replaced or dropped) / %d%% add of one entry, TM \"%s\" of "
           "%zu entries, per-call timeout %d s\n",
           cfg->clients, cfg->warmup, cfg->seconds, 100 - cfg->add_pct, cfg->add_pct, cfg->tm,
           cfg->entries, S_TIMEOUT_MS / 1000);
    fflush(stdout);
    return 0;
}

/* Stops the server this bench started; a clean exit is part of the test. */
static int s_stop(verso_proc *proc)
{
    int status = 0, bad = 0;
    if (!proc->pid)
        return 0;
    if (verso_proc_stop(proc, SIGTERM, &status) < 0 || status != 0) {
        printf("FAIL: versod did not exit cleanly (status %d)\n", status);
        bad = 1;
    }
    verso_proc_cleanup(proc);
    return bad;
}

int main(int argc, char **argv)
{
    s_bench b = {.mu = PTHREAD_MUTEX_INITIALIZER};
    verso_proc proc = {0};
    verso_client *c = NULL;
    s_worker *w = NULL;
    s_rss end;
    int bad = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b.cv, &ca);
    if (s_args(argc, argv, &b.cfg) < 0)
        return 2;
    if (s_vocab_init(b.cfg.seed) < 0 || !(b.seeds = s_fill_seeds(b.cfg.seed, b.cfg.entries)) ||
        !(w = calloc((size_t)b.cfg.clients, sizeof *w))) {
        fprintf(stderr, "load_bench: out of memory\n");
        return 1;
    }
    if (s_start(&b, &proc) < 0)
        goto out;
    if (verso_client_new(b.endpoint, (verso_client_opts[]){s_opts(&b, 120000)}, &c) ||
        s_reachable(c) < 0 || s_prepare(c, &b) < 0 || s_load(&b, w, &end) < 0)
        goto out;
    bad = s_report(&b, w, end);
    if (s_reachable(c) < 0) {
        printf("FAIL: the server does not answer after the load; acknowledged adds not verified\n");
        bad++;
    } else {
        bad += s_verify(c, &b, w);
        s_server_stats(c);
    }
out:
    verso_client_destroy(&c);
    bad += s_stop(&proc);
    if (b.keydir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", b.keydir);
        if (system(cmd) != 0)
            fprintf(stderr, "load_bench: cannot remove %s\n", b.keydir);
    }
    printf("%s\n", bad ? "load_bench: FAILED" : "load_bench: ok");
    for (int i = 0; w && i < b.cfg.clients; i++) {
        free(w[i].lat[S_LOOKUP].us);
        free(w[i].lat[S_ADD].us);
        free(w[i].acks);
    }
    free(w);
    free(b.seeds);
    return bad ? 1 : 0;
}
