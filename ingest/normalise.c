/*
 * Normalisers: one raw payload in, one Post (schemas/post.avsc) out. Each
 * input form is one file under formats/ that fills in an
 * rc_post_format_ops_t; this file holds the registry (the order forms are
 * recognised in), the Post skeleton and what every form shares at the end.
 * See docs/post-formats.md and docs/sources/ for the accepted forms and the
 * field mapping.
 *
 * Pure code: no I/O and no globals, so it is unit-tested and fuzzed on its
 * own (tests/unit/test_normalise.c, tests/fuzz/).
 *
 * Decisions worth knowing (also in docs/post-formats.md):
 *   - event is "post", "edit", "delete" or "repost". A delete carries the
 *     id (and the author when the platform says who), with empty text, so
 *     downstream consumers can act on it like a tombstone.
 *   - A repost is its own record (id and author of the reposter,
 *     repost_of = the original's id, the original's text when known). When
 *     the payload embeds the original (a Mastodon reblog, an X retweet with
 *     includes.tweets), the original is normalised too and handed back
 *     separately, so a complaint first seen through a repost is not lost and
 *     one already seen is only linked.
 *   - Mentions/hashtags the platform did not supply are extracted from the
 *     text; supplied lists are used as given (deduplicated).
 *   - created_at is canonicalised to RFC 3339 UTC at whole seconds
 *     ("2026-11-21T08:01:02Z"); a missing one defaults to the ingestion
 *     time, a malformed one is an error. ingested_at gets the same form.
 */
#include "normalise_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Recognition order: the first form whose detect() says yes wins. Forms
 * with a distinctive envelope come before the looser ones (generic last). */
static const rc_post_format_ops_t *const rc_formats[] = {
    &rc_format_x_v2,
    &rc_format_x_activity,
    &rc_format_mastodon,
    &rc_format_bluesky,
    &rc_format_reddit,
    &rc_format_generic,
};
#define RC_N_FORMATS (sizeof(rc_formats) / sizeof(rc_formats[0]))

static const rc_post_format_ops_t *rc_format_find(rc_post_format_t fmt) {
    for (size_t i = 0; i < RC_N_FORMATS; i++)
        if (rc_formats[i]->fmt == fmt)
            return rc_formats[i];
    return NULL;
}

const char *rc_post_format_name(rc_post_format_t fmt) {
    const rc_post_format_ops_t *ops = rc_format_find(fmt);
    return ops ? ops->name : "unknown";
}

rc_post_format_t rc_post_format_by_name(const char *name) {
    for (size_t i = 0; name && i < RC_N_FORMATS; i++)
        if (strcmp(rc_formats[i]->name, name) == 0)
            return rc_formats[i]->fmt;
    return RC_FMT_UNKNOWN;
}

/* ---------------------------------------------------------------------------
 * The Post skeleton
 * ------------------------------------------------------------------------- */

/* Every field of post.avsc, in schema order, with its default. Required
 * strings start as null and post_finish() checks they were set; mentions
 * and hashtags start as null meaning "not supplied, extract from text".
 *
 * Built field by field rather than with json_pack(): this runs once per
 * record, and json_pack parses its format string on every call (it was
 * ~23,000 instructions of the ~180,000 a record cost). The keys are
 * literals, so the _nocheck setters skip the UTF-8 check. */
static int post_field(json_t *obj, const char *key, json_t *v) {
    return json_object_set_new_nocheck(obj, key, v);
}

json_t *rc_post_new(void) {
    json_t *post = json_object(), *author = json_object(), *metrics = json_object();
    int bad = !post || !author || !metrics;

    bad = bad || post_field(author, "id", json_null()) || post_field(author, "handle", json_null()) ||
          post_field(author, "name", json_null()) || post_field(author, "followers", json_integer(0)) ||
          post_field(author, "verified", json_false());
    bad = bad || post_field(metrics, "likes", json_integer(0)) || post_field(metrics, "reposts", json_integer(0)) ||
          post_field(metrics, "replies", json_integer(0)) || post_field(metrics, "quotes", json_integer(0));
    bad = bad || post_field(post, "id", json_null()) || post_field(post, "platform", json_null()) ||
          post_field(post, "author", json_incref(author)) || post_field(post, "text", json_null()) ||
          post_field(post, "created_at", json_null()) || post_field(post, "lang", json_null()) ||
          post_field(post, "url", json_null()) || post_field(post, "in_reply_to", json_null()) ||
          post_field(post, "conversation_id", json_null()) || post_field(post, "mentions", json_null()) ||
          post_field(post, "hashtags", json_null()) || post_field(post, "metrics", json_incref(metrics)) ||
          post_field(post, "source_format", json_null()) || post_field(post, "ingested_at", json_null()) ||
          post_field(post, "event", json_string_nocheck("post")) || post_field(post, "repost_of", json_null()) ||
          post_field(post, "quote_of", json_null()) || post_field(post, "edit_of", json_null());
    json_decref(author);
    json_decref(metrics);
    if (bad) {
        json_decref(post);
        return NULL;
    }
    return post;
}

/* Fills what every form shares and checks the required fields were set. */
static int post_finish(rc_nctx_t *c, json_t *post) {
    json_t *text = json_object_get(post, "text"), *author = json_object_get(post, "author");
    json_t *arr;
    const char *event = json_string_value(json_object_get(post, "event"));

    /* A delete names the post; the platform may not say who wrote it or
     * what it said any more. */
    if (event && strcmp(event, "delete") == 0) {
        if (!json_is_string(text) && set_str(c, post, "text", "") != 0)
            return -1;
        if (!json_is_string(json_object_get(author, "id")) && set_str(c, author, "id", "") != 0)
            return -1;
        if (!json_is_string(json_object_get(author, "handle")) &&
            set_new(c, author, "handle", json_copy(json_object_get(author, "id"))) != 0)
            return -1;
        text = json_object_get(post, "text");
    }
    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "platform")) ||
        !json_is_string(text) || !json_is_string(json_object_get(author, "id")) ||
        !json_is_string(json_object_get(author, "handle")))
        return fail(c, "internal error: a required Post field was not set");
    if (json_is_null(json_object_get(post, "created_at")) && set_str(c, post, "created_at", c->now) != 0)
        return -1;
    for (int k = 0; k < 2; k++) {
        const char *field = k ? "hashtags" : "mentions";
        if (!json_is_null(json_object_get(post, field)))
            continue;
        if (!(arr = json_array()))
            return fail(c, "out of memory");
        if (extract(c, arr, json_string_value(text), json_string_length(text), k ? '#' : '@') != 0) {
            json_decref(arr);
            return -1;
        }
        if (set_new(c, post, field, arr) != 0)
            return -1;
    }
    if (set_str(c, post, "source_format", rc_post_format_name(c->fmt)) != 0 ||
        set_str(c, post, "ingested_at", c->now) != 0)
        return -1;
    return 0;
}

int rc_post_embed_original(rc_nctx_t *c, const rc_post_format_ops_t *ops, const json_t *root) {
    /* The original gets its own context: its errors must not overwrite the
     * repost's, and it cannot itself embed another. */
    char err[8];
    rc_nctx_t sub = {c->fmt, err, sizeof(err), c->now, NULL};
    json_t *post = rc_post_new();

    if (!post)
        return 0;
    if (ops->normalise(&sub, root, post) != 0 || post_finish(&sub, post) != 0 || sub.original) {
        json_decref(sub.original);
        json_decref(post);
        return 0;
    }
    json_decref(c->original);
    c->original = post;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------- */

rc_post_format_t rc_post_detect(const json_t *root) {
    if (!json_is_object(root))
        return RC_FMT_UNKNOWN;
    for (size_t i = 0; i < RC_N_FORMATS; i++)
        if (rc_formats[i]->detect(root))
            return rc_formats[i]->fmt;
    return RC_FMT_UNKNOWN;
}

/* "unrecognised payload: none of x_v2, ... (keys: "a", "b", ...)": naming
 * a few keys makes a dead letter diagnosable at a glance. */
static void unrecognised(const json_t *root, char *errstr, size_t errstr_size) {
    size_t off;
    const char *key;
    const json_t *v;
    int k = 0;

    off = (size_t)snprintf(errstr, errstr_size, "unrecognised payload: none of");
    for (size_t i = 0; i < RC_N_FORMATS && off < errstr_size; i++)
        off += (size_t)snprintf(errstr + off, errstr_size - off, "%s %s", i ? "," : "", rc_formats[i]->name);
    json_object_foreach((json_t *)root, key, v) {
        if (off >= errstr_size)
            break;
        if (k == 3) {
            off += (size_t)snprintf(errstr + off, errstr_size - off, ", ...");
            break;
        }
        off += (size_t)snprintf(errstr + off, errstr_size - off, "%s\"%.32s\"", k ? ", " : " (keys: ", key);
        k++;
    }
    if (k && off < errstr_size)
        snprintf(errstr + off, errstr_size - off, ")");
}

json_t *rc_normalise_json_ex(const json_t *root, const char *now_rfc3339, rc_post_format_t only,
                             rc_post_format_t *fmt_out, json_t **original_out, char *errstr, size_t errstr_size) {
    rc_nctx_t ctx = {RC_FMT_UNKNOWN, errstr, errstr_size, NULL, NULL};
    const rc_post_format_ops_t *ops = NULL;
    json_t *post = NULL;
    char now[40];
    int r = -1;

    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (fmt_out)
        *fmt_out = RC_FMT_UNKNOWN;
    if (original_out)
        *original_out = NULL;
    if (!json_is_object(root)) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "payload is not a JSON object (got %s)", root ? type_name(root) : "nothing");
        return NULL;
    }
    if (only != RC_FMT_UNKNOWN) {
        ops = rc_format_find(only);
    } else {
        for (size_t i = 0; i < RC_N_FORMATS && !ops; i++)
            if (rc_formats[i]->detect(root))
                ops = rc_formats[i];
    }
    if (!ops) {
        if (errstr && errstr_size)
            unrecognised(root, errstr, errstr_size);
        return NULL;
    }
    ctx.fmt = ops->fmt;
    if (fmt_out)
        *fmt_out = ctx.fmt;
    if (!now_rfc3339 || ts_canon(now_rfc3339, strlen(now_rfc3339), now, sizeof(now)) != 0) {
        fail(&ctx, "the ingestion time \"%.40s\" is not an RFC 3339 timestamp", now_rfc3339 ? now_rfc3339 : "(null)");
        return NULL;
    }
    ctx.now = now;
    if (!(post = rc_post_new())) {
        fail(&ctx, "out of memory");
        return NULL;
    }
    r = ops->normalise(&ctx, root, post);
    if (r == 0)
        r = post_finish(&ctx, post);
    if (r != 0) {
        json_decref(ctx.original);
        json_decref(post);
        return NULL;
    }
    if (original_out)
        *original_out = ctx.original;
    else
        json_decref(ctx.original);
    return post;
}

json_t *rc_normalise_json(const json_t *root, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                          size_t errstr_size) {
    return rc_normalise_json_ex(root, now_rfc3339, RC_FMT_UNKNOWN, fmt_out, NULL, errstr, errstr_size);
}

json_t *rc_normalise_ex(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t only,
                        rc_post_format_t *fmt_out, json_t **original_out, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *root, *post;

    if (fmt_out)
        *fmt_out = RC_FMT_UNKNOWN;
    if (original_out)
        *original_out = NULL;
    if (!buf) {
        buf = "";
        len = 0;
    }
    /* JSON_DECODE_ANY so a bare string or number gets "not a JSON object"
     * rather than a parse error. NUL bytes in strings (\u0000) stay
     * rejected, so every string we copy is a proper C string too. */
    root = rc_payload_parse(buf, len, &jerr);
    if (!root) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "line %d col %d: invalid JSON: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    post = rc_normalise_json_ex(root, now_rfc3339, only, fmt_out, original_out, errstr, errstr_size);
    json_decref(root);
    return post;
}

json_t *rc_normalise(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                     size_t errstr_size) {
    return rc_normalise_ex(buf, len, now_rfc3339, RC_FMT_UNKNOWN, fmt_out, NULL, errstr, errstr_size);
}
