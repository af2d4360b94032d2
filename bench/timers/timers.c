/*
 * Timers (see bench/README.md), the workloads of the libuv and Erlang
 * timer peers (/work/shared/peers/timers), with the same RESULT names:
 *   t1 N  T1 arm and fire: main arms N one-shot timers (the generated
 *        tm_Collector_send_Fire_after), 1,000 per millisecond of deadline,
 *        the first due 3 s after the start (arming is over by then); each
 *        fires a Fire at one collector actor, which records its lateness
 *        (receipt - deadline). Runs until every timer has fired.
 *          arm_ns          arming time / N
 *          late_p50_us, late_p99_us, late_max_us   nearest rank, all N
 *          finish_after_last_deadline_ms
 *          bytes_per_timer VmRSS growth while arming / N
 *   t2 N  T2 arm and cancel: N timers due in 60 s, each handle kept, then
 *        every one cancelled (zactor_timer_cancel must return 0; the
 *        collector must receive nothing).
 *          arm_cancel_ns   (arming + cancelling) / N
 *          bytes_per_timer VmRSS growth while arming / N (the 16-byte
 *                          handles included, as libuv's records are)
 *   t3 N  T3 resolution: one timer at a time, N times: a Ticker arms a
 *        200 us one-shot timer to itself (tm_Ticker_send_Fire_after, from
 *        its handler), records how late it fired, and arms the next.
 *          late_p50_us, late_p99_us, late_max_us   nearest rank, all N
 *
 *   usage: timers_bench t1|t2|t3 [N]   (default 1000000; t3: 2000)
 */
#define _POSIX_C_SOURCE 200809L
#include "timers.zidl.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define PROGRAM "timers_bench"
#define USAGE "usage: timers_bench t1|t2|t3 [N]"
#define T3_DELAY_NS 200000u
#define LEAD_MS 3000u /* T1: the first deadline, after the start */
#define PER_MS 1000u  /* T1: timers per millisecond of deadline */
#define T2_DELAY_NS 60000000000u

/* Written by the collector only; main reads it after zactor_system_wait. */
struct tm_report {
    uint64_t *late; /* ns, one per firing, in order of receipt */
    uint64_t count; /* capacity of late */
    uint64_t fired;
    uint64_t t_last; /* ns, the last receipt */
};

/* Records one lateness (receipt - deadline) in report. */
static void record_late(struct tm_report *report, uint64_t deadline_ns)
{
    uint64_t now = bench_now_ns();
    if (report->fired < report->count)
        report->late[report->fired] = now > deadline_ns ? now - deadline_ns : 0;
    report->fired++;
    report->t_last = now;
}

void tm_Collector_on_Fire(tm_Collector *self, zactor_ctx *ctx, const tm_Fire *msg)
{
    (void)ctx;
    record_late(self->report, msg->deadline_ns);
}

void tm_Ticker_on_Fire(tm_Ticker *self, zactor_ctx *ctx, const tm_Fire *msg)
{
    record_late(self->report, msg->deadline_ns);
    if (--self->left == 0)
        return;
    zactor_system *sys = zactor_ctx_system(ctx);
    tm_Fire next = {zactor_system_now(sys) + self->delay_ns};
    if (tm_Ticker_send_Fire_after((tm_Ticker_ref){zactor_self(ctx)}, &next, self->delay_ns, NULL))
        self->left = 0; /* main sees fired < n and fails */
}

static void t1(uint64_t n)
{
    struct tm_report report = {malloc(n * sizeof(uint64_t)), n, 0, 0};
    if (!report.late)
        bench_fail(PROGRAM, "out of memory");
    zactor_system *sys = bench_system_create(PROGRAM);
    tm_Collector_ref collector = tm_Collector_spawn(sys, &(tm_Collector){&report});
    if (zactor_ref_is_null(collector.raw))
        bench_fail(PROGRAM, "spawn failed");
    bench_wait(PROGRAM, sys);

    uint64_t rss0 = bench_proc_status_bytes("VmRSS");
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        tm_Fire fire = {t0 + (LEAD_MS + i / PER_MS) * 1000000u};
        uint64_t now = zactor_system_now(sys); /* CLOCK_MONOTONIC, as bench_now_ns */
        int rc = tm_Collector_send_Fire_after(collector, &fire, fire.deadline_ns - now, NULL);
        if (rc != 0)
            bench_fail(PROGRAM, zactor_strerror(rc));
    }
    uint64_t t1 = bench_now_ns();
    uint64_t rss1 = bench_proc_status_bytes("VmRSS");
    if (t1 >= t0 + LEAD_MS * 1000000u)
        fprintf(stderr, PROGRAM ": warning: arming took longer than the 3 s lead\n");
    bench_wait(PROGRAM, sys); /* every timer is pending work until it fired */
    uint64_t t2 = bench_now_ns();
    if (report.fired != n) {
        char what[96];
        snprintf(what, sizeof what, "fired %llu of %llu", (unsigned long long)report.fired,
                 (unsigned long long)n);
        bench_fail(PROGRAM, what);
    }
    uint64_t last_deadline = t0 + (LEAD_MS + (n - 1) / PER_MS) * 1000000u;
    printf("INFO T1 zactor n=%llu arm_s=%.3f run_s=%.3f timers_armed_per_s=%.0f\n",
           (unsigned long long)n, (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
           (double)n * 1e9 / (double)(t1 - t0));
    bench_runtime_info("T1", sys);
    bench_result("T1", "arm_ns", (double)(t1 - t0) / (double)n, 1);
    bench_result("T1", "late_p50_us", (double)bench_percentile(report.late, n, 0.50) / 1e3, 1);
    bench_result("T1", "late_p99_us", (double)bench_percentile(report.late, n, 0.99) / 1e3, 1);
    bench_result("T1", "late_max_us", (double)bench_percentile(report.late, n, 1.0) / 1e3, 1);
    bench_result("T1", "finish_after_last_deadline_ms",
                 report.t_last > last_deadline ? (double)(report.t_last - last_deadline) / 1e6
                                               : 0.0,
                 2);
    bench_result("T1", "bytes_per_timer", rss1 > rss0 ? (double)(rss1 - rss0) / (double)n : 0.0, 0);
    zactor_system_destroy(sys);
    free(report.late);
}

static void t2(uint64_t n)
{
    struct tm_report report = {NULL, 0, 0, 0};
    zactor_timer *timers = malloc(n * sizeof *timers); /* touched while arming */
    if (!timers)
        bench_fail(PROGRAM, "out of memory");
    zactor_system *sys = bench_system_create(PROGRAM);
    tm_Collector_ref collector = tm_Collector_spawn(sys, &(tm_Collector){&report});
    if (zactor_ref_is_null(collector.raw))
        bench_fail(PROGRAM, "spawn failed");
    bench_wait(PROGRAM, sys);

    uint64_t rss0 = bench_proc_status_bytes("VmRSS");
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        tm_Fire fire = {t0 + T2_DELAY_NS};
        int rc = tm_Collector_send_Fire_after(collector, &fire, T2_DELAY_NS, &timers[i]);
        if (rc != 0)
            bench_fail(PROGRAM, zactor_strerror(rc));
    }
    uint64_t t1 = bench_now_ns();
    uint64_t rss1 = bench_proc_status_bytes("VmRSS");
    for (uint64_t i = 0; i < n; i++) {
        if (zactor_timer_cancel(timers[i]) != 0)
            bench_fail(PROGRAM, "a cancel of an armed timer failed");
    }
    uint64_t t2 = bench_now_ns();
    bench_wait(PROGRAM, sys); /* returns at once: every timer ended */
    if (report.fired != 0)
        bench_fail(PROGRAM, "a cancelled timer fired");
    printf("INFO T2 zactor n=%llu arm_s=%.3f cancel_s=%.3f timers_per_s=%.0f\n",
           (unsigned long long)n, (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
           (double)n * 1e9 / (double)(t2 - t0));
    bench_result("T2", "arm_cancel_ns", (double)(t2 - t0) / (double)n, 1);
    bench_result("T2", "bytes_per_timer", rss1 > rss0 ? (double)(rss1 - rss0) / (double)n : 0.0, 0);
    zactor_system_destroy(sys);
    free(timers);
}

static void t3(uint64_t n)
{
    struct tm_report report = {malloc(n * sizeof(uint64_t)), n, 0, 0};
    if (!report.late)
        bench_fail(PROGRAM, "out of memory");
    zactor_system *sys = bench_system_create(PROGRAM);
    tm_Ticker_ref ticker =
        tm_Ticker_spawn(sys, &(tm_Ticker){.report = &report, .left = n, .delay_ns = T3_DELAY_NS});
    if (zactor_ref_is_null(ticker.raw))
        bench_fail(PROGRAM, "spawn failed");
    bench_wait(PROGRAM, sys);
    tm_Fire first = {zactor_system_now(sys) + T3_DELAY_NS};
    if (tm_Ticker_send_Fire_after(ticker, &first, T3_DELAY_NS, NULL) != 0)
        bench_fail(PROGRAM, "arm");
    bench_wait(PROGRAM, sys);
    if (report.fired != n)
        bench_fail(PROGRAM, "a timer did not fire");
    printf("INFO T3 zactor n=%llu delay_us=%u\n", (unsigned long long)n, T3_DELAY_NS / 1000u);
    bench_result("T3", "late_p50_us", (double)bench_percentile(report.late, n, 0.50) / 1e3, 1);
    bench_result("T3", "late_p99_us", (double)bench_percentile(report.late, n, 0.99) / 1e3, 1);
    bench_result("T3", "late_max_us", (double)bench_percentile(report.late, n, 1.0) / 1e3, 1);
    zactor_system_destroy(sys);
    free(report.late);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "t1") != 0 && strcmp(mode, "t2") != 0 && strcmp(mode, "t3") != 0) {
        fprintf(stderr, "%s\n", USAGE);
        return 2;
    }
    bool is_t3 = strcmp(mode, "t3") == 0;
    uint64_t n = bench_arg_count(argc, argv, 2, is_t3 ? 2000 : 1000000, "N", USAGE);
    if (strcmp(mode, "t1") == 0)
        t1(n);
    else if (strcmp(mode, "t2") == 0)
        t2(n);
    else
        t3(n);
    return 0;
}
