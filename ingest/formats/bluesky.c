/*
 * Bluesky Jetstream commit events (docs/sources/bluesky.md). Pure code, no I/O.
 *
 *   {"did": "did:plc:...", "time_us": 1725911162329308, "kind": "commit",
 *    "commit": {"rev", "operation": "create|update|delete",
 *               "collection": "app.bsky.feed.post|app.bsky.feed.repost",
 *               "rkey", "cid", "record": {...}},        no record on delete
 *    "profile": {"did", "handle", "displayName", "followersCount",
 *                "verification": {"verifiedStatus"}}}  optional, see below
 *
 * Jetstream events carry only the DID of the author. The bluesky_jetstream
 * source looks the author up (app.bsky.actor.getProfile) and adds the
 * answer as a top-level "profile" member before it submits the event; that
 * member is ricochet's extension of the form. Without it the handle is the
 * DID and followers are 0.
 *
 * Mapping decisions:
 *   - id is the record's at:// URI, the one other records use to point at
 *     it (reply parents, quotes, reposts), so references join up.
 *   - The text is used as written: Bluesky text is plain, not HTML, and
 *     facet byte offsets refer to it unchanged.
 *   - Mentions and hashtags come from the facets (and record.tags), which
 *     is how Bluesky itself marks them; a "#word" without a facet is not a
 *     tag in any Bluesky client. A mention is the handle written in the
 *     text at the facet's byte range, or the DID when that range does not
 *     hold one.
 *   - update is an "edit" (same id), delete is a "delete" (created_at is
 *     the time Jetstream saw it: a delete has no record), a repost record
 *     is a "repost" whose repost_of is the subject's URI. Jetstream does
 *     not carry the reposted post, so a repost's text is empty.
 */
#include "normalise_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define BSKY_POST "app.bsky.feed.post"
#define BSKY_REPOST "app.bsky.feed.repost"

/* DID syntax (did:method:id, with the characters the DID spec allows). */
static int is_did_ch(unsigned char ch) {
    return is_word_ascii(ch) || ch == '.' || ch == ':' || ch == '%' || ch == '-';
}

/* Record key syntax (atproto "record-key"). */
static int is_rkey_ch(unsigned char ch) {
    return is_word_ascii(ch) || ch == '.' || ch == ':' || ch == '~' || ch == '-';
}

/* Handle syntax: DNS labels joined by dots. */
static int is_handle_ch(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

static int all_n(const char *s, size_t n, int (*ok)(unsigned char)) {
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A handle fit to show and to put in a URL: "handle.invalid" is what the
 * AppView answers for an account whose handle no longer verifies. */
static int handle_usable(const char *h, size_t n) {
    return h && n > 0 && n <= 253 && all_n(h, n, is_handle_ch) && !(n == 14 && memcmp(h, "handle.invalid", 14) == 0);
}

/* A reference to another record ({"uri", "cid"}) at obj[key]: 1 with *uri
 * borrowed, 0 when absent, -1 after fail(). */
static int get_ref(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, const char **uri) {
    const json_t *ref;
    const char *s;
    size_t n;
    char path[96];
    int r;

    *uri = NULL;
    if ((r = get_obj(c, obj, where, key, &ref)) <= 0)
        return r;
    snprintf(path, sizeof(path), "%s%s%s", WHERE(where), key);
    if ((r = get_str(c, ref, path, "uri", RC_ID_MAX, &s, &n)) < 0)
        return -1;
    if (r == 0 || n == 0)
        return fail(c, "%s.uri missing", path);
    if (n < 5 || strncmp(s, "at://", 5) != 0)
        return fail(c, "%s.uri: \"%.64s\" is not an at:// URI", path, s);
    *uri = s;
    return 1;
}

/* "at://<did>/app.bsky.feed.post/<rkey>" to its bsky.app page; 0 when the
 * URI is not a post's. */
static int post_url(const char *uri, char *out, size_t out_size) {
    const char *did = uri + 5, *slash = strchr(did, '/'), *rkey;
    size_t cl = strlen(BSKY_POST);

    if (!slash || strncmp(slash + 1, BSKY_POST, cl) != 0 || slash[1 + cl] != '/')
        return 0;
    rkey = slash + 2 + cl;
    if (!all_n(did, (size_t)(slash - did), is_did_ch) || !all_n(rkey, strlen(rkey), is_rkey_ch))
        return 0;
    snprintf(out, out_size, "https://bsky.app/profile/%.*s/post/%s", (int)(slash - did), did, rkey);
    return 1;
}

/* quote_of from record.embed: a record embed (alone or with media) that
 * points at a post. Embeds of lists, feeds or starter packs are not quotes. */
static int set_quote(rc_nctx_t *c, json_t *post, const json_t *record) {
    const json_t *embed, *inner;
    const char *type, *uri = NULL;
    int r;

    if ((r = get_obj(c, record, "record", "embed", &embed)) <= 0)
        return r;
    if (get_str(c, embed, "record.embed", "$type", RC_SHORT_MAX, &type, NULL) < 0)
        return -1;
    if (!type)
        return 0;
    if (strcmp(type, "app.bsky.embed.record") == 0) {
        if ((r = get_ref(c, embed, "record.embed", "record", &uri)) < 0)
            return -1;
        if (r == 0)
            return fail(c, "record.embed.record missing");
    } else if (strcmp(type, "app.bsky.embed.recordWithMedia") == 0) {
        if ((r = get_obj(c, embed, "record.embed", "record", &inner)) < 0)
            return -1;
        if (r == 0)
            return fail(c, "record.embed.record missing");
        if ((r = get_ref(c, inner, "record.embed.record", "record", &uri)) < 0)
            return -1;
        if (r == 0)
            return fail(c, "record.embed.record.record missing");
    }
    if (uri && strstr(uri, "/" BSKY_POST "/"))
        return set_str(c, post, "quote_of", uri);
    return 0;
}

/* One facet feature: a mention adds a handle (from the text at the facet's
 * range) or the DID, a tag adds the tag; links and unknown features are
 * not ours to list. */
static int facet_feature(rc_nctx_t *c, const json_t *feat, const char *path, const char *text, size_t text_len,
                         const json_t *index, const char *ipath, json_t *mentions, json_t *tags) {
    const char *type, *s;
    size_t n;
    int r;

    if (!json_is_object(feat))
        return fail(c, "%s: expected an object, got %s", path, type_name(feat));
    if (get_str(c, feat, path, "$type", RC_SHORT_MAX, &type, NULL) < 0)
        return -1;
    if (!type)
        return 0;
    if (strcmp(type, "app.bsky.richtext.facet#mention") == 0) {
        json_int_t start = 0, end = 0;
        if ((r = get_str(c, feat, path, "did", RC_SHORT_MAX, &s, &n)) < 0)
            return -1;
        if (r == 0 || n == 0)
            return fail(c, "%s.did missing", path);
        if (index &&
            (get_count(c, index, ipath, "byteStart", &start) < 0 || get_count(c, index, ipath, "byteEnd", &end) < 0))
            return -1;
        /* The range holds "@handle" when the client wrote it properly;
         * anything else (a stale range after an edit, a range splitting a
         * character) falls back to the DID, which is always right. */
        if (index && start < end && (size_t)end <= text_len && text[start] == '@' &&
            handle_usable(text + start + 1, (size_t)(end - start - 1)))
            return list_add(c, mentions, text + start, (size_t)(end - start), '@');
        return list_add(c, mentions, s, n, '@');
    }
    if (strcmp(type, "app.bsky.richtext.facet#tag") == 0) {
        if ((r = get_str(c, feat, path, "tag", RC_SHORT_MAX, &s, &n)) < 0)
            return -1;
        if (r == 0)
            return fail(c, "%s.tag missing", path);
        return list_add(c, tags, s, n, '#');
    }
    return 0;
}

/* post.mentions and post.hashtags from record.facets and record.tags
 * (both lists are set, empty when the record marks nothing). */
static int set_facets(rc_nctx_t *c, json_t *post, const json_t *record, const char *text, size_t text_len) {
    const json_t *facets, *facet, *features, *feat, *index, *extra, *tag;
    json_t *mentions = json_array(), *tags = json_array();
    char path[96], fpath[128], ipath[128];
    size_t i, j;
    int rc = -1;

    if (!mentions || !tags) {
        fail(c, "out of memory");
        goto out;
    }
    if (get_arr(c, record, "record", "facets", &facets) < 0)
        goto out;
    json_array_foreach(facets, i, facet) {
        snprintf(path, sizeof(path), "record.facets[%zu]", i);
        if (!json_is_object(facet)) {
            fail(c, "%s: expected an object, got %s", path, type_name(facet));
            goto out;
        }
        snprintf(ipath, sizeof(ipath), "%s.index", path);
        if (get_obj(c, facet, path, "index", &index) < 0 || get_arr(c, facet, path, "features", &features) < 0)
            goto out;
        json_array_foreach(features, j, feat) {
            snprintf(fpath, sizeof(fpath), "%s.features[%zu]", path, j);
            if (facet_feature(c, feat, fpath, text, text_len, index, ipath, mentions, tags) != 0)
                goto out;
        }
    }
    /* record.tags: hashtags the author attached without writing them. */
    if (get_arr(c, record, "record", "tags", &extra) < 0)
        goto out;
    json_array_foreach(extra, i, tag) {
        if (!json_is_string(tag)) {
            fail(c, "record.tags[%zu]: expected a string, got %s", i, type_name(tag));
            goto out;
        }
        if (list_add(c, tags, json_string_value(tag), json_string_length(tag), '#') != 0)
            goto out;
    }
    rc = set_new(c, post, "mentions", mentions);
    mentions = NULL;
    if (rc == 0)
        rc = set_new(c, post, "hashtags", tags);
    tags = NULL;
out:
    json_decref(mentions);
    json_decref(tags);
    return rc;
}

/* author.* from the profile the source attached (see the top comment). */
static int set_author(rc_nctx_t *c, json_t *post, const json_t *root, const char *did, const char **handle_out) {
    json_t *author = json_object_get(post, "author");
    const json_t *profile, *ver;
    const char *pdid, *handle = NULL, *name = NULL, *status = NULL;
    size_t handle_len = 0, name_len = 0;
    json_int_t followers = 0;
    int r;

    *handle_out = did;
    if (set_str(c, author, "id", did) != 0)
        return -1;
    if ((r = get_obj(c, root, "", "profile", &profile)) < 0)
        return -1;
    if (r > 0) {
        if (get_str(c, profile, "profile", "did", RC_SHORT_MAX, &pdid, NULL) < 0)
            return -1;
        /* A profile of someone else would put a stranger's name on the post. */
        if (pdid && strcmp(pdid, did) != 0)
            return fail(c, "profile.did \"%.64s\" is not the event's did \"%.64s\"", pdid, did);
        if (get_str(c, profile, "profile", "handle", RC_SHORT_MAX, &handle, &handle_len) < 0 ||
            get_str(c, profile, "profile", "displayName", RC_SHORT_MAX, &name, &name_len) < 0 ||
            get_count(c, profile, "profile", "followersCount", &followers) < 0 ||
            get_obj(c, profile, "profile", "verification", &ver) < 0 ||
            (ver && get_str(c, ver, "profile.verification", "verifiedStatus", RC_SHORT_MAX, &status, NULL) < 0))
            return -1;
    }
    if (handle_usable(handle, handle_len))
        *handle_out = handle;
    else
        handle = NULL;
    if (set_str(c, author, "handle", handle ? handle : did) != 0 ||
        set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        set_count(c, author, "followers", followers) != 0 ||
        set_new(c, author, "verified", json_boolean(status && strcmp(status, "valid") == 0)) != 0)
        return -1;
    return 0;
}

/* record.langs[0], the language the author marked first. */
static int set_langs(rc_nctx_t *c, json_t *post, const json_t *record) {
    const json_t *langs, *first;
    int r;

    if ((r = get_arr(c, record, "record", "langs", &langs)) <= 0 || json_array_size(langs) == 0)
        return r < 0 ? -1 : 0;
    first = json_array_get(langs, 0);
    if (!json_is_string(first))
        return fail(c, "record.langs[0]: expected a string, got %s", type_name(first));
    if (json_string_length(first) > RC_LANG_MAX)
        return fail(c, "record.langs[0] is %zu bytes, over the %d-byte limit", json_string_length(first), RC_LANG_MAX);
    if (json_string_length(first) == 0)
        return 0;
    return set_str(c, post, "lang", json_string_value(first));
}

/* A post record (create or update). */
static int norm_post_record(rc_nctx_t *c, json_t *post, const json_t *record, const char *uri, const char *handle,
                            const char *rkey) {
    const char *text, *parent = NULL, *root = NULL;
    const json_t *reply;
    size_t text_len;
    char url[512];
    int r;

    if ((r = get_str(c, record, "record", "text", 0, &text, &text_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "record.text missing");
    if (text_len > RC_TEXT_MAX)
        return fail(c, "record.text is %zu bytes, over the %d-byte limit", text_len, RC_TEXT_MAX);
    if (set_strn(c, post, "text", text, text_len) != 0)
        return -1;
    if (set_created_at(c, post, record, "record", "createdAt") < 0 || set_langs(c, post, record) != 0)
        return -1;
    if ((r = get_obj(c, record, "record", "reply", &reply)) < 0)
        return -1;
    if (r > 0 && (get_ref(c, reply, "record.reply", "parent", &parent) < 0 ||
                  get_ref(c, reply, "record.reply", "root", &root) < 0))
        return -1;
    if (r > 0 && (!parent || !root))
        return fail(c, "record.reply.%s missing", parent ? "root" : "parent");
    if (set_str(c, post, "in_reply_to", parent) != 0 || set_str(c, post, "conversation_id", root ? root : uri) != 0)
        return -1;
    if (set_quote(c, post, record) != 0 || set_facets(c, post, record, text, text_len) != 0)
        return -1;
    snprintf(url, sizeof(url), "https://bsky.app/profile/%s/post/%s", handle, rkey);
    return set_str(c, post, "url", url);
}

/* A repost record: who reposted what, when. */
static int norm_repost_record(rc_nctx_t *c, json_t *post, const json_t *record) {
    const char *subject;
    char url[512];
    int r;

    if ((r = get_ref(c, record, "record", "subject", &subject)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "record.subject missing");
    if (set_str(c, post, "repost_of", subject) != 0 || set_str(c, post, "text", "") != 0 ||
        set_created_at(c, post, record, "record", "createdAt") < 0)
        return -1;
    /* A repost has no page of its own; the reposted post's is the useful
     * link. */
    if (post_url(subject, url, sizeof(url)) && set_str(c, post, "url", url) != 0)
        return -1;
    return 0;
}

static int norm_bluesky(rc_nctx_t *c, const json_t *root, json_t *post) {
    const json_t *commit, *record, *tv = json_object_get(root, "time_us");
    const char *did, *kind, *op, *coll, *rkey, *handle;
    size_t did_len, rkey_len;
    json_int_t time_us;
    int r, is_repost;
    char uri[RC_ID_MAX + 64];

    if ((r = get_str(c, root, "", "did", RC_SHORT_MAX, &did, &did_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "did missing");
    if (did_len < 5 || strncmp(did, "did:", 4) != 0 || !all_n(did, did_len, is_did_ch))
        return fail(c, "did: \"%.64s\" is not a DID", did);
    if (!json_is_integer(tv))
        return fail(c, "time_us: expected an integer, got %s", tv ? type_name(tv) : "nothing");
    time_us = json_integer_value(tv);
    if (time_us <= 0)
        return fail(c, "time_us: must be positive");
    if ((r = get_str(c, root, "", "kind", RC_SHORT_MAX, &kind, NULL)) < 0)
        return -1;
    if (r == 0 || strcmp(kind, "commit") != 0)
        return fail(c, "kind \"%.32s\" is not a post: only commit events are", r ? kind : "");

    if ((r = get_obj(c, root, "", "commit", &commit)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "commit missing");
    if ((r = get_str(c, commit, "commit", "operation", RC_SHORT_MAX, &op, NULL)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "commit.operation missing");
    if (strcmp(op, "create") != 0 && strcmp(op, "update") != 0 && strcmp(op, "delete") != 0)
        return fail(c, "commit.operation: \"%.32s\" is not one of create, update, delete", op);
    if ((r = get_str(c, commit, "commit", "collection", RC_SHORT_MAX, &coll, NULL)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "commit.collection missing");
    if (strcmp(coll, BSKY_POST) == 0)
        is_repost = 0;
    else if (strcmp(coll, BSKY_REPOST) == 0)
        is_repost = 1;
    else
        return fail(c, "commit.collection: \"%.64s\" is not %s or %s", coll, BSKY_POST, BSKY_REPOST);
    if ((r = get_str(c, commit, "commit", "rkey", RC_SHORT_MAX, &rkey, &rkey_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "commit.rkey missing");
    if (!all_n(rkey, rkey_len, is_rkey_ch) || strcmp(rkey, ".") == 0 || strcmp(rkey, "..") == 0)
        return fail(c, "commit.rkey: \"%.64s\" is not a record key", rkey);
    if ((size_t)snprintf(uri, sizeof(uri), "at://%s/%s/%s", did, coll, rkey) > RC_ID_MAX)
        return fail(c, "the record's URI is over the %d-byte limit for ids", RC_ID_MAX);
    if (set_str(c, post, "id", uri) != 0 || set_str(c, post, "platform", "bluesky") != 0)
        return -1;
    if (set_author(c, post, root, did, &handle) != 0)
        return -1;

    if (strcmp(op, "delete") == 0) {
        /* No record any more: the time of the delete is Jetstream's. */
        time_t t = (time_t)(time_us / 1000000);
        struct tm tm;
        char ts[40];
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            return fail(c, "time_us: %" JSON_INTEGER_FORMAT " is out of range", time_us);
        return set_str(c, post, "event", "delete") != 0 || set_str(c, post, "created_at", ts) != 0 ? -1 : 0;
    }
    if ((r = get_obj(c, commit, "commit", "record", &record)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "commit.record missing (operation %s)", op);
    if (is_repost)
        return set_str(c, post, "event", "repost") != 0 ? -1 : norm_repost_record(c, post, record);
    if (strcmp(op, "update") == 0 && set_str(c, post, "event", "edit") != 0)
        return -1;
    return norm_post_record(c, post, record, uri, handle, rkey);
}

/* Every Jetstream event has these three; nothing else we read does. */
static int detect_bluesky(const json_t *root) {
    return json_object_get(root, "did") && json_object_get(root, "time_us") && json_object_get(root, "kind");
}

const rc_post_format_ops_t rc_format_bluesky = {RC_FMT_BLUESKY, "bluesky", detect_bluesky, norm_bluesky};
