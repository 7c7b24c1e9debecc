/*
 * Sinks: where ricochet-route sends what needs a human.
 *
 * Each sink type is one file under route/sinks/ exporting one
 * rc_sink_ops_t, listed in route/sinks/registry.c. A configured sink
 * (route.sinks.<name> in the YAML, with "type: <ops.type>") gets its own
 * conf struct of ops.conf_size bytes filled from ops.config by
 * rc_config_bind(), then ops.init().
 *
 * Thread locality: a sink context is used by one thread (route's main loop).
 */
#ifndef RC_SINK_H
#define RC_SINK_H

#include <jansson.h>
#include <stddef.h>

#include "config.h"

/* What route hands a sink for one post. All pointers are borrowed for the
 * duration of the call. */
typedef struct rc_sink_request {
    const char *case_key;  /* e.g. "x:12345" */
    const char *subject;   /* one line */
    const char *body;      /* plain text */
    int priority;          /* 0..100, from urgency */
    const char *requestor; /* author handle, for display */
    const char *idempotency_key; /* stable for this post+rule+sink; a sink
                                  * that supports one sends it on */
    const json_t *record;  /* the EnrichedPost */
} rc_sink_request_t;

/* What the sink says happened. */
typedef struct rc_sink_result {
    char external_id[128]; /* ticket number or other id ("" if none) */
    long http_status;      /* last HTTP status, 0 if not HTTP */
    int retriable;         /* failure is transient (timeout, 429, 5xx) */
    long retry_after_ms;   /* from Retry-After, 0 if absent */
    char detail[512];      /* why it failed, or a short note */
} rc_sink_result_t;

struct rc_sink_env; /* services a sink may use (Kafka producer, ...); see route.h */

typedef struct rc_sink_ops {
    const char *type;                 /* "rt", "file", "kafka", ... */
    const char *desc;                 /* one line for docs */
    const rc_config_entry_t *config;  /* keys under route.sinks.<name> (besides "type") */
    int no_text;                      /* the sink ignores subject and body: route need not render them */
    size_t conf_size;                 /* size of the struct config binds into */
    /* Create the sink's context from its bound conf (borrowed; it outlives
     * the context). Returns 0, or -1 with errstr. */
    int (*init)(void **ctxp, const void *conf, struct rc_sink_env *env, char *errstr, size_t errstr_size);
    /* Open a new case (create a ticket, send an alert, write a line).
     * Returns 0 on success with res->external_id set when the sink has ids,
     * or -1 with res filled in. */
    int (*open_case)(void *ctx, const rc_sink_request_t *req, rc_sink_result_t *res);
    /* Add a follow-up to the case "external_id" (a comment on the ticket).
     * NULL when the sink has no notion of follow-ups: route then calls
     * open_case again. */
    int (*follow_up)(void *ctx, const char *external_id, const rc_sink_request_t *req, rc_sink_result_t *res);
    /* Safe on NULL. */
    void (*destroy)(void *ctx);
} rc_sink_ops_t;

/* The registry: NULL-terminated list of every sink type. */
extern const rc_sink_ops_t *const rc_sink_registry[];
const rc_sink_ops_t *rc_sink_find(const char *type);

#endif
