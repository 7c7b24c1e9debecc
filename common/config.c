/*
 * Configuration loading: YAML text -> rc_node_t tree.
 *
 * libyaml's event API is used rather than its document API because the
 * events carry everything we need (marks, styles, tags, anchors) and let us
 * reject duplicate keys, anchors and over-deep nesting while the tree is
 * being built, each with the line it happened on.
 *
 * The parse itself does no I/O: rc_config_load_file() reads the file into
 * memory and hands the bytes to the same code as rc_config_load_string(), so
 * the parser can be unit-tested and fuzzed on strings alone.
 *
 * Binding sections to component tables lives in config_bind.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Nesting deeper than this is rejected; it keeps the recursive helpers
 * (free, flatten, lookups) on a small, bounded stack whatever the input. */
#define RC_CONFIG_MAX_DEPTH 64
/* A config file is a few KiB; refuse to slurp something absurd. */
#define RC_CONFIG_MAX_FILE (16L * 1024 * 1024)
/* Longest accepted environment variable name inside ${...}. */
#define RC_CONFIG_MAX_VARNAME 255

typedef struct rc_frame {
    rc_node_t *node;   /* the map or sequence being filled */
    rc_node_t *last;   /* its last child, so appending is O(1) */
    char *pending_key; /* map only: key seen, value not yet (owned) */
    int pending_line;
} rc_frame_t;

typedef struct rc_loader {
    const char *name;
    char *errstr;
    size_t errstr_size;
    rc_frame_t stack[RC_CONFIG_MAX_DEPTH];
    int depth;       /* frames in use */
    rc_node_t *root; /* owns the whole tree built so far */
    int documents;
} rc_loader_t;

static void rc_node_free(rc_node_t *n) {
    while (n) {
        rc_node_t *next = n->next;
        rc_node_free(n->child);
        free(n->key);
        free(n->value);
        free(n);
        n = next;
    }
}

void rc_config_destroy(rc_config_t *cfg) {
    if (!cfg)
        return;
    rc_node_free(cfg->root);
    free(cfg->path);
    free(cfg);
}

/* Writes "name:line: message" (or "name: message" when line is 0) and
 * returns -1 so callers can "return rc_loader_err(...)". */
static int rc_loader_err(rc_loader_t *l, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rc_loader_err(rc_loader_t *l, int line, const char *fmt, ...) {
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!l->errstr || !l->errstr_size)
        return -1;
    if (line > 0)
        snprintf(l->errstr, l->errstr_size, "%s:%d: %s", l->name, line, msg);
    else
        snprintf(l->errstr, l->errstr_size, "%s: %s", l->name, msg);
    return -1;
}

/* A growable byte buffer for interpolation results. */
typedef struct rc_buf {
    char *p;
    size_t len, cap;
} rc_buf_t;

static int rc_buf_add(rc_buf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int rc_is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static int rc_is_name_char(char c) { return rc_is_name_start(c) || (c >= '0' && c <= '9'); }

/* Expands ${VAR}, ${VAR:-default} and "$$" in a scalar of "len" bytes. A "$"
 * followed by anything else is kept as it is, so values such as "$5" or a
 * password ending in "$" need no escaping. The default is literal text:
 * nesting ("${A:-${B}}") is rejected rather than half-expanded. On success
 * *out is a malloc'd NUL-terminated string owned by the caller. */
static int rc_interpolate(rc_loader_t *l, int line, const char *in, size_t len, char **out) {
    rc_buf_t b = {0};
    size_t i = 0;
    int r = -1;

    if (rc_buf_add(&b, "", 0) == -1)
        goto oom;
    while (i < len) {
        const char *dollar = memchr(in + i, '$', len - i);
        size_t plain = dollar ? (size_t)(dollar - (in + i)) : len - i;

        if (rc_buf_add(&b, in + i, plain) == -1)
            goto oom;
        i += plain;
        if (i >= len)
            break;
        /* in[i] == '$' */
        if (i + 1 < len && in[i + 1] == '$') {
            if (rc_buf_add(&b, "$", 1) == -1)
                goto oom;
            i += 2;
            continue;
        }
        if (i + 1 >= len || in[i + 1] != '{') {
            if (rc_buf_add(&b, "$", 1) == -1)
                goto oom;
            i++;
            continue;
        }

        const char *start = in + i + 2;
        const char *close = memchr(start, '}', len - (i + 2));
        if (!close) {
            rc_loader_err(l, line, "unterminated '${' in value (expected ${VAR} or ${VAR:-default})");
            goto out;
        }
        size_t inner = (size_t)(close - start), nlen = 0;
        while (nlen < inner && rc_is_name_char(start[nlen]))
            nlen++;
        if (nlen == 0 || !rc_is_name_start(start[0])) {
            rc_loader_err(l, line, "bad variable reference '${%.*s}' (expected ${VAR} or ${VAR:-default})",
                          (int)(inner > 64 ? 64 : inner), start);
            goto out;
        }
        if (nlen > RC_CONFIG_MAX_VARNAME) {
            rc_loader_err(l, line, "environment variable name longer than %d characters", RC_CONFIG_MAX_VARNAME);
            goto out;
        }
        int has_default = 0;
        if (nlen < inner) {
            if (inner - nlen < 2 || start[nlen] != ':' || start[nlen + 1] != '-') {
                rc_loader_err(l, line, "bad variable reference '${%.*s}' (expected ${VAR} or ${VAR:-default})",
                              (int)(inner > 64 ? 64 : inner), start);
                goto out;
            }
            has_default = 1;
        }
        const char *def = start + nlen + 2;
        size_t def_len = has_default ? inner - nlen - 2 : 0;
        if (has_default && def_len >= 2 && memmem(def, def_len, "${", 2)) {
            rc_loader_err(l, line, "nested '${' inside a default is not supported");
            goto out;
        }

        char name[RC_CONFIG_MAX_VARNAME + 1];
        memcpy(name, start, nlen);
        name[nlen] = '\0';
        const char *val = getenv(name);
        if (has_default && (!val || !*val)) {
            if (rc_buf_add(&b, def, def_len) == -1)
                goto oom;
        } else if (!val) {
            rc_loader_err(l, line, "environment variable %s is not set", name);
            goto out;
        } else if (rc_buf_add(&b, val, strlen(val)) == -1) {
            goto oom;
        }
        i = (size_t)(close - in) + 1;
    }
    *out = b.p;
    b.p = NULL;
    r = 0;
    goto out;
oom:
    rc_loader_err(l, line, "out of memory");
out:
    free(b.p);
    return r;
}

/* Whether a scalar event is a YAML null: an explicit !!null tag, or a plain
 * (unquoted, untagged) "", "~" or null. Quoted "" stays an empty string. */
static int rc_scalar_is_null(const yaml_event_t *ev) {
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *v = (const char *)ev->data.scalar.value;

    if (tag)
        return !strcmp(tag, YAML_NULL_TAG);
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *rc_node_type_name(rc_node_type_t t) {
    return t == RC_NODE_MAP ? "a map" : t == RC_NODE_SEQ ? "a list" : "a scalar";
}

/* Links "node" under the current frame (or makes it the root), taking
 * ownership of it; it receives the pending key when the parent is a map. */
static void rc_loader_attach(rc_loader_t *l, rc_node_t *node, int line) {
    if (l->depth == 0) {
        node->line = line;
        l->root = node;
        return;
    }
    rc_frame_t *f = &l->stack[l->depth - 1];
    if (f->node->type == RC_NODE_MAP) {
        node->key = f->pending_key;
        node->line = f->pending_line;
        f->pending_key = NULL;
    } else {
        node->line = line;
    }
    if (f->last)
        f->last->next = node;
    else
        f->node->child = node;
    f->last = node;
}

/* Whether the next node is a map key (parent is a map awaiting a key). */
static int rc_loader_expects_key(const rc_loader_t *l) {
    if (l->depth == 0)
        return 0;
    const rc_frame_t *f = &l->stack[l->depth - 1];
    return f->node->type == RC_NODE_MAP && !f->pending_key;
}

static int rc_loader_scalar(rc_loader_t *l, const yaml_event_t *ev) {
    int line = (int)ev->start_mark.line + 1;
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;

    if (strlen(v) != len)
        return rc_loader_err(l, line, "value contains a NUL character");

    if (rc_loader_expects_key(l)) {
        rc_frame_t *f = &l->stack[l->depth - 1];
        /* Keys are never interpolated or null-converted: "~:" is the key "~". */
        for (const rc_node_t *c = f->node->child; c; c = c->next)
            if (!strcmp(c->key, v))
                return rc_loader_err(l, line, "duplicate key '%s', first at line %d", v, c->line);
        if (!(f->pending_key = strdup(v)))
            return rc_loader_err(l, line, "out of memory");
        f->pending_line = line;
        return 0;
    }

    rc_node_t *n = calloc(1, sizeof(*n));
    if (!n)
        return rc_loader_err(l, line, "out of memory");
    n->type = RC_NODE_SCALAR;
    rc_loader_attach(l, n, line); /* now owned by the tree */
    if (rc_scalar_is_null(ev))
        return 0;
    return rc_interpolate(l, line, v, len, &n->value);
}

static int rc_loader_start(rc_loader_t *l, const yaml_event_t *ev, rc_node_type_t type) {
    int line = (int)ev->start_mark.line + 1;

    if (rc_loader_expects_key(l))
        return rc_loader_err(l, line, "map keys must be plain values, not %s", rc_node_type_name(type));
    if (l->depth >= RC_CONFIG_MAX_DEPTH)
        return rc_loader_err(l, line, "nested more than %d levels deep", RC_CONFIG_MAX_DEPTH);
    rc_node_t *n = calloc(1, sizeof(*n));
    if (!n)
        return rc_loader_err(l, line, "out of memory");
    n->type = type;
    rc_loader_attach(l, n, line);
    rc_frame_t *f = &l->stack[l->depth++];
    f->node = n;
    f->last = NULL;
    f->pending_key = NULL;
    f->pending_line = 0;
    return 0;
}

static int rc_loader_event(rc_loader_t *l, const yaml_event_t *ev) {
    int line = (int)ev->start_mark.line + 1;
    const yaml_char_t *anchor = NULL;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (l->documents++ > 0)
            return rc_loader_err(l, line, "only one YAML document is allowed (found a second '---')");
        return 0;
    case YAML_ALIAS_EVENT:
        return rc_loader_err(l, line, "aliases ('*%s') are not supported; repeat the value instead",
                             (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (l->depth > 0)
            l->depth--;
        return 0;
    default:
        return 0;
    }
    /* Anchors and aliases are refused: they make one text position stand for
     * many config keys (so "file:line" would be ambiguous) and allow
     * exponential "billion laughs" expansions. */
    if (anchor)
        return rc_loader_err(l, line, "anchors ('&%s') are not supported; repeat the value instead",
                             (const char *)anchor);
    if (ev->type == YAML_SCALAR_EVENT)
        return rc_loader_scalar(l, ev);
    return rc_loader_start(l, ev, ev->type == YAML_MAPPING_START_EVENT ? RC_NODE_MAP : RC_NODE_SEQ);
}

/* Whether line "line" (0-based) of the input is indented with a tab:
 * libyaml's messages for that case do not say "tab" every time, and it is
 * the commonest way to break a hand-edited config. */
static int rc_line_has_tab_indent(const char *yaml, size_t len, size_t line) {
    size_t i = 0;

    for (size_t l = 0; l < line && i < len; i++)
        if (yaml[i] == '\n')
            l++;
    for (; i < len && (yaml[i] == ' ' || yaml[i] == '\t'); i++)
        if (yaml[i] == '\t')
            return 1;
    return 0;
}

static void rc_loader_yaml_err(rc_loader_t *l, const yaml_parser_t *p, const char *yaml, size_t len) {
    const char *tab = "";

    if (p->error == YAML_MEMORY_ERROR) {
        rc_loader_err(l, 0, "out of memory");
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        /* Encoding problems are found before line tracking applies. */
        rc_loader_err(l, 0, "YAML error: %s at byte %zu", p->problem ? p->problem : "unreadable input",
                      p->problem_offset);
        return;
    }
    if (rc_line_has_tab_indent(yaml, len, p->problem_mark.line))
        tab = "; tabs cannot indent YAML, use spaces";
    if (p->context)
        rc_loader_err(l, (int)p->problem_mark.line + 1, "YAML syntax error: %s (%s at line %d)%s",
                      p->problem ? p->problem : "invalid YAML", p->context, (int)p->context_mark.line + 1, tab);
    else
        rc_loader_err(l, (int)p->problem_mark.line + 1, "YAML syntax error: %s%s",
                      p->problem ? p->problem : "invalid YAML", tab);
}

/* Parses "len" bytes of YAML; "name" is used in messages and kept. */
static rc_config_t *rc_config_parse(const char *yaml, size_t len, const char *name, char *errstr,
                                    size_t errstr_size) {
    rc_loader_t l = {.name = name, .errstr = errstr, .errstr_size = errstr_size};
    yaml_parser_t parser;
    rc_config_t *cfg = NULL;
    int done = 0, ok = 0;

    if (!yaml_parser_initialize(&parser)) {
        rc_loader_err(&l, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc_loader_yaml_err(&l, &parser, yaml, len);
            goto out;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        int r = rc_loader_event(&l, &ev);
        yaml_event_delete(&ev);
        if (r == -1)
            goto out;
    }

    /* An empty file (or one that is only comments, or a bare null) is an
     * empty map, so "every key at its default" needs no special casing. */
    if (!l.root || (l.root->type == RC_NODE_SCALAR && !l.root->value)) {
        int line = l.root ? l.root->line : 1;
        rc_node_free(l.root);
        if (!(l.root = calloc(1, sizeof(*l.root)))) {
            rc_loader_err(&l, 0, "out of memory");
            goto out;
        }
        l.root->type = RC_NODE_MAP;
        l.root->line = line;
    }
    if (l.root->type != RC_NODE_MAP) {
        rc_loader_err(&l, l.root->line, "the top level must be a map of sections, got %s",
                      rc_node_type_name(l.root->type));
        goto out;
    }
    if (!(cfg = calloc(1, sizeof(*cfg))) || !(cfg->path = strdup(name))) {
        free(cfg);
        cfg = NULL;
        rc_loader_err(&l, 0, "out of memory");
        goto out;
    }
    cfg->root = l.root;
    l.root = NULL;
    ok = 1;
out:
    for (int i = 0; i < RC_CONFIG_MAX_DEPTH; i++)
        free(l.stack[i].pending_key);
    rc_node_free(l.root);
    yaml_parser_delete(&parser);
    if (ok && errstr && errstr_size)
        errstr[0] = '\0';
    return cfg;
}

rc_config_t *rc_config_load_string(const char *yaml, const char *name, char *errstr, size_t errstr_size) {
    if (!name)
        name = "<string>";
    if (!yaml)
        yaml = "";
    return rc_config_parse(yaml, strlen(yaml), name, errstr, errstr_size);
}

/* snprintf into a caller's errstr that may be NULL. */
static void rc_set_err(char *errstr, size_t errstr_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rc_set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
    va_list ap;

    if (!errstr || !errstr_size)
        return;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

rc_config_t *rc_config_load_file(const char *path, char *errstr, size_t errstr_size) {
    rc_config_t *cfg = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp;

    if (!path) {
        rc_set_err(errstr, errstr_size, "no configuration file given");
        return NULL;
    }
    if (!(fp = fopen(path, "rb"))) {
        rc_set_err(errstr, errstr_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (!(buf = malloc(RC_CONFIG_MAX_FILE + 1))) {
        rc_set_err(errstr, errstr_size, "%s: out of memory", path);
        goto out;
    }
    /* Read one byte more than the cap so an oversized file is detected. */
    len = fread(buf, 1, RC_CONFIG_MAX_FILE + 1, fp);
    if (ferror(fp)) {
        rc_set_err(errstr, errstr_size, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    if (len > RC_CONFIG_MAX_FILE) {
        rc_set_err(errstr, errstr_size, "%s: larger than %ld bytes; is this really the config file?", path,
                 RC_CONFIG_MAX_FILE);
        goto out;
    }
    /* The length is passed through, so a NUL byte in the file is reported by
     * libyaml instead of silently ending the document. */
    cfg = rc_config_parse(buf, len, path, errstr, errstr_size);
out:
    free(buf);
    fclose(fp);
    return cfg;
}

const rc_node_t *rc_node_get(const rc_node_t *map, const char *key) {
    if (!map || map->type != RC_NODE_MAP || !key)
        return NULL;
    size_t klen = strlen(key);
    for (const rc_node_t *c = map->child; c; c = c->next)
        if (!strcmp(c->key, key))
            return c;
    /* Then split at each dot, longest first part first, so that
     * {a.b: {c: 1}} and {a: {b.c: 1}} both answer "a.b.c". */
    for (size_t i = klen; i-- > 0;) {
        if (key[i] != '.')
            continue;
        for (const rc_node_t *c = map->child; c; c = c->next) {
            if (c->type == RC_NODE_MAP && strlen(c->key) == i && !memcmp(c->key, key, i)) {
                const rc_node_t *r = rc_node_get(c, key + i + 1);
                if (r)
                    return r;
            }
        }
    }
    return NULL;
}

/* Recursion for rc_node_flatten(); "prefix" holds the joined key so far. */
static int rc_node_flatten_rec(const rc_node_t *map, rc_buf_t *prefix,
                               int (*cb)(void *opaque, const char *key, const char *value, int line), void *opaque) {
    for (const rc_node_t *c = map->child; c; c = c->next) {
        size_t save = prefix->len;
        int r = 0;

        if ((save && rc_buf_add(prefix, ".", 1) == -1) || rc_buf_add(prefix, c->key, strlen(c->key)) == -1)
            return -1;
        if (c->type == RC_NODE_MAP) {
            r = rc_node_flatten_rec(c, prefix, cb, opaque);
        } else if (c->type == RC_NODE_SCALAR) {
            r = cb(opaque, prefix->p, c->value, c->line);
        } else {
            /* A list of scalars becomes one comma-separated value, the form
             * librdkafka uses for list properties; a list holding maps or
             * lists cannot be expressed and is passed as NULL. */
            rc_buf_t joined = {0};
            int bad = rc_buf_add(&joined, "", 0);
            for (const rc_node_t *it = c->child; it && !bad; it = it->next) {
                if (it->type != RC_NODE_SCALAR)
                    bad = 1;
                else if ((it != c->child && rc_buf_add(&joined, ",", 1) == -1) ||
                         rc_buf_add(&joined, it->value ? it->value : "", it->value ? strlen(it->value) : 0) == -1)
                    bad = -1;
            }
            if (bad == -1) {
                free(joined.p);
                return -1;
            }
            r = cb(opaque, prefix->p, bad ? NULL : joined.p, c->line);
            free(joined.p);
        }
        prefix->len = save;
        prefix->p[save] = '\0';
        if (r)
            return r;
    }
    return 0;
}

int rc_node_flatten(const rc_node_t *map, int (*cb)(void *opaque, const char *key, const char *value, int line),
                    void *opaque) {
    rc_buf_t prefix = {0};
    int r;

    if (!map || map->type != RC_NODE_MAP || !cb)
        return 0;
    if (rc_buf_add(&prefix, "", 0) == -1)
        return -1;
    r = rc_node_flatten_rec(map, &prefix, cb, opaque);
    free(prefix.p);
    return r;
}

void rc_config_where(const rc_config_t *cfg, const rc_node_t *node, char *buf, size_t buf_size) {
    const char *path = cfg && cfg->path ? cfg->path : "<config>";

    if (!buf || !buf_size)
        return;
    if (node && node->line > 0)
        snprintf(buf, buf_size, "%s:%d: ", path, node->line);
    else
        snprintf(buf, buf_size, "%s: ", path);
}

int rc_config_err(const rc_config_t *cfg, const rc_node_t *node, char *errstr, size_t errstr_size, const char *fmt,
                  ...) {
    char where[300], msg[700];
    va_list ap;
    rc_config_where(cfg, node, where, sizeof(where));
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(errstr, errstr_size, "%s%s", where, msg);
    return -1;
}

/* Edit distance with one rolling row; words longer than this are never
 * "close" to a config key anyway. */
#define RC_DYM_MAX 128

static size_t rc_levenshtein(const char *a, size_t al, const char *b, size_t bl) {
    size_t row[RC_DYM_MAX + 1];

    for (size_t j = 0; j <= bl; j++)
        row[j] = j;
    for (size_t i = 1; i <= al; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= bl; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[bl];
}

const char *rc_did_you_mean(const char *word, const char *const *candidates) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;

    if (!word || !candidates)
        return NULL;
    size_t wl = strlen(word);
    size_t limit = wl / 3 > 2 ? wl / 3 : 2;
    if (wl > RC_DYM_MAX)
        return NULL;
    for (size_t i = 0; candidates[i]; i++) {
        size_t cl = strlen(candidates[i]);
        if (cl > RC_DYM_MAX || (cl > wl ? cl - wl : wl - cl) > limit)
            continue;
        size_t d = rc_levenshtein(word, wl, candidates[i], cl);
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}
