/*
 * libFuzzer entry point for the Avro readers of common/serde.c: the direct
 * reader (rc_read_json, what rc_serde_decode() uses for records written
 * with our own schema) against avro-c's avro_value_read() into a generic
 * value, the reference. Records come from Kafka, written by anyone, so any
 * bytes must be refused cleanly or read into the same tree both ways.
 *
 * Built as fuzz_avro_read by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.avro_read (make test-fuzz); seeds in tests/fuzz/corpus/avro_read/
 * (a schema byte and the Avro body of an example record), see
 * docs/fuzzing.md.
 * fuzz-max-len: 2048
 *
 * Input: one byte choosing the schema (its value mod 4: Post, EnrichedPost,
 * Action, DeadLetter), then the Avro binary body (no framing).
 * Checked besides crashes, leaks and UB: both readers accept or both refuse;
 * accepted, they give the same tree (the same text at full precision);
 * refused, the same message; and an accepted tree is a valid record of the
 * schema (the writer takes it).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serde.h"

/* Each schema compiled once (libFuzzer calls in one thread), released at
 * exit so that LeakSanitizer's final check sees only real leaks. */
static rc_avro_body_reader_t *readers[RC_SCHEMA__CNT];

static void release_readers(void) {
    for (int i = 0; i < RC_SCHEMA__CNT; i++)
        rc_avro_body_reader_destroy(readers[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char ea[512] = "", eb[512] = "";

    if (size < 1)
        return 0;
    rc_schema_id_t id = (rc_schema_id_t)(data[0] % RC_SCHEMA__CNT);
    const char *schema = rc_schema_text(id);
    if (!readers[id]) {
        if (!readers[0] && !readers[1] && !readers[2] && !readers[3])
            atexit(release_readers);
        if (!(readers[id] = rc_avro_body_reader_new(schema, ea, sizeof(ea))))
            abort();
    }
    json_t *a = rc_avro_body_read(readers[id], data + 1, size - 1, 0, ea, sizeof(ea));
    json_t *b = rc_avro_body_read(readers[id], data + 1, size - 1, 1, eb, sizeof(eb));
    if (!a != !b)
        abort(); /* one reader accepted what the other refused */
    if (a) {
        char *sa = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
        char *sb = json_dumps(b, JSON_COMPACT | JSON_REAL_PRECISION(17));
        void *again = NULL;
        size_t again_len = 0;
        if (!sa || !sb || strcmp(sa, sb))
            abort();
        /* What was read is a valid record of the schema (the bytes may
         * differ: Avro allows longer varints, blocks of any size, repeated
         * map keys). */
        if (rc_avro_encode_body(schema, a, 0, &again, &again_len, ea, sizeof(ea)))
            abort();
        free(again);
        free(sa);
        free(sb);
    } else if (strcmp(ea, eb)) {
        abort();
    }
    json_decref(a);
    json_decref(b);
    return 0;
}
