/*
 * bench_gen: raw social-media payloads for `make bench`, one JSON document
 * per line on stdout.
 *
 *   bench_gen [-n COUNT] [-a AUTHORS] [-s SEED] [-x PERCENT]
 *
 * A mix of X API v2 tweet payloads ({"data": ..., "includes": {"users": ...}})
 * and the generic post form ({"platform", "id", "text", "author", ...}), so
 * ingest's normalisers both run. Every post has a distinct id; authors are
 * drawn from a pool (default 5000) with a skew, so some people post many
 * times and route's case windows see follow-ups. Texts are assembled from
 * phrases of the kinds an airline's social team reads every day:
 * complaints (some angry, naming staff, gates and flight numbers), praise,
 * questions, requests and the everyday chatter that matches no rule.
 *
 * Deterministic for a given seed, so two runs measure the same input.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng_next(void) {
    /* xorshift64*: fast, and the same sequence on every machine. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static unsigned rng_below(unsigned n) { return (unsigned)(rng_next() % n); }

#define PICK(a) ((a)[rng_below((unsigned)NELEM(a))])

static const char *const first_names[] = {"Kimberly", "Cindy", "Marcus", "Priya", "Tom",    "Aisha", "Diego",
                                          "Hannah",   "Wei",   "Olga",   "Sam",   "Fatima", "Jonas", "Lucia"};
static const char *const last_names[] = {"S.",     "Ramirez", "Nguyen", "Okafor", "Schmidt", "Rossi",
                                         "Patel",  "Kowalski", "Brown", "Haddad", "Larsen",  "Moreau"};
static const char *const airports[] = {"DEN", "AUS", "LAX", "MDW", "BWI", "PHX", "LAS", "DAL", "HOU", "OAK", "SJC",
                                       "MCO"};
static const char *const cities[] = {"Denver", "Austin", "Chicago", "Phoenix", "Las Vegas", "Dallas", "Houston",
                                     "Oakland", "Orlando", "Baltimore"};
static const char *const brands[] = {"@SWA", "@SouthwestAir", "@united", "@AlaskaAir"};
static const char *const hashtags[] = {"#avgeek", "#travel", "#fail", "#customerservice", "#delayed", "#thankyou",
                                       "#flying", "#lostluggage", ""};

static const char *const complaints[] = {
    "%s RUDEST AGENT IN %s. %s %s. GATE %c%d. NOT HAPPY.",
    "%s flight WN %d from %s has been delayed four hours and nobody at the gate will tell us anything. Unacceptable.",
    "%s you lost my bag again. Third time this year. Reference %s. Still no call back.",
    "%s cancelled my flight to %s with no notice and the rebooking line hung up on me twice. Worst airline ever.",
    "Sat on the tarmac at %s for 2 hours, no water, no updates. %s this is ridiculous",
    "%s charged me twice for the same seat on WN %d and support keeps ignoring me. I want a refund.",
    "%s your app crashed at check-in and now I missed my connection in %s. Furious. %s",
    "Agent at gate %c%d in %s was so rude to my elderly mother. %s never again.",
};
static const char *const praises[] = {
    "Who rocks %s? %s %s rocks %s.",
    "%s huge thanks to the crew on WN %d to %s, you made my kid's first flight amazing! %s",
    "Shout out to %s %s at the %s counter for fixing my booking in two minutes. Love %s",
    "%s best landing ever into %s today, the pilot deserves a raise %s",
    "Thank you %s for the free upgrade on my anniversary trip to %s! %s",
};
static const char *const questions[] = {
    "%s how do I change my seat? Booked WN %d %s to %s and the app only shows the fare.",
    "%s is the %s airport lounge open this early? Landing at 5am",
    "Does anyone know if %s lets you bring a guitar as a carry-on? Flying to %s next week %s",
    "%s what is the baggage allowance on international flights from %s?",
    "%s can I still get a refund if I cancel WN %d tomorrow?",
};
static const char *const requests[] = {
    "%s please update my email on confirmation %s, I never got the receipt",
    "%s please call me back about my lost bag, reference %s, flying out of %s tomorrow",
    "%s I need to add a lap infant to my booking %s to %s, please help",
    "%s please send me the refund form for WN %d",
};
static const char *const chatter[] = {
    "Up at 5 for a 7am flight. Coffee is not optional today.",
    "I hate Mondays. Wait, it's Saturday. I hate Mondays anyway.",
    "Gorgeous sunrise over the Front Range from the %c gates this morning %s",
    "Finally home in %s after a long week. Time for tacos %s",
    "Reading a great book on the way to %s. Highly recommend the window seat for this one.",
    "Airport people watching is an underrated sport %s",
    "Packing for %s and I already forgot my charger. Classic.",
    "New year, new passport photo. Still looks like a mugshot %s",
};

static void ref_code(char *buf, size_t size) {
    static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    size_t n = size - 1 < 6 ? size - 1 : 6;
    for (size_t i = 0; i < n; i++)
        buf[i] = alnum[rng_below(sizeof(alnum) - 1)];
    buf[n] = '\0';
}

/* One post text; the format strings above are literals chosen here, and
 * every argument list matches its template. */
static void make_text(char *t, size_t size) {
    char ref[8];
    unsigned kind = rng_below(100);
    const char *brand = PICK(brands), *tag = PICK(hashtags);
    int flight = 100 + (int)rng_below(4800), gate = 1 + (int)rng_below(50);
    char gl = (char)('A' + rng_below(5));
    ref_code(ref, sizeof(ref));

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
    if (kind < 25) {
        unsigned k = rng_below((unsigned)NELEM(complaints));
        switch (k) {
        case 0: snprintf(t, size, complaints[k], brand, PICK(cities), PICK(first_names), PICK(last_names), gl, gate); break;
        case 1: snprintf(t, size, complaints[k], brand, flight, PICK(airports)); break;
        case 2: snprintf(t, size, complaints[k], brand, ref); break;
        case 3: snprintf(t, size, complaints[k], brand, PICK(cities)); break;
        case 4: snprintf(t, size, complaints[k], PICK(airports), brand); break;
        case 5: snprintf(t, size, complaints[k], brand, flight); break;
        case 6: snprintf(t, size, complaints[k], brand, PICK(cities), tag); break;
        default: snprintf(t, size, complaints[k], gl, gate, PICK(airports), brand); break;
        }
    } else if (kind < 40) {
        unsigned k = rng_below((unsigned)NELEM(praises));
        switch (k) {
        case 0: snprintf(t, size, praises[k], PICK(cities), PICK(first_names), PICK(last_names), brand); break;
        case 1: snprintf(t, size, praises[k], brand, flight, PICK(cities), tag); break;
        case 2: snprintf(t, size, praises[k], PICK(first_names), PICK(last_names), PICK(airports), brand); break;
        case 3: snprintf(t, size, praises[k], brand, PICK(cities), tag); break;
        default: snprintf(t, size, praises[k], brand, PICK(cities), tag); break;
        }
    } else if (kind < 55) {
        unsigned k = rng_below((unsigned)NELEM(questions));
        switch (k) {
        case 0: snprintf(t, size, questions[k], brand, flight, PICK(airports), PICK(airports)); break;
        case 1: snprintf(t, size, questions[k], brand, PICK(airports)); break;
        case 2: snprintf(t, size, questions[k], brand, PICK(cities), tag); break;
        case 3: snprintf(t, size, questions[k], brand, PICK(airports)); break;
        default: snprintf(t, size, questions[k], brand, flight); break;
        }
    } else if (kind < 65) {
        unsigned k = rng_below((unsigned)NELEM(requests));
        switch (k) {
        case 0: snprintf(t, size, requests[k], brand, ref); break;
        case 1: snprintf(t, size, requests[k], brand, ref, PICK(airports)); break;
        case 2: snprintf(t, size, requests[k], brand, PICK(airports), PICK(airports)); break;
        default: snprintf(t, size, requests[k], brand, flight); break;
        }
    } else {
        unsigned k = rng_below((unsigned)NELEM(chatter));
        switch (k) {
        case 2: snprintf(t, size, chatter[k], gl, tag); break;
        case 3: case 6: snprintf(t, size, chatter[k], PICK(cities), tag); break;
        case 4: snprintf(t, size, chatter[k], PICK(cities)); break;
        case 5: case 7: snprintf(t, size, chatter[k], tag); break;
        default: snprintf(t, size, "%s", chatter[k]); break;
        }
    }
#pragma GCC diagnostic pop
}

/* Authors: handle, display name and follower count derived from the index,
 * so the same author looks the same in every post. */
static void author_of(unsigned a, char *handle, size_t hsize, char *name, size_t nsize, long *followers) {
    const char *fn = first_names[a % NELEM(first_names)], *ln = last_names[(a / NELEM(first_names)) % NELEM(last_names)];
    snprintf(handle, hsize, "%.*s_%u", 12, fn, a);
    for (char *p = handle; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(name, nsize, "%s %s", fn, ln);
    /* Mostly small accounts, a few with real reach. */
    unsigned r = (a * 2654435761u) % 1000;
    *followers = r < 950 ? (long)(r * 3 + 10) : (long)(r - 949) * 20000;
}

int main(int argc, char **argv) {
    long count = 1000, authors = 5000, xpct = 60;
    uint64_t seed = 1;
    int opt;

    while ((opt = getopt(argc, argv, "n:a:s:x:h")) != -1) {
        switch (opt) {
        case 'n': count = atol(optarg); break;
        case 'a': authors = atol(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'x': xpct = atol(optarg); break;
        case 'h':
            printf("Usage: bench_gen [-n COUNT] [-a AUTHORS] [-s SEED] [-x PERCENT_X_V2]\n"
                   "Writes COUNT raw post payloads (X API v2 and the generic post form) as JSON Lines.\n");
            return 0;
        default: return 2;
        }
    }
    if (count < 0 || authors < 1 || xpct < 0 || xpct > 100) {
        fprintf(stderr, "bench_gen: bad arguments (see -h)\n");
        return 2;
    }
    rng_state ^= seed * 0x9E3779B97F4A7C15ULL;
    if (!rng_state)
        rng_state = 1;

    for (long i = 0; i < count; i++) {
        char text[400], handle[64], name[64], id[32], aid[32], created[32];
        long followers;
        /* Skewed author choice: the square of a uniform number favours low
         * indexes, so a few hundred people post often. */
        double u = (double)rng_below(1000000) / 1000000.0;
        unsigned a = (unsigned)(u * u * (double)authors);
        author_of(a, handle, sizeof(handle), name, sizeof(name), &followers);
        make_text(text, sizeof(text));
        long sec = 6 * 3600 + i / 10;
        snprintf(created, sizeof(created), "2026-11-21T%02ld:%02ld:%02ld.000Z", (sec / 3600) % 24, (sec / 60) % 60,
                 sec % 60);
        json_t *doc;
        if ((long)rng_below(100) < xpct) {
            snprintf(id, sizeof(id), "19920%014ld", i);
            snprintf(aid, sizeof(aid), "%u", 2300000000u + a);
            doc = json_pack("{s:{s:s, s:[s], s:s, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i}},"
                            " s:{s:[{s:s, s:s, s:s, s:b, s:{s:I, s:i, s:i, s:i}}]}}",
                            "data", "id", id, "edit_history_tweet_ids", id, "text", text, "author_id", aid,
                            "created_at", created, "lang", "en", "conversation_id", id, "public_metrics",
                            "retweet_count", (int)rng_below(5), "reply_count", (int)rng_below(3), "like_count",
                            (int)rng_below(40), "quote_count", 0, "bookmark_count", 0, "impression_count",
                            (int)rng_below(2000), "includes", "users", "id", aid, "name", name, "username", handle,
                            "verified", followers > 100000, "public_metrics", "followers_count",
                            (json_int_t)followers, "following_count", (int)rng_below(900), "tweet_count",
                            (int)rng_below(30000), "listed_count", (int)rng_below(300));
        } else {
            snprintf(id, sizeof(id), "t3_bench%ld", i);
            snprintf(aid, sizeof(aid), "u%u", a);
            doc = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:I, s:b}, s:s, s:s, s:s, s:{s:i, s:i, s:i}}",
                            "platform", "reddit", "id", id, "text", text, "author", "id", aid, "handle", handle,
                            "name", name, "followers", (json_int_t)followers, "verified", 0, "created_at", created,
                            "lang", "en", "url", "https://reddit.example/r/travel/comments/bench", "metrics",
                            "likes", (int)rng_below(100), "reposts", 0, "replies", (int)rng_below(10));
        }
        if (!doc) {
            fprintf(stderr, "bench_gen: cannot build post %ld\n", i);
            return 1;
        }
        if (json_dumpf(doc, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) || fputc('\n', stdout) == EOF) {
            json_decref(doc);
            return 1;
        }
        json_decref(doc);
    }
    return fflush(stdout) ? 1 : 0;
}
