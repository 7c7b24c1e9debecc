/*
 * The HTTP endpoint every worker serves (libmicrohttpd): /metrics, /healthz, /readyz, plus routes a stage adds (ingest's
 * POST /ingest webhook).
 *
 * Each connection has its own thread (at most 64 at once), so a webhook
 * request waiting for Kafka does not hold up /metrics or /readyz; handlers
 * may therefore run concurrently and must lock what they share.
 * Request bodies are capped at "max_body" bytes: a larger body is answered
 * 413 without calling the handler and counted.
 */
#ifndef RC_HTTP_SERVER_H
#define RC_HTTP_SERVER_H

#include <stddef.h>

typedef struct rc_http_server rc_http_server_t;

typedef struct rc_http_req {
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated copy; body_len excludes the NUL */
    size_t body_len;
    void *conn;       /* for rc_http_req_header() */
} rc_http_req_t;

typedef struct rc_http_reply {
    int status;
    char *body;              /* malloc'd by the handler; freed by the server */
    const char *content_type;/* static string; default application/json */
} rc_http_reply_t;

/* Returns 0; fills "reply". */
typedef int (*rc_http_handler_t)(void *opaque, const rc_http_req_t *req, rc_http_reply_t *reply);
/* Readiness: returns 1 when ready, else 0 with the reason in "why". */
typedef int (*rc_http_ready_t)(void *opaque, char *why, size_t why_size);

/* Listen on "address":"port" (port 0 = any free port). Returns NULL with
 * errstr on failure. */
rc_http_server_t *rc_http_server_new(const char *address, int port, size_t max_body, const char *stage,
                                     rc_http_ready_t ready, void *ready_opaque, char *errstr, size_t errstr_size);
/* Add a route before rc_http_server_start(). Strings are borrowed and must
 * outlive the server. */
void rc_http_server_route(rc_http_server_t *srv, const char *method, const char *path, rc_http_handler_t cb,
                          void *opaque);
int rc_http_server_start(rc_http_server_t *srv, char *errstr, size_t errstr_size);
int rc_http_server_port(const rc_http_server_t *srv); /* the bound port */
void rc_http_server_destroy(rc_http_server_t *srv);   /* stops it; safe on NULL */

/* A request header's value, or NULL. */
const char *rc_http_req_header(const rc_http_req_t *req, const char *name);
/* A query-string argument of the request, URL-decoded, or NULL. Borrowed;
 * valid while the handler runs. */
const char *rc_http_req_query(const rc_http_req_t *req, const char *name);

#endif
