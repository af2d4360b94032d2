/* Mailbox stress with recycling: 4 plain threads flood 8 tenant actors,
 * each of which stops itself after a while; its `on stop` spawns the next
 * tenant of its slot, which the cell store often gives the cell just freed
 * (a new generation). Senders keep using whatever ref they last read, so
 * sends race with stops, dead-letter drains and recycling, and stale refs
 * meet recycled cells (a cell is recycled once its queue is drained, and a
 * later spawn takes it). A tenant sometimes works slowly, so backlogs build
 * up, rings grow and messages overflow; small (inline) and medium (boxed)
 * messages mix.
 *
 * Checks: every accepted send (0) is handled or dropped as a dead letter
 * exactly once (counts and sums of sequence numbers agree, per sender);
 * within one tenant, each sender's messages arrive in order; refused sends
 * are EDEAD only; the overflow path, EDEAD and recycled cells were all
 * exercised. ASan/TSan builds check there is no use after free. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"
#include "stress_messages.h"
#include "system.h" /* zactor__system_overflow_letters */

#define THREADS 4
#define SLOTS 8

TEST_SLOT(TenantSlot, Small small;);

typedef struct Tenant {
    uint32_t slot;
    uint32_t lifetime; /* messages to handle before stopping */
    uint64_t handled;
    uint64_t next_seq[THREADS]; /* smallest sequence number still allowed */
} Tenant;

/* Per sender: what was accepted, handled and dropped (count, sum of seqs). */
typedef struct ledger {
    _Alignas(64) atomic_ullong accepted, accepted_sum;
    atomic_ullong handled, handled_sum;
    atomic_ullong dropped, dropped_sum;
    atomic_ullong refused_dead, refused_sum, refused_other;
} ledger;

static ledger ledgers[THREADS];
static atomic_ullong order_errors, tenants_spawned, recycled_cells, spawn_failures;
static uint64_t per_thread;

/* The current tenant of each slot, replaced by the `on stop` of the last. */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static zactor_ref slot_ref[SLOTS];
static zactor_system *the_system;

static const zactor_actor_type tenant_type;

static void record(atomic_ullong *count, atomic_ullong *sum, uint64_t seq)
{
    atomic_fetch_add_explicit(count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(sum, seq, memory_order_relaxed);
}

static void handle(Tenant *tenant, zactor_ctx *ctx, uint32_t sender, uint64_t seq)
{
    if (sender >= THREADS || seq < tenant->next_seq[sender]) {
        atomic_fetch_add(&order_errors, 1);
        return;
    }
    tenant->next_seq[sender] = seq + 1;
    record(&ledgers[sender].handled, &ledgers[sender].handled_sum, seq);
    /* Every 64th message works a while, so senders get ahead: backlog,
     * ring growth and overflow letters. */
    if (++tenant->handled % 256 == 0) {
        static _Thread_local volatile unsigned spin;
        for (unsigned i = 0; i < 20000; i++)
            spin = spin + i;
    }
    if (tenant->handled == tenant->lifetime)
        zactor_stop(ctx);
}

static void on_small(void *self, zactor_ctx *ctx, const void *msg)
{
    const Small *small = msg;
    handle(self, ctx, small->sender, small->seq);
}

static void on_medium(void *self, zactor_ctx *ctx, const void *msg)
{
    const Medium *medium = msg;
    handle(self, ctx, medium->sender, medium->seq);
}

/* Drops run for messages never handled: a stopped tenant's queue (dead
 * letters), and sends refused with EDEAD (zactor_send drops the payload). */
static void drop_small(const void *msg)
{
    const Small *small = msg;
    if (small->sender < THREADS)
        record(&ledgers[small->sender].dropped, &ledgers[small->sender].dropped_sum, small->seq);
}

static void drop_medium(const void *msg)
{
    const Medium *medium = msg;
    if (medium->sender < THREADS)
        record(&ledgers[medium->sender].dropped, &ledgers[medium->sender].dropped_sum, medium->seq);
}

/* Cells that held a tenant, to see recycled ones come back (slot_lock). */
#define MAX_CELLS 4096
static const void *cells_seen[MAX_CELLS];
static unsigned cells_seen_count;

static void note_cell(zactor_ref ref)
{
    pthread_mutex_lock(&slot_lock);
    bool seen = false;
    for (unsigned i = 0; i < cells_seen_count && !seen; i++)
        seen = cells_seen[i] == (const void *)ref.cell;
    if (seen)
        atomic_fetch_add(&recycled_cells, 1);
    else if (cells_seen_count < MAX_CELLS)
        cells_seen[cells_seen_count++] = ref.cell;
    pthread_mutex_unlock(&slot_lock);
}

static zactor_ref spawn_tenant(zactor_system *sys, uint32_t slot, uint64_t generation_hint)
{
    Tenant init;
    memset(&init, 0, sizeof init);
    init.slot = slot;
    init.lifetime = 200 + (uint32_t)((generation_hint * 7919u + slot * 104729u) % 800u);
    zactor_ref ref = zactor_spawn(sys, &tenant_type, &init);
    if (!zactor_ref_is_null(ref)) {
        atomic_fetch_add(&tenants_spawned, 1);
        note_cell(ref);
    }
    return ref;
}

/* The tenant leaves: the next one moves into the slot (unless the system
 * is stopping, when spawning fails and the slot stays with a dead ref). */
static void on_tenant_stop(void *self, zactor_ctx *ctx)
{
    Tenant *tenant = self;
    zactor_ref next = spawn_tenant(zactor_ctx_system(ctx), tenant->slot, tenant->handled);
    if (zactor_ref_is_null(next)) {
        atomic_fetch_add(&spawn_failures, 1);
        return;
    }
    pthread_mutex_lock(&slot_lock);
    slot_ref[tenant->slot] = next;
    pthread_mutex_unlock(&slot_lock);
}

static const zactor_handler_entry tenant_handlers[] = {
    {.handle = on_small, .drop = drop_small},
    {.handle = on_medium, .drop = drop_medium},
};
static const zactor_actor_type tenant_type =
    TEST_ACTOR_TYPE(name("test.Tenant"), state(Tenant), slot(TenantSlot), handlers(tenant_handlers),
                    on_stop(on_tenant_stop));

static void *producer(void *arg)
{
    uint32_t sender = (uint32_t)(uintptr_t)arg;
    ledger *own = &ledgers[sender];
    uint64_t seq = 0;
    /* Refs are kept until a send says EDEAD, as a client would: they go
     * stale when a tenant stops, and point into recycled cells later. */
    zactor_ref mine[SLOTS];
    pthread_mutex_lock(&slot_lock);
    memcpy(mine, slot_ref, sizeof mine);
    pthread_mutex_unlock(&slot_lock);
    for (uint64_t i = 0; i < per_thread; i++) {
        uint32_t slot = (uint32_t)((i * 5u + sender) % SLOTS);
        zactor_ref to = mine[slot];
        int rc;
        /* Sequence numbers grow per sender across all slots, so order is
         * checked per tenant and sender without knowing the slot. */
        seq++;
        if (i % 4 == 3) {
            Medium medium;
            memset(&medium, 0, sizeof medium);
            medium.sender = sender;
            medium.seq = seq;
            rc = zactor_send(to, &tenant_type, 1, &medium, sizeof medium);
        } else {
            Small small = {sender, seq};
            rc = zactor_send(to, &tenant_type, 0, &small, sizeof small);
        }
        /* Now and then give the two workers the CPU, so that tenants
         * handle a fair share and do not only drop their queues. */
        if (i % 32 == 31)
            sched_yield();
        if (rc == 0)
            record(&own->accepted, &own->accepted_sum, seq);
        else if (rc == ZACTOR_EDEAD) {
            record(&own->refused_dead, &own->refused_sum, seq);
            pthread_mutex_lock(&slot_lock);
            mine[slot] = slot_ref[slot];
            pthread_mutex_unlock(&slot_lock);
        } else
            atomic_fetch_add(&own->refused_other, 1);
    }
    return NULL;
}

int main(void)
{
    per_thread = scaled(200000);
    the_system = start_system(2);
    for (uint32_t s = 0; s < SLOTS; s++) {
        slot_ref[s] = spawn_tenant(the_system, s, s);
        CHECK(!zactor_ref_is_null(slot_ref[s]));
    }
    uint64_t overflow_before = zactor__system_overflow_letters(the_system);
    pthread_t threads[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, producer, (void *)t), 0);
    for (unsigned t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_join(threads[t], NULL), 0);
    CHECK_EQ(zactor_system_wait(the_system), 0);
    uint64_t overflowed = zactor__system_overflow_letters(the_system) - overflow_before;
    uint64_t dead_letters = zactor_system_dead_letters(the_system);
    zactor_system_destroy(the_system);

    uint64_t accepted = 0, handled = 0, dropped = 0, refused_dead = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        ledger *l = &ledgers[t];
        CHECK_EQ(atomic_load(&l->refused_other), 0);
        /* Every message was handled or dropped once: the accepted ones
         * handled or dead letters, the refused ones dropped at the send. */
        CHECK_EQ(atomic_load(&l->accepted) + atomic_load(&l->refused_dead),
                 atomic_load(&l->handled) + atomic_load(&l->dropped));
        CHECK_EQ(atomic_load(&l->accepted_sum) + atomic_load(&l->refused_sum),
                 atomic_load(&l->handled_sum) + atomic_load(&l->dropped_sum));
        accepted += atomic_load(&l->accepted);
        handled += atomic_load(&l->handled);
        dropped += atomic_load(&l->dropped);
        refused_dead += atomic_load(&l->refused_dead);
    }
    printf("mailbox_recycle: %llu accepted (%llu handled, %llu dead letters), %llu refused "
           "EDEAD, %llu overflowed, %llu tenants, %llu in a recycled cell\n",
           (unsigned long long)accepted, (unsigned long long)handled,
           (unsigned long long)(dropped - refused_dead), (unsigned long long)refused_dead,
           (unsigned long long)overflowed, (unsigned long long)atomic_load(&tenants_spawned),
           (unsigned long long)atomic_load(&recycled_cells));
    CHECK_EQ(atomic_load(&order_errors), 0);
    CHECK_EQ(dropped - refused_dead, dead_letters);
    CHECK_EQ(accepted + refused_dead, per_thread * THREADS);
    /* What the test is for happened: */
    CHECK(overflowed > 0);                        /* overflow letters */
    CHECK(refused_dead > 0);                      /* stale refs */
    CHECK(atomic_load(&recycled_cells) > 0);      /* cells reused while sends raced */
    CHECK(atomic_load(&tenants_spawned) > SLOTS); /* tenants came and went */
    CHECK(dead_letters > 0);                      /* stopped tenants' queues drained */
    return 0;
}
