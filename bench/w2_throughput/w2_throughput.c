/*
 * W2 throughput (see bench/README.md), in the style of Proto.Actor's
 * in-process benchmark: K client/echo pairs; each client sends a batch of
 * 100 requests to its echo, which replies to each; once all 100 replies are
 * back it sends the next batch, until it has sent M requests. msgs_per_s =
 * 2*M*K (requests and replies) / (time from sending Start to every client
 * until the last client has reported Done).
 *
 *   usage: w2_throughput [K [M]]   (default 8 1500000; M is rounded down
 *                                    to a multiple of 100)
 */
#define _POSIX_C_SOURCE 200809L
#include "w2.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define BATCH 100u

void w2_Echo_on_Request(w2_Echo *self, zactor_ctx *ctx, const w2_Request *msg)
{
    (void)self;
    (void)ctx;
    /* A failed reply shows as missing replies: the reporter sums them. */
    w2_Client_send_Reply(msg->from, &(w2_Reply){0});
}

static void send_batch(w2_Client *self, zactor_ctx *ctx)
{
    w2_Request request = {.from = {zactor_self(ctx)}};
    for (unsigned i = 0; i < BATCH; i++)
        if (w2_Echo_send_Request(self->echo, &request) != 0)
            self->send_errors++;
    self->remaining -= BATCH;
    self->outstanding = BATCH;
}

void w2_Client_on_Start(w2_Client *self, zactor_ctx *ctx, const w2_Start *msg)
{
    (void)msg;
    send_batch(self, ctx);
}

void w2_Client_on_Reply(w2_Client *self, zactor_ctx *ctx, const w2_Reply *msg)
{
    (void)msg;
    self->replies++;
    if (--self->outstanding > 0)
        return;
    if (self->remaining > 0) {
        send_batch(self, ctx);
        return;
    }
    w2_Done done = {.replies = self->replies, .send_errors = self->send_errors};
    if (w2_Reporter_send_Done(self->reporter, &done) != 0)
        self->send_errors++; /* the missing Done fails the run */
}

void w2_Reporter_on_Done(w2_Reporter *self, zactor_ctx *ctx, const w2_Done *msg)
{
    (void)ctx;
    bench_echo_report_add(self->report, self->clients, msg->replies, 0, msg->send_errors);
}

int main(int argc, char **argv)
{
    const char *program = "w2_throughput";
    const char *usage = "[K [M]]";
    uint64_t k = bench_arg_count(argc, argv, 1, 8, "K", usage);
    uint64_t m = bench_arg_count(argc, argv, 2, 1500000, "M", usage) / BATCH * BATCH;
    if (m == 0) {
        fprintf(stderr, "%s: M must be at least %u (one batch)\nusage: %s %s\n", program, BATCH,
                program, usage);
        return 2;
    }
    w2_Client_ref *clients = malloc((size_t)k * sizeof *clients);
    if (!clients)
        bench_fail(program, "cannot allocate the client refs");

    zactor_system *sys = bench_system_create(program);
    bench_echo_report report = {0};
    w2_Reporter_ref reporter =
        w2_Reporter_spawn(sys, &(w2_Reporter){.clients = k, .report = &report});
    if (zactor_ref_is_null(reporter.raw))
        bench_fail(program, "spawn");
    for (uint64_t i = 0; i < k; i++) {
        w2_Echo_ref echo = w2_Echo_spawn(sys, NULL);
        clients[i] =
            w2_Client_spawn(sys, &(w2_Client){.echo = echo, .reporter = reporter, .remaining = m});
        if (zactor_ref_is_null(echo.raw) || zactor_ref_is_null(clients[i].raw))
            bench_fail(program, "spawn");
    }
    /* Every actor has had its first turn before the clock starts. */
    bench_wait(program, sys);

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < k; i++)
        if (w2_Client_send_Start(clients[i], &(w2_Start){0}) != 0)
            bench_fail(program, "send Start");
    bench_wait(program, sys);
    bench_echo_report_check(program, &report, k, m);

    char workload[32];
    snprintf(workload, sizeof workload, "W2_K%" PRIu64, k);
    double seconds = (double)(report.t_end - t0) / 1e9;
    bench_result(workload, "msgs_per_s", 2.0 * (double)m * (double)k / seconds, 0);
    printf("INFO W2 " BENCH_SYSTEM " k=%" PRIu64 " m=%" PRIu64 " elapsed_s=%.3f\n", k, m, seconds);
    bench_runtime_info(workload, sys);
    zactor_system_destroy(sys);
    free(clients);
    return 0;
}
