/*
 * lexicon.h - a bilingual word list of one language pair (A, B): which
 * words of language B translate a word of language A. The aligner reads it
 * as translation evidence (docs/ALIGNMENT.md).
 *
 * Words are compared folded: lower case, Latin-1 accents stripped. Words
 * are kept as 64-bit hashes of their folded code points, not as text. A
 * word of an alphabetic script that is not listed is looked up again
 * without its last one, two or three letters (keeping at least four), so
 * that "maisons" finds "maison" and "Hauses" finds "haus".
 *
 * Life cycle: new, then add or load, then freeze; a frozen lexicon is only
 * read, by any number of threads at once. It owns all its memory.
 */
#ifndef VERSO_LEXICON_H
#define VERSO_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicode/umachine.h>

#include "verso/err.h"

#define VERSO_LEX_MAXWORD 32 /* code points of a word, at most */
#define VERSO_LEX_NONE    UINT32_MAX

typedef struct verso_lexicon verso_lexicon;

/* Errors: ENOMEM. *out is the caller's (verso_lexicon_destroy). */
verso_err verso_lexicon_new(verso_lexicon **out);

/* Frees *l; safe with *l == NULL; sets *l = NULL. */
void verso_lexicon_destroy(verso_lexicon **l);

/* Adds the pair (a in language A, b in language B), UTF-8, borrowed for
 * the call. Errors: EBADUTF8; EINVAL (empty, longer than
 * VERSO_LEX_MAXWORD code points, or white space inside; or l frozen);
 * ENOMEM. */
verso_err verso_lexicon_add(verso_lexicon *l, const char *a, size_t na, const char *b, size_t nb);

/* Adds the pairs of a word-list file: UTF-8 lines "A<TAB>B", '#' starting
 * a comment line (corpora/README.md). A line that is not such a pair is
 * skipped and counted in *skipped; *added counts the pairs added (both may
 * be NULL). Then freezes l. Errors: EIO (cannot open or read), ENOMEM,
 * EINVAL (l frozen). */
verso_err verso_lexicon_load(verso_lexicon *l, const char *path, size_t *added, size_t *skipped);

/* Sorts the pairs for lookups; no more adds. Errors: ENOMEM. */
verso_err verso_lexicon_freeze(verso_lexicon *l);

/* Number of distinct pairs (frozen) or pairs added so far. */
size_t verso_lexicon_size(const verso_lexicon *l);

/* Number of distinct words of side 0 (A) or 1 (B); ids are below it. */
uint32_t verso_lexicon_words(const verso_lexicon *l, int side);

/* Folding of one code point: lower case, Latin-1 accents stripped. */
UChar32 verso_lexicon_fold(UChar32 c);

/* The id of a folded word w[0..n) of side 0 (A) or 1 (B), or
 * VERSO_LEX_NONE; with strip, an unlisted word is tried again without its
 * last 1..3 code points (at least 4 left). Ids of one side are dense from
 * 0. Needs a frozen lexicon. */
uint32_t verso_lexicon_find(const verso_lexicon *l, int side, const UChar32 *w, size_t n,
                            bool strip);

/* The ids of the B words translating A word a: *ids borrowed from l, in
 * increasing order; returns their count (0 for an unknown id). */
size_t verso_lexicon_translations(const verso_lexicon *l, uint32_t a, const uint32_t **ids);

#endif
