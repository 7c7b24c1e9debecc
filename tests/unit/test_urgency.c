/*
 * The urgency analyser: a 0..100 score with its reasons, from negativity,
 * intensity, safety and legal language, a named employee and the author's
 * reach.
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

/* Analyses a post; returns the EnrichedPost (new reference). */
static json_t *analyse(const char *text, json_int_t followers, int verified, json_int_t reposts) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:I, s:b}, s:s, s:s, s:s,"
                             " s:{s:i, s:I, s:i, s:i}}",
                             "id", "1", "platform", "x", "author", "id", "a1", "handle", "traveller", "name",
                             "A Traveller", "followers", followers, "verified", verified, "text", text, "created_at",
                             "2026-11-22T06:38:31Z", "lang", "en", "metrics", "likes", 0, "reposts", reposts,
                             "replies", 0, "quotes", 0);
    assert_non_null(post);
    json_t *e = rc_analyse(an, post, "2026-11-22T06:38:32Z", errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    json_decref(post);
    return e;
}

static int urgency(const json_t *e) {
    return (int)json_integer_value(json_object_get(e, "urgency"));
}

static int has_reason(const json_t *e, const char *reason) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, "urgency_reasons"), i, v) {
        if (strcmp(json_string_value(v), reason) == 0)
            return 1;
    }
    return 0;
}

static void test_urgency_rudest_agent_from_big_account_is_at_least_80(void **state) {
    json_t *e = analyse("RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.", 250000, 0, 0);
    printf("urgency %d\n", urgency(e));
    assert_true(urgency(e) >= 80);
    assert_true(urgency(e) <= 100);
    assert_true(has_reason(e, "negative_sentiment"));
    assert_true(has_reason(e, "complaint"));
    assert_true(has_reason(e, "all_caps"));
    assert_true(has_reason(e, "intense_language"));
    assert_true(has_reason(e, "employee_named"));
    assert_true(has_reason(e, "high_reach:followers=250000"));
    assert_false(has_reason(e, "verified_author"));
    json_decref(e);
}

static void test_urgency_praise_scores_low_even_from_big_account(void **state) {
    json_t *e = analyse("Who rocks Denver? Cindy rocks @SWA.", 250000, 1, 0);
    assert_true(urgency(e) <= 20);
    assert_false(has_reason(e, "employee_named"));
    assert_false(has_reason(e, "negative_sentiment"));
    json_decref(e);
    e = analyse("Thank you so much to the crew, amazing flight!!", 50, 0, 0);
    assert_true(urgency(e) <= 10);
    json_decref(e);
}

static void test_urgency_reach_is_log_scaled(void **state) {
    const char *text = "my flight was delayed";
    json_t *small = analyse(text, 50, 0, 0), *mid = analyse(text, 5000, 0, 0), *big = analyse(text, 2000000, 0, 0);
    assert_true(urgency(small) < urgency(mid));
    assert_true(urgency(mid) < urgency(big));
    /* 5,000 -> 5*(log10(5000)-2) = 8.5 points; 2,000,000 -> capped at 20 */
    assert_int_equal(urgency(mid) - urgency(small), 8);
    assert_int_equal(urgency(big) - urgency(small), 20);
    assert_true(has_reason(mid, "reach:followers=5000"));
    assert_true(has_reason(big, "high_reach:followers=2000000"));
    assert_false(has_reason(small, "reach:followers=50"));
    json_decref(small);
    json_decref(mid);
    json_decref(big);
}

static void test_urgency_verified_author_and_spreading_add_points(void **state) {
    const char *text = "my flight was delayed";
    json_t *plain = analyse(text, 50, 0, 0), *verified = analyse(text, 50, 1, 0), *viral = analyse(text, 50, 0, 400);
    assert_int_equal(urgency(verified) - urgency(plain), 5);
    assert_true(has_reason(verified, "verified_author"));
    assert_int_equal(urgency(viral) - urgency(plain), 10);
    assert_true(has_reason(viral, "spreading:reposts=400"));
    json_decref(plain);
    json_decref(verified);
    json_decref(viral);
}

static void test_urgency_safety_and_legal_language(void **state) {
    json_t *e = analyse("My son got food poisoning on your flight and my lawyer will hear about it", 10, 0, 0);
    assert_true(has_reason(e, "safety_language"));
    assert_true(has_reason(e, "legal_language"));
    assert_true(urgency(e) >= 60);
    json_decref(e);
    e = analyse("There is smoke coming from the engine", 10, 0, 0);
    assert_true(has_reason(e, "safety_language"));
    assert_false(has_reason(e, "legal_language"));
    json_decref(e);
}

static void test_urgency_intensity_from_exclamations_and_caps(void **state) {
    json_t *calm = analyse("the bag is lost", 10, 0, 0);
    json_t *loud = analyse("THE BAG IS LOST!!", 10, 0, 0);
    assert_false(has_reason(calm, "all_caps"));
    assert_false(has_reason(calm, "intense_language"));
    assert_true(has_reason(loud, "all_caps"));
    assert_true(has_reason(loud, "intense_language"));
    assert_true(urgency(loud) >= urgency(calm) + 20);
    json_decref(calm);
    json_decref(loud);
}

static void test_urgency_neutral_statement_scores_zero(void **state) {
    json_t *e = analyse("Boarding at 10 today", 10, 0, 0);
    assert_int_equal(urgency(e), 0);
    assert_int_equal(json_array_size(json_object_get(e, "urgency_reasons")), 0);
    json_decref(e);
}

static void test_urgency_never_exceeds_100(void **state) {
    json_t *e = analyse("RUDEST AGENT KIMBERLY S. THREATENED ME!!! I WILL SUE, CALLING MY LAWYER AND THE POLICE. "
                        "WORST AIRLINE @SWA",
                        5000000, 1, 1000);
    assert_int_equal(urgency(e), 100);
    json_decref(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urgency_rudest_agent_from_big_account_is_at_least_80),
        cmocka_unit_test(test_urgency_praise_scores_low_even_from_big_account),
        cmocka_unit_test(test_urgency_reach_is_log_scaled),
        cmocka_unit_test(test_urgency_verified_author_and_spreading_add_points),
        cmocka_unit_test(test_urgency_safety_and_legal_language),
        cmocka_unit_test(test_urgency_intensity_from_exclamations_and_caps),
        cmocka_unit_test(test_urgency_neutral_statement_scores_zero),
        cmocka_unit_test(test_urgency_never_exceeds_100),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
