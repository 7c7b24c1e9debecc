/*
 * Urgency 0..100: how soon a human should look at the post, with the
 * reasons (short machine-readable strings, in the order below) so a ticket
 * can say why and rules can match on them.
 *
 *   negative_sentiment       up to 30 points, proportional to -compound
 *   complaint                15 (intent)
 *   all_caps                 10: at least three words, 60% or more of the
 *                            words in capitals
 *   intense_language         10: "!!", |compound| >= 0.7, or words like
 *                            "furious", "rudest", "never again", "wtf"
 *   safety_language          30: injury, threat, fire, "food poisoning", ...
 *   legal_language           25: lawyer, lawsuit, "small claims", FAA, ...
 *   employee_named           10: a person entity, unless it is praise
 *   high_reach:followers=N   author reach, log-scaled: 5 points per power of
 *   (reach:followers=N       ten from 1,000 followers up to 20 at 1,000,000;
 *    under 10,000)           "high_" from 10,000
 *   verified_author          5
 *   spreading:reposts=N      10 when reposts + quotes >= 50
 *   awaiting_reply           5 for a question or request
 *   customer_tier:<tier>     the tier's points (enrich.urgency.tiers, default
 *                            platinum 20, vip 20, gold 15, silver 8) when the
 *                            customer lookup (enrich/lookup.h) found the
 *                            author; <tier> in lower case. A failed lookup
 *                            adds nothing: it shows in the record's
 *                            customer.status, not here.
 *   fast_engagement:per_min=N velocity_points (10) when likes + reposts +
 *                            replies + quotes per minute since created_at
 *                            (up to the analysis time, at least one minute)
 *                            exceeds velocity_per_min (10)
 *
 * Praise is capped at 20: it matters, but it is never urgent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyse.h"
#include "text.h"
#include "util.h"

enum { U_SAFETY = 0, U_LEGAL, U_INTENSE };

static const rc_phrase_def_t urgency_defs[] = {
    /* safety and threats */
    {"unsafe", U_SAFETY}, {"not safe", U_SAFETY}, {"danger", U_SAFETY}, {"dangerous", U_SAFETY},
    {"injured", U_SAFETY}, {"injury", U_SAFETY}, {"injuries", U_SAFETY}, {"hurt", U_SAFETY},
    {"bleeding", U_SAFETY}, {"blood", U_SAFETY}, {"fire", U_SAFETY}, {"smoke", U_SAFETY},
    {"emergency", U_SAFETY}, {"threat", U_SAFETY}, {"threatened", U_SAFETY}, {"threatening", U_SAFETY},
    {"assault", U_SAFETY}, {"assaulted", U_SAFETY}, {"attacked", U_SAFETY}, {"harassed", U_SAFETY},
    {"harassment", U_SAFETY}, {"harassing", U_SAFETY}, {"weapon", U_SAFETY}, {"gun", U_SAFETY},
    {"knife", U_SAFETY}, {"bomb", U_SAFETY}, {"plane crash", U_SAFETY},
    {"ambulance", U_SAFETY}, {"police", U_SAFETY}, {"sick", U_SAFETY}, {"food poisoning", U_SAFETY},
    {"allergic", U_SAFETY}, {"allergic reaction", U_SAFETY}, {"seizure", U_SAFETY},
    {"heart attack", U_SAFETY}, {"unconscious", U_SAFETY}, {"passed out", U_SAFETY}, {"fainted", U_SAFETY},
    {"carbon monoxide", U_SAFETY}, {"gas leak", U_SAFETY}, {"fumes", U_SAFETY},
    {"emergency landing", U_SAFETY}, {"evacuated", U_SAFETY}, {"evacuate", U_SAFETY},
    {"suicide", U_SAFETY},
    /* legal and regulatory */
    {"lawyer", U_LEGAL}, {"lawyers", U_LEGAL}, {"attorney", U_LEGAL}, {"attorneys", U_LEGAL},
    {"sue", U_LEGAL}, {"suing", U_LEGAL}, {"sued", U_LEGAL}, {"lawsuit", U_LEGAL},
    {"legal action", U_LEGAL}, {"court", U_LEGAL}, {"small claims", U_LEGAL},
    {"department of transportation", U_LEGAL}, {"faa", U_LEGAL}, {"ftc", U_LEGAL}, {"bbb", U_LEGAL},
    {"better business bureau", U_LEGAL}, {"cfpb", U_LEGAL}, {"regulator", U_LEGAL},
    {"ombudsman", U_LEGAL}, {"discrimination", U_LEGAL}, {"discriminated", U_LEGAL},
    {"gdpr", U_LEGAL}, {"chargeback", U_LEGAL}, {"report you", U_LEGAL}, {"file a complaint", U_LEGAL},
    {"filing a complaint", U_LEGAL}, {"consumer protection", U_LEGAL}, {"class action", U_LEGAL},
    {"illegal", U_LEGAL}, {"fraud", U_LEGAL}, {"breach of contract", U_LEGAL},
    /* intensity */
    {"furious", U_INTENSE}, {"livid", U_INTENSE}, {"outraged", U_INTENSE}, {"outrageous", U_INTENSE},
    {"disgusting", U_INTENSE}, {"unacceptable", U_INTENSE}, {"worst", U_INTENSE}, {"rudest", U_INTENSE},
    {"never again", U_INTENSE}, {"wtf", U_INTENSE}, {"fed up", U_INTENSE}, {"sick of", U_INTENSE},
    {"sick and tired", U_INTENSE}, {"enraged", U_INTENSE}, {"appalled", U_INTENSE},
    {"appalling", U_INTENSE}, {"horrendous", U_INTENSE}, {"atrocious", U_INTENSE},
    {"disgraceful", U_INTENSE}, {"absolutely", U_INTENSE},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* enrich.urgency */
typedef struct urgency_conf {
    const rc_node_t *tiers;
    double velocity_per_min;
    long velocity_points;
} urgency_conf_t;

static const rc_config_entry_t urgency_config[] = {
    {"tiers", RC_CT_NODE, NULL, 0, 0, NULL, offsetof(urgency_conf_t, tiers), 0,
     "Points per customer tier from the lookup (enrich.lookup), tier name (any case) to 0..100; replaces the "
     "default {platinum: 20, vip: 20, gold: 15, silver: 8}. Reason customer_tier:<tier>."},
    {"velocity_per_min", RC_CT_DOUBLE, "10", 0, 1e9, NULL, offsetof(urgency_conf_t, velocity_per_min), 0,
     "Engagement (likes + reposts + replies + quotes) per minute since the post was made above which it scores "
     "fast_engagement."},
    {"velocity_points", RC_CT_INT, "10", 0, 100, NULL, offsetof(urgency_conf_t, velocity_points), 0,
     "Points for fast_engagement (0: off)."},
    RC_CONFIG_END};

typedef struct urgency_tier {
    char *name; /* lower case */
    int points;
} urgency_tier_t;

typedef struct urgency_state {
    rc_phrases_t *phrases;
    urgency_tier_t *tiers;
    size_t ntiers;
    double velocity_per_min;
    int velocity_points;
} urgency_state_t;

static void urgency_destroy(void *state) {
    urgency_state_t *u = state;
    if (u == NULL)
        return;
    rc_phrases_destroy(u->phrases);
    for (size_t i = 0; i < u->ntiers; i++)
        free(u->tiers[i].name);
    free(u->tiers);
    free(u);
}

static int add_tier(urgency_state_t *u, const char *name, int points) {
    urgency_tier_t *t = realloc(u->tiers, (u->ntiers + 1) * sizeof(*t));
    if (t == NULL)
        return -1;
    u->tiers = t;
    if ((t[u->ntiers].name = strdup(name)) == NULL)
        return -1;
    for (char *p = t[u->ntiers].name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    t[u->ntiers++].points = points;
    return 0;
}

/* Reads enrich.urgency.tiers: a map of tier name to points. */
static int load_tiers(urgency_state_t *u, const rc_node_t *map, char *errstr, size_t errstr_size) {
    static const struct {
        const char *name;
        int points;
    } defaults[] = {{"platinum", 20}, {"vip", 20}, {"gold", 15}, {"silver", 8}};
    if (map == NULL) {
        for (size_t i = 0; i < ARRAY_LEN(defaults); i++)
            if (add_tier(u, defaults[i].name, defaults[i].points) != 0)
                goto oom;
        return 0;
    }
    if (map->type == RC_NODE_SCALAR && map->value == NULL)
        return 0; /* "tiers:" with nothing: no tier adds points */
    if (map->type != RC_NODE_MAP) {
        snprintf(errstr, errstr_size, "line %d: key 'enrich.urgency.tiers': expected a map of tier: points", map->line);
        return -1;
    }
    for (const rc_node_t *c = map->child; c != NULL; c = c->next) {
        char *end = NULL;
        long pts = c->type == RC_NODE_SCALAR && c->value != NULL ? strtol(c->value, &end, 10) : -1;
        if (end == NULL || end == c->value || *end != '\0' || pts < 0 || pts > 100) {
            snprintf(errstr, errstr_size, "line %d: key 'enrich.urgency.tiers.%s': expected points 0..100", c->line,
                     c->key);
            return -1;
        }
        if (add_tier(u, c->key, (int)pts) != 0)
            goto oom;
    }
    return 0;
oom:
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
}

static int urgency_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    static const urgency_conf_t defaults = {NULL, 10.0, 10};
    const urgency_conf_t *c = conf != NULL ? conf : &defaults;
    urgency_state_t *u = calloc(1, sizeof(*u));
    *statep = u;
    if (u == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    u->velocity_per_min = c->velocity_per_min;
    u->velocity_points = (int)c->velocity_points;
    if (load_tiers(u, c->tiers, errstr, errstr_size) != 0)
        return -1;
    u->phrases = rc_phrases_new(urgency_defs, ARRAY_LEN(urgency_defs), errstr, errstr_size);
    return u->phrases != NULL ? 0 : -1;
}

/* The points of "tier" (any case), 0 when it is not listed. */
static int tier_points(const urgency_state_t *u, const char *tier) {
    for (size_t i = 0; tier != NULL && i < u->ntiers; i++)
        if (strcasecmp(u->tiers[i].name, tier) == 0)
            return u->tiers[i].points;
    return 0;
}

static json_int_t int_field(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (json_int_t)json_real_value(v);
    return 0;
}

static int reason(json_t *reasons, const char *s) {
    return json_array_append_new(reasons, json_string(s));
}

/* Engagement per minute since the post was made, up to the analysis time;
 * -1 when either time is unknown. The age is taken as at least a minute, so
 * a post seconds old with a few likes is not "hundreds a minute"; a
 * created_at more than five minutes after the analysis time (a wrong clock
 * or a replayed capture) says nothing about speed. */
static double engagement_per_min(const rc_analysis_t *a, const json_t *metrics) {
    int64_t created;
    if (a->now <= 0 || rc_rfc3339_epoch(json_string_value(json_object_get(a->post, "created_at")), &created) != 0 ||
        created - a->now > 300)
        return -1;
    double engaged = (double)(int_field(metrics, "likes") + int_field(metrics, "reposts") +
                              int_field(metrics, "replies") + int_field(metrics, "quotes"));
    double minutes = fmax(1.0, (double)(a->now - created) / 60.0);
    return engaged / minutes;
}

static int urgency_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const urgency_state_t *u = state;
    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int rc = -1, err = 0, score = 0;
    char buf[64];
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    uint32_t cues = rc_phrases_scan(u->phrases, ws, NULL);
    json_t *r = a->urgency_reasons;
    int praise = strcmp(a->intent, "praise") == 0;

    if (a->sentiment <= -0.05) {
        score += (int)lround(30.0 * fmin(1.0, -a->sentiment));
        err |= reason(r, "negative_sentiment");
    }
    if (strcmp(a->intent, "complaint") == 0) {
        score += 15;
        err |= reason(r, "complaint");
    }

    size_t words = 0, caps = 0, excl = 0;
    for (size_t i = 0; i < ws->n; i++) {
        const rc_word_t *w = &ws->w[i];
        if (w->kind != RC_WORD_PLAIN || !w->alpha || w->len < 2)
            continue;
        words++;
        caps += w->caps == RC_CAPS_ALL;
    }
    for (const char *p = a->text; (p = strchr(p, '!')) != NULL; p++)
        excl++;
    if (caps >= 3 && caps * 10 >= words * 6) {
        score += 10;
        err |= reason(r, "all_caps");
    }
    if (excl >= 2 || fabs(a->sentiment) >= 0.7 || (cues & (1u << U_INTENSE))) {
        /* Strong praise is intense too, but urgency is about problems. */
        if (!praise) {
            score += 10;
            err |= reason(r, "intense_language");
        }
    }
    if (cues & (1u << U_SAFETY)) {
        score += 30;
        err |= reason(r, "safety_language");
    }
    if (cues & (1u << U_LEGAL)) {
        score += 25;
        err |= reason(r, "legal_language");
    }
    if (!praise && json_array_size(json_object_get(a->entities, "people")) > 0) {
        score += 10;
        err |= reason(r, "employee_named");
    }

    const json_t *author = json_object_get(a->post, "author");
    json_int_t followers = int_field(author, "followers");
    if (followers >= 1000) {
        double pts = 5.0 * (log10((double)followers) - 2.0);
        score += (int)lround(fmin(20.0, pts));
        snprintf(buf, sizeof(buf), "%s:followers=%lld", followers >= 10000 ? "high_reach" : "reach",
                 (long long)followers);
        err |= reason(r, buf);
    }
    if (json_is_true(json_object_get(author, "verified"))) {
        score += 5;
        err |= reason(r, "verified_author");
    }
    const json_t *metrics = json_object_get(a->post, "metrics");
    json_int_t spread = int_field(metrics, "reposts") + int_field(metrics, "quotes");
    if (spread >= 50) {
        score += 10;
        snprintf(buf, sizeof(buf), "spreading:reposts=%lld", (long long)spread);
        err |= reason(r, buf);
    }
    if (strcmp(a->intent, "question") == 0 || strcmp(a->intent, "request") == 0) {
        score += 5;
        err |= reason(r, "awaiting_reply");
    }
    const rc_customer_t *cust = a->customer;
    int tier_pts = cust != NULL && cust->status != NULL && !strcmp(cust->status, "ok") ? tier_points(u, cust->tier) : 0;
    if (tier_pts > 0) {
        size_t o = (size_t)snprintf(buf, sizeof(buf), "customer_tier:");
        for (const char *p = cust->tier; *p && o + 1 < sizeof(buf); p++)
            buf[o++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        buf[o] = '\0';
        score += tier_pts;
        err |= reason(r, buf);
    }
    double velocity = engagement_per_min(a, metrics);
    if (u->velocity_points > 0 && velocity > u->velocity_per_min) {
        score += u->velocity_points;
        snprintf(buf, sizeof(buf), "fast_engagement:per_min=%.0f", floor(fmin(velocity, 1e15)));
        err |= reason(r, buf);
    }

    if (praise && score > 20)
        score = 20;
    a->urgency = score < 0 ? 0 : score > 100 ? 100 : score;
    if (err) {
        snprintf(errstr, errstr_size, "out of memory building urgency reasons");
        goto out;
    }
    rc = 0;
out:
    rc_words_release(&local);
    return rc;
}

const rc_analyser_t rc_analyser_urgency = {
    .name = "urgency",
    .config = urgency_config,
    .conf_size = sizeof(urgency_conf_t),
    .init = urgency_init,
    .run = urgency_run,
    .destroy = urgency_destroy,
};
