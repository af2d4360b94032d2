/*
 * Mailbox micro-benchmark (see bench/README.md): the runtime's mailbox
 * alone (runtime/src/mailbox.h, private), no actor, no scheduler. P
 * producer threads push into one mailbox, one consumer thread takes and
 * releases, for P = 1, 2, 4 and messages of 8 and 64 bytes. msgs_per_s =
 * messages / (thread start to both sides joined), as limits/spsc counts.
 *
 * A push is what a send does to the mailbox: prepare, then take a ticket
 * with one CAS on a life word (life.h; here with no generation to check),
 * then store. The ring is first grown the way the runtime grows it
 * (overflow, then the consumer takes the letters), with no other thread
 * running, until a round holds 4096 messages or more (INFO ring=; the
 * drain after that round grows the ring once more). Then each producer
 * keeps at most 3/4 of that capacity / P messages unconsumed (the consumer hands slots back a
 * quarter of the ring at a time), so the ring never fills and every
 * message takes the ring path (the spsc reference's producer waits on its
 * full ring likewise). The consumer checks that every producer's messages
 * arrive complete, once each and in order.
 *
 * With two or more CPUs in the affinity mask the consumer is pinned to the
 * second and the producers spread over the others (all on the first with
 * two CPUs), like limits/spsc.
 *
 *   usage: mailbox_bench [MESSAGES]   (per configuration, default 20000000)
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "life.h"
#include "mailbox.h"
#include "rt_actor_type.h"

#define MAX_PRODUCERS 4
#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define SPINS_BEFORE_YIELD 64
#define MAX_GROWTH_ROUNDS 32
/* Grow until the ring holds at least this many: the size of a busy
 * actor's ring (the runtime keeps up to 4096 slots for an idle actor, and
 * sizes bigger rings to backlogs, which a windowed producer never makes). */
#define TARGET_SLOTS 4096u

/* Message word 0 is (producer << SEQ_BITS) | seq; a 64-byte message also
 * carries seq + k in word k, and the consumer checks the last word. */
typedef struct message {
    uint64_t words[8];
} message;

/* The mailbox reads only the slot size from the actor type: a header and
 * one message inline, as zidlc lays out a small message's slot. One type
 * per message size, so that the slot holds exactly the message. */
TEST_SLOT(WordSlot, uint64_t word;);
TEST_SLOT(MessageSlot, message msg;);
_Static_assert(sizeof(WordSlot) == ZACTOR_SLOT_PAYLOAD_OFFSET + 8, "an 8-byte message's slot");
_Static_assert(sizeof(MessageSlot) == ZACTOR_SLOT_PAYLOAD_OFFSET + 64, "a 64-byte message's slot");
static const zactor_actor_type word_type = TEST_ACTOR_TYPE(name("bench.Mailbox"), slot(WordSlot));
static const zactor_actor_type message_type =
    TEST_ACTOR_TYPE(name("bench.Mailbox"), slot(MessageSlot));

/* Where the consumer tells one producer how many of its messages it has
 * released; one cache line each, so producers do not share it. */
typedef struct progress_line {
    _Alignas(64) _Atomic uint64_t consumed;
} progress_line;

typedef struct run {
    /* The senders' line and the owner's line apart, as in a cell
     * (runtime/src/actor.h): the consumer writes reader.head per message. */
    _Alignas(64) _Atomic uint64_t life; /* tail and NORING, as in a cell */
    zactor__mailbox mailbox;
    _Alignas(64) zactor__mailbox_reader reader;
    zactor__pool pool;
    zactor_actor_type type;
    size_t message_size; /* 8 or 64 */
    unsigned producers;
    uint64_t per_producer;
    uint64_t window; /* unconsumed messages a producer may have */
    progress_line progress[MAX_PRODUCERS];
    int cpus[MAX_PRODUCERS + 1]; /* [0]: consumer, then producers; -1: unpinned */
    _Atomic uint64_t overflowed; /* messages that missed the ring */
    _Atomic uint64_t push_errors;
    uint64_t disorder; /* consumer only: lost, duplicate, reordered or torn */
} run;

typedef struct producer_arg {
    run *run;
    unsigned id;
} producer_arg;

static void cpu_relax(unsigned *spins)
{
    if (++*spins % SPINS_BEFORE_YIELD == 0)
        sched_yield(); /* the other side may share our CPU */
#if defined(__x86_64__) || defined(__i386__)
    else
        __builtin_ia32_pause();
#endif
}

static void pin_to(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    /* Unpinned is still a valid run; the INFO line says where we asked. */
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void choose_cpus(run *r)
{
    cpu_set_t mask;
    int usable[CPU_SETSIZE];
    int count = 0;
    if (sched_getaffinity(0, sizeof mask, &mask) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
            if (CPU_ISSET(cpu, &mask))
                usable[count++] = cpu;
    for (unsigned i = 0; i <= MAX_PRODUCERS; i++)
        r->cpus[i] = -1;
    if (count < 2)
        return;
    r->cpus[0] = usable[1];
    /* The producers take every other CPU in turn. */
    for (unsigned i = 0; i < r->producers; i++) {
        unsigned other = i % (unsigned)(count - 1);
        r->cpus[1 + i] = usable[other == 0 ? 0 : other + 1];
    }
}

static int push(run *r, const message *msg, bool *overflowed)
{
    zactor__parcel parcel;
    int rc =
        zactor__mailbox_parcel_init(&parcel, &r->type, 0, msg, r->message_size, &r->pool, NULL);
    if (rc != 0)
        return rc;
    /* Acquire, acq_rel: as in zactor__send (runtime/src/actor.c). */
    uint64_t life = atomic_load_explicit(&r->life, memory_order_acquire);
    do {
        rc = zactor__mailbox_prepare(&r->mailbox, &parcel, life, &r->pool, NULL);
        if (rc != 0) {
            zactor__mailbox_parcel_discard(&parcel, &r->pool, NULL);
            return rc;
        }
    } while (!atomic_compare_exchange_weak_explicit(&r->life, &life, zactor__life_counted(life),
                                                    memory_order_acq_rel, memory_order_acquire));
    *overflowed =
        zactor__mailbox_push(&r->mailbox, &parcel, zactor__life_tail(life), &r->pool, NULL);
    return 0;
}

/* Takes every message published so far, as one turn does. */
static void drain(run *r)
{
    zactor__mailbox_cursor cursor;
    zactor__mailbox_open(&cursor, &r->mailbox, &r->reader, &r->life, &r->pool, NULL);
    zactor__envelope envelope;
    while (zactor__mailbox_take(&cursor, &envelope))
        zactor__mailbox_release(&cursor, &envelope);
    zactor__mailbox_close(&cursor);
}

/* Grows the ring as the runtime does after overflows (push until a message
 * overflows, then drain: the consumer grows the ring when it takes
 * letters) until it holds TARGET_SLOTS or stops growing; returns its
 * capacity. */
static uint64_t grow_ring(run *r)
{
    message msg = {{0}};
    uint64_t capacity = 0;
    for (int round = 0; round < MAX_GROWTH_ROUNDS; round++) {
        uint64_t in_ring = 0;
        bool overflowed = false;
        while (!overflowed) {
            if (push(r, &msg, &overflowed) != 0)
                bench_fail("mailbox_bench", "out of memory while growing the ring");
            in_ring += !overflowed;
        }
        drain(r);
        if (in_ring <= capacity)
            break;
        capacity = in_ring;
        if (capacity >= TARGET_SLOTS)
            break;
    }
    return capacity;
}

static void *producer_main(void *arg)
{
    const producer_arg *parg = arg;
    run *r = parg->run;
    pin_to(r->cpus[1 + parg->id]);
    _Atomic uint64_t *consumed = &r->progress[parg->id].consumed;
    uint64_t consumed_seen = 0;
    uint64_t overflowed = 0, errors = 0;
    message msg;
    for (uint64_t seq = 0; seq < r->per_producer; seq++) {
        unsigned spins = 0;
        while (seq - consumed_seen >= r->window) {
            /* Acquire: pairs with the consumer's release, which it makes
             * after releasing the slot, so the slot is free for us. */
            consumed_seen = atomic_load_explicit(consumed, memory_order_acquire);
            if (seq - consumed_seen >= r->window)
                cpu_relax(&spins);
        }
        msg.words[0] = ((uint64_t)parg->id << SEQ_BITS) | seq;
        for (unsigned k = 1; k < r->message_size / sizeof(uint64_t); k++)
            msg.words[k] = seq + k;
        bool went_to_overflow = false;
        if (push(r, &msg, &went_to_overflow) != 0)
            errors++;
        overflowed += went_to_overflow;
    }
    /* Relaxed: totals read by main after joining this thread. */
    atomic_fetch_add_explicit(&r->overflowed, overflowed, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->push_errors, errors, memory_order_relaxed);
    return NULL;
}

static void *consumer_main(void *arg)
{
    run *r = arg;
    pin_to(r->cpus[0]);
    uint64_t next[MAX_PRODUCERS] = {0};
    uint64_t last_word = r->message_size / sizeof(uint64_t) - 1;
    uint64_t total = r->per_producer * r->producers;
    zactor__mailbox_cursor cursor;
    zactor__mailbox_open(&cursor, &r->mailbox, &r->reader, &r->life, &r->pool, NULL);
    for (uint64_t taken = 0; taken < total; taken++) {
        zactor__envelope envelope;
        unsigned spins = 0;
        while (!zactor__mailbox_take(&cursor, &envelope))
            cpu_relax(&spins);
        const uint64_t *words = envelope.payload;
        uint64_t producer = words[0] >> SEQ_BITS, seq = words[0] & SEQ_MASK;
        bool intact = producer < r->producers && seq == next[producer] &&
                      (last_word == 0 || words[last_word] == seq + last_word);
        zactor__mailbox_release(&cursor, &envelope);
        if (!intact) {
            r->disorder++;
            continue;
        }
        next[producer]++;
        /* Release: the producer's window follows what we took; the
         * mailbox itself orders slot reuse (released). */
        atomic_store_explicit(&r->progress[producer].consumed, next[producer],
                              memory_order_release);
    }
    zactor__mailbox_close(&cursor);
    return NULL;
}

/* Empties the mailbox and frees its ring; returns the messages that were
 * still queued. Each goes to a callback that releases what its payload
 * owns; ours own nothing. */
static void owns_nothing(void *user, uint32_t tag, const void *payload)
{
    (void)user;
    (void)tag;
    (void)payload;
}

static uint64_t clear_mailbox(run *r)
{
    /* Relaxed: every thread is joined. */
    uint32_t tail = zactor__life_tail(atomic_load_explicit(&r->life, memory_order_relaxed));
    return zactor__mailbox_clear(&r->mailbox, &r->reader, tail, &r->pool, NULL, owns_nothing, NULL);
}

/* Runs one configuration and prints its RESULT and INFO lines. */
static void measure(unsigned producers, size_t message_size, uint64_t messages)
{
    const char *program = "mailbox_bench";
    run *r = aligned_alloc(64, sizeof *r);
    if (!r)
        bench_fail(program, "out of memory");
    memset(r, 0, sizeof *r);
    /* One NUMA node, plain memory: the bench measures the mailbox alone. */
    if (zactor__pool_init(&r->pool, 1, NULL) != 0)
        bench_fail(program, "cannot initialise the message pool");
    /* Copied into the run, not pointed to: the push reads it as before. */
    r->type = message_size == sizeof(uint64_t) ? word_type : message_type;
    r->message_size = message_size;
    r->producers = producers;
    r->per_producer = messages / producers > 0 ? messages / producers : 1;
    atomic_init(&r->life, ZACTOR__LIFE_NORING);
    zactor__mailbox_init(&r->mailbox, &r->reader);
    uint64_t capacity = grow_ring(r);
    r->window = (capacity - capacity / 4) / producers;
    if (r->window == 0)
        bench_fail(program, "the ring is smaller than the number of producers");
    for (unsigned i = 0; i < producers; i++)
        atomic_init(&r->progress[i].consumed, 0);
    atomic_init(&r->overflowed, 0);
    atomic_init(&r->push_errors, 0);
    choose_cpus(r);

    pthread_t consumer, threads[MAX_PRODUCERS];
    producer_arg args[MAX_PRODUCERS];
    uint64_t t0 = bench_now_ns();
    if (pthread_create(&consumer, NULL, consumer_main, r) != 0)
        bench_fail(program, "cannot start the consumer thread");
    for (unsigned i = 0; i < producers; i++) {
        args[i] = (producer_arg){r, i};
        if (pthread_create(&threads[i], NULL, producer_main, &args[i]) != 0)
            bench_fail(program, "cannot start a producer thread");
    }
    for (unsigned i = 0; i < producers; i++)
        pthread_join(threads[i], NULL);
    pthread_join(consumer, NULL);
    uint64_t t1 = bench_now_ns();

    uint64_t total = r->per_producer * producers;
    /* Relaxed: the threads that wrote them have been joined. */
    uint64_t overflowed = atomic_load_explicit(&r->overflowed, memory_order_relaxed);
    uint64_t errors = atomic_load_explicit(&r->push_errors, memory_order_relaxed);
    uint64_t left = clear_mailbox(r);
    if (r->disorder != 0 || errors != 0 || left != 0) {
        fprintf(stderr,
                "%s: FAILED: p%u %zuB: %" PRIu64
                " messages lost, duplicated, reordered or torn, %" PRIu64 " failed pushes, %" PRIu64
                " left in the mailbox\n",
                program, producers, message_size, r->disorder, errors, left);
        exit(1);
    }
    char workload[32];
    snprintf(workload, sizeof workload, "M_mailbox_p%u_%zuB", producers, message_size);
    double seconds = (double)(t1 - t0) / 1e9;
    bench_result(workload, "msgs_per_s", (double)total / seconds, 0);
    printf("INFO %s " BENCH_SYSTEM " producers=%u size=%zu messages=%" PRIu64
           " elapsed_s=%.3f ring=%" PRIu64 " window=%" PRIu64 " overflowed=%" PRIu64
           " consumer_cpu=%d producer0_cpu=%d\n",
           workload, producers, message_size, total, seconds, capacity, r->window, overflowed,
           r->cpus[0], r->cpus[1]);
    zactor__pool_destroy(&r->pool);
    free(r);
}

int main(int argc, char **argv)
{
    uint64_t messages = bench_arg_count(argc, argv, 1, 20000000, "MESSAGES", "[MESSAGES]");
    static const unsigned producer_counts[] = {1, 2, 4};
    static const size_t sizes[] = {8, 64};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t p = 0; p < sizeof producer_counts / sizeof producer_counts[0]; p++)
            measure(producer_counts[p], sizes[s], messages);
    return 0;
}
