/* mp_test.c - msgpack helpers and the JSON rendering used by `verso --json`. */
#include <msgpack.h>

#include "harness.h"
#include "mp.h"

static void s_json(msgpack_sbuffer *sb, verso_buf *out)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    CHECK(msgpack_unpack_next(&up, sb->data, sb->size, &off) == MSGPACK_UNPACK_SUCCESS);
    verso_buf_reset(out);
    CHECK_INT(verso_mp_to_json(&up.data, out), VERSO_OK);
    msgpack_unpacked_destroy(&up);
}

static void test_json(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    verso_mp_pack_kv_str(&pk, "s", "a\"b\\c\n\x01\xe4\xb8\xad");
    verso_mp_pack_kv_int(&pk, "neg", -7);
    verso_mp_pack_kv_uint(&pk, "big", 18446744073709551615ull);
    verso_mp_pack_cstr(&pk, "arr");
    msgpack_pack_array(&pk, 4);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_double(&pk, 0.5);
    msgpack_pack_bin_with_body(&pk, "\x01\xab", 2);
    msgpack_pack_int(&pk, 3); /* a non-string key */
    msgpack_pack_map(&pk, 0);
    verso_buf out;
    verso_buf_init(&out, 4096);
    s_json(&sb, &out);
    CHECK_STR(out.data, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xe4\xb8\xad\",\"neg\":-7,"
                        "\"big\":18446744073709551615,\"arr\":[null,true,0.5,\"01ab\"],"
                        "\"3\":{}}");
    /* The cap holds for JSON output too. */
    verso_buf small;
    verso_buf_init(&small, 8);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_next(&up, sb.data, sb.size, &off);
    CHECK_INT(verso_mp_to_json(&up.data, &small), VERSO_ETOOBIG);
    msgpack_unpacked_destroy(&up);
    verso_buf_fini(&small);
    verso_buf_fini(&out);
    msgpack_sbuffer_destroy(&sb);
}

static void test_get(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    verso_mp_pack_kv_str(&pk, "op", "ping");
    verso_mp_pack_kv_int(&pk, "opx", 1);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_next(&up, sb.data, sb.size, &off);
    CHECK(verso_mp_str_is(verso_mp_get(&up.data, "op"), "ping"));
    CHECK(verso_mp_get(&up.data, "opx")->via.u64 == 1);
    CHECK(verso_mp_get(&up.data, "o") == NULL);
    CHECK(verso_mp_get(verso_mp_get(&up.data, "op"), "x") == NULL); /* not a map */
    CHECK(!verso_mp_str_is(verso_mp_get(&up.data, "opx"), "1"));
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    RUN(test_json);
    RUN(test_get);
    return t_report();
}
