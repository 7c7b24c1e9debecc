/*
 * ricochet-enrich: Posts in, EnrichedPosts out. The analysers (analyse.h)
 * do the work; this file only wires them to the worker runtime. The output
 * keeps the input's key (platform:author_id) so one author's posts stay in
 * order for route's case windows.
 */
#include "enrich.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "log.h"
#include "lookup.h"
#include "parallel.h"
#include "util.h"

typedef struct rc_enrich {
    const rc_enrich_conf_t *conf;
    rc_analysers_t *an;
    rc_lookup_t *lookup; /* enrich.lookup; disabled without a url */
    rc_metric_t *m_intent[5];
} rc_enrich_t;

#define OFF(i) offsetof(rc_enrich_conf_t, sections) + (i) * sizeof(const void *)
/* Each analyser's keys are in its own table (enrich/analysers/<name>.c),
 * bound by rc_analysers_new() with the same file:line errors; listing the
 * sections here makes the worker accept them. A test checks every
 * analyser with keys is listed. */
static const rc_config_entry_t rc_enrich_table[] = {
    {"language", RC_CT_NODE, NULL, 0, 0, NULL, OFF(0), 0, "Language detection (docs/analysers.md)."},
    {"sentiment", RC_CT_NODE, NULL, 0, 0, NULL, OFF(1), 0, "Sentiment (docs/analysers.md)."},
    {"entities", RC_CT_NODE, NULL, 0, 0, NULL, OFF(2), 0,
     "Entities: reference patterns, brands, gazetteer (docs/analysers.md)."},
    {"intent", RC_CT_NODE, NULL, 0, 0, NULL, OFF(3), 0, "Intent (docs/analysers.md)."},
    {"model", RC_CT_NODE, NULL, 0, 0, NULL, OFF(4), 0, "A trained model (docs/model.md)."},
    {"urgency", RC_CT_NODE, NULL, 0, 0, NULL, OFF(5), 0, "Urgency (docs/analysers.md)."},
    {"privacy", RC_CT_NODE, NULL, 0, 0, NULL, OFF(6), 0, "Redaction of personal data (docs/analysers.md)."},
    {"lookup", RC_CT_NODE, NULL, 0, 0, NULL, OFF(7), 0, "The customer/CRM lookup (docs/analysers.md)."},
    {"threads", RC_CT_INT, "0", 0, 64, NULL, offsetof(rc_enrich_conf_t, threads), 0,
     "Threads that analyse a batch (0: one per CPU, at most 4; 1: none besides the worker's own). Outputs keep "
     "their input order."},
    RC_CONFIG_END};
#undef OFF

static const char *const rc_intents[5] = {"complaint", "praise", "question", "request", "other"};

static int rc_enrich_init(void **ctxp, rc_worker_t *w, const void *conf, char *errstr, size_t errstr_size) {
    rc_enrich_t *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *ctxp = e;
    e->conf = conf;
    /* A new analyser with keys must be listed in rc_enrich_table, or the
     * worker would reject its section as an unknown key. */
    for (size_t i = 0; rc_analyser_registry[i] != NULL; i++) {
        const rc_analyser_t *az = rc_analyser_registry[i];
        int listed = 0;
        for (size_t k = 0; rc_enrich_table[k].name != NULL; k++)
            listed |= !strcmp(rc_enrich_table[k].name, az->name);
        if (az->config != NULL && !listed) {
            snprintf(errstr, errstr_size, "internal: analyser %s has keys but enrich.%s is not in rc_enrich_table",
                     az->name, az->name);
            return -1;
        }
    }
    e->an = rc_analysers_new(rc_worker_config(w), errstr, errstr_size);
    if (!e->an)
        return -1;
    const rc_common_conf_t *cc = rc_worker_common(w);
    e->lookup = rc_lookup_new(rc_worker_config(w), cc->redis_url, cc->redis_timeout_ms, !rc_worker_checking(w), errstr,
                              errstr_size);
    if (!e->lookup)
        return -1;
    for (int i = 0; i < 5; i++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "intent=\"%s\"", rc_intents[i]);
        e->m_intent[i] = rc_worker_counter(w, "posts_total", labels, "Posts enriched, by intent.");
    }
    return 0;
}

static void rc_enrich_destroy(void *ctx) {
    rc_enrich_t *e = ctx;
    if (!e)
        return;
    rc_analysers_destroy(e->an);
    rc_lookup_destroy(e->lookup);
    free(e);
}

/* The analysers are pure and most of a record's cost, so a batch is
 * analysed on enrich.threads threads, a chunk at a time, each thread over a
 * contiguous run of the chunk's inputs into eps[] (or the reason into
 * errs[], malloc'd); emitting and dead-lettering stay on the worker's
 * thread, in input order, once every thread is done with the chunk (so the
 * worker's delivery tracking is unchanged). */
typedef struct {
    const rc_analysers_t *an;
    rc_input_t **in;
    const rc_customer_t *cust; /* the lookup's result per input, or NULL */
    json_t **eps;
    char **errs;
    const char *now;
} rc_enrich_job_t;

static void rc_enrich_analyse_run(void *arg, size_t from, size_t to) {
    rc_enrich_job_t *job = arg;
    char err[512];

    for (size_t i = from; i < to; i++) {
        job->eps[i] = rc_analyse_customer(job->an, job->in[i]->record, job->cust ? &job->cust[i] : NULL, job->now,
                                          err, sizeof(err));
        if (!job->eps[i] && !(job->errs[i] = strdup(err)))
            job->errs[i] = NULL; /* reported as "out of memory" below */
    }
}

/* A thread analyses at least this many posts of a batch (~7 us each;
 * starting a thread costs about as much as a few). */
#define RC_ENRICH_MIN_PER_THREAD 32
/* Posts analysed per thread before their outputs are emitted. */
#define RC_ENRICH_CHUNK 64
/* enrich.threads 0: one per online CPU, at most this many. */
#define RC_ENRICH_AUTO_MAX_THREADS 4

static int rc_enrich_process(void *ctx, rc_worker_t *w, rc_input_t **in, size_t n) {
    rc_enrich_t *e = ctx;
    char now[40], err[512], key[512];
    json_t **eps = calloc(n ? n : 1, sizeof(*eps));
    char **errs = calloc(n ? n : 1, sizeof(*errs));

    if (!eps || !errs) {
        free(eps);
        free(errs);
        return -1; /* out of memory: stop; the batch is read again */
    }
    rc_now_rfc3339(now, sizeof(now));
    /* The customer lookup for the whole batch first (one Redis round trip,
     * concurrent CRM requests); without memory for it the posts go on as
     * if no lookup were configured. */
    rc_customer_t *cust = rc_lookup_enabled(e->lookup) ? calloc(n ? n : 1, sizeof(*cust)) : NULL;
    const json_t **posts = cust ? calloc(n ? n : 1, sizeof(*posts)) : NULL;
    if (posts) {
        for (size_t i = 0; i < n; i++)
            posts[i] = in[i]->record;
        rc_lookup_batch(e->lookup, posts, n, cust);
    }
    /* In chunks of RC_ENRICH_CHUNK per thread, each analysed and then
     * emitted while its EnrichedPosts are still in the CPU's caches
     * (analysing all 500 of a batch before encoding any cost ~30% more). */
    size_t threads = rc_parallel_threads(e->conf->threads, RC_ENRICH_AUTO_MAX_THREADS, n, RC_ENRICH_MIN_PER_THREAD);
    size_t chunk = threads * RC_ENRICH_CHUNK;
    for (size_t i = 0; i < n; i++) {
        if (i % chunk == 0) {
            size_t m = n - i < chunk ? n - i : chunk;
            rc_enrich_job_t job = {e->an, in + i, posts ? cust + i : NULL, eps + i, errs + i, now};
            rc_parallel_for(m, rc_parallel_threads(e->conf->threads, RC_ENRICH_AUTO_MAX_THREADS, m,
                                                   RC_ENRICH_MIN_PER_THREAD),
                            rc_enrich_analyse_run, &job);
        }
        json_t *ep = eps[i];
        if (!ep) {
            rc_worker_dead_letter(w, in[i], "validation", "analyse: %s", errs[i] ? errs[i] : "out of memory");
            free(errs[i]);
            continue;
        }
        const char *intent = json_string_value(json_object_get(ep, "intent"));
        for (int k = 0; k < 5; k++)
            if (intent && !strcmp(intent, rc_intents[k]))
                rc_metric_inc(e->m_intent[k], 1);
        const json_t *post = in[i]->record;
        snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(post, "platform")),
                 json_string_value(json_object_get(json_object_get(post, "author"), "id")));
        if (rc_worker_emit(w, in[i], RC_OUT_ENRICHED, key, ep, err, sizeof(err)))
            rc_worker_dead_letter(w, in[i], "schema", "cannot produce enriched post: %s", err);
        json_decref(ep);
    }
    free(eps);
    free(errs);
    free(posts);
    free(cust);
    return 0;
}

/* --config-reference: each analyser's keys, from its own table. */
static void rc_enrich_config_reference(FILE *fp) {
    for (size_t i = 0; rc_analyser_registry[i] != NULL; i++) {
        const rc_analyser_t *az = rc_analyser_registry[i];
        char section[96];
        if (az->config == NULL)
            continue;
        snprintf(section, sizeof(section), "enrich.%s", az->name);
        fprintf(fp, "\n### `%s`\n\n", section);
        rc_config_table_print(fp, section, az->config, 1);
    }
    fprintf(fp, "\n### `enrich.lookup`\n\n");
    rc_config_table_print(fp, "enrich.lookup", rc_lookup_config, 1);
}

static void rc_enrich_summary(void *ctx, json_t *s) {
    rc_enrich_t *e = ctx;
    json_t *by = json_object();
    for (int k = 0; k < 5; k++)
        json_object_set_new(by, rc_intents[k], json_integer((json_int_t)rc_metric_value(e->m_intent[k])));
    json_object_set_new(s, "by_intent", by);
}

const rc_stage_t rc_stage_enrich = {
    .name = "enrich",
    .description = "Consumes Posts, adds sentiment, intent, urgency, entities and language, produces EnrichedPosts.",
    .default_http_port = 8082,
    .in_topic = "posts",
    .in_schema = RC_SCHEMA_POST,
    .config = rc_enrich_table,
    .conf_size = sizeof(rc_enrich_conf_t),
    .init = rc_enrich_init,
    .process = rc_enrich_process,
    .config_reference = rc_enrich_config_reference,
    .summary = rc_enrich_summary,
    .destroy = rc_enrich_destroy,
};
