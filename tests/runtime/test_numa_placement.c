/* NUMA placement on a synthetic 4-node machine: children run on their
 * parent's node, top-level spawns go to the least loaded node, a send from
 * outside the system queues an idle actor on its home node, and the worker
 * woken for it is one of that node's. */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "actor.h" /* zactor_cell.home */
#include "numa_test.h"
#include "parked.h"
#include "system.h"

#define PARENTS 64

/* ---- children spawned from a handler ---- */

typedef struct Child {
    unsigned parent;
    unsigned parent_node;
} Child;

typedef struct Parent {
    unsigned index;
} Parent;

TEST_SLOT(EmptySlot, char unused;);

static unsigned parent_node[PARENTS];
static unsigned child_ran_on[PARENTS];
static unsigned child_home[PARENTS];
static atomic_uint children_started;

static void child_on_start(void *self, zactor_ctx *ctx)
{
    Child *child = self;
    child_ran_on[child->parent] = zactor_ctx_numa_node(ctx);
    zactor_ref me = zactor_self(ctx);
    child_home[child->parent] = me.cell->home;
    atomic_fetch_add_explicit(&children_started, 1, memory_order_relaxed);
}

static const zactor_actor_type child_type =
    TEST_ACTOR_TYPE(name("test.Child"), state(Child), slot(EmptySlot), on_start(child_on_start));

static void parent_on_start(void *self, zactor_ctx *ctx)
{
    Parent *parent = self;
    unsigned node = zactor_ctx_numa_node(ctx);
    parent_node[parent->index] = node;
    Child init = {parent->index, node};
    CHECK(!zactor_ref_is_null(zactor_spawn(zactor_ctx_system(ctx), &child_type, &init)));
}

static const zactor_actor_type parent_type =
    TEST_ACTOR_TYPE(name("test.Parent"), state(Parent), slot(EmptySlot), on_start(parent_on_start));

static void test_child_on_parent_node(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    for (unsigned i = 0; i < PARENTS; i++) {
        Parent init = {i};
        CHECK(!zactor_ref_is_null(zactor_spawn(sys, &parent_type, &init)));
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&children_started), PARENTS);
    for (unsigned i = 0; i < PARENTS; i++) {
        CHECK(parent_node[i] < FOUR_NODES_COUNT);
        CHECK_EQ(child_home[i], parent_node[i]);
        CHECK_EQ(child_ran_on[i], parent_node[i]);
    }
    zactor_system_destroy(sys);
}

/* ---- top-level spawns by load ---- */

static void stop_handler(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

static const zactor_handler_entry idle_handlers[] = {TEST_ENTRY(stop_handler)};

static const zactor_actor_type idle_type =
    TEST_ACTOR_TYPE(name("test.Idle"), state(char), slot(EmptySlot), handlers(idle_handlers));

static unsigned spawn_idle(zactor_system *sys, zactor_ref *ref)
{
    *ref = zactor_spawn(sys, &idle_type, NULL);
    CHECK(!zactor_ref_is_null(*ref));
    return ref->cell->home;
}

static void test_spread_by_load(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    zactor_ref refs[8];
    unsigned per_node[FOUR_NODES_COUNT] = {0};
    /* Equal loads: a burst of spawns goes round the nodes. */
    for (unsigned i = 0; i < 8; i++)
        per_node[spawn_idle(sys, &refs[i])]++;
    for (unsigned n = 0; n < FOUR_NODES_COUNT; n++)
        CHECK_EQ(per_node[n], 2);
    /* Stop the actors of nodes 0 and 1: the next four spawns fill those
     * two nodes (round robin would give each node one). */
    for (unsigned i = 0; i < 8; i++) {
        if (refs[i].cell->home <= 1)
            CHECK_EQ(zactor_send(refs[i], &idle_type, 0, NULL, 0), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    memset(per_node, 0, sizeof per_node);
    zactor_ref more[4];
    for (unsigned i = 0; i < 4; i++)
        per_node[spawn_idle(sys, &more[i])]++;
    const unsigned expected[FOUR_NODES_COUNT] = {2, 2, 0, 0};
    for (unsigned n = 0; n < FOUR_NODES_COUNT; n++)
        CHECK_EQ(per_node[n], expected[n]);
    zactor_system_destroy(sys);

    /* Load is per worker: 6 workers are 4 on node 0 and 2 on node 1. */
    sys = start_synthetic(FOUR_NODES, 6);
    memset(per_node, 0, sizeof per_node);
    for (unsigned i = 0; i < 6; i++)
        per_node[spawn_idle(sys, &refs[i])]++;
    CHECK_EQ(per_node[0], 4);
    CHECK_EQ(per_node[1], 2);
    zactor_system_destroy(sys);
}

/* ---- a send from outside wakes an idle actor on its home node ---- */

static atomic_uint blocked;
static atomic_bool release_blockers;

static void blocker_on_start(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&blocked, 1);
    while (!atomic_load(&release_blockers))
        sleep_ms(1);
}

static const zactor_actor_type blocker_type =
    TEST_ACTOR_TYPE(name("test.Blocker"), state(char), slot(EmptySlot), on_start(blocker_on_start));

static void test_outside_send_injects_home(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    zactor_ref first[2], target;
    spawn_idle(sys, &first[0]);
    spawn_idle(sys, &first[1]);
    CHECK_EQ(spawn_idle(sys, &target), 2);
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* Hold every worker in a handler, so the woken target stays queued
     * where the send put it. */
    for (unsigned i = 0; i < FOUR_NODES_WORKERS; i++)
        CHECK(!zactor_ref_is_null(zactor_spawn(sys, &blocker_type, NULL)));
    while (atomic_load(&blocked) < FOUR_NODES_WORKERS)
        sleep_ms(1);
    CHECK_EQ(zactor_send(target, &idle_type, 0, NULL, 0), 0);
    for (unsigned n = 0; n < FOUR_NODES_COUNT; n++) {
        size_t queued = atomic_load(&sys->sched.nodes[n].inject_length);
        CHECK_EQ(queued, n == 2 ? 1 : 0);
    }
    atomic_store(&release_blockers, true);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_send(target, &idle_type, 0, NULL, 0), ZACTOR_EDEAD);
    zactor_system_destroy(sys);
}

/* ---- waking a sleeper of the home node ---- */

static atomic_uint woken_ran_on = UINT32_MAX;

static void woken_on_start(void *self, zactor_ctx *ctx)
{
    (void)self;
    atomic_store(&woken_ran_on, zactor_ctx_numa_node(ctx));
}

static const zactor_actor_type woken_type =
    TEST_ACTOR_TYPE(name("test.Woken"), state(char), slot(EmptySlot), on_start(woken_on_start));

/* With every worker parked, work pushed on a node wakes a worker of that
 * node, which finds it in its own node's inject queue: nobody else is
 * awake to take it. */
static void test_wakes_home_node(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    for (unsigned i = 0; i < 2 * FOUR_NODES_COUNT; i++) {
        /* Asleep for good, not merely counted: a worker that counted
         * itself may still use a leftover wake token and search. */
        while (!test_workers_asleep(sys, FOUR_NODES_WORKERS))
            sleep_ms(1);
        zactor_ref ref = zactor_spawn(sys, &woken_type, NULL);
        CHECK(!zactor_ref_is_null(ref));
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&woken_ran_on), ref.cell->home);
    }
    zactor_system_destroy(sys);
}

int main(void)
{
    test_child_on_parent_node();
    test_spread_by_load();
    test_outside_send_injects_home();
    test_wakes_home_node();
    printf("numa_placement: ok\n");
    return 0;
}
