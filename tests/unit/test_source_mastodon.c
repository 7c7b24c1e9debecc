/*
 * The pure parts of the Mastodon sources (ingest/sources/mastodon.c): the
 * per-timeline cursor JSON, id order, request URLs (paths, escaping,
 * min_id, types[]=mention), the timelines that fill a stream's gap, the
 * Link header, and what each streaming event becomes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "normalise.h"
#include "sources/mastodon.h"

#define BASE "https://mastodon.example"

static rc_mastodon_tl_t tl(rc_mastodon_tl_kind_t kind, const char *arg, int local, int remote) {
    rc_mastodon_tl_t t;
    assert_int_equal(rc_mastodon_tl_init(&t, kind, arg, local, remote), 0);
    return t;
}

static void test_timeline_keys_name_each_timeline_and_fold_hashtag_case(void **state) {
    rc_mastodon_tl_t t;
    (void)state;
    assert_string_equal(tl(RC_MTL_TAG, "#Refund", 0, 0).key, "tag:refund");
    assert_string_equal(tl(RC_MTL_TAG, "Refund", 0, 0).arg, "Refund");
    assert_string_equal(tl(RC_MTL_LIST, "3", 0, 0).key, "list:3");
    assert_string_equal(tl(RC_MTL_NOTIF, NULL, 0, 0).key, "notif");
    assert_string_equal(tl(RC_MTL_PUBLIC, NULL, 1, 0).key, "public:local");
    assert_string_equal(tl(RC_MTL_PUBLIC, NULL, 0, 1).key, "public:remote");
    assert_string_equal(tl(RC_MTL_HOME, NULL, 0, 0).key, "home");
    assert_int_equal(rc_mastodon_tl_init(&t, RC_MTL_TAG, "#", 0, 0), -1);
    assert_int_equal(rc_mastodon_tl_init(&t, RC_MTL_TAG, "", 0, 0), -1);
    assert_int_equal(rc_mastodon_tl_init(&t, RC_MTL_TAG, "a\nb", 0, 0), -1);
    assert_int_equal(rc_mastodon_tl_init(&t, RC_MTL_LIST, NULL, 0, 0), -1);
}

static void test_ids_order_as_numbers_not_as_strings(void **state) {
    (void)state;
    assert_true(rc_mastodon_id_cmp("9", "10") < 0);
    assert_true(rc_mastodon_id_cmp("115580042867716989", "99999999999999999") > 0);
    assert_true(rc_mastodon_id_cmp("1090", "1089") > 0);
    assert_int_equal(rc_mastodon_id_cmp("77", "77"), 0);
}

static void test_cursor_keeps_one_id_per_configured_timeline(void **state) {
    rc_mastodon_tl_t tls[3];
    int valid;
    json_t *cur;
    char *s;
    (void)state;
    tls[0] = tl(RC_MTL_TAG, "foo", 0, 0);
    tls[1] = tl(RC_MTL_NOTIF, NULL, 0, 0);
    tls[2] = tl(RC_MTL_LIST, "3", 0, 0);
    /* Unknown timelines (no longer configured), non-string and unfit ids
     * are dropped. */
    cur = rc_mastodon_cursor_load("{\"tag:foo\":\"1090\",\"notif\":77,\"list:3\":\"5\",\"tag:old\":\"9\","
                                  "\"x\":\"a b\"}",
                                  tls, 3, &valid);
    assert_non_null(cur);
    assert_int_equal(valid, 1);
    s = rc_mastodon_cursor_dump(cur);
    assert_string_equal(s, "{\"list:3\":\"5\",\"tag:foo\":\"1090\"}");
    free(s);
    /* Advancing moves forward only. */
    assert_int_equal(rc_mastodon_cursor_advance(cur, "tag:foo", "1089"), 0);
    assert_int_equal(rc_mastodon_cursor_advance(cur, "tag:foo", "1090"), 0);
    assert_int_equal(rc_mastodon_cursor_advance(cur, "tag:foo", "10000"), 1);
    assert_int_equal(rc_mastodon_cursor_advance(cur, "notif", "77"), 1);
    assert_int_equal(rc_mastodon_cursor_advance(cur, "notif", "bad id"), 0);
    s = rc_mastodon_cursor_dump(cur);
    assert_string_equal(s, "{\"list:3\":\"5\",\"notif\":\"77\",\"tag:foo\":\"10000\"}");
    free(s);
    json_decref(cur);
}

static void test_cursor_that_is_not_a_json_object_starts_afresh(void **state) {
    rc_mastodon_tl_t t = tl(RC_MTL_TAG, "foo", 0, 0);
    const char *bad[] = {"1090", "{\"tag:foo\":", "[\"1\"]", ""};
    int valid;
    json_t *cur;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cur = rc_mastodon_cursor_load(bad[i], &t, 1, &valid);
        assert_non_null(cur);
        assert_int_equal(valid, 0);
        assert_int_equal(json_object_size(cur), 0);
        json_decref(cur);
    }
    cur = rc_mastodon_cursor_load(NULL, &t, 1, &valid);
    assert_int_equal(valid, 1); /* none yet is not invalid */
    assert_int_equal(json_object_size(cur), 0);
    json_decref(cur);
}

static void test_escape_percent_encodes_all_but_unreserved(void **state) {
    char out[64], small[6];
    (void)state;
    assert_int_equal(rc_mastodon_escape(out, sizeof(out), "Qualit\xC3\xA4tskatzen"), 20);
    assert_string_equal(out, "Qualit%C3%A4tskatzen");
    rc_mastodon_escape(out, sizeof(out), "a b/c?d&e=f#g~h.i_j-k");
    assert_string_equal(out, "a%20b%2Fc%3Fd%26e%3Df%23g~h.i_j-k");
    assert_int_equal(rc_mastodon_escape(small, sizeof(small), "abcde"), 5);
    assert_int_equal(rc_mastodon_escape(small, sizeof(small), "abcdef"), -1);
    assert_int_equal(rc_mastodon_escape(small, sizeof(small), "abc d"), -1);
}

static void test_timeline_urls_page_forward_with_min_id(void **state) {
    char url[512];
    rc_mastodon_tl_t t;
    (void)state;
    t = tl(RC_MTL_TAG, "#Qualit\xC3\xA4tskatzen", 0, 0);
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, "1090", 40), 0);
    assert_string_equal(url, BASE "/api/v1/timelines/tag/Qualit%C3%A4tskatzen?limit=40&min_id=1090");
    t = tl(RC_MTL_TAG, "refund", 1, 0);
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, NULL, 20), 0);
    assert_string_equal(url, BASE "/api/v1/timelines/tag/refund?limit=20&local=true");
    t = tl(RC_MTL_LIST, "3", 0, 0);
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, "5", 40), 0);
    assert_string_equal(url, BASE "/api/v1/timelines/list/3?limit=40&min_id=5");
    t = tl(RC_MTL_NOTIF, NULL, 0, 0);
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, "77", 40), 0);
    assert_string_equal(url, BASE "/api/v1/notifications?types%5B%5D=mention&limit=40&min_id=77");
    t = tl(RC_MTL_PUBLIC, NULL, 0, 1);
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, NULL, 40), 0);
    assert_string_equal(url, BASE "/api/v1/timelines/public?limit=40&remote=true");
    t = tl(RC_MTL_HOME, NULL, 0, 0);
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, "1", 40), 0);
    assert_string_equal(url, BASE "/api/v1/timelines/home?limit=40&min_id=1");
    /* An id that would change the query is refused, as is a short buffer. */
    assert_int_equal(rc_mastodon_timeline_url(url, sizeof(url), BASE, &t, "1&limit=1", 40), -1);
    assert_int_equal(rc_mastodon_timeline_url(url, 30, BASE, &t, "1", 40), -1);
}

static void test_stream_urls_for_each_stream(void **state) {
    static const struct {
        const char *stream, *tag, *list, *want;
    } cases[] = {
        {"public", NULL, NULL, BASE "/api/v1/streaming/public"},
        {"public:local", NULL, NULL, BASE "/api/v1/streaming/public/local"},
        {"public:remote", NULL, NULL, BASE "/api/v1/streaming/public/remote"},
        {"hashtag", "#caf\xC3\xA9", NULL, BASE "/api/v1/streaming/hashtag?tag=caf%C3%A9"},
        {"hashtag:local", "refund", NULL, BASE "/api/v1/streaming/hashtag/local?tag=refund"},
        {"list", NULL, "12", BASE "/api/v1/streaming/list?list=12"},
        {"user", NULL, NULL, BASE "/api/v1/streaming/user"},
        {"user:notification", NULL, NULL, BASE "/api/v1/streaming/user/notification"},
    };
    char url[512];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(rc_mastodon_stream_url(url, sizeof(url), BASE, cases[i].stream, cases[i].tag, cases[i].list),
                         0);
        assert_string_equal(url, cases[i].want);
    }
    assert_int_equal(rc_mastodon_stream_url(url, sizeof(url), BASE, "hashtag", NULL, NULL), -1);
    assert_int_equal(rc_mastodon_stream_url(url, sizeof(url), BASE, "hashtag", "#", NULL), -1);
    assert_int_equal(rc_mastodon_stream_url(url, sizeof(url), BASE, "list", NULL, NULL), -1);
    assert_int_equal(rc_mastodon_stream_url(url, sizeof(url), BASE, "direct", NULL, NULL), -1);
}

static void test_streams_map_to_the_timelines_that_fill_their_gaps(void **state) {
    rc_mastodon_tl_t t[2];
    (void)state;
    assert_int_equal(rc_mastodon_stream_timelines("hashtag", "#Refund", NULL, t), 1);
    assert_int_equal(t[0].kind, RC_MTL_TAG);
    assert_string_equal(t[0].key, "tag:refund");
    assert_int_equal(t[0].local, 0);
    assert_int_equal(rc_mastodon_stream_timelines("hashtag:local", "refund", NULL, t), 1);
    assert_int_equal(t[0].local, 1);
    assert_int_equal(rc_mastodon_stream_timelines("list", NULL, "3", t), 1);
    assert_string_equal(t[0].key, "list:3");
    assert_int_equal(rc_mastodon_stream_timelines("user:notification", NULL, NULL, t), 1);
    assert_string_equal(t[0].key, "notif");
    assert_int_equal(rc_mastodon_stream_timelines("user", NULL, NULL, t), 2);
    assert_string_equal(t[0].key, "home");
    assert_string_equal(t[1].key, "notif");
    assert_int_equal(rc_mastodon_stream_timelines("public:remote", NULL, NULL, t), 1);
    assert_string_equal(t[0].key, "public:remote");
    assert_int_equal(rc_mastodon_stream_timelines("hashtag", NULL, NULL, t), -1);
    assert_int_equal(rc_mastodon_stream_timelines("nope", NULL, NULL, t), -1);
}

static void test_link_header_prev_gives_the_forward_min_id(void **state) {
    char id[64];
    (void)state;
    /* As in docs.joinmastodon.org/methods/notifications (with rel="prev"). */
    assert_int_equal(rc_mastodon_link_prev_min_id(
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Link: <https://mastodon.example/api/v1/notifications?max_id=34975535>; rel=\"next\", "
                         "<https://mastodon.example/api/v1/notifications?min_id=34975861>; rel=\"prev\"\r\n\r\n",
                         id, sizeof(id)),
                     1);
    assert_string_equal(id, "34975861");
    assert_int_equal(rc_mastodon_link_prev_min_id(
                         "link: <https://h/api/v1/timelines/tag/a?limit=40&min_id=7&xmin_id=9>; rel=\"prev\""
                         "\r\n",
                         id, sizeof(id)),
                     1);
    assert_string_equal(id, "7");
    assert_int_equal(rc_mastodon_link_prev_min_id("Link: <https://h/x?xmin_id=3>; rel=\"prev\"\r\n", id, sizeof(id)),
                     0);
    assert_int_equal(rc_mastodon_link_prev_min_id("Link: <https://h/x?max_id=3>; rel=\"next\"\r\n", id, sizeof(id)), 0);
    assert_int_equal(rc_mastodon_link_prev_min_id("Content-Type: application/json\r\n", id, sizeof(id)), 0);
    assert_int_equal(rc_mastodon_link_prev_min_id("Link: <https://h/x?min_id=1%26a>; rel=\"prev\"\r\n", id, sizeof(id)),
                     0);
}

/* Normalises a stream event's payload (must succeed). */
static json_t *norm(const rc_mastodon_ev_t *ev) {
    char err[256];
    json_t *p = rc_normalise(ev->payload, ev->payload_len, "2026-11-21T12:00:00Z", NULL, err, sizeof(err));
    if (!p)
        fail_msg("%s: %.200s", err, ev->payload);
    return p;
}

static const char *STATUS = "{\"id\":\"1090\",\"created_at\":\"2026-11-21T06:51:22.573Z\",\"edited_at\":null,"
                            "\"content\":\"<p>bag lost</p>\",\"account\":{\"id\":\"1\",\"acct\":\"a\"}}";

static void test_update_event_is_submitted_as_is_and_moves_the_status_cursor(void **state) {
    rc_mastodon_ev_t ev;
    json_t *p;
    (void)state;
    assert_int_equal(rc_mastodon_stream_event("update", STATUS, strlen(STATUS), "tag:foo", &ev), 0);
    assert_int_equal(ev.action, RC_MEV_SUBMIT);
    assert_string_equal(ev.payload, STATUS);
    assert_string_equal(ev.key, "tag:foo");
    assert_string_equal(ev.id, "1090");
    assert_null(ev.count);
    p = norm(&ev);
    assert_string_equal(json_string_value(json_object_get(p, "event")), "post");
    json_decref(p);
    free(ev.payload);
    /* A stream without a status timeline moves nothing. */
    assert_int_equal(rc_mastodon_stream_event("update", STATUS, strlen(STATUS), NULL, &ev), 0);
    assert_null(ev.key);
    free(ev.payload);
}

static void test_status_update_event_becomes_an_edit_without_moving_the_cursor(void **state) {
    rc_mastodon_ev_t ev;
    json_t *p;
    (void)state;
    assert_int_equal(rc_mastodon_stream_event("status.update", STATUS, strlen(STATUS), "tag:foo", &ev), 0);
    assert_int_equal(ev.action, RC_MEV_SUBMIT);
    assert_null(ev.key);
    assert_string_equal(ev.count, "edit");
    assert_non_null(strstr(ev.payload, "\"ricochet_event\":\"edit\""));
    p = norm(&ev);
    assert_string_equal(json_string_value(json_object_get(p, "event")), "edit");
    assert_string_equal(json_string_value(json_object_get(p, "id")), "1090");
    assert_string_equal(json_string_value(json_object_get(p, "text")), "bag lost");
    json_decref(p);
    free(ev.payload);
}

static void test_delete_event_becomes_a_mastodon_delete_record(void **state) {
    const char *ok[] = {"108914430312582020", " 108914430312582020\n", "\"108914430312582020\""};
    const char *bad[] = {"", "  ", "1 2", "\"x\\\"y\"", "{\"id\":\"1\"}"};
    rc_mastodon_ev_t ev;
    json_t *p;
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(rc_mastodon_stream_event("delete", ok[i], strlen(ok[i]), "tag:foo", &ev), 0);
        assert_int_equal(ev.action, RC_MEV_SUBMIT);
        assert_string_equal(ev.payload,
                            "{\"platform\":\"mastodon\",\"id\":\"108914430312582020\",\"event\":\"delete\"}");
        assert_string_equal(ev.count, "delete");
        assert_null(ev.key);
        p = norm(&ev);
        assert_string_equal(json_string_value(json_object_get(p, "event")), "delete");
        assert_string_equal(json_string_value(json_object_get(p, "platform")), "mastodon");
        json_decref(p);
        free(ev.payload);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rc_mastodon_stream_event("delete", bad[i], strlen(bad[i]), "tag:foo", &ev), 0);
        assert_int_equal(ev.action, RC_MEV_MALFORMED);
        assert_string_equal(ev.count, "malformed");
        assert_null(ev.payload);
    }
}

static void test_mention_notification_gives_its_status_and_moves_the_notification_cursor(void **state) {
    char n[1024];
    rc_mastodon_ev_t ev;
    json_t *p;
    (void)state;
    snprintf(n, sizeof(n), "{\"id\":\"68739215\",\"type\":\"mention\",\"account\":{\"id\":\"1\"},\"status\":%s}",
             STATUS);
    assert_int_equal(rc_mastodon_stream_event("notification", n, strlen(n), NULL, &ev), 0);
    assert_int_equal(ev.action, RC_MEV_SUBMIT);
    assert_string_equal(ev.key, "notif");
    assert_string_equal(ev.id, "68739215");
    p = norm(&ev);
    assert_string_equal(json_string_value(json_object_get(p, "id")), "1090");
    json_decref(p);
    free(ev.payload);
    /* A favourite is no post, but the cursor may pass it. */
    snprintf(n, sizeof(n), "{\"id\":\"68739216\",\"type\":\"favourite\",\"status\":%s}", STATUS);
    assert_int_equal(rc_mastodon_stream_event("notification", n, strlen(n), NULL, &ev), 0);
    assert_int_equal(ev.action, RC_MEV_IGNORE);
    assert_null(ev.payload);
    assert_string_equal(ev.key, "notif");
    assert_string_equal(ev.id, "68739216");
    /* A mention without its status is malformed. */
    snprintf(n, sizeof(n), "{\"id\":\"68739217\",\"type\":\"mention\",\"status\":null}");
    assert_int_equal(rc_mastodon_stream_event("notification", n, strlen(n), NULL, &ev), 0);
    assert_int_equal(ev.action, RC_MEV_MALFORMED);
    assert_null(ev.payload);
}

static void test_malformed_update_is_counted_and_handed_on_for_dead_lettering(void **state) {
    const char *bad[] = {"{\"id\":\"1\",\"content\":", "[1,2]", "undefined"};
    rc_mastodon_ev_t ev;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rc_mastodon_stream_event("update", bad[i], strlen(bad[i]), "tag:foo", &ev), 0);
        assert_int_equal(ev.action, RC_MEV_MALFORMED);
        assert_string_equal(ev.count, "malformed");
        assert_string_equal(ev.payload, bad[i]);
        assert_null(ev.key);
        free(ev.payload);
    }
    /* A status without a usable id is submitted (the normaliser says what
     * is wrong) but moves no cursor. */
    assert_int_equal(rc_mastodon_stream_event("update", "{\"content\":\"x\"}", 15, "tag:foo", &ev), 0);
    assert_int_equal(ev.action, RC_MEV_SUBMIT);
    assert_null(ev.key);
    free(ev.payload);
}

static void test_other_events_are_ignored(void **state) {
    const char *types[] = {"filters_changed", "announcement", "conversation", "message", "encrypted_message"};
    rc_mastodon_ev_t ev;
    (void)state;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        assert_int_equal(rc_mastodon_stream_event(types[i], "{}", 2, "tag:foo", &ev), 0);
        assert_int_equal(ev.action, RC_MEV_IGNORE);
        assert_null(ev.payload);
        assert_null(ev.key);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_keys_name_each_timeline_and_fold_hashtag_case),
        cmocka_unit_test(test_ids_order_as_numbers_not_as_strings),
        cmocka_unit_test(test_cursor_keeps_one_id_per_configured_timeline),
        cmocka_unit_test(test_cursor_that_is_not_a_json_object_starts_afresh),
        cmocka_unit_test(test_escape_percent_encodes_all_but_unreserved),
        cmocka_unit_test(test_timeline_urls_page_forward_with_min_id),
        cmocka_unit_test(test_stream_urls_for_each_stream),
        cmocka_unit_test(test_streams_map_to_the_timelines_that_fill_their_gaps),
        cmocka_unit_test(test_link_header_prev_gives_the_forward_min_id),
        cmocka_unit_test(test_update_event_is_submitted_as_is_and_moves_the_status_cursor),
        cmocka_unit_test(test_status_update_event_becomes_an_edit_without_moving_the_cursor),
        cmocka_unit_test(test_delete_event_becomes_a_mastodon_delete_record),
        cmocka_unit_test(test_mention_notification_gives_its_status_and_moves_the_notification_cursor),
        cmocka_unit_test(test_malformed_update_is_counted_and_handed_on_for_dead_lettering),
        cmocka_unit_test(test_other_events_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
