/* A handler that floods an actor does not keep it waiting: the flooded
 * actor is first queued in the sending worker's LIFO slot (it would run
 * next there), but after ZACTOR__SLOT_PATIENCE sends it moves where the
 * other, idle worker takes it, so it handles messages while the flooding
 * handler is still running.
 *
 * Checked without timing, on 2 workers: the flooding handler sends half
 * of its flood, then waits (inside the handler, so the sink cannot have
 * been handed back to this worker) until the sink has handled a message,
 * then sends the other half. Without the hand-off the sink would sit in
 * the flooder's LIFO slot until the handler returned, and the wait would
 * never end. The flood starts once the other worker sleeps, so that the
 * hand-off must also wake it (a worker still searching would find the sink
 * by itself and hide a hand-off that wakes nobody); without that wake-up
 * the wait would never end either. A guard turns a wait that never ends
 * into a failure after 10 seconds: a hand-off takes microseconds; a
 * worker that gets no CPU for 10 s means a broken host, not a slow one. Every message the sink
 * handles while the flood handler runs is handled on another thread than the flooder's, and the
 * sink sees the flood in order. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

#include "parked.h"

typedef struct Flood {
    uint64_t count;
    zactor_ref sink;
} Flood;
typedef struct Drop {
    uint64_t seq;
} Drop;
TEST_SLOT(AnySlot, Flood flood; Drop drop;);

enum { TAG_FLOOD, TAG_DROP };

#define HANG_GUARD_MS 10000u

static const zactor_actor_type any_type;
/* Each thread's own address: tells the threads apart. */
static _Thread_local char thread_marker;
static atomic_uintptr_t flooder_thread; /* nonzero while the flood handler runs */
static atomic_ullong handled, handled_while_flooding, handled_on_flooder_thread;
static atomic_ullong handled_before_second_half, out_of_order;
static atomic_bool sink_ran_mid_flood;

static void send_drops(zactor_ref sink, uint64_t from, uint64_t to)
{
    for (uint64_t seq = from; seq < to; seq++) {
        Drop drop = {seq};
        CHECK_EQ(zactor_send(sink, &any_type, TAG_DROP, &drop, sizeof drop), 0);
    }
}

static void on_flood(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Flood *flood = msg;
    /* The other worker has nothing to do: wait until it is asleep, so
     * that only a wake-up can bring it to the sink. */
    zactor_system *sys = zactor_ctx_system(ctx);
    unsigned slept_ms = 0;
    while (!test_workers_asleep(sys, 1) && slept_ms < HANG_GUARD_MS) {
        sleep_ms(1);
        slept_ms++;
    }
    CHECK(slept_ms < HANG_GUARD_MS);
    atomic_store(&flooder_thread, (uintptr_t)&thread_marker);
    uint64_t half = flood->count / 2;
    send_drops(flood->sink, 0, half);
    /* The sink must run elsewhere while this handler is still running. */
    unsigned waited_ms = 0;
    while (atomic_load(&handled) == 0 && waited_ms < HANG_GUARD_MS) {
        sleep_ms(1);
        waited_ms++;
    }
    atomic_store(&handled_before_second_half, atomic_load(&handled));
    atomic_store(&sink_ran_mid_flood, atomic_load(&handled) > 0);
    send_drops(flood->sink, half, flood->count);
    atomic_store(&flooder_thread, 0);
}

static void on_drop(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    uint64_t n = atomic_load(&handled);
    if (((const Drop *)msg)->seq != n) /* one sender: its order */
        atomic_fetch_add(&out_of_order, 1);
    uintptr_t flooder = atomic_load(&flooder_thread);
    if (flooder != 0) {
        atomic_fetch_add(&handled_while_flooding, 1);
        if (flooder == (uintptr_t)&thread_marker)
            atomic_fetch_add(&handled_on_flooder_thread, 1);
    }
    /* Last: the flooder waits for this. */
    atomic_store(&handled, n + 1);
}

static const zactor_handler_entry any_handlers[] = {TEST_ENTRY(on_flood), TEST_ENTRY(on_drop)};
static const zactor_actor_type any_type =
    TEST_ACTOR_TYPE(name("test.Any"), state(char), slot(AnySlot), handlers(any_handlers));

int main(void)
{
    zactor_system *sys = start_system(2);
    CHECK_EQ(zactor_system_workers(sys), 2);
    zactor_ref flooder = zactor_spawn(sys, &any_type, NULL);
    zactor_ref sink = zactor_spawn(sys, &any_type, NULL);
    CHECK(!zactor_ref_is_null(flooder) && !zactor_ref_is_null(sink));
    const uint64_t count = 2000000;
    Flood flood = {count, sink};
    CHECK_EQ(zactor_send(flooder, &any_type, TAG_FLOOD, &flood, sizeof flood), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    printf("flood handoff: %llu of %llu messages handled while the flood handler ran, %llu "
           "before it sent its second half\n",
           (unsigned long long)atomic_load(&handled_while_flooding), (unsigned long long)count,
           (unsigned long long)atomic_load(&handled_before_second_half));
    CHECK(atomic_load(&sink_ran_mid_flood)); /* else: never handed to the other worker */
    CHECK(atomic_load(&handled_while_flooding) >= atomic_load(&handled_before_second_half));
    CHECK_EQ(atomic_load(&handled_on_flooder_thread), 0);
    CHECK_EQ(atomic_load(&handled), count);
    CHECK_EQ(atomic_load(&out_of_order), 0);
    zactor_system_destroy(sys);
    return 0;
}
