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

static void check_x_activity(const json_t *post) {
    rc_fz_check_post(post, "x", "x_activity");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rc_fz_normalise_as(data, size, RC_FMT_X_ACTIVITY, check_x_activity, rc_fz_repost_names_orig);
    return 0;
}
