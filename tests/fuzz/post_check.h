/*
 * What every normaliser fuzz target checks on each Post it gets: exactly
 * the fields of schemas/post.avsc, each of its type, and an event that
 * agrees with its reference fields. Aborts (a libFuzzer crash) otherwise.
 */
#ifndef RC_FUZZ_POST_CHECK_H
#define RC_FUZZ_POST_CHECK_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"

static const char *const rc_fz_post_strings[] = {"id",          "platform", "text", "created_at", "source_format",
                                             "ingested_at", "event"};
static const char *const rc_fz_post_optional[] = {"lang",      "url",      "in_reply_to", "conversation_id",
                                              "repost_of", "quote_of", "edit_of"};

/* mentions and hashtags: at most 256 non-empty strings of at most 256 bytes. */
static void rc_fz_check_list(const json_t *v) {
    size_t i;
    const json_t *e;
    if (!json_is_array(v) || json_array_size(v) > 256)
        abort();
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 256)
            abort();
    }
}

/* "platform" and "source_format" (either may be NULL: any) are what the
 * target expects. */
static void rc_fz_check_post(const json_t *post, const char *platform, const char *source_format) {
    const json_t *author = json_object_get(post, "author"), *metrics = json_object_get(post, "metrics");
    const char *event;

    /* 7 strings + 7 optional strings + author, mentions, hashtags, metrics. */
    if (!json_is_object(post) || json_object_size(post) != 18)
        abort();
    for (size_t i = 0; i < sizeof(rc_fz_post_strings) / sizeof(rc_fz_post_strings[0]); i++)
        if (!json_is_string(json_object_get(post, rc_fz_post_strings[i])))
            abort();
    for (size_t i = 0; i < sizeof(rc_fz_post_optional) / sizeof(rc_fz_post_optional[0]); i++) {
        const json_t *v = json_object_get(post, rc_fz_post_optional[i]);
        if (!v || !(json_is_null(v) || json_is_string(v)))
            abort();
    }
    if (!json_is_object(author) || json_object_size(author) != 5 || !json_is_string(json_object_get(author, "id")) ||
        !json_is_string(json_object_get(author, "handle")) ||
        !(json_is_null(json_object_get(author, "name")) || json_is_string(json_object_get(author, "name"))) ||
        !json_is_integer(json_object_get(author, "followers")) ||
        json_integer_value(json_object_get(author, "followers")) < 0 ||
        !json_is_boolean(json_object_get(author, "verified")))
        abort();
    if (!json_is_object(metrics) || json_object_size(metrics) != 4)
        abort();
    static const char *const m[4] = {"likes", "reposts", "replies", "quotes"};
    for (int i = 0; i < 4; i++)
        if (!json_is_integer(json_object_get(metrics, m[i])) || json_integer_value(json_object_get(metrics, m[i])) < 0)
            abort();
    rc_fz_check_list(json_object_get(post, "mentions"));
    rc_fz_check_list(json_object_get(post, "hashtags"));
    if ((platform && strcmp(json_string_value(json_object_get(post, "platform")), platform) != 0) ||
        (source_format && strcmp(json_string_value(json_object_get(post, "source_format")), source_format) != 0) ||
        json_string_length(json_object_get(post, "text")) > 65536 ||
        strlen(json_string_value(json_object_get(post, "created_at"))) != 20)
        abort();
    event = json_string_value(json_object_get(post, "event"));
    if (strcmp(event, "repost") == 0 ? !json_is_string(json_object_get(post, "repost_of"))
                                     : strcmp(event, "post") != 0 && strcmp(event, "delete") != 0 && strcmp(event, "edit") != 0)
        abort();
}

/* One fuzz input through the normaliser of form "fmt" alone: a success
 * must be of that form, serialise and pass check(); an embedded original
 * (only a repost has one) must pass check() too, and pair(post, orig) when
 * given (NULL: no extra rule; a form that never embeds passes
 * rc_fz_no_original); a failure must say why and embed nothing. Aborts
 * (a libFuzzer crash) otherwise. */
static __attribute__((unused)) void rc_fz_normalise_as(const uint8_t *data, size_t size, rc_post_format_t fmt,
                               void (*check)(const json_t *post),
                               void (*pair)(const json_t *post, const json_t *orig)) {
    char errstr[256];
    rc_post_format_t got = RC_FMT_UNKNOWN;
    json_t *orig = NULL, *post;

    errstr[0] = '\0';
    post = rc_normalise_ex((const char *)data, size, "2026-11-21T12:00:00Z", fmt, &got, &orig, errstr,
                           sizeof(errstr));
    if (post) {
        char *s = json_dumps(post, JSON_COMPACT);
        if (!s || got != fmt)
            abort();
        free(s);
        check(post);
        if (orig) {
            check(orig);
            if (strcmp(json_string_value(json_object_get(post, "event")), "repost") != 0)
                abort();
            if (pair)
                pair(post, orig);
        }
    } else if (errstr[0] == '\0' || orig) {
        abort();
    }
    json_decref(orig);
    json_decref(post);
}

/* The embedded original is the post the repost names. */
static __attribute__((unused)) void rc_fz_repost_names_orig(const json_t *post, const json_t *orig) {
    if (strcmp(json_string_value(json_object_get(post, "repost_of")), json_string_value(json_object_get(orig, "id"))) != 0)
        abort();
}

/* For forms that never embed an original. */
static __attribute__((unused)) void rc_fz_no_original(const json_t *post, const json_t *orig) {
    (void)post;
    (void)orig;
    abort();
}

#endif
