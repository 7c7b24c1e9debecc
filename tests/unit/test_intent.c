/*
 * The intent analyser: complaint / praise / request / question / other,
 * run through the whole chain (intent reads sentiment and entities).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyse.h"

#include "analysers_fixture.h"

/* The intent of a generic post with "text"; fails the test on error. */
static const char *intent_of(const char *text) {
    static char intent[32];
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:n, s:i, s:b}, s:s, s:s, s:n}", "id", "1", "platform",
                             "generic", "author", "id", "a1", "handle", "someone", "name", "followers", 10, "verified",
                             0, "text", text, "created_at", "2026-11-22T06:38:31Z", "lang");
    assert_non_null(post);
    json_t *e = rc_analyse(an, post, "2026-11-22T06:38:32Z", errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    snprintf(intent, sizeof(intent), "%s", json_string_value(json_object_get(e, "intent")));
    json_decref(e);
    json_decref(post);
    return intent;
}

static void test_intent_rudest_agent_post_is_complaint(void **state) {
    assert_string_equal(intent_of("RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA."), "complaint");
    /* two attitude cues outweigh a request tacked on at the end */
    assert_string_equal(intent_of("RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA. call me 555-123-4567"),
                        "complaint");
}

static void test_intent_who_rocks_denver_is_praise_not_question(void **state) {
    assert_string_equal(intent_of("Who rocks Denver? Cindy rocks @SWA."), "praise");
}

static void test_intent_negative_words_without_service_context_are_not_complaint(void **state) {
    assert_string_equal(intent_of("I hate Mondays"), "other");
    assert_string_equal(intent_of("worst headache ever"), "other");
}

static void test_intent_attitude_with_a_service_context_is_complaint(void **state) {
    assert_string_equal(intent_of("I hate @SWA"), "complaint");
    assert_string_equal(intent_of("the worst customer service ever"), "complaint");
}

static void test_intent_breach_of_expectation_is_complaint(void **state) {
    assert_string_equal(intent_of("My package never arrived"), "complaint");
    assert_string_equal(intent_of("Still waiting for my refund after 3 weeks"), "complaint");
    assert_string_equal(intent_of("flights cancelled at DEN"), "complaint");
    assert_string_equal(intent_of("Why is my flight delayed again?"), "complaint");
    assert_string_equal(intent_of("they lost my bag"), "complaint");
}

static void test_intent_positive_mention_of_a_service_event_is_not_complaint(void **state) {
    assert_string_equal(intent_of("Thanks for the super quick refund, amazing!"), "praise");
}

static void test_intent_praise_needs_positive_or_strong_cue(void **state) {
    assert_string_equal(intent_of("Great job to the crew on flight 1234, thank you!"), "praise");
    assert_string_equal(intent_of("Kudos to the Denver team"), "praise");
    assert_string_equal(intent_of("I love this airline"), "praise");
}

static void test_intent_request_cues(void **state) {
    assert_string_equal(intent_of("Please DM me about my booking"), "request");
    assert_string_equal(intent_of("Can you change my seat to an aisle?"), "request");
    assert_string_equal(intent_of("I need a receipt for my trip"), "request");
    assert_string_equal(intent_of("@SWA help me with my reservation"), "request");
}

static void test_intent_question_by_mark_or_first_word(void **state) {
    assert_string_equal(intent_of("how do I change my seat? @SWA"), "question");
    assert_string_equal(intent_of("When does boarding start for the 6pm to Austin"), "question");
    assert_string_equal(intent_of("@SWA is there wifi on this route"), "question");
}

static void test_intent_question_mark_inside_a_url_does_not_count(void **state) {
    assert_string_equal(intent_of("Boarding now https://example.com/board?gate=1"), "other");
}

static void test_intent_plain_statement_is_other(void **state) {
    assert_string_equal(intent_of("Boarding at 10 today"), "other");
    assert_string_equal(intent_of(""), "other");
}

static void test_intent_sarcasm_is_complaint(void **state) {
    assert_string_equal(intent_of("@SkyAir great, another delay"), "complaint");
    assert_string_equal(intent_of("Thanks for nothing @Telco"), "complaint");
    assert_string_equal(intent_of("@Air just what I needed, a cancelled flight"), "complaint");
    assert_string_equal(intent_of("Love waiting 40 minutes for a 'quick' reply @ShopCo"), "complaint");
    /* the same words without a problem are praise */
    assert_string_equal(intent_of("@SkyAir great, an early landing!"), "praise");
}

static void test_intent_breach_without_negative_words_is_complaint(void **state) {
    assert_string_equal(intent_of("@Air my bag never arrived"), "complaint");
    assert_string_equal(intent_of("3 hours on hold with @Telco"), "complaint");
    assert_string_equal(intent_of("@Bank I was told my card would arrive in 5 days. That was three weeks ago."),
                        "complaint");
    assert_string_equal(intent_of("@Shop where is my order #5512"), "complaint");
    assert_string_equal(intent_of("@Telco still waiting for a callback"), "complaint");
    assert_string_equal(intent_of("cancelled again @Rail"), "complaint");
}

static void test_intent_negative_mood_without_service_context_is_other(void **state) {
    assert_string_equal(intent_of("traffic is awful today"), "other");
    assert_string_equal(intent_of("ugh, Monday again. so tired"), "other");
    assert_string_equal(intent_of("waited 20 minutes for the kettle to boil, I hate this"), "other");
}

static void test_intent_why_questions_to_the_company_are_complaints(void **state) {
    assert_string_equal(intent_of("why is my refund STILL not here?? @Shop"), "complaint");
    assert_string_equal(intent_of("@Bank why has my deposit not shown up??"), "complaint");
    /* a question without a breach stays a question */
    assert_string_equal(intent_of("@Air does the lounge open at 5am?"), "question");
}

static void test_intent_requests_without_a_breach_are_requests(void **state) {
    /* failure words alone do not turn a request into a complaint */
    assert_string_equal(intent_of("@Hotel could you arrange a late checkout for room 512?"), "request");
    assert_string_equal(intent_of("@Telco please send me a replacement SIM, mine got water damaged"), "request");
    /* a breach does, even when help is asked for */
    assert_string_equal(intent_of("my order never came, can you help?"), "complaint");
    /* "I want" asks only when it is said to the company */
    assert_string_equal(intent_of("@Telco I want to add a line to my plan"), "request");
    assert_string_equal(intent_of("everything I want is sold out"), "other");
}

static void test_intent_mixed_praise_and_complaint_follows_the_contrast(void **state) {
    assert_string_equal(intent_of("love the app but it crashes every time I pay"), "complaint");
    assert_string_equal(intent_of("the crew were lovely but my bag is still missing @Air"), "complaint");
    assert_string_equal(intent_of("@Courier the driver was late but you called to apologise, classy"), "praise");
}

static void test_intent_thanks_outweigh_failure_words(void **state) {
    assert_string_equal(intent_of("@Air thank you for rebooking me after the cancellation"), "praise");
}

static void test_intent_negated_failure_words_are_not_complaints(void **state) {
    assert_string_equal(intent_of("@Rail not a single delay all week, well done"), "praise");
    assert_string_equal(intent_of("@Rail no delays all week, well done"), "praise");
}

extern const rc_analyser_t rc_analyser_intent;

static void test_intent_run_alone_finds_the_care_cues_itself(void **state) {
    /* Without the sentiment analyser before it (a->care not found) and
     * without words split for it. */
    char errstr[256];
    void *st = NULL;
    assert_int_equal(rc_analyser_intent.init(&st, NULL, errstr, sizeof(errstr)), 0);
    rc_analysis_t a;
    memset(&a, 0, sizeof(a));
    a.text = "@Air my bag never arrived";
    a.language_supported = 1; /* as the language analyser leaves an English post */
    a.entities = json_pack("{s:[], s:[], s:[]}", "mentions", "people", "references");
    assert_non_null(a.entities);
    assert_int_equal(rc_analyser_intent.run(st, &a, errstr, sizeof(errstr)), 0);
    assert_string_equal(a.intent, "complaint");
    assert_true(a.care.found);
    json_decref(a.entities);
    rc_analyser_intent.destroy(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intent_rudest_agent_post_is_complaint),
        cmocka_unit_test(test_intent_who_rocks_denver_is_praise_not_question),
        cmocka_unit_test(test_intent_negative_words_without_service_context_are_not_complaint),
        cmocka_unit_test(test_intent_attitude_with_a_service_context_is_complaint),
        cmocka_unit_test(test_intent_breach_of_expectation_is_complaint),
        cmocka_unit_test(test_intent_positive_mention_of_a_service_event_is_not_complaint),
        cmocka_unit_test(test_intent_praise_needs_positive_or_strong_cue),
        cmocka_unit_test(test_intent_request_cues),
        cmocka_unit_test(test_intent_question_by_mark_or_first_word),
        cmocka_unit_test(test_intent_question_mark_inside_a_url_does_not_count),
        cmocka_unit_test(test_intent_plain_statement_is_other),
        cmocka_unit_test(test_intent_sarcasm_is_complaint),
        cmocka_unit_test(test_intent_breach_without_negative_words_is_complaint),
        cmocka_unit_test(test_intent_negative_mood_without_service_context_is_other),
        cmocka_unit_test(test_intent_why_questions_to_the_company_are_complaints),
        cmocka_unit_test(test_intent_requests_without_a_breach_are_requests),
        cmocka_unit_test(test_intent_mixed_praise_and_complaint_follows_the_contrast),
        cmocka_unit_test(test_intent_thanks_outweigh_failure_words),
        cmocka_unit_test(test_intent_negated_failure_words_are_not_complaints),
        cmocka_unit_test(test_intent_run_alone_finds_the_care_cues_itself),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
