/*
 * srx.h - SRX 2.0 segmentation rule sets (the LISA/GALA standard that
 * OmegaT, Okapi, Trados and most CAT tools read; docs/SEGMENTATION.md),
 * so that Verso cuts a text exactly where the translator's CAT tool does.
 *
 * A verso_srx is one SRX file, parsed (expat) and its regular expressions
 * compiled (ICU uregex) once: immutable after verso_srx_load, shared by
 * every thread. Matching needs per-thread state: a verso_srx_cutter
 * (clones of the compiled patterns, made on first use) belongs to one
 * thread and borrows its verso_srx, which must outlive it.
 */
#ifndef VERSO_SRX_H
#define VERSO_SRX_H

#include <stdbool.h>
#include <stddef.h>

#include "verso/err.h"
#include "work.h"

typedef struct verso_srx verso_srx;
typedef struct verso_srx_cutter verso_srx_cutter;

#define VERSO_SRX_MAX_SETS 16 /* rule sets a server loads (versod --srx), at most */

/* Caps on what a file may hold (a bigger one is refused with EINVAL). */
#define VERSO_SRX_MAX_BYTES   (16u << 20) /* the file */
#define VERSO_SRX_MAX_RULES   20000u      /* rules in all language rules */
#define VERSO_SRX_MAX_PATTERN 8192u       /* bytes of one regular expression */
#define VERSO_SRX_MAX_NAME    64u         /* bytes of a languagerulename */

/* Loads the SRX 2.0 file at path as the rule set `name` (1 to 64 bytes of
 * [A-Za-z0-9._-]). *out is the caller's (verso_srx_destroy). Errors: EIO
 * (unreadable), EINVAL (not SRX 2.0, a bad regular expression or a cap
 * passed: *why, when not NULL, receives a message naming the line,
 * static until the next call from this thread), ENOMEM. */
verso_err verso_srx_load(const char *path, const char *name, verso_srx **out, const char **why);

/* The same from the file's bytes data[0..len) (not trusted: any bytes are
 * refused or read within the caps). */
verso_err verso_srx_parse(const char *data, size_t len, const char *name, verso_srx **out,
                          const char **why);

/* Frees *x; safe with *x == NULL; sets *x = NULL. */
void verso_srx_destroy(verso_srx **x);

/* The set's name, borrowed. */
const char *verso_srx_name(const verso_srx *x);

/* The names of the language rules that apply to the BCP 47 tag lang, in
 * the order their rules are tried (one with cascade off), joined by
 * "+" into buf (cut at cap - 1 bytes); the number of language rules. */
size_t verso_srx_describe(const verso_srx *x, const char *lang, char *buf, size_t cap);

/* A cutter for x. Errors: ENOMEM. *out is the caller's. */
verso_err verso_srx_cutter_new(const verso_srx *x, verso_srx_cutter **out);
void verso_srx_cutter_destroy(verso_srx_cutter **c);

/* The cutter's rule set, borrowed. */
const verso_srx *verso_srx_cutter_srx(const verso_srx_cutter *c);

/*
 * The break positions SRX puts inside text[a, b) (a UTF-8 text of len
 * bytes; the rules see only [a, b)) for language lang: byte offsets in
 * (a, b), ascending, into *pos (grown with realloc; *cap its size), *n
 * their number. Each rule (in the order verso_srx_describe gives) is
 * searched as (?:BEFORE)(?=AFTER), left to right, each search starting
 * where the last match ended; a match's end is a position where the rule
 * applies, and the first rule that applies at a position decides: a
 * break or none. Where no rule applies there is no break. (A rule whose
 * <beforebreak> could match ending inside another of its own matches is
 * found only once there, as with a find loop; OmegaT's default rules give
 * the same cuts, test_omegat.py.) Matching stops at w's deadline or
 * cancellation, and a search that runs away is stopped.
 * Errors: ENOMEM, ETIMEDOUT, ECANCELED, EINTERNAL (ICU failure or a
 * runaway pattern).
 */
verso_err verso_srx_cut(verso_srx_cutter *c, const char *lang, const char *text, size_t len,
                        size_t a, size_t b, size_t **pos, size_t *n, size_t *cap, verso_work *w);

#endif
