/*
 * libFuzzer entry point for the trained model (enrich/model.c): its
 * tokeniser and prediction on any text, and rc_model_load() on any file.
 *
 * Built as fuzz_model by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.model (make test-fuzz); seeds in tests/fuzz/corpus/model/, see
 * docs/fuzzing.md.
 * fuzz-max-len: 4096
 *
 * Input: one byte of mode, then the rest.
 *   mode even  the rest is a post's text (any bytes): its features are the
 *              same twice and in range, and a model trained at start
 *              classifies it with probabilities that are numbers 0..1
 *              summing to 1 and a best label in range.
 *   mode odd   the rest is a model file: it is written after the first
 *              (mode >> 1) bytes of a valid model's file (so the search
 *              starts both from nothing and from a good header) and
 *              loaded; a load that succeeds must give a model that
 *              classifies.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

#define BITS 8

static rc_model_t *model;
static unsigned char *good; /* a valid model file */
static size_t good_len;
static char path[64];

static void remove_file(void) {
    unlink(path);
}

static void set_up(void) {
    static const rc_model_example_t ex[] = {
        {"my bag never arrived", {0, 0}}, {"thank you, wonderful crew", {1, 2}}, {"what time is boarding?", {2, 1}},
        {"please dm me", {3, 1}},         {"going to Lisbon tomorrow", {4, -1}},
    };
    rc_model_params_t p;
    char err[512];
    rc_model_params_default(&p);
    p.bits = BITS;
    p.epochs = 3;
    model = rc_model_train(ex, sizeof(ex) / sizeof(ex[0]), &p, err, sizeof(err));
    snprintf(path, sizeof(path), "/tmp/fuzz_model.%d", (int)getpid());
    atexit(remove_file);
    if (model == NULL || rc_model_save(model, path, err, sizeof(err)) != 0)
        abort();
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        abort();
    fseek(fp, 0, SEEK_END);
    good_len = (size_t)ftell(fp);
    rewind(fp);
    good = malloc(good_len);
    if (good == NULL || fread(good, 1, good_len, fp) != good_len)
        abort();
    fclose(fp);
}

static void check_predicts(const rc_model_t *m, const char *text) {
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        size_t n;
        double p[8], sum = 0;
        if (!rc_model_has_head(m, h))
            continue;
        rc_model_head_labels(h, &n);
        int best = rc_model_predict(m, rc_model_head_name(h), text, p, 8);
        if (best < 0 || (size_t)best >= n)
            abort();
        for (size_t c = 0; c < n; c++) {
            if (!(p[c] >= 0 && p[c] <= 1))
                abort();
            sum += p[c];
        }
        if (fabs(sum - 1) > 1e-6)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (model == NULL)
        set_up();
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    data++;
    size--;

    if ((mode & 1) == 0) {
        char *text = malloc(size + 1);
        uint32_t a[512], b[512];
        if (text == NULL)
            return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        size_t na = rc_model_features(text, BITS, a, 512), nb = rc_model_features(text, BITS, b, 512);
        size_t k = na < 512 ? na : 512;
        if (na != nb || memcmp(a, b, k * sizeof(*a)) != 0)
            abort();
        for (size_t i = 0; i < k; i++) {
            if ((a[i] & 0x7fffffffu) >= (1u << BITS))
                abort();
        }
        check_predicts(model, text);
        free(text);
        return 0;
    }

    size_t keep = (mode >> 1) * 2; /* 0..254 bytes of the good header */
    if (keep > good_len)
        keep = good_len;
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        abort();
    fwrite(good, 1, keep, fp);
    fwrite(data, 1, size, fp);
    fclose(fp);
    char err[512];
    rc_model_t *m = rc_model_load(path, err, sizeof(err));
    if (m != NULL) {
        check_predicts(m, "my bag never arrived?");
        rc_model_destroy(m);
    } else if (strstr(err, path) == NULL) {
        abort(); /* every refusal names the file */
    }
    return 0;
}
