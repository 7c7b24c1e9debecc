/* ricochet-ingest's stage table and configuration. */
#ifndef RC_INGEST_H
#define RC_INGEST_H

#include "worker.h"

typedef struct rc_ingest_conf {
    rc_stage_conf_t base; /* must be first */
    long dedup_window_ms;
    int webhook_enabled;
    char *webhook_path;
    char *webhook_secret;
    char *webhook_sig_header;
    long webhook_timeout_ms;
    char *webhook_x_secret;
    const rc_node_t *sources; /* ingest.sources, bound by source.c */
    long threads; /* normalising threads per batch; 0: one per CPU */
} rc_ingest_conf_t;

extern const rc_stage_t rc_stage_ingest;

#endif
