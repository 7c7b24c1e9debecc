/*
 * libFuzzer entry point for ricochet's generic post form
 * (ingest/formats/generic.c, docs/post-formats.md), recognition forced to
 * it so every input exercises it: events, tombstones without text or
 * author, platform names, supplied mention/hashtag lists.
 * fuzz-max-len: 4096
 *
 * Besides "never crash": a success satisfies the Post contract
 * (post_check.h) with source_format "generic", and the form never embeds an
 * original; a failure always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "post_check.h"

static void check_generic(const json_t *post) {
    rc_fz_check_post(post, NULL, "generic");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rc_fz_normalise_as(data, size, RC_FMT_GENERIC, check_generic, rc_fz_no_original);
    return 0;
}
