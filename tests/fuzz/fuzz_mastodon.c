/*
 * libFuzzer target for the Mastodon form alone (ingest/formats/mastodon.c):
 * rc_normalise_ex() restricted to RC_FMT_MASTODON, with the embedded
 * original of a reblog. Seeds in tests/fuzz/corpus/mastodon/ (the status
 * fixtures of tests/fixtures/mastodon/ and edge cases: rich text, quotes,
 * the stream's edit marker, integer ids); see docs/fuzzing.md.
 * fuzz-max-len: 8192 (a status with its account is under 3 KiB)
 *
 * Checks: never crash; a success is a Post with exactly the post.avsc
 * fields of the right types (post_check.h), and what the Mastodon mapping
 * promises: no delete (only the stream makes those, in the generic form),
 * no conversation_id or edit_of, repost_of exactly for a repost; an
 * embedded original comes only with a repost, is the status it names, and
 * is no repost itself; a failure always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "post_check.h"

static void check_mastodon(const json_t *post) {
    const char *event = json_string_value(json_object_get(post, "event"));

    rc_fz_check_post(post, "mastodon", "mastodon");
    if (strcmp(event, "delete") == 0 ||
        (strcmp(event, "repost") == 0) != json_is_string(json_object_get(post, "repost_of")) ||
        !json_is_null(json_object_get(post, "conversation_id")) || !json_is_null(json_object_get(post, "edit_of")))
        abort();
}

/* A reblog embeds the status it names, which is not itself a reblog. */
static void mastodon_pair(const json_t *post, const json_t *orig) {
    rc_fz_repost_names_orig(post, orig);
    if (strcmp(json_string_value(json_object_get(orig, "event")), "repost") == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rc_fz_normalise_as(data, size, RC_FMT_MASTODON, check_mastodon, mastodon_pair);
    return 0;
}
