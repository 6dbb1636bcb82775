/*
 * fuzz_tmx.c - libFuzzer target for the TMX reader and writer: any bytes,
 * read in one feed and again in feeds of 1..16 bytes (the first byte picks).
 * Aborts unless both readings give the same TUs and errors, every mark in a
 * text has its tag, what the reader keeps beyond the fields (attributes,
 * note and prop elements, the header) passes the writer's own checks, and
 * every usable TU (no problem, all tags valid) is written without error and
 * reads back identical. Each TU is also mapped to entries as an import
 * does (common/tmx_import.h): every entry packs into one msgpack map whose
 * src and tgt are the tuvs' texts, and its kept XML stays within an
 * entry's limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "tmx.h"
#include "tmx_import.h"
#include "verso/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_put(verso_buf *b, verso_tmx_str s)
{
    verso_buf_printf(b, "%zu:", s.n);
    verso_buf_append(b, s.p, s.n);
}

static void s_digest(verso_buf *b, const verso_tmx_tu *tu, bool with_line)
{
    s_put(b, tu->tuid);
    s_put(b, tu->creationid);
    s_put(b, tu->changeid);
    s_put(b, tu->srclang);
    s_put(b, tu->note);
    verso_buf_printf(b, "%lld %lld %llu %zu %zu ", (long long)tu->created, (long long)tu->changed,
                     (unsigned long long)tu->usage, tu->nprops, tu->ntuvs);
    for (size_t i = 0; i < tu->nprops; i++) {
        s_put(b, tu->props[i].type);
        s_put(b, tu->props[i].value);
    }
    for (size_t i = 0; i < tu->ntuvs; i++) {
        s_put(b, tu->tuvs[i].lang);
        s_put(b, tu->tuvs[i].text);
        verso_buf_printf(b, "%zu ", tu->tuvs[i].ntags);
        for (size_t k = 0; k < tu->tuvs[i].ntags; k++)
            s_put(b, tu->tuvs[i].tags[k]);
    }
    if (with_line) { /* the kept XML too (a written TU orders its attributes anew) */
        s_put(b, tu->attrs);
        s_put(b, tu->body);
        for (size_t i = 0; i < tu->ntuvs; i++) {
            s_put(b, tu->tuvs[i].attrs);
            s_put(b, tu->tuvs[i].body);
        }
    }
    verso_buf_printf(b, "%lu %s\n", with_line ? tu->line : 0, tu->problem ? tu->problem : "-");
}

/* What the reader keeps, the writer accepts. */
static void s_kept_ok(const verso_tmx_tu *tu)
{
    if (!verso_tmx_attrs_valid(tu->attrs) || !verso_tmx_kept_valid(tu->body, VERSO_TMX_KEPT_BODY))
        abort();
    for (size_t i = 0; i < tu->ntuvs; i++)
        if (!verso_tmx_attrs_valid(tu->tuvs[i].attrs) ||
            !verso_tmx_kept_valid(tu->tuvs[i].body, VERSO_TMX_KEPT_BODY))
            abort();
}

/* Every U+F0000 + k in the text has k < ntags. */
static bool s_marks_ok(const verso_tmx_tuv *tuv)
{
    const unsigned char *p = (const unsigned char *)tuv->text.p;
    for (size_t i = 0; i + 3 < tuv->text.n; i++) {
        if (p[i] != 0xF3 || p[i + 1] < 0xB0)
            continue;
        uint32_t cp = ((uint32_t)(p[i] & 7) << 18) | ((uint32_t)(p[i + 1] & 0x3F) << 12) |
                      ((uint32_t)(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
        if (cp - VERSO_TMX_MARK >= tuv->ntags && cp <= 0xFFFFD)
            return false;
    }
    return true;
}

static bool s_usable(const verso_tmx_tu *tu)
{
    if (tu->problem || !tu->ntuvs)
        return false;
    for (size_t i = 0; i < tu->ntuvs; i++)
        for (size_t k = 0; k < tu->tuvs[i].ntags; k++)
            if (!verso_tmx_tag_valid(tu->tuvs[i].tags[k]))
                return false;
    return true;
}

static int s_collect(void *arg, const verso_tmx_tu *tu)
{
    s_digest(arg, tu, false);
    return 0;
}

/* Writes the TU alone in a document, reads it back: the same TU. */
static void s_roundtrip(const verso_tmx_tu *tu)
{
    verso_buf doc, want, got;
    verso_buf_init(&doc, (size_t)1 << 28);
    verso_buf_init(&want, (size_t)1 << 28);
    verso_buf_init(&got, (size_t)1 << 28);
    if (verso_tmx_write_header(&doc, tu->srclang, NULL, NULL) || verso_tmx_write_tu(&doc, tu) ||
        verso_tmx_write_footer(&doc))
        abort();
    s_digest(&want, tu, false);
    verso_tmx_reader *r = NULL;
    if (verso_tmx_reader_new(s_collect, &got, &r) ||
        verso_tmx_reader_feed(r, doc.data, doc.len, true) != VERSO_OK)
        abort();
    verso_tmx_reader_destroy(&r);
    if (got.len != want.len || memcmp(got.data, want.data, want.len))
        abort();
    verso_buf_fini(&doc);
    verso_buf_fini(&want);
    verso_buf_fini(&got);
}

static bool s_field_is(const msgpack_object *m, const char *key, verso_tmx_str want)
{
    const msgpack_object *o = verso_mp_get(m, key);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == want.n &&
           (!want.n || !memcmp(o->via.str.ptr, want.p, want.n));
}

static int s_entry(void *arg, const verso_tmx_entry *e, unsigned long line)
{
    (void)arg;
    size_t kept = 0;
    for (size_t i = 0; i < e->ntmx; i++)
        kept += 8 + e->tmx[i].type.n + e->tmx[i].value.n;
    if (!line || !e->origin.p || e->ntmx > 8 || !e->ntmx || kept > VERSO_SEGMENT_MAX_BYTES + 64)
        abort();
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    verso_pack p;
    verso_pack_init_sbuffer(&p, &sb);
    if (verso_tmx_entry_pack(&p, e))
        abort();
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, sb.data, sb.size, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != sb.size || up.data.type != MSGPACK_OBJECT_MAP ||
        !s_field_is(&up.data, "src", e->src) || !s_field_is(&up.data, "tgt", e->tgt))
        abort();
    (void)verso_tmx_entry_problem(e);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    return 0;
}

static int s_rejected(void *arg, unsigned long line, const char *why)
{
    (void)arg;
    if (!line || !why || !*why)
        abort();
    return 0;
}

/* The TU as an import maps it, with and without languages asked for. */
static void s_mapped(const verso_tmx_tu *tu)
{
    verso_tmx_sink sink = {s_entry, s_rejected, NULL};
    verso_tmx_want any = {.origin = {"f.tmx", 5}}, some = {.src = "en", .tgt = "de-DE"};
    if (verso_tmx_tu_entries(tu, &any, &sink) || verso_tmx_tu_entries(tu, &some, &sink))
        abort();
}

typedef struct s_run {
    verso_buf digest;
    bool check; /* the first reading also checks each TU */
} s_run;

static int s_on_tu(void *arg, const verso_tmx_tu *tu)
{
    s_run *run = arg;
    if (tu->line < 1)
        abort();
    for (size_t i = 0; i < tu->ntuvs; i++)
        if (!s_marks_ok(&tu->tuvs[i]))
            abort();
    if (run->check && !tu->problem)
        s_kept_ok(tu);
    if (run->check && s_usable(tu))
        s_roundtrip(tu);
    if (run->check)
        s_mapped(tu);
    s_digest(&run->digest, tu, true);
    return 0;
}

/* Reads data in feeds of `step` bytes (0: one feed); digest of TUs and errors. */
static void s_read(const uint8_t *data, size_t size, size_t step, s_run *run)
{
    verso_tmx_reader *r = NULL;
    if (verso_tmx_reader_new(s_on_tu, run, &r))
        abort();
    verso_err err = VERSO_OK;
    size_t off = 0;
    do {
        size_t k = step && size - off > step ? step : size - off;
        err = verso_tmx_reader_feed(r, data + off, k, off + k == size);
        off += k;
    } while (err == VERSO_OK && off < size);
    if (err != VERSO_OK && err != VERSO_EPROTO)
        abort();
    unsigned long line = 0;
    const char *why = verso_tmx_reader_error(r, &line);
    if ((err == VERSO_EPROTO) != (why != NULL) || (why && !line))
        abort();
    verso_buf_printf(&run->digest, "err %d %u %s %lu\n", (int)err, verso_tmx_reader_errors(r),
                     why ? why : "-", line);
    verso_tmx_str header = verso_tmx_reader_header(r);
    if (run->check && !why && !verso_tmx_kept_valid(header, VERSO_TMX_KEPT_HEADER))
        abort();
    verso_tmx_reader_destroy(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_run whole = {.check = true}, parts = {.check = false};
    verso_buf_init(&whole.digest, (size_t)1 << 28);
    verso_buf_init(&parts.digest, (size_t)1 << 28);
    s_read(data, size, 0, &whole);
    s_read(data, size, size ? (size_t)(data[0] % 16) + 1 : 1, &parts);
    if (whole.digest.len != parts.digest.len ||
        memcmp(whole.digest.data, parts.digest.data, whole.digest.len))
        abort();
    verso_buf_fini(&whole.digest);
    verso_buf_fini(&parts.digest);
    return 0;
}
