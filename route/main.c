/* ricochet-route: see route/stage.c; the runtime is common/worker.c. */
#include "route.h"

int main(int argc, char **argv) { return rc_worker_main(argc, argv, &rc_stage_route); }
