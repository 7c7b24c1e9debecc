/*
 * The VADER port (enrich/vader.c) and the sentiment analyser.
 *
 * The headline test scores the 4,200 rated tweets of the VADER paper
 * (tests/data/vader/tweets_GroundTruth.txt) and checks the Pearson
 * correlation with the mean human rating; the rest pin the individual rules
 * and the example sentences of the reference documentation, whose scores a
 * faithful port reproduces to the fourth decimal.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyse.h"

static rc_vader_t *vader;
static rc_analysers_t *chain; /* the analyser chain, made on first use */

static int setup(void **state) {
    char errstr[256];
    vader = rc_vader_new(errstr, sizeof(errstr));
    if (vader == NULL) {
        fprintf(stderr, "rc_vader_new: %s\n", errstr);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    rc_vader_destroy(vader);
    rc_analysers_destroy(chain);
    return 0;
}

static double compound(const char *text) {
    double c;
    rc_vader_score(vader, text, &c, NULL, NULL, NULL);
    return c;
}

static void test_vader_correlates_with_human_ratings_of_tweets(void **state) {
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/data/vader/tweets_GroundTruth.txt", src);
    FILE *f = fopen(path, "r");
    assert_non_null(f);

    char line[8192];
    size_t n = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *t1 = strchr(line, '\t');
        char *t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
        if (t2 == NULL)
            continue;
        double y = strtod(t1 + 1, NULL);
        double x = compound(t2 + 1);
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    fclose(f);
    assert_int_equal(n, 4200);
    double r = (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    printf("Pearson r (VADER compound vs mean human rating, %zu tweets) = %.4f\n", n, r);
    assert_true(r >= 0.87);
}

/* Sentences and scores from the reference implementation's documentation. */
static void test_vader_reproduces_reference_examples(void **state) {
    static const struct {
        const char *text;
        double compound, neg, neu, pos;
    } cases[] = {
        {"VADER is smart, handsome, and funny.", 0.8316, 0.0, 0.254, 0.746},
        {"VADER is smart, handsome, and funny!", 0.8439, 0.0, 0.248, 0.752},
        {"VADER is very smart, handsome, and funny.", 0.8545, 0.0, 0.299, 0.701},
        {"VADER is VERY SMART, handsome, and FUNNY.", 0.9227, 0.0, 0.246, 0.754},
        {"VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342, 0.0, 0.233, 0.767},
        {"VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469, 0.0, 0.294, 0.706},
        {"VADER is not smart, handsome, nor funny.", -0.7424, 0.646, 0.354, 0.0},
        {"The book was good.", 0.4404, 0.0, 0.508, 0.492},
        {"At least it isn't a horrible book.", 0.431, 0.0, 0.678, 0.322},
        {"The book was only kind of good.", 0.3832, 0.0, 0.697, 0.303},
        {"The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042, 0.327,
         0.579, 0.094},
        {"Today SUX!", -0.5461, 0.779, 0.221, 0.0},
        {"Today only kinda sux! But I'll get by, lol", 0.5249, 0.127, 0.556, 0.317},
        {"Make sure you :) or :D today!", 0.8633, 0.0, 0.294, 0.706},
        {"Catch utf-8 emoji such as \xf0\x9f\x92\x98 and \xf0\x9f\x92\x8b and \xf0\x9f\x98\x81", 0.875, 0.0, 0.583,
         0.417},
        {"Not bad at all", 0.431, 0.0, 0.513, 0.487},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double c, pos, neu, neg;
        rc_vader_score(vader, cases[i].text, &c, &pos, &neu, &neg);
        if (fabs(c - cases[i].compound) > 1e-4 || fabs(neg - cases[i].neg) > 1e-3 ||
            fabs(neu - cases[i].neu) > 1e-3 || fabs(pos - cases[i].pos) > 1e-3)
            fail_msg("\"%s\": got %.4f/%.3f/%.3f/%.3f, want %.4f/%.3f/%.3f/%.3f", cases[i].text, c, neg, neu, pos,
                     cases[i].compound, cases[i].neg, cases[i].neu, cases[i].pos);
    }
}

static void test_vader_negation_flips_polarity(void **state) {
    assert_true(compound("The service was good") > 0.05);
    assert_true(compound("The service was not good") < -0.05);
    assert_true(compound("The service wasn't good") < -0.05);
    /* up to three words back */
    assert_true(compound("The service was never really that good") < 0);
}

static void test_vader_caps_emphasis_only_when_case_is_mixed(void **state) {
    assert_true(compound("The service was GREAT") > compound("The service was great"));
    /* All capitals is shouting everywhere, so nothing stands out. */
    assert_true(fabs(compound("THE SERVICE WAS GREAT") - compound("the service was great")) < 1e-9);
}

static void test_vader_but_weights_the_second_clause(void **state) {
    assert_true(compound("The food was great, but the service was terrible") < 0);
    assert_true(compound("The food was terrible, but the service was great") > 0);
}

static void test_vader_exclamation_marks_intensify_up_to_four(void **state) {
    double one = compound("The service was great"), two = compound("The service was great!!");
    assert_true(two > one);
    assert_true(compound("The service was terrible!!") < compound("The service was terrible"));
    assert_true(fabs(compound("The service was great!!!!") - compound("The service was great!!!!!!!")) < 1e-9);
    /* a single question mark adds nothing, several do */
    assert_true(fabs(compound("Was it great?") - compound("Was it great")) < 1e-9);
    assert_true(compound("Was it great???") > compound("Was it great"));
}

static void test_vader_emoji_score_through_their_description(void **state) {
    /* U+1F600 grinning face, U+1F620 angry face */
    assert_true(compound("\xf0\x9f\x98\x80") > 0.05);
    assert_true(compound("my flight \xf0\x9f\x98\xa0") < -0.05);
    assert_true(compound("it arrived") == 0.0);
    assert_true(compound("it arrived \xf0\x9f\x98\x80") > 0.05);
}

static void test_vader_boosters_and_dampeners(void **state) {
    double plain = compound("The agent was helpful");
    assert_true(compound("The agent was extremely helpful") > plain);
    assert_true(compound("The agent was slightly helpful") < plain);
    assert_true(compound("The agent was kind of helpful") < plain);
    /* boosters push negative words further down too */
    assert_true(compound("The agent was extremely rude") < compound("The agent was rude"));
}

static void test_vader_least_negates_but_at_least_does_not(void **state) {
    assert_true(compound("the least helpful agent") < 0);
    assert_true(compound("at least helpful") > 0);
}

static void test_vader_empty_and_wordless_text_score_zero(void **state) {
    double c, pos, neu, neg;
    rc_vader_score(vader, "", &c, &pos, &neu, &neg);
    assert_true(c == 0.0 && pos == 0.0 && neu == 0.0 && neg == 0.0);
    rc_vader_score(vader, "   \t ", &c, &pos, &neu, &neg);
    assert_true(c == 0.0);
    rc_vader_score(vader, "the a of", &c, &pos, &neu, &neg);
    assert_true(c == 0.0);
    assert_true(fabs(neu - 1.0) < 1e-9);
}

static void test_vader_long_text_uses_the_heap_path(void **state) {
    /* More tokens than the on-stack scratch holds; must score like one copy. */
    size_t reps = 400;
    const char *unit = "good food ";
    char *big = malloc(reps * strlen(unit) + 1);
    assert_non_null(big);
    big[0] = '\0';
    for (size_t i = 0; i < reps; i++)
        strcat(big, unit);
    double c = compound(big);
    free(big);
    assert_true(c > 0.99);
}

/* The compound score of a raw valence sum, rounded as rc_vader_score()
 * reports it: the rule tests below compute by hand what each rule does to
 * lexicon valences (good 1.9, bad -2.5, bomb -2.2, kiss 1.8, death -2.9,
 * kind 2.4, doubt -1.5, no -1.2, ":)" 2.0, ":(" -1.9) and compare exactly. */
static double norm(double sum) {
    return round(sum / sqrt(sum * sum + 15.0) * 1e4) / 1e4;
}

static void assert_compound(const char *text, double sum) {
    double got = compound(text), want = norm(sum);
    if (fabs(got - want) > 1e-9)
        fail_msg("\"%s\": compound %.4f, want %.4f (valence sum %.5f)", text, got, want, sum);
}

static void test_vader_lexicon_word_scores_its_mean_valence(void **state) {
    assert_compound("good", 1.9);
    assert_compound("the film was bad", -2.5);
    /* later lexicon lines win, as in a dictionary built line by line
     * ("lol" is listed as 2.9 and again as 1.8) */
    assert_compound("lol", 1.8);
}

static void test_vader_negation_scales_by_minus_0_74_up_to_three_words_back(void **state) {
    assert_compound("not good", 1.9 * -0.74);
    assert_compound("isn't good", 1.9 * -0.74);    /* any "n't" word */
    assert_compound("it is not very good", (1.9 + 0.293) * -0.74);
    assert_compound("not at all the good", 1.9); /* four words back: too far */
}

static void test_vader_never_so_and_never_this_intensify_rather_than_negate(void **state) {
    assert_compound("never good", 1.9 * -0.74);
    assert_compound("never this good", 1.9 * 1.25);
    assert_compound("never so good", (1.9 + 0.293) * 1.25);
}

static void test_vader_without_doubt_is_not_a_negation(void **state) {
    /* "without" negates "doubt" (-1.5) but not the word after the pair */
    assert_compound("without doubt good", 1.9 + -1.5 * -0.74);
    assert_compound("without much good", 1.9 * -0.74);
}

static void test_vader_no_negates_the_next_lexicon_word_instead_of_scoring(void **state) {
    assert_compound("no", -1.2);
    assert_compound("no good", 1.9 * -0.74);
}

static void test_vader_special_case_idioms_replace_the_valence(void **state) {
    assert_compound("that show was the bomb", 3.0);
    /* both lexicon words of "kiss of death" take the idiom's valence */
    assert_compound("it was the kiss of death", -1.5 * 2);
    /* the reference only checks idioms with three words before the word */
    assert_compound("the bomb", -2.2);
}

static void test_vader_kind_of_dampens_and_scores_nothing_itself(void **state) {
    assert_compound("it is kind of good", 1.9 - 0.293);
    assert_compound("it is kind", 2.4);
    assert_compound("it is kinda good", 1.9 - 0.293);
}

static void test_vader_least_negates_except_at_least_and_very_least(void **state) {
    assert_compound("least good", 1.9 * -0.74);
    assert_compound("the least good", 1.9 * -0.74);
    assert_compound("at least good", 1.9);
    assert_compound("very least good", 1.9 + 0.293 * 0.95);
}

static void test_vader_all_caps_word_and_booster_add_0_733_in_mixed_case(void **state) {
    assert_compound("the food was GOOD", 1.9 + 0.733);
    assert_compound("the food was VERY good", 1.9 + 0.293 + 0.733);
    assert_compound("the food was BAD", -2.5 - 0.733);
    assert_compound("THE FOOD WAS GOOD", 1.9); /* all caps: nothing stands out */
}

static void test_vader_but_halves_before_and_multiplies_after_by_1_5(void **state) {
    assert_compound("good but bad", 1.9 * 0.5 - 2.5 * 1.5);
    assert_compound("good BUT bad", 1.9 * 0.5 - 2.5 * 1.5);
    /* only the first "but" splits */
    assert_compound("good but bad but good", 1.9 * 0.5 - 2.5 * 1.5 + 1.9 * 1.5);
}

static void test_vader_question_marks_add_0_18_each_from_two_capped_at_0_96(void **state) {
    assert_compound("good?", 1.9);
    assert_compound("good??", 1.9 + 2 * 0.18);
    assert_compound("good???", 1.9 + 3 * 0.18);
    assert_compound("good????", 1.9 + 0.96);
    assert_compound("bad???", -2.5 - 3 * 0.18);
    assert_compound("good!!??", 1.9 + 2 * 0.292 + 2 * 0.18);
}

static void test_vader_emoticons_score_as_lexicon_tokens(void **state) {
    assert_compound(":)", 2.0);
    assert_compound(":(", -1.9);
    assert_compound("thanks :)", 1.9 + 2.0);
}

/* ---- the sentiment analyser: customer-care cues (enrich/analysers/care.h) ---- */

/* The analyser chain's score and label for "text". */
static double analysed(const char *text, const char **label) {
    static char lab[16];
    char errstr[256];
    if (chain == NULL) {
        chain = rc_analysers_new(NULL, errstr, sizeof(errstr));
        assert_non_null(chain);
    }
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "1", "text", text, "author", "id", "1", "handle", "h");
    json_t *e = rc_analyse(chain, post, "2026-11-22T06:38:31Z", errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    json_t *s = json_object_get(e, "sentiment");
    double score = json_real_value(json_object_get(s, "score"));
    snprintf(lab, sizeof(lab), "%s", json_string_value(json_object_get(s, "label")));
    if (label != NULL)
        *label = lab;
    json_decref(e);
    json_decref(post);
    return score;
}

/* VADER's valence sum behind the compound score of "text". */
static double vader_sum(const char *text) {
    double c = fmax(-0.9999, fmin(0.9999, compound(text)));
    return c * sqrt(15.0 / (1.0 - c * c));
}

/* The analyser's score is VADER's with "valence" added to its sum. */
static void assert_shifted(const char *text, double valence) {
    double got = analysed(text, NULL), want = norm(vader_sum(text) + valence);
    if (fabs(got - want) > 1e-9)
        fail_msg("\"%s\": score %.4f, want %.4f (VADER %.4f %+.1f)", text, got, want, compound(text), valence);
}

static void assert_label(const char *text, const char *want) {
    const char *label;
    analysed(text, &label);
    if (strcmp(label, want) != 0)
        fail_msg("\"%s\": label %s, want %s", text, label, want);
}

static void test_care_plain_text_keeps_the_vader_score(void **state) {
    assert_shifted("The book was good.", 0.0);
    assert_shifted("The service was terrible", 0.0);
}

static void test_care_hold_adds_minus_1_5(void **state) {
    assert_shifted("3 hours on hold", -1.5);
    assert_shifted("we are in the queue", -1.5);
    /* "for 3 hours" is lateness on top */
    assert_shifted("on hold for 3 hours", -1.5 - 1.5);
    assert_label("3 hours on hold", "negative");
}

static void test_care_waiting_adds_minus_1_5(void **state) {
    assert_shifted("still waiting for my refund", -1.5);
    assert_shifted("no refund yet", -1.5);
    assert_shifted("my claim is still \"under review\"", -1.5 - 1.0); /* and quoted */
    assert_label("still waiting", "negative");
}

static void test_care_no_reply_adds_minus_1_5(void **state) {
    assert_shifted("nobody answers the phone", -1.5);
    assert_shifted("they hung up on me", -1.5);
}

static void test_care_repeat_adds_minus_1_0(void **state) {
    assert_shifted("third time this week", -1.0);
    assert_shifted("flight cancelled again", -1.0);
    assert_shifted("the app keeps logging me out", -1.0);
    assert_label("cancelled again", "negative");
}

static void test_care_late_adds_minus_1_5(void **state) {
    assert_shifted("my train is hours late", -1.5);
    assert_shifted("that was three weeks ago", -1.5);
    assert_shifted("waited for 3 hours", -1.5);
    /* a count of days is no wait by itself */
    assert_shifted("back in 2 days", 0.0);
    assert_shifted("a customer for 5 months", 0.0);
}

static void test_care_expectation_adds_minus_1_0(void **state) {
    assert_shifted("I was told it would be fixed", -1.0);
    assert_shifted("it was supposed to arrive Monday", -1.0);
}

static void test_care_where_is_my_adds_minus_1_5(void **state) {
    assert_shifted("where is my parcel", -1.5);
    assert_shifted("where's my refund", -1.5);
}

static void test_care_failure_adds_minus_1_5(void **state) {
    assert_shifted("my parcel never arrived", -1.5);
    assert_shifted("charged twice for one ticket", -1.5);
}

static void test_care_sarcasm_drops_the_praise_and_adds_minus_2(void **state) {
    /* VADER reads these as positive; the praise words are the irony */
    assert_true(compound("thanks for nothing") > 0.05);
    assert_shifted("thanks for nothing", -vader_sum("thanks for nothing") - 2.0);
    assert_shifted("love waiting on the phone", -vader_sum("love waiting on the phone") - 2.0);
    /* an opening praise word before a failure; "another delay" repeats */
    assert_shifted("great, another delay", -vader_sum("great, another delay") - 1.0 - 2.0);
    /* "just what I needed" only with a failure */
    assert_shifted("just what I needed, a cancelled flight", -2.0);
    assert_shifted("just what I needed, a coffee", 0.0);
    assert_label("great, another delay", "negative");
}

static void test_care_quoted_words_add_minus_1_0(void **state) {
    assert_shifted("the 'complimentary' snack", -1.0);
    assert_shifted("it says \"delivered\"", -1.0);
    /* apostrophes are no quotation */
    assert_shifted("don't know, it's fine", 0.0);
}

static void test_care_courtesy_in_a_request_is_neutral(void **state) {
    /* VADER scores "please" and "thanks" positive */
    assert_true(compound("@Air can you please move my seat? thanks") > 0.05);
    assert_label("@Air can you please move my seat? thanks", "neutral");
    assert_label("Please send me a copy of my last bill.", "neutral");
    /* thanks that ask for nothing are praise */
    assert_label("Thanks for the quick refund, amazing!", "positive");
    assert_shifted("Thanks for the quick refund, amazing!", 0.0);
}

static void test_sentiment_analyser_labels_by_thresholds(void **state) {
    char errstr[256];
    rc_analysers_t *an = rc_analysers_new(NULL, errstr, sizeof(errstr));
    assert_non_null(an);
    static const struct {
        const char *text, *label;
    } cases[] = {
        {"Great flight, thank you", "positive"},
        {"My bag is lost", "negative"},
        {"Boarding at 10", "neutral"},
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *post = json_pack("{s:s, s:{s:s, s:s}}", "text", cases[i].text, "author", "id", "1", "handle", "h");
        json_t *e = rc_analyse(an, post, "2026-11-22T06:38:31Z", errstr, sizeof(errstr));
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(json_object_get(e, "sentiment"), "label")),
                            cases[i].label);
        json_decref(e);
        json_decref(post);
    }
    rc_analysers_destroy(an);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vader_correlates_with_human_ratings_of_tweets),
        cmocka_unit_test(test_vader_reproduces_reference_examples),
        cmocka_unit_test(test_vader_negation_flips_polarity),
        cmocka_unit_test(test_vader_caps_emphasis_only_when_case_is_mixed),
        cmocka_unit_test(test_vader_but_weights_the_second_clause),
        cmocka_unit_test(test_vader_exclamation_marks_intensify_up_to_four),
        cmocka_unit_test(test_vader_emoji_score_through_their_description),
        cmocka_unit_test(test_vader_boosters_and_dampeners),
        cmocka_unit_test(test_vader_least_negates_but_at_least_does_not),
        cmocka_unit_test(test_vader_empty_and_wordless_text_score_zero),
        cmocka_unit_test(test_vader_long_text_uses_the_heap_path),
        cmocka_unit_test(test_vader_lexicon_word_scores_its_mean_valence),
        cmocka_unit_test(test_vader_negation_scales_by_minus_0_74_up_to_three_words_back),
        cmocka_unit_test(test_vader_never_so_and_never_this_intensify_rather_than_negate),
        cmocka_unit_test(test_vader_without_doubt_is_not_a_negation),
        cmocka_unit_test(test_vader_no_negates_the_next_lexicon_word_instead_of_scoring),
        cmocka_unit_test(test_vader_special_case_idioms_replace_the_valence),
        cmocka_unit_test(test_vader_kind_of_dampens_and_scores_nothing_itself),
        cmocka_unit_test(test_vader_least_negates_except_at_least_and_very_least),
        cmocka_unit_test(test_vader_all_caps_word_and_booster_add_0_733_in_mixed_case),
        cmocka_unit_test(test_vader_but_halves_before_and_multiplies_after_by_1_5),
        cmocka_unit_test(test_vader_question_marks_add_0_18_each_from_two_capped_at_0_96),
        cmocka_unit_test(test_vader_emoticons_score_as_lexicon_tokens),
        cmocka_unit_test(test_care_plain_text_keeps_the_vader_score),
        cmocka_unit_test(test_care_hold_adds_minus_1_5),
        cmocka_unit_test(test_care_waiting_adds_minus_1_5),
        cmocka_unit_test(test_care_no_reply_adds_minus_1_5),
        cmocka_unit_test(test_care_repeat_adds_minus_1_0),
        cmocka_unit_test(test_care_late_adds_minus_1_5),
        cmocka_unit_test(test_care_expectation_adds_minus_1_0),
        cmocka_unit_test(test_care_where_is_my_adds_minus_1_5),
        cmocka_unit_test(test_care_failure_adds_minus_1_5),
        cmocka_unit_test(test_care_sarcasm_drops_the_praise_and_adds_minus_2),
        cmocka_unit_test(test_care_quoted_words_add_minus_1_0),
        cmocka_unit_test(test_care_courtesy_in_a_request_is_neutral),
        cmocka_unit_test(test_sentiment_analyser_labels_by_thresholds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
