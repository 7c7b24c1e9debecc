/*
 * The source runner: one thread per configured source (see source.h).
 *
 * What a thread does, and why:
 *   - Lease (Redis, ricochet:lease:<name>): only one ingest replica runs a
 *     source at a time, so scaling ingest out does not multiply API calls.
 *     The holder renews it every third of lease_ttl; a replica that dies
 *     loses it after lease_ttl and another takes over from the cursor.
 *   - Token bucket (Redis, ricochet:bucket:<name>): a request rate shared by
 *     every replica and every restart, so a crash loop cannot hammer an API.
 *   - Rate-limit windows: when a response says no requests remain until a
 *     reset, the next request waits for the reset instead of earning a 429.
 *   - Cursor (Redis, ricochet:cursor:<name>): written only when every
 *     payload submitted before it was acknowledged by Kafka (or
 *     dead-lettered), so a restart resumes without losing posts; repeats
 *     after a crash are dropped by the dedup window.
 *   - Backoff: after a failed run() the wait doubles from backoff_initial up
 *     to backoff_max, with jitter so replicas and sources do not retry in
 *     step, and never shorter than what the platform asked for.
 *
 * Without redis.url the lease is always held (one replica), the bucket is
 * local to the process and the cursor lives in memory only.
 */
#include "source.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"
#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "util.h"

#define OFF(f) offsetof(rc_source_conf_t, f)
const rc_config_entry_t rc_source_common_table[] = {
    {"type", RC_CT_STRING, NULL, 0, 0, NULL, OFF(type), 1, "Source type (see the list of types below)."},
    {"enabled", RC_CT_BOOL, "true", 0, 0, NULL, OFF(enabled), 0, "Run this source."},
    {"poll_interval", RC_CT_DURATION, "60s", 100, 86400000, NULL, OFF(poll_interval_ms), 0,
     "Pollers: the pause between two poll cycles."},
    {"rate", RC_CT_DOUBLE, "1", 0.001, 10000, NULL, OFF(rate_per_s), 0,
     "Requests per second this source may make, across all ingest replicas (Redis token bucket)."},
    {"burst", RC_CT_INT, "5", 1, 10000, NULL, OFF(burst), 0, "Token bucket size: requests allowed back to back."},
    {"lease_ttl", RC_CT_DURATION, "30s", 1000, 3600000, NULL, OFF(lease_ttl_ms), 0,
     "Only the replica holding this Redis lease runs the source; another takes over this long after it died."},
    {"backoff_initial", RC_CT_DURATION, "1s", 10, 3600000, NULL, OFF(backoff_initial_ms), 0,
     "First wait after a failure (doubles, with jitter)."},
    {"backoff_max", RC_CT_DURATION, "5m", 10, 86400000, NULL, OFF(backoff_max_ms), 0, "Longest wait after failures."},
    {"request_timeout", RC_CT_DURATION, "30s", 100, 600000, NULL, OFF(request_timeout_ms), 0,
     "Timeout of one polling request."},
    {"max_body", RC_CT_SIZE, "8MiB", 1024, 1LL << 30, NULL, OFF(max_body), 0,
     "Largest response (pollers) or line/event (streams); a larger one is counted and skipped."},
    {"max_in_flight", RC_CT_INT, "5000", 1, 1000000, NULL, OFF(max_in_flight), 0,
     "Payloads submitted but not yet acknowledged by Kafka before the source waits."},
    RC_CONFIG_END};

#define RC_SOURCE_EVENTS_MAX 32

/* One submitted batch, waiting for Kafka. */
typedef struct rc_src_batch {
    rc_input_t **ins;
    size_t n;
    char *data;   /* the payloads' bytes (the inputs borrow them) */
    char *cursor; /* written once this batch and all before it are done */
    struct rc_src_batch *next;
} rc_src_batch_t;

struct rc_source {
    char *name;
    const rc_source_ops_t *ops;
    rc_config_entry_t *table; /* common + type keys */
    void *conf;
    void *state;
    rc_worker_t *w;
    rc_sources_t *all;
    pthread_t thread;
    int running;
    rc_redis_t *redis;
    rc_http_client_t *http;
    char owner[160];
    char origin[96]; /* "source <name>", for dead-letter messages */
    int64_t lease_renewed_ms; /* last successful take/renew; 0 = not held */
    char *cursor;             /* last acknowledged cursor */
    rc_src_batch_t *head, *tail;
    size_t in_flight;
    int failed;               /* a batch was not delivered: submit() fails until run() ends */
    long retry_after_ms;
    int64_t window_until_ms;  /* announced rate-limit window: no request before */
    int64_t bucket_next_ms;   /* local bucket (no Redis) */
    double bucket_tokens;
    unsigned rnd;
    rc_metric_t *m_requests[6]; /* by status class: 0 (transport), 1xx..5xx */
    rc_metric_t *m_runs_failed, *m_submitted, *m_cursor_writes, *m_cursor_errors, *m_lease_held, *m_waits;
    struct {
        char *name;
        rc_metric_t *m;
    } events[RC_SOURCE_EVENTS_MAX]; /* rc_source_count()'s cache */
    size_t nevents;
};

struct rc_sources {
    rc_worker_t *w;
    rc_source_t **v;
    size_t n;
    _Atomic int stop;
    pthread_mutex_t mu; /* wakes sleeping sources at stop */
    pthread_cond_t cv;
};

static int64_t rc_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- pure helpers -------------------------------------------------------- */

void rc_linebuf_init(rc_linebuf_t *lb, size_t max_line) {
    memset(lb, 0, sizeof(*lb));
    lb->max_line = max_line ? max_line : 1u << 20;
}

void rc_linebuf_free(rc_linebuf_t *lb) {
    free(lb->buf);
    memset(lb, 0, sizeof(*lb));
}

static int rc_linebuf_append(rc_linebuf_t *lb, const char *p, size_t n) {
    if (lb->len + n > lb->cap) {
        size_t ncap = lb->cap ? lb->cap : 4096;
        while (ncap < lb->len + n)
            ncap *= 2;
        char *nb = realloc(lb->buf, ncap);
        if (!nb)
            return -1;
        lb->buf = nb;
        lb->cap = ncap;
    }
    memcpy(lb->buf + lb->len, p, n);
    lb->len += n;
    return 0;
}

int rc_linebuf_feed(rc_linebuf_t *lb, const char *data, size_t n,
                    int (*cb)(void *opaque, const char *line, size_t len, int oversized), void *opaque) {
    const char *p = data, *end = data + n;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t take = (size_t)((nl ? nl : end) - p);
        int rc = 0;

        if (lb->skipping) {
            /* Inside an oversized line: drop bytes up to its end. */
            if (nl)
                lb->skipping = 0;
        } else if (lb->len + take > lb->max_line) {
            lb->len = 0;
            lb->skipping = nl == NULL;
            rc = cb(opaque, "", 0, 1);
        } else if (!nl) {
            if (rc_linebuf_append(lb, p, take))
                return -1;
        } else {
            const char *line = p;
            size_t len = take;
            if (lb->len) {
                if (rc_linebuf_append(lb, p, take))
                    return -1;
                line = lb->buf;
                len = lb->len;
            }
            if (len && line[len - 1] == '\r')
                len--;
            lb->len = 0;
            rc = cb(opaque, line, len, 0);
        }
        if (rc)
            return rc;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
static long long rc_days(long y, int m, int d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}

/* "2026-11-22T08:00:00Z" / "...+01:00" / fractional seconds -> ms since the
 * epoch, or -1. */
static long long rc_iso_ms(const char *s) {
    int Y, M, D, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &mi, &sec, &n) != 6 || n == 0)
        return -1;
    long long ms = (rc_days(Y, M, D) * 86400LL + h * 3600LL + mi * 60LL + sec) * 1000LL;
    const char *p = s + n;
    if (*p == '.') {
        long long frac = 0, scale = 1000;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
        ms += frac;
    }
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
            ms += (*p == '+' ? -1 : 1) * (oh * 3600LL + om * 60LL) * 1000LL;
    }
    return ms;
}

rc_ratelimit_t rc_ratelimit_parse(const char *headers, long long now_ms) {
    rc_ratelimit_t rl = {0, 0, -1};
    char v[128];

    /* The platforms spell the names differently but header names are
     * case-insensitive: x-rate-limit-* (X), X-RateLimit-* / X-Ratelimit-*
     * (Mastodon, Reddit), and the unprefixed RateLimit-* of the IETF draft
     * (Bluesky'"'"'s AppView, reset in epoch seconds). */
    if (rc_http_header_get(headers, "x-rate-limit-remaining", v, sizeof(v)) ||
        rc_http_header_get(headers, "x-ratelimit-remaining", v, sizeof(v)) ||
        rc_http_header_get(headers, "ratelimit-remaining", v, sizeof(v))) {
        char *end;
        double d = strtod(v, &end);
        if (end != v && d >= 0) {
            rl.known = 1;
            rl.remaining = d;
        }
    }
    if (rc_http_header_get(headers, "x-rate-limit-reset", v, sizeof(v)) ||
        rc_http_header_get(headers, "x-ratelimit-reset", v, sizeof(v)) ||
        rc_http_header_get(headers, "ratelimit-reset", v, sizeof(v))) {
        long long at = -1;
        if (strchr(v, 'T') && strchr(v, '-')) {
            at = rc_iso_ms(v); /* Mastodon: an ISO 8601 time */
        } else {
            char *end;
            double d = strtod(v, &end);
            if (end != v && d >= 0)
                /* X: epoch seconds; Reddit: seconds from now. An epoch is
                 * far larger than any window length. */
                at = d > 1e9 ? (long long)(d * 1000.0) : now_ms + (long long)(d * 1000.0);
        }
        if (at >= 0)
            rl.reset_ms = at > now_ms ? (long)(at - now_ms) : 0;
    }
    return rl;
}

long rc_backoff_ms(long initial_ms, long max_ms, int attempt, double rnd) {
    double cap = (double)initial_ms;
    for (int i = 0; i < attempt && cap < (double)max_ms; i++)
        cap *= 2;
    if (cap > (double)max_ms)
        cap = (double)max_ms;
    /* "Equal jitter": at least half the step, so the wait still grows, plus
     * a random part, so replicas spread out. */
    return (long)(cap / 2 + rnd * cap / 2);
}

/* ---- services ------------------------------------------------------------ */

const char *rc_source_name(const rc_source_t *src) { return src->name; }
struct rc_redis *rc_source_redis(rc_source_t *src) { return src->redis; }
const char *rc_source_cursor(rc_source_t *src) { return src->cursor; }

void rc_source_retry_after(rc_source_t *src, long ms) {
    if (ms > src->retry_after_ms)
        src->retry_after_ms = ms;
}

void rc_source_count(rc_source_t *src, const char *event) {
    /* Counted per event (a filtered post, a cached profile), so the metric is
     * looked up in the source's own small table: the registry is a locked
     * list shared by every thread. */
    for (size_t i = 0; i < src->nevents; i++) {
        if (strcmp(src->events[i].name, event) == 0) {
            rc_metric_inc(src->events[i].m, 1);
            return;
        }
    }
    char labels[256];
    snprintf(labels, sizeof(labels), "source=\"%s\",event=\"%s\"", src->name, event);
    rc_metric_t *m = rc_worker_counter(src->w, "source_events_total", labels,
                                       "Notable events of a source (reconnect, heartbeat, malformed, oversized, ...).");
    rc_metric_inc(m, 1);
    if (src->nevents < RC_SOURCE_EVENTS_MAX && (src->events[src->nevents].name = strdup(event)))
        src->events[src->nevents++].m = m;
}

static int rc_sources_stopping(const rc_source_t *src) {
    return atomic_load(&src->all->stop) || rc_worker_stopping(src->w);
}

/* Waits up to "ms" on the stop condition. */
static void rc_source_nap(rc_source_t *src, long ms) {
    struct timespec ts;
    if (ms <= 0)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&src->all->mu);
    while (!atomic_load(&src->all->stop)) {
        if (pthread_cond_timedwait(&src->all->cv, &src->all->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&src->all->mu);
}

/* Take or renew the lease. Returns 1 held, 0 not held. A Redis error keeps
 * a lease we held until it would have expired (Redis blinking must not
 * stop every source), and gives no lease otherwise. */
static int rc_source_lease(rc_source_t *src, int force) {
    const rc_source_conf_t *c = src->conf;
    int64_t now = rc_now_ms();
    char key[300], err[256];

    if (!src->redis && !rc_worker_common(src->w)->redis_url)
        return 1;
    if (!force && src->lease_renewed_ms && now - src->lease_renewed_ms < c->lease_ttl_ms / 3)
        return 1;
    if (!src->redis)
        src->redis = rc_redis_connect(rc_worker_common(src->w)->redis_url,
                                      rc_worker_common(src->w)->redis_timeout_ms, err, sizeof(err));
    snprintf(key, sizeof(key), "ricochet:lease:%s", src->name);
    int held = src->redis ? rc_redis_lease(src->redis, key, src->owner, c->lease_ttl_ms, err, sizeof(err)) : -1;
    if (held < 0) {
        int still = src->lease_renewed_ms && now - src->lease_renewed_ms < c->lease_ttl_ms;
        rc_log_warn("source %s: lease check failed (%s)%s", src->name, src->redis ? err : "no redis",
                    still ? "; keeping it until it would expire" : "");
        if (!still)
            src->lease_renewed_ms = 0;
        rc_metric_set(src->m_lease_held, still);
        return still;
    }
    if (held && !src->lease_renewed_ms)
        rc_log_info("source %s: lease taken (%s)", src->name, src->owner);
    if (!held && src->lease_renewed_ms)
        rc_log_warn("source %s: lease lost to another replica", src->name);
    src->lease_renewed_ms = held ? now : 0;
    rc_metric_set(src->m_lease_held, held);
    return held;
}

int rc_source_keep_going(rc_source_t *src) {
    if (rc_sources_stopping(src))
        return 0;
    return rc_source_lease(src, 0);
}

int rc_source_sleep(rc_source_t *src, long ms) {
    /* In slices, so the lease is renewed during a long pause. */
    const rc_source_conf_t *c = src->conf;
    long slice = c->lease_ttl_ms / 3 > 0 ? c->lease_ttl_ms / 3 : 1000;
    while (ms > 0 && rc_source_keep_going(src)) {
        long s = ms < slice ? ms : slice;
        rc_source_nap(src, s);
        ms -= s;
    }
    return rc_source_keep_going(src);
}

/* Waits for a token of the source's bucket. Returns 0, or -1 when stopping. */
static int rc_source_token(rc_source_t *src) {
    const rc_source_conf_t *c = src->conf;
    char key[300], err[256];

    for (;;) {
        long wait = 0;
        if (!rc_source_keep_going(src))
            return -1;
        if (src->redis) {
            snprintf(key, sizeof(key), "ricochet:bucket:%s", src->name);
            if (rc_redis_bucket_take(src->redis, key, c->rate_per_s, c->burst, &wait, err, sizeof(err))) {
                /* Fall back to the local bucket rather than stall. */
                rc_log_warn("source %s: token bucket unavailable (%s); using a local one", src->name, err);
                goto local;
            }
        } else {
        local:;
            int64_t now = rc_now_ms();
            if (!src->bucket_next_ms) {
                src->bucket_tokens = (double)c->burst;
                src->bucket_next_ms = now;
            }
            src->bucket_tokens += (double)(now - src->bucket_next_ms) * c->rate_per_s / 1000.0;
            if (src->bucket_tokens > (double)c->burst)
                src->bucket_tokens = (double)c->burst;
            src->bucket_next_ms = now;
            if (src->bucket_tokens >= 1) {
                src->bucket_tokens -= 1;
                wait = 0;
            } else {
                wait = (long)ceil((1 - src->bucket_tokens) * 1000.0 / c->rate_per_s);
            }
        }
        if (wait <= 0)
            return 0;
        rc_metric_inc(src->m_waits, 1);
        rc_source_sleep(src, wait);
    }
}

int rc_source_http(rc_source_t *src, const rc_http_request_t *req, rc_http_response_t *resp) {
    const rc_source_conf_t *c = src->conf;
    rc_http_request_t r = *req;
    int64_t now = rc_now_ms();

    memset(resp, 0, sizeof(*resp));
    if (src->window_until_ms > now) {
        rc_log_info("source %s: rate-limit window, waiting %lld ms", src->name,
                    (long long)(src->window_until_ms - now));
        rc_metric_inc(src->m_waits, 1);
        rc_source_sleep(src, (long)(src->window_until_ms - now));
    }
    if (rc_source_token(src)) {
        snprintf(resp->error, sizeof(resp->error), "stopping");
        return -1;
    }
    if (!r.timeout_ms)
        r.timeout_ms = c->request_timeout_ms;
    int rc = rc_http_do(src->http, &r, resp);
    long cls = resp->status / 100;
    rc_metric_inc(src->m_requests[cls >= 1 && cls <= 5 ? cls : 0], 1);

    now = rc_now_ms();
    rc_ratelimit_t rl = rc_ratelimit_parse(resp->headers, now);
    if (rl.known && rl.remaining < 1 && rl.reset_ms > 0)
        src->window_until_ms = now + rl.reset_ms;
    if (resp->status == 429 || resp->status >= 500) {
        long wait = resp->retry_after_ms > 0 ? resp->retry_after_ms : rl.reset_ms > 0 ? rl.reset_ms : 0;
        if (resp->status == 429 && wait > 0 && now + wait > src->window_until_ms)
            src->window_until_ms = now + wait;
        rc_source_retry_after(src, wait);
    }
    return rc;
}

/* ---- submission and cursors ---------------------------------------------- */

static void rc_src_batch_free(rc_src_batch_t *b) {
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        rc_worker_input_free(b->ins[i]);
    free(b->ins);
    free(b->data);
    free(b->cursor);
    free(b);
}

static void rc_source_write_cursor(rc_source_t *src, const char *cursor) {
    char key[300], err[256];
    if (!cursor || (src->cursor && strcmp(src->cursor, cursor) == 0))
        return;
    free(src->cursor);
    src->cursor = strdup(cursor);
    if (!src->redis)
        return;
    snprintf(key, sizeof(key), "ricochet:cursor:%s", src->name);
    const char *argv[3] = {"SET", key, cursor};
    redisReply *rep = rc_redis_command(src->redis, 3, argv, err, sizeof(err));
    if (!rep) {
        /* Not fatal: a restart then resumes from an older cursor and the
         * dedup window drops what it sees again. */
        rc_metric_inc(src->m_cursor_errors, 1);
        rc_log_warn("source %s: cursor not saved (%s)", src->name, err);
        return;
    }
    freeReplyObject(rep);
    rc_metric_inc(src->m_cursor_writes, 1);
}

/* Retire finished batches from the head, in order. "block": wait for all.
 * Returns 0, or -1 once a batch failed. */
static int rc_source_reap(rc_source_t *src, int block) {
    while (src->head) {
        rc_src_batch_t *b = src->head;
        int bad = 0, pending = 0;
        for (size_t i = 0; i < b->n; i++) {
            int st = rc_worker_input_status(src->w, b->ins[i]);
            while (st == 0 && block) {
                rc_worker_input_wait(src->w, b->ins[i], 200);
                st = rc_worker_input_status(src->w, b->ins[i]);
            }
            if (st == 0) {
                pending = 1;
                break;
            }
            if (st < 0)
                bad = 1;
        }
        if (pending)
            return src->failed ? -1 : 0;
        if (bad && !src->failed) {
            rc_log_warn("source %s: a batch was not acknowledged by Kafka; resuming from the last cursor",
                        src->name);
            src->failed = 1;
        }
        if (!src->failed)
            rc_source_write_cursor(src, b->cursor);
        src->head = b->next;
        if (!src->head)
            src->tail = NULL;
        src->in_flight -= b->n;
        rc_src_batch_free(b);
    }
    return src->failed ? -1 : 0;
}

int rc_source_submit(rc_source_t *src, const char *const *payloads, const size_t *lens, size_t n, const char *cursor) {
    const rc_source_conf_t *c = src->conf;
    rc_src_batch_t *b;
    size_t total = 0, off = 0;

    if (src->failed || rc_sources_stopping(src))
        return -1;
    if (!(b = calloc(1, sizeof(*b))))
        return -1;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    b->ins = calloc(n ? n : 1, sizeof(*b->ins));
    b->data = malloc(total ? total : 1);
    b->cursor = cursor ? strdup(cursor) : NULL;
    if (!b->ins || !b->data || (cursor && !b->cursor)) {
        rc_src_batch_free(b);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(b->data + off, payloads[i], lens[i]);
        if (!(b->ins[i] = rc_worker_input_new_waiter(src->w, b->data + off, lens[i]))) {
            rc_src_batch_free(b);
            return -1;
        }
        b->ins[i]->origin = src->origin;
        b->n++;
        off += lens[i];
    }
    if (n)
        rc_worker_process_inputs(src->w, b->ins, n);
    rc_metric_inc(src->m_submitted, n);
    if (src->tail)
        src->tail->next = b;
    else
        src->head = b;
    src->tail = b;
    src->in_flight += n;
    /* Backpressure: never more than max_in_flight unacknowledged. */
    while (src->in_flight > (size_t)c->max_in_flight && src->head && !src->failed) {
        rc_src_batch_t *h = src->head;
        for (size_t i = 0; i < h->n; i++)
            if (rc_worker_input_status(src->w, h->ins[i]) == 0) {
                rc_worker_input_wait(src->w, h->ins[i], 200);
                break;
            }
        rc_source_reap(src, 0);
        if (rc_sources_stopping(src))
            break;
    }
    return rc_source_reap(src, 0);
}

int rc_source_flush(rc_source_t *src) { return rc_source_reap(src, 1); }

/* ---- the thread ---------------------------------------------------------- */

static void rc_source_load_cursor(rc_source_t *src) {
    char key[300], err[256];
    if (!src->redis)
        return;
    snprintf(key, sizeof(key), "ricochet:cursor:%s", src->name);
    const char *argv[2] = {"GET", key};
    redisReply *rep = rc_redis_command(src->redis, 2, argv, err, sizeof(err));
    if (!rep) {
        rc_log_warn("source %s: cannot read the cursor (%s); keeping %s", src->name, err,
                    src->cursor ? src->cursor : "none");
        return;
    }
    if (rep->type == REDIS_REPLY_STRING) {
        free(src->cursor);
        src->cursor = strndup(rep->str, rep->len);
    }
    freeReplyObject(rep);
}

static void *rc_source_main(void *arg) {
    rc_source_t *src = arg;
    const rc_source_conf_t *c = src->conf;
    int attempt = 0;
    char err[512];

    while (!rc_sources_stopping(src)) {
        if (!rc_source_lease(src, 1)) {
            /* Another replica runs it; look again in a third of the TTL. */
            rc_source_nap(src, c->lease_ttl_ms / 3);
            continue;
        }
        rc_source_load_cursor(src);
        err[0] = '\0';
        src->retry_after_ms = 0;
        int rc = src->ops->run(src, src->state, src->conf, err, sizeof(err));
        if (rc_source_flush(src))
            rc = -1;
        /* What was not acknowledged is fetched again from the cursor. */
        while (src->head) {
            rc_src_batch_t *b = src->head;
            src->head = b->next;
            src->in_flight -= b->n;
            rc_src_batch_free(b);
        }
        src->tail = NULL;
        src->failed = 0;
        if (rc_sources_stopping(src))
            break;
        long wait;
        if (rc == 0) {
            attempt = 0;
            wait = src->ops->streaming ? c->backoff_initial_ms : c->poll_interval_ms;
        } else {
            rc_metric_inc(src->m_runs_failed, 1);
            wait = rc_backoff_ms(c->backoff_initial_ms, c->backoff_max_ms, attempt++,
                                 (double)rand_r(&src->rnd) / ((double)RAND_MAX + 1.0));
        }
        if (src->retry_after_ms > wait)
            wait = src->retry_after_ms; /* what the platform asked for */
        if (rc != 0)
            rc_log_warn("source %s: %s; retrying in %ld ms", src->name, err[0] ? err : "run failed", wait);
        rc_source_sleep(src, wait);
    }
    if (src->lease_renewed_ms && src->redis) {
        char key[300];
        snprintf(key, sizeof(key), "ricochet:lease:%s", src->name);
        rc_redis_lease(src->redis, key, src->owner, 0, err, sizeof(err)); /* hand over at once */
    }
    return NULL;
}

/* ---- the set of sources -------------------------------------------------- */

static void rc_source_destroy(rc_source_t *src) {
    if (!src)
        return;
    while (src->head) {
        rc_src_batch_t *b = src->head;
        src->head = b->next;
        rc_src_batch_free(b);
    }
    if (src->ops && src->ops->destroy)
        src->ops->destroy(src->state);
    if (src->table) {
        rc_config_table_free(src->table, src->conf);
        free(src->table);
    }
    free(src->conf);
    rc_redis_destroy(src->redis);
    rc_http_client_destroy(src->http);
    free(src->cursor);
    for (size_t i = 0; i < src->nevents; i++)
        free(src->events[i].name);
    free(src->name);
    free(src);
}

static int rc_source_name_ok(const char *s) {
    if (!*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Binds ingest.sources.<name> against the common keys plus the type's. */
static rc_source_t *rc_source_new(rc_sources_t *all, const rc_config_t *cfg, const rc_node_t *node, char *errstr,
                                  size_t errstr_size) {
    rc_source_t *src = calloc(1, sizeof(*src));
    char where[300], section[300];
    size_t nc = 0, nt = 0;

    rc_config_where(cfg, node, where, sizeof(where));
    if (!src)
        goto oom;
    src->all = all;
    src->w = all->w;
    if (!(src->name = strdup(node->key)))
        goto oom;
    if (!rc_source_name_ok(node->key)) {
        snprintf(errstr, errstr_size, "%skey 'ingest.sources.%s': a source name is 1-64 characters of a-z, 0-9, "
                 "'_', '-' (it names Redis keys and metrics)", where, node->key);
        goto fail;
    }
    if (node->type != RC_NODE_MAP) {
        snprintf(errstr, errstr_size, "%skey 'ingest.sources.%s': expected a map with a type", where, node->key);
        goto fail;
    }
    const rc_node_t *tn = rc_node_get(node, "type");
    if (!tn || !tn->value) {
        snprintf(errstr, errstr_size, "%skey 'ingest.sources.%s.type': missing (one of the source types)", where,
                 node->key);
        goto fail;
    }
    if (!(src->ops = rc_source_find(tn->value))) {
        const char *names[32];
        size_t k = 0;
        for (; rc_source_registry[k] && k < 31; k++)
            names[k] = rc_source_registry[k]->type;
        names[k] = NULL;
        const char *hint = rc_did_you_mean(tn->value, names);
        rc_config_where(cfg, tn, where, sizeof(where));
        snprintf(errstr, errstr_size, "%skey 'ingest.sources.%s.type': unknown source type '%s'%s%s%s", where,
                 node->key, tn->value, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        goto fail;
    }
    while (rc_source_common_table[nc].name)
        nc++;
    while (src->ops->config && src->ops->config[nt].name)
        nt++;
    src->table = calloc(nc + nt + 1, sizeof(*src->table));
    src->conf = calloc(1, src->ops->conf_size);
    if (!src->table || !src->conf)
        goto oom;
    memcpy(src->table, rc_source_common_table, nc * sizeof(*src->table));
    if (nt)
        memcpy(src->table + nc, src->ops->config, nt * sizeof(*src->table));
    snprintf(section, sizeof(section), "ingest.sources.%s", node->key);
    if (rc_config_bind(cfg, section, src->table, src->conf, errstr, errstr_size))
        goto fail;
    if (src->ops->check && src->ops->check(src->conf, errstr, errstr_size)) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", errstr);
        rc_config_where(cfg, node, where, sizeof(where));
        snprintf(errstr, errstr_size, "%skey 'ingest.sources.%s': %s", where, node->key, msg);
        goto fail;
    }
    return src;
oom:
    snprintf(errstr, errstr_size, "out of memory");
fail:
    rc_source_destroy(src);
    return NULL;
}

rc_sources_t *rc_sources_new(rc_worker_t *w, const rc_node_t *sources, char *errstr, size_t errstr_size) {
    const rc_config_t *cfg = rc_worker_config(w);
    rc_sources_t *all = calloc(1, sizeof(*all));

    if (!all) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    all->w = w;
    pthread_mutex_init(&all->mu, NULL);
    pthread_cond_init(&all->cv, NULL);
    if (!sources)
        return all;
    if (sources->type != RC_NODE_MAP) {
        char where[300];
        rc_config_where(cfg, sources, where, sizeof(where));
        snprintf(errstr, errstr_size, "%skey 'ingest.sources': expected a map of source name -> settings", where);
        goto fail;
    }
    for (const rc_node_t *n = sources->child; n; n = n->next) {
        rc_source_t *src = rc_source_new(all, cfg, n, errstr, errstr_size);
        if (!src)
            goto fail;
        rc_source_t **v = realloc(all->v, (all->n + 1) * sizeof(*v));
        if (!v) {
            rc_source_destroy(src);
            snprintf(errstr, errstr_size, "out of memory");
            goto fail;
        }
        all->v = v;
        all->v[all->n++] = src;
    }
    return all;
fail:
    rc_sources_destroy(all);
    return NULL;
}

size_t rc_sources_count(const rc_sources_t *all) { return all ? all->n : 0; }

int rc_sources_start(rc_sources_t *all, char *errstr, size_t errstr_size) {
    char host[64] = "host";
    gethostname(host, sizeof(host) - 1);
    for (size_t i = 0; all && i < all->n; i++) {
        rc_source_t *src = all->v[i];
        const rc_source_conf_t *c = src->conf;
        char labels[200];

        if (!c->enabled)
            continue;
        src->rnd = (unsigned)time(NULL) ^ (unsigned)getpid() ^ (unsigned)(i * 2654435761u);
        snprintf(src->owner, sizeof(src->owner), "%s:%d:%08x", host, (int)getpid(), rand_r(&src->rnd));
        snprintf(src->origin, sizeof(src->origin), "source %s", src->name);
        src->http = rc_http_client_new((size_t)c->max_body);
        if (!src->http) {
            snprintf(errstr, errstr_size, "source %s: out of memory", src->name);
            return -1;
        }
        static const char *const cls[6] = {"error", "1xx", "2xx", "3xx", "4xx", "5xx"};
        for (int k = 0; k < 6; k++) {
            snprintf(labels, sizeof(labels), "source=\"%s\",status=\"%s\"", src->name, cls[k]);
            src->m_requests[k] = rc_worker_counter(src->w, "source_requests_total", labels,
                                                   "HTTP requests made by a source, by status class.");
        }
        snprintf(labels, sizeof(labels), "source=\"%s\"", src->name);
        src->m_runs_failed = rc_worker_counter(src->w, "source_failures_total", labels,
                                               "Poll cycles or stream connections that failed (then backed off).");
        src->m_submitted = rc_worker_counter(src->w, "source_payloads_total", labels,
                                             "Payloads a source handed to the stage.");
        src->m_cursor_writes = rc_worker_counter(src->w, "source_cursor_writes_total", labels,
                                                 "Cursors saved after their posts were acknowledged.");
        src->m_cursor_errors = rc_worker_counter(src->w, "source_cursor_errors_total", labels,
                                                 "Cursors that could not be saved (Redis down).");
        src->m_waits = rc_worker_counter(src->w, "source_rate_waits_total", labels,
                                         "Times a source waited for its token bucket or a rate-limit window.");
        char gname[160];
        snprintf(gname, sizeof(gname), "ricochet_ingest_source_lease_held");
        src->m_lease_held = rc_gauge(gname, labels, "1 while this replica holds the source's lease.");
        if (src->ops->init && src->ops->init(&src->state, src->conf, errstr, errstr_size))
            return -1;
        if (pthread_create(&src->thread, NULL, rc_source_main, src)) {
            snprintf(errstr, errstr_size, "source %s: cannot start its thread", src->name);
            return -1;
        }
        src->running = 1;
        rc_log_info("source %s (%s) started", src->name, src->ops->type);
    }
    return 0;
}

void rc_sources_stop(rc_sources_t *all) {
    if (!all)
        return;
    pthread_mutex_lock(&all->mu);
    atomic_store(&all->stop, 1);
    pthread_cond_broadcast(&all->cv);
    pthread_mutex_unlock(&all->mu);
    for (size_t i = 0; i < all->n; i++) {
        if (all->v[i]->running) {
            pthread_join(all->v[i]->thread, NULL);
            all->v[i]->running = 0;
        }
    }
}

void rc_sources_destroy(rc_sources_t *all) {
    if (!all)
        return;
    rc_sources_stop(all);
    for (size_t i = 0; i < all->n; i++)
        rc_source_destroy(all->v[i]);
    free(all->v);
    pthread_mutex_destroy(&all->mu);
    pthread_cond_destroy(&all->cv);
    free(all);
}

void rc_sources_config_reference(FILE *fp) {
    fprintf(fp, "\n## ingest.sources.&lt;name&gt;\n\nEvery source has these keys (docs/sources/):\n\n");
    rc_config_table_print(fp, "ingest.sources.<name>", rc_source_common_table, 1);
    for (size_t i = 0; rc_source_registry[i]; i++) {
        const rc_source_ops_t *ops = rc_source_registry[i];
        fprintf(fp, "\n### type: %s\n\n%s\n\n", ops->type, ops->desc);
        if (ops->config && ops->config[0].name)
            rc_config_table_print(fp, "ingest.sources.<name>", ops->config, 1);
    }
}
