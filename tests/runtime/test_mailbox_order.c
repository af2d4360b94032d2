/* The mailbox alone (runtime/src/mailbox.h, private), one thread, steps in
 * a fixed order: ticket order across the ring, letters and a grown ring.
 * A push is what a send does (prepare, one CAS on a life word, push).
 *
 * The scenario: 8 messages fill the first ring; the 9th overflows into a
 * letter; the consumer takes two (slots come back two at a time), so the
 * 10th finds a free slot in the first ring and the 11th overflows. When the
 * consumer reaches the 9th it takes the letters and grows the ring: the
 * 10th is then still in the old ring (`prev`), which must live until it is
 * taken. Every message must come out once, in ticket order, and a later
 * round must use the grown ring.
 *
 * Then a grown ring's first lap: a consumer that grows the ring while
 * letters are still queued before the new ring's base leaves `released`
 * behind base; the next capacity's worth of tickets must still take the
 * new ring's slots (they never had an occupant), not letters. And a
 * consumer that reaches a grown ring's base while letters wait grows the
 * ring again at once.
 *
 * Then backlogs: a round of pushes with nothing taken, then one turn that
 * takes them all. The ring grows to four times the backlog it found, so
 * the next round of the same size fits in it (an actor far behind its
 * senders still takes its messages from the ring); idle again, the actor
 * gives a ring of more than 4096 slots back, but keeps one of 2048. */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "life.h"
#include "mailbox.h"
#include "rt_test.h"

typedef struct Number {
    uint64_t value;
} Number;

TEST_SLOT(NumberSlot, Number number;);

static _Atomic uint64_t life;
static zactor__mailbox mailbox;
static zactor__mailbox_reader reader;
static zactor__pool pool;
/* The mailbox reads only the slot size from the actor type. */
static const zactor_actor_type type = TEST_ACTOR_TYPE(name("test.Order"), slot(NumberSlot));

static bool push(uint64_t value)
{
    Number number = {value};
    zactor__parcel parcel;
    CHECK_EQ(zactor__mailbox_parcel_init(&parcel, &type, 0, &number, sizeof number, &pool, NULL),
             0);
    uint64_t word = atomic_load(&life);
    do {
        CHECK_EQ(zactor__mailbox_prepare(&mailbox, &parcel, word, &pool, NULL), 0);
    } while (!atomic_compare_exchange_weak(&life, &word, zactor__life_counted(word)));
    return zactor__mailbox_push(&mailbox, &parcel, zactor__life_tail(word), &pool, NULL);
}

/* Pushes values from..from+count-1; returns how many overflowed. */
static unsigned push_range(uint64_t from, uint64_t count)
{
    unsigned overflowed = 0;
    for (uint64_t v = from; v < from + count; v++)
        overflowed += push(v);
    return overflowed;
}

/* Takes `count` messages in one turn; checks they are next..next+count-1. */
static uint64_t take(uint64_t next, unsigned count)
{
    zactor__mailbox_cursor cursor;
    zactor__mailbox_open(&cursor, &mailbox, &reader, &life, &pool, NULL);
    for (unsigned i = 0; i < count; i++) {
        zactor__envelope envelope;
        CHECK(zactor__mailbox_take(&cursor, &envelope));
        CHECK_EQ(((const Number *)envelope.payload)->value, next);
        next++;
        zactor__mailbox_release(&cursor, &envelope);
    }
    zactor__mailbox_close(&cursor);
    return next;
}

static bool nothing_left(void)
{
    zactor__mailbox_cursor cursor;
    zactor__mailbox_open(&cursor, &mailbox, &reader, &life, &pool, NULL);
    zactor__envelope envelope;
    bool empty = !zactor__mailbox_take(&cursor, &envelope);
    zactor__mailbox_close(&cursor);
    return empty;
}

/* Pushes count messages from next on, then takes them all in one turn.
 * Returns how many overflowed into letters. */
static uint64_t backlog_round(uint64_t *next, uint64_t count)
{
    uint64_t overflowed = push_range(*next, count);
    CHECK_EQ(take(*next, (unsigned)count), *next + count);
    *next += count;
    CHECK(nothing_left());
    return overflowed;
}

/* Pushes rounds of count until one overflows nothing; returns the rounds. */
static unsigned rounds_until_ring_holds(uint64_t *next, uint64_t count)
{
    unsigned rounds = 1;
    while (backlog_round(next, count) != 0) {
        rounds++;
        CHECK(rounds <= 12);
    }
    return rounds;
}

/* What an idle actor's trim does: LOCKED is the caller's (the word is
 * ours alone here); NORING when the ring went. */
static bool trim(void)
{
    bool trimmed = zactor__mailbox_trim(&mailbox, &pool, NULL);
    if (trimmed)
        atomic_fetch_or(&life, ZACTOR__LIFE_NORING);
    return trimmed;
}

static void owns_nothing(void *user, uint32_t tag, const void *payload)
{
    (void)user;
    (void)tag;
    (void)payload;
}

int main(void)
{
    CHECK_EQ(zactor__pool_init(&pool, 1, NULL), 0);
    atomic_init(&life, ZACTOR__LIFE_NORING);
    zactor__mailbox_init(&mailbox, &reader);

    for (uint64_t v = 0; v < 8; v++)
        CHECK(!push(v));        /* the first ring's 8 slots */
    uint64_t next = take(0, 2); /* slots of 0 and 1 come back (no letter waits) */
    CHECK(!push(8));            /* 8 - released (2) < 8: a slot the take freed */
    CHECK(!push(9));
    CHECK(push(10)); /* 10 - 2 = 8: a letter */
    /* Handing back the slots of 2 and 3 (a quarter of the ring), the
     * consumer finds the letter on the stack and grows the ring at once:
     * 32 slots (4 x 8, for 7 queued) from ticket 11 on. */
    next = take(next, 2);
    CHECK(!push(11)); /* the grown ring's first lap */
    /* 4..9 from the old ring, 10 from the letters, 11 from the new ring. */
    next = take(next, 8);
    CHECK_EQ(next, 12);
    CHECK(nothing_left());

    /* The grown ring (32 slots) takes a burst of 20 without a letter. */
    for (uint64_t v = 12; v < 32; v++)
        CHECK(!push(v));
    next = take(next, 20);
    CHECK(nothing_left());

    /* The first lap. The 32-slot ring holds 32 of 52; the consumer, handing
     * back the first 8 slots, finds letters on the stack and grows the ring
     * to 256 slots (4 x 32 is less than 4 x 44 queued) from b = first + 52
     * on, then takes 33 (the 33rd from the letters). */
    uint64_t first = next;
    CHECK_EQ(push_range(first, 52), 20);
    next = take(next, 33);
    /* released (first + 33) is before b: every one of the next 256
     * tickets finds a never-used slot; the 257th is one lap on, where
     * ticket b still waits: a letter. */
    CHECK_EQ(push_range(first + 52, 256), 0);
    CHECK(push(first + 308));
    /* The 19 letters, then b: the old ring goes, a letter waits, so the
     * ring grows at once: 2048 slots (4 x 257 queued, rounded up) from
     * first + 309 on. */
    next = take(next, 19 + 256 + 1);
    CHECK(nothing_left());

    /* Growth as soon as the consumer notices letters, not when it reaches
     * them. 10 letters past the 2048 slots; handing back the first 512
     * slots, the consumer finds them on the stack and grows the ring to
     * 8192 (for 1546 queued) from b = first + 2058, while the old ring
     * still holds tickets; 8192 more fill the new ring's first lap, 5 more
     * are letters. */
    first = next;
    CHECK_EQ(push_range(first, 2058), 10);
    next = take(next, 2049);
    CHECK_EQ(push_range(first + 2058, 8197), 5);
    /* Growth as soon as the consumer reaches base with letters waiting:
     * the 9 letters left, then b: the old ring is freed, 5 letters wait,
     * so the ring grows at once (to 65536, for 8197 queued), and the next
     * sends take its first lap rather than letters. */
    next = take(next, 10);
    CHECK_EQ(push_range(first + 2058 + 8197, 16), 0);
    next = take(next, 8191 + 5 + 16);
    CHECK(nothing_left());

    /* A backlog of 150,000 overflows the 65536 slots once; the ring the
     * consumer grows holds the next one. */
    CHECK_EQ(rounds_until_ring_holds(&next, 150000), 2);
    CHECK(trim());  /* past 4096 slots: given back */
    CHECK(!trim()); /* nothing left to give */

    /* From the first ring again: 8 slots, then 2048 hold 500. */
    CHECK_EQ(rounds_until_ring_holds(&next, 500), 2);
    CHECK(!trim()); /* kept */
    CHECK_EQ(backlog_round(&next, 500), 0);

    uint32_t tail = zactor__life_tail(atomic_load(&life));
    CHECK_EQ(zactor__mailbox_clear(&mailbox, &reader, tail, &pool, NULL, owns_nothing, NULL), 0);
    zactor__pool_destroy(&pool);
    return 0;
}
