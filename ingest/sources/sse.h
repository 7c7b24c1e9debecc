/*
 * An incremental parser for server-sent events (text/event-stream, the
 * WHATWG HTML "event stream" format), as used by Mastodon's streaming API.
 *
 * Pure code: no I/O, no globals. Feed it the bytes of a stream in chunks
 * of any size (an event or a line may be split anywhere, even inside a
 * "\r\n"); it calls back once per complete event, per comment line and per
 * event it had to skip for its size.
 *
 * What it follows from the format:
 *   - lines end with "\r\n", "\n" or "\r";
 *   - "field: value" (one space after the colon is dropped; a line without
 *     a colon is a field with an empty value); fields "event", "data",
 *     "id" and "retry" are used, others ignored;
 *   - several "data" lines are joined with "\n";
 *   - a blank line dispatches the event (none when no "data" came); the
 *     event type defaults to "message"; "id" persists across events;
 *   - a line starting with ':' is a comment (Mastodon's ":thump" heartbeat);
 *   - a leading UTF-8 byte order mark is skipped;
 *   - an event cut off by the end of the stream is never dispatched (the
 *     caller simply stops feeding).
 *
 * Size cap: an event whose data (or any one line) grows beyond "max_event"
 * bytes is not buffered further; its lines are skipped up to the blank line
 * that ends it, and it is reported once as RC_SSE_OVERSIZED. Memory stays
 * bounded by about twice max_event whatever the stream sends.
 *
 * Thread locality: an rc_sse_t is used by one thread.
 */
#ifndef RC_SSE_H
#define RC_SSE_H

#include <stddef.h>

typedef enum {
    RC_SSE_EVENT,     /* a complete event: type, data, last id */
    RC_SSE_COMMENT,   /* a comment line (heartbeat): data is its text after ':' */
    RC_SSE_OVERSIZED, /* an event over max_event was skipped: type as far as known, no data */
} rc_sse_kind_t;

/* What a callback gets. Everything is borrowed and valid during the
 * callback only; the strings are also NUL-terminated at their lengths. */
typedef struct rc_sse_event {
    const char *type; /* "message" unless an "event" field said otherwise */
    size_t type_len;
    const char *data; /* NULL for RC_SSE_OVERSIZED */
    size_t data_len;
    const char *id; /* the last event id seen on this stream ("" when none) */
    size_t id_len;
} rc_sse_event_t;

/* Returns 0 to go on; any other value stops rc_sse_feed() at once, which
 * returns it (the rest of that chunk is not parsed). */
typedef int (*rc_sse_cb)(void *opaque, rc_sse_kind_t kind, const rc_sse_event_t *ev);

typedef struct rc_sse {
    size_t max_event;
    char *line; /* the line being read */
    size_t line_len, line_cap;
    char *data; /* data of the event being read */
    size_t data_len, data_cap;
    int has_data; /* a "data" field came (an empty one counts) */
    char *type;   /* "event" field of the event being read; NULL = "message" */
    size_t type_len;
    char *id; /* last event id */
    size_t id_len;
    long retry_ms;       /* last "retry" field, -1 when none came */
    int line_skip;       /* the current line is over the cap: drop it to its end */
    int line_comment;    /* ... and it is a comment (so it does not spoil the event) */
    int event_oversized; /* the current event is over the cap: skip to its blank line */
    int cr_pending;      /* the last byte was '\r': a following '\n' belongs to it */
    int bom_checked;     /* the start of the stream was looked at for a BOM */
    size_t bom_seen;     /* bytes of a BOM matched so far */
    /* Counters, for tests and metrics. */
    unsigned long events, comments, oversized;
} rc_sse_t;

/* "max_event" bounds one event's data and one line (0 = 1 MiB). */
void rc_sse_init(rc_sse_t *p, size_t max_event);
/* Frees the buffers; the parser may be initialised again. Safe on a zeroed
 * struct. */
void rc_sse_free(rc_sse_t *p);
/* Back to the start of a stream (a new connection): pending lines and the
 * event being read are dropped, the last event id and counters are kept. */
void rc_sse_reset(rc_sse_t *p);

/* Parses "n" bytes (borrowed) following what was fed before. Returns 0,
 * the first non-zero value a callback returned, or -1 when out of memory
 * (the parser is then reset). */
int rc_sse_feed(rc_sse_t *p, const char *data, size_t n, rc_sse_cb cb, void *opaque);

#endif
