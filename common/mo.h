/*
 * mo.h - reading GNU gettext MO catalogs (compiled translations) as
 * source/target pairs. The file is untrusted: every count, length and offset
 * is checked against the bytes that are there. Pure function; no allocation.
 */
#ifndef VERSO_MO_H
#define VERSO_MO_H

#include <stddef.h>

#include "verso/err.h"

/* Called for each translated message: the msgid (context stripped; the
 * singular form of a plural) and its msgstr (the first form). Views into
 * the catalog. Return nonzero to stop. */
typedef int (*verso_mo_fn)(void *arg, const char *src, size_t sn, const char *tgt, size_t tn);

/*
 * Walks the catalog data[0..len). Skips the header entry and untranslated
 * messages. Returns VERSO_OK, or VERSO_EPROTO with *why set (static text)
 * when the file is not a well-formed MO catalog; entries before the fault
 * have been passed to fn.
 */
verso_err verso_mo_each(const void *data, size_t len, verso_mo_fn fn, void *arg, const char **why);

#endif
