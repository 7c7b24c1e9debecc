/*
 * enrich/model.c: the hashed features, training on a small separable set,
 * the model file (round trip, and every way a file can be wrong), unknown
 * heads and empty text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
