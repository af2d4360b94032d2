/* Whom a send wakes when every worker sleeps (scheduler.c: worker_to_wake,
 * stop_searching), checked on 2 workers without timing:
 *
 * 1. Sends from outside to an idle system wake the same worker every
 *    time (the kernel then keeps the sender on that worker's CPU).
 * 2. The woken worker wakes nobody else when no work is left in a queue:
 *    each wake from idle adds exactly one park (the woken worker's, once
 *    the system is idle again), not two.
 * 3. It does wake a sleeper for work still queued, on 3 workers: three
 *    actors sent a message in a row by a handler, whose handlers each wait
 *    for the others to start, must run at the same time (the second send
 *    most likely finds the first one's worker still searching, and then
 *    only that worker can wake the last sleeper: check_rendezvous). A
 *    guard turns a wait that never ends into a failure after 10 seconds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

#include "parked.h"
#include "worker.h"

#define ROUNDS 16u
#define HANG_GUARD_MS 10000u

typedef struct Poke {
    uint32_t rendezvous; /* nonzero: wait until that many handlers run */
} Poke;
typedef struct Kick {
    zactor_ref to[3];
} Kick;
TEST_SLOT(AnySlot, Poke poke; Kick kick;);

enum { TAG_POKE, TAG_KICK };

static const zactor_actor_type any_type;
static atomic_int handled_by = -1;    /* index of the worker that ran the last Poke */
static atomic_uint started;           /* rendezvous handlers started */
static atomic_bool rendezvous_missed; /* a handler gave up waiting */

static void on_poke(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    atomic_store(&handled_by, (int)zactor__current_worker->index);
    if (!((const Poke *)msg)->rendezvous)
        return;
    uint32_t expected = ((const Poke *)msg)->rendezvous;
    atomic_fetch_add(&started, 1);
    unsigned waited_ms = 0;
    while (atomic_load(&started) < expected && waited_ms < HANG_GUARD_MS) {
        sleep_ms(1);
        waited_ms++;
    }
    if (atomic_load(&started) < expected)
        atomic_store(&rendezvous_missed, true);
}

static void wait_all_asleep(zactor_system *sys, uint32_t workers);

static void on_kick(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Kick *kick = msg;
    wait_all_asleep(zactor_ctx_system(ctx), 2);
    Poke poke = {3};
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(zactor_send(kick->to[i], &any_type, TAG_POKE, &poke, sizeof poke), 0);
}

static const zactor_handler_entry any_handlers[] = {TEST_ENTRY(on_poke), TEST_ENTRY(on_kick)};
static const zactor_actor_type any_type =
    TEST_ACTOR_TYPE(name("test.Any"), state(char), slot(AnySlot), handlers(any_handlers));

/* Waits until `workers` workers sleep with no wake-up pending. */
static void wait_all_asleep(zactor_system *sys, uint32_t workers)
{
    unsigned slept_ms = 0;
    while (!test_workers_asleep(sys, workers) && slept_ms < HANG_GUARD_MS) {
        sleep_ms(1);
        slept_ms++;
    }
    CHECK(slept_ms < HANG_GUARD_MS);
}

static uint64_t total_parks(zactor_system *sys)
{
    zactor_stats stats;
    CHECK_EQ(zactor_stats_read(sys, &stats, NULL, 0), 0);
    return stats.parks;
}

static void poke(zactor_system *sys, zactor_ref to)
{
    Poke msg = {0};
    CHECK_EQ(zactor_send(to, &any_type, TAG_POKE, &msg, sizeof msg), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
}

static void check_same_worker(zactor_system *sys, zactor_ref sleeper)
{
    int first = -1;
    for (unsigned round = 0; round < ROUNDS; round++) {
        wait_all_asleep(sys, 2);
        atomic_store(&handled_by, -1);
        poke(sys, sleeper);
        int worker = atomic_load(&handled_by);
        CHECK(worker >= 0);
        if (round == 0)
            first = worker;
        CHECK_EQ(worker, first);
    }
    printf("wake choice: %u sends to an idle system all woke worker %d\n", ROUNDS, first);
}

static void check_one_park_per_wake(zactor_system *sys, zactor_ref sleeper)
{
    wait_all_asleep(sys, 2);
    uint64_t before = total_parks(sys);
    for (unsigned round = 0; round < ROUNDS; round++) {
        poke(sys, sleeper);
        wait_all_asleep(sys, 2);
    }
    uint64_t parks = total_parks(sys) - before;
    printf("wake choice: %u wakes from idle, %llu parks\n", ROUNDS, (unsigned long long)parks);
    CHECK_EQ(parks, ROUNDS);
}

/* A handler sends to three idle actors, A, B and C, in a row while the
 * two other workers sleep: C takes the LIFO slot, A and B go to the
 * deque. Pushing A wakes one sleeper and counts it as searching; pushing
 * B, nanoseconds later, most likely finds it still searching and wakes
 * nobody: the woken worker, taking A, must wake the last sleeper for B.
 * The three handlers wait for each other, so all three must run at once. */
static void check_rendezvous(void)
{
    zactor_system *sys = start_system(3);
    CHECK_EQ(zactor_system_workers(sys), 3);
    zactor_ref kicker = zactor_spawn(sys, &any_type, NULL);
    Kick kick;
    for (unsigned i = 0; i < 3; i++) {
        kick.to[i] = zactor_spawn(sys, &any_type, NULL);
        CHECK(!zactor_ref_is_null(kick.to[i]));
    }
    CHECK(!zactor_ref_is_null(kicker));
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_send(kicker, &any_type, TAG_KICK, &kick, sizeof kick), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&started), 3);
    CHECK(!atomic_load(&rendezvous_missed));
    printf("wake choice: three actors sent to in a row by a handler ran at the same time\n");
    zactor_system_destroy(sys);
}

int main(void)
{
    zactor_system *sys = start_system(2);
    CHECK_EQ(zactor_system_workers(sys), 2);
    zactor_ref sleeper = zactor_spawn(sys, &any_type, NULL);
    CHECK(!zactor_ref_is_null(sleeper));
    CHECK_EQ(zactor_system_wait(sys), 0);
    check_same_worker(sys, sleeper);
    check_one_park_per_wake(sys, sleeper);
    zactor_system_destroy(sys);
    check_rendezvous();
    return 0;
}
