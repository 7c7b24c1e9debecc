/*
 * Schema Registry REST client; see schema_registry.h. The request and
 * response shapes follow Confluent's "Schema Registry API Reference"
 * (docs.confluent.io, schema-registry/develop/api).
 *
 * The caches are plain linked lists: a process uses a handful of schemas
 * (four of its own, plus whatever writer versions show up on its input),
 * so a list is both small and fast enough.
 */
#include "schema_registry.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

#define RC_SR_CONTENT_TYPE "application/vnd.schemaregistry.v1+json"

typedef struct rc_sr_subject_entry {
    char *subject;
    char *schema;
    int32_t id;
    struct rc_sr_subject_entry *next;
} rc_sr_subject_entry_t;

typedef struct rc_sr_id_entry {
    int32_t id;
    char *schema;
    struct rc_sr_id_entry *next;
} rc_sr_id_entry_t;

struct rc_schema_registry {
    char *url; /* without a trailing slash */
    rc_http_client_t *http;
    rc_sr_subject_entry_t *by_subject;
    rc_sr_id_entry_t *by_id;
    int last_retriable;
};

rc_schema_registry_t *rc_schema_registry_new(const char *url, char *errstr, size_t errstr_size) {
    rc_schema_registry_t *sr = NULL;
    size_t len;

    if (!url || !*url) {
        snprintf(errstr, errstr_size, "schema registry URL is empty");
        return NULL;
    }
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(errstr, errstr_size, "schema registry URL \"%s\" must start with http:// or https://", url);
        return NULL;
    }
    if (!(sr = calloc(1, sizeof(*sr))) || !(sr->url = strdup(url)) || !(sr->http = rc_http_client_new(0))) {
        snprintf(errstr, errstr_size, "out of memory");
        rc_schema_registry_destroy(sr);
        return NULL;
    }
    len = strlen(sr->url);
    while (len > 0 && sr->url[len - 1] == '/')
        sr->url[--len] = '\0';
    return sr;
}

void rc_schema_registry_destroy(rc_schema_registry_t *sr) {
    if (!sr)
        return;
    for (rc_sr_subject_entry_t *e = sr->by_subject, *n; e; e = n) {
        n = e->next;
        free(e->subject);
        free(e->schema);
        free(e);
    }
    for (rc_sr_id_entry_t *e = sr->by_id, *n; e; e = n) {
        n = e->next;
        free(e->schema);
        free(e);
    }
    rc_http_client_destroy(sr->http);
    free(sr->url);
    free(sr);
}

int rc_schema_registry_error_is_retriable(const rc_schema_registry_t *sr) { return sr ? sr->last_retriable : 0; }

/* Subjects are topic names plus "-value", but anything outside RFC 3986's
 * unreserved set is percent-encoded so a subject can never change the path. */
static char *rc_sr_escape(const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1), *p = out;

    if (!out)
        return NULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

/* Describes a non-2xx answer: the status plus the registry's error body
 * when it has the documented {"error_code", "message"} shape, else the
 * start of whatever it sent. */
static void rc_sr_describe_error(const rc_http_response_t *resp, char *buf, size_t size) {
    json_t *body = json_loadb(resp->body, resp->body_len, 0, NULL);
    json_t *code = json_object_get(body, "error_code"), *msg = json_object_get(body, "message");

    if (json_is_integer(code) || json_is_string(msg))
        snprintf(buf, size, "HTTP %ld, error_code %lld: %s", resp->status,
                 json_is_integer(code) ? (long long)json_integer_value(code) : 0LL,
                 json_is_string(msg) ? json_string_value(msg) : "(no message)");
    else
        snprintf(buf, size, "HTTP %ld: %.120s", resp->status, resp->body_len ? resp->body : "(empty body)");
    json_decref(body);
}

/* Performs one call. On success returns 0 with *bodyp the parsed JSON object
 * (caller's reference). On failure returns -1 with errstr prefixed by
 * "what" and last_retriable set. */
static int rc_sr_call(rc_schema_registry_t *sr, const char *what, const char *method, const char *url,
                      const char *body, json_t **bodyp, char *errstr, size_t errstr_size) {
    rc_http_request_t req = {0};
    rc_http_response_t resp;
    json_error_t jerr;
    char desc[512];
    int ret = -1;

    *bodyp = NULL;
    req.method = method;
    req.url = url;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.content_type = body ? RC_SR_CONTENT_TYPE : NULL;
    static const char *const accept[] = {"Accept: " RC_SR_CONTENT_TYPE ", application/json", NULL};
    req.headers = accept;

    if (rc_http_do(sr->http, &req, &resp)) {
        sr->last_retriable = 1;
        snprintf(errstr, errstr_size, "%s: schema registry unreachable: %s", what, resp.error);
        goto out;
    }
    if (resp.status < 200 || resp.status > 299) {
        sr->last_retriable = rc_http_status_retriable(resp.status);
        rc_sr_describe_error(&resp, desc, sizeof(desc));
        snprintf(errstr, errstr_size, "%s: registry said %s", what, desc);
        goto out;
    }
    sr->last_retriable = 0;
    if (resp.truncated || !(*bodyp = json_loadb(resp.body, resp.body_len, 0, &jerr)) || !json_is_object(*bodyp)) {
        snprintf(errstr, errstr_size, "%s: registry answered HTTP %ld with a body that is not a JSON object%s%s", what,
                 resp.status, *bodyp ? "" : ": ", *bodyp ? "" : jerr.text);
        json_decref(*bodyp);
        *bodyp = NULL;
        goto out;
    }
    ret = 0;
out:
    rc_http_response_clear(&resp);
    return ret;
}

/* Returns the cached schema text of "id" or NULL. */
static const char *rc_sr_id_cache_get(const rc_schema_registry_t *sr, int32_t id) {
    for (const rc_sr_id_entry_t *e = sr->by_id; e; e = e->next)
        if (e->id == id)
            return e->schema;
    return NULL;
}

/* Caches "schema" (copied) as the text of "id"; returns the cached copy,
 * or NULL when out of memory. */
static const char *rc_sr_id_cache_add(rc_schema_registry_t *sr, int32_t id, const char *schema) {
    rc_sr_id_entry_t *e;
    const char *have = rc_sr_id_cache_get(sr, id);

    if (have)
        return have;
    if (!(e = calloc(1, sizeof(*e))) || !(e->schema = strdup(schema))) {
        free(e);
        return NULL;
    }
    e->id = id;
    e->next = sr->by_id;
    sr->by_id = e;
    return e->schema;
}

int rc_schema_registry_register(rc_schema_registry_t *sr, const char *subject, const char *schema_json, int32_t *idp,
                                char *errstr, size_t errstr_size) {
    rc_sr_subject_entry_t *e;
    char *esc = NULL, *url = NULL, *body = NULL, what[300];
    json_t *req = NULL, *resp = NULL, *jid;
    int ret = -1;

    for (e = sr->by_subject; e; e = e->next) {
        if (!strcmp(e->subject, subject) && !strcmp(e->schema, schema_json)) {
            *idp = e->id;
            return 0;
        }
    }
    snprintf(what, sizeof(what), "registering schema under subject \"%s\"", subject);
    /* The schema travels as a JSON string inside the JSON body. */
    if ((esc = rc_sr_escape(subject)) && asprintf(&url, "%s/subjects/%s/versions", sr->url, esc) < 0)
        url = NULL;
    if (!url || !(req = json_pack("{s:s}", "schema", schema_json)) || !(body = json_dumps(req, JSON_COMPACT))) {
        snprintf(errstr, errstr_size, "%s: out of memory (or schema text is not UTF-8)", what);
        sr->last_retriable = 0;
        goto out;
    }
    if (rc_sr_call(sr, what, "POST", url, body, &resp, errstr, errstr_size))
        goto out;
    jid = json_object_get(resp, "id");
    if (!json_is_integer(jid) || json_integer_value(jid) < 0 || json_integer_value(jid) > INT32_MAX) {
        snprintf(errstr, errstr_size, "%s: registry response has no valid \"id\"", what);
        goto out;
    }
    if (!(e = calloc(1, sizeof(*e))) || !(e->subject = strdup(subject)) || !(e->schema = strdup(schema_json))) {
        if (e) {
            free(e->subject);
            free(e);
        }
        snprintf(errstr, errstr_size, "%s: out of memory", what);
        goto out;
    }
    e->id = (int32_t)json_integer_value(jid);
    e->next = sr->by_subject;
    sr->by_subject = e;
    *idp = e->id;
    ret = 0;
    /* The id now names this schema for good, so a process that reads back
     * what it wrote needs no GET for it. Best effort: on failure the GET
     * happens later. */
    rc_sr_id_cache_add(sr, e->id, schema_json);
out:
    free(esc);
    free(url);
    free(body);
    json_decref(req);
    json_decref(resp);
    return ret;
}

const char *rc_schema_registry_get_by_id(rc_schema_registry_t *sr, int32_t id, char *errstr, size_t errstr_size) {
    char *url = NULL, what[64];
    json_t *resp = NULL, *js;
    const char *ret = NULL;

    if ((ret = rc_sr_id_cache_get(sr, id)))
        return ret;
    snprintf(what, sizeof(what), "schema id %" PRId32, id);
    if (asprintf(&url, "%s/schemas/ids/%" PRId32, sr->url, id) < 0) {
        url = NULL;
        snprintf(errstr, errstr_size, "%s: out of memory", what);
        sr->last_retriable = 0;
        goto out;
    }
    if (rc_sr_call(sr, what, "GET", url, NULL, &resp, errstr, errstr_size))
        goto out;
    js = json_object_get(resp, "schema");
    if (!json_is_string(js)) {
        snprintf(errstr, errstr_size, "%s: registry response has no \"schema\" string", what);
        goto out;
    }
    if (!(ret = rc_sr_id_cache_add(sr, id, json_string_value(js))))
        snprintf(errstr, errstr_size, "%s: out of memory", what);
out:
    free(url);
    json_decref(resp);
    return ret;
}
