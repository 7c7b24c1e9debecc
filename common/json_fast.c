/*
 * Fast JSON for the workers' hot paths: a parser that builds jansson's tree
 * from jsmn's tokens (json_fast.h), and a compact writer that produces
 * json_dumps()'s bytes without its per-piece callbacks.
 */
#include "json_fast.h"

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---------------------------------------------------------------------------
 * Parsing the payload
 * ------------------------------------------------------------------------- */

/*
 * jansson's parser reads a payload a byte at a time through its stream and
 * string buffers: ~90,000 instructions for a 530-byte X v2 payload, over
 * half of what ingest spends on a record. The fast path below tokenizes
 * with jsmn (libjsmn-dev: no allocation, a few instructions a byte) and
 * builds the same jansson tree from the tokens with jansson's own
 * constructors, which also do the UTF-8 checks.
 *
 * It only ever answers for payloads jansson would accept, with the tree
 * jansson would build: jsmn is lenient in places (it does not check the
 * separators between tokens, nor the spelling of true/false/null and
 * numbers, and stops at a NUL byte), so every byte between tokens is
 * checked here against the grammar, every primitive is checked in full,
 * and anything unusual (a control character or \u0000 in a string, a lone
 * surrogate, an integer of more than 18 digits, a real that overflows or
 * underflows, deep nesting, a top-level value that is not an object, more
 * tokens than fit) gives up and leaves the payload to json_loadb, which
 * then builds it or reports the error exactly as before.
 * tests/unit/test_payload_parse.c pins the equivalence.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#define RC_FAST_TOKENS 512 /* on the stack; bigger payloads count first */
#define RC_FAST_MAX_DEPTH 64

typedef struct {
    const char *js;
    size_t len;
    const jsmntok_t *tok;
    int ntok;
    int next; /* the next token to build */
} rc_fast_t;

static int fast_ws(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int fast_digit(char ch) {
    return ch >= '0' && ch <= '9';
}

/* Where a token's text begins and ends, quotes of a string included. */
static size_t fast_begin(const jsmntok_t *t) {
    return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t fast_end(const jsmntok_t *t) {
    return (size_t)t->end + (t->type == JSMN_STRING);
}

/* Skips whitespace from "pos", then expects "sep" (0: nothing) and more
 * whitespace; returns the position after, or (size_t)-1. */
static size_t fast_gap(const rc_fast_t *f, size_t pos, char sep) {
    while (pos < f->len && fast_ws(f->js[pos]))
        pos++;
    if (!sep)
        return pos;
    if (pos >= f->len || f->js[pos] != sep)
        return (size_t)-1;
    pos++;
    while (pos < f->len && fast_ws(f->js[pos]))
        pos++;
    return pos;
}

static int fast_hex4(const char *p, unsigned long *out) {
    unsigned long v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (unsigned long)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (unsigned long)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (unsigned long)(ch - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/*
 * The text of string token "t", unescaped. Returns 1 with (*s, *n) pointing
 * into the payload when there is nothing to unescape, 2 with them in "buf"
 * (malloc'd, the caller frees) when there was, 0 to give up. UTF-8 is
 * checked by the jansson call the text is handed to.
 */
static int fast_string(const rc_fast_t *f, const jsmntok_t *t, const char **s, size_t *n, char **buf) {
    const unsigned char *p = (const unsigned char *)f->js + t->start, *end = (const unsigned char *)f->js + t->end;
    const unsigned char *q;
    char *o;

    for (q = p; q < end && *q != '\\'; q++)
        if (*q < 0x20)
            return 0;
    if (q == end) {
        *s = (const char *)p;
        *n = (size_t)(end - p);
        return 1;
    }
    /* Unescaping never lengthens: "\uXXXX" is 6 bytes for at most 3 of
     * UTF-8, a surrogate pair 12 for 4. */
    if (!(o = *buf = malloc((size_t)(end - p) + 1)))
        return 0;
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    while (q < end) {
        unsigned long cp, lo;
        if (*q < 0x20)
            return 0;
        if (*q != '\\') {
            *o++ = (char)*q++;
            continue;
        }
        if (end - q < 2)
            return 0;
        switch (q[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (end - q < 6 || fast_hex4((const char *)q + 2, &cp))
                return 0;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* A high surrogate needs its low half next. */
                if (end - q < 12 || q[6] != '\\' || q[7] != 'u' || fast_hex4((const char *)q + 8, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return 0;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                q += 6;
            } else if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
                return 0;
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xE0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xF0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            q += 4;
            break;
        default: return 0;
        }
        q += 2;
    }
    *s = *buf;
    *n = (size_t)(o - *buf);
    return 2;
}

/* true, false, null or a number, spelled exactly as JSON says. */
static json_t *fast_primitive(const rc_fast_t *f, const jsmntok_t *t) {
    const char *p = f->js + t->start, *end = f->js + t->end;
    size_t n = (size_t)(end - p);
    const char *d;
    int real = 0;

    if (n == 4 && !memcmp(p, "true", 4))
        return json_true();
    if (n == 5 && !memcmp(p, "false", 5))
        return json_false();
    if (n == 4 && !memcmp(p, "null", 4))
        return json_null();
    /* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    d = p + (p < end && *p == '-');
    if (d >= end || !fast_digit(*d))
        return NULL;
    if (*d == '0')
        d++;
    else
        while (d < end && fast_digit(*d))
            d++;
    if (d < end && *d == '.') {
        const char *fs = ++d;
        while (d < end && fast_digit(*d))
            d++;
        if (d == fs)
            return NULL;
        real = 1;
    }
    if (d < end && (*d == 'e' || *d == 'E')) {
        const char *es;
        d++;
        if (d < end && (*d == '+' || *d == '-'))
            d++;
        es = d;
        while (d < end && fast_digit(*d))
            d++;
        if (d == es)
            return NULL;
        real = 1;
    }
    if (d != end)
        return NULL;
    if (!real) {
        /* 18 digits always fit in a json_int_t; longer ones are left to
         * jansson, which knows when they overflow. */
        json_int_t v = 0;
        const char *q = p + (*p == '-');
        if (end - q > 18)
            return NULL;
        for (; q < end; q++)
            v = v * 10 + (*q - '0');
        return json_integer(*p == '-' ? -v : v);
    } else {
        /* jansson reads reals with strtod in the "C" locale's format;
         * strtod here agrees while the locale's radix is '.'.
         * nl_langinfo, unlike localeconv, is safe on ingest.threads. */
        char tmp[64], *te;
        double v;
        if (n >= sizeof(tmp) || strcmp(nl_langinfo(RADIXCHAR), "."))
            return NULL;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        errno = 0;
        v = strtod(tmp, &te);
        if (errno || te != tmp + n || !isfinite(v))
            return NULL;
        return json_real(v);
    }
}

static json_t *fast_value(rc_fast_t *f, int depth);

/* The members of the container token "t" (f->next is its first child),
 * checking the separators between them; NULL to give up. */
static json_t *fast_container(rc_fast_t *f, const jsmntok_t *t, int depth) {
    int obj = t->type == JSMN_OBJECT;
    json_t *c = obj ? json_object() : json_array();
    size_t pos = (size_t)t->start + 1;

    if (!c || depth > RC_FAST_MAX_DEPTH)
        goto fail;
    for (int i = 0; i < t->size; i++) {
        const jsmntok_t *k = NULL;
        json_t *v;
        if ((pos = fast_gap(f, pos, i ? ',' : 0)) == (size_t)-1 || f->next >= f->ntok)
            goto fail;
        if (obj) {
            const char *ks;
            size_t kn;
            char *kbuf = NULL;
            int r;
            k = &f->tok[f->next];
            if (k->type != JSMN_STRING || k->size != 1 || fast_begin(k) != pos)
                goto fail;
            r = fast_string(f, k, &ks, &kn, &kbuf);
            f->next++;
            pos = fast_gap(f, fast_end(k), ':');
            if (!r || pos == (size_t)-1 || f->next >= f->ntok || fast_begin(&f->tok[f->next]) != pos) {
                free(kbuf);
                goto fail;
            }
            pos = fast_end(&f->tok[f->next]);
            v = fast_value(f, depth + 1);
            /* Keys must be valid UTF-8, as jansson's parser requires (its
             * check only for keys that are not plain ASCII); a repeated key
             * keeps its first place and takes the last value, as there. */
            if (!v)
                r = -1;
            else if (rc_ascii_only(ks, kn))
                r = json_object_setn_new_nocheck(c, ks, kn, v);
            else
                r = json_object_setn_new(c, ks, kn, v);
            free(kbuf);
            if (r)
                goto fail;
        } else {
            if (fast_begin(&f->tok[f->next]) != pos)
                goto fail;
            pos = fast_end(&f->tok[f->next]);
            if (!(v = fast_value(f, depth + 1)) || json_array_append_new(c, v))
                goto fail;
        }
    }
    if (fast_gap(f, pos, 0) != (size_t)t->end - 1)
        goto fail;
    return c;
fail:
    json_decref(c);
    return NULL;
}

/* Builds the value of token f->next (and its children), moving past them. */
static json_t *fast_value(rc_fast_t *f, int depth) {
    const jsmntok_t *t = &f->tok[f->next++];

    switch (t->type) {
    case JSMN_OBJECT:
    case JSMN_ARRAY: return fast_container(f, t, depth);
    case JSMN_STRING: {
        const char *s;
        size_t n;
        char *buf = NULL;
        json_t *v = NULL;
        if (t->size == 0 && fast_string(f, t, &s, &n, &buf))
            v = rc_ascii_only(s, n) ? json_stringn_nocheck(s, n) : json_stringn(s, n);
        free(buf);
        return v;
    }
    case JSMN_PRIMITIVE: return t->size == 0 ? fast_primitive(f, t) : NULL;
    default: return NULL;
    }
}

/* The fast path: the payload's tree, or NULL when it gave up (then
 * json_loadb decides). */
json_t *rc_payload_parse_fast(const char *buf, size_t len) {
    jsmntok_t stack[RC_FAST_TOKENS], *tok = stack;
    jsmn_parser p;
    rc_fast_t f = {buf, len, NULL, 0, 0};
    json_t *root = NULL;
    int n;

    if (len > (size_t)INT32_MAX / 2)
        return NULL;
    jsmn_init(&p);
    n = jsmn_parse(&p, buf, len, tok, RC_FAST_TOKENS);
    if (n == JSMN_ERROR_NOMEM) {
        /* Count first, then parse into a buffer that fits. */
        jsmn_init(&p);
        n = jsmn_parse(&p, buf, len, NULL, 0);
        if (n <= 0 || !(tok = malloc((size_t)n * sizeof(*tok))))
            return NULL;
        jsmn_init(&p);
        n = jsmn_parse(&p, buf, len, tok, (unsigned)n);
    }
    if (n < 1 || tok[0].type != JSMN_OBJECT)
        goto out;
    f.tok = tok;
    f.ntok = n;
    /* Nothing but whitespace around the one top-level value. */
    if (fast_gap(&f, 0, 0) != (size_t)tok[0].start)
        goto out;
    root = fast_value(&f, 0);
    if (root && (f.next != n || fast_gap(&f, (size_t)tok[0].end, 0) != len)) {
        json_decref(root);
        root = NULL;
    }
out:
    if (tok != stack)
        free(tok);
    return root;
}

/* Parses a payload as json_loadb(buf, len, JSON_DECODE_ANY, jerr) does. */
json_t *rc_payload_parse(const char *buf, size_t len, json_error_t *jerr) {
    json_t *root = rc_payload_parse_fast(buf, len);
    return root ? root : json_loadb(buf, len, JSON_DECODE_ANY, jerr);
}

/* ---------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------- */

/*
 * The bytes are json_dumps()'s with JSON_COMPACT: '"', '\\' and control
 * characters escaped (\b \f \n \r \t by name, others as \u00XX in capitals),
 * everything else, '/' and non-ASCII included, as it is; integers in
 * decimal; reals as "%.<precision>g" with ".0" added when that reads as an
 * integer and the exponent's '+' and leading zeros dropped (jansson's
 * jsonp_dtostr). Strings are checked as UTF-8 as jansson's writer does,
 * since a json_string_nocheck() may hold anything.
 */

#define RC_DUMP_MAX_DEPTH 2048

static int jb_reserve(rc_jbuf_t *b, size_t more) {
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *nb = realloc(b->buf, cap);
    if (!nb)
        return -1;
    b->buf = nb;
    b->cap = cap;
    return 0;
}

static int jb_put(rc_jbuf_t *b, const char *s, size_t n) {
    if (jb_reserve(b, n))
        return -1;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return 0;
}

/* The length of the non-ASCII character at "p" if it is valid UTF-8 as
 * jansson's utf8_check_* reads it (no overlong forms, no surrogates,
 * nothing past U+10FFFF), else 0. */
static size_t dump_utf8_len(const unsigned char *p, const unsigned char *end) {
    uint32_t cp;
    size_t n = rc_utf8_decode(p, end, &cp);
    if (n < 2 || (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int dump_string(rc_jbuf_t *b, const char *str, size_t len) {
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)str, *end = p + len;
    /* Worst case: every byte a 6-byte \u00XX, plus the quotes. */
    if (len > (SIZE_MAX - 2) / 6 || jb_reserve(b, 6 * len + 2))
        return -1;
    char *o = b->buf + b->len;
    *o++ = '"';
    while (p < end) {
        /* Eight plain bytes at a time: none below 0x20, none '"' or '\\',
         * none from 0x80 (the classic "has a zero byte" tests). */
        while (end - p >= 8) {
            uint64_t w, q, bs;
            memcpy(&w, p, 8);
            q = w ^ 0x2222222222222222ULL;
            bs = w ^ 0x5C5C5C5C5C5C5C5CULL;
            if (((w - 0x2020202020202020ULL) | (q - 0x0101010101010101ULL) | (bs - 0x0101010101010101ULL) | w) &
                0x8080808080808080ULL)
                break;
            memcpy(o, p, 8);
            o += 8;
            p += 8;
        }
        if (p == end)
            break;
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *o++ = (char)c;
            p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = dump_utf8_len(p, end);
            if (n == 0)
                return -1;
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        p++;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->buf);
    return 0;
}

static int dump_integer(rc_jbuf_t *b, json_int_t v) {
    char tmp[24], *e = tmp + sizeof(tmp), *s = e;
    /* Through unsigned, so the most negative value negates too. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--s = '-';
    return jb_put(b, s, (size_t)(e - s));
}

static int dump_real(rc_jbuf_t *b, double v, int precision) {
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp) - 3, "%.*g", precision ? precision : 17, v);
    if (n < 0 || (size_t)n >= sizeof(tmp) - 3)
        return -1;
    /* The locale's radix character, if not '.', becomes '.'. */
    for (int i = 0; i < n; i++)
        if (tmp[i] != '-' && tmp[i] != '+' && tmp[i] != 'e' && (tmp[i] < '0' || tmp[i] > '9'))
            tmp[i] = '.';
    if (!memchr(tmp, '.', (size_t)n) && !memchr(tmp, 'e', (size_t)n)) {
        tmp[n++] = '.';
        tmp[n++] = '0';
    }
    char *e = memchr(tmp, 'e', (size_t)n);
    if (e) {
        char *start = e + 1, *digits;
        if (*start == '-')
            start++;
        digits = e + 2; /* after the sign, or after the first digit when there is none */
        while (digits < tmp + n && *digits == '0')
            digits++;
        if (digits != start) {
            memmove(start, digits, (size_t)(tmp + n - digits));
            n -= (int)(digits - start);
        }
    }
    return jb_put(b, tmp, (size_t)n);
}

static int dump_value(rc_jbuf_t *b, const json_t *j, int prec, int depth) {
    if (depth > RC_DUMP_MAX_DEPTH)
        return -1;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        int first = 1;
        if (jb_put(b, "{", 1))
            return -1;
        for (void *it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it)) {
            if ((!first && jb_put(b, ",", 1)) ||
                dump_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) || jb_put(b, ":", 1) ||
                dump_value(b, json_object_iter_value(it), prec, depth + 1))
                return -1;
            first = 0;
        }
        return jb_put(b, "}", 1);
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (jb_put(b, "[", 1))
            return -1;
        for (size_t i = 0; i < n; i++) {
            if ((i && jb_put(b, ",", 1)) || dump_value(b, json_array_get(j, i), prec, depth + 1))
                return -1;
        }
        return jb_put(b, "]", 1);
    }
    case JSON_STRING: return dump_string(b, json_string_value(j), json_string_length(j));
    case JSON_INTEGER: return dump_integer(b, json_integer_value(j));
    case JSON_REAL: return dump_real(b, json_real_value(j), prec);
    case JSON_TRUE: return jb_put(b, "true", 4);
    case JSON_FALSE: return jb_put(b, "false", 5);
    case JSON_NULL: return jb_put(b, "null", 4);
    }
    return -1;
}

int rc_json_dump_append(rc_jbuf_t *b, const json_t *json, int real_precision) {
    size_t len = b->len;
    if (!json || real_precision < 0 || real_precision > 30)
        return -1;
    if (dump_value(b, json, real_precision, 0)) {
        b->len = len;
        return -1;
    }
    return 0;
}
