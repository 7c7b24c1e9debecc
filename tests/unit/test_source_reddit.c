/*
 * The pure part of the Reddit source (ingest/sources/reddit_listing.c): the
 * cursor map kept in the source's one cursor string, listing URLs, Listing
 * pages and the paging decisions the poller takes from them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "source_file.h"
#include "sources/reddit_listing.h"

static char errbuf[256];

static char *fixture(const char *name, size_t *len) {
    char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/reddit/%s", name);
    return rc_test_read(rel, len);
}

/* ---- the cursor --------------------------------------------------------- */

static void test_cursor_reads_marks_and_bare_fullnames(void **state) {
    json_t *m = rc_reddit_cursor_parse("{\"new:travel\":{\"name\":\"t3_1h2k3c\",\"created_utc\":1732185900},"
                                       "\"comments:travel\":\"t1_m0k2\"}",
                                       errbuf, sizeof(errbuf));
    const char *name;
    double ts;

    assert_non_null(m);
    rc_reddit_cursor_get(m, "new:travel", &name, &ts);
    assert_string_equal(name, "t3_1h2k3c");
    assert_true(ts == 1732185900.0);
    /* The short form a person might write by hand: no time known. */
    rc_reddit_cursor_get(m, "comments:travel", &name, &ts);
    assert_string_equal(name, "t1_m0k2");
    assert_true(ts == 0);
    rc_reddit_cursor_get(m, "search:x", &name, &ts);
    assert_null(name);
    assert_true(ts == 0);
    json_decref(m);
}

static void test_cursor_drops_entries_it_cannot_use(void **state) {
    /* Not fullnames of a link or comment, or not a string at all: dropped,
     * so the listing starts afresh instead of the source failing forever. */
    json_t *m = rc_reddit_cursor_parse("{\"a\":\"t2_user\",\"b\":42,\"c\":{\"name\":\"t3_X Y\"},"
                                       "\"d\":{\"created_utc\":5},\"e\":\"t3_ok1\"}",
                                       errbuf, sizeof(errbuf));

    assert_non_null(m);
    assert_int_equal(json_object_size(m), 1);
    assert_non_null(json_object_get(m, "e"));
    json_decref(m);
}

static void test_cursor_absent_is_empty_and_garbage_is_an_error(void **state) {
    json_t *m = rc_reddit_cursor_parse(NULL, errbuf, sizeof(errbuf));

    assert_non_null(m);
    assert_int_equal(json_object_size(m), 0);
    json_decref(m);
    m = rc_reddit_cursor_parse("", errbuf, sizeof(errbuf));
    assert_int_equal(json_object_size(m), 0);
    json_decref(m);
    /* Another source type's cursor (a bare id) is not ours. */
    assert_null(rc_reddit_cursor_parse("1234567890", errbuf, sizeof(errbuf)));
    assert_non_null(strstr(errbuf, "not a JSON object"));
    assert_null(rc_reddit_cursor_parse("[\"t3_a\"]", errbuf, sizeof(errbuf)));
    assert_string_equal(errbuf, "the stored cursor is not a JSON object (another JSON value)");
}

static void test_cursor_set_keeps_the_time_when_the_new_one_is_unknown(void **state) {
    json_t *m = json_object();
    const char *name;
    double ts;

    assert_int_equal(rc_reddit_cursor_set(m, "new:a", "t3_b", 1732185900.7), 0);
    assert_int_equal(rc_reddit_cursor_set(m, "new:a", "t3_c", 0), 0);
    rc_reddit_cursor_get(m, "new:a", &name, &ts);
    assert_string_equal(name, "t3_c");
    /* Stored in whole seconds. */
    assert_true(ts == 1732185900.0);
    json_decref(m);
}

static void test_cursor_dump_keeps_configured_listings_sorted(void **state) {
    const char *keys[] = {"search:delayed flight", "new:travel", "comments:travel"};
    json_t *m = rc_reddit_cursor_parse("{\"new:gone\":\"t3_old\"}", errbuf, sizeof(errbuf)), *back;
    char *s;
    const char *name;
    double ts;

    assert_int_equal(rc_reddit_cursor_set(m, "new:travel", "t3_1h2k3h", 1732186400), 0);
    assert_int_equal(rc_reddit_cursor_set(m, "search:delayed flight", "t3_1h2x9", 1732185990), 0);
    s = rc_reddit_cursor_dump(m, keys, 3);
    /* new:gone (no longer configured) is left out; comments:travel has no
     * mark yet. */
    assert_string_equal(s, "{\"new:travel\":{\"created_utc\":1732186400,\"name\":\"t3_1h2k3h\"},"
                           "\"search:delayed flight\":{\"created_utc\":1732185990,\"name\":\"t3_1h2x9\"}}");
    back = rc_reddit_cursor_parse(s, errbuf, sizeof(errbuf));
    rc_reddit_cursor_get(back, "search:delayed flight", &name, &ts);
    assert_string_equal(name, "t3_1h2x9");
    assert_true(ts == 1732185990.0);
    json_decref(back);
    json_decref(m);
    free(s);
}

/* ---- URLs --------------------------------------------------------------- */

static void url_is(const char *base, const char *key, long limit, const char *before, const char *after,
                   const char *want) {
    char *url = rc_reddit_listing_url(base, key, limit, before, after);
    if (!want) {
        assert_null(url);
        return;
    }
    assert_non_null(url);
    assert_string_equal(url, want);
    free(url);
}

static void test_listing_urls(void **state) {
    url_is("https://oauth.reddit.com", "new:travel", 100, NULL, NULL,
           "https://oauth.reddit.com/r/travel/new?limit=100");
    /* A trailing slash on the base is not doubled. */
    url_is("http://127.0.0.1:8080/", "comments:travel", 3, "t1_m0k2", NULL,
           "http://127.0.0.1:8080/r/travel/comments?limit=3&before=t1_m0k2");
    url_is("https://oauth.reddit.com", "new:a+b", 25, NULL, "t3_x",
           "https://oauth.reddit.com/r/a+b/new?limit=25&after=t3_x");
    url_is("https://oauth.reddit.com", "search:delayed flight & refund/EU261 ~ok", 100, "t3_a", NULL,
           "https://oauth.reddit.com/search?q=delayed%20flight%20%26%20refund%2FEU261%20~ok&sort=new&type=link"
           "&limit=100&before=t3_a");
    /* UTF-8 is encoded byte by byte. */
    url_is("https://oauth.reddit.com", "search:\xc3\xa9t\xc3\xa9", 1, NULL, NULL,
           "https://oauth.reddit.com/search?q=%C3%A9t%C3%A9&sort=new&type=link&limit=1");
    /* A corrupt mark cannot change the query's shape. */
    url_is("https://h", "new:a", 1, "t3_a&x=1", NULL, "https://h/r/a/new?limit=1&before=t3_a%26x%3D1");
    url_is("https://h", "hot:travel", 1, NULL, NULL, NULL);
    url_is("https://h", "new:../../api", 1, NULL, NULL, NULL);
    url_is("https://h", "search:", 1, NULL, NULL, NULL);
}

static void test_subreddit_names(void **state) {
    assert_true(rc_reddit_subreddit_ok("travel"));
    assert_true(rc_reddit_subreddit_ok("Air_Travel2"));
    assert_true(rc_reddit_subreddit_ok("travel+flights"));
    assert_false(rc_reddit_subreddit_ok(""));
    assert_false(rc_reddit_subreddit_ok("r/travel"));
    assert_false(rc_reddit_subreddit_ok("travel?x=1"));
    assert_false(rc_reddit_subreddit_ok("tr avel"));
    assert_false(rc_reddit_subreddit_ok(NULL));
}

/* ---- pages -------------------------------------------------------------- */

static void test_page_of_a_fixture_listing(void **state) {
    size_t len;
    char *body = fixture("new_first.json", &len);
    rc_reddit_page_t page;

    assert_int_equal(rc_reddit_page_parse(body, len, &page, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(page.n, 3);
    assert_string_equal(page.items[0].name, "t3_1h2k3c");
    assert_true(page.items[0].created_utc == 1732185900.0);
    assert_string_equal(page.items[2].name, "t3_1h2k3a");
    assert_null(page.before);
    assert_string_equal(page.after, "t3_1h2k3a");
    assert_string_equal(json_string_value(json_object_get(page.items[1].child, "kind")), "t3");
    rc_reddit_page_free(&page);
    rc_reddit_page_free(&page); /* safe twice: zeroed */
    free(body);

    body = fixture("new_before_c.json", &len);
    assert_int_equal(rc_reddit_page_parse(body, len, &page, errbuf, sizeof(errbuf)), 0);
    /* A full before= page: Reddit names its newest in data.before. */
    assert_string_equal(page.before, "t3_1h2k3f");
    assert_null(page.after);
    rc_reddit_page_free(&page);
    free(body);

    body = fixture("empty.json", &len);
    assert_int_equal(rc_reddit_page_parse(body, len, &page, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(page.n, 0);
    assert_null(page.items);
    rc_reddit_page_free(&page);
    free(body);
}

#define P1 "{\"kind\":\"t3\",\"data\":{}}"
#define P2 "{\"kind\":\"Listing\",\"data\":{\"children\":{}}}"
#define P3 "{\"kind\":\"Listing\"}"
static void test_page_that_is_not_a_whole_listing_is_refused(void **state) {
    size_t len;
    char *body = fixture("new_before_c_truncated.json", &len);
    rc_reddit_page_t page;

    assert_int_equal(rc_reddit_page_parse(body, len, &page, errbuf, sizeof(errbuf)), -1);
    assert_non_null(strstr(errbuf, "invalid JSON"));
    assert_null(page.root);
    free(body);

    body = fixture("too_many_requests.json", &len);
    assert_int_equal(rc_reddit_page_parse(body, len, &page, errbuf, sizeof(errbuf)), -1);
    assert_string_equal(errbuf, "not a Listing: kind is missing");
    free(body);

    assert_int_equal(rc_reddit_page_parse(P1, strlen(P1), &page, errbuf, sizeof(errbuf)), -1);
    assert_string_equal(errbuf, "not a Listing: kind is \"t3\"");
    assert_int_equal(rc_reddit_page_parse(P2, strlen(P2), &page, errbuf, sizeof(errbuf)), -1);
    assert_string_equal(errbuf, "data.children: expected an array");
    assert_int_equal(rc_reddit_page_parse(P3, strlen(P3), &page, errbuf, sizeof(errbuf)), -1);
    assert_string_equal(errbuf, "data: expected an object");
    assert_int_equal(rc_reddit_page_parse(NULL, 0, &page, errbuf, sizeof(errbuf)), -1);
}

static void test_page_children_without_a_fullname_are_kept_unnamed(void **state) {
    const char *body = "{\"kind\":\"Listing\",\"data\":{\"after\":null,\"before\":null,\"children\":["
                       "{\"kind\":\"t3\",\"data\":{\"title\":\"no name\",\"created_utc\":\"soon\"}},"
                       "7,"
                       "{\"kind\":\"t1\",\"data\":{\"name\":\"t1_ok\",\"created_utc\":1732185600.0}}]}}";
    rc_reddit_page_t page;

    assert_int_equal(rc_reddit_page_parse(body, strlen(body), &page, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(page.n, 3);
    assert_null(page.items[0].name);
    assert_true(page.items[0].created_utc == 0);
    assert_null(page.items[1].name);
    assert_true(json_is_integer(page.items[1].child));
    assert_string_equal(page.items[2].name, "t1_ok");
    assert_int_equal(rc_reddit_newest_named(page.items, page.n), 2);
    assert_int_equal(rc_reddit_newest_named(page.items, 2), -1);
    rc_reddit_page_free(&page);
}

/* ---- paging decisions --------------------------------------------------- */

/* A page of items named t3_<c> for each character of "names", newest first,
 * created at base + 10 * (position from the end). */
static size_t items_of(rc_reddit_item_t *items, char names[][8], const char *spec, double base) {
    size_t n = strlen(spec);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 8, "t3_%c", spec[i]);
        items[i].child = NULL;
        items[i].name = names[i];
        items[i].created_utc = base + 10.0 * (double)(n - 1 - i);
    }
    return n;
}

static void test_forward_page_is_all_new_and_full_pages_go_on(void **state) {
    rc_reddit_item_t items[8];
    char names[8][8];
    size_t n = items_of(items, names, "fed", 1000);
    rc_reddit_step_t st = rc_reddit_select(items, n, "t3_c", 990, RC_REDDIT_FORWARD, 3);

    assert_int_equal(st.n_new, 3);
    assert_false(st.found);
    assert_true(st.more);
    st = rc_reddit_select(items, 2, "t3_c", 990, RC_REDDIT_FORWARD, 3);
    assert_int_equal(st.n_new, 2);
    assert_false(st.more);
}

static void test_forward_page_holding_the_mark_stops_there(void **state) {
    /* A server that ignored before= and sent the newest page: only what is
     * above the mark is new, and the walk ends. */
    rc_reddit_item_t items[8];
    char names[8][8];
    size_t n = items_of(items, names, "edc", 1000);
    rc_reddit_step_t st = rc_reddit_select(items, n, "t3_d", 1010, RC_REDDIT_FORWARD, 3);

    assert_int_equal(st.n_new, 1);
    assert_true(st.found);
    assert_false(st.more);
    st = rc_reddit_select(items, n, "t3_e", 1020, RC_REDDIT_FORWARD, 3);
    assert_int_equal(st.n_new, 0);
    assert_false(st.more);
}

static void test_backward_without_a_mark_takes_one_page(void **state) {
    rc_reddit_item_t items[8];
    char names[8][8];
    size_t n = items_of(items, names, "cba", 1000);
    rc_reddit_step_t st = rc_reddit_select(items, n, NULL, 0, RC_REDDIT_BACKWARD, 3);

    assert_int_equal(st.n_new, 3);
    assert_false(st.more);
}

static void test_backward_with_the_mark_listed_takes_what_is_above(void **state) {
    rc_reddit_item_t items[8];
    char names[8][8];
    size_t n = items_of(items, names, "hgf", 1000);
    rc_reddit_step_t st = rc_reddit_select(items, n, "t3_h", 1020, RC_REDDIT_BACKWARD, 3);

    /* The usual idle check after an empty before=: nothing new. */
    assert_int_equal(st.n_new, 0);
    assert_true(st.found);
    assert_false(st.more);
    st = rc_reddit_select(items, n, "t3_f", 1000, RC_REDDIT_BACKWARD, 3);
    assert_int_equal(st.n_new, 2);
    assert_false(st.more);
}

static void test_backward_with_the_mark_gone_goes_by_time(void **state) {
    rc_reddit_item_t items[8];
    char names[8][8];
    size_t n = items_of(items, names, "edcb", 1000); /* e 1030, d 1020, c 1010, b 1000 */
    rc_reddit_step_t st;

    /* The mark (t3_x, created 1015) was deleted: e and d are newer, c and b
     * older. */
    st = rc_reddit_select(items, n, "t3_x", 1015, RC_REDDIT_BACKWARD, 4);
    assert_int_equal(st.n_new, 2);
    assert_false(st.found);
    assert_false(st.more);
    /* Created in the same second as the mark: taken (a repeat is dropped
     * downstream; a miss would be lost). */
    st = rc_reddit_select(items, n, "t3_x", 1010, RC_REDDIT_BACKWARD, 4);
    assert_int_equal(st.n_new, 3);
    /* The whole full page is newer: the next page may hold more. */
    st = rc_reddit_select(items, n, "t3_x", 990, RC_REDDIT_BACKWARD, 4);
    assert_int_equal(st.n_new, 4);
    assert_true(st.more);
    /* ... but not when the page was short: that was the end. */
    st = rc_reddit_select(items, n, "t3_x", 990, RC_REDDIT_BACKWARD, 5);
    assert_int_equal(st.n_new, 4);
    assert_false(st.more);
    /* A mark without a time cannot be placed: one page, no crawl. */
    st = rc_reddit_select(items, n, "t3_x", 0, RC_REDDIT_BACKWARD, 4);
    assert_int_equal(st.n_new, 4);
    assert_false(st.more);
}

static void test_backward_keeps_items_without_a_time(void **state) {
    rc_reddit_item_t items[8];
    char names[8][8];
    size_t n = items_of(items, names, "dcb", 1000);
    rc_reddit_step_t st;

    items[1].created_utc = 0;
    st = rc_reddit_select(items, n, "t3_x", 1015, RC_REDDIT_BACKWARD, 3);
    assert_int_equal(st.n_new, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_reads_marks_and_bare_fullnames),
        cmocka_unit_test(test_cursor_drops_entries_it_cannot_use),
        cmocka_unit_test(test_cursor_absent_is_empty_and_garbage_is_an_error),
        cmocka_unit_test(test_cursor_set_keeps_the_time_when_the_new_one_is_unknown),
        cmocka_unit_test(test_cursor_dump_keeps_configured_listings_sorted),
        cmocka_unit_test(test_listing_urls),
        cmocka_unit_test(test_subreddit_names),
        cmocka_unit_test(test_page_of_a_fixture_listing),
        cmocka_unit_test(test_page_that_is_not_a_whole_listing_is_refused),
        cmocka_unit_test(test_page_children_without_a_fullname_are_kept_unnamed),
        cmocka_unit_test(test_forward_page_is_all_new_and_full_pages_go_on),
        cmocka_unit_test(test_forward_page_holding_the_mark_stops_there),
        cmocka_unit_test(test_backward_without_a_mark_takes_one_page),
        cmocka_unit_test(test_backward_with_the_mark_listed_takes_what_is_above),
        cmocka_unit_test(test_backward_with_the_mark_gone_goes_by_time),
        cmocka_unit_test(test_backward_keeps_items_without_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
