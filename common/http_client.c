#include "http_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct rc_http_client {
    CURL *curl;
    size_t max_body;
};

static pthread_once_t rc_curl_once = PTHREAD_ONCE_INIT;
static void rc_curl_global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

rc_http_client_t *rc_http_client_new(size_t max_body) {
    rc_http_client_t *c;

    pthread_once(&rc_curl_once, rc_curl_global_init);
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return NULL;
    }
    c->max_body = max_body ? max_body : 4u << 20;
    return c;
}

void rc_http_client_destroy(rc_http_client_t *c) {
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

typedef struct {
    rc_http_response_t *resp;
    size_t cap;
    size_t max;
    CURL *curl;
    const rc_http_request_t *req;
    size_t hcap;
    int64_t last_byte_ms; /* for idle_timeout_ms: when a byte last arrived */
    int idled;
} rc_body_acc_t;

#define RC_HTTP_HEADERS_MAX (16u << 10)

static int64_t rc_http_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t rc_http_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
    rc_body_acc_t *acc = userdata;
    rc_http_response_t *r = acc->resp;
    size_t n = size * nmemb, take = n;

    acc->last_byte_ms = rc_http_now_ms();
    if (acc->req->on_data) {
        long status = 0;
        curl_easy_getinfo(acc->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status <= 299) {
            if (acc->req->on_data(acc->req->opaque, ptr, n) != 0) {
                r->stopped = 1;
                return 0; /* a write error ends the transfer */
            }
            return n;
        }
    }

    if (r->body_len + take > acc->max) {
        take = acc->max - r->body_len;
        r->truncated = 1;
    }
    if (r->body_len + take + 1 > acc->cap) {
        size_t ncap = acc->cap ? acc->cap * 2 : 4096;
        while (ncap < r->body_len + take + 1)
            ncap *= 2;
        char *nb = realloc(r->body, ncap);
        if (!nb)
            return 0; /* makes curl fail with a write error */
        r->body = nb;
        acc->cap = ncap;
    }
    memcpy(r->body + r->body_len, ptr, take);
    r->body_len += take;
    r->body[r->body_len] = '\0';
    /* Accept the whole chunk even when truncated, so curl finishes the
     * transfer and we keep the connection usable. */
    return n;
}

static size_t rc_http_header_cb(char *buf, size_t size, size_t nitems, void *userdata) {
    rc_body_acc_t *acc = userdata;
    rc_http_response_t *r = acc->resp;
    size_t n = size * nitems;

    acc->last_byte_ms = rc_http_now_ms();
    /* A status line starts a new response (after a redirect or a 100):
     * keep only the final response's headers. */
    if (n >= 5 && !strncmp(buf, "HTTP/", 5))
        r->headers_len = 0;
    if (r->headers_len + n + 1 <= RC_HTTP_HEADERS_MAX) {
        if (r->headers_len + n + 1 > acc->hcap) {
            size_t ncap = acc->hcap ? acc->hcap * 2 : 1024;
            while (ncap < r->headers_len + n + 1)
                ncap *= 2;
            char *nh = realloc(r->headers, ncap);
            if (!nh)
                return 0;
            r->headers = nh;
            acc->hcap = ncap;
        }
        memcpy(r->headers + r->headers_len, buf, n);
        r->headers_len += n;
        r->headers[r->headers_len] = '\0';
    }
    static const char name[] = "retry-after:";

    if (n > sizeof(name) - 1 && !strncasecmp(buf, name, sizeof(name) - 1)) {
        char val[128];
        size_t vl = n - (sizeof(name) - 1);
        if (vl >= sizeof(val))
            vl = sizeof(val) - 1;
        memcpy(val, buf + sizeof(name) - 1, vl);
        val[vl] = '\0';
        long ms = rc_http_parse_retry_after(val, (long)time(NULL));
        if (ms >= 0)
            r->retry_after_ms = ms;
    }
    return n;
}

static int rc_http_progress_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                               curl_off_t ulnow) {
    rc_body_acc_t *acc = userdata;
    /* Idle: no byte (keep-alives count) for idle_timeout_ms. Measured here
     * rather than with curl's low-speed limit, which averages a rate over
     * its window and so takes a stream of sparse keep-alives for a stall. */
    if (acc->req->idle_timeout_ms > 0 && rc_http_now_ms() - acc->last_byte_ms > acc->req->idle_timeout_ms) {
        acc->idled = 1;
        acc->resp->idle = 1;
        return 1;
    }
    if (acc->req->keep_going && acc->req->keep_going(acc->req->opaque) != 0) {
        acc->resp->stopped = 1;
        return 1; /* aborts the transfer */
    }
    return 0;
}

int rc_http_do(rc_http_client_t *c, const rc_http_request_t *req, rc_http_response_t *resp) {
    struct curl_slist *hdrs = NULL;
    rc_body_acc_t acc = {resp, 0, c->max_body, c->curl, req, 0, 0, 0};
    char ctbuf[256];
    CURLcode cc;
    int ret = -1;

    memset(resp, 0, sizeof(*resp));
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, req->url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : req->timeout_ms < 0 ? 0L : 10000L);
    acc.last_byte_ms = rc_http_now_ms();
    if (req->keep_going || req->idle_timeout_ms > 0) {
        curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, rc_http_progress_cb);
        curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &acc);
        curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, rc_http_write_cb);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &acc);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, rc_http_header_cb);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &acc);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "ricochet/0.1");
    if (req->body) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    if (req->content_type) {
        snprintf(ctbuf, sizeof(ctbuf), "Content-Type: %s", req->content_type);
        hdrs = curl_slist_append(hdrs, ctbuf);
    }
    /* Expect: 100-continue costs a round trip per POST for nothing here. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        hdrs = curl_slist_append(hdrs, req->headers[i]);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
    if (req->user && req->password) {
        curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c->curl, CURLOPT_USERNAME, req->user);
        curl_easy_setopt(c->curl, CURLOPT_PASSWORD, req->password);
    }

    cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK) {
        if (resp->stopped)
            curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
        snprintf(resp->error, sizeof(resp->error), "%s %s: %s", req->method ? req->method : "GET", req->url,
                 curl_easy_strerror(cc));
        if (acc.idled)
            snprintf(resp->error, sizeof(resp->error), "%s %s: no data for %ld ms (idle timeout)",
                     req->method ? req->method : "GET", req->url, req->idle_timeout_ms);
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    ret = 0;
out:
    curl_slist_free_all(hdrs);
    if (!resp->body) {
        resp->body = calloc(1, 1);
        resp->body_len = 0;
    }
    if (!resp->headers) {
        resp->headers = calloc(1, 1);
        resp->headers_len = 0;
    }
    return ret;
}

void rc_http_response_clear(rc_http_response_t *resp) {
    if (!resp)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    free(resp->headers);
    resp->headers = NULL;
    resp->headers_len = 0;
}

int rc_http_status_retriable(long status) {
    return status == 0 || status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

long rc_http_parse_retry_after(const char *value, long now_epoch_s) {
    const char *p = value;
    char *end;

    while (*p && isspace((unsigned char)*p))
        p++;
    if (isdigit((unsigned char)*p)) {
        long s = strtol(p, &end, 10);
        while (*end && isspace((unsigned char)*end))
            end++;
        if (*end)
            return -1;
        /* Clamped: strtol saturates at LONG_MAX and the product would
         * overflow into a negative delay. */
        return s > LONG_MAX / 1000 ? LONG_MAX / 1000 * 1000 : s * 1000;
    }
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    end = strptime(p, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end)
        return -1;
    /* Only trailing white space (the header's CRLF) may follow the date. */
    while (*end && isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    long t = (long)timegm(&tm);
    return t > now_epoch_s ? (t - now_epoch_s) * 1000 : 0;
}

int rc_http_header_get(const char *headers, const char *name, char *out, size_t out_size) {
    size_t nl = strlen(name);
    int found = 0;

    if (out_size)
        out[0] = '\0';
    for (const char *p = headers; p && *p;) {
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        if ((size_t)(end - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1, *ve = end;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t vl = (size_t)(ve - v);
            if (out_size) {
                if (vl >= out_size)
                    vl = out_size - 1;
                memcpy(out, v, vl);
                out[vl] = '\0';
            }
            found = 1;
        }
        p = eol ? eol + 1 : end;
    }
    return found;
}
