/*
 * text.h - text forms for matching: the normalised form that exact matches
 * compare (NFC, white-space runs as one space, trimmed), the loose form that
 * near-exact matches share, their differences, and a 64-bit hash.
 * Pure functions, thread-safe.
 */
#ifndef VERSO_TEXT_H
#define VERSO_TEXT_H

#include <stdbool.h>
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

/* The loose form of a normalised text (verso_text_norm), which near-exact
 * matches share: letters case-folded, every number (digits with inner . or ,)
 * as one '#', punctuation, white space and tag marks (U+F0000..U+FFFFD)
 * dropped. A text with nothing left (only punctuation, say) has the byte
 * 0xFF, which no other loose form holds, then its normalised form: it shares
 * its loose form with itself alone. Into out (reset first). Errors: ENOMEM,
 * ETOOBIG. */
verso_err verso_text_loose(const char *norm, size_t n, verso_buf *out);

/* What differs between two normalised texts: 0 when they are equal, else
 * VERSO_TEXT_* bits, or VERSO_TEXT_UNLIKE when their loose forms differ. */
#define VERSO_TEXT_CASE    1u /* letters differ in case only */
#define VERSO_TEXT_PUNCT   2u /* punctuation or white space */
#define VERSO_TEXT_NUMBERS 4u
#define VERSO_TEXT_TAGS    8u /* the number of tag marks */
#define VERSO_TEXT_UNLIKE  0x80000000u
unsigned verso_text_diff(const char *a, size_t an, const char *b, size_t bn);

/* The parts of a normalised text that near-exact matching compares. Caller-
 * owned: init once, fill with verso_text_parts_of as often as needed (its
 * buffers are reused), fini. */
typedef struct verso_text_parts {
    verso_buf loose;   /* the loose form */
    verso_buf letters; /* letters as written */
    verso_buf punct;   /* punctuation and white space, in order */
    verso_buf numbers; /* each number as written, then '\n' */
    size_t marks;      /* tag marks */
} verso_text_parts;

void verso_text_parts_init(verso_text_parts *p);
void verso_text_parts_fini(verso_text_parts *p);
verso_err verso_text_parts_of(const char *norm, size_t n, verso_text_parts *p);

/* verso_text_diff on split texts. Texts that differ only in the order of
 * their parts ("a-b", "ab-") give 0 here: verso_text_reordered says how. */
unsigned verso_text_parts_diff(const verso_text_parts *a, const verso_text_parts *b);

/* For two different texts with the same parts: VERSO_TEXT_TAGS when only tag
 * marks moved, else VERSO_TEXT_PUNCT (punctuation or spacing moved). */
unsigned verso_text_reordered(const char *a, size_t an, const char *b, size_t bn);

/* FNV-1a, 64 bits: the stable hash of context segments, stored in entries
 * since schema 1 (never change it). */
uint64_t verso_text_hash(const void *p, size_t n);

/* A stable 64-bit hash for the match index, eight bytes a step (index
 * collisions are resolved by comparing the texts themselves). */
uint64_t verso_text_key_hash(const void *p, size_t n);

/* map[i]: the byte of o (as sent or stored) where byte i of its normalised
 * form n (verso_text_norm(o)) starts; map[nlen]: the end of its last
 * character. map has room for nlen + 1. False when n is not o with its
 * white space squeezed (o was not in NFC): no offsets then. */
bool verso_text_map(const char *o, size_t olen, const char *n, size_t nlen, uint32_t *map);

#endif
