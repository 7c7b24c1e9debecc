/*
 * Configuration: one YAML file for every stage.
 *
 * Loading keeps every node's line number so that any error can say
 * "file:line: key 'x': reason". Scalars are interpolated at load time:
 * ${VAR} (error if VAR is unset) and ${VAR:-default}; "$$" is a literal "$".
 *
 * Components describe their keys in a table (rc_config_entry_t[]): name,
 * type, default, bounds, description and offsetof into the component's own
 * struct. rc_config_bind() validates a section against the table, fills the
 * struct and rejects unknown keys (with a "did you mean" hint); the same
 * table prints --help and the docs.
 *
 * Thread locality: a loaded config is read-only and may be shared.
 */
#ifndef RC_CONFIG_H
#define RC_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { RC_NODE_SCALAR, RC_NODE_MAP, RC_NODE_SEQ } rc_node_type_t;

typedef struct rc_node {
    rc_node_type_t type;
    char *key;   /* key of a map entry, NULL for sequence items and the root */
    char *value; /* scalar text after interpolation (NULL for maps/seqs);
                  * a YAML null (~, null, empty) is stored as NULL too */
    int line;    /* 1-based line of the value (of the key for map entries) */
    struct rc_node *child; /* first entry of a map / item of a seq */
    struct rc_node *next;  /* next sibling */
} rc_node_t;

typedef struct rc_config {
    char *path; /* file name used in messages ("<string>" for strings) */
    rc_node_t *root; /* a map, never NULL on success */
} rc_config_t;

/* Parse "path". On error returns NULL and writes "path:line: reason" into
 * errstr. The caller owns the result (rc_config_destroy()). */
rc_config_t *rc_config_load_file(const char *path, char *errstr, size_t errstr_size);
/* Same for an in-memory document; "name" is used in messages. */
rc_config_t *rc_config_load_string(const char *yaml, const char *name, char *errstr, size_t errstr_size);
/* Safe on NULL. */
void rc_config_destroy(rc_config_t *cfg);

/* Child of a map by key, or NULL. "key" may be dotted ("ingest.webhook"):
 * each part descends one map level. A key that itself contains dots (as in
 * kafka: {bootstrap.servers: ...}) is matched whole first. */
const rc_node_t *rc_node_get(const rc_node_t *map, const char *key);

/* Types a table entry can have. */
typedef enum {
    RC_CT_STRING,  /* char *  (malloc'd copy; NULL when unset and no default) */
    RC_CT_INT,     /* long    (bounds min/max apply when min < max) */
    RC_CT_DOUBLE,  /* double  (bounds as above) */
    RC_CT_BOOL,    /* int 0/1 (true/false/yes/no/on/off/1/0) */
    RC_CT_ENUM,    /* char *, one of the '|'-separated values in .enum_values */
    RC_CT_DURATION,/* long milliseconds; accepts "250ms", "10s", "5m", "2h", "1d" or a bare number of seconds */
    RC_CT_SIZE,    /* long bytes; accepts "512", "64KiB", "1MiB", "1GiB", "10kb" */
    RC_CT_NODE,    /* const rc_node_t * into the config (borrowed); any shape,
                    * validated by the component itself (rules, sinks) */
    RC_CT_PASSTHROUGH /* const rc_node_t * of a map whose keys are not
                       * checked (e.g. kafka.* librdkafka properties) */
} rc_ct_type_t;

typedef struct rc_config_entry {
    const char *name;        /* key within the section; dotted for nested maps ("webhook.max_body") */
    rc_ct_type_t type;
    const char *def;         /* default as text, NULL for none */
    double min, max;         /* numeric bounds, used when min < max */
    const char *enum_values; /* "a|b|c" for RC_CT_ENUM */
    size_t offset;           /* offsetof() into the component's struct */
    int required;            /* error if missing and no default */
    const char *desc;        /* one line for --help and docs */
} rc_config_entry_t;

/* Terminates a table. */
#define RC_CONFIG_END {NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}

/* Validate the map at "section" (dotted path from the root; NULL or "" for
 * the root) against "table" and fill "out". A missing section is treated as
 * empty (defaults apply). Unknown keys, wrong types, out-of-range values and
 * bad enum values are errors: returns -1 with "file:line: key 'section.key':
 * reason" (and "did you mean 'x'?" when a known key is close). Returns 0 on
 * success. Strings written into "out" are owned by "out": free them with
 * rc_config_table_free(). */
int rc_config_bind(const rc_config_t *cfg, const char *section, const rc_config_entry_t *table, void *out,
                   char *errstr, size_t errstr_size);

/* Free the strings rc_config_bind() put into "out". Safe to call on a zeroed
 * or partially bound struct. */
void rc_config_table_free(const rc_config_entry_t *table, void *out);

/* Check that every key of the root map is one of "allowed" (NULL-terminated);
 * same error format as rc_config_bind(). */
int rc_config_check_keys(const rc_config_t *cfg, const rc_node_t *map, const char *where,
                         const char *const *allowed, char *errstr, size_t errstr_size);

/* Print the table as "  section.key  type  (default X)  description" lines
 * (for --help), or as a Markdown table when "markdown" is non-zero (docs). */
void rc_config_table_print(FILE *fp, const char *section, const rc_config_entry_t *table, int markdown);

/* Flatten a map into dotted "key=value" pairs: nested maps join their keys
 * with '.', so {bootstrap: {servers: x}} and {bootstrap.servers: x} both give
 * ("bootstrap.servers", "x"). Calls cb for each scalar; stops and returns
 * the first non-zero cb return value. */
int rc_node_flatten(const rc_node_t *map, int (*cb)(void *opaque, const char *key, const char *value, int line),
                    void *opaque);

/* Helpers for components that validate their own subtrees (RC_CT_NODE):
 * "file:line: " prefix for a node, into buf. */
void rc_config_where(const rc_config_t *cfg, const rc_node_t *node, char *buf, size_t buf_size);
/* Writes "file:line: " for "node" and the printf-style message into errstr
 * and returns -1, for components validating their own subtrees. */
int rc_config_err(const rc_config_t *cfg, const rc_node_t *node, char *errstr, size_t errstr_size, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* Levenshtein-based: the entry of "candidates" (NULL-terminated) closest to
 * "word" if it is within a small edit distance, else NULL. */
const char *rc_did_you_mean(const char *word, const char *const *candidates);

#endif
