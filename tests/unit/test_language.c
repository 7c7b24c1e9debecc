/*
 * The language analyser: the platform's tag wins, otherwise libexttextcat
 * decides, a short or ambiguous text is "und", and a language the
 * rule-based analysers do not support is labelled, not read as English.
 */
#include <pthread.h>
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

/* Analyses "text" with platform tag "lang" (NULL: none) with "with" (NULL:
 * the defaults); fails the test on error. The caller owns the result. */
static json_t *analyse_with(const rc_analysers_t *with, const char *text, const char *lang) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s?}", "id", "7", "platform", "generic", "author", "id",
                             "a1", "handle", "someone", "text", text, "lang", lang);
    assert_non_null(post);
    json_t *e = rc_analyse(with != NULL ? with : an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr));
    json_decref(post);
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    return e;
}

static const char *field(const json_t *e, const char *key) {
    return json_string_value(json_object_get(e, key));
}

/* The language (and its source, into "source" when not NULL). */
static const char *language_of(const char *text, const char *lang, char source[16]) {
    static char out[8];
    json_t *e = analyse_with(NULL, text, lang);
    snprintf(out, sizeof(out), "%s", field(e, "language"));
    if (source != NULL)
        snprintf(source, 16, "%s", field(e, "language_source"));
    json_decref(e);
    return out;
}

static rc_analysers_t *analysers_from(const char *yaml, char *errstr, size_t errstr_size) {
    rc_config_t *cfg = rc_config_load_string(yaml, "t.yaml", errstr, errstr_size);
    if (cfg == NULL)
        return NULL;
    rc_analysers_t *a = rc_analysers_new(cfg, errstr, errstr_size);
    rc_config_destroy(cfg);
    return a;
}

static const char *const english = "the flight is late and the crew is not here to help anyone";

static void test_language_platform_tag_wins_over_the_text(void **state) {
    char source[16];
    assert_string_equal(language_of("Le vol est en retard et personne ne r\xc3\xa9pond", "en", source), "en");
    assert_string_equal(source, "platform");
    assert_string_equal(language_of(english, "de", source), "de");
    assert_string_equal(source, "platform");
}

static void test_language_platform_tag_region_is_stripped(void **state) {
    assert_string_equal(language_of("the flight is late", "en-GB", NULL), "en");
    assert_string_equal(language_of("the flight is late", "PT-br", NULL), "pt");
    assert_string_equal(language_of("the flight is late", "en_GB", NULL), "en");
    /* X still sends the codes ISO 639 replaced */
    assert_string_equal(language_of("penerbangan saya dibatalkan lagi", "in", NULL), "id");
}

static void test_language_tags_that_name_no_language_fall_back_to_the_text(void **state) {
    char source[16];
    /* X's "und", "qme" (media only), "zxx" (no linguistic content) */
    static const char *const tags[] = {"und", "qme", "zxx", "", "e"};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        assert_string_equal(language_of(english, tags[i], source), "en");
        assert_string_equal(source, "detected");
    }
}

static void test_language_detects_en_es_fr_de_pt_it_nl_sentences(void **state) {
    static const struct {
        const char *code, *text;
    } cases[] = {
        {"en", "My flight was cancelled and nobody at the desk would help me rebook"},
        {"es", "Mi vuelo fue cancelado y nadie en el mostrador me ayud\xc3\xb3 con nada"},
        {"fr", "Mon vol a \xc3\xa9t\xc3\xa9 annul\xc3\xa9 et personne au comptoir ne m'a aid\xc3\xa9"},
        {"de", "Mein Flug wurde gestrichen und niemand am Schalter hat mir geholfen"},
        {"pt", "O meu voo foi cancelado e ningu\xc3\xa9m no balc\xc3\xa3o me ajudou"},
        {"it", "Il mio volo \xc3\xa8 stato cancellato e nessuno al banco mi ha aiutato"},
        {"nl", "Mijn vlucht is geannuleerd en niemand bij de balie heeft mij geholpen"},
        /* the same with the noise of a post around it */
        {"de", "@Lufthansa Mein Koffer ist seit drei Tagen verschwunden!!! \xf0\x9f\x98\xa1 #LH400 https://t.co/x1"},
        {"fr", "VOL ANNUL\xc3\x89 SANS AUCUNE EXPLICATION, MERCI POUR RIEN @AirFrance"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char source[16];
        const char *got = language_of(cases[i].text, NULL, source);
        if (strcmp(got, cases[i].code) != 0)
            fail_msg("\"%s\": expected %s, got %s", cases[i].text, cases[i].code, got);
        assert_string_equal(source, "detected");
    }
}

static void test_language_short_emoji_only_and_mentions_only_posts_are_und(void **state) {
    static const char *const texts[] = {
        "",
        "thanks!",
        "lost my bag",
        ("\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98"
         "\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xf0\x9f\x98\xa1\xe2\x9c\x88\xef\xb8\x8f\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"),
        "@SouthwestAir @united @Delta @AmericanAir @JetBlue #travel #delayed #neveragain",
        "https://t.co/abcdefghijklmnop https://example.com/some/long/path/with/words/in/it",
        "DEN SFO LAX 12345 #travel",
        "1234 5678 !!! ??? ... 2026-11-22 10:30",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char source[16];
        const char *got = language_of(texts[i], NULL, source);
        if (strcmp(got, "und") != 0)
            fail_msg("\"%s\": expected und, got %s", texts[i], got);
        assert_string_equal(source, "undetermined");
    }
}

/* A post too short to tell is still read by sentiment and intent: most
 * short posts to a brand are in its language. */
static void test_language_und_posts_are_still_analysed(void **state) {
    json_t *e = analyse_with(NULL, "@SWA lost my bag!!! \xf0\x9f\x98\xa1", NULL);
    assert_string_equal(field(e, "language"), "und");
    assert_string_equal(field(json_object_get(e, "sentiment"), "label"), "negative");
    assert_string_equal(field(e, "intent"), "complaint");
    json_decref(e);
}

/* "terrible" and "horrible" are in VADER's lexicon and a @mention gives
 * intent its service context: read as English, this would be a negative
 * complaint. Spanish is not supported by default, so it is labelled "es"
 * and left neutral / other. */
static const char *const spanish = "@SWA el servicio es terrible y horrible, nunca m\xc3\xa1s vuelvo a volar con ustedes";

static void test_language_unsupported_language_is_labelled_not_guessed(void **state) {
    json_t *e = analyse_with(NULL, spanish, NULL);
    assert_string_equal(field(e, "language"), "es");
    assert_string_equal(field(e, "language_source"), "detected");
    assert_string_equal(field(json_object_get(e, "sentiment"), "label"), "neutral");
    assert_true(json_real_value(json_object_get(json_object_get(e, "sentiment"), "score")) == 0.0);
    assert_string_equal(field(e, "intent"), "other");
    json_decref(e);

    /* The same post from a platform that tagged it */
    e = analyse_with(NULL, spanish, "es-MX");
    assert_string_equal(field(e, "language"), "es");
    assert_string_equal(field(e, "language_source"), "platform");
    assert_string_equal(field(e, "intent"), "other");
    json_decref(e);
}

static void test_language_supported_list_turns_the_analysers_on(void **state) {
    char errstr[512];
    rc_analysers_t *es = analysers_from("enrich:\n  language:\n    supported: [en, es]\n", errstr, sizeof(errstr));
    if (es == NULL)
        fail_msg("%s", errstr);
    json_t *e = analyse_with(es, spanish, NULL);
    assert_string_equal(field(e, "language"), "es");
    assert_string_equal(field(json_object_get(e, "sentiment"), "label"), "negative");
    assert_string_equal(field(e, "intent"), "complaint");
    json_decref(e);
    rc_analysers_destroy(es);
}

/* A language without a fingerprint in "languages" can only come from the
 * platform's tag; it is labelled with its code all the same. */
/* Three or more distinctive English function words, a third of the words:
 * English without exttextcat (which calls short English questions Dutch or
 * Scots); the other languages never reach that many. */
static void test_language_clear_english_is_detected_by_its_function_words(void **state) {
    static const char *const en[] = {
        "why is it that the app is down again",
        "where is my refund, it has been 3 weeks",
        "you look amazing well done to the team x",
        "@ParcelPal do you deliver on Sundays? thanks for the help",
    };
    for (size_t i = 0; i < sizeof(en) / sizeof(en[0]); i++) {
        char source[16];
        const char *got = language_of(en[i], NULL, source);
        if (strcmp(got, "en") != 0)
            fail_msg("\"%s\": expected en, got %s", en[i], got);
        assert_string_equal(source, "detected");
    }
    /* Dutch and German with English words in them stay theirs. */
    assert_string_equal(language_of("Ik heb de app gedownload maar het werkt niet en niemand helpt mij", NULL, NULL),
                        "nl");
    assert_string_equal(language_of("Das Update ist da aber die App startet nicht mehr, danke f\xc3\xbcr nichts", NULL,
                                    NULL),
                        "de");
    /* Without "en" among the languages the fast path is off. */
    char errstr[512];
    rc_analysers_t *no_en = analysers_from("enrich:\n  language:\n    languages: [de, fr]\n", errstr, sizeof(errstr));
    if (no_en == NULL)
        fail_msg("%s", errstr);
    json_t *e = analyse_with(no_en, en[0], NULL);
    assert_string_not_equal(field(e, "language"), "en");
    json_decref(e);
    rc_analysers_destroy(no_en);
}

static void test_language_outside_the_loaded_set_is_labelled_from_the_tag(void **state) {
    char errstr[512];
    rc_analysers_t *two = analysers_from("enrich:\n  language:\n    languages: [en, es]\n", errstr, sizeof(errstr));
    if (two == NULL)
        fail_msg("%s", errstr);
    json_t *e = analyse_with(two, "Lentoni peruttiin ja kukaan ei auta minua, t\xc3\xa4m\xc3\xa4 on kamalaa", "fi");
    assert_string_equal(field(e, "language"), "fi");
    assert_string_equal(field(e, "language_source"), "platform");
    assert_string_equal(field(e, "intent"), "other");
    json_decref(e);
    /* untagged French with only en and es loaded is never called "fr" */
    e = analyse_with(two, "Mon vol a \xc3\xa9t\xc3\xa9 annul\xc3\xa9 et personne au comptoir ne m'a aid\xc3\xa9", NULL);
    assert_string_not_equal(field(e, "language"), "fr");
    json_decref(e);
    rc_analysers_destroy(two);
}

static void test_language_min_length_counts_letters_without_mentions_and_urls(void **state) {
    char errstr[512];
    rc_analysers_t *lax = analysers_from("enrich:\n  language:\n    min_length: 5\n", errstr, sizeof(errstr));
    if (lax == NULL)
        fail_msg("%s", errstr);
    /* 13 letters once the mention, the URL and the hashtag are gone */
    const char *text = "@Lufthansa Koffer verloren https://t.co/abcdefghijklmnopqrstuvwxyz #LH400";
    char source[16];
    assert_string_equal(language_of(text, NULL, source), "und");
    json_t *e = analyse_with(lax, text, NULL);
    assert_string_equal(field(e, "language_source"), "detected");
    json_decref(e);
    rc_analysers_destroy(lax);
}

static void test_language_config_errors_name_file_and_line(void **state) {
    static const struct {
        const char *yaml, *want1, *want2;
    } cases[] = {
        {"enrich:\n  language:\n    languages: [en, xx]\n", "t.yaml:2: key 'enrich.language'",
         "no fingerprint for \"xx\""},
        {"enrich:\n  language:\n    languages: [en, ../../etc/passwd]\n", "t.yaml:2:", "not a fingerprint name"},
        {"enrich:\n  language:\n    languages: []\n", "t.yaml:2:", "empty"},
        {"enrich:\n  language:\n    languages: {en: 1}\n", "t.yaml:2:", "expected a list"},
        {"enrich:\n  language:\n    supported: [en, \"e1\"]\n", "t.yaml:2:", "supported[1] (line 3)"},
        {"enrich:\n  language:\n    min_length: lots\n", "t.yaml:3:", "min_length"},
        {"enrich:\n  language:\n    min_lenght: 3\n", "t.yaml:3:", "did you mean 'enrich.language.min_length'"},
        {"enrich:\n  language:\n    data_dir: /nonexistent\n", "t.yaml:2:", "/nonexistent/en.lm"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char errstr[512] = "";
        rc_analysers_t *a = analysers_from(cases[i].yaml, errstr, sizeof(errstr));
        if (a != NULL)
            fail_msg("accepted: %s", cases[i].yaml);
        if (strstr(errstr, cases[i].want1) == NULL || strstr(errstr, cases[i].want2) == NULL)
            fail_msg("%s: error \"%s\" lacks \"%s\" or \"%s\"", cases[i].yaml, errstr, cases[i].want1,
                     cases[i].want2);
    }
}

/* Two threads analysing at once through one rc_analysers_t (the stage's
 * workers share it) get exactly what one thread gets alone. */
static const char *const thread_texts[] = {
    "My flight was cancelled and nobody at the desk would help me rebook",
    "Mi vuelo fue cancelado y nadie en el mostrador me ayud\xc3\xb3 con nada",
    "Mein Flug wurde gestrichen und niemand am Schalter hat mir geholfen",
    "Il mio volo \xc3\xa8 stato cancellato e nessuno al banco mi ha aiutato",
    "Mijn vlucht is geannuleerd en niemand bij de balie heeft mij geholpen",
    "lost my bag",
    "Where is my suitcase? It has been three days and still no answer from anyone",
};
#define N_THREAD_TEXTS (sizeof(thread_texts) / sizeof(thread_texts[0]))

typedef struct {
    char want[N_THREAD_TEXTS][8];
    int rounds;
    int mismatches;
} rc_thread_job_t;

static void *thread_main(void *arg) {
    rc_thread_job_t *job = arg;
    char errstr[256];
    for (int r = 0; r < job->rounds; r++) {
        for (size_t i = 0; i < N_THREAD_TEXTS; i++) {
            size_t k = (i + (size_t)r) % N_THREAD_TEXTS;
            json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s}", "id", "1", "platform", "generic", "author",
                                     "id", "a", "handle", "h", "text", thread_texts[k]);
            json_t *e = post != NULL ? rc_analyse(an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr)) : NULL;
            const char *got = json_string_value(json_object_get(e, "language"));
            if (got == NULL || strcmp(got, job->want[k]) != 0)
                job->mismatches++;
            json_decref(e);
            json_decref(post);
        }
    }
    return NULL;
}

static void test_language_detection_is_thread_safe(void **state) {
    rc_thread_job_t jobs[2];
    memset(jobs, 0, sizeof(jobs));
    for (size_t i = 0; i < N_THREAD_TEXTS; i++)
        snprintf(jobs[0].want[i], 8, "%s", language_of(thread_texts[i], NULL, NULL));
    assert_string_equal(jobs[0].want[0], "en");
    assert_string_equal(jobs[0].want[2], "de");
    assert_string_equal(jobs[0].want[5], "und");
    memcpy(&jobs[1], &jobs[0], sizeof(jobs[0]));
    jobs[0].rounds = jobs[1].rounds = 100;
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(jobs[0].mismatches, 0);
    assert_int_equal(jobs[1].mismatches, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_language_platform_tag_wins_over_the_text),
        cmocka_unit_test(test_language_platform_tag_region_is_stripped),
        cmocka_unit_test(test_language_tags_that_name_no_language_fall_back_to_the_text),
        cmocka_unit_test(test_language_detects_en_es_fr_de_pt_it_nl_sentences),
        cmocka_unit_test(test_language_short_emoji_only_and_mentions_only_posts_are_und),
        cmocka_unit_test(test_language_und_posts_are_still_analysed),
        cmocka_unit_test(test_language_unsupported_language_is_labelled_not_guessed),
        cmocka_unit_test(test_language_supported_list_turns_the_analysers_on),
        cmocka_unit_test(test_language_clear_english_is_detected_by_its_function_words),
        cmocka_unit_test(test_language_outside_the_loaded_set_is_labelled_from_the_tag),
        cmocka_unit_test(test_language_min_length_counts_letters_without_mentions_and_urls),
        cmocka_unit_test(test_language_config_errors_name_file_and_line),
        cmocka_unit_test(test_language_detection_is_thread_safe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
