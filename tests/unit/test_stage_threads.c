/*
 * ingest.threads and enrich.threads change how fast a batch is worked
 * through, never what comes out: the workers in file mode (built next to
 * this test), with 1, 3 and 8 threads, must write the same records and the
 * same dead letters in the same order.
 *
 * ingest reads examples/posts.jsonl repeated four times (so later copies
 * are dropped as duplicates, which depends on order); enrich reads the
 * Posts that gives, with lines it must dead-letter mixed in. The times of a
 * run (ingested_at, a created_at that defaulted to it, enriched_at, a dead
 * letter's "at") are left out of the comparison.
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

static char dir[] = "/tmp/rc-stage-threads.XXXXXX";
static char bindir[1024];

static int setup(void **state) {
    ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);
    char *slash;
    (void)state;
    if (n <= 0)
        return -1;
    bindir[n] = '\0';
    if (!(slash = strrchr(bindir, '/')))
        return -1;
    *slash = '\0';
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    char cmd[200];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The lines of "path" with the run's times taken out, as one string. */
static char *stable_lines(const char *path) {
    FILE *fp = fopen(path, "r");
    char *line = NULL, *out = NULL;
    size_t cap = 0, size = 0;
    FILE *mem = open_memstream(&out, &size);
    ssize_t len;

    assert_non_null(fp);
    assert_non_null(mem);
    while ((len = getline(&line, &cap, fp)) > 0) {
        json_error_t jerr;
        json_t *j = json_loadb(line, (size_t)len, 0, &jerr), *at;
        char *s;
        if (!j)
            fail_msg("%s: not JSON: %s", path, jerr.text);
        if ((at = json_object_get(j, "ingested_at"))) {
            if (json_equal(json_object_get(j, "created_at"), at))
                json_object_set_new(j, "created_at", json_string("(ingestion time)"));
            json_object_del(j, "ingested_at");
        }
        json_object_del(j, "at");
        json_object_del(j, "enriched_at");
        s = json_dumps(j, JSON_COMPACT);
        fprintf(mem, "%s\n", s);
        free(s);
        json_decref(j);
    }
    free(line);
    fclose(fp);
    fclose(mem);
    return out;
}

/* Runs ricochet-<stage> over "in" with <stage>.threads = "threads"; its
 * output lands in <dir>/<stage>-out<threads>.jsonl. */
static void run_stage(const char *stage, const char *in, int threads, char **records, char **dead) {
    char bin[1100], cfg[512], out[512], dl[512], cmd[4096];
    FILE *fp;

    snprintf(bin, sizeof(bin), "%s/ricochet-%s", bindir, stage);
    assert_int_equal(access(bin, X_OK), 0);
    snprintf(cfg, sizeof(cfg), "%s/%s%d.yaml", dir, stage, threads);
    snprintf(out, sizeof(out), "%s/%s-out%d.jsonl", dir, stage, threads);
    snprintf(dl, sizeof(dl), "%s/%s-dead%d.jsonl", dir, stage, threads);
    fp = fopen(cfg, "w");
    assert_non_null(fp);
    fprintf(fp, "log:\n  level: error\n%s:\n  threads: %d\n  batch_size: 1000\n", stage, threads);
    fclose(fp);
    snprintf(cmd, sizeof(cmd), "'%s' -c '%s' --in '%s' --out '%s' --dead-letter '%s'", bin, cfg, in, out, dl);
    assert_int_equal(system(cmd), 0);
    *records = stable_lines(out);
    *dead = stable_lines(dl);
}

/* Appends "copies" copies of file "from" to "fp". */
static void append_file(FILE *fp, const char *from, int copies) {
    for (int k = 0; k < copies; k++) {
        FILE *ex = fopen(from, "r");
        char buf[8192];
        size_t got;
        if (!ex)
            fail_msg("cannot read %s (set RICOCHET_SOURCE_DIR)", from);
        while ((got = fread(buf, 1, sizeof(buf), ex)) > 0)
            fwrite(buf, 1, got, fp);
        fclose(ex);
    }
}

static void same_for_every_thread_count(const char *stage, const char *in, size_t min_records, size_t min_dead) {
    static const int threads[3] = {1, 3, 8};
    char *records[3], *dead[3];

    for (int t = 0; t < 3; t++)
        run_stage(stage, in, threads[t], &records[t], &dead[t]);
    /* Something of each kind came out. */
    assert_true(strlen(records[0]) > min_records);
    assert_true(strlen(dead[0]) > min_dead);
    for (int t = 1; t < 3; t++) {
        assert_string_equal(records[t], records[0]);
        assert_string_equal(dead[t], dead[0]);
    }
    for (int t = 0; t < 3; t++) {
        free(records[t]);
        free(dead[t]);
    }
}

static void test_ingest_threads_do_not_change_posts_dead_letters_or_their_order(void **state) {
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    char examples[1024], in[600];
    FILE *fp;
    (void)state;

    /* Four copies of the examples: 908 inputs in one batch. */
    snprintf(examples, sizeof(examples), "%s/examples/posts.jsonl", src ? src : ".");
    snprintf(in, sizeof(in), "%s/raw.jsonl", dir);
    assert_non_null(fp = fopen(in, "w"));
    append_file(fp, examples, 4);
    fclose(fp);
    same_for_every_thread_count("ingest", in, 1000, 100);
}

static void test_enrich_threads_do_not_change_enriched_posts_dead_letters_or_their_order(void **state) {
    char posts[600], in[600];
    FILE *fp;
    (void)state;

    /* The Posts of the test above (ingest with 1 thread), three times over
     * with lines enrich refuses in between: ~600 inputs in one batch. */
    snprintf(posts, sizeof(posts), "%s/ingest-out1.jsonl", dir);
    if (access(posts, R_OK) != 0) {
        test_ingest_threads_do_not_change_posts_dead_letters_or_their_order(state);
        assert_int_equal(access(posts, R_OK), 0);
    }
    snprintf(in, sizeof(in), "%s/posts.jsonl", dir);
    assert_non_null(fp = fopen(in, "w"));
    append_file(fp, posts, 1);
    fputs("not json at all\n{\"id\": \"1\", \"platform\": \"x\"}\n", fp);
    append_file(fp, posts, 1);
    fputs("[1, 2]\n", fp);
    append_file(fp, posts, 1);
    fclose(fp);
    same_for_every_thread_count("enrich", in, 10000, 100);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_threads_do_not_change_posts_dead_letters_or_their_order),
        cmocka_unit_test(test_enrich_threads_do_not_change_enriched_posts_dead_letters_or_their_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
