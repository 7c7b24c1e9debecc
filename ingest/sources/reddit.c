/*
 * Source type "reddit": polls Reddit's JSON listings for new links and
 * comments of configured subreddits and for new results of search queries
 * (docs/sources/reddit.md).
 *
 * Authentication is application-only OAuth2: a "client_credentials" grant
 * at token_url with the app's id and secret as HTTP basic auth gives a
 * bearer token, kept until shortly before its expires_in and fetched again
 * after a 401 (once per request: a second 401 with a fresh token is a
 * failure, not a loop).
 *
 * Each listing (reddit_listing.h: "new:<sub>", "comments:<sub>",
 * "search:<query>") has its own mark, the fullname and created_utc of the
 * newest item handed on; all marks together are the source's one cursor
 * string, a small JSON object. A poll of one listing:
 *
 *   with a mark:  GET ...?before=<mark>&limit=N: the N items just newer than
 *                 the mark (Reddit's "before" walks towards the newest), newest
 *                 first. Submitted oldest first with the mark moved to the
 *                 page's newest; while pages come back full, the next page is
 *                 before=<that newest>. The marks therefore only move forward,
 *                 page by page, each after the older pages.
 *   empty answer: before=<mark> is also empty when the mark's item was
 *                 deleted or removed (Reddit cannot place it any more), so an
 *                 empty first page is checked against the plain listing: if
 *                 the mark's item is on it, nothing is new; if not, the items
 *                 created at or after the mark's created_utc are new, going
 *                 back with after=... while whole pages qualify.
 *                 When nothing is newer the mark moves to the newest item
 *                 listed, so the next before= works again.
 *   no mark yet:  the plain listing's first page (no crawl of history).
 *
 * Errors: a 429, a 5xx, a transport error, or a page that is not a whole
 * Listing (truncated, malformed) end the cycle with -1 and leave that
 * listing's mark where it was (the runner backs off; the next cycle starts
 * with the listing after the failed one so one bad listing does not starve
 * the rest). A page over max_body is fetched again with half the limit. A
 * 403/404 (private, banned or misspelt subreddit) skips that listing with a
 * warning and a counted event; the others go on.
 *
 * Thread locality: the source's own thread only (source.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source.h"
#include "sources/reddit_listing.h"
#include "util.h"

typedef struct rc_reddit_conf {
    rc_source_conf_t common;
    char *base_url;
    char *token_url;
    char *client_id;
    char *client_secret;
    char *user_agent;
    const rc_node_t *subreddits; /* sequence (or one scalar) of names */
    const rc_node_t *search;     /* sequence (or one scalar) of queries */
    int comments;
    long limit;
    long max_pages;
} rc_reddit_conf_t;

#define OFF(f) offsetof(rc_reddit_conf_t, f)
static const rc_config_entry_t rc_reddit_table[] = {
    {"base_url", RC_CT_STRING, "https://oauth.reddit.com", 0, 0, NULL, OFF(base_url), 0,
     "API host for bearer-token requests."},
    {"token_url", RC_CT_STRING, "https://www.reddit.com/api/v1/access_token", 0, 0, NULL, OFF(token_url), 0,
     "OAuth2 token endpoint (client_credentials grant, HTTP basic auth)."},
    {"client_id", RC_CT_STRING, NULL, 0, 0, NULL, OFF(client_id), 1, "The app's client id (reddit.com/prefs/apps)."},
    {"client_secret", RC_CT_STRING, NULL, 0, 0, NULL, OFF(client_secret), 1,
     "The app's secret, e.g. ${REDDIT_CLIENT_SECRET}."},
    {"user_agent", RC_CT_STRING, NULL, 0, 0, NULL, OFF(user_agent), 1,
     "Required by Reddit's API rules: platform:app-id:version (by /u/user), e.g. \"linux:com.example.app:1.0 (by "
     "/u/you)\"."},
    {"subreddits", RC_CT_NODE, NULL, 0, 0, NULL, OFF(subreddits), 0, "Subreddits (a list) whose new links are polled."},
    {"search", RC_CT_NODE, NULL, 0, 0, NULL, OFF(search), 0,
     "Search queries (a list) whose new results are polled (sort=new)."},
    {"comments", RC_CT_BOOL, "false", 0, 0, NULL, OFF(comments), 0, "Also poll each subreddit's new comments."},
    {"limit", RC_CT_INT, "100", 1, 100, NULL, OFF(limit), 0, "Items per request (Reddit's maximum is 100)."},
    {"max_pages", RC_CT_INT, "10", 1, 100, NULL, OFF(max_pages), 0,
     "Pages one listing may take per cycle (Reddit keeps about 1000 items per listing)."},
    RC_CONFIG_END};
#undef OFF

/* Per-source state: the listings, the token, the marks. */
typedef struct rc_reddit {
    char **keys; /* listing keys, n */
    int *warned; /* a 403/404 of listing i was logged */
    size_t n;
    size_t start;            /* first listing of the next cycle */
    char *token;             /* bearer token, NULL when none */
    int64_t token_expiry_ms; /* rc_mono_ms() after which it is fetched again */
    json_t *marks;           /* listing key -> mark, as handed on this cycle */
} rc_reddit_t;

/* ---------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------- */

/* Calls cb for each scalar of a sequence node (or the node itself when it
 * is one scalar); -1 with errstr for any other shape. */
static int each_value(const rc_node_t *node, const char *what, int (*cb)(void *opaque, const char *v, size_t i),
                      void *opaque, char *errstr, size_t errstr_size) {
    size_t i = 0;

    if (!node || (node->type == RC_NODE_SCALAR && !node->value))
        return 0;
    if (node->type == RC_NODE_SCALAR)
        return cb(opaque, node->value, 0);
    if (node->type != RC_NODE_SEQ) {
        snprintf(errstr, errstr_size, "%s: expected a list of strings", what);
        return -1;
    }
    for (const rc_node_t *it = node->child; it; it = it->next, i++) {
        if (it->type != RC_NODE_SCALAR || !it->value) {
            snprintf(errstr, errstr_size, "%s[%zu]: expected a string", what, i);
            return -1;
        }
        if (cb(opaque, it->value, i) != 0)
            return -1;
    }
    return 0;
}

typedef struct {
    char *errstr;
    size_t errstr_size;
    size_t count;
} rc_reddit_check_t;

static int check_subreddit(void *opaque, const char *v, size_t i) {
    rc_reddit_check_t *ck = opaque;
    const char *name = strncmp(v, "r/", 2) == 0 ? v + 2 : v;

    if (!rc_reddit_subreddit_ok(name)) {
        snprintf(ck->errstr, ck->errstr_size,
                 "subreddits[%zu]: \"%.64s\" is not a subreddit name (letters, digits, '_', '+' for several)", i, v);
        return -1;
    }
    ck->count++;
    return 0;
}

static int check_query(void *opaque, const char *v, size_t i) {
    rc_reddit_check_t *ck = opaque;
    size_t n = strlen(v);

    if (n == 0 || n > 512) {
        snprintf(ck->errstr, ck->errstr_size, "search[%zu]: a query is 1-512 bytes", i);
        return -1;
    }
    ck->count++;
    return 0;
}

/* Header values must not smuggle in a line break (or be empty). */
static int header_safe(const char *s) {
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int rc_reddit_check(const void *confp, char *errstr, size_t errstr_size) {
    const rc_reddit_conf_t *conf = confp;
    rc_reddit_check_t ck = {errstr, errstr_size, 0};

    if (!header_safe(conf->user_agent) || strlen(conf->user_agent) > 512) {
        snprintf(errstr, errstr_size,
                 "user_agent: required by Reddit's API rules, one line of at most 512 bytes like "
                 "\"linux:com.example.ricochet:1.0 (by /u/yourname)\"");
        return -1;
    }
    if (!header_safe(conf->client_id) || strchr(conf->client_id, ':') || !header_safe(conf->client_secret)) {
        snprintf(errstr, errstr_size, "client_id and client_secret: required, one line each (no ':' in the id)");
        return -1;
    }
    if (each_value(conf->subreddits, "subreddits", check_subreddit, &ck, errstr, errstr_size) != 0 ||
        each_value(conf->search, "search", check_query, &ck, errstr, errstr_size) != 0)
        return -1;
    if (ck.count == 0) {
        snprintf(errstr, errstr_size, "nothing to poll: give subreddits, search, or both");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------- */

static void rc_reddit_destroy(void *statep) {
    rc_reddit_t *st = statep;

    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++)
        free(st->keys[i]);
    free(st->keys);
    free(st->warned);
    free(st->token);
    json_decref(st->marks);
    free(st);
}

/* Adds listing "prefix:value" unless it is already there (a subreddit
 * named twice is polled once). */
static int add_key(rc_reddit_t *st, const char *prefix, const char *value, int lower) {
    char *key, **keys;

    if (asprintf(&key, "%s:%s", prefix, value) < 0)
        return -1;
    if (lower)
        for (char *p = key; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->keys[i], key) == 0) {
            free(key);
            return 0;
        }
    }
    if (!(keys = realloc(st->keys, (st->n + 1) * sizeof(*keys)))) {
        free(key);
        return -1;
    }
    st->keys = keys;
    st->keys[st->n++] = key;
    return 0;
}

typedef struct {
    rc_reddit_t *st;
    int comments;
} rc_reddit_keys_t;

static int add_subreddit(void *opaque, const char *v, size_t i) {
    rc_reddit_keys_t *k = opaque;
    const char *name = strncmp(v, "r/", 2) == 0 ? v + 2 : v;

    /* Subreddit names are case-insensitive: lower case keeps a mark when
     * the configuration's spelling changes. */
    if (add_key(k->st, "new", name, 1) != 0 || (k->comments && add_key(k->st, "comments", name, 1) != 0))
        return -1;
    return 0;
}

static int add_query(void *opaque, const char *v, size_t i) {
    rc_reddit_keys_t *k = opaque;
    return add_key(k->st, "search", v, 0);
}

static int rc_reddit_init(void **statep, const void *confp, char *errstr, size_t errstr_size) {
    const rc_reddit_conf_t *conf = confp;
    rc_reddit_t *st = calloc(1, sizeof(*st));
    rc_reddit_keys_t k = {st, conf->comments};

    if (!st)
        goto oom;
    *statep = st;
    if (each_value(conf->subreddits, "subreddits", add_subreddit, &k, errstr, errstr_size) != 0 ||
        each_value(conf->search, "search", add_query, &k, errstr, errstr_size) != 0)
        goto oom;
    if (!(st->warned = calloc(st->n ? st->n : 1, sizeof(*st->warned))))
        goto oom;
    return 0;
oom:
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
}

/* ---------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------- */

/* A short, printable excerpt of an error body for messages. */
static void excerpt(const rc_http_response_t *resp, char *out, size_t out_size) {
    size_t n = resp->body ? resp->body_len : 0, o = 0;

    if (n > 120)
        n = 120;
    for (size_t i = 0; i < n && o + 1 < out_size; i++)
        out[o++] = (resp->body[i] >= 0x20 && resp->body[i] < 0x7f) ? resp->body[i] : ' ';
    out[o] = '\0';
}

/* Makes sure st->token holds a live bearer token: a client_credentials
 * grant at token_url (basic auth with the app's id and secret). */
static int ensure_token(rc_source_t *src, rc_reddit_t *st, const rc_reddit_conf_t *conf, char *errstr,
                        size_t errstr_size) {
    static const char body[] = "grant_type=client_credentials";
    char ua[1100], snip[128];
    const char *headers[2];
    rc_http_request_t req = {0};
    rc_http_response_t resp = {0};
    json_t *root = NULL;
    const json_t *tok, *exp;
    long long expires_s = 3600;
    int rc = -1;

    if (st->token && rc_mono_ms() < st->token_expiry_ms)
        return 0;
    free(st->token);
    st->token = NULL;
    snprintf(ua, sizeof(ua), "User-Agent: %s", conf->user_agent);
    headers[0] = ua;
    headers[1] = NULL;
    req.method = "POST";
    req.url = conf->token_url;
    req.body = body;
    req.body_len = sizeof(body) - 1;
    req.content_type = "application/x-www-form-urlencoded";
    req.headers = headers;
    req.user = conf->client_id;
    req.password = conf->client_secret;
    rc_source_count(src, "token");
    if (rc_source_http(src, &req, &resp) != 0) {
        snprintf(errstr, errstr_size, "token request to %s: %s", conf->token_url,
                 resp.error[0] ? resp.error : "not sent (stopping)");
        goto out;
    }
    if (resp.status != 200) {
        excerpt(&resp, snip, sizeof(snip));
        snprintf(errstr, errstr_size, "token request: HTTP %ld%s: %s", resp.status,
                 resp.status == 401 ? " (check client_id and client_secret)" : "", snip);
        goto out;
    }
    root = json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL);
    tok = json_object_get(root, "access_token");
    if (!json_is_string(tok) || json_string_length(tok) == 0 || !header_safe(json_string_value(tok))) {
        /* Reddit answers some mistakes (a wrong grant type) with 200 and
         * {"error": "..."}. */
        if (tok) {
            /* Never log what may be a credential. */
            snprintf(errstr, errstr_size, "token request: the access_token is not a usable header value");
        } else {
            excerpt(&resp, snip, sizeof(snip));
            snprintf(errstr, errstr_size, "token request: no access_token in the answer: %s", snip);
        }
        goto out;
    }
    exp = json_object_get(root, "expires_in");
    if (json_is_number(exp) && json_number_value(exp) > 0 && json_number_value(exp) < 1e9)
        expires_s = (long long)json_number_value(exp);
    if (!(st->token = strdup(json_string_value(tok)))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    /* Renew a minute early (half the lifetime for short ones) so a token
     * never expires in the middle of a cycle's requests. */
    st->token_expiry_ms = rc_mono_ms() + (expires_s > 120 ? expires_s - 60 : expires_s / 2) * 1000;
    rc = 0;
out:
    json_decref(root);
    rc_http_response_clear(&resp);
    return rc;
}

/* GET "url" with the bearer token; a 401 drops the token and tries once
 * more with a fresh one. Returns 0 with a response (any status; the
 * caller clears it), -1 with errstr. */
static int authed_get(rc_source_t *src, rc_reddit_t *st, const rc_reddit_conf_t *conf, const char *url,
                      rc_http_response_t *resp, char *errstr, size_t errstr_size) {
    char *auth = NULL, ua[1100];
    const char *headers[3];
    rc_http_request_t req = {0};

    snprintf(ua, sizeof(ua), "User-Agent: %s", conf->user_agent);
    for (int attempt = 0; attempt < 2; attempt++) {
        int r;
        if (ensure_token(src, st, conf, errstr, errstr_size) != 0)
            return -1;
        if (asprintf(&auth, "Authorization: bearer %s", st->token) < 0) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        headers[0] = auth;
        headers[1] = ua;
        headers[2] = NULL;
        req.method = "GET";
        req.url = url;
        req.headers = headers;
        memset(resp, 0, sizeof(*resp));
        r = rc_source_http(src, &req, resp);
        free(auth);
        auth = NULL;
        if (r != 0) {
            snprintf(errstr, errstr_size, "GET %s: %s", url, resp->error[0] ? resp->error : "not sent (stopping)");
            return -1;
        }
        if (resp->status != 401)
            return 0;
        /* Expired or revoked early: the token is not used again. Once per
         * request a new one is fetched and the request repeated; a second
         * 401 goes back to the caller (the next cycle starts afresh). */
        free(st->token);
        st->token = NULL;
        if (attempt == 1)
            return 0;
        rc_http_response_clear(resp);
        rc_source_count(src, "token_refresh");
    }
    return 0;
}

enum { PAGE_OK = 0, PAGE_FAIL = -1, PAGE_SKIP = -2 };

/* Fetches one page of listing "key" into "page". A page over max_body is
 * asked for again with half the limit (*limit is updated, down to 1).
 * Returns PAGE_OK, PAGE_FAIL (errstr; end the cycle) or PAGE_SKIP (errstr;
 * the listing is unavailable: 403/404). */
static int fetch_page(rc_source_t *src, rc_reddit_t *st, const rc_reddit_conf_t *conf, const char *key, long *limit,
                      const char *before, const char *after, rc_reddit_page_t *page, char *errstr, size_t errstr_size) {
    rc_http_response_t resp = {0};
    char snip[128];
    char *url = NULL;
    int rc = PAGE_FAIL;

    memset(page, 0, sizeof(*page));
    for (;;) {
        free(url);
        if (!(url = rc_reddit_listing_url(conf->base_url, key, *limit, before, after))) {
            snprintf(errstr, errstr_size, "%s: cannot build the listing URL", key);
            goto out;
        }
        if (authed_get(src, st, conf, url, &resp, errstr, errstr_size) != 0)
            goto out;
        if (resp.status == 200 && resp.truncated && *limit > 1) {
            rc_source_count(src, "oversized");
            rc_log_warn("reddit %s: a page of %ld items is over max_body; asking for %ld", key, *limit, *limit / 2);
            *limit /= 2;
            rc_http_response_clear(&resp);
            continue;
        }
        break;
    }
    if (resp.status == 200 && resp.truncated) {
        rc_source_count(src, "oversized");
        snprintf(errstr, errstr_size, "%s: even one item is over max_body", key);
    } else if (resp.status == 200) {
        char why[200];
        if (rc_reddit_page_parse(resp.body, resp.body_len, page, why, sizeof(why)) == 0) {
            rc = PAGE_OK;
        } else {
            rc_source_count(src, "malformed");
            snprintf(errstr, errstr_size, "%s: a malformed page (%s)", key, why);
        }
    } else if (resp.status == 401) {
        snprintf(errstr, errstr_size, "%s: HTTP 401 even with a fresh token", key);
    } else if (resp.status == 403 || resp.status == 404) {
        excerpt(&resp, snip, sizeof(snip));
        snprintf(errstr, errstr_size, "%s: HTTP %ld (private, banned or no such subreddit?): %s", key, resp.status,
                 snip);
        rc = PAGE_SKIP;
    } else {
        excerpt(&resp, snip, sizeof(snip));
        snprintf(errstr, errstr_size, "%s: HTTP %ld%s: %s", key, resp.status,
                 resp.status == 429 ? " (rate limited)" : "", snip);
    }
out:
    free(url);
    rc_http_response_clear(&resp);
    return rc;
}

/* Hands items[0..n) (newest first) on oldest first, with the listing's
 * mark moved to the newest named one. */
static int submit_items(rc_source_t *src, rc_reddit_t *st, const char *key, const rc_reddit_item_t *items, size_t n,
                        char *errstr, size_t errstr_size) {
    char **payloads = calloc(n ? n : 1, sizeof(*payloads));
    size_t *lens = calloc(n ? n : 1, sizeof(*lens));
    char *cursor = NULL;
    long newest = rc_reddit_newest_named(items, n);
    int rc = -1;

    if (!payloads || !lens) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        /* Oldest first: the page is newest first. */
        if (!(payloads[i] = json_dumps(items[n - 1 - i].child, JSON_COMPACT | JSON_ENCODE_ANY))) {
            snprintf(errstr, errstr_size, "out of memory");
            goto out;
        }
        lens[i] = strlen(payloads[i]);
    }
    if (newest >= 0) {
        if (rc_reddit_cursor_set(st->marks, key, items[newest].name, items[newest].created_utc) != 0 ||
            !(cursor = rc_reddit_cursor_dump(st->marks, (const char *const *)st->keys, st->n))) {
            snprintf(errstr, errstr_size, "out of memory");
            goto out;
        }
    }
    if (rc_source_submit(src, (const char *const *)payloads, lens, n, cursor) != 0) {
        snprintf(errstr, errstr_size, "%s: submitting %zu item(s) failed (stopping, or Kafka did not take them)", key,
                 n);
        goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; payloads && i < n; i++)
        free(payloads[i]);
    free(payloads);
    free(lens);
    free(cursor);
    return rc;
}

/* Moves the mark of "key" without handing anything on (the runner writes
 * it once everything before it is acknowledged). */
static int submit_mark(rc_source_t *src, rc_reddit_t *st, const char *key, const char *name, double ts, char *errstr,
                       size_t errstr_size) {
    char *cursor = NULL;
    int rc = -1;

    if (rc_reddit_cursor_set(st->marks, key, name, ts) != 0 ||
        !(cursor = rc_reddit_cursor_dump(st->marks, (const char *const *)st->keys, st->n))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    if (rc_source_submit(src, NULL, NULL, 0, cursor) != 0) {
        snprintf(errstr, errstr_size, "%s: moving the mark failed (stopping, or an earlier batch failed)", key);
        goto out;
    }
    rc = 0;
out:
    free(cursor);
    return rc;
}

/* Walks towards the newest from the mark "name". Returns 1 when the very
 * first page was empty (nothing new, or the mark's item is gone: the
 * caller checks), else PAGE_OK / PAGE_FAIL / PAGE_SKIP. */
static int walk_forward(rc_source_t *src, rc_reddit_t *st, const rc_reddit_conf_t *conf, const char *key,
                        const char *name, double ts, char *errstr, size_t errstr_size) {
    char anchor[72];
    long limit = conf->limit;

    snprintf(anchor, sizeof(anchor), "%s", name);
    for (long pages = 0; pages < conf->max_pages; pages++) {
        rc_reddit_page_t page;
        rc_reddit_step_t step;
        long newest;
        int r = fetch_page(src, st, conf, key, &limit, anchor, NULL, &page, errstr, errstr_size);

        if (r != PAGE_OK)
            return r;
        if (page.n == 0) {
            rc_reddit_page_free(&page);
            return pages == 0 ? 1 : PAGE_OK;
        }
        step = rc_reddit_select(page.items, page.n, name, ts, RC_REDDIT_FORWARD, limit);
        if (step.n_new && submit_items(src, st, key, page.items, step.n_new, errstr, errstr_size) != 0) {
            rc_reddit_page_free(&page);
            return PAGE_FAIL;
        }
        newest = rc_reddit_newest_named(page.items, step.n_new);
        if (!step.more || newest < 0) {
            rc_reddit_page_free(&page);
            return PAGE_OK;
        }
        /* Reddit's data.before names the same item when there may be more. */
        snprintf(anchor, sizeof(anchor), "%s", page.items[newest].name);
        rc_reddit_page_free(&page);
    }
    return PAGE_OK;
}

/* Reads the plain listing from the newest back to the mark (or one page
 * without a mark), then hands the new items on oldest first. */
static int walk_backward(rc_source_t *src, rc_reddit_t *st, const rc_reddit_conf_t *conf, const char *key,
                         const char *name, double ts, char *errstr, size_t errstr_size) {
    rc_reddit_page_t *pages = calloc((size_t)conf->max_pages, sizeof(*pages));
    size_t *n_new = calloc((size_t)conf->max_pages, sizeof(*n_new));
    char after[72] = "";
    long limit = conf->limit, n_pages = 0;
    size_t total_new = 0;
    int rc = PAGE_FAIL, found = 0;

    if (!pages || !n_new) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    while (n_pages < conf->max_pages) {
        rc_reddit_page_t *page = &pages[n_pages];
        rc_reddit_step_t step;
        const char *next;
        int r = fetch_page(src, st, conf, key, &limit, NULL, after[0] ? after : NULL, page, errstr, errstr_size);

        if (r != PAGE_OK) {
            rc = r;
            goto out;
        }
        n_pages++;
        step = rc_reddit_select(page->items, page->n, name, ts, RC_REDDIT_BACKWARD, limit);
        n_new[n_pages - 1] = step.n_new;
        total_new += step.n_new;
        found |= step.found;
        if (n_pages == 1 && name && !step.found) {
            rc_source_count(src, "cursor_gone");
            rc_log_info("reddit %s: %s is no longer listed; taking items created since %.0f", key, name, ts);
        }
        next = page->after ? page->after : (page->n ? page->items[page->n - 1].name : NULL);
        if (!step.more || !next)
            break;
        snprintf(after, sizeof(after), "%s", next);
    }
    /* The oldest page first, each page oldest first. */
    for (long p = n_pages - 1; p >= 0; p--)
        if (n_new[p] && submit_items(src, st, key, pages[p].items, n_new[p], errstr, errstr_size) != 0)
            goto out;
    /* The mark's item is gone and nothing is newer: anchor on the newest
     * item listed (older than the mark, so nothing between them is new),
     * keeping the mark's time for a later check, so the next cycle's
     * before= works again instead of falling back every time. */
    if (name && !found && total_new == 0 && n_pages > 0) {
        long newest = rc_reddit_newest_named(pages[0].items, pages[0].n);
        if (newest >= 0 && submit_mark(src, st, key, pages[0].items[newest].name, ts, errstr, errstr_size) != 0)
            goto out;
    }
    rc = PAGE_OK;
out:
    for (long p = 0; pages && p < n_pages; p++)
        rc_reddit_page_free(&pages[p]);
    free(pages);
    free(n_new);
    return rc;
}

static int poll_listing(rc_source_t *src, rc_reddit_t *st, const rc_reddit_conf_t *conf, size_t i, char *errstr,
                        size_t errstr_size) {
    const char *key = st->keys[i], *mark;
    char name[72] = "";
    double ts;
    int r;

    rc_reddit_cursor_get(st->marks, key, &mark, &ts);
    if (mark) {
        snprintf(name, sizeof(name), "%s", mark);
        r = walk_forward(src, st, conf, key, name, ts, errstr, errstr_size);
        if (r != 1)
            return r;
    }
    return walk_backward(src, st, conf, key, name[0] ? name : NULL, ts, errstr, errstr_size);
}

static int rc_reddit_run(rc_source_t *src, void *statep, const void *confp, char *errstr, size_t errstr_size) {
    rc_reddit_t *st = statep;
    const rc_reddit_conf_t *conf = confp;
    char why[256];

    /* Start from what is stored: after a failed cycle, marks that were
     * handed on but never written must not be trusted. */
    json_decref(st->marks);
    if (!(st->marks = rc_reddit_cursor_parse(rc_source_cursor(src), why, sizeof(why)))) {
        rc_source_count(src, "cursor_reset");
        rc_log_warn("reddit source %s: %s; starting afresh", rc_source_name(src), why);
        if (!(st->marks = json_object())) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
    }
    for (size_t k = 0; k < st->n; k++) {
        size_t i = (st->start + k) % st->n;
        int r;

        if (!rc_source_keep_going(src)) {
            snprintf(errstr, errstr_size, "stopping");
            return -1;
        }
        r = poll_listing(src, st, conf, i, errstr, errstr_size);
        if (r == PAGE_SKIP) {
            rc_source_count(src, "listing_unavailable");
            if (!st->warned[i])
                rc_log_warn("reddit source %s: %s; skipping it", rc_source_name(src), errstr);
            st->warned[i] = 1;
            errstr[0] = '\0';
            continue;
        }
        if (r != PAGE_OK) {
            /* Next time, the others go first. */
            st->start = (i + 1) % st->n;
            return -1;
        }
        st->warned[i] = 0;
    }
    if (rc_source_flush(src) != 0) {
        snprintf(errstr, errstr_size, "flush failed (stopping, or Kafka did not take the items)");
        return -1;
    }
    return 0;
}

const rc_source_ops_t rc_source_reddit = {
    .type = "reddit",
    .desc = "Reddit: new links and comments of subreddits and new search results, polled with before/after "
            "(application-only OAuth2).",
    .config = rc_reddit_table,
    .conf_size = sizeof(rc_reddit_conf_t),
    .check = rc_reddit_check,
    .init = rc_reddit_init,
    .destroy = rc_reddit_destroy,
    .run = rc_reddit_run,
};
