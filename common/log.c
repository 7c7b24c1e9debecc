#include "log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static pthread_mutex_t rc_log_lock = PTHREAD_MUTEX_INITIALIZER;
static rc_log_level_t rc_log_min = RC_LOG_INFO;
static char rc_log_stage[32] = "ricochet";

static const char *rc_log_names[] = {"debug", "info", "warn", "error"};

void rc_log_set_stage(const char *stage) {
    snprintf(rc_log_stage, sizeof(rc_log_stage), "%s", stage ? stage : "ricochet");
}

void rc_log_set_level(rc_log_level_t level) { rc_log_min = level; }

int rc_log_level_parse(const char *s, rc_log_level_t *level) {
    for (int i = 0; i < 4; i++) {
        if (s && !strcasecmp(s, rc_log_names[i])) {
            *level = (rc_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int rc_log_enabled(rc_log_level_t level) { return level >= rc_log_min; }

void rc_log(rc_log_level_t level, const char *fmt, ...) {
    char msg[2048], ts[40];
    struct timeval tv;
    struct tm tm;
    va_list ap;

    if (level < rc_log_min)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

    /* jansson does the escaping so a message with quotes or control bytes
     * still yields one valid JSON line. */
    json_t *o = json_pack("{s:s+, s:s, s:s, s:s}", "ts", ts, "", "level", rc_log_names[level], "stage",
                          rc_log_stage, "msg", msg);
    if (!o)
        return;
    char frac[8];
    snprintf(frac, sizeof(frac), ".%03dZ", (int)(tv.tv_usec / 1000));
    json_object_set_new(o, "ts", json_sprintf("%s%s", ts, frac));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return;
    pthread_mutex_lock(&rc_log_lock);
    fprintf(stderr, "%s\n", line);
    pthread_mutex_unlock(&rc_log_lock);
    free(line);
}
