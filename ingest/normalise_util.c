/*
 * Shared helpers of the normalisers (see normalise_int.h): typed field
 * getters that say what was wrong and where, setters, timestamps, HTML to
 * plain text, and mention/hashtag extraction. Pure code, no I/O.
 */
#include "normalise_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fail(rc_nctx_t *c, const char *fmt, ...) {
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

const char *type_name(const json_t *v) {
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


/*
 * Field getters. Each returns 1 when the field is present, 0 when it is
 * absent or JSON null (outputs then hold their defaults), and -1 with the
 * reason in the context when it has the wrong type or is out of bounds.
 */

/* *out is borrowed from "obj". "max" 0 means no limit (the caller checks). */
int get_str(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, size_t max, const char **out,
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
int get_id(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_t **out) {
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

int get_count(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_int_t *out) {
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

int get_bool(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, int *out) {
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
int get_typed(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_type type,
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

/* Takes ownership of "v" whatever happens (json_object_set_new does). */
int set_new(rc_nctx_t *c, json_t *obj, const char *key, json_t *v) {
    if (!v || json_object_set_new(obj, key, v) != 0)
        return fail(c, "out of memory setting %s", key);
    return 0;
}

/* Sets a string field from (s, n), or JSON null when s is NULL. */
int set_strn(rc_nctx_t *c, json_t *obj, const char *key, const char *s, size_t n) {
    if (!s)
        return set_new(c, obj, key, json_null());
    return set_new(c, obj, key, json_stringn(s, n));
}

int set_str(rc_nctx_t *c, json_t *obj, const char *key, const char *s) {
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

/* Two decimal digits of "v" (0..99). */
static void put2(char *o, int v) {
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/*
 * Canonicalises an RFC 3339 timestamp ("2026-11-21T08:01:02.345+01:00") to
 * UTC at whole seconds ("2026-11-21T07:01:02Z"). One fixed 20-character
 * form means every consumer can parse it with one strptime pattern and
 * compare timestamps as strings; sub-second precision is of no use to
 * routing. A leap second (:60) becomes :59 for the same reason. Returns 0
 * or -1.
 */
int ts_canon(const char *s, size_t len, char *out, size_t out_size) {
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
    /* Written digit by digit: this runs twice per record (created_at and
     * the ingestion time), and snprintf cost ~3,000 instructions a call. */
    char t[21];
    put2(t, (int)(y / 100));
    put2(t + 2, (int)(y % 100));
    t[4] = '-';
    put2(t + 5, M);
    t[7] = '-';
    put2(t + 8, D);
    t[10] = 'T';
    put2(t + 11, h);
    t[13] = ':';
    put2(t + 14, mi);
    t[16] = ':';
    put2(t + 17, sec);
    t[19] = 'Z';
    t[20] = '\0';
    if (out_size > 0) { /* truncated like snprintf would */
        size_t n = out_size - 1 < 20 ? out_size - 1 : 20;
        memcpy(out, t, n);
        out[n] = '\0';
    }
    return 0;
}

/* Optional created_at: absent leaves the field null (post_finish fills in
 * the ingestion time), malformed is an error. */
int set_created_at(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key) {
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

/* Ends a line in "out": blanks before it are dropped (Mastodon writes
 * "#tag </p>"), then newlines are added until the text ends in "want" of
 * them, so nested blocks (</p></blockquote>) give one blank line, not three.
 * Never writes more than "want" bytes. */
static void line_break(char *out, size_t *o, int want) {
    int have = 0;

    while (*o > 0 && (out[*o - 1] == ' ' || out[*o - 1] == '\t'))
        (*o)--;
    while (have < want && (size_t)have < *o && out[*o - 1 - (size_t)have] == '\n')
        have++;
    while (have++ < want)
        out[(*o)++] = '\n';
}

/* Closing tags of the block elements Mastodon lets through from other
 * servers (4.0+ keeps lists, quotes, headings, code blocks): each ends a
 * paragraph. */
static int block_tag(const char *name, const char *end) {
    static const char *const blocks[] = {"p", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3",
                                         "h4", "h5", "h6", "div"};
    for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++)
        if (tag_is(name, end, blocks[k]))
            return 1;
    return 0;
}

/*
 * Converts "in" to plain text: entities decoded, and with "html" set, tags
 * removed (<br> becomes a newline, </li> ends a line, </p> and the other
 * block ends a blank line between paragraphs; blanks before a line end are
 * dropped) and surrounding whitespace trimmed. Text inside <span
 * class="invisible"> is kept: Mastodon hides the "https://" and the tail of
 * a long link that way, and the plain text wants the whole link. Returns a
 * malloc'd buffer the caller frees (never longer than the input: every
 * rewrite shrinks), or NULL when out of memory. '<' inside a tag's quoted
 * attribute does not end the tag; an unterminated '<' is kept as text.
 */
char *to_plain(const char *in, size_t n, int html, size_t *out_len) {
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
                    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                        o--;
                    out[o++] = '\n';
                } else if (closing && tag_is(name, tend, "li")) {
                    line_break(out, &o, 1);
                } else if (closing && block_tag(name, tend)) {
                    line_break(out, &o, 2);
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

int is_word_ascii(unsigned char ch) {
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
int list_add(rc_nctx_t *c, json_t *arr, const char *s, size_t n, char sigil) {
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
int extract(rc_nctx_t *c, json_t *arr, const char *text, size_t n, char sigil) {
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
int list_from_objects(rc_nctx_t *c, json_t *post, const char *field, const json_t *src, const char *where,
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
int list_from_strings(rc_nctx_t *c, json_t *post, const char *field, const json_t *src, char sigil) {
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
int set_text(rc_nctx_t *c, json_t *post, const char *s, size_t n, int html, const char *path) {
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

int set_count(rc_nctx_t *c, json_t *obj, const char *key, json_int_t v) {
    return set_new(c, obj, key, json_integer(v));
}

/* Reads four counts from "src" (may be NULL) into post.metrics. "names"
 * are the platform's field names for likes, reposts, replies, quotes. */
int set_metrics(rc_nctx_t *c, json_t *post, const json_t *src, const char *where, const char *const names[4]) {
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
int set_lang(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key) {
    const char *s;
    size_t n;
    int r = get_str(c, obj, where, key, RC_LANG_MAX, &s, &n);

    if (r <= 0 || n == 0)
        return r < 0 ? -1 : 0;
    return set_strn(c, post, "lang", s, n);
}

/* Optional id-valued field copied to post[field]; returns like the getters
 * (1 set, 0 absent, -1 error). */
int set_opt_id(rc_nctx_t *c, json_t *post, const char *field, const json_t *obj, const char *where,
                      const char *key) {
    json_t *id;
    int r = get_id(c, obj, where, key, &id);

    if (r <= 0)
        return r;
    return set_new(c, post, field, id) == 0 ? 1 : -1;
}

int all_chars(const char *s, int (*ok)(unsigned char)) {
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!ok((unsigned char)*s))
            return 0;
    return 1;
}

int is_digit_ch(unsigned char ch) {
    return ch >= '0' && ch <= '9';
}

int rc_post_event_valid(const char *event) {
    static const char *const events[] = {"post", "edit", "delete", "repost"};
    for (size_t i = 0; event && i < sizeof(events) / sizeof(events[0]); i++)
        if (strcmp(event, events[i]) == 0)
            return 1;
    return 0;
}
