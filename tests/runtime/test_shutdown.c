/* Destroy while actors flood each other: every spawned actor gets `on start`
 * exactly once and then `on stop` exactly once (some stop themselves on the
 * way, the rest at destroy, which also starts any actor still waiting for
 * its first turn), and every message is accounted for exactly once, in
 * every build: each owns a bytes buffer, released by its handler, or by
 * its drop function when it is refused at the send or never handled (a
 * dead letter: queued for an actor that stopped, or freed by destroy).
 * After each destroy no buffer is left, every accepted message was handled
 * or is a dead letter, and the dead-letter counter, the hook and the drops
 * agree (LSan also checks the leaks). Several rounds. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

#define ACTORS 64
#define FANOUT 2

typedef struct Flood {
    uint64_t value;
    zactor_bytes data;      /* owned: one buffer per message */
    unsigned char pad[200]; /* some medium (pooled) messages too */
} Flood;

typedef struct Tiny {
    uint64_t value;
    zactor_bytes data;
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

/* The fate of every message of a round; read after destroy. */
static atomic_ullong accepted; /* sends that returned 0 */
static atomic_ullong refused;  /* sends that returned an error */
static atomic_ullong handled;  /* handler calls */
static atomic_ullong dropped;  /* drop calls */
static atomic_ullong hooked;   /* dead-letter hook calls */
static atomic_llong live;      /* buffers not released yet */

static void reset_accounts(void)
{
    atomic_store(&accepted, 0);
    atomic_store(&refused, 0);
    atomic_store(&handled, 0);
    atomic_store(&dropped, 0);
    atomic_store(&hooked, 0);
    atomic_store(&live, 0);
}

static zactor_bytes new_buffer(uint64_t value)
{
    zactor_bytes data;
    CHECK_EQ(zactor_bytes_copy(&value, sizeof value, &data), 0);
    atomic_fetch_add(&live, 1);
    return data;
}

static void release_buffer(zactor_bytes data)
{
    CHECK_EQ(zactor_bytes_size(data), sizeof(uint64_t));
    zactor_bytes_release(data);
    atomic_fetch_sub(&live, 1);
}

static void note_send(int rc)
{
    CHECK(rc == 0 || rc == ZACTOR_EDEAD || rc == ZACTOR_ESTOPPED);
    atomic_fetch_add(rc == 0 ? &accepted : &refused, 1);
}

/* Sends an owned Tiny (tag 0) or Flood (tag 1) from any thread. */
static int send_owned(zactor_ref to, const zactor_actor_type *type, uint32_t tag, uint64_t value)
{
    int rc;
    if (tag == 1) {
        Flood big = {value, new_buffer(value), {0}};
        rc = zactor_send(to, type, 1, &big, sizeof big);
    } else {
        Tiny tiny = {value, new_buffer(value)};
        rc = zactor_send(to, type, 0, &tiny, sizeof tiny);
    }
    note_send(rc);
    return rc;
}

/* The two halves of what generated code does with owned payloads: the
 * handler thunk releases after the handler, drop releases what is never
 * handled. Both messages start with value then data. */
static void release_handled(const void *msg)
{
    atomic_fetch_add(&handled, 1);
    release_buffer(((const Tiny *)msg)->data);
}

static void drop_owned(const void *msg)
{
    atomic_fetch_add(&dropped, 1);
    release_buffer(((const Tiny *)msg)->data);
}
_Static_assert(offsetof(Flood, data) == offsetof(Tiny, data), "drop_owned reads either");

static void count_dead_letter(void *user, const char *actor_type_name, uint32_t message_type_id)
{
    (void)user;
    (void)actor_type_name;
    (void)message_type_id;
    atomic_fetch_add(&hooked, 1);
}

static zactor_system *start_counting_system(unsigned workers)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = workers;
    cfg.dead_letter_hook = count_dead_letter;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    return sys;
}

/* After destroy: every accepted message was handled or is a dead letter,
 * every refused or dead one was dropped, every buffer was released. */
static void check_accounts(void)
{
    CHECK_EQ(atomic_load(&live), 0);
    CHECK_EQ(atomic_load(&accepted), atomic_load(&handled) + atomic_load(&hooked));
    CHECK_EQ(atomic_load(&dropped), atomic_load(&refused) + atomic_load(&hooked));
}

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
        send_owned(to, &flooder_type, r % 3 == 0 ? 1 : 0, r);
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
    Flooder *flooder = self;
    if (next_random(flooder) % 5000 == 0)
        zactor_stop(ctx);
    flood(flooder);
    release_handled(msg);
}

static const zactor_handler_entry flooder_handlers[] = {
    {.handle = flooder_on_msg, .drop = drop_owned}, {.handle = flooder_on_msg, .drop = drop_owned}};
static const zactor_actor_type flooder_type =
    TEST_ACTOR_TYPE(name("test.Flooder"), state(Flooder), slot(FloodSlot),
                    handlers(flooder_handlers), on_start(flooder_on_start),
                    on_stop(flooder_on_stop));

/* Spawned while the only worker is blocked, so it has not had its first
 * turn when the system stops: destroy must start it, then stop it. */
static atomic_int late_starts, late_stops, late_order_errors, late_deliveries;
static void late_on_message(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&late_deliveries, 1);
    release_handled(msg);
}
static const zactor_handler_entry late_handlers[] = {
    {.handle = late_on_message, .drop = drop_owned},
    {.handle = late_on_message, .drop = drop_owned}};
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
static const zactor_actor_type late_type =
    TEST_ACTOR_TYPE(name("test.Late"), state(Flooder), slot(FloodSlot), handlers(late_handlers),
                    on_start(late_on_start), on_stop(late_on_stop));

static atomic_bool blocker_entered, blocker_release;
static void blocker_on_start(void *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_store(&blocker_entered, true);
    while (!atomic_load(&blocker_release))
        sleep_ms(1);
}
static const zactor_actor_type blocker_type =
    TEST_ACTOR_TYPE(name("test.Blocker"), state(Flooder), slot(FloodSlot),
                    handlers(flooder_handlers), on_start(blocker_on_start));

static void run_round(unsigned workers, unsigned flood_ms)
{
    reset_accounts();
    zactor_system *sys = start_counting_system(workers);
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
    /* The flood starts once every peer's ref is known. The first peers'
     * flood may reach a later peer, which may stop itself (one message in
     * 5000), before this loop gets to it: then its kick-off is refused
     * with EDEAD, and counted as refused like any other. */
    for (uint32_t i = 0; i < ACTORS; i++) {
        int rc = send_owned(peers[i], &flooder_type, 0, i);
        CHECK(rc == 0 || rc == ZACTOR_EDEAD);
    }
    sleep_ms(flood_ms);
    zactor_system_destroy(sys);
    unsigned ran = 0;
    for (uint32_t i = 0; i < ACTORS; i++) {
        CHECK_EQ(atomic_load(&started[i]), 1);
        CHECK_EQ(atomic_load(&stopped[i]), 1);
        ran += (unsigned)atomic_load(&started[i]);
    }
    check_accounts();
    printf("%u workers, %u ms: %u of %u actors started; %llu messages: %llu handled, %llu dead "
           "letters; %llu sends refused\n",
           workers, flood_ms, ran, ACTORS, (unsigned long long)atomic_load(&accepted),
           (unsigned long long)atomic_load(&handled), (unsigned long long)atomic_load(&hooked),
           (unsigned long long)atomic_load(&refused));
}

int main(void)
{
    for (unsigned round = 0; round < 3; round++) {
        run_round(0, 20 + 30 * round);
        run_round(1, 20);
    }
    /* An actor still waiting for its first turn when the system stops gets
     * `on start` then `on stop` from destroy, exactly once each; the
     * message queued for it is not delivered but dropped, a dead letter;
     * spawns and sends after the stop fail (and drop what they carry). */
    reset_accounts();
    zactor_system *sys = start_counting_system(1);
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &blocker_type, NULL)));
    while (!atomic_load(&blocker_entered))
        sleep_ms(1);
    Flooder late_init = {0, 1};
    zactor_ref late = zactor_spawn(sys, &late_type, &late_init);
    CHECK(!zactor_ref_is_null(late));
    CHECK_EQ(send_owned(late, &late_type, 0, 1), 0);
    CHECK_EQ(send_owned(late, &late_type, 1, 2), 0);
    zactor_system_stop(sys);
    CHECK(zactor_ref_is_null(zactor_spawn(sys, &late_type, NULL)));
    CHECK_EQ(send_owned(late, &late_type, 0, 3), ZACTOR_ESTOPPED);
    atomic_store(&blocker_release, true);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&late_starts), 1);
    CHECK_EQ(atomic_load(&late_stops), 1);
    CHECK_EQ(atomic_load(&late_order_errors), 0);
    CHECK_EQ(atomic_load(&late_deliveries), 0);
    check_accounts();
    CHECK_EQ(atomic_load(&hooked), 2);  /* the two queued for the late actor */
    CHECK_EQ(atomic_load(&refused), 1); /* the send after the stop */
    return 0;
}
