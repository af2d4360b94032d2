/*
 * W2 with payloads (see bench/README.md): W2's client/echo pairs and
 * batches of 100, every request and reply carrying SIZE bytes of payload
 * (8, 64 or 1024) that the runtime copies on each send. Prints msgs_per_s =
 * 2*M*K / elapsed and mb_per_s = msgs_per_s * SIZE / 1e6, under the
 * workload name W2_payload_<SIZE>.
 *
 *   usage: w2_payload SIZE [K [M]]   (default K 8, M 1500000; M is rounded
 *                                      down to a multiple of 100)
 */
#define _POSIX_C_SOURCE 200809L
#include "w2p.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define BATCH 100u
#define USAGE "SIZE [K [M]]   (SIZE: 8, 64 or 1024)"

/* The payload every request carries: byte i is pattern_byte(i), so the
 * client can tell an intact reply from its first and last bytes. */
static uint8_t pattern_byte(size_t i)
{
    return (uint8_t)(i * 7u + 0x5au);
}

static void fill_pattern(uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++)
        data[i] = pattern_byte(i);
}

static bool pattern_intact(const uint8_t *data, size_t size)
{
    return data[0] == pattern_byte(0) && data[size - 1] == pattern_byte(size - 1);
}

/* Counts one reply; true when the batch is complete and another is due. */
static bool reply_arrived(w2p_Progress *progress, const uint8_t *data, size_t size)
{
    progress->replies++;
    if (!pattern_intact(data, size))
        progress->corrupt++;
    if (--progress->outstanding > 0)
        return false;
    if (progress->remaining > 0)
        return true;
    w2p_Done done = {.replies = progress->replies,
                     .corrupt = progress->corrupt,
                     .send_errors = progress->send_errors};
    if (w2p_Reporter_send_Done(progress->reporter, &done) != 0)
        progress->send_errors++; /* the missing Done fails the run */
    return false;
}

static void batch_sent(w2p_Progress *progress, unsigned failed_sends)
{
    progress->send_errors += failed_sends;
    progress->remaining -= BATCH;
    progress->outstanding = BATCH;
}

/* One set of handlers per payload size; they differ only in types. */

void w2p_Client8_on_start(w2p_Client8 *self, zactor_ctx *ctx)
{
    self->echo =
        w2p_Echo8_spawn(zactor_ctx_system(ctx), &(w2p_Echo8){.client = {zactor_self(ctx)}});
}

static void send_batch8(w2p_Client8 *self)
{
    w2p_Data8 request;
    fill_pattern(request.data, sizeof request.data);
    unsigned failed = 0;
    for (unsigned i = 0; i < BATCH; i++)
        failed += w2p_Echo8_send_Data8(self->echo, &request) != 0;
    batch_sent(&self->progress, failed);
}

void w2p_Client8_on_Go(w2p_Client8 *self, zactor_ctx *ctx, const w2p_Go *msg)
{
    (void)ctx;
    (void)msg;
    send_batch8(self);
}

void w2p_Client8_on_Data8(w2p_Client8 *self, zactor_ctx *ctx, const w2p_Data8 *msg)
{
    (void)ctx;
    if (reply_arrived(&self->progress, msg->data, sizeof msg->data))
        send_batch8(self);
}

void w2p_Echo8_on_Data8(w2p_Echo8 *self, zactor_ctx *ctx, const w2p_Data8 *msg)
{
    (void)ctx;
    w2p_Client8_send_Data8(self->client, msg); /* a lost reply fails the run */
}

void w2p_Client64_on_start(w2p_Client64 *self, zactor_ctx *ctx)
{
    self->echo =
        w2p_Echo64_spawn(zactor_ctx_system(ctx), &(w2p_Echo64){.client = {zactor_self(ctx)}});
}

static void send_batch64(w2p_Client64 *self)
{
    w2p_Data64 request;
    fill_pattern(request.data, sizeof request.data);
    unsigned failed = 0;
    for (unsigned i = 0; i < BATCH; i++)
        failed += w2p_Echo64_send_Data64(self->echo, &request) != 0;
    batch_sent(&self->progress, failed);
}

void w2p_Client64_on_Go(w2p_Client64 *self, zactor_ctx *ctx, const w2p_Go *msg)
{
    (void)ctx;
    (void)msg;
    send_batch64(self);
}

void w2p_Client64_on_Data64(w2p_Client64 *self, zactor_ctx *ctx, const w2p_Data64 *msg)
{
    (void)ctx;
    if (reply_arrived(&self->progress, msg->data, sizeof msg->data))
        send_batch64(self);
}

void w2p_Echo64_on_Data64(w2p_Echo64 *self, zactor_ctx *ctx, const w2p_Data64 *msg)
{
    (void)ctx;
    w2p_Client64_send_Data64(self->client, msg); /* a lost reply fails the run */
}

void w2p_Client1024_on_start(w2p_Client1024 *self, zactor_ctx *ctx)
{
    self->echo =
        w2p_Echo1024_spawn(zactor_ctx_system(ctx), &(w2p_Echo1024){.client = {zactor_self(ctx)}});
}

static void send_batch1024(w2p_Client1024 *self)
{
    w2p_Data1024 request;
    fill_pattern(request.data, sizeof request.data);
    unsigned failed = 0;
    for (unsigned i = 0; i < BATCH; i++)
        failed += w2p_Echo1024_send_Data1024(self->echo, &request) != 0;
    batch_sent(&self->progress, failed);
}

void w2p_Client1024_on_Go(w2p_Client1024 *self, zactor_ctx *ctx, const w2p_Go *msg)
{
    (void)ctx;
    (void)msg;
    send_batch1024(self);
}

void w2p_Client1024_on_Data1024(w2p_Client1024 *self, zactor_ctx *ctx, const w2p_Data1024 *msg)
{
    (void)ctx;
    if (reply_arrived(&self->progress, msg->data, sizeof msg->data))
        send_batch1024(self);
}

void w2p_Echo1024_on_Data1024(w2p_Echo1024 *self, zactor_ctx *ctx, const w2p_Data1024 *msg)
{
    (void)ctx;
    w2p_Client1024_send_Data1024(self->client, msg); /* a lost reply fails the run */
}

void w2p_Reporter_on_Done(w2p_Reporter *self, zactor_ctx *ctx, const w2p_Done *msg)
{
    (void)ctx;
    bench_echo_report_add(self->report, self->clients, msg->replies, msg->corrupt,
                          msg->send_errors);
}

/* Main handles the clients of every size through their raw refs: one Go
 * sender per size, and one spawn that picks the client type. */
typedef int (*go_fn)(zactor_ref client);

static int go8(zactor_ref client)
{
    return w2p_Client8_send_Go((w2p_Client8_ref){client}, &(w2p_Go){0});
}

static int go64(zactor_ref client)
{
    return w2p_Client64_send_Go((w2p_Client64_ref){client}, &(w2p_Go){0});
}

static int go1024(zactor_ref client)
{
    return w2p_Client1024_send_Go((w2p_Client1024_ref){client}, &(w2p_Go){0});
}

/* The client's `on start` spawns its echo. Null ref on failure. */
static zactor_ref spawn_client(zactor_system *sys, uint64_t size, w2p_Progress progress)
{
    switch (size) {
    case 8:
        return w2p_Client8_spawn(sys, &(w2p_Client8){.progress = progress}).raw;
    case 64:
        return w2p_Client64_spawn(sys, &(w2p_Client64){.progress = progress}).raw;
    default:
        return w2p_Client1024_spawn(sys, &(w2p_Client1024){.progress = progress}).raw;
    }
}

int main(int argc, char **argv)
{
    const char *program = "w2_payload";
    if (argc < 2) {
        fprintf(stderr, "usage: %s " USAGE "\n", argv[0]);
        return 2;
    }
    uint64_t size = bench_arg_count(argc, argv, 1, 0, "SIZE", USAGE);
    if (size != 8 && size != 64 && size != 1024) {
        fprintf(stderr,
                "%s: argument 1 (SIZE): %" PRIu64 " is not 8, 64 or 1024\nusage: %s " USAGE "\n",
                argv[0], size, argv[0]);
        return 2;
    }
    uint64_t k = bench_arg_count(argc, argv, 2, 8, "K", USAGE);
    uint64_t m = bench_arg_count(argc, argv, 3, 1500000, "M", USAGE) / BATCH * BATCH;
    if (m == 0) {
        fprintf(stderr, "%s: M must be at least %u (one batch)\nusage: %s " USAGE "\n", argv[0],
                BATCH, argv[0]);
        return 2;
    }
    go_fn go = size == 8 ? go8 : size == 64 ? go64 : go1024;
    zactor_ref *clients = malloc((size_t)k * sizeof *clients);
    if (!clients)
        bench_fail(program, "cannot allocate the client refs");

    zactor_system *sys = bench_system_create(program);
    bench_echo_report report = {0};
    w2p_Reporter_ref reporter =
        w2p_Reporter_spawn(sys, &(w2p_Reporter){.clients = k, .report = &report});
    if (zactor_ref_is_null(reporter.raw))
        bench_fail(program, "spawn");
    for (uint64_t i = 0; i < k; i++) {
        clients[i] = spawn_client(sys, size, (w2p_Progress){.reporter = reporter, .remaining = m});
        if (zactor_ref_is_null(clients[i]))
            bench_fail(program, "spawn");
    }
    /* Every client has spawned its echo before the clock starts. */
    bench_wait(program, sys);

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < k; i++)
        if (go(clients[i]) != 0)
            bench_fail(program, "send Go");
    bench_wait(program, sys);
    bench_echo_report_check(program, &report, k, m);

    char workload[32];
    snprintf(workload, sizeof workload, "W2_payload_%" PRIu64, size);
    double seconds = (double)(report.t_end - t0) / 1e9;
    double msgs_per_s = 2.0 * (double)m * (double)k / seconds;
    bench_result(workload, "msgs_per_s", msgs_per_s, 0);
    bench_result(workload, "mb_per_s", msgs_per_s * (double)size / 1e6, 1);
    printf("INFO %s " BENCH_SYSTEM " size=%" PRIu64 " k=%" PRIu64 " m=%" PRIu64 " elapsed_s=%.3f\n",
           workload, size, k, m, seconds);
    bench_runtime_info(workload, sys);
    zactor_system_destroy(sys);
    free(clients);
    return 0;
}
