/*
 * The fast payload parser (jsmn tokens -> jansson tree, in
 * common/json_fast.c) against json_loadb, the reference: whenever the fast
 * path answers, json_loadb must accept the same bytes and build the same
 * tree (same keys in the same order, same types, same values); when it
 * gives up, json_loadb decides as before. Checked on hand-picked edge
 * cases, on examples/posts.jsonl, on random documents and on thousands of
 * corruptions of them. Also pins that the fast path does answer for
 * ordinary payloads, escapes and big documents, so it is not vacuous.
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
#include "source_file.h"

#define RC_TEST_RNG_SEED 0x2545F4914F6CDD1DULL
#include "rng_fixture.h"

/* The tree's exact text: key order, integer vs real, -0.0 all show. */
static char *dump(const json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    assert_non_null(s);
    return s;
}

/* The rule. Returns 1 when the fast path answered. */
static int agree(const char *buf, size_t len) {
    json_error_t jerr;
    json_t *fast = rc_payload_parse_fast(buf, len);
    json_t *ref = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
    int answered = fast != NULL;

    if (fast) {
        if (!ref)
            fail_msg("fast path accepted what json_loadb refuses (%s): %.*s", jerr.text, (int)(len < 300 ? len : 300),
                     buf);
        char *a = dump(fast), *b = dump(ref);
        if (strcmp(a, b) || !json_equal(fast, ref))
            fail_msg("trees differ:\n fast %.300s\n ref  %.300s", a, b);
        free(a);
        free(b);
    }
    json_decref(fast);
    json_decref(ref);
    return answered;
}

static int agree_str(const char *s) {
    return agree(s, strlen(s));
}

static void test_fast_path_answers_ordinary_json_with_jansson_s_tree(void **state) {
    static const char *const valid[] = {
        "{}",
        " \t\r\n{ \"a\" : 1 , \"b\":[ ] ,\"c\":{ }}\n ",
        "{\"a\":true,\"b\":false,\"c\":null,\"d\":[true,false,null]}",
        "{\"n\":[0,-0,7,-7,123456789012345678,-123456789012345678]}",
        "{\"r\":[0.5,-0.0,1e3,1E-3,2.5e+10,-1.25E2,0.1,1e-300,3.4e38]}",
        "{\"s\":\"plain\",\"e\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
        "{\"u\":\"\\u00e9\\u20AC\\u0041\\ud83d\\ude00 and raw \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
        "{\"\\u0041b\":1,\"\xc3\xa9\":2,\"\":3}",
        "{\"dup\":1,\"x\":2,\"dup\":3}",
        "{\"deep\":[[[[[[[[[[{\"a\":[{\"b\":[1]}]}]]]]]]]]]]}",
        "{\"del\":\"\x7f\"}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        if (!agree_str(valid[i]))
            fail_msg("fast path gave up on %s", valid[i]);
}

static void test_fast_path_gives_up_on_what_jansson_must_judge(void **state) {
    static const char *const cases[] = {
        "",
        "   ",
        "[1,2]",
        "\"x\"",
        "5",
        "null",
        "{\"a\":1,}",
        "{,\"a\":1}",
        "{\"a\" 1}",
        "{\"a\" \"b\"}",
        "{\"a\"::1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1:2}",
        "{\"a\":{\"b\":1}:2}",
        "{\"a\":[1,,2]}",
        "{\"a\":[1 2]}",
        "{\"a\":[,1]}",
        "{\"a\":[1,]}",
        "{\"a\":[\"x\":1]}",
        "{\"a\":tru}",
        "{\"a\":truee}",
        "{\"a\":nul}",
        "{\"a\":NaN}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":1e+}",
        "{\"a\":+1}",
        "{\"a\":0x10}",
        "{\"a\":99999999999999999999}",
        "{\"a\":-9223372036854775808}",
        "{\"a\":9223372036854775807}",
        "{\"a\":1e400}",
        "{\"a\":-1e400}",
        "{\"a\":1e-400}",
        "{\"a\":\"\\u0000\"}",
        "{\"\\u0000\":1}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\ud800x\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\x41\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"nl\nhere\"}",
        "{\"a\":\"\xc3\"}",
        "{\"a\":\"\xc0\xaf\"}",
        "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}",
        "{\"\xff\":1}",
        "{\"a\":1}{\"b\":2}",
        "{\"a\":1} x",
        "{\"a\":1}]",
        "{\"a\":1",
        "{\"a\":[1}",
        "{\"a\":\"x}",
        "\xef\xbb\xbf{\"a\":1}",
        "{'a':1}",
        "{a:1}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        agree_str(cases[i]);
    /* A NUL byte inside the buffer: jsmn stops there, jansson does not. */
    agree("{\"a\":1}\0", 8);
    agree("{\"a\":\"x\0y\"}", 11);
    agree("{\"a\":1,\0\"b\":2}", 14);
}

/* A big document (more tokens than the fast path keeps on its stack) and
 * a deep one (beyond the fast path's depth limit). */
static void test_big_and_deep_documents(void **state) {
    size_t cap = 200000, o = 0;
    char *s = malloc(cap);
    (void)state;

    assert_non_null(s);
    o += (size_t)snprintf(s + o, cap - o, "{\"items\":[");
    for (int i = 0; i < 3000; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s{\"id\":%d,\"t\":\"x\\u00e9%d\"}", i ? "," : "", i, i);
    o += (size_t)snprintf(s + o, cap - o, "]}");
    assert_true(agree(s, o));

    o = (size_t)snprintf(s, cap, "{\"a\":");
    for (int i = 0; i < 200; i++)
        s[o++] = '[';
    for (int i = 0; i < 200; i++)
        s[o++] = ']';
    s[o++] = '}';
    agree(s, o);
    free(s);
}

/* Random documents: nested objects and arrays of every JSON type, strings
 * with escapes and UTF-8, odd whitespace. */
static void gen(char *s, size_t cap, size_t *o, int depth) {
    static const char *const strs[] = {"\"\"",        "\"abc\"",      "\"\\n\\t\\\"\"",
                                       "\"\\u00e9\"", "\"\xc3\xa9\"", "\"\\ud83d\\ude00\"",
                                       "\"\\/x\"",    "\"a b c\""};
    static const char *const prims[] = {"0",     "-1",   "42",  "1.5",          "-0.25e-3", "true",
                                        "false", "null", "1E2", "123456789012", "-0",       "6.02e23"};
    static const char *const ws[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
    unsigned k = depth > 4 ? 2 + below(2) : below(4);

#define PUT(str) (*o += (size_t)snprintf(s + *o, cap - *o, "%s", (str)))
    if (*o > cap - 200)
        k = 3;
    if (k == 0 || k == 1) {
        int n = (int)below(5);
        PUT(k == 0 ? "{" : "[");
        for (int i = 0; i < n && *o < cap - 400; i++) {
            PUT(ws[below(7)]);
            if (i)
                PUT(",");
            PUT(ws[below(7)]);
            if (k == 0) {
                PUT(strs[below(8)]);
                PUT(ws[below(7)]);
                PUT(":");
                PUT(ws[below(7)]);
            }
            gen(s, cap, o, depth + 1);
        }
        PUT(ws[below(7)]);
        PUT(k == 0 ? "}" : "]");
    } else if (k == 2) {
        PUT(strs[below(8)]);
    } else {
        PUT(prims[below(12)]);
    }
#undef PUT
}

/* Corrupts "s" in place (one edit); returns the new length. */
static size_t mutate(char *s, size_t len, size_t cap) {
    static const char bytes[] = {'"',  '\\', ',', ':', '{',  '}',    '[',    ']',    '0',    '-',    'e', '.', ' ',
                                 '\0', 'u',  'n', 't', '\n', '\x1f', '\x80', '\xc3', '\xed', '\xff', 'd', '8'};
    size_t at = len ? below((unsigned)len) : 0;

    switch (below(4)) {
    case 0: /* replace a byte */
        if (len)
            s[at] = bytes[below(sizeof(bytes))];
        return len;
    case 1: /* delete a byte */
        if (len)
            memmove(s + at, s + at + 1, len - at - 1);
        return len ? len - 1 : 0;
    case 2: /* insert a byte */
        if (len + 1 >= cap)
            return len;
        memmove(s + at + 1, s + at, len - at);
        s[at] = bytes[below(sizeof(bytes))];
        return len + 1;
    default: /* cut short */ return at;
    }
}

/* Whether "s" holds a run of 19 or more digits: an integer the fast path
 * leaves to jansson. */
static int has_long_integer(const char *s, size_t len) {
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        run = s[i] >= '0' && s[i] <= '9' ? run + 1 : 0;
        if (run >= 19)
            return 1;
    }
    return 0;
}

/* Checks each document and "rounds" corruptions of it. Every document
 * json_loadb accepts must have been read by the fast path too, unless it
 * holds an integer too long for it. */
static void check_corpus_and_corruptions(char **docs, size_t *lens, size_t n, int rounds, int *answered) {
    char buf[8192];
    json_error_t jerr;

    for (size_t i = 0; i < n; i++) {
        json_t *ref = json_loadb(docs[i], lens[i], JSON_DECODE_ANY, &jerr);
        int a = agree(docs[i], lens[i]);
        if (ref && !a && !has_long_integer(docs[i], lens[i]))
            fail_msg("fast path gave up on an ordinary document: %.*s", (int)(lens[i] < 300 ? lens[i] : 300), docs[i]);
        *answered += a;
        json_decref(ref);
        for (int r = 0; r < rounds; r++) {
            size_t len = lens[i] < sizeof(buf) / 2 ? lens[i] : sizeof(buf) / 2;
            memcpy(buf, docs[i], len);
            for (unsigned e = 1 + below(3); e > 0; e--)
                len = mutate(buf, len, sizeof(buf));
            agree(buf, len);
        }
    }
}

static void test_examples_and_their_corruptions_agree_with_jansson(void **state) {
    char *text, *line, *save = NULL;
    size_t len, n = 0;
    char *docs[1024];
    size_t lens[1024];
    int answered = 0;
    (void)state;

    text = rc_test_read("examples/posts.jsonl", &len);
    for (line = strtok_r(text, "\n", &save); line && n < 1024; line = strtok_r(NULL, "\n", &save)) {
        docs[n] = line;
        lens[n++] = strlen(line);
    }
    assert_true(n > 100);
    check_corpus_and_corruptions(docs, lens, n, 40, &answered);
    /* A few examples are broken on purpose; the fast path read the rest. */
    assert_true(answered > (int)n * 9 / 10);
    free(text);
}

static void test_random_documents_and_their_corruptions_agree_with_jansson(void **state) {
    enum { N = 400 };
    char *docs[N];
    size_t lens[N];
    int answered = 0;
    (void)state;

    for (int i = 0; i < N; i++) {
        size_t o = 0;
        docs[i] = malloc(4096);
        assert_non_null(docs[i]);
        /* The top level is an object (what payloads are). */
        while (o == 0 || docs[i][0] != '{') {
            o = 0;
            gen(docs[i], 4096, &o, 0);
        }
        lens[i] = o;
    }
    check_corpus_and_corruptions(docs, lens, N, 25, &answered);
    assert_int_equal(answered, N);
    for (int i = 0; i < N; i++)
        free(docs[i]);
}

/* End to end: rc_normalise reads with the fast path and, for what it
 * cannot read, reports what json_loadb says, as before. */
static void test_normalise_reports_jansson_s_error_for_invalid_json(void **state) {
    static const char *const bad[] = {"{\"text\":\"hi\",}", "{\"text\":\"a\\u0000\"}", "{\"a\":1} x", "{\"a\":01}"};
    char err[256], want[512];
    json_error_t jerr;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(json_loadb(bad[i], strlen(bad[i]), JSON_DECODE_ANY, &jerr));
        snprintf(want, sizeof(want), "line %d col %d: invalid JSON: %s", jerr.line, jerr.column, jerr.text);
        assert_null(rc_normalise(bad[i], strlen(bad[i]), "2026-11-22T06:00:00Z", NULL, err, sizeof(err)));
        assert_string_equal(err, want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_path_answers_ordinary_json_with_jansson_s_tree),
        cmocka_unit_test(test_fast_path_gives_up_on_what_jansson_must_judge),
        cmocka_unit_test(test_big_and_deep_documents),
        cmocka_unit_test(test_examples_and_their_corruptions_agree_with_jansson),
        cmocka_unit_test(test_random_documents_and_their_corruptions_agree_with_jansson),
        cmocka_unit_test(test_normalise_reports_jansson_s_error_for_invalid_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
