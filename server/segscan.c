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
static void s_drop_run(verso_segmenter *s, size_t from, size_t to, size_t a, size_t b)
{
    size_t lo = from, hi = to;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cand[mid].pos < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < to && s->cand[lo].pos <= b; lo++)
        if (!(s->cand[lo].kind & VERSO_SEG_HARD))
            s->cand[lo].kind |= VERSO_SEG_DROP;
}

/* Marks the candidates in [a, b] that are not hard as overruled: ICU's and
 * the soft scan's, two sorted runs (segment.c sorts the second), searched
 * in O(log n): a pre-scan calls this once per finding. */
static void s_cand_drop(verso_segmenter *s, size_t a, size_t b)
{
    s_drop_run(s, 0, s->nicu_cand, a, b);
    s_drop_run(s, s->nicu_cand, s->nsoft_cand, a, b);
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
        if (i + 4 >= c->block_end)
            break;
        if (t[i + 1] != ' ' || t[i + 2] != '.')
            continue;
        size_t end = i + 3, dots = 2;
        while (end + 1 < c->block_end && t[end] == ' ' && t[end + 1] == '.') {
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
               verso_seg_is_closer(verso_seg_cp(t, c->block_end, after, &nx)))
            after = nx;
        size_t next = verso_seg_skip_spaces(c, after);
        UChar32 nc = next < c->block_end ? verso_seg_cp(t, c->block_end, next, NULL) : 0;
        s_cand_drop(c->sg, i, next);
        if (dots >= 4 && (u_isupper(nc) || u_istitle(nc))) {
            verso_err err = verso_seg_cand_add(c->sg, attached ? i + 1 : next, VERSO_SEG_HARD);
            if (err)
                return err;
        }
        p = t + end - 1;
    }
    return VERSO_OK;
}

/* "raak. ...en toen": a full stop, then an ellipsis opening the next
 * sentence in lower case; and "the end.New start" with no space. */
verso_err verso_seg_scan_dots(const verso_seg_ctx *c)
{
    const char *t = c->t;
    for (const char *p = memchr(t + c->block_start, '.', c->block_end - c->block_start); p;
         p = memchr(p + 1, '.', (size_t)(t + c->block_end - p - 1))) {
        size_t i = (size_t)(p - t);
        if (i + 2 >= c->block_end)
            break;
        if (i < c->block_start + 2 || !u_isalpha(verso_seg_cp_before(t, c->block_start, i, NULL)))
            continue;
        size_t w = i, wp;
        while (w > c->block_start && u_isalpha(verso_seg_cp_before(t, c->block_start, w, &wp)))
            w = wp;
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
            size_t tok0 = w, tok1 = i;
            while (tok0 > c->block_start &&
                   !verso_seg_is_space((UChar32)(unsigned char)t[tok0 - 1]))
                tok0--;
            while (tok1 < c->block_end && !verso_seg_is_space((UChar32)(unsigned char)t[tok1]))
                tok1++;
            bool addr = memchr(t + tok0, '@', tok1 - tok0) || memchr(t + tok0, '/', tok1 - tok0);
            if (u_isupper(a) && u_islower(b) && u_islower(verso_seg_cp_before(t, w, i, NULL)) &&
                !addr)
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
        if (i >= c->block_end || !verso_seg_is_space(verso_seg_cp(t, c->block_end, i, &nx)))
            continue;
        size_t j = verso_seg_skip_spaces(c, i);
        while (j < c->block_end && verso_seg_is_opener(verso_seg_cp(t, c->block_end, j, &nx)))
            j = nx;
        if (j >= c->block_end)
            break;
        UChar32 ch = verso_seg_cp(t, c->block_end, j, NULL);
        if (u_isupper(ch) || u_istitle(ch) || u_isdigit(ch)) {
            verso_err err = verso_seg_cand_add(c->sg, verso_seg_skip_spaces(c, i), 0);
            if (err)
                return err;
        }
    }
    return VERSO_OK;
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

/* Follows the list series whose marker is at i ("1)", "a.", "3.)"): adds a
 * hard break before each next marker of the same style ("2)", "b."), and
 * before the first one too when `lead` and the series has a second. */
static verso_err s_list_series(const verso_seg_ctx *c, size_t i, bool lead)
{
    long num;
    char letter;
    int style;
    if (!s_marker_at(c, i, &num, &letter, &style))
        return VERSO_OK;
    bool found = false;
    for (size_t j = i + 1; j + 3 < c->block_end; j++) {
        long n2;
        char l2;
        int st2;
        if (c->t[j - 1] != ' ' || !s_marker_at(c, j, &n2, &l2, &st2) || st2 != style)
            continue;
        if ((num >= 0 && n2 == num + 1) || (letter && l2 == letter + 1)) {
            verso_err err = verso_seg_cand_add(c->sg, j, VERSO_SEG_HARD);
            if (!err && lead && !found)
                err = verso_seg_cand_add(c->sg, i, VERSO_SEG_HARD);
            if (err)
                return err;
            found = true;
            num = n2 >= 0 ? n2 : -1;
            letter = l2;
        }
    }
    return VERSO_OK;
}

/* List series: one that starts the block ("1) first 2) second", "• 9. The
 * first item"), and ones that start inside it with "1" or "a" after a space
 * ("Steps: 1. Open the box 2. Remove it"), found from the "." and ")" that
 * follow their markers. */
verso_err verso_seg_scan_list(const verso_seg_ctx *c)
{
    const char *t = c->t;
    size_t first = c->block_start, nx;
    while (first < c->block_end) { /* skip spaces and bullets */
        UChar32 ch = verso_seg_cp(t, c->block_end, first, &nx);
        if (!verso_seg_is_space(ch) && !verso_seg_is_bullet(ch))
            break;
        first = nx;
    }
    verso_err err = s_list_series(c, first, false);
    for (int k = 0; k < 2 && !err; k++) {
        char punct = k ? ')' : '.';
        for (const char *p = memchr(t + first, punct, c->block_end - first); p && !err;
             p = memchr(p + 1, punct, (size_t)(t + c->block_end - p - 1))) {
            if ((size_t)(p - t) < first + 2)
                continue; /* a marker needs a space before it inside the block */
            size_t m = (size_t)(p - t) - 1;
            if ((t[m] != '1' && t[m] != 'a') || !verso_seg_is_space((unsigned char)t[m - 1]))
                continue;
            err = s_list_series(c, m, true);
        }
    }
    return err;
}
