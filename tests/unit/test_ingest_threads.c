/*
 * ingest.threads changes how fast a batch is normalised, never what comes
 * out: ricochet-ingest in file mode (built next to this test) over
 * examples/posts.jsonl repeated four times (so later copies are dropped as
 * duplicates, which depends on order), with 1, 3 and 8 threads, must write
 * the same Posts and the same dead letters in the same order. The times of
 * a run (ingested_at, a created_at that defaulted to it, a dead letter's
 * "at") are left out of the comparison.
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

static char dir[] = "/tmp/rc-ingest-threads.XXXXXX";

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

static void run_ingest(const char *bin, const char *in, int threads, char **posts, char **dead) {
    char cfg[512], out[512], dl[512], cmd[4096];
    FILE *fp;

    snprintf(cfg, sizeof(cfg), "%s/t%d.yaml", dir, threads);
    snprintf(out, sizeof(out), "%s/posts%d.jsonl", dir, threads);
    snprintf(dl, sizeof(dl), "%s/dead%d.jsonl", dir, threads);
    fp = fopen(cfg, "w");
    assert_non_null(fp);
    fprintf(fp, "log:\n  level: error\ningest:\n  threads: %d\n  batch_size: 1000\n", threads);
    fclose(fp);
    snprintf(cmd, sizeof(cmd), "'%s' -c '%s' --in '%s' --out '%s' --dead-letter '%s'", bin, cfg, in, out, dl);
    assert_int_equal(system(cmd), 0);
    *posts = stable_lines(out);
    *dead = stable_lines(dl);
}

static void test_threads_do_not_change_posts_dead_letters_or_their_order(void **state) {
    const char *src = getenv("RICOCHET_SOURCE_DIR");
    char self[1024], bin[1100], examples[1024], in[600], *slash;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *posts[3], *dead[3];
    static const int threads[3] = {1, 3, 8};
    FILE *fp;
    (void)state;

    assert_true(n > 0);
    self[n] = '\0';
    slash = strrchr(self, '/');
    assert_non_null(slash);
    *slash = '\0';
    snprintf(bin, sizeof(bin), "%s/ricochet-ingest", self);
    assert_int_equal(access(bin, X_OK), 0);
    assert_non_null(mkdtemp(dir));

    /* Four copies of the examples: 908 inputs in one batch. */
    snprintf(examples, sizeof(examples), "%s/examples/posts.jsonl", src ? src : ".");
    snprintf(in, sizeof(in), "%s/in.jsonl", dir);
    fp = fopen(in, "w");
    assert_non_null(fp);
    for (int k = 0; k < 4; k++) {
        FILE *ex = fopen(examples, "r");
        char buf[8192];
        size_t got;
        if (!ex)
            fail_msg("cannot read %s (set RICOCHET_SOURCE_DIR)", examples);
        while ((got = fread(buf, 1, sizeof(buf), ex)) > 0)
            fwrite(buf, 1, got, fp);
        fclose(ex);
    }
    fclose(fp);

    for (int t = 0; t < 3; t++)
        run_ingest(bin, in, threads[t], &posts[t], &dead[t]);
    /* Something of each kind came out, and repeats were dropped. */
    assert_true(strlen(posts[0]) > 1000);
    assert_true(strlen(dead[0]) > 100);
    for (int t = 1; t < 3; t++) {
        assert_string_equal(posts[t], posts[0]);
        assert_string_equal(dead[t], dead[0]);
    }
    for (int t = 0; t < 3; t++) {
        free(posts[t]);
        free(dead[t]);
    }
    snprintf(self, sizeof(self), "rm -rf '%s'", dir);
    assert_int_equal(system(self), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_do_not_change_posts_dead_letters_or_their_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
