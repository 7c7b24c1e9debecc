/*
 * Normalisers: one raw payload in, one Post (schemas/post.avsc) out. Each
 * input form is one file under formats/ that fills in an
 * rc_post_format_ops_t; this file holds the registry (the order forms are
 * recognised in), the Post skeleton and what every form shares at the end.
 * See docs/post-formats.md and docs/sources/ for the accepted forms and the
 * field mapping.
 *
 * Pure code: no I/O and no globals, so it is unit-tested and fuzzed on its
 * own (tests/unit/test_normalise.c, tests/fuzz/).
 *
 * Decisions worth knowing (also in docs/post-formats.md):
 *   - event is "post", "edit", "delete" or "repost". A delete carries the
 *     id (and the author when the platform says who), with empty text, so
 *     downstream consumers can act on it like a tombstone.
 *   - A repost is its own record (id and author of the reposter,
 *     repost_of = the original's id, the original's text when known). When
 *     the payload embeds the original (a Mastodon reblog, an X retweet with
 *     includes.tweets), the original is normalised too and handed back
 *     separately, so a complaint first seen through a repost is not lost and
 *     one already seen is only linked.
 *   - Mentions/hashtags the platform did not supply are extracted from the
 *     text; supplied lists are used as given (deduplicated).
 *   - created_at is canonicalised to RFC 3339 UTC at whole seconds
 *     ("2026-11-21T08:01:02Z"); a missing one defaults to the ingestion
 *     time, a malformed one is an error. ingested_at gets the same form.
 */
#include "normalise_int.h"

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Recognition order: the first form whose detect() says yes wins. Forms
 * with a distinctive envelope come before the looser ones (generic last). */
static const rc_post_format_ops_t *const rc_formats[] = {
    &rc_format_x_v2,
    &rc_format_x_activity,
    &rc_format_mastodon,
    &rc_format_bluesky,
    &rc_format_reddit,
    &rc_format_generic,
};
#define RC_N_FORMATS (sizeof(rc_formats) / sizeof(rc_formats[0]))

static const rc_post_format_ops_t *rc_format_find(rc_post_format_t fmt) {
    for (size_t i = 0; i < RC_N_FORMATS; i++)
        if (rc_formats[i]->fmt == fmt)
            return rc_formats[i];
    return NULL;
}

const char *rc_post_format_name(rc_post_format_t fmt) {
    const rc_post_format_ops_t *ops = rc_format_find(fmt);
    return ops ? ops->name : "unknown";
}

rc_post_format_t rc_post_format_by_name(const char *name) {
    for (size_t i = 0; name && i < RC_N_FORMATS; i++)
        if (strcmp(rc_formats[i]->name, name) == 0)
            return rc_formats[i]->fmt;
    return RC_FMT_UNKNOWN;
}

/* ---------------------------------------------------------------------------
 * The Post skeleton
 * ------------------------------------------------------------------------- */

/* Every field of post.avsc, in schema order, with its default. Required
 * strings start as null and post_finish() checks they were set; mentions
 * and hashtags start as null meaning "not supplied, extract from text".
 *
 * Built field by field rather than with json_pack(): this runs once per
 * record, and json_pack parses its format string on every call (it was
 * ~23,000 instructions of the ~180,000 a record cost). The keys are
 * literals, so the _nocheck setters skip the UTF-8 check. */
static int post_field(json_t *obj, const char *key, json_t *v) {
    return json_object_set_new_nocheck(obj, key, v);
}

json_t *rc_post_new(void) {
    json_t *post = json_object(), *author = json_object(), *metrics = json_object();
    int bad = !post || !author || !metrics;

    bad = bad || post_field(author, "id", json_null()) || post_field(author, "handle", json_null()) ||
          post_field(author, "name", json_null()) || post_field(author, "followers", json_integer(0)) ||
          post_field(author, "verified", json_false());
    bad = bad || post_field(metrics, "likes", json_integer(0)) || post_field(metrics, "reposts", json_integer(0)) ||
          post_field(metrics, "replies", json_integer(0)) || post_field(metrics, "quotes", json_integer(0));
    bad = bad || post_field(post, "id", json_null()) || post_field(post, "platform", json_null()) ||
          post_field(post, "author", json_incref(author)) || post_field(post, "text", json_null()) ||
          post_field(post, "created_at", json_null()) || post_field(post, "lang", json_null()) ||
          post_field(post, "url", json_null()) || post_field(post, "in_reply_to", json_null()) ||
          post_field(post, "conversation_id", json_null()) || post_field(post, "mentions", json_null()) ||
          post_field(post, "hashtags", json_null()) || post_field(post, "metrics", json_incref(metrics)) ||
          post_field(post, "source_format", json_null()) || post_field(post, "ingested_at", json_null()) ||
          post_field(post, "event", json_string_nocheck("post")) || post_field(post, "repost_of", json_null()) ||
          post_field(post, "quote_of", json_null()) || post_field(post, "edit_of", json_null());
    json_decref(author);
    json_decref(metrics);
    if (bad) {
        json_decref(post);
        return NULL;
    }
    return post;
}

/* Fills what every form shares and checks the required fields were set. */
static int post_finish(rc_nctx_t *c, json_t *post) {
    json_t *text = json_object_get(post, "text"), *author = json_object_get(post, "author");
    json_t *arr;
    const char *event = json_string_value(json_object_get(post, "event"));

    /* A delete names the post; the platform may not say who wrote it or
     * what it said any more. */
    if (event && strcmp(event, "delete") == 0) {
        if (!json_is_string(text) && set_str(c, post, "text", "") != 0)
            return -1;
        if (!json_is_string(json_object_get(author, "id")) && set_str(c, author, "id", "") != 0)
            return -1;
        if (!json_is_string(json_object_get(author, "handle")) &&
            set_new(c, author, "handle", json_copy(json_object_get(author, "id"))) != 0)
            return -1;
        text = json_object_get(post, "text");
    }
    if (!json_is_string(json_object_get(post, "id")) || !json_is_string(json_object_get(post, "platform")) ||
        !json_is_string(text) || !json_is_string(json_object_get(author, "id")) ||
        !json_is_string(json_object_get(author, "handle")))
        return fail(c, "internal error: a required Post field was not set");
    if (json_is_null(json_object_get(post, "created_at")) && set_str(c, post, "created_at", c->now) != 0)
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
        set_str(c, post, "ingested_at", c->now) != 0)
        return -1;
    return 0;
}

int rc_post_embed_original(rc_nctx_t *c, const rc_post_format_ops_t *ops, const json_t *root) {
    /* The original gets its own context: its errors must not overwrite the
     * repost's, and it cannot itself embed another. */
    char err[8];
    rc_nctx_t sub = {c->fmt, err, sizeof(err), c->now, NULL};
    json_t *post = rc_post_new();

    if (!post)
        return 0;
    if (ops->normalise(&sub, root, post) != 0 || post_finish(&sub, post) != 0 || sub.original) {
        json_decref(sub.original);
        json_decref(post);
        return 0;
    }
    json_decref(c->original);
    c->original = post;
    return 0;
}

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
            /* The checked setter: keys must be valid UTF-8, as jansson's
             * parser requires; a repeated key keeps its first place and
             * takes the last value, as there. */
            r = v ? json_object_setn_new(c, ks, kn, v) : -1;
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
            v = json_stringn(s, n);
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
 * Entry points
 * ------------------------------------------------------------------------- */

rc_post_format_t rc_post_detect(const json_t *root) {
    if (!json_is_object(root))
        return RC_FMT_UNKNOWN;
    for (size_t i = 0; i < RC_N_FORMATS; i++)
        if (rc_formats[i]->detect(root))
            return rc_formats[i]->fmt;
    return RC_FMT_UNKNOWN;
}

/* "unrecognised payload: none of x_v2, ... (keys: "a", "b", ...)": naming
 * a few keys makes a dead letter diagnosable at a glance. */
static void unrecognised(const json_t *root, char *errstr, size_t errstr_size) {
    size_t off;
    const char *key;
    const json_t *v;
    int k = 0;

    off = (size_t)snprintf(errstr, errstr_size, "unrecognised payload: none of");
    for (size_t i = 0; i < RC_N_FORMATS && off < errstr_size; i++)
        off += (size_t)snprintf(errstr + off, errstr_size - off, "%s %s", i ? "," : "", rc_formats[i]->name);
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

json_t *rc_normalise_json_ex(const json_t *root, const char *now_rfc3339, rc_post_format_t only,
                             rc_post_format_t *fmt_out, json_t **original_out, char *errstr, size_t errstr_size) {
    rc_nctx_t ctx = {RC_FMT_UNKNOWN, errstr, errstr_size, NULL, NULL};
    const rc_post_format_ops_t *ops = NULL;
    json_t *post = NULL;
    char now[40];
    int r = -1;

    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (fmt_out)
        *fmt_out = RC_FMT_UNKNOWN;
    if (original_out)
        *original_out = NULL;
    if (!json_is_object(root)) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "payload is not a JSON object (got %s)", root ? type_name(root) : "nothing");
        return NULL;
    }
    if (only != RC_FMT_UNKNOWN) {
        ops = rc_format_find(only);
    } else {
        for (size_t i = 0; i < RC_N_FORMATS && !ops; i++)
            if (rc_formats[i]->detect(root))
                ops = rc_formats[i];
    }
    if (!ops) {
        if (errstr && errstr_size)
            unrecognised(root, errstr, errstr_size);
        return NULL;
    }
    ctx.fmt = ops->fmt;
    if (fmt_out)
        *fmt_out = ctx.fmt;
    if (!now_rfc3339 || ts_canon(now_rfc3339, strlen(now_rfc3339), now, sizeof(now)) != 0) {
        fail(&ctx, "the ingestion time \"%.40s\" is not an RFC 3339 timestamp", now_rfc3339 ? now_rfc3339 : "(null)");
        return NULL;
    }
    ctx.now = now;
    if (!(post = rc_post_new())) {
        fail(&ctx, "out of memory");
        return NULL;
    }
    r = ops->normalise(&ctx, root, post);
    if (r == 0)
        r = post_finish(&ctx, post);
    if (r != 0) {
        json_decref(ctx.original);
        json_decref(post);
        return NULL;
    }
    if (original_out)
        *original_out = ctx.original;
    else
        json_decref(ctx.original);
    return post;
}

json_t *rc_normalise_json(const json_t *root, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                          size_t errstr_size) {
    return rc_normalise_json_ex(root, now_rfc3339, RC_FMT_UNKNOWN, fmt_out, NULL, errstr, errstr_size);
}

json_t *rc_normalise_ex(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t only,
                        rc_post_format_t *fmt_out, json_t **original_out, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *root, *post;

    if (fmt_out)
        *fmt_out = RC_FMT_UNKNOWN;
    if (original_out)
        *original_out = NULL;
    if (!buf) {
        buf = "";
        len = 0;
    }
    /* JSON_DECODE_ANY so a bare string or number gets "not a JSON object"
     * rather than a parse error. NUL bytes in strings (\u0000) stay
     * rejected, so every string we copy is a proper C string too. */
    root = rc_payload_parse(buf, len, &jerr);
    if (!root) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "line %d col %d: invalid JSON: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    post = rc_normalise_json_ex(root, now_rfc3339, only, fmt_out, original_out, errstr, errstr_size);
    json_decref(root);
    return post;
}

json_t *rc_normalise(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                     size_t errstr_size) {
    return rc_normalise_ex(buf, len, now_rfc3339, RC_FMT_UNKNOWN, fmt_out, NULL, errstr, errstr_size);
}
