/*
 * segment.h - sentence segmentation: ICU's sentence break iterator for the
 * candidate boundaries, then Verso's rule layer (segrules.h) to drop the
 * wrong ones and add the ones ICU misses. See docs/SEGMENTATION.md.
 *
 * A verso_segmenter belongs to one thread (it keeps its own ICU iterators);
 * the rules it reads are shared and immutable.
 */
#ifndef VERSO_SEGMENT_H
#define VERSO_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "segrules.h"
#include "srx.h"
#include "verso/err.h"
#include "work.h"

/* A sentence: byte offsets into the input (end exclusive), whitespace
 * trimmed, and the index of its paragraph. */
typedef struct verso_span {
    size_t start, end;
    uint32_t para;
} verso_span;

/* A growable list of spans; caller-owned (init/fini). */
typedef struct verso_spans {
    verso_span *v;
    size_t n, cap;
} verso_spans;

void verso_spans_init(verso_spans *s);
void verso_spans_fini(verso_spans *s);

typedef enum verso_para_mode {
    VERSO_PARA_AUTO = 0, /* BLANK for short lines with blank lines, else UNWRAP for text
                            that looks hard-wrapped, else LINE (docs/SEGMENTATION.md) */
    VERSO_PARA_LINE,     /* every line is a paragraph (news, subtitles, catalogs) */
    VERSO_PARA_BLANK,    /* blank lines separate paragraphs; single newlines are spaces */
    VERSO_PARA_UNWRAP,   /* hard-wrapped text (wire copy, PDF, e-mail): single newlines are
                            spaces; a paragraph ends at a blank line, after a short line
                            that ends a sentence, and before an indented or bulleted line */
} verso_para_mode;

#define VERSO_SEG_ICU_ONLY 1u /* flag: plain ICU boundaries, no rule layer (for comparison) */

typedef struct verso_segmenter verso_segmenter;

/* rules are borrowed and must outlive the segmenter. *out is the caller's. */
verso_err verso_segmenter_new(const verso_seg_rules *rules, verso_segmenter **out);
void verso_segmenter_destroy(verso_segmenter **s);

/*
 * Splits text[0..len) into sentences, appended to out (not cleared).
 * lang is a canonical BCP 47 tag (lang.h); unknown languages use the root
 * rules. Invalid UTF-8 is tolerated (never crashes; offsets stay in range).
 * Linear in len: every loop adds its steps to w (work.h; may be NULL), and
 * the run stops with w's ETIMEDOUT or ECANCELED (out then holds the spans
 * found so far).
 * Errors: ENOMEM, ETOOBIG (len over 2 GiB), EINTERNAL (ICU failure),
 * ETIMEDOUT, ECANCELED.
 */
verso_err verso_segmenter_run(verso_segmenter *s, const char *lang, const char *text, size_t len,
                              verso_para_mode mode, unsigned flags, verso_spans *out,
                              verso_work *w);

/*
 * As verso_segmenter_run, but each paragraph (as mode makes them) is cut
 * where the SRX rule set srx (srx.h; borrowed, it must outlive s) puts
 * its breaks for lang, instead of by ICU and the rule layer; the pieces
 * are trimmed of white space, and those left empty dropped. s keeps a
 * cutter for each rule set it has met (up to VERSO_SEG_SRX_SETS; more are
 * made and freed per call). Errors: as verso_segmenter_run.
 */
#define VERSO_SEG_SRX_SETS 8
verso_err verso_segmenter_run_srx(verso_segmenter *s, const verso_srx *srx, const char *lang,
                                  const char *text, size_t len, verso_para_mode mode,
                                  verso_spans *out, verso_work *w);

#endif
