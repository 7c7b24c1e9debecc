/*
 * libFuzzer entry point for the config loader and binder.
 *
 * Built as fuzz_config by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.config (make test-fuzz); seeds in tests/fuzz/corpus/config/,
 * dictionary fuzz_config.dict, see docs/fuzzing.md.
 * fuzz-max-len: 4096 (the example config is under 2 KiB)
 *
 * The input is one YAML document. Besides loading it, the harness binds a
 * small table covering every entry type (so the number/unit parsers see
 * fuzzed text), checks the root keys, walks the tree with rc_node_flatten()
 * and looks up a few dotted keys. Environment references resolve against
 * the fuzzer's own environment, which is fine: only crashes, leaks and
 * sanitizer reports count.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

typedef struct fuzz_conf {
    char *s;
    long i;
    double d;
    int b;
    char *e;
    long dur;
    long size;
    long nested;
    const rc_node_t *node;
    const rc_node_t *pass;
} fuzz_conf_t;

static const rc_config_entry_t fuzz_table[] = {
    {"s", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(fuzz_conf_t, s), 0, "string"},
    {"i", RC_CT_INT, "1", -5, 5000, NULL, offsetof(fuzz_conf_t, i), 0, "int"},
    {"d", RC_CT_DOUBLE, "0.5", 0, 1, NULL, offsetof(fuzz_conf_t, d), 0, "double"},
    {"b", RC_CT_BOOL, "false", 0, 0, NULL, offsetof(fuzz_conf_t, b), 0, "bool"},
    {"e", RC_CT_ENUM, "a", 0, 0, "a|bb|ccc", offsetof(fuzz_conf_t, e), 0, "enum"},
    {"dur", RC_CT_DURATION, "1s", 0, 0, NULL, offsetof(fuzz_conf_t, dur), 0, "duration"},
    {"size", RC_CT_SIZE, "1KiB", 0, 0, NULL, offsetof(fuzz_conf_t, size), 0, "size"},
    {"x.y.z", RC_CT_SIZE, NULL, 0, 0, NULL, offsetof(fuzz_conf_t, nested), 0, "nested"},
    {"node", RC_CT_NODE, NULL, 0, 0, NULL, offsetof(fuzz_conf_t, node), 0, "node"},
    {"pass", RC_CT_PASSTHROUGH, NULL, 0, 0, NULL, offsetof(fuzz_conf_t, pass), 0, "passthrough"},
    RC_CONFIG_END};

static int fuzz_cb(void *opaque, const char *key, const char *value, int line) {
    size_t *n = opaque;
    *n += strlen(key) + (value ? strlen(value) : 0) + (size_t)(line > 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const allowed[] = {"sec", "other", NULL};
    char err[512];
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    rc_config_t *cfg = rc_config_load_string(text, "fuzz.yaml", err, sizeof(err));
    free(text);
    if (!cfg)
        return 0;

    fuzz_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    rc_config_bind(cfg, "sec", fuzz_table, &conf, err, sizeof(err));
    rc_config_table_free(fuzz_table, &conf);
    memset(&conf, 0, sizeof(conf));
    rc_config_bind(cfg, NULL, fuzz_table, &conf, err, sizeof(err));
    rc_config_table_free(fuzz_table, &conf);

    rc_config_check_keys(cfg, NULL, NULL, allowed, err, sizeof(err));
    size_t n = 0;
    rc_node_flatten(cfg->root, fuzz_cb, &n);
    rc_node_get(cfg->root, "sec.x.y.z");
    rc_node_get(cfg->root, "a.b.c.d");
    rc_config_destroy(cfg);
    return 0;
}
