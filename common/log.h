/*
 * Structured logging: one JSON object per line on stderr.
 *
 *   {"ts":"2026-11-22T06:38:31.123Z","level":"warn","stage":"ingest","msg":"..."}
 *
 * Thread-safe (each line is written with a single fwrite under a lock).
 * The level comes from the `log.level` config key; the stage name is set
 * once at start-up by the worker.
 */
#ifndef RC_LOG_H
#define RC_LOG_H

typedef enum { RC_LOG_DEBUG = 0, RC_LOG_INFO, RC_LOG_WARN, RC_LOG_ERROR } rc_log_level_t;

/* "stage" is copied. */
void rc_log_set_stage(const char *stage);
void rc_log_set_level(rc_log_level_t level);
/* Returns 0 and sets *level for "debug|info|warn|error", -1 otherwise. */
int rc_log_level_parse(const char *s, rc_log_level_t *level);
int rc_log_enabled(rc_log_level_t level);

void rc_log(rc_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rc_log_debug(...) rc_log(RC_LOG_DEBUG, __VA_ARGS__)
#define rc_log_info(...) rc_log(RC_LOG_INFO, __VA_ARGS__)
#define rc_log_warn(...) rc_log(RC_LOG_WARN, __VA_ARGS__)
#define rc_log_error(...) rc_log(RC_LOG_ERROR, __VA_ARGS__)

#endif
