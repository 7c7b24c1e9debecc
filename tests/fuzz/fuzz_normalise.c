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

#include "post_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[256];
    rc_post_format_t fmt;
    json_t *post;

    errstr[0] = '\0';
    post = rc_normalise((const char *)data, size, "2026-11-21T12:00:00Z", &fmt, errstr, sizeof(errstr));
    if (post) {
        char *s;
        rc_fz_check_post(post, NULL, NULL);
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
