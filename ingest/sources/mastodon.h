/*
 * The pure parts of the Mastodon sources (mastodon.c), exposed for unit
 * tests: the timelines a source reads, the cursor (one id per timeline in
 * one JSON object), request URLs, the Link header, and what a streaming
 * event becomes. No I/O.
 */
#ifndef RC_SOURCES_MASTODON_H
#define RC_SOURCES_MASTODON_H

#include <jansson.h>
#include <stddef.h>

/* A polled timeline, or the timeline a stream's gap is filled from. */
typedef enum {
    RC_MTL_TAG,    /* GET /api/v1/timelines/tag/:hashtag */
    RC_MTL_LIST,   /* GET /api/v1/timelines/list/:list_id */
    RC_MTL_NOTIF,  /* GET /api/v1/notifications?types[]=mention */
    RC_MTL_PUBLIC, /* GET /api/v1/timelines/public */
    RC_MTL_HOME,   /* GET /api/v1/timelines/home */
} rc_mastodon_tl_kind_t;

#define RC_MASTODON_ARG_MAX 256

typedef struct rc_mastodon_tl {
    rc_mastodon_tl_kind_t kind;
    char arg[RC_MASTODON_ARG_MAX + 1];  /* hashtag (without '#') or list id; "" otherwise */
    int local, remote;                  /* local=true / remote=true (tag, public) */
    char key[RC_MASTODON_ARG_MAX + 16]; /* its name in the cursor: "tag:<lower-cased tag>",
                                         * "list:<id>", "notif", "public[:local|:remote]", "home" */
} rc_mastodon_tl_t;

/* Fills "tl" for a kind and argument (a leading '#' of a hashtag is
 * dropped). Returns 0, or -1 when the argument is empty or too long. */
int rc_mastodon_tl_init(rc_mastodon_tl_t *tl, rc_mastodon_tl_kind_t kind, const char *arg, int local, int remote);

/* Orders two ids: Mastodon ids are decimal numbers in strings ("cast from
 * an integer but not guaranteed to be a number"), so a longer digit
 * string is larger; equal lengths compare bytewise. <0, 0, >0. */
int rc_mastodon_id_cmp(const char *a, const char *b);

/* The cursor: a JSON object of timeline key -> newest id acknowledged, e.g.
 * {"list:3":"5","notif":"77","tag:foo":"1090"}. Parses "s" (NULL or
 * anything but such an object gives an empty one; *valid, if given, is 0
 * then for a non-NULL "s") keeping only the keys of the "n" timelines and
 * only string ids. Returns a new object (caller owns) or NULL when out of
 * memory. */
json_t *rc_mastodon_cursor_load(const char *s, const rc_mastodon_tl_t *tls, size_t n, int *valid);
/* Sets cur[key] to "id" when it is newer than what is there. Returns 1
 * when it changed, 0 when not, -1 when out of memory. */
int rc_mastodon_cursor_advance(json_t *cur, const char *key, const char *id);
/* The compact form stored in Redis (keys sorted). Caller frees. */
char *rc_mastodon_cursor_dump(const json_t *cur);

/* Percent-encodes "s" for a path segment or a query value (everything but
 * RFC 3986 unreserved characters). Returns the length written, or -1 when
 * "out" is too small. */
int rc_mastodon_escape(char *out, size_t size, const char *s);

/* The URL of one page of a timeline: base (no trailing '/'), the path,
 * limit, and min_id when non-NULL (forward paging from the cursor).
 * Returns 0, or -1 when "out" is too small. */
int rc_mastodon_timeline_url(char *out, size_t size, const char *base, const rc_mastodon_tl_t *tl, const char *min_id,
                             long limit);

/* The streaming URL for "stream" (public, public:local, public:remote,
 * hashtag, hashtag:local, list, user, user:notification) with its tag or
 * list. Returns 0, or -1 for an unknown stream, a missing argument or a
 * short buffer. */
int rc_mastodon_stream_url(char *out, size_t size, const char *base, const char *stream, const char *tag,
                           const char *list);

/* The timelines that cover a stream when it was down (what a reconnect
 * polls from the cursor): up to 2 into "out". Returns how many (0 for a
 * stream without such a timeline), or -1 on a bad stream/argument. */
int rc_mastodon_stream_timelines(const char *stream, const char *tag, const char *list, rc_mastodon_tl_t out[2]);

/* The min_id of the rel="prev" link of a Link header block (response
 * headers), which pages forward: 1 found (into "out"), 0 not. */
int rc_mastodon_link_prev_min_id(const char *headers, char *out, size_t size);

/* What one streaming event asks the source to do. */
typedef enum {
    RC_MEV_IGNORE,    /* nothing (other event types, notifications other than mentions) */
    RC_MEV_SUBMIT,    /* submit "payload"; advance cursor[key] to "id" when both are set */
    RC_MEV_MALFORMED, /* count it; "payload" (when set) still goes to the stage to be dead-lettered */
} rc_mastodon_ev_action_t;

typedef struct rc_mastodon_ev {
    rc_mastodon_ev_action_t action;
    char *payload; /* malloc'd; caller frees */
    size_t payload_len;
    const char *key;                  /* cursor key to advance (borrowed: status_key or "notif"), or NULL */
    char id[RC_MASTODON_ARG_MAX + 1]; /* id to advance it to ("" none) */
    const char *count;                /* event to count ("edit", "delete", "malformed", ...), or NULL */
} rc_mastodon_ev_t;

/* Turns one SSE event (type, data) into an action:
 *   update        -> the status as it came; cursor[status_key] = its id
 *   status.update -> the status with "ricochet_event":"edit" added (the
 *                    mastodon format makes it an edit); no cursor change
 *   delete        -> {"platform":"mastodon","id":"<id>","event":"delete"}
 *   notification  -> a mention's status; cursor["notif"] = the notification id
 * "status_key" is the cursor key of the stream's statuses (NULL: none).
 * Returns 0, or -1 when out of memory. */
int rc_mastodon_stream_event(const char *type, const char *data, size_t len, const char *status_key,
                             rc_mastodon_ev_t *out);

#endif
