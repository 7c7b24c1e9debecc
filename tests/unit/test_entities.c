/*
 * The entities analyser: mentions, hashtags, URLs, people, places and
 * reference numbers, deduplicated in order of appearance.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyse.h"
#include "analysers/gazetteer.h"

#include "analysers_fixture.h"

/* The entities object that analysers "with" (NULL: the defaults) find in a
 * post with "text" (new reference). */
static json_t *entities_with(const rc_analysers_t *with, const char *text) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:i}, s:s, s:n}", "id", "1", "platform", "x", "author", "id",
                             "a1", "handle", "someone", "followers", 10, "text", text, "lang");
    assert_non_null(post);
    json_t *e = rc_analyse(with != NULL ? with : an, post, "2026-11-22T06:38:32Z", errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    json_t *ent = json_incref(json_object_get(e, "entities"));
    json_decref(e);
    json_decref(post);
    return ent;
}

static json_t *entities_of(const char *text) {
    return entities_with(NULL, text);
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

/* An airport code is followed by its city ("JFK" then "New York", already
 * there). SEA is also an English word: with no cue before it ("cozy, SEA
 * and") it is not taken; see the stop-list tests below. */
static void test_entities_places_cities_and_airport_codes(void **state) {
    json_t *e = entities_of("Stuck in New York, flying JFK to LAX then los angeles to Denver. "
                            "den is cozy, SEA and san francisco next");
    assert_field(e, "places", "[\"New York\", \"JFK\", \"LAX\", \"Los Angeles\", \"Denver\", "
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
    const char *keys[] = {"mentions", "hashtags", "urls", "people", "places", "references", "brands"};
    for (size_t i = 0; i < 7; i++) {
        assert_true(json_is_array(json_object_get(e, keys[i])));
        assert_int_equal(json_array_size(json_object_get(e, keys[i])), 0);
    }
    assert_int_equal(json_object_size(e), 7);
    json_decref(e);
}

/* ---- places: the gazetteer ---- */

static void test_entities_gazetteer_multi_word_cities_aliases_and_possessives(void **state) {
    json_t *e = entities_of("Flew from St. Louis to Salt Lake City via sao paulo and São Paulo, then "
                            "Winston-Salem, NYC, new york city, Rio de Janeiro, Denver's airport and "
                            "Dallas-Fort Worth; Hong Kong's lounge");
    assert_field(e, "places", "[\"St. Louis\", \"Salt Lake City\", \"Sao Paulo\", \"Winston-Salem\", \"New York\", "
                              "\"Rio de Janeiro\", \"Denver\", \"Dallas\", \"Hong Kong\"]");
    json_decref(e);
}

static void test_entities_city_names_that_are_words_need_capitals_or_a_cue(void **state) {
    json_t *e = entities_of("nice flight, reading a book, we split the bill. Nice weather! phoenix rising, "
                            "charlotte's web. Florence was so helpful");
    assert_field(e, "places", "[]");
    json_decref(e);
    e = entities_of("We landed in Nice, then flew to Split, stayed near Bath. Phoenix is hot. Charlotte too. "
                    "Back from Florence");
    assert_field(e, "places", "[\"Nice\", \"Split\", \"Bath\", \"Phoenix\", \"Charlotte\", \"Florence\"]");
    json_decref(e);
}

static void test_entities_common_words_in_capitals_are_not_airport_codes(void **state) {
    json_t *e = entities_of("THE CEO SAID LOL OMG WTF FYI BTW IMO. CAN AND FOR ALL OUR YOU ONE NOT BAD USA MAD "
                            "MAN SIN. LOST AT SEA. I AM IN FOR A LONG NIGHT. Customer service MIA. CAN-MAD, "
                            "PIT TO SEA");
    assert_field(e, "places", "[]");
    json_decref(e);
    /* ...and codes are only codes in capitals */
    e = entities_of("sea, lax and ord in lower case; Den is a room");
    assert_field(e, "places", "[]");
    json_decref(e);
    for (const char *const *w = (const char *const[]){"THE", "CEO", "USA", "LOL", "OMG", "WTF", "FYI", "BTW", "IMO",
                                                       "CAN", "AND", "FOR", "ALL", "OUR", "YOU", "ONE", "NOT", "BAD",
                                                       "ABV", "ZOO", NULL};
         *w != NULL; w++) {
        if (!rc_gazetteer_stop_code(*w))
            fail_msg("%s is not in the stop list", *w);
    }
    assert_false(rc_gazetteer_stop_code("DEN"));
    assert_false(rc_gazetteer_stop_code("JFK"));
}

static void test_entities_common_word_codes_count_after_a_cue_or_in_a_route(void **state) {
    json_t *e = entities_of("landed at SEA, then SEA airport, ORD-MAD, MAN to CDG, out of LAS, in SIN");
    assert_field(e, "places", "[\"SEA\", \"Seattle\", \"ORD\", \"Chicago\", \"MAD\", \"Madrid\", \"MAN\", "
                              "\"Manchester\", \"CDG\", \"Paris\", \"LAS\", \"Las Vegas\", \"SIN\", \"Singapore\"]");
    json_decref(e);
}

static void test_entities_airport_code_adds_its_city(void **state) {
    json_t *e = entities_of("flights cancelled at DEN again. Layover in YYZ");
    assert_field(e, "places", "[\"DEN\", \"Denver\", \"YYZ\", \"Toronto\"]");
    json_decref(e);
}

/* The embedded file parses, is as large as promised, and every airport's
 * city is spelled as a city of the file (so "DEN" and "Denver" agree). */
static void test_entities_builtin_gazetteer_is_large_and_consistent(void **state) {
    extern const unsigned char rc_gazetteer_tsv[];
    extern const size_t rc_gazetteer_tsv_len;
    char errstr[256];
    rc_gazetteer_t *g = rc_gazetteer_new(errstr, sizeof(errstr));
    assert_non_null(g);
    if (rc_gazetteer_add(g, (const char *)rc_gazetteer_tsv, rc_gazetteer_tsv_len, "gazetteer.tsv", errstr,
                         sizeof(errstr)) != 0)
        fail_msg("%s", errstr);
    assert_int_equal(rc_gazetteer_finish(g, errstr, sizeof(errstr)), 0);
    size_t n = rc_gazetteer_count(g, RC_PLACE_CITY) + rc_gazetteer_count(g, RC_PLACE_AIRPORT);
    assert_true(rc_gazetteer_count(g, RC_PLACE_AIRPORT) >= 300);
    json_t *cities = json_object();
    for (size_t i = 0; i < n; i++) {
        const rc_place_t *p = rc_gazetteer_entry(g, i);
        if (p->kind == RC_PLACE_CITY)
            json_object_set_new(cities, p->canonical, json_true());
    }
    assert_true(json_object_size(cities) >= 400);
    for (size_t i = 0; i < n; i++) {
        const rc_place_t *p = rc_gazetteer_entry(g, i);
        if (p->kind == RC_PLACE_AIRPORT && json_object_get(cities, p->canonical) == NULL)
            fail_msg("airport %s: city \"%s\" has no city line", p->code, p->canonical);
    }
    json_decref(cities);
    rc_gazetteer_destroy(g);
}

static void test_entities_gazetteer_text_errors_name_the_line(void **state) {
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"# header\ncity\tdenver\tDenver\tUS\ncity\tonly three\tfields\n", "x.tsv:3: expected 4 or 5"},
        {"town\tdenver\tDenver\tUS\n", "x.tsv:1: unknown kind"},
        {"\ncity\tdenver\tDenver\tUSA\n", "x.tsv:2: the country must be"},
        {"airport\tDENV\tDenver\tUS\n", "x.tsv:1: an airport code has 3 letters"},
        {"city\tdenver\tDenver\tUS\tloud\n", "x.tsv:1: unknown flag"},
        {"city\t#denver\tDenver\tUS\n", "x.tsv:1: a name may not hold"},
        {"city\t...\tDenver\tUS\n", "x.tsv:1: the name has no letters"},
        {"city\tdenver\t\tUS\n", "x.tsv:1: the canonical name must have"},
        {"city\tden\xffver\tDenver\tUS\n", "x.tsv:1: not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char errstr[256] = "";
        rc_gazetteer_t *g = rc_gazetteer_new(errstr, sizeof(errstr));
        assert_int_equal(rc_gazetteer_add(g, cases[i].text, strlen(cases[i].text), "x.tsv", errstr, sizeof(errstr)),
                         -1);
        if (strncmp(errstr, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s...\"", i, errstr, cases[i].want);
        rc_gazetteer_destroy(g);
    }
}

/* ---- configured analysers ---- */

/* Analysers built from config text "yaml" (named test.yaml); NULL with
 * errstr. The config is kept in *cfgp (destroy after the analysers). */
static rc_analysers_t *analysers_from(const char *yaml, rc_config_t **cfgp, char *errstr, size_t errstr_size) {
    *cfgp = rc_config_load_string(yaml, "test.yaml", errstr, errstr_size);
    if (*cfgp == NULL)
        fail_msg("config: %s", errstr);
    return rc_analysers_new(*cfgp, errstr, errstr_size);
}

static rc_analysers_t *analysers_ok(const char *yaml, rc_config_t **cfgp) {
    char errstr[512];
    rc_analysers_t *a = analysers_from(yaml, cfgp, errstr, sizeof(errstr));
    if (a == NULL)
        fail_msg("rc_analysers_new: %s", errstr);
    return a;
}

/* The error rc_analysers_new() gives for "yaml" must start with "want". */
static void assert_config_error(const char *yaml, const char *want) {
    char errstr[512] = "";
    rc_config_t *cfg = NULL;
    rc_analysers_t *a = analysers_from(yaml, &cfg, errstr, sizeof(errstr));
    if (a != NULL)
        fail_msg("accepted: %s", yaml);
    if (strncmp(errstr, want, strlen(want)) != 0)
        fail_msg("got \"%s\", want \"%s...\"", errstr, want);
    rc_config_destroy(cfg);
}

/* A temporary file holding "text"; returns its path (static buffer). */
static const char *temp_file(const char *text) {
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/ricochet-test-gaz-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_entities_gazetteer_extra_adds_and_overrides_builtin_names(void **state) {
    const char *path = temp_file("# our stations\ncity\tspringfield\tSpringfield\tUS\n"
                                 "city\tparis\tParis, TX\tUS\tcased\nairport\tSGF\tSpringfield\tUS\n");
    char yaml[256];
    rc_config_t *cfg;
    snprintf(yaml, sizeof(yaml), "enrich:\n  entities:\n    gazetteer_extra: %s\n", path);
    rc_analysers_t *a = analysers_ok(yaml, &cfg);
    json_t *e = entities_with(a, "Springfield to Paris via SGF, then Denver");
    assert_field(e, "places", "[\"Springfield\", \"Paris, TX\", \"SGF\", \"Denver\"]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
    unlink(path);
}

static void test_entities_gazetteer_file_replaces_the_builtin_one(void **state) {
    const char *path = temp_file("city\tspringfield\tSpringfield\tUS\n");
    char yaml[256];
    rc_config_t *cfg;
    snprintf(yaml, sizeof(yaml), "enrich:\n  entities:\n    gazetteer: %s\n", path);
    rc_analysers_t *a = analysers_ok(yaml, &cfg);
    json_t *e = entities_with(a, "Springfield, Denver, DEN");
    assert_field(e, "places", "[\"Springfield\"]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
    unlink(path);
}

static void test_entities_bad_gazetteer_file_names_its_file_and_line(void **state) {
    const char *path = temp_file("city\tspringfield\tSpringfield\tUS\ncity\tshelbyville\n");
    char yaml[256], want[128];
    snprintf(yaml, sizeof(yaml), "enrich:\n  entities:\n    gazetteer_extra: %s\n", path);
    snprintf(want, sizeof(want), "%s:2: expected 4 or 5 tab-separated fields", path);
    assert_config_error(yaml, want);
    unlink(path);
    /* A file that cannot be read: the config's own file:line and key. */
    assert_config_error("enrich:\n  entities:\n\n    gazetteer: /nonexistent/places.tsv\n",
                        "test.yaml:4: key 'enrich.entities.gazetteer': cannot read '/nonexistent/places.tsv': No "
                        "such file");
}

/* ---- reference patterns ---- */

static void test_entities_reference_patterns_add_custom_kinds(void **state) {
    rc_config_t *cfg;
    rc_analysers_t *a = analysers_ok("enrich:\n"
                                     "  entities:\n"
                                     "    references:\n"
                                     "      - {kind: ticket, pattern: 'TCK-\\d{6}'}\n"
                                     "      - kind: case\n"
                                     "        pattern: '\\bcase\\s*#?\\s*(\\d{5,8})\\b'\n"
                                     "        ignore_case: true\n",
                                     &cfg);
    json_t *e = entities_with(a, "see TCK-123456 and TCK-123456 again, not tck-654321 or TCK-12345. "
                                 "Case #0042424 at gate C39");
    assert_field(e, "references", "[{\"kind\":\"gate\",\"value\":\"C39\"}, {\"kind\":\"ticket\",\"value\":"
                                  "\"TCK-123456\"}, {\"kind\":\"case\",\"value\":\"0042424\"}]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
}

static void test_entities_builtin_reference_rules_can_be_chosen(void **state) {
    rc_config_t *cfg;
    rc_analysers_t *a = analysers_ok("enrich:\n  entities:\n    builtin_references: [gate]\n", &cfg);
    json_t *e = entities_with(a, "flight 1234 at gate C39, order #12345, confirmation ABC123, WN99");
    assert_field(e, "references", "[{\"kind\":\"gate\",\"value\":\"C39\"}]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);

    /* none of them, and a pattern of one's own for flights */
    a = analysers_ok("enrich:\n  entities:\n    builtin_references: []\n    references:\n"
                     "      - {kind: flight, pattern: '\\bflight\\s+(\\d{1,4})\\b', ignore_case: true}\n",
                     &cfg);
    e = entities_with(a, "Flight 1234 at gate C39, WN99");
    assert_field(e, "references", "[{\"kind\":\"flight\",\"value\":\"1234\"}]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
}

static void test_entities_bad_regex_is_a_config_error_naming_line_and_offset(void **state) {
    assert_config_error("enrich:\n  entities:\n    references:\n      - kind: ticket\n        pattern: 'TCK-(\\d{6}'\n",
                        "test.yaml:5: key 'enrich.entities.references[0].pattern': bad regular expression at offset "
                        "10: missing closing parenthesis");
}

static void test_entities_reference_and_brand_config_errors_name_key_and_line(void **state) {
    assert_config_error("enrich:\n  entities:\n    references:\n      - {kind: ticket, patern: x}\n",
                        "test.yaml:4: unknown key 'enrich.entities.references[0].patern' (did you mean "
                        "'enrich.entities.references[0].pattern'?)");
    assert_config_error("enrich:\n  entities:\n    references:\n      - {kind: Ticket No, pattern: x}\n",
                        "test.yaml:4: key 'enrich.entities.references[0].kind': required: 1 to 32 of a-z");
    assert_config_error("enrich:\n  entities:\n    references:\n      - {kind: ticket}\n",
                        "test.yaml:4: key 'enrich.entities.references[0].pattern': required");
    assert_config_error("enrich:\n  entities:\n    references: {kind: ticket, pattern: x}\n",
                        "test.yaml:3: key 'enrich.entities.references': expected a list, got a map");
    assert_config_error("enrich:\n  entities:\n    references:\n      - {kind: t, pattern: x, ignore_case: maybe}\n",
                        "test.yaml:4: key 'enrich.entities.references[0].ignore_case': expected true or false");
    assert_config_error("enrich:\n  entities:\n    builtin_references: [flight, train]\n",
                        "test.yaml:3: key 'enrich.entities.builtin_references': expected flight, gate, order or "
                        "booking, got train");
    assert_config_error("enrich:\n  entities:\n    brands:\n      - {aliases: [x]}\n",
                        "test.yaml:4: key 'enrich.entities.brands[0].name': required");
    assert_config_error("enrich:\n  entities:\n    brands:\n      - Acme\n      - '#acme'\n",
                        "test.yaml:5: key 'enrich.entities.brands': '#acme' cannot be matched");
    assert_config_error("enrich:\n  entities:\n    brand: [Acme]\n",
                        "test.yaml:3: unknown key 'enrich.entities.brand' (did you mean 'enrich.entities.brands'?)");
}

/* A pattern that backtracks exponentially ends at the match limit instead
 * of stalling the worker. */
static void test_entities_runaway_pattern_is_bounded(void **state) {
    rc_config_t *cfg;
    rc_analysers_t *a = analysers_ok("enrich:\n  entities:\n    references:\n"
                                     "      - {kind: slow, pattern: '^(a|a)+$'}\n",
                                     &cfg);
    char text[256];
    memset(text, 'a', 60);
    text[60] = 'b';
    text[61] = '\0';
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    json_t *e = entities_with(a, text);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_field(e, "references", "[]");
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    /* 2^60 steps without the limit; with it, milliseconds (generous for
     * valgrind). */
    assert_true(ms < 5000);
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
}

/* ---- brands ---- */

static void test_entities_brands_with_aliases_on_word_boundaries(void **state) {
    rc_config_t *cfg;
    rc_analysers_t *a = analysers_ok("enrich:\n  entities:\n    brands:\n"
                                     "      - Southwest\n"
                                     "      - {name: Delta Air Lines, aliases: [Delta, Delta Airlines]}\n"
                                     "      - {name: AT&T, aliases: ATT}\n"
                                     "      - {name: Target, case_sensitive: true}\n"
                                     "      - T-Mobile\n"
                                     "      - iPhone 15 Pro\n",
                                     &cfg);
    json_t *e = entities_with(a, "flew SOUTHWEST, then delta's lounge and Delta Airlines again; AT&T has no signal, "
                                 "nor does att; my IPHONE 15 PRO. Southwestern food, deltas, a target to hit");
    assert_field(e, "brands", "[\"Southwest\", \"Delta Air Lines\", \"AT&T\", \"iPhone 15 Pro\"]");
    json_decref(e);
    /* separators must match: "at t" is not AT&T, "T Mobile" not T-Mobile */
    e = entities_with(a, "looking at t mobile plans, T Mobile, then T-Mobile and a Target store");
    assert_field(e, "brands", "[\"T-Mobile\", \"Target\"]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
}

static void test_entities_brand_words_are_not_people_or_places(void **state) {
    rc_config_t *cfg;
    rc_analysers_t *a = analysers_ok("enrich:\n  entities:\n    brands: [Frontier, Phoenix Suns]\n", &cfg);
    json_t *e = entities_with(a, "Frontier rocks! Shoutout to Frontier at DEN. Phoenix Suns game tonight");
    assert_field(e, "brands", "[\"Frontier\", \"Phoenix Suns\"]");
    assert_field(e, "people", "[]");
    assert_field(e, "places", "[\"DEN\", \"Denver\"]");
    json_decref(e);
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
}

/* ---- people ---- */

static void test_entities_people_thanked_staff_roles_and_titles(void **state) {
    json_t *e = entities_of("Shoutout to Maria at gate B4! A guy named Tom at the desk helped, pilot Captain Reyes "
                            "kept us posted. Thanks, Jake from the lounge, and kudos to Ana Lima who rebooked me");
    assert_field(e, "people", "[\"Maria\", \"Tom\", \"Reyes\", \"Jake\", \"Ana Lima\"]");
    assert_field(e, "references", "[{\"kind\":\"gate\",\"value\":\"B4\"}]");
    json_decref(e);
}

static void test_entities_thanks_without_staff_context_names_no_one(void **state) {
    json_t *e = entities_of("Thanks Obama. Thanks United for nothing. Shoutout to Southwest! thanks to Covid. "
                            "Shoutout to Denver at night");
    assert_field(e, "people", "[]");
    json_decref(e);
}

/* A city that is also a first name is a person after a role, and a place
 * otherwise. */
static void test_entities_city_first_names_after_a_role_are_people(void **state) {
    json_t *e = entities_of("agent Charlotte at gate A1 was kind. Charlotte rocks. Flying to Austin");
    assert_field(e, "people", "[\"Charlotte\"]");
    assert_field(e, "places", "[\"Charlotte\", \"Austin\"]");
    json_decref(e);
}

/* ---- threads ---- */

typedef struct thread_arg {
    const rc_analysers_t *an;
    int ok;
} thread_arg_t;

static void *analyse_many(void *p) {
    thread_arg_t *t = p;
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:i}, s:s, s:n}", "id", "1", "platform", "x", "author", "id",
                             "a1", "handle", "someone", "followers", 10, "text",
                             "TCK-123456 at DEN, agent Maria, AT&T down, flight 1234", "lang");
    t->ok = post != NULL;
    for (int i = 0; i < 300 && t->ok; i++) {
        json_t *e = rc_analyse(t->an, post, "2026-11-22T06:38:32Z", errstr, sizeof(errstr));
        json_t *ent = json_object_get(e, "entities");
        t->ok = json_array_size(json_object_get(ent, "references")) == 2 &&
                json_array_size(json_object_get(ent, "brands")) == 1 &&
                json_array_size(json_object_get(ent, "places")) == 2;
        json_decref(e);
    }
    json_decref(post);
    return NULL;
}

/* run() shares the state between threads: patterns, brands and gazetteer
 * give every thread the same answer. */
static void test_entities_run_from_several_threads_at_once(void **state) {
    rc_config_t *cfg;
    rc_analysers_t *a = analysers_ok("enrich:\n  entities:\n    references:\n"
                                     "      - {kind: ticket, pattern: 'TCK-(\\d{6})'}\n    brands: [AT&T]\n",
                                     &cfg);
    pthread_t th[4];
    thread_arg_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg_t){a, 0};
        assert_int_equal(pthread_create(&th[i], NULL, analyse_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].ok);
    }
    rc_analysers_destroy(a);
    rc_config_destroy(cfg);
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
        cmocka_unit_test(test_entities_gazetteer_multi_word_cities_aliases_and_possessives),
        cmocka_unit_test(test_entities_city_names_that_are_words_need_capitals_or_a_cue),
        cmocka_unit_test(test_entities_common_words_in_capitals_are_not_airport_codes),
        cmocka_unit_test(test_entities_common_word_codes_count_after_a_cue_or_in_a_route),
        cmocka_unit_test(test_entities_airport_code_adds_its_city),
        cmocka_unit_test(test_entities_builtin_gazetteer_is_large_and_consistent),
        cmocka_unit_test(test_entities_gazetteer_text_errors_name_the_line),
        cmocka_unit_test(test_entities_gazetteer_extra_adds_and_overrides_builtin_names),
        cmocka_unit_test(test_entities_gazetteer_file_replaces_the_builtin_one),
        cmocka_unit_test(test_entities_bad_gazetteer_file_names_its_file_and_line),
        cmocka_unit_test(test_entities_reference_patterns_add_custom_kinds),
        cmocka_unit_test(test_entities_builtin_reference_rules_can_be_chosen),
        cmocka_unit_test(test_entities_bad_regex_is_a_config_error_naming_line_and_offset),
        cmocka_unit_test(test_entities_reference_and_brand_config_errors_name_key_and_line),
        cmocka_unit_test(test_entities_runaway_pattern_is_bounded),
        cmocka_unit_test(test_entities_brands_with_aliases_on_word_boundaries),
        cmocka_unit_test(test_entities_brand_words_are_not_people_or_places),
        cmocka_unit_test(test_entities_people_thanked_staff_roles_and_titles),
        cmocka_unit_test(test_entities_thanks_without_staff_context_names_no_one),
        cmocka_unit_test(test_entities_city_first_names_after_a_role_are_people),
        cmocka_unit_test(test_entities_run_from_several_threads_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
