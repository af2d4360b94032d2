/* NUMA stress on a synthetic 4-node machine (16 workers): 8 producer
 * actors spawned from the main thread (spread over the nodes), 8 more
 * spawned from their handlers (on their parents' nodes) and 4 plain threads
 * all flood 8 sinks (2 per node) with sequence-numbered messages, small
 * (inline) and medium (pooled, so blocks are freed on other nodes than the
 * one they came from). Every sink checks no loss, no duplicate and FIFO
 * per sender. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "actor.h" /* zactor_cell.home */
#include "numa_test.h"
#include "stress_messages.h"

#define SINKS 8
#define TOP_PRODUCERS 8
#define ACTOR_PRODUCERS (2 * TOP_PRODUCERS) /* each top producer spawns one */
#define THREAD_PRODUCERS 4
#define SENDERS (ACTOR_PRODUCERS + THREAD_PRODUCERS)
#define BURST 16 /* messages per sink before a producer yields its turn */
#define MEDIUM_EVERY 4

TEST_SLOT(SinkSlot, Small small;);
TEST_SLOT(ProducerSlot, char unused;);

typedef struct Sink {
    uint64_t next_seq[SENDERS];
    uint64_t received;
    uint64_t errors;
} Sink;

typedef struct Producer {
    uint32_t sender;
    uint64_t sent; /* per sink */
} Producer;

enum { SINK_SMALL, SINK_MEDIUM };
enum { PRODUCER_MORE };

static uint64_t per_sender; /* messages each sender sends each sink */
static zactor_ref sinks[SINKS];
static Sink *sink_states[SINKS];

static void sink_check(Sink *sink, uint32_t sender, uint64_t seq)
{
    if (sender >= SENDERS || sink->next_seq[sender] != seq)
        sink->errors++;
    else
        sink->next_seq[sender]++;
    sink->received++;
}

static void sink_on_small(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    const Small *small = msg;
    sink_check(self, small->sender, small->seq);
}

static void sink_on_medium(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    const Medium *medium = msg;
    for (size_t i = 0; i < sizeof medium->fill; i++) {
        if (medium->fill[i] != (unsigned char)(medium->seq + i)) {
            ((Sink *)self)->errors++;
            break;
        }
    }
    sink_check(self, medium->sender, medium->seq);
}

static const zactor_handler_entry sink_handlers[] = {TEST_ENTRY(sink_on_small),
                                                     TEST_ENTRY(sink_on_medium)};

static const zactor_actor_type sink_type =
    TEST_ACTOR_TYPE(name("test.Sink"), state(Sink), slot(SinkSlot), handlers(sink_handlers));

static int send_one(zactor_ref sink, uint32_t sender, uint64_t seq)
{
    if (seq % MEDIUM_EVERY == MEDIUM_EVERY - 1) {
        Medium medium = {sender, seq, {0}};
        for (size_t i = 0; i < sizeof medium.fill; i++)
            medium.fill[i] = (unsigned char)(seq + i);
        return zactor_send(sink, &sink_type, SINK_MEDIUM, &medium, sizeof medium);
    }
    Small small = {sender, seq};
    return zactor_send(sink, &sink_type, SINK_SMALL, &small, sizeof small);
}

static const zactor_actor_type producer_type;

/* A burst to every sink, then a message to itself for the next one, so
 * that other actors get turns in between. */
static void producer_burst(Producer *producer, zactor_ctx *ctx)
{
    for (unsigned b = 0; b < BURST && producer->sent < per_sender; b++, producer->sent++) {
        for (unsigned s = 0; s < SINKS; s++)
            CHECK_EQ(send_one(sinks[s], producer->sender, producer->sent), 0);
    }
    if (producer->sent < per_sender)
        CHECK_EQ(zactor_send(zactor_self(ctx), &producer_type, PRODUCER_MORE, NULL, 0), 0);
}

static void producer_on_start(void *self, zactor_ctx *ctx)
{
    Producer *producer = self;
    if (producer->sender < TOP_PRODUCERS) {
        Producer child = {producer->sender + TOP_PRODUCERS, 0};
        CHECK(!zactor_ref_is_null(zactor_spawn(zactor_ctx_system(ctx), &producer_type, &child)));
    }
    producer_burst(producer, ctx);
}

static void producer_on_more(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)msg;
    producer_burst(self, ctx);
}

static const zactor_handler_entry producer_handlers[] = {TEST_ENTRY(producer_on_more)};

static const zactor_actor_type producer_type =
    TEST_ACTOR_TYPE(name("test.Producer"), state(Producer), slot(ProducerSlot),
                    handlers(producer_handlers), on_start(producer_on_start));

static void *thread_producer(void *arg)
{
    uint32_t sender = (uint32_t)(uintptr_t)arg;
    for (uint64_t seq = 0; seq < per_sender; seq++) {
        for (unsigned s = 0; s < SINKS; s++)
            CHECK_EQ(send_one(sinks[s], sender, seq), 0);
    }
    return NULL;
}

int main(void)
{
    per_sender = scaled(2000);
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    CHECK_EQ(zactor_system_numa_nodes(sys), FOUR_NODES_COUNT);

    unsigned sinks_per_node[FOUR_NODES_COUNT] = {0};
    for (unsigned s = 0; s < SINKS; s++) {
        sinks[s] = zactor_spawn(sys, &sink_type, NULL);
        CHECK(!zactor_ref_is_null(sinks[s]));
        sink_states[s] = sinks[s].cell->state; /* read only after quiescence */
        sinks_per_node[sinks[s].cell->home]++;
    }
    for (unsigned n = 0; n < FOUR_NODES_COUNT; n++)
        CHECK_EQ(sinks_per_node[n], SINKS / FOUR_NODES_COUNT);

    pthread_t threads[THREAD_PRODUCERS];
    for (unsigned t = 0; t < THREAD_PRODUCERS; t++) {
        uintptr_t sender = ACTOR_PRODUCERS + t;
        CHECK_EQ(pthread_create(&threads[t], NULL, thread_producer, (void *)sender), 0);
    }
    for (uint32_t p = 0; p < TOP_PRODUCERS; p++) {
        Producer init = {p, 0};
        CHECK(!zactor_ref_is_null(zactor_spawn(sys, &producer_type, &init)));
    }
    for (unsigned t = 0; t < THREAD_PRODUCERS; t++)
        CHECK_EQ(pthread_join(threads[t], NULL), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    for (unsigned s = 0; s < SINKS; s++) {
        const Sink *sink = sink_states[s];
        CHECK_EQ(sink->errors, 0);
        CHECK_EQ(sink->received, (uint64_t)SENDERS * per_sender);
        for (unsigned sender = 0; sender < SENDERS; sender++)
            CHECK_EQ(sink->next_seq[sender], per_sender);
    }
    CHECK_EQ(zactor_system_dead_letters(sys), 0);
    zactor_system_destroy(sys);
    printf("numa_stress: %u senders x %u sinks x %llu messages: ok\n", SENDERS, SINKS,
           (unsigned long long)per_sender);
    return 0;
}
