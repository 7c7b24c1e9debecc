/*
 * Privacy: the copy of post.text that tickets and alerts show
 * (a->redacted_text, route's {{text}}) with email addresses, phone numbers
 * and card-like numbers replaced by "[email]", "[phone]", "[card]". The
 * post record keeps the original for whoever may read it.
 *
 * What counts (pure code, one left-to-right pass per kind, no regex):
 *
 *   email  local@domain.tld: a local part of letters, digits and ._%+-
 *          (accented Latin letters too), a domain of two or more labels
 *          whose last is 2+ letters. "@SWA" and "me@home" are not emails.
 *   card   13-19 digits, alone or in groups split by single spaces or
 *          dashes, that pass the Luhn check (a mistyped or made-up 16-digit
 *          order number does not).
 *   phone  phone_min_digits..15 digits (E.164's maximum) written as a phone
 *          number: with a leading "+" (+44 20 7946 0958), an area code in
 *          parentheses ((555) 123-4567), or groups split by single spaces,
 *          dashes or dots (555.123.4567, 07700 900123, 555-1234). A bare
 *          run of digits needs 10 or more: order and booking numbers are
 *          often 7-9 bare digits and a ticket needs them.
 *          Not phones: numbers glued to letters (WN1234, BWIWN49267) or
 *          after '#', '$', '/', ':' ...; dates (2026-11-22, 22.11.2026);
 *          times (10:30); decimals (1299.99) and thousands (10.000.000);
 *          IPv4 addresses; anything followed by '%', ':'/'/'/',' + digit.
 *          Digits inside URLs are left alone (they are ids, not phones).
 *
 * Work is linear in the text: every scan moves forward and each run of
 * digits or each '@' is looked at once; a local part is at most 64 bytes
 * and a domain 253. Splices happen only at ASCII bytes or at the start of
 * a whole UTF-8 character, so valid UTF-8 stays valid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyse.h"
#include "util.h"

typedef struct rc_privacy_conf {
    int enabled, emails, phones, cards;
    long phone_min_digits;
    char *repl[3]; /* by kind */
} rc_privacy_conf_t;

enum { K_EMAIL = 0, K_PHONE, K_CARD, K_COUNT };
static const char *const kind_names[K_COUNT] = {"email", "phone", "card"};

#define RC_PRIVACY_MAX_REPLACEMENT 64

#define OFF(f) offsetof(rc_privacy_conf_t, f)
static const rc_config_entry_t privacy_table[] = {
    {"enabled", RC_CT_BOOL, "true", 0, 0, NULL, OFF(enabled), 0,
     "Redact personal data from the text tickets and alerts show (redacted_text, {{text}})."},
    {"emails", RC_CT_BOOL, "true", 0, 0, NULL, OFF(emails), 0, "Redact email addresses."},
    {"phones", RC_CT_BOOL, "true", 0, 0, NULL, OFF(phones), 0, "Redact phone numbers."},
    {"cards", RC_CT_BOOL, "true", 0, 0, NULL, OFF(cards), 0, "Redact card-like numbers (13-19 digits passing Luhn)."},
    {"phone_min_digits", RC_CT_INT, "7", 5, 15, NULL, OFF(phone_min_digits), 0,
     "Fewest digits of a phone number (a bare run of digits needs at least 10)."},
    {"replacement.email", RC_CT_STRING, "[email]", 0, 0, NULL, OFF(repl[K_EMAIL]), 0,
     "What an email address becomes (at most 64 bytes)."},
    {"replacement.phone", RC_CT_STRING, "[phone]", 0, 0, NULL, OFF(repl[K_PHONE]), 0,
     "What a phone number becomes (at most 64 bytes)."},
    {"replacement.card", RC_CT_STRING, "[card]", 0, 0, NULL, OFF(repl[K_CARD]), 0,
     "What a card number becomes (at most 64 bytes)."},
    RC_CONFIG_END};
#undef OFF

/* Is "s" valid UTF-8 without control characters? */
static int clean_utf8(const char *s) {
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return 0;
    return rc_utf8_valid(s, strlen(s));
}

static int privacy_init(void **statep, const void *confp, char *errstr, size_t errstr_size) {
    const rc_privacy_conf_t *conf = confp;
    *statep = NULL;
    for (int k = 0; k < K_COUNT; k++) {
        const char *r = conf->repl[k] != NULL ? conf->repl[k] : "";
        if (strlen(r) > RC_PRIVACY_MAX_REPLACEMENT || !clean_utf8(r)) {
            snprintf(errstr, errstr_size, "replacement.%s: at most %d bytes of UTF-8 text without control characters",
                     kind_names[k], RC_PRIVACY_MAX_REPLACEMENT);
            return -1;
        }
    }
    /* The bound conf outlives the state and is all run() needs. */
    *statep = (void *)conf;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Finding
 * ------------------------------------------------------------------------- */

typedef struct {
    size_t start, end; /* byte offsets, end exclusive */
    int kind;
} rc_span_t;

typedef struct {
    rc_span_t inline_s[16];
    rc_span_t *s;
    size_t n, cap;
} rc_spans_t;

/* Makes room for one more element in "arr", an array of "n" elements that
 * starts in inline storage ("inline_buf") and moves to the heap when it
 * outgrows it. Returns the array (moved or not), or NULL if out of memory
 * ("arr" is then unchanged). */
static void *grow(void *arr, const void *inline_buf, size_t n, size_t *cap, size_t elem) {
    if (n < *cap)
        return arr;
    void *bigger = malloc(*cap * 2 * elem);
    if (bigger == NULL)
        return NULL;
    memcpy(bigger, arr, n * elem);
    if (arr != inline_buf)
        free(arr);
    *cap *= 2;
    return bigger;
}

static int spans_add(rc_spans_t *sp, size_t start, size_t end, int kind) {
    rc_span_t *s = grow(sp->s, sp->inline_s, sp->n, &sp->cap, sizeof(*s));
    if (s == NULL)
        return -1;
    sp->s = s;
    sp->s[sp->n++] = (rc_span_t){start, end, kind};
    return 0;
}

static int is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
static int is_alpha(unsigned char c) {
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}
static int is_alnum(unsigned char c) {
    return is_digit(c) || is_alpha(c);
}
static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int is_local_char(unsigned char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* The accented Latin letter (U+00C0-U+024F, not x or ÷) whose UTF-8 form
 * ends just before t[end], or 0: its length (2). */
static size_t latin_letter_before(const unsigned char *t, size_t end) {
    if (end < 2 || (t[end - 1] & 0xC0) != 0x80 || t[end - 2] < 0xC3 || t[end - 2] > 0xC9)
        return 0;
    uint32_t c = ((uint32_t)(t[end - 2] & 0x1F) << 6) | (t[end - 1] & 0x3F);
    return c >= 0xC0 && c != 0xD7 && c != 0xF7 ? 2 : 0;
}

/* Emails, in text order, into "sp". */
static int find_emails(const unsigned char *t, size_t len, rc_spans_t *sp) {
    size_t from = 0; /* nothing before this may be part of a new match */
    const unsigned char *at;
    while (from < len && (at = memchr(t + from, '@', len - from)) != NULL) {
        size_t p = (size_t)(at - t), s = p, q = p + 1;
        /* Local part: back from the '@', at most 64 bytes, not into the
         * previous match. */
        for (;;) {
            size_t l;
            if (s > from && is_local_char(t[s - 1]))
                s--;
            else if ((l = latin_letter_before(t, s)) > 0 && s - l >= from)
                s -= l;
            else
                break;
            if (p - s > 64)
                break;
        }
        while (s < p && t[s] == '.')
            s++;
        int ok = s < p && p - s <= 64;
        /* Domain: labels of letters, digits and '-', joined by single dots;
         * the last is 2+ letters. */
        size_t labels = 0, last_start = q;
        while (ok && q < len && q - p <= 254) {
            size_t ls = q;
            while (q < len && (is_alnum(t[q]) || t[q] == '-') && q - p <= 254)
                q++;
            if (q == ls)
                break;
            labels++;
            last_start = ls;
            if (q + 1 < len && t[q] == '.' && is_alnum(t[q + 1]))
                q++;
            else
                break;
        }
        int tld = labels >= 2 && q - last_start >= 2 && q - p <= 254;
        for (size_t i = last_start; tld && i < q; i++)
            tld = is_alpha(t[i]);
        if (ok && tld) {
            if (spans_add(sp, s, q, K_EMAIL) != 0)
                return -1;
            from = q;
        } else {
            from = p + 1;
        }
    }
    return 0;
}

/* One group of digits of a run as written: "+44", "(0)20" is "(0)" then
 * "20", "7946". */
typedef struct {
    size_t start, end;  /* its bytes, with a leading '+' or '(' and a trailing ')' */
    size_t ndigits;
    unsigned char sep;  /* what joins it to the previous group: ' ', '-', '.', or 0 */
    unsigned char plus, paren, bad;
} rc_group_t;

typedef struct {
    rc_group_t inline_g[64];
    rc_group_t *g;
    size_t n, cap;
} rc_groups_t;

static int groups_add(rc_groups_t *gs, const rc_group_t *g) {
    rc_group_t *a = grow(gs->g, gs->inline_g, gs->n, &gs->cap, sizeof(*a));
    if (a == NULL)
        return -1;
    gs->g = a;
    gs->g[gs->n++] = *g;
    return 0;
}

/* Splits the run of digits starting at t[i] (a digit, or '+'/'(' before
 * one) into groups joined by single spaces, dashes or dots, or by nothing
 * after a ')'. Returns the byte after the run, or 0 if out of memory. */
static size_t parse_run(const unsigned char *t, size_t len, size_t i, rc_groups_t *gs) {
    unsigned char sep = 0;
    gs->n = 0;
    for (;;) {
        rc_group_t g = {.start = i, .sep = sep};
        if (gs->n == 0 && t[i] == '+')
            g.plus = 1, i++;
        if (t[i] == '(' && i + 1 < len && is_digit(t[i + 1]))
            g.paren = 1, i++;
        while (i < len && is_digit(t[i]))
            g.ndigits++, i++;
        if (g.paren) {
            if (i < len && t[i] == ')')
                i++;
            else
                g.bad = 1; /* "(555" */
        }
        g.end = i;
        if (groups_add(gs, &g) != 0)
            return 0;
        if (g.bad)
            break;
        if (g.paren && i < len && (is_digit(t[i]) || (t[i] == '(' && i + 1 < len && is_digit(t[i + 1])))) {
            sep = 0; /* "(0)20" */
            continue;
        }
        unsigned char c = i < len ? t[i] : 0;
        if ((c == ' ' || c == '-' || c == '.') && i + 1 < len &&
            (is_digit(t[i + 1]) || (t[i + 1] == '(' && i + 2 < len && is_digit(t[i + 2])))) {
            sep = c;
            i++;
            continue;
        }
        break;
    }
    return i;
}

/* What groups s..e of a run look like together. */
typedef struct {
    size_t ndigits, ngroups;
    size_t glen[4]; /* the first four groups' lengths */
    size_t min_later; /* the shortest group after the first (0 if one group) */
    int all_four;     /* every group has 4 digits */
    int one_digit;    /* every digit is the same ("3333333333", "0000 0000 ...") */
    int plus, paren, bad;
    unsigned seps;  /* bit 0 ' ', bit 1 '-', bit 2 '.' */
    char digits[20];
} rc_run_t;

static void summary_start(rc_run_t *r) {
    memset(r, 0, sizeof(*r));
    r->all_four = 1;
    r->one_digit = 1;
}

/* Adds the next group "g" of the stretch to its summary "r". */
static void summary_add(rc_run_t *r, const unsigned char *t, const rc_group_t *g) {
    if (r->ngroups > 0) {
        if (r->min_later == 0 || g->ndigits < r->min_later)
            r->min_later = g->ndigits;
        r->seps |= g->sep == ' ' ? 1u : g->sep == '-' ? 2u : g->sep == '.' ? 4u : 0u;
    }
    r->all_four &= g->ndigits == 4;
    if (r->ngroups < 4)
        r->glen[r->ngroups] = g->ndigits;
    r->ngroups++;
    r->plus |= g->plus;
    r->paren |= g->paren;
    r->bad |= g->bad;
    for (size_t b = g->start; b < g->end; b++) {
        if (!is_digit(t[b]))
            continue;
        if (r->ndigits > 0 && t[b] != (unsigned char)r->digits[0])
            r->one_digit = 0;
        if (r->ndigits++ < 19)
            r->digits[r->ndigits - 1] = (char)t[b];
    }
}

static int luhn_ok(const rc_run_t *r) {
    int sum = 0;
    for (size_t i = 0; i < r->ndigits; i++) {
        int d = r->digits[r->ndigits - 1 - i] - '0';
        if (i & 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return sum % 10 == 0;
}

/* A currency sign (Latin-1 ¢£¤¥ or U+20A0-U+20CF) ends just before t[i]? */
static int currency_before(const unsigned char *t, size_t i) {
    if (i >= 2 && t[i - 2] == 0xC2 && t[i - 1] >= 0xA2 && t[i - 1] <= 0xA5)
        return 1;
    return i >= 3 && t[i - 3] == 0xE2 && t[i - 2] == 0x82 && t[i - 1] >= 0xA0 && t[i - 1] <= 0xBF;
}

/* ... or starts at t[i] ("1500000€"). */
static int currency_at(const unsigned char *t, size_t len, size_t i) {
    if (i + 1 < len && t[i] == 0xC2 && t[i + 1] >= 0xA2 && t[i + 1] <= 0xA5)
        return 1;
    return i + 2 < len && t[i] == 0xE2 && t[i + 1] == 0x82 && t[i + 2] >= 0xA0 && t[i + 2] <= 0xBF;
}

/* May a number start at t[i]? Not glued to a word or another number, and
 * not a price, a '#' reference, a path or a time. */
static int left_ok(const unsigned char *t, size_t i) {
    if (i == 0)
        return 1;
    unsigned char b = t[i - 1];
    if (is_alnum(b) || strchr("#$/:@_=&%~\\*^<", b) != NULL || currency_before(t, i))
        return 0;
    /* "3.5551234", "1,5551234", "12-5551234": part of a longer number */
    if ((b == '.' || b == ',' || b == '-') && i >= 2 && is_digit(t[i - 2]))
        return 0;
    return 1;
}

/* May a number end before t[e]? */
static int right_ok(const unsigned char *t, size_t len, size_t e) {
    if (e >= len)
        return 1;
    unsigned char b = t[e];
    if (is_alnum(b) || b == '%' || b == '@' || b == '_' || currency_at(t, len, e))
        return 0;
    if (strchr(":/,.-", b) != NULL && e + 1 < len && is_digit(t[e + 1]))
        return 0;
    return 1;
}

static int looks_like_card(const rc_run_t *r) {
    return !r->one_digit && !r->plus && !r->paren && r->ndigits >= 13 && r->ndigits <= 19 && !(r->seps & 4) &&
           luhn_ok(r);
}

static int looks_like_phone(const rc_run_t *r, long min_digits) {
    if (r->ndigits < (size_t)min_digits || r->ndigits > 15 || r->one_digit)
        return 0;
    if (r->plus || r->paren)
        return 1;
    if (r->ngroups == 1)
        return r->ndigits >= 10;
    /* "1 1 1 1 1 1 1", "0 5 3 1 2 2 7": counts, not a phone; "4111 1111 1111":
     * shaped like a card (see find_in_run) */
    if (r->min_later < 2 || (r->ngroups >= 3 && r->all_four))
        return 0;
    const size_t *g = r->glen;
    /* Dates: 2026-11-22, 22.11.2026, 11-22-2026 (with spaces they would be
     * three words, not a date). */
    if (r->ngroups == 3 && !(r->seps & 1) &&
        ((g[0] == 4 && g[1] <= 2 && g[2] <= 2) || (g[0] <= 2 && g[1] <= 2 && g[2] == 4)))
        return 0;
    if (r->seps == 4) { /* dots only */
        if (r->ngroups == 2)
            return 0; /* a decimal */
        if (r->ngroups == 4 && g[0] <= 3 && g[1] <= 3 && g[2] <= 3 && g[3] <= 3)
            return 0; /* IPv4 */
    }
    if ((r->seps == 4 || r->seps == 1) && g[0] <= 2 && r->ngroups <= 4) {
        /* 10.000.000 or 1 000 000: thousands */
        int thousands = 1;
        for (size_t k = 1; k < r->ngroups; k++)
            thousands &= g[k] == 3;
        if (thousands)
            return 0;
    }
    return 1;
}

/* Cards and phones among the groups of one run, into "sp". A run of up to
 * 19 digits is one number or none: "4111 1111 1111 1112" fails Luhn and is
 * kept whole, not read as a phone and a "1112". A longer run is several
 * numbers written with spaces between ("+1 555 123 4567 4111111111111111"):
 * from each group that follows a space, the longest stretch (19 digits at
 * most) that reads as a card or a phone is taken; what matches nothing
 * moves the start on. */
static int find_in_run(const rc_privacy_conf_t *conf, const unsigned char *t, size_t len, const rc_groups_t *gs,
                       size_t run_start, size_t run_end, rc_spans_t *sp) {
    size_t s = 0, total = 0;
    for (size_t k = 0; k < gs->n && total <= 19; k++)
        total += gs->g[k].ndigits;
    while (s < gs->n) {
        size_t best = 0;
        int best_kind = -1;
        if (s == 0 ? left_ok(t, run_start) : total > 19 && gs->g[s].sep == ' ') {
            /* Grow the stretch a group at a time (at most 19 digits),
             * remembering the longest that reads as a card or a phone. */
            rc_run_t r;
            summary_start(&r);
            for (size_t e = s; e < gs->n && r.ndigits + gs->g[e].ndigits <= 19; e++) {
                summary_add(&r, t, &gs->g[e]);
                if (e + 1 < gs->n ? total <= 19 || gs->g[e + 1].sep != ' ' : !right_ok(t, len, run_end))
                    continue; /* not the end of a stretch (a short run is taken whole) */
                int kind = r.bad                                                          ? -1
                           : conf->cards && looks_like_card(&r)                           ? K_CARD
                           : conf->phones && looks_like_phone(&r, conf->phone_min_digits) ? K_PHONE
                                                                                          : -1;
                if (kind >= 0) {
                    best = e;
                    best_kind = kind;
                }
            }
        }
        if (best_kind < 0) {
            s++;
            continue;
        }
        if (spans_add(sp, gs->g[s].start, gs->g[best].end, best_kind) != 0)
            return -1;
        s = best + 1;
    }
    return 0;
}

static int starts_url(const unsigned char *t, size_t i, size_t len) {
    const char *s = (const char *)t + i;
    if (i >= len || ((t[i] | 0x20) != 'h' && (t[i] | 0x20) != 'w'))
        return 0; /* most positions, without a call */
    return (len - i >= 7 && !strncasecmp(s, "http://", 7)) || (len - i >= 8 && !strncasecmp(s, "https://", 8)) ||
           (len - i >= 4 && !strncasecmp(s, "www.", 4));
}

/* Phones and cards, in text order, around the emails already in "emails"
 * (merged into "sp" so that "sp" is in text order). */
static int find_numbers(const rc_privacy_conf_t *conf, const unsigned char *t, size_t len, const rc_spans_t *emails,
                        rc_spans_t *sp) {
    rc_groups_t gs = {.n = 0, .cap = 64};
    size_t e = 0, i = 0;
    int rc = -1;
    gs.g = gs.inline_g;
    while (i < len) {
        if (e < emails->n && i >= emails->s[e].start) {
            if (spans_add(sp, emails->s[e].start, emails->s[e].end, K_EMAIL) != 0)
                goto out;
            i = emails->s[e++].end;
            continue;
        }
        size_t stop = e < emails->n ? emails->s[e].start : len;
        if ((i == 0 || is_space(t[i - 1]) || t[i - 1] == '(' || t[i - 1] == '<') && starts_url(t, i, len)) {
            while (i < stop && !is_space(t[i]))
                i++;
            continue;
        }
        unsigned char c = t[i];
        if (!(is_digit(c) || ((c == '+' || c == '(') && i + 1 < stop && is_digit(t[i + 1])))) {
            i++;
            continue;
        }
        size_t end = parse_run(t, stop, i, &gs);
        if (end == 0 || find_in_run(conf, t, len, &gs, i, end, sp) != 0)
            goto out;
        i = end > i ? end : i + 1;
    }
    while (e < emails->n) {
        if (spans_add(sp, emails->s[e].start, emails->s[e].end, K_EMAIL) != 0)
            goto out;
        e++;
    }
    rc = 0;
out:
    if (gs.g != gs.inline_g)
        free(gs.g);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Run
 * ------------------------------------------------------------------------- */

static int privacy_run(const void *state, rc_analysis_t *a, char *errstr, size_t errstr_size) {
    const rc_privacy_conf_t *conf = state;
    const unsigned char *t = (const unsigned char *)a->text;
    size_t len = strlen(a->text);
    rc_spans_t emails = {.n = 0, .cap = 16}, all = {.n = 0, .cap = 16};
    char *out = NULL;
    int rc = -1;

    emails.s = emails.inline_s;
    all.s = all.inline_s;
    if (!conf->enabled || (!conf->emails && !conf->phones && !conf->cards))
        return 0;
    if (conf->emails && find_emails(t, len, &emails) != 0)
        goto oom;
    if (conf->phones || conf->cards) {
        if (find_numbers(conf, t, len, &emails, &all) != 0)
            goto oom;
    } else {
        for (size_t k = 0; k < emails.n; k++)
            if (spans_add(&all, emails.s[k].start, emails.s[k].end, K_EMAIL) != 0)
                goto oom;
    }
    if (all.n == 0) {
        rc = 0;
        goto out;
    }

    size_t size = len, rlen[K_COUNT];
    int seen[K_COUNT] = {0};
    for (int k = 0; k < K_COUNT; k++)
        rlen[k] = conf->repl[k] != NULL ? strlen(conf->repl[k]) : 0;
    for (size_t k = 0; k < all.n; k++)
        size = size - (all.s[k].end - all.s[k].start) + rlen[all.s[k].kind];
    if ((out = malloc(size + 1)) == NULL)
        goto oom;
    size_t o = 0, from = 0;
    for (size_t k = 0; k < all.n; k++) {
        const rc_span_t *s = &all.s[k];
        memcpy(out + o, t + from, s->start - from);
        o += s->start - from;
        memcpy(out + o, conf->repl[s->kind], rlen[s->kind]);
        o += rlen[s->kind];
        from = s->end;
        seen[s->kind] = 1;
    }
    memcpy(out + o, t + from, len - from);
    o += len - from;
    out[o] = '\0';
    for (int k = 0; k < K_COUNT; k++)
        if (seen[k] && json_array_append_new(a->redactions, json_string_nocheck(kind_names[k])) != 0)
            goto oom;
    free(a->redacted_text);
    a->redacted_text = out;
    out = NULL;
    rc = 0;
    goto out;
oom:
    snprintf(errstr, errstr_size, "out of memory redacting the text");
out:
    free(out);
    if (emails.s != emails.inline_s)
        free(emails.s);
    if (all.s != all.inline_s)
        free(all.s);
    return rc;
}

const rc_analyser_t rc_analyser_privacy = {
    .name = "privacy",
    .config = privacy_table,
    .conf_size = sizeof(rc_privacy_conf_t),
    .init = privacy_init,
    .run = privacy_run,
};
