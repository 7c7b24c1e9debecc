/*
 * libFuzzer target for the X Account Activity form alone (ingest/formats/x_activity.c):
 * rc_normalise_ex() restricted to RC_FMT_X_ACTIVITY, with the embedded original
 * of a repost. Seeds in tests/fuzz/corpus/x_activity/ (one event of each kind from
 * tests/fixtures/x/activity-*.json and edge cases), dictionary
 * fuzz_x_activity.dict; see docs/fuzzing.md.
 * fuzz-max-len: 8192 (one v1.1 tweet event is under 4 KiB)
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
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", RC_FMT_X_ACTIVITY, &fmt, &orig, errstr,
                           sizeof(errstr));
    if (post) {
        char *s = json_dumps(post, JSON_COMPACT);
        if (!s || fmt != RC_FMT_X_ACTIVITY)
            abort();
        free(s);
        rc_fz_check_post(post, "x", "x_activity");
        if (orig) {
            /* Only a repost embeds, and the original is the one it names. */
            rc_fz_check_post(orig, "x", "x_activity");
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
