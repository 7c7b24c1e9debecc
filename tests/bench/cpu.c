/*
 * bench_ingest_cpu: the CPU cost of ingest's per-record path without the
 * broker, Redis or the machine's other load in the way, phase by phase.
 *
 *   bench_ingest_cpu [-r ROUNDS] [-p PHASE] [-b BATCH] [-T] FILE.jsonl
 *
 * Reads FILE (JSON Lines, e.g. bench_gen's output) into memory, then for
 * ROUNDS (default 1) passes over every line runs one phase:
 *   parse      json_loadb + json_decref (jansson alone)
 *   normalise  rc_normalise + json_decref (parse, detect, build the Post)
 *   encode     normalise, the dedup key, the record key, rc_serde_encode
 *              (single-object Avro), and freeing everything: what
 *              rc_ingest_process does per record besides Redis and Kafka
 *   batch      what rc_ingest_process does with a batch of BATCH (-b, default
 *              500, the worker's batch_size): normalise every record, then
 *              the dedup keys of all, then key + encode each, then free all;
 *              the allocation pattern differs from "encode", which frees
 *              each record before the next
 *   all        (default) each of the above in turn
 * With -T an idle thread is started first, so malloc takes its
 * multi-threaded paths, as in the worker (librdkafka's threads).
 * and prints one line per phase:
 *   CPU phase=<p> records=<N> us_per_record=<X>
 * Wall-clock per record is noisy on a shared machine; run it under
 * `valgrind --tool=callgrind` (or `perf stat -e instructions` where the
 * counter exists) for instruction counts per record.
 */
#include <getopt.h>
#include <pthread.h>
#include <unistd.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "normalise.h"
#include "serde.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    char **lines;
    size_t *lens;
    size_t n;
} lines_t;

static int read_lines(const char *path, lines_t *ls) {
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t len;

    if (!fp)
        return -1;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (ls->n == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            ls->lines = realloc(ls->lines, alloc * sizeof(*ls->lines));
            ls->lens = realloc(ls->lens, alloc * sizeof(*ls->lens));
            if (!ls->lines || !ls->lens)
                return -1;
        }
        ls->lines[ls->n] = strndup(line, (size_t)len);
        ls->lens[ls->n++] = (size_t)len;
    }
    free(line);
    fclose(fp);
    return 0;
}

static const char *const bench_now = "2026-11-22T08:00:00Z";

/* The dedup key and the record key of a Post, as rc_ingest_process makes
 * them; returns the malloc'd dedup key. */
static char *keys_of(const json_t *post, char *key, size_t key_size) {
    const json_t *author = json_object_get(post, "author");
    const char *platform = json_string_value(json_object_get(post, "platform"));
    char *dkey = NULL;

    if (asprintf(&dkey, "ricochet:dedup:%s:%s", platform, json_string_value(json_object_get(post, "id"))) < 0)
        dkey = NULL;
    snprintf(key, key_size, "%s:%s", platform, json_string_value(json_object_get(author, "id")));
    return dkey;
}

static int encode(rc_serde_t *serde, const json_t *post) {
    char err[512];
    void *buf = NULL;
    size_t len = 0;
    int rc = rc_serde_encode(serde, RC_SCHEMA_POST, "bench", post, &buf, &len, err, sizeof(err));

    if (rc)
        fprintf(stderr, "encode: %s\n", err);
    free(buf);
    return rc;
}

/* One batch the way rc_ingest_process holds it: every Post is alive until
 * the batch's end. */
static long run_batch(const lines_t *ls, size_t from, size_t n, rc_serde_t *serde) {
    json_t **posts = calloc(n, sizeof(*posts));
    char **dkeys = calloc(n, sizeof(*dkeys)), err[512], key[512];
    long ok = 0;

    if (!posts || !dkeys)
        abort();
    for (size_t i = 0; i < n; i++)
        posts[i] = rc_normalise(ls->lines[from + i], ls->lens[from + i], bench_now, NULL, err, sizeof(err));
    for (size_t i = 0; i < n; i++)
        dkeys[i] = posts[i] ? keys_of(posts[i], key, sizeof(key)) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (!posts[i])
            continue;
        free(keys_of(posts[i], key, sizeof(key)));
        ok += encode(serde, posts[i]) == 0;
    }
    for (size_t i = 0; i < n; i++) {
        free(dkeys[i]);
        json_decref(posts[i]);
    }
    free(posts);
    free(dkeys);
    return ok;
}

/* Returns the number of records that went through. */
__attribute__((noinline)) static long run_phase(const char *phase, const lines_t *ls, rc_serde_t *serde, size_t batch) {
    char err[512], key[512];
    long ok = 0;

    if (!strcmp(phase, "batch")) {
        for (size_t i = 0; i < ls->n; i += batch)
            ok += run_batch(ls, i, ls->n - i < batch ? ls->n - i : batch, serde);
        return ok;
    }
    for (size_t i = 0; i < ls->n; i++) {
        if (!strcmp(phase, "parse")) {
            json_error_t jerr;
            json_t *root = json_loadb(ls->lines[i], ls->lens[i], JSON_DECODE_ANY, &jerr);
            ok += root != NULL;
            json_decref(root);
            continue;
        }
        json_t *post = rc_normalise(ls->lines[i], ls->lens[i], bench_now, NULL, err, sizeof(err));
        if (!post)
            continue;
        if (!strcmp(phase, "encode")) {
            free(keys_of(post, key, sizeof(key)));
            free(keys_of(post, key, sizeof(key)));
            ok += encode(serde, post) == 0;
        } else {
            ok++;
        }
        json_decref(post);
    }
    return ok;
}

static void *idle_thread(void *arg) {
    pause();
    return arg;
}

int main(int argc, char **argv) {
    static const char *const phases[] = {"parse", "normalise", "encode", "batch"};
    const char *phase = "all";
    long rounds = 1;
    size_t batch = 500;
    lines_t ls = {0};
    char err[256];
    int opt;
    pthread_t idle;

    while ((opt = getopt(argc, argv, "r:p:b:Th")) != -1) {
        switch (opt) {
        case 'r': rounds = atol(optarg); break;
        case 'p': phase = optarg; break;
        case 'b': batch = (size_t)atol(optarg); break;
        case 'T':
            if (pthread_create(&idle, NULL, idle_thread, NULL) || pthread_detach(idle))
                return 1;
            break;
        default:
            fprintf(stderr, "usage: bench_ingest_cpu [-r ROUNDS] [-p parse|normalise|encode|batch|all] [-b BATCH] "
                            "[-T] FILE.jsonl\n");
            return 2;
        }
    }
    if (optind >= argc || rounds < 1 || batch < 1) {
        fprintf(stderr, "usage: bench_ingest_cpu [-r ROUNDS] [-p parse|normalise|encode|batch|all] [-b BATCH] [-T] "
                        "FILE.jsonl\n");
        return 2;
    }
    if (read_lines(argv[optind], &ls) || ls.n == 0) {
        fprintf(stderr, "bench_ingest_cpu: cannot read %s (or it is empty)\n", argv[optind]);
        return 1;
    }
    rc_serde_t *serde = rc_serde_new(NULL, err, sizeof(err));
    if (!serde) {
        fprintf(stderr, "bench_ingest_cpu: %s\n", err);
        return 1;
    }
    int ret = 0;
    for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
        if (strcmp(phase, "all") && strcmp(phase, phases[p]))
            continue;
        long ok = 0;
        double t0 = now_s();
        for (long r = 0; r < rounds; r++)
            ok += run_phase(phases[p], &ls, serde, batch);
        double dt = now_s() - t0;
        if (ok != rounds * (long)ls.n) {
            fprintf(stderr, "bench_ingest_cpu: %s: only %ld of %ld records went through\n", phases[p], ok,
                    rounds * (long)ls.n);
            ret = 1;
        }
        printf("CPU phase=%s records=%ld us_per_record=%.2f\n", phases[p], rounds * (long)ls.n,
               dt * 1e6 / (double)(rounds * (long)ls.n));
    }
    rc_serde_destroy(serde);
    for (size_t i = 0; i < ls.n; i++)
        free(ls.lines[i]);
    free(ls.lines);
    free(ls.lens);
    return ret;
}
