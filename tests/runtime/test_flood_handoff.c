/* A handler that floods an actor does not keep it waiting: the flooded
 * actor is first queued in the sending worker's LIFO slot (it would run
 * next there), but after ZACTOR__SLOT_PATIENCE sends it moves where the
 * other, idle worker takes it, so it handles messages while the flooding
 * handler is still running. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

typedef struct Flood {
    uint64_t count;
    zactor_ref sink;
} Flood;
typedef struct Drop {
    uint64_t value;
} Drop;
TEST_SLOT(AnySlot, Flood flood; Drop drop;);

enum { TAG_FLOOD, TAG_DROP };

static const zactor_actor_type any_type;
static atomic_bool flooding;
static atomic_ullong handled, handled_while_flooding;

static void on_flood(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    const Flood *flood = msg;
    Drop drop = {1};
    atomic_store(&flooding, true);
    for (uint64_t i = 0; i < flood->count; i++)
        CHECK_EQ(zactor_send(flood->sink, &any_type, TAG_DROP, &drop, sizeof drop), 0);
    atomic_store(&flooding, false);
}

static void on_drop(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&handled, 1);
    if (atomic_load(&flooding))
        atomic_fetch_add(&handled_while_flooding, 1);
}

static const zactor_handler_entry any_handlers[] = {TEST_ENTRY(on_flood), TEST_ENTRY(on_drop)};
static const zactor_actor_type any_type = {
    ZACTOR_ABI_VERSION, "test.Any", 1, 1, sizeof(AnySlot), 2, any_handlers, NULL, NULL};

int main(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref flooder = zactor_spawn(sys, &any_type, NULL);
    zactor_ref sink = zactor_spawn(sys, &any_type, NULL);
    CHECK(!zactor_ref_is_null(flooder) && !zactor_ref_is_null(sink));
    const uint64_t count = 2000000;
    Flood flood = {count, sink};
    CHECK_EQ(zactor_send(flooder, &any_type, TAG_FLOOD, &flood, sizeof flood), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&handled), count);
    printf("flood handoff: %llu of %llu messages handled while the flood was being sent\n",
           (unsigned long long)atomic_load(&handled_while_flooding), (unsigned long long)count);
    CHECK(atomic_load(&handled_while_flooding) > 0);
    zactor_system_destroy(sys);
    return 0;
}
