/*
 * The analysers of ricochet-enrich.
 *
 * Each analyser is one file under enrich/analysers/ exporting one
 * rc_analyser_t, listed in enrich/analysers/registry.c, and run in that
 * order over a post. Analysers are pure: no I/O once initialised (data
 * files are embedded at build time), so they are unit-tested alone.
 *
 * Thread locality: rc_analysers_t is read-only after rc_analysers_new() and
 * is shared by enrich's analysing threads: rc_analyse() runs on several
 * threads at once (each with its own post), so every analyser's run() must
 * be thread-safe (see rc_analyser_t.run).
 */
#ifndef RC_ANALYSE_H
#define RC_ANALYSE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* What enrich learned about the author from the customer lookup
 * (enrich/lookup.h), for the analysers (urgency reads the tier). */
typedef struct rc_customer {
    const char *status;       /* "disabled" | "ok" | "not_found" | "unavailable" (static) */
    const char *tier;         /* e.g. "gold", or NULL (borrowed) */
    const json_t *attributes; /* object of the mapped fields (string values), or NULL (borrowed) */
} rc_customer_t;

/* What analysers build up for one post; turned into an EnrichedPost. */
/* The customer-care cues of post.text (enrich/analysers/care.h): looked for
 * once, by the sentiment analyser, and read by the analysers after it. */
typedef struct rc_care_cues {
    int found;               /* 0 until an analyser has looked */
    uint32_t families;       /* RC_CARE_BIT() of each family found */
    unsigned events;         /* failure words not negated ("cancelled", "lost", ...) */
    size_t contrast_at;      /* word index of the first contrast ("but", "however"), or the word count */
    uint32_t families_after; /* the same, from the contrast on */
    unsigned events_after;
    uint32_t courtesy;       /* bit k: rc_care_courtesy_phrase(k) ("please", "thanks", ...) is there */
    int asks;                /* a '?', "please", "can you", "I need" ... */
} rc_care_cues_t;

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
    const char *language_source; /* "platform" | "detected" | "undetermined" (static) */
    int language_supported;  /* 1 when the rule-based analysers know the language (English) */
    /* The customer lookup's result, never NULL inside rc_analyse() (status
     * "disabled" when no lookup is configured) (borrowed). */
    const rc_customer_t *customer;
    /* The analysis time (enriched_at) in Unix seconds, from rc_analyse()'s
     * "now_rfc3339"; 0 when it does not parse. Analysers use this, never the
     * clock, so a result depends only on its inputs. */
    int64_t now;
    /* post.text with personal data replaced (the privacy analyser): what
     * tickets and alerts show. NULL means nothing was redacted (owned,
     * malloc'd). */
    char *redacted_text;
    json_t *redactions;      /* array of the kinds replaced, e.g. "email" (owned) */
    /* What the trained model said (enrich/analysers/model.c), per head: its
     * label (static) and that label's probability; NULL and 0 when no model
     * is configured or it does not decide that head. */
    const char *model_intent;
    double model_intent_p;
    const char *model_sentiment;
    double model_sentiment_p;
    /* post.text split into words once for every rule-based analyser
     * (enrich/analysers/text.h), set by rc_analyse() (borrowed). An analyser
     * run on its own with NULL here splits the text itself. */
    const struct rc_words *words;
    rc_care_cues_t care;
} rc_analysis_t;

typedef struct rc_analyser {
    const char *name;
    /* Its keys under "enrich.<name>" in the config (bound with the same
     * validation as every other table, so --check reports file:line), and
     * the size of the struct they fill. NULL/0: no keys. The stage's own
     * table (enrich/stage.c) lists each name as a section. */
    const rc_config_entry_t *config;
    size_t conf_size;
    /* One-time set-up (e.g. load a lexicon). "conf" is the bound struct (or
     * NULL without a table) and outlives the state. *statep is passed to
     * run(). */
    int (*init)(void **statep, const void *conf, char *errstr, size_t errstr_size);
    /* Used instead of init when set, by an analyser whose keys hold lists or
     * maps (RC_CT_NODE) that it validates itself: it also gets the config
     * "cfg" (borrowed, only during the call) so rc_config_where() can name
     * file:line. Its errstr is passed on as it is (it names the key). */
    int (*init_config)(void **statep, const void *conf, const rc_config_t *cfg, char *errstr,
                       size_t errstr_size);
    /* Fill its part of "a"; may read what earlier analysers filled. Must be
     * thread-safe: enrich analyses a batch on several threads
     * (enrich.threads), so run() is called concurrently with the same
     * "state", which it must only read (no caches, counters or scratch
     * space in it: keep those on the stack or in "a"). */
    int (*run)(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size);
    void (*destroy)(void *state); /* safe on NULL */
} rc_analyser_t;

extern const rc_analyser_t *const rc_analyser_registry[]; /* NULL-terminated, in run order */

typedef struct rc_analysers rc_analysers_t;

/* Binds each analyser's "enrich.<name>" section of "cfg" (borrowed; NULL:
 * every default) and initialises it. Returns NULL with "file:line: ..." or
 * "analyser X: ..." in errstr. */
rc_analysers_t *rc_analysers_new(const rc_config_t *cfg, char *errstr, size_t errstr_size);
void rc_analysers_destroy(rc_analysers_t *an); /* safe on NULL */

/* Analyse a Post (borrowed) and return a new EnrichedPost object (the post
 * is referenced, not copied), or NULL with errstr. "now_rfc3339" (borrowed)
 * becomes enriched_at. */
json_t *rc_analyse(const rc_analysers_t *an, json_t *post, const char *now_rfc3339, char *errstr,
                   size_t errstr_size);
/* The same with the customer lookup's result for the author ("customer"
 * borrowed; NULL means no lookup configured). */
json_t *rc_analyse_customer(const rc_analysers_t *an, json_t *post, const rc_customer_t *customer,
                            const char *now_rfc3339, char *errstr, size_t errstr_size);

/* The VADER scorer on its own (for tests and benchmarks). */
typedef struct rc_vader rc_vader_t;
rc_vader_t *rc_vader_new(char *errstr, size_t errstr_size); /* uses the embedded lexicons */
void rc_vader_destroy(rc_vader_t *v);
/* Scores "text" (UTF-8, borrowed) as the reference VADER does, rounded as it
 * reports them (compound to 4 decimals, proportions to 3). Any output
 * pointer may be NULL. Thread-safe. */
void rc_vader_score(const rc_vader_t *v, const char *text, double *compound, double *pos, double *neu, double *neg);

#endif
