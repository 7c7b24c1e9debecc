/*
 * VADER sentiment (Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model
 * for Sentiment Analysis of Social Media Text", ICWSM 2014), written for C
 * from the published description of the algorithm and the behaviour of the
 * reference scorer (vaderSentiment 3.3). The lexicons are the reference ones
 * (MIT, C.J. Hutto), embedded at build time: see enrich/data/README.md.
 *
 * The rules, in the order the reference applies them to each token:
 *   - a token is looked up lower-cased; booster words and "kind" of
 *     "kind of" score 0 themselves and only modify what follows;
 *   - "no" before a lexicon word is a negation rather than a word of its own;
 *   - an ALL-CAPS sentiment word in a text that mixes case gets +-0.733;
 *   - up to three preceding non-lexicon words may boost or dampen (+-0.293,
 *     scaled by 1, 0.95, 0.9 with distance; +-0.733 more if the booster is in
 *     caps) and may negate (x -0.74), with "never so/this" (x 1.25) and
 *     "without doubt" (no negation) as exceptions;
 *   - special idioms ("the bomb", "kiss of death", ...) replace the valence
 *     and the bigram dampeners "kind of"/"sort of"/"just enough" add theirs;
 *   - "least" negates unless it reads "at least" / "very least";
 *   - the first "but" halves everything before it and multiplies everything
 *     after it by 1.5;
 *   - up to four '!' add 0.292 each, two or more '?' add 0.18 each (at most
 *     0.96), in the direction of the sum;
 *   - compound = sum / sqrt(sum^2 + 15); pos/neu/neg are the shares of the
 *     positive sums (+1 per word), negative sums (-1 per word) and neutral
 *     word count.
 * Emoji are replaced by their description from the emoji lexicon first, so
 * they score through the words of the description.
 *
 * Where the reference's behaviour is a quirk (e.g. the operator precedence in
 * its three-words-back "so/this" check) it is reproduced on purpose: the
 * validated correlation with human ratings was measured with it.
 *
 * Deliberate differences: upper/lower case is ASCII only (the lexicons are
 * ASCII), and the scorer works on UTF-8 bytes, counting code points where the
 * reference counts characters. The "but" rule scales each word by its
 * position; the reference finds each word again by its value (list.index),
 * so when a word's valence (scaled or not) equals an earlier one's it can
 * scale the earlier word twice and this one not at all; that slip is not
 * kept.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "util.h"

extern const unsigned char rc_vader_lexicon[];
extern const size_t rc_vader_lexicon_len;
extern const unsigned char rc_vader_emoji[];
extern const size_t rc_vader_emoji_len;

#define VADER_B_INCR 0.293
#define VADER_B_DECR (-0.293)
#define VADER_C_INCR 0.733
#define VADER_N_SCALAR (-0.74)
#define VADER_ALPHA 15.0

/* Flags of a word in the table: one hash look-up per token answers every
 * question the rules ask about it. */
enum { VW_LEXICON = 1, VW_BOOSTER = 2, VW_NEGATE = 4, VW_PHRASE_HEAD = 8 };

/* The words the rules ask about by name ("but", "no", "least", ...), so a
 * token's table entry answers "is it X?" without a string compare. */
enum {
    SW_NONE = 0,
    SW_NEVER,
    SW_SO,
    SW_THIS,
    SW_WITHOUT,
    SW_DOUBT,
    SW_LEAST,
    SW_AT,
    SW_VERY,
    SW_NO,
    SW_OR,
    SW_NOR,
    SW_BUT,
    SW_KIND,
    SW_OF,
};
static const char *const vader_rule_words[] = {NULL, "never", "so",   "this", "without", "doubt", "least", "at",
                                               "very", "no",    "or",   "nor",  "but",     "kind",  "of"};

typedef struct vader_word {
    const char *key; /* NULL for an empty slot */
    uint32_t len;
    uint32_t hash;
    unsigned flags;
    unsigned rule_word; /* SW_*, or SW_NONE */
    double valence; /* with VW_LEXICON */
    double booster; /* with VW_BOOSTER */
} vader_word_t;

typedef struct vader_emoji {
    uint32_t cp; /* 0 for an empty slot */
    uint32_t desc_len;
    const char *desc;
} vader_emoji_t;

struct rc_vader {
    char *lexbuf;   /* owned copy of the lexicon text; keys point into it */
    char *emojibuf; /* same for the emoji lexicon */
    char *headbuf;  /* first words of the multi-word phrases */
    vader_word_t *words;
    size_t words_mask;
    vader_emoji_t *emoji;
    size_t emoji_mask;
};

typedef struct vader_pair {
    const char *key;
    double value;
} vader_pair_t;

/* Booster (intensifier) and dampener words. */
static const vader_pair_t vader_boosters[] = {
    {"absolutely", VADER_B_INCR},   {"amazingly", VADER_B_INCR},     {"awfully", VADER_B_INCR},
    {"completely", VADER_B_INCR},   {"considerable", VADER_B_INCR},  {"considerably", VADER_B_INCR},
    {"decidedly", VADER_B_INCR},    {"deeply", VADER_B_INCR},        {"effing", VADER_B_INCR},
    {"enormous", VADER_B_INCR},     {"enormously", VADER_B_INCR},    {"entirely", VADER_B_INCR},
    {"especially", VADER_B_INCR},   {"exceptional", VADER_B_INCR},   {"exceptionally", VADER_B_INCR},
    {"extreme", VADER_B_INCR},      {"extremely", VADER_B_INCR},     {"fabulously", VADER_B_INCR},
    {"flipping", VADER_B_INCR},     {"flippin", VADER_B_INCR},       {"frackin", VADER_B_INCR},
    {"fracking", VADER_B_INCR},     {"fricking", VADER_B_INCR},      {"frickin", VADER_B_INCR},
    {"frigging", VADER_B_INCR},     {"friggin", VADER_B_INCR},       {"fully", VADER_B_INCR},
    {"fuckin", VADER_B_INCR},       {"fucking", VADER_B_INCR},       {"fuggin", VADER_B_INCR},
    {"fugging", VADER_B_INCR},      {"greatly", VADER_B_INCR},       {"hella", VADER_B_INCR},
    {"highly", VADER_B_INCR},       {"hugely", VADER_B_INCR},        {"incredible", VADER_B_INCR},
    {"incredibly", VADER_B_INCR},   {"intensely", VADER_B_INCR},     {"major", VADER_B_INCR},
    {"majorly", VADER_B_INCR},      {"more", VADER_B_INCR},          {"most", VADER_B_INCR},
    {"particularly", VADER_B_INCR}, {"purely", VADER_B_INCR},        {"quite", VADER_B_INCR},
    {"really", VADER_B_INCR},       {"remarkably", VADER_B_INCR},    {"so", VADER_B_INCR},
    {"substantially", VADER_B_INCR}, {"thoroughly", VADER_B_INCR},   {"total", VADER_B_INCR},
    {"totally", VADER_B_INCR},      {"tremendous", VADER_B_INCR},    {"tremendously", VADER_B_INCR},
    {"uber", VADER_B_INCR},         {"unbelievably", VADER_B_INCR},  {"unusually", VADER_B_INCR},
    {"utter", VADER_B_INCR},        {"utterly", VADER_B_INCR},       {"very", VADER_B_INCR},
    {"almost", VADER_B_DECR},       {"barely", VADER_B_DECR},        {"hardly", VADER_B_DECR},
    {"just enough", VADER_B_DECR},  {"kind of", VADER_B_DECR},       {"kinda", VADER_B_DECR},
    {"kindof", VADER_B_DECR},       {"kind-of", VADER_B_DECR},       {"less", VADER_B_DECR},
    {"little", VADER_B_DECR},       {"marginal", VADER_B_DECR},      {"marginally", VADER_B_DECR},
    {"occasional", VADER_B_DECR},   {"occasionally", VADER_B_DECR},  {"partly", VADER_B_DECR},
    {"scarce", VADER_B_DECR},       {"scarcely", VADER_B_DECR},      {"slight", VADER_B_DECR},
    {"slightly", VADER_B_DECR},     {"somewhat", VADER_B_DECR},      {"sort of", VADER_B_DECR},
    {"sorta", VADER_B_DECR},        {"sortof", VADER_B_DECR},        {"sort-of", VADER_B_DECR},
};

/* Two-word boosters, checked as bigrams before a sentiment word. */
static const vader_pair_t vader_booster_bigrams[] = {
    {"just enough", VADER_B_DECR},
    {"kind of", VADER_B_DECR},
    {"sort of", VADER_B_DECR},
};

/* Negation words; any word containing "n't" negates too. */
static const char *const vader_negations[] = {
    "aint",    "arent",    "cannot",  "cant",     "couldnt", "darent",   "didnt",   "doesnt",  "ain't",
    "aren't",  "can't",    "couldn't", "daren't", "didn't",  "doesn't",  "dont",    "hadnt",   "hasnt",
    "havent",  "isnt",     "mightnt", "mustnt",   "neither", "don't",    "hadn't",  "hasn't",  "haven't",
    "isn't",   "mightn't", "mustn't", "neednt",   "needn't", "never",    "none",    "nope",    "nor",
    "not",     "nothing",  "nowhere", "oughtnt",  "shant",   "shouldnt", "uhuh",    "wasnt",   "werent",
    "oughtn't", "shan't",  "shouldn't", "uh-uh",  "wasn't",  "weren't",  "without", "wont",    "wouldnt",
    "won't",   "wouldn't", "rarely",  "seldom",   "despite",
};

/* Phrases whose valence replaces the word's own. */
static const vader_pair_t vader_special_cases[] = {
    {"the shit", 3},        {"the bomb", 3},        {"bad ass", 1.5},        {"badass", 1.5},
    {"bus stop", 0.0},      {"yeah right", -2},     {"kiss of death", -1.5}, {"to die for", 3},
    {"beating heart", 3.1}, {"broken heart", -2.9},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- hashing ---- */

static uint32_t vader_hash(const char *s, size_t len) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static size_t table_size_for(size_t n) {
    size_t sz = 64;
    while (sz < n * 2)
        sz <<= 1;
    return sz;
}

static vader_word_t *word_slot(vader_word_t *words, size_t mask, const char *s, size_t len, uint32_t h) {
    size_t i = h & mask;
    while (words[i].key != NULL) {
        if (words[i].hash == h && words[i].len == len && memcmp(words[i].key, s, len) == 0)
            return &words[i];
        i = (i + 1) & mask;
    }
    return &words[i];
}

static const vader_word_t *word_find(const rc_vader_t *v, const char *s, size_t len) {
    uint32_t h = vader_hash(s, len);
    const vader_word_t *w = word_slot(v->words, v->words_mask, s, len, h);
    return w->key != NULL ? w : NULL;
}

/* Returns the entry for "s" (borrowed, must outlive the table), adding it. */
static vader_word_t *word_add(rc_vader_t *v, const char *s, size_t len) {
    uint32_t h = vader_hash(s, len);
    vader_word_t *w = word_slot(v->words, v->words_mask, s, len, h);
    if (w->key == NULL) {
        w->key = s;
        w->len = (uint32_t)len;
        w->hash = h;
    }
    return w;
}

static const vader_emoji_t *emoji_find(const rc_vader_t *v, uint32_t cp) {
    size_t i = (cp * 2654435761u) & v->emoji_mask;
    while (v->emoji[i].cp != 0) {
        if (v->emoji[i].cp == cp)
            return &v->emoji[i];
        i = (i + 1) & v->emoji_mask;
    }
    return NULL;
}

/* ---- UTF-8 ---- */


/* Byte length of the whitespace character at "p", or 0. The set is what
 * Python's str.split() splits on, as the reference tokenises with it. */
static inline size_t ws_len(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    /* ASCII: ' ', \t \n \v \f \r (9..13) and 0x1c..0x1f, as one bit test. */
    if (c < 0x80)
        return c == ' ' || (c < 0x20 && ((0xF0003E00u >> c) & 1));
    uint32_t cp;
    size_t n = rc_utf8_decode(p, end, &cp);
    if (n == 0)
        return 0;
    if (cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
        cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000)
        return n;
    return 0;
}

static int is_ascii_punct(unsigned char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/* Does "s" hold at most two code points? (Stops counting at three.) */
static int utf8_at_most_2(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len && n <= 2; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n <= 2;
}

/* ---- construction ---- */

static int load_lexicon(rc_vader_t *v, char *errstr, size_t errstr_size) {
    size_t nlines = 1;
    for (size_t i = 0; i < rc_vader_lexicon_len; i++)
        nlines += rc_vader_lexicon[i] == '\n';
    v->words_mask = table_size_for(nlines + ARRAY_LEN(vader_boosters) + ARRAY_LEN(vader_negations) +
                                   ARRAY_LEN(vader_rule_words) + ARRAY_LEN(vader_special_cases) +
                                   ARRAY_LEN(vader_booster_bigrams)) - 1;
    v->words = calloc(v->words_mask + 1, sizeof(*v->words));
    v->lexbuf = malloc(rc_vader_lexicon_len + 1);
    if (v->words == NULL || v->lexbuf == NULL) {
        snprintf(errstr, errstr_size, "out of memory loading the VADER lexicon");
        return -1;
    }
    memcpy(v->lexbuf, rc_vader_lexicon, rc_vader_lexicon_len + 1);

    size_t nwords = 0;
    char *line = v->lexbuf;
    while (*line != '\0') {
        char *eol = strchr(line, '\n');
        char *next = eol != NULL ? eol + 1 : line + strlen(line);
        if (eol != NULL)
            *eol = '\0';
        while (*line == ' ' || *line == '\r')
            line++;
        char *tab = strchr(line, '\t');
        if (tab != NULL && tab > line) {
            *tab = '\0';
            char *endp;
            double valence = strtod(tab + 1, &endp);
            if (endp == tab + 1) {
                snprintf(errstr, errstr_size, "VADER lexicon: no valence for \"%s\"", line);
                return -1;
            }
            /* A later line wins, as in a dictionary built line by line. */
            vader_word_t *w = word_add(v, line, (size_t)(tab - line));
            w->flags |= VW_LEXICON;
            w->valence = valence;
            nwords++;
        }
        line = next;
    }
    if (nwords < 1000) {
        snprintf(errstr, errstr_size, "VADER lexicon has only %zu words; the embedded data is broken", nwords);
        return -1;
    }
    /* Booster and negation words share the table so a token is looked up
     * once. Bigram boosters never match a single token, so they are kept
     * out of it. */
    for (size_t i = 0; i < ARRAY_LEN(vader_boosters); i++) {
        const char *k = vader_boosters[i].key;
        if (strchr(k, ' ') != NULL)
            continue;
        vader_word_t *w = word_add(v, k, strlen(k));
        w->flags |= VW_BOOSTER;
        w->booster = vader_boosters[i].value;
    }
    for (size_t i = 0; i < ARRAY_LEN(vader_negations); i++)
        word_add(v, vader_negations[i], strlen(vader_negations[i]))->flags |= VW_NEGATE;
    for (unsigned i = 1; i < ARRAY_LEN(vader_rule_words); i++)
        word_add(v, vader_rule_words[i], strlen(vader_rule_words[i]))->rule_word = i;

    /* Mark the first words of the idioms and bigram boosters, so the phrase
     * checks, which run for most sentiment words, stop at one flag test. */
    size_t total = 0;
    for (size_t i = 0; i < ARRAY_LEN(vader_special_cases); i++)
        total += strlen(vader_special_cases[i].key) + 1;
    for (size_t i = 0; i < ARRAY_LEN(vader_booster_bigrams); i++)
        total += strlen(vader_booster_bigrams[i].key) + 1;
    v->headbuf = malloc(total);
    if (v->headbuf == NULL) {
        snprintf(errstr, errstr_size, "out of memory loading the VADER lexicon");
        return -1;
    }
    char *h = v->headbuf;
    size_t nspecial = ARRAY_LEN(vader_special_cases);
    for (size_t i = 0; i < nspecial + ARRAY_LEN(vader_booster_bigrams); i++) {
        const char *k = i < nspecial ? vader_special_cases[i].key : vader_booster_bigrams[i - nspecial].key;
        size_t len = strcspn(k, " ");
        memcpy(h, k, len);
        h[len] = '\0';
        word_add(v, h, len)->flags |= VW_PHRASE_HEAD;
        h += len + 1;
    }
    return 0;
}

static int load_emoji(rc_vader_t *v, char *errstr, size_t errstr_size) {
    size_t nlines = 1;
    for (size_t i = 0; i < rc_vader_emoji_len; i++)
        nlines += rc_vader_emoji[i] == '\n';
    v->emoji_mask = table_size_for(nlines) - 1;
    v->emoji = calloc(v->emoji_mask + 1, sizeof(*v->emoji));
    v->emojibuf = malloc(rc_vader_emoji_len + 1);
    if (v->emoji == NULL || v->emojibuf == NULL) {
        snprintf(errstr, errstr_size, "out of memory loading the VADER emoji lexicon");
        return -1;
    }
    memcpy(v->emojibuf, rc_vader_emoji, rc_vader_emoji_len + 1);

    size_t n = 0;
    char *line = v->emojibuf;
    while (*line != '\0') {
        char *eol = strchr(line, '\n');
        char *next = eol != NULL ? eol + 1 : line + strlen(line);
        if (eol != NULL)
            *eol = '\0';
        char *tab = strchr(line, '\t');
        if (tab != NULL && tab > line) {
            char *desc = tab + 1;
            char *dend = desc + strcspn(desc, "\t\r");
            *dend = '\0';
            uint32_t cp;
            size_t clen = rc_utf8_decode((const unsigned char *)line, (const unsigned char *)tab, &cp);
            /* The reference replaces one character at a time, so only the
             * single-code-point entries (not ZWJ sequences, flags or
             * entries with a variation selector) can ever match. */
            if (clen != 0 && line + clen == tab && cp >= 0x80) {
                size_t i = (cp * 2654435761u) & v->emoji_mask;
                while (v->emoji[i].cp != 0 && v->emoji[i].cp != cp)
                    i = (i + 1) & v->emoji_mask;
                v->emoji[i].cp = cp;
                v->emoji[i].desc = desc;
                v->emoji[i].desc_len = (uint32_t)(dend - desc);
                n++;
            }
        }
        line = next;
    }
    if (n < 100) {
        snprintf(errstr, errstr_size, "VADER emoji lexicon has only %zu entries; the embedded data is broken", n);
        return -1;
    }
    return 0;
}

rc_vader_t *rc_vader_new(char *errstr, size_t errstr_size) {
    rc_vader_t *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (load_lexicon(v, errstr, errstr_size) != 0 || load_emoji(v, errstr, errstr_size) != 0) {
        rc_vader_destroy(v);
        return NULL;
    }
    return v;
}

void rc_vader_destroy(rc_vader_t *v) {
    if (v == NULL)
        return;
    free(v->words);
    free(v->emoji);
    free(v->lexbuf);
    free(v->emojibuf);
    free(v->headbuf);
    free(v);
}

/* ---- scoring ---- */

typedef struct vader_tok {
    const char *raw;       /* the token as written (after punctuation stripping) */
    uint32_t raw_len;
    const char *low;       /* lower-cased copy, NUL-terminated */
    uint32_t len;
    const vader_word_t *w; /* table entry of "low", or NULL */
    int upper;             /* Python's str.isupper(): has a cased letter, none lower case */
} vader_tok_t;

typedef struct vader_ctx {
    const rc_vader_t *v;
    vader_tok_t *t;
    size_t n;
    int cap_diff;
} vader_ctx_t;

/* Is token "i" the rule word "sw" (SW_*)? */
static int tok_eq(const vader_ctx_t *c, size_t i, unsigned sw) {
    return c->t[i].w != NULL && c->t[i].w->rule_word == sw;
}

static int tok_in_lexicon(const vader_ctx_t *c, size_t i) {
    return c->t[i].w != NULL && (c->t[i].w->flags & VW_LEXICON);
}

static int tok_negated(const vader_ctx_t *c, size_t i) {
    return (c->t[i].w != NULL && (c->t[i].w->flags & VW_NEGATE)) || strstr(c->t[i].low, "n't") != NULL;
}

/* Do tokens "i".. spell the space-separated "phrase" exactly? */
static int tok_phrase(const vader_ctx_t *c, size_t i, size_t nwords, const char *phrase) {
    if (c->t[i].w == NULL || !(c->t[i].w->flags & VW_PHRASE_HEAD))
        return 0;
    const char *p = phrase;
    for (size_t k = 0; k < nwords; k++) {
        const vader_tok_t *t = &c->t[i + k];
        if (strncmp(p, t->low, t->len) != 0)
            return 0;
        p += t->len;
        if (k + 1 < nwords) {
            if (*p != ' ')
                return 0;
            p++;
        }
    }
    return *p == '\0';
}

static int special_case(const vader_ctx_t *c, size_t i, size_t nwords, double *valence) {
    if (c->t[i].w == NULL || !(c->t[i].w->flags & VW_PHRASE_HEAD))
        return 0; /* the common case, decided once rather than per idiom */
    for (size_t k = 0; k < ARRAY_LEN(vader_special_cases); k++) {
        if (tok_phrase(c, i, nwords, vader_special_cases[k].key)) {
            *valence = vader_special_cases[k].value;
            return 1;
        }
    }
    return 0;
}

static double scalar_inc_dec(const vader_ctx_t *c, size_t j, double valence) {
    const vader_tok_t *t = &c->t[j];
    double scalar = 0.0;
    if (t->w != NULL && (t->w->flags & VW_BOOSTER)) {
        scalar = t->w->booster;
        if (valence < 0)
            scalar *= -1;
        if (t->upper && c->cap_diff)
            scalar += valence > 0 ? VADER_C_INCR : -VADER_C_INCR;
    }
    return scalar;
}

static double negation_check(const vader_ctx_t *c, double valence, size_t start_i, size_t i) {
    if (start_i == 0) {
        if (tok_negated(c, i - 1))
            valence *= VADER_N_SCALAR;
    } else if (start_i == 1) {
        if (tok_eq(c, i - 2, SW_NEVER) && (tok_eq(c, i - 1, SW_SO) || tok_eq(c, i - 1, SW_THIS)))
            valence *= 1.25;
        else if (tok_eq(c, i - 2, SW_WITHOUT) && tok_eq(c, i - 1, SW_DOUBT))
            ;
        else if (tok_negated(c, i - 2))
            valence *= VADER_N_SCALAR;
    } else {
        /* The reference reads "never so/this" three words back with an "or"
         * binding looser than intended: "so"/"this" right before the word is
         * enough. Kept as is (see the top of the file). */
        if ((tok_eq(c, i - 3, SW_NEVER) && (tok_eq(c, i - 2, SW_SO) || tok_eq(c, i - 2, SW_THIS))) ||
            tok_eq(c, i - 1, SW_SO) || tok_eq(c, i - 1, SW_THIS))
            valence *= 1.25;
        else if (tok_eq(c, i - 3, SW_WITHOUT) && (tok_eq(c, i - 2, SW_DOUBT) || tok_eq(c, i - 1, SW_DOUBT)))
            ;
        else if (tok_negated(c, i - 3))
            valence *= VADER_N_SCALAR;
    }
    return valence;
}

/* Called for i >= 3 only. */
static double special_idioms_check(const vader_ctx_t *c, double valence, size_t i) {
    /* (first token, number of tokens) in the reference's order of preference:
     * "w[i-1] w[i]", "w[i-2] w[i-1] w[i]", "w[i-2] w[i-1]", "w[i-3] w[i-2]
     * w[i-1]", "w[i-3] w[i-2]". */
    static const struct {
        size_t back, n;
    } seqs[] = {{1, 2}, {2, 3}, {2, 2}, {3, 3}, {3, 2}};
    for (size_t k = 0; k < ARRAY_LEN(seqs); k++) {
        if (special_case(c, i - seqs[k].back, seqs[k].n, &valence))
            break;
    }
    if (c->n - 1 > i)
        special_case(c, i, 2, &valence);
    if (c->n - 1 > i + 1)
        special_case(c, i, 3, &valence);
    /* Bigram dampeners ("kind of") just before the word; the three-word
     * sequence is checked too, as in the reference, though no booster has
     * three words. */
    static const struct {
        size_t back, n;
    } grams[] = {{3, 3}, {3, 2}, {2, 2}};
    for (size_t k = 0; k < ARRAY_LEN(grams); k++) {
        for (size_t b = 0; b < ARRAY_LEN(vader_booster_bigrams); b++) {
            if (tok_phrase(c, i - grams[k].back, grams[k].n, vader_booster_bigrams[b].key)) {
                valence += vader_booster_bigrams[b].value;
                break;
            }
        }
    }
    return valence;
}

static double least_check(const vader_ctx_t *c, double valence, size_t i) {
    if (i > 1 && !tok_in_lexicon(c, i - 1) && tok_eq(c, i - 1, SW_LEAST)) {
        if (!tok_eq(c, i - 2, SW_AT) && !tok_eq(c, i - 2, SW_VERY))
            valence *= VADER_N_SCALAR;
    } else if (i > 0 && !tok_in_lexicon(c, i - 1) && tok_eq(c, i - 1, SW_LEAST)) {
        valence *= VADER_N_SCALAR;
    }
    return valence;
}

static double sentiment_valence(const vader_ctx_t *c, size_t i) {
    const vader_tok_t *t = &c->t[i];
    if (!tok_in_lexicon(c, i))
        return 0.0;
    double lexval = t->w->valence;
    double valence = lexval;

    /* "no" right before a lexicon word negates it instead of scoring. */
    if (tok_eq(c, i, SW_NO) && i != c->n - 1 && tok_in_lexicon(c, i + 1))
        valence = 0.0;
    if ((i > 0 && tok_eq(c, i - 1, SW_NO)) || (i > 1 && tok_eq(c, i - 2, SW_NO)) ||
        (i > 2 && tok_eq(c, i - 3, SW_NO) && (tok_eq(c, i - 1, SW_OR) || tok_eq(c, i - 1, SW_NOR))))
        valence = lexval * VADER_N_SCALAR;

    if (t->upper && c->cap_diff)
        valence += valence > 0 ? VADER_C_INCR : -VADER_C_INCR;

    for (size_t start_i = 0; start_i < 3; start_i++) {
        if (i > start_i && !tok_in_lexicon(c, i - (start_i + 1))) {
            double s = scalar_inc_dec(c, i - (start_i + 1), valence);
            if (start_i == 1 && s != 0)
                s *= 0.95;
            if (start_i == 2 && s != 0)
                s *= 0.9;
            valence += s;
            valence = negation_check(c, valence, start_i, i);
            if (start_i == 2)
                valence = special_idioms_check(c, valence, i);
        }
    }
    return least_check(c, valence, i);
}

static double round_to(double x, double scale) {
    return round(x * scale) / scale;
}

/* Emoji-expanded length of "text", or "len" itself if nothing changes. */
static size_t expanded_len(const rc_vader_t *v, const unsigned char *s, size_t len, int *changed) {
    const unsigned char *p = s, *end = s + len;
    size_t out = 0;
    int prev_space = 1;
    *changed = 0;
    while (p < end) {
        if (*p < 0x80) {
            prev_space = *p == ' ';
            out++;
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = rc_utf8_decode(p, end, &cp);
        if (n == 0)
            n = 1;
        const vader_emoji_t *e = n > 1 ? emoji_find(v, cp) : NULL;
        if (e != NULL) {
            out += (prev_space ? 0 : 1) + e->desc_len;
            *changed = 1;
        } else {
            out += n;
        }
        prev_space = 0;
        p += n;
    }
    return out;
}

static void expand_emoji(const rc_vader_t *v, const unsigned char *s, size_t len, char *out) {
    const unsigned char *p = s, *end = s + len;
    int prev_space = 1;
    while (p < end) {
        if (*p < 0x80) {
            prev_space = *p == ' ';
            *out++ = (char)*p++;
            continue;
        }
        uint32_t cp;
        size_t n = rc_utf8_decode(p, end, &cp);
        if (n == 0)
            n = 1;
        const vader_emoji_t *e = n > 1 ? emoji_find(v, cp) : NULL;
        if (e != NULL) {
            if (!prev_space)
                *out++ = ' ';
            memcpy(out, e->desc, e->desc_len);
            out += e->desc_len;
        } else {
            memcpy(out, p, n);
            out += n;
        }
        prev_space = 0;
        p += n;
    }
}

/* Scratch space on the stack for ordinary posts, on the heap for long ones. */
#define VADER_STACK_BYTES 4096
#define VADER_STACK_TOKENS 256

void rc_vader_score(const rc_vader_t *v, const char *text, double *compound, double *pos, double *neu, double *neg) {
    char sbuf[VADER_STACK_BYTES];
    vader_tok_t stoks[VADER_STACK_TOKENS];
    double ssent[VADER_STACK_TOKENS];
    char *heap_buf = NULL;
    vader_tok_t *heap_toks = NULL;
    double *heap_sent = NULL;
    double c_out = 0.0, p_out = 0.0, u_out = 0.0, n_out = 0.0;

    size_t len = strlen(text);
    int changed;
    size_t xlen = expanded_len(v, (const unsigned char *)text, len, &changed);
    /* Expanded text, then a lower-cased copy of every token with its NUL. */
    size_t need = (changed ? xlen : 0) + xlen + xlen / 2 + 2;
    char *buf = sbuf;
    if (need > sizeof(sbuf)) {
        heap_buf = malloc(need);
        if (heap_buf == NULL)
            goto out;
        buf = heap_buf;
    }
    const char *x = text;
    char *lowp = buf;
    if (changed) {
        expand_emoji(v, (const unsigned char *)text, len, buf);
        x = buf;
        lowp = buf + xlen;
    }
    const unsigned char *xs = (const unsigned char *)x, *xend = xs + xlen;

    size_t max_toks = xlen / 2 + 1;
    vader_tok_t *toks = stoks;
    double *sent = ssent;
    if (max_toks > VADER_STACK_TOKENS) {
        heap_toks = malloc(max_toks * sizeof(*heap_toks));
        heap_sent = malloc(max_toks * sizeof(*heap_sent));
        if (heap_toks == NULL || heap_sent == NULL)
            goto out;
        toks = heap_toks;
        sent = heap_sent;
    }

    /* Split on whitespace; strip punctuation from a token's ends unless that
     * leaves two characters or fewer (so ":)" and "S." survive). */
    size_t n = 0, nupper = 0;
    const unsigned char *p = xs;
    int excl = 0, quest = 0;
    while (p < xend) {
        size_t w = ws_len(p, xend);
        if (w != 0) {
            p += w;
            continue;
        }
        const unsigned char *start = p;
        while (p < xend && ws_len(p, xend) == 0) {
            excl += *p == '!';
            quest += *p == '?';
            p++;
        }
        const unsigned char *a = start, *b = p;
        while (a < b && is_ascii_punct(*a))
            a++;
        while (b > a && is_ascii_punct(b[-1]))
            b--;
        if (utf8_at_most_2((const char *)a, (size_t)(b - a))) {
            a = start;
            b = p;
        }
        vader_tok_t *t = &toks[n++];
        t->raw = (const char *)a;
        t->raw_len = (uint32_t)(b - a);
        t->low = lowp;
        t->len = t->raw_len;
        int has_upper = 0, has_lower = 0;
        for (const unsigned char *q = a; q < b; q++) {
            unsigned char ch = *q;
            if (ch >= 'A' && ch <= 'Z') {
                has_upper = 1;
                ch = (unsigned char)(ch - 'A' + 'a');
            } else if (ch >= 'a' && ch <= 'z') {
                has_lower = 1;
            }
            *lowp++ = (char)ch;
        }
        *lowp++ = '\0';
        t->upper = has_upper && !has_lower;
        nupper += t->upper;
        t->w = word_find(v, t->low, t->len);
    }
    if (n == 0)
        goto out;

    vader_ctx_t c = {.v = v, .t = toks, .n = n, .cap_diff = nupper > 0 && nupper < n};
    size_t but = n;
    for (size_t i = 0; i < n; i++) {
        if (but == n && tok_eq(&c, i, SW_BUT))
            but = i;
        if (toks[i].w != NULL && (toks[i].w->flags & VW_BOOSTER)) {
            sent[i] = 0.0;
            continue;
        }
        if (i < n - 1 && tok_eq(&c, i, SW_KIND) && tok_eq(&c, i + 1, SW_OF)) {
            sent[i] = 0.0;
            continue;
        }
        sent[i] = sentiment_valence(&c, i);
    }
    /* Contrast: what follows the first "but" outweighs what precedes it. */
    if (but < n) {
        for (size_t i = 0; i < n; i++) {
            if (i < but)
                sent[i] *= 0.5;
            else if (i > but)
                sent[i] *= 1.5;
        }
    }

    double sum = 0.0, pos_sum = 0.0, neg_sum = 0.0;
    size_t neu_count = 0;
    for (size_t i = 0; i < n; i++) {
        sum += sent[i];
        if (sent[i] > 0)
            pos_sum += sent[i] + 1; /* +1 compensates for neutral words counted as 1 */
        else if (sent[i] < 0)
            neg_sum += sent[i] - 1;
        else
            neu_count++;
    }
    double punct = (excl > 4 ? 4 : excl) * 0.292;
    if (quest > 1)
        punct += quest <= 3 ? quest * 0.18 : 0.96;
    if (sum > 0)
        sum += punct;
    else if (sum < 0)
        sum -= punct;
    c_out = sum / sqrt(sum * sum + VADER_ALPHA);
    if (c_out < -1.0)
        c_out = -1.0;
    else if (c_out > 1.0)
        c_out = 1.0;

    if (pos_sum > fabs(neg_sum))
        pos_sum += punct;
    else if (pos_sum < fabs(neg_sum))
        neg_sum -= punct;
    double total = pos_sum + fabs(neg_sum) + (double)neu_count;
    p_out = fabs(pos_sum / total);
    n_out = fabs(neg_sum / total);
    u_out = fabs((double)neu_count / total);

out:
    /* Rounded as the reference reports them, so scores compare directly. */
    if (compound != NULL)
        *compound = round_to(c_out, 1e4);
    if (pos != NULL)
        *pos = round_to(p_out, 1e3);
    if (neu != NULL)
        *neu = round_to(u_out, 1e3);
    if (neg != NULL)
        *neg = round_to(n_out, 1e3);
    free(heap_buf);
    free(heap_toks);
    free(heap_sent);
}
