/*
 * X Account Activity webhook helpers (ingest/x_webhook.c): the CRC answer
 * and the signature check, each against a value computed here with
 * OpenSSL directly, and the split of one delivery into one input per tweet
 * event.
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
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "normalise.h"
#include "x_webhook.h"

#define SECRET "Q5cFYkHEOs7pOGK0NiSFDUGXaPnWl6Dzr5TGSr1dvBpZAyN3Wv"

/* "sha256=" + base64(HMAC-SHA256(key, msg)), computed without the code
 * under test. */
static void expected_sig(const char *key, const char *msg, size_t len, char *out, size_t out_size) {
    unsigned char md[EVP_MAX_MD_SIZE], b64[64];
    unsigned int md_len = 0;

    assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, len, md, &md_len));
    assert_int_equal(md_len, 32);
    EVP_EncodeBlock(b64, md, (int)md_len);
    snprintf(out, out_size, "sha256=%s", (const char *)b64);
}

static void test_crc_answer_is_the_base64_hmac_of_the_token_under_the_consumer_secret(void **state) {
    const char *token = "YzQ5YjBiNjEtNjU0Mi00YjYxLWE4NTMtMjdiNDYyMmQ5ZDg4";
    char want[128];
    json_t *o;
    char *body = rc_x_crc_response(SECRET, token);

    (void)state;
    expected_sig(SECRET, token, strlen(token), want, sizeof(want));
    assert_non_null(body);
    o = json_loads(body, 0, NULL);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 1);
    assert_string_equal(json_string_value(json_object_get(o, "response_token")), want);
    /* 32 bytes of HMAC are 44 base64 characters. */
    assert_int_equal(strlen(want), 7 + 44);
    json_decref(o);
    free(body);
}

static void test_crc_answer_depends_on_secret_and_token(void **state) {
    char *a = rc_x_crc_response(SECRET, "token-1"), *b = rc_x_crc_response(SECRET, "token-2"),
         *c = rc_x_crc_response("another secret", "token-1");
    (void)state;
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

static void test_signature_of_the_exact_body_is_accepted(void **state) {
    const char *body = "{\"for_user_id\":\"2244994945\",\"tweet_create_events\":[]}";
    char sig[128];
    (void)state;
    expected_sig(SECRET, body, strlen(body), sig, sizeof(sig));
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body), sig), 1);
}

static void test_signature_mismatches_are_refused(void **state) {
    const char *body = "{\"for_user_id\":\"2244994945\",\"tweet_create_events\":[]}";
    char sig[128], other[128];
    (void)state;
    expected_sig(SECRET, body, strlen(body), sig, sizeof(sig));
    /* Missing, without its scheme, under another secret, one byte of the
     * body changed or cut, one character of the signature changed. */
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body), NULL), 0);
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body), sig + 7), 0);
    assert_int_equal(rc_x_signature_ok("wrong secret", body, strlen(body), sig), 0);
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body) - 1, sig), 0);
    expected_sig(SECRET, "{}", 2, other, sizeof(other));
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body), other), 0);
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body), sig), 0);
    assert_int_equal(rc_x_signature_ok(SECRET, body, strlen(body), ""), 0);
}

static const char *DELIVERY =
    "{\"for_user_id\":\"2244994945\",\"user_has_blocked\":\"false\","
    "\"tweet_create_events\":[{\"id_str\":\"1\",\"text\":\"first\",\"user\":{\"id_str\":\"7\"}},"
    "{\"id_str\":\"2\",\"text\":\"second\",\"user\":{\"id_str\":\"8\"}}],"
    "\"tweet_delete_events\":[{\"status\":{\"id\":\"3\",\"user_id\":\"9\"},\"timestamp_ms\":\"1432228155593\"}],"
    "\"favorite_events\":[{\"id\":\"a\"},{\"id\":\"b\"}]}";

static void test_delivery_splits_into_one_normalisable_input_per_tweet_event(void **state) {
    rc_x_events_t ev;
    const char *want_ids[3] = {"1", "2", "3"}, *want_events[3] = {"post", "post", "delete"};
    char err[256];

    (void)state;
    assert_int_equal(rc_x_activity_split(DELIVERY, strlen(DELIVERY), &ev), 1);
    assert_int_equal(ev.n, 3);
    assert_int_equal(ev.ignored, 2);
    for (size_t i = 0; i < ev.n; i++) {
        rc_post_format_t fmt;
        json_t *o = json_loadb(ev.payloads[i], ev.lens[i], 0, NULL), *post;
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "for_user_id")), "2244994945");
        assert_int_equal(json_object_size(o), 2);
        json_decref(o);
        post = rc_normalise(ev.payloads[i], ev.lens[i], "2026-11-21T12:00:00Z", &fmt, err, sizeof(err));
        if (!post)
            fail_msg("input %zu: %s", i, err);
        assert_int_equal(fmt, RC_FMT_X_ACTIVITY);
        assert_string_equal(json_string_value(json_object_get(post, "id")), want_ids[i]);
        assert_string_equal(json_string_value(json_object_get(post, "event")), want_events[i]);
        json_decref(post);
    }
    rc_x_events_free(&ev);
    rc_x_events_free(&ev); /* safe twice: it was emptied */
}

static void test_delivery_of_other_events_only_splits_into_nothing(void **state) {
    const char *likes = "{\"for_user_id\":\"1\",\"favorite_events\":[{\"id\":\"a\"}],\"follow_events\":[{}]}";
    const char *revoke = "{\"user_event\":{\"revoke\":{\"date_time\":\"2018-05-24T09:48:12+00:00\"}}}";
    rc_x_events_t ev;
    (void)state;
    assert_int_equal(rc_x_activity_split(likes, strlen(likes), &ev), 1);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.ignored, 2);
    rc_x_events_free(&ev);
    assert_int_equal(rc_x_activity_split(revoke, strlen(revoke), &ev), 1);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.ignored, 1);
    rc_x_events_free(&ev);
}

static void test_other_bodies_are_left_to_the_line_splitter(void **state) {
    const char *bodies[] = {
        "{\"id\":\"1\",\"text\":\"generic\",\"author\":{\"handle\":\"a\"}}",
        "{\"text\":\"mentions for_user_id in text only\"}\n{\"text\":\"\\\"for_user_id\\\"\"}",
        "{\"data\":{\"id\":\"1\"}}\n{\"data\":{\"id\":\"2\"}}",
        "{\"for_user_id\": broken",
        "",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        rc_x_events_t ev;
        assert_int_equal(rc_x_activity_split(bodies[i], strlen(bodies[i]), &ev), 0);
        assert_int_equal(ev.n, 0);
        assert_null(ev.payloads);
    }
}

static void test_events_that_are_not_an_array_are_passed_on_to_be_dead_lettered(void **state) {
    const char *body = "{\"for_user_id\":\"1\",\"tweet_create_events\":{\"id_str\":\"1\"}}";
    rc_x_events_t ev;
    char err[256];
    json_t *post;
    (void)state;
    assert_int_equal(rc_x_activity_split(body, strlen(body), &ev), 1);
    assert_int_equal(ev.n, 1);
    post = rc_normalise(ev.payloads[0], ev.lens[0], "2026-11-21T12:00:00Z", NULL, err, sizeof(err));
    assert_null(post);
    assert_string_equal(err, "x_activity: tweet_create_events: expected an array, got an object");
    rc_x_events_free(&ev);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_answer_is_the_base64_hmac_of_the_token_under_the_consumer_secret),
        cmocka_unit_test(test_crc_answer_depends_on_secret_and_token),
        cmocka_unit_test(test_signature_of_the_exact_body_is_accepted),
        cmocka_unit_test(test_signature_mismatches_are_refused),
        cmocka_unit_test(test_delivery_splits_into_one_normalisable_input_per_tweet_event),
        cmocka_unit_test(test_delivery_of_other_events_only_splits_into_nothing),
        cmocka_unit_test(test_other_bodies_are_left_to_the_line_splitter),
        cmocka_unit_test(test_events_that_are_not_an_array_are_passed_on_to_be_dead_lettered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
