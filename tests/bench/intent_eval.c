/*
 * bench_intent_eval: how well the intent and sentiment analysers agree with
 * the hand-labelled development set (tests/data/devset/, one JSON Lines file per group of industries).
 *
 *   bench_intent_eval [--errors CLASS] [--sentiment-errors LABEL] [--time REPS] FILE...
 *
 * Each line of each FILE is one labelled post ({"id","industry","platform",
 * "text","intent","sentiment"}); it becomes a minimal Post (the line's
 * platform, 100 followers, lang "en") and goes through rc_analyse(), the
 * same chain ricochet-enrich runs. The posts are split by the number at the
 * end of their id: odd numbers are the "tune" split (the only one whose
 * errors may be looked at while changing the rules), even numbers the
 * "holdout" split (never looked at; it tells whether a change generalises).
 *
 * Prints, for eval=intent and eval=sentiment and each split (tune, holdout,
 * all):
 *   BENCH eval=E split=S class=C precision=P recall=R f1=F support=N
 *   BENCH eval=E split=S macro_f1=M accuracy=A n=N
 *   BENCH eval=E split=S confusion gold=C pred_C1=.. pred_C2=..
 * --errors CLASS prints the tune split's posts misclassified with respect to
 * intent CLASS (gold CLASS predicted otherwise, and predicted CLASS wrongly);
 * --sentiment-errors LABEL the same for the sentiment label.
 * --time REPS runs the sentiment and intent analysers alone REPS times over
 * every post (words split, entities found beforehand, as rc_analyse() does)
 * and prints their cost per post (CPU time of the thread):
 *   BENCH eval=speed analyser=A posts=N ns_per_post=X
 *
 * Exit status: 0, or 1 on a bad argument, an unreadable file or a line that
 * is not a labelled post (reported with file:line).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "analyse.h"
#include "analysers/text.h"
#include "config.h"

static const char *const intents[] = {"complaint", "request", "question", "praise", "other"};
static const char *const sentiments[] = {"negative", "neutral", "positive"};
#define N_INTENTS 5
#define N_SENTIMENTS 3
#define MAX_CLASSES 5

enum { SPLIT_TUNE = 0, SPLIT_HOLDOUT = 1, SPLIT_ALL = 2, N_SPLITS = 3 };
static const char *const split_names[N_SPLITS] = {"tune", "holdout", "all"};

typedef struct sample {
    char *where; /* "file:line" */
    char *id;
    json_t *post; /* the Post built from the line (owned) */
    int split;    /* SPLIT_TUNE or SPLIT_HOLDOUT */
    int gold_intent, gold_sentiment;
    int pred_intent, pred_sentiment;
    double compound;
} sample_t;

typedef struct samples {
    sample_t *s;
    size_t n, cap;
} samples_t;

static int class_index(const char *name, const char *const *classes, int n) {
    for (int i = 0; name != NULL && i < n; i++) {
        if (strcmp(name, classes[i]) == 0)
            return i;
    }
    return -1;
}

/* The split of "id" ("tr-0007"): by the parity of its trailing number. */
static int split_of(const char *id) {
    size_t len = strlen(id);
    if (len == 0 || id[len - 1] < '0' || id[len - 1] > '9')
        return -1;
    return ((id[len - 1] - '0') % 2) == 1 ? SPLIT_TUNE : SPLIT_HOLDOUT;
}

static json_t *make_post(const char *id, const char *platform, const char *text) {
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:n, s:i, s:b}, s:s, s:s, s:s, s:n, s:n, s:n, s:[], s:[],"
                     " s:{s:i, s:i, s:i, s:i}, s:s, s:s}",
                     "id", id, "platform", platform, "author", "id", "a1", "handle", "someone", "name", "followers",
                     100, "verified", 0, "text", text, "created_at", "2026-11-22T06:38:31Z", "lang", "en", "url",
                     "in_reply_to", "conversation_id", "mentions", "hashtags", "metrics", "likes", 0, "reposts", 0,
                     "replies", 0, "quotes", 0, "source_format", "devset", "ingested_at", "2026-11-22T06:38:32Z");
}

static int load_file(const char *path, samples_t *out) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "bench_intent_eval: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    size_t lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &line_cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        json_error_t jerr;
        json_t *j = json_loadb(line, (size_t)len, 0, &jerr);
        const char *id = json_string_value(json_object_get(j, "id"));
        const char *platform = json_string_value(json_object_get(j, "platform"));
        const char *text = json_string_value(json_object_get(j, "text"));
        int gi = class_index(json_string_value(json_object_get(j, "intent")), intents, N_INTENTS);
        int gs = class_index(json_string_value(json_object_get(j, "sentiment")), sentiments, N_SENTIMENTS);
        if (j == NULL || id == NULL || platform == NULL || text == NULL || gi < 0 || gs < 0 || split_of(id) < 0) {
            fprintf(stderr, "bench_intent_eval: %s:%zu: %s\n", path, lineno,
                    j == NULL ? jerr.text
                              : "not a labelled post (id ending in a number, platform, text, intent, sentiment)");
            rc = -1;
        } else if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 1024;
            sample_t *grown = realloc(out->s, out->cap * sizeof(*grown));
            if (grown == NULL) {
                fprintf(stderr, "bench_intent_eval: out of memory\n");
                rc = -1;
            }
            out->s = grown != NULL ? grown : out->s;
        }
        if (rc == 0) {
            sample_t *s = &out->s[out->n];
            char where[4096];
            snprintf(where, sizeof(where), "%s:%zu", path, lineno);
            memset(s, 0, sizeof(*s));
            s->where = strdup(where);
            s->id = strdup(id);
            s->post = make_post(id, platform, text);
            s->split = split_of(id);
            s->gold_intent = gi;
            s->gold_sentiment = gs;
            if (s->where == NULL || s->id == NULL || s->post == NULL) {
                fprintf(stderr, "bench_intent_eval: out of memory\n");
                rc = -1;
            }
            out->n++; /* freed with the rest even when half built */
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
    return rc;
}

static double ratio(double a, double b) {
    return b > 0 ? a / b : 0.0;
}

/* The per-class, summary and confusion lines of one evaluation. */
static void report(const char *eval, const char *const *classes, int nc, const samples_t *all, int split,
                   int use_intent) {
    size_t conf[MAX_CLASSES][MAX_CLASSES] = {{0}};
    size_t n = 0, correct = 0;
    for (size_t i = 0; i < all->n; i++) {
        const sample_t *s = &all->s[i];
        if (split != SPLIT_ALL && s->split != split)
            continue;
        int g = use_intent ? s->gold_intent : s->gold_sentiment;
        int p = use_intent ? s->pred_intent : s->pred_sentiment;
        conf[g][p]++;
        n++;
        correct += g == p;
    }
    double macro = 0;
    for (int c = 0; c < nc; c++) {
        size_t tp = conf[c][c], gold = 0, pred = 0;
        for (int k = 0; k < nc; k++) {
            gold += conf[c][k];
            pred += conf[k][c];
        }
        double p = ratio((double)tp, (double)pred), r = ratio((double)tp, (double)gold);
        double f1 = ratio(2 * p * r, p + r);
        macro += f1;
        printf("BENCH eval=%s split=%s class=%s precision=%.2f recall=%.2f f1=%.2f support=%zu\n", eval,
               split_names[split], classes[c], p, r, f1, gold);
    }
    printf("BENCH eval=%s split=%s macro_f1=%.2f accuracy=%.2f n=%zu\n", eval, split_names[split], macro / nc,
           ratio((double)correct, (double)n), n);
    for (int g = 0; g < nc; g++) {
        printf("BENCH eval=%s split=%s confusion gold=%s", eval, split_names[split], classes[g]);
        for (int p = 0; p < nc; p++)
            printf(" pred_%s=%zu", classes[p], conf[g][p]);
        printf("\n");
    }
}

static void print_errors(const samples_t *all, int cls, int use_intent) {
    const char *const *classes = use_intent ? intents : sentiments;
    for (int pass = 0; pass < 2; pass++) {
        printf("# tune split: %s %s\n", pass == 0 ? "gold" : "predicted", classes[cls]);
        for (size_t i = 0; i < all->n; i++) {
            const sample_t *s = &all->s[i];
            int g = use_intent ? s->gold_intent : s->gold_sentiment;
            int p = use_intent ? s->pred_intent : s->pred_sentiment;
            if (s->split != SPLIT_TUNE || g == p || (pass == 0 ? g : p) != cls)
                continue;
            printf("%s\tgold=%s\tpred=%s\tcompound=%.3f\t%s\n", s->id, classes[g], classes[p], s->compound,
                   json_string_value(json_object_get(s->post, "text")));
        }
    }
}

/* CPU time of this thread: on a shared machine wall time counts the other
 * processes too. */
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const rc_analyser_t *find_analyser(const char *name) {
    for (size_t i = 0; rc_analyser_registry[i] != NULL; i++) {
        if (strcmp(rc_analyser_registry[i]->name, name) == 0)
            return rc_analyser_registry[i];
    }
    return NULL;
}

/* One analyser initialised on its own with its default configuration. */
typedef struct solo {
    const rc_analyser_t *az;
    void *conf;
    void *state;
} solo_t;

static int solo_init(solo_t *s, const char *name, const rc_config_t *defaults) {
    char errstr[512];
    memset(s, 0, sizeof(*s));
    s->az = find_analyser(name);
    if (s->az == NULL) {
        fprintf(stderr, "bench_intent_eval: no analyser \"%s\"\n", name);
        return -1;
    }
    if (s->az->config != NULL) {
        char section[96];
        snprintf(section, sizeof(section), "enrich.%s", name);
        s->conf = calloc(1, s->az->conf_size > 0 ? s->az->conf_size : 1);
        if (s->conf == NULL || rc_config_bind(defaults, section, s->az->config, s->conf, errstr, sizeof(errstr)) != 0) {
            fprintf(stderr, "bench_intent_eval: %s: %s\n", name, s->conf == NULL ? "out of memory" : errstr);
            return -1;
        }
    }
    int rc = s->az->init_config != NULL ? s->az->init_config(&s->state, s->conf, defaults, errstr, sizeof(errstr))
             : s->az->init != NULL      ? s->az->init(&s->state, s->conf, errstr, sizeof(errstr))
                                        : 0;
    if (rc != 0) {
        fprintf(stderr, "bench_intent_eval: %s: %s\n", name, errstr);
        return -1;
    }
    return 0;
}

static void solo_destroy(solo_t *s) {
    if (s->az == NULL)
        return;
    if (s->az->destroy != NULL)
        s->az->destroy(s->state);
    if (s->conf != NULL) {
        rc_config_table_free(s->az->config, s->conf);
        free(s->conf);
    }
}

/* Times sentiment and intent alone: the analyses are prepared as
 * rc_analyse() prepares them (words split, language and entities run), then
 * each analyser runs "reps" times over every post. */
static int time_analysers(const samples_t *all, int reps) {
    char errstr[512];
    int rc = -1;
    solo_t language, entities, sentiment, intent;
    memset(&language, 0, sizeof(language));
    memset(&entities, 0, sizeof(entities));
    memset(&sentiment, 0, sizeof(sentiment));
    memset(&intent, 0, sizeof(intent));
    rc_analysis_t *as = calloc(all->n, sizeof(*as));
    rc_words_t *ws = calloc(all->n, sizeof(*ws));
    rc_config_t *defaults = rc_config_load_string("{}", "<defaults>", errstr, sizeof(errstr));
    static const rc_customer_t no_lookup = {"disabled", NULL, NULL};
    if (as == NULL || ws == NULL || defaults == NULL) {
        fprintf(stderr, "bench_intent_eval: out of memory\n");
        goto out;
    }
    if (solo_init(&language, "language", defaults) != 0 || solo_init(&entities, "entities", defaults) != 0 ||
        solo_init(&sentiment, "sentiment", defaults) != 0 || solo_init(&intent, "intent", defaults) != 0)
        goto out;
    for (size_t i = 0; i < all->n; i++) {
        rc_analysis_t *a = &as[i];
        a->post = all->s[i].post;
        a->text = json_string_value(json_object_get(a->post, "text"));
        a->sentiment_label = "neutral";
        a->intent = "other";
        a->language_supported = 1;
        a->customer = &no_lookup;
        a->entities = json_pack("{s:[], s:[], s:[], s:[], s:[], s:[]}", "mentions", "hashtags", "urls", "people",
                                "places", "references");
        a->urgency_reasons = json_array();
        a->redactions = json_array();
        if (a->entities == NULL || a->urgency_reasons == NULL || a->redactions == NULL ||
            rc_words_split(&ws[i], a->text) != 0) {
            fprintf(stderr, "bench_intent_eval: out of memory\n");
            goto out;
        }
        a->words = &ws[i];
        if (language.az->run(language.state, a, errstr, sizeof(errstr)) != 0 ||
            entities.az->run(entities.state, a, errstr, sizeof(errstr)) != 0) {
            fprintf(stderr, "bench_intent_eval: %s: %s\n", all->s[i].where, errstr);
            goto out;
        }
    }
    const solo_t *timed[] = {&sentiment, &intent};
    double total = 0;
    for (size_t k = 0; k < 2; k++) {
        double t0 = now_ns();
        for (int r = 0; r < reps; r++) {
            for (size_t i = 0; i < all->n; i++) {
                if (timed[k]->az->run(timed[k]->state, &as[i], errstr, sizeof(errstr)) != 0) {
                    fprintf(stderr, "bench_intent_eval: %s: %s\n", all->s[i].where, errstr);
                    goto out;
                }
            }
        }
        double per = (now_ns() - t0) / ((double)reps * (double)all->n);
        total += per;
        printf("BENCH eval=speed analyser=%s posts=%zu ns_per_post=%.0f\n", timed[k]->az->name, all->n, per);
    }
    printf("BENCH eval=speed analyser=sentiment+intent posts=%zu ns_per_post=%.0f\n", all->n, total);
    rc = 0;
out:
    /* calloc'd: entries never prepared release as no-ops. */
    for (size_t i = 0; as != NULL && ws != NULL && i < all->n; i++) {
        json_decref(as[i].entities);
        json_decref(as[i].urgency_reasons);
        json_decref(as[i].redactions);
        free(as[i].redacted_text);
        rc_words_release(&ws[i]);
    }
    solo_destroy(&language);
    solo_destroy(&entities);
    solo_destroy(&sentiment);
    solo_destroy(&intent);
    rc_config_destroy(defaults);
    free(as);
    free(ws);
    return rc;
}

static void usage(FILE *fp) {
    fprintf(fp, "usage: bench_intent_eval [--errors CLASS] [--sentiment-errors LABEL] [--time REPS] FILE...\n");
}

int main(int argc, char **argv) {
    samples_t all = {0};
    rc_analysers_t *an = NULL;
    int rc = 1, errors_intent = -1, errors_sentiment = -1, reps = 0, nfiles = 0;
    char errstr[512];

    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--errors") || !strcmp(argv[i], "--sentiment-errors")) && i + 1 < argc) {
            int is_intent = !strcmp(argv[i], "--errors");
            int c = is_intent ? class_index(argv[i + 1], intents, N_INTENTS)
                              : class_index(argv[i + 1], sentiments, N_SENTIMENTS);
            if (c < 0) {
                fprintf(stderr, "bench_intent_eval: %s: unknown class \"%s\"\n", argv[i], argv[i + 1]);
                goto out;
            }
            *(is_intent ? &errors_intent : &errors_sentiment) = c;
            i++;
        } else if (!strcmp(argv[i], "--time") && i + 1 < argc) {
            reps = atoi(argv[++i]);
            if (reps <= 0) {
                fprintf(stderr, "bench_intent_eval: --time wants a positive number of repetitions\n");
                goto out;
            }
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage(stderr);
            goto out;
        } else {
            if (load_file(argv[i], &all) != 0)
                goto out;
            nfiles++;
        }
    }
    if (nfiles == 0 || all.n == 0) {
        usage(stderr);
        goto out;
    }

    an = rc_analysers_new(NULL, errstr, sizeof(errstr));
    if (an == NULL) {
        fprintf(stderr, "bench_intent_eval: %s\n", errstr);
        goto out;
    }
    for (size_t i = 0; i < all.n; i++) {
        sample_t *s = &all.s[i];
        json_t *e = rc_analyse(an, s->post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr));
        if (e == NULL) {
            fprintf(stderr, "bench_intent_eval: %s: %s\n", s->where, errstr);
            goto out;
        }
        json_t *sent = json_object_get(e, "sentiment");
        s->pred_intent = class_index(json_string_value(json_object_get(e, "intent")), intents, N_INTENTS);
        s->pred_sentiment = class_index(json_string_value(json_object_get(sent, "label")), sentiments, N_SENTIMENTS);
        s->compound = json_real_value(json_object_get(sent, "score"));
        json_decref(e);
        if (s->pred_intent < 0 || s->pred_sentiment < 0) {
            fprintf(stderr, "bench_intent_eval: %s: the analysers gave an unknown label\n", s->where);
            goto out;
        }
    }

    if (errors_intent >= 0 || errors_sentiment >= 0) {
        if (errors_intent >= 0)
            print_errors(&all, errors_intent, 1);
        if (errors_sentiment >= 0)
            print_errors(&all, errors_sentiment, 0);
    } else {
        for (int split = 0; split < N_SPLITS; split++)
            report("intent", intents, N_INTENTS, &all, split, 1);
        for (int split = 0; split < N_SPLITS; split++)
            report("sentiment", sentiments, N_SENTIMENTS, &all, split, 0);
    }
    if (reps > 0 && time_analysers(&all, reps) != 0)
        goto out;
    rc = 0;
out:
    rc_analysers_destroy(an);
    for (size_t i = 0; i < all.n; i++) {
        free(all.s[i].where);
        free(all.s[i].id);
        json_decref(all.s[i].post);
    }
    free(all.s);
    return rc;
}
