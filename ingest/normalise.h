/*
 * Normalisers: turn one raw payload into a Post (schemas/post.avsc).
 *
 * Pure code: no I/O, no globals, so it is unit-tested and fuzzed alone.
 * Recognises the forms registered in normalise.c (X API v2, Mastodon,
 * Bluesky Jetstream, Reddit, the generic form; docs/post-formats.md).
 */
#ifndef RC_NORMALISE_H
#define RC_NORMALISE_H

#include <jansson.h>
#include <stddef.h>

#include "json_fast.h" /* rc_payload_parse(), used by the normalisers and sources */

typedef enum {
    RC_FMT_UNKNOWN = 0,
    RC_FMT_X_V2,
    RC_FMT_MASTODON,
    RC_FMT_GENERIC,
    RC_FMT_BLUESKY, /* a Bluesky Jetstream event */
    RC_FMT_REDDIT,  /* a Reddit listing child (t1 comment, t3 link) */
    RC_FMT_X_ACTIVITY, /* one X Account Activity tweet event (webhook) */
} rc_post_format_t;

/* "x_v2", "mastodon", "generic", "unknown". */
const char *rc_post_format_name(rc_post_format_t fmt);
/* The inverse; RC_FMT_UNKNOWN for an unknown name. */
rc_post_format_t rc_post_format_by_name(const char *name);

/* Which form "root" (borrowed) is, without validating it fully. */
rc_post_format_t rc_post_detect(const json_t *root);

/* Parse "len" bytes of JSON text and normalise. On success returns a new
 * reference to a Post object with exactly the fields of post.avsc (optional
 * ones as JSON null; ingested_at set from "now_rfc3339", borrowed), and
 * *fmt_out (may be NULL) says which form it was. On failure returns NULL
 * with a reason in errstr ("line 1 col 5: invalid JSON", "x_v2: data.id
 * missing", "unrecognised payload: none of x_v2, mastodon, generic"). */
json_t *rc_normalise(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t *fmt_out,
                     char *errstr, size_t errstr_size);

/* Same for an already parsed document (borrowed). */
json_t *rc_normalise_json(const json_t *root, const char *now_rfc3339, rc_post_format_t *fmt_out, char *errstr,
                          size_t errstr_size);


/* The full form: "only" restricts recognition to one form (RC_FMT_UNKNOWN:
 * detect), and when "original_out" is non-NULL it receives the embedded
 * original of a repost normalised as its own Post (a new reference, or NULL
 * when there is none). */
json_t *rc_normalise_ex(const char *buf, size_t len, const char *now_rfc3339, rc_post_format_t only,
                        rc_post_format_t *fmt_out, json_t **original_out, char *errstr, size_t errstr_size);
json_t *rc_normalise_json_ex(const json_t *root, const char *now_rfc3339, rc_post_format_t only,
                             rc_post_format_t *fmt_out, json_t **original_out, char *errstr, size_t errstr_size);


#endif
