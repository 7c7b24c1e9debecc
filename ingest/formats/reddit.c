/*
 * Reddit listing children: {"kind": "t3" | "t1", "data": {...}}, one link
 * (submission) or comment as it appears in data.children of a Listing
 * (/r/<sub>/new, /r/<sub>/comments, /search). docs/sources/reddit.md has the
 * field mapping. Pure code, no I/O.
 *
 * Decisions worth knowing:
 *   - The Post id is the fullname ("t3_1h2k3l4", "t1_m0abcd"): it is what
 *     parent_id and link_id refer to, so replies link up without rewriting.
 *   - Reddit escapes &, < and > in every text field of its JSON (title,
 *     selftext, body); the text is decoded (only those, no HTML removal:
 *     the text is Markdown, and "<3" must survive).
 *   - A crosspost (crosspost_parent) is a repost whose text is the
 *     original's, as for every platform; the embedded original
 *     (crosspost_parent_list[0]) is normalised as its own Post.
 *   - "edited" is false or the epoch second of the last edit: a number
 *     makes the record an "edit" of the same id. A body/selftext of
 *     "[deleted]" or "[removed]" by author "[deleted]" (or with a
 *     removed_by_category) is a "delete" tombstone.
 *   - Mentions are the text's u/name and /u/name references plus any
 *     @name; hashtags come from the text (Reddit has none of its own; the
 *     subreddit is not one).
 *   - Reddit's listings say nothing about followers, display names or
 *     language: followers stays 0, name and lang null.
 */
#include "normalise_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest Reddit user name is 20 characters; allow some slack. */
#define REDDIT_USER_MAX 32

/* Whether "s" is Reddit's placeholder for gone content. */
static int is_gone(const char *s) {
    return s && (strcmp(s, "[deleted]") == 0 || strcmp(s, "[removed]") == 0);
}

/* post.created_at from data.created_utc: epoch seconds, a JSON real in
 * practice ("1732185600.0") but an integer is read too. Fractions are cut
 * (the Post keeps whole seconds). Returns 1 set, 0 absent, -1 error. */
static int set_created_utc(rc_nctx_t *c, json_t *post, const json_t *data) {
    const json_t *v = json_object_get(data, "created_utc");
    struct tm tm;
    time_t t;
    double d;
    char buf[40];

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return fail(c, "data.created_utc: expected a number of epoch seconds, got %s", type_name(v));
    d = json_number_value(v);
    /* Up to the end of year 9999: the RFC 3339 form has four year digits. */
    if (!(d >= 0 && d < 253402300800.0))
        return fail(c, "data.created_utc: %.15g is not a time between 1970 and 9999", d);
    t = (time_t)d;
    if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return fail(c, "data.created_utc: %.0f cannot be converted", d);
    return set_str(c, post, "created_at", buf) == 0 ? 1 : -1;
}

/* A vote count: Reddit's score can be negative (downvoted), a Post metric
 * cannot, so negatives count as 0. */
static int get_score(rc_nctx_t *c, const json_t *data, const char *key, json_int_t *out) {
    const json_t *v = json_object_get(data, key);

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return fail(c, "data.%s: expected an integer, got %s", key, type_name(v));
    *out = json_integer_value(v) > 0 ? json_integer_value(v) : 0;
    return 1;
}

/* post.url from data.permalink ("/r/sub/comments/id/slug/"). Only a path
 * without blanks or control characters is joined to the host; anything else
 * leaves the url null rather than making a misleading one. */
static int set_permalink(rc_nctx_t *c, json_t *post, const json_t *data) {
    static const char host[] = "https://www.reddit.com";
    const char *p;
    size_t n;
    char *url;
    int r = get_str(c, data, "data", "permalink", RC_URL_MAX - sizeof(host), &p, &n);

    if (r <= 0)
        return r;
    if (n < 2 || p[0] != '/' || p[1] == '/')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] == 0x7f)
            return 0;
    if (!(url = malloc(sizeof(host) + n)))
        return fail(c, "out of memory");
    memcpy(url, host, sizeof(host) - 1);
    memcpy(url + sizeof(host) - 1, p, n);
    r = set_strn(c, post, "url", url, sizeof(host) - 1 + n);
    free(url);
    return r == 0 ? 1 : -1;
}

/* The text of a link: "<title>\n\n<selftext>", or the title alone when the
 * post has no body (a link post, an image). "data" is the link's data. */
static int set_link_text(rc_nctx_t *c, json_t *post, const json_t *data, const char *where) {
    const char *title, *self;
    size_t tn, sn;
    char path[64];
    char *both;
    int r;

    snprintf(path, sizeof(path), "%s.title", where);
    if ((r = get_str(c, data, where, "title", 0, &title, &tn)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s missing", path);
    if (get_str(c, data, where, "selftext", 0, &self, &sn) < 0)
        return -1;
    if (!self || sn == 0)
        return set_text(c, post, title, tn, 0, path);
    /* Both parts are each held to the size limit later, on the decoded
     * whole; refuse absurd inputs before allocating for them. */
    if (tn > 4 * RC_TEXT_MAX || sn > 4 * RC_TEXT_MAX)
        return fail(c, "%s.selftext is %zu bytes, over the %d-byte limit", where, sn > tn ? sn : tn, RC_TEXT_MAX);
    if (!(both = malloc(tn + 2 + sn)))
        return fail(c, "out of memory");
    memcpy(both, title, tn);
    memcpy(both + tn, "\n\n", 2);
    memcpy(both + tn + 2, self, sn);
    snprintf(path, sizeof(path), "%s.title+selftext", where);
    r = set_text(c, post, both, tn + 2 + sn, 0, path);
    free(both);
    return r;
}

static int is_user_ch(unsigned char ch) {
    return is_word_ascii(ch) || ch == '-';
}

/*
 * post.mentions from the plain text: Reddit's "u/name" and "/u/name" user
 * references (3-20 of [A-Za-z0-9_-]) and, as people write them on Reddit
 * too, "@name". "u/" counts only at the start, after a non-word character,
 * or as "/u/" itself at such a place, so "menu/settings" and
 * "reddit.com/u/x" inside URLs are not mentions.
 */
static int set_mentions(rc_nctx_t *c, json_t *post, const char *text, size_t n) {
    json_t *arr = json_array();
    size_t i = 0;

    if (!arr)
        return fail(c, "out of memory");
    if (extract(c, arr, text, n, '@') != 0)
        goto fail;
    while (i + 2 < n) {
        size_t start, j;
        int lead_ok;
        if (text[i] != 'u' || text[i + 1] != '/') {
            i++;
            continue;
        }
        if (i == 0) {
            lead_ok = 1;
        } else if (text[i - 1] == '/') {
            lead_ok = i == 1 || !(is_word_ascii((unsigned char)text[i - 2]) || text[i - 2] == '/' ||
                                  text[i - 2] == '.' || text[i - 2] == ':');
        } else {
            lead_ok = !is_user_ch((unsigned char)text[i - 1]);
        }
        start = j = i + 2;
        while (j < n && is_user_ch((unsigned char)text[j]))
            j++;
        if (lead_ok && j - start >= 3 && j - start <= 20 && list_add(c, arr, text + start, j - start, '@') != 0)
            goto fail;
        i = j > i + 2 ? j : i + 2;
    }
    return set_new(c, post, "mentions", arr);
fail:
    json_decref(arr);
    return -1;
}

/* The crossposted original: crosspost_parent_list[0], the original link's
 * data. Its text becomes the repost's; it is also normalised on its own
 * (without its own crosspost list, so an original that is itself a
 * crosspost does not nest further). Only an entry that is the post
 * crosspost_parent names counts: another one would link the repost to a
 * post it does not repeat. "parent" is borrowed. */
static int crosspost_original(rc_nctx_t *c, json_t *post, const json_t *data, const char *xparent,
                              const json_t **parent) {
    const json_t *list, *first;
    json_t *copy, *wrapped;

    *parent = NULL;
    if (get_arr(c, data, "data", "crosspost_parent_list", &list) < 0)
        return -1;
    first = list ? json_array_get(list, 0) : NULL;
    if (!json_is_object(first) || !json_is_string(json_object_get(first, "title")) ||
        !json_is_string(json_object_get(first, "name")) ||
        strcmp(json_string_value(json_object_get(first, "name")), xparent) != 0)
        return 0;
    if (set_link_text(c, post, first, "data.crosspost_parent_list[0]") != 0)
        return -1;
    *parent = first;
    if (!(copy = json_copy((json_t *)first)))
        return fail(c, "out of memory");
    json_object_del(copy, "crosspost_parent_list");
    wrapped = json_pack("{s:s, s:o}", "kind", "t3", "data", copy);
    if (!wrapped)
        return fail(c, "out of memory");
    rc_post_embed_original(c, &rc_format_reddit, wrapped);
    json_decref(wrapped);
    return 0;
}

static int norm_reddit(rc_nctx_t *c, const json_t *root, json_t *post) {
    const json_t *data = json_object_get(root, "data"), *edited, *parent = NULL;
    json_t *author = json_object_get(post, "author"), *id;
    const char *kind = json_string_value(json_object_get(root, "kind"));
    const char *name, *who, *who_id, *body = NULL, *xparent, *removed_by;
    size_t name_len, who_len, who_id_len, body_len = 0;
    int is_link, deleted, r;
    json_int_t score, n;

    if (!kind || (strcmp(kind, "t1") != 0 && strcmp(kind, "t3") != 0))
        return fail(c, "kind: expected \"t1\" or \"t3\"");
    is_link = kind[1] == '3';
    if (!json_is_object(data))
        return fail(c, "data: expected an object, got %s", data ? type_name(data) : "nothing");

    /* The fullname: "t3_" + the base-36 id. Built from "id" when a client
     * left "name" out; a name of the other kind is a broken payload. */
    if ((r = get_str(c, data, "data", "name", RC_ID_MAX, &name, &name_len)) < 0)
        return -1;
    if (r > 0) {
        if (name_len < 4 || strncmp(name, kind, 2) != 0 || name[2] != '_')
            return fail(c, "data.name: \"%.40s\" is not a %s fullname", name, kind);
        if (set_strn(c, post, "id", name, name_len) != 0)
            return -1;
    } else {
        char full[RC_ID_MAX + 8];
        if ((r = get_id(c, data, "data", "id", &id)) < 0)
            return -1;
        if (r == 0)
            return fail(c, "data.name missing");
        snprintf(full, sizeof(full), "%s_%s", kind, json_string_value(id));
        json_decref(id);
        if (set_str(c, post, "id", full) != 0)
            return -1;
    }
    id = json_object_get(post, "id");

    if (get_str(c, data, "data", "author", RC_SHORT_MAX, &who, &who_len) < 0 ||
        get_str(c, data, "data", "author_fullname", RC_ID_MAX, &who_id, &who_id_len) < 0 ||
        get_str(c, data, "data", is_link ? "selftext" : "body", 0, &body, &body_len) < 0 ||
        get_str(c, data, "data", "removed_by_category", RC_SHORT_MAX, &removed_by, NULL) < 0 ||
        get_str(c, data, "data", "crosspost_parent", RC_ID_MAX, &xparent, NULL) < 0)
        return -1;
    if (!is_link && !body)
        return fail(c, "data.body missing");
    if (who && who_len == 0)
        who = NULL;
    deleted = is_gone(body) && ((who && strcmp(who, "[deleted]") == 0) || removed_by);

    /* The author: the account's fullname is stable across renames; the
     * name stands in when it is missing. A tombstone may not say who. */
    if (who && strcmp(who, "[deleted]") == 0 && deleted)
        who = NULL;
    if (who_id && who_id_len > 0) {
        if (set_strn(c, author, "id", who_id, who_id_len) != 0)
            return -1;
    } else if (who && who_len > 0) {
        if (set_strn(c, author, "id", who, who_len) != 0)
            return -1;
    } else if (!deleted) {
        return fail(c, "data.author missing");
    }
    if (who && who_len > 0 && set_strn(c, author, "handle", who, who_len) != 0)
        return -1;
    if (!who && !deleted && set_new(c, author, "handle", json_copy(json_object_get(author, "id"))) != 0)
        return -1;

    if (deleted) {
        if (set_str(c, post, "event", "delete") != 0 || set_str(c, post, "text", "") != 0)
            return -1;
    } else if (is_link && xparent) {
        if (set_str(c, post, "event", "repost") != 0 || set_str(c, post, "repost_of", xparent) != 0)
            return -1;
        if (crosspost_original(c, post, data, xparent, &parent) != 0)
            return -1;
        if (!parent && set_link_text(c, post, data, "data") != 0)
            return -1;
    } else if (is_link) {
        if (set_link_text(c, post, data, "data") != 0)
            return -1;
    } else if (set_text(c, post, body, body_len, 0, "data.body") != 0) {
        return -1;
    }
    if (!deleted && !xparent) {
        /* false, or the epoch second of the last edit (true on very old
         * items). */
        edited = json_object_get(data, "edited");
        if (edited && !json_is_null(edited) && !json_is_boolean(edited) && !json_is_number(edited))
            return fail(c, "data.edited: expected false or a number, got %s", type_name(edited));
        if ((json_is_number(edited) && json_number_value(edited) > 0) || json_is_true(edited))
            if (set_str(c, post, "event", "edit") != 0)
                return -1;
    }

    if (set_created_utc(c, post, data) < 0 || set_permalink(c, post, data) < 0)
        return -1;
    if (is_link) {
        if (set_new(c, post, "conversation_id", json_copy(id)) != 0)
            return -1;
    } else if (set_opt_id(c, post, "in_reply_to", data, "data", "parent_id") < 0 ||
               set_opt_id(c, post, "conversation_id", data, "data", "link_id") < 0) {
        return -1;
    }

    /* Metrics: score (ups when there is no score) as likes; for a link,
     * the comment count and the crosspost count. */
    if ((r = get_score(c, data, "score", &score)) < 0 || (r == 0 && get_score(c, data, "ups", &score) < 0) ||
        set_count(c, json_object_get(post, "metrics"), "likes", score) != 0)
        return -1;
    if (is_link) {
        if (get_count(c, data, "data", "num_comments", &n) < 0 ||
            set_count(c, json_object_get(post, "metrics"), "replies", n) != 0 ||
            get_count(c, data, "data", "num_crossposts", &n) < 0 ||
            set_count(c, json_object_get(post, "metrics"), "reposts", n) != 0)
            return -1;
    }

    if (set_mentions(c, post, json_string_value(json_object_get(post, "text")),
                     json_string_length(json_object_get(post, "text"))) != 0)
        return -1;
    return set_str(c, post, "platform", "reddit");
}

/* A listing child: kind t1 or t3 around a data object. X v2 payloads also
 * have "data" but never "kind" (detect_x_v2 checks). */
static int detect_reddit(const json_t *root) {
    const char *kind = json_string_value(json_object_get(root, "kind"));
    return kind && (strcmp(kind, "t1") == 0 || strcmp(kind, "t3") == 0) &&
           json_is_object(json_object_get(root, "data"));
}

const rc_post_format_ops_t rc_format_reddit = {RC_FMT_REDDIT, "reddit", detect_reddit, norm_reddit};
