/*
 * libFuzzer entry point for the Reddit normaliser (ingest/formats/reddit.c:
 * a listing child, {"kind": "t1" | "t3", "data": {...}}).
 *
 * Built as fuzz_reddit by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.reddit (make test-fuzz); seeds in tests/fuzz/corpus/reddit/ (the
 * children of tests/fixtures/reddit/ listings, one each, plus edge cases:
 * tombstones, crossposts, odd created_utc/edited/score values),
 * dictionary fuzz_reddit.dict, see docs/fuzzing.md.
 * fuzz-max-len: 8192 (the fixture children are 2-3 KiB)
 *
 * Recognition is forced to the Reddit form, so every input exercises it.
 * Besides "never crash", it checks the contract every caller relies on: a
 * success is an object with exactly the fields of schemas/post.avsc, each
 * of its type (for the repost's embedded original too), and it serialises;
 * a failure always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "post_check.h"

/* The shared Post contract, plus what is Reddit's own: every id is a
 * fullname, and only a repost has repost_of. */
static void check_post(const json_t *post) {
    rc_fz_check_post(post, "reddit", "reddit");
    /* Every id is a fullname: "t1_..." or "t3_...". */
    if (strncmp(json_string_value(json_object_get(post, "id")), "t1_", 3) != 0 &&
        strncmp(json_string_value(json_object_get(post, "id")), "t3_", 3) != 0)
        abort();
    if ((strcmp(json_string_value(json_object_get(post, "event")), "repost") == 0) !=
        json_is_string(json_object_get(post, "repost_of")))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rc_fz_normalise_as(data, size, RC_FMT_REDDIT, check_post, rc_fz_repost_names_orig);
    return 0;
}
