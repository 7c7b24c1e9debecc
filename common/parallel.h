/*
 * Splitting a batch between threads: the stages' pure per-record work
 * (ingest's normalising, enrich's analysers) runs on several threads while
 * everything with side effects (emitting, dead letters, Redis, metrics)
 * stays on the calling thread, in input order, once they are done.
 */
#ifndef RC_PARALLEL_H
#define RC_PARALLEL_H

#include <stddef.h>

#define RC_PARALLEL_MAX_THREADS 64

/* The number of online CPUs (at least 1). */
long rc_online_cpus(void);

/* How many threads to use for a batch of "n" records: "configured" (0: one
 * per online CPU, at most "auto_max" when that is > 0), at most
 * RC_PARALLEL_MAX_THREADS, and fewer when a thread would get under
 * "min_per_thread" records (starting one costs about as much as a few
 * records' work). Always at least 1. */
size_t rc_parallel_threads(long configured, long auto_max, size_t n, size_t min_per_thread);

/* Calls fn(arg, from, to) over [0, n) cut into "threads" contiguous runs,
 * each on its own thread; the calling thread takes the first run, and the
 * run of any thread that cannot be started. Returns when every run is
 * done. "fn" must only touch its own run's slots of whatever "arg" holds. */
void rc_parallel_for(size_t n, size_t threads, void (*fn)(void *arg, size_t from, size_t to), void *arg);

#endif
