/*
 * lexdir.h - the bilingual word lists of a directory, one per language
 * pair: files named "A-B.tsv" (A and B primary language subtags, e.g.
 * de-fr.tsv, en-zh.tsv; format in corpora/README.md), loaded once at
 * start-up and then only read, by any number of threads.
 *
 * A verso_lexdir owns its lexicons; a lexicon found is borrowed from it.
 */
#ifndef VERSO_LEXDIR_H
#define VERSO_LEXDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "lexicon.h"
#include "verso/err.h"

typedef struct verso_lexdir verso_lexdir;

/* Loads every "A-B.tsv" of dir (other files are ignored; a file that
 * cannot be read is logged and skipped). dir NULL, or a directory that
 * does not exist, gives an empty set. Errors: ENOMEM, EIO (dir exists
 * but cannot be listed). *out is the caller's (verso_lexdir_destroy). */
verso_err verso_lexdir_load(const char *dir, verso_lexdir **out);

/* Frees *d and its lexicons; safe with *d == NULL; sets *d = NULL. */
void verso_lexdir_destroy(verso_lexdir **d);

/* The word list of the pair of canonical tags (src, tgt) by their primary
 * subtags, in either orientation: *reversed is set when its first column
 * is tgt's language; *name receives its name ("de-fr", borrowed). NULL
 * when there is none. */
const verso_lexicon *verso_lexdir_find(const verso_lexdir *d, const char *src, const char *tgt,
                                       bool *reversed, const char **name);

/* Number of word lists loaded. */
size_t verso_lexdir_count(const verso_lexdir *d);

#endif
