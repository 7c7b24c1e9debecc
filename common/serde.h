/*
 * Avro serde for ricochet's records.
 *
 * In memory a record is a jansson object that mirrors the Avro schema field
 * for field (unions with null are a plain value or JSON null; this is also
 * the file-mode JSON Lines form). On the wire it is Avro binary framed as
 * either:
 *   - single-object encoding (default): 0xC3 0x01, the 8-byte little-endian
 *     CRC-64-AVRO (Rabin) fingerprint of the schema's Parsing Canonical
 *     Form, then the Avro binary body; or
 *   - Confluent wire format (when schema_registry.url is set): 0x00, 4-byte
 *     big-endian schema id, Avro binary body; schemas are registered under
 *     "<topic>-value" and writer schemas are fetched by id and cached.
 *
 * Decoding uses the writer's schema and resolves it to ricochet's (reader)
 * schema, so records written with an older/newer compatible schema decode.
 * The schemas come from schemas/<name>.avsc, embedded in the binary at build time.
 *
 * Thread locality: an rc_serde_t is used by one thread at a time.
 */
#ifndef RC_SERDE_H
#define RC_SERDE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RC_SCHEMA_POST = 0,
    RC_SCHEMA_ENRICHED_POST,
    RC_SCHEMA_ACTION,
    RC_SCHEMA_DEAD_LETTER,
    RC_SCHEMA__CNT
} rc_schema_id_t;

typedef struct rc_serde rc_serde_t;

/* Name ("Post", ...) and embedded .avsc text of a schema. */
const char *rc_schema_name(rc_schema_id_t id);
const char *rc_schema_text(rc_schema_id_t id);

/* "registry_url" NULL or "" selects single-object encoding. Returns NULL
 * with errstr on failure (e.g. an embedded schema does not parse). The caller
 * owns the result. */
rc_serde_t *rc_serde_new(const char *registry_url, char *errstr, size_t errstr_size);
void rc_serde_destroy(rc_serde_t *serde); /* safe on NULL */

/* Encode "obj" (borrowed) as schema "id". "topic" names the subject when a
 * registry is used (may be NULL otherwise). On success returns 0 and *out
 * is a malloc'd buffer the caller frees. On failure returns -1 with errstr
 * naming the offending field ("author.followers: expected long"). */
int rc_serde_encode(rc_serde_t *serde, rc_schema_id_t id, const char *topic, const json_t *obj, void **out,
                    size_t *out_len, char *errstr, size_t errstr_size);

/* Decode a framed record that must be (or resolve to) schema "expected".
 * Returns a new reference or NULL with errstr ("unknown schema fingerprint
 * 0x...", "schema id 42: registry said 404", "truncated record", ...). */
json_t *rc_serde_decode(rc_serde_t *serde, rc_schema_id_t expected, const void *buf, size_t len, char *errstr,
                        size_t errstr_size);

/* Whether the last failed rc_serde_encode()/rc_serde_decode() on "serde"
 * failed for a reason that may go away on retry (the schema registry was
 * unreachable, or answered 408/429/5xx) rather than because of the record
 * itself: the caller should back off and retry instead of dead-lettering. */
int rc_serde_error_is_retriable(const rc_serde_t *serde);

/* Pure helpers (no I/O), exposed for tests and tools. */
/* Parsing Canonical Form of a schema given as JSON text; malloc'd, or NULL. */
char *rc_avro_canonical_form(const char *schema_json, char *errstr, size_t errstr_size);
/* CRC-64-AVRO (Rabin) fingerprint of "buf". */
uint64_t rc_avro_fingerprint64(const void *buf, size_t len);
/* The Avro binary body (no framing) of "obj" (borrowed) in the schema given
 * as JSON text, written either by ricochet's own writer (reference 0: what
 * rc_serde_encode() uses) or through avro-c's generic value and
 * avro_value_write() (reference 1). Both apply the same checks with the
 * same messages; tests pin that they write the same bytes. Compiles the
 * schema on every call, so it is for tests and tools. On success returns 0
 * and *out is a malloc'd buffer the caller frees. */
int rc_avro_encode_body(const char *schema_json, const json_t *obj, int reference, void **out, size_t *out_len,
                        char *errstr, size_t errstr_size);
/* The other way: an Avro binary body (no framing) written in the schema
 * given as JSON text, read into ricochet's JSON form either by ricochet's
 * own reader (reference 0: what rc_serde_decode() uses for records written
 * with our schema) or with avro-c's avro_value_read() into a generic value
 * (reference 1: how every record used to be read, and still how one written
 * with another schema version is resolved). Both check the body first (same
 * checks, same messages); tests pin that they give the same trees and the
 * same errors. Compiles the schema on every call, so it is for tests and
 * tools. Returns a new reference, or NULL with errstr. */
json_t *rc_avro_decode_body(const char *schema_json, const void *body, size_t len, int reference, char *errstr,
                            size_t errstr_size);
/* The same with the schema compiled once, for many bodies (the fuzzer). One
 * thread at a time per reader. */
typedef struct rc_avro_body_reader rc_avro_body_reader_t;
rc_avro_body_reader_t *rc_avro_body_reader_new(const char *schema_json, char *errstr, size_t errstr_size);
json_t *rc_avro_body_read(rc_avro_body_reader_t *r, const void *body, size_t len, int reference, char *errstr,
                          size_t errstr_size);
void rc_avro_body_reader_destroy(rc_avro_body_reader_t *r); /* safe on NULL */

#endif
