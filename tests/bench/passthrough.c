/*
 * bench_passthrough: the ceiling a ricochet stage is measured against.
 *
 *   bench_passthrough -b BOOTSTRAP -t IN_TOPIC -o OUT_TOPIC -n COUNT [-g GROUP] [-T TIMEOUT_S]
 *
 * Consumes COUNT records of IN_TOPIC in its own consumer group and produces
 * each record's key and value unchanged to OUT_TOPIC, with the same client
 * settings and loop shape as the worker runtime (common/worker.c): a
 * separate consumer and idempotent producer, auto.offset.reset=earliest,
 * batches of up to 500 records taken with one blocking poll and then
 * non-blocking ones, linger.ms=5, the murmur2_random partitioner, delivery
 * reports served once per batch. What it leaves out is exactly the stage's
 * own work: decoding, processing, encoding, Redis and per-record tracking.
 * Offsets are committed by librdkafka's plain auto commit (the ceiling does
 * not pay for at-least-once bookkeeping).
 *
 * The clock runs from the first record consumed to the delivery report of
 * the COUNT-th record, so joining the consumer group is not counted. Prints
 * one line on stdout:
 *   msgs=<COUNT> seconds=<S> msgs_per_s=<X>
 * and exits 0, or exits 1 if COUNT records were not delivered within
 * TIMEOUT_S (default 120), or nothing was consumed for 20 s after the first
 * record (records missing from the topic).
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PT_BATCH 500

typedef struct {
    long delivered, failed, want;
    double t_last; /* when the want-th delivery report arrived */
} pt_state_t;

static double pt_t_assigned; /* when the first partitions were assigned */

static volatile sig_atomic_t pt_stop;
static void pt_on_signal(int s) { pt_stop = s; }

static double pt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pt_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    pt_state_t *st = opaque;
    if (m->err) {
        st->failed++;
        fprintf(stderr, "bench_passthrough: delivery failed: %s\n", rd_kafka_err2str(m->err));
        return;
    }
    if (++st->delivered == st->want)
        st->t_last = pt_now();
}

static void pt_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                            void *opaque) {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (!pt_t_assigned)
            pt_t_assigned = pt_now();
        rd_kafka_assign(rk, parts);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

/* Sets "name" on "conf"; on failure prints why and returns -1. */
static int pt_set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[256];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "bench_passthrough: %s=%s: %s\n", name, value, errstr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *in_topic = NULL, *out_topic = NULL, *group = "bench-passthrough";
    long want = 0, timeout_s = 120;
    int opt, ret = 1;
    char errstr[512];
    pt_state_t st = {0, 0, 0, 0};
    rd_kafka_t *consumer = NULL, *producer = NULL;
    rd_kafka_message_t *batch[PT_BATCH];

    while ((opt = getopt(argc, argv, "b:t:o:n:g:T:h")) != -1) {
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 't': in_topic = optarg; break;
        case 'o': out_topic = optarg; break;
        case 'n': want = atol(optarg); break;
        case 'g': group = optarg; break;
        case 'T': timeout_s = atol(optarg); break;
        case 'h':
            printf("Usage: bench_passthrough -b BOOTSTRAP -t IN_TOPIC -o OUT_TOPIC -n COUNT [-g GROUP] [-T TIMEOUT_S]\n"
                   "Consumes COUNT records and produces them unchanged; prints msgs=, seconds=, msgs_per_s=.\n");
            return 0;
        default: return 2;
        }
    }
    if (!bootstrap || !in_topic || !out_topic || want <= 0) {
        fprintf(stderr, "bench_passthrough: -b, -t, -o and -n COUNT (> 0) are required (see -h)\n");
        return 2;
    }
    st.want = want;

    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    if (pt_set(cc, "bootstrap.servers", bootstrap) || pt_set(cc, "client.id", "bench-passthrough") ||
        pt_set(cc, "group.id", group) || pt_set(cc, "auto.offset.reset", "earliest") ||
        pt_set(cc, "enable.auto.commit", "true") || pt_set(cc, "log_level", "4")) {
        rd_kafka_conf_destroy(cc);
        return 2;
    }
    rd_kafka_conf_set_rebalance_cb(cc, pt_rebalance_cb);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    if (pt_set(pc, "bootstrap.servers", bootstrap) || pt_set(pc, "client.id", "bench-passthrough") ||
        pt_set(pc, "linger.ms", "5") || pt_set(pc, "partitioner", "murmur2_random") ||
        pt_set(pc, "enable.idempotence", "true") || pt_set(pc, "log_level", "4")) {
        rd_kafka_conf_destroy(cc);
        rd_kafka_conf_destroy(pc);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(pc, pt_dr_cb);
    rd_kafka_conf_set_opaque(pc, &st);
    if (!(consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, sizeof(errstr)))) {
        fprintf(stderr, "bench_passthrough: consumer: %s\n", errstr);
        rd_kafka_conf_destroy(cc);
        rd_kafka_conf_destroy(pc);
        return 1;
    }
    if (!(producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof(errstr)))) {
        fprintf(stderr, "bench_passthrough: producer: %s\n", errstr);
        rd_kafka_conf_destroy(pc);
        goto out;
    }
    /* One metadata round trip at start, as the worker does: without it the
     * producer learns the output topic's partitions only on its next 1 s
     * metadata tick, and the first records wait for it. */
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(producer, 0, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, in_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err) {
        fprintf(stderr, "bench_passthrough: subscribe %s: %s\n", in_topic, rd_kafka_err2str(err));
        goto out;
    }
    signal(SIGINT, pt_on_signal);
    signal(SIGTERM, pt_on_signal);

    double t_start = pt_now(), t_first = 0, deadline = t_start + (double)timeout_s;
    double t_moved = 0;
    long consumed = 0;
    while (consumed < want && !pt_stop && pt_now() < deadline && !(t_first && pt_now() - t_moved > 20)) {
        size_t n = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
        while (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, "bench_passthrough: consume: %s\n", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            } else {
                t_moved = pt_now();
                if (!t_first)
                    t_first = t_moved;
                batch[n++] = m;
                if (++consumed >= want || n >= PT_BATCH)
                    break;
            }
            m = rd_kafka_consumer_poll(consumer, 0);
        }
        for (size_t i = 0; i < n; i++) {
            m = batch[i];
            while ((err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(out_topic), RD_KAFKA_V_KEY(m->key, m->key_len),
                                            RD_KAFKA_V_VALUE(m->payload, m->len),
                                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
                   RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(producer, 10);
            if (err) {
                fprintf(stderr, "bench_passthrough: produce: %s\n", rd_kafka_err2str(err));
                st.failed++;
            }
            rd_kafka_message_destroy(m);
        }
        rd_kafka_poll(producer, 0);
    }
    /* Everything is produced: serve delivery reports until the last one. */
    while (st.delivered + st.failed < consumed && !pt_stop && pt_now() < deadline)
        rd_kafka_poll(producer, 1);

    if (st.delivered < want || st.failed) {
        fprintf(stderr, "bench_passthrough: %ld of %ld record(s) consumed, %ld delivered, %ld failed (timeout %ld s)\n",
                consumed, want, st.delivered, st.failed, timeout_s);
        goto out;
    }
    double secs = st.t_last - t_first;
    printf("msgs=%ld seconds=%.3f msgs_per_s=%.0f assigned_to_first_s=%.3f\n", want, secs,
           secs > 0 ? (double)want / secs : 0.0, pt_t_assigned ? t_first - pt_t_assigned : -1.0);
    fflush(stdout);
    ret = 0;
out:
    if (consumer) {
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
    }
    if (producer) {
        rd_kafka_flush(producer, 5000);
        rd_kafka_destroy(producer);
    }
    return ret;
}
