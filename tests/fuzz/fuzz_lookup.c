/*
 * libFuzzer entry point for the customer lookup's parsing (enrich/lookup.h):
 * the CRM answer mapped through fixed field paths, the cached form read
 * back, the input's first line as a field path and as a handle in the URL
 * template.
 *
 * Built as fuzz_lookup by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.lookup (make test-fuzz); seeds in tests/fuzz/corpus/lookup/,
 * dictionary fuzz_lookup.dict, see docs/fuzzing.md.
 * fuzz-max-len: 4096 (an answer is a few hundred bytes)
 *
 * Contract checked: a mapped answer is {status: "ok", tier: null or a
 * UTF-8 string of at most 48 bytes, attributes: {name: string of at most
 * 256 bytes}}, it survives the cache (serialise, rc_lookup_parse_cached)
 * unchanged; whatever rc_lookup_parse_cached accepts has exactly status,
 * tier and attributes; a URL has only unreserved characters and %XX where
 * the handle went.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "util.h"

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c))                                                                                                      \
            abort();                                                                                                   \
    } while (0)

static void check_cached(const json_t *c) {
    const char *status = json_string_value(json_object_get(c, "status"));
    const json_t *tier = json_object_get(c, "tier"), *attrs = json_object_get(c, "attributes");
    const char *k;
    json_t *v;
    CHECK(status != NULL && (!strcmp(status, "ok") || !strcmp(status, "not_found")));
    CHECK(json_object_size(c) == 3 && (json_is_null(tier) || json_is_string(tier)) && json_is_object(attrs));
    json_object_foreach((json_t *)attrs, k, v) CHECK(json_is_string(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"tier", "since", "first", "whole", "top"};
    static const char *const paths[] = {"$.loyalty.tier", "loyalty.since", "accounts[0].id", "$", "$[1]"};
    char err[512];
    rc_lookup_fields_t *f = rc_lookup_fields_new(names, paths, 5, err, sizeof(err));
    CHECK(f != NULL);

    /* The input as a CRM answer. */
    json_t *c = rc_lookup_map_answer(f, (const char *)data, size, 2048, err, sizeof(err));
    if (c != NULL) {
        check_cached(c);
        CHECK(!strcmp(json_string_value(json_object_get(c, "status")), "ok"));
        const json_t *tier = json_object_get(c, "tier");
        CHECK(json_is_null(tier) || json_string_length(tier) <= 48);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c, "attributes"), k, v) CHECK(json_string_length(v) <= 256);
        char *s = json_dumps(c, JSON_COMPACT);
        CHECK(s != NULL);
        json_t *back = rc_lookup_parse_cached(s, strlen(s));
        CHECK(back != NULL && json_equal(back, c));
        rc_customer_t cust;
        rc_lookup_customer_of(back, &cust);
        CHECK(!strcmp(cust.status, "ok"));
        json_decref(back);
        free(s);
        json_decref(c);
    } else {
        CHECK(err[0] != '\0');
    }

    /* The input as a cached value. */
    json_t *cached = rc_lookup_parse_cached((const char *)data, size);
    if (cached != NULL) {
        check_cached(cached);
        json_decref(cached);
    }

    /* The first line as a path and as a handle. */
    size_t line = 0;
    while (line < size && line < 256 && data[line] != '\n' && data[line] != '\0')
        line++;
    char *first = strndup((const char *)data, line);
    CHECK(first != NULL);
    const char *one_name = "x";
    rc_lookup_fields_t *g = rc_lookup_fields_new(&one_name, (const char *const *)&first, 1, err, sizeof(err));
    if (g != NULL) {
        json_t *m = rc_lookup_map_answer(g, "{\"a\":{\"b\":[1,{\"c\":\"d\"}]}}", 25, 2048, err, sizeof(err));
        CHECK(m != NULL);
        json_decref(m);
        rc_lookup_fields_destroy(g);
    }
    char *url = rc_lookup_url("http://crm/c/{{handle}}", first, "x", "1", err, sizeof(err));
    CHECK(url != NULL);
    for (const char *p = url + strlen("http://crm/c/"); *p; p++) {
        if (*p == '%') {
            CHECK(strchr("0123456789ABCDEF", p[1]) && p[1] && strchr("0123456789ABCDEF", p[2]) && p[2]);
            p += 2;
        } else {
            CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", *p) != NULL);
        }
    }
    free(url);
    free(first);
    rc_lookup_fields_destroy(f);
    return 0;
}
