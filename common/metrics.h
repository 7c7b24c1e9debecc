/*
 * Prometheus metrics: counters, gauges and histograms in one process-wide
 * registry, rendered in the text exposition format (version 0.0.4) for
 * /metrics.
 *
 * A metric is created once (at start-up) and updated lock-free with atomics
 * from any thread. The same name with different label sets is one family:
 * rendering groups them under one # HELP / # TYPE.
 * Names follow ricochet_<stage>_<thing>_<unit>, counters end in _total.
 */
#ifndef RC_METRICS_H
#define RC_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rc_metric rc_metric_t;

/* "labels" is either NULL or the inside of the braces, already escaped, e.g.
 * "reason=\"parse\"". Creating the same name+labels twice returns the same
 * metric. Never returns NULL (aborts on allocation failure at start-up).
 * Strings are copied. */
rc_metric_t *rc_counter(const char *name, const char *labels, const char *help);
rc_metric_t *rc_gauge(const char *name, const char *labels, const char *help);
/* Buckets are upper bounds in seconds, ascending, "n" of them (+Inf added). */
rc_metric_t *rc_histogram(const char *name, const char *labels, const char *help, const double *buckets, size_t n);

void rc_metric_inc(rc_metric_t *m, uint64_t by);   /* counters (and gauges) */
void rc_metric_set(rc_metric_t *m, int64_t value); /* gauges */
void rc_metric_observe(rc_metric_t *m, double seconds); /* histograms */
uint64_t rc_metric_value(const rc_metric_t *m);   /* counter/gauge value, for summaries and tests */

/* Render every metric; returns a malloc'd NUL-terminated buffer (caller
 * frees) and its length in *len. */
char *rc_metrics_render(size_t *len);

/* Forget every metric (tests only; not thread-safe against updates). */
void rc_metrics_reset(void);

#endif
