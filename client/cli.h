/*
 * cli.h - pieces shared by the files of the `verso` command (not a public
 * API): the command table's entry type, each command's handler, and the
 * helpers cli.c gives them. Each handler returns the process exit status:
 * 0 ok, 1 error reply, 2 usage or unreadable input, 3 transport or
 * timeout; or VERSO_CLI_USAGE, for which cli.c prints the command's usage
 * line and exits 2.
 */
#ifndef VERSO_CLI_H
#define VERSO_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "verso/client.h"

#define VERSO_CLI_USAGE (-1)

typedef struct verso_cli {
    const char *endpoint;
    int json; /* print each reply's "res" as the server sent it */
    int timeout_ms;
    verso_client *client; /* NULL for the commands that need no server */
} verso_cli;

/* One command: its name, handler, usage (after "verso NAME"), a line on
 * what it does, and the role a server with keys asks of it ("" for none:
 * no server involved). */
typedef struct verso_cli_cmd {
    const char *name;
    int (*run)(verso_cli *cli, int argc, char **argv);
    const char *usage;
    const char *what;
    const char *role;
} verso_cli_cmd;

/* ---- helpers (cli.c) --------------------------------------------------------- */

/* Reads a whole file ("-": standard input); caller frees. NULL on failure. */
char *verso_cli_slurp(const char *path, size_t *len);

/* The lines of text (without their line ends; a last line without one
 * counts) as views into text; *n gets their number. Caller frees the
 * array (NULL with *n == 0 for an empty text, or on failure: *n set to
 * SIZE_MAX). */
verso_str *verso_cli_lines(const char *text, size_t len, size_t *n);

/* Writes server text on one line: line breaks and tabs as spaces, other
 * control characters (a stored escape sequence, say) as '?'. */
void verso_cli_put(const char *p, size_t n);

/* Whether to colour output: standard output is a terminal and NO_COLOR is
 * unset or empty. */
int verso_cli_colour(void);

/* The exit status for a typed call's outcome, err not VERSO_OK: the error
 * reply (1) or the transport failure (3) told on standard error; with
 * --json an error reply is also {"error":{"code":...}} on standard out. */
int verso_cli_fail(verso_cli *cli, verso_err err);

/* With --json: prints the last reply's "res" and returns 1; else 0. */
int verso_cli_json(verso_cli *cli);

/* A whole decimal integer (no trailing text) into *out; 0 or -1. */
int verso_cli_number(const char *s, long *out);

/* The options of the TM commands; files are borrowed from argv, the array
 * is the caller's to free (also on failure). */
typedef struct verso_cli_opts {
    const char **files;
    const char *src, *tgt, *tm, *on_conflict, *output;
    const char *omegat;          /* export: an OmegaT project directory */
    int segmented, text;         /* text: lookup's argument is the text, not a file */
    long min_score, max_results; /* max_results: -1 leaves it to the server */
} verso_cli_opts;

/* Parses --src --tgt --tm --on-conflict --min-score --max-results
 * --segmented --text -o and file names (every argument after "--" is a
 * name). Returns the number of names, or -1 on a malformed option
 * (tmcli.c). */
int verso_cli_parse_opts(int argc, char **argv, verso_cli_opts *o);

/* ---- the commands (usage lines in cli.c's table) ------------------------------- */

int verso_cli_ping(verso_cli *cli, int argc, char **argv);        /* infocli.c */
int verso_cli_hello(verso_cli *cli, int argc, char **argv);       /* infocli.c */
int verso_cli_stats(verso_cli *cli, int argc, char **argv);       /* infocli.c */
int verso_cli_segment(verso_cli *cli, int argc, char **argv);     /* infocli.c */
int verso_cli_tm(verso_cli *cli, int argc, char **argv);          /* entrycli.c */
int verso_cli_add(verso_cli *cli, int argc, char **argv);         /* entrycli.c */
int verso_cli_get(verso_cli *cli, int argc, char **argv);         /* entrycli.c */
int verso_cli_update(verso_cli *cli, int argc, char **argv);      /* entrycli.c */
int verso_cli_delete(verso_cli *cli, int argc, char **argv);      /* entrycli.c */
int verso_cli_import(verso_cli *cli, int argc, char **argv);      /* import.c */
int verso_cli_lookup(verso_cli *cli, int argc, char **argv);      /* tmcli.c */
int verso_cli_export(verso_cli *cli, int argc, char **argv);      /* tmcli.c */
int verso_cli_concordance(verso_cli *cli, int argc, char **argv); /* conccli.c */
int verso_cli_align(verso_cli *cli, int argc, char **argv);       /* aligncli.c */
int verso_cli_backup(verso_cli *cli, int argc, char **argv);      /* admincli.c */
int verso_cli_keygen(verso_cli *cli, int argc, char **argv);      /* admincli.c */

/* Reads the CurveZMQ keys: server_key (a key or a file; may be NULL) and
 * the client's .secret file (may be NULL); both or neither. Fills skey and
 * *kp and points o's key fields at them. Returns 0, or -1 after printing
 * why (admincli.c). */
struct verso_keypair;
int verso_cli_keys(const char *server_key, const char *key_file, char *skey,
                   struct verso_keypair *kp, verso_client_opts *o);

#endif
