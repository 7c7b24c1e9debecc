/*
 * Inside the normalisers: what every per-format file (formats/ files) shares.
 * Not a public interface; only normalise*.c and the files under formats/ include it.
 *
 * The helpers keep short names because format code is dense with them; the
 * macros below give each a prefixed symbol so nothing clashes at link time.
 */
#ifndef RC_NORMALISE_INT_H
#define RC_NORMALISE_INT_H

#include <jansson.h>
#include <stddef.h>

#include "normalise.h"

/* Limits. A post is short; anything far bigger is abuse or a bug upstream,
 * and the limit keeps one bad line from costing megabytes downstream. */
#define RC_TEXT_MAX 65536    /* bytes of plain text */
#define RC_ID_MAX 256        /* bytes of an id */
#define RC_SHORT_MAX 1024    /* handle, name, other short strings */
#define RC_LANG_MAX 35       /* longest sensible BCP 47 tag */
#define RC_URL_MAX 4096
#define RC_PLATFORM_MAX 32
#define RC_LIST_MAX 256      /* entries kept in mentions / hashtags */
#define RC_LIST_ITEM_MAX 256 /* bytes of one mention / hashtag */

/* Per-call context: which form we are in (prefixes every message), where
 * the reason goes, and the embedded original of a repost (see
 * rc_post_format_ops_t.normalise). */
typedef struct rc_nctx {
    rc_post_format_t fmt;
    char *errstr;
    size_t errstr_size;
    const char *now;    /* canonical ingestion time */
    json_t *original;   /* owned; set by a format that found an embedded original */
} rc_nctx_t;

/* One input form. Formats are tried in registry order (normalise.c); the
 * first whose detect() says yes normalises the payload. */
typedef struct rc_post_format_ops {
    rc_post_format_t fmt;
    const char *name;
    /* Non-zero when "root" (an object) is meant to be this form. Cheap:
     * looks at a few keys only, so a malformed payload of the form is still
     * claimed and gets a precise error. */
    int (*detect)(const json_t *root);
    /* Fill "post" (a skeleton from rc_post_new()) from "root". Returns 0,
     * or -1 after fail(). A repost that embeds the original post may
     * normalise it too (rc_post_new_original()) into c->original. */
    int (*normalise)(rc_nctx_t *c, const json_t *root, json_t *post);
} rc_post_format_ops_t;

extern const rc_post_format_ops_t rc_format_x_v2, rc_format_mastodon, rc_format_generic;
extern const rc_post_format_ops_t rc_format_bluesky;
extern const rc_post_format_ops_t rc_format_reddit;
extern const rc_post_format_ops_t rc_format_x_activity;

#define fail rc_n_fail
#define type_name rc_n_type_name
#define get_str rc_n_get_str
#define get_id rc_n_get_id
#define get_count rc_n_get_count
#define get_bool rc_n_get_bool
#define get_typed rc_n_get_typed
#define set_new rc_n_set_new
#define set_strn rc_n_set_strn
#define set_str rc_n_set_str
#define ts_canon rc_n_ts_canon
#define set_created_at rc_n_set_created_at
#define to_plain rc_n_to_plain
#define is_word_ascii rc_n_is_word_ascii
#define extract rc_n_extract
#define list_add rc_n_list_add
#define list_from_objects rc_n_list_from_objects
#define list_from_strings rc_n_list_from_strings
#define set_text rc_n_set_text
#define set_count rc_n_set_count
#define set_metrics rc_n_set_metrics
#define set_lang rc_n_set_lang
#define set_opt_id rc_n_set_opt_id
#define all_chars rc_n_all_chars
#define is_digit_ch rc_n_is_digit_ch

/* Writes "<form>: <message>" into the context and returns -1, so callers
 * can "return fail(...)". */
int fail(rc_nctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "an object", "a string", ... for messages. */
const char *type_name(const json_t *v);

/* Field paths in messages read like "data.public_metrics.like_count". */
#define WHERE(w) (w), (*(w) ? "." : "")

/*
 * Field getters. Each returns 1 when the field is present, 0 when it is
 * absent or JSON null (outputs then hold their defaults), and -1 with the
 * reason in the context when it has the wrong type or is out of bounds.
 */
/* *out is borrowed from "obj". "max" 0 means no limit (the caller checks). */
int get_str(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, size_t max, const char **out,
            size_t *len_out);
/* A string or integer id; *out is a new string reference (caller owns). */
int get_id(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_t **out);
/* A non-negative integer count. */
int get_count(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_int_t *out);
int get_bool(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, int *out);
/* A value of JSON type "type"; *out borrowed. */
int get_typed(rc_nctx_t *c, const json_t *obj, const char *where, const char *key, json_type type,
              const json_t **out);
#define get_obj(c, o, w, k, out) get_typed((c), (o), (w), (k), JSON_OBJECT, (out))
#define get_arr(c, o, w, k, out) get_typed((c), (o), (w), (k), JSON_ARRAY, (out))

/* Setters: 0, or -1 after fail(). set_new steals "v" (also on failure). */
int set_new(rc_nctx_t *c, json_t *obj, const char *key, json_t *v);
int set_strn(rc_nctx_t *c, json_t *obj, const char *key, const char *s, size_t n); /* s NULL: JSON null */
int set_str(rc_nctx_t *c, json_t *obj, const char *key, const char *s);
int set_count(rc_nctx_t *c, json_t *obj, const char *key, json_int_t v);

/* RFC 3339 (any offset, optional fraction) to "YYYY-MM-DDThh:mm:ssZ" UTC.
 * 0, or -1 when malformed. */
int ts_canon(const char *s, size_t len, char *out, size_t out_size);
/* Optional created_at from obj[key], canonicalised: 1 set, 0 absent, -1 error. */
int set_created_at(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key);
/* Plain text from "n" bytes (HTML tags removed and entities decoded when
 * "html"; else only &amp; &lt; &gt; decoded). Returns malloc'd text (caller
 * frees) with its length in *out_len, or NULL when out of memory. */
char *to_plain(const char *in, size_t n, int html, size_t *out_len);
/* post.text from "s": plain text, UTF-8 checked, length-limited. */
int set_text(rc_nctx_t *c, json_t *post, const char *s, size_t n, int html, const char *path);

/* Mentions/hashtags: extract from text with sigil '@' or '#' into "arr";
 * or post[field] from a list of objects (obj[key], else obj[alt]) or of
 * strings, deduplicated and limited. */
int extract(rc_nctx_t *c, json_t *arr, const char *text, size_t n, char sigil);
int list_from_objects(rc_nctx_t *c, json_t *post, const char *field, const json_t *src, const char *where,
                      const char *key, const char *alt, char sigil);
int list_from_strings(rc_nctx_t *c, json_t *post, const char *field, const json_t *src, char sigil);
/* Appends (s, n) to "arr" (a leading sigil removed) unless empty, too long,
 * already there (ASCII case-insensitively: @SWA and @swa are one account)
 * or the list is full. */
int list_add(rc_nctx_t *c, json_t *arr, const char *s, size_t n, char sigil);

/* post.metrics from four of the platform's count fields (likes, reposts,
 * replies, quotes) of "src" (may be NULL). */
int set_metrics(rc_nctx_t *c, json_t *post, const json_t *src, const char *where, const char *const names[4]);
/* Optional lang tag; empty means none. */
int set_lang(rc_nctx_t *c, json_t *post, const json_t *obj, const char *where, const char *key);
/* Optional id-valued obj[key] copied to post[field]: 1 set, 0 absent, -1 error. */
int set_opt_id(rc_nctx_t *c, json_t *post, const char *field, const json_t *obj, const char *where,
               const char *key);

int all_chars(const char *s, int (*ok)(unsigned char)); /* non-empty and every char ok */
int is_digit_ch(unsigned char ch);
int is_word_ascii(unsigned char ch);

/* Non-zero for "post", "edit", "delete", "repost" (post.event). */
int rc_post_event_valid(const char *event);

/* A fresh Post skeleton (every field of post.avsc at its default). */
json_t *rc_post_new(void);
/* Normalise "root" as format "ops" into a new Post for an embedded
 * original (a reblogged status, a retweeted tweet) and keep it in
 * c->original; failure to read the original is not an error of the repost
 * (returns 0 and keeps nothing). */
int rc_post_embed_original(rc_nctx_t *c, const rc_post_format_ops_t *ops, const json_t *root);

#endif
