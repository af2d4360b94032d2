/*
 * W1 ping-pong (see bench/README.md): N round trips between two actors,
 * exactly one message in flight. Prints rtt_per_s = N / (first send to
 * receipt of the last reply) and the p50/p99/p99.9 of every 16th round
 * trip, timed from just before its send to the receipt of its reply.
 *
 *   usage: w1_pingpong [N]   (default 3000000)
 */
#define _POSIX_C_SOURCE 200809L
#include "w1.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define SAMPLE_EVERY 16u

/* Written by the pinger only; main reads it after zactor_system_wait(),
 * which orders every handler before it returns. */
struct w1_report {
    uint64_t t_start, t_end; /* ns: first send, receipt of the last Pong */
    uint64_t *latencies;     /* n / SAMPLE_EVERY + 1 slots, preallocated */
    uint64_t samples;
    uint64_t round_trips;
    uint64_t out_of_order;
    uint64_t send_errors;
};

void w1_Ponger_on_Ping(w1_Ponger *self, zactor_ctx *ctx, const w1_Ping *msg)
{
    (void)self;
    (void)ctx;
    /* A failed reply shows as missing round trips: main checks the count. */
    w1_Pinger_send_Pong(msg->from, &(w1_Pong){.seq = msg->seq});
}

static void send_ping(w1_Pinger *self, zactor_ctx *ctx, uint64_t seq)
{
    w1_Ping ping = {.seq = seq, .from = {zactor_self(ctx)}};
    self->in_flight = seq;
    if (w1_Ponger_send_Ping(self->peer, &ping) != 0) {
        struct w1_report *report = self->report;
        report->send_errors++;
    }
}

void w1_Pinger_on_start(w1_Pinger *self, zactor_ctx *ctx)
{
    struct w1_report *report = self->report;
    report->t_start = bench_now_ns();
    self->t_sample = report->t_start;
    send_ping(self, ctx, 0);
}

void w1_Pinger_on_Pong(w1_Pinger *self, zactor_ctx *ctx, const w1_Pong *msg)
{
    struct w1_report *report = self->report;
    uint64_t seq = msg->seq;
    if (seq % SAMPLE_EVERY == 0)
        report->latencies[report->samples++] = bench_now_ns() - self->t_sample;
    if (seq != self->in_flight)
        report->out_of_order++;
    report->round_trips++;
    uint64_t next = seq + 1;
    if (next == self->n) {
        report->t_end = bench_now_ns();
        return; /* nothing left in flight: zactor_system_wait() returns */
    }
    if (next % SAMPLE_EVERY == 0)
        self->t_sample = bench_now_ns();
    send_ping(self, ctx, next);
}

int main(int argc, char **argv)
{
    const char *program = "w1_pingpong";
    uint64_t n = bench_arg_count(argc, argv, 1, 3000000, "N", "[N]");
    struct w1_report report = {0};
    /* One slot more than the samples: seq 0 is timed too. */
    report.latencies = malloc((size_t)(n / SAMPLE_EVERY + 1) * sizeof *report.latencies);
    if (!report.latencies)
        bench_fail(program, "cannot allocate the latency samples");

    zactor_system *sys = bench_system_create(program);
    w1_Ponger_ref ponger = w1_Ponger_spawn(sys, NULL);
    w1_Pinger_ref pinger =
        w1_Pinger_spawn(sys, &(w1_Pinger){.peer = ponger, .n = n, .report = &report});
    if (zactor_ref_is_null(ponger.raw) || zactor_ref_is_null(pinger.raw))
        bench_fail(program, "spawn");
    bench_wait(program, sys);
    if (report.round_trips != n || report.out_of_order != 0 || report.send_errors != 0) {
        fprintf(stderr,
                "%s: FAILED: %" PRIu64 " of %" PRIu64 " round trips, %" PRIu64
                " out of order, %" PRIu64 " failed sends\n",
                program, report.round_trips, n, report.out_of_order, report.send_errors);
        return 1;
    }

    double seconds = (double)(report.t_end - report.t_start) / 1e9;
    bench_result("W1", "rtt_per_s", (double)n / seconds, 0);
    bench_result("W1", "rtt_p50_ns",
                 (double)bench_percentile(report.latencies, report.samples, 0.50), 0);
    bench_result("W1", "rtt_p99_ns",
                 (double)bench_percentile(report.latencies, report.samples, 0.99), 0);
    bench_result("W1", "rtt_p999_ns",
                 (double)bench_percentile(report.latencies, report.samples, 0.999), 0);
    printf("INFO W1 " BENCH_SYSTEM " n=%" PRIu64 " elapsed_s=%.3f samples=%" PRIu64 "\n", n,
           seconds, report.samples);
    bench_runtime_info("W1", sys);
    zactor_system_destroy(sys);
    free(report.latencies);
    return 0;
}
