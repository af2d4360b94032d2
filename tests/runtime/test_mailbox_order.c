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
 * round must use the grown ring. */
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
static zactor_actor_type type;

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

static void owns_nothing(void *user, uint32_t tag, const void *payload)
{
    (void)user;
    (void)tag;
    (void)payload;
}

int main(void)
{
    CHECK_EQ(zactor__pool_init(&pool, 1, NULL), 0);
    type.abi_version = ZACTOR_ABI_VERSION;
    type.name = "test.Order";
    type.slot_size = sizeof(NumberSlot);
    atomic_init(&life, ZACTOR__LIFE_NORING);
    zactor__mailbox_init(&mailbox, &reader);

    for (uint64_t v = 0; v < 8; v++)
        CHECK(!push(v));  /* the first ring's 8 slots */
    CHECK(push(8));       /* full: a letter */
    uint64_t next = take(0, 2); /* slots of 0 and 1 come back */
    CHECK(!push(9));      /* 9 - released(2) < 8: the old ring's free slot */
    CHECK(push(10));      /* 10 - 2 = 8: a letter */
    /* 2..7 from the ring, 8 from the letters (the ring grows: 9 stays in
     * the old ring), 9 from the old ring, 10 from the letters. */
    next = take(next, 9);
    CHECK_EQ(next, 11);
    CHECK(nothing_left());

    /* The grown ring (32 slots) takes a burst of 20 without a letter. */
    for (uint64_t v = 11; v < 31; v++)
        CHECK(!push(v));
    next = take(next, 20);
    CHECK(nothing_left());

    uint32_t tail = zactor__life_tail(atomic_load(&life));
    CHECK_EQ(zactor__mailbox_clear(&mailbox, &reader, tail, &pool, NULL, owns_nothing, NULL), 0);
    zactor__pool_destroy(&pool);
    return 0;
}
