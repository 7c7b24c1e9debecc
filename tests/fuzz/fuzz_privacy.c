/*
 * libFuzzer entry point for the privacy analyser
 * (enrich/analysers/privacy.c), which scans every post's text by hand.
 *
 * Built as fuzz_privacy by -DRICOCHET_FUZZ=ON and run as fuzz.privacy;
 * seeds in tests/fuzz/corpus/privacy/.
 * fuzz-max-len: 2048
 *
 * The first input byte picks the switches (emails, phones, cards) and the
 * phone minimum; the rest, up to its first NUL, is the text. Checks:
 *   - redacted_text is set exactly when redactions is not empty, and then
 *     differs from the text;
 *   - redactions names each kind at most once, and only enabled kinds;
 *   - valid UTF-8 in gives valid UTF-8 out;
 *   - the replaced text holds each enabled kind's replacement once per
 *     kind listed at least.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "util.h"

static const rc_analyser_t *privacy;
static void *states[16];
static void *confs[16];

/* One analyser state per switch combination (bits 0-2) and minimum (bit
 * 3: 7 or 10), set up once. */
static void *state_for(unsigned v) {
    char yaml[256], errstr[512];
    v &= 15;
    if (states[v] != NULL)
        return states[v];
    snprintf(yaml, sizeof(yaml), "enrich:\n  privacy:\n    emails: %s\n    phones: %s\n    cards: %s\n"
             "    phone_min_digits: %d\n",
             v & 1 ? "true" : "false", v & 2 ? "true" : "false", v & 4 ? "true" : "false", v & 8 ? 10 : 7);
    rc_config_t *cfg = rc_config_load_string(yaml, "fuzz", errstr, sizeof(errstr));
    confs[v] = calloc(1, privacy->conf_size);
    if (cfg == NULL || confs[v] == NULL ||
        rc_config_bind(cfg, "enrich.privacy", privacy->config, confs[v], errstr, sizeof(errstr)) != 0 ||
        privacy->init(&states[v], confs[v], errstr, sizeof(errstr)) != 0) {
        fprintf(stderr, "privacy set-up: %s\n", errstr);
        abort();
    }
    rc_config_destroy(cfg);
    return states[v];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    if (privacy == NULL) {
        for (size_t i = 0; rc_analyser_registry[i] != NULL; i++)
            if (!strcmp(rc_analyser_registry[i]->name, "privacy"))
                privacy = rc_analyser_registry[i];
        if (privacy == NULL)
            abort();
    }
    unsigned v = data[0];
    void *st = state_for(v);
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    char errstr[256];
    rc_analysis_t a;
    memset(&a, 0, sizeof(a));
    json_t *post = json_object();
    a.post = post;
    a.text = text;
    a.redactions = json_array();
    if (privacy->run(st, &a, errstr, sizeof(errstr)) != 0)
        abort(); /* only out of memory may fail */

    static const char *const kinds[3] = {"email", "phone", "card"};
    static const char *const repl[3] = {"[email]", "[phone]", "[card]"};
    size_t n = json_array_size(a.redactions);
    if ((a.redacted_text != NULL) != (n > 0) || n > 3)
        abort();
    if (a.redacted_text != NULL && !strcmp(a.redacted_text, text))
        abort();
    int seen[3] = {0};
    for (size_t i = 0; i < n; i++) {
        const char *k = json_string_value(json_array_get(a.redactions, i));
        int found = 0;
        for (int j = 0; j < 3; j++) {
            if (k != NULL && !strcmp(k, kinds[j])) {
                if (seen[j] || !(v & (1u << j)))
                    abort(); /* twice, or a kind that is switched off */
                seen[j] = found = 1;
                if (strstr(a.redacted_text, repl[j]) == NULL)
                    abort();
            }
        }
        if (!found)
            abort();
    }
    if (a.redacted_text != NULL && rc_utf8_valid(text, strlen(text)) &&
        !rc_utf8_valid(a.redacted_text, strlen(a.redacted_text)))
        abort();

    free(a.redacted_text);
    json_decref(a.redactions);
    json_decref(post);
    free(text);
    return 0;
}
