/*
 * bench_load: write stdin's lines to a topic as raw records, spread evenly
 * over its partitions.
 *
 *   bench_load -b BOOTSTRAP -t TOPIC < lines
 *
 * Each record is keyed by its line number, so the murmur2 partitioner
 * spreads the records evenly. (Unkeyed records would go through the sticky
 * partitioner, which fills a few partitions in long runs; the embedded
 * broker keeps only ~5 MiB of a partition, so the oldest records of a full
 * one would be gone before the bench reads them.) Prints
 * "bench_load: N record(s) to TOPIC" on stderr; exits 1 unless every
 * record was acknowledged.
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bl_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    long *failed = opaque;
    if (m->err) {
        if (!*failed)
            fprintf(stderr, "bench_load: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*failed)++;
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *topic = NULL;
    char errstr[512], key[32];
    long failed = 0, n = 0;
    int opt;

    while ((opt = getopt(argc, argv, "b:t:h")) != -1) {
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 't': topic = optarg; break;
        case 'h': printf("Usage: bench_load -b BOOTSTRAP -t TOPIC < lines\n"); return 0;
        default: return 2;
        }
    }
    if (!bootstrap || !topic) {
        fprintf(stderr, "bench_load: -b BOOTSTRAP and -t TOPIC are required\n");
        return 2;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "linger.ms", "20", errstr, sizeof(errstr))) {
        fprintf(stderr, "bench_load: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, bl_dr_cb);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "bench_load: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        int klen = snprintf(key, sizeof(key), "%ld", n);
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)klen),
                                        RD_KAFKA_V_VALUE(line, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 50);
        if (err) {
            fprintf(stderr, "bench_load: produce: %s\n", rd_kafka_err2str(err));
            failed++;
            break;
        }
        n++;
        rd_kafka_poll(rk, 0);
    }
    free(line);
    int unflushed = rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_destroy(rk);
    fprintf(stderr, "bench_load: %ld record(s) to %s\n", n - failed, topic);
    return failed || unflushed ? 1 : 0;
}
