/*
 * W2 with a 64 KiB zero-copy payload (see bench/README.md): W2's
 * client/echo pairs and batches of 100; each request is a fresh 64 KiB
 * `bytes` buffer (zactor_bytes_alloc), the echo sends the same buffer back
 * (retain, then send), the client checks it and the runtime releases it
 * after the client's handler. Only the buffer's first and last bytes are
 * written and read: the figure is the cost of moving 64 KiB messages, not
 * of filling them. Prints msgs_per_s = 2*M*K / elapsed and mb_per_s =
 * msgs_per_s * 65536 / 1e6 as workload W2_payload_65536.
 *
 *   usage: w2_blob [K [M]]   (default 8 1500000, as W2_payload_64; M is
 *                              rounded down to a multiple of 100)
 */
#define _POSIX_C_SOURCE 200809L
#include "w2b.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define BATCH 100u
#define BLOB_SIZE 65536u
#define FIRST_BYTE 0xa5u
#define LAST_BYTE 0x5au
#define WORKLOAD "W2_payload_65536"

void w2b_Client_on_start(w2b_Client *self, zactor_ctx *ctx)
{
    self->echo = w2b_Echo_spawn(zactor_ctx_system(ctx), &(w2b_Echo){.client = {zactor_self(ctx)}});
}

/* A failed allocation or send leaves its reply missing: the run fails. */
static void send_batch(w2b_Client *self)
{
    for (unsigned i = 0; i < BATCH; i++) {
        w2b_Blob request;
        if (zactor_bytes_alloc(BLOB_SIZE, &request.data) != 0) {
            self->send_errors++;
            continue;
        }
        unsigned char *data = zactor_bytes_data(request.data);
        data[0] = FIRST_BYTE;
        data[BLOB_SIZE - 1] = LAST_BYTE;
        /* The send takes the buffer's reference, whatever it returns. */
        if (w2b_Echo_send_Blob(self->echo, &request) != 0)
            self->send_errors++;
    }
    self->remaining -= BATCH;
    self->outstanding = BATCH;
}

void w2b_Client_on_Go(w2b_Client *self, zactor_ctx *ctx, const w2b_Go *msg)
{
    (void)ctx;
    (void)msg;
    send_batch(self);
}

void w2b_Client_on_Blob(w2b_Client *self, zactor_ctx *ctx, const w2b_Blob *msg)
{
    (void)ctx;
    const unsigned char *data = zactor_bytes_data(msg->data);
    self->replies++;
    if (zactor_bytes_size(msg->data) != BLOB_SIZE || data[0] != FIRST_BYTE ||
        data[BLOB_SIZE - 1] != LAST_BYTE)
        self->corrupt++;
    if (--self->outstanding > 0)
        return;
    if (self->remaining > 0) {
        send_batch(self);
        return;
    }
    w2b_Done done = {.replies = self->replies,
                     .corrupt = self->corrupt,
                     .send_errors = self->send_errors};
    if (w2b_Reporter_send_Done(self->reporter, &done) != 0)
        self->send_errors++; /* the missing Done fails the run */
}

void w2b_Echo_on_Blob(w2b_Echo *self, zactor_ctx *ctx, const w2b_Blob *msg)
{
    (void)ctx;
    /* Forwarding: our own reference for the send to take; the runtime
     * releases the received one after this handler. */
    w2b_Blob reply = {.data = zactor_bytes_retain(msg->data)};
    w2b_Client_send_Blob(self->client, &reply); /* a lost reply fails the run */
}

void w2b_Reporter_on_Done(w2b_Reporter *self, zactor_ctx *ctx, const w2b_Done *msg)
{
    (void)ctx;
    bench_echo_report_add(self->report, self->clients, msg->replies, msg->corrupt,
                          msg->send_errors);
}

int main(int argc, char **argv)
{
    const char *program = "w2_blob";
    const char *usage = "[K [M]]";
    uint64_t k = bench_arg_count(argc, argv, 1, 8, "K", usage);
    uint64_t m = bench_arg_count(argc, argv, 2, 1500000, "M", usage) / BATCH * BATCH;
    if (m == 0) {
        fprintf(stderr, "%s: M must be at least %u (one batch)\nusage: %s %s\n", argv[0], BATCH,
                argv[0], usage);
        return 2;
    }
    w2b_Client_ref *clients = malloc((size_t)k * sizeof *clients);
    if (!clients)
        bench_fail(program, "cannot allocate the client refs");

    zactor_system *sys = bench_system_create(program);
    bench_echo_report report = {0};
    w2b_Reporter_ref reporter =
        w2b_Reporter_spawn(sys, &(w2b_Reporter){.clients = k, .report = &report});
    if (zactor_ref_is_null(reporter.raw))
        bench_fail(program, "spawn");
    for (uint64_t i = 0; i < k; i++) {
        clients[i] = w2b_Client_spawn(sys, &(w2b_Client){.reporter = reporter, .remaining = m});
        if (zactor_ref_is_null(clients[i].raw))
            bench_fail(program, "spawn");
    }
    /* Every client has spawned its echo before the clock starts. */
    bench_wait(program, sys);

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < k; i++)
        if (w2b_Client_send_Go(clients[i], &(w2b_Go){0}) != 0)
            bench_fail(program, "send Go");
    bench_wait(program, sys);
    bench_echo_report_check(program, &report, k, m);

    double seconds = (double)(report.t_end - t0) / 1e9;
    double msgs_per_s = 2.0 * (double)m * (double)k / seconds;
    bench_result(WORKLOAD, "msgs_per_s", msgs_per_s, 0);
    bench_result(WORKLOAD, "mb_per_s", msgs_per_s * BLOB_SIZE / 1e6, 1);
    printf("INFO " WORKLOAD " " BENCH_SYSTEM " size=%u k=%" PRIu64 " m=%" PRIu64
           " elapsed_s=%.3f\n",
           BLOB_SIZE, k, m, seconds);
    bench_runtime_info(WORKLOAD, sys);
    zactor_system_destroy(sys);
    free(clients);
    return 0;
}
