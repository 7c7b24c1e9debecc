/*
 * The customer lookup (enrich/lookup.c): the pure parts (URL template,
 * field paths, mapping a CRM answer, the cached form, the circuit breaker
 * with an injected clock), its config errors, and whole batches against an
 * in-process CRM (common/http_server) and a real redis-server
 * (redis_fixture.h): caching, one request per author, the time bound and
 * the breaker, bad answers, and Redis going away.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "http_server.h"
#include "lookup.h"
#include "metrics.h"
#include "redis.h"
#include "redis_fixture.h"
#include "util.h"

/* ---- URL template -------------------------------------------------------- */

static void test_url_template_percent_encodes_every_value(void **state) {
    char err[256] = "";
    char *u = rc_lookup_url("https://crm.example/c/{{platform}}/{{handle}}?id={{author_id}}&again={{handle}}",
                            "jo hn@mastodon.social/é~._-", "x", "12&3", err, sizeof(err));
    assert_non_null(u);
    assert_string_equal(u, "https://crm.example/c/x/jo%20hn%40mastodon.social%2F%C3%A9~._-?id=12%263&again="
                           "jo%20hn%40mastodon.social%2F%C3%A9~._-");
    free(u);
    u = rc_lookup_url("http://crm/static", NULL, NULL, NULL, err, sizeof(err));
    assert_string_equal(u, "http://crm/static"); /* no placeholders: no values needed */
    free(u);
    /* Braces that are not a placeholder pair stay as they are. */
    u = rc_lookup_url("http://crm/{x}/{{handle}}", "a", "x", "1", err, sizeof(err));
    assert_string_equal(u, "http://crm/{x}/a");
    free(u);
}

static void test_url_template_rejects_unknown_unclosed_and_missing_values(void **state) {
    char err[256] = "";
    assert_null(rc_lookup_url("http://crm/{{user}}", "a", "x", "1", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown placeholder {{user}}"));
    assert_null(rc_lookup_url("http://crm/{{handle", "a", "x", "1", err, sizeof(err)));
    assert_non_null(strstr(err, "not closed"));
    assert_null(rc_lookup_url("http://crm/{{author_id}}", "a", "x", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "no author_id"));
    /* A value that would make the URL huge is refused, not truncated. */
    char *big = malloc(5000);
    memset(big, '/', 4999);
    big[4999] = '\0';
    assert_null(rc_lookup_url("http://crm/{{handle}}", big, "x", "1", err, sizeof(err)));
    assert_non_null(strstr(err, "longer than"));
    free(big);
}

/* ---- field mapping ------------------------------------------------------- */

static json_t *map(const char *const *names, const char *const *paths, size_t n, const char *body) {
    char err[256] = "";
    rc_lookup_fields_t *f = rc_lookup_fields_new(names, paths, n, err, sizeof(err));
    if (f == NULL)
        fail_msg("fields: %s", err);
    json_t *out = rc_lookup_map_answer(f, body, strlen(body), 65536, err, sizeof(err));
    rc_lookup_fields_destroy(f);
    return out;
}

static const char *attr(const json_t *cached, const char *name) {
    return json_string_value(json_object_get(json_object_get(cached, "attributes"), name));
}

static void test_fields_follow_nested_paths_in_every_spelling(void **state) {
    static const char *const names[] = {"tier", "segment", "first_account", "city", "whole_second"};
    static const char *const paths[] = {"$.loyalty.tier", "loyalty.segment", "accounts[0].id", "$.addr.city",
                                        "$.accounts[1]"};
    json_t *c = map(names, paths, 5,
                    "{\"loyalty\": {\"tier\": \"gold\", \"segment\": \"frequent flyer\"},"
                    " \"accounts\": [{\"id\": \"A-1\"}, {\"id\": \"A-2\", \"open\": true}]}");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(c, "tier")), "gold");
    assert_string_equal(attr(c, "segment"), "frequent flyer");
    assert_string_equal(attr(c, "first_account"), "A-1");
    assert_string_equal(attr(c, "whole_second"), "{\"id\":\"A-2\",\"open\":true}");
    /* A path that is not in the answer leaves the field out. */
    assert_null(json_object_get(json_object_get(c, "attributes"), "city"));
    assert_null(json_object_get(json_object_get(c, "attributes"), "tier"));
    json_decref(c);
    /* The answer may be an array. */
    static const char *const n2[] = {"tier"}, *const p2[] = {"$[1].tier"};
    c = map(n2, p2, 1, "[{\"tier\": \"silver\"}, {\"tier\": \"vip\"}]");
    assert_string_equal(json_string_value(json_object_get(c, "tier")), "vip");
    json_decref(c);
}

static void test_fields_turn_other_values_into_text_and_cut_long_ones(void **state) {
    static const char *const names[] = {"tier", "points", "ratio", "active", "tags", "gone"};
    static const char *const paths[] = {"level", "points", "ratio", "active", "tags", "gone"};
    json_t *c = map(names, paths, 6,
                    "{\"level\": 3, \"points\": 120000, \"ratio\": 0.5, \"active\": false, \"tags\": [\"a\", 1],"
                    " \"gone\": null}");
    assert_string_equal(json_string_value(json_object_get(c, "tier")), "3");
    assert_string_equal(attr(c, "points"), "120000");
    assert_string_equal(attr(c, "ratio"), "0.5");
    assert_string_equal(attr(c, "active"), "false");
    assert_string_equal(attr(c, "tags"), "[\"a\",1]");
    assert_null(json_object_get(json_object_get(c, "attributes"), "gone")); /* null: left out */
    json_decref(c);

    /* 300 bytes of two-byte characters: cut to at most 256 bytes, on a
     * character boundary (so still valid UTF-8). */
    char body[700];
    size_t o = (size_t)snprintf(body, sizeof(body), "{\"note\": \"");
    for (int i = 0; i < 150; i++)
        o += (size_t)snprintf(body + o, sizeof(body) - o, "\xc3\xa9");
    snprintf(body + o, sizeof(body) - o, "\"}");
    static const char *const n2[] = {"note"}, *const p2[] = {"note"};
    c = map(n2, p2, 1, body);
    const char *note = attr(c, "note");
    assert_non_null(note);
    assert_int_equal(strlen(note), 256);
    assert_true(rc_utf8_valid(note, strlen(note)));
    json_decref(c);
}

static void test_fields_reject_bad_paths(void **state) {
    static const char *const bad[] = {"", "a..b", "a.", ".a", "a[", "a[x]", "a[1", "$x", "a[-1]", "a]b["};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        const char *name = "tier";
        rc_lookup_fields_t *f = rc_lookup_fields_new(&name, &bad[i], 1, err, sizeof(err));
        if (f != NULL)
            fail_msg("path '%s' was accepted", bad[i]);
        assert_non_null(strstr(err, "bad path"));
    }
}

static void test_malformed_or_oversized_answers_are_refused(void **state) {
    static const char *const names[] = {"tier"}, *const paths[] = {"tier"};
    char err[256] = "";
    rc_lookup_fields_t *f = rc_lookup_fields_new(names, paths, 1, err, sizeof(err));
    static const char *const bad[] = {"",         "{",  "{\"tier\": }",      "null",
                                      "\"gold\"", "42", "<html>oops</html>", "{\"tier\": \"gold\"} trailing"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *c = rc_lookup_map_answer(f, bad[i], strlen(bad[i]), 1024, err, sizeof(err));
        if (c != NULL)
            fail_msg("answer '%s' was accepted", bad[i]);
        assert_non_null(strstr(err, "not a JSON object or array"));
    }
    const char *ok = "{\"tier\": \"gold\", \"pad\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
    assert_null(rc_lookup_map_answer(f, ok, strlen(ok), 32, err, sizeof(err)));
    assert_non_null(strstr(err, "over max_body (32)"));
    json_t *c = rc_lookup_map_answer(f, ok, strlen(ok), strlen(ok), err, sizeof(err));
    assert_non_null(c); /* exactly the cap is fine */
    json_decref(c);
    /* Not NUL-terminated: only "len" bytes are read. */
    c = rc_lookup_map_answer(f, "{\"tier\":\"vip\"}GARBAGE", 14, 1024, err, sizeof(err));
    assert_string_equal(json_string_value(json_object_get(c, "tier")), "vip");
    json_decref(c);
    rc_lookup_fields_destroy(f);
}

static void test_cached_form_round_trips_and_bad_values_are_refused(void **state) {
    static const char *const names[] = {"tier", "id"}, *const paths[] = {"t", "id"};
    char err[256] = "";
    rc_customer_t cust;
    json_t *c = map(names, paths, 2, "{\"t\": \"gold\", \"id\": 7}");
    char *s = json_dumps(c, JSON_COMPACT);
    json_t *back = rc_lookup_parse_cached(s, strlen(s));
    assert_true(json_equal(c, back));
    rc_lookup_customer_of(back, &cust);
    assert_string_equal(cust.status, "ok");
    assert_string_equal(cust.tier, "gold");
    assert_string_equal(json_string_value(json_object_get(cust.attributes, "id")), "7");
    free(s);
    json_decref(c);
    json_decref(back);

    back = rc_lookup_parse_cached("{\"status\":\"not_found\"}", 22);
    assert_non_null(back);
    rc_lookup_customer_of(back, &cust);
    assert_string_equal(cust.status, "not_found");
    assert_null(cust.tier);
    assert_int_equal(json_object_size(cust.attributes), 0);
    json_decref(back);

    static const char *const bad[] = {"",
                                      "gold",
                                      "{}",
                                      "{\"status\":\"weird\"}",
                                      "{\"status\":\"ok\",\"tier\":3}",
                                      "{\"status\":\"ok\",\"attributes\":{\"a\":1}}",
                                      "{\"status\":\"ok\",\"attributes\":[]}",
                                      "[\"ok\"]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v = rc_lookup_parse_cached(bad[i], strlen(bad[i]));
        if (v != NULL)
            fail_msg("cached value '%s' was accepted", bad[i]);
    }
    (void)err;
}

/* ---- circuit breaker ----------------------------------------------------- */

static void test_breaker_opens_after_threshold_probes_once_then_closes_or_reopens(void **state) {
    rc_breaker_t b;
    rc_breaker_init(&b, 3, 1000);
    /* Closed: failures under the threshold, and a success resets them. */
    assert_true(rc_breaker_allow(&b, 0));
    rc_breaker_record(&b, 0, 0);
    rc_breaker_record(&b, 0, 0);
    rc_breaker_record(&b, 1, 0);
    rc_breaker_record(&b, 0, 0);
    rc_breaker_record(&b, 0, 0);
    assert_int_equal(b.state, RC_BREAKER_CLOSED);
    assert_true(rc_breaker_allow(&b, 10));
    /* The third consecutive failure opens it. */
    rc_breaker_record(&b, 0, 100);
    assert_int_equal(b.state, RC_BREAKER_OPEN);
    assert_false(rc_breaker_allow(&b, 100));
    assert_false(rc_breaker_allow(&b, 1099));
    /* A late success from before it opened does not close it. */
    rc_breaker_record(&b, 1, 500);
    assert_int_equal(b.state, RC_BREAKER_OPEN);
    /* open_for later: one probe, and only one. */
    assert_true(rc_breaker_allow(&b, 1100));
    assert_int_equal(b.state, RC_BREAKER_HALF_OPEN);
    assert_false(rc_breaker_allow(&b, 1100));
    assert_false(rc_breaker_allow(&b, 5000));
    /* The probe fails: open again, for open_for from now. */
    rc_breaker_record(&b, 0, 1200);
    assert_int_equal(b.state, RC_BREAKER_OPEN);
    assert_false(rc_breaker_allow(&b, 2199));
    assert_true(rc_breaker_allow(&b, 2200));
    /* This probe succeeds: closed, every call allowed, failures from zero. */
    rc_breaker_record(&b, 1, 2250);
    assert_int_equal(b.state, RC_BREAKER_CLOSED);
    assert_true(rc_breaker_allow(&b, 2300));
    assert_true(rc_breaker_allow(&b, 2300));
    rc_breaker_record(&b, 0, 2300);
    rc_breaker_record(&b, 0, 2300);
    assert_int_equal(b.state, RC_BREAKER_CLOSED);
    rc_breaker_record(&b, 0, 2300);
    assert_int_equal(b.state, RC_BREAKER_OPEN);
}

/* ---- configuration ------------------------------------------------------- */

static char *new_error(const char *yaml) {
    char err[512] = "";
    rc_config_t *cfg = rc_config_load_string(yaml, "lookup.yaml", err, sizeof(err));
    if (cfg == NULL)
        fail_msg("yaml: %s", err);
    rc_lookup_t *lk = rc_lookup_new(cfg, NULL, 0, 0, err, sizeof(err));
    int enabled = rc_lookup_enabled(lk);
    rc_lookup_destroy(lk);
    rc_config_destroy(cfg);
    if (lk != NULL)
        return strdup(enabled ? "<enabled>" : "<disabled>");
    return strdup(err);
}

static void expect_error(const char *yaml, const char *needle) {
    char *e = new_error(yaml);
    if (strstr(e, needle) == NULL)
        fail_msg("expected '%s' in: %s", needle, e);
    free(e);
}

static void test_config_errors_name_the_line_and_key(void **state) {
    expect_error("enrich: {}\n", "<disabled>");
    expect_error("enrich:\n  lookup:\n    url: http://crm/{{handle}}\n", "<enabled>");
    expect_error("enrich:\n  lookup:\n    url: http://crm/{{user}}\n",
                 "lookup.yaml:3: key 'enrich.lookup.url': unknown placeholder {{user}}");
    expect_error("enrich:\n  lookup:\n    url: ftp://crm/{{handle}}\n", "expected an http:// or https:// URL");
    expect_error("enrich:\n  lookup:\n    url: http://crm/{{handle}}\n    fields:\n      tier: loyalty..tier\n",
                 "lookup.yaml:5: key 'enrich.lookup.fields': field 'tier': bad path 'loyalty..tier'");
    expect_error("enrich:\n  lookup:\n    url: http://crm/{{handle}}\n    fields: [tier]\n",
                 "lookup.yaml:4: key 'enrich.lookup.fields': expected a map");
    expect_error("enrich:\n  lookup:\n    url: http://crm/{{handle}}\n    headers:\n      \"Bad Name\": x\n",
                 "lookup.yaml:5: key 'enrich.lookup.headers'");
    expect_error("enrich:\n  lookup:\n    timeout: 2 minutes\n", "lookup.yaml:3: key 'enrich.lookup.timeout'");
    expect_error("enrich:\n  lookup:\n    breaker:\n      failure_treshold: 3\n", "did you mean");
    expect_error("enrich:\n  lookup:\n    max_concurrency: 0\n", "must be between 1 and 256");
}

/* ---- whole batches ------------------------------------------------------- */

/* The in-process CRM: GET /customer?handle=H answers by H's prefix. */
typedef struct crm {
    pthread_mutex_t mu;
    int requests;
    char last_auth[64];
    volatile int stop;
} crm_t;

static crm_t crm = {PTHREAD_MUTEX_INITIALIZER, 0, "", 0};

static int crm_handler(void *opaque, const rc_http_req_t *req, rc_http_reply_t *reply) {
    crm_t *c = opaque;
    const char *h = rc_http_req_query(req, "handle"), *auth = rc_http_req_header(req, "Authorization");
    pthread_mutex_lock(&c->mu);
    c->requests++;
    snprintf(c->last_auth, sizeof(c->last_auth), "%s", auth ? auth : "");
    pthread_mutex_unlock(&c->mu);
    reply->status = 200;
    if (h == NULL) {
        reply->status = 400;
        reply->body = strdup("{}");
    } else if (!strncmp(h, "gold", 4)) {
        reply->body = strdup("{\"loyalty\": {\"tier\": \"gold\"}, \"id\": 7}");
    } else if (!strncmp(h, "nobody", 6)) {
        reply->status = 404;
        reply->body = strdup("{\"error\": \"no such customer\"}");
    } else if (!strncmp(h, "broken", 6)) {
        reply->body = strdup("{\"loyalty\": ");
    } else if (!strncmp(h, "error", 5)) {
        reply->status = 500;
        reply->body = strdup("{\"error\": \"down\"}");
    } else if (!strncmp(h, "huge", 4)) {
        reply->body = malloc(4096);
        memset(reply->body, ' ', 4095);
        memcpy(reply->body, "{\"a\":1}", 7);
        reply->body[4095] = '\0';
    } else if (!strncmp(h, "slow", 4)) {
        for (int i = 0; i < 300 && !c->stop; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        reply->body = strdup("{\"loyalty\": {\"tier\": \"gold\"}}");
    } else {
        reply->body = strdup("{}");
    }
    return 0;
}

static rc_http_server_t *crm_srv;
static rc_rfx_t fx;

static int batch_setup(void **state) {
    char err[256];
    crm_srv = rc_http_server_new("127.0.0.1", 0, 4096, "crm", NULL, NULL, err, sizeof(err));
    if (crm_srv == NULL)
        return -1;
    rc_http_server_route(crm_srv, "GET", "/customer", crm_handler, &crm);
    if (rc_http_server_start(crm_srv, err, sizeof(err)) != 0) {
        fprintf(stderr, "crm: %s\n", err);
        return -1;
    }
    return rc_rfx_start(&fx);
}

static int batch_teardown(void **state) {
    crm.stop = 1;
    rc_http_server_destroy(crm_srv);
    rc_rfx_stop(&fx);
    return 0;
}

static int crm_requests(void) {
    pthread_mutex_lock(&crm.mu);
    int n = crm.requests;
    pthread_mutex_unlock(&crm.mu);
    return n;
}

static uint64_t metric(const char *name, const char *labels) {
    return rc_metric_value(rc_counter(name, labels, ""));
}
static uint64_t result(const char *r) {
    char labels[64];
    snprintf(labels, sizeof(labels), "result=\"%s\"", r);
    return metric("ricochet_enrich_lookup_total", labels);
}
static uint64_t error_count(const char *r) {
    char labels[64];
    snprintf(labels, sizeof(labels), "reason=\"%s\"", r);
    return metric("ricochet_enrich_lookup_errors_total", labels);
}

/* Under valgrind a first request can take longer than the default 300 ms;
 * the tests that are not about timeouts give it plenty. */
#define GENEROUS_TIMEOUT "    timeout: 10s\n"

/* A lookup against the CRM with "extra" YAML keys (indented four spaces)
 * and Redis at "redis_url" (may be NULL). *cfgp gets the config to free. */
static rc_lookup_t *new_lookup(const char *extra, const char *redis_url, rc_config_t **cfgp) {
    char yaml[2048], err[512] = "";
    snprintf(yaml, sizeof(yaml),
             "enrich:\n  lookup:\n    url: http://127.0.0.1:%d/customer?handle={{handle}}&p={{platform}}\n"
             "    headers:\n      Authorization: Bearer T0KEN\n"
             "    fields:\n      tier: $.loyalty.tier\n      crm_id: id\n%s",
             rc_http_server_port(crm_srv), extra);
    *cfgp = rc_config_load_string(yaml, "lookup.yaml", err, sizeof(err));
    if (*cfgp == NULL)
        fail_msg("yaml: %s", err);
    rc_lookup_t *lk = rc_lookup_new(*cfgp, redis_url, 1000, 1, err, sizeof(err));
    if (lk == NULL)
        fail_msg("rc_lookup_new: %s", err);
    assert_true(rc_lookup_enabled(lk));
    return lk;
}

/* Posts by these handles (NULL-terminated); free with free_posts(). */
static size_t make_posts(json_t **posts, const char *const *handles) {
    size_t n = 0;
    for (; handles[n] != NULL; n++) {
        posts[n] = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "1", "platform", "x", "author", "id", "42", "handle",
                             handles[n]);
        assert_non_null(posts[n]);
    }
    return n;
}

static void free_posts(json_t **posts, size_t n) {
    for (size_t i = 0; i < n; i++)
        json_decref(posts[i]);
}

static void test_batch_maps_caches_and_asks_once_per_author(void **state) {
    rc_config_t *cfg;
    rc_lookup_t *lk = new_lookup("    cache_ttl: 10m\n    negative_cache_ttl: 2m\n" GENEROUS_TIMEOUT, fx.url, &cfg);
    static const char *const handles[] = {"gold_ann", "gold_ann", "Gold_Ann", "nobody_bob", NULL};
    json_t *posts[8];
    rc_customer_t c[8];
    size_t n = make_posts(posts, handles);
    int before = crm_requests();
    uint64_t hits = result("hit"), misses = result("miss"), nf = result("not_found");

    rc_lookup_batch(lk, (const json_t *const *)posts, n, c);
    /* One request per author: case does not make a handle another author. */
    assert_int_equal(crm_requests() - before, 2);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(c[i].status, "ok");
        assert_string_equal(c[i].tier, "gold");
        assert_string_equal(json_string_value(json_object_get(c[i].attributes, "crm_id")), "7");
    }
    assert_string_equal(c[3].status, "not_found");
    assert_null(c[3].tier);
    assert_int_equal(result("miss") - misses, 3);
    assert_int_equal(result("not_found") - nf, 1);
    assert_string_equal(crm.last_auth, "Bearer T0KEN");

    /* In Redis with their TTLs. */
    char err[256];
    rc_redis_t *r = rc_redis_connect(fx.url, 1000, err, sizeof(err));
    assert_non_null(r);
    const char *get[] = {"GET", "ricochet:customer:x:gold_ann"}, *pttl[] = {"PTTL", "ricochet:customer:x:gold_ann"},
               *pttl_nf[] = {"PTTL", "ricochet:customer:x:nobody_bob"};
    redisReply *rep = rc_redis_command(r, 2, get, err, sizeof(err));
    assert_non_null(rep);
    assert_string_equal(rep->str, "{\"status\":\"ok\",\"tier\":\"gold\",\"attributes\":{\"crm_id\":\"7\"}}");
    freeReplyObject(rep);
    rep = rc_redis_command(r, 2, pttl, err, sizeof(err));
    assert_true(rep->integer > 590000 && rep->integer <= 600000);
    freeReplyObject(rep);
    rep = rc_redis_command(r, 2, pttl_nf, err, sizeof(err));
    assert_true(rep->integer > 110000 && rep->integer <= 120000);
    freeReplyObject(rep);

    /* The next batch comes from the cache, not-found included. */
    before = crm_requests();
    rc_lookup_batch(lk, (const json_t *const *)posts, n, c);
    assert_int_equal(crm_requests(), before);
    assert_string_equal(c[0].tier, "gold");
    assert_string_equal(c[3].status, "not_found");
    assert_int_equal(result("hit") - hits, 4);

    rc_redis_destroy(r);
    free_posts(posts, n);
    rc_lookup_destroy(lk);
    rc_config_destroy(cfg);
}

static void test_batch_bad_answers_are_unavailable_and_not_cached(void **state) {
    rc_config_t *cfg;
    rc_lookup_t *lk = new_lookup("    max_body: 1KiB\n" GENEROUS_TIMEOUT, fx.url, &cfg);
    static const char *const handles[] = {"broken1", "error1", "huge1", "gold_cat", NULL};
    json_t *posts[8];
    rc_customer_t c[8];
    size_t n = make_posts(posts, handles);
    uint64_t malformed = error_count("malformed"), status = error_count("status"), large = error_count("too_large");

    rc_lookup_batch(lk, (const json_t *const *)posts, n, c);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(c[i].status, "unavailable");
        assert_null(c[i].tier);
    }
    assert_string_equal(c[3].status, "ok");
    assert_int_equal(error_count("malformed") - malformed, 1);
    assert_int_equal(error_count("status") - status, 1);
    assert_int_equal(error_count("too_large") - large, 1);
    /* A failure is asked again next time (it was not cached). */
    int before = crm_requests();
    rc_lookup_batch(lk, (const json_t *const *)posts, 3, c);
    assert_int_equal(crm_requests() - before, 3);
    free_posts(posts, n);
    rc_lookup_destroy(lk);
    rc_config_destroy(cfg);
}

static void test_batch_slow_crm_costs_one_timeout_then_the_breaker_stops_asking(void **state) {
    rc_config_t *cfg;
    rc_lookup_t *lk = new_lookup("    timeout: 200ms\n    max_concurrency: 4\n"
                                 "    breaker: {failure_threshold: 3, open_for: 400ms}\n",
                                 NULL, &cfg);
    static const char *const slow[] = {"slow1", "slow2", "slow3", "slow4",  "slow5", "slow6",
                                       "slow7", "slow8", "slow9", "slow10", NULL};
    json_t *posts[16];
    rc_customer_t c[16];
    size_t n = make_posts(posts, slow);
    int before = crm_requests();
    uint64_t open_before = result("breaker_open");

    int64_t t0 = rc_mono_ms();
    rc_lookup_batch(lk, (const json_t *const *)posts, n, c);
    int64_t took = rc_mono_ms() - t0;
    printf("slow batch of %zu: %lld ms\n", n, (long long)took);
    /* Four at a time, all cut at the timeout; the other six were never
     * started: the batch took one timeout, not ten or three. */
    assert_true(took >= 190);
    assert_true(took < 200 + 400);
    /* (The server may not have seen all four by then under valgrind.) */
    assert_true(crm_requests() - before >= 1 && crm_requests() - before <= 4);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(c[i].status, "unavailable");

    /* Four failures >= 3: open. Nothing is asked and nothing waits. */
    before = crm_requests();
    t0 = rc_mono_ms();
    rc_lookup_batch(lk, (const json_t *const *)posts, n, c);
    took = rc_mono_ms() - t0;
    assert_int_equal(crm_requests(), before);
    assert_true(took < 100);
    assert_int_equal(result("breaker_open") - open_before, n);
    assert_string_equal(c[0].status, "unavailable");

    /* After open_for, one probe; it succeeds, so the breaker closes. */
    struct timespec ts = {0, 450 * 1000 * 1000};
    nanosleep(&ts, NULL);
    static const char *const good[] = {"gold_1", "gold_2", "gold_3", NULL};
    json_t *gp[4];
    size_t gn = make_posts(gp, good);
    before = crm_requests();
    rc_lookup_batch(lk, (const json_t *const *)gp, gn, c);
    assert_int_equal(crm_requests() - before, 1);
    assert_string_equal(c[0].status, "ok");
    assert_string_equal(c[1].status, "unavailable"); /* not asked while the probe was out */
    rc_lookup_batch(lk, (const json_t *const *)gp, gn, c);
    assert_int_equal(crm_requests() - before, 4);
    assert_string_equal(c[2].status, "ok");
    free_posts(gp, gn);
    free_posts(posts, n);
    rc_lookup_destroy(lk);
    rc_config_destroy(cfg);
}

static void test_batch_goes_to_the_crm_when_redis_is_gone(void **state) {
    rc_config_t *cfg;
    rc_lookup_t *lk = new_lookup(GENEROUS_TIMEOUT, fx.url, &cfg);
    static const char *const h1[] = {"gold_dan", NULL}, *const h2[] = {"gold_eve", NULL};
    json_t *p1[2], *p2[2];
    rc_customer_t c[2];
    make_posts(p1, h1);
    make_posts(p2, h2);
    uint64_t cache_errors = metric("ricochet_enrich_lookup_cache_errors_total", NULL);

    rc_lookup_batch(lk, (const json_t *const *)p1, 1, c);
    assert_string_equal(c[0].status, "ok");
    rc_rfx_kill(&fx);
    int before = crm_requests();
    int64_t t0 = rc_mono_ms();
    rc_lookup_batch(lk, (const json_t *const *)p2, 1, c);
    assert_true(rc_mono_ms() - t0 < 1000);
    assert_string_equal(c[0].status, "ok");
    assert_string_equal(c[0].tier, "gold");
    assert_int_equal(crm_requests() - before, 1);
    assert_true(metric("ricochet_enrich_lookup_cache_errors_total", NULL) > cache_errors);
    /* Cached answers are out of reach too: asked again, still answered. */
    rc_lookup_batch(lk, (const json_t *const *)p1, 1, c);
    assert_string_equal(c[0].tier, "gold");
    assert_int_equal(crm_requests() - before, 2);
    free_posts(p1, 1);
    free_posts(p2, 1);
    rc_lookup_destroy(lk);
    rc_config_destroy(cfg);
}

static void test_disabled_lookup_marks_every_customer_disabled(void **state) {
    char err[256];
    rc_lookup_t *lk = rc_lookup_new(NULL, NULL, 0, 1, err, sizeof(err));
    static const char *const h[] = {"gold_x", NULL};
    json_t *p[2];
    rc_customer_t c[2];
    make_posts(p, h);
    assert_non_null(lk);
    assert_false(rc_lookup_enabled(lk));
    int before = crm_requests();
    rc_lookup_batch(lk, (const json_t *const *)p, 1, c);
    assert_string_equal(c[0].status, "disabled");
    assert_int_equal(crm_requests(), before);
    free_posts(p, 1);
    rc_lookup_destroy(lk);
    rc_lookup_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_url_template_percent_encodes_every_value),
        cmocka_unit_test(test_url_template_rejects_unknown_unclosed_and_missing_values),
        cmocka_unit_test(test_fields_follow_nested_paths_in_every_spelling),
        cmocka_unit_test(test_fields_turn_other_values_into_text_and_cut_long_ones),
        cmocka_unit_test(test_fields_reject_bad_paths),
        cmocka_unit_test(test_malformed_or_oversized_answers_are_refused),
        cmocka_unit_test(test_cached_form_round_trips_and_bad_values_are_refused),
        cmocka_unit_test(test_breaker_opens_after_threshold_probes_once_then_closes_or_reopens),
        cmocka_unit_test(test_config_errors_name_the_line_and_key),
    };
    const struct CMUnitTest batches[] = {
        cmocka_unit_test(test_batch_maps_caches_and_asks_once_per_author),
        cmocka_unit_test(test_batch_bad_answers_are_unavailable_and_not_cached),
        cmocka_unit_test(test_batch_slow_crm_costs_one_timeout_then_the_breaker_stops_asking),
        cmocka_unit_test(test_disabled_lookup_marks_every_customer_disabled),
        /* Last: it stops the Redis fixture. */
        cmocka_unit_test(test_batch_goes_to_the_crm_when_redis_is_gone),
    };
    int failed = cmocka_run_group_tests_name("lookup_pure", pure, NULL, NULL);
    return failed + cmocka_run_group_tests_name("lookup_batches", batches, batch_setup, batch_teardown);
}
