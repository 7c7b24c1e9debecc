/*
 * Sources "x_stream" and "x_search": X API v2 (docs/sources/x.md).
 *
 * x_stream holds GET /2/tweets/search/stream open (the filtered stream; its
 * rules are managed on X's side with POST /2/tweets/search/stream/rules).
 * Each line is one tweet with its own includes, submitted as it is; blank
 * lines are X's keep-alives (every 20 s) and are counted; an
 * {"errors": [...]} line without data (operational-disconnect and the
 * like) ends the connection. X has no resume id for the stream: after a
 * disconnection the reconnect asks for backfill_minutes (1-5, Pro and
 * Enterprise access) so a short gap is sent again, and the dedup window
 * drops what arrives twice. The newest tweet id seen is still kept as the
 * cursor, for information and to tell a restart from a first start.
 *
 * x_search polls GET /2/tweets/search/recent with since_id = the cursor,
 * pages through meta.next_token within a cycle (at most max_pages; a longer
 * backlog continues next cycle), splits each page into one payload per
 * tweet (with the users and referenced tweets it needs, so reposts carry
 * their original) and gives the cycle's first meta.newest_id as the cursor
 * with the last page, so it is written only once every page before it was
 * acknowledged.
 *
 * Every request goes through rc_source_http() (token bucket, rate-limit
 * windows from x-rate-limit-*); failures return -1 with the wait X's
 * reconnect guidance asks for (rc_x_reconnect_ms()).
 */
#include "sources/x.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "normalise.h"
#include "util.h"

#define OFF(f) offsetof(rc_x_conf_t, f)
/* The keys both types have. */
/* clang-format off */
#define RC_X_COMMON_KEYS                                                                                          \
    {"base_url", RC_CT_STRING, "https://api.x.com", 0, 0, NULL, OFF(base_url), 0,                                \
     "API root; tests point it at a fixture."},                                                                  \
    {"bearer_token", RC_CT_STRING, NULL, 0, 0, NULL, OFF(bearer_token), 1,                                       \
     "App-only OAuth 2.0 bearer token, e.g. ${X_BEARER_TOKEN}."},                                                 \
    {"tweet_fields", RC_CT_STRING,                                                                               \
     "created_at,author_id,conversation_id,public_metrics,entities,lang,referenced_tweets,"                      \
     "edit_history_tweet_ids,note_tweet", 0, 0, NULL, OFF(tweet_fields), 0,                                      \
     "tweet.fields requested (the default fills every Post field)."},                                            \
    {"user_fields", RC_CT_STRING, "username,name,verified,verified_type,public_metrics", 0, 0, NULL,             \
     OFF(user_fields), 0, "user.fields requested for the authors."},                                             \
    {"expansions", RC_CT_STRING, "author_id,referenced_tweets.id,referenced_tweets.id.author_id", 0, 0, NULL,    \
     OFF(expansions), 0, "expansions requested (authors, and the originals of reposts and quotes)."}
/* clang-format on */

static const rc_config_entry_t rc_x_stream_table[] = {
    RC_X_COMMON_KEYS,
    {"backfill_minutes", RC_CT_INT, "0", 0, 5, NULL, OFF(backfill_minutes), 0,
     "On a reconnection ask X to send again this many minutes (1-5; Pro/Enterprise access); 0 = off."},
    {"idle_timeout", RC_CT_DURATION, "30s", 1000, 600000, NULL, OFF(idle_timeout_ms), 0,
     "Reconnect when not even a keep-alive arrived for this long (X sends one every 20 s)."},
    RC_CONFIG_END};

static const rc_config_entry_t rc_x_search_table[] = {
    RC_X_COMMON_KEYS,
    {"query", RC_CT_STRING, NULL, 0, 0, NULL, OFF(query), 1, "Recent search query, e.g. \"@brand -is:retweet\"."},
    {"max_results", RC_CT_INT, "100", 10, 100, NULL, OFF(max_results), 0, "Tweets per page (10-100)."},
    {"max_pages", RC_CT_INT, "10", 1, 1000, NULL, OFF(max_pages), 0,
     "Pages per poll cycle; a longer backlog continues in the next cycle."},
    RC_CONFIG_END};

/* ---- pure helpers -------------------------------------------------------- */

/* Appends "s" percent-encoded (RFC 3986 unreserved characters and ',' kept,
 * so field lists stay readable). */
static int x_append_enc(char **buf, size_t *len, size_t *cap, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                   ch == '.' || ch == '_' || ch == '~' || ch == ',';
        if (*len + 4 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 256;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = ncap;
        }
        if (keep) {
            (*buf)[(*len)++] = (char)ch;
        } else {
            (*buf)[(*len)++] = '%';
            (*buf)[(*len)++] = hex[ch >> 4];
            (*buf)[(*len)++] = hex[ch & 15];
        }
        (*buf)[*len] = '\0';
    }
    return 0;
}

/* Appends "s" as it is. */
static int x_append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 256;
        while (ncap < *len + n + 1)
            ncap *= 2;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
    return 0;
}

/* "<base_url without trailing '/'><path>?" then the field parameters. */
static int x_url_start(char **buf, size_t *len, size_t *cap, const rc_x_conf_t *c, const char *path) {
    size_t bl = strlen(c->base_url);
    char *base = strdup(c->base_url);
    int r;

    if (!base)
        return -1;
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    r = x_append(buf, len, cap, base) || x_append(buf, len, cap, path) || x_append(buf, len, cap, "?tweet.fields=") ||
        x_append_enc(buf, len, cap, c->tweet_fields) || x_append(buf, len, cap, "&user.fields=") ||
        x_append_enc(buf, len, cap, c->user_fields) || x_append(buf, len, cap, "&expansions=") ||
        x_append_enc(buf, len, cap, c->expansions);
    free(base);
    return r ? -1 : 0;
}

char *rc_x_search_url(const rc_x_conf_t *c, const char *since_id, const char *pagination_token) {
    char *buf = NULL, num[32];
    size_t len = 0, cap = 0;

    snprintf(num, sizeof(num), "%ld", c->max_results);
    if (x_url_start(&buf, &len, &cap, c, "/2/tweets/search/recent") || x_append(&buf, &len, &cap, "&query=") ||
        x_append_enc(&buf, &len, &cap, c->query) || x_append(&buf, &len, &cap, "&max_results=") ||
        x_append(&buf, &len, &cap, num) ||
        (since_id && (x_append(&buf, &len, &cap, "&since_id=") || x_append_enc(&buf, &len, &cap, since_id))) ||
        (pagination_token &&
         (x_append(&buf, &len, &cap, "&pagination_token=") || x_append_enc(&buf, &len, &cap, pagination_token)))) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *rc_x_stream_url(const rc_x_conf_t *c, long backfill_minutes) {
    char *buf = NULL, num[48];
    size_t len = 0, cap = 0;

    snprintf(num, sizeof(num), "&backfill_minutes=%ld", backfill_minutes);
    if (x_url_start(&buf, &len, &cap, c, "/2/tweets/search/stream") ||
        (backfill_minutes > 0 && x_append(&buf, &len, &cap, num))) {
        free(buf);
        return NULL;
    }
    return buf;
}

void rc_x_problem(const char *body, size_t len, char *out, size_t out_size) {
    json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
    const json_t *p = root, *errs = json_object_get(root, "errors");
    const char *title, *detail;

    /* {"title", "detail"} (a problem) or {"errors": [{"title"|"message", ...}]}. */
    if (!json_string_value(json_object_get(p, "title")) && json_is_array(errs))
        p = json_array_get(errs, 0);
    title = json_string_value(json_object_get(p, "title"));
    detail = json_string_value(json_object_get(p, "detail"));
    if (!detail)
        detail = json_string_value(json_object_get(p, "message"));
    if (title || detail)
        snprintf(out, out_size, "%s%s%s", title ? title : "", title && detail ? ": " : "", detail ? detail : "");
    else
        snprintf(out, out_size, "%.*s", (int)(len < 200 ? len : 200), body ? body : "");
    json_decref(root);
}

/* An id value as text (string, or a non-negative integer), or NULL. */
static const char *x_id(const json_t *v, char *buf, size_t size) {
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    return NULL;
}

/* {id: entry} of an includes list; entries without a readable id are left
 * out (they cannot be referred to). New reference. */
static json_t *x_index(const json_t *list) {
    json_t *ix = json_object();
    const json_t *e;
    size_t i;
    char buf[32];

    json_array_foreach(list, i, e) {
        const char *id = x_id(json_object_get(e, "id"), buf, sizeof(buf));
        if (ix && id && !json_object_get(ix, id))
            json_object_set(ix, id, (json_t *)e);
    }
    return ix;
}

/* Adds users[id] to "out" once ("seen" tracks which). */
static void x_add_user(json_t *out, json_t *seen, const json_t *users, const json_t *id_v) {
    char buf[32];
    const char *id = x_id(id_v, buf, sizeof(buf));
    json_t *u = id ? json_object_get(users, id) : NULL;
    if (u && !json_object_get(seen, id)) {
        json_array_append(out, u);
        json_object_set_new(seen, id, json_true());
    }
}

void rc_x_page_free(rc_x_page_t *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->payloads[i]);
    free(p->payloads);
    free(p->lens);
    free(p->newest_id);
    free(p->next_token);
    memset(p, 0, sizeof(*p));
}

/* One tweet's payload: the tweet with the includes it needs. */
static char *x_tweet_payload(const json_t *tw, const json_t *users, const json_t *tweets) {
    json_t *u = json_array(), *t = json_array(), *seen = json_object(), *o = NULL;
    const json_t *refs = json_object_get(tw, "referenced_tweets"), *ref;
    char *s = NULL, buf[32];
    size_t i;

    if (!u || !t || !seen)
        goto out;
    x_add_user(u, seen, users, json_object_get(tw, "author_id"));
    json_array_foreach(refs, i, ref) {
        const char *id = x_id(json_object_get(ref, "id"), buf, sizeof(buf));
        json_t *rt = id ? json_object_get(tweets, id) : NULL;
        if (!rt)
            continue;
        json_array_append(t, rt);
        x_add_user(u, seen, users, json_object_get(rt, "author_id"));
    }
    if ((o = json_pack("{s:O, s:{s:O, s:O}}", "data", tw, "includes", "users", u, "tweets", t)))
        s = json_dumps(o, JSON_COMPACT);
out:
    json_decref(o);
    json_decref(u);
    json_decref(t);
    json_decref(seen);
    return s;
}

int rc_x_split_page(const char *body, size_t len, rc_x_page_t *out, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *root, *users = NULL, *tweets = NULL;
    const json_t *data, *includes, *meta, *tw;
    size_t i;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!(root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr))) {
        snprintf(errstr, errstr_size, "search page: invalid JSON at line %d col %d: %s", jerr.line, jerr.column,
                 jerr.text);
        return -1;
    }
    data = json_object_get(root, "data");
    meta = json_object_get(root, "meta");
    includes = json_object_get(root, "includes");
    if (!json_is_object(root)) {
        snprintf(errstr, errstr_size, "search page: not a JSON object");
        goto out;
    }
    if (!data && !meta && json_object_get(root, "errors")) {
        char why[256];
        rc_x_problem(body, len, why, sizeof(why));
        snprintf(errstr, errstr_size, "search failed: %s", why);
        goto out;
    }
    if (data && !json_is_array(data)) {
        snprintf(errstr, errstr_size, "search page: data is not a list");
        goto out;
    }
    if (json_is_string(json_object_get(meta, "newest_id")) &&
        !(out->newest_id = strdup(json_string_value(json_object_get(meta, "newest_id")))))
        goto oom;
    if (json_is_string(json_object_get(meta, "next_token")) &&
        !(out->next_token = strdup(json_string_value(json_object_get(meta, "next_token")))))
        goto oom;
    out->partial_errors = json_array_size(json_object_get(root, "errors"));
    if (!(users = x_index(json_object_get(includes, "users"))) ||
        !(tweets = x_index(json_object_get(includes, "tweets"))))
        goto oom;
    if (json_array_size(data) && (!(out->payloads = calloc(json_array_size(data), sizeof(*out->payloads))) ||
                                  !(out->lens = calloc(json_array_size(data), sizeof(*out->lens)))))
        goto oom;
    json_array_foreach(data, i, tw) {
        if (!(out->payloads[out->n] = x_tweet_payload(tw, users, tweets)))
            goto oom;
        out->lens[out->n] = strlen(out->payloads[out->n]);
        out->n++;
    }
    rc = 0;
    goto out;
oom:
    snprintf(errstr, errstr_size, "out of memory");
out:
    json_decref(users);
    json_decref(tweets);
    json_decref(root);
    return rc;
}

rc_x_line_t rc_x_stream_line(const char *line, size_t len, char *id_out, size_t id_size, char *err, size_t err_size) {
    json_t *root;
    const json_t *data, *id;
    rc_x_line_t kind = RC_X_LINE_MALFORMED;
    size_t i;

    id_out[0] = '\0';
    err[0] = '\0';
    for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
        ;
    if (i == len)
        return RC_X_LINE_HEARTBEAT;
    /* The stage parses the line again; the fast parser keeps this cheap. */
    if (!(root = rc_payload_parse(line, len, NULL)))
        return RC_X_LINE_MALFORMED;
    data = json_object_get(root, "data");
    if (json_is_object(data)) {
        kind = RC_X_LINE_TWEET;
        id = json_object_get(data, "id");
        if (json_is_string(id) && json_string_length(id) > 0 && json_string_length(id) < id_size &&
            strspn(json_string_value(id), "0123456789") == json_string_length(id))
            snprintf(id_out, id_size, "%s", json_string_value(id));
    } else if (!data && json_is_array(json_object_get(root, "errors"))) {
        char *s = json_dumps(root, JSON_COMPACT);
        kind = RC_X_LINE_ERROR;
        rc_x_problem(s, s ? strlen(s) : 0, err, err_size);
        free(s);
    }
    json_decref(root);
    return kind;
}

int rc_x_id_newer(const char *a, const char *b) {
    size_t la, lb;
    if (!a || !*a)
        return 0;
    if (!b || !*b)
        return 1;
    /* Decimal without leading zeros: longer is larger. */
    la = strlen(a);
    lb = strlen(b);
    return la != lb ? la > lb : strcmp(a, b) > 0;
}

long rc_x_reconnect_ms(rc_x_fail_t kind, int attempt, long reset_ms) {
    long ms;
    if (attempt < 0)
        attempt = 0;
    if (attempt > 1000)
        attempt = 1000;
    switch (kind) {
    case RC_X_FAIL_NETWORK: ms = 250L * (attempt + 1); return ms > 16000 ? 16000 : ms;
    case RC_X_FAIL_HTTP: ms = 5000L << (attempt > 6 ? 6 : attempt); return ms > 320000 ? 320000 : ms;
    case RC_X_FAIL_RATE_LIMIT:
    default: ms = 60000L << (attempt > 4 ? 4 : attempt); return reset_ms > ms ? reset_ms : ms;
    }
}

/* ---- shared by both types ------------------------------------------------ */

static int x_is_fields(const char *s) {
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '_' || *s == '.' || *s == ','))
            return 0;
    return 1;
}

static int rc_x_check(const void *conf, char *errstr, size_t errstr_size) {
    const rc_x_conf_t *c = conf;
    if (strncmp(c->base_url, "http://", 7) != 0 && strncmp(c->base_url, "https://", 8) != 0) {
        snprintf(errstr, errstr_size, "base_url must start with https:// (or http:// for a local fixture)");
        return -1;
    }
    if (!*c->bearer_token) {
        snprintf(errstr, errstr_size, "bearer_token is empty (set it to the app's bearer token)");
        return -1;
    }
    if (!x_is_fields(c->tweet_fields) || !x_is_fields(c->user_fields) || !x_is_fields(c->expansions)) {
        snprintf(errstr, errstr_size,
                 "tweet_fields, user_fields and expansions are comma-separated names (a-z, '_', '.')");
        return -1;
    }
    if (c->query && !*c->query) {
        snprintf(errstr, errstr_size, "query is empty");
        return -1;
    }
    return 0;
}

typedef struct {
    int connections;  /* stream connection attempts so far */
    int fails[3];     /* consecutive failed connections by rc_x_fail_t */
    char *since;      /* search: a backlog being paged through (since_id it started from, may be NULL) */
    char *next_token; /* search: where the backlog continues; NULL = none */
    char *newest;     /* search: the backlog's cursor, given with its last page */
    char *expired;    /* search: a cursor X refused as too old, not sent again */
} rc_x_state_t;

static int rc_x_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    if (!(*statep = calloc(1, sizeof(rc_x_state_t)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    return 0;
}

static void rc_x_backlog_clear(rc_x_state_t *st) {
    free(st->since);
    free(st->next_token);
    free(st->newest);
    st->since = st->next_token = st->newest = NULL;
}

static void rc_x_destroy(void *state) {
    rc_x_state_t *st = state;
    if (!st)
        return;
    rc_x_backlog_clear(st);
    free(st->expired);
    free(st);
}

/* ---- x_stream ------------------------------------------------------------ */

/* The reason of a transport error without the request line rc_http_do()
 * puts first ("GET <long url>: Timeout was reached"). */
static const char *x_reason(const char *error) {
    const char *p = strstr(error, ": ");
    return p && strncmp(error, "GET ", 4) == 0 ? p + 2 : error;
}

/* One connection's state, shared by the curl callbacks. */
typedef struct {
    rc_source_t *src;
    const rc_x_conf_t *conf;
    rc_linebuf_t lb;
    char **lines; /* complete lines of the current chunk, to submit together */
    size_t *lens;
    size_t n, cap;
    char newest[32]; /* newest tweet id seen (the informational cursor) */
    char error[300]; /* an error line's "title: detail" */
    int got_data;    /* a 2xx body started: the connection was established */
    int submit_failed;
    int oom;
    int64_t first_kept_ms; /* when the oldest kept line arrived */
} rc_x_conn_t;

static void x_conn_drop_lines(rc_x_conn_t *cn) {
    for (size_t i = 0; i < cn->n; i++)
        free(cn->lines[i]);
    cn->n = 0;
}

static int x_conn_keep(rc_x_conn_t *cn, const char *line, size_t len) {
    if (cn->n == 0)
        cn->first_kept_ms = rc_mono_ms();
    if (cn->n == cn->cap) {
        size_t ncap = cn->cap ? cn->cap * 2 : 16;
        char **nl = realloc(cn->lines, ncap * sizeof(*nl));
        size_t *nn = nl ? realloc(cn->lens, ncap * sizeof(*nn)) : NULL;
        if (nl)
            cn->lines = nl;
        if (!nn)
            return -1;
        cn->lens = nn;
        cn->cap = ncap;
    }
    if (!(cn->lines[cn->n] = malloc(len ? len : 1)))
        return -1;
    memcpy(cn->lines[cn->n], line, len);
    cn->lens[cn->n++] = len;
    return 0;
}

/* Lines are handed on in batches of up to RC_X_BATCH, or after
 * RC_X_BATCH_MS at most: one dedup round trip per 25-line chunk of a fast
 * stream halved ingest's rate, while a slow stream must not sit on a post. */
#define RC_X_BATCH 500
#define RC_X_BATCH_MS 20

static int x_conn_due(const rc_x_conn_t *cn) {
    return cn->n >= RC_X_BATCH || (cn->n > 0 && rc_mono_ms() - cn->first_kept_ms >= RC_X_BATCH_MS);
}

/* Hands the kept lines to the stage, with the newest id as the cursor. */
static int x_conn_submit(rc_x_conn_t *cn) {
    int rc;
    if (!cn->n)
        return 0;
    rc = rc_source_submit(cn->src, (const char *const *)cn->lines, cn->lens, cn->n, cn->newest[0] ? cn->newest : NULL);
    x_conn_drop_lines(cn);
    if (rc)
        cn->submit_failed = 1;
    return rc;
}

static int x_stream_line_cb(void *opaque, const char *line, size_t len, int oversized) {
    rc_x_conn_t *cn = opaque;
    char id[32], err[sizeof(cn->error)];

    if (oversized) {
        /* Skipped: longer than max_body is not a tweet we want to hold. */
        rc_source_count(cn->src, "oversized");
        return 0;
    }
    switch (rc_x_stream_line(line, len, id, sizeof(id), err, sizeof(err))) {
    case RC_X_LINE_HEARTBEAT: rc_source_count(cn->src, "heartbeat"); return 0;
    case RC_X_LINE_ERROR:
        snprintf(cn->error, sizeof(cn->error), "%s", err[0] ? err : "error object in the stream");
        rc_source_count(cn->src, "stream_error");
        return 1;
    case RC_X_LINE_MALFORMED:
        /* Submitted anyway: the stage dead-letters it with the reason, so
         * it can be inspected rather than vanish. */
        rc_source_count(cn->src, "malformed");
        break;
    case RC_X_LINE_TWEET:
        if (rc_x_id_newer(id, cn->newest))
            snprintf(cn->newest, sizeof(cn->newest), "%s", id);
        break;
    }
    if (x_conn_keep(cn, line, len)) {
        cn->oom = 1;
        return 1;
    }
    return 0;
}

static int x_stream_on_data(void *opaque, const char *data, size_t len) {
    rc_x_conn_t *cn = opaque;
    int rc;

    cn->got_data = 1;
    rc = rc_linebuf_feed(&cn->lb, data, len, x_stream_line_cb, cn);
    if (rc < 0)
        cn->oom = 1;
    /* Lines before an error line still go in. */
    if ((rc != 0 || x_conn_due(cn)) && x_conn_submit(cn))
        return 1;
    return rc;
}

static int x_stream_keep_going(void *opaque) {
    rc_x_conn_t *cn = opaque;
    if (!rc_source_keep_going(cn->src))
        return 1;
    if (x_conn_due(cn) && x_conn_submit(cn))
        return 1;
    return 0;
}

static int rc_x_stream_run(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size) {
    const rc_x_conf_t *c = conf;
    rc_x_state_t *st = state;
    rc_x_conn_t cn;
    rc_http_response_t resp;
    rc_http_request_t req;
    char auth[1024];
    const char *headers[2] = {auth, NULL};
    char *url;
    /* X has no resume id; what a reconnection (or a restart after a
     * previous run saw tweets) missed is asked for again. */
    int reconnect = st->connections > 0 || rc_source_cursor(src) != NULL;
    long backfill = reconnect ? c->backfill_minutes : 0;
    int ret = -1;

    memset(&cn, 0, sizeof(cn));
    memset(&resp, 0, sizeof(resp));
    cn.src = src;
    cn.conf = c;
    rc_linebuf_init(&cn.lb, (size_t)c->base.max_body);
    if (rc_x_id_newer(rc_source_cursor(src), NULL) && strlen(rc_source_cursor(src)) < sizeof(cn.newest) &&
        strspn(rc_source_cursor(src), "0123456789") == strlen(rc_source_cursor(src)))
        snprintf(cn.newest, sizeof(cn.newest), "%s", rc_source_cursor(src));
    if (!(url = rc_x_stream_url(c, backfill))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    if (reconnect)
        rc_source_count(src, "reconnect");
    if (backfill > 0)
        rc_source_count(src, "backfill");
    st->connections++;
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->bearer_token);
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.timeout_ms = -1;
    req.on_data = x_stream_on_data;
    req.keep_going = x_stream_keep_going;
    req.idle_timeout_ms = c->idle_timeout_ms; /* keep-alives count as traffic */
    req.opaque = &cn;
    int rc = rc_source_http(src, &req, &resp);

    if (!rc_source_keep_going(src)) {
        /* Stopping, or the lease went to another replica (which reconnects
         * with backfill): what was handed on is flushed by the runner. */
        ret = 0;
        goto out;
    }
    if (!cn.submit_failed)
        x_conn_submit(&cn); /* what the last batch held */
    /* A line cut off by the disconnection: submitted, so it is dead-lettered
     * where it can be seen (and its tweet is likely backfilled). */
    if (!cn.error[0] && !cn.lb.skipping && cn.lb.len > 0 && !cn.submit_failed) {
        rc_source_count(src, "truncated");
        if (x_conn_keep(&cn, cn.lb.buf, cn.lb.len) == 0)
            x_conn_submit(&cn);
    }
    x_conn_drop_lines(&cn);
    if (rc_source_flush(src))
        cn.submit_failed = 1;

    if (cn.submit_failed || cn.oom) {
        snprintf(errstr, errstr_size, cn.oom ? "out of memory" : "posts not acknowledged by Kafka");
        goto out;
    }
    if (cn.error[0]) {
        /* Operational disconnect and the like: X ended it; reconnect after
         * the runner's backoff. */
        snprintf(errstr, errstr_size, "stream ended by X: %s", cn.error);
        st->fails[RC_X_FAIL_NETWORK] = st->fails[RC_X_FAIL_HTTP] = st->fails[RC_X_FAIL_RATE_LIMIT] = 0;
        goto out;
    }
    if (cn.got_data || (rc == 0 && resp.status / 100 == 2)) {
        /* The connection worked and then ended: X asks to reconnect at
         * once, so this is not a failure. */
        memset(st->fails, 0, sizeof(st->fails));
        rc_source_count(src, resp.idle ? "idle_timeout" : "disconnect");
        rc_log_info("source %s: stream ended (%s); reconnecting", rc_source_name(src),
                    resp.idle       ? "nothing received for idle_timeout"
                    : resp.error[0] ? x_reason(resp.error)
                                    : "closed by X");
        ret = 0;
        goto out;
    }
    if (rc < 0 || resp.status == 0) {
        rc_source_retry_after(src, rc_x_reconnect_ms(RC_X_FAIL_NETWORK, st->fails[RC_X_FAIL_NETWORK]++, -1));
        snprintf(errstr, errstr_size, "stream connect: %s",
                 resp.idle ? "no answer within idle_timeout" : x_reason(resp.error));
        goto out;
    }
    char why[256];
    rc_x_problem(resp.body, resp.body_len, why, sizeof(why));
    if (resp.status == 429) {
        rc_ratelimit_t rl = rc_ratelimit_parse(resp.headers, (long long)time(NULL) * 1000);
        rc_source_count(src, "rate_limited");
        rc_source_retry_after(src,
                              rc_x_reconnect_ms(RC_X_FAIL_RATE_LIMIT, st->fails[RC_X_FAIL_RATE_LIMIT]++, rl.reset_ms));
    } else {
        rc_source_retry_after(src, rc_x_reconnect_ms(RC_X_FAIL_HTTP, st->fails[RC_X_FAIL_HTTP]++, -1));
    }
    snprintf(errstr, errstr_size, "stream connect: HTTP %ld: %s", resp.status, why);
out:
    x_conn_drop_lines(&cn);
    free(cn.lines);
    free(cn.lens);
    rc_linebuf_free(&cn.lb);
    rc_http_response_clear(&resp);
    free(url);
    return ret;
}

const rc_source_ops_t rc_source_x_stream = {
    .type = "x_stream",
    .desc = "X API v2 filtered stream (GET /2/tweets/search/stream): one long-lived connection, keep-alives "
            "counted, reconnects per X's guidance with backfill_minutes.",
    .config = rc_x_stream_table,
    .conf_size = sizeof(rc_x_conf_t),
    .check = rc_x_check,
    .init = rc_x_init,
    .destroy = rc_x_destroy,
    .run = rc_x_stream_run,
    .streaming = 1,
};

/* ---- x_search ------------------------------------------------------------ */

static int x_same(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static char *x_dup(const char *s) {
    return s ? strdup(s) : NULL;
}

static int rc_x_search_run(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size) {
    const rc_x_conf_t *c = conf;
    rc_x_state_t *st = state;
    const char *cursor = rc_source_cursor(src);
    char auth[1024];
    const char *headers[2] = {auth, NULL};
    char *since = NULL, *token = NULL, *newest = NULL;
    int pages = 0, expired_retry = 0, ret = -1;

    /* A cursor that is not a tweet id (hand-edited, another type's) is
     * ignored rather than sent. */
    if (cursor && (!*cursor || strspn(cursor, "0123456789") != strlen(cursor))) {
        rc_log_warn("source %s: ignoring cursor \"%.40s\" (not a tweet id)", rc_source_name(src), cursor);
        cursor = NULL;
    }
    if (cursor && st->expired && strcmp(cursor, st->expired) == 0)
        cursor = NULL; /* refused as too old; searching without it until a new one is written */
    if (st->next_token && x_same(st->since, cursor)) {
        /* Continue the backlog the last cycle left. */
        token = x_dup(st->next_token);
        newest = x_dup(st->newest);
    }
    rc_x_backlog_clear(st);
    since = x_dup(cursor);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->bearer_token);

    while (pages < c->max_pages) {
        rc_http_request_t req;
        rc_http_response_t resp;
        rc_x_page_t page;
        char *url = rc_x_search_url(c, since, token);
        char why[256];
        int rc, last;

        if (!url) {
            snprintf(errstr, errstr_size, "out of memory");
            goto out;
        }
        memset(&req, 0, sizeof(req));
        req.method = "GET";
        req.url = url;
        req.headers = headers;
        rc = rc_source_http(src, &req, &resp);
        free(url);
        if (rc < 0) {
            snprintf(errstr, errstr_size, "%s", resp.error);
            rc_http_response_clear(&resp);
            goto out;
        }
        if (resp.status != 200) {
            rc_x_problem(resp.body, resp.body_len, why, sizeof(why));
            /* Recent search covers 7 days: an older since_id is refused.
             * Start again without it (once); dedup drops any repeat. */
            if (resp.status == 400 && since && !expired_retry && strstr(resp.body, "since_id")) {
                rc_http_response_clear(&resp);
                rc_log_warn("source %s: since_id %s refused (%s); searching without it", rc_source_name(src), since,
                            why);
                rc_source_count(src, "cursor_expired");
                free(st->expired);
                st->expired = x_dup(since);
                free(since);
                free(token);
                free(newest);
                since = token = newest = NULL;
                expired_retry = 1;
                continue;
            }
            if (resp.status == 429)
                rc_source_count(src, "rate_limited"); /* rc_source_http() set the wait from x-rate-limit-reset */
            else if (resp.status >= 400 && resp.status < 500)
                rc_source_retry_after(src, rc_x_reconnect_ms(RC_X_FAIL_HTTP, st->fails[RC_X_FAIL_HTTP]++, -1));
            snprintf(errstr, errstr_size, "search: HTTP %ld: %s", resp.status, why);
            rc_http_response_clear(&resp);
            goto out;
        }
        memset(&page, 0, sizeof(page));
        if (resp.truncated) {
            snprintf(errstr, errstr_size, "search page larger than max_body (%ld bytes)", c->base.max_body);
            rc_source_count(src, "oversized");
            rc = -1;
        } else {
            rc = rc_x_split_page(resp.body, resp.body_len, &page, errstr, errstr_size);
        }
        rc_http_response_clear(&resp);
        if (rc) {
            rc_x_page_free(&page);
            goto out;
        }
        st->fails[RC_X_FAIL_HTTP] = 0;
        if (page.partial_errors)
            rc_source_count(src, "partial_error");
        if (!newest && page.newest_id)
            newest = x_dup(page.newest_id);
        last = page.next_token == NULL;
        /* The cursor rides with the last page: written once it and every
         * page before it are acknowledged. */
        rc = rc_source_submit(src, (const char *const *)page.payloads, page.lens, page.n, last ? newest : NULL);
        free(token);
        token = x_dup(page.next_token);
        rc_x_page_free(&page);
        pages++;
        if (rc) {
            snprintf(errstr, errstr_size, "posts not acknowledged by Kafka; will search again from the cursor");
            goto out;
        }
        if (last)
            break;
    }
    if (token) {
        /* max_pages reached: the rest next cycle, same since_id, same
         * cursor to write at its end. */
        rc_source_count(src, "backlog");
        st->since = x_dup(since);
        st->next_token = x_dup(token);
        st->newest = x_dup(newest);
    }
    if (rc_source_flush(src)) {
        rc_x_backlog_clear(st);
        snprintf(errstr, errstr_size, "posts not acknowledged by Kafka; will search again from the cursor");
        goto out;
    }
    ret = 0;
out:
    free(since);
    free(token);
    free(newest);
    return ret;
}

const rc_source_ops_t rc_source_x_search = {
    .type = "x_search",
    .desc = "X API v2 recent search (GET /2/tweets/search/recent) polled with since_id = the cursor, pages "
            "followed, one payload per tweet.",
    .config = rc_x_search_table,
    .conf_size = sizeof(rc_x_conf_t),
    .check = rc_x_check,
    .init = rc_x_init,
    .destroy = rc_x_destroy,
    .run = rc_x_search_run,
};
