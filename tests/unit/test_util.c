/*
 * common/util.c: UTF-8 validation, base64, HMAC-SHA256 (RFC 4231 vectors),
 * constant-time comparison and the clocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "util.h"

#define U8(s) rc_utf8_valid((s), sizeof(s) - 1)

static void test_utf8_accepts_ascii_and_well_formed_sequences(void **state) {
    assert_true(rc_utf8_valid("", 0));
    assert_true(U8("plain ascii ~"));
    assert_true(U8("caf\xc3\xa9"));                /* U+00E9, 2 bytes */
    assert_true(U8("\xe2\x82\xac 5"));             /* U+20AC, 3 bytes */
    assert_true(U8("\xf0\x9f\x98\xa0!"));          /* U+1F620, 4 bytes */
    assert_true(U8("\xc2\x80"));                   /* U+0080, smallest 2-byte */
    assert_true(U8("\xe0\xa0\x80"));               /* U+0800, smallest 3-byte */
    assert_true(U8("\xef\xbf\xbf"));               /* U+FFFF */
    assert_true(U8("\xee\x80\x80"));               /* U+E000, just past the surrogates */
    assert_true(U8("\xed\x9f\xbf"));               /* U+D7FF, just before them */
    assert_true(U8("\xf0\x90\x80\x80"));           /* U+10000, smallest 4-byte */
    assert_true(U8("\xf4\x8f\xbf\xbf"));           /* U+10FFFF, the last code point */
}

static void test_utf8_rejects_overlong_forms(void **state) {
    assert_false(U8("\xc0\x80"));         /* NUL as 2 bytes */
    assert_false(U8("\xc1\xbf"));         /* U+007F as 2 bytes */
    assert_false(U8("\xe0\x80\xaf"));     /* '/' as 3 bytes */
    assert_false(U8("\xe0\x9f\xbf"));     /* U+07FF as 3 bytes */
    assert_false(U8("\xf0\x80\x80\xaf")); /* '/' as 4 bytes */
    assert_false(U8("\xf0\x8f\xbf\xbf")); /* U+FFFF as 4 bytes */
}

static void test_utf8_rejects_surrogates_and_out_of_range(void **state) {
    assert_false(U8("\xed\xa0\x80"));     /* U+D800 */
    assert_false(U8("\xed\xbf\xbf"));     /* U+DFFF */
    assert_false(U8("\xed\xa0\xbd\xed\xb8\x80")); /* a CESU-8 surrogate pair */
    assert_false(U8("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(U8("\xf5\x80\x80\x80"));
    assert_false(U8("\xf8\x88\x80\x80\x80")); /* old 5-byte form */
    assert_false(U8("\xff"));
    assert_false(U8("\xfe"));
}

static void test_utf8_rejects_truncated_and_stray_bytes(void **state) {
    assert_false(U8("abc\xc3"));          /* lead byte at the end */
    assert_false(U8("\xe2\x82"));         /* 3-byte sequence cut after 2 */
    assert_false(U8("\xf0\x9f\x98"));     /* 4-byte sequence cut after 3 */
    assert_false(U8("\xe2\x82x"));        /* continuation replaced by ASCII */
    assert_false(U8("\x80"));             /* stray continuation byte */
    assert_false(U8("a\xbf" "b"));
    /* The length is honoured: a sequence cut by "len" is truncated even if
     * the bytes after it would complete it. */
    assert_false(rc_utf8_valid("\xc3\xa9", 1));
    assert_true(rc_utf8_valid("ok\xff", 2));
}

static void test_utf8_rejects_nul_bytes(void **state) {
    assert_false(rc_utf8_valid("a\0b", 3));
    assert_false(rc_utf8_valid("\0", 1));
    assert_true(rc_utf8_valid("a\0b", 1));
}

static void rc_t_b64(const char *in, size_t len, const char *want) {
    char *got = rc_base64(in, len);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_base64_matches_rfc4648_vectors(void **state) {
    rc_t_b64("", 0, "");
    rc_t_b64("f", 1, "Zg==");
    rc_t_b64("fo", 2, "Zm8=");
    rc_t_b64("foo", 3, "Zm9v");
    rc_t_b64("foob", 4, "Zm9vYg==");
    rc_t_b64("fooba", 5, "Zm9vYmE=");
    rc_t_b64("foobar", 6, "Zm9vYmFy");
    /* Binary input with NUL and high bytes; "root:password" as used for
     * basic auth. */
    rc_t_b64("\0\xff\xfe", 3, "AP/+");
    rc_t_b64("root:password", 13, "cm9vdDpwYXNzd29yZA==");
}

static void test_base64_of_long_input_has_no_line_breaks(void **state) {
    char buf[3000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)(i * 7);
    char *got = rc_base64(buf, sizeof(buf));
    assert_non_null(got);
    assert_int_equal(strlen(got), 4000);
    assert_null(strchr(got, '\n'));
    free(got);
}

static void rc_t_hmac(const char *key, size_t key_len, const char *msg, size_t msg_len, const char *want) {
    char out[65];
    memset(out, 'x', sizeof(out));
    rc_hmac_sha256_hex(key, key_len, msg, msg_len, out);
    assert_string_equal(out, want);
}

static void test_hmac_sha256_matches_rfc4231_vectors(void **state) {
    char key[131];
    /* Test case 1: 20 bytes of 0x0b, "Hi There". */
    memset(key, 0x0b, 20);
    rc_t_hmac(key, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* Test case 2: a key shorter than the output. */
    rc_t_hmac("Jefe", 4, "what do ya want for nothing?", 28,
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* Test case 6: a key longer than the block size is hashed first. */
    memset(key, 0xaa, 131);
    rc_t_hmac(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_consttime_streq_compares_whole_strings(void **state) {
    assert_true(rc_consttime_streq("", ""));
    assert_true(rc_consttime_streq("sha256=abc", "sha256=abc"));
    assert_false(rc_consttime_streq("sha256=abc", "sha256=abd"));
    assert_false(rc_consttime_streq("abc", "abcd")); /* a prefix is not equal */
    assert_false(rc_consttime_streq("abcd", "abc"));
    assert_false(rc_consttime_streq("", "a"));
    assert_false(rc_consttime_streq("Abc", "abc"));
}

static void test_now_rfc3339_has_millisecond_utc_form(void **state) {
    char buf[40];
    int y, mo, d, h, mi, s, ms;
    char z;
    rc_now_rfc3339(buf, sizeof(buf));
    assert_int_equal(strlen(buf), 24);
    assert_int_equal(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z), 8);
    assert_int_equal(z, 'Z');
    assert_true(y >= 2024 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s <= 60);
    /* A short buffer is cut, never overrun. */
    memset(buf, '#', sizeof(buf));
    rc_now_rfc3339(buf, 5);
    assert_int_equal(strlen(buf), 4);
    assert_int_equal(buf[5], '#');
}

static void test_mono_ms_advances(void **state) {
    int64_t a = rc_mono_ms();
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int64_t b = rc_mono_ms();
    assert_true(b - a >= 29 && b - a < 5000);
}

static void test_rfc3339_epoch_matches_date_and_rejects_bad_times(void **state) {
    int64_t t = 0;
    (void)state;
    /* Expected values from GNU date -u -d ... +%s. */
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T06:38:31Z", &t), 0);
    assert_int_equal(t, 1795329511);
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T06:38:31.987Z", &t), 0);
    assert_int_equal(t, 1795329511);
    assert_int_equal(rc_rfc3339_epoch("2026-11-21T08:01:02+01:00", &t), 0);
    assert_int_equal(t, 1795244462);
    assert_int_equal(rc_rfc3339_epoch("2000-02-29T00:00:00Z", &t), 0);
    assert_int_equal(t, 951782400);
    assert_int_equal(rc_rfc3339_epoch("1969-12-31T23:59:59Z", &t), 0);
    assert_int_equal(t, -1);
    t = 42;
    assert_int_equal(rc_rfc3339_epoch("2026-02-29T00:00:00Z", &t), -1); /* not a leap year */
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T06:38:31", &t), -1);  /* no zone */
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T06:38:31Zjunk", &t), -1);
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T24:00:00Z", &t), -1);
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T06:38:31.Z", &t), -1);
    assert_int_equal(rc_rfc3339_epoch("2026-11-22T06:38:31+01", &t), -1);
    assert_int_equal(rc_rfc3339_epoch("", &t), -1);
    assert_int_equal(rc_rfc3339_epoch(NULL, &t), -1);
    assert_int_equal(t, 42); /* untouched on failure */
}

static void test_post_version_separates_edits_by_text_and_deletes_from_posts(void **state) {
    char a[128], b[128];
    (void)state;
    json_t *post = json_pack("{s:s, s:s, s:s}", "id", "101", "event", "post", "text", "bag lost");
    json_t *edit1 = json_pack("{s:s, s:s, s:s}", "id", "101", "event", "edit", "text", "bag lost, day 4");
    json_t *edit2 = json_pack("{s:s, s:s, s:s}", "id", "101", "event", "edit", "text", "bag lost, day 5");
    json_t *del = json_pack("{s:s, s:s, s:s}", "id", "101", "event", "delete", "text", "");
    json_t *old = json_pack("{s:s, s:s}", "id", "101", "text", "no event field: a post");

    assert_string_equal(rc_post_version(post, a, sizeof(a)), "101");
    assert_string_equal(rc_post_version(old, a, sizeof(a)), "101");
    assert_string_equal(rc_post_version(del, a, sizeof(a)), "101:delete");
    rc_post_version(edit1, a, sizeof(a));
    rc_post_version(edit2, b, sizeof(b));
    assert_int_equal(strncmp(a, "101:edit:", 9), 0);
    assert_int_equal(strlen(a), 9 + 16);
    assert_string_not_equal(a, b);
    /* Stable across processes: FNV-1a 64 of "bag lost, day 4", computed
     * independently (with perl and python) from the published parameters. */
    assert_string_equal(a, "101:edit:58d0caed0f372d69");
    json_decref(post);
    json_decref(edit1);
    json_decref(edit2);
    json_decref(del);
    json_decref(old);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_ascii_and_well_formed_sequences),
        cmocka_unit_test(test_utf8_rejects_overlong_forms),
        cmocka_unit_test(test_utf8_rejects_surrogates_and_out_of_range),
        cmocka_unit_test(test_utf8_rejects_truncated_and_stray_bytes),
        cmocka_unit_test(test_utf8_rejects_nul_bytes),
        cmocka_unit_test(test_base64_matches_rfc4648_vectors),
        cmocka_unit_test(test_base64_of_long_input_has_no_line_breaks),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_vectors),
        cmocka_unit_test(test_consttime_streq_compares_whole_strings),
        cmocka_unit_test(test_now_rfc3339_has_millisecond_utc_form),
        cmocka_unit_test(test_mono_ms_advances),
        cmocka_unit_test(test_rfc3339_epoch_matches_date_and_rejects_bad_times),
        cmocka_unit_test(test_post_version_separates_edits_by_text_and_deletes_from_posts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
