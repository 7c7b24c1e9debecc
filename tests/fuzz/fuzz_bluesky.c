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

static const char *const post_fields[] = {
    "id",          "platform",        "author",   "text",     "created_at", "lang",          "url",
    "in_reply_to", "conversation_id", "mentions", "hashtags", "metrics",    "source_format", "ingested_at",
    "event",       "repost_of",       "quote_of", "edit_of"};
static const char *const opt_strings[] = {"lang",      "url",      "in_reply_to", "conversation_id",
                                          "repost_of", "quote_of", "edit_of"};
static const char *const metric_fields[] = {"likes", "reposts", "replies", "quotes"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static int str_or_null(const json_t *v) {
    return json_is_string(v) || json_is_null(v);
}

static void check_list(const json_t *arr) {
    size_t i;
    const json_t *v;

    if (!json_is_array(arr) || json_array_size(arr) > 256)
        abort();
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 256)
            abort();
    }
}

static void check_post(const json_t *post) {
    const json_t *author = json_object_get(post, "author"), *metrics = json_object_get(post, "metrics");
    const char *event;

    if (!json_is_object(post) || json_object_size(post) != N(post_fields))
        abort();
    for (size_t i = 0; i < N(post_fields); i++)
        if (!json_object_get(post, post_fields[i]))
            abort();
    for (size_t i = 0; i < N(opt_strings); i++)
        if (!str_or_null(json_object_get(post, opt_strings[i])))
            abort();
    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "text")) ||
        !json_is_string(json_object_get(post, "created_at")) ||
        strcmp(json_string_value(json_object_get(post, "platform")), "bluesky") != 0 ||
        strcmp(json_string_value(json_object_get(post, "source_format")), "bluesky") != 0 ||
        strncmp(json_string_value(json_object_get(post, "id")), "at://did:", 9) != 0 ||
        json_string_length(json_object_get(post, "text")) > 65536)
        abort();
    if (!json_is_object(author) || json_object_size(author) != 5 || !json_is_string(json_object_get(author, "id")) ||
        !json_is_string(json_object_get(author, "handle")) || !str_or_null(json_object_get(author, "name")) ||
        !json_is_integer(json_object_get(author, "followers")) || !json_is_boolean(json_object_get(author, "verified")))
        abort();
    if (!json_is_object(metrics) || json_object_size(metrics) != N(metric_fields))
        abort();
    for (size_t i = 0; i < N(metric_fields); i++)
        if (!json_is_integer(json_object_get(metrics, metric_fields[i])))
            abort();
    check_list(json_object_get(post, "mentions"));
    check_list(json_object_get(post, "hashtags"));
    event = json_string_value(json_object_get(post, "event"));
    if (!event ||
        (strcmp(event, "post") && strcmp(event, "edit") && strcmp(event, "delete") && strcmp(event, "repost")))
        abort();
    if ((strcmp(event, "repost") == 0) != json_is_string(json_object_get(post, "repost_of")))
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
