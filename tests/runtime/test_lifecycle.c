/* `on start` runs before the first message, even when messages were sent
 * right after spawn, and also when no message ever comes; `on stop` runs
 * exactly once: after a self-stop in a handler or in `on start`, or at
 * destroy for actors still alive. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

enum { A_EARLY, A_QUIET, A_SELF_STOP, A_STOP_IN_START, A_ALIVE, ACTORS };

typedef struct Msg {
    uint32_t stop;
} Msg;
TEST_SLOT(LifeSlot, Msg msg;);

typedef struct Life {
    uint32_t id;
    bool stop_in_start;
    bool started;
    uint64_t messages;
} Life;

static atomic_int starts[ACTORS], stops[ACTORS], early_messages[ACTORS];
static atomic_ullong messages_seen[ACTORS];

static void life_on_start(void *self, zactor_ctx *ctx)
{
    Life *life = self;
    sleep_ms(20); /* messages sent meanwhile must wait for us */
    life->started = true;
    atomic_fetch_add(&starts[life->id], 1);
    if (life->stop_in_start)
        zactor_stop(ctx);
}

static void life_on_stop(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    Life *life = self;
    if (!life->started)
        atomic_fetch_add(&early_messages[life->id], 1000); /* stop before start */
    atomic_fetch_add(&stops[life->id], 1);
}

static void life_on_msg(void *self, zactor_ctx *ctx, const void *msg)
{
    Life *life = self;
    if (!life->started)
        atomic_fetch_add(&early_messages[life->id], 1);
    atomic_fetch_add(&messages_seen[life->id], 1);
    if (((const Msg *)msg)->stop)
        zactor_stop(ctx);
}

static const zactor_handler_entry life_handlers[] = {TEST_ENTRY(life_on_msg)};
static const zactor_actor_type life_type =
    TEST_ACTOR_TYPE(name("test.Life"), state(Life), slot(LifeSlot), handlers(life_handlers),
                    on_start(life_on_start), on_stop(life_on_stop));

static zactor_ref spawn_life(zactor_system *sys, uint32_t id, bool stop_in_start)
{
    Life init = {id, stop_in_start, false, 0};
    zactor_ref ref = zactor_spawn(sys, &life_type, &init);
    CHECK(!zactor_ref_is_null(ref));
    return ref;
}

static int send_msg(zactor_ref to, uint32_t stop)
{
    Msg msg = {stop};
    return zactor_send(to, &life_type, 0, &msg, sizeof msg);
}

int main(void)
{
    zactor_system *sys = start_system(0);
    zactor_ref early = spawn_life(sys, A_EARLY, false);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(send_msg(early, 0), 0);
    spawn_life(sys, A_QUIET, false);
    zactor_ref self_stop = spawn_life(sys, A_SELF_STOP, false);
    zactor_ref stop_in_start = spawn_life(sys, A_STOP_IN_START, true);
    zactor_ref alive = spawn_life(sys, A_ALIVE, false);
    CHECK_EQ(zactor_system_wait(sys), 0);

    for (int i = 0; i < ACTORS; i++)
        CHECK_EQ(atomic_load(&starts[i]), 1);
    CHECK_EQ(atomic_load(&messages_seen[A_EARLY]), 100);
    CHECK_EQ(atomic_load(&messages_seen[A_QUIET]), 0);
    CHECK_EQ(atomic_load(&stops[A_STOP_IN_START]), 1);
    CHECK_EQ(send_msg(stop_in_start, 0), ZACTOR_EDEAD);

    CHECK_EQ(send_msg(self_stop, 1), 0);
    CHECK_EQ(send_msg(alive, 0), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&stops[A_SELF_STOP]), 1);
    CHECK_EQ(send_msg(self_stop, 0), ZACTOR_EDEAD);
    CHECK_EQ(atomic_load(&stops[A_ALIVE]), 0);

    zactor_system_destroy(sys);
    for (int i = 0; i < ACTORS; i++) {
        CHECK_EQ(atomic_load(&stops[i]), 1);
        CHECK_EQ(atomic_load(&early_messages[i]), 0);
    }
    return 0;
}
