/*
 * Normalisers: turn one raw payload into a Post (schemas/post.avsc).
 *
 * Pure code: no I/O, no globals, so it is unit-tested and fuzzed alone.
 * Recognises, in this order:
 *   - X API v2 tweet payload: {"data": {...tweet...}, "includes": {"users": [...]}}
 *   - Mastodon status entity: {"id", "content" (HTML), "account": {...}, ...}
 *   - the generic post form: {"platform", "id", "text", "author": {...}, ...}
 */
#ifndef RC_NORMALISE_H
#define RC_NORMALISE_H

#include <jansson.h>
#include <stddef.h>

typedef enum { RC_FMT_UNKNOWN = 0, RC_FMT_X_V2, RC_FMT_MASTODON, RC_FMT_GENERIC } rc_post_format_t;

/* "x_v2", "mastodon", "generic", "unknown". */
const char *rc_post_format_name(rc_post_format_t fmt);

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

#endif
