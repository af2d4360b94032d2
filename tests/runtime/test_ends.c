/* test_ends.c - how actors end and the reason their `on stop` sees: their
 * own zactor_stop or zactor_fail (the last call wins), zactor_kill from
 * outside or from a handler (after the running handler, before queued
 * messages, first kill's code), a kill racing the handler's own stop, a
 * kill before `on start`, destroy; and a stress of many threads killing
 * actors that are busy receiving (every actor ends exactly once, with the
 * code of one of the kills that returned 0). */
#include <pthread.h>
#include <string.h>

#include "rt_test.h"

#define STRESS_ACTORS 256u
#define STRESS_KILLERS 4u

typedef struct Order {
    uint32_t what; /* ORDER_* */
    int code;
} Order;

enum {
    ORDER_NOTE,
    ORDER_STOP,
    ORDER_FAIL,
    ORDER_FAIL_THEN_STOP,
    ORDER_STOP_THEN_FAIL,
    ORDER_HOLD,
    ORDER_HOLD_THEN_STOP,
    ORDER_KILL_SELF
};

typedef struct Subject {
    uint32_t id;
} Subject;

/* What every subject's hooks saw, by id; read after zactor_system_wait. */
#define MAX_SUBJECTS (STRESS_ACTORS + 16u)
static atomic_uint stops[MAX_SUBJECTS];
static atomic_uint starts[MAX_SUBJECTS];
static atomic_uint handled[MAX_SUBJECTS];
static zactor_end_reason reasons[MAX_SUBJECTS];
static zactor_end_reason in_handler[MAX_SUBJECTS]; /* zactor_ctx_end_reason in a handler */
static test_gate gate;
static zactor_ref self_refs[MAX_SUBJECTS];

static void subject_on_start(void *self, zactor_ctx *ctx)
{
    Subject *subject = self;
    atomic_fetch_add(&starts[subject->id], 1);
    self_refs[subject->id] = zactor_self(ctx);
}

static void subject_on_stop(void *self, zactor_ctx *ctx)
{
    Subject *subject = self;
    reasons[subject->id] = zactor_ctx_end_reason(ctx);
    atomic_fetch_add(&stops[subject->id], 1);
}

static void subject_on_order(void *self, zactor_ctx *ctx, const void *msg)
{
    Subject *subject = self;
    const Order *order = msg;
    atomic_fetch_add(&handled[subject->id], 1);
    in_handler[subject->id] = zactor_ctx_end_reason(ctx);
    switch (order->what) {
    case ORDER_STOP:
        zactor_stop(ctx);
        break;
    case ORDER_FAIL:
        zactor_fail(ctx, order->code);
        break;
    case ORDER_FAIL_THEN_STOP:
        zactor_fail(ctx, order->code);
        zactor_stop(ctx);
        break;
    case ORDER_STOP_THEN_FAIL:
        zactor_stop(ctx);
        zactor_fail(ctx, order->code);
        break;
    case ORDER_HOLD:
        test_gate_hold(&gate);
        break;
    case ORDER_HOLD_THEN_STOP:
        test_gate_hold(&gate);
        zactor_stop(ctx);
        break;
    case ORDER_KILL_SELF:
        CHECK_EQ(zactor_kill(zactor_self(ctx), order->code), 0);
        /* Still running: the kill takes effect when this handler returns. */
        CHECK_EQ(zactor_ctx_end_reason(ctx).kind, ZACTOR_END_NONE);
        break;
    default:
        break;
    }
}

TEST_SLOT(SubjectSlot, Order order;);
static const zactor_handler_entry subject_handlers[] = {TEST_ENTRY(subject_on_order)};
static const zactor_actor_type subject_type =
    TEST_ACTOR_TYPE(name("test.Subject"), state(Subject), slot(SubjectSlot),
                    handlers(subject_handlers), on_stop(subject_on_stop));
/* The same with `on start`, which makes a new actor runnable at once. */
static const zactor_actor_type starting_type =
    TEST_ACTOR_TYPE(name("test.Starting"), state(Subject), slot(SubjectSlot),
                    handlers(subject_handlers), on_start(subject_on_start),
                    on_stop(subject_on_stop));

static uint32_t next_id;

static zactor_ref spawn_subject(zactor_system *sys, const zactor_actor_type *type, uint32_t *id)
{
    *id = next_id++;
    CHECK(*id < MAX_SUBJECTS);
    Subject init = {*id};
    zactor_ref ref = zactor_spawn(sys, type, &init);
    CHECK(!zactor_ref_is_null(ref));
    return ref;
}

/* Sends an order to a subject of subject_type; a macro, so that a failed
 * check names the caller's line. */
#define order(to, what, code)                                                             \
    do {                                                                                  \
        Order order_msg_ = {(what), (code)};                                              \
        CHECK_EQ(zactor_send((to), &subject_type, 0, &order_msg_, sizeof order_msg_), 0); \
    } while (0)

static void check_reason(uint32_t id, zactor_end_kind kind, int code)
{
    CHECK_EQ(atomic_load(&stops[id]), 1);
    CHECK_EQ(reasons[id].kind, kind);
    CHECK_EQ(reasons[id].code, code);
}

/* The actor's own requests; the last call in a handler decides. */
static void test_own_ends(void)
{
    zactor_system *sys = start_system(2);
    uint32_t normal, failed, fail_stop, stop_fail;
    zactor_ref a = spawn_subject(sys, &subject_type, &normal);
    zactor_ref b = spawn_subject(sys, &subject_type, &failed);
    zactor_ref c = spawn_subject(sys, &subject_type, &fail_stop);
    zactor_ref d = spawn_subject(sys, &subject_type, &stop_fail);
    order(a, ORDER_NOTE, 0);
    order(a, ORDER_STOP, 0);
    order(b, ORDER_FAIL, 42);
    order(c, ORDER_FAIL_THEN_STOP, 7);
    order(d, ORDER_STOP_THEN_FAIL, -3);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(in_handler[normal].kind, ZACTOR_END_NONE);
    CHECK_EQ(in_handler[failed].kind, ZACTOR_END_NONE);
    check_reason(normal, ZACTOR_END_NORMAL, 0);
    check_reason(failed, ZACTOR_END_FAILED, 42);
    check_reason(fail_stop, ZACTOR_END_NORMAL, 0);
    check_reason(stop_fail, ZACTOR_END_FAILED, -3);
    CHECK_EQ(zactor_kill(b, 1), ZACTOR_EDEAD);
    CHECK_EQ(zactor_ctx_end_reason(NULL).kind, ZACTOR_END_NONE);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* Kills of an idle actor, of one running a handler (queued messages are
 * dead letters, the first kill's code stands), of one whose handler stops
 * it anyway, of itself. One worker, so that the order is known. */
static void test_kills(void)
{
    zactor_system *sys = start_system(1);
    uint32_t idle_id, busy_id, stopping_id, self_id;
    zactor_ref idle = spawn_subject(sys, &subject_type, &idle_id);
    zactor_ref busy = spawn_subject(sys, &subject_type, &busy_id);
    zactor_ref stopping = spawn_subject(sys, &subject_type, &stopping_id);
    zactor_ref self = spawn_subject(sys, &subject_type, &self_id);
    zactor_ref null_ref = {NULL, 0};
    CHECK_EQ(zactor_kill(null_ref, 1), ZACTOR_EARG);

    /* Idle: never messaged, not scheduled; the kill schedules it. */
    CHECK_EQ(zactor_kill(idle, 11), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    check_reason(idle_id, ZACTOR_END_KILLED, 11);
    CHECK_EQ(atomic_load(&handled[idle_id]), 0);
    CHECK_EQ(zactor_kill(idle, 12), ZACTOR_EDEAD);
    Order note = {ORDER_NOTE, 0};
    CHECK_EQ(zactor_send(idle, &subject_type, 0, &note, sizeof note), ZACTOR_EDEAD);

    /* Running a handler, three notes queued behind it. */
    uint64_t dead_before = zactor_system_dead_letters(sys);
    test_gate_close(&gate);
    order(busy, ORDER_HOLD, 0);
    test_gate_wait_held(&gate);
    for (int i = 0; i < 3; i++)
        order(busy, ORDER_NOTE, 0);
    CHECK_EQ(zactor_kill(busy, 21), 0);
    CHECK_EQ(zactor_kill(busy, 22), 0); /* counts for nothing */
    CHECK_EQ(atomic_load(&stops[busy_id]), 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    check_reason(busy_id, ZACTOR_END_KILLED, 21);
    CHECK_EQ(atomic_load(&handled[busy_id]), 1);
    CHECK_EQ(zactor_system_dead_letters(sys) - dead_before, 3);

    /* The handler the kill waits for stops the actor itself. */
    test_gate_close(&gate);
    order(stopping, ORDER_HOLD_THEN_STOP, 0);
    test_gate_wait_held(&gate);
    CHECK_EQ(zactor_kill(stopping, 31), 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    check_reason(stopping_id, ZACTOR_END_NORMAL, 0);

    /* From its own handler, with a note queued behind (both sent while the
     * actor is held, so that the note is queued when the kill comes). */
    test_gate_close(&gate);
    order(self, ORDER_HOLD, 0);
    test_gate_wait_held(&gate);
    order(self, ORDER_KILL_SELF, 41);
    order(self, ORDER_NOTE, 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    check_reason(self_id, ZACTOR_END_KILLED, 41);
    CHECK_EQ(atomic_load(&handled[self_id]), 2);

    zactor_system_stop(sys);
    CHECK_EQ(zactor_kill(busy, 1), ZACTOR_ESTOPPED);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A kill of an actor that has ended but whose cell is not recycled yet
 * (its queued messages are being dropped): from the dead-letter hook. */
static zactor_ref hook_victim;
static atomic_int hook_kill_rc = 1;

static void kill_from_hook(void *user, const char *type_name, uint32_t type_id)
{
    (void)user;
    (void)type_name;
    (void)type_id;
    int expected = 1;
    atomic_compare_exchange_strong(&hook_kill_rc, &expected, zactor_kill(hook_victim, 99));
}

static void test_kill_after_end(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 1;
    cfg.dead_letter_hook = kill_from_hook;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    uint32_t id;
    hook_victim = spawn_subject(sys, &subject_type, &id);
    test_gate_close(&gate);
    order(hook_victim, ORDER_HOLD_THEN_STOP, 0);
    test_gate_wait_held(&gate);
    order(hook_victim, ORDER_NOTE, 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&hook_kill_rc), ZACTOR_EDEAD);
    check_reason(id, ZACTOR_END_NORMAL, 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A kill before the first turn: `on start` runs, then `on stop`, with the
 * kill's reason; an actor left alive gets SHUTDOWN from destroy. */
static void test_kill_before_start_and_shutdown(void)
{
    zactor_system *sys = start_system(1);
    uint32_t holder_id, fresh_id, survivor_id;
    zactor_ref holder = spawn_subject(sys, &subject_type, &holder_id);
    test_gate_close(&gate);
    order(holder, ORDER_HOLD, 0);
    test_gate_wait_held(&gate);
    /* The only worker is held: the new actor's first turn waits. */
    zactor_ref fresh = spawn_subject(sys, &starting_type, &fresh_id);
    CHECK_EQ(zactor_kill(fresh, 51), 0);
    CHECK_EQ(atomic_load(&starts[fresh_id]), 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts[fresh_id]), 1);
    check_reason(fresh_id, ZACTOR_END_KILLED, 51);
    CHECK(self_refs[fresh_id].cell == fresh.cell);

    spawn_subject(sys, &subject_type, &survivor_id);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    check_reason(survivor_id, ZACTOR_END_SHUTDOWN, 0);
    check_reason(holder_id, ZACTOR_END_SHUTDOWN, 0);
}

/* Killers against actors that keep receiving. */
typedef struct killer_args {
    zactor_ref *refs;
    const zactor_actor_type **types;
    unsigned index;
    int won[STRESS_ACTORS]; /* the code of this killer's kill that returned 0, or 0 */
} killer_args;

static void *killer_main(void *arg)
{
    killer_args *args = arg;
    uint64_t rng = 0x9E3779B97F4A7C15u * (args->index + 1);
    for (uint32_t round = 0; round < 2 * STRESS_ACTORS; round++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        uint32_t victim = (uint32_t)(rng % STRESS_ACTORS);
        int code = (int)(args->index * 100000u + round + 1);
        int rc = zactor_kill(args->refs[victim], code);
        CHECK(rc == 0 || rc == ZACTOR_EDEAD);
        if (rc == 0 && args->won[victim] == 0)
            args->won[victim] = code;
        Order note = {ORDER_NOTE, 0};
        uint32_t other = (victim + 1) % STRESS_ACTORS;
        rc = zactor_send(args->refs[other], args->types[other], 0, &note, sizeof note);
        CHECK(rc == 0 || rc == ZACTOR_EDEAD);
    }
    return NULL;
}

static void test_kill_stress(void)
{
    zactor_system *sys = start_system(0);
    static zactor_ref refs[STRESS_ACTORS];
    static const zactor_actor_type *types[STRESS_ACTORS];
    uint32_t first = next_id;
    Order note = {ORDER_NOTE, 0};
    for (uint32_t i = 0; i < STRESS_ACTORS; i++) {
        uint32_t id;
        types[i] = i % 2 ? &starting_type : &subject_type;
        refs[i] = spawn_subject(sys, types[i], &id);
        CHECK_EQ(zactor_send(refs[i], types[i], 0, &note, sizeof note), 0);
    }
    static killer_args args[STRESS_KILLERS];
    pthread_t threads[STRESS_KILLERS];
    for (unsigned k = 0; k < STRESS_KILLERS; k++) {
        memset(&args[k], 0, sizeof args[k]);
        args[k].refs = refs;
        args[k].types = types;
        args[k].index = k;
        CHECK_EQ(pthread_create(&threads[k], NULL, killer_main, &args[k]), 0);
    }
    for (unsigned k = 0; k < STRESS_KILLERS; k++)
        CHECK_EQ(pthread_join(threads[k], NULL), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    for (uint32_t i = 0; i < STRESS_ACTORS; i++) {
        uint32_t id = first + i;
        bool killed = false;
        for (unsigned k = 0; k < STRESS_KILLERS; k++)
            killed = killed || args[k].won[i] != 0;
        if (!killed) {
            CHECK_EQ(atomic_load(&stops[id]), 0);
            continue;
        }
        /* Ended once, by one of the kills that returned 0. */
        CHECK_EQ(atomic_load(&stops[id]), 1);
        CHECK_EQ(reasons[id].kind, ZACTOR_END_KILLED);
        bool known = false;
        for (unsigned k = 0; k < STRESS_KILLERS; k++)
            known = known || args[k].won[i] == reasons[id].code;
        if (!known)
            fprintf(stderr, "actor %u ended with code %d, from no kill that returned 0\n", i,
                    reasons[id].code);
        CHECK(known);
    }
    CHECK_EQ(zactor_system_destroy(sys), 0);
    /* Destroy ended the rest. */
    for (uint32_t i = 0; i < STRESS_ACTORS; i++)
        CHECK_EQ(atomic_load(&stops[first + i]), 1);
}

int main(void)
{
    test_own_ends();
    test_kills();
    test_kill_before_start_and_shutdown();
    test_kill_after_end();
    test_kill_stress();
    puts("ends: ok");
    return 0;
}
