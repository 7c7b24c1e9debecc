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

/* A post with these fields (new reference). */
static json_t *make_post(const char *text, json_int_t followers, json_int_t likes, json_int_t reposts,
                         const char *created_at) {
    json_t *post =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:I, s:b}, s:s, s:s, s:s,"
                  " s:{s:I, s:I, s:i, s:i}}",
                  "id", "1", "platform", "x", "author", "id", "a1", "handle", "traveller", "name", "A Traveller",
                  "followers", followers, "verified", 0, "text", text, "created_at", created_at, "lang", "en",
                  "metrics", "likes", likes, "reposts", reposts, "replies", 0, "quotes", 0);
    assert_non_null(post);
    return post;
}

/* Analyses "post" (borrowed) at "now" with the lookup's answer "cust" (NULL:
 * no lookup) using the analysers "with"; returns the EnrichedPost. */
static json_t *analyse_post(const rc_analysers_t *with, json_t *post, const rc_customer_t *cust, const char *now) {
    char errstr[256];
    json_t *e = rc_analyse_customer(with, post, cust, now, errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse_customer: %s", errstr);
    return e;
}

/* Analyses a post made a day before the analysis (so that its engagement
 * is not fast); returns the EnrichedPost (new reference). */
static json_t *analyse(const char *text, json_int_t followers, int verified, json_int_t reposts) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:I, s:b}, s:s, s:s, s:s,"
                             " s:{s:i, s:I, s:i, s:i}}",
                             "id", "1", "platform", "x", "author", "id", "a1", "handle", "traveller", "name",
                             "A Traveller", "followers", followers, "verified", verified, "text", text, "created_at",
                             "2026-11-21T06:38:31Z", "lang", "en", "metrics", "likes", 0, "reposts", reposts,
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

static int has_reason_prefix(const json_t *e, const char *prefix) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, "urgency_reasons"), i, v) {
        if (strncmp(json_string_value(v), prefix, strlen(prefix)) == 0)
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

static const char *const seed_text = "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.";

static void test_urgency_gold_customer_raises_the_seed_complaint_and_says_why(void **state) {
    const rc_customer_t gold = {"ok", "gold", NULL};
    json_t *post = make_post(seed_text, 250000, 0, 0, "2026-11-21T06:38:31Z");
    json_t *plain = analyse_post(an, post, NULL, "2026-11-22T06:38:31Z");
    json_t *e = analyse_post(an, post, &gold, "2026-11-22T06:38:31Z");
    assert_true(urgency(plain) >= 80);
    assert_true(urgency(e) > urgency(plain));
    assert_int_equal(urgency(e), urgency(plain) + 15 > 100 ? 100 : urgency(plain) + 15);
    assert_true(has_reason(e, "customer_tier:gold"));
    assert_false(has_reason(plain, "customer_tier:gold"));
    /* The reasons of the post itself are all still there. */
    assert_true(has_reason(e, "complaint"));
    assert_true(has_reason(e, "employee_named"));
    /* And the record carries what the lookup found. */
    json_t *c = json_object_get(e, "customer");
    assert_string_equal(json_string_value(json_object_get(c, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(c, "tier")), "gold");
    assert_true(json_is_null(json_object_get(plain, "customer")));
    json_decref(plain);
    json_decref(e);
    json_decref(post);
}

static void test_urgency_tier_is_matched_in_any_case_and_unknown_tiers_add_nothing(void **state) {
    const rc_customer_t platinum = {"ok", "PlatiNum", NULL}, bronze = {"ok", "bronze", NULL},
                        no_tier = {"ok", NULL, NULL};
    json_t *post = make_post("my flight was delayed", 50, 0, 0, "2026-11-21T06:38:31Z");
    json_t *plain = analyse_post(an, post, NULL, "2026-11-22T06:38:31Z");
    json_t *p = analyse_post(an, post, &platinum, "2026-11-22T06:38:31Z");
    json_t *b = analyse_post(an, post, &bronze, "2026-11-22T06:38:31Z");
    json_t *n = analyse_post(an, post, &no_tier, "2026-11-22T06:38:31Z");
    assert_int_equal(urgency(p) - urgency(plain), 20);
    assert_true(has_reason(p, "customer_tier:platinum"));
    assert_int_equal(urgency(b), urgency(plain));
    assert_int_equal(urgency(n), urgency(plain));
    assert_int_equal(json_array_size(json_object_get(b, "urgency_reasons")),
                     json_array_size(json_object_get(plain, "urgency_reasons")));
    json_decref(plain);
    json_decref(p);
    json_decref(b);
    json_decref(n);
    json_decref(post);
}

static void test_urgency_failed_lookup_adds_no_points_but_shows_in_the_record(void **state) {
    /* A status other than "ok" never counts its tier, even if one is set. */
    const rc_customer_t unavailable = {"unavailable", "gold", NULL}, not_found = {"not_found", NULL, NULL};
    json_t *post = make_post(seed_text, 2000, 0, 0, "2026-11-21T06:38:31Z");
    json_t *plain = analyse_post(an, post, NULL, "2026-11-22T06:38:31Z");
    json_t *u = analyse_post(an, post, &unavailable, "2026-11-22T06:38:31Z");
    json_t *nf = analyse_post(an, post, &not_found, "2026-11-22T06:38:31Z");
    assert_int_equal(urgency(u), urgency(plain));
    assert_int_equal(urgency(nf), urgency(plain));
    assert_false(has_reason(u, "customer_tier:gold"));
    assert_false(has_reason(u, "lookup_unavailable"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(u, "customer"), "status")), "unavailable");
    assert_string_equal(json_string_value(json_object_get(json_object_get(nf, "customer"), "status")), "not_found");
    json_decref(plain);
    json_decref(u);
    json_decref(nf);
    json_decref(post);
}

/* The urgency of "likes" likes on a post made at "created" analysed at "now",
 * and whether it has "reason". */
static int velocity_case(json_int_t likes, const char *created, const char *now, const char *reason) {
    json_t *post = make_post("my flight was delayed", 50, likes, 0, created);
    json_t *e = analyse_post(an, post, NULL, now);
    int has = reason != NULL ? has_reason(e, reason) : 0, u = urgency(e);
    json_decref(e);
    json_decref(post);
    return reason != NULL ? has : u;
}

static void test_urgency_fast_engagement_is_engagement_per_minute_since_the_post(void **state) {
    const char *made = "2026-11-22T06:00:00Z";
    int base = velocity_case(0, made, "2026-11-22T06:10:00Z", NULL);
    /* 300 in 10 minutes: 30 a minute. */
    assert_true(velocity_case(300, made, "2026-11-22T06:10:00Z", "fast_engagement:per_min=30"));
    assert_int_equal(velocity_case(300, made, "2026-11-22T06:10:00Z", NULL) - base, 10);
    /* Exactly the threshold (10 a minute) is not above it; just over is. */
    assert_int_equal(velocity_case(100, made, "2026-11-22T06:10:00Z", NULL), base);
    assert_true(velocity_case(101, made, "2026-11-22T06:10:00Z", "fast_engagement:per_min=10"));
    /* The same likes over a day are slow. */
    assert_int_equal(velocity_case(300, made, "2026-11-23T06:00:00Z", NULL), base);
    /* Seconds old: the age counts as a minute, so 9 likes are 9 a minute. */
    assert_int_equal(velocity_case(9, made, "2026-11-22T06:00:05Z", NULL), base);
    assert_true(velocity_case(11, made, "2026-11-22T06:00:05.500Z", "fast_engagement:per_min=11"));
    /* A post from ten minutes in the future, or with no usable time, says
     * nothing about speed. */
    assert_int_equal(velocity_case(1000, "2026-11-22T06:20:00Z", "2026-11-22T06:10:00Z", NULL), base);
    assert_int_equal(velocity_case(1000, "yesterday", "2026-11-22T06:10:00Z", NULL), base);
    assert_int_equal(velocity_case(1000, made, "not a time", NULL), base);
}

static void test_urgency_config_sets_tiers_and_velocity(void **state) {
    char errstr[256];
    rc_config_t *cfg = rc_config_load_string("enrich:\n"
                                             "  urgency:\n"
                                             "    tiers: {Bronze: 3, gold: 0}\n"
                                             "    velocity_per_min: 1\n"
                                             "    velocity_points: 7\n",
                                             "urgency.yaml", errstr, sizeof(errstr));
    assert_non_null(cfg);
    rc_analysers_t *mine = rc_analysers_new(cfg, errstr, sizeof(errstr));
    if (mine == NULL)
        fail_msg("rc_analysers_new: %s", errstr);
    const rc_customer_t bronze = {"ok", "bronze", NULL}, gold = {"ok", "gold", NULL};
    json_t *post = make_post("my flight was delayed", 50, 30, 0, "2026-11-22T06:00:00Z");
    json_t *plain = analyse_post(mine, post, NULL, "2026-11-22T07:00:00Z");
    json_t *b = analyse_post(mine, post, &bronze, "2026-11-22T07:00:00Z");
    json_t *g = analyse_post(mine, post, &gold, "2026-11-22T07:00:00Z");
    /* 30 likes in an hour is 0.5 a minute: under the threshold of 1. */
    assert_false(has_reason_prefix(plain, "fast_engagement:"));
    assert_int_equal(urgency(b) - urgency(plain), 3);
    assert_true(has_reason(b, "customer_tier:bronze"));
    /* The map replaces the default: gold is worth what it says, 0. */
    assert_int_equal(urgency(g), urgency(plain));
    assert_false(has_reason(g, "customer_tier:gold"));
    json_decref(plain);
    json_decref(b);
    json_decref(g);
    json_decref(post);
    post = make_post("my flight was delayed", 50, 120, 0, "2026-11-22T06:00:00Z");
    json_t *fast = analyse_post(mine, post, NULL, "2026-11-22T07:00:00Z");
    assert_true(has_reason(fast, "fast_engagement:per_min=2"));
    json_decref(fast);
    json_decref(post);
    rc_analysers_destroy(mine);
    rc_config_destroy(cfg);
}

static void test_urgency_config_rejects_bad_tier_points_with_the_line(void **state) {
    char errstr[256];
    rc_config_t *cfg = rc_config_load_string("enrich:\n"
                                             "  urgency:\n"
                                             "    tiers:\n"
                                             "      gold: 15\n"
                                             "      silver: lots\n",
                                             "urgency.yaml", errstr, sizeof(errstr));
    assert_non_null(cfg);
    assert_null(rc_analysers_new(cfg, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "line 5"));
    assert_non_null(strstr(errstr, "enrich.urgency.tiers.silver"));
    rc_config_destroy(cfg);
    cfg = rc_config_load_string("enrich: {urgency: {velocity_points: 500}}\n", "urgency.yaml", errstr, sizeof(errstr));
    assert_non_null(cfg);
    assert_null(rc_analysers_new(cfg, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "velocity_points"));
    rc_config_destroy(cfg);
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
        cmocka_unit_test(test_urgency_gold_customer_raises_the_seed_complaint_and_says_why),
        cmocka_unit_test(test_urgency_tier_is_matched_in_any_case_and_unknown_tiers_add_nothing),
        cmocka_unit_test(test_urgency_failed_lookup_adds_no_points_but_shows_in_the_record),
        cmocka_unit_test(test_urgency_fast_engagement_is_engagement_per_minute_since_the_post),
        cmocka_unit_test(test_urgency_config_sets_tiers_and_velocity),
        cmocka_unit_test(test_urgency_config_rejects_bad_tier_points_with_the_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
