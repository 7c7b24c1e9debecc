/* ricochet-ingest: see ingest/stage.c; the runtime is common/worker.c. */
#include "ingest.h"

int main(int argc, char **argv) { return rc_worker_main(argc, argv, &rc_stage_ingest); }
