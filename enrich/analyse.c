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
#include "util.h"

struct rc_analysers {
    size_t n;
    void **states; /* states[i] belongs to rc_analyser_registry[i] */
    void **confs;  /* the bound "enrich.<name>" structs (NULL without a table) */
};

rc_analysers_t *rc_analysers_new(const rc_config_t *cfg, char *errstr, size_t errstr_size) {
    rc_config_t *empty = NULL;
    rc_analysers_t *an = calloc(1, sizeof(*an));
    if (an == NULL)
        goto oom;
    while (rc_analyser_registry[an->n] != NULL)
        an->n++;
    an->states = calloc(an->n + 1, sizeof(*an->states));
    an->confs = calloc(an->n + 1, sizeof(*an->confs));
    if (an->states == NULL || an->confs == NULL)
        goto oom;
    if (cfg == NULL) {
        /* Tests and tools without a config file: every default. */
        empty = rc_config_load_string("{}", "<defaults>", errstr, errstr_size);
        if (empty == NULL)
            goto fail;
        cfg = empty;
    }
    for (size_t i = 0; i < an->n; i++) {
        const rc_analyser_t *az = rc_analyser_registry[i];
        char why[512] = "";
        if (az->config != NULL) {
            char section[96];
            snprintf(section, sizeof(section), "enrich.%s", az->name);
            an->confs[i] = calloc(1, az->conf_size > 0 ? az->conf_size : 1);
            if (an->confs[i] == NULL)
                goto oom;
            if (rc_config_bind(cfg, section, az->config, an->confs[i], errstr, errstr_size) != 0) {
                an->n = i + 1; /* frees this conf; its state is still NULL */
                goto fail;
            }
        }
        if (az->init_config != NULL) {
            if (az->init_config(&an->states[i], an->confs[i], cfg, errstr, errstr_size) != 0) {
                an->n = i + 1;
                goto fail;
            }
        } else if (az->init != NULL && az->init(&an->states[i], an->confs[i], why, sizeof(why)) != 0) {
            /* A bad value in the section: say where the section is. */
            char section[96], where[300] = "";
            snprintf(section, sizeof(section), "enrich.%s", az->name);
            const rc_node_t *node = az->config != NULL ? rc_node_get(cfg->root, section) : NULL;
            if (node != NULL) {
                rc_config_where(cfg, node, where, sizeof(where));
                snprintf(errstr, errstr_size, "%skey '%s': %s", where, section, why);
            } else {
                snprintf(errstr, errstr_size, "analyser %s: %s", az->name, why);
            }
            /* The analysers up to this one have a conf; this one's state is
             * whatever init left (destroy is safe on it or on NULL). */
            an->n = i + 1;
            goto fail;
        }
    }
    rc_config_destroy(empty);
    return an;
oom:
    snprintf(errstr, errstr_size, "out of memory creating the analysers");
fail:
    rc_config_destroy(empty);
    rc_analysers_destroy(an);
    return NULL;
}

void rc_analysers_destroy(rc_analysers_t *an) {
    if (an == NULL)
        return;
    for (size_t i = 0; i < an->n; i++) {
        const rc_analyser_t *az = rc_analyser_registry[i];
        if (an->states != NULL && az->destroy != NULL)
            az->destroy(an->states[i]);
        if (an->confs != NULL && an->confs[i] != NULL) {
            rc_config_table_free(az->config, an->confs[i]);
            free(an->confs[i]);
        }
    }
    free(an->states);
    free(an->confs);
    free(an);
}

/* An Entities record with every array present and empty, for the analysers
 * to fill: the output always has the full shape even if an analyser is
 * removed from the registry. */
static json_t *empty_entities(void) {
    static const char *const keys[] = {"mentions", "hashtags", "urls", "people", "places", "references", "brands"};
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
    return rc_analyse_customer(an, post, NULL, now_rfc3339, errstr, errstr_size);
}

/* A Customer record (enriched_post.avsc) for "c", or JSON null when no
 * lookup is configured. */
static json_t *customer_record(const rc_customer_t *c) {
    if (c == NULL || c->status == NULL || !strcmp(c->status, "disabled"))
        return json_null();
    json_t *r = json_object();
    int err = r == NULL;
    err |= json_object_set_new_nocheck(r, "status", json_string_nocheck(c->status));
    err |= json_object_set_new_nocheck(r, "tier", c->tier != NULL ? json_string(c->tier) : json_null());
    err |= json_object_set_new_nocheck(r, "attributes",
                                      json_is_object(c->attributes) ? json_deep_copy(c->attributes) : json_object());
    if (err) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* A ModelResult record (enriched_post.avsc) of what the trained model said,
 * or JSON null when no model is configured. */
static json_t *model_record(const rc_analysis_t *a) {
    if (a->model_intent == NULL && a->model_sentiment == NULL)
        return json_null();
    json_t *r = json_object();
    int err = r == NULL;
    json_t *intent = a->model_intent ? json_string_nocheck(a->model_intent) : json_null();
    json_t *sentiment = a->model_sentiment ? json_string_nocheck(a->model_sentiment) : json_null();
    err |= json_object_set_new_nocheck(r, "intent", intent);
    err |= json_object_set_new_nocheck(r, "intent_confidence", json_real(a->model_intent_p));
    err |= json_object_set_new_nocheck(r, "sentiment", sentiment);
    err |= json_object_set_new_nocheck(r, "sentiment_confidence", json_real(a->model_sentiment_p));
    if (err) {
        json_decref(r);
        return NULL;
    }
    return r;
}

json_t *rc_analyse_customer(const rc_analysers_t *an, json_t *post, const rc_customer_t *customer,
                            const char *now_rfc3339, char *errstr, size_t errstr_size) {
    static const rc_customer_t no_lookup = {"disabled", NULL, NULL};
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
    a.language_source = "undetermined";
    a.language_supported = 1;
    a.customer = customer != NULL ? customer : &no_lookup;
    if (rc_rfc3339_epoch(now_rfc3339, &a.now) != 0)
        a.now = 0;
    a.redactions = json_array();
    a.urgency_reasons = json_array();
    a.entities = empty_entities();
    /* Split once for all the rule-based analysers. */
    if (a.urgency_reasons == NULL || a.redactions == NULL || a.entities == NULL || rc_words_split(&words, text) != 0) {
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
    err |= json_object_set_new_nocheck(out, "redacted_text", json_string_nocheck(a.redacted_text != NULL ? a.redacted_text : text));
    err |= json_object_set_new_nocheck(out, "redactions", a.redactions);
    err |= json_object_set_new_nocheck(out, "language_source", json_string_nocheck(a.language_source));
    err |= json_object_set_new_nocheck(out, "customer", customer_record(a.customer));
    err |= json_object_set_new_nocheck(out, "model", model_record(&a));
    a.redactions = NULL;
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
    json_decref(a.redactions);
    free(a.redacted_text);
    return out;
}
