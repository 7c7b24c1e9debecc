/*
 * The Request Tracker sink's pure parts: the REST2 request bodies it builds,
 * the urgency -> priority mapping, and how it reads RT's answers. The shapes
 * are the ones RT 5.0.3 gave in tests/integration/test_rt_sink.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/rt.h"

static rc_sink_rt_conf_t test_conf(void) {
    rc_sink_rt_conf_t c;
    memset(&c, 0, sizeof(c));
    c.url = "http://127.0.0.1:1";
    c.queue = "Social";
    c.priority_from_urgency = 1;
    return c;
}

static rc_sink_request_t test_req(void) {
    rc_sink_request_t r;
    memset(&r, 0, sizeof(r));
    r.case_key = "x:12345";
    r.subject = "RUDEST AGENT IN DENVER";
    r.body = "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39.\nNOT HAPPY @SWA.";
    r.priority = 90;
    r.requestor = "@angryflyer";
    return r;
}

static const char *str_field(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void test_rt_ticket_body_carries_queue_subject_content_and_plain_text_type(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    json_t *b = rc_rt_ticket_body(&c, &r);

    assert_non_null(b);
    assert_string_equal(str_field(b, "Queue"), "Social");
    assert_string_equal(str_field(b, "Subject"), "RUDEST AGENT IN DENVER");
    assert_string_equal(str_field(b, "Content"), r.body); /* newlines kept in the body */
    assert_string_equal(str_field(b, "ContentType"), "text/plain");
    assert_int_equal(json_integer_value(json_object_get(b, "Priority")), 100);
    json_decref(b);
}

static void test_rt_ticket_body_defaults_queue_to_general(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    c.queue = NULL;
    json_t *b = rc_rt_ticket_body(&c, &r);

    assert_string_equal(str_field(b, "Queue"), "General");
    json_decref(b);
}

static void test_rt_ticket_body_omits_priority_when_priority_from_urgency_is_off(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    c.priority_from_urgency = 0;
    json_t *b = rc_rt_ticket_body(&c, &r);

    assert_null(json_object_get(b, "Priority"));
    json_decref(b);
}

static void test_rt_ticket_body_omits_content_when_body_is_empty(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    r.body = "";
    json_t *b = rc_rt_ticket_body(&c, &r);

    assert_null(json_object_get(b, "Content"));
    assert_null(json_object_get(b, "ContentType"));
    assert_string_equal(str_field(b, "Subject"), "RUDEST AGENT IN DENVER");
    json_decref(b);
}

static void test_rt_priority_maps_urgency_onto_rt_low_medium_high(void **state) {
    assert_int_equal(rc_rt_priority_from_urgency(0), 0);
    assert_int_equal(rc_rt_priority_from_urgency(33), 0);
    assert_int_equal(rc_rt_priority_from_urgency(34), 50);
    assert_int_equal(rc_rt_priority_from_urgency(66), 50);
    assert_int_equal(rc_rt_priority_from_urgency(67), 100);
    assert_int_equal(rc_rt_priority_from_urgency(100), 100);
    /* Out-of-range urgency is clamped, not passed on. */
    assert_int_equal(rc_rt_priority_from_urgency(-5), 0);
    assert_int_equal(rc_rt_priority_from_urgency(250), 100);
}

static void test_rt_ticket_body_cuts_subject_to_200_chars_and_flattens_newlines(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    char subject[700];
    size_t n = 0;

    /* "é" is two bytes: the cut counts characters, not bytes. */
    memcpy(subject, "a\nb\tc", 5);
    n = 5;
    while (n < 5 + 2 * 250) {
        memcpy(subject + n, "\xC3\xA9", 2);
        n += 2;
    }
    subject[n] = '\0';
    r.subject = subject;
    json_t *b = rc_rt_ticket_body(&c, &r);
    const char *s = str_field(b, "Subject");

    assert_non_null(s);
    assert_memory_equal(s, "a b c", 5);
    assert_int_equal(strlen(s), 5 + 2 * (RC_RT_SUBJECT_MAX_CHARS - 5));
    json_decref(b);
}

static void test_rt_ticket_body_replaces_invalid_utf8_instead_of_failing(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    r.subject = "bad \xFF byte";
    r.body = "overlong \xC0\xAF and cut \xE2\x82";
    json_t *b = rc_rt_ticket_body(&c, &r);

    assert_non_null(b);
    assert_string_equal(str_field(b, "Subject"), "bad \xEF\xBF\xBD byte");
    assert_string_equal(str_field(b, "Content"), "overlong \xEF\xBF\xBD\xEF\xBF\xBD and cut \xEF\xBF\xBD\xEF\xBF\xBD");
    json_decref(b);
}

static void test_rt_ticket_body_sends_no_requestor_without_requestor_domain(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    json_t *b = rc_rt_ticket_body(&c, &r);

    /* RT drops a bare handle silently; sending it would only hide that. */
    assert_null(json_object_get(b, "Requestor"));
    json_decref(b);
}

static void test_rt_ticket_body_sends_requestor_address_under_requestor_domain(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    c.requestor_domain = "x.social.invalid";
    json_t *b = rc_rt_ticket_body(&c, &r);

    assert_string_equal(str_field(b, "Requestor"), "angryflyer@x.social.invalid");
    json_decref(b);
}

static void test_rt_requestor_address_maps_mastodon_handle_and_odd_characters(void **state) {
    char out[128];

    assert_int_equal(rc_rt_requestor_address("@Bob@mastodon.social", "social.invalid", out, sizeof(out)), 0);
    assert_string_equal(out, "bob.mastodon.social@social.invalid");
    assert_int_equal(rc_rt_requestor_address("bob.bsky.social", "d.invalid", out, sizeof(out)), 0);
    assert_string_equal(out, "bob.bsky.social@d.invalid");
    /* One '_' per non-ASCII character, quotes and spaces too; dots trimmed. */
    assert_int_equal(rc_rt_requestor_address(".J\xC3\xBCrgen O'Neil.", "d.invalid", out, sizeof(out)), 0);
    assert_string_equal(out, "j_rgen_o_neil@d.invalid");
}

static void test_rt_requestor_address_refuses_empty_handle_or_domain(void **state) {
    char out[64];

    assert_int_equal(rc_rt_requestor_address(NULL, "d.invalid", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_requestor_address("@", "d.invalid", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_requestor_address("@...", "d.invalid", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_requestor_address("@bob", NULL, out, sizeof(out)), -1);
    assert_int_equal(rc_rt_requestor_address("@bob", "", out, sizeof(out)), -1);
    /* Does not fit: refused rather than cut into another address. */
    assert_int_equal(rc_rt_requestor_address("@averyveryverylonghandle", "d.invalid", out, 16), -1);
}

static void test_rt_comment_body_has_subject_content_and_plain_text_type(void **state) {
    rc_sink_request_t r = test_req();
    json_t *b = rc_rt_comment_body(&r);

    assert_string_equal(str_field(b, "Subject"), "RUDEST AGENT IN DENVER");
    assert_string_equal(str_field(b, "Content"), r.body);
    assert_string_equal(str_field(b, "ContentType"), "text/plain");
    assert_null(json_object_get(b, "Queue"));
    json_decref(b);
}

static void test_rt_comment_body_falls_back_to_subject_when_body_is_empty(void **state) {
    rc_sink_request_t r = test_req();
    r.body = NULL;
    json_t *b = rc_rt_comment_body(&r);

    assert_string_equal(str_field(b, "Content"), "RUDEST AGENT IN DENVER");
    json_decref(b);
    r.subject = NULL;
    b = rc_rt_comment_body(&r);
    assert_string_equal(str_field(b, "Content"), "(follow-up with no text)");
    assert_null(json_object_get(b, "Subject"));
    json_decref(b);
}

static void test_rt_parse_created_takes_string_id(void **state) {
    static const char body[] = "{\"id\":\"123\",\"type\":\"ticket\",\"_url\":\"http://127.0.0.1:8080/REST/2.0/ticket/123\"}";
    char id[16], err[128];

    assert_int_equal(rc_rt_parse_created(body, strlen(body), id, sizeof(id), err, sizeof(err)), 0);
    assert_string_equal(id, "123");
}

static void test_rt_parse_created_takes_numeric_id(void **state) {
    static const char body[] = "{\"id\": 42, \"type\": \"ticket\"}";
    char id[16], err[128];

    assert_int_equal(rc_rt_parse_created(body, strlen(body), id, sizeof(id), err, sizeof(err)), 0);
    assert_string_equal(id, "42");
}

static void test_rt_parse_created_rejects_bodies_without_a_ticket_number(void **state) {
    static const char *const bad[] = {
        "",                                   /* empty */
        "<html>Login</html>",                 /* the web UI's login page */
        "[\"Ticket 1 created\"]",             /* JSON, not an object */
        "{\"type\":\"ticket\"}",              /* no id */
        "{\"id\":\"12a\"}",                   /* not a number */
        "{\"id\":\"../queue/1\"}",            /* would escape the URL path */
        "{\"id\":0}",                         /* RT ids start at 1 */
        "{\"id\":\"1234567890123456789012\"}" /* absurdly long */
    };
    char id[16], err[128];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(rc_rt_parse_created(bad[i], strlen(bad[i]), id, sizeof(id), err, sizeof(err)), -1);
        assert_string_equal(id, "");
        assert_true(strlen(err) > 0);
    }
}

static void test_rt_parse_created_rejects_id_too_long_for_buffer(void **state) {
    static const char body[] = "{\"id\":\"123456\"}";
    char id[4], err[128];

    assert_int_equal(rc_rt_parse_created(body, strlen(body), id, sizeof(id), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "does not fit"));
}

static void test_rt_error_detail_takes_message_from_json_error(void **state) {
    static const char body[] = "{\"message\":\"No permission to create tickets in the queue 'Nope'\"}";
    char out[256];

    rc_rt_error_detail(body, strlen(body), out, sizeof(out));
    assert_string_equal(out, "No permission to create tickets in the queue 'Nope'");
}

static void test_rt_error_detail_collapses_multiline_message(void **state) {
    /* RT's JSON parse errors end with a newline. */
    static const char body[] =
        "{\"message\":\"JSON parse error: '\\\"' expected, at character offset 1 (before \\\"bad\\\")\\n\"}";
    char out[256];

    rc_rt_error_detail(body, strlen(body), out, sizeof(out));
    assert_string_equal(out, "JSON parse error: '\"' expected, at character offset 1 (before \"bad\")");
}

static void test_rt_error_detail_joins_array_of_messages(void **state) {
    static const char body[] = "[\n   \"Comments added\",\n   \"Status changed\"\n]\n";
    char out[256];

    rc_rt_error_detail(body, strlen(body), out, sizeof(out));
    assert_string_equal(out, "Comments added; Status changed");
}

static void test_rt_error_detail_uses_text_of_non_json_body(void **state) {
    static const char body[] = "<html>\r\n<body>\n  502   Bad\tGateway </body></html>\n";
    char out[256];

    rc_rt_error_detail(body, strlen(body), out, sizeof(out));
    assert_string_equal(out, "<html> <body> 502 Bad Gateway </body></html>");
    rc_rt_error_detail("", 0, out, sizeof(out));
    assert_string_equal(out, "");
}

static void test_rt_error_detail_cuts_long_text_on_utf8_boundary(void **state) {
    char body[64], out[8];

    /* "aa" then 2-byte characters: 7 bytes of room hold "aa" + 2 chars + 1
     * byte, which must not be half a character. */
    strcpy(body, "{\"message\":\"aa\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"}");
    rc_rt_error_detail(body, strlen(body), out, sizeof(out));
    assert_string_equal(out, "aa\xC3\xA9\xC3\xA9");
}

static void test_rt_api_root_appends_rest2_and_accepts_it_already_there(void **state) {
    char out[128];

    assert_int_equal(rc_rt_api_root("http://127.0.0.1:8080", out, sizeof(out)), 0);
    assert_string_equal(out, "http://127.0.0.1:8080/REST/2.0");
    assert_int_equal(rc_rt_api_root("https://example.com/rt/", out, sizeof(out)), 0);
    assert_string_equal(out, "https://example.com/rt/REST/2.0");
    assert_int_equal(rc_rt_api_root("https://example.com/rt/REST/2.0/", out, sizeof(out)), 0);
    assert_string_equal(out, "https://example.com/rt/REST/2.0");
}

static void test_rt_api_root_rejects_non_http_urls(void **state) {
    char out[128];

    assert_int_equal(rc_rt_api_root("rt.example.com", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_api_root("ftp://rt.example.com", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_api_root("http://", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_api_root("https:///rt", out, sizeof(out)), -1);
    assert_int_equal(rc_rt_api_root("http://a.example.com", out, 10), -1);
}

static void test_rt_ticket_id_valid_accepts_only_ticket_numbers(void **state) {
    assert_true(rc_rt_ticket_id_valid("1"));
    assert_true(rc_rt_ticket_id_valid("123456"));
    assert_false(rc_rt_ticket_id_valid(""));
    assert_false(rc_rt_ticket_id_valid(NULL));
    assert_false(rc_rt_ticket_id_valid("0"));
    assert_false(rc_rt_ticket_id_valid("12/comment"));
    assert_false(rc_rt_ticket_id_valid("-3"));
}

static void test_rt_sink_is_registered_as_type_rt(void **state) {
    assert_ptr_equal(rc_sink_find("rt"), &rc_sink_rt);
    assert_int_equal(rc_sink_rt.conf_size, sizeof(rc_sink_rt_conf_t));
    assert_non_null(rc_sink_rt.follow_up);
}

static const rc_config_entry_t *find_entry(const char *name) {
    for (const rc_config_entry_t *e = rc_sink_rt_config; e->name; e++)
        if (!strcmp(e->name, name))
            return e;
    return NULL;
}

static void test_rt_config_table_requires_url_and_has_documented_defaults(void **state) {
    const rc_config_entry_t *e;

    assert_non_null(e = find_entry("url"));
    assert_true(e->required);
    assert_null(e->def);
    assert_non_null(e = find_entry("queue"));
    assert_string_equal(e->def, "General");
    assert_non_null(e = find_entry("timeout"));
    assert_int_equal(e->type, RC_CT_DURATION);
    assert_string_equal(e->def, "10s");
    assert_int_equal(e->offset, offsetof(rc_sink_rt_conf_t, timeout_ms));
    assert_non_null(e = find_entry("priority_from_urgency"));
    assert_int_equal(e->type, RC_CT_BOOL);
    assert_string_equal(e->def, "true");
    for (e = rc_sink_rt_config; e->name; e++) {
        assert_true(e->offset < sizeof(rc_sink_rt_conf_t));
        assert_non_null(e->desc);
    }
}

static void test_rt_init_rejects_missing_url_and_half_credentials(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    void *ctx = (void *)1;
    char err[256];

    c.url = NULL;
    assert_int_equal(rc_sink_rt.init(&ctx, &c, NULL, err, sizeof(err)), -1);
    assert_null(ctx);
    assert_non_null(strstr(err, "'url' is required"));

    c = test_conf();
    c.user = "root";
    assert_int_equal(rc_sink_rt.init(&ctx, &c, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'password'"));

    c = test_conf();
    c.url = "rt.example.com";
    assert_int_equal(rc_sink_rt.init(&ctx, &c, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "rt.example.com"));
    rc_sink_rt.destroy(NULL);
}

static void test_rt_follow_up_refuses_non_numeric_ticket_id_without_retry(void **state) {
    rc_sink_rt_conf_t c = test_conf();
    rc_sink_request_t r = test_req();
    rc_sink_result_t res;
    void *ctx = NULL;
    char err[256];

    assert_int_equal(rc_sink_rt.init(&ctx, &c, NULL, err, sizeof(err)), 0);
    assert_int_equal(rc_sink_rt.follow_up(ctx, "1/../../queue", &r, &res), -1);
    assert_false(res.retriable);
    assert_int_equal(res.http_status, 0);
    assert_non_null(strstr(res.detail, "not an RT ticket number"));
    rc_sink_rt.destroy(ctx);
}

static void test_rt_open_case_reports_unreachable_rt_as_retriable(void **state) {
    rc_sink_rt_conf_t c = test_conf(); /* port 1 on loopback: connection refused */
    rc_sink_request_t r = test_req();
    rc_sink_result_t res;
    void *ctx = NULL;
    char err[256];

    c.timeout_ms = 2000;
    assert_int_equal(rc_sink_rt.init(&ctx, &c, NULL, err, sizeof(err)), 0);
    assert_int_equal(rc_sink_rt.open_case(ctx, &r, &res), -1);
    assert_true(res.retriable);
    assert_int_equal(res.http_status, 0);
    assert_string_equal(res.external_id, "");
    assert_non_null(strstr(res.detail, "no answer from RT"));
    rc_sink_rt.destroy(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rt_ticket_body_carries_queue_subject_content_and_plain_text_type),
        cmocka_unit_test(test_rt_ticket_body_defaults_queue_to_general),
        cmocka_unit_test(test_rt_ticket_body_omits_priority_when_priority_from_urgency_is_off),
        cmocka_unit_test(test_rt_ticket_body_omits_content_when_body_is_empty),
        cmocka_unit_test(test_rt_priority_maps_urgency_onto_rt_low_medium_high),
        cmocka_unit_test(test_rt_ticket_body_cuts_subject_to_200_chars_and_flattens_newlines),
        cmocka_unit_test(test_rt_ticket_body_replaces_invalid_utf8_instead_of_failing),
        cmocka_unit_test(test_rt_ticket_body_sends_no_requestor_without_requestor_domain),
        cmocka_unit_test(test_rt_ticket_body_sends_requestor_address_under_requestor_domain),
        cmocka_unit_test(test_rt_requestor_address_maps_mastodon_handle_and_odd_characters),
        cmocka_unit_test(test_rt_requestor_address_refuses_empty_handle_or_domain),
        cmocka_unit_test(test_rt_comment_body_has_subject_content_and_plain_text_type),
        cmocka_unit_test(test_rt_comment_body_falls_back_to_subject_when_body_is_empty),
        cmocka_unit_test(test_rt_parse_created_takes_string_id),
        cmocka_unit_test(test_rt_parse_created_takes_numeric_id),
        cmocka_unit_test(test_rt_parse_created_rejects_bodies_without_a_ticket_number),
        cmocka_unit_test(test_rt_parse_created_rejects_id_too_long_for_buffer),
        cmocka_unit_test(test_rt_error_detail_takes_message_from_json_error),
        cmocka_unit_test(test_rt_error_detail_collapses_multiline_message),
        cmocka_unit_test(test_rt_error_detail_joins_array_of_messages),
        cmocka_unit_test(test_rt_error_detail_uses_text_of_non_json_body),
        cmocka_unit_test(test_rt_error_detail_cuts_long_text_on_utf8_boundary),
        cmocka_unit_test(test_rt_api_root_appends_rest2_and_accepts_it_already_there),
        cmocka_unit_test(test_rt_api_root_rejects_non_http_urls),
        cmocka_unit_test(test_rt_ticket_id_valid_accepts_only_ticket_numbers),
        cmocka_unit_test(test_rt_sink_is_registered_as_type_rt),
        cmocka_unit_test(test_rt_config_table_requires_url_and_has_documented_defaults),
        cmocka_unit_test(test_rt_init_rejects_missing_url_and_half_credentials),
        cmocka_unit_test(test_rt_follow_up_refuses_non_numeric_ticket_id_without_retry),
        cmocka_unit_test(test_rt_open_case_reports_unreachable_rt_as_retriable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
