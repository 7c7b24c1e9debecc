#include "worker.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_fast.h"
#include "log.h"
#include "offsets.h"
#include "redis.h"
#include "util.h"

#ifndef RICOCHET_VERSION
#define RICOCHET_VERSION "0.1.0"
#endif

/* ---- configuration tables ------------------------------------------------ */

#define RC_COMMON_OFF(f) offsetof(rc_common_conf_t, f)
static const rc_config_entry_t rc_common_table[] = {
    {"log.level", RC_CT_ENUM, "info", 0, 0, "debug|info|warn|error", RC_COMMON_OFF(log_level), 0,
     "Lowest level written to the JSON log on stderr."},
    {"kafka", RC_CT_PASSTHROUGH, NULL, 0, 0, NULL, RC_COMMON_OFF(kafka), 0,
     "librdkafka properties, passed through as they are (e.g. bootstrap.servers)."},
    {"topics.posts", RC_CT_STRING, "ricochet.posts", 0, 0, NULL, RC_COMMON_OFF(topic_posts), 0,
     "Topic of normalised posts (ingest -> enrich)."},
    {"topics.enriched", RC_CT_STRING, "ricochet.enriched", 0, 0, NULL, RC_COMMON_OFF(topic_enriched), 0,
     "Topic of enriched posts (enrich -> route)."},
    {"topics.actions", RC_CT_STRING, "ricochet.actions", 0, 0, NULL, RC_COMMON_OFF(topic_actions), 0,
     "Topic of Action records (route's audit trail)."},
    {"topics.dead_letter", RC_CT_STRING, "ricochet.dead-letter", 0, 0, NULL, RC_COMMON_OFF(topic_dead_letter), 0,
     "Topic of DeadLetter records from every stage."},
    {"redis.url", RC_CT_STRING, NULL, 0, 0, NULL, RC_COMMON_OFF(redis_url), 0,
     "redis://[:password@]host[:port][/db]; unset = no Redis (file mode only)."},
    {"redis.timeout", RC_CT_DURATION, "2s", 1, 600000, NULL, RC_COMMON_OFF(redis_timeout_ms), 0,
     "Connect and command timeout."},
    {"schema_registry.url", RC_CT_STRING, NULL, 0, 0, NULL, RC_COMMON_OFF(registry_url), 0,
     "Confluent-compatible Schema Registry; unset = Avro single-object encoding."},
    {"ingest", RC_CT_NODE, NULL, 0, 0, NULL, RC_COMMON_OFF(ingest), 0, "ricochet-ingest settings."},
    {"enrich", RC_CT_NODE, NULL, 0, 0, NULL, RC_COMMON_OFF(enrich), 0, "ricochet-enrich settings."},
    {"route", RC_CT_NODE, NULL, 0, 0, NULL, RC_COMMON_OFF(route), 0, "ricochet-route settings."},
    RC_CONFIG_END};

#define RC_STAGE_OFF(f) offsetof(rc_stage_conf_t, f)
static const rc_config_entry_t rc_stage_common_table[] = {
    {"http_port", RC_CT_INT, "0", 0, 65535, NULL, RC_STAGE_OFF(http_port), 0,
     "Port of /metrics, /healthz, /readyz (0 = any free port, logged at start)."},
    {"http_address", RC_CT_STRING, "0.0.0.0", 0, 0, NULL, RC_STAGE_OFF(http_address), 0, "Address to listen on."},
    {"http_max_body", RC_CT_SIZE, "1MiB", 1, 1 << 30, NULL, RC_STAGE_OFF(http_max_body), 0,
     "Largest request body accepted (413 beyond)."},
    {"group_id", RC_CT_STRING, NULL, 0, 0, NULL, RC_STAGE_OFF(group_id), 0,
     "Kafka consumer group (default ricochet-<stage>)."},
    {"input_topic", RC_CT_STRING, NULL, 0, 0, NULL, RC_STAGE_OFF(input_topic), 0,
     "Topic to consume instead of the default (ingest: raw JSON payloads, one per record, e.g. landed by "
     "another system; enrich: topics.posts; route: topics.enriched)."},
    {"batch_size", RC_CT_INT, "500", 1, 100000, NULL, RC_STAGE_OFF(batch_size), 0,
     "Records taken per processing round (Redis calls are pipelined per batch)."},
    {"max_in_flight", RC_CT_INT, "20000", 1, 10000000, NULL, RC_STAGE_OFF(max_in_flight), 0,
     "Unacknowledged outputs before consumption pauses (backpressure)."},
    {"shutdown_timeout", RC_CT_DURATION, "8s", 100, 600000, NULL, RC_STAGE_OFF(shutdown_timeout_ms), 0,
     "How long SIGTERM waits for in-flight outputs before giving up."},
    RC_CONFIG_END};

int rc_common_conf_bind(const rc_config_t *cfg, rc_common_conf_t *out, char *errstr, size_t errstr_size) {
    return rc_config_bind(cfg, NULL, rc_common_table, out, errstr, errstr_size);
}

void rc_common_conf_free(rc_common_conf_t *c) { rc_config_table_free(rc_common_table, c); }

/* ---- state --------------------------------------------------------------- */

struct rc_track {
    rc_offset_node_t node; /* first: consumed records are queued by offsets.c */
    int pending;
    int failed;
    int waiter;
    int deferred;  /* left for redelivery at shutdown: blocks its partition's offset, is no error */
    int abandoned; /* waiter: its input was freed before every delivery report came */
    int hold_released; /* waiter: rc_worker_input_wait() dropped the "being processed" hold */
    /* waiter (webhook) inputs only */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rc_input_t *in;
};

struct rc_worker {
    const rc_stage_t *stage;
    rc_config_t *cfg;
    rc_common_conf_t common;
    void *stage_conf;
    rc_config_entry_t *stage_table; /* common stage keys + the stage's own */
    void *stage_ctx;

    int file_mode, dry_run, checking;
    int started; /* stage->start() succeeded: stage->stop() is due */
    FILE *out, *dlq;
    rc_jbuf_t line; /* file mode: the line being written (main thread) */
    const char *topics[RC_OUT__CNT];
    const char *in_topic; /* the consumed topic's name */

    rd_kafka_t *producer, *consumer;
    rc_serde_t *serde;      /* main thread */
    rc_serde_t *serde_http; /* HTTP thread (webhook) */
    pthread_mutex_t serde_http_mu;
    pthread_t main_thread;
    rc_http_server_t *http;
    rc_redis_t *redis_ready; /* for /readyz, under ready_mu (HTTP threads) */
    pthread_mutex_t ready_mu;

    rc_offsets_t offsets; /* which consumed offsets may be stored (offsets.c) */
    _Atomic int in_flight;
    _Atomic int kafka_ok;
    _Atomic int assigned;
    /* Set when the worker must stop without committing; also set by the
     * webhook's HTTP thread (a registry outage while producing), hence
     * atomic. */
    _Atomic int fatal;
    /* Set once the shutdown flush is over: no delivery report is served
     * after it, so nothing may wait for one any more (webhook waiters, the
     * revoke callback run by rd_kafka_consumer_close()). */
    _Atomic int flushed;

    rc_metric_t *m_in, *m_out[RC_OUT__CNT + 1], *m_delivery_failed, *m_pauses, *m_in_flight,
        *m_batch_seconds;
};

static volatile sig_atomic_t rc_stop;
static void rc_on_signal(int sig) { rc_stop = sig; }

const rc_common_conf_t *rc_worker_common(const rc_worker_t *w) { return &w->common; }
const rc_config_t *rc_worker_config(const rc_worker_t *w) { return w->cfg; }
int rc_worker_file_mode(const rc_worker_t *w) { return w->file_mode; }
int rc_worker_dry_run(const rc_worker_t *w) { return w->dry_run; }
int rc_worker_checking(const rc_worker_t *w) { return w->checking; }
const char *rc_worker_topic(const rc_worker_t *w, rc_out_t out) { return w->topics[out]; }

rc_metric_t *rc_worker_counter(const rc_worker_t *w, const char *suffix, const char *labels, const char *help) {
    char name[160];
    snprintf(name, sizeof(name), "ricochet_%s_%s", w->stage->name, suffix);
    return rc_counter(name, labels, help);
}

static const char *const rc_out_names[RC_OUT__CNT + 1] = {"posts", "enriched", "actions", "sink_topic"};

/* The counter of output "out" (RC_OUT__CNT = a sink's topic). Main thread
 * or HTTP thread: creation is locked inside rc_counter(). */
static rc_metric_t *rc_worker_out_metric(rc_worker_t *w, int out) {
    if (!w->m_out[out]) {
        char labels[64];
        snprintf(labels, sizeof(labels), "output=\"%s\"", rc_out_names[out]);
        w->m_out[out] = rc_worker_counter(w, "records_out_total", labels, "Records produced, by output.");
    }
    return w->m_out[out];
}

static void rc_input_fail(rc_input_t *in);

/* ---- tracking ------------------------------------------------------------ */

static void rc_track_free_node(rc_offset_node_t *node) { free((rc_track_t *)node); }

static rc_offset_state_t rc_track_state(const rc_track_t *t) {
    return t->failed ? RC_OFFSET_FAILED : t->deferred ? RC_OFFSET_DEFERRED : RC_OFFSET_DONE;
}

static void rc_track_release(rc_worker_t *w, rc_track_t *t, int failed) {
    if (t->waiter) {
        pthread_mutex_lock(&t->mu);
        if (failed)
            t->failed = 1;
        int last = --t->pending == 0;
        if (last)
            pthread_cond_broadcast(&t->cv);
        int gone = last && t->abandoned;
        pthread_mutex_unlock(&t->mu);
        if (gone) {
            /* Its webhook request gave up waiting and freed the input: the
             * last delivery report frees the tracker. */
            pthread_mutex_destroy(&t->mu);
            pthread_cond_destroy(&t->cv);
            free(t);
        }
        return;
    }
    if (failed)
        t->failed = 1;
    if (--t->pending > 0)
        return;
    if (t->failed) {
        rc_log_error("a record of partition %d offset %lld could not be fully delivered; stopping so it is "
                     "redelivered",
                     t->node.part ? t->node.part->partition : -1, (long long)t->node.offset);
        w->fatal = 1;
    }
    rc_offsets_finish(&w->offsets, &t->node, rc_track_state(t)); /* may free t */
}

int rc_worker_stopping(const rc_worker_t *w) { return rc_stop != 0 || w->fatal; }

void rc_worker_input_defer(rc_input_t *in) {
    if (in->track && !in->track->waiter)
        in->track->deferred = 1;
    else
        rc_input_fail(in); /* a webhook caller is told to retry */
}

/* Marks "in" as not done: a consumed record's offset is then never stored
 * (nor any later one of its partition), so it is consumed again after a
 * restart; a webhook input's rc_worker_input_wait() fails, so the caller is
 * told to retry. For inputs that are lost otherwise: a record the registry
 * outage kept from being decoded, produced or dead-lettered. */
static void rc_input_fail(rc_input_t *in) {
    rc_track_t *t = in->track;

    if (!t)
        return; /* file mode: the run itself fails or logs it */
    if (t->waiter) {
        pthread_mutex_lock(&t->mu);
        t->failed = 1;
        pthread_mutex_unlock(&t->mu);
    } else {
        t->failed = 1;
    }
}

/* The end of processing for one consumed record: release its hold, or,
 * when the worker is stopping without committing, mark it failed without
 * the delivery-failure alarm (nothing failed to deliver). */
static void rc_track_abandon_or_release(rc_worker_t *w, rc_track_t *t, int abandon) {
    if (!abandon) {
        rc_track_release(w, t, 0);
        return;
    }
    t->failed = 1;
    if (--t->pending > 0)
        return; /* outputs in flight: their delivery reports finish it */
    rc_offsets_finish(&w->offsets, &t->node, RC_OFFSET_FAILED);
}

static void rc_offsets_flush(rc_worker_t *w) {
    rd_kafka_topic_partition_list_t *l = NULL;
    int32_t partition;
    int64_t offset;

    if (!w->consumer)
        return;
    while (rc_offsets_take(&w->offsets, &partition, &offset)) {
        if (!l)
            l = rd_kafka_topic_partition_list_new(8);
        rd_kafka_topic_partition_list_add(l, w->in_topic, partition)->offset = offset;
    }
    if (!l)
        return;
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(w->consumer, l);
    if (err)
        rc_log_warn("storing offsets: %s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(l);
}

/* ---- Kafka callbacks ----------------------------------------------------- */

static void rc_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    rc_log_level_t l = level <= 3 ? RC_LOG_ERROR : level == 4 ? RC_LOG_WARN : level <= 6 ? RC_LOG_INFO : RC_LOG_DEBUG;
    rc_log(l, "librdkafka %s %s: %s", rd_kafka_name(rk), fac, buf);
}

static void rc_kafka_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    rc_worker_t *w = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&w->kafka_ok, 0);
    if (rd_kafka_fatal_error(rk, NULL, 0)) {
        rc_log_error("kafka fatal error: %s", reason);
        w->fatal = 1;
        return;
    }
    rc_log_warn("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void rc_kafka_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    rc_worker_t *w = opaque;
    rc_track_t *t = m->_private;

    atomic_fetch_sub(&w->in_flight, 1);
    if (m->err) {
        rc_metric_inc(w->m_delivery_failed, 1);
        rc_log_error("delivery to %s failed: %s", rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
    } else {
        atomic_store(&w->kafka_ok, 1);
    }
    if (t)
        rc_track_release(w, t, m->err != 0);
}

static void rc_kafka_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t *parts, void *opaque) {
    rc_worker_t *w = opaque;
    int cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++)
            rc_offsets_assign(&w->offsets, parts->elems[i].partition);
        rc_log_info("assigned %d partition(s)", parts->cnt);
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
        atomic_fetch_add(&w->assigned, parts->cnt);
        return;
    }
    /* Revoked: finish what is in flight so its offsets are committed before
     * another member takes the partitions over (fewer redeliveries). Not
     * when closing after the shutdown flush: that already waited the whole
     * shutdown_timeout, and waiting again would double the time SIGTERM
     * takes. A signal during this flush cuts it short (the shutdown flush
     * follows). */
    if (!atomic_load(&w->flushed)) {
        int64_t deadline = rc_mono_ms() + ((rc_stage_conf_t *)w->stage_conf)->shutdown_timeout_ms;
        while (rd_kafka_flush(w->producer, 100) == RD_KAFKA_RESP_ERR__TIMED_OUT && !rc_stop &&
               rc_mono_ms() < deadline)
            ;
    }
    rc_offsets_flush(w);
    rd_kafka_commit(rk, NULL, 0);
    for (int i = 0; i < parts->cnt; i++)
        rc_offsets_revoke(&w->offsets, parts->elems[i].partition);
    rc_log_info("revoked %d partition(s)", parts->cnt);
    if (cooperative)
        rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
    else
        rd_kafka_assign(rk, NULL);
    atomic_fetch_sub(&w->assigned, parts->cnt);
}

typedef struct {
    rd_kafka_conf_t *conf;
    const rc_config_t *cfg;
    char *errstr;
    size_t errstr_size;
} rc_kconf_ctx_t;

static int rc_kconf_set_cb(void *opaque, const char *key, const char *value, int line) {
    rc_kconf_ctx_t *c = opaque;
    char kerr[256];
    if (rd_kafka_conf_set(c->conf, key, value ? value : "", kerr, sizeof(kerr)) != RD_KAFKA_CONF_OK) {
        snprintf(c->errstr, c->errstr_size, "%s:%d: key 'kafka.%s': %s", c->cfg->path, line, key, kerr);
        return -1;
    }
    return 0;
}

int rc_common_kafka_conf(const rc_config_t *cfg, const rc_common_conf_t *c, rd_kafka_conf_t *conf, char *errstr,
                         size_t errstr_size) {
    rc_kconf_ctx_t k = {conf, cfg, errstr, errstr_size};
    return c->kafka ? rc_node_flatten(c->kafka, rc_kconf_set_cb, &k) : 0;
}

/* Builds a librdkafka conf: ricochet's defaults, then the user's kafka.*
 * properties (which win), then what ricochet must control. */
static rd_kafka_conf_t *rc_kafka_conf(rc_worker_t *w, int consumer, char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char kerr[256];
    char client_id[64];

    snprintf(client_id, sizeof(client_id), "ricochet-%s", w->stage->name);
    rd_kafka_conf_set(conf, "client.id", client_id, kerr, sizeof(kerr));
    rd_kafka_conf_set(conf, "bootstrap.servers", "localhost:9092", kerr, sizeof(kerr));
    if (consumer) {
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", kerr, sizeof(kerr));
        /* librdkafka prefetches up to 64 MiB by default; with a backlog that
         * alone breaks a 64 MiB memory budget. 16 MiB still keeps the
         * pipeline fed (kafka.queued.max.messages.kbytes overrides it). */
        rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "16384", kerr, sizeof(kerr));
    } else {
        rd_kafka_conf_set(conf, "linger.ms", "5", kerr, sizeof(kerr));
        /* Java-compatible keyed partitioning, so other clients agree. */
        rd_kafka_conf_set(conf, "partitioner", "murmur2_random", kerr, sizeof(kerr));
    }
    if (rc_common_kafka_conf(w->cfg, &w->common, conf, errstr, errstr_size)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (consumer) {
        const char *gid = ((rc_stage_conf_t *)w->stage_conf)->group_id;
        char defgid[64];
        snprintf(defgid, sizeof(defgid), "ricochet-%s", w->stage->name);
        rd_kafka_conf_set(conf, "group.id", gid ? gid : defgid, kerr, sizeof(kerr));
        /* At-least-once: offsets are stored by us, only when done. */
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", kerr, sizeof(kerr));
        rd_kafka_conf_set(conf, "enable.auto.commit", "true", kerr, sizeof(kerr));
        rd_kafka_conf_set_rebalance_cb(conf, rc_kafka_rebalance_cb);
    } else {
        rd_kafka_conf_set(conf, "enable.idempotence", "true", kerr, sizeof(kerr));
        rd_kafka_conf_set_dr_msg_cb(conf, rc_kafka_dr_cb);
    }
    rd_kafka_conf_set_log_cb(conf, rc_kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, rc_kafka_error_cb);
    rd_kafka_conf_set_opaque(conf, w);
    return conf;
}

/* ---- outputs ------------------------------------------------------------- */

static int rc_on_main(const rc_worker_t *w) { return pthread_equal(pthread_self(), w->main_thread); }

/* Pause every assigned partition and serve delivery reports until the
 * producer has room again. Nothing is dropped: the record being emitted is
 * retried once there is room. */
static void rc_backpressure_wait(rc_worker_t *w) {
    rd_kafka_topic_partition_list_t *asg = NULL;

    if (!rc_on_main(w)) {
        usleep(10000); /* the main thread serves the queue */
        return;
    }
    rc_metric_inc(w->m_pauses, 1);
    if (w->consumer && rd_kafka_assignment(w->consumer, &asg) == 0 && asg->cnt)
        rd_kafka_pause_partitions(w->consumer, asg);
    do {
        rd_kafka_poll(w->producer, 50);
    } while (rd_kafka_outq_len(w->producer) > 0 &&
             atomic_load(&w->in_flight) > ((rc_stage_conf_t *)w->stage_conf)->max_in_flight / 2 && !rc_stop);
    if (asg) {
        if (asg->cnt)
            rd_kafka_resume_partitions(w->consumer, asg);
        rd_kafka_topic_partition_list_destroy(asg);
    }
}

static void rc_track_hold(rc_track_t *t) {
    if (!t)
        return;
    if (t->waiter) {
        pthread_mutex_lock(&t->mu);
        t->pending++;
        pthread_mutex_unlock(&t->mu);
    } else {
        t->pending++;
    }
}

static int rc_produce(rc_worker_t *w, rc_input_t *in, const char *topic, rc_schema_id_t schema, const char *key,
                      const json_t *record, char *errstr, size_t errstr_size) {
    void *buf = NULL;
    size_t len = 0;
    int on_main = rc_on_main(w);
    rc_serde_t *serde = on_main ? w->serde : w->serde_http;
    rd_kafka_resp_err_t err;

    int rc;
    for (int attempt = 1;; attempt++) {
        if (!on_main)
            pthread_mutex_lock(&w->serde_http_mu);
        rc = rc_serde_encode(serde, schema, topic, record, &buf, &len, errstr, errstr_size);
        int retriable = rc && rc_serde_error_is_retriable(serde);
        if (!on_main)
            pthread_mutex_unlock(&w->serde_http_mu);
        if (!retriable || w->fatal)
            break;
        /* Registry down while registering our schema: retry, then stop
         * without committing rather than dead-letter a good record. */
        if (attempt >= 5 || rc_stop) {
            rc_log_error("schema registry unavailable (%s); stopping without committing", errstr);
            w->fatal = 1;
            break;
        }
        rc_log_warn("schema registry unavailable (%s); retrying in %d s", errstr, attempt);
        sleep((unsigned)attempt);
    }
    if (rc)
        return -1;
    rc_track_hold(in ? in->track : NULL);
    atomic_fetch_add(&w->in_flight, 1);
    for (;;) {
        err = rd_kafka_producev(w->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                                RD_KAFKA_V_OPAQUE(in ? in->track : NULL), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        if (!on_main && atomic_load(&w->flushed))
            break; /* nobody serves the queue any more */
        rc_backpressure_wait(w);
    }
    if (err) {
        free(buf);
        atomic_fetch_sub(&w->in_flight, 1);
        if (in && in->track)
            rc_track_release(w, in->track, 0);
        snprintf(errstr, errstr_size, "produce to %s: %s", topic, rd_kafka_err2str(err));
        return -1;
    }
    if (in)
        in->outputs++;
    /* Once stopping, the shutdown flush drains what is in flight; pausing
     * here for every further output of the batch would only delay it. */
    if (on_main && !rc_stop && atomic_load(&w->in_flight) > ((rc_stage_conf_t *)w->stage_conf)->max_in_flight)
        rc_backpressure_wait(w);
    return 0;
}

static int rc_write_line(rc_worker_t *w, FILE *fp, const json_t *record, char *errstr, size_t errstr_size) {
    /* json_dumps' bytes, written straight into a kept buffer (json_dumps
     * cost as much as all the analysers together). 10 significant digits:
     * scores read as 0.4215, not 0.42149999999999999. */
    w->line.len = 0;
    if (rc_json_dump_append(&w->line, record, 10)) {
        snprintf(errstr, errstr_size, "cannot serialise record");
        return -1;
    }
    int ok = fwrite(w->line.buf, 1, w->line.len, fp) == w->line.len && fputc('\n', fp) != EOF;
    if (!ok) {
        snprintf(errstr, errstr_size, "write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int rc_worker_emit(rc_worker_t *w, rc_input_t *in, rc_out_t out, const char *key, const json_t *record, char *errstr,
                   size_t errstr_size) {
    if (w->file_mode) {
        if (rc_write_line(w, w->out, record, errstr, errstr_size))
            return -1;
        if (in)
            in->outputs++;
        rc_metric_inc(rc_worker_out_metric(w, out), 1);
        return 0;
    }
    static const rc_schema_id_t schemas[RC_OUT__CNT] = {RC_SCHEMA_POST, RC_SCHEMA_ENRICHED_POST, RC_SCHEMA_ACTION};
    if (rc_produce(w, in, w->topics[out], schemas[out], key, record, errstr, errstr_size))
        return -1;
    rc_metric_inc(rc_worker_out_metric(w, out), 1);
    return 0;
}

int rc_worker_emit_topic(rc_worker_t *w, rc_input_t *in, const char *topic, rc_schema_id_t schema, const char *key,
                         const json_t *record, char *errstr, size_t errstr_size) {
    if (w->file_mode)
        return 1;
    if (rc_produce(w, in, topic, schema, key, record, errstr, errstr_size))
        return -1;
    rc_metric_inc(rc_worker_out_metric(w, RC_OUT__CNT), 1);
    return 0;
}

int rc_worker_dead_letter(rc_worker_t *w, rc_input_t *in, const char *error_class, const char *fmt, ...) {
    char reason[1024], at[40], err[512];
    char *b64 = NULL;
    va_list ap;
    int ret = -1;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    /* A worker that is stopping without committing (registry outage, Kafka
     * fatal error, failed delivery) does not judge records any more: a
     * stage dead-letters what it cannot emit, and during a registry outage
     * that would send good records to the dead-letter topic. The record is
     * left undone instead and judged again after the restart. */
    if (!w->file_mode && w->fatal) {
        rc_log_warn("not dead-lettering a record (%s: %s): the worker is stopping without committing, so it is "
                    "processed again after a restart",
                    error_class, reason);
        rc_input_fail(in);
        return -1;
    }
    if (in->line) {
        /* Say which input line; a parser's own "line 1" is within the record. */
        char tmp[sizeof(reason)];
        memcpy(tmp, reason, sizeof(tmp));
        snprintf(reason, sizeof(reason), "input line %ld: %.990s", in->line, tmp);
    }
    rc_now_rfc3339(at, sizeof(at));
    /* A tombstone (null value) has no bytes at all; its payload is "". */
    const char *data = in->data ? in->data : "";
    size_t data_len = in->data ? in->len : 0;
    int utf8 = rc_utf8_valid(data, data_len);
    if (!utf8)
        b64 = rc_base64(data, data_len);
    json_t *dl = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s%, s:s, s:s}", "stage", w->stage->name, "reason",
                           reason, "error_class", error_class, "topic",
                           in->topic ? json_string(in->topic) : json_null(), "partition",
                           in->offset >= 0 ? json_integer(in->partition) : json_null(), "offset",
                           in->offset >= 0 ? json_integer(in->offset) : json_null(), "payload",
                           utf8 ? data : (b64 ? b64 : ""), utf8 ? data_len : strlen(b64 ? b64 : ""),
                           "payload_encoding", utf8 ? "utf8" : "base64", "at", at);
    free(b64);
    if (!dl)
        goto out;
    char where[300];
    if (in->line)
        snprintf(where, sizeof(where), "line %ld", in->line);
    else if (in->topic)
        snprintf(where, sizeof(where), "%s [%d] offset %lld", in->topic, (int)in->partition, (long long)in->offset);
    else
        snprintf(where, sizeof(where), "%s", in->origin ? in->origin : "webhook request");
    rc_log_warn("dead-letter (%s) %s: %s", error_class, where, reason);
    if (w->file_mode) {
        if (w->dlq)
            ret = rc_write_line(w, w->dlq, dl, err, sizeof(err));
        else
            ret = 0; /* the log line above carries it */
        goto out;
    }
    char key[256] = "";
    if (in->key)
        snprintf(key, sizeof(key), "%.*s", (int)in->key_len, in->key);
    ret = rc_produce(w, in, w->common.topic_dead_letter, RC_SCHEMA_DEAD_LETTER, key[0] ? key : NULL, dl, err,
                     sizeof(err));
    if (ret)
        rc_log_error("could not dead-letter a record, so it is processed again after a restart: %s", err);
out:
    if (ret == 0) {
        char labels[64];
        snprintf(labels, sizeof(labels), "class=\"%s\"", error_class);
        rc_metric_inc(rc_worker_counter(w, "dead_letters_total", labels, "Inputs sent to the dead-letter topic."), 1);
        in->dead = 1;
        snprintf(in->dead_reason, sizeof(in->dead_reason), "%.199s", reason);
    } else {
        /* Neither judged nor passed on: it must not be committed (a webhook
         * caller is told to retry). */
        rc_input_fail(in);
    }
    json_decref(dl);
    return ret;
}

/* ---- webhook inputs ------------------------------------------------------ */

rc_input_t *rc_worker_input_new_waiter(rc_worker_t *w, const char *data, size_t len) {
    rc_input_t *in = calloc(1, sizeof(*in));
    rc_track_t *t = calloc(1, sizeof(*t));
    if (!in || !t) {
        free(in);
        free(t);
        return NULL;
    }
    in->data = data;
    in->len = len;
    in->offset = -1;
    t->waiter = 1;
    t->pending = 1;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    in->track = w->file_mode ? NULL : t;
    if (w->file_mode) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        free(t);
    }
    return in;
}

int rc_worker_input_wait(rc_worker_t *w, rc_input_t *in, long timeout_ms) {
    rc_track_t *t = in->track;
    struct timespec ts;
    int ret = 0;

    if (!t)
        return 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->mu);
    if (!t->hold_released) {
        t->pending--; /* the "being processed" hold (once, however often we wait) */
        t->hold_released = 1;
    }
    /* In slices: once the worker's shutdown flush is over no delivery
     * report will come, so give up then rather than hold the HTTP server
     * (and so the process) until the timeout. */
    while (t->pending > 0 && ret == 0 && !atomic_load(&w->flushed)) {
        struct timespec now, slice;
        clock_gettime(CLOCK_REALTIME, &now);
        slice = now;
        slice.tv_nsec += 200 * 1000000L;
        if (slice.tv_nsec >= 1000000000L) {
            slice.tv_sec++;
            slice.tv_nsec -= 1000000000L;
        }
        if (slice.tv_sec > ts.tv_sec || (slice.tv_sec == ts.tv_sec && slice.tv_nsec > ts.tv_nsec))
            slice = ts;
        ret = pthread_cond_timedwait(&t->cv, &t->mu, &slice);
        if (ret == ETIMEDOUT && (slice.tv_sec != ts.tv_sec || slice.tv_nsec != ts.tv_nsec))
            ret = 0; /* only a slice is over */
    }
    int failed = t->failed || t->pending > 0;
    pthread_mutex_unlock(&t->mu);
    return failed ? -1 : 0;
}

int rc_worker_input_status(rc_worker_t *w, rc_input_t *in) {
    rc_track_t *t = in->track;
    int st;

    if (!t)
        return 1;
    pthread_mutex_lock(&t->mu);
    if (!t->hold_released) {
        t->pending--;
        t->hold_released = 1;
    }
    st = t->failed ? -1 : t->pending == 0 ? 1 : atomic_load(&w->flushed) ? -1 : 0;
    pthread_mutex_unlock(&t->mu);
    return st;
}

void rc_worker_input_free(rc_input_t *in) {
    if (!in)
        return;
    rc_track_t *t = in->track;
    if (t) {
        /* A timed-out wait may still have deliveries outstanding: then the
         * tracker is not freed under their feet; the last one frees it. */
        pthread_mutex_lock(&t->mu);
        if (!t->hold_released) {
            /* Never waited on (the request was refused before processing). */
            t->pending--;
            t->hold_released = 1;
        }
        int busy = t->pending > 0;
        if (busy)
            t->abandoned = 1; /* the last delivery report frees it */
        pthread_mutex_unlock(&t->mu);
        if (!busy) {
            pthread_mutex_destroy(&t->mu);
            pthread_cond_destroy(&t->cv);
            free(t);
        }
    }
    json_decref(in->record);
    free(in);
}

/* ---- readiness ----------------------------------------------------------- */

static int rc_worker_ready(void *opaque, char *why, size_t why_size) {
    rc_worker_t *w = opaque;

    if (!w->file_mode && !atomic_load(&w->kafka_ok)) {
        snprintf(why, why_size, "kafka not reachable");
        return 0;
    }
    if (w->common.redis_url) {
        char err[256];
        pthread_mutex_lock(&w->ready_mu);
        if (!w->redis_ready)
            w->redis_ready = rc_redis_connect(w->common.redis_url, 1000, err, sizeof(err));
        int redis_ok = w->redis_ready && rc_redis_ping(w->redis_ready) == 0;
        pthread_mutex_unlock(&w->ready_mu);
        if (!redis_ok) {
            snprintf(why, why_size, "redis not reachable");
            return 0;
        }
    }
    if (w->consumer && atomic_load(&w->assigned) <= 0) {
        snprintf(why, why_size, "no partitions assigned");
        return 0;
    }
    return 1;
}

/* ---- loops --------------------------------------------------------------- */

static void rc_inputs_clear(rc_input_t *ins, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_decref(ins[i].record);
        ins[i].record = NULL;
    }
}

static int rc_process(rc_worker_t *w, rc_input_t *ins, size_t n) {
    rc_input_t *ptrs[n ? n : 1];
    size_t m = 0;
    int64_t t0 = rc_mono_ms();

    for (size_t i = 0; i < n; i++)
        if (!ins[i].dead)
            ptrs[m++] = &ins[i];
    rc_metric_inc(w->m_in, n);
    int rc = m ? w->stage->process(w->stage_ctx, w, ptrs, m) : 0;
    rc_metric_observe(w->m_batch_seconds, (double)(rc_mono_ms() - t0) / 1000.0);
    return rc;
}

int rc_worker_process_inputs(rc_worker_t *w, rc_input_t **in, size_t n) {
    int64_t t0 = rc_mono_ms();
    rc_metric_inc(w->m_in, n);
    int rc = w->stage->process(w->stage_ctx, w, in, n);
    rc_metric_observe(w->m_batch_seconds, (double)(rc_mono_ms() - t0) / 1000.0);
    return rc;
}

/* Decode a consumed record; undecodable ones are dead-lettered here so a
 * stage only ever sees valid records. */
static void rc_decode_input(rc_worker_t *w, rc_input_t *in) {
    char err[512];

    if (w->stage->in_schema == RC_SCHEMA__CNT)
        return;
    if (w->file_mode) {
        json_error_t jerr;
        /* The jsmn fast path builds the tree json_loadb would (for objects;
         * anything else, or anything unusual, is left to json_loadb). */
        in->record = rc_payload_parse_fast(in->data, in->len);
        if (!in->record)
            in->record = json_loadb(in->data, in->len, 0, &jerr);
        if (!in->record) {
            rc_worker_dead_letter(w, in, "parse", "invalid JSON at column %d: %s", jerr.column, jerr.text);
            in->dead = 1; /* keep it from process() even if that failed */
            return;
        }
        /* File mode JSON must still be a valid record of the schema. */
        void *buf = NULL;
        size_t len = 0;
        if (rc_serde_encode(w->serde, w->stage->in_schema, NULL, in->record, &buf, &len, err, sizeof(err))) {
            json_decref(in->record);
            in->record = NULL;
            rc_worker_dead_letter(w, in, "schema", "not a valid %s: %s", rc_schema_name(w->stage->in_schema), err);
            in->dead = 1;
            return;
        }
        free(buf);
        return;
    }
    for (int attempt = 1;; attempt++) {
        in->record = rc_serde_decode(w->serde, w->stage->in_schema, in->data, in->len, err, sizeof(err));
        if (in->record || !rc_serde_error_is_retriable(w->serde))
            break;
        /* The schema registry is unreachable: not the record's fault, so
         * never dead-letter it. Retry a little, then stop without committing
         * so the record is read again after a restart. Marking it failed is
         * what keeps its offset from being stored: the batch loop releases
         * every input once process() returns. */
        if (attempt >= 5 || rc_stop || w->fatal) {
            rc_log_error("schema registry unavailable (%s); stopping without committing", err);
            w->fatal = 1;
            in->dead = 1; /* keep it from process() */
            rc_input_fail(in);
            return;
        }
        rc_log_warn("schema registry unavailable (%s); retrying in %d s", err, attempt);
        sleep((unsigned)attempt);
    }
    if (!in->record) {
        rc_worker_dead_letter(w, in, "schema", "%s", err);
        in->dead = 1;
    }
}

static int rc_file_loop(rc_worker_t *w, const char *in_path) {
    FILE *fp = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
    size_t bs = (size_t)((rc_stage_conf_t *)w->stage_conf)->batch_size;
    rc_input_t *ins = calloc(bs, sizeof(*ins));
    char **lines = calloc(bs, sizeof(*lines));
    size_t *caps = calloc(bs, sizeof(*caps));
    long lineno = 0;
    int ret = -1;

    if (!fp) {
        rc_log_error("cannot open %s: %s", in_path, strerror(errno));
        goto out;
    }
    if (!ins || !lines || !caps)
        goto out;
    for (;;) {
        size_t n = 0;
        while (n < bs && !rc_stop) {
            ssize_t len = getline(&lines[n], &caps[n], fp);
            if (len < 0)
                break;
            lineno++;
            while (len > 0 && (lines[n][len - 1] == '\n' || lines[n][len - 1] == '\r'))
                lines[n][--len] = '\0';
            if (len == 0)
                continue; /* blank lines separate nothing in JSON Lines */
            ins[n] = (rc_input_t){.data = lines[n], .len = (size_t)len, .offset = -1, .line = lineno};
            rc_decode_input(w, &ins[n]);
            n++;
        }
        if (n == 0)
            break;
        int rc = rc_process(w, ins, n);
        rc_inputs_clear(ins, n);
        if (rc) {
            rc_log_error("processing failed at line %ld; stopping", lineno);
            goto out;
        }
        if (rc_stop)
            break;
    }
    fflush(w->out);
    ret = 0;
out:
    if (fp && fp != stdin)
        fclose(fp);
    for (size_t i = 0; lines && i < bs; i++)
        free(lines[i]);
    free(lines);
    free(caps);
    free(ins);
    return ret;
}

static int rc_kafka_loop(rc_worker_t *w) {
    size_t bs = (size_t)((rc_stage_conf_t *)w->stage_conf)->batch_size;
    rd_kafka_message_t **msgs = calloc(bs, sizeof(*msgs));
    rc_input_t *ins = calloc(bs, sizeof(*ins));
    int ret = 0;

    if (!msgs || !ins) {
        free(msgs);
        free(ins);
        return -1;
    }
    while (!rc_stop && !w->fatal) {
        if (!w->consumer) {
            /* ingest: inputs come from the HTTP thread; serve deliveries. */
            rd_kafka_poll(w->producer, 100);
            continue;
        }
        size_t n = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(w->consumer, 100);
        while (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    rc_log_warn("consume: %s", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            } else {
                atomic_store(&w->kafka_ok, 1);
                msgs[n] = m;
                rc_input_t *in = &ins[n];
                rc_track_t *t = calloc(1, sizeof(*t));
                if (!t)
                    abort();
                *in = (rc_input_t){.data = m->payload, .len = m->len, .key = m->key, .key_len = m->key_len,
                                   .topic = rd_kafka_topic_name(m->rkt), .partition = m->partition,
                                   .offset = m->offset, .track = t};
                t->pending = 1;
                rc_offsets_push(&w->offsets, &t->node, m->partition, m->offset);
                if (!m->payload) {
                    rc_worker_dead_letter(w, in, "parse", "empty record (null value)");
                    in->dead = 1;
                } else {
                    rc_decode_input(w, in);
                }
                n++;
            }
            /* Once stopping, take no more: each would wait out its own
             * registry retries, and none of them would be committed. */
            if (n >= bs || w->fatal)
                break;
            m = rd_kafka_consumer_poll(w->consumer, 0);
        }
        if (n) {
            if (rc_process(w, ins, n)) {
                rc_log_error("processing failed; stopping without committing the batch");
                w->fatal = 1;
            }
            /* Drop the "being processed" holds. After a failure the records
             * are marked failed: their offsets are never stored, they are
             * read again after the restart. */
            for (size_t i = 0; i < n; i++)
                rc_track_abandon_or_release(w, ins[i].track, w->fatal);
            rc_inputs_clear(ins, n);
            for (size_t i = 0; i < n; i++)
                rd_kafka_message_destroy(msgs[i]);
        }
        rd_kafka_poll(w->producer, 0);
        rc_offsets_flush(w);
        rc_metric_set(w->m_in_flight, atomic_load(&w->in_flight));
    }
    free(msgs);
    free(ins);
    if (w->fatal)
        ret = -1;
    return ret;
}

/* ---- set-up and main ----------------------------------------------------- */

static void rc_usage(const rc_stage_t *stage, FILE *fp) {
    fprintf(fp,
            "Usage: ricochet-%s [-c FILE] [--check] [--in FILE --out FILE] [--dead-letter FILE]\n"
            "%s\n\n"
            "  -c, --config FILE      YAML configuration (one file for every stage)\n"
            "      --check            validate the configuration and exit (0 valid; else file:line and why)\n"
            "      --in FILE          read JSON Lines from FILE ('-' = stdin) instead of Kafka\n"
            "      --out FILE         write JSON Lines to FILE ('-' = stdout) instead of Kafka\n"
            "      --dead-letter FILE file mode: write dead letters here (default: logged on stderr)\n"
            "      --dry-run          decide but do not act (route: no sink is called)\n"
            "      --version          print the version\n"
            "      --config-reference print every configuration key as Markdown\n"
            "  -h, --help             this text\n\n"
            "Configuration keys:\n",
            stage->name, stage->description);
    rc_config_table_print(fp, NULL, rc_common_table, 0);
    rc_config_table_print(fp, stage->name, rc_stage_common_table, 0);
    if (stage->config)
        rc_config_table_print(fp, stage->name, stage->config, 0);
}

static rc_config_entry_t *rc_stage_table_build(const rc_stage_t *stage) {
    size_t a = 0, b = 0;
    while (rc_stage_common_table[a].name)
        a++;
    while (stage->config && stage->config[b].name)
        b++;
    rc_config_entry_t *t = calloc(a + b + 1, sizeof(*t));
    if (!t)
        return NULL;
    memcpy(t, rc_stage_common_table, a * sizeof(*t));
    if (b)
        memcpy(t + a, stage->config, b * sizeof(*t));
    /* Each stage has its own default port, so three workers on one host do
     * not collide out of the box. */
    static char portdef[16];
    snprintf(portdef, sizeof(portdef), "%d", stage->default_http_port);
    for (size_t i = 0; i < a; i++)
        if (!strcmp(t[i].name, "http_port"))
            t[i].def = portdef;
    return t;
}

static void rc_worker_destroy(rc_worker_t *w) {
    if (!w)
        return;
    rc_http_server_destroy(w->http);
    if (w->stage->destroy)
        w->stage->destroy(w->stage_ctx);
    if (w->consumer)
        rd_kafka_destroy(w->consumer);
    if (w->producer)
        rd_kafka_destroy(w->producer);
    rc_serde_destroy(w->serde);
    rc_serde_destroy(w->serde_http);
    rc_redis_destroy(w->redis_ready);
    if (w->stage_table) {
        rc_config_table_free(w->stage_table, w->stage_conf);
        free(w->stage_table);
    }
    free(w->stage_conf);
    rc_config_table_free(rc_common_table, &w->common);
    rc_config_destroy(w->cfg);
    if (w->out && w->out != stdout)
        fclose(w->out);
    if (w->dlq)
        fclose(w->dlq);
    free(w->line.buf);
    rc_offsets_clear(&w->offsets);
    pthread_mutex_destroy(&w->serde_http_mu);
    pthread_mutex_destroy(&w->ready_mu);
    free(w);
}

static void rc_worker_metrics_init(rc_worker_t *w) {
    static const double batch_buckets[] = {0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

    w->m_in = rc_worker_counter(w, "records_in_total", NULL, "Records taken in (consumed, read or received).");
    /* Output counters are created on first use (rc_worker_out_metric), so
     * a stage exports only the outputs it has. */
    /* Dead-letter series exist from the start at 0: Prometheus' increase()
     * sees no increase in a series whose first sample is already 1, so an
     * alert would miss the first dead letter. */
    static const char *const classes[] = {"parse", "schema", "validation", "sink", "internal"};
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "class=\"%s\"", classes[i]);
        rc_worker_counter(w, "dead_letters_total", labels, "Inputs sent to the dead-letter topic.");
    }
    w->m_delivery_failed =
        rc_worker_counter(w, "delivery_failures_total", NULL, "Outputs Kafka did not acknowledge.");
    w->m_pauses = rc_worker_counter(w, "backpressure_pauses_total", NULL,
                                    "Times consumption paused because too many outputs were unacknowledged.");
    char name[128];
    snprintf(name, sizeof(name), "ricochet_%s_in_flight", w->stage->name);
    w->m_in_flight = rc_gauge(name, NULL, "Outputs produced but not yet acknowledged.");
    snprintf(name, sizeof(name), "ricochet_%s_batch_duration_seconds", w->stage->name);
    w->m_batch_seconds = rc_histogram(name, NULL, "Time to process one batch of records.", batch_buckets,
                                      sizeof(batch_buckets) / sizeof(batch_buckets[0]));
}

static void rc_worker_summary(rc_worker_t *w) {
    json_t *s = json_object();
    json_object_set_new(s, "records_in", json_integer((json_int_t)rc_metric_value(w->m_in)));
    json_t *outs = json_object();
    for (int i = 0; i <= RC_OUT__CNT; i++)
        if (rc_metric_value(w->m_out[i]))
            json_object_set_new(outs, rc_out_names[i], json_integer((json_int_t)rc_metric_value(w->m_out[i])));
    json_object_set_new(s, "records_out", outs);
    uint64_t dead = 0;
    static const char *classes[] = {"parse", "schema", "validation", "sink", "internal"};
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "class=\"%s\"", classes[i]);
        dead += rc_metric_value(rc_worker_counter(w, "dead_letters_total", labels, "Inputs sent to the dead-letter topic."));
    }
    json_object_set_new(s, "dead_lettered", json_integer((json_int_t)dead));
    if (w->stage->summary && w->stage_ctx)
        w->stage->summary(w->stage_ctx, s);
    char *txt = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rc_log_info("summary %s", txt ? txt : "{}");
    free(txt);
    json_decref(s);
}

int rc_worker_main(int argc, char **argv, const rc_stage_t *stage) {
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check", no_argument, NULL, 'C'},
                                         {"in", required_argument, NULL, 'i'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"dead-letter", required_argument, NULL, 'd'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"config-reference", no_argument, NULL, 'R'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cfg_path = NULL, *in_path = NULL, *out_path = NULL, *dlq_path = NULL;
    int check = 0, opt, ret = 1;
    char errstr[1024] = "";
    rc_worker_t *w = NULL;

    /* No fastbins: a worker frees a whole batch of small jansson nodes at a
     * time, and librdkafka frees produced buffers as their deliveries are
     * reported, which coalesce into large free chunks; each such free made
     * glibc consolidate every fastbin (malloc_consolidate was ~28% of
     * enrich's CPU under perf). Small allocations still come from the
     * per-thread cache. Measured: enrich ~27-35 -> ~19-23 us of CPU per
     * record (docs/bench.md). */
    mallopt(M_MXFAST, 0);
    rc_log_set_stage(stage->name);
    while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'C':
            check = 1;
            break;
        case 'i':
            in_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'd':
            dlq_path = optarg;
            break;
        case 'n': /* read below, once the worker exists */
            break;
        case 'V':
            printf("ricochet-%s %s\n", stage->name, RICOCHET_VERSION);
            return 0;
        case 'h':
            rc_usage(stage, stdout);
            return 0;
        case 'R':
            /* The docs come from the same tables as validation and --help. */
            printf("## ricochet-%s\n\nShared sections (every worker reads them):\n\n", stage->name);
            rc_config_table_print(stdout, NULL, rc_common_table, 1);
            printf("\nThe `%s:` section:\n\n", stage->name);
            {
                rc_config_entry_t *t = rc_stage_table_build(stage);
                rc_config_table_print(stdout, stage->name, t, 1);
                free(t);
            }
            if (stage->config_reference)
                stage->config_reference(stdout);
            return 0;
        default:
            rc_usage(stage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ricochet-%s: unexpected argument '%s' (see --help)\n", stage->name, argv[optind]);
        return 2;
    }
    if ((in_path != NULL) != (out_path != NULL)) {
        fprintf(stderr, "ricochet-%s: --in and --out go together\n", stage->name);
        return 2;
    }

    w = calloc(1, sizeof(*w));
    if (!w)
        return 1;
    w->stage = stage;
    w->main_thread = pthread_self();
    pthread_mutex_init(&w->serde_http_mu, NULL);
    rc_offsets_init(&w->offsets, rc_track_free_node);
    pthread_mutex_init(&w->ready_mu, NULL);
    w->file_mode = in_path != NULL;
    w->checking = check;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--dry-run"))
            w->dry_run = 1;

    /* Configuration: the whole file's common sections and this stage's. */
    w->cfg = cfg_path ? rc_config_load_file(cfg_path, errstr, sizeof(errstr))
                      : rc_config_load_string("{}\n", "<defaults>", errstr, sizeof(errstr));
    if (!w->cfg)
        goto cfg_error;
    if (rc_config_bind(w->cfg, NULL, rc_common_table, &w->common, errstr, sizeof(errstr)))
        goto cfg_error;
    w->stage_table = rc_stage_table_build(stage);
    w->stage_conf = calloc(1, stage->conf_size < sizeof(rc_stage_conf_t) ? sizeof(rc_stage_conf_t) : stage->conf_size);
    if (!w->stage_table || !w->stage_conf)
        goto out;
    if (rc_config_bind(w->cfg, stage->name, w->stage_table, w->stage_conf, errstr, sizeof(errstr)))
        goto cfg_error;
    rc_log_level_t lvl = RC_LOG_INFO;
    rc_log_level_parse(w->common.log_level, &lvl);
    rc_log_set_level(lvl);
    w->topics[RC_OUT_POSTS] = w->common.topic_posts;
    w->topics[RC_OUT_ENRICHED] = w->common.topic_enriched;
    w->topics[RC_OUT_ACTIONS] = w->common.topic_actions;
    if (((rc_stage_conf_t *)w->stage_conf)->input_topic)
        w->in_topic = ((rc_stage_conf_t *)w->stage_conf)->input_topic;
    else if (stage->in_topic)
        w->in_topic = !strcmp(stage->in_topic, "posts") ? w->common.topic_posts : w->common.topic_enriched;
    rc_worker_metrics_init(w);

    /* Kafka configuration is validated by librdkafka itself, so --check
     * catches a misspelt kafka.* property too. */
    if (!w->file_mode || check) {
        rd_kafka_conf_t *kc = rc_kafka_conf(w, 0, errstr, sizeof(errstr));
        if (!kc)
            goto cfg_error;
        rd_kafka_conf_destroy(kc);
    }
    w->serde = rc_serde_new(w->file_mode ? NULL : w->common.registry_url, errstr, sizeof(errstr));
    w->serde_http = rc_serde_new(w->file_mode ? NULL : w->common.registry_url, errstr, sizeof(errstr));
    if (!w->serde || !w->serde_http) {
        rc_log_error("serde: %s", errstr);
        goto out;
    }
    if (stage->init(&w->stage_ctx, w, w->stage_conf, errstr, sizeof(errstr)))
        goto cfg_error;
    if (check) {
        fprintf(stderr, "%s: configuration is valid for ricochet-%s\n", cfg_path ? cfg_path : "<defaults>",
                stage->name);
        ret = 0;
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rc_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (w->file_mode) {
        w->out = strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
        if (!w->out) {
            rc_log_error("cannot open %s: %s", out_path, strerror(errno));
            goto out;
        }
        if (dlq_path && !(w->dlq = fopen(dlq_path, "w"))) {
            rc_log_error("cannot open %s: %s", dlq_path, strerror(errno));
            goto out;
        }
        ret = rc_file_loop(w, in_path) ? 1 : 0;
        rc_worker_summary(w);
        goto out;
    }

    /* Service mode. */
    rc_stage_conf_t *sc = w->stage_conf;
    rd_kafka_conf_t *pc = rc_kafka_conf(w, 0, errstr, sizeof(errstr));
    if (!pc || !(w->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof(errstr)))) {
        rc_log_error("kafka producer: %s", errstr);
        goto out;
    }
    if (w->in_topic) {
        rd_kafka_conf_t *cc = rc_kafka_conf(w, 1, errstr, sizeof(errstr));
        if (!cc || !(w->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, sizeof(errstr)))) {
            rc_log_error("kafka consumer: %s", errstr);
            goto out;
        }
        rd_kafka_poll_set_consumer(w->consumer);
        const char *topic = w->in_topic;
        rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t err = rd_kafka_subscribe(w->consumer, sub);
        rd_kafka_topic_partition_list_destroy(sub);
        if (err) {
            rc_log_error("subscribe %s: %s", topic, rd_kafka_err2str(err));
            goto out;
        }
    }
    /* One metadata round trip tells whether the cluster is reachable. */
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(w->producer, 0, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_store(&w->kafka_ok, 1);
        rd_kafka_metadata_destroy(md);
    } else {
        rc_log_warn("kafka not reachable yet; will keep trying");
    }

    w->http = rc_http_server_new(sc->http_address, (int)(sc->http_port ? sc->http_port : 0), (size_t)sc->http_max_body,
                                 stage->name, rc_worker_ready, w, errstr, sizeof(errstr));
    if (!w->http)
        goto out;
    if (stage->http_routes)
        stage->http_routes(w->stage_ctx, w, w->http);
    if (rc_http_server_start(w->http, errstr, sizeof(errstr))) {
        rc_log_error("%s", errstr);
        goto out;
    }
    rc_log_info("ricochet-%s %s started: http port %d, %s %s", stage->name, RICOCHET_VERSION,
                rc_http_server_port(w->http), w->in_topic ? "consuming" : "producing to",
                w->in_topic ? w->in_topic : w->common.topic_posts);

    if (stage->start && stage->start(w->stage_ctx, w, errstr, sizeof(errstr))) {
        rc_log_error("%s", errstr);
        goto out;
    }
    w->started = 1;
    int lrc = rc_kafka_loop(w);

    /* Shutdown: stop taking input, finish in-flight, commit, leave. */
    rc_log_info("stopping (%s): waiting up to %ld ms for %d in-flight output(s)",
                rc_stop ? "signal" : "error", sc->shutdown_timeout_ms, atomic_load(&w->in_flight));
    rd_kafka_resp_err_t ferr = rd_kafka_flush(w->producer, (int)sc->shutdown_timeout_ms);
    int unacked = ferr ? rd_kafka_outq_len(w->producer) : 0;
    atomic_store(&w->flushed, 1);
    if (stage->stop && w->started)
        stage->stop(w->stage_ctx);
    if (w->consumer) {
        rc_offsets_flush(w);
        if (!w->fatal) {
            rd_kafka_resp_err_t cerr = rd_kafka_commit(w->consumer, NULL, 0);
            if (cerr && cerr != RD_KAFKA_RESP_ERR__NO_OFFSET)
                rc_log_warn("final commit: %s", rd_kafka_err2str(cerr));
        }
        rd_kafka_consumer_close(w->consumer);
    }
    if (ferr) {
        /* Outputs Kafka never acknowledged: purge them, so their delivery
         * reports (failed) release the trackers they hold. */
        rd_kafka_purge(w->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(w->producer, 500);
    }
    rc_worker_summary(w);
    if (ferr) {
        rc_log_error("%d output(s) still unacknowledged at shutdown; their inputs will be redelivered",
                     unacked);
        ret = 1;
    } else {
        ret = lrc ? 1 : 0;
    }
    goto out;

cfg_error:
    fprintf(stderr, "ricochet-%s: %s\n", stage->name, errstr);
    ret = 2;
out:
    rc_worker_destroy(w);
    return ret;
}
