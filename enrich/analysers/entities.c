/*
 * Entities: what a post names, for routing and for the people who read the
 * ticket.
 *
 *   mentions    @handle (without the '@'; Mastodon's user@host kept whole)
 *   hashtags    #tag (without the '#'; "#12345" is a number, not a tag)
 *   urls        http://, https:// and www. links
 *   people      "Kimberly S." / "KIMBERLY S." (a capitalised name and an
 *               initial), "agent Maria" (a staff role and a name), and
 *               "Cindy rocks" (a name praised by a verb); written Title Case
 *   places      a small built-in list of major cities (canonical name) and
 *               IATA airport codes (written in capitals, e.g. DEN). A later
 *               issue replaces the list with a gazetteer data file.
 *   references  {kind, value}: flight ("flight 1234", "WN1234", "UA 89"),
 *               gate ("gate C39"), order ("order #12345"), booking
 *               ("confirmation ABC123", "booking ref X7Y8Z9", "PNR ...")
 *
 * Everything is deduplicated (case-insensitively) in order of appearance.
 * Rules favour precision: a missed name costs less than a made-up one on a
 * ticket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyse.h"
#include "text.h"
#include "util.h"

/* Word classes of the vocabulary table. */
enum {
    V_STOP = 0,   /* never a name */
    V_ROLE,       /* a staff role: the next capitalised word is a name */
    V_PRAISE_VERB, /* "<Name> rocks" */
    V_FLIGHT,
    V_GATE,
    V_ORDER,
    V_BOOKING,
    V_FILLER,     /* "number", "no", "code" between a keyword and its value */
};

static const rc_phrase_def_t vocab_defs[] = {
    /* reference keywords first: a word keeps its first class */
    {"flight", V_FLIGHT}, {"flights", V_FLIGHT}, {"flt", V_FLIGHT},
    {"gate", V_GATE}, {"gates", V_GATE},
    {"order", V_ORDER}, {"orders", V_ORDER},
    {"confirmation", V_BOOKING}, {"booking", V_BOOKING}, {"reservation", V_BOOKING}, {"pnr", V_BOOKING},
    {"record locator", V_BOOKING}, {"locator", V_BOOKING}, {"conf", V_BOOKING},
    {"number", V_FILLER}, {"no", V_FILLER}, {"num", V_FILLER}, {"nr", V_FILLER}, {"id", V_FILLER},
    {"code", V_FILLER}, {"ref", V_FILLER}, {"reference", V_FILLER}, {"is", V_FILLER}, {"was", V_FILLER},
    {"agent", V_ROLE}, {"attendant", V_ROLE}, {"pilot", V_ROLE}, {"captain", V_ROLE}, {"steward", V_ROLE},
    {"stewardess", V_ROLE}, {"employee", V_ROLE}, {"rep", V_ROLE}, {"representative", V_ROLE},
    {"manager", V_ROLE}, {"supervisor", V_ROLE}, {"driver", V_ROLE}, {"cashier", V_ROLE}, {"officer", V_ROLE},
    {"server", V_ROLE}, {"waiter", V_ROLE}, {"waitress", V_ROLE}, {"associate", V_ROLE}, {"named", V_ROLE},
    {"called", V_ROLE}, {"fa", V_ROLE},
    {"rocks", V_PRAISE_VERB}, {"rocked", V_PRAISE_VERB}, {"rules", V_PRAISE_VERB}, {"ruled", V_PRAISE_VERB},
    /* capitalised words that are not names */
    {"i", V_STOP}, {"a", V_STOP}, {"an", V_STOP}, {"the", V_STOP}, {"this", V_STOP}, {"that", V_STOP},
    {"these", V_STOP}, {"those", V_STOP}, {"it", V_STOP}, {"its", V_STOP}, {"he", V_STOP}, {"she", V_STOP},
    {"we", V_STOP}, {"they", V_STOP}, {"you", V_STOP}, {"your", V_STOP}, {"my", V_STOP}, {"our", V_STOP},
    {"their", V_STOP}, {"his", V_STOP}, {"her", V_STOP}, {"me", V_STOP}, {"us", V_STOP}, {"them", V_STOP},
    {"who", V_STOP}, {"what", V_STOP}, {"when", V_STOP}, {"where", V_STOP}, {"why", V_STOP}, {"how", V_STOP},
    {"which", V_STOP}, {"in", V_STOP}, {"at", V_STOP}, {"on", V_STOP}, {"of", V_STOP}, {"to", V_STOP},
    {"from", V_STOP}, {"for", V_STOP}, {"with", V_STOP}, {"by", V_STOP}, {"and", V_STOP}, {"but", V_STOP},
    {"or", V_STOP}, {"so", V_STOP}, {"not", V_STOP}, {"yes", V_STOP}, {"are", V_STOP}, {"were", V_STOP},
    {"be", V_STOP}, {"been", V_STOP}, {"will", V_STOP}, {"just", V_STOP}, {"very", V_STOP}, {"all", V_STOP},
    {"any", V_STOP}, {"some", V_STOP}, {"every", V_STOP}, {"everyone", V_STOP}, {"everybody", V_STOP},
    {"nobody", V_STOP}, {"someone", V_STOP}, {"today", V_STOP}, {"tonight", V_STOP}, {"tomorrow", V_STOP},
    {"yesterday", V_STOP}, {"monday", V_STOP}, {"tuesday", V_STOP}, {"wednesday", V_STOP},
    {"thursday", V_STOP}, {"friday", V_STOP}, {"saturday", V_STOP}, {"sunday", V_STOP}, {"mondays", V_STOP},
    {"terminal", V_STOP}, {"plane", V_STOP}, {"airline", V_STOP}, {"airport", V_STOP}, {"staff", V_STOP},
    {"crew", V_STOP}, {"service", V_STOP}, {"customer", V_STOP}, {"thanks", V_STOP}, {"thank", V_STOP},
    {"please", V_STOP}, {"hi", V_STOP}, {"hello", V_STOP}, {"hey", V_STOP}, {"dear", V_STOP}, {"mr", V_STOP},
    {"mrs", V_STOP}, {"ms", V_STOP}, {"dr", V_STOP}, {"st", V_STOP}, {"omg", V_STOP}, {"lol", V_STOP},
    {"wow", V_STOP}, {"ok", V_STOP}, {"okay", V_STOP}, {"never", V_STOP}, {"still", V_STOP},
    {"again", V_STOP}, {"really", V_STOP}, {"great", V_STOP}, {"good", V_STOP}, {"bad", V_STOP},
    {"worst", V_STOP}, {"best", V_STOP}, {"happy", V_STOP}, {"rude", V_STOP}, {"rudest", V_STOP},
    {"love", V_STOP}, {"hate", V_STOP}, {"help", V_STOP}, {"seriously", V_STOP}, {"also", V_STOP},
    {"then", V_STOP}, {"there", V_STOP}, {"here", V_STOP}, {"now", V_STOP}, {"if", V_STOP}, {"as", V_STOP},
    {"up", V_STOP}, {"out", V_STOP}, {"after", V_STOP}, {"before", V_STOP}, {"about", V_STOP},
    {"seat", V_STOP}, {"bag", V_STOP}, {"god", V_STOP}, {"jesus", V_STOP}, {"everything", V_STOP},
    {"nothing", V_STOP}, {"music", V_STOP}, {"life", V_STOP}, {"team", V_STOP}, {"company", V_STOP},
};

/* Cities: any capitalisation unless "capital" (the name is also a common
 * word or first name). Airport codes: only written in capitals. */
typedef struct place {
    const char *phrase;
    const char *name; /* NULL for an airport code: the code itself */
    int capital;
} place_t;

static const place_t places[] = {
    {"atlanta", "Atlanta", 0}, {"austin", "Austin", 1}, {"baltimore", "Baltimore", 0},
    {"boston", "Boston", 0}, {"charlotte", "Charlotte", 1}, {"chicago", "Chicago", 0},
    {"dallas", "Dallas", 1}, {"denver", "Denver", 0}, {"detroit", "Detroit", 0},
    {"honolulu", "Honolulu", 0}, {"houston", "Houston", 0}, {"las vegas", "Las Vegas", 0},
    {"vegas", "Las Vegas", 0}, {"los angeles", "Los Angeles", 0}, {"miami", "Miami", 0},
    {"minneapolis", "Minneapolis", 0}, {"nashville", "Nashville", 0}, {"new orleans", "New Orleans", 0},
    {"new york", "New York", 0}, {"nyc", "New York", 0}, {"newark", "Newark", 0},
    {"orlando", "Orlando", 1}, {"philadelphia", "Philadelphia", 0}, {"phoenix", "Phoenix", 1},
    {"portland", "Portland", 0}, {"salt lake city", "Salt Lake City", 0}, {"san diego", "San Diego", 0},
    {"san francisco", "San Francisco", 0}, {"san jose", "San Jose", 0}, {"seattle", "Seattle", 0},
    {"st louis", "St. Louis", 0}, {"tampa", "Tampa", 0}, {"toronto", "Toronto", 0},
    {"vancouver", "Vancouver", 0}, {"montreal", "Montreal", 0}, {"london", "London", 0},
    {"paris", "Paris", 1}, {"frankfurt", "Frankfurt", 0}, {"amsterdam", "Amsterdam", 0},
    {"madrid", "Madrid", 0}, {"barcelona", "Barcelona", 0}, {"rome", "Rome", 0}, {"dublin", "Dublin", 0},
    {"berlin", "Berlin", 0}, {"munich", "Munich", 0}, {"tokyo", "Tokyo", 0}, {"dubai", "Dubai", 0},
    {"singapore", "Singapore", 0}, {"hong kong", "Hong Kong", 0}, {"sydney", "Sydney", 1},
    {"mexico city", "Mexico City", 0}, {"cancun", "Cancun", 0}, {"sao paulo", "Sao Paulo", 0},
    {"mumbai", "Mumbai", 0}, {"delhi", "Delhi", 0},
    /* IATA codes of the busiest airports (not those that are English words
     * in capitals, like MAD or SIN) */
    {"atl", NULL, 1}, {"aus", NULL, 1}, {"bos", NULL, 1}, {"bwi", NULL, 1}, {"clt", NULL, 1},
    {"ord", NULL, 1}, {"mdw", NULL, 1}, {"dfw", NULL, 1}, {"dal", NULL, 1}, {"den", NULL, 1},
    {"dtw", NULL, 1}, {"hnl", NULL, 1}, {"iah", NULL, 1}, {"hou", NULL, 1}, {"las", NULL, 1},
    {"lax", NULL, 1}, {"mia", NULL, 1}, {"msp", NULL, 1}, {"bna", NULL, 1}, {"msy", NULL, 1},
    {"jfk", NULL, 1}, {"lga", NULL, 1}, {"ewr", NULL, 1}, {"mco", NULL, 1}, {"phl", NULL, 1},
    {"phx", NULL, 1}, {"pdx", NULL, 1}, {"slc", NULL, 1}, {"san", NULL, 1}, {"sfo", NULL, 1},
    {"sjc", NULL, 1}, {"sea", NULL, 1}, {"stl", NULL, 1}, {"tpa", NULL, 1}, {"dca", NULL, 1},
    {"iad", NULL, 1}, {"oak", NULL, 1}, {"mci", NULL, 1}, {"rdu", NULL, 1}, {"fll", NULL, 1},
    {"yyz", NULL, 1}, {"yvr", NULL, 1}, {"yul", NULL, 1}, {"lhr", NULL, 1}, {"lgw", NULL, 1},
    {"cdg", NULL, 1}, {"fra", NULL, 1}, {"ams", NULL, 1}, {"bcn", NULL, 1}, {"fco", NULL, 1},
    {"dub", NULL, 1}, {"muc", NULL, 1}, {"hnd", NULL, 1}, {"nrt", NULL, 1}, {"dxb", NULL, 1},
    {"hkg", NULL, 1}, {"syd", NULL, 1}, {"mex", NULL, 1}, {"cun", NULL, 1}, {"gru", NULL, 1},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* IATA airline designators accepted in flight numbers. */
static const char *const airlines[] = {
    "aa", "as", "b6", "dl", "f9", "g4", "ha", "nk", "ua", "wn", "sy", "ac", "ws", "ba", "vs", "lh", "af", "kl",
    "ek", "qr", "ey", "tk", "lx", "ib", "ay", "sk", "qf", "nz", "sq", "cx", "jl", "nh", "av", "cm", "ei", "fr",
    "w6", NULL,
};
/* ...of which these are also words, so "AS 5" is not read as a flight. */
static const char *const airline_words[] = {"as", NULL};

typedef struct entities_state {
    rc_phrases_t *vocab;
    rc_phrases_t *places;
    rc_phrase_def_t *place_defs;
} entities_state_t;

static void entities_destroy(void *state) {
    entities_state_t *st = state;
    if (st == NULL)
        return;
    rc_phrases_destroy(st->vocab);
    rc_phrases_destroy(st->places);
    free(st->place_defs);
    free(st);
}

static int entities_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    entities_state_t *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    st->place_defs = calloc(ARRAY_LEN(places), sizeof(*st->place_defs));
    if (st->place_defs == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        entities_destroy(st);
        return -1;
    }
    for (size_t i = 0; i < ARRAY_LEN(places); i++) {
        st->place_defs[i].text = places[i].phrase;
        st->place_defs[i].tag = 0;
    }
    st->vocab = rc_phrases_new(vocab_defs, ARRAY_LEN(vocab_defs), errstr, errstr_size);
    if (st->vocab != NULL)
        st->places = rc_phrases_new(st->place_defs, ARRAY_LEN(places), errstr, errstr_size);
    if (st->places == NULL) {
        entities_destroy(st);
        return -1;
    }
    *statep = st;
    return 0;
}

/* ---- helpers ---- */

typedef struct ectx {
    const entities_state_t *st;
    const rc_words_t *ws;
    json_t *people, *places, *refs;
} ectx_t;

static const rc_word_t *W(const ectx_t *c, size_t i) {
    return &c->ws->w[i];
}

static int vocab_class(const ectx_t *c, size_t i) {
    size_t nw;
    int k = rc_phrases_match(c->st->vocab, c->ws, i, &nw);
    return k < 0 ? -1 : vocab_defs[k].tag;
}

/* A place starting at word i: index into places[] (and *nw), or -1. */
static int place_at(const ectx_t *c, size_t i, size_t *nw) {
    int k = rc_phrases_match(c->st->places, c->ws, i, nw);
    if (k < 0)
        return -1;
    const rc_word_t *w = W(c, i);
    if (places[k].name == NULL)
        return (w->caps == RC_CAPS_ALL && w->len == 3) ? k : -1;
    if (places[k].capital && w->caps == RC_CAPS_NONE)
        return -1;
    return k;
}

static int is_digits(const rc_word_t *w, size_t min, size_t max) {
    return w->digits == w->len && w->len >= min && w->len <= max;
}

/* Adds "s" unless already there; text that is not valid UTF-8 is left out
 * (it cannot be a JSON string). Returns -1 only when out of memory. */
static int add_unique_string(json_t *arr, const char *s, size_t len) {
    size_t i;
    json_t *v;
    if (!rc_utf8_valid(s, len))
        return 0;
    json_array_foreach(arr, i, v) {
        if (json_string_length(v) == len && strncasecmp(json_string_value(v), s, len) == 0)
            return 0;
    }
    return json_array_append_new(arr, json_stringn_nocheck(s, len));
}

static int add_reference(json_t *refs, const char *kind, const char *value) {
    size_t i;
    json_t *v;
    if (!rc_utf8_valid(value, strlen(value)))
        return 0;
    json_array_foreach(refs, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "kind")), kind) == 0 &&
            strcasecmp(json_string_value(json_object_get(v, "value")), value) == 0)
            return 0;
    }
    return json_array_append_new(refs, json_pack("{s:s, s:s}", "kind", kind, "value", value));
}

/* Copies word i as written into buf, upper-cased. */
static void upper_word(const ectx_t *c, size_t i, char *buf, size_t size) {
    const rc_word_t *w = W(c, i);
    size_t n = w->len < size - 1 ? w->len : size - 1;
    for (size_t k = 0; k < n; k++) {
        char ch = c->ws->text[w->off + k];
        buf[k] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
    }
    buf[n] = '\0';
}

/* ---- people ---- */

static int name_word(const ectx_t *c, size_t i, int allow_caps) {
    const rc_word_t *w = W(c, i);
    size_t nw;
    if (w->kind != RC_WORD_PLAIN || !w->alpha || w->len < 2 || w->len > 20)
        return 0;
    if (!(w->caps == RC_CAPS_TITLE || (allow_caps && w->caps == RC_CAPS_ALL)))
        return 0;
    return vocab_class(c, i) < 0 && place_at(c, i, &nw) < 0;
}

static int initial_at(const ectx_t *c, size_t i) {
    const rc_word_t *w = W(c, i);
    return w->kind == RC_WORD_PLAIN && w->len == 1 && w->caps == RC_CAPS_ALL && w->alpha &&
           rc_words_after(c->ws, i) == '.';
}

/* Adds "Name" or "Name I." from word i (and its initial if "with_initial"). */
static int add_person(const ectx_t *c, size_t i, int with_initial) {
    char buf[64];
    const rc_word_t *w = W(c, i);
    size_t n = 0;
    for (size_t k = 0; k < w->len && n < sizeof(buf) - 4; k++) {
        char ch = c->ws->text[w->off + k];
        if (k == 0 && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        else if (k > 0 && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        buf[n++] = ch;
    }
    if (with_initial) {
        buf[n++] = ' ';
        buf[n++] = c->ws->text[W(c, i + 1)->off];
        buf[n++] = '.';
    }
    return add_unique_string(c->people, buf, n);
}

static int find_person(const ectx_t *c, size_t i) {
    const rc_words_t *ws = c->ws;
    /* "Kimberly S." */
    if (i + 1 < ws->n && name_word(c, i, 1) && rc_words_adjacent(ws, i) && initial_at(c, i + 1))
        return add_person(c, i, 1);
    /* "agent Maria", "an agent named Maria S." */
    if (vocab_class(c, i) == V_ROLE) {
        size_t j = i + 1;
        if (j < ws->n && vocab_class(c, j) == V_ROLE && rc_words_adjacent(ws, i))
            j++;
        if (j < ws->n && rc_words_adjacent(ws, j - 1) && name_word(c, j, 1)) {
            int init = j + 1 < ws->n && rc_words_adjacent(ws, j) && initial_at(c, j + 1);
            return add_person(c, j, init);
        }
        return 0;
    }
    /* "Cindy rocks" */
    if (i + 1 < ws->n && name_word(c, i, 0) && rc_words_adjacent(ws, i) && vocab_class(c, i + 1) == V_PRAISE_VERB)
        return add_person(c, i, 0);
    return 0;
}

/* ---- references ---- */

/* "WN1234", "B61234": an airline designator and 1-4 digits. */
static int airline_attached(const rc_word_t *w) {
    if (w->kind != RC_WORD_PLAIN || w->len < 3 || w->len > 6)
        return 0;
    char code[3] = {w->low[0], w->low[1], '\0'};
    if (!rc_word_in(code, airlines))
        return 0;
    for (size_t k = 2; k < w->len; k++) {
        if (w->low[k] < '0' || w->low[k] > '9')
            return 0;
    }
    return 1;
}

static int airline_code(const rc_word_t *w) {
    return w->kind == RC_WORD_PLAIN && w->len == 2 && rc_word_in(w->low, airlines);
}

/* [letter] 1-3 digits [letter] */
static int gate_pattern(const char *s) {
    size_t digits = 0;
    if (*s >= 'a' && *s <= 'z')
        s++;
    while (*s >= '0' && *s <= '9') {
        s++;
        digits++;
    }
    if (*s >= 'a' && *s <= 'z')
        s++;
    return *s == '\0' && digits >= 1 && digits <= 3;
}

static size_t skip_fillers(const ectx_t *c, size_t j, size_t max) {
    while (max-- > 0 && j < c->ws->n && vocab_class(c, j) == V_FILLER)
        j++;
    return j;
}

static int value_word(const rc_word_t *w) {
    return w->kind == RC_WORD_PLAIN || w->kind == RC_WORD_HASHTAG;
}

static int find_reference(const ectx_t *c, size_t i) {
    const rc_words_t *ws = c->ws;
    char buf[32];
    size_t nw = 1;
    int k = rc_phrases_match(c->st->vocab, ws, i, &nw);
    int cls = k < 0 ? -1 : vocab_defs[k].tag;
    size_t j = skip_fillers(c, i + nw, 2);

    if (cls == V_FLIGHT && j < ws->n) {
        const rc_word_t *w = W(c, j);
        if (value_word(w) && is_digits(w, 1, 4))
            return add_reference(c->refs, "flight", w->low);
        if (airline_attached(w)) {
            upper_word(c, j, buf, sizeof(buf));
            return add_reference(c->refs, "flight", buf);
        }
        if (airline_code(w) && j + 1 < ws->n && is_digits(W(c, j + 1), 1, 4)) {
            snprintf(buf, sizeof(buf), "%c%c%s", w->low[0] - 32 * (w->low[0] >= 'a'),
                     w->low[1] - 32 * (w->low[1] >= 'a'), W(c, j + 1)->low);
            return add_reference(c->refs, "flight", buf);
        }
        return 0;
    }
    if (cls == V_GATE && j < ws->n) {
        const rc_word_t *w = W(c, j);
        /* C39, 12, B7A; a lone letter only in capitals ("gate B"). */
        int ok = w->kind == RC_WORD_PLAIN && (gate_pattern(w->low) || (w->len == 1 && w->caps == RC_CAPS_ALL));
        if (ok) {
            upper_word(c, j, buf, sizeof(buf));
            return add_reference(c->refs, "gate", buf);
        }
        return 0;
    }
    if (cls == V_ORDER && j < ws->n) {
        const rc_word_t *w = W(c, j);
        if (value_word(w) && w->digits >= 3 && w->len >= 4 && w->len <= 24) {
            upper_word(c, j, buf, sizeof(buf));
            return add_reference(c->refs, "order", buf);
        }
        return 0;
    }
    if (cls == V_BOOKING) {
        j = skip_fillers(c, i + nw, 3);
        if (j >= ws->n)
            return 0;
        const rc_word_t *w = W(c, j);
        size_t letters = w->len - w->digits;
        int alnum = w->low_len == w->len && letters + w->digits == w->len;
        for (size_t m = 0; alnum && m < w->len; m++)
            alnum = (w->low[m] >= 'a' && w->low[m] <= 'z') || (w->low[m] >= '0' && w->low[m] <= '9');
        if (value_word(w) && alnum && w->len >= 5 && w->len <= 8 &&
            ((w->digits >= 1 && letters >= 1) || (w->alpha && w->caps == RC_CAPS_ALL && w->len == 6))) {
            upper_word(c, j, buf, sizeof(buf));
            return add_reference(c->refs, "booking", buf);
        }
        return 0;
    }
    if (cls >= 0)
        return 0;
    /* Flight numbers without the word "flight": "WN1234" or "UA 89",
     * written in capitals. */
    const rc_word_t *w = W(c, i);
    if (w->caps == RC_CAPS_ALL && airline_attached(w)) {
        upper_word(c, i, buf, sizeof(buf));
        return add_reference(c->refs, "flight", buf);
    }
    if (w->caps == RC_CAPS_ALL && airline_code(w) && !rc_word_in(w->low, airline_words) && i + 1 < ws->n &&
        rc_words_adjacent(ws, i) && W(c, i + 1)->kind == RC_WORD_PLAIN && is_digits(W(c, i + 1), 1, 4)) {
        snprintf(buf, sizeof(buf), "%.2s%s", ws->text + w->off, W(c, i + 1)->low);
        return add_reference(c->refs, "flight", buf);
    }
    return 0;
}

static int entities_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const entities_state_t *st = state;
    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int rc = -1;
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    json_t *mentions = json_object_get(a->entities, "mentions");
    json_t *hashtags = json_object_get(a->entities, "hashtags");
    json_t *urls = json_object_get(a->entities, "urls");
    ectx_t c = {
        .st = st,
        .ws = ws,
        .people = json_object_get(a->entities, "people"),
        .places = json_object_get(a->entities, "places"),
        .refs = json_object_get(a->entities, "references"),
    };
    if (!json_is_array(mentions) || !json_is_array(hashtags) || !json_is_array(urls) || !json_is_array(c.people) ||
        !json_is_array(c.places) || !json_is_array(c.refs)) {
        snprintf(errstr, errstr_size, "entities object lacks its arrays");
        goto out;
    }
    int err = 0;
    for (size_t i = 0; i < ws->n; i++) {
        const rc_word_t *w = &ws->w[i];
        const char *orig = a->text + w->off;
        if (w->kind == RC_WORD_MENTION) {
            err |= add_unique_string(mentions, orig, w->len);
            continue;
        }
        if (w->kind == RC_WORD_HASHTAG) {
            if (w->digits != w->len)
                err |= add_unique_string(hashtags, orig, w->len);
            continue;
        }
        if (w->kind == RC_WORD_URL) {
            err |= add_unique_string(urls, orig, w->len);
            continue;
        }
        err |= find_person(&c, i);
        err |= find_reference(&c, i);
        size_t nw = 1;
        int p = place_at(&c, i, &nw);
        if (p >= 0) {
            if (places[p].name != NULL)
                err |= add_unique_string(c.places, places[p].name, strlen(places[p].name));
            else
                err |= add_unique_string(c.places, orig, w->len);
            i += nw - 1;
        }
    }
    if (err) {
        snprintf(errstr, errstr_size, "out of memory building entities");
        goto out;
    }
    rc = 0;
out:
    rc_words_release(&local);
    return rc;
}

const rc_analyser_t rc_analyser_entities = {
    .name = "entities",
    .init = entities_init,
    .run = entities_run,
    .destroy = entities_destroy,
};
