/* Fairness under a flood, on ONE worker: a ping-pong pair plays while a
 * flooder actor sends a million messages to a victim, 250 per handler
 * call. With one worker every turn of the flooder or the victim is time
 * the pair waits, so the batch limit is all that keeps it playing: without
 * it the flooder's turn would send the whole flood (each Burst it sends
 * itself is already in its mailbox) and the victim's turn would drain it,
 * one stall of 2 million messages' work (90 to 180 ms) in which the pair
 * stands still.
 *
 * The pinger starts the flood itself, so the pair is always playing when
 * it begins. For each round trip it notes the others' work done meanwhile
 * (messages the flooder sent plus messages the victim handled) and the
 * worker's CPU time; the longest stall is checked in both terms:
 *   - work: under a quarter of the flood in every build (it counts
 *     messages, not time, so it holds under sanitizers and on a busy
 *     machine: with the limit one round trip waits for a few turns, 16,000
 *     messages at most when this was written);
 *   - time: under 50 ms of the worker's CPU in optimised builds without
 *     sanitizers (ZACTOR_TEST_TIMING). CPU time rather than wall time: the
 *     worker's CPU time during a round trip is exactly the work the pair
 *     waited for, and does not count the time the OS gave other
 *     processes. When this was written the longest was 8 ms, and not a
 *     long batch: a victim's turn that took its whole overflow list (some
 *     600,000 letters, reversed in one go).
 * The wall-clock P50, P99 and longest stall are printed. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

#define FLOOD 1000000u
#define BURST 250u
#define MAX_SAMPLES (1u << 21)
#define MAX_STALL_WORK (FLOOD / 4)
#define MAX_STALL_CPU_NS (50u * 1000000u)

typedef struct Burst {
    uint64_t left; /* messages still to send to the victim */
    zactor_ref victim;
} Burst;
typedef struct Ball {
    uint64_t sent_ns;     /* wall clock when served */
    uint64_t sent_cpu_ns; /* the serving worker's CPU clock */
    uint64_t sent_work;   /* others_work() when served */
    zactor_ref reply_to;  /* the pinger, for the ponger; null on the way back */
} Ball;
typedef struct Tick {
    uint64_t value;
} Tick;
TEST_SLOT(AnySlot, Burst burst; Ball ball; Tick tick;);

enum { TAG_BURST, TAG_BALL, TAG_TICK };

static const zactor_actor_type any_type;
/* Relaxed atomics throughout: with one worker every handler runs on the
 * same thread; the counters are only read there and after
 * zactor_system_wait(). */
static atomic_ullong flood_sent, victim_handled;
static atomic_bool flood_done;
static uint64_t samples[MAX_SAMPLES];
/* Written by the pinger's turns only. */
static size_t sample_count;
static uint64_t max_stall_work, max_stall_cpu_ns;
static bool flood_started;
static zactor_ref ponger, flooder, victim;

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t others_work(void)
{
    return atomic_load_explicit(&flood_sent, memory_order_relaxed) +
           atomic_load_explicit(&victim_handled, memory_order_relaxed);
}

static void on_burst(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Burst *burst = msg;
    uint64_t n = burst->left < BURST ? burst->left : BURST;
    Tick tick = {1};
    for (uint64_t i = 0; i < n; i++) {
        CHECK_EQ(zactor_send(burst->victim, &any_type, TAG_TICK, &tick, sizeof tick), 0);
        atomic_fetch_add_explicit(&flood_sent, 1, memory_order_relaxed);
    }
    if (burst->left > n) {
        Burst next = {burst->left - n, burst->victim};
        CHECK_EQ(zactor_send(zactor_self(ctx), &any_type, TAG_BURST, &next, sizeof next), 0);
    }
}

static void on_tick(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    uint64_t handled = atomic_fetch_add_explicit(&victim_handled, ((const Tick *)msg)->value,
                                                 memory_order_relaxed) +
                       1;
    if (handled == FLOOD)
        atomic_store_explicit(&flood_done, true, memory_order_relaxed);
}

static void serve(zactor_ctx *ctx)
{
    Ball ball = {clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_THREAD_CPUTIME_ID), others_work(),
                 zactor_self(ctx)};
    CHECK_EQ(zactor_send(ponger, &any_type, TAG_BALL, &ball, sizeof ball), 0);
}

/* The ponger bounces the ball back; the pinger records the round trip,
 * starts the flood after the first one, and serves again until the flood
 * has been handled. */
static void on_ball(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Ball *ball = msg;
    if (!zactor_ref_is_null(ball->reply_to)) { /* ponger */
        Ball back = *ball;
        back.reply_to = (zactor_ref){NULL, 0};
        CHECK_EQ(zactor_send(ball->reply_to, &any_type, TAG_BALL, &back, sizeof back), 0);
        return;
    }
    if (!flood_started) { /* the first ball, served by main(): not timed */
        flood_started = true;
        Burst flood = {FLOOD, victim};
        CHECK_EQ(zactor_send(flooder, &any_type, TAG_BURST, &flood, sizeof flood), 0);
        serve(ctx);
        return;
    }
    uint64_t wall = clock_ns(CLOCK_MONOTONIC) - ball->sent_ns;
    uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - ball->sent_cpu_ns;
    uint64_t work = others_work() - ball->sent_work;
    if (sample_count < MAX_SAMPLES)
        samples[sample_count++] = wall;
    if (work > max_stall_work)
        max_stall_work = work;
    if (cpu > max_stall_cpu_ns)
        max_stall_cpu_ns = cpu;
    if (atomic_load_explicit(&flood_done, memory_order_relaxed) || sample_count == MAX_SAMPLES)
        return;
    serve(ctx);
}

static const zactor_handler_entry any_handlers[] = {
    TEST_ENTRY(on_burst),
    TEST_ENTRY(on_ball),
    TEST_ENTRY(on_tick),
};
static const zactor_actor_type any_type =
    TEST_ACTOR_TYPE(name("test.Any"), state(char), slot(AnySlot), handlers(any_handlers));

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    zactor_system *sys = start_system(1);
    CHECK_EQ(zactor_system_workers(sys), 1);
    victim = zactor_spawn(sys, &any_type, NULL);
    flooder = zactor_spawn(sys, &any_type, NULL);
    zactor_ref pinger = zactor_spawn(sys, &any_type, NULL);
    ponger = zactor_spawn(sys, &any_type, NULL);
    CHECK(!zactor_ref_is_null(victim) && !zactor_ref_is_null(flooder) &&
          !zactor_ref_is_null(pinger) && !zactor_ref_is_null(ponger));

    /* The first ball is served from here, not from the worker: the pinger
     * does not time it, it starts the flood and serves the first timed one. */
    Ball first = {0, 0, 0, pinger};
    CHECK_EQ(zactor_send(ponger, &any_type, TAG_BALL, &first, sizeof first), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    CHECK_EQ(atomic_load(&flood_sent), FLOOD);
    CHECK_EQ(atomic_load(&victim_handled), FLOOD);
    CHECK(flood_started && sample_count > 0);
    qsort(samples, sample_count, sizeof samples[0], compare_u64);
    uint64_t p50 = samples[sample_count / 2];
    uint64_t p99 = samples[(sample_count * 99 + 99) / 100 - 1];
    uint64_t max = samples[sample_count - 1];
    printf("fairness: %zu round trips during a %u-message flood on 1 worker: P50 %.1f us, "
           "P99 %.1f us, longest %.1f us (%.1f us of the worker's CPU, %llu messages of "
           "other actors' work)\n",
           sample_count, FLOOD, p50 / 1e3, p99 / 1e3, max / 1e3, max_stall_cpu_ns / 1e3,
           (unsigned long long)max_stall_work);
    CHECK(max_stall_work < MAX_STALL_WORK);
#if ZACTOR_TEST_TIMING
    CHECK(max_stall_cpu_ns < MAX_STALL_CPU_NS);
#endif
    CHECK(sample_count > 100); /* the pair kept playing during the flood */
    zactor_system_destroy(sys);
    return 0;
}
