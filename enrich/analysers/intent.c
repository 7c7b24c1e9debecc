/*
 * Intent: complaint / request / question / praise / other, by rules over
 * cue phrases, the customer-care cues (care.h, found by the sentiment
 * analyser), the sentiment score and the entities found earlier. The labels
 * follow the development set's guide (tests/data/devset/README.md): when
 * several apply, the first of complaint > request > question > praise >
 * other wins.
 *
 * A complaint is a breach of expectation, not merely negative words. In a
 * post with a service context (a @mention, "you/your", a person or a
 * reference number, or words like "flight", "order", "agent"):
 *
 *   - a breach family of the care cues makes a complaint: hold, waiting,
 *     no reply, expectation, "where is my", failure, sarcasm ("3 hours on
 *     hold", "still waiting", "I was told", "never arrived", "great,
 *     another delay");
 *   - so does a "why" / "how come" / "what happened" put to the company or
 *     about a failure ("why is my refund STILL not here??");
 *   - otherwise the weaker evidence is counted: 1 point per other care
 *     family (repeat, late, quoted: "again", "hours late", the
 *     "complimentary" snack), 1 for failure words not negated
 *     ("cancelled", "lost"; not "no delays") and 1 more when the post
 *     @mentions someone (a failure reported), 1 for an attitude word
 *     ("rude", "worst", "not happy"; 2 for two of them), 1 more when the sentiment is
 *     negative. Two points make a complaint when they outweigh the praise
 *     (1 per praise word or praise emoji, 2 per strong praise, 1 for a
 *     very positive post) and there is no strong praise ("thank you for
 *     rebooking me after the cancellation" is praise); a post that asks
 *     for something needs three without the @mention's ("could you add my
 *     number? the app keeps timing out" is a request);
 *   - after a contrast ("but", "however", "not so much") the second half
 *     decides: "love the app but it crashes every time I pay" is a
 *     complaint, "the courier was late but you called to apologise,
 *     classy" is praise.
 *
 * So "I hate Mondays" (no service context, no breach) is other. Then:
 *
 *   request    "can you", "could you", "I need", "I'd like", "DM me",
 *              "can I get" ...; "please" too, unless there is strong
 *              praise ("more of this please"); "I want" when addressed to
 *              the company.
 *   question   a '?' outside URLs, or a first word like how / when / does /
 *              is; strong praise, or praise in a very positive post, wins
 *              over it ("Who rocks Denver? Cindy rocks @SWA.").
 *   praise     strong praise ("thank you", "kudos", "not bad at all",
 *              "can't say enough good things") whatever the score; praise
 *              words or emoji with a service context in a positive post (or
 *              one not negative that @mentions the company).
 *   other      the rest: chatter, news, moods ("traffic is awful today").
 *
 * Thread-safe: the state is read-only after init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "care.h"
#include "text.h"

enum {
    I_ATTITUDE = 0,
    I_CONTEXT,
    I_ADDRESS,
    I_PRAISE,
    I_STRONG_PRAISE,
    I_REQUEST,
    I_WEAK_REQUEST,
    I_WANT,
    I_QUESTION,
    I_WHY,
    I_NEGATOR,
    I_MONEY,
};

static const rc_phrase_def_t intent_defs[] = {
    /* attitude: a complaint only with a service context */
    {"rude", I_ATTITUDE}, {"rudest", I_ATTITUDE}, {"rudely", I_ATTITUDE}, {"worst", I_ATTITUDE},
    {"terrible", I_ATTITUDE}, {"horrible", I_ATTITUDE}, {"awful", I_ATTITUDE}, {"ridiculous", I_ATTITUDE},
    {"incompetent", I_ATTITUDE}, {"useless", I_ATTITUDE}, {"pathetic", I_ATTITUDE},
    {"disgusting", I_ATTITUDE}, {"disgraceful", I_ATTITUDE}, {"shameful", I_ATTITUDE},
    {"disappointed", I_ATTITUDE}, {"disappointing", I_ATTITUDE}, {"disappointment", I_ATTITUDE},
    {"unhappy", I_ATTITUDE}, {"furious", I_ATTITUDE}, {"angry", I_ATTITUDE}, {"annoyed", I_ATTITUDE},
    {"frustrated", I_ATTITUDE}, {"frustrating", I_ATTITUDE}, {"upset", I_ATTITUDE}, {"sucks", I_ATTITUDE},
    {"fix this", I_ATTITUDE}, {"fix it", I_ATTITUDE}, {"complaint", I_ATTITUDE}, {"complain", I_ATTITUDE},
    {"complaining", I_ATTITUDE}, {"nightmare", I_ATTITUDE}, {"joke", I_ATTITUDE}, {"hate", I_ATTITUDE},
    {"poor service", I_ATTITUDE}, {"bad service", I_ATTITUDE}, {"unacceptable", I_ATTITUDE},
    {"not acceptable", I_ATTITUDE}, {"not happy", I_ATTITUDE}, {"not ok", I_ATTITUDE}, {"not okay", I_ATTITUDE},
    {"not good enough", I_ATTITUDE}, {"do better", I_ATTITUDE}, {"come on", I_ATTITUDE},
    {"get your act together", I_ATTITUDE}, {"get your story straight", I_ATTITUDE}, {"never again", I_ATTITUDE},
    {"ripped off", I_ATTITUDE}, {"rip off", I_ATTITUDE}, {"ripoff", I_ATTITUDE}, {"scam", I_ATTITUDE},
    {"scammed", I_ATTITUDE}, {"shambles", I_ATTITUDE}, {"disaster", I_ATTITUDE}, {"mess", I_ATTITUDE},
    {"embarrassing", I_ATTITUDE}, {"false advertising", I_ATTITUDE}, {"misleading", I_ATTITUDE},
    {"zero stars", I_ATTITUDE}, {"one star", I_ATTITUDE}, {"wtf", I_ATTITUDE}, {"smh", I_ATTITUDE},
    {"sue", I_ATTITUDE}, {"lawsuit", I_ATTITUDE}, {"lawyer", I_ATTITUDE}, {"food poisoning", I_ATTITUDE},
    {"unsafe", I_ATTITUDE}, {"dangerous", I_ATTITUDE}, {"injured", I_ATTITUDE}, {"not smart", I_ATTITUDE},
    /* service context */
    {"flight", I_CONTEXT}, {"flights", I_CONTEXT}, {"plane", I_CONTEXT}, {"airline", I_CONTEXT},
    {"airport", I_CONTEXT}, {"gate", I_CONTEXT}, {"agent", I_CONTEXT}, {"agents", I_CONTEXT}, {"staff", I_CONTEXT},
    {"crew", I_CONTEXT}, {"attendant", I_CONTEXT}, {"pilot", I_CONTEXT}, {"service", I_CONTEXT},
    {"customer service", I_CONTEXT}, {"support", I_CONTEXT}, {"order", I_CONTEXT}, {"delivery", I_CONTEXT},
    {"package", I_CONTEXT}, {"parcel", I_CONTEXT}, {"bag", I_CONTEXT}, {"bags", I_CONTEXT}, {"luggage", I_CONTEXT},
    {"baggage", I_CONTEXT}, {"booking", I_CONTEXT}, {"reservation", I_CONTEXT}, {"ticket", I_CONTEXT},
    {"tickets", I_CONTEXT}, {"seat", I_CONTEXT}, {"seats", I_CONTEXT}, {"account", I_CONTEXT}, {"app", I_CONTEXT},
    {"website", I_CONTEXT}, {"store", I_CONTEXT}, {"product", I_CONTEXT}, {"payment", I_CONTEXT},
    {"bill", I_CONTEXT}, {"billing", I_CONTEXT}, {"subscription", I_CONTEXT}, {"driver", I_CONTEXT},
    {"hotel", I_CONTEXT}, {"room", I_CONTEXT}, {"manager", I_CONTEXT}, {"employee", I_CONTEXT}, {"rep", I_CONTEXT},
    {"representative", I_CONTEXT}, {"counter", I_CONTEXT}, {"check in", I_CONTEXT}, {"checkin", I_CONTEXT},
    {"boarding", I_CONTEXT}, {"lounge", I_CONTEXT}, {"wifi", I_CONTEXT}, {"train", I_CONTEXT},
    {"conductor", I_CONTEXT}, {"courier", I_CONTEXT}, {"technician", I_CONTEXT}, {"tech", I_CONTEXT},
    {"engineer", I_CONTEXT}, {"router", I_CONTEXT}, {"internet", I_CONTEXT}, {"claim", I_CONTEXT},
    {"policy", I_CONTEXT}, {"refund", I_CONTEXT}, {"invoice", I_CONTEXT}, {"front desk", I_CONTEXT},
    {"rental", I_CONTEXT}, {"chat", I_CONTEXT}, {"helpline", I_CONTEXT}, {"branch", I_CONTEXT},
    {"call centre", I_CONTEXT}, {"call center", I_CONTEXT}, {"waiter", I_CONTEXT}, {"server", I_CONTEXT},
    {"restaurant", I_CONTEXT}, {"menu", I_CONTEXT}, {"food", I_CONTEXT}, {"meal", I_CONTEXT},
    /* addressed to the company */
    {"you", I_ADDRESS}, {"your", I_ADDRESS}, {"you're", I_ADDRESS}, {"y'all", I_ADDRESS}, {"ya'll", I_ADDRESS},
    {"u", I_ADDRESS}, {"ur", I_ADDRESS}, {"you guys", I_ADDRESS}, {"your company", I_ADDRESS},
    /* praise */
    {"thanks", I_PRAISE}, {"thx", I_PRAISE}, {"ty", I_PRAISE}, {"love", I_PRAISE}, {"loved", I_PRAISE},
    {"loving", I_PRAISE}, {"amazing", I_PRAISE}, {"awesome", I_PRAISE}, {"excellent", I_PRAISE},
    {"great", I_PRAISE}, {"best", I_PRAISE}, {"fantastic", I_PRAISE}, {"wonderful", I_PRAISE},
    {"appreciate", I_PRAISE}, {"appreciated", I_PRAISE}, {"helpful", I_PRAISE}, {"impressed", I_PRAISE},
    {"outstanding", I_PRAISE}, {"superb", I_PRAISE}, {"brilliant", I_PRAISE}, {"perfect", I_PRAISE},
    {"perfectly", I_PRAISE}, {"friendly", I_PRAISE}, {"kind", I_PRAISE}, {"lovely", I_PRAISE},
    {"incredible", I_PRAISE}, {"smooth", I_PRAISE}, {"smoother", I_PRAISE}, {"seamless", I_PRAISE},
    {"flawless", I_PRAISE}, {"spotless", I_PRAISE}, {"immaculate", I_PRAISE}, {"elite", I_PRAISE},
    {"gem", I_PRAISE}, {"generous", I_PRAISE}, {"thoughtful", I_PRAISE}, {"classy", I_PRAISE},
    {"efficient", I_PRAISE}, {"professional", I_PRAISE}, {"polite", I_PRAISE}, {"patient", I_PRAISE},
    {"grateful", I_PRAISE}, {"refreshing", I_PRAISE}, {"delicious", I_PRAISE}, {"comfy", I_PRAISE},
    {"cozy", I_PRAISE}, {"gorgeous", I_PRAISE}, {"beautiful", I_PRAISE}, {"beautifully", I_PRAISE},
    {"pleased", I_PRAISE}, {"recommend", I_PRAISE}, {"favourite", I_PRAISE}, {"favorite", I_PRAISE},
    {"genuinely", I_PRAISE}, {"slick", I_PRAISE}, {"useful", I_PRAISE}, {"calm", I_PRAISE},
    {"cheerful", I_PRAISE}, {"compassion", I_PRAISE}, {"on time", I_PRAISE}, {"early", I_PRAISE},
    {"underrated", I_PRAISE}, {"hilarious", I_PRAISE}, {"unreal", I_PRAISE}, {"fresh", I_PRAISE},
    {"so good", I_PRAISE}, {"really good", I_PRAISE}, {"actually good", I_PRAISE}, {"good", I_PRAISE},
    {"easy", I_PRAISE}, {"fast", I_PRAISE}, {"quick", I_PRAISE}, {"works", I_PRAISE},
    {"rocks", I_STRONG_PRAISE}, {"rocked", I_STRONG_PRAISE}, {"you rock", I_STRONG_PRAISE},
    {"kudos", I_STRONG_PRAISE}, {"shoutout", I_STRONG_PRAISE}, {"shout out", I_STRONG_PRAISE},
    {"great job", I_STRONG_PRAISE}, {"good job", I_STRONG_PRAISE}, {"well done", I_STRONG_PRAISE},
    {"thank you", I_STRONG_PRAISE}, {"thank u", I_STRONG_PRAISE}, {"big thanks", I_STRONG_PRAISE},
    {"huge thanks", I_STRONG_PRAISE}, {"many thanks", I_STRONG_PRAISE}, {"thanks so much", I_STRONG_PRAISE},
    {"hats off", I_STRONG_PRAISE}, {"props to", I_STRONG_PRAISE}, {"props", I_STRONG_PRAISE},
    {"above and beyond", I_STRONG_PRAISE}, {"can't thank", I_STRONG_PRAISE}, {"cannot thank", I_STRONG_PRAISE},
    {"can't say enough", I_STRONG_PRAISE}, {"legend", I_STRONG_PRAISE}, {"hero", I_STRONG_PRAISE},
    {"10 10", I_STRONG_PRAISE}, {"5 stars", I_STRONG_PRAISE}, {"five stars", I_STRONG_PRAISE},
    {"deserves a medal", I_STRONG_PRAISE}, {"deserves a raise", I_STRONG_PRAISE},
    {"give her a raise", I_STRONG_PRAISE}, {"give him a raise", I_STRONG_PRAISE},
    {"give them a raise", I_STRONG_PRAISE}, {"saved me", I_STRONG_PRAISE}, {"saved my", I_STRONG_PRAISE},
    {"saved our", I_STRONG_PRAISE}, {"saved us", I_STRONG_PRAISE}, {"game changer", I_STRONG_PRAISE},
    {"spot on", I_STRONG_PRAISE}, {"no complaints", I_STRONG_PRAISE}, {"not one complaint", I_STRONG_PRAISE},
    {"not bad", I_STRONG_PRAISE}, {"not terrible", I_STRONG_PRAISE}, {"not a bad", I_STRONG_PRAISE},
    {"never had a bad", I_STRONG_PRAISE}, {"never had a smoother", I_STRONG_PRAISE},
    {"never had a better", I_STRONG_PRAISE}, {"didn't expect", I_STRONG_PRAISE},
    {"did not expect", I_STRONG_PRAISE}, {"wasn't expecting", I_STRONG_PRAISE},
    {"didn't think", I_STRONG_PRAISE}, {"never thought i'd", I_STRONG_PRAISE},
    {"pleasant surprise", I_STRONG_PRAISE}, {"credit to", I_STRONG_PRAISE}, {"big up", I_STRONG_PRAISE},
    {"well played", I_STRONG_PRAISE}, {"bravo", I_STRONG_PRAISE}, {"keep it up", I_STRONG_PRAISE},
    {"keep doing", I_STRONG_PRAISE}, {"keep up the", I_STRONG_PRAISE}, {"more of this", I_STRONG_PRAISE},
    {"take notes", I_STRONG_PRAISE}, {"how it's done", I_STRONG_PRAISE}, {"restored my faith", I_STRONG_PRAISE},
    {"forever grateful", I_STRONG_PRAISE}, {"made my day", I_STRONG_PRAISE}, {"who does that", I_STRONG_PRAISE},
    {"no questions asked", I_STRONG_PRAISE}, {"no hassle", I_PRAISE}, {"helped me", I_PRAISE},
    {"helped us", I_PRAISE}, {"fixed it", I_PRAISE}, {"sorted it", I_PRAISE}, {"made sure", I_PRAISE},
    {"gracias", I_STRONG_PRAISE}, {"i owe you", I_STRONG_PRAISE}, {"exceeded", I_STRONG_PRAISE},
    /* request */
    {"please", I_WEAK_REQUEST}, {"pls", I_WEAK_REQUEST}, {"plz", I_WEAK_REQUEST}, {"kindly", I_REQUEST},
    {"can you", I_REQUEST}, {"could you", I_REQUEST}, {"would you", I_REQUEST}, {"will you", I_REQUEST},
    {"can someone", I_REQUEST}, {"can somebody", I_REQUEST}, {"could someone", I_REQUEST},
    {"can anyone", I_REQUEST}, {"can i get", I_REQUEST}, {"can i have", I_REQUEST}, {"can we get", I_REQUEST},
    {"could i get", I_REQUEST}, {"i need", I_REQUEST}, {"we need", I_REQUEST}, {"need help", I_REQUEST},
    {"help me", I_REQUEST}, {"help us", I_REQUEST}, {"dm me", I_REQUEST}, {"dm us", I_REQUEST},
    {"direct message", I_REQUEST}, {"message me", I_REQUEST}, {"call me", I_REQUEST}, {"contact me", I_REQUEST},
    {"get back to me", I_REQUEST}, {"i want", I_WANT}, {"i'd like", I_REQUEST}, {"i would like", I_REQUEST},
    {"we'd like", I_REQUEST}, {"let me know", I_REQUEST}, {"need assistance", I_REQUEST},
    {"in dms", I_REQUEST}, {"in dm", I_REQUEST}, {"sent a dm", I_REQUEST}, {"i've sent", I_REQUEST},
    /* questions (that a request cue inside must not turn into requests) */
    {"do i need", I_QUESTION}, {"do we need", I_QUESTION}, {"does anyone know", I_QUESTION},
    {"anyone know", I_QUESTION}, {"is there", I_QUESTION}, {"are there", I_QUESTION},
    {"is it possible", I_QUESTION}, {"how do i", I_QUESTION}, {"how can i", I_QUESTION},
    {"what time", I_QUESTION}, {"how long", I_QUESTION}, {"how much", I_QUESTION},
    {"why", I_WHY}, {"how come", I_WHY}, {"what happened", I_WHY}, {"what exactly", I_WHY},
    /* negation */
    {"not", I_NEGATOR}, {"no", I_NEGATOR}, {"never", I_NEGATOR}, {"nothing", I_NEGATOR}, {"nobody", I_NEGATOR},
    {"no one", I_NEGATOR}, {"zero", I_NEGATOR}, {"without", I_NEGATOR}, {"didn't", I_NEGATOR},
    {"doesn't", I_NEGATOR}, {"don't", I_NEGATOR}, {"isn't", I_NEGATOR}, {"wasn't", I_NEGATOR},
    {"hasn't", I_NEGATOR}, {"haven't", I_NEGATOR}, {"can't", I_NEGATOR}, {"won't", I_NEGATOR},
    {"couldn't", I_NEGATOR}, {"aren't", I_NEGATOR}, {"weren't", I_NEGATOR},
    /* money */
    {"fee", I_MONEY}, {"fees", I_MONEY}, {"charge", I_MONEY}, {"charged", I_MONEY}, {"charges", I_MONEY},
    {"charging", I_MONEY}, {"price", I_MONEY}, {"prices", I_MONEY}, {"overdraft", I_MONEY},
};

/* First words that make a question even without a '?' (a table of their
 * own: one look-up instead of a string compare per word). */
static const rc_phrase_def_t question_starts[] = {
    {"how", 0}, {"what", 0}, {"when", 0}, {"where", 0}, {"why", 0}, {"who", 0}, {"which", 0}, {"can", 0},
    {"could", 0}, {"is", 0}, {"are", 0}, {"does", 0}, {"do", 0}, {"did", 0}, {"will", 0}, {"would", 0},
    {"should", 0}, {"has", 0}, {"have", 0}, {"am", 0}, {"was", 0}, {"were", 0}, {"anyone", 0}, {"whats", 0},
    {"what's", 0}, {"hows", 0}, {"how's", 0}, {"where's", 0}, {"when's", 0}, {"who's", 0}, {"why's", 0},
    {"isn't", 0}, {"aren't", 0}, {"doesn't", 0}, {"didn't", 0},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define BREACH_FAMILIES                                                                                        \
    (RC_CARE_BIT(RC_CARE_HOLD) | RC_CARE_BIT(RC_CARE_WAITING) | RC_CARE_BIT(RC_CARE_NO_REPLY) |                 \
     RC_CARE_BIT(RC_CARE_EXPECTATION) | RC_CARE_BIT(RC_CARE_WHERE) | RC_CARE_BIT(RC_CARE_FAILURE) |             \
     RC_CARE_BIT(RC_CARE_SARCASM))

typedef struct intent_state {
    rc_phrases_t *phrases;
    rc_phrases_t *question_starts;
    rc_care_t *care;
} intent_state_t;

static void intent_destroy(void *state) {
    intent_state_t *s = state;
    if (s == NULL)
        return;
    rc_phrases_destroy(s->phrases);
    rc_phrases_destroy(s->question_starts);
    rc_care_destroy(s->care);
    free(s);
}

static int intent_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    intent_state_t *s = calloc(1, sizeof(*s));
    *statep = s;
    if (s == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    s->phrases = rc_phrases_new(intent_defs, ARRAY_LEN(intent_defs), errstr, errstr_size);
    if (s->phrases == NULL)
        return -1;
    s->question_starts = rc_phrases_new(question_starts, ARRAY_LEN(question_starts), errstr, errstr_size);
    if (s->question_starts == NULL)
        return -1;
    s->care = rc_care_new(errstr, errstr_size);
    return s->care != NULL ? 0 : -1;
}

static int has_question_mark(const rc_words_t *ws) {
    size_t urls = 0, total = 0;
    for (const char *p = ws->text; (p = strchr(p, '?')) != NULL; p++)
        total++;
    for (size_t i = 0; total > 0 && i < ws->n; i++) {
        if (ws->w[i].kind == RC_WORD_URL)
            urls += memchr(ws->w[i].low, '?', ws->w[i].len) != NULL;
    }
    return total > urls;
}

/* Emoji that praise: U+1F60D heart eyes, U+1F970 smiling face with hearts,
 * U+2B50 star, U+1F31F glowing star, U+1F64F folded hands, U+1F44F clapping,
 * U+1F64C raised hands, U+1F4AF hundred points, U+1F44D thumbs up, U+1F90C
 * pinched fingers, U+1F979 holding back tears, U+2764 heart, U+1F499/U+1F49A/
 * U+1F49C hearts, U+1F3C6 trophy, U+1F389 party popper. */
static const char *const praise_emoji[] = {
    "\xf0\x9f\x98\x8d", "\xf0\x9f\xa5\xb0", "\xe2\xad\x90", "\xf0\x9f\x8c\x9f", "\xf0\x9f\x99\x8f",
    "\xf0\x9f\x91\x8f", "\xf0\x9f\x99\x8c", "\xf0\x9f\x92\xaf", "\xf0\x9f\x91\x8d", "\xf0\x9f\xa4\x8c",
    "\xf0\x9f\xa5\xb9", "\xe2\x9d\xa4",     "\xf0\x9f\x92\x99", "\xf0\x9f\x92\x9a", "\xf0\x9f\x92\x9c",
    "\xf0\x9f\x8f\x86", "\xf0\x9f\x8e\x89", NULL,
};

static int has_praise_emoji(const char *text) {
    for (const char *p = text; *p != '\0'; p++) {
        if (*p != '\xf0' && *p != '\xe2')
            continue;
        for (size_t e = 0; praise_emoji[e] != NULL; e++) {
            if (!strncmp(p, praise_emoji[e], strlen(praise_emoji[e])))
                return 1;
        }
    }
    return 0;
}

static size_t array_size(const json_t *entities, const char *key) {
    return json_array_size(json_object_get(entities, key));
}

static int popcount(uint32_t x) {
    int n = 0;
    for (; x != 0; x &= x - 1)
        n++;
    return n;
}

/* What the cue scan found, with the side of the first contrast. */
typedef struct cues {
    unsigned count[32];
    int praise_before, praise_after; /* points of praise on either side of it */
    int attitude_after, why_after; /* an attitude word, a "why", after it */
} cues_t;

/* "contrast_at": the word index of the post's first contrast (care.h). */
static void scan_cues(const rc_phrases_t *p, const rc_words_t *ws, size_t contrast_at, cues_t *c) {
    memset(c, 0, sizeof(*c));
    size_t last_negator = (size_t)-1;
    for (size_t i = 0; i < ws->n;) {
        size_t nw = 1;
        int k = rc_phrases_match(p, ws, i, &nw);
        int tag = k >= 0 ? intent_defs[k].tag : -1;
        /* "not great", "never friendly": negated praise is none */
        int negated = last_negator != (size_t)-1 && i - last_negator <= 2;
        if (tag == I_PRAISE || tag == I_STRONG_PRAISE) {
            if (!negated) {
                int points = tag == I_STRONG_PRAISE ? 2 : 1;
                c->count[tag]++;
                if (i > contrast_at)
                    c->praise_after += points;
                else
                    c->praise_before += points;
            }
        } else if (tag >= 0) {
            c->count[tag]++;
            if (tag == I_NEGATOR)
                last_negator = i;
            if (tag == I_ATTITUDE && i > contrast_at)
                c->attitude_after = 1;
            if (tag == I_WHY && i > contrast_at)
                c->why_after = 1;
        }
        i += nw;
    }
}

static int intent_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const intent_state_t *st = state;
    if (!a->language_supported)
        return 0; /* the cue lists are English: another language stays "other", not guessed */
    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int rc = -1;
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    /* The care cues are the sentiment analyser's, unless intent runs alone. */
    if (!a->care.found)
        rc_care_scan(st->care, ws, &a->care);
    const rc_care_cues_t care = a->care;
    cues_t c;
    scan_cues(st->phrases, ws, care.contrast_at, &c);
#define CUE(t) (c.count[t] > 0)
    double s = a->sentiment;

    int mention = array_size(a->entities, "mentions") > 0;
    for (size_t i = 0; !mention && i < ws->n; i++)
        mention = ws->w[i].kind == RC_WORD_MENTION;
    int addressed = mention || CUE(I_ADDRESS);
    int context = addressed || CUE(I_CONTEXT) || array_size(a->entities, "references") > 0 ||
                  array_size(a->entities, "people") > 0;

    size_t first = 0;
    while (first < ws->n && ws->w[first].kind != RC_WORD_PLAIN)
        first++;
    int interrogative = has_question_mark(ws) || (first < ws->n && rc_phrases_match(st->question_starts, ws, first, NULL) >= 0);

    /* Complaint points (see the top). */
    uint32_t breach = care.families & BREACH_FAMILIES;
    int points = 2 * popcount(breach) + popcount(care.families & ~BREACH_FAMILIES);
    points += care.events > 0;
    points += CUE(I_ATTITUDE) && context;
    points += c.count[I_ATTITUDE] >= 2 && context; /* "rudest agent ... not happy" */
    if (points > 0 && s <= -0.05)
        points++;
    int reported = care.events > 0 && mention; /* a failure reported to the company */
    /* "why ..." put to the company, or about a failure */
    int why = CUE(I_WHY) && (addressed || care.events > 0 || care.families != 0);
    points += 2 * why;
    int strong_praise = CUE(I_STRONG_PRAISE);
    int praise_emojis = has_praise_emoji(ws->text);
    int praise = c.praise_before + c.praise_after + praise_emojis +
                 (s >= 0.5 && (c.praise_before + c.praise_after) > 0);
    int complaint = 0;
    if (context && (breach != 0 || why)) {
        complaint = 1;
    } else if (context && points + reported >= 2 && points + reported > praise && !strong_praise) {
        /* Without a breach, a post that asks for something ("could you add
         * my number? the app keeps timing out") needs more to be a
         * complaint, and thanks ("thank you for rebooking me after the
         * cancellation") outweigh failure words. */
        int asks = (care.asks || CUE(I_REQUEST)) && !why;
        complaint = !asks || points >= 3; /* every request is addressed: no bonus */
    }
    /* After a contrast, the second half decides. */
    if (context && care.contrast_at < ws->n && (c.praise_before > 0 || c.praise_after > 0 || points + reported > 0)) {
        int problem_after = care.families_after != 0 || care.events_after > 0 || c.attitude_after || c.why_after;
        if (problem_after && c.praise_after <= c.praise_before)
            complaint = 1;
        else if (!problem_after && c.praise_after > 0 && !(care.families & BREACH_FAMILIES))
            complaint = 0;
    }

    int request = CUE(I_REQUEST) || (CUE(I_WANT) && addressed) || (CUE(I_WEAK_REQUEST) && !strong_praise);
    if (complaint)
        a->intent = "complaint";
    else if (request)
        a->intent = "request";
    else if (interrogative && !strong_praise && !(praise >= 2 && s >= 0.5))
        a->intent = "question";
    else if (strong_praise || (praise > 0 && context && (s >= 0.05 || (mention && s > -0.05))))
        a->intent = "praise";
    else
        a->intent = "other";
#undef CUE
    rc = 0;
out:
    rc_words_release(&local);
    return rc;
}

const rc_analyser_t rc_analyser_intent = {
    .name = "intent",
    .init = intent_init,
    .run = intent_run,
    .destroy = intent_destroy,
};
