/*
 * The pure part of the Reddit source (sources/reddit.c): the per-listing
 * cursor kept in the source's one cursor string, the listing URLs, the
 * parsing of a Listing page and the paging decisions. No I/O, so it is
 * unit-tested alone (tests/unit/test_source_reddit.c). docs/sources/reddit.md
 * explains the polling these serve.
 *
 * A "listing" is one endpoint polled for new items, named by a key:
 *   "new:<subreddit>"       /r/<subreddit>/new       links (t3)
 *   "comments:<subreddit>"  /r/<subreddit>/comments  comments (t1)
 *   "search:<query>"        /search?q=<query>&sort=new&type=link
 * Each keeps its own mark: the fullname of the newest item handed on, and
 * that item's created_utc (for when the item has gone; see
 * rc_reddit_select()).
 *
 * Thread locality: plain values; nothing is shared.
 */
#ifndef RC_REDDIT_LISTING_H
#define RC_REDDIT_LISTING_H

#include <jansson.h>
#include <stddef.h>

/* ---- the cursor -------------------------------------------------------- */

/* Parses the source's cursor string (NULL or "" for none) into a map of
 * listing key -> mark: a new JSON object the caller owns. The stored form is
 *   {"new:travel": {"name": "t3_1h2k3l4", "created_utc": 1732185600}, ...}
 * and an entry that is a bare fullname string ("new:travel": "t3_1h2k3l4")
 * is read too (created_utc unknown). Entries of any other shape are
 * dropped: a cursor we cannot read must not stop the source. Returns NULL
 * (with errstr) only when "text" is not a JSON object at all; the caller
 * then starts afresh. */
json_t *rc_reddit_cursor_parse(const char *text, char *errstr, size_t errstr_size);

/* The mark of "key" in "map" (borrowed): *name (NULL when none) and
 * *created_utc (0 when unknown). */
void rc_reddit_cursor_get(const json_t *map, const char *key, const char **name, double *created_utc);

/* Sets the mark of "key"; "created_utc" <= 0 keeps the one stored (a mark
 * without a time is still worth moving). Returns 0, -1 out of memory. */
int rc_reddit_cursor_set(json_t *map, const char *key, const char *name, double created_utc);

/* The cursor string to store: "map" restricted to the keys in "keys" (the
 * configured listings, so a removed subreddit's mark does not linger),
 * compact, keys sorted. malloc'd, caller frees; NULL when out of memory. */
char *rc_reddit_cursor_dump(const json_t *map, const char *const *keys, size_t n_keys);

/* ---- URLs -------------------------------------------------------------- */

/* The URL of one page of listing "key" under "base_url" (a trailing '/' is
 * ignored): limit=N and, when given, before=<fullname> or after=<fullname>.
 * Search queries are percent-encoded (RFC 3986 unreserved characters kept).
 * malloc'd, caller frees; NULL for a key of unknown kind or out of memory. */
char *rc_reddit_listing_url(const char *base_url, const char *key, long limit, const char *before, const char *after);

/* Non-zero when "name" is a usable subreddit name (or a "a+b" multi):
 * letters, digits, '_' and '+', 1-200 bytes. Such names go into URL paths
 * unescaped, so nothing else is allowed. */
int rc_reddit_subreddit_ok(const char *name);

/* ---- pages ------------------------------------------------------------- */

/* One child of a Listing: "child" (borrowed from the page) is what is
 * handed to the ingest stage; "name" is data.name when it is a t1_/t3_
 * fullname (NULL otherwise: such a child is still handed on, and is
 * dead-lettered there, but cannot anchor a cursor); "created_utc" is
 * data.created_utc (0 when missing). */
typedef struct rc_reddit_item {
    const json_t *child;
    const char *name;
    double created_utc;
} rc_reddit_item_t;

/* A parsed Listing: {"kind": "Listing", "data": {"after", "before",
 * "dist", "children": [...]}}. Children are newest first. */
typedef struct rc_reddit_page {
    json_t *root;            /* owned */
    rc_reddit_item_t *items; /* owned array of n */
    size_t n;
    const char *before; /* data.before / data.after, NULL when null */
    const char *after;
} rc_reddit_page_t;

/* Parses "len" bytes into "page" (zeroed first). Returns 0, or -1 with the
 * reason ("line 1 col 80: invalid JSON: ...", "not a Listing: kind is
 * \"t3\"", "data.children: expected an array") when the body is not a
 * Listing. The children themselves are not validated here. */
int rc_reddit_page_parse(const char *body, size_t len, rc_reddit_page_t *page, char *errstr, size_t errstr_size);
void rc_reddit_page_free(rc_reddit_page_t *page); /* safe on a zeroed page */

/* Index of the newest item with a name in items[0..n), or -1. */
long rc_reddit_newest_named(const rc_reddit_item_t *items, size_t n);

/* ---- paging decisions -------------------------------------------------- */

typedef enum {
    /* The page came from before=<mark or newer>: everything on it is newer
     * than the mark, newest first. */
    RC_REDDIT_FORWARD,
    /* The page came from the plain listing (or after=...): it starts at the
     * newest item and goes back in time. */
    RC_REDDIT_BACKWARD
} rc_reddit_dir_t;

typedef struct rc_reddit_step {
    size_t n_new; /* items[0..n_new) are new, newest first */
    int found;    /* the page holds the mark's item */
    int more;     /* fetch the next page in the same direction */
} rc_reddit_step_t;

/*
 * Decides which items of a page are new, given the mark ("name" NULL when
 * the listing has none yet; "created_utc" 0 when unknown), the direction
 * the page was fetched in and the limit it was fetched with.
 *
 * FORWARD: everything is new unless the page holds the mark's item (a
 * server ignoring before=): then only what is above it. More pages follow
 * while pages come back full.
 *
 * BACKWARD: the items above the mark's item when the page holds it (the
 * usual case: nothing or a few new). Without a mark: the whole page, no
 * more (a first poll takes one page, it does not crawl history). With a
 * mark whose item is not there (deleted, removed, or pushed off by more
 * than a page of new items): the items created at or after the mark's
 * created_utc, and more pages while every item of a full page qualified;
 * the one-second overlap may repeat an item (the dedup window drops it)
 * rather than miss one. A mark without a time: the whole page, no more.
 */
rc_reddit_step_t rc_reddit_select(const rc_reddit_item_t *items, size_t n, const char *name, double created_utc,
                                  rc_reddit_dir_t dir, long limit);

#endif
