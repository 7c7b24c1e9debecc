/*
 * Customer-care cues (see care.h): one phrase table, scanned word by word,
 * plus a few rules that look at a cue's neighbours:
 *
 *   late       a time unit with a number before it and a waiting word
 *              before the number ("been 6 days", "waited 70 minutes",
 *              "took 25 minutes", "for 9 days") or a lateness word after
 *              it ("3 hours late", "two weeks ago", "4 months later",
 *              "45 minute queue"); a plural unit needs no number ("hours
 *              late", "for hours").
 *   repeat     "again" in a post with a failure; "another" before a
 *              failure word or a time ("another delay", "another 30
 *              minutes"); a number before "times" ("4 times"); "every"
 *              before a number and a unit ("every 20 min").
 *   waiting    "still" right before a quotation ("still "under review"").
 *   sarcasm    unconditional phrases ("thanks for nothing", "love
 *              waiting"); or, when the post also reports a problem (another
 *              family, a failure word, or the eye-roll emoji), a praise word
 *              opening the post followed by punctuation ("Great, ...",
 *              "Wow @Bank, ..."), an "oh great"/"just what I needed" phrase,
 *              or the emoji U+1F643/U+1F644/U+1F612 themselves.
 *   events     failure words ("cancelled", "lost", ...) count unless one of
 *              the three words before them negates ("no delays", "not a
 *              single delay", "never once lost").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "care.h"

enum {
    /* 0 .. RC_CARE_FAMILIES - 1: the families themselves */
    T_EVENT = RC_CARE_FAMILIES, /* a service-failure word */
    T_NEGATOR,                  /* negates a failure word up to three words on */
    T_UNIT,                     /* minutes, hours, days, weeks */
    T_UNIT_LONG,                /* months: not after "for" ("for 2 months" is as often loyalty) */
    T_NUMBER,                   /* a number in words ("three", "a few") */
    T_FOR,                      /* "for" + number + unit */
    T_COND_SARCASM,             /* sarcasm only with a problem: "oh great", "just what i needed" */
    T_ANOTHER,                  /* "another" */
    T_AGAIN,                    /* "again" */
    T_STILL,                    /* "still" */
    T_TIMES,                    /* "times" after a number */
    T_EVERY,                    /* "every" before a number and a unit */
    T_INTENSIFIER,              /* "very", "so", "truly" before a praise word: sarcasm with a problem */
    T_IDIOM,                    /* phrases that hold a cue but mean nothing ("still not enough") */
};

static const rc_phrase_def_t care_defs[] = {
    /* hold */
    {"on hold", RC_CARE_HOLD}, {"hold music", RC_CARE_HOLD}, {"in the queue", RC_CARE_HOLD},
    {"in a queue", RC_CARE_HOLD}, {"in queue", RC_CARE_HOLD}, {"wait time", RC_CARE_HOLD},
    {"wait times", RC_CARE_HOLD}, {"waiting time", RC_CARE_HOLD}, {"call volumes", RC_CARE_HOLD},
    {"high call volume", RC_CARE_HOLD}, {"on the phone for", RC_CARE_HOLD}, {"holding for", RC_CARE_HOLD},
    /* waiting */
    {"still waiting", RC_CARE_WAITING}, {"still no", RC_CARE_WAITING}, {"still nothing", RC_CARE_WAITING},
    {"still not", RC_CARE_WAITING}, {"still hasn't", RC_CARE_WAITING}, {"still haven't", RC_CARE_WAITING},
    {"still has not", RC_CARE_WAITING}, {"still have not", RC_CARE_WAITING}, {"still isn't", RC_CARE_WAITING},
    {"still can't", RC_CARE_WAITING}, {"still cannot", RC_CARE_WAITING}, {"still says", RC_CARE_WAITING},
    {"still shows", RC_CARE_WAITING}, {"still showing", RC_CARE_WAITING}, {"still pending", RC_CARE_WAITING},
    {"still locked", RC_CARE_WAITING}, {"still stuck", RC_CARE_WAITING}, {"still broken", RC_CARE_WAITING},
    {"still down", RC_CARE_WAITING}, {"still missing", RC_CARE_WAITING}, {"still the same", RC_CARE_WAITING},
    {"still on the", RC_CARE_WAITING}, {"still sitting", RC_CARE_WAITING}, {"still charging", RC_CARE_WAITING},
    {"been waiting", RC_CARE_WAITING}, {"keep waiting", RC_CARE_WAITING}, {"kept waiting", RC_CARE_WAITING},
    {"waiting on", RC_CARE_WAITING}, {"waiting since", RC_CARE_WAITING}, {"yet to receive", RC_CARE_WAITING},
    {"yet to hear", RC_CARE_WAITING}, {"yet to get", RC_CARE_WAITING}, {"yet to see", RC_CARE_WAITING},
    {"no refund yet", RC_CARE_WAITING}, {"not yet", RC_CARE_WAITING}, {"nothing yet", RC_CARE_WAITING},
    {"no refund", RC_CARE_WAITING}, {"no sign of", RC_CARE_WAITING}, {"any day now", RC_CARE_WAITING},
    /* no reply */
    {"nobody answers", RC_CARE_NO_REPLY}, {"no one answers", RC_CARE_NO_REPLY},
    {"nobody answered", RC_CARE_NO_REPLY}, {"no one answered", RC_CARE_NO_REPLY},
    {"nobody picks up", RC_CARE_NO_REPLY}, {"no one picks up", RC_CARE_NO_REPLY},
    {"nobody is answering", RC_CARE_NO_REPLY}, {"no one is answering", RC_CARE_NO_REPLY},
    {"no answer", RC_CARE_NO_REPLY}, {"no reply", RC_CARE_NO_REPLY}, {"no replies", RC_CARE_NO_REPLY},
    {"no response", RC_CARE_NO_REPLY}, {"no callback", RC_CARE_NO_REPLY}, {"no call back", RC_CARE_NO_REPLY},
    {"zero callbacks", RC_CARE_NO_REPLY}, {"no update", RC_CARE_NO_REPLY}, {"no updates", RC_CARE_NO_REPLY},
    {"no eta", RC_CARE_NO_REPLY}, {"no word", RC_CARE_NO_REPLY}, {"no explanation", RC_CARE_NO_REPLY},
    {"no reason given", RC_CARE_NO_REPLY}, {"no warning", RC_CARE_NO_REPLY}, {"zero warning", RC_CARE_NO_REPLY},
    {"no notice", RC_CARE_NO_REPLY}, {"no apology", RC_CARE_NO_REPLY}, {"nobody apologized", RC_CARE_NO_REPLY},
    {"nobody apologised", RC_CARE_NO_REPLY}, {"no one apologized", RC_CARE_NO_REPLY},
    {"radio silence", RC_CARE_NO_REPLY}, {"been silent", RC_CARE_NO_REPLY}, {"ghosted", RC_CARE_NO_REPLY},
    {"never heard back", RC_CARE_NO_REPLY}, {"never called back", RC_CARE_NO_REPLY},
    {"never got back", RC_CARE_NO_REPLY}, {"haven't heard back", RC_CARE_NO_REPLY},
    {"hasn't responded", RC_CARE_NO_REPLY}, {"nobody responded", RC_CARE_NO_REPLY},
    {"nobody has come", RC_CARE_NO_REPLY}, {"nobody came", RC_CARE_NO_REPLY}, {"no one came", RC_CARE_NO_REPLY},
    {"nobody showed", RC_CARE_NO_REPLY}, {"no one showed", RC_CARE_NO_REPLY}, {"no show", RC_CARE_NO_REPLY},
    {"nobody can tell me", RC_CARE_NO_REPLY}, {"no one can tell me", RC_CARE_NO_REPLY},
    {"can tell me why", RC_CARE_NO_REPLY}, {"nobody knows", RC_CARE_NO_REPLY}, {"nobody told", RC_CARE_NO_REPLY},
    {"nobody mentioned", RC_CARE_NO_REPLY}, {"nobody at the", RC_CARE_NO_REPLY}, {"hung up", RC_CARE_NO_REPLY},
    {"closed the ticket", RC_CARE_NO_REPLY}, {"closed my ticket", RC_CARE_NO_REPLY},
    {"ended the chat", RC_CARE_NO_REPLY}, {"ended the conversation", RC_CARE_NO_REPLY},
    {"left on read", RC_CARE_NO_REPLY}, {"nobody helped", RC_CARE_NO_REPLY}, {"no one helped", RC_CARE_NO_REPLY},
    {"no help", RC_CARE_NO_REPLY}, {"can't get anyone", RC_CARE_NO_REPLY}, {"cannot get anyone", RC_CARE_NO_REPLY},
    {"ignored", RC_CARE_NO_REPLY}, {"ignoring", RC_CARE_NO_REPLY}, {"ignores", RC_CARE_NO_REPLY},
    {"no announcement", RC_CARE_NO_REPLY}, {"no announcements", RC_CARE_NO_REPLY}, {"no information", RC_CARE_NO_REPLY},
    {"no info", RC_CARE_NO_REPLY}, {"can't reach", RC_CARE_NO_REPLY}, {"cannot reach", RC_CARE_NO_REPLY}, {"unreachable", RC_CARE_NO_REPLY},
    /* repeat */
    {"cancelled again", RC_CARE_REPEAT}, {"canceled again", RC_CARE_REPEAT}, {"delayed again", RC_CARE_REPEAT},
    {"late again", RC_CARE_REPEAT}, {"down again", RC_CARE_REPEAT}, {"broken again", RC_CARE_REPEAT},
    {"yet again", RC_CARE_REPEAT}, {"once again", RC_CARE_REPEAT}, {"second time", RC_CARE_REPEAT},
    {"third time", RC_CARE_REPEAT}, {"3rd time", RC_CARE_REPEAT}, {"fourth time", RC_CARE_REPEAT},
    {"4th time", RC_CARE_REPEAT}, {"fifth time", RC_CARE_REPEAT}, {"5th time", RC_CARE_REPEAT},
    {"in a row", RC_CARE_REPEAT}, {"every single", RC_CARE_REPEAT}, {"every time i", RC_CARE_REPEAT},
    {"each time", RC_CARE_REPEAT}, {"twice", RC_CARE_REPEAT}, {"keeps", RC_CARE_REPEAT},
    {"keep telling", RC_CARE_REPEAT}, {"keep getting", RC_CARE_REPEAT}, {"keep sending", RC_CARE_REPEAT},
    {"kept", RC_CARE_REPEAT}, {"same issue", RC_CARE_REPEAT}, {"same problem", RC_CARE_REPEAT},
    {"multiple times", RC_CARE_REPEAT}, {"several times", RC_CARE_REPEAT}, {"countless", RC_CARE_REPEAT},
    {"every day this", RC_CARE_REPEAT}, {"same thing", RC_CARE_REPEAT},
    /* expectation */
    {"supposed to", RC_CARE_EXPECTATION}, {"meant to", RC_CARE_EXPECTATION}, {"was told", RC_CARE_EXPECTATION},
    {"were told", RC_CARE_EXPECTATION}, {"been told", RC_CARE_EXPECTATION}, {"promised", RC_CARE_EXPECTATION},
    {"promises", RC_CARE_EXPECTATION}, {"guaranteed", RC_CARE_EXPECTATION}, {"said it would", RC_CARE_EXPECTATION},
    {"said they would", RC_CARE_EXPECTATION}, {"said they'd", RC_CARE_EXPECTATION},
    {"told me it would", RC_CARE_EXPECTATION}, {"told me the", RC_CARE_EXPECTATION},
    {"told me i'd", RC_CARE_EXPECTATION}, {"listed as", RC_CARE_EXPECTATION}, {"advertised", RC_CARE_EXPECTATION},
    {"the listing", RC_CARE_EXPECTATION}, {"contract says", RC_CARE_EXPECTATION}, {"agreed to", RC_CARE_EXPECTATION},
    {"should have arrived", RC_CARE_EXPECTATION}, {"should've arrived", RC_CARE_EXPECTATION},
    {"scheduled for", RC_CARE_EXPECTATION}, {"was due", RC_CARE_EXPECTATION}, {"were due", RC_CARE_EXPECTATION},
    {"as booked", RC_CARE_EXPECTATION}, {"i paid for", RC_CARE_EXPECTATION}, {"we paid for", RC_CARE_EXPECTATION},
    /* where is my */
    {"where is my", RC_CARE_WHERE}, {"where's my", RC_CARE_WHERE}, {"wheres my", RC_CARE_WHERE},
    {"where are my", RC_CARE_WHERE}, {"where is our", RC_CARE_WHERE}, {"where's our", RC_CARE_WHERE},
    {"where are our", RC_CARE_WHERE}, {"any update on my", RC_CARE_WHERE}, {"any news on my", RC_CARE_WHERE},
    {"what happened to my", RC_CARE_WHERE}, {"what happened to the", RC_CARE_WHERE},
    /* failures that hold no negative lexicon word */
    {"never arrived", RC_CARE_FAILURE}, {"never arrives", RC_CARE_FAILURE}, {"never received", RC_CARE_FAILURE},
    {"never showed", RC_CARE_FAILURE}, {"never came", RC_CARE_FAILURE}, {"never got", RC_CARE_FAILURE},
    {"never delivered", RC_CARE_FAILURE}, {"never works", RC_CARE_FAILURE}, {"never on time", RC_CARE_FAILURE},
    {"never once left", RC_CARE_FAILURE}, {"never answer", RC_CARE_FAILURE}, {"never answers", RC_CARE_FAILURE},
    {"hasn't arrived", RC_CARE_FAILURE}, {"has not arrived", RC_CARE_FAILURE}, {"didn't arrive", RC_CARE_FAILURE},
    {"did not arrive", RC_CARE_FAILURE}, {"hasn't landed", RC_CARE_FAILURE}, {"not received", RC_CARE_FAILURE},
    {"haven't received", RC_CARE_FAILURE}, {"have not received", RC_CARE_FAILURE},
    {"didn't receive", RC_CARE_FAILURE}, {"did not receive", RC_CARE_FAILURE}, {"wasn't delivered", RC_CARE_FAILURE},
    {"not delivered", RC_CARE_FAILURE}, {"was not delivered", RC_CARE_FAILURE},
    {"charged twice", RC_CARE_FAILURE}, {"double charged", RC_CARE_FAILURE}, {"charged me", RC_CARE_FAILURE},
    {"charged us", RC_CARE_FAILURE}, {"got charged", RC_CARE_FAILURE}, {"been charged", RC_CARE_FAILURE},
    {"being charged", RC_CARE_FAILURE}, {"billed me", RC_CARE_FAILURE}, {"billed us", RC_CARE_FAILURE},
    {"took my money", RC_CARE_FAILURE}, {"overcharged", RC_CARE_FAILURE}, {"lost my", RC_CARE_FAILURE},
    {"lost our", RC_CARE_FAILURE}, {"not working", RC_CARE_FAILURE}, {"doesn't work", RC_CARE_FAILURE},
    {"does not work", RC_CARE_FAILURE}, {"isn't working", RC_CARE_FAILURE}, {"stopped working", RC_CARE_FAILURE},
    {"won't work", RC_CARE_FAILURE}, {"won't load", RC_CARE_FAILURE}, {"won't let me", RC_CARE_FAILURE},
    {"won't refund", RC_CARE_FAILURE}, {"hasn't worked", RC_CARE_FAILURE}, {"can't log in", RC_CARE_FAILURE},
    {"can't login", RC_CARE_FAILURE}, {"can't access", RC_CARE_FAILURE}, {"can't find my", RC_CARE_FAILURE},
    {"can't get into", RC_CARE_FAILURE}, {"locked out", RC_CARE_FAILURE}, {"no signal", RC_CARE_FAILURE},
    {"no service", RC_CARE_FAILURE}, {"no power", RC_CARE_FAILURE}, {"no internet", RC_CARE_FAILURE},
    {"no wifi", RC_CARE_FAILURE}, {"no hot water", RC_CARE_FAILURE}, {"no heat", RC_CARE_FAILURE},
    {"no ac", RC_CARE_FAILURE}, {"not restored", RC_CARE_FAILURE}, {"not fixed", RC_CARE_FAILURE},
    {"is down", RC_CARE_FAILURE}, {"was down", RC_CARE_FAILURE}, {"went down", RC_CARE_FAILURE},
    {"are down", RC_CARE_FAILURE}, {"been down", RC_CARE_FAILURE}, {"is offline", RC_CARE_FAILURE},
    {"power out", RC_CARE_FAILURE}, {"missed my connection", RC_CARE_FAILURE},
    {"missed our connection", RC_CARE_FAILURE}, {"left without", RC_CARE_FAILURE},
    {"denied boarding", RC_CARE_FAILURE}, {"kicked off", RC_CARE_FAILURE}, {"left behind", RC_CARE_FAILURE},
    {"the wrong", RC_CARE_FAILURE}, {"wrong item", RC_CARE_FAILURE}, {"wrong order", RC_CARE_FAILURE},
    {"without any explanation", RC_CARE_FAILURE},
    {"without asking", RC_CARE_FAILURE}, {"without my consent", RC_CARE_FAILURE}, {"ate my", RC_CARE_FAILURE},
    {"different story", RC_CARE_FAILURE}, {"different answer", RC_CARE_FAILURE},
    {"different answers", RC_CARE_FAILURE}, {"cut off", RC_CARE_FAILURE}, {"call dropped", RC_CARE_FAILURE}, {"not on it", RC_CARE_FAILURE},
    /* sarcasm */
    {"thanks for nothing", RC_CARE_SARCASM}, {"thx for nothing", RC_CARE_SARCASM},
    {"thank you for nothing", RC_CARE_SARCASM}, {"love waiting", RC_CARE_SARCASM},
    {"love paying", RC_CARE_SARCASM}, {"love being", RC_CARE_SARCASM}, {"love how", RC_CARE_SARCASM},
    {"love it when", RC_CARE_SARCASM}, {"enjoy being", RC_CARE_SARCASM}, {"nothing says", RC_CARE_SARCASM},
    {"who knew", RC_CARE_SARCASM}, {"what a delight", RC_CARE_SARCASM}, {"what a treat", RC_CARE_SARCASM},
    {"what a joy", RC_CARE_SARCASM}, {"living the dream", RC_CARE_SARCASM}, {"cool cool cool", RC_CARE_SARCASM},
    {"because who needs", RC_CARE_SARCASM}, {"who needs", RC_CARE_SARCASM}, {"good to know", RC_CARE_SARCASM},
    {"very generous", RC_CARE_SARCASM}, {"so generous", RC_CARE_SARCASM}, {"how generous", RC_CARE_SARCASM},
    {"absolutely thrilled", RC_CARE_SARCASM},
    {"great to see", RC_CARE_SARCASM},
    {"just what i needed", T_COND_SARCASM}, {"just what we needed", T_COND_SARCASM},
    {"exactly what i needed", T_COND_SARCASM}, {"oh great", T_COND_SARCASM}, {"oh good", T_COND_SARCASM},
    {"oh wonderful", T_COND_SARCASM}, {"oh cool", T_COND_SARCASM}, {"oh look", T_COND_SARCASM},
    {"oh joy", T_COND_SARCASM}, {"oh lovely", T_COND_SARCASM}, {"oh perfect", T_COND_SARCASM},
    {"oh fantastic", T_COND_SARCASM}, {"oh brilliant", T_COND_SARCASM}, {"oh nice", T_COND_SARCASM},
    {"ah yes", T_COND_SARCASM}, {"oh yes", T_COND_SARCASM}, {"brilliant plan", T_COND_SARCASM},
    {"great plan", T_COND_SARCASM}, {"impressive", T_COND_SARCASM}, {"love that", T_COND_SARCASM},
    {"love a", T_COND_SARCASM}, {"indeed", T_COND_SARCASM},
    /* failure words, also in posts that praise the recovery */
    {"cancelled", T_EVENT}, {"canceled", T_EVENT}, {"cancellation", T_EVENT}, {"delayed", T_EVENT},
    {"delay", T_EVENT}, {"delays", T_EVENT}, {"late", T_EVENT}, {"lost", T_EVENT}, {"broken", T_EVENT},
    {"broke", T_EVENT}, {"damaged", T_EVENT}, {"missing", T_EVENT}, {"overbooked", T_EVENT},
    {"outage", T_EVENT}, {"stuck", T_EVENT}, {"declined", T_EVENT}, {"bumped", T_EVENT},
    {"stranded", T_EVENT}, {"crash", T_EVENT}, {"crashed", T_EVENT}, {"crashes", T_EVENT},
    {"crashing", T_EVENT}, {"error", T_EVENT}, {"errored", T_EVENT}, {"glitch", T_EVENT}, {"bug", T_EVENT},
    {"offline", T_EVENT}, {"failed", T_EVENT}, {"fails", T_EVENT}, {"wrong", T_EVENT}, {"refused", T_EVENT},
    {"rejected", T_EVENT}, {"leaking", T_EVENT}, {"leak", T_EVENT}, {"dirty", T_EVENT}, {"filthy", T_EVENT},
    {"stale", T_EVENT}, {"cold", T_EVENT}, {"buffering", T_EVENT}, {"drops", T_EVENT}, {"dropped", T_EVENT},
    {"surcharge", T_EVENT}, {"hidden fee", T_EVENT}, {"price hike", T_EVENT},
    {"raising prices", T_EVENT}, {"raised prices", T_EVENT}, {"price went up", T_EVENT},
    {"bill went up", T_EVENT}, {"disconnected", T_EVENT}, {"frozen", T_EVENT}, {"froze", T_EVENT},
    {"unavailable", T_EVENT}, {"gone", T_EVENT}, {"disappeared", T_EVENT}, {"deleted", T_EVENT},
    {"substituted", T_EVENT}, {"cracked", T_EVENT}, {"scratched", T_EVENT}, {"mouldy", T_EVENT},
    {"moldy", T_EVENT}, {"bedbugs", T_EVENT}, {"cockroach", T_EVENT}, {"noisy", T_EVENT},
    /* negators of failure words */
    {"no", T_NEGATOR}, {"not", T_NEGATOR}, {"never", T_NEGATOR}, {"zero", T_NEGATOR}, {"without", T_NEGATOR},
    {"none", T_NEGATOR}, {"hardly", T_NEGATOR},
    /* durations */
    {"minute", T_UNIT}, {"minutes", T_UNIT}, {"min", T_UNIT}, {"mins", T_UNIT}, {"hour", T_UNIT},
    {"hours", T_UNIT}, {"hr", T_UNIT}, {"hrs", T_UNIT}, {"day", T_UNIT}, {"days", T_UNIT},
    {"working days", T_UNIT}, {"business days", T_UNIT}, {"week", T_UNIT}, {"weeks", T_UNIT},
    {"month", T_UNIT_LONG}, {"months", T_UNIT_LONG},
    {"a", T_NUMBER}, {"an", T_NUMBER}, {"one", T_NUMBER}, {"two", T_NUMBER}, {"three", T_NUMBER},
    {"four", T_NUMBER}, {"five", T_NUMBER}, {"six", T_NUMBER}, {"seven", T_NUMBER}, {"eight", T_NUMBER},
    {"nine", T_NUMBER}, {"ten", T_NUMBER}, {"eleven", T_NUMBER}, {"twelve", T_NUMBER}, {"twenty", T_NUMBER},
    {"thirty", T_NUMBER}, {"forty", T_NUMBER}, {"fifty", T_NUMBER}, {"few", T_NUMBER}, {"several", T_NUMBER},
    {"couple", T_NUMBER}, {"couple of", T_NUMBER}, {"a couple of", T_NUMBER}, {"a few", T_NUMBER},
    {"very", T_INTENSIFIER}, {"so", T_INTENSIFIER}, {"truly", T_INTENSIFIER}, {"really", T_INTENSIFIER},
    {"how", T_INTENSIFIER},
    {"still not enough", T_IDIOM}, {"late checkout", T_IDIOM}, {"late check", T_IDIOM}, {"no questions asked", T_IDIOM},
    {"another", T_ANOTHER}, {"again", T_AGAIN}, {"still", T_STILL}, {"times", T_TIMES}, {"every", T_EVERY},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct rc_care {
    rc_phrases_t *phrases;
};

static const char *const family_names[RC_CARE_FAMILIES] = {
    "hold", "waiting", "no_reply", "repeat", "late", "expectation", "where", "failure", "sarcasm", "quoted",
};

const char *rc_care_family_name(int family) {
    return family >= 0 && family < RC_CARE_FAMILIES ? family_names[family] : "?";
}

/* Words whose role depends on where they stand, compared as words rather
 * than through the table (where each phrase has one tag). */
static const char *const wait_before[] = {
    "been", "waited", "waiting", "wait", "took", "takes", "taking", "spent", "after", "over", "sat", "queued", NULL,
};
static const char *const late_after[] = {
    "late", "delayed", "delay", "ago", "later", "overdue", "behind", "since", "queue", "wait", "waiting", "now", NULL,
};
static const char *const openers[] = {
    "great", "fantastic", "wonderful", "brilliant", "lovely", "perfect", "awesome", "amazing", "fabulous", "superb",
    "excellent", "cool", "nice", "sure", "wow", "terrific", "love", "thanks", "thx", "ty", "splendid", "yay", NULL,
};

/* U+1F643 upside-down face, U+1F644 face with rolling eyes, U+1F612
 * unamused face: the eye-roll that marks the words around it as ironic. */
static const char *const eye_roll[] = {"\xf0\x9f\x99\x83", "\xf0\x9f\x99\x84", "\xf0\x9f\x98\x92", NULL};

rc_care_t *rc_care_new(char *errstr, size_t errstr_size) {
    rc_care_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    c->phrases = rc_phrases_new(care_defs, ARRAY_LEN(care_defs), errstr, errstr_size);
    if (c->phrases == NULL) {
        rc_care_destroy(c);
        return NULL;
    }
    return c;
}

void rc_care_destroy(rc_care_t *c) {
    if (c == NULL)
        return;
    rc_phrases_destroy(c->phrases);
    free(c);
}

/* The tag of the phrase starting at word "j", or -1 (also out of range). */
static int tag_at(const rc_care_t *c, const rc_words_t *ws, size_t j) {
    if (j >= ws->n)
        return -1;
    int k = rc_phrases_match(c->phrases, ws, j, NULL);
    return k >= 0 ? care_defs[k].tag : -1;
}

static int is_plain(const rc_words_t *ws, size_t j) {
    return j < ws->n && ws->w[j].kind == RC_WORD_PLAIN;
}

static int word_is(const rc_words_t *ws, size_t j, const char *const *list) {
    return is_plain(ws, j) && rc_word_in(ws->w[j].low, list);
}

/* A count: digits only ("45"), or a number word ("three", "a few"). */
static int is_number(const rc_care_t *c, const rc_words_t *ws, size_t j) {
    if (!is_plain(ws, j))
        return 0;
    const rc_word_t *w = &ws->w[j];
    return (w->digits > 0 && w->digits == w->len) || tag_at(c, ws, j) == T_NUMBER;
}

/* The text after word "i" and the spaces that follow it. */
static const char *next_visible(const rc_words_t *ws, size_t i) {
    const char *p = ws->text + ws->w[i].off + ws->w[i].len;
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int is_quote_start(const char *p) {
    return *p == '"' || *p == '\'' ||
           (!strncmp(p, "\xe2\x80\x9c", 3) || !strncmp(p, "\xe2\x80\x98", 3)); /* U+201C, U+2018 */
}

enum { Q_NONE = 0, Q_DOUBLE, Q_SINGLE, Q_DOUBLE_OPEN, Q_DOUBLE_CLOSE, Q_SINGLE_OPEN, Q_SINGLE_CLOSE };

/* The quotation mark at "p" (Q_*), with its byte length in *len. */
static int quote_mark(const unsigned char *p, const unsigned char *end, size_t *len) {
    *len = 1;
    if (*p == '"')
        return Q_DOUBLE;
    if (*p == '\'')
        return Q_SINGLE;
    if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9d && p[2] != 0x9a && p[2] != 0x9b) {
        *len = 3;
        return p[2] == 0x98 ? Q_SINGLE_OPEN : p[2] == 0x99 ? Q_SINGLE_CLOSE : p[2] == 0x9c ? Q_DOUBLE_OPEN
                                                                                          : Q_DOUBLE_CLOSE;
    }
    return Q_NONE;
}

static int is_alnum(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch >= 0x80;
}

/* Is there a short quotation (at most 60 bytes with a letter in it) in
 * text[from, to)? A single quote opens only at the start of a word and
 * closes only at the end of one, so the apostrophe of "don't" is neither.
 * Straight and curly marks alike. */
static int has_short_quote(const char *text, size_t from, size_t to) {
    const unsigned char *start = (const unsigned char *)text, *p = start + from, *end = start + to;
    while (p < end) {
        size_t len;
        int mark = quote_mark(p, end, &len);
        int dbl = mark == Q_DOUBLE || mark == Q_DOUBLE_OPEN;
        int sgl = mark == Q_SINGLE_OPEN || (mark == Q_SINGLE && (p == start || p[-1] == ' ' || p[-1] == '('));
        if ((!dbl && !sgl) || p + len >= end || !is_alnum(p[len])) {
            p += len;
            continue;
        }
        const unsigned char *q = p + len;
        int letters = 0;
        for (; q < end && q - p <= 60; q++) {
            size_t clen;
            int close = quote_mark(q, end, &clen);
            if (dbl && (close == Q_DOUBLE || close == Q_DOUBLE_CLOSE))
                return letters;
            if (sgl && (close == Q_SINGLE || close == Q_SINGLE_CLOSE) && (q + clen >= end || !is_alnum(q[clen])))
                return letters;
            letters |= (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z');
        }
        p += len;
    }
    return 0;
}

/* Does the post open with a praise word and a pause ("Great, ...", "Wow
 * @Bank, ...")? */
static int praise_opener(const rc_words_t *ws) {
    size_t f = 0;
    while (f < ws->n && ws->w[f].kind != RC_WORD_PLAIN)
        f++;
    if (f >= ws->n || f > 1 || !rc_word_in(ws->w[f].low, openers))
        return 0;
    char after = rc_words_after(ws, f);
    if (after == ',' || after == '!' || after == '.' || after == ':' || after == ';')
        return 1;
    /* "Wow @Bank, ..." / "thank you @Bank, ..." */
    size_t m = f + 1;
    if (m < ws->n && ws->w[m].kind == RC_WORD_PLAIN && !strcmp(ws->w[m].low, "you"))
        m++;
    if (m < ws->n && ws->w[m].kind == RC_WORD_MENTION) {
        after = rc_words_after(ws, m);
        return after == ',' || after == ':' || after == '!';
    }
    return 0;
}

void rc_care_scan(const rc_care_t *c, const rc_words_t *ws, size_t from, size_t to, rc_care_found_t *out) {
    uint32_t fam = 0;
    unsigned events = 0;
    size_t last_negator = (size_t)-1;
    int again = 0, cond_sarcasm = 0;

    if (to > ws->n)
        to = ws->n;
    for (size_t i = from; i < to;) {
        size_t nw = 1;
        int k = rc_phrases_match(c->phrases, ws, i, &nw);
        int tag = k >= 0 ? care_defs[k].tag : -1;
        if (tag >= 0 && tag < RC_CARE_FAMILIES) {
            fam |= RC_CARE_BIT(tag);
        } else if (tag == T_EVENT) {
            if (last_negator == (size_t)-1 || i - last_negator > 3)
                events++;
        } else if (tag == T_NEGATOR) {
            last_negator = i;
        } else if (tag == T_UNIT || tag == T_UNIT_LONG) {
            /* "[waited|for] [N] hours", "N hours [late|ago]" */
            const rc_word_t *unit = &ws->w[i + nw - 1];
            int plural = unit->low[unit->low_len - 1] == 's';
            int num = i > 0 && is_number(c, ws, i - 1);
            size_t before = num ? i - 2 : i - 1; /* may wrap: checked below */
            int waited = i >= (num ? 2u : 1u) && (num || plural) &&
                         (word_is(ws, before, wait_before) ||
                          (tag == T_UNIT && tag_at(c, ws, before) == T_FOR));
            int lateness = (num || plural) && word_is(ws, i + nw, late_after);
            if (waited || lateness)
                fam |= RC_CARE_BIT(RC_CARE_LATE);
            if (num && i >= 2 && tag_at(c, ws, i - 2) == T_EVERY)
                fam |= RC_CARE_BIT(RC_CARE_REPEAT);
        } else if (tag == T_ANOTHER) {
            int next = tag_at(c, ws, i + 1);
            if (next == T_EVENT || next == T_UNIT || is_number(c, ws, i + 1))
                fam |= RC_CARE_BIT(RC_CARE_REPEAT);
        } else if (tag == T_AGAIN) {
            again = 1;
        } else if (tag == T_TIMES) {
            if (i > 0 && is_number(c, ws, i - 1))
                fam |= RC_CARE_BIT(RC_CARE_REPEAT);
        } else if (tag == T_STILL) {
            if (is_quote_start(next_visible(ws, i)))
                fam |= RC_CARE_BIT(RC_CARE_WAITING);
        } else if (tag == T_COND_SARCASM) {
            cond_sarcasm = 1;
        } else if (tag == T_INTENSIFIER) {
            if (word_is(ws, i + 1, openers))
                cond_sarcasm = 1;
        }
        i += nw;
    }
    if (again && (events > 0 || (fam & RC_CARE_BIT(RC_CARE_FAILURE))))
        fam |= RC_CARE_BIT(RC_CARE_REPEAT);

    size_t from_byte = from == 0 ? 0 : ws->w[from - 1].off + ws->w[from - 1].len;
    size_t to_byte = to >= ws->n ? strlen(ws->text) : ws->w[to].off;
    if (from_byte < to_byte && has_short_quote(ws->text, from_byte, to_byte))
        fam |= RC_CARE_BIT(RC_CARE_QUOTED);

    /* Irony needs something to be ironic about. */
    int eye_rolls = 0;
    for (size_t e = 0; eye_roll[e] != NULL; e++)
        eye_rolls |= strstr(ws->text, eye_roll[e]) != NULL;
    int problem = events > 0 || (fam & ~RC_CARE_BIT(RC_CARE_SARCASM)) != 0;
    if (problem && (cond_sarcasm || eye_rolls || (from == 0 && praise_opener(ws))))
        fam |= RC_CARE_BIT(RC_CARE_SARCASM);

    out->families = fam;
    out->events = events;
}
