/*
 * align.h - sentence alignment of a document and its translation: a
 * sequence of beads (0-1, 1-0, 1-1, 1-2, 2-1, 2-2, 1-3, 3-1, 2-3, 3-2,
 * 1-4, 4-1) covering every sentence of both sides, monotone but where a
 * block of the target was found moved, found by dynamic
 * programming, coarse to fine, over a log-linear bead score
 * (docs/ALIGNMENT.md): a length model on grapheme counts with the ratio
 * estimated per document pair, lexical anchors (numbers, identical
 * tokens, punctuation and markup signatures), word links learned from a
 * first pass, a bilingual word list when there is one (lexicon.h) and
 * paragraph boundaries.
 *
 * A verso_aligner (scratch space) belongs to one thread; the segments are
 * borrowed for the call; the beads are borrowed from the aligner until its
 * next call.
 */
#ifndef VERSO_ALIGN_H
#define VERSO_ALIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lexicon.h"
#include "verso/err.h"
#include "work.h"

/* One sentence: its text (valid UTF-8, NFC) and the index of the paragraph
 * it belongs to (0 when the document has none). */
typedef struct verso_align_seg {
    const char *p;
    size_t n;
    uint32_t para;
} verso_align_seg;

/* One bead: source sentences [src, src + nsrc) with target sentences
 * [tgt, tgt + ntgt); score in [0, 1], the aligner's confidence: a logistic
 * of the bead's cost (length, anchors, paragraphs; the type prior too for
 * 1-0 and 0-1), 0.5 at a cost of 3 nats (docs/ALIGNMENT.md). Beads of an
 * empty side score 0. moved: a bead of a block of the target found in
 * another order than its source (its target breaks the monotone order;
 * a bead with one side inside such a block is marked too). */
typedef struct verso_align_bead {
    uint32_t src, nsrc, tgt, ntgt;
    double score;
    bool moved;
} verso_align_bead;

typedef struct verso_align_opts {
    const char *src_lang, *tgt_lang; /* BCP 47 tags: unspaced scripts are counted by grapheme */
    const verso_lexicon *lex;        /* borrowed, frozen; NULL for none */
    bool lex_reversed;               /* the lexicon's A language is the target language */
    /* Known translations in the same pair (entries of a TM): train_src[k]
     * translates as train_tgt[k]. With the beads of a first pass, they
     * teach the aligner which words go together (cooc.h). Borrowed for
     * the call; ntrain 0 for none. */
    const verso_align_seg *train_src, *train_tgt;
    size_t ntrain;
    verso_work *work; /* the request's meter (work.h), borrowed; NULL: none */
} verso_align_opts;

typedef struct verso_aligner verso_aligner;

/* Errors: ENOMEM. *out is the caller's (verso_aligner_destroy). */
verso_err verso_aligner_new(verso_aligner **out);

/* Frees *a; safe with *a == NULL; sets *a = NULL. */
void verso_aligner_destroy(verso_aligner **a);

/* Aligns src[0..ns) with tgt[0..nt): *beads (borrowed from a) in source
 * order, covering every sentence of both sides exactly once; their
 * targets are in order too but for the beads marked moved (two blocks of
 * the target that trade places: align_move.c); either side
 * may be empty (then every bead is 1-0 or 0-1). Time and memory grow
 * linearly with ns + nt (a band of constant width per level), more where
 * the path needs a wider band. Every DP row and sentence ticks o->work,
 * and the call stops with its ETIMEDOUT or ECANCELED (no beads then).
 * Errors: EINVAL (NULL arguments with nonzero counts), ETOOBIG (more than
 * VERSO_ALIGN_MAX sentences a side or training pairs), ENOMEM, ETIMEDOUT,
 * ECANCELED. */
#define VERSO_ALIGN_MAX 1000000u
verso_err verso_align(verso_aligner *a, const verso_align_opts *o, const verso_align_seg *src,
                      size_t ns, const verso_align_seg *tgt, size_t nt,
                      const verso_align_bead **beads, size_t *nbeads);

#endif
