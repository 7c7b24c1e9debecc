/*
 * The Bluesky Jetstream form (ingest/formats/bluesky.c): each Post field
 * from a commit event, facets over multi-byte text, edits, deletes and
 * reposts, and the message a malformed event gets.
 *
 * Events follow the shapes in Jetstream's README ("Example events") and the
 * app.bsky.feed.post / app.bsky.feed.repost / app.bsky.richtext.facet
 * lexicons; "profile" is the getProfile answer the source attaches.
 * Payloads are written with single quotes; q() turns them into double
 * quotes, so texts avoid apostrophes.
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

/* A payload that must normalise as a Bluesky Jetstream event. */
#define ok(payload) ok_as((payload), RC_FMT_BLUESKY, NULL)

#define DID "did:plc:eygmaihciaxprqvxpfvl6flk"
#define URI "at://" DID "/app.bsky.feed.post/3l3qo2vuowo2b"

/* A reply that quotes another post, with a profile attached. */
static const char *FULL =
    "{'did': '" DID "', 'time_us': 1725911162329308, 'kind': 'commit',"
    " 'commit': {'rev': '3l3qo2vutsw2b', 'operation': 'create', 'collection': 'app.bsky.feed.post',"
    "  'rkey': '3l3qo2vuowo2b', 'cid': 'bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi',"
    "  'record': {'$type': 'app.bsky.feed.post', 'text': 'Still waiting at gate C39',"
    "   'createdAt': '2024-09-09T19:46:02.102Z', 'langs': ['en', 'de'],"
    "   'reply': {'root': {'uri': 'at://did:plc:root/app.bsky.feed.post/3kroot', 'cid': 'bafyroot'},"
    "             'parent': {'uri': 'at://did:plc:par/app.bsky.feed.post/3kparent', 'cid': 'bafypar'}},"
    "   'embed': {'$type': 'app.bsky.embed.record',"
    "             'record': {'uri': 'at://did:plc:q/app.bsky.feed.post/3kquoted', 'cid': 'bafyq'}}}},"
    " 'profile': {'did': '" DID "', 'handle': 'ron.bsky.social', 'displayName': 'Ron Marsh',"
    "  'followersCount': 251340, 'followsCount': 12, 'postsCount': 900,"
    "  'verification': {'verifiedStatus': 'valid', 'trustedVerifierStatus': 'none'}}}";

static void test_commit_create_maps_every_field(void **state) {
    json_t *p = ok(FULL), *a;

    (void)state;
    assert_string_equal(str_at(p, "id"), URI);
    assert_string_equal(str_at(p, "platform"), "bluesky");
    a = json_object_get(p, "author");
    assert_string_equal(str_at(a, "id"), DID);
    assert_string_equal(str_at(a, "handle"), "ron.bsky.social");
    assert_string_equal(str_at(a, "name"), "Ron Marsh");
    assert_int_equal(json_integer_value(json_object_get(a, "followers")), 251340);
    assert_true(json_is_true(json_object_get(a, "verified")));
    assert_string_equal(str_at(p, "text"), "Still waiting at gate C39");
    assert_string_equal(str_at(p, "created_at"), "2024-09-09T19:46:02Z");
    assert_string_equal(str_at(p, "lang"), "en");
    assert_string_equal(str_at(p, "url"), "https://bsky.app/profile/ron.bsky.social/post/3l3qo2vuowo2b");
    assert_string_equal(str_at(p, "in_reply_to"), "at://did:plc:par/app.bsky.feed.post/3kparent");
    assert_string_equal(str_at(p, "conversation_id"), "at://did:plc:root/app.bsky.feed.post/3kroot");
    assert_string_equal(str_at(p, "quote_of"), "at://did:plc:q/app.bsky.feed.post/3kquoted");
    assert_string_equal(str_at(p, "event"), "post");
    null_at(p, "repost_of");
    null_at(p, "edit_of");
    assert_string_equal(str_at(p, "source_format"), "bluesky");
    assert_string_equal(str_at(p, "ingested_at"), NOW);
    /* Jetstream carries no counts. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "metrics"), "likes")), 0);
    json_decref(p);
}

/* The Post must still be exactly post.avsc's record (Avro serialises by
 * field list), whatever this form fills in. */
static void test_post_has_exactly_the_fields_of_post_avsc(void **state) {
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    char path[1024];
    json_error_t jerr;
    json_t *schema, *p = ok(FULL);
    const json_t *f;
    size_t i;

    (void)state;
    assert_non_null(src);
    snprintf(path, sizeof(path), "%s/schemas/post.avsc", src);
    schema = json_load_file(path, 0, &jerr);
    assert_non_null(schema);
    assert_int_equal(json_object_size(p), json_array_size(json_object_get(schema, "fields")));
    json_array_foreach(json_object_get(schema, "fields"), i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        if (!json_object_get(p, name))
            fail_msg("Post lacks %s", name);
    }
    json_decref(schema);
    json_decref(p);
}

static void test_a_post_that_is_not_a_reply_is_its_own_conversation(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1725911162329308, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': '3l3qo2vuowo2b',"
                   "  'record': {'text': 'hi', 'createdAt': '2024-09-09T21:46:02+02:00'}}}");

    (void)state;
    null_at(p, "in_reply_to");
    assert_string_equal(str_at(p, "conversation_id"), URI);
    null_at(p, "quote_of");
    null_at(p, "lang");
    /* An offset is converted to UTC. */
    assert_string_equal(str_at(p, "created_at"), "2024-09-09T19:46:02Z");
    json_decref(p);
}

static void test_without_a_profile_the_did_stands_in_for_the_handle(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1725911162329308, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': '3l3qo2vuowo2b',"
                   "  'record': {'text': 'hi', 'createdAt': '2024-09-09T19:46:02Z'}}}");
    json_t *a = json_object_get(p, "author");

    (void)state;
    assert_string_equal(str_at(a, "handle"), DID);
    null_at(a, "name");
    assert_int_equal(json_integer_value(json_object_get(a, "followers")), 0);
    assert_true(json_is_false(json_object_get(a, "verified")));
    assert_string_equal(str_at(p, "url"), "https://bsky.app/profile/" DID "/post/3l3qo2vuowo2b");
    json_decref(p);
}

/* getProfile answers "handle.invalid" for an account whose handle no
 * longer resolves: useless as a name and as a URL. */
static void test_an_invalid_handle_is_replaced_by_the_did(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1',"
                   "  'record': {'text': 'hi'}},"
                   " 'profile': {'did': '" DID "', 'handle': 'handle.invalid', 'displayName': '',"
                   "  'followersCount': 7, 'verification': {'verifiedStatus': 'none'}}}");
    json_t *a = json_object_get(p, "author");

    (void)state;
    assert_string_equal(str_at(a, "handle"), DID);
    null_at(a, "name");
    assert_int_equal(json_integer_value(json_object_get(a, "followers")), 7);
    assert_true(json_is_false(json_object_get(a, "verified")));
    assert_string_equal(str_at(p, "url"), "https://bsky.app/profile/" DID "/post/r1");
    /* No createdAt: the ingestion time. */
    assert_string_equal(str_at(p, "created_at"), NOW);
    json_decref(p);
}

/* Facet ranges are UTF-8 byte offsets: "Café ☕ " is 10 bytes (é is two,
 * ☕ three) but 7 characters, so reading them as characters would miss the
 * handle. */
static void test_facets_give_mentions_and_tags_by_byte_range_over_multibyte_text(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1',"
                   "  'record': {'text': 'Café ☕ @alice.bsky.social #délai https://x.example',"
                   "   'facets': ["
                   "    {'index': {'byteStart': 10, 'byteEnd': 28},"
                   "     'features': [{'$type': 'app.bsky.richtext.facet#mention', 'did': 'did:plc:alice'}]},"
                   "    {'index': {'byteStart': 29, 'byteEnd': 36},"
                   "     'features': [{'$type': 'app.bsky.richtext.facet#tag', 'tag': 'délai'}]},"
                   "    {'index': {'byteStart': 37, 'byteEnd': 54},"
                   "     'features': [{'$type': 'app.bsky.richtext.facet#link', 'uri': 'https://x.example'}]},"
                   "    {'index': {'byteStart': 3, 'byteEnd': 9},"
                   "     'features': [{'$type': 'app.bsky.richtext.facet#mention', 'did': 'did:plc:stale'}]},"
                   "    {'index': {'byteStart': 10, 'byteEnd': 28},"
                   "     'features': [{'$type': 'app.bsky.richtext.facet#mention', 'did': 'did:plc:alice'}]}],"
                   "   'tags': ['Delays', 'délai']}}}");

    (void)state;
    assert_string_equal(str_at(p, "text"), "Café ☕ @alice.bsky.social #délai https://x.example");
    /* The stale range (it covers "é ☕", no "@handle") falls back to the
     * DID; the repeated mention is listed once. */
    list_is(p, "mentions", "alice.bsky.social", "did:plc:stale", NULL);
    /* record.tags adds tags not written in the text; repeats are dropped. */
    list_is(p, "hashtags", "délai", "Delays", NULL);
    json_decref(p);
}

/* Bluesky marks mentions and tags with facets; text without facets has
 * none, even when it contains "#" or "@" (and the text is kept verbatim:
 * it is not HTML). */
static void test_text_without_facets_has_no_mentions_or_tags_and_is_kept_verbatim(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1',"
                   "  'record': {'text': '#notatag @nobody &amp; <b>'}}}");

    (void)state;
    assert_string_equal(str_at(p, "text"), "#notatag @nobody &amp; <b>");
    list_is(p, "mentions", NULL);
    list_is(p, "hashtags", NULL);
    json_decref(p);
}

static void test_record_with_media_quotes_and_a_list_embed_does_not(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1',"
                   "  'record': {'text': 'look', 'embed': {'$type': 'app.bsky.embed.recordWithMedia',"
                   "   'record': {'$type': 'app.bsky.embed.record',"
                   "              'record': {'uri': 'at://did:plc:q/app.bsky.feed.post/3kq', 'cid': 'c'}},"
                   "   'media': {'$type': 'app.bsky.embed.images', 'images': []}}}}}");

    (void)state;
    assert_string_equal(str_at(p, "quote_of"), "at://did:plc:q/app.bsky.feed.post/3kq");
    json_decref(p);
    p = ok("{'did': '" DID "', 'time_us': 1, 'kind': 'commit',"
           " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1',"
           "  'record': {'text': 'a list', 'embed': {'$type': 'app.bsky.embed.record',"
           "   'record': {'uri': 'at://did:plc:q/app.bsky.graph.list/3kl', 'cid': 'c'}}}}}");
    null_at(p, "quote_of");
    json_decref(p);
}

static void test_update_is_an_edit_of_the_same_id(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1725911162329308, 'kind': 'commit',"
                   " 'commit': {'operation': 'update', 'collection': 'app.bsky.feed.post', 'rkey': '3l3qo2vuowo2b',"
                   "  'record': {'text': 'edited text', 'createdAt': '2024-09-09T19:46:02Z'}}}");

    (void)state;
    assert_string_equal(str_at(p, "event"), "edit");
    assert_string_equal(str_at(p, "id"), URI);
    assert_string_equal(str_at(p, "text"), "edited text");
    null_at(p, "edit_of");
    json_decref(p);
}

static void test_delete_is_a_tombstone_dated_by_time_us(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1725516666833633, 'kind': 'commit',"
                   " 'commit': {'rev': '3l3f6nzl3cv2s', 'operation': 'delete', 'collection': 'app.bsky.feed.post',"
                   "  'rkey': '3l3qo2vuowo2b'}}");
    json_t *a = json_object_get(p, "author");

    (void)state;
    assert_string_equal(str_at(p, "event"), "delete");
    assert_string_equal(str_at(p, "id"), URI);
    assert_string_equal(str_at(p, "text"), "");
    assert_string_equal(str_at(a, "id"), DID);
    assert_string_equal(str_at(a, "handle"), DID);
    /* 1725516666 s after the epoch. */
    assert_string_equal(str_at(p, "created_at"), "2024-09-05T06:11:06Z");
    null_at(p, "url");
    list_is(p, "mentions", NULL);
    json_decref(p);
}

static void test_repost_record_is_a_repost_of_its_subject(void **state) {
    json_t *p = ok("{'did': '" DID "', 'time_us': 1, 'kind': 'commit',"
                   " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.repost', 'rkey': '3lrep',"
                   "  'record': {'$type': 'app.bsky.feed.repost', 'createdAt': '2024-09-09T19:46:02.102Z',"
                   "   'subject': {'uri': 'at://did:plc:orig/app.bsky.feed.post/3korig', 'cid': 'bafy'}}}}");

    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "id"), "at://" DID "/app.bsky.feed.repost/3lrep");
    assert_string_equal(str_at(p, "repost_of"), "at://did:plc:orig/app.bsky.feed.post/3korig");
    assert_string_equal(str_at(p, "text"), "");
    assert_string_equal(str_at(p, "url"), "https://bsky.app/profile/did:plc:orig/post/3korig");
    assert_string_equal(str_at(p, "created_at"), "2024-09-09T19:46:02Z");
    assert_string_equal(str_at(json_object_get(p, "author"), "id"), DID);
    json_decref(p);
    /* Undoing a repost deletes the repost record. */
    p = ok("{'did': '" DID "', 'time_us': 1725516666833633, 'kind': 'commit',"
           " 'commit': {'operation': 'delete', 'collection': 'app.bsky.feed.repost', 'rkey': '3lrep'}}");
    assert_string_equal(str_at(p, "event"), "delete");
    assert_string_equal(str_at(p, "id"), "at://" DID "/app.bsky.feed.repost/3lrep");
    json_decref(p);
}

/* did + time_us + kind is every Jetstream event and nothing else ricochet
 * reads; a payload with only some of them is not taken for one. */
static void test_detect_needs_did_time_us_and_kind(void **state) {
    json_t *ev = json_pack("{s:s, s:i, s:s}", "did", DID, "time_us", 1, "kind", "identity");
    json_t *partial = json_pack("{s:s, s:i}", "did", DID, "time_us", 1);

    (void)state;
    assert_int_equal(rc_post_detect(ev), RC_FMT_BLUESKY);
    assert_int_equal(rc_post_detect(partial), RC_FMT_UNKNOWN);
    assert_string_equal(rc_post_format_name(RC_FMT_BLUESKY), "bluesky");
    assert_int_equal(rc_post_format_by_name("bluesky"), RC_FMT_BLUESKY);
    json_decref(ev);
    json_decref(partial);
}

static void test_non_post_events_are_refused_with_their_kind_or_collection(void **state) {
    (void)state;
    err_is("{'did': '" DID "', 'time_us': 1725516665234703, 'kind': 'identity',"
           " 'identity': {'did': '" DID "', 'handle': 'a.bsky.social', 'seq': 1}}",
           "bluesky: kind \"identity\" is not a post: only commit events are");
    err_is("{'did': '" DID "', 'time_us': 1725911162329308, 'kind': 'commit',"
           " 'commit': {'operation': 'create', 'collection': 'app.bsky.feed.like', 'rkey': 'r1',"
           "  'record': {'subject': {'uri': 'at://x/app.bsky.feed.post/1', 'cid': 'c'}}}}",
           "bluesky: commit.collection: \"app.bsky.feed.like\" is not app.bsky.feed.post or app.bsky.feed.repost");
}

#define EV(commit) "{'did': '" DID "', 'time_us': 1, 'kind': 'commit', 'commit': " commit "}"
#define POST(record)                                                                                                   \
    EV("{'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1', 'record': " record "}")

static void test_malformed_events_name_the_field(void **state) {
    (void)state;
    err_is("{'did': 5, 'time_us': 1, 'kind': 'commit'}", "bluesky: did: expected a string, got an integer");
    err_is("{'did': 'alice', 'time_us': 1, 'kind': 'commit'}", "bluesky: did: \"alice\" is not a DID");
    err_is("{'did': '" DID "', 'time_us': '1', 'kind': 'commit'}",
           "bluesky: time_us: expected an integer, got a string");
    err_is("{'did': '" DID "', 'time_us': 1, 'kind': 'commit'}", "bluesky: commit missing");
    err_is(EV("{'operation': 'upsert', 'collection': 'app.bsky.feed.post', 'rkey': 'r1'}"),
           "bluesky: commit.operation: \"upsert\" is not one of create, update, delete");
    err_is(EV("{'operation': 'create', 'collection': 'app.bsky.feed.post'}"), "bluesky: commit.rkey missing");
    err_is(EV("{'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'a/b'}"),
           "bluesky: commit.rkey: \"a/b\" is not a record key");
    err_is(EV("{'operation': 'create', 'collection': 'app.bsky.feed.post', 'rkey': 'r1'}"),
           "bluesky: commit.record missing (operation create)");
    err_is(POST("{'text': 7}"), "bluesky: record.text: expected a string, got an integer");
    err_is(POST("{}"), "bluesky: record.text missing");
    err_is(POST("{'text': 'x', 'createdAt': 'yesterday'}"),
           "bluesky: record.createdAt: \"yesterday\" is not an RFC 3339 timestamp");
    err_is(POST("{'text': 'x', 'langs': [1]}"), "bluesky: record.langs[0]: expected a string, got an integer");
    err_is(POST("{'text': 'x', 'reply': {'parent': {'uri': 'https://bsky.app/x'}, 'root': {'uri': 'at://a'}}}"),
           "bluesky: record.reply.parent.uri: \"https://bsky.app/x\" is not an at:// URI");
    err_is(POST("{'text': 'x', 'reply': {'parent': {'uri': 'at://a'}}}"), "bluesky: record.reply.root missing");
    err_is(POST("{'text': 'x', 'facets': [{'index': {'byteStart': 0, 'byteEnd': 1},"
                " 'features': [{'$type': 'app.bsky.richtext.facet#mention'}]}]}"),
           "bluesky: record.facets[0].features[0].did missing");
    err_is(POST("{'text': 'x', 'facets': [{'index': {'byteStart': -1, 'byteEnd': 1},"
                " 'features': [{'$type': 'app.bsky.richtext.facet#mention', 'did': 'did:plc:a'}]}]}"),
           "bluesky: record.facets[0].index.byteStart: a count cannot be negative");
    err_is(POST("{'text': 'x', 'facets': {}}"), "bluesky: record.facets: expected an array, got an object");
    err_is(POST("{'text': 'x', 'tags': [true]}"), "bluesky: record.tags[0]: expected a string, got a boolean");
    err_is(POST("{'text': 'x', 'embed': {'$type': 'app.bsky.embed.record'}}"), "bluesky: record.embed.record missing");
    err_is(EV("{'operation': 'create', 'collection': 'app.bsky.feed.repost', 'rkey': 'r1', 'record': {}}"),
           "bluesky: record.subject missing");
    err_is("{'did': '" DID "', 'time_us': 1, 'kind': 'commit', 'profile': {'did': 'did:plc:other'},"
           " 'commit': {'operation': 'delete', 'collection': 'app.bsky.feed.post', 'rkey': 'r1'}}",
           "bluesky: profile.did \"did:plc:other\" is not the event's did \"" DID "\"");
    err_is("{'did': '" DID "', 'time_us': 1, 'kind': 'commit', 'profile': {'followersCount': -3},"
           " 'commit': {'operation': 'delete', 'collection': 'app.bsky.feed.post', 'rkey': 'r1'}}",
           "bluesky: profile.followersCount: a count cannot be negative");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_create_maps_every_field),
        cmocka_unit_test(test_post_has_exactly_the_fields_of_post_avsc),
        cmocka_unit_test(test_a_post_that_is_not_a_reply_is_its_own_conversation),
        cmocka_unit_test(test_without_a_profile_the_did_stands_in_for_the_handle),
        cmocka_unit_test(test_an_invalid_handle_is_replaced_by_the_did),
        cmocka_unit_test(test_facets_give_mentions_and_tags_by_byte_range_over_multibyte_text),
        cmocka_unit_test(test_text_without_facets_has_no_mentions_or_tags_and_is_kept_verbatim),
        cmocka_unit_test(test_record_with_media_quotes_and_a_list_embed_does_not),
        cmocka_unit_test(test_update_is_an_edit_of_the_same_id),
        cmocka_unit_test(test_delete_is_a_tombstone_dated_by_time_us),
        cmocka_unit_test(test_repost_record_is_a_repost_of_its_subject),
        cmocka_unit_test(test_detect_needs_did_time_us_and_kind),
        cmocka_unit_test(test_non_post_events_are_refused_with_their_kind_or_collection),
        cmocka_unit_test(test_malformed_events_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
