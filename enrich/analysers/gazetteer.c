/*
 * Gazetteer: cities and airport codes from tab-separated text, and the
 * rules that decide whether a word names one. See gazetteer.h and
 * docs/analysers.md.
 */
#include "gazetteer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Common words and abbreviations that are also airport codes when written
 * in capitals (THE is Teresina, CEO is Waco Kungo, LOL is Lovelock): such a
 * code names an airport only with a cue. Sorted, for bsearch(). A
 * gazetteer line's "cue" flag does the same for any other code. */
static const char stop_codes[][4] = {
    "ABV", "ACA", "ACC", "ACE", "ACT", "ADD", "ADL", "ADS", "AGE", "AGO", "AID", "AIM", "AIR", "ALL", "AMA", "AMD",
    "AND", "ANY", "APP", "APR", "ARE", "ARM", "ART", "ASK", "ASS", "ASU", "ATE", "ATH", "ATM", "AUG", "AUS", "AWE",
    "BAD", "BAG", "BAH", "BAN", "BAR", "BAT", "BBC", "BED", "BEE", "BEG", "BEL", "BET", "BFF", "BIG", "BIL", "BIO",
    "BIT", "BOD", "BOG", "BOI", "BOO", "BOW", "BOX", "BOY", "BRB", "BRO", "BRU", "BTS", "BTW", "BUD", "BUG", "BUS",
    "BUT", "BUY", "BYE", "CAB", "CAN", "CAP", "CAR", "CAT", "CEO", "CFO", "CIA", "CNN", "COO", "COP", "COS", "COW",
    "CPT", "CRY", "CTA", "CTO", "CUP", "CUR", "CUT", "CUZ", "DAB", "DAD", "DAY", "DEC", "DID", "DIE", "DIG", "DIM",
    "DIY", "DLC", "DMV", "DNA", "DOC", "DOG", "DOH", "DOT", "DRS", "DRY", "DUB", "DUD", "DUE", "EAR", "EAT", "EBB",
    "EGG", "EGO", "END", "ERA", "EST", "ETA", "ETC", "EVE", "EYE", "FAN", "FAQ", "FAR", "FAT", "FBI", "FEB", "FED",
    "FEE", "FEW", "FIG", "FIN", "FIT", "FIX", "FLU", "FLY", "FML", "FOG", "FOR", "FOX", "FRI", "FSD", "FUK", "FUN",
    "FUR", "FYI", "GAP", "GAS", "GAY", "GET", "GIG", "GMT", "GOD", "GOT", "GPS", "GRR", "GUM", "GUN", "GUT", "GUY",
    "GYM", "HAD", "HAM", "HAN", "HAS", "HAT", "HER", "HEY", "HID", "HIM", "HIP", "HIS", "HIT", "HMO", "HOT", "HOW",
    "HUB", "HUG", "ICE", "ICT", "ICU", "IDK", "ILL", "IMO", "INK", "INN", "IRS", "ISP", "IST", "ITS", "JAM", "JAN",
    "JAR", "JAW", "JET", "JOB", "JOY", "JUL", "JUN", "KEY", "KID", "KIN", "KIT", "LAB", "LAD", "LAN", "LAP", "LAS",
    "LAW", "LAY", "LED", "LEG", "LET", "LEX", "LID", "LIE", "LIL", "LIP", "LIT", "LMK", "LOG", "LOL", "LOS", "LOT",
    "LOW", "LUX", "MAD", "MAN", "MAO", "MAP", "MAR", "MAT", "MAY", "MBA", "MED", "MEN", "MET", "MGA", "MGM", "MIA",
    "MID", "MIX", "MLA", "MOB", "MOM", "MON", "MRS", "MSN", "MUD", "MUG", "NAN", "NAP", "NAS", "NBA", "NET", "NEW",
    "NFL", "NGO", "NHL", "NOR", "NOT", "NOV", "NOW", "NSA", "NUT", "OAK", "OCT", "ODD", "OFF", "OIL", "OLD", "OMG",
    "ONE", "OTP", "OUR", "OUT", "OWE", "OWL", "OWN", "PAD", "PAN", "PAY", "PDF", "PEN", "PER", "PET", "PIA", "PIE",
    "PIG", "PIN", "PIT", "PLZ", "POA", "POM", "POP", "POS", "POT", "PPT", "PRO", "PSA", "PST", "PUB", "PUS", "PUT",
    "RAK", "RAN", "RAP", "RAT", "RAW", "REC", "RED", "RIP", "ROB", "ROT", "ROW", "RTM", "RUB", "RUN", "SAD", "SAL",
    "SAN", "SAT", "SAW", "SAY", "SEA", "SEE", "SEP", "SET", "SEX", "SHA", "SHE", "SHY", "SIN", "SIP", "SIR", "SIT",
    "SIX", "SKI", "SKY", "SMH", "SON", "SOS", "SPA", "SSA", "SSH", "SUB", "SUE", "SUM", "SUN", "TAB", "TAN", "TAO",
    "TAP", "TAX", "TBH", "TBS", "TEA", "TEN", "THE", "THU", "TIA", "TIE", "TIN", "TIP", "TLS", "TOE", "TON", "TOO",
    "TOP", "TOY", "TRY", "TSA", "TUE", "TWO", "USA", "USB", "USD", "USE", "UTC", "VAN", "VET", "VIA", "VIP", "WAR",
    "WAS", "WAY", "WED", "WET", "WHO", "WHY", "WIN", "WON", "WOW", "WTF", "YES", "YET", "YOU", "ZOO",
};

static int cmp_code(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

int rc_gazetteer_stop_code(const char *code) {
    return bsearch(code, stop_codes, sizeof(stop_codes) / sizeof(stop_codes[0]), sizeof(stop_codes[0]), cmp_code) !=
           NULL;
}

/* Words before a place that say it is one ("landed at DEN", "in Nice"). */
static const char *const cues_before[] = {
    "in", "at", "to", "from", "into", "via", "through", "thru", "near", "visiting", "fly", "flying", "flew",
    "landed", "landing", "land", "arrived", "arriving", "departing", "departed", "leaving", "connecting",
    "layover", "diverted", "outside", "around", NULL,
};
/* Words after an airport code that say it is one ("SEA airport"). */
static const char *const cues_after[] = {
    "airport", "airports", "intl", "international", "terminal", "terminals", "lounge", "arrivals", "departures", NULL,
};

typedef struct entry {
    rc_place_t place;
    char *phrase; /* the name as the phrase table matches it (malloc'd) */
} entry_t;

struct rc_gazetteer {
    entry_t *e;
    size_t n, cap;
    size_t n_city, n_airport;
    char **bufs; /* the added texts, split in place; entries point into them */
    size_t n_bufs;
    rc_phrase_def_t *city_defs, *airport_defs;
    size_t *city_entry, *airport_entry; /* phrase index -> entry index */
    rc_phrases_t *cities, *airports;
};

rc_gazetteer_t *rc_gazetteer_new(char *errstr, size_t errstr_size) {
    rc_gazetteer_t *g = calloc(1, sizeof(*g));
    if (g == NULL)
        snprintf(errstr, errstr_size, "out of memory");
    return g;
}

void rc_gazetteer_destroy(rc_gazetteer_t *g) {
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++)
        free(g->e[i].phrase);
    free(g->e);
    for (size_t i = 0; i < g->n_bufs; i++)
        free(g->bufs[i]);
    free(g->bufs);
    free(g->city_defs);
    free(g->airport_defs);
    free(g->city_entry);
    free(g->airport_entry);
    rc_phrases_destroy(g->cities);
    rc_phrases_destroy(g->airports);
    free(g);
}

/* The phrase a city name is matched by: its words as the analysers' word
 * splitter lower-cases them, joined by single spaces ("St. Louis" gives
 * "st louis"). NULL with a reason if the name has no plain words. */
static char *city_phrase(const char *name, const char **why) {
    rc_words_t ws;
    char *out = NULL;
    *why = "out of memory";
    if (rc_words_split(&ws, name) != 0)
        goto out;
    size_t len = 0;
    for (size_t i = 0; i < ws.n; i++) {
        if (ws.w[i].kind != RC_WORD_PLAIN) {
            *why = "a name may not hold a @mention, #hashtag or link";
            goto out;
        }
        len += ws.w[i].low_len + 1;
    }
    if (ws.n == 0) {
        *why = "the name has no letters or digits";
        goto out;
    }
    if (ws.n > 8) {
        *why = "a name has at most 8 words";
        goto out;
    }
    out = malloc(len);
    if (out == NULL)
        goto out;
    char *p = out;
    for (size_t i = 0; i < ws.n; i++) {
        memcpy(p, ws.w[i].low, ws.w[i].low_len);
        p += ws.w[i].low_len;
        *p++ = i + 1 < ws.n ? ' ' : '\0';
    }
out:
    rc_words_release(&ws);
    return out;
}

static int parse_flags(char *s, unsigned char *flags) {
    *flags = 0;
    if (*s == '\0')
        return 0;
    for (char *tok = s; tok != NULL;) {
        char *comma = strchr(tok, ',');
        if (comma != NULL)
            *comma = '\0';
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && tok[n - 1] == ' ')
            tok[--n] = '\0';
        if (strcmp(tok, "cased") == 0)
            *flags |= RC_PLACE_CASED;
        else if (strcmp(tok, "cue") == 0)
            *flags |= RC_PLACE_CUE;
        else
            return -1;
        tok = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

/* One line, split at its tabs into f[0..4]; returns the error or NULL. */
static const char *parse_line(char *line, entry_t *out) {
    char *f[6] = {0};
    size_t nf = 0;
    memset(out, 0, sizeof(*out));
    if (!rc_utf8_valid(line, strlen(line)))
        return "not valid UTF-8";
    for (char *p = line; nf < 6;) {
        f[nf++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    if (nf < 4 || nf > 5)
        return "expected 4 or 5 tab-separated fields: kind, name, canonical, country[, flags]";
    if (strcmp(f[0], "city") == 0)
        out->place.kind = RC_PLACE_CITY;
    else if (strcmp(f[0], "airport") == 0)
        out->place.kind = RC_PLACE_AIRPORT;
    else
        return "unknown kind (city or airport)";
    if (f[2][0] == '\0' || strlen(f[2]) > 100)
        return "the canonical name must have 1 to 100 bytes";
    size_t cl = strlen(f[3]);
    if (!(cl == 0 || (cl == 2 && f[3][0] >= 'A' && f[3][0] <= 'Z' && f[3][1] >= 'A' && f[3][1] <= 'Z')))
        return "the country must be an ISO 3166-1 alpha-2 code in capitals (e.g. US), or empty";
    if (nf == 5 && parse_flags(f[4], &out->place.flags) != 0)
        return "unknown flag (cased, cue)";
    out->place.canonical = f[2];
    out->place.country = f[3];
    if (out->place.kind == RC_PLACE_AIRPORT) {
        char *c = f[1];
        if (strlen(c) != 3)
            return "an airport code has 3 letters";
        for (int k = 0; k < 3; k++) {
            if (c[k] >= 'a' && c[k] <= 'z')
                c[k] = (char)(c[k] - 'a' + 'A');
            if (c[k] < 'A' || c[k] > 'Z')
                return "an airport code has 3 letters";
        }
        if (rc_gazetteer_stop_code(c))
            out->place.flags |= RC_PLACE_CUE;
        out->place.code = c;
        out->phrase = malloc(4);
        if (out->phrase == NULL)
            return "out of memory";
        for (int k = 0; k < 4; k++)
            out->phrase[k] = (char)(c[k] >= 'A' && c[k] <= 'Z' ? c[k] - 'A' + 'a' : c[k]);
        return NULL;
    }
    const char *why = NULL;
    out->phrase = city_phrase(f[1], &why);
    return out->phrase == NULL ? why : NULL;
}

int rc_gazetteer_add(rc_gazetteer_t *g, const char *buf, size_t len, const char *name, char *errstr,
                     size_t errstr_size) {
    if (g->cities != NULL) {
        snprintf(errstr, errstr_size, "gazetteer: added to after it was finished");
        return -1;
    }
    if (memchr(buf, '\0', len) != NULL) {
        snprintf(errstr, errstr_size, "%s: holds a NUL byte: not a text file", name);
        return -1;
    }
    char *copy = malloc(len + 1);
    char **bufs = realloc(g->bufs, (g->n_bufs + 1) * sizeof(*g->bufs));
    if (copy == NULL || bufs == NULL) {
        free(copy);
        if (bufs != NULL)
            g->bufs = bufs;
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    g->bufs = bufs;
    g->bufs[g->n_bufs++] = copy;
    memcpy(copy, buf, len);
    copy[len] = '\0';

    int lineno = 0;
    for (char *line = copy; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        lineno++;
        size_t ll = strlen(line);
        if (ll > 0 && line[ll - 1] == '\r')
            line[--ll] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '\0' && *p != '#') {
            if (g->n == g->cap) {
                size_t cap = g->cap ? g->cap * 2 : 1024;
                entry_t *e = realloc(g->e, cap * sizeof(*e));
                if (e == NULL) {
                    snprintf(errstr, errstr_size, "out of memory");
                    return -1;
                }
                g->e = e;
                g->cap = cap;
            }
            const char *why = parse_line(line, &g->e[g->n]);
            if (why != NULL) {
                snprintf(errstr, errstr_size, "%s:%d: %s", name, lineno, why);
                free(g->e[g->n].phrase);
                return -1;
            }
            if (g->e[g->n].place.kind == RC_PLACE_CITY)
                g->n_city++;
            else
                g->n_airport++;
            g->n++;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    return 0;
}

int rc_gazetteer_finish(rc_gazetteer_t *g, char *errstr, size_t errstr_size) {
    g->city_defs = calloc(g->n_city + 1, sizeof(*g->city_defs));
    g->airport_defs = calloc(g->n_airport + 1, sizeof(*g->airport_defs));
    g->city_entry = calloc(g->n_city + 1, sizeof(*g->city_entry));
    g->airport_entry = calloc(g->n_airport + 1, sizeof(*g->airport_entry));
    if (g->city_defs == NULL || g->airport_defs == NULL || g->city_entry == NULL || g->airport_entry == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    size_t nc = 0, na = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (g->e[i].place.kind == RC_PLACE_CITY) {
            g->city_defs[nc].text = g->e[i].phrase;
            g->city_entry[nc++] = i;
        } else {
            g->airport_defs[na].text = g->e[i].phrase;
            g->airport_entry[na++] = i;
        }
    }
    g->cities = rc_phrases_new(g->city_defs, nc, errstr, errstr_size);
    if (g->cities == NULL)
        return -1;
    g->airports = rc_phrases_new(g->airport_defs, na, errstr, errstr_size);
    if (g->airports == NULL) {
        rc_phrases_destroy(g->cities);
        g->cities = NULL;
        return -1;
    }
    return 0;
}

size_t rc_gazetteer_count(const rc_gazetteer_t *g, int kind) {
    return kind == RC_PLACE_CITY ? g->n_city : kind == RC_PLACE_AIRPORT ? g->n_airport : 0;
}

const rc_place_t *rc_gazetteer_entry(const rc_gazetteer_t *g, size_t i) {
    return i < g->n ? &g->e[i].place : NULL;
}

/* ---- matching ---- */

/* Is the text between words "i" and "i + 1" only what may separate the
 * words of one name: spaces, and a '.' or '-' ("St. Louis",
 * "Winston-Salem")? */
static int name_gap(const rc_words_t *ws, size_t i) {
    const rc_word_t *a = &ws->w[i], *b = &ws->w[i + 1];
    size_t marks = 0;
    for (size_t k = a->off + a->len; k < b->off; k++) {
        char c = ws->text[k];
        if (c == '.' || c == '-')
            marks++;
        else if (c != ' ')
            return 0;
    }
    return marks <= 1;
}

/* The text after a name's last word that makes it possessive: "'s" or
 * "’s" (its byte length), or 0. */
static size_t possessive_suffix(const rc_words_t *ws, const rc_word_t *w) {
    const unsigned char *end = (const unsigned char *)ws->text + w->off + w->len;
    if (w->len >= 3 && (end[-1] == 's' || end[-1] == 'S') && end[-2] == '\'')
        return 2;
    if (w->len >= 5 && (end[-1] == 's' || end[-1] == 'S') && end[-2] == 0x99 && end[-3] == 0x80 && end[-4] == 0xe2)
        return 4;
    return 0;
}

/* rc_phrases_match() on "Denver's" or "New York's": the words from "i" to
 * the first possessive one, that one without its "'s". Kept out of line:
 * its rc_words_t is large and only needed for such words. */
__attribute__((noinline)) static int match_possessive(const rc_phrases_t *p, const rc_words_t *ws, size_t i,
                                                      size_t *nwords) {
    enum { MAX = 2 };
    rc_words_t view;
    rc_word_t w[MAX];
    char stem[64];
    size_t n = 0;
    for (size_t j = i; j < ws->n && n < MAX; j++) {
        const rc_word_t *x = &ws->w[j];
        if (x->kind != RC_WORD_PLAIN)
            return -1;
        w[n++] = *x;
        size_t suffix = possessive_suffix(ws, x);
        if (suffix == 0)
            continue;
        if (x->low_len - 2 >= sizeof(stem))
            return -1;
        memcpy(stem, x->low, x->low_len - 2);
        stem[x->low_len - 2] = '\0';
        w[n - 1].low = stem;
        w[n - 1].low_len = x->low_len - 2;
        w[n - 1].len = x->len - (uint32_t)suffix;
        w[n - 1].hash = rc_words_hash(stem);
        view.text = ws->text;
        view.w = w;
        view.n = n;
        size_t nw = 0;
        int k = rc_phrases_match(p, &view, 0, &nw);
        if (k < 0 || nw != n)
            return -1;
        *nwords = nw;
        return k;
    }
    return -1;
}

static int ends_in_s(const rc_word_t *w) {
    return w->low_len > 2 && w->low[w->low_len - 1] == 's' && w->low[w->low_len - 2] == '\'';
}

static inline int match_or_possessive(const rc_phrases_t *p, const rc_words_t *ws, size_t i, size_t *nwords) {
    int k = rc_phrases_match(p, ws, i, nwords);
    if (k >= 0)
        return k;
    /* Cheap tests first, as this runs for every word: the word itself
     * ("Denver's"), or the next one after a capitalised word ("New
     * York's"); longer names are not looked for in the possessive. */
    const rc_word_t *w = &ws->w[i];
    if (w->kind != RC_WORD_PLAIN)
        return -1;
    if (ends_in_s(w) || (w->caps != RC_CAPS_NONE && i + 1 < ws->n && ends_in_s(&ws->w[i + 1])))
        return match_possessive(p, ws, i, nwords);
    return -1;
}

int rc_phrases_match_possessive(const rc_phrases_t *p, const rc_words_t *ws, size_t i, size_t *nwords) {
    return match_or_possessive(p, ws, i, nwords);
}

/* Does word "j" count as a cue? Only when not written in capitals: in a
 * shouted post ("LOST AT SEA") the cue says nothing. */
static int cue_word(const rc_words_t *ws, size_t j, const char *const *list) {
    const rc_word_t *w = &ws->w[j];
    return w->kind == RC_WORD_PLAIN && w->caps != RC_CAPS_ALL && rc_word_in(w->low, list);
}

static int cue_before(const rc_words_t *ws, size_t i) {
    if (i == 0 || !rc_words_adjacent(ws, i - 1))
        return 0;
    if (cue_word(ws, i - 1, cues_before))
        return 1;
    /* "out of SEA" */
    return i >= 2 && strcmp(ws->w[i - 1].low, "of") == 0 && ws->w[i - 1].caps != RC_CAPS_ALL &&
           rc_words_adjacent(ws, i - 2) && strcmp(ws->w[i - 2].low, "out") == 0;
}

static int code_word(const rc_word_t *w) {
    return w->kind == RC_WORD_PLAIN && w->len == 3 && w->alpha && w->caps == RC_CAPS_ALL;
}

static const rc_place_t *airport_at(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i) {
    if (!code_word(&ws->w[i]))
        return NULL;
    int k = rc_phrases_match(g->airports, ws, i, NULL);
    return k < 0 ? NULL : &g->e[g->airport_entry[k]].place;
}

/* Words "a" and "a + 1" written as a route between two codes: "ORD-SEA",
 * "SEA/LAX", "DEN > SEA", "SEA→LAX", "ORD ✈ SEA". */
static int route_gap(const rc_words_t *ws, size_t a) {
    static const char *const joins[] = {"-", "/", ">", "->", "=>", "<>", "<->", "\xe2\x86\x92", "\xe2\x80\x93",
                                        "\xe2\x80\x94", "\xe2\x9c\x88", "\xe2\x9c\x88\xef\xb8\x8f", NULL};
    const rc_word_t *x = &ws->w[a], *y = &ws->w[a + 1];
    size_t from = x->off + x->len, to = y->off;
    while (from < to && ws->text[from] == ' ')
        from++;
    while (to > from && ws->text[to - 1] == ' ')
        to--;
    for (size_t k = 0; joins[k] != NULL; k++) {
        if (strlen(joins[k]) == to - from && memcmp(ws->text + from, joins[k], to - from) == 0)
            return 1;
    }
    return 0;
}

/* A code at "j" that can vouch for its neighbour in a route: one that needs
 * no cue itself (two common words in a row, "CAN-MAD", prove nothing). */
static int route_partner(const rc_gazetteer_t *g, const rc_words_t *ws, size_t j) {
    const rc_place_t *p = airport_at(g, ws, j);
    return p != NULL && !(p->flags & RC_PLACE_CUE);
}

/* Is airport code "i" one end of a route to another code ("ORD-SEA",
 * "ORD to SEA")? */
static int route_end(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i) {
    if (i > 0 && route_partner(g, ws, i - 1) && route_gap(ws, i - 1))
        return 1;
    if (i + 1 < ws->n && route_partner(g, ws, i + 1) && route_gap(ws, i))
        return 1;
    if (i > 1 && strcmp(ws->w[i - 1].low, "to") == 0 && rc_words_adjacent(ws, i - 2) && rc_words_adjacent(ws, i - 1) &&
        route_partner(g, ws, i - 2))
        return 1;
    return i + 2 < ws->n && strcmp(ws->w[i + 1].low, "to") == 0 && rc_words_adjacent(ws, i) &&
           rc_words_adjacent(ws, i + 1) && route_partner(g, ws, i + 2);
}

static const rc_place_t *city_at(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i, size_t *nwords) {
    size_t nw = 1;
    int k = match_or_possessive(g->cities, ws, i, &nw);
    if (k < 0)
        return NULL;
    for (size_t j = i; j + 1 < i + nw; j++) {
        if (!name_gap(ws, j))
            return NULL;
    }
    *nwords = nw;
    return &g->e[g->city_entry[k]].place;
}

const rc_place_t *rc_gazetteer_match(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i, size_t *nwords) {
    const rc_word_t *w = &ws->w[i];
    if (w->kind != RC_WORD_PLAIN)
        return NULL;
    size_t nw = 1;
    const rc_place_t *p = city_at(g, ws, i, &nw);
    if (p != NULL) {
        /* "cased" and "cue" names are ordinary words in lower case. */
        if (p->flags != 0 && w->caps != RC_CAPS_TITLE && w->caps != RC_CAPS_ALL)
            p = NULL;
        else if ((p->flags & RC_PLACE_CUE) && !cue_before(ws, i))
            p = NULL;
        if (p != NULL) {
            *nwords = nw;
            return p;
        }
    }
    p = airport_at(g, ws, i);
    if (p == NULL)
        return NULL;
    if (p->flags & RC_PLACE_CUE) {
        int cued = cue_before(ws, i) || route_end(g, ws, i) ||
                   (i + 1 < ws->n && rc_words_adjacent(ws, i) && rc_word_in(ws->w[i + 1].low, cues_after));
        if (!cued)
            return NULL;
    }
    *nwords = 1;
    return p;
}

int rc_gazetteer_name_at(const rc_gazetteer_t *g, const rc_words_t *ws, size_t i) {
    size_t nw = 1;
    const rc_place_t *p = city_at(g, ws, i, &nw);
    if (p != NULL)
        return p->flags == 0 ? 2 : 1;
    return airport_at(g, ws, i) != NULL ? 2 : 0;
}
