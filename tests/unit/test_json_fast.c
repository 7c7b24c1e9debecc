/*
 * The compact JSON writer (rc_json_dump_append, common/json_fast.c)
 * against json_dumps, the reference: the same bytes for every tree, or a
 * failure where json_dumps fails. Checked on hand-picked edge cases
 * (escapes, control characters, NUL inside a string, non-ASCII, integer
 * limits, reals of every magnitude and precision), on random trees, and on
 * the EnrichedPosts of examples/posts.jsonl (normalised, then analysed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyse.h"
#include "json_fast.h"
#include "normalise.h"
#include "source_file.h"

#include "rng_fixture.h"

/* The rule, for one tree and one precision. */
static void same_as_jansson(const json_t *j, int prec) {
    rc_jbuf_t b = {0};
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(prec);
    char *ref = json_dumps(j, flags);
    /* Something in front, to see that it appends and keeps it. */
    assert_int_equal(rc_json_dump_append(&b, json_true(), 0), 0);
    int rc = rc_json_dump_append(&b, j, prec);
    if (!ref) {
        assert_int_equal(rc, -1);
        assert_int_equal(b.len, 4); /* left as it was */
    } else {
        assert_int_equal(rc, 0);
        if (b.len != 4 + strlen(ref) || memcmp(b.buf + 4, ref, b.len - 4) != 0)
            fail_msg("precision %d:\n json_dumps %.400s\n ours       %.*s", prec, ref, (int)(b.len - 4), b.buf + 4);
    }
    assert_memory_equal(b.buf, "true", 4);
    free(ref);
    free(b.buf);
}

static void all_precisions(const json_t *j) {
    static const int precs[] = {0, 1, 3, 6, 10, 15, 17, 20, 30};
    for (size_t i = 0; i < sizeof(precs) / sizeof(precs[0]); i++)
        same_as_jansson(j, precs[i]);
}

static void test_strings_escape_as_jansson_does(void **state) {
    (void)state;
    static const char *const texts[] = {
        "",
        "plain",
        "quote \" backslash \\ slash / done",
        "\b\f\n\r\t",
        "\x01\x02\x1f\x7f",
        "caf\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x98\x80 \xe2\x9c\x88\xef\xb8\x8f",
        "<script>&amp;</script>",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_t *s = json_string(texts[i]);
        assert_non_null(s);
        all_precisions(s);
        /* As a key too. */
        json_t *o = json_object();
        json_object_set_new(o, texts[i], json_string(texts[i]));
        all_precisions(o);
        json_decref(o);
        json_decref(s);
    }
    /* NUL inside a string is written as \u0000. */
    json_t *nul = json_stringn("a\0b", 3);
    assert_non_null(nul);
    all_precisions(nul);
    json_decref(nul);
}

static void test_invalid_utf8_fails_as_in_jansson(void **state) {
    (void)state;
    static const char *const bad[] = {
        "\xff",         "\xc3",         "a\xc3(", "\xc0\xaf" /* overlong */, "\xed\xa0\x80" /* surrogate */,
        "\xf4\x90\x80\x80" /* > U+10FFFF */, "\xe0\x80\xaf",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *s = json_string_nocheck(bad[i]);
        json_t *a = json_pack("[s, o]", "ok", s);
        assert_non_null(a);
        same_as_jansson(a, 10);
        json_decref(a);
    }
}

static void test_numbers_are_spelled_as_jansson_does(void **state) {
    (void)state;
    static const json_int_t ints[] = {0, 1, -1, 9, 10, 42, -42, 1000000, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    static const double reals[] = {0.0,     -0.0,    1.0,      -1.0,   0.5,     0.1,      1.0 / 3,  -0.5423,
                                   0.4215,  1e-5,    1.5e-7,   1e21,   1e22,    1.7e308,  5e-324,   123456789.0,
                                   1e10,    1e15,    1e16,     1e17,   12345678901234567890.0,    -2.5e-300,
                                   100.0,   3.0e100, 0.000123, 1e-4,   99999.99};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        json_array_append_new(a, json_integer(ints[i]));
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
        json_array_append_new(a, json_real(reals[i]));
    all_precisions(a);
    for (size_t i = 0; i < json_array_size(a); i++)
        all_precisions(json_array_get(a, i));
    json_decref(a);
}

static void test_containers_and_literals(void **state) {
    (void)state;
    json_t *j = json_pack("{s:{}, s:[], s:[[], {}, [[]]], s:b, s:b, s:n, s:{s:{s:[i, s, f]}}}", "empty_obj", "empty_arr",
                          "nested", "t", 1, "f", 0, "nil", "deep", "er", "est", 1, "x", 2.5);
    assert_non_null(j);
    all_precisions(j);
    /* Insertion order, after deletions and re-insertions too. */
    json_t *o = json_object();
    for (int i = 0; i < 40; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", (i * 7) % 40);
        json_object_set_new(o, k, json_integer(i));
    }
    json_object_del(o, "k7");
    json_object_set_new(o, "k7", json_null());
    json_object_set_new(o, "k0", json_string("replaced"));
    all_precisions(o);
    json_decref(o);
    json_decref(j);
}

static json_t *random_value(int depth) {
    unsigned kind = below(depth > 4 ? 6 : 8);
    switch (kind) {
    case 0: return json_null();
    case 1: return json_boolean(below(2));
    case 2: return json_integer((json_int_t)(rnd() >> below(64)) * (below(2) ? 1 : -1));
    case 3: {
        double d = (double)(int64_t)rnd() / (double)(1ULL << below(63));
        for (unsigned e = below(40); e > 0; e--)
            d *= below(2) ? 1e-3 : 1e3;
        return json_real(d);
    }
    case 4:
    case 5: {
        static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\xc3\xa9",
                                             "\xe2\x80\x99", "\xf0\x9f\x98\x80", "\x7f", "{}", "0"};
        char buf[128];
        size_t n = 0, parts = below(12);
        for (size_t i = 0; i < parts; i++) {
            const char *p = pieces[below(sizeof(pieces) / sizeof(pieces[0]))];
            size_t l = strlen(p);
            memcpy(buf + n, p, l);
            n += l;
        }
        return json_stringn(buf, n);
    }
    case 6: {
        json_t *a = json_array();
        for (unsigned i = below(6); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = below(6); i > 0; i--) {
            char k[8];
            snprintf(k, sizeof(k), below(4) ? "k%u" : "\"\n%u", below(20));
            json_object_set_new(o, k, random_value(depth + 1));
        }
        return o;
    }
    }
}

static void test_random_trees_are_written_as_jansson_writes_them(void **state) {
    (void)state;
    for (int i = 0; i < 3000; i++) {
        json_t *j = random_value(0);
        assert_non_null(j);
        same_as_jansson(j, i % 3 == 0 ? 0 : i % 3 == 1 ? 10 : 17);
        json_decref(j);
    }
}

/* What file mode writes for every example post: EnrichedPosts. */
static void test_enriched_examples_are_written_as_jansson_writes_them(void **state) {
    (void)state;
    char err[512], *text = rc_test_read("examples/posts.jsonl", NULL);
    rc_analysers_t *an = rc_analysers_new(NULL, err, sizeof(err));
    assert_non_null(text);
    assert_non_null(an);
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *post = rc_normalise(line, strlen(line), "2026-11-22T08:00:00Z", NULL, err, sizeof(err));
        if (!post)
            continue; /* a delete, or a payload the example marks as bad */
        json_t *ep = rc_analyse(an, post, "2026-11-22T08:00:00.123Z", err, sizeof(err));
        if (ep) {
            same_as_jansson(ep, 10);
            n++;
        }
        json_decref(ep);
        json_decref(post);
    }
    assert_true(n >= 10);
    rc_analysers_destroy(an);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_escape_as_jansson_does),
        cmocka_unit_test(test_invalid_utf8_fails_as_in_jansson),
        cmocka_unit_test(test_numbers_are_spelled_as_jansson_does),
        cmocka_unit_test(test_containers_and_literals),
        cmocka_unit_test(test_random_trees_are_written_as_jansson_writes_them),
        cmocka_unit_test(test_enriched_examples_are_written_as_jansson_writes_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
