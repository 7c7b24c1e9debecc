/*
 * libFuzzer target for the X API v2 form alone (ingest/formats/x_v2.c):
 * rc_normalise_ex() restricted to RC_FMT_X_V2, with the embedded original
 * of a repost. Seeds in tests/fuzz/corpus/x_v2/ (stream lines and split
 * search payloads of tests/fixtures/x/ and edge cases), dictionary
 * fuzz_x_v2.dict; see docs/fuzzing.md.
 * fuzz-max-len: 8192 (a stream line with its includes is under 3 KiB)
 *
 * Checks: never crash; a success is a Post with exactly the post.avsc fields
 * of the right types (the embedded original too, which is the one the
 * repost names); a failure always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "post_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[256];
    rc_post_format_t fmt = RC_FMT_UNKNOWN;
    json_t *orig = NULL, *post;

    errstr[0] = '\0';
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", RC_FMT_X_V2, &fmt, &orig, errstr,
                           sizeof(errstr));
    if (post) {
        char *s = json_dumps(post, JSON_COMPACT);
        if (!s || fmt != RC_FMT_X_V2)
            abort();
        free(s);
        rc_fz_check_post(post, "x", "x_v2");
        if (orig) {
            /* Only a repost embeds, and the original is the one it names. */
            rc_fz_check_post(orig, "x", "x_v2");
            if (strcmp(json_string_value(json_object_get(post, "event")), "repost") != 0 ||
                strcmp(json_string_value(json_object_get(post, "repost_of")),
                       json_string_value(json_object_get(orig, "id"))) != 0)
                abort();
        }
        json_decref(orig);
        json_decref(post);
    } else if (errstr[0] == '\0' || orig) {
        abort();
    }
    return 0;
}
