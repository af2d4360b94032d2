/* Sends to stopped actors: EDEAD, also through a recycled cell's old ref;
 * messages queued when an actor stops are counted as dead letters (ring and
 * overflow alike); argument checks return EINVAL; a ring that overflowed
 * grows fourfold, up to 4096 slots, and stays grown while its actor idles.
 * One worker, made
 * deterministic by parking it inside a blocker actor's handler. */
#include <stdatomic.h>
#include <stddef.h>

#include "actor.h" /* the cell, for its ring capacity */
#include "rt_test.h"
#include "system.h" /* zactor__system_overflow_letters */

typedef struct Note {
    uint64_t value;
} Note;

TEST_SLOT(VictimSlot, Note note;);

typedef struct Victim {
    uint64_t notes;
} Victim;

static atomic_int victim_stops;
static atomic_ullong notes_handled;

static void victim_on_stop_msg(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

static void victim_on_note(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    (void)msg;
    ((Victim *)self)->notes++;
    atomic_fetch_add(&notes_handled, 1);
}

static void victim_on_stop(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&victim_stops, 1);
}

enum { TAG_STOP, TAG_NOTE };
static const zactor_handler_entry victim_handlers[] = {TEST_ENTRY(victim_on_stop_msg),
                                                       TEST_ENTRY(victim_on_note)};
static const zactor_actor_type victim_type =
    TEST_ACTOR_TYPE(name("test.Victim"), state(Victim), slot(VictimSlot), handlers(victim_handlers),
                    on_stop(victim_on_stop));

/* Blocker: holds the only worker until released. */
static atomic_bool blocker_entered, blocker_release;

static void blocker_on_block(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    atomic_store(&blocker_entered, true);
    while (!atomic_load(&blocker_release))
        sleep_ms(1);
}

typedef struct Blocker {
    char unused;
} Blocker;
TEST_SLOT(BlockerSlot, Note note;);
static const zactor_handler_entry blocker_handlers[] = {TEST_ENTRY(blocker_on_block)};
static const zactor_actor_type blocker_type =
    TEST_ACTOR_TYPE(name("test.Blocker"), state(Blocker), slot(BlockerSlot),
                    handlers(blocker_handlers));

static void block_worker(zactor_ref blocker)
{
    Note note = {0};
    atomic_store(&blocker_entered, false);
    atomic_store(&blocker_release, false);
    CHECK_EQ(zactor_send(blocker, &blocker_type, 0, &note, sizeof note), 0);
    while (!atomic_load(&blocker_entered))
        sleep_ms(1);
}

/* Queues a stop followed by `extra` notes while the worker is held, then
 * lets it run: every note must end up a dead letter. */
static void stop_with_queued_notes(zactor_system *sys, zactor_ref blocker, zactor_ref victim,
                                   uint64_t extra)
{
    uint64_t dead_before = zactor_system_dead_letters(sys);
    block_worker(blocker);
    Note note = {7};
    CHECK_EQ(zactor_send(victim, &victim_type, TAG_STOP, &note, sizeof note), 0);
    for (uint64_t i = 0; i < extra; i++)
        CHECK_EQ(zactor_send(victim, &victim_type, TAG_NOTE, &note, sizeof note), 0);
    atomic_store(&blocker_release, true);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_dead_letters(sys) - dead_before, extra);
    CHECK_EQ(zactor_send(victim, &victim_type, TAG_NOTE, &note, sizeof note), ZACTOR_EDEAD);
}

/* Sends n notes while the worker is held; returns how many overflowed. */
static uint64_t queue_notes(zactor_system *sys, zactor_ref blocker, zactor_ref to, uint64_t n)
{
    uint64_t before = zactor__system_overflow_letters(sys);
    uint64_t handled = atomic_load(&notes_handled);
    block_worker(blocker);
    Note note = {3};
    for (uint64_t i = 0; i < n; i++)
        CHECK_EQ(zactor_send(to, &victim_type, TAG_NOTE, &note, sizeof note), 0);
    atomic_store(&blocker_release, true);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&notes_handled) - handled, n);
    return zactor__system_overflow_letters(sys) - before;
}

/* The capacity of to's ring (0: none), read after zactor_system_wait. */
static uint32_t ring_capacity(zactor_ref to)
{
    return zactor__mailbox_capacity(&to.cell->mailbox);
}

/* The first ring has 8 slots; an overflow grows it to at least four times
 * its size, and to four times the backlog the consumer finds when it
 * notices the letters (at the latest when it reaches the first one),
 * rounded up to a power of two: from 8, with 100 letters, to 512 at
 * least and 512 at most (4 x 108 queued). The next round uses the grown
 * ring: as many notes as its capacity fit, 100 more are letters. An idle
 * actor keeps a ring of up to 4096 slots and gives back a bigger one. */
static void ring_grows_after_overflow(zactor_system *sys, zactor_ref blocker, zactor_ref to)
{
    uint64_t capacity = 8;
    unsigned growths = 0;
    for (;;) {
        CHECK_EQ(queue_notes(sys, blocker, to, capacity), 0);
        CHECK_EQ(queue_notes(sys, blocker, to, capacity + 100), 100);
        uint64_t grown = ring_capacity(to);
        if (grown == 0)
            break; /* past 4096 slots: given back when the actor went idle */
        growths++;
        uint64_t most = 4;
        while (most < 4 * (capacity + 100))
            most *= 2;
        printf("dead letters: a ring of %llu slots grew to %llu\n", (unsigned long long)capacity,
               (unsigned long long)grown);
        CHECK(grown >= 4 * capacity && grown <= most && (grown & (grown - 1)) == 0);
        CHECK(grown <= 4096);
        capacity = grown;
    }
    CHECK(growths >= 2); /* 8 -> 512 -> 2048 at least, then past 4096 */
    /* The big ring went when the actor went idle (zactor_system_wait
     * returns once idle rings are given back): 8 slots again. */
    CHECK_EQ(queue_notes(sys, blocker, to, 8), 0);
    CHECK_EQ(queue_notes(sys, blocker, to, 8 + 1), 1);
}

int main(void)
{
    zactor_system *sys = start_system(1);
    zactor_ref blocker = zactor_spawn(sys, &blocker_type, NULL);
    zactor_ref victim = zactor_spawn(sys, &victim_type, NULL);
    zactor_ref grower = zactor_spawn(sys, &victim_type, NULL);
    CHECK(!zactor_ref_is_null(blocker) && !zactor_ref_is_null(victim));
    CHECK(!zactor_ref_is_null(grower));
    CHECK_EQ(zactor_system_wait(sys), 0);

    /* Argument checks. */
    Note note = {1};
    zactor_ref null_ref = {NULL, 0};
    CHECK_EQ(zactor_send(null_ref, &victim_type, TAG_NOTE, &note, sizeof note), ZACTOR_EARG);
    CHECK_EQ(zactor_send(victim, &victim_type, 2, &note, sizeof note), ZACTOR_ETYPE);
    CHECK_EQ(zactor_send(victim, &blocker_type, 0, &note, sizeof note), ZACTOR_ETYPE);
    CHECK_EQ(zactor_send(victim, &victim_type, TAG_NOTE, NULL, sizeof note), ZACTOR_EARG);
    CHECK(zactor_ref_is_null(zactor_spawn(sys, NULL, NULL)));

    /* A few notes are delivered normally first. */
    for (int i = 0; i < 5; i++)
        CHECK_EQ(zactor_send(victim, &victim_type, TAG_NOTE, &note, sizeof note), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&notes_handled), 5);

    /* A live actor's ring: overflow, then bigger. */
    uint64_t handled_before = atomic_load(&notes_handled);
    ring_grows_after_overflow(sys, blocker, grower);
    atomic_store(&notes_handled, handled_before);
    CHECK_EQ(zactor_system_dead_letters(sys), 0);

    /* Stop with 9 notes behind it in the ring: 9 dead letters. */
    stop_with_queued_notes(sys, blocker, victim, 9);
    CHECK_EQ(atomic_load(&victim_stops), 1);
    CHECK_EQ(atomic_load(&notes_handled), 5);

    /* The cell is recycled: the next spawn reuses it with a new generation,
     * and the old ref still gets EDEAD. */
    zactor_ref second = zactor_spawn(sys, &victim_type, NULL);
    CHECK(second.cell == victim.cell);
    CHECK(second.generation != victim.generation);
    CHECK_EQ(zactor_send(victim, &victim_type, TAG_NOTE, &note, sizeof note), ZACTOR_EDEAD);
    CHECK_EQ(zactor_send(second, &victim_type, TAG_NOTE, &note, sizeof note), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&notes_handled), 6);

    /* Stop with more notes than the ring holds: overflowed ones are dead
     * letters too. */
    uint64_t many = scaled(5000) + 100;
    stop_with_queued_notes(sys, blocker, second, many);
    CHECK_EQ(atomic_load(&victim_stops), 2);
    CHECK_EQ(atomic_load(&notes_handled), 6);
    CHECK_EQ(zactor_send(victim, &victim_type, TAG_NOTE, &note, sizeof note), ZACTOR_EDEAD);

    /* A third actor stays alive: its `on stop` runs at destroy, once. */
    zactor_ref third = zactor_spawn(sys, &victim_type, NULL);
    CHECK(third.cell == victim.cell);
    CHECK_EQ(zactor_system_wait(sys), 0);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&victim_stops), 4); /* third and grower at destroy */
    return 0;
}
