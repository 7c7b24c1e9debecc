/*
 * The Request Tracker sink: RT 5's REST2 API over the shared HTTP client.
 *
 * The request bodies and the parsing of RT's answers are pure functions
 * (declared in rt.h) so the unit tests pin them without a server; the
 * functions at the bottom only move bytes through rc_http_do() and classify
 * the outcome for route's retry logic. RT has no idempotency key of its
 * own: a create whose answer is lost (timeout after RT committed) can make a
 * second ticket on retry; route's Redis idempotency keys are what prevent
 * that for redelivered records.
 */
#include "sinks/rt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

#define RC_RT_DEFAULT_QUEUE "General"
#define RC_RT_DEFAULT_TIMEOUT_MS 10000L
/* RT's answers are small JSON documents; an error page is cut at this size. */
#define RC_RT_MAX_RESPONSE (256u * 1024u)

const rc_config_entry_t rc_sink_rt_config[] = {
    {"url", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(rc_sink_rt_conf_t, url), 1,
     "RT's web root (http[s]://host[/path]); the sink appends /REST/2.0/..."},
    {"user", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(rc_sink_rt_conf_t, user), 0,
     "RT user for HTTP basic auth (with password)"},
    {"password", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(rc_sink_rt_conf_t, password), 0,
     "password of 'user'; use ${VAR} to keep it out of the file"},
    {"token", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(rc_sink_rt_conf_t, token), 0,
     "RT auth token, sent as 'Authorization: token ...' instead of user/password"},
    {"queue", RC_CT_STRING, RC_RT_DEFAULT_QUEUE, 0, 0, NULL, offsetof(rc_sink_rt_conf_t, queue), 0,
     "queue new tickets are created in (name or number)"},
    {"timeout", RC_CT_DURATION, "10s", 1, 600000, NULL, offsetof(rc_sink_rt_conf_t, timeout_ms), 0,
     "limit for one request to RT, connection included"},
    {"priority_from_urgency", RC_CT_BOOL, "true", 0, 0, NULL, offsetof(rc_sink_rt_conf_t, priority_from_urgency), 0,
     "set Priority from urgency: 0-33 Low (0), 34-66 Medium (50), 67-100 High (100); off: the queue's default"},
    {"requestor_domain", RC_CT_STRING, NULL, 0, 0, NULL, offsetof(rc_sink_rt_conf_t, requestor_domain), 0,
     "when set, the author becomes requestor <handle>@<domain> (use a domain you own or '.invalid')"},
    RC_CONFIG_END,
};

/* ------------------------------------------------------------------ */
/* Pure helpers                                                        */
/* ------------------------------------------------------------------ */

int rc_rt_priority_from_urgency(int urgency) {
    if (urgency < 0)
        urgency = 0;
    if (urgency > 100)
        urgency = 100;
    if (urgency >= 67)
        return 100;
    if (urgency >= 34)
        return 50;
    return 0;
}

int rc_rt_requestor_address(const char *handle, const char *domain, char *out, size_t out_size) {
    size_t n = 0, start, end;
    const char *p;

    if (!handle || !domain || !*domain || !out || out_size == 0)
        return -1;
    while (*handle == '@')
        handle++;
    /* Map first, trim dots after: "@.bob." must not leave an empty or
     * dot-edged local part, which RT would refuse as an address. */
    char local[256];
    for (p = handle; *p && n < sizeof(local) - 1; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) && c < 0x80)
            local[n++] = (char)tolower(c);
        else if (c == '@' || c == '.')
            local[n++] = '.';
        else if (c == '_' || c == '+' || c == '-')
            local[n++] = (char)c;
        else if ((c & 0xC0) != 0x80) /* one '_' per character, not per byte */
            local[n++] = '_';
    }
    if (*p)
        return -1; /* too long to be a handle */
    local[n] = '\0';
    for (start = 0; start < n && local[start] == '.'; start++)
        ;
    for (end = n; end > start && local[end - 1] == '.'; end--)
        ;
    if (end == start)
        return -1;
    int w = snprintf(out, out_size, "%.*s@%s", (int)(end - start), local + start, domain);
    if (w < 0 || (size_t)w >= out_size) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at "s" (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not
 * one. */
static size_t rc_rt_utf8_seq(const unsigned char *s) {
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        unsigned char lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        unsigned char lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* A copy of "s" that jansson will accept: invalid UTF-8 bytes become
 * U+FFFD, at most "max_chars" characters are kept (0: no limit) and, with
 * "one_line", CR/LF/TAB become spaces. The caller frees the result. */
static char *rc_rt_clean_text(const char *s, size_t max_chars, int one_line) {
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), n = 0, chars = 0;
    /* Worst case every byte becomes the 3-byte replacement character. */
    char *out = malloc(len * 3 + 1);

    if (!out)
        return NULL;
    while (*p && (!max_chars || chars < max_chars)) {
        size_t k = rc_rt_utf8_seq(p);
        if (k == 0) {
            memcpy(out + n, "\xEF\xBF\xBD", 3);
            n += 3;
            p++;
        } else if (one_line && k == 1 && (*p == '\r' || *p == '\n' || *p == '\t')) {
            out[n++] = ' ';
            p++;
        } else {
            memcpy(out + n, p, k);
            n += k;
            p += k;
        }
        chars++;
    }
    out[n] = '\0';
    return out;
}

/* Sets "key" to a cleaned copy of "text". Returns 0 or -1 (allocation). */
static int rc_rt_set_text(json_t *obj, const char *key, const char *text, size_t max_chars, int one_line) {
    char *clean = rc_rt_clean_text(text, max_chars, one_line);
    int r;

    if (!clean)
        return -1;
    r = json_object_set_new(obj, key, json_string(clean));
    free(clean);
    return r;
}

json_t *rc_rt_ticket_body(const rc_sink_rt_conf_t *conf, const rc_sink_request_t *req) {
    json_t *o = json_object();
    char requestor[320];
    const char *queue = conf->queue && *conf->queue ? conf->queue : RC_RT_DEFAULT_QUEUE;
    int err = 0;

    if (!o)
        return NULL;
    err |= rc_rt_set_text(o, "Queue", queue, 0, 1);
    err |= rc_rt_set_text(o, "Subject", req->subject ? req->subject : "", RC_RT_SUBJECT_MAX_CHARS, 1);
    if (req->body && *req->body) {
        err |= rc_rt_set_text(o, "Content", req->body, 0, 0);
        err |= json_object_set_new(o, "ContentType", json_string("text/plain"));
    }
    if (conf->priority_from_urgency)
        err |= json_object_set_new(o, "Priority", json_integer(rc_rt_priority_from_urgency(req->priority)));
    if (rc_rt_requestor_address(req->requestor, conf->requestor_domain, requestor, sizeof(requestor)) == 0)
        err |= rc_rt_set_text(o, "Requestor", requestor, 0, 1);
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *rc_rt_comment_body(const rc_sink_request_t *req) {
    json_t *o = json_object();
    const char *content = req->body && *req->body ? req->body : req->subject;
    int err = 0;

    if (!o)
        return NULL;
    if (!content || !*content)
        content = "(follow-up with no text)";
    if (req->subject && *req->subject)
        err |= rc_rt_set_text(o, "Subject", req->subject, RC_RT_SUBJECT_MAX_CHARS, 1);
    err |= rc_rt_set_text(o, "Content", content, 0, 0);
    err |= json_object_set_new(o, "ContentType", json_string("text/plain"));
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int rc_rt_ticket_id_valid(const char *id) {
    size_t n = 0;

    if (!id || !*id || *id == '0')
        return 0;
    for (; id[n]; n++)
        if (!isdigit((unsigned char)id[n]))
            return 0;
    return n <= 18;
}

int rc_rt_parse_created(const char *body, size_t len, char *id, size_t id_size, char *errstr, size_t errstr_size) {
    json_error_t jerr;
    json_t *root = NULL, *jid;
    char buf[32];
    int ret = -1;

    if (id_size)
        id[0] = '\0';
    root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    if (!root || !json_is_object(root)) {
        snprintf(errstr, errstr_size, "RT's answer is not a JSON object (%s)", root ? "other JSON" : jerr.text);
        goto out;
    }
    jid = json_object_get(root, "id");
    if (json_is_string(jid)) {
        snprintf(buf, sizeof(buf), "%s", json_string_value(jid));
        if (strlen(json_string_value(jid)) >= sizeof(buf))
            buf[0] = '\0';
    } else if (json_is_integer(jid) && json_integer_value(jid) > 0) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
    } else {
        snprintf(errstr, errstr_size, "RT's answer has no ticket \"id\"");
        goto out;
    }
    if (!rc_rt_ticket_id_valid(buf)) {
        snprintf(errstr, errstr_size, "RT's answer has an \"id\" that is not a ticket number");
        goto out;
    }
    if (strlen(buf) >= id_size) {
        snprintf(errstr, errstr_size, "ticket id %s does not fit in %zu bytes", buf, id_size);
        goto out;
    }
    memcpy(id, buf, strlen(buf) + 1);
    ret = 0;
out:
    json_decref(root);
    return ret;
}

/* Appends "s" to out (size "out_size", current length *n), collapsing runs
 * of whitespace into one space and stopping (on a character boundary) when
 * full. "s" is valid UTF-8. */
static void rc_rt_append_collapsed(char *out, size_t out_size, size_t *n, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (isspace(*p)) {
            while (isspace(*p))
                p++;
            if (*n > 0 && out[*n - 1] != ' ' && *p && *n + 1 < out_size)
                out[(*n)++] = ' ';
            continue;
        }
        size_t k = rc_rt_utf8_seq(p);
        if (k == 0)
            k = 1; /* cannot happen on cleaned text; keeps the loop finite */
        if (*n + k >= out_size)
            break;
        memcpy(out + *n, p, k);
        *n += k;
        p += k;
    }
    out[*n] = '\0';
}

void rc_rt_error_detail(const char *body, size_t len, char *out, size_t out_size) {
    json_t *root = NULL, *msg;
    char *raw = NULL, *clean = NULL;
    size_t n = 0;

    if (!out || out_size == 0)
        return;
    out[0] = '\0';
    if (!body || len == 0)
        return;
    root = json_loadb(body, len, 0, NULL);
    if (json_is_object(root) && json_is_string(msg = json_object_get(root, "message"))) {
        rc_rt_append_collapsed(out, out_size, &n, json_string_value(msg));
        goto out;
    }
    if (json_is_array(root) && json_array_size(root) > 0) {
        size_t i;
        json_t *v;
        json_array_foreach(root, i, v) {
            if (!json_is_string(v) || !*json_string_value(v))
                continue;
            if (n > 0 && n + 2 < out_size) {
                memcpy(out + n, "; ", 3);
                n += 2;
            }
            rc_rt_append_collapsed(out, out_size, &n, json_string_value(v));
        }
        if (n > 0)
            goto out;
    }
    /* Not RT's JSON (a proxy's error page, say): its text, made printable. */
    raw = malloc(len + 1);
    if (!raw)
        goto out;
    memcpy(raw, body, len);
    raw[len] = '\0';
    clean = rc_rt_clean_text(raw, 0, 0);
    if (clean)
        rc_rt_append_collapsed(out, out_size, &n, clean);
out:
    /* A trailing space can be left when the text was cut after one. */
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
    free(raw);
    free(clean);
    json_decref(root);
}

int rc_rt_api_root(const char *base, char *out, size_t out_size) {
    static const char suffix[] = "/REST/2.0";
    size_t n, scheme;

    if (!base)
        return -1;
    if (!strncmp(base, "http://", 7))
        scheme = 7;
    else if (!strncmp(base, "https://", 8))
        scheme = 8;
    else
        return -1;
    n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n >= sizeof(suffix) - 1 && !strncmp(base + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1))
        n -= sizeof(suffix) - 1;
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n <= scheme || base[scheme] == '/') /* no host */
        return -1;
    int w = snprintf(out, out_size, "%.*s%s", (int)n, base, suffix);
    if (w < 0 || (size_t)w >= out_size)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The sink                                                            */
/* ------------------------------------------------------------------ */

typedef struct rc_sink_rt {
    const rc_sink_rt_conf_t *conf; /* borrowed; outlives the context */
    rc_http_client_t *http;
    char api[1024];               /* ".../REST/2.0" */
    char auth_header[1024];       /* "Authorization: token ..." or "" */
    long timeout_ms;
} rc_sink_rt_t;

static void rc_sink_rt_destroy(void *p) {
    rc_sink_rt_t *rt = p;

    if (!rt)
        return;
    rc_http_client_destroy(rt->http);
    /* The header holds a credential: do not leave it in freed memory. */
    memset(rt->auth_header, 0, sizeof(rt->auth_header));
    free(rt);
}

static int rc_sink_rt_init(void **ctxp, const void *confp, struct rc_sink_env *env, char *errstr,
                           size_t errstr_size) {
    const rc_sink_rt_conf_t *conf = confp;
    rc_sink_rt_t *rt = NULL;

    *ctxp = NULL;
    if (!conf->url || !*conf->url) {
        snprintf(errstr, errstr_size, "rt sink: 'url' is required (RT's web root, e.g. https://rt.example.com)");
        goto fail;
    }
    if (!!conf->user != !!conf->password) {
        snprintf(errstr, errstr_size, "rt sink: 'user' and 'password' go together; set both or neither");
        goto fail;
    }
    rt = calloc(1, sizeof(*rt));
    if (!rt) {
        snprintf(errstr, errstr_size, "rt sink: out of memory");
        goto fail;
    }
    rt->conf = conf;
    if (rc_rt_api_root(conf->url, rt->api, sizeof(rt->api))) {
        snprintf(errstr, errstr_size, "rt sink: 'url' \"%.200s\" is not an http:// or https:// URL of RT's web root",
                 conf->url);
        goto fail;
    }
    if (conf->token && *conf->token) {
        int w = snprintf(rt->auth_header, sizeof(rt->auth_header), "Authorization: token %s", conf->token);
        if (w < 0 || (size_t)w >= sizeof(rt->auth_header) || strpbrk(conf->token, "\r\n")) {
            snprintf(errstr, errstr_size, "rt sink: 'token' is too long or contains a line break");
            goto fail;
        }
    }
    rt->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : RC_RT_DEFAULT_TIMEOUT_MS;
    rt->http = rc_http_client_new(RC_RT_MAX_RESPONSE);
    if (!rt->http) {
        snprintf(errstr, errstr_size, "rt sink: cannot create an HTTP client");
        goto fail;
    }
    *ctxp = rt;
    return 0;
fail:
    rc_sink_rt_destroy(rt);
    return -1;
}

/* POSTs "body" (consumed) to api + "path". Returns 0 on a 2xx answer with
 * "resp" filled (the caller clears it), else -1 with "res" saying why and
 * whether to retry. */
static int rc_sink_rt_post(rc_sink_rt_t *rt, const char *path, json_t *body, rc_http_response_t *resp,
                           rc_sink_result_t *res) {
    char url[1200], why[400];
    const char *headers[2] = {NULL, NULL};
    rc_http_request_t req;
    char *text = NULL;
    int ret = -1;

    memset(resp, 0, sizeof(*resp));
    memset(&req, 0, sizeof(req));
    if (!body || !(text = json_dumps(body, JSON_COMPACT))) {
        snprintf(res->detail, sizeof(res->detail), "rt: out of memory building the request");
        res->retriable = 1;
        goto out;
    }
    snprintf(url, sizeof(url), "%s%s", rt->api, path);
    if (rt->auth_header[0])
        headers[0] = rt->auth_header;
    req.method = "POST";
    req.url = url;
    req.body = text;
    req.body_len = strlen(text);
    req.content_type = "application/json";
    req.headers = headers;
    /* A token replaces basic auth; RT would try both otherwise. */
    req.user = rt->auth_header[0] ? NULL : rt->conf->user;
    req.password = rt->auth_header[0] ? NULL : rt->conf->password;
    req.timeout_ms = rt->timeout_ms;
    if (rc_http_do(rt->http, &req, resp) != 0) {
        res->http_status = 0;
        res->retriable = 1;
        snprintf(res->detail, sizeof(res->detail), "rt: no answer from RT: %s", resp->error);
        goto out;
    }
    res->http_status = resp->status;
    res->retry_after_ms = resp->retry_after_ms;
    if (resp->status >= 200 && resp->status <= 299) {
        ret = 0;
        goto out;
    }
    res->retriable = rc_http_status_retriable(resp->status);
    rc_rt_error_detail(resp->body, resp->body_len, why, sizeof(why));
    snprintf(res->detail, sizeof(res->detail), "rt: POST /REST/2.0%s: HTTP %ld%s: %s", path, resp->status,
             resp->status == 401   ? " (check the sink's user and password or token)"
             : resp->status == 403 ? " (check the queue and the user's rights in it)"
                                   : "",
             why[0] ? why : "(no message)");
out:
    free(text);
    json_decref(body);
    return ret;
}

static void rc_sink_rt_result_reset(rc_sink_result_t *res) { memset(res, 0, sizeof(*res)); }

static int rc_sink_rt_open_case(void *ctx, const rc_sink_request_t *req, rc_sink_result_t *res) {
    rc_sink_rt_t *rt = ctx;
    rc_http_response_t resp;
    char err[256];
    int ret = -1;

    rc_sink_rt_result_reset(res);
    if (rc_sink_rt_post(rt, "/ticket", rc_rt_ticket_body(rt->conf, req), &resp, res))
        goto out;
    if (rc_rt_parse_created(resp.body, resp.body_len, res->external_id, sizeof(res->external_id), err,
                            sizeof(err))) {
        /* RT said yes but we cannot tell which ticket: retrying could make a
         * second one, so this goes to a human (dead letter) instead. */
        res->retriable = 0;
        snprintf(res->detail, sizeof(res->detail), "rt: HTTP %ld to a create, but %s", resp.status, err);
        goto out;
    }
    snprintf(res->detail, sizeof(res->detail), "created RT ticket %s", res->external_id);
    ret = 0;
out:
    rc_http_response_clear(&resp);
    return ret;
}

static int rc_sink_rt_follow_up(void *ctx, const char *external_id, const rc_sink_request_t *req,
                                rc_sink_result_t *res) {
    rc_sink_rt_t *rt = ctx;
    rc_http_response_t resp;
    char path[64], note[256];
    int ret = -1;

    rc_sink_rt_result_reset(res);
    memset(&resp, 0, sizeof(resp));
    if (!rc_rt_ticket_id_valid(external_id)) {
        snprintf(res->detail, sizeof(res->detail), "rt: \"%.100s\" is not an RT ticket number",
                 external_id ? external_id : "(null)");
        goto out;
    }
    snprintf(path, sizeof(path), "/ticket/%s/comment", external_id);
    if (rc_sink_rt_post(rt, path, rc_rt_comment_body(req), &resp, res))
        goto out;
    snprintf(res->external_id, sizeof(res->external_id), "%s", external_id);
    rc_rt_error_detail(resp.body, resp.body_len, note, sizeof(note));
    snprintf(res->detail, sizeof(res->detail), "RT ticket %s: %s", external_id, note[0] ? note : "comment added");
    ret = 0;
out:
    rc_http_response_clear(&resp);
    return ret;
}

const rc_sink_ops_t rc_sink_rt = {
    .type = "rt",
    .desc = "Request Tracker 5 (REST2): a ticket per case, a comment per follow-up",
    .config = rc_sink_rt_config,
    .conf_size = sizeof(rc_sink_rt_conf_t),
    .init = rc_sink_rt_init,
    .open_case = rc_sink_rt_open_case,
    .follow_up = rc_sink_rt_follow_up,
    .destroy = rc_sink_rt_destroy,
};
