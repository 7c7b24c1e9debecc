/*
 * ricochet: developer and operator commands.
 *
 *   ricochet dev       the whole pipeline on this machine (embedded broker,
 *                      redis-server, the three workers)
 *   ricochet consume   print a topic's records as JSON Lines
 *   ricochet produce   write JSON Lines (or raw lines) to a topic
 *   ricochet train     fit the enrich model on labelled posts
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef RICOCHET_VERSION
#define RICOCHET_VERSION "0.1.0"
#endif

static void rc_cli_usage(FILE *fp) {
    fprintf(fp, "Usage: ricochet <command> [options]\n\n"
                "Commands:\n"
                "  dev       run the pipeline locally: embedded Kafka-protocol broker, redis-server, the three\n"
                "            workers; --feed FILE pushes posts through and prints a summary\n"
                "  consume   print the records of a topic as JSON Lines\n"
                "  produce   write JSON Lines from stdin to a topic (Avro-encoded, or --raw)\n"
                "  train     fit the enrich model on labelled JSON Lines, report cross-validated F1, write the\n"
                "            model file (docs/model.md)\n"
                "  version   print the version\n\n"
                "'ricochet <command> --help' describes each.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        rc_cli_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "dev"))
        return rc_cmd_dev(argc - 1, argv + 1);
    if (!strcmp(argv[1], "consume"))
        return rc_cmd_consume(argc - 1, argv + 1);
    if (!strcmp(argv[1], "produce"))
        return rc_cmd_produce(argc - 1, argv + 1);
    if (!strcmp(argv[1], "train"))
        return rc_cmd_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("ricochet %s (librdkafka %s)\n", RICOCHET_VERSION, rd_kafka_version_str());
        return 0;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        rc_cli_usage(stdout);
        return 0;
    }
    fprintf(stderr, "ricochet: unknown command '%s'\n", argv[1]);
    rc_cli_usage(stderr);
    return 2;
}
