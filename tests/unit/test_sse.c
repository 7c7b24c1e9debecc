/*
 * Server-sent events parser (ingest/sources/sse.c): fields, joined data
 * lines, comments (Mastodon's ":thump" heartbeat), the three line endings
 * even when split between chunks, the size cap, and a stream cut off
 * mid-event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "source_file.h"
#include "sources/sse.h"

/* What the callback saw, one "kind|type|data|id" string per call. */
typedef struct {
    char *seen[32];
    size_t n;
    int stop_after; /* return 7 from the call with this 1-based number; 0 never */
} rec_t;

static int record(void *opaque, rc_sse_kind_t kind, const rc_sse_event_t *ev) {
    rec_t *r = opaque;
    char buf[4096];
    const char *k = kind == RC_SSE_EVENT ? "event" : kind == RC_SSE_COMMENT ? "comment" : "oversized";

    /* Every string handed over is NUL-terminated at its length. */
    assert_int_equal(strlen(ev->type), ev->type_len);
    assert_int_equal(strlen(ev->id), ev->id_len);
    if (ev->data)
        assert_int_equal(strlen(ev->data), ev->data_len);
    snprintf(buf, sizeof(buf), "%s|%s|%s|%s", k, ev->type, ev->data ? ev->data : "(null)", ev->id);
    assert_true(r->n < 32);
    r->seen[r->n++] = strdup(buf);
    return r->stop_after && (int)r->n == r->stop_after ? 7 : 0;
}

static void rec_free(rec_t *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->seen[i]);
    r->n = 0;
}

/* Feeds "s" in chunks of "chunk" bytes (0: all at once). */
static int feed(rc_sse_t *p, const char *s, size_t chunk, rec_t *r) {
    size_t n = strlen(s), i = 0;
    if (!chunk)
        return rc_sse_feed(p, s, n, record, r);
    while (i < n) {
        size_t k = n - i < chunk ? n - i : chunk;
        int rc = rc_sse_feed(p, s + i, k, record, r);
        if (rc)
            return rc;
        i += k;
    }
    return 0;
}

static void test_event_data_and_id_fields_make_one_event_on_the_blank_line(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "event: update\nid: 41\ndata: {\"id\":\"1\"}\n", 0, &r), 0);
    assert_int_equal(r.n, 0); /* not before the blank line */
    assert_int_equal(feed(&p, "\n", 0, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|update|{\"id\":\"1\"}|41");
    assert_int_equal(p.events, 1);
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_data_lines_are_joined_with_newlines_and_type_defaults_to_message(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "data: one\ndata:two\ndata\ndata:  four\n\n", 0, &r), 0);
    assert_int_equal(r.n, 1);
    /* One space after the colon is dropped, a second one kept; "data"
     * without a colon is an empty line of data. */
    assert_string_equal(r.seen[0], "event|message|one\ntwo\n\n four|");
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_event_type_does_not_leak_into_the_next_event(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "event: delete\ndata: 9\n\ndata: x\n\n", 0, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.seen[0], "event|delete|9|");
    assert_string_equal(r.seen[1], "event|message|x|");
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_blank_line_without_data_dispatches_nothing(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "\n\nevent: filters_changed\n\n\n", 0, &r), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(p.events, 0);
    /* An empty data field is still data. */
    assert_int_equal(feed(&p, "data:\n\n", 0, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|message||");
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_comment_lines_are_heartbeats_and_do_not_end_events(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, ":thump\nevent: update\n:thump\ndata: a\n\n:)\n", 0, &r), 0);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.seen[0], "comment||thump|");
    assert_string_equal(r.seen[1], "comment||thump|");
    assert_string_equal(r.seen[2], "event|update|a|");
    assert_string_equal(r.seen[3], "comment||)|");
    assert_int_equal(p.comments, 3);
    assert_int_equal(p.events, 1);
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_crlf_lf_and_cr_line_endings_all_work(void **state) {
    const char *const streams[] = {
        "event: update\r\ndata: a\r\ndata: b\r\n\r\n:thump\r\n",
        "event: update\ndata: a\ndata: b\n\n:thump\n",
        "event: update\rdata: a\rdata: b\r\r:thump\r",
        "event: update\r\ndata: a\rdata: b\n\r\n:thump\r",
    };
    (void)state;
    for (size_t s = 0; s < sizeof(streams) / sizeof(streams[0]); s++) {
        /* Whole, and one byte at a time (so "\r\n" is split across feeds). */
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            rc_sse_t p;
            rec_t r = {0};
            rc_sse_init(&p, 0);
            assert_int_equal(feed(&p, streams[s], chunk, &r), 0);
            if (r.n != 2)
                fail_msg("stream %zu chunk %zu: %zu callbacks", s, chunk, r.n);
            assert_string_equal(r.seen[0], "event|update|a\nb|");
            assert_string_equal(r.seen[1], "comment||thump|");
            rec_free(&r);
            rc_sse_free(&p);
        }
    }
}

static void test_crlf_split_between_chunks_is_one_line_end(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    /* Were the '\n' after the '\r' taken for a blank line, "a" would be
     * dispatched alone. */
    assert_int_equal(feed(&p, "data: a\r", 0, &r), 0);
    assert_int_equal(feed(&p, "\ndata: b\r", 0, &r), 0);
    assert_int_equal(feed(&p, "\n", 0, &r), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(feed(&p, "\r", 0, &r), 0); /* the blank line */
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|message|a\nb|");
    /* Its "\n" is part of it, not a second blank line. */
    assert_int_equal(feed(&p, "\ndata: c\n\n", 0, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.seen[1], "event|message|c|");
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_fields_split_at_first_colon_and_unknown_fields_are_ignored(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "foo: bar\ndata: a: b\nDATA: no\nretry: 3000\nretry: x1\n\n", 0, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|message|a: b|");
    assert_int_equal(p.retry_ms, 3000);
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_last_event_id_persists_across_events(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", 0, &r), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.seen[0], "event|message|a|7");
    assert_string_equal(r.seen[1], "event|message|b|7");
    assert_string_equal(r.seen[2], "event|message|c|"); /* "id" alone resets it */
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_oversized_event_is_reported_once_and_skipped(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 16);
    /* Over the cap by accumulating lines, then by a single long line. */
    assert_int_equal(feed(&p, "event: update\ndata: 0123456789\ndata: 0123456789\n\ndata: ok\n\n", 3, &r), 0);
    assert_int_equal(feed(&p, "event: update\ndata: ", 0, &r), 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(feed(&p, "0123456789", 0, &r), 0);
    assert_int_equal(feed(&p, "\ndata: more\n\nevent: delete\ndata: 5\n\n", 0, &r), 0);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.seen[0], "oversized|update|(null)|");
    assert_string_equal(r.seen[1], "event|message|ok|");
    assert_string_equal(r.seen[2], "oversized|update|(null)|");
    assert_string_equal(r.seen[3], "event|delete|5|");
    assert_int_equal(p.oversized, 2);
    assert_int_equal(p.events, 2);
    /* The long line was never buffered whole. */
    assert_true(p.line_cap <= 256);
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_data_exactly_at_the_cap_is_kept(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 8);
    assert_int_equal(feed(&p, "data: 1234\ndata: 567\n\ndata: 123456789\n\n", 0, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.seen[0], "event|message|1234\n567|"); /* 8 bytes */
    assert_string_equal(r.seen[1], "oversized|message|(null)|");
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_overlong_comment_is_dropped_without_spoiling_the_event(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    char big[400];
    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[0] = ':';
    big[sizeof(big) - 1] = '\0';
    rc_sse_init(&p, 16);
    assert_int_equal(feed(&p, "data: a\n", 0, &r), 0);
    assert_int_equal(feed(&p, big, 7, &r), 0);
    assert_int_equal(feed(&p, "\ndata: b\n\n", 0, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|message|a\nb|");
    assert_int_equal(p.oversized, 0);
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_event_cut_off_by_the_end_of_the_stream_is_never_dispatched(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "event: update\ndata: {\"id\":\"1\",\"cont", 0, &r), 0);
    assert_int_equal(r.n, 0);
    /* A new connection starts clean: the half line is not glued to it. */
    rc_sse_reset(&p);
    assert_int_equal(feed(&p, "ent\":\"x\"}\n\nevent: update\ndata: {\"id\":\"2\"}\n\n", 0, &r), 0);
    /* The tail of the cut line reads as an unknown field and is ignored;
     * the half event never comes out as an "update". */
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|update|{\"id\":\"2\"}|");
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_callback_result_stops_the_feed(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    r.stop_after = 2;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p, "data: a\n\n:thump\ndata: c\n\n", 0, &r), 7);
    assert_int_equal(r.n, 2);
    rec_free(&r);
    rc_sse_free(&p);
}

static void test_leading_byte_order_mark_is_skipped(void **state) {
    rc_sse_t p;
    rec_t r = {0};
    (void)state;
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p,
                          "\xEF\xBB\xBF"
                          "data: a\n\n",
                          1, &r),
                     0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "event|message|a|");
    rec_free(&r);
    rc_sse_free(&p);
    /* Bytes that only start like one are content. */
    rc_sse_init(&p, 0);
    assert_int_equal(feed(&p,
                          "\xEF"
                          "data: a\n\n:\xEF\xBB\n",
                          0, &r),
                     0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "comment||\xEF\xBB|");
    rec_free(&r);
    rc_sse_free(&p);
}

/* The stream fixture of the integration test, parsed whole and byte by
 * byte, gives the same events. */
static void test_mastodon_fixture_stream_parses_the_same_in_any_chunking(void **state) {
    size_t len;
    (void)state;
    char *buf = rc_test_read("tests/fixtures/mastodon/stream_hashtag.sse", &len);
    long n = (long)len;
    {
        rc_sse_t a, b;
        rec_t ra = {0}, rb = {0};
        rc_sse_init(&a, 0);
        rc_sse_init(&b, 0);
        assert_int_equal(rc_sse_feed(&a, buf, (size_t)n, record, &ra), 0);
        for (long i = 0; i < n; i++)
            assert_int_equal(rc_sse_feed(&b, buf + i, 1, record, &rb), 0);
        assert_true(ra.n >= 5);
        assert_int_equal(ra.n, rb.n);
        for (size_t i = 0; i < ra.n; i++)
            assert_string_equal(ra.seen[i], rb.seen[i]);
        assert_int_equal(a.events, 4); /* update, update, status.update, delete */
        assert_true(a.comments >= 2);
        rec_free(&ra);
        rec_free(&rb);
        rc_sse_free(&a);
        rc_sse_free(&b);
    }
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_data_and_id_fields_make_one_event_on_the_blank_line),
        cmocka_unit_test(test_data_lines_are_joined_with_newlines_and_type_defaults_to_message),
        cmocka_unit_test(test_event_type_does_not_leak_into_the_next_event),
        cmocka_unit_test(test_blank_line_without_data_dispatches_nothing),
        cmocka_unit_test(test_comment_lines_are_heartbeats_and_do_not_end_events),
        cmocka_unit_test(test_crlf_lf_and_cr_line_endings_all_work),
        cmocka_unit_test(test_crlf_split_between_chunks_is_one_line_end),
        cmocka_unit_test(test_fields_split_at_first_colon_and_unknown_fields_are_ignored),
        cmocka_unit_test(test_last_event_id_persists_across_events),
        cmocka_unit_test(test_oversized_event_is_reported_once_and_skipped),
        cmocka_unit_test(test_data_exactly_at_the_cap_is_kept),
        cmocka_unit_test(test_overlong_comment_is_dropped_without_spoiling_the_event),
        cmocka_unit_test(test_event_cut_off_by_the_end_of_the_stream_is_never_dispatched),
        cmocka_unit_test(test_callback_result_stops_the_feed),
        cmocka_unit_test(test_leading_byte_order_mark_is_skipped),
        cmocka_unit_test(test_mastodon_fixture_stream_parses_the_same_in_any_chunking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
