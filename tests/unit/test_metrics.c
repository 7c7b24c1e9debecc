/*
 * Prometheus metrics (common/metrics.c): the registry and the text
 * exposition format 0.0.4, checked line by line here and, when Debian's
 * promtool is installed, by `promtool check metrics` as well. Also
 * rc_prom_value() from cli/prom.c (the cli sources are not a library, so the
 * file is compiled in here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../cli/prom.c"
#include "metrics.h"

static int rc_t_reset(void **state) {
    rc_metrics_reset();
    return 0;
}

static char *rc_t_render(void) {
    size_t len = 0;
    char *txt = rc_metrics_render(&len);
    assert_non_null(txt);
    assert_int_equal(strlen(txt), len);
    return txt;
}

static int rc_t_count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void rc_t_has_line(const char *txt, const char *line) {
    char buf[512];
    snprintf(buf, sizeof(buf), "\n%s\n", line);
    /* Prefixing a newline lets the first line match too. */
    size_t tl = strlen(txt);
    char *w = malloc(tl + 2);
    w[0] = '\n';
    memcpy(w + 1, txt, tl + 1);
    int found = strstr(w, buf) != NULL;
    free(w);
    if (!found)
        fail_msg("no line \"%s\" in:\n%s", line, txt);
}

/* The structural rules of the text format that a scraper relies on: every
 * sample line is "name[{labels}] value"; each family's HELP and TYPE appear
 * once, before its samples, and a family's samples are contiguous. */
static void rc_t_check_format(const char *txt) {
    char *copy = strdup(txt), *save = NULL;
    char families[64][128];
    int nfam = 0;
    char current[128] = "";

    assert_true(txt[0] == '\0' || txt[strlen(txt) - 1] == '\n');
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128];
        if (!strncmp(line, "# HELP ", 7)) {
            assert_int_equal(sscanf(line + 7, "%127s", name), 1);
            for (int i = 0; i < nfam; i++)
                if (!strcmp(families[i], name))
                    fail_msg("family %s has a second HELP", name);
            snprintf(families[nfam++], sizeof(families[0]), "%s", name);
            snprintf(current, sizeof(current), "%s", name);
            continue;
        }
        if (!strncmp(line, "# TYPE ", 7)) {
            char type[32];
            assert_int_equal(sscanf(line + 7, "%127s %31s", name, type), 2);
            assert_string_equal(name, current);
            assert_true(!strcmp(type, "counter") || !strcmp(type, "gauge") || !strcmp(type, "histogram"));
            continue;
        }
        assert_true(line[0] != '#');
        /* The sample belongs to the current family (with a histogram's
         * _bucket/_sum/_count suffix). */
        size_t cl = strlen(current);
        if (!cl || strncmp(line, current, cl))
            fail_msg("sample \"%s\" outside its family (current %s)", line, current);
        const char *rest = line + cl;
        if (!strncmp(rest, "_bucket", 7))
            rest += 7;
        else if (!strncmp(rest, "_sum", 4))
            rest += 4;
        else if (!strncmp(rest, "_count", 6))
            rest += 6;
        if (*rest == '{') {
            rest = strchr(rest, '}');
            assert_non_null(rest);
            rest++;
        }
        assert_int_equal(*rest, ' ');
        char *end;
        strtod(rest + 1, &end);
        if (end == rest + 1 || *end)
            fail_msg("bad value in \"%s\"", line);
    }
    free(copy);
}

/* `promtool check metrics` when available: exit 0 means it parsed and found
 * nothing to lint. */
static void rc_t_promtool(const char *txt) {
    if (access("/usr/bin/promtool", X_OK))
        return;
    char out[] = "/tmp/rc-promtool-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "/usr/bin/promtool check metrics >%s 2>&1", out);
    FILE *p = popen(cmd, "w");
    assert_non_null(p);
    fputs(txt, p);
    int st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char msg[1024] = "";
        FILE *f = fopen(out, "r");
        if (f) {
            size_t n = fread(msg, 1, sizeof(msg) - 1, f);
            msg[n] = '\0';
            fclose(f);
        }
        unlink(out);
        fail_msg("promtool check metrics failed: %s\n%s", msg, txt);
    }
    unlink(out);
}

static void test_metrics_counter_and_gauge_render_with_help_and_type(void **state) {
    rc_metric_t *c = rc_counter("ricochet_test_records_total", NULL, "Records seen.");
    rc_metric_t *g = rc_gauge("ricochet_test_queue_depth", NULL, "Records waiting.");
    rc_metric_inc(c, 3);
    rc_metric_inc(c, 4);
    rc_metric_set(g, 12);
    rc_metric_set(g, -2); /* a gauge may go below zero */
    assert_int_equal(rc_metric_value(c), 7);
    char *txt = rc_t_render();
    rc_t_has_line(txt, "# HELP ricochet_test_records_total Records seen.");
    rc_t_has_line(txt, "# TYPE ricochet_test_records_total counter");
    rc_t_has_line(txt, "ricochet_test_records_total 7");
    rc_t_has_line(txt, "# TYPE ricochet_test_queue_depth gauge");
    rc_t_has_line(txt, "ricochet_test_queue_depth -2");
    rc_t_check_format(txt);
    rc_t_promtool(txt);
    free(txt);
}

static void test_metrics_same_name_and_labels_returns_the_same_metric(void **state) {
    rc_metric_t *a = rc_counter("ricochet_test_dead_letters_total", "reason=\"parse\"", "Dead letters.");
    rc_metric_t *b = rc_counter("ricochet_test_dead_letters_total", "reason=\"parse\"", "Dead letters.");
    rc_metric_t *c = rc_counter("ricochet_test_dead_letters_total", "reason=\"schema\"", "Dead letters.");
    rc_metric_t *d = rc_counter("ricochet_test_plain_total", NULL, "x");
    rc_metric_t *e = rc_counter("ricochet_test_plain_total", "", "x"); /* "" and NULL are both "no labels" */
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_ptr_equal(d, e);
    rc_metric_inc(a, 1);
    rc_metric_inc(b, 1);
    assert_int_equal(rc_metric_value(a), 2);
    assert_int_equal(rc_metric_value(c), 0);
    /* NULL metrics are ignored by the updaters. */
    rc_metric_inc(NULL, 1);
    rc_metric_set(NULL, 1);
    rc_metric_observe(NULL, 1);
    assert_int_equal(rc_metric_value(NULL), 0);
}

static void test_metrics_family_gets_help_and_type_once_and_stays_contiguous(void **state) {
    rc_metric_t *p = rc_counter("ricochet_test_dead_letters_total", "reason=\"parse\"", "Dead letters by reason.");
    rc_counter("ricochet_test_other_total", NULL, "Something else.");
    /* Created after another family: still rendered next to its family. */
    rc_metric_t *s = rc_counter("ricochet_test_dead_letters_total", "reason=\"schema\"", "Dead letters by reason.");
    rc_metric_inc(p, 2);
    rc_metric_inc(s, 5);
    char *txt = rc_t_render();
    assert_int_equal(rc_t_count(txt, "# HELP ricochet_test_dead_letters_total "), 1);
    assert_int_equal(rc_t_count(txt, "# TYPE ricochet_test_dead_letters_total "), 1);
    rc_t_has_line(txt, "ricochet_test_dead_letters_total{reason=\"parse\"} 2");
    rc_t_has_line(txt, "ricochet_test_dead_letters_total{reason=\"schema\"} 5");
    rc_t_check_format(txt);
    rc_t_promtool(txt);
    free(txt);
}

static void test_metrics_histogram_buckets_are_cumulative_with_inf_sum_and_count(void **state) {
    const double b[] = {0.005, 0.05, 0.5};
    rc_metric_t *h = rc_histogram("ricochet_test_latency_seconds", "sink=\"rt\"", "Sink call latency.", b, 3);
    rc_metric_observe(h, 0.001);
    rc_metric_observe(h, 0.005); /* on the bound: le is inclusive */
    rc_metric_observe(h, 0.02);
    rc_metric_observe(h, 0.3);
    rc_metric_observe(h, 2.0); /* above every bound: only +Inf */
    char *txt = rc_t_render();
    rc_t_has_line(txt, "# TYPE ricochet_test_latency_seconds histogram");
    rc_t_has_line(txt, "ricochet_test_latency_seconds_bucket{sink=\"rt\",le=\"0.005\"} 2");
    rc_t_has_line(txt, "ricochet_test_latency_seconds_bucket{sink=\"rt\",le=\"0.05\"} 3");
    rc_t_has_line(txt, "ricochet_test_latency_seconds_bucket{sink=\"rt\",le=\"0.5\"} 4");
    rc_t_has_line(txt, "ricochet_test_latency_seconds_bucket{sink=\"rt\",le=\"+Inf\"} 5");
    rc_t_has_line(txt, "ricochet_test_latency_seconds_sum{sink=\"rt\"} 2.326000");
    rc_t_has_line(txt, "ricochet_test_latency_seconds_count{sink=\"rt\"} 5");
    rc_t_check_format(txt);
    rc_t_promtool(txt);
    free(txt);
}

static void test_metrics_histogram_without_labels_has_bare_sum_and_count(void **state) {
    const double b[] = {1, 10};
    rc_metric_t *h = rc_histogram("ricochet_test_batch_seconds", NULL, "Batch time.", b, 2);
    rc_metric_observe(h, 5);
    rc_metric_observe(h, -1); /* clock skew: counted in the first bucket, adds nothing to the sum */
    char *txt = rc_t_render();
    rc_t_has_line(txt, "ricochet_test_batch_seconds_bucket{le=\"1\"} 1");
    rc_t_has_line(txt, "ricochet_test_batch_seconds_bucket{le=\"10\"} 2");
    rc_t_has_line(txt, "ricochet_test_batch_seconds_bucket{le=\"+Inf\"} 2");
    rc_t_has_line(txt, "ricochet_test_batch_seconds_sum 5.000000");
    rc_t_has_line(txt, "ricochet_test_batch_seconds_count 2");
    rc_t_check_format(txt);
    rc_t_promtool(txt);
    free(txt);
}

static void test_metrics_bucket_bounds_keep_full_precision(void **state) {
    /* Two bounds that %g would print alike ("1.23457e+06"). */
    const double b[] = {0.0001, 1234567, 1234568};
    rc_histogram("ricochet_test_bytes_seconds", NULL, "Bounds.", b, 3);
    char *txt = rc_t_render();
    rc_t_has_line(txt, "ricochet_test_bytes_seconds_bucket{le=\"0.0001\"} 0");
    rc_t_has_line(txt, "ricochet_test_bytes_seconds_bucket{le=\"1234567\"} 0");
    rc_t_has_line(txt, "ricochet_test_bytes_seconds_bucket{le=\"1234568\"} 0");
    rc_t_promtool(txt);
    free(txt);
}

static void test_metrics_help_text_is_escaped(void **state) {
    rc_counter("ricochet_test_escaped_total", NULL, "Two lines\nand a back\\slash.");
    char *txt = rc_t_render();
    rc_t_has_line(txt, "# HELP ricochet_test_escaped_total Two lines\\nand a back\\\\slash.");
    rc_t_check_format(txt);
    rc_t_promtool(txt);
    free(txt);
}

static void test_metrics_empty_registry_renders_empty_text(void **state) {
    char *txt = rc_t_render();
    assert_string_equal(txt, "");
    free(txt);
}

static void test_metrics_large_registry_renders_every_metric(void **state) {
    char labels[64];
    for (int i = 0; i < 300; i++) {
        snprintf(labels, sizeof(labels), "partition=\"%d\"", i);
        rc_metric_inc(rc_counter("ricochet_test_partition_records_total", labels, "Per partition."), (uint64_t)i);
    }
    char *txt = rc_t_render();
    assert_int_equal(rc_t_count(txt, "\nricochet_test_partition_records_total{"), 300);
    rc_t_has_line(txt, "ricochet_test_partition_records_total{partition=\"299\"} 299");
    assert_true(rc_prom_value(txt, "ricochet_test_partition_records_total", NULL) == 299.0 * 300 / 2);
    rc_t_check_format(txt);
    free(txt);
}

static void test_prom_value_sums_every_sample_or_takes_exact_labels(void **state) {
    const char *txt = "# HELP a_total A.\n"
                      "# TYPE a_total counter\n"
                      "a_total{reason=\"parse\"} 2\n"
                      "a_total{reason=\"schema\"} 5\n"
                      "a_total_more 100\n"
                      "b 1.5\n";
    assert_true(rc_prom_value(txt, "a_total", NULL) == 7);
    assert_true(rc_prom_value(txt, "a_total", "reason=\"schema\"") == 5);
    assert_true(rc_prom_value(txt, "a_total", "reason=\"sch\"") == 0); /* labels match whole */
    assert_true(rc_prom_value(txt, "a_total_more", NULL) == 100);
    assert_true(rc_prom_value(txt, "b", NULL) == 1.5);
    assert_true(rc_prom_value(txt, "b", "x=\"1\"") == 0);
    assert_true(rc_prom_value(txt, "missing", NULL) == 0);
    assert_true(rc_prom_value("", "a_total", NULL) == 0);
    /* The last line need not end in a newline. */
    assert_true(rc_prom_value("c 3", "c", NULL) == 3);
}

static void test_prom_value_ignores_timestamps_and_spaces_in_label_values(void **state) {
    /* The format allows an optional timestamp (ms) after the value. */
    const char *txt = "up 1 1700000000000\n"
                      "q_total{why=\"a b\"} 4\n"
                      "q_total{why=\"c}d\"} 6 1700000000000\n";
    assert_true(rc_prom_value(txt, "up", NULL) == 1);
    assert_true(rc_prom_value(txt, "q_total", NULL) == 10);
    assert_true(rc_prom_value(txt, "q_total", "why=\"a b\"") == 4);
}

static void test_prom_value_reads_what_metrics_render(void **state) {
    const double b[] = {0.1};
    rc_metric_inc(rc_counter("ricochet_test_in_total", "stage=\"x\"", "In."), 41);
    rc_metric_inc(rc_counter("ricochet_test_in_total", "stage=\"y\"", "In."), 1);
    rc_metric_observe(rc_histogram("ricochet_test_in_seconds", NULL, "Lat.", b, 1), 0.05);
    char *txt = rc_t_render();
    assert_true(rc_prom_value(txt, "ricochet_test_in_total", NULL) == 42);
    assert_true(rc_prom_value(txt, "ricochet_test_in_total", "stage=\"x\"") == 41);
    assert_true(rc_prom_value(txt, "ricochet_test_in_seconds_count", NULL) == 1);
    assert_true(rc_prom_value(txt, "ricochet_test_in_seconds", NULL) == 0); /* only suffixed series exist */
    free(txt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_metrics_counter_and_gauge_render_with_help_and_type, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_same_name_and_labels_returns_the_same_metric, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_family_gets_help_and_type_once_and_stays_contiguous, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_histogram_buckets_are_cumulative_with_inf_sum_and_count, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_histogram_without_labels_has_bare_sum_and_count, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_bucket_bounds_keep_full_precision, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_help_text_is_escaped, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_empty_registry_renders_empty_text, rc_t_reset),
        cmocka_unit_test_setup(test_metrics_large_registry_renders_every_metric, rc_t_reset),
        cmocka_unit_test(test_prom_value_sums_every_sample_or_takes_exact_labels),
        cmocka_unit_test(test_prom_value_ignores_timestamps_and_spaces_in_label_values),
        cmocka_unit_test_setup(test_prom_value_reads_what_metrics_render, rc_t_reset),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc_metrics_reset();
    return rc;
}
