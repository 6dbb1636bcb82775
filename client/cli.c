/*
 * cli.c - the `verso` command: global options, the command table (name,
 * handler, usage, role), help, and the helpers the command files share.
 * The commands themselves are thin fronts on libverso's typed calls, in
 * infocli.c, entrycli.c, import.c, tmcli.c, conccli.c, aligncli.c and
 * admincli.c. Exit status: 0 ok, 1 error reply, 2 usage, 3 transport or
 * timeout.
 */
#define _GNU_SOURCE /* explicit_bzero */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "keyfile.h"
#include "mp.h"
#include "verso/envelope.h"

static int s_help(verso_cli *cli, int argc, char **argv);

/* Every command, in the order help shows them. */
static const verso_cli_cmd s_cmds[] = {
    {"ping", verso_cli_ping, "", "round trip to the server", "read"},
    {"hello", verso_cli_hello, "", "server name, version, protocol, ops, libraries, your role",
     "read"},
    {"stats", verso_cli_stats, "", "uptime, request counts, storage figures (admin: all)", "read"},
    {"segment", verso_cli_segment,
     "FILE --lang TAG [--paragraphs auto|line|blank|unwrap] [--rules NAME] [--no-rules]",
     "sentences of FILE (- for standard input), one a line; NAME: verso (default), none, or "
     "an SRX set of versod --srx",
     "read"},
    {"tm", verso_cli_tm, "list | create NAME | delete NAME",
     "the server's TMs with their entry counts; make or remove one (and its entries)",
     "read (create, delete: admin)"},
    {"import", verso_cli_import,
     "FILE.tmx [--src LANG --tgt LANG] | FILE.tsv | SRC_FILE TGT_FILE | FILE.po|mo... --src "
     "LANG --tgt LANG [--tm NAME] [--on-conflict keep_both|overwrite|skip]",
     "bulk-load sentence pairs; a TM that does not exist is created", "write (a new TM: admin)"},
    {"export", verso_cli_export, "[--tm NAME] [--src LANG] [-o FILE.tmx | --omegat PROJECT_DIR]",
     "the TM as TMX 1.4b (--omegat: into the project's tm/ folder)", "read"},
    {"add", verso_cli_add,
     "SRC_TEXT TGT_TEXT --src LANG --tgt LANG [--tm NAME] [--on-conflict P] [--prev TEXT] "
     "[--next TEXT] [--note TEXT] [--author NAME] [--origin NAME]",
     "add one entry; prints its id", "write"},
    {"get", verso_cli_get, "ID", "one entry, all its fields", "read"},
    {"update", verso_cli_update,
     "ID [--src-text TEXT] [--tgt-text TEXT] [--note TEXT] [--author NAME] [--origin NAME] "
     "[--used N]",
     "change an entry's fields (a new text drops its inline tags); --used N adds to its usage",
     "write"},
    {"delete", verso_cli_delete, "ID...", "remove entries; says how many existed", "write"},
    {"lookup", verso_cli_lookup,
     "FILE|TEXT --src LANG --tgt LANG [--tm NAME] [--text] [--segmented] [--min-score N] "
     "[--max-results N]",
     "TM matches for each sentence of FILE (- for standard input; each line with --segmented), "
     "or of TEXT when it names no file (always with --text); the TM source shows "
     "[-its words-]{+the query's+} where they differ",
     "read"},
    {"concordance", verso_cli_concordance,
     "QUERY --lang LANG [--side src|tgt] [--tm NAME] [--max-results N]",
     "entries whose source (target) holds every word of QUERY, marked", "read"},
    {"align", verso_cli_align,
     "SRC_FILE TGT_FILE --src LANG --tgt LANG [--segmented] [--store TM] [--min-confidence X] "
     "[--origin NAME] [--links-from TM] [--format beads|tsv|tmx]",
     "sentence pairs of a document and its translation", "read (--store: write)"},
    {"backup", verso_cli_backup, "DIR",
     "a compact copy of the server's whole store into the new directory DIR (an absolute path) "
     "on the server's machine",
     "admin"},
    {"keygen", verso_cli_keygen, "BASE",
     "write a CurveZMQ key pair: BASE.pub, BASE.secret (mode "
     "0600)",
     ""},
    {"help", s_help, "[COMMAND]", "this list, or one command's usage", ""},
};

#define S_NCMDS (sizeof s_cmds / sizeof *s_cmds)

static const verso_cli_cmd *s_find(const char *name)
{
    for (size_t i = 0; i < S_NCMDS; i++)
        if (!strcmp(s_cmds[i].name, name))
            return &s_cmds[i];
    return NULL;
}

/* Writes text word by word after column `col` (a space first, unless the
 * line is empty so far: col 0), lines of at most 79 columns, each further
 * line indented to `indent`. */
static void s_wrap(FILE *f, int col, int indent, const char *text)
{
    for (const char *p = text + strspn(text, " "); *p;) {
        size_t n = strcspn(p, " ");
        if (col > indent && col + 1 + (int)n > 79) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > 0) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int)n, p);
        col += (int)n;
        p += n + strspn(p + n, " ");
    }
    fputc('\n', f);
}

static void s_cmd_usage(FILE *f, const verso_cli_cmd *c)
{
    fprintf(f, "usage: verso %s", c->name);
    s_wrap(f, 13 + (int)strlen(c->name), 14 + (int)strlen(c->name), c->usage);
}

/* verso COMMAND --help, verso help COMMAND. */
static int s_cmd_help(const verso_cli_cmd *c)
{
    char what[512];
    s_cmd_usage(stdout, c);
    snprintf(what, sizeof what, "%s%s%s%s", c->what, *c->role ? " [role: " : "", c->role,
             *c->role ? "]" : "");
    fputs(" ", stdout);
    s_wrap(stdout, 1, 2, what);
    return 0;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: verso [--endpoint E] [--server-key KEY|FILE --key FILE] [--json]\n"
               "             [--timeout MS] COMMAND [ARGS]   (verso COMMAND --help: its usage)\n"
               "commands:\n");
    for (size_t i = 0; i < S_NCMDS; i++) {
        const verso_cli_cmd *c = &s_cmds[i];
        char what[512];
        snprintf(what, sizeof what, "%s%s%s%s", c->what, *c->role ? " [role: " : "", c->role,
                 *c->role ? "]" : "");
        fprintf(f, "  %s", c->name);
        s_wrap(f, 2 + (int)strlen(c->name), 4 + (int)strlen(c->name), c->usage);
        fprintf(f, "     ");
        s_wrap(f, 5, 6, what);
    }
    fprintf(f,
            "The server is --endpoint, else $VERSO_ENDPOINT, else %s.\n"
            "CurveZMQ (docs/SECURITY.md): --server-key (else $VERSO_SERVER_KEY) is the\n"
            "server's public key or .pub file, --key (else $VERSO_KEY) this client's\n"
            ".secret file. Exit status: 0 ok, 1 error reply, 2 usage, 3 transport or timeout.\n",
            VERSO_DEFAULT_ENDPOINT);
}

static int s_help(verso_cli *cli, int argc, char **argv)
{
    (void)cli;
    const verso_cli_cmd *c = argc == 1 ? s_find(argv[0]) : NULL;
    if (argc > 1 || (argc == 1 && !c)) {
        s_usage(stderr);
        return 2;
    }
    if (c)
        return s_cmd_help(c);
    s_usage(stdout);
    return 0;
}

/* ---- helpers -------------------------------------------------------------------- */

void verso_cli_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        else if (c < 0x20 || c == 0x7f)
            c = '?';
        putchar(c);
    }
}

int verso_cli_colour(void)
{
    const char *no_color = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

int verso_cli_number(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end)
        return -1;
    *out = v;
    return 0;
}

int verso_cli_fail(verso_cli *cli, verso_err err)
{
    if (err != VERSO_ESERVER) {
        fprintf(stderr, "verso: %s: %s\n", cli->endpoint, verso_strerror(err));
        return 3;
    }
    if (cli->json)
        printf("{\"error\":{\"code\":\"%s\"}}\n", verso_client_err_code(cli->client));
    fprintf(stderr, "verso: %s: %s\n", verso_client_err_code(cli->client),
            verso_client_err_message(cli->client));
    return 1;
}

int verso_cli_json(verso_cli *cli)
{
    if (!cli->json)
        return 0;
    const verso_reply *r = verso_client_last_reply(cli->client);
    verso_buf b;
    verso_buf_init(&b, (size_t)256 << 20);
    if (r && verso_mp_to_json(verso_reply_res(r), &b) == VERSO_OK)
        printf("%s\n", b.data);
    verso_buf_fini(&b);
    return 1;
}

char *verso_cli_slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    verso_buf b;
    verso_buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t n;
    verso_err err = VERSO_OK;
    while (!err && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        err = verso_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    if (err || verso_buf_append(&b, "", 0)) {
        verso_buf_fini(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

verso_str *verso_cli_lines(const char *text, size_t len, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        k += text[i] == '\n';
    k += len && text[len - 1] != '\n';
    verso_str *v = calloc(k ? k : 1, sizeof *v);
    *n = v ? 0 : SIZE_MAX;
    for (size_t i = 0; v && i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, end = e;
        while (end > i && text[end - 1] == '\r')
            end--;
        v[(*n)++] = (verso_str){text + i, end - i};
        i = e + 1;
    }
    return v;
}

/* ---- main ------------------------------------------------------------------------ */

/* Whether argv (before any "--") asks for help. */
static int s_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* Connects, unless the command needs no server; the key pair is wiped
 * once the client has it. Returns 0 or an exit status. */
static int s_connect(verso_cli *cli, const verso_cli_cmd *cmd, const char *server_key,
                     const char *key)
{
    if (!*cmd->role)
        return 0;
    verso_client_opts o = {.timeout_ms = cli->timeout_ms};
    verso_keypair kp;
    char skey[VERSO_KEY_LEN + 1];
    if (verso_cli_keys(server_key, key, skey, &kp, &o) < 0)
        return 2;
    verso_err err = verso_client_new(cli->endpoint, &o, &cli->client);
    explicit_bzero(&kp, sizeof kp);
    if (err) {
        fprintf(stderr, "verso: %s: %s\n", cli->endpoint, verso_strerror(err));
        return err == VERSO_EINVAL ? 2 : 3;
    }
    verso_client_keep_reply(cli->client, cli->json);
    return 0;
}

/* Runs the command; a usage error prints its usage line. */
static int s_run(verso_cli *cli, const verso_cli_cmd *cmd, int argc, char **argv)
{
    int status = cmd->run(cli, argc, argv);
    if (status == VERSO_CLI_USAGE) {
        s_cmd_usage(stderr, cmd);
        status = 2;
    }
    verso_client_destroy(&cli->client);
    return status;
}

/* Reads the global options; returns the index of the command, or -1
 * after printing usage (*status: the exit status). */
static int s_options(int argc, char **argv, verso_cli *cli, const char **server_key,
                     const char **key, int *status)
{
    static const struct option opts[] = {{"endpoint", 1, 0, 'e'},
                                         {"json", 0, 0, 'j'},
                                         {"timeout", 1, 0, 't'},
                                         {"server-key", 1, 0, 's'},
                                         {"key", 1, 0, 'k'},
                                         {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    *status = 2;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'e': cli->endpoint = optarg; break;
        case 'j': cli->json = 1; break;
        case 't': cli->timeout_ms = atoi(optarg); break;
        case 's': *server_key = optarg; break;
        case 'k': *key = optarg; break;
        case 'h':
            s_usage(stdout);
            *status = 0;
            return -1;
        default: s_usage(stderr); return -1;
        }
    }
    if (!cli->endpoint || !*cli->endpoint)
        cli->endpoint = VERSO_DEFAULT_ENDPOINT;
    if (optind >= argc || cli->timeout_ms <= 0) {
        s_usage(stderr);
        return -1;
    }
    return optind;
}

int main(int argc, char **argv)
{
    verso_cli cli = {getenv("VERSO_ENDPOINT"), 0, 10000, NULL};
    const char *server_key = getenv("VERSO_SERVER_KEY"), *key = getenv("VERSO_KEY");
    int status, at = s_options(argc, argv, &cli, &server_key, &key, &status);
    if (at < 0)
        return status;
    const verso_cli_cmd *cmd = s_find(argv[at]);
    if (!cmd) {
        fprintf(stderr, "verso: unknown command '%s'\n", argv[at]);
        s_usage(stderr);
        return 2;
    }
    if (s_wants_help(argc - at - 1, argv + at + 1))
        return s_cmd_help(cmd);
    if ((status = s_connect(&cli, cmd, server_key, key)))
        return status;
    return s_run(&cli, cmd, argc - at - 1, argv + at + 1);
}
