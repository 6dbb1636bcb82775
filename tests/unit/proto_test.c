/* proto_test.c - request envelope decoding and reply packing. */
#include <msgpack.h>

#include "harness.h"
#include "mp.h"
#include "proto.h"

/* Packs a request map from (key, kind, value) triples; kind: 's' str, 'i' int,
 * 'n' nil, 'a' empty array. */
static void s_pack(msgpack_sbuffer *sb, int n, const char *const *kv)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        verso_mp_pack_cstr(&pk, kv[3 * i]);
        const char *v = kv[3 * i + 2];
        switch (kv[3 * i + 1][0]) {
        case 's': verso_mp_pack_cstr(&pk, v); break;
        case 'i': msgpack_pack_int64(&pk, atoll(v)); break;
        case 'n': msgpack_pack_nil(&pk); break;
        default: msgpack_pack_array(&pk, 0); break;
        }
    }
}

static verso_err s_decode(msgpack_sbuffer *sb, verso_req *r, verso_fault *f)
{
    verso_req_init(r);
    return verso_req_decode(r, sb->data, sb->size, f);
}

static void test_decode_ok(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    const char *kv[] = {"v",    "i", "1",  "id", "i", "-42", "op", "s", "ping",
                        "text", "s", "hi", "n",  "i", "7",   "z",  "n", ""};
    s_pack(&sb, 6, kv);
    verso_req r;
    verso_fault f;
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_OK);
    CHECK(r.id && r.id->via.i64 == -42);
    CHECK(r.op_len == 4 && memcmp(r.op, "ping", 4) == 0);
    const char *s = NULL;
    size_t n = 0;
    int64_t i = 0;
    bool b = true;
    CHECK_INT(verso_req_str(&r, "text", true, &s, &n, &f), VERSO_OK);
    CHECK(n == 2 && memcmp(s, "hi", 2) == 0);
    CHECK_INT(verso_req_int(&r, "n", true, &i, &f), VERSO_OK);
    CHECK_INT(i, 7);
    CHECK_INT(verso_req_str(&r, "n", true, &s, &n, &f), VERSO_EBADREQ);
    CHECK(strstr(f.message, "\"n\" must be a string") != NULL);
    CHECK_INT(verso_req_bool(&r, "missing", false, &b, &f), VERSO_OK);
    CHECK(b == true);                                               /* untouched */
    CHECK_INT(verso_req_int(&r, "z", true, &i, &f), VERSO_EBADREQ); /* nil = absent */
    CHECK(strstr(f.message, "missing field \"z\"") != NULL);
    verso_req_fini(&r);
    msgpack_sbuffer_destroy(&sb);
}

static void test_envelope_errors(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    verso_req r;
    verso_fault f;
    const char *no_v[] = {"id", "s", "abc", "op", "s", "ping"};
    s_pack(&sb, 2, no_v);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_EBADREQ);
    CHECK(r.id && r.id->type == MSGPACK_OBJECT_STR); /* still echoed */
    verso_req_fini(&r);
    const char *v2[] = {"v", "i", "2", "id", "i", "5", "op", "s", "ping"};
    s_pack(&sb, 3, v2);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_EVERSION);
    CHECK(r.id && r.id->via.u64 == 5);
    verso_req_fini(&r);
    const char *bad_id[] = {"v", "i", "1", "id", "a", "", "op", "s", "ping"};
    s_pack(&sb, 3, bad_id);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_EBADREQ);
    CHECK(r.id == NULL);
    verso_req_fini(&r);
    const char *nil_id[] = {"v", "i", "1", "id", "n", "", "op", "s", "ping"};
    s_pack(&sb, 3, nil_id);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_OK); /* nil id = no id */
    CHECK(r.id == NULL);
    verso_req_fini(&r);
    const char *no_op[] = {"v", "i", "1"};
    s_pack(&sb, 1, no_op);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_EBADREQ);
    verso_req_fini(&r);
    const char *op_int[] = {"v", "i", "1", "op", "i", "3"};
    s_pack(&sb, 2, op_int);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_EBADREQ);
    verso_req_fini(&r);
    char long_id[VERSO_ID_MAX_BYTES + 2];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const char *id_long[] = {"v", "i", "1", "id", "s", long_id, "op", "s", "ping"};
    s_pack(&sb, 3, id_long);
    CHECK_INT(s_decode(&sb, &r, &f), VERSO_EBADREQ);
    verso_req_fini(&r);
    /* Not a map; empty; not msgpack. */
    CHECK_INT(verso_req_decode(&r, "\x93\x01\x02\x03", 4, &f), VERSO_EPROTO);
    verso_req_fini(&r);
    verso_req_init(&r);
    CHECK_INT(verso_req_decode(&r, "", 0, &f), VERSO_EPROTO);
    verso_req_fini(&r);
    verso_req_init(&r);
    CHECK_INT(verso_req_decode(&r, "\x81\xa1v", 3, &f), VERSO_EPROTO);
    verso_req_fini(&r);
    msgpack_sbuffer_destroy(&sb);
}

static void test_pack_replies(void)
{
    msgpack_sbuffer res;
    msgpack_sbuffer_init(&res);
    verso_buf out;
    verso_buf_init(&out, 1 << 20);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &res, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    verso_mp_pack_kv_int(&pk, "x", 9);
    msgpack_object id = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 77};
    CHECK_INT(verso_proto_pack_ok(&out, &id, res.data, res.size), 0);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    CHECK(msgpack_unpack_next(&up, out.data, out.len, &off) == MSGPACK_UNPACK_SUCCESS);
    CHECK_INT(off, out.len);
    CHECK(verso_mp_get(&up.data, "v")->via.u64 == 1);
    CHECK(verso_mp_get(&up.data, "id")->via.u64 == 77);
    CHECK(verso_mp_get(&up.data, "ok")->via.boolean);
    CHECK(verso_mp_get(verso_mp_get(&up.data, "res"), "x")->via.u64 == 9);
    verso_buf_reset(&out);
    CHECK_INT(verso_proto_pack_err(&out, NULL, VERSO_EBADOP, "no such op"), 0);
    off = 0;
    CHECK(msgpack_unpack_next(&up, out.data, out.len, &off) == MSGPACK_UNPACK_SUCCESS);
    CHECK(verso_mp_get(&up.data, "id")->type == MSGPACK_OBJECT_NIL);
    CHECK(!verso_mp_get(&up.data, "ok")->via.boolean);
    const msgpack_object *err = verso_mp_get(&up.data, "err");
    CHECK(verso_mp_str_is(verso_mp_get(err, "code"), "EBADOP"));
    CHECK(verso_mp_str_is(verso_mp_get(err, "message"), "no such op"));
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&res);
    verso_buf_fini(&out);
}

static bool s_op_is(const verso_peek *p, const char *op)
{
    return p->op && p->op_len == strlen(op) && !memcmp(p->op, op, p->op_len);
}

/* The broker's look at a request: its op and timeout_ms, from the first
 * 4 KiB of a large request only. */
static void test_peek(void)
{
    static unsigned char big[6000];
    verso_peek p;
    const char ping[] = "\x84\xa1v\x01\xa2id\x07\xa2op\xa4ping\xaatimeout_ms\xcd\x01\x2c";
    verso_proto_peek(ping, sizeof ping - 1, &p);
    CHECK(p.whole && s_op_is(&p, "ping") && p.timeout_ms == 300);
    /* a small frame that is no request: not whole, no op */
    verso_proto_peek("\x81\xa2op\xa3"
                     "add",
                     8, &p);
    CHECK(!p.whole && !p.op && p.timeout_ms == 0);
    /* {"op": "add", "timeout_ms": 250, "x": <str of 5000>}: read from the prefix */
    size_t n = 0;
    big[n++] = 0x83;
    memcpy(big + n,
           "\xa2op\xa3"
           "add",
           7);
    n += 7;
    memcpy(big + n, "\xaatimeout_ms\xcc\xfa", 13);
    n += 13;
    memcpy(big + n, "\xa1x\xda\x13\x88", 5); /* "x": str16 of 5000 */
    n += 5;
    memset(big + n, 'a', 5000);
    n += 5000;
    verso_proto_peek(big, n, &p);
    CHECK(!p.whole && s_op_is(&p, "add") && p.timeout_ms == 250);
    /* {"x": <str of 5000>, "timeout_ms": 5, "op": "add"}: past the first 4 KiB */
    n = 0;
    big[n++] = 0x83;
    memcpy(big + n, "\xa1x\xda\x13\x88", 5);
    n += 5;
    memset(big + n, 'a', 5000);
    n += 5000;
    memcpy(big + n,
           "\xaatimeout_ms\x05\xa2op\xa3"
           "add",
           19);
    n += 19;
    verso_proto_peek(big, n, &p);
    CHECK(!p.whole && !p.op && p.timeout_ms == 0);
    /* an op whose string runs past the first 4 KiB: not taken */
    n = 0;
    big[n++] = 0x81;
    memcpy(big + n, "\xa2op\xda\x13\x88", 5);
    n += 5;
    memset(big + n, 'a', 5000);
    n += 5000;
    verso_proto_peek(big, n, &p);
    CHECK(!p.op);
    /* lying counts and garbage: nothing, no read past the bytes */
    memset(big, 0xdf, sizeof big);
    verso_proto_peek(big, sizeof big, &p);
    CHECK(!p.whole && !p.op && p.timeout_ms == 0);
    memset(big, 0xdc, sizeof big);
    verso_proto_peek(big, sizeof big, &p);
    CHECK(!p.whole && !p.op && p.timeout_ms == 0);
}

int main(void)
{
    RUN(test_decode_ok);
    RUN(test_envelope_errors);
    RUN(test_pack_replies);
    RUN(test_peek);
    return t_report();
}
