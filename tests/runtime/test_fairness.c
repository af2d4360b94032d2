/* Fairness under a flood: one actor receives a million messages (queued
 * a thousand at a time by a flooder actor) while a ping-pong pair plays on
 * the same system. Adaptive batching keeps the flooded actor's turns short,
 * so the pair's round trips stay fast: P99 under 100 microseconds (checked
 * in builds without sanitizers; sanitizers only check that every message
 * arrives and the pair completes its rallies). */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

typedef struct Burst {
    uint64_t left;      /* messages still to send to the victim */
    zactor_ref victim;
} Burst;
typedef struct Ball {
    uint64_t sent_ns;
    zactor_ref reply_to;
} Ball;
typedef struct Tick {
    uint64_t value;
} Tick;
TEST_SLOT(AnySlot, Burst burst; Ball ball; Tick tick;);

enum { TAG_BURST, TAG_BALL, TAG_TICK };
#define BURST 1000u
#define MAX_SAMPLES (1u << 21)

static const zactor_actor_type any_type;
static atomic_ullong victim_handled;
static atomic_bool flood_done;
static uint64_t samples[MAX_SAMPLES];
static size_t sample_count; /* written by the pinger's turns only */
static zactor_ref ponger;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_burst(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Burst *burst = msg;
    uint64_t n = burst->left < BURST ? burst->left : BURST;
    Tick tick = {1};
    for (uint64_t i = 0; i < n; i++)
        CHECK_EQ(zactor_send(burst->victim, &any_type, TAG_TICK, &tick, sizeof tick), 0);
    if (burst->left > n) {
        Burst next = {burst->left - n, burst->victim};
        CHECK_EQ(zactor_send(zactor_self(ctx), &any_type, TAG_BURST, &next, sizeof next), 0);
    }
}

static void on_tick(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    /* Relaxed: a count read after zactor_system_wait(). */
    uint64_t handled = atomic_fetch_add_explicit(&victim_handled, ((const Tick *)msg)->value,
                                                 memory_order_relaxed) + 1;
    if (handled == 1000000)
        atomic_store_explicit(&flood_done, true, memory_order_relaxed);
}

/* The pinger times each round trip and serves again until the flood is
 * over; the ponger (sent_ns == 0 marks nothing) bounces balls back. */
static void on_ball(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Ball *ball = msg;
    if (!zactor_ref_is_null(ball->reply_to)) { /* ponger */
        Ball back = {ball->sent_ns, {NULL, 0}};
        CHECK_EQ(zactor_send(ball->reply_to, &any_type, TAG_BALL, &back, sizeof back), 0);
        return;
    }
    uint64_t now = now_ns();
    if (sample_count < MAX_SAMPLES)
        samples[sample_count++] = now - ball->sent_ns;
    /* Relaxed: the pinger stops some time after the flood; no data rides on it. */
    if (atomic_load_explicit(&flood_done, memory_order_relaxed) || sample_count == MAX_SAMPLES)
        return;
    Ball serve = {now_ns(), zactor_self(ctx)};
    CHECK_EQ(zactor_send(ponger, &any_type, TAG_BALL, &serve, sizeof serve), 0);
}

static const zactor_handler_entry any_handlers[] = {
    TEST_ENTRY(on_burst),
    TEST_ENTRY(on_ball),
    TEST_ENTRY(on_tick),
};
static const zactor_actor_type any_type = {
    ZACTOR_ABI_VERSION, "test.Any", 1, 1, sizeof(AnySlot), 3, any_handlers, NULL, NULL};

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    zactor_system *sys = start_system(0);
    zactor_ref victim = zactor_spawn(sys, &any_type, NULL);
    zactor_ref flooder = zactor_spawn(sys, &any_type, NULL);
    zactor_ref pinger = zactor_spawn(sys, &any_type, NULL);
    ponger = zactor_spawn(sys, &any_type, NULL);
    CHECK(!zactor_ref_is_null(victim) && !zactor_ref_is_null(flooder) &&
          !zactor_ref_is_null(pinger) && !zactor_ref_is_null(ponger));

    Burst flood = {1000000, victim};
    CHECK_EQ(zactor_send(flooder, &any_type, TAG_BURST, &flood, sizeof flood), 0);
    Ball serve = {now_ns(), pinger};
    CHECK_EQ(zactor_send(ponger, &any_type, TAG_BALL, &serve, sizeof serve), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    CHECK_EQ(atomic_load(&victim_handled), 1000000);
    CHECK(sample_count > 100);
    qsort(samples, sample_count, sizeof samples[0], compare_u64);
    uint64_t p50 = samples[sample_count / 2];
    uint64_t p99 = samples[(sample_count * 99 + 99) / 100 - 1];
    uint64_t max = samples[sample_count - 1];
    printf("fairness: %zu round trips during a 1M-message flood on %u workers: P50 %.1f us, "
           "P99 %.1f us, max %.1f us\n",
           sample_count, zactor_system_workers(sys), p50 / 1e3, p99 / 1e3, max / 1e3);
#ifndef ZACTOR_TEST_SANITIZED
    CHECK(p99 < 100000);
#endif
    zactor_system_destroy(sys);
    return 0;
}
