/*
 * fuzz_request.c - libFuzzer target for the request path: any bytes go
 * through verso_dispatch (pre-scan, msgpack-c unpack, envelope, op table,
 * handlers) against a real store. Beyond "no crash, no leak", two properties
 * abort on violation:
 *   - whatever the pre-scan accepts, msgpack-c decodes completely;
 *   - every reply is one well-formed msgpack map that passes the pre-scan.
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "mp.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static verso_server s_srv;
static verso_thread s_th;
static char s_dir[64];

static void s_cleanup(void)
{
    verso_segmenter_destroy(&s_th.seg);
    verso_seg_rules_destroy(&s_srv.rules);
    verso_store_destroy(&s_srv.store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(s_dir, sizeof s_dir, "/tmp/verso-fuzz-XXXXXX");
    if (!mkdtemp(s_dir) || verso_store_open(s_dir, NULL, &s_srv.store) ||
        verso_seg_rules_load(VERSO_RULES_DIR, &s_srv.rules) ||
        verso_segmenter_new(s_srv.rules, &s_th.seg))
        abort();
    s_srv.cfg.data_dir = s_dir;
    s_srv.cfg.threads = 1;
    s_srv.cfg.max_message_bytes = 1 << 20;
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

static void s_check_reply(const msgpack_sbuffer *out)
{
    if (verso_wire_check(out->data, out->size, NULL, NULL) != VERSO_OK)
        abort();
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, out->data, out->size, &off) != MSGPACK_UNPACK_SUCCESS ||
        up.data.type != MSGPACK_OBJECT_MAP || up.data.via.map.size != 4 ||
        !verso_mp_get(&up.data, "ok"))
        abort();
    msgpack_unpacked_destroy(&up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_check_scan_agrees(data, size);
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    verso_dispatch(&s_srv, &s_th, data, size, &out);
    s_check_reply(&out);
    msgpack_sbuffer_destroy(&out);
    return 0;
}
