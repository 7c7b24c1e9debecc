/*
 * The X API v2 sources (x.c): their configuration and the pure parts (URLs,
 * page splitting, stream lines, reconnect waits), declared here so
 * tests/unit/test_source_x.c can pin them without a network.
 */
#ifndef RC_SOURCE_X_H
#define RC_SOURCE_X_H

#include <stddef.h>

#include "source.h"

/* Both types share one conf; each binds only its own keys. */
typedef struct rc_x_conf {
    rc_source_conf_t base; /* must be first */
    char *base_url;        /* https://api.x.com */
    char *bearer_token;
    char *tweet_fields, *user_fields, *expansions;
    /* x_search */
    char *query;
    long max_results; /* 10..100 per page */
    long max_pages;   /* pages per poll cycle */
    /* x_stream */
    long backfill_minutes; /* 0 = off; 1..5 sent on reconnections */
    long idle_timeout_ms;  /* no byte (not even a keep-alive) for this long: reconnect */
} rc_x_conf_t;

extern const rc_source_ops_t rc_source_x_stream, rc_source_x_search;

/* GET /2/tweets/search/recent with the fields, "since_id" and
 * "pagination_token" (each may be NULL: left out). Returns a malloc'd URL
 * (caller frees), or NULL when out of memory. */
char *rc_x_search_url(const rc_x_conf_t *c, const char *since_id, const char *pagination_token);
/* GET /2/tweets/search/stream with the fields, and backfill_minutes when
 * "backfill_minutes" > 0. Malloc'd, or NULL. */
char *rc_x_stream_url(const rc_x_conf_t *c, long backfill_minutes);

/* One search page split into one payload per tweet, each exactly what the
 * x_v2 normaliser reads: {"data": tweet, "includes": {"users": [its author
 * and the authors of the tweets it references], "tweets": [the tweets it
 * references]}}. */
typedef struct rc_x_page {
    char **payloads; /* n malloc'd JSON texts */
    size_t *lens;
    size_t n;
    char *newest_id;       /* meta.newest_id, or NULL */
    char *next_token;      /* meta.next_token, or NULL on the last page */
    size_t partial_errors; /* entries of a top-level "errors" next to data (deleted references, ...) */
} rc_x_page_t;

/* Parses a 200 answer of recent search. Returns 0 (an empty page has n 0),
 * or -1 with the reason in errstr (not JSON, data not a list, an errors-only
 * answer). "out" is released with rc_x_page_free() in both cases. */
int rc_x_split_page(const char *body, size_t len, rc_x_page_t *out, char *errstr, size_t errstr_size);
void rc_x_page_free(rc_x_page_t *p); /* safe on a zeroed or freed one */

/* What one stream line is. */
typedef enum {
    RC_X_LINE_HEARTBEAT, /* blank: X's keep-alive every 20 s */
    RC_X_LINE_TWEET,     /* {"data": {...}, ...}: submitted; *id_out gets data.id when it is a decimal string */
    RC_X_LINE_MALFORMED, /* not JSON or not a tweet: still submitted, so the stage dead-letters it */
    RC_X_LINE_ERROR,     /* {"errors": [...]} without data (operational-disconnect, ...): ends the connection */
} rc_x_line_t;

/* Classifies a line (without its line end). "id_out" (>= 32 bytes) gets the
 * tweet id or ""; "err" gets "title: detail" of an error line. */
rc_x_line_t rc_x_stream_line(const char *line, size_t len, char *id_out, size_t id_size, char *err, size_t err_size);

/* Non-zero when decimal id "a" is newer (greater) than "b" (NULL: any id
 * is newer). */
int rc_x_id_newer(const char *a, const char *b);

/* X's reconnect guidance for a failed stream connection, attempt counting
 * from 0: network errors back off linearly (250 ms steps, up to 16 s),
 * HTTP errors exponentially (5 s doubling, up to 320 s), 429 exponentially
 * from 1 minute (up to 16 min) and never before the announced reset
 * ("reset_ms", -1 unknown). */
typedef enum { RC_X_FAIL_NETWORK, RC_X_FAIL_HTTP, RC_X_FAIL_RATE_LIMIT } rc_x_fail_t;
long rc_x_reconnect_ms(rc_x_fail_t kind, int attempt, long reset_ms);

/* "title: detail" (or the first error's message) of an X problem body, into
 * "out"; the start of the body when it is not one. */
void rc_x_problem(const char *body, size_t len, char *out, size_t out_size);

#endif
