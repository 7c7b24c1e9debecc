#include "http_server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

#define RC_HTTP_MAX_ROUTES 8
#define RC_HTTP_MAX_CONNECTIONS 64

typedef struct {
    const char *method, *path;
    rc_http_handler_t cb;
    void *opaque;
} rc_http_route_t;

struct rc_http_server {
    struct MHD_Daemon *mhd;
    char address[64];
    int port;
    size_t max_body;
    rc_http_ready_t ready;
    void *ready_opaque;
    rc_http_route_t routes[RC_HTTP_MAX_ROUTES];
    int nroutes;
    rc_metric_t *m_requests, *m_too_large;
    /* Requests between their first callback and their completion (the MHD
     * thread writes it; destroy reads it from another thread). */
    _Atomic int active;
};

/* Per-request upload state. */
typedef struct {
    char *buf;
    size_t len, cap;
    int too_large;
} rc_http_upload_t;

static enum MHD_Result rc_http_send(struct MHD_Connection *conn, int status, const char *body, size_t len,
                                    const char *ctype) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result rc_http_send_str(struct MHD_Connection *conn, int status, const char *s) {
    return rc_http_send(conn, status, s, strlen(s), "application/json");
}

const char *rc_http_req_header(const rc_http_req_t *req, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

const char *rc_http_req_query(const rc_http_req_t *req, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result rc_http_dispatch(rc_http_server_t *srv, struct MHD_Connection *conn, const char *url,
                                        const char *method, rc_http_upload_t *up) {
    char why[256] = "";
    int builtin = !strcmp(url, "/metrics") || !strcmp(url, "/healthz") || !strcmp(url, "/readyz");

    if (builtin && strcmp(method, "GET") && strcmp(method, "HEAD"))
        return rc_http_send_str(conn, 405, "{\"error\":\"method not allowed\"}");
    if (!strcmp(url, "/metrics")) {
        size_t len;
        char *txt = rc_metrics_render(&len);
        enum MHD_Result r = rc_http_send(conn, 200, txt, len, "text/plain; version=0.0.4; charset=utf-8");
        free(txt);
        return r;
    }
    if (!strcmp(url, "/healthz"))
        return rc_http_send_str(conn, 200, "{\"status\":\"ok\"}");
    if (!strcmp(url, "/readyz")) {
        int ok = srv->ready ? srv->ready(srv->ready_opaque, why, sizeof(why)) : 1;
        /* jansson escapes the reason, whatever it contains. */
        json_t *o = json_pack("{s:b, s:s}", "ready", ok, "reason", ok ? "" : why);
        char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        enum MHD_Result r = rc_http_send_str(conn, ok ? 200 : 503, body ? body : "{}");
        free(body);
        return r;
    }
    int path_known = 0;
    for (int i = 0; i < srv->nroutes; i++) {
        rc_http_route_t *rt = &srv->routes[i];
        if (strcmp(rt->path, url))
            continue;
        path_known = 1;
        if (strcmp(rt->method, method))
            continue; /* another route may take this method */
        rc_http_req_t req = {method, url, up->buf ? up->buf : "", up->len, conn};
        rc_http_reply_t reply = {500, NULL, NULL};
        rt->cb(rt->opaque, &req, &reply);
        const char *b = reply.body ? reply.body : "";
        enum MHD_Result r =
            rc_http_send(conn, reply.status, b, strlen(b), reply.content_type ? reply.content_type : "application/json");
        free(reply.body);
        return r;
    }
    if (path_known)
        return rc_http_send_str(conn, 405, "{\"error\":\"method not allowed\"}");
    return rc_http_send_str(conn, 404, "{\"error\":\"not found\"}");
}

static enum MHD_Result rc_http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                      const char *version, const char *upload_data, size_t *upload_data_size,
                                      void **con_cls) {
    rc_http_server_t *srv = cls;
    rc_http_upload_t *up = *con_cls;

    if (!up) {
        /* First call for this request: headers only. */
        up = calloc(1, sizeof(*up));
        if (!up)
            return MHD_NO;
        *con_cls = up;
        atomic_fetch_add(&srv->active, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (up->too_large || up->len + n > srv->max_body) {
            up->too_large = 1; /* keep draining, answer 413 at the end */
            return MHD_YES;
        }
        if (up->len + n + 1 > up->cap) {
            size_t ncap = up->cap ? up->cap : 4096;
            while (ncap < up->len + n + 1)
                ncap *= 2;
            char *nb = realloc(up->buf, ncap);
            if (!nb)
                return MHD_NO;
            up->buf = nb;
            up->cap = ncap;
        }
        memcpy(up->buf + up->len, upload_data, n);
        up->len += n;
        up->buf[up->len] = '\0';
        return MHD_YES;
    }
    rc_metric_inc(srv->m_requests, 1);
    if (up->too_large) {
        rc_metric_inc(srv->m_too_large, 1);
        char body[160];
        snprintf(body, sizeof(body), "{\"error\":\"body larger than %zu bytes\"}", srv->max_body);
        return rc_http_send_str(conn, 413, body);
    }
    return rc_http_dispatch(srv, conn, url, method, up);
}

static void rc_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
    rc_http_server_t *srv = cls;
    rc_http_upload_t *up = *con_cls;
    if (up) {
        atomic_fetch_sub(&srv->active, 1);
        free(up->buf);
        free(up);
        *con_cls = NULL;
    }
}

rc_http_server_t *rc_http_server_new(const char *address, int port, size_t max_body, const char *stage,
                                     rc_http_ready_t ready, void *ready_opaque, char *errstr, size_t errstr_size) {
    rc_http_server_t *srv = calloc(1, sizeof(*srv));
    char name[128];

    if (!srv) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    snprintf(srv->address, sizeof(srv->address), "%s", address && *address ? address : "0.0.0.0");
    srv->port = port;
    srv->max_body = max_body ? max_body : 1u << 20;
    srv->ready = ready;
    srv->ready_opaque = ready_opaque;
    snprintf(name, sizeof(name), "ricochet_%s_http_requests_total", stage);
    srv->m_requests = rc_counter(name, NULL, "HTTP requests served.");
    snprintf(name, sizeof(name), "ricochet_%s_http_body_too_large_total", stage);
    srv->m_too_large = rc_counter(name, NULL, "HTTP requests refused with 413 because the body was too large.");
    return srv;
}

void rc_http_server_route(rc_http_server_t *srv, const char *method, const char *path, rc_http_handler_t cb,
                          void *opaque) {
    if (srv->nroutes < RC_HTTP_MAX_ROUTES)
        srv->routes[srv->nroutes++] = (rc_http_route_t){method, path, cb, opaque};
}

int rc_http_server_start(rc_http_server_t *srv, char *errstr, size_t errstr_size) {
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)srv->port);
    if (inet_pton(AF_INET, srv->address, &sa.sin_addr) != 1) {
        snprintf(errstr, errstr_size, "http: invalid listen address '%s' (an IPv4 address is expected)",
                 srv->address);
        return -1;
    }
    /* A thread per connection (at most RC_HTTP_MAX_CONNECTIONS): a webhook
     * request that waits for Kafka must not hold up /metrics or /readyz. */
    srv->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                                    MHD_USE_ERROR_LOG,
                                (uint16_t)srv->port, NULL, NULL, rc_http_access, srv, MHD_OPTION_SOCK_ADDR, &sa,
                                MHD_OPTION_NOTIFY_COMPLETED, rc_http_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
                                (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)RC_HTTP_MAX_CONNECTIONS,
                                MHD_OPTION_END);
    if (!srv->mhd) {
        snprintf(errstr, errstr_size, "http: cannot listen on %s:%d (in use?)", srv->address, srv->port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (di)
        srv->port = di->port;
    return 0;
}

int rc_http_server_port(const rc_http_server_t *srv) { return srv->port; }

void rc_http_server_destroy(rc_http_server_t *srv) {
    if (!srv)
        return;
    if (srv->mhd) {
        /* Take no new connections, and let a request that is being answered
         * (a webhook that waited for Kafka) get its answer out: stopping at
         * once would close its connection with no response at all. */
        MHD_quiesce_daemon(srv->mhd);
        for (int i = 0; i < 40 && atomic_load(&srv->active) > 0; i++)
            usleep(50000);
        MHD_stop_daemon(srv->mhd);
    }
    free(srv);
}
