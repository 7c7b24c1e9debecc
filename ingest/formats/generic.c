/*
 * ricochet's own generic post form (docs/post-formats.md). Pure code, no I/O.
 *
 *   {"platform": "reddit",              optional, default "generic", lower-cased
 *    "id": "t3_abc" | 123,              required
 *    "text": "plain text",              required
 *    "author": {"id", "handle",         one of id/handle required; each
 *               "name", "followers",    defaults to the other
 *               "verified"},
 *    "created_at": "RFC 3339",          optional, default ingestion time
 *    "lang", "url", "in_reply_to",      optional
 *    "conversation_id",
 *    "mentions": ["a"], "hashtags": ["b"],   optional, else from the text
 *    "metrics": {"likes","reposts","replies","quotes"}}   optional
 */
#include "normalise_int.h"

#include <string.h>


static int is_platform_ch(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
}

static int norm_generic(rc_nctx_t *c, const json_t *root, json_t *post) {
    static const char *const metric_names[4] = {"likes", "reposts", "replies", "quotes"};
    const json_t *author_in, *metrics, *mentions, *hashtags;
    json_t *author = json_object_get(post, "author"), *id = NULL;
    const char *platform, *text, *handle, *name, *url, *event = NULL;
    json_t *empty = NULL;
    int deleted;
    size_t platform_len, text_len, handle_len = 0, name_len, url_len;
    char pbuf[RC_PLATFORM_MAX + 1];
    json_int_t followers;
    int r, verified;

    if ((r = get_str(c, root, "", "platform", RC_PLATFORM_MAX, &platform, &platform_len)) < 0)
        return -1;
    if (r == 0) {
        platform = "generic";
        platform_len = strlen(platform);
    }
    for (size_t i = 0; i < platform_len; i++)
        pbuf[i] = (char)(platform[i] >= 'A' && platform[i] <= 'Z' ? platform[i] - 'A' + 'a' : platform[i]);
    pbuf[platform_len] = '\0';
    if (platform_len == 0 || strlen(pbuf) != platform_len || !all_chars(pbuf, is_platform_ch))
        return fail(c, "platform: must be 1-%d characters of a-z, 0-9, '.', '_', '-'", RC_PLATFORM_MAX);
    if (set_str(c, post, "platform", pbuf) != 0)
        return -1;

    if ((r = get_id(c, root, "", "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "id missing");
    if (set_new(c, post, "id", id) != 0)
        return -1;
    if ((r = get_str(c, root, "", "event", RC_SHORT_MAX, &event, NULL)) < 0)
        return -1;
    if (r > 0 && !rc_post_event_valid(event))
        return fail(c, "event: \"%.32s\" is not one of post, edit, delete, repost", event);
    if (r > 0 && set_str(c, post, "event", event) != 0)
        return -1;
    deleted = r > 0 && strcmp(event, "delete") == 0;

    if ((r = get_str(c, root, "", "text", 0, &text, &text_len)) < 0)
        return -1;
    if (r == 0 && deleted)
        text = "", text_len = 0;
    else if (r == 0)
        return fail(c, "text missing");
    if (set_text(c, post, text, text_len, 0, "text") != 0)
        return -1;

    if ((r = get_obj(c, root, "", "author", &author_in)) < 0)
        return -1;
    if (r == 0 && deleted)
        author_in = empty = json_object();
    else     if (r == 0)
        return fail(c, "author missing");
    if ((r = get_id(c, author_in, "author", "id", &id)) < 0 ||
        get_str(c, author_in, "author", "handle", RC_SHORT_MAX, &handle, &handle_len) < 0) {
        json_decref(id);
        return -1;
    }
    if (handle && handle_len > 0 && handle[0] == '@') {
        handle++;
        handle_len--;
    }
    if (!handle || handle_len == 0)
        handle = NULL;
    if (!id && !handle && deleted) {
        json_decref(empty);
        return 0; /* post_finish() gives a delete empty author fields */
    }
    json_decref(empty);
    empty = NULL;
    if (!id && !handle)
        return fail(c, "author.id and author.handle both missing (one is required)");
    /* Either stands in for the other: the Post needs both. */
    if (!id)
        id = json_stringn(handle, handle_len);
    if (set_new(c, author, "id", id) != 0)
        return -1;
    id = json_object_get(author, "id");
    if ((handle ? set_strn(c, author, "handle", handle, handle_len) : set_new(c, author, "handle", json_copy(id))) !=
        0)
        return -1;
    if (get_str(c, author_in, "author", "name", RC_SHORT_MAX, &name, &name_len) < 0 ||
        set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        get_count(c, author_in, "author", "followers", &followers) < 0 ||
        set_count(c, author, "followers", followers) != 0 ||
        get_bool(c, author_in, "author", "verified", &verified) < 0 ||
        set_new(c, author, "verified", json_boolean(verified)) != 0)
        return -1;

    if (set_created_at(c, post, root, "", "created_at") < 0 || set_lang(c, post, root, "", "lang") < 0 ||
        set_opt_id(c, post, "in_reply_to", root, "", "in_reply_to") < 0 ||
        set_opt_id(c, post, "conversation_id", root, "", "conversation_id") < 0 ||
        set_opt_id(c, post, "repost_of", root, "", "repost_of") < 0 ||
        set_opt_id(c, post, "quote_of", root, "", "quote_of") < 0 ||
        set_opt_id(c, post, "edit_of", root, "", "edit_of") < 0)
        return -1;
    /* A repost without its original would link to nothing. */
    if (event && strcmp(event, "repost") == 0 && !json_is_string(json_object_get(post, "repost_of")))
        return fail(c, "repost_of missing (required when event is repost)");
    if ((r = get_str(c, root, "", "url", RC_URL_MAX, &url, &url_len)) < 0 ||
        (r > 0 && url_len > 0 && set_strn(c, post, "url", url, url_len) != 0))
        return -1;

    if (get_arr(c, root, "", "mentions", &mentions) < 0 ||
        (mentions && list_from_strings(c, post, "mentions", mentions, '@') != 0) ||
        get_arr(c, root, "", "hashtags", &hashtags) < 0 ||
        (hashtags && list_from_strings(c, post, "hashtags", hashtags, '#') != 0))
        return -1;
    if (get_obj(c, root, "", "metrics", &metrics) < 0 || set_metrics(c, post, metrics, "metrics", metric_names) < 0)
        return -1;
    return 0;
}

/* Anything naming a text, an author or a platform means to be generic;
 * recognising it lets the error say which generic field is missing. */
static int detect_generic(const json_t *root) {
    return json_object_get(root, "text") || json_object_get(root, "author") || json_object_get(root, "platform");
}

const rc_post_format_ops_t rc_format_generic = {RC_FMT_GENERIC, "generic", detect_generic, norm_generic};
