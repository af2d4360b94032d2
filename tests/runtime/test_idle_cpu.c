/* An idle system costs nothing: with actors alive and no message, the
 * workers spin briefly, then park, so that over half a second the whole
 * process uses under 1% of a core (checked in optimised builds without
 * sanitizers, ZACTOR_TEST_TIMING, where the test runs alone: a sanitizer's
 * own threads and slowed-down spinning make the share mean nothing). A
 * send then wakes a parked worker and the message is handled, in every
 * build. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

typedef struct Poke {
    uint64_t sent_ns;
} Poke;
TEST_SLOT(PokeSlot, Poke poke;);

static atomic_ullong handled;
static atomic_ullong wake_ns_total;

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_poke(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    const Poke *poke = msg;
    if (poke->sent_ns)
        atomic_fetch_add(&wake_ns_total, clock_ns(CLOCK_MONOTONIC) - poke->sent_ns);
    atomic_fetch_add(&handled, 1);
}

static const zactor_handler_entry handlers[] = {TEST_ENTRY(on_poke)};
static const zactor_actor_type sleeper_type =
    TEST_ACTOR_TYPE(name("test.Sleeper"), state(char), slot(PokeSlot), handlers(handlers));

int main(void)
{
    zactor_system *sys = start_system(0);
    enum { ACTORS = 1000, WAKES = 50 };
    static zactor_ref actors[ACTORS];
    Poke poke = {0};
    for (unsigned i = 0; i < ACTORS; i++) {
        actors[i] = zactor_spawn(sys, &sleeper_type, NULL);
        CHECK(!zactor_ref_is_null(actors[i]));
        CHECK_EQ(zactor_send(actors[i], &sleeper_type, 0, &poke, sizeof poke), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&handled), ACTORS);

    sleep_ms(50); /* past the workers' spinning */
    uint64_t cpu_before = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    uint64_t wall_before = clock_ns(CLOCK_MONOTONIC);
    sleep_ms(500);
    uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_before;
    uint64_t wall = clock_ns(CLOCK_MONOTONIC) - wall_before;
    double share = (double)cpu / (double)wall;
    printf("idle: %u actors alive, %u workers: %.3f ms of CPU in %.0f ms (%.3f%% of a core)\n",
           ACTORS, zactor_system_workers(sys), cpu / 1e6, wall / 1e6, share * 100);
#if ZACTOR_TEST_TIMING
    CHECK(share < 0.01);
#endif

    /* Each send finds the workers parked (20 ms apart) and wakes one. */
    for (unsigned i = 0; i < WAKES; i++) {
        sleep_ms(20);
        poke.sent_ns = clock_ns(CLOCK_MONOTONIC);
        CHECK_EQ(zactor_send(actors[i], &sleeper_type, 0, &poke, sizeof poke), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
    }
    CHECK_EQ(atomic_load(&handled), ACTORS + WAKES);
    printf("idle: a send to a parked system is handled %.1f us later on average\n",
           atomic_load(&wake_ns_total) / 1e3 / WAKES);
    zactor_system_destroy(sys);
    return 0;
}
