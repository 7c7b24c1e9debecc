/*
 * The X API v2 sources' pure parts (ingest/sources/x.c): the request URLs
 * (fields, query encoding, since_id, pagination_token, backfill_minutes),
 * the split of a search page into one x_v2 payload per tweet, stream line
 * classification, id ordering, X's reconnect waits and problem texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "normalise.h"
#include "sources/x.h"

#define DEF_TWEET_FIELDS                                                                                               \
    "created_at,author_id,conversation_id,public_metrics,entities,lang,referenced_tweets,edit_history_tweet_ids,"      \
    "note_tweet"
#define DEF_USER_FIELDS "username,name,verified,verified_type,public_metrics"
#define DEF_EXPANSIONS "author_id,referenced_tweets.id,referenced_tweets.id.author_id"

static rc_x_conf_t conf(const char *base, const char *query) {
    rc_x_conf_t c;
    memset(&c, 0, sizeof(c));
    c.base_url = (char *)base;
    c.bearer_token = "T";
    c.tweet_fields = DEF_TWEET_FIELDS;
    c.user_fields = DEF_USER_FIELDS;
    c.expansions = DEF_EXPANSIONS;
    c.query = (char *)query;
    c.max_results = 100;
    c.max_pages = 10;
    c.idle_timeout_ms = 30000;
    return c;
}

/* ---- URLs ----------------------------------------------------------------- */

static void test_search_url_carries_query_fields_and_page_size(void **state) {
    rc_x_conf_t c = conf("https://api.x.com", "@SWA (rude OR late) -is:retweet lang:en");
    char *u = rc_x_search_url(&c, NULL, NULL);
    (void)state;
    assert_string_equal(u, "https://api.x.com/2/tweets/search/recent?tweet.fields=" DEF_TWEET_FIELDS
                           "&user.fields=" DEF_USER_FIELDS "&expansions=" DEF_EXPANSIONS
                           "&query=%40SWA%20%28rude%20OR%20late%29%20-is%3Aretweet%20lang%3Aen&max_results=100");
    free(u);
}

static void test_search_url_adds_since_id_and_pagination_token(void **state) {
    rc_x_conf_t c = conf("http://127.0.0.1:8080/", "brand");
    char *u;
    (void)state;
    c.max_results = 10;
    u = rc_x_search_url(&c, "1992000000000000001", "b26v89c19zqg8o3fpzbkk&x=1");
    /* The trailing slash of base_url is not doubled; a token is encoded. */
    assert_non_null(strstr(u, "http://127.0.0.1:8080/2/tweets/search/recent?tweet.fields="));
    assert_non_null(strstr(u, "&query=brand&max_results=10&since_id=1992000000000000001"
                              "&pagination_token=b26v89c19zqg8o3fpzbkk%26x%3D1"));
    assert_null(strstr(u, "backfill"));
    free(u);
    u = rc_x_search_url(&c, NULL, "next1");
    assert_null(strstr(u, "since_id"));
    assert_non_null(strstr(u, "&pagination_token=next1"));
    free(u);
}

static void test_stream_url_sends_backfill_minutes_only_when_asked(void **state) {
    rc_x_conf_t c = conf("https://api.x.com", NULL);
    char *first = rc_x_stream_url(&c, 0), *again = rc_x_stream_url(&c, 2);
    (void)state;
    assert_string_equal(first, "https://api.x.com/2/tweets/search/stream?tweet.fields=" DEF_TWEET_FIELDS
                               "&user.fields=" DEF_USER_FIELDS "&expansions=" DEF_EXPANSIONS);
    assert_int_equal(strlen(again), strlen(first) + strlen("&backfill_minutes=2"));
    assert_string_equal(again + strlen(first), "&backfill_minutes=2");
    free(first);
    free(again);
}

static void test_config_check_refuses_bad_base_url_fields_and_empty_values(void **state) {
    rc_x_conf_t c = conf("https://api.x.com", "brand");
    char err[256];
    (void)state;
    assert_int_equal(rc_source_x_search.check(&c, err, sizeof(err)), 0);
    c.base_url = "api.x.com";
    assert_int_equal(rc_source_x_search.check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "base_url"));
    c = conf("https://api.x.com", "brand");
    c.tweet_fields = "created_at&evil=1";
    assert_int_equal(rc_source_x_search.check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tweet_fields"));
    c = conf("https://api.x.com", "");
    assert_int_equal(rc_source_x_search.check(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "query is empty");
    c = conf("https://api.x.com", "q");
    c.bearer_token = "";
    assert_int_equal(rc_source_x_stream.check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bearer_token"));
    assert_ptr_equal(rc_source_find("x_stream"), &rc_source_x_stream);
    assert_ptr_equal(rc_source_find("x_search"), &rc_source_x_search);
}

/* ---- search pages --------------------------------------------------------- */

/* A page as GET /2/tweets/search/recent answers it: a reply, a retweet of
 * an included tweet, a quote of a tweet that is not included, and a partial
 * error for a deleted reference. */
static const char *PAGE =
    "{\"data\":["
    "{\"id\":\"103\",\"text\":\"@SWA still waiting\",\"author_id\":\"1\",\"edit_history_tweet_ids\":[\"103\"],"
    "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"90\"}]},"
    "{\"id\":\"102\",\"text\":\"RT @two: gate C39\",\"author_id\":\"3\",\"edit_history_tweet_ids\":[\"102\"],"
    "\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"101\"}]},"
    "{\"id\":\"100\",\"text\":\"same\",\"author_id\":\"1\",\"edit_history_tweet_ids\":[\"100\"],"
    "\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"55\"}]}],"
    "\"includes\":{\"users\":[{\"id\":\"1\",\"username\":\"one\",\"name\":\"One\"},"
    "{\"id\":\"2\",\"username\":\"two\",\"name\":\"Two\",\"public_metrics\":{\"followers_count\":9}},"
    "{\"id\":\"3\",\"username\":\"three\",\"name\":\"Three\"}],"
    "\"tweets\":[{\"id\":\"101\",\"text\":\"gate C39, nobody there\",\"author_id\":\"2\","
    "\"edit_history_tweet_ids\":[\"101\"]},"
    "{\"id\":\"90\",\"text\":\"we are sorry\",\"author_id\":\"4\"}]},"
    "\"errors\":[{\"resource_id\":\"55\",\"type\":\"https://api.twitter.com/2/problems/resource-not-found\"}],"
    "\"meta\":{\"newest_id\":\"103\",\"oldest_id\":\"100\",\"result_count\":3,\"next_token\":\"b26v89c19zqg8o3f\"}}";

static json_t *payload(const rc_x_page_t *p, size_t i) {
    json_t *o = json_loadb(p->payloads[i], p->lens[i], 0, NULL);
    assert_non_null(o);
    return o;
}

static void test_page_meta_gives_newest_id_next_token_and_partial_errors(void **state) {
    rc_x_page_t p;
    char err[256];
    (void)state;
    assert_int_equal(rc_x_split_page(PAGE, strlen(PAGE), &p, err, sizeof(err)), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.newest_id, "103");
    assert_string_equal(p.next_token, "b26v89c19zqg8o3f");
    assert_int_equal(p.partial_errors, 1);
    rc_x_page_free(&p);
    rc_x_page_free(&p);
}

static void test_page_splits_into_one_payload_per_tweet_with_what_it_references(void **state) {
    rc_x_page_t p;
    char err[256];
    json_t *o;
    const json_t *inc;
    (void)state;
    assert_int_equal(rc_x_split_page(PAGE, strlen(PAGE), &p, err, sizeof(err)), 0);

    /* The reply: its author, and the tweet it replies to (whose author is
     * not included: nothing invented for them). */
    o = payload(&p, 0);
    inc = json_object_get(o, "includes");
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "data"), "id")), "103");
    assert_int_equal(json_array_size(json_object_get(inc, "users")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(inc, "users"), 0), "id")),
                        "1");
    assert_int_equal(json_array_size(json_object_get(inc, "tweets")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(inc, "tweets"), 0), "id")),
                        "90");
    json_decref(o);

    /* The retweet: retweeter and original author, and the original. */
    o = payload(&p, 1);
    inc = json_object_get(o, "includes");
    assert_int_equal(json_array_size(json_object_get(inc, "users")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(inc, "users"), 0), "id")),
                        "3");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(inc, "users"), 1), "id")),
                        "2");
    assert_int_equal(json_array_size(json_object_get(inc, "tweets")), 1);
    json_decref(o);

    /* The quote of a deleted tweet: only its author. */
    o = payload(&p, 2);
    inc = json_object_get(o, "includes");
    assert_int_equal(json_array_size(json_object_get(inc, "users")), 1);
    assert_int_equal(json_array_size(json_object_get(inc, "tweets")), 0);
    json_decref(o);
    rc_x_page_free(&p);
}

static void test_split_payloads_normalise_as_x_v2_with_the_repost_original(void **state) {
    rc_x_page_t p;
    char err[256];
    json_t *post, *orig;
    rc_post_format_t fmt;
    (void)state;
    assert_int_equal(rc_x_split_page(PAGE, strlen(PAGE), &p, err, sizeof(err)), 0);
    post = rc_normalise_ex(p.payloads[1], p.lens[1], "2026-11-21T12:00:00Z", RC_FMT_UNKNOWN, &fmt, &orig, err,
                           sizeof(err));
    if (!post)
        fail_msg("%s", err);
    assert_int_equal(fmt, RC_FMT_X_V2);
    assert_string_equal(json_string_value(json_object_get(post, "event")), "repost");
    assert_string_equal(json_string_value(json_object_get(post, "text")), "gate C39, nobody there");
    assert_string_equal(json_string_value(json_object_get(json_object_get(post, "author"), "handle")), "three");
    assert_non_null(orig);
    assert_string_equal(json_string_value(json_object_get(json_object_get(orig, "author"), "handle")), "two");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(orig, "author"), "followers")), 9);
    json_decref(orig);
    json_decref(post);
    post = rc_normalise(p.payloads[0], p.lens[0], "2026-11-21T12:00:00Z", NULL, err, sizeof(err));
    assert_non_null(post);
    assert_string_equal(json_string_value(json_object_get(post, "in_reply_to")), "90");
    assert_string_equal(json_string_value(json_object_get(json_object_get(post, "author"), "handle")), "one");
    json_decref(post);
    rc_x_page_free(&p);
}

static void test_empty_last_page_has_no_payloads_cursor_or_token(void **state) {
    const char *body = "{\"meta\":{\"result_count\":0}}";
    rc_x_page_t p;
    char err[256];
    (void)state;
    assert_int_equal(rc_x_split_page(body, strlen(body), &p, err, sizeof(err)), 0);
    assert_int_equal(p.n, 0);
    assert_null(p.newest_id);
    assert_null(p.next_token);
    rc_x_page_free(&p);
}

static void test_bad_pages_are_refused_with_a_reason(void **state) {
    rc_x_page_t p;
    char err[256];
    const char *cut = "{\"data\":[{\"id\":\"1\",\"text\":\"x\"";
    const char *errs = "{\"errors\":[{\"message\":\"Invalid 'since_id'\",\"title\":\"Invalid Request\"}]}";
    (void)state;
    assert_int_equal(rc_x_split_page(cut, strlen(cut), &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "search page: invalid JSON"));
    rc_x_page_free(&p);
    assert_int_equal(rc_x_split_page("[1]", 3, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "search page: not a JSON object");
    rc_x_page_free(&p);
    assert_int_equal(rc_x_split_page("{\"data\":{}}", 11, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "search page: data is not a list");
    rc_x_page_free(&p);
    assert_int_equal(rc_x_split_page(errs, strlen(errs), &p, err, sizeof(err)), -1);
    assert_string_equal(err, "search failed: Invalid Request: Invalid 'since_id'");
    rc_x_page_free(&p);
}

/* ---- stream lines --------------------------------------------------------- */

static void test_stream_lines_are_classified(void **state) {
    char id[32], err[256];
    const char *tweet = "{\"data\":{\"id\":\"1992000000000000001\",\"text\":\"hi\",\"author_id\":\"1\"},"
                        "\"matching_rules\":[{\"id\":\"1\",\"tag\":\"brand\"}]}";
    const char *disc =
        "{\"errors\":[{\"title\":\"operational-disconnect\",\"disconnect_type\":"
        "\"UpstreamOperationalDisconnect\",\"detail\":\"This stream has been disconnected upstream for "
        "operational reasons.\",\"type\":\"https://api.twitter.com/2/problems/operational-disconnect\"}]}";
    (void)state;
    assert_int_equal(rc_x_stream_line("", 0, id, sizeof(id), err, sizeof(err)), RC_X_LINE_HEARTBEAT);
    assert_int_equal(rc_x_stream_line("\r", 1, id, sizeof(id), err, sizeof(err)), RC_X_LINE_HEARTBEAT);
    assert_int_equal(rc_x_stream_line(tweet, strlen(tweet), id, sizeof(id), err, sizeof(err)), RC_X_LINE_TWEET);
    assert_string_equal(id, "1992000000000000001");
    assert_int_equal(rc_x_stream_line(disc, strlen(disc), id, sizeof(id), err, sizeof(err)), RC_X_LINE_ERROR);
    assert_string_equal(err, "operational-disconnect: This stream has been disconnected upstream for operational "
                             "reasons.");
    assert_string_equal(id, "");
    /* Cut off, not JSON, or not a tweet: submitted to be dead-lettered. */
    assert_int_equal(rc_x_stream_line(tweet, 40, id, sizeof(id), err, sizeof(err)), RC_X_LINE_MALFORMED);
    assert_int_equal(rc_x_stream_line("{{{", 3, id, sizeof(id), err, sizeof(err)), RC_X_LINE_MALFORMED);
    assert_int_equal(rc_x_stream_line("{\"x\":1}", 7, id, sizeof(id), err, sizeof(err)), RC_X_LINE_MALFORMED);
    /* A tweet whose id is not a decimal string is still a tweet, without a cursor. */
    assert_int_equal(rc_x_stream_line("{\"data\":{\"id\":\"1; DROP\"}}", 25, id, sizeof(id), err, sizeof(err)),
                     RC_X_LINE_TWEET);
    assert_string_equal(id, "");
}

static void test_ids_compare_as_numbers(void **state) {
    (void)state;
    assert_true(rc_x_id_newer("1992000000000000002", "1992000000000000001"));
    assert_false(rc_x_id_newer("1992000000000000001", "1992000000000000002"));
    assert_true(rc_x_id_newer("1000", "999"));
    assert_false(rc_x_id_newer("999", "1000"));
    assert_false(rc_x_id_newer("5", "5"));
    assert_true(rc_x_id_newer("5", NULL));
    assert_false(rc_x_id_newer("", "5"));
    assert_false(rc_x_id_newer(NULL, NULL));
}

/* ---- reconnect waits and problems ----------------------------------------- */

static void test_reconnect_waits_follow_x_guidance(void **state) {
    (void)state;
    /* Network errors: +250 ms per attempt, up to 16 s. */
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_NETWORK, 0, -1), 250);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_NETWORK, 1, -1), 500);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_NETWORK, 63, -1), 16000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_NETWORK, 100, -1), 16000);
    /* HTTP errors: 5 s doubling, up to 320 s. */
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_HTTP, 0, -1), 5000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_HTTP, 1, -1), 10000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_HTTP, 6, -1), 320000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_HTTP, 30, -1), 320000);
    /* 429: a minute doubling, and never before the announced reset. */
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_RATE_LIMIT, 0, -1), 60000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_RATE_LIMIT, 1, 5000), 120000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_RATE_LIMIT, 0, 900000), 900000);
    assert_int_equal(rc_x_reconnect_ms(RC_X_FAIL_RATE_LIMIT, 40, -1), 960000);
}

static void test_problem_text_reads_problems_and_error_lists(void **state) {
    char out[128];
    const char *p = "{\"title\":\"ConnectionException\",\"detail\":\"This stream is currently at the maximum allowed "
                    "connection limit.\",\"connection_issue\":\"TooManyConnections\",\"type\":"
                    "\"https://api.twitter.com/2/problems/streaming-connection\"}";
    (void)state;
    rc_x_problem(p, strlen(p), out, sizeof(out));
    assert_string_equal(out, "ConnectionException: This stream is currently at the maximum allowed connection limit.");
    rc_x_problem("{\"errors\":[{\"message\":\"bad\"}]}", 30, out, sizeof(out));
    assert_string_equal(out, "bad");
    rc_x_problem("<html>oops</html>", 17, out, sizeof(out));
    assert_string_equal(out, "<html>oops</html>");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_url_carries_query_fields_and_page_size),
        cmocka_unit_test(test_search_url_adds_since_id_and_pagination_token),
        cmocka_unit_test(test_stream_url_sends_backfill_minutes_only_when_asked),
        cmocka_unit_test(test_config_check_refuses_bad_base_url_fields_and_empty_values),
        cmocka_unit_test(test_page_meta_gives_newest_id_next_token_and_partial_errors),
        cmocka_unit_test(test_page_splits_into_one_payload_per_tweet_with_what_it_references),
        cmocka_unit_test(test_split_payloads_normalise_as_x_v2_with_the_repost_original),
        cmocka_unit_test(test_empty_last_page_has_no_payloads_cursor_or_token),
        cmocka_unit_test(test_bad_pages_are_refused_with_a_reason),
        cmocka_unit_test(test_stream_lines_are_classified),
        cmocka_unit_test(test_ids_compare_as_numbers),
        cmocka_unit_test(test_reconnect_waits_follow_x_guidance),
        cmocka_unit_test(test_problem_text_reads_problems_and_error_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
