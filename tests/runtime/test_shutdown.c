/* Destroy while actors flood each other: every spawned actor gets `on start`
 * exactly once and then `on stop` exactly once (some stop themselves on the
 * way, the rest at destroy, which also starts any actor still waiting for
 * its first turn), and every queued message is freed (ASan checks the
 * leaks). Several rounds. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

#define ACTORS 64
#define FANOUT 2

typedef struct Flood {
    uint64_t value;
    unsigned char pad[200]; /* some medium (pooled) messages too */
} Flood;

typedef struct Tiny {
    uint64_t value;
} Tiny;

TEST_SLOT(FloodSlot, Tiny tiny;);

typedef struct Flooder {
    uint32_t id;
    uint64_t rng;
} Flooder;

static zactor_ref peers[ACTORS];
static atomic_int started[ACTORS], stopped[ACTORS];
static atomic_llong budget; /* extra messages the flood may still create */
static const zactor_actor_type flooder_type;

static uint64_t next_random(Flooder *self)
{
    self->rng ^= self->rng << 13;
    self->rng ^= self->rng >> 7;
    self->rng ^= self->rng << 17;
    return self->rng;
}

static void flood(Flooder *self)
{
    /* One message per message received keeps the flood going; more while
     * the budget lasts makes it grow. */
    int fanout = atomic_fetch_sub(&budget, 1) > 0 ? FANOUT : 1;
    for (int i = 0; i < fanout; i++) {
        zactor_ref to = peers[next_random(self) % ACTORS];
        uint64_t r = next_random(self);
        int rc;
        if (r % 3 == 0) {
            Flood big = {r, {0}};
            rc = zactor_send(to, &flooder_type, 1, &big, sizeof big);
        } else {
            Tiny tiny = {r};
            rc = zactor_send(to, &flooder_type, 0, &tiny, sizeof tiny);
        }
        CHECK(rc == 0 || rc == ZACTOR_EDEAD || rc == ZACTOR_ESTOPPED);
    }
}

static void flooder_on_start(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    Flooder *flooder = self;
    atomic_fetch_add(&started[flooder->id], 1);
}

static void flooder_on_stop(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    atomic_fetch_add(&stopped[((Flooder *)self)->id], 1);
}

static void flooder_on_msg(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)msg;
    Flooder *flooder = self;
    if (next_random(flooder) % 5000 == 0)
        zactor_stop(ctx);
    flood(flooder);
}

static const zactor_handler_entry flooder_handlers[] = {TEST_ENTRY(flooder_on_msg), TEST_ENTRY(flooder_on_msg)};
static const zactor_actor_type flooder_type = {
    ZACTOR_ABI_VERSION, "test.Flooder", sizeof(Flooder), _Alignof(Flooder),
    sizeof(FloodSlot), 2, flooder_handlers, flooder_on_start, flooder_on_stop};

/* Spawned while the only worker is blocked, so it has not had its first
 * turn when the system stops: destroy must start it, then stop it. */
static atomic_int late_starts, late_stops, late_order_errors, late_deliveries;
static void late_on_message(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&late_deliveries, 1);
}
static const zactor_handler_entry late_handlers[] = {TEST_ENTRY(late_on_message), TEST_ENTRY(late_on_message)};
static void late_on_start(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    if (atomic_load(&late_stops) != 0)
        atomic_fetch_add(&late_order_errors, 1);
    atomic_fetch_add(&late_starts, 1);
}
static void late_on_stop(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    if (atomic_load(&late_starts) != 1)
        atomic_fetch_add(&late_order_errors, 1);
    atomic_fetch_add(&late_stops, 1);
}
static const zactor_actor_type late_type = {
    ZACTOR_ABI_VERSION, "test.Late", sizeof(Flooder), _Alignof(Flooder),
    sizeof(FloodSlot), 2, late_handlers, late_on_start, late_on_stop};

static atomic_bool blocker_entered, blocker_release;
static void blocker_on_start(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_store(&blocker_entered, true);
    while (!atomic_load(&blocker_release))
        sleep_ms(1);
}
static const zactor_actor_type blocker_type = {
    ZACTOR_ABI_VERSION, "test.Blocker", sizeof(Flooder), _Alignof(Flooder),
    sizeof(FloodSlot), 2, flooder_handlers, blocker_on_start, NULL};

static void run_round(unsigned workers, unsigned flood_ms)
{
    zactor_system *sys = start_system(workers);
    atomic_store(&budget, (long long)scaled(100000));
    for (uint32_t i = 0; i < ACTORS; i++) {
        atomic_store(&started[i], 0);
        atomic_store(&stopped[i], 0);
    }
    for (uint32_t i = 0; i < ACTORS; i++) {
        Flooder init = {i, 0x9E3779B97F4A7C15u * (i + 1)};
        peers[i] = zactor_spawn(sys, &flooder_type, &init);
        CHECK(!zactor_ref_is_null(peers[i]));
    }
    /* The flood starts once every peer's ref is known. */
    for (uint32_t i = 0; i < ACTORS; i++) {
        Tiny kick = {i};
        CHECK_EQ(zactor_send(peers[i], &flooder_type, 0, &kick, sizeof kick), 0);
    }
    sleep_ms(flood_ms);
    zactor_system_destroy(sys);
    unsigned ran = 0;
    for (uint32_t i = 0; i < ACTORS; i++) {
        CHECK_EQ(atomic_load(&started[i]), 1);
        CHECK_EQ(atomic_load(&stopped[i]), 1);
        ran += (unsigned)atomic_load(&started[i]);
    }
    printf("%u workers, %u ms: %u of %u actors started\n", workers, flood_ms, ran, ACTORS);
}

int main(void)
{
    for (unsigned round = 0; round < 3; round++) {
        run_round(0, 20 + 30 * round);
        run_round(1, 20);
    }
    /* An actor still waiting for its first turn when the system stops gets
     * `on start` then `on stop` from destroy, exactly once each; the
     * message queued for it is not delivered (and freed: ASan checks);
     * spawns and sends after the stop fail. */
    zactor_system *sys = start_system(1);
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &blocker_type, NULL)));
    while (!atomic_load(&blocker_entered))
        sleep_ms(1);
    Tiny tiny = {1};
    Flooder late_init = {0, 1};
    zactor_ref late = zactor_spawn(sys, &late_type, &late_init);
    CHECK(!zactor_ref_is_null(late));
    CHECK_EQ(zactor_send(late, &late_type, 0, &tiny, sizeof tiny), 0);
    zactor_system_stop(sys);
    CHECK(zactor_ref_is_null(zactor_spawn(sys, &late_type, NULL)));
    CHECK_EQ(zactor_send(late, &late_type, 0, &tiny, sizeof tiny), ZACTOR_ESTOPPED);
    atomic_store(&blocker_release, true);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&late_starts), 1);
    CHECK_EQ(atomic_load(&late_stops), 1);
    CHECK_EQ(atomic_load(&late_order_errors), 0);
    CHECK_EQ(atomic_load(&late_deliveries), 0);
    return 0;
}
