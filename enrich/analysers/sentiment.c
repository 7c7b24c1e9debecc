/*
 * Sentiment: the VADER compound score of post.text (enrich/vader.c) and its
 * label, with the thresholds the VADER authors recommend: compound >= 0.05
 * is positive, <= -0.05 negative, anything between neutral.
 */
#include "analyse.h"

static int sentiment_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    *statep = rc_vader_new(errstr, errstr_size);
    return *statep != NULL ? 0 : -1;
}

static int sentiment_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    if (!a->language_supported)
        return 0; /* VADER reads English: another language stays neutral, not guessed */
    rc_vader_score(state, a->text, &a->sentiment, &a->pos, &a->neu, &a->neg);
    if (a->sentiment >= 0.05)
        a->sentiment_label = "positive";
    else if (a->sentiment <= -0.05)
        a->sentiment_label = "negative";
    else
        a->sentiment_label = "neutral";
    return 0;
}

static void sentiment_destroy(void *state) {
    rc_vader_destroy(state);
}

const rc_analyser_t rc_analyser_sentiment = {
    .name = "sentiment",
    .init = sentiment_init,
    .run = sentiment_run,
    .destroy = sentiment_destroy,
};
