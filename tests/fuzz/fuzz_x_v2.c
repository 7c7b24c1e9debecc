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

static void check_x_v2(const json_t *post) {
    rc_fz_check_post(post, "x", "x_v2");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rc_fz_normalise_as(data, size, RC_FMT_X_V2, check_x_v2, rc_fz_repost_names_orig);
    return 0;
}
