/*
 * The serde with a schema registry (Confluent wire format) and the registry
 * client, against the fixture registry of tests/fixtures/registry_fixture_lib.h
 * served in-process on a free loopback port. It answers the calls the way
 * Confluent's "Schema Registry API Reference" (docs.confluent.io,
 * schema-registry/develop/api) shows them:
 *   POST /subjects/{subject}/versions, body {"schema": "<text>"} -> 200
 *     {"id": N}; the same schema text always gets the same id, whatever the
 *     subject, and the first id is 100;
 *   GET /schemas/ids/{id} -> 200 {"schema": "<text>"}, or 404
 *     {"error_code": 40403, "message": "Schema N not found"};
 *   during an outage, 503 {"error_code": 50001, "message": "Error in the
 *     backend datastore"}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <jansson.h>

#include <cmocka.h>

#include "registry_fixture_lib.h"
#include "schema_registry.h"
#include "serde.h"

typedef struct {
    rc_fx_registry_t *reg;
    char url[64];
} rc_fx_t;

static int rc_fx_setup(void **state) {
    rc_fx_t *fx = calloc(1, sizeof(*fx));
    char err[256];

    if (!fx || !(fx->reg = rc_fx_registry_start(0, err, sizeof(err))))
        fail_msg("cannot start the fixture registry: %s", fx ? err : "out of memory");
    snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%u/", rc_fx_registry_port(fx->reg));
    *state = fx;
    return 0;
}

static int rc_fx_teardown(void **state) {
    rc_fx_t *fx = *state;
    rc_fx_registry_stop(fx->reg);
    free(fx);
    return 0;
}

static rc_fx_registry_stats_t rc_fx_stats(rc_fx_t *fx) {
    rc_fx_registry_stats_t st;
    rc_fx_registry_stats(fx->reg, &st);
    return st;
}

static const char *rc_action_json =
    "{\"post_id\":\"1\",\"platform\":\"x\",\"case_key\":\"x:9\",\"rule\":\"angry-vip\",\"sink\":null,"
    "\"action\":\"ticket_created\",\"status\":\"ok\",\"external_id\":\"4711\",\"detail\":null,\"intent\":"
    "\"complaint\",\"urgency\":87,\"latency_ms\":120,\"at\":\"2026-11-22T06:00:03Z\"}";

static const char *rc_post_json =
    "{\"id\":\"1\",\"platform\":\"x\",\"author\":{\"id\":\"9\",\"handle\":\"a\",\"name\":null,\"followers\":5,"
    "\"verified\":false},\"text\":\"hi\",\"created_at\":\"2026-11-22T06:00:00Z\",\"lang\":\"en\",\"url\":null,"
    "\"in_reply_to\":null,\"conversation_id\":null,\"mentions\":[\"SWA\"],\"hashtags\":[],\"metrics\":{\"likes\":0,"
    "\"reposts\":0,\"replies\":0,\"quotes\":0},\"source_format\":\"x_v2\",\"ingested_at\":\"2026-11-22T06:00:01Z\"}";

static rc_serde_t *rc_serde_for(rc_fx_t *fx) {
    char err[256];
    rc_serde_t *s = rc_serde_new(fx->url, err, sizeof(err));
    if (!s)
        fail_msg("rc_serde_new: %s", err);
    return s;
}

static void test_encode_registers_schema_once_per_subject_and_frames_with_its_id(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *serde = rc_serde_for(fx);
    json_t *post = json_loads(rc_post_json, 0, NULL);
    unsigned char *buf;
    char err[256];
    size_t len;

    for (int i = 0; i < 3; i++) {
        assert_int_equal(rc_serde_encode(serde, RC_SCHEMA_POST, "posts", post, (void **)&buf, &len, err, sizeof(err)),
                         0);
        /* 0x00, then the id big-endian: the fixture gave the first schema 100. */
        assert_int_equal(buf[0], 0x00);
        assert_int_equal(((uint32_t)buf[1] << 24) | ((uint32_t)buf[2] << 16) | ((uint32_t)buf[3] << 8) | buf[4], 100);
        free(buf);
    }
    assert_int_equal(rc_fx_stats(fx).register_calls, 1);
    assert_string_equal(rc_fx_stats(fx).last_subject, "posts-value");
    assert_string_equal(rc_fx_stats(fx).last_content_type, "application/vnd.schemaregistry.v1+json");

    /* Another topic is another subject: one more registration, same id. */
    assert_int_equal(
        rc_serde_encode(serde, RC_SCHEMA_POST, "posts-replay", post, (void **)&buf, &len, err, sizeof(err)), 0);
    assert_int_equal(buf[4], 100);
    free(buf);
    assert_int_equal(rc_fx_stats(fx).register_calls, 2);
    assert_string_equal(rc_fx_stats(fx).last_subject, "posts-replay-value");

    /* Without a topic there is no subject to register under. */
    assert_int_equal(rc_serde_encode(serde, RC_SCHEMA_POST, NULL, post, (void **)&buf, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "topic"));

    rc_serde_destroy(serde);
    json_decref(post);
}

static void test_decode_fetches_writer_schema_by_id_once_and_caches(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *producer = rc_serde_for(fx), *consumer = rc_serde_for(fx);
    json_t *action = json_loads(rc_action_json, 0, NULL), *out;
    void *buf;
    char err[256];
    size_t len;

    assert_int_equal(rc_serde_encode(producer, RC_SCHEMA_ACTION, "actions", action, &buf, &len, err, sizeof(err)), 0);
    for (int i = 0; i < 3; i++) {
        out = rc_serde_decode(consumer, RC_SCHEMA_ACTION, buf, len, err, sizeof(err));
        if (!out)
            fail_msg("decode: %s", err);
        assert_true(json_equal(out, action));
        json_decref(out);
    }
    assert_int_equal(rc_fx_stats(fx).lookup_calls, 1);

    /* The producer learned id -> schema when it registered: no GET at all. */
    out = rc_serde_decode(producer, RC_SCHEMA_ACTION, buf, len, err, sizeof(err));
    assert_non_null(out);
    json_decref(out);
    assert_int_equal(rc_fx_stats(fx).lookup_calls, 1);

    /* Single-object frames still decode when a registry is configured. */
    rc_serde_t *plain = rc_serde_new(NULL, err, sizeof(err));
    void *sbuf;
    size_t slen;
    assert_int_equal(rc_serde_encode(plain, RC_SCHEMA_ACTION, NULL, action, &sbuf, &slen, err, sizeof(err)), 0);
    out = rc_serde_decode(consumer, RC_SCHEMA_ACTION, sbuf, slen, err, sizeof(err));
    assert_non_null(out);
    assert_true(json_equal(out, action));
    json_decref(out);
    free(sbuf);
    rc_serde_destroy(plain);

    free(buf);
    json_decref(action);
    rc_serde_destroy(producer);
    rc_serde_destroy(consumer);
}

static void test_unknown_schema_id_error_names_id_status_and_registry_message(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *serde = rc_serde_for(fx);
    static const unsigned char frame[] = {0x00, 0x00, 0x00, 0x03, 0xE7 /* 999 */, 0x02, '1'};
    char err[256];

    assert_null(rc_serde_decode(serde, RC_SCHEMA_ACTION, frame, sizeof(frame), err, sizeof(err)));
    assert_string_equal(err, "schema id 999: registry said HTTP 404, error_code 40403: Schema 999 not found");
    assert_false(rc_serde_error_is_retriable(serde));
    /* A failure is not cached: the next record asks again. */
    assert_null(rc_serde_decode(serde, RC_SCHEMA_ACTION, frame, sizeof(frame), err, sizeof(err)));
    assert_int_equal(rc_fx_stats(fx).lookup_calls, 2);
    rc_serde_destroy(serde);
}

static void test_registry_outage_is_reported_as_retriable(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *serde = rc_serde_for(fx);
    json_t *post = json_loads(rc_post_json, 0, NULL);
    void *buf;
    char err[256];
    size_t len;

    rc_fx_registry_outage(fx->reg, -1);
    assert_int_equal(rc_serde_encode(serde, RC_SCHEMA_POST, "posts", post, &buf, &len, err, sizeof(err)), -1);
    assert_string_equal(err, "registering schema under subject \"posts-value\": registry said HTTP 503, error_code "
                             "50001: Error in the backend datastore");
    assert_true(rc_serde_error_is_retriable(serde));

    /* Once the registry is back, the same call succeeds. */
    rc_fx_registry_outage(fx->reg, 0);
    assert_int_equal(rc_serde_encode(serde, RC_SCHEMA_POST, "posts", post, &buf, &len, err, sizeof(err)), 0);
    assert_false(rc_serde_error_is_retriable(serde));
    free(buf);
    rc_serde_destroy(serde);

    /* Nobody listening at all is retriable too. */
    unsigned port = rc_fx_registry_port(fx->reg);
    char url[64];
    rc_fx_registry_stop(fx->reg);
    fx->reg = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
    serde = rc_serde_new(url, err, sizeof(err));
    assert_non_null(serde);
    assert_int_equal(rc_serde_encode(serde, RC_SCHEMA_POST, "posts", post, &buf, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "schema registry unreachable"));
    assert_true(rc_serde_error_is_retriable(serde));
    rc_serde_destroy(serde);
    json_decref(post);
}

static void test_registry_client_rejects_bad_urls(void **state) {
    char err[256];
    assert_null(rc_schema_registry_new("", err, sizeof(err)));
    assert_non_null(strstr(err, "empty"));
    assert_null(rc_schema_registry_new("localhost:8081", err, sizeof(err)));
    assert_non_null(strstr(err, "http://"));
}

/* Writes "obj" as a flat record of "schema_text" with avro-c directly, the
 * way another producer with its own schema version would. Fields are
 * strings, ints, longs or ["null", X] unions. Returns the Confluent frame. */
static void *rc_write_as_other_producer(const char *schema_text, int32_t id, json_t *obj, size_t *len) {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t rec;
    avro_writer_t w;
    static char body[4096];
    unsigned char *frame;

    assert_int_equal(avro_schema_from_json_length(schema_text, strlen(schema_text), &schema), 0);
    iface = avro_generic_class_from_schema(schema);
    assert_int_equal(avro_generic_value_new(iface, &rec), 0);
    for (size_t i = 0; i < avro_schema_record_size(schema); i++) {
        avro_value_t f, b = {0};
        json_t *j = json_object_get(obj, avro_schema_record_field_name(schema, (int)i));
        assert_non_null(j);
        assert_int_equal(avro_value_get_by_index(&rec, i, &f, NULL), 0);
        if (avro_value_get_type(&f) == AVRO_UNION) {
            assert_int_equal(avro_value_set_branch(&f, json_is_null(j) ? 0 : 1, &b), 0);
            f = b;
        }
        switch (avro_value_get_type(&f)) {
        case AVRO_NULL: avro_value_set_null(&f); break;
        case AVRO_STRING: avro_value_set_string(&f, json_string_value(j)); break;
        case AVRO_INT32: avro_value_set_int(&f, (int32_t)json_integer_value(j)); break;
        case AVRO_INT64: avro_value_set_long(&f, json_integer_value(j)); break;
        default: fail_msg("unsupported field type in test helper");
        }
    }
    w = avro_writer_memory(body, sizeof(body));
    assert_int_equal(avro_value_write(w, &rec), 0);
    *len = 5 + (size_t)avro_writer_tell(w);
    frame = malloc(*len);
    frame[0] = 0;
    frame[1] = (unsigned char)(id >> 24);
    frame[2] = (unsigned char)(id >> 16);
    frame[3] = (unsigned char)(id >> 8);
    frame[4] = (unsigned char)id;
    memcpy(frame + 5, body, *len - 5);
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return frame;
}

/* Action as a newer producer has it: an extra field "region" in the middle. */
static const char *rc_action_v2 =
    "{\"type\":\"record\",\"name\":\"Action\",\"namespace\":\"io.ricochet\",\"fields\":["
    "{\"name\":\"post_id\",\"type\":\"string\"},{\"name\":\"platform\",\"type\":\"string\"},"
    "{\"name\":\"case_key\",\"type\":\"string\"},{\"name\":\"rule\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"region\",\"type\":\"string\",\"default\":\"eu\"},"
    "{\"name\":\"sink\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"action\",\"type\":\"string\"},"
    "{\"name\":\"status\",\"type\":\"string\"},{\"name\":\"external_id\",\"type\":[\"null\",\"string\"],"
    "\"default\":null},{\"name\":\"detail\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"intent\",\"type\":\"string\"},{\"name\":\"urgency\",\"type\":\"int\"},"
    "{\"name\":\"latency_ms\",\"type\":\"long\"},{\"name\":\"at\",\"type\":\"string\"}]}";

/* Action as an older producer had it: no "detail" (ours defaults it to
 * null). */
static const char *rc_action_v0 =
    "{\"type\":\"record\",\"name\":\"Action\",\"namespace\":\"io.ricochet\",\"fields\":["
    "{\"name\":\"post_id\",\"type\":\"string\"},{\"name\":\"platform\",\"type\":\"string\"},"
    "{\"name\":\"case_key\",\"type\":\"string\"},{\"name\":\"rule\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"sink\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"action\",\"type\":\"string\"},"
    "{\"name\":\"status\",\"type\":\"string\"},{\"name\":\"external_id\",\"type\":[\"null\",\"string\"],"
    "\"default\":null},{\"name\":\"intent\",\"type\":\"string\"},{\"name\":\"urgency\",\"type\":\"int\"},"
    "{\"name\":\"latency_ms\",\"type\":\"long\"},{\"name\":\"at\",\"type\":\"string\"}]}";

static void rc_register_direct(rc_fx_t *fx, const char *subject, const char *schema, int32_t *id) {
    char err[256];
    rc_schema_registry_t *sr = rc_schema_registry_new(fx->url, err, sizeof(err));
    assert_non_null(sr);
    if (rc_schema_registry_register(sr, subject, schema, id, err, sizeof(err)))
        fail_msg("register: %s", err);
    rc_schema_registry_destroy(sr);
}

static void test_writer_schema_with_extra_field_decodes_into_reader_schema(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *serde = rc_serde_for(fx);
    json_t *written = json_loads(rc_action_json, 0, NULL), *want = json_loads(rc_action_json, 0, NULL), *out;
    char err[256];
    int32_t id;
    size_t len;
    void *frame;

    rc_register_direct(fx, "actions-value", rc_action_v2, &id);
    json_object_set_new(written, "region", json_string("us-west"));
    frame = rc_write_as_other_producer(rc_action_v2, id, written, &len);
    out = rc_serde_decode(serde, RC_SCHEMA_ACTION, frame, len, err, sizeof(err));
    if (!out)
        fail_msg("decode: %s", err);
    assert_true(json_equal(out, want)); /* region dropped, the rest intact */
    json_decref(out);
    free(frame);
    json_decref(written);
    json_decref(want);
    rc_serde_destroy(serde);
}

static void test_writer_schema_missing_a_defaulted_field_decodes_with_the_default(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *serde = rc_serde_for(fx);
    json_t *written = json_loads(rc_action_json, 0, NULL), *out;
    char err[256];
    int32_t id;
    size_t len;
    void *frame;

    rc_register_direct(fx, "actions-value", rc_action_v0, &id);
    json_object_del(written, "detail");
    frame = rc_write_as_other_producer(rc_action_v0, id, written, &len);
    out = rc_serde_decode(serde, RC_SCHEMA_ACTION, frame, len, err, sizeof(err));
    if (!out)
        fail_msg("decode: %s", err);
    assert_true(json_is_null(json_object_get(out, "detail")));
    json_object_set_new(written, "detail", json_null());
    assert_true(json_equal(out, written));
    /* Keys come out in our schema's order, as for any other record. */
    json_t *want = json_loads(rc_action_json, 0, NULL);
    char *a = json_dumps(out, JSON_COMPACT), *b = json_dumps(want, JSON_COMPACT);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(want);
    json_decref(out);

    /* Again, now from the cache: same result, no new GET. */
    int gets = rc_fx_stats(fx).lookup_calls;
    out = rc_serde_decode(serde, RC_SCHEMA_ACTION, frame, len, err, sizeof(err));
    assert_non_null(out);
    assert_true(json_equal(out, written));
    assert_int_equal(rc_fx_stats(fx).lookup_calls, gets);
    json_decref(out);
    free(frame);
    json_decref(written);
    rc_serde_destroy(serde);
}

static void test_incompatible_writer_schema_is_refused_with_the_reason(void **state) {
    rc_fx_t *fx = *state;
    rc_serde_t *producer = rc_serde_for(fx), *consumer = rc_serde_for(fx);
    json_t *post = json_loads(rc_post_json, 0, NULL);
    void *buf;
    char err[256];
    size_t len;

    assert_int_equal(rc_serde_encode(producer, RC_SCHEMA_POST, "posts", post, &buf, &len, err, sizeof(err)), 0);
    assert_null(rc_serde_decode(consumer, RC_SCHEMA_ACTION, buf, len, err, sizeof(err)));
    assert_non_null(strstr(err, "does not resolve to Action"));
    assert_non_null(strstr(err, "post_id: missing required field"));
    assert_false(rc_serde_error_is_retriable(consumer));
    free(buf);
    json_decref(post);
    rc_serde_destroy(producer);
    rc_serde_destroy(consumer);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_encode_registers_schema_once_per_subject_and_frames_with_its_id,
                                        rc_fx_setup, rc_fx_teardown),
        cmocka_unit_test_setup_teardown(test_decode_fetches_writer_schema_by_id_once_and_caches, rc_fx_setup,
                                        rc_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_schema_id_error_names_id_status_and_registry_message,
                                        rc_fx_setup, rc_fx_teardown),
        cmocka_unit_test_setup_teardown(test_registry_outage_is_reported_as_retriable, rc_fx_setup, rc_fx_teardown),
        cmocka_unit_test(test_registry_client_rejects_bad_urls),
        cmocka_unit_test_setup_teardown(test_writer_schema_with_extra_field_decodes_into_reader_schema, rc_fx_setup,
                                        rc_fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_schema_missing_a_defaulted_field_decodes_with_the_default,
                                        rc_fx_setup, rc_fx_teardown),
        cmocka_unit_test_setup_teardown(test_incompatible_writer_schema_is_refused_with_the_reason, rc_fx_setup,
                                        rc_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
