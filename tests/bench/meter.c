/*
 * bench_meter: how long a running worker takes to carry COUNT records
 * through, read from its /metrics alone (no clock inside the worker).
 *
 *   bench_meter -u http://127.0.0.1:PORT/metrics -s STAGE -n COUNT [-m MIN_OUT] [-i POLL_MS] [-T TIMEOUT_S]
 *               [-S STALL_S]
 *
 * Polls every POLL_MS (default 20) and reads ricochet_<stage>_records_in_total,
 * the sum of ricochet_<stage>_records_out_total and ricochet_<stage>_in_flight.
 *   start: the first record was taken in somewhere between the last poll
 *          that saw records_in = 0 and the first that saw more; the
 *          midpoint is used. Joining the consumer group happens before and
 *          is not counted.
 *   done:  records_in >= COUNT, records_out >= MIN_OUT (default COUNT) and
 *          in_flight = 0, i.e. every output of the COUNT inputs has been
 *          acknowledged by the broker; again the midpoint between the last
 *          poll that did not see it and the first that did.
 * The worker refreshes in_flight once per loop turn, and an idle worker
 * turns every 100 ms (its consumer poll timeout), so "done" can be seen up
 * to ~100 ms late; produced_seconds (to the last output produced, before
 * its acknowledgement) bounds the error from the other side.
 *
 * With -p PID it also reads the worker's CPU time (user + system, all its
 * threads, from /proc/PID/stat) at the poll before the start and at the
 * one that saw it done: the CPU the records cost, which on a shared
 * machine varies far less than the wall-clock rate.
 *
 * Prints one line on stdout:
 *   in=<I> out=<O> seconds=<S> produced_seconds=<P> msgs_per_s=<COUNT/S>
 *   [cpu_seconds=<C> cpu_us_per_msg=<C/COUNT>]
 * and exits 0; exits 1 on timeout (default 300 s), when nothing moved for
 * STALL_S (default 20 s) after the start (records lost, worker stuck), or
 * if the worker's metrics cannot be read.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "http_client.h"

/* CPU seconds used so far by process "pid" (all threads), or -1. */
static double bm_cpu(long pid) {
    char path[64], buf[1024], *p;
    unsigned long ut, st;
    FILE *fp;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if (!(fp = fopen(path, "r")))
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* Fields 14 and 15 (utime, stime), counted after the ")" that ends the
     * command name (which may hold spaces). */
    if (!(p = strrchr(buf, ')')) ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double bm_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const char *url = NULL, *stage = NULL;
    long want = 0, min_out = -1, poll_ms = 20, timeout_s = 300, stall_s = 20, failures = 0, pid = 0;
    int opt, ret = 1;
    char m_in[128], m_out[128], m_flight[128];

    while ((opt = getopt(argc, argv, "u:s:n:m:i:T:S:p:h")) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 's': stage = optarg; break;
        case 'n': want = atol(optarg); break;
        case 'm': min_out = atol(optarg); break;
        case 'i': poll_ms = atol(optarg); break;
        case 'T': timeout_s = atol(optarg); break;
        case 'S': stall_s = atol(optarg); break;
        case 'p': pid = atol(optarg); break;
        case 'h':
            printf("Usage: bench_meter -u METRICS_URL -s STAGE -n COUNT [-m MIN_OUT] [-i POLL_MS] [-T TIMEOUT_S]\n"
                   "                   [-S STALL_S] [-p PID]\n"
                   "Times a worker carrying COUNT records through, from its /metrics.\n");
            return 0;
        default: return 2;
        }
    }
    if (!url || !stage || want <= 0 || poll_ms < 1) {
        fprintf(stderr, "bench_meter: -u, -s and -n COUNT (> 0) are required (see -h)\n");
        return 2;
    }
    if (min_out < 0)
        min_out = want;
    snprintf(m_in, sizeof(m_in), "ricochet_%s_records_in_total", stage);
    snprintf(m_out, sizeof(m_out), "ricochet_%s_records_out_total", stage);
    snprintf(m_flight, sizeof(m_flight), "ricochet_%s_in_flight", stage);

    rc_http_client_t *hc = rc_http_client_new(0);
    if (!hc)
        return 1;
    rc_http_request_t req = {.method = "GET", .url = url, .timeout_ms = 2000};
    double t0 = bm_now(), deadline = t0 + (double)timeout_s;
    double t_prev = 0, t_start = -1, t_out_change = -1, t_done = -1, t_moved = 0;
    double in = 0, out = 0, flight = 0, last_out = 0, last_in = 0, last_flight = 0;
    double cpu_before = -1, cpu_done = -1, cpu_now = -1;
    while (bm_now() < deadline) {
        rc_http_response_t resp;
        double t_sent = bm_now();
        int rc = rc_http_do(hc, &req, &resp);
        if (pid > 0)
            cpu_now = bm_cpu(pid);
        /* The time of a sample: the middle of the request that took it. */
        double t_req = (t_sent + bm_now()) / 2;
        if (rc == 0 && resp.status == 200 && resp.body) {
            in = rc_prom_value(resp.body, m_in, NULL);
            out = rc_prom_value(resp.body, m_out, NULL);
            flight = rc_prom_value(resp.body, m_flight, NULL);
            failures = 0;
            if (in == 0)
                cpu_before = cpu_now;
            if (t_start < 0 && in > 0)
                t_start = t_prev > 0 ? (t_prev + t_req) / 2 : t_req;
            if (out != last_out) {
                t_out_change = t_prev > 0 ? (t_prev + t_req) / 2 : t_req;
                last_out = out;
            }
            if (in != last_in || flight != last_flight || t_start < 0) {
                t_moved = t_req;
                last_in = in;
                last_flight = flight;
            }
            if (t_start >= 0 && in >= (double)want && out >= (double)min_out && flight == 0) {
                t_done = (t_prev + t_req) / 2;
                cpu_done = cpu_now;
                rc_http_response_clear(&resp);
                break;
            }
            t_prev = t_req;
            if (t_req - t_moved > (double)stall_s) {
                fprintf(stderr, "bench_meter: %s: nothing moved for %ld s: records_in=%.0f records_out=%.0f "
                        "in_flight=%.0f (wanted in >= %ld, out >= %ld, in_flight = 0)\n", stage, stall_s, in, out,
                        flight, want, min_out);
                goto out;
            }
        } else if (++failures > 100) {
            fprintf(stderr, "bench_meter: cannot read %s: %s\n", url, resp.status ? "bad status" : resp.error);
            rc_http_response_clear(&resp);
            goto out;
        }
        rc_http_response_clear(&resp);
        double next = t_req + (double)poll_ms / 1000.0, now = bm_now();
        if (next > now)
            usleep((useconds_t)((next - now) * 1e6));
    }
    if (t_done < 0) {
        fprintf(stderr, "bench_meter: %s: timeout after %ld s: records_in=%.0f records_out=%.0f in_flight=%.0f "
                "(wanted in >= %ld, out >= %ld, in_flight = 0)\n", stage, timeout_s, in, out, flight, want, min_out);
        goto out;
    }
    double secs = t_done - t_start;
    printf("in=%.0f out=%.0f seconds=%.3f produced_seconds=%.3f msgs_per_s=%.0f", in, out, secs,
           t_out_change - t_start, secs > 0 ? (double)want / secs : 0.0);
    if (cpu_before >= 0 && cpu_done >= 0)
        printf(" cpu_seconds=%.2f cpu_us_per_msg=%.1f", cpu_done - cpu_before,
               (cpu_done - cpu_before) * 1e6 / (double)want);
    printf("\n");
    fflush(stdout);
    ret = 0;
out:
    rc_http_client_destroy(hc);
    return ret;
}
