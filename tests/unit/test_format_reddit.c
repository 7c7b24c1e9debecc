/*
 * The Reddit normaliser (ingest/formats/reddit.c): what a listing child
 * (t3 link, t1 comment) becomes, read from the fixture listings in
 * tests/fixtures/reddit/ (shaped like Reddit's own answers), and what each
 * kind of broken child is told.
 *
 * Inline payloads are written with single quotes; q() turns them into
 * double quotes, so texts avoid apostrophes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "normalise.h"
#include "normalise_fixture.h"

/* A payload that must normalise as a Reddit child. */
#define ok(payload, orig) ok_as((payload), RC_FMT_REDDIT, (orig))

/* The fixture listing "name" (tests/fixtures/reddit/<name>). */
static json_t *listing(const char *name) {
    const char *dir = getenv("RICOCHET_SOURCE_DIR");
    char path[1024];
    json_error_t jerr;
    json_t *root;

    snprintf(path, sizeof(path), "%s/tests/fixtures/reddit/%s", dir ? dir : ".", name);
    root = json_load_file(path, 0, &jerr);
    if (!root)
        fail_msg("%s: %s", path, jerr.text);
    return root;
}

/* Child "i" of fixture listing "name", normalised; it must succeed. The
 * embedded original (if any) goes to *orig when orig is non-NULL. */
static json_t *child_post(const char *name, size_t i, json_t **orig) {
    json_t *root = listing(name), *post;
    char *s = json_dumps(json_array_get(json_object_get(json_object_get(root, "data"), "children"), i), 0);
    rc_post_format_t fmt = RC_FMT_UNKNOWN;

    assert_non_null(s);
    post = rc_normalise_ex(s, strlen(s), NOW, RC_FMT_UNKNOWN, &fmt, orig, errbuf, sizeof(errbuf));
    if (!post)
        fail_msg("%s[%zu]: %s", name, i, errbuf);
    assert_int_equal(fmt, RC_FMT_REDDIT);
    free(s);
    json_decref(root);
    return post;
}

static json_int_t metric(const json_t *post, const char *key) {
    return int_at(json_object_get(post, "metrics"), key);
}

/* ---- links -------------------------------------------------------------- */

static void test_link_maps_every_field(void **state) {
    json_t *orig = NULL, *p = child_post("new_first.json", 0, &orig);
    json_t *a = json_object_get(p, "author");

    assert_null(orig);
    assert_string_equal(str_at(p, "id"), "t3_1h2k3c");
    assert_string_equal(str_at(p, "platform"), "reddit");
    assert_string_equal(str_at(p, "source_format"), "reddit");
    assert_string_equal(str_at(p, "event"), "post");
    assert_string_equal(str_at(a, "id"), "t2_8si64");
    assert_string_equal(str_at(a, "handle"), "wanderer_42");
    null_at(a, "name");
    assert_int_equal(int_at(a, "followers"), 0);
    assert_true(json_is_false(json_object_get(a, "verified")));
    /* Title and selftext, &amp; decoded. */
    assert_string_equal(str_at(p, "text"),
                        "Lost luggage at FRA, airline not answering\n\nFlew with @SkyWays yesterday, "
                        "bag never arrived & the hotline hangs up. Anyone else? #lostluggage");
    assert_string_equal(str_at(p, "created_at"), "2024-11-21T10:45:00Z");
    assert_string_equal(str_at(p, "url"),
                        "https://www.reddit.com/r/travel/comments/1h2k3c/lost_luggage_at_fra_airline_not_answering/");
    null_at(p, "in_reply_to");
    assert_string_equal(str_at(p, "conversation_id"), "t3_1h2k3c");
    null_at(p, "lang");
    null_at(p, "repost_of");
    null_at(p, "quote_of");
    null_at(p, "edit_of");
    list_is(p, "mentions", "SkyWays", NULL);
    list_is(p, "hashtags", "lostluggage", NULL);
    assert_int_equal(metric(p, "likes"), 12);
    assert_int_equal(metric(p, "replies"), 4);
    assert_int_equal(metric(p, "reposts"), 0);
    assert_int_equal(metric(p, "quotes"), 0);
    json_decref(p);
}

static void test_link_with_edited_time_is_an_edit_of_the_same_id(void **state) {
    json_t *p = child_post("new_first.json", 1, NULL);

    assert_string_equal(str_at(p, "event"), "edit");
    assert_string_equal(str_at(p, "id"), "t3_1h2k3b");
    /* Reddit keeps the id across edits: nothing to point back to. */
    null_at(p, "edit_of");
    assert_string_equal(str_at(p, "text"), "Best time to visit Lisbon?\n\nThinking of May. EDIT: booked, thanks all!");
    assert_string_equal(str_at(p, "created_at"), "2024-11-21T10:43:20Z");
    json_decref(p);
}

static void test_link_decodes_title_reads_u_mentions_and_clamps_negative_score(void **state) {
    json_t *p = child_post("new_first.json", 2, NULL);

    assert_string_equal(str_at(p, "text"),
                        "Refund <still> pending after 6 weeks\n\nu/SkyWays_Support promised a refund "
                        "in 7 days. /u/ana_sofia had the same. Any tips?");
    list_is(p, "mentions", "SkyWays_Support", "ana_sofia", NULL);
    /* score -2: a Post metric cannot be negative. */
    assert_int_equal(metric(p, "likes"), 0);
    json_decref(p);
}

static void test_link_without_selftext_is_its_title(void **state) {
    json_t *p = child_post("new_before_c.json", 2, NULL);

    assert_string_equal(str_at(p, "text"), "Packing list for Iceland in March");
    assert_int_equal(metric(p, "likes"), 15);
    assert_int_equal(metric(p, "replies"), 11);
    json_decref(p);
}

/* ---- comments ----------------------------------------------------------- */

static void test_comment_maps_reply_and_thread(void **state) {
    json_t *p = child_post("comments_first.json", 0, NULL);
    json_t *a = json_object_get(p, "author");

    assert_string_equal(str_at(p, "id"), "t1_m0k2");
    assert_string_equal(str_at(p, "event"), "post");
    assert_string_equal(str_at(a, "id"), "t2_abc12");
    assert_string_equal(str_at(a, "handle"), "grumpy_flyer");
    assert_string_equal(str_at(p, "text"), "Same here, 3 hours on hold with u/SkyWays_Support >:( #fail");
    assert_string_equal(str_at(p, "in_reply_to"), "t3_1h2k3c");
    assert_string_equal(str_at(p, "conversation_id"), "t3_1h2k3c");
    assert_string_equal(str_at(p, "created_at"), "2024-11-21T10:45:50Z");
    assert_string_equal(str_at(p, "url"), "https://www.reddit.com/r/travel/comments/1h2k3c/"
                                          "lost_luggage_at_fra_airline_not_answering/m0k2/");
    list_is(p, "mentions", "SkyWays_Support", NULL);
    list_is(p, "hashtags", "fail", NULL);
    assert_int_equal(metric(p, "likes"), 5);
    /* A comment has no comment or crosspost counts of its own. */
    assert_int_equal(metric(p, "replies"), 0);
    assert_int_equal(metric(p, "reposts"), 0);
    json_decref(p);
}

static void test_comment_reply_to_a_comment_names_it(void **state) {
    json_t *p = child_post("comments_cursor_gone.json", 0, NULL);

    assert_string_equal(str_at(p, "in_reply_to"), "t1_m0k2");
    assert_string_equal(str_at(p, "conversation_id"), "t3_1h2k3c");
    assert_string_equal(str_at(p, "event"), "edit");
    list_is(p, "mentions", "grumpy_flyer", NULL);
    json_decref(p);
}

static void test_deleted_comment_is_a_tombstone(void **state) {
    json_t *p = child_post("comments_first.json", 1, NULL);
    json_t *a = json_object_get(p, "author");

    assert_string_equal(str_at(p, "event"), "delete");
    assert_string_equal(str_at(p, "id"), "t1_m0k1");
    assert_string_equal(str_at(p, "text"), "");
    /* Reddit no longer says who wrote it. */
    assert_string_equal(str_at(a, "id"), "");
    assert_string_equal(str_at(a, "handle"), "");
    assert_string_equal(str_at(p, "in_reply_to"), "t1_m0k0");
    list_is(p, "mentions", NULL);
    json_decref(p);
}

static void test_link_removed_by_moderators_is_a_tombstone_keeping_the_author(void **state) {
    json_t *p = ok("{'kind':'t3','data':{'name':'t3_rm1','title':'x','selftext':'[removed]','author':'someone',"
                   "'author_fullname':'t2_s1','removed_by_category':'moderator','created_utc':1732185600.0}}",
                   NULL);

    assert_string_equal(str_at(p, "event"), "delete");
    assert_string_equal(str_at(p, "text"), "");
    assert_string_equal(str_at(json_object_get(p, "author"), "id"), "t2_s1");
    assert_string_equal(str_at(json_object_get(p, "author"), "handle"), "someone");
    json_decref(p);
}

static void test_removed_text_by_a_known_author_without_removal_is_a_post(void **state) {
    /* Somebody literally writing "[removed]" is not a removal. */
    json_t *p = ok("{'kind':'t1','data':{'name':'t1_z1','body':'[removed]','author':'joker','link_id':'t3_a',"
                   "'parent_id':'t3_a'}}",
                   NULL);

    assert_string_equal(str_at(p, "event"), "post");
    assert_string_equal(str_at(p, "text"), "[removed]");
    json_decref(p);
}

/* ---- crossposts --------------------------------------------------------- */

static void test_crosspost_is_a_repost_carrying_the_original(void **state) {
    json_t *orig = NULL, *p = child_post("search_first.json", 0, &orig);

    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "id"), "t3_1h2x9");
    assert_string_equal(str_at(p, "repost_of"), "t3_1h1o1");
    assert_string_equal(str_at(json_object_get(p, "author"), "handle"), "crosser");
    /* The original's text, decoded. */
    assert_string_equal(str_at(p, "text"), "Delayed flight 6h, airline refuses EU261\n\nSkyWays says \"extraordinary "
                                           "circumstances\". Any advice? #EU261");
    assert_string_equal(str_at(p, "conversation_id"), "t3_1h2x9");
    assert_string_equal(str_at(p, "created_at"), "2024-11-21T10:46:30Z");

    assert_non_null(orig);
    assert_string_equal(str_at(orig, "id"), "t3_1h1o1");
    assert_string_equal(str_at(orig, "event"), "post");
    null_at(orig, "repost_of");
    assert_string_equal(str_at(json_object_get(orig, "author"), "id"), "t2_0r1g");
    assert_string_equal(str_at(orig, "created_at"), "2024-11-20T10:53:20Z");
    assert_string_equal(str_at(orig, "url"),
                        "https://www.reddit.com/r/flights/comments/1h1o1/delayed_flight_6h_airline_refuses_eu261/");
    assert_string_equal(str_at(orig, "source_format"), "reddit");
    assert_int_equal(metric(orig, "likes"), 240);
    assert_int_equal(metric(orig, "replies"), 96);
    assert_int_equal(metric(orig, "reposts"), 3);
    list_is(orig, "hashtags", "EU261", NULL);
    json_decref(orig);
    json_decref(p);
}

static void test_crosspost_without_its_original_keeps_its_own_title(void **state) {
    json_t *orig = NULL, *p = ok("{'kind':'t3','data':{'name':'t3_x1','title':'look at this','selftext':'',"
                                 "'author':'a','crosspost_parent':'t3_o9'}}",
                                 &orig);

    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "repost_of"), "t3_o9");
    assert_string_equal(str_at(p, "text"), "look at this");
    assert_null(orig);
    json_decref(p);
}

/* A crosspost list naming another post than crosspost_parent is not its
 * original: nothing is embedded and the repost keeps its own title. */
static void test_crosspost_list_of_another_post_is_not_its_original(void **state) {
    json_t *orig = NULL, *p = ok("{'kind':'t3','data':{'name':'t3_x1','title':'look at this','selftext':'',"
                                 "'author':'a','crosspost_parent':'t3_o9',"
                                 "'crosspost_parent_list':[{'name':'t3_zz','title':'other','author':'b'}]}}",
                                 &orig);

    (void)state;
    assert_string_equal(str_at(p, "event"), "repost");
    assert_string_equal(str_at(p, "repost_of"), "t3_o9");
    assert_string_equal(str_at(p, "text"), "look at this");
    assert_null(orig);
    json_decref(p);
}

static void test_crossposted_crosspost_original_is_kept_as_a_repost(void **state) {
    /* The original is itself a crosspost: it is normalised (a repost of
     * its own parent) rather than dropped for nesting. */
    json_t *orig = NULL,
           *p = ok("{'kind':'t3','data':{'name':'t3_x2','title':'again','author':'a','crosspost_parent':'t3_o1',"
                   "'crosspost_parent_list':[{'name':'t3_o1','title':'mid','selftext':'','author':'b',"
                   "'crosspost_parent':'t3_o0','crosspost_parent_list':[{'name':'t3_o0','title':'root',"
                   "'author':'c'}]}]}}",
                   &orig);

    assert_string_equal(str_at(p, "text"), "mid");
    assert_non_null(orig);
    assert_string_equal(str_at(orig, "id"), "t3_o1");
    assert_string_equal(str_at(orig, "event"), "repost");
    assert_string_equal(str_at(orig, "repost_of"), "t3_o0");
    assert_string_equal(str_at(orig, "text"), "mid");
    json_decref(orig);
    json_decref(p);
}

/* ---- details ------------------------------------------------------------ */

static void test_fullname_is_built_from_id_when_name_is_missing(void **state) {
    json_t *p = ok("{'kind':'t1','data':{'id':'abc9','body':'hi','author':'x','created_utc':1732185600}}", NULL);

    assert_string_equal(str_at(p, "id"), "t1_abc9");
    /* An integer created_utc is read as well as Reddit's 1732185600.0. */
    assert_string_equal(str_at(p, "created_at"), "2024-11-21T10:40:00Z");
    /* Without author_fullname the name stands in for the id. */
    assert_string_equal(str_at(json_object_get(p, "author"), "id"), "x");
    json_decref(p);
}

static void test_empty_author_name_falls_back_to_the_account(void **state) {
    json_t *p = ok("{'kind':'t1','data':{'name':'t1_a','body':'hi','author':'','author_fullname':'t2_z'}}", NULL);

    assert_string_equal(str_at(json_object_get(p, "author"), "id"), "t2_z");
    assert_string_equal(str_at(json_object_get(p, "author"), "handle"), "t2_z");
    json_decref(p);
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'hi','author':''}}", "reddit: data.author missing");
}

static void test_fractional_created_utc_is_cut_to_the_second(void **state) {
    json_t *p = ok("{'kind':'t1','data':{'name':'t1_a','body':'hi','author':'x','created_utc':1732185600.9}}", NULL);

    assert_string_equal(str_at(p, "created_at"), "2024-11-21T10:40:00Z");
    json_decref(p);
}

static void test_missing_created_utc_is_the_ingestion_time(void **state) {
    json_t *p = ok("{'kind':'t1','data':{'name':'t1_a','body':'hi','author':'x'}}", NULL);

    assert_string_equal(str_at(p, "created_at"), NOW);
    json_decref(p);
}

static void test_unsafe_permalink_makes_no_url(void **state) {
    json_t *p =
        ok("{'kind':'t1','data':{'name':'t1_a','body':'hi','author':'x','permalink':'//evil.example/x'}}", NULL);
    null_at(p, "url");
    json_decref(p);
    p = ok("{'kind':'t1','data':{'name':'t1_a','body':'hi','author':'x','permalink':'/r/a b/'}}", NULL);
    null_at(p, "url");
    json_decref(p);
}

static void test_u_mentions_need_a_boundary_and_a_real_name(void **state) {
    json_t *p = ok("{'kind':'t1','data':{'name':'t1_a','author':'x','body':'menu/settings and reddit.com/u/urlguy "
                   "and u/ab and (u/Paren_Guy) and /u/slash-guy and U/upper and u/PAREN_GUY'}}",
                   NULL);

    /* Case-insensitive dedup; "U/" is not Reddit's syntax. */
    list_is(p, "mentions", "Paren_Guy", "slash-guy", NULL);
    json_decref(p);
}

static void test_ups_stand_in_for_a_missing_score(void **state) {
    json_t *p = ok("{'kind':'t3','data':{'name':'t3_a','title':'t','author':'x','ups':7,'num_comments':2,"
                   "'num_crossposts':1}}",
                   NULL);

    assert_int_equal(metric(p, "likes"), 7);
    assert_int_equal(metric(p, "replies"), 2);
    assert_int_equal(metric(p, "reposts"), 1);
    json_decref(p);
}

static void test_every_fixture_child_normalises(void **state) {
    static const char *const files[] = {
        "new_first.json",    "new_before_c.json",   "new_before_f.json",         "new_latest.json",
        "new_before_h.json", "comments_first.json", "comments_cursor_gone.json", "search_first.json"};
    size_t total = 0;

    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        json_t *root = listing(files[f]);
        size_t n = json_array_size(json_object_get(json_object_get(root, "data"), "children"));
        for (size_t i = 0; i < n; i++) {
            json_t *p = child_post(files[f], i, NULL);
            const char *id = str_at(p, "id");
            assert_true(strncmp(id, "t1_", 3) == 0 || strncmp(id, "t3_", 3) == 0);
            assert_string_equal(str_at(p, "platform"), "reddit");
            json_decref(p);
            total++;
        }
        json_decref(root);
    }
    assert_int_equal(total, 18);
}

/* ---- recognition and errors -------------------------------------------- */

static void test_detect_claims_t1_and_t3_children_only(void **state) {
    json_t *v;

    v = json_loads("{\"kind\":\"t3\",\"data\":{\"id\":\"1\",\"text\":\"x\"}}", 0, NULL);
    assert_int_equal(rc_post_detect(v), RC_FMT_REDDIT);
    json_decref(v);
    v = json_loads("{\"kind\":\"t1\",\"data\":{}}", 0, NULL);
    assert_int_equal(rc_post_detect(v), RC_FMT_REDDIT);
    json_decref(v);
    /* An account (t2), a Listing, or t3 without a data object are not ours. */
    v = json_loads("{\"kind\":\"t2\",\"data\":{}}", 0, NULL);
    assert_int_not_equal(rc_post_detect(v), RC_FMT_REDDIT);
    json_decref(v);
    v = json_loads("{\"kind\":\"Listing\",\"data\":{\"children\":[]}}", 0, NULL);
    assert_int_not_equal(rc_post_detect(v), RC_FMT_REDDIT);
    json_decref(v);
    v = json_loads("{\"kind\":\"t3\",\"data\":\"x\"}", 0, NULL);
    assert_int_not_equal(rc_post_detect(v), RC_FMT_REDDIT);
    json_decref(v);
    /* X v2 is still X v2. */
    v = json_loads("{\"data\":{\"id\":\"1\",\"text\":\"x\",\"author_id\":\"2\"}}", 0, NULL);
    assert_int_equal(rc_post_detect(v), RC_FMT_X_V2);
    json_decref(v);
    assert_string_equal(rc_post_format_name(RC_FMT_REDDIT), "reddit");
    assert_int_equal(rc_post_format_by_name("reddit"), RC_FMT_REDDIT);
}

static void test_broken_children_are_told_why(void **state) {
    err_is("{'kind':'t1','data':{'name':'t1_a','author':'x'}}", "reddit: data.body missing");
    err_is("{'kind':'t3','data':{'name':'t3_a','author':'x'}}", "reddit: data.title missing");
    err_is("{'kind':'t1','data':{'name':'t3_a','body':'b','author':'x'}}",
           "reddit: data.name: \"t3_a\" is not a t1 fullname");
    err_is("{'kind':'t1','data':{'body':'b','author':'x'}}", "reddit: data.name missing");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'b'}}", "reddit: data.author missing");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'b','author':'x','created_utc':'1732185600'}}",
           "reddit: data.created_utc: expected a number of epoch seconds, got a string");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'b','author':'x','created_utc':-5}}",
           "reddit: data.created_utc: -5 is not a time between 1970 and 9999");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'b','author':'x','created_utc':1e300}}",
           "reddit: data.created_utc: 1e+300 is not a time between 1970 and 9999");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'b','author':'x','edited':'yes'}}",
           "reddit: data.edited: expected false or a number, got a string");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':'b','author':'x','score':'12'}}",
           "reddit: data.score: expected an integer, got a string");
    err_is("{'kind':'t3','data':{'name':'t3_a','title':'t','author':'x','num_comments':-1}}",
           "reddit: data.num_comments: a count cannot be negative");
    err_is("{'kind':'t1','data':{'name':'t1_a','body':7,'author':'x'}}",
           "reddit: data.body: expected a string, got an integer");
}

static void test_oversized_text_is_refused(void **state) {
    size_t n = 70000;
    char *body = malloc(n + 1), *payload;
    json_t *post;

    assert_non_null(body);
    memset(body, 'a', n);
    body[n] = '\0';
    assert_true(asprintf(&payload, "{\"kind\":\"t1\",\"data\":{\"name\":\"t1_a\",\"author\":\"x\",\"body\":\"%s\"}}",
                         body) > 0);
    post = rc_normalise(payload, strlen(payload), NOW, NULL, errbuf, sizeof(errbuf));
    assert_null(post);
    assert_string_equal(errbuf, "reddit: data.body is 70000 bytes, over the 65536-byte limit");
    free(payload);
    free(body);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_maps_every_field),
        cmocka_unit_test(test_link_with_edited_time_is_an_edit_of_the_same_id),
        cmocka_unit_test(test_link_decodes_title_reads_u_mentions_and_clamps_negative_score),
        cmocka_unit_test(test_link_without_selftext_is_its_title),
        cmocka_unit_test(test_comment_maps_reply_and_thread),
        cmocka_unit_test(test_comment_reply_to_a_comment_names_it),
        cmocka_unit_test(test_deleted_comment_is_a_tombstone),
        cmocka_unit_test(test_link_removed_by_moderators_is_a_tombstone_keeping_the_author),
        cmocka_unit_test(test_removed_text_by_a_known_author_without_removal_is_a_post),
        cmocka_unit_test(test_crosspost_is_a_repost_carrying_the_original),
        cmocka_unit_test(test_crosspost_without_its_original_keeps_its_own_title),
        cmocka_unit_test(test_crosspost_list_of_another_post_is_not_its_original),
        cmocka_unit_test(test_crossposted_crosspost_original_is_kept_as_a_repost),
        cmocka_unit_test(test_fullname_is_built_from_id_when_name_is_missing),
        cmocka_unit_test(test_empty_author_name_falls_back_to_the_account),
        cmocka_unit_test(test_fractional_created_utc_is_cut_to_the_second),
        cmocka_unit_test(test_missing_created_utc_is_the_ingestion_time),
        cmocka_unit_test(test_unsafe_permalink_makes_no_url),
        cmocka_unit_test(test_u_mentions_need_a_boundary_and_a_real_name),
        cmocka_unit_test(test_ups_stand_in_for_a_missing_score),
        cmocka_unit_test(test_every_fixture_child_normalises),
        cmocka_unit_test(test_detect_claims_t1_and_t3_children_only),
        cmocka_unit_test(test_broken_children_are_told_why),
        cmocka_unit_test(test_oversized_text_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
