/* fuzzy_test.c - tokens, token edit distances (against a plain table as the
 * oracle), the score and its distance bound, differences, penalties, and
 * agreement with text.c's near-exact classes. */
#include <stdint.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "fuzzy.h"
#include "harness.h"
#include "text.h"

static verso_fuzzy s_f;
static verso_fuzzy_text s_ta, s_tb;
static verso_buf s_na, s_nb;

/* ---- helpers ---------------------------------------------------------------- */

/* Tokenises the normalised form of s into t (its text kept in nb). */
static void s_tok(const char *s, verso_buf *nb, verso_fuzzy_text *t)
{
    CHECK_INT(verso_text_norm(s, strlen(s), nb), VERSO_OK);
    CHECK_INT(verso_fuzzy_tokenize(&s_f, nb->data ? nb->data : "", nb->len, t), VERSO_OK);
}

/* The tokens of s as "a|b|#3", numbers marked with '#'. */
static const char *s_show(const char *s)
{
    static char out[1024];
    s_tok(s, &s_na, &s_ta);
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s_ta.n && w + 64 < sizeof out; i++) {
        const verso_fuzzy_token *k = &s_ta.tok[i];
        w += (size_t)snprintf(out + w, sizeof out - w, "%s%s%.*s", i ? "|" : "",
                              k->kind == VERSO_FUZZY_NUMBER ? "#" : "", (int)(k->end - k->start),
                              s_ta.s + k->start);
    }
    return out;
}

static verso_fuzzy_match s_cmp(const char *q, const char *c)
{
    verso_fuzzy_match m = {0};
    s_tok(q, &s_na, &s_ta);
    s_tok(c, &s_nb, &s_tb);
    CHECK_INT(verso_fuzzy_compare(&s_f, &s_ta, &s_tb, &m), VERSO_OK);
    return m;
}

static uint64_t s_rng = 0x9E3779B97F4A7C15ULL;

static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return n ? (uint32_t)(s_rng % n) : 0;
}

/* The oracle: Levenshtein distance from the full recurrence, two rows. */
static size_t s_oracle(const uint32_t *a, size_t m, const uint32_t *b, size_t n)
{
    static size_t row[2][1024];
    for (size_t j = 0; j <= n; j++)
        row[0][j] = j;
    for (size_t i = 1; i <= m; i++) {
        size_t *r = row[i & 1], *up = row[(i - 1) & 1];
        r[0] = i;
        for (size_t j = 1; j <= n; j++) {
            size_t v = up[j - 1] + (a[i - 1] != b[j - 1]);
            v = up[j] + 1 < v ? up[j] + 1 : v;
            r[j] = r[j - 1] + 1 < v ? r[j - 1] + 1 : v;
        }
    }
    return row[m & 1][n];
}

/* ---- tokens ----------------------------------------------------------------- */

static void test_tokens_latin(void)
{
    CHECK_STR(s_show("Save the file."), "Save|the|file");
    CHECK_STR(s_ta.punct.data, "  .");
    CHECK_INT(s_ta.tok[1].start, 5);
    CHECK_INT(s_ta.tok[1].end, 8);
    CHECK_INT(s_ta.tok[1].gap, 1);
    CHECK_STR(s_ta.folded.data, "savethefile");
    CHECK_STR(s_show("Don't use e-mail_addresses!"), "Don|t|use|e|mail|addresses");
    CHECK_STR(s_show("a + b = c $"), "a|+|b|=|c|$"); /* symbols are tokens, one each */
    CHECK_STR(s_show("Die Straße ist 3,5 km lang."), "Die|Straße|ist|#3,5|km|lang");
    uint32_t strasse = s_ta.ids[1];
    CHECK_STR(s_show("DIE STRASSE"), "DIE|STRASSE");
    CHECK_INT(s_ta.ids[1], strasse); /* full case folding: ß = ss */
    CHECK_STR(s_show("L'ordinateur n'a pas démarré « vite »."),
              "L|ordinateur|n|a|pas|d\xc3\xa9marr\xc3\xa9|vite");
    CHECK_STR(s_show("\xce\xa3\xce\x99\xce\xa3 \xcf\x83\xce\xb9\xcf\x82"), /* ΣΙΣ σις */
              "\xce\xa3\xce\x99\xce\xa3|\xcf\x83\xce\xb9\xcf\x82");
    CHECK_INT(s_ta.ids[0], s_ta.ids[1]); /* final sigma folds to sigma */
    CHECK_STR(s_show("\xed\x8c\x8c\xec\x9d\xbc\xec\x9d\x84 \xec\xa0\x80\xec\x9e\xa5"),
              "\xed\x8c\x8c\xec\x9d\xbc\xec\x9d\x84|\xec\xa0\x80\xec\x9e\xa5"); /* 파일을 저장 */
    CHECK_STR(s_show(""), "");
    CHECK_INT(s_ta.n, 0);
    CHECK_STR(s_show(" ... !"), "");
    CHECK_STR(s_ta.punct.data, "... !");
}

static void test_tokens_cjk(void)
{
    /* 你好，世界。 */
    CHECK_STR(s_show("\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xe3\x80\x82"),
              "\xe4\xbd\xa0|\xe5\xa5\xbd|\xe4\xb8\x96|\xe7\x95\x8c");
    CHECK_STR(s_ta.punct.data, "\xef\xbc\x8c\xe3\x80\x82");
    /* USBメモリーを2個接続してください。: Latin word, kana and kanji one by
     * one (the prolonged sound mark too), a number. */
    CHECK_STR(s_show("USB\xe3\x83\xa1\xe3\x83\xa2\xe3\x83\xaa\xe3\x83\xbc\xe3\x82\x92"
                     "2\xe5\x80\x8b\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\x97\xe3\x81\xa6"
                     "\xe3\x81\x8f\xe3\x81\xa0\xe3\x81\x95\xe3\x81\x84\xe3\x80\x82"),
              "USB|\xe3\x83\xa1|\xe3\x83\xa2|\xe3\x83\xaa|\xe3\x83\xbc|\xe3\x82\x92|#2|"
              "\xe5\x80\x8b|\xe6\x8e\xa5|\xe7\xb6\x9a|\xe3\x81\x97|\xe3\x81\xa6|"
              "\xe3\x81\x8f|\xe3\x81\xa0|\xe3\x81\x95|\xe3\x81\x84");
    CHECK_INT(s_ta.tok[0].kind, VERSO_FUZZY_WORD);
    CHECK_INT(s_ta.tok[6].kind, VERSO_FUZZY_NUMBER);
    /* Full-width Latin letters and digits: a word and a number. */
    CHECK_STR(s_show("\xef\xbc\xa1\xef\xbc\xa2 \xef\xbc\x91\xef\xbc\x92"),
              "\xef\xbc\xa1\xef\xbc\xa2|#\xef\xbc\x91\xef\xbc\x92");
    /* Thai (สวัสดี): every code point, its vowel marks too. */
    CHECK_STR(s_show("\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5"),
              "\xe0\xb8\xaa|\xe0\xb8\xa7|\xe0\xb8\xb1|\xe0\xb8\xaa|\xe0\xb8\x94|\xe0\xb8\xb5");
}

static void test_tokens_numbers_tags(void)
{
    CHECK_STR(s_show("Version 1.2.3, 1,000.50 and v2. Next 3.a"),
              "Version|#1.2.3|#1,000.50|and|v|#2|Next|#3|a");
    CHECK_INT(s_ta.ids[1], VERSO_FUZZY_NUMBER_ID);
    CHECK_INT(s_ta.ids[2], VERSO_FUZZY_NUMBER_ID);
    CHECK_INT(verso_fuzzy_id("#", 1), VERSO_FUZZY_NUMBER_ID);
    CHECK_STR(s_show("MP3 x86_64 3D"), "MP|#3|x|#86|#64|#3|D");
    CHECK_STR(s_show("\xf3\xb0\x80\x80"
                     "Bold\xf3\xb0\x80\x81 text"),
              "Bold|text");
    CHECK_INT(s_ta.marks, 2);
    CHECK_STR(s_ta.punct.data, " ");
    CHECK_INT(s_ta.tok[0].start, 4);
}

/* Text of ASCII and of unspaced scripts skips ICU: its tokens must be the
 * ones ICU's boundaries give, which a Latin letter with an accent at the
 * end brings back. */
static void test_tokens_plain_as_icu(void)
{
    static const char extra[] = "$+<=>^`|~_'.:,;-!?\"/@#%&*()[]{}\x01\x7f";
    int bad = 0;
    for (int round = 0; round < 3000; round++) {
        /* 文 字 ア ー ゛(U+309B) ก ๆ ， 。 ５ 「 */
        static const char *wide[] = {"\xe6\x96\x87", "\xe5\xad\x97", "\xe3\x82\xa2", "\xe3\x83\xbc",
                                     "\xe3\x82\x9b", "\xe0\xb8\x81", "\xe0\xb9\x86", "\xef\xbc\x8c",
                                     "\xe3\x80\x82", "\xef\xbc\x95", "\xe3\x80\x8c"};
        char s[256];
        size_t n = 0, len = 1 + s_rand(60);
        for (size_t i = 0; i < len; i++) {
            uint32_t r = s_rand(round % 2 ? 10 : 12);
            if (r >= 10) {
                const char *w = wide[s_rand(sizeof wide / sizeof *wide)];
                memcpy(s + n, w, strlen(w));
                n += strlen(w);
                continue;
            }
            s[n++] = (char)(r < 5   ? "aZbYc"[s_rand(5)]
                            : r < 7 ? '0' + (char)s_rand(10)
                            : r < 8 ? ' '
                                    : extra[s_rand(sizeof extra - 1)]);
        }
        s[n] = '\0';
        s_tok(s, &s_na, &s_ta);
        char t[300];
        snprintf(t, sizeof t, "%s \xc3\xa9", s_na.data ? s_na.data : "");
        CHECK_INT(verso_fuzzy_tokenize(&s_f, t, strlen(t), &s_tb), VERSO_OK);
        bool same = s_tb.n == s_ta.n + 1 && s_tb.marks == s_ta.marks;
        for (size_t i = 0; same && i < s_ta.n; i++)
            same = !memcmp(&s_ta.tok[i], &s_tb.tok[i], sizeof s_ta.tok[i]) &&
                   s_ta.ids[i] == s_tb.ids[i];
        same = same && !strncmp(s_ta.punct.data, s_tb.punct.data, s_ta.punct.len);
        if (!same && bad++ < 5)
            fprintf(stderr, "tokens without ICU differ from ICU's: \"%s\"\n", s_na.data);
    }
    CHECK_INT(bad, 0);
}

/* ---- distances -------------------------------------------------------------- */

static void s_random_seq(uint32_t *v, size_t n, uint32_t alphabet)
{
    for (size_t i = 0; i < n; i++)
        v[i] = alphabet ? s_rand(alphabet) * 0x01000193u : (uint32_t)s_rng;
}

/* b becomes a with a few random edits. */
static size_t s_mutate(const uint32_t *a, size_t m, uint32_t *b, size_t cap, uint32_t alphabet)
{
    size_t n = 0, edits = s_rand(12);
    for (size_t i = 0; i < m && n < cap; i++) {
        uint32_t r = edits ? s_rand((uint32_t)(m / edits + 1)) : 1;
        if (r == 0 && s_rand(3) == 0)
            continue; /* delete */
        if (r == 0 && s_rand(2) == 0 && n + 1 < cap)
            b[n++] = s_rand(alphabet + 1); /* insert */
        b[n++] = r == 0 && s_rand(2) ? s_rand(alphabet + 1) : a[i];
    }
    return n;
}

/* A text of n one-byte tokens with these ids, over the letter x. */
static void s_fake(verso_fuzzy_text *t, const char *x, const uint32_t *ids, size_t n)
{
    static char bytes[2][512];
    char *s = bytes[x == NULL];
    memset(s, x ? *x : 'y', sizeof bytes[0]);
    verso_fuzzy_text_fini(t);
    verso_fuzzy_text_init(t);
    t->tok = malloc((n + 1) * sizeof *t->tok);
    t->ids = malloc((n + 1) * sizeof *t->ids);
    for (size_t i = 0; i < n; i++) {
        t->tok[i] = (verso_fuzzy_token){(uint32_t)i, (uint32_t)i + 1, 0, VERSO_FUZZY_WORD};
        t->ids[i] = ids[i];
    }
    t->s = s;
    t->len = t->n = t->cap = n;
    CHECK_INT(verso_buf_append(&t->punct, "", 0), VERSO_OK);
    CHECK_INT(verso_buf_append(&t->folded, "", 0), VERSO_OK);
}

static void test_ed_random(void)
{
    static uint32_t a[400], b[400];
    static const uint32_t alphabets[] = {2, 4, 16, 1000, 0};
    int bad_ed = 0, bad_within = 0, bad_align = 0, pairs = 0, long_pairs = 0;
    for (int round = 0; round < 6000; round++) {
        uint32_t alpha = alphabets[round % 5];
        size_t cap = round % 3 == 0 ? 64 : round % 3 == 1 ? 160 : 400;
        size_t m = s_rand((uint32_t)cap), n;
        s_random_seq(a, m, alpha);
        if (round % 2) {
            n = s_rand((uint32_t)cap);
            s_random_seq(b, n, alpha);
        } else {
            n = s_mutate(a, m, b, sizeof b / sizeof *b, alpha ? alpha : 1u << 30);
        }
        size_t want = s_oracle(a, m, b, n), got = 0;
        CHECK_INT(verso_fuzzy_ed(&s_f, a, m, b, n, &got), VERSO_OK);
        bad_ed += got != want;
        size_t ks[] = {want,    want ? want - 1 : 0, want + 1, s_rand((uint32_t)(m + n + 2)), 0,
                       want / 2};
        for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
            bool yes = !(ks[i] >= want); /* the wrong answer, unless written */
            CHECK_INT(verso_fuzzy_within(&s_f, a, m, b, n, ks[i], &yes), VERSO_OK);
            bad_within += yes != (want <= ks[i]);
        }
        if (m <= 200 && n <= 200 && round % 4 == 0) { /* the alignment's table too */
            verso_fuzzy_match fm = {0};
            s_fake(&s_ta, "x", a, m);
            s_fake(&s_tb, NULL, b, n);
            CHECK_INT(verso_fuzzy_compare(&s_f, &s_ta, &s_tb, &fm), VERSO_OK);
            bad_align += fm.ed != want && m + n > 0;
        }
        pairs++;
        long_pairs += m > 128 && n > 128;
    }
    CHECK_INT(bad_ed, 0);
    CHECK_INT(bad_within, 0);
    CHECK_INT(bad_align, 0);
    CHECK(long_pairs > 500);
    fprintf(stderr, "     %d random pairs (%d over 128 tokens each side)\n", pairs, long_pairs);
}

static void test_ed_edges(void)
{
    uint32_t a[300] = {0}, b[300] = {0};
    size_t d = 99;
    CHECK_INT(verso_fuzzy_ed(&s_f, a, 0, b, 0, &d), VERSO_OK);
    CHECK_INT(d, 0);
    for (size_t i = 0; i < 300; i++)
        a[i] = b[i] = (uint32_t)i;
    CHECK_INT(verso_fuzzy_ed(&s_f, a, 300, b, 300, &d), VERSO_OK);
    CHECK_INT(d, 0);
    b[64] = b[128] = b[200] = 9999; /* a change at each block's first row */
    CHECK_INT(verso_fuzzy_ed(&s_f, a, 300, b, 300, &d), VERSO_OK);
    CHECK_INT(d, 3);
    bool yes = false;
    CHECK_INT(verso_fuzzy_within(&s_f, a, 300, b, 300, 3, &yes), VERSO_OK);
    CHECK(yes);
    CHECK_INT(verso_fuzzy_within(&s_f, a, 300, b, 300, 2, &yes), VERSO_OK);
    CHECK(!yes);
    CHECK_INT(verso_fuzzy_within(&s_f, a, 300, b, 10, 289, &yes), VERSO_OK);
    CHECK(!yes); /* the length filter */
    CHECK_INT(verso_fuzzy_ed(&s_f, a, 300, b, 0, &d), VERSO_OK);
    CHECK_INT(d, 300);
    /* The 64th and 65th tokens, where blocks meet. */
    for (size_t m = 60; m <= 70; m++) {
        CHECK_INT(verso_fuzzy_ed(&s_f, a, m, a + 1, m, &d), VERSO_OK);
        CHECK_INT(d, 2);
    }
}

/* ---- scores ----------------------------------------------------------------- */

static void test_score_bound(void)
{
    int bad = 0, bad_range = 0, bad_overlap = 0;
    for (size_t m = 0; m <= 60; m++) {
        for (size_t n = 0; n <= 60; n++) {
            size_t l = m > n ? m : n;
            for (int s = -1; s <= 102; s++) {
                long k = verso_fuzzy_max_ed(m, n, s);
                for (size_t d = 0; d <= l; d++)
                    bad += (verso_fuzzy_base(m, n, d) >= s) != ((long)d <= k);
                size_t lo, hi, diff = m > n ? m - n : n - m;
                verso_fuzzy_len_range(m, s, &lo, &hi);
                bad_range += (n >= lo && n <= hi) != ((long)diff <= k);
                if ((long)diff <= k) /* the fewest shared tokens a candidate may have */
                    bad_overlap += (long)l - k < (long)verso_fuzzy_min_overlap(m, s);
            }
        }
        CHECK_INT(bad, 0);
    }
    CHECK_INT(bad_range, 0);
    CHECK_INT(bad_overlap, 0);
    /* Past 60 tokens, the range's upper end. */
    size_t lo, hi;
    verso_fuzzy_len_range(10, 70, &lo, &hi);
    CHECK_INT(lo, 7);
    CHECK_INT(hi, 14);
    CHECK_INT(verso_fuzzy_max_ed(14, 10, 70), 4);
    CHECK_INT(verso_fuzzy_max_ed(15, 10, 70), 4); /* 15 - 10 > 4: out */
    CHECK_INT(verso_fuzzy_min_overlap(10, 70), 7);
    CHECK_INT(verso_fuzzy_min_overlap(10, 101), 11); /* none can reach 101 */
    CHECK_INT(verso_fuzzy_min_overlap(10, 0), 0);
    /* Where floating point goes wrong: 100 * (1 - 11.0 / 20) is 44.99999999999999. */
    CHECK_INT(verso_fuzzy_base(20, 20, 11), 45);
    CHECK_INT(verso_fuzzy_base(50, 40, 17), 66);
    CHECK_INT(verso_fuzzy_base(10, 10, 3), 70);
    CHECK_INT(verso_fuzzy_base(0, 0, 0), 100);
    CHECK_INT(verso_fuzzy_base(3, 0, 3), 0);
    CHECK_INT(verso_fuzzy_points(VERSO_TEXT_CASE | VERSO_TEXT_NUMBERS), 4);
}

/* ---- differences and penalties ---------------------------------------------- */

#define CHECK_HUNK(h, qs, qe, cs, ce, w)                                                           \
    do {                                                                                           \
        CHECK_INT((h).q_start, qs);                                                                \
        CHECK_INT((h).q_end, qe);                                                                  \
        CHECK_INT((h).c_start, cs);                                                                \
        CHECK_INT((h).c_end, ce);                                                                  \
        CHECK_INT((h).what, w);                                                                    \
    } while (0)

static void test_differences(void)
{
    verso_fuzzy_match m = s_cmp("Save the file now", "Save a file");
    CHECK_INT(m.ed, 2);
    CHECK_INT(m.base, 50);
    CHECK_INT(m.score, 50);
    CHECK_INT(m.nhunks, 2);
    CHECK_HUNK(m.hunks[0], 5, 8, 5, 6, VERSO_FUZZY_EDIT);     /* the -> a */
    CHECK_HUNK(m.hunks[1], 14, 17, 11, 11, VERSO_FUZZY_EDIT); /* now -> (after file) */
    m = s_cmp("Open the file", "Please open the new file");
    CHECK_INT(m.ed, 2);
    CHECK_INT(m.score, 59); /* 60, then case */
    CHECK_INT(m.nhunks, 3);
    CHECK_HUNK(m.hunks[0], 0, 0, 0, 6, VERSO_FUZZY_EDIT);   /* (before Open) -> Please */
    CHECK_HUNK(m.hunks[1], 0, 4, 7, 11, VERSO_TEXT_CASE);   /* Open -> open */
    CHECK_HUNK(m.hunks[2], 8, 8, 16, 19, VERSO_FUZZY_EDIT); /* (after the) -> new */
    m = s_cmp("Page 3 of 10", "Page 4 of 10");
    CHECK_INT(m.score, 97);
    CHECK_INT(m.nhunks, 1);
    CHECK_HUNK(m.hunks[0], 5, 6, 5, 6, VERSO_TEXT_NUMBERS);
    m = s_cmp("Delete 1,000 files in the Trash", "delete 25 files in the trash bin");
    CHECK_INT(m.base, 85); /* one insertion: 100 * 6 / 7 */
    CHECK_INT(m.penalties, VERSO_TEXT_CASE | VERSO_TEXT_NUMBERS);
    CHECK_INT(m.score, 81);
    CHECK_INT(m.nhunks, 4);
    CHECK_HUNK(m.hunks[0], 0, 6, 0, 6, VERSO_TEXT_CASE);
    CHECK_HUNK(m.hunks[1], 7, 12, 7, 9, VERSO_TEXT_NUMBERS);
    CHECK_HUNK(m.hunks[2], 26, 31, 23, 28, VERSO_TEXT_CASE);
    CHECK_HUNK(m.hunks[3], 31, 31, 29, 32, VERSO_FUZZY_EDIT);
    /* Chinese: 打开文件 / 打开新文件 */
    m = s_cmp("\xe6\x89\x93\xe5\xbc\x80\xe6\x96\x87\xe4\xbb\xb6",
              "\xe6\x89\x93\xe5\xbc\x80\xe6\x96\xb0\xe6\x96\x87\xe4\xbb\xb6");
    CHECK_INT(m.score, 80);
    CHECK_INT(m.nhunks, 1);
    CHECK_HUNK(m.hunks[0], 6, 6, 6, 9, VERSO_FUZZY_EDIT);
}

static void test_penalties(void)
{
    verso_fuzzy_match m = s_cmp("Save the File now", "save the file");
    CHECK_INT(m.base, 75);
    CHECK_INT(m.penalties, VERSO_TEXT_CASE);
    CHECK_INT(m.score, 74);
    m = s_cmp("Save the file.", "Save a file!");
    CHECK_INT(m.base, 66);
    CHECK_INT(m.penalties, VERSO_TEXT_PUNCT);
    CHECK_INT(m.score, 64);
    m = s_cmp("Save the file.", "Save a file.");
    CHECK_INT(m.penalties, 0); /* spacing around the edit is not a difference */
    m = s_cmp("Save the big file", "Save the file");
    CHECK_INT(m.penalties, 0);
    m = s_cmp("Save, the file", "Save the new file");
    CHECK_INT(m.penalties, VERSO_TEXT_PUNCT);
    m = s_cmp("Page 3 of 10 pages", "Page 4 of 10");
    CHECK_INT(m.score, 77);
    m = s_cmp("\xf3\xb0\x80\x80"
              "Bold\xf3\xb0\x80\x81 text here",
              "Bold text");
    CHECK_INT(m.penalties, VERSO_TEXT_TAGS);
    CHECK_INT(m.score, 65);
    /* Near-exact: identical, then the classes of text.c, then 100 minus them
     * even where the tokens differ ("the file" / "thefile"). */
    m = s_cmp("Save the file.", "Save the file.");
    CHECK_INT(m.score, 100);
    CHECK_INT(m.penalties, 0);
    m = s_cmp("Save the file.", "save the File:");
    CHECK_INT(m.score, 97);
    m = s_cmp("Save the file", "Save thefile");
    CHECK_INT(m.ed, 2);
    CHECK_INT(m.base, 100);
    CHECK_INT(m.score, 98);
    m = s_cmp("e-mail", "email");
    CHECK_INT(m.score, 98);
    m = s_cmp("Stra\xc3\x9f"
              "e",
              "STRASSE"); /* not near-exact (text.c folds simply): a fuzzy 99 */
    CHECK_INT(m.base, 100);
    CHECK_INT(m.penalties, VERSO_TEXT_CASE);
    m = s_cmp("\xf3\xb0\x80\x80"
              "Bold",
              "Bold\xf3\xb0\x80\x80");
    CHECK_INT(m.penalties, VERSO_TEXT_TAGS); /* a moved tag (text.c) */
    m = s_cmp("...", "!!!");
    CHECK_INT(m.score, 98); /* no tokens on either side: the formula's 100 */
    m = s_cmp("a", "b");
    CHECK_INT(m.score, 0);
    m = s_cmp("", "Save");
    CHECK_INT(m.score, 0);
    CHECK_INT(m.nhunks, 1);
    CHECK_HUNK(m.hunks[0], 0, 0, 0, 4, VERSO_FUZZY_EDIT);
}

/* Long texts: equal tokens need no table; other ones past 2^22 cells get
 * ETOOBIG, and their distance still comes from the bit vectors. */
static void test_long(void)
{
    static char a[20000], b[20000];
    size_t w = 0;
    for (int i = 0; i < 2500; i++)
        w += (size_t)snprintf(a + w, sizeof a - w, "%sw%d", i ? " " : "", i % 50);
    memcpy(b, a, w + 1);
    b[0] = 'W';
    verso_fuzzy_match m = s_cmp(a, b);
    CHECK_INT(m.score, 99);
    CHECK_INT(m.nhunks, 1);
    b[0] = 'x';
    s_tok(a, &s_na, &s_ta);
    s_tok(b, &s_nb, &s_tb);
    CHECK_INT(s_ta.n, 5000); /* "w7": a word and a number */
    CHECK_INT(verso_fuzzy_compare(&s_f, &s_ta, &s_tb, &m), VERSO_ETOOBIG);
    size_t d = 0;
    CHECK_INT(verso_fuzzy_ed(&s_f, s_ta.ids, s_ta.n, s_tb.ids, s_tb.n, &d), VERSO_OK);
    CHECK_INT(d, 1);
}

/* ---- agreement with text.c ---------------------------------------------------- */

static size_t s_decode(const char *s, uint32_t *cp, size_t cap)
{
    size_t n = 0;
    for (int32_t i = 0, len = (int32_t)strlen(s); i < len && n < cap;) {
        UChar32 c;
        U8_NEXT_OR_FFFD((const uint8_t *)s, i, len, c);
        cp[n++] = (uint32_t)c;
    }
    return n;
}

static void s_encode(const uint32_t *cp, size_t n, char *out)
{
    int32_t w = 0;
    for (size_t i = 0; i < n; i++)
        U8_APPEND_UNSAFE(out, w, cp[i]);
    out[w] = '\0';
}

/* One random near-exact-style edit of cp[0..*n). */
static void s_edit(uint32_t *cp, size_t *n, size_t cap)
{
    static const uint32_t punct[] = {'.', ',', ';', ':', '!', '?', '-', '\'', ' ', 0x3002, 0xFF0C};
    size_t at = s_rand((uint32_t)*n + 1);
    int what = (int)s_rand(7);
    if (what == 0 && at < *n && u_isalpha((UChar32)cp[at])) { /* case */
        UChar32 c = (UChar32)cp[at];
        cp[at] = (uint32_t)(u_isupper(c) ? u_tolower(c) : u_toupper(c));
    } else if (what == 1 && at < *n && u_isdigit((UChar32)cp[at])) { /* a digit */
        cp[at] = '0' + s_rand(10);
    } else if ((what == 2 || what == 3) && *n < cap) { /* insert punctuation, space or a tag */
        memmove(cp + at + 1, cp + at, (*n - at) * sizeof *cp);
        cp[at] = what == 2 ? punct[s_rand(sizeof punct / sizeof *punct)] : 0xF0000 + s_rand(3);
        (*n)++;
    } else if (what >= 4 && at < *n && !u_isalnum((UChar32)cp[at])) { /* drop a non-word */
        memmove(cp + at, cp + at + 1, (*n - at - 1) * sizeof *cp);
        (*n)--;
    }
}

static void test_agrees_with_text(void)
{
    static const char *base[] = {
        "Save the file before closing.",
        "Page 3 of 10: 1,234.50 EUR, paid on 2024-05-01!",
        "Die Datei \xe2\x80\x9e"
        "Bericht.odt\xe2\x80\x9c wurde nicht gefunden (Fehler 404).",
        "L'ordinateur n'a pas d\xc3\xa9marr\xc3\xa9 ; r\xc3\xa9"
        "essayez dans 5 minutes.",
        "\xe6\x96\x87\xe4\xbb\xb6\xe3\x80\x8c"
        "a.txt\xe3\x80\x8d\xe5\xb7\xb2\xe4\xbf\x9d"
        "\xe5\xad\x98\xef\xbc\x8c\xe5\x85\xb1 12 \xe9\xa1\xb5\xe3\x80\x82",
        "USB\xe3\x83\xa1\xe3\x83\xa2\xe3\x83\xaa\xe3\x83\xbc\xe3\x82\x92 2 \xe5\x80\x8b"
        "\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\x97\xe3\x81\xa6\xe3\x81\x8f\xe3\x81\xa0\xe3\x81\x95"
        "\xe3\x81\x84\xe3\x80\x82",
        "\xf3\xb0\x80\x80"
        "Click\xf3\xb0\x80\x81 OK, then wait 3.5 s.",
        "Don't e-mail x86_64 builds -- use v2.0 instead.",
    };
    static uint32_t cp[512];
    static char a[2048], b[2048];
    int near = 0, bad = 0, kinds = 0;
    unsigned seen = 0;
    for (int round = 0; round < 4000; round++) {
        const char *src = base[round % (sizeof base / sizeof *base)];
        size_t n = s_decode(src, cp, 400);
        s_encode(cp, n, a);
        for (int e = 1 + (int)s_rand(3); e > 0; e--)
            s_edit(cp, &n, 400);
        s_encode(cp, n, b);
        CHECK_INT(verso_text_norm(a, strlen(a), &s_na), VERSO_OK);
        CHECK_INT(verso_text_norm(b, strlen(b), &s_nb), VERSO_OK);
        unsigned d = verso_text_diff(s_na.data, s_na.len, s_nb.data, s_nb.len);
        verso_fuzzy_match m = {0};
        CHECK_INT(verso_fuzzy_tokenize(&s_f, s_na.data, s_na.len, &s_ta), VERSO_OK);
        CHECK_INT(verso_fuzzy_tokenize(&s_f, s_nb.data, s_nb.len, &s_tb), VERSO_OK);
        CHECK_INT(verso_fuzzy_compare(&s_f, &s_ta, &s_tb, &m), VERSO_OK);
        if (d == VERSO_TEXT_UNLIKE)
            continue;
        near++;
        seen |= d;
        kinds += d != 0 && d != VERSO_TEXT_PUNCT;
        if (m.score != 100 - verso_fuzzy_points(d) || m.penalties != d) {
            bad++;
            fprintf(stderr, "disagree: \"%s\" / \"%s\": text %u, fuzzy %u (%d)\n", s_na.data,
                    s_nb.data, d, m.penalties, m.score);
        }
    }
    CHECK_INT(bad, 0);
    CHECK(near > 1000);
    CHECK_INT(seen, VERSO_TEXT_CASE | VERSO_TEXT_PUNCT | VERSO_TEXT_NUMBERS | VERSO_TEXT_TAGS);
    fprintf(stderr, "     %d near-exact pairs agree (%d with case, numbers or tags)\n", near,
            kinds);
}

int main(void)
{
    verso_buf_init(&s_na, 1 << 20);
    verso_buf_init(&s_nb, 1 << 20);
    verso_fuzzy_text_init(&s_ta);
    verso_fuzzy_text_init(&s_tb);
    if (verso_fuzzy_init(&s_f, "en") != VERSO_OK) {
        fprintf(stderr, "verso_fuzzy_init failed\n");
        return 1;
    }
    RUN(test_tokens_latin);
    RUN(test_tokens_cjk);
    RUN(test_tokens_numbers_tags);
    RUN(test_tokens_plain_as_icu);
    RUN(test_ed_random);
    RUN(test_ed_edges);
    RUN(test_score_bound);
    RUN(test_differences);
    RUN(test_penalties);
    RUN(test_long);
    RUN(test_agrees_with_text);
    verso_fuzzy_fini(&s_f);
    verso_fuzzy_fini(&s_f); /* safe twice */
    verso_fuzzy_text_fini(&s_ta);
    verso_fuzzy_text_fini(&s_tb);
    verso_buf_fini(&s_na);
    verso_buf_fini(&s_nb);
    return t_report();
}
