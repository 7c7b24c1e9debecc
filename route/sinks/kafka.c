/*
 * The "kafka" sink: the EnrichedPost produced to a topic of the user's
 * choice (for downstream consumers), keyed by case key. The record counts
 * as one of the routed input's outputs, so its offset is stored only when
 * this record is acknowledged too. Every post is produced (there are no
 * follow-ups on a topic).
 */
#include <stdlib.h>
#include <string.h>

#include "../route.h"

typedef struct rc_sink_kafka_conf {
    char *topic;
} rc_sink_kafka_conf_t;

typedef struct rc_sink_kafka {
    const rc_sink_kafka_conf_t *conf;
    struct rc_sink_env *env;
} rc_sink_kafka_t;

static const rc_config_entry_t rc_sink_kafka_table[] = {
    {"topic", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(rc_sink_kafka_conf_t, topic), 1,
     "Topic the EnrichedPost is produced to (Avro, like every ricochet topic)."},
    RC_CONFIG_END};

static int rc_sink_kafka_init(void **ctxp, const void *conf, struct rc_sink_env *env, char *errstr,
                              size_t errstr_size) {
    rc_sink_kafka_t *k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    k->conf = conf;
    k->env = env;
    *ctxp = k;
    return 0;
}

static int rc_sink_kafka_open(void *ctx, const rc_sink_request_t *req, rc_sink_result_t *res) {
    rc_sink_kafka_t *k = ctx;
    int rc = rc_worker_emit_topic(k->env->w, k->env->current, k->conf->topic, RC_SCHEMA_ENRICHED_POST, req->case_key,
                                  req->record, res->detail, sizeof(res->detail));
    if (rc < 0)
        return -1;
    if (rc == 1)
        snprintf(res->detail, sizeof(res->detail), "file mode: not produced to %s", k->conf->topic);
    snprintf(res->external_id, sizeof(res->external_id), "%s", k->conf->topic);
    return 0;
}

static void rc_sink_kafka_destroy(void *ctx) { free(ctx); }

const rc_sink_ops_t rc_sink_kafka = {
    .type = "kafka",
    .desc = "The EnrichedPost produced to a Kafka topic.",
    .config = rc_sink_kafka_table,
    .no_text = 1,
    .conf_size = sizeof(rc_sink_kafka_conf_t),
    .init = rc_sink_kafka_init,
    .open_case = rc_sink_kafka_open,
    .follow_up = NULL,
    .destroy = rc_sink_kafka_destroy,
};
