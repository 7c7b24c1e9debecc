/*
 * Mastodon status entities (docs/sources/mastodon.md). Pure code, no I/O.
 */
#include "normalise_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int norm_mastodon(rc_nctx_t *c, const json_t *st, const char *where, json_t *post, int depth) {
    static const char *const metric_names[4] = {"favourites_count", "reblogs_count", "replies_count",
                                                "quotes_count"};
    const json_t *reblog = json_object_get(st, "reblog"), *account, *mentions, *tags;
    json_t *author = json_object_get(post, "author"), *id = NULL;
    const char *content, *spoiler, *acct, *name, *url;
    size_t content_len, spoiler_len, acct_len, name_len, url_len;
    char path[64];
    json_int_t followers;
    int r;

    if (reblog && !json_is_null(reblog)) {
        if (!json_is_object(reblog))
            return fail(c, "%s%sreblog: expected an object, got %s", WHERE(where), type_name(reblog));
        /* Mastodon never nests reblogs; a nested one is treated as a plain
         * status rather than followed, so the depth stays bounded. */
        if (depth == 0)
            return norm_mastodon(c, reblog, "reblog", post, 1);
    }

    if ((r = get_id(c, st, where, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s%sid missing", WHERE(where));
    if (set_new(c, post, "id", id) != 0)
        return -1;

    if ((r = get_str(c, st, where, "content", 0, &content, &content_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s%scontent missing", WHERE(where));
    if (get_str(c, st, where, "spoiler_text", RC_SHORT_MAX, &spoiler, &spoiler_len) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%scontent", WHERE(where));
    if (spoiler && spoiler_len > 0) {
        /* "<spoiler>\n\n<content>": joined as one piece of HTML, so the
         * paragraph break comes out like any other. */
        size_t n = spoiler_len + content_len + 8;
        char *both = malloc(n);
        if (!both)
            return fail(c, "out of memory");
        memcpy(both, spoiler, spoiler_len);
        memcpy(both + spoiler_len, "</p><p>", 7);
        memcpy(both + spoiler_len + 7, content, content_len);
        r = set_text(c, post, both, spoiler_len + 7 + content_len, 1, path);
        free(both);
        if (r != 0)
            return -1;
    } else if (set_text(c, post, content, content_len, 1, path) != 0) {
        return -1;
    }

    snprintf(path, sizeof(path), "%s%saccount", WHERE(where));
    if ((r = get_obj(c, st, where, "account", &account)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s missing", path);
    if ((r = get_id(c, account, path, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.id missing", path);
    if (set_new(c, author, "id", id) != 0)
        return -1;
    if ((r = get_str(c, account, path, "acct", RC_SHORT_MAX, &acct, &acct_len)) < 0)
        return -1;
    if ((r == 0 || acct_len == 0) && (r = get_str(c, account, path, "username", RC_SHORT_MAX, &acct, &acct_len)) < 0)
        return -1;
    if (r == 0 || acct_len == 0)
        return fail(c, "%s.acct missing", path);
    if (acct[0] == '@') {
        acct++;
        acct_len--;
    }
    if (set_strn(c, author, "handle", acct, acct_len) != 0 ||
        get_str(c, account, path, "display_name", RC_SHORT_MAX, &name, &name_len) < 0 ||
        set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        get_count(c, account, path, "followers_count", &followers) < 0 ||
        set_count(c, author, "followers", followers) != 0)
        return -1;

    if (set_created_at(c, post, st, where, "created_at") < 0 || set_lang(c, post, st, where, "language") < 0 ||
        set_opt_id(c, post, "in_reply_to", st, where, "in_reply_to_id") < 0)
        return -1;
    if ((r = get_str(c, st, where, "url", RC_URL_MAX, &url, &url_len)) < 0)
        return -1;
    if ((r == 0 || url_len == 0) && (r = get_str(c, st, where, "uri", RC_URL_MAX, &url, &url_len)) < 0)
        return -1;
    if (r > 0 && url_len > 0 && set_strn(c, post, "url", url, url_len) != 0)
        return -1;

    snprintf(path, sizeof(path), "%s%smentions", WHERE(where));
    if (get_arr(c, st, where, "mentions", &mentions) < 0 ||
        (mentions && list_from_objects(c, post, "mentions", mentions, path, "acct", "username", '@') < 0))
        return -1;
    snprintf(path, sizeof(path), "%s%stags", WHERE(where));
    if (get_arr(c, st, where, "tags", &tags) < 0 ||
        (tags && list_from_objects(c, post, "hashtags", tags, path, "name", NULL, '#') < 0))
        return -1;

    if (set_metrics(c, post, st, where, metric_names) < 0)
        return -1;
    return set_str(c, post, "platform", "mastodon");
}

/* A status always has an account, and content (empty for a reblog). */
static int detect_mastodon(const json_t *root) {
    return json_object_get(root, "account") &&
           (json_object_get(root, "content") || json_object_get(root, "reblog"));
}

static int norm_mastodon_root(rc_nctx_t *c, const json_t *root, json_t *post) {
    return norm_mastodon(c, root, "", post, 0);
}

const rc_post_format_ops_t rc_format_mastodon = {RC_FMT_MASTODON, "mastodon", detect_mastodon, norm_mastodon_root};
