/*
 * Case windows and idempotency keys (route/cases.c), in both modes: the
 * in-process table (no Redis) and Redis, against a real redis-server
 * (tests/unit/redis_fixture.h) including SCRIPT FLUSH and a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cases.h"
#include "log.h"
#include "redis.h"
#include "redis_fixture.h"

static rc_rfx_t rc_t_fx;
static rc_redis_t *rc_t_redis;

static int rc_t_setup(void **state) {
    char err[256];
    if (rc_rfx_start(&rc_t_fx))
        return -1;
    rc_t_redis = rc_redis_connect(rc_t_fx.url, 2000, err, sizeof(err));
    if (!rc_t_redis) {
        fprintf(stderr, "connect: %s\n", err);
        return -1;
    }
    return 0;
}

static int rc_t_teardown(void **state) {
    rc_redis_destroy(rc_t_redis);
    rc_t_redis = NULL;
    rc_rfx_stop(&rc_t_fx);
    return 0;
}

static void rc_t_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void rc_t_q(rc_case_q_t *q, const char *idem, const char *cas) {
    memset(q, 0, sizeof(*q));
    snprintf(q->idem_key, sizeof(q->idem_key), "%s", idem);
    snprintf(q->case_key, sizeof(q->case_key), "%s", cas);
    q->state = (rc_case_state_t)-1;
    strcpy(q->value, "garbage");
}

static void rc_t_check1(rc_cases_t *c, const char *idem, const char *cas, rc_case_state_t want, const char *value) {
    char err[256] = "";
    rc_case_q_t q;
    rc_t_q(&q, idem, cas);
    if (rc_cases_check(c, &q, 1, err, sizeof(err)))
        fail_msg("check: %s", err);
    assert_int_equal(q.state, want);
    assert_string_equal(q.value, value);
}

static void rc_t_commit1(rc_cases_t *c, const char *idem, const char *idem_value, const char *cas,
                         const char *case_value) {
    char err[256] = "";
    rc_case_w_t w = {idem, idem_value, cas, case_value};
    if (rc_cases_commit(c, &w, 1, err, sizeof(err)))
        fail_msg("commit: %s", err);
}

/* The life of a case, the same in both modes. */
static void rc_t_case_lifecycle(rc_cases_t *c, const char *pfx) {
    char i1[64], i2[64], ck[64];
    snprintf(i1, sizeof(i1), "%s:idem:tickets:x:1:r", pfx);
    snprintf(i2, sizeof(i2), "%s:idem:tickets:x:2:r", pfx);
    snprintf(ck, sizeof(ck), "%s:case:tickets:x:42", pfx);

    /* First post of author 42: a new case. */
    rc_t_check1(c, i1, ck, RC_CASE_NEW, "");
    rc_t_commit1(c, i1, "opened|T-1", ck, "T-1");
    /* The same post redelivered: suppressed, with what was done. */
    rc_t_check1(c, i1, ck, RC_CASE_DUP, "opened|T-1");
    /* A second post of the same author: a follow-up on T-1. */
    rc_t_check1(c, i2, ck, RC_CASE_FOLLOW, "T-1");
    rc_t_commit1(c, i2, "commented|T-1", ck, "T-1");
    rc_t_check1(c, i2, ck, RC_CASE_DUP, "commented|T-1");
    /* Another author's case is unaffected. */
    char other[64];
    snprintf(other, sizeof(other), "%s:case:tickets:x:43", pfx);
    rc_t_check1(c, "never-seen", other, RC_CASE_NEW, "");
}

static void test_cases_memory_new_then_follow_then_dup(void **state) {
    rc_cases_t *c = rc_cases_new(NULL, 600, 3600);
    assert_non_null(c);
    rc_t_case_lifecycle(c, "mem");
    rc_cases_destroy(c);
    rc_cases_destroy(NULL);
}

static void test_cases_empty_case_value_leaves_the_case_closed(void **state) {
    rc_cases_t *c = rc_cases_new(NULL, 600, 3600);
    /* A sink without ids (an alert) records the idempotency key only. */
    rc_t_commit1(c, "i1", "alerted|", "case", "");
    rc_t_commit1(c, "i2", "alerted|", "case", NULL);
    rc_t_check1(c, "i3", "case", RC_CASE_NEW, "");
    rc_t_check1(c, "i1", "case", RC_CASE_DUP, "alerted|");
    rc_cases_destroy(c);
    rc_cases_destroy(NULL);
}

static void test_cases_batch_answers_each_query(void **state) {
    char err[256] = "";
    rc_cases_t *mem = rc_cases_new(NULL, 600, 3600);
    rc_cases_t *red = rc_cases_new(rc_t_redis, 600, 3600);
    rc_cases_t *modes[] = {mem, red};
    for (int m = 0; m < 2; m++) {
        rc_cases_t *c = modes[m];
        rc_case_w_t w[2] = {{"b:i:1", "opened|T-9", "b:c:a", "T-9"}, {"b:i:2", "alerted|", "b:c:z", ""}};
        rc_case_q_t q[4];
        assert_int_equal(rc_cases_check(c, q, 0, err, sizeof(err)), 0);
        assert_int_equal(rc_cases_commit(c, w, 0, err, sizeof(err)), 0);
        assert_int_equal(rc_cases_commit(c, w, 2, err, sizeof(err)), 0);
        rc_t_q(&q[0], "b:i:3", "b:c:a");
        rc_t_q(&q[1], "b:i:1", "b:c:a");
        rc_t_q(&q[2], "b:i:4", "b:c:b");
        rc_t_q(&q[3], "b:i:2", "b:c:z");
        if (rc_cases_check(c, q, 4, err, sizeof(err)))
            fail_msg("mode %d: %s", m, err);
        assert_int_equal(q[0].state, RC_CASE_FOLLOW);
        assert_string_equal(q[0].value, "T-9");
        assert_int_equal(q[1].state, RC_CASE_DUP);
        assert_string_equal(q[1].value, "opened|T-9");
        assert_int_equal(q[2].state, RC_CASE_NEW);
        assert_string_equal(q[2].value, "");
        assert_int_equal(q[3].state, RC_CASE_DUP);
        assert_string_equal(q[3].value, "alerted|");
    }
    rc_cases_destroy(mem);
    rc_cases_destroy(red);
}

static void test_cases_memory_windows_expire_like_redis_ttls(void **state) {
    rc_cases_t *c = rc_cases_new(NULL, 1, 2);
    rc_t_commit1(c, "w:i:1", "opened|T-1", "w:c", "T-1");
    rc_t_check1(c, "w:i:2", "w:c", RC_CASE_FOLLOW, "T-1");
    rc_t_sleep_ms(1200);
    /* The case window (1 s) has closed; the idempotency window (2 s) not. */
    rc_t_check1(c, "w:i:2", "w:c", RC_CASE_NEW, "");
    rc_t_check1(c, "w:i:1", "w:c", RC_CASE_DUP, "opened|T-1");
    /* Writing the case again (a follow-up) restarts its window. */
    rc_t_commit1(c, "w:i:3", "commented|T-1", "w:c", "T-1");
    rc_t_sleep_ms(1000);
    rc_t_check1(c, "w:i:1", "w:c", RC_CASE_NEW, "");
    rc_t_check1(c, "w:i:3", "w:c", RC_CASE_DUP, "commented|T-1");
    rc_cases_destroy(c);
}

static void test_cases_redis_new_then_follow_then_dup(void **state) {
    rc_cases_t *c = rc_cases_new(rc_t_redis, 600, 3600);
    assert_non_null(c);
    rc_t_case_lifecycle(c, "ricochet");
    rc_cases_destroy(c);
}

static long rc_t_ttl(const char *key) {
    char err[256] = "";
    const char *argv[] = {"TTL", key};
    redisReply *rep = rc_redis_command(rc_t_redis, 2, argv, err, sizeof(err));
    if (!rep)
        fail_msg("TTL: %s", err);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    long t = (long)rep->integer;
    freeReplyObject(rep);
    return t;
}

static void test_cases_redis_sets_window_ttls_and_follow_up_extends_the_case(void **state) {
    char err[256] = "";
    rc_cases_t *c = rc_cases_new(rc_t_redis, 600, 3600);
    rc_t_commit1(c, "t:idem:1", "opened|T-5", "t:case:1", "T-5");
    long it = rc_t_ttl("t:idem:1"), ct = rc_t_ttl("t:case:1");
    assert_true(it > 3590 && it <= 3600);
    assert_true(ct > 590 && ct <= 600);
    /* Shorten the case's TTL as if time passed; a follow-up restores it. */
    const char *exp[] = {"EXPIRE", "t:case:1", "5"};
    redisReply *rep = rc_redis_command(rc_t_redis, 3, exp, err, sizeof(err));
    freeReplyObject(rep);
    assert_true(rc_t_ttl("t:case:1") <= 5);
    rc_t_commit1(c, "t:idem:2", "commented|T-5", "t:case:1", "T-5");
    assert_true(rc_t_ttl("t:case:1") > 590);
    /* A commit without a case value leaves the case key alone. */
    rc_t_commit1(c, "t:idem:3", "alerted|", "t:case:none", "");
    assert_int_equal(rc_t_ttl("t:case:none"), -2); /* no such key */
    assert_true(rc_t_ttl("t:idem:3") > 3590);
    rc_cases_destroy(c);
    /* Windows below one second are stored as one second, never forever. */
    c = rc_cases_new(rc_t_redis, 0, -5);
    rc_t_commit1(c, "t:idem:z", "opened|T-6", "t:case:z", "T-6");
    assert_int_equal(rc_t_ttl("t:idem:z"), 1);
    assert_int_equal(rc_t_ttl("t:case:z"), 1);
    rc_cases_destroy(c);
}

static void rc_t_script_flush(void) {
    char err[256] = "";
    const char *argv[] = {"SCRIPT", "FLUSH"};
    redisReply *rep = rc_redis_command(rc_t_redis, 2, argv, err, sizeof(err));
    if (!rep)
        fail_msg("SCRIPT FLUSH: %s", err);
    freeReplyObject(rep);
}

static void test_cases_redis_recovers_from_noscript_after_script_flush(void **state) {
    rc_cases_t *c = rc_cases_new(rc_t_redis, 600, 3600);
    rc_t_check1(c, "f:idem:1", "f:case", RC_CASE_NEW, ""); /* scripts loaded */
    rc_t_script_flush();
    rc_t_check1(c, "f:idem:1", "f:case", RC_CASE_NEW, "");
    /* The scripts can also vanish between a batch's check and its commit
     * (the sink call took a while): the commit reloads them too. */
    rc_t_script_flush();
    rc_t_commit1(c, "f:idem:1", "opened|T-7", "f:case", "T-7");
    rc_t_check1(c, "f:idem:2", "f:case", RC_CASE_FOLLOW, "T-7");
    rc_cases_destroy(c);
}

static void test_cases_redis_restart_reports_error_then_reconnects(void **state) {
    char err[256] = "";
    rc_cases_t *c = rc_cases_new(rc_t_redis, 600, 3600);
    rc_case_q_t q;

    rc_t_commit1(c, "r:idem:1", "opened|T-8", "r:case", "T-8");
    rc_t_check1(c, "r:idem:2", "r:case", RC_CASE_FOLLOW, "T-8");
    assert_int_equal(rc_rfx_restart(&rc_t_fx), 0);
    /* The batch in flight when the server went away fails, and says so. */
    rc_t_q(&q, "r:idem:2", "r:case");
    assert_int_equal(rc_cases_check(c, &q, 1, err, sizeof(err)), -1);
    assert_true(err[0] != '\0');
    assert_non_null(strstr(err, "redis"));
    /* The next batch reconnects, reloads the scripts (the new server has
     * none) and sees the new server's empty data set. */
    rc_t_check1(c, "r:idem:2", "r:case", RC_CASE_NEW, "");
    rc_t_commit1(c, "r:idem:2", "opened|T-9", "r:case", "T-9");
    rc_t_check1(c, "r:idem:3", "r:case", RC_CASE_FOLLOW, "T-9");
    /* A restart just before a commit: one failure, then it works. */
    assert_int_equal(rc_rfx_restart(&rc_t_fx), 0);
    rc_case_w_t w = {"r:idem:4", "opened|T-10", "r:case", "T-10"};
    if (rc_cases_commit(c, &w, 1, err, sizeof(err)))
        rc_t_commit1(c, "r:idem:4", "opened|T-10", "r:case", "T-10");
    rc_t_check1(c, "r:idem:4", "r:case", RC_CASE_DUP, "opened|T-10");
    rc_cases_destroy(c);
}

static void test_cases_redis_server_down_is_an_error_in_check_and_commit(void **state) {
    char err[256] = "";
    rc_cases_t *c = rc_cases_new(rc_t_redis, 600, 3600);
    rc_case_q_t q;
    rc_case_w_t w = {"d:idem:1", "opened|T-1", "d:case", "T-1"};

    rc_t_check1(c, "d:idem:1", "d:case", RC_CASE_NEW, "");
    rc_rfx_kill(&rc_t_fx);
    rc_t_q(&q, "d:idem:1", "d:case");
    assert_int_equal(rc_cases_check(c, &q, 1, err, sizeof(err)), -1);
    assert_int_equal(rc_cases_check(c, &q, 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "refused"));
    assert_int_equal(rc_cases_commit(c, &w, 1, err, sizeof(err)), -1);
    assert_int_equal(rc_rfx_spawn(&rc_t_fx), 0);
    rc_t_check1(c, "d:idem:1", "d:case", RC_CASE_NEW, "");
    rc_cases_destroy(c);
}

int main(void) {
    rc_log_set_level(RC_LOG_ERROR); /* reconnect warnings are expected */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_memory_new_then_follow_then_dup),
        cmocka_unit_test(test_cases_empty_case_value_leaves_the_case_closed),
        cmocka_unit_test(test_cases_batch_answers_each_query),
        cmocka_unit_test(test_cases_memory_windows_expire_like_redis_ttls),
        cmocka_unit_test(test_cases_redis_new_then_follow_then_dup),
        cmocka_unit_test(test_cases_redis_sets_window_ttls_and_follow_up_extends_the_case),
        cmocka_unit_test(test_cases_redis_recovers_from_noscript_after_script_flush),
        cmocka_unit_test(test_cases_redis_restart_reports_error_then_reconnects),
        cmocka_unit_test(test_cases_redis_server_down_is_an_error_in_check_and_commit),
    };
    return cmocka_run_group_tests(tests, rc_t_setup, rc_t_teardown);
}
