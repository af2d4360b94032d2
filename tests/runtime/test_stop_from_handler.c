/* zactor_system_stop from a handler: wait returns ZACTOR_ESTOPPED (again
 * and again), sends from the handler and from outside return
 * ZACTOR_ESTOPPED, spawns fail, destroy still cleans up. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

typedef struct Cmd {
    uint32_t stop;
} Cmd;
TEST_SLOT(CmdSlot, Cmd cmd;);

typedef struct Stopper {
    uint64_t handled;
} Stopper;

static atomic_int send_after_stop = 1;
static atomic_int stops;
static const zactor_actor_type stopper_type;

static void stopper_on_cmd(void *self, zactor_ctx *ctx, const void *msg)
{
    ((Stopper *)self)->handled++;
    if (((const Cmd *)msg)->stop) {
        zactor_system_stop(zactor_ctx_system(ctx));
        Cmd again = {0};
        atomic_store(&send_after_stop,
                     zactor_send(zactor_self(ctx), &stopper_type, 0, &again, sizeof again));
    }
}

static void stopper_on_stop(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&stops, 1);
}

static const zactor_handler_entry stopper_handlers[] = {TEST_ENTRY(stopper_on_cmd)};
static const zactor_actor_type stopper_type =
    TEST_ACTOR_TYPE(name("test.Stopper"), state(Stopper), slot(CmdSlot), handlers(stopper_handlers),
                    on_stop(stopper_on_stop));

int main(void)
{
    zactor_system *sys = start_system(0);
    zactor_ref stopper = zactor_spawn(sys, &stopper_type, NULL);
    CHECK(!zactor_ref_is_null(stopper));
    Cmd plain = {0}, stop = {1};
    CHECK_EQ(zactor_send(stopper, &stopper_type, 0, &plain, sizeof plain), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_send(stopper, &stopper_type, 0, &stop, sizeof stop), 0);
    CHECK_EQ(zactor_system_wait(sys), ZACTOR_ESTOPPED);
    CHECK_EQ(zactor_system_wait(sys), ZACTOR_ESTOPPED);
    /* wait returned as soon as the stop was requested; the handler may
     * still be running its send. */
    while (atomic_load(&send_after_stop) == 1)
        sleep_ms(1);
    CHECK_EQ(atomic_load(&send_after_stop), ZACTOR_ESTOPPED);
    CHECK_EQ(zactor_send(stopper, &stopper_type, 0, &plain, sizeof plain), ZACTOR_ESTOPPED);
    CHECK(zactor_ref_is_null(zactor_spawn(sys, &stopper_type, NULL)));
    zactor_system_stop(sys); /* idempotent */
    CHECK_EQ(atomic_load(&stops), 0);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&stops), 1); /* it never stopped itself: destroy ran it */
    return 0;
}
