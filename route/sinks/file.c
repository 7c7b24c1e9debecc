/*
 * The "file" sink: tickets as JSON Lines in a local file.
 *
 * Each opened case is a line {"event":"ticket_opened","ticket":"T-...",...}
 * and each follow-up a line {"event":"comment_added","ticket":...}. It is
 * the demo's default sink and a handy audit trail; a ticket id is the
 * configured prefix plus the time in milliseconds and a sequence number, so
 * ids stay unique across restarts.
 */
#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../route.h"
#include "util.h"

typedef struct rc_sink_file_conf {
    char *path;
    char *prefix;
} rc_sink_file_conf_t;

static _Atomic unsigned long rc_sink_file_seq;

typedef struct rc_sink_file {
    const rc_sink_file_conf_t *conf;
    FILE *fp;
    unsigned long seq;
    long long started_ms;
} rc_sink_file_t;

#define OFF(f) offsetof(rc_sink_file_conf_t, f)
static const rc_config_entry_t rc_sink_file_table[] = {
    {"path", RC_CT_STRING, NULL, 0, 0, NULL, OFF(path), 1, "File the tickets are appended to."},
    {"prefix", RC_CT_STRING, "T", 0, 0, NULL, OFF(prefix), 0, "Prefix of ticket ids."},
    RC_CONFIG_END};

static int rc_sink_file_init(void **ctxp, const void *conf, struct rc_sink_env *env, char *errstr,
                             size_t errstr_size) {
    const rc_sink_file_conf_t *c = conf;
    rc_sink_file_t *f = calloc(1, sizeof(*f));
    struct timeval tv;

    if (!f) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    f->conf = c;
    f->fp = fopen(c->path, "a");
    if (!f->fp) {
        snprintf(errstr, errstr_size, "file sink '%s': cannot open %s: %s", env->name, c->path, strerror(errno));
        free(f);
        return -1;
    }
    gettimeofday(&tv, NULL);
    f->started_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    *ctxp = f;
    return 0;
}

static int rc_sink_file_write(rc_sink_file_t *f, const char *event, const char *ticket, const rc_sink_request_t *req,
                              rc_sink_result_t *res) {
    char at[40];
    const json_t *post = json_object_get(req->record, "post");
    rc_now_rfc3339(at, sizeof(at));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:O, s:O, s:s}", "event", event, "ticket", ticket,
                          "case_key", req->case_key, "subject", req->subject, "priority", req->priority, "requestor",
                          req->requestor ? req->requestor : "", "body", req->body, "post_id",
                          json_object_get(post, "id"), "platform", json_object_get(post, "platform"), "at", at);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!line) {
        /* Not the file's fault: the record lacks what a ticket needs. */
        snprintf(res->detail, sizeof(res->detail), "cannot build the ticket line (record without post.id/platform?)");
        res->retriable = 0;
        return -1;
    }
    /* Flushed per line: the file is what a person reads to see the result. */
    int ok = fprintf(f->fp, "%s\n", line) > 0 && fflush(f->fp) == 0;
    free(line);
    if (!ok) {
        snprintf(res->detail, sizeof(res->detail), "write %s: %s", f->conf->path, strerror(errno));
        res->retriable = 1;
        return -1;
    }
    snprintf(res->external_id, sizeof(res->external_id), "%s", ticket);
    return 0;
}

static int rc_sink_file_open(void *ctx, const rc_sink_request_t *req, rc_sink_result_t *res) {
    rc_sink_file_t *f = ctx;
    char ticket[128];
    /* Start time, process id and a process-wide sequence: unique across
     * restarts, replicas and several file sinks in one process. */
    snprintf(ticket, sizeof(ticket), "%s-%lld-%d-%lu", f->conf->prefix, f->started_ms, (int)getpid(),
             atomic_fetch_add(&rc_sink_file_seq, 1) + 1);
    return rc_sink_file_write(f, "ticket_opened", ticket, req, res);
}

static int rc_sink_file_comment(void *ctx, const char *external_id, const rc_sink_request_t *req,
                                rc_sink_result_t *res) {
    return rc_sink_file_write(ctx, "comment_added", external_id, req, res);
}

static void rc_sink_file_destroy(void *ctx) {
    rc_sink_file_t *f = ctx;
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    free(f);
}

const rc_sink_ops_t rc_sink_file = {
    .type = "file",
    .desc = "Tickets and comments appended to a JSON Lines file.",
    .config = rc_sink_file_table,
    .conf_size = sizeof(rc_sink_file_conf_t),
    .init = rc_sink_file_init,
    .open_case = rc_sink_file_open,
    .follow_up = rc_sink_file_comment,
    .destroy = rc_sink_file_destroy,
};
