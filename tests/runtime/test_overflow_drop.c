/* Letters that took the overflow path are not lost when their actor stops
 * or the system is destroyed part-way through them. One worker is held by
 * a first message while this thread queues LETTERS letters behind it: the
 * ring fills and the rest go to the overflow list. Once let go, the actor
 * handles every ring letter and then half of the overflow letters (so the
 * consumer has taken overflow letters it has not handled yet), and then:
 *   stop     calls zactor_stop(ctx): the rest are dead letters of the
 *            stopped actor;
 *   destroy  calls zactor_system_stop(): the rest are dead letters freed by
 *            zactor_system_destroy.
 * Every letter owns a bytes buffer of its own (a third of them are medium,
 * boxed messages): a handled letter releases it in its handler, a dropped
 * one in its drop function. Checked in every build: handled + dropped ==
 * sent, every dropped letter is a dead letter (counter and hook), every
 * buffer was released; LSan also sees any buffer that was not. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"
#include "system.h" /* zactor__system_overflow_letters */

#define LETTERS 4000u
#define LETTER_TYPE_ID 0x1e77e401u
#define BIG_LETTER_TYPE_ID 0x1e77e402u

typedef struct Hold {
    uint64_t unused;
} Hold;
typedef struct Letter {
    zactor_bytes data; /* holds seq, to check it arrived with its letter */
    uint64_t seq;
} Letter;
typedef struct BigLetter {
    zactor_bytes data;
    uint64_t seq;
    unsigned char pad[200]; /* a pooled block */
} BigLetter;
TEST_SLOT(HoarderSlot, Hold hold; Letter letter;);

enum { TAG_HOLD, TAG_LETTER, TAG_BIG_LETTER };

static test_gate gate;
static uint64_t stop_after; /* set before the gate opens */
static bool stop_system;    /* the destroy case */
/* Relaxed atomics: read after zactor_system_wait() or destroy. */
static atomic_ullong handled, dropped, live_buffers, out_of_order, bad_data;
static atomic_ullong hooked, hooked_wrong;

/* What a letter owns: its buffer, holding its seq. */
static void release_letter(zactor_bytes data, uint64_t seq)
{
    uint64_t held;
    if (zactor_bytes_size(data) != sizeof held) {
        atomic_fetch_add(&bad_data, 1);
    } else {
        memcpy(&held, zactor_bytes_data(data), sizeof held);
        if (held != seq)
            atomic_fetch_add(&bad_data, 1);
    }
    zactor_bytes_release(data);
    atomic_fetch_sub(&live_buffers, 1);
}

static void on_hold(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    test_gate_hold(&gate);
}

static void handle_letter(zactor_ctx *ctx, zactor_bytes data, uint64_t seq)
{
    uint64_t n = atomic_fetch_add(&handled, 1);
    if (seq != n) /* one sender: FIFO, ring first, then the overflow letters */
        atomic_fetch_add(&out_of_order, 1);
    release_letter(data, seq); /* what the generated handler thunk does */
    if (n + 1 == stop_after) {
        if (stop_system)
            zactor_system_stop(zactor_ctx_system(ctx));
        else
            zactor_stop(ctx);
    }
}

static void on_letter(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Letter *letter = msg;
    handle_letter(ctx, letter->data, letter->seq);
}

static void on_big_letter(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const BigLetter *letter = msg;
    handle_letter(ctx, letter->data, letter->seq);
}

static void drop_letter(const void *msg)
{
    const Letter *letter = msg;
    atomic_fetch_add(&dropped, 1);
    release_letter(letter->data, letter->seq);
}

static void drop_big_letter(const void *msg)
{
    const BigLetter *letter = msg;
    atomic_fetch_add(&dropped, 1);
    release_letter(letter->data, letter->seq);
}

static const zactor_handler_entry hoarder_handlers[] = {
    TEST_ENTRY(on_hold),
    {.handle = on_letter, .drop = drop_letter, .message_type_id = LETTER_TYPE_ID},
    {.handle = on_big_letter, .drop = drop_big_letter, .message_type_id = BIG_LETTER_TYPE_ID},
};
static const zactor_actor_type hoarder_type =
    TEST_ACTOR_TYPE(name("test.Hoarder"), state(char), slot(HoarderSlot),
                    handlers(hoarder_handlers));

static void count_dead_letter(void *user, const char *actor_type_name, uint32_t message_type_id)
{
    (void)user;
    if (strcmp(actor_type_name, "test.Hoarder") != 0 ||
        (message_type_id != LETTER_TYPE_ID && message_type_id != BIG_LETTER_TYPE_ID))
        atomic_fetch_add(&hooked_wrong, 1);
    atomic_fetch_add(&hooked, 1);
}

static void send_letter(zactor_ref to, uint64_t seq)
{
    zactor_bytes data;
    CHECK_EQ(zactor_bytes_copy(&seq, sizeof seq, &data), 0);
    atomic_fetch_add(&live_buffers, 1);
    if (seq % 3 == 2) {
        BigLetter big = {data, seq, {0}};
        CHECK_EQ(zactor_send(to, &hoarder_type, TAG_BIG_LETTER, &big, sizeof big), 0);
    } else {
        Letter letter = {data, seq};
        CHECK_EQ(zactor_send(to, &hoarder_type, TAG_LETTER, &letter, sizeof letter), 0);
    }
}

static void run(bool destroy)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 1;
    cfg.dead_letter_hook = count_dead_letter;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    zactor_ref hoarder = zactor_spawn(sys, &hoarder_type, NULL);
    CHECK(!zactor_ref_is_null(hoarder));

    test_gate_close(&gate);
    CHECK_EQ(zactor_send(hoarder, &hoarder_type, TAG_HOLD, &(Hold){0}, sizeof(Hold)), 0);
    test_gate_wait_held(&gate);
    for (uint64_t seq = 0; seq < LETTERS; seq++)
        send_letter(hoarder, seq);
    /* Whatever the ring's size, most letters found it full (it is never
     * as big as LETTERS): stop halfway through the overflow letters. */
    uint64_t overflowed = zactor__system_overflow_letters(sys);
    CHECK(overflowed > LETTERS / 2 && overflowed <= LETTERS);
    stop_after = (LETTERS - overflowed) + overflowed / 2;
    stop_system = destroy;
    test_gate_open(&gate);

    if (destroy) {
        CHECK_EQ(zactor_system_wait(sys), ZACTOR_ESTOPPED);
        zactor_system_destroy(sys);
    } else {
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(zactor_system_dead_letters(sys), LETTERS - stop_after);
        zactor_system_destroy(sys);
    }
    printf("%s: %u letters, %llu through the overflow list: %llu handled, %llu dead letters\n",
           destroy ? "destroy" : "stop", LETTERS, (unsigned long long)overflowed,
           (unsigned long long)atomic_load(&handled), (unsigned long long)atomic_load(&hooked));
    /* A stopped system delivers nothing more, a stopped actor neither. */
    CHECK_EQ(atomic_load(&handled), stop_after);
    CHECK_EQ(atomic_load(&dropped), LETTERS - stop_after);
    CHECK_EQ(atomic_load(&hooked), LETTERS - stop_after);
    CHECK_EQ(atomic_load(&hooked_wrong), 0);
    CHECK_EQ(atomic_load(&live_buffers), 0);
    CHECK_EQ(atomic_load(&out_of_order), 0);
    CHECK_EQ(atomic_load(&bad_data), 0);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    if (strcmp(argv[1], "stop") == 0)
        run(false);
    else if (strcmp(argv[1], "destroy") == 0)
        run(true);
    else
        CHECK(!"unknown case");
    return 0;
}
