/*
 * bench_model: how fast a trained model (enrich/model.h) loads and
 * classifies, on one core, with nothing else in the way.
 *
 *   bench_model [-r ROUNDS] MODEL FILE.jsonl
 *
 * Reads the "text" of every line of FILE (JSON Lines: labelled data or
 * Posts) into memory, loads MODEL (timed), then for ROUNDS passes (default
 * 20) classifies every text for every head at once (rc_model_predict_heads,
 * what enrich's model analyser calls), and once more per head alone
 * (rc_model_predict). Prints:
 *   MODEL load_ms=<ms> bits=<b> heads=<list>
 *   MODEL phase=<heads|intent|sentiment> posts=<N> posts_per_s=<X> ns_per_post=<Y> avg_bytes=<B>
 * Wall-clock numbers on a shared machine are noisy: take the best of a few
 * runs.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every line's "text" (owned); lines without one are skipped. */
static char **read_texts(const char *path, size_t *n, size_t *bytes) {
    FILE *fp = fopen(path, "r");
    char *line = NULL, **texts = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t len;

    *n = *bytes = 0;
    if (fp == NULL)
        return NULL;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        const char *t = json_string_value(json_object_get(j, "text"));
        if (t != NULL) {
            if (*n == alloc) {
                alloc = alloc ? alloc * 2 : 1024;
                char **nt = realloc(texts, alloc * sizeof(*nt));
                if (nt == NULL)
                    exit(1);
                texts = nt;
            }
            texts[*n] = strdup(t);
            *bytes += strlen(t);
            (*n)++;
        }
        json_decref(j);
    }
    free(line);
    fclose(fp);
    return texts;
}

int main(int argc, char **argv) {
    int rounds = 20, opt;
    while ((opt = getopt(argc, argv, "r:")) != -1) {
        if (opt == 'r')
            rounds = atoi(optarg);
        else
            goto usage;
    }
    if (argc - optind != 2 || rounds < 1)
        goto usage;

    size_t n, bytes;
    char **texts = read_texts(argv[optind + 1], &n, &bytes);
    if (texts == NULL || n == 0) {
        fprintf(stderr, "bench_model: %s: no lines with a \"text\"\n", argv[optind + 1]);
        return 1;
    }
    char errstr[512];
    double t0 = now_s();
    rc_model_t *m = rc_model_load(argv[optind], errstr, sizeof(errstr));
    if (m == NULL) {
        fprintf(stderr, "bench_model: %s\n", errstr);
        return 1;
    }
    printf("MODEL load_ms=%.1f bits=%u heads=%s%s\n", (now_s() - t0) * 1e3, rc_model_bits(m),
           rc_model_has_head(m, RC_MODEL_HEAD_INTENT) ? "intent," : "",
           rc_model_has_head(m, RC_MODEL_HEAD_SENTIMENT) ? "sentiment" : "");

    /* A checksum of the answers keeps the compiler from dropping the work. */
    unsigned long sink = 0;
    for (int phase = -1; phase < RC_MODEL_NHEADS; phase++) {
        const char *name = phase < 0 ? "heads" : rc_model_head_name(phase);
        if (phase >= 0 && !rc_model_has_head(m, phase))
            continue;
        t0 = now_s();
        for (int r = 0; r < rounds; r++) {
            for (size_t i = 0; i < n; i++) {
                if (phase < 0) {
                    int best[RC_MODEL_NHEADS];
                    double prob[RC_MODEL_NHEADS];
                    rc_model_predict_heads(m, texts[i], best, prob);
                    sink += (unsigned long)(best[0] + best[1]);
                } else {
                    sink += (unsigned long)rc_model_predict(m, name, texts[i], NULL, 0);
                }
            }
        }
        double dt = now_s() - t0, total = (double)n * rounds;
        printf("MODEL phase=%s posts=%.0f posts_per_s=%.0f ns_per_post=%.0f avg_bytes=%.0f\n", name, total,
               total / dt, dt / total * 1e9, (double)bytes / (double)n);
    }
    fprintf(stderr, "(checksum %lu)\n", sink);
    rc_model_destroy(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return 0;
usage:
    fprintf(stderr, "Usage: bench_model [-r ROUNDS] MODEL FILE.jsonl\n");
    return 2;
}
