/*
 * libFuzzer entry point for the Mastodon format alone
 * (rc_normalise_ex(..., RC_FMT_MASTODON, ...)): status entities, reblogs
 * with their embedded original, edits, quotes, and the HTML of content.
 *
 * Built as fuzz_mastodon by -DRICOCHET_FUZZ=ON and run as fuzz.mastodon;
 * seeds in tests/fuzz/corpus/mastodon/ (the status fixtures of
 * tests/fixtures/mastodon/ plus small edge cases), see docs/fuzzing.md.
 * fuzz-max-len: 8192
 *
 * Besides "never crash", it checks what every caller relies on: a success
 * is a Post with exactly the fields of schemas/post.avsc and their types,
 * platform and source_format "mastodon", a repost names what it reposts,
 * and an embedded original (only a repost has one) is a Post of its own
 * that is no repost; a failure always says why.
 */
#include "normalise.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const post_fields[] = {
    "id",          "platform",        "author",   "text",     "created_at", "lang",          "url",
    "in_reply_to", "conversation_id", "mentions", "hashtags", "metrics",    "source_format", "ingested_at",
    "event",       "repost_of",       "quote_of", "edit_of"};
#define N_FIELDS (sizeof(post_fields) / sizeof(post_fields[0]))
static const char *const nullable[] = {"lang",      "url",      "in_reply_to", "conversation_id",
                                       "repost_of", "quote_of", "edit_of"};

static int str_or_null(const json_t *v) {
    return json_is_string(v) || json_is_null(v);
}

static int list_of_strings(const json_t *v) {
    size_t i;
    const json_t *e;
    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, e) if (!json_is_string(e)) return 0;
    return 1;
}

static void check_post(const json_t *post) {
    const json_t *author = json_object_get(post, "author"), *m = json_object_get(post, "metrics");
    const char *event;

    if (!json_is_object(post) || json_object_size(post) != N_FIELDS)
        abort();
    for (size_t i = 0; i < N_FIELDS; i++)
        if (!json_object_get(post, post_fields[i]))
            abort();
    if (!json_is_object(author) || json_object_size(author) != 5 || !json_is_string(json_object_get(author, "id")) ||
        !json_is_string(json_object_get(author, "handle")) || !str_or_null(json_object_get(author, "name")) ||
        !json_is_integer(json_object_get(author, "followers")) || !json_is_boolean(json_object_get(author, "verified")))
        abort();
    if (!json_is_object(m) || json_object_size(m) != 4 || !json_is_integer(json_object_get(m, "likes")) ||
        !json_is_integer(json_object_get(m, "reposts")) || !json_is_integer(json_object_get(m, "replies")) ||
        !json_is_integer(json_object_get(m, "quotes")))
        abort();
    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "text")) ||
        !json_is_string(json_object_get(post, "created_at")) || !json_is_string(json_object_get(post, "ingested_at")) ||
        json_string_length(json_object_get(post, "text")) > 65536)
        abort();
    if (strcmp(json_string_value(json_object_get(post, "platform")), "mastodon") != 0 ||
        strcmp(json_string_value(json_object_get(post, "source_format")), "mastodon") != 0)
        abort();
    for (size_t i = 0; i < sizeof(nullable) / sizeof(nullable[0]); i++)
        if (!str_or_null(json_object_get(post, nullable[i])))
            abort();
    if (!list_of_strings(json_object_get(post, "mentions")) || !list_of_strings(json_object_get(post, "hashtags")))
        abort();
    event = json_string_value(json_object_get(post, "event"));
    if (!event || (strcmp(event, "post") && strcmp(event, "edit") && strcmp(event, "repost")))
        abort(); /* a status is never a delete */
    if ((strcmp(event, "repost") == 0) != json_is_string(json_object_get(post, "repost_of")))
        abort();
    if (!json_is_null(json_object_get(post, "edit_of")) || !json_is_null(json_object_get(post, "conversation_id")))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[256];
    rc_post_format_t fmt = RC_FMT_UNKNOWN;
    json_t *post, *orig = NULL;

    errstr[0] = '\0';
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", RC_FMT_MASTODON, &fmt, &orig, errstr,
                           sizeof(errstr));
    if (post) {
        char *s;
        if (fmt != RC_FMT_MASTODON)
            abort();
        check_post(post);
        if (orig) {
            /* Only a repost embeds an original, which is not itself one,
             * and is the post the repost names. */
            if (strcmp(json_string_value(json_object_get(post, "event")), "repost") != 0)
                abort();
            check_post(orig);
            if (strcmp(json_string_value(json_object_get(orig, "event")), "repost") == 0 ||
                strcmp(json_string_value(json_object_get(orig, "id")),
                       json_string_value(json_object_get(post, "repost_of"))) != 0)
                abort();
        }
        s = json_dumps(post, JSON_COMPACT);
        if (!s)
            abort();
        free(s);
        json_decref(post);
        json_decref(orig);
    } else if (errstr[0] == '\0' || orig) {
        abort();
    }
    return 0;
}
