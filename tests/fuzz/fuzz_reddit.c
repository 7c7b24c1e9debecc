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

/* schemas/post.avsc, in order: name and whether it is ["null", "string"]. */
static const struct {
    const char *name;
    int nullable_string;
} post_fields[] = {{"id", 0},
                   {"platform", 0},
                   {"author", 0},
                   {"text", 0},
                   {"created_at", 0},
                   {"lang", 1},
                   {"url", 1},
                   {"in_reply_to", 1},
                   {"conversation_id", 1},
                   {"mentions", 0},
                   {"hashtags", 0},
                   {"metrics", 0},
                   {"source_format", 0},
                   {"ingested_at", 0},
                   {"event", 0},
                   {"repost_of", 1},
                   {"quote_of", 1},
                   {"edit_of", 1}};
#define N_FIELDS (sizeof(post_fields) / sizeof(post_fields[0]))

static void check_strings(const json_t *arr) {
    size_t i;
    const json_t *v;

    if (!json_is_array(arr))
        abort();
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            abort();
    }
}

static void check_post(const json_t *post) {
    const json_t *author = json_object_get(post, "author"), *metrics = json_object_get(post, "metrics");
    static const char *const counts[] = {"likes", "reposts", "replies", "quotes"};
    const char *event;

    if (!json_is_object(post) || json_object_size(post) != N_FIELDS)
        abort();
    for (size_t i = 0; i < N_FIELDS; i++) {
        const json_t *v = json_object_get(post, post_fields[i].name);
        if (!v || (post_fields[i].nullable_string && !json_is_null(v) && !json_is_string(v)))
            abort();
    }
    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "text")) ||
        !json_is_string(json_object_get(post, "created_at")) || !json_is_string(json_object_get(post, "ingested_at")))
        abort();
    if (strcmp(json_string_value(json_object_get(post, "platform")), "reddit") != 0 ||
        strcmp(json_string_value(json_object_get(post, "source_format")), "reddit") != 0)
        abort();
    /* Every id is a fullname: "t1_..." or "t3_...". */
    if (strncmp(json_string_value(json_object_get(post, "id")), "t1_", 3) != 0 &&
        strncmp(json_string_value(json_object_get(post, "id")), "t3_", 3) != 0)
        abort();
    if (json_string_length(json_object_get(post, "created_at")) != 20 ||
        json_string_length(json_object_get(post, "text")) > 65536)
        abort();
    event = json_string_value(json_object_get(post, "event"));
    if (!event ||
        (strcmp(event, "post") && strcmp(event, "edit") && strcmp(event, "delete") && strcmp(event, "repost")))
        abort();
    if ((strcmp(event, "repost") == 0) != json_is_string(json_object_get(post, "repost_of")))
        abort();
    if (!json_is_object(author) || json_object_size(author) != 5 || !json_is_string(json_object_get(author, "id")) ||
        !json_is_string(json_object_get(author, "handle")) ||
        !(json_is_null(json_object_get(author, "name")) || json_is_string(json_object_get(author, "name"))) ||
        !json_is_integer(json_object_get(author, "followers")) || !json_is_boolean(json_object_get(author, "verified")))
        abort();
    if (!json_is_object(metrics) || json_object_size(metrics) != 4)
        abort();
    for (size_t i = 0; i < 4; i++) {
        const json_t *v = json_object_get(metrics, counts[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            abort();
    }
    check_strings(json_object_get(post, "mentions"));
    check_strings(json_object_get(post, "hashtags"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[256];
    rc_post_format_t fmt;
    json_t *post, *orig = NULL;

    errstr[0] = '\0';
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", RC_FMT_REDDIT, &fmt, &orig, errstr,
                           sizeof(errstr));
    if (post) {
        char *s;
        check_post(post);
        if (orig) {
            /* Only a crosspost embeds its original. */
            if (strcmp(json_string_value(json_object_get(post, "event")), "repost") != 0)
                abort();
            check_post(orig);
        }
        s = json_dumps(post, JSON_COMPACT);
        if (!s)
            abort();
        free(s);
        json_decref(orig);
        json_decref(post);
    } else if (errstr[0] == '\0' || orig) {
        abort();
    }
    return 0;
}
