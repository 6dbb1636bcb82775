/* wire_test.c - the msgpack pre-scan that guards msgpack-c. */
#include <msgpack.h>
#include <stdlib.h>

#include "harness.h"
#include "wire.h"

static verso_err s_check(const void *p, size_t n)
{
    return verso_wire_check(p, n, NULL, NULL);
}

/* Every msgpack type msgpack-c can produce passes. */
static void test_all_types_pass(void)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 17);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_int64(&pk, -5);
    msgpack_pack_int64(&pk, -300000);
    msgpack_pack_uint64(&pk, 1ull << 40);
    msgpack_pack_uint8(&pk, 200);
    msgpack_pack_float(&pk, 1.5f);
    msgpack_pack_double(&pk, 2.25);
    msgpack_pack_str_with_body(&pk, "h\xc3\xa9llo", 6);
    char big[300];
    memset(big, 'x', sizeof big);
    msgpack_pack_str_with_body(&pk, big, sizeof big); /* str16 */
    msgpack_pack_bin_with_body(&pk, "\xff\x00", 2);   /* bin may hold anything */
    msgpack_pack_ext_with_body(&pk, "abcd", 4, 7);    /* fixext4 */
    msgpack_pack_ext_with_body(&pk, big, 100, 7);     /* ext8 */
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "k", 1);
    msgpack_pack_array(&pk, 0);
    msgpack_pack_array(&pk, 20); /* array16 */
    for (int i = 0; i < 20; i++)
        msgpack_pack_int(&pk, i);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_int(&pk, 0);
    CHECK_INT(s_check(sb.data, sb.size), VERSO_OK);
    /* Every strict prefix is truncated. */
    for (size_t n = 0; n < sb.size; n++)
        CHECK(s_check(sb.data, n) == VERSO_EPROTO);
    msgpack_sbuffer_destroy(&sb);
}

static void test_lying_counts(void)
{
    /* array32 of 4 billion elements: 5 bytes that would make msgpack-c
     * reserve ~100 GiB. */
    CHECK_INT(s_check("\xdd\xff\xff\xff\xff", 5), VERSO_EPROTO);
    CHECK_INT(s_check("\xdf\xff\xff\xff\xff", 5), VERSO_EPROTO); /* map32 */
    CHECK_INT(s_check("\xdc\x00\x03\x01\x02", 5), VERSO_EPROTO); /* 3 declared, 2 present */
    CHECK_INT(s_check("\x82\xa1k\x01", 4), VERSO_EPROTO);        /* map: 2 pairs, 1 present */
    CHECK_INT(s_check("\xdb\x7f\xff\xff\xff"
                      "abc",
                      8),
              VERSO_EPROTO);                                     /* str32 lies */
    CHECK_INT(s_check("\xc6\x00\x00\x10\x00", 5), VERSO_EPROTO); /* bin32 lies */
    verso_wire_fault f = {0, NULL};
    CHECK_INT(verso_wire_check("\xdd\xff\xff\xff\xff", 5, NULL, &f), VERSO_EPROTO);
    CHECK(f.why && strstr(f.why, "count"));
}

static void test_depth_cap(void)
{
    unsigned char buf[64];
    verso_wire_limits lim = {16, 1000};
    for (unsigned depth = 1; depth <= 40; depth++) {
        memset(buf, 0x91, depth); /* fixarray of 1, nested */
        buf[depth] = 0xc0;
        verso_err err = verso_wire_check(buf, depth + 1, &lim, NULL);
        CHECK_INT(err, depth <= 16 ? VERSO_OK : VERSO_EPROTO);
    }
}

static void test_object_cap(void)
{
    unsigned char buf[1 + 2 + 100];
    buf[0] = 0xdc;
    buf[1] = 0;
    buf[2] = 100;
    memset(buf + 3, 0x01, 100);
    verso_wire_limits lim = {16, 100};
    CHECK_INT(verso_wire_check(buf, sizeof buf, &lim, NULL), VERSO_ETOOBIG); /* 101 objects */
    lim.max_objects = 101;
    CHECK_INT(verso_wire_check(buf, sizeof buf, &lim, NULL), VERSO_OK);
}

static void test_trailing_and_reserved(void)
{
    CHECK_INT(s_check("\x80\x80", 2), VERSO_EPROTO); /* two objects */
    CHECK_INT(s_check("\xc1", 1), VERSO_EPROTO);
    CHECK_INT(s_check("", 0), VERSO_EPROTO);
    CHECK_INT(s_check("\x81\xa1k\xc1", 4), VERSO_EPROTO);
}

static void test_bad_utf8(void)
{
    verso_wire_fault f;
    CHECK_INT(verso_wire_check("\x81\xa1k\xa2\xc3\x28", 6, NULL, &f), VERSO_EBADUTF8);
    CHECK_INT(f.offset, 4);
    CHECK_INT(s_check("\x81\xa2\xff\xfe\x01", 5), VERSO_EBADUTF8); /* keys too */
}

int main(void)
{
    RUN(test_all_types_pass);
    RUN(test_lying_counts);
    RUN(test_depth_cap);
    RUN(test_object_cap);
    RUN(test_trailing_and_reserved);
    RUN(test_bad_utf8);
    return t_report();
}
