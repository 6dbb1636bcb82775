/* rank.c - scores, order and best-K lists of a lookup's matches, and number
 * substitution; see rank.h. Not the search (lookup_op.c) nor the reply
 * (lookup_reply.c). */
#include "rank.h"

#include "text.h"

/* Near-exact penalties (docs/PROTOCOL.md, "lookup"); they add up to
 * VERSO_RANK_MAX_PENALTY. */
static const verso_rank_penalty s_penalties[] = {{VERSO_TEXT_CASE, "case", 1},
                                                 {VERSO_TEXT_TAGS, "tags", 1},
                                                 {VERSO_TEXT_PUNCT, "punctuation", 2},
                                                 {VERSO_TEXT_NUMBERS, "numbers", 3}};
#define S_NPENALTIES (sizeof s_penalties / sizeof s_penalties[0])

const verso_rank_penalty *verso_rank_penalties(size_t *n)
{
    *n = S_NPENALTIES;
    return s_penalties;
}

int verso_rank_score(unsigned diff)
{
    int score = 100;
    for (size_t i = 0; i < S_NPENALTIES; i++)
        score -= diff & s_penalties[i].bit ? s_penalties[i].points : 0;
    return score;
}

verso_tm_entry verso_rank_turn(const verso_tm_entry *e)
{
    verso_tm_entry r = *e;
    r.src_lang = e->tgt_lang;
    r.tgt_lang = e->src_lang;
    r.src = e->tgt;
    r.tgt = e->src;
    r.src_tags = e->tgt_tags;
    r.tgt_tags = e->src_tags;
    r.prev_hash = r.next_hash = 0; /* context is that of the source side */
    return r;
}

int verso_rank_cmp(const verso_rank_hit *x, const verso_rank_hit *y)
{
    if (x->score != y->score)
        return y->score - x->score;
    if (x->e.changed != y->e.changed)
        return y->e.changed > x->e.changed ? 1 : -1;
    if (x->e.usage != y->e.usage)
        return y->e.usage > x->e.usage ? 1 : -1;
    return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

const char *verso_rank_kind(const verso_rank_hit *h)
{
    /* A fuzzy match of the same words (base 100) is near-exact. */
    return h->score > 100              ? "context"
           : h->fuzzy && h->base < 100 ? "fuzzy"
           : h->diff                   ? "near"
                                       : "exact";
}

void verso_rank_list_reset(verso_rank_list *l, int max, int min_score, uint64_t prev, uint64_t next)
{
    l->n = 0;
    l->max = max;
    l->min_score = min_score;
    l->prev = prev;
    l->next = next;
}

void verso_rank_list_keep(verso_rank_list *l, const verso_rank_hit *x)
{
    if (x->score < l->min_score || (l->n == l->max && verso_rank_cmp(x, &l->v[l->n - 1]) >= 0))
        return;
    int i = l->n < l->max ? l->n++ : l->n - 1; /* the worst goes when full */
    for (; i > 0 && verso_rank_cmp(x, &l->v[i - 1]) < 0; i--)
        l->v[i] = l->v[i - 1];
    l->v[i] = *x;
}

int verso_rank_list_offer(void *list, const verso_tm_hit *m)
{
    verso_rank_list *l = list;
    verso_rank_hit x = {
        m->reversed ? verso_rank_turn(&m->e) : m->e, m->diff, 0, m->reversed, 100, false};
    bool context = !m->diff && (x.e.prev_hash || x.e.next_hash) && x.e.prev_hash == l->prev &&
                   x.e.next_hash == l->next;
    x.score = context ? VERSO_RANK_CONTEXT : verso_rank_score(m->diff);
    verso_rank_list_keep(l, &x);
    return 0;
}

void verso_rank_list_offer_fuzzy(verso_rank_list *l, const verso_tm_entry *e, bool reversed,
                                 const verso_fuzzy_match *m)
{
    verso_rank_hit x = {
        reversed ? verso_rank_turn(e) : *e, m->penalties, m->score, reversed, m->base, true};
    verso_rank_list_keep(l, &x);
}

bool verso_rank_list_has(const verso_rank_list *l, uint64_t id, bool reversed)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].e.id == id && l->v[i].reversed == reversed)
            return true;
    return false;
}

/* ---- lower bounds ----------------------------------------------------------- */

void verso_rank_bounds_reset(verso_rank_bounds *b, int k)
{
    b->n = 0;
    b->k = k;
}

void verso_rank_bounds_add(verso_rank_bounds *b, int v)
{
    if (b->n == b->k && v <= b->lb[b->n - 1])
        return;
    int i = b->n < b->k ? b->n++ : b->n - 1;
    for (; i > 0 && b->lb[i - 1] < v; i--)
        b->lb[i] = b->lb[i - 1];
    b->lb[i] = v;
}

int verso_rank_floor(const verso_rank_bounds *b)
{
    return b->n < b->k ? 0 : b->lb[b->k - 1];
}

/* ---- number substitution ---------------------------------------------------- */

static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number of the target: ASCII digits, each '.' or ',' between two
 * digits included (text.h's rule); returns its end, or start when none. */
static size_t s_number_end(const char *s, size_t n, size_t start)
{
    size_t j = start;
    if (j >= n || !s_digit(s[j]) || (j > 0 && s_digit(s[j - 1])))
        return start;
    while (j < n &&
           (s_digit(s[j]) || ((s[j] == '.' || s[j] == ',') && j + 1 < n && s_digit(s[j + 1]))))
        j++;
    return j;
}

static char s_swap_mark(char c)
{
    return c == '.' ? ',' : c == ',' ? '.' : c;
}

/* Whether a equals b with '.' and ',' swapped (swap) or as it is. */
static bool s_num_eq(const char *a, size_t an, const char *b, size_t bn, bool swap)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (a[i] != (swap ? s_swap_mark(b[i]) : b[i]))
            return false;
    return true;
}

/* Whether hunks x and y replace the same TM number (as written in cn). */
static bool s_same_tm_number(const char *cn, const verso_fuzzy_hunk *x, const verso_fuzzy_hunk *y)
{
    return s_num_eq(cn + x->c_start, x->c_end - x->c_start, cn + y->c_start, y->c_end - y->c_start,
                    false);
}

/* Whether m differs in numbers only, each TM number standing for one
 * query number. */
static bool s_numbers_only(const verso_fuzzy_match *m, const char *qn, const char *cn, size_t maxp)
{
    if (m->ed || !m->nhunks || m->nhunks > maxp)
        return false;
    for (size_t i = 0; i < m->nhunks; i++)
        if (m->hunks[i].what != VERSO_TEXT_NUMBERS)
            return false;
    for (size_t i = 0; i < m->nhunks; i++) {
        const verso_fuzzy_hunk *a = &m->hunks[i];
        for (size_t j = 0; j < i; j++) {
            const verso_fuzzy_hunk *b = &m->hunks[j];
            if (s_same_tm_number(cn, a, b) &&
                !s_num_eq(qn + a->q_start, a->q_end - a->q_start, qn + b->q_start,
                          b->q_end - b->q_start, false))
                return false;
        }
    }
    return true;
}

/* The hunk whose TM number the target's number t[0..n) writes (*swap: with
 * the decimal marks swapped), or np when none. */
static size_t s_hunk_of(const verso_fuzzy_match *m, const char *cn, const char *t, size_t n,
                        bool *swap)
{
    size_t k = 0;
    *swap = false;
    for (; k < m->nhunks; k++) {
        const verso_fuzzy_hunk *h = &m->hunks[k];
        size_t cl = h->c_end - h->c_start;
        if (s_num_eq(t, n, cn + h->c_start, cl, false) ||
            (*swap = s_num_eq(t, n, cn + h->c_start, cl, true)))
            break;
    }
    return k;
}

bool verso_rank_substitute(const verso_fuzzy_match *m, const char *qn, const char *cn,
                           verso_str tgt, verso_buf *out)
{
    enum { MAXP = 64 };
    size_t np = m->nhunks;
    bool used[MAXP] = {false};
    if (!s_numbers_only(m, qn, cn, MAXP))
        return false;
    verso_buf_reset(out);
    verso_err err = VERSO_OK;
    for (size_t j = 0; j < tgt.n && !err;) {
        size_t end = s_number_end(tgt.p, tgt.n, j);
        if (end == j) {
            err = verso_buf_append(out, tgt.p + j++, 1);
            continue;
        }
        bool swap;
        size_t k = s_hunk_of(m, cn, tgt.p + j, end - j, &swap);
        if (k == np) {
            err = verso_buf_append(out, tgt.p + j, end - j);
        } else {
            const verso_fuzzy_hunk *h = &m->hunks[k];
            for (size_t x = h->q_start; x < h->q_end && !err; x++) {
                char c = swap ? s_swap_mark(qn[x]) : qn[x];
                err = verso_buf_append(out, &c, 1);
            }
            for (size_t x = 0; x < np; x++) /* every hunk of this TM number is placed */
                used[x] = used[x] || s_same_tm_number(cn, &m->hunks[x], h);
        }
        j = end;
    }
    for (size_t x = 0; x < np; x++)
        if (!used[x])
            return false;
    return !err;
}
