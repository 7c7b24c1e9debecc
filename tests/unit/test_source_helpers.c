/*
 * The pure helpers behind every source (ingest/source.c) and the header
 * lookup of the HTTP client: the stream line splitter, rate-limit headers
 * of X, Mastodon and Reddit, backoff with jitter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http_client.h"
#include "source.h"

typedef struct {
    char lines[16][64];
    int n, oversized, stop_after;
} rc_t_lines_t;

static int rc_t_on_line(void *opaque, const char *line, size_t len, int oversized) {
    rc_t_lines_t *l = opaque;
    if (oversized) {
        l->oversized++;
    } else {
        snprintf(l->lines[l->n], sizeof(l->lines[0]), "%.*s", (int)len, line);
        l->n++;
    }
    return l->stop_after && l->n >= l->stop_after ? 7 : 0;
}

static void test_linebuf_joins_lines_split_across_chunks_and_strips_crlf(void **state) {
    rc_linebuf_t lb;
    rc_t_lines_t l = {0};
    (void)state;
    rc_linebuf_init(&lb, 100);
    assert_int_equal(rc_linebuf_feed(&lb, "{\"a\":", 5, rc_t_on_line, &l), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(rc_linebuf_feed(&lb, "1}\r\n\r\n{\"b\"", 10, rc_t_on_line, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.lines[0], "{\"a\":1}");
    assert_string_equal(l.lines[1], ""); /* an X keep-alive is an empty line */
    assert_int_equal(rc_linebuf_feed(&lb, ":2}\n", 4, rc_t_on_line, &l), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.lines[2], "{\"b\":2}");
    rc_linebuf_free(&lb);
}

static void test_linebuf_skips_an_oversized_line_to_its_end_once(void **state) {
    rc_linebuf_t lb;
    rc_t_lines_t l = {0};
    char big[64];
    (void)state;
    memset(big, 'x', sizeof(big));
    rc_linebuf_init(&lb, 10);
    assert_int_equal(rc_linebuf_feed(&lb, "ok\n", 3, rc_t_on_line, &l), 0);
    assert_int_equal(rc_linebuf_feed(&lb, big, sizeof(big), rc_t_on_line, &l), 0);
    assert_int_equal(rc_linebuf_feed(&lb, big, sizeof(big), rc_t_on_line, &l), 0);
    assert_int_equal(rc_linebuf_feed(&lb, "xx\nafter\n", 9, rc_t_on_line, &l), 0);
    assert_int_equal(l.oversized, 1);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.lines[0], "ok");
    assert_string_equal(l.lines[1], "after");
    rc_linebuf_free(&lb);
}

static void test_linebuf_stops_when_the_callback_says_so(void **state) {
    rc_linebuf_t lb;
    rc_t_lines_t l = {.stop_after = 1};
    (void)state;
    rc_linebuf_init(&lb, 100);
    assert_int_equal(rc_linebuf_feed(&lb, "a\nb\nc\n", 6, rc_t_on_line, &l), 7);
    assert_int_equal(l.n, 1);
    rc_linebuf_free(&lb);
}

#define NOW_MS 1795000000000LL /* 2026-11-18T11:06:40Z in ms */

static void test_ratelimit_x_reset_is_epoch_seconds(void **state) {
    (void)state;
    rc_ratelimit_t rl = rc_ratelimit_parse("HTTP/1.1 200 OK\r\nx-rate-limit-limit: 450\r\n"
                                           "x-rate-limit-remaining: 0\r\nx-rate-limit-reset: 1795000030\r\n\r\n",
                                           NOW_MS);
    assert_true(rl.known);
    assert_true(rl.remaining == 0);
    assert_int_equal(rl.reset_ms, 30000);
}

static void test_ratelimit_mastodon_reset_is_an_iso_time(void **state) {
    (void)state;
    /* 1795000000 s = 2026-11-18T11:06:40Z. */
    rc_ratelimit_t rl = rc_ratelimit_parse("X-RateLimit-Limit: 300\r\nX-RateLimit-Remaining: 12\r\n"
                                           "X-RateLimit-Reset: 2026-11-18T11:11:40.123Z\r\n",
                                           NOW_MS);
    assert_true(rl.known);
    assert_true(rl.remaining == 12);
    assert_int_equal(rl.reset_ms, 300123);
    rl = rc_ratelimit_parse("X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 2026-11-18T12:06:40+01:00\r\n", NOW_MS);
    assert_int_equal(rl.reset_ms, 0); /* offsets are honoured: that is now */
}

static void test_ratelimit_reddit_reset_is_seconds_from_now_with_float_remaining(void **state) {
    (void)state;
    rc_ratelimit_t rl = rc_ratelimit_parse("X-Ratelimit-Used: 99\r\nX-Ratelimit-Remaining: 0.0\r\n"
                                           "X-Ratelimit-Reset: 412\r\n",
                                           NOW_MS);
    assert_true(rl.known);
    assert_true(rl.remaining < 1);
    assert_int_equal(rl.reset_ms, 412000);
}

static void test_ratelimit_absent_or_garbled_headers_are_unknown(void **state) {
    (void)state;
    rc_ratelimit_t rl = rc_ratelimit_parse("Content-Type: application/json\r\n", NOW_MS);
    assert_false(rl.known);
    assert_int_equal(rl.reset_ms, -1);
    rl = rc_ratelimit_parse("x-rate-limit-remaining: lots\r\nx-rate-limit-reset: soon\r\n", NOW_MS);
    assert_false(rl.known);
    assert_int_equal(rl.reset_ms, -1);
    rl = rc_ratelimit_parse(NULL, NOW_MS);
    assert_false(rl.known);
}

static void test_backoff_doubles_within_jitter_and_stops_at_the_cap(void **state) {
    (void)state;
    assert_int_equal(rc_backoff_ms(1000, 60000, 0, 0.0), 500);
    assert_int_equal(rc_backoff_ms(1000, 60000, 0, 0.999999), 999);
    assert_int_equal(rc_backoff_ms(1000, 60000, 3, 0.0), 4000);
    assert_int_equal(rc_backoff_ms(1000, 60000, 3, 0.5), 6000);
    assert_int_equal(rc_backoff_ms(1000, 60000, 30, 0.0), 30000);
    assert_int_equal(rc_backoff_ms(1000, 60000, 1000, 0.999999), 59999);
}

static void test_header_get_is_case_insensitive_trims_and_takes_the_last(void **state) {
    char v[32];
    const char *h = "HTTP/1.1 200 OK\r\nRetry-After:  7 \r\nX-A: one\r\nx-a: two\r\nX-Long: 0123456789abcdefghij"
                    "0123456789abcdefghij\r\n\r\n";
    (void)state;
    assert_int_equal(rc_http_header_get(h, "retry-after", v, sizeof(v)), 1);
    assert_string_equal(v, "7");
    assert_int_equal(rc_http_header_get(h, "X-A", v, sizeof(v)), 1);
    assert_string_equal(v, "two");
    assert_int_equal(rc_http_header_get(h, "X-Long", v, 8), 1);
    assert_string_equal(v, "0123456");
    assert_int_equal(rc_http_header_get(h, "X-Missing", v, sizeof(v)), 0);
    assert_string_equal(v, "");
    assert_int_equal(rc_http_header_get(h, "X", v, sizeof(v)), 0); /* a prefix is not a name */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linebuf_joins_lines_split_across_chunks_and_strips_crlf),
        cmocka_unit_test(test_linebuf_skips_an_oversized_line_to_its_end_once),
        cmocka_unit_test(test_linebuf_stops_when_the_callback_says_so),
        cmocka_unit_test(test_ratelimit_x_reset_is_epoch_seconds),
        cmocka_unit_test(test_ratelimit_mastodon_reset_is_an_iso_time),
        cmocka_unit_test(test_ratelimit_reddit_reset_is_seconds_from_now_with_float_remaining),
        cmocka_unit_test(test_ratelimit_absent_or_garbled_headers_are_unknown),
        cmocka_unit_test(test_backoff_doubles_within_jitter_and_stops_at_the_cap),
        cmocka_unit_test(test_header_get_is_case_insensitive_trims_and_takes_the_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
