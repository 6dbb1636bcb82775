/*
 * text.h - text forms for matching: the normalised form that exact matches
 * compare (NFC, white-space runs as one space, trimmed) and a 64-bit hash.
 * Pure functions, thread-safe.
 */
#ifndef VERSO_TEXT_H
#define VERSO_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "verso/err.h"

/* Writes the normalised form of s[0..n) (valid UTF-8) into out (reset first).
 * Errors: ENOMEM, ETOOBIG (out's cap), EINTERNAL (ICU). */
verso_err verso_text_norm(const char *s, size_t n, verso_buf *out);

/* Writes s[0..n) (valid UTF-8) in Unicode NFC into out (reset first); ASCII
 * is copied as is. Errors: ENOMEM, ETOOBIG, EINTERNAL (ICU). */
verso_err verso_text_nfc(const char *s, size_t n, verso_buf *out);

/* FNV-1a, 64 bits: a stable hash for index keys (collisions are resolved by
 * comparing the texts themselves). */
uint64_t verso_text_hash(const void *p, size_t n);

#endif
