/*
 * utf8.h - strict UTF-8 validation (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF. Pure function; no allocation.
 */
#ifndef VERSO_UTF8_H
#define VERSO_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8. When it is not and bad_off is not NULL,
 * *bad_off receives the byte offset of the first invalid sequence. */
bool verso_utf8_valid(const char *s, size_t len, size_t *bad_off);

#endif
