/*
 * W3 fan-in (see bench/README.md): S sender actors each send M numbers to
 * one receiver as fast as they can (no replies). msgs_per_s = S*M / (time
 * from sending Start to the senders until the receiver has counted S*M);
 * peak_rss_mb: the process's peak resident memory (VmHWM).
 *
 *   usage: w3_fanin [S [M [MODE]]]   (default 100 100000 flood)
 *
 * MODE flood (workload W3, the peers'): each sender sends its M numbers in
 * one turn; no flow control, so the receiver's mailbox may hold S*M.
 * MODE chunked (W3_chunked): each sender sends CHUNK numbers per turn,
 * then sends itself a Continue; the receiver is unbounded.
 * MODE bound64 (W3_bound64): the same senders, into a receiver whose
 * mailbox is bounded at 64 with backpressure: a sender whose chunk went
 * past the bound is muted until the receiver has drained to 32, so at
 * most 64 + S * CHUNK numbers wait.
 */
#define _POSIX_C_SOURCE 200809L
#include "w3.zidl.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define CHUNK 16

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

static void chunk_send(w3_ChunkSender *self, zactor_ctx *ctx)
{
    uint64_t failed = 0;
    uint64_t end = self->sent + CHUNK < self->count ? self->sent + CHUNK : self->count;
    for (; self->sent < end; self->sent++) {
        w3_Number number = {.value = self->sent};
        int rc = self->bounded.raw.cell ? w3_BoundedReceiver_send_Number(self->bounded, &number)
                                        : w3_Receiver_send_Number(self->receiver, &number);
        failed += rc != 0;
    }
    if (self->sent < self->count &&
        w3_ChunkSender_send_Continue((w3_ChunkSender_ref){zactor_self(ctx)}, &(w3_Continue){0}))
        failed++;
    /* Relaxed: as in w3_Sender_on_Start. */
    atomic_fetch_add_explicit((_Atomic uint64_t *)self->send_errors, failed, memory_order_relaxed);
}

void w3_ChunkSender_on_Start(w3_ChunkSender *self, zactor_ctx *ctx, const w3_Start *msg)
{
    (void)msg;
    chunk_send(self, ctx);
}

void w3_ChunkSender_on_Continue(w3_ChunkSender *self, zactor_ctx *ctx, const w3_Continue *msg)
{
    (void)msg;
    chunk_send(self, ctx);
}

static void count_number(struct w3_report *report, uint64_t expected, uint64_t value)
{
    report->sum += value;
    if (++report->received == expected)
        report->t_end = bench_now_ns();
}

void w3_Receiver_on_Number(w3_Receiver *self, zactor_ctx *ctx, const w3_Number *msg)
{
    (void)ctx;
    count_number(self->report, self->expected, msg->value);
}

void w3_BoundedReceiver_on_Number(w3_BoundedReceiver *self, zactor_ctx *ctx, const w3_Number *msg)
{
    (void)ctx;
    count_number(self->report, self->expected, msg->value);
}

enum mode { FLOOD, CHUNKED, BOUND64 };

static enum mode parse_mode(int argc, char **argv, const char *program, const char *usage)
{
    if (argc <= 3 || strcmp(argv[3], "flood") == 0)
        return FLOOD;
    if (strcmp(argv[3], "chunked") == 0)
        return CHUNKED;
    if (strcmp(argv[3], "bound64") == 0)
        return BOUND64;
    fprintf(stderr, "%s: MODE must be flood, chunked or bound64, not '%s'\nusage: %s %s\n", program,
            argv[3], program, usage);
    exit(2);
}

/* The senders and the receiver of one mode; refs in raw form, so that one
 * loop starts either kind of sender. */
static void spawn_actors(zactor_system *sys, enum mode mode, uint64_t senders, uint64_t m,
                         struct w3_report *report, _Atomic uint64_t *send_errors, zactor_ref *refs,
                         const char *program)
{
    w3_Receiver_ref receiver = {{0}};
    w3_BoundedReceiver_ref bounded = {{0}};
    zactor_ref to;
    if (mode == BOUND64) {
        bounded = w3_BoundedReceiver_spawn(sys, &(w3_BoundedReceiver){.expected = senders * m,
                                                                      .report = report});
        to = bounded.raw;
    } else {
        receiver =
            w3_Receiver_spawn(sys, &(w3_Receiver){.expected = senders * m, .report = report});
        to = receiver.raw;
    }
    if (zactor_ref_is_null(to))
        bench_fail(program, "spawn");
    for (uint64_t i = 0; i < senders; i++) {
        if (mode == FLOOD)
            refs[i] = w3_Sender_spawn(sys, &(w3_Sender){.receiver = receiver,
                                                        .count = m,
                                                        .send_errors = send_errors})
                          .raw;
        else
            refs[i] = w3_ChunkSender_spawn(sys, &(w3_ChunkSender){.receiver = receiver,
                                                                  .bounded = bounded,
                                                                  .count = m,
                                                                  .send_errors = send_errors})
                          .raw;
        if (zactor_ref_is_null(refs[i]))
            bench_fail(program, "spawn");
    }
}

int main(int argc, char **argv)
{
    const char *program = "w3_fanin";
    const char *usage = "[S [M [flood|chunked|bound64]]]";
    uint64_t senders = bench_arg_count(argc, argv, 1, 100, "S", usage);
    uint64_t m = bench_arg_count(argc, argv, 2, 100000, "M", usage);
    enum mode mode = parse_mode(argc, argv, program, usage);
    const char *workload = mode == FLOOD ? "W3" : mode == CHUNKED ? "W3_chunked" : "W3_bound64";
    zactor_ref *refs = malloc((size_t)senders * sizeof *refs);
    if (!refs)
        bench_fail(program, "cannot allocate the sender refs");

    zactor_system *sys = bench_system_create(program);
    struct w3_report report = {0};
    _Atomic uint64_t send_errors = 0;
    spawn_actors(sys, mode, senders, m, &report, &send_errors, refs, program);
    /* Every actor has had its first turn before the clock starts. */
    bench_wait(program, sys);

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < senders; i++) {
        int rc = mode == FLOOD
                     ? w3_Sender_send_Start((w3_Sender_ref){refs[i]}, &(w3_Start){0})
                     : w3_ChunkSender_send_Start((w3_ChunkSender_ref){refs[i]}, &(w3_Start){0});
        if (rc != 0)
            bench_fail(program, "send Start");
    }
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
    uint64_t peak = bench_proc_status_bytes("VmHWM");
    bench_result(workload, "msgs_per_s", (double)(senders * m) / seconds, 0);
    bench_result(workload, "peak_rss_mb", (double)peak / (1024.0 * 1024.0), 1);
    printf("INFO %s " BENCH_SYSTEM " senders=%" PRIu64 " m=%" PRIu64
           " elapsed_s=%.3f vmhwm_bytes=%" PRIu64 "\n",
           workload, senders, m, seconds, peak);
    bench_runtime_info(workload, sys);
    zactor_system_destroy(sys);
    free(refs);
    return 0;
}
