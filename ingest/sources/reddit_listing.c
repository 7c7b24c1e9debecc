/*
 * The pure part of the Reddit source: cursor map, listing URLs, Listing
 * pages, paging decisions (reddit_listing.h). No I/O.
 */
#include "sources/reddit_listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * The cursor
 * ------------------------------------------------------------------------- */

static int is_fullname(const char *s) {
    size_t n;

    if (!s || !(s[0] == 't' && (s[1] == '1' || s[1] == '3') && s[2] == '_'))
        return 0;
    n = strlen(s);
    if (n < 4 || n > 64)
        return 0;
    for (size_t i = 3; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z')))
            return 0;
    return 1;
}

json_t *rc_reddit_cursor_parse(const char *text, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *in, *out;
    const char *key;
    json_t *v;

    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!text || !*text)
        return json_object();
    if (!(in = json_loads(text, 0, &jerr)) || !json_is_object(in)) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "the stored cursor is not a JSON object (%s)",
                     in ? "another JSON value" : jerr.text);
        json_decref(in);
        return NULL;
    }
    if (!(out = json_object())) {
        json_decref(in);
        return NULL;
    }
    json_object_foreach(in, key, v) {
        const char *name = NULL;
        double t = 0;
        if (json_is_string(v)) {
            name = json_string_value(v);
        } else if (json_is_object(v)) {
            const json_t *ts = json_object_get(v, "created_utc");
            name = json_string_value(json_object_get(v, "name"));
            if (json_is_number(ts) && json_number_value(ts) > 0)
                t = json_number_value(ts);
        }
        if (is_fullname(name) && rc_reddit_cursor_set(out, key, name, t) != 0) {
            json_decref(out);
            out = NULL;
            break;
        }
    }
    json_decref(in);
    return out;
}

void rc_reddit_cursor_get(const json_t *map, const char *key, const char **name, double *created_utc) {
    const json_t *v = json_object_get(map, key);
    const json_t *ts = json_object_get(v, "created_utc");

    *name = json_string_value(json_object_get(v, "name"));
    *created_utc = json_is_number(ts) ? json_number_value(ts) : 0;
}

int rc_reddit_cursor_set(json_t *map, const char *key, const char *name, double created_utc) {
    const json_t *old = json_object_get(map, key);
    json_t *mark;

    if (created_utc <= 0) {
        const json_t *ts = json_object_get(old, "created_utc");
        created_utc = json_is_number(ts) ? json_number_value(ts) : 0;
    }
    /* Whole seconds are what Reddit gives ("1732185600.0"); an integer
     * keeps the stored cursor short and exact. */
    if (created_utc > 0)
        mark = json_pack("{s:s, s:I}", "name", name, "created_utc", (json_int_t)created_utc);
    else
        mark = json_pack("{s:s}", "name", name);
    if (!mark)
        return -1;
    return json_object_set_new(map, key, mark);
}

char *rc_reddit_cursor_dump(const json_t *map, const char *const *keys, size_t n_keys) {
    json_t *out = json_object();
    char *s = NULL;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n_keys; i++) {
        json_t *v = json_object_get(map, keys[i]);
        if (v && json_object_set(out, keys[i], v) != 0)
            goto out;
    }
    s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
out:
    json_decref(out);
    return s;
}

/* ---------------------------------------------------------------------------
 * URLs
 * ------------------------------------------------------------------------- */

int rc_reddit_subreddit_ok(const char *name) {
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > 200)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '+'))
            return 0;
    }
    return 1;
}

/* Appends "s" percent-encoded (RFC 3986: only unreserved characters stay). */
static void put_encoded(FILE *fp, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~')
            fputc(*p, fp);
        else
            fprintf(fp, "%%%02X", *p);
    }
}

char *rc_reddit_listing_url(const char *base_url, const char *key, long limit, const char *before, const char *after) {
    char *buf = NULL;
    size_t len = 0, base_len;
    FILE *fp;

    if (!base_url || !key)
        return NULL;
    base_len = strlen(base_url);
    while (base_len > 0 && base_url[base_len - 1] == '/')
        base_len--;
    if (!(fp = open_memstream(&buf, &len)))
        return NULL;
    fwrite(base_url, 1, base_len, fp);
    if (strncmp(key, "new:", 4) == 0 && rc_reddit_subreddit_ok(key + 4)) {
        fprintf(fp, "/r/%s/new?", key + 4);
    } else if (strncmp(key, "comments:", 9) == 0 && rc_reddit_subreddit_ok(key + 9)) {
        fprintf(fp, "/r/%s/comments?", key + 9);
    } else if (strncmp(key, "search:", 7) == 0 && key[7]) {
        fputs("/search?q=", fp);
        put_encoded(fp, key + 7);
        fputs("&sort=new&type=link&", fp);
    } else {
        fclose(fp);
        free(buf);
        return NULL;
    }
    fprintf(fp, "limit=%ld", limit);
    /* Fullnames are [a-z0-9_]: nothing to encode, but encode anyway so a
     * corrupt cursor cannot change the query's shape. */
    if (before) {
        fputs("&before=", fp);
        put_encoded(fp, before);
    }
    if (after) {
        fputs("&after=", fp);
        put_encoded(fp, after);
    }
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---------------------------------------------------------------------------
 * Pages
 * ------------------------------------------------------------------------- */

void rc_reddit_page_free(rc_reddit_page_t *page) {
    if (!page)
        return;
    free(page->items);
    json_decref(page->root);
    memset(page, 0, sizeof(*page));
}

int rc_reddit_page_parse(const char *body, size_t len, rc_reddit_page_t *page, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    const json_t *data, *children, *child;
    const char *kind;
    size_t i;

    memset(page, 0, sizeof(*page));
    if (!(page->root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr))) {
        snprintf(errstr, errstr_size, "line %d col %d: invalid JSON: %s", jerr.line, jerr.column, jerr.text);
        return -1;
    }
    kind = json_string_value(json_object_get(page->root, "kind"));
    if (!kind || strcmp(kind, "Listing") != 0) {
        snprintf(errstr, errstr_size, "not a Listing: kind is %s%.20s%s", kind ? "\"" : "", kind ? kind : "missing",
                 kind ? "\"" : "");
        goto fail;
    }
    data = json_object_get(page->root, "data");
    children = json_object_get(data, "children");
    if (!json_is_object(data) || !json_is_array(children)) {
        snprintf(errstr, errstr_size, "%s: expected %s", json_is_object(data) ? "data.children" : "data",
                 json_is_object(data) ? "an array" : "an object");
        goto fail;
    }
    page->before = json_string_value(json_object_get(data, "before"));
    page->after = json_string_value(json_object_get(data, "after"));
    page->n = json_array_size(children);
    if (page->n && !(page->items = calloc(page->n, sizeof(*page->items)))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    json_array_foreach(children, i, child) {
        const json_t *cdata = json_object_get(child, "data");
        const json_t *ts = json_object_get(cdata, "created_utc");
        const char *name = json_string_value(json_object_get(cdata, "name"));
        page->items[i].child = child;
        page->items[i].name = is_fullname(name) ? name : NULL;
        page->items[i].created_utc = json_is_number(ts) && json_number_value(ts) > 0 ? json_number_value(ts) : 0;
    }
    return 0;
fail:
    rc_reddit_page_free(page);
    return -1;
}

long rc_reddit_newest_named(const rc_reddit_item_t *items, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (items[i].name)
            return (long)i;
    return -1;
}

/* ---------------------------------------------------------------------------
 * Paging decisions
 * ------------------------------------------------------------------------- */

rc_reddit_step_t rc_reddit_select(const rc_reddit_item_t *items, size_t n, const char *name, double created_utc,
                                  rc_reddit_dir_t dir, long limit) {
    rc_reddit_step_t st = {0, 0, 0};
    int full = limit > 0 && n >= (size_t)limit;

    for (size_t i = 0; name && i < n; i++) {
        if (items[i].name && strcmp(items[i].name, name) == 0) {
            st.found = 1;
            st.n_new = i;
            return st;
        }
    }
    if (dir == RC_REDDIT_FORWARD) {
        st.n_new = n;
        st.more = full;
        return st;
    }
    if (!name || created_utc <= 0) {
        st.n_new = n;
        return st;
    }
    /* Newest first: the new ones are a prefix. An item without a time is
     * kept (it cannot be placed; the dedup window drops it if it was seen). */
    while (st.n_new < n && (items[st.n_new].created_utc <= 0 || items[st.n_new].created_utc >= created_utc))
        st.n_new++;
    st.more = st.n_new == n && full;
    return st;
}
