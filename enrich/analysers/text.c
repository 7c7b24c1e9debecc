/*
 * Word splitting and phrase tables shared by the rule-based analysers.
 * See text.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "text.h"
#include "util.h"

enum { CLS_SEP = 0, CLS_LETTER = 1, CLS_APOS = 2 };


static inline int ascii_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Byte length of the character at "p" and whether it belongs in a word.
 * Outside ASCII, punctuation, symbols and emoji separate words and
 * everything else (letters of any script) is taken as a letter: good enough
 * for cue matching, which is all it is used for. */
static size_t char_class_utf8(const unsigned char *p, const unsigned char *end, int *cls) {
    uint32_t cp;
    size_t n = rc_utf8_decode(p, end, &cp);
    if (n == 0) {
        *cls = CLS_SEP;
        return 1;
    }
    if (cp == 0x2018 || cp == 0x2019)
        *cls = CLS_APOS;
    else if ((cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 || (cp >= 0x2000 && cp <= 0x2bff) ||
             (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
             (cp >= 0xff00 && cp <= 0xff0f) || cp >= 0x1f000)
        *cls = CLS_SEP;
    else
        *cls = CLS_LETTER;
    return n;
}

/* Inlined for ASCII, which is nearly every character of most posts. */
static inline size_t char_class(const unsigned char *p, const unsigned char *end, int *cls) {
    if (*p < 0x80) {
        *cls = ascii_word(*p) ? CLS_LETTER : *p == '\'' ? CLS_APOS : CLS_SEP;
        return 1;
    }
    return char_class_utf8(p, end, cls);
}

static int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int starts_with_ci(const unsigned char *p, const unsigned char *end, const char *prefix) {
    size_t n = strlen(prefix);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)prefix[i])
            return 0;
    }
    return 1;
}

typedef struct splitter {
    rc_words_t *ws;
    const unsigned char *text;
    char *low;
} splitter_t;

static void emit(splitter_t *s, const unsigned char *a, const unsigned char *b, char kind) {
    rc_word_t *w = &s->ws->w[s->ws->n++];
    w->off = (uint32_t)(a - s->text);
    w->len = (uint32_t)(b - a);
    w->kind = kind;
    w->low = s->low;
    size_t upper = 0, lower = 0, digits = 0;
    uint32_t h = 2166136261u;
    int first_upper = *a >= 'A' && *a <= 'Z';
    for (const unsigned char *q = a; q < b; q++) {
        unsigned char c = *q;
        if (c >= 'A' && c <= 'Z') {
            upper++;
            if (kind != RC_WORD_URL)
                c = (unsigned char)(c - 'A' + 'a');
        } else if (c >= 'a' && c <= 'z') {
            lower++;
        } else if (c >= '0' && c <= '9') {
            digits++;
        }
        if (kind == RC_WORD_PLAIN && (c == '\'' || (c == 0xe2 && b - q >= 3 && q[1] == 0x80 &&
                                                    (q[2] == 0x98 || q[2] == 0x99)))) {
            if (c == 0xe2)
                q += 2;
            c = '\'';
        }
        *s->low++ = (char)c;
        /* rc_words_hash() of "low", as it is written. */
        h = (h ^ c) * 16777619u;
    }
    *s->low++ = '\0';
    w->low_len = (uint32_t)(s->low - w->low - 1);
    w->hash = h;
    w->caps = upper > 0 && lower == 0 ? RC_CAPS_ALL : (first_upper && upper == 1 && lower > 0) ? RC_CAPS_TITLE
                                                                                              : RC_CAPS_NONE;
    w->alpha = upper + lower == w->len;
    w->digits = digits > 255 ? 255 : (unsigned char)digits;
}

int rc_words_split(rc_words_t *ws, const char *text) {
    size_t len = strlen(text);
    /* Words are separated by at least one byte, so there are at most
     * len/2 + 1 of them, and their lower-cased copies are never longer. */
    size_t max_words = len / 2 + 1;
    size_t buf_size = len + max_words + 1;
    ws->text = text;
    ws->n = 0;
    ws->heap_w = NULL;
    ws->heap_buf = NULL;
    ws->w = ws->inline_w;
    splitter_t s = {.ws = ws, .text = (const unsigned char *)text, .low = ws->inline_buf};
    if (max_words > RC_WORDS_INLINE) {
        ws->heap_w = malloc(max_words * sizeof(*ws->heap_w));
        if (ws->heap_w == NULL)
            return -1;
        ws->w = ws->heap_w;
    }
    if (buf_size > sizeof(ws->inline_buf)) {
        ws->heap_buf = malloc(buf_size);
        if (ws->heap_buf == NULL)
            return -1;
        s.low = ws->heap_buf;
    }

    const unsigned char *p = s.text, *end = p + len;
    int prev = CLS_SEP;
    while (p < end) {
        int cls;
        size_t n = char_class(p, end, &cls);
        if (cls != CLS_LETTER) {
            /* @mention / #hashtag: the sigil must not follow a letter
             * (e-mail addresses, "C#"). */
            if ((*p == '@' || *p == '#') && prev != CLS_LETTER && p + 1 < end) {
                int ncls;
                char_class(p + 1, end, &ncls);
                if (ncls == CLS_LETTER) {
                    char kind = (char)*p;
                    const unsigned char *a = p + 1, *b = a;
                    if (kind == RC_WORD_MENTION) {
                        while (b < end && ascii_word(*b))
                            b++;
                        /* Mastodon's user@host form. */
                        if (b + 1 < end && *b == '@' && ascii_word(b[1])) {
                            const unsigned char *h = b + 1;
                            while (h < end && (ascii_word(*h) || *h == '.' || *h == '-'))
                                h++;
                            while (h > b + 1 && (h[-1] == '.' || h[-1] == '-'))
                                h--;
                            if (memchr(b + 1, '.', (size_t)(h - b - 1)) != NULL)
                                b = h;
                        }
                    } else {
                        while (b < end) {
                            int c2;
                            size_t m = char_class(b, end, &c2);
                            if (c2 != CLS_LETTER)
                                break;
                            b += m;
                        }
                    }
                    if (b > a) {
                        emit(&s, a, b, kind);
                        p = b;
                        prev = CLS_LETTER;
                        continue;
                    }
                }
            }
            prev = cls;
            p += n;
            continue;
        }
        if (prev != CLS_LETTER && (starts_with_ci(p, end, "http://") || starts_with_ci(p, end, "https://") ||
                                   starts_with_ci(p, end, "www."))) {
            const unsigned char *b = p;
            while (b < end && !is_space(*b))
                b++;
            while (b > p && strchr(".,;:!?)]}'\"", b[-1]) != NULL)
                b--;
            emit(&s, p, b, RC_WORD_URL);
            p = b;
            prev = CLS_SEP;
            continue;
        }
        /* A plain word: letters, with apostrophes inside ("don't"). */
        const unsigned char *a = p, *b = p + n;
        while (b < end) {
            int c2;
            size_t m = char_class(b, end, &c2);
            if (c2 == CLS_LETTER) {
                b += m;
                continue;
            }
            if (c2 == CLS_APOS && b + m < end) {
                int c3;
                char_class(b + m, end, &c3);
                if (c3 == CLS_LETTER) {
                    b += m;
                    continue;
                }
            }
            break;
        }
        emit(&s, a, b, RC_WORD_PLAIN);
        p = b;
        prev = CLS_LETTER;
    }
    return 0;
}

const rc_words_t *rc_words_of(const rc_analysis_t *a, rc_words_t *local) {
    local->heap_w = NULL;
    local->heap_buf = NULL;
    if (a->words != NULL)
        return a->words;
    return rc_words_split(local, a->text) == 0 ? local : NULL;
}

void rc_words_release(rc_words_t *ws) {
    free(ws->heap_w);
    free(ws->heap_buf);
    ws->heap_w = NULL;
    ws->heap_buf = NULL;
    ws->w = NULL;
    ws->n = 0;
}

char rc_words_after(const rc_words_t *ws, size_t i) {
    return ws->text[ws->w[i].off + ws->w[i].len];
}

int rc_words_adjacent(const rc_words_t *ws, size_t i) {
    if (i + 1 >= ws->n)
        return 0;
    const rc_word_t *a = &ws->w[i], *b = &ws->w[i + 1];
    size_t from = a->off + a->len, to = b->off;
    if (b->kind == RC_WORD_MENTION || b->kind == RC_WORD_HASHTAG)
        to--; /* the sigil */
    if (to <= from)
        return 0;
    for (size_t k = from; k < to; k++) {
        if (!is_space((unsigned char)ws->text[k]))
            return 0;
    }
    return 1;
}

int rc_word_in(const char *s, const char *const *list) {
    for (; *list != NULL; list++) {
        if (strcmp(s, *list) == 0)
            return 1;
    }
    return 0;
}

/* ---- phrase tables ---- */

typedef struct phrase_slot {
    const char *key; /* first word, NULL if empty */
    uint32_t hash;
    uint32_t len;  /* strlen(key) */
    int32_t head; /* first phrase with this first word */
} phrase_slot_t;

struct rc_phrases {
    const rc_phrase_def_t *defs;
    size_t n;
    char *buf;           /* the phrase texts, copied and split at spaces */
    const char **words;  /* words of phrase k: words[first[k]] .. + nw[k] - 1 */
    uint32_t *first;
    uint8_t *nw;
    int32_t *next;       /* next phrase with the same first word, -1 at the end */
    phrase_slot_t *slots;
    size_t mask;
};

uint32_t rc_words_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static inline phrase_slot_t *slot_for(const rc_phrases_t *p, const char *key, size_t len, uint32_t h) {
    size_t i = h & p->mask;
    while (p->slots[i].key != NULL) {
        if (p->slots[i].hash == h && p->slots[i].len == len && strcmp(p->slots[i].key, key) == 0)
            break;
        i = (i + 1) & p->mask;
    }
    return &p->slots[i];
}

rc_phrases_t *rc_phrases_new(const rc_phrase_def_t *defs, size_t n, char *errstr, size_t errstr_size) {
    rc_phrases_t *p = calloc(1, sizeof(*p));
    size_t total = 0, nwords = 0;
    if (p == NULL)
        goto oom;
    p->defs = defs;
    p->n = n;
    for (size_t k = 0; k < n; k++) {
        total += strlen(defs[k].text) + 1;
        nwords += 1;
        for (const char *c = defs[k].text; *c != '\0'; c++)
            nwords += *c == ' ';
        if (defs[k].tag < 0 || defs[k].tag > 31 || defs[k].text[0] == '\0' || defs[k].text[0] == ' ') {
            snprintf(errstr, errstr_size, "phrase table: bad entry \"%s\" (tag %d)", defs[k].text, defs[k].tag);
            rc_phrases_destroy(p);
            return NULL;
        }
    }
    p->mask = 16;
    /* At most a quarter full: most words looked up are in no table, and a
     * miss ends at the first empty slot. */
    while (p->mask < n * 4)
        p->mask <<= 1;
    p->mask--;
    p->buf = malloc(total + 1);
    p->words = malloc((nwords + 1) * sizeof(*p->words));
    p->first = malloc((n + 1) * sizeof(*p->first));
    p->nw = malloc(n + 1);
    p->next = malloc((n + 1) * sizeof(*p->next));
    p->slots = calloc(p->mask + 1, sizeof(*p->slots));
    if (p->buf == NULL || p->words == NULL || p->first == NULL || p->nw == NULL || p->next == NULL ||
        p->slots == NULL)
        goto oom;

    char *b = p->buf;
    size_t wi = 0;
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(defs[k].text);
        memcpy(b, defs[k].text, len + 1);
        p->first[k] = (uint32_t)wi;
        p->nw[k] = 0;
        for (char *tok = b; tok != NULL;) {
            char *sp = strchr(tok, ' ');
            if (sp != NULL)
                *sp = '\0';
            p->words[wi++] = tok;
            p->nw[k]++;
            tok = sp != NULL ? sp + 1 : NULL;
        }
        b += len + 1;
        /* Append to its first word's chain, keeping definition order. */
        p->next[k] = -1;
        uint32_t h = rc_words_hash(p->words[p->first[k]]);
        phrase_slot_t *s = slot_for(p, p->words[p->first[k]], strlen(p->words[p->first[k]]), h);
        if (s->key == NULL) {
            s->key = p->words[p->first[k]];
            s->hash = h;
            s->len = (uint32_t)strlen(s->key);
            s->head = (int32_t)k;
        } else {
            int32_t j = s->head;
            while (p->next[j] != -1)
                j = p->next[j];
            p->next[j] = (int32_t)k;
        }
    }
    return p;
oom:
    snprintf(errstr, errstr_size, "out of memory building a phrase table");
    rc_phrases_destroy(p);
    return NULL;
}

void rc_phrases_destroy(rc_phrases_t *p) {
    if (p == NULL)
        return;
    free(p->buf);
    free(p->words);
    free(p->first);
    free(p->nw);
    free(p->next);
    free(p->slots);
    free(p);
}

int rc_phrases_match(const rc_phrases_t *p, const rc_words_t *ws, size_t i, size_t *nwords) {
    const rc_word_t *w = &ws->w[i];
    if (w->kind != RC_WORD_PLAIN)
        return -1;
    const phrase_slot_t *s = slot_for(p, w->low, w->low_len, w->hash);
    if (s->key == NULL)
        return -1;
    int best = -1;
    size_t best_n = 0;
    for (int32_t k = s->head; k != -1; k = p->next[k]) {
        size_t nw = p->nw[k];
        if (nw <= best_n || i + nw > ws->n)
            continue;
        size_t j = 1;
        for (; j < nw; j++) {
            const rc_word_t *x = &ws->w[i + j];
            if (x->kind != RC_WORD_PLAIN || strcmp(x->low, p->words[p->first[k] + j]) != 0)
                break;
        }
        if (j == nw) {
            best = (int)k;
            best_n = nw;
        }
    }
    if (best >= 0 && nwords != NULL)
        *nwords = best_n;
    return best;
}

uint32_t rc_phrases_scan(const rc_phrases_t *p, const rc_words_t *ws, unsigned counts[32]) {
    uint32_t mask = 0;
    size_t i = 0;
    while (i < ws->n) {
        size_t nw = 1;
        int k = rc_phrases_match(p, ws, i, &nw);
        if (k >= 0) {
            int tag = p->defs[k].tag;
            mask |= 1u << tag;
            if (counts != NULL)
                counts[tag]++;
            i += nw;
        } else {
            i++;
        }
    }
    return mask;
}
