/*
 * Source "file": JSON Lines from a file (or stdin), for backfills and for
 * feeds another tool writes. Each line is one payload in any form the
 * normalisers recognise.
 *
 * The cursor is the byte offset just past the last line whose post was
 * acknowledged, so a restart continues where the last run stopped. After
 * the end of the file the source looks again every poll_interval, so a file
 * that grows (another program appending) is followed. A file that became
 * shorter than the cursor was replaced or truncated: it is read from the
 * start (counted as "file_rewound"). A last line without its newline may
 * still be being written: it is taken when the next look finds it unchanged.
 * stdin cannot seek: it is read once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

typedef struct rc_file_conf {
    rc_source_conf_t base; /* must be first */
    char *path;
    long batch;
} rc_file_conf_t;

#define OFF(f) offsetof(rc_file_conf_t, f)
static const rc_config_entry_t rc_file_table[] = {
    {"path", RC_CT_STRING, NULL, 0, 0, NULL, OFF(path), 1, "JSON Lines file to read; \"-\" for stdin."},
    {"batch", RC_CT_INT, "500", 1, 100000, NULL, OFF(batch), 0, "Lines handed to the stage at a time."},
    RC_CONFIG_END};

typedef struct {
    int stdin_done;
    /* An unterminated last line may be half written by whoever appends to
     * the file: it is taken only when a later run finds it unchanged. */
    long long tail_off;
    ssize_t tail_len;
} rc_file_state_t;

static int rc_file_init(void **statep, const void *conf, char *errstr, size_t errstr_size) {
    if (!(*statep = calloc(1, sizeof(rc_file_state_t)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    return 0;
}

static void rc_file_destroy(void *state) { free(state); }

static int rc_file_run(rc_source_t *src, void *state, const void *conf, char *errstr, size_t errstr_size) {
    const rc_file_conf_t *c = conf;
    rc_file_state_t *st = state;
    int is_stdin = strcmp(c->path, "-") == 0;
    FILE *fp = NULL;
    char *line = NULL, cursor[32];
    size_t cap = 0, n = 0;
    const char **payloads = calloc((size_t)c->batch, sizeof(*payloads));
    size_t *lens = calloc((size_t)c->batch, sizeof(*lens));
    char **owned = calloc((size_t)c->batch, sizeof(*owned));
    long long off = 0;
    int ret = -1;

    if (!payloads || !lens || !owned) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    if (is_stdin) {
        if (st->stdin_done) {
            ret = 0;
            goto out;
        }
        fp = stdin;
    } else if (!(fp = fopen(c->path, "r"))) {
        snprintf(errstr, errstr_size, "%s: %s", c->path, strerror(errno));
        goto out;
    }
    if (!is_stdin && rc_source_cursor(src)) {
        off = strtoll(rc_source_cursor(src), NULL, 10);
        if (fseeko(fp, 0, SEEK_END) == 0 && ftello(fp) < off) {
            rc_source_count(src, "file_rewound");
            off = 0;
        }
        fseeko(fp, off, SEEK_SET);
    }
    for (;;) {
        ssize_t len = rc_source_keep_going(src) ? getline(&line, &cap, fp) : -1;
        if (len >= 0) {
            if (!is_stdin && line[len - 1] != '\n') {
                int seen = st->tail_off == off && st->tail_len == len;
                st->tail_off = off;
                st->tail_len = len;
                if (!seen) {
                    len = -1; /* look again next time */
                    goto batch;
                }
            }
            off += len;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (len == 0)
                continue;
            if (len > c->base.max_body) {
                rc_source_count(src, "oversized");
                continue;
            }
            if (!(owned[n] = malloc((size_t)len))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
            }
            memcpy(owned[n], line, (size_t)len);
            payloads[n] = owned[n];
            lens[n++] = (size_t)len;
        }
    batch:
        if (n == (size_t)c->batch || (len < 0 && n > 0)) {
            snprintf(cursor, sizeof(cursor), "%lld", off);
            int rc = rc_source_submit(src, payloads, lens, n, is_stdin ? NULL : cursor);
            for (size_t i = 0; i < n; i++)
                free(owned[i]);
            n = 0;
            if (rc) {
                snprintf(errstr, errstr_size, "posts not acknowledged; will resume from the saved offset");
                goto out;
            }
        }
        if (len < 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(errstr, errstr_size, "%s: read error: %s", c->path, strerror(errno));
        goto out;
    }
    if (rc_source_flush(src)) {
        snprintf(errstr, errstr_size, "posts not acknowledged; will resume from the saved offset");
        goto out;
    }
    if (is_stdin && rc_source_keep_going(src))
        st->stdin_done = 1;
    ret = 0;
out:
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
    free(payloads);
    free(lens);
    free(line);
    if (fp && fp != stdin)
        fclose(fp);
    return ret;
}

const rc_source_ops_t rc_source_file = {
    .type = "file",
    .desc = "JSON Lines from a file or stdin (backfills, feeds written by other tools); resumes at the byte offset "
            "of the last acknowledged line and follows a growing file.",
    .config = rc_file_table,
    .conf_size = sizeof(rc_file_conf_t),
    .init = rc_file_init,
    .destroy = rc_file_destroy,
    .run = rc_file_run,
};
