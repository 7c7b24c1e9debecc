/*
 * Routing rules (route/rules.c): parsing route.rules from YAML, with
 * file:line errors, and matching an EnrichedPost against the conditions.
 * Pure code: no I/O beyond the in-memory YAML.
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

#include "config.h"
#include "rules.h"

/* Sinks "tickets", "pager" and "audit" exist; anything else does not. */
static int rc_t_sink_exists(void *opaque, const char *name) {
    int *calls = opaque;
    if (calls)
        (*calls)++;
    return !strcmp(name, "tickets") || !strcmp(name, "pager") || !strcmp(name, "audit");
}

typedef struct {
    rc_config_t *cfg;
    rc_rules_t *rules;
    char err[512];
} rc_t_parsed_t;

/* Parses "route:\n  rules:\n" followed by "body" (already indented by 4). */
static void rc_t_parse(rc_t_parsed_t *p, const char *body) {
    char yaml[4096];
    memset(p, 0, sizeof(*p));
    snprintf(yaml, sizeof(yaml), "route:\n  rules:\n%s", body);
    p->cfg = rc_config_load_string(yaml, "rules.yaml", p->err, sizeof(p->err));
    assert_non_null(p->cfg);
    p->rules = rc_rules_parse(p->cfg, rc_node_get(p->cfg->root, "route.rules"), rc_t_sink_exists, NULL, p->err,
                              sizeof(p->err));
}

static void rc_t_free(rc_t_parsed_t *p) {
    rc_rules_destroy(p->rules);
    rc_config_destroy(p->cfg);
}

/* Parse must fail; the message must start with "rules.yaml:<line>: " and
 * contain "needle". */
static void rc_t_expect_error(const char *body, int line, const char *needle) {
    rc_t_parsed_t p;
    char prefix[64];
    rc_t_parse(&p, body);
    if (p.rules)
        fail_msg("parse succeeded, expected an error containing \"%s\"", needle);
    snprintf(prefix, sizeof(prefix), "rules.yaml:%d: ", line);
    if (strncmp(p.err, prefix, strlen(prefix)) || !strstr(p.err, needle))
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", p.err, prefix, needle);
    rc_t_free(&p);
}

/* An EnrichedPost with the fields the conditions read. */
static json_t *rc_t_post(const char *intent, const char *label, double score, int urgency, long followers,
                         const char *platform, const char *text) {
    json_t *ep = json_pack("{s:{s:s, s:s, s:s, s:{s:s, s:s, s:I}}, s:{s:f, s:s}, s:s, s:i}", "post", "id", "1",
                           "platform", platform, "text", text, "author", "id", "42", "handle", "flyer",
                           "followers", (json_int_t)followers, "sentiment", "score", score, "label", label,
                           "intent", intent, "urgency", urgency);
    assert_non_null(ep);
    return ep;
}

static json_t *rc_t_default_post(void) {
    return rc_t_post("complaint", "negative", -0.6, 70, 20000, "x", "My bag was LOST in Denver");
}

/* Number of matching rules for "ep" (first index in *first). */
static int rc_t_match(const rc_rules_t *rs, const json_t *ep, int *first) {
    int m[16];
    int n = rc_rules_match(rs, ep, m, 16);
    if (first)
        *first = n ? m[0] : -1;
    return n;
}

/* One rule named "r" whose when is "when" (a flow map), action to tickets;
 * returns whether "ep" matches it. */
static int rc_t_when_matches(const char *when, const json_t *ep) {
    rc_t_parsed_t p;
    char body[1024];
    snprintf(body, sizeof(body), "    - name: r\n      when: %s\n      actions: [{sink: tickets}]\n", when);
    rc_t_parse(&p, body);
    if (!p.rules)
        fail_msg("parse of when %s failed: %s", when, p.err);
    int n = rc_t_match(p.rules, ep, NULL);
    rc_t_free(&p);
    return n;
}

static void test_rules_absent_node_parses_to_zero_rules(void **state) {
    char err[128] = "";
    rc_rules_t *rs = rc_rules_parse(NULL, NULL, NULL, NULL, err, sizeof(err));
    assert_non_null(rs);
    assert_int_equal(rs->n, 0);
    json_t *ep = rc_t_default_post();
    assert_int_equal(rc_t_match(rs, ep, NULL), 0);
    json_decref(ep);
    rc_rules_destroy(rs);
    rc_rules_destroy(NULL);
}

static void test_rules_parse_keeps_name_line_actions_and_templates(void **state) {
    rc_t_parsed_t p;
    int calls = 0;
    rc_t_parse(&p, "    - name: angry\n"
                   "      when:\n"
                   "        intent: [complaint, question]\n"
                   "      actions:\n"
                   "        - sink: tickets\n"
                   "          subject: \"{{post.author.handle}}: {{intent}}\"\n"
                   "          body: \"b\"\n"
                   "        - sink: pager\n"
                   "    - actions: [{sink: audit}]\n"
                   "      continue: true\n");
    assert_non_null(p.rules);
    rc_rules_destroy(p.rules);
    /* Again with a counting callback: every action's sink is checked. */
    p.rules = rc_rules_parse(p.cfg, rc_node_get(p.cfg->root, "route.rules"), rc_t_sink_exists, &calls, p.err,
                             sizeof(p.err));
    assert_non_null(p.rules);
    assert_int_equal(calls, 3);
    assert_int_equal(p.rules->n, 2);
    const rc_rule_t *r = &p.rules->rules[0];
    assert_string_equal(r->name, "angry");
    assert_int_equal(r->line, 3);
    assert_int_equal(r->nactions, 2);
    assert_string_equal(r->actions[0].sink, "tickets");
    assert_string_equal(r->actions[0].subject, "{{post.author.handle}}: {{intent}}");
    assert_string_equal(r->actions[0].body, "b");
    assert_string_equal(r->actions[1].sink, "pager");
    assert_null(r->actions[1].subject);
    assert_null(r->actions[1].body);
    assert_int_equal(r->cont, 0);
    assert_int_equal((int)json_array_size(r->intents), 2);
    /* An unnamed rule is named after its 1-based position. */
    assert_string_equal(p.rules->rules[1].name, "rule-2");
    assert_int_equal(p.rules->rules[1].cont, 1);
    assert_null(p.rules->rules[1].intents);
    assert_int_equal(p.rules->rules[1].urgency_at_least, -1);
    rc_t_free(&p);
}

static void test_rules_intent_matches_any_listed_value(void **state) {
    json_t *ep = rc_t_default_post();
    assert_int_equal(rc_t_when_matches("{intent: [question, complaint]}", ep), 1);
    assert_int_equal(rc_t_when_matches("{intent: complaint}", ep), 1);
    assert_int_equal(rc_t_when_matches("{intent: [praise, question]}", ep), 0);
    /* Config values are case-insensitive. */
    assert_int_equal(rc_t_when_matches("{intent: Complaint}", ep), 1);
    json_decref(ep);
}

static void test_rules_sentiment_label_matches_listed_labels(void **state) {
    json_t *ep = rc_t_default_post();
    assert_int_equal(rc_t_when_matches("{sentiment: negative}", ep), 1);
    assert_int_equal(rc_t_when_matches("{sentiment: [neutral, negative]}", ep), 1);
    assert_int_equal(rc_t_when_matches("{sentiment: positive}", ep), 0);
    json_decref(ep);
}

static void test_rules_sentiment_bounds_are_strict(void **state) {
    json_t *ep = rc_t_default_post(); /* score -0.6 */
    assert_int_equal(rc_t_when_matches("{sentiment_below: -0.5}", ep), 1);
    assert_int_equal(rc_t_when_matches("{sentiment_below: -0.6}", ep), 0);
    assert_int_equal(rc_t_when_matches("{sentiment_below: -0.7}", ep), 0);
    assert_int_equal(rc_t_when_matches("{sentiment_above: -0.7}", ep), 1);
    assert_int_equal(rc_t_when_matches("{sentiment_above: -0.6}", ep), 0);
    assert_int_equal(rc_t_when_matches("{sentiment_above: -0.7, sentiment_below: -0.5}", ep), 1);
    json_decref(ep);
    /* An integer score in the record is read as a number too. */
    ep = json_pack("{s:{s:i, s:s}}", "sentiment", "score", 1, "label", "positive");
    assert_int_equal(rc_t_when_matches("{sentiment_above: 0.5}", ep), 1);
    json_decref(ep);
}

static void test_rules_urgency_at_least_is_inclusive_and_below_exclusive(void **state) {
    json_t *ep = rc_t_default_post(); /* urgency 70 */
    assert_int_equal(rc_t_when_matches("{urgency_at_least: 70}", ep), 1);
    assert_int_equal(rc_t_when_matches("{urgency_at_least: 71}", ep), 0);
    assert_int_equal(rc_t_when_matches("{urgency_below: 71}", ep), 1);
    assert_int_equal(rc_t_when_matches("{urgency_below: 70}", ep), 0);
    assert_int_equal(rc_t_when_matches("{urgency_at_least: 0}", ep), 1);
    json_decref(ep);
}

static void test_rules_followers_at_least_is_inclusive_and_missing_counts_as_zero(void **state) {
    json_t *ep = rc_t_default_post(); /* 20000 followers */
    assert_int_equal(rc_t_when_matches("{followers_at_least: 20000}", ep), 1);
    assert_int_equal(rc_t_when_matches("{followers_at_least: 20001}", ep), 0);
    json_object_del(json_object_get(json_object_get(ep, "post"), "author"), "followers");
    assert_int_equal(rc_t_when_matches("{followers_at_least: 1}", ep), 0);
    assert_int_equal(rc_t_when_matches("{followers_at_least: 0}", ep), 1);
    json_decref(ep);
}

static void test_rules_platform_matches_listed_platforms(void **state) {
    json_t *ep = rc_t_default_post(); /* x */
    assert_int_equal(rc_t_when_matches("{platform: [mastodon, x]}", ep), 1);
    assert_int_equal(rc_t_when_matches("{platform: X}", ep), 1);
    assert_int_equal(rc_t_when_matches("{platform: [mastodon, bluesky]}", ep), 0);
    json_decref(ep);
}

static void test_rules_keywords_are_case_insensitive_substrings_any_of(void **state) {
    json_t *ep = rc_t_default_post(); /* "My bag was LOST in Denver" */
    assert_int_equal(rc_t_when_matches("{keywords: [refund, lost]}", ep), 1);
    assert_int_equal(rc_t_when_matches("{keywords: DENVER}", ep), 1);
    assert_int_equal(rc_t_when_matches("{keywords: \"bag was\"}", ep), 1);
    assert_int_equal(rc_t_when_matches("{keywords: [refund, delay]}", ep), 0);
    json_object_del(json_object_get(ep, "post"), "text");
    assert_int_equal(rc_t_when_matches("{keywords: lost}", ep), 0);
    json_decref(ep);
}

static void test_rules_conditions_are_anded(void **state) {
    json_t *ep = rc_t_default_post();
    assert_int_equal(rc_t_when_matches("{intent: complaint, sentiment: negative, urgency_at_least: 60, "
                                       "followers_at_least: 10000, platform: x, keywords: lost}",
                                       ep),
                     1);
    /* Every condition but one holds: no match. */
    assert_int_equal(rc_t_when_matches("{intent: complaint, sentiment: negative, urgency_at_least: 60, "
                                       "followers_at_least: 10000, platform: mastodon, keywords: lost}",
                                       ep),
                     0);
    assert_int_equal(rc_t_when_matches("{intent: complaint, keywords: refund}", ep), 0);
    assert_int_equal(rc_t_when_matches("{intent: praise, keywords: lost}", ep), 0);
    json_decref(ep);
}

static void test_rules_rule_without_when_matches_everything(void **state) {
    rc_t_parsed_t p;
    rc_t_parse(&p, "    - name: all\n      actions: [{sink: audit}]\n");
    assert_non_null(p.rules);
    json_t *ep = rc_t_default_post();
    json_t *empty = json_object();
    int first;
    assert_int_equal(rc_t_match(p.rules, ep, &first), 1);
    assert_int_equal(first, 0);
    assert_int_equal(rc_t_match(p.rules, empty, &first), 1);
    json_decref(ep);
    json_decref(empty);
    rc_t_free(&p);
}

static const char rc_t_three_rules[] = "    - name: praise\n"
                                       "      when: {intent: praise}\n"
                                       "      actions: [{sink: tickets}]\n"
                                       "    - name: complaint\n"
                                       "      when: {intent: complaint}\n"
                                       "      actions: [{sink: tickets}]\n"
                                       "    - name: catch-all\n"
                                       "      actions: [{sink: audit}]\n";

static void test_rules_first_match_stops_evaluation(void **state) {
    rc_t_parsed_t p;
    rc_t_parse(&p, rc_t_three_rules);
    assert_non_null(p.rules);
    json_t *ep = rc_t_default_post();
    int m[4];
    assert_int_equal(rc_rules_match(p.rules, ep, m, 4), 1);
    assert_int_equal(m[0], 1);
    /* A post no earlier rule takes falls through to the catch-all. */
    json_object_set_new(ep, "intent", json_string("question"));
    assert_int_equal(rc_rules_match(p.rules, ep, m, 4), 1);
    assert_int_equal(m[0], 2);
    json_decref(ep);
    rc_t_free(&p);
}

static void test_rules_continue_true_keeps_evaluating(void **state) {
    rc_t_parsed_t p;
    rc_t_parse(&p, "    - name: audit-everything\n"
                   "      continue: true\n"
                   "      actions: [{sink: audit}]\n"
                   "    - name: complaint\n"
                   "      when: {intent: complaint}\n"
                   "      continue: yes\n"
                   "      actions: [{sink: tickets}]\n"
                   "    - name: negative\n"
                   "      when: {sentiment: negative}\n"
                   "      actions: [{sink: pager}]\n"
                   "    - name: never-reached\n"
                   "      actions: [{sink: audit}]\n");
    assert_non_null(p.rules);
    json_t *ep = rc_t_default_post();
    int m[8];
    assert_int_equal(rc_rules_match(p.rules, ep, m, 8), 3);
    assert_int_equal(m[0], 0);
    assert_int_equal(m[1], 1);
    assert_int_equal(m[2], 2);
    /* The result never exceeds "max". */
    assert_int_equal(rc_rules_match(p.rules, ep, m, 2), 2);
    assert_int_equal(m[1], 1);
    json_decref(ep);
    rc_t_free(&p);
}

static void test_rules_continue_false_is_the_default_and_explicit_false_stops(void **state) {
    rc_t_parsed_t p;
    rc_t_parse(&p, "    - continue: false\n"
                   "      actions: [{sink: audit}]\n"
                   "    - actions: [{sink: audit}]\n");
    assert_non_null(p.rules);
    json_t *ep = rc_t_default_post();
    assert_int_equal(rc_t_match(p.rules, ep, NULL), 1);
    json_decref(ep);
    rc_t_free(&p);
}

static void test_rules_error_unknown_rule_key_has_line_and_hint(void **state) {
    rc_t_expect_error("    - name: a\n"
                      "      contine: true\n"
                      "      actions: [{sink: tickets}]\n",
                      4, "unknown key 'route.rules[0].contine' (did you mean 'route.rules[0].continue'?)");
}

static void test_rules_error_unknown_when_key_has_line_and_hint(void **state) {
    rc_t_expect_error("    - name: a\n"
                      "      actions: [{sink: tickets}]\n"
                      "    - name: b\n"
                      "      when:\n"
                      "        intent: complaint\n"
                      "        sentiment_blow: -0.2\n"
                      "      actions: [{sink: tickets}]\n",
                      8, "unknown key 'route.rules[1].when.sentiment_blow' (did you mean "
                         "'route.rules[1].when.sentiment_below'?)");
}

static void test_rules_error_unknown_action_key_has_line_and_hint(void **state) {
    rc_t_expect_error("    - name: a\n"
                      "      actions:\n"
                      "        - sink: tickets\n"
                      "        - sink: pager\n"
                      "          subjet: hi\n",
                      7, "unknown key 'route.rules[0].actions[1].subjet' (did you mean "
                         "'route.rules[0].actions[1].subject'?)");
}

static void test_rules_error_unknown_intent_and_label_name_the_value(void **state) {
    rc_t_expect_error("    - when:\n"
                      "        intent: [complaint, rant]\n"
                      "      actions: [{sink: tickets}]\n",
                      4, "unknown intent 'rant'");
    rc_t_expect_error("    - when:\n"
                      "        sentiment: angry\n"
                      "      actions: [{sink: tickets}]\n",
                      4, "unknown sentiment 'angry'");
}

static void test_rules_error_non_number_threshold(void **state) {
    rc_t_expect_error("    - when:\n"
                      "        urgency_at_least: high\n"
                      "      actions: [{sink: tickets}]\n",
                      4, "'urgency_at_least' must be a number, not 'high'");
    rc_t_expect_error("    - when:\n"
                      "        sentiment_below: -0.3x\n"
                      "      actions: [{sink: tickets}]\n",
                      4, "'sentiment_below' must be a number");
    rc_t_expect_error("    - when:\n"
                      "        followers_at_least: [1, 2]\n"
                      "      actions: [{sink: tickets}]\n",
                      4, "'followers_at_least' must be a number");
}

static void test_rules_error_list_of_non_strings(void **state) {
    rc_t_expect_error("    - when:\n"
                      "        keywords:\n"
                      "          - lost\n"
                      "          - {a: b}\n"
                      "      actions: [{sink: tickets}]\n",
                      6, "'keywords' must be a string or a list of strings");
}

static void test_rules_error_missing_or_empty_actions(void **state) {
    rc_t_expect_error("    - name: lonely\n"
                      "      when: {intent: praise}\n",
                      3, "rule 'lonely' needs a list of 'actions'");
    rc_t_expect_error("    - name: empty\n"
                      "      actions: []\n",
                      4, "rule 'empty' needs a list of 'actions'");
    rc_t_expect_error("    - name: nosink\n"
                      "      actions:\n"
                      "        - subject: hi\n",
                      5, "action of rule 'nosink' needs 'sink'");
}

static void test_rules_error_unknown_sink_via_callback(void **state) {
    rc_t_expect_error("    - name: a\n"
                      "      actions:\n"
                      "        - sink: tickets\n"
                      "        - sink: slack\n",
                      6, "rule 'a': no sink named 'slack' under route.sinks");
}

static void test_rules_without_callback_any_sink_name_is_accepted(void **state) {
    char err[256];
    rc_config_t *cfg = rc_config_load_string("route:\n  rules:\n    - actions: [{sink: anything}]\n", "r.yaml", err,
                                             sizeof(err));
    assert_non_null(cfg);
    rc_rules_t *rs = rc_rules_parse(cfg, rc_node_get(cfg->root, "route.rules"), NULL, NULL, err, sizeof(err));
    assert_non_null(rs);
    assert_string_equal(rs->rules[0].actions[0].sink, "anything");
    rc_rules_destroy(rs);
    rc_config_destroy(cfg);
}

static void test_rules_error_more_than_eight_actions(void **state) {
    char body[2048] = "    - name: many\n      actions:\n";
    for (int i = 0; i < RC_RULE_MAX_ACTIONS; i++)
        strcat(body, "        - sink: audit\n");
    rc_t_parsed_t p;
    rc_t_parse(&p, body);
    assert_non_null(p.rules);
    assert_int_equal(p.rules->rules[0].nactions, RC_RULE_MAX_ACTIONS);
    rc_t_free(&p);
    strcat(body, "        - sink: pager\n");
    rc_t_expect_error(body, 5 + RC_RULE_MAX_ACTIONS, "at most 8 actions per rule");
}

static void test_rules_error_shapes(void **state) {
    rc_t_expect_error("    name: not-a-list\n", 2, "'route.rules' must be a list of rules");
    rc_t_expect_error("    - just-a-string\n", 3, "route.rules[0] must be a map");
    rc_t_expect_error("    - when: [intent]\n      actions: [{sink: tickets}]\n", 3,
                      "route.rules[0].when must be a map");
    rc_t_expect_error("    - actions: [tickets]\n", 3, "route.rules[0].actions[0] must be a map");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_absent_node_parses_to_zero_rules),
        cmocka_unit_test(test_rules_parse_keeps_name_line_actions_and_templates),
        cmocka_unit_test(test_rules_intent_matches_any_listed_value),
        cmocka_unit_test(test_rules_sentiment_label_matches_listed_labels),
        cmocka_unit_test(test_rules_sentiment_bounds_are_strict),
        cmocka_unit_test(test_rules_urgency_at_least_is_inclusive_and_below_exclusive),
        cmocka_unit_test(test_rules_followers_at_least_is_inclusive_and_missing_counts_as_zero),
        cmocka_unit_test(test_rules_platform_matches_listed_platforms),
        cmocka_unit_test(test_rules_keywords_are_case_insensitive_substrings_any_of),
        cmocka_unit_test(test_rules_conditions_are_anded),
        cmocka_unit_test(test_rules_rule_without_when_matches_everything),
        cmocka_unit_test(test_rules_first_match_stops_evaluation),
        cmocka_unit_test(test_rules_continue_true_keeps_evaluating),
        cmocka_unit_test(test_rules_continue_false_is_the_default_and_explicit_false_stops),
        cmocka_unit_test(test_rules_error_unknown_rule_key_has_line_and_hint),
        cmocka_unit_test(test_rules_error_unknown_when_key_has_line_and_hint),
        cmocka_unit_test(test_rules_error_unknown_action_key_has_line_and_hint),
        cmocka_unit_test(test_rules_error_unknown_intent_and_label_name_the_value),
        cmocka_unit_test(test_rules_error_non_number_threshold),
        cmocka_unit_test(test_rules_error_list_of_non_strings),
        cmocka_unit_test(test_rules_error_missing_or_empty_actions),
        cmocka_unit_test(test_rules_error_unknown_sink_via_callback),
        cmocka_unit_test(test_rules_without_callback_any_sink_name_is_accepted),
        cmocka_unit_test(test_rules_error_more_than_eight_actions),
        cmocka_unit_test(test_rules_error_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
