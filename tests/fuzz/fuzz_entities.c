/*
 * libFuzzer entry point for the entities analyser and its gazetteer.
 *
 * Built as fuzz_entities by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.entities (make test-fuzz); seeds in tests/fuzz/corpus/entities/, see
 * docs/fuzzing.md.
 * fuzz-max-len: 2048 (posts are short; the rules look a few words around)
 *
 * The input is used twice: as the text of a post, analysed with the
 * built-in gazetteer plus reference patterns and brands (people, places,
 * possessives, routes, patterns, brand surfaces all see it), and as
 * gazetteer text (tab-separated lines), which, when it parses, is matched
 * against the input's own words.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "analysers/gazetteer.h"
#include "analysers/text.h"

static const char *const fuzz_yaml = "enrich:\n"
                                     "  entities:\n"
                                     "    references:\n"
                                     "      - {kind: ticket, pattern: 'TCK-(\\d{6})'}\n"
                                     "      - {kind: any, pattern: '(a|b)*c?', ignore_case: true}\n"
                                     "    brands:\n"
                                     "      - {name: AT&T, aliases: [ATT]}\n"
                                     "      - {name: Delta Air Lines, aliases: [Delta]}\n"
                                     "      - {name: Target, case_sensitive: true}\n";

static rc_config_t *cfg;
static rc_analysers_t *an;

static void as_post(const char *text, size_t len) {
    char errstr[512];
    json_t *t = json_stringn(text, len); /* NULL unless valid UTF-8, as every post is */
    if (t == NULL)
        return;
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:i}, s:o, s:n}", "id", "1", "platform", "x", "author", "id",
                             "a1", "handle", "someone", "followers", 10, "text", t, "lang");
    json_t *e = post != NULL ? rc_analyse(an, post, "2026-11-22T06:38:32Z", errstr, sizeof(errstr)) : NULL;
    if (post != NULL && e == NULL)
        abort(); /* analysing a valid post never fails but for memory */
    json_decref(e);
    json_decref(post);
}

static void as_gazetteer(const char *text, size_t len) {
    char errstr[512];
    rc_words_t ws;
    rc_gazetteer_t *g = rc_gazetteer_new(errstr, sizeof(errstr));
    if (g == NULL || rc_gazetteer_add(g, text, len, "fuzz.tsv", errstr, sizeof(errstr)) != 0 ||
        rc_gazetteer_finish(g, errstr, sizeof(errstr)) != 0) {
        rc_gazetteer_destroy(g);
        return;
    }
    if (rc_words_split(&ws, text) == 0) {
        for (size_t i = 0; i < ws.n; i++) {
            size_t nw = 1;
            const rc_place_t *p = rc_gazetteer_match(g, &ws, i, &nw);
            if (p != NULL && (nw == 0 || i + nw > ws.n || p->canonical == NULL))
                abort();
            (void)rc_gazetteer_name_at(g, &ws, i);
        }
    }
    rc_words_release(&ws);
    rc_gazetteer_destroy(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[512];
    if (an == NULL) {
        cfg = rc_config_load_string(fuzz_yaml, "fuzz.yaml", errstr, sizeof(errstr));
        an = cfg != NULL ? rc_analysers_new(cfg, errstr, sizeof(errstr)) : NULL;
        if (an == NULL)
            abort();
    }
    /* The text stops at a NUL, as a C string does. */
    size_t len = strnlen((const char *)data, size);
    char *text = malloc(len + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, len);
    text[len] = '\0';
    as_post(text, len);
    as_gazetteer(text, len);
    free(text);
    return 0;
}
