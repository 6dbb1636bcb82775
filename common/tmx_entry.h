/*
 * tmx_entry.h - a translation-memory entry as a TMX TU: the mapping of
 * docs/TMX.md ("Export"), shared by the CLI's export (client/tmcli.c) and
 * the HTTP door's download (server/http/). Ownership: every string and
 * array of a verso_tmx_entry is borrowed for the call; the TU is appended
 * to the caller's buffer. Pure; any thread.
 */
#ifndef VERSO_TMX_ENTRY_H
#define VERSO_TMX_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tmx.h"

/* An entry, as the `get` and `export` ops give it (docs/PROTOCOL.md). */
typedef struct verso_tmx_entry {
    int64_t id;
    verso_tmx_str src_lang, tgt_lang, src, tgt, author, note, origin, prev, next;
    const verso_tmx_str *src_tags, *tgt_tags; /* the text of each inline tag */
    size_t nsrc_tags, ntgt_tags;
    const verso_tmx_prop *props; /* the entry's props */
    size_t nprops;
    const verso_tmx_prop *tmx; /* what its import kept: [name, value] */
    size_t ntmx;
    int64_t created, changed, usage;
} verso_tmx_entry;

/* Appends e as a TU. Errors: ENOMEM, ETOOBIG (the buffer's cap), and
 * those of verso_tmx_write_tu (EINVAL for what TMX cannot hold). */
verso_err verso_tmx_write_entry(verso_buf *out, const verso_tmx_entry *e);

#endif
