/*
 * po.h - reading gettext PO catalogs (the text form) as source/target pairs:
 * msgid -> msgstr (msgstr[0] for plurals), contexts dropped, the header,
 * untranslated and fuzzy entries skipped. The file is untrusted: a malformed
 * entry is reported and skipped, the rest still read. No global state.
 */
#ifndef VERSO_PO_H
#define VERSO_PO_H

#include <stddef.h>

#include "verso/err.h"

/* A translated message: unescaped msgid and msgstr, valid until the next
 * call; `line` is where its msgid starts. Return nonzero to stop. */
typedef int (*verso_po_fn)(void *arg, const char *src, size_t sn, const char *tgt, size_t tn,
                           size_t line);

/* A malformed entry at `line` (why: static text); it is skipped. */
typedef void (*verso_po_bad_fn)(void *arg, size_t line, const char *why);

/* Walks the catalog data[0..len). Returns VERSO_OK, or ENOMEM. */
verso_err verso_po_each(const char *data, size_t len, verso_po_fn fn, verso_po_bad_fn bad,
                        void *arg);

#endif
