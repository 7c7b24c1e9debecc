/*
 * Sentiment: the VADER compound score of post.text (enrich/vader.c),
 * shifted by the customer-care cues VADER's lexicon misses
 * (enrich/analysers/care.h), and its label with the thresholds the VADER
 * authors recommend: >= 0.05 positive, <= -0.05 negative, neutral between.
 *
 * The shift works where VADER sums valences, before its normalisation
 * (compound = sum / sqrt(sum^2 + 15)): the compound is turned back into
 * its sum, each cue family found adds the valence below once, as if the
 * lexicon held the phrase, and the sum is normalised again.
 *
 *   family        valence  e.g.
 *   hold           -1.5    "3 hours on hold", "in the queue"
 *   waiting        -1.5    "still waiting", "no refund yet"
 *   no_reply       -1.5    "nobody answers", "no callback"
 *   repeat         -1.0    "cancelled again", "third time", "in a row"
 *   late           -1.5    "hours late", "that was 3 weeks ago"
 *   expectation    -1.0    "supposed to", "I was promised"
 *   where          -1.5    "where is my refund"
 *   failure        -1.5    "never arrived", "charged twice", "not working"
 *   sarcasm        -2.0    "great, another delay", "thanks for nothing";
 *                          and the positive part of the sum is dropped
 *                          first: the praise words are the irony.
 *   quoted         -1.0    the "complimentary" snack, still "under review"
 *
 * (A "delay" in the lexicon is -1.3, "bad" -2.5.)
 *
 * Courtesy: in a post that asks for something (a '?', "please", "can you",
 * "I'd like", ...), the words of politeness ("please", "thanks", "kindly",
 * "help", "happy to", "I'd like", "free") are manners, not feelings; their
 * lexicon valence is taken back out of the sum (once per phrase), so a
 * polite request reads neutral. Their valences are VADER's own, read from
 * the scorer at start-up.
 *
 * VADER's own score, and
 * the pos/neu/neg proportions, stay exactly the reference's
 * (rc_vader_score()); only a->sentiment and the label carry the shift.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "care.h"
#include "text.h"

static const double care_valence[RC_CARE_FAMILIES] = {
    [RC_CARE_HOLD] = -1.5,    [RC_CARE_WAITING] = -1.5,     [RC_CARE_NO_REPLY] = -1.5,
    [RC_CARE_REPEAT] = -1.0,  [RC_CARE_LATE] = -1.5,        [RC_CARE_EXPECTATION] = -1.0,
    [RC_CARE_WHERE] = -1.5,   [RC_CARE_FAILURE] = -1.5,     [RC_CARE_SARCASM] = -2.0,
    [RC_CARE_QUOTED] = -1.0,
};

#define VADER_ALPHA 15.0

typedef struct sentiment_state {
    rc_vader_t *vader;
    rc_care_t *care;
    double courtesy_valence[32]; /* VADER's, of each courtesy phrase alone */
} sentiment_state_t;

static void sentiment_destroy(void *state) {
    sentiment_state_t *s = state;
    if (s == NULL)
        return;
    rc_vader_destroy(s->vader);
    rc_care_destroy(s->care);
    free(s);
}

/* VADER's sum behind a compound score; a compound of +-1 is a sum too
 * large to tell apart, taken as that of +-0.9999. */
static double compound_to_sum(double compound) {
    double c = fmax(-0.9999, fmin(0.9999, compound));
    return c * sqrt(VADER_ALPHA / (1.0 - c * c));
}

static double sum_to_compound(double sum) {
    return round(sum / sqrt(sum * sum + VADER_ALPHA) * 1e4) / 1e4;
}

static int sentiment_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    sentiment_state_t *s = calloc(1, sizeof(*s));
    *statep = s;
    if (s == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    s->vader = rc_vader_new(errstr, errstr_size);
    if (s->vader == NULL)
        return -1;
    s->care = rc_care_new(errstr, errstr_size);
    if (s->care == NULL)
        return -1;
    const char *phrase;
    for (size_t k = 0; k < 32 && (phrase = rc_care_courtesy_phrase(s->care, k)) != NULL; k++) {
        double c;
        rc_vader_score(s->vader, phrase, &c, NULL, NULL, NULL);
        s->courtesy_valence[k] = compound_to_sum(c);
    }
    return 0;
}

/* VADER's sum less the courtesy of a post that asks for something (see
 * the top). */
static double without_courtesy(const sentiment_state_t *s, const rc_care_cues_t *found, double sum) {
    if (!found->asks)
        return sum;
    for (size_t k = 0; k < 32; k++) {
        if (found->courtesy & (1u << k))
            sum -= s->courtesy_valence[k];
    }
    return sum;
}

/* The families' valences added to VADER's sum (see the top). */
static double care_shift(double sum, uint32_t families) {
    if (families & RC_CARE_BIT(RC_CARE_SARCASM))
        sum = fmin(sum, 0.0);
    for (int f = 0; f < RC_CARE_FAMILIES; f++) {
        if (families & RC_CARE_BIT(f))
            sum += care_valence[f];
    }
    return sum;
}

static int sentiment_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const sentiment_state_t *s = state;
    if (!a->language_supported)
        return 0; /* VADER reads English: another language stays neutral, not guessed */
    rc_words_t local;
    int rc = -1;
    const rc_words_t *ws = rc_words_of(a, &local);
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    rc_vader_score(s->vader, a->text, &a->sentiment, &a->pos, &a->neu, &a->neg);
    rc_care_scan(s->care, ws, &a->care);
    double sum = compound_to_sum(a->sentiment);
    double adjusted = care_shift(without_courtesy(s, &a->care, sum), a->care.families);
    if (adjusted != sum)
        a->sentiment = sum_to_compound(adjusted);
    if (a->sentiment >= 0.05)
        a->sentiment_label = "positive";
    else if (a->sentiment <= -0.05)
        a->sentiment_label = "negative";
    else
        a->sentiment_label = "neutral";
    rc = 0;
out:
    rc_words_release(&local);
    return rc;
}

const rc_analyser_t rc_analyser_sentiment = {
    .name = "sentiment",
    .init = sentiment_init,
    .run = sentiment_run,
    .destroy = sentiment_destroy,
};
