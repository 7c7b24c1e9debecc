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
    char errstr[256];
    rc_post_format_t fmt = RC_FMT_UNKNOWN;
    json_t *post, *orig = NULL;

    errstr[0] = '\0';
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", RC_FMT_BLUESKY, &fmt, &orig, errstr,
                           sizeof(errstr));
    if (post) {
        char *s;
        if (fmt != RC_FMT_BLUESKY || orig)
            abort();
        check_post(post);
        s = json_dumps(post, JSON_COMPACT);
        if (!s)
            abort();
        free(s);
        json_decref(post);
    } else if (errstr[0] == '\0') {
        abort();
    }
    json_decref(orig);
    return 0;
}
