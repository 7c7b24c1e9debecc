/*
 * common/redis.c against a real redis-server (tests/unit/redis_fixture.h):
 * URL parsing, dedup claims, pipelines, Lua scripts with the EVALSHA/EVAL
 * fallback, and reconnecting after the server restarted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "log.h"
#include "redis.h"
#include "redis_fixture.h"

static rc_rfx_t rc_t_fx;

static int rc_t_setup(void **state) {
    if (rc_rfx_start(&rc_t_fx))
        return -1;
    return 0;
}

static int rc_t_teardown(void **state) {
    rc_rfx_stop(&rc_t_fx);
    return 0;
}

/* A connection of our own to the fixture, bypassing the code under test. */
static redisReply *rc_t_raw(const char *fmt, ...) {
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", rc_t_fx.port, tv);
    va_list ap;
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    assert_non_null(rep);
    return rep;
}

static rc_redis_t *rc_t_connect(void) {
    char err[256] = "";
    rc_redis_t *r = rc_redis_connect(rc_t_fx.url, 2000, err, sizeof(err));
    if (!r)
        fail_msg("connect %s: %s", rc_t_fx.url, err);
    return r;
}

static void rc_t_expect_url_error(const char *url, const char *needle) {
    char err[256] = "";
    rc_redis_t *r = rc_redis_connect(url, 500, err, sizeof(err));
    if (r) {
        rc_redis_destroy(r);
        fail_msg("connect \"%s\" succeeded", url);
    }
    if (!strstr(err, needle))
        fail_msg("connect \"%s\": \"%s\" lacks \"%s\"", url, err, needle);
}

static void test_redis_url_rejects_other_schemes(void **state) {
    rc_t_expect_url_error("http://127.0.0.1:6379", "only redis:// URLs are supported");
    rc_t_expect_url_error("rediss://127.0.0.1:6379", "only redis:// URLs are supported");
}

static void test_redis_url_rejects_bad_ports(void **state) {
    rc_t_expect_url_error("redis://127.0.0.1:0", "bad port");
    rc_t_expect_url_error("redis://127.0.0.1:65536", "bad port");
    rc_t_expect_url_error("redis://127.0.0.1:63x9", "bad port");
    rc_t_expect_url_error("redis://127.0.0.1:", "bad port");
    rc_t_expect_url_error("redis://127.0.0.1:-1/2", "bad port");
}

static void test_redis_url_rejects_bad_databases(void **state) {
    rc_t_expect_url_error("redis://127.0.0.1:6379/x", "database must be a number");
    rc_t_expect_url_error("redis://127.0.0.1:6379/1x", "database must be a number");
    rc_t_expect_url_error("redis://127.0.0.1:6379/-1", "database must be a number");
    /* Does not wrap around to a small number when cast to int. */
    rc_t_expect_url_error("redis://127.0.0.1:6379/4294967297", "database must be a number");
}

static void test_redis_connect_refused_names_host_and_port(void **state) {
    char url[64], want[64];
    int port = rc_rfx_free_port();
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    snprintf(want, sizeof(want), "redis 127.0.0.1:%d: ", port);
    rc_t_expect_url_error(url, want);
}

static void test_redis_url_host_defaults_and_scheme_is_optional(void **state) {
    char url[64], err[256];
    const char *forms[] = {"redis://127.0.0.1:%d", "redis://:%d", "127.0.0.1:%d", "redis://127.0.0.1:%d/"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        snprintf(url, sizeof(url), forms[i], rc_t_fx.port);
        rc_redis_t *r = rc_redis_connect(url, 1000, err, sizeof(err));
        if (!r)
            fail_msg("\"%s\": %s", url, err);
        assert_int_equal(rc_redis_ping(r), 0);
        rc_redis_destroy(r);
    }
    rc_redis_destroy(NULL);
}

static void test_redis_url_db_selects_the_database(void **state) {
    char url[64], err[256];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", rc_t_fx.port);
    rc_redis_t *r = rc_redis_connect(url, 1000, err, sizeof(err));
    assert_non_null(r);
    const char *set[] = {"SET", "t:db", "three"};
    redisReply *rep = rc_redis_command(r, 3, set, err, sizeof(err));
    assert_non_null(rep);
    freeReplyObject(rep);
    rc_redis_destroy(r);
    rep = rc_t_raw("GET t:db"); /* db 0 */
    assert_int_equal(rep->type, REDIS_REPLY_NIL);
    freeReplyObject(rep);
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", rc_t_fx.port, tv);
    freeReplyObject(redisCommand(c, "SELECT 3"));
    rep = redisCommand(c, "GET t:db");
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_string_equal(rep->str, "three");
    freeReplyObject(rep);
    redisFree(c);
}

static void rc_t_set_requirepass(const char *pw, const char *auth) {
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", rc_t_fx.port, tv);
    assert_non_null(c);
    if (auth)
        freeReplyObject(redisCommand(c, "AUTH %s", auth));
    redisReply *rep = redisCommand(c, "CONFIG SET requirepass %s", pw);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    redisFree(c);
}

/* Teardown of the password tests: whatever they left, no password again. */
static int rc_t_clear_requirepass(void **state) {
    static const char *const tried[] = {"s3cr@t", "one", "two"};
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", rc_t_fx.port, tv);
    for (size_t i = 0; c && i < sizeof(tried) / sizeof(tried[0]); i++)
        freeReplyObject(redisCommand(c, "AUTH %s", tried[i]));
    if (c)
        freeReplyObject(redisCommand(c, "CONFIG SET requirepass %s", ""));
    redisFree(c);
    return 0;
}

static void test_redis_url_password_is_sent_with_auth(void **state) {
    char url[96], err[256];
    rc_t_set_requirepass("s3cr@t", NULL);
    /* Password only, and user:password (the user is ignored); an '@' in the
     * password is allowed because the last '@' ends it. */
    snprintf(url, sizeof(url), "redis://:s3cr@t@127.0.0.1:%d", rc_t_fx.port);
    rc_redis_t *r = rc_redis_connect(url, 1000, err, sizeof(err));
    if (!r)
        fail_msg("%s", err);
    assert_int_equal(rc_redis_ping(r), 0);
    rc_redis_destroy(r);
    snprintf(url, sizeof(url), "redis://default:s3cr@t@127.0.0.1:%d/1", rc_t_fx.port);
    r = rc_redis_connect(url, 1000, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(rc_redis_ping(r), 0);
    rc_redis_destroy(r);
    snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d", rc_t_fx.port);
    rc_t_expect_url_error(url, "redis AUTH: ");
    /* Without the password the connection opens but commands are refused. */
    r = rc_redis_connect(rc_t_fx.url, 1000, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(rc_redis_ping(r), -1);
    rc_redis_destroy(r);
}

static void test_redis_failed_auth_on_reconnect_is_not_reused_unauthenticated(void **state) {
    char url[96], err[256] = "";
    rc_t_set_requirepass("one", NULL);
    snprintf(url, sizeof(url), "redis://:one@127.0.0.1:%d", rc_t_fx.port);
    rc_redis_t *r = rc_redis_connect(url, 1000, err, sizeof(err));
    assert_non_null(r);
    /* The password changes and the server drops every client: the
     * reconnect's AUTH fails, so the call fails. */
    rc_t_set_requirepass("two", "one");
    {
        struct timeval tv = {2, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", rc_t_fx.port, tv);
        freeReplyObject(redisCommand(c, "AUTH two"));
        freeReplyObject(redisCommand(c, "CLIENT KILL TYPE normal SKIPME yes"));
        redisFree(c);
    }
    assert_int_equal(rc_redis_ping(r), -1);
    /* The password is set back: the next call must reconnect and
     * authenticate, not carry on over the unauthenticated connection. */
    rc_t_set_requirepass("one", "two");
    assert_int_equal(rc_redis_ping(r), 0);
    const char *set[] = {"SET", "t:auth", "1"};
    redisReply *rep = rc_redis_command(r, 3, set, err, sizeof(err));
    if (!rep)
        fail_msg("%s", err);
    freeReplyObject(rep);
    rc_redis_destroy(r);
}

static void test_redis_command_error_reply_is_null_with_text(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    const char *bad[] = {"NOSUCHCOMMAND", "x"};
    assert_null(rc_redis_command(r, 2, bad, err, sizeof(err)));
    assert_non_null(strstr(err, "redis NOSUCHCOMMAND: ERR unknown command"));
    rc_redis_destroy(r);
}

static void test_redis_claim_many_reports_first_seen_and_sets_ttl(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    const char *k1[] = {"t:claim:a", "t:claim:b"};
    const char *k2[] = {"t:claim:a", "t:claim:c", "t:claim:b", "t:claim:c"};
    int seen[4] = {-1, -1, -1, -1};

    assert_int_equal(rc_redis_claim_many(r, k1, 2, 300, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
    assert_int_equal(rc_redis_claim_many(r, k2, 4, 300, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 0);
    assert_int_equal(seen[3], 0); /* the same key twice in one batch: only the first claims it */

    redisReply *rep = rc_t_raw("TTL t:claim:a");
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    assert_true(rep->integer > 290 && rep->integer <= 300);
    freeReplyObject(rep);
    /* A zero TTL still expires (1 s), never a key that lives forever. */
    const char *k3[] = {"t:claim:zero"};
    assert_int_equal(rc_redis_claim_many(r, k3, 1, 0, seen, err, sizeof(err)), 0);
    rep = rc_t_raw("TTL t:claim:zero");
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    /* Releasing a claim makes the key new again. */
    assert_int_equal(rc_redis_del(r, "t:claim:a"), 0);
    assert_int_equal(rc_redis_claim_many(r, k1, 1, 300, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0], 1);
    rc_redis_destroy(r);
}

/* A record read again after a failure finds its own claim (same owner) and
 * is not taken for a repeat; another record with the same key is. */
static void test_redis_owned_claim_lets_the_same_owner_through_again(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    const char *keys[] = {"t:own:a", "t:own:b"};
    const char *first[] = {"posts:0:10", "posts:1:7"};
    const char *again[] = {"posts:0:10", "posts:3:99"};
    int seen[2] = {-1, -1};

    assert_int_equal(rc_redis_claim_owned_many(r, keys, first, 2, 300, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
    assert_int_equal(rc_redis_claim_owned_many(r, keys, again, 2, 300, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0], 1); /* redelivered: its own claim */
    assert_int_equal(seen[1], 0); /* a different record: a repeat */
    redisReply *rep = rc_t_raw("TTL t:own:a");
    assert_true(rep->integer > 290 && rep->integer <= 300);
    freeReplyObject(rep);
    rc_redis_destroy(r);
}

static void test_redis_claim_many_error_reply_fails_the_batch_and_keeps_the_connection(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    const char *k[] = {"t:oom:a", "t:oom:b", "t:oom:c"};
    int seen[3];
    /* With maxmemory below what is in use, every write is refused with an
     * OOM error reply. */
    freeReplyObject(rc_t_raw("CONFIG SET maxmemory-policy noeviction"));
    freeReplyObject(rc_t_raw("CONFIG SET maxmemory 1"));
    int rc = rc_redis_claim_many(r, k, 3, 10, seen, err, sizeof(err));
    freeReplyObject(rc_t_raw("CONFIG SET maxmemory 0"));
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "redis SET NX: OOM"));
    /* The remaining replies were drained: the next call reads its own. */
    assert_int_equal(rc_redis_ping(r), 0);
    assert_int_equal(rc_redis_claim_many(r, k, 3, 10, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0] + seen[1] + seen[2], 3);
    rc_redis_destroy(r);
}

static void test_redis_pipeline_returns_every_reply_in_order_including_errors(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    const char *c1[] = {"SET", "t:p:s", "hello"};
    const char *c2[] = {"GET", "t:p:s"};
    const char *c3[] = {"INCR", "t:p:s"}; /* not an integer: error reply */
    const char *c4[] = {"RPUSH", "t:p:l", "a", "b"};
    redisReply *reps[4];

    assert_int_equal(rc_redis_pipeline_append(r, 3, c1), 0);
    assert_int_equal(rc_redis_pipeline_append(r, 2, c2), 0);
    assert_int_equal(rc_redis_pipeline_append(r, 2, c3), 0);
    assert_int_equal(rc_redis_pipeline_append(r, 4, c4), 0);
    assert_int_equal(rc_redis_pipeline_exec(r, 4, reps, err, sizeof(err)), 0);
    assert_int_equal(reps[0]->type, REDIS_REPLY_STATUS);
    assert_int_equal(reps[1]->type, REDIS_REPLY_STRING);
    assert_string_equal(reps[1]->str, "hello");
    assert_int_equal(reps[2]->type, REDIS_REPLY_ERROR);
    assert_int_equal(reps[3]->type, REDIS_REPLY_INTEGER);
    assert_int_equal(reps[3]->integer, 2);
    for (int i = 0; i < 4; i++)
        freeReplyObject(reps[i]);
    /* The connection is still in step afterwards. */
    assert_int_equal(rc_redis_ping(r), 0);
    rc_redis_destroy(r);
}

static rc_redis_script_t rc_t_script = {"return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}", ""};

static void test_redis_eval_falls_back_to_eval_on_noscript_and_caches_sha(void **state) {
    char err[256] = "", want[41];
    unsigned char md[SHA_DIGEST_LENGTH];
    rc_redis_t *r = rc_t_connect();
    const char *args[] = {"k1", "v1", "41"};

    freeReplyObject(rc_t_raw("SCRIPT FLUSH"));
    redisReply *rep = rc_redis_eval(r, &rc_t_script, 1, 3, args, err, sizeof(err));
    if (!rep)
        fail_msg("eval: %s", err);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    assert_int_equal(rep->elements, 3);
    assert_string_equal(rep->element[0]->str, "k1");
    assert_string_equal(rep->element[1]->str, "v1");
    assert_int_equal(rep->element[2]->integer, 42);
    freeReplyObject(rep);
    /* The sha is SHA-1 of the source, and the server now knows it. */
    SHA1((const unsigned char *)rc_t_script.src, strlen(rc_t_script.src), md);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
        sprintf(want + 2 * i, "%02x", md[i]);
    assert_string_equal(rc_t_script.sha, want);
    rep = rc_t_raw("SCRIPT EXISTS %s", want);
    assert_int_equal(rep->element[0]->integer, 1);
    freeReplyObject(rep);
    /* Flushed again: the next call still works. */
    freeReplyObject(rc_t_raw("SCRIPT FLUSH"));
    rep = rc_redis_eval(r, &rc_t_script, 1, 3, args, err, sizeof(err));
    assert_non_null(rep);
    freeReplyObject(rep);
    rc_redis_destroy(r);
}

static void test_redis_eval_script_error_is_null_with_text(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    static rc_redis_script_t bad = {"return redis.error_reply('BROKEN on purpose')", ""};
    assert_null(rc_redis_eval(r, &bad, 0, 0, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "BROKEN on purpose"));
    const char *many[40];
    for (int i = 0; i < 40; i++)
        many[i] = "x";
    assert_null(rc_redis_eval(r, &rc_t_script, 0, 30, many, err, sizeof(err)));
    assert_non_null(strstr(err, "too many arguments"));
    rc_redis_destroy(r);
}

static void test_redis_script_load_fills_sha_for_pipelined_evalsha(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    rc_redis_script_t s = {"return ARGV[1] .. '!'", ""};
    redisReply *rep;

    assert_int_equal(rc_redis_script_load(r, &s, err, sizeof(err)), 0);
    assert_int_equal(strlen(s.sha), 40);
    const char *c[] = {"EVALSHA", s.sha, "0", "hi"};
    assert_int_equal(rc_redis_pipeline_append(r, 4, c), 0);
    assert_int_equal(rc_redis_pipeline_exec(r, 1, &rep, err, sizeof(err)), 0);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_string_equal(rep->str, "hi!");
    freeReplyObject(rep);
    rc_redis_destroy(r);
}

static void test_redis_reconnects_after_server_restart(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    redisReply *reps[1];

    assert_int_equal(rc_redis_ping(r), 0);
    assert_int_equal(rc_rfx_restart(&rc_t_fx), 0);
    /* A single command gets one transparent reconnect. */
    assert_int_equal(rc_redis_ping(r), 0);
    assert_int_equal(rc_rfx_restart(&rc_t_fx), 0);
    /* A pipeline over the dead connection reports the failure... */
    const char *c[] = {"PING"};
    assert_int_equal(rc_redis_pipeline_append(r, 1, c), 0);
    assert_int_equal(rc_redis_pipeline_exec(r, 1, reps, err, sizeof(err)), -1);
    assert_null(reps[0]);
    assert_non_null(strstr(err, "redis pipeline"));
    /* ...and the next one reconnects. */
    assert_int_equal(rc_redis_pipeline_append(r, 1, c), 0);
    assert_int_equal(rc_redis_pipeline_exec(r, 1, reps, err, sizeof(err)), 0);
    assert_string_equal(reps[0]->str, "PONG");
    freeReplyObject(reps[0]);
    /* claim_many also recovers after a restart (one failed batch at most). */
    assert_int_equal(rc_rfx_restart(&rc_t_fx), 0);
    const char *k[] = {"t:restart"};
    int seen[1] = {0};
    if (rc_redis_claim_many(r, k, 1, 10, seen, err, sizeof(err)))
        assert_int_equal(rc_redis_claim_many(r, k, 1, 10, seen, err, sizeof(err)), 0);
    assert_int_equal(seen[0], 1);
    rc_redis_destroy(r);
}

static void test_redis_server_down_is_an_error_not_a_hang(void **state) {
    char err[256] = "";
    rc_redis_t *r = rc_t_connect();
    rc_rfx_kill(&rc_t_fx);
    assert_int_equal(rc_redis_ping(r), -1);
    const char *c[] = {"GET", "x"};
    assert_null(rc_redis_command(r, 2, c, err, sizeof(err)));
    assert_non_null(strstr(err, "refused"));
    assert_int_equal(rc_rfx_spawn(&rc_t_fx), 0);
    assert_int_equal(rc_redis_ping(r), 0);
    rc_redis_destroy(r);
}

/* The shared token bucket: "burst" requests back to back, then a wait of
 * about 1/rate; shared by two connections (two replicas); refilled by
 * time. */
static void test_redis_token_bucket_allows_burst_then_asks_to_wait_across_connections(void **state) {
    rc_redis_t *a = rc_t_connect(), *b = rc_t_connect();
    char err[256] = "";
    long wait = -1;

    (void)state;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rc_redis_bucket_take(i % 2 ? b : a, "t:bucket", 2.0, 3, &wait, err, sizeof(err)), 0);
        assert_int_equal(wait, 0);
    }
    /* Empty: both replicas are told to wait about half a second. */
    assert_int_equal(rc_redis_bucket_take(a, "t:bucket", 2.0, 3, &wait, err, sizeof(err)), 0);
    assert_in_range(wait, 300, 500);
    assert_int_equal(rc_redis_bucket_take(b, "t:bucket", 2.0, 3, &wait, err, sizeof(err)), 0);
    assert_in_range(wait, 300, 500);
    usleep(600 * 1000);
    assert_int_equal(rc_redis_bucket_take(b, "t:bucket", 2.0, 3, &wait, err, sizeof(err)), 0);
    assert_int_equal(wait, 0);
    /* The bucket expires on its own once it would be full again. */
    redisReply *ttl = rc_t_raw("PTTL t:bucket");
    assert_true(ttl->integer > 0 && ttl->integer <= 61500 + 2000);
    freeReplyObject(ttl);
    rc_redis_destroy(a);
    rc_redis_destroy(b);
}

/* A lease is held by one owner: others are refused until it is given back
 * or expires; renewing extends only one's own lease. */
static void test_redis_lease_is_exclusive_renewable_and_given_back(void **state) {
    rc_redis_t *r = rc_t_connect();
    char err[256] = "";

    (void)state;
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-a", 300, err, sizeof(err)), 1);
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-b", 300, err, sizeof(err)), 0);
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-a", 5000, err, sizeof(err)), 1); /* renew */
    redisReply *ttl = rc_t_raw("PTTL t:lease");
    assert_true(ttl->integer > 300);
    freeReplyObject(ttl);
    /* b cannot give back a's lease. */
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-b", 0, err, sizeof(err)), 0);
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-a", 0, err, sizeof(err)), 1);
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-b", 200, err, sizeof(err)), 1);
    /* Expiry hands it over. */
    usleep(350 * 1000);
    assert_int_equal(rc_redis_lease(r, "t:lease", "replica-a", 200, err, sizeof(err)), 1);
    /* Giving back a lease nobody holds is fine. */
    assert_int_equal(rc_redis_lease(r, "t:lease2", "replica-a", 0, err, sizeof(err)), 1);
    rc_redis_destroy(r);
}

int main(void) {
    rc_log_set_level(RC_LOG_ERROR); /* the reconnect warnings are expected */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_url_rejects_other_schemes),
        cmocka_unit_test(test_redis_url_rejects_bad_ports),
        cmocka_unit_test(test_redis_url_rejects_bad_databases),
        cmocka_unit_test(test_redis_connect_refused_names_host_and_port),
        cmocka_unit_test(test_redis_url_host_defaults_and_scheme_is_optional),
        cmocka_unit_test(test_redis_url_db_selects_the_database),
        cmocka_unit_test_teardown(test_redis_url_password_is_sent_with_auth, rc_t_clear_requirepass),
        cmocka_unit_test_teardown(test_redis_failed_auth_on_reconnect_is_not_reused_unauthenticated,
                                  rc_t_clear_requirepass),
        cmocka_unit_test(test_redis_command_error_reply_is_null_with_text),
        cmocka_unit_test(test_redis_claim_many_reports_first_seen_and_sets_ttl),
        cmocka_unit_test(test_redis_owned_claim_lets_the_same_owner_through_again),
        cmocka_unit_test(test_redis_claim_many_error_reply_fails_the_batch_and_keeps_the_connection),
        cmocka_unit_test(test_redis_pipeline_returns_every_reply_in_order_including_errors),
        cmocka_unit_test(test_redis_eval_falls_back_to_eval_on_noscript_and_caches_sha),
        cmocka_unit_test(test_redis_eval_script_error_is_null_with_text),
        cmocka_unit_test(test_redis_script_load_fills_sha_for_pipelined_evalsha),
        cmocka_unit_test(test_redis_reconnects_after_server_restart),
        cmocka_unit_test(test_redis_token_bucket_allows_burst_then_asks_to_wait_across_connections),
        cmocka_unit_test(test_redis_lease_is_exclusive_renewable_and_given_back),
        cmocka_unit_test(test_redis_server_down_is_an_error_not_a_hang),
    };
    return cmocka_run_group_tests(tests, rc_t_setup, rc_t_teardown);
}
