#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { RC_M_COUNTER, RC_M_GAUGE, RC_M_HISTOGRAM } rc_mtype_t;

struct rc_metric {
    rc_mtype_t type;
    char *name, *labels, *help;
    _Atomic int64_t value;
    /* histogram */
    double *bounds;
    size_t nbounds;
    _Atomic uint64_t *bucket; /* nbounds + 1 (the last is +Inf) */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_us; /* sum in microseconds, so it can be atomic */
    struct rc_metric *next;
};

static pthread_mutex_t rc_metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static rc_metric_t *rc_metrics_head, *rc_metrics_tail;

static char *rc_xstrdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static rc_metric_t *rc_metric_get(rc_mtype_t type, const char *name, const char *labels, const char *help,
                                  const double *buckets, size_t n) {
    rc_metric_t *m;

    pthread_mutex_lock(&rc_metrics_lock);
    for (m = rc_metrics_head; m; m = m->next)
        if (!strcmp(m->name, name) && !strcmp(m->labels, labels ? labels : ""))
            goto out;
    m = calloc(1, sizeof(*m));
    if (!m)
        abort();
    m->type = type;
    m->name = rc_xstrdup(name);
    m->labels = rc_xstrdup(labels);
    m->help = rc_xstrdup(help);
    if (type == RC_M_HISTOGRAM) {
        m->bounds = malloc(sizeof(double) * (n ? n : 1));
        m->bucket = calloc(n + 1, sizeof(*m->bucket));
        if (!m->bounds || !m->bucket)
            abort();
        memcpy(m->bounds, buckets, sizeof(double) * n);
        m->nbounds = n;
    }
    /* Keep creation order, and keep a family's members next to each other
     * by inserting after the family's last member. */
    rc_metric_t *after = NULL;
    for (rc_metric_t *p = rc_metrics_head; p; p = p->next)
        if (!strcmp(p->name, name))
            after = p;
    if (after) {
        m->next = after->next;
        after->next = m;
        if (rc_metrics_tail == after)
            rc_metrics_tail = m;
    } else {
        if (rc_metrics_tail)
            rc_metrics_tail->next = m;
        else
            rc_metrics_head = m;
        rc_metrics_tail = m;
    }
out:
    pthread_mutex_unlock(&rc_metrics_lock);
    return m;
}

rc_metric_t *rc_counter(const char *name, const char *labels, const char *help) {
    return rc_metric_get(RC_M_COUNTER, name, labels, help, NULL, 0);
}
rc_metric_t *rc_gauge(const char *name, const char *labels, const char *help) {
    return rc_metric_get(RC_M_GAUGE, name, labels, help, NULL, 0);
}
rc_metric_t *rc_histogram(const char *name, const char *labels, const char *help, const double *buckets, size_t n) {
    return rc_metric_get(RC_M_HISTOGRAM, name, labels, help, buckets, n);
}

void rc_metric_inc(rc_metric_t *m, uint64_t by) {
    if (m)
        atomic_fetch_add(&m->value, (int64_t)by);
}
void rc_metric_set(rc_metric_t *m, int64_t v) {
    if (m)
        atomic_store(&m->value, v);
}
uint64_t rc_metric_value(const rc_metric_t *m) { return m ? (uint64_t)atomic_load(&((rc_metric_t *)m)->value) : 0; }

void rc_metric_observe(rc_metric_t *m, double seconds) {
    size_t i;
    if (!m || m->type != RC_M_HISTOGRAM)
        return;
    for (i = 0; i < m->nbounds && seconds > m->bounds[i]; i++)
        ;
    atomic_fetch_add(&m->bucket[i], 1);
    atomic_fetch_add(&m->count, 1);
    atomic_fetch_add(&m->sum_us, (uint64_t)(seconds > 0 ? seconds * 1e6 : 0));
}

typedef struct {
    char *buf;
    size_t len, cap;
} rc_sbuf_t;

static void rc_sbuf_printf(rc_sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rc_sbuf_printf(rc_sbuf_t *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        size_t avail = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->buf + b->len, avail, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < avail) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap * 2 + (size_t)n + 1;
        char *nb = realloc(b->buf, ncap);
        if (!nb)
            abort();
        b->buf = nb;
        b->cap = ncap;
    }
}

/* The shortest "%g" form that reads back as the same double, as
 * Prometheus's own clients print floats: plain "%g" keeps six digits, so
 * bounds 1234567 and 1234568 both became le="1.23457e+06". */
static void rc_fmt_double(char *buf, size_t size, double v) {
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* HELP text escapes backslash and newline (text format 0.0.4); a raw
 * newline would end the comment and make the rest a bad sample line. */
static void rc_sbuf_help(rc_sbuf_t *b, const char *help) {
    if (!strpbrk(help, "\\\n")) {
        rc_sbuf_printf(b, "%s", help);
        return;
    }
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            rc_sbuf_printf(b, "\\\\");
        else if (*p == '\n')
            rc_sbuf_printf(b, "\\n");
        else
            rc_sbuf_printf(b, "%c", *p);
    }
}

static const char *rc_mtype_name(rc_mtype_t t) {
    return t == RC_M_COUNTER ? "counter" : t == RC_M_GAUGE ? "gauge" : "histogram";
}

char *rc_metrics_render(size_t *len) {
    rc_sbuf_t b = {malloc(4096), 0, 4096};
    const char *family = NULL;

    if (!b.buf)
        abort();
    b.buf[0] = '\0';
    pthread_mutex_lock(&rc_metrics_lock);
    for (rc_metric_t *m = rc_metrics_head; m; m = m->next) {
        if (!family || strcmp(family, m->name)) {
            rc_sbuf_printf(&b, "# HELP %s ", m->name);
            rc_sbuf_help(&b, m->help);
            rc_sbuf_printf(&b, "\n# TYPE %s %s\n", m->name, rc_mtype_name(m->type));
            family = m->name;
        }
        const char *sep = m->labels[0] ? "," : "";
        if (m->type != RC_M_HISTOGRAM) {
            if (m->labels[0])
                rc_sbuf_printf(&b, "%s{%s} %lld\n", m->name, m->labels, (long long)atomic_load(&m->value));
            else
                rc_sbuf_printf(&b, "%s %lld\n", m->name, (long long)atomic_load(&m->value));
            continue;
        }
        uint64_t cum = 0;
        for (size_t i = 0; i <= m->nbounds; i++) {
            cum += atomic_load(&m->bucket[i]);
            if (i < m->nbounds) {
                char le[32];
                rc_fmt_double(le, sizeof(le), m->bounds[i]);
                rc_sbuf_printf(&b, "%s_bucket{%s%sle=\"%s\"} %llu\n", m->name, m->labels, sep, le,
                               (unsigned long long)cum);
            } else
                rc_sbuf_printf(&b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", m->name, m->labels, sep,
                               (unsigned long long)cum);
        }
        const char *lb = m->labels[0] ? "{" : "", *rb = m->labels[0] ? "}" : "";
        rc_sbuf_printf(&b, "%s_sum%s%s%s %.6f\n", m->name, lb, m->labels, rb, atomic_load(&m->sum_us) / 1e6);
        rc_sbuf_printf(&b, "%s_count%s%s%s %llu\n", m->name, lb, m->labels, rb,
                       (unsigned long long)atomic_load(&m->count));
    }
    pthread_mutex_unlock(&rc_metrics_lock);
    *len = b.len;
    return b.buf;
}

void rc_metrics_reset(void) {
    pthread_mutex_lock(&rc_metrics_lock);
    rc_metric_t *m = rc_metrics_head;
    while (m) {
        rc_metric_t *n = m->next;
        free(m->name);
        free(m->labels);
        free(m->help);
        free(m->bounds);
        free(m->bucket);
        free(m);
        m = n;
    }
    rc_metrics_head = rc_metrics_tail = NULL;
    pthread_mutex_unlock(&rc_metrics_lock);
}
