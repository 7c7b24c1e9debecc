/*
 * Every source type, in one list: adding a source is one file under
 * ingest/sources/ plus one line here.
 */
#include <string.h>

#include "source.h"

extern const rc_source_ops_t rc_source_file;
extern const rc_source_ops_t rc_source_bluesky_jetstream;
extern const rc_source_ops_t rc_source_reddit;
extern const rc_source_ops_t rc_source_x_stream, rc_source_x_search;
extern const rc_source_ops_t rc_source_mastodon_stream, rc_source_mastodon_poll;

const rc_source_ops_t *const rc_source_registry[] = {
    &rc_source_x_stream,
    &rc_source_x_search,
    &rc_source_mastodon_stream,
    &rc_source_mastodon_poll,
    &rc_source_bluesky_jetstream,
    &rc_source_reddit,
    &rc_source_file,
    NULL,
};

const rc_source_ops_t *rc_source_find(const char *type) {
    for (size_t i = 0; type && rc_source_registry[i]; i++)
        if (strcmp(rc_source_registry[i]->type, type) == 0)
            return rc_source_registry[i];
    return NULL;
}
