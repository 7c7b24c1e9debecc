/*
 * Model: a classifier trained with `ricochet train` (enrich/model.h) in place
 * of, or alongside, the built-in intent rules and VADER sentiment label.
 *
 * Runs after intent and before urgency, so urgency sees the final labels.
 * Without enrich.model.path it does nothing. With it:
 *   replace  the model's label is the post's intent / sentiment label;
 *   combine  the model's label is used only when its probability is at
 *            least min_confidence, otherwise the built-in label stays.
 * The sentiment score stays VADER's compound in either mode: only the label
 * changes. What the model said is recorded either way (EnrichedPost.model).
 *
 * The file is read once at start; a file that does not load (missing,
 * truncated, another format version, a head the config asks for but the
 * file lacks) fails the start, and --check, with the path and the reason.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "model.h"

typedef struct model_conf {
    char *path;
    char *mode;
    double min_confidence;
    char *heads;
} model_conf_t;

static const rc_config_entry_t model_table[] = {
    {"path", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(model_conf_t, path), 0,
     "Model file written by `ricochet train`; unset: no model (the built-in labels stand)."},
    {"mode", RC_CT_ENUM, "combine", 0, 0, "replace|combine", offsetof(model_conf_t, mode), 0,
     "replace: the model's label always wins; combine: only when its probability >= min_confidence."},
    {"min_confidence", RC_CT_DOUBLE, "0.6", 0, 1, NULL, offsetof(model_conf_t, min_confidence), 0,
     "With mode combine: the probability from which the model's label replaces the built-in one."},
    {"heads", RC_CT_ENUM, "all", 0, 0, "intent|sentiment|all", offsetof(model_conf_t, heads), 0,
     "Which labels the model decides (all: every head the file has)."},
    RC_CONFIG_END};

typedef struct model_state {
    rc_model_t *m;
    int replace;
    double min_confidence;
    int use[RC_MODEL_NHEADS];
} model_state_t;

static void model_destroy(void *state) {
    model_state_t *st = state;
    if (st == NULL)
        return;
    rc_model_destroy(st->m);
    free(st);
}

static int model_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    const model_conf_t *c = conf;
    model_state_t *st = NULL;
    char why[512];

    *statep = NULL;
    if (c == NULL || c->path == NULL || c->path[0] == '\0')
        return 0; /* no model: run() does nothing */
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *statep = st;
    st->replace = c->mode != NULL && strcmp(c->mode, "replace") == 0;
    st->min_confidence = c->min_confidence;
    st->m = rc_model_load(c->path, why, sizeof(why));
    if (st->m == NULL) {
        snprintf(errstr, errstr_size, "enrich.model.path: %s", why);
        return -1;
    }
    int want = c->heads == NULL || strcmp(c->heads, "all") == 0 ? -1 : rc_model_head_index(c->heads);
    for (int h = 0; h < RC_MODEL_NHEADS; h++)
        st->use[h] = rc_model_has_head(st->m, h) && (want < 0 || want == h);
    if (want >= 0 && !st->use[want]) {
        snprintf(errstr, errstr_size, "enrich.model.heads is %s but %s has no %s head (retrain with --head %s or all)",
                 c->heads, c->path, c->heads, c->heads);
        return -1;
    }
    return 0;
}

static int model_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const model_state_t *st = state;
    int best[RC_MODEL_NHEADS];
    double prob[RC_MODEL_NHEADS];
    (void)errstr;
    (void)errstr_size;

    /* Trained on the languages the user labelled; like the rules, it does
     * not guess at a language enrich.language does not list as supported. */
    if (st == NULL || !a->language_supported)
        return 0;
    rc_model_predict_heads(st->m, a->text, best, prob);
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        if (!st->use[h] || best[h] < 0)
            continue;
        /* The model's labels are this build's label strings (static). */
        const char *label = rc_model_head_labels(h, NULL)[best[h]];
        int apply = st->replace || prob[h] >= st->min_confidence;
        if (h == RC_MODEL_HEAD_INTENT) {
            a->model_intent = label;
            a->model_intent_p = prob[h];
            if (apply)
                a->intent = label;
        } else {
            a->model_sentiment = label;
            a->model_sentiment_p = prob[h];
            if (apply)
                a->sentiment_label = label;
        }
    }
    return 0;
}

const rc_analyser_t rc_analyser_model = {
    .name = "model",
    .config = model_table,
    .conf_size = sizeof(model_conf_t),
    .init = model_init,
    .run = model_run,
    .destroy = model_destroy,
};
