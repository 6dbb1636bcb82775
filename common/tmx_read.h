/*
 * tmx_read.h - the TMX reader's state, shared by the two halves of the
 * reader: tmx.c (the TU being read, expat's handlers) and tmx_input.c (the
 * input pipeline: encoding, UTF-8 repair, the window, resynchronisation,
 * and the reader API). Internal to common/; the API is tmx.h. A reader
 * belongs to one thread.
 */
#ifndef VERSO_TMX_READ_H
#define VERSO_TMX_READ_H

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tmx.h"

#define VERSO_TMX_SLICE     ((size_t)64 << 10) /* bytes handed to expat at a time */
#define VERSO_TMX_SNIFF_MAX 1024               /* bytes read to find the encoding */
#define VERSO_TMX_MAX_DEPTH 256                /* element nesting */
#define VERSO_TMX_PRIME     "<tmx><body>"
#define VERSO_TMX_FDD0      "\xEF\xB7\x90"

typedef struct verso_tmx_span { /* bytes [off, off + len) of one of the TU's buffers */
    uint32_t off, len;
} verso_tmx_span;

typedef struct verso_tmx_rtuv {
    verso_tmx_span lang, text;
    uint32_t tag0, ntags; /* its tags in the TU's tag table */
    bool has_seg;
    verso_tmx_span attrs, body; /* in the TU's xtra: its attributes, its note and prop elements */
} verso_tmx_rtuv;

typedef struct verso_tmx_rprop {
    verso_tmx_span type, value;
} verso_tmx_rprop;

/* Text lives in five buffers whose sum is capped (VERSO_TMX_MAX_TEXT):
 * arena (attributes, seg texts, prop values), tagx (tag XML, the tags back
 * to back), note, xtra (the TU's attributes as XML, then each tuv's
 * attributes and note/prop elements) and tubody (the TU's note and prop
 * elements as XML): xtra and tubody keep what no other field does. Depths
 * are element depths, 0 when outside. */
typedef struct verso_tmx_rtu {
    bool active, skip; /* skip: a limit was hit, ignore the rest */
    const char *problem;
    unsigned long line, depth, tuv_depth, seg_depth, tag_depth, note_depth, prop_depth;
    unsigned long meta_depth; /* a note or prop of a tuv, copied to xtra as XML */
    verso_tmx_span tuid, creationid, changeid, srclang;
    int64_t created, changed;
    uint64_t usage;
    verso_buf arena, tagx, note, xtra, tubody;
    verso_tmx_span attrs; /* in xtra: the TU's attributes; tubody: its note and prop elements */
    bool has_note;
    verso_tmx_rtuv *tuvs;
    size_t ntuvs, tuvs_cap;
    verso_tmx_rprop *props;
    size_t nprops, props_cap;
    uint32_t *tags; /* start of each tag in tagx; the last ends at tagx_end */
    size_t ntags, tags_cap;
    uint32_t tagx_end, tag_start;
    bool xchar; /* the tag being read may be an x-verso-char ph */
    char hex[8];
    size_t nhex;
} verso_tmx_rtu;

typedef enum verso_tmx_enc {
    VERSO_TMX_ENC_SNIFF,
    VERSO_TMX_ENC_UTF8,
    VERSO_TMX_ENC_OTHER
} verso_tmx_enc;

struct verso_tmx_reader {
    verso_tmx_tu_fn fn;
    void *arg;
    XML_Parser xp;
    verso_tmx_enc enc;
    verso_buf sniff; /* the first bytes, until the encoding is known */
    unsigned char pend[4];
    size_t npend; /* UTF-8: an incomplete sequence at the end of a feed */
    /* win holds the stream bytes [win_abs, win_abs + win.len) (UTF-8 after
     * repair), from the start of expat's last event on, so parsing can
     * resume after any error position. fed_abs: bytes before it went to
     * expat; base: stream offset of expat's byte 0 (the prime before it). */
    verso_buf win;
    uint64_t win_abs, fed_abs, evt_abs, resync_abs;
    int64_t base;
    bool skipping;
    uint64_t nl_abs; /* newlines before nl_abs are counted in nl */
    unsigned long nl, line_base;
    unsigned long depth;
    bool halted, stopped, done;
    const char *own_err; /* why a handler stopped expat */
    verso_err fatal;
    const char *err;
    unsigned long err_line;
    unsigned nerrors;
    verso_buf srclang;
    verso_buf header;           /* the <header> element as XML (with its children) */
    unsigned long header_depth; /* inside <header>: its depth */
    bool header_bad;            /* over VERSO_TMX_MAX_HEADER: not kept */
    verso_tmx_rtu tu;
    verso_tmx_tuv *v_tuvs; /* the views handed to fn */
    verso_tmx_prop *v_props;
    verso_tmx_str *v_tags;
    size_t v_tuvs_cap, v_props_cap, v_tags_cap;
};

/* Resets the TU being read for the next one, keeping its buffers (tmx.c). */
void verso_tmx_rtu_reset(verso_tmx_rtu *t);

/* Creates r's expat parser with the handlers of tmx.c (NULL on failure). */
void verso_tmx_parser_setup(verso_tmx_reader *r);

#endif
