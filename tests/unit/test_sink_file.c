/*
 * The "file" sink (route/sinks/file.c), reached the way route reaches it:
 * rc_sink_find("file"), its config table bound from YAML with
 * rc_config_bind(), then init / open_case / follow_up / destroy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "route.h"
#include "sink.h"

typedef struct {
    char dir[64];
    char path[128];
} rc_t_tmp_t;

static int rc_t_setup(void **state) {
    rc_t_tmp_t *t = calloc(1, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/rc-sink-file-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/tickets.jsonl", t->dir);
    *state = t;
    return 0;
}

static int rc_t_teardown(void **state) {
    rc_t_tmp_t *t = *state;
    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}

/* A bound conf and an initialised sink, as route builds them. */
typedef struct {
    const rc_sink_ops_t *ops;
    rc_config_t *cfg;
    void *conf;
    void *ctx;
    struct rc_sink_env env;
    char err[512];
} rc_t_sink_t;

static int rc_t_sink_open(rc_t_sink_t *s, const char *section_yaml) {
    char yaml[1024];
    memset(s, 0, sizeof(*s));
    s->ops = rc_sink_find("file");
    assert_non_null(s->ops);
    snprintf(yaml, sizeof(yaml), "route:\n  sinks:\n    tickets:\n%s", section_yaml);
    s->cfg = rc_config_load_string(yaml, "sinks.yaml", s->err, sizeof(s->err));
    assert_non_null(s->cfg);
    s->conf = calloc(1, s->ops->conf_size);
    if (rc_config_bind(s->cfg, "route.sinks.tickets", s->ops->config, s->conf, s->err, sizeof(s->err)))
        return -1;
    s->env.name = "tickets";
    return s->ops->init(&s->ctx, s->conf, &s->env, s->err, sizeof(s->err));
}

static void rc_t_sink_close(rc_t_sink_t *s) {
    if (s->ctx)
        s->ops->destroy(s->ctx);
    rc_config_table_free(s->ops->config, s->conf);
    free(s->conf);
    rc_config_destroy(s->cfg);
}

static json_t *rc_t_record(void) {
    return json_pack("{s:{s:s, s:s, s:s}}", "post", "id", "1733", "platform", "x", "text", "NOT HAPPY @SWA");
}

static rc_sink_request_t rc_t_req(const json_t *record, const char *subject) {
    rc_sink_request_t r = {.case_key = "x:42",
                           .subject = subject,
                           .body = "RUDEST AGENT IN DENVER.\nGATE C39.",
                           .priority = 85,
                           .requestor = "angryflyer",
                           .idempotency_key = "idem",
                           .record = record};
    return r;
}

/* The file's lines as JSON objects. */
static json_t *rc_t_lines(const char *path) {
    json_t *a = json_array();
    char line[4096];
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp)) {
        json_error_t je;
        assert_true(strlen(line) > 0 && line[strlen(line) - 1] == '\n');
        json_t *o = json_loads(line, 0, &je);
        if (!o)
            fail_msg("line is not JSON (%s): %s", je.text, line);
        json_array_append_new(a, o);
    }
    fclose(fp);
    return a;
}

static const char *rc_t_str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void test_sink_file_is_registered_with_follow_ups(void **state) {
    const rc_sink_ops_t *ops = rc_sink_find("file");
    assert_non_null(ops);
    assert_string_equal(ops->type, "file");
    assert_non_null(ops->config);
    assert_non_null(ops->open_case);
    assert_non_null(ops->follow_up);
    assert_null(rc_sink_find("nope"));
    assert_null(rc_sink_find(NULL));
}

static void test_sink_file_path_is_required(void **state) {
    rc_t_sink_t s;
    assert_int_equal(rc_t_sink_open(&s, "      prefix: RC\n"), -1);
    assert_non_null(strstr(s.err, "path"));
    rc_t_sink_close(&s);
}

static void test_sink_file_unknown_key_fails_bind_with_hint(void **state) {
    rc_t_tmp_t *t = *state;
    rc_t_sink_t s;
    char sec[256];
    snprintf(sec, sizeof(sec), "      path: %s\n      prefx: RC\n", t->path);
    assert_int_equal(rc_t_sink_open(&s, sec), -1);
    assert_non_null(strstr(s.err, "sinks.yaml:5: "));
    assert_non_null(strstr(s.err, "did you mean 'route.sinks.tickets.prefix'?"));
    rc_t_sink_close(&s);
}

static void test_sink_file_open_case_writes_ticket_opened_with_unique_ids(void **state) {
    rc_t_tmp_t *t = *state;
    rc_t_sink_t s;
    char sec[256];
    snprintf(sec, sizeof(sec), "      path: %s\n      prefix: RC\n", t->path);
    if (rc_t_sink_open(&s, sec))
        fail_msg("%s", s.err);
    json_t *rec = rc_t_record();
    rc_sink_request_t req = rc_t_req(rec, "[complaint] @angryflyer on x");
    rc_sink_result_t r1, r2;
    memset(&r1, 0, sizeof(r1));
    memset(&r2, 0, sizeof(r2));
    assert_int_equal(s.ops->open_case(s.ctx, &req, &r1), 0);
    assert_int_equal(s.ops->open_case(s.ctx, &req, &r2), 0);
    assert_int_equal(strncmp(r1.external_id, "RC-", 3), 0);
    assert_string_not_equal(r1.external_id, r2.external_id);

    json_t *lines = rc_t_lines(t->path);
    assert_int_equal(json_array_size(lines), 2);
    json_t *o = json_array_get(lines, 0);
    assert_string_equal(rc_t_str(o, "event"), "ticket_opened");
    assert_string_equal(rc_t_str(o, "ticket"), r1.external_id);
    assert_string_equal(rc_t_str(o, "case_key"), "x:42");
    assert_string_equal(rc_t_str(o, "subject"), "[complaint] @angryflyer on x");
    assert_string_equal(rc_t_str(o, "body"), "RUDEST AGENT IN DENVER.\nGATE C39.");
    assert_int_equal(json_integer_value(json_object_get(o, "priority")), 85);
    assert_string_equal(rc_t_str(o, "requestor"), "angryflyer");
    assert_string_equal(rc_t_str(o, "post_id"), "1733");
    assert_string_equal(rc_t_str(o, "platform"), "x");
    const char *at = rc_t_str(o, "at");
    assert_non_null(at);
    assert_int_equal(strlen(at), 24);
    assert_int_equal(at[23], 'Z');
    assert_string_equal(rc_t_str(json_array_get(lines, 1), "ticket"), r2.external_id);
    json_decref(lines);
    json_decref(rec);
    rc_t_sink_close(&s);
}

static void test_sink_file_follow_up_writes_comment_added_on_the_ticket(void **state) {
    rc_t_tmp_t *t = *state;
    rc_t_sink_t s;
    char sec[256];
    snprintf(sec, sizeof(sec), "      path: %s\n", t->path);
    if (rc_t_sink_open(&s, sec))
        fail_msg("%s", s.err);
    json_t *rec = rc_t_record();
    rc_sink_request_t req = rc_t_req(rec, "first");
    rc_sink_result_t res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(s.ops->open_case(s.ctx, &req, &res), 0);
    char ticket[128];
    snprintf(ticket, sizeof(ticket), "%s", res.external_id);
    assert_int_equal(strncmp(ticket, "T-", 2), 0); /* the default prefix */
    req = rc_t_req(rec, "second");
    req.requestor = NULL;
    memset(&res, 0, sizeof(res));
    assert_int_equal(s.ops->follow_up(s.ctx, ticket, &req, &res), 0);
    assert_string_equal(res.external_id, ticket);

    json_t *lines = rc_t_lines(t->path);
    assert_int_equal(json_array_size(lines), 2);
    json_t *o = json_array_get(lines, 1);
    assert_string_equal(rc_t_str(o, "event"), "comment_added");
    assert_string_equal(rc_t_str(o, "ticket"), ticket);
    assert_string_equal(rc_t_str(o, "subject"), "second");
    assert_string_equal(rc_t_str(o, "requestor"), "");
    json_decref(lines);
    json_decref(rec);
    rc_t_sink_close(&s);
}

static void test_sink_file_appends_across_restarts_with_new_ids(void **state) {
    rc_t_tmp_t *t = *state;
    rc_t_sink_t s;
    char sec[256], first[128];
    snprintf(sec, sizeof(sec), "      path: %s\n", t->path);
    json_t *rec = rc_t_record();
    rc_sink_request_t req = rc_t_req(rec, "s");
    rc_sink_result_t res;

    assert_int_equal(rc_t_sink_open(&s, sec), 0);
    memset(&res, 0, sizeof(res));
    assert_int_equal(s.ops->open_case(s.ctx, &req, &res), 0);
    snprintf(first, sizeof(first), "%s", res.external_id);
    rc_t_sink_close(&s);
    usleep(5000); /* a restart takes longer than a millisecond */
    assert_int_equal(rc_t_sink_open(&s, sec), 0);
    memset(&res, 0, sizeof(res));
    assert_int_equal(s.ops->open_case(s.ctx, &req, &res), 0);
    assert_string_not_equal(res.external_id, first);
    rc_t_sink_close(&s);

    json_t *lines = rc_t_lines(t->path);
    assert_int_equal(json_array_size(lines), 2); /* appended, not truncated */
    assert_string_equal(rc_t_str(json_array_get(lines, 0), "ticket"), first);
    json_decref(lines);
    json_decref(rec);
}

static void test_sink_file_unwritable_path_fails_init_with_reason(void **state) {
    rc_t_tmp_t *t = *state;
    rc_t_sink_t s;
    char sec[256];
    snprintf(sec, sizeof(sec), "      path: %s/no/such/dir/t.jsonl\n", t->dir);
    assert_int_equal(rc_t_sink_open(&s, sec), -1);
    assert_non_null(strstr(s.err, "file sink 'tickets': cannot open "));
    assert_non_null(strstr(s.err, "/no/such/dir/t.jsonl: No such file or directory"));
    assert_null(s.ctx);
    rc_t_sink_close(&s);
    /* A directory is not a file either. */
    snprintf(sec, sizeof(sec), "      path: %s\n", t->dir);
    assert_int_equal(rc_t_sink_open(&s, sec), -1);
    assert_non_null(strstr(s.err, "Is a directory"));
    rc_t_sink_close(&s);
    s.ops->destroy(NULL);
}

static void test_sink_file_full_disk_is_a_retriable_failure_with_reason(void **state) {
    rc_t_sink_t s;
    if (access("/dev/full", W_OK))
        skip();
    assert_int_equal(rc_t_sink_open(&s, "      path: /dev/full\n"), 0);
    json_t *rec = rc_t_record();
    rc_sink_request_t req = rc_t_req(rec, "s");
    rc_sink_result_t res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(s.ops->open_case(s.ctx, &req, &res), -1);
    assert_int_equal(res.retriable, 1);
    assert_string_equal(res.external_id, "");
    assert_non_null(strstr(res.detail, "write /dev/full: No space left on device"));
    json_decref(rec);
    rc_t_sink_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_file_is_registered_with_follow_ups),
        cmocka_unit_test_setup_teardown(test_sink_file_path_is_required, rc_t_setup, rc_t_teardown),
        cmocka_unit_test_setup_teardown(test_sink_file_unknown_key_fails_bind_with_hint, rc_t_setup, rc_t_teardown),
        cmocka_unit_test_setup_teardown(test_sink_file_open_case_writes_ticket_opened_with_unique_ids, rc_t_setup,
                                        rc_t_teardown),
        cmocka_unit_test_setup_teardown(test_sink_file_follow_up_writes_comment_added_on_the_ticket, rc_t_setup,
                                        rc_t_teardown),
        cmocka_unit_test_setup_teardown(test_sink_file_appends_across_restarts_with_new_ids, rc_t_setup,
                                        rc_t_teardown),
        cmocka_unit_test_setup_teardown(test_sink_file_unwritable_path_fails_init_with_reason, rc_t_setup,
                                        rc_t_teardown),
        cmocka_unit_test(test_sink_file_full_disk_is_a_retriable_failure_with_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
