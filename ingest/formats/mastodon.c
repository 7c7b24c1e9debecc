/*
 * Mastodon status entities (docs.joinmastodon.org/entities/Status; the
 * mapping is in docs/sources/mastodon.md). Pure code, no I/O.
 *
 *   - A status becomes a Post: id, account (acct as the handle), the HTML
 *     content as plain text (spoiler_text first), language, url (else uri),
 *     in_reply_to_id, mentions, tags and the four counts.
 *   - A reblog (a status whose "reblog" holds another status) is its own
 *     record: event "repost", the wrapper's id, the reblogger as author,
 *     repost_of = the reblogged status's id and that status's text; the
 *     reblogged status is also normalised on its own as the embedded
 *     original (rc_post_embed_original), so the stage can emit it.
 *   - An edited status (edited_at set, or "ricochet_event": "edit" added
 *     by the mastodon_stream source to a status.update event) is event
 *     "edit" under the same id: Mastodon keeps a status's id across edits,
 *     so edit_of stays null.
 *   - A quote (Mastodon 4.4+: "quote" is a Quote with "quoted_status", or a
 *     ShallowQuote with "quoted_status_id") sets quote_of; the server's
 *     fallback "RE: <link>" element (class quote-inline) is then dropped
 *     from the text, as the docs ask clients to do.
 *   - conversation_id stays null: a Status carries no conversation id (only
 *     the Conversation entity of direct messages has one).
 */
#include "normalise_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key a source adds to a status to say "this arrived as an edit". */
#define RC_MASTODON_EVENT_KEY "ricochet_event"

static int lower_ch(int ch) {
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* End of the tag opened at s[0] == '<' (the index of its '>'), honouring
 * quoted attribute values; n when it does not end. */
static size_t tag_end(const char *s, size_t n) {
    size_t j = 1;
    char quote = 0;

    while (j < n && (quote || s[j] != '>')) {
        if (quote && s[j] == quote)
            quote = 0;
        else if (!quote && (s[j] == '"' || s[j] == '\''))
            quote = s[j];
        j++;
    }
    return j;
}

/* Non-zero when the tag text t[0..n) (from '<' to before '>') has a class
 * attribute with the token "quote-inline". */
static int has_quote_inline_class(const char *t, size_t n) {
    static const char token[] = "quote-inline";
    const size_t tl = sizeof(token) - 1;

    for (size_t i = 1; i + 6 < n; i++) {
        size_t v, e;
        char q;
        if (lower_ch(t[i]) != 'c' || lower_ch(t[i + 1]) != 'l' || lower_ch(t[i + 2]) != 'a' ||
            lower_ch(t[i + 3]) != 's' || lower_ch(t[i + 4]) != 's' || t[i + 5] != '=' ||
            (t[i - 1] != ' ' && t[i - 1] != '\t' && t[i - 1] != '\n'))
            continue;
        v = i + 6;
        q = t[v] == '"' || t[v] == '\'' ? t[v] : 0;
        if (q)
            v++;
        e = v;
        while (e < n && (q ? t[e] != q : t[e] != ' ' && t[e] != '\t'))
            e++;
        for (size_t k = v; k + tl <= e; k++)
            if (memcmp(t + k, token, tl) == 0 && (k == v || t[k - 1] == ' ' || t[k - 1] == '\t') &&
                (k + tl == e || t[k + tl] == ' ' || t[k + tl] == '\t'))
                return 1;
    }
    return 0;
}

/* Length of the ASCII tag name at s (after '<' or '</'). */
static size_t tag_name_len(const char *s, size_t n) {
    size_t l = 0;
    while (l < n && ((s[l] >= 'a' && s[l] <= 'z') || (s[l] >= 'A' && s[l] <= 'Z') || (s[l] >= '0' && s[l] <= '9')))
        l++;
    return l;
}

static int name_eq(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (lower_ch(a[i]) != lower_ch(b[i]))
            return 0;
    return 1;
}

/*
 * Copy of the HTML "in" without its elements of class "quote-inline" (and
 * what they contain). An element whose end tag never comes is kept: better
 * a redundant "RE: link" than a lost post. Returns a malloc'd string (caller
 * frees) with its length in *out_len, or NULL when out of memory.
 */
static char *strip_quote_inline(const char *in, size_t n, size_t *out_len) {
    char *out = malloc(n + 1);
    size_t i = 0, o = 0;

    if (!out)
        return NULL;
    while (i < n) {
        size_t e, nl, j, depth;
        const char *name;
        if (in[i] != '<' || i + 1 >= n || in[i + 1] == '/') {
            out[o++] = in[i++];
            continue;
        }
        e = tag_end(in + i, n - i);
        name = in + i + 1;
        nl = tag_name_len(name, n - i - 1);
        if (e >= n - i || nl == 0 || !has_quote_inline_class(in + i, e)) {
            out[o++] = in[i++];
            continue;
        }
        /* Find the matching end tag, counting nested ones of the same name. */
        depth = 1;
        j = i + e + 1;
        while (j < n && depth > 0) {
            size_t te;
            int closing;
            if (in[j] != '<') {
                j++;
                continue;
            }
            te = tag_end(in + j, n - j);
            if (te >= n - j)
                break;
            closing = j + 1 < n && in[j + 1] == '/';
            if (tag_name_len(in + j + 1 + closing, n - j - 1 - (size_t)closing) == nl &&
                name_eq(in + j + 1 + closing, name, nl) && in[j + te - 1] != '/')
                depth += closing ? -1 : 1;
            j += te + 1;
        }
        if (depth > 0) {
            out[o++] = in[i++];
            continue;
        }
        i = j;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* post.text from content (and spoiler_text) of status "st". */
static int set_status_text(rc_nctx_t *c, const json_t *st, const char *where, json_t *post, int quoted) {
    const char *content, *spoiler;
    size_t content_len, spoiler_len, n;
    char path[64], *html = NULL, *stripped = NULL;
    int r;

    if ((r = get_str(c, st, where, "content", 0, &content, &content_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s%scontent missing", WHERE(where));
    if (get_str(c, st, where, "spoiler_text", RC_SHORT_MAX, &spoiler, &spoiler_len) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%scontent", WHERE(where));
    if (quoted) {
        if (!(stripped = strip_quote_inline(content, content_len, &content_len)))
            return fail(c, "out of memory");
        content = stripped;
    }
    if (spoiler && spoiler_len > 0) {
        /* "<spoiler>\n\n<content>": joined as one piece of HTML, so the
         * paragraph break comes out like any other. */
        n = spoiler_len + content_len + 8;
        if (!(html = malloc(n))) {
            free(stripped);
            return fail(c, "out of memory");
        }
        memcpy(html, spoiler, spoiler_len);
        memcpy(html + spoiler_len, "</p><p>", 7);
        memcpy(html + spoiler_len + 7, content, content_len);
        r = set_text(c, post, html, spoiler_len + 7 + content_len, 1, path);
    } else {
        r = set_text(c, post, content, content_len, 1, path);
    }
    free(html);
    free(stripped);
    return r;
}

/* post.quote_of from st.quote: a Quote (quoted_status.id) or a
 * ShallowQuote (quoted_status_id). 1 set, 0 none, -1 error. */
static int set_quote(rc_nctx_t *c, const json_t *st, const char *where, json_t *post) {
    const json_t *quote, *quoted;
    char path[64];
    int r;

    if ((r = get_obj(c, st, where, "quote", &quote)) <= 0)
        return r;
    snprintf(path, sizeof(path), "%s%squote", WHERE(where));
    if ((r = get_obj(c, quote, path, "quoted_status", &quoted)) < 0)
        return -1;
    if (r > 0) {
        snprintf(path, sizeof(path), "%s%squote.quoted_status", WHERE(where));
        return set_opt_id(c, post, "quote_of", quoted, path, "id");
    }
    return set_opt_id(c, post, "quote_of", quote, path, "quoted_status_id");
}

/* What the words are: text, language, mentions, hashtags, quote. For a
 * reblog these come from the reblogged status. */
static int fill_content(rc_nctx_t *c, const json_t *st, const char *where, json_t *post) {
    const json_t *mentions, *tags, *quote = json_object_get(st, "quote");
    char path[64];

    if (set_status_text(c, st, where, post, quote && !json_is_null(quote)) != 0 ||
        set_lang(c, post, st, where, "language") < 0 || set_quote(c, st, where, post) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%smentions", WHERE(where));
    if (get_arr(c, st, where, "mentions", &mentions) < 0 ||
        (mentions && list_from_objects(c, post, "mentions", mentions, path, "acct", "username", '@') < 0))
        return -1;
    snprintf(path, sizeof(path), "%s%stags", WHERE(where));
    if (get_arr(c, st, where, "tags", &tags) < 0 ||
        (tags && list_from_objects(c, post, "hashtags", tags, path, "name", NULL, '#') < 0))
        return -1;
    return 0;
}

/* Who and when: id, account, created_at, url, reply, counts. For a reblog
 * these are the wrapper's (the reblog itself). */
static int fill_identity(rc_nctx_t *c, const json_t *st, const char *where, json_t *post) {
    static const char *const metric_names[4] = {"favourites_count", "reblogs_count", "replies_count", "quotes_count"};
    const json_t *account;
    json_t *author = json_object_get(post, "author"), *id = NULL;
    const char *acct, *name, *url;
    size_t acct_len, name_len, url_len;
    char path[64];
    json_int_t followers;
    int r;

    if ((r = get_id(c, st, where, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s%sid missing", WHERE(where));
    if (set_new(c, post, "id", id) != 0)
        return -1;

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

    if (set_created_at(c, post, st, where, "created_at") < 0 ||
        set_opt_id(c, post, "in_reply_to", st, where, "in_reply_to_id") < 0)
        return -1;
    if ((r = get_str(c, st, where, "url", RC_URL_MAX, &url, &url_len)) < 0)
        return -1;
    if ((r == 0 || url_len == 0) && (r = get_str(c, st, where, "uri", RC_URL_MAX, &url, &url_len)) < 0)
        return -1;
    if (r > 0 && url_len > 0 && set_strn(c, post, "url", url, url_len) != 0)
        return -1;
    return set_metrics(c, post, st, where, metric_names);
}

/* "edit" when the status says it was edited, or the source marked it. */
static int edit_event(rc_nctx_t *c, const json_t *st, json_t *post) {
    const char *edited, *marker;
    int r;

    if ((r = get_str(c, st, "", RC_MASTODON_EVENT_KEY, RC_SHORT_MAX, &marker, NULL)) < 0)
        return -1;
    if (r > 0 && strcmp(marker, "edit") != 0)
        return fail(c, RC_MASTODON_EVENT_KEY ": \"%.32s\" is not \"edit\"", marker);
    if (r == 0 && (r = get_str(c, st, "", "edited_at", 64, &edited, NULL)) < 0)
        return -1;
    return r > 0 ? set_str(c, post, "event", "edit") : 0;
}

static int norm_mastodon(rc_nctx_t *c, const json_t *st, json_t *post) {
    const json_t *reblog = json_object_get(st, "reblog"), *nested;
    json_t *id = NULL;
    int r;

    if (reblog && !json_is_null(reblog)) {
        if (!json_is_object(reblog))
            return fail(c, "reblog: expected an object, got %s", type_name(reblog));
        /* The reblog is the reblogger's act: its own id, author and time;
         * the words are the reblogged status's. */
        if (fill_identity(c, st, "", post) != 0)
            return -1;
        if ((r = get_id(c, reblog, "reblog", "id", &id)) < 0)
            return -1;
        if (r == 0)
            return fail(c, "reblog.id missing");
        if (set_new(c, post, "repost_of", id) != 0 || fill_content(c, reblog, "reblog", post) != 0 ||
            set_str(c, post, "event", "repost") != 0)
            return -1;
        /* Mastodon never nests reblogs; a nested one is not followed (its
         * words are taken as they are), which also keeps the recursion one
         * level deep whatever the input. */
        nested = json_object_get(reblog, "reblog");
        if ((!nested || json_is_null(nested)) && rc_post_embed_original(c, &rc_format_mastodon, reblog) != 0)
            return -1;
    } else {
        if (fill_identity(c, st, "", post) != 0 || fill_content(c, st, "", post) != 0 || edit_event(c, st, post) != 0)
            return -1;
    }
    return set_str(c, post, "platform", "mastodon");
}

/* A status always has an account, and content (empty for a reblog). */
static int detect_mastodon(const json_t *root) {
    return json_object_get(root, "account") && (json_object_get(root, "content") || json_object_get(root, "reblog"));
}

const rc_post_format_ops_t rc_format_mastodon = {RC_FMT_MASTODON, "mastodon", detect_mastodon, norm_mastodon};
