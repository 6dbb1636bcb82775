/*
 * tmcheck.h - what a TM holds, for tests that break a server (kill -9, a
 * full disk, clients that vanish) and check its store afterwards: every
 * entry of a TM read back through `export`, the document pairs the align
 * tests send, and the entries an `align` with `store` adds. Talks to a real
 * server through libverso; knows nothing of its internals.
 */
#ifndef VERSO_TMCHECK_H
#define VERSO_TMCHECK_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verso/envelope.h"

/* One entry as exported. Strings are the row set's (NUL-terminated). */
typedef struct verso_tmcheck_row {
    uint64_t id;
    char *src, *tgt, *origin;
} verso_tmcheck_row;

typedef struct verso_tmcheck_rows {
    verso_tmcheck_row *v; /* sorted by origin, then src */
    size_t n;
} verso_tmcheck_rows;

/* Reads every entry of TM `tm` (export pages of 10,000). Returns 0, or -1
 * (message on stderr) when a page fails; *out is then empty. Free with
 * verso_tmcheck_rows_fini. */
int verso_tmcheck_rows_load(verso_client *c, const char *tm, verso_tmcheck_rows *out);
void verso_tmcheck_rows_fini(verso_tmcheck_rows *r);

/* The rows whose origin is `origin`: *first gets the index of the first
 * (sorted order). Returns their number. */
size_t verso_tmcheck_rows_origin(const verso_tmcheck_rows *r, const char *origin, size_t *first);

/* A list of (src, tgt) pairs, owned by the list. */
typedef struct verso_tmcheck_pairs {
    char **src, **tgt;
    size_t n;
} verso_tmcheck_pairs;

void verso_tmcheck_pairs_fini(verso_tmcheck_pairs *p);

/* The pairs an `align` result `res` stores (docs/PROTOCOL.md, align: every
 * 1-1, 1-2 and 2-1 bead scoring at least `min`, sentences joined with a
 * space; for languages written with spaces). Returns 0, or -1 when res is
 * malformed. */
int verso_tmcheck_align_pairs(const msgpack_object *res, double min, verso_tmcheck_pairs *out);

/* The pairs of `want` that are not among the rows of `origin`. */
size_t verso_tmcheck_rows_missing(const verso_tmcheck_rows *r, const char *origin,
                                  const verso_tmcheck_pairs *want);

/* Whether the rows of `origin` are exactly `want` (as many, and each pair
 * of want among them). */
bool verso_tmcheck_rows_are(const verso_tmcheck_rows *r, const char *origin,
                            const verso_tmcheck_pairs *want);

/* Sentence i of document `no` of the series `tag`, English (tgt 0) or its
 * French translation (tgt 1), into buf (NUL-terminated; cap >= 256).
 * Distinct for every (tag, no, i, tgt), numbered so that the aligner has
 * anchors, of lengths that vary with i. Returns its length. */
size_t verso_tmcheck_sentence(char *buf, size_t cap, const char *tag, int no, int i, int tgt);

/* Sends `align` of document `no` of `tag` (n sentences a side, en -> fr, as
 * segments); with store_tm not NULL, storing every storable bead
 * (min_confidence 0) into store_tm with origin `origin`. *req gets the
 * request id. Returns verso_client_send_packed's. */
verso_err verso_tmcheck_send_align(verso_client *c, const char *tag, int no, int n,
                                   const char *store_tm, const char *origin, uint64_t *req);

#endif
