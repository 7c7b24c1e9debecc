/*
 * bench_entities: the CPU cost of the entities analyser alone, and of the
 * whole analyser chain for comparison, on short posts.
 *
 *   bench_entities [-r ROUNDS] [-c CONFIG.yaml] [FILE]
 *
 * FILE holds one post text per line (e.g. `jq -r '.data.text // .content'
 * examples/posts.jsonl`); without it a built-in set of typical customer
 * posts is used. CONFIG's enrich.entities section configures the analyser
 * (reference patterns, brands, gazetteer files) as the worker would. The
 * words are split once per post outside the timed loop, as rc_analyse()
 * does for every analyser. Prints:
 *   CPU phase=entities posts=<N> us_per_post=<X> posts_per_s=<Y>
 *   CPU phase=chain posts=<N> us_per_post=<X> posts_per_s=<Y>
 * Wall-clock per post is noisy on a shared machine: take the best of a few
 * runs.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyse.h"
#include "analysers/text.h"

static const char *const builtin_posts[] = {
    "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.",
    "Who rocks Denver? Cindy rocks @SWA.",
    "Up at 5 for a 7am flight. Coffee is not optional today.",
    "Early flight out of DEN today, wish me luck",
    "@united flight 1234 delayed 3 hours at ORD and nobody at the desk knows anything #fail",
    "how do I change my seat on confirmation ABC123? thanks",
    "Shoutout to Maria at gate B4 for getting my mom on the earlier flight to San Francisco!",
    "my order #558812 never arrived, tracking says delivered. @acme please help",
    "lost my bag on UA 89 from Newark to London, third time this year",
    "Loving the new lounge at LAX https://example.com/lounge",
    "Anyone else stuck in New York tonight? All flights to Boston cancelled",
    "The app keeps crashing when I try to check in. Booking ref X7Y8Z9",
    "thank you agent Tom R. at the Chicago counter, you saved my trip",
    "is wifi free on international flights now?",
    "Worst customer service ever. On hold for 2 hours. Never again.",
    "Great crew on WN1234 this morning, landed early in Phoenix",
    "Pilot Captain Reyes kept us updated the whole delay, much appreciated",
    "can you refund my ticket? I cancelled within 24 hours",
    "lol the CEO email was a joke, OMG what a week",
    "gate agent at MSP was so helpful, flight to Seattle on time",
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_texts(const char *path, char ***textsp, size_t *np) {
    FILE *fp = fopen(path, "r");
    char *line = NULL, **texts = NULL;
    size_t cap = 0, n = 0, alloc = 0;
    ssize_t len;
    if (fp == NULL)
        return -1;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 256;
            texts = realloc(texts, alloc * sizeof(*texts));
            if (texts == NULL)
                abort();
        }
        texts[n++] = strdup(line);
    }
    free(line);
    fclose(fp);
    *textsp = texts;
    *np = n;
    return 0;
}

/* What rc_analyse() gives the analysers to fill. */
static json_t *new_entities(void) {
    return json_pack("{s:[], s:[], s:[], s:[], s:[], s:[], s:[]}", "mentions", "hashtags", "urls", "people", "places",
                     "references", "brands");
}

/* Runs the entities analyser on one post; returns the number of places
 * found (so the work is not optimised away), or -1 with errstr. */
__attribute__((noinline)) static long run_entities(const rc_analyser_t *az, const void *state, const char *text,
                                                   const rc_words_t *words, char *errstr, size_t errstr_size) {
    rc_analysis_t a;
    memset(&a, 0, sizeof(a));
    a.text = text;
    a.words = words;
    a.entities = new_entities();
    long found = -1;
    if (az->run(state, &a, errstr, errstr_size) == 0)
        found = (long)json_array_size(json_object_get(a.entities, "places"));
    json_decref(a.entities);
    return found;
}

int main(int argc, char **argv) {
    long rounds = 20000;
    const char *config_path = NULL;
    char **texts = (char **)builtin_posts, err[512];
    size_t n = sizeof(builtin_posts) / sizeof(builtin_posts[0]);
    int opt, owned = 0, rc = 1;
    rc_config_t *cfg = NULL;
    rc_analysers_t *an = NULL;
    void *conf = NULL, *state = NULL;
    const rc_analyser_t *az = NULL;

    while ((opt = getopt(argc, argv, "r:c:h")) != -1) {
        switch (opt) {
        case 'r': rounds = atol(optarg); break;
        case 'c': config_path = optarg; break;
        default: fprintf(stderr, "usage: bench_entities [-r ROUNDS] [-c CONFIG.yaml] [FILE]\n"); return 2;
        }
    }
    if (optind < argc) {
        if (read_texts(argv[optind], &texts, &n) != 0 || n == 0) {
            fprintf(stderr, "bench_entities: cannot read posts from %s\n", argv[optind]);
            return 1;
        }
        owned = 1;
    }
    cfg = config_path ? rc_config_load_file(config_path, err, sizeof(err))
                      : rc_config_load_string("{}", "<defaults>", err, sizeof(err));
    if (cfg == NULL)
        goto fail;
    for (size_t i = 0; rc_analyser_registry[i] != NULL; i++)
        if (!strcmp(rc_analyser_registry[i]->name, "entities"))
            az = rc_analyser_registry[i];
    if (az == NULL) {
        snprintf(err, sizeof(err), "no entities analyser");
        goto fail;
    }
    if (az->config != NULL) {
        conf = calloc(1, az->conf_size);
        if (conf == NULL || rc_config_bind(cfg, "enrich.entities", az->config, conf, err, sizeof(err)) != 0)
            goto fail;
    }
    if (az->init_config != NULL ? az->init_config(&state, conf, cfg, err, sizeof(err)) != 0
                                : az->init(&state, conf, err, sizeof(err)) != 0)
        goto fail;
    an = rc_analysers_new(cfg, err, sizeof(err));
    if (an == NULL)
        goto fail;

    /* Entities alone, on words split beforehand. */
    rc_words_t *words = calloc(n, sizeof(*words));
    json_t **posts = calloc(n, sizeof(*posts));
    if (words == NULL || posts == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (rc_words_split(&words[i], texts[i]) != 0)
            abort();
        posts[i] = json_pack("{s:s, s:s, s:{s:s, s:s, s:i}, s:s, s:n}", "id", "1", "platform", "x", "author", "id",
                             "a1", "handle", "someone", "followers", 10, "text", texts[i], "lang");
    }
    /* Best of five passes of rounds/5 each; the empty entities object the
     * chain would have made is timed alone and subtracted. */
    long per = rounds / 5 > 0 ? rounds / 5 : 1;
    double best_run = 1e30, best_empty = 1e30, best_chain = 1e30;
    long places = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
        for (long r = 0; r < per; r++)
            for (size_t i = 0; i < n; i++) {
                long p = run_entities(az, state, texts[i], &words[i], err, sizeof(err));
                if (p < 0)
                    goto fail;
                places += p;
            }
        double t1 = now_s();
        for (long r = 0; r < per; r++)
            for (size_t i = 0; i < n; i++)
                json_decref(new_entities());
        double t2 = now_s();
        for (long r = 0; r < per / 10 + 1; r++)
            for (size_t i = 0; i < n; i++) {
                json_t *ep = rc_analyse(an, posts[i], "2026-11-22T08:00:00Z", err, sizeof(err));
                if (ep == NULL)
                    goto fail;
                json_decref(ep);
            }
        double t3 = now_s();
        best_run = t1 - t0 < best_run ? t1 - t0 : best_run;
        best_empty = t2 - t1 < best_empty ? t2 - t1 : best_empty;
        best_chain = t3 - t2 < best_chain ? t3 - t2 : best_chain;
    }
    double total = (double)per * (double)n, us = (best_run - best_empty) / total * 1e6;
    printf("CPU phase=entities posts=%.0f us_per_post=%.3f posts_per_s=%.0f places=%ld\n", total, us, 1e6 / us, places);
    total = (double)(per / 10 + 1) * (double)n;
    us = best_chain / total * 1e6;
    printf("CPU phase=chain posts=%.0f us_per_post=%.3f posts_per_s=%.0f\n", total, us, 1e6 / us);

    for (size_t i = 0; i < n; i++) {
        rc_words_release(&words[i]);
        json_decref(posts[i]);
    }
    free(words);
    free(posts);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_entities: %s\n", err);
out:
    if (az != NULL && az->destroy != NULL)
        az->destroy(state);
    if (conf != NULL) {
        rc_config_table_free(az->config, conf);
        free(conf);
    }
    rc_analysers_destroy(an);
    rc_config_destroy(cfg);
    if (owned) {
        for (size_t i = 0; i < n; i++)
            free(texts[i]);
        free(texts);
    }
    return rc;
}
