/*
 * segment.c - the sentence segmenter's API (segment.h) and pipeline: paragraphs
 * -> blocks (bullets, layout gaps) -> ICU's boundaries (one pass, byte offsets)
 * plus segscan.c's -> segdecide.c keeps or drops each -> trimmed spans. Not
 * here: those scans and rules. See docs/SEGMENTATION.md.
 */
#define _GNU_SOURCE /* memmem */
#include "segment.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>

#include "segment_int.h"

/* Empties a caller-owned span list (no allocation yet). */
void verso_spans_init(verso_spans *s)
{
    memset(s, 0, sizeof *s);
}

/* Frees the spans; s can be used again after verso_spans_init. */
void verso_spans_fini(verso_spans *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

static verso_err s_spans_push(verso_spans *s, size_t start, size_t end, uint32_t para)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        verso_span *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return VERSO_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (verso_span){start, end, para};
    return VERSO_OK;
}

/* A segmenter for one thread; ICU iterators are opened on first use. */
verso_err verso_segmenter_new(const verso_seg_rules *rules, verso_segmenter **out)
{
    verso_segmenter *s = calloc(1, sizeof *s);
    if (!s)
        return VERSO_ENOMEM;
    s->rules = rules;
    *out = s;
    return VERSO_OK;
}

/* Closes the ICU iterators and frees s; *sp set to NULL, safe twice. */
void verso_segmenter_destroy(verso_segmenter **sp)
{
    verso_segmenter *s = *sp;
    if (!s)
        return;
    for (int i = 0; i < VERSO_SEG_ITERS; i++)
        if (s->iters[i].bi)
            ubrk_close(s->iters[i].bi);
    free(s->cand);
    free(s->icu);
    free(s->brk);
    free(s->series.pend);
    free(s->series.pnext);
    for (int i = 0; i < VERSO_SEG_SRX_SETS; i++)
        verso_srx_cutter_destroy(&s->srx[i]);
    free(s->srxpos);
    free(s);
    *sp = NULL;
}

/* This thread's sentence iterator for a language (opened once, reused). */
static UBreakIterator *s_iter_for(verso_segmenter *s, const char *lang)
{
    char base[VERSO_LANG_MAX];
    verso_lang_base(lang, base);
    for (int i = 0; i < VERSO_SEG_ITERS; i++)
        if (s->iters[i].bi && !strcmp(s->iters[i].base, base))
            return s->iters[i].bi;
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_SENTENCE, base, NULL, 0, &st);
    if (U_FAILURE(st))
        return NULL;
    verso_seg_iter *slot = &s->iters[s->next_slot++ % VERSO_SEG_ITERS];
    if (slot->bi)
        ubrk_close(slot->bi);
    memcpy(slot->base, base, sizeof base);
    slot->bi = bi;
    return bi;
}

/* ---- characters ---------------------------------------------------------- */

/* First index >= i where three spaces start (a layout gap), else b: six
 * positions per 8-byte load, windows overlapping by two bytes. */
static size_t s_find_gap(const char *t, size_t i, size_t b)
{
    for (; i + 8 <= b; i += 6) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        uint64_t m = verso_seg_bytes_eq(w, 0x2020202020202020ULL);
        m &= (m >> 8) & (m >> 16) & 0x0000808080808080ULL;
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    for (; i + 2 < b; i++)
        if (t[i] == ' ' && t[i + 1] == ' ' && t[i + 2] == ' ')
            return i;
    return b;
}

/* ---- pipeline ------------------------------------------------------------ */

static bool s_has_alnum(const verso_seg_ctx *c, size_t a, size_t b)
{
    const char *t = c->t;
    verso_work_add(c->work, b - a);
    for (size_t i = a; i < b;) {
        size_t nx;
        if (u_isalnum(verso_seg_cp(t, b, i, &nx)))
            return true;
        i = nx;
    }
    return false;
}

/* True when the bullet before i is the only label of its item: followed
 * by white space, then not by a list number ("• Rates rise", but "• 9. The
 * first item" keeps its label whole, and "•text" is no bullet). */
static bool s_bullet_alone(const verso_seg_ctx *c, size_t i, size_t b)
{
    if (i >= b)
        return true;
    if (!verso_seg_is_space(verso_seg_cp(c->t, b, i, NULL)))
        return false;
    size_t j = i, k;
    while (j < b && verso_seg_is_space(verso_seg_cp(c->t, b, j, &k)))
        j = k;
    for (k = j; k < b && k < j + 3 &&
                ((c->t[k] >= '0' && c->t[k] <= '9') ||
                 (k == j && ((c->t[k] | 32) >= 'a' && (c->t[k] | 32) <= 'z')));
         k++)
        ;
    bool marker = k > j && k < b && (c->t[k] == '.' || c->t[k] == ')') &&
                  (k + 1 >= b || verso_seg_is_space(verso_seg_cp(c->t, b, k + 1, NULL)));
    return !marker;
}

/* Emits [a, b) trimmed of white space and of a leading bullet; a piece with
 * no letter or digit joins the previous sentence of the same paragraph. */
static verso_err s_emit(verso_seg_ctx *c, size_t a, size_t b)
{
    size_t nx, p;
    verso_spans *o = c->out;
    /* A boundary moved past closers (s_past_spaced_closers) can end the last
     * span beyond where ICU starts this piece: never overlap it. */
    if (o->n && a < o->v[o->n - 1].end)
        a = o->v[o->n - 1].end;
    verso_work_add(c->work, 1);
    /* white space, and a bullet that starts the piece: the bullet marks a
     * segment of a list or a ticker, it is not part of its text */
    while (a < b) {
        UChar32 ch = verso_seg_cp(c->t, b, a, &nx);
        if (!verso_seg_is_space(ch) && !(verso_seg_is_bullet(ch) && s_bullet_alone(c, nx, b)))
            break;
        verso_work_add(c->work, 1);
        a = nx;
    }
    while (b > a && verso_seg_is_space(verso_seg_cp_before(c->t, a, b, &p))) {
        verso_work_add(c->work, 1);
        b = p;
    }
    if (a >= b)
        return VERSO_OK;
    if (o->n && o->v[o->n - 1].para == c->para && !s_has_alnum(c, a, b)) {
        o->v[o->n - 1].end = b;
        return VERSO_OK;
    }
    return s_spans_push(o, a, b, c->para);
}

/* ICU breaks "viens. » Puis" before the guillemet (UAX 29 lets closers follow
 * a terminator only before the space). A closer followed by a space or the
 * end still belongs to the sentence before: move the boundary past it; so
 * do tag marks right after the terminator. */
static size_t s_past_spaced_closers(const verso_seg_ctx *c, size_t pos)
{
    size_t i = pos, nx;
    bool moved = false;
    /* tag marks right after the end ("left.</b> Then"): a closing tag */
    while (i < c->block_end && verso_seg_is_mark(verso_seg_cp(c->t, c->block_end, i, &nx))) {
        verso_work_add(c->work, 1);
        i = nx;
        moved = true;
    }
    if (moved)
        i = verso_seg_skip_spaces(c, i);
    while (i < c->block_end) {
        UChar32 ch = verso_seg_cp(c->t, c->block_end, i, &nx);
        int8_t gc = (int8_t)u_charType(ch);
        verso_work_add(c->work, 1);
        if (gc != U_END_PUNCTUATION && gc != U_FINAL_PUNCTUATION && ch != 0x00AB)
            break;
        if (nx < c->block_end && !verso_seg_is_space(verso_seg_cp(c->t, c->block_end, nx, NULL)))
            break; /* "»Hallo«": an opening guillemet, as German uses them */
        i = verso_seg_skip_spaces(c, nx);
        moved = true;
    }
    return moved ? i : pos;
}

/* ICU's boundaries over the whole text, once: a UText per paragraph would
 * cost more than the rules. */
static verso_err s_icu_all(verso_segmenter *s, UBreakIterator *bi, const char *t, size_t len,
                           verso_work *w)
{
    UErrorCode st = U_ZERO_ERROR;
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, t, (int64_t)len, &st);
    ubrk_setUText(bi, &ut, &st);
    verso_err err = U_FAILURE(st) ? VERSO_EINTERNAL : VERSO_OK;
    s->nicu = s->icu_next = 0;
    int32_t prev = 0;
    for (int32_t b = ubrk_first(bi); !err && b != UBRK_DONE; prev = b, b = ubrk_next(bi)) {
        if ((err = verso_work_tick(w, (uint64_t)(b - prev) + 1)))
            break;
        if (s->nicu == s->icu_cap) {
            size_t cap = s->icu_cap ? s->icu_cap * 2 : 256;
            size_t *p = realloc(s->icu, cap * sizeof *p);
            if (!p) {
                err = VERSO_ENOMEM;
                break;
            }
            s->icu = p;
            s->icu_cap = cap;
        }
        s->icu[s->nicu++] = (size_t)b;
    }
    utext_close(&ut);
    return err;
}

/* The block's share of ICU's boundaries (blocks come in text order). */
static verso_err s_icu_candidates(verso_seg_ctx *c)
{
    verso_segmenter *s = c->sg;
    while (s->icu_next < s->nicu && s->icu[s->icu_next] <= c->block_start)
        s->icu_next++;
    verso_err err = VERSO_OK;
    for (; !err && s->icu_next < s->nicu && s->icu[s->icu_next] < c->block_end; s->icu_next++) {
        verso_work_add(c->work, 1);
        size_t pos = s_past_spaced_closers(c, s->icu[s->icu_next]);
        if (pos > c->block_start && pos < c->block_end)
            err = verso_seg_cand_add(s, pos, 0);
    }
    return err;
}

static verso_err s_block(verso_seg_ctx *c, unsigned flags)
{
    verso_segmenter *s = c->sg;
    s->ncand = 0;
    s->lead_known = false;
    c->sent_start = c->block_start;
    c->brackets = -1;
    verso_err err = s_icu_candidates(c);
    s->nicu_cand = s->nsoft_cand = s->ncand;
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_soft(c);
    verso_seg_cand_sort_from(s, s->nicu_cand);
    s->nsoft_cand = s->ncand; /* later scans may drop these two runs' candidates */
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_ellipses(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_dots(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_list(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_cjk_ellipsis(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_citations(c);
    if (!err && !(flags & VERSO_SEG_ICU_ONLY))
        err = verso_seg_scan_colons(c);
    verso_seg_cand_sort(s);
    verso_work_add(c->work, s->ncand);
    for (size_t i = 0; !err && i < s->ncand; i++) {
        if ((err = verso_work_tick(c->work, 1)))
            break;
        size_t b = s->cand[i].pos;
        unsigned char kind = s->cand[i].kind;
        if ((kind & VERSO_SEG_DROP) && !(kind & VERSO_SEG_HARD))
            continue;
        if (!(flags & VERSO_SEG_ICU_ONLY) && !(kind & VERSO_SEG_HARD) && !verso_seg_keep(c, b))
            continue;
        err = s_emit(c, c->sent_start, b);
        c->sent_start = b;
    }
    return err ? err : s_emit(c, c->sent_start, c->block_end);
}

/* Length of a layout gap at i: a tab, or three or more spaces (columns of a
 * scraped page: "You are here:   Home"); 0 when there is none. */
static size_t s_layout_gap(const char *t, size_t b, size_t i)
{
    size_t j = i;
    while (j < b && t[j] == ' ')
        j++;
    if (j - i >= 3)
        return j - i;
    return t[i] == '\t' ? 1 : 0;
}

/* Index of the first of the three bytes `what` at or after i, or b. */
static size_t s_find(const char *t, size_t i, size_t b, const char *what, size_t n)
{
    const char *p = i >= b   ? NULL
                    : n == 1 ? memchr(t + i, what[0], b - i)
                             : memmem(t + i, b - i, what, n);
    return p ? (size_t)(p - t) : b;
}

static verso_err s_block_at(verso_seg_ctx *c, size_t a, size_t b, unsigned flags)
{
    c->block_start = a;
    c->block_end = b;
    return a < b ? s_block(c, flags) : VERSO_OK;
}

/* Splits a paragraph into blocks at bullets that follow a space, and at
 * layout gaps. Found with memchr/memmem: most bytes are none of these. */
static verso_err s_paragraph(verso_seg_ctx *c, size_t a, size_t b, unsigned flags)
{
    if (flags & VERSO_SEG_ICU_ONLY)
        return s_block_at(c, a, b, flags);
    const char *t = c->t;
    size_t start = a, i = a;
    size_t gap = s_find_gap(t, i, b), tab = s_find(t, i, b, "\t", 1);
    size_t e2 = s_find(t, i, b, "\xe2", 1); /* every bullet starts with 0xE2 */
    verso_err err = VERSO_OK;
    while (!err) {
        verso_work_add(c->work, 1);
        size_t g = gap < tab ? gap : tab, pos = g < e2 ? g : e2;
        if (pos >= b)
            break;
        if (pos == g) {
            if (pos > start)
                err = s_block_at(c, start, pos, flags);
            start = i = pos + s_layout_gap(t, b, pos);
        } else {
            UChar32 ch = verso_seg_cp(t, b, pos, NULL);
            bool after_space = pos == a || verso_seg_is_space(verso_seg_cp_before(t, a, pos, NULL));
            if (verso_seg_is_bullet(ch) && after_space && pos > start) {
                err = s_block_at(c, start, pos, flags);
                start = pos;
            }
            i = pos + 1;
        }
        gap = gap < i ? s_find_gap(t, i, b) : gap;
        tab = tab < i ? s_find(t, i, b, "\t", 1) : tab;
        e2 = e2 < i ? s_find(t, i, b, "\xe2", 1) : e2;
    }
    return err ? err : s_block_at(c, start, b, flags);
}

/* Length of the line break at i (\n, \r\n, \r, U+2028, U+2029, U+0085), or 0. */
static size_t s_newline(const char *t, size_t len, size_t i)
{
    if (t[i] == '\n')
        return 1;
    if (t[i] == '\r')
        return i + 1 < len && t[i + 1] == '\n' ? 2 : 1;
    if ((unsigned char)t[i] == 0xE2 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
        ((unsigned char)t[i + 2] == 0xA8 || (unsigned char)t[i + 2] == 0xA9))
        return 3;
    if ((unsigned char)t[i] == 0xC2 && i + 1 < len && (unsigned char)t[i + 1] == 0x85)
        return 2;
    return 0;
}

/* Start of the next line break at or after i (len if none); *nl gets its
 * length. memchr finds the next "\n"; the slow byte loop runs only over a
 * line that holds a "\r" or a lead byte of U+0085, U+2028 or U+2029. */
static size_t s_next_newline(const char *t, size_t len, size_t i, size_t *nl)
{
    const char *p = i < len ? memchr(t + i, '\n', len - i) : NULL;
    size_t e = p ? (size_t)(p - t) : len;
    *nl = p ? 1 : 0;
    if (e == i ||
        (!memchr(t + i, '\r', e - i) && !memchr(t + i, 0xC2, e - i) && !memchr(t + i, 0xE2, e - i)))
        return e;
    for (; i < e; i++) {
        unsigned char byte = (unsigned char)t[i];
        if ((byte == '\r' || byte == 0xE2 || byte == 0xC2) && (*nl = s_newline(t, len, i)))
            return i;
    }
    *nl = p ? 1 : 0;
    return e;
}

static bool s_is_blank(const char *t, size_t a, size_t b, verso_work *w)
{
    verso_work_add(w, b - a + 1);
    for (size_t i = a; i < b;) {
        size_t nx;
        if (!verso_seg_is_space(verso_seg_cp(t, b, i, &nx)))
            return false;
        i = nx;
    }
    return true;
}

/* AUTO's first test: blank-line paragraphs when the text has blank lines
 * and its lines look short (average under 100 bytes). */
static bool s_auto_blank(const char *t, size_t len, verso_work *w)
{
    size_t lines = 0, chars = 0, nl;
    bool blank_line = false;
    for (size_t i = 0; i < len;) {
        size_t e = s_next_newline(t, len, i, &nl);
        bool empty = s_is_blank(t, i, e, w);
        blank_line |= empty && lines > 0;
        lines += !empty;
        chars += empty ? 0 : e - i;
        i = e + nl;
        if (e >= len)
            break;
    }
    return blank_line && lines > 0 && chars / lines < 100;
}

/* One line's shape: its length in code points (white space included),
 * its words, whether it is indented or starts with a bullet, and whether
 * it ends a sentence (a terminator, then closers only). */
typedef struct s_line {
    size_t cps, words;
    bool indented, ends;
} s_line;

static bool s_ends_sentence(UChar32 last_non_closer)
{
    if (last_non_closer < 0x80)
        return last_non_closer == '.' || last_non_closer == '!' || last_non_closer == '?' ||
               last_non_closer == ':';
    int32_t sb = u_getIntPropertyValue(last_non_closer, UCHAR_SENTENCE_BREAK);
    return sb == U_SB_STERM || sb == U_SB_ATERM;
}

static s_line s_line_shape(const char *t, size_t a, size_t b, verso_work *w)
{
    s_line l = {0, 0, false, false};
    UChar32 last = 0, first = 0;
    bool in_word = false;
    verso_work_add(w, b - a + 1);
    for (size_t i = a; i < b;) {
        size_t nx;
        UChar32 ch = verso_seg_cp(t, b, i, &nx);
        bool sp = verso_seg_is_space(ch);
        if (!sp && !first)
            first = ch, l.indented = i > a;
        l.words += !sp && !in_word;
        in_word = !sp;
        l.cps++;
        i = nx;
    }
    l.indented |= verso_seg_is_bullet(first);
    for (size_t i = b; i > a;) { /* the last character that is no closer or space */
        size_t p;
        UChar32 ch = verso_seg_cp_before(t, a, i, &p);
        i = p;
        if (verso_seg_is_space(ch) || verso_seg_is_closer(ch))
            continue;
        last = ch;
        break;
    }
    l.ends = s_ends_sentence(last);
    return l;
}

/* The width hard-wrapped text was wrapped at, 0 when the text does not
 * look hard-wrapped. Of its first S_WRAP_LINES lines that are not blank:
 * at least 3; the widest that is not the last of its paragraph (before a
 * blank line or the end) is 40 to 160 code points; and of those, at
 * least a third (2 at least) are within 40% of that width, hold 4 words
 * or more and end in the middle of a sentence. */
#define S_WRAP_LINES 400
static size_t s_wrap_width(const char *t, size_t len, verso_work *w)
{
    s_line lines[S_WRAP_LINES];
    bool last[S_WRAP_LINES];
    size_t n = 0, nl, width = 0, inner = 0, wrapped = 0;
    for (size_t i = 0; i < len && n < S_WRAP_LINES;) {
        size_t e = s_next_newline(t, len, i, &nl);
        if (s_is_blank(t, i, e, w)) {
            if (n)
                last[n - 1] = true;
        } else {
            lines[n] = s_line_shape(t, i, e, w);
            last[n++] = false;
        }
        if (e >= len)
            break;
        i = e + nl;
    }
    if (n)
        last[n - 1] = true;
    for (size_t k = 0; k < n; k++)
        if (!last[k] && lines[k].cps > width)
            width = lines[k].cps;
    for (size_t k = 0; k < n; k++) {
        if (last[k])
            continue;
        inner++;
        wrapped += 10 * lines[k].cps >= 6 * width && lines[k].words >= 4 && !lines[k].ends;
    }
    if (n < 3 || width < 40 || width > 160)
        return 0;
    return wrapped >= 2 && 3 * wrapped >= inner ? width : 0;
}

/* Pushes [a, b) trimmed of white space, unless nothing is left. */
static verso_err s_push_trimmed(verso_seg_ctx *c, size_t a, size_t b)
{
    size_t nx, p;
    while (a < b && verso_seg_is_space(verso_seg_cp(c->t, b, a, &nx)))
        a = nx;
    while (b > a && verso_seg_is_space(verso_seg_cp_before(c->t, a, b, &p)))
        b = p;
    verso_work_add(c->work, 1);
    return a < b ? s_spans_push(c->out, a, b, c->para) : VERSO_OK;
}

/* Cuts a paragraph [a, b) where c's SRX rule set breaks it. */
static verso_err s_srx_paragraph(verso_seg_ctx *c, size_t a, size_t b)
{
    verso_segmenter *s = c->sg;
    size_t n = 0, from = a;
    verso_err err =
        verso_srx_cut(c->srx, c->lang, c->t, c->len, a, b, &s->srxpos, &n, &s->srxcap, c->work);
    for (size_t k = 0; k < n && !err; k++) {
        err = s_push_trimmed(c, from, s->srxpos[k]);
        from = s->srxpos[k];
    }
    return err ? err : s_push_trimmed(c, from, b);
}

/* Segments one paragraph [a, b); the paragraph index advances only when it
 * produced a sentence. */
static verso_err s_para_emit(verso_seg_ctx *c, size_t a, size_t b, unsigned flags)
{
    if (a >= b)
        return VERSO_OK;
    size_t n0 = c->out->n;
    verso_err err = c->srx ? s_srx_paragraph(c, a, b) : s_paragraph(c, a, b, flags);
    c->para += c->out->n > n0;
    return err;
}

/* UNWRAP: whether a paragraph ends between line prev and the next line
 * next: after a short line that ends a sentence, before an indented or
 * bulleted line. */
static bool s_unwrap_break(const s_line *prev, const s_line *next, size_t width)
{
    return (prev->ends && 10 * prev->cps < 7 * width) || next->indented;
}

/* Splits text into paragraphs by mode and segments each (s_para_emit). */
static verso_err s_paragraphs(verso_seg_ctx *c, verso_para_mode mode, unsigned flags)
{
    const char *text = c->t;
    size_t len = c->len, line_start = 0, para_start = 0;
    s_line prev = {0, 0, false, false};
    bool have_prev = false;
    verso_err err = VERSO_OK;
    while (!err) {
        size_t nl, i = s_next_newline(text, len, line_start, &nl);
        bool at_end = i >= len;
        if ((err = verso_work_tick(c->work, i - line_start + 1)))
            break;
        if (mode == VERSO_PARA_LINE) {
            err = s_para_emit(c, line_start, i, flags);
        } else if (s_is_blank(text, line_start, i, c->work)) {
            err = s_para_emit(c, para_start, line_start, flags);
            para_start = i + nl;
            have_prev = false;
        } else {
            if (mode == VERSO_PARA_UNWRAP) {
                s_line l = s_line_shape(text, line_start, i, c->work);
                if (have_prev && s_unwrap_break(&prev, &l, c->wrap_width)) {
                    err = s_para_emit(c, para_start, line_start, flags);
                    para_start = line_start;
                }
                prev = l;
                have_prev = true;
            }
            if (!err && at_end)
                err = s_para_emit(c, para_start, i, flags);
        }
        if (at_end)
            break;
        line_start = i + nl;
    }
    return err;
}

/* Resolves AUTO, and UNWRAP's width, for text; see verso_para_mode. */
static verso_para_mode s_mode(verso_seg_ctx *c, verso_para_mode mode)
{
    if (mode == VERSO_PARA_AUTO && s_auto_blank(c->t, c->len, c->work))
        return VERSO_PARA_BLANK;
    if (mode == VERSO_PARA_AUTO || mode == VERSO_PARA_UNWRAP) {
        c->wrap_width = s_wrap_width(c->t, c->len, c->work);
        if (mode == VERSO_PARA_AUTO)
            return c->wrap_width ? VERSO_PARA_UNWRAP : VERSO_PARA_LINE;
        if (!c->wrap_width)
            c->wrap_width = 70; /* asked for, but no width shows: the usual one */
    }
    return mode;
}

/* A run's context for text, its paragraph mode resolved (s_mode): the
 * mode to split paragraphs by. */
static verso_para_mode s_ctx_init(verso_seg_ctx *c, verso_segmenter *s, const char *lang,
                                  const char *text, size_t len, verso_para_mode mode,
                                  verso_spans *out, verso_work *w)
{
    *c = (verso_seg_ctx){.sg = s,
                         .L = verso_seg_rules_find(s->rules, lang),
                         .t = text,
                         .len = len,
                         .out = out,
                         .work = w,
                         .lang = lang};
    mode = s_mode(c, mode);
    c->blank_mode = mode == VERSO_PARA_BLANK || mode == VERSO_PARA_UNWRAP;
    return mode;
}

/* Segments text by paragraph mode; see segment.h. */
verso_err verso_segmenter_run(verso_segmenter *s, const char *lang, const char *text, size_t len,
                              verso_para_mode mode, unsigned flags, verso_spans *out, verso_work *w)
{
    if (len > INT32_MAX)
        return VERSO_ETOOBIG;
    UBreakIterator *bi = s_iter_for(s, lang);
    if (!bi)
        return VERSO_EINTERNAL;
    verso_seg_ctx c;
    mode = s_ctx_init(&c, s, lang, text, len, mode, out, w);
    verso_err err = s_icu_all(s, bi, text, len, w);
    return err ? err : s_paragraphs(&c, mode, flags);
}

/* The cutter of s for srx: kept in s's slots, else *tmp (the caller
 * frees it). */
static verso_srx_cutter *s_cutter(verso_segmenter *s, const verso_srx *srx, verso_srx_cutter **tmp)
{
    for (int i = 0; i < VERSO_SEG_SRX_SETS; i++) {
        if (s->srx[i] && verso_srx_cutter_srx(s->srx[i]) == srx)
            return s->srx[i];
        if (!s->srx[i])
            return verso_srx_cutter_new(srx, &s->srx[i]) ? NULL : s->srx[i];
    }
    return verso_srx_cutter_new(srx, tmp) ? NULL : *tmp;
}

verso_err verso_segmenter_run_srx(verso_segmenter *s, const verso_srx *srx, const char *lang,
                                  const char *text, size_t len, verso_para_mode mode,
                                  verso_spans *out, verso_work *w)
{
    if (len > INT32_MAX)
        return VERSO_ETOOBIG;
    verso_srx_cutter *tmp = NULL, *cut = s_cutter(s, srx, &tmp);
    if (!cut)
        return VERSO_ENOMEM;
    verso_seg_ctx c;
    mode = s_ctx_init(&c, s, lang, text, len, mode, out, w);
    c.srx = cut;
    verso_err err = s_paragraphs(&c, mode, 0);
    verso_srx_cutter_destroy(&tmp);
    return err;
}
