/* Shared by the normaliser tests (test_normalise.c, test_format_*.c):
 * readable single-quoted payloads, "must succeed as form F" and "must fail
 * with exactly this reason", field accessors that fail the test with the
 * field's name (fixture files: source_file.h). Header-only;
 * include once per test file, after cmocka.h. */
#ifndef RC_TEST_NORMALISE_FIXTURE_H
#define RC_TEST_NORMALISE_FIXTURE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "source_file.h"

#define NOW "2026-11-21T12:00:00Z"
#define RC_NFX_UNUSED __attribute__((unused))

static char errbuf[512];

/* Copy of "s" with ' turned into ". Caller frees. */
static RC_NFX_UNUSED char *q(const char *s) {
    char *d = strdup(s);
    assert_non_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

/* Normalises a single-quoted payload, which must succeed and be recognised
 * as "fmt"; the embedded original (or NULL) goes to *orig when "orig" is
 * non-NULL. Returns a new reference. */
static RC_NFX_UNUSED json_t *ok_as(const char *payload, rc_post_format_t fmt, json_t **orig) {
    char *s = q(payload);
    rc_post_format_t got = RC_FMT_UNKNOWN;
    json_t *o = NULL;
    json_t *post = rc_normalise_ex(s, strlen(s), NOW, RC_FMT_UNKNOWN, &got, &o, errbuf, sizeof(errbuf));

    if (!post)
        fail_msg("normalise failed: %s\n  payload: %s", errbuf, s);
    free(s);
    assert_int_equal(got, fmt);
    if (orig)
        *orig = o;
    else
        json_decref(o);
    return post;
}

/* Normalises a single-quoted payload, which must fail with exactly "want". */
static RC_NFX_UNUSED void err_is(const char *payload, const char *want) {
    char *s = q(payload);
    json_t *post = rc_normalise(s, strlen(s), NOW, NULL, errbuf, sizeof(errbuf));

    if (post) {
        json_decref(post);
        fail_msg("expected failure \"%s\" for %s", want, s);
    }
    free(s);
    assert_string_equal(errbuf, want);
}

static RC_NFX_UNUSED const char *str_at(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("%s is not a string", key);
    return json_string_value(v);
}

static RC_NFX_UNUSED const char *author_str(const json_t *post, const char *key) {
    return str_at(json_object_get(post, "author"), key);
}

static RC_NFX_UNUSED json_int_t int_at(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* obj[key] is present and JSON null. */
static RC_NFX_UNUSED void null_at(const json_t *obj, const char *key) {
    if (!json_is_null(json_object_get(obj, key)))
        fail_msg("%s is not null", key);
}

/* The list field "key" is exactly the NULL-terminated strings given. */
static RC_NFX_UNUSED void list_is(const json_t *post, const char *key, ...) {
    const json_t *arr = json_object_get(post, key);
    va_list ap;
    size_t i = 0;
    const char *want;

    assert_true(json_is_array(arr));
    va_start(ap, key);
    while ((want = va_arg(ap, const char *)) != NULL) {
        assert_true(i < json_array_size(arr));
        assert_string_equal(json_string_value(json_array_get(arr, i)), want);
        i++;
    }
    va_end(ap);
    assert_int_equal(json_array_size(arr), i);
}

#endif
