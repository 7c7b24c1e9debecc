/*
 * The Mastodon format (ingest/formats/mastodon.c) on status entities shaped
 * like docs.joinmastodon.org/entities/Status (tests/fixtures/mastodon/):
 * reblogs as reposts with the original embedded, edits, 4.4 quotes, the
 * HTML of real statuses as plain text, and the delete record the stream
 * source submits.
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

/* Normalises "s" as Mastodon (or detected when "only" is RC_FMT_UNKNOWN),
 * which must succeed; the embedded original, if any, goes to *orig. */
static json_t *norm(const char *s, size_t len, rc_post_format_t only, json_t **orig) {
    rc_post_format_t fmt = RC_FMT_UNKNOWN;
    json_t *post = rc_normalise_ex(s, len, NOW, only, &fmt, orig, errbuf, sizeof(errbuf));
    if (!post)
        fail_msg("normalise failed: %s\n  payload: %.300s", errbuf, s);
    return post;
}

static json_t *norm_fixture(const char *name, json_t **orig) {
    char rel[256], *s;
    size_t len;
    json_t *p;

    snprintf(rel, sizeof(rel), "tests/fixtures/mastodon/%s", name);
    s = rc_test_read(rel, &len);
    p = norm(s, len, RC_FMT_UNKNOWN, orig);
    free(s);
    return p;
}

/* A readable single-quoted payload (any form), which must normalise. */
static json_t *norm_q(const char *payload, json_t **orig) {
    char *s = q(payload);
    json_t *p = norm(s, strlen(s), RC_FMT_UNKNOWN, orig);
    free(s);
    return p;
}

static void test_status_html_with_mention_hashtag_and_hidden_link_parts_becomes_plain_text(void **state) {
    json_t *orig = NULL, *p = norm_fixture("status_mention.json", &orig);
    (void)state;
    /* h-card mention to "@SWA", entities decoded, the blank before </p>
     * dropped, <br /> a newline, and the link whole again from its
     * invisible/ellipsis spans. */
    assert_string_equal(str_at(p, "text"), "@SWA still no refund & it's been 3 weeks #refund\n\n"
                                           "Case LZ3BRC\nsee https://airline.example/help/refunds/status?case=LZ3BRC");
    assert_string_equal(str_at(p, "event"), "post");
    assert_string_equal(str_at(p, "id"), "115580042867716989");
    assert_string_equal(str_at(p, "in_reply_to"), "115580000000000001");
    assert_string_equal(str_at(p, "url"), "https://toot.example/@miket/115580042867716989");
    assert_string_equal(str_at(p, "lang"), "en");
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T06:51:22Z");
    null_at(p, "repost_of");
    null_at(p, "quote_of");
    null_at(p, "edit_of");
    null_at(p, "conversation_id");
    list_is(p, "mentions", "SWA@airline.social", NULL);
    list_is(p, "hashtags", "refund", NULL);
    assert_int_equal(int_at(json_object_get(p, "metrics"), "quotes"), 1);
    assert_null(orig);
    json_decref(p);
}

static void test_reblog_is_a_repost_by_the_reblogger_with_the_original_text(void **state) {
    json_t *orig = NULL, *p = norm_fixture("status_reblog.json", &orig);
    const json_t *author = json_object_get(p, "author"), *m = json_object_get(p, "metrics");
    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "id"), "115580100000000200");
    assert_string_equal(str_at(p, "repost_of"), "115580042867716989");
    assert_string_equal(str_at(author, "id"), "14715");
    assert_string_equal(str_at(author, "handle"), "booster");
    assert_int_equal(int_at(author, "followers"), 2520);
    assert_string_equal(str_at(p, "text"), "flights cancelled at DEN, no hotel vouchers #travel");
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T07:10:00Z");
    /* The wrapper has no url; its uri (the Announce activity) stands in. */
    assert_string_equal(str_at(p, "url"),
                        "https://mastodon.example/users/booster/statuses/115580100000000200/activity");
    assert_string_equal(str_at(p, "lang"), "en");
    list_is(p, "hashtags", "travel", NULL);
    assert_int_equal(int_at(m, "likes"), 0); /* the reblog's own counts */
    assert_non_null(orig);
    json_decref(p);
    json_decref(orig);
}

static void test_reblogged_status_is_normalised_as_the_embedded_original(void **state) {
    json_t *orig = NULL, *p = norm_fixture("status_reblog.json", &orig);
    (void)state;
    assert_non_null(orig);
    assert_string_equal(str_at(orig, "event"), "post");
    assert_string_equal(str_at(orig, "id"), "115580042867716989");
    assert_string_equal(str_at(json_object_get(orig, "author"), "handle"), "miket@toot.example");
    assert_string_equal(str_at(orig, "text"), "flights cancelled at DEN, no hotel vouchers #travel");
    assert_string_equal(str_at(orig, "url"), "https://toot.example/@miket/115580042867716989");
    assert_string_equal(str_at(orig, "source_format"), "mastodon");
    null_at(orig, "repost_of");
    assert_int_equal(int_at(json_object_get(orig, "metrics"), "likes"), 30);
    json_decref(p);
    json_decref(orig);
}

static void test_repost_survives_an_original_that_cannot_stand_alone(void **state) {
    json_t *orig = NULL;
    /* The original lacks an account: no Post of its own, but the repost
     * still says what was reposted. */
    json_t *p = norm_q("{'id': '9', 'content': '', 'account': {'id': '1', 'acct': 'b'},"
                       " 'reblog': {'id': '8', 'content': '<p>lost bag</p>'}}",
                       &orig);
    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "repost_of"), "8");
    assert_string_equal(str_at(p, "text"), "lost bag");
    assert_null(orig);
    json_decref(p);
}

static void test_nested_reblog_is_not_followed(void **state) {
    json_t *orig = NULL;
    json_t *p = norm_q("{'id': '9', 'content': '', 'account': {'id': '1', 'acct': 'b'},"
                       " 'reblog': {'id': '8', 'content': '<p>x</p>', 'account': {'id': '2', 'acct': 'c'},"
                       "   'reblog': {'id': '7', 'content': '<p>y</p>', 'account': {'id': '3', 'acct': 'd'}}}}",
                       &orig);
    (void)state;
    assert_string_equal(str_at(p, "repost_of"), "8");
    assert_string_equal(str_at(p, "text"), "x");
    assert_null(orig);
    json_decref(p);
}

static void test_edited_at_makes_an_edit_under_the_same_id(void **state) {
    json_t *orig = NULL, *p = norm_fixture("status_edited.json", &orig);
    (void)state;
    assert_string_equal(str_at(p, "event"), "edit");
    assert_string_equal(str_at(p, "id"), "115580042867716989");
    assert_string_equal(str_at(p, "text"), "edited: refund arrived after all");
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T06:51:22Z");
    null_at(p, "edit_of"); /* Mastodon keeps the id across edits */
    json_decref(p);
}

static void test_stream_edit_marker_makes_an_edit(void **state) {
    json_t *p = norm_q("{'id': '5', 'content': '<p>x</p>', 'edited_at': null, 'ricochet_event': 'edit',"
                       " 'account': {'id': '1', 'acct': 'a'}}",
                       NULL);
    (void)state;
    assert_string_equal(str_at(p, "event"), "edit");
    json_decref(p);
    err_is("{'id': '5', 'content': 'x', 'ricochet_event': 'delete', 'account': {'id': '1', 'acct': 'a'}}",
          "mastodon: ricochet_event: \"delete\" is not \"edit\"");
    err_is("{'id': '5', 'content': 'x', 'ricochet_event': 1, 'account': {'id': '1', 'acct': 'a'}}",
          "mastodon: ricochet_event: expected a string, got an integer");
    err_is("{'id': '5', 'content': 'x', 'edited_at': 1, 'account': {'id': '1', 'acct': 'a'}}",
          "mastodon: edited_at: expected a string, got an integer");
}

static void test_quote_sets_quote_of_and_drops_the_quote_inline_fallback(void **state) {
    json_t *orig = NULL, *p = norm_fixture("status_quote.json", &orig);
    (void)state;
    assert_string_equal(str_at(p, "quote_of"), "115580042867716989");
    assert_string_equal(str_at(p, "text"), "same thing happened to me last month");
    assert_string_equal(str_at(p, "event"), "post");
    null_at(p, "repost_of");
    assert_null(orig);
    json_decref(p);
}

static void test_shallow_quote_gives_quoted_status_id(void **state) {
    json_t *p = norm_q("{'id': '5', 'content': '<p>x</p>', 'quote': {'state': 'accepted', 'quoted_status_id': '77'},"
                       " 'account': {'id': '1', 'acct': 'a'}}",
                       NULL);
    (void)state;
    assert_string_equal(str_at(p, "quote_of"), "77");
    json_decref(p);
    /* A quote not (or no longer) shown has no id: nothing to link. */
    p = norm_q("{'id': '5', 'content': '<p>x</p>', 'quote': {'state': 'revoked', 'quoted_status': null},"
               " 'account': {'id': '1', 'acct': 'a'}}",
               NULL);
    null_at(p, "quote_of");
    json_decref(p);
    err_is("{'id': '5', 'content': 'x', 'quote': 'yes', 'account': {'id': '1', 'acct': 'a'}}",
          "mastodon: quote: expected an object, got a string");
    err_is("{'id': '5', 'content': 'x', 'quote': {'quoted_status': []}, 'account': {'id': '1', 'acct': 'a'}}",
          "mastodon: quote.quoted_status: expected an object, got an array");
}

static void test_quote_inline_is_kept_without_a_quote_or_without_its_end_tag(void **state) {
    /* Without a quote the "RE:" paragraph is the only link to what was
     * meant; an element that never ends is kept rather than eating the post. */
    json_t *p = norm_q("{'id': '5', 'content': '<p class=\\'quote-inline\\'>RE: x</p><p>y</p>',"
                       " 'account': {'id': '1', 'acct': 'a'}}",
                       NULL);
    (void)state;
    assert_string_equal(str_at(p, "text"), "RE: x\n\ny");
    json_decref(p);
    p = norm_q(
        "{'id': '5', 'content': '<p>y</p><span class=\\'quote-inline\\'>RE: x', 'quote': {'quoted_status_id': '1'},"
        " 'account': {'id': '1', 'acct': 'a'}}",
        NULL);
    assert_string_equal(str_at(p, "text"), "y\n\nRE: x");
    json_decref(p);
    /* Nested elements of the same name end at the matching end tag; a class
     * that only contains the word is not the token. */
    p = norm_q("{'id': '5', 'content': '<span class=\\'a quote-inline\\'>RE: <span>x</span> z</span>"
               "<span class=\\'quote-inline-not\\'>kept</span> y', 'quote': {'quoted_status_id': '1'},"
               " 'account': {'id': '1', 'acct': 'a'}}",
               NULL);
    assert_string_equal(str_at(p, "text"), "kept y");
    json_decref(p);
}

static void test_rich_text_blocks_end_lines_and_paragraphs(void **state) {
    /* Mastodon 4 passes lists, quotes, headings and code blocks from other
     * servers; their words must not run together. */
    json_t *p = norm_q("{'id': '5', 'content': '<blockquote><p>they said no</p></blockquote><p>mine </p>"
                       "<ul><li>one</li><li>two </li></ul><h2>head</h2><pre><code>x</code></pre>tail',"
                       " 'account': {'id': '1', 'acct': 'a'}}",
                       NULL);
    (void)state;
    assert_string_equal(str_at(p, "text"), "they said no\n\nmine\n\none\ntwo\n\nhead\n\nx\n\ntail");
    json_decref(p);
    p = norm_q("{'id': '5', 'content': '<p>a <br>b<br/><br />c</p>', 'account': {'id': '1', 'acct': 'a'}}", NULL);
    assert_string_equal(str_at(p, "text"), "a\nb\n\nc");
    json_decref(p);
}

static void test_mention_notification_status_normalises(void **state) {
    size_t len;
    char *s = rc_test_read("tests/fixtures/mastodon/notification_mention.json", &len);
    json_error_t jerr;
    json_t *n = json_loadb(s, len, 0, &jerr), *p;
    (void)state;
    assert_non_null(n);
    /* The source submits the notification's status. */
    p = rc_normalise_json_ex(json_object_get(n, "status"), NOW, RC_FMT_MASTODON, NULL, NULL, errbuf, sizeof(errbuf));
    if (!p)
        fail_msg("%s", errbuf);
    assert_string_equal(str_at(p, "id"), "115580300000000400");
    assert_string_equal(str_at(p, "text"), "@support my bag never arrived, file 88213");
    list_is(p, "mentions", "support", NULL);
    json_decref(p);
    json_decref(n);
    free(s);
}

static void test_stream_delete_record_is_a_mastodon_tombstone(void **state) {
    /* What mastodon_stream submits for "event: delete". */
    const char *s = "{\"platform\":\"mastodon\",\"id\":\"115580042867716989\",\"event\":\"delete\"}";
    rc_post_format_t fmt;
    json_t *p = rc_normalise(s, strlen(s), NOW, &fmt, errbuf, sizeof(errbuf));
    (void)state;
    if (!p)
        fail_msg("%s", errbuf);
    assert_int_equal(fmt, RC_FMT_GENERIC);
    assert_string_equal(str_at(p, "platform"), "mastodon");
    assert_string_equal(str_at(p, "event"), "delete");
    assert_string_equal(str_at(p, "id"), "115580042867716989");
    assert_string_equal(str_at(p, "text"), "");
    json_decref(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_html_with_mention_hashtag_and_hidden_link_parts_becomes_plain_text),
        cmocka_unit_test(test_reblog_is_a_repost_by_the_reblogger_with_the_original_text),
        cmocka_unit_test(test_reblogged_status_is_normalised_as_the_embedded_original),
        cmocka_unit_test(test_repost_survives_an_original_that_cannot_stand_alone),
        cmocka_unit_test(test_nested_reblog_is_not_followed),
        cmocka_unit_test(test_edited_at_makes_an_edit_under_the_same_id),
        cmocka_unit_test(test_stream_edit_marker_makes_an_edit),
        cmocka_unit_test(test_quote_sets_quote_of_and_drops_the_quote_inline_fallback),
        cmocka_unit_test(test_shallow_quote_gives_quoted_status_id),
        cmocka_unit_test(test_quote_inline_is_kept_without_a_quote_or_without_its_end_tag),
        cmocka_unit_test(test_rich_text_blocks_end_lines_and_paragraphs),
        cmocka_unit_test(test_mention_notification_status_normalises),
        cmocka_unit_test(test_stream_delete_record_is_a_mastodon_tombstone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
