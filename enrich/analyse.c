/*
 * Runs the analyser registry over a Post and builds the EnrichedPost
 * (schemas/enriched_post.avsc) from what the analysers found.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"

struct rc_analysers {
    size_t n;
    void **states; /* states[i] belongs to rc_analyser_registry[i] */
};

rc_analysers_t *rc_analysers_new(char *errstr, size_t errstr_size) {
    rc_analysers_t *an = calloc(1, sizeof(*an));
    if (an == NULL)
        goto oom;
    while (rc_analyser_registry[an->n] != NULL)
        an->n++;
    an->states = calloc(an->n + 1, sizeof(*an->states));
    if (an->states == NULL)
        goto oom;
    for (size_t i = 0; i < an->n; i++) {
        const rc_analyser_t *az = rc_analyser_registry[i];
        char why[256] = "";
        if (az->init != NULL && az->init(&an->states[i], why, sizeof(why)) != 0) {
            snprintf(errstr, errstr_size, "analyser %s: %s", az->name, why);
            /* Only the analysers before this one have a state to free. */
            an->n = i;
            rc_analysers_destroy(an);
            return NULL;
        }
    }
    return an;
oom:
    snprintf(errstr, errstr_size, "out of memory creating the analysers");
    rc_analysers_destroy(an);
    return NULL;
}

void rc_analysers_destroy(rc_analysers_t *an) {
    if (an == NULL)
        return;
    for (size_t i = 0; an->states != NULL && i < an->n; i++) {
        if (rc_analyser_registry[i]->destroy != NULL)
            rc_analyser_registry[i]->destroy(an->states[i]);
    }
    free(an->states);
    free(an);
}

/* An Entities record with every array present and empty, for the analysers
 * to fill: the output always has the full shape even if an analyser is
 * removed from the registry. */
static json_t *empty_entities(void) {
    return json_pack("{s:[], s:[], s:[], s:[], s:[], s:[]}", "mentions", "hashtags", "urls", "people", "places",
                     "references");
}

json_t *rc_analyse(const rc_analysers_t *an, json_t *post, const char *now_rfc3339, char *errstr,
                   size_t errstr_size) {
    json_t *out = NULL;
    rc_analysis_t a;
    memset(&a, 0, sizeof(a));

    const char *text = json_string_value(json_object_get(post, "text"));
    if (!json_is_object(post) || text == NULL) {
        snprintf(errstr, errstr_size, "post has no \"text\" string");
        goto out;
    }
    if (now_rfc3339 == NULL) {
        snprintf(errstr, errstr_size, "no enriched_at time given");
        goto out;
    }
    a.post = post;
    a.text = text;
    a.sentiment_label = "neutral";
    a.intent = "other";
    snprintf(a.language, sizeof(a.language), "und");
    a.urgency_reasons = json_array();
    a.entities = empty_entities();
    if (a.urgency_reasons == NULL || a.entities == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }

    for (size_t i = 0; i < an->n; i++) {
        const rc_analyser_t *az = rc_analyser_registry[i];
        char why[256] = "";
        if (az->run(an->states[i], &a, why, sizeof(why)) != 0) {
            snprintf(errstr, errstr_size, "analyser %s: %s", az->name, why);
            goto out;
        }
    }

    int urgency = a.urgency < 0 ? 0 : a.urgency > 100 ? 100 : a.urgency;
    double score = isfinite(a.sentiment) ? fmax(-1.0, fmin(1.0, a.sentiment)) : 0.0;
    /* "o" steals the references to the reasons and entities. */
    out = json_pack("{s:O, s:{s:f, s:s}, s:s, s:i, s:o, s:o, s:s, s:s}", "post", post, "sentiment", "score", score,
                    "label", a.sentiment_label, "intent", a.intent, "urgency", urgency, "urgency_reasons",
                    a.urgency_reasons, "entities", a.entities, "language", a.language, "enriched_at", now_rfc3339);
    a.urgency_reasons = NULL;
    a.entities = NULL;
    if (out == NULL)
        snprintf(errstr, errstr_size, "out of memory building the enriched post");
out:
    json_decref(a.urgency_reasons);
    json_decref(a.entities);
    return out;
}
