/* For unit tests that read files of the source tree (fixtures, examples):
 * rc_test_read() returns the bytes of $RICOCHET_SOURCE_DIR/<rel>. Header-
 * only; include after cmocka.h. */
#ifndef RC_TEST_SOURCE_FILE_H
#define RC_TEST_SOURCE_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The bytes of $RICOCHET_SOURCE_DIR/<rel> (ctest sets it), NUL-terminated,
 * length in *len (may be NULL); fails the test when unreadable. Caller
 * frees. */
static __attribute__((unused)) char *rc_test_read(const char *rel, size_t *len) {
    const char *dir = getenv("RICOCHET_SOURCE_DIR");
    char path[1024], *buf;
    FILE *fp;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", rel);
    if (!(fp = fopen(path, "rb")))
        fail_msg("cannot open %s (set RICOCHET_SOURCE_DIR)", path);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    if (len)
        *len = (size_t)n;
    return buf;
}

#endif
