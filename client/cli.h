/*
 * cli.h - pieces shared by the files of the `verso` command (not a public
 * API). Each command returns the process exit status: 0 ok, 1 error reply,
 * 2 usage, 3 transport or timeout.
 */
#ifndef VERSO_CLI_H
#define VERSO_CLI_H

#include <stddef.h>

#include "verso/client.h"

typedef struct verso_cli {
    const char *endpoint;
    int json;
    int timeout_ms;
    verso_client *client;
} verso_cli;

/* Reads a whole file ("-": standard input); caller frees. NULL on failure. */
char *verso_cli_slurp(const char *path, size_t *len);

/* Prints a msgpack object as one line of JSON. */
void verso_cli_print_json(const msgpack_object *o);

/* verso import FILE [TGT_FILE] --src L --tgt L [--tm NAME] [--on-conflict P] */
int verso_cli_import(verso_cli *cli, int argc, char **argv);

/* verso lookup FILE --src L --tgt L [--tm NAME] [--segmented] [--min-score N] */
int verso_cli_lookup(verso_cli *cli, int argc, char **argv);

#endif
