/*
 * X Account Activity events, one per payload (docs/sources/x.md):
 *
 *   {"for_user_id": "2244994945", "tweet_create_events": [<v1.1 Tweet>]}
 *   {"for_user_id": "930524282358325248",
 *    "tweet_delete_events": [{"status": {"id": "1045405559317569537",
 *                                        "user_id": "930524282358325248"},
 *                             "timestamp_ms": "1432228155593"}]}
 *
 * X posts one body with any number of events; the ingest webhook splits it
 * (rc_x_activity_split(), ingest/x_webhook.c) so each input here carries
 * exactly one, and a payload with several is refused rather than half read.
 * Other event kinds (likes, follows, DMs) are not posts and are dropped by
 * the split.
 *
 * The tweet is the v1.1 Tweet object: id_str, text / full_text /
 * extended_tweet.full_text, user{id_str, screen_name, name,
 * followers_count, verified}, created_at "Wed Oct 10 20:19:24 +0000 2018",
 * entities{user_mentions[].screen_name, hashtags[].text}, in_reply_to_status_id_str,
 * quoted_status_id_str, retweeted_status{...}, edit_history{initial_tweet_id,
 * edit_tweet_ids}, favorite_count/retweet_count/reply_count/quote_count.
 * Pure code, no I/O.
 */
#include "normalise_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "Wed Oct 10 20:19:24 +0000 2018" (v1.1 created_at) to canonical RFC 3339
 * UTC via ts_canon(). 0, or -1 when it is not of that form. */
static int v1_date(const char *s, size_t n, char *out, size_t out_size) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char rfc[40];
    int m = 0;

    if (n != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' ||
        (s[20] != '+' && s[20] != '-') || s[25] != ' ')
        return -1;
    for (int i = 0; i < 12 && !m; i++)
        if (memcmp(months + 3 * i, s + 4, 3) == 0)
            m = i + 1;
    if (!m)
        return -1;
    /* ts_canon() checks every digit and range. */
    snprintf(rfc, sizeof(rfc), "%.4s-%02d-%.2sT%.8s%c%.2s:%.2s", s + 26, m, s + 8, s + 11, s[20], s + 21, s + 23);
    return ts_canon(rfc, strlen(rfc), out, out_size);
}

/* "1432228155593" (a string or an integer of epoch milliseconds) to
 * canonical RFC 3339 UTC. 1 set, 0 absent, -1 error. */
static int set_created_ms(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key) {
    const json_t *v = json_object_get(obj, key);
    long long ms = 0;
    time_t secs;
    struct tm tm;
    char buf[40];

    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        ms = json_integer_value(v);
    } else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 15 &&
               all_chars(json_string_value(v), is_digit_ch)) {
        ms = strtoll(json_string_value(v), NULL, 10);
    } else {
        return fail(c, "%s%s%s: expected epoch milliseconds, got %s", WHERE(where), key, type_name(v));
    }
    /* Up to the end of year 9999, like every other timestamp we accept. */
    if (ms < 0 || ms >= 253402300800000LL)
        return fail(c, "%s%s%s: %lld is out of range", WHERE(where), key, ms);
    secs = (time_t)(ms / 1000);
    if (!gmtime_r(&secs, &tm))
        return fail(c, "%s%s%s: %lld is out of range", WHERE(where), key, ms);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return set_str(c, post, "created_at", buf) == 0 ? 1 : -1;
}

/* An id from obj[key "_str"] (v1.1's exact string form), else obj[key]. */
static int v1_id(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_t **out) {
    char skey[64];
    int r;

    snprintf(skey, sizeof(skey), "%s_str", key);
    if ((r = get_id(c, obj, where, skey, out)) != 0)
        return r;
    return get_id(c, obj, where, key, out);
}

static int v1_opt_id(rc_nctx_t *c, json_t *post, const char *field, const json_t *obj, const char *where,
                     const char *key) {
    json_t *id = NULL;
    int r = v1_id(c, obj, where, key, &id);
    if (r <= 0)
        return r;
    return set_new(c, post, field, id) == 0 ? 1 : -1;
}

/* The full text of a v1.1 tweet: extended_tweet.full_text (a long tweet in
 * a stream or webhook), else full_text (tweet_mode=extended), else text. */
static int v1_text(rc_nctx_t *c, const json_t *tw, const char *where, const char **text, size_t *len) {
    const json_t *ext;
    char path[96];
    int r;

    if (get_obj(c, tw, where, "extended_tweet", &ext) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%sextended_tweet", WHERE(where));
    if (ext && (r = get_str(c, ext, path, "full_text", 0, text, len)) != 0)
        return r;
    if ((r = get_str(c, tw, where, "full_text", 0, text, len)) != 0)
        return r;
    return get_str(c, tw, where, "text", 0, text, len);
}

static int norm_v1_tweet(rc_nctx_t *c, const json_t *tw, const char *where, json_t *post, int embed);

static int norm_v1_original(rc_nctx_t *c, const json_t *tw, json_t *post) {
    /* An embedded original does not embed again (bounded depth). */
    return norm_v1_tweet(c, tw, "retweeted_status", post, 0);
}

static int detect_x_activity(const json_t *root);

static const rc_post_format_ops_t x_activity_original = {RC_FMT_X_ACTIVITY, "x_activity", detect_x_activity,
                                                         norm_v1_original};

/* edit_history {initial_tweet_id, edit_tweet_ids}: more than one version,
 * and this is not the first, makes it an edit of the first. */
static int v1_edit(rc_nctx_t *c, const json_t *tw, const char *where, json_t *post, const char *id) {
    const json_t *eh, *ids;
    json_t *initial = NULL;
    char path[96];
    int r;

    if (get_obj(c, tw, where, "edit_history", &eh) < 0)
        return -1;
    if (!eh)
        return 0;
    snprintf(path, sizeof(path), "%s%sedit_history", WHERE(where));
    if (get_arr(c, eh, path, "edit_tweet_ids", &ids) < 0 || (r = get_id(c, eh, path, "initial_tweet_id", &initial)) < 0)
        return -1;
    if (!ids || json_array_size(ids) < 2 || r == 0 || strcmp(json_string_value(initial), id) == 0) {
        json_decref(initial);
        return 0;
    }
    if (set_new(c, post, "edit_of", initial) != 0)
        return -1;
    return set_str(c, post, "event", "edit");
}

static int norm_v1_tweet(rc_nctx_t *c, const json_t *tw, const char *where, json_t *post, int embed) {
    static const char *const metric_names[4] = {"favorite_count", "retweet_count", "reply_count", "quote_count"};
    const json_t *user, *rt = NULL, *ext, *entities, *mentions, *hashtags;
    json_t *author = json_object_get(post, "author"), *id = NULL;
    const char *text, *handle, *name, *created;
    size_t text_len, handle_len, name_len, created_len;
    char path[96], buf[40], url[512];
    json_int_t followers;
    int r, verified;

    if (!json_is_object(tw))
        return fail(c, "%s: expected a tweet object, got %s", where, type_name(tw));
    if ((r = v1_id(c, tw, where, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.id_str missing", where);
    if (set_new(c, post, "id", id) != 0)
        return -1;
    id = json_object_get(post, "id");

    if ((r = v1_text(c, tw, where, &text, &text_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.text missing", where);

    snprintf(path, sizeof(path), "%s.user", where);
    if ((r = get_obj(c, tw, where, "user", &user)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s missing", path);
    if ((r = v1_id(c, user, path, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.id_str missing", path);
    if (set_new(c, author, "id", id) != 0)
        return -1;
    if (get_str(c, user, path, "screen_name", RC_SHORT_MAX, &handle, &handle_len) < 0 ||
        get_str(c, user, path, "name", RC_SHORT_MAX, &name, &name_len) < 0 ||
        get_count(c, user, path, "followers_count", &followers) < 0 ||
        get_bool(c, user, path, "verified", &verified) < 0)
        return -1;
    if ((handle && handle_len ? set_strn(c, author, "handle", handle, handle_len)
                              : set_new(c, author, "handle", json_copy(json_object_get(author, "id")))) != 0 ||
        set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        set_count(c, author, "followers", followers) != 0 ||
        set_new(c, author, "verified", json_boolean(verified)) != 0)
        return -1;

    if ((r = get_str(c, tw, where, "created_at", 64, &created, &created_len)) < 0)
        return -1;
    if (r > 0) {
        if (v1_date(created, created_len, buf, sizeof(buf)) != 0)
            return fail(c, "%s.created_at: \"%.40s\" is not of the form \"Wed Oct 10 20:19:24 +0000 2018\"", where,
                        created);
        if (set_str(c, post, "created_at", buf) != 0)
            return -1;
    }
    if (set_lang(c, post, tw, where, "lang") < 0 ||
        v1_opt_id(c, post, "in_reply_to", tw, where, "in_reply_to_status_id") < 0 ||
        v1_opt_id(c, post, "quote_of", tw, where, "quoted_status_id") < 0)
        return -1;

    if (get_obj(c, tw, where, "retweeted_status", &rt) < 0)
        return -1;
    if (rt) {
        const char *ot;
        size_t on;
        snprintf(path, sizeof(path), "%s.retweeted_status", where);
        if ((r = v1_opt_id(c, post, "repost_of", rt, path, "id")) < 0)
            return -1;
        if (r == 0)
            return fail(c, "%s.id_str missing", path);
        if (set_str(c, post, "event", "repost") != 0)
            return -1;
        /* The original's words; the retweet's own are "RT @user: " and a
         * cut-off copy. An original we cannot read leaves them. */
        if (v1_text(c, rt, path, &ot, &on) > 0) {
            text = ot;
            text_len = on;
        }
    } else if (v1_edit(c, tw, where, post, json_string_value(json_object_get(post, "id"))) < 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s.text", where);
    if (set_text(c, post, text, text_len, 0, path) != 0)
        return -1;

    /* Entities of the full text when there is one. */
    if (get_obj(c, tw, where, "extended_tweet", &ext) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%s", where, ext && json_object_get(ext, "entities") ? ".extended_tweet" : "");
    if (get_obj(c, ext && json_object_get(ext, "entities") ? ext : tw, path, "entities", &entities) < 0)
        return -1;
    if (entities && !rt) {
        char lpath[128];
        json_t *empty = json_array();
        snprintf(path + strlen(path), sizeof(path) - strlen(path), ".entities");
        if (!empty)
            return fail(c, "out of memory");
        r = get_arr(c, entities, path, "user_mentions", &mentions) < 0 ||
            get_arr(c, entities, path, "hashtags", &hashtags) < 0;
        if (!r) {
            snprintf(lpath, sizeof(lpath), "%s.user_mentions", path);
            r = list_from_objects(c, post, "mentions", mentions ? mentions : empty, lpath, "screen_name", NULL, '@');
        }
        if (!r) {
            snprintf(lpath, sizeof(lpath), "%s.hashtags", path);
            r = list_from_objects(c, post, "hashtags", hashtags ? hashtags : empty, lpath, "text", NULL, '#');
        }
        json_decref(empty);
        if (r)
            return -1;
    }
    /* A retweet's entities describe the "RT @user:" text, not the
     * original's words we keep: those are extracted from the text. */

    if (set_metrics(c, post, tw, where, metric_names) < 0)
        return -1;

    if (all_chars(json_string_value(json_object_get(post, "id")), is_digit_ch)) {
        const char *pid = json_string_value(json_object_get(post, "id"));
        if (handle && handle_len <= 64 && all_chars(handle, is_word_ascii))
            snprintf(url, sizeof(url), "https://x.com/%s/status/%s", handle, pid);
        else
            snprintf(url, sizeof(url), "https://x.com/i/web/status/%s", pid);
        if (set_str(c, post, "url", url) != 0)
            return -1;
    }
    if (set_str(c, post, "platform", "x") != 0)
        return -1;
    if (embed && rt)
        return rc_post_embed_original(c, &x_activity_original, rt);
    return 0;
}

/* A tweet_delete_events entry: a tombstone for the id, by its author. */
static int norm_v1_delete(rc_nctx_t *c, const json_t *ev, json_t *post) {
    const char *where = "tweet_delete_events[0]";
    const json_t *status;
    json_t *id = NULL;
    int r;

    if (!json_is_object(ev))
        return fail(c, "%s: expected an object, got %s", where, type_name(ev));
    if ((r = get_obj(c, ev, where, "status", &status)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.status missing", where);
    if ((r = v1_id(c, status, "tweet_delete_events[0].status", "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.status.id missing", where);
    if (set_new(c, post, "id", id) != 0)
        return -1;
    if ((r = v1_id(c, status, "tweet_delete_events[0].status", "user_id", &id)) < 0)
        return -1;
    if (r > 0 && set_new(c, json_object_get(post, "author"), "id", id) != 0)
        return -1;
    if (set_created_ms(c, post, ev, where, "timestamp_ms") < 0)
        return -1;
    if (set_str(c, post, "event", "delete") != 0)
        return -1;
    return set_str(c, post, "platform", "x");
}

static int norm_x_activity(rc_nctx_t *c, const json_t *root, json_t *post) {
    const json_t *creates, *deletes;
    size_t n;

    if (get_arr(c, root, "", "tweet_create_events", &creates) < 0 ||
        get_arr(c, root, "", "tweet_delete_events", &deletes) < 0)
        return -1;
    n = json_array_size(creates) + json_array_size(deletes);
    if (n != 1)
        return fail(c, "%zu tweet events in one payload; expected exactly one (the webhook splits them)", n);
    if (json_array_size(creates))
        return norm_v1_tweet(c, json_array_get(creates, 0), "tweet_create_events[0]", post, 1);
    return norm_v1_delete(c, json_array_get(deletes, 0), post);
}

/* An Account Activity envelope: for_user_id plus tweet events. */
static int detect_x_activity(const json_t *root) {
    return json_object_get(root, "for_user_id") != NULL && (json_object_get(root, "tweet_create_events") != NULL ||
                                                            json_object_get(root, "tweet_delete_events") != NULL);
}

const rc_post_format_ops_t rc_format_x_activity = {RC_FMT_X_ACTIVITY, "x_activity", detect_x_activity, norm_x_activity};
