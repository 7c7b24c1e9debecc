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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[256];
    rc_post_format_t fmt;
    json_t *post, *orig = NULL;

    errstr[0] = '\0';
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", RC_FMT_GENERIC, &fmt, &orig, errstr,
                           sizeof(errstr));
    if (orig)
        abort();
    if (post) {
        rc_fz_check_post(post, NULL, "generic");
        char *s = json_dumps(post, JSON_COMPACT);
        if (!s)
            abort();
        free(s);
        json_decref(post);
    } else if (errstr[0] == '\0') {
        abort();
    }
    return 0;
}
