/*
 * Customer-care cues: what a sentiment lexicon misses in posts addressed
 * to a company. "3 hours on hold", "still waiting", "cancelled again",
 * "that was three weeks ago" carry no negative word, yet every reader takes
 * them as a complaint; "great, another delay" reads as praise to a lexicon.
 *
 * The cues come in families (below). The sentiment analyser finds them
 * (once per post, kept in rc_analysis_t.care), shifts VADER's score by an
 * amount per family found and takes courtesy out of polite requests; the
 * intent analyser takes them as evidence of a breach of expectation.
 * Service-failure words ("cancelled", "delayed", "lost", ...) are counted
 * too, unless negated ("not a single delay"), for the families that need
 * them ("just what I needed" + an event is sarcasm) and for intent.
 *
 * Pure code, no I/O. A rc_care_t is read-only after rc_care_new() and may be
 * shared by threads.
 */
#ifndef RC_ENRICH_CARE_H
#define RC_ENRICH_CARE_H

#include <stddef.h>
#include <stdint.h>

#include "analyse.h"
#include "text.h"

typedef enum {
    RC_CARE_HOLD = 0,     /* "on hold", "in the queue", "hold music", "wait time" */
    RC_CARE_WAITING,      /* "still waiting", "still no ...", "no refund yet", "yet to hear" */
    RC_CARE_NO_REPLY,     /* "nobody answers", "no callback", "hung up on me", "no updates" */
    RC_CARE_REPEAT,       /* "cancelled again", "third time", "in a row", "keeps crashing", "another delay" */
    RC_CARE_LATE,         /* "hours late", "3 hours ago", "been waiting 40 minutes", "took 25 minutes" */
    RC_CARE_EXPECTATION,  /* "supposed to", "was told", "promised", "meant to arrive" */
    RC_CARE_WHERE,        /* "where is my ...", "any update on my ..." */
    RC_CARE_FAILURE,      /* "never arrived", "charged twice", "not working", "no signal", "is down" */
    RC_CARE_SARCASM,      /* "thanks for nothing", "love waiting", "great, another delay", "just what I needed" + event */
    RC_CARE_QUOTED,       /* the company's words quoted back: the "complimentary" snack, still "under review" */
    RC_CARE_FAMILIES
} rc_care_family_t;

#define RC_CARE_BIT(f) (1u << (f))

typedef struct rc_care rc_care_t;

rc_care_t *rc_care_new(char *errstr, size_t errstr_size);
void rc_care_destroy(rc_care_t *c); /* safe on NULL */

/* Finds the cues in "ws" (the post's words, borrowed; ws->text is the
 * post's text) into *out (see rc_care_cues_t in analyse.h), with those
 * after the first contrast ("but", "however", "not so much") apart, to
 * tell which side of it a cue is on. Thread-safe. */
void rc_care_scan(const rc_care_t *c, const rc_words_t *ws, rc_care_cues_t *out);

/* The courtesy phrase of bit "k" (static), or NULL past the last. */
const char *rc_care_courtesy_phrase(const rc_care_t *c, size_t k);

/* "hold", "waiting", ... (static), or "?" out of range. */
const char *rc_care_family_name(int family);

#endif
