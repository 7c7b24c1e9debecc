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
 *
 * Praise is capped at 20: it matters, but it is never urgent.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analyse.h"
#include "text.h"

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

static int urgency_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    *statep = rc_phrases_new(urgency_defs, ARRAY_LEN(urgency_defs), errstr, errstr_size);
    return *statep != NULL ? 0 : -1;
}

static void urgency_destroy(void *state) {
    rc_phrases_destroy(state);
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

static int urgency_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int rc = -1, err = 0, score = 0;
    char buf[64];
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    uint32_t cues = rc_phrases_scan(state, ws, NULL);
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
    .init = urgency_init,
    .run = urgency_run,
    .destroy = urgency_destroy,
};
