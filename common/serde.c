/*
 * Avro serde: JSON (jansson) <-> Avro binary, with single-object or
 * Confluent framing. See serde.h. Encoding writes Avro binary straight from
 * the JSON (rc_json_write); decoding a record written with our own schema
 * reads the binary straight into JSON (rc_read_json), and one written with
 * another version of it goes through avro-c's generic value interface,
 * which resolves the two schemas.
 *
 * Each schema is compiled once into a "plan": a tree of nodes built from the
 * schema JSON that mirrors avro-c's schema (same field order, so a record's
 * field i is avro-c's field i) and also carries what avro-c does not keep:
 * field defaults. Conversion walks the plan and the JSON (and, decoding, the
 * avro_value_t) together, addressing record fields by index, so the
 * per-record cost is the walk itself and no name lookups into the schema.
 * The generic value, the memory reader and the output scratch buffer are
 * created once per serde and reused for every record.
 *
 * Encoding used to fill avro-c's generic value and call avro_value_write;
 * that path (rc_json_to_value) remains as the reference the direct writer
 * is tested against (rc_avro_encode_body, tests/unit/test_avro_writer.c) and
 * for decoding through JSON (below).
 *
 * Decoding with a registry resolves the writer's schema to ours with avro-c's
 * resolved writer (avro_resolved_writer_new: the record is read in the
 * writer's schema and lands in a value of ours). avro-c 1.11 cannot fill a
 * reader field the writer lacks from its default ("Reader field ... doesn't
 * appear in writer"), so for that case (and any other avro-c refuses) the
 * record is read in the writer's schema and converted to ours through JSON,
 * where the plan knows the defaults. That path is slower but only taken for
 * records written with an older schema.
 *
 * Every body is checked against the writer's plan before avro-c reads it
 * (rc_validate below), because avro-c trusts the lengths in its input.
 *
 * Errors name the field path ("author.followers: expected long, got
 * string"). The path is built only when an error unwinds, so the success
 * path pays nothing for it.
 *
 * Measured here (2 cores, shared): an EnrichedPost (252 bytes framed)
 * decodes in about 6.5 us. A Post from ingest encodes in ~5,600
 * instructions (callgrind, bench_ingest_cpu), ~17,000 through avro-c, and
 * decodes in ~27,600 including freeing the tree (bench_enrich_cpu -p
 * decode), ~48,400 through avro-c.
 */
#include "serde.h"

#include <avro.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_registry.h"
#include "util.h"

/* The schema files, embedded by common/CMakeLists.txt (NUL-terminated). */
extern const unsigned char rc_schema_post[];
extern const size_t rc_schema_post_len;
extern const unsigned char rc_schema_enriched_post[];
extern const size_t rc_schema_enriched_post_len;
extern const unsigned char rc_schema_action[];
extern const size_t rc_schema_action_len;
extern const unsigned char rc_schema_dead_letter[];
extern const size_t rc_schema_dead_letter_len;

static const char *const rc_schema_names[RC_SCHEMA__CNT] = {"Post", "EnrichedPost", "Action", "DeadLetter"};

const char *rc_schema_name(rc_schema_id_t id) {
    return (unsigned)id < RC_SCHEMA__CNT ? rc_schema_names[id] : "(unknown schema)";
}

const char *rc_schema_text(rc_schema_id_t id) {
    switch (id) {
    case RC_SCHEMA_POST: return (const char *)rc_schema_post;
    case RC_SCHEMA_ENRICHED_POST: return (const char *)rc_schema_enriched_post;
    case RC_SCHEMA_ACTION: return (const char *)rc_schema_action;
    case RC_SCHEMA_DEAD_LETTER: return (const char *)rc_schema_dead_letter;
    default: return NULL;
    }
}

/*
 * Plans.
 */

typedef enum {
    RC_N_NULL,
    RC_N_BOOLEAN,
    RC_N_INT,
    RC_N_LONG,
    RC_N_FLOAT,
    RC_N_DOUBLE,
    RC_N_BYTES,
    RC_N_STRING,
    RC_N_RECORD,
    RC_N_ENUM,
    RC_N_FIXED,
    RC_N_ARRAY,
    RC_N_MAP,
    RC_N_UNION
} rc_node_kind_t;

static const char *const rc_node_kind_names[] = {"null",   "boolean", "int",  "long",  "float", "double", "bytes",
                                                 "string", "record",  "enum", "fixed", "array", "map",    "union"};

typedef struct rc_node rc_node_t;

typedef struct {
    const char *name; /* borrowed from the plan's schema document */
    rc_node_t *type;
    json_t *def; /* the field's default (borrowed), NULL when it has none */
} rc_field_t;

struct rc_node {
    rc_node_kind_t kind;
    char *name; /* full name of a record, enum or fixed */
    rc_field_t *fields;
    size_t nfields;
    const char **symbols; /* enum symbols, borrowed */
    size_t nsymbols;
    size_t size;     /* fixed */
    rc_node_t *items; /* array items, map values */
    rc_node_t **branches;
    size_t nbranches;
    int null_branch;  /* union: index of "null", or -1 */
    int value_branch; /* union of null and one type: that type's index, else -1 */
    rc_node_t *all_next;
};

typedef struct {
    json_t *doc;
    rc_node_t *root;
    rc_node_t *all; /* every node of the plan, for freeing */
} rc_plan_t;

typedef struct {
    rc_plan_t *plan;
    char *errstr;
    size_t errstr_size;
    int depth;
} rc_plan_ctx_t;

#define RC_PLAN_MAX_DEPTH 64

static void rc_plan_clear(rc_plan_t *plan) {
    for (rc_node_t *n = plan->all, *next; n; n = next) {
        next = n->all_next;
        free(n->name);
        free(n->fields);
        free(n->symbols);
        free(n->branches);
        free(n);
    }
    json_decref(plan->doc);
    memset(plan, 0, sizeof(*plan));
}

static rc_node_t *rc_plan_node_new(rc_plan_ctx_t *ctx, rc_node_kind_t kind) {
    rc_node_t *n = calloc(1, sizeof(*n));
    if (!n) {
        snprintf(ctx->errstr, ctx->errstr_size, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->null_branch = n->value_branch = -1;
    n->all_next = ctx->plan->all;
    ctx->plan->all = n;
    return n;
}

static int rc_plan_primitive(const char *s, rc_node_kind_t *kind) {
    for (int k = RC_N_NULL; k <= RC_N_STRING; k++) {
        if (!strcmp(s, rc_node_kind_names[k])) {
            *kind = (rc_node_kind_t)k;
            return 1;
        }
    }
    return 0;
}

static rc_node_t *rc_plan_find_named(rc_plan_t *plan, const char *full) {
    for (rc_node_t *n = plan->all; n; n = n->all_next)
        if (n->name && !strcmp(n->name, full))
            return n;
    return NULL;
}

static rc_node_t *rc_plan_build(rc_plan_ctx_t *ctx, json_t *s, const char *ns);

/* A type given by name: primitive, or a named type defined earlier. The
 * lookup rules are those of avro_canonical.c (same spec section). */
static rc_node_t *rc_plan_reference(rc_plan_ctx_t *ctx, const char *name, const char *ns) {
    rc_node_kind_t kind;
    rc_node_t *n = NULL;
    char *full = NULL;

    if (rc_plan_primitive(name, &kind))
        return rc_plan_node_new(ctx, kind);
    if (!strchr(name, '.') && ns && *ns) {
        if (asprintf(&full, "%s.%s", ns, name) < 0)
            full = NULL;
        if (full)
            n = rc_plan_find_named(ctx->plan, full);
        free(full);
    }
    if (!n)
        n = rc_plan_find_named(ctx->plan, name);
    if (!n)
        snprintf(ctx->errstr, ctx->errstr_size, "unknown type \"%s\"", name);
    return n;
}

static rc_node_t *rc_plan_named(rc_plan_ctx_t *ctx, json_t *s, rc_node_kind_t kind, const char *ns, char **inner) {
    json_t *jname = json_object_get(s, "name"), *jns = json_object_get(s, "namespace");
    const char *name = json_string_value(jname), *nsp = json_is_string(jns) ? json_string_value(jns) : ns;
    rc_node_t *n;

    if (!name) {
        snprintf(ctx->errstr, ctx->errstr_size, "%s without a name", rc_node_kind_names[kind]);
        return NULL;
    }
    if (!(n = rc_plan_node_new(ctx, kind)))
        return NULL;
    if (strchr(name, '.') || !nsp || !*nsp) {
        n->name = strdup(name);
    } else if (asprintf(&n->name, "%s.%s", nsp, name) < 0) {
        n->name = NULL;
    }
    if (!n->name) {
        snprintf(ctx->errstr, ctx->errstr_size, "out of memory");
        return NULL;
    }
    const char *dot = strrchr(n->name, '.');
    *inner = dot ? strndup(n->name, (size_t)(dot - n->name)) : strdup("");
    if (!*inner) {
        snprintf(ctx->errstr, ctx->errstr_size, "out of memory");
        return NULL;
    }
    return n;
}

static rc_node_t *rc_plan_object(rc_plan_ctx_t *ctx, json_t *s, const char *ns) {
    json_t *type = json_object_get(s, "type");
    rc_node_kind_t kind;
    rc_node_t *n = NULL;
    char *inner = NULL;
    const char *t;

    if (!type) {
        snprintf(ctx->errstr, ctx->errstr_size, "schema object without a \"type\"");
        return NULL;
    }
    if (!json_is_string(type))
        return rc_plan_build(ctx, type, ns);
    t = json_string_value(type);
    if (rc_plan_primitive(t, &kind))
        return rc_plan_node_new(ctx, kind);
    if (!strcmp(t, "record") || !strcmp(t, "error")) {
        json_t *fields = json_object_get(s, "fields");
        if (!(n = rc_plan_named(ctx, s, RC_N_RECORD, ns, &inner)))
            goto out;
        if (!json_is_array(fields)) {
            snprintf(ctx->errstr, ctx->errstr_size, "record %s: \"fields\" must be an array", n->name);
            n = NULL;
            goto out;
        }
        n->nfields = json_array_size(fields);
        if (n->nfields && !(n->fields = calloc(n->nfields, sizeof(*n->fields)))) {
            snprintf(ctx->errstr, ctx->errstr_size, "out of memory");
            n = NULL;
            goto out;
        }
        for (size_t i = 0; i < n->nfields; i++) {
            json_t *f = json_array_get(fields, i);
            n->fields[i].name = json_string_value(json_object_get(f, "name"));
            n->fields[i].def = json_object_get(f, "default");
            if (!n->fields[i].name || !json_object_get(f, "type")) {
                snprintf(ctx->errstr, ctx->errstr_size, "record %s: field %zu needs a name and a type", n->name, i);
                n = NULL;
                goto out;
            }
            if (!(n->fields[i].type = rc_plan_build(ctx, json_object_get(f, "type"), inner))) {
                n = NULL;
                goto out;
            }
        }
    } else if (!strcmp(t, "enum")) {
        json_t *symbols = json_object_get(s, "symbols");
        if (!(n = rc_plan_named(ctx, s, RC_N_ENUM, ns, &inner)))
            goto out;
        n->nsymbols = json_array_size(symbols);
        if (n->nsymbols && !(n->symbols = calloc(n->nsymbols, sizeof(*n->symbols)))) {
            snprintf(ctx->errstr, ctx->errstr_size, "out of memory");
            n = NULL;
            goto out;
        }
        for (size_t i = 0; i < n->nsymbols; i++)
            n->symbols[i] = json_string_value(json_array_get(symbols, i));
    } else if (!strcmp(t, "fixed")) {
        json_t *size = json_object_get(s, "size");
        if (!(n = rc_plan_named(ctx, s, RC_N_FIXED, ns, &inner)))
            goto out;
        n->size = json_is_integer(size) ? (size_t)json_integer_value(size)
                                        : (size_t)strtoull(json_string_value(size) ? json_string_value(size) : "0",
                                                           NULL, 10);
    } else if (!strcmp(t, "array") || !strcmp(t, "map")) {
        json_t *items = json_object_get(s, t[0] == 'a' ? "items" : "values");
        if (!(n = rc_plan_node_new(ctx, t[0] == 'a' ? RC_N_ARRAY : RC_N_MAP)))
            goto out;
        if (!items) {
            snprintf(ctx->errstr, ctx->errstr_size, "%s without %s", t, t[0] == 'a' ? "items" : "values");
            n = NULL;
            goto out;
        }
        if (!(n->items = rc_plan_build(ctx, items, ns)))
            n = NULL;
    } else {
        n = rc_plan_reference(ctx, t, ns);
    }
out:
    free(inner);
    return n;
}

static rc_node_t *rc_plan_build(rc_plan_ctx_t *ctx, json_t *s, const char *ns) {
    rc_node_t *n = NULL;

    if (++ctx->depth > RC_PLAN_MAX_DEPTH) {
        snprintf(ctx->errstr, ctx->errstr_size, "schema nested too deeply");
        goto out;
    }
    if (json_is_string(s)) {
        n = rc_plan_reference(ctx, json_string_value(s), ns);
    } else if (json_is_object(s)) {
        n = rc_plan_object(ctx, s, ns);
    } else if (json_is_array(s)) {
        if (!(n = rc_plan_node_new(ctx, RC_N_UNION)))
            goto out;
        n->nbranches = json_array_size(s);
        if (n->nbranches && !(n->branches = calloc(n->nbranches, sizeof(*n->branches)))) {
            snprintf(ctx->errstr, ctx->errstr_size, "out of memory");
            n = NULL;
            goto out;
        }
        for (size_t i = 0; i < n->nbranches; i++) {
            if (!(n->branches[i] = rc_plan_build(ctx, json_array_get(s, i), ns))) {
                n = NULL;
                goto out;
            }
            if (n->branches[i]->kind == RC_N_NULL)
                n->null_branch = (int)i;
        }
        if (n->nbranches == 2 && n->null_branch >= 0)
            n->value_branch = 1 - n->null_branch;
    } else {
        snprintf(ctx->errstr, ctx->errstr_size, "a schema must be a string, an object or an array");
    }
out:
    ctx->depth--;
    return n;
}

/* Compiles "text"; on failure returns -1 with errstr and leaves "plan"
 * empty. */
static int rc_plan_init(rc_plan_t *plan, const char *text, char *errstr, size_t errstr_size) {
    rc_plan_ctx_t ctx = {plan, errstr, errstr_size, 0};
    json_error_t jerr;

    memset(plan, 0, sizeof(*plan));
    if (!(plan->doc = json_loads(text, JSON_DECODE_ANY, &jerr))) {
        snprintf(errstr, errstr_size, "schema is not JSON: %s", jerr.text);
        return -1;
    }
    if (!(plan->root = rc_plan_build(&ctx, plan->doc, ""))) {
        rc_plan_clear(plan);
        return -1;
    }
    return 0;
}

/*
 * Conversion errors: the message is written where the error happens and
 * the path is prepended level by level as the recursion unwinds.
 */

typedef struct {
    char path[256];
    char msg[256];
    int lenient; /* ignore unknown fields (used when resolving to our schema) */
} rc_conv_t;

static int rc_conv_fail(rc_conv_t *cv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rc_conv_fail(rc_conv_t *cv, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cv->msg, sizeof(cv->msg), fmt, ap);
    va_end(ap);
    cv->path[0] = '\0';
    return -1;
}

/* Prepends a field name ("author" + "." + rest) or an index ("[3]" + rest). */
static void rc_conv_prepend(rc_conv_t *cv, const char *name, long index) {
    char comp[128];
    size_t cl, pl = strlen(cv->path);

    const char *sep = pl && cv->path[0] != '[' ? "." : "";
    if (name)
        snprintf(comp, sizeof(comp), "%s%s", name, sep);
    else
        snprintf(comp, sizeof(comp), "[%ld]%s", index, sep);
    cl = strlen(comp);
    if (cl + pl >= sizeof(cv->path))
        return; /* keep the innermost part; it is the informative one */
    memmove(cv->path + cl, cv->path, pl + 1);
    memcpy(cv->path, comp, cl);
}

static void rc_conv_errstr(const rc_conv_t *cv, const char *prefix, char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "%s%s%s%s", prefix ? prefix : "", cv->path, cv->path[0] ? ": " : "", cv->msg);
}

static const char *rc_json_type_name(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

static int rc_conv_type_error(rc_conv_t *cv, const rc_node_t *n, const json_t *j) {
    if (n->name)
        return rc_conv_fail(cv, "expected %s %s, got %s", rc_node_kind_names[n->kind], n->name, rc_json_type_name(j));
    return rc_conv_fail(cv, "expected %s, got %s", rc_node_kind_names[n->kind], rc_json_type_name(j));
}

static int rc_avro_fail(rc_conv_t *cv, const char *what) {
    return rc_conv_fail(cv, "%s: %s", what, avro_strerror());
}

/* The name a union branch goes by in Avro's JSON encoding. */
static const char *rc_branch_name(const rc_node_t *n) { return n->name ? n->name : rc_node_kind_names[n->kind]; }

/* Whether JSON value "j" can be written as node "n" (union branch choice). */
static int rc_json_fits(const rc_node_t *n, const json_t *j) {
    switch (n->kind) {
    case RC_N_NULL: return json_is_null(j);
    case RC_N_BOOLEAN: return json_is_boolean(j);
    case RC_N_INT:
        return json_is_integer(j) && json_integer_value(j) >= INT32_MIN && json_integer_value(j) <= INT32_MAX;
    case RC_N_LONG: return json_is_integer(j);
    case RC_N_FLOAT:
    case RC_N_DOUBLE: return json_is_number(j);
    case RC_N_BYTES:
    case RC_N_STRING:
    case RC_N_ENUM:
    case RC_N_FIXED: return json_is_string(j);
    case RC_N_RECORD:
    case RC_N_MAP: return json_is_object(j);
    case RC_N_ARRAY: return json_is_array(j);
    case RC_N_UNION: return 0;
    }
    return 0;
}

/* Avro's JSON form of bytes/fixed: each byte is one code point 0..255. */
static int rc_json_to_bytes(rc_conv_t *cv, const json_t *j, unsigned char **out, size_t *outlen) {
    const unsigned char *s = (const unsigned char *)json_string_value(j);
    size_t len = json_string_length(j), n = 0;
    unsigned char *b = malloc(len + 1);

    if (!b)
        return rc_conv_fail(cv, "out of memory");
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80) {
            b[n++] = s[i];
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < len && s[i] <= 0xC3) {
            b[n++] = (unsigned char)(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3F));
            i++;
        } else {
            free(b);
            return rc_conv_fail(cv, "bytes must be given as code points 0..255");
        }
    }
    *out = b;
    *outlen = n;
    return 0;
}

static json_t *rc_bytes_to_json(const unsigned char *p, size_t len) {
    char *s = malloc(len * 2 + 1), *q = s;
    json_t *j;

    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x80) {
            *q++ = (char)p[i];
        } else {
            *q++ = (char)(0xC0 | (p[i] >> 6));
            *q++ = (char)(0x80 | (p[i] & 0x3F));
        }
    }
    j = json_stringn(s, (size_t)(q - s));
    free(s);
    return j;
}

static int rc_json_to_value(rc_conv_t *cv, const rc_node_t *n, const json_t *j, avro_value_t *v);

/* The value record field "f" takes: "fj" (the record's own, may be NULL,
 * counted in *present), else the field's default. NULL with the error
 * when the field is required and missing. */
static const json_t *rc_field_value(rc_conv_t *cv, const rc_field_t *f, const json_t *fj, size_t *present) {
    if (fj) {
        (*present)++;
        return fj;
    }
    if (f->def)
        return f->def;
    rc_conv_fail(cv, "missing required field");
    rc_conv_prepend(cv, f->name, 0);
    return NULL;
}

/* Every key must be a field: the JSON mirrors the schema, so an unknown
 * key is a typo or a producer ahead of our schema, and silently dropping
 * it would lose data. "present" keys of "j" were fields. */
static int rc_record_unknown_keys(rc_conv_t *cv, const rc_node_t *n, const json_t *j, size_t present) {
    const char *key;
    json_t *val;

    if (present == json_object_size(j) || cv->lenient)
        return 0;
    json_object_foreach((json_t *)j, key, val) {
        size_t i;
        for (i = 0; i < n->nfields && strcmp(n->fields[i].name, key); i++)
            ;
        if (i == n->nfields) {
            rc_conv_fail(cv, "unknown field (not in %s)", n->name);
            rc_conv_prepend(cv, key, 0);
            return -1;
        }
    }
    return 0;
}

static int rc_record_to_value(rc_conv_t *cv, const rc_node_t *n, const json_t *j, avro_value_t *v) {
    size_t present = 0;
    avro_value_t child;

    if (!json_is_object(j))
        return rc_conv_type_error(cv, n, j);
    for (size_t i = 0; i < n->nfields; i++) {
        const rc_field_t *f = &n->fields[i];
        const json_t *fj = rc_field_value(cv, f, json_object_get(j, f->name), &present);
        if (!fj)
            return -1;
        if (avro_value_get_by_index(v, i, &child, NULL) || rc_json_to_value(cv, f->type, fj, &child)) {
            if (!cv->msg[0])
                rc_avro_fail(cv, "cannot set field");
            rc_conv_prepend(cv, f->name, 0);
            return -1;
        }
    }
    return rc_record_unknown_keys(cv, n, j, present);
}

/* Which branch of union "n" JSON value *jp is written as; unwraps Avro's
 * {"<branch name>": value} form into *jp. -1 with the error when none. */
static int rc_union_pick(rc_conv_t *cv, const rc_node_t *n, const json_t **jp) {
    const json_t *j = *jp;
    int b = -1;

    if (json_is_null(j)) {
        b = n->null_branch;
    } else if (n->value_branch >= 0) {
        b = n->value_branch;
    } else {
        /* Avro's JSON encoding wraps a non-null union value as
         * {"<branch name>": value}; accept that, else take the first branch
         * the value fits. */
        if (json_is_object(j) && json_object_size(j) == 1) {
            const char *key = json_object_iter_key(json_object_iter((json_t *)j));
            for (size_t i = 0; i < n->nbranches; i++) {
                if (!strcmp(rc_branch_name(n->branches[i]), key)) {
                    b = (int)i;
                    j = json_object_iter_value(json_object_iter((json_t *)j));
                    break;
                }
            }
        }
        for (size_t i = 0; b < 0 && i < n->nbranches; i++)
            if (rc_json_fits(n->branches[i], j))
                b = (int)i;
    }
    if (b < 0) {
        char alts[160] = "";
        for (size_t i = 0; i < n->nbranches; i++)
            snprintf(alts + strlen(alts), sizeof(alts) - strlen(alts), "%s%s", i ? " | " : "",
                     rc_branch_name(n->branches[i]));
        return rc_conv_fail(cv, "expected %s, got %s", alts, rc_json_type_name(j));
    }
    *jp = j;
    return b;
}

static int rc_union_to_value(rc_conv_t *cv, const rc_node_t *n, const json_t *j, avro_value_t *v) {
    avro_value_t branch;
    int b = rc_union_pick(cv, n, &j);

    if (b < 0)
        return -1;
    if (avro_value_set_branch(v, b, &branch))
        return rc_avro_fail(cv, "cannot set union branch");
    return rc_json_to_value(cv, n->branches[b], j, &branch);
}

static int rc_json_to_value(rc_conv_t *cv, const rc_node_t *n, const json_t *j, avro_value_t *v) {
    avro_value_t child;
    int rv = 0;

    switch (n->kind) {
    case RC_N_NULL:
        if (!json_is_null(j))
            return rc_conv_type_error(cv, n, j);
        rv = avro_value_set_null(v);
        break;
    case RC_N_BOOLEAN:
        if (!json_is_boolean(j))
            return rc_conv_type_error(cv, n, j);
        rv = avro_value_set_boolean(v, json_is_true(j));
        break;
    case RC_N_INT:
        if (!json_is_integer(j))
            return rc_conv_type_error(cv, n, j);
        if (json_integer_value(j) < INT32_MIN || json_integer_value(j) > INT32_MAX)
            return rc_conv_fail(cv, "%" JSON_INTEGER_FORMAT " is out of range for int", json_integer_value(j));
        rv = avro_value_set_int(v, (int32_t)json_integer_value(j));
        break;
    case RC_N_LONG:
        if (!json_is_integer(j))
            return rc_conv_type_error(cv, n, j);
        rv = avro_value_set_long(v, (int64_t)json_integer_value(j));
        break;
    case RC_N_FLOAT:
        if (!json_is_number(j))
            return rc_conv_type_error(cv, n, j);
        rv = avro_value_set_float(v, (float)json_number_value(j));
        break;
    case RC_N_DOUBLE:
        if (!json_is_number(j))
            return rc_conv_type_error(cv, n, j);
        rv = avro_value_set_double(v, json_number_value(j));
        break;
    case RC_N_STRING:
        if (!json_is_string(j))
            return rc_conv_type_error(cv, n, j);
        /* avro-c string sizes count the terminating NUL. */
        rv = avro_value_set_string_len(v, json_string_value(j), json_string_length(j) + 1);
        break;
    case RC_N_BYTES:
    case RC_N_FIXED: {
        unsigned char *b;
        size_t bl;
        if (!json_is_string(j))
            return rc_conv_type_error(cv, n, j);
        if (rc_json_to_bytes(cv, j, &b, &bl))
            return -1;
        if (n->kind == RC_N_FIXED && bl != n->size) {
            free(b);
            return rc_conv_fail(cv, "fixed %s needs %zu bytes, got %zu", n->name, n->size, bl);
        }
        rv = n->kind == RC_N_BYTES ? avro_value_set_bytes(v, b, bl) : avro_value_set_fixed(v, b, bl);
        free(b);
        break;
    }
    case RC_N_ENUM: {
        size_t i;
        if (!json_is_string(j))
            return rc_conv_type_error(cv, n, j);
        for (i = 0; i < n->nsymbols && strcmp(n->symbols[i], json_string_value(j)); i++)
            ;
        if (i == n->nsymbols)
            return rc_conv_fail(cv, "\"%s\" is not a symbol of enum %s", json_string_value(j), n->name);
        rv = avro_value_set_enum(v, (int)i);
        break;
    }
    case RC_N_ARRAY:
        if (!json_is_array(j))
            return rc_conv_type_error(cv, n, j);
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (avro_value_append(v, &child, NULL))
                return rc_avro_fail(cv, "cannot append to array");
            if (rc_json_to_value(cv, n->items, json_array_get(j, i), &child)) {
                rc_conv_prepend(cv, NULL, (long)i);
                return -1;
            }
        }
        break;
    case RC_N_MAP: {
        const char *key;
        json_t *val;
        if (!json_is_object(j))
            return rc_conv_type_error(cv, n, j);
        json_object_foreach((json_t *)j, key, val) {
            if (avro_value_add(v, key, &child, NULL, NULL))
                return rc_avro_fail(cv, "cannot add to map");
            if (rc_json_to_value(cv, n->items, val, &child)) {
                rc_conv_prepend(cv, key, 0);
                return -1;
            }
        }
        break;
    }
    case RC_N_RECORD: return rc_record_to_value(cv, n, j, v);
    case RC_N_UNION: return rc_union_to_value(cv, n, j, v);
    }
    if (rv)
        return rc_avro_fail(cv, "avro-c refused the value");
    return 0;
}

/*
 * The direct writer: JSON straight to Avro binary, walking the plan, with
 * the same checks and messages as rc_json_to_value() above (the shared
 * parts, picking a union branch and finding a record field's value, are
 * one function each). avro-c's generic value costs a setter call per
 * field and then a second walk to write it out; for a Post that was
 * ~15,000 instructions of ~17,000 for the whole encode, this is ~3,000.
 * avro-c stays the reference: rc_avro_encode_body() runs either, and
 * tests/unit/test_avro_writer.c pins that both write the same bytes.
 *
 * Avro binary (spec, "Binary Encoding"): int and long as zigzag varints,
 * float/double as little-endian IEEE 754, boolean as one byte, bytes and
 * string as a long length and the bytes, fixed as its bytes, enum as the
 * symbol's index, a union as the branch index and the value, records as
 * their fields in order, arrays and maps as blocks (a count then the
 * items; map items are a string key then the value) ended by a zero
 * count. Like avro-c, one block holds every item.
 */

typedef struct {
    unsigned char *buf; /* malloc'd, grown as needed up to "max" */
    size_t len, cap, max;
    int too_big;
} rc_wbuf_t;

static int rc_wbuf_grow(rc_conv_t *cv, rc_wbuf_t *b, size_t need) {
    size_t cap = b->cap ? b->cap : 256;
    unsigned char *nb;

    if (need > b->max - b->len) {
        b->too_big = 1;
        return rc_conv_fail(cv, "record larger than %zu bytes", b->max);
    }
    while (cap - b->len < need)
        cap *= 2;
    if (!(nb = realloc(b->buf, cap)))
        return rc_conv_fail(cv, "out of memory");
    b->buf = nb;
    b->cap = cap;
    return 0;
}

static inline int rc_wbuf_reserve(rc_conv_t *cv, rc_wbuf_t *b, size_t need) {
    return b->cap - b->len >= need ? 0 : rc_wbuf_grow(cv, b, need);
}

static inline int rc_wr_long(rc_conv_t *cv, rc_wbuf_t *b, int64_t v) {
    uint64_t z = v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;

    if (rc_wbuf_reserve(cv, b, 10))
        return -1;
    while (z > 0x7F) {
        b->buf[b->len++] = (unsigned char)(z | 0x80);
        z >>= 7;
    }
    b->buf[b->len++] = (unsigned char)z;
    return 0;
}

static inline int rc_wr_raw(rc_conv_t *cv, rc_wbuf_t *b, const void *p, size_t n) {
    if (rc_wbuf_reserve(cv, b, n))
        return -1;
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    return 0;
}

static inline int rc_wr_bytes(rc_conv_t *cv, rc_wbuf_t *b, const void *p, size_t n) {
    return rc_wr_long(cv, b, (int64_t)n) || rc_wr_raw(cv, b, p, n) ? -1 : 0;
}

/* Little-endian, whatever the host. */
static int rc_wr_le(rc_conv_t *cv, rc_wbuf_t *b, uint64_t bits, int n) {
    unsigned char le[8];
    for (int i = 0; i < n; i++)
        le[i] = (unsigned char)(bits >> (8 * i));
    return rc_wr_raw(cv, b, le, (size_t)n);
}

static int rc_json_write(rc_conv_t *cv, const rc_node_t *n, const json_t *j, rc_wbuf_t *b);

static int rc_record_write(rc_conv_t *cv, const rc_node_t *n, const json_t *j, rc_wbuf_t *b) {
    size_t present = 0;
    /* Records built by ricochet hold their keys in schema order: walking
     * the object alongside the fields finds each one without a hash
     * lookup; a key out of order is looked up by name. */
    void *it = json_object_iter((json_t *)j);

    if (!json_is_object(j))
        return rc_conv_type_error(cv, n, j);
    for (size_t i = 0; i < n->nfields; i++) {
        const rc_field_t *f = &n->fields[i];
        const json_t *fj;
        if (it && !strcmp(json_object_iter_key(it), f->name)) {
            fj = json_object_iter_value(it);
            it = json_object_iter_next((json_t *)j, it);
        } else {
            fj = json_object_get(j, f->name);
        }
        if (!(fj = rc_field_value(cv, f, fj, &present)))
            return -1;
        if (rc_json_write(cv, f->type, fj, b)) {
            rc_conv_prepend(cv, f->name, 0);
            return -1;
        }
    }
    return rc_record_unknown_keys(cv, n, j, present);
}

static int rc_json_write(rc_conv_t *cv, const rc_node_t *n, const json_t *j, rc_wbuf_t *b) {
    switch (n->kind) {
    case RC_N_NULL:
        if (!json_is_null(j))
            return rc_conv_type_error(cv, n, j);
        return 0;
    case RC_N_BOOLEAN: {
        unsigned char v = json_is_true(j);
        if (!json_is_boolean(j))
            return rc_conv_type_error(cv, n, j);
        return rc_wr_raw(cv, b, &v, 1);
    }
    case RC_N_INT:
        if (!json_is_integer(j))
            return rc_conv_type_error(cv, n, j);
        if (json_integer_value(j) < INT32_MIN || json_integer_value(j) > INT32_MAX)
            return rc_conv_fail(cv, "%" JSON_INTEGER_FORMAT " is out of range for int", json_integer_value(j));
        return rc_wr_long(cv, b, (int64_t)json_integer_value(j));
    case RC_N_LONG:
        if (!json_is_integer(j))
            return rc_conv_type_error(cv, n, j);
        return rc_wr_long(cv, b, (int64_t)json_integer_value(j));
    case RC_N_FLOAT: {
        float f;
        uint32_t bits;
        if (!json_is_number(j))
            return rc_conv_type_error(cv, n, j);
        f = (float)json_number_value(j);
        memcpy(&bits, &f, sizeof(bits));
        return rc_wr_le(cv, b, bits, 4);
    }
    case RC_N_DOUBLE: {
        double d;
        uint64_t bits;
        if (!json_is_number(j))
            return rc_conv_type_error(cv, n, j);
        d = json_number_value(j);
        memcpy(&bits, &d, sizeof(bits));
        return rc_wr_le(cv, b, bits, 8);
    }
    case RC_N_STRING:
        if (!json_is_string(j))
            return rc_conv_type_error(cv, n, j);
        return rc_wr_bytes(cv, b, json_string_value(j), json_string_length(j));
    case RC_N_BYTES:
    case RC_N_FIXED: {
        unsigned char *p;
        size_t len;
        int rv;
        if (!json_is_string(j))
            return rc_conv_type_error(cv, n, j);
        if (rc_json_to_bytes(cv, j, &p, &len))
            return -1;
        if (n->kind == RC_N_FIXED && len != n->size) {
            free(p);
            return rc_conv_fail(cv, "fixed %s needs %zu bytes, got %zu", n->name, n->size, len);
        }
        rv = n->kind == RC_N_BYTES ? rc_wr_bytes(cv, b, p, len) : rc_wr_raw(cv, b, p, len);
        free(p);
        return rv;
    }
    case RC_N_ENUM: {
        size_t i;
        if (!json_is_string(j))
            return rc_conv_type_error(cv, n, j);
        for (i = 0; i < n->nsymbols && strcmp(n->symbols[i], json_string_value(j)); i++)
            ;
        if (i == n->nsymbols)
            return rc_conv_fail(cv, "\"%s\" is not a symbol of enum %s", json_string_value(j), n->name);
        return rc_wr_long(cv, b, (int64_t)i);
    }
    case RC_N_ARRAY: {
        size_t cnt = json_array_size(j);
        if (!json_is_array(j))
            return rc_conv_type_error(cv, n, j);
        if (cnt && rc_wr_long(cv, b, (int64_t)cnt))
            return -1;
        for (size_t i = 0; i < cnt; i++) {
            if (rc_json_write(cv, n->items, json_array_get(j, i), b)) {
                rc_conv_prepend(cv, NULL, (long)i);
                return -1;
            }
        }
        return rc_wr_long(cv, b, 0);
    }
    case RC_N_MAP: {
        size_t cnt = json_object_size(j);
        const char *key;
        json_t *val;
        if (!json_is_object(j))
            return rc_conv_type_error(cv, n, j);
        if (cnt && rc_wr_long(cv, b, (int64_t)cnt))
            return -1;
        json_object_foreach((json_t *)j, key, val) {
            if (rc_wr_bytes(cv, b, key, strlen(key)) || rc_json_write(cv, n->items, val, b)) {
                rc_conv_prepend(cv, key, 0);
                return -1;
            }
        }
        return rc_wr_long(cv, b, 0);
    }
    case RC_N_RECORD: return rc_record_write(cv, n, j, b);
    case RC_N_UNION: {
        int br = rc_union_pick(cv, n, &j);
        if (br < 0 || rc_wr_long(cv, b, br))
            return -1;
        return rc_json_write(cv, n->branches[br], j, b);
    }
    }
    return rc_conv_fail(cv, "unknown schema node");
}

static json_t *rc_value_to_json(rc_conv_t *cv, const rc_node_t *n, avro_value_t *v);

/* The JSON of branch "branch" of union "n", whose value is "c" (taken):
 * ["null", X] is written as null or the plain value (the form the rest of
 * ricochet uses); wider unions keep Avro's {"branch": v} so the branch
 * survives a round trip. */
static json_t *rc_union_json(rc_conv_t *cv, const rc_node_t *n, size_t branch, json_t *c) {
    json_t *j;
    if (n->value_branch >= 0 || n->branches[branch]->kind == RC_N_NULL)
        return c;
    if (!(j = json_object())) {
        json_decref(c);
        goto oom;
    }
    if (json_object_set_new(j, rc_branch_name(n->branches[branch]), c)) { /* takes "c" either way */
        json_decref(j);
        goto oom;
    }
    return j;
oom:
    rc_conv_fail(cv, "out of memory");
    return NULL;
}

static json_t *rc_value_fail(rc_conv_t *cv, const char *what) {
    rc_avro_fail(cv, what);
    return NULL;
}

static json_t *rc_value_to_json(rc_conv_t *cv, const rc_node_t *n, avro_value_t *v) {
    avro_value_t child;
    json_t *j = NULL;

    switch (n->kind) {
    case RC_N_NULL: return json_null();
    case RC_N_BOOLEAN: {
        int b;
        if (avro_value_get_boolean(v, &b))
            return rc_value_fail(cv, "cannot read boolean");
        return json_boolean(b);
    }
    case RC_N_INT: {
        int32_t i;
        if (avro_value_get_int(v, &i))
            return rc_value_fail(cv, "cannot read int");
        return json_integer(i);
    }
    case RC_N_LONG: {
        int64_t l;
        if (avro_value_get_long(v, &l))
            return rc_value_fail(cv, "cannot read long");
        return json_integer((json_int_t)l);
    }
    case RC_N_FLOAT:
    case RC_N_DOUBLE: {
        double d;
        float f;
        if (n->kind == RC_N_FLOAT ? avro_value_get_float(v, &f) : avro_value_get_double(v, &d))
            return rc_value_fail(cv, "cannot read number");
        if (n->kind == RC_N_FLOAT)
            d = f;
        if (!isfinite(d)) {
            rc_conv_fail(cv, "%s is not finite, which JSON cannot hold", rc_node_kind_names[n->kind]);
            return NULL;
        }
        return json_real(d);
    }
    case RC_N_STRING: {
        const char *s;
        size_t size;
        if (avro_value_get_string(v, &s, &size))
            return rc_value_fail(cv, "cannot read string");
        if (!(j = json_stringn(s, size ? size - 1 : 0)))
            rc_conv_fail(cv, "string is not valid UTF-8");
        return j;
    }
    case RC_N_BYTES:
    case RC_N_FIXED: {
        const void *p;
        size_t size;
        if (n->kind == RC_N_BYTES ? avro_value_get_bytes(v, &p, &size) : avro_value_get_fixed(v, &p, &size))
            return rc_value_fail(cv, "cannot read bytes");
        if (!(j = rc_bytes_to_json(p, size)))
            rc_conv_fail(cv, "out of memory");
        return j;
    }
    case RC_N_ENUM: {
        int e;
        if (avro_value_get_enum(v, &e))
            return rc_value_fail(cv, "cannot read enum");
        if (e < 0 || (size_t)e >= n->nsymbols) {
            rc_conv_fail(cv, "enum index %d out of range", e);
            return NULL;
        }
        return json_string(n->symbols[e]);
    }
    case RC_N_ARRAY:
    case RC_N_MAP: {
        size_t cnt;
        const char *key = NULL;
        if (avro_value_get_size(v, &cnt))
            return rc_value_fail(cv, "cannot read size");
        if (!(j = n->kind == RC_N_ARRAY ? json_array() : json_object()))
            goto oom;
        for (size_t i = 0; i < cnt; i++) {
            json_t *c;
            if (avro_value_get_by_index(v, i, &child, &key)) {
                rc_avro_fail(cv, "cannot read element");
                goto fail;
            }
            if (!(c = rc_value_to_json(cv, n->items, &child))) {
                if (n->kind == RC_N_ARRAY)
                    rc_conv_prepend(cv, NULL, (long)i);
                else
                    rc_conv_prepend(cv, key, 0);
                goto fail;
            }
            if (n->kind == RC_N_ARRAY ? json_array_append_new(j, c) : json_object_set_new(j, key, c))
                goto oom;
        }
        return j;
    }
    case RC_N_RECORD:
        if (!(j = json_object()))
            goto oom;
        for (size_t i = 0; i < n->nfields; i++) {
            json_t *c;
            if (avro_value_get_by_index(v, i, &child, NULL)) {
                rc_avro_fail(cv, "cannot read field");
                rc_conv_prepend(cv, n->fields[i].name, 0);
                goto fail;
            }
            if (!(c = rc_value_to_json(cv, n->fields[i].type, &child))) {
                rc_conv_prepend(cv, n->fields[i].name, 0);
                goto fail;
            }
            /* Field names come from our own schema: no need to re-check
             * them as UTF-8 for every record. */
            if (json_object_set_new_nocheck(j, n->fields[i].name, c))
                goto oom;
        }
        return j;
    case RC_N_UNION: {
        int d;
        json_t *c;
        if (avro_value_get_discriminant(v, &d) || avro_value_get_current_branch(v, &child))
            return rc_value_fail(cv, "cannot read union");
        if (d < 0 || (size_t)d >= n->nbranches) {
            rc_conv_fail(cv, "union branch %d out of range", d);
            return NULL;
        }
        if (!(c = rc_value_to_json(cv, n->branches[d], &child)))
            return NULL;
        return rc_union_json(cv, n, (size_t)d, c);
    }
    }
oom:
    rc_conv_fail(cv, "out of memory");
fail:
    json_decref(j);
    return NULL;
}

/*
 * Body validation. avro-c trusts the lengths and counts in its input: a
 * corrupt string length makes it malloc whatever the bytes say (negative
 * ones included) and a failed read leaks the buffer. Records come from
 * Kafka, written by anyone, so every body is first walked against the
 * writer's plan here, a cheap pass that checks each length, count, branch
 * and enum index against what is really there, and that the body is used
 * up exactly. Only a body that passes is handed to avro-c.
 */

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
} rc_rd_t;

#define RC_VALIDATE_MAX_DEPTH 128
/* Bound on the element count of an array/map whose elements can take zero
 * bytes (e.g. an array of null), where the remaining length bounds nothing. */
#define RC_VALIDATE_MAX_EMPTY_ITEMS 65536

static int rc_rd_long(rc_conv_t *cv, rc_rd_t *r, int64_t *out) {
    uint64_t u = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return rc_conv_fail(cv, "record ends inside a number");
        unsigned char b = *r->p++;
        u |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return 0;
        }
    }
    return rc_conv_fail(cv, "number longer than 10 bytes");
}

static int rc_rd_skip(rc_conv_t *cv, rc_rd_t *r, int64_t n, const char *what) {
    if (n < 0)
        return rc_conv_fail(cv, "negative %s length %" PRId64, what, n);
    if (n > r->end - r->p)
        return rc_conv_fail(cv, "%s of %" PRId64 " bytes but only %td left", what, n, r->end - r->p);
    r->p += n;
    return 0;
}

/* Whether a value of "n" can be encoded in zero bytes. */
static int rc_node_can_be_empty(const rc_node_t *n, int depth) {
    if (depth > 8)
        return 1;
    switch (n->kind) {
    case RC_N_NULL: return 1;
    case RC_N_FIXED: return n->size == 0;
    case RC_N_RECORD:
        for (size_t i = 0; i < n->nfields; i++)
            if (!rc_node_can_be_empty(n->fields[i].type, depth + 1))
                return 0;
        return 1;
    default: return 0;
    }
}

static int rc_validate(rc_conv_t *cv, const rc_node_t *n, rc_rd_t *r, int depth) {
    int64_t v;

    if (depth > RC_VALIDATE_MAX_DEPTH)
        return rc_conv_fail(cv, "record nested deeper than %d levels", RC_VALIDATE_MAX_DEPTH);
    switch (n->kind) {
    case RC_N_NULL: return 0;
    case RC_N_BOOLEAN:
        if (r->p >= r->end)
            return rc_conv_fail(cv, "record ends inside a boolean");
        if (*r->p > 1)
            return rc_conv_fail(cv, "boolean byte 0x%02x is neither 0 nor 1", *r->p);
        r->p++;
        return 0;
    case RC_N_INT:
        if (rc_rd_long(cv, r, &v))
            return -1;
        if (v < INT32_MIN || v > INT32_MAX)
            return rc_conv_fail(cv, "%" PRId64 " is out of range for int", v);
        return 0;
    case RC_N_LONG: return rc_rd_long(cv, r, &v);
    case RC_N_FLOAT: return rc_rd_skip(cv, r, 4, "float");
    case RC_N_DOUBLE: return rc_rd_skip(cv, r, 8, "double");
    case RC_N_BYTES:
    case RC_N_STRING:
        if (rc_rd_long(cv, r, &v))
            return -1;
        return rc_rd_skip(cv, r, v, rc_node_kind_names[n->kind]);
    case RC_N_FIXED: return rc_rd_skip(cv, r, (int64_t)n->size, "fixed");
    case RC_N_ENUM:
        if (rc_rd_long(cv, r, &v))
            return -1;
        if (v < 0 || (uint64_t)v >= n->nsymbols)
            return rc_conv_fail(cv, "enum index %" PRId64 " out of range for %s", v, n->name);
        return 0;
    case RC_N_UNION:
        if (rc_rd_long(cv, r, &v))
            return -1;
        if (v < 0 || (uint64_t)v >= n->nbranches)
            return rc_conv_fail(cv, "union branch %" PRId64 " out of range", v);
        return rc_validate(cv, n->branches[v], r, depth + 1);
    case RC_N_RECORD:
        for (size_t i = 0; i < n->nfields; i++) {
            if (rc_validate(cv, n->fields[i].type, r, depth + 1)) {
                rc_conv_prepend(cv, n->fields[i].name, 0);
                return -1;
            }
        }
        return 0;
    case RC_N_ARRAY:
    case RC_N_MAP: {
        int empty_items = n->kind == RC_N_ARRAY && rc_node_can_be_empty(n->items, 0);
        int64_t index = 0, count, size;
        for (;;) {
            if (rc_rd_long(cv, r, &count))
                return -1;
            if (count == 0)
                return 0;
            if (count < 0) {
                /* A negative count is followed by the block's byte size. */
                if (count == INT64_MIN)
                    return rc_conv_fail(cv, "invalid block count");
                count = -count;
                if (rc_rd_long(cv, r, &size))
                    return -1;
                if (size < 0 || size > r->end - r->p)
                    return rc_conv_fail(cv, "block of %" PRId64 " bytes but only %td left", size, r->end - r->p);
            }
            if (empty_items ? index + count > RC_VALIDATE_MAX_EMPTY_ITEMS : count > r->end - r->p)
                return rc_conv_fail(cv, "%" PRId64 " elements cannot fit in the %td bytes left", count,
                                    r->end - r->p);
            for (int64_t i = 0; i < count; i++, index++) {
                if (n->kind == RC_N_MAP) {
                    if (rc_rd_long(cv, r, &v) || rc_rd_skip(cv, r, v, "map key")) {
                        rc_conv_prepend(cv, NULL, (long)index);
                        return -1;
                    }
                }
                if (rc_validate(cv, n->items, r, depth + 1)) {
                    rc_conv_prepend(cv, NULL, (long)index);
                    return -1;
                }
            }
        }
    }
    }
    return rc_conv_fail(cv, "unknown schema node");
}

/*
 * The direct reader: a body already checked by rc_validate() read straight
 * into the JSON form rc_value_to_json() gives for it, without avro-c's
 * generic value in between (which cost as much as the JSON building
 * itself). Used when the record was written with our own schema (the
 * single-object form, or a registry id whose schema is ours); a writer
 * schema that differs is still resolved by avro-c. rc_avro_decode_body()
 * runs either path, and tests/unit/test_avro_writer.c pins that they give
 * the same trees and the same errors.
 */

static json_t *rc_read_fail(rc_conv_t *cv, const char *what) {
    rc_conv_fail(cv, "%s", what);
    return NULL;
}

/* A string's bytes as a JSON string: plain ASCII needs no UTF-8 check. */
static json_t *rc_read_string(rc_conv_t *cv, const unsigned char *p, size_t len) {
    json_t *j = rc_ascii_only(p, len) ? json_stringn_nocheck((const char *)p, len) : json_stringn((const char *)p, len);
    if (!j)
        rc_conv_fail(cv, "string is not valid UTF-8");
    return j;
}

static json_t *rc_read_json(rc_conv_t *cv, const rc_node_t *n, rc_rd_t *r);

/* A map as avro-c reads it: one entry per key (a C string to avro-c, so a
 * key ends at its first NUL), in the order the keys first appear, each with
 * the value of its last occurrence, and only those values converted (an
 * overwritten value is never looked at, even one that would not convert).
 * So the entries are listed first, their values skipped over, and then the
 * kept values read. Writers do not repeat keys; the fuzzer does. */
static json_t *rc_read_map(rc_conv_t *cv, const rc_node_t *n, rc_rd_t *r) {
    json_t *last = json_object(), *j = NULL; /* key -> index of its last value */
    const unsigned char **vals = NULL;
    size_t nvals = 0, cap = 0;
    int64_t count, size, v;

    if (!last)
        goto oom;
    for (;;) {
        if (rc_rd_long(cv, r, &count))
            goto fail;
        if (count == 0)
            break;
        if (count < 0) {
            count = -count; /* rc_validate() has refused INT64_MIN */
            if (rc_rd_long(cv, r, &size))
                goto fail;
        }
        for (int64_t i = 0; i < count; i++) {
            if (rc_rd_long(cv, r, &v) || v < 0 || v > r->end - r->p) {
                rc_read_fail(cv, "cannot read element");
                goto fail;
            }
            const char *key = (const char *)r->p;
            size_t key_len = strnlen(key, (size_t)v);
            r->p += v;
            if (nvals == cap) {
                const unsigned char **nv = realloc(vals, (cap = cap ? 2 * cap : 16) * sizeof(*vals));
                if (!nv)
                    goto oom;
                vals = nv;
            }
            vals[nvals] = r->p;
            /* Unchecked here: the key is checked as UTF-8 when it is set
             * in the result, after its value, as rc_value_to_json does. */
            if (json_object_setn_new_nocheck(last, key, key_len, json_integer((json_int_t)nvals++)))
                goto oom;
            if (rc_validate(cv, n->items, r, 0)) /* skips the value */
                goto fail;
        }
    }
    if (!(j = json_object()))
        goto oom;
    for (void *it = json_object_iter(last); it; it = json_object_iter_next(last, it)) {
        const char *key = json_object_iter_key(it);
        size_t key_len = json_object_iter_key_len(it);
        rc_rd_t vr = {vals[json_integer_value(json_object_iter_value(it))], r->end};
        json_t *c = rc_read_json(cv, n->items, &vr);
        if (!c) {
            char *k = strndup(key, key_len);
            rc_conv_prepend(cv, k ? k : "?", 0);
            free(k);
            goto fail;
        }
        if (json_object_setn_new(j, key, key_len, c))
            goto oom;
    }
    json_decref(last);
    free(vals);
    return j;
oom:
    rc_conv_fail(cv, "out of memory");
fail:
    json_decref(last);
    json_decref(j);
    free(vals);
    return NULL;
}

static json_t *rc_read_json(rc_conv_t *cv, const rc_node_t *n, rc_rd_t *r) {
    int64_t v;
    json_t *j = NULL;

    switch (n->kind) {
    case RC_N_NULL: return json_null();
    case RC_N_BOOLEAN:
        if (r->p >= r->end)
            return rc_read_fail(cv, "cannot read boolean");
        return json_boolean(*r->p++ != 0);
    case RC_N_INT:
    case RC_N_LONG:
        if (rc_rd_long(cv, r, &v))
            return NULL;
        return json_integer((json_int_t)v);
    case RC_N_FLOAT:
    case RC_N_DOUBLE: {
        size_t size = n->kind == RC_N_FLOAT ? 4 : 8;
        uint64_t bits = 0;
        double d;
        if ((size_t)(r->end - r->p) < size)
            return rc_read_fail(cv, "cannot read number");
        for (size_t i = 0; i < size; i++)
            bits |= (uint64_t)r->p[i] << (8 * i);
        r->p += size;
        if (n->kind == RC_N_FLOAT) {
            uint32_t b32 = (uint32_t)bits;
            float f;
            memcpy(&f, &b32, 4);
            d = f;
        } else {
            memcpy(&d, &bits, 8);
        }
        if (!isfinite(d)) {
            rc_conv_fail(cv, "%s is not finite, which JSON cannot hold", rc_node_kind_names[n->kind]);
            return NULL;
        }
        return json_real(d);
    }
    case RC_N_STRING:
    case RC_N_BYTES:
    case RC_N_FIXED: {
        const unsigned char *p;
        if (n->kind == RC_N_FIXED)
            v = (int64_t)n->size;
        else if (rc_rd_long(cv, r, &v))
            return NULL;
        if (v < 0 || v > r->end - r->p)
            return rc_read_fail(cv, "cannot read bytes");
        p = r->p;
        r->p += v;
        if (n->kind == RC_N_STRING)
            return rc_read_string(cv, p, (size_t)v);
        if (!(j = rc_bytes_to_json(p, (size_t)v)))
            rc_conv_fail(cv, "out of memory");
        return j;
    }
    case RC_N_ENUM:
        if (rc_rd_long(cv, r, &v))
            return NULL;
        if (v < 0 || (uint64_t)v >= n->nsymbols) {
            rc_conv_fail(cv, "enum index %" PRId64 " out of range", v);
            return NULL;
        }
        return json_string(n->symbols[v]);
    case RC_N_MAP: return rc_read_map(cv, n, r);
    case RC_N_ARRAY: {
        int64_t count, size, index = 0;
        if (!(j = json_array()))
            goto oom;
        for (;;) {
            if (rc_rd_long(cv, r, &count))
                goto fail;
            if (count == 0)
                return j;
            if (count < 0) {
                count = -count; /* rc_validate() has refused INT64_MIN */
                if (rc_rd_long(cv, r, &size))
                    goto fail;
            }
            for (int64_t i = 0; i < count; i++, index++) {
                json_t *c = rc_read_json(cv, n->items, r);
                if (!c) {
                    rc_conv_prepend(cv, NULL, (long)index);
                    goto fail;
                }
                if (json_array_append_new(j, c))
                    goto oom;
            }
        }
    }
    case RC_N_RECORD:
        if (!(j = json_object()))
            goto oom;
        for (size_t i = 0; i < n->nfields; i++) {
            json_t *c = rc_read_json(cv, n->fields[i].type, r);
            if (!c) {
                rc_conv_prepend(cv, n->fields[i].name, 0);
                goto fail;
            }
            if (json_object_set_new_nocheck(j, n->fields[i].name, c))
                goto oom;
        }
        return j;
    case RC_N_UNION: {
        json_t *c;
        if (rc_rd_long(cv, r, &v))
            return NULL;
        if (v < 0 || (uint64_t)v >= n->nbranches) {
            rc_conv_fail(cv, "union branch %" PRId64 " out of range", v);
            return NULL;
        }
        if (!(c = rc_read_json(cv, n->branches[v], r)))
            return NULL;
        return rc_union_json(cv, n, (size_t)v, c);
    }
    }
    return rc_read_fail(cv, "unknown schema node");
oom:
    rc_conv_fail(cv, "out of memory");
fail:
    json_decref(j);
    return NULL;
}

/*
 * The serde.
 */

typedef struct rc_topic_id {
    char *topic;
    int32_t id;
    struct rc_topic_id *next;
} rc_topic_id_t;

typedef struct {
    const char *text;
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value; /* reused by every encode and decode of this schema */
    int has_value;
    rc_plan_t plan;
    uint64_t fp;
    rc_topic_id_t *topic_ids; /* registry ids by topic */
} rc_serde_schema_t;

/* A writer schema seen on input (by registry id), resolved to one of ours. */
typedef struct rc_writer {
    int32_t id;
    rc_schema_id_t reader;
    avro_schema_t schema;
    int direct; /* same canonical form as ours: read straight into our value */
    avro_value_iface_t *resolver;
    avro_value_t resolved; /* avro-c resolved writer whose destination is our value */
    int has_resolved;
    /* When avro-c cannot resolve: read in the writer's schema, convert via JSON. */
    avro_value_iface_t *wiface;
    avro_value_t wvalue;
    int has_wvalue;
    rc_plan_t wplan;
    struct rc_writer *next;
} rc_writer_t;

struct rc_serde {
    rc_serde_schema_t schemas[RC_SCHEMA__CNT];
    rc_schema_registry_t *registry;
    unsigned char *wbuf; /* encode scratch buffer, grown as needed, kept */
    size_t wcap;
    avro_reader_t reader;
    rc_writer_t *writers;
    int last_retriable;
};

#define RC_SO_MAGIC0 0xC3
#define RC_SO_MAGIC1 0x01
#define RC_SO_HDR 10
#define RC_CF_HDR 5
/* A record bigger than this is refused rather than grown into. */
#define RC_SERDE_MAX_RECORD (64u << 20)

/* Releases what rc_serde_avro_init() made (any part may be missing). */
static void rc_avro_generic_release(avro_value_t *value, int has_value, avro_value_iface_t *iface,
                                    avro_schema_t schema) {
    if (has_value)
        avro_value_decref(value);
    if (iface)
        avro_value_iface_decref(iface);
    if (schema)
        avro_schema_decref(schema);
}

static void rc_writer_destroy(rc_writer_t *w) {
    if (!w)
        return;
    if (w->has_resolved)
        avro_value_decref(&w->resolved);
    if (w->resolver)
        avro_value_iface_decref(w->resolver);
    if (w->has_wvalue)
        avro_value_decref(&w->wvalue);
    if (w->wiface)
        avro_value_iface_decref(w->wiface);
    if (w->schema)
        avro_schema_decref(w->schema);
    rc_plan_clear(&w->wplan);
    free(w);
}

void rc_serde_destroy(rc_serde_t *serde) {
    if (!serde)
        return;
    /* Writers first: their resolved values point into our schemas' values. */
    for (rc_writer_t *w = serde->writers, *n; w; w = n) {
        n = w->next;
        rc_writer_destroy(w);
    }
    for (int i = 0; i < RC_SCHEMA__CNT; i++) {
        rc_serde_schema_t *s = &serde->schemas[i];
        for (rc_topic_id_t *t = s->topic_ids, *n; t; t = n) {
            n = t->next;
            free(t->topic);
            free(t);
        }
        rc_avro_generic_release(&s->value, s->has_value, s->iface, s->schema);
        rc_plan_clear(&s->plan);
    }
    if (serde->reader)
        avro_reader_free(serde->reader);
    free(serde->wbuf);
    rc_schema_registry_destroy(serde->registry);
    free(serde);
}

/* Parses "text" with avro-c and makes a generic value for it. */
static int rc_serde_avro_init(const char *what, const char *text, avro_schema_t *schema, avro_value_iface_t **iface,
                              avro_value_t *value, int *has_value, char *errstr, size_t errstr_size) {
    if (avro_schema_from_json_length(text, strlen(text), schema)) {
        *schema = NULL;
        snprintf(errstr, errstr_size, "%s: avro-c cannot parse the schema: %s", what, avro_strerror());
        return -1;
    }
    if (!(*iface = avro_generic_class_from_schema(*schema))) {
        snprintf(errstr, errstr_size, "%s: %s", what, avro_strerror());
        return -1;
    }
    if (avro_generic_value_new(*iface, value)) {
        snprintf(errstr, errstr_size, "%s: %s", what, avro_strerror());
        return -1;
    }
    *has_value = 1;
    return 0;
}

rc_serde_t *rc_serde_new(const char *registry_url, char *errstr, size_t errstr_size) {
    rc_serde_t *serde = calloc(1, sizeof(*serde));
    static const char empty[1];
    char err[256];

    if (!serde) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    for (int i = 0; i < RC_SCHEMA__CNT; i++) {
        rc_serde_schema_t *s = &serde->schemas[i];
        char *pcf;
        s->text = rc_schema_text((rc_schema_id_t)i);
        if (rc_serde_avro_init(rc_schema_names[i], s->text, &s->schema, &s->iface, &s->value, &s->has_value, errstr,
                               errstr_size))
            goto fail;
        if (rc_plan_init(&s->plan, s->text, err, sizeof(err))) {
            snprintf(errstr, errstr_size, "%s: %s", rc_schema_names[i], err);
            goto fail;
        }
        if (s->plan.root->kind != RC_N_RECORD) {
            snprintf(errstr, errstr_size, "%s: schema is not a record", rc_schema_names[i]);
            goto fail;
        }
        if (!(pcf = rc_avro_canonical_form(s->text, err, sizeof(err)))) {
            snprintf(errstr, errstr_size, "%s: %s", rc_schema_names[i], err);
            goto fail;
        }
        s->fp = rc_avro_fingerprint64(pcf, strlen(pcf));
        free(pcf);
    }
    serde->wcap = 16384;
    if (!(serde->wbuf = malloc(serde->wcap)) || !(serde->reader = avro_reader_memory(empty, 0))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    if (registry_url && *registry_url && !(serde->registry = rc_schema_registry_new(registry_url, errstr, errstr_size)))
        goto fail;
    return serde;
fail:
    rc_serde_destroy(serde);
    return NULL;
}

int rc_serde_error_is_retriable(const rc_serde_t *serde) { return serde ? serde->last_retriable : 0; }

/* Registry id of schema "s" under subject "<topic>-value". */
static int rc_serde_registry_id(rc_serde_t *serde, rc_serde_schema_t *s, const char *topic, int32_t *idp,
                                char *errstr, size_t errstr_size) {
    rc_topic_id_t *t;
    char *subject = NULL;
    int ret = -1;

    for (t = s->topic_ids; t; t = t->next) {
        if (!strcmp(t->topic, topic)) {
            *idp = t->id;
            return 0;
        }
    }
    if (asprintf(&subject, "%s-value", topic) < 0) {
        subject = NULL;
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    if (rc_schema_registry_register(serde->registry, subject, s->text, idp, errstr, errstr_size)) {
        serde->last_retriable = rc_schema_registry_error_is_retriable(serde->registry);
        goto out;
    }
    if (!(t = calloc(1, sizeof(*t))) || !(t->topic = strdup(topic))) {
        free(t);
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    t->id = *idp;
    t->next = s->topic_ids;
    s->topic_ids = t;
    ret = 0;
out:
    free(subject);
    return ret;
}

int rc_serde_encode(rc_serde_t *serde, rc_schema_id_t id, const char *topic, const json_t *obj, void **out,
                    size_t *out_len, char *errstr, size_t errstr_size) {
    rc_conv_t cv;
    rc_serde_schema_t *s;
    size_t hdr = serde->registry ? RC_CF_HDR : RC_SO_HDR;
    int32_t sid = 0;
    int64_t body;

    *out = NULL;
    *out_len = 0;
    serde->last_retriable = 0;
    if ((unsigned)id >= RC_SCHEMA__CNT) {
        snprintf(errstr, errstr_size, "unknown schema %d", (int)id);
        return -1;
    }
    s = &serde->schemas[id];
    if (!obj) {
        snprintf(errstr, errstr_size, "%s: no record given", rc_schema_names[id]);
        return -1;
    }
    if (serde->registry) {
        if (!topic || !*topic) {
            snprintf(errstr, errstr_size, "%s: a topic is needed to name the schema registry subject",
                     rc_schema_names[id]);
            return -1;
        }
        if (rc_serde_registry_id(serde, s, topic, &sid, errstr, errstr_size))
            return -1;
    }

    /* The body goes after room for the header, in the scratch buffer,
     * which stays grown, so this settles after a few records. */
    cv.path[0] = cv.msg[0] = '\0';
    cv.lenient = 0;
    rc_wbuf_t b = {serde->wbuf, hdr, serde->wcap, RC_SERDE_MAX_RECORD, 0};
    int rc = rc_json_write(&cv, s->plan.root, obj, &b);
    serde->wbuf = b.buf;
    serde->wcap = b.cap;
    if (rc) {
        if (b.too_big)
            snprintf(errstr, errstr_size, "%s: record larger than %u bytes", rc_schema_names[id],
                     RC_SERDE_MAX_RECORD);
        else
            rc_conv_errstr(&cv, NULL, errstr, errstr_size);
        return -1;
    }
    body = (int64_t)(b.len - hdr);

    unsigned char *p = serde->wbuf;
    if (serde->registry) {
        p[0] = 0x00;
        p[1] = (unsigned char)((uint32_t)sid >> 24);
        p[2] = (unsigned char)((uint32_t)sid >> 16);
        p[3] = (unsigned char)((uint32_t)sid >> 8);
        p[4] = (unsigned char)sid;
    } else {
        p[0] = RC_SO_MAGIC0;
        p[1] = RC_SO_MAGIC1;
        for (int i = 0; i < 8; i++)
            p[2 + i] = (unsigned char)(s->fp >> (8 * i));
    }
    if (!(*out = malloc(hdr + (size_t)body))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    memcpy(*out, serde->wbuf, hdr + (size_t)body);
    *out_len = hdr + (size_t)body;
    return 0;
}

/* Finds or builds how to read registry schema "id" into our schema
 * "expected". */
static rc_writer_t *rc_serde_writer_get(rc_serde_t *serde, int32_t id, rc_schema_id_t expected, char *errstr,
                                        size_t errstr_size) {
    rc_serde_schema_t *rs = &serde->schemas[expected];
    rc_writer_t *w;
    const char *text;
    char *pcf = NULL, err[256];

    for (w = serde->writers; w; w = w->next)
        if (w->id == id && w->reader == expected)
            return w;
    if (!(text = rc_schema_registry_get_by_id(serde->registry, id, errstr, errstr_size))) {
        serde->last_retriable = rc_schema_registry_error_is_retriable(serde->registry);
        return NULL;
    }
    if (!(w = calloc(1, sizeof(*w)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    w->id = id;
    w->reader = expected;
    if (avro_schema_from_json_length(text, strlen(text), &w->schema)) {
        w->schema = NULL;
        snprintf(errstr, errstr_size, "schema id %" PRId32 " from the registry does not parse: %s", id,
                 avro_strerror());
        goto fail;
    }
    if (!(pcf = rc_avro_canonical_form(text, err, sizeof(err)))) {
        snprintf(errstr, errstr_size, "schema id %" PRId32 " from the registry: %s", id, err);
        goto fail;
    }
    if (rc_avro_fingerprint64(pcf, strlen(pcf)) == rs->fp) {
        w->direct = 1;
    } else if (rc_plan_init(&w->wplan, text, err, sizeof(err))) {
        snprintf(errstr, errstr_size, "schema id %" PRId32 ": %s", id, err);
        goto fail;
    } else if ((w->resolver = avro_resolved_writer_new(w->schema, rs->schema)) != NULL) {
        if (avro_resolved_writer_new_value(w->resolver, &w->resolved)) {
            snprintf(errstr, errstr_size, "schema id %" PRId32 ": %s", id, avro_strerror());
            goto fail;
        }
        w->has_resolved = 1;
        avro_resolved_writer_set_dest(&w->resolved, &rs->value);
    } else {
        /* avro-c could not resolve; read in the writer's schema and convert
         * through JSON, where the reader's defaults are known. */
        if (!(w->wiface = avro_generic_class_from_schema(w->schema)) || avro_generic_value_new(w->wiface, &w->wvalue)) {
            snprintf(errstr, errstr_size, "schema id %" PRId32 ": %s", id, avro_strerror());
            goto fail;
        }
        w->has_wvalue = 1;
    }
    free(pcf);
    w->next = serde->writers;
    serde->writers = w;
    return w;
fail:
    free(pcf);
    rc_writer_destroy(w);
    return NULL;
}

/* Checks one Avro body against "plan" (see rc_validate). */
static int rc_check_body(const rc_node_t *plan, const unsigned char *body, size_t len, const char *what, char *errstr,
                         size_t errstr_size) {
    rc_rd_t rd = {body, body + len};
    rc_conv_t cv;
    char prefix[160];

    cv.path[0] = cv.msg[0] = '\0';
    if (rc_validate(&cv, plan, &rd, 0)) {
        snprintf(prefix, sizeof(prefix), "%s: truncated or corrupt record body (%zu bytes): ", what, len);
        rc_conv_errstr(&cv, prefix, errstr, errstr_size);
        return -1;
    }
    if (rd.p != rd.end) {
        snprintf(errstr, errstr_size, "%s: %td trailing bytes after the record body (%td bytes)", what, rd.end - rd.p,
                 rd.p - body);
        return -1;
    }
    return 0;
}

/* Checks one Avro body (written in "plan"'s schema) and reads it straight
 * into JSON (the direct reader). */
static json_t *rc_read_body_direct(const rc_node_t *plan, const unsigned char *body, size_t len, const char *what,
                                   char *errstr, size_t errstr_size) {
    rc_rd_t rd = {body, body + len};
    rc_conv_t cv = {.path = "", .msg = "", .lenient = 0};
    json_t *obj;

    if (rc_check_body(plan, body, len, what, errstr, errstr_size))
        return NULL;
    if (!(obj = rc_read_json(&cv, plan, &rd)))
        rc_conv_errstr(&cv, "decoded record: ", errstr, errstr_size);
    return obj;
}

/* Checks one Avro body against "plan" and reads it into "value" with
 * avro-c. */
static int rc_serde_read_body(rc_serde_t *serde, const rc_node_t *plan, const unsigned char *body, size_t len,
                              avro_value_t *value, const char *what, char *errstr, size_t errstr_size) {
    if (rc_check_body(plan, body, len, what, errstr, errstr_size))
        return -1;
    avro_reader_memory_set_source(serde->reader, (const char *)body, (int64_t)len);
    if (avro_value_read(serde->reader, value)) {
        snprintf(errstr, errstr_size, "%s: cannot read record body: %s", what, avro_strerror());
        return -1;
    }
    return 0;
}

json_t *rc_serde_decode(rc_serde_t *serde, rc_schema_id_t expected, const void *buf, size_t len, char *errstr,
                        size_t errstr_size) {
    const unsigned char *p = buf;
    rc_serde_schema_t *rs;
    rc_conv_t cv;
    json_t *obj = NULL, *wobj = NULL;
    char what[96];

    serde->last_retriable = 0;
    if ((unsigned)expected >= RC_SCHEMA__CNT) {
        snprintf(errstr, errstr_size, "unknown schema %d", (int)expected);
        return NULL;
    }
    rs = &serde->schemas[expected];
    cv.path[0] = cv.msg[0] = '\0';
    cv.lenient = 0;
    if (!buf || len == 0) {
        snprintf(errstr, errstr_size, "empty record (expected %s)", rc_schema_names[expected]);
        return NULL;
    }
    if (p[0] == RC_SO_MAGIC0) {
        uint64_t fp = 0;
        if (len < RC_SO_HDR) {
            snprintf(errstr, errstr_size, "truncated record: %zu bytes is shorter than the single-object header", len);
            return NULL;
        }
        if (p[1] != RC_SO_MAGIC1) {
            snprintf(errstr, errstr_size, "unknown magic 0x%02x 0x%02x (single-object encoding is 0xC3 0x01)", p[0],
                     p[1]);
            return NULL;
        }
        for (int i = 7; i >= 0; i--)
            fp = (fp << 8) | p[2 + i];
        if (fp != rs->fp) {
            for (int i = 0; i < RC_SCHEMA__CNT; i++) {
                if (serde->schemas[i].fp == fp) {
                    snprintf(errstr, errstr_size, "record is a %s (fingerprint 0x%016" PRIx64 "), expected %s",
                             rc_schema_names[i], fp, rc_schema_names[expected]);
                    return NULL;
                }
            }
            snprintf(errstr, errstr_size, "unknown schema fingerprint 0x%016" PRIx64 " (expected %s, 0x%016" PRIx64 ")",
                     fp, rc_schema_names[expected], rs->fp);
            return NULL;
        }
        return rc_read_body_direct(rs->plan.root, p + RC_SO_HDR, len - RC_SO_HDR, rc_schema_names[expected], errstr,
                                   errstr_size);
    } else if (p[0] == 0x00) {
        rc_writer_t *w;
        int32_t id;
        if (len < RC_CF_HDR) {
            snprintf(errstr, errstr_size, "truncated record: %zu bytes is shorter than the Confluent header", len);
            return NULL;
        }
        id = (int32_t)(((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4]);
        if (!serde->registry) {
            snprintf(errstr, errstr_size,
                     "record is in Confluent wire format (schema id %" PRId32 ") but no schema registry is configured",
                     id);
            return NULL;
        }
        if (!(w = rc_serde_writer_get(serde, id, expected, errstr, errstr_size)))
            return NULL;
        snprintf(what, sizeof(what), "schema id %" PRId32, id);
        if (w->direct) {
            /* Our own schema: the direct reader. */
            return rc_read_body_direct(rs->plan.root, p + RC_CF_HDR, len - RC_CF_HDR, what, errstr, errstr_size);
        } else if (w->has_resolved) {
            avro_value_reset(&rs->value);
            if (rc_serde_read_body(serde, w->wplan.root, p + RC_CF_HDR, len - RC_CF_HDR, &w->resolved, what, errstr,
                                   errstr_size))
                return NULL;
        } else {
            /* Writer schema -> JSON -> our schema (defaults filled, extra
             * fields dropped) -> JSON, so the result is exactly what a
             * record written with our schema would give. */
            avro_value_reset(&rs->value);
            avro_value_reset(&w->wvalue);
            if (rc_serde_read_body(serde, w->wplan.root, p + RC_CF_HDR, len - RC_CF_HDR, &w->wvalue, what, errstr,
                                   errstr_size))
                return NULL;
            if (!(wobj = rc_value_to_json(&cv, w->wplan.root, &w->wvalue))) {
                snprintf(what, sizeof(what), "schema id %" PRId32 ": ", id);
                rc_conv_errstr(&cv, what, errstr, errstr_size);
                return NULL;
            }
            cv.lenient = 1;
            if (rc_json_to_value(&cv, rs->plan.root, wobj, &rs->value)) {
                snprintf(what, sizeof(what), "schema id %" PRId32 " does not resolve to %s: ", id,
                         rc_schema_names[expected]);
                rc_conv_errstr(&cv, what, errstr, errstr_size);
                json_decref(wobj);
                return NULL;
            }
            json_decref(wobj);
        }
    } else {
        snprintf(errstr, errstr_size,
                 "unknown magic byte 0x%02x (expected 0xC3 for single-object encoding or 0x00 for Confluent framing)",
                 p[0]);
        return NULL;
    }

    if (!(obj = rc_value_to_json(&cv, rs->plan.root, &rs->value)))
        rc_conv_errstr(&cv, "decoded record: ", errstr, errstr_size);
    return obj;
}

int rc_avro_encode_body(const char *schema_json, const json_t *obj, int reference, void **out, size_t *out_len,
                        char *errstr, size_t errstr_size) {
    rc_plan_t plan;
    rc_conv_t cv = {.path = "", .msg = "", .lenient = 0};
    avro_schema_t schema = NULL;
    avro_value_iface_t *iface = NULL;
    avro_value_t value;
    int has_value = 0, ret = -1;
    rc_wbuf_t b = {NULL, 0, 0, RC_SERDE_MAX_RECORD, 0};
    avro_writer_t writer = NULL;

    *out = NULL;
    *out_len = 0;
    if (rc_plan_init(&plan, schema_json, errstr, errstr_size))
        return -1;
    if (!(b.buf = malloc(b.cap = 256))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    if (!reference) {
        if (rc_json_write(&cv, plan.root, obj, &b)) {
            rc_conv_errstr(&cv, NULL, errstr, errstr_size);
            goto out;
        }
    } else {
        if (rc_serde_avro_init("schema", schema_json, &schema, &iface, &value, &has_value, errstr, errstr_size))
            goto out;
        if (rc_json_to_value(&cv, plan.root, obj, &value)) {
            rc_conv_errstr(&cv, NULL, errstr, errstr_size);
            goto out;
        }
        /* avro-c's memory writer cannot grow: retry with twice the room. */
        for (;; b.cap *= 2) {
            unsigned char *nb = b.cap > RC_SERDE_MAX_RECORD ? NULL : realloc(b.buf, b.cap);
            if (!nb) {
                snprintf(errstr, errstr_size, "record too large, or out of memory");
                goto out;
            }
            b.buf = nb;
            if (writer)
                avro_writer_free(writer);
            if (!(writer = avro_writer_memory((const char *)b.buf, (int64_t)b.cap))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
            }
            if (!avro_value_write(writer, &value))
                break;
        }
        b.len = (size_t)avro_writer_tell(writer);
    }
    *out = b.buf;
    *out_len = b.len;
    b.buf = NULL;
    ret = 0;
out:
    free(b.buf);
    if (writer)
        avro_writer_free(writer);
    rc_avro_generic_release(&value, has_value, iface, schema);
    rc_plan_clear(&plan);
    return ret;
}

struct rc_avro_body_reader {
    rc_plan_t plan;
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value; /* reset before every read */
    int has_value;
    avro_reader_t reader;
};

void rc_avro_body_reader_destroy(rc_avro_body_reader_t *r) {
    if (!r)
        return;
    if (r->reader)
        avro_reader_free(r->reader);
    rc_avro_generic_release(&r->value, r->has_value, r->iface, r->schema);
    rc_plan_clear(&r->plan);
    free(r);
}

rc_avro_body_reader_t *rc_avro_body_reader_new(const char *schema_json, char *errstr, size_t errstr_size) {
    static const char empty[1];
    rc_avro_body_reader_t *r = calloc(1, sizeof(*r));

    if (!r) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (rc_plan_init(&r->plan, schema_json, errstr, errstr_size) ||
        rc_serde_avro_init("schema", schema_json, &r->schema, &r->iface, &r->value, &r->has_value, errstr,
                           errstr_size))
        goto fail;
    if (!(r->reader = avro_reader_memory(empty, 0))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    return r;
fail:
    rc_avro_body_reader_destroy(r);
    return NULL;
}

json_t *rc_avro_body_read(rc_avro_body_reader_t *r, const void *body, size_t len, int reference, char *errstr,
                          size_t errstr_size) {
    rc_conv_t cv = {.path = "", .msg = "", .lenient = 0};
    json_t *obj;

    if (!reference)
        return rc_read_body_direct(r->plan.root, body, len, "record", errstr, errstr_size);
    if (rc_check_body(r->plan.root, body, len, "record", errstr, errstr_size))
        return NULL;
    avro_value_reset(&r->value);
    avro_reader_memory_set_source(r->reader, body, (int64_t)len);
    if (avro_value_read(r->reader, &r->value)) {
        snprintf(errstr, errstr_size, "record: cannot read record body: %s", avro_strerror());
        return NULL;
    }
    if (!(obj = rc_value_to_json(&cv, r->plan.root, &r->value)))
        rc_conv_errstr(&cv, "decoded record: ", errstr, errstr_size);
    return obj;
}

json_t *rc_avro_decode_body(const char *schema_json, const void *body, size_t len, int reference, char *errstr,
                            size_t errstr_size) {
    rc_avro_body_reader_t *r = rc_avro_body_reader_new(schema_json, errstr, errstr_size);
    json_t *obj = r ? rc_avro_body_read(r, body, len, reference, errstr, errstr_size) : NULL;
    rc_avro_body_reader_destroy(r);
    return obj;
}
