/*
 * entrycli.c - the `verso` commands on TMs and single entries: tm
 * list|create|delete, add, get, update and delete. Bulk loading is
 * import.c's, reading a whole TM export's (tmcli.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* ---- tm list | create NAME | delete NAME -------------------------------------- */

static int s_tm_list(verso_cli *cli)
{
    verso_tm_list_res *r = NULL;
    verso_err err = verso_tm_list(cli->client, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        for (size_t i = 0; i < r->ntms; i++) {
            verso_cli_put(r->tms[i].name.ptr, r->tms[i].name.len);
            printf("\t%lld\n", (long long)r->tms[i].entries);
        }
    verso_tm_list_res_destroy(&r);
    return 0;
}

int verso_cli_tm(verso_cli *cli, int argc, char **argv)
{
    if (argc == 1 && !strcmp(argv[0], "list"))
        return s_tm_list(cli);
    bool create = argc == 2 && !strcmp(argv[0], "create");
    if (!create && !(argc == 2 && !strcmp(argv[0], "delete")))
        return VERSO_CLI_USAGE;
    verso_err err =
        create ? verso_tm_create(cli->client, argv[1]) : verso_tm_delete(cli->client, argv[1]);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        printf("%s TM %s\n", create ? "created" : "deleted", argv[1]);
    return 0;
}

/* ---- printing an entry ------------------------------------------------------------ */

static void s_field(const char *name, verso_str v)
{
    if (!v.len)
        return;
    printf("  %-8s ", name);
    verso_cli_put(v.ptr, v.len);
    putchar('\n');
}

static void s_date(const char *name, int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (t > 0 && gmtime_r(&tt, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        printf("  %-8s %s\n", name, buf);
}

/* An entry, one field a line; empty fields left out. */
static void s_print_entry(const verso_entry *e)
{
    printf("entry %lld in TM ", (long long)e->id);
    verso_cli_put(e->tm.ptr, e->tm.len);
    fputs(", ", stdout);
    verso_cli_put(e->src_lang.ptr, e->src_lang.len);
    fputs(" -> ", stdout);
    verso_cli_put(e->tgt_lang.ptr, e->tgt_lang.len);
    printf(", used %lld time(s)\n", (long long)e->usage);
    s_field("src", e->src);
    s_field("tgt", e->tgt);
    s_field("prev", e->prev);
    s_field("next", e->next);
    s_field("author", e->author);
    s_field("note", e->note);
    s_field("origin", e->origin);
    for (size_t i = 0; i < e->nprops; i++) {
        printf("  prop     ");
        verso_cli_put(e->props[i].name.ptr, e->props[i].name.len);
        putchar('=');
        verso_cli_put(e->props[i].value.ptr, e->props[i].value.len);
        putchar('\n');
    }
    if (e->nsrc_tags || e->ntgt_tags)
        printf("  tags     %zu in src, %zu in tgt\n", e->nsrc_tags, e->ntgt_tags);
    s_date("created", e->created);
    s_date("changed", e->changed);
}

/* An entry id: a whole number above 0, else -1. */
static int64_t s_id(const char *arg)
{
    long v;
    return !verso_cli_number(arg, &v) && v > 0 ? (int64_t)v : -1;
}

int verso_cli_get(verso_cli *cli, int argc, char **argv)
{
    int64_t id = argc == 1 ? s_id(argv[0]) : -1;
    if (id < 0)
        return VERSO_CLI_USAGE;
    verso_entry_res *r = NULL;
    verso_err err = verso_get(cli->client, id, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        s_print_entry(&r->entry);
    verso_entry_res_destroy(&r);
    return 0;
}

/* ---- update ID [--src-text T] [--tgt-text T] [--note T] ... ------------------------ */

static int s_update_args(int argc, char **argv, verso_update_req *u)
{
    if (argc < 2 || (u->entry_id = s_id(argv[0])) < 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 == argc)
            return -1; /* every option takes a value */
        verso_str v = verso_str_of(argv[++i]);
        long n;
        if (!strcmp(a, "--src-text"))
            u->src = v;
        else if (!strcmp(a, "--tgt-text"))
            u->tgt = v;
        else if (!strcmp(a, "--note"))
            u->note = v;
        else if (!strcmp(a, "--author"))
            u->author = v;
        else if (!strcmp(a, "--origin"))
            u->origin = v;
        else if (!strcmp(a, "--used") && !verso_cli_number(v.ptr, &n)) {
            u->has_used = true;
            u->used = n;
        } else
            return -1;
    }
    return 0;
}

int verso_cli_update(verso_cli *cli, int argc, char **argv)
{
    verso_update_req u = {0};
    if (s_update_args(argc, argv, &u) < 0)
        return VERSO_CLI_USAGE;
    verso_entry_res *r = NULL;
    verso_err err = verso_update(cli->client, &u, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        s_print_entry(&r->entry);
    verso_entry_res_destroy(&r);
    return 0;
}

/* ---- delete ID... ----------------------------------------------------------------- */

int verso_cli_delete(verso_cli *cli, int argc, char **argv)
{
    if (argc < 1)
        return VERSO_CLI_USAGE;
    int64_t *ids = calloc((size_t)argc, sizeof *ids), deleted = 0;
    if (!ids)
        return 3;
    int bad = 0;
    for (int i = 0; i < argc; i++)
        bad |= (ids[i] = s_id(argv[i])) < 0;
    verso_err err = bad ? VERSO_OK : verso_delete(cli->client, ids, (size_t)argc, &deleted);
    free(ids);
    if (bad)
        return VERSO_CLI_USAGE;
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        printf("deleted %lld of %d entr%s\n", (long long)deleted, argc, argc == 1 ? "y" : "ies");
    return 0;
}

/* ---- add SRC TGT --src L --tgt L ... ------------------------------------------------ */

static int s_add_args(int argc, char **argv, verso_add_req *q, verso_entry *e)
{
    int texts = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        verso_str *field = !strcmp(a, "--prev")     ? &e->prev
                           : !strcmp(a, "--next")   ? &e->next
                           : !strcmp(a, "--note")   ? &e->note
                           : !strcmp(a, "--author") ? &e->author
                           : !strcmp(a, "--origin") ? &e->origin
                                                    : NULL;
        const char **opt = !strcmp(a, "--src")           ? &q->src_lang
                           : !strcmp(a, "--tgt")         ? &q->tgt_lang
                           : !strcmp(a, "--tm")          ? &q->tm
                           : !strcmp(a, "--on-conflict") ? &q->on_conflict
                                                         : NULL;
        if ((field || opt) && !v)
            return -1;
        if (field)
            *field = verso_str_of(argv[++i]);
        else if (opt)
            *opt = argv[++i];
        else if (a[0] != '-' && texts < 2)
            *(texts++ ? &e->tgt : &e->src) = verso_str_of(a);
        else
            return -1;
    }
    return texts == 2 && q->src_lang && q->tgt_lang ? 0 : -1;
}

int verso_cli_add(verso_cli *cli, int argc, char **argv)
{
    verso_entry e = {0};
    verso_add_req q = {.entries = &e, .nentries = 1};
    if (s_add_args(argc, argv, &q, &e) < 0)
        return VERSO_CLI_USAGE;
    verso_add_res *r = NULL;
    verso_err err = verso_add(cli->client, &q, &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli))
        printf("%s %lld\n",
               r->added     ? "added entry"
               : r->updated ? "updated entry"
                            : "skipped (already there): entry",
               (long long)(r->nids ? r->ids[0] : 0));
    verso_add_res_destroy(&r);
    return 0;
}
