/*
 * rc_analyse(): the registry runs in order and the EnrichedPost it builds
 * has exactly the shape of schemas/enriched_post.avsc. (Language and
 * privacy have their own tests: test_language.c, test_privacy.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyse.h"

#include "analysers_fixture.h"

static json_t *make_post(const char *text, const char *lang) {
    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:i, s:b}, s:s, s:s, s:s?, s:n, s:n, s:n, s:[s],"
                             " s:[], s:{s:i, s:i, s:i, s:i}, s:s, s:s}",
                             "id", "1596", "platform", "x", "author", "id", "42", "handle", "flyer", "name", "Flyer",
                             "followers", 250000, "verified", 0, "text", text, "created_at", "2026-11-22T06:38:31Z",
                             "lang", lang, "url", "in_reply_to", "conversation_id", "mentions", "SWA", "hashtags",
                             "metrics", "likes", 1, "reposts", 2, "replies", 3, "quotes", 4, "source_format", "x_v2",
                             "ingested_at", "2026-11-22T06:38:32Z");
    assert_non_null(post);
    return post;
}

static json_t *analyse_ok(json_t *post) {
    char errstr[256];
    json_t *e = rc_analyse(an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr));
    if (e == NULL)
        fail_msg("rc_analyse: %s", errstr);
    return e;
}

/* The field names of the record "name" found anywhere in "schema". */
static json_t *record_fields(json_t *schema, const char *name) {
    if (json_is_object(schema)) {
        const char *n = json_string_value(json_object_get(schema, "name"));
        if (n != NULL && strcmp(n, name) == 0 && json_is_array(json_object_get(schema, "fields")))
            return json_object_get(schema, "fields");
        const char *k;
        json_t *v;
        json_object_foreach(schema, k, v) {
            json_t *f = record_fields(v, name);
            if (f != NULL)
                return f;
        }
    } else if (json_is_array(schema)) {
        size_t i;
        json_t *v;
        json_array_foreach(schema, i, v) {
            json_t *f = record_fields(v, name);
            if (f != NULL)
                return f;
        }
    }
    return NULL;
}

/* Does "obj" have exactly the fields of record "name"? */
static void assert_matches_record(json_t *schema, const char *name, json_t *obj) {
    json_t *fields = record_fields(schema, name);
    assert_non_null(fields);
    assert_true(json_is_object(obj));
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f) {
        const char *fname = json_string_value(json_object_get(f, "name"));
        if (json_object_get(obj, fname) == NULL)
            fail_msg("%s: field \"%s\" missing", name, fname);
    }
    if (json_object_size(obj) != json_array_size(fields))
        fail_msg("%s: %zu fields, schema has %zu", name, json_object_size(obj), json_array_size(fields));
}

static void test_analyse_output_matches_enriched_post_schema(void **state) {
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/schemas/enriched_post.avsc", src);
    json_error_t jerr;
    json_t *schema = json_load_file(path, 0, &jerr);
    if (schema == NULL)
        fail_msg("%s: %s", path, jerr.text);

    json_t *post = make_post("RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.", NULL);
    json_t *e = analyse_ok(post);
    assert_matches_record(schema, "EnrichedPost", e);
    assert_matches_record(schema, "Sentiment", json_object_get(e, "sentiment"));
    assert_matches_record(schema, "Entities", json_object_get(e, "entities"));
    json_t *refs = json_object_get(json_object_get(e, "entities"), "references");
    assert_true(json_array_size(refs) > 0);
    assert_matches_record(schema, "Reference", json_array_get(refs, 0));

    json_t *s = json_object_get(e, "sentiment");
    assert_true(json_is_real(json_object_get(s, "score")));
    assert_true(json_real_value(json_object_get(s, "score")) >= -1.0);
    assert_string_equal(json_string_value(json_object_get(s, "label")), "negative");
    assert_true(json_is_integer(json_object_get(e, "urgency")));
    assert_true(json_is_array(json_object_get(e, "urgency_reasons")));
    assert_string_equal(json_string_value(json_object_get(e, "intent")), "complaint");
    assert_string_equal(json_string_value(json_object_get(e, "language")), "en");
    assert_string_equal(json_string_value(json_object_get(e, "enriched_at")), "2026-11-22T06:38:33Z");

    json_decref(e);
    json_decref(post);
    json_decref(schema);
}

static void test_analyse_references_the_post_without_copying(void **state) {
    json_t *post = make_post("hello", "en");
    json_t *e = analyse_ok(post);
    assert_ptr_equal(json_object_get(e, "post"), post);
    assert_int_equal(post->refcount, 2);
    json_decref(e);
    assert_int_equal(post->refcount, 1);
    json_decref(post);
}

static void test_analyse_rejects_post_without_text(void **state) {
    char errstr[256] = "";
    json_t *post = json_pack("{s:s}", "id", "1");
    assert_null(rc_analyse(an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "text"));
    json_decref(post);
    post = json_pack("{s:i}", "text", 5);
    assert_null(rc_analyse(an, post, "2026-11-22T06:38:33Z", errstr, sizeof(errstr)));
    json_decref(post);
    errstr[0] = '\0';
    post = make_post("hello", "en");
    assert_null(rc_analyse(an, post, NULL, errstr, sizeof(errstr)));
    assert_true(errstr[0] != '\0');
    json_decref(post);
}

static void test_analyser_registry_runs_language_privacy_sentiment_entities_intent_model_urgency(void **state) {
    const char *want[] = {"language", "privacy", "sentiment", "entities", "intent", "model", "urgency"};
    size_t n = 0;
    while (rc_analyser_registry[n] != NULL) {
        assert_true(n < 7);
        assert_string_equal(rc_analyser_registry[n]->name, want[n]);
        n++;
    }
    assert_int_equal(n, 7);
    rc_analysers_destroy(NULL); /* safe on NULL */
}

/* An analyser run on its own (no shared word split) splits the text itself
 * and finds the same things. */
static void test_analyser_runs_alone_without_shared_words(void **state) {
    const rc_analyser_t *entities = NULL;
    for (size_t i = 0; rc_analyser_registry[i] != NULL; i++) {
        if (strcmp(rc_analyser_registry[i]->name, "entities") == 0)
            entities = rc_analyser_registry[i];
    }
    assert_non_null(entities);
    char errstr[256];
    void *st = NULL;
    /* Its defaults, bound as rc_analysers_new() would from an empty config. */
    void *conf = NULL;
    rc_config_t *cfg = rc_config_load_string("{}", "<test>", errstr, sizeof(errstr));
    assert_non_null(cfg);
    if (entities->config != NULL) {
        conf = calloc(1, entities->conf_size);
        assert_int_equal(rc_config_bind(cfg, "enrich.entities", entities->config, conf, errstr, sizeof(errstr)), 0);
    }
    if (entities->init_config != NULL)
        assert_int_equal(entities->init_config(&st, conf, cfg, errstr, sizeof(errstr)), 0);
    else
        assert_int_equal(entities->init(&st, conf, errstr, sizeof(errstr)), 0);

    json_t *post = make_post("RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.", NULL);
    rc_analysis_t a;
    memset(&a, 0, sizeof(a));
    a.post = post;
    a.text = json_string_value(json_object_get(post, "text"));
    a.entities = json_pack("{s:[], s:[], s:[], s:[], s:[], s:[]}", "mentions", "hashtags", "urls", "people",
                           "places", "references");
    assert_null(a.words);
    assert_int_equal(entities->run(st, &a, errstr, sizeof(errstr)), 0);

    json_t *e = analyse_ok(post);
    assert_true(json_equal(a.entities, json_object_get(e, "entities")));
    assert_int_equal(json_array_size(json_object_get(a.entities, "people")), 1);

    json_decref(e);
    json_decref(a.entities);
    json_decref(post);
    entities->destroy(st);
    if (conf != NULL) {
        rc_config_table_free(entities->config, conf);
        free(conf);
    }
    rc_config_destroy(cfg);
}

/* Text is not always clean UTF-8 by the time it gets here (the Avro path
 * does not validate it): nothing may read out of bounds or crash. */
static void test_analyse_survives_arbitrary_bytes(void **state) {
    static const char alphabet[] = "aZ @#!?.:'-_/0123456789 \t\xe2\x80\x99\xf0\x9f\x98\x80\xc3\xa9\xff\x80http://www.";
    uint32_t seed = 12345;
    char text[600];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 599);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        text[len] = '\0';
        json_t *post = make_post("", NULL);
        json_object_set_new(post, "text", json_stringn_nocheck(text, len));
        json_t *e = analyse_ok(post);
        json_int_t u = json_integer_value(json_object_get(e, "urgency"));
        double score = json_real_value(json_object_get(json_object_get(e, "sentiment"), "score"));
        assert_true(u >= 0 && u <= 100);
        assert_true(score >= -1.0 && score <= 1.0);
        json_decref(e);
        json_decref(post);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyse_output_matches_enriched_post_schema),
        cmocka_unit_test(test_analyse_references_the_post_without_copying),
        cmocka_unit_test(test_analyse_rejects_post_without_text),
        cmocka_unit_test(test_analyser_registry_runs_language_privacy_sentiment_entities_intent_model_urgency),
        cmocka_unit_test(test_analyser_runs_alone_without_shared_words),
        cmocka_unit_test(test_analyse_survives_arbitrary_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
