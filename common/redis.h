/*
 * Redis access for the shared windows (dedup, case windows, rate limits).
 *
 * A thin layer over hiredis's synchronous API that adds: URL parsing
 * (redis://[:password@]host[:port][/db]), one reconnect attempt when the
 * connection broke, pipelining of batches (one round trip for N posts), and
 * Lua scripts run by EVALSHA with a fallback to EVAL on NOSCRIPT, so that
 * multi-step updates are atomic.
 *
 * Thread locality: an rc_redis_t is used by one thread at a time.
 */
#ifndef RC_REDIS_H
#define RC_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct rc_redis rc_redis_t;

/* Parse "url" and connect (timeout in ms for connect and commands). Returns
 * NULL with errstr on failure. The caller owns the result. */
rc_redis_t *rc_redis_connect(const char *url, long timeout_ms, char *errstr, size_t errstr_size);
void rc_redis_destroy(rc_redis_t *r); /* safe on NULL */

/* 0 when PING answers PONG, -1 otherwise. */
int rc_redis_ping(rc_redis_t *r);

/* Dedup claims for "n" keys in one round trip: SET key "1" NX EX ttl_s for
 * each. first_seen[i] = 1 when the key was new (this caller claimed it), 0
 * when it existed. Returns 0, or -1 with errstr (nothing is known then). */
int rc_redis_claim_many(rc_redis_t *r, const char *const *keys, size_t n, long ttl_s, int *first_seen, char *errstr,
                        size_t errstr_size);

/* The same with an owner per key (e.g. the Kafka record that claims it):
 * first_seen[i] = 1 also when the key exists with this very owner, so a
 * record that is redelivered after a failure is not taken for its own repeat.
 * One atomic script per key, pipelined. */
int rc_redis_claim_owned_many(rc_redis_t *r, const char *const *keys, const char *const *owners, size_t n,
                              long ttl_s, int *first_seen, char *errstr, size_t errstr_size);

/* DEL one key (to release a claim whose work failed). */
int rc_redis_del(rc_redis_t *r, const char *key);

/* A Lua script; "sha" is computed from "src" on first use. */
typedef struct rc_redis_script {
    const char *src;
    char sha[41];
} rc_redis_script_t;

/* Run "s" with "nkeys" keys followed by args (argv has nkeys + nargs
 * strings). Returns the reply (caller frees with freeReplyObject()), or NULL
 * with errstr; a Redis error reply is also returned as NULL with its text. */
redisReply *rc_redis_eval(rc_redis_t *r, rc_redis_script_t *s, int nkeys, int argc, const char **argv, char *errstr,
                          size_t errstr_size);

/* Run one command given as argv; same return convention as rc_redis_eval. */
redisReply *rc_redis_command(rc_redis_t *r, int argc, const char **argv, char *errstr, size_t errstr_size);

/* Pipelining: queue commands, then run them all in one round trip.
 * rc_redis_pipeline_exec() returns 0 and fills replies[0..n) (each freed by
 * the caller with freeReplyObject(); an error reply is kept as such), or -1
 * with errstr when the connection failed (replies are then all NULL). */
int rc_redis_pipeline_append(rc_redis_t *r, int argc, const char **argv);
int rc_redis_pipeline_exec(rc_redis_t *r, size_t n, redisReply **replies, char *errstr, size_t errstr_size);
/* SCRIPT LOAD "s" so EVALSHA can be pipelined; fills s->sha. */
int rc_redis_script_load(rc_redis_t *r, rc_redis_script_t *s, char *errstr, size_t errstr_size);


/* Takes one token from the token bucket at "key" (rate_per_s tokens a
 * second, at most "burst" stored), shared by everyone using that key.
 * Returns 0 with *wait_ms 0 when a token was taken, or with *wait_ms > 0
 * (ms until the next token) when the bucket is empty; -1 with errstr when
 * Redis failed. */
int rc_redis_bucket_take(rc_redis_t *r, const char *key, double rate_per_s, long burst, long *wait_ms, char *errstr,
                         size_t errstr_size);

/* Take or renew the lease "key" for "owner" for ttl_ms (0: give it back).
 * Returns 1 when "owner" holds it (took or renewed; or gave it back), 0
 * when someone else holds it, -1 with errstr when Redis failed. */
int rc_redis_lease(rc_redis_t *r, const char *key, const char *owner, long ttl_ms, char *errstr, size_t errstr_size);

#endif
