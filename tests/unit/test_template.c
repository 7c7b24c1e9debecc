/*
 * Subject/body templates (rc_template_render in route/rules.c): {{dotted.path}}
 * substitution from the EnrichedPost and the {{text_short}} helper.
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

#include "rules.h"
#include "util.h"

static json_t *rc_t_record(const char *text) {
    json_t *ep = json_pack("{s:{s:s, s:s, s:s, s:{s:s, s:s, s:i}, s:b}, s:{s:f, s:s}, s:s, s:i, s:[s,s], s:{s:[s]},"
                           " s:n}",
                           "post", "id", "1700", "platform", "x", "text", text, "author", "id", "42", "handle", "flyer",
                           "followers", 12345, "verified", 1, "sentiment", "score", -0.6125, "label", "negative",
                           "intent", "complaint", "urgency", 85, "tags", "a", "b", "entities", "places", "DEN",
                           "lang_hint");
    assert_non_null(ep);
    return ep;
}

static void rc_t_expect(const char *tpl, const json_t *ep, const char *want) {
    char *got = rc_template_render(tpl, ep);
    assert_non_null(got);
    if (strcmp(got, want))
        fail_msg("render(\"%s\") = \"%s\", want \"%s\"", tpl, got, want);
    free(got);
}

static void test_template_substitutes_nested_string_paths(void **state) {
    json_t *ep = rc_t_record("hello");
    rc_t_expect("{{post.author.handle}}: {{intent}}", ep, "flyer: complaint");
    rc_t_expect("[{{post.platform}}/{{post.id}}] {{sentiment.label}}", ep, "[x/1700] negative");
    rc_t_expect("no placeholders", ep, "no placeholders");
    rc_t_expect("", ep, "");
    json_decref(ep);
}

static void test_template_trims_spaces_inside_braces(void **state) {
    json_t *ep = rc_t_record("hello");
    rc_t_expect("{{ post.author.handle }}!", ep, "flyer!");
    json_decref(ep);
}

static void test_template_renders_numbers_and_booleans(void **state) {
    json_t *ep = rc_t_record("hello");
    rc_t_expect("u={{urgency}} f={{post.author.followers}}", ep, "u=85 f=12345");
    rc_t_expect("{{sentiment.score}}", ep, "-0.613"); /* reals with three decimals */
    rc_t_expect("{{post.verified}}", ep, "true");
    json_decref(ep);
}

static void test_template_renders_arrays_and_objects_as_compact_json(void **state) {
    json_t *ep = rc_t_record("hello");
    rc_t_expect("{{tags}}", ep, "[\"a\",\"b\"]");
    rc_t_expect("{{entities}}", ep, "{\"places\":[\"DEN\"]}");
    json_decref(ep);
}

static void test_template_unknown_or_null_paths_expand_to_empty(void **state) {
    json_t *ep = rc_t_record("hello");
    rc_t_expect("<{{nope}}>", ep, "<>");
    rc_t_expect("<{{post.author.nope}}>", ep, "<>");
    rc_t_expect("<{{post.author.handle.deeper}}>", ep, "<>"); /* a string has no children */
    rc_t_expect("<{{lang_hint}}>", ep, "<>");
    /* An empty path or an empty segment names nothing, not the whole record. */
    rc_t_expect("<{{}}>", ep, "<>");
    rc_t_expect("<{{ }}>", ep, "<>");
    rc_t_expect("<{{post.}}>", ep, "<>");
    rc_t_expect("<{{post..id}}>", ep, "<>");
    /* A segment longer than any key is just unknown. */
    char tpl[400] = "<{{";
    memset(tpl + 3, 'k', 300);
    strcpy(tpl + 303, "}}>");
    rc_t_expect(tpl, ep, "<>");
    json_decref(ep);
    /* A NULL record renders every path empty. */
    rc_t_expect("a{{post.id}}b", NULL, "ab");
}

static void test_template_unterminated_braces_are_left_as_is(void **state) {
    json_t *ep = rc_t_record("hello");
    rc_t_expect("{{intent}} then {{post.id", ep, "complaint then {{post.id");
    rc_t_expect("x }} y {{", ep, "x }} y {{");
    json_decref(ep);
}

static void test_template_text_short_keeps_short_text_whole(void **state) {
    json_t *ep = rc_t_record("RUDEST AGENT IN DENVER.\nGATE C39.");
    rc_t_expect("{{text_short}}", ep, "RUDEST AGENT IN DENVER. GATE C39."); /* newlines become spaces */
    json_decref(ep);
}

static void test_template_text_short_cuts_at_80_characters_with_ellipsis(void **state) {
    char text[200];
    memset(text, 'a', 100);
    text[100] = '\0';
    json_t *ep = rc_t_record(text);
    char *got = rc_template_render("{{text_short}}", ep);
    assert_int_equal(strlen(got), 83);
    assert_memory_equal(got, text, 80);
    assert_string_equal(got + 80, "...");
    free(got);
    json_decref(ep);
    /* Exactly 80 characters: no ellipsis. */
    text[80] = '\0';
    ep = rc_t_record(text);
    rc_t_expect("{{text_short}}", ep, text);
    json_decref(ep);
}

static void test_template_text_short_counts_characters_and_never_splits_utf8(void **state) {
    /* 100 x "é" (2 bytes each): 80 characters are kept, 160 bytes. */
    char text[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(text, "\xc3\xa9");
    json_t *ep = rc_t_record(text);
    char *got = rc_template_render("{{text_short}}", ep);
    assert_int_equal(strlen(got), 160 + 3);
    assert_true(rc_utf8_valid(got, strlen(got)));
    assert_string_equal(got + 160, "...");
    free(got);
    json_decref(ep);
    /* An odd offset: "a" then 4-byte emoji; the cut lands on a boundary. */
    strcpy(text, "a");
    for (int i = 0; i < 90; i++)
        strcat(text, "\xf0\x9f\x98\xa0");
    ep = rc_t_record(text);
    got = rc_template_render("{{text_short}}", ep);
    assert_int_equal(strlen(got), 1 + 79 * 4 + 3);
    assert_true(rc_utf8_valid(got, strlen(got)));
    free(got);
    json_decref(ep);
}

static void test_template_text_short_without_text_is_empty(void **state) {
    json_t *ep = json_pack("{s:{}}", "post");
    rc_t_expect("[{{text_short}}]", ep, "[]");
    json_decref(ep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_substitutes_nested_string_paths),
        cmocka_unit_test(test_template_trims_spaces_inside_braces),
        cmocka_unit_test(test_template_renders_numbers_and_booleans),
        cmocka_unit_test(test_template_renders_arrays_and_objects_as_compact_json),
        cmocka_unit_test(test_template_unknown_or_null_paths_expand_to_empty),
        cmocka_unit_test(test_template_unterminated_braces_are_left_as_is),
        cmocka_unit_test(test_template_text_short_keeps_short_text_whole),
        cmocka_unit_test(test_template_text_short_cuts_at_80_characters_with_ellipsis),
        cmocka_unit_test(test_template_text_short_counts_characters_and_never_splits_utf8),
        cmocka_unit_test(test_template_text_short_without_text_is_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
