/*
 * Server-sent events parser (see sse.h). Pure code, no I/O.
 *
 * Its own line splitting rather than rc_linebuf: the event-stream format
 * also ends lines with a bare "\r", and a "\r\n" may be split between two
 * chunks, which only a parser that remembers the '\r' gets right.
 */
#include "sse.h"

#include <stdlib.h>
#include <string.h>

/* A line may carry a field name and ": " besides max_event bytes of value. */
#define RC_SSE_LINE_SLACK 64

void rc_sse_init(rc_sse_t *p, size_t max_event) {
    memset(p, 0, sizeof(*p));
    p->max_event = max_event ? max_event : 1024 * 1024;
    p->retry_ms = -1;
}

void rc_sse_free(rc_sse_t *p) {
    if (!p)
        return;
    free(p->line);
    free(p->data);
    free(p->type);
    free(p->id);
    p->line = p->data = p->type = p->id = NULL;
    p->line_len = p->line_cap = p->data_len = p->data_cap = p->type_len = p->id_len = 0;
}

/* Forgets the event being read (not the last id). */
static void event_clear(rc_sse_t *p) {
    p->data_len = 0;
    p->has_data = 0;
    p->event_oversized = 0;
    free(p->type);
    p->type = NULL;
    p->type_len = 0;
}

void rc_sse_reset(rc_sse_t *p) {
    event_clear(p);
    p->line_len = 0;
    p->line_skip = p->line_comment = 0;
    p->cr_pending = 0;
    p->bom_checked = 0;
    p->bom_seen = 0;
}

/* Grows *buf to hold "need" bytes plus a NUL, doubling; 0 or -1. */
static int reserve(char **buf, size_t *cap, size_t need) {
    size_t c = *cap ? *cap : 256;
    char *nb;

    if (need + 1 <= *cap)
        return 0;
    while (c < need + 1)
        c *= 2;
    if (!(nb = realloc(*buf, c)))
        return -1;
    *buf = nb;
    *cap = c;
    return 0;
}

static int set_copy(char **dst, size_t *dst_len, const char *s, size_t n) {
    char *c = malloc(n + 1);

    if (!c)
        return -1;
    memcpy(c, s, n);
    c[n] = '\0';
    free(*dst);
    *dst = c;
    *dst_len = n;
    return 0;
}

/* Adds bytes (no line terminators among them) to the current line, or
 * starts skipping the line once it would pass the cap. */
static int line_append(rc_sse_t *p, const char *s, size_t n) {
    if (p->line_skip || n == 0)
        return 0;
    if (p->line_len + n > p->max_event + RC_SSE_LINE_SLACK) {
        p->line_comment = p->line_len > 0 ? p->line[0] == ':' : s[0] == ':';
        p->line_skip = 1;
        p->line_len = 0;
        return 0;
    }
    if (reserve(&p->line, &p->line_cap, p->line_len + n) != 0)
        return -1;
    memcpy(p->line + p->line_len, s, n);
    p->line_len += n;
    return 0;
}

/* Ends the event being read. Returns -1 when out of memory, else 0 with
 * what the callback returned in *cbr. */
static int dispatch(rc_sse_t *p, rc_sse_cb cb, void *opaque, int *cbr) {
    rc_sse_event_t ev;

    if (!p->event_oversized && !p->has_data) {
        /* A blank line without data ends nothing worth telling. */
        event_clear(p);
        return 0;
    }
    ev.type = p->type ? p->type : "message";
    ev.type_len = p->type ? p->type_len : strlen("message");
    ev.id = p->id ? p->id : "";
    ev.id_len = p->id_len;
    if (p->event_oversized) {
        p->oversized++;
        ev.data = NULL;
        ev.data_len = 0;
        *cbr = cb(opaque, RC_SSE_OVERSIZED, &ev);
    } else {
        if (reserve(&p->data, &p->data_cap, p->data_len) != 0)
            return -1;
        p->data[p->data_len] = '\0';
        p->events++;
        ev.data = p->data;
        ev.data_len = p->data_len;
        *cbr = cb(opaque, RC_SSE_EVENT, &ev);
    }
    event_clear(p);
    return 0;
}

static int is_field(const char *name, size_t n, const char *want) {
    return strlen(want) == n && memcmp(name, want, n) == 0;
}

/* One complete line (without its terminator). Returns -1 when out of
 * memory, else 0 with what a callback returned in *cbr. */
static int line_end(rc_sse_t *p, rc_sse_cb cb, void *opaque, int *cbr) {
    const char *line = p->line, *colon, *value;
    size_t len = p->line_len, name_len, value_len;

    *cbr = 0;
    p->line_len = 0;
    if (p->line_skip) {
        /* An overlong comment is just dropped; an overlong field spoils
         * the event it belongs to. */
        if (!p->line_comment) {
            p->event_oversized = 1;
            p->data_len = 0;
        }
        p->line_skip = p->line_comment = 0;
        return 0;
    }
    if (len == 0)
        return dispatch(p, cb, opaque, cbr);
    if (line[0] == ':') {
        rc_sse_event_t ev = {"", 0, NULL, 0, p->id ? p->id : "", p->id_len};
        p->line[len] = '\0';
        ev.data = line + 1;
        ev.data_len = len - 1;
        p->comments++;
        *cbr = cb(opaque, RC_SSE_COMMENT, &ev);
        return 0;
    }
    colon = memchr(line, ':', len);
    name_len = colon ? (size_t)(colon - line) : len;
    value = colon ? colon + 1 : line + len;
    value_len = (size_t)(line + len - value);
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }

    if (is_field(line, name_len, "data")) {
        size_t need = p->data_len + (p->has_data ? 1 : 0) + value_len;
        if (p->event_oversized)
            return 0;
        if (need > p->max_event) {
            p->event_oversized = 1;
            p->data_len = 0;
            return 0;
        }
        if (reserve(&p->data, &p->data_cap, need) != 0)
            return -1;
        if (p->has_data)
            p->data[p->data_len++] = '\n';
        memcpy(p->data + p->data_len, value, value_len);
        p->data_len += value_len;
        p->has_data = 1;
    } else if (is_field(line, name_len, "event")) {
        if (set_copy(&p->type, &p->type_len, value, value_len) != 0)
            return -1;
    } else if (is_field(line, name_len, "id")) {
        /* The format ignores an id containing NUL. */
        if (!memchr(value, '\0', value_len) && set_copy(&p->id, &p->id_len, value, value_len) != 0)
            return -1;
    } else if (is_field(line, name_len, "retry")) {
        long ms = 0;
        size_t i;
        for (i = 0; i < value_len && value[i] >= '0' && value[i] <= '9' && ms < 100000000L; i++)
            ms = ms * 10 + (value[i] - '0');
        if (i == value_len && value_len > 0)
            p->retry_ms = ms;
    }
    /* Other fields are ignored, as the format says. */
    return 0;
}

int rc_sse_feed(rc_sse_t *p, const char *data, size_t n, rc_sse_cb cb, void *opaque) {
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t i = 0;
    int r = 0;

    /* A byte order mark at the very start of the stream is not content. */
    while (!p->bom_checked && i < n) {
        if ((unsigned char)data[i] == bom[p->bom_seen]) {
            i++;
            if (++p->bom_seen == 3)
                p->bom_checked = 1;
            continue;
        }
        p->bom_checked = 1;
        /* What looked like the start of a BOM was content after all. */
        if (p->bom_seen && line_append(p, (const char *)bom, p->bom_seen) != 0)
            goto oom;
    }

    while (i < n) {
        size_t j = i;
        if (p->cr_pending) {
            p->cr_pending = 0;
            if (data[i] == '\n') {
                i++;
                continue;
            }
        }
        while (j < n && data[j] != '\n' && data[j] != '\r')
            j++;
        if (line_append(p, data + i, j - i) != 0)
            goto oom;
        if (j == n)
            break;
        p->cr_pending = data[j] == '\r';
        i = j + 1;
        if (line_end(p, cb, opaque, &r) != 0)
            goto oom;
        if (r != 0)
            return r;
    }
    return 0;

oom:
    rc_sse_reset(p);
    return -1;
}
