/*
 * enrich/model.c: the hashed features, training on a small separable set,
 * the model file (round trip, and every way a file can be wrong), unknown
 * heads and empty text; and the enrich analyser that loads a model.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyse.h"
#include "config.h"
#include "model.h"

#define BITS 12

static char dir[64];

static int make_dir(void **state) {
    snprintf(dir, sizeof(dir), "/tmp/rc-test-model.XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int remove_dir(void **state) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", dir, name);
}

/* ------------------------------------------------------------- features */

static void test_model_features_of_one_word(void **state) {
    uint32_t f[64];
    /* unigram + bigram with the start + the char n-grams of " cancel "
     * (6 trigrams, 5 four-grams, 4 five-grams) */
    assert_int_equal(rc_model_features("cancel", BITS, f, 64), 17);
    for (size_t i = 0; i < 17; i++)
        assert_true((f[i] & 0x7fffffffu) < (1u << BITS));
}

static void test_model_features_are_deterministic_and_fold_case_and_digits(void **state) {
    uint32_t a[256], b[256], c[256];
    size_t na = rc_model_features("Cancel my order #12345, please!", BITS, a, 256);
    size_t nb = rc_model_features("Cancel my order #12345, please!", BITS, b, 256);
    size_t nc = rc_model_features("cancel  my order #99999 please !", BITS, c, 256);
    assert_true(na > 20 && na <= 256);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof(*a));
    assert_int_equal(na, nc);
    assert_memory_equal(a, c, na * sizeof(*a));
    /* A different word changes them. */
    nc = rc_model_features("Cancel my order #12345, thanks!", BITS, c, 256);
    assert_false(na == nc && memcmp(a, c, na * sizeof(*a)) == 0);
}

static void test_model_features_url_is_one_token_and_caps_add_a_marker(void **state) {
    uint32_t a[64], b[64];
    size_t na = rc_model_features("see https://example.com/a?b=1", BITS, a, 64);
    size_t nb = rc_model_features("see www.other.example/x", BITS, b, 64);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof(*a));
    /* "late" and "LATE": the same n-grams plus one ALL-CAPS marker. */
    na = rc_model_features("late", BITS, a, 64);
    nb = rc_model_features("LATE", BITS, b, 64);
    assert_int_equal(nb, na + 1);
    assert_memory_equal(a, b, na * sizeof(*a));
}

static void test_model_features_cap_reports_the_total_and_writes_no_more(void **state) {
    uint32_t f[8];
    memset(f, 0xab, sizeof(f));
    assert_int_equal(rc_model_features("cancel", BITS, f, 4), 17);
    assert_int_equal(f[4], 0xabababab);
    assert_int_equal(rc_model_features("", BITS, f, 4), 0);
    assert_int_equal(rc_model_features(NULL, BITS, f, 4), 0);
    assert_int_equal(rc_model_features(" \t?!", BITS, f, 0), 4); /* "?" and "!" tokens */
}

/* --------------------------------------------------------------- training */

enum { C = 0, P = 1, Q = 2, R = 3, O = 4 };
enum { NEG = 0, NEU = 1, POS = 2 };

static const struct {
    const char *text;
    int intent, sentiment;
} tiny[] = {
    {"my bag never arrived, broken suitcase", C, NEG},
    {"flight delayed again and the bag is broken", C, NEG},
    {"broken seat and a delayed flight, never again", C, NEG},
    {"thank you so much, wonderful crew", P, POS},
    {"wonderful service, thank you Maria", P, POS},
    {"thank you for the wonderful upgrade", P, POS},
    {"what time does the lounge open?", Q, NEU},
    {"what time is boarding?", Q, NEU},
    {"does the lounge have wifi?", Q, NEU},
    {"please dm me about my booking", R, NEU},
    {"please change my seat to an aisle", R, NEU},
    {"please dm me the receipt", R, NEU},
    {"going to lisbon tomorrow", O, -1},
    {"traffic in town tomorrow", O, -1},
    {"lisbon weather tomorrow looks fine", O, -1},
};
#define NTINY (sizeof(tiny) / sizeof(tiny[0]))

static rc_model_t *train_tiny(unsigned heads, uint64_t seed) {
    rc_model_example_t ex[NTINY];
    rc_model_params_t p;
    char errstr[256];
    for (size_t i = 0; i < NTINY; i++) {
        ex[i].text = tiny[i].text;
        ex[i].label[RC_MODEL_HEAD_INTENT] = tiny[i].intent;
        ex[i].label[RC_MODEL_HEAD_SENTIMENT] = tiny[i].sentiment;
    }
    rc_model_params_default(&p);
    p.bits = BITS;
    p.epochs = 20;
    p.seed = seed;
    p.heads = heads;
    rc_model_t *m = rc_model_train(ex, NTINY, &p, errstr, sizeof(errstr));
    if (m == NULL)
        fail_msg("rc_model_train: %s", errstr);
    return m;
}

static const char *intent_of(const rc_model_t *m, const char *text) {
    size_t n;
    const char *const *labels = rc_model_labels(m, "intent", &n);
    int best = rc_model_predict(m, "intent", text, NULL, 0);
    assert_non_null(labels);
    assert_in_range(best, 0, (long)n - 1);
    return labels[best];
}

static void test_model_learns_a_separable_set(void **state) {
    rc_model_t *m = train_tiny(3, 1);
    static const char *const names[] = {"complaint", "praise", "question", "request", "other"};
    for (size_t i = 0; i < NTINY; i++)
        assert_string_equal(intent_of(m, tiny[i].text), names[tiny[i].intent]);
    /* Unseen texts built from the cues. */
    assert_string_equal(intent_of(m, "the bag arrived broken"), "complaint");
    assert_string_equal(intent_of(m, "Thank you, wonderful!"), "praise");
    assert_string_equal(intent_of(m, "please dm me"), "request");
    double p[3];
    int best = rc_model_predict(m, "sentiment", "wonderful, thank you", p, 3);
    assert_int_equal(best, POS);
    assert_true(p[POS] > 0.5);
    assert_true(p[NEG] + p[NEU] + p[POS] > 0.999 && p[NEG] + p[NEU] + p[POS] < 1.001);

    int bests[RC_MODEL_NHEADS];
    double probs[RC_MODEL_NHEADS];
    rc_model_predict_heads(m, "my bag is broken, never again", bests, probs);
    assert_int_equal(bests[RC_MODEL_HEAD_INTENT], C);
    assert_int_equal(bests[RC_MODEL_HEAD_SENTIMENT], NEG);
    assert_true(probs[RC_MODEL_HEAD_INTENT] > 0.2 && probs[RC_MODEL_HEAD_INTENT] <= 1.0);
    rc_model_destroy(m);
}

static void test_model_training_is_reproducible_for_a_seed(void **state) {
    rc_model_t *a = train_tiny(3, 7), *b = train_tiny(3, 7), *c = train_tiny(3, 8);
    double pa[5], pb[5], pc[5];
    rc_model_predict(a, "intent", "the lounge wifi is broken?", pa, 5);
    rc_model_predict(b, "intent", "the lounge wifi is broken?", pb, 5);
    rc_model_predict(c, "intent", "the lounge wifi is broken?", pc, 5);
    assert_memory_equal(pa, pb, sizeof(pa));
    /* Another seed visits the examples in another order. */
    assert_memory_not_equal(pa, pc, sizeof(pa));
    rc_model_destroy(a);
    rc_model_destroy(b);
    rc_model_destroy(c);
}

static void test_model_unknown_or_missing_head(void **state) {
    rc_model_t *m = train_tiny(1u << RC_MODEL_HEAD_INTENT, 1);
    double p[5] = {-1, -1, -1, -1, -1};
    assert_int_equal(rc_model_predict(m, "topic", "hello", p, 5), -1);
    assert_int_equal(rc_model_predict(m, "sentiment", "hello", p, 5), -1);
    assert_true(p[0] == -1); /* nothing written */
    assert_null(rc_model_labels(m, "sentiment", NULL));
    assert_null(rc_model_labels(m, NULL, NULL));
    assert_true(rc_model_has_head(m, RC_MODEL_HEAD_INTENT));
    assert_false(rc_model_has_head(m, RC_MODEL_HEAD_SENTIMENT));
    assert_false(rc_model_has_head(m, 7));
    int best[RC_MODEL_NHEADS];
    double prob[RC_MODEL_NHEADS];
    rc_model_predict_heads(m, "hello", best, prob);
    assert_in_range(best[RC_MODEL_HEAD_INTENT], 0, 4);
    assert_int_equal(best[RC_MODEL_HEAD_SENTIMENT], -1);
    assert_true(prob[RC_MODEL_HEAD_SENTIMENT] == 0.0);
    assert_int_equal(rc_model_head_index("intent"), RC_MODEL_HEAD_INTENT);
    assert_int_equal(rc_model_head_index("Intent"), -1);
    assert_int_equal(rc_model_label_index(RC_MODEL_HEAD_SENTIMENT, "positive"), POS);
    assert_int_equal(rc_model_label_index(RC_MODEL_HEAD_SENTIMENT, "happy"), -1);
    assert_null(rc_model_head_labels(RC_MODEL_NHEADS, NULL));
    rc_model_destroy(m);
}

static void test_model_empty_text_gives_a_distribution(void **state) {
    rc_model_t *m = train_tiny(3, 1);
    double p[5], sum = 0;
    int best = rc_model_predict(m, "intent", "", p, 5);
    assert_in_range(best, 0, 4);
    for (int i = 0; i < 5; i++) {
        assert_true(p[i] >= 0 && p[i] <= 1);
        sum += p[i];
    }
    assert_true(sum > 0.999 && sum < 1.001);
    double q[5];
    assert_int_equal(rc_model_predict(m, "intent", NULL, q, 5), best);
    assert_memory_equal(p, q, sizeof(p));
    /* Only separators: no features either. */
    assert_int_equal(rc_model_predict(m, "intent", " ,.;- ", q, 5), best);
    rc_model_destroy(m);
}

static void test_model_train_rejects_what_it_cannot_learn(void **state) {
    rc_model_example_t ex[3] = {{"a", {C, -1}}, {"b", {C, -1}}, {"c", {-1, -1}}};
    rc_model_params_t p;
    char errstr[256] = "";
    rc_model_params_default(&p);
    p.bits = BITS;
    /* One label only for intent. */
    assert_null(rc_model_train(ex, 3, &p, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "intent"));
    /* No labels for the heads asked for. */
    p.heads = 1u << RC_MODEL_HEAD_SENTIMENT;
    assert_null(rc_model_train(ex, 3, &p, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "no example"));
    /* A label out of range, and bad parameters. */
    ex[1].label[RC_MODEL_HEAD_SENTIMENT] = 3;
    assert_null(rc_model_train(ex, 3, &p, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "out of range"));
    rc_model_params_default(&p);
    p.bits = 30;
    assert_null(rc_model_train(ex, 3, &p, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "bits"));
    rc_model_params_default(&p);
    p.lr = 11; /* weights could outgrow what a file may hold */
    assert_null(rc_model_train(ex, 3, &p, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "lr in"));
}

/* ------------------------------------------------------------------ files */

static void test_model_save_load_round_trip_predicts_the_same(void **state) {
    static const char *const texts[] = {
        "my bag never arrived", "Thank you!! 😀", "what time?", "", "please dm me", "https://x.example LATE AGAIN"};
    char path[128], errstr[256];
    rc_model_t *m = train_tiny(3, 1);
    path_of(path, sizeof(path), "round.model");
    assert_int_equal(rc_model_save(m, path, errstr, sizeof(errstr)), 0);
    rc_model_t *l = rc_model_load(path, errstr, sizeof(errstr));
    if (l == NULL)
        fail_msg("rc_model_load: %s", errstr);
    assert_int_equal(rc_model_bits(l), BITS);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        double a[5], b[5], sa[3], sb[3];
        assert_int_equal(rc_model_predict(m, "intent", texts[i], a, 5), rc_model_predict(l, "intent", texts[i], b, 5));
        assert_memory_equal(a, b, sizeof(a));
        assert_int_equal(rc_model_predict(m, "sentiment", texts[i], sa, 3),
                         rc_model_predict(l, "sentiment", texts[i], sb, 3));
        assert_memory_equal(sa, sb, sizeof(sa));
    }
    /* No temporary file left behind. */
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0);
    rc_model_destroy(l);

    /* A one-head model keeps just that head. */
    rc_model_destroy(m);
    m = train_tiny(1u << RC_MODEL_HEAD_SENTIMENT, 1);
    assert_int_equal(rc_model_save(m, path, errstr, sizeof(errstr)), 0);
    l = rc_model_load(path, errstr, sizeof(errstr));
    assert_non_null(l);
    assert_false(rc_model_has_head(l, RC_MODEL_HEAD_INTENT));
    assert_true(rc_model_has_head(l, RC_MODEL_HEAD_SENTIMENT));
    rc_model_destroy(l);
    rc_model_destroy(m);
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *len = (size_t)ftell(fp);
    rewind(fp);
    unsigned char *b = malloc(*len);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *len, fp), *len);
    fclose(fp);
    return b;
}

static void spit(const char *path, const unsigned char *b, size_t len) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, len, fp), len);
    fclose(fp);
}

/* The file's checksum, as docs/model.md defines it. */
static uint64_t fnv1a64(const unsigned char *b, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* Loading "b" (written to a file) fails with a message naming the file and
 * containing "why". */
static void assert_refused(const unsigned char *b, size_t len, const char *why) {
    char path[128], errstr[512] = "";
    path_of(path, sizeof(path), "bad.model");
    spit(path, b, len);
    rc_model_t *m = rc_model_load(path, errstr, sizeof(errstr));
    if (m != NULL)
        fail_msg("a file that should fail with '%s' loaded", why);
    if (strstr(errstr, path) == NULL || strstr(errstr, why) == NULL)
        fail_msg("expected '%s' and the path in: %s", why, errstr);
}

static void test_model_load_refuses_bad_files(void **state) {
    char path[128], errstr[256];
    size_t len;
    rc_model_t *m = train_tiny(3, 1);
    path_of(path, sizeof(path), "good.model");
    assert_int_equal(rc_model_save(m, path, errstr, sizeof(errstr)), 0);
    rc_model_destroy(m);
    unsigned char *good = slurp(path, &len);
    /* header, intent (name, count, 5 labels), sentiment (name, count, 3
     * labels), 8 floats of bias, 2^12 rows of 8 floats, the checksum */
    assert_int_equal(len, 24 + (4 + 6 + 4 + 4 * 5 + 9 + 6 + 8 + 7 + 5) + (4 + 9 + 4 + 4 * 3 + 8 + 7 + 8) + 4 * 8 +
                              4 * 8 * 4096 + 8);

    unsigned char *b = malloc(len + 16);
    assert_non_null(b);

    assert_refused(good, 0, "not a ricochet model");
    assert_refused((const unsigned char *)"hello world, not a model at all", 31, "not a ricochet model");
    memcpy(b, good, len);
    b[0] = 'X';
    assert_refused(b, len, "not a ricochet model");
    memcpy(b, good, len);
    b[8] = 2; /* version */
    assert_refused(b, len, "format version 2");
    memcpy(b, good, len);
    b[12] = 9; /* feature scheme */
    assert_refused(b, len, "feature scheme 9");
    memcpy(b, good, len);
    b[16] = 40; /* bits */
    assert_refused(b, len, "corrupt header");
    memcpy(b, good, len);
    b[28] = 'X'; /* "intent" -> "Xntent" */
    assert_refused(b, len, "unknown head 'Xntent'");
    memcpy(b, good, len);
    b[24] = 200; /* name length */
    assert_refused(b, len, "corrupt header");
    /* Truncated anywhere: in the header, in the labels, in the weights,
     * just before the end. */
    static const size_t cuts[] = {10, 20, 30, 60, 100, 5000, 60000};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        assert_refused(good, cuts[i], "truncated");
    assert_refused(good, len - 1, "truncated");
    /* Extended. */
    memcpy(b, good, len);
    memset(b + len, 0, 16);
    assert_refused(b, len + 16, "trailing bytes");
    /* One bit flipped in the weights, or in the checksum. */
    memcpy(b, good, len);
    b[len / 2] ^= 0x10;
    assert_refused(b, len, "checksum mismatch");
    memcpy(b, good, len);
    b[len - 1] ^= 0x01;
    assert_refused(b, len, "checksum mismatch");
    /* A weight out of range (or NaN) under a checksum that matches: a
     * crafted file, whose sums could overflow. */
    static const float crafted[] = {1e30f, NAN, -2e6f};
    for (size_t i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++) {
        size_t first_weight = len - 8 - 4 * 8 * 4096;
        memcpy(b, good, len);
        memcpy(b + first_weight + 4 * 8 * 100, &crafted[i], 4); /* little-endian host */
        uint64_t sum = fnv1a64(b, len - 8);
        for (int k = 0; k < 8; k++)
            b[len - 8 + (size_t)k] = (unsigned char)(sum >> (8 * k));
        assert_refused(b, len, "not a number within");
    }
    /* And the untouched bytes still load. */
    path_of(path, sizeof(path), "copy.model");
    spit(path, good, len);
    m = rc_model_load(path, errstr, sizeof(errstr));
    assert_non_null(m);
    rc_model_destroy(m);
    /* A missing file and a directory. */
    path_of(path, sizeof(path), "missing.model");
    assert_null(rc_model_load(path, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "No such file"));
    assert_null(rc_model_load(dir, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "not a regular file"));
    free(b);
    free(good);
}

static void test_model_save_reports_an_unwritable_path(void **state) {
    char errstr[256] = "";
    rc_model_t *m = train_tiny(3, 1);
    assert_int_equal(rc_model_save(m, "/nonexistent-dir/x.model", errstr, sizeof(errstr)), -1);
    assert_non_null(strstr(errstr, "/nonexistent-dir/x.model.tmp"));
    rc_model_destroy(m);
    rc_model_destroy(NULL);
}

/* ------------------------------------------------ the enrich analyser */

/* A model that has learnt the opposite of the built-in rules: thanks are
 * complaints with negative sentiment, breakage is praise. Whatever it says
 * that differs from the rules can only come from the model. */
static void save_contrary_model(const char *path, unsigned heads) {
    static const char *const thanks[] = {"thank you so much, wonderful crew", "wonderful service, thank you",
                                         "thank you for the wonderful upgrade", "thanks, wonderful people"};
    static const char *const broken[] = {"my bag is broken", "the app is broken again", "broken seat, delayed flight",
                                         "broken wifi and a broken screen"};
    rc_model_example_t ex[8];
    rc_model_params_t p;
    char errstr[256];
    for (size_t i = 0; i < 4; i++) {
        ex[i] = (rc_model_example_t){thanks[i], {C, NEG}};
        ex[4 + i] = (rc_model_example_t){broken[i], {P, POS}};
    }
    rc_model_params_default(&p);
    p.bits = BITS;
    p.epochs = 30;
    p.heads = heads;
    rc_model_t *m = rc_model_train(ex, 8, &p, errstr, sizeof(errstr));
    if (m == NULL)
        fail_msg("rc_model_train: %s", errstr);
    assert_int_equal(rc_model_save(m, path, errstr, sizeof(errstr)), 0);
    rc_model_destroy(m);
}

/* rc_analysers_new() with "yaml" as the config; NULL with errstr on failure. */
static rc_analysers_t *analysers_with(const char *yaml, char *errstr, size_t errstr_size) {
    rc_config_t *cfg = rc_config_load_string(yaml, "<test>", errstr, errstr_size);
    if (cfg == NULL)
        fail_msg("config: %s", errstr);
    rc_analysers_t *an = rc_analysers_new(cfg, errstr, errstr_size);
    rc_config_destroy(cfg);
    return an;
}

static json_t *analyse_text(const rc_analysers_t *an, const char *text) {
    char errstr[256];
    json_t *post = json_pack("{s:s, s:s, s:s}", "id", "1", "platform", "x", "text", text);
    json_t *e = rc_analyse(an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr));
    json_decref(post);
    if (e == NULL)
        fail_msg("rc_analyse: %s", errstr);
    return e;
}

static const char *str_at(json_t *obj, const char *k1, const char *k2) {
    json_t *v = json_object_get(obj, k1);
    if (k2 != NULL)
        v = json_object_get(v, k2);
    return json_string_value(v);
}

static const char *const thanks_post = "Thank you so much, wonderful crew!";

static void test_model_analyser_off_without_a_path(void **state) {
    char errstr[512];
    rc_analysers_t *an = analysers_with("{}", errstr, sizeof(errstr));
    assert_non_null(an);
    json_t *e = analyse_text(an, thanks_post);
    assert_string_equal(str_at(e, "intent", NULL), "praise");
    assert_string_equal(str_at(e, "sentiment", "label"), "positive");
    assert_true(json_is_null(json_object_get(e, "model")));
    json_decref(e);
    rc_analysers_destroy(an);
}

static void test_model_analyser_replace_uses_the_model_labels_and_keeps_the_score(void **state) {
    char path[128], yaml[512], errstr[512];
    path_of(path, sizeof(path), "contrary.model");
    save_contrary_model(path, 3);
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n    mode: replace\n", path);
    rc_analysers_t *an = analysers_with(yaml, errstr, sizeof(errstr));
    if (an == NULL)
        fail_msg("rc_analysers_new: %s", errstr);
    json_t *e = analyse_text(an, thanks_post);
    assert_string_equal(str_at(e, "intent", NULL), "complaint");
    assert_string_equal(str_at(e, "sentiment", "label"), "negative");
    /* VADER's compound stays: the post reads positive. */
    assert_true(json_real_value(json_object_get(json_object_get(e, "sentiment"), "score")) > 0.5);
    json_t *model = json_object_get(e, "model");
    assert_string_equal(str_at(model, "intent", NULL), "complaint");
    assert_string_equal(str_at(model, "sentiment", NULL), "negative");
    double p = json_real_value(json_object_get(model, "intent_confidence"));
    assert_true(p > 0.2 && p <= 1.0);
    json_decref(e);
    rc_analysers_destroy(an);
}

static void test_model_analyser_combine_keeps_rules_below_min_confidence(void **state) {
    char path[128], yaml[512], errstr[512];
    path_of(path, sizeof(path), "contrary.model");
    save_contrary_model(path, 3);
    /* No probability reaches 1: the rules' labels stay, the model's answer
     * is still recorded. */
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n    min_confidence: 1\n", path);
    rc_analysers_t *an = analysers_with(yaml, errstr, sizeof(errstr));
    assert_non_null(an);
    json_t *e = analyse_text(an, thanks_post);
    assert_string_equal(str_at(e, "intent", NULL), "praise");
    assert_string_equal(str_at(e, "sentiment", "label"), "positive");
    assert_string_equal(str_at(e, "model", "intent"), "complaint");
    json_decref(e);
    rc_analysers_destroy(an);
    /* From 0 up, the model always wins; heads: intent leaves sentiment to
     * the rules and records no sentiment. */
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n    min_confidence: 0\n    heads: intent\n", path);
    an = analysers_with(yaml, errstr, sizeof(errstr));
    assert_non_null(an);
    e = analyse_text(an, thanks_post);
    assert_string_equal(str_at(e, "intent", NULL), "complaint");
    assert_string_equal(str_at(e, "sentiment", "label"), "positive");
    assert_true(json_is_null(json_object_get(json_object_get(e, "model"), "sentiment")));
    assert_true(json_real_value(json_object_get(json_object_get(e, "model"), "sentiment_confidence")) == 0.0);
    json_decref(e);
    rc_analysers_destroy(an);
}

static void test_model_analyser_start_fails_on_a_bad_model(void **state) {
    char path[160], yaml[512], errstr[512] = "";
    /* Missing file. */
    path_of(path, sizeof(path), "nothing-here.model");
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n", path);
    assert_null(analysers_with(yaml, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "key 'enrich.model'"));
    assert_non_null(strstr(errstr, path));
    assert_non_null(strstr(errstr, "No such file"));
    /* Not a model. */
    path_of(path, sizeof(path), "text.model");
    spit(path, (const unsigned char *)"hello\n", 6);
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n", path);
    assert_null(analysers_with(yaml, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "not a ricochet model"));
    /* A head the file lacks. */
    path_of(path, sizeof(path), "intent-only.model");
    save_contrary_model(path, 1u << RC_MODEL_HEAD_INTENT);
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n    heads: sentiment\n", path);
    assert_null(analysers_with(yaml, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "no sentiment head"));
    /* Bad keys are config errors with file:line. */
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    path: %s\n    mode: vote\n", path);
    assert_null(analysers_with(yaml, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "<test>:4"));
    snprintf(yaml, sizeof(yaml), "enrich:\n  model:\n    min_confidence: 1.5\n");
    assert_null(analysers_with(yaml, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "min_confidence"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_features_of_one_word),
        cmocka_unit_test(test_model_features_are_deterministic_and_fold_case_and_digits),
        cmocka_unit_test(test_model_features_url_is_one_token_and_caps_add_a_marker),
        cmocka_unit_test(test_model_features_cap_reports_the_total_and_writes_no_more),
        cmocka_unit_test(test_model_learns_a_separable_set),
        cmocka_unit_test(test_model_training_is_reproducible_for_a_seed),
        cmocka_unit_test(test_model_unknown_or_missing_head),
        cmocka_unit_test(test_model_empty_text_gives_a_distribution),
        cmocka_unit_test(test_model_train_rejects_what_it_cannot_learn),
        cmocka_unit_test(test_model_save_load_round_trip_predicts_the_same),
        cmocka_unit_test(test_model_load_refuses_bad_files),
        cmocka_unit_test(test_model_save_reports_an_unwritable_path),
        cmocka_unit_test(test_model_analyser_off_without_a_path),
        cmocka_unit_test(test_model_analyser_replace_uses_the_model_labels_and_keeps_the_score),
        cmocka_unit_test(test_model_analyser_combine_keeps_rules_below_min_confidence),
        cmocka_unit_test(test_model_analyser_start_fails_on_a_bad_model),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
