/*
 * W3 fan-in (see bench/README.md): S sender actors each send M numbers to
 * one receiver as fast as they can, all in one turn (no replies, no flow
 * control: the receiver's mailbox may grow large). msgs_per_s = S*M / (time
 * from sending Start to the senders until the receiver has counted S*M).
 *
 *   usage: w3_fanin [S [M]]   (default 100 100000)
 */
#define _POSIX_C_SOURCE 200809L
#include "w3.zidl.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

/* Written by the receiver only; main reads it after zactor_system_wait(). */
struct w3_report {
    uint64_t t_end; /* ns, the last number */
    uint64_t received;
    uint64_t sum; /* of the values, against loss and duplicates */
};

void w3_Sender_on_Start(w3_Sender *self, zactor_ctx *ctx, const w3_Start *msg)
{
    (void)ctx;
    (void)msg;
    uint64_t failed = 0;
    for (uint64_t i = 0; i < self->count; i++)
        if (w3_Receiver_send_Number(self->receiver, &(w3_Number){.value = i}) != 0)
            failed++;
    /* Relaxed: a total read after zactor_system_wait(), which orders every
     * handler before it returns. */
    atomic_fetch_add_explicit((_Atomic uint64_t *)self->send_errors, failed, memory_order_relaxed);
}

void w3_Receiver_on_Number(w3_Receiver *self, zactor_ctx *ctx, const w3_Number *msg)
{
    (void)ctx;
    struct w3_report *report = self->report;
    report->sum += msg->value;
    if (++report->received == self->expected)
        report->t_end = bench_now_ns();
}

int main(int argc, char **argv)
{
    const char *program = "w3_fanin";
    const char *usage = "[S [M]]";
    uint64_t senders = bench_arg_count(argc, argv, 1, 100, "S", usage);
    uint64_t m = bench_arg_count(argc, argv, 2, 100000, "M", usage);
    w3_Sender_ref *refs = malloc((size_t)senders * sizeof *refs);
    if (!refs)
        bench_fail(program, "cannot allocate the sender refs");

    zactor_system *sys = bench_system_create(program);
    struct w3_report report = {0};
    _Atomic uint64_t send_errors = 0;
    w3_Receiver_ref receiver =
        w3_Receiver_spawn(sys, &(w3_Receiver){.expected = senders * m, .report = &report});
    if (zactor_ref_is_null(receiver.raw))
        bench_fail(program, "spawn");
    for (uint64_t i = 0; i < senders; i++) {
        refs[i] = w3_Sender_spawn(
            sys, &(w3_Sender){.receiver = receiver, .count = m, .send_errors = &send_errors});
        if (zactor_ref_is_null(refs[i].raw))
            bench_fail(program, "spawn");
    }
    /* Every actor has had its first turn before the clock starts. */
    bench_wait(program, sys);

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < senders; i++)
        if (w3_Sender_send_Start(refs[i], &(w3_Start){0}) != 0)
            bench_fail(program, "send Start");
    bench_wait(program, sys);
    /* Each sender sends 0..M-1. */
    uint64_t expected_sum = senders * (m * (m - 1) / 2);
    uint64_t errors = atomic_load_explicit(&send_errors, memory_order_relaxed);
    if (report.received != senders * m || report.sum != expected_sum || errors != 0) {
        fprintf(stderr,
                "%s: FAILED: %" PRIu64 " of %" PRIu64 " messages, sum %" PRIu64
                " (expected %" PRIu64 "), %" PRIu64 " failed sends\n",
                program, report.received, senders * m, report.sum, expected_sum, errors);
        return 1;
    }

    double seconds = (double)(report.t_end - t0) / 1e9;
    bench_result("W3", "msgs_per_s", (double)(senders * m) / seconds, 0);
    printf("INFO W3 " BENCH_SYSTEM " senders=%" PRIu64 " m=%" PRIu64
           " elapsed_s=%.3f vmhwm_bytes=%" PRIu64 "\n",
           senders, m, seconds, bench_proc_status_bytes("VmHWM"));
    bench_runtime_info("W3", sys);
    zactor_system_destroy(sys);
    free(refs);
    return 0;
}
