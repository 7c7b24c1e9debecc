/*
 * The worker runtime shared by ricochet-ingest, -enrich and -route.
 *
 * A stage is a table of callbacks (rc_stage_t); rc_worker_main() does
 * everything else: flags (-c, --check, --version, --help, --in/--out),
 * config loading and validation, logging, the HTTP endpoint, Kafka, Avro,
 * the consume -> process -> produce loop, offsets, backpressure, dead
 * letters and graceful shutdown.
 *
 * Delivery semantics (at-least-once): every consumed record gets a tracker
 * holding one reference for "being processed" plus one per output the stage
 * emits (rc_worker_emit, rc_worker_dead_letter). Delivery reports release
 * references; when a record's count reaches zero it is done, and a
 * partition's offset is stored only up to its oldest record not yet done,
 * so a commit never passes a record whose outputs are unacknowledged.
 *
 * Thread locality: the loop, process() and delivery reports run on the main
 * thread. HTTP routes run on the HTTP thread; rc_worker_emit() may be called
 * there only for inputs created by rc_worker_input_new_waiter().
 */
#ifndef RC_WORKER_H
#define RC_WORKER_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "http_server.h"
#include "metrics.h"
#include "serde.h"

typedef struct rc_worker rc_worker_t;
typedef struct rc_track rc_track_t;

/* Keys every stage section has (the first member of each stage's conf). */
typedef struct rc_stage_conf {
    long http_port;
    char *http_address;
    long http_max_body;
    char *group_id;
    char *input_topic; /* overrides the consumed topic; for ingest, consume raw payloads from it */
    long batch_size;
    long max_in_flight;
    long shutdown_timeout_ms;
} rc_stage_conf_t;

/* Sections shared by every stage. */
typedef struct rc_common_conf {
    char *log_level;
    char *topic_posts, *topic_enriched, *topic_actions, *topic_dead_letter;
    char *redis_url;
    long redis_timeout_ms;
    char *registry_url;
    const rc_node_t *kafka;
    /* The stage sections, borrowed from the config (each stage binds its own). */
    const rc_node_t *ingest, *enrich, *route;
} rc_common_conf_t;

/* One input record: a Kafka message, a line of a file, or a webhook body. */
typedef struct rc_input {
    const char *data; /* raw bytes (borrowed; valid during process()) */
    size_t len;
    const char *key;  /* may be NULL */
    size_t key_len;
    json_t *record;   /* the decoded record for consuming stages (owned by the worker), NULL for raw input */
    const char *topic;/* NULL for files and webhooks */
    int32_t partition;
    int64_t offset;   /* -1 for files and webhooks */
    long line;        /* 1-based line in file mode, else 0 */
    const char *origin; /* for messages, when neither topic nor line: e.g. "source x-brand" (borrowed; NULL = webhook) */
    rc_track_t *track;/* internal */
    int outputs;      /* how many outputs the stage emitted for it */
    int dead;         /* dead-lettered */
    char dead_reason[200]; /* with "dead": why, for a webhook's answer (cut to fit) */
} rc_input_t;

typedef enum { RC_OUT_POSTS = 0, RC_OUT_ENRICHED, RC_OUT_ACTIONS, RC_OUT__CNT } rc_out_t;

typedef struct rc_stage {
    const char *name;              /* "ingest" | "enrich" | "route" */
    const char *description;       /* one line for --help */
    int default_http_port;
    const char *in_topic;          /* "posts" / "enriched" (a topics.* key), NULL: no consumer (ingest) */
    rc_schema_id_t in_schema;      /* schema of consumed records; RC_SCHEMA__CNT = raw bytes (ingest) */
    const rc_config_entry_t *config; /* the stage's own keys (after the common ones) */
    size_t conf_size;              /* >= sizeof(rc_stage_conf_t); the conf starts with rc_stage_conf_t */
    /* Create the stage context; "conf" is bound and outlives the context. */
    int (*init)(void **ctxp, rc_worker_t *w, const void *conf, char *errstr, size_t errstr_size);
    /* Process "n" inputs. For each, emit outputs and/or dead-letter it.
     * Return 0, or -1 on a fatal error (the worker stops without storing
     * these inputs' offsets, so they are redelivered). */
    int (*process)(void *ctx, rc_worker_t *w, rc_input_t **in, size_t n);
    /* Optional: add HTTP routes before the server starts. */
    void (*http_routes)(void *ctx, rc_worker_t *w, rc_http_server_t *srv);
    /* Optional: extra Markdown for --config-reference (route: each sink type's keys). */
    void (*config_reference)(FILE *fp);
    /* Optional, service mode only: start the stage's own threads (ingest's
     * sources) once Kafka and the HTTP server are up, and stop them at
     * shutdown, after the final flush (so threads waiting for delivery
     * reports are released; their unacknowledged work is redone next time). */
    int (*start)(void *ctx, rc_worker_t *w, char *errstr, size_t errstr_size);
    void (*stop)(void *ctx);
    /* Optional: lines for the end-of-run summary (file mode and shutdown). */
    void (*summary)(void *ctx, json_t *summary);
    void (*destroy)(void *ctx); /* safe on NULL */
} rc_stage_t;

/* Bind the common sections (log, kafka, topics, redis, schema_registry) of
 * "cfg" into "out" (free with rc_common_conf_free()); for tools. */
int rc_common_conf_bind(const rc_config_t *cfg, rc_common_conf_t *out, char *errstr, size_t errstr_size);
void rc_common_conf_free(rc_common_conf_t *c);
/* Apply kafka.* of "c" to "conf"; returns -1 with "file:line: ..." on a bad property. */
int rc_common_kafka_conf(const rc_config_t *cfg, const rc_common_conf_t *c, rd_kafka_conf_t *conf, char *errstr,
                         size_t errstr_size);

/* Run a worker: parses argv, returns the process exit status. */
int rc_worker_main(int argc, char **argv, const rc_stage_t *stage);

/* Emit "record" (borrowed) for "in" to the stage output "out", keyed by
 * "key" (may be NULL). In Kafka mode it is Avro-encoded and produced; in
 * file mode it is written as one JSON line. Returns 0, or -1 with errstr
 * (the caller should then dead-letter the input). */
int rc_worker_emit(rc_worker_t *w, rc_input_t *in, rc_out_t out, const char *key, const json_t *record, char *errstr,
                   size_t errstr_size);
/* The same to any topic with any schema (the Kafka sink). In file mode
 * nothing is produced and 1 is returned. */
int rc_worker_emit_topic(rc_worker_t *w, rc_input_t *in, const char *topic, rc_schema_id_t schema, const char *key,
                         const json_t *record, char *errstr, size_t errstr_size);
/* Send "in" to the dead-letter topic (file mode: --dead-letter file, or a
 * log line) with "error_class" (parse | schema | validation | sink |
 * internal) and the reason. Counted. Returns 0, or -1 if even that failed. */
int rc_worker_dead_letter(rc_worker_t *w, rc_input_t *in, const char *error_class, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Accessors for stages. */
const rc_common_conf_t *rc_worker_common(const rc_worker_t *w);
const rc_config_t *rc_worker_config(const rc_worker_t *w);
int rc_worker_file_mode(const rc_worker_t *w);
int rc_worker_dry_run(const rc_worker_t *w);
/* Non-zero once the worker is shutting down (SIGTERM, or stopping without
 * committing): long waits (retries) should give up. */
int rc_worker_stopping(const rc_worker_t *w);
/* The stage leaves "in" unfinished at shutdown (not the input's fault):
 * its offset, and its partition's after it, are not stored, so it is
 * processed again after a restart; it is neither dead-lettered nor an error. */
void rc_worker_input_defer(rc_input_t *in);
/* Non-zero under --check: validate, but connect to nothing. */
int rc_worker_checking(const rc_worker_t *w);
const char *rc_worker_topic(const rc_worker_t *w, rc_out_t out);

/* Webhook inputs (HTTP thread): an input whose completion is awaited with
 * rc_worker_input_wait() instead of an offset. rc_worker_input_wait()
 * returns 0 when every output was acknowledged, -1 on a delivery failure or
 * timeout. rc_worker_input_free() releases it (after wait). */
rc_input_t *rc_worker_input_new_waiter(rc_worker_t *w, const char *data, size_t len);
int rc_worker_input_wait(rc_worker_t *w, rc_input_t *in, long timeout_ms);
/* Without blocking: 1 when every output of "in" was acknowledged, -1 when
 * one failed (or the worker flushed for shutdown with some still out), 0
 * while some are pending. Like rc_worker_input_wait() it first ends the
 * "being processed" hold; either may be called any number of times. */
int rc_worker_input_status(rc_worker_t *w, rc_input_t *in);
void rc_worker_input_free(rc_input_t *in);
/* Hand webhook inputs to the stage's process() (counted and timed like any
 * other input). Returns process()'s result. */
int rc_worker_process_inputs(rc_worker_t *w, rc_input_t **in, size_t n);

/* A metric named ricochet_<stage>_<suffix>. */
rc_metric_t *rc_worker_counter(const rc_worker_t *w, const char *suffix, const char *labels, const char *help);

#endif
