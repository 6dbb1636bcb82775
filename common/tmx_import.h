/*
 * tmx_import.h - a TMX TU read as translation-memory entries: the import
 * mapping of docs/TMX.md ("Import"), shared by `verso import`
 * (client/import.c) and the HTTP door's upload (server/http/upload.c);
 * the checks an entry passes before it is sent, and an entry packed as
 * one item of an add request's "entries" (docs/PROTOCOL.md).
 *
 * Ownership: the entries handed to a callback borrow from the TU and from
 * the mapping's own scratch space, valid during the call only. Pure; any
 * thread.
 */
#ifndef VERSO_TMX_IMPORT_H
#define VERSO_TMX_IMPORT_H

#include "pack.h"
#include "tmx.h"
#include "tmx_entry.h"

#define VERSO_TMX_ORIGIN_PROP "x-verso-origin" /* the prop carrying an entry's origin */

/* Which entries a file gives, and what they get when the file says nothing. */
typedef struct verso_tmx_want {
    const char *src, *tgt; /* languages asked for ("en", "pt-BR"), NULL: as the file says */
    verso_tmx_str srclang; /* the header's srclang (verso_tmx_reader_srclang) */
    verso_tmx_str origin;  /* an entry's origin when its TU has no x-verso-origin prop */
} verso_tmx_want;

/* Where the entries of a TU go: entry() once per source-target pair,
 * reject() once for a TU that gives none, with why (static text). A
 * nonzero return stops the mapping, which returns it. */
typedef struct verso_tmx_sink {
    int (*entry)(void *arg, const verso_tmx_entry *e, unsigned long line);
    int (*reject)(void *arg, unsigned long line, const char *why);
    void *arg;
} verso_tmx_sink;

/*
 * The entries of one TU: its source tuv (the one of want->src; else of the
 * TU's srclang; else of the header's unless "*all*"; else the first) paired
 * with every other tuv (of want->tgt when given), each with the TU's note,
 * creationid, dates, usage, props, context (props "prev" and "next"),
 * origin, and the XML the reader kept (the "tmx" list with its
 * fingerprint). A TU the reader marked with a problem is rejected with it.
 * Returns 0, a callback's nonzero value, or -1 when out of memory.
 */
int verso_tmx_tu_entries(const verso_tmx_tu *tu, const verso_tmx_want *want,
                         const verso_tmx_sink *sink);

/* Why the server would refuse e as it stands (static text), or NULL: an
 * empty side, text that is not UTF-8 or over VERSO_SEGMENT_MAX_BYTES, a
 * tag mark without its tag. */
const char *verso_tmx_entry_problem(const verso_tmx_entry *e);

/* Packs e as an add request's entry map (src, tgt, context, author, note,
 * origin, tags, props, tmx, dates, usage; id and languages are not part of
 * it). Errors: the packer's. */
verso_err verso_tmx_entry_pack(verso_pack *p, const verso_tmx_entry *e);

/* Whether a language tag as a file wrote it is the one asked for: equal
 * ignoring case and '_' for '-', or a bare language asked for ("en" is
 * "en-US"). */
bool verso_tmx_lang_is(verso_tmx_str have, const char *want);

#endif
