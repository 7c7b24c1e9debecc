/*
 * Intent, first version: rules over cue phrases, the VADER score and the
 * entities found earlier. One of complaint, praise, request, question, other,
 * decided in that order:
 *
 *   complaint  a breach of expectation, not merely negative words:
 *              - a breach cue ("never arrived", "still waiting", "not happy",
 *                "charged twice", "lost my", ...) unless the post is clearly
 *                positive overall (compound >= 0.5);
 *              - a service-event cue ("cancelled", "delayed", "refund",
 *                "lost", "broken", ...) in a post that is not positive
 *                (compound < 0.05);
 *              - an attitude cue ("rude", "worst", "terrible", "hate", ...)
 *                in a post that is not positive AND has a service context: a
 *                @mention, a named person or reference number, or service
 *                words ("flight", "agent", "order", "customer service"...).
 *              So "I hate Mondays" is not a complaint (no service context)
 *              and "RUDEST AGENT ... NOT HAPPY @SWA" is.
 *   praise     a praise cue ("thanks", "love", "amazing", ...) in a positive
 *              post (compound >= 0.05), or a strong praise cue ("rocks",
 *              "kudos", "great job", "thank you", ...) in a post that is not
 *              negative. Checked before questions, so "Who rocks Denver?
 *              Cindy rocks @SWA." is praise.
 *   request    "please", "can you", "I need", "help me", "DM me", ...
 *   question   a '?' (outside URLs), or a first word like how / what / when /
 *              where / why / can / is / does ...
 *   other      anything else.
 *
 * A later version may replace the rules with a trained model; the cue
 * lists are the place to tune meanwhile.
 */
#include <stdio.h>
#include <string.h>

#include "analyse.h"
#include "text.h"

enum {
    I_BREACH = 0,
    I_EVENT,
    I_ATTITUDE,
    I_CONTEXT,
    I_PRAISE,
    I_STRONG_PRAISE,
    I_REQUEST,
};

static const rc_phrase_def_t intent_defs[] = {
    /* breach of expectation */
    {"never arrived", I_BREACH}, {"never received", I_BREACH}, {"never showed", I_BREACH},
    {"never showed up", I_BREACH}, {"never came", I_BREACH}, {"never got", I_BREACH},
    {"never delivered", I_BREACH}, {"never again", I_BREACH}, {"still waiting", I_BREACH},
    {"still haven't", I_BREACH}, {"still have not", I_BREACH}, {"still hasn't", I_BREACH},
    {"still has not", I_BREACH}, {"still no", I_BREACH}, {"still not", I_BREACH}, {"not happy", I_BREACH},
    {"not ok", I_BREACH}, {"not okay", I_BREACH}, {"unacceptable", I_BREACH}, {"not acceptable", I_BREACH},
    {"charged twice", I_BREACH}, {"double charged", I_BREACH}, {"overcharged", I_BREACH},
    {"stranded", I_BREACH}, {"missed my connection", I_BREACH}, {"missed our connection", I_BREACH},
    {"lost my", I_BREACH}, {"lost our", I_BREACH}, {"hasn't arrived", I_BREACH}, {"has not arrived", I_BREACH},
    {"didn't arrive", I_BREACH}, {"did not arrive", I_BREACH}, {"no response", I_BREACH},
    {"no reply", I_BREACH}, {"no one helped", I_BREACH}, {"nobody helped", I_BREACH},
    {"been waiting", I_BREACH}, {"waiting for hours", I_BREACH}, {"hours late", I_BREACH},
    {"money back", I_BREACH}, {"false advertising", I_BREACH}, {"not received", I_BREACH},
    {"haven't received", I_BREACH}, {"have not received", I_BREACH}, {"didn't receive", I_BREACH},
    {"did not receive", I_BREACH}, {"wasn't delivered", I_BREACH}, {"not delivered", I_BREACH},
    {"left behind", I_BREACH}, {"denied boarding", I_BREACH}, {"kicked off", I_BREACH},
    {"ripped off", I_BREACH}, {"rip off", I_BREACH}, {"ripoff", I_BREACH}, {"scammed", I_BREACH},
    {"not working", I_BREACH}, {"doesn't work", I_BREACH}, {"does not work", I_BREACH},
    {"isn't working", I_BREACH}, {"stopped working", I_BREACH},
    /* service events */
    {"cancelled", I_EVENT}, {"canceled", I_EVENT}, {"cancellation", I_EVENT}, {"cancelling", I_EVENT},
    {"canceling", I_EVENT}, {"delayed", I_EVENT}, {"delay", I_EVENT}, {"delays", I_EVENT},
    {"refund", I_EVENT}, {"refunds", I_EVENT}, {"lost", I_EVENT}, {"broken", I_EVENT},
    {"damaged", I_EVENT}, {"missing", I_EVENT}, {"overbooked", I_EVENT}, {"outage", I_EVENT},
    {"stuck", I_EVENT}, {"declined", I_EVENT}, {"bumped", I_EVENT},
    /* attitude: needs a service context */
    {"rude", I_ATTITUDE}, {"rudest", I_ATTITUDE}, {"rudely", I_ATTITUDE}, {"worst", I_ATTITUDE},
    {"terrible", I_ATTITUDE}, {"horrible", I_ATTITUDE}, {"awful", I_ATTITUDE}, {"ridiculous", I_ATTITUDE},
    {"incompetent", I_ATTITUDE}, {"useless", I_ATTITUDE}, {"pathetic", I_ATTITUDE},
    {"disgusting", I_ATTITUDE}, {"disgraceful", I_ATTITUDE}, {"shameful", I_ATTITUDE},
    {"disappointed", I_ATTITUDE}, {"disappointing", I_ATTITUDE}, {"disappointment", I_ATTITUDE},
    {"unhappy", I_ATTITUDE}, {"furious", I_ATTITUDE}, {"angry", I_ATTITUDE}, {"annoyed", I_ATTITUDE},
    {"frustrated", I_ATTITUDE}, {"frustrating", I_ATTITUDE}, {"upset", I_ATTITUDE}, {"sucks", I_ATTITUDE},
    {"fix this", I_ATTITUDE}, {"fix it", I_ATTITUDE}, {"complaint", I_ATTITUDE}, {"complain", I_ATTITUDE},
    {"complaining", I_ATTITUDE}, {"nightmare", I_ATTITUDE}, {"joke", I_ATTITUDE}, {"hate", I_ATTITUDE},
    {"poor service", I_ATTITUDE}, {"bad service", I_ATTITUDE}, {"wrong", I_ATTITUDE}, {"late", I_ATTITUDE},
    {"sue", I_ATTITUDE}, {"lawsuit", I_ATTITUDE}, {"lawyer", I_ATTITUDE}, {"food poisoning", I_ATTITUDE},
    {"unsafe", I_ATTITUDE}, {"dangerous", I_ATTITUDE}, {"injured", I_ATTITUDE},
    /* service context */
    {"flight", I_CONTEXT}, {"flights", I_CONTEXT}, {"plane", I_CONTEXT}, {"airline", I_CONTEXT},
    {"airport", I_CONTEXT}, {"gate", I_CONTEXT}, {"agent", I_CONTEXT}, {"staff", I_CONTEXT},
    {"crew", I_CONTEXT}, {"attendant", I_CONTEXT}, {"pilot", I_CONTEXT}, {"service", I_CONTEXT},
    {"customer service", I_CONTEXT}, {"support", I_CONTEXT}, {"order", I_CONTEXT},
    {"delivery", I_CONTEXT}, {"package", I_CONTEXT}, {"parcel", I_CONTEXT}, {"bag", I_CONTEXT},
    {"bags", I_CONTEXT}, {"luggage", I_CONTEXT}, {"baggage", I_CONTEXT}, {"booking", I_CONTEXT},
    {"reservation", I_CONTEXT}, {"ticket", I_CONTEXT}, {"tickets", I_CONTEXT}, {"seat", I_CONTEXT},
    {"seats", I_CONTEXT}, {"account", I_CONTEXT}, {"app", I_CONTEXT}, {"website", I_CONTEXT},
    {"store", I_CONTEXT}, {"product", I_CONTEXT}, {"payment", I_CONTEXT}, {"bill", I_CONTEXT},
    {"billing", I_CONTEXT}, {"subscription", I_CONTEXT}, {"driver", I_CONTEXT}, {"hotel", I_CONTEXT},
    {"room", I_CONTEXT}, {"manager", I_CONTEXT}, {"employee", I_CONTEXT}, {"rep", I_CONTEXT},
    {"representative", I_CONTEXT}, {"counter", I_CONTEXT}, {"check in", I_CONTEXT},
    {"checkin", I_CONTEXT}, {"boarding", I_CONTEXT}, {"lounge", I_CONTEXT}, {"wifi", I_CONTEXT},
    {"your company", I_CONTEXT}, {"you guys", I_CONTEXT}, {"your airline", I_CONTEXT},
    /* praise */
    {"thanks", I_PRAISE}, {"thx", I_PRAISE}, {"ty", I_PRAISE}, {"love", I_PRAISE}, {"loved", I_PRAISE},
    {"loving", I_PRAISE}, {"amazing", I_PRAISE}, {"awesome", I_PRAISE}, {"excellent", I_PRAISE},
    {"great", I_PRAISE}, {"best", I_PRAISE}, {"fantastic", I_PRAISE}, {"wonderful", I_PRAISE},
    {"appreciate", I_PRAISE}, {"appreciated", I_PRAISE}, {"helpful", I_PRAISE}, {"impressed", I_PRAISE},
    {"outstanding", I_PRAISE}, {"superb", I_PRAISE}, {"brilliant", I_PRAISE}, {"perfect", I_PRAISE},
    {"friendly", I_PRAISE}, {"kind", I_PRAISE},
    {"rocks", I_STRONG_PRAISE}, {"rocked", I_STRONG_PRAISE}, {"you rock", I_STRONG_PRAISE},
    {"kudos", I_STRONG_PRAISE}, {"shoutout", I_STRONG_PRAISE}, {"shout out", I_STRONG_PRAISE},
    {"great job", I_STRONG_PRAISE}, {"good job", I_STRONG_PRAISE}, {"well done", I_STRONG_PRAISE},
    {"thank you", I_STRONG_PRAISE}, {"thank u", I_STRONG_PRAISE}, {"big thanks", I_STRONG_PRAISE},
    {"hats off", I_STRONG_PRAISE}, {"props to", I_STRONG_PRAISE}, {"above and beyond", I_STRONG_PRAISE},
    /* request */
    {"please", I_REQUEST}, {"pls", I_REQUEST}, {"plz", I_REQUEST}, {"can you", I_REQUEST},
    {"could you", I_REQUEST}, {"would you", I_REQUEST}, {"will you", I_REQUEST},
    {"can someone", I_REQUEST}, {"can somebody", I_REQUEST}, {"can anyone", I_REQUEST},
    {"i need", I_REQUEST}, {"we need", I_REQUEST}, {"need help", I_REQUEST}, {"help me", I_REQUEST},
    {"help us", I_REQUEST}, {"dm me", I_REQUEST}, {"dm us", I_REQUEST}, {"direct message", I_REQUEST},
    {"message me", I_REQUEST}, {"call me", I_REQUEST}, {"contact me", I_REQUEST},
    {"get back to me", I_REQUEST}, {"i want", I_REQUEST}, {"i'd like", I_REQUEST},
    {"i would like", I_REQUEST}, {"let me know", I_REQUEST}, {"need assistance", I_REQUEST},
};

/* First words that make a question even without a '?'. */
static const char *const question_starts[] = {
    "how", "what", "when", "where", "why", "who", "which", "can", "could", "is", "are", "does", "do", "did",
    "will", "would", "should", "has", "have", "am", "was", "were", "anyone", "whats", "what's", "hows",
    "how's", "where's", "when's", "who's", "why's", "isn't", "aren't", "doesn't", "didn't", NULL,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int intent_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    *statep = rc_phrases_new(intent_defs, ARRAY_LEN(intent_defs), errstr, errstr_size);
    return *statep != NULL ? 0 : -1;
}

static void intent_destroy(void *state) {
    rc_phrases_destroy(state);
}

static int has_question_mark(const rc_words_t *ws) {
    size_t urls = 0, total = 0;
    for (const char *p = ws->text; (p = strchr(p, '?')) != NULL; p++)
        total++;
    for (size_t i = 0; total > 0 && i < ws->n; i++) {
        if (ws->w[i].kind == RC_WORD_URL)
            urls += memchr(ws->w[i].low, '?', ws->w[i].len) != NULL;
    }
    return total > urls;
}

static size_t array_size(const json_t *entities, const char *key) {
    return json_array_size(json_object_get(entities, key));
}

static int intent_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    if (!a->language_supported)
        return 0; /* the cue lists are English: another language stays "other", not guessed */
    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int rc = -1;
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    uint32_t cues = rc_phrases_scan(state, ws, NULL);
#define CUE(t) ((cues & (1u << (t))) != 0)
    double s = a->sentiment;

    int context = CUE(I_CONTEXT) || array_size(a->entities, "mentions") > 0 ||
                  array_size(a->entities, "references") > 0 || array_size(a->entities, "people") > 0;
    for (size_t i = 0; !context && i < ws->n; i++)
        context = ws->w[i].kind == RC_WORD_MENTION;

    size_t first = 0;
    while (first < ws->n && ws->w[first].kind != RC_WORD_PLAIN)
        first++;

    if ((CUE(I_BREACH) && s < 0.5) || (CUE(I_EVENT) && s < 0.05) || (CUE(I_ATTITUDE) && context && s < 0.05))
        a->intent = "complaint";
    else if ((CUE(I_PRAISE) && s >= 0.05) || (CUE(I_STRONG_PRAISE) && s > -0.05))
        a->intent = "praise";
    else if (CUE(I_REQUEST))
        a->intent = "request";
    else if (has_question_mark(ws) || (first < ws->n && rc_word_in(ws->w[first].low, question_starts)))
        a->intent = "question";
    else
        a->intent = "other";
#undef CUE
    rc = 0;
out:
    rc_words_release(&local);
    return rc;
}

const rc_analyser_t rc_analyser_intent = {
    .name = "intent",
    .init = intent_init,
    .run = intent_run,
    .destroy = intent_destroy,
};
