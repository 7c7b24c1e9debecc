/*
 * libFuzzer entry point for the Bluesky Jetstream form alone
 * (ingest/formats/bluesky.c), seeded from tests/fuzz/corpus/bluesky/.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iingest -Icommon \
 *       tests/fuzz/fuzz_bluesky.c ingest/normalise.c ingest/normalise_util.c \
 *       ingest/formats/?*.c -ljansson -o fuzz_bluesky
 *   ./fuzz_bluesky -max_len=8192 tests/fuzz/corpus/bluesky
 *
 * Besides "never crash": a success is an object with exactly the Post
 * fields of schemas/post.avsc with their types (author and metrics too),
 * a facet mention never yields an empty or over-long entry, and a failure
 * always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "post_check.h"

/* The shared Post contract, plus what is Bluesky's own: every id is an
 * at:// URI of a DID, and only a repost has repost_of. */
static void check_post(const json_t *post) {
    rc_fz_check_post(post, "bluesky", "bluesky");
    if (strncmp(json_string_value(json_object_get(post, "id")), "at://did:", 9) != 0)
        abort();
    if ((strcmp(json_string_value(json_object_get(post, "event")), "repost") == 0) !=
        json_is_string(json_object_get(post, "repost_of")))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rc_fz_normalise_as(data, size, RC_FMT_BLUESKY, check_post, rc_fz_no_original);
    return 0;
}
