/*
 * tmx_int.h - what the TMX reader (tmx.c) and writer (tmx_write.c) share:
 * the escaping of XML text. Internal to common/, not part of the API
 * (that is tmx.h); pure, no state, any thread.
 */
#ifndef VERSO_TMX_INT_H
#define VERSO_TMX_INT_H

#include <stdbool.h>

#define VERSO_TMX_FFFD "\xEF\xBF\xBD" /* U+FFFD, UTF-8 */

/* The entity byte c is written as in TMX text: & < > always; CR everywhere
 * and " TAB LF in attribute values (attr), which XML normalisation would
 * eat otherwise. NULL when c is written as it is. Returns static text.
 * Inline: the reader and the writer call it for every byte they escape. */
static inline const char *verso_tmx_escape(unsigned char c, bool attr)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '\r': return "&#13;";
    case '"': return attr ? "&quot;" : NULL;
    case '\t': return attr ? "&#9;" : NULL;
    case '\n': return attr ? "&#10;" : NULL;
    default: return NULL;
    }
}

#endif
