/*
 * Routing rules: which posts need which actions.
 *
 *   route:
 *     rules:
 *       - name: angry-complaint
 *         when:                       # every condition must hold
 *           intent: [complaint]       # one value or a list (any of)
 *           sentiment: negative       # label(s)
 *           sentiment_below: -0.3     # compound score < x
 *           sentiment_above: 0.5      # compound score > x
 *           urgency_at_least: 60
 *           urgency_below: 90
 *           followers_at_least: 10000
 *           platform: [x, mastodon]
 *           keywords: [refund, lost]  # any of, case-insensitive substring of the text
 *         actions:
 *           - sink: tickets           # a name under route.sinks
 *             subject: "{{post.author.handle}}: {{intent}}"   # optional templates
 *             body: "..."
 *         continue: false             # stop at the first matching rule (default)
 *
 * Parsing (rc_rules_parse) and evaluation (rc_rules_match) do no I/O, so
 * they are unit-tested alone. Templates substitute {{dotted.path}} from the
 * EnrichedPost, plus {{text_short}} (first 80 characters of the text).
 */
#ifndef RC_RULES_H
#define RC_RULES_H

#include <jansson.h>

#include "config.h"

#define RC_RULE_MAX_ACTIONS 8

typedef struct rc_rule_action {
    char *sink;    /* sink name */
    char *subject; /* template or NULL (the route default) */
    char *body;    /* template or NULL */
} rc_rule_action_t;

typedef struct rc_rule {
    char *name;
    int line;
    json_t *intents, *labels, *platforms, *keywords; /* arrays of strings or NULL */
    int has_below, has_above;
    double sentiment_below, sentiment_above;
    long urgency_at_least, urgency_below, followers_at_least; /* -1 = unset */
    rc_rule_action_t actions[RC_RULE_MAX_ACTIONS];
    int nactions;
    int cont;
} rc_rule_t;

typedef struct rc_rules {
    rc_rule_t *rules;
    int n;
} rc_rules_t;

/* Parse the sequence "node" (route.rules; NULL = no rules). "sink_exists"
 * checks each action's sink name. Returns NULL with "file:line: ..." in
 * errstr on error. The caller owns the result. */
rc_rules_t *rc_rules_parse(const rc_config_t *cfg, const rc_node_t *node, int (*sink_exists)(void *, const char *),
                           void *opaque, char *errstr, size_t errstr_size);
void rc_rules_destroy(rc_rules_t *rules); /* safe on NULL */

/* Indexes of matching rules in order, honouring "continue"; returns the
 * count (<= max). "enriched" is borrowed. */
int rc_rules_match(const rc_rules_t *rules, const json_t *enriched, int *matched, int max);

/* Expand "tpl" against "enriched": malloc'd result the caller frees. An
 * unknown path expands to "". */
char *rc_template_render(const char *tpl, const json_t *enriched);

#endif
