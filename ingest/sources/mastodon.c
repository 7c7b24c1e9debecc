/*
 * Sources "mastodon_stream" and "mastodon_poll" (docs/sources/mastodon.md).
 *
 * mastodon_poll reads hashtag timelines, the account's mentions and list
 * timelines of one instance. Each timeline has its own cursor (the newest
 * id acknowledged), kept together as one JSON object in the source's
 * cursor ({"list:3":"5","notif":"77","tag:foo":"1090"}). A cycle pages
 * forward from each cursor with min_id ("returns results immediately newer
 * than this ID", docs.joinmastodon.org/methods/timelines): each page is the
 * "limit" statuses right after the cursor, submitted oldest first with the
 * cursor moved to the page's newest id, and the next page starts there, so
 * a burst of more than "limit" posts between two polls is read whole
 * (up to max_pages pages a cycle; the rest the next cycle) and the cursor
 * never passes a post that was not acknowledged. A timeline without a
 * cursor yet starts at its newest page (no backfill).
 *
 * mastodon_stream holds one server-sent events connection
 * (/api/v1/streaming/..., docs.joinmastodon.org/methods/streaming):
 * "update" statuses are submitted as they are, "status.update" ones with
 * "ricochet_event":"edit" added (the mastodon format makes them edits),
 * a "delete" becomes a generic delete record, a mention "notification"
 * gives its status, ":thump" comments are counted as heartbeats. Mastodon
 * streams cannot resume, so the newest id seen is kept as a cursor like
 * the poller's, and every (re)connection first polls the matching timeline
 * from it (hashtag -> timelines/tag, list -> timelines/list,
 * user:notification -> notifications, public -> timelines/public, user ->
 * home and notifications) to fill the gap. A connection that was up and
 * then ended (closed, cut, silent past idle_timeout) is reopened inside
 * run() after backoff_initial, growing while connections keep ending
 * early; one that cannot be opened ends run() with -1 and the runner backs
 * off (honouring a 429's X-RateLimit-Reset).
 */
#include "sources/mastodon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "source.h"
#include "sources/sse.h"

/* ---- pure helpers -------------------------------------------------------- */

int rc_mastodon_tl_init(rc_mastodon_tl_t *tl, rc_mastodon_tl_kind_t kind, const char *arg, int local, int remote) {
    size_t n;

    memset(tl, 0, sizeof(*tl));
    tl->kind = kind;
    tl->local = local;
    tl->remote = remote;
    if (kind == RC_MTL_TAG || kind == RC_MTL_LIST) {
        if (!arg)
            return -1;
        if (kind == RC_MTL_TAG && arg[0] == '#')
            arg++;
        n = strlen(arg);
        if (n == 0 || n > RC_MASTODON_ARG_MAX)
            return -1;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f)
                return -1;
        memcpy(tl->arg, arg, n + 1);
    }
    switch (kind) {
    case RC_MTL_TAG: {
        /* Hashtags are case-insensitive: #Refund and #refund are one timeline. */
        size_t k = (size_t)snprintf(tl->key, sizeof(tl->key), "tag:");
        for (size_t i = 0; tl->arg[i]; i++)
            tl->key[k++] = (char)(tl->arg[i] >= 'A' && tl->arg[i] <= 'Z' ? tl->arg[i] - 'A' + 'a' : tl->arg[i]);
        tl->key[k] = '\0';
        break;
    }
    case RC_MTL_LIST: snprintf(tl->key, sizeof(tl->key), "list:%s", tl->arg); break;
    case RC_MTL_NOTIF: snprintf(tl->key, sizeof(tl->key), "notif"); break;
    case RC_MTL_PUBLIC:
        snprintf(tl->key, sizeof(tl->key), "public%s", local ? ":local" : remote ? ":remote" : "");
        break;
    case RC_MTL_HOME: snprintf(tl->key, sizeof(tl->key), "home"); break;
    default: return -1;
    }
    return 0;
}

int rc_mastodon_id_cmp(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a, b);
}

/* An id fit for a cursor or a URL: 1..ARG_MAX bytes of [A-Za-z0-9_-]. */
static int id_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > RC_MASTODON_ARG_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

/* The "id" of an entity (string or non-negative integer) into "out";
 * 0, or -1 when missing or unfit. */
static int entity_id(const json_t *obj, char *out, size_t size) {
    const json_t *v = json_object_get(obj, "id");

    out[0] = '\0';
    if (json_is_string(v))
        snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_integer(v) && json_integer_value(v) >= 0)
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return id_ok(out) && strlen(out) < size ? 0 : -1;
}

json_t *rc_mastodon_cursor_load(const char *s, const rc_mastodon_tl_t *tls, size_t n, int *valid) {
    json_t *cur = json_object(), *in = NULL;
    json_error_t jerr;

    if (valid)
        *valid = 1;
    if (!cur || !s)
        return cur;
    in = json_loads(s, 0, &jerr);
    if (!json_is_object(in)) {
        if (valid)
            *valid = 0;
        json_decref(in);
        return cur;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(in, tls[i].key);
        if (json_is_string(v) && id_ok(json_string_value(v)) &&
            json_object_set_new(cur, tls[i].key, json_string(json_string_value(v))) != 0) {
            json_decref(in);
            json_decref(cur);
            return NULL;
        }
    }
    json_decref(in);
    return cur;
}

int rc_mastodon_cursor_advance(json_t *cur, const char *key, const char *id) {
    const char *old = json_string_value(json_object_get(cur, key));

    if (!id_ok(id) || (old && rc_mastodon_id_cmp(id, old) <= 0))
        return 0;
    return json_object_set_new(cur, key, json_string(id)) == 0 ? 1 : -1;
}

char *rc_mastodon_cursor_dump(const json_t *cur) {
    return json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS);
}

int rc_mastodon_escape(char *out, size_t size, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                    ch == '.' || ch == '_' || ch == '~';
        if (o + (plain ? 1 : 3) + 1 > size)
            return -1;
        if (plain) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    if (o + 1 > size)
        return -1;
    out[o] = '\0';
    return (int)o;
}

int rc_mastodon_timeline_url(char *out, size_t size, const char *base, const rc_mastodon_tl_t *tl, const char *min_id,
                             long limit) {
    char arg[3 * RC_MASTODON_ARG_MAX + 1];
    int n;

    if (rc_mastodon_escape(arg, sizeof(arg), tl->arg) < 0)
        return -1;
    switch (tl->kind) {
    case RC_MTL_TAG: n = snprintf(out, size, "%s/api/v1/timelines/tag/%s?limit=%ld", base, arg, limit); break;
    case RC_MTL_LIST: n = snprintf(out, size, "%s/api/v1/timelines/list/%s?limit=%ld", base, arg, limit); break;
    case RC_MTL_NOTIF:
        /* types[]=mention, with the brackets encoded as a browser would. */
        n = snprintf(out, size, "%s/api/v1/notifications?types%%5B%%5D=mention&limit=%ld", base, limit);
        break;
    case RC_MTL_PUBLIC: n = snprintf(out, size, "%s/api/v1/timelines/public?limit=%ld", base, limit); break;
    case RC_MTL_HOME: n = snprintf(out, size, "%s/api/v1/timelines/home?limit=%ld", base, limit); break;
    default: return -1;
    }
    if (n < 0 || (size_t)n >= size)
        return -1;
    if ((tl->kind == RC_MTL_TAG || tl->kind == RC_MTL_PUBLIC) && (tl->local || tl->remote)) {
        int k = snprintf(out + n, size - (size_t)n, "&%s=true", tl->local ? "local" : "remote");
        if (k < 0 || (size_t)k >= size - (size_t)n)
            return -1;
        n += k;
    }
    if (min_id) {
        int k;
        if (!id_ok(min_id))
            return -1;
        k = snprintf(out + n, size - (size_t)n, "&min_id=%s", min_id);
        if (k < 0 || (size_t)k >= size - (size_t)n)
            return -1;
    }
    return 0;
}

int rc_mastodon_stream_url(char *out, size_t size, const char *base, const char *stream, const char *tag,
                           const char *list) {
    char arg[3 * RC_MASTODON_ARG_MAX + 1];
    const char *path = NULL, *param = NULL, *value = NULL;
    int n;

    if (!stream)
        return -1;
    if (!strcmp(stream, "public"))
        path = "public";
    else if (!strcmp(stream, "public:local"))
        path = "public/local";
    else if (!strcmp(stream, "public:remote"))
        path = "public/remote";
    else if (!strcmp(stream, "hashtag") || !strcmp(stream, "hashtag:local"))
        path = stream[7] ? "hashtag/local" : "hashtag", param = "tag", value = tag;
    else if (!strcmp(stream, "list"))
        path = "list", param = "list", value = list;
    else if (!strcmp(stream, "user"))
        path = "user";
    else if (!strcmp(stream, "user:notification"))
        path = "user/notification";
    else
        return -1;
    if (param) {
        if (value && param[0] == 't' && value[0] == '#')
            value++;
        if (!value || !value[0] || strlen(value) > RC_MASTODON_ARG_MAX ||
            rc_mastodon_escape(arg, sizeof(arg), value) < 0)
            return -1;
        n = snprintf(out, size, "%s/api/v1/streaming/%s?%s=%s", base, path, param, arg);
    } else {
        n = snprintf(out, size, "%s/api/v1/streaming/%s", base, path);
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int rc_mastodon_stream_timelines(const char *stream, const char *tag, const char *list, rc_mastodon_tl_t out[2]) {
    if (!stream)
        return -1;
    if (!strcmp(stream, "hashtag") || !strcmp(stream, "hashtag:local"))
        return rc_mastodon_tl_init(&out[0], RC_MTL_TAG, tag, stream[7] != '\0', 0) ? -1 : 1;
    if (!strcmp(stream, "list"))
        return rc_mastodon_tl_init(&out[0], RC_MTL_LIST, list, 0, 0) ? -1 : 1;
    if (!strcmp(stream, "user:notification"))
        return rc_mastodon_tl_init(&out[0], RC_MTL_NOTIF, NULL, 0, 0) ? -1 : 1;
    if (!strcmp(stream, "public") || !strcmp(stream, "public:local") || !strcmp(stream, "public:remote"))
        return rc_mastodon_tl_init(&out[0], RC_MTL_PUBLIC, NULL, !strcmp(stream, "public:local"),
                                   !strcmp(stream, "public:remote"))
                   ? -1
                   : 1;
    if (!strcmp(stream, "user"))
        return rc_mastodon_tl_init(&out[0], RC_MTL_HOME, NULL, 0, 0) ||
                       rc_mastodon_tl_init(&out[1], RC_MTL_NOTIF, NULL, 0, 0)
                   ? -1
                   : 2;
    return -1;
}

int rc_mastodon_link_prev_min_id(const char *headers, char *out, size_t size) {
    char link[4096];
    const char *p = link;

    if (!headers || !rc_http_header_get(headers, "link", link, sizeof(link)))
        return 0;
    /* <url>; rel="next", <url>; rel="prev" */
    while ((p = strchr(p, '<')) != NULL) {
        const char *url = p + 1, *ue = strchr(url, '>'), *params, *next, *q;
        if (!ue)
            return 0;
        params = ue + 1;
        next = strchr(params, '<');
        q = strstr(params, "rel=");
        if (q && (!next || q < next) &&
            (!strncmp(q, "rel=\"prev\"", 10) || !strncmp(q, "rel=prev", 8) || !strncmp(q, "rel=\"previous\"", 14))) {
            const char *m = url;
            while ((m = strstr(m, "min_id=")) != NULL && m < ue) {
                size_t n = 0;
                if (m > url && m[-1] != '?' && m[-1] != '&') {
                    m += 7;
                    continue;
                }
                m += 7;
                while (m + n < ue && m[n] != '&' && m[n] != '#')
                    n++;
                if (n == 0 || n >= size)
                    return 0;
                memcpy(out, m, n);
                out[n] = '\0';
                return id_ok(out);
            }
            return 0;
        }
        p = ue + 1;
    }
    return 0;
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int rc_mastodon_stream_event(const char *type, const char *data, size_t len, const char *status_key,
                             rc_mastodon_ev_t *out) {
    json_error_t jerr;
    json_t *doc = NULL;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    out->action = RC_MEV_IGNORE;
    if (!strcmp(type, "update") || !strcmp(type, "status.update")) {
        int edit = type[0] == 's';
        doc = json_loadb(data, len, 0, &jerr);
        if (!json_is_object(doc)) {
            /* Handed on anyway: the stage dead-letters it with the reason. */
            out->action = RC_MEV_MALFORMED;
            out->count = "malformed";
            if (!(out->payload = dup_n(data, len)))
                goto out;
            out->payload_len = len;
            ret = 0;
            goto out;
        }
        out->action = RC_MEV_SUBMIT;
        if (edit) {
            out->count = "edit";
            if (json_object_set_new(doc, "ricochet_event", json_string("edit")) != 0 ||
                !(out->payload = json_dumps(doc, JSON_COMPACT)))
                goto out;
            out->payload_len = strlen(out->payload);
        } else {
            if (!(out->payload = dup_n(data, len)))
                goto out;
            out->payload_len = len;
            if (status_key && entity_id(doc, out->id, sizeof(out->id)) == 0)
                out->key = status_key;
        }
        ret = 0;
    } else if (!strcmp(type, "delete")) {
        /* The payload is the bare id; accept a JSON string too. */
        char id[RC_MASTODON_ARG_MAX + 1];
        size_t s = 0, e = len;
        while (s < e && (data[s] == ' ' || data[s] == '\t' || data[s] == '\n'))
            s++;
        while (e > s && (data[e - 1] == ' ' || data[e - 1] == '\t' || data[e - 1] == '\n'))
            e--;
        if (e - s >= 2 && data[s] == '"' && data[e - 1] == '"')
            s++, e--;
        if (e - s == 0 || e - s > RC_MASTODON_ARG_MAX) {
            out->action = RC_MEV_MALFORMED;
            out->count = "malformed";
            ret = 0;
            goto out;
        }
        memcpy(id, data + s, e - s);
        id[e - s] = '\0';
        if (!id_ok(id)) {
            out->action = RC_MEV_MALFORMED;
            out->count = "malformed";
            ret = 0;
            goto out;
        }
        if (!(doc = json_pack("{s:s, s:s, s:s}", "platform", "mastodon", "id", id, "event", "delete")) ||
            !(out->payload = json_dumps(doc, JSON_COMPACT)))
            goto out;
        out->payload_len = strlen(out->payload);
        out->action = RC_MEV_SUBMIT;
        out->count = "delete";
        ret = 0;
    } else if (!strcmp(type, "notification")) {
        const json_t *st;
        doc = json_loadb(data, len, 0, &jerr);
        if (!json_is_object(doc)) {
            out->action = RC_MEV_MALFORMED;
            out->count = "malformed";
            if (!(out->payload = dup_n(data, len)))
                goto out;
            out->payload_len = len;
            ret = 0;
            goto out;
        }
        /* The cursor moves past every notification seen, mention or not. */
        if (entity_id(doc, out->id, sizeof(out->id)) == 0)
            out->key = "notif";
        if (!json_is_string(json_object_get(doc, "type")) ||
            strcmp(json_string_value(json_object_get(doc, "type")), "mention") != 0) {
            ret = 0;
            goto out;
        }
        st = json_object_get(doc, "status");
        if (!json_is_object(st)) {
            out->action = RC_MEV_MALFORMED;
            out->count = "malformed";
            ret = 0;
            goto out;
        }
        if (!(out->payload = json_dumps(st, JSON_COMPACT)))
            goto out;
        out->payload_len = strlen(out->payload);
        out->action = RC_MEV_SUBMIT;
        ret = 0;
    } else {
        ret = 0; /* filters_changed, announcement, conversation, ...: not posts */
    }
out:
    json_decref(doc);
    if (ret != 0) {
        free(out->payload);
        out->payload = NULL;
    }
    return ret;
}

/* ---- configuration ------------------------------------------------------- */

typedef struct rc_mastodon_conf {
    rc_source_conf_t base; /* must be first */
    char *base_url;
    char *streaming_url;
    char *access_token;
    char *stream; /* stream only */
    char *tag;
    char *list;
    int gap_fill;
    long idle_timeout_ms;
    const rc_node_t *hashtags; /* poll only */
    int notifications;
    const rc_node_t *lists;
    long limit;
    long max_pages;
} rc_mastodon_conf_t;

#define OFF(f) offsetof(rc_mastodon_conf_t, f)
static const rc_config_entry_t rc_mastodon_stream_table[] = {
    {"base_url", RC_CT_STRING, "https://mastodon.social", 0, 0, NULL, OFF(base_url), 1,
     "The instance (there is no single Mastodon host), e.g. https://mastodon.social."},
    {"access_token", RC_CT_STRING, NULL, 0, 0, NULL, OFF(access_token), 0,
     "User access token, sent as \"Authorization: Bearer\" (e.g. ${MASTODON_TOKEN}); needed for notifications, "
     "lists, home, and streaming on Mastodon 4.2+."},
    {"limit", RC_CT_INT, "40", 1, 40, NULL, OFF(limit), 0, "Statuses per timeline page (Mastodon's maximum is 40)."},
    {"max_pages", RC_CT_INT, "10", 1, 1000, NULL, OFF(max_pages), 0,
     "Pages read per timeline per cycle (or per gap fill); what is left is read next time from the cursor."},
    {"streaming_url", RC_CT_STRING, NULL, 0, 0, NULL, OFF(streaming_url), 0,
     "Where the streaming API is when the instance serves it from another host (its "
     "configuration.urls.streaming); default base_url."},
    {"stream", RC_CT_ENUM, "hashtag", 0, 0,
     "public|public:local|public:remote|hashtag|hashtag:local|list|user|"
     "user:notification",
     OFF(stream), 0, "Which stream (GET /api/v1/streaming/...)."},
    {"tag", RC_CT_STRING, NULL, 0, 0, NULL, OFF(tag), 0, "The hashtag of a hashtag stream (without '#')."},
    {"list", RC_CT_STRING, NULL, 0, 0, NULL, OFF(list), 0, "The list id of a list stream."},
    {"gap_fill", RC_CT_BOOL, "true", 0, 0, NULL, OFF(gap_fill), 0,
     "On every (re)connection, first poll the stream's timeline from the newest id seen (streams cannot resume)."},
    {"idle_timeout", RC_CT_DURATION, "60s", 1000, 3600000, NULL, OFF(idle_timeout_ms), 0,
     "Reconnect when nothing (not even a heartbeat) arrived for this long."},
    RC_CONFIG_END};

static const rc_config_entry_t rc_mastodon_poll_table[] = {
    {"base_url", RC_CT_STRING, "https://mastodon.social", 0, 0, NULL, OFF(base_url), 1,
     "The instance (there is no single Mastodon host), e.g. https://mastodon.social."},
    {"access_token", RC_CT_STRING, NULL, 0, 0, NULL, OFF(access_token), 0,
     "User access token, sent as \"Authorization: Bearer\" (e.g. ${MASTODON_TOKEN}); needed for notifications, "
     "lists, home, and streaming on Mastodon 4.2+."},
    {"limit", RC_CT_INT, "40", 1, 40, NULL, OFF(limit), 0, "Statuses per timeline page (Mastodon's maximum is 40)."},
    {"max_pages", RC_CT_INT, "10", 1, 1000, NULL, OFF(max_pages), 0,
     "Pages read per timeline per cycle (or per gap fill); what is left is read next time from the cursor."},
    {"hashtags", RC_CT_NODE, NULL, 0, 0, NULL, OFF(hashtags), 0,
     "Hashtags to poll (a list; '#' optional): GET /api/v1/timelines/tag/:hashtag."},
    {"notifications", RC_CT_BOOL, "false", 0, 0, NULL, OFF(notifications), 0,
     "Poll the account's mentions: GET /api/v1/notifications?types[]=mention (needs access_token)."},
    {"lists", RC_CT_NODE, NULL, 0, 0, NULL, OFF(lists), 0,
     "List ids to poll (a list): GET /api/v1/timelines/list/:id (needs access_token)."},
    RC_CONFIG_END};
#undef OFF

/* The scalars of a list node (or of a single scalar) into "tls". Returns
 * how many, or -1 with errstr. */
static int tls_from_node(const rc_node_t *node, const char *what, rc_mastodon_tl_kind_t kind, rc_mastodon_tl_t *tls,
                         size_t cap, char *errstr, size_t errstr_size) {
    const rc_node_t *it;
    size_t n = 0;

    if (!node || (node->type == RC_NODE_SCALAR && !node->value))
        return 0;
    if (node->type == RC_NODE_MAP) {
        snprintf(errstr, errstr_size, "%s: expected a list, got a map", what);
        return -1;
    }
    for (it = node->type == RC_NODE_SEQ ? node->child : node; it; it = node->type == RC_NODE_SEQ ? it->next : NULL) {
        if (it->type != RC_NODE_SCALAR || !it->value) {
            snprintf(errstr, errstr_size, "%s: every entry must be a %s", what,
                     kind == RC_MTL_TAG ? "hashtag" : "list id");
            return -1;
        }
        if (n == cap) {
            snprintf(errstr, errstr_size, "%s: more than %zu entries", what, cap);
            return -1;
        }
        if (rc_mastodon_tl_init(&tls[n], kind, it->value, 0, 0) != 0 || (kind == RC_MTL_LIST && !id_ok(tls[n].arg))) {
            snprintf(errstr, errstr_size, "%s: '%.64s' is not a valid %s", what, it->value,
                     kind == RC_MTL_TAG ? "hashtag" : "list id");
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            if (!strcmp(tls[k].key, tls[n].key)) {
                snprintf(errstr, errstr_size, "%s: '%.64s' is listed twice", what, it->value);
                return -1;
            }
        n++;
    }
    return (int)n;
}

#define RC_MASTODON_MAX_TLS 64

static int base_url_ok(const char *u) {
    return u && (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7)) && strlen(u) < 512;
}

static int rc_mastodon_poll_check(const void *conf, char *errstr, size_t errstr_size) {
    const rc_mastodon_conf_t *c = conf;
    rc_mastodon_tl_t tls[RC_MASTODON_MAX_TLS];
    int nt, nl;

    if (!base_url_ok(c->base_url)) {
        snprintf(errstr, errstr_size, "base_url: expected an http(s) URL such as https://mastodon.social");
        return -1;
    }
    if ((nt = tls_from_node(c->hashtags, "hashtags", RC_MTL_TAG, tls, RC_MASTODON_MAX_TLS, errstr, errstr_size)) < 0 ||
        (nl = tls_from_node(c->lists, "lists", RC_MTL_LIST, tls, RC_MASTODON_MAX_TLS, errstr, errstr_size)) < 0)
        return -1;
    if (nt + nl == 0 && !c->notifications) {
        snprintf(errstr, errstr_size, "nothing to poll: set at least one of hashtags, notifications, lists");
        return -1;
    }
    if ((nl > 0 || c->notifications) && (!c->access_token || !c->access_token[0])) {
        snprintf(errstr, errstr_size, "%s need access_token (a user token with read:%s)",
                 nl > 0 ? "lists" : "notifications", nl > 0 ? "lists" : "notifications");
        return -1;
    }
    return 0;
}

static int rc_mastodon_stream_check(const void *conf, char *errstr, size_t errstr_size) {
    const rc_mastodon_conf_t *c = conf;
    rc_mastodon_tl_t tls[2];
    char url[1024];
    const char *s = c->stream;

    if (!base_url_ok(c->base_url) || (c->streaming_url && !base_url_ok(c->streaming_url))) {
        snprintf(errstr, errstr_size, "%s: expected an http(s) URL such as https://mastodon.social",
                 base_url_ok(c->base_url) ? "streaming_url" : "base_url");
        return -1;
    }
    if ((!strncmp(s, "hashtag", 7) && (!c->tag || !c->tag[0])) || (!strcmp(s, "list") && (!c->list || !c->list[0]))) {
        snprintf(errstr, errstr_size, "stream '%s' needs %s", s, s[0] == 'h' ? "tag" : "list");
        return -1;
    }
    if (rc_mastodon_stream_url(url, sizeof(url), c->base_url, s, c->tag, c->list) != 0 ||
        rc_mastodon_stream_timelines(s, c->tag, c->list, tls) < 0 || (!strcmp(s, "list") && !id_ok(c->list))) {
        snprintf(errstr, errstr_size, "stream '%s': the %s is not valid", s, s[0] == 'h' ? "tag" : "list id");
        return -1;
    }
    if ((!strncmp(s, "user", 4) || !strcmp(s, "list")) && (!c->access_token || !c->access_token[0])) {
        snprintf(errstr, errstr_size, "stream '%s' needs access_token (a user token)", s);
        return -1;
    }
    return 0;
}

/* ---- state ---------------------------------------------------------------- */

typedef struct rc_mastodon_state {
    rc_mastodon_tl_t tls[RC_MASTODON_MAX_TLS + 1];
    size_t ntl;
    const char *status_key; /* stream: cursor key of its statuses (tls[0]) or NULL */
    char auth[2048];        /* "Authorization: Bearer ..." or "" */
    char base[512];         /* base_url without a trailing '/' */
    char stream_url[1024];
    json_t *cur; /* cursor being built in this run() */
    rc_sse_t sse;
    unsigned rnd;
    int quick_ends; /* stream connections in a row that ended early */
} rc_mastodon_state_t;

static void rc_mastodon_destroy(void *state) {
    rc_mastodon_state_t *st = state;
    if (!st)
        return;
    json_decref(st->cur);
    rc_sse_free(&st->sse);
    free(st);
}

static int rc_mastodon_init_common(rc_mastodon_state_t *st, const rc_mastodon_conf_t *c, char *errstr,
                                   size_t errstr_size) {
    size_t n = strlen(c->base_url);

    while (n > 0 && c->base_url[n - 1] == '/')
        n--;
    snprintf(st->base, sizeof(st->base), "%.*s", (int)n, c->base_url);
    if (c->access_token && c->access_token[0]) {
        if (strpbrk(c->access_token, "\r\n") || (size_t)snprintf(st->auth, sizeof(st->auth), "Authorization: Bearer %s",
                                                                 c->access_token) >= sizeof(st->auth)) {
            snprintf(errstr, errstr_size, "access_token: not a usable token");
            return -1;
        }
    }
    st->rnd = (unsigned)time(NULL) ^ (unsigned)getpid();
    return 0;
}

static int rc_mastodon_poll_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    const rc_mastodon_conf_t *c = conf;
    rc_mastodon_state_t *st = calloc(1, sizeof(*st));
    int n;

    if (!st) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *statep = st;
    if (rc_mastodon_init_common(st, c, errstr, errstr_size) != 0)
        return -1;
    /* Order: hashtags, mentions, lists, as configured. */
    if ((n = tls_from_node(c->hashtags, "hashtags", RC_MTL_TAG, st->tls, RC_MASTODON_MAX_TLS, errstr, errstr_size)) < 0)
        return -1;
    st->ntl = (size_t)n;
    if (c->notifications)
        rc_mastodon_tl_init(&st->tls[st->ntl++], RC_MTL_NOTIF, NULL, 0, 0);
    if ((n = tls_from_node(c->lists, "lists", RC_MTL_LIST, st->tls + st->ntl, RC_MASTODON_MAX_TLS - st->ntl, errstr,
                           errstr_size)) < 0)
        return -1;
    st->ntl += (size_t)n;
    return 0;
}

static int rc_mastodon_stream_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    const rc_mastodon_conf_t *c = conf;
    rc_mastodon_state_t *st = calloc(1, sizeof(*st));
    char sbase[512];
    int n;

    if (!st) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *statep = st;
    if (rc_mastodon_init_common(st, c, errstr, errstr_size) != 0)
        return -1;
    snprintf(sbase, sizeof(sbase), "%s", c->streaming_url ? c->streaming_url : st->base);
    for (size_t k = strlen(sbase); k > 0 && sbase[k - 1] == '/'; k--)
        sbase[k - 1] = '\0';
    if (rc_mastodon_stream_url(st->stream_url, sizeof(st->stream_url), sbase, c->stream, c->tag, c->list) != 0 ||
        (n = rc_mastodon_stream_timelines(c->stream, c->tag, c->list, st->tls)) < 0) {
        snprintf(errstr, errstr_size, "stream '%s': bad tag or list", c->stream);
        return -1;
    }
    st->ntl = (size_t)n;
    /* The status timeline, when there is one, comes first (user: home). */
    st->status_key = n > 0 && st->tls[0].kind != RC_MTL_NOTIF ? st->tls[0].key : NULL;
    rc_sse_init(&st->sse, (size_t)c->base.max_body);
    return 0;
}

/* ---- polling --------------------------------------------------------------- */

typedef struct {
    const json_t *item; /* the status to submit, or NULL (a notification that is no mention) */
    char id[RC_MASTODON_ARG_MAX + 1];
} rc_mastodon_item_t;

static int item_cmp(const void *a, const void *b) {
    return rc_mastodon_id_cmp(((const rc_mastodon_item_t *)a)->id, ((const rc_mastodon_item_t *)b)->id);
}

/* Submits one page (a JSON array, newest first as Mastodon sends it)
 * oldest first, with the cursor moved to its newest id (or the Link
 * header's, whichever is newer). *n_out: entries on the page. */
static int submit_page(rc_source_t *src, rc_mastodon_state_t *st, const rc_mastodon_tl_t *tl, const json_t *page,
                       const char *link_min_id, size_t *n_out, char *errstr, size_t errstr_size) {
    size_t n = json_array_size(page), m = 0, k = 0;
    rc_mastodon_item_t *items = calloc(n ? n : 1, sizeof(*items));
    char **owned = calloc(n ? n : 1, sizeof(*owned));
    const char **payloads = calloc(n ? n : 1, sizeof(*payloads));
    size_t *lens = calloc(n ? n : 1, sizeof(*lens));
    char *cursor = NULL;
    int ret = -1, changed = 0;

    *n_out = n;
    if (!items || !owned || !payloads || !lens)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(page, i);
        if (!json_is_object(e) || entity_id(e, items[m].id, sizeof(items[m].id)) != 0) {
            rc_source_count(src, "malformed");
            continue;
        }
        if (tl->kind == RC_MTL_NOTIF) {
            const json_t *type = json_object_get(e, "type"), *status = json_object_get(e, "status");
            /* types[]=mention asked for mentions only; anything else moves
             * the cursor but is no post of ours. */
            if (json_is_string(type) && !strcmp(json_string_value(type), "mention") && json_is_object(status))
                items[m].item = status;
            else if (json_is_string(type) && !strcmp(json_string_value(type), "mention"))
                rc_source_count(src, "malformed");
        } else {
            items[m].item = e;
        }
        m++;
    }
    qsort(items, m, sizeof(*items), item_cmp);
    for (size_t i = 0; i < m; i++) {
        if (!items[i].item)
            continue;
        if (!(owned[k] = json_dumps(items[i].item, JSON_COMPACT)))
            goto oom;
        payloads[k] = owned[k];
        lens[k] = strlen(owned[k]);
        k++;
    }
    if (m > 0 && (changed = rc_mastodon_cursor_advance(st->cur, tl->key, items[m - 1].id)) < 0)
        goto oom;
    if (link_min_id) {
        int r = rc_mastodon_cursor_advance(st->cur, tl->key, link_min_id);
        if (r < 0)
            goto oom;
        changed |= r;
    }
    if (changed && !(cursor = rc_mastodon_cursor_dump(st->cur)))
        goto oom;
    if ((k > 0 || cursor) && rc_source_submit(src, payloads, lens, k, cursor) != 0) {
        snprintf(errstr, errstr_size, "posts not acknowledged; will resume from the saved cursor");
        goto out;
    }
    ret = 0;
    goto out;
oom:
    snprintf(errstr, errstr_size, "out of memory");
out:
    for (size_t i = 0; i < k; i++)
        free(owned[i]);
    free(cursor);
    free(owned);
    free(payloads);
    free(lens);
    free(items);
    return ret;
}

/* One GET of a page. Returns the parsed array (caller owns), or NULL with
 * errstr; *not_found for a 404. */
static json_t *get_page(rc_source_t *src, rc_mastodon_state_t *st, const char *url, char *link_min_id, size_t lsize,
                        int *not_found, char *errstr, size_t errstr_size) {
    const char *headers[3] = {"Accept: application/json", st->auth[0] ? st->auth : NULL, NULL};
    rc_http_request_t req = {0};
    rc_http_response_t resp;
    json_error_t jerr;
    json_t *page = NULL;

    *not_found = 0;
    link_min_id[0] = '\0';
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    if (rc_source_http(src, &req, &resp) != 0) {
        snprintf(errstr, errstr_size, "%s", resp.error);
        goto out;
    }
    if (resp.status == 404) {
        *not_found = 1;
        snprintf(errstr, errstr_size, "GET %s: HTTP 404: %.200s", url, resp.body);
        goto out;
    }
    if (resp.status != 200) {
        /* 429 and 5xx: the runner has noted X-RateLimit-Reset / Retry-After. */
        snprintf(errstr, errstr_size, "GET %s: HTTP %ld: %.200s", url, resp.status, resp.body);
        goto out;
    }
    if (resp.truncated) {
        rc_source_count(src, "oversized");
        snprintf(errstr, errstr_size, "GET %s: response over max_body", url);
        goto out;
    }
    page = json_loadb(resp.body, resp.body_len, 0, &jerr);
    if (!json_is_array(page)) {
        rc_source_count(src, "malformed");
        snprintf(errstr, errstr_size, "GET %s: expected a JSON array: %s", url, page ? "got another value" : jerr.text);
        json_decref(page);
        page = NULL;
        goto out;
    }
    if (!rc_mastodon_link_prev_min_id(resp.headers, link_min_id, lsize))
        link_min_id[0] = '\0';
out:
    rc_http_response_clear(&resp);
    return page;
}

/* Reads one timeline forward from its cursor (max_pages pages at most).
 * Returns 0, or -1 with errstr. */
static int poll_timeline(rc_source_t *src, rc_mastodon_state_t *st, const rc_mastodon_conf_t *c,
                         const rc_mastodon_tl_t *tl, char *errstr, size_t errstr_size) {
    char url[2048], link_min[RC_MASTODON_ARG_MAX + 1], since[RC_MASTODON_ARG_MAX + 1];
    const char *s = json_string_value(json_object_get(st->cur, tl->key));
    int resumed = s != NULL;

    snprintf(since, sizeof(since), "%s", s ? s : "");
    for (long page = 0; page < c->max_pages; page++) {
        size_t n = 0;
        int not_found, r;
        json_t *arr;

        if (!rc_source_keep_going(src))
            return 0;
        if (rc_mastodon_timeline_url(url, sizeof(url), st->base, tl, since[0] ? since : NULL, c->limit) != 0) {
            snprintf(errstr, errstr_size, "%s: cannot build the request URL", tl->key);
            return -1;
        }
        arr = get_page(src, st, url, link_min, sizeof(link_min), &not_found, errstr, errstr_size);
        if (!arr && not_found && tl->kind == RC_MTL_TAG) {
            /* A hashtag nobody has used yet does not exist: nothing to read. */
            rc_source_count(src, "tag_not_found");
            return 0;
        }
        if (!arr)
            return -1;
        r = submit_page(src, st, tl, arr, link_min[0] ? link_min : NULL, &n, errstr, errstr_size);
        json_decref(arr);
        if (r != 0)
            return -1;
        /* Without a cursor the newest page is where we start; a short page
         * means we are level with the timeline. */
        if (!resumed || n < (size_t)c->limit)
            return 0;
        s = json_string_value(json_object_get(st->cur, tl->key));
        if (!s || !strcmp(s, since))
            return 0;
        snprintf(since, sizeof(since), "%s", s);
    }
    rc_source_count(src, "backlog");
    return 0;
}

/* (Re)loads the cursor from what the runner last wrote. */
static int load_cursor(rc_source_t *src, rc_mastodon_state_t *st, char *errstr, size_t errstr_size) {
    int valid;

    json_decref(st->cur);
    st->cur = rc_mastodon_cursor_load(rc_source_cursor(src), st->tls, st->ntl, &valid);
    if (!st->cur) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (!valid) {
        rc_log_warn("source %s: the saved cursor is not a JSON object of ids; starting afresh", rc_source_name(src));
        rc_source_count(src, "cursor_invalid");
    }
    return 0;
}

static int rc_mastodon_poll_run(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size) {
    rc_mastodon_state_t *st = state;
    const rc_mastodon_conf_t *c = conf;

    if (load_cursor(src, st, errstr, errstr_size) != 0)
        return -1;
    for (size_t i = 0; i < st->ntl && rc_source_keep_going(src); i++)
        if (poll_timeline(src, st, c, &st->tls[i], errstr, errstr_size) != 0)
            return -1;
    if (rc_source_flush(src) != 0) {
        snprintf(errstr, errstr_size, "posts not acknowledged; will resume from the saved cursor");
        return -1;
    }
    return 0;
}

/* ---- streaming ------------------------------------------------------------- */

typedef struct {
    rc_source_t *src;
    rc_mastodon_state_t *st;
    int got_bytes;
    int submit_failed;
    int oom;
} rc_mastodon_conn_t;

static int on_sse(void *opaque, rc_sse_kind_t kind, const rc_sse_event_t *ev) {
    rc_mastodon_conn_t *cn = opaque;
    rc_mastodon_ev_t me;
    char *cursor = NULL;
    int r = 0;

    if (kind == RC_SSE_COMMENT) {
        rc_source_count(cn->src, "heartbeat");
        return 0;
    }
    if (kind == RC_SSE_OVERSIZED) {
        rc_source_count(cn->src, "oversized");
        return 0;
    }
    if (rc_mastodon_stream_event(ev->type, ev->data, ev->data_len, cn->st->status_key, &me) != 0) {
        cn->oom = 1;
        return 1;
    }
    if (me.count)
        rc_source_count(cn->src, me.count);
    if (me.action == RC_MEV_IGNORE && me.key && me.id[0]) {
        /* A notification that is no mention still moves the cursor, with
         * the next submitted post. */
        if (rc_mastodon_cursor_advance(cn->st->cur, me.key, me.id) < 0)
            cn->oom = r = 1;
    } else if (me.payload) {
        if (me.key && me.id[0] && (r = rc_mastodon_cursor_advance(cn->st->cur, me.key, me.id)) > 0 &&
            !(cursor = rc_mastodon_cursor_dump(cn->st->cur)))
            r = -1;
        if (r < 0) {
            cn->oom = r = 1;
        } else {
            const char *p = me.payload;
            r = 0;
            if (rc_source_submit(cn->src, &p, &me.payload_len, 1, cursor) != 0)
                cn->submit_failed = r = 1;
        }
    }
    free(cursor);
    free(me.payload);
    return r;
}

static int on_data(void *opaque, const char *data, size_t len) {
    rc_mastodon_conn_t *cn = opaque;
    int r;

    cn->got_bytes = 1;
    r = rc_sse_feed(&cn->st->sse, data, len, on_sse, cn);
    if (r == -1)
        cn->oom = 1;
    return r != 0;
}

static int keep_going_cb(void *opaque) {
    rc_mastodon_conn_t *cn = opaque;
    return !rc_source_keep_going(cn->src);
}

/* One connection. Returns 1 when it was up and then ended (reconnect),
 * 0 when the source is stopping, -1 when it could not be opened or posts
 * were not acknowledged (errstr says why). */
static int stream_once(rc_source_t *src, rc_mastodon_state_t *st, const rc_mastodon_conf_t *c, char *errstr,
                       size_t errstr_size) {
    const char *headers[4] = {"Accept: text/event-stream", "Cache-Control: no-cache", st->auth[0] ? st->auth : NULL,
                              NULL};
    rc_mastodon_conn_t cn = {src, st, 0, 0, 0};
    rc_http_request_t req = {0};
    rc_http_response_t resp;
    int rc, ret;

    rc_sse_reset(&st->sse);
    req.method = "GET";
    req.url = st->stream_url;
    req.headers = headers;
    req.timeout_ms = -1;
    req.on_data = on_data;
    req.keep_going = keep_going_cb;
    req.opaque = &cn;
    req.idle_timeout_ms = c->idle_timeout_ms;
    rc = rc_source_http(src, &req, &resp);
    if (cn.oom) {
        snprintf(errstr, errstr_size, "out of memory");
        ret = -1;
    } else if (cn.submit_failed) {
        snprintf(errstr, errstr_size, "posts not acknowledged; will resume from the saved cursor");
        ret = -1;
    } else if (!rc_source_keep_going(src)) {
        ret = 0;
    } else if (resp.status && (resp.status < 200 || resp.status > 299)) {
        snprintf(errstr, errstr_size, "GET %s: HTTP %ld: %.200s", st->stream_url, resp.status, resp.body);
        ret = -1;
    } else if (!cn.got_bytes) {
        snprintf(errstr, errstr_size, "%s", rc ? resp.error : "the stream closed before sending anything");
        ret = -1;
    } else {
        rc_log_info("source %s: stream ended (%s); reconnecting", rc_source_name(src),
                    rc ? resp.error : "closed by the server");
        ret = 1;
    }
    rc_http_response_clear(&resp);
    return ret;
}

/* Polls the stream's timelines from the cursor: what was posted while the
 * stream was down. Timelines without a cursor are skipped (no backfill). */
static int gap_fill(rc_source_t *src, rc_mastodon_state_t *st, const rc_mastodon_conf_t *c, char *errstr,
                    size_t errstr_size) {
    int any = 0;

    for (size_t i = 0; i < st->ntl && rc_source_keep_going(src); i++) {
        if (!json_object_get(st->cur, st->tls[i].key))
            continue;
        any = 1;
        if (poll_timeline(src, st, c, &st->tls[i], errstr, errstr_size) != 0)
            return -1;
    }
    if (any)
        rc_source_count(src, "gap_fill");
    return 0;
}

static int rc_mastodon_stream_run(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size) {
    rc_mastodon_state_t *st = state;
    const rc_mastodon_conf_t *c = conf;

    if (load_cursor(src, st, errstr, errstr_size) != 0)
        return -1;
    for (;;) {
        time_t t0;
        long wait;
        int r;

        if (c->gap_fill && gap_fill(src, st, c, errstr, errstr_size) != 0)
            return -1;
        if (!rc_source_keep_going(src))
            return 0;
        t0 = time(NULL);
        if ((r = stream_once(src, st, c, errstr, errstr_size)) <= 0)
            return r;
        rc_source_count(src, "reconnect");
        /* What the stream delivered is acknowledged before the gap fill
         * reads from the cursor again. */
        if (rc_source_flush(src) != 0) {
            snprintf(errstr, errstr_size, "posts not acknowledged; will resume from the saved cursor");
            return -1;
        }
        /* A connection that lasted a minute was healthy: reconnect at
         * once (after backoff_initial); ones that keep ending early wait
         * longer each time, like the runner's backoff. */
        st->quick_ends = time(NULL) - t0 >= 60 ? 0 : st->quick_ends + 1;
        wait = rc_backoff_ms(c->base.backoff_initial_ms, c->base.backoff_max_ms,
                             st->quick_ends > 0 ? st->quick_ends - 1 : 0,
                             (double)rand_r(&st->rnd) / ((double)RAND_MAX + 1.0));
        if (!rc_source_sleep(src, wait))
            return 0;
    }
}

const rc_source_ops_t rc_source_mastodon_stream = {
    .type = "mastodon_stream",
    .desc = "Mastodon streaming API (server-sent events): new, edited and deleted statuses of a hashtag, list, "
            "public or user stream; after every reconnection the gap is polled from the newest id seen.",
    .config = rc_mastodon_stream_table,
    .conf_size = sizeof(rc_mastodon_conf_t),
    .check = rc_mastodon_stream_check,
    .init = rc_mastodon_stream_init,
    .destroy = rc_mastodon_destroy,
    .run = rc_mastodon_stream_run,
    /* run() reconnects by itself and returns 0 only when stopping; should it
     * ever end a working connection with 0, reconnect soon. */
    .streaming = 1,
};

const rc_source_ops_t rc_source_mastodon_poll = {
    .type = "mastodon_poll",
    .desc = "Mastodon timelines polled forward with min_id: hashtags, the account's mentions, lists; one since-id "
            "cursor per timeline.",
    .config = rc_mastodon_poll_table,
    .conf_size = sizeof(rc_mastodon_conf_t),
    .check = rc_mastodon_poll_check,
    .init = rc_mastodon_poll_init,
    .destroy = rc_mastodon_destroy,
    .run = rc_mastodon_poll_run,
};
