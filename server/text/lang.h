/*
 * lang.h - BCP 47 language tags, checked and canonicalised with ICU
 * (uloc_forLanguageTag / uloc_toLanguageTag). Pure functions, thread-safe.
 * Ownership: tags are borrowed for the call; results go into the caller's
 * buffers (VERSO_LANG_MAX bytes); nothing is allocated.
 */
#ifndef VERSO_LANG_H
#define VERSO_LANG_H

#include <stddef.h>

#include "verso/err.h"

#define VERSO_LANG_INPUT_MAX 63  /* longest tag accepted, in bytes */
#define VERSO_LANG_MAX       128 /* room for a canonical tag ("x-..." grows "und-") */

/* Writes the canonical form of tag[0..len) ("en-us" -> "en-US", "zh-hant-tw"
 * -> "zh-Hant-TW") into out (VERSO_LANG_MAX bytes, NUL-terminated).
 * The special tags are tags like any other: "und" (undetermined), "mul",
 * "zxx", "mis", "und-x-..." and "x-..." (which becomes "und-x-...").
 * Returns VERSO_OK, or VERSO_EBADLANG for an empty tag, one over
 * VERSO_LANG_INPUT_MAX bytes as given, or one ICU's strict parser refuses. */
verso_err verso_lang_canon(const char *tag, size_t len, char *out);

/* Copies the primary language subtag of a canonical tag ("zh-Hant-TW" -> "zh")
 * into out (VERSO_LANG_MAX bytes). */
void verso_lang_base(const char *canon, char *out);

#endif
