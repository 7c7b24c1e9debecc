/*
 * libFuzzer entry point for the language analyser
 * (enrich/analysers/language.c): its text cleaner walks UTF-8 by hand and
 * hands the result to libexttextcat.
 *
 * Built as fuzz_language by -DRICOCHET_FUZZ=ON and run as fuzz.language;
 * seeds in tests/fuzz/corpus/language/.
 * fuzz-max-len: 1024 (the detector reads at most 512 cleaned bytes)
 *
 * The first input byte says whether the post has a platform tag (the next
 * few bytes, up to a space) or not; the rest, up to its first NUL, is the
 * text. Checks: the language is "und" or 2-3 lower-case letters, with a
 * matching language_source; "und" comes only with "undetermined".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"

static const rc_analyser_t *language;
static void *state;
static void *conf;

static void set_up(void) {
    char errstr[512];
    for (size_t i = 0; rc_analyser_registry[i] != NULL; i++)
        if (!strcmp(rc_analyser_registry[i]->name, "language"))
            language = rc_analyser_registry[i];
    rc_config_t *cfg = rc_config_load_string("{}", "fuzz", errstr, sizeof(errstr));
    conf = language != NULL ? calloc(1, language->conf_size) : NULL;
    if (cfg == NULL || conf == NULL ||
        rc_config_bind(cfg, "enrich.language", language->config, conf, errstr, sizeof(errstr)) != 0 ||
        language->init(&state, conf, errstr, sizeof(errstr)) != 0) {
        fprintf(stderr, "language set-up: %s\n", errstr);
        abort();
    }
    rc_config_destroy(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    if (language == NULL)
        set_up();
    char *buf = malloc(size);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    json_t *post = json_object();
    const char *text = buf;
    if (data[0] & 1) { /* "tag text..." */
        char *sp = strchr(buf, ' ');
        if (sp != NULL) {
            *sp = '\0';
            text = sp + 1;
        }
        json_object_set_new(post, "lang", json_stringn_nocheck(buf, strlen(buf)));
    }

    char errstr[256];
    rc_analysis_t a;
    memset(&a, 0, sizeof(a));
    a.post = post;
    a.text = text;
    if (language->run(state, &a, errstr, sizeof(errstr)) != 0)
        abort();
    size_t n = strnlen(a.language, sizeof(a.language));
    if (n >= sizeof(a.language) || a.language_source == NULL)
        abort();
    if (!strcmp(a.language, "und")) {
        if (strcmp(a.language_source, "undetermined") != 0)
            abort();
    } else {
        if (n < 2 || n > 3 || !strcmp(a.language_source, "undetermined"))
            abort();
        for (size_t i = 0; i < n; i++)
            if (a.language[i] < 'a' || a.language[i] > 'z')
                abort();
    }
    json_decref(post);
    free(buf);
    return 0;
}
