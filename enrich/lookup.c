/*
 * The customer/CRM lookup; see lookup.h for what it does per batch and why
 * it never stalls the stream.
 *
 * Design notes:
 * - The fetches use one curl multi handle and a pool of max_concurrency
 *   easy handles kept for the life of the lookup, so connections to the
 *   CRM are reused from batch to batch. One deadline (start + timeout)
 *   bounds the whole fetch phase: each transfer gets what is left of it as
 *   its own timeout, and a lookup that could not be started in time is
 *   "unavailable" without being asked.
 * - The cache holds the mapped answer (lookup.h's cached form), not the
 *   CRM's body: smaller, and already checked. A changed field mapping shows
 *   after cache_ttl.
 * - Redis is a help, not a dependency: when a call to it fails the
 *   connection is dropped and not tried again for RC_LK_REDIS_RETRY_MS, so
 *   a Redis outage costs one failed call every few seconds, not one per
 *   batch.
 */
#include "lookup.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "util.h"

#define RC_LK_URL_MAX 8192
#define RC_LK_VALUE_MAX 256 /* bytes of a mapped attribute */
#define RC_LK_TIER_MAX 48   /* bytes of a tier (it becomes part of an urgency reason) */
#define RC_LK_REDIS_RETRY_MS 2000
#define RC_LK_LOG_EVERY 100 /* log a kind of failure the first time, then every Nth */
#define RC_LK_SLACK_MS 50   /* past the deadline before transfers are cut by force */

/* ---- configuration ------------------------------------------------------ */

typedef struct rc_lookup_conf {
    char *url;
    char *method;
    const rc_node_t *headers;
    long timeout_ms;
    long connect_timeout_ms;
    long max_concurrency;
    long max_body;
    const rc_node_t *fields;
    long not_found_status;
    long cache_ttl_ms;
    long negative_cache_ttl_ms;
    long failure_threshold;
    long open_for_ms;
} rc_lookup_conf_t;

#define OFF(f) offsetof(rc_lookup_conf_t, f)
const rc_config_entry_t rc_lookup_config[] = {
    {"url", RC_CT_STRING, NULL, 0, 0, NULL, OFF(url), 0,
     "URL template of the CRM's customer resource; {{handle}}, {{platform}} and {{author_id}} are replaced, "
     "percent-encoded. Unset: no lookup."},
    {"method", RC_CT_ENUM, "GET", 0, 0, "GET|POST", OFF(method), 0,
     "POST sends {\"handle\", \"platform\", \"author_id\"} as JSON."},
    {"headers", RC_CT_NODE, NULL, 0, 0, NULL, OFF(headers), 0,
     "Map of extra request headers, e.g. Authorization: \"Bearer ${CRM_TOKEN}\"."},
    {"timeout", RC_CT_DURATION, "300ms", 1, 60000, NULL, OFF(timeout_ms), 0,
     "The most a batch waits for the CRM; a lookup not answered by then is 'unavailable'."},
    {"connect_timeout", RC_CT_DURATION, NULL, 0, 60000, NULL, OFF(connect_timeout_ms), 0,
     "Connection set-up limit (unset: the timeout)."},
    {"max_concurrency", RC_CT_INT, "16", 1, 256, NULL, OFF(max_concurrency), 0,
     "Requests to the CRM in flight at once."},
    {"max_body", RC_CT_SIZE, "64KiB", 16, 16 << 20, NULL, OFF(max_body), 0,
     "Largest answer accepted; a longer one is 'unavailable'."},
    {"fields", RC_CT_NODE, NULL, 0, 0, NULL, OFF(fields), 0,
     "Map of output name to path in the answer (\"$.loyalty.tier\", \"loyalty.tier\", \"accounts[0].id\"). "
     "\"tier\" feeds urgency; the others become customer.attributes. Unset: {tier: tier}."},
    {"not_found_status", RC_CT_INT, "404", 100, 599, NULL, OFF(not_found_status), 0,
     "HTTP status meaning 'no such customer' (status not_found, cached for negative_cache_ttl)."},
    {"cache_ttl", RC_CT_DURATION, "1h", 0, 30L * 86400 * 1000, NULL, OFF(cache_ttl_ms), 0,
     "How long an answer stays in Redis (ricochet:customer:<platform>:<handle>); 0: not cached."},
    {"negative_cache_ttl", RC_CT_DURATION, "10m", 0, 30L * 86400 * 1000, NULL, OFF(negative_cache_ttl_ms), 0,
     "How long a 'not found' stays in Redis; 0: not cached."},
    {"breaker.failure_threshold", RC_CT_INT, "5", 1, 1000000, NULL, OFF(failure_threshold), 0,
     "Consecutive failed lookups after which the circuit breaker opens (no requests)."},
    {"breaker.open_for", RC_CT_DURATION, "30s", 1, 86400L * 1000, NULL, OFF(open_for_ms), 0,
     "How long the breaker stays open before one probe request is let through."},
    RC_CONFIG_END};
#undef OFF

/* ---- URL template -------------------------------------------------------- */

/* Writes "s" percent-encoded: all but RFC 3986's unreserved characters. */
static void rc_lk_put_escaped(FILE *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~')
            fputc(*p, out);
        else
            fprintf(out, "%%%02X", *p);
    }
}

char *rc_lookup_url(const char *tmpl, const char *handle, const char *platform, const char *author_id, char *errstr,
                    size_t errstr_size) {
    static const char *const names[] = {"handle", "platform", "author_id"};
    const char *values[] = {handle, platform, author_id};
    char *url = NULL;
    size_t len = 0;
    /* A memory stream grows as needed; the length is checked at the end. */
    FILE *out = tmpl != NULL ? open_memstream(&url, &len) : NULL;
    const char *p = tmpl, *open;

    if (out == NULL) {
        snprintf(errstr, errstr_size, tmpl == NULL ? "no URL template" : "out of memory");
        goto fail;
    }
    while ((open = strstr(p, "{{")) != NULL) {
        const char *close = strstr(open + 2, "}}");
        fwrite(p, 1, (size_t)(open - p), out);
        if (close == NULL) {
            snprintf(errstr, errstr_size, "placeholder at offset %zu is not closed with }}", (size_t)(open - tmpl));
            goto fail;
        }
        size_t nl = (size_t)(close - (open + 2)), k;
        for (k = 0; k < 3; k++)
            if (strlen(names[k]) == nl && !memcmp(open + 2, names[k], nl))
                break;
        if (k == 3) {
            snprintf(errstr, errstr_size,
                     "unknown placeholder {{%.*s}} (known: {{handle}}, {{platform}}, {{author_id}})",
                     (int)(nl > 40 ? 40 : nl), open + 2);
            goto fail;
        }
        if (values[k] == NULL) {
            snprintf(errstr, errstr_size, "the post has no %s for {{%s}}", names[k], names[k]);
            goto fail;
        }
        rc_lk_put_escaped(out, values[k]);
        p = close + 2;
    }
    fputs(p, out);
    if (fclose(out) != 0 || url == NULL) {
        out = NULL;
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    out = NULL;
    if (len > RC_LK_URL_MAX) {
        snprintf(errstr, errstr_size, "URL longer than %d bytes", RC_LK_URL_MAX);
        goto fail;
    }
    return url;
fail:
    if (out != NULL)
        fclose(out);
    free(url);
    return NULL;
}

/* ---- field mapping ------------------------------------------------------- */

typedef struct rc_lk_step {
    char *key; /* object member, or NULL for an array index */
    size_t index;
} rc_lk_step_t;

typedef struct rc_lk_field {
    char *name;
    rc_lk_step_t *steps;
    size_t nsteps;
} rc_lk_field_t;

struct rc_lookup_fields {
    rc_lk_field_t *f;
    size_t n;
};

void rc_lookup_fields_destroy(rc_lookup_fields_t *f) {
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        for (size_t s = 0; s < f->f[i].nsteps; s++)
            free(f->f[i].steps[s].key);
        free(f->f[i].steps);
        free(f->f[i].name);
    }
    free(f->f);
    free(f);
}

static int rc_lk_add_step(rc_lk_field_t *fd, const char *key, size_t klen, size_t index) {
    rc_lk_step_t *s = realloc(fd->steps, (fd->nsteps + 1) * sizeof(*s));
    if (s == NULL)
        return -1;
    fd->steps = s;
    s[fd->nsteps].key = NULL;
    s[fd->nsteps].index = index;
    if (key != NULL && (s[fd->nsteps].key = strndup(key, klen)) == NULL)
        return -1;
    fd->nsteps++;
    return 0;
}

/* Compiles "path" into fd->steps; returns 0, or -1 with the reason. */
static int rc_lk_parse_path(rc_lk_field_t *fd, const char *path, char *why, size_t why_size) {
    const char *p = path;
    if (*p == '$') {
        p++;
        if (*p == '\0')
            return 0; /* the whole answer */
        if (*p == '.')
            p++;
        else if (*p != '[')
            goto bad;
    }
    if (*p == '\0')
        goto bad;
    while (*p) {
        if (*p == '[') {
            char *end = NULL;
            if (p[1] < '0' || p[1] > '9')
                goto bad;
            unsigned long long idx = strtoull(p + 1, &end, 10);
            if (*end != ']' || idx > 1000000)
                goto bad;
            if (rc_lk_add_step(fd, NULL, 0, (size_t)idx))
                goto oom;
            p = end + 1;
        } else {
            size_t kl = strcspn(p, ".[");
            if (kl == 0)
                goto bad;
            if (rc_lk_add_step(fd, p, kl, 0))
                goto oom;
            p += kl;
        }
        if (*p == '.') {
            p++;
            if (*p == '\0' || *p == '.' || *p == '[')
                goto bad;
        } else if (*p != '\0' && *p != '[') {
            goto bad;
        }
    }
    return 0;
bad:
    snprintf(why, why_size, "bad path '%s' (expected e.g. \"$.loyalty.tier\", \"loyalty.tier\" or \"accounts[0].id\")",
             path);
    return -1;
oom:
    snprintf(why, why_size, "out of memory");
    return -1;
}

rc_lookup_fields_t *rc_lookup_fields_new(const char *const *names, const char *const *paths, size_t n, char *errstr,
                                         size_t errstr_size) {
    rc_lookup_fields_t *f = calloc(1, sizeof(*f));
    if (f == NULL || (n > 0 && (f->f = calloc(n, sizeof(*f->f))) == NULL))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        char why[300];
        if (names[i] == NULL || !*names[i] || paths[i] == NULL) {
            snprintf(errstr, errstr_size, "field %zu: a name and a path are needed", i);
            goto fail;
        }
        if ((f->f[i].name = strdup(names[i])) == NULL)
            goto oom;
        f->n = i + 1;
        if (rc_lk_parse_path(&f->f[i], paths[i], why, sizeof(why))) {
            snprintf(errstr, errstr_size, "field '%s': %s", names[i], why);
            goto fail;
        }
    }
    return f;
oom:
    snprintf(errstr, errstr_size, "out of memory");
fail:
    rc_lookup_fields_destroy(f);
    return NULL;
}

/* "s" (len bytes of UTF-8) cut to at most "max" bytes without splitting a
 * character, as a new JSON string. */
static json_t *rc_lk_cut_string(const char *s, size_t len, size_t max) {
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    return json_stringn(s, len);
}

/* The text of a mapped value (see rc_lookup_map_answer), or NULL. */
static json_t *rc_lk_value_text(const json_t *v, size_t max) {
    if (v == NULL || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return rc_lk_cut_string(json_string_value(v), json_string_length(v), max);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *t = s != NULL ? rc_lk_cut_string(s, strlen(s), max) : NULL;
    free(s);
    return t;
}

static const json_t *rc_lk_follow(const json_t *root, const rc_lk_field_t *fd) {
    const json_t *v = root;
    for (size_t s = 0; v != NULL && s < fd->nsteps; s++)
        v = fd->steps[s].key != NULL ? json_object_get(v, fd->steps[s].key) : json_array_get(v, fd->steps[s].index);
    return v;
}

/* A new cached-form object. "tier" and "attributes" are taken (may be NULL). */
static json_t *rc_lk_record(const char *status, json_t *tier, json_t *attributes) {
    json_t *r = json_object();
    int err = r == NULL;
    err |= json_object_set_new_nocheck(r, "status", json_string_nocheck(status));
    err |= json_object_set_new_nocheck(r, "tier", tier != NULL ? tier : json_null());
    err |= json_object_set_new_nocheck(r, "attributes", attributes != NULL ? attributes : json_object());
    if (err) {
        json_decref(r);
        return NULL;
    }
    return r;
}

json_t *rc_lookup_map_answer(const rc_lookup_fields_t *f, const char *body, size_t len, size_t max_body, char *errstr,
                             size_t errstr_size) {
    json_error_t jerr;
    json_t *root = NULL, *out = NULL, *attrs = NULL, *tier = NULL;

    if (len > max_body) {
        snprintf(errstr, errstr_size, "answer of %zu bytes is over max_body (%zu)", len, max_body);
        goto out;
    }
    root = json_loadb(body != NULL ? body : "", len, 0, &jerr);
    if (root == NULL) {
        snprintf(errstr, errstr_size, "answer is not a JSON object or array: %s (line %d, column %d)", jerr.text,
                 jerr.line, jerr.column);
        goto out;
    }
    if ((attrs = json_object()) == NULL)
        goto oom;
    for (size_t i = 0; f != NULL && i < f->n; i++) {
        int is_tier = !strcmp(f->f[i].name, "tier");
        json_t *t = rc_lk_value_text(rc_lk_follow(root, &f->f[i]), is_tier ? RC_LK_TIER_MAX : RC_LK_VALUE_MAX);
        if (t == NULL)
            continue;
        if (is_tier) {
            json_decref(tier);
            tier = t;
        } else if (json_object_set_new(attrs, f->f[i].name, t) != 0) {
            goto oom;
        }
    }
    out = rc_lk_record("ok", tier, attrs);
    tier = attrs = NULL;
    if (out == NULL)
        goto oom;
    goto out;
oom:
    snprintf(errstr, errstr_size, "out of memory mapping the answer");
out:
    json_decref(root);
    json_decref(tier);
    json_decref(attrs);
    return out;
}

json_t *rc_lookup_parse_cached(const char *s, size_t len) {
    json_t *v = json_loadb(s, len, 0, NULL), *out = NULL, *attrs = NULL;
    const json_t *status = json_object_get(v, "status"), *tier = json_object_get(v, "tier"),
                 *a = json_object_get(v, "attributes");
    const char *key;
    json_t *val;

    if (!json_is_object(v) || !json_is_string(status) ||
        (tier != NULL && !json_is_null(tier) && !json_is_string(tier)) || (a != NULL && !json_is_object(a)))
        goto out;
    int ok = !strcmp(json_string_value(status), "ok");
    if (!ok && strcmp(json_string_value(status), "not_found"))
        goto out;
    if ((attrs = json_object()) == NULL)
        goto out;
    json_object_foreach((json_t *)a, key, val) {
        if (!json_is_string(val) || json_object_set(attrs, key, val) != 0)
            goto out;
    }
    out = rc_lk_record(ok ? "ok" : "not_found", ok && json_is_string(tier) ? json_copy((json_t *)tier) : NULL, attrs);
    attrs = NULL;
out:
    json_decref(attrs);
    json_decref(v);
    return out;
}

void rc_lookup_customer_of(const json_t *cached, rc_customer_t *c) {
    const char *status = json_string_value(json_object_get(cached, "status"));
    c->status = status != NULL && !strcmp(status, "ok")          ? "ok"
                : status != NULL && !strcmp(status, "not_found") ? "not_found"
                                                                 : "unavailable";
    c->tier = json_string_value(json_object_get(cached, "tier"));
    c->attributes = json_object_get(cached, "attributes");
}

/* ---- circuit breaker ----------------------------------------------------- */

void rc_breaker_init(rc_breaker_t *b, long threshold, long open_for_ms) {
    memset(b, 0, sizeof(*b));
    b->threshold = threshold > 0 ? threshold : 1;
    b->open_for_ms = open_for_ms > 0 ? open_for_ms : 1;
}

int rc_breaker_allow(rc_breaker_t *b, int64_t now_ms) {
    switch (b->state) {
    case RC_BREAKER_CLOSED: return 1;
    case RC_BREAKER_OPEN:
        if (now_ms - b->opened_at_ms < b->open_for_ms)
            return 0;
        b->state = RC_BREAKER_HALF_OPEN;
        b->probing = 1;
        return 1;
    case RC_BREAKER_HALF_OPEN:
        if (b->probing)
            return 0;
        b->probing = 1;
        return 1;
    }
    return 0;
}

void rc_breaker_record(rc_breaker_t *b, int ok, int64_t now_ms) {
    switch (b->state) {
    case RC_BREAKER_CLOSED:
        b->failures = ok ? 0 : b->failures + 1;
        if (b->failures >= b->threshold) {
            b->state = RC_BREAKER_OPEN;
            b->opened_at_ms = now_ms;
        }
        break;
    case RC_BREAKER_OPEN: break; /* a call from before it opened */
    case RC_BREAKER_HALF_OPEN:
        b->probing = 0;
        b->failures = 0;
        b->state = ok ? RC_BREAKER_CLOSED : RC_BREAKER_OPEN;
        b->opened_at_ms = now_ms;
        break;
    }
}

/* ---- the lookup ---------------------------------------------------------- */

enum { RC_LK_HIT = 0, RC_LK_MISS, RC_LK_NOT_FOUND, RC_LK_UNAVAILABLE, RC_LK_BREAKER_OPEN, RC_LK__N };
static const char *const rc_lk_results[RC_LK__N] = {"hit", "miss", "not_found", "unavailable", "breaker_open"};
enum { RC_LKE_TIMEOUT = 0, RC_LKE_TRANSPORT, RC_LKE_STATUS, RC_LKE_MALFORMED, RC_LKE_TOO_LARGE, RC_LKE__N };
static const char *const rc_lk_errors[RC_LKE__N] = {"timeout", "transport", "status", "malformed", "too_large"};

/* One distinct author of a batch. */
typedef struct rc_lk_job {
    char *key;          /* ricochet:customer:<platform>:<handle> */
    const json_t *post; /* its first post in the batch (borrowed) */
    json_t *cached;     /* the answer in cached form, or NULL */
    int result;         /* RC_LK_* */
    int fetched;        /* answered by the CRM just now: to be cached */
    /* the transfer */
    size_t slot;
    char *body;
    size_t len, max; /* bytes received; max_body */
    int too_large;
    int64_t started_ms;
} rc_lk_job_t;

struct rc_lookup {
    rc_lookup_conf_t conf;
    int enabled;
    const rc_config_t *cfg;
    rc_lookup_fields_t *fields;
    struct curl_slist *headers;
    CURLM *multi;
    CURL **easy; /* max_concurrency handles, kept for connection reuse */
    int *busy;
    char *redis_url;
    long redis_timeout_ms;
    rc_redis_t *redis;
    int64_t redis_retry_at_ms;
    int redis_down; /* logged as down; say so when it is back */
    rc_breaker_t breaker;
    json_t *held; /* this batch's answers, which the customers point into */
    unsigned long nerr[RC_LKE__N];
    rc_metric_t *m_result[RC_LK__N], *m_error[RC_LKE__N], *m_requests, *m_cache_errors, *m_seconds, *m_breaker;
};

static pthread_once_t rc_lk_curl_once = PTHREAD_ONCE_INIT;
static void rc_lk_curl_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rc_lookup_destroy(rc_lookup_t *lk) {
    if (lk == NULL)
        return;
    for (long i = 0; lk->easy != NULL && i < lk->conf.max_concurrency; i++) {
        if (lk->easy[i] != NULL) {
            if (lk->multi != NULL)
                curl_multi_remove_handle(lk->multi, lk->easy[i]);
            curl_easy_cleanup(lk->easy[i]);
        }
    }
    if (lk->multi != NULL)
        curl_multi_cleanup(lk->multi);
    free(lk->easy);
    free(lk->busy);
    curl_slist_free_all(lk->headers);
    rc_lookup_fields_destroy(lk->fields);
    rc_redis_destroy(lk->redis);
    free(lk->redis_url);
    json_decref(lk->held);
    rc_config_table_free(rc_lookup_config, &lk->conf);
    free(lk);
}

int rc_lookup_enabled(const rc_lookup_t *lk) {
    return lk != NULL && lk->enabled;
}

/* "file:line: key 'enrich.lookup.<key>': " for errors about "node". */
static void rc_lk_where(const rc_lookup_t *lk, const rc_node_t *node, const char *key, char *buf, size_t size) {
    char at[300];
    rc_config_where(lk->cfg, node, at, sizeof(at));
    snprintf(buf, size, "%skey 'enrich.lookup.%s': ", at, key);
}

static int rc_lk_header_name_ok(const char *s) {
    if (s == NULL || !*s)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127 || *s == ':')
            return 0;
    return 1;
}

/* enrich.lookup.headers and fields: maps of scalars. */
static int rc_lk_bind_maps(rc_lookup_t *lk, char *errstr, size_t errstr_size) {
    char where[400], why[300];
    const rc_node_t *h = lk->conf.headers, *f = lk->conf.fields;
    const char **names = NULL, **paths = NULL;
    int has_ct = 0, has_accept = 0, rc = -1;
    size_t n = 0;

    if (h != NULL && !(h->type == RC_NODE_SCALAR && h->value == NULL)) {
        if (h->type != RC_NODE_MAP) {
            rc_lk_where(lk, h, "headers", where, sizeof(where));
            snprintf(errstr, errstr_size, "%sexpected a map of header: value", where);
            goto out;
        }
        for (const rc_node_t *c = h->child; c != NULL; c = c->next) {
            char *line = NULL;
            if (!rc_lk_header_name_ok(c->key) || c->type != RC_NODE_SCALAR || c->value == NULL ||
                strpbrk(c->value, "\r\n") != NULL) {
                rc_lk_where(lk, c, "headers", where, sizeof(where));
                snprintf(errstr, errstr_size, "%s'%s' needs a header name and a one-line value", where,
                         c->key ? c->key : "");
                goto out;
            }
            has_ct |= !strcasecmp(c->key, "Content-Type");
            has_accept |= !strcasecmp(c->key, "Accept");
            struct curl_slist *l =
                asprintf(&line, "%s: %s", c->key, c->value) < 0 ? NULL : curl_slist_append(lk->headers, line);
            free(line);
            if (l == NULL)
                goto oom;
            lk->headers = l;
        }
    }
    if (!has_accept && (lk->headers = curl_slist_append(lk->headers, "Accept: application/json")) == NULL)
        goto oom;
    if (!strcmp(lk->conf.method, "POST") && !has_ct &&
        (lk->headers = curl_slist_append(lk->headers, "Content-Type: application/json")) == NULL)
        goto oom;

    if (f != NULL && !(f->type == RC_NODE_SCALAR && f->value == NULL)) {
        if (f->type != RC_NODE_MAP) {
            rc_lk_where(lk, f, "fields", where, sizeof(where));
            snprintf(errstr, errstr_size, "%sexpected a map of name: path", where);
            goto out;
        }
        for (const rc_node_t *c = f->child; c != NULL; c = c->next)
            n++;
        names = calloc(n + 1, sizeof(*names));
        paths = calloc(n + 1, sizeof(*paths));
        if (names == NULL || paths == NULL)
            goto oom;
        n = 0;
        for (const rc_node_t *c = f->child; c != NULL; c = c->next, n++) {
            rc_lookup_fields_t *one;
            if (c->type != RC_NODE_SCALAR || c->value == NULL) {
                rc_lk_where(lk, c, "fields", where, sizeof(where));
                snprintf(errstr, errstr_size, "%s'%s' needs a path", where, c->key);
                goto out;
            }
            names[n] = c->key;
            paths[n] = c->value;
            /* Compiled alone first, so the error can name its line. */
            if ((one = rc_lookup_fields_new(&names[n], &paths[n], 1, why, sizeof(why))) == NULL) {
                rc_lk_where(lk, c, "fields", where, sizeof(where));
                snprintf(errstr, errstr_size, "%s%s", where, why);
                goto out;
            }
            rc_lookup_fields_destroy(one);
        }
        lk->fields = rc_lookup_fields_new(names, paths, n, errstr, errstr_size);
    } else {
        static const char *const dn[] = {"tier"}, *const dp[] = {"tier"};
        lk->fields = rc_lookup_fields_new(dn, dp, 1, errstr, errstr_size);
    }
    rc = lk->fields != NULL ? 0 : -1;
    goto out;
oom:
    snprintf(errstr, errstr_size, "out of memory");
out:
    free(names);
    free(paths);
    return rc;
}

static void rc_lk_metrics(rc_lookup_t *lk) {
    static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    char labels[64];
    for (int i = 0; i < RC_LK__N; i++) {
        snprintf(labels, sizeof(labels), "result=\"%s\"", rc_lk_results[i]);
        lk->m_result[i] = rc_counter("ricochet_enrich_lookup_total", labels,
                                     "Posts by customer lookup outcome: hit (Redis), miss (asked the CRM), not_found, "
                                     "unavailable (failed), breaker_open (not asked).");
    }
    for (int i = 0; i < RC_LKE__N; i++) {
        snprintf(labels, sizeof(labels), "reason=\"%s\"", rc_lk_errors[i]);
        lk->m_error[i] = rc_counter("ricochet_enrich_lookup_errors_total", labels, "Failed CRM lookups, by reason.");
    }
    lk->m_requests = rc_counter("ricochet_enrich_lookup_requests_total", NULL, "Requests made to the CRM.");
    lk->m_cache_errors = rc_counter("ricochet_enrich_lookup_cache_errors_total", NULL,
                                    "Batches whose Redis cache could not be used (the CRM was asked directly).");
    lk->m_seconds = rc_histogram("ricochet_enrich_lookup_request_duration_seconds", NULL, "Time of one CRM request.",
                                 buckets, sizeof(buckets) / sizeof(buckets[0]));
    lk->m_breaker = rc_gauge("ricochet_enrich_lookup_breaker_state", NULL,
                             "The CRM circuit breaker: 0 closed, 1 open, 2 half-open.");
}

rc_lookup_t *rc_lookup_new(const rc_config_t *cfg, const char *redis_url, long redis_timeout_ms, int connect,
                           char *errstr, size_t errstr_size) {
    char where[400], why[300];
    rc_config_t *empty = NULL;
    rc_lookup_t *lk = calloc(1, sizeof(*lk));

    if (lk == NULL)
        goto oom;
    if (cfg == NULL && (cfg = empty = rc_config_load_string("{}", "<defaults>", errstr, errstr_size)) == NULL)
        goto fail;
    lk->cfg = cfg;
    if (rc_config_bind(cfg, "enrich.lookup", rc_lookup_config, &lk->conf, errstr, errstr_size))
        goto fail;
    if (rc_lk_bind_maps(lk, errstr, errstr_size))
        goto fail;
    if (lk->conf.url != NULL) {
        const rc_node_t *un = rc_node_get(cfg->root, "enrich.lookup.url");
        char *probe = rc_lookup_url(lk->conf.url, "h", "p", "1", why, sizeof(why));
        free(probe);
        if (probe == NULL || (strncmp(lk->conf.url, "http://", 7) && strncmp(lk->conf.url, "https://", 8))) {
            rc_lk_where(lk, un, "url", where, sizeof(where));
            snprintf(errstr, errstr_size, "%s%s", where, probe == NULL ? why : "expected an http:// or https:// URL");
            goto fail;
        }
        lk->enabled = 1;
    }
    if (lk->conf.connect_timeout_ms <= 0)
        lk->conf.connect_timeout_ms = lk->conf.timeout_ms;
    rc_breaker_init(&lk->breaker, lk->conf.failure_threshold, lk->conf.open_for_ms);
    lk->cfg = NULL; /* only for the messages above */
    rc_config_destroy(empty);
    empty = NULL;
    if (!lk->enabled || !connect)
        return lk;

    pthread_once(&rc_lk_curl_once, rc_lk_curl_init);
    lk->held = json_array();
    lk->multi = curl_multi_init();
    lk->easy = calloc((size_t)lk->conf.max_concurrency, sizeof(*lk->easy));
    lk->busy = calloc((size_t)lk->conf.max_concurrency, sizeof(*lk->busy));
    if (lk->held == NULL || lk->multi == NULL || lk->easy == NULL || lk->busy == NULL)
        goto oom;
    for (long i = 0; i < lk->conf.max_concurrency; i++)
        if ((lk->easy[i] = curl_easy_init()) == NULL)
            goto oom;
    curl_multi_setopt(lk->multi, CURLMOPT_MAX_HOST_CONNECTIONS, lk->conf.max_concurrency);
    if (redis_url != NULL) {
        if ((lk->redis_url = strdup(redis_url)) == NULL)
            goto oom;
        /* Redis must not take longer to fail than the CRM would. */
        lk->redis_timeout_ms =
            redis_timeout_ms > 0 && redis_timeout_ms < lk->conf.timeout_ms ? redis_timeout_ms : lk->conf.timeout_ms;
    }
    rc_lk_metrics(lk);
    return lk;
oom:
    snprintf(errstr, errstr_size, "out of memory setting up the customer lookup");
fail:
    rc_config_destroy(empty);
    if (lk != NULL)
        lk->cfg = NULL;
    rc_lookup_destroy(lk);
    return NULL;
}

/* Drops the Redis connection after a failure; it is tried again in
 * RC_LK_REDIS_RETRY_MS. */
static void rc_lk_redis_failed(rc_lookup_t *lk, const char *err) {
    if (!lk->redis_down)
        rc_log_warn("customer lookup: Redis failed (%s); asking the CRM directly, retrying Redis every %d ms", err,
                    RC_LK_REDIS_RETRY_MS);
    lk->redis_down = 1;
    rc_redis_destroy(lk->redis);
    lk->redis = NULL;
    lk->redis_retry_at_ms = rc_mono_ms() + RC_LK_REDIS_RETRY_MS;
}

/* The Redis connection, or NULL while Redis is being skipped after a
 * failure. */
static rc_redis_t *rc_lk_redis(rc_lookup_t *lk) {
    char err[256];
    if (lk->redis_url == NULL || lk->redis != NULL)
        return lk->redis;
    if (rc_mono_ms() < lk->redis_retry_at_ms)
        return NULL;
    lk->redis = rc_redis_connect(lk->redis_url, lk->redis_timeout_ms, err, sizeof(err));
    if (lk->redis == NULL) {
        rc_lk_redis_failed(lk, err);
    } else if (lk->redis_down) {
        rc_log_info("customer lookup: Redis is back, using the cache again");
        lk->redis_down = 0;
    }
    return lk->redis;
}

/* Step 1: one MGET for every job. */
static void rc_lk_cache_read(rc_lookup_t *lk, rc_lk_job_t *jobs, size_t m) {
    char err[256];
    rc_redis_t *r = rc_lk_redis(lk);
    const char **argv = NULL;
    redisReply *rep = NULL;

    if (lk->redis_url == NULL || m == 0)
        return;
    if (r == NULL) {
        rc_metric_inc(lk->m_cache_errors, 1);
        return;
    }
    if ((argv = calloc(m + 1, sizeof(*argv))) == NULL)
        return;
    argv[0] = "MGET";
    for (size_t j = 0; j < m; j++)
        argv[j + 1] = jobs[j].key;
    rep = rc_redis_command(r, (int)(m + 1), argv, err, sizeof(err));
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != m) {
        rc_metric_inc(lk->m_cache_errors, 1);
        rc_lk_redis_failed(lk, rep == NULL ? err : "unexpected MGET reply");
        goto out;
    }
    for (size_t j = 0; j < m; j++) {
        const redisReply *e = rep->element[j];
        if (e->type == REDIS_REPLY_STRING && (jobs[j].cached = rc_lookup_parse_cached(e->str, e->len)) != NULL)
            jobs[j].result = RC_LK_HIT;
    }
out:
    freeReplyObject(rep);
    free(argv);
}

/* Step 3: the CRM's answers into Redis, pipelined. */
static void rc_lk_cache_write(rc_lookup_t *lk, const rc_lk_job_t *jobs, size_t m) {
    char err[256];
    size_t queued = 0;
    int failed = 0;
    rc_redis_t *r = lk->redis; /* only if step 1 had it */

    if (r == NULL)
        return;
    for (size_t j = 0; j < m && !failed; j++) {
        long ttl = jobs[j].result == RC_LK_MISS ? lk->conf.cache_ttl_ms : lk->conf.negative_cache_ttl_ms;
        if (!jobs[j].fetched || jobs[j].cached == NULL || ttl <= 0)
            continue;
        char *val = json_dumps(jobs[j].cached, JSON_COMPACT), px[32];
        snprintf(px, sizeof(px), "%ld", ttl);
        const char *argv[] = {"SET", jobs[j].key, val, "PX", px};
        if (val != NULL && rc_redis_pipeline_append(r, 5, argv) == 0)
            queued++;
        else
            failed = val != NULL;
        free(val);
    }
    if (failed) {
        rc_metric_inc(lk->m_cache_errors, 1);
        rc_lk_redis_failed(lk, "cannot queue SET");
        return;
    }
    if (queued == 0)
        return;
    redisReply **reps = calloc(queued, sizeof(*reps));
    if (reps == NULL || rc_redis_pipeline_exec(r, queued, reps, err, sizeof(err)) != 0) {
        rc_metric_inc(lk->m_cache_errors, 1);
        rc_lk_redis_failed(lk, reps == NULL ? "out of memory" : err);
    } else {
        for (size_t k = 0; k < queued; k++)
            freeReplyObject(reps[k]);
    }
    free(reps);
}

static size_t rc_lk_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
    rc_lk_job_t *job = userdata;
    size_t n = size * nmemb;
    if (job->len + n > job->max) {
        job->too_large = 1;
        return 0; /* ends the transfer with a write error */
    }
    /* One allocation of max_body (64 KiB by default) per answer. */
    if (job->body == NULL && (job->body = malloc(job->max)) == NULL)
        return 0;
    memcpy(job->body + job->len, ptr, n);
    job->len += n;
    return n;
}

/* Counts a failed lookup and logs the first of each kind and then every
 * RC_LK_LOG_EVERY-th ("what" says what happened). */
static void rc_lk_failed(rc_lookup_t *lk, int reason, const char *what) {
    unsigned long k = ++lk->nerr[reason];
    rc_metric_inc(lk->m_error[reason], 1);
    if (k % RC_LK_LOG_EVERY == 1) {
        rc_log_warn("customer lookup failed (%s): %s; the post goes on as 'unavailable' (%lu so far, logged every "
                    "%d)",
                    rc_lk_errors[reason], what, k, RC_LK_LOG_EVERY);
    }
}

/* The URL for "job"'s author, or NULL (logged at debug level: a post
 * without the template's fields cannot be looked up). */
static char *rc_lk_job_url(const rc_lookup_t *lk, const rc_lk_job_t *job) {
    const json_t *author = json_object_get(job->post, "author");
    char err[300];
    char *url = rc_lookup_url(lk->conf.url, json_string_value(json_object_get(author, "handle")),
                              json_string_value(json_object_get(job->post, "platform")),
                              json_string_value(json_object_get(author, "id")), err, sizeof(err));
    if (url == NULL)
        rc_log_debug("customer lookup: %s", err);
    return url;
}

/* Starts the transfer of "job" at "url" (taken) with "left_ms" to go. */
static int rc_lk_start(rc_lookup_t *lk, rc_lk_job_t *job, char *url, int64_t left_ms) {
    const json_t *author = json_object_get(job->post, "author");
    size_t slot;
    for (slot = 0; lk->busy[slot]; slot++)
        ;
    CURL *e = lk->easy[slot];
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    free(url); /* curl keeps its own copy */
    url = NULL;
    curl_easy_setopt(e, CURLOPT_PRIVATE, job);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(lk->conf.connect_timeout_ms < left_ms ? lk->conf.connect_timeout_ms : left_ms));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, lk->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ricochet/0.1");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, rc_lk_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
    if (!strcmp(lk->conf.method, "POST")) {
        json_t *b = json_pack("{s:s?, s:s?, s:s?}", "handle", json_string_value(json_object_get(author, "handle")),
                              "platform", json_string_value(json_object_get(job->post, "platform")), "author_id",
                              json_string_value(json_object_get(author, "id")));
        char *s = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        if (s == NULL)
            return -1;
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, s);
        free(s);
    }
    job->max = (size_t)lk->conf.max_body;
    job->slot = slot;
    job->started_ms = rc_mono_ms();
    if (curl_multi_add_handle(lk->multi, e) != CURLM_OK)
        return -1;
    lk->busy[slot] = 1;
    rc_metric_inc(lk->m_requests, 1);
    return 0;
}

/* A transfer ended with "res" (or was cut: CURLE_OPERATION_TIMEDOUT). */
static void rc_lk_finish(rc_lookup_t *lk, rc_lk_job_t *job, CURLcode res) {
    CURL *e = lk->easy[job->slot];
    long status = 0;
    char why[400];
    int64_t now = rc_mono_ms();

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(lk->multi, e);
    lk->busy[job->slot] = 0;
    rc_metric_observe(lk->m_seconds, (double)(now - job->started_ms) / 1000.0);
    job->result = RC_LK_UNAVAILABLE;
    if (job->too_large) {
        snprintf(why, sizeof(why), "answer of more than max_body (%ld bytes)", lk->conf.max_body);
        rc_lk_failed(lk, RC_LKE_TOO_LARGE, why);
    } else if (res == CURLE_OPERATION_TIMEDOUT) {
        snprintf(why, sizeof(why), "no answer within %lld ms", (long long)(now - job->started_ms));
        rc_lk_failed(lk, RC_LKE_TIMEOUT, why);
    } else if (res != CURLE_OK) {
        rc_lk_failed(lk, RC_LKE_TRANSPORT, curl_easy_strerror(res));
    } else if (status == lk->conf.not_found_status) {
        if ((job->cached = rc_lk_record("not_found", NULL, NULL)) != NULL) {
            job->result = RC_LK_NOT_FOUND;
            job->fetched = 1;
        }
    } else if (status >= 200 && status <= 299) {
        job->cached =
            rc_lookup_map_answer(lk->fields, job->body, job->len, (size_t)lk->conf.max_body, why, sizeof(why));
        if (job->cached != NULL) {
            job->result = RC_LK_MISS;
            job->fetched = 1;
        } else {
            rc_lk_failed(lk, RC_LKE_MALFORMED, why);
        }
    } else {
        snprintf(why, sizeof(why), "HTTP status %ld", status);
        rc_lk_failed(lk, RC_LKE_STATUS, why);
    }
    free(job->body);
    job->body = NULL;
    rc_breaker_record(&lk->breaker, job->result != RC_LK_UNAVAILABLE, now);
}

/* Step 2: the "k" jobs in "pending" from the CRM, all within one timeout. */
static void rc_lk_fetch(rc_lookup_t *lk, rc_lk_job_t **pending, size_t k) {
    int64_t deadline = rc_mono_ms() + lk->conf.timeout_ms;
    size_t next = 0;
    long active = 0;

    for (;;) {
        int64_t now = rc_mono_ms();
        while (active < lk->conf.max_concurrency && next < k) {
            rc_lk_job_t *job = pending[next++];
            char *url = NULL;
            job->result = RC_LK_UNAVAILABLE;
            if (now >= deadline) {
                rc_lk_failed(lk, RC_LKE_TIMEOUT, "not started before the batch's time ran out");
            } else if ((url = rc_lk_job_url(lk, job)) == NULL) {
                /* Nothing to ask with; not the CRM's failure. */
            } else if (!rc_breaker_allow(&lk->breaker, now)) {
                job->result = RC_LK_BREAKER_OPEN;
                free(url);
            } else if (rc_lk_start(lk, job, url, deadline - now) != 0) {
                /* Out of memory here: not the CRM's fault, but a probe
                 * must have an outcome. */
                rc_breaker_record(&lk->breaker, 0, now);
            } else {
                active++;
            }
        }
        if (active == 0 && next >= k)
            break;
        int running = 0, left = 0;
        curl_multi_perform(lk->multi, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(lk->multi, &left)) != NULL) {
            rc_lk_job_t *job = NULL;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job);
            rc_lk_finish(lk, job, msg->data.result);
            active--;
        }
        if (active == 0)
            continue; /* start more, or end */
        now = rc_mono_ms();
        if (now >= deadline + RC_LK_SLACK_MS) {
            /* curl's own timeouts should have ended these already. */
            for (long s = 0; s < lk->conf.max_concurrency; s++) {
                rc_lk_job_t *job = NULL;
                if (!lk->busy[s])
                    continue;
                curl_easy_getinfo(lk->easy[s], CURLINFO_PRIVATE, (char **)&job);
                rc_lk_finish(lk, job, CURLE_OPERATION_TIMEDOUT);
                active--;
            }
            continue;
        }
        int64_t wait = deadline + RC_LK_SLACK_MS - now;
        curl_multi_poll(lk->multi, NULL, 0, (int)(wait < 100 ? wait : 100), NULL);
    }
    rc_metric_set(lk->m_breaker, (int64_t)lk->breaker.state);
}

/* ricochet:customer:<platform>:<handle>, the handle in lower case (every
 * platform's handles are case-insensitive), or NULL. */
static char *rc_lk_key(const json_t *post) {
    const char *platform = json_string_value(json_object_get(post, "platform"));
    const char *handle = json_string_value(json_object_get(json_object_get(post, "author"), "handle"));
    char *key = NULL;
    if (platform == NULL || handle == NULL || !*handle ||
        asprintf(&key, "ricochet:customer:%s:%s", platform, handle) < 0)
        return NULL;
    for (char *p = key + strlen(key) - strlen(handle); *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return key;
}

void rc_lookup_batch(rc_lookup_t *lk, const json_t *const *posts, size_t n, rc_customer_t *customers) {
    static const rc_customer_t disabled = {"disabled", NULL, NULL}, unavailable = {"unavailable", NULL, NULL};
    rc_lk_job_t *jobs = NULL, **pending = NULL;
    size_t *of = NULL, m = 0, k = 0;
    json_t *index = NULL;

    for (size_t i = 0; i < n; i++)
        customers[i] = lk != NULL && lk->enabled ? unavailable : disabled;
    if (lk == NULL || !lk->enabled || lk->multi == NULL || n == 0)
        return;
    json_array_clear(lk->held);
    jobs = calloc(n, sizeof(*jobs));
    pending = calloc(n, sizeof(*pending));
    of = calloc(n, sizeof(*of));
    index = json_object();
    if (jobs == NULL || pending == NULL || of == NULL || index == NULL)
        goto out;

    /* One job per distinct author. */
    for (size_t i = 0; i < n; i++) {
        char *key = rc_lk_key(posts[i]);
        const json_t *seen = key != NULL ? json_object_get(index, key) : NULL;
        of[i] = SIZE_MAX;
        if (key == NULL)
            continue;
        if (seen != NULL) {
            of[i] = (size_t)json_integer_value(seen);
            free(key);
            continue;
        }
        if (json_object_set_new(index, key, json_integer((json_int_t)m)) != 0) {
            free(key);
            continue;
        }
        jobs[m].key = key;
        jobs[m].post = posts[i];
        jobs[m].result = RC_LK_UNAVAILABLE;
        of[i] = m++;
    }

    rc_lk_cache_read(lk, jobs, m);
    for (size_t j = 0; j < m; j++)
        if (jobs[j].result != RC_LK_HIT)
            pending[k++] = &jobs[j];
    if (k > 0)
        rc_lk_fetch(lk, pending, k);
    rc_lk_cache_write(lk, jobs, m);

    for (size_t i = 0; i < n; i++) {
        const rc_lk_job_t *job = of[i] != SIZE_MAX ? &jobs[of[i]] : NULL;
        rc_metric_inc(lk->m_result[job != NULL ? job->result : RC_LK_UNAVAILABLE], 1);
        if (job != NULL && job->cached != NULL) {
            rc_lookup_customer_of(job->cached, &customers[i]);
        }
    }
    /* The customers point into the answers: keep them until the next batch. */
    for (size_t j = 0; j < m; j++) {
        if (jobs[j].cached != NULL && json_array_append(lk->held, jobs[j].cached) != 0) {
            for (size_t i = 0; i < n; i++)
                if (of[i] == j)
                    customers[i] = unavailable;
        }
    }
out:
    for (size_t j = 0; jobs != NULL && j < m; j++) {
        free(jobs[j].key);
        json_decref(jobs[j].cached);
    }
    free(jobs);
    free(pending);
    free(of);
    json_decref(index);
}
