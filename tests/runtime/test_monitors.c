/* test_monitors.c - monitors: one Down per monitor when the target ends
 * (its ref, type name and reason), or at once when it had ended already;
 * none after zactor_demonitor, even for a Down already sent; none for a
 * watcher that has ended (and no dead letter for it); ETYPE without an
 * `on down` entry; and a monitor set while its target is being killed
 * gets exactly one Down, never zero, never two. */
#include <pthread.h>
#include <string.h>

#include "rt_test.h"

#define RACE_ROUNDS 400u

typedef struct Order {
    uint32_t what;
    int code;
    zactor_ref target;
} Order;

enum {
    ORDER_STOP,
    ORDER_FAIL,
    ORDER_MONITOR,
    ORDER_MONITOR_TWICE,
    ORDER_HOLD_DEMONITOR,
    ORDER_HOLD_STOP,
    ORDER_NOTE
};

typedef struct Watcher {
    uint32_t id;
    uint64_t monitor; /* the last id zactor_monitor gave */
} Watcher;

#define MAX_WATCHERS (RACE_ROUNDS + 16u)
static atomic_uint downs[MAX_WATCHERS];
static atomic_int monitor_rcs[MAX_WATCHERS];
static zactor_down last_down[MAX_WATCHERS];
static atomic_uint dropped_downs;
static test_gate gate;
static atomic_uint target_stops;
static atomic_bool hold_then_demonitor_done;

static const zactor_actor_type target_type;
static const zactor_actor_type watcher_type;
static const zactor_actor_type plain_type;

static void target_on_order(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Order *order = msg;
    if (order->what == ORDER_STOP)
        zactor_stop(ctx);
    else if (order->what == ORDER_FAIL)
        zactor_fail(ctx, order->code);
}

static void target_on_stop(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&target_stops, 1);
}

static void watcher_on_order(void *self, zactor_ctx *ctx, const void *msg)
{
    Watcher *watcher = self;
    const Order *order = msg;
    switch (order->what) {
    case ORDER_MONITOR:
        atomic_store(&monitor_rcs[watcher->id],
                     zactor_monitor(ctx, order->target, &target_type, &watcher->monitor));
        break;
    case ORDER_MONITOR_TWICE:
        CHECK_EQ(zactor_monitor(ctx, order->target, &target_type, &watcher->monitor), 0);
        CHECK_EQ(zactor_monitor(ctx, order->target, &target_type, &watcher->monitor), 0);
        break;
    case ORDER_HOLD_DEMONITOR:
        /* Held until the target has ended and its Down is queued here;
         * then the demonitor must still win. */
        test_gate_hold(&gate);
        CHECK_EQ(zactor_demonitor(ctx, watcher->monitor), 0);
        CHECK_EQ(zactor_demonitor(ctx, watcher->monitor), ZACTOR_EARG);
        atomic_store(&hold_then_demonitor_done, true);
        break;
    case ORDER_STOP:
        zactor_stop(ctx);
        break;
    case ORDER_HOLD_STOP:
        test_gate_hold(&gate);
        zactor_stop(ctx);
        break;
    default:
        break;
    }
}

/* What the generated dispatch of `on down` does. */
static void watcher_on_down(void *self, zactor_ctx *ctx, const void *msg)
{
    Watcher *watcher = self;
    const zactor_down *down = msg;
    if (!zactor_down_take(ctx, down)) {
        atomic_fetch_add(&dropped_downs, 1);
        return;
    }
    last_down[watcher->id] = *down;
    atomic_fetch_add(&downs[watcher->id], 1);
}

TEST_SLOT(OrderSlot, Order order;);
static const zactor_handler_entry target_handlers[] = {TEST_ENTRY(target_on_order)};
static const zactor_actor_type target_type =
    TEST_ACTOR_TYPE(name("test.Target"), state(char), slot(OrderSlot), handlers(target_handlers),
                    on_stop(target_on_stop));
static const zactor_handler_entry watcher_handlers[] = {
    TEST_ENTRY(watcher_on_order),
    {.handle = watcher_on_down, .flags = ZACTOR_HANDLER_DOWN},
};
static const zactor_actor_type watcher_type =
    TEST_ACTOR_TYPE(name("test.Watcher"), state(Watcher), slot(OrderSlot),
                    handlers(watcher_handlers));
/* Like a watcher, without `on down`. */
static const zactor_handler_entry plain_handlers[] = {TEST_ENTRY(watcher_on_order)};
static const zactor_actor_type plain_type =
    TEST_ACTOR_TYPE(name("test.Plain"), state(Watcher), slot(OrderSlot), handlers(plain_handlers));

static uint32_t next_watcher;

static zactor_ref spawn_watcher(zactor_system *sys, const zactor_actor_type *type, uint32_t *id)
{
    *id = next_watcher++;
    CHECK(*id < MAX_WATCHERS);
    Watcher init = {*id, 0};
    atomic_store(&monitor_rcs[*id], 1);
    zactor_ref ref = zactor_spawn(sys, type, &init);
    CHECK(!zactor_ref_is_null(ref));
    return ref;
}

static void send_order(zactor_ref to, const zactor_actor_type *type, uint32_t what, int code,
                       zactor_ref target)
{
    Order order = {what, code, target};
    CHECK_EQ(zactor_send(to, type, 0, &order, sizeof order), 0);
}

static void check_one_down(uint32_t watcher, zactor_ref target, zactor_end_kind kind, int code)
{
    CHECK_EQ(atomic_load(&downs[watcher]), 1);
    CHECK(last_down[watcher].ref.cell == target.cell);
    CHECK_EQ(last_down[watcher].ref.generation, target.generation);
    CHECK(strcmp(last_down[watcher].type_name, "test.Target") == 0);
    CHECK_EQ(last_down[watcher].reason.kind, kind);
    CHECK_EQ(last_down[watcher].reason.code, code);
    CHECK(last_down[watcher].monitor != 0);
}

static void test_basic(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    uint32_t w, twice, plain_id;
    zactor_ref watcher = spawn_watcher(sys, &watcher_type, &w);
    zactor_ref double_watcher = spawn_watcher(sys, &watcher_type, &twice);
    zactor_ref plain = spawn_watcher(sys, &plain_type, &plain_id);
    send_order(watcher, &watcher_type, ORDER_MONITOR, 0, target);
    send_order(double_watcher, &watcher_type, ORDER_MONITOR_TWICE, 0, target);
    send_order(plain, &plain_type, ORDER_MONITOR, 0, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&downs[w]), 0);
    send_order(target, &target_type, ORDER_FAIL, 77, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&monitor_rcs[w]), 0);
    check_one_down(w, target, ZACTOR_END_FAILED, 77);
    CHECK_EQ(atomic_load(&downs[twice]), 2);
    CHECK_EQ(atomic_load(&downs[plain_id]), 0);

    /* Monitors set after the end: the Down comes at once. The cell may
     * still hold the reason, or have been reused (GONE). */
    uint32_t late;
    zactor_ref late_watcher = spawn_watcher(sys, &watcher_type, &late);
    send_order(late_watcher, &watcher_type, ORDER_MONITOR, 0, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&downs[late]), 1);
    CHECK(last_down[late].reason.kind == ZACTOR_END_FAILED ||
          last_down[late].reason.kind == ZACTOR_END_GONE);
    zactor_system_stop(sys);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A watcher's own checks, read through its state after the fact. */
static void test_errors_and_gone(void)
{
    zactor_system *sys = start_system(1);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    uint32_t plain_id, w;
    zactor_ref plain = spawn_watcher(sys, &plain_type, &plain_id);
    send_order(plain, &plain_type, ORDER_MONITOR, 0, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&monitor_rcs[plain_id]), ZACTOR_ETYPE);
    CHECK_EQ(zactor_monitor(NULL, target, &target_type, &(uint64_t){0}), ZACTOR_EARG);
    CHECK_EQ(zactor_demonitor(NULL, 1), ZACTOR_EARG);
    CHECK_EQ(zactor_down_take(NULL, NULL), false);

    /* Stop the target, then reuse its cell (the free list is LIFO): a
     * monitor on the old ref gets a Down with the reason gone. */
    send_order(target, &target_type, ORDER_STOP, 0, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    zactor_ref reuse = zactor_spawn(sys, &target_type, NULL);
    CHECK(reuse.cell == target.cell && reuse.generation != target.generation);
    zactor_ref watcher = spawn_watcher(sys, &watcher_type, &w);
    send_order(watcher, &watcher_type, ORDER_MONITOR, 0, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    check_one_down(w, target, ZACTOR_END_GONE, 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A Down sent but not yet dispatched is dropped by a demonitor; a watcher
 * that ends first is told nothing, and the Down is no dead letter. */
static void test_demonitor_and_dead_watcher(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    uint32_t w;
    zactor_ref watcher = spawn_watcher(sys, &watcher_type, &w);
    send_order(watcher, &watcher_type, ORDER_MONITOR, 0, target);
    CHECK_EQ(zactor_system_wait(sys), 0);
    unsigned stops_before = atomic_load(&target_stops);
    unsigned dropped_before = atomic_load(&dropped_downs);
    test_gate_close(&gate);
    send_order(watcher, &watcher_type, ORDER_HOLD_DEMONITOR, 0, target);
    test_gate_wait_held(&gate);
    send_order(target, &target_type, ORDER_STOP, 0, target);
    while (atomic_load(&target_stops) == stops_before)
        sleep_ms(1);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK(atomic_load(&hold_then_demonitor_done));
    CHECK_EQ(atomic_load(&downs[w]), 0);
    CHECK_EQ(atomic_load(&dropped_downs) - dropped_before, 1);

    /* The watcher ends before its target. */
    zactor_ref target2 = zactor_spawn(sys, &target_type, NULL);
    uint32_t w2;
    zactor_ref watcher2 = spawn_watcher(sys, &watcher_type, &w2);
    send_order(watcher2, &watcher_type, ORDER_MONITOR, 0, target2);
    send_order(watcher2, &watcher_type, ORDER_STOP, 0, target2);
    CHECK_EQ(zactor_system_wait(sys), 0);
    uint64_t dead_before = zactor_system_dead_letters(sys);
    send_order(target2, &target_type, ORDER_STOP, 0, target2);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&downs[w2]), 0);
    CHECK_EQ(zactor_system_dead_letters(sys), dead_before);

    /* The watcher ends with the Down queued: dropped, not a dead letter. */
    zactor_ref target3 = zactor_spawn(sys, &target_type, NULL);
    uint32_t w3;
    zactor_ref watcher3 = spawn_watcher(sys, &watcher_type, &w3);
    send_order(watcher3, &watcher_type, ORDER_MONITOR, 0, target3);
    CHECK_EQ(zactor_system_wait(sys), 0);
    stops_before = atomic_load(&target_stops);
    test_gate_close(&gate);
    send_order(watcher3, &watcher_type, ORDER_HOLD_STOP, 0, target3);
    test_gate_wait_held(&gate);
    send_order(target3, &target_type, ORDER_STOP, 0, target3);
    while (atomic_load(&target_stops) == stops_before)
        sleep_ms(1);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&downs[w3]), 0);
    CHECK_EQ(zactor_system_dead_letters(sys), dead_before);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* Monitor and kill at the same moment, from two threads: exactly one Down
 * per monitor, with the kill's reason or (the monitor came after the
 * end) the reason kept in the cell or GONE. */
typedef struct race_args {
    zactor_ref target;
    atomic_bool go;
} race_args;

static void *killer_main(void *arg)
{
    race_args *args = arg;
    while (!atomic_load(&args->go))
        ;
    CHECK_EQ(zactor_kill(args->target, 5), 0);
    return NULL;
}

static void test_monitor_races_end(void)
{
    zactor_system *sys = start_system(2);
    for (uint32_t round = 0; round < scaled(RACE_ROUNDS); round++) {
        static race_args args;
        args.target = zactor_spawn(sys, &target_type, NULL);
        atomic_store(&args.go, false);
        uint32_t w;
        zactor_ref watcher = spawn_watcher(sys, &watcher_type, &w);
        pthread_t killer;
        CHECK_EQ(pthread_create(&killer, NULL, killer_main, &args), 0);
        atomic_store(&args.go, true);
        send_order(watcher, &watcher_type, ORDER_MONITOR, 0, args.target);
        CHECK_EQ(pthread_join(killer, NULL), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        if (atomic_load(&downs[w]) != 1)
            fprintf(stderr, "round %u: %u Downs\n", round, atomic_load(&downs[w]));
        CHECK_EQ(atomic_load(&downs[w]), 1);
        zactor_end_kind kind = last_down[w].reason.kind;
        CHECK(kind == ZACTOR_END_KILLED || kind == ZACTOR_END_GONE);
        if (kind == ZACTOR_END_KILLED)
            CHECK_EQ(last_down[w].reason.code, 5);
        send_order(watcher, &watcher_type, ORDER_STOP, 0, args.target);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

int main(void)
{
    test_basic();
    test_errors_and_gone();
    test_demonitor_and_dead_watcher();
    test_monitor_races_end();
    puts("monitors: ok");
    return 0;
}
