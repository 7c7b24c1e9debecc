/*
 * The entities analyser: mentions, hashtags, URLs, people, places and
 * reference numbers, deduplicated in order of appearance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyse.h"

#include "analysers_fixture.h"

/* The entities object of a post with "text" (new reference). */
static json_t *entities_of(const char *text) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:i}, s:s, s:n}", "id", "1", "platform", "x", "author", "id",
                             "a1", "handle", "someone", "followers", 10, "text", text, "lang");
    assert_non_null(post);
    json_t *e = rc_analyse(an, post, "2026-11-22T06:38:32Z", errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    json_t *ent = json_incref(json_object_get(e, "entities"));
    json_decref(e);
    json_decref(post);
    return ent;
}

/* Compares entities[key] with a compact JSON text like ["a","b"]. */
static void assert_field(json_t *ent, const char *key, const char *want_json) {
    json_t *want = json_loads(want_json, 0, NULL);
    assert_non_null(want);
    json_t *got = json_object_get(ent, key);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        char msg[512];
        snprintf(msg, sizeof(msg), "%s: got %s, want %s", key, g, want_json);
        free(g);
        json_decref(want);
        fail_msg("%s", msg);
    }
    json_decref(want);
}

static void test_entities_rudest_agent_post(void **state) {
    json_t *e = entities_of("RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.");
    assert_field(e, "mentions", "[\"SWA\"]");
    assert_field(e, "people", "[\"Kimberly S.\"]");
    assert_field(e, "places", "[\"Denver\"]");
    assert_field(e, "references", "[{\"kind\":\"gate\",\"value\":\"C39\"}]");
    assert_field(e, "hashtags", "[]");
    assert_field(e, "urls", "[]");
    json_decref(e);
}

static void test_entities_praised_first_name_is_a_person_but_question_word_is_not(void **state) {
    json_t *e = entities_of("Who rocks Denver? Cindy rocks @SWA.");
    assert_field(e, "people", "[\"Cindy\"]");
    assert_field(e, "places", "[\"Denver\"]");
    json_decref(e);
}

static void test_entities_people_from_name_and_initial_or_role(void **state) {
    json_t *e = entities_of("Kimberly S. was great, and agent Maria at the counter too. Thanks to an agent named "
                            "Tom R. as well. KIMBERLY S. rocks");
    assert_field(e, "people", "[\"Kimberly S.\", \"Maria\", \"Tom R.\"]");
    json_decref(e);
}

static void test_entities_no_person_from_ordinary_capitalised_words(void **state) {
    json_t *e = entities_of("The agent at Gate B. Denver is cold. I am at DEN. Monday rocks.");
    assert_field(e, "people", "[]");
    json_decref(e);
}

static void test_entities_mentions_hashtags_urls_deduplicated(void **state) {
    json_t *e = entities_of("@SWA @swa hi @user@mastodon.social #Fail #fail #12345 mail me at x@example.com "
                            "see https://t.co/abc?x=1, and www.example.com/a. C# rocks");
    assert_field(e, "mentions", "[\"SWA\", \"user@mastodon.social\"]");
    assert_field(e, "hashtags", "[\"Fail\"]");
    assert_field(e, "urls", "[\"https://t.co/abc?x=1\", \"www.example.com/a\"]");
    json_decref(e);
}

static void test_entities_places_cities_and_airport_codes(void **state) {
    json_t *e = entities_of("Stuck in New York, flying JFK to LAX then los angeles to Denver. "
                            "den is cozy, SEA and san francisco next");
    assert_field(e, "places", "[\"New York\", \"JFK\", \"LAX\", \"Los Angeles\", \"Denver\", \"SEA\", "
                              "\"San Francisco\"]");
    json_decref(e);
}

static void test_entities_flight_numbers(void **state) {
    json_t *e = entities_of("flight 1234 delayed, then WN1234 and UA 89, also flight #567 and flight no. DL 42; "
                            "flight 1234 again");
    assert_field(e, "references",
                 "[{\"kind\":\"flight\",\"value\":\"1234\"}, {\"kind\":\"flight\",\"value\":\"WN1234\"},"
                 " {\"kind\":\"flight\",\"value\":\"UA89\"}, {\"kind\":\"flight\",\"value\":\"567\"},"
                 " {\"kind\":\"flight\",\"value\":\"DL42\"}]");
    json_decref(e);
}

static void test_entities_gate_order_and_booking_references(void **state) {
    json_t *e = entities_of("At gate c39 about order #12345 (order number A-1 is not one), confirmation ABC123, "
                            "booking ref x7y8z9, my confirmation code is QWERTY");
    assert_field(e, "references",
                 "[{\"kind\":\"gate\",\"value\":\"C39\"}, {\"kind\":\"order\",\"value\":\"12345\"},"
                 " {\"kind\":\"booking\",\"value\":\"ABC123\"}, {\"kind\":\"booking\",\"value\":\"X7Y8Z9\"},"
                 " {\"kind\":\"booking\",\"value\":\"QWERTY\"}]");
    json_decref(e);
}

static void test_entities_words_that_only_look_like_references(void **state) {
    json_t *e = entities_of("the gate agent was nice, our booking was fine, I was born in 1984 AS 5 kids");
    assert_field(e, "references", "[]");
    json_decref(e);
}

static void test_entities_empty_text_has_all_arrays(void **state) {
    json_t *e = entities_of("");
    const char *keys[] = {"mentions", "hashtags", "urls", "people", "places", "references"};
    for (size_t i = 0; i < 6; i++) {
        assert_true(json_is_array(json_object_get(e, keys[i])));
        assert_int_equal(json_array_size(json_object_get(e, keys[i])), 0);
    }
    assert_int_equal(json_object_size(e), 6);
    json_decref(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities_rudest_agent_post),
        cmocka_unit_test(test_entities_praised_first_name_is_a_person_but_question_word_is_not),
        cmocka_unit_test(test_entities_people_from_name_and_initial_or_role),
        cmocka_unit_test(test_entities_no_person_from_ordinary_capitalised_words),
        cmocka_unit_test(test_entities_mentions_hashtags_urls_deduplicated),
        cmocka_unit_test(test_entities_places_cities_and_airport_codes),
        cmocka_unit_test(test_entities_flight_numbers),
        cmocka_unit_test(test_entities_gate_order_and_booking_references),
        cmocka_unit_test(test_entities_words_that_only_look_like_references),
        cmocka_unit_test(test_entities_empty_text_has_all_arrays),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
