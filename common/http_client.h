/*
 * A small synchronous HTTP client over libcurl, shared by every component
 * that talks to an outside service (sinks, schema registry, lookups).
 *
 * The response body is kept in a buffer with a size cap, so a misbehaving
 * server cannot make a worker allocate without bound. Retry-After (seconds
 * or an HTTP date) is parsed into milliseconds for the caller's backoff.
 *
 * Thread locality: an rc_http_client_t (one CURL easy handle, reused so
 * connections are kept alive) is used by one thread at a time.
 */
#ifndef RC_HTTP_CLIENT_H
#define RC_HTTP_CLIENT_H

#include <stddef.h>

typedef struct rc_http_client rc_http_client_t;

typedef struct rc_http_request {
    const char *method;        /* "GET", "POST", "PUT", ... */
    const char *url;
    const char *body;          /* may be NULL */
    size_t body_len;
    const char *content_type;  /* e.g. "application/json"; NULL for none */
    const char *const *headers;/* extra "Name: value" lines, NULL-terminated; may be NULL */
    const char *user;          /* basic auth, both or neither */
    const char *password;
    long timeout_ms;           /* whole request; 0 = 10000; -1 = none (streams) */
    /* Streaming (optional). When on_data is set and the status is 2xx, body
     * bytes go to on_data as they arrive instead of into resp->body (a non-2xx
     * body is still buffered, for its error). on_data returns 0 to go on,
     * non-zero to end the transfer (rc_http_do then returns -1 with error
     * "stopped by caller"). */
    int (*on_data)(void *opaque, const char *data, size_t len);
    /* Called about once a second while the transfer runs (also when no
     * bytes come); returns 0 to go on, non-zero to abort as above. */
    int (*keep_going)(void *opaque);
    void *opaque;
    /* Abort when no byte arrived for this long (a stalled stream; any byte,
     * keep-alives too, counts); 0 = off. rc_http_do() then returns -1 with
     * "idle timeout" in resp->error. */
    long idle_timeout_ms;
} rc_http_request_t;

typedef struct rc_http_response {
    long status;           /* HTTP status, 0 when no response (see error) */
    char *body;            /* NUL-terminated, owned by the response */
    size_t body_len;
    long retry_after_ms;   /* from Retry-After, 0 if absent */
    int truncated;         /* body exceeded the cap and was cut */
    char error[256];       /* transport error text when status == 0 */
    char *headers;         /* the response header lines as received ("Name: value\r\n"...), NUL-terminated,
                            * capped at 16 KiB; owned by the response */
    size_t headers_len;
    int stopped;           /* on_data or keep_going ended the transfer */
    int idle;              /* ended by idle_timeout_ms */
} rc_http_response_t;

/* "max_body" caps a response body (0 = 4 MiB). Returns NULL on allocation
 * failure. */
rc_http_client_t *rc_http_client_new(size_t max_body);
void rc_http_client_destroy(rc_http_client_t *c); /* safe on NULL */

/* Performs the request. Returns 0 when an HTTP response arrived (any
 * status), -1 on a transport error (connect, timeout, TLS; resp->error says
 * which). In both cases "resp" must be released with
 * rc_http_response_clear(). */
int rc_http_do(rc_http_client_t *c, const rc_http_request_t *req, rc_http_response_t *resp);

void rc_http_response_clear(rc_http_response_t *resp);

/* The value of header "name" (case-insensitive) in a header block such as
 * resp->headers, copied into "out" without surrounding blanks; the last
 * occurrence wins (after redirects the final response's headers come last).
 * Returns 1 when found, 0 when not. Pure. */
int rc_http_header_get(const char *headers, const char *name, char *out, size_t out_size);

/* Whether a status is worth retrying: 0 (transport), 408, 425, 429, 5xx. */
int rc_http_status_retriable(long status);

/* Parses a Retry-After value: delta-seconds or an IMF-fixdate. Returns
 * milliseconds from now (>= 0), or -1 when unparseable. Pure. */
long rc_http_parse_retry_after(const char *value, long now_epoch_s);

#endif
