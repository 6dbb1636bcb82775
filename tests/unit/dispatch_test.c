/* dispatch_test.c - frame in, reply out: the op table, error envelopes,
 * counters, and the shutdown refusal. No sockets: a hand-made server. */
#include <msgpack.h>
#include <stdint.h>
#include <string.h>

#include "dispatch.h"
#include "harness.h"
#include "mp.h"

static verso_env s_env;
static verso_host s_host;
static verso_op_thread *s_th;

/* Dispatches body from `who` (NULL: the local admin) and unpacks the reply
 * into up. */
static void s_call_as(const verso_caller *who, const void *body, size_t len, msgpack_unpacked *up,
                      verso_buf *out)
{
    static const verso_caller local = {.role = VERSO_ROLE_ADMIN, .name = "local"};
    verso_call call = {who ? who : &local, NULL, NULL, 0, &s_host};
    verso_buf_reset(out);
    verso_dispatch_as(&s_env, s_th, &call, body, len, out);
    size_t off = 0;
    msgpack_unpacked_destroy(up);
    msgpack_unpacked_init(up);
    CHECK(msgpack_unpack_next(up, out->data, out->len, &off) == MSGPACK_UNPACK_SUCCESS);
    CHECK_INT(off, out->len);
}

static void s_call(const void *body, size_t len, msgpack_unpacked *up, verso_buf *out)
{
    s_call_as(NULL, body, len, up, out);
}

static void s_request(msgpack_sbuffer *sb, const char *op, int id)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    verso_mp_pack_kv_int(&pk, "v", 1);
    verso_mp_pack_kv_int(&pk, "id", id);
    verso_mp_pack_kv_str(&pk, "op", op);
}

static const char *s_code(const msgpack_unpacked *up)
{
    static char code[32];
    const msgpack_object *c = verso_mp_get(verso_mp_get(&up->data, "err"), "code");
    if (!c || c->type != MSGPACK_OBJECT_STR)
        return "";
    snprintf(code, sizeof code, "%.*s", (int)c->via.str.size, c->via.str.ptr);
    return code;
}

static void test_ops(void)
{
    msgpack_sbuffer req;
    verso_buf out;
    msgpack_unpacked up;
    msgpack_sbuffer_init(&req);
    verso_buf_init(&out, SIZE_MAX);
    msgpack_unpacked_init(&up);
    s_request(&req, "ping", 1);
    s_call(req.data, req.size, &up, &out);
    CHECK(verso_mp_get(&up.data, "ok")->via.boolean);
    CHECK(verso_mp_get(&up.data, "id")->via.u64 == 1);
    CHECK(verso_mp_get(&up.data, "res")->via.map.size == 0);
    s_request(&req, "hello", 2);
    s_call(req.data, req.size, &up, &out);
    const msgpack_object *res = verso_mp_get(&up.data, "res");
    CHECK(verso_mp_str_is(verso_mp_get(res, "server"), "versod"));
    CHECK(verso_mp_str_is(verso_mp_get(res, "role"), "admin")); /* no keys: the local admin */
    CHECK(verso_mp_get(res, "protocol")->via.u64 == 1);
    CHECK(verso_mp_get(res, "max_message_bytes")->via.u64 == 4096);
    const msgpack_object *ops = verso_mp_get(res, "ops");
    CHECK(ops && ops->type == MSGPACK_OBJECT_ARRAY && ops->via.array.size == 16);
    CHECK(verso_mp_str_is(&ops->via.array.ptr[1], "ping"));
    CHECK(verso_mp_get(verso_mp_get(res, "libraries"), "icu") != NULL);
    s_request(&req, "stats", 3);
    s_call(req.data, req.size, &up, &out);
    res = verso_mp_get(&up.data, "res");
    CHECK(verso_mp_get(res, "requests")->via.u64 == 3);
    CHECK(verso_mp_get(res, "errors")->via.u64 == 0);
    CHECK(verso_mp_get(verso_mp_get(res, "store"), "schema_version")->via.u64 ==
          VERSO_SCHEMA_VERSION);
    s_request(&req, "fly", 4);
    s_call(req.data, req.size, &up, &out);
    CHECK_STR(s_code(&up), "EBADOP");
    CHECK(verso_mp_get(&up.data, "id")->via.u64 == 4);
    CHECK(atomic_load(&s_host.stats.errors) == 1);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&req);
    verso_buf_fini(&out);
}

/* Each op's role: a lower caller gets EDENIED (counted) with the request's
 * id, an unlisted one gets nothing at all, stats' detail is the admin's. */
static void test_roles(void)
{
    static const verso_caller none = {VERSO_ROLE_NONE, "key x"}, reader = {VERSO_ROLE_READ, "r"},
                              writer = {VERSO_ROLE_WRITE, "w"}, admin = {VERSO_ROLE_ADMIN, "a"};
    static const struct {
        const char *op;
        verso_role need;
    } cases[] = {{"ping", VERSO_ROLE_READ},        {"add", VERSO_ROLE_WRITE},
                 {"update", VERSO_ROLE_WRITE},     {"delete", VERSO_ROLE_WRITE},
                 {"tm_create", VERSO_ROLE_ADMIN},  {"tm_delete", VERSO_ROLE_ADMIN},
                 {"backup", VERSO_ROLE_ADMIN},     {"lookup", VERSO_ROLE_READ},
                 {"concordance", VERSO_ROLE_READ}, {"export", VERSO_ROLE_READ}};
    const verso_caller *callers[] = {&none, &reader, &writer, &admin};
    msgpack_sbuffer req;
    verso_buf out;
    msgpack_unpacked up;
    msgpack_sbuffer_init(&req);
    verso_buf_init(&out, SIZE_MAX);
    msgpack_unpacked_init(&up);
    uint64_t denied = atomic_load(&s_host.stats.denied), expect = denied;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int c = 0; c < 4; c++) {
            s_request(&req, cases[i].op, 7);
            s_call_as(callers[c], req.data, req.size, &up, &out);
            int refused = !strcmp(s_code(&up), "EDENIED");
            CHECK_INT(refused, callers[c]->role < cases[i].need);
            expect += (uint64_t)refused;
            if (refused)
                CHECK(verso_mp_get(&up.data, "id")->via.u64 == 7);
        }
    }
    CHECK(atomic_load(&s_host.stats.denied) == expect);
    s_request(&req, "stats", 8);
    s_call_as(&reader, req.data, req.size, &up, &out);
    const msgpack_object *res = verso_mp_get(&up.data, "res");
    CHECK(res && verso_mp_get(res, "requests") && !verso_mp_get(res, "store") &&
          !verso_mp_get(res, "auth"));
    s_call_as(&admin, req.data, req.size, &up, &out);
    res = verso_mp_get(&up.data, "res");
    CHECK(res && verso_mp_get(res, "store") && verso_mp_get(res, "ops"));
    CHECK(verso_mp_str_is(verso_mp_get(verso_mp_get(res, "auth"), "mode"), "none"));
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&req);
    verso_buf_fini(&out);
}

static void test_bad_frames(void)
{
    verso_buf out;
    msgpack_unpacked up;
    verso_buf_init(&out, SIZE_MAX);
    msgpack_unpacked_init(&up);
    static char big[5000];
    memset(big, 0xc0, sizeof big);
    s_call(big, sizeof big, &up, &out);
    CHECK_STR(s_code(&up), "ETOOBIG");
    s_call("", 0, &up, &out);
    CHECK_STR(s_code(&up), "EPROTO");
    s_call("\xdd\xff\xff\xff\xff", 5, &up, &out);
    CHECK_STR(s_code(&up), "EPROTO");
    s_call("\x81\xa1v\xa2\xc3\x28", 6, &up, &out);
    CHECK_STR(s_code(&up), "EBADUTF8");
    s_call("\xa4ping", 5, &up, &out);
    CHECK_STR(s_code(&up), "EPROTO");
    CHECK(verso_mp_get(&up.data, "id")->type == MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&up);
    verso_buf_fini(&out);
}

static void test_stopping_refuses(void)
{
    msgpack_sbuffer req;
    verso_buf out;
    msgpack_unpacked up;
    msgpack_sbuffer_init(&req);
    verso_buf_init(&out, SIZE_MAX);
    msgpack_unpacked_init(&up);
    atomic_store(&s_host.stopping, 1);
    s_request(&req, "ping", 9);
    s_call(req.data, req.size, &up, &out);
    CHECK_STR(s_code(&up), "ESHUTDOWN");
    CHECK(verso_mp_get(&up.data, "id")->via.u64 == 9);
    atomic_store(&s_host.stopping, 0);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&req);
    verso_buf_fini(&out);
}

int main(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    s_host.max_message_bytes = 4096;
    s_host.data_dir = dir;
    s_host.threads = 1;
    CHECK_INT(verso_store_open(dir, NULL, &s_env.store), VERSO_OK);
    CHECK_INT(verso_seg_rules_load(VERSO_RULES_DIR, &s_env.rules), VERSO_OK);
    CHECK_INT(verso_op_thread_new(&s_env, &s_th), VERSO_OK);
    RUN(test_ops);
    RUN(test_roles);
    RUN(test_bad_frames);
    RUN(test_stopping_refuses);
    verso_op_thread_destroy(&s_th);
    verso_seg_rules_destroy(&s_env.rules);
    verso_store_destroy(&s_env.store);
    t_rmtree(dir);
    return t_report();
}
