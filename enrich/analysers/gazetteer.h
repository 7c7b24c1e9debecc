/*
 * The places the entities analyser recognises: cities (one or more words,
 * matched word by word) and IATA airport codes, read from tab-separated
 * gazetteer text (enrich/data/gazetteer.tsv, embedded at build time, and any
 * file the config names). Format and matching rules: docs/analysers.md.
 *
 * Pure code, no I/O: the caller reads files and hands over their bytes. A
 * rc_gazetteer_t is built by rc_gazetteer_new(), rc_gazetteer_add() (any
 * number of times) and rc_gazetteer_finish(); it is read-only afterwards
 * and may be shared by threads.
 */
#ifndef RC_ENRICH_GAZETTEER_H
#define RC_ENRICH_GAZETTEER_H

#include <stddef.h>

#include "text.h"

enum { RC_PLACE_CITY = 1, RC_PLACE_AIRPORT = 2 };
enum {
    RC_PLACE_CASED = 1, /* not when written all in lower case */
    RC_PLACE_CUE = 2,   /* only after a place cue ("in", "at", "to", ...) */
};

typedef struct rc_place {
    const char *canonical; /* city: its name as output; airport: its city */
    const char *code;      /* airport: the IATA code in capitals; city: NULL */
    const char *country;   /* ISO 3166-1 alpha-2, or "" */
    unsigned char kind;    /* RC_PLACE_* */
    unsigned char flags;   /* RC_PLACE_CASED | RC_PLACE_CUE */
} rc_place_t;

typedef struct rc_gazetteer rc_gazetteer_t;

rc_gazetteer_t *rc_gazetteer_new(char *errstr, size_t errstr_size);
void rc_gazetteer_destroy(rc_gazetteer_t *g); /* safe on NULL */

/* Adds the entries of gazetteer text "buf" ("len" bytes, borrowed; copied).
 * "name" names it in errors: "name:line: reason". For a name given more
 * than once the first entry added wins, so add a user's file before the
 * built-in one to override it. Returns 0, or -1 with errstr. */
int rc_gazetteer_add(rc_gazetteer_t *g, const char *buf, size_t len, const char *name, char *errstr,
                     size_t errstr_size);

/* Builds the look-up tables; no rc_gazetteer_add() after it. */
int rc_gazetteer_finish(rc_gazetteer_t *g, char *errstr, size_t errstr_size);

/* Number of entries of "kind" (RC_PLACE_*). */
size_t rc_gazetteer_count(const rc_gazetteer_t *g, int kind);
/* Entry "i" (0 .. count of both kinds - 1), in the order added. */
const rc_place_t *rc_gazetteer_entry(const rc_gazetteer_t *g, size_t i);

/* The place named at word "i" of "ws", with the case and cue rules applied
 * (docs/analysers.md), and *nwords the words it covers; NULL if none. */
const rc_place_t *rc_gazetteer_match(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i, size_t *nwords);

/* Whether word "i" starts a place name, whatever its context: 2 for a city
 * name without flags or an airport code written in capitals, 1 for a city
 * name flagged "cased" or "cue" (often a first name too: Charlotte,
 * Austin), 0 for none. The people rules use it. */
int rc_gazetteer_name_at(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i);

/* Is the capitalised three-letter "code" one of the common words and
 * abbreviations (THE, CEO, LOL, ...) that are read as an airport code only
 * after a cue? "code" is upper-case ASCII. */
int rc_gazetteer_stop_code(const char *code);

/* rc_phrases_match() that also finds a name followed by "'s" or "’s"
 * ("Denver's", "New York's"); *nwords then covers the possessive word. */
int rc_phrases_match_possessive(const rc_phrases_t *p, const rc_words_t *ws, size_t i, size_t *nwords);

#endif
