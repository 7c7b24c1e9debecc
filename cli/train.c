/*
 * ricochet train: fits the enrich model (enrich/model.h) on labelled JSON
 * Lines, reports K-fold cross-validated precision, recall and F1 per label
 * and the macro-F1 per head, then trains on every line and writes the model
 * file that enrich's "model" analyser loads (docs/model.md).
 *
 * Exit status: 0 done, 1 bad data or an I/O error, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "cli.h"
#include "model.h"

typedef struct train_data {
    rc_model_example_t *ex;
    char **texts; /* owned; ex[i].text points here */
    size_t n, cap;
    size_t labelled[RC_MODEL_NHEADS];
} train_data_t;

static void train_data_free(train_data_t *d) {
    for (size_t i = 0; i < d->n; i++)
        free(d->texts[i]);
    free(d->texts);
    free(d->ex);
}

static void train_usage(FILE *fp) {
    fprintf(fp,
            "Usage: ricochet train --in FILE.jsonl [--out MODEL] [--folds K] [--bits N] [--epochs N] [--seed N]\n"
            "                      [--head intent|sentiment|all] [--lr X] [--l2 X] [--min-confidence X]\n\n"
            "Fits the enrich model (hashed word and character n-grams, softmax regression per head) on labelled\n"
            "JSON Lines: {\"text\": \"...\", \"intent\": \"complaint\", \"sentiment\": \"negative\"} (other keys are\n"
            "ignored; a line without a head's label does not train that head). Prints K-fold cross-validated\n"
            "precision, recall and F1 per label and the macro-F1 of each head, beside the built-in rules and\n"
            "enrich's mode combine on the same lines, then trains on every line.\n"
            "  -i, --in FILE     the labelled lines ('-' for stdin)\n"
            "  -o, --out MODEL   write the model trained on every line here (without it: cross-validation only)\n"
            "  -k, --folds K     cross-validation folds, 2..100, or 0 for none (default 5)\n"
            "      --bits N      2^N hash buckets, %d..%d (default %d; the file is 2^N x 32 bytes with both heads)\n"
            "      --epochs N    passes over the data (default 10)\n"
            "      --seed N      shuffling seed; the same seed and data give the same model (default 1)\n"
            "      --head H      intent, sentiment or all (default all)\n"
            "      --lr X        AdaGrad learning rate, up to 10 (default 0.2)\n"
            "      --l2 X        L2 penalty, 0..1 (default 1e-05)\n"
            "      --min-confidence X  the enrich.model.min_confidence to evaluate mode combine at (default 0.6)\n\n"
            "Intent labels: complaint praise question request other; sentiment: negative neutral positive.\n"
            "Exit status: 0 done, 1 bad data or I/O error, 2 bad usage. See docs/model.md.\n",
            RC_MODEL_MIN_BITS, RC_MODEL_MAX_BITS, RC_MODEL_DEFAULT_BITS);
}

/* Parses the label of head "h" on a line; -1 for none. Returns 0, or -1
 * with the reason in errstr. */
static int parse_label(json_t *obj, int h, int *label, char *errstr, size_t errstr_size) {
    const char *name = rc_model_head_name(h);
    json_t *v = json_object_get(obj, name);
    *label = -1;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        snprintf(errstr, errstr_size, "\"%s\" is not a string", name);
        return -1;
    }
    *label = rc_model_label_index(h, json_string_value(v));
    if (*label < 0) {
        size_t n;
        const char *const *labels = rc_model_head_labels(h, &n);
        int off = snprintf(errstr, errstr_size, "%s \"%.60s\" is not one of", name, json_string_value(v));
        for (size_t i = 0; i < n && off > 0 && (size_t)off < errstr_size; i++)
            off += snprintf(errstr + off, errstr_size - (size_t)off, " %s", labels[i]);
        return -1;
    }
    return 0;
}

/* Reads "path" into d. Returns 0, or -1 after printing "path:line: why". */
static int read_data(const char *path, unsigned heads, train_data_t *d) {
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL, why[512];
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int ret = -1;
    json_t *obj = NULL;

    if (fp == NULL) {
        fprintf(stderr, "ricochet train: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, fp)) >= 0) {
        json_error_t jerr;
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        obj = json_loadb(line, (size_t)len, 0, &jerr);
        if (obj == NULL) {
            fprintf(stderr, "ricochet train: %s:%zu: not JSON: %s\n", path, lineno, jerr.text);
            goto out;
        }
        json_t *text = json_object_get(obj, "text");
        if (!json_is_object(obj) || !json_is_string(text)) {
            fprintf(stderr, "ricochet train: %s:%zu: not an object with a \"text\" string\n", path, lineno);
            goto out;
        }
        rc_model_example_t ex;
        for (int h = 0; h < RC_MODEL_NHEADS; h++) {
            ex.label[h] = -1;
            if ((heads & (1u << h)) && parse_label(obj, h, &ex.label[h], why, sizeof(why)) != 0) {
                fprintf(stderr, "ricochet train: %s:%zu: %s\n", path, lineno, why);
                goto out;
            }
            if (ex.label[h] >= 0)
                d->labelled[h]++;
        }
        if (d->n == d->cap) {
            size_t ncap = d->cap ? d->cap * 2 : 1024;
            rc_model_example_t *nex = realloc(d->ex, ncap * sizeof(*nex));
            if (nex != NULL)
                d->ex = nex;
            char **nt = realloc(d->texts, ncap * sizeof(*nt));
            if (nt != NULL)
                d->texts = nt;
            if (nex == NULL || nt == NULL)
                goto oom;
            d->cap = ncap;
        }
        d->texts[d->n] = strdup(json_string_value(text));
        if (d->texts[d->n] == NULL)
            goto oom;
        ex.text = d->texts[d->n];
        d->ex[d->n++] = ex;
        json_decref(obj);
        obj = NULL;
    }
    if (ferror(fp)) {
        fprintf(stderr, "ricochet train: %s: %s\n", path, strerror(errno));
        goto out;
    }
    ret = 0;
    goto out;
oom:
    fprintf(stderr, "ricochet train: %s:%zu: out of memory\n", path, lineno);
out:
    json_decref(obj);
    free(line);
    if (fp != stdin)
        fclose(fp);
    return ret;
}

/* A confusion matrix per head: conf[h][truth][predicted]. */
typedef struct confusion {
    size_t c[RC_MODEL_NHEADS][8][8];
} confusion_t;

static double f1_of(double p, double r) {
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* Per-label precision, recall, F1 of head h; returns the macro-F1 (over the
 * labels that occur in the truth or the predictions). */
static double macro_f1(const confusion_t *cf, int h, double *prec, double *rec, double *f1, size_t *support) {
    size_t n;
    rc_model_head_labels(h, &n);
    double sum = 0;
    size_t counted = 0;
    for (size_t c = 0; c < n; c++) {
        size_t tp = cf->c[h][c][c], truth = 0, pred = 0;
        for (size_t k = 0; k < n; k++) {
            truth += cf->c[h][c][k];
            pred += cf->c[h][k][c];
        }
        double p = pred ? (double)tp / (double)pred : 0.0, r = truth ? (double)tp / (double)truth : 0.0;
        if (prec != NULL) {
            prec[c] = p;
            rec[c] = r;
            f1[c] = f1_of(p, r);
            support[c] = truth;
        }
        if (truth + pred > 0) {
            sum += f1_of(p, r);
            counted++;
        }
    }
    return counted ? sum / (double)counted : 0.0;
}

static double accuracy(const confusion_t *cf, int h) {
    size_t n, right = 0, total = 0;
    rc_model_head_labels(h, &n);
    for (size_t t = 0; t < n; t++) {
        right += cf->c[h][t][t];
        for (size_t c = 0; c < n; c++)
            total += cf->c[h][t][c];
    }
    return total ? (double)right / (double)total : 0.0;
}

/* The built-in analysers' labels for every line (rules[i * NHEADS + h],
 * -1 where the rules give no label the head knows), so that the table can
 * show what the model adds over them. Returns 0, or -1 (with a note on
 * stderr) when the analysers cannot be set up: the comparison is then left
 * out, the training goes on. */
static int rules_labels(const train_data_t *d, int *rules) {
    char errstr[512];
    rc_analysers_t *an = rc_analysers_new(NULL, errstr, sizeof(errstr));
    if (an == NULL) {
        fprintf(stderr, "ricochet train: no comparison with the built-in rules: %s\n", errstr);
        return -1;
    }
    for (size_t i = 0; i < d->n; i++) {
        json_t *post = json_pack("{s:s, s:s, s:s}", "id", "train", "platform", "train", "text", d->ex[i].text);
        json_t *e = post != NULL ? rc_analyse(an, post, "1970-01-01T00:00:00Z", errstr, sizeof(errstr)) : NULL;
        const char *intent = json_string_value(json_object_get(e, "intent"));
        const char *sentiment = json_string_value(json_object_get(json_object_get(e, "sentiment"), "label"));
        rules[i * RC_MODEL_NHEADS + RC_MODEL_HEAD_INTENT] = rc_model_label_index(RC_MODEL_HEAD_INTENT, intent);
        rules[i * RC_MODEL_NHEADS + RC_MODEL_HEAD_SENTIMENT] = rc_model_label_index(RC_MODEL_HEAD_SENTIMENT, sentiment);
        json_decref(e);
        json_decref(post);
    }
    rc_analysers_destroy(an);
    return 0;
}

/* Prints head h's pooled table: precision, recall, F1 per label, the
 * macro-F1 and accuracy (with the spread over folds), the confusion matrix. */
static void print_head(const confusion_t *all, int h, size_t labelled, const double *fold_f1, unsigned folds) {
    size_t n, support[8];
    double prec[8], rec[8], f1[8], mean = 0, var = 0;
    const char *const *labels = rc_model_head_labels(h, &n);
    double mf1 = macro_f1(all, h, prec, rec, f1, support);

    printf("\n%s (%zu labelled lines)\n  %-10s %9s %7s %7s %8s\n", rc_model_head_name(h), labelled, "label",
           "precision", "recall", "f1", "support");
    for (size_t c = 0; c < n; c++)
        printf("  %-10s %9.3f %7.3f %7.3f %8zu\n", labels[c], prec[c], rec[c], f1[c], support[c]);
    for (unsigned f = 0; f < folds; f++)
        mean += fold_f1[f * RC_MODEL_NHEADS + (unsigned)h] / folds;
    for (unsigned f = 0; f < folds; f++)
        var += pow(fold_f1[f * RC_MODEL_NHEADS + (unsigned)h] - mean, 2) / folds;
    printf("  %s macro-F1 %.3f  accuracy %.3f  (per fold: mean %.3f, sd %.3f)\n", rc_model_head_name(h), mf1,
           accuracy(all, h), mean, sqrt(var));
    printf("  confusion (rows truth, columns predicted):\n  %-10s", "");
    for (size_t c = 0; c < n; c++)
        printf(" %9.9s", labels[c]);
    for (size_t t = 0; t < n; t++) {
        printf("\n  %-10s", labels[t]);
        for (size_t c = 0; c < n; c++)
            printf(" %9zu", all->c[h][t][c]);
    }
    printf("\n");
}

/* K-fold cross-validation, stratified by the first trained head's label:
 * the lines are shuffled with the seed, then dealt to the folds label by
 * label, so each fold gets its share of every label. Prints the pooled
 * table per head, and beside it the built-in rules on the same lines and
 * enrich's mode combine at "min_confidence" (the model's label where its
 * probability reaches it, the rules' elsewhere). Returns 0, or -1 after
 * printing why. */
static int cross_validate(const train_data_t *d, const rc_model_params_t *p, unsigned folds, double min_confidence) {
    size_t *order = malloc((d->n + 1) * sizeof(*order));
    unsigned *fold = malloc((d->n + 1) * sizeof(*fold));
    rc_model_example_t *tr = malloc((d->n + 1) * sizeof(*tr));
    int *rules = malloc((d->n + 1) * RC_MODEL_NHEADS * sizeof(*rules));
    confusion_t *all = calloc(1, sizeof(*all)), *one = calloc(1, sizeof(*one));
    confusion_t *rules_cf = calloc(1, sizeof(*rules_cf)), *comb_cf = calloc(1, sizeof(*comb_cf));
    double *fold_f1 = calloc((size_t)folds * RC_MODEL_NHEADS, sizeof(*fold_f1));
    size_t used[RC_MODEL_NHEADS] = {0}, compared[RC_MODEL_NHEADS] = {0};
    int strat = -1, ret = -1, have_rules;
    uint64_t rng = p->seed;
    char errstr[512];

    if (order == NULL || fold == NULL || tr == NULL || rules == NULL || all == NULL || one == NULL ||
        rules_cf == NULL || comb_cf == NULL || fold_f1 == NULL) {
        fprintf(stderr, "ricochet train: out of memory\n");
        goto out;
    }
    have_rules = rules_labels(d, rules) == 0;
    for (int h = 0; h < RC_MODEL_NHEADS && strat < 0; h++) {
        if ((p->heads & (1u << h)) && d->labelled[h] > 0)
            strat = h;
    }
    for (size_t i = 0; i < d->n; i++)
        order[i] = i;
    rc_model_shuffle(order, d->n, &rng);
    unsigned dealt[9] = {0}; /* per stratum: label + 1, 0 for none */
    for (size_t k = 0; k < d->n; k++) {
        size_t i = order[k];
        int s = strat >= 0 ? d->ex[i].label[strat] + 1 : 0;
        fold[i] = dealt[s]++ % folds;
    }

    for (unsigned f = 0; f < folds; f++) {
        size_t ntr = 0;
        for (size_t k = 0; k < d->n; k++) {
            if (fold[order[k]] != f)
                tr[ntr++] = d->ex[order[k]];
        }
        rc_model_t *m = rc_model_train(tr, ntr, p, errstr, sizeof(errstr));
        if (m == NULL) {
            fprintf(stderr, "ricochet train: fold %u of %u: %s\n", f + 1, folds, errstr);
            goto out;
        }
        memset(one, 0, sizeof(*one));
        for (size_t i = 0; i < d->n; i++) {
            int best[RC_MODEL_NHEADS];
            double prob[RC_MODEL_NHEADS];
            if (fold[i] != f)
                continue;
            rc_model_predict_heads(m, d->ex[i].text, best, prob);
            for (int h = 0; h < RC_MODEL_NHEADS; h++) {
                int y = d->ex[i].label[h], r = have_rules ? rules[i * RC_MODEL_NHEADS + (size_t)h] : -1;
                if (best[h] < 0 || y < 0)
                    continue;
                one->c[h][y][best[h]]++;
                all->c[h][y][best[h]]++;
                if (r >= 0) {
                    int use = prob[h] >= min_confidence;
                    used[h] += (size_t)use;
                    compared[h]++;
                    rules_cf->c[h][y][r]++;
                    comb_cf->c[h][y][use ? best[h] : r]++;
                }
            }
        }
        for (int h = 0; h < RC_MODEL_NHEADS; h++)
            fold_f1[f * RC_MODEL_NHEADS + (unsigned)h] = macro_f1(one, h, NULL, NULL, NULL, NULL);
        rc_model_destroy(m);
    }

    printf("%u-fold cross-validation%s%s:\n", folds, strat >= 0 ? ", stratified by " : "",
           strat >= 0 ? rc_model_head_name(strat) : "");
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        const char *name = rc_model_head_name(h);
        if (!(p->heads & (1u << h)) || d->labelled[h] == 0)
            continue;
        print_head(all, h, d->labelled[h], fold_f1, folds);
        if (compared[h] == 0)
            continue;
        printf("  built-in rules on the same lines: %s macro-F1 %.3f  accuracy %.3f\n", name,
               macro_f1(rules_cf, h, NULL, NULL, NULL, NULL), accuracy(rules_cf, h));
        printf(
            "  mode combine at min_confidence %.2f: %s macro-F1 %.3f  accuracy %.3f  (the model's label on %.0f%%)\n",
            min_confidence, name, macro_f1(comb_cf, h, NULL, NULL, NULL, NULL), accuracy(comb_cf, h),
            100.0 * (double)used[h] / (double)compared[h]);
    }
    ret = 0;
out:
    free(order);
    free(fold);
    free(tr);
    free(rules);
    free(all);
    free(one);
    free(rules_cf);
    free(comb_cf);
    free(fold_f1);
    return ret;
}

/* Parses an unsigned number in [lo, hi]; -1 if it is not one. */
static int parse_num(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out) {
    char *end;
    errno = 0;
    if (s == NULL || *s == '\0' || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_real(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

int rc_cmd_train(int argc, char **argv) {
    enum { O_BITS = 256, O_EPOCHS, O_SEED, O_HEAD, O_LR, O_L2, O_MINC };
    static const struct option opts[] = {{"in", required_argument, NULL, 'i'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"folds", required_argument, NULL, 'k'},
                                         {"bits", required_argument, NULL, O_BITS},
                                         {"epochs", required_argument, NULL, O_EPOCHS},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"head", required_argument, NULL, O_HEAD},
                                         {"lr", required_argument, NULL, O_LR},
                                         {"l2", required_argument, NULL, O_L2},
                                         {"min-confidence", required_argument, NULL, O_MINC},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *in = NULL, *out = NULL;
    unsigned long long v, folds = 5;
    double min_confidence = 0.6;
    rc_model_params_t p;
    train_data_t d;
    rc_model_t *m = NULL;
    char errstr[512];
    int opt, ret = 1;

    memset(&d, 0, sizeof(d));
    rc_model_params_default(&p);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "i:o:k:h", opts, NULL)) != -1) {
        const char *bad = NULL;
        switch (opt) {
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'k':
            if (parse_num(optarg, 0, 100, &folds) != 0 || folds == 1)
                bad = "--folds must be 0 (none) or 2..100";
            break;
        case O_BITS:
            if (parse_num(optarg, RC_MODEL_MIN_BITS, RC_MODEL_MAX_BITS, &v) != 0)
                bad = "--bits must be 8..24";
            p.bits = (unsigned)v;
            break;
        case O_EPOCHS:
            if (parse_num(optarg, 1, 1000, &v) != 0)
                bad = "--epochs must be 1..1000";
            p.epochs = (unsigned)v;
            break;
        case O_SEED:
            if (parse_num(optarg, 0, UINT64_MAX, &v) != 0)
                bad = "--seed must be a non-negative integer";
            p.seed = v;
            break;
        case O_HEAD:
            if (strcmp(optarg, "all") == 0)
                p.heads = (1u << RC_MODEL_NHEADS) - 1;
            else if (rc_model_head_index(optarg) >= 0)
                p.heads = 1u << rc_model_head_index(optarg);
            else
                bad = "--head must be intent, sentiment or all";
            break;
        case O_LR:
            if (parse_real(optarg, &p.lr) != 0 || p.lr <= 0 || p.lr > 10)
                bad = "--lr must be in (0, 10]";
            break;
        case O_L2:
            if (parse_real(optarg, &p.l2) != 0 || p.l2 > 1)
                bad = "--l2 must be in [0, 1]";
            break;
        case O_MINC:
            if (parse_real(optarg, &min_confidence) != 0 || min_confidence > 1)
                bad = "--min-confidence must be 0..1";
            break;
        case 'h': train_usage(stdout); return 0;
        default: train_usage(stderr); return 2;
        }
        if (bad != NULL) {
            fprintf(stderr, "ricochet train: %s (got '%s')\n", bad, optarg);
            return 2;
        }
    }
    if (in == NULL || optind < argc) {
        fprintf(stderr, "ricochet train: %s\n", in == NULL ? "--in FILE is required" : "unexpected argument");
        train_usage(stderr);
        return 2;
    }
    if (folds == 0 && out == NULL) {
        fprintf(stderr, "ricochet train: nothing to do (--folds 0 and no --out)\n");
        return 2;
    }

    if (read_data(in, p.heads, &d) != 0)
        goto out;
    printf("%s: %zu lines; labelled: intent %zu, sentiment %zu; 2^%u buckets, %u epochs, seed %llu\n", in, d.n,
           d.labelled[RC_MODEL_HEAD_INTENT], d.labelled[RC_MODEL_HEAD_SENTIMENT], p.bits, p.epochs,
           (unsigned long long)p.seed);
    if (folds > 0) {
        if (d.n < folds) {
            fprintf(stderr, "ricochet train: %s: %zu lines are too few for %llu folds\n", in, d.n, folds);
            goto out;
        }
        if (cross_validate(&d, &p, (unsigned)folds, min_confidence) != 0)
            goto out;
    }
    if (out != NULL) {
        m = rc_model_train(d.ex, d.n, &p, errstr, sizeof(errstr));
        if (m == NULL) {
            fprintf(stderr, "ricochet train: %s: %s\n", in, errstr);
            goto out;
        }
        if (rc_model_save(m, out, errstr, sizeof(errstr)) != 0) {
            fprintf(stderr, "ricochet train: %s\n", errstr);
            goto out;
        }
        printf("\nwrote %s: heads%s%s, trained on all %zu lines\n", out,
               rc_model_has_head(m, RC_MODEL_HEAD_INTENT) ? " intent" : "",
               rc_model_has_head(m, RC_MODEL_HEAD_SENTIMENT) ? " sentiment" : "", d.n);
    }
    ret = 0;
out:
    rc_model_destroy(m);
    train_data_free(&d);
    return ret;
}
