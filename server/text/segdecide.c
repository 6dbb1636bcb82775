/*
 * segdecide.c - the rule layer: keeps or drops a candidate boundary by the
 * terminator before it, the word before that and the word after it (rule
 * lists of segrules.h; CJK brackets and quotes). Not here: finding the
 * candidates (segscan.c, ICU in segment.c) or cutting the spans (segment.c).
 */
#include "segment_int.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

#define S_WORD_SCAN 64 /* longer words are in no rule list: stop looking */

/* A CJK bracket or curly quote: where, which pair, opening or closing. */
typedef struct s_brk {
    size_t pos;
    int pair;
    bool open;
    unsigned char after; /* bit p: pair p closes at this event or later */
} s_brk;

/* ---- characters ---------------------------------------------------------- */

/* Sentence terminators: ".", "!", "?" and whatever UAX 29 calls STerm or
 * ATerm (。！？, ।, ؟, ۔, ։, ።, ။, …), so that every script ICU knows counts. */
static bool s_is_term(UChar32 c)
{
    if (c < 0x80)
        return c == '.' || c == '!' || c == '?';
    int32_t sb = u_getIntPropertyValue(c, UCHAR_SENTENCE_BREAK);
    return sb == U_SB_STERM || sb == U_SB_ATERM;
}

static bool s_is_cjk_term(UChar32 c)
{
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61;
}

/* CJK punctuation a list number follows inside a sentence: ：；，、 */
static bool s_is_cjk_list_punct(UChar32 c)
{
    return c == 0xFF1A || c == 0xFF1B || c == 0xFF0C || c == 0x3001 || c == ':' || c == ';';
}

/* True when the text [sent_start, end) ends with a CJK ellipsis ("……",
 * "⋯⋯"): segscan.c offers a boundary after one before CJK text. */
static bool s_ends_cjk_ellipsis(const verso_seg_ctx *c, size_t end)
{
    size_t p;
    if (end < c->sent_start + 6)
        return false;
    UChar32 a = verso_seg_cp_before(c->t, c->sent_start, end, &p);
    UChar32 b = verso_seg_cp_before(c->t, c->sent_start, p, NULL);
    return (a == 0x2026 || a == 0x22EF) && a == b;
}

/* A letter of a script without case that is written with spaces (Arabic,
 * Ethiopic, Devanagari...; not CJK, whose full stops rule elsewhere). */
static bool s_caseless_letter(UChar32 c)
{
    return c >= 0x80 && u_isalpha(c) && !u_hasBinaryProperty(c, UCHAR_CASED) &&
           !verso_seg_is_cjk_letter(c);
}

/* ---- words around a candidate ------------------------------------------- */

static void s_look_back(const verso_seg_ctx *c, size_t b, verso_seg_view *v)
{
    size_t i = b, p;
    v->newline_in_gap = false;
    while (i > c->sent_start) {
        UChar32 ch = verso_seg_cp_before(c->t, c->sent_start, i, &p);
        verso_work_add(c->work, 1);
        if (!verso_seg_is_space(ch))
            break;
        v->newline_in_gap |= ch == '\n' || ch == '\r';
        i = p;
    }
    v->end = i;
    /* Closers, with the space French puts before "»". */
    while (i > c->sent_start) {
        UChar32 ch = verso_seg_cp_before(c->t, c->sent_start, i, &p);
        verso_work_add(c->work, 1);
        if (!verso_seg_is_closer(ch) && ch != ' ' && ch != 0x00A0 && ch != 0x202F &&
            !verso_seg_is_mark(ch))
            break;
        i = p;
    }
    v->term_end = i;
    while (i > c->sent_start && s_is_term(verso_seg_cp_before(c->t, c->sent_start, i, &p))) {
        verso_work_add(c->work, 1);
        i = p;
    }
    v->term_start = i;
}

/* The word before the terminator, [w0, term_start): only the rules for
 * scripts with case look at it. */
static void s_look_word(const verso_seg_ctx *c, verso_seg_view *v)
{
    size_t i = v->term_start, p;
    while (i > c->sent_start) {
        UChar32 ch = verso_seg_cp_before(c->t, c->sent_start, i, &p);
        verso_work_add(c->work, 1);
        if (verso_seg_is_space(ch) || verso_seg_is_bullet(ch) || verso_seg_is_mark(ch) ||
            (verso_seg_is_opener(ch) && ch != '\'') || verso_seg_is_cjk_letter(ch) ||
            (ch >= 0x3000 && ch <= 0x303F) || (ch >= 0xFF00 && ch <= 0xFF65))
            break; /* a word of Latin letters ends at CJK text and punctuation */
        i = p;
        if (v->term_start - i > S_WORD_SCAN) { /* a CJK clause, a URL: no rule word */
            i = v->term_start;
            break;
        }
    }
    v->w0 = i;
}

static void s_look_ahead(const verso_seg_ctx *c, size_t b, verso_seg_view *v)
{
    size_t i = b, nx;
    v->next = 0;
    while (i < c->block_end) {
        UChar32 ch = verso_seg_cp(c->t, c->block_end, i, &nx);
        verso_work_add(c->work, 1);
        if (!verso_seg_is_space(ch) && !verso_seg_is_opener(ch) && !verso_seg_is_mark(ch)) {
            v->next = ch;
            break;
        }
        i = nx;
    }
    v->n0 = v->n1 = i;
    while (v->n1 < c->block_end && v->n1 - v->n0 <= S_WORD_SCAN) {
        UChar32 ch = verso_seg_cp(c->t, c->block_end, v->n1, &nx);
        verso_work_add(c->work, 1);
        if (!u_isalnum(ch) && ch != 0x00B0 && ch != 0x00BA)
            break;
        v->n1 = nx;
    }
}

static size_t s_count_cps(const char *t, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += ((unsigned char)t[i] & 0xC0) != 0x80;
    return n;
}

/* True when more than three words (space-separated runs) lie between
 * sent_start and end: counted backwards from end, stopping at the fourth,
 * so that a long sentence costs no more than a short one. */
static bool s_more_than_3_words(const verso_seg_ctx *c, size_t end)
{
    unsigned n = 0;
    bool in = false;
    for (size_t i = end; i > c->sent_start && n <= 3; i--) {
        char ch = c->t[i - 1];
        verso_work_add(c->work, 1);
        bool sp = ch == ' ' || ch == '\t' || ch == '\n';
        n += !sp && !in;
        in = !sp;
    }
    return n > 3;
}

/* "U.S", "a.m", "e.g", "Ph.D": letters in runs of at most 3, joined by '.'. */
static bool s_is_dotted_abbrev(const char *t, size_t a, size_t b)
{
    unsigned run = 0, dots = 0;
    for (size_t i = a; i < b;) {
        size_t nx;
        UChar32 ch = verso_seg_cp(t, b, i, &nx);
        if (ch == '.') {
            if (run == 0)
                return false;
            dots++;
            run = 0;
        } else if (u_isalpha(ch)) {
            if (++run > 3)
                return false;
        } else {
            return false;
        }
        i = nx;
    }
    return dots > 0 && run > 0;
}

/* A list marker at the start of a sentence: "1", "12", "a", "B" (before ".", ")"). */
static bool s_is_marker_word(const char *t, size_t a, size_t b)
{
    if (b <= a || b - a > 3)
        return false;
    bool digits = true;
    for (size_t i = a; i < b; i++)
        digits &= t[i] >= '0' && t[i] <= '9';
    return digits || (b - a == 1 && ((t[a] >= 'a' && t[a] <= 'z') || (t[a] >= 'A' && t[a] <= 'Z')));
}

/* What a number abbreviation goes before: a digit, a currency sign, §, #
 * or №. */
static bool s_numberish(UChar32 c)
{
    return u_isdigit(c) || u_charType(c) == U_CURRENCY_SYMBOL || c == 0x00A7 || c == '#' ||
           c == 0x2116;
}

static bool s_all_digits(const char *t, size_t a, size_t b)
{
    if (b <= a)
        return false;
    for (size_t i = a; i < b; i++)
        if (t[i] < '0' || t[i] > '9')
            return false;
    return true;
}

/* ---- the rule layer ------------------------------------------------------ */

/* Brackets inside which CJK text is never broken: 《》〈〉「」『』【】（）“”. */
static int s_bracket(UChar32 c, bool *open)
{
    static const UChar32 pairs[][2] = {{0x300A, 0x300B}, {0x3008, 0x3009}, {0x300C, 0x300D},
                                       {0x300E, 0x300F}, {0x3010, 0x3011}, {0xFF08, 0xFF09},
                                       {0x201C, 0x201D}};
    for (int i = 0; i < 7; i++)
        if (c == pairs[i][0] || c == pairs[i][1]) {
            *open = c == pairs[i][0];
            return i;
        }
    return -1;
}

/* First index >= i (and < end) holding 0xE2, 0xE3 or 0xEF, else end: eight
 * bytes at a time, since CJK text is mostly other lead bytes. */
static size_t s_next_lead(const char *t, size_t i, size_t end)
{
    for (; i + 8 <= end; i += 8) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        uint64_t m = verso_seg_bytes_eq(w, 0xE2E2E2E2E2E2E2E2ULL) |
                     verso_seg_bytes_eq(w, 0xE3E3E3E3E3E3E3E3ULL) |
                     verso_seg_bytes_eq(w, 0xEFEFEFEFEFEFEFEFULL);
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    for (; i < end; i++) {
        unsigned char b = (unsigned char)t[i];
        if (b == 0xE2 || b == 0xE3 || b == 0xEF)
            return i;
    }
    return end;
}

/* Gathers the block's bracket events (all the brackets s_bracket knows are
 * 3-byte sequences starting 0xE2, 0xE3 or 0xEF). Returns their count, or -1
 * when out of memory (then no bracket protection for this block). */
static int s_gather_brackets(verso_seg_ctx *c)
{
    verso_segmenter *s = c->sg;
    s->nbrk = 0;
    verso_work_add(c->work, c->block_end - c->block_start);
    for (size_t i = c->block_start; i + 2 < c->block_end; i++) {
        i = s_next_lead(c->t, i, c->block_end - 2);
        if (i + 2 >= c->block_end)
            break;
        unsigned char b = (unsigned char)c->t[i];
        bool open;
        int pair;
        if ((b != 0xE2 && b != 0xE3 && b != 0xEF) ||
            (pair = s_bracket(verso_seg_cp(c->t, c->block_end, i, NULL), &open)) < 0)
            continue;
        if (s->nbrk == s->brk_cap) {
            size_t cap = s->brk_cap ? s->brk_cap * 2 : 32;
            s_brk *p = realloc(s->brk, cap * sizeof *p);
            if (!p)
                return 0;
            s->brk = p;
            s->brk_cap = cap;
        }
        s->brk[s->nbrk++] = (s_brk){i, pair, open, 0};
        i += 2;
    }
    return (int)s->nbrk;
}

/* Marks in each bracket event the pairs that close at it or later. */
static void s_mark_closers(verso_segmenter *s)
{
    unsigned char after = 0;
    for (size_t i = s->nbrk; i-- > 0;) {
        if (!s->brk[i].open)
            after |= (unsigned char)(1u << s->brk[i].pair);
        s->brk[i].after = after;
    }
    s->brk_cur = 0;
    memset(s->brk_depth, 0, sizeof s->brk_depth);
}

/* True when pos lies inside a bracket pair that closes later in the block.
 * The open depths are carried forward from the previous call, whose pos
 * was not after this one (the candidates of a block come in order; a
 * smaller pos starts over), and the pairs still closing later are marked
 * on the events: linear in the block over all its candidates (each call
 * walked every event before: a paragraph of quoted CJK speech was
 * quadratic). */
static bool s_in_brackets(verso_seg_ctx *c, size_t pos)
{
    verso_segmenter *s = c->sg;
    if (c->brackets < 0) {
        c->brackets = s_gather_brackets(c);
        s_mark_closers(s);
    }
    const s_brk *e = s->brk;
    if (s->brk_cur > 0 && e[s->brk_cur - 1].pos >= pos) {
        s->brk_cur = 0;
        memset(s->brk_depth, 0, sizeof s->brk_depth);
    }
    size_t i = s->brk_cur;
    verso_work_add(c->work, 1);
    for (; i < (size_t)c->brackets && e[i].pos < pos; i++) {
        int *d = &s->brk_depth[e[i].pair];
        verso_work_add(c->work, 1);
        *d += e[i].open ? 1 : (*d > 0 ? -1 : 0);
    }
    s->brk_cur = i;
    if (i >= (size_t)c->brackets)
        return false;
    for (int p = 0; p < 7; p++)
        if (s->brk_depth[p] > 0 && (e[i].after >> p & 1u))
            return true;
    return false;
}

static bool s_blank_before(const verso_seg_ctx *c, size_t b);

#define S_QUOTE_SCAN 512 /* code points looked back for a quote's or bracket's opening */
#define S_CLOSERS    3   /* closers after a terminator whose openings are looked for */

/* The opening of the quote or bracket closed by `close` at i: where it
 * is, within S_QUOTE_SCAN code points of i and after the sentence's
 * start; false when not found. */
static bool s_opening(const verso_seg_ctx *c, size_t i, UChar32 close, size_t *at)
{
    UChar32 open = close == 0x300D   ? 0x300C
                   : close == 0x300F ? 0x300E
                   : close == 0x201D ? 0x201C
                   : close == 0x3011 ? 0x3010
                   : close == 0x3009 ? 0x3008
                   : close == 0x300B ? 0x300A
                                     : 0xFF08;
    for (unsigned n = 0; i > c->sent_start && n < S_QUOTE_SCAN; n++) {
        size_t p;
        UChar32 ch = verso_seg_cp_before(c->t, c->sent_start, i, &p);
        verso_work_add(c->work, 1);
        if (ch == open) {
            *at = p;
            return true;
        }
        i = p;
    }
    return false;
}

/* 「はい。」と言った, “走吧！”他说, 他说（这是真的。）然后: a quote or a
 * bracket closed after a CJK terminator and followed straight by text is
 * part of the sentence that goes on; but not a quote opened after a
 * colon (她表示：“……。”与会者……: the reporting clause came first, and
 * the sentence ends with the quote, as Chinese newsrooms cut it), nor a
 * bracket that opened the sentence (（注意：……。）请……: it is one). */
static bool s_quote_goes_on(verso_seg_ctx *c, const verso_seg_view *v)
{
    bool goes_on = false, ends = false;
    unsigned looked = 0; /* openings looked for: S_CLOSERS at most */
    for (size_t i = v->term_end; i < v->end;) {
        size_t nx, at;
        UChar32 ch = verso_seg_cp(c->t, v->end, i, &nx);
        verso_work_add(c->work, 1);
        bool quote = ch == 0x300D || ch == 0x300F || ch == 0x201D;
        bool bracket = ch == 0xFF09 || ch == 0x3011 || ch == 0x3009 || ch == 0x300B;
        if ((quote || bracket) && looked++ < S_CLOSERS && s_opening(c, v->term_start, ch, &at)) {
            UChar32 before =
                at > c->sent_start ? verso_seg_cp_before(c->t, c->sent_start, at, NULL) : 0;
            bool colon = before == 0xFF1A || before == ':' || before == 0xFE55;
            if ((quote && colon) || (bracket && s_blank_before(c, at)))
                ends = true;
            else
                goes_on = true;
        } else if (quote) {
            goes_on = true;
        }
        i = nx;
    }
    return goes_on && !ends && v->end == v->n0 && u_isalpha(v->next);
}

/* Only spaces, bullets and openers between the sentence's start and b. The
 * end of that lead-in is found once per sentence (a long run of openers
 * before many list markers cost its length at each). */
static bool s_blank_before(const verso_seg_ctx *c, size_t b)
{
    verso_segmenter *s = c->sg;
    if (s->lead_from != c->sent_start || !s->lead_known) {
        size_t a = c->sent_start;
        while (a < c->block_end) {
            size_t nx;
            UChar32 ch = verso_seg_cp(c->t, c->block_end, a, &nx);
            verso_work_add(c->work, 1);
            if (!verso_seg_is_space(ch) && !verso_seg_is_bullet(ch) && !verso_seg_is_opener(ch))
                break;
            a = nx;
        }
        s->lead_from = c->sent_start;
        s->lead_end = a;
        s->lead_known = true;
    }
    return b <= s->lead_end;
}

/* A weak abbreviation ("Co.", "U.S.", "a.m.") ends a sentence only before a
 * sentence starter, or before a title once the sentence has more than three
 * words ("at 6 P.M. Mr. Smith" vs "At 5 a.m. Mr. Smith went"). */
static bool s_keep_after_weak(const verso_seg_ctx *c, const verso_seg_view *v, bool upper,
                              bool starter)
{
    if (!upper)
        return false;
    if (starter)
        return true;
    bool title = v->n1 < c->block_end && c->t[v->n1] == '.' &&
                 verso_seg_has(c, VERSO_SEG_ABBREV, v->n0, v->n1);
    return title && s_more_than_3_words(c, v->end);
}

/* Where the word [w0, w1) starts after an elided article or preposition
 * ("l'art.", "dell'art.", "d'env."): after an apostrophe with 1 to 4 letters
 * before it and 2 or more after it; else w0. */
static size_t s_after_elision(const char *t, size_t w0, size_t w1)
{
    for (size_t i = w0 + 1; i < w1 && i <= w0 + 4; i++) {
        size_t n = t[i] == '\'' ? 1 : (w1 - i >= 3 && !memcmp(t + i, "\xe2\x80\x99", 3)) ? 3 : 0;
        if (n && w1 - (i + n) >= 2)
            return i + n;
    }
    return w0;
}

/* A single full stop after word [w0, term_start). */
static bool s_keep_after_dot(const verso_seg_ctx *c, const verso_seg_view *v, bool upper,
                             bool starter)
{
    size_t w0 = s_after_elision(c->t, v->w0, v->term_start), w1 = v->term_start;
    if (w0 == w1)
        return true;
    if (s_is_marker_word(c->t, w0, w1) && s_blank_before(c, w0))
        return false; /* "1. The first item" */
    if (verso_seg_has(c, VERSO_SEG_ABBREV, w0, w1))
        return false;
    if (s_numberish(v->next) && verso_seg_has(c, VERSO_SEG_ABBREV_NUM, w0, w1))
        return false; /* "p. 55", "approx. $2.5 bn", "Art. § 3" */
    UChar32 first = verso_seg_cp(c->t, w1, w0, NULL);
    if (s_count_cps(c->t, w0, w1) == 1 && u_isupper(first) && upper && !starter)
        return false; /* initial: "Jonas E. Smith" */
    if (verso_seg_lang_ordinal_dot(c->L) && w1 - w0 <= 3 && s_all_digits(c->t, w0, w1) && upper &&
        !starter)
        return false; /* "am 12. Juni" */
    if (verso_seg_has(c, VERSO_SEG_ABBREV_WEAK, w0, w1) || s_is_dotted_abbrev(c->t, w0, w1))
        return s_keep_after_weak(c, v, upper, starter);
    return true;
}

/* A full stop before CJK text that ends no sentence: after a list number
 * inside a CJK sentence (after ：；，、 or at its start: 包括：1. 降低),
 * or after a Latin abbreviation (U.K., Inc.): a CJK sentence ends with
 * 。！？, and its Latin words keep their dots. */
static bool s_latin_in_cjk(verso_seg_ctx *c, const verso_seg_view *v)
{
    size_t w0 = v->w0, w1 = v->term_start;
    if (w0 == w1)
        return false;
    if (s_is_marker_word(c->t, w0, w1)) {
        if (s_blank_before(c, w0))
            return true;
        size_t p = w0;
        UChar32 before = verso_seg_cp_before(c->t, c->sent_start, p, &p);
        while (verso_seg_is_space(before) && p > c->sent_start)
            before = verso_seg_cp_before(c->t, c->sent_start, p, &p);
        return s_is_cjk_list_punct(before) || verso_seg_is_cjk_letter(before);
    }
    return s_is_dotted_abbrev(c->t, w0, w1) || verso_seg_has(c, VERSO_SEG_ABBREV, w0, w1) ||
           verso_seg_has(c, VERSO_SEG_ABBREV_WEAK, w0, w1) ||
           verso_seg_has(c, VERSO_SEG_ABBREV_NUM, w0, w1);
}

/* Decides an ICU candidate boundary b; see segment_int.h. */
bool verso_seg_keep(verso_seg_ctx *c, size_t b)
{
    verso_seg_view v;
    s_look_back(c, b, &v);
    if (v.end <= c->sent_start)
        return false;
    if (v.term_start == v.term_end && b == v.end && s_ends_cjk_ellipsis(c, v.end)) {
        s_look_ahead(c, b, &v); /* 他沉默了很久……第二天: straight before Han or kana */
        if (verso_seg_is_cjk_letter(v.next))
            return !s_in_brackets(c, v.end);
    }
    if (v.term_start == v.term_end) /* ICU's own reasons ("Τι κάνεις;"), or a line end */
        return !(v.newline_in_gap && c->blank_mode);
    if (v.term_end - v.term_start == 3 && !memcmp(c->t + v.term_start, "\xe1\x81\x8a", 3))
        return false; /* Burmese "၊" separates clauses (UAX 29 counts it STerm; "။" ends) */
    if (v.term_start > c->sent_start && c->t[v.term_start - 1] == '[')
        return false; /* "[...]" marks an omission, not an end */
    s_look_ahead(c, b, &v);
    UChar32 last = verso_seg_cp_before(c->t, v.term_start, v.term_end, NULL);
    if (s_is_cjk_term(last) && (s_in_brackets(c, v.end) || s_quote_goes_on(c, &v)))
        return false;
    bool upper = u_isupper(v.next) || u_istitle(v.next);
    bool lower = u_islower(v.next);
    bool dot = v.term_end - v.term_start == 1 && c->t[v.term_start] == '.';
    s_look_word(c, &v);
    if (dot && verso_seg_is_cjk_letter(v.next) && s_latin_in_cjk(c, &v))
        return false; /* 1. 降低税率；2. 扩大投资, 英国（U.K.）政府 */
    if (dot && b == v.term_end && v.term_start > c->sent_start && s_caseless_letter(v.next) &&
        s_caseless_letter(verso_seg_cp_before(c->t, c->sent_start, v.term_start, NULL)))
        return false; /* a dot inside a word of a script without case: "ዓ.ም", "أ.د" */
    if (dot && v.next && !upper && !lower && verso_seg_has(c, VERSO_SEG_ABBREV, v.w0, v.term_start))
        return false; /* a title in a script without case: "د. أحمد", "डॉ. शर्मा" */
    if (!upper && !lower && !s_numberish(v.next))
        return true; /* CJK, or end of text: ICU's decision stands */
    bool starter = verso_seg_has(c, VERSO_SEG_STARTERS, v.n0, v.n1);
    if (dot)
        return s_keep_after_dot(c, &v, upper, starter);
    bool bang = false;
    for (size_t i = v.term_start; i < v.term_end; i++)
        bang |= c->t[i] == '!' || c->t[i] == '?';
    if (bang && lower)
        return false; /* "Yahoo! in the" */
    if (bang && verso_seg_has(c, VERSO_SEG_EXCLAMATIONS, v.w0, v.term_start) && !starter)
        return false;
    return true;
}
