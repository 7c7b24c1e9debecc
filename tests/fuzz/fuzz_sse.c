/*
 * libFuzzer entry point for the server-sent events parser
 * (ingest/sources/sse.c), the first thing a Mastodon stream's bytes meet.
 *
 * Built as fuzz_sse by -DRICOCHET_FUZZ=ON and run as fuzz.sse; seeds in
 * tests/fuzz/corpus/sse/ (the stream fixtures and edge cases).
 * fuzz-max-len: 1024 (lines and events are what matter, not their length)
 *
 * The first input byte picks a chunk size and the event cap (small, so
 * the oversized path is taken often); the rest is the stream. Checks:
 *   - every string handed to the callback is NUL-terminated at its length;
 *   - no event's data is longer than the cap;
 *   - the same bytes fed whole and in chunks of 1..16 bytes (1 for one
 *     input in sixteen) give the same callbacks in the same order (a line end or a "\r\n" split between
 *     two reads must not change anything);
 *   - the counters agree with the callbacks.
 */
#include "sources/sse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every callback, serialised: kind, then type, data, id with lengths. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    size_t max_event;
    unsigned long events, comments, oversized;
} trace_t;

static void put(trace_t *t, const void *p, size_t n) {
    if (t->len + n > t->cap) {
        size_t c = t->cap ? t->cap * 2 : 1024;
        while (c < t->len + n)
            c *= 2;
        if (!(t->buf = realloc(t->buf, c)))
            abort();
        t->cap = c;
    }
    memcpy(t->buf + t->len, p, n);
    t->len += n;
}

static void put_str(trace_t *t, const char *s, size_t n) {
    if (!s) {
        put(t, "\xff", 1);
        return;
    }
    if (s[n] != '\0')
        abort();
    put(t, &n, sizeof(n));
    put(t, s, n);
}

static int record(void *opaque, rc_sse_kind_t kind, const rc_sse_event_t *ev) {
    trace_t *t = opaque;
    unsigned char k = (unsigned char)kind;

    if (!ev->type || !ev->id)
        abort();
    if (kind == RC_SSE_EVENT) {
        if (!ev->data || ev->data_len > t->max_event)
            abort();
        t->events++;
    } else if (kind == RC_SSE_COMMENT) {
        if (!ev->data)
            abort();
        t->comments++;
    } else {
        if (ev->data)
            abort();
        t->oversized++;
    }
    put(t, &k, 1);
    put_str(t, ev->type, ev->type_len);
    put_str(t, ev->data, ev->data_len);
    put_str(t, ev->id, ev->id_len);
    return 0;
}

static void run(const char *data, size_t n, size_t chunk, size_t max_event, trace_t *t) {
    rc_sse_t p;
    size_t i = 0;

    memset(t, 0, sizeof(*t));
    t->max_event = max_event;
    rc_sse_init(&p, max_event);
    while (i < n) {
        size_t k = chunk && n - i > chunk ? chunk : n - i;
        if (rc_sse_feed(&p, data + i, k, record, t) != 0)
            abort(); /* the callback never stops it and there is memory */
        i += k;
    }
    if (p.events != t->events || p.comments != t->comments || p.oversized != t->oversized)
        abort();
    rc_sse_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    trace_t whole, chunks;
    size_t chunk, max_event;

    if (size < 1)
        return 0;
    chunk = 1 + (data[0] & 0x0f);                                 /* 1..16 */
    max_event = (data[0] & 0x80) ? 4096 : 8 + (data[0] >> 4) * 8; /* small caps most of the time */
    data++;
    size--;
    run((const char *)data, size, 0, max_event, &whole);
    run((const char *)data, size, chunk, max_event, &chunks);
    if (whole.len != chunks.len || (whole.len && memcmp(whole.buf, chunks.buf, whole.len)))
        abort();
    free(whole.buf);
    free(chunks.buf);
    return 0;
}
