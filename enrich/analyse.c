/*
 * Runs the analyser registry over a Post and builds the EnrichedPost
 * (schemas/enriched_post.avsc) from what the analysers found.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "analysers/text.h"

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
    static const char *const keys[] = {"mentions", "hashtags", "urls", "people", "places", "references"};
    json_t *e = json_object();
    for (size_t i = 0; e != NULL && i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (json_object_set_new_nocheck(e, keys[i], json_array()) != 0) {
            json_decref(e);
            e = NULL;
        }
    }
    return e;
}

json_t *rc_analyse(const rc_analysers_t *an, json_t *post, const char *now_rfc3339, char *errstr,
                   size_t errstr_size) {
    json_t *out = NULL;
    rc_analysis_t a;
    rc_words_t words;
    memset(&a, 0, sizeof(a));
    words.heap_w = NULL;
    words.heap_buf = NULL;

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
    /* Split once for all the rule-based analysers. */
    if (a.urgency_reasons == NULL || a.entities == NULL || rc_words_split(&words, text) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }

    a.words = &words;
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
    /* Built with the direct calls rather than json_pack(): this runs for
     * every post and the format parsing was a third of its cost. The
     * _new calls take the references (also on failure). */
    json_t *sentiment = json_object();
    out = json_object();
    int err = sentiment == NULL || out == NULL;
    err |= json_object_set_new_nocheck(sentiment, "score", json_real(score));
    err |= json_object_set_new_nocheck(sentiment, "label", json_string_nocheck(a.sentiment_label));
    err |= json_object_set_nocheck(out, "post", post);
    err |= json_object_set_new_nocheck(out, "sentiment", sentiment);
    err |= json_object_set_new_nocheck(out, "intent", json_string_nocheck(a.intent));
    err |= json_object_set_new_nocheck(out, "urgency", json_integer(urgency));
    err |= json_object_set_new_nocheck(out, "urgency_reasons", a.urgency_reasons);
    err |= json_object_set_new_nocheck(out, "entities", a.entities);
    err |= json_object_set_new_nocheck(out, "language", json_string_nocheck(a.language));
    err |= json_object_set_new(out, "enriched_at", json_string(now_rfc3339));
    a.urgency_reasons = NULL;
    a.entities = NULL;
    if (err) {
        snprintf(errstr, errstr_size, "cannot build the enriched post: out of memory, or enriched_at is not UTF-8");
        json_decref(out);
        out = NULL;
    }
out:
    rc_words_release(&words);
    json_decref(a.urgency_reasons);
    json_decref(a.entities);
    return out;
}
