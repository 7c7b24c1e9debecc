/*
 * Avro "Parsing Canonical Form" and the CRC-64-AVRO (Rabin) fingerprint, as
 * the Avro specification defines them ("Parsing Canonical Form for Schemas"
 * and "Schema Fingerprints"). The single-object encoding puts the
 * fingerprint of the canonical form in front of every record, so these two
 * functions decide whether another Avro library can read what we write.
 *
 * The canonical form is produced by walking the schema JSON (jansson) and
 * applying the spec's transformations while writing:
 *   [PRIMITIVES] {"type":"int"} is written "int";
 *   [FULLNAMES]  names are written as full names, namespaces dropped;
 *   [STRIP]      only type, name, fields, symbols, items, values, size kept;
 *   [ORDER]      those keys are written in exactly that order;
 *   [STRINGS]    strings are written as UTF-8, not \u escapes;
 *   [INTEGERS]   "size" is written as a bare integer without leading zeros;
 *   [WHITESPACE] nothing outside string literals is whitespace.
 *
 * Pure: no I/O, no global state except the fingerprint table, which is
 * built once (thread-safely) on first use.
 */
#include "serde.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable output buffer. */
typedef struct {
    char *buf;
    size_t len;
    size_t cap;
    int oom;
} rc_canon_buf_t;

/* The full names defined so far, so a later reference can be resolved. */
typedef struct {
    char **names;
    size_t cnt;
    size_t cap;
} rc_canon_names_t;

typedef struct {
    rc_canon_buf_t out;
    rc_canon_names_t names;
    char *errstr;
    size_t errstr_size;
    int depth;
} rc_canon_ctx_t;

/* Deep enough for any real schema; bounds recursion on hostile input. */
#define RC_CANON_MAX_DEPTH 64

static const char *const rc_avro_primitives[] = {"null",  "boolean", "int",   "long",
                                                 "float", "double",  "bytes", "string"};

static int rc_canon_is_primitive(const char *s) {
    for (size_t i = 0; i < sizeof(rc_avro_primitives) / sizeof(rc_avro_primitives[0]); i++)
        if (!strcmp(s, rc_avro_primitives[i]))
            return 1;
    return 0;
}

static void rc_canon_err(rc_canon_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rc_canon_err(rc_canon_ctx_t *ctx, const char *fmt, ...) {
    va_list ap;
    if (!ctx->errstr || !ctx->errstr_size)
        return;
    va_start(ap, fmt);
    vsnprintf(ctx->errstr, ctx->errstr_size, fmt, ap);
    va_end(ap);
}

static void rc_canon_put(rc_canon_buf_t *b, const char *s, size_t n) {
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *nb = realloc(b->buf, ncap);
        if (!nb) {
            b->oom = 1;
            return;
        }
        b->buf = nb;
        b->cap = ncap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void rc_canon_puts(rc_canon_buf_t *b, const char *s) { rc_canon_put(b, s, strlen(s)); }

/* [STRINGS]: characters are written as themselves (UTF-8); only what JSON
 * cannot hold unescaped (quote, backslash, control characters) is escaped,
 * since the result must still be JSON. */
static void rc_canon_put_string(rc_canon_buf_t *b, const char *s, size_t n) {
    size_t run = 0;

    rc_canon_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        rc_canon_put(b, s + run, i - run);
        run = i + 1;
        char esc[8];
        switch (c) {
        case '"': rc_canon_put(b, "\\\"", 2); break;
        case '\\': rc_canon_put(b, "\\\\", 2); break;
        case '\b': rc_canon_put(b, "\\b", 2); break;
        case '\f': rc_canon_put(b, "\\f", 2); break;
        case '\n': rc_canon_put(b, "\\n", 2); break;
        case '\r': rc_canon_put(b, "\\r", 2); break;
        case '\t': rc_canon_put(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            rc_canon_put(b, esc, 6);
        }
    }
    rc_canon_put(b, s + run, n - run);
    rc_canon_put(b, "\"", 1);
}

static int rc_canon_name_defined(const rc_canon_names_t *n, const char *full) {
    for (size_t i = 0; i < n->cnt; i++)
        if (!strcmp(n->names[i], full))
            return 1;
    return 0;
}

static int rc_canon_name_add(rc_canon_ctx_t *ctx, const char *full) {
    rc_canon_names_t *n = &ctx->names;

    if (rc_canon_name_defined(n, full)) {
        rc_canon_err(ctx, "type %s is defined twice", full);
        return -1;
    }
    if (n->cnt == n->cap) {
        size_t ncap = n->cap ? n->cap * 2 : 16;
        char **nn = realloc(n->names, ncap * sizeof(*nn));
        if (!nn)
            goto oom;
        n->names = nn;
        n->cap = ncap;
    }
    if (!(n->names[n->cnt] = strdup(full)))
        goto oom;
    n->cnt++;
    return 0;
oom:
    rc_canon_err(ctx, "out of memory");
    return -1;
}

/* Avro names are [A-Za-z_][A-Za-z0-9_]* components joined by dots. */
static int rc_canon_valid_fullname(const char *s) {
    int start = 1;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (start)
                return 0;
            start = 1;
            continue;
        }
        if (!(isalpha((unsigned char)*s) || *s == '_' || (!start && isdigit((unsigned char)*s))))
            return 0;
        start = 0;
    }
    return !start;
}

/* Full name of a definition: a dotted "name" is already full; otherwise the
 * "namespace" attribute, else the enclosing namespace, qualifies it. */
static char *rc_canon_fullname(const char *name, const char *ns_attr, const char *enclosing) {
    const char *ns = ns_attr ? ns_attr : enclosing;
    char *full;

    if (strchr(name, '.') || !ns || !*ns)
        return strdup(name);
    if (asprintf(&full, "%s.%s", ns, name) < 0)
        return NULL;
    return full;
}

/* The namespace a full name's nested definitions inherit. */
static char *rc_canon_namespace_of(const char *full) {
    const char *dot = strrchr(full, '.');
    return dot ? strndup(full, (size_t)(dot - full)) : strdup("");
}

static int rc_canon_schema(rc_canon_ctx_t *ctx, json_t *s, const char *ns);

/* A type given by name: a primitive or a reference to a defined named type. */
static int rc_canon_reference(rc_canon_ctx_t *ctx, const char *name, const char *ns) {
    char *full = NULL;
    int ret = -1;

    if (rc_canon_is_primitive(name)) {
        rc_canon_put_string(&ctx->out, name, strlen(name));
        return 0;
    }
    if (!(full = rc_canon_fullname(name, NULL, ns))) {
        rc_canon_err(ctx, "out of memory");
        goto out;
    }
    /* A bare name inside a namespace may still name a type in the null
     * namespace, which is what the reference implementations accept. */
    if (!rc_canon_name_defined(&ctx->names, full) && strcmp(full, name) &&
        rc_canon_name_defined(&ctx->names, name)) {
        free(full);
        full = strdup(name);
        if (!full) {
            rc_canon_err(ctx, "out of memory");
            goto out;
        }
    }
    if (!rc_canon_name_defined(&ctx->names, full)) {
        rc_canon_err(ctx, "unknown type \"%s\"", name);
        goto out;
    }
    rc_canon_put_string(&ctx->out, full, strlen(full));
    ret = 0;
out:
    free(full);
    return ret;
}

/* Record, enum and fixed: writes "name" and "type", returns the namespace
 * nested definitions inherit (malloc'd) or NULL on error. */
static char *rc_canon_named_head(rc_canon_ctx_t *ctx, json_t *s, const char *type, const char *ns) {
    json_t *jname = json_object_get(s, "name"), *jns = json_object_get(s, "namespace");
    char *full = NULL, *inner = NULL;

    if (!json_is_string(jname)) {
        rc_canon_err(ctx, "%s without a \"name\"", type);
        return NULL;
    }
    if (jns && !json_is_string(jns) && !json_is_null(jns)) {
        rc_canon_err(ctx, "%s %s: \"namespace\" must be a string", type, json_string_value(jname));
        return NULL;
    }
    full = rc_canon_fullname(json_string_value(jname), json_is_string(jns) ? json_string_value(jns) : NULL, ns);
    if (!full) {
        rc_canon_err(ctx, "out of memory");
        return NULL;
    }
    if (!rc_canon_valid_fullname(full)) {
        rc_canon_err(ctx, "invalid %s name \"%s\"", type, full);
        goto out;
    }
    if (rc_canon_is_primitive(full)) {
        rc_canon_err(ctx, "%s name \"%s\" is a primitive type name", type, full);
        goto out;
    }
    /* Defined before its fields are walked, so a record may refer to
     * itself (a recursive type). */
    if (rc_canon_name_add(ctx, full))
        goto out;
    rc_canon_puts(&ctx->out, "{\"name\":");
    rc_canon_put_string(&ctx->out, full, strlen(full));
    rc_canon_puts(&ctx->out, ",\"type\":");
    rc_canon_put_string(&ctx->out, type, strlen(type));
    if (!(inner = rc_canon_namespace_of(full)))
        rc_canon_err(ctx, "out of memory");
out:
    free(full);
    return inner;
}

static int rc_canon_record(rc_canon_ctx_t *ctx, json_t *s, const char *ns) {
    json_t *fields = json_object_get(s, "fields");
    char *inner;
    int ret = -1;

    if (!(inner = rc_canon_named_head(ctx, s, "record", ns)))
        return -1;
    if (!json_is_array(fields)) {
        rc_canon_err(ctx, "record %s: \"fields\" must be an array", json_string_value(json_object_get(s, "name")));
        goto out;
    }
    rc_canon_puts(&ctx->out, ",\"fields\":[");
    for (size_t i = 0; i < json_array_size(fields); i++) {
        json_t *f = json_array_get(fields, i);
        json_t *fname = json_object_get(f, "name"), *ftype = json_object_get(f, "type");
        if (!json_is_string(fname) || !ftype) {
            rc_canon_err(ctx, "record %s: field %zu needs a \"name\" and a \"type\"",
                         json_string_value(json_object_get(s, "name")), i);
            goto out;
        }
        if (i)
            rc_canon_puts(&ctx->out, ",");
        rc_canon_puts(&ctx->out, "{\"name\":");
        rc_canon_put_string(&ctx->out, json_string_value(fname), json_string_length(fname));
        rc_canon_puts(&ctx->out, ",\"type\":");
        if (rc_canon_schema(ctx, ftype, inner))
            goto out;
        rc_canon_puts(&ctx->out, "}");
    }
    rc_canon_puts(&ctx->out, "]}");
    ret = 0;
out:
    free(inner);
    return ret;
}

static int rc_canon_enum(rc_canon_ctx_t *ctx, json_t *s, const char *ns) {
    json_t *symbols = json_object_get(s, "symbols");
    char *inner;
    int ret = -1;

    if (!(inner = rc_canon_named_head(ctx, s, "enum", ns)))
        return -1;
    if (!json_is_array(symbols)) {
        rc_canon_err(ctx, "enum %s: \"symbols\" must be an array", json_string_value(json_object_get(s, "name")));
        goto out;
    }
    rc_canon_puts(&ctx->out, ",\"symbols\":[");
    for (size_t i = 0; i < json_array_size(symbols); i++) {
        json_t *sym = json_array_get(symbols, i);
        if (!json_is_string(sym)) {
            rc_canon_err(ctx, "enum %s: symbols must be strings", json_string_value(json_object_get(s, "name")));
            goto out;
        }
        if (i)
            rc_canon_puts(&ctx->out, ",");
        rc_canon_put_string(&ctx->out, json_string_value(sym), json_string_length(sym));
    }
    rc_canon_puts(&ctx->out, "]}");
    ret = 0;
out:
    free(inner);
    return ret;
}

/* [INTEGERS]: "size" may arrive as a number or a quoted number; either
 * way it is written bare, without leading zeros. */
static int rc_canon_fixed(rc_canon_ctx_t *ctx, json_t *s, const char *ns) {
    json_t *size = json_object_get(s, "size");
    long long n = -1;
    char *inner, num[32];
    int ret = -1;

    if (!(inner = rc_canon_named_head(ctx, s, "fixed", ns)))
        return -1;
    if (json_is_integer(size)) {
        n = json_integer_value(size);
    } else if (json_is_string(size)) {
        const char *p = json_string_value(size);
        char *end;
        errno = 0;
        if (isdigit((unsigned char)*p)) {
            n = strtoll(p, &end, 10);
            if (*end || errno)
                n = -1;
        }
    }
    if (n < 0) {
        rc_canon_err(ctx, "fixed %s: \"size\" must be a non-negative integer",
                     json_string_value(json_object_get(s, "name")));
        goto out;
    }
    snprintf(num, sizeof(num), "%lld", n);
    rc_canon_puts(&ctx->out, ",\"size\":");
    rc_canon_puts(&ctx->out, num);
    rc_canon_puts(&ctx->out, "}");
    ret = 0;
out:
    free(inner);
    return ret;
}

static int rc_canon_object(rc_canon_ctx_t *ctx, json_t *s, const char *ns) {
    json_t *type = json_object_get(s, "type");
    const char *t;

    if (!type) {
        rc_canon_err(ctx, "schema object without a \"type\"");
        return -1;
    }
    /* {"type": {...}} or {"type": [...]}: the attribute holds the schema. */
    if (!json_is_string(type))
        return rc_canon_schema(ctx, type, ns);
    t = json_string_value(type);
    /* [PRIMITIVES]: any other attribute (logicalType, ...) is stripped. */
    if (rc_canon_is_primitive(t)) {
        rc_canon_put_string(&ctx->out, t, strlen(t));
        return 0;
    }
    /* Java's reference implementation writes an error type as a record. */
    if (!strcmp(t, "record") || !strcmp(t, "error"))
        return rc_canon_record(ctx, s, ns);
    if (!strcmp(t, "enum"))
        return rc_canon_enum(ctx, s, ns);
    if (!strcmp(t, "fixed"))
        return rc_canon_fixed(ctx, s, ns);
    if (!strcmp(t, "array")) {
        json_t *items = json_object_get(s, "items");
        if (!items) {
            rc_canon_err(ctx, "array without \"items\"");
            return -1;
        }
        rc_canon_puts(&ctx->out, "{\"type\":\"array\",\"items\":");
        if (rc_canon_schema(ctx, items, ns))
            return -1;
        rc_canon_puts(&ctx->out, "}");
        return 0;
    }
    if (!strcmp(t, "map")) {
        json_t *values = json_object_get(s, "values");
        if (!values) {
            rc_canon_err(ctx, "map without \"values\"");
            return -1;
        }
        rc_canon_puts(&ctx->out, "{\"type\":\"map\",\"values\":");
        if (rc_canon_schema(ctx, values, ns))
            return -1;
        rc_canon_puts(&ctx->out, "}");
        return 0;
    }
    /* {"type": "SomeRecord"} refers to a named type. */
    return rc_canon_reference(ctx, t, ns);
}

static int rc_canon_schema(rc_canon_ctx_t *ctx, json_t *s, const char *ns) {
    int ret = -1;

    if (++ctx->depth > RC_CANON_MAX_DEPTH) {
        rc_canon_err(ctx, "schema nested deeper than %d levels", RC_CANON_MAX_DEPTH);
        goto out;
    }
    switch (json_typeof(s)) {
    case JSON_STRING: ret = rc_canon_reference(ctx, json_string_value(s), ns); break;
    case JSON_OBJECT: ret = rc_canon_object(ctx, s, ns); break;
    case JSON_ARRAY:
        /* A union: its branches, in order. */
        rc_canon_puts(&ctx->out, "[");
        for (size_t i = 0; i < json_array_size(s); i++) {
            if (i)
                rc_canon_puts(&ctx->out, ",");
            if (rc_canon_schema(ctx, json_array_get(s, i), ns))
                goto out;
        }
        rc_canon_puts(&ctx->out, "]");
        ret = 0;
        break;
    default: rc_canon_err(ctx, "a schema must be a string, an object or an array");
    }
out:
    ctx->depth--;
    return ret;
}

char *rc_avro_canonical_form(const char *schema_json, char *errstr, size_t errstr_size) {
    rc_canon_ctx_t ctx;
    json_error_t jerr;
    json_t *doc = NULL;
    char *ret = NULL;

    memset(&ctx, 0, sizeof(ctx));
    ctx.errstr = errstr;
    ctx.errstr_size = errstr_size;
    if (!schema_json) {
        rc_canon_err(&ctx, "no schema given");
        return NULL;
    }
    /* JSON_DECODE_ANY: a schema may be a bare string such as "int". */
    doc = json_loads(schema_json, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        rc_canon_err(&ctx, "schema is not JSON (line %d column %d): %s", jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (rc_canon_schema(&ctx, doc, ""))
        goto out;
    if (ctx.out.oom) {
        rc_canon_err(&ctx, "out of memory");
        goto out;
    }
    ret = ctx.out.buf;
    ctx.out.buf = NULL;
out:
    free(ctx.out.buf);
    for (size_t i = 0; i < ctx.names.cnt; i++)
        free(ctx.names.names[i]);
    free(ctx.names.names);
    json_decref(doc);
    return ret;
}

/* CRC-64-AVRO: the spec's 64-bit Rabin fingerprint, table-driven one byte
 * at a time. EMPTY is both the polynomial and the initial value. */
#define RC_AVRO_FP_EMPTY 0xc15d213aa4d7a795ULL

static uint64_t rc_avro_fp_table[256];
static pthread_once_t rc_avro_fp_once = PTHREAD_ONCE_INIT;

static void rc_avro_fp_table_init(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t fp = i;
        for (int j = 0; j < 8; j++)
            fp = (fp >> 1) ^ (RC_AVRO_FP_EMPTY & (0 - (fp & 1)));
        rc_avro_fp_table[i] = fp;
    }
}

uint64_t rc_avro_fingerprint64(const void *buf, size_t len) {
    const unsigned char *p = buf;
    uint64_t fp = RC_AVRO_FP_EMPTY;

    pthread_once(&rc_avro_fp_once, rc_avro_fp_table_init);
    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ rc_avro_fp_table[(fp ^ p[i]) & 0xff];
    return fp;
}
