/*
 * fuzz_request.c - libFuzzer target for the request path: any bytes go
 * through verso_dispatch (pre-scan, msgpack-c unpack, envelope, op table,
 * handlers) against a real store. Beyond "no crash, no leak", two properties
 * abort on violation:
 *   - whatever the pre-scan accepts, msgpack-c decodes completely;
 *   - every reply is one well-formed msgpack map that passes the pre-scan.
 * Requests run with the admin role, except backups that would write outside
 * this process's own directory (s_backup_role).
 */
#define _GNU_SOURCE /* memmem, nftw */
#include <ftw.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "mp.h"
#include "proto.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds' backup paths start with S_SEED_ROOT, which stands for s_dir
 * (made from S_DIR_TEMPLATE, the same length, so the bytes are swapped in
 * place). Backups may write only into s_dir/backups/, emptied after each. */
#define S_DIR_TEMPLATE "/tmp/verso-fuzz-XXXXXX"
#define S_SEED_ROOT    "/tmp/verso-fuzz-SANDBX"
_Static_assert(sizeof S_DIR_TEMPLATE == sizeof S_SEED_ROOT, "same length");

static verso_env s_env;
static verso_host s_host;
static verso_op_thread *s_th;
static char s_dir[64];
static char s_backups[80]; /* s_dir/backups/ */

static void s_cleanup(void)
{
    verso_op_thread_destroy(&s_th);
    verso_seg_rules_destroy(&s_env.rules);
    verso_store_destroy(&s_env.store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    verso_log_set_level(VERSO_LOG_ERROR); /* no line per refused backup */
    snprintf(s_dir, sizeof s_dir, "%s", S_DIR_TEMPLATE);
    if (!mkdtemp(s_dir))
        abort();
    snprintf(s_backups, sizeof s_backups, "%s/backups/", s_dir);
    if (mkdir(s_backups, 0700) < 0 || verso_store_open(s_dir, NULL, &s_env.store) ||
        verso_seg_rules_load(VERSO_RULES_DIR, &s_env.rules) || verso_op_thread_new(&s_env, &s_th))
        abort();
    s_host.data_dir = s_dir;
    s_host.threads = 1;
    s_host.max_message_bytes = 1 << 20;
    atexit(s_cleanup);
    return 0;
}

static void s_check_scan_agrees(const uint8_t *data, size_t size)
{
    if (verso_wire_check(data, size, NULL, NULL) != VERSO_OK)
        return;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&up, (const char *)data, size, &off);
    if (rc != MSGPACK_UNPACK_SUCCESS || off != size)
        abort(); /* the pre-scan let through what msgpack-c cannot read */
    msgpack_unpacked_destroy(&up);
}

static void s_check_reply(const verso_buf *out)
{
    if (verso_wire_check(out->data, out->len, NULL, NULL) != VERSO_OK)
        abort();
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, out->data, out->len, &off) != MSGPACK_UNPACK_SUCCESS ||
        up.data.type != MSGPACK_OBJECT_MAP || up.data.via.map.size != 4 ||
        !verso_mp_get(&up.data, "ok"))
        abort();
    msgpack_unpacked_destroy(&up);
}

/* A path the backup op may write to: under s_backups, never climbing out. */
static bool s_backup_path_ok(const char *p, size_t n)
{
    size_t k = strlen(s_backups);
    return n > k && !memcmp(p, s_backups, k) && !memchr(p, '\0', n) && !memmem(p, n, "/.", 2);
}

/* The role to run `body` with. A map with an "op" key "backup" (any of
 * them: keys may repeat) gets the write role, which the op refuses, unless
 * every "path" in it lies in s_backups once S_SEED_ROOT is replaced by s_dir
 * (in *copy, malloc'd, when a path had to be changed; the caller frees it).
 * Sets *backup when the op may run. */
static verso_role s_backup_role(const uint8_t *body, size_t len, uint8_t **copy, bool *backup)
{
    size_t root = strlen(S_SEED_ROOT);
    verso_role role = VERSO_ROLE_ADMIN;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (verso_wire_check(body, len, NULL, NULL) != VERSO_OK ||
        msgpack_unpack_next(&up, (const char *)body, len, &off) != MSGPACK_UNPACK_SUCCESS ||
        up.data.type != MSGPACK_OBJECT_MAP)
        goto out;
    const msgpack_object_map *m = &up.data.via.map;
    bool is_backup = false, paths_ok = true;
    for (uint32_t i = 0; i < m->size; i++)
        is_backup |=
            verso_mp_str_is(&m->ptr[i].key, "op") && verso_mp_str_is(&m->ptr[i].val, "backup");
    for (uint32_t i = 0; is_backup && i < m->size; i++) {
        const msgpack_object *v = &m->ptr[i].val;
        if (!verso_mp_str_is(&m->ptr[i].key, "path") || v->type != MSGPACK_OBJECT_STR)
            continue;
        const char *p = v->via.str.ptr;
        size_t n = v->via.str.size, at = (size_t)(p - (const char *)body);
        if (n >= root && !memcmp(p, S_SEED_ROOT, root)) {
            if (!*copy) {
                if (!(*copy = malloc(len)))
                    abort();
                memcpy(*copy, body, len);
            }
            memcpy(*copy + at, s_dir, root);
            p = (const char *)*copy + at;
        }
        paths_ok &= s_backup_path_ok(p, n);
    }
    if (is_backup && !paths_ok)
        role = VERSO_ROLE_WRITE;
    *backup = is_backup && paths_ok;
out:
    msgpack_unpacked_destroy(&up);
    return role;
}

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag;
    if (ftw->level > 0 && remove(path) < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_check_scan_agrees(data, size);
    verso_peek pk; /* the broker's look at every request (server.c): any bytes, any size */
    verso_proto_peek(data, size, &pk);
    if (pk.op && ((const uint8_t *)pk.op < data || pk.op_len > size ||
                  (size_t)((const uint8_t *)pk.op - data) > size - pk.op_len))
        abort(); /* the op it names lies inside the frame */
    uint8_t *copy = NULL;
    bool backup = false;
    verso_caller who = {.role = s_backup_role(data, size, &copy, &backup), .name = "fuzz"};
    verso_call call = {&who, NULL, NULL, 0, &s_host};
    verso_buf out;
    verso_buf_init(&out, SIZE_MAX);
    verso_dispatch_as(&s_env, s_th, &call, copy ? copy : data, size, &out);
    s_check_reply(&out);
    verso_buf_fini(&out);
    free(copy);
    if (backup && nftw(s_backups, s_remove, 8, FTW_DEPTH | FTW_PHYS) < 0)
        abort();
    return 0;
}
