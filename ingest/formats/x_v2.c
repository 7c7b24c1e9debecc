/*
 * X API v2 tweet payloads: {"data": {...tweet...}, "includes": {"users":
 * [...], "tweets": [...]}}, one tweet per payload, as a filtered-stream line
 * carries it and as the x_search source splits a search page
 * (docs/sources/x.md). Pure code, no I/O.
 *
 * Event mapping:
 *   referenced_tweets "retweeted" -> event "repost", repost_of = that id; the
 *     text is the original's when includes.tweets has it (a retweet's own
 *     text is "RT @user: " and a cut-off copy), and the original is also
 *     normalised on its own (rc_post_embed_original) from the same includes.
 *   referenced_tweets "quoted"     -> quote_of; "replied_to" -> in_reply_to.
 *   edit_history_tweet_ids with more than one id, this tweet not being the
 *     first -> event "edit", edit_of = the first id (X gives every version
 *     its own id, oldest first).
 */
#include "normalise_int.h"

#include <stdio.h>
#include <string.h>

/* An id value (string or integer) as text in "buf"; NULL when it is neither. */
static const char *x_id_text(const json_t *id, char *buf, size_t size) {
    if (json_is_string(id))
        return json_string_value(id);
    if (json_is_integer(id) && json_integer_value(id) >= 0) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return buf;
    }
    return NULL;
}

/* Finds the entry of "list" (includes.users or includes.tweets) whose id is
 * "id". Entries we cannot read are skipped: they describe other users or
 * tweets and must not sink this post. */
static const json_t *x_find(const json_t *list, const char *id) {
    size_t i;
    const json_t *u;
    char buf[32];

    json_array_foreach(list, i, u) {
        const char *s = x_id_text(json_object_get(u, "id"), buf, sizeof(buf));
        if (s && strcmp(s, id) == 0)
            return u;
    }
    return NULL;
}

/* The text of an included tweet (note_tweet.text for a long post), or NULL
 * when it has none we can read. */
static const char *x_tweet_text(const json_t *tweet, size_t *len) {
    const json_t *t = json_object_get(json_object_get(tweet, "note_tweet"), "text");
    if (!json_is_string(t))
        t = json_object_get(tweet, "text");
    if (!json_is_string(t))
        return NULL;
    *len = json_string_length(t);
    return json_string_value(t);
}

static int norm_x_v2_tweet(rc_nctx_t *c, const json_t *root, json_t *post, int embed);

static int norm_x_v2_original(rc_nctx_t *c, const json_t *root, json_t *post) {
    /* An embedded original does not embed again: keeps a payload whose
     * original claims to be a retweet of itself from recursing. */
    return norm_x_v2_tweet(c, root, post, 0);
}

static int detect_x_v2(const json_t *root);

static const rc_post_format_ops_t x_v2_original = {RC_FMT_X_V2, "x_v2", detect_x_v2, norm_x_v2_original};

/* The references of the tweet: in_reply_to, quote_of, repost_of. *repost_of
 * gets the retweeted id (borrowed from the post) or stays NULL. */
static int x_refs(rc_nctx_t *c, const json_t *data, json_t *post, const char **repost_of) {
    const json_t *refs, *ref;
    size_t i;
    int r;

    if (get_arr(c, data, "data", "referenced_tweets", &refs) < 0)
        return -1;
    json_array_foreach(refs, i, ref) {
        static const struct {
            const char *type, *field;
        } map[] = {{"replied_to", "in_reply_to"}, {"quoted", "quote_of"}, {"retweeted", "repost_of"}};
        char path[64];
        const char *type;

        snprintf(path, sizeof(path), "data.referenced_tweets[%zu]", i);
        if (!json_is_object(ref))
            return fail(c, "%s: expected an object, got %s", path, type_name(ref));
        if (get_str(c, ref, path, "type", RC_SHORT_MAX, &type, NULL) < 0)
            return -1;
        for (size_t k = 0; type && k < sizeof(map) / sizeof(map[0]); k++) {
            if (strcmp(type, map[k].type) != 0)
                continue;
            if ((r = set_opt_id(c, post, map[k].field, ref, path, "id")) < 0)
                return -1;
            if (r == 0)
                return fail(c, "%s.id missing", path);
        }
    }
    *repost_of = json_string_value(json_object_get(post, "repost_of"));
    return 0;
}

/* edit_history_tweet_ids: more than one id, and this tweet is not the first
 * version, makes it an edit of the first. */
static int x_edit(rc_nctx_t *c, const json_t *data, json_t *post, const char *id) {
    const json_t *hist, *first;
    const char *first_id;
    char buf[32];

    if (get_arr(c, data, "data", "edit_history_tweet_ids", &hist) < 0)
        return -1;
    if (!hist || json_array_size(hist) < 2)
        return 0;
    first = json_array_get(hist, 0);
    if (!(first_id = x_id_text(first, buf, sizeof(buf))))
        return fail(c, "data.edit_history_tweet_ids[0]: expected a string or integer id, got %s", type_name(first));
    if (strlen(first_id) > RC_ID_MAX)
        return fail(c, "data.edit_history_tweet_ids[0]: id longer than %d bytes", RC_ID_MAX);
    if (!*first_id || strcmp(first_id, id) == 0)
        return 0;
    if (set_str(c, post, "edit_of", first_id) != 0)
        return -1;
    return set_str(c, post, "event", "edit");
}

static int norm_x_v2_tweet(rc_nctx_t *c, const json_t *root, json_t *post, int embed) {
    static const char *const metric_names[4] = {"like_count", "retweet_count", "reply_count", "quote_count"};
    const json_t *data = json_object_get(root, "data"), *includes, *users = NULL, *tweets = NULL, *user = NULL, *note,
                 *entities, *pm, *upm, *original = NULL;
    json_t *author = json_object_get(post, "author"), *id = NULL, *author_id = NULL;
    const char *text, *username = NULL, *name = NULL, *vtype = NULL, *repost_of = NULL;
    size_t text_len, username_len = 0, name_len = 0;
    int r, verified = 0;
    json_int_t followers = 0;
    char url[512];

    if (!json_is_object(data))
        return fail(c, "data: expected one tweet object, got %s", data ? type_name(data) : "nothing");
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

    if (x_refs(c, data, post, &repost_of) < 0)
        return -1;

    if (get_obj(c, root, "", "includes", &includes) < 0 ||
        (includes && (get_arr(c, includes, "includes", "users", &users) < 0 ||
                      get_arr(c, includes, "includes", "tweets", &tweets) < 0)))
        return -1;

    if (repost_of) {
        /* A repost is its own record with the original's words, when the
         * payload has them; the RT text stays when it does not. */
        const char *ot;
        size_t on;
        if (set_str(c, post, "event", "repost") != 0)
            return -1;
        if (tweets && (original = x_find(tweets, repost_of)) && json_is_object(original) &&
            (ot = x_tweet_text(original, &on)) != NULL) {
            text = ot;
            text_len = on;
        }
    } else if (x_edit(c, data, post, json_string_value(id)) < 0) {
        return -1;
    }
    if (set_text(c, post, text, text_len, 0, "data.text") != 0)
        return -1;

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
        r = list_from_objects(c, post, "mentions", mentions ? mentions : empty, "data.entities.mentions", "username",
                              NULL, '@');
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

    if (users)
        user = x_find(users, json_string_value(author_id));
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
    if (set_str(c, post, "platform", "x") != 0)
        return -1;

    if (embed && original && json_is_object(original)) {
        /* The original as a payload of its own, with the same includes so
         * its author is found there too. */
        json_t *oroot = json_pack("{s:O, s:O}", "data", original, "includes", includes);
        if (!oroot)
            return fail(c, "out of memory");
        r = rc_post_embed_original(c, &x_v2_original, oroot);
        json_decref(oroot);
        if (r != 0)
            return -1;
    }
    return 0;
}

static int norm_x_v2(rc_nctx_t *c, const json_t *root, json_t *post) {
    return norm_x_v2_tweet(c, root, post, 1);
}

/* Only X v2 wraps the tweet in a "data" object with a text. */
static int detect_x_v2(const json_t *root) {
    return json_object_get(root, "data") != NULL && json_object_get(root, "kind") == NULL;
}

const rc_post_format_ops_t rc_format_x_v2 = {RC_FMT_X_V2, "x_v2", detect_x_v2, norm_x_v2};
