/*
 * The privacy analyser: emails, phone numbers and card numbers are replaced
 * in redacted_text (what tickets show); post.text is left alone; flight,
 * order and gate numbers, dates, times and prices are not phone numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "analyse.h"
#include "util.h"

#include "analysers_fixture.h"

/* Analyses "text" with "with" (NULL: the defaults). The caller owns it. */
static json_t *analyse_with(const rc_analysers_t *with, const char *text) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "id", "7", "platform", "generic", "author", "id",
                             "a1", "handle", "someone", "text", text, "lang", "en");
    assert_non_null(post);
    json_t *e = rc_analyse(with != NULL ? with : an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr));
    json_decref(post);
    if (e == NULL)
        fail_msg("rc_analyse(\"%s\"): %s", text, errstr);
    return e;
}

static rc_analysers_t *analysers_from(const char *yaml) {
    char errstr[512];
    rc_config_t *cfg = rc_config_load_string(yaml, "t.yaml", errstr, sizeof(errstr));
    if (cfg == NULL)
        fail_msg("%s", errstr);
    rc_analysers_t *a = rc_analysers_new(cfg, errstr, sizeof(errstr));
    rc_config_destroy(cfg);
    if (a == NULL)
        fail_msg("%s", errstr);
    return a;
}

/* Checks that "text" becomes "want" (and that post.text stays "text"). */
static void expect_with(const rc_analysers_t *with, const char *text, const char *want) {
    json_t *e = analyse_with(with, text);
    const char *got = json_string_value(json_object_get(e, "redacted_text"));
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("\"%s\"\n  expected \"%s\"\n  got      \"%s\"", text, want, got ? got : "(null)");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "post"), "text")), text);
    json_decref(e);
}

static void expect(const char *text, const char *want) {
    expect_with(NULL, text, want);
}

static void kept(const char *text) {
    expect_with(NULL, text, text);
}

/* redactions as "a,b" */
static const char *redactions_of(const rc_analysers_t *with, const char *text) {
    static char out[64];
    json_t *e = analyse_with(with, text);
    json_t *r = json_object_get(e, "redactions");
    size_t i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(r, i, v) {
        if (i > 0)
            strcat(out, ",");
        strncat(out, json_string_value(v), 20);
    }
    json_decref(e);
    return out;
}

static void test_privacy_email_addresses_are_redacted(void **state) {
    expect("mail me at jane.doe+travel@example.co.uk please", "mail me at [email] please");
    expect("JANE_DOE@EXAMPLE.COM.", "[email].");
    expect("(a.b-c@mail-host.example.org)", "([email])");
    expect("two: x@a.io, y@b.io", "two: [email], [email]");
    expect("caf\xc3\xa9 jos\xc3\xa9@exemple.fr \xe2\x98\x95", "caf\xc3\xa9 [email] \xe2\x98\x95");
    /* mentions and things that are not addresses */
    kept("@SWA thanks @united");
    kept("me@home and you@work");
    kept("a@b.c and @@ and x@.com and x@com.");
    kept("jane@example.c0m");
}

static void test_privacy_phone_numbers_in_common_formats_are_redacted(void **state) {
    expect("call +1 555 123 4567 now", "call [phone] now");
    expect("call +1-555-123-4567", "call [phone]");
    expect("UK office +44 20 7946 0958.", "UK office [phone].");
    expect("+44 (0)20 7946 0958", "[phone]");
    expect("ring (555) 123-4567 today", "ring [phone] today");
    expect("ring (555)123-4567", "ring [phone]");
    expect("555.123.4567", "[phone]");
    expect("my number is 555-123-4567, call me", "my number is [phone], call me");
    expect("mobile 07700 900123", "mobile [phone]");
    expect("+33 6 12 34 56 78", "[phone]");
    expect("local 555-1234", "local [phone]");
    expect("5551234567", "[phone]");
    expect("+4915112345678", "[phone]");
}

static void test_privacy_flight_order_gate_numbers_dates_times_and_prices_are_kept(void **state) {
    kept("order #55812 still missing");
    kept("flight 1234 to DEN, WN 2291 and WN1443");
    kept("gate B22, then C39");
    kept("Bag tag WN 448812. File reference BWIWN49267.");
    kept("booked 2026-11-22, back 22.11.2026 or 11-22-2026");
    kept("departs 2026-11-22 10:30, lands 14:05");
    kept("paid $1,299.99 and \xe2\x82\xac" "1500000 and 1299.99 USD and 1500000\xe2\x82\xac");
    kept("10.000.000 miles and 1 000 000 points");
    kept("server 192.168.100.200 is down");
    kept("order 55812345 and booking 1234567");
    kept("up 2500000% this year");
    kept("https://example.com/track?id=5551234567&ref=4111111111111111");
    kept("status/1992006524060666976");
    kept("HAPPY BDAY <33333333333333 and 7777777777 and 0000 0000 0000 0000");
}

static void test_privacy_card_numbers_that_pass_luhn_are_redacted(void **state) {
    expect("card 4111 1111 1111 1111 exp 12/27", "card [card] exp 12/27");
    expect("4111-1111-1111-1111", "[card]");
    expect("amex 378282246310005.", "amex [card].");
    expect("mc 5555555555554444", "mc [card]");
    expect("3782 822463 10005", "[card]");
    /* 16 digits that fail Luhn: an order number, kept (and too long for a phone) */
    kept("order 4111 1111 1111 1112 please");
    kept("ref 1234567812345678");
    assert_string_equal(redactions_of(NULL, "card 4111 1111 1111 1111"), "card");
    /* two numbers with only a space between are still two */
    expect("call +1 555 123 4567 4111111111111111 thanks", "call [phone] [card] thanks");
    expect("4111 1111 1111 1111 555-123-4567", "[card] [phone]");
}

static void test_privacy_redactions_lists_each_kind_once(void **state) {
    assert_string_equal(redactions_of(NULL, "nothing to see here"), "");
    assert_string_equal(redactions_of(NULL, "a@b.io c@d.io +1 555 123 4567 4111111111111111 555-1234"),
                        "email,phone,card");
    /* nothing redacted: redacted_text is the text itself */
    json_t *e = analyse_with(NULL, "flight 1234");
    assert_string_equal(json_string_value(json_object_get(e, "redacted_text")), "flight 1234");
    assert_int_equal(json_array_size(json_object_get(e, "redactions")), 0);
    json_decref(e);
}

static void test_privacy_switches_and_replacements_are_configurable(void **state) {
    const char *text = "x@y.io +1 555 123 4567 4111111111111111";
    rc_analysers_t *off = analysers_from("enrich:\n  privacy:\n    enabled: false\n");
    expect_with(off, text, text);
    rc_analysers_destroy(off);

    rc_analysers_t *no_email = analysers_from("enrich:\n  privacy:\n    emails: no\n");
    expect_with(no_email, text, "x@y.io [phone] [card]");
    rc_analysers_destroy(no_email);

    rc_analysers_t *no_phone = analysers_from("enrich:\n  privacy:\n    phones: off\n    cards: false\n");
    expect_with(no_phone, text, "[email] +1 555 123 4567 4111111111111111");
    rc_analysers_destroy(no_phone);

    rc_analysers_t *repl = analysers_from("enrich:\n  privacy:\n    replacement:\n      email: \"<e-mail>\"\n"
                                          "      phone: \"\xe2\x98\x8e\"\n      card: \"\"\n");
    expect_with(repl, text, "<e-mail> \xe2\x98\x8e ");
    rc_analysers_destroy(repl);

    rc_analysers_t *ten = analysers_from("enrich:\n  privacy:\n    phone_min_digits: 10\n");
    expect_with(ten, "local 555-1234 or 555-123-4567", "local 555-1234 or [phone]");
    rc_analysers_destroy(ten);
}

static void test_privacy_config_errors_name_file_and_line(void **state) {
    static const struct {
        const char *yaml, *want1, *want2;
    } cases[] = {
        {"enrich:\n  privacy:\n    phone_min_digits: 3\n", "t.yaml:3:", "phone_min_digits"},
        {"enrich:\n  privacy:\n    emails: maybe\n", "t.yaml:3:", "emails"},
        {"enrich:\n  privacy:\n    replacement:\n      phone: "
         "\"0123456789012345678901234567890123456789012345678901234567890123456789\"\n",
         "t.yaml:2: key 'enrich.privacy'", "replacement.phone"},
        {"enrich:\n  privacy:\n    replacement:\n      fax: x\n", "t.yaml:4:", "replacement.fax"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char errstr[512] = "";
        rc_config_t *cfg = rc_config_load_string(cases[i].yaml, "t.yaml", errstr, sizeof(errstr));
        assert_non_null(cfg);
        rc_analysers_t *a = rc_analysers_new(cfg, errstr, sizeof(errstr));
        rc_config_destroy(cfg);
        if (a != NULL)
            fail_msg("accepted: %s", cases[i].yaml);
        if (strstr(errstr, cases[i].want1) == NULL || strstr(errstr, cases[i].want2) == NULL)
            fail_msg("%s: error \"%s\" lacks \"%s\" or \"%s\"", cases[i].yaml, errstr, cases[i].want1,
                     cases[i].want2);
    }
}

static void test_privacy_utf8_around_matches_stays_valid(void **state) {
    expect("\xe2\x98\x8e\xef\xb8\x8f+1 555 123 4567\xf0\x9f\x93\x9e", "\xe2\x98\x8e\xef\xb8\x8f[phone]\xf0\x9f\x93\x9e");
    expect("\xc2\xab" "jane@example.com\xc2\xbb", "\xc2\xab[email]\xc2\xbb");
    expect("\xe2\x80\x9c" "555-123-4567\xe2\x80\x9d", "\xe2\x80\x9c[phone]\xe2\x80\x9d");
    expect("n\xc3\xbamero: 4111 1111 1111 1111 \xe2\x80\x94 gr\xc3\xa1" "cias",
           "n\xc3\xbamero: [card] \xe2\x80\x94 gr\xc3\xa1" "cias");
    expect("\xc3\xa9\xc3\xa9@\xc3\xa9.com x\xc3\xa9@example.com", "\xc3\xa9\xc3\xa9@\xc3\xa9.com [email]");

    /* Random mixes of multi-byte characters, digits and '@': whatever is
     * replaced, the result is valid UTF-8. */
    static const char *const parts[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "@", ".", "-", " ", "+",
                                        "(", ")", "5", "55", "555", "a", "x.io", "\xe2\x80\x99"};
    uint32_t seed = 7;
    for (int round = 0; round < 300; round++) {
        char text[400] = "";
        size_t n = 0;
        while (n < 300) {
            seed = seed * 1103515245u + 12345u;
            const char *p = parts[(seed >> 16) % (sizeof(parts) / sizeof(parts[0]))];
            memcpy(text + n, p, strlen(p));
            n += strlen(p);
        }
        text[n] = '\0';
        json_t *e = analyse_with(NULL, text);
        const char *got = json_string_value(json_object_get(e, "redacted_text"));
        assert_non_null(got);
        if (!rc_utf8_valid(got, strlen(got)))
            fail_msg("invalid UTF-8 from \"%s\": \"%s\"", text, got);
        json_decref(e);
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100 KiB of worst cases: every scan is linear, so each takes about as long
 * as a pass over the text (bounded generously here for valgrind). */
static void test_privacy_huge_inputs_take_bounded_work(void **state) {
    static const char *const units[] = {"a@", "a.", "1 ", "1-", "@a.b", "x@y.io ", "+1 555 123 4567 ", "9",
                                        "4111111111111111 "};
    const size_t size = 100 * 1024;
    char *text = malloc(size + 32);
    assert_non_null(text);
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t n = 0, len = strlen(units[u]);
        while (n + len <= size) {
            memcpy(text + n, units[u], len);
            n += len;
        }
        text[n] = '\0';
        double t0 = now_s();
        json_t *e = analyse_with(NULL, text);
        double dt = now_s() - t0;
        const char *got = json_string_value(json_object_get(e, "redacted_text"));
        assert_non_null(got);
        if (dt > 20.0)
            fail_msg("%zu x \"%s\" took %.1f s", n / len, units[u], dt);
        if (!strcmp(units[u], "x@y.io "))
            assert_non_null(strstr(got, "[email] [email] [email]"));
        if (!strcmp(units[u], "+1 555 123 4567 "))
            assert_non_null(strstr(got, "[phone] [phone] [phone]"));
        if (!strcmp(units[u], "4111111111111111 "))
            assert_non_null(strstr(got, "[card] [card] [card]"));
        if (!strcmp(units[u], "1 ") || !strcmp(units[u], "9"))
            assert_string_equal(got, text); /* one endless number is no phone */
        json_decref(e);
    }
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_privacy_email_addresses_are_redacted),
        cmocka_unit_test(test_privacy_phone_numbers_in_common_formats_are_redacted),
        cmocka_unit_test(test_privacy_flight_order_gate_numbers_dates_times_and_prices_are_kept),
        cmocka_unit_test(test_privacy_card_numbers_that_pass_luhn_are_redacted),
        cmocka_unit_test(test_privacy_redactions_lists_each_kind_once),
        cmocka_unit_test(test_privacy_switches_and_replacements_are_configurable),
        cmocka_unit_test(test_privacy_config_errors_name_file_and_line),
        cmocka_unit_test(test_privacy_utf8_around_matches_stays_valid),
        cmocka_unit_test(test_privacy_huge_inputs_take_bounded_work),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
