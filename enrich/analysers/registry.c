#include <stddef.h>

#include "analyse.h"

extern const rc_analyser_t rc_analyser_language;
extern const rc_analyser_t rc_analyser_privacy;
extern const rc_analyser_t rc_analyser_sentiment;
extern const rc_analyser_t rc_analyser_entities;
extern const rc_analyser_t rc_analyser_intent;
extern const rc_analyser_t rc_analyser_model;
extern const rc_analyser_t rc_analyser_urgency;

/* Every analyser, in run order (later ones read what earlier ones found).
 * A new analyser is one file under enrich/analysers/ and one line here.
 * Intent reads sentiment and entities; model (a trained classifier, off
 * unless configured) may then replace the intent and sentiment labels;
 * urgency reads all of them. Sentiment, intent and model read
 * language_supported. Privacy needs only the text. */
const rc_analyser_t *const rc_analyser_registry[] = {
    &rc_analyser_language,
    &rc_analyser_privacy,
    &rc_analyser_sentiment,
    &rc_analyser_entities,
    &rc_analyser_intent,
    &rc_analyser_model,
    &rc_analyser_urgency,
    NULL,
};
