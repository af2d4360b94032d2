/* Zero allocation per message in steady state. The runtime is linked with
 * its malloc family wrapped (-Wl,--wrap=...): after a warm-up, a million
 * small messages (inline in the mailbox ring) and a million medium ones
 * (pooled blocks), sent between actors and from a thread outside the
 * system, must not call malloc, free or any relative even once. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

/* ---- the allocator wrappers: count calls while counting is on ---- */

static atomic_bool counting;
static atomic_ullong allocator_calls;

static void count_call(void)
{
    if (atomic_load_explicit(&counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&allocator_calls, 1, memory_order_relaxed);
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);
int __real_posix_memalign(void **out, size_t alignment, size_t size);
void __real_free(void *ptr);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void *__wrap_aligned_alloc(size_t alignment, size_t size);
int __wrap_posix_memalign(void **out, size_t alignment, size_t size);
void __wrap_free(void *ptr);

void *__wrap_malloc(size_t size)
{
    count_call();
    return __real_malloc(size);
}
void *__wrap_calloc(size_t count, size_t size)
{
    count_call();
    return __real_calloc(count, size);
}
void *__wrap_realloc(void *ptr, size_t size)
{
    count_call();
    return __real_realloc(ptr, size);
}
void *__wrap_aligned_alloc(size_t alignment, size_t size)
{
    count_call();
    return __real_aligned_alloc(alignment, size);
}
int __wrap_posix_memalign(void **out, size_t alignment, size_t size)
{
    count_call();
    return __real_posix_memalign(out, alignment, size);
}
void __wrap_free(void *ptr)
{
    if (ptr)
        count_call();
    __real_free(ptr);
}

/* ---- the workload ---- */

/* A ball carries how many more hops it makes, so the players keep no
 * state and can play any number of rallies. */
typedef struct Ball {
    uint64_t hops_left;
    zactor_ref reply_to;
} Ball; /* 24 bytes: inline */
typedef struct BigBall {
    uint64_t hops_left;
    zactor_ref reply_to;
    uint8_t padding[200];
} BigBall; /* 224 bytes: a pooled block */
TEST_SLOT(PlayerSlot, Ball ball;);

enum { TAG_BALL, TAG_BIG_BALL, TAG_SINK, TAG_HOLD };

static const zactor_actor_type player_type;

static void on_ball(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Ball *ball = msg;
    if (ball->hops_left == 0)
        return;
    Ball reply = {ball->hops_left - 1, zactor_self(ctx)};
    CHECK_EQ(zactor_send(ball->reply_to, &player_type, TAG_BALL, &reply, sizeof reply), 0);
}

static void on_big_ball(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const BigBall *ball = msg;
    if (ball->hops_left == 0)
        return;
    BigBall reply;
    memcpy(&reply, ball, sizeof reply);
    reply.hops_left = ball->hops_left - 1;
    reply.reply_to = zactor_self(ctx);
    CHECK_EQ(zactor_send(ball->reply_to, &player_type, TAG_BIG_BALL, &reply, sizeof reply), 0);
}

static uint64_t sunk;
static void on_sink(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    sunk++; /* one actor, one thread at a time; read after wait */
}

/* Holds the worker that runs it until main opens the gate. */
static test_gate gate;
static atomic_int holders;
static void on_hold(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&holders, 1);
    test_gate_hold(&gate);
}

static const zactor_handler_entry player_handlers[] = {
    TEST_ENTRY(on_ball),
    TEST_ENTRY(on_big_ball),
    TEST_ENTRY(on_sink),
    TEST_ENTRY(on_hold),
};
static const zactor_actor_type player_type =
    TEST_ACTOR_TYPE(name("test.Player"), state(char), slot(PlayerSlot), handlers(player_handlers));

static zactor_ref pinger, ponger, sink;

/* A rally of `messages` hops between the two players; the serve comes
 * from this thread. */
static void play(zactor_system *sys, uint32_t tag, uint64_t messages)
{
    if (tag == TAG_BALL) {
        Ball serve = {messages - 1, pinger};
        CHECK_EQ(zactor_send(ponger, &player_type, tag, &serve, sizeof serve), 0);
    } else {
        BigBall serve;
        memset(&serve, 0, sizeof serve);
        serve.hops_left = messages - 1;
        serve.reply_to = pinger;
        CHECK_EQ(zactor_send(ponger, &player_type, tag, &serve, sizeof serve), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
}

/* Windows of medium messages from this thread into one actor. */
#define WINDOW 1000u
static void feed(zactor_system *sys, uint64_t messages)
{
    BigBall ball;
    memset(&ball, 0, sizeof ball);
    const uint64_t window = WINDOW;
    for (uint64_t sent = 0; sent < messages; sent += window) {
        for (uint64_t i = 0; i < window; i++)
            CHECK_EQ(zactor_send(sink, &player_type, TAG_SINK, &ball, sizeof ball), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
    }
}

/* count medium messages from this thread queued behind a held sink, then
 * handled. */
static void held_burst(zactor_system *sys, uint64_t count)
{
    BigBall ball;
    memset(&ball, 0, sizeof ball);
    test_gate_close(&gate);
    CHECK_EQ(zactor_send(sink, &player_type, TAG_HOLD, &gate, 0), 0);
    for (uint64_t i = 0; i < count; i++)
        CHECK_EQ(zactor_send(sink, &player_type, TAG_SINK, &ball, sizeof ball), 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
}

static void expect_no_allocation(const char *what, uint64_t messages)
{
    unsigned long long calls = atomic_exchange(&allocator_calls, 0);
    printf("%s: %llu messages, %llu allocator calls\n", what, (unsigned long long)messages, calls);
    CHECK_EQ(calls, 0);
}

int main(void)
{
    const uint64_t messages = scaled(1000000);
    zactor_system *sys = start_system(2);
    pinger = zactor_spawn(sys, &player_type, NULL);
    ponger = zactor_spawn(sys, &player_type, NULL);
    sink = zactor_spawn(sys, &player_type, NULL);
    CHECK(!zactor_ref_is_null(pinger) && !zactor_ref_is_null(ponger) && !zactor_ref_is_null(sink));

    /* Warm-up: mailbox rings exist and grow, pools and worker caches fill. */
    play(sys, TAG_BALL, 20000);
    play(sys, TAG_BIG_BALL, 20000);
    feed(sys, 50000);
    /* The pool's high-water mark for the outside sender: blocks this thread
     * takes come from the shared lists, and the sink's worker keeps up to
     * a cache's worth (256 per class) of those it frees, so the shared lists
     * need a window plus every worker's cache. Queue that many at once
     * behind a held sink, so that the pool grows to it now and not, a block
     * at a time, whenever the caches happen to be fuller than ever. And
     * more than a ring of 4096 slots holds, so that the burst overflows
     * and letters are taken from the pools too. */
    const uint64_t high_water = 4096 + WINDOW + 2 * 256 + 64;
    const unsigned growth_rounds = 6;
    for (unsigned round = 0; round < growth_rounds; round++)
        held_burst(sys, high_water);
    /* Those bursts grew the sink's ring past 4096 slots, which an idle
     * actor gives back. A window's worth behind a held sink now grows its
     * next ring, from 8 slots with 993 letters queued, to four times that
     * rounded up: 4096 slots, the size an idle actor keeps, so that no
     * measured window (1000 messages, whatever the sink's pace) has to
     * grow it. */
    held_burst(sys, WINDOW);

    /* First rings come and go: an idle actor gives its ring back (to the
     * cache of the worker that trims it) and gets a new one with its next
     * message (from the sender's). When a ping-pong pair runs on two
     * workers, rings flow from one cache to the other, and a cache keeps up
     * to 256 blocks of a class before it spills to the shared list: with
     * fewer first rings in existence than that, the emptied side would
     * carve a new slab now and then. So make more than two caches can hold,
     * at once: both workers held, one message to each of 1024 spares (main
     * installs 1024 rings), then let go. */
    enum { SPARES = 1024 };
    static zactor_ref spares[SPARES];
    for (unsigned i = 0; i < SPARES; i++) {
        spares[i] = zactor_spawn(sys, &player_type, NULL);
        CHECK(!zactor_ref_is_null(spares[i]));
    }
    test_gate_close(&gate);
    atomic_store(&holders, 0);
    CHECK_EQ(zactor_send(pinger, &player_type, TAG_HOLD, &gate, 0), 0);
    CHECK_EQ(zactor_send(ponger, &player_type, TAG_HOLD, &gate, 0), 0);
    while (atomic_load(&holders) < 2)
        sleep_ms(1);
    Ball last = {0, pinger};
    for (unsigned i = 0; i < SPARES; i++)
        CHECK_EQ(zactor_send(spares[i], &player_type, TAG_BALL, &last, sizeof last), 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);

    atomic_store(&counting, true);
    play(sys, TAG_BALL, messages);
    expect_no_allocation("small, actor to actor", messages);
    play(sys, TAG_BIG_BALL, messages);
    expect_no_allocation("medium, actor to actor", messages);
    feed(sys, messages);
    expect_no_allocation("medium, from outside", messages);
    atomic_store(&counting, false);
    CHECK_EQ(sunk, 50000 + growth_rounds * high_water + WINDOW +
                       (messages + WINDOW - 1) / WINDOW * WINDOW);
    zactor_system_destroy(sys);
    return 0;
}
