/* Splitting a batch between threads; see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <unistd.h>

long rc_online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n;
}

size_t rc_parallel_threads(long configured, long auto_max, size_t n, size_t min_per_thread) {
    long t = configured;
    if (t <= 0) {
        t = rc_online_cpus();
        if (auto_max > 0 && t > auto_max)
            t = auto_max;
    }
    if (t > RC_PARALLEL_MAX_THREADS)
        t = RC_PARALLEL_MAX_THREADS;
    if (min_per_thread > 0 && (size_t)t > n / min_per_thread)
        t = (long)(n / min_per_thread);
    return t < 1 ? 1 : (size_t)t;
}

typedef struct {
    void (*fn)(void *arg, size_t from, size_t to);
    void *arg;
    size_t from, to;
} rc_parallel_run_t;

static void *rc_parallel_thread(void *p) {
    rc_parallel_run_t *run = p;
    run->fn(run->arg, run->from, run->to);
    return NULL;
}

void rc_parallel_for(size_t n, size_t threads, void (*fn)(void *arg, size_t from, size_t to), void *arg) {
    rc_parallel_run_t runs[RC_PARALLEL_MAX_THREADS];
    pthread_t tids[RC_PARALLEL_MAX_THREADS];
    size_t started = 0;

    if (threads < 1)
        threads = 1;
    if (threads > RC_PARALLEL_MAX_THREADS)
        threads = RC_PARALLEL_MAX_THREADS;
    for (size_t t = 0; t < threads; t++)
        runs[t] = (rc_parallel_run_t){fn, arg, n * t / threads, n * (t + 1) / threads};
    for (size_t t = 1; t < threads; t++) {
        if (pthread_create(&tids[t], NULL, rc_parallel_thread, &runs[t]))
            break;
        started = t;
    }
    fn(arg, runs[0].from, runs[0].to);
    for (size_t t = started + 1; t < threads; t++)
        fn(arg, runs[t].from, runs[t].to);
    for (size_t t = 1; t <= started; t++)
        pthread_join(tids[t], NULL);
}
