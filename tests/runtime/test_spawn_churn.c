/* Spawn and stop 100,000 actors in batches: half stop themselves in
 * `on start`, half on their first message. Checks that `on start` and
 * `on stop` ran once each, that every accepted message was either handled
 * or counted as a dead letter, and that cells are recycled (a batch reuses
 * the previous batch's cells, so no more cells than one batch are used).
 * Then one actor spawns thousands of children from its `on start`. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

#define BATCH 1000u

typedef struct Ping {
    uint32_t unused;
} Ping;
TEST_SLOT(ChurnSlot, Ping ping;);

typedef struct Churn {
    bool stop_in_start;
    uint64_t payload[3];
} Churn;

static atomic_ullong starts, stops, handled;

static void churn_on_start(void *self, zactor_ctx *ctx)
{
    atomic_fetch_add(&starts, 1);
    if (((Churn *)self)->stop_in_start)
        zactor_stop(ctx);
}

static void churn_on_stop(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&stops, 1);
}

static void churn_on_ping(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)msg;
    atomic_fetch_add(&handled, 1);
    zactor_stop(ctx);
}

static const zactor_handler_entry churn_handlers[] = {TEST_ENTRY(churn_on_ping)};
static const zactor_actor_type churn_type =
    TEST_ACTOR_TYPE(name("test.Churn"), state(Churn), slot(ChurnSlot), handlers(churn_handlers),
                    on_start(churn_on_start), on_stop(churn_on_stop));

/* A parent that spawns and pings many children from one handler: they all
 * land on its worker's deque, which must grow (256 entries at first). */
typedef struct Parent {
    uint32_t children;
} Parent;

static void parent_on_start(void *self, zactor_ctx *ctx)
{
    const Parent *parent = self;
    for (uint32_t i = 0; i < parent->children; i++) {
        Churn init = {false, {i, 0, 0}};
        zactor_ref child = zactor_spawn(zactor_ctx_system(ctx), &churn_type, &init);
        CHECK(!zactor_ref_is_null(child));
        Ping ping = {0};
        CHECK_EQ(zactor_send(child, &churn_type, 0, &ping, sizeof ping), 0);
    }
}

static const zactor_actor_type parent_type =
    TEST_ACTOR_TYPE(name("test.Parent"), state(Parent), slot(ChurnSlot), handlers(churn_handlers),
                    on_start(parent_on_start));

static int compare_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    uint64_t total = scaled(100000);
    if (total < 2 * BATCH)
        total = 2 * BATCH;
    zactor_cell **cells = malloc(total * sizeof *cells);
    CHECK(cells != NULL);
    zactor_system *sys = start_system(0);
    uint64_t accepted = 0;
    zactor_ref batch[BATCH];

    for (uint64_t done = 0; done < total;) {
        uint64_t n = total - done < BATCH ? total - done : BATCH;
        for (uint64_t i = 0; i < n; i++) {
            Churn init = {(done + i) % 2 == 0, {0, 0, 0}};
            batch[i] = zactor_spawn(sys, &churn_type, &init);
            CHECK(!zactor_ref_is_null(batch[i]));
            cells[done + i] = batch[i].cell;
        }
        /* Two pings each: the first stops a ping-stopper, the second (and
         * any ping to a start-stopper) is a dead letter if it got in. */
        for (uint64_t i = 0; i < n; i++) {
            Ping ping = {0};
            for (int k = 0; k < 2; k++) {
                int rc = zactor_send(batch[i], &churn_type, 0, &ping, sizeof ping);
                CHECK(rc == 0 || rc == ZACTOR_EDEAD);
                accepted += rc == 0;
            }
        }
        CHECK_EQ(zactor_system_wait(sys), 0);
        done += n;
        CHECK_EQ(atomic_load(&starts), done);
        CHECK_EQ(atomic_load(&stops), done);
        CHECK_EQ(atomic_load(&handled) + zactor_system_dead_letters(sys), accepted);
        for (uint64_t i = 0; i < n; i++) {
            Ping ping = {0};
            CHECK_EQ(zactor_send(batch[i], &churn_type, 0, &ping, sizeof ping), ZACTOR_EDEAD);
        }
    }
    CHECK_EQ(atomic_load(&handled), total / 2);

    qsort(cells, total, sizeof *cells, compare_ptr);
    uint64_t distinct = 0;
    for (uint64_t i = 0; i < total; i++)
        distinct += i == 0 || cells[i] != cells[i - 1];
    printf("%llu actors used %llu distinct cells\n", (unsigned long long)total,
           (unsigned long long)distinct);
    CHECK(distinct <= BATCH);
    free(cells);

    /* Spawned from a handler, on the deque: every child starts and stops. */
    Parent parent = {(uint32_t)scaled(20000) + 1000};
    uint64_t starts_before = atomic_load(&starts), handled_before = atomic_load(&handled);
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &parent_type, &parent)));
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts) - starts_before, parent.children);
    CHECK_EQ(atomic_load(&handled) - handled_before, parent.children);
    CHECK_EQ(atomic_load(&stops), total + parent.children);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&stops), total + parent.children);
    return 0;
}
