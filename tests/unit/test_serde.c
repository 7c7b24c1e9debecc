/*
 * Avro serde without a registry (single-object encoding): round trips of
 * the four schemas, the exact bytes on the wire, error messages that name
 * the field, framing errors, and the encode+decode rate of an EnrichedPost.
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

#include "serde.h"

static const char *rc_post_json =
    "{\"id\":\"1\",\"platform\":\"x\",\"author\":{\"id\":\"9\",\"handle\":\"a\",\"name\":null,\"followers\":5,"
    "\"verified\":false},\"text\":\"hi\",\"created_at\":\"2026-11-22T06:00:00Z\",\"lang\":\"en\",\"url\":null,"
    "\"in_reply_to\":null,\"conversation_id\":null,\"mentions\":[\"SWA\"],\"hashtags\":[],\"metrics\":{\"likes\":0,"
    "\"reposts\":0,\"replies\":0,\"quotes\":0},\"source_format\":\"x_v2\",\"ingested_at\":\"2026-11-22T06:00:01Z\",\"event\":\"post\",\"repost_of\":null,\"quote_of\":null,\"edit_of\":null}";

static const char *rc_enriched_json_fmt =
    "{\"post\":%s,\"sentiment\":{\"score\":-0.8316,\"label\":\"negative\"},\"intent\":\"complaint\",\"urgency\":87,"
    "\"urgency_reasons\":[\"names an employee\",\"high reach\"],\"entities\":{\"mentions\":[\"SWA\"],\"hashtags\":[],"
    "\"urls\":[\"https://example.com/x\"],\"people\":[\"KIMBERLY S.\"],\"places\":[\"DENVER\"],\"references\":[{"
    "\"kind\":\"gate\",\"value\":\"C39\"},{\"kind\":\"flight\",\"value\":\"WN1234\"}],\"brands\":[\"Southwest\"]},"
    "\"language\":\"en\","
    "\"enriched_at\":\"2026-11-22T06:00:02Z\",\"redacted_text\":\"call me on [phone]\",\"redactions\":[\"phone\"],"
    "\"language_source\":\"platform\",\"customer\":{\"status\":\"ok\",\"tier\":\"gold\",\"attributes\":{\"since\":"
    "\"2019\"}},\"model\":{\"intent\":\"complaint\",\"intent_confidence\":0.75,\"sentiment\":null,"
    "\"sentiment_confidence\":0.0}}";

static const char *rc_action_nulls_json =
    "{\"post_id\":\"1\",\"platform\":\"x\",\"case_key\":\"x:9\",\"rule\":null,\"sink\":null,\"action\":\"no_match\","
    "\"status\":\"ok\",\"external_id\":null,\"detail\":null,\"intent\":\"other\",\"urgency\":0,\"latency_ms\":0,"
    "\"at\":\"2026-11-22T06:00:03Z\"}";

static const char *rc_dead_letter_json =
    "{\"stage\":\"enrich\",\"reason\":\"author.followers: expected long, got string\",\"error_class\":\"schema\","
    "\"topic\":\"posts\",\"partition\":3,\"offset\":12345678901,\"payload\":\"w4MB/w==\",\"payload_encoding\":"
    "\"base64\",\"at\":\"2026-11-22T06:00:04Z\"}";

static json_t *rc_load(const char *text) {
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("test JSON does not parse: %s", jerr.text);
    return j;
}

static json_t *rc_enriched(void) {
    char buf[4096];
    snprintf(buf, sizeof(buf), rc_enriched_json_fmt, rc_post_json);
    return rc_load(buf);
}

static int rc_setup(void **state) {
    char err[256];
    *state = rc_serde_new(NULL, err, sizeof(err));
    if (!*state)
        fail_msg("rc_serde_new: %s", err);
    return 0;
}

static int rc_teardown(void **state) {
    rc_serde_destroy(*state);
    return 0;
}

/* Encodes "in" and decodes it back; the result must be the same JSON,
 * key order included. */
static void rc_assert_round_trip(rc_serde_t *serde, rc_schema_id_t id, json_t *in) {
    char err[256];
    void *buf;
    size_t len;
    json_t *out;

    if (rc_serde_encode(serde, id, NULL, in, &buf, &len, err, sizeof(err)))
        fail_msg("encode %s: %s", rc_schema_name(id), err);
    out = rc_serde_decode(serde, id, buf, len, err, sizeof(err));
    if (!out)
        fail_msg("decode %s: %s", rc_schema_name(id), err);
    char *a = json_dumps(in, JSON_COMPACT), *b = json_dumps(out, JSON_COMPACT);
    assert_string_equal(b, a);
    assert_true(json_equal(in, out));
    free(a);
    free(b);
    json_decref(out);
    free(buf);
}

static void test_post_round_trips_exactly(void **state) {
    json_t *post = rc_load(rc_post_json);
    rc_assert_round_trip(*state, RC_SCHEMA_POST, post);
    json_decref(post);
}

static void test_enriched_post_with_nested_post_and_references_round_trips(void **state) {
    json_t *e = rc_enriched();
    rc_assert_round_trip(*state, RC_SCHEMA_ENRICHED_POST, e);
    json_decref(e);
}

static void test_action_with_nulls_and_with_values_round_trips(void **state) {
    json_t *a = rc_load(rc_action_nulls_json);
    rc_assert_round_trip(*state, RC_SCHEMA_ACTION, a);
    json_object_set_new(a, "rule", json_string("angry-vip"));
    json_object_set_new(a, "sink", json_string("rt"));
    json_object_set_new(a, "external_id", json_string("4711"));
    json_object_set_new(a, "detail", json_string("queue General"));
    json_object_set_new(a, "urgency", json_integer(-2147483647 - 1));
    json_object_set_new(a, "latency_ms", json_integer(INT64_MAX));
    rc_assert_round_trip(*state, RC_SCHEMA_ACTION, a);
    json_decref(a);
}

static void test_dead_letter_round_trips(void **state) {
    json_t *d = rc_load(rc_dead_letter_json);
    rc_assert_round_trip(*state, RC_SCHEMA_DEAD_LETTER, d);
    json_object_set_new(d, "topic", json_null());
    json_object_set_new(d, "partition", json_null());
    json_object_set_new(d, "offset", json_null());
    rc_assert_round_trip(*state, RC_SCHEMA_DEAD_LETTER, d);
    json_decref(d);
}

/* The frame is 0xC3 0x01, the little-endian CRC-64-AVRO of the schema's
 * canonical form, then the Avro binary body, byte for byte as the spec
 * encodes it (checked here by hand, not by avro-c). */
static void test_action_encodes_to_single_object_frame_and_spec_binary(void **state) {
    json_t *a = rc_load("{\"post_id\":\"p\",\"platform\":\"x\",\"case_key\":\"k\",\"rule\":null,\"sink\":null,"
                        "\"action\":\"a\",\"status\":\"ok\",\"external_id\":null,\"detail\":\"d\",\"intent\":\"i\","
                        "\"urgency\":-1,\"latency_ms\":64,\"at\":\"t\"}");
    static const unsigned char body[] = {
        0x02, 'p', 0x02, 'x', 0x02, 'k', /* three strings: zigzag length 1, byte */
        0x00, 0x00,                      /* rule, sink: union branch 0 (null) */
        0x02, 'a', 0x04, 'o', 'k',       /* action, status */
        0x00,                            /* external_id: null */
        0x02, 0x02, 'd',                 /* detail: branch 1, then the string */
        0x02, 'i',                       /* intent */
        0x01,                            /* urgency -1: zigzag 1 */
        0x80, 0x01,                      /* latency_ms 64: zigzag 128, varint */
        0x02, 't'};
    char err[256], *pcf;
    unsigned char *buf;
    size_t len;
    uint64_t fp = 0;

    assert_int_equal(rc_serde_encode(*state, RC_SCHEMA_ACTION, NULL, a, (void **)&buf, &len, err, sizeof(err)), 0);
    assert_int_equal(len, 10 + sizeof(body));
    assert_int_equal(buf[0], 0xC3);
    assert_int_equal(buf[1], 0x01);
    for (int i = 7; i >= 0; i--)
        fp = (fp << 8) | buf[2 + i];
    pcf = rc_avro_canonical_form(rc_schema_text(RC_SCHEMA_ACTION), err, sizeof(err));
    assert_non_null(pcf);
    assert_true(fp == rc_avro_fingerprint64(pcf, strlen(pcf)));
    assert_memory_equal(buf + 10, body, sizeof(body));
    free(pcf);
    free(buf);
    json_decref(a);
}

/* The Post inside enriched_post.avsc is a copy of post.avsc (Avro cannot
 * import); the copies must not drift apart. */
static void test_post_embedded_in_enriched_post_matches_post_schema(void **state) {
    json_t *enriched = rc_load(rc_schema_text(RC_SCHEMA_ENRICHED_POST)), *fields, *f, *post = NULL;
    char err[256], *inner, *pcf_inner, *pcf_post;
    size_t i;

    fields = json_object_get(enriched, "fields");
    json_array_foreach(fields, i, f) {
        if (!strcmp(json_string_value(json_object_get(f, "name")), "post"))
            post = json_object_get(f, "type");
    }
    assert_non_null(post);
    inner = json_dumps(post, JSON_COMPACT);
    pcf_inner = rc_avro_canonical_form(inner, err, sizeof(err));
    pcf_post = rc_avro_canonical_form(rc_schema_text(RC_SCHEMA_POST), err, sizeof(err));
    assert_non_null(pcf_inner);
    assert_non_null(pcf_post);
    assert_string_equal(pcf_inner, pcf_post);
    free(inner);
    free(pcf_inner);
    free(pcf_post);
    json_decref(enriched);
}

static void rc_assert_encode_error(rc_serde_t *serde, rc_schema_id_t id, json_t *obj, const char *want) {
    char err[256] = "";
    void *buf = NULL;
    size_t len = 0;

    assert_int_equal(rc_serde_encode(serde, id, NULL, obj, &buf, &len, err, sizeof(err)), -1);
    assert_null(buf);
    assert_string_equal(err, want);
}

static void test_encode_error_names_the_field_path_and_types(void **state) {
    json_t *post = rc_load(rc_post_json), *e;

    json_object_set_new(json_object_get(post, "author"), "followers", json_string("5"));
    rc_assert_encode_error(*state, RC_SCHEMA_POST, post, "author.followers: expected long, got string");
    json_object_set_new(json_object_get(post, "author"), "followers", json_real(1.5));
    rc_assert_encode_error(*state, RC_SCHEMA_POST, post, "author.followers: expected long, got number");
    json_decref(post);

    post = rc_load(rc_post_json);
    json_array_append_new(json_object_get(post, "mentions"), json_integer(7));
    rc_assert_encode_error(*state, RC_SCHEMA_POST, post, "mentions[1]: expected string, got integer");
    json_decref(post);

    e = rc_enriched();
    json_object_set_new(json_array_get(json_object_get(json_object_get(e, "entities"), "references"), 1), "kind",
                        json_null());
    rc_assert_encode_error(*state, RC_SCHEMA_ENRICHED_POST, e,
                           "entities.references[1].kind: expected string, got null");
    json_decref(e);

    e = rc_enriched();
    json_object_set_new(e, "urgency", json_integer(3000000000LL));
    rc_assert_encode_error(*state, RC_SCHEMA_ENRICHED_POST, e, "urgency: 3000000000 is out of range for int");
    json_decref(e);

    e = json_array();
    rc_assert_encode_error(*state, RC_SCHEMA_POST, e, "expected record io.ricochet.Post, got array");
    json_decref(e);
}

static void test_encode_rejects_missing_required_and_unknown_fields(void **state) {
    json_t *post = rc_load(rc_post_json);

    json_object_del(post, "text");
    rc_assert_encode_error(*state, RC_SCHEMA_POST, post, "text: missing required field");
    json_decref(post);

    post = rc_load(rc_post_json);
    json_object_del(json_object_get(post, "author"), "handle");
    rc_assert_encode_error(*state, RC_SCHEMA_POST, post, "author.handle: missing required field");
    json_decref(post);

    post = rc_load(rc_post_json);
    json_object_set_new(json_object_get(post, "author"), "nickname", json_string("al"));
    rc_assert_encode_error(*state, RC_SCHEMA_POST, post, "author.nickname: unknown field (not in io.ricochet.Author)");
    json_decref(post);
}

/* Fields with defaults may be left out; they decode as the default. A
 * double accepts a JSON integer. */
static void test_encode_fills_defaults_and_widens_integers_to_double(void **state) {
    json_t *post = rc_load(rc_post_json), *e, *out;
    char err[256];
    void *buf;
    size_t len;

    json_object_del(post, "lang");
    json_object_del(post, "mentions");
    json_object_del(json_object_get(post, "author"), "verified");
    json_object_del(json_object_get(post, "author"), "followers");
    assert_int_equal(rc_serde_encode(*state, RC_SCHEMA_POST, NULL, post, &buf, &len, err, sizeof(err)), 0);
    out = rc_serde_decode(*state, RC_SCHEMA_POST, buf, len, err, sizeof(err));
    assert_non_null(out);
    assert_true(json_is_null(json_object_get(out, "lang")));
    assert_int_equal(json_array_size(json_object_get(out, "mentions")), 0);
    assert_true(json_is_false(json_object_get(json_object_get(out, "author"), "verified")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "author"), "followers")), 0);
    json_decref(out);
    free(buf);
    json_decref(post);

    e = rc_enriched();
    json_object_set_new(json_object_get(e, "sentiment"), "score", json_integer(1));
    assert_int_equal(rc_serde_encode(*state, RC_SCHEMA_ENRICHED_POST, NULL, e, &buf, &len, err, sizeof(err)), 0);
    out = rc_serde_decode(*state, RC_SCHEMA_ENRICHED_POST, buf, len, err, sizeof(err));
    assert_non_null(out);
    assert_true(json_is_real(json_object_get(json_object_get(out, "sentiment"), "score")));
    assert_true(json_real_value(json_object_get(json_object_get(out, "sentiment"), "score")) == 1.0);
    json_decref(out);
    free(buf);
    json_decref(e);
}

static void rc_assert_decode_error(rc_serde_t *serde, rc_schema_id_t id, const void *buf, size_t len,
                                   const char *want) {
    char err[256] = "";
    json_t *out = rc_serde_decode(serde, id, buf, len, err, sizeof(err));
    if (out)
        fail_msg("decode unexpectedly succeeded (wanted \"%s\")", want);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void test_decode_rejects_bad_frames_with_clear_errors(void **state) {
    json_t *post = rc_load(rc_post_json);
    unsigned char *buf, *copy;
    char err[256];
    size_t len;

    assert_int_equal(rc_serde_encode(*state, RC_SCHEMA_POST, NULL, post, (void **)&buf, &len, err, sizeof(err)), 0);
    copy = malloc(len + 1);

    /* Truncated body, and a frame shorter than its header. */
    rc_assert_decode_error(*state, RC_SCHEMA_POST, buf, len - 1, "truncated or corrupt record body");
    rc_assert_decode_error(*state, RC_SCHEMA_POST, buf, 7, "truncated record: 7 bytes");
    rc_assert_decode_error(*state, RC_SCHEMA_POST, buf, 0, "empty record");

    /* Trailing garbage. */
    memcpy(copy, buf, len);
    copy[len] = 0x00;
    rc_assert_decode_error(*state, RC_SCHEMA_POST, copy, len + 1, "trailing bytes after the record body");

    /* Wrong magic, in either byte. */
    memcpy(copy, buf, len);
    copy[0] = 0x42;
    rc_assert_decode_error(*state, RC_SCHEMA_POST, copy, len, "unknown magic byte 0x42");
    copy[0] = 0xC3;
    copy[1] = 0x02;
    rc_assert_decode_error(*state, RC_SCHEMA_POST, copy, len, "unknown magic 0xc3 0x02");

    /* A fingerprint that is none of our schemas. */
    memcpy(copy, buf, len);
    copy[5] ^= 0xFF;
    rc_assert_decode_error(*state, RC_SCHEMA_POST, copy, len, "unknown schema fingerprint 0x");

    /* A Post is not an Action. */
    rc_assert_decode_error(*state, RC_SCHEMA_ACTION, buf, len, "record is a Post (fingerprint 0x");
    rc_assert_decode_error(*state, RC_SCHEMA_ACTION, buf, len, "expected Action");

    /* Confluent framing needs a registry. */
    static const unsigned char cf[] = {0x00, 0x00, 0x00, 0x00, 0x2A, 0x02, 'x'};
    rc_assert_decode_error(*state, RC_SCHEMA_POST, cf, sizeof(cf), "schema id 42) but no schema registry");

    /* A valid decode still works after all that (no state left behind). */
    json_t *out = rc_serde_decode(*state, RC_SCHEMA_POST, buf, len, err, sizeof(err));
    assert_non_null(out);
    assert_true(json_equal(out, post));
    json_decref(out);
    free(copy);
    free(buf);
    json_decref(post);
}

/* A corrupt body is an error naming the field, never a crash or a huge
 * allocation (avro-c alone would malloc whatever length the bytes say). */
static void test_decode_rejects_corrupt_bodies_naming_the_field(void **state) {
    json_t *post = rc_load(rc_post_json), *action = rc_load(rc_action_nulls_json);
    unsigned char *buf;
    char err[256];
    size_t len;

    /* The Action body is 53 bytes. */
    assert_int_equal(rc_serde_encode(*state, RC_SCHEMA_ACTION, NULL, action, (void **)&buf, &len, err, sizeof(err)),
                     0);
    assert_int_equal(len, 10 + 53);
    buf[10] = 0x7E; /* post_id's length: 63 bytes, more than there is */
    rc_assert_decode_error(*state, RC_SCHEMA_ACTION, buf, len, "truncated or corrupt record body");
    rc_assert_decode_error(*state, RC_SCHEMA_ACTION, buf, len, ": post_id: string of 63 bytes but only 52 left");
    buf[10] = 0x01; /* post_id's length: -1 */
    rc_assert_decode_error(*state, RC_SCHEMA_ACTION, buf, len, ": post_id: negative string length -1");
    buf[10] = 0x02;
    /* post_id "1", platform "x", case_key "x:9" take 2+2+4 bytes; then rule. */
    assert_int_equal(buf[10 + 8], 0x00);
    buf[10 + 8] = 0x04; /* branch 2 of ["null", "string"] */
    rc_assert_decode_error(*state, RC_SCHEMA_ACTION, buf, len, ": rule: union branch 2 out of range");
    free(buf);

    /* An array claiming a billion strings in a few bytes. With mentions
     * and hashtags empty the body ends: mentions 0x00, hashtags 0x00,
     * metrics 4 x 0x00, source_format (5 bytes), ingested_at (21 bytes),
     * event "post" (5 bytes), repost_of, quote_of, edit_of (null: 1 byte each). */
    json_object_set_new(post, "mentions", json_array());
    assert_int_equal(rc_serde_encode(*state, RC_SCHEMA_POST, NULL, post, (void **)&buf, &len, err, sizeof(err)), 0);
    size_t off = len - 40;
    static const unsigned char billion[] = {0x80, 0xA8, 0xD6, 0xB9, 0x07}; /* zigzag(1e9) as a varint */
    unsigned char *bad = malloc(len + sizeof(billion));
    assert_int_equal(buf[off], 0x00);
    memcpy(bad, buf, off);
    memcpy(bad + off, billion, sizeof(billion));
    memcpy(bad + off + sizeof(billion), buf + off + 1, len - off - 1);
    rc_assert_decode_error(*state, RC_SCHEMA_POST, bad, len + sizeof(billion) - 1,
                           ": mentions: 1000000000 elements cannot fit in the");
    free(bad);
    free(buf);
    json_decref(post);
    json_decref(action);
}

static double rc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Encode+decode of an EnrichedPost, the hot path of ricochet-enrich and
 * ricochet-route. Prints the rate; the bound only catches a pathological
 * regression (valgrind runs this too). RC_SERDE_BENCH_N sets the count. */
static void test_enriched_post_encode_decode_rate(void **state) {
    json_t *e = rc_enriched();
    const char *n_env = getenv("RC_SERDE_BENCH_N");
    long n = n_env ? atol(n_env) : 20000;
    char err[256];
    size_t total = 0;
    double t0 = rc_now(), dt;

    for (long i = 0; i < n; i++) {
        void *buf;
        size_t len;
        json_t *out;
        if (rc_serde_encode(*state, RC_SCHEMA_ENRICHED_POST, NULL, e, &buf, &len, err, sizeof(err)))
            fail_msg("encode: %s", err);
        if (!(out = rc_serde_decode(*state, RC_SCHEMA_ENRICHED_POST, buf, len, err, sizeof(err))))
            fail_msg("decode: %s", err);
        total += len;
        json_decref(out);
        free(buf);
    }
    dt = rc_now() - t0;
    printf("# EnrichedPost encode+decode: %ld in %.3f s = %.0f/s (%zu bytes each)\n", n, dt, n / dt, total / (size_t)n);
    assert_true(n / dt > 500);
    json_decref(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post_round_trips_exactly, rc_setup, rc_teardown),
        cmocka_unit_test_setup_teardown(test_enriched_post_with_nested_post_and_references_round_trips, rc_setup,
                                        rc_teardown),
        cmocka_unit_test_setup_teardown(test_action_with_nulls_and_with_values_round_trips, rc_setup, rc_teardown),
        cmocka_unit_test_setup_teardown(test_dead_letter_round_trips, rc_setup, rc_teardown),
        cmocka_unit_test_setup_teardown(test_action_encodes_to_single_object_frame_and_spec_binary, rc_setup,
                                        rc_teardown),
        cmocka_unit_test(test_post_embedded_in_enriched_post_matches_post_schema),
        cmocka_unit_test_setup_teardown(test_encode_error_names_the_field_path_and_types, rc_setup, rc_teardown),
        cmocka_unit_test_setup_teardown(test_encode_rejects_missing_required_and_unknown_fields, rc_setup,
                                        rc_teardown),
        cmocka_unit_test_setup_teardown(test_encode_fills_defaults_and_widens_integers_to_double, rc_setup,
                                        rc_teardown),
        cmocka_unit_test_setup_teardown(test_decode_rejects_bad_frames_with_clear_errors, rc_setup, rc_teardown),
        cmocka_unit_test_setup_teardown(test_decode_rejects_corrupt_bodies_naming_the_field, rc_setup, rc_teardown),
        cmocka_unit_test_setup_teardown(test_enriched_post_encode_decode_rate, rc_setup, rc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
