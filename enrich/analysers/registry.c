#include <stddef.h>

#include "analyse.h"

/* Every analyser, in run order (later ones read what earlier ones found).
 * A new analyser is one file under enrich/analysers/ and one line here. */
const rc_analyser_t *const rc_analyser_registry[] = {
    NULL,
};
