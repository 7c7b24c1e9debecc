/* ricochet-enrich: see enrich/stage.c; the runtime is common/worker.c. */
#include "enrich.h"

int main(int argc, char **argv) { return rc_worker_main(argc, argv, &rc_stage_enrich); }
