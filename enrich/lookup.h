/*
 * The customer/CRM lookup (enrich.lookup): who the author of a post is to
 * the company, asked of an HTTP API by author handle, so that a gold
 * customer's complaint is more urgent (enrich/analysers/urgency.c).
 *
 * It must never hold up the stream. Per batch of posts:
 *   1. one Redis MGET for every distinct author (ricochet:customer:
 *      <platform>:<handle>, holding the mapped answer, TTL cache_ttl, or
 *      negative_cache_ttl for "not found");
 *   2. the misses fetched once each, concurrently (curl multi, at most
 *      max_concurrency at a time), all within one "timeout" from the start;
 *   3. the answers written back to Redis in one pipelined round trip.
 * Anything that fails (timeout, 5xx, malformed or oversized answer, the
 * circuit breaker open) marks the post's customer "unavailable" and the
 * post goes on. Redis down means asking the CRM directly (counted), with
 * Redis retried every few seconds.
 *
 * Parsing (URL template, field paths, the answer, the cached form) and the
 * circuit breaker are pure and exposed below for tests and fuzzing.
 *
 * Thread locality: an rc_lookup_t is used by one thread at a time (the
 * stage's process()); what it hands out is read-only and may be read by
 * several threads until the next rc_lookup_batch().
 */
#ifndef RC_LOOKUP_H
#define RC_LOOKUP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "analyse.h"
#include "config.h"

/* The keys of enrich.lookup (also printed by --config-reference). */
extern const rc_config_entry_t rc_lookup_config[];

typedef struct rc_lookup rc_lookup_t;

/* Binds "enrich.lookup" of "cfg" (borrowed; must outlive the lookup) and
 * prepares the lookup. "redis_url" (borrowed, may be NULL: no cache) is
 * connected to lazily; "connect" is 0 under --check (validate only).
 * Returns NULL with "file:line: ..." in errstr on a bad section. Without
 * enrich.lookup.url the lookup is disabled (every customer "disabled"). */
rc_lookup_t *rc_lookup_new(const rc_config_t *cfg, const char *redis_url, long redis_timeout_ms, int connect,
                           char *errstr, size_t errstr_size);
void rc_lookup_destroy(rc_lookup_t *lk); /* safe on NULL */
int rc_lookup_enabled(const rc_lookup_t *lk);

/* Looks up the author of each of the "n" Posts (borrowed; a NULL entry
 * gets "unavailable") and fills customers[i]. Never fails and never waits
 * much longer than enrich.lookup.timeout (plus a Redis round trip). The
 * strings and objects the customers point at belong to "lk" and stay valid
 * until the next rc_lookup_batch() or rc_lookup_destroy(). */
void rc_lookup_batch(rc_lookup_t *lk, const json_t *const *posts, size_t n, rc_customer_t *customers);

/* ---- pure parts ---------------------------------------------------------- */

/* Expands the URL template "tmpl": {{handle}}, {{platform}} and
 * {{author_id}} are replaced by the value, percent-encoded (everything but
 * RFC 3986's unreserved A-Z a-z 0-9 - . _ ~). Returns a malloc'd string, or
 * NULL with errstr for an unknown or unclosed placeholder, or a placeholder
 * whose value is NULL. */
char *rc_lookup_url(const char *tmpl, const char *handle, const char *platform, const char *author_id, char *errstr,
                    size_t errstr_size);

/* The field mapping: output name -> path into the answer. A path is
 * "$.a.b", "a.b", "a[0].b" or "$" alone (the whole answer). The field
 * "tier" becomes the customer's tier; the others its attributes. */
typedef struct rc_lookup_fields rc_lookup_fields_t;
/* "names" and "paths" (borrowed, "n" of each). Returns NULL with errstr
 * naming the bad path. */
rc_lookup_fields_t *rc_lookup_fields_new(const char *const *names, const char *const *paths, size_t n, char *errstr,
                                         size_t errstr_size);
void rc_lookup_fields_destroy(rc_lookup_fields_t *f); /* safe on NULL */

/* Maps a CRM answer (body[0..len), not NUL-terminated) to the cached form
 * {"status": "ok", "tier": "gold" | null, "attributes": {name: "text"}}.
 * A mapped string is kept as is (cut to 256 bytes); a number, boolean,
 * object or array becomes its compact JSON text; null or a path that is
 * not there leaves the field out. Returns a new object, or NULL with
 * errstr when the body is longer than "max_body" or is not JSON. */
json_t *rc_lookup_map_answer(const rc_lookup_fields_t *f, const char *body, size_t len, size_t max_body, char *errstr,
                             size_t errstr_size);

/* Parses a cached value (as rc_lookup_map_answer() makes it, or
 * {"status": "not_found"}) into a new object with exactly the keys status,
 * tier and attributes, or NULL when it is not such a value. */
json_t *rc_lookup_parse_cached(const char *s, size_t len);

/* Points "c" into "cached" (an object from one of the two calls above,
 * borrowed: it must outlive "c"). */
void rc_lookup_customer_of(const json_t *cached, rc_customer_t *c);

/* The circuit breaker: after "threshold" consecutive failures it opens and
 * refuses calls for "open_for_ms"; then it lets one probe through
 * (half-open): its success closes the breaker, its failure opens it again.
 * Times are the caller's (monotonic ms), so tests inject the clock. */
typedef enum { RC_BREAKER_CLOSED = 0, RC_BREAKER_OPEN, RC_BREAKER_HALF_OPEN } rc_breaker_state_t;
typedef struct rc_breaker {
    rc_breaker_state_t state;
    long threshold, open_for_ms;
    long failures; /* consecutive, while closed */
    int64_t opened_at_ms;
    int probing; /* half-open: the probe is out */
} rc_breaker_t;

void rc_breaker_init(rc_breaker_t *b, long threshold, long open_for_ms);
/* 1 when a call may be made now (and, half-open, it is the probe), 0 when
 * not. */
int rc_breaker_allow(rc_breaker_t *b, int64_t now_ms);
/* The outcome of a call that rc_breaker_allow() let through. Outcomes that
 * arrive while the breaker is open (calls made before it opened) change
 * nothing. */
void rc_breaker_record(rc_breaker_t *b, int ok, int64_t now_ms);

#endif
