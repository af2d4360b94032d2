/*
 * W4 spawn (see bench/README.md): the main thread spawns N actors, all
 * alive at once (their refs kept in an array), then sends each one Go
 * carrying the collector's ref; each notifies the collector and stops.
 *   total_s             = first spawn to the collector's last notification
 *   bytes_per_actor     = VmHWM at the end / N
 *   bytes_per_actor_net = (VmHWM - VmRSS before spawning) / N
 *   idle_bytes_per_actor = VmRSS growth per actor once all N are spawned
 *                          and idle (first turns done, no message yet),
 *                          not counting the refs array
 *
 *   usage: w4_spawn [N]   (default 1000000)
 */
#define _POSIX_C_SOURCE 200809L
#include "w4.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

/* Written by the collector only; main reads it after zactor_system_wait(). */
struct w4_report {
    uint64_t t_end; /* ns, the last notification */
    uint64_t finished;
};

void w4_Worker_on_Go(w4_Worker *self, zactor_ctx *ctx, const w4_Go *msg)
{
    (void)self;
    /* A failed notification shows as a missing one: main checks the count. */
    w4_Collector_send_Finished(msg->collector, &(w4_Finished){0});
    zactor_stop(ctx);
}

void w4_Collector_on_Finished(w4_Collector *self, zactor_ctx *ctx, const w4_Finished *msg)
{
    (void)ctx;
    (void)msg;
    struct w4_report *report = self->report;
    if (++report->finished == self->expected)
        report->t_end = bench_now_ns();
}

int main(int argc, char **argv)
{
    const char *program = "w4_spawn";
    uint64_t n = bench_arg_count(argc, argv, 1, 1000000, "N", "[N]");
    size_t refs_bytes = (size_t)n * sizeof(w4_Worker_ref);

    zactor_system *sys = bench_system_create(program);
    struct w4_report report = {0};
    w4_Collector_ref collector =
        w4_Collector_spawn(sys, &(w4_Collector){.expected = n, .report = &report});
    if (zactor_ref_is_null(collector.raw))
        bench_fail(program, "spawn");
    bench_wait(program, sys);
    uint64_t rss_before = bench_proc_status_bytes("VmRSS");

    uint64_t t0 = bench_now_ns();
    w4_Worker_ref *workers = malloc(refs_bytes);
    if (!workers)
        bench_fail(program, "cannot allocate the worker refs");
    for (uint64_t i = 0; i < n; i++) {
        workers[i] = w4_Worker_spawn(sys, NULL);
        if (zactor_ref_is_null(workers[i].raw))
            bench_fail(program, "spawn");
    }
    /* Idle: every worker has had its first turn and none has a message. */
    bench_wait(program, sys);
    uint64_t t_spawned = bench_now_ns();
    uint64_t rss_idle = bench_proc_status_bytes("VmRSS");

    for (uint64_t i = 0; i < n; i++)
        if (w4_Worker_send_Go(workers[i], &(w4_Go){.collector = collector}) != 0)
            bench_fail(program, "send Go");
    free(workers);
    bench_wait(program, sys);
    if (report.finished != n) {
        fprintf(stderr, "%s: FAILED: %" PRIu64 " of %" PRIu64 " notifications\n", program,
                report.finished, n);
        return 1;
    }

    uint64_t hwm = bench_proc_status_bytes("VmHWM");
    double seconds = (double)(report.t_end - t0) / 1e9;
    /* The refs array is the benchmark's, not the actors': left out of idle. */
    double idle_growth = (double)rss_idle - (double)rss_before - (double)refs_bytes;
    bench_result("W4", "total_s", seconds, 3);
    bench_result("W4", "bytes_per_actor", (double)hwm / (double)n, 0);
    bench_result("W4", "bytes_per_actor_net", ((double)hwm - (double)rss_before) / (double)n, 0);
    bench_result("W4", "idle_bytes_per_actor", idle_growth / (double)n, 0);
    printf("INFO W4 " BENCH_SYSTEM " n=%" PRIu64 " spawn_s=%.3f total_s=%.3f vmhwm=%" PRIu64
           " rss_before=%" PRIu64 " rss_idle=%" PRIu64 " refs_bytes=%zu\n",
           n, (double)(t_spawned - t0) / 1e9, seconds, hwm, rss_before, rss_idle, refs_bytes);
    bench_runtime_info("W4", sys);
    zactor_system_destroy(sys);
    return 0;
}
