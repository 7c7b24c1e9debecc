/*
 * Entities: what a post names, for routing and for the people who read the
 * ticket.
 *
 *   mentions    @handle (without the '@'; Mastodon's user@host kept whole)
 *   hashtags    #tag (without the '#'; "#12345" is a number, not a tag)
 *   urls        http://, https:// and www. links
 *   people      "Kimberly S." / "KIMBERLY S." (a capitalised name and an
 *               initial), "agent Maria", "pilot Captain Reyes", "a guy named
 *               Tom" (a staff role and a name), "Cindy rocks" (a name
 *               praised by a verb), "shoutout to Maria at gate B4" (thanks,
 *               a name, and where or who); written Title Case
 *   places      cities and airport codes of the gazetteer
 *               (enrich/data/gazetteer.tsv, or enrich.entities.gazetteer /
 *               gazetteer_extra; rules in gazetteer.c): a city as its
 *               canonical name, an airport as its code and then its city
 *   references  {kind, value}: the built-in rules for flight ("flight 1234",
 *               "WN1234", "UA 89"), gate ("gate C39"), order ("order
 *               #12345") and booking ("confirmation ABC123", "PNR ..."),
 *               then each enrich.entities.references pattern (PCRE2)
 *   brands      the canonical names of enrich.entities.brands found
 *
 * Everything is deduplicated (case-insensitively) in order of appearance.
 * Rules favour precision: a missed name costs less than a made-up one on a
 * ticket.
 *
 * Thread locality: the state is read-only after init; run() may be called
 * from several threads at once (PCRE2 match data is made per call, the JIT
 * uses 32 KiB of the calling thread's stack).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyse.h"
#include "gazetteer.h"
#include "text.h"
#include "util.h"

/* The gazetteer (enrich/data/gazetteer.tsv), embedded by rc_embed(). */
extern const unsigned char rc_gazetteer_tsv[];
extern const size_t rc_gazetteer_tsv_len;

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
    V_THANKS,     /* "shoutout to <Name> at ..." */
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
    {"shoutout to", V_THANKS}, {"shoutouts to", V_THANKS}, {"shout out to", V_THANKS}, {"shoutout", V_THANKS},
    {"shout out", V_THANKS}, {"kudos to", V_THANKS}, {"props to", V_THANKS}, {"thanks to", V_THANKS},
    {"thank you to", V_THANKS}, {"thank you", V_THANKS}, {"thanks", V_THANKS}, {"big thanks to", V_THANKS},
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

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* IATA airline designators accepted in flight numbers. */
static const char *const airlines[] = {
    "aa", "as", "b6", "dl", "f9", "g4", "ha", "nk", "ua", "wn", "sy", "ac", "ws", "ba", "vs", "lh", "af", "kl",
    "ek", "qr", "ey", "tk", "lx", "ib", "ay", "sk", "qf", "nz", "sq", "cx", "jl", "nh", "av", "cm", "ei", "fr",
    "w6", NULL,
};
/* ...of which these are also words, so "AS 5" is not read as a flight. */
static const char *const airline_words[] = {"as", NULL};

/* ---- configuration ---- */

typedef struct entities_conf {
    char *gazetteer;
    char *gazetteer_extra;
    const rc_node_t *references;
    const rc_node_t *builtin_references;
    const rc_node_t *brands;
} entities_conf_t;

static const rc_config_entry_t entities_table[] = {
    {"gazetteer", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(entities_conf_t, gazetteer), 0,
     "A places file (TSV: kind, name, canonical, country[, flags], as enrich/data/gazetteer.tsv) used instead of "
     "the built-in gazetteer."},
    {"gazetteer_extra", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(entities_conf_t, gazetteer_extra), 0,
     "A places file in the same format added to the gazetteer; its names win over the built-in ones."},
    {"references", RC_CT_NODE, NULL, 0, 0, NULL, offsetof(entities_conf_t, references), 0,
     "Reference-number patterns: a list of {kind, pattern (PCRE2), ignore_case}; the value is the first capture "
     "group, or the whole match."},
    {"builtin_references", RC_CT_NODE, NULL, 0, 0, NULL, offsetof(entities_conf_t, builtin_references), 0,
     "Built-in reference rules to keep: a list of flight, gate, order, booking (unset: all four; []: none)."},
    {"brands", RC_CT_NODE, NULL, 0, 0, NULL, offsetof(entities_conf_t, brands), 0,
     "Brands and products to find: a list of names or {name, aliases: [...], case_sensitive}."},
    RC_CONFIG_END};

/* Limits that keep a pattern's cost bounded per post. */
enum {
    PATTERN_MATCH_LIMIT = 1000000, /* PCRE2 backtracking steps per search */
    PATTERN_DEPTH_LIMIT = 5000,    /* nested backtracking (interpreter only) */
    PATTERN_HITS_MAX = 16,         /* values taken per pattern per post */
    REF_VALUE_MAX = 64,            /* longer matches are not reference numbers */
};

typedef struct ref_pattern {
    char *kind;
    pcre2_code *re;
} ref_pattern_t;

/* A brand name or alias, as it is matched. */
typedef struct brand_alias {
    char *phrase;  /* its words lower-cased and joined by spaces (phrase table) */
    char *surface; /* as written from its first word to its last, spaces squeezed */
    size_t brand;  /* index into brand_names */
    int case_sensitive;
} brand_alias_t;

typedef struct entities_state {
    rc_phrases_t *vocab;
    rc_gazetteer_t *gaz;
    unsigned builtin; /* 1 << V_FLIGHT | ... of the built-in rules kept */
    ref_pattern_t *patterns;
    size_t n_patterns;
    uint32_t ovector_pairs; /* enough for every pattern's groups */
    pcre2_match_context *mctx;
    char **brand_names;
    size_t n_brands;
    brand_alias_t *aliases;
    size_t n_aliases;
    rc_phrase_def_t *alias_defs;
    rc_phrases_t *brands;
} entities_state_t;

static void entities_destroy(void *state) {
    entities_state_t *st = state;
    if (st == NULL)
        return;
    rc_phrases_destroy(st->vocab);
    rc_gazetteer_destroy(st->gaz);
    for (size_t i = 0; i < st->n_patterns; i++) {
        free(st->patterns[i].kind);
        pcre2_code_free(st->patterns[i].re);
    }
    free(st->patterns);
    pcre2_match_context_free(st->mctx);
    for (size_t i = 0; i < st->n_brands; i++)
        free(st->brand_names[i]);
    free(st->brand_names);
    for (size_t i = 0; i < st->n_aliases; i++) {
        free(st->aliases[i].phrase);
        free(st->aliases[i].surface);
    }
    free(st->aliases);
    free(st->alias_defs);
    rc_phrases_destroy(st->brands);
    free(st);
}

/* "file:line: " + the message, into errstr; returns -1. */

static const char *node_shape(const rc_node_t *n) {
    return n->type == RC_NODE_MAP ? "a map" : n->type == RC_NODE_SEQ ? "a list" : "a single value";
}

/* A list-valued key: NULL (unset or YAML null) is fine, anything but a
 * list an error. */
static int expect_list(const rc_config_t *cfg, const rc_node_t *n, const char *key, char *errstr, size_t errstr_size) {
    if (n == NULL || n->type == RC_NODE_SEQ || (n->type == RC_NODE_SCALAR && n->value == NULL))
        return 0;
    return rc_config_err(cfg, n, errstr, errstr_size, "key 'enrich.entities.%s': expected a list, got %s", key,
                    node_shape(n));
}

static const rc_node_t *map_get(const rc_node_t *map, const char *key) {
    for (const rc_node_t *c = map->child; c != NULL; c = c->next) {
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

/* true/false, yes/no, on/off, 1/0, as the config's own booleans. */
static int parse_bool(const rc_node_t *n, int *v) {
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    if (n->type != RC_NODE_SCALAR || n->value == NULL)
        return -1;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(n->value, yes[i]) == 0 || strcasecmp(n->value, no[i]) == 0) {
            *v = strcasecmp(n->value, yes[i]) == 0;
            return 0;
        }
    }
    return -1;
}

/* ---- gazetteer ---- */

/* Reads a whole file (at most 64 MiB) into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len, char *why, size_t why_size) {
    const size_t max = 64u << 20;
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (fp == NULL) {
        snprintf(why, why_size, "%s", strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *b = cap <= max + 1 ? realloc(buf, cap) : NULL;
            if (b == NULL) {
                snprintf(why, why_size, cap > max + 1 ? "larger than 64 MiB" : "out of memory");
                goto fail;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(why, why_size, "read error");
        goto fail;
    }
    fclose(fp);
    *len = n;
    return buf;
fail:
    fclose(fp);
    free(buf);
    return NULL;
}

/* Adds the file "path", named by config key "key" (for its line). */
static int add_gazetteer_file(rc_gazetteer_t *g, const rc_config_t *cfg, const char *key, const char *path,
                              char *errstr, size_t errstr_size) {
    char why[128], full[96];
    size_t len = 0;
    snprintf(full, sizeof(full), "enrich.entities.%s", key);
    char *buf = read_file(path, &len, why, sizeof(why));
    if (buf == NULL)
        return rc_config_err(cfg, cfg != NULL ? rc_node_get(cfg->root, full) : NULL, errstr, errstr_size,
                        "key '%s': cannot read '%s': %s", full, path, why);
    int rc = rc_gazetteer_add(g, buf, len, path, errstr, errstr_size);
    free(buf);
    return rc;
}

static int init_gazetteer(entities_state_t *st, const entities_conf_t *conf, const rc_config_t *cfg, char *errstr,
                          size_t errstr_size) {
    st->gaz = rc_gazetteer_new(errstr, errstr_size);
    if (st->gaz == NULL)
        return -1;
    /* The first entry for a name wins: the additions go first. */
    if (conf != NULL && conf->gazetteer_extra != NULL &&
        add_gazetteer_file(st->gaz, cfg, "gazetteer_extra", conf->gazetteer_extra, errstr, errstr_size) != 0)
        return -1;
    if (conf != NULL && conf->gazetteer != NULL) {
        if (add_gazetteer_file(st->gaz, cfg, "gazetteer", conf->gazetteer, errstr, errstr_size) != 0)
            return -1;
    } else if (rc_gazetteer_add(st->gaz, (const char *)rc_gazetteer_tsv, rc_gazetteer_tsv_len,
                                "enrich/data/gazetteer.tsv", errstr, errstr_size) != 0) {
        return -1;
    }
    return rc_gazetteer_finish(st->gaz, errstr, errstr_size);
}

/* ---- reference patterns ---- */

static int valid_kind(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    }
    return 1;
}

static int init_patterns(entities_state_t *st, const rc_node_t *list, const rc_config_t *cfg, char *errstr,
                         size_t errstr_size) {
    static const char *const keys[] = {"kind", "pattern", "ignore_case", NULL};
    if (expect_list(cfg, list, "references", errstr, errstr_size) != 0)
        return -1;
    size_t n = 0;
    for (const rc_node_t *c = list != NULL ? list->child : NULL; c != NULL; c = c->next)
        n++;
    if (n == 0)
        return 0;
    st->patterns = calloc(n, sizeof(*st->patterns));
    st->mctx = pcre2_match_context_create(NULL);
    if (st->patterns == NULL || st->mctx == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    pcre2_set_match_limit(st->mctx, PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(st->mctx, PATTERN_DEPTH_LIMIT);
    size_t idx = 0;
    for (const rc_node_t *c = list->child; c != NULL; c = c->next, idx++) {
        char where[64];
        snprintf(where, sizeof(where), "enrich.entities.references[%zu]", idx);
        if (c->type != RC_NODE_MAP)
            return rc_config_err(cfg, c, errstr, errstr_size,
                            "key '%s': expected a map {kind, pattern[, ignore_case]}, got %s", where, node_shape(c));
        if (rc_config_check_keys(cfg, c, where, keys, errstr, errstr_size) != 0)
            return -1;
        const rc_node_t *kind = map_get(c, "kind"), *pattern = map_get(c, "pattern"), *ic = map_get(c, "ignore_case");
        int ignore_case = 0;
        if (kind == NULL || kind->type != RC_NODE_SCALAR || kind->value == NULL || !valid_kind(kind->value))
            return rc_config_err(cfg, kind != NULL ? kind : c, errstr, errstr_size,
                            "key '%s.kind': required: 1 to 32 of a-z, 0-9, '_' and '-' (e.g. ticket)", where);
        if (pattern == NULL || pattern->type != RC_NODE_SCALAR || pattern->value == NULL || pattern->value[0] == '\0')
            return rc_config_err(cfg, pattern != NULL ? pattern : c, errstr, errstr_size,
                            "key '%s.pattern': required: a regular expression (PCRE2)", where);
        if (ic != NULL && parse_bool(ic, &ignore_case) != 0)
            return rc_config_err(cfg, ic, errstr, errstr_size, "key '%s.ignore_case': expected true or false", where);

        int code = 0;
        PCRE2_SIZE offset = 0;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern->value, PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | (ignore_case ? PCRE2_CASELESS : 0), &code, &offset, NULL);
        if (re == NULL) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
                snprintf((char *)msg, sizeof(msg), "error %d", code);
            return rc_config_err(cfg, pattern, errstr, errstr_size,
                            "key '%s.pattern': bad regular expression at offset %zu: %s", where, (size_t)offset,
                            (const char *)msg);
        }
        st->patterns[st->n_patterns].re = re;
        st->patterns[st->n_patterns].kind = strdup(kind->value);
        st->n_patterns++;
        if (st->patterns[st->n_patterns - 1].kind == NULL) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        /* Without JIT (not built in, or no executable memory) the
         * interpreter matches the same, only slower. */
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        uint32_t groups = 0;
        pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups + 1 > st->ovector_pairs)
            st->ovector_pairs = groups + 1;
    }
    return 0;
}

/* ---- built-in reference rules kept ---- */

static int init_builtin(entities_state_t *st, const rc_node_t *list, const rc_config_t *cfg, char *errstr,
                        size_t errstr_size) {
    static const struct {
        const char *name;
        int cls;
    } kinds[] = {{"flight", V_FLIGHT}, {"gate", V_GATE}, {"order", V_ORDER}, {"booking", V_BOOKING}};
    st->builtin = 1u << V_FLIGHT | 1u << V_GATE | 1u << V_ORDER | 1u << V_BOOKING;
    if (list == NULL || (list->type == RC_NODE_SCALAR && list->value == NULL))
        return 0;
    if (expect_list(cfg, list, "builtin_references", errstr, errstr_size) != 0)
        return -1;
    st->builtin = 0;
    for (const rc_node_t *c = list->child; c != NULL; c = c->next) {
        size_t k = 0;
        while (k < ARRAY_LEN(kinds) &&
               !(c->type == RC_NODE_SCALAR && c->value != NULL && strcmp(c->value, kinds[k].name) == 0))
            k++;
        if (k == ARRAY_LEN(kinds))
            return rc_config_err(cfg, c, errstr, errstr_size,
                            "key 'enrich.entities.builtin_references': expected flight, gate, order or booking, got %s",
                            c->type == RC_NODE_SCALAR && c->value != NULL ? c->value : node_shape(c));
        st->builtin |= 1u << kinds[k].cls;
    }
    return 0;
}

/* ---- brands ---- */

/* The two forms a brand name or alias is matched by (see brand_alias_t).
 * Returns NULL on success or the reason it cannot be one. */
static const char *alias_forms(const char *text, char **phrase, char **surface) {
    rc_words_t ws;
    const char *why = "out of memory";
    *phrase = *surface = NULL;
    if (rc_words_split(&ws, text) != 0)
        goto out;
    why = "it has no letters or digits";
    if (ws.n == 0)
        goto out;
    why = "it has more than 8 words";
    if (ws.n > 8)
        goto out;
    size_t plen = 0;
    for (size_t i = 0; i < ws.n; i++) {
        why = "it may not hold a @mention, #hashtag or link";
        if (ws.w[i].kind != RC_WORD_PLAIN)
            goto out;
        plen += ws.w[i].low_len + 1;
    }
    why = "out of memory";
    const rc_word_t *first = &ws.w[0], *last = &ws.w[ws.n - 1];
    *phrase = malloc(plen);
    *surface = malloc(last->off + last->len - first->off + 1);
    if (*phrase == NULL || *surface == NULL)
        goto out;
    char *p = *phrase;
    for (size_t i = 0; i < ws.n; i++) {
        memcpy(p, ws.w[i].low, ws.w[i].low_len);
        p += ws.w[i].low_len;
        *p++ = i + 1 < ws.n ? ' ' : '\0';
    }
    p = *surface;
    for (size_t k = first->off; k < last->off + last->len; k++) {
        char ch = text[k];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            if (p[-1] != ' ')
                *p++ = ' ';
            continue;
        }
        *p++ = ch;
    }
    *p = '\0';
    why = NULL;
out:
    rc_words_release(&ws);
    if (why != NULL) {
        free(*phrase);
        free(*surface);
        *phrase = *surface = NULL;
    }
    return why;
}

static int add_alias(entities_state_t *st, const rc_config_t *cfg, const rc_node_t *n, size_t brand, int case_sensitive,
                     char *errstr, size_t errstr_size) {
    brand_alias_t *a = &st->aliases[st->n_aliases];
    if (n->type != RC_NODE_SCALAR || n->value == NULL || strlen(n->value) > 100 ||
        !rc_utf8_valid(n->value, strlen(n->value)))
        return rc_config_err(cfg, n, errstr, errstr_size,
                        "key 'enrich.entities.brands': a name or alias is a string of 1 to 100 bytes");
    const char *why = alias_forms(n->value, &a->phrase, &a->surface);
    if (why != NULL)
        return rc_config_err(cfg, n, errstr, errstr_size, "key 'enrich.entities.brands': '%s' cannot be matched: %s",
                        n->value, why);
    a->brand = brand;
    a->case_sensitive = case_sensitive;
    st->n_aliases++;
    return 0;
}

static int init_brands(entities_state_t *st, const rc_node_t *list, const rc_config_t *cfg, char *errstr,
                       size_t errstr_size) {
    static const char *const keys[] = {"name", "aliases", "case_sensitive", NULL};
    if (expect_list(cfg, list, "brands", errstr, errstr_size) != 0)
        return -1;
    size_t nb = 0, na = 0;
    for (const rc_node_t *c = list != NULL ? list->child : NULL; c != NULL; c = c->next) {
        nb++;
        na++;
        const rc_node_t *al = c->type == RC_NODE_MAP ? map_get(c, "aliases") : NULL;
        for (const rc_node_t *x = al != NULL && al->type == RC_NODE_SEQ ? al->child : NULL; x != NULL; x = x->next)
            na++;
        na += al != NULL && al->type == RC_NODE_SCALAR;
    }
    if (nb == 0)
        return 0;
    st->brand_names = calloc(nb, sizeof(*st->brand_names));
    st->aliases = calloc(na, sizeof(*st->aliases));
    st->alias_defs = calloc(na, sizeof(*st->alias_defs));
    if (st->brand_names == NULL || st->aliases == NULL || st->alias_defs == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    size_t idx = 0;
    for (const rc_node_t *c = list->child; c != NULL; c = c->next, idx++) {
        char where[64];
        const rc_node_t *name = c, *aliases = NULL, *cs = NULL;
        int case_sensitive = 0;
        snprintf(where, sizeof(where), "enrich.entities.brands[%zu]", idx);
        if (c->type == RC_NODE_MAP) {
            if (rc_config_check_keys(cfg, c, where, keys, errstr, errstr_size) != 0)
                return -1;
            name = map_get(c, "name");
            aliases = map_get(c, "aliases");
            cs = map_get(c, "case_sensitive");
            if (name == NULL)
                return rc_config_err(cfg, c, errstr, errstr_size, "key '%s.name': required", where);
            if (cs != NULL && parse_bool(cs, &case_sensitive) != 0)
                return rc_config_err(cfg, cs, errstr, errstr_size, "key '%s.case_sensitive': expected true or false", where);
            if (aliases != NULL && aliases->type == RC_NODE_MAP)
                return rc_config_err(cfg, aliases, errstr, errstr_size,
                                "key '%s.aliases': expected a list of strings, got a map", where);
        } else if (c->type != RC_NODE_SCALAR) {
            return rc_config_err(cfg, c, errstr, errstr_size, "key '%s': expected a name or {name, aliases}, got %s", where,
                            node_shape(c));
        }
        if (add_alias(st, cfg, name, st->n_brands, case_sensitive, errstr, errstr_size) != 0)
            return -1;
        st->brand_names[st->n_brands] = strdup(name->value);
        if (st->brand_names[st->n_brands++] == NULL) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        if (aliases != NULL && aliases->type == RC_NODE_SCALAR && aliases->value != NULL &&
            add_alias(st, cfg, aliases, st->n_brands - 1, case_sensitive, errstr, errstr_size) != 0)
            return -1;
        for (const rc_node_t *x = aliases != NULL && aliases->type == RC_NODE_SEQ ? aliases->child : NULL; x != NULL;
             x = x->next) {
            if (add_alias(st, cfg, x, st->n_brands - 1, case_sensitive, errstr, errstr_size) != 0)
                return -1;
        }
    }
    for (size_t i = 0; i < st->n_aliases; i++)
        st->alias_defs[i].text = st->aliases[i].phrase;
    st->brands = rc_phrases_new(st->alias_defs, st->n_aliases, errstr, errstr_size);
    return st->brands != NULL ? 0 : -1;
}

static int entities_init_config(void **statep, const void *confp, const rc_config_t *cfg, char *errstr,
                                size_t errstr_size) {
    const entities_conf_t *conf = confp;
    entities_state_t *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *statep = st;
    st->vocab = rc_phrases_new(vocab_defs, ARRAY_LEN(vocab_defs), errstr, errstr_size);
    if (st->vocab == NULL)
        return -1;
    if (init_gazetteer(st, conf, cfg, errstr, errstr_size) != 0)
        return -1;
    if (init_builtin(st, conf != NULL ? conf->builtin_references : NULL, cfg, errstr, errstr_size) != 0)
        return -1;
    if (init_patterns(st, conf != NULL ? conf->references : NULL, cfg, errstr, errstr_size) != 0)
        return -1;
    return init_brands(st, conf != NULL ? conf->brands : NULL, cfg, errstr, errstr_size);
}

/* ---- helpers ---- */

typedef struct ectx {
    const entities_state_t *st;
    const rc_words_t *ws;
    json_t *people, *places, *refs, *brands;
} ectx_t;

static const rc_word_t *W(const ectx_t *c, size_t i) {
    return &c->ws->w[i];
}

static int vocab_class(const ectx_t *c, size_t i) {
    size_t nw;
    int k = rc_phrases_match(c->st->vocab, c->ws, i, &nw);
    return k < 0 ? -1 : vocab_defs[k].tag;
}

static int is_digits(const rc_word_t *w, size_t min, size_t max) {
    return w->digits == w->len && w->len >= min && w->len <= max;
}

/* Adds "s" (valid UTF-8) unless already there. Returns -1 only when out of
 * memory. */
static int add_unique_valid(json_t *arr, const char *s, size_t len) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_string_length(v) == len && strncasecmp(json_string_value(v), s, len) == 0)
            return 0;
    }
    return json_array_append_new(arr, json_stringn_nocheck(s, len));
}

/* The same for text from the post: what is not valid UTF-8 is left out (it
 * cannot be a JSON string). */
static int add_unique_string(json_t *arr, const char *s, size_t len) {
    return rc_utf8_valid(s, len) ? add_unique_valid(arr, s, len) : 0;
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
    json_t *r = json_object();
    if (r == NULL || json_object_set_new_nocheck(r, "kind", json_string_nocheck(kind)) != 0 ||
        json_object_set_new_nocheck(r, "value", json_string_nocheck(value)) != 0) {
        json_decref(r);
        return -1;
    }
    return json_array_append_new(refs, r);
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

/* ---- brands ---- */

static char ascii_lower(char ch) {
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Does the text from byte "from" to "to" read as alias "a" (spaces
 * squeezed; letter case ignored unless the brand is case-sensitive)? */
static int surface_is(const char *text, size_t from, size_t to, const brand_alias_t *a) {
    const char *s = a->surface;
    for (size_t k = from; k < to; k++) {
        char ch = text[k];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            if (k > from && (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '\n' || text[k - 1] == '\r'))
                continue;
            ch = ' ';
        }
        if (*s == '\0')
            return 0;
        if (ch != *s && (a->case_sensitive || ascii_lower(ch) != ascii_lower(*s)))
            return 0;
        s++;
    }
    return *s == '\0';
}

/* A brand named from word i: adds it and returns the words it covers, or
 * 0 (-1 when out of memory). */
static int find_brand(const ectx_t *c, size_t i) {
    size_t nw = 1;
    int k = rc_phrases_match_possessive(c->st->brands, c->ws, i, &nw);
    if (k < 0)
        return 0;
    const brand_alias_t *a = &c->st->aliases[k];
    const rc_word_t *first = W(c, i), *last = W(c, i + nw - 1);
    size_t to = last->off + last->len;
    if (!surface_is(c->ws->text, first->off, to, a)) {
        /* "Delta's": the name without its "'s" */
        size_t cut = to >= 2 && c->ws->text[to - 2] == '\'' ? 2 : to >= 4 && c->ws->text[to - 4] == '\xe2' ? 4 : 0;
        if (cut == 0 || !surface_is(c->ws->text, first->off, to - cut, a))
            return 0;
    }
    const char *name = c->st->brand_names[a->brand];
    if (add_unique_valid(c->brands, name, strlen(name)) != 0)
        return -1;
    return (int)nw;
}

/* ---- people ---- */

/* Could word i be a first name? "strict" also refuses the city names that
 * are first names too (Charlotte, Austin), for the rules whose context
 * does not say "a person". */
static int name_word(const ectx_t *c, size_t i, int allow_caps, int strict) {
    const rc_word_t *w = W(c, i);
    size_t nw;
    if (w->kind != RC_WORD_PLAIN || !w->alpha || w->len < 2 || w->len > 20)
        return 0;
    if (!(w->caps == RC_CAPS_TITLE || (allow_caps && w->caps == RC_CAPS_ALL)))
        return 0;
    if (vocab_class(c, i) >= 0)
        return 0;
    if (c->st->brands != NULL && rc_phrases_match(c->st->brands, c->ws, i, &nw) >= 0)
        return 0;
    return rc_gazetteer_name_at(c->st->gaz, c->ws, i) < (strict ? 1 : 2);
}

static int initial_at(const ectx_t *c, size_t i) {
    const rc_word_t *w = W(c, i);
    return w->kind == RC_WORD_PLAIN && w->len == 1 && w->caps == RC_CAPS_ALL && w->alpha &&
           rc_words_after(c->ws, i) == '.';
}

/* Appends word i to buf as a name (Title Case). */
static size_t name_copy(const ectx_t *c, size_t i, char *buf, size_t n, size_t size) {
    const rc_word_t *w = W(c, i);
    for (size_t k = 0; k < w->len && n < size; k++) {
        char ch = c->ws->text[w->off + k];
        if (k == 0 && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        else if (k > 0 && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        buf[n++] = ch;
    }
    return n;
}

/* Adds "Name", "Name Surname" (nwords 2) or "Name I." (with_initial) from
 * word i. */
static int add_person(const ectx_t *c, size_t i, size_t nwords, int with_initial) {
    char buf[64];
    size_t n = name_copy(c, i, buf, 0, 28);
    if (nwords == 2) {
        buf[n++] = ' ';
        n = name_copy(c, i + 1, buf, n, 58);
    }
    if (with_initial) {
        buf[n++] = ' ';
        buf[n++] = c->ws->text[W(c, i + 1)->off];
        buf[n++] = '.';
    }
    return add_unique_string(c->people, buf, n);
}

/* After "thanks": the words may be apart by spaces or one comma ("Thanks,
 * Maria at the desk"). */
static int thanks_gap(const rc_words_t *ws, size_t i) {
    if (i + 1 >= ws->n)
        return 0;
    size_t commas = 0;
    for (size_t k = ws->w[i].off + ws->w[i].len; k < ws->w[i + 1].off; k++) {
        char ch = ws->text[k];
        if (ch == ',')
            commas++;
        else if (ch != ' ')
            return 0;
    }
    return commas <= 1 && ws->w[i + 1].kind == RC_WORD_PLAIN;
}

/* Finds a person named at word i; returns the index of the name's word
 * (so it is not also read as a place), or -1; *err is set when out of
 * memory. */
static long find_person(const ectx_t *c, size_t i, int *err) {
    static const char *const staff_context[] = {"at", "from", "in", "who", NULL};
    const rc_words_t *ws = c->ws;
    size_t nw = 1;
    int k = rc_phrases_match(c->st->vocab, ws, i, &nw);
    int cls = k < 0 ? -1 : vocab_defs[k].tag;
    /* "Kimberly S." */
    if (cls < 0 && i + 1 < ws->n && name_word(c, i, 1, 0) && rc_words_adjacent(ws, i) && initial_at(c, i + 1)) {
        *err |= add_person(c, i, 1, 1);
        return (long)i;
    }
    /* "agent Maria", "an agent named Maria S.", "pilot Captain Reyes" */
    if (cls == V_ROLE) {
        size_t j = i + 1;
        if (j < ws->n && vocab_class(c, j) == V_ROLE && rc_words_adjacent(ws, i))
            j++;
        if (j < ws->n && rc_words_adjacent(ws, j - 1) && name_word(c, j, 1, 0)) {
            int init = j + 1 < ws->n && rc_words_adjacent(ws, j) && initial_at(c, j + 1);
            *err |= add_person(c, j, 1, init);
            return (long)j;
        }
        return -1;
    }
    /* "shoutout to Maria at gate B4", "thanks Tom Reyes from the desk": a
     * thanked name counts when followed by where or who they are, which a
     * company's name rarely is. */
    if (cls == V_THANKS) {
        size_t j = i + nw;
        if (j >= ws->n || !thanks_gap(ws, j - 1) || !name_word(c, j, 0, 1))
            return -1;
        size_t names = 1;
        if (j + 1 < ws->n && rc_words_adjacent(ws, j) && name_word(c, j + 1, 0, 0))
            names = 2;
        size_t after = j + names;
        if (after < ws->n && rc_words_adjacent(ws, after - 1) && W(c, after)->caps != RC_CAPS_ALL &&
            rc_word_in(W(c, after)->low, staff_context)) {
            *err |= add_person(c, j, names, 0);
            return (long)j;
        }
        return -1;
    }
    /* "Cindy rocks" */
    if (cls < 0 && i + 1 < ws->n && name_word(c, i, 0, 1) && rc_words_adjacent(ws, i) &&
        vocab_class(c, i + 1) == V_PRAISE_VERB) {
        *err |= add_person(c, i, 1, 0);
        return (long)i;
    }
    return -1;
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
    if (cls >= V_FLIGHT && cls <= V_BOOKING && !(c->st->builtin & (1u << cls)))
        return 0;
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
    if (cls >= 0 || !(c->st->builtin & (1u << V_FLIGHT)))
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

/* ---- reference patterns ---- */

/* Each pattern over the whole text, at most PATTERN_HITS_MAX values each.
 * A search that hits the match limit ends that pattern for this post. */
static int find_patterns(const ectx_t *c, const char *post_text) {
    const entities_state_t *st = c->st;
    size_t len = strlen(post_text);
    /* Posts are JSON strings, so valid UTF-8; checked once here (quickly
     * over the ASCII most posts are) so that PCRE2 need not check it on
     * every search. */
    size_t ascii = 0;
    while (ascii < len && (unsigned char)post_text[ascii] < 0x80)
        ascii++;
    if (ascii < len && !rc_utf8_valid(post_text + ascii, len - ascii))
        return 0;
    /* PCRE2's JIT reads the subject 16 bytes at a time, aligned, and so may
     * read a few bytes past its end: harmless (never past the 16-byte
     * block), but not ours to read, and memcheck says so. The text is
     * searched in a copy with zeroed room after it. */
    enum { SLACK = 64, INLINE = 4096 };
    _Alignas(16) char inline_copy[INLINE + SLACK];
    char *text = len + SLACK <= sizeof(inline_copy) ? inline_copy : malloc(len + SLACK);
    /* Per call, not per state: run() may be called from several threads. */
    pcre2_match_data *md = text != NULL ? pcre2_match_data_create(st->ovector_pairs, NULL) : NULL;
    if (md == NULL) {
        if (text != inline_copy)
            free(text);
        return -1;
    }
    memcpy(text, post_text, len);
    memset(text + len, 0, SLACK);
    int err = 0;
    for (size_t p = 0; p < st->n_patterns && !err; p++) {
        PCRE2_SIZE start = 0;
        for (int hits = 0; hits < PATTERN_HITS_MAX && start <= len; hits++) {
            int rc = pcre2_match(st->patterns[p].re, (PCRE2_SPTR)text, len, start, PCRE2_NO_UTF_CHECK, md, st->mctx);
            if (rc <= 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            /* The first group that took part, or the whole match. */
            int g = 0;
            for (int k = 1; k < rc && g == 0; k++) {
                if (ov[2 * k] != PCRE2_UNSET)
                    g = k;
            }
            size_t vlen = ov[2 * g + 1] - ov[2 * g];
            if (vlen > 0 && vlen <= REF_VALUE_MAX) {
                char value[REF_VALUE_MAX + 1];
                memcpy(value, text + ov[2 * g], vlen);
                value[vlen] = '\0';
                err |= add_reference(c->refs, st->patterns[p].kind, value);
            }
            /* An empty match moves on by one character. */
            if (ov[1] > ov[0]) {
                start = ov[1];
            } else {
                start = ov[1] + 1;
                while (start < len && ((unsigned char)text[start] & 0xc0) == 0x80)
                    start++;
            }
        }
    }
    pcre2_match_data_free(md);
    if (text != inline_copy)
        free(text);
    return err ? -1 : 0;
}

/* The array "key" of the entities object; one that an older caller did not
 * make ("brands") is added. NULL if out of memory or not an array. */
static json_t *entities_array(json_t *entities, const char *key) {
    json_t *a = json_object_get(entities, key);
    if (a == NULL && json_object_set_new_nocheck(entities, key, json_array()) == 0)
        a = json_object_get(entities, key);
    return json_is_array(a) ? a : NULL;
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
    json_t *mentions = entities_array(a->entities, "mentions");
    json_t *hashtags = entities_array(a->entities, "hashtags");
    json_t *urls = entities_array(a->entities, "urls");
    ectx_t c = {
        .st = st,
        .ws = ws,
        .people = entities_array(a->entities, "people"),
        .places = entities_array(a->entities, "places"),
        .refs = entities_array(a->entities, "references"),
        .brands = entities_array(a->entities, "brands"),
    };
    if (mentions == NULL || hashtags == NULL || urls == NULL || c.people == NULL || c.places == NULL ||
        c.refs == NULL || c.brands == NULL) {
        snprintf(errstr, errstr_size, "entities object lacks its arrays");
        goto out;
    }
    int err = 0;
    long person_at = -1;  /* the word of the last name found */
    size_t brand_end = 0; /* words before this are a brand's */
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
        long p = find_person(&c, i, &err);
        if (p > person_at)
            person_at = p;
        if (st->builtin != 0)
            err |= find_reference(&c, i);
        if (st->brands != NULL && i >= brand_end) {
            int nb = find_brand(&c, i);
            if (nb < 0)
                err = 1;
            else if (nb > 0)
                brand_end = i + (size_t)nb;
        }
        if ((long)i == person_at || i < brand_end)
            continue;
        size_t nw = 1;
        const rc_place_t *pl = rc_gazetteer_match(st->gaz, ws, i, &nw);
        if (pl == NULL)
            continue;
        /* Gazetteer names were checked when loaded. */
        if (pl->code != NULL)
            err |= add_unique_valid(c.places, pl->code, 3);
        err |= add_unique_valid(c.places, pl->canonical, strlen(pl->canonical));
        i += nw - 1;
    }
    if (st->n_patterns > 0)
        err |= find_patterns(&c, a->text);
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
    .config = entities_table,
    .conf_size = sizeof(entities_conf_t),
    .init_config = entities_init_config,
    .run = entities_run,
    .destroy = entities_destroy,
};
