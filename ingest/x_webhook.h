/*
 * X Account Activity webhooks: the CRC challenge, the request signature, and
 * splitting a delivery into one input per tweet event (docs/sources/x.md).
 *
 * X registers a webhook by sending GET <url>?crc_token=<T> and expects
 * {"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, T)>"}
 * within three seconds; it repeats the check every hour. Every POST carries
 * x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret,
 * body)>.
 *
 * Pure functions (no I/O, no globals): ingest/stage.c wires them into the
 * webhook; tests/unit/test_x_webhook.c pins them.
 */
#ifndef RC_X_WEBHOOK_H
#define RC_X_WEBHOOK_H

#include <stddef.h>

/* The JSON body answering a CRC challenge for "crc_token". Returns a
 * malloc'd NUL-terminated string the caller frees, or NULL when out of
 * memory. */
char *rc_x_crc_response(const char *consumer_secret, const char *crc_token);

/* 1 when "header_value" (the x-twitter-webhooks-signature header, may be
 * NULL) is "sha256=" and the base64 HMAC-SHA256 of body[0..len) under
 * "consumer_secret"; 0 otherwise. The comparison takes the same time
 * wherever the first difference is. */
int rc_x_signature_ok(const char *consumer_secret, const char *body, size_t len, const char *header_value);

/* One Account Activity delivery split into inputs the x_activity format
 * reads: each is {"for_user_id": ..., "tweet_create_events": [one]} or
 * {"for_user_id": ..., "tweet_delete_events": [one]}. */
typedef struct rc_x_events {
    char **payloads; /* n malloc'd JSON texts */
    size_t *lens;
    size_t n;
    size_t ignored; /* events of other kinds (likes, follows, DMs, ...) */
} rc_x_events_t;

/* When body[0..len) is one Account Activity object (for_user_id plus
 * *_events arrays, or a user_event), fills "out" (the caller releases it
 * with rc_x_events_free()) and returns 1; returns 0, leaving "out" empty,
 * for anything else (JSON Lines, another form: the caller treats the body
 * as before); -1 when out of memory. */
int rc_x_activity_split(const char *body, size_t len, rc_x_events_t *out);
void rc_x_events_free(rc_x_events_t *ev); /* safe on an empty or zeroed one */

#endif
