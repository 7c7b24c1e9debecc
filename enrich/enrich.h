/* ricochet-enrich's stage table and configuration. */
#ifndef RC_ENRICH_H
#define RC_ENRICH_H

#include "worker.h"

typedef struct rc_enrich_conf {
    rc_stage_conf_t base; /* must be first */
    /* One section per analyser (enrich.<name>), bound by the analyser
     * itself (rc_analysers_new), and the stage's own parts. */
    const void *sections[12];
} rc_enrich_conf_t;

extern const rc_stage_t rc_stage_enrich;

#endif
