/*
 * Source "bluesky_jetstream": Bluesky posts from a Jetstream instance
 * (docs/sources/bluesky.md), a WebSocket that sends one JSON event per
 * text frame:
 *
 *   <base_url>/subscribe?wantedCollections=app.bsky.feed.post[&wantedDids=...][&cursor=<time_us>]
 *
 * Why it is built the way it is:
 *   - libwebsockets runs its own event loop. run() owns one lws context
 *     for one connection: it services the loop on the source's thread,
 *     woken at least every 200 ms by a timer so it sees
 *     rc_source_keep_going() turn 0, and destroys the context on the way
 *     out, which closes the socket whatever state it was in.
 *   - The receive callback only assembles frames into messages and queues
 *     them; after each service pass run() processes the queue (filter,
 *     profile lookups, submit). Lookups block, and blocking inside an lws
 *     callback would stall the library mid-frame.
 *   - The cursor is the event's time_us. Jetstream replays from a cursor
 *     inclusively and its README advises rewinding a few seconds on
 *     reconnect "for gapless playback if you process events idempotently";
 *     cursor_rewind does that and the stage's dedup window drops what comes
 *     twice. Events the source skips (other kinds, filtered posts) move the
 *     cursor too, at most once a second, so a narrow filter does not mean
 *     replaying hours after a restart.
 *   - Jetstream has no text filter: with "keywords" the source keeps only
 *     posts whose text or tags contain one (ASCII case-insensitive). An
 *     edit, delete or repost has no text to match (or not the original's),
 *     so it passes when its post was taken in before: the URIs of posts
 *     taken are remembered in Redis (ricochet:bsky:seen:<uri>, seen_ttl).
 *   - Events name the author by DID only. The source looks the profile up
 *     (app.bsky.actor.getProfile through rc_source_http, so the token
 *     bucket applies), caches the fields it uses in Redis
 *     (ricochet:bsky:profile:<did>, profile_cache_ttl) and adds them to the
 *     event as "profile" (ingest/formats/bluesky.c). A failed lookup does
 *     not hold the post back: it goes without (handle = DID), counted.
 *   - Frames that are not JSON are submitted as they are, so the stage
 *     dead-letters them with the parse error; frames over max_body are
 *     counted and skipped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "redis.h"
#include "source.h"
#include "util.h"

#define BSKY_POST "app.bsky.feed.post"
#define BSKY_REPOST "app.bsky.feed.repost"
#define BSKY_TICK_MS 200
/* Messages queued in one service pass before reading pauses: bounds the
 * memory a fast stream can take while lookups run. */
#define BSKY_QUEUE_MAX 512
/* Longest subscribe path we build: libwebsockets writes the handshake into
 * a buffer of pt_serv_buf_size bytes. */
#define BSKY_PATH_MAX 6144
#define BSKY_SERV_BUF 16384

/* libwebsockets 4.1 sets up OpenSSL's process-wide state (ex_data indexes,
 * the library init) each time a TLS context is created and tears some of it
 * down when one is destroyed; with several sources on several threads those
 * steps must not overlap. Servicing a context needs no lock. */
static pthread_mutex_t rc_bsky_lws_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct rc_bsky_conf {
    rc_source_conf_t base; /* must be first */
    char *base_url;
    const rc_node_t *wanted_collections;
    const rc_node_t *wanted_dids;
    const rc_node_t *keywords;
    long cursor_rewind_ms;
    int profile_lookup;
    char *profile_url;
    long profile_cache_ttl_ms;
    long seen_ttl_ms;
    long idle_timeout_ms;
    char *ca_file;
} rc_bsky_conf_t;

#define OFF(f) offsetof(rc_bsky_conf_t, f)
static const rc_config_entry_t rc_bsky_table[] = {
    {"base_url", RC_CT_STRING, "wss://jetstream2.us-east.bsky.network", 0, 0, NULL, OFF(base_url), 0,
     "Jetstream instance (ws:// or wss://); /subscribe is appended. Bluesky runs jetstream1/2 in us-east and "
     "us-west."},
    {"wanted_collections", RC_CT_NODE, NULL, 0, 0, NULL, OFF(wanted_collections), 0,
     "Collections to subscribe to: app.bsky.feed.post (default) and/or app.bsky.feed.repost."},
    {"wanted_dids", RC_CT_NODE, NULL, 0, 0, NULL, OFF(wanted_dids), 0,
     "Only these accounts (DIDs), filtered by Jetstream; default all."},
    {"keywords", RC_CT_NODE, NULL, 0, 0, NULL, OFF(keywords), 0,
     "Keep only posts whose text or tags contain one of these (case-insensitive); default all."},
    {"cursor_rewind", RC_CT_DURATION, "3s", 0, 3600000, NULL, OFF(cursor_rewind_ms), 0,
     "On resume, start this far before the saved cursor (Jetstream's advice for gapless playback)."},
    {"profile_lookup", RC_CT_BOOL, "true", 0, 0, NULL, OFF(profile_lookup), 0,
     "Look up each author's handle, name and followers (app.bsky.actor.getProfile)."},
    {"profile_url", RC_CT_STRING, "https://public.api.bsky.app", 0, 0, NULL, OFF(profile_url), 0,
     "XRPC host for app.bsky.actor.getProfile (the public AppView needs no credentials)."},
    {"profile_cache_ttl", RC_CT_DURATION, "24h", 1000, 30LL * 86400 * 1000, NULL, OFF(profile_cache_ttl_ms), 0,
     "How long a looked-up profile is kept in Redis (ricochet:bsky:profile:<did>)."},
    {"seen_ttl", RC_CT_DURATION, "7d", 1000, 90LL * 86400 * 1000, NULL, OFF(seen_ttl_ms), 0,
     "With keywords: how long a taken post is remembered so its edits, deletes and reposts pass too."},
    {"idle_timeout", RC_CT_DURATION, "60s", 2000, 3600000, NULL, OFF(idle_timeout_ms), 0,
     "Ping the server after half of this without a sign of life; reconnect after all of it."},
    {"ca_file", RC_CT_STRING, NULL, 0, 0, NULL, OFF(ca_file), 0,
     "CA certificates (PEM) trusted for wss://, instead of the system's store."},
    RC_CONFIG_END};

/* A list of strings from the config. */
typedef struct {
    char **v;
    size_t n;
} rc_bsky_list_t;

typedef struct rc_bsky_state {
    rc_bsky_list_t collections, dids, keywords;
    SSL_CTX *tls; /* wss:// only */
    int want_reposts;
    /* The current connection (valid inside run()). */
    rc_source_t *src;
    const rc_bsky_conf_t *conf;
    struct lws_context *ctx;
    struct lws *wsi;
    lws_sorted_usec_list_t tick;
    int established, done, peer_closed, paused;
    char error[256];
    /* The message being assembled from frames. */
    char *msg;
    size_t msg_len, msg_cap;
    int msg_skipping, msg_binary;
    /* Complete messages of this service pass. */
    char **q;
    size_t *qlen, qn, qcap;
    /* Cursor bookkeeping (time_us). */
    long long last_cursor_us; /* highest cursor handed to submit() */
    long long pass_cursor_us; /* highest time_us seen, not yet handed over */
    int64_t last_checkpoint_ms;
    int unflushed; /* submitted since the last flush */
    int64_t last_submit_ms;
    int64_t lookups_paused_until_ms; /* profile lookups rate-limited until */
} rc_bsky_state_t;

/* ---- config lists ---------------------------------------------------------- */

static void rc_bsky_list_free(rc_bsky_list_t *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int rc_bsky_is_did_ch(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == ':' ||
           ch == '_' || ch == '%' || ch == '-';
}

static int rc_bsky_did_ok(const char *s) {
    int ok = strncmp(s, "did:", 4) == 0 && strlen(s) > 4 && strlen(s) <= 256;
    for (const char *p = s; ok && *p; p++)
        ok = rc_bsky_is_did_ch((unsigned char)*p);
    return ok;
}

/* Validates "node" (a scalar or a sequence of scalars) as a list for "key";
 * kind 'c' collections, 'd' DIDs, 'k' keywords. Copies it into "out" when
 * non-NULL. Returns 0, or -1 with errstr. */
static int rc_bsky_list(const rc_node_t *node, const char *key, char kind, rc_bsky_list_t *out, char *errstr,
                        size_t errstr_size) {
    const rc_node_t *one = node, *it;
    size_t n = 0;

    if (!node)
        return 0;
    if (node->type == RC_NODE_MAP) {
        snprintf(errstr, errstr_size, "%s: expected a list of strings", key);
        return -1;
    }
    it = node->type == RC_NODE_SEQ ? node->child : one;
    for (; it; it = node->type == RC_NODE_SEQ ? it->next : NULL, n++) {
        const char *s = it->value;
        if (it->type != RC_NODE_SCALAR || !s || !*s) {
            snprintf(errstr, errstr_size, "%s[%zu]: expected a non-empty string", key, n);
            return -1;
        }
        if (kind == 'c' && strcmp(s, BSKY_POST) != 0 && strcmp(s, BSKY_REPOST) != 0) {
            snprintf(errstr, errstr_size, "%s[%zu]: '%s' is not %s or %s (the collections ricochet reads)", key, n, s,
                     BSKY_POST, BSKY_REPOST);
            return -1;
        }
        if (kind == 'd' && !rc_bsky_did_ok(s)) {
            snprintf(errstr, errstr_size, "%s[%zu]: '%.64s' is not a DID (did:plc:..., did:web:...)", key, n, s);
            return -1;
        }
        if (kind == 'k' && strlen(s) > 256) {
            snprintf(errstr, errstr_size, "%s[%zu]: longer than 256 bytes", key, n);
            return -1;
        }
        if (out) {
            char **v = realloc(out->v, (out->n + 1) * sizeof(*v));
            if (!v || !(v[out->n] = strdup(s))) {
                if (v)
                    out->v = v;
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
            }
            out->v = v;
            out->n++;
        }
    }
    return 0;
}

/* ---- URLs ------------------------------------------------------------------ */

typedef struct {
    int tls;
    char host[256];
    int port;
    char prefix[512]; /* path before /subscribe, without a trailing '/' */
} rc_bsky_url_t;

/* Splits "ws[s]://host[:port][/path]". A path that already ends in
 * /subscribe is taken as the endpoint itself. Pure. */
static int rc_bsky_parse_url(const char *url, rc_bsky_url_t *u, char *errstr, size_t errstr_size) {
    const char *p, *host, *end;
    size_t hl, pl;

    memset(u, 0, sizeof(*u));
    if (strncmp(url, "wss://", 6) == 0) {
        u->tls = 1;
        u->port = 443;
        p = url + 6;
    } else if (strncmp(url, "ws://", 5) == 0) {
        u->port = 80;
        p = url + 5;
    } else {
        snprintf(errstr, errstr_size, "base_url: '%.200s' is not a ws:// or wss:// URL", url);
        return -1;
    }
    host = p;
    end = host + strcspn(host, ":/?#");
    hl = (size_t)(end - host);
    if (hl == 0 || hl >= sizeof(u->host)) {
        snprintf(errstr, errstr_size, "base_url: '%.200s' has no host", url);
        return -1;
    }
    memcpy(u->host, host, hl);
    p = end;
    if (*p == ':') {
        char *e;
        long port = strtol(p + 1, &e, 10);
        if (e == p + 1 || port < 1 || port > 65535 || (*e && *e != '/')) {
            snprintf(errstr, errstr_size, "base_url: '%.200s' has a bad port", url);
            return -1;
        }
        u->port = (int)port;
        p = e;
    }
    if (*p && *p != '/') {
        snprintf(errstr, errstr_size, "base_url: '%.200s' must not carry a query or fragment", url);
        return -1;
    }
    pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/')
        pl--;
    if (pl >= 10 && strncmp(p + pl - 10, "/subscribe", 10) == 0)
        pl -= 10;
    if (pl >= sizeof(u->prefix) || memchr(p, '?', pl) || memchr(p, '#', pl)) {
        snprintf(errstr, errstr_size, "base_url: '%.200s' must not carry a query or fragment", url);
        return -1;
    }
    memcpy(u->prefix, p, pl);
    return 0;
}

/* The subscribe path with its query. Returns its length, or -1 when it
 * does not fit. Pure. */
static int rc_bsky_subscribe_path(const rc_bsky_url_t *u, const rc_bsky_list_t *colls, const rc_bsky_list_t *dids,
                                  long long cursor_us, char *out, size_t out_size) {
    size_t off = 0;
    int n = snprintf(out, out_size, "%s/subscribe", u->prefix);
    char sep = '?';

    if (n < 0 || (size_t)n >= out_size)
        return -1;
    off = (size_t)n;
    for (size_t i = 0; i < colls->n + dids->n; i++) {
        const char *name = i < colls->n ? "wantedCollections" : "wantedDids";
        const char *v = i < colls->n ? colls->v[i] : dids->v[i - colls->n];
        n = snprintf(out + off, out_size - off, "%c%s=%s", sep, name, v);
        if (n < 0 || (size_t)n >= out_size - off)
            return -1;
        off += (size_t)n;
        sep = '&';
    }
    if (cursor_us > 0) {
        n = snprintf(out + off, out_size - off, "%ccursor=%lld", sep, cursor_us);
        if (n < 0 || (size_t)n >= out_size - off)
            return -1;
        off += (size_t)n;
    }
    return (int)off;
}

/* ---- check / init ---------------------------------------------------------- */

static int rc_bsky_check(const void *conf, char *errstr, size_t errstr_size) {
    const rc_bsky_conf_t *c = conf;
    rc_bsky_list_t colls = {0}, dids = {0};
    rc_bsky_url_t u;
    char path[BSKY_PATH_MAX];
    int rc = -1;

    if (rc_bsky_parse_url(c->base_url, &u, errstr, errstr_size) != 0)
        goto out;
    if (strncmp(c->profile_url, "https://", 8) != 0 && strncmp(c->profile_url, "http://", 7) != 0) {
        snprintf(errstr, errstr_size, "profile_url: '%.200s' is not an http(s) URL", c->profile_url);
        goto out;
    }
    if (rc_bsky_list(c->wanted_collections, "wanted_collections", 'c', &colls, errstr, errstr_size) != 0 ||
        rc_bsky_list(c->wanted_dids, "wanted_dids", 'd', &dids, errstr, errstr_size) != 0 ||
        rc_bsky_list(c->keywords, "keywords", 'k', NULL, errstr, errstr_size) != 0)
        goto out;
    /* The DIDs travel in the URL; say so now rather than at every connect. */
    if (rc_bsky_subscribe_path(&u, &colls, &dids, 9999999999999999LL, path, sizeof(path)) < 0) {
        snprintf(errstr, errstr_size,
                 "wanted_dids: %zu DIDs make the subscribe URL longer than %d bytes; "
                 "list fewer (about 150 fit)",
                 dids.n, BSKY_PATH_MAX);
        goto out;
    }
    rc = 0;
out:
    rc_bsky_list_free(&colls);
    rc_bsky_list_free(&dids);
    return rc;
}

static void rc_bsky_destroy(void *state) {
    rc_bsky_state_t *st = state;
    if (!st)
        return;
    rc_bsky_list_free(&st->collections);
    rc_bsky_list_free(&st->dids);
    rc_bsky_list_free(&st->keywords);
    SSL_CTX_free(st->tls);
    free(st->msg);
    for (size_t i = 0; i < st->qn; i++)
        free(st->q[i]);
    free(st->q);
    free(st->qlen);
    free(st);
}

/* libwebsockets' own messages go to our log (errors and warnings only). */
static void rc_bsky_lws_log(int level, const char *line) {
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    rc_log_warn("libwebsockets%s: %.*s", level == LLL_ERR ? " error" : "", (int)n, line);
}

/* The TLS client context for wss://, made here rather than by
 * libwebsockets: lws 4.1 keeps the bookkeeping of the contexts it makes
 * under an OpenSSL ex_data index that every new lws context replaces, so
 * with several sources (or reconnects) overlapping it loses track of them
 * and leaks each one. One per source, kept for the source's lifetime. */
static SSL_CTX *rc_bsky_tls_ctx(const rc_bsky_conf_t *c, const char *host, char *errstr, size_t errstr_size) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    char err[256] = "";

    if (!ctx) {
        snprintf(errstr, errstr_size, "cannot make a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (c->ca_file ? SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1
                   : SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ERR_error_string_n(ERR_get_error(), err, sizeof(err));
        snprintf(errstr, errstr_size, "ca_file '%s': %s", c->ca_file ? c->ca_file : "(system)", err);
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* The server's certificate must name the host we asked for. */
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(ctx), host, 0);
    return ctx;
}

static int rc_bsky_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    const rc_bsky_conf_t *c = conf;
    rc_bsky_state_t *st = calloc(1, sizeof(*st));
    rc_bsky_url_t u;

    if (!st) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *statep = st;
    if (rc_bsky_list(c->wanted_collections, "wanted_collections", 'c', &st->collections, errstr, errstr_size) ||
        rc_bsky_list(c->wanted_dids, "wanted_dids", 'd', &st->dids, errstr, errstr_size) ||
        rc_bsky_list(c->keywords, "keywords", 'k', &st->keywords, errstr, errstr_size))
        return -1;
    if (st->collections.n == 0 && rc_bsky_list(&(rc_node_t){RC_NODE_SCALAR, NULL, BSKY_POST, 0, NULL, NULL},
                                               "wanted_collections", 'c', &st->collections, errstr, errstr_size))
        return -1;
    for (size_t i = 0; i < st->collections.n; i++)
        if (strcmp(st->collections.v[i], BSKY_REPOST) == 0)
            st->want_reposts = 1;
    if (rc_bsky_parse_url(c->base_url, &u, errstr, errstr_size) != 0 ||
        (u.tls && !(st->tls = rc_bsky_tls_ctx(c, u.host, errstr, errstr_size))))
        return -1;
    lws_set_log_level(LLL_ERR | LLL_WARN, rc_bsky_lws_log);
    return 0;
}

/* ---- the connection (libwebsockets callbacks) ------------------------------ */

static int rc_bsky_queue(rc_bsky_state_t *st) {
    if (st->qn == st->qcap) {
        size_t cap = st->qcap ? st->qcap * 2 : 64;
        char **q = realloc(st->q, cap * sizeof(*q));
        if (!q)
            return -1;
        st->q = q;
        size_t *ql = realloc(st->qlen, cap * sizeof(*ql));
        if (!ql)
            return -1;
        st->qlen = ql;
        st->qcap = cap;
    }
    st->q[st->qn] = st->msg;
    st->qlen[st->qn++] = st->msg_len;
    st->msg = NULL;
    st->msg_len = st->msg_cap = 0;
    return 0;
}

/* One received piece of a message: appended while it stays within
 * max_body; a message that outgrows it is dropped and skipped to its end. */
static int rc_bsky_receive(rc_bsky_state_t *st, struct lws *wsi, const char *in, size_t len) {
    size_t max = (size_t)st->conf->base.max_body;

    if (lws_is_first_fragment(wsi)) {
        st->msg_len = 0;
        st->msg_skipping = 0;
        st->msg_binary = lws_frame_is_binary(wsi);
    }
    if (!st->msg_skipping && st->msg_len + len > max) {
        st->msg_skipping = 1;
        free(st->msg);
        st->msg = NULL;
        st->msg_len = st->msg_cap = 0;
    }
    if (!st->msg_skipping) {
        if (st->msg_len + len + 1 > st->msg_cap) {
            size_t cap = st->msg_cap ? st->msg_cap : 4096;
            while (cap < st->msg_len + len + 1)
                cap *= 2;
            char *m = realloc(st->msg, cap);
            if (!m) {
                snprintf(st->error, sizeof(st->error), "out of memory assembling a message");
                return -1;
            }
            st->msg = m;
            st->msg_cap = cap;
        }
        memcpy(st->msg + st->msg_len, in, len);
        st->msg_len += len;
        st->msg[st->msg_len] = '\0';
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    if (st->msg_skipping) {
        rc_source_count(st->src, "oversized");
        rc_log_warn("source %s: skipped an event over max_body (%ld bytes)", rc_source_name(st->src),
                    st->conf->base.max_body);
        st->msg_skipping = 0;
        return 0;
    }
    if (st->msg_binary) {
        /* Only a compressed stream sends binary frames, and we never ask
         * for one. */
        rc_source_count(st->src, "binary");
        st->msg_len = 0;
        return 0;
    }
    if (!st->msg && !(st->msg = calloc(1, 1))) {
        snprintf(st->error, sizeof(st->error), "out of memory");
        return -1;
    }
    if (rc_bsky_queue(st) != 0) {
        snprintf(st->error, sizeof(st->error), "out of memory queueing a message");
        return -1;
    }
    if (st->qn >= BSKY_QUEUE_MAX && !st->paused) {
        lws_rx_flow_control(wsi, 0);
        st->paused = 1;
    }
    return 0;
}

static int rc_bsky_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    rc_bsky_state_t *st = user;

    /* Context-wide reasons come without a connection (and without "user"). */
    if (!st && reason != LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = in, *end = *p + len;
        static const char ua[] = "ricochet/0.1 (bluesky_jetstream)";
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT, (const unsigned char *)ua, (int)sizeof(ua) - 1,
                                         p, end))
            return -1;
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        st->established = 1;
        rc_source_count(st->src, "connected");
        rc_log_info("source %s: connected to Jetstream", rc_source_name(st->src));
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (rc_bsky_receive(st, wsi, in, len) != 0)
            return -1;
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        st->peer_closed = 1;
        if (len >= 2) {
            const unsigned char *b = in;
            snprintf(st->error, sizeof(st->error), "server closed the connection (status %u%s%.*s)",
                     (unsigned)(b[0] << 8 | b[1]), len > 2 ? ": " : "", (int)(len - 2), (const char *)b + 2);
        } else {
            snprintf(st->error, sizeof(st->error), "server closed the connection");
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(st->error, sizeof(st->error), "cannot connect: %s", in ? (const char *)in : "(no reason)");
        st->done = 1;
        st->wsi = NULL;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!st->error[0])
            snprintf(st->error, sizeof(st->error), "connection lost");
        st->done = 1;
        st->wsi = NULL;
        break;
    default: break;
    }
    return 0;
}

static const struct lws_protocols rc_bsky_protocols[] = {
    {"ricochet-jetstream", rc_bsky_callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Wakes lws_service() regularly so run() sees a stop request. */
static void rc_bsky_tick(lws_sorted_usec_list_t *sul) {
    rc_bsky_state_t *st = lws_container_of(sul, rc_bsky_state_t, tick);
    lws_sul_schedule(st->ctx, 0, &st->tick, rc_bsky_tick, BSKY_TICK_MS * LWS_US_PER_MS);
}

/* ---- Redis: profile cache and the set of posts taken ------------------------ */

static redisReply *rc_bsky_redis(rc_source_t *src, int argc, const char **argv) {
    struct rc_redis *r = rc_source_redis(src);
    char err[256];
    redisReply *rep;

    if (!r)
        return NULL;
    if (!(rep = rc_redis_command(r, argc, argv, err, sizeof(err))))
        rc_log_warn("source %s: redis %s failed: %s", rc_source_name(src), argv[0], err);
    return rep;
}

/* Marks "uri" as taken in. */
static void rc_bsky_mark_seen(rc_bsky_state_t *st, const char *uri) {
    char key[700], ttl[32];
    snprintf(key, sizeof(key), "ricochet:bsky:seen:%s", uri);
    snprintf(ttl, sizeof(ttl), "%ld", st->conf->seen_ttl_ms / 1000);
    const char *argv[5] = {"SET", key, "1", "EX", ttl};
    freeReplyObject(rc_bsky_redis(st->src, 5, argv));
}

/* 1 when "uri" was taken in; without Redis we cannot know, and letting an
 * edit or delete through is the safer mistake. */
static int rc_bsky_seen(rc_bsky_state_t *st, const char *uri) {
    char key[700];
    redisReply *rep;
    int seen = 1;

    snprintf(key, sizeof(key), "ricochet:bsky:seen:%s", uri);
    const char *argv[2] = {"EXISTS", key};
    if ((rep = rc_bsky_redis(st->src, 2, argv))) {
        seen = rep->type == REDIS_REPLY_INTEGER && rep->integer > 0;
        freeReplyObject(rep);
    }
    return seen;
}

/* The fields of a getProfile answer the format reads, with their types
 * checked, so a surprising answer cannot make the post undeliverable.
 * Returns a new object or NULL. */
static json_t *rc_bsky_profile_trim(const json_t *p, const char *did) {
    json_t *out;
    const json_t *v;

    if (!json_is_object(p) || !json_is_string(json_object_get(p, "did")) ||
        strcmp(json_string_value(json_object_get(p, "did")), did) != 0)
        return NULL;
    if (!(out = json_pack("{s:s}", "did", did)))
        return NULL;
    if (json_is_string(v = json_object_get(p, "handle")))
        json_object_set(out, "handle", (json_t *)v);
    if (json_is_string(v = json_object_get(p, "displayName")))
        json_object_set(out, "displayName", (json_t *)v);
    if (json_is_integer(v = json_object_get(p, "followersCount")) && json_integer_value(v) >= 0)
        json_object_set(out, "followersCount", (json_t *)v);
    v = json_object_get(json_object_get(p, "verification"), "verifiedStatus");
    if (json_is_string(v))
        json_object_set_new(out, "verification", json_pack("{s:O}", "verifiedStatus", v));
    return out;
}

/* Percent-encodes a DID for a query ("did:plc:x" -> "did%3Aplc%3Ax"). */
static void rc_bsky_escape(const char *s, char *out, size_t out_size) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < out_size; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
            ch == '_' || ch == '-' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

/* The AppView announces its limits with the IETF draft's RateLimit-*
 * headers (ratelimit-remaining, ratelimit-reset in epoch seconds), which
 * the runner does not read. When none remain, or after a 429, lookups
 * pause until the reset: posts meanwhile go without a profile (counted
 * profile_skipped) rather than stalling the stream for minutes. */
static void rc_bsky_ratelimit(rc_bsky_state_t *st, const rc_http_response_t *resp) {
    char rem[32], reset[32];
    long long wait_ms = -1;

    if (rc_http_header_get(resp->headers, "ratelimit-reset", reset, sizeof(reset)))
        wait_ms = (strtoll(reset, NULL, 10) - (long long)time(NULL)) * 1000;
    if (resp->status != 429 &&
        !(rc_http_header_get(resp->headers, "ratelimit-remaining", rem, sizeof(rem)) && strtoll(rem, NULL, 10) <= 0))
        return;
    if (resp->retry_after_ms > 0)
        wait_ms = resp->retry_after_ms;
    if (wait_ms < 1000 || wait_ms > 15 * 60 * 1000)
        wait_ms = wait_ms < 0 ? 60 * 1000 : wait_ms < 1000 ? 1000 : 15 * 60 * 1000;
    st->lookups_paused_until_ms = rc_mono_ms() + wait_ms;
    rc_log_warn("source %s: profile lookups rate-limited; pausing them for %lld s", rc_source_name(st->src),
                wait_ms / 1000);
}

/* The author's profile: from the cache, else looked up and cached. Returns
 * a new reference, or NULL when none could be had (counted). */
static json_t *rc_bsky_profile(rc_bsky_state_t *st, const char *did) {
    const rc_bsky_conf_t *c = st->conf;
    char key[400], url[1024], enc[800], ttl[32];
    rc_http_request_t req = {0};
    rc_http_response_t resp;
    redisReply *rep;
    json_t *profile = NULL, *body;
    char *dump;

    snprintf(key, sizeof(key), "ricochet:bsky:profile:%s", did);
    const char *get[2] = {"GET", key};
    if ((rep = rc_bsky_redis(st->src, 2, get))) {
        if (rep->type == REDIS_REPLY_STRING)
            profile = json_loadb(rep->str, rep->len, 0, NULL);
        freeReplyObject(rep);
        if (profile) {
            rc_source_count(st->src, "profile_cached");
            return profile;
        }
    }
    if (rc_mono_ms() < st->lookups_paused_until_ms) {
        rc_source_count(st->src, "profile_skipped");
        return NULL;
    }
    rc_bsky_escape(did, enc, sizeof(enc));
    snprintf(url, sizeof(url), "%s%sxrpc/app.bsky.actor.getProfile?actor=%s", c->profile_url,
             c->profile_url[strlen(c->profile_url) - 1] == '/' ? "" : "/", enc);
    req.method = "GET";
    req.url = url;
    rc_source_count(st->src, "profile_lookup");
    if (rc_source_http(st->src, &req, &resp) == 0 && resp.status == 200) {
        body = json_loadb(resp.body, resp.body_len, 0, NULL);
        profile = rc_bsky_profile_trim(body, did);
        json_decref(body);
    } else if (resp.status == 400) {
        /* "Profile not found", a deactivated or taken-down account: the
         * answer will not change soon, so it is cached as a bare DID. */
        profile = json_pack("{s:s}", "did", did);
    }
    rc_bsky_ratelimit(st, &resp);
    if (!profile) {
        rc_source_count(st->src, "profile_error");
        rc_log_warn("source %s: profile of %s not available (%s); the post goes without it", rc_source_name(st->src),
                    did, resp.status ? (resp.status == 200 ? "unreadable answer" : "HTTP error") : resp.error);
        rc_http_response_clear(&resp);
        return NULL;
    }
    rc_http_response_clear(&resp);
    if ((dump = json_dumps(profile, JSON_COMPACT))) {
        snprintf(ttl, sizeof(ttl), "%ld", c->profile_cache_ttl_ms / 1000);
        const char *set[5] = {"SET", key, dump, "EX", ttl};
        freeReplyObject(rc_bsky_redis(st->src, 5, set));
        free(dump);
    }
    return profile;
}

/* ---- events ------------------------------------------------------------------ */

/* ASCII case-insensitive substring search of "needle" in (hay, n). */
static int rc_bsky_contains(const char *hay, size_t n, const char *needle) {
    size_t m = strlen(needle);
    if (m == 0 || m > n)
        return 0;
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

/* Does the post record match a keyword (its text, its facet tags, its
 * record.tags)? */
static int rc_bsky_matches(const rc_bsky_state_t *st, const json_t *record) {
    const json_t *text = json_object_get(record, "text"), *v, *f, *feat;
    size_t i, j, k;

    for (k = 0; k < st->keywords.n; k++) {
        const char *kw = st->keywords.v[k];
        if (json_is_string(text) && rc_bsky_contains(json_string_value(text), json_string_length(text), kw))
            return 1;
        json_array_foreach(json_object_get(record, "tags"), i, v) {
            if (json_is_string(v) && rc_bsky_contains(json_string_value(v), json_string_length(v), kw))
                return 1;
        }
        json_array_foreach(json_object_get(record, "facets"), i, f) {
            json_array_foreach(json_object_get(f, "features"), j, feat) {
                v = json_object_get(feat, "tag");
                if (json_is_string(v) && rc_bsky_contains(json_string_value(v), json_string_length(v), kw))
                    return 1;
            }
        }
    }
    return 0;
}

/* Adds "payload" (owned from now on) to the pass's batch. */
static int rc_bsky_batch_add(char ***batch, size_t **lens, size_t *n, size_t *cap, char *payload, size_t len) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        char **b = realloc(*batch, nc * sizeof(*b));
        if (!b)
            goto oom;
        *batch = b;
        size_t *l = realloc(*lens, nc * sizeof(*l));
        if (!l)
            goto oom;
        *lens = l;
        *cap = nc;
    }
    (*batch)[*n] = payload;
    (*lens)[(*n)++] = len;
    return 0;
oom:
    free(payload);
    return -1;
}

/* Decides what one message becomes: a payload for the batch (*out, owned
 * by the caller), or nothing (skipped, counted). Returns -1 only when out
 * of memory. */
static int rc_bsky_event(rc_bsky_state_t *st, const char *msg, size_t len, char **out, size_t *out_len) {
    json_error_t jerr;
    json_t *root = json_loadb(msg, len, 0, &jerr), *profile = NULL;
    const json_t *commit, *record, *tv;
    const char *kind, *did, *op, *coll, *rkey;
    char uri[600];
    int rc = 0, is_post;

    *out = NULL;
    if (!json_is_object(root)) {
        /* Handed on as it came: the stage dead-letters it with the parse
         * error, so it can be looked at, and the stream goes on. */
        rc_source_count(st->src, "malformed");
        rc_log_warn("source %s: an event is not a JSON object (%s); dead-lettering it", rc_source_name(st->src),
                    root ? "not an object" : jerr.text);
        if (!(*out = malloc(len ? len : 1)))
            rc = -1;
        else
            memcpy(*out, msg, len);
        *out_len = len;
        goto out;
    }
    tv = json_object_get(root, "time_us");
    if (json_is_integer(tv) && json_integer_value(tv) > st->pass_cursor_us)
        st->pass_cursor_us = json_integer_value(tv);
    kind = json_string_value(json_object_get(root, "kind"));
    if (!kind || strcmp(kind, "commit") != 0) {
        /* identity and account events (every subscriber gets them) say
         * nothing about posts. */
        rc_source_count(st->src,
                        kind && (strcmp(kind, "identity") == 0 || strcmp(kind, "account") == 0) ? kind : "other_kind");
        goto out;
    }
    commit = json_object_get(root, "commit");
    did = json_string_value(json_object_get(root, "did"));
    op = json_string_value(json_object_get(commit, "operation"));
    coll = json_string_value(json_object_get(commit, "collection"));
    rkey = json_string_value(json_object_get(commit, "rkey"));
    record = json_object_get(commit, "record");
    if (coll && strcmp(coll, BSKY_POST) != 0 && !(st->want_reposts && strcmp(coll, BSKY_REPOST) == 0)) {
        rc_source_count(st->src, "other_collection");
        goto out;
    }
    if (!did || !op || !coll || !rkey || !rc_bsky_did_ok(did) || strlen(rkey) > 512)
        goto submit; /* the stage says what is wrong */
    is_post = strcmp(coll, BSKY_POST) == 0;
    snprintf(uri, sizeof(uri), "at://%s/%s/%s", did, coll, rkey);
    if (st->keywords.n) {
        int take;
        if (is_post && strcmp(op, "delete") != 0)
            take = rc_bsky_matches(st, record) || (strcmp(op, "update") == 0 && rc_bsky_seen(st, uri));
        else if (!is_post && strcmp(op, "delete") != 0)
            take = json_is_string(json_object_get(json_object_get(record, "subject"), "uri")) &&
                   rc_bsky_seen(st, json_string_value(json_object_get(json_object_get(record, "subject"), "uri")));
        else
            take = rc_bsky_seen(st, uri);
        if (!take) {
            rc_source_count(st->src, "filtered");
            goto out;
        }
        if (strcmp(op, "delete") != 0)
            rc_bsky_mark_seen(st, uri);
    }
    if (strcmp(op, "delete") != 0 && st->conf->profile_lookup && (profile = rc_bsky_profile(st, did))) {
        json_object_set_new(root, "profile", profile);
    }
submit:
    if (!(*out = json_dumps(root, JSON_COMPACT)))
        rc = -1;
    else
        *out_len = strlen(*out);
out:
    json_decref(root);
    return rc;
}

/* Processes the queued messages and submits what they became. Returns 0,
 * or -1 with errstr. */
static int rc_bsky_drain(rc_bsky_state_t *st, char *errstr, size_t errstr_size) {
    char **batch = NULL, cursor[32];
    size_t *lens = NULL, n = 0, cap = 0;
    int rc = -1, want_cursor;
    int64_t now;

    for (size_t i = 0; i < st->qn; i++) {
        char *p;
        size_t pl = 0;
        if (rc_bsky_event(st, st->q[i], st->qlen[i], &p, &pl) != 0 ||
            (p && rc_bsky_batch_add(&batch, &lens, &n, &cap, p, pl) != 0)) {
            snprintf(errstr, errstr_size, "out of memory");
            goto out;
        }
    }
    now = rc_mono_ms();
    /* A cursor goes with every batch of posts; without posts (everything
     * skipped) at most once a second, so skipping costs no Redis write per
     * event. */
    want_cursor = st->pass_cursor_us > st->last_cursor_us && (n > 0 || now - st->last_checkpoint_ms >= 1000);
    if (n > 0 || want_cursor) {
        snprintf(cursor, sizeof(cursor), "%lld", st->pass_cursor_us);
        if (rc_source_submit(st->src, (const char *const *)batch, lens, n, want_cursor ? cursor : NULL) != 0) {
            snprintf(errstr, errstr_size, "events not acknowledged; will resume from the saved cursor");
            goto out;
        }
        if (want_cursor) {
            st->last_cursor_us = st->pass_cursor_us;
            st->last_checkpoint_ms = now;
        }
        st->unflushed = 1;
        st->last_submit_ms = now;
    }
    rc = 0;
out:
    for (size_t i = 0; i < st->qn; i++)
        free(st->q[i]);
    st->qn = 0;
    for (size_t i = 0; i < n; i++)
        free(batch[i]);
    free(batch);
    free(lens);
    if (st->paused && st->wsi && rc == 0) {
        lws_rx_flow_control(st->wsi, 1);
        st->paused = 0;
    }
    return rc;
}

/* ---- run ----------------------------------------------------------------------- */

static int rc_bsky_run(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size) {
    const rc_bsky_conf_t *c = conf;
    rc_bsky_state_t *st = state;
    struct lws_context_creation_info info;
    struct lws_client_connect_info ci;
    lws_retry_bo_t idle = {0};
    rc_bsky_url_t u;
    char path[BSKY_PATH_MAX];
    const char *saved = rc_source_cursor(src);
    long long cursor_us = 0;
    int ret = -1, stopping = 0;

    st->src = src;
    st->conf = c;
    st->established = st->done = st->peer_closed = st->paused = st->unflushed = 0;
    st->error[0] = '\0';
    st->wsi = NULL;
    st->msg_len = 0;
    st->msg_skipping = 0;
    if (rc_bsky_parse_url(c->base_url, &u, errstr, errstr_size) != 0)
        return -1;
    if (saved) {
        char *e;
        errno = 0;
        cursor_us = strtoll(saved, &e, 10);
        if (errno || *e || cursor_us <= 0) {
            rc_log_warn("source %s: ignoring the saved cursor '%.40s' (not a time_us)", rc_source_name(src), saved);
            cursor_us = 0;
        }
    }
    st->last_cursor_us = st->pass_cursor_us = cursor_us;
    if (cursor_us > 0) {
        cursor_us -= c->cursor_rewind_ms * 1000;
        if (cursor_us < 1)
            cursor_us = 1;
    }
    if (rc_bsky_subscribe_path(&u, &st->collections, &st->dids, cursor_us, path, sizeof(path)) < 0) {
        snprintf(errstr, errstr_size, "the subscribe URL is too long");
        return -1;
    }

    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = rc_bsky_protocols;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    /* lws sizes its poll table by the fd limit unless told: one socket is
     * all this context ever has. */
    info.fd_limit_per_thread = 8;
    info.pt_serv_buf_size = BSKY_SERV_BUF;
    if (u.tls) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.provided_client_ssl_ctx = st->tls;
    }
    pthread_mutex_lock(&rc_bsky_lws_mu);
    st->ctx = lws_create_context(&info);
    pthread_mutex_unlock(&rc_bsky_lws_mu);
    if (!st->ctx) {
        snprintf(errstr, errstr_size, "cannot create a libwebsockets context");
        return -1;
    }
    idle.secs_since_valid_ping = (uint16_t)(c->idle_timeout_ms / 2000 > 0 ? c->idle_timeout_ms / 2000 : 1);
    idle.secs_since_valid_hangup = (uint16_t)(c->idle_timeout_ms / 1000);

    memset(&ci, 0, sizeof(ci));
    ci.context = st->ctx;
    ci.address = u.host;
    ci.port = u.port;
    ci.path = path;
    ci.host = u.host;
    ci.origin = u.host;
    ci.ssl_connection = u.tls ? LCCSCF_USE_SSL : 0;
    ci.protocol = NULL;
    ci.local_protocol_name = rc_bsky_protocols[0].name;
    ci.userdata = st;
    ci.pwsi = &st->wsi;
    ci.retry_and_idle_policy = &idle;
    rc_log_info("source %s: connecting to %s://%s:%d%s", rc_source_name(src), u.tls ? "wss" : "ws", u.host, u.port,
                path);
    lws_sul_schedule(st->ctx, 0, &st->tick, rc_bsky_tick, BSKY_TICK_MS * LWS_US_PER_MS);
    if (!lws_client_connect_via_info(&ci) && !st->done) {
        snprintf(st->error, sizeof(st->error), "cannot start the connection");
        st->done = 1;
    }
    while (!st->done) {
        if (lws_service(st->ctx, 0) < 0) {
            snprintf(st->error, sizeof(st->error), "libwebsockets service failed");
            break;
        }
        if (st->qn && rc_bsky_drain(st, errstr, errstr_size) != 0)
            goto out;
        /* A quiet stream: wait for the acknowledgements of what was sent,
         * so its cursor is saved now rather than with the next event. */
        if (st->unflushed && rc_mono_ms() - st->last_submit_ms >= BSKY_TICK_MS) {
            st->unflushed = 0;
            if (rc_source_flush(src) != 0) {
                snprintf(errstr, errstr_size, "events not acknowledged; will resume from the saved cursor");
                goto out;
            }
        }
        if (!rc_source_keep_going(src)) {
            stopping = 1;
            break;
        }
    }
    /* What arrived before the end is still handed over. */
    if (st->qn && rc_bsky_drain(st, errstr, errstr_size) != 0)
        goto out;
    if (stopping || st->peer_closed) {
        if (st->peer_closed) {
            rc_source_count(src, "server_close");
            rc_log_info("source %s: %s; reconnecting", rc_source_name(src), st->error);
        }
        ret = 0;
        goto out;
    }
    rc_source_count(src, "disconnect");
    snprintf(errstr, errstr_size, "%s", st->error[0] ? st->error : "connection ended");
out:
    /* Destroying the context closes the connection, whatever its state. */
    lws_sul_cancel(&st->tick);
    pthread_mutex_lock(&rc_bsky_lws_mu);
    lws_context_destroy(st->ctx);
    pthread_mutex_unlock(&rc_bsky_lws_mu);
    st->ctx = NULL;
    st->wsi = NULL;
    free(st->msg);
    st->msg = NULL;
    st->msg_len = st->msg_cap = 0;
    for (size_t i = 0; i < st->qn; i++)
        free(st->q[i]);
    st->qn = 0;
    return ret;
}

const rc_source_ops_t rc_source_bluesky_jetstream = {
    .type = "bluesky_jetstream",
    .desc = "Bluesky posts, edits, deletes and reposts from a Jetstream WebSocket, resumed from the last "
            "acknowledged time_us; authors' profiles looked up and cached in Redis; optional keyword filter.",
    .config = rc_bsky_table,
    .conf_size = sizeof(rc_bsky_conf_t),
    .check = rc_bsky_check,
    .init = rc_bsky_init,
    .destroy = rc_bsky_destroy,
    .run = rc_bsky_run,
    .streaming = 1,
};
