/*
 * tmcli.c - the translation-memory commands of `verso` other than import:
 * lookup (an article or one segment a line) and export (a whole TM as TMX
 * 1.4b, read page by page with the export op), and the option parser they
 * share with import.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mp.h"
#include "tmx.h"
#include "verso/version.h"

#define S_MAX_FILES 100000
#define S_PAGE      1000 /* entries an export request asks for */

int verso_cli_parse_opts(int argc, char **argv, verso_cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files)
        return -1;
    o->tm = "default";
    o->on_conflict = "keep_both";
    o->min_score = 70;
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--src") && v)
            o->src = argv[++i];
        else if (!strcmp(a, "--tgt") && v)
            o->tgt = argv[++i];
        else if (!strcmp(a, "--tm") && v)
            o->tm = argv[++i];
        else if (!strcmp(a, "--on-conflict") && v)
            o->on_conflict = argv[++i];
        else if (!strcmp(a, "--min-score") && v)
            o->min_score = atol(argv[++i]);
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v)
            o->output = argv[++i];
        else if (!strcmp(a, "--segmented"))
            o->segmented = 1;
        else if ((a[0] != '-' || !strcmp(a, "-")) && nfiles < S_MAX_FILES)
            o->files[nfiles++] = a;
        else
            return -1;
    }
    return nfiles;
}

/* ---- lookup --------------------------------------------------------------- */

/* Packs the lookup fields: the text, or its lines as segments. */
static uint32_t s_pack_lookup(msgpack_sbuffer *f, const verso_cli_opts *o, const char *text,
                              size_t len)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, f, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", o->tm);
    verso_mp_pack_kv_str(&pk, "src_lang", o->src);
    verso_mp_pack_kv_str(&pk, "tgt_lang", o->tgt);
    verso_mp_pack_kv_int(&pk, "min_score", o->min_score);
    if (!o->segmented) {
        verso_mp_pack_cstr(&pk, "text");
        msgpack_pack_str_with_body(&pk, text, len);
        return 5;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    n += len && text[len - 1] != '\n';
    verso_mp_pack_cstr(&pk, "segments");
    msgpack_pack_array(&pk, n);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, k = e;
        while (k > i && text[k - 1] == '\r')
            k--;
        msgpack_pack_str_with_body(&pk, text + i, k - i);
        i = e + 1;
    }
    return 5;
}

static void s_print_results(const msgpack_object *res)
{
    const msgpack_object *rs = verso_mp_get(res, "results");
    for (uint32_t i = 0; rs && rs->type == MSGPACK_OBJECT_ARRAY && i < rs->via.array.size; i++) {
        const msgpack_object *r = &rs->via.array.ptr[i];
        const msgpack_object *seg = verso_mp_get(r, "segment"), *ms = verso_mp_get(r, "matches");
        if (seg && seg->type == MSGPACK_OBJECT_STR)
            printf("%.*s\n", (int)seg->via.str.size, seg->via.str.ptr);
        if (!ms || ms->type != MSGPACK_OBJECT_ARRAY || !ms->via.array.size) {
            printf("  (no match)\n");
            continue;
        }
        const msgpack_object *m = &ms->via.array.ptr[0];
        const msgpack_object *tgt = verso_mp_get(m, "tgt"), *kind = verso_mp_get(m, "kind");
        printf("  [%llu %.*s #%llu] %.*s\n", (unsigned long long)verso_cli_uint(m, "score"),
               kind && kind->type == MSGPACK_OBJECT_STR ? (int)kind->via.str.size : 0,
               kind && kind->type == MSGPACK_OBJECT_STR ? kind->via.str.ptr : "",
               (unsigned long long)verso_cli_uint(m, "id"),
               tgt && tgt->type == MSGPACK_OBJECT_STR ? (int)tgt->via.str.size : 0,
               tgt && tgt->type == MSGPACK_OBJECT_STR ? tgt->via.str.ptr : "");
    }
}

int verso_cli_lookup(verso_cli *cli, int argc, char **argv)
{
    verso_cli_opts o;
    if (verso_cli_parse_opts(argc, argv, &o) != 1 || !o.src || !o.tgt) {
        fprintf(stderr, "usage: verso lookup FILE --src LANG --tgt LANG [--tm NAME] "
                        "[--segmented] [--min-score N]\n");
        free(o.files);
        return 2;
    }
    size_t len = 0;
    char *text = verso_cli_slurp(o.files[0], &len);
    if (!text) {
        fprintf(stderr, "verso: cannot read %s\n", o.files[0]);
        free(o.files);
        return 2;
    }
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    uint32_t nf = s_pack_lookup(&f, &o, text, len);
    uint64_t id;
    verso_reply *r = NULL;
    verso_err err = verso_client_send_packed(cli->client, "lookup", f.data, f.size, nf, &id);
    if (!err)
        err = verso_client_recv(cli->client, id, -1, &r);
    int status = 0;
    if (err == VERSO_OK) {
        if (cli->json)
            verso_cli_print_json(verso_reply_res(r));
        else
            s_print_results(verso_reply_res(r));
    } else if (err == VERSO_ESERVER) {
        fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
        status = 1;
    } else {
        fprintf(stderr, "verso: %s: %s\n", cli->endpoint, verso_strerror(err));
        status = 3;
    }
    verso_reply_destroy(&r);
    msgpack_sbuffer_destroy(&f);
    free(text);
    free(o.files);
    return status;
}

/* ---- export --------------------------------------------------------------- */

static verso_tmx_str s_view(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return (verso_tmx_str){"", 0};
    return (verso_tmx_str){o->via.str.ptr, o->via.str.size};
}

static int64_t s_int(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)o->via.u64 : 0;
}

/* The strings of an array field into v (room for n); returns how many. */
static size_t s_strs(const msgpack_object *m, const char *key, verso_tmx_str *v, size_t n)
{
    const msgpack_object *a = verso_mp_get(m, key);
    size_t k = 0;
    for (uint32_t i = 0; a && a->type == MSGPACK_OBJECT_ARRAY && i < a->via.array.size; i++)
        if (k < n && a->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
            v[k++] =
                (verso_tmx_str){a->via.array.ptr[i].via.str.ptr, a->via.array.ptr[i].via.str.size};
    return k;
}

static uint32_t s_len(const msgpack_object *m, const char *key)
{
    const msgpack_object *a = verso_mp_get(m, key);
    return a && a->type == MSGPACK_OBJECT_ARRAY ? a->via.array.size : 0;
}

/* The props of an entry, plus its origin as an x-verso-origin prop. */
static size_t s_props(const msgpack_object *e, verso_tmx_prop *v)
{
    const msgpack_object *a = verso_mp_get(e, "props");
    size_t k = 0;
    for (uint32_t i = 0; a && a->type == MSGPACK_OBJECT_ARRAY && i < a->via.array.size; i++) {
        const msgpack_object *p = &a->via.array.ptr[i];
        if (p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size == 2 &&
            p->via.array.ptr[0].type == MSGPACK_OBJECT_STR &&
            p->via.array.ptr[1].type == MSGPACK_OBJECT_STR)
            v[k++] = (verso_tmx_prop){
                {p->via.array.ptr[0].via.str.ptr, p->via.array.ptr[0].via.str.size},
                {p->via.array.ptr[1].via.str.ptr, p->via.array.ptr[1].via.str.size}};
    }
    /* Always, even empty: an import then restores it as it was. */
    v[k++] = (verso_tmx_prop){{"x-verso-origin", 14}, s_view(e, "origin")};
    return k;
}

/* One entry of an export page as a TU. */
static verso_err s_write_entry(const msgpack_object *e, verso_buf *out)
{
    char tuid[24];
    size_t ns = s_len(e, "src_tags"), nt = s_len(e, "tgt_tags"), np = s_len(e, "props") + 1;
    verso_tmx_str *tags = calloc(ns + nt + 1, sizeof *tags);
    verso_tmx_prop *props = calloc(np, sizeof *props);
    if (!tags || !props) {
        free(tags);
        free(props);
        return VERSO_ENOMEM;
    }
    snprintf(tuid, sizeof tuid, "%lld", (long long)s_int(e, "id"));
    verso_tmx_tuv tuvs[2] = {{s_view(e, "src_lang"), s_view(e, "src"), tags, 0},
                             {s_view(e, "tgt_lang"), s_view(e, "tgt"), tags + ns, 0}};
    tuvs[0].ntags = s_strs(e, "src_tags", tags, ns);
    tuvs[1].ntags = s_strs(e, "tgt_tags", tags + ns, nt);
    verso_tmx_tu tu = {.tuid = {tuid, strlen(tuid)},
                       .creationid = s_view(e, "author"),
                       .srclang = tuvs[0].lang,
                       .created = s_int(e, "created"),
                       .changed = s_int(e, "changed"),
                       .usage = (uint64_t)s_int(e, "usage"),
                       .note = s_view(e, "note"),
                       .props = props,
                       .nprops = s_props(e, props),
                       .tuvs = tuvs,
                       .ntuvs = 2};
    verso_err err = verso_tmx_write_tu(out, &tu);
    free(tags);
    free(props);
    return err;
}

typedef struct s_export {
    verso_cli *cli;
    const verso_cli_opts *o;
    FILE *out;
    verso_buf buf;
    uint64_t n;
} s_export;

/* Asks for the page after `after`; writes its entries; *next: the cursor
 * (0 at the end). Returns an exit status. */
static int s_export_page(s_export *x, uint64_t after, uint64_t *next)
{
    msgpack_sbuffer f;
    msgpack_sbuffer_init(&f);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &f, msgpack_sbuffer_write);
    verso_mp_pack_kv_str(&pk, "tm", x->o->tm);
    verso_mp_pack_kv_uint(&pk, "after", after);
    verso_mp_pack_kv_uint(&pk, "limit", S_PAGE);
    uint64_t id;
    verso_reply *r = NULL;
    verso_err err = verso_client_send_packed(x->cli->client, "export", f.data, f.size, 3, &id);
    msgpack_sbuffer_destroy(&f);
    err = err ? err : verso_client_recv(x->cli->client, id, -1, &r);
    if (err) {
        if (err == VERSO_ESERVER)
            fprintf(stderr, "verso: %s: %s\n", verso_reply_err_code(r), verso_reply_err_message(r));
        else
            fprintf(stderr, "verso: %s: %s\n", x->cli->endpoint, verso_strerror(err));
        verso_reply_destroy(&r);
        return err == VERSO_ESERVER ? 1 : 3;
    }
    const msgpack_object *res = verso_reply_res(r), *es = verso_mp_get(res, "entries");
    *next = verso_cli_uint(res, "next");
    for (uint32_t i = 0; !err && es && es->type == MSGPACK_OBJECT_ARRAY && i < es->via.array.size;
         i++, x->n++)
        err = s_write_entry(&es->via.array.ptr[i], &x->buf);
    verso_reply_destroy(&r);
    if (err)
        fprintf(stderr, "verso: cannot write an entry: %s\n", verso_strerror(err));
    if (!err && fwrite(x->buf.data, 1, x->buf.len, x->out) != x->buf.len)
        err = VERSO_EIO;
    verso_buf_reset(&x->buf);
    return err ? 3 : 0;
}

static int s_export_all(s_export *x)
{
    verso_err err = verso_tmx_write_header(
        &x->buf, (verso_tmx_str){x->o->src ? x->o->src : "", x->o->src ? strlen(x->o->src) : 0},
        "verso", VERSO_VERSION);
    int status = err ? 3 : 0;
    uint64_t after = 0, next = 1;
    while (!status && next) {
        status = s_export_page(x, after, &next);
        after = next;
    }
    if (!status && (verso_tmx_write_footer(&x->buf) ||
                    fwrite(x->buf.data, 1, x->buf.len, x->out) != x->buf.len))
        status = 3;
    return status;
}

int verso_cli_export(verso_cli *cli, int argc, char **argv)
{
    verso_cli_opts o;
    if (verso_cli_parse_opts(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: verso export [--tm NAME] [--src LANG] [-o FILE.tmx]\n");
        free(o.files);
        return 2;
    }
    s_export x = {cli, &o, stdout, {0}, 0};
    char *part = NULL;
    bool to_file = o.output && strcmp(o.output, "-");
    if (to_file && (part = malloc(strlen(o.output) + 6)))
        sprintf(part, "%s.part", o.output); /* renamed when complete */
    if (to_file && (!part || !(x.out = fopen(part, "w")))) {
        fprintf(stderr, "verso: cannot write %s\n", part ? part : o.output);
        free(part);
        free(o.files);
        return 2;
    }
    verso_buf_init(&x.buf, (size_t)1 << 30);
    int status = s_export_all(&x);
    verso_buf_fini(&x.buf);
    if (to_file && (fclose(x.out) || (!status && rename(part, o.output))))
        status = status ? status : 3;
    if (to_file && status)
        remove(part);
    if (!status)
        fprintf(stderr, "exported %llu entries of TM %s%s%s\n", (unsigned long long)x.n, o.tm,
                to_file ? " to " : "", to_file ? o.output : "");
    free(part);
    free(o.files);
    return status;
}
