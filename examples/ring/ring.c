/*
 * ring: a token travels LAPS times around a ring of NODES actors; every hop
 * is one message. Prints the messages per second.
 *
 *   usage: ring [NODES [LAPS]]   (default 10000 nodes, 100 laps)
 */
#define _POSIX_C_SOURCE 200809L
#include "ring.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Written by the node that receives the last hop. */
typedef struct finish_line {
    uint64_t final_hops_left;
    ring_Node_ref last_holder;
    int reached;
} finish_line;

void ring_Node_on_Link(ring_Node *self, zactor_ctx *ctx, const ring_Link *msg)
{
    (void)ctx;
    self->next = msg->next;
}

void ring_Node_on_Token(ring_Node *self, zactor_ctx *ctx, const ring_Token *msg)
{
    self->tokens_seen++;
    if (msg->hops_left == 1) {
        finish_line *finish = self->finish;
        finish->final_hops_left = msg->hops_left;
        finish->last_holder.raw = zactor_self(ctx);
        finish->reached = 1;
        return;
    }
    ring_Token next = {.hops_left = msg->hops_left - 1};
    ring_Node_send_Token(self->next, &next);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    unsigned long nodes = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    unsigned long laps = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
    if (nodes < 2 || laps == 0) {
        fprintf(stderr, "usage: %s [NODES >= 2 [LAPS >= 1]]\n", argv[0]);
        return 2;
    }
    ring_Node_ref *ring = calloc(nodes, sizeof *ring);
    zactor_system *sys = zactor_system_create(NULL);
    if (ring == NULL || sys == NULL) {
        fprintf(stderr, "ring: out of memory\n");
        free(ring);
        zactor_system_destroy(sys);
        return 1;
    }

    /* Spawn backwards so each node starts knowing its successor; only the
     * first node learns its successor (the second node) afterwards, which
     * closes the ring. */
    finish_line finish = {0};
    double start = now_seconds();
    ring[0] = ring_Node_spawn(sys, &(ring_Node){.finish = &finish});
    for (unsigned long i = nodes - 1; i >= 1; i--) {
        ring_Node init = {.next = ring[(i + 1) % nodes], .finish = &finish};
        ring[i] = ring_Node_spawn(sys, &init);
        if (zactor_ref_is_null(ring[i].raw)) {
            fprintf(stderr, "ring: spawn failed at node %lu\n", i);
            zactor_system_destroy(sys);
            free(ring);
            return 1;
        }
    }
    ring_Node_send_Link(ring[0], &(ring_Link){.next = ring[1]});
    double spawned = now_seconds();

    uint64_t hops = (uint64_t)nodes * laps;
    ring_Node_send_Token(ring[0], &(ring_Token){.hops_left = hops});
    int rc = zactor_system_wait(sys);
    double elapsed = now_seconds() - spawned;
    unsigned workers = zactor_system_workers(sys);
    zactor_system_destroy(sys);

    /* The last hop lands on the node just before the first one. */
    int ok = rc == 0 && finish.reached && finish.final_hops_left == 1 &&
             finish.last_holder.raw.cell == ring[(hops - 1) % nodes].raw.cell;
    free(ring);
    if (!ok) {
        fprintf(stderr, "ring: FAILED: wait=%s, token %s\n", zactor_strerror(rc),
                finish.reached ? "ended at the wrong node" : "never finished");
        return 1;
    }
    printf("ring: %lu nodes spawned in %.3f s; %" PRIu64 " hops (%lu laps) in %.3f s "
           "on %u workers: %.0f messages/s\n",
           nodes, spawned - start, hops, laps, elapsed, workers, (double)hops / elapsed);
    return 0;
}
