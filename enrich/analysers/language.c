/*
 * Language: which language a post is in, and whether the rule-based
 * analysers (sentiment, intent) understand it.
 *
 *   1. The platform's own tag (post.lang: X, Mastodon and Bluesky set it)
 *      when it names an ISO 639-1 language ("en", "en-GB" -> "en");
 *      language_source "platform".
 *   2. Otherwise libexttextcat (Debian's libexttextcat, LibreOffice's
 *      character n-gram classifier) over the text without @mentions,
 *      #hashtags, URLs, digits, punctuation and emoji, lower-cased;
 *      language_source "detected".
 *   3. "und" (language_source "undetermined") when the cleaned text has
 *      fewer than enrich.language.min_length letters, when exttextcat finds
 *      nothing, or when it names several languages within 3% of each other:
 *      a short post is not guessed.
 *
 * language_supported is 1 when the language is one of
 * enrich.language.supported; sentiment and intent leave a post in another
 * language neutral / "other" rather than read it with English cue lists. An
 * undetermined post (too short, or several candidates) counts as supported:
 * most short posts to a brand are in its own language, exttextcat often
 * names only foreign candidates for a short English question, and the cue
 * lists find nothing in a few foreign words anyway.
 *
 * Cost: exttextcat spends ~40 us on any text (it builds the text's
 * fingerprint in a 64 KiB hash table per call) plus a few us per loaded
 * fingerprint, so only the platform-untagged posts pay it and the default
 * set is kept to 12 languages (docs/analysers.md has the measurements).
 *
 * Thread safety: textcat_ClassifyFull() only reads the handle (the loaded
 * fingerprints and two settings); the text's own fingerprint and the
 * candidates array are per call (libexttextcat 3.4.5, src/textcat.c).
 * textcat_Classify(), which writes a result buffer inside the handle, is
 * not used. So one handle serves every thread.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <textcat.h>

#include "analyse.h"
#include "text.h"
#include "util.h"

#ifndef RC_EXTTEXTCAT_DATADIR
#define RC_EXTTEXTCAT_DATADIR "/usr/share/libexttextcat"
#endif

/* At most this many fingerprints (each costs time on every detection). */
#define RC_LANG_MAX 64
/* exttextcat needs "a couple of hundreds of bytes max" (its README); the
 * rest of a long post only costs time. */
#define RC_LANG_MAX_BYTES 512

typedef struct rc_language_conf {
    const rc_node_t *languages; /* list of fingerprint names, or NULL */
    const rc_node_t *supported; /* list of codes, or NULL */
    long min_length;
    char *data_dir;
} rc_language_conf_t;

#define OFF(f) offsetof(rc_language_conf_t, f)
static const rc_config_entry_t language_table[] = {
    {"languages", RC_CT_NODE, NULL, 0, 0, NULL, OFF(languages), 0,
     "Languages to detect, as libexttextcat fingerprint names (files <name>.lm in data_dir: en, es, zh-Hans, "
     "sr-Latn, ...); the label is the part before '-'. Default: en es fr de it pt nl tr ru ar ja zh-Hans. Each one "
     "adds a few us to every detected post."},
    {"supported", RC_CT_NODE, NULL, 0, 0, NULL, OFF(supported), 0,
     "Languages the rule-based analysers understand (default: [en]); sentiment and intent leave posts in others "
     "neutral / other."},
    {"min_length", RC_CT_INT, "20", 1, 10000, NULL, OFF(min_length), 0,
     "Fewer letters than this (after @mentions, #hashtags, URLs, digits and emoji are removed) is \"und\"."},
    {"data_dir", RC_CT_STRING, RC_EXTTEXTCAT_DATADIR, 0, 0, NULL, OFF(data_dir), 0,
     "Where the fingerprints are (Debian package libexttextcat-data)."},
    RC_CONFIG_END};
#undef OFF

static const char *const default_languages[] = {"en", "es", "fr", "de", "it", "pt", "nl",
                                                "tr", "ru", "ar", "ja", "zh-Hans", NULL};

typedef struct rc_language {
    void *tc;          /* textcat handle; read-only after init */
    size_t nfp;        /* fingerprints in it */
    char supported[RC_LANG_MAX][8];
    size_t nsupported;
    size_t min_letters;
    int fast_en;            /* "en" is loaded: the function-word fast path may answer */
    rc_phrases_t *en_words; /* distinctive English function words */
} rc_language_t;

/* The fast path: a post with at least three of these words, making up at
 * least a third of its plain words, is English without asking exttextcat,
 * which costs about 35 us a call whatever the text. Only words that are
 * rare as words of the other default languages are listed: not "a", "in",
 * "do", "no", "me", "die", "on", "so", "war", "was" (German), "de", "en". */
static const rc_phrase_def_t en_defs[] = {
    {"the", 0},     {"and", 0},    {"are", 0},    {"you", 0},    {"your", 0},    {"my", 0},    {"this", 0},
    {"that", 0},    {"with", 0},   {"have", 0},   {"has", 0},    {"not", 0},     {"for", 0},   {"of", 0},
    {"it's", 0},    {"i'm", 0},    {"what", 0},   {"how", 0},    {"why", 0},     {"just", 0},  {"they", 0},
    {"will", 0},    {"there", 0},  {"from", 0},   {"been", 0},   {"very", 0},    {"i", 0},     {"to", 0},
    {"it", 0},      {"at", 0},     {"about", 0},  {"please", 0}, {"our", 0},     {"we", 0},    {"can", 0},
    {"would", 0},   {"thanks", 0}, {"thank", 0},  {"did", 0},    {"does", 0},    {"who", 0},   {"be", 0},
    {"don't", 0},   {"can't", 0},  {"still", 0},  {"never", 0},  {"when", 0},    {"where", 0}, {"again", 0},
    {"were", 0},    {"their", 0},  {"should", 0}, {"could", 0},  {"because", 0}, {"after", 0}, {"hours", 0},
    {"waiting", 0}, {"any", 0},    {"get", 0},    {"got", 0},    {"is", 0},
};
#define EN_MIN_WORDS 3

/* ---------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------- */

/* Calls cb for each string of a list node (or the node itself when it is
 * one string). "what" names the key in messages. -1 with errstr. */
static int each_item(const rc_node_t *node, const char *what, int (*cb)(void *opaque, const char *v, size_t i,
                                                                         int line, char *errstr, size_t errstr_size),
                     void *opaque, char *errstr, size_t errstr_size) {
    size_t i = 0;
    if (node->type == RC_NODE_SCALAR)
        return node->value != NULL ? cb(opaque, node->value, 0, node->line, errstr, errstr_size) : 0;
    if (node->type != RC_NODE_SEQ) {
        snprintf(errstr, errstr_size, "%s (line %d): expected a list of language names", what, node->line);
        return -1;
    }
    for (const rc_node_t *it = node->child; it != NULL; it = it->next, i++) {
        if (it->type != RC_NODE_SCALAR || it->value == NULL) {
            snprintf(errstr, errstr_size, "%s[%zu] (line %d): expected a language name", what, i, it->line);
            return -1;
        }
        if (cb(opaque, it->value, i, it->line, errstr, errstr_size) != 0)
            return -1;
    }
    return 0;
}

/* The label of a fingerprint or tag name: its primary subtag, 2-3 ASCII
 * letters, lower-cased ("zh-Hans" -> "zh"). 0 if it has none. */
static int primary_subtag(const char *name, size_t max_len, char out[8]) {
    size_t n = strcspn(name, "-_");
    if (n < 2 || n > max_len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c < 'a' || c > 'z')
            return 0;
        out[i] = c;
    }
    out[n] = '\0';
    return 1;
}

typedef struct {
    rc_language_t *st;
    const char *dir;
    FILE *conf;
} rc_lang_load_t;

static int add_language(void *opaque, const char *v, size_t i, int line, char *errstr, size_t errstr_size) {
    rc_lang_load_t *ld = opaque;
    char label[8], path[4096], where[32] = " (default)";
    size_t n = strlen(v);

    if (line > 0)
        snprintf(where, sizeof(where), " (line %d)", line);

    /* The name becomes a file name: letters, digits and '-' only. */
    int ok = n > 0 && n <= 32 && primary_subtag(v, 3, label);
    for (size_t k = 0; ok && k < n; k++)
        ok = (v[k] >= 'a' && v[k] <= 'z') || (v[k] >= 'A' && v[k] <= 'Z') || (v[k] >= '0' && v[k] <= '9') ||
             v[k] == '-';
    if (!ok) {
        snprintf(errstr, errstr_size,
                 "languages[%zu]%s: \"%.40s\" is not a fingerprint name (like en, pt, zh-Hans, sr-Latn)", i,
                 where, v);
        return -1;
    }
    if (ld->st->nfp == RC_LANG_MAX) {
        snprintf(errstr, errstr_size, "languages%s: more than %d languages", where, RC_LANG_MAX);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s.lm", ld->dir, v);
    if (!strcmp(v, "en"))
        ld->st->fast_en = 1;
    if (access(path, R_OK) != 0) {
        snprintf(errstr, errstr_size, "languages[%zu]%s: no fingerprint for \"%s\": %s: %s (package libexttextcat-data; or set data_dir)",
                 i, where, v, path, strerror(errno));
        return -1;
    }
    fprintf(ld->conf, "%s.lm %s\n", v, label);
    ld->st->nfp++;
    return 0;
}

static int add_supported(void *opaque, const char *v, size_t i, int line, char *errstr, size_t errstr_size) {
    rc_language_t *st = opaque;
    char code[8];
    if (strlen(v) > 16 || !primary_subtag(v, 3, code)) {
        snprintf(errstr, errstr_size, "supported[%zu] (line %d): \"%.40s\" is not a language code (like en)", i, line,
                 v);
        return -1;
    }
    if (st->nsupported == RC_LANG_MAX) {
        snprintf(errstr, errstr_size, "supported (line %d): more than %d languages", line, RC_LANG_MAX);
        return -1;
    }
    memcpy(st->supported[st->nsupported++], code, sizeof(code));
    return 0;
}

static void language_destroy(void *state) {
    rc_language_t *st = state;
    if (st == NULL)
        return;
    if (st->tc != NULL)
        textcat_Done(st->tc);
    rc_phrases_destroy(st->en_words);
    free(st);
}

/* libexttextcat reads its list of fingerprints only from a file, so the
 * list is written to a private temporary file, read, and removed. */
static int language_init(void **statep, const void *confp, char *errstr, size_t errstr_size) {
    const rc_language_conf_t *conf = confp;
    rc_language_t *st = calloc(1, sizeof(*st));
    char tmpl[4096], prefix[4096];
    const char *tmpdir = getenv("TMPDIR");
    FILE *fp = NULL;
    int fd = -1, rc = -1, created = 0;
    rc_lang_load_t ld = {NULL, conf->data_dir, NULL};

    *statep = st;
    if (st == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    st->min_letters = (size_t)conf->min_length;
    if (conf->supported != NULL) {
        if (each_item(conf->supported, "supported", add_supported, st, errstr, errstr_size) != 0)
            goto out;
    } else {
        snprintf(st->supported[st->nsupported++], sizeof(st->supported[0]), "en");
    }

    snprintf(tmpl, sizeof(tmpl), "%s/ricochet-textcat-XXXXXX", tmpdir != NULL && *tmpdir ? tmpdir : "/tmp");
    if ((fd = mkstemp(tmpl)) >= 0)
        created = 1;
    if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
        snprintf(errstr, errstr_size, "cannot create a temporary file for libexttextcat's list (%s): %s", tmpl,
                 strerror(errno));
        goto out;
    }
    fd = -1; /* fp owns it */
    ld.st = st;
    ld.conf = fp;
    if (conf->languages != NULL) {
        if (each_item(conf->languages, "languages", add_language, &ld, errstr, errstr_size) != 0)
            goto out;
    } else {
        for (size_t i = 0; default_languages[i] != NULL; i++)
            if (add_language(&ld, default_languages[i], i, 0, errstr, errstr_size) != 0)
                goto out;
    }
    if (st->nfp == 0) {
        snprintf(errstr, errstr_size, "languages: the list is empty");
        goto out;
    }
    if (fclose(fp) != 0) {
        fp = NULL;
        snprintf(errstr, errstr_size, "cannot write %s: %s", tmpl, strerror(errno));
        goto out;
    }
    fp = NULL;
    snprintf(prefix, sizeof(prefix), "%s/", conf->data_dir);
    st->tc = special_textcat_Init(tmpl, prefix);
    if (st->tc == NULL) {
        snprintf(errstr, errstr_size, "libexttextcat could not load the fingerprints from %s", conf->data_dir);
        goto out;
    }
    st->en_words = rc_phrases_new(en_defs, sizeof(en_defs) / sizeof(en_defs[0]), errstr, errstr_size);
    if (st->en_words == NULL)
        goto out;
    rc = 0;
out:
    if (fp != NULL)
        fclose(fp);
    if (fd >= 0)
        close(fd);
    if (created)
        unlink(tmpl);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Text preparation
 * ------------------------------------------------------------------------- */

static size_t utf8_put(uint32_t c, char *o) {
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Is "c" (not ASCII) part of a word? Punctuation, symbols, emoji and their
 * modifiers are not; letters of any script are (an approximation by
 * blocks, enough to count letters and keep emoji out of the n-grams). */
static int is_word_char(uint32_t c) {
    if (c < 0xC0 || c == 0xD7 || c == 0xF7 || c == 0xFFFD)
        return 0; /* Latin-1 punctuation and signs, or a malformed byte */
    if (c >= 0x2000 && c < 0x2C00)
        return 0; /* punctuation, super/subscripts, currency, arrows, maths, dingbats, ... */
    if ((c >= 0x3000 && c < 0x3040) || (c >= 0xFE00 && c < 0xFE10) || (c >= 0xFE30 && c < 0xFE70) ||
        (c >= 0xFF00 && c < 0xFF10) || (c >= 0xFF1A && c < 0xFF21) || c >= 0x1F000)
        return 0; /* CJK punctuation, variation selectors, fullwidth punctuation, emoji, tags */
    return 1;
}

/* The lower-case form of the commonest capitals (Latin-1, Latin
 * Extended-A, Greek, Cyrillic): the fingerprints are mostly lower-case. */
static uint32_t to_lower(uint32_t c) {
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0xC0)
        return c;
    if (c <= 0xDE && c != 0xD7)
        return c + 0x20;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c | 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1))
        return c + 1;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int starts_url(const char *s) {
    return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8) || !strncasecmp(s, "www.", 4);
}

/* Writes the words of "text" to "out" (at most RC_LANG_MAX_BYTES + 1 bytes
 * with the NUL), lower-cased and separated by single spaces, leaving out
 * @mentions, #hashtags, URLs, digits, punctuation and emoji. Returns the
 * length; *letters is the number of letters written. */
static size_t clean_text(const char *text, char *out, size_t *letters) {
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + strlen(text);
    size_t n = 0;
    int word_start = 1; /* at the start of the text or after a space */
    *letters = 0;
    while (*p != '\0') {
        if (is_space(*p)) {
            p++;
            word_start = 1;
            if (n > 0 && out[n - 1] != ' ')
                out[n++] = ' ';
            continue;
        }
        if (word_start && (((*p == '@' || *p == '#') && p[1] != '\0' && !is_space(p[1])) ||
                           starts_url((const char *)p))) {
            while (*p != '\0' && !is_space(*p))
                p++;
            continue;
        }
        word_start = 0;
        uint32_t c;
        size_t len = rc_utf8_decode(p, end, &c);
        if (len == 0 || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
            c = 0xFFFD, len = len > 0 ? len : 1; /* a malformed byte is not a letter */
        p += len;
        if (c == 0x2019)
            c = '\'';
        int letter = c < 0x80 ? (c | 32) >= 'a' && (c | 32) <= 'z' : is_word_char(c);
        if (!letter && !(c == '\'' && n > 0 && out[n - 1] != ' ')) {
            if (n > 0 && out[n - 1] != ' ')
                out[n++] = ' ';
            continue;
        }
        char enc[4];
        size_t elen = utf8_put(to_lower(c), enc);
        if (n + elen > RC_LANG_MAX_BYTES)
            break;
        memcpy(out + n, enc, elen);
        n += elen;
        *letters += letter;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}

/* ---------------------------------------------------------------------------
 * Run
 * ------------------------------------------------------------------------- */

/* Codes platforms still send for languages that were renamed. */
static void modern_code(char code[8]) {
    static const char *const renamed[][2] = {{"in", "id"}, {"iw", "he"}, {"ji", "yi"}, {"jw", "jv"}};
    for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
        if (!strcmp(code, renamed[i][0]))
            snprintf(code, 8, "%s", renamed[i][1]);
}

static int is_supported(const rc_language_t *st, const char *code) {
    for (size_t i = 0; i < st->nsupported; i++)
        if (!strcmp(st->supported[i], code))
            return 1;
    return 0;
}

static void undetermined(rc_analysis_t *a, int supported) {
    snprintf(a->language, sizeof(a->language), "und");
    a->language_source = "undetermined";
    a->language_supported = supported;
}

/* The fast path (en_defs): enough distinctive English function words. */
static int clearly_english(const rc_language_t *st, const rc_analysis_t *a) {
    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int yes = 0;
    if (ws != NULL) {
        size_t plain = 0;
        for (size_t i = 0; i < ws->n; i++)
            plain += ws->w[i].kind == RC_WORD_PLAIN && ws->w[i].alpha;
        unsigned counts[32] = {0};
        rc_phrases_scan(st->en_words, ws, counts);
        yes = counts[0] >= EN_MIN_WORDS && counts[0] * 3 >= plain;
    }
    rc_words_release(&local);
    return yes;
}

static int language_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const rc_language_t *st = state;
    const char *tag = json_string_value(json_object_get(a->post, "lang"));

    /* Only two-letter tags: X's "und", "qme" (media only), "zxx" and the
     * like say nothing, so the text decides. */
    if (tag != NULL && primary_subtag(tag, 2, a->language)) {
        modern_code(a->language);
        a->language_source = "platform";
        a->language_supported = is_supported(st, a->language);
        return 0;
    }

    if (st->fast_en && clearly_english(st, a)) {
        snprintf(a->language, sizeof(a->language), "en");
        a->language_source = "detected";
        a->language_supported = is_supported(st, "en");
        return 0;
    }

    char buf[RC_LANG_MAX_BYTES + 1];
    size_t letters;
    size_t n = clean_text(a->text, buf, &letters);
    if (letters < st->min_letters) {
        undetermined(a, 1);
        return 0;
    }
    candidate_t cands[RC_LANG_MAX];
    int k = textcat_ClassifyFull(st->tc, buf, n, cands);
    if (k <= 0) { /* TEXTCAT_RESULT_UNKNOWN or _SHORT */
        undetermined(a, 1);
        return 0;
    }
    /* Several candidates are one language when they share the label
     * (zh-Hans and zh-Hant are both "zh"). */
    int same = 1, any_supported = 0;
    for (int i = 0; i < k; i++) {
        same &= !strcmp(cands[i].name, cands[0].name);
        any_supported |= is_supported(st, cands[i].name);
    }
    if (!same) {
        /* Ambiguous: not guessed, and still read by the rules: short
         * English posts ("do you deliver on Sundays?") often get only
         * foreign candidates, and the cue lists find nothing in a few
         * foreign words anyway. */
        undetermined(a, 1);
        return 0;
    }
    snprintf(a->language, sizeof(a->language), "%s", cands[0].name);
    a->language_source = "detected";
    a->language_supported = any_supported;
    return 0;
}

const rc_analyser_t rc_analyser_language = {
    .name = "language",
    .config = language_table,
    .conf_size = sizeof(rc_language_conf_t),
    .init = language_init,
    .run = language_run,
    .destroy = language_destroy,
};
