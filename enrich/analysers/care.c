/*
 * Customer-care cues (see care.h): one phrase table, scanned word by word
 * once per post, plus a few rules that look at a cue's neighbours:
 *
 *   late       a time unit with a number before it and a waiting word
 *              before the number ("been 6 days", "waited 70 minutes",
 *              "took 25 minutes", "for 9 days"; months not after "for") or
 *              a lateness word after it ("3 hours late", "two weeks ago",
 *              "4 months later", "45 minute queue"); a plural unit needs no
 *              number ("hours late", "for hours").
 *   repeat     "again" in a post with a failure; "another" before a
 *              failure word or a time ("another delay", "another 30
 *              minutes"); a number before "times" ("4 times"); "every"
 *              before a number and a unit ("every 20 min").
 *   waiting    "still" right before a quotation ("still "under review"").
 *   quoted     a short quotation (up to 60 bytes), straight or curly
 *              quotes: customers quote the company's words back at it.
 *   sarcasm    unconditional phrases ("thanks for nothing", "love
 *              waiting"); or, when the post also reports a problem (another
 *              family but "quoted", or a failure word): a praise word
 *              opening the post followed by a pause ("Great, ...", "Wow
 *              @Bank, ..."), an "oh great" / "just what I needed" phrase, an
 *              intensified praise word ("very generous", "so helpful"), or
 *              the eye-roll emoji U+1F643/U+1F644/U+1F612; or the opening
 *              praise word with a quotation ("Thanks, the 'complimentary'
 *              snack was one pretzel").
 *   events     failure words ("cancelled", "lost", ...) count unless one of
 *              the three words before them negates ("no delays", "not a
 *              single delay", "never once lost").
 *   contrast   the first "but" / "however" / "not so much" splits the post;
 *              what follows it is reported apart as well.
 *   courtesy   "please", "thanks", "happy to", "I'd like" ... and whether
 *              the post asks for something ('?', "please", "can you").
 *
 * Phrases that hold a cue but mean nothing of the kind ("still not
 * enough", "late checkout") are listed with a tag of their own so the
 * longest match swallows them.
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
    T_PRAISE_WORD,              /* "great", "wow", "thanks": sarcastic before a problem */
    T_POLITE_ASK,               /* courtesy that asks: "please", "kindly" */
    T_THANKS,                   /* courtesy that is also a sarcastic opener: "thanks" */
    T_COURTESY,                 /* other courtesy: "happy to", "i'd like", "help" */
    T_ASK,                      /* asks without courtesy: "can you", "could i" */
    T_CONTRAST,                 /* "but", "however": what follows outweighs what precedes */
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
    {"different answers", RC_CARE_FAILURE}, {"call dropped", RC_CARE_FAILURE}, {"not on it", RC_CARE_FAILURE},
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
    {"bill went up", T_EVENT}, {"cut off", T_EVENT}, {"disconnected", T_EVENT}, {"frozen", T_EVENT}, {"froze", T_EVENT},
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
    {"for", T_FOR},
    {"very", T_INTENSIFIER}, {"so", T_INTENSIFIER}, {"truly", T_INTENSIFIER}, {"really", T_INTENSIFIER},
    {"how", T_INTENSIFIER},
    {"still not enough", T_IDIOM}, {"late checkout", T_IDIOM}, {"late check", T_IDIOM}, {"no questions asked", T_IDIOM},
    {"great", T_PRAISE_WORD}, {"fantastic", T_PRAISE_WORD}, {"wonderful", T_PRAISE_WORD},
    {"brilliant", T_PRAISE_WORD}, {"lovely", T_PRAISE_WORD}, {"perfect", T_PRAISE_WORD}, {"awesome", T_PRAISE_WORD},
    {"amazing", T_PRAISE_WORD}, {"fabulous", T_PRAISE_WORD}, {"superb", T_PRAISE_WORD}, {"excellent", T_PRAISE_WORD},
    {"cool", T_PRAISE_WORD}, {"nice", T_PRAISE_WORD}, {"sure", T_PRAISE_WORD}, {"wow", T_PRAISE_WORD},
    {"terrific", T_PRAISE_WORD}, {"love", T_PRAISE_WORD}, 
    {"splendid", T_PRAISE_WORD}, {"yay", T_PRAISE_WORD}, {"generous", T_PRAISE_WORD},
    {"helpful", T_PRAISE_WORD}, {"authentic", T_PRAISE_WORD}, {"stellar", T_PRAISE_WORD}, {"smart", T_PRAISE_WORD},
    {"but", T_CONTRAST}, {"however", T_CONTRAST}, {"though", T_CONTRAST}, {"although", T_CONTRAST},
    {"except", T_CONTRAST}, {"shame", T_CONTRAST}, {"sadly", T_CONTRAST}, {"unfortunately", T_CONTRAST},
    {"only problem", T_CONTRAST}, {"only issue", T_CONTRAST}, {"not so much", T_CONTRAST}, {"downside", T_CONTRAST},
    {"that said", T_CONTRAST},
    {"another", T_ANOTHER}, {"again", T_AGAIN}, {"still", T_STILL}, {"times", T_TIMES}, {"every", T_EVERY},
    /* courtesy: one block, in the order of the bits of rc_care_found_t.courtesy */
    {"please", T_POLITE_ASK}, {"pls", T_POLITE_ASK}, {"plz", T_POLITE_ASK}, {"kindly", T_POLITE_ASK},
    {"thanks", T_THANKS}, {"thank", T_THANKS}, {"thx", T_THANKS}, {"ty", T_THANKS}, {"cheers", T_THANKS},
    {"appreciate", T_COURTESY}, {"appreciated", T_COURTESY}, {"help", T_COURTESY}, {"i'd like", T_COURTESY},
    {"would like", T_COURTESY}, {"happy to", T_COURTESY}, {"make sure", T_COURTESY}, {"free", T_COURTESY},
    {"hope", T_COURTESY}, {"hoping", T_COURTESY}, {"ok", T_COURTESY}, {"okay", T_COURTESY}, {"yes", T_COURTESY},
    {"can you", T_ASK}, {"could you", T_ASK}, {"would you", T_ASK}, {"can someone", T_ASK},
    {"could someone", T_ASK}, {"can i", T_ASK}, {"can we", T_ASK}, {"could i", T_ASK}, {"dm me", T_ASK},
    {"let me know", T_ASK}, {"i need", T_ASK}, {"we need", T_ASK},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct rc_care {
    rc_phrases_t *phrases;
    size_t courtesy_first, courtesy_n; /* the courtesy block of care_defs */
};

static int is_courtesy(int tag) {
    return tag == T_POLITE_ASK || tag == T_THANKS || tag == T_COURTESY;
}

static const char *const family_names[RC_CARE_FAMILIES] = {
    "hold", "waiting", "no_reply", "repeat", "late", "expectation", "where", "failure", "sarcasm", "quoted",
};

const char *rc_care_courtesy_phrase(const rc_care_t *c, size_t k) {
    return k < c->courtesy_n ? care_defs[c->courtesy_first + k].text : NULL;
}

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

/* U+1F643 upside-down face, U+1F644 face with rolling eyes, U+1F612
 * unamused face: the eye-roll that marks the words around it as ironic. */
static int has_eye_roll(const char *text) {
    for (const char *p = text; (p = strchr(p, '\xf0')) != NULL; p++) {
        if (!strncmp(p, "\xf0\x9f\x99\x83", 4) || !strncmp(p, "\xf0\x9f\x99\x84", 4) || !strncmp(p, "\xf0\x9f\x98\x92", 4))
            return 1;
    }
    return 0;
}

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
    /* The courtesy bits number the entries of one block. */
    for (size_t k = 0; k < ARRAY_LEN(care_defs); k++) {
        if (!is_courtesy(care_defs[k].tag))
            continue;
        if (c->courtesy_n == 0)
            c->courtesy_first = k;
        if (k != c->courtesy_first + c->courtesy_n++ || c->courtesy_n > 32) {
            snprintf(errstr, errstr_size, "care cues: the courtesy phrases must be one block of at most 32");
            rc_care_destroy(c);
            return NULL;
        }
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
        /* Jump to the next byte that can start a quotation mark. */
        const char *next = strpbrk((const char *)p, "\"'\xe2");
        if (next == NULL || (const unsigned char *)next >= end)
            return 0;
        p = (const unsigned char *)next;
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
static int praise_opener(const rc_care_t *c, const rc_words_t *ws) {
    size_t f = 0;
    while (f < ws->n && ws->w[f].kind != RC_WORD_PLAIN)
        f++;
    int tag = f < ws->n ? tag_at(c, ws, f) : -1;
    if (f > 1 || (tag != T_PRAISE_WORD && tag != T_THANKS))
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

/* What one side of the split has found so far. */
typedef struct care_acc {
    uint32_t fam;
    unsigned events;
    int again, cond_sarcasm;
} care_acc_t;

/* The families that depend on the rest of the post (see the top). */
static uint32_t care_finish(const care_acc_t *acc, int quoted, int eye_rolls, int opener) {
    uint32_t fam = acc->fam;
    if (acc->again && (acc->events > 0 || (fam & RC_CARE_BIT(RC_CARE_FAILURE))))
        fam |= RC_CARE_BIT(RC_CARE_REPEAT);
    if (quoted)
        fam |= RC_CARE_BIT(RC_CARE_QUOTED);
    /* Irony needs something to be ironic about; a quotation is enough only
     * after an opening "Great, ..." (elsewhere it may name a feature). */
    uint32_t others = fam & ~(RC_CARE_BIT(RC_CARE_SARCASM) | RC_CARE_BIT(RC_CARE_QUOTED));
    int problem = acc->events > 0 || others != 0;
    if ((problem && (acc->cond_sarcasm || eye_rolls || opener)) || (quoted && opener))
        fam |= RC_CARE_BIT(RC_CARE_SARCASM);
    return fam;
}

void rc_care_scan(const rc_care_t *c, const rc_words_t *ws, rc_care_cues_t *out) {
    care_acc_t acc[2]; /* [0] the whole post, [1] after the first contrast */
    size_t split = ws->n;
    memset(acc, 0, sizeof(acc));
    uint32_t courtesy = 0;
    int asks = strchr(ws->text, '?') != NULL;
    size_t last_negator = (size_t)-1;

    for (size_t i = 0; i < ws->n;) {
        size_t nw = 1;
        int k = rc_phrases_match(c->phrases, ws, i, &nw);
        int tag = k >= 0 ? care_defs[k].tag : -1;
        uint32_t bit = 0;
        care_acc_t now = {0};
        if (tag >= 0 && tag < RC_CARE_FAMILIES) {
            bit = RC_CARE_BIT(tag);
        } else if (tag == T_EVENT) {
            now.events = last_negator == (size_t)-1 || i - last_negator > 3;
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
                bit |= RC_CARE_BIT(RC_CARE_LATE);
            if (num && i >= 2 && tag_at(c, ws, i - 2) == T_EVERY)
                bit |= RC_CARE_BIT(RC_CARE_REPEAT);
        } else if (tag == T_ANOTHER) {
            int next = tag_at(c, ws, i + 1);
            if (next == T_EVENT || next == T_UNIT || is_number(c, ws, i + 1))
                bit = RC_CARE_BIT(RC_CARE_REPEAT);
        } else if (tag == T_AGAIN) {
            now.again = 1;
        } else if (tag == T_TIMES) {
            if (i > 0 && is_number(c, ws, i - 1))
                bit = RC_CARE_BIT(RC_CARE_REPEAT);
        } else if (tag == T_STILL) {
            if (is_quote_start(next_visible(ws, i)))
                bit = RC_CARE_BIT(RC_CARE_WAITING);
        } else if (tag == T_COND_SARCASM) {
            now.cond_sarcasm = 1;
        } else if (tag == T_INTENSIFIER) {
            int next = tag_at(c, ws, i + 1);
            now.cond_sarcasm = next == T_PRAISE_WORD || next == T_THANKS;
        } else if (tag == T_CONTRAST) {
            if (split == ws->n)
                split = i;
        } else if (is_courtesy(tag) || tag == T_ASK) {
            if (tag != T_ASK)
                courtesy |= 1u << ((size_t)k - c->courtesy_first);
            asks |= tag == T_POLITE_ASK || tag == T_ASK;
        }
        for (int side = 0; side < (split < i ? 2 : 1); side++) {
            acc[side].fam |= bit;
            acc[side].events += now.events;
            acc[side].again |= now.again;
            acc[side].cond_sarcasm |= now.cond_sarcasm;
        }
        i += nw;
    }

    int eye_rolls = has_eye_roll(ws->text);
    size_t len = strlen(ws->text);
    out->families = care_finish(&acc[0], has_short_quote(ws->text, 0, len), eye_rolls, praise_opener(c, ws));
    out->events = acc[0].events;
    out->courtesy = courtesy;
    out->asks = asks;
    out->families_after = 0;
    out->events_after = 0;
    out->found = 1;
    out->contrast_at = split;
    if (split < ws->n) {
        size_t from = ws->w[split].off + ws->w[split].len;
        out->families_after = care_finish(&acc[1], has_short_quote(ws->text, from, len), eye_rolls, 0);
        out->events_after = acc[1].events;
    }
}
