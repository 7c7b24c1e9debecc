/* The `ricochet` command: developer and operator sub-commands. */
#ifndef RC_CLI_H
#define RC_CLI_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "serde.h"

int rc_cmd_dev(int argc, char **argv);
int rc_cmd_consume(int argc, char **argv);
int rc_cmd_produce(int argc, char **argv);
int rc_cmd_train(int argc, char **argv);

/* "post" | "enriched" | "action" | "dead_letter" -> schema; -1 if unknown. */
int rc_cli_schema(const char *name);

/* Sum of every sample of metric "name" (any labels) in Prometheus text, or,
 * when "labels" is non-NULL, the one sample with exactly those labels. */
double rc_prom_value(const char *text, const char *name, const char *labels);

#endif
