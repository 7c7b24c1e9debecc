/*
 * Binding a config section to a component's table (rc_config_entry_t[]):
 * unknown-key checks with hints, defaults, type conversion, bounds, and the
 * --help / Markdown rendering of the same table.
 *
 * Everything here works on an already loaded tree and does no I/O apart
 * from rc_config_table_print() writing to the FILE it is given.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct rc_binder {
    const rc_config_t *cfg;
    const char *section; /* "" for the root */
    const rc_config_entry_t *table;
    char *errstr;
    size_t errstr_size;
} rc_binder_t;

/* "where" prefix (file:line: or file: ) followed by the formatted message. */
static int rc_bind_err(const rc_binder_t *b, const rc_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int rc_bind_err(const rc_binder_t *b, const rc_node_t *node, const char *fmt, ...) {
    char where[300], msg[600];
    va_list ap;

    if (!b->errstr || !b->errstr_size)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rc_config_where(b->cfg, node, where, sizeof(where));
    snprintf(b->errstr, b->errstr_size, "%s%s", where, msg);
    return -1;
}

/* The separator between a section and a key: none at the root. */
static const char *rc_sep(const char *section) { return *section ? "." : ""; }

static const char *rc_shape(const rc_node_t *n) {
    return n->type == RC_NODE_MAP ? "a map" : n->type == RC_NODE_SEQ ? "a list" : "a single value";
}

/* Collects every node that "key" (dotted) can name below "map", taking each
 * dot either as a map level or as part of a key. More than one hit means the
 * same setting is written twice ("a.b: 1" next to "a: {b: 2}"). Returns the
 * number of hits; stores at most "max" of them. */
static int rc_find_all(const rc_node_t *map, const char *key, const rc_node_t **found, int max, int n) {
    if (!map || map->type != RC_NODE_MAP)
        return n;
    size_t klen = strlen(key);
    for (const rc_node_t *c = map->child; c; c = c->next) {
        size_t cl = strlen(c->key);
        if (cl == klen && !memcmp(c->key, key, klen)) {
            if (n < max)
                found[n] = c;
            n++;
        } else if (cl < klen && key[cl] == '.' && !memcmp(c->key, key, cl)) {
            n = rc_find_all(c, key + cl + 1, found, max, n);
        }
    }
    return n;
}

/* Looks "key" up once, reporting a setting given twice. *out is NULL when
 * the key is absent. */
static int rc_find_one(const rc_binder_t *b, const rc_node_t *map, const char *key, const char *shown,
                       const rc_node_t **out) {
    const rc_node_t *found[2] = {NULL, NULL};
    int n = rc_find_all(map, key, found, 2, 0);

    if (n > 1) {
        const rc_node_t *second = found[1]->line >= found[0]->line ? found[1] : found[0];
        const rc_node_t *first = second == found[1] ? found[0] : found[1];
        return rc_bind_err(b, second, "key '%s': given twice (also at line %d)", shown, first->line);
    }
    *out = found[0];
    return 0;
}

/* Returns 1 when "full" (a dotted key relative to the section) is an entry
 * (its index in *idx), 2 when it is a map level implied by dotted entry
 * names, 0 when the table does not know it. */
static int rc_classify(const rc_config_entry_t *table, const char *full, size_t *idx) {
    size_t len = strlen(full);

    for (size_t i = 0; table[i].name; i++) {
        if (!strcmp(table[i].name, full)) {
            *idx = i;
            return 1;
        }
    }
    for (size_t i = 0; table[i].name; i++)
        if (!strncmp(table[i].name, full, len) && table[i].name[len] == '.')
            return 2;
    return 0;
}

/* Builds the "did you mean" candidates: every entry name and every map level
 * its dots imply ("webhook.max_body" gives "webhook.max_body" and "webhook").
 * The result and its strings are malloc'd; free with rc_candidates_free(). */
static char **rc_candidates(const rc_config_entry_t *table) {
    size_t n = 0, k = 0;

    for (size_t i = 0; table[i].name; i++)
        for (const char *p = table[i].name; *p; p++)
            n += *p == '.';
    for (size_t i = 0; table[i].name; i++)
        n++;
    char **c = calloc(n + 1, sizeof(*c));
    if (!c)
        return NULL;
    for (size_t i = 0; table[i].name; i++) {
        const char *name = table[i].name;
        for (const char *p = name; *p; p++)
            if (*p == '.' && !(c[k++] = strndup(name, (size_t)(p - name))))
                goto oom;
        if (!(c[k++] = strdup(name)))
            goto oom;
    }
    return c;
oom:
    for (size_t i = 0; i < k; i++)
        free(c[i]);
    free(c);
    return NULL;
}

static void rc_candidates_free(char **c) {
    for (size_t i = 0; c && c[i]; i++)
        free(c[i]);
    free(c);
}

/* Rejects keys below "map" that the table does not name. "prefix" is the
 * dotted path from the section to "map" ("" at the section). Subtrees of
 * NODE/PASSTHROUGH entries belong to their component and are not entered. */
static int rc_check_map(const rc_binder_t *b, const rc_node_t *map, const char *prefix) {
    for (const rc_node_t *c = map->child; c; c = c->next) {
        char *full = NULL;
        size_t idx = 0;
        int r = 0;

        if (asprintf(&full, "%s%s%s", prefix, *prefix ? "." : "", c->key) < 0)
            return rc_bind_err(b, c, "out of memory");
        switch (rc_classify(b->table, full, &idx)) {
        case 1:
            break; /* the value's shape is checked when it is bound */
        case 2:
            if (c->type == RC_NODE_MAP)
                r = rc_check_map(b, c, full);
            else if (c->type != RC_NODE_SCALAR || c->value)
                r = rc_bind_err(b, c, "key '%s%s%s': expected a map, got %s", b->section, rc_sep(b->section), full,
                                rc_shape(c));
            break;
        default: {
            char **cand = rc_candidates(b->table);
            const char *hint = cand ? rc_did_you_mean(full, (const char *const *)cand) : NULL;
            if (hint)
                r = rc_bind_err(b, c, "unknown key '%s%s%s' (did you mean '%s%s%s'?)", b->section, rc_sep(b->section),
                                full, b->section, rc_sep(b->section), hint);
            else
                r = rc_bind_err(b, c, "unknown key '%s%s%s'", b->section, rc_sep(b->section), full);
            rc_candidates_free(cand);
            break;
        }
        }
        free(full);
        if (r)
            return r;
    }
    return 0;
}

/* Reads a non-negative decimal with an optional fraction ("1", "1.5") and
 * a unit suffix, scaling by "mult" for the unit found. Integer arithmetic
 * only, so "0.1s" is exactly 100 ms; a result that is not a whole number of
 * base units, or that overflows a long, is an error. */
static int rc_parse_scaled(const char *s, long mult, long *out, const char **reason) {
    long ip = 0, frac = 0, fscale = 1;
    const char *p = s;

    if (*p < '0' || *p > '9') {
        *reason = "expected a number";
        return -1;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (ip > (LONG_MAX - 9) / 10) {
            *reason = "number is too large";
            return -1;
        }
        ip = ip * 10 + (*p - '0');
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            *reason = "expected digits after '.'";
            return -1;
        }
        for (; *p >= '0' && *p <= '9'; p++) {
            if (fscale >= 1000000000L) { /* more than 9 decimals: ignore only zeros */
                if (*p != '0') {
                    *reason = "too many decimals";
                    return -1;
                }
                continue;
            }
            frac = frac * 10 + (*p - '0');
            fscale *= 10;
        }
    }
    if (*p) {
        *reason = "unexpected characters after the number";
        return -1;
    }
    if (ip > LONG_MAX / mult) {
        *reason = "value is too large";
        return -1;
    }
    /* frac < 1e9 times a unit up to 2^40 can exceed a long: check first. */
    if (frac && mult > LONG_MAX / frac) {
        *reason = "value is too precise";
        return -1;
    }
    long fpart = frac * mult;
    if (fpart % fscale) {
        *reason = "not a whole number of units";
        return -1;
    }
    if (ip * mult > LONG_MAX - fpart / fscale) {
        *reason = "value is too large";
        return -1;
    }
    *out = ip * mult + fpart / fscale;
    return 0;
}

/* Splits "text" into its number and its unit (letters at the end, optional
 * spaces before them). Returns the unit, and the number in "num". */
static const char *rc_split_unit(const char *text, char *num, size_t num_size) {
    size_t len = strlen(text), u = len;

    while (u > 0 && ((text[u - 1] >= 'a' && text[u - 1] <= 'z') || (text[u - 1] >= 'A' && text[u - 1] <= 'Z')))
        u--;
    size_t n = u;
    while (n > 0 && text[n - 1] == ' ')
        n--;
    if (n >= num_size)
        n = num_size - 1;
    memcpy(num, text, n);
    num[n] = '\0';
    return text + u;
}

static int rc_parse_duration(const char *text, long *ms, char *reason, size_t reason_size) {
    static const struct {
        const char *unit;
        long ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    char num[64];
    const char *why = NULL;
    const char *unit = rc_split_unit(text, num, sizeof(num));

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(unit, units[i].unit))
            continue;
        if (rc_parse_scaled(num, units[i].ms, ms, &why) == 0)
            return 0;
        snprintf(reason, reason_size, "expected a duration such as 250ms, 10s, 5m, 2h, 1d, got '%s' (%s)", text,
                 why);
        return -1;
    }
    snprintf(reason, reason_size, "unknown duration unit '%s' in '%s' (use ms, s, m, h or d)", unit, text);
    return -1;
}

static int rc_parse_size(const char *text, long *bytes, char *reason, size_t reason_size) {
    /* IEC units are powers of 1024, SI units powers of 1000, as their names
     * say; units are case-insensitive so "10kb" and "10KB" both mean 10000. */
    static const struct {
        const char *unit;
        long mult;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"k", 1000L},
                 {"kb", 1000L},
                 {"m", 1000000L},
                 {"mb", 1000000L},
                 {"g", 1000000000L},
                 {"gb", 1000000000L},
                 {"t", 1000000000000L},
                 {"tb", 1000000000000L},
                 {"ki", 1L << 10},
                 {"kib", 1L << 10},
                 {"mi", 1L << 20},
                 {"mib", 1L << 20},
                 {"gi", 1L << 30},
                 {"gib", 1L << 30},
                 {"ti", 1L << 40},
                 {"tib", 1L << 40}};
    char num[64];
    const char *why = NULL;
    const char *unit = rc_split_unit(text, num, sizeof(num));

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(unit, units[i].unit))
            continue;
        if (rc_parse_scaled(num, units[i].mult, bytes, &why) == 0)
            return 0;
        snprintf(reason, reason_size, "expected a size such as 512, 64KiB, 1MiB, 10kB, got '%s' (%s)", text, why);
        return -1;
    }
    snprintf(reason, reason_size, "unknown size unit '%s' in '%s' (use B, KiB, MiB, GiB, kB, MB or GB)", unit, text);
    return -1;
}

static int rc_parse_bool(const char *text, int *v) {
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(text, yes[i])) {
            *v = 1;
            return 0;
        }
        if (!strcasecmp(text, no[i])) {
            *v = 0;
            return 0;
        }
    }
    return -1;
}

/* Whether "text" is one of the '|'-separated "values". */
static int rc_enum_has(const char *values, const char *text) {
    size_t tl = strlen(text);

    for (const char *p = values; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == tl && !memcmp(p, text, l))
            return 1;
        p = bar ? bar + 1 : p + l;
    }
    return 0;
}

static int rc_check_bounds(const rc_config_entry_t *e, double v, char *reason, size_t reason_size) {
    if (!(e->min < e->max) || (v >= e->min && v <= e->max))
        return 0;
    if (e->type == RC_CT_DOUBLE)
        snprintf(reason, reason_size, "must be between %g and %g, got %g", e->min, e->max, v);
    else
        snprintf(reason, reason_size, "must be between %.0f and %.0f, got %.0f", e->min, e->max, v);
    return -1;
}

/* Converts "text" for entry "e" into "field". On failure writes the reason
 * and leaves "field" untouched. */
static int rc_convert(const rc_config_entry_t *e, const char *text, void *field, char *reason, size_t reason_size) {
    char *end = NULL;
    long l = 0;
    double d = 0;
    int bv = 0;

    switch (e->type) {
    case RC_CT_STRING:
    case RC_CT_ENUM: {
        if (e->type == RC_CT_ENUM && !rc_enum_has(e->enum_values, text)) {
            snprintf(reason, reason_size, "expected one of %s, got '%s'", e->enum_values ? e->enum_values : "(none)",
                     text);
            return -1;
        }
        char *copy = strdup(text);
        if (!copy) {
            snprintf(reason, reason_size, "out of memory");
            return -1;
        }
        *(char **)field = copy;
        return 0;
    }
    case RC_CT_INT:
        errno = 0;
        l = strtol(text, &end, 10);
        if (!*text || *end || end == text || text[0] == ' ' || text[0] == '\t') {
            snprintf(reason, reason_size, "expected an integer, got '%s'", text);
            return -1;
        }
        if (errno == ERANGE) {
            snprintf(reason, reason_size, "integer '%s' is out of range", text);
            return -1;
        }
        if (rc_check_bounds(e, (double)l, reason, reason_size))
            return -1;
        *(long *)field = l;
        return 0;
    case RC_CT_DOUBLE:
        errno = 0;
        d = strtod(text, &end);
        if (!*text || *end || end == text || text[0] == ' ' || text[0] == '\t' || !isfinite(d)) {
            snprintf(reason, reason_size, "expected a number, got '%s'", text);
            return -1;
        }
        if (errno == ERANGE && fabs(d) > 1.0) {
            snprintf(reason, reason_size, "number '%s' is out of range", text);
            return -1;
        }
        if (rc_check_bounds(e, d, reason, reason_size))
            return -1;
        *(double *)field = d;
        return 0;
    case RC_CT_BOOL:
        if (rc_parse_bool(text, &bv)) {
            snprintf(reason, reason_size, "expected true or false (also yes/no, on/off, 1/0), got '%s'", text);
            return -1;
        }
        *(int *)field = bv;
        return 0;
    case RC_CT_DURATION:
    case RC_CT_SIZE:
        if (e->type == RC_CT_DURATION ? rc_parse_duration(text, &l, reason, reason_size)
                                      : rc_parse_size(text, &l, reason, reason_size))
            return -1;
        if (rc_check_bounds(e, (double)l, reason, reason_size))
            return -1;
        *(long *)field = l;
        return 0;
    default:
        snprintf(reason, reason_size, "entry type %d cannot take a value", (int)e->type);
        return -1;
    }
}

/* Zero value for a field whose key is absent with no default. */
static void rc_zero_field(const rc_config_entry_t *e, void *field) {
    switch (e->type) {
    case RC_CT_STRING:
    case RC_CT_ENUM:
        *(char **)field = NULL;
        break;
    case RC_CT_INT:
    case RC_CT_DURATION:
    case RC_CT_SIZE:
        *(long *)field = 0;
        break;
    case RC_CT_DOUBLE:
        *(double *)field = 0;
        break;
    case RC_CT_BOOL:
        *(int *)field = 0;
        break;
    case RC_CT_NODE:
    case RC_CT_PASSTHROUGH:
        *(const rc_node_t **)field = NULL;
        break;
    }
}

static int rc_bind_entry(const rc_binder_t *b, const rc_config_entry_t *e, const rc_node_t *sec, void *out) {
    const char *s = b->section, *sep = rc_sep(b->section);
    void *field = (char *)out + e->offset;
    const rc_node_t *node = NULL;
    char shown[512], reason[400];

    snprintf(shown, sizeof(shown), "%s%s%s", s, sep, e->name);
    if (rc_find_one(b, sec, e->name, shown, &node))
        return -1;

    if (e->type == RC_CT_NODE || e->type == RC_CT_PASSTHROUGH) {
        /* "kafka:" with nothing after it means "no properties". */
        if (e->type == RC_CT_PASSTHROUGH && node && node->type == RC_NODE_SCALAR && !node->value)
            node = NULL;
        if (e->type == RC_CT_PASSTHROUGH && node && node->type != RC_NODE_MAP)
            return rc_bind_err(b, node, "key '%s': expected a map, got %s", shown, rc_shape(node));
        if (!node && e->required)
            return rc_bind_err(b, sec, "key '%s': required but not set", shown);
        *(const rc_node_t **)field = node;
        return 0;
    }

    if (node && node->type != RC_NODE_SCALAR)
        return rc_bind_err(b, node, "key '%s': expected a single value, got %s", shown, rc_shape(node));
    const char *text = node ? node->value : NULL; /* a YAML null means "not set" */
    if (!text) {
        if (!e->def) {
            if (e->required)
                return rc_bind_err(b, node ? node : sec, "key '%s': required but not set", shown);
            rc_zero_field(e, field);
            return 0;
        }
        /* A bad default is a bug in the component's table, not in the
         * user's file; say so rather than blaming a line. */
        if (rc_convert(e, e->def, field, reason, sizeof(reason)))
            return rc_bind_err(b, NULL, "key '%s': bad built-in default '%s': %s", shown, e->def, reason);
        return 0;
    }
    if (rc_convert(e, text, field, reason, sizeof(reason)))
        return rc_bind_err(b, node, "key '%s': %s", shown, reason);
    return 0;
}

int rc_config_bind(const rc_config_t *cfg, const char *section, const rc_config_entry_t *table, void *out,
                   char *errstr, size_t errstr_size) {
    rc_binder_t b = {.cfg = cfg, .section = section ? section : "", .table = table, .errstr = errstr,
                     .errstr_size = errstr_size};
    const rc_node_t *sec = NULL;
    size_t i = 0;

    if (!cfg || !cfg->root || !table || !out)
        return rc_bind_err(&b, NULL, "rc_config_bind: missing argument");
    if (!*b.section) {
        sec = cfg->root;
    } else {
        if (rc_find_one(&b, cfg->root, b.section, b.section, &sec))
            return -1;
        if (sec && sec->type == RC_NODE_SCALAR && !sec->value)
            sec = NULL; /* "ingest:" alone: every key at its default */
        if (sec && sec->type != RC_NODE_MAP)
            return rc_bind_err(&b, sec, "key '%s': expected a map, got %s", b.section, rc_shape(sec));
    }
    /* Unknown keys first: a misspelt key would otherwise surface as a
     * confusing "required but not set" for the key it was meant to be. */
    if (sec && rc_check_map(&b, sec, ""))
        return -1;
    for (i = 0; table[i].name; i++) {
        if (rc_bind_entry(&b, &table[i], sec, out) == -1)
            goto fail;
    }
    if (errstr && errstr_size)
        errstr[0] = '\0';
    return 0;
fail:
    /* Leave no strings behind from the entries already bound, so a caller
     * that just reports the error leaks nothing. */
    for (size_t j = 0; j < i; j++) {
        if (table[j].type == RC_CT_STRING || table[j].type == RC_CT_ENUM) {
            char **p = (char **)((char *)out + table[j].offset);
            free(*p);
            *p = NULL;
        }
    }
    return -1;
}

void rc_config_table_free(const rc_config_entry_t *table, void *out) {
    if (!table || !out)
        return;
    for (size_t i = 0; table[i].name; i++) {
        if (table[i].type == RC_CT_STRING || table[i].type == RC_CT_ENUM) {
            char **p = (char **)((char *)out + table[i].offset);
            free(*p);
            *p = NULL;
        }
    }
}

int rc_config_check_keys(const rc_config_t *cfg, const rc_node_t *map, const char *where,
                         const char *const *allowed, char *errstr, size_t errstr_size) {
    rc_binder_t b = {.cfg = cfg, .section = where ? where : "", .errstr = errstr, .errstr_size = errstr_size};

    if (!map)
        map = cfg ? cfg->root : NULL;
    if (!map || (map->type == RC_NODE_SCALAR && !map->value))
        return 0;
    if (map->type != RC_NODE_MAP)
        return rc_bind_err(&b, map, "key '%s': expected a map, got %s", b.section, rc_shape(map));
    for (const rc_node_t *c = map->child; c; c = c->next) {
        int known = 0;
        for (size_t i = 0; allowed && allowed[i] && !known; i++)
            known = !strcmp(allowed[i], c->key);
        if (known)
            continue;
        const char *hint = allowed ? rc_did_you_mean(c->key, allowed) : NULL;
        const char *what = *b.section ? "unknown key" : "unknown top-level key";
        const char *sep = rc_sep(b.section);
        if (hint)
            return rc_bind_err(&b, c, "%s '%s%s%s' (did you mean '%s%s%s'?)", what, b.section, sep, c->key, b.section,
                               sep, hint);
        return rc_bind_err(&b, c, "%s '%s%s%s'", what, b.section, sep, c->key);
    }
    if (errstr && errstr_size)
        errstr[0] = '\0';
    return 0;
}

/* Type column text: "int 1..65535", "json|avro", "duration", ... */
static void rc_type_text(const rc_config_entry_t *e, char *buf, size_t size) {
    static const char *names[] = {"string", "int", "number", "bool", "enum", "duration", "size", "any", "map"};
    const char *name = (size_t)e->type < sizeof(names) / sizeof(names[0]) ? names[e->type] : "?";

    if (e->type == RC_CT_ENUM && e->enum_values)
        snprintf(buf, size, "%s", e->enum_values);
    else if (e->min < e->max && e->type == RC_CT_DOUBLE)
        snprintf(buf, size, "%s %g..%g", name, e->min, e->max);
    else if (e->min < e->max && (e->type == RC_CT_INT || e->type == RC_CT_DURATION || e->type == RC_CT_SIZE))
        snprintf(buf, size, "%s %.0f..%.0f%s", name, e->min, e->max,
                 e->type == RC_CT_DURATION ? "ms" : e->type == RC_CT_SIZE ? "B" : "");
    else
        snprintf(buf, size, "%s", name);
}

/* Default column text for --help: "(default X)", "(required)" or "". */
static void rc_default_text(const rc_config_entry_t *e, char *buf, size_t size) {
    if (e->def && (strchr(e->def, '\n') || strlen(e->def) > 40)) {
        /* Long templates would swamp the column; --help shows their start. */
        size_t o = (size_t)snprintf(buf, size, "(default ");
        for (const char *p = e->def; *p && o + 8 < size && p - e->def < 32; p++)
            buf[o++] = *p == '\n' ? ' ' : *p;
        snprintf(buf + o, size - o, "...)");
    } else if (e->def)
        snprintf(buf, size, "(default %s)", e->def);
    else
        snprintf(buf, size, "%s", e->required ? "(required)" : "");
}

/* Writes "s" with '|' escaped, as Markdown table cells need. */
static void rc_md_cell(FILE *fp, const char *s) {
    for (; s && *s; s++) {
        if (*s == '\n') { /* a cell is one line: show newlines as \n */
            fputs("\\n", fp);
            continue;
        }
        if (*s == '|')
            fputc('\\', fp);
        fputc(*s, fp);
    }
}

void rc_config_table_print(FILE *fp, const char *section, const rc_config_entry_t *table, int markdown) {
    const char *s = section ? section : "", *sep = rc_sep(s);
    char type[160], def[160];
    int kw = 0, tw = 0, dw = 0;

    if (!fp || !table)
        return;
    for (size_t i = 0; table[i].name; i++) {
        int k = (int)(strlen(s) + strlen(sep) + strlen(table[i].name));
        rc_type_text(&table[i], type, sizeof(type));
        rc_default_text(&table[i], def, sizeof(def));
        kw = k > kw ? k : kw;
        tw = (int)strlen(type) > tw ? (int)strlen(type) : tw;
        dw = (int)strlen(def) > dw ? (int)strlen(def) : dw;
    }
    if (markdown) {
        fprintf(fp, "| Key | Type | Default | Description |\n|---|---|---|---|\n");
    }
    for (size_t i = 0; table[i].name; i++) {
        const rc_config_entry_t *e = &table[i];
        rc_type_text(e, type, sizeof(type));
        if (markdown) {
            fprintf(fp, "| `%s%s%s` | ", s, sep, e->name);
            rc_md_cell(fp, type);
            fputs(" | ", fp);
            if (e->def) {
                fputc('`', fp);
                rc_md_cell(fp, e->def);
                fputc('`', fp);
            } else if (e->required) {
                fputs("required", fp);
            }
            fputs(" | ", fp);
            rc_md_cell(fp, e->desc);
            fputs(" |\n", fp);
            continue;
        }
        char key[256];
        rc_default_text(e, def, sizeof(def));
        snprintf(key, sizeof(key), "%s%s%s", s, sep, e->name);
        if (e->desc && *e->desc)
            fprintf(fp, "  %-*s  %-*s  %-*s  %s\n", kw, key, tw, type, dw, def, e->desc);
        else
            fprintf(fp, "  %-*s  %-*s  %s\n", kw, key, tw, type, def);
    }
}
