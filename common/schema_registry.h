/*
 * A client for a Confluent-compatible Schema Registry's REST API (the two
 * calls a serializer needs), over the shared HTTP client:
 *
 *   POST /subjects/{subject}/versions   {"schema": "<schema JSON>"} -> {"id": N}
 *   GET  /schemas/ids/{id}                                          -> {"schema": "..."}
 *
 * Requests carry Content-Type application/vnd.schemaregistry.v1+json. Both
 * directions are cached in memory for the life of the client: a schema id
 * never changes meaning in a registry, and registering the same schema
 * under the same subject again returns the same id, so nothing here ever
 * needs to expire.
 *
 * Errors name the call, the HTTP status and the registry's own error body
 * ({"error_code": 40403, "message": "Schema 7 not found"}).
 *
 * Thread locality: an rc_schema_registry_t is used by one thread at a time.
 */
#ifndef RC_SCHEMA_REGISTRY_H
#define RC_SCHEMA_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

typedef struct rc_schema_registry rc_schema_registry_t;

/* "url" is the registry's base URL ("http://host:8081", a trailing slash
 * is ignored); it is copied. Returns NULL with errstr on failure. The caller
 * owns the result. */
rc_schema_registry_t *rc_schema_registry_new(const char *url, char *errstr, size_t errstr_size);
void rc_schema_registry_destroy(rc_schema_registry_t *sr); /* safe on NULL */

/* Registers "schema_json" (borrowed) under "subject" (borrowed) and sets
 * *idp to the registry's id for it. Served from the cache after the first
 * success, which also caches id -> schema for rc_schema_registry_get_by_id.
 * Returns 0, or -1 with errstr. */
int rc_schema_registry_register(rc_schema_registry_t *sr, const char *subject, const char *schema_json, int32_t *idp,
                                char *errstr, size_t errstr_size);

/* Returns the schema text registered as "id", or NULL with errstr. The
 * string is owned by the client and stays valid until it is destroyed.
 * Served from the cache after the first success; failures are not cached. */
const char *rc_schema_registry_get_by_id(rc_schema_registry_t *sr, int32_t id, char *errstr, size_t errstr_size);

/* Whether the last failed call on "sr" may succeed if retried (transport
 * error, 408, 429 or 5xx), as opposed to a definite answer such as 404. */
int rc_schema_registry_error_is_retriable(const rc_schema_registry_t *sr);

#endif
