/*
 * Case windows and idempotency keys for ricochet-route.
 *
 *   ricochet:idem:<sink>:<platform>:<post id>:<rule>  -> "<action>|<external id>"
 *       set once a post's action succeeded; a redelivered record finds it and
 *       is suppressed (no second ticket). TTL: route.idempotency_window.
 *   ricochet:case:<sink>:<case key>                   -> "<external id>"
 *       the open ticket of a case (default case key platform:author_id); a
 *       follow-up within route.case_window becomes a comment on it, and each
 *       follow-up extends the window.
 *
 * Lookups for a whole batch go in one pipelined round trip (a Lua script per
 * action reads both keys atomically), and so do the writes after the sink
 * calls. Without Redis (file mode with no redis.url) the same logic runs on
 * an in-process table, good for a single process only.
 *
 * Thread locality: one thread.
 */
#ifndef RC_CASES_H
#define RC_CASES_H

#include <stddef.h>

#include "redis.h"

typedef enum { RC_CASE_NEW = 0, RC_CASE_FOLLOW, RC_CASE_DUP } rc_case_state_t;

/* "platform:author id" (ingest allows a 32-byte platform, a 256-byte id). */
#define RC_CASE_KEY_MAX 320

typedef struct rc_case_q {
    char idem_key[1024];
    char case_key[RC_CASE_KEY_MAX + 256];
    rc_case_state_t state; /* out */
    char value[256];       /* out: FOLLOW: open ticket id; DUP: "<action>|<id>" */
} rc_case_q_t;

typedef struct rc_case_w {
    const char *idem_key, *idem_value; /* always written */
    const char *case_key, *case_value; /* written when case_value is non-empty */
} rc_case_w_t;

typedef struct rc_cases rc_cases_t;

/* "redis" is borrowed (NULL = in-process table). */
rc_cases_t *rc_cases_new(rc_redis_t *redis, long case_window_s, long idem_window_s);
void rc_cases_destroy(rc_cases_t *c); /* safe on NULL */
int rc_cases_check(rc_cases_t *c, rc_case_q_t *qs, size_t n, char *errstr, size_t errstr_size);
int rc_cases_commit(rc_cases_t *c, const rc_case_w_t *ws, size_t n, char *errstr, size_t errstr_size);

#endif
