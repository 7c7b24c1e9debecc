/*
 * rt_sink_live: drives the "rt" sink against a real Request Tracker 5 and
 * checks the outcome through RT's own REST2 API. Run by
 * tests/integration/test_rt_sink.sh, which starts RT with lib/rt5.sh and
 * passes RT5_URL, RT5_USER and RT5_PASSWORD in the environment.
 *
 * Exits 0 when every check held, 1 otherwise (each failed check is printed),
 * 2 when the environment is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "sinks/rt.h"

static int failures;

#define CHECK(cond, ...)                                                                                              \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            failures++;                                                                                               \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                           \
            fprintf(stderr, __VA_ARGS__);                                                                             \
            fputc('\n', stderr);                                                                                      \
        }                                                                                                             \
    } while (0)

static const char *rt_url, *rt_user, *rt_password;

/* GET api path and parse the JSON answer; NULL (and a failed check) unless
 * RT answered 200 with JSON. The caller owns the result. */
static json_t *rt_get(rc_http_client_t *http, const char *path) {
    char url[1024];
    rc_http_response_t resp;
    rc_http_request_t req = {.method = "GET", .url = url, .user = rt_user, .password = rt_password};
    json_t *j = NULL;

    snprintf(url, sizeof(url), "%s/REST/2.0%s", rt_url, path);
    if (rc_http_do(http, &req, &resp) != 0) {
        CHECK(0, "GET %s: %s", path, resp.error);
    } else if (resp.status != 200) {
        CHECK(0, "GET %s: HTTP %ld: %.300s", path, resp.status, resp.body);
    } else {
        j = json_loadb(resp.body, resp.body_len, 0, NULL);
        CHECK(j != NULL, "GET %s: not JSON: %.300s", path, resp.body);
    }
    rc_http_response_clear(&resp);
    return j;
}

/* RT writes some ids as strings and some as numbers. */
static void id_text(const json_t *v, char *out, size_t out_size) {
    if (json_is_string(v))
        snprintf(out, out_size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, out_size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        snprintf(out, out_size, "?");
}

static const char *str_at(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* Whether the ticket's history has a Comment transaction whose attachment
 * content contains "marker". */
static int history_has_comment(rc_http_client_t *http, const char *ticket, const char *marker) {
    char path[256], tid[32];
    json_t *hist, *item;
    size_t i;
    int found = 0;

    snprintf(path, sizeof(path), "/ticket/%s/history?fields=Type&per_page=100", ticket);
    if (!(hist = rt_get(http, path)))
        return 0;
    json_array_foreach(json_object_get(hist, "items"), i, item) {
        if (strcmp(str_at(item, "Type"), "Comment"))
            continue;
        id_text(json_object_get(item, "id"), tid, sizeof(tid));
        snprintf(path, sizeof(path), "/transaction/%s/attachments?fields=Content,ContentType", tid);
        json_t *atts = rt_get(http, path), *att;
        size_t k;
        json_array_foreach(json_object_get(atts, "items"), k, att) {
            if (strstr(str_at(att, "Content"), marker))
                found = 1;
        }
        json_decref(atts);
    }
    json_decref(hist);
    return found;
}

int main(void) {
    rc_sink_rt_conf_t conf, bad_conf;
    rc_sink_request_t req;
    rc_sink_result_t res;
    rc_http_client_t *http = NULL;
    void *sink = NULL, *bad_sink = NULL;
    char errstr[256], subject[128], marker[64], ticket[128], got[64], queue_id[64];
    json_t *j = NULL;

    rt_url = getenv("RT5_URL");
    rt_user = getenv("RT5_USER");
    rt_password = getenv("RT5_PASSWORD");
    if (!rt_url || !rt_user || !rt_password) {
        fprintf(stderr, "rt_sink_live: set RT5_URL, RT5_USER and RT5_PASSWORD (tests/integration/lib/rt5.sh)\n");
        return 2;
    }
    http = rc_http_client_new(0);

    memset(&conf, 0, sizeof(conf));
    conf.url = (char *)rt_url;
    conf.user = (char *)rt_user;
    conf.password = (char *)rt_password;
    conf.queue = "General";
    conf.timeout_ms = 20000;
    conf.priority_from_urgency = 1;
    conf.requestor_domain = "social.invalid";
    if (rc_sink_rt.init(&sink, &conf, NULL, errstr, sizeof(errstr))) {
        CHECK(0, "init: %s", errstr);
        goto out;
    }

    /* 1. open_case creates a ticket with our subject, queue, priority and
     *    requestor. */
    snprintf(subject, sizeof(subject), "RUDEST AGENT IN DENVER [%ld-%ld]", (long)getpid(), (long)time(NULL));
    memset(&req, 0, sizeof(req));
    req.case_key = "x:1000001";
    req.subject = subject;
    req.body = "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.\n\n-- \xE2\x9C\x88 via ricochet";
    req.priority = 92;
    req.requestor = "@AngryFlyer";
    int rc = rc_sink_rt.open_case(sink, &req, &res);
    CHECK(rc == 0, "open_case: %s", res.detail);
    CHECK(res.http_status == 201, "open_case status %ld", res.http_status);
    CHECK(rc_rt_ticket_id_valid(res.external_id), "external_id '%s'", res.external_id);
    snprintf(ticket, sizeof(ticket), "%s", res.external_id);
    fprintf(stderr, "open_case: %s (HTTP %ld)\n", res.detail, res.http_status);
    if (rc != 0)
        goto out;

    snprintf(errstr, sizeof(errstr), "/ticket/%s", ticket);
    j = rt_get(http, errstr);
    CHECK(!strcmp(str_at(j, "Subject"), subject), "Subject '%s'", str_at(j, "Subject"));
    id_text(json_object_get(json_object_get(j, "Queue"), "id"), got, sizeof(got));
    json_t *q = rt_get(http, "/queue/General");
    id_text(json_object_get(q, "id"), queue_id, sizeof(queue_id));
    CHECK(!strcmp(str_at(q, "Name"), "General"), "queue Name '%s'", str_at(q, "Name"));
    json_decref(q);
    CHECK(!strcmp(got, queue_id), "ticket queue %s, General is %s", got, queue_id);
    id_text(json_object_get(j, "Priority"), got, sizeof(got));
    CHECK(!strcmp(got, "100"), "Priority %s, want 100 for urgency 92", got);
    id_text(json_object_get(json_array_get(json_object_get(j, "Requestor"), 0), "id"), got, sizeof(got));
    CHECK(!strcmp(got, "angryflyer@social.invalid"), "Requestor '%s'", got);
    json_decref(j);
    j = NULL;

    /* 2. follow_up adds a comment that shows up in the ticket's history. */
    snprintf(marker, sizeof(marker), "second post %ld", (long)getpid());
    req.body = marker;
    req.subject = "Re: RUDEST AGENT";
    rc = rc_sink_rt.follow_up(sink, ticket, &req, &res);
    CHECK(rc == 0, "follow_up: %s", res.detail);
    CHECK(res.http_status == 201, "follow_up status %ld", res.http_status);
    CHECK(!strcmp(res.external_id, ticket), "follow_up external_id '%s'", res.external_id);
    fprintf(stderr, "follow_up: %s (HTTP %ld)\n", res.detail, res.http_status);
    CHECK(history_has_comment(http, ticket, marker), "no Comment with '%s' in ticket %s's history", marker, ticket);

    /* 3. A follow-up to a ticket that does not exist fails for good. */
    rc = rc_sink_rt.follow_up(sink, "999999", &req, &res);
    CHECK(rc == -1, "follow_up to ticket 999999 succeeded");
    CHECK(res.http_status >= 400 && res.http_status < 500, "status %ld", res.http_status);
    CHECK(!res.retriable, "retriable: %s", res.detail);
    fprintf(stderr, "follow_up 999999: %s\n", res.detail);

    /* 4. A queue RT does not have: 403, not retriable, RT's reason kept. */
    bad_conf = conf;
    bad_conf.queue = "NoSuchQueue";
    if (rc_sink_rt.init(&bad_sink, &bad_conf, NULL, errstr, sizeof(errstr)) == 0) {
        rc = rc_sink_rt.open_case(bad_sink, &req, &res);
        CHECK(rc == -1 && res.http_status == 403 && !res.retriable, "bad queue: rc %d status %ld: %s", rc,
              res.http_status, res.detail);
        CHECK(strstr(res.detail, "NoSuchQueue") != NULL, "detail '%s'", res.detail);
        fprintf(stderr, "bad queue: %s\n", res.detail);
    }
    rc_sink_rt.destroy(bad_sink);
    bad_sink = NULL;

    /* 5. A wrong password: 401, not retriable, and the detail says what to
     *    fix. */
    bad_conf = conf;
    bad_conf.password = "not-the-password";
    if (rc_sink_rt.init(&bad_sink, &bad_conf, NULL, errstr, sizeof(errstr)) == 0) {
        rc = rc_sink_rt.open_case(bad_sink, &req, &res);
        CHECK(rc == -1, "open_case with a wrong password succeeded");
        CHECK(res.http_status == 401, "status %ld", res.http_status);
        CHECK(!res.retriable, "a 401 is retriable");
        CHECK(strstr(res.detail, "401") && strstr(res.detail, "Unauthorized") && strstr(res.detail, "password"),
              "detail '%s'", res.detail);
        CHECK(res.external_id[0] == '\0', "external_id '%s'", res.external_id);
        fprintf(stderr, "wrong password: %s\n", res.detail);
    } else {
        CHECK(0, "init: %s", errstr);
    }

out:
    json_decref(j);
    rc_sink_rt.destroy(bad_sink);
    rc_sink_rt.destroy(sink);
    rc_http_client_destroy(http);
    if (failures)
        fprintf(stderr, "rt_sink_live: %d check(s) failed\n", failures);
    else
        fprintf(stderr, "rt_sink_live: all checks passed (ticket %s)\n", ticket);
    return failures ? 1 : 0;
}
