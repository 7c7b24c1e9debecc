/*
 * Normalisers: one raw payload (X API v2, Mastodon status, generic form) in,
 * one Post object (schemas/post.avsc) out. See docs/post-formats.md for the
 * accepted forms and the field mapping.
 *
 * Pure code: no I/O and no globals, so the whole file is unit-tested and
 * fuzzed on its own (tests/unit/test_normalise.c, tests/fuzz/fuzz_normalise.c).
 *
 * Decisions worth knowing (also in docs/post-formats.md):
 *   - An X v2 author missing from includes.users still gives a Post: the
 *     handle is the author_id, followers 0, and the url the handle-free
 *     https://x.com/i/web/status/<id> form. Dropping the post would lose a
 *     complaint because of an expansion someone forgot to request.
 *   - X v2 text comes HTML-escaped (&amp; &lt; &gt;); it is unescaped.
 *   - X v2 note_tweet.text (posts over 280 characters) wins over data.text,
 *     which the API truncates for such posts.
 *   - A Mastodon reblog (reblog non-null) is normalised as the reblogged
 *     status: the wrapper has empty content, and the complaint belongs to
 *     the original author. Two reblogs of one status then share an id and
 *     dedup collapses them, which is what routing wants.
 *   - A Mastodon content warning (spoiler_text) is kept, in front of the
 *     text, because it often names the topic ("airline rant").
 *   - Mentions/hashtags the platform did not supply are extracted from the
 *     text; supplied lists are used as given (deduplicated).
 *   - created_at is canonicalised to RFC 3339 UTC at whole seconds
 *     ("2026-11-21T08:01:02Z"); a missing one defaults to the ingestion
 *     time, a malformed one is an error. ingested_at gets the same form.
 */
#include "normalise.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits. A post is short; anything far bigger is abuse or a bug upstream,
 * and the limit keeps one bad line from costing megabytes downstream. */
#define RC_TEXT_MAX 65536 /* bytes of plain text */
#define RC_ID_MAX 256     /* bytes of an id */
#define RC_SHORT_MAX 1024 /* handle, name, other short strings */
#define RC_LANG_MAX 35    /* longest sensible BCP 47 tag */
#define RC_URL_MAX 4096
#define RC_PLATFORM_MAX 32
#define RC_LIST_MAX 256     /* entries kept in mentions / hashtags */
#define RC_LIST_ITEM_MAX 256 /* bytes of one mention / hashtag */

const char *rc_post_format_name(rc_post_format_t fmt) {
    switch (fmt) {
    case RC_FMT_X_V2:
        return "x_v2";
    case RC_FMT_MASTODON:
        return "mastodon";
    case RC_FMT_GENERIC:
        return "generic";
    default:
        return "unknown";
    }
}

/* Per-call context: which form we are in (prefixes every message) and where
 * the reason goes. */
typedef struct {
    rc_post_format_t fmt;
    char *errstr;
    size_t errstr_size;
} rc_nctx_t;

/* Writes "<form>: <message>" and returns -1, so callers can "return fail()". */
static int fail(rc_nctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(rc_nctx_t *c, const char *fmt, ...) {
    va_list ap;
    int n;

    if (!c->errstr || c->errstr_size == 0)
        return -1;
    n = snprintf(c->errstr, c->errstr_size, "%s: ", rc_post_format_name(c->fmt));
    if (n < 0 || (size_t)n >= c->errstr_size)
        return -1;
    va_start(ap, fmt);
    vsnprintf(c->errstr + n, c->errstr_size - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Field paths in messages read like "data.public_metrics.like_count". */
#define WHERE(w) (w), (*(w) ? "." : "")

/*
 * Field getters. Each returns 1 when the field is present, 0 when it is
 * absent or JSON null (outputs then hold their defaults), and -1 with the
 * reason in the context when it has the wrong type or is out of bounds.
 */

/* *out is borrowed from "obj". "max" 0 means no limit (the caller checks). */
static int get_str(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, size_t max, const char **out,
                   size_t *len_out) {
    const json_t *v = json_object_get(obj, key);
    size_t n;

    *out = NULL;
    if (len_out)
        *len_out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return fail(c, "%s%s%s: expected a string, got %s", WHERE(where), key, type_name(v));
    n = json_string_length(v);
    if (max && n > max)
        return fail(c, "%s%s%s is %zu bytes, over the %zu-byte limit", WHERE(where), key, n, max);
    *out = json_string_value(v);
    if (len_out)
        *len_out = n;
    return 1;
}

/* Ids are strings or non-negative integers; either way *out is a new JSON
 * string reference owned by the caller. */
static int get_id(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_t **out) {
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n == 0)
            return fail(c, "%s%s%s is an empty string", WHERE(where), key);
        if (n > RC_ID_MAX)
            return fail(c, "%s%s%s is %zu bytes, over the %d-byte limit for ids", WHERE(where), key, n, RC_ID_MAX);
        *out = json_stringn(json_string_value(v), n);
    } else if (json_is_integer(v)) {
        char buf[32];
        if (json_integer_value(v) < 0)
            return fail(c, "%s%s%s: ids cannot be negative", WHERE(where), key);
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = json_string(buf);
    } else {
        return fail(c, "%s%s%s: expected a string or integer id, got %s", WHERE(where), key, type_name(v));
    }
    if (!*out)
        return fail(c, "out of memory (or invalid UTF-8) copying %s%s%s", WHERE(where), key);
    return 1;
}

static int get_count(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_int_t *out) {
    const json_t *v = json_object_get(obj, key);

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return fail(c, "%s%s%s: expected an integer, got %s", WHERE(where), key, type_name(v));
    if (json_integer_value(v) < 0)
        return fail(c, "%s%s%s: a count cannot be negative", WHERE(where), key);
    *out = json_integer_value(v);
    return 1;
}

static int get_bool(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, int *out) {
    const json_t *v = json_object_get(obj, key);

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return fail(c, "%s%s%s: expected a boolean, got %s", WHERE(where), key, type_name(v));
    *out = json_is_true(v);
    return 1;
}

/* *out is borrowed. */
static int get_typed(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_type type,
                     const json_t **out) {
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_typeof(v) != type)
        return fail(c, "%s%s%s: expected %s, got %s", WHERE(where), key,
                    type == JSON_OBJECT ? "an object" : "an array", type_name(v));
    *out = v;
    return 1;
}
#define get_obj(c, o, w, k, out) get_typed((c), (o), (w), (k), JSON_OBJECT, (out))
#define get_arr(c, o, w, k, out) get_typed((c), (o), (w), (k), JSON_ARRAY, (out))

/* Takes ownership of "v" whatever happens (json_object_set_new does). */
static int set_new(rc_nctx_t *c, json_t *obj, const char *key, json_t *v) {
    if (!v || json_object_set_new(obj, key, v) != 0)
        return fail(c, "out of memory setting %s", key);
    return 0;
}

/* Sets a string field from (s, n), or JSON null when s is NULL. */
static int set_strn(rc_nctx_t *c, json_t *obj, const char *key, const char *s, size_t n) {
    if (!s)
        return set_new(c, obj, key, json_null());
    return set_new(c, obj, key, json_stringn(s, n));
}

static int set_str(rc_nctx_t *c, json_t *obj, const char *key, const char *s) {
    return set_strn(c, obj, key, s, s ? strlen(s) : 0);
}

/* ---------------------------------------------------------------------------
 * Timestamps
 * ------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (civil calendar
 * arithmetic with 400-year eras, so it is exact for any year we accept). */
static long days_from_civil(long y, int m, int d) {
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d) {
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(long y, int m) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Reads exactly "n" ASCII digits. */
static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/*
 * Canonicalises an RFC 3339 timestamp ("2026-11-21T08:01:02.345+01:00") to
 * UTC at whole seconds ("2026-11-21T07:01:02Z"). One fixed 20-character
 * form means every consumer can parse it with one strptime pattern and
 * compare timestamps as strings; sub-second precision is of no use to
 * routing. A leap second (:60) becomes :59 for the same reason. Returns 0
 * or -1.
 */
static int ts_canon(const char *s, size_t len, char *out, size_t out_size) {
    int Y, M, D, h, mi, sec, off = 0;
    long y, days, mins;
    const char *p, *end = s + len;

    if (len < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (sec == 60)
        sec = 59;
    p = s + 19;
    if (p < end && *p == '.') {
        const char *f = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == f)
            return -1;
    }
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int oh, om;
        if (end - p < 6 || digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (p != end)
        return -1;

    y = Y;
    if (off) {
        /* Local time minus its offset is UTC. */
        mins = (days_from_civil(Y, M, D) * 24 + h) * 60 + mi - off;
        days = mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440);
        mins -= days * 1440;
        civil_from_days(days, &y, &M, &D);
        h = (int)(mins / 60);
        mi = (int)(mins % 60);
        if (y < 0 || y > 9999)
            return -1;
    }
    snprintf(out, out_size, "%04ld-%02d-%02dT%02d:%02d:%02dZ", y, M, D, h, mi, sec);
    return 0;
}

/* Optional created_at: absent leaves the field null (post_finish fills in
 * the ingestion time), malformed is an error. */
static int set_created_at(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key) {
    const char *s;
    size_t n;
    char buf[40];
    int r = get_str(c, obj, where, key, 64, &s, &n);

    if (r <= 0)
        return r;
    if (ts_canon(s, n, buf, sizeof(buf)) != 0)
        return fail(c, "%s%s%s: \"%.40s\" is not an RFC 3339 timestamp", WHERE(where), key, s);
    return set_str(c, post, "created_at", buf);
}

/* ---------------------------------------------------------------------------
 * Text: HTML entities, HTML to plain text, mention/hashtag extraction
 * ------------------------------------------------------------------------- */

/* Appends code point "cp" as UTF-8; invalid ones (NUL, surrogates, beyond
 * U+10FFFF) become U+FFFD so the output always stays valid UTF-8. */
static size_t put_utf8(char *o, unsigned long cp) {
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Decodes the entity starting at in[0] == '&'. On success writes the UTF-8
 * bytes to "o", sets *used to the entity's length and returns the number of
 * bytes written (never more than *used, so decoding in place-order into a
 * buffer as long as the input cannot overflow). Returns 0 for anything that
 * is not an entity we know; the caller then copies the '&' literally.
 */
static size_t decode_entity(const char *in, size_t n, char *o, size_t *used) {
    static const struct {
        const char *name;
        char ch;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}, {"nbsp;", ' '}};
    size_t i;

    if (n >= 4 && in[1] == '#') {
        unsigned long cp = 0;
        int hex = in[2] == 'x' || in[2] == 'X';
        size_t nd = 0;
        for (i = hex ? 3 : 2; i < n && nd <= 8; i++, nd++) {
            char ch = in[i];
            int dv;
            if (ch >= '0' && ch <= '9')
                dv = ch - '0';
            else if (hex && ch >= 'a' && ch <= 'f')
                dv = ch - 'a' + 10;
            else if (hex && ch >= 'A' && ch <= 'F')
                dv = ch - 'A' + 10;
            else
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)dv;
        }
        /* Nine digits or more can only be garbage; "&#;" is not an entity. */
        if (nd == 0 || nd > 8 || i >= n || in[i] != ';')
            return 0;
        *used = i + 1;
        return put_utf8(o, cp);
    }
    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        size_t l = strlen(named[i].name);
        if (n > l && memcmp(in + 1, named[i].name, l) == 0) {
            *used = l + 1;
            o[0] = named[i].ch;
            return 1;
        }
    }
    return 0;
}

/* Case-insensitive match of an ASCII tag name at "p" (after '<' or '</'),
 * followed by a delimiter. */
static int tag_is(const char *p, const char *end, const char *name) {
    size_t l = strlen(name);
    if ((size_t)(end - p) < l)
        return 0;
    for (size_t i = 0; i < l; i++) {
        char ch = p[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != name[i])
            return 0;
    }
    return p + l == end || p[l] == '>' || p[l] == '/' || p[l] == ' ' || p[l] == '\t' || p[l] == '\n';
}

/*
 * Converts "in" to plain text: entities decoded, and with "html" set, tags
 * removed (<br> becomes a newline, </p> a blank line between paragraphs)
 * and surrounding whitespace trimmed. Returns a malloc'd buffer the caller
 * frees (never longer than the input: every rewrite shrinks), or NULL when
 * out of memory. '<' inside a tag's quoted attribute does not end the tag;
 * an unterminated '<' is kept as text.
 */
static char *to_plain(const char *in, size_t n, int html, size_t *out_len) {
    char *out = malloc(n + 1);
    size_t o = 0, i = 0;

    if (!out)
        return NULL;
    while (i < n) {
        char ch = in[i];
        if (ch == '&') {
            size_t used = 0, w = decode_entity(in + i, n - i, out + o, &used);
            if (w) {
                o += w;
                i += used;
                continue;
            }
        } else if (ch == '<' && html) {
            size_t j = i + 1;
            char quote = 0;
            while (j < n && (quote || in[j] != '>')) {
                if (quote && in[j] == quote)
                    quote = 0;
                else if (!quote && (in[j] == '"' || in[j] == '\''))
                    quote = in[j];
                j++;
            }
            if (j < n) {
                const char *name = in + i + 1, *tend = in + j;
                int closing = name < tend && *name == '/';
                if (closing)
                    name++;
                if (!closing && tag_is(name, tend, "br")) {
                    out[o++] = '\n';
                } else if (closing && tag_is(name, tend, "p")) {
                    out[o++] = '\n';
                    out[o++] = '\n';
                }
                i = j + 1;
                continue;
            }
        }
        out[o++] = ch;
        i++;
    }
    if (html) {
        size_t s = 0;
        while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\n' || out[o - 1] == '\t' || out[o - 1] == '\r'))
            o--;
        while (s < o && (out[s] == ' ' || out[s] == '\n' || out[s] == '\t' || out[s] == '\r'))
            s++;
        memmove(out, out + s, o - s);
        o -= s;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static int is_word_ascii(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Decodes one UTF-8 sequence at s (valid UTF-8 is guaranteed by jansson);
 * returns its length, or 1 with cp = 0xFFFD for a stray byte. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned long *cp) {
    size_t l;
    unsigned long v;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        l = 2;
        v = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        l = 3;
        v = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        l = 4;
        v = s[0] & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (l > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < l; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return l;
}

/* Letters of other scripts may be part of a hashtag; punctuation, symbols
 * and emoji may not ("#DEN…" is the tag DEN). A rough cut, not Unicode's
 * full word-character table. */
static int is_tag_cp(unsigned long cp) {
    if (cp < 0x80)
        return is_word_ascii((unsigned char)cp);
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
        return 0;
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        cp == 0xFFFD || cp >= 0x1F000)
        return 0;
    return 1;
}

static int ascii_casecmp_n(const char *a, size_t an, const char *b, size_t bn) {
    if (an != bn)
        return 1;
    for (size_t i = 0; i < an; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 1;
    }
    return 0;
}

/* Adds (s, n) to "arr" unless it is empty, too long, already there (ASCII
 * case-insensitively: @SWA and @swa are one account) or the list is full.
 * A leading "@" or "#" the caller left on is removed. */
static int list_add(rc_nctx_t *c, json_t *arr, const char *s, size_t n, char sigil) {
    size_t i;
    json_t *v;

    if (n > 0 && s[0] == sigil) {
        s++;
        n--;
    }
    if (n == 0 || n > RC_LIST_ITEM_MAX || json_array_size(arr) >= RC_LIST_MAX)
        return 0;
    json_array_foreach(arr, i, v) {
        if (ascii_casecmp_n(json_string_value(v), json_string_length(v), s, n) == 0)
            return 0;
    }
    if (json_array_append_new(arr, json_stringn(s, n)) != 0)
        return fail(c, "out of memory building a %s list", sigil == '@' ? "mention" : "hashtag");
    return 0;
}

/*
 * Extracts @mentions (sigil '@') or #hashtags (sigil '#') from plain text.
 * A sigil counts only at the start or after a non-word character, so
 * "bob@example.com" and "C#" are not matches. Mentions are [A-Za-z0-9_]+,
 * optionally followed by "@host.domain" (Mastodon's user@host); hashtags
 * are word characters (including letters of other scripts) and need at
 * least one non-digit ("#1" is a number, not a tag).
 */
static int extract(rc_nctx_t *c, json_t *arr, const char *text, size_t n, char sigil) {
    const unsigned char *t = (const unsigned char *)text;
    size_t i = 0;

    while (i < n) {
        size_t start, j;
        if (t[i] != (unsigned char)sigil || (i > 0 && (is_word_ascii(t[i - 1]) || t[i - 1] == '@' ||
                                                       t[i - 1] == '#' || t[i - 1] == '&'))) {
            i++;
            continue;
        }
        start = i + 1;
        j = start;
        if (sigil == '@') {
            while (j < n && is_word_ascii(t[j]))
                j++;
            if (j > start && j + 1 < n && t[j] == '@') {
                /* user@host: labels of [A-Za-z0-9-] joined by dots. */
                size_t k = j + 1, last_good = 0;
                int labels = 0;
                while (k < n) {
                    size_t ls = k;
                    while (k < n && (is_word_ascii(t[k]) || t[k] == '-') && t[k] != '_')
                        k++;
                    if (k == ls)
                        break;
                    labels++;
                    last_good = k;
                    if (k < n && t[k] == '.')
                        k++;
                    else
                        break;
                }
                if (labels >= 2)
                    j = last_good;
            }
            if (j > start && list_add(c, arr, text + start, j - start, sigil) != 0)
                return -1;
        } else {
            int non_digit = 0;
            while (j < n) {
                unsigned long cp;
                size_t l = utf8_next(t + j, n - j, &cp);
                if (!is_tag_cp(cp))
                    break;
                if (!(cp >= '0' && cp <= '9'))
                    non_digit = 1;
                j += l;
            }
            if (j > start && non_digit && list_add(c, arr, text + start, j - start, sigil) != 0)
                return -1;
        }
        i = j > i + 1 ? j : i + 1;
    }
    return 0;
}

/* Builds a list from an array of objects, taking string field "key" of
 * each (or "alt" when "key" is missing). Elements of the wrong shape are
 * errors: a list we cannot read is a payload we should not trust. */
static int list_from_objects(rc_nctx_t *c, json_t *post, const char *field, const json_t *src, const char *where,
                             const char *key, const char *alt, char sigil) {
    json_t *arr = json_array();
    size_t i;
    const json_t *el;
    char path[96];

    if (!arr)
        return fail(c, "out of memory");
    json_array_foreach(src, i, el) {
        const char *s = NULL;
        size_t n = 0;
        int r;
        snprintf(path, sizeof(path), "%s[%zu]", where, i);
        if (!json_is_object(el)) {
            json_decref(arr);
            return fail(c, "%s: expected an object, got %s", path, type_name(el));
        }
        r = get_str(c, el, path, key, 0, &s, &n);
        if (r == 0 && alt)
            r = get_str(c, el, path, alt, 0, &s, &n);
        if (r < 0 || (r > 0 && list_add(c, arr, s, n, sigil) != 0)) {
            json_decref(arr);
            return -1;
        }
    }
    return set_new(c, post, field, arr);
}

/* Same from an array of strings (the generic form). */
static int list_from_strings(rc_nctx_t *c, json_t *post, const char *field, const json_t *src, char sigil) {
    json_t *arr = json_array();
    size_t i;
    const json_t *el;

    if (!arr)
        return fail(c, "out of memory");
    json_array_foreach(src, i, el) {
        if (!json_is_string(el)) {
            json_decref(arr);
            return fail(c, "%s[%zu]: expected a string, got %s", field, i, type_name(el));
        }
        if (list_add(c, arr, json_string_value(el), json_string_length(el), sigil) != 0) {
            json_decref(arr);
            return -1;
        }
    }
    return set_new(c, post, field, arr);
}

/* Sets "text" from raw (s, n): decoded (and de-HTMLed when "html"), then
 * held to the size limit, measured on what downstream will see. */
static int set_text(rc_nctx_t *c, json_t *post, const char *s, size_t n, int html, const char *path) {
    size_t pn;
    char *plain = to_plain(s, n, html, &pn);
    int r;

    if (!plain)
        return fail(c, "out of memory decoding %s", path);
    if (pn > RC_TEXT_MAX) {
        free(plain);
        return fail(c, "%s is %zu bytes, over the %d-byte limit", path, pn, RC_TEXT_MAX);
    }
    r = set_strn(c, post, "text", plain, pn);
    free(plain);
    return r;
}

/* ---------------------------------------------------------------------------
 * The Post skeleton
 * ------------------------------------------------------------------------- */

/* Every field of post.avsc, in schema order, with its default. Required
 * strings start as null and post_finish() checks they were set; mentions
 * and hashtags start as null meaning "not supplied, extract from text". */
static json_t *post_new(void) {
    return json_pack("{s:n, s:n, s:{s:n, s:n, s:n, s:I, s:b}, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n,"
                     " s:{s:I, s:I, s:I, s:I}, s:n, s:n}",
                     "id", "platform", "author", "id", "handle", "name", "followers", (json_int_t)0, "verified", 0,
                     "text", "created_at", "lang", "url", "in_reply_to", "conversation_id", "mentions", "hashtags",
                     "metrics", "likes", (json_int_t)0, "reposts", (json_int_t)0, "replies", (json_int_t)0, "quotes",
                     (json_int_t)0, "source_format", "ingested_at");
}

static int set_count(rc_nctx_t *c, json_t *obj, const char *key, json_int_t v) {
    return set_new(c, obj, key, json_integer(v));
}

/* Reads four counts from "src" (may be NULL) into post.metrics. "names"
 * are the platform's field names for likes, reposts, replies, quotes. */
static int set_metrics(rc_nctx_t *c, json_t *post, const json_t *src, const char *where, const char *const names[4]) {
    static const char *const ours[4] = {"likes", "reposts", "replies", "quotes"};
    json_t *m = json_object_get(post, "metrics");

    if (!src)
        return 0;
    for (int i = 0; i < 4; i++) {
        json_int_t v;
        if (get_count(c, src, where, names[i], &v) < 0 || set_count(c, m, ours[i], v) != 0)
            return -1;
    }
    return 0;
}

/* Optional lang: empty means "none". */
static int set_lang(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key) {
    const char *s;
    size_t n;
    int r = get_str(c, obj, where, key, RC_LANG_MAX, &s, &n);

    if (r <= 0 || n == 0)
        return r < 0 ? -1 : 0;
    return set_strn(c, post, "lang", s, n);
}

/* Optional id-valued field copied to post[field]; returns like the getters
 * (1 set, 0 absent, -1 error). */
static int set_opt_id(rc_nctx_t *c, json_t *post, const char *field, const json_t *obj, const char *where,
                      const char *key) {
    json_t *id;
    int r = get_id(c, obj, where, key, &id);

    if (r <= 0)
        return r;
    return set_new(c, post, field, id) == 0 ? 1 : -1;
}

/* Fills what every form shares and checks the required fields were set.
 * "now" is the canonical ingestion time. */
static int post_finish(rc_nctx_t *c, json_t *post, const char *now) {
    json_t *text = json_object_get(post, "text");
    json_t *arr;

    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "platform")) ||
        !json_is_string(text) || !json_is_string(json_object_get(json_object_get(post, "author"), "id")) ||
        !json_is_string(json_object_get(json_object_get(post, "author"), "handle")))
        return fail(c, "internal error: a required Post field was not set");
    if (json_is_null(json_object_get(post, "created_at")) && set_str(c, post, "created_at", now) != 0)
        return -1;
    for (int k = 0; k < 2; k++) {
        const char *field = k ? "hashtags" : "mentions";
        if (!json_is_null(json_object_get(post, field)))
            continue;
        if (!(arr = json_array()))
            return fail(c, "out of memory");
        if (extract(c, arr, json_string_value(text), json_string_length(text), k ? '#' : '@') != 0) {
            json_decref(arr);
            return -1;
        }
        if (set_new(c, post, field, arr) != 0)
            return -1;
    }
    if (set_str(c, post, "source_format", rc_post_format_name(c->fmt)) != 0 ||
        set_str(c, post, "ingested_at", now) != 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * X API v2
 * ------------------------------------------------------------------------- */

static int all_chars(const char *s, int (*ok)(unsigned char)) {
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!ok((unsigned char)*s))
            return 0;
    return 1;
}
static int is_digit_ch(unsigned char ch) {
    return ch >= '0' && ch <= '9';
}

/* Finds the includes.users entry whose id is "author_id". Entries we cannot
 * read are skipped: they describe other users and must not sink this post. */
static const json_t *x_find_user(const json_t *users, const char *author_id) {
    size_t i;
    const json_t *u;
    char buf[32];

    json_array_foreach(users, i, u) {
        const json_t *id = json_object_get(u, "id");
        const char *s = NULL;
        if (json_is_string(id)) {
            s = json_string_value(id);
        } else if (json_is_integer(id)) {
            snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
            s = buf;
        }
        if (s && strcmp(s, author_id) == 0)
            return u;
    }
    return NULL;
}

static int norm_x_v2(rc_nctx_t *c, const json_t *root, json_t *post) {
    static const char *const metric_names[4] = {"like_count", "retweet_count", "reply_count", "quote_count"};
    const json_t *data = json_object_get(root, "data"), *includes, *users = NULL, *user = NULL, *note, *refs,
                 *entities, *pm, *upm;
    json_t *author = json_object_get(post, "author"), *id = NULL, *author_id = NULL;
    const char *text, *username = NULL, *name = NULL, *vtype = NULL;
    size_t text_len, username_len = 0, name_len = 0;
    int r, verified = 0;
    json_int_t followers = 0;
    char url[512];

    if (!json_is_object(data))
        return fail(c, "data: expected one tweet object, got %s", type_name(data));
    if ((r = get_id(c, data, "data", "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "data.id missing");
    if (set_new(c, post, "id", id) != 0)
        return -1;
    id = json_object_get(post, "id");

    if ((r = get_str(c, data, "data", "text", 0, &text, &text_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "data.text missing");
    if (get_obj(c, data, "data", "note_tweet", &note) < 0)
        return -1;
    if (note) {
        const char *nt;
        size_t nn;
        if ((r = get_str(c, note, "data.note_tweet", "text", 0, &nt, &nn)) < 0)
            return -1;
        if (r > 0) {
            text = nt;
            text_len = nn;
        }
    }
    if (set_text(c, post, text, text_len, 0, "data.text") != 0)
        return -1;

    if ((r = get_id(c, data, "data", "author_id", &author_id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "data.author_id missing");
    if (set_new(c, author, "id", author_id) != 0)
        return -1;
    author_id = json_object_get(author, "id");

    if (set_created_at(c, post, data, "data", "created_at") < 0 || set_lang(c, post, data, "data", "lang") < 0 ||
        set_opt_id(c, post, "conversation_id", data, "data", "conversation_id") < 0)
        return -1;

    if (get_arr(c, data, "data", "referenced_tweets", &refs) < 0)
        return -1;
    if (refs) {
        size_t i;
        const json_t *ref;
        json_array_foreach(refs, i, ref) {
            char path[64];
            const char *type;
            snprintf(path, sizeof(path), "data.referenced_tweets[%zu]", i);
            if (!json_is_object(ref))
                return fail(c, "%s: expected an object, got %s", path, type_name(ref));
            if (get_str(c, ref, path, "type", RC_SHORT_MAX, &type, NULL) < 0)
                return -1;
            if (type && strcmp(type, "replied_to") == 0) {
                if ((r = set_opt_id(c, post, "in_reply_to", ref, path, "id")) < 0)
                    return -1;
                if (r == 0)
                    return fail(c, "%s.id missing", path);
            }
        }
    }

    if (get_obj(c, data, "data", "entities", &entities) < 0)
        return -1;
    if (entities) {
        /* Entities present: X lists what there is; an absent list is empty. */
        const json_t *mentions, *hashtags;
        json_t *empty = json_array();
        if (get_arr(c, entities, "data.entities", "mentions", &mentions) < 0 ||
            get_arr(c, entities, "data.entities", "hashtags", &hashtags) < 0) {
            json_decref(empty);
            return -1;
        }
        r = list_from_objects(c, post, "mentions", mentions ? mentions : empty, "data.entities.mentions",
                              "username", NULL, '@');
        if (r == 0)
            r = list_from_objects(c, post, "hashtags", hashtags ? hashtags : empty, "data.entities.hashtags", "tag",
                                  NULL, '#');
        json_decref(empty);
        if (r != 0)
            return -1;
    }

    if (get_obj(c, data, "data", "public_metrics", &pm) < 0 ||
        set_metrics(c, post, pm, "data.public_metrics", metric_names) < 0)
        return -1;

    if (get_obj(c, root, "", "includes", &includes) < 0 || (includes && get_arr(c, includes, "includes", "users",
                                                                                   &users) < 0))
        return -1;
    if (users)
        user = x_find_user(users, json_string_value(author_id));
    if (user) {
        if (!json_is_object(user))
            return fail(c, "includes.users: the author's entry is %s, not an object", type_name(user));
        if (get_str(c, user, "includes.users[author]", "username", RC_SHORT_MAX, &username, &username_len) < 0 ||
            get_str(c, user, "includes.users[author]", "name", RC_SHORT_MAX, &name, &name_len) < 0 ||
            get_bool(c, user, "includes.users[author]", "verified", &verified) < 0 ||
            get_str(c, user, "includes.users[author]", "verified_type", RC_SHORT_MAX, &vtype, NULL) < 0 ||
            get_obj(c, user, "includes.users[author]", "public_metrics", &upm) < 0 ||
            (upm && get_count(c, upm, "includes.users[author].public_metrics", "followers_count", &followers) < 0))
            return -1;
        /* verified is deprecated in favour of verified_type ("blue",
         * "business", "government", "none"); honour either. */
        if (vtype && strcmp(vtype, "none") != 0 && *vtype)
            verified = 1;
    }
    if (username && username_len > 0) {
        if (set_strn(c, author, "handle", username, username_len) != 0)
            return -1;
    } else if (set_new(c, author, "handle", json_copy(author_id)) != 0) {
        return -1;
    }
    if (set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        set_count(c, author, "followers", followers) != 0 ||
        set_new(c, author, "verified", json_boolean(verified)) != 0)
        return -1;

    /* Only build a URL from parts that are safe in one. */
    if (all_chars(json_string_value(id), is_digit_ch)) {
        if (username && username_len <= 64 && all_chars(username, is_word_ascii))
            snprintf(url, sizeof(url), "https://x.com/%s/status/%s", username, json_string_value(id));
        else
            snprintf(url, sizeof(url), "https://x.com/i/web/status/%s", json_string_value(id));
        if (set_str(c, post, "url", url) != 0)
            return -1;
    }
    return set_str(c, post, "platform", "x");
}

/* ---------------------------------------------------------------------------
 * Mastodon
 * ------------------------------------------------------------------------- */

static int norm_mastodon(rc_nctx_t *c, const json_t *st, const char *where, json_t *post, int depth) {
    static const char *const metric_names[4] = {"favourites_count", "reblogs_count", "replies_count",
                                                "quotes_count"};
    const json_t *reblog = json_object_get(st, "reblog"), *account, *mentions, *tags;
    json_t *author = json_object_get(post, "author"), *id = NULL;
    const char *content, *spoiler, *acct, *name, *url;
    size_t content_len, spoiler_len, acct_len, name_len, url_len;
    char path[64];
    json_int_t followers;
    int r;

    if (reblog && !json_is_null(reblog)) {
        if (!json_is_object(reblog))
            return fail(c, "%s%sreblog: expected an object, got %s", WHERE(where), type_name(reblog));
        /* Mastodon never nests reblogs; a nested one is treated as a plain
         * status rather than followed, so the depth stays bounded. */
        if (depth == 0)
            return norm_mastodon(c, reblog, "reblog", post, 1);
    }

    if ((r = get_id(c, st, where, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s%sid missing", WHERE(where));
    if (set_new(c, post, "id", id) != 0)
        return -1;

    if ((r = get_str(c, st, where, "content", 0, &content, &content_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s%scontent missing", WHERE(where));
    if (get_str(c, st, where, "spoiler_text", RC_SHORT_MAX, &spoiler, &spoiler_len) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%scontent", WHERE(where));
    if (spoiler && spoiler_len > 0) {
        /* "<spoiler>\n\n<content>": joined as one piece of HTML, so the
         * paragraph break comes out like any other. */
        size_t n = spoiler_len + content_len + 8;
        char *both = malloc(n);
        if (!both)
            return fail(c, "out of memory");
        memcpy(both, spoiler, spoiler_len);
        memcpy(both + spoiler_len, "</p><p>", 7);
        memcpy(both + spoiler_len + 7, content, content_len);
        r = set_text(c, post, both, spoiler_len + 7 + content_len, 1, path);
        free(both);
        if (r != 0)
            return -1;
    } else if (set_text(c, post, content, content_len, 1, path) != 0) {
        return -1;
    }

    snprintf(path, sizeof(path), "%s%saccount", WHERE(where));
    if ((r = get_obj(c, st, where, "account", &account)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s missing", path);
    if ((r = get_id(c, account, path, "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "%s.id missing", path);
    if (set_new(c, author, "id", id) != 0)
        return -1;
    if ((r = get_str(c, account, path, "acct", RC_SHORT_MAX, &acct, &acct_len)) < 0)
        return -1;
    if ((r == 0 || acct_len == 0) && (r = get_str(c, account, path, "username", RC_SHORT_MAX, &acct, &acct_len)) < 0)
        return -1;
    if (r == 0 || acct_len == 0)
        return fail(c, "%s.acct missing", path);
    if (acct[0] == '@') {
        acct++;
        acct_len--;
    }
    if (set_strn(c, author, "handle", acct, acct_len) != 0 ||
        get_str(c, account, path, "display_name", RC_SHORT_MAX, &name, &name_len) < 0 ||
        set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        get_count(c, account, path, "followers_count", &followers) < 0 ||
        set_count(c, author, "followers", followers) != 0)
        return -1;

    if (set_created_at(c, post, st, where, "created_at") < 0 || set_lang(c, post, st, where, "language") < 0 ||
        set_opt_id(c, post, "in_reply_to", st, where, "in_reply_to_id") < 0)
        return -1;
    if ((r = get_str(c, st, where, "url", RC_URL_MAX, &url, &url_len)) < 0)
        return -1;
    if ((r == 0 || url_len == 0) && (r = get_str(c, st, where, "uri", RC_URL_MAX, &url, &url_len)) < 0)
        return -1;
    if (r > 0 && url_len > 0 && set_strn(c, post, "url", url, url_len) != 0)
        return -1;

    snprintf(path, sizeof(path), "%s%smentions", WHERE(where));
    if (get_arr(c, st, where, "mentions", &mentions) < 0 ||
        (mentions && list_from_objects(c, post, "mentions", mentions, path, "acct", "username", '@') < 0))
        return -1;
    snprintf(path, sizeof(path), "%s%stags", WHERE(where));
    if (get_arr(c, st, where, "tags", &tags) < 0 ||
        (tags && list_from_objects(c, post, "hashtags", tags, path, "name", NULL, '#') < 0))
        return -1;

    if (set_metrics(c, post, st, where, metric_names) < 0)
        return -1;
    return set_str(c, post, "platform", "mastodon");
}

/* ---------------------------------------------------------------------------
 * Generic form (ricochet's own; see docs/post-formats.md):
 *
 *   {"platform": "reddit",              optional, default "generic", lower-cased
 *    "id": "t3_abc" | 123,              required
 *    "text": "plain text",              required
 *    "author": {"id", "handle",         one of id/handle required; each
 *               "name", "followers",    defaults to the other
 *               "verified"},
 *    "created_at": "RFC 3339",          optional, default ingestion time
 *    "lang", "url", "in_reply_to",      optional
 *    "conversation_id",
 *    "mentions": ["a"], "hashtags": ["b"],   optional, else from the text
 *    "metrics": {"likes","reposts","replies","quotes"}}   optional
 * ------------------------------------------------------------------------- */

static int is_platform_ch(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
}

static int norm_generic(rc_nctx_t *c, const json_t *root, json_t *post) {
    static const char *const metric_names[4] = {"likes", "reposts", "replies", "quotes"};
    const json_t *author_in, *metrics, *mentions, *hashtags;
    json_t *author = json_object_get(post, "author"), *id = NULL;
    const char *platform, *text, *handle, *name, *url;
    size_t platform_len, text_len, handle_len = 0, name_len, url_len;
    char pbuf[RC_PLATFORM_MAX + 1];
    json_int_t followers;
    int r, verified;

    if ((r = get_str(c, root, "", "platform", RC_PLATFORM_MAX, &platform, &platform_len)) < 0)
        return -1;
    if (r == 0) {
        platform = "generic";
        platform_len = strlen(platform);
    }
    for (size_t i = 0; i < platform_len; i++)
        pbuf[i] = (char)(platform[i] >= 'A' && platform[i] <= 'Z' ? platform[i] - 'A' + 'a' : platform[i]);
    pbuf[platform_len] = '\0';
    if (platform_len == 0 || strlen(pbuf) != platform_len || !all_chars(pbuf, is_platform_ch))
        return fail(c, "platform: must be 1-%d characters of a-z, 0-9, '.', '_', '-'", RC_PLATFORM_MAX);
    if (set_str(c, post, "platform", pbuf) != 0)
        return -1;

    if ((r = get_id(c, root, "", "id", &id)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "id missing");
    if (set_new(c, post, "id", id) != 0)
        return -1;

    if ((r = get_str(c, root, "", "text", 0, &text, &text_len)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "text missing");
    if (set_text(c, post, text, text_len, 0, "text") != 0)
        return -1;

    if ((r = get_obj(c, root, "", "author", &author_in)) < 0)
        return -1;
    if (r == 0)
        return fail(c, "author missing");
    if ((r = get_id(c, author_in, "author", "id", &id)) < 0 ||
        get_str(c, author_in, "author", "handle", RC_SHORT_MAX, &handle, &handle_len) < 0) {
        json_decref(id);
        return -1;
    }
    if (handle && handle_len > 0 && handle[0] == '@') {
        handle++;
        handle_len--;
    }
    if (!handle || handle_len == 0)
        handle = NULL;
    if (!id && !handle)
        return fail(c, "author.id and author.handle both missing (one is required)");
    /* Either stands in for the other: the Post needs both. */
    if (!id)
        id = json_stringn(handle, handle_len);
    if (set_new(c, author, "id", id) != 0)
        return -1;
    id = json_object_get(author, "id");
    if ((handle ? set_strn(c, author, "handle", handle, handle_len) : set_new(c, author, "handle", json_copy(id))) !=
        0)
        return -1;
    if (get_str(c, author_in, "author", "name", RC_SHORT_MAX, &name, &name_len) < 0 ||
        set_strn(c, author, "name", name && name_len ? name : NULL, name_len) != 0 ||
        get_count(c, author_in, "author", "followers", &followers) < 0 ||
        set_count(c, author, "followers", followers) != 0 ||
        get_bool(c, author_in, "author", "verified", &verified) < 0 ||
        set_new(c, author, "verified", json_boolean(verified)) != 0)
        return -1;

    if (set_created_at(c, post, root, "", "created_at") < 0 || set_lang(c, post, root, "", "lang") < 0 ||
        set_opt_id(c, post, "in_reply_to", root, "", "in_reply_to") < 0 ||
        set_opt_id(c, post, "conversation_id", root, "", "conversation_id") < 0)
        return -1;
    if ((r = get_str(c, root, "", "url", RC_URL_MAX, &url, &url_len)) < 0 ||
        (r > 0 && url_len > 0 && set_strn(c, post, "url", url, url_len) != 0))
        return -1;

    if (get_arr(c, root, "", "mentions", &mentions) < 0 ||
        (mentions && list_from_strings(c, post, "mentions", mentions, '@') != 0) ||
        get_arr(c, root, "", "hashtags", &hashtags) < 0 ||
        (hashtags && list_from_strings(c, post, "hashtags", hashtags, '#') != 0))
        return -1;
    if (get_obj(c, root, "", "metrics", &metrics) < 0 || set_metrics(c, post, metrics, "metrics", metric_names) < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------- */

rc_post_format_t rc_post_detect(const json_t *root) {
    if (!json_is_object(root))
        return RC_FMT_UNKNOWN;
    /* Only X v2 wraps the post in "data". */
    if (json_object_get(root, "data"))
        return RC_FMT_X_V2;
    /* A status always has an account, and content (empty for a reblog). */
    if (json_object_get(root, "account") && (json_object_get(root, "content") || json_object_get(root, "reblog")))
        return RC_FMT_MASTODON;
    /* Anything naming a text, an author or a platform means to be generic;
     * recognising it lets the error say which generic field is missing. */
    if (json_object_get(root, "text") || json_object_get(root, "author") || json_object_get(root, "platform"))
        return RC_FMT_GENERIC;
    return RC_FMT_UNKNOWN;
}

json_t *rc_normalise_json(const json_t *root, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                          size_t errstr_size) {
    rc_nctx_t ctx = {RC_FMT_UNKNOWN, errstr, errstr_size};
    json_t *post = NULL;
    char now[40];
    int r = -1;

    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (fmt_out)
        *fmt_out = RC_FMT_UNKNOWN;
    if (!json_is_object(root)) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "payload is not a JSON object (got %s)", root ? type_name(root) : "nothing");
        return NULL;
    }
    ctx.fmt = rc_post_detect(root);
    if (fmt_out)
        *fmt_out = ctx.fmt;
    if (ctx.fmt == RC_FMT_UNKNOWN) {
        if (errstr && errstr_size) {
            /* Naming a few keys makes a dead letter diagnosable at a glance. */
            size_t off;
            const char *key;
            const json_t *v;
            int k = 0;
            off = (size_t)snprintf(errstr, errstr_size, "unrecognised payload: none of x_v2, mastodon, generic");
            json_object_foreach((json_t *)root, key, v) {
                if (off >= errstr_size)
                    break;
                if (k == 3) {
                    off += (size_t)snprintf(errstr + off, errstr_size - off, ", ...");
                    break;
                }
                off += (size_t)snprintf(errstr + off, errstr_size - off, "%s\"%.32s\"", k ? ", " : " (keys: ", key);
                k++;
            }
            if (k && off < errstr_size)
                snprintf(errstr + off, errstr_size - off, ")");
        }
        return NULL;
    }
    if (!now_rfc3339 || ts_canon(now_rfc3339, strlen(now_rfc3339), now, sizeof(now)) != 0) {
        fail(&ctx, "the ingestion time \"%.40s\" is not an RFC 3339 timestamp", now_rfc3339 ? now_rfc3339 : "(null)");
        return NULL;
    }
    if (!(post = post_new())) {
        fail(&ctx, "out of memory");
        return NULL;
    }
    switch (ctx.fmt) {
    case RC_FMT_X_V2:
        r = norm_x_v2(&ctx, root, post);
        break;
    case RC_FMT_MASTODON:
        r = norm_mastodon(&ctx, root, "", post, 0);
        break;
    default:
        r = norm_generic(&ctx, root, post);
        break;
    }
    if (r == 0)
        r = post_finish(&ctx, post, now);
    if (r != 0) {
        json_decref(post);
        return NULL;
    }
    return post;
}

json_t *rc_normalise(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                     size_t errstr_size) {
    json_error_t jerr;
    json_t *root, *post;

    if (fmt_out)
        *fmt_out = RC_FMT_UNKNOWN;
    if (!buf) {
        buf = "";
        len = 0;
    }
    /* JSON_DECODE_ANY so a bare string or number gets "not a JSON object"
     * rather than a parse error. NUL bytes in strings (\u0000) stay
     * rejected, so every string we copy is a proper C string too. */
    root = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
    if (!root) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "line %d col %d: invalid JSON: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    post = rc_normalise_json(root, now_rfc3339, fmt_out, errstr, errstr_size);
    json_decref(root);
    return post;
}
