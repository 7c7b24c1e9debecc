/*
 * Config loader and binder: what an operator sees when a file is wrong
 * (file:line, the key, the reason, a hint) and what a component gets when
 * it is right (converted values, defaults, borrowed subtrees).
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

#include "config.h"

typedef struct test_conf {
    char *format;
    long port;
    double ratio;
    int enabled;
    long timeout_ms;
    long max_body;
    char *name;
    char *webhook_path;
    long webhook_max_body;
    const rc_node_t *rules;
    const rc_node_t *kafka;
} test_conf_t;

static const rc_config_entry_t test_table[] = {
    {"format", RC_CT_ENUM, "json", 0, 0, "json|avro|text", offsetof(test_conf_t, format), 0, "Output format"},
    {"port", RC_CT_INT, "8080", 1, 65535, NULL, offsetof(test_conf_t, port), 0, "HTTP port"},
    {"ratio", RC_CT_DOUBLE, "0.5", 0, 1, NULL, offsetof(test_conf_t, ratio), 0, "Sampling ratio"},
    {"enabled", RC_CT_BOOL, "true", 0, 0, NULL, offsetof(test_conf_t, enabled), 0, "Whether on"},
    {"timeout", RC_CT_DURATION, "10s", 0, 0, NULL, offsetof(test_conf_t, timeout_ms), 0, "Request timeout"},
    {"max_body", RC_CT_SIZE, "1MiB", 0, 0, NULL, offsetof(test_conf_t, max_body), 0, "Largest body"},
    {"name", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(test_conf_t, name), 0, "Instance name"},
    {"webhook.path", RC_CT_STRING, "/hook", 0, 0, NULL, offsetof(test_conf_t, webhook_path), 0, "Webhook path"},
    {"webhook.max_body", RC_CT_SIZE, "64KiB", 0, 0, NULL, offsetof(test_conf_t, webhook_max_body), 0, "Body cap"},
    {"rules", RC_CT_NODE, NULL, 0, 0, NULL, offsetof(test_conf_t, rules), 0, "Routing rules"},
    {"kafka", RC_CT_PASSTHROUGH, NULL, 0, 0, NULL, offsetof(test_conf_t, kafka), 0, "librdkafka properties"},
    RC_CONFIG_END};

/* Writes "text" to a fresh temp file; the caller unlinks and frees the name. */
static char *write_temp(const char *text) {
    char *path = strdup("/tmp/rc_test_config_XXXXXX.yaml");
    assert_non_null(path);
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static rc_config_t *load_ok(const char *yaml) {
    char err[512];
    rc_config_t *cfg = rc_config_load_string(yaml, "test.yaml", err, sizeof(err));
    if (!cfg)
        fail_msg("load failed: %s", err);
    return cfg;
}

/* Loads, expecting failure; returns the message in "err". */
static void load_fails(const char *yaml, char *err, size_t size) {
    rc_config_t *cfg = rc_config_load_string(yaml, "test.yaml", err, size);
    if (cfg) {
        rc_config_destroy(cfg);
        fail_msg("load of '%s' unexpectedly succeeded", yaml);
    }
}

/* Binds section "s" of "yaml" against test_table, expecting failure. */
static void bind_fails(const char *yaml, char *err, size_t size) {
    test_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    rc_config_t *cfg = load_ok(yaml);
    int r = rc_config_bind(cfg, "s", test_table, &conf, err, size);
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);
    if (r != -1)
        fail_msg("bind of '%s' unexpectedly succeeded", yaml);
}

static void bind_ok(rc_config_t *cfg, test_conf_t *conf) {
    char err[512];
    memset(conf, 0, sizeof(*conf));
    if (rc_config_bind(cfg, "s", test_table, conf, err, sizeof(err)) != 0)
        fail_msg("bind failed: %s", err);
}

static void test_unknown_key_reports_file_line_and_hint(void **state) {
    char err[512], expect[600];
    char *path = write_temp("s:\n  port: 9000\n  fromat: avro\n");
    rc_config_t *cfg = rc_config_load_file(path, err, sizeof(err));
    assert_non_null(cfg);
    test_conf_t conf = {0};

    assert_int_equal(rc_config_bind(cfg, "s", test_table, &conf, err, sizeof(err)), -1);
    snprintf(expect, sizeof(expect), "%s:3: unknown key 's.fromat' (did you mean 's.format'?)", path);
    assert_string_equal(err, expect);
    rc_config_destroy(cfg);
    unlink(path);
    free(path);
}

static void test_unknown_nested_key_reports_full_path_and_hint(void **state) {
    char err[512];
    bind_fails("s:\n  webhook:\n    path: /x\n    max_bdy: 1\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:4: unknown key 's.webhook.max_bdy' (did you mean 's.webhook.max_body'?)");
    /* A misspelt map level is hinted too. */
    bind_fails("s:\n  webhok:\n    path: /x\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: unknown key 's.webhok' (did you mean 's.webhook'?)");
    /* Nothing close: no hint. */
    bind_fails("s:\n  zzzzzzzzzz: 1\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: unknown key 's.zzzzzzzzzz'");
}

static void test_unknown_top_level_key_has_hint(void **state) {
    static const char *const allowed[] = {"kafka", "redis", "ingest", NULL};
    char err[512];
    rc_config_t *cfg = load_ok("kafka: {}\nredis: {}\n");
    assert_int_equal(rc_config_check_keys(cfg, NULL, NULL, allowed, err, sizeof(err)), 0);
    rc_config_destroy(cfg);

    cfg = load_ok("redis: {}\nkafak:\n  x: 1\n");
    assert_int_equal(rc_config_check_keys(cfg, NULL, NULL, allowed, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml:2: unknown top-level key 'kafak' (did you mean 'kafka'?)");
    /* With a "where", keys are qualified by it. */
    const rc_node_t *redis = rc_node_get(cfg->root, "redis");
    assert_int_equal(rc_config_check_keys(cfg, rc_node_get(cfg->root, "kafak"), "route.sinks.rt", allowed, err,
                                          sizeof(err)),
                     -1);
    assert_string_equal(err, "test.yaml:3: unknown key 'route.sinks.rt.x'");
    assert_int_equal(rc_config_check_keys(cfg, redis, "redis", allowed, err, sizeof(err)), 0);
    rc_config_destroy(cfg);
}

static void test_env_interpolation_with_default(void **state) {
    unsetenv("RC_TEST_UNSET");
    setenv("RC_TEST_EMPTY", "", 1);
    setenv("RC_TEST_SET", "broker:9092", 1);
    rc_config_t *cfg = load_ok("a: ${RC_TEST_UNSET:-localhost:9092}\n"
                               "b: ${RC_TEST_EMPTY:-fallback}\n"
                               "c: ${RC_TEST_SET:-unused}\n"
                               "d: x-${RC_TEST_UNSET:-}-y\n"
                               "e: ${RC_TEST_SET}/${RC_TEST_EMPTY}/end\n");
    assert_string_equal(rc_node_get(cfg->root, "a")->value, "localhost:9092");
    assert_string_equal(rc_node_get(cfg->root, "b")->value, "fallback");
    assert_string_equal(rc_node_get(cfg->root, "c")->value, "broker:9092");
    assert_string_equal(rc_node_get(cfg->root, "d")->value, "x--y");
    assert_string_equal(rc_node_get(cfg->root, "e")->value, "broker:9092//end");
    rc_config_destroy(cfg);
    unsetenv("RC_TEST_EMPTY");
    unsetenv("RC_TEST_SET");
}

static void test_dollar_escape_and_keys_not_interpolated(void **state) {
    setenv("RC_TEST_SET", "v", 1);
    rc_config_t *cfg = load_ok("price: $$5 and $7 and a$\n"
                               "lit: '$${RC_TEST_SET}'\n"
                               "${RC_TEST_SET}: key\n"
                               "quoted: \"${RC_TEST_SET}\"\n");
    assert_string_equal(rc_node_get(cfg->root, "price")->value, "$5 and $7 and a$");
    assert_string_equal(rc_node_get(cfg->root, "lit")->value, "${RC_TEST_SET}");
    assert_string_equal(rc_node_get(cfg->root, "${RC_TEST_SET}")->value, "key");
    assert_null(rc_node_get(cfg->root, "v"));
    assert_string_equal(rc_node_get(cfg->root, "quoted")->value, "v");
    rc_config_destroy(cfg);
    unsetenv("RC_TEST_SET");
}

static void test_unset_env_var_is_an_error_with_line(void **state) {
    char err[512], expect[600];
    unsetenv("RC_TEST_UNSET");
    char *path = write_temp("a: 1\nb:\n  c: \"token ${RC_TEST_UNSET}\"\n");
    assert_null(rc_config_load_file(path, err, sizeof(err)));
    snprintf(expect, sizeof(expect), "%s:3: environment variable RC_TEST_UNSET is not set", path);
    assert_string_equal(err, expect);
    unlink(path);
    free(path);
}

static void test_malformed_interpolation_is_an_error(void **state) {
    char err[512];
    load_fails("a: 1\nb: ${UNTERMINATED\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: unterminated '${' in value (expected ${VAR} or ${VAR:-default})");
    load_fails("b: ${}\n", err, sizeof(err));
    assert_non_null(strstr(err, "test.yaml:1: bad variable reference '${}'"));
    load_fails("b: ${A-b}\n", err, sizeof(err));
    assert_non_null(strstr(err, "bad variable reference '${A-b}'"));
    load_fails("b: ${1X}\n", err, sizeof(err));
    assert_non_null(strstr(err, "bad variable reference"));
    load_fails("b: ${A:-${B}}\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:1: nested '${' inside a default is not supported");
}

static void test_yaml_nulls_are_null_values(void **state) {
    rc_config_t *cfg = load_ok("a: ~\nb: null\nc:\nd: ''\ne: 'null'\nf: NULL\ng: !!null x\nh: !!str\n");
    const char *nulls[] = {"a", "b", "c", "f", "g"};
    for (size_t i = 0; i < 5; i++) {
        const rc_node_t *n = rc_node_get(cfg->root, nulls[i]);
        assert_non_null(n);
        assert_int_equal(n->type, RC_NODE_SCALAR);
        assert_null(n->value);
    }
    assert_string_equal(rc_node_get(cfg->root, "d")->value, "");
    assert_string_equal(rc_node_get(cfg->root, "e")->value, "null");
    assert_string_equal(rc_node_get(cfg->root, "h")->value, "");
    rc_config_destroy(cfg);
}

static void test_null_value_falls_back_to_default(void **state) {
    test_conf_t conf;
    rc_config_t *cfg = load_ok("s:\n  port: ~\n  name:\n");
    bind_ok(cfg, &conf);
    assert_int_equal(conf.port, 8080);
    assert_null(conf.name);
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);
}

static void test_duration_units(void **state) {
    static const struct {
        const char *text;
        long ms;
    } ok[] = {{"250ms", 250},     {"10s", 10000},      {"5m", 300000}, {"2h", 7200000}, {"1d", 86400000},
              {"30", 30000},      {"1.5s", 1500},      {"0.1s", 100},  {"0", 0},        {"2 m", 120000},
              {"0.25", 250},      {"1.0000000000s", 1000}};
    static const char *bad[] = {"10x", "-1s", "1.0005s", "s", "1.s", "10S", "abc", "99999999999999999999d", "1e3"};
    char yaml[128], err[512];

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        test_conf_t conf;
        snprintf(yaml, sizeof(yaml), "s:\n  timeout: \"%s\"\n", ok[i].text);
        rc_config_t *cfg = load_ok(yaml);
        bind_ok(cfg, &conf);
        if (conf.timeout_ms != ok[i].ms)
            fail_msg("'%s' gave %ld ms, expected %ld", ok[i].text, conf.timeout_ms, ok[i].ms);
        rc_config_table_free(test_table, &conf);
        rc_config_destroy(cfg);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(yaml, sizeof(yaml), "s:\n  timeout: \"%s\"\n", bad[i]);
        bind_fails(yaml, err, sizeof(err));
        assert_non_null(strstr(err, "test.yaml:2: key 's.timeout': "));
    }
    bind_fails("s:\n  timeout: 10x\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.timeout': unknown duration unit 'x' in '10x' (use ms, s, m, h or d)");
}

static void test_size_units(void **state) {
    static const struct {
        const char *text;
        long bytes;
    } ok[] = {{"512", 512},          {"64KiB", 65536},       {"1MiB", 1048576}, {"1GiB", 1073741824L},
              {"10kb", 10000},       {"10KB", 10000},        {"10kB", 10000},   {"2MB", 2000000},
              {"1.5KiB", 1536},      {"100B", 100},          {"1 MiB", 1048576}, {"4Ki", 4096},
              {"1TiB", 1099511627776L}};
    static const char *bad[] = {"1.1KiB", "-1", "10XB", "KiB", "1.5", "9999999999TiB"};
    char yaml[128], err[512];

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        test_conf_t conf;
        snprintf(yaml, sizeof(yaml), "s:\n  max_body: %s\n", ok[i].text);
        rc_config_t *cfg = load_ok(yaml);
        bind_ok(cfg, &conf);
        if (conf.max_body != ok[i].bytes)
            fail_msg("'%s' gave %ld bytes, expected %ld", ok[i].text, conf.max_body, ok[i].bytes);
        rc_config_table_free(test_table, &conf);
        rc_config_destroy(cfg);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(yaml, sizeof(yaml), "s:\n  max_body: \"%s\"\n", bad[i]);
        bind_fails(yaml, err, sizeof(err));
        assert_non_null(strstr(err, "test.yaml:2: key 's.max_body': "));
    }
}

static void test_int_out_of_range_rejected(void **state) {
    char err[512];
    bind_fails("s:\n  port: 70000\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.port': must be between 1 and 65535, got 70000");
    bind_fails("s:\n  port: 0\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.port': must be between 1 and 65535, got 0");
    bind_fails("s:\n  port: 99999999999999999999999\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.port': integer '99999999999999999999999' is out of range");

    /* The bounds are inclusive. */
    test_conf_t conf;
    rc_config_t *cfg = load_ok("s:\n  port: 65535\n");
    bind_ok(cfg, &conf);
    assert_int_equal(conf.port, 65535);
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);
}

static void test_int_rejects_trailing_garbage(void **state) {
    char err[512];
    bind_fails("s:\n  port: 80x\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.port': expected an integer, got '80x'");
    bind_fails("s:\n  port: ''\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.port': expected an integer, got ''");
    bind_fails("s:\n  port: 8.5\n", err, sizeof(err));
    assert_non_null(strstr(err, "expected an integer"));
}

static void test_double_and_bool_conversion(void **state) {
    static const struct {
        const char *text;
        int v;
    } bools[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1},
                 {"off", 0},  {"1", 1},     {"0", 0},   {"True", 1}, {"OFF", 0}};
    char yaml[128], err[512];

    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        test_conf_t conf;
        snprintf(yaml, sizeof(yaml), "s:\n  enabled: %s\n  ratio: 0.25\n", bools[i].text);
        rc_config_t *cfg = load_ok(yaml);
        bind_ok(cfg, &conf);
        assert_int_equal(conf.enabled, bools[i].v);
        assert_true(conf.ratio == 0.25);
        rc_config_table_free(test_table, &conf);
        rc_config_destroy(cfg);
    }
    bind_fails("s:\n  enabled: maybe\n", err, sizeof(err));
    assert_string_equal(err,
                        "test.yaml:2: key 's.enabled': expected true or false (also yes/no, on/off, 1/0), got 'maybe'");
    bind_fails("s:\n  ratio: 1.5\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.ratio': must be between 0 and 1, got 1.5");
    bind_fails("s:\n  ratio: nan\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.ratio': expected a number, got 'nan'");
}

static void test_enum_rejects_unknown_value(void **state) {
    char err[512];
    bind_fails("s:\n  format: xml\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.format': expected one of json|avro|text, got 'xml'");
    /* Prefixes of a valid value are not valid. */
    bind_fails("s:\n  format: jso\n", err, sizeof(err));
    assert_non_null(strstr(err, "got 'jso'"));

    test_conf_t conf;
    rc_config_t *cfg = load_ok("s:\n  format: text\n");
    bind_ok(cfg, &conf);
    assert_string_equal(conf.format, "text");
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);
}

static void test_dotted_entries_bind_nested_maps(void **state) {
    test_conf_t conf;
    rc_config_t *cfg = load_ok("s:\n  webhook:\n    path: /in\n    max_body: 2MiB\n");
    bind_ok(cfg, &conf);
    assert_string_equal(conf.webhook_path, "/in");
    assert_int_equal(conf.webhook_max_body, 2 * 1048576);
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);

    /* Written flat, the same key binds too. */
    cfg = load_ok("s:\n  webhook.max_body: 3KiB\n");
    bind_ok(cfg, &conf);
    assert_int_equal(conf.webhook_max_body, 3072);
    assert_string_equal(conf.webhook_path, "/hook");
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);

    /* The section itself may be dotted. */
    static const rc_config_entry_t t2[] = {
        {"path", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(test_conf_t, name), 1, "p"}, RC_CONFIG_END};
    cfg = load_ok("s:\n  webhook:\n    path: /deep\n    max_body: 1\n");
    memset(&conf, 0, sizeof(conf));
    char err[512];
    assert_int_equal(rc_config_bind(cfg, "s.webhook", t2, &conf, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml:4: unknown key 's.webhook.max_body'");
    rc_config_destroy(cfg);
}

static void test_same_setting_given_twice_rejected(void **state) {
    char err[512];
    bind_fails("s:\n  webhook:\n    max_body: 1\n  webhook.max_body: 2\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:4: key 's.webhook.max_body': given twice (also at line 3)");
}

static void test_shape_mismatch_rejected(void **state) {
    char err[512];
    bind_fails("s:\n  webhook: 5\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.webhook': expected a map, got a single value");
    bind_fails("s:\n  port:\n    a: 1\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.port': expected a single value, got a map");
    bind_fails("s:\n  name: [a, b]\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.name': expected a single value, got a list");
    bind_fails("s: [1, 2]\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:1: key 's': expected a map, got a list");
    bind_fails("s:\n  kafka: localhost\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: key 's.kafka': expected a map, got a single value");
}

static void test_passthrough_keys_not_checked(void **state) {
    test_conf_t conf;
    rc_config_t *cfg = load_ok("s:\n  kafka:\n    bootstrap.servers: b:9092\n    anything_goes: 1\n"
                               "  rules:\n    - match: x\n      weird_key: y\n");
    bind_ok(cfg, &conf);
    assert_non_null(conf.kafka);
    assert_int_equal(conf.kafka->type, RC_NODE_MAP);
    assert_string_equal(rc_node_get(conf.kafka, "bootstrap.servers")->value, "b:9092");
    /* NODE entries borrow the subtree, whatever its shape. */
    assert_non_null(conf.rules);
    assert_int_equal(conf.rules->type, RC_NODE_SEQ);
    assert_int_equal(conf.rules->line, 5);
    assert_ptr_equal(conf.rules, rc_node_get(cfg->root, "s.rules"));
    rc_config_table_free(test_table, &conf);
    rc_config_destroy(cfg);
}

static void test_duplicate_key_rejected(void **state) {
    char err[512], expect[600];
    char *path = write_temp("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n");
    assert_null(rc_config_load_file(path, err, sizeof(err)));
    snprintf(expect, sizeof(expect), "%s:5: duplicate key 'x', first at line 3", path);
    assert_string_equal(err, expect);
    unlink(path);
    free(path);
    /* The same key in different maps is fine. */
    rc_config_t *cfg = load_ok("a:\n  x: 1\nb:\n  x: 2\n");
    rc_config_destroy(cfg);
}

static void test_anchors_and_aliases_rejected(void **state) {
    char err[512];
    load_fails("a: &base\n  x: 1\nb: *base\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:1: anchors ('&base') are not supported; repeat the value instead");
    load_fails("b: *base\n", err, sizeof(err));
    assert_non_null(strstr(err, "test.yaml:1: "));
}

static void test_non_scalar_key_rejected(void **state) {
    char err[512];
    load_fails("a: 1\n? [x, y]\n: 2\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: map keys must be plain values, not a list");
    load_fails("{a: 1}: 2\n", err, sizeof(err));
    assert_non_null(strstr(err, "map keys must be plain values, not a map"));
}

static void test_yaml_syntax_error_has_line(void **state) {
    char err[512], expect[600];
    char *path = write_temp("a: 1\nb:\n  c: [1, 2\n  d: 3\ne: 4\n");
    assert_null(rc_config_load_file(path, err, sizeof(err)));
    snprintf(expect, sizeof(expect), "%s:", path);
    assert_memory_equal(err, expect, strlen(expect));
    assert_non_null(strstr(err, "YAML syntax error: "));
    unlink(path);
    free(path);

    load_fails("a: 1\nb: 2\nc: \"open\n", err, sizeof(err));
    assert_non_null(strstr(err, "YAML syntax error: found unexpected end of stream"));
    assert_memory_equal(err, "test.yaml:4: ", 13);
}

static void test_tab_indentation_is_syntax_error_with_line(void **state) {
    char err[512];
    /* libyaml words the two cases differently; both name the line and
     * end with the same advice. */
    load_fails("a:\n  b: 1\n\tc: 2\n", err, sizeof(err));
    assert_memory_equal(err, "test.yaml:3: YAML syntax error: ", 32);
    assert_non_null(strstr(err, "; tabs cannot indent YAML, use spaces"));
    load_fails("a:\n\tb: 1\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: YAML syntax error: found character that cannot start any token "
                             "(while scanning for the next token at line 2); tabs cannot indent YAML, use spaces");
    /* A tab inside a value is just a character. */
    rc_config_t *cfg = load_ok("a: \"x\ty\"\n");
    assert_string_equal(rc_node_get(cfg->root, "a")->value, "x\ty");
    rc_config_destroy(cfg);
}

static void test_root_must_be_map_and_empty_is_empty_map(void **state) {
    char err[512];
    load_fails("- a\n- b\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:1: the top level must be a map of sections, got a list");
    load_fails("just text\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:1: the top level must be a map of sections, got a scalar");

    const char *empties[] = {"", "# only a comment\n", "---\n", "~\n"};
    for (size_t i = 0; i < 4; i++) {
        rc_config_t *cfg = load_ok(empties[i]);
        assert_non_null(cfg->root);
        assert_int_equal(cfg->root->type, RC_NODE_MAP);
        assert_null(cfg->root->child);
        rc_config_destroy(cfg);
    }
    /* NULL text and name are tolerated. */
    rc_config_t *cfg = rc_config_load_string(NULL, NULL, err, sizeof(err));
    assert_non_null(cfg);
    assert_string_equal(cfg->path, "<string>");
    rc_config_destroy(cfg);
}

static void test_second_document_rejected(void **state) {
    char err[512];
    load_fails("a: 1\n---\nb: 2\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:2: only one YAML document is allowed (found a second '---')");
}

static void test_deep_nesting_rejected(void **state) {
    char yaml[2048], err[512];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "[");
    load_fails(yaml, err, sizeof(err));
    /* The outermost list is level 1; opening the 65th level fails. */
    assert_string_equal(err, "test.yaml:1: nested more than 64 levels deep");
    (void)n;
}

static void test_nul_in_value_rejected(void **state) {
    char err[512];
    load_fails("a: \"x\\0y\"\n", err, sizeof(err));
    assert_string_equal(err, "test.yaml:1: value contains a NUL character");
}

static void test_missing_file_reports_reason(void **state) {
    char err[512];
    assert_null(rc_config_load_file("/nonexistent/rc.yaml", err, sizeof(err)));
    assert_string_equal(err, "/nonexistent/rc.yaml: cannot open: No such file or directory");
}

static void test_line_numbers_are_one_based(void **state) {
    rc_config_t *cfg = load_ok("# comment\na: 1\nb:\n  - x\n  -\n    y: 2\n");
    assert_int_equal(rc_node_get(cfg->root, "a")->line, 2);
    const rc_node_t *b = rc_node_get(cfg->root, "b");
    assert_int_equal(b->line, 3);
    assert_int_equal(b->type, RC_NODE_SEQ);
    assert_int_equal(b->child->line, 4);
    assert_null(b->child->key);
    assert_string_equal(b->child->value, "x");
    assert_int_equal(b->child->next->type, RC_NODE_MAP);
    assert_int_equal(b->child->next->child->line, 6);
    rc_config_destroy(cfg);
}

static int collect(void *opaque, const char *key, const char *value, int line) {
    char *buf = opaque;
    size_t n = strlen(buf);
    snprintf(buf + n, 512 - n, "%s=%s@%d;", key, value ? value : "(null)", line);
    return strcmp(key, "stop") ? 0 : 7;
}

static void test_flatten_joins_nested_keys(void **state) {
    char out[512] = "";
    rc_config_t *cfg = load_ok("kafka:\n"
                               "  bootstrap:\n    servers: a:1\n"
                               "  security.protocol: ssl\n"
                               "  sasl:\n    mechanism:\n"
                               "  hosts: [h1, h2]\n"
                               "  bad: [{x: 1}]\n");
    assert_int_equal(rc_node_flatten(rc_node_get(cfg->root, "kafka"), collect, out), 0);
    assert_string_equal(out, "bootstrap.servers=a:1@3;security.protocol=ssl@4;sasl.mechanism=(null)@6;"
                             "hosts=h1,h2@7;bad=(null)@8;");
    rc_config_destroy(cfg);

    /* A non-zero callback return stops the walk and is returned. */
    out[0] = '\0';
    cfg = load_ok("a: 1\nstop: 2\nb: 3\n");
    assert_int_equal(rc_node_flatten(cfg->root, collect, out), 7);
    assert_string_equal(out, "a=1@1;stop=2@2;");
    rc_config_destroy(cfg);
}

static void test_node_get_dotted_and_whole_keys(void **state) {
    rc_config_t *cfg = load_ok("kafka:\n  bootstrap.servers: x\n  a:\n    b: nested\n  a.b: flat\n"
                               "p.q:\n  r: 1\n");
    const rc_node_t *kafka = rc_node_get(cfg->root, "kafka");
    assert_string_equal(rc_node_get(cfg->root, "kafka.bootstrap.servers")->value, "x");
    /* A whole key containing dots wins over descending. */
    assert_string_equal(rc_node_get(kafka, "a.b")->value, "flat");
    assert_string_equal(rc_node_get(cfg->root, "p.q.r")->value, "1");
    assert_null(rc_node_get(cfg->root, "kafka.missing"));
    assert_null(rc_node_get(cfg->root, "kafka.bootstrap.servers.more"));
    assert_null(rc_node_get(NULL, "a"));
    assert_null(rc_node_get(rc_node_get(cfg->root, "kafka.bootstrap.servers"), "x"));
    rc_config_destroy(cfg);
}

static void test_missing_section_uses_defaults(void **state) {
    const char *docs[] = {"other: 1\n", "s:\n", "s: {}\n"};
    for (size_t i = 0; i < 3; i++) {
        test_conf_t conf;
        rc_config_t *cfg = load_ok(docs[i]);
        bind_ok(cfg, &conf);
        assert_string_equal(conf.format, "json");
        assert_int_equal(conf.port, 8080);
        assert_true(conf.ratio == 0.5);
        assert_int_equal(conf.enabled, 1);
        assert_int_equal(conf.timeout_ms, 10000);
        assert_int_equal(conf.max_body, 1048576);
        assert_null(conf.name);
        assert_string_equal(conf.webhook_path, "/hook");
        assert_int_equal(conf.webhook_max_body, 65536);
        assert_null(conf.rules);
        assert_null(conf.kafka);
        rc_config_table_free(test_table, &conf);
        rc_config_destroy(cfg);
    }
}

typedef struct req_conf {
    char *url;
    long n;
} req_conf_t;

static const rc_config_entry_t req_table[] = {
    {"n", RC_CT_INT, "1", 0, 0, NULL, offsetof(req_conf_t, n), 0, "count"},
    {"url", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(req_conf_t, url), 1, "where"},
    RC_CONFIG_END};

static void test_required_key_missing(void **state) {
    char err[512];
    req_conf_t conf = {0};
    rc_config_t *cfg = load_ok("x: 0\nredis:\n  n: 2\n");
    assert_int_equal(rc_config_bind(cfg, "redis", req_table, &conf, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml:2: key 'redis.url': required but not set");
    rc_config_destroy(cfg);

    cfg = load_ok("x: 0\n");
    assert_int_equal(rc_config_bind(cfg, "redis", req_table, &conf, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml: key 'redis.url': required but not set");
    rc_config_destroy(cfg);

    cfg = load_ok("redis:\n  url: ~\n");
    assert_int_equal(rc_config_bind(cfg, "redis", req_table, &conf, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml:2: key 'redis.url': required but not set");
    rc_config_destroy(cfg);

    cfg = load_ok("redis:\n  url: redis://h\n");
    assert_int_equal(rc_config_bind(cfg, "redis", req_table, &conf, err, sizeof(err)), 0);
    assert_string_equal(conf.url, "redis://h");
    assert_int_equal(conf.n, 1);
    rc_config_table_free(req_table, &conf);
    assert_null(conf.url);
    rc_config_destroy(cfg);
}

static void test_bind_free_no_leak(void **state) {
    char err[512];
    test_conf_t conf;
    rc_config_t *cfg = load_ok("s:\n  name: svc\n  format: avro\n  webhook: {path: /w}\n");
    bind_ok(cfg, &conf);
    assert_string_equal(conf.name, "svc");
    assert_string_equal(conf.format, "avro");
    assert_string_equal(conf.webhook_path, "/w");
    rc_config_table_free(test_table, &conf);
    assert_null(conf.name);
    assert_null(conf.format);
    assert_null(conf.webhook_path);
    rc_config_table_free(test_table, &conf); /* twice is harmless */
    rc_config_destroy(cfg);

    /* A failure after strings were bound leaves none behind. */
    cfg = load_ok("s:\n  name: svc\n  format: avro\n  webhook: {max_body: lots}\n");
    memset(&conf, 0, sizeof(conf));
    assert_int_equal(rc_config_bind(cfg, "s", test_table, &conf, err, sizeof(err)), -1);
    assert_null(conf.format);
    assert_null(conf.name);
    assert_null(conf.webhook_path);
    rc_config_destroy(cfg);

    /* Zeroed struct, NULL args: all safe. */
    memset(&conf, 0, sizeof(conf));
    rc_config_table_free(test_table, &conf);
    rc_config_table_free(NULL, &conf);
    rc_config_table_free(test_table, NULL);
    rc_config_destroy(NULL);
}

static void test_bad_default_reported_as_table_bug(void **state) {
    static const rc_config_entry_t bad[] = {
        {"n", RC_CT_INT, "ten", 0, 0, NULL, 0, 0, "count"}, RC_CONFIG_END};
    char err[512];
    long n = 0;
    rc_config_t *cfg = load_ok("s: {}\n");
    assert_int_equal(rc_config_bind(cfg, "s", bad, &n, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml: key 's.n': bad built-in default 'ten': expected an integer, got 'ten'");
    rc_config_destroy(cfg);
}

static void test_root_section_binds_top_level(void **state) {
    static const rc_config_entry_t t[] = {
        {"log.level", RC_CT_ENUM, "info", 0, 0, "debug|info|warn|error", 0, 0, "level"}, RC_CONFIG_END};
    char err[512];
    char *level = NULL;
    rc_config_t *cfg = load_ok("log:\n  level: warn\n");
    assert_int_equal(rc_config_bind(cfg, NULL, t, &level, err, sizeof(err)), 0);
    assert_string_equal(level, "warn");
    rc_config_table_free(t, &level);
    rc_config_destroy(cfg);

    cfg = load_ok("log:\n  levl: warn\n");
    assert_int_equal(rc_config_bind(cfg, "", t, &level, err, sizeof(err)), -1);
    assert_string_equal(err, "test.yaml:2: unknown key 'log.levl' (did you mean 'log.level'?)");
    rc_config_destroy(cfg);
}

static void test_did_you_mean_distance_limit(void **state) {
    static const char *const c[] = {"bootstrap_servers", "kafka", "redis", "timeout", NULL};
    assert_string_equal(rc_did_you_mean("kafak", c), "kafka");
    assert_string_equal(rc_did_you_mean("redsi", c), "redis");
    assert_string_equal(rc_did_you_mean("timeuot", c), "timeout");
    /* len 17: limit is 5, so five edits still hint. */
    assert_string_equal(rc_did_you_mean("bootstrapXXXXXers", c), "bootstrap_servers");
    assert_null(rc_did_you_mean("bootstrapXXXXXXrs", c));
    /* Short words: limit 2. */
    assert_null(rc_did_you_mean("xyz", c));
    assert_null(rc_did_you_mean(NULL, c));
    assert_null(rc_did_you_mean("kafka", NULL));
}

static void test_config_where_formats_prefix(void **state) {
    char buf[64];
    rc_config_t *cfg = load_ok("a: 1\nb: 2\n");
    rc_config_where(cfg, rc_node_get(cfg->root, "b"), buf, sizeof(buf));
    assert_string_equal(buf, "test.yaml:2: ");
    rc_config_where(cfg, NULL, buf, sizeof(buf));
    assert_string_equal(buf, "test.yaml: ");
    rc_config_where(NULL, NULL, buf, sizeof(buf));
    assert_string_equal(buf, "<config>: ");
    rc_config_destroy(cfg);
}

static void test_table_print_help_and_markdown(void **state) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    rc_config_table_print(fp, "ingest", test_table, 0);
    fclose(fp);
    assert_non_null(strstr(buf, "  ingest.port  "));
    assert_non_null(strstr(buf, "int 1..65535"));
    assert_non_null(strstr(buf, "(default 8080)"));
    assert_non_null(strstr(buf, "  ingest.webhook.max_body  "));
    assert_non_null(strstr(buf, "json|avro|text"));
    free(buf);

    /* Columns are aligned across rows. */
    fp = open_memstream(&buf, &len);
    rc_config_table_print(fp, "ingest", req_table, 0);
    fclose(fp);
    assert_string_equal(buf, "  ingest.n    int     (default 1)  count\n"
                             "  ingest.url  string  (required)   where\n");
    free(buf);

    fp = open_memstream(&buf, &len);
    rc_config_table_print(fp, "ingest", req_table, 1);
    fclose(fp);
    assert_string_equal(buf, "| Key | Type | Default | Description |\n|---|---|---|---|\n"
                             "| `ingest.n` | int | `1` | count |\n"
                             "| `ingest.url` | string | required | where |\n");
    free(buf);

    fp = open_memstream(&buf, &len);
    rc_config_table_print(fp, "s", test_table, 1);
    fclose(fp);
    /* '|' inside a cell is escaped so the table keeps its columns. */
    assert_non_null(strstr(buf, "| `s.format` | json\\|avro\\|text | `json` | Output format |\n"));
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_key_reports_file_line_and_hint),
        cmocka_unit_test(test_unknown_nested_key_reports_full_path_and_hint),
        cmocka_unit_test(test_unknown_top_level_key_has_hint),
        cmocka_unit_test(test_env_interpolation_with_default),
        cmocka_unit_test(test_dollar_escape_and_keys_not_interpolated),
        cmocka_unit_test(test_unset_env_var_is_an_error_with_line),
        cmocka_unit_test(test_malformed_interpolation_is_an_error),
        cmocka_unit_test(test_yaml_nulls_are_null_values),
        cmocka_unit_test(test_null_value_falls_back_to_default),
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_int_out_of_range_rejected),
        cmocka_unit_test(test_int_rejects_trailing_garbage),
        cmocka_unit_test(test_double_and_bool_conversion),
        cmocka_unit_test(test_enum_rejects_unknown_value),
        cmocka_unit_test(test_dotted_entries_bind_nested_maps),
        cmocka_unit_test(test_same_setting_given_twice_rejected),
        cmocka_unit_test(test_shape_mismatch_rejected),
        cmocka_unit_test(test_passthrough_keys_not_checked),
        cmocka_unit_test(test_duplicate_key_rejected),
        cmocka_unit_test(test_anchors_and_aliases_rejected),
        cmocka_unit_test(test_non_scalar_key_rejected),
        cmocka_unit_test(test_yaml_syntax_error_has_line),
        cmocka_unit_test(test_tab_indentation_is_syntax_error_with_line),
        cmocka_unit_test(test_root_must_be_map_and_empty_is_empty_map),
        cmocka_unit_test(test_second_document_rejected),
        cmocka_unit_test(test_deep_nesting_rejected),
        cmocka_unit_test(test_nul_in_value_rejected),
        cmocka_unit_test(test_missing_file_reports_reason),
        cmocka_unit_test(test_line_numbers_are_one_based),
        cmocka_unit_test(test_flatten_joins_nested_keys),
        cmocka_unit_test(test_node_get_dotted_and_whole_keys),
        cmocka_unit_test(test_missing_section_uses_defaults),
        cmocka_unit_test(test_required_key_missing),
        cmocka_unit_test(test_bind_free_no_leak),
        cmocka_unit_test(test_bad_default_reported_as_table_bug),
        cmocka_unit_test(test_root_section_binds_top_level),
        cmocka_unit_test(test_did_you_mean_distance_limit),
        cmocka_unit_test(test_config_where_formats_prefix),
        cmocka_unit_test(test_table_print_help_and_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
