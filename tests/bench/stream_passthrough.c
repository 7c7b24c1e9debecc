/*
 * bench_stream_passthrough: the ceiling of a streaming source.
 *
 *   bench_stream_passthrough -u URL -b BOOTSTRAP -o OUT_TOPIC -n COUNT [-T TIMEOUT_S]
 *
 * Reads the HTTP stream at URL (one JSON object per line, blank lines as
 * keep-alives: the X filtered stream's shape) with libcurl and produces each
 * non-empty line unchanged to OUT_TOPIC with the producer settings of the
 * worker runtime (idempotent, linger.ms=5, murmur2_random; keyless lines are
 * spread over partitions like the workers' keyed records). What it leaves
 * out is exactly ingest's own work: normalising, dedup, Avro encoding and
 * per-post tracking. The clock runs from the first byte of the body to the
 * delivery report of the COUNT-th line. Prints
 *   msgs=<COUNT> seconds=<S> msgs_per_s=<X>
 * and exits 0, or 1 when COUNT lines were not delivered within TIMEOUT_S.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source.h"

typedef struct {
    rd_kafka_t *producer;
    const char *topic;
    long produced, delivered, failed, want;
    double t_first, t_last, deadline;
    rc_linebuf_t lb;
} sp_state_t;

static double sp_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sp_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    sp_state_t *st = opaque;
    if (m->err) {
        st->failed++;
        return;
    }
    if (++st->delivered == st->want)
        st->t_last = sp_now();
}

static int sp_on_line(void *opaque, const char *line, size_t len, int oversized) {
    sp_state_t *st = opaque;
    if (oversized || len == 0 || st->produced >= st->want)
        return 0;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(st->producer, RD_KAFKA_V_TOPIC(st->topic),
                                                    RD_KAFKA_V_VALUE((void *)line, len),
                                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(st->producer, 10);
            continue;
        }
        if (err) {
            fprintf(stderr, "bench_stream_passthrough: produce: %s\n", rd_kafka_err2str(err));
            return 1;
        }
        break;
    }
    st->produced++;
    return 0;
}

static size_t sp_write(char *ptr, size_t size, size_t nmemb, void *opaque) {
    sp_state_t *st = opaque;
    size_t n = size * nmemb;
    if (!st->t_first)
        st->t_first = sp_now();
    if (rc_linebuf_feed(&st->lb, ptr, n, sp_on_line, st))
        return 0;
    rd_kafka_poll(st->producer, 0);
    /* Enough read: end the transfer (the fixture holds the stream open). */
    return st->produced >= st->want || sp_now() > st->deadline ? 0 : n;
}

int main(int argc, char **argv) {
    const char *url = NULL, *bootstrap = NULL, *topic = NULL;
    long timeout_s = 120;
    int opt;
    char errstr[512];
    sp_state_t st;

    memset(&st, 0, sizeof(st));
    while ((opt = getopt(argc, argv, "u:b:o:n:T:h")) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 'b': bootstrap = optarg; break;
        case 'o': topic = optarg; break;
        case 'n': st.want = atol(optarg); break;
        case 'T': timeout_s = atol(optarg); break;
        default:
            fprintf(stderr, "usage: bench_stream_passthrough -u URL -b BOOTSTRAP -o OUT_TOPIC -n COUNT [-T S]\n");
            return 2;
        }
    }
    if (!url || !bootstrap || !topic || st.want <= 0) {
        fprintf(stderr, "bench_stream_passthrough: -u, -b, -o and -n are required\n");
        return 2;
    }
    st.topic = topic;
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    if (rd_kafka_conf_set(pc, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(pc, "linger.ms", "5", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(pc, "partitioner", "murmur2_random", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(pc, "enable.idempotence", "true", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(pc, "log_level", "4", errstr, sizeof(errstr)) ||
        /* Lines have no key: without this librdkafka sticks to one partition
         * for 10 ms at a time, and a burst lands on two or three of them. */
        rd_kafka_conf_set(pc, "sticky.partitioning.linger.ms", "0", errstr, sizeof(errstr))) {
        fprintf(stderr, "bench_stream_passthrough: %s\n", errstr);
        rd_kafka_conf_destroy(pc);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(pc, sp_dr_cb);
    rd_kafka_conf_set_opaque(pc, &st);
    if (!(st.producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof(errstr)))) {
        fprintf(stderr, "bench_stream_passthrough: producer: %s\n", errstr);
        rd_kafka_conf_destroy(pc);
        return 1;
    }
    rc_linebuf_init(&st.lb, 1u << 20);
    st.deadline = sp_now() + (double)timeout_s;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sp_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_perform(c); /* ends by our write callback once COUNT lines are in */
    curl_easy_cleanup(c);
    while (st.delivered + st.failed < st.produced && sp_now() < st.deadline)
        rd_kafka_poll(st.producer, 50);
    rd_kafka_flush(st.producer, 10000);
    int ok = st.delivered >= st.want;
    if (ok) {
        double secs = st.t_last - st.t_first;
        printf("msgs=%ld seconds=%.3f msgs_per_s=%.0f\n", st.want, secs, secs > 0 ? (double)st.want / secs : 0);
    } else {
        fprintf(stderr, "bench_stream_passthrough: %ld of %ld delivered (%ld failed, %ld read)\n", st.delivered,
                st.want, st.failed, st.produced);
    }
    rc_linebuf_free(&st.lb);
    rd_kafka_destroy(st.producer);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
