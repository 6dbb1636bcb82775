/*
 * lookup_int.h - private to the lookup op: what its request side
 * (lookup_op.c: fields, segments, the search) hands its reply side
 * (lookup_reply.c: packing each segment's ranked matches, their
 * differences and substituted numbers). No other file includes it.
 */
#ifndef VERSO_LOOKUP_INT_H
#define VERSO_LOOKUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fuzzy.h"
#include "pack.h"
#include "rank.h"
#include "tm.h"
#include "tmfuzzy.h"

/* A segment looked up: a view into the request, and where it lies in
 * "text" (when the server cut it). */
typedef struct verso_lookup_seg {
    verso_str text;
    size_t start, end;
} verso_lookup_seg;

/* The reply side of a lookup: its packer and the scratch space reused for
 * every match. Caller-owned: verso_lookup_reply_init, _fini. */
typedef struct verso_lookup_reply {
    verso_pack *p;       /* the op's result (borrowed) */
    verso_txn *t;        /* the lookup's read transaction (borrowed) */
    verso_str tm_name;   /* the TM looked in, named in every match */
    verso_tmfuzzy *fz;   /* the query's forms (qnorm, q) and the tokeniser (borrowed) */
    verso_buf cnorm;     /* a match's normalised source */
    verso_fuzzy_text ct; /* its tokens */
    verso_buf tgt;       /* a target with numbers substituted */
    uint32_t *qmap;      /* byte offsets: query norm -> as sent */
    uint32_t *cmap;      /* match norm -> as stored */
    size_t qmap_cap, cmap_cap;
} verso_lookup_reply;

/* Sets r up to pack into p the matches of entries read in t, of TM
 * tm_name (a view that must outlive r), compared with the query held in
 * fz. */
void verso_lookup_reply_init(verso_lookup_reply *r, verso_pack *p, verso_txn *t, verso_str tm_name,
                             verso_tmfuzzy *fz);
void verso_lookup_reply_fini(verso_lookup_reply *r);

/* Packs one segment's result: the segment (with its offsets when
 * positions), then the matches of hits, best first. fz must hold the
 * segment's query (verso_tmfuzzy_query) when a match is not exact.
 * Errors: the packer's (ENOMEM), or a comparison's (other than ETOOBIG). */
verso_err verso_lookup_reply_segment(verso_lookup_reply *r, const verso_lookup_seg *seg,
                                     bool positions, const verso_rank_list *hits);

#endif
