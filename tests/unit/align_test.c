/*
 * align_test.c - the sentence aligner on small document pairs written for
 * the test (1-1, split, merge, deletion, untranslated paragraph, numbers,
 * zh-en), bad input, and the coverage invariant on random pairs.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "align.h"
#include "harness.h"

static verso_aligner *g_a;
static const verso_lexicon *g_lex; /* for t_align; NULL for none */
static bool g_lex_reversed;

/* Splits "a|b|c" into segments; '#' starts a new paragraph. */
static size_t t_segs(const char *text, verso_align_seg *seg, size_t max)
{
    size_t n = 0;
    uint32_t para = 0;
    const char *p = text;
    while (*p && n < max) {
        if (*p == '#') {
            para++;
            p++;
            continue;
        }
        const char *e = p;
        while (*e && *e != '|' && *e != '#')
            e++;
        seg[n++] = (verso_align_seg){p, (size_t)(e - p), para};
        p = *e == '|' ? e + 1 : e;
    }
    return n;
}

/* Every sentence of both sides exactly once, beads in source order and,
 * but for those marked moved, in target order. */
static int t_covers(const verso_align_bead *b, size_t nb, size_t ns, size_t nt)
{
    static unsigned char seen[1u << 16];
    uint32_t i = 0, j = 0;
    size_t got = 0;
    if (nt > sizeof seen)
        return 0;
    memset(seen, 0, nt);
    for (size_t k = 0; k < nb; k++) {
        if (b[k].src != i || (!b[k].moved && b[k].tgt < j) || (!b[k].nsrc && !b[k].ntgt))
            return 0;
        if (!(b[k].score >= 0 && b[k].score <= 1) || b[k].tgt + b[k].ntgt > nt)
            return 0;
        for (uint32_t q = b[k].tgt; q < b[k].tgt + b[k].ntgt; q++, got++)
            if (seen[q]++)
                return 0;
        i += b[k].nsrc;
        j = b[k].moved ? j : b[k].tgt + b[k].ntgt;
    }
    return i == ns && got == nt;
}

/* Aligns two '|'-separated documents; returns the beads as "[0]:[0] ..." */
static const char *t_align(const char *sl, const char *s, const char *tl, const char *t,
                           const verso_align_bead **beads, size_t *nb)
{
    static char out[4096];
    verso_align_seg src[64], tgt[64];
    size_t ns = t_segs(s, src, 64), nt = t_segs(t, tgt, 64);
    verso_align_opts o = {
        .src_lang = sl, .tgt_lang = tl, .lex = g_lex, .lex_reversed = g_lex_reversed};
    out[0] = '\0';
    if (verso_align(g_a, &o, src, ns, tgt, nt, beads, nb) != VERSO_OK)
        return "error";
    CHECK(t_covers(*beads, *nb, ns, nt));
    size_t len = 0;
    for (size_t k = 0; k < *nb && len < sizeof out - 64; k++) {
        const verso_align_bead *b = &(*beads)[k];
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%u+%u:%u+%u", k ? " " : "", b->src,
                                b->nsrc, b->tgt, b->ntgt);
    }
    return out;
}

static void test_one_to_one(void)
{
    const verso_align_bead *b;
    size_t nb;
    CHECK_STR(t_align("de", "Der Berg ist hoch.|Wir gingen am Morgen los.|Das Wetter war gut.",
                      "fr", "La montagne est haute.|Nous partîmes le matin.|Il faisait beau.", &b,
                      &nb),
              "0+1:0+1 1+1:1+1 2+1:2+1");
    CHECK(b[0].score > 0.5);
}

static const char *s_de =
    "Die Expedition erreichte das Basislager am 12. Mai.|"
    "Am nächsten Tag begann der Aufstieg über den Gletscher, der von tiefen Spalten "
    "durchzogen war und viel Zeit kostete.|"
    "Das Wetter blieb unbeständig.|"
    "Erst am 20. Mai stand Lager III auf 7100 Metern.|"
    "Zwei Sherpas erkrankten und mussten absteigen.";

static void test_split_and_merge(void)
{
    const verso_align_bead *b;
    size_t nb;
    const char *fr_split = "L'expédition atteignit le camp de base le 12 mai.|"
                           "Le lendemain commença la montée sur le glacier.|"
                           "Il était traversé de profondes crevasses et demanda beaucoup de temps.|"
                           "Le temps resta instable.|"
                           "Le camp III ne fut installé à 7100 mètres que le 20 mai.|"
                           "Deux sherpas tombèrent malades et durent redescendre.";
    CHECK_STR(t_align("de", s_de, "fr", fr_split, &b, &nb),
              "0+1:0+1 1+1:1+2 2+1:3+1 3+1:4+1 4+1:5+1");
    /* The same pair the other way round: a 2-1 bead. */
    CHECK_STR(t_align("fr", fr_split, "de", s_de, &b, &nb),
              "0+1:0+1 1+2:1+1 3+1:2+1 4+1:3+1 5+1:4+1");
}

/* One long sentence translated as four short ones: a 1-4 bead. */
static void test_one_to_four(void)
{
    const verso_align_bead *b;
    size_t nb;
    const char *de = "Die Expedition erreichte das Basislager am 12. Mai.|"
                     "Am nächsten Tag begann der Aufstieg über den Gletscher, der von tiefen "
                     "Spalten durchzogen war, viel Zeit kostete, zwei Träger erschöpfte und die "
                     "Mannschaft bis zum Abend in Atem hielt.|"
                     "Das Wetter blieb unbeständig.|"
                     "Erst am 20. Mai stand Lager III auf 7100 Metern.";
    const char *fr = "L'expédition atteignit le camp de base le 12 mai.|"
                     "Le lendemain commença la montée sur le glacier.|"
                     "Il était traversé de profondes crevasses et demanda beaucoup de temps.|"
                     "Deux porteurs furent épuisés.|"
                     "L'équipe resta en haleine jusqu'au soir.|"
                     "Le temps resta instable.|"
                     "Le camp III ne fut installé à 7100 mètres que le 20 mai.";
    CHECK_STR(t_align("de", de, "fr", fr, &b, &nb), "0+1:0+1 1+1:1+4 2+1:5+1 3+1:6+1");
}

static void test_missing_sentence(void)
{
    const verso_align_bead *b;
    size_t nb;
    /* The long fourth sentence has no translation. */
    const char *fr = "L'expédition atteignit le camp de base le 12 mai.|"
                     "Le lendemain commença la montée sur le glacier, traversé de profondes "
                     "crevasses, ce qui demanda beaucoup de temps.|"
                     "Le temps resta instable.|"
                     "Deux sherpas tombèrent malades et durent redescendre.";
    /* Known limitation (docs/ALIGNMENT.md): next to a short neighbour, the
     * untranslated sentence is absorbed into a 2-1 bead rather than left
     * 1-0; the bead's low confidence keeps it out of the TM. */
    CHECK_STR(t_align("de", s_de, "fr", fr, &b, &nb), "0+1:0+1 1+1:1+1 2+1:2+1 3+2:3+1");
    CHECK(b[3].score < 0.5);
    CHECK(b[0].score > 0.5);
}

/* A short heading the translation lacks ("Literatur:"), next to a
 * sentence that is translated: joined to it or left alone, it is not
 * trusted, for the bead without it costs about as little. */
static void test_untranslated_heading_not_trusted(void)
{
    const verso_align_bead *b;
    size_t nb;
    const char *de = "Die Expedition erreichte das Basislager am 12. Mai.|"
                     "Das Wetter blieb unbeständig.|"
                     "Literatur:|"
                     "Erst am 20. Mai stand Lager III auf 7100 Metern.|"
                     "Zwei Sherpas erkrankten und mussten absteigen.";
    const char *fr = "L'expédition atteignit le camp de base le 12 mai.|"
                     "Le temps resta instable.|"
                     "Le camp III ne fut installé à 7100 mètres que le 20 mai.|"
                     "Deux sherpas tombèrent malades et durent redescendre.";
    t_align("de", de, "fr", fr, &b, &nb);
    for (size_t k = 0; k < nb; k++) {
        bool heading = b[k].src <= 2 && b[k].src + b[k].nsrc > 2;
        if (heading)
            CHECK(b[k].score < 0.5);
        else if (b[k].nsrc && b[k].ntgt)
            CHECK(b[k].score >= 0.5);
    }
}

static void test_untranslated_paragraph(void)
{
    const verso_align_bead *b;
    size_t nb;
    const char *de = "Der Berg ist hoch.|Wir gingen am Morgen los.#"
                     "Dieser Absatz fehlt in der Übersetzung.|Er hat drei Sätze.|"
                     "Der letzte ist etwas länger als die anderen beiden.#"
                     "Das Wetter war gut.|Am Abend kamen wir zurück.";
    const char *fr = "La montagne est haute.|Nous partîmes le matin.#"
                     "Il faisait beau.|Le soir, nous sommes rentrés.";
    /* Known limitation: the paragraph after the gap comes out right; the
     * one before it does not, as the first pass takes the length ratio of
     * the whole documents, which the untranslated paragraph skews. */
    t_align("de", de, "fr", fr, &b, &nb);
    CHECK(nb >= 3);
    CHECK(b[nb - 1].src == 6 && b[nb - 1].nsrc == 1 && b[nb - 1].tgt == 3 && b[nb - 1].ntgt == 1);
    CHECK(b[nb - 2].src == 5 && b[nb - 2].nsrc == 1 && b[nb - 2].tgt == 2 && b[nb - 2].ntgt == 1);
}

/* Sentences whose words the list translates: same beads, higher
 * confidence, in either direction of the pair. */
static void test_lexicon(void)
{
    const verso_align_bead *b;
    size_t nb;
    verso_lexicon *lex = NULL;
    static const char *const pairs[][2] = {{"mountain", "山"}, {"high", "高"},     {"river", "河"},
                                           {"long", "长"},     {"forest", "森林"}, {"dark", "黑"},
                                           {"dark", "暗"}};
    CHECK_INT(verso_lexicon_new(&lex), VERSO_OK);
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
        CHECK_INT(verso_lexicon_add(lex, pairs[k][0], strlen(pairs[k][0]), pairs[k][1],
                                    strlen(pairs[k][1])),
                  VERSO_OK);
    CHECK_INT(verso_lexicon_freeze(lex), VERSO_OK);
    const char *en = "The mountain is very high.|The river is very long.|The forest is very dark.";
    const char *zh = "这座山很高。|那条河很长。|那片森林很黑暗。";
    const char *want = "0+1:0+1 1+1:1+1 2+1:2+1";
    double plain[3];
    CHECK_STR(t_align("en", en, "zh", zh, &b, &nb), want);
    for (int k = 0; k < 3; k++)
        plain[k] = b[k].score;
    g_lex = lex;
    CHECK_STR(t_align("en", en, "zh", zh, &b, &nb), want);
    for (int k = 0; k < 3; k++)
        CHECK(b[k].score > plain[k]);
    g_lex = NULL;
    CHECK_STR(t_align("zh", zh, "en", en, &b, &nb), want);
    for (int k = 0; k < 3; k++)
        plain[k] = b[k].score;
    g_lex = lex;
    g_lex_reversed = true; /* the list's first column is the target language */
    CHECK_STR(t_align("zh", zh, "en", en, &b, &nb), want);
    for (int k = 0; k < 3; k++)
        CHECK(b[k].score > plain[k]);
    g_lex_reversed = false;
    /* Words the list does not know change nothing. */
    const char *zh2 = "这座屋很大。|那条路很宽。|那片田很绿。";
    CHECK_STR(t_align("en", en, "zh", zh2, &b, &nb), want);
    double other = b[0].score;
    g_lex = NULL;
    CHECK_STR(t_align("en", en, "zh", zh2, &b, &nb), want);
    CHECK(b[0].score == other);
    verso_lexicon_destroy(&lex);
}

/* A missing sentence in a document of invented words (no cognates, no
 * word list), whose words recur with the same partners: the aligner
 * learns them from its first pass and so locates the gap exactly (length
 * alone shifts it by a sentence or two). Known limitation: the missing
 * sentence is joined to its true neighbour in a 2-1 bead of low
 * confidence rather than left 1-0 (docs/ALIGNMENT.md). */
static void test_learned_links(void)
{
    static char sbuf[40][64], tbuf[40][64];
    static verso_align_seg src[40], tgt[39];
    char sw[24][6], tw[24][6];
    uint32_t r = 12345;
    for (int w = 0; w < 24; w++)
        for (int k = 0; k < 5; k++) {
            r = r * 1103515245u + 12345u;
            sw[w][k] = (char)('a' + (r >> 16) % 13); /* a-m */
            r = r * 1103515245u + 12345u;
            tw[w][k] = (char)('n' + (r >> 16) % 13); /* n-z */
            sw[w][5] = tw[w][5] = '\0';
        }
    for (int i = 0; i < 40; i++) {
        size_t ls = 0, lt = 0;
        for (int k = 0; k < 3 + (i * 5) % 7; k++) {
            int w = (i * 7 + k * 5) % 24;
            ls += (size_t)snprintf(sbuf[i] + ls, sizeof sbuf[i] - ls, "%s%s", k ? " " : "", sw[w]);
            lt += (size_t)snprintf(tbuf[i] + lt, sizeof tbuf[i] - lt, "%s%s", k ? " " : "", tw[w]);
        }
        src[i] = (verso_align_seg){sbuf[i], ls, 0};
        if (i != 20)
            tgt[i < 20 ? i : i - 1] = (verso_align_seg){tbuf[i], lt, 0};
    }
    const verso_align_bead *b;
    size_t nb;
    verso_align_opts o = {.src_lang = "xx", .tgt_lang = "yy"};
    CHECK_INT(verso_align(g_a, &o, src, 40, tgt, 39, &b, &nb), VERSO_OK);
    CHECK(t_covers(b, nb, 40, 39));
    /* Source sentence i is with target i (i < 20) or i - 1 (i > 20). */
    for (size_t k = 0; k < nb; k++) {
        bool gap = b[k].src <= 20 && b[k].src + b[k].nsrc > 20;
        if (!gap) {
            CHECK(b[k].nsrc == 1 && b[k].ntgt == 1 && b[k].score > 0.5);
            CHECK_INT(b[k].tgt, b[k].src < 20 ? b[k].src : b[k].src - 1);
        } else {
            CHECK(b[k].score < 0.5 && b[k].nsrc <= 2 && b[k].ntgt <= 1);
            CHECK(b[k].ntgt == 0 || b[k].tgt == (b[k].src < 20 ? b[k].src : 19u));
        }
    }
}

static void test_numbers(void)
{
    const verso_align_bead *b;
    size_t nb;
    /* Equal lengths everywhere: only the numbers tell which is which,
     * and "9.42" is "9,42". */
    const char *de = "Der Preis lag bei 9.42 Franken.|Es gab nur 3 Plätze.|"
                     "Die Reise dauerte 17 Tage.";
    const char *fr = "Le prix était de 9,42 francs.|Il n'y avait que 3 places.|"
                     "Le voyage dura 17 jours.";
    CHECK_STR(t_align("de", de, "fr", fr, &b, &nb), "0+1:0+1 1+1:1+1 2+1:2+1");
    double agree = b[2].score;
    const char *fr2 = "Le prix était de 9,42 francs.|Il n'y avait que 3 places.|"
                      "Le voyage dura 71 jours.";
    CHECK_STR(t_align("de", de, "fr", fr2, &b, &nb), "0+1:0+1 1+1:1+1 2+1:2+1");
    CHECK(b[2].score < agree); /* numbers that disagree lower the confidence */
}

static void test_zh_en(void)
{
    const verso_align_bead *b;
    size_t nb;
    const char *en = "In 1953 the first ascent of Mount Everest succeeded.|"
                     "The weather was bad for many days, and the climbers waited in the camp.|"
                     "Why did they not give up?|"
                     "They believed that the summit could be reached.";
    const char *zh = "1953年，珠穆朗玛峰首次登顶成功。|"
                     "许多天天气恶劣，登山者在营地里等待。|"
                     "他们为什么没有放弃？|"
                     "他们相信能够登上顶峰。";
    CHECK_STR(t_align("en", en, "zh", zh, &b, &nb), "0+1:0+1 1+1:1+1 2+1:2+1 3+1:3+1");
}

static void test_bad_input(void)
{
    const verso_align_bead *b = NULL;
    size_t nb = 99;
    verso_align_seg one = {"Ein Satz.", 9, 0};
    CHECK_INT(verso_align(g_a, NULL, NULL, 0, NULL, 0, &b, &nb), VERSO_OK);
    CHECK_INT(nb, 0);
    CHECK_INT(verso_align(g_a, NULL, &one, 1, NULL, 0, &b, &nb), VERSO_OK);
    CHECK_INT(nb, 1);
    CHECK(b[0].nsrc == 1 && b[0].ntgt == 0);
    CHECK_INT(verso_align(g_a, NULL, NULL, 0, &one, 1, &b, &nb), VERSO_OK);
    CHECK(nb == 1 && b[0].nsrc == 0 && b[0].ntgt == 1);
    CHECK_INT(verso_align(g_a, NULL, NULL, 1, &one, 1, &b, &nb), VERSO_EINVAL);
    CHECK_INT(verso_align(NULL, NULL, &one, 1, &one, 1, &b, &nb), VERSO_EINVAL);
    CHECK_INT(verso_align(g_a, NULL, &one, 1, &one, 1, NULL, &nb), VERSO_EINVAL);
    verso_align_seg nullp = {NULL, 3, 0};
    CHECK_INT(verso_align(g_a, NULL, &nullp, 1, &one, 1, &b, &nb), VERSO_EINVAL);
    CHECK_INT(verso_align(g_a, NULL, &one, VERSO_ALIGN_MAX + 1, &one, 1, &b, &nb), VERSO_ETOOBIG);
    /* Invalid UTF-8 and empty sentences are counted, not trusted. */
    verso_align_seg bad[3] = {{"\xff\xfe\xc3", 3, 0}, {"", 0, 0}, {"\xe4\xb8", 2, 0}};
    CHECK_INT(verso_align(g_a, NULL, bad, 3, bad, 2, &b, &nb), VERSO_OK);
    CHECK(t_covers(b, nb, 3, 2));
}

/* A tiny deterministic generator (xorshift). */
static uint32_t g_seed = 2463534242u;
static uint32_t t_rand(void)
{
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 17;
    g_seed ^= g_seed << 5;
    return g_seed;
}

static char g_text[2][400000];

static size_t t_random_doc(int side, verso_align_seg *seg, size_t n)
{
    static const char *const words[] = {"Berg", "9,42",     "le",   "Gletscher", "?", "Everest",
                                        "und",  "montagne", "1956", "峰",        "(", "Sherpa"};
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t start = off, nw = t_rand() % 12;
        for (size_t w = 0; w < nw && off < sizeof g_text[0] - 32; w++)
            off += (size_t)snprintf(g_text[side] + off, 32, "%s ", words[t_rand() % 12]);
        seg[i] = (verso_align_seg){g_text[side] + start, off - start, (uint32_t)(i / 7)};
    }
    return n;
}

static void test_random_coverage(void)
{
    static verso_align_seg src[800], tgt[800];
    for (int round = 0; round < 40; round++) {
        size_t ns = t_rand() % (round < 30 ? 60 : 800), nt = t_rand() % (round < 30 ? 60 : 800);
        t_random_doc(0, src, ns);
        t_random_doc(1, tgt, nt);
        const verso_align_bead *b;
        size_t nb;
        verso_align_opts o = {.src_lang = "de", .tgt_lang = round % 2 ? "zh" : "fr"};
        CHECK_INT(verso_align(g_a, &o, src, ns, tgt, nt, &b, &nb), VERSO_OK);
        CHECK(t_covers(b, nb, ns, nt));
    }
}

static void test_lopsided(void)
{
    static verso_align_seg src[3], tgt[300];
    t_random_doc(0, src, 3);
    t_random_doc(1, tgt, 300);
    const verso_align_bead *b;
    size_t nb;
    verso_err e = verso_align(g_a, NULL, src, 3, tgt, 300, &b, &nb);
    CHECK_INT(e, VERSO_OK);
    CHECK(!e && t_covers(b, nb, 3, 300));
    e = verso_align(g_a, NULL, tgt, 300, src, 3, &b, &nb);
    CHECK_INT(e, VERSO_OK);
    CHECK(!e && t_covers(b, nb, 300, 3));
}

/* ---- long documents: the failure classes of real books ---------------- */

/* A synthetic book: source sentence i has g_len[i] letters of a-m, its
 * translation as many letters of n-z (5% either way), in words of 2 to 9
 * letters; no anchors, so the length model alone must keep the place. */
#define T_BOOK 1200
static char g_book[2][T_BOOK * 3][160];
static size_t g_len[T_BOOK];

static size_t t_words(char *out, size_t n, char base)
{
    size_t k = 0;
    while (k < n) {
        size_t w = 2 + t_rand() % 8;
        for (size_t c = 0; c < w && k < n; c++)
            out[k++] = (char)(base + (char)(t_rand() % 13));
        if (k < n)
            out[k++] = ' ';
    }
    out[k] = '\0';
    return k;
}

static void t_book_lengths(size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_len[i] = 15 + t_rand() % 120;
}

/* A target sentence of source sentence i into slot: num / den of its
 * length. */
static verso_align_seg t_target(size_t slot, size_t i, size_t num, size_t den)
{
    size_t n = g_len[i] * num * (95 + t_rand() % 11) / 100 / den;
    n = n ? n : 1;
    return (verso_align_seg){g_book[1][slot], t_words(g_book[1][slot], n, 'n'), 0};
}

static verso_align_seg t_source(size_t i)
{
    return (verso_align_seg){g_book[0][i], t_words(g_book[0][i], g_len[i], 'a'), 0};
}

/* Counts the beads of b that pair source i with exactly expected[i]
 * (first target, count) for i in [from, to). */
static size_t t_right(const verso_align_bead *b, size_t nb, const uint32_t (*want)[2], size_t from,
                      size_t to)
{
    size_t ok = 0;
    for (size_t k = 0; k < nb; k++)
        if (b[k].nsrc == 1 && b[k].src >= from && b[k].src < to && b[k].tgt == want[b[k].src][0] &&
            b[k].ntgt == want[b[k].src][1])
            ok++;
    return ok;
}

/* 400 sentences 1-1, 400 each translated as two lines, 400 1-1 again:
 * the search keeps its place through a long stretch of 1-2 beads. (On the
 * Bible en-zh, 1 Chronicles 6, where the two lines are also longer than
 * the verse, the beam search lost it for good; bench/align_eval.sh.) */
static void test_ratio_change_keeps_sync(void)
{
    static verso_align_seg src[T_BOOK], tgt[T_BOOK * 2];
    static uint32_t want[T_BOOK][2];
    t_book_lengths(T_BOOK);
    size_t nt = 0;
    for (size_t i = 0; i < T_BOOK; i++) {
        src[i] = t_source(i);
        size_t parts = i >= 400 && i < 800 ? 2 : 1;
        want[i][0] = (uint32_t)nt;
        want[i][1] = (uint32_t)parts;
        for (size_t f = 0; f < parts; f++, nt++)
            tgt[nt] = t_target(nt, i, 1, parts);
    }
    const verso_align_bead *b;
    size_t nb;
    verso_align_opts o = {.src_lang = "xx", .tgt_lang = "yy"};
    CHECK_INT(verso_align(g_a, &o, src, T_BOOK, tgt, nt, &b, &nb), VERSO_OK);
    CHECK(t_covers(b, nb, T_BOOK, nt));
    CHECK(t_right(b, nb, (const uint32_t(*)[2])want, 0, 400) >= 390);
    CHECK(t_right(b, nb, (const uint32_t(*)[2])want, 400, 800) >= 380);
    CHECK(t_right(b, nb, (const uint32_t(*)[2])want, 800, T_BOOK) >= 390);
}

/* Sentences of one length with nothing else to tell them apart, one of
 * them untranslated: where its gap goes is anyone's guess, so the 1-1
 * beads around it are not trusted, though each looks perfect alone; the
 * sentences of varied lengths before and after are. */
static void test_ambiguous_stretch_not_trusted(void)
{
    static verso_align_seg src[60], tgt[60];
    t_book_lengths(60);
    for (size_t i = 20; i < 40; i++)
        g_len[i] = 50;
    size_t nt = 0;
    for (size_t i = 0; i < 60; i++) {
        src[i] = t_source(i);
        if (i != 30) {
            tgt[nt] = t_target(nt, i, 1, 1);
            nt++;
        }
    }
    const verso_align_bead *b;
    size_t nb, sure_out = 0, sure_in = 0, in = 0;
    verso_align_opts o = {.src_lang = "xx", .tgt_lang = "yy"};
    CHECK_INT(verso_align(g_a, &o, src, 60, tgt, nt, &b, &nb), VERSO_OK);
    CHECK(t_covers(b, nb, 60, nt));
    for (size_t k = 0; k < nb; k++) {
        if (b[k].nsrc != 1 || b[k].ntgt != 1)
            continue;
        bool inside = b[k].src >= 22 && b[k].src < 38;
        in += inside;
        sure_in += inside && b[k].score >= 0.5;
        sure_out += (b[k].src < 15 || b[k].src >= 45) && b[k].score >= 0.5;
    }
    CHECK(in >= 10);
    CHECK(sure_in <= in / 4);
    CHECK(sure_out >= 20);
}

/* A synthetic book with a vocabulary: word k of the source (letters a-m)
 * translates as word k of the target (letters n-z), words drawn with a
 * Zipf-like skew and three in ten dropped from the translation, so that the
 * aligner learns word links from its first pass as it does on real text.
 * Sentence k of the pool has 4 to 23 words; t_vsent renders it. */
#define T_VOCAB 2000
#define T_POOL  1800
#define T_DROP  3 /* in 10 words of a sentence left out of its translation */
static char g_vocab[2][T_VOCAB][10];
static uint16_t g_vwords[T_POOL][24];
static uint8_t g_vn[T_POOL];
static char g_vtext[2][T_POOL][256];

static void t_vocab_book(void)
{
    for (int side = 0; side < 2; side++)
        for (size_t k = 0; k < T_VOCAB; k++)
            t_words(g_vocab[side][k], 3 + t_rand() % 6, side ? 'n' : 'a');
    for (size_t i = 0; i < T_POOL; i++) {
        g_vn[i] = (uint8_t)(4 + t_rand() % 20);
        for (size_t w = 0; w < g_vn[i]; w++) {
            double u = (double)(t_rand() % 10000) / 10000.0;
            g_vwords[i][w] = (uint16_t)(T_VOCAB * u * u * u);
        }
    }
}

/* Sentence i of the pool on side (0 source, 1 its translation). */
static verso_align_seg t_vsent(int side, size_t i)
{
    char *out = g_vtext[side][i];
    size_t n = 0;
    for (size_t w = 0; w < g_vn[i]; w++) {
        if (side && t_rand() % 10 < T_DROP)
            continue;
        n +=
            (size_t)snprintf(out + n, 256 - n, "%s%s", n ? " " : "", g_vocab[side][g_vwords[i][w]]);
    }
    return (verso_align_seg){out, n, 0};
}

/* Aligns the pool sentences srcs[0..ns) with the translations of
 * tgts[0..nt) (an index of the pool each) and counts, among source
 * sentences [from, to), those paired 1-1 with their own translation and
 * those left alone (1-0); *alone_t gets the target sentences left alone
 * (0-1) among targets [from_t, to_t). */
typedef struct t_plan {
    size_t srcs[T_POOL], tgts[T_POOL], ns, nt;
} t_plan;

static void t_vplan_run(const t_plan *p, const verso_align_bead **b, size_t *nb)
{
    static verso_align_seg src[T_POOL], tgt[T_POOL];
    for (size_t i = 0; i < p->ns; i++)
        src[i] = t_vsent(0, p->srcs[i]);
    for (size_t j = 0; j < p->nt; j++)
        tgt[j] = t_vsent(1, p->tgts[j]);
    verso_align_opts o = {.src_lang = "xx", .tgt_lang = "yy"};
    CHECK_INT(verso_align(g_a, &o, src, p->ns, tgt, p->nt, b, nb), VERSO_OK);
    CHECK(t_covers(*b, *nb, p->ns, p->nt));
}

/* Of the beads of source sentences [from, to): those pairing a sentence
 * 1-1 with its own translation (*right) and those leaving it alone (*alone). */
static void t_vcount(const t_plan *p, const verso_align_bead *b, size_t nb, size_t from, size_t to,
                     size_t *right, size_t *alone)
{
    *right = *alone = 0;
    for (size_t k = 0; k < nb; k++) {
        if (b[k].src < from || b[k].src >= to || b[k].nsrc != 1)
            continue;
        *alone += b[k].ntgt == 0;
        *right += b[k].ntgt == 1 && p->tgts[b[k].tgt] == p->srcs[b[k].src];
    }
}

/* Target sentences [from, to) left alone (0-1 beads). */
static size_t t_valone_tgt(const verso_align_bead *b, size_t nb, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t k = 0; k < nb; k++)
        n += !b[k].nsrc && b[k].ntgt == 1 && b[k].tgt >= from && b[k].tgt < to;
    return n;
}

/* 1,500 sentences whose translation lacks 150 in the middle: the 150 are
 * left alone and the book on either side stays paired. (Before the second
 * pass searched afresh and gap runs got cheaper, the path drifted across
 * hundreds of sentences to avoid the run of 1-0 beads.) */
static void test_untranslated_block_keeps_sync(void)
{
    static t_plan p;
    p.ns = p.nt = 0;
    for (size_t i = 0; i < 1500; i++) {
        p.srcs[p.ns++] = i;
        if (i < 600 || i >= 750)
            p.tgts[p.nt++] = i;
    }
    const verso_align_bead *b;
    size_t nb, right, alone;
    t_vplan_run(&p, &b, &nb);
    t_vcount(&p, b, nb, 0, 600, &right, &alone);
    CHECK(right >= 590);
    t_vcount(&p, b, nb, 600, 750, &right, &alone);
    CHECK(alone >= 140);
    t_vcount(&p, b, nb, 750, 1500, &right, &alone);
    CHECK(right >= 740);
}

/* The same book with 150 untranslated sentences inserted in the target
 * (translations of sentences the source does not have). */
static void test_inserted_block_keeps_sync(void)
{
    static t_plan p;
    p.ns = p.nt = 0;
    for (size_t i = 0; i < 1500; i++) {
        p.srcs[p.ns++] = i;
        p.tgts[p.nt++] = i;
        for (size_t k = 0; i == 900 && k < 150; k++)
            p.tgts[p.nt++] = 1500 + k;
    }
    const verso_align_bead *b;
    size_t nb, right, alone;
    t_vplan_run(&p, &b, &nb);
    t_vcount(&p, b, nb, 0, 900, &right, &alone);
    CHECK(right >= 890);
    CHECK(t_valone_tgt(b, nb, 901, 1051) >= 140);
    t_vcount(&p, b, nb, 901, 1500, &right, &alone);
    CHECK(right >= 590);
}

/* The same book with two blocks of 100 sentences traded places in the
 * target (a reordered chapter): both blocks are paired, one of them out
 * of order, its beads marked moved, and nothing else is. A monotone
 * alignment can pair only one of them: before align_move.c the other was
 * left alone on both sides. */
static void test_swapped_blocks(void)
{
    static t_plan p;
    p.ns = p.nt = 0;
    for (size_t i = 0; i < 1500; i++) {
        p.srcs[p.ns++] = i;
        p.tgts[p.nt++] = i < 600 || i >= 800 ? i : i < 700 ? i + 100 : i - 100;
    }
    const verso_align_bead *b;
    size_t nb, right, alone, moved = 0, stray = 0;
    t_vplan_run(&p, &b, &nb);
    t_vcount(&p, b, nb, 600, 700, &right, &alone);
    CHECK(right >= 95);
    t_vcount(&p, b, nb, 700, 800, &right, &alone);
    CHECK(right >= 95);
    t_vcount(&p, b, nb, 800, 1500, &right, &alone);
    CHECK(right >= 690);
    for (size_t k = 0; k < nb; k++) {
        moved += b[k].moved && b[k].src >= 595 && b[k].src < 805;
        stray += b[k].moved && (b[k].src < 595 || b[k].src >= 805);
    }
    CHECK(moved >= 95);
    CHECK_INT(stray, 0);
}

/* A book with 100 source sentences untranslated and, elsewhere, 100
 * target sentences of other text: the two runs stay alone; lengths
 * alone would pair them for less than leaving them alone costs, so a
 * pairing needs anchors (align_move.c: s_supported). */
static void test_unrelated_runs_stay_alone(void)
{
    static t_plan p;
    p.ns = p.nt = 0;
    for (size_t i = 0; i < 1500; i++) {
        p.srcs[p.ns++] = i;
        if (i < 300 || i >= 400)
            p.tgts[p.nt++] = i;
        for (size_t k = 0; i == 1000 && k < 100; k++)
            p.tgts[p.nt++] = 1500 + k;
    }
    const verso_align_bead *b;
    size_t nb, right, alone, moved = 0;
    t_vplan_run(&p, &b, &nb);
    t_vcount(&p, b, nb, 300, 400, &right, &alone);
    CHECK(alone >= 95);
    for (size_t k = 0; k < nb; k++)
        moved += b[k].moved;
    CHECK_INT(moved, 0);
}

int main(void)
{
    CHECK_INT(verso_aligner_new(&g_a), VERSO_OK);
    RUN(test_one_to_one);
    RUN(test_split_and_merge);
    RUN(test_one_to_four);
    RUN(test_missing_sentence);
    RUN(test_untranslated_paragraph);
    RUN(test_untranslated_heading_not_trusted);
    RUN(test_lexicon);
    RUN(test_learned_links);
    RUN(test_numbers);
    RUN(test_zh_en);
    RUN(test_bad_input);
    RUN(test_random_coverage);
    RUN(test_lopsided);
    RUN(test_ratio_change_keeps_sync);
    RUN(test_ambiguous_stretch_not_trusted);
    g_seed = 2463534243u; /* the book below does not depend on the tests above */
    t_vocab_book();
    RUN(test_untranslated_block_keeps_sync);
    RUN(test_inserted_block_keeps_sync);
    RUN(test_swapped_blocks);
    RUN(test_unrelated_runs_stay_alone);
    verso_aligner_destroy(&g_a);
    verso_aligner_destroy(&g_a);
    return t_report();
}
