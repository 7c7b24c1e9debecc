/*
 * The X forms beyond a plain tweet: reposts, quotes and edits in X API v2
 * payloads (ingest/formats/x_v2.c), and X Account Activity events
 * (ingest/formats/x_activity.c): what each becomes, the embedded original of
 * a repost, and what a bad one is told.
 *
 * Payloads are written with single quotes for readability; q() turns them
 * into double quotes before parsing.
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
#include "normalise_fixture.h"

/* ---- X API v2 -------------------------------------------------------- */

/* A retweet as the filtered stream delivers it with
 * expansions=author_id,referenced_tweets.id,referenced_tweets.id.author_id. */
static const char *X_RETWEET =
    "{'data': {'id': '1993000000000000002', 'text': 'RT @rmarsh_travels: RUDEST AGENT IN DENVER. KIM...',"
    "  'author_id': '3000000001', 'created_at': '2026-11-21T09:00:00.000Z', 'lang': 'en',"
    "  'edit_history_tweet_ids': ['1993000000000000002'],"
    "  'referenced_tweets': [{'type': 'retweeted', 'id': '1992000000000000001'}],"
    "  'entities': {'mentions': [{'start': 3, 'end': 18, 'username': 'rmarsh_travels', 'id': '1450022331'}]},"
    "  'public_metrics': {'retweet_count': 88, 'reply_count': 0, 'like_count': 0, 'quote_count': 0}},"
    " 'includes': {"
    "  'users': [{'id': '3000000001', 'username': 'amplifier', 'name': 'Amp Lifier',"
    "             'public_metrics': {'followers_count': 12}},"
    "            {'id': '1450022331', 'username': 'rmarsh_travels', 'name': 'Ron Marsh', 'verified': true,"
    "             'public_metrics': {'followers_count': 251340}}],"
    "  'tweets': [{'id': '1992000000000000001', 'author_id': '1450022331',"
    "              'text': 'RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. #fail',"
    "              'created_at': '2026-11-21T08:01:02.000Z', 'lang': 'en',"
    "              'edit_history_tweet_ids': ['1992000000000000001'],"
    "              'public_metrics': {'retweet_count': 88, 'reply_count': 41, 'like_count': 312,"
    "                                 'quote_count': 19}}]}}";

static void test_x_v2_retweet_is_a_repost_by_the_retweeter_with_the_original_text(void **state) {
    json_t *orig, *p = ok_as(X_RETWEET, RC_FMT_X_V2, &orig);
    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "id"), "1993000000000000002");
    assert_string_equal(str_at(p, "repost_of"), "1992000000000000001");
    assert_string_equal(author_str(p, "id"), "3000000001");
    assert_string_equal(author_str(p, "handle"), "amplifier");
    assert_string_equal(str_at(p, "text"), "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. #fail");
    assert_string_equal(str_at(p, "url"), "https://x.com/amplifier/status/1993000000000000002");
    null_at(p, "quote_of");
    null_at(p, "edit_of");
    json_decref(orig);
    json_decref(p);
}

static void test_x_v2_retweet_embeds_the_included_original_as_its_own_post(void **state) {
    json_t *orig, *p = ok_as(X_RETWEET, RC_FMT_X_V2, &orig);
    (void)state;
    assert_non_null(orig);
    assert_string_equal(str_at(orig, "id"), "1992000000000000001");
    assert_string_equal(str_at(orig, "event"), "post");
    assert_string_equal(author_str(orig, "handle"), "rmarsh_travels");
    assert_string_equal(author_str(orig, "name"), "Ron Marsh");
    assert_int_equal(int_at(json_object_get(orig, "author"), "followers"), 251340);
    assert_true(json_is_true(json_object_get(json_object_get(orig, "author"), "verified")));
    assert_string_equal(str_at(orig, "created_at"), "2026-11-21T08:01:02Z");
    assert_int_equal(int_at(json_object_get(orig, "metrics"), "likes"), 312);
    assert_string_equal(str_at(orig, "source_format"), "x_v2");
    null_at(orig, "repost_of");
    list_is(orig, "hashtags", "fail", NULL);
    json_decref(orig);
    json_decref(p);
}

static void test_x_v2_retweet_without_the_original_keeps_its_rt_text_and_embeds_nothing(void **state) {
    json_t *orig, *p = ok_as("{'data': {'id': '5', 'text': 'RT @a: hello', 'author_id': '9',"
                             " 'referenced_tweets': [{'type': 'retweeted', 'id': '4'}]},"
                             " 'includes': {'tweets': [{'id': '3', 'text': 'another', 'author_id': '8'}]}}",
                             RC_FMT_X_V2, &orig);
    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "repost_of"), "4");
    assert_string_equal(str_at(p, "text"), "RT @a: hello");
    assert_null(orig);
    json_decref(p);
}

static void test_x_v2_original_note_tweet_text_is_the_repost_text(void **state) {
    json_t *orig, *p = ok_as("{'data': {'id': '5', 'text': 'RT @a: long...', 'author_id': '9',"
                             " 'referenced_tweets': [{'type': 'retweeted', 'id': 4}]},"
                             " 'includes': {'tweets': [{'id': '4', 'text': 'long...', 'author_id': '8',"
                             "  'note_tweet': {'text': 'long and complete'}}]}}",
                             RC_FMT_X_V2, &orig);
    (void)state;
    assert_string_equal(str_at(p, "text"), "long and complete");
    assert_non_null(orig);
    assert_string_equal(str_at(orig, "text"), "long and complete");
    assert_string_equal(author_str(orig, "handle"), "8");
    json_decref(orig);
    json_decref(p);
}

static void test_x_v2_original_claiming_to_retweet_itself_does_not_recurse(void **state) {
    json_t *orig, *p = ok_as("{'data': {'id': '5', 'text': 'RT', 'author_id': '9',"
                             " 'referenced_tweets': [{'type': 'retweeted', 'id': '4'}]},"
                             " 'includes': {'tweets': [{'id': '4', 'text': 'loop', 'author_id': '8',"
                             "  'referenced_tweets': [{'type': 'retweeted', 'id': '4'}]}]}}",
                             RC_FMT_X_V2, &orig);
    (void)state;
    assert_string_equal(str_at(p, "repost_of"), "4");
    /* The original is read once, without following its own reference. */
    assert_non_null(orig);
    assert_string_equal(str_at(orig, "id"), "4");
    json_decref(orig);
    json_decref(p);
}

static void test_x_v2_unreadable_original_does_not_sink_the_repost(void **state) {
    json_t *orig, *p = ok_as("{'data': {'id': '5', 'text': 'RT @a: x', 'author_id': '9',"
                             " 'referenced_tweets': [{'type': 'retweeted', 'id': '4'}]},"
                             " 'includes': {'tweets': [{'id': '4', 'text': 'words'}]}}",
                             RC_FMT_X_V2, &orig);
    (void)state;
    /* The original has no author_id: its text is still the repost's. */
    assert_string_equal(str_at(p, "text"), "words");
    assert_null(orig);
    json_decref(p);
}

static void test_x_v2_quote_sets_quote_of_and_stays_a_post(void **state) {
    json_t *p = ok_as("{'data': {'id': '7', 'text': 'this!', 'author_id': '9',"
                      " 'referenced_tweets': [{'type': 'quoted', 'id': '6'}]}}",
                      RC_FMT_X_V2, NULL);
    (void)state;
    assert_string_equal(str_at(p, "event"), "post");
    assert_string_equal(str_at(p, "quote_of"), "6");
    null_at(p, "repost_of");
    null_at(p, "in_reply_to");
    json_decref(p);
}

static void test_x_v2_edit_history_of_two_makes_an_edit_of_the_first(void **state) {
    json_t *p = ok_as("{'data': {'id': '12', 'text': 'fixed typo', 'author_id': '9',"
                      " 'edit_history_tweet_ids': ['10', '11', '12']}}",
                      RC_FMT_X_V2, NULL);
    (void)state;
    assert_string_equal(str_at(p, "event"), "edit");
    assert_string_equal(str_at(p, "edit_of"), "10");
    assert_string_equal(str_at(p, "id"), "12");
    assert_string_equal(str_at(p, "text"), "fixed typo");
    json_decref(p);
}

static void test_x_v2_first_version_or_single_history_is_a_plain_post(void **state) {
    json_t *a = ok_as("{'data': {'id': '10', 'text': 't', 'author_id': '9', 'edit_history_tweet_ids': ['10']}}",
                      RC_FMT_X_V2, NULL),
           *b = ok_as("{'data': {'id': '10', 'text': 't', 'author_id': '9',"
                      " 'edit_history_tweet_ids': ['10', '11']}}",
                      RC_FMT_X_V2, NULL);
    (void)state;
    assert_string_equal(str_at(a, "event"), "post");
    null_at(a, "edit_of");
    assert_string_equal(str_at(b, "event"), "post");
    null_at(b, "edit_of");
    json_decref(a);
    json_decref(b);
}

static void test_x_v2_bad_references_and_history_are_named(void **state) {
    (void)state;
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '2', 'referenced_tweets': [{'type': 'retweeted'}]}}",
           "x_v2: data.referenced_tweets[0].id missing");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '2', 'referenced_tweets': [{'type': 'quoted', 'id': []}]}}",
           "x_v2: data.referenced_tweets[0].id: expected a string or integer id, got an array");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '2', 'edit_history_tweet_ids': [true, '1']}}",
           "x_v2: data.edit_history_tweet_ids[0]: expected a string or integer id, got a boolean");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '2', 'edit_history_tweet_ids': '1'}}",
           "x_v2: data.edit_history_tweet_ids: expected an array, got a string");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '2'}, 'includes': {'tweets': {}}}",
           "x_v2: includes.tweets: expected an array, got an object");
}

/* Found by fuzz_x_v2: a payload forced to be x_v2 without any "data". */
static void test_x_v2_forced_without_data_says_so(void **state) {
    const char *s = "{\"dqta\": {\"id\": \"5\"}}";
    json_t *post = rc_normalise_ex(s, strlen(s), NOW, RC_FMT_X_V2, NULL, NULL, errbuf, sizeof(errbuf));
    (void)state;
    assert_null(post);
    assert_string_equal(errbuf, "x_v2: data: expected one tweet object, got nothing");
    post = rc_normalise_ex("{}", 2, NOW, RC_FMT_X_ACTIVITY, NULL, NULL, errbuf, sizeof(errbuf));
    assert_null(post);
    assert_string_equal(errbuf,
                        "x_activity: 0 tweet events in one payload; expected exactly one (the webhook splits them)");
}

/* ---- X Account Activity ---------------------------------------------- */

/* A v1.1 Tweet object as Account Activity delivers it (a reply that quotes
 * another tweet, long enough to be an extended tweet). */
static const char *AA_TWEET =
    "{'for_user_id': '2244994945', 'tweet_create_events': [{"
    " 'created_at': 'Sat Nov 21 08:01:02 +0000 2026', 'id': 1992000000000000001,"
    " 'id_str': '1992000000000000001', 'text': 'RUDEST AGENT IN DENVER @SWA \\u2026',"
    " 'truncated': true, 'in_reply_to_status_id': 1991000000000000000,"
    " 'in_reply_to_status_id_str': '1991000000000000000', 'in_reply_to_user_id_str': '7212562',"
    " 'quoted_status_id_str': '1990000000000000005', 'is_quote_status': true,"
    " 'user': {'id': 1450022331, 'id_str': '1450022331', 'name': 'Ron Marsh', 'screen_name': 'rmarsh_travels',"
    "          'verified': false, 'followers_count': 251340, 'friends_count': 12},"
    " 'extended_tweet': {'full_text': 'RUDEST AGENT IN DENVER @SWA. KIMBERLY S. GATE C39 &amp; #fail',"
    "   'entities': {'hashtags': [{'text': 'fail', 'indices': [57, 62]}],"
    "                'user_mentions': [{'screen_name': 'SWA', 'id_str': '7212562', 'indices': [23, 27]}]}},"
    " 'entities': {'hashtags': [], 'user_mentions': [{'screen_name': 'SWA', 'id_str': '7212562'}]},"
    " 'quote_count': 19, 'reply_count': 41, 'retweet_count': 88, 'favorite_count': 312, 'lang': 'en',"
    " 'edit_history': {'initial_tweet_id': '1992000000000000001', 'edit_tweet_ids': ['1992000000000000001']}"
    "}]}";

static void test_x_activity_tweet_maps_every_post_field(void **state) {
    json_t *p = ok_as(AA_TWEET, RC_FMT_X_ACTIVITY, NULL);
    const json_t *m = json_object_get(p, "metrics"), *a = json_object_get(p, "author");
    (void)state;
    assert_string_equal(str_at(p, "platform"), "x");
    assert_string_equal(str_at(p, "id"), "1992000000000000001");
    assert_string_equal(str_at(p, "event"), "post");
    assert_string_equal(str_at(p, "text"), "RUDEST AGENT IN DENVER @SWA. KIMBERLY S. GATE C39 & #fail");
    assert_string_equal(str_at(a, "id"), "1450022331");
    assert_string_equal(str_at(a, "handle"), "rmarsh_travels");
    assert_string_equal(str_at(a, "name"), "Ron Marsh");
    assert_int_equal(int_at(a, "followers"), 251340);
    assert_true(json_is_false(json_object_get(a, "verified")));
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T08:01:02Z");
    assert_string_equal(str_at(p, "lang"), "en");
    assert_string_equal(str_at(p, "in_reply_to"), "1991000000000000000");
    assert_string_equal(str_at(p, "quote_of"), "1990000000000000005");
    assert_string_equal(str_at(p, "url"), "https://x.com/rmarsh_travels/status/1992000000000000001");
    list_is(p, "mentions", "SWA", NULL);
    list_is(p, "hashtags", "fail", NULL);
    assert_int_equal(int_at(m, "likes"), 312);
    assert_int_equal(int_at(m, "reposts"), 88);
    assert_int_equal(int_at(m, "replies"), 41);
    assert_int_equal(int_at(m, "quotes"), 19);
    assert_string_equal(str_at(p, "source_format"), "x_activity");
    null_at(p, "edit_of");
    null_at(p, "repost_of");
    json_decref(p);
}

static void test_x_activity_created_at_offsets_are_converted_to_utc(void **state) {
    json_t *p = ok_as("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '2', 'text': 'hi',"
                      " 'created_at': 'Mon Feb 29 23:30:00 -0130 2028', 'user': {'id_str': '3'}}]}",
                      RC_FMT_X_ACTIVITY, NULL);
    (void)state;
    assert_string_equal(str_at(p, "created_at"), "2028-03-01T01:00:00Z");
    /* No screen_name: the id stands in, and the URL avoids the handle. */
    assert_string_equal(author_str(p, "handle"), "3");
    json_decref(p);
}

static void test_x_activity_retweet_is_a_repost_and_embeds_the_original(void **state) {
    json_t *orig, *p = ok_as("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '20', 'text': 'RT @orig: cut...',"
                             " 'created_at': 'Sat Nov 21 09:00:00 +0000 2026',"
                             " 'user': {'id_str': '30', 'screen_name': 'amplifier', 'followers_count': 5},"
                             " 'entities': {'user_mentions': [{'screen_name': 'orig'}], 'hashtags': []},"
                             " 'retweeted_status': {'id_str': '10', 'text': 'cut...', 'truncated': true,"
                             "   'extended_tweet': {'full_text': 'the whole complaint #late'},"
                             "   'created_at': 'Sat Nov 21 08:00:00 +0000 2026',"
                             "   'user': {'id_str': '40', 'screen_name': 'orig', 'name': 'Original', 'verified': true,"
                             "            'followers_count': 1000}, 'favorite_count': 7}}]}",
                             RC_FMT_X_ACTIVITY, &orig);
    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "repost_of"), "10");
    assert_string_equal(author_str(p, "handle"), "amplifier");
    assert_string_equal(str_at(p, "text"), "the whole complaint #late");
    list_is(p, "hashtags", "late", NULL);
    assert_non_null(orig);
    assert_string_equal(str_at(orig, "id"), "10");
    assert_string_equal(str_at(orig, "event"), "post");
    assert_string_equal(author_str(orig, "handle"), "orig");
    assert_true(json_is_true(json_object_get(json_object_get(orig, "author"), "verified")));
    assert_string_equal(str_at(orig, "created_at"), "2026-11-21T08:00:00Z");
    assert_int_equal(int_at(json_object_get(orig, "metrics"), "likes"), 7);
    assert_string_equal(str_at(orig, "source_format"), "x_activity");
    json_decref(orig);
    json_decref(p);
}

static void test_x_activity_edit_history_makes_an_edit_of_the_initial_tweet(void **state) {
    json_t *p = ok_as("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '12', 'text': 'fixed',"
                      " 'user': {'id_str': '3'},"
                      " 'edit_history': {'initial_tweet_id': '10', 'edit_tweet_ids': ['10', '12']}}]}",
                      RC_FMT_X_ACTIVITY, NULL);
    (void)state;
    assert_string_equal(str_at(p, "event"), "edit");
    assert_string_equal(str_at(p, "edit_of"), "10");
    json_decref(p);
}

static void test_x_activity_delete_is_a_tombstone_with_id_author_and_time(void **state) {
    json_t *p = ok_as("{'for_user_id': '930524282358325248', 'tweet_delete_events': [{"
                      " 'status': {'id': '1045405559317569537', 'user_id': '930524282358325248'},"
                      " 'timestamp_ms': '1432228155593'}]}",
                      RC_FMT_X_ACTIVITY, NULL);
    (void)state;
    assert_string_equal(str_at(p, "event"), "delete");
    assert_string_equal(str_at(p, "platform"), "x");
    assert_string_equal(str_at(p, "id"), "1045405559317569537");
    assert_string_equal(author_str(p, "id"), "930524282358325248");
    assert_string_equal(author_str(p, "handle"), "930524282358325248");
    assert_string_equal(str_at(p, "text"), "");
    assert_string_equal(str_at(p, "created_at"), "2015-05-21T17:09:15Z");
    json_decref(p);
}

static void test_x_activity_bad_events_are_named(void **state) {
    (void)state;
    err_is("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '2', 'text': 'a', 'user': {'id_str': '3'}},"
           " {'id_str': '4', 'text': 'b', 'user': {'id_str': '3'}}]}",
           "x_activity: 2 tweet events in one payload; expected exactly one (the webhook splits them)");
    err_is("{'for_user_id': '1', 'tweet_create_events': []}",
           "x_activity: 0 tweet events in one payload; expected exactly one (the webhook splits them)");
    err_is("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '2', 'text': 'a'}]}",
           "x_activity: tweet_create_events[0].user missing");
    err_is("{'for_user_id': '1', 'tweet_create_events': [{'text': 'a', 'user': {'id_str': '3'}}]}",
           "x_activity: tweet_create_events[0].id_str missing");
    err_is("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '2', 'user': {'id_str': '3'}}]}",
           "x_activity: tweet_create_events[0].text missing");
    err_is("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '2', 'text': 'a', 'user': {'id_str': '3'},"
           " 'created_at': '2026-11-21T08:01:02Z'}]}",
           "x_activity: tweet_create_events[0].created_at: \"2026-11-21T08:01:02Z\" is not of the form "
           "\"Wed Oct 10 20:19:24 +0000 2018\"");
    err_is("{'for_user_id': '1', 'tweet_create_events': [{'id_str': '2', 'text': 'a', 'user': {'id_str': '3'},"
           " 'created_at': 'Sat Nov 31 08:01:02 +0000 2026'}]}",
           "x_activity: tweet_create_events[0].created_at: \"Sat Nov 31 08:01:02 +0000 2026\" is not of the form "
           "\"Wed Oct 10 20:19:24 +0000 2018\"");
    err_is("{'for_user_id': '1', 'tweet_create_events': ['x']}",
           "x_activity: tweet_create_events[0]: expected a tweet object, got a string");
    err_is("{'for_user_id': '1', 'tweet_delete_events': [{'status': {'user_id': '3'}}]}",
           "x_activity: tweet_delete_events[0].status.id missing");
    err_is("{'for_user_id': '1', 'tweet_delete_events': [{'status': {'id': '2'}, 'timestamp_ms': 'soon'}]}",
           "x_activity: tweet_delete_events[0].timestamp_ms: expected epoch milliseconds, got a string");
    err_is("{'for_user_id': '1', 'tweet_create_events': {}}",
           "x_activity: tweet_create_events: expected an array, got an object");
}

static void test_x_activity_envelope_without_tweet_events_is_not_claimed(void **state) {
    char *s = q("{'for_user_id': '1', 'favorite_events': [{'id': 'a'}]}");
    json_t *root = json_loads(s, 0, NULL);
    (void)state;
    assert_int_equal(rc_post_detect(root), RC_FMT_UNKNOWN);
    assert_string_equal(rc_post_format_name(RC_FMT_X_ACTIVITY), "x_activity");
    assert_int_equal(rc_post_format_by_name("x_activity"), RC_FMT_X_ACTIVITY);
    json_decref(root);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_v2_retweet_is_a_repost_by_the_retweeter_with_the_original_text),
        cmocka_unit_test(test_x_v2_retweet_embeds_the_included_original_as_its_own_post),
        cmocka_unit_test(test_x_v2_retweet_without_the_original_keeps_its_rt_text_and_embeds_nothing),
        cmocka_unit_test(test_x_v2_original_note_tweet_text_is_the_repost_text),
        cmocka_unit_test(test_x_v2_original_claiming_to_retweet_itself_does_not_recurse),
        cmocka_unit_test(test_x_v2_unreadable_original_does_not_sink_the_repost),
        cmocka_unit_test(test_x_v2_quote_sets_quote_of_and_stays_a_post),
        cmocka_unit_test(test_x_v2_edit_history_of_two_makes_an_edit_of_the_first),
        cmocka_unit_test(test_x_v2_first_version_or_single_history_is_a_plain_post),
        cmocka_unit_test(test_x_v2_bad_references_and_history_are_named),
        cmocka_unit_test(test_x_v2_forced_without_data_says_so),
        cmocka_unit_test(test_x_activity_tweet_maps_every_post_field),
        cmocka_unit_test(test_x_activity_created_at_offsets_are_converted_to_utc),
        cmocka_unit_test(test_x_activity_retweet_is_a_repost_and_embeds_the_original),
        cmocka_unit_test(test_x_activity_edit_history_makes_an_edit_of_the_initial_tweet),
        cmocka_unit_test(test_x_activity_delete_is_a_tombstone_with_id_author_and_time),
        cmocka_unit_test(test_x_activity_bad_events_are_named),
        cmocka_unit_test(test_x_activity_envelope_without_tweet_events_is_not_claimed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
