/* ricochet consume / ricochet produce: topic tools for operators and tests. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

int rc_cli_schema(const char *name) {
    if (!strcmp(name, "post"))
        return RC_SCHEMA_POST;
    if (!strcmp(name, "enriched") || !strcmp(name, "enriched_post"))
        return RC_SCHEMA_ENRICHED_POST;
    if (!strcmp(name, "action"))
        return RC_SCHEMA_ACTION;
    if (!strcmp(name, "dead_letter") || !strcmp(name, "dead-letter"))
        return RC_SCHEMA_DEAD_LETTER;
    return -1;
}

/* "len" bytes at "p" as a JSON string of lowercase hex digits (a new
 * reference; NULL when out of memory). Binary values are not valid UTF-8,
 * so as JSON strings they would not survive a JSON parser. */
static json_t *rc_cli_hex_string(const void *p, size_t len) {
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = p;
    char *s = malloc(len * 2 + 1);
    json_t *v;

    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    v = json_stringn(s, len * 2);
    free(s);
    return v;
}

static volatile sig_atomic_t rc_cli_stop;
static void rc_cli_on_signal(int s) { rc_cli_stop = s; }

int rc_cmd_consume(int argc, char **argv) {
    static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"schema", required_argument, NULL, 's'},
                                         {"registry", required_argument, NULL, 'r'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"idle-ms", required_argument, NULL, 'i'},
                                         {"with-key", no_argument, NULL, 'k'},
                                         {"hex", no_argument, NULL, 'x'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *bootstrap = NULL, *topic = NULL, *registry = NULL;
    int schema = -1, opt, with_key = 0, hex = 0;
    long count = -1, idle_ms = 3000, got = 0;
    char errstr[512];

    while ((opt = getopt_long(argc, argv, "b:t:s:r:n:i:kxh", opts, NULL)) != -1) {
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 't': topic = optarg; break;
        case 's':
            if ((schema = rc_cli_schema(optarg)) < 0) {
                fprintf(stderr, "ricochet consume: unknown schema '%s' (post|enriched|action|dead_letter)\n", optarg);
                return 2;
            }
            break;
        case 'r': registry = optarg; break;
        case 'n': count = atol(optarg); break;
        case 'i': idle_ms = atol(optarg); break;
        case 'k': with_key = 1; break;
        case 'x': hex = 1; break;
        case 'h':
            printf("Usage: ricochet consume -b BOOTSTRAP -t TOPIC [-s post|enriched|action|dead_letter]\n"
                   "                        [-r REGISTRY_URL] [-n COUNT] [-i IDLE_MS] [-k] [-x]\n"
                   "Prints each record from the beginning of every partition as one JSON line (decoded with\n"
                   "the schema; without -s, the raw value). Stops after COUNT records or IDLE_MS without one.\n"
                   "-k wraps each line as {\"key\":...,\"partition\":...,\"offset\":...,\"value\":...}.\n"
                   "-x, --hex prints the raw value as a string of hex digits (\"0000000064...\"), for binary\n"
                   "records such as Confluent-framed Avro; not with -s.\n");
            return 0;
        default: return 2;
        }
    }
    if (!bootstrap || !topic) {
        fprintf(stderr, "ricochet consume: -b BOOTSTRAP and -t TOPIC are required\n");
        return 2;
    }
    if (hex && schema >= 0) {
        fprintf(stderr, "ricochet consume: --hex prints raw values; it does not go with -s\n");
        return 2;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char group[64];
    snprintf(group, sizeof(group), "ricochet-consume-%d-%ld", (int)getpid(), (long)time(NULL));
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr))) {
        fprintf(stderr, "ricochet consume: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "ricochet consume: %s\n", errstr);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    rc_serde_t *serde = rc_serde_new(registry, errstr, sizeof(errstr));
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    signal(SIGINT, rc_cli_on_signal);
    signal(SIGTERM, rc_cli_on_signal);

    int64_t last = rc_mono_ms();
    int ret = 0;
    while (!rc_cli_stop && (count < 0 || got < count) && rc_mono_ms() - last < idle_ms) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "ricochet consume: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        last = rc_mono_ms();
        json_t *v = NULL;
        if (schema >= 0) {
            v = rc_serde_decode(serde, (rc_schema_id_t)schema, m->payload, m->len, errstr, sizeof(errstr));
            if (!v) {
                fprintf(stderr, "ricochet consume: partition %d offset %lld: %s\n", (int)m->partition,
                        (long long)m->offset, errstr);
                ret = 1;
            }
        } else if (hex) {
            v = rc_cli_hex_string(m->payload, m->len);
        } else {
            v = json_stringn_nocheck(m->payload ? m->payload : "", m->len);
        }
        if (v) {
            json_t *line = v;
            if (with_key) {
                line = json_pack("{s:s%, s:i, s:I, s:O}", "key", m->key ? (const char *)m->key : "", m->key_len,
                                 "partition", (int)m->partition, "offset", (json_int_t)m->offset, "value", v);
            }
            char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
            if (s)
                printf("%s\n", s);
            free(s);
            if (line != v)
                json_decref(line);
            json_decref(v);
            got++;
        }
        rd_kafka_message_destroy(m);
    }
    fflush(stdout);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    rc_serde_destroy(serde);
    return ret;
}

static void rc_cli_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    int *failed = opaque;
    if (m->err) {
        fprintf(stderr, "ricochet produce: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*failed)++;
    }
}

int rc_cmd_produce(int argc, char **argv) {
    static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"schema", required_argument, NULL, 's'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"raw", no_argument, NULL, 'R'},
                                         {"null", no_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *bootstrap = NULL, *topic = NULL, *key = NULL;
    int schema = -1, raw = 0, null_value = 0, opt, failed = 0;
    char errstr[512];

    while ((opt = getopt_long(argc, argv, "b:t:s:k:RNh", opts, NULL)) != -1) {
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 't': topic = optarg; break;
        case 's': schema = rc_cli_schema(optarg); break;
        case 'k': key = optarg; break;
        case 'R': raw = 1; break;
        case 'N': null_value = raw = 1; break;
        case 'h':
            printf("Usage: ricochet produce -b BOOTSTRAP -t TOPIC (-s SCHEMA | --raw) [-k KEY] < lines\n"
                   "Each stdin line is one record: Avro-encoded with SCHEMA (single-object encoding), or sent\n"
                   "as it is with --raw (to test how a stage treats bad input). --null sends each line as a record\n"
                   "with a null value (a tombstone), whatever the line holds.\n");
            return 0;
        default: return 2;
        }
    }
    if (!bootstrap || !topic || (schema < 0 && !raw)) {
        fprintf(stderr, "ricochet produce: -b, -t and one of -s SCHEMA / --raw are required\n");
        return 2;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr));
    rd_kafka_conf_set_dr_msg_cb(conf, rc_cli_dr);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "ricochet produce: %s\n", errstr);
        return 1;
    }
    rc_serde_t *serde = rc_serde_new(NULL, errstr, sizeof(errstr));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0, lineno = 0;
    int ret = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        void *buf = NULL;
        size_t blen = 0;
        if (raw) {
            if (null_value) {
                buf = NULL;
                blen = 0;
            } else {
                buf = malloc((size_t)len + 1);
                memcpy(buf, line, (size_t)len);
                blen = (size_t)len;
            }
        } else {
            json_error_t jerr;
            json_t *v = json_loadb(line, (size_t)len, 0, &jerr);
            if (!v || rc_serde_encode(serde, (rc_schema_id_t)schema, topic, v, &buf, &blen, errstr, sizeof(errstr))) {
                fprintf(stderr, "ricochet produce: line %ld: %s\n", lineno, v ? errstr : jerr.text);
                json_decref(v);
                ret = 1;
                continue;
            }
            json_decref(v);
        }
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                        RD_KAFKA_V_VALUE(buf, blen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                                        RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 50);
        if (err) {
            fprintf(stderr, "ricochet produce: %s\n", rd_kafka_err2str(err));
            free(buf);
            ret = 1;
        }
        n++;
        rd_kafka_poll(rk, 0);
    }
    free(line);
    if (rd_kafka_flush(rk, 30000))
        ret = 1;
    if (failed)
        ret = 1;
    fprintf(stderr, "ricochet produce: %ld record(s) to %s\n", n - failed, topic);
    rd_kafka_destroy(rk);
    rc_serde_destroy(serde);
    return ret;
}
