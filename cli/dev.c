/*
 * ricochet dev: the whole pipeline on one machine.
 *
 * Starts librdkafka's mock cluster (a real Kafka-protocol broker in this
 * process, listening on a loopback port) and a redis-server in a temporary
 * directory on a free port, then the three workers as separate processes
 * connected to them over TCP. The workers read the same config file; dev
 * tells them where things are through environment variables the example
 * config interpolates:
 *   RICOCHET_KAFKA_BOOTSTRAP, RICOCHET_REDIS_URL, RICOCHET_DEV_DIR,
 *   RICOCHET_INGEST_HTTP_PORT, RICOCHET_ENRICH_HTTP_PORT, RICOCHET_ROUTE_HTTP_PORT
 *
 * --feed FILE posts the file's lines to ingest's webhook, waits until every
 * stage has processed what the previous one produced, shuts the workers down
 * with SIGTERM and prints a summary (exit 0 when every worker exited 0).
 * --broker-only serves just the broker and prints bootstrap.servers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "http_client.h"
#include "log.h"
#include "redis.h"
#include "util.h"
#include "worker.h"

static volatile sig_atomic_t rc_dev_stop;
static void rc_dev_on_signal(int s) { rc_dev_stop = s; }

static int rc_free_port(void) {
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static pid_t rc_spawn(char *const argv[], const char *log_path) {
    pid_t pid = fork();
    if (pid == 0) {
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 2);
                dup2(fd, 1);
                close(fd);
            }
        }
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Kill "pid" with SIGTERM and wait up to "ms"; SIGKILL after that. Returns
 * the exit status (or 128+signal). */
static int rc_stop_child(pid_t pid, long ms) {
    int st = 0;
    if (pid <= 0)
        return 0;
    kill(pid, SIGTERM);
    for (long waited = 0; waited < ms; waited += 50) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return 137;
}

static char *rc_http_get_body(rc_http_client_t *hc, const char *url, long *status) {
    rc_http_request_t req = {.method = "GET", .url = url, .timeout_ms = 2000};
    rc_http_response_t resp;
    char *body = NULL;
    *status = 0;
    if (rc_http_do(hc, &req, &resp) == 0) {
        *status = resp.status;
        body = resp.body;
        resp.body = NULL;
    }
    rc_http_response_clear(&resp);
    return body;
}

static void rc_bin_path(char *out, size_t out_size, const char *name) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            if ((size_t)snprintf(out, out_size, "%.*s/%s", (int)(out_size / 2), self, name) < out_size &&
                access(out, X_OK) == 0)
                return;
        }
    }
    snprintf(out, out_size, "%s", name); /* from PATH */
}

typedef struct {
    const char *name;
    int port;
    pid_t pid;
    char url[64];
    char *metrics;
} rc_dev_worker_t;

static double rc_dev_metric(rc_dev_worker_t *ws, int i, const char *name, const char *labels) {
    return ws[i].metrics ? rc_prom_value(ws[i].metrics, name, labels) : 0;
}

static void rc_dev_scrape(rc_http_client_t *hc, rc_dev_worker_t *ws, int n) {
    for (int i = 0; i < n; i++) {
        char url[128];
        long st;
        snprintf(url, sizeof(url), "%s/metrics", ws[i].url);
        char *m = rc_http_get_body(hc, url, &st);
        if (m && st == 200) {
            free(ws[i].metrics);
            ws[i].metrics = m;
        } else {
            free(m);
        }
    }
}

/* POST the feed in chunks of JSON Lines to ingest's webhook. */
static int rc_dev_feed(rc_http_client_t *hc, const char *url, const char *path, long *lines, long *accepted,
                       long *dups, long *dead) {
    FILE *fp = fopen(path, "r");
    char *line = NULL, *chunk = NULL;
    size_t cap = 0, clen = 0, ccap = 0;
    ssize_t len;
    int in_chunk = 0, ret = 0;

    if (!fp) {
        fprintf(stderr, "ricochet dev: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        len = getline(&line, &cap, fp);
        if (len > 0 && line[0] != '\n') {
            (*lines)++;
            if (clen + (size_t)len + 2 > ccap) {
                ccap = (clen + (size_t)len + 2) * 2;
                chunk = realloc(chunk, ccap);
            }
            memcpy(chunk + clen, line, (size_t)len);
            clen += (size_t)len;
            if (chunk[clen - 1] != '\n')
                chunk[clen++] = '\n';
            in_chunk++;
        }
        if ((len < 0 && in_chunk) || in_chunk == 50) {
            rc_http_request_t req = {.method = "POST", .url = url, .body = chunk, .body_len = clen,
                                     .content_type = "application/x-ndjson", .timeout_ms = 60000};
            rc_http_response_t resp;
            if (rc_http_do(hc, &req, &resp) == 0 && (resp.status == 202 || resp.status == 400)) {
                json_t *o = json_loads(resp.body, 0, NULL);
                *accepted += json_integer_value(json_object_get(o, "accepted"));
                *dups += json_integer_value(json_object_get(o, "duplicates"));
                *dead += json_integer_value(json_object_get(o, "dead_lettered"));
                json_decref(o);
            } else {
                fprintf(stderr, "ricochet dev: feeding %s failed: %s %s\n", url,
                        resp.status ? "HTTP" : resp.error, resp.status ? resp.body : "");
                ret = -1;
            }
            rc_http_response_clear(&resp);
            clen = 0;
            in_chunk = 0;
        }
        if (len < 0 || ret)
            break;
    }
    free(line);
    free(chunk);
    fclose(fp);
    return ret;
}

/* Kafka request names for "error" commands (ApiKeys of the protocol). */
static const struct {
    const char *name;
    int16_t key;
} rc_dev_apis[] = {{"Produce", 0},        {"Fetch", 1},       {"ListOffsets", 2},     {"Metadata", 3},
                   {"OffsetCommit", 8},   {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11},
                   {"Heartbeat", 12},     {"LeaveGroup", 13}, {"SyncGroup", 14},      {"InitProducerId", 22}};

static int rc_dev_err_code(const char *name, rd_kafka_resp_err_t *err) {
    const struct rd_kafka_err_desc *descs;
    size_t n;
    rd_kafka_get_err_descs(&descs, &n);
    for (size_t i = 0; i < n; i++)
        if (descs[i].name && !strcmp(descs[i].name, name)) {
            *err = descs[i].code;
            return 0;
        }
    return -1;
}

/* One fault-injection command on the mock cluster; see --help. */
static int rc_dev_broker_command(rd_kafka_mock_cluster_t *mc, char *line, char *msg, size_t msg_size) {
    char *argv[8];
    int argc = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && argc < 8; tok = strtok(NULL, " \t\r\n"))
        argv[argc++] = tok;
    if (argc == 0)
        return 1;
    if (!strcmp(argv[0], "broker") && argc >= 2) {
        int32_t id = argc >= 3 ? atoi(argv[2]) : 1;
        rd_kafka_resp_err_t e = !strcmp(argv[1], "down")   ? rd_kafka_mock_broker_set_down(mc, id)
                                : !strcmp(argv[1], "up")   ? rd_kafka_mock_broker_set_up(mc, id)
                                                           : RD_KAFKA_RESP_ERR__INVALID_ARG;
        snprintf(msg, msg_size, "%s", e ? rd_kafka_err2str(e) : "ok");
        return e ? -1 : 0;
    }
    if (!strcmp(argv[0], "rtt") && argc >= 2) {
        rd_kafka_resp_err_t e = rd_kafka_mock_broker_set_rtt(mc, argc >= 3 ? atoi(argv[2]) : 1, atoi(argv[1]));
        snprintf(msg, msg_size, "%s", e ? rd_kafka_err2str(e) : "ok");
        return e ? -1 : 0;
    }
    if (!strcmp(argv[0], "error") && argc >= 4) {
        int16_t key = -1;
        rd_kafka_resp_err_t err;
        for (size_t i = 0; i < sizeof(rc_dev_apis) / sizeof(rc_dev_apis[0]); i++)
            if (!strcmp(rc_dev_apis[i].name, argv[1]))
                key = rc_dev_apis[i].key;
        if (key < 0) {
            snprintf(msg, msg_size, "unknown request '%s'", argv[1]);
            return -1;
        }
        if (rc_dev_err_code(argv[3], &err)) {
            snprintf(msg, msg_size, "unknown error '%s' (librdkafka names, e.g. NOT_LEADER_FOR_PARTITION)", argv[3]);
            return -1;
        }
        int cnt = atoi(argv[2]);
        rd_kafka_resp_err_t errs[64];
        if (cnt < 1 || cnt > 64) {
            snprintf(msg, msg_size, "count must be 1..64");
            return -1;
        }
        for (int i = 0; i < cnt; i++)
            errs[i] = err;
        rd_kafka_mock_push_request_errors_array(mc, key, (size_t)cnt, errs);
        snprintf(msg, msg_size, "ok");
        return 0;
    }
    snprintf(msg, msg_size, "unknown command");
    return -1;
}

/* --broker-only: serve until a signal, taking fault-injection commands on
 * stdin (one per line, each answered "ok" or "error: ..." on stdout). At
 * end of input it keeps serving. */
static void rc_dev_broker_control(rd_kafka_mock_cluster_t *mc) {
    char line[512], msg[256];
    int stdin_open = 1;
    while (!rc_dev_stop) {
        if (!stdin_open) {
            pause();
            continue;
        }
        struct pollfd pfd = {0, POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        if (!fgets(line, sizeof(line), stdin)) {
            stdin_open = 0;
            continue;
        }
        int rc = rc_dev_broker_command(mc, line, msg, sizeof(msg));
        if (rc == 1)
            continue;
        printf("%s%s\n", rc ? "error: " : "", msg);
        fflush(stdout);
    }
}

static void rc_dev_usage(FILE *fp) {
    fprintf(fp,
            "Usage: ricochet dev [-c FILE] [--broker-only] [--feed FILE] [--dir DIR] [--partitions N]\n"
            "                    [--timeout SECONDS] [--verbose]\n\n"
            "Runs the embedded Kafka-protocol broker, a redis-server and the three workers on loopback.\n"
            "  -c, --config FILE   the workers' config (default examples/ricochet.yaml)\n"
            "      --broker-only   serve only the broker; prints bootstrap.servers=HOST:PORT\n"
            "      --feed FILE     post FILE's lines to ingest, wait until all is through, print a summary, exit\n"
            "      --dir DIR       where logs, redis data and file sinks go (default: a new /tmp/ricochet-dev.*)\n"
            "      --partitions N  partitions per topic (default 4)\n"
            "      --timeout S     with --feed: give up after S seconds (default 120)\n"
            "      --verbose       workers log to this terminal instead of DIR/<worker>.log\n\n"
            "With --broker-only, stdin takes fault-injection commands for tests, one per line:\n"
            "  broker down|up [ID]           take broker ID (default 1) down / bring it back\n"
            "  rtt MS [ID]                   add MS of round-trip time to broker ID\n"
            "  error REQUEST COUNT ERROR     fail the next COUNT REQUEST calls (Produce, Fetch, Metadata,\n"
            "                                OffsetCommit, JoinGroup, ...) with ERROR (e.g. NOT_LEADER_FOR_PARTITION)\n");
}

int rc_cmd_dev(int argc, char **argv) {
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"broker-only", no_argument, NULL, 'B'},
                                         {"feed", required_argument, NULL, 'f'},
                                         {"dir", required_argument, NULL, 'd'},
                                         {"partitions", required_argument, NULL, 'p'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cfg_path = "examples/ricochet.yaml", *feed = NULL, *dir_opt = NULL;
    int broker_only = 0, partitions = 4, verbose = 0, opt, ret = 1;
    long timeout_s = 120;
    char errstr[1024], dir[PATH_MAX], bootstrap[256] = "";
    rc_config_t *cfg = NULL;
    rc_common_conf_t common;
    rd_kafka_t *rk = NULL;
    rd_kafka_mock_cluster_t *mc = NULL;
    pid_t redis_pid = -1;
    rc_dev_worker_t ws[3] = {{"ingest", 0, -1, "", NULL}, {"enrich", 0, -1, "", NULL}, {"route", 0, -1, "", NULL}};
    rc_http_client_t *hc = NULL;

    memset(&common, 0, sizeof(common));
    while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': cfg_path = optarg; break;
        case 'B': broker_only = 1; break;
        case 'f': feed = optarg; break;
        case 'd': dir_opt = optarg; break;
        case 'p': partitions = atoi(optarg); break;
        case 'T': timeout_s = atol(optarg); break;
        case 'v': verbose = 1; break;
        case 'h': rc_dev_usage(stdout); return 0;
        default: rc_dev_usage(stderr); return 2;
        }
    }
    rc_log_set_stage("dev");
    if (partitions < 1)
        partitions = 1;

    /* Temp dir first: the config may interpolate RICOCHET_DEV_DIR. */
    if (dir_opt) {
        snprintf(dir, sizeof(dir), "%s", dir_opt);
        mkdir(dir, 0755);
    } else {
        snprintf(dir, sizeof(dir), "/tmp/ricochet-dev.XXXXXX");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "ricochet dev: mkdtemp: %s\n", strerror(errno));
            return 1;
        }
    }
    setenv("RICOCHET_DEV_DIR", dir, 1);

    /* The broker. */
    rd_kafka_conf_t *kc = rd_kafka_conf_new();
    rd_kafka_conf_set(kc, "log_level", "3", errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
    if (!rk || !(mc = rd_kafka_mock_cluster_new(rk, 1))) {
        fprintf(stderr, "ricochet dev: cannot start the embedded broker: %s\n", rk ? "mock cluster failed" : errstr);
        goto out;
    }
    snprintf(bootstrap, sizeof(bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(mc));
    setenv("RICOCHET_KAFKA_BOOTSTRAP", bootstrap, 1);

    /* Ports for the workers (the config may interpolate them). */
    for (int i = 0; i < 3; i++) {
        char var[64], val[16];
        ws[i].port = rc_free_port();
        snprintf(var, sizeof(var), "RICOCHET_%s_HTTP_PORT", i == 0 ? "INGEST" : i == 1 ? "ENRICH" : "ROUTE");
        snprintf(val, sizeof(val), "%d", ws[i].port);
        setenv(var, val, 1);
        snprintf(ws[i].url, sizeof(ws[i].url), "http://127.0.0.1:%d", ws[i].port);
    }
    int redis_port = rc_free_port();
    char redis_url[64];
    snprintf(redis_url, sizeof(redis_url), "redis://127.0.0.1:%d", redis_port);
    setenv("RICOCHET_REDIS_URL", redis_url, 1);

    if (!(cfg = rc_config_load_file(cfg_path, errstr, sizeof(errstr))) ||
        rc_common_conf_bind(cfg, &common, errstr, sizeof(errstr))) {
        fprintf(stderr, "ricochet dev: %s\n", errstr);
        goto out;
    }
    const char *topics[] = {common.topic_posts, common.topic_enriched, common.topic_actions,
                            common.topic_dead_letter};
    for (int i = 0; i < 4; i++)
        rd_kafka_mock_topic_create(mc, topics[i], partitions, 1);
    /* Topics of kafka sinks, so their consumers find them at once. */
    const rc_node_t *sinks = rc_node_get(cfg->root, "route.sinks");
    for (const rc_node_t *s = sinks ? sinks->child : NULL; s; s = s->next) {
        const rc_node_t *t = rc_node_get(s, "type"), *topic = rc_node_get(s, "topic");
        if (t && t->value && !strcmp(t->value, "kafka") && topic && topic->value)
            rd_kafka_mock_topic_create(mc, topic->value, partitions, 1);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rc_dev_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    if (broker_only) {
        printf("bootstrap.servers=%s\n", bootstrap);
        fflush(stdout);
        rc_dev_broker_control(mc);
        ret = 0;
        goto out;
    }

    /* redis-server, private to this run. */
    char redis_port_s[16], log_path[PATH_MAX + 32];
    snprintf(redis_port_s, sizeof(redis_port_s), "%d", redis_port);
    char *redis_argv[] = {"redis-server", "--port", redis_port_s, "--bind", "127.0.0.1", "--dir", dir,
                          "--save", "", "--appendonly", "no", NULL};
    snprintf(log_path, sizeof(log_path), "%s/redis.log", dir);
    redis_pid = rc_spawn(redis_argv, log_path);
    hc = rc_http_client_new(0);
    /* The workers connect to Redis at start: wait until it answers. */
    rc_redis_t *probe = NULL;
    for (int i = 0; i < 200 && !probe && !rc_dev_stop; i++) {
        if (!(probe = rc_redis_connect(redis_url, 500, errstr, sizeof(errstr))))
            usleep(50000);
    }
    if (!probe) {
        fprintf(stderr, "ricochet dev: redis-server did not answer within 10 s (%s); see %s/redis.log\n", errstr, dir);
        goto out;
    }
    rc_redis_destroy(probe);

    /* Workers. */
    char cfg_abs[PATH_MAX];
    if (!realpath(cfg_path, cfg_abs))
        snprintf(cfg_abs, sizeof(cfg_abs), "%s", cfg_path);
    for (int i = 0; i < 3; i++) {
        char bin[PATH_MAX + 64], name[64];
        snprintf(name, sizeof(name), "ricochet-%s", ws[i].name);
        rc_bin_path(bin, sizeof(bin), name);
        char *wargv[] = {bin, "-c", cfg_abs, NULL};
        snprintf(log_path, sizeof(log_path), "%s/%s.log", dir, ws[i].name);
        ws[i].pid = rc_spawn(wargv, verbose ? NULL : log_path);
    }
    fprintf(stderr, "ricochet dev: broker %s, redis %s, workers on ports %d/%d/%d, logs in %s\n", bootstrap,
            redis_url, ws[0].port, ws[1].port, ws[2].port, dir);

    /* Ready = every /readyz says 200 (Kafka reachable, Redis reachable,
     * partitions assigned). */
    int64_t deadline = rc_mono_ms() + 60000;
    int ready = 0;
    while (!rc_dev_stop && rc_mono_ms() < deadline && !ready) {
        ready = 1;
        for (int i = 0; i < 3; i++) {
            char url[128];
            long st;
            int wst;
            if (waitpid(ws[i].pid, &wst, WNOHANG) == ws[i].pid) {
                fprintf(stderr, "ricochet dev: ricochet-%s exited early; see %s/%s.log\n", ws[i].name, dir,
                        ws[i].name);
                ws[i].pid = -1;
                goto out;
            }
            snprintf(url, sizeof(url), "%s/readyz", ws[i].url);
            free(rc_http_get_body(hc, url, &st));
            if (st != 200)
                ready = 0;
        }
        if (!ready)
            usleep(200000);
    }
    if (!ready) {
        fprintf(stderr, "ricochet dev: workers not ready within 60 s; logs in %s\n", dir);
        goto out;
    }
    fprintf(stderr, "ricochet dev: all workers ready\n");

    if (!feed) {
        printf("bootstrap.servers=%s\nredis.url=%s\nwebhook=%s/ingest\n", bootstrap, redis_url, ws[0].url);
        fflush(stdout);
        while (!rc_dev_stop)
            pause();
        ret = 0;
        goto out;
    }

    long lines = 0, accepted = 0, dups = 0, dead = 0;
    char webhook[128];
    snprintf(webhook, sizeof(webhook), "%s/ingest", ws[0].url);
    if (rc_dev_feed(hc, webhook, feed, &lines, &accepted, &dups, &dead))
        goto out;

    /* Through = enrich has taken in every post ingest produced, route every
     * record enrich produced, nothing is in flight, twice in a row. */
    deadline = rc_mono_ms() + timeout_s * 1000;
    int stable = 0;
    double posts = 0, e_in = 0, e_out = 0, r_in = 0, fl = 0;
    while (!rc_dev_stop && rc_mono_ms() < deadline && stable < 2) {
        usleep(300000);
        rc_dev_scrape(hc, ws, 3);
        posts = rc_dev_metric(ws, 0, "ricochet_ingest_posts_total", NULL);
        e_in = rc_dev_metric(ws, 1, "ricochet_enrich_records_in_total", NULL);
        e_out = rc_dev_metric(ws, 1, "ricochet_enrich_records_out_total", "output=\"enriched\"");
        r_in = rc_dev_metric(ws, 2, "ricochet_route_records_in_total", NULL);
        fl = rc_dev_metric(ws, 1, "ricochet_enrich_in_flight", NULL) +
                    rc_dev_metric(ws, 2, "ricochet_route_in_flight", NULL);
        stable = (posts == accepted && e_in >= posts && r_in >= e_out && fl == 0) ? stable + 1 : 0;
    }
    if (stable < 2) {
        fprintf(stderr,
                "ricochet dev: the stream was not through within %ld s (webhook accepted %ld, ingest produced "
                "%.0f, enrich took %.0f and produced %.0f, route took %.0f, %.0f in flight); logs in %s\n",
                timeout_s, accepted, posts, e_in, e_out, r_in, fl, dir);
        goto out;
    }
    rc_dev_scrape(hc, ws, 3);

    int codes[3];
    for (int i = 2; i >= 0; i--) {
        codes[i] = rc_stop_child(ws[i].pid, 15000);
        ws[i].pid = -1;
    }

    double dl = 0;
    for (int i = 0; i < 3; i++) {
        char name[96];
        snprintf(name, sizeof(name), "ricochet_%s_dead_letters_total", ws[i].name);
        dl += rc_dev_metric(ws, i, name, NULL);
    }
    printf("\nricochet dev: the sample stream is through\n\n");
    printf("  posts in (lines fed)     %ld\n", lines);
    printf("  duplicates dropped       %.0f\n", rc_dev_metric(ws, 0, "ricochet_ingest_duplicates_total", NULL));
    printf("  enriched                 %.0f\n",
           rc_dev_metric(ws, 1, "ricochet_enrich_records_out_total", "output=\"enriched\""));
    static const char *intents[] = {"complaint", "praise", "question", "request", "other"};
    for (int k = 0; k < 5; k++) {
        char lab[64];
        snprintf(lab, sizeof(lab), "intent=\"%s\"", intents[k]);
        printf("    %-22s %.0f\n", intents[k], rc_dev_metric(ws, 1, "ricochet_enrich_posts_total", lab));
    }
    printf("  tickets opened           %.0f\n",
           rc_dev_metric(ws, 2, "ricochet_route_actions_total", "action=\"ticket_created\""));
    printf("  comments added           %.0f\n",
           rc_dev_metric(ws, 2, "ricochet_route_actions_total", "action=\"comment_added\""));
    printf("  records to topics        %.0f\n",
           rc_dev_metric(ws, 2, "ricochet_route_actions_total", "action=\"produced\""));
    printf("  no rule matched          %.0f\n",
           rc_dev_metric(ws, 2, "ricochet_route_actions_total", "action=\"no_match\""));
    printf("  dead-lettered            %.0f (topic %s)\n", dl, common.topic_dead_letter);
    printf("\n  tickets:  %s/tickets.jsonl\n  logs:     %s/{ingest,enrich,route}.log\n", dir, dir);
    printf("  workers exited with %d/%d/%d\n", codes[0], codes[1], codes[2]);
    ret = (codes[0] || codes[1] || codes[2]) ? 1 : 0;

out:
    for (int i = 2; i >= 0; i--)
        if (ws[i].pid > 0)
            rc_stop_child(ws[i].pid, 15000);
    if (redis_pid > 0)
        rc_stop_child(redis_pid, 5000);
    for (int i = 0; i < 3; i++)
        free(ws[i].metrics);
    rc_http_client_destroy(hc);
    rc_common_conf_free(&common);
    rc_config_destroy(cfg);
    if (mc)
        rd_kafka_mock_cluster_destroy(mc);
    if (rk)
        rd_kafka_destroy(rk);
    return ret;
}
