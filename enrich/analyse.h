/*
 * The analysers of ricochet-enrich.
 *
 * Each analyser is one file under enrich/analysers/ exporting one
 * rc_analyser_t, listed in enrich/analysers/registry.c, and run in that
 * order over a post. Analysers are pure: no I/O once initialised (data
 * files are embedded at build time), so they are unit-tested alone.
 *
 * Thread locality: rc_analysers_t is read-only after rc_analysers_new() and
 * may be shared by threads.
 */
#ifndef RC_ANALYSE_H
#define RC_ANALYSE_H

#include <jansson.h>
#include <stddef.h>

/* What analysers build up for one post; turned into an EnrichedPost. */
typedef struct rc_analysis {
    const json_t *post;      /* the Post (borrowed) */
    const char *text;        /* post.text (borrowed) */
    double sentiment;        /* VADER compound -1..1 */
    double pos, neu, neg;    /* VADER proportions */
    const char *sentiment_label; /* "negative" | "neutral" | "positive" (static) */
    const char *intent;      /* "complaint" | "praise" | "question" | "request" | "other" (static) */
    int urgency;             /* 0..100 */
    json_t *urgency_reasons; /* array of strings (owned by the analysis) */
    json_t *entities;        /* object as in enriched_post.avsc Entities (owned) */
    char language[8];        /* ISO 639-1 or "und" */
    /* post.text split into words once for every rule-based analyser
     * (enrich/analysers/text.h), set by rc_analyse() (borrowed). An analyser
     * run on its own with NULL here splits the text itself. */
    const struct rc_words *words;
} rc_analysis_t;

typedef struct rc_analyser {
    const char *name;
    /* One-time set-up (e.g. load a lexicon). *statep is passed to run(). */
    int (*init)(void **statep, char *errstr, size_t errstr_size);
    /* Fill its part of "a"; may read what earlier analysers filled. */
    int (*run)(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size);
    void (*destroy)(void *state); /* safe on NULL */
} rc_analyser_t;

extern const rc_analyser_t *const rc_analyser_registry[]; /* NULL-terminated, in run order */

typedef struct rc_analysers rc_analysers_t;

rc_analysers_t *rc_analysers_new(char *errstr, size_t errstr_size);
void rc_analysers_destroy(rc_analysers_t *an); /* safe on NULL */

/* Analyse a Post (borrowed) and return a new EnrichedPost object (the post
 * is referenced, not copied), or NULL with errstr. "now_rfc3339" (borrowed)
 * becomes enriched_at. */
json_t *rc_analyse(const rc_analysers_t *an, json_t *post, const char *now_rfc3339, char *errstr,
                   size_t errstr_size);

/* The VADER scorer on its own (for tests and benchmarks). */
typedef struct rc_vader rc_vader_t;
rc_vader_t *rc_vader_new(char *errstr, size_t errstr_size); /* uses the embedded lexicons */
void rc_vader_destroy(rc_vader_t *v);
/* Scores "text" (UTF-8, borrowed) as the reference VADER does, rounded as it
 * reports them (compound to 4 decimals, proportions to 3). Any output
 * pointer may be NULL. Thread-safe. */
void rc_vader_score(const rc_vader_t *v, const char *text, double *compound, double *pos, double *neu, double *neg);

#endif
