#include "http_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
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
} rc_body_acc_t;

static size_t rc_http_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
    rc_body_acc_t *acc = userdata;
    rc_http_response_t *r = acc->resp;
    size_t n = size * nmemb, take = n;

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
    rc_http_response_t *r = userdata;
    size_t n = size * nitems;
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

int rc_http_do(rc_http_client_t *c, const rc_http_request_t *req, rc_http_response_t *resp) {
    struct curl_slist *hdrs = NULL;
    rc_body_acc_t acc = {resp, 0, c->max_body};
    char ctbuf[256];
    CURLcode cc;
    int ret = -1;

    memset(resp, 0, sizeof(*resp));
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, req->url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "GET");
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, rc_http_write_cb);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &acc);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, rc_http_header_cb);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, resp);
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
        snprintf(resp->error, sizeof(resp->error), "%s %s: %s", req->method ? req->method : "GET", req->url,
                 curl_easy_strerror(cc));
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
    return ret;
}

void rc_http_response_clear(rc_http_response_t *resp) {
    if (!resp)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
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
