/*
 * bench_enrich_cpu: the CPU cost of enrich's per-record path without the
 * broker or the machine's other load in the way, phase by phase.
 *
 *   bench_enrich_cpu [-r ROUNDS] [-p PHASE] [-t THREADS] [-c CHUNK] FILE.jsonl
 *
 * Reads FILE (JSON Lines of Posts, e.g. ricochet-ingest --in over
 * bench_gen's output) into memory and parses every line once, then for
 * ROUNDS (default 1) passes over every post runs one phase:
 *   analysers  rc_analyse() and freeing its result: the analyser chain and
 *              the EnrichedPost it builds, nothing else
 *   decode     rc_serde_decode() of the Post's Avro (single-object), freed
 *   encode     rc_serde_encode() of the EnrichedPost (built once before)
 *   kafka      decode + analyse + encode: enrich's own work per Kafka record
 *   batch      the same in the worker's pattern: a batch of 500 decoded,
 *              then analysed CHUNK (-c, default 64, as enrich does) at a
 *              time and those encoded, the outputs kept, then all freed
 *              (malloc and the caches behave differently than above)
 *   all        (default) each of the above in turn
 * With -t THREADS > 1 the analysers phase runs on that many threads, each
 * over its share of the posts (the analysers' state is shared, as in the
 * worker with enrich.threads).
 *
 * Prints, for the analysers phase,
 *   BENCH stage=analysers msgs=<N> msgs_per_s=<X>
 * and for every phase
 *   CPU phase=<p> records=<N> us_per_record=<X>
 * The time is the process's CPU time (CLOCK_PROCESS_CPUTIME_ID), so another
 * process on a shared machine does not count: msgs_per_s is per core used
 * (with -t, divided among the threads' CPU). Count instructions with
 * `valgrind --tool=callgrind --toggle-collect=run_phase ...` for a steadier
 * number.
 */
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyse.h"
#include "serde.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    json_t **posts;
    void **avro;
    size_t *avro_len;
    json_t **enriched;
    size_t n;
} corpus_t;

static const char *const bench_now = "2026-11-22T08:00:00.000Z";

static int read_posts(const char *path, corpus_t *c) {
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t len;
    int ret = 0;

    if (!fp)
        return -1;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        json_error_t jerr;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (c->n == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            json_t **np = realloc(c->posts, alloc * sizeof(*np));
            if (!np) {
                ret = -1;
                break;
            }
            c->posts = np;
        }
        if (!(c->posts[c->n] = json_loadb(line, (size_t)len, 0, &jerr))) {
            fprintf(stderr, "bench_enrich_cpu: line %zu: %s\n", c->n + 1, jerr.text);
            ret = -1;
            break;
        }
        c->n++;
    }
    free(line);
    fclose(fp);
    return ret;
}

typedef struct {
    const rc_analysers_t *an;
    const corpus_t *c;
    size_t from, to;
    long rounds;
    long ok;
} slice_t;

static void *analyse_slice(void *arg) {
    slice_t *s = arg;
    char err[512];
    for (long r = 0; r < s->rounds; r++) {
        for (size_t i = s->from; i < s->to; i++) {
            json_t *ep = rc_analyse(s->an, s->c->posts[i], bench_now, err, sizeof(err));
            if (!ep)
                fprintf(stderr, "bench_enrich_cpu: post %zu: %s\n", i, err);
            s->ok += ep != NULL;
            json_decref(ep);
        }
    }
    return NULL;
}

/* The worker's pattern for one batch of "n" records from "from": every
 * input decoded first (all alive until the batch ends), then each analysed
 * and its output encoded into a buffer that is kept (librdkafka holds it
 * until delivered), then everything freed. */
#define RC_BENCH_BATCH 500
static long run_batch(const corpus_t *c, const rc_analysers_t *an, rc_serde_t *serde, size_t from, size_t n,
                      size_t chunk) {
    json_t *in[RC_BENCH_BATCH];
    void *out[RC_BENCH_BATCH];
    char err[512];
    long ok = 0;

    for (size_t i = 0; i < n; i++)
        in[i] = rc_serde_decode(serde, RC_SCHEMA_POST, c->avro[from + i], c->avro_len[from + i], err, sizeof(err));
    for (size_t k = 0; k < n; k += chunk) {
        json_t *ep[RC_BENCH_BATCH];
        size_t m = n - k < chunk ? n - k : chunk;
        for (size_t i = k; i < k + m; i++)
            ep[i - k] = in[i] ? rc_analyse(an, in[i], bench_now, err, sizeof(err)) : NULL;
        for (size_t i = k; i < k + m; i++) {
            size_t len = 0;
            out[i] = NULL;
            ok += ep[i - k] &&
                  rc_serde_encode(serde, RC_SCHEMA_ENRICHED_POST, NULL, ep[i - k], &out[i], &len, err, sizeof(err)) == 0;
            json_decref(ep[i - k]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(out[i]);
        json_decref(in[i]);
    }
    return ok;
}

/* Returns the number of records that went through. */
__attribute__((noinline)) static long run_phase(const char *phase, const corpus_t *c, const rc_analysers_t *an,
                                                rc_serde_t *serde, long rounds, int threads, size_t chunk) {
    char err[512];
    long ok = 0;

    if (!strcmp(phase, "analysers")) {
        slice_t sl[64];
        pthread_t th[64];
        if (threads < 1)
            threads = 1;
        for (int t = 0; t < threads; t++) {
            sl[t] = (slice_t){an, c, c->n * (size_t)t / (size_t)threads, c->n * (size_t)(t + 1) / (size_t)threads,
                              rounds, 0};
            if (threads > 1 && pthread_create(&th[t], NULL, analyse_slice, &sl[t]))
                abort();
        }
        if (threads == 1)
            analyse_slice(&sl[0]);
        for (int t = 0; t < threads; t++) {
            if (threads > 1)
                pthread_join(th[t], NULL);
            ok += sl[t].ok;
        }
        return ok;
    }
    if (!strcmp(phase, "batch")) {
        for (long r = 0; r < rounds; r++)
            for (size_t i = 0; i < c->n; i += RC_BENCH_BATCH)
                ok += run_batch(c, an, serde, i, c->n - i < RC_BENCH_BATCH ? c->n - i : RC_BENCH_BATCH, chunk);
        return ok;
    }
    for (long r = 0; r < rounds; r++) {
        for (size_t i = 0; i < c->n; i++) {
            if (!strcmp(phase, "decode")) {
                json_t *p = rc_serde_decode(serde, RC_SCHEMA_POST, c->avro[i], c->avro_len[i], err, sizeof(err));
                ok += p != NULL;
                json_decref(p);
            } else if (!strcmp(phase, "encode")) {
                void *buf = NULL;
                size_t len = 0;
                ok += rc_serde_encode(serde, RC_SCHEMA_ENRICHED_POST, NULL, c->enriched[i], &buf, &len, err,
                                      sizeof(err)) == 0;
                free(buf);
            } else { /* kafka */
                void *buf = NULL;
                size_t len = 0;
                json_t *p = rc_serde_decode(serde, RC_SCHEMA_POST, c->avro[i], c->avro_len[i], err, sizeof(err));
                json_t *ep = p ? rc_analyse(an, p, bench_now, err, sizeof(err)) : NULL;
                ok += ep && rc_serde_encode(serde, RC_SCHEMA_ENRICHED_POST, NULL, ep, &buf, &len, err,
                                            sizeof(err)) == 0;
                free(buf);
                json_decref(ep);
                json_decref(p);
            }
        }
    }
    return ok;
}

static void usage(void) {
    fprintf(stderr,
            "usage: bench_enrich_cpu [-r ROUNDS] [-p analysers|decode|encode|kafka|batch|all] [-t THREADS] [-c CHUNK] FILE.jsonl\n");
}

int main(int argc, char **argv) {
    static const char *const phases[] = {"analysers", "decode", "encode", "kafka", "batch"};
    const char *phase = "all";
    long rounds = 1;
    int threads = 1, opt, ret = 0;
    size_t chunk = 64;
    corpus_t c = {0};
    char err[512];

    while ((opt = getopt(argc, argv, "r:p:t:c:h")) != -1) {
        switch (opt) {
        case 'r': rounds = atol(optarg); break;
        case 'p': phase = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'c': chunk = (size_t)atol(optarg); break;
        default: usage(); return 2;
        }
    }
    if (optind >= argc || rounds < 1 || threads < 1 || threads > 64 || chunk < 1 || chunk > 500) {
        usage();
        return 2;
    }
    if (read_posts(argv[optind], &c) || c.n == 0) {
        fprintf(stderr, "bench_enrich_cpu: cannot read posts from %s (or it is empty)\n", argv[optind]);
        return 1;
    }
    rc_analysers_t *an = rc_analysers_new(NULL, err, sizeof(err));
    rc_serde_t *serde = rc_serde_new(NULL, err, sizeof(err));
    if (!an || !serde) {
        fprintf(stderr, "bench_enrich_cpu: %s\n", err);
        return 1;
    }
    /* The Avro of each Post and the EnrichedPost of each, made once. */
    c.avro = calloc(c.n, sizeof(*c.avro));
    c.avro_len = calloc(c.n, sizeof(*c.avro_len));
    c.enriched = calloc(c.n, sizeof(*c.enriched));
    if (!c.avro || !c.avro_len || !c.enriched)
        return 1;
    for (size_t i = 0; i < c.n; i++) {
        if (rc_serde_encode(serde, RC_SCHEMA_POST, NULL, c.posts[i], &c.avro[i], &c.avro_len[i], err, sizeof(err)) ||
            !(c.enriched[i] = rc_analyse(an, c.posts[i], bench_now, err, sizeof(err)))) {
            fprintf(stderr, "bench_enrich_cpu: post %zu: %s\n", i + 1, err);
            return 1;
        }
    }
    for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
        if (strcmp(phase, "all") && strcmp(phase, phases[p]))
            continue;
        double t0 = cpu_s();
        long ok = run_phase(phases[p], &c, an, serde, rounds, threads, chunk);
        double dt = cpu_s() - t0;
        long total = rounds * (long)c.n;
        if (ok != total) {
            fprintf(stderr, "bench_enrich_cpu: %s: only %ld of %ld records went through\n", phases[p], ok, total);
            ret = 1;
        }
        if (!strcmp(phases[p], "analysers"))
            printf("BENCH stage=analysers msgs=%ld msgs_per_s=%.0f\n", total, dt > 0 ? (double)total / dt : 0.0);
        printf("CPU phase=%s records=%ld us_per_record=%.2f\n", phases[p], total, dt * 1e6 / (double)total);
    }
    for (size_t i = 0; i < c.n; i++) {
        json_decref(c.posts[i]);
        json_decref(c.enriched[i]);
        free(c.avro[i]);
    }
    free(c.posts);
    free(c.enriched);
    free(c.avro);
    free(c.avro_len);
    rc_serde_destroy(serde);
    rc_analysers_destroy(an);
    return ret;
}
