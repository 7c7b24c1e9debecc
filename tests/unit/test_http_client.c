/*
 * The HTTP client (common/http_client.c) against an in-process
 * libmicrohttpd fixture on a free loopback port, and the workers' HTTP
 * server (common/http_server.c) driven through that client.
 *
 * Fixture routes:
 *   GET  /status/<code>       -> <code>, body "status <code>"
 *   GET  /big?n=N             -> 200, N bytes of 'x'
 *   GET  /retry-after?v=VALUE -> 429 with "Retry-After: VALUE"
 *   GET  /slow                -> 200 after 1.5 s
 *   *    /echo                -> 200, JSON of what arrived (method, headers, body)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "http_client.h"
#include "http_server.h"
#include "metrics.h"
#include "redis_fixture.h" /* rc_rfx_free_port() */
#include "util.h"

typedef struct {
    char *buf;
    size_t len;
} rc_fx_body_t;

static struct MHD_Daemon *rc_fx_mhd;
static int rc_fx_port;

static enum MHD_Result rc_fx_send(struct MHD_Connection *conn, unsigned status, const char *body, const char *hname,
                                  const char *hvalue) {
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *rc_fx_hdr(struct MHD_Connection *conn, const char *name) {
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}


/* /trickle?n=N&every_ms=E&then_ms=T: N bytes "k", one every E ms, then
 * silence for T ms, then the end: a stream of sparse keep-alives. */
typedef struct {
    int n, sent;
    long every_ms, then_ms;
} rc_fx_trickle_t;

static ssize_t rc_fx_trickle_cb(void *cls, uint64_t pos, char *buf, size_t max) {
    rc_fx_trickle_t *t = cls;
    long ms = t->sent < t->n ? (t->sent ? t->every_ms : 0) : t->then_ms;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    if (t->sent > t->n)
        return MHD_CONTENT_READER_END_OF_STREAM;
    nanosleep(&ts, NULL);
    t->sent++;
    if (t->sent > t->n)
        return MHD_CONTENT_READER_END_OF_STREAM;
    buf[0] = 'k';
    return 1;
}

static enum MHD_Result rc_fx_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                     const char *version, const char *upload_data, size_t *upload_data_size,
                                     void **con_cls) {
    rc_fx_body_t *b = *con_cls;
    if (!b) {
        *con_cls = calloc(1, sizeof(rc_fx_body_t));
        return MHD_YES;
    }
    if (*upload_data_size) {
        b->buf = realloc(b->buf, b->len + *upload_data_size + 1);
        memcpy(b->buf + b->len, upload_data, *upload_data_size);
        b->len += *upload_data_size;
        b->buf[b->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/status/", 8)) {
        char body[64];
        snprintf(body, sizeof(body), "status %s", url + 8);
        return rc_fx_send(conn, (unsigned)atoi(url + 8), body, NULL, NULL);
    }
    if (!strcmp(url, "/big")) {
        const char *n = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "n");
        size_t len = n ? (size_t)atol(n) : 0;
        char *body = malloc(len + 1);
        memset(body, 'x', len);
        body[len] = '\0';
        enum MHD_Result r = rc_fx_send(conn, 200, body, NULL, NULL);
        free(body);
        return r;
    }
    if (!strcmp(url, "/retry-after")) {
        const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "v");
        return rc_fx_send(conn, 429, "{\"error\":\"slow down\"}", v ? "Retry-After" : NULL, v);
    }
    if (!strcmp(url, "/trickle")) {
        rc_fx_trickle_t *t = calloc(1, sizeof(*t));
        const char *v;
        t->n = (v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "n")) ? atoi(v) : 0;
        t->every_ms = (v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "every_ms")) ? atol(v) : 0;
        t->then_ms = (v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "then_ms")) ? atol(v) : 0;
        struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1, rc_fx_trickle_cb, t, free);
        enum MHD_Result ret = MHD_queue_response(conn, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (!strcmp(url, "/slow")) {
        struct timespec ts = {1, 500 * 1000 * 1000};
        nanosleep(&ts, NULL);
        return rc_fx_send(conn, 200, "late", NULL, NULL);
    }
    if (!strcmp(url, "/echo")) {
        json_t *o = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s%}", "method", method, "content_type",
                              rc_fx_hdr(conn, "Content-Type"), "authorization", rc_fx_hdr(conn, "Authorization"),
                              "x_test", rc_fx_hdr(conn, "X-Test"), "expect", rc_fx_hdr(conn, "Expect"), "user_agent",
                              rc_fx_hdr(conn, "User-Agent"), "body", b->buf ? b->buf : "", b->len);
        char *txt = json_dumps(o, JSON_COMPACT);
        enum MHD_Result r = rc_fx_send(conn, 200, txt, "Content-Type", "application/json");
        free(txt);
        json_decref(o);
        return r;
    }
    return rc_fx_send(conn, 404, "no such fixture route", NULL, NULL);
}

static void rc_fx_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
    rc_fx_body_t *b = *con_cls;
    if (b) {
        free(b->buf);
        free(b);
        *con_cls = NULL;
    }
}

static int rc_fx_setup(void **state) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc_fx_mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                                 rc_fx_handler, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
                                 rc_fx_completed, NULL, MHD_OPTION_END);
    if (!rc_fx_mhd)
        return -1;
    rc_fx_port = MHD_get_daemon_info(rc_fx_mhd, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int rc_fx_teardown(void **state) {
    MHD_stop_daemon(rc_fx_mhd);
    rc_metrics_reset();
    curl_global_cleanup();
    return 0;
}

static const char *rc_fx_url(const char *path) {
    static char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", rc_fx_port, path);
    return url;
}

static int rc_t_get(rc_http_client_t *c, const char *url, rc_http_response_t *resp) {
    rc_http_request_t req = {.method = "GET", .url = url};
    return rc_http_do(c, &req, resp);
}

/* ---- client ---- */

static void test_http_client_returns_status_and_body_for_any_status(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    const long codes[] = {200, 201, 404, 500, 503};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char path[32], want[32];
        snprintf(path, sizeof(path), "/status/%ld", codes[i]);
        snprintf(want, sizeof(want), "status %ld", codes[i]);
        assert_int_equal(rc_t_get(c, rc_fx_url(path), &resp), 0);
        assert_int_equal(resp.status, codes[i]);
        assert_string_equal(resp.body, want);
        assert_int_equal(resp.body_len, strlen(want));
        assert_int_equal(resp.truncated, 0);
        assert_int_equal(resp.retry_after_ms, 0);
        rc_http_response_clear(&resp);
        assert_null(resp.body);
    }
    rc_http_response_clear(&resp); /* twice is fine */
    rc_http_response_clear(NULL);
    rc_http_client_destroy(c);
    rc_http_client_destroy(NULL);
}

static void test_http_client_empty_body_is_an_empty_string(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    assert_int_equal(rc_t_get(c, rc_fx_url("/big?n=0"), &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(resp.body);
    assert_string_equal(resp.body, "");
    assert_int_equal(resp.body_len, 0);
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

static void test_http_client_caps_the_body_and_flags_truncation(void **state) {
    rc_http_client_t *c = rc_http_client_new(1000);
    rc_http_response_t resp;
    /* Exactly the cap: whole, not truncated. */
    assert_int_equal(rc_t_get(c, rc_fx_url("/big?n=1000"), &resp), 0);
    assert_int_equal(resp.body_len, 1000);
    assert_int_equal(resp.truncated, 0);
    rc_http_response_clear(&resp);
    /* Over the cap (and over several write callbacks): cut, flagged, still a
     * successful transfer with the status. */
    assert_int_equal(rc_t_get(c, rc_fx_url("/big?n=300000"), &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.truncated, 1);
    assert_int_equal(resp.body_len, 1000);
    assert_int_equal(strlen(resp.body), 1000);
    rc_http_response_clear(&resp);
    /* The handle stays usable (and the flag does not stick). */
    assert_int_equal(rc_t_get(c, rc_fx_url("/status/200"), &resp), 0);
    assert_int_equal(resp.truncated, 0);
    assert_string_equal(resp.body, "status 200");
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

static void test_http_client_parses_retry_after_seconds_header(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    assert_int_equal(rc_t_get(c, rc_fx_url("/retry-after?v=7"), &resp), 0);
    assert_int_equal(resp.status, 429);
    assert_int_equal(resp.retry_after_ms, 7000);
    rc_http_response_clear(&resp);
    /* Unparseable or absent: 0. */
    assert_int_equal(rc_t_get(c, rc_fx_url("/retry-after?v=soon"), &resp), 0);
    assert_int_equal(resp.retry_after_ms, 0);
    rc_http_response_clear(&resp);
    assert_int_equal(rc_t_get(c, rc_fx_url("/retry-after"), &resp), 0);
    assert_int_equal(resp.retry_after_ms, 0);
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

static void test_http_client_parses_retry_after_http_date_header(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    char date[64], path[128];
    time_t t = time(NULL) + 120;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a,%%20%d%%20%b%%20%Y%%20%H:%M:%S%%20GMT", &tm); /* URL-encoded spaces */
    snprintf(path, sizeof(path), "/retry-after?v=%s", date);
    assert_int_equal(rc_t_get(c, rc_fx_url(path), &resp), 0);
    assert_int_equal(resp.status, 429);
    assert_true(resp.retry_after_ms >= 115000 && resp.retry_after_ms <= 120000);
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

static json_t *rc_t_echo(rc_http_client_t *c, const rc_http_request_t *req) {
    rc_http_response_t resp;
    json_error_t je;
    assert_int_equal(rc_http_do(c, req, &resp), 0);
    assert_int_equal(resp.status, 200);
    json_t *o = json_loads(resp.body, 0, &je);
    rc_http_response_clear(&resp);
    assert_non_null(o);
    return o;
}

static void test_http_client_sends_method_body_content_type_headers_and_basic_auth(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    const char *hdrs[] = {"X-Test: yes", NULL};
    const char body[] = "{\"subject\":\"hi\"}";
    rc_http_request_t req = {.method = "POST",
                             .url = rc_fx_url("/echo"),
                             .body = body,
                             .body_len = strlen(body),
                             .content_type = "application/json",
                             .headers = hdrs,
                             .user = "root",
                             .password = "password"};
    json_t *o = rc_t_echo(c, &req);
    assert_string_equal(json_string_value(json_object_get(o, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(o, "content_type")), "application/json");
    assert_string_equal(json_string_value(json_object_get(o, "authorization")), "Basic cm9vdDpwYXNzd29yZA==");
    assert_string_equal(json_string_value(json_object_get(o, "x_test")), "yes");
    assert_string_equal(json_string_value(json_object_get(o, "body")), body);
    assert_string_equal(json_string_value(json_object_get(o, "user_agent")), "ricochet/0.1");
    json_decref(o);
    rc_http_client_destroy(c);
}

static void test_http_client_reset_between_requests_drops_auth_and_headers(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    const char *hdrs[] = {"X-Test: first", NULL};
    rc_http_request_t first = {.method = "POST", .url = rc_fx_url("/echo"), .body = "a", .body_len = 1,
                               .headers = hdrs, .user = "u", .password = "p"};
    json_decref(rc_t_echo(c, &first));
    rc_http_request_t second = {.method = "GET", .url = rc_fx_url("/echo")};
    json_t *o = rc_t_echo(c, &second);
    assert_string_equal(json_string_value(json_object_get(o, "method")), "GET");
    assert_true(json_is_null(json_object_get(o, "authorization")));
    assert_true(json_is_null(json_object_get(o, "x_test")));
    assert_string_equal(json_string_value(json_object_get(o, "body")), "");
    json_decref(o);
    rc_http_client_destroy(c);
}

static void test_http_client_large_post_sends_no_expect_100_continue(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    char *body = malloc(200001);
    memset(body, 'b', 200000);
    body[200000] = '\0';
    rc_http_request_t req = {.method = "PUT", .url = rc_fx_url("/echo"), .body = body, .body_len = 200000,
                             .content_type = "text/plain"};
    json_t *o = rc_t_echo(c, &req);
    assert_string_equal(json_string_value(json_object_get(o, "method")), "PUT");
    assert_true(json_is_null(json_object_get(o, "expect")));
    assert_int_equal(json_string_length(json_object_get(o, "body")), 200000);
    json_decref(o);
    free(body);
    rc_http_client_destroy(c);
}

static void test_http_client_transport_error_on_closed_port(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", rc_rfx_free_port());
    assert_int_equal(rc_t_get(c, url, &resp), -1);
    assert_int_equal(resp.status, 0);
    assert_non_null(strstr(resp.error, url));
    assert_non_null(strstr(resp.error, "onnect")); /* "Couldn't connect to server" */
    assert_non_null(resp.body);
    assert_string_equal(resp.body, "");
    rc_http_response_clear(&resp);
    assert_true(rc_http_status_retriable(resp.status));
    rc_http_client_destroy(c);
}

static void test_http_client_timeout_is_a_transport_error(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    rc_http_request_t req = {.method = "GET", .url = rc_fx_url("/slow"), .timeout_ms = 300};
    int64_t t0 = rc_mono_ms();
    assert_int_equal(rc_http_do(c, &req, &resp), -1);
    int64_t took = rc_mono_ms() - t0;
    assert_true(took < 1400);
    assert_int_equal(resp.status, 0);
    assert_non_null(strstr(resp.error, "imeout")); /* "Timeout was reached" */
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

typedef struct {
    size_t bytes;
    int stop_after;
} rc_t_stream_t;

static int rc_t_on_data(void *opaque, const char *data, size_t len) {
    rc_t_stream_t *s = opaque;
    s->bytes += len;
    return s->stop_after && s->bytes >= (size_t)s->stop_after;
}

/* Keep-alives every 1.2 s keep a stream with a 2 s idle timeout alive for
 * 3.6 s: under 1 byte/s, which curl's low-speed limit (a rate averaged
 * over the window) took for a stall. Every byte reaches on_data. */
static void test_http_client_sparse_keepalives_are_not_idle(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_t_stream_t s = {0, 0};
    rc_http_response_t resp;
    rc_http_request_t req = {.method = "GET", .url = rc_fx_url("/trickle?n=4&every_ms=1200&then_ms=0"),
                             .timeout_ms = -1, .on_data = rc_t_on_data, .opaque = &s, .idle_timeout_ms = 2000};
    (void)state;
    assert_int_equal(rc_http_do(c, &req, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(s.bytes, 4);
    assert_int_equal(resp.body_len, 0); /* streamed, not buffered */
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

/* Silence longer than the idle timeout ends the transfer soon after the
 * timeout, with a reason. */
static void test_http_client_silence_past_idle_timeout_fails_with_reason(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_t_stream_t s = {0, 0};
    rc_http_response_t resp;
    rc_http_request_t req = {.method = "GET", .url = rc_fx_url("/trickle?n=1&every_ms=0&then_ms=3000"),
                             .timeout_ms = -1, .on_data = rc_t_on_data, .opaque = &s, .idle_timeout_ms = 600};
    (void)state;
    int64_t t0 = rc_mono_ms();
    assert_int_equal(rc_http_do(c, &req, &resp), -1);
    int64_t took = rc_mono_ms() - t0;
    assert_in_range(took, 550, 2500);
    assert_non_null(strstr(resp.error, "idle timeout"));
    assert_true(resp.idle);
    assert_int_equal(s.bytes, 1);
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

/* on_data asking to stop ends the transfer at once and says so. */
static void test_http_client_on_data_can_stop_a_stream(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_t_stream_t s = {0, 3};
    rc_http_response_t resp;
    rc_http_request_t req = {.method = "GET", .url = rc_fx_url("/trickle?n=50&every_ms=50&then_ms=0"),
                             .timeout_ms = -1, .on_data = rc_t_on_data, .opaque = &s};
    (void)state;
    int64_t t0 = rc_mono_ms();
    assert_int_equal(rc_http_do(c, &req, &resp), -1);
    assert_true(resp.stopped);
    assert_int_equal(resp.status, 200);
    assert_int_equal(s.bytes, 3);
    assert_true(rc_mono_ms() - t0 < 1500);
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

/* A non-2xx answer to a streaming request is buffered (its error body),
 * not passed to on_data, and its headers are kept. */
static void test_http_client_stream_error_answer_is_buffered_with_headers(void **state) {
    rc_http_client_t *c = rc_http_client_new(0);
    rc_t_stream_t s = {0, 0};
    rc_http_response_t resp;
    char v[32];
    rc_http_request_t req = {.method = "GET", .url = rc_fx_url("/retry-after?v=7"), .on_data = rc_t_on_data,
                             .opaque = &s};
    (void)state;
    assert_int_equal(rc_http_do(c, &req, &resp), 0);
    assert_int_equal(resp.status, 429);
    assert_int_equal(s.bytes, 0);
    assert_string_equal(resp.body, "{\"error\":\"slow down\"}");
    assert_int_equal(rc_http_header_get(resp.headers, "retry-after", v, sizeof(v)), 1);
    assert_string_equal(v, "7");
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
}

static void test_http_status_retriable_table(void **state) {
    const long yes[] = {0, 408, 425, 429, 500, 502, 503, 504, 599};
    const long no[] = {200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 413, 422, 499, 600};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!rc_http_status_retriable(yes[i]))
            fail_msg("%ld should be retriable", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (rc_http_status_retriable(no[i]))
            fail_msg("%ld should not be retriable", no[i]);
}

static void test_http_parse_retry_after_pure_cases(void **state) {
    /* RFC 9110's example date, 784111777 seconds after the epoch. */
    const long at = 784111777;
    assert_int_equal(rc_http_parse_retry_after("120", 0), 120000);
    assert_int_equal(rc_http_parse_retry_after(" 5\r\n", 0), 5000);
    assert_int_equal(rc_http_parse_retry_after("0", 0), 0);
    assert_int_equal(rc_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at - 30), 30000);
    assert_int_equal(rc_http_parse_retry_after(" Sun, 06 Nov 1994 08:49:37 GMT\r\n", at - 1), 1000);
    /* A date in the past means "now". */
    assert_int_equal(rc_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at + 100), 0);
    assert_int_equal(rc_http_parse_retry_after("", 0), -1);
    assert_int_equal(rc_http_parse_retry_after("soon", 0), -1);
    assert_int_equal(rc_http_parse_retry_after("5s", 0), -1);
    assert_int_equal(rc_http_parse_retry_after("-5", 0), -1);
    assert_int_equal(rc_http_parse_retry_after("1.5", 0), -1);
    assert_int_equal(rc_http_parse_retry_after("Sun, 06 Nov 1994", 0), -1);
    assert_int_equal(rc_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT and more", 0), -1);
    /* A huge value is clamped rather than overflowing into a negative. */
    assert_true(rc_http_parse_retry_after("99999999999999999999", 0) > 0);
}

/* ---- server ---- */

typedef struct {
    int ready;
    int calls;
} rc_t_srv_state_t;

static int rc_t_ready(void *opaque, char *why, size_t why_size) {
    rc_t_srv_state_t *st = opaque;
    if (!st->ready)
        snprintf(why, why_size, "kafka not connected");
    return st->ready;
}

static int rc_t_ingest(void *opaque, const rc_http_req_t *req, rc_http_reply_t *reply) {
    rc_t_srv_state_t *st = opaque;
    const char *sig = rc_http_req_header(req, "X-Signature");
    st->calls++;
    reply->status = 202;
    if (asprintf(&reply->body, "%s %s %zu %s %s", req->method, req->path, req->body_len, req->body,
                 sig ? sig : "-") < 0)
        reply->body = NULL;
    reply->content_type = "text/plain";
    return 0;
}

static rc_http_server_t *rc_t_server(rc_t_srv_state_t *st) {
    char err[256] = "";
    rc_http_server_t *srv = rc_http_server_new("127.0.0.1", 0, 1024, "testsrv", rc_t_ready, st, err, sizeof(err));
    assert_non_null(srv);
    rc_http_server_route(srv, "POST", "/ingest", rc_t_ingest, st);
    if (rc_http_server_start(srv, err, sizeof(err)))
        fail_msg("start: %s", err);
    assert_true(rc_http_server_port(srv) > 0);
    return srv;
}

static long rc_t_srv_do(rc_http_server_t *srv, const char *method, const char *path, const char *body,
                        const char *const *headers, char **out) {
    char url[128];
    rc_http_client_t *c = rc_http_client_new(0);
    rc_http_response_t resp;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", rc_http_server_port(srv), path);
    rc_http_request_t req = {.method = method, .url = url, .body = body, .body_len = body ? strlen(body) : 0,
                             .headers = headers};
    assert_int_equal(rc_http_do(c, &req, &resp), 0);
    long st = resp.status;
    if (out)
        *out = strdup(resp.body);
    rc_http_response_clear(&resp);
    rc_http_client_destroy(c);
    return st;
}

/* Content-Type of a GET, read with libcurl directly (the client under test
 * does not return response headers). */
static char *rc_t_content_type(rc_http_server_t *srv, const char *path) {
    char url[128];
    char *ct = NULL, *out;
    size_t outlen;
    FILE *sink = open_memstream(&out, &outlen);
    CURL *e = curl_easy_init();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", rc_http_server_port(srv), path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
    ct = ct ? strdup(ct) : NULL;
    curl_easy_cleanup(e);
    fclose(sink);
    free(out);
    return ct;
}

static void test_http_server_healthz_and_metrics(void **state) {
    rc_t_srv_state_t st = {1, 0};
    rc_http_server_t *srv = rc_t_server(&st);
    char *body = NULL;
    assert_int_equal(rc_t_srv_do(srv, "GET", "/healthz", NULL, NULL, &body), 200);
    assert_string_equal(body, "{\"status\":\"ok\"}");
    free(body);
    assert_int_equal(rc_t_srv_do(srv, "GET", "/metrics", NULL, NULL, &body), 200);
    /* The server counts its own requests, under the stage's name. */
    assert_non_null(strstr(body, "# TYPE ricochet_testsrv_http_requests_total counter"));
    const char *line = strstr(body, "\nricochet_testsrv_http_requests_total ");
    assert_non_null(line);
    assert_true(atol(line + strlen("\nricochet_testsrv_http_requests_total ")) >= 1);
    free(body);
    char *ct = rc_t_content_type(srv, "/metrics");
    assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
    free(ct);
    ct = rc_t_content_type(srv, "/healthz");
    assert_string_equal(ct, "application/json");
    free(ct);
    rc_http_server_destroy(srv);
    rc_http_server_destroy(NULL);
}

static void test_http_server_readyz_reports_reason_with_503(void **state) {
    rc_t_srv_state_t st = {0, 0};
    rc_http_server_t *srv = rc_t_server(&st);
    char *body = NULL;
    json_error_t je;
    assert_int_equal(rc_t_srv_do(srv, "GET", "/readyz", NULL, NULL, &body), 503);
    json_t *o = json_loads(body, 0, &je);
    assert_non_null(o);
    assert_true(json_is_false(json_object_get(o, "ready")));
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "kafka not connected");
    json_decref(o);
    free(body);
    st.ready = 1;
    assert_int_equal(rc_t_srv_do(srv, "GET", "/readyz", NULL, NULL, &body), 200);
    o = json_loads(body, 0, &je);
    assert_true(json_is_true(json_object_get(o, "ready")));
    json_decref(o);
    free(body);
    rc_http_server_destroy(srv);
}

static void test_http_server_custom_post_route_gets_body_and_headers(void **state) {
    rc_t_srv_state_t st = {1, 0};
    rc_http_server_t *srv = rc_t_server(&st);
    const char *hdrs[] = {"X-Signature: sha256=ab", NULL};
    char *body = NULL;
    assert_int_equal(rc_t_srv_do(srv, "POST", "/ingest", "{\"a\":1}", hdrs, &body), 202);
    assert_string_equal(body, "POST /ingest 7 {\"a\":1} sha256=ab");
    free(body);
    assert_int_equal(st.calls, 1);
    /* An empty body reaches the handler as "". */
    assert_int_equal(rc_t_srv_do(srv, "POST", "/ingest", NULL, NULL, &body), 202);
    assert_string_equal(body, "POST /ingest 0  -");
    free(body);
    rc_http_server_destroy(srv);
}

static void test_http_server_body_over_max_is_413_without_calling_the_handler(void **state) {
    rc_t_srv_state_t st = {1, 0};
    rc_http_server_t *srv = rc_t_server(&st);
    rc_metric_t *too_large = rc_counter("ricochet_testsrv_http_body_too_large_total", NULL, "x");
    uint64_t before = rc_metric_value(too_large);
    char big[1026], *body = NULL;
    memset(big, 'z', 1025);
    big[1025] = '\0';
    assert_int_equal(rc_t_srv_do(srv, "POST", "/ingest", big, NULL, &body), 413);
    assert_non_null(strstr(body, "1024"));
    free(body);
    assert_int_equal(st.calls, 0);
    assert_int_equal(rc_metric_value(too_large), before + 1);
    /* Exactly max_body is accepted. */
    big[1024] = '\0';
    assert_int_equal(rc_t_srv_do(srv, "POST", "/ingest", big, NULL, &body), 202);
    free(body);
    assert_int_equal(st.calls, 1);
    rc_http_server_destroy(srv);
}

static void test_http_server_unknown_path_404_and_wrong_method_405(void **state) {
    rc_t_srv_state_t st = {1, 0};
    rc_http_server_t *srv = rc_t_server(&st);
    assert_int_equal(rc_t_srv_do(srv, "GET", "/nope", NULL, NULL, NULL), 404);
    assert_int_equal(rc_t_srv_do(srv, "GET", "/ingest", NULL, NULL, NULL), 405);
    assert_int_equal(rc_t_srv_do(srv, "DELETE", "/ingest", NULL, NULL, NULL), 405);
    assert_int_equal(st.calls, 0);
    rc_http_server_destroy(srv);
}

static void test_http_server_bad_address_and_port_in_use_fail_with_reason(void **state) {
    char err[256] = "";
    rc_http_server_t *srv = rc_http_server_new("localhost", 0, 0, "testsrv", NULL, NULL, err, sizeof(err));
    assert_int_equal(rc_http_server_start(srv, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "invalid listen address 'localhost'"));
    rc_http_server_destroy(srv);
    rc_t_srv_state_t st = {1, 0};
    rc_http_server_t *first = rc_t_server(&st);
    srv = rc_http_server_new("127.0.0.1", rc_http_server_port(first), 0, "testsrv", NULL, NULL, err, sizeof(err));
    assert_int_equal(rc_http_server_start(srv, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
    rc_http_server_destroy(srv);
    rc_http_server_destroy(first);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_client_returns_status_and_body_for_any_status),
        cmocka_unit_test(test_http_client_empty_body_is_an_empty_string),
        cmocka_unit_test(test_http_client_caps_the_body_and_flags_truncation),
        cmocka_unit_test(test_http_client_parses_retry_after_seconds_header),
        cmocka_unit_test(test_http_client_parses_retry_after_http_date_header),
        cmocka_unit_test(test_http_client_sends_method_body_content_type_headers_and_basic_auth),
        cmocka_unit_test(test_http_client_reset_between_requests_drops_auth_and_headers),
        cmocka_unit_test(test_http_client_large_post_sends_no_expect_100_continue),
        cmocka_unit_test(test_http_client_transport_error_on_closed_port),
        cmocka_unit_test(test_http_client_timeout_is_a_transport_error),
        cmocka_unit_test(test_http_client_sparse_keepalives_are_not_idle),
        cmocka_unit_test(test_http_client_silence_past_idle_timeout_fails_with_reason),
        cmocka_unit_test(test_http_client_on_data_can_stop_a_stream),
        cmocka_unit_test(test_http_client_stream_error_answer_is_buffered_with_headers),
        cmocka_unit_test(test_http_status_retriable_table),
        cmocka_unit_test(test_http_parse_retry_after_pure_cases),
        cmocka_unit_test(test_http_server_healthz_and_metrics),
        cmocka_unit_test(test_http_server_readyz_reports_reason_with_503),
        cmocka_unit_test(test_http_server_custom_post_route_gets_body_and_headers),
        cmocka_unit_test(test_http_server_body_over_max_is_413_without_calling_the_handler),
        cmocka_unit_test(test_http_server_unknown_path_404_and_wrong_method_405),
        cmocka_unit_test(test_http_server_bad_address_and_port_in_use_fail_with_reason),
    };
    return cmocka_run_group_tests(tests, rc_fx_setup, rc_fx_teardown);
}
