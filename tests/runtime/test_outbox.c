/* The outbox (runtime/src/worker.h, actor.c): once a handler's sends to an
 * actor take the outbox, they are counted in batches of
 * ZACTOR__OUTBOX_SLOTS with one CAS each, and nothing else the handler
 * does lets anything overtake them. One worker, so that no other thread
 * runs the targets while a handler sends; the outbox is chosen through
 * the runtime's own hook (what a failed counting CAS calls), which makes
 * the steps exact. Read off the targets' life words (tickets taken):
 *
 * - 31 sends take no ticket, the 32nd takes 32;
 * - a send to another actor first delivers what waits (causal order);
 * - so do a spawn, a message too big for the outbox (it goes alone,
 *   after them) and the handler's return (to an actor that nothing else
 *   would make run);
 * - the target handles every message once, in the order sent;
 * - sends to an actor that has ended return 0 while they wait; delivered,
 *   they are counted dead letters (their payloads dropped), and the next
 *   send gets ZACTOR_EDEAD. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"
#include "system.h" /* the life word, zactor__system_outbox_sends */
#include "worker.h" /* the outbox */

typedef struct Number {
    uint64_t seq;
} Number;
typedef struct Big {
    uint64_t seq;
    uint8_t filler[120]; /* past ZACTOR_SMALL_MAX: boxed, never in the outbox */
} Big;
typedef struct Go {
    uint32_t step;
} Go;
TEST_SLOT(AnySlot, Number number; Go go;);

enum { TAG_NUMBER, TAG_BIG, TAG_GO, TAG_STOP };

typedef struct Sink {
    uint64_t next;
    uint64_t errors;
} Sink;

static const zactor_actor_type any_type;
static zactor_ref sink, other, dead, late;
static Sink *sink_state, *late_state;
static atomic_uint steps_done;
static uint64_t sent;      /* Numbers and Bigs to sink, in order */
static uint64_t late_sent; /* Numbers to late */

static void on_number(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    Sink *state = self;
    if (((const Number *)msg)->seq != state->next)
        state->errors++;
    state->next++;
}

static void on_big(void *self, zactor_ctx *ctx, const void *msg)
{
    on_number(self, ctx, msg); /* seq is its first field too */
}

static void on_stop_request(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

static uint32_t tail_of(zactor_ref ref)
{
    return zactor__life_tail(atomic_load(&ref.cell->life));
}

static void send_number(zactor_ref to)
{
    Number number = {sent++};
    CHECK_EQ(zactor_send(to, &any_type, TAG_NUMBER, &number, sizeof number), 0);
}

static void poke(zactor_ref to)
{
    Number number = {0};
    CHECK_EQ(zactor_send(to, &any_type, TAG_NUMBER, &number, sizeof number), 0);
}

static void on_go(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    zactor_system *sys = zactor_ctx_system(ctx);
    zactor__worker *worker = zactor__worker_of(sys);
    CHECK(worker != NULL);
    uint32_t step = ((const Go *)msg)->step;
    if (step == 0) {
        /* Full batches: nothing counted until the 32nd. */
        zactor__outbox_choose(worker, sink, &any_type);
        uint32_t tail = tail_of(sink);
        for (unsigned i = 0; i < ZACTOR__OUTBOX_SLOTS - 1; i++)
            send_number(sink);
        CHECK_EQ(tail_of(sink), tail);
        send_number(sink);
        CHECK_EQ(tail_of(sink), tail + ZACTOR__OUTBOX_SLOTS);
        CHECK_EQ(worker->outbox.count, 0);

        /* A send to another actor goes after what waits. */
        for (unsigned i = 0; i < 5; i++)
            send_number(sink);
        CHECK_EQ(tail_of(sink), tail + ZACTOR__OUTBOX_SLOTS);
        poke(other);
        CHECK_EQ(tail_of(sink), tail + ZACTOR__OUTBOX_SLOTS + 5);

        /* The outbox still serves sink: a spawn delivers first too. */
        for (unsigned i = 0; i < 3; i++)
            send_number(sink);
        CHECK_EQ(worker->outbox.count, 3);
        zactor_ref child = zactor_spawn(sys, &any_type, NULL);
        CHECK(!zactor_ref_is_null(child));
        CHECK_EQ(tail_of(sink), tail + ZACTOR__OUTBOX_SLOTS + 8);

        /* A big message goes alone, after the small ones waiting. */
        for (unsigned i = 0; i < 2; i++)
            send_number(sink);
        Big big;
        memset(&big, 7, sizeof big);
        big.seq = sent++;
        CHECK_EQ(zactor_send(sink, &any_type, TAG_BIG, &big, sizeof big), 0);
        CHECK_EQ(tail_of(sink), tail + ZACTOR__OUTBOX_SLOTS + 11);
        CHECK(worker->outbox.to.cell == NULL); /* and the next ones too */
    } else if (step == 1) {
        /* What waits when the handler returns goes with it, here to the
         * only actor that will have anything to do: no other turn on this
         * worker would deliver it. */
        zactor__outbox_choose(worker, late, &any_type);
        uint32_t late_tail = tail_of(late);
        for (unsigned i = 0; i < 4; i++) {
            Number number = {late_sent++};
            CHECK_EQ(zactor_send(late, &any_type, TAG_NUMBER, &number, sizeof number), 0);
        }
        CHECK_EQ(tail_of(late), late_tail);
    } else if (step == 2) {
        CHECK(worker->outbox.to.cell == NULL);
        CHECK_EQ(worker->outbox.count, 0);
        /* An actor that has ended: the sends wait and return 0... */
        zactor__outbox_choose(worker, dead, &any_type);
        Number number = {0};
        for (unsigned i = 0; i < 3; i++)
            CHECK_EQ(zactor_send(dead, &any_type, TAG_NUMBER, &number, sizeof number), 0);
        /* ...then are dead letters once delivered (a send elsewhere). */
        uint64_t dead_before = zactor_system_dead_letters(sys);
        poke(other);
        CHECK_EQ(zactor_system_dead_letters(sys), dead_before + 3);
        /* The next send goes alone and gets the error. */
        CHECK_EQ(zactor_send(dead, &any_type, TAG_NUMBER, &number, sizeof number), ZACTOR_EDEAD);
    }
    atomic_fetch_add(&steps_done, 1);
}

static void on_start(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    if (!sink_state)
        sink_state = self;
    else if (!late_state)
        late_state = self;
}

static const zactor_handler_entry any_handlers[] = {TEST_ENTRY(on_number), TEST_ENTRY(on_big),
                                                    TEST_ENTRY(on_go), TEST_ENTRY(on_stop_request)};
static const zactor_actor_type any_type =
    TEST_ACTOR_TYPE(name("test.Any"), state(Sink), slot(AnySlot), handlers(any_handlers),
                    on_start(on_start));

int main(void)
{
    zactor_system *sys = start_system(1);
    sink = zactor_spawn(sys, &any_type, NULL);
    CHECK_EQ(zactor_system_wait(sys), 0); /* sink_state is sink's */
    late = zactor_spawn(sys, &any_type, NULL);
    CHECK_EQ(zactor_system_wait(sys), 0); /* late_state is late's */
    other = zactor_spawn(sys, &any_type, NULL);
    dead = zactor_spawn(sys, &any_type, NULL);
    zactor_ref driver = zactor_spawn(sys, &any_type, NULL);
    CHECK(!zactor_ref_is_null(other) && !zactor_ref_is_null(dead) && !zactor_ref_is_null(driver));
    Go stop = {0};
    CHECK_EQ(zactor_send(dead, &any_type, TAG_STOP, &stop, sizeof stop), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    uint64_t outbox_before = zactor__system_outbox_sends(sys);
    for (uint32_t step = 0; step < 3; step++) {
        Go go = {step};
        CHECK_EQ(zactor_send(driver, &any_type, TAG_GO, &go, sizeof go), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        /* Nothing waits in an outbox once the handler returned: the system
         * was quiescent with every message handled. */
        CHECK_EQ(sink_state->next, sent);
        CHECK_EQ(late_state->next, late_sent);
    }
    CHECK_EQ(atomic_load(&steps_done), 3);
    CHECK_EQ(sink_state->next, sent);
    CHECK_EQ(sink_state->errors, 0);
    CHECK_EQ(late_sent, 4);
    CHECK_EQ(late_state->errors, 0);
    /* 32 + 5 + 3 + 2 + 4 went through the outbox (not the big one, not the
     * dead actor's 3). */
    CHECK_EQ(zactor__system_outbox_sends(sys) - outbox_before, 46);
    zactor_system_destroy(sys);
    puts("outbox: batches of 32, delivered before anything that could overtake them");
    return 0;
}
