/*
 * Language: the platform's own tag (post.lang) when it names an ISO 639-1
 * language ("en", "en-GB" -> "en"); otherwise a tiny heuristic counting
 * common function words of English, Spanish, French, German and Portuguese;
 * otherwise "und". A later issue replaces the heuristic with a proper
 * detector (character n-grams); this one only has to be right on the easy
 * cases and say "und" rather than guess.
 */
#include <stdio.h>
#include <string.h>

#include "analyse.h"
#include "text.h"

enum { L_EN = 0, L_ES, L_FR, L_DE, L_PT, L_COUNT };

static const char *const lang_codes[L_COUNT] = {"en", "es", "fr", "de", "pt"};

/* Distinctive function words; a word shared by two languages is listed for
 * neither (or once, for the one where it is far more common). */
static const rc_phrase_def_t lang_defs[] = {
    {"the", L_EN}, {"and", L_EN}, {"is", L_EN}, {"are", L_EN}, {"was", L_EN}, {"were", L_EN},
    {"you", L_EN}, {"your", L_EN}, {"my", L_EN}, {"this", L_EN}, {"that", L_EN}, {"with", L_EN},
    {"have", L_EN}, {"has", L_EN}, {"not", L_EN}, {"for", L_EN}, {"of", L_EN}, {"it's", L_EN},
    {"i'm", L_EN}, {"what", L_EN}, {"how", L_EN}, {"why", L_EN}, {"just", L_EN}, {"but", L_EN},
    {"they", L_EN}, {"will", L_EN}, {"there", L_EN}, {"from", L_EN}, {"been", L_EN}, {"very", L_EN},
    {"i", L_EN}, {"to", L_EN}, {"it", L_EN}, {"in", L_EN}, {"on", L_EN}, {"a", L_EN}, {"at", L_EN},
    {"about", L_EN}, {"please", L_EN}, {"our", L_EN}, {"we", L_EN}, {"can", L_EN}, {"be", L_EN}, {"an", L_EN},
    {"who", L_EN}, {"does", L_EN}, {"did", L_EN}, {"would", L_EN}, {"thanks", L_EN}, {"thank", L_EN},
    {"el", L_ES}, {"los", L_ES}, {"las", L_ES}, {"del", L_ES}, {"por", L_ES}, {"que", L_ES},
    {"una", L_ES}, {"pero", L_ES}, {"muy", L_ES}, {"est\xc3\xa1", L_ES}, {"es", L_ES}, {"con", L_ES},
    {"gracias", L_ES}, {"hola", L_ES}, {"como", L_ES}, {"m\xc3\xa1s", L_ES}, {"porque", L_ES},
    {"estoy", L_ES}, {"qu\xc3\xa9", L_ES}, {"todo", L_ES}, {"y", L_ES}, {"yo", L_ES}, {"al", L_ES},
    {"lo", L_ES}, {"mi", L_ES}, {"hay", L_ES},
    {"le", L_FR}, {"les", L_FR}, {"des", L_FR}, {"est", L_FR}, {"et", L_FR}, {"je", L_FR},
    {"pas", L_FR}, {"pour", L_FR}, {"dans", L_FR}, {"avec", L_FR}, {"mais", L_FR}, {"tr\xc3\xa8s", L_FR},
    {"merci", L_FR}, {"bonjour", L_FR}, {"vous", L_FR}, {"nous", L_FR}, {"c'est", L_FR}, {"qui", L_FR},
    {"sur", L_FR}, {"au", L_FR}, {"du", L_FR}, {"ce", L_FR}, {"il", L_FR}, {"elle", L_FR}, {"ne", L_FR},
    {"un", L_FR}, {"une", L_FR}, {"j'ai", L_FR}, {"suis", L_FR},
    {"der", L_DE}, {"die", L_DE}, {"das", L_DE}, {"und", L_DE}, {"ist", L_DE}, {"nicht", L_DE},
    {"ich", L_DE}, {"mit", L_DE}, {"ein", L_DE}, {"eine", L_DE}, {"f\xc3\xbcr", L_DE}, {"auf", L_DE},
    {"den", L_DE}, {"dem", L_DE}, {"wir", L_DE}, {"aber", L_DE}, {"sehr", L_DE}, {"danke", L_DE},
    {"bitte", L_DE}, {"auch", L_DE}, {"noch", L_DE}, {"wie", L_DE}, {"zu", L_DE}, {"sie", L_DE},
    {"os", L_PT}, {"n\xc3\xa3o", L_PT}, {"uma", L_PT}, {"com", L_PT}, {"muito", L_PT},
    {"obrigado", L_PT}, {"obrigada", L_PT}, {"voc\xc3\xaa", L_PT}, {"eu", L_PT}, {"mas", L_PT},
    {"do", L_PT}, {"da", L_PT}, {"dos", L_PT}, {"em", L_PT}, {"na", L_PT}, {"isso", L_PT},
    {"\xc3\xa9", L_PT}, {"ele", L_PT}, {"ela", L_PT}, {"s\xc3\xa3o", L_PT}, {"tamb\xc3\xa9m", L_PT},
    {"meu", L_PT}, {"minha", L_PT},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int language_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    (void)conf;
    *statep = rc_phrases_new(lang_defs, ARRAY_LEN(lang_defs), errstr, errstr_size);
    return *statep != NULL ? 0 : -1;
}

static void language_destroy(void *state) {
    rc_phrases_destroy(state);
}

/* "en", "EN-gb", "pt_BR" -> the two-letter primary subtag, lower-cased. */
static int tag_language(const char *tag, char out[8]) {
    if (tag == NULL)
        return 0;
    size_t n = strcspn(tag, "-_");
    if (n != 2)
        return 0;
    for (size_t i = 0; i < 2; i++) {
        char c = tag[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c < 'a' || c > 'z')
            return 0;
        out[i] = c;
    }
    out[2] = '\0';
    return 1;
}

static int language_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    if (tag_language(json_string_value(json_object_get(a->post, "lang")), a->language)) {
        a->language_source = "platform";
        return 0;
    }

    rc_words_t local;
    const rc_words_t *ws = rc_words_of(a, &local);
    int rc = -1;
    if (ws == NULL) {
        snprintf(errstr, errstr_size, "out of memory splitting the text");
        goto out;
    }
    unsigned counts[32] = {0};
    rc_phrases_scan(state, ws, counts);
    int best = -1;
    unsigned best_n = 0, second_n = 0;
    for (int l = 0; l < L_COUNT; l++) {
        if (counts[l] > best_n) {
            second_n = best_n;
            best_n = counts[l];
            best = l;
        } else if (counts[l] > second_n) {
            second_n = counts[l];
        }
    }
    /* Two function words and a clear lead; a single one only decides a
     * post of a few words. */
    size_t plain = 0;
    for (size_t i = 0; i < ws->n; i++)
        plain += ws->w[i].kind == RC_WORD_PLAIN;
    if (best >= 0 && best_n > second_n && (best_n >= 2 || plain <= 3))
    {
        snprintf(a->language, sizeof(a->language), "%s", lang_codes[best]);
        a->language_source = "detected";
    } else {
        snprintf(a->language, sizeof(a->language), "und");
        a->language_source = "undetermined";
    }
    rc = 0;
out:
    rc_words_release(&local);
    return rc;
}

const rc_analyser_t rc_analyser_language = {
    .name = "language",
    .init = language_init,
    .run = language_run,
    .destroy = language_destroy,
};
