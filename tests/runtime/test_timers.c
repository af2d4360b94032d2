/* test_timers: zactor_send_after, zactor_timer_cancel and virtual time.
 *
 *   basic    one-shot and periodic firings, copies of the message, cancel,
 *            the errors, quiescence waiting for a pending timer
 *   race     threads arm one-shot timers and cancel them while they fire:
 *            a timer whose cancel returned 0 is never handled, one whose
 *            cancel returned ZACTOR_ENOENT was handled exactly once
 *   owner    timers armed by an actor that then ends: none fires, wait
 *            returns, everything is freed (LSan)
 *   self_cancel  periodic timers cancelled from their target's own
 *            handler: no firing handled after the cancel, not even one
 *            already queued
 *   parked   deterministic mode: a timer armed from outside while the
 *            worker is parked wakes it (no lost wake-up)
 *   virtual  deterministic mode: timers of up to 10 s (virtual) finish at
 *            once, and two runs of one seed deliver in the same order */
#include <pthread.h>
#include <string.h>

#include "parked.h"
#include "rt_test.h"

typedef struct Tick {
    uint32_t id;
    uint32_t pad;
    uint64_t check; /* id * 7 + 1: the copy arrived whole */
} Tick;

typedef struct Big { /* boxed: larger than a slot */
    uint32_t id;
    unsigned char fill[200];
} Big;

TEST_SLOT(TargetSlot, Tick tick;);

typedef struct Target {
    uint64_t handled;
} Target;

/* Deterministic runs: a hash of the delivery order (ids, virtual times),
 * updated by the one worker. */
static _Atomic uint64_t order_hash;

#define MAX_TIMERS (1u << 20)
static _Atomic uint32_t handled[MAX_TIMERS];
static _Atomic uint64_t big_handled;
/* The order ticks were handled in (test_order), with their virtual times. */
static uint32_t receipt_ids[MAX_TIMERS];
static uint64_t receipt_times[MAX_TIMERS];
static _Atomic uint32_t receipts;

static void target_on_tick(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    Target *t = self;
    const Tick *tick = msg;
    CHECK_EQ(tick->check, (uint64_t)tick->id * 7u + 1u);
    atomic_fetch_add_explicit(&handled[tick->id], 1, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&order_hash, memory_order_relaxed);
    h = (h ^ tick->id ^ zactor_system_now(zactor_ctx_system(ctx))) * UINT64_C(0x100000001B3);
    atomic_store_explicit(&order_hash, h, memory_order_relaxed);
    uint32_t n = atomic_fetch_add_explicit(&receipts, 1, memory_order_relaxed);
    if (n < MAX_TIMERS) {
        receipt_ids[n] = tick->id;
        receipt_times[n] = zactor_system_now(zactor_ctx_system(ctx));
    }
    t->handled++;
}

static void target_on_big(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    const Big *big = msg;
    for (size_t i = 0; i < sizeof big->fill; i++)
        CHECK_EQ(big->fill[i], (unsigned char)(big->id + i));
    atomic_fetch_add(&big_handled, 1);
}

static void target_on_bytes(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}
static void drop_nothing(const void *msg)
{
    (void)msg;
}

static const zactor_handler_entry target_handlers[] = {
    TEST_ENTRY(target_on_tick),
    TEST_ENTRY(target_on_big),
    {.handle = target_on_bytes, .drop = drop_nothing}, /* stands for a message holding bytes */
};
static const zactor_actor_type target_type =
    TEST_ACTOR_TYPE(name("test.TimerTarget"), state(Target), slot(TargetSlot),
                    handlers(target_handlers));

static Tick tick_of(uint32_t id)
{
    Tick tick = {id, 0, (uint64_t)id * 7u + 1u};
    return tick;
}

static void reset_counts(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        atomic_store(&handled[i], 0);
}

/* ---- basic -------------------------------------------------------------- */

static void test_basic(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    reset_counts(16);
    uint64_t before = zactor_system_now(sys);
    zactor_timer once, every, cancelled;
    Tick t0 = tick_of(0), t1 = tick_of(1), t2 = tick_of(2);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t0, sizeof t0, 2000000, 0, &once), 0);
    CHECK(once.sys == sys && once.id != 0);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t1, sizeof t1, 100000, 500000, &every), 0);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t2, sizeof t2, 5000000000u, 0, &cancelled),
             0);
    Big big = {3, {0}};
    for (size_t i = 0; i < sizeof big.fill; i++)
        big.fill[i] = (unsigned char)(big.id + i);
    CHECK_EQ(zactor_send_after(target, &target_type, 1, &big, sizeof big, 0, 0, NULL), 0);
    CHECK_EQ(zactor_timer_cancel(cancelled), 0);
    CHECK_EQ(zactor_timer_cancel(cancelled), ZACTOR_ENOENT);
    /* The periodic timer keeps the system busy: wait from a thread would
     * block; let it fire a few times instead. */
    while (atomic_load(&handled[1]) < 4 || atomic_load(&handled[0]) < 1)
        sleep_ms(1);
    CHECK_EQ(zactor_timer_cancel(every), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    uint32_t periodic = atomic_load(&handled[1]);
    CHECK_EQ(atomic_load(&handled[0]), 1);
    CHECK_EQ(atomic_load(&handled[2]), 0);
    CHECK_EQ(atomic_load(&big_handled), 1);
    CHECK(zactor_system_now(sys) - before >= 2000000);
    /* Fired, taken: ended. */
    CHECK_EQ(zactor_timer_cancel(once), ZACTOR_ENOENT);
    CHECK_EQ(zactor_timer_cancel(every), ZACTOR_ENOENT);
    sleep_ms(3);
    CHECK_EQ(atomic_load(&handled[1]), periodic);

    /* Errors. */
    zactor_timer t = {sys, 42};
    CHECK_EQ(zactor_send_after(target, NULL, 0, &t0, sizeof t0, 0, 0, &t), ZACTOR_EARG);
    CHECK(t.sys == NULL && t.id == 0);
    zactor_ref null_ref = {NULL, 0};
    CHECK_EQ(zactor_send_after(null_ref, &target_type, 0, &t0, sizeof t0, 0, 0, &t), ZACTOR_EARG);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, NULL, sizeof t0, 0, 0, &t), ZACTOR_EARG);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t0, sizeof t0, UINT64_MAX, 0, &t),
             ZACTOR_EARG);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t0, sizeof t0, 0, UINT64_MAX, &t),
             ZACTOR_EARG);
    CHECK_EQ(zactor_send_after(target, &target_type, 3, &t0, sizeof t0, 0, 0, &t), ZACTOR_ETYPE);
    CHECK_EQ(zactor_send_after(target, &target_type, 2, &t0, sizeof t0, 0, 0, &t), ZACTOR_ETYPE);
    CHECK_EQ(zactor_timer_cancel((zactor_timer){NULL, 1}), ZACTOR_EARG);
    CHECK_EQ(zactor_timer_cancel((zactor_timer){sys, 0}), ZACTOR_EARG);
    CHECK_EQ(zactor_timer_cancel((zactor_timer){sys, UINT64_C(7) << 32 | 5000}), ZACTOR_ENOENT);
    CHECK_EQ(zactor_kill(target, 0), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t0, sizeof t0, 0, 0, &t), ZACTOR_EDEAD);
    zactor_system_stop(sys);
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t0, sizeof t0, 0, 0, &t), ZACTOR_ESTOPPED);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    CHECK_EQ(zactor_system_now(NULL), 0);
}

/* A periodic timer whose target ends stops by itself: wait returns. */
static void test_target_ends(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    reset_counts(1);
    Tick t0 = tick_of(0);
    zactor_timer every;
    CHECK_EQ(zactor_send_after(target, &target_type, 0, &t0, sizeof t0, 0, 200000, &every), 0);
    while (atomic_load(&handled[0]) < 2)
        sleep_ms(1);
    uint64_t dead_before = zactor_system_dead_letters(sys);
    CHECK_EQ(zactor_kill(target, 0), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_timer_cancel(every), ZACTOR_ENOENT);
    CHECK(zactor_system_dead_letters(sys) - dead_before <= 2);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* ---- race --------------------------------------------------------------- */

#define RACE_THREADS 4u
#define RACE_TARGETS 4u
#define RACE_LAG 256u /* a timer is cancelled after this many more are armed */

typedef struct race_arg {
    zactor_ref *targets;
    uint32_t first, count;
    int *results;
} race_arg;

static void *race_thread(void *p)
{
    race_arg *arg = p;
    zactor_timer *timers = malloc(arg->count * sizeof *timers);
    CHECK(timers != NULL);
    uint64_t rng = arg->first * 2654435761u + 1u;
    for (uint32_t i = 0; i < arg->count; i++) {
        uint32_t id = arg->first + i;
        Tick tick = tick_of(id);
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        /* Both outcomes, whatever the machine's load: every 1000th timer is
         * due in a minute (its cancel wins), and the first one's cancel
         * waits until it fired. The rest race. */
        uint64_t delay = i % 1000u == 999u ? UINT64_C(60000000000) : rng % 20000u;
        CHECK_EQ(zactor_send_after(arg->targets[id % RACE_TARGETS], &target_type, 0, &tick,
                                   sizeof tick, delay, 0, &timers[i]),
                 0);
        /* Cancel an earlier one: some are armed, some queued, some taken. */
        if (i >= RACE_LAG) {
            uint32_t j = i - RACE_LAG;
            while (j == 0 && atomic_load(&handled[arg->first]) == 0)
                sleep_ms(1);
            arg->results[arg->first + j] = zactor_timer_cancel(timers[j]);
        }
    }
    for (uint32_t j = arg->count >= RACE_LAG ? arg->count - RACE_LAG : 0; j < arg->count; j++)
        arg->results[arg->first + j] = zactor_timer_cancel(timers[j]);
    free(timers);
    return NULL;
}

static void test_race(void)
{
    uint32_t per_thread = (uint32_t)scaled(40000);
    uint32_t total = per_thread * RACE_THREADS;
    CHECK(total <= MAX_TIMERS);
    reset_counts(total);
    int *results = calloc(total, sizeof *results);
    CHECK(results != NULL);
    zactor_system *sys = start_system(2);
    zactor_ref targets[RACE_TARGETS];
    for (unsigned i = 0; i < RACE_TARGETS; i++)
        targets[i] = zactor_spawn(sys, &target_type, NULL);
    pthread_t threads[RACE_THREADS];
    race_arg args[RACE_THREADS];
    for (unsigned i = 0; i < RACE_THREADS; i++) {
        args[i] = (race_arg){targets, i * per_thread, per_thread, results};
        CHECK_EQ(pthread_create(&threads[i], NULL, race_thread, &args[i]), 0);
    }
    for (unsigned i = 0; i < RACE_THREADS; i++)
        pthread_join(threads[i], NULL);
    CHECK_EQ(zactor_system_wait(sys), 0);
    uint32_t cancelled = 0, fired = 0;
    for (uint32_t id = 0; id < total; id++) {
        uint32_t n = atomic_load(&handled[id]);
        if (results[id] == 0) {
            CHECK_EQ(n, 0);
            cancelled++;
        } else {
            CHECK_EQ(results[id], ZACTOR_ENOENT);
            CHECK_EQ(n, 1);
            fired++;
        }
    }
    /* Both outcomes happened (by construction: see race_thread). */
    printf("race: %u timers, %u cancelled, %u fired\n", total, cancelled, fired);
    CHECK(cancelled > 0 && fired > 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    free(results);
}

/* ---- owner -------------------------------------------------------------- */

typedef struct Owner {
    zactor_ref target;
} Owner;
TEST_SLOT(OwnerSlot, Tick tick;);

static _Atomic uint32_t owner_armed;

static void owner_on_start(void *self, zactor_ctx *ctx)
{
    Owner *o = self;
    for (uint32_t i = 0; i < 100; i++) {
        Tick tick = tick_of(i);
        /* One-shots and fast periodic ones, first due well after we end
         * (a firing due before the end would rightly be handled): none
         * may fire, and wait must not wait for them. */
        uint64_t delay = i % 2 ? 3000000000u : 2000000000u;
        uint64_t period = i % 2 ? 0 : 1000000u;
        CHECK_EQ(zactor_send_after(o->target, &target_type, 0, &tick, sizeof tick, delay, period,
                                   NULL),
                 0);
        atomic_fetch_add(&owner_armed, 1);
    }
    zactor_stop(ctx);
}

static const zactor_handler_entry owner_handlers[] = {TEST_ENTRY(target_on_tick)};
static const zactor_actor_type owner_type =
    TEST_ACTOR_TYPE(name("test.TimerOwner"), state(Owner), slot(OwnerSlot),
                    handlers(owner_handlers), on_start(owner_on_start));

static void test_owner(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    reset_counts(100);
    for (int round = 0; round < 20; round++) {
        Owner init = {target};
        CHECK(!zactor_ref_is_null(zactor_spawn(sys, &owner_type, &init)));
    }
    /* Every owner ended in its `on start`: its timers with it, so wait
     * returns although they were periodic or far off. */
    CHECK_EQ(zactor_system_wait(sys), 0);
    sleep_ms(5);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&owner_armed), 2000);
    for (uint32_t i = 0; i < 100; i++)
        CHECK_EQ(atomic_load(&handled[i]), 0);
    /* Timers with no owner, still armed at destroy: freed there. */
    Tick tick = tick_of(0);
    CHECK_EQ(
        zactor_send_after(target, &target_type, 0, &tick, sizeof tick, 3000000000u, 1000, NULL), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* ---- self_cancel -------------------------------------------------------- */

/* Each Ticker arms a fast periodic timer to itself in its `on start` and
 * cancels it from its own handler at the SELF_STOP-th firing, while the
 * timer thread is likely to have queued the next one already: that one is
 * skipped, and no firing is handled after the cancel. */
#define SELF_TICKERS 64u
#define SELF_STOP 5u

typedef struct Ticker {
    zactor_timer timer;
    uint32_t index;
    uint32_t ticks;
} Ticker;

static _Atomic uint32_t self_ticks[SELF_TICKERS];
static const zactor_actor_type ticker_type;

static void ticker_on_start(void *self, zactor_ctx *ctx)
{
    Ticker *t = self;
    Tick tick = tick_of(t->index);
    CHECK_EQ(zactor_send_after(zactor_self(ctx), &ticker_type, 0, &tick, sizeof tick, 0, 1000,
                               &t->timer),
             0);
}

static void ticker_on_tick(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    Ticker *t = self;
    const Tick *tick = msg;
    CHECK_EQ(tick->id, t->index);
    t->ticks++;
    atomic_fetch_add_explicit(&self_ticks[t->index], 1, memory_order_relaxed);
    CHECK(t->ticks <= SELF_STOP); /* never delivered after the cancel */
    if (t->ticks == SELF_STOP)
        CHECK_EQ(zactor_timer_cancel(t->timer), 0);
}

static const zactor_handler_entry ticker_handlers[] = {TEST_ENTRY(ticker_on_tick)};
static const zactor_actor_type ticker_type =
    TEST_ACTOR_TYPE(name("test.TimerTicker"), state(Ticker), slot(OwnerSlot),
                    handlers(ticker_handlers), on_start(ticker_on_start));

static void test_self_cancel(void)
{
    zactor_system *sys = start_system(2);
    for (int round = 0; round < 10; round++) {
        for (uint32_t i = 0; i < SELF_TICKERS; i++) {
            atomic_store(&self_ticks[i], 0);
            Ticker init = {{NULL, 0}, i, 0};
            CHECK(!zactor_ref_is_null(zactor_spawn(sys, &ticker_type, &init)));
        }
        /* Every timer was cancelled (the tickers live on): wait returns,
         * after any firing queued before a cancel was skipped. */
        CHECK_EQ(zactor_system_wait(sys), 0);
        for (uint32_t i = 0; i < SELF_TICKERS; i++)
            CHECK_EQ(atomic_load(&self_ticks[i]), SELF_STOP);
    }
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* ---- parked ------------------------------------------------------------- */

/* Deterministic mode has no timer thread: a timer armed from outside while
 * the one worker is parked must wake it (else wait never returns). Half of
 * the rounds arm once the worker is surely asleep, half at once, into the
 * window where it is deciding to park. */
static void test_parked(void)
{
    zactor_system *sys = start_deterministic(11);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    uint32_t rounds = (uint32_t)scaled(400);
    reset_counts(rounds);
    for (uint32_t i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
            while (!test_workers_asleep(sys, 1))
                sleep_ms(1);
        }
        uint64_t before = zactor_system_now(sys);
        Tick tick = tick_of(i);
        CHECK_EQ(zactor_send_after(target, &target_type, 0, &tick, sizeof tick, 1000000000u, 0,
                                   NULL),
                 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&handled[i]), 1);
        CHECK_EQ(zactor_system_now(sys), before + 1000000000u);
    }
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* ---- virtual ------------------------------------------------------------ */

typedef struct Armer {
    zactor_ref targets[4];
    uint32_t count;
} Armer;

static void armer_on_start(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    Armer *a = self;
    uint64_t rng = 88172645463325252u;
    for (uint32_t i = 0; i < a->count; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        Tick tick = tick_of(i);
        /* Up to 10 s of virtual time, many timers per due time. */
        uint64_t delay = (rng % 10000u) * 1000000u;
        CHECK_EQ(zactor_send_after(a->targets[i % 4], &target_type, 0, &tick, sizeof tick, delay, 0,
                                   NULL),
                 0);
    }
}

static const zactor_actor_type armer_type =
    TEST_ACTOR_TYPE(name("test.TimerArmer"), state(Armer), slot(OwnerSlot),
                    handlers(owner_handlers), on_start(armer_on_start));

/* Runs the virtual test once; returns the hash of every target's order. */
static uint64_t virtual_run(uint64_t seed, uint32_t count)
{
    zactor_system *sys = start_deterministic(seed);
    CHECK_EQ(zactor_system_now(sys), 0);
    reset_counts(count + 1);
    atomic_store(&order_hash, 0);
    Armer init = {.count = count};
    for (int i = 0; i < 4; i++)
        init.targets[i] = zactor_spawn(sys, &target_type, NULL);
    /* The armer stays alive: its timers are not ended by its end. */
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &armer_type, &init)));
    /* An external thread arms too, on the same virtual clock. */
    Tick late = tick_of(count);
    CHECK_EQ(zactor_send_after(init.targets[0], &target_type, 0, &late, sizeof late, 10000000000u,
                               0, NULL),
             0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    for (uint32_t i = 0; i <= count; i++)
        CHECK_EQ(atomic_load(&handled[i]), 1);
    CHECK(zactor_system_now(sys) >= 10000000000u);
    uint64_t hash = atomic_load(&order_hash);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    return hash;
}

/* Arms test_order's timers from `on start`: the virtual clock stands
 * still while a handler runs, so each due time is known exactly. */
typedef struct OrderArmer {
    zactor_ref target;
    uint32_t count;
    uint64_t *due; /* per id: the absolute due time, owned by the test */
} OrderArmer;

static void order_armer_on_start(void *self, zactor_ctx *ctx)
{
    OrderArmer *a = self;
    uint64_t now = zactor_system_now(zactor_ctx_system(ctx));
    uint64_t rng = 88172645463325252u;
    for (uint32_t id = 0; id < a->count; id++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint64_t delay = (rng % 64u) * 1000000u; /* 64 due times: ties everywhere */
        a->due[id] = now + delay;
        Tick tick = tick_of(id);
        CHECK_EQ(zactor_send_after(a->target, &target_type, 0, &tick, sizeof tick, delay, 0, NULL),
                 0);
    }
}

static const zactor_actor_type order_armer_type =
    TEST_ACTOR_TYPE(name("test.OrderArmer"), state(OrderArmer), slot(OwnerSlot),
                    handlers(owner_handlers), on_start(order_armer_on_start));

/* Timers fire in (due time, arming order): in deterministic mode one
 * target receives them in exactly that order, each at its due time. Many
 * timers share a due time (ties), and the heap holds thousands at once. */
static void test_order(void)
{
    uint32_t count = (uint32_t)scaled(20000);
    zactor_system *sys = start_deterministic(11);
    reset_counts(count);
    atomic_store(&receipts, 0);
    zactor_ref target = zactor_spawn(sys, &target_type, NULL);
    uint64_t *due = malloc(count * sizeof *due);
    CHECK(due != NULL);
    OrderArmer init = {target, count, due};
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &order_armer_type, &init)));
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&receipts), count);
    for (uint32_t n = 0; n < count; n++) {
        uint32_t id = receipt_ids[n];
        CHECK_EQ(receipt_times[n], due[id]);
        if (n > 0) {
            uint32_t prev = receipt_ids[n - 1];
            CHECK(due[prev] < due[id] || (due[prev] == due[id] && prev < id));
        }
    }
    CHECK_EQ(zactor_system_destroy(sys), 0);
    free(due);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    bool all = strcmp(which, "all") == 0;
    if (all || strcmp(which, "basic") == 0) {
        test_basic();
        test_target_ends();
    }
    if (all || strcmp(which, "race") == 0)
        test_race();
    if (all || strcmp(which, "owner") == 0)
        test_owner();
    if (all || strcmp(which, "self_cancel") == 0)
        test_self_cancel();
    if (all || strcmp(which, "parked") == 0)
        test_parked();
    if (all || strcmp(which, "order") == 0)
        test_order();
    if (all || strcmp(which, "virtual") == 0) {
        /* A million timers (fewer under sanitizers) over 10 virtual
         * seconds: replayed from the seed, another seed differs. */
        uint32_t count = (uint32_t)scaled(MAX_TIMERS - 1u);
        uint64_t first = virtual_run(7, count);
        CHECK_EQ(virtual_run(7, count), first);
        CHECK(virtual_run(8, count) != first);
    }
    return 0;
}
