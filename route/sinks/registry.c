#include <string.h>

#include "sink.h"

extern const rc_sink_ops_t rc_sink_rt;
extern const rc_sink_ops_t rc_sink_file;
extern const rc_sink_ops_t rc_sink_kafka;

/* Every sink type, in the order the docs list them. A new sink is one file
 * under route/sinks/ and one line here. */
const rc_sink_ops_t *const rc_sink_registry[] = {
    &rc_sink_rt,
    &rc_sink_file,
    &rc_sink_kafka,
    NULL,
};

const rc_sink_ops_t *rc_sink_find(const char *type) {
    for (size_t i = 0; type && rc_sink_registry[i]; i++)
        if (!strcmp(rc_sink_registry[i]->type, type))
            return rc_sink_registry[i];
    return NULL;
}
