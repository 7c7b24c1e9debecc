/*
 * libFuzzer entry point for the normalisers (rc_normalise(): X API v2,
 * Mastodon, generic).
 *
 * Built as fuzz_normalise by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.normalise (make test-fuzz); seeds in tests/fuzz/corpus/normalise/
 * (lines of examples/posts.jsonl, one shape each, plus edge cases),
 * dictionary fuzz_normalise.dict, see docs/fuzzing.md.
 * fuzz-max-len: 8192 (the sample posts are under 1.3 KiB)
 *
 * Besides "never crash", it checks the contract every caller relies on: a
 * success is an object with exactly the Post fields, the required ones have
 * their types, and it serialises; a failure always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const post_fields[] = {"id",       "platform",   "author",        "text",
                                          "created_at", "lang",     "url",           "in_reply_to",
                                          "conversation_id", "mentions", "hashtags", "metrics",
                                          "source_format", "ingested_at"};
#define N_FIELDS (sizeof(post_fields) / sizeof(post_fields[0]))

static void check_post(const json_t *post) {
    const json_t *author = json_object_get(post, "author");

    if (!json_is_object(post) || json_object_size(post) != N_FIELDS)
        abort();
    for (size_t i = 0; i < N_FIELDS; i++)
        if (!json_object_get(post, post_fields[i]))
            abort();
    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "platform")) ||
        !json_is_string(json_object_get(post, "text")) || !json_is_string(json_object_get(post, "created_at")) ||
        !json_is_string(json_object_get(author, "id")) || !json_is_string(json_object_get(author, "handle")) ||
        !json_is_integer(json_object_get(author, "followers")) ||
        !json_is_array(json_object_get(post, "mentions")) || !json_is_array(json_object_get(post, "hashtags")) ||
        json_string_length(json_object_get(post, "text")) > 65536)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[256];
    rc_post_format_t fmt;
    json_t *post;

    errstr[0] = '\0';
    post = rc_normalise((const char *)data, size, "2026-11-21T12:00:00Z", &fmt, errstr, sizeof(errstr));
    if (post) {
        char *s;
        check_post(post);
        s = json_dumps(post, JSON_COMPACT);
        if (!s)
            abort();
        free(s);
        json_decref(post);
    } else if (errstr[0] == '\0') {
        abort();
    }
    return 0;
}
