/*
 * Sources: where ricochet-ingest reads posts from on its own (the webhook
 * is the other way in, pushed by someone else).
 *
 * Each source type is one file under ingest/sources/ exporting one
 * rc_source_ops_t, listed in ingest/sources/registry.c. A configured source
 * (ingest.sources.<name> in the YAML, with "type: <ops.type>") gets a conf
 * struct of ops.conf_size bytes that starts with rc_source_conf_t (the keys
 * every source has) followed by the type's own keys, bound by
 * rc_config_bind() from rc_source_common_table plus ops.config.
 *
 * Each configured source runs on its own thread (source.c, the runner):
 *
 *   loop until the worker stops:
 *     hold the source's Redis lease (only one ingest replica runs a given
 *       source at a time; the others wait and take over when it lapses)
 *     rc = ops.run(src)        one poll cycle, or one stream connection
 *     rc == 0: wait poll_interval (streams: backoff_initial); rc < 0: back off (exponential, jitter,
 *       at least what the platform asked for via rc_source_retry_after())
 *
 * Inside run() a source uses the runner's services:
 *   - rc_source_http(): a request that first takes a token from the
 *     source's Redis token bucket (a cap shared by all replicas), waits out
 *     a rate-limit window the platform announced in its headers
 *     (x-rate-limit-*, X-RateLimit-*, X-Ratelimit-*), and records the new
 *     window from the response; streams use the same call with
 *     req.on_data.
 *   - rc_source_submit(): hands raw payloads (one post each, in a form the
 *     normalisers recognise) to the ingest stage: normalised, deduplicated,
 *     produced. Asynchronous: returns once they are produced; the cursor
 *     given with a batch is written to Redis only when that batch and every
 *     batch before it were acknowledged by Kafka (or dead-lettered).
 *   - rc_source_cursor(): the last cursor written (since_id, time_us,
 *     fullname), to resume from after a restart.
 *   - rc_source_keep_going(): 0 once the worker stops or the lease was lost;
 *     long-running loops check it.
 *
 * Thread locality: everything here is called from the source's own thread;
 * an rc_source_t is never shared.
 */
#ifndef RC_SOURCE_H
#define RC_SOURCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "http_client.h"

typedef struct rc_source rc_source_t;

/* Keys every source has; the first member of each type's conf struct. */
typedef struct rc_source_conf {
    char *type;
    int enabled;
    long poll_interval_ms;   /* pollers: pause between cycles */
    double rate_per_s;       /* token bucket: requests per second across all replicas */
    long burst;              /* token bucket size */
    long lease_ttl_ms;       /* Redis lease; renewed every third of it */
    long backoff_initial_ms; /* first wait after a failure; doubles up to backoff_max */
    long backoff_max_ms;
    long request_timeout_ms; /* one polling request */
    long max_body;           /* bytes of one response (polling) or one line/event (streams) */
    long max_in_flight;      /* payloads submitted but not yet acknowledged before submit() waits */
} rc_source_conf_t;

/* The common keys, for docs and for binding (source.c). */
extern const rc_config_entry_t rc_source_common_table[];

typedef struct rc_source_ops {
    const char *type;                /* "x_stream", "mastodon_poll", ... */
    const char *desc;                /* one line for docs */
    const rc_config_entry_t *config; /* the type's own keys; offsets into the type's conf struct */
    size_t conf_size;                /* >= sizeof(rc_source_conf_t); the conf starts with it */
    /* Optional: check the bound conf beyond what the table can say (e.g.
     * "at least one of hashtags, lists"). Returns 0, or -1 with errstr. */
    int (*check)(const void *conf, char *errstr, size_t errstr_size);
    /* Optional: per-source state created once before the first run() and
     * destroyed at the end (*statep starts NULL; destroy is safe on NULL). */
    int (*init)(void **statep, const void *conf, char *errstr, size_t errstr_size);
    void (*destroy)(void *state);
    /* One poll cycle, or one stream connection until it ends. Returns 0
     * when it ended normally (the runner waits poll_interval before the
     * next; a stream that closed cleanly is reconnected after
     * backoff_initial), -1 on a failure the runner backs off from (errstr
     * says why; it is logged and counted). Must return soon after
     * rc_source_keep_going() turns 0. */
    int (*run)(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size);
    /* A stream: after run() returned 0 (a connection that worked ended)
     * the runner reconnects after backoff_initial, not poll_interval. */
    int streaming;
} rc_source_ops_t;

/* The registry: NULL-terminated list of every source type. */
extern const rc_source_ops_t *const rc_source_registry[];
const rc_source_ops_t *rc_source_find(const char *type);

/* ---- services for run() ---------------------------------------------- */

/* The configured name (ingest.sources.<name>). */
const char *rc_source_name(const rc_source_t *src);

/* A request with the source's politeness: waits for a token of the shared
 * bucket and for any announced rate-limit window to pass, performs "req"
 * with the source's own HTTP client (timeout request_timeout unless
 * req->timeout_ms says otherwise; body capped at max_body), reads the
 * rate-limit headers of the answer, and counts the request by status
 * class. A 429 or 5xx answer also sets the retry-after hint (Retry-After,
 * or the rate-limit reset). Returns what rc_http_do() returns; -1 without
 * a request when the worker is stopping. "resp" must be cleared by the
 * caller in every case. */
int rc_source_http(rc_source_t *src, const rc_http_request_t *req, rc_http_response_t *resp);

/* Hands "n" raw payloads (borrowed; copied before return) to the ingest
 * stage. "cursor" (may be NULL: no cursor change) is written to Redis once
 * these and every earlier payload are acknowledged by Kafka or
 * dead-lettered (a payload that cannot be normalised is dead-lettered
 * with its reason, and the cursor still moves past it: it is kept, not
 * lost). Returns 0, or -1 when an earlier batch failed to be delivered or
 * the worker is stopping: the source should then end run() with -1 and
 * resume from rc_source_cursor() next time (repeats are dropped by the
 * dedup window). Waits while max_in_flight payloads are unacknowledged. */
int rc_source_submit(rc_source_t *src, const char *const *payloads, const size_t *lens, size_t n,
                     const char *cursor);
/* Waits until everything submitted is acknowledged and its cursor written
 * (at the end of a poll cycle). Returns 0, or -1 as rc_source_submit(). */
int rc_source_flush(rc_source_t *src);

/* The cursor last written for this source (read from Redis when the source
 * starts), or NULL when there is none yet. Borrowed; valid until the next
 * submit/flush. */
const char *rc_source_cursor(rc_source_t *src);

/* Non-zero while the source should keep running: the worker is not
 * stopping and this replica still holds the lease (renewed here when due). */
int rc_source_keep_going(rc_source_t *src);

/* Ask the runner to wait at least "ms" before the next run() (after a 429
 * or an announced reset). */
void rc_source_retry_after(rc_source_t *src, long ms);

/* Sleep up to "ms", waking early when the worker stops. Returns
 * rc_source_keep_going(). */
int rc_source_sleep(rc_source_t *src, long ms);

/* The Redis connection of this source's thread (for a source's own cache,
 * e.g. Bluesky profiles), or NULL without Redis. */
struct rc_redis *rc_source_redis(rc_source_t *src);

/* Counts an event of this source: ricochet_ingest_source_events_total
 * {source="<name>",event="<event>"} (reconnect, heartbeat, malformed,
 * oversized, delete, edit, ...). */
void rc_source_count(rc_source_t *src, const char *event);

/* ---- for the ingest stage ---------------------------------------------- */

struct rc_worker;
typedef struct rc_sources rc_sources_t;

/* Binds and checks every ingest.sources.<name> of the config (also under
 * --check). Returns the set (caller owns; rc_sources_destroy()), or NULL
 * with "file:line: ..." in errstr. "sources" may be NULL (none). */
rc_sources_t *rc_sources_new(struct rc_worker *w, const rc_node_t *sources, char *errstr, size_t errstr_size);
size_t rc_sources_count(const rc_sources_t *all);
/* Starts a thread per enabled source. Returns 0, or -1 with errstr. */
int rc_sources_start(rc_sources_t *all, char *errstr, size_t errstr_size);
/* Stops and joins the threads (each hands its lease back). Safe to repeat. */
void rc_sources_stop(rc_sources_t *all);
void rc_sources_destroy(rc_sources_t *all); /* stops first; safe on NULL */
/* Markdown for --config-reference: the common keys and each type's keys. */
void rc_sources_config_reference(FILE *fp);

/* ---- pure helpers (unit-tested) -------------------------------------- */

/* Incremental line splitter for streams: feed bytes, take complete lines
 * ("\n" or "\r\n"; the terminator is not part of the line). A line longer
 * than "max_line" is reported once as oversized and skipped to its end. */
typedef struct rc_linebuf {
    char *buf;
    size_t len, cap, max_line;
    int skipping; /* inside an oversized line */
} rc_linebuf_t;

void rc_linebuf_init(rc_linebuf_t *lb, size_t max_line);
void rc_linebuf_free(rc_linebuf_t *lb);
/* Calls cb(opaque, line, len, oversized) for each complete line in the
 * buffered bytes plus "data"; oversized lines are passed with len 0 and
 * oversized 1. Stops and returns cb's first non-zero result; else 0
 * (-1 when out of memory). Bytes after the last newline stay buffered. */
int rc_linebuf_feed(rc_linebuf_t *lb, const char *data, size_t n,
                    int (*cb)(void *opaque, const char *line, size_t len, int oversized), void *opaque);

/* A rate-limit window read from response headers. */
typedef struct rc_ratelimit {
    int known;       /* a remaining-count header was present */
    double remaining;/* requests left in the window (Reddit sends a float) */
    long reset_ms;   /* ms from now until the window resets; -1 unknown */
} rc_ratelimit_t;

/* Reads x-rate-limit-remaining/-reset (X: reset in epoch seconds),
 * X-RateLimit-Remaining/-Reset (Mastodon: reset an ISO 8601 time), and
 * X-Ratelimit-Remaining/-Reset (Reddit: reset in seconds from now) from a
 * header block (rc_http_response_t.headers), with "now_ms" the current
 * time in ms since the epoch. Pure. */
rc_ratelimit_t rc_ratelimit_parse(const char *headers, long long now_ms);

/* Exponential backoff with full jitter: a random wait in
 * [base/2, min(max, initial * 2^attempt)] ms, attempt counting from 0;
 * "rnd" in [0, 1). Pure. */
long rc_backoff_ms(long initial_ms, long max_ms, int attempt, double rnd);

#endif
