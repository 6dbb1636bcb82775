/*
 * segscan.c - the candidate boundaries ICU never proposes: after ". " before a
 * capital or a digit, spaced ellipses, a full stop before an ellipsis or with
 * no space after it, list series; and the candidate list they go into.
 * Not here: deciding candidates (segdecide.c), blocks and ICU (segment.c).
 */
#include "segment_int.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

/* ---- candidates ---------------------------------------------------------- */

/* Appends a candidate; see segment_int.h. */
verso_err verso_seg_cand_add(verso_segmenter *s, size_t pos, unsigned char kind)
{
    if (s->ncand == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        verso_seg_cand *c = realloc(s->cand, cap * sizeof *c);
        if (!c)
            return VERSO_ENOMEM;
        s->cand = c;
        s->cap = cap;
    }
    s->cand[s->ncand++] = (verso_seg_cand){pos, kind};
    return VERSO_OK;
}

static int s_cand_cmp(const void *a, const void *b)
{
    size_t x = ((const verso_seg_cand *)a)->pos, y = ((const verso_seg_cand *)b)->pos;
    return x < y ? -1 : x > y;
}

void verso_seg_cand_sort_from(verso_segmenter *s, size_t from)
{
    if (s->ncand > from + 1) /* qsort of none: the list may not even exist yet */
        qsort(s->cand + from, s->ncand - from, sizeof *s->cand, s_cand_cmp);
}

void verso_seg_cand_sort(verso_segmenter *s)
{
    if (s->ncand > s->nicu_cand && s->ncand > 1) /* ICU's alone are in order already */
        qsort(s->cand, s->ncand, sizeof *s->cand, s_cand_cmp);
    size_t w = 0;
    for (size_t i = 0; i < s->ncand; i++) {
        if (w > 0 && s->cand[w - 1].pos == s->cand[i].pos)
            s->cand[w - 1].kind |= s->cand[i].kind;
        else
            s->cand[w++] = s->cand[i];
    }
    s->ncand = w;
}

/* Marks the candidates of the sorted run cand[from, to) in [a, b] that are
 * not hard as overruled. */
static void s_drop_run(verso_segmenter *s, size_t from, size_t to, size_t a, size_t b,
                       verso_work *w)
{
    size_t lo = from, hi = to;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cand[mid].pos < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    verso_work_add(w, 1);
    for (; lo < to && s->cand[lo].pos <= b; lo++) {
        verso_work_add(w, 1);
        if (!(s->cand[lo].kind & VERSO_SEG_HARD))
            s->cand[lo].kind |= VERSO_SEG_DROP;
    }
}

/* Marks the candidates in [a, b] that are not hard as overruled: ICU's and
 * the soft scan's, two sorted runs (segment.c sorts the second), searched
 * in O(log n): a pre-scan calls this once per finding. */
static void s_cand_drop(verso_segmenter *s, size_t a, size_t b, verso_work *w)
{
    s_drop_run(s, 0, s->nicu_cand, a, b, w);
    s_drop_run(s, s->nicu_cand, s->nsoft_cand, a, b, w);
}

/* ---- scans --------------------------------------------------------------- */

/*
 * Spaced ellipses (". . ."): three dots never end a sentence; four do, when
 * a capital follows. Attached to a word ("compounds. . . . The"), the first
 * dot is the full stop and the ellipsis opens the next sentence; spaced
 * ("period . . . . Next"), the last dot is.
 */
verso_err verso_seg_scan_ellipses(const verso_seg_ctx *c)
{
    const char *t = c->t;
    for (const char *p = memchr(t + c->block_start, '.', c->block_end - c->block_start); p;
         p = memchr(p + 1, '.', (size_t)(t + c->block_end - p - 1))) {
        size_t i = (size_t)(p - t);
        verso_work_add(c->work, 1);
        if (i + 4 >= c->block_end)
            break;
        if (t[i + 1] != ' ' || t[i + 2] != '.')
            continue;
        size_t end = i + 3, dots = 2;
        while (end + 1 < c->block_end && t[end] == ' ' && t[end + 1] == '.') {
            verso_work_add(c->work, 1);
            end += 2;
            dots++;
        }
        if (dots < 3) {
            p = t + end - 1;
            continue;
        }
        bool attached = i > c->block_start && t[i - 1] != ' ';
        size_t after = end, nx;
        while (after < c->block_end &&
               verso_seg_is_closer(verso_seg_cp(t, c->block_end, after, &nx))) {
            verso_work_add(c->work, 1);
            after = nx;
        }
        size_t next = verso_seg_skip_spaces(c, after);
        UChar32 nc = next < c->block_end ? verso_seg_cp(t, c->block_end, next, NULL) : 0;
        s_cand_drop(c->sg, i, next, c->work);
        if (dots >= 4 && (u_isupper(nc) || u_istitle(nc))) {
            verso_err err = verso_seg_cand_add(c->sg, attached ? i + 1 : next, VERSO_SEG_HARD);
            if (err)
                return err;
        }
        p = t + end - 1;
    }
    return VERSO_OK;
}

/* A space-delimited token and whether it looks like an address (holds "@"
 * or "/"). */
typedef struct s_token {
    size_t start, end;
    bool addr;
} s_token;

/* The token around [w, i) (no space inside). */
static void s_token_at(const verso_seg_ctx *c, size_t w, size_t i, s_token *tok)
{
    const char *t = c->t;
    size_t a = w, b = i;
    while (a > c->block_start && !verso_seg_is_space((UChar32)(unsigned char)t[a - 1]))
        a--;
    while (b < c->block_end && !verso_seg_is_space((UChar32)(unsigned char)t[b]))
        b++;
    *tok = (s_token){a, b, memchr(t + a, '@', b - a) || memchr(t + a, '/', b - a)};
    verso_work_add(c->work, b - a);
}

/* "raak. ...en toen": a full stop, then an ellipsis opening the next
 * sentence in lower case; and "the end.New start" with no space. The token
 * of a dot is looked at once for all its dots ("ab.Cd/ab.Cd/..." was
 * quadratic). */
verso_err verso_seg_scan_dots(const verso_seg_ctx *c)
{
    const char *t = c->t;
    s_token tok = {0, 0, false};
    for (const char *p = memchr(t + c->block_start, '.', c->block_end - c->block_start); p;
         p = memchr(p + 1, '.', (size_t)(t + c->block_end - p - 1))) {
        size_t i = (size_t)(p - t);
        verso_work_add(c->work, 1);
        if (i + 2 >= c->block_end)
            break;
        if (i < c->block_start + 2 || !u_isalpha(verso_seg_cp_before(t, c->block_start, i, NULL)))
            continue;
        size_t w = i, wp;
        while (w > c->block_start && u_isalpha(verso_seg_cp_before(t, c->block_start, w, &wp))) {
            verso_work_add(c->work, 1);
            w = wp;
        }
        if (i - w < 2 || verso_seg_has(c, VERSO_SEG_ABBREV, w, i) ||
            verso_seg_has(c, VERSO_SEG_ABBREV_WEAK, w, i))
            continue;
        verso_err err = VERSO_OK;
        if (t[i + 1] == ' ' && i + 5 <= c->block_end &&
            (!memcmp(t + i + 2, "...", 3) || !memcmp(t + i + 2, "\xe2\x80\xa6", 3))) {
            err = verso_seg_cand_add(c->sg, i + 2, VERSO_SEG_HARD);
        } else if (w > c->block_start && t[w - 1] != '.') {
            size_t nx;
            UChar32 a = verso_seg_cp(t, c->block_end, i + 1, &nx);
            UChar32 b = nx < c->block_end ? verso_seg_cp(t, c->block_end, nx, NULL) : 0;
            if (i >= tok.end) /* the dot's space-delimited token, once per token */
                s_token_at(c, w, i, &tok);
            if (u_isupper(a) && u_islower(b) && u_islower(verso_seg_cp_before(t, w, i, NULL)) &&
                !tok.addr)
                err = verso_seg_cand_add(c->sg, i + 1, VERSO_SEG_HARD);
        }
        if (err)
            return err;
    }
    return VERSO_OK;
}

/* ICU proposes no boundary after "E.U." or "I." before a capital, nor after
 * "kwamen." before a number ("81 procent"): offer those to the rules. */
verso_err verso_seg_scan_soft(const verso_seg_ctx *c)
{
    const char *t = c->t;
    for (const char *p = t + c->block_start; (p = memchr(p, '.', (size_t)(t + c->block_end - p)));
         p++) {
        size_t i = (size_t)(p - t) + 1, nx;
        verso_work_add(c->work, 1);
        if (i >= c->block_end || !verso_seg_is_space(verso_seg_cp(t, c->block_end, i, &nx)))
            continue;
        size_t j = verso_seg_skip_spaces(c, i);
        while (j < c->block_end && verso_seg_is_opener(verso_seg_cp(t, c->block_end, j, &nx))) {
            verso_work_add(c->work, 1);
            j = nx;
        }
        if (j >= c->block_end)
            break;
        UChar32 ch = verso_seg_cp(t, c->block_end, j, NULL);
        if (u_isupper(ch) || u_istitle(ch) || u_isdigit(ch) ||
            u_charType(ch) == U_CURRENCY_SYMBOL) { /* "5 USD. $10 is more" */
            verso_err err = verso_seg_cand_add(c->sg, verso_seg_skip_spaces(c, i), 0);
            if (err)
                return err;
        }
    }
    return VERSO_OK;
}

/* True when the character before j (j > lo) is white space: ASCII read as
 * a byte, anything else decoded (a no-break space before "1." counts; a
 * byte of "à" read as a code point was taken for one). */
static bool s_space_before(const char *t, size_t lo, size_t j)
{
    char b = t[j - 1];
    if ((unsigned char)b < 0x80)
        return b == ' ' || (b >= '\t' && b <= '\r');
    return verso_seg_is_space(verso_seg_cp_before(t, lo, j, NULL));
}

/* The first byte b at or after i in the block, or its end. */
static size_t s_find_byte(const verso_seg_ctx *c, char b, size_t i)
{
    const char *p = i < c->block_end ? memchr(c->t + i, b, c->block_end - i) : NULL;
    verso_work_add(c->work, 1);
    return p ? (size_t)(p - c->t) : c->block_end;
}

/* Where a marker ending with the "." or ")" at q starts: up to 3 digits or
 * one letter a-z right before q, at the block's first character or after
 * an ASCII space; SIZE_MAX when there is none ("1.) " is found at its
 * "." only). */
static size_t s_marker_start(const verso_seg_ctx *c, size_t first, size_t q)
{
    const char *t = c->t;
    if (q <= first || (t[q] == ')' && t[q - 1] == '.'))
        return SIZE_MAX;
    size_t j = q;
    while (j > first && q - j < 3 && t[j - 1] >= '0' && t[j - 1] <= '9')
        j--;
    if (j == q && t[q - 1] >= 'a' && t[q - 1] <= 'z')
        j--;
    if (j == q || (j > first && !s_space_before(t, first, j)))
        return SIZE_MAX;
    return j;
}

/* Parses a list marker at i: "12", "b" then ".)", ")" or "." and a space.
 * Returns the index after the marker (before the space), or 0. */
static size_t s_marker_at(const verso_seg_ctx *c, size_t i, long *num, char *letter, int *style)
{
    const char *t = c->t;
    size_t j = i;
    *num = -1;
    *letter = 0;
    long n = 0;
    while (j < c->block_end && j - i < 3 && t[j] >= '0' && t[j] <= '9')
        n = n * 10 + (t[j++] - '0'); /* the text is not NUL-terminated: no strtol */
    if (j > i)
        *num = n;
    else if (j < c->block_end && t[j] >= 'a' && t[j] <= 'z')
        *letter = t[j++];
    else
        return 0;
    if (j + 2 < c->block_end && t[j] == '.' && t[j + 1] == ')' && t[j + 2] == ' ')
        *style = 2;
    else if (j + 1 < c->block_end && t[j] == ')' && t[j + 1] == ' ')
        *style = 1;
    else if (j + 1 < c->block_end && t[j] == '.' && t[j + 1] == ' ')
        *style = 0;
    else
        return 0;
    return j + (*style == 2 ? 2 : 1);
}

/* The slot of the series waiting for marker value v (a number, or a letter
 * when letter) of style st; see verso_seg_series. */
static size_t s_slot(int st, bool letter, long v)
{
    return ((size_t)st * 2 + letter) * VERSO_SEG_SERIES_VALUES + (size_t)v;
}

static bool s_waiting(const verso_seg_series *sr, size_t slot)
{
    return sr->stamp[slot] == sr->gen;
}

/* Marks slot as waited for, with the start pos when >= 0 (a series whose
 * first marker is added as a boundary once a second one follows).
 * Errors: ENOMEM. */
static verso_err s_wait(verso_seg_series *sr, size_t slot, long start)
{
    if (!s_waiting(sr, slot)) {
        sr->stamp[slot] = sr->gen;
        sr->head[slot] = UINT32_MAX;
    }
    if (start < 0)
        return VERSO_OK;
    if (sr->npend == sr->cappend) {
        size_t cap = sr->cappend ? 2 * sr->cappend : 64;
        size_t *pos = realloc(sr->pend, cap * sizeof *pos);
        if (!pos)
            return VERSO_ENOMEM;
        sr->pend = pos;
        uint32_t *next = realloc(sr->pnext, cap * sizeof *next);
        if (!next)
            return VERSO_ENOMEM;
        sr->pnext = next;
        sr->cappend = cap;
    }
    if (sr->npend >= UINT32_MAX)
        return VERSO_ENOMEM;
    sr->pend[sr->npend] = (size_t)start;
    sr->pnext[sr->npend] = sr->head[slot];
    sr->head[slot] = (uint32_t)sr->npend++;
    return VERSO_OK;
}

/* A marker at j of style st continues the series waiting in slot: a hard
 * break before it, and before the first markers still pending; the series
 * then waits for the next value. Errors: ENOMEM. */
static verso_err s_advance(const verso_seg_ctx *c, size_t slot, size_t j, size_t next)
{
    verso_seg_series *sr = &c->sg->series;
    verso_err err = verso_seg_cand_add(c->sg, j, VERSO_SEG_HARD);
    for (uint32_t k = sr->head[slot]; !err && k != UINT32_MAX; k = sr->pnext[k]) {
        verso_work_add(c->work, 1);
        err = verso_seg_cand_add(c->sg, sr->pend[k], VERSO_SEG_HARD);
    }
    sr->stamp[slot] = sr->gen - 1; /* the series moved on */
    return err ? err : s_wait(sr, next, -1);
}

/* True when a series may start with the marker at j: the block's first
 * marker, or "1" / "a" (num, letter) after a space inside the block. */
static bool s_series_start(const verso_seg_ctx *c, size_t first, size_t j, long num, char letter)
{
    if (j == first)
        return true;
    return j >= first + 1 && (num == 1 || letter == 'a') && (c->t[j] == '1' || c->t[j] == 'a') &&
           (c->t[j + 1] == '.' || c->t[j + 1] == ')') && s_space_before(c->t, first, j);
}

/* List series, in one pass over the block: one that starts the block ("1)
 * first 2) second", "• 9. The first item"), and ones that start inside it
 * with "1" or "a" after a space ("Steps: 1. Open the box 2. Remove it").
 * A series adds a hard break before each next marker of its style ("2)"
 * after "1)", "b." after "a."), found after a space, and before its first
 * marker too when it starts inside the block and has a second. Series that
 * wait for the same marker value and style go on alike from there, so
 * they share one slot (verso_seg_series): the pass is linear in the block
 * (before, each "a." of "a. a. a. ..." followed its own series to the
 * block's end). */
verso_err verso_seg_scan_list(const verso_seg_ctx *c)
{
    const char *t = c->t;
    verso_seg_series *sr = &c->sg->series;
    if (++sr->gen == 0) { /* the stamps wrapped: forget them all */
        memset(sr->stamp, 0, sizeof sr->stamp);
        sr->gen = 2;
    }
    sr->npend = 0;
    size_t first = c->block_start, nx;
    while (first < c->block_end) { /* skip spaces and bullets */
        UChar32 ch = verso_seg_cp(t, c->block_end, first, &nx);
        verso_work_add(c->work, 1);
        if (!verso_seg_is_space(ch) && !verso_seg_is_bullet(ch))
            break;
        first = nx;
    }
    verso_err err = VERSO_OK;
    /* A marker ends with ". ", ") " or ".) ": found from those (far fewer
     * than words), then its start looked for right before. */
    size_t dot = s_find_byte(c, '.', first), par = s_find_byte(c, ')', first);
    while (!err) {
        size_t q = dot < par ? dot : par, j;
        long num;
        char letter;
        int st;
        if (q >= c->block_end)
            break;
        if (q == dot)
            dot = s_find_byte(c, '.', q + 1);
        else
            par = s_find_byte(c, ')', q + 1);
        if ((j = s_marker_start(c, first, q)) == SIZE_MAX || !s_marker_at(c, j, &num, &letter, &st))
            continue;
        bool isl = num < 0;
        long v = isl ? letter : num;
        size_t slot = s_slot(st, isl, v), next = s_slot(st, isl, v + 1);
        if (j > first && t[j - 1] == ' ' && j + 3 < c->block_end && s_waiting(sr, slot))
            err = s_advance(c, slot, j, next);
        if (!err && s_series_start(c, first, j, num, letter))
            err = s_wait(sr, next, j > first ? (long)j : -1);
    }
    return err;
}

verso_err verso_seg_scan_cjk_ellipsis(const verso_seg_ctx *c)
{
    const char *t = c->t;
    static const char *const pats[] = {"\xe2\x80\xa6", "\xe2\x8b\xaf"}; /* … ⋯ */
    for (int k = 0; k < 2; k++) {
        size_t i = c->block_start;
        while (i + 6 <= c->block_end) {
            const char *p = memchr(t + i, 0xE2, c->block_end - i);
            if (!p)
                break;
            i = (size_t)(p - t);
            verso_work_add(c->work, 1);
            if (i + 6 > c->block_end || memcmp(t + i, pats[k], 3) ||
                memcmp(t + i + 3, pats[k], 3)) {
                i++;
                continue;
            }
            i += 6;
            while (i + 3 <= c->block_end && !memcmp(t + i, pats[k], 3)) /* a longer run */
                i += 3;
            if (i < c->block_end &&
                verso_seg_is_cjk_letter(verso_seg_cp(t, c->block_end, i, NULL))) {
                verso_err err = verso_seg_cand_add(c->sg, i, 0);
                if (err)
                    return err;
            }
        }
    }
    return VERSO_OK;
}

/* The end of a citation mark "[12]", "[3, 4]", "[5-7]" starting at i (at
 * its "["), or 0 when there is none there: digits, commas, spaces and
 * dashes, at most 16 bytes. */
static size_t s_citation_end(const char *t, size_t i, size_t end)
{
    bool digit = false;
    for (size_t k = i + 1; k < end && k < i + 17; k++) {
        char ch = t[k];
        if (ch == ']')
            return digit ? k + 1 : 0;
        digit |= ch >= '0' && ch <= '9';
        if (!((ch >= '0' && ch <= '9') || ch == ',' || ch == ' ' || ch == '-'))
            return 0;
    }
    return 0;
}

verso_err verso_seg_scan_citations(const verso_seg_ctx *c)
{
    const char *t = c->t;
    size_t i = c->block_start;
    while (i + 2 < c->block_end) {
        const char *p = memchr(t + i, '[', c->block_end - i);
        if (!p)
            break;
        i = (size_t)(p - t);
        verso_work_add(c->work, 1);
        size_t e = i > c->block_start && (t[i - 1] == '.' || t[i - 1] == '!' || t[i - 1] == '?')
                       ? s_citation_end(t, i, c->block_end)
                       : 0;
        if (!e) {
            i++;
            continue;
        }
        verso_err err = VERSO_OK;
        for (size_t k = i; k < e && !err; k++) /* "earlier.[12] The": not inside the mark */
            err = verso_seg_cand_add(c->sg, k, VERSO_SEG_DROP);
        if (!err && e < c->block_end && verso_seg_is_space(verso_seg_cp(t, c->block_end, e, NULL)))
            err = verso_seg_cand_add(c->sg, e, 0);
        if (err)
            return err;
        i = e;
    }
    return VERSO_OK;
}

/* A colon before white space and a letter, in a language whose rules say
 * colon-ends ("سؤال وجواب: ماذا"): a boundary before the letter. A colon
 * before a quote or a digit, or with no space after it ("10:30"), is not. */
verso_err verso_seg_scan_colons(const verso_seg_ctx *c)
{
    const char *t = c->t;
    if (!verso_seg_lang_colon_ends(c->L))
        return VERSO_OK;
    for (const char *p = t + c->block_start; (p = memchr(p, ':', (size_t)(t + c->block_end - p)));
         p++) {
        size_t i = (size_t)(p - t) + 1;
        verso_work_add(c->work, 1);
        if (i >= c->block_end || !verso_seg_is_space(verso_seg_cp(t, c->block_end, i, NULL)))
            continue;
        size_t j = verso_seg_skip_spaces(c, i);
        if (j < c->block_end && u_isalpha(verso_seg_cp(t, c->block_end, j, NULL))) {
            verso_err err = verso_seg_cand_add(c->sg, j, VERSO_SEG_HARD);
            if (err)
                return err;
        }
    }
    return VERSO_OK;
}
