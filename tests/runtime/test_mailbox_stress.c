/* Mailbox stress: 4 plain threads and 3 producer actors send one sink
 * sequence-numbered messages, small (inline) and medium (pooled) mixed. The
 * sink checks no loss, no duplicate and per-sender FIFO. Modes:
 *   flood    - as fast as possible (the ring fills and closes repeatedly);
 *   overflow - flood while the sink is held in `on start`, so the overflow
 *              path must carry (and keep the order of) most messages;
 *   ring     - each sender keeps at most RING_WINDOW messages unconsumed,
 *              so all seven race for ring slots and the ring never fills:
 *              the overflow path must stay unused;
 *   outbox   - flood, and each producer actor sends its small messages
 *              through its worker's outbox (runtime/src/worker.h), as if
 *              every counting CAS had failed: batches of up to 32, cut by
 *              the medium messages, which go alone.
 * Usage: test_mailbox_stress flood|overflow|ring|outbox WORKERS */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"
#include "stress_messages.h"
#include "system.h" /* zactor__system_overflow_letters */
#include "worker.h" /* the outbox */

#define THREAD_PRODUCERS 4
#define ACTOR_PRODUCERS 3
#define SENDERS (THREAD_PRODUCERS + ACTOR_PRODUCERS)
#define ACTOR_BURST 256
/* Unconsumed messages per sender in ring mode. The handler publishes its
 * progress just before its slot is released, so SENDERS * RING_WINDOW + 1
 * must not exceed the ring's first capacity. */
#define RING_WINDOW 1
#define FIRST_RING_CAPACITY 8
_Static_assert((SENDERS * RING_WINDOW) + 1 <= FIRST_RING_CAPACITY, "ring mode must not overflow");

TEST_SLOT(SinkSlot, Small small;);

typedef struct Sink {
    uint64_t next_seq[SENDERS];
    uint64_t received;
    uint64_t medium;
    uint64_t errors;
} Sink;

static Sink *the_sink;
static unsigned sink_start_delay_ms;
static uint64_t per_sender;
static bool windowed;                    /* ring mode */
static bool through_outbox;              /* outbox mode */
static atomic_ullong delivered[SENDERS]; /* for the senders' window */

static void check_order(Sink *sink, uint32_t sender, uint64_t seq)
{
    if (sender >= SENDERS || sink->next_seq[sender] != seq)
        sink->errors++;
    else
        sink->next_seq[sender]++;
    sink->received++;
    if (sender < SENDERS)
        atomic_store_explicit(&delivered[sender], sink->next_seq[sender], memory_order_release);
}

static void sink_on_start(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    the_sink = self;
    if (sink_start_delay_ms)
        sleep_ms(sink_start_delay_ms);
}

static void sink_on_small(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    const Small *small = msg;
    check_order(self, small->sender, small->seq);
}

static void sink_on_medium(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    Sink *sink = self;
    const Medium *medium = msg;
    for (size_t i = 0; i < sizeof medium->fill; i++) {
        if (medium->fill[i] != (unsigned char)(medium->seq + i))
            sink->errors++;
    }
    sink->medium++;
    check_order(sink, medium->sender, medium->seq);
}

static const zactor_handler_entry sink_handlers[] = {TEST_ENTRY(sink_on_small),
                                                     TEST_ENTRY(sink_on_medium)};
static const zactor_actor_type sink_type =
    TEST_ACTOR_TYPE(name("test.Sink"), state(Sink), slot(SinkSlot), handlers(sink_handlers),
                    on_start(sink_on_start));

static atomic_int send_failures;

/* Every fourth message is medium, so both placements interleave per sender. */
static void send_one(zactor_ref sink, uint32_t sender, uint64_t seq)
{
    int rc;
    if (seq % 4 == 3) {
        Medium medium = {sender, seq, {0}};
        for (size_t i = 0; i < sizeof medium.fill; i++)
            medium.fill[i] = (unsigned char)(seq + i);
        rc = zactor_send(sink, &sink_type, 1, &medium, sizeof medium);
    } else {
        Small small = {sender, seq};
        zactor__worker *worker = zactor__worker_of(sink.cell->sys);
        if (through_outbox && worker)
            zactor__outbox_choose(worker, sink, &sink_type);
        rc = zactor_send(sink, &sink_type, 0, &small, sizeof small);
    }
    if (rc != 0)
        atomic_fetch_add(&send_failures, 1);
}

/* Producer actor: sends a burst, then a Go to itself for the next one. */
typedef struct Producer {
    zactor_ref sink;
    uint32_t id;
    uint64_t next;
} Producer;

typedef struct Go {
    uint32_t unused;
} Go;

TEST_SLOT(ProducerSlot, Go go;);

static const zactor_actor_type producer_type;

/* In ring mode, whether the sender may send its next message. */
static bool window_open(uint32_t sender, uint64_t next)
{
    return !windowed ||
           next < atomic_load_explicit(&delivered[sender], memory_order_acquire) + RING_WINDOW;
}

static void producer_burst(Producer *producer, zactor_ctx *ctx)
{
    /* In ring mode a closed window is polled through the Go self-message. */
    for (unsigned i = 0; i < ACTOR_BURST && producer->next < per_sender &&
                         window_open(producer->id, producer->next);
         i++)
        send_one(producer->sink, producer->id, producer->next++);
    if (producer->next < per_sender) {
        Go go = {0};
        if (zactor_send(zactor_self(ctx), &producer_type, 0, &go, sizeof go) != 0)
            atomic_fetch_add(&send_failures, 1);
    }
}

static void producer_on_start(void *self, zactor_ctx *ctx)
{
    producer_burst(self, ctx);
}

static void producer_on_go(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)msg;
    producer_burst(self, ctx);
}

static const zactor_handler_entry producer_handlers[] = {TEST_ENTRY(producer_on_go)};
static const zactor_actor_type producer_type =
    TEST_ACTOR_TYPE(name("test.Producer"), state(Producer), slot(ProducerSlot),
                    handlers(producer_handlers), on_start(producer_on_start));

typedef struct ThreadArg {
    zactor_ref sink;
    uint32_t id;
} ThreadArg;

static void *thread_producer(void *arg)
{
    const ThreadArg *targ = arg;
    for (uint64_t seq = 0; seq < per_sender; seq++) {
        while (!window_open(targ->id, seq))
            sched_yield();
        send_one(targ->sink, targ->id, seq);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    bool overflow_mode = strcmp(argv[1], "overflow") == 0;
    windowed = strcmp(argv[1], "ring") == 0;
    through_outbox = strcmp(argv[1], "outbox") == 0;
    CHECK(overflow_mode || windowed || through_outbox || strcmp(argv[1], "flood") == 0);
    per_sender = scaled(windowed ? 50000 : 200000);
    sink_start_delay_ms = overflow_mode ? 200 : 0;

    zactor_system *sys = start_system((unsigned)atoi(argv[2]));
    double start = now_seconds();
    zactor_ref sink = zactor_spawn(sys, &sink_type, NULL);
    CHECK(!zactor_ref_is_null(sink));

    pthread_t threads[THREAD_PRODUCERS];
    ThreadArg args[THREAD_PRODUCERS];
    for (uint32_t i = 0; i < THREAD_PRODUCERS; i++) {
        args[i] = (ThreadArg){sink, i};
        CHECK(pthread_create(&threads[i], NULL, thread_producer, &args[i]) == 0);
    }
    for (uint32_t i = 0; i < ACTOR_PRODUCERS; i++) {
        Producer init = {sink, THREAD_PRODUCERS + i, 0};
        CHECK(!zactor_ref_is_null(zactor_spawn(sys, &producer_type, &init)));
    }
    for (uint32_t i = 0; i < THREAD_PRODUCERS; i++)
        pthread_join(threads[i], NULL);
    CHECK_EQ(zactor_system_wait(sys), 0);
    double elapsed = now_seconds() - start;

    CHECK_EQ(atomic_load(&send_failures), 0);
    CHECK(the_sink != NULL);
    CHECK_EQ(the_sink->errors, 0);
    CHECK_EQ(the_sink->received, per_sender * SENDERS);
    CHECK_EQ(the_sink->medium, (per_sender / 4) * SENDERS);
    for (uint32_t i = 0; i < SENDERS; i++)
        CHECK_EQ(the_sink->next_seq[i], per_sender);
    uint64_t overflowed = zactor__system_overflow_letters(sys);
    if (overflow_mode)
        CHECK(overflowed > 0);
    if (windowed)
        CHECK_EQ(overflowed, 0);
    uint64_t batched = zactor__system_outbox_sends(sys);
    if (through_outbox) /* each producer's 3 smalls before a medium, at least */
        CHECK(batched >= (per_sender / 4) * 3 * ACTOR_PRODUCERS);
    CHECK_EQ(zactor_system_dead_letters(sys), 0);
    printf("%s, %u workers: %llu messages in %.3f s (%.2f M msg/s), %llu via overflow, %llu "
           "via outboxes\n",
           argv[1], zactor_system_workers(sys), (unsigned long long)(per_sender * SENDERS), elapsed,
           (double)(per_sender * SENDERS) / elapsed / 1e6, (unsigned long long)overflowed,
           (unsigned long long)batched);
    zactor_system_destroy(sys);
    return 0;
}
