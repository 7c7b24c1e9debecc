/* ricochet-route's stage table, configuration and what sinks may use. */
#ifndef RC_ROUTE_H
#define RC_ROUTE_H

#include "sink.h"
#include "worker.h"

typedef struct rc_route_conf {
    rc_stage_conf_t base; /* must be first */
    long case_window_ms;
    long idempotency_window_ms;
    long retry_max_attempts;
    long retry_backoff_ms;
    long retry_max_backoff_ms;
    char *default_subject;
    char *default_body;
    const rc_node_t *sinks;
    const rc_node_t *rules;
} rc_route_conf_t;

/* Services a sink may use. "current" is the input being routed, set by
 * route before each sink call (the Kafka sink ties its output to it). */
struct rc_sink_env {
    rc_worker_t *w;
    rc_input_t *current;
    const char *name; /* the sink's configured name */
};

extern const rc_stage_t rc_stage_route;

#endif
