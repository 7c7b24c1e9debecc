#include "rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const rc_rule_keys[] = {"name", "when", "actions", "continue", NULL};
static const char *const rc_when_keys[] = {"intent",           "sentiment",     "sentiment_below",
                                           "sentiment_above",  "urgency_at_least", "urgency_below",
                                           "followers_at_least", "platform",    "keywords",
                                           NULL};
static const char *const rc_action_keys[] = {"sink", "subject", "body", NULL};

/* A scalar or a sequence of scalars, as a JSON array of strings. */
static json_t *rc_rules_strlist(const rc_config_t *cfg, const rc_node_t *n, const char *what, int lower,
                                char *errstr, size_t errstr_size) {
    json_t *a = json_array();
    if (n->type == RC_NODE_SCALAR && n->value) {
        json_array_append_new(a, json_string(n->value));
    } else if (n->type == RC_NODE_SEQ) {
        for (const rc_node_t *c = n->child; c; c = c->next) {
            if (c->type != RC_NODE_SCALAR || !c->value) {
                rc_config_err(cfg, c, errstr, errstr_size, "'%s' must be a string or a list of strings", what);
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, json_string(c->value));
        }
    } else {
        rc_config_err(cfg, n, errstr, errstr_size, "'%s' must be a string or a list of strings", what);
        json_decref(a);
        return NULL;
    }
    if (lower) {
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v) {
            char *s = strdup(json_string_value(v));
            for (char *p = s; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            json_array_set_new(a, i, json_string(s));
            free(s);
        }
    }
    return a;
}

static int rc_rules_num(const rc_config_t *cfg, const rc_node_t *n, double *out, char *errstr, size_t errstr_size) {
    char *end;
    if (n->type != RC_NODE_SCALAR || !n->value)
        return rc_config_err(cfg, n, errstr, errstr_size, "'%s' must be a number", n->key);
    *out = strtod(n->value, &end);
    if (*end || end == n->value)
        return rc_config_err(cfg, n, errstr, errstr_size, "'%s' must be a number, not '%s'", n->key, n->value);
    return 0;
}

static int rc_rules_check_keys(const rc_config_t *cfg, const rc_node_t *map, const char *where,
                               const char *const *allowed, char *errstr, size_t errstr_size) {
    if (map->type != RC_NODE_MAP)
        return rc_config_err(cfg, map, errstr, errstr_size, "%s must be a map", where);
    return rc_config_check_keys(cfg, map, where, allowed, errstr, errstr_size);
}

static int rc_rule_parse_when(const rc_config_t *cfg, const rc_node_t *when, const char *where, rc_rule_t *r,
                              char *errstr, size_t errstr_size) {
    if (rc_rules_check_keys(cfg, when, where, rc_when_keys, errstr, errstr_size))
        return -1;
    for (const rc_node_t *c = when->child; c; c = c->next) {
        double d = 0;
        if (!strcmp(c->key, "intent") && !(r->intents = rc_rules_strlist(cfg, c, c->key, 1, errstr, errstr_size)))
            return -1;
        if (!strcmp(c->key, "sentiment") && !(r->labels = rc_rules_strlist(cfg, c, c->key, 1, errstr, errstr_size)))
            return -1;
        if (!strcmp(c->key, "platform") &&
            !(r->platforms = rc_rules_strlist(cfg, c, c->key, 1, errstr, errstr_size)))
            return -1;
        if (!strcmp(c->key, "keywords") &&
            !(r->keywords = rc_rules_strlist(cfg, c, c->key, 1, errstr, errstr_size)))
            return -1;
        if (!strncmp(c->key, "sentiment_", 10) || !strncmp(c->key, "urgency_", 8) ||
            !strcmp(c->key, "followers_at_least")) {
            if (rc_rules_num(cfg, c, &d, errstr, errstr_size))
                return -1;
            if (!strcmp(c->key, "sentiment_below"))
                r->has_below = 1, r->sentiment_below = d;
            else if (!strcmp(c->key, "sentiment_above"))
                r->has_above = 1, r->sentiment_above = d;
            else if (!strcmp(c->key, "urgency_at_least"))
                r->urgency_at_least = (long)d;
            else if (!strcmp(c->key, "urgency_below"))
                r->urgency_below = (long)d;
            else
                r->followers_at_least = (long)d;
        }
    }
    static const char *const intents[] = {"complaint", "praise", "question", "request", "other"};
    static const char *const labels[] = {"negative", "neutral", "positive"};
    struct {
        json_t *a;
        const char *const *ok;
        size_t n;
        const char *what;
    } enums[] = {{r->intents, intents, 5, "intent"}, {r->labels, labels, 3, "sentiment"}};
    for (size_t e = 0; e < 2; e++) {
        size_t i;
        json_t *v;
        json_array_foreach(enums[e].a, i, v) {
            size_t k;
            for (k = 0; k < enums[e].n && strcmp(enums[e].ok[k], json_string_value(v)); k++)
                ;
            if (k == enums[e].n)
                return rc_config_err(cfg, rc_node_get(when, enums[e].what), errstr, errstr_size,
                                    "unknown %s '%s'", enums[e].what, json_string_value(v));
        }
    }
    return 0;
}

static char *rc_rules_scalar_dup(const rc_node_t *n) { return n && n->value ? strdup(n->value) : NULL; }

rc_rules_t *rc_rules_parse(const rc_config_t *cfg, const rc_node_t *node, int (*sink_exists)(void *, const char *),
                           void *opaque, char *errstr, size_t errstr_size) {
    rc_rules_t *rs = calloc(1, sizeof(*rs));
    int n = 0;

    if (!rs)
        goto oom;
    if (!node)
        return rs;
    if (node->type != RC_NODE_SEQ) {
        rc_config_err(cfg, node, errstr, errstr_size, "'route.rules' must be a list of rules");
        goto fail;
    }
    for (const rc_node_t *c = node->child; c; c = c->next)
        n++;
    rs->rules = calloc((size_t)n + 1, sizeof(*rs->rules));
    if (!rs->rules)
        goto oom;
    for (const rc_node_t *c = node->child; c; c = c->next) {
        rc_rule_t *r = &rs->rules[rs->n++];
        /* Key paths in messages name the rule by its index, as a reader
         * counts the list: "unknown key 'route.rules[1].when.intnet'". */
        char where[96];
        r->line = c->line;
        r->urgency_at_least = r->urgency_below = r->followers_at_least = -1;
        snprintf(where, sizeof(where), "route.rules[%d]", rs->n - 1);
        if (rc_rules_check_keys(cfg, c, where, rc_rule_keys, errstr, errstr_size))
            goto fail;
        const rc_node_t *nm = rc_node_get(c, "name");
        if (nm && nm->value)
            r->name = strdup(nm->value);
        else if (asprintf(&r->name, "rule-%d", rs->n) < 0)
            goto oom;
        const rc_node_t *when = rc_node_get(c, "when");
        snprintf(where, sizeof(where), "route.rules[%d].when", rs->n - 1);
        if (when && rc_rule_parse_when(cfg, when, where, r, errstr, errstr_size))
            goto fail;
        const rc_node_t *cont = rc_node_get(c, "continue");
        if (cont && cont->value)
            r->cont = !strcasecmp(cont->value, "true") || !strcasecmp(cont->value, "yes");
        const rc_node_t *acts = rc_node_get(c, "actions");
        if (!acts || acts->type != RC_NODE_SEQ || !acts->child) {
            rc_config_err(cfg, acts ? acts : c, errstr, errstr_size, "rule '%s' needs a list of 'actions'", r->name);
            goto fail;
        }
        for (const rc_node_t *a = acts->child; a; a = a->next) {
            if (r->nactions == RC_RULE_MAX_ACTIONS) {
                rc_config_err(cfg, a, errstr, errstr_size, "at most %d actions per rule", RC_RULE_MAX_ACTIONS);
                goto fail;
            }
            snprintf(where, sizeof(where), "route.rules[%d].actions[%d]", rs->n - 1, r->nactions);
            if (rc_rules_check_keys(cfg, a, where, rc_action_keys, errstr, errstr_size))
                goto fail;
            rc_rule_action_t *ra = &r->actions[r->nactions++];
            const rc_node_t *sink = rc_node_get(a, "sink");
            if (!sink || !sink->value) {
                rc_config_err(cfg, a, errstr, errstr_size, "action of rule '%s' needs 'sink'", r->name);
                goto fail;
            }
            if (sink_exists && !sink_exists(opaque, sink->value)) {
                rc_config_err(cfg, sink, errstr, errstr_size, "rule '%s': no sink named '%s' under route.sinks",
                             r->name, sink->value);
                goto fail;
            }
            ra->sink = strdup(sink->value);
            ra->subject = rc_rules_scalar_dup(rc_node_get(a, "subject"));
            ra->body = rc_rules_scalar_dup(rc_node_get(a, "body"));
        }
    }
    return rs;
oom:
    snprintf(errstr, errstr_size, "out of memory");
fail:
    rc_rules_destroy(rs);
    return NULL;
}

void rc_rules_destroy(rc_rules_t *rs) {
    if (!rs)
        return;
    for (int i = 0; i < rs->n; i++) {
        rc_rule_t *r = &rs->rules[i];
        free(r->name);
        json_decref(r->intents);
        json_decref(r->labels);
        json_decref(r->platforms);
        json_decref(r->keywords);
        for (int k = 0; k < r->nactions; k++) {
            free(r->actions[k].sink);
            free(r->actions[k].subject);
            free(r->actions[k].body);
        }
    }
    free(rs->rules);
    free(rs);
}

static int rc_in_list(const json_t *list, const char *v) {
    size_t i;
    json_t *x;
    if (!v)
        return 0;
    json_array_foreach(list, i, x) if (!strcasecmp(json_string_value(x), v)) return 1;
    return 0;
}

static int rc_rule_holds(const rc_rule_t *r, const json_t *ep) {
    const json_t *post = json_object_get(ep, "post");
    const json_t *sent = json_object_get(ep, "sentiment");
    double score = json_number_value(json_object_get(sent, "score"));
    long urgency = (long)json_integer_value(json_object_get(ep, "urgency"));
    long followers = (long)json_integer_value(json_object_get(json_object_get(post, "author"), "followers"));

    if (r->intents && !rc_in_list(r->intents, json_string_value(json_object_get(ep, "intent"))))
        return 0;
    if (r->labels && !rc_in_list(r->labels, json_string_value(json_object_get(sent, "label"))))
        return 0;
    if (r->platforms && !rc_in_list(r->platforms, json_string_value(json_object_get(post, "platform"))))
        return 0;
    if (r->has_below && !(score < r->sentiment_below))
        return 0;
    if (r->has_above && !(score > r->sentiment_above))
        return 0;
    if (r->urgency_at_least >= 0 && urgency < r->urgency_at_least)
        return 0;
    if (r->urgency_below >= 0 && urgency >= r->urgency_below)
        return 0;
    if (r->followers_at_least >= 0 && followers < r->followers_at_least)
        return 0;
    if (r->keywords) {
        const char *text = json_string_value(json_object_get(post, "text"));
        size_t i;
        json_t *k;
        int any = 0;
        json_array_foreach(r->keywords, i, k) if (text && strcasestr(text, json_string_value(k))) {
            any = 1;
            break;
        }
        if (!any)
            return 0;
    }
    return 1;
}

int rc_rules_match(const rc_rules_t *rules, const json_t *enriched, int *matched, int max) {
    int n = 0;
    for (int i = 0; i < rules->n && n < max; i++) {
        if (!rc_rule_holds(&rules->rules[i], enriched))
            continue;
        matched[n++] = i;
        if (!rules->rules[i].cont)
            break;
    }
    return n;
}

/* The value at a dotted path, or NULL. An empty path or an empty segment
 * ("{{}}", "{{post.}}") names nothing: it must not expand to the whole
 * record or to a parent object. */
static const json_t *rc_json_path(const json_t *root, const char *path, size_t len) {
    const json_t *cur = root;
    const char *p = path, *end = path + len;
    if (!len)
        return NULL;
    while (cur && p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t seg = dot ? (size_t)(dot - p) : (size_t)(end - p);
        char key[128];
        if (!seg || seg >= sizeof(key) || (dot && dot + 1 == end))
            return NULL;
        memcpy(key, p, seg);
        key[seg] = '\0';
        cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
        p += seg + (dot ? 1 : 0);
        if (!dot)
            break;
    }
    return cur;
}

char *rc_template_render(const char *tpl, const json_t *ep) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    const char *p = tpl;

    if (!fp)
        return NULL;
    while (*p) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !close) {
            fputs(p, fp);
            break;
        }
        fwrite(p, 1, (size_t)(open - p), fp);
        const char *name = open + 2;
        size_t nlen = (size_t)(close - name);
        while (nlen && name[0] == ' ')
            name++, nlen--;
        while (nlen && name[nlen - 1] == ' ')
            nlen--;
        /* {{text}} and {{text_short}}: the post's text with personal data
         * redacted by enrich (redacted_text), what a ticket or alert may
         * show; records from before enrich redacted fall back to post.text. */
        const char *shown = json_string_value(json_object_get(ep, "redacted_text"));
        if (shown == NULL || shown[0] == '\0')
            shown = json_string_value(json_object_get(json_object_get(ep, "post"), "text"));
        if (nlen == 4 && !strncmp(name, "text", 4)) {
            if (shown != NULL)
                fputs(shown, fp);
        } else if (nlen == 10 && !strncmp(name, "text_short", 10)) {
            const char *text = shown;
            size_t tl = text ? strlen(text) : 0, cut = 0;
            /* 80 characters, not bytes (a subject in Japanese or with emoji
             * would otherwise get a third of that), and never half a UTF-8
             * sequence: the cut only lands on a lead byte. */
            for (int chars = 0; cut < tl && chars < 80; chars++) {
                cut++;
                while (cut < tl && ((unsigned char)text[cut] & 0xC0) == 0x80)
                    cut++;
            }
            for (size_t i = 0; i < cut; i++)
                fputc(text[i] == '\n' ? ' ' : text[i], fp);
            if (cut < tl)
                fputs("...", fp);
        } else {
            const json_t *v = rc_json_path(ep, name, nlen);
            if (json_is_string(v))
                fputs(json_string_value(v), fp);
            else if (json_is_integer(v))
                fprintf(fp, "%lld", (long long)json_integer_value(v));
            else if (json_is_real(v))
                fprintf(fp, "%.3f", json_real_value(v));
            else if (json_is_true(v) || json_is_false(v))
                fputs(json_is_true(v) ? "true" : "false", fp);
            else if (json_is_array(v) || json_is_object(v)) {
                char *s = json_dumps(v, JSON_COMPACT);
                if (s)
                    fputs(s, fp);
                free(s);
            }
        }
        p = close + 2;
    }
    fclose(fp);
    return buf;
}
