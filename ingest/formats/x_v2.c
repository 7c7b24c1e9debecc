/*
 * X API v2 tweet payloads: {"data": {...tweet...}, "includes": {"users": [...]}}
 * (docs/sources/x.md). Pure code, no I/O.
 */
#include "normalise_int.h"

#include <stdio.h>
#include <string.h>

/* Finds the includes.users entry whose id is "author_id". Entries we cannot
 * read are skipped: they describe other users and must not sink this post. */
static const json_t *x_find_user(const json_t *users, const char *author_id) {
    size_t i;
    const json_t *u;
    char buf[32];

    json_array_foreach(users, i, u) {
        const json_t *id = json_object_get(u, "id");
        const char *s = NULL;
        if (json_is_string(id)) {
            s = json_string_value(id);
        } else if (json_is_integer(id)) {
            snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
            s = buf;
        }
        if (s && strcmp(s, author_id) == 0)
            return u;
    }
    return NULL;
}

static int norm_x_v2(rc_nctx_t *c, const json_t *root, json_t *post) {
    static const char *const metric_names[4] = {"like_count", "retweet_count", "reply_count", "quote_count"};
    const json_t *data = json_object_get(root, "data"), *includes, *users = NULL, *user = NULL, *note, *refs,
                 *entities, *pm, *upm;
    json_t *author = json_object_get(post, "author"), *id = NULL, *author_id = NULL;
    const char *text, *username = NULL, *name = NULL, *vtype = NULL;
    size_t text_len, username_len = 0, name_len = 0;
    int r, verified = 0;
    json_int_t followers = 0;
    char url[512];

    if (!json_is_object(data))
        return fail(c, "data: expected one tweet object, got %s", type_name(data));
    if ((r = get_id(c, data, "data", "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "data.id missing");
    if (set_new(c, post, "id", id) != 0)
        return -1;
    id = json_object_get(post, "id");

    if ((r = get_str(c, data, "data", "text", 0, &text, &text_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "data.text missing");
    if (get_obj(c, data, "data", "note_tweet", &note) < 0)
        return -1;
    if (note) {
        const char *nt;
        size_t nn;
        if ((r = get_str(c, note, "data.note_tweet", "text", 0, &nt, &nn)) < 0)
            return -1;
        if (r > 0) {
            text = nt;
            text_len = nn;
        }
    }
    if (set_text(c, post, text, text_len, 0, "data.text") != 0)
        return -1;

    if ((r = get_id(c, data, "data", "author_id", &author_id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "data.author_id missing");
    if (set_new(c, author, "id", author_id) != 0)
        return -1;
    author_id = json_object_get(author, "id");

    if (set_created_at(c, post, data, "data", "created_at") < 0 || set_lang(c, post, data, "data", "lang") < 0 ||
        set_opt_id(c, post, "conversation_id", data, "data", "conversation_id") < 0)
        return -1;

    if (get_arr(c, data, "data", "referenced_tweets", &refs) < 0)
        return -1;
    if (refs) {
        size_t i;
        const json_t *ref;
        json_array_foreach(refs, i, ref) {
            char path[64];
            const char *type;
            snprintf(path, sizeof(path), "data.referenced_tweets[%zu]", i);
            if (!json_is_object(ref))
                return fail(c, "%s: expected an object, got %s", path, type_name(ref));
            if (get_str(c, ref, path, "type", RC_SHORT_MAX, &type, NULL) < 0)
                return -1;
            if (type && strcmp(type, "replied_to") == 0) {
                if ((r = set_opt_id(c, post, "in_reply_to", ref, path, "id")) < 0)
                    return -1;
                if (r == 0)
                    return fail(c, "%s.id missing", path);
            }
        }
    }

    if (get_obj(c, data, "data", "entities", &entities) < 0)
        return -1;
    if (entities) {
        /* Entities present: X lists what there is; an absent list is empty. */
        const json_t *mentions, *hashtags;
        json_t *empty = json_array();
        if (get_arr(c, entities, "data.entities", "mentions", &mentions) < 0 ||
            get_arr(c, entities, "data.entities", "hashtags", &hashtags) < 0) {
            json_decref(empty);
            return -1;
        }
        r = list_from_objects(c, post, "mentions", mentions ? mentions : empty, "data.entities.mentions",
                              "username", NULL, '@');
        if (r == 0)
            r = list_from_objects(c, post, "hashtags", hashtags ? hashtags : empty, "data.entities.hashtags", "tag",
                                  NULL, '#');
        json_decref(empty);
        if (r != 0)
            return -1;
    }

    if (get_obj(c, data, "data", "public_metrics", &pm) < 0 ||
        set_metrics(c, post, pm, "data.public_metrics", metric_names) < 0)
        return -1;

    if (get_obj(c, root, "", "includes", &includes) < 0 || (includes && get_arr(c, includes, "includes", "users",
                                                                                   &users) < 0))
        return -1;
    if (users)
        user = x_find_user(users, json_string_value(author_id));
    if (user) {
        if (!json_is_object(user))
            return fail(c, "includes.users: the author's entry is %s, not an object", type_name(user));
        if (get_str(c, user, "includes.users[author]", "username", RC_SHORT_MAX, &username, &username_len) < 0 ||
            get_str(c, user, "includes.users[author]", "name", RC_SHORT_MAX, &name, &name_len) < 0 ||
            get_bool(c, user, "includes.users[author]", "verified", &verified) < 0 ||
            get_str(c, user, "includes.users[author]", "verified_type", RC_SHORT_MAX, &vtype, NULL) < 0 ||
            get_obj(c, user, "includes.users[author]", "public_metrics", &upm) < 0 ||
            (upm && get_count(c, upm, "includes.users[author].public_metrics", "followers_count", &followers) < 0))
            return -1;
        /* verified is deprecated in favour of verified_type ("blue",
         * "business", "government", "none"); honour either. */
        if (vtype && strcmp(vtype, "none") != 0 && *vtype)
            verified = 1;
    }
    if (username && username_len > 0) {
        if (set_strn(c, author, "handle", username, username_len) != 0)
            return -1;
    } else if (set_new(c, author, "handle", json_copy(author_id)) != 0) {
        return -1;
    }
    if (set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        set_count(c, author, "followers", followers) != 0 ||
        set_new(c, author, "verified", json_boolean(verified)) != 0)
        return -1;

    /* Only build a URL from parts that are safe in one. */
    if (all_chars(json_string_value(id), is_digit_ch)) {
        if (username && username_len <= 64 && all_chars(username, is_word_ascii))
            snprintf(url, sizeof(url), "https://x.com/%s/status/%s", username, json_string_value(id));
        else
            snprintf(url, sizeof(url), "https://x.com/i/web/status/%s", json_string_value(id));
        if (set_str(c, post, "url", url) != 0)
            return -1;
    }
    return set_str(c, post, "platform", "x");
}

/* Only X v2 wraps the tweet in a "data" object with a text. */
static int detect_x_v2(const json_t *root) {
    return json_object_get(root, "data") != NULL && json_object_get(root, "kind") == NULL;
}

const rc_post_format_ops_t rc_format_x_v2 = {RC_FMT_X_V2, "x_v2", detect_x_v2, norm_x_v2};
