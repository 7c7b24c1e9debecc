/*
 * Normalisers (ingest/normalise.c): what each accepted form becomes, what
 * each kind of bad input is told, and that the bundled sample stream
 * (examples/posts.jsonl) normalises as its README says.
 *
 * Payloads are written with single quotes for readability; q() turns them
 * into double quotes before parsing, so test texts avoid apostrophes.
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

/* A payload that must normalise as "fmt" (its embedded original dropped). */
#define ok_post(payload, fmt) ok_as((payload), (fmt), NULL)

static const char *X_FULL =
    "{'data': {'id': '1992000000000000001', 'edit_history_tweet_ids': ['1992000000000000001'],"
    " 'text': 'RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA. Bags &amp; more #fail',"
    " 'author_id': '1450022331', 'created_at': '2026-11-21T08:01:02.000Z', 'lang': 'en',"
    " 'conversation_id': '1991000000000000000', 'in_reply_to_user_id': '7212562',"
    " 'referenced_tweets': [{'type': 'quoted', 'id': '1990000000000000005'},"
    "                       {'type': 'replied_to', 'id': '1991000000000000000'}],"
    " 'entities': {'mentions': [{'start': 56, 'end': 60, 'username': 'SWA', 'id': '7212562'}],"
    "              'hashtags': [{'start': 80, 'end': 85, 'tag': 'fail'}]},"
    " 'public_metrics': {'retweet_count': 88, 'reply_count': 41, 'like_count': 312, 'quote_count': 19}},"
    " 'includes': {'users': [{'id': '7212562', 'username': 'SWA', 'name': 'SWA Support'},"
    "   {'id': '1450022331', 'name': 'Ron Marsh', 'username': 'rmarsh_travels', 'verified': true,"
    "    'public_metrics': {'followers_count': 251340, 'following_count': 12}}]}}";

/* ---- output shape ---------------------------------------------------- */

/* Field names of a record in the parsed .avsc, in order, comma-joined. */
static void avsc_fields(const json_t *record, char *out, size_t n) {
    size_t i;
    const json_t *f;
    out[0] = '\0';
    json_array_foreach(json_object_get(record, "fields"), i, f) {
        strncat(out, json_string_value(json_object_get(f, "name")), n - strlen(out) - 1);
        strncat(out, ",", n - strlen(out) - 1);
    }
}

static void obj_keys(const json_t *obj, char *out, size_t n) {
    const char *k;
    const json_t *v;
    out[0] = '\0';
    json_object_foreach((json_t *)obj, k, v) {
        strncat(out, k, n - strlen(out) - 1);
        strncat(out, ",", n - strlen(out) - 1);
    }
}

static const json_t *avsc_field_type(const json_t *record, const char *name) {
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(record, "fields"), i, f) {
        if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
            return json_object_get(f, "type");
    }
    fail_msg("schema has no field %s", name);
    return NULL;
}

static void test_post_has_exactly_the_fields_of_post_avsc_in_order(void **state) {
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    char path[1024], want[512], got[512];
    json_error_t jerr;
    json_t *schema, *posts[3];

    (void)state;
    assert_non_null(src);
    snprintf(path, sizeof(path), "%s/schemas/post.avsc", src);
    schema = json_load_file(path, 0, &jerr);
    assert_non_null(schema);
    posts[0] = ok_post(X_FULL, RC_FMT_X_V2);
    posts[1] = ok_post("{'id': '1', 'content': '<p>hi</p>', 'account': {'id': '2', 'acct': 'a'}}", RC_FMT_MASTODON);
    posts[2] = ok_post("{'id': 'g1', 'text': 'hi', 'author': {'handle': 'h'}}", RC_FMT_GENERIC);
    for (int i = 0; i < 3; i++) {
        avsc_fields(schema, want, sizeof(want));
        obj_keys(posts[i], got, sizeof(got));
        assert_string_equal(got, want);
        avsc_fields(avsc_field_type(schema, "author"), want, sizeof(want));
        obj_keys(json_object_get(posts[i], "author"), got, sizeof(got));
        assert_string_equal(got, want);
        avsc_fields(avsc_field_type(schema, "metrics"), want, sizeof(want));
        obj_keys(json_object_get(posts[i], "metrics"), got, sizeof(got));
        assert_string_equal(got, want);
        assert_true(json_is_integer(json_object_get(json_object_get(posts[i], "author"), "followers")));
        assert_true(json_is_boolean(json_object_get(json_object_get(posts[i], "author"), "verified")));
        assert_string_equal(str_at(posts[i], "ingested_at"), NOW);
        json_decref(posts[i]);
    }
    json_decref(schema);
}

static void test_detect_recognises_each_form_and_names_it(void **state) {
    json_t *x = json_pack("{s:{}}", "data"), *m = json_pack("{s:s, s:{}}", "content", "", "account"),
           *g = json_pack("{s:s}", "text", "t"), *u = json_pack("{s:i}", "hello", 1), *a = json_array();
    (void)state;
    assert_int_equal(rc_post_detect(x), RC_FMT_X_V2);
    assert_int_equal(rc_post_detect(m), RC_FMT_MASTODON);
    assert_int_equal(rc_post_detect(g), RC_FMT_GENERIC);
    assert_int_equal(rc_post_detect(u), RC_FMT_UNKNOWN);
    assert_int_equal(rc_post_detect(a), RC_FMT_UNKNOWN);
    assert_int_equal(rc_post_detect(NULL), RC_FMT_UNKNOWN);
    assert_string_equal(rc_post_format_name(RC_FMT_X_V2), "x_v2");
    assert_string_equal(rc_post_format_name(RC_FMT_MASTODON), "mastodon");
    assert_string_equal(rc_post_format_name(RC_FMT_GENERIC), "generic");
    assert_string_equal(rc_post_format_name(RC_FMT_UNKNOWN), "unknown");
    json_decref(x);
    json_decref(m);
    json_decref(g);
    json_decref(u);
    json_decref(a);
}

/* ---- X API v2 -------------------------------------------------------- */

static void test_x_v2_payload_takes_author_from_includes(void **state) {
    json_t *p = ok_post(X_FULL, RC_FMT_X_V2);
    const json_t *author = json_object_get(p, "author");
    (void)state;
    assert_string_equal(str_at(p, "platform"), "x");
    assert_string_equal(str_at(p, "source_format"), "x_v2");
    assert_string_equal(str_at(p, "id"), "1992000000000000001");
    assert_string_equal(author_str(p, "id"), "1450022331");
    assert_string_equal(author_str(p, "handle"), "rmarsh_travels");
    assert_string_equal(author_str(p, "name"), "Ron Marsh");
    assert_int_equal(int_at(author, "followers"), 251340);
    assert_true(json_is_true(json_object_get(author, "verified")));
    assert_string_equal(str_at(p, "url"), "https://x.com/rmarsh_travels/status/1992000000000000001");
    assert_string_equal(str_at(p, "lang"), "en");
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T08:01:02Z");
    json_decref(p);
}

static void test_x_v2_unescapes_text_and_maps_public_metrics(void **state) {
    json_t *p = ok_post(X_FULL, RC_FMT_X_V2);
    const json_t *m = json_object_get(p, "metrics");
    (void)state;
    assert_string_equal(str_at(p, "text"),
                        "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA. Bags & more #fail");
    assert_int_equal(int_at(m, "likes"), 312);
    assert_int_equal(int_at(m, "reposts"), 88);
    assert_int_equal(int_at(m, "replies"), 41);
    assert_int_equal(int_at(m, "quotes"), 19);
    json_decref(p);
}

static void test_x_v2_mentions_and_hashtags_come_from_entities(void **state) {
    /* The entities win over the text: "@ghost" in the text is not listed. */
    json_t *p = ok_post("{'data': {'id': '5', 'text': '@ghost hi @SWA #Snow', 'author_id': '9',"
                      " 'entities': {'mentions': [{'username': 'SWA'}, {'username': 'swa'}],"
                      "              'hashtags': [{'tag': 'Snow'}]}}}",
                      RC_FMT_X_V2);
    (void)state;
    list_is(p, "mentions", "SWA", NULL);
    list_is(p, "hashtags", "Snow", NULL);
    json_decref(p);
}

static void test_x_v2_without_entities_extracts_mentions_and_hashtags_from_text(void **state) {
    json_t *p = ok_post("{'data': {'id': '5', 'text': 'hi @SWA and @bob@toot.example. #DEN… #1 C#', 'author_id': '9'}}",
                      RC_FMT_X_V2);
    (void)state;
    list_is(p, "mentions", "SWA", "bob@toot.example", NULL);
    list_is(p, "hashtags", "DEN", NULL);
    json_decref(p);
}

static void test_x_v2_reply_reference_sets_in_reply_to_and_conversation(void **state) {
    json_t *p = ok_post(X_FULL, RC_FMT_X_V2);
    json_t *plain = ok_post("{'data': {'id': '6', 'text': 't', 'author_id': '9',"
                          " 'referenced_tweets': [{'type': 'quoted', 'id': '3'}]}}",
                          RC_FMT_X_V2);
    (void)state;
    assert_string_equal(str_at(p, "in_reply_to"), "1991000000000000000");
    assert_string_equal(str_at(p, "conversation_id"), "1991000000000000000");
    assert_true(json_is_null(json_object_get(plain, "in_reply_to")));
    assert_true(json_is_null(json_object_get(plain, "conversation_id")));
    json_decref(p);
    json_decref(plain);
}

static void test_x_v2_author_missing_from_includes_uses_author_id_as_handle(void **state) {
    json_t *p = ok_post("{'data': {'id': '77', 'text': 't', 'author_id': '42'},"
                      " 'includes': {'users': [{'id': '43', 'username': 'someone_else'}, 7]}}",
                      RC_FMT_X_V2);
    const json_t *author = json_object_get(p, "author");
    (void)state;
    assert_string_equal(author_str(p, "id"), "42");
    assert_string_equal(author_str(p, "handle"), "42");
    assert_true(json_is_null(json_object_get(author, "name")));
    assert_int_equal(int_at(author, "followers"), 0);
    assert_true(json_is_false(json_object_get(author, "verified")));
    assert_string_equal(str_at(p, "url"), "https://x.com/i/web/status/77");
    /* No created_at in the payload: the ingestion time stands in. */
    assert_string_equal(str_at(p, "created_at"), NOW);
    json_decref(p);
}

static void test_x_v2_note_tweet_text_replaces_truncated_text(void **state) {
    json_t *p = ok_post("{'data': {'id': '8', 'text': 'Long story short…', 'author_id': '9',"
                      " 'note_tweet': {'text': 'Long story short: my bag went to OAK'}}}",
                      RC_FMT_X_V2);
    (void)state;
    assert_string_equal(str_at(p, "text"), "Long story short: my bag went to OAK");
    json_decref(p);
}

static void test_x_v2_verified_type_counts_as_verified(void **state) {
    json_t *p = ok_post("{'data': {'id': '8', 'text': 't', 'author_id': '9'},"
                      " 'includes': {'users': [{'id': '9', 'username': 'u', 'verified_type': 'blue'}]}}",
                      RC_FMT_X_V2);
    json_t *n = ok_post("{'data': {'id': '8', 'text': 't', 'author_id': '9'},"
                      " 'includes': {'users': [{'id': '9', 'username': 'u', 'verified_type': 'none'}]}}",
                      RC_FMT_X_V2);
    (void)state;
    assert_true(json_is_true(json_object_get(json_object_get(p, "author"), "verified")));
    assert_true(json_is_false(json_object_get(json_object_get(n, "author"), "verified")));
    json_decref(p);
    json_decref(n);
}

static void test_created_at_is_canonicalised_to_utc_whole_seconds(void **state) {
    json_t *a = ok_post("{'data': {'id': '1', 'text': 't', 'author_id': '9', 'created_at': '2026-11-21T00:30:15.9-02:00'}}",
                      RC_FMT_X_V2);
    json_t *b = ok_post("{'id': '1', 'text': 't', 'author': {'id': 'a'}, 'created_at': '2026-03-01T00:10:00+01:00'}",
                      RC_FMT_GENERIC);
    json_t *c = ok_post("{'id': '1', 'text': 't', 'author': {'id': 'a'}, 'created_at': '2026-12-31t23:59:60z'}",
                      RC_FMT_GENERIC);
    (void)state;
    assert_string_equal(str_at(a, "created_at"), "2026-11-21T02:30:15Z");
    assert_string_equal(str_at(b, "created_at"), "2026-02-28T23:10:00Z");
    assert_string_equal(str_at(c, "created_at"), "2026-12-31T23:59:59Z");
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

/* ---- Mastodon -------------------------------------------------------- */

static const char *MASTO_FULL =
    "{'id': '115580042867716989', 'created_at': '2026-11-21T06:51:22.573Z', 'in_reply_to_id': '115580000000000001',"
    " 'in_reply_to_account_id': '1', 'sensitive': false, 'spoiler_text': '', 'visibility': 'public',"
    " 'language': 'en', 'uri': 'https://toot.example/users/miket/statuses/115580042867716989',"
    " 'url': 'https://toot.example/@miket/115580042867716989', 'replies_count': 2, 'reblogs_count': 3,"
    " 'favourites_count': 5, 'quotes_count': 1,"
    " 'content': '<p>Still no refund from <span class=\\'h-card\\'><a href=\\'https://airline.social/@SWA\\'"
    " class=\\'u-url mention\\'>@<span>SWA</span></a></span> &amp; it&#39;s been 3 weeks &lt;sigh&gt; &quot;ok&quot;"
    " &#x1F600;&#233; <a href=\\'https://toot.example/tags/refund\\' class=\\'mention hashtag\\' rel=\\'tag\\'>"
    "#<span>refund</span></a></p><p>Case LZ3BRC<br />flight 3050<br>thanks</p>',"
    " 'reblog': null,"
    " 'account': {'id': '109288374610293847', 'username': 'miket', 'acct': 'miket@toot.example',"
    "             'display_name': 'Mike Tanaka', 'bot': false, 'followers_count': 310},"
    " 'mentions': [{'id': '1', 'username': 'SWA', 'acct': 'SWA@airline.social'}],"
    " 'tags': [{'name': 'refund', 'url': 'https://toot.example/tags/refund'}], 'emojis': []}";

static void test_mastodon_html_content_becomes_plain_text_with_entities_decoded(void **state) {
    json_t *p = ok_post(MASTO_FULL, RC_FMT_MASTODON);
    (void)state;
    assert_string_equal(str_at(p, "text"), "Still no refund from @SWA & it's been 3 weeks <sigh> \"ok\" \xF0\x9F\x98\x80"
                                           "\xC3\xA9 #refund\n\nCase LZ3BRC\nflight 3050\nthanks");
    json_decref(p);
}

static void test_mastodon_account_maps_to_author_with_acct_as_handle(void **state) {
    json_t *p = ok_post(MASTO_FULL, RC_FMT_MASTODON);
    const json_t *author = json_object_get(p, "author");
    (void)state;
    assert_string_equal(str_at(p, "platform"), "mastodon");
    assert_string_equal(str_at(p, "source_format"), "mastodon");
    assert_string_equal(author_str(p, "id"), "109288374610293847");
    assert_string_equal(author_str(p, "handle"), "miket@toot.example");
    assert_string_equal(author_str(p, "name"), "Mike Tanaka");
    assert_int_equal(int_at(author, "followers"), 310);
    assert_true(json_is_false(json_object_get(author, "verified")));
    json_decref(p);
}

static void test_mastodon_reply_url_lang_metrics_mentions_and_tags(void **state) {
    json_t *p = ok_post(MASTO_FULL, RC_FMT_MASTODON);
    const json_t *m = json_object_get(p, "metrics");
    (void)state;
    assert_string_equal(str_at(p, "in_reply_to"), "115580000000000001");
    assert_true(json_is_null(json_object_get(p, "conversation_id")));
    assert_string_equal(str_at(p, "url"), "https://toot.example/@miket/115580042867716989");
    assert_string_equal(str_at(p, "lang"), "en");
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T06:51:22Z");
    list_is(p, "mentions", "SWA@airline.social", NULL);
    list_is(p, "hashtags", "refund", NULL);
    assert_int_equal(int_at(m, "likes"), 5);
    assert_int_equal(int_at(m, "reposts"), 3);
    assert_int_equal(int_at(m, "replies"), 2);
    assert_int_equal(int_at(m, "quotes"), 1);
    json_decref(p);
}

static void test_mastodon_url_falls_back_to_uri_and_handle_to_username(void **state) {
    json_t *p = ok_post("{'id': '1', 'content': '', 'url': null, 'uri': 'https://h.example/s/1',"
                      " 'account': {'id': '2', 'username': 'ann', 'display_name': ''}}",
                      RC_FMT_MASTODON);
    (void)state;
    assert_string_equal(str_at(p, "url"), "https://h.example/s/1");
    assert_string_equal(author_str(p, "handle"), "ann");
    assert_true(json_is_null(json_object_get(json_object_get(p, "author"), "name")));
    assert_string_equal(str_at(p, "text"), "");
    json_decref(p);
}

static void test_mastodon_reblog_is_a_repost_by_the_reblogger(void **state) {
    json_t *p = ok_post("{'id': '900', 'content': '', 'account': {'id': '1', 'acct': 'booster'},"
                      " 'reblog': {'id': '800', 'content': '<p>flights cancelled at DEN</p>',"
                      "            'account': {'id': '2', 'acct': 'original@h.example', 'followers_count': 9}}}",
                      RC_FMT_MASTODON);
    (void)state;
    assert_string_equal(str_at(p, "id"), "900");
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "repost_of"), "800");
    assert_string_equal(author_str(p, "handle"), "booster");
    assert_string_equal(str_at(p, "text"), "flights cancelled at DEN");
    json_decref(p);
}

static void test_mastodon_spoiler_text_precedes_content(void **state) {
    json_t *p = ok_post("{'id': '1', 'spoiler_text': 'airline rant', 'content': '<p>lost my bag</p>',"
                      " 'account': {'id': '2', 'acct': 'a'}}",
                      RC_FMT_MASTODON);
    (void)state;
    assert_string_equal(str_at(p, "text"), "airline rant\n\nlost my bag");
    json_decref(p);
}

static void test_mastodon_bad_or_unknown_entities_stay_safe(void **state) {
    /* NUL, a surrogate and an out-of-range code point become U+FFFD; an
     * unknown name or a missing ';' stays literal; '>' inside a quoted
     * attribute does not end the tag; an unclosed '<' is kept as text. */
    json_t *p = ok_post("{'id': '1', 'content': '&#0;&#xD800;&#1114112;&bogus; &amp &#; <a title=\\'a>b\\'>x</a> 1 <2',"
                      " 'account': {'id': '2', 'acct': 'a'}}",
                      RC_FMT_MASTODON);
    (void)state;
    assert_string_equal(str_at(p, "text"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD&bogus; &amp &#; x 1 <2");
    json_decref(p);
}

/* ---- generic --------------------------------------------------------- */

static void test_generic_defaults_platform_created_at_lists_and_optionals(void **state) {
    json_t *p = ok_post("{'id': 'gen-1', 'text': 'Who rocks Denver? Cindy rocks @SWA. #kudos bob@example.com',"
                      " 'author': {'handle': '@denver_dee'}}",
                      RC_FMT_GENERIC);
    const json_t *author = json_object_get(p, "author"), *m = json_object_get(p, "metrics");
    (void)state;
    assert_string_equal(str_at(p, "platform"), "generic");
    assert_string_equal(str_at(p, "source_format"), "generic");
    assert_string_equal(str_at(p, "created_at"), NOW);
    assert_string_equal(author_str(p, "handle"), "denver_dee");
    assert_string_equal(author_str(p, "id"), "denver_dee");
    assert_true(json_is_null(json_object_get(author, "name")));
    assert_int_equal(int_at(author, "followers"), 0);
    assert_true(json_is_false(json_object_get(author, "verified")));
    list_is(p, "mentions", "SWA", NULL);
    list_is(p, "hashtags", "kudos", NULL);
    assert_true(json_is_null(json_object_get(p, "lang")));
    assert_true(json_is_null(json_object_get(p, "url")));
    assert_true(json_is_null(json_object_get(p, "in_reply_to")));
    assert_true(json_is_null(json_object_get(p, "conversation_id")));
    assert_int_equal(int_at(m, "likes") + int_at(m, "reposts") + int_at(m, "replies") + int_at(m, "quotes"), 0);
    json_decref(p);
}

static void test_generic_takes_every_field_given(void **state) {
    json_t *p = ok_post("{'platform': 'BlueSky', 'id': 1041, 'text': 'flight 1234 late @SWA',"
                      " 'author': {'id': 55, 'name': 'Priya', 'followers': 2750, 'verified': true},"
                      " 'created_at': '2026-11-21T09:10:11Z', 'lang': 'en', 'url': 'https://b.example/1041',"
                      " 'in_reply_to': 1040, 'conversation_id': 'c-1', 'mentions': ['@SWA', 'swa', 'ops'],"
                      " 'hashtags': ['#late'], 'metrics': {'likes': 4, 'reposts': 3, 'replies': 2, 'quotes': 1}}",
                      RC_FMT_GENERIC);
    const json_t *author = json_object_get(p, "author"), *m = json_object_get(p, "metrics");
    (void)state;
    assert_string_equal(str_at(p, "platform"), "bluesky");
    assert_string_equal(str_at(p, "id"), "1041");
    assert_string_equal(author_str(p, "id"), "55");
    assert_string_equal(author_str(p, "handle"), "55");
    assert_string_equal(author_str(p, "name"), "Priya");
    assert_int_equal(int_at(author, "followers"), 2750);
    assert_true(json_is_true(json_object_get(author, "verified")));
    assert_string_equal(str_at(p, "created_at"), "2026-11-21T09:10:11Z");
    assert_string_equal(str_at(p, "url"), "https://b.example/1041");
    assert_string_equal(str_at(p, "in_reply_to"), "1040");
    assert_string_equal(str_at(p, "conversation_id"), "c-1");
    list_is(p, "mentions", "SWA", "ops", NULL);
    list_is(p, "hashtags", "late", NULL);
    assert_int_equal(int_at(m, "likes"), 4);
    assert_int_equal(int_at(m, "quotes"), 1);
    json_decref(p);
}

static void test_text_of_exactly_64_kib_is_accepted(void **state) {
    size_t n = 65536;
    char *big = malloc(n + 64);
    json_t *p;
    (void)state;
    assert_non_null(big);
    strcpy(big, "{'id': '1', 'author': {'id': 'a'}, 'text': '");
    memset(big + strlen(big), 'a', n);
    strcpy(big + strlen("{'id': '1', 'author': {'id': 'a'}, 'text': '") + n, "'}");
    p = ok_post(big, RC_FMT_GENERIC);
    assert_int_equal(json_string_length(json_object_get(p, "text")), n);
    json_decref(p);
    free(big);
}

/* ---- errors ---------------------------------------------------------- */

static void test_invalid_json_reports_line_and_column(void **state) {
    const char *s = "{\"id\": \"1\",\n  \"text\": }";
    json_t *p = rc_normalise(s, strlen(s), NOW, NULL, errbuf, sizeof(errbuf));
    (void)state;
    assert_null(p);
    assert_true(strncmp(errbuf, "line 2 col 11: invalid JSON: ", 29) == 0);
    p = rc_normalise("", 0, NOW, NULL, errbuf, sizeof(errbuf));
    assert_null(p);
    assert_true(strncmp(errbuf, "line 1 col 0: invalid JSON: ", 28) == 0);
    assert_null(rc_normalise(NULL, 0, NOW, NULL, errbuf, sizeof(errbuf)));
}

static void test_non_object_payload_is_rejected(void **state) {
    (void)state;
    err_is("['not', 'a', 'post']", "payload is not a JSON object (got an array)");
    err_is("'just text'", "payload is not a JSON object (got a string)");
}

static void test_unrecognised_object_names_its_keys(void **state) {
    (void)state;
    err_is("{'event': 'heartbeat', 'ts': 1}",
           "unrecognised payload: none of x_v2, x_activity, mastodon, bluesky, reddit, generic (keys: \"event\", \"ts\")");
    err_is("{}", "unrecognised payload: none of x_v2, x_activity, mastodon, bluesky, reddit, generic");
}

static void test_missing_required_fields_are_named(void **state) {
    (void)state;
    err_is("{'data': {'text': 't', 'author_id': '1'}}", "x_v2: data.id missing");
    err_is("{'data': {'id': '1', 'author_id': '1'}}", "x_v2: data.text missing");
    err_is("{'data': {'id': '1', 'text': 't'}}", "x_v2: data.author_id missing");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '1', 'referenced_tweets': [{'type': 'replied_to'}]}}",
           "x_v2: data.referenced_tweets[0].id missing");
    err_is("{'id': 'g2', 'text': 'rt', 'author': {'id': 'u'}, 'event': 'repost'}",
           "generic: repost_of missing (required when event is repost)");
    err_is("{'content': '<p>x</p>', 'account': {'id': '1', 'acct': 'a'}}", "mastodon: id missing");
    err_is("{'id': '1', 'content': null, 'account': {'id': '1', 'acct': 'a'}}", "mastodon: content missing");
    err_is("{'id': '1', 'content': 'x', 'account': {'acct': 'a'}}", "mastodon: account.id missing");
    err_is("{'id': '1', 'content': 'x', 'account': {'id': '1', 'acct': ''}}", "mastodon: account.acct missing");
    err_is("{'id': '1', 'content': '', 'account': {'id': '1', 'acct': 'a'}, 'reblog': {'content': 'x',"
           " 'account': {'id': '2', 'acct': 'b'}}}",
           "mastodon: reblog.id missing");
    err_is("{'platform': 'webform', 'id': 1999, 'author': {'id': 'c1'}}", "generic: text missing");
    err_is("{'text': 't', 'author': {'id': 'c1'}}", "generic: id missing");
    err_is("{'id': '1', 'text': 't'}", "generic: author missing");
    err_is("{'id': '1', 'text': 't', 'author': {'name': 'N', 'handle': '@'}}",
           "generic: author.id and author.handle both missing (one is required)");
}

static void test_wrong_types_are_named(void **state) {
    (void)state;
    err_is("{'data': [{'id': '1'}]}", "x_v2: data: expected one tweet object, got an array");
    err_is("{'data': {'id': '1', 'text': 42, 'author_id': '1'}}",
           "x_v2: data.text: expected a string, got an integer");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '1', 'public_metrics': {'like_count': '5'}}}",
           "x_v2: data.public_metrics.like_count: expected an integer, got a string");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '1', 'public_metrics': {'like_count': -5}}}",
           "x_v2: data.public_metrics.like_count: a count cannot be negative");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '1', 'entities': {'mentions': ['SWA']}}}",
           "x_v2: data.entities.mentions[0]: expected an object, got a string");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': '1'}, 'includes': {'users': {}}}",
           "x_v2: includes.users: expected an array, got an object");
    err_is("{'id': '1', 'content': 'x', 'account': 'ann'}", "mastodon: account: expected an object, got a string");
    err_is("{'id': '1', 'content': 'x', 'account': {'id': '1', 'acct': 'a'}, 'reblog': 'yes'}",
           "mastodon: reblog: expected an object, got a string");
    err_is("{'id': '1', 'text': 't', 'author': {'id': 'a', 'verified': 'yes'}}",
           "generic: author.verified: expected a boolean, got a string");
    err_is("{'id': '1', 'text': 't', 'author': {'id': 'a'}, 'hashtags': ['ok', 3]}",
           "generic: hashtags[1]: expected a string, got an integer");
    err_is("{'platform': 'X Corp', 'id': '1', 'text': 't', 'author': {'id': 'a'}}",
           "generic: platform: must be 1-32 characters of a-z, 0-9, '.', '_', '-'");
}

static void test_ids_must_be_strings_or_non_negative_integers(void **state) {
    (void)state;
    err_is("{'data': {'id': 1.5, 'text': 't', 'author_id': '1'}}",
           "x_v2: data.id: expected a string or integer id, got a real number");
    err_is("{'data': {'id': '1', 'text': 't', 'author_id': true}}",
           "x_v2: data.author_id: expected a string or integer id, got a boolean");
    err_is("{'id': -3, 'text': 't', 'author': {'id': 'a'}}", "generic: id: ids cannot be negative");
    err_is("{'id': '', 'text': 't', 'author': {'id': 'a'}}", "generic: id is an empty string");
    err_is("{'id': '1', 'content': 'x', 'account': {'id': ['1'], 'acct': 'a'}}",
           "mastodon: account.id: expected a string or integer id, got an array");
    /* Larger than any integer jansson holds: the parser says so. */
    err_is("{'id': 98765432109876543210987654321, 'text': 't', 'author': {'id': 'a'}}",
           "line 1 col 36: invalid JSON: too big integer");
}

static void test_text_over_64_kib_is_rejected_with_its_size(void **state) {
    size_t n = 65537;
    const char *head = "{'id': '1', 'author': {'id': 'a'}, 'text': '";
    char *big = malloc(n + 64);
    (void)state;
    assert_non_null(big);
    strcpy(big, head);
    memset(big + strlen(head), 'a', n);
    strcpy(big + strlen(head) + n, "'}");
    err_is(big, "generic: text is 65537 bytes, over the 65536-byte limit");
    free(big);
}

static void test_bad_timestamps_are_rejected(void **state) {
    json_t *root;
    (void)state;
    err_is("{'id': '1', 'created_at': 'yesterday', 'content': 'x', 'account': {'id': '1', 'acct': 'a'}}",
           "mastodon: created_at: \"yesterday\" is not an RFC 3339 timestamp");
    err_is("{'id': '1', 'text': 't', 'author': {'id': 'a'}, 'created_at': '2026-02-30T00:00:00Z'}",
           "generic: created_at: \"2026-02-30T00:00:00Z\" is not an RFC 3339 timestamp");
    err_is("{'id': '1', 'text': 't', 'author': {'id': 'a'}, 'created_at': '2026-11-21T08:00:00'}",
           "generic: created_at: \"2026-11-21T08:00:00\" is not an RFC 3339 timestamp");
    root = json_pack("{s:s, s:s, s:{s:s}}", "id", "1", "text", "t", "author", "id", "a");
    assert_null(rc_normalise_json(root, "noon", NULL, errbuf, sizeof(errbuf)));
    assert_string_equal(errbuf, "generic: the ingestion time \"noon\" is not an RFC 3339 timestamp");
    json_decref(root);
}

static void test_failure_still_reports_the_detected_form(void **state) {
    rc_post_format_t fmt = RC_FMT_UNKNOWN;
    const char *s = "{\"data\": {}}";
    (void)state;
    assert_null(rc_normalise(s, strlen(s), NOW, &fmt, errbuf, sizeof(errbuf)));
    assert_int_equal(fmt, RC_FMT_X_V2);
    /* A tiny errstr is truncated, never overrun. */
    {
        char tiny[8];
        assert_null(rc_normalise(s, strlen(s), NOW, &fmt, tiny, sizeof(tiny)));
        assert_true(strlen(tiny) < sizeof(tiny));
    }
}

/* ---- the bundled sample stream --------------------------------------- */

/* Counts pinned by examples/README.md; regenerate both together. */
#define EX_LINES 227
#define EX_VALID 221
#define EX_X_V2 99
#define EX_MASTODON 68
#define EX_GENERIC 54
#define EX_DISTINCT 206 /* distinct platform:id, i.e. 15 re-deliveries */

static void test_examples_posts_jsonl_normalises_with_the_documented_counts(void **state) {
    static const char *const want_errors[] = {
        "line 1 col 105: invalid JSON: premature end of input near '\"88'",
        "unrecognised payload: none of x_v2, x_activity, mastodon, bluesky, reddit, generic (keys: \"event\", \"source\", \"ts\")",
        "generic: text missing",
        "line 1 col 55: invalid JSON: too big integer",
        "x_v2: data: expected one tweet object, got an array",
        "mastodon: created_at: \"yesterday\" is not an RFC 3339 timestamp",
    };
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    char path[1024];
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lines = 0, valid = 0, bad = 0, per[4] = {0}, rudest = 0, cindy = 0, spike = 0;
    json_t *seen = json_object(), *spike_authors = json_object();
    char last_created[32] = "";

    (void)state;
    assert_non_null(src);
    snprintf(path, sizeof(path), "%s/examples/posts.jsonl", src);
    f = fopen(path, "r");
    assert_non_null(f);
    while ((n = getline(&line, &cap, f)) > 0) {
        rc_post_format_t fmt;
        json_t *p;
        char key[300];
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        lines++;
        p = rc_normalise(line, (size_t)n, NOW, &fmt, errbuf, sizeof(errbuf));
        if (!p) {
            assert_true(bad < 6);
            assert_string_equal(errbuf, want_errors[bad]);
            bad++;
            continue;
        }
        valid++;
        per[fmt]++;
        snprintf(key, sizeof(key), "%s:%s", str_at(p, "platform"), str_at(p, "id"));
        if (!json_object_get(seen, key)) {
            /* First sightings arrive in time order, all on 2026-11-21. */
            const char *c = str_at(p, "created_at");
            assert_true(strncmp(c, "2026-11-21T", 11) == 0);
            assert_true(strcmp(c, last_created) >= 0);
            snprintf(last_created, sizeof(last_created), "%s", c);
            json_object_set_new(seen, key, json_true());
            if (strstr(str_at(p, "text"), "flights cancelled at DEN") ||
                strstr(str_at(p, "text"), "Flights cancelled at DEN")) {
                spike++;
                json_object_set_new(spike_authors, author_str(p, "id"), json_true());
            }
        }
        if (strcmp(str_at(p, "text"), "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.") == 0) {
            assert_true(int_at(json_object_get(p, "author"), "followers") >= 250000);
            rudest++;
        }
        if (strcmp(str_at(p, "text"), "Who rocks Denver? Cindy rocks @SWA.") == 0)
            cindy++;
        json_decref(p);
    }
    free(line);
    fclose(f);
    assert_int_equal(lines, EX_LINES);
    assert_int_equal(valid, EX_VALID);
    assert_int_equal(bad, EX_LINES - EX_VALID);
    assert_int_equal(per[RC_FMT_X_V2], EX_X_V2);
    assert_int_equal(per[RC_FMT_MASTODON], EX_MASTODON);
    assert_int_equal(per[RC_FMT_GENERIC], EX_GENERIC);
    assert_int_equal(json_object_size(seen), EX_DISTINCT);
    assert_true(rudest >= 1);
    assert_true(cindy >= 1);
    assert_true(spike >= 20);
    assert_true(json_object_size(spike_authors) >= 20);
    json_decref(seen);
    json_decref(spike_authors);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_has_exactly_the_fields_of_post_avsc_in_order),
        cmocka_unit_test(test_detect_recognises_each_form_and_names_it),
        cmocka_unit_test(test_x_v2_payload_takes_author_from_includes),
        cmocka_unit_test(test_x_v2_unescapes_text_and_maps_public_metrics),
        cmocka_unit_test(test_x_v2_mentions_and_hashtags_come_from_entities),
        cmocka_unit_test(test_x_v2_without_entities_extracts_mentions_and_hashtags_from_text),
        cmocka_unit_test(test_x_v2_reply_reference_sets_in_reply_to_and_conversation),
        cmocka_unit_test(test_x_v2_author_missing_from_includes_uses_author_id_as_handle),
        cmocka_unit_test(test_x_v2_note_tweet_text_replaces_truncated_text),
        cmocka_unit_test(test_x_v2_verified_type_counts_as_verified),
        cmocka_unit_test(test_created_at_is_canonicalised_to_utc_whole_seconds),
        cmocka_unit_test(test_mastodon_html_content_becomes_plain_text_with_entities_decoded),
        cmocka_unit_test(test_mastodon_account_maps_to_author_with_acct_as_handle),
        cmocka_unit_test(test_mastodon_reply_url_lang_metrics_mentions_and_tags),
        cmocka_unit_test(test_mastodon_url_falls_back_to_uri_and_handle_to_username),
        cmocka_unit_test(test_mastodon_reblog_is_a_repost_by_the_reblogger),
        cmocka_unit_test(test_mastodon_spoiler_text_precedes_content),
        cmocka_unit_test(test_mastodon_bad_or_unknown_entities_stay_safe),
        cmocka_unit_test(test_generic_defaults_platform_created_at_lists_and_optionals),
        cmocka_unit_test(test_generic_takes_every_field_given),
        cmocka_unit_test(test_text_of_exactly_64_kib_is_accepted),
        cmocka_unit_test(test_invalid_json_reports_line_and_column),
        cmocka_unit_test(test_non_object_payload_is_rejected),
        cmocka_unit_test(test_unrecognised_object_names_its_keys),
        cmocka_unit_test(test_missing_required_fields_are_named),
        cmocka_unit_test(test_wrong_types_are_named),
        cmocka_unit_test(test_ids_must_be_strings_or_non_negative_integers),
        cmocka_unit_test(test_text_over_64_kib_is_rejected_with_its_size),
        cmocka_unit_test(test_bad_timestamps_are_rejected),
        cmocka_unit_test(test_failure_still_reports_the_detected_form),
        cmocka_unit_test(test_examples_posts_jsonl_normalises_with_the_documented_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
