/*
 * Shared text helpers for the analysers (not VADER, which tokenises exactly
 * as its reference does): a word splitter that knows about @mentions,
 * #hashtags and URLs, and a phrase table for cue lists ("never arrived",
 * "still waiting", ...) matched word by word with one hash look-up per word.
 *
 * Pure code, no I/O. A rc_phrases_t is read-only after rc_phrases_new() and
 * may be shared by threads; a rc_words_t belongs to one call.
 */
#ifndef RC_ENRICH_TEXT_H
#define RC_ENRICH_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RC_WORD_PLAIN = 0,
    RC_WORD_MENTION = '@', /* low/len exclude the '@' */
    RC_WORD_HASHTAG = '#', /* low/len exclude the '#' */
    RC_WORD_URL = 'u',     /* low is the URL as written */
} rc_word_kind_t;

typedef struct rc_word {
    const char *low;   /* lower-cased (ASCII only; U+2019 becomes '), NUL-terminated */
    uint32_t off;      /* byte offset of the word in the text (after any '@'/'#') */
    uint32_t len;      /* its byte length in the text */
    uint32_t low_len;  /* strlen(low) */
    char kind;         /* rc_word_kind_t */
    unsigned char caps;  /* RC_CAPS_* of the word as written */
    unsigned char alpha; /* only ASCII letters */
    unsigned char digits; /* number of ASCII digits */
    uint32_t hash;     /* of "low", for the phrase tables */
} rc_word_t;

enum { RC_CAPS_NONE = 0, RC_CAPS_ALL = 1, RC_CAPS_TITLE = 2 };

#define RC_WORDS_INLINE 256

uint32_t rc_words_hash(const char *s);

typedef struct rc_words {
    const char *text; /* borrowed */
    rc_word_t *w;
    size_t n;
    /* private: inline storage for ordinary posts, heap for long ones */
    rc_word_t inline_w[RC_WORDS_INLINE];
    char inline_buf[RC_WORDS_INLINE * 12];
    rc_word_t *heap_w;
    char *heap_buf;
} rc_words_t;

/* Splits "text" (borrowed; must outlive "ws") into words. Returns 0, or -1
 * if out of memory. rc_words_release() must be called either way. */
int rc_words_split(rc_words_t *ws, const char *text);
void rc_words_release(rc_words_t *ws);

/* The words of analysis "a": a->words if rc_analyse() split the text
 * already, otherwise "local" split now. Returns NULL if out of memory.
 * rc_words_release(local) must be called either way. */
struct rc_analysis;
const rc_words_t *rc_words_of(const struct rc_analysis *a, rc_words_t *local);

/* The byte after word "i" in the text ('\0' at the end). */
char rc_words_after(const rc_words_t *ws, size_t i);
/* Are words "i" and "i + 1" separated by spaces only (no punctuation)? */
int rc_words_adjacent(const rc_words_t *ws, size_t i);

typedef struct rc_phrase_def {
    const char *text; /* space-separated lower-case words, e.g. "never arrived" */
    int tag;          /* 0..31 */
} rc_phrase_def_t;

typedef struct rc_phrases rc_phrases_t;

/* Builds a table from "defs" (borrowed, must outlive the table: normally a
 * static array). A phrase listed twice keeps its first definition. */
rc_phrases_t *rc_phrases_new(const rc_phrase_def_t *defs, size_t n, char *errstr, size_t errstr_size);
void rc_phrases_destroy(rc_phrases_t *p); /* safe on NULL */

/* The longest phrase of plain words starting at word "i": its index in
 * "defs", with *nwords set, or -1. */
int rc_phrases_match(const rc_phrases_t *p, const rc_words_t *ws, size_t i, size_t *nwords);

/* Scans left to right taking the longest match at each word and skipping
 * the words it covers. Adds one per match to counts[tag] (if "counts" is not
 * NULL) and returns the bit mask of the tags seen. */
uint32_t rc_phrases_scan(const rc_phrases_t *p, const rc_words_t *ws, unsigned counts[32]);


/* Is "s" (lower-case) one of the words of the NULL-terminated "list"? */
int rc_word_in(const char *s, const char *const *list);

#endif
