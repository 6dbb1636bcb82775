/*
 * cli.h - pieces shared by the files of the `verso` command (not a public
 * API). Each command returns the process exit status: 0 ok, 1 error reply,
 * 2 usage, 3 transport or timeout.
 */
#ifndef VERSO_CLI_H
#define VERSO_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "verso/client.h"

typedef struct verso_cli {
    const char *endpoint;
    int json;
    int timeout_ms;
    verso_client *client;
} verso_cli;

/* Reads a whole file ("-": standard input); caller frees. NULL on failure. */
char *verso_cli_slurp(const char *path, size_t *len);

/* An unsigned integer field of a map, 0 when absent or of another type. */
uint64_t verso_cli_uint(const msgpack_object *map, const char *key);

/* Prints a msgpack object as one line of JSON. */
void verso_cli_print_json(const msgpack_object *o);

/* Writes server text on one line: line breaks and tabs as spaces, other
 * control characters (a stored escape sequence, say) as '?'. */
void verso_cli_put(const char *p, size_t n);

/* Whether to colour output: standard output is a terminal and NO_COLOR is
 * unset or empty. */
int verso_cli_colour(void);

/* Sends op with the nf fields packed in f, waits for the reply and prints
 * its res: as JSON with --json, else with print(arg, res). Errors go to
 * standard error. Returns the exit status (0, 1 error reply, 3 transport). */
int verso_cli_request(verso_cli *cli, const char *op, const msgpack_sbuffer *f, uint32_t nf,
                      void (*print)(void *arg, const msgpack_object *res), void *arg);

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
 * name). Returns the number of names, or -1 on a malformed option. */
int verso_cli_parse_opts(int argc, char **argv, verso_cli_opts *o);

/* verso import FILE... [--src L --tgt L] [--tm NAME] [--on-conflict P] (import.c) */
int verso_cli_import(verso_cli *cli, int argc, char **argv);

/* verso lookup FILE|TEXT --src L --tgt L [--tm NAME] [--text] [--segmented]
 * [--min-score N] [--max-results N]: FILE when it is "-" or a readable file
 * (and not --text), else the text itself. Prints a table of matches, the
 * differences from the query marked in the TM source (tmcli.c). */
int verso_cli_lookup(verso_cli *cli, int argc, char **argv);

/* verso export [--tm NAME] -o FILE.tmx (- or no -o: standard output), or
 * --omegat PROJECT_DIR: into PROJECT_DIR/tm/verso-NAME.tmx, where OmegaT's
 * own fuzzy-match pane reads it (tmcli.c). */
int verso_cli_export(verso_cli *cli, int argc, char **argv);

/* verso concordance QUERY --lang L [--side src|tgt] [--tm NAME]
 * [--max-results N]: the entries holding every word of QUERY, the words
 * marked, each with its other side (conccli.c). */
int verso_cli_concordance(verso_cli *cli, int argc, char **argv);

/* verso align SRC TGT --src L --tgt L [--segmented] [--store TM]
 * [--min-confidence X] [--origin NAME] [--format beads|tsv|tmx]: the beads
 * of a document pair, or its sentence pairs (aligncli.c). */
int verso_cli_align(verso_cli *cli, int argc, char **argv);

/* verso keygen BASE: writes BASE.pub and BASE.secret (admincli.c). */
int verso_cli_keygen(int argc, char **argv);

/* verso backup DIR: the server copies its store into DIR (admincli.c). */
int verso_cli_backup(verso_cli *cli, int argc, char **argv);

/* Reads the CurveZMQ keys: server_key (a key or a file; may be NULL) and
 * the client's .secret file (may be NULL); both or neither. Fills skey and
 * *kp and points o's key fields at them. Returns 0, or -1 after printing
 * why (admincli.c). */
struct verso_keypair;
int verso_cli_keys(const char *server_key, const char *key_file, char *skey,
                   struct verso_keypair *kp, verso_client_opts *o);

#endif
