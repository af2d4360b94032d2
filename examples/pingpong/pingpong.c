/*
 * pingpong: two actors bounce a sequence number back and forth, exactly one
 * message in flight. Prints the round trips per second.
 *
 *   usage: pingpong [ROUND_TRIPS]   (default 10000000)
 */
#define _POSIX_C_SOURCE 200809L
#include "pingpong.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Written by the pinger, read by main after zactor_system_wait(). */
typedef struct report {
    uint64_t round_trips;
    uint64_t out_of_order;
} report;

void pingpong_Ponger_on_Ping(pingpong_Ponger *self, zactor_ctx *ctx, const pingpong_Ping *msg)
{
    (void)self;
    (void)ctx;
    pingpong_Pong pong = {.seq = msg->seq};
    pingpong_Pinger_send_Pong(msg->reply_to, &pong);
}

static void send_next_ping(pingpong_Pinger *self, zactor_ctx *ctx)
{
    pingpong_Ping ping = {.seq = self->next_seq, .reply_to = {zactor_self(ctx)}};
    pingpong_Ponger_send_Ping(self->peer, &ping);
}

void pingpong_Pinger_on_start(pingpong_Pinger *self, zactor_ctx *ctx)
{
    self->next_seq = 1;
    send_next_ping(self, ctx);
}

void pingpong_Pinger_on_Pong(pingpong_Pinger *self, zactor_ctx *ctx, const pingpong_Pong *msg)
{
    report *out = self->report;
    if (msg->seq != self->next_seq)
        out->out_of_order++;
    out->round_trips++;
    if (--self->remaining == 0)
        return; /* nothing left in flight: zactor_system_wait() returns */
    self->next_seq++;
    send_next_ping(self, ctx);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    uint64_t round_trips = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    if (round_trips == 0) {
        fprintf(stderr, "usage: %s [ROUND_TRIPS > 0]\n", argv[0]);
        return 2;
    }

    zactor_config cfg;
    zactor_config_init(&cfg);
    zactor_system *sys = zactor_system_create(&cfg);
    if (sys == NULL) {
        fprintf(stderr, "pingpong: cannot start the actor system\n");
        return 1;
    }

    report result = {0};
    double start = now_seconds();
    pingpong_Ponger_ref ponger = pingpong_Ponger_spawn(sys, NULL);
    pingpong_Pinger init = {.peer = ponger, .remaining = round_trips, .report = &result};
    pingpong_Pinger_ref pinger = pingpong_Pinger_spawn(sys, &init);
    if (zactor_ref_is_null(ponger.raw) || zactor_ref_is_null(pinger.raw)) {
        fprintf(stderr, "pingpong: spawn failed\n");
        zactor_system_destroy(sys);
        return 1;
    }
    int rc = zactor_system_wait(sys);
    double elapsed = now_seconds() - start;
    unsigned workers = zactor_system_workers(sys);
    zactor_system_destroy(sys);

    if (rc != 0 || result.round_trips != round_trips || result.out_of_order != 0) {
        fprintf(stderr,
                "pingpong: FAILED: wait=%s, %" PRIu64 " of %" PRIu64 " round trips, %" PRIu64
                " out of order\n",
                zactor_strerror(rc), result.round_trips, round_trips, result.out_of_order);
        return 1;
    }
    printf("pingpong: %" PRIu64 " round trips in %.3f s on %u workers: %.0f round trips/s\n",
           round_trips, elapsed, workers, (double)round_trips / elapsed);
    return 0;
}
