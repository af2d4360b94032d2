/* test_supervisors.c - supervisors: each strategy restarts exactly the
 * children it names, stopped last-started-first and started again in
 * order, from their initial state, under their names; restart types;
 * the restart intensity, and a storm that escalates two levels up; a
 * graceful stop; a stop or a kill that lands while children are being
 * restarted; specs the start refuses. */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "rt_test.h"

/* ---- A worker that logs its starts and stops ---- */

#define MAX_CHILDREN 8u

typedef struct Worker {
    uint32_t index;   /* which child: the log's key */
    uint32_t handled; /* jobs this incarnation handled: 0 at each start */
} Worker;

typedef struct Job {
    int fail;  /* nonzero: zactor_fail with it */
    bool stop; /* zactor_stop */
} Job;

/* Every start and stop, in the order they happened: index, plus 100 for a
 * stop. A mutex orders the log across workers. */
#define LOG_MAX 4096u
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int events[LOG_MAX];
static unsigned event_count;
static atomic_uint starts[MAX_CHILDREN];
static atomic_uint stops[MAX_CHILDREN];
static zactor_end_reason stop_reasons[MAX_CHILDREN];
static atomic_uint stale_starts;  /* a start that did not find the initial state */
static atomic_uint stop_at_start; /* bit i: child i calls zactor_stop in `on start` */
static atomic_uint slow_stop;     /* bit i: child i's `on stop` takes 20 ms */

static void log_event(int event)
{
    pthread_mutex_lock(&log_lock);
    CHECK(event_count < LOG_MAX);
    events[event_count++] = event;
    pthread_mutex_unlock(&log_lock);
}

static void log_clear(void)
{
    pthread_mutex_lock(&log_lock);
    event_count = 0;
    pthread_mutex_unlock(&log_lock);
}

static void log_reset(void)
{
    log_clear();
    for (unsigned i = 0; i < MAX_CHILDREN; i++) {
        atomic_store(&starts[i], 0);
        atomic_store(&stops[i], 0);
    }
}

/* The log has n events, the first `ordered` of them as given; the rest
 * are starts of new incarnations, spawned in order, but whose `on start`
 * hooks run in any order: the same set as given. */
static void check_log_from(const int *expected, unsigned n, unsigned ordered)
{
    pthread_mutex_lock(&log_lock);
    bool same = event_count == n && memcmp(events, expected, ordered * sizeof *expected) == 0;
    for (unsigned i = ordered; same && i < n; i++) {
        unsigned found = 0;
        for (unsigned j = ordered; j < n; j++)
            found += events[j] == expected[i];
        same = found == 1;
    }
    if (!same) {
        fprintf(stderr, "log:");
        for (unsigned i = 0; i < event_count; i++)
            fprintf(stderr, " %d", events[i]);
        fprintf(stderr, "\nexpected:");
        for (unsigned i = 0; i < n; i++)
            fprintf(stderr, " %d", expected[i]);
        fprintf(stderr, "\n");
        exit(1);
    }
    pthread_mutex_unlock(&log_lock);
}
#define CHECK_LOG_THEN_STARTS(started, ...)            \
    do {                                               \
        const int expected_[] = {__VA_ARGS__};         \
        unsigned n_ = sizeof expected_ / sizeof(int);  \
        check_log_from(expected_, n_, n_ - (started)); \
    } while (0)
#define CHECK_LOG(...) CHECK_LOG_THEN_STARTS(0, __VA_ARGS__)
#define STOPPED(i) (100 + (i))

static void worker_on_start(void *self, zactor_ctx *ctx)
{
    Worker *worker = self;
    if (worker->handled != 0)
        atomic_fetch_add(&stale_starts, 1);
    CHECK(worker->index < MAX_CHILDREN);
    atomic_fetch_add(&starts[worker->index], 1);
    log_event((int)worker->index);
    if (atomic_load(&stop_at_start) & (1u << worker->index))
        zactor_stop(ctx);
}

static void worker_on_stop(void *self, zactor_ctx *ctx)
{
    Worker *worker = self;
    if (atomic_load(&slow_stop) & (1u << worker->index))
        sleep_ms(20);
    stop_reasons[worker->index] = zactor_ctx_end_reason(ctx);
    atomic_fetch_add(&stops[worker->index], 1);
    log_event(STOPPED((int)worker->index));
}

static void worker_on_job(void *self, zactor_ctx *ctx, const void *msg)
{
    Worker *worker = self;
    const Job *job = msg;
    worker->handled++;
    if (job->fail)
        zactor_fail(ctx, job->fail);
    else if (job->stop)
        zactor_stop(ctx);
}

TEST_SLOT(WorkerSlot, Job job;);
static const zactor_handler_entry worker_handlers[] = {TEST_ENTRY(worker_on_job)};
static const zactor_actor_type worker_type =
    TEST_ACTOR_TYPE(name("test.Worker"), state(Worker), slot(WorkerSlot), handlers(worker_handlers),
                    on_start(worker_on_start), on_stop(worker_on_stop));

/* ---- A watcher that monitors supervisors and keeps their Downs ---- */

typedef struct Watch {
    zactor_ref target;
} Watch;

static atomic_uint watcher_downs;
static zactor_down watcher_last_down;

static void watcher_on_watch(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    const Watch *watch = msg;
    uint64_t id;
    CHECK_EQ(zactor_monitor(ctx, watch->target, zactor_supervisor_type(), &id), 0);
}

static void watcher_on_down(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    if (!zactor_down_take(ctx, msg))
        return;
    watcher_last_down = *(const zactor_down *)msg;
    atomic_fetch_add(&watcher_downs, 1);
}

TEST_SLOT(WatcherSlot, Watch watch; zactor_down down;);
static const zactor_handler_entry watcher_handlers[] = {
    TEST_ENTRY(watcher_on_watch), {.handle = watcher_on_down, .flags = ZACTOR_HANDLER_DOWN}};
static const zactor_actor_type watcher_type =
    TEST_ACTOR_TYPE(name("test.Watcher"), state(char), slot(WatcherSlot),
                    handlers(watcher_handlers));

/* ---- Helpers ---- */

static Worker initial[MAX_CHILDREN];
static zactor_child_spec child_specs[MAX_CHILDREN];
static char child_names[MAX_CHILDREN][16];

/* n worker children named w<i>, the restart type given. */
static zactor_supervisor_spec workers_spec(zactor_strategy strategy, unsigned n,
                                           zactor_restart restart, unsigned max_restarts)
{
    for (unsigned i = 0; i < n; i++) {
        initial[i] = (Worker){i, 0};
        snprintf(child_names[i], sizeof child_names[i], "w%u", i);
        child_specs[i] =
            (zactor_child_spec){child_names[i], &worker_type, &initial[i], restart, NULL};
    }
    zactor_supervisor_spec spec = {strategy, max_restarts, UINT64_C(60000000000), child_specs, n};
    return spec;
}

/* A system and a supervisor of n permanent workers named w<i> (at most 5
 * restarts), all started, the log cleared. */
static zactor_system *start_supervised(zactor_strategy strategy, unsigned n, zactor_ref *sup)
{
    zactor_system *sys = start_system(2);
    log_reset();
    zactor_supervisor_spec spec = workers_spec(strategy, n, ZACTOR_RESTART_PERMANENT, 5);
    CHECK_EQ(zactor_supervisor_start(sys, &spec, sup), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    log_clear();
    return sys;
}

static zactor_ref lookup(zactor_system *sys, const char *name)
{
    zactor_ref ref;
    CHECK_EQ(zactor_name_lookup(sys, name, &worker_type, &ref), 0);
    return ref;
}

static int send_job(zactor_ref to, int fail, bool stop)
{
    Job job = {fail, stop};
    return zactor_send(to, &worker_type, 0, &job, sizeof job);
}

static void watch(zactor_system *sys, zactor_ref supervisor)
{
    atomic_store(&watcher_downs, 0);
    zactor_ref watcher = zactor_spawn(sys, &watcher_type, NULL);
    Watch msg = {supervisor};
    CHECK_EQ(zactor_send(watcher, &watcher_type, 0, &msg, sizeof msg), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
}

static bool refs_equal(zactor_ref a, zactor_ref b)
{
    return a.cell == b.cell && a.generation == b.generation;
}

/* ---- Cases ---- */

static void test_one_for_one(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    zactor_supervisor_spec spec = workers_spec(ZACTOR_ONE_FOR_ONE, 3, ZACTOR_RESTART_PERMANENT, 5);
    zactor_ref sup;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    /* The spec was copied: the caller's initial states may change. */
    for (unsigned i = 0; i < 3; i++)
        initial[i] = (Worker){7, 77};
    /* The names work as soon as the start returns. */
    zactor_ref old = lookup(sys, "w1");
    zactor_ref w0 = lookup(sys, "w0");
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG_THEN_STARTS(3, 0, 1, 2);
    log_clear();

    CHECK_EQ(send_job(old, 7, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG(STOPPED(1), 1);
    CHECK_EQ(stop_reasons[1].kind, ZACTOR_END_FAILED);
    CHECK_EQ(stop_reasons[1].code, 7);
    /* A new incarnation under the old name; the old ref is dead. */
    zactor_ref fresh = lookup(sys, "w1");
    CHECK(!refs_equal(fresh, old));
    CHECK_EQ(send_job(old, 0, false), ZACTOR_EDEAD);
    CHECK_EQ(send_job(fresh, 0, false), 0);
    CHECK(refs_equal(lookup(sys, "w0"), w0));
    /* Killed by someone else: restarted too. */
    CHECK_EQ(zactor_kill(fresh, 3), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(stop_reasons[1].kind, ZACTOR_END_KILLED);
    CHECK_EQ(atomic_load(&starts[1]), 3);
    CHECK_EQ(atomic_load(&starts[0]), 1);
    CHECK_EQ(atomic_load(&starts[2]), 1);
    CHECK_EQ(atomic_load(&stale_starts), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    /* destroy ran every remaining `on stop` once. */
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(atomic_load(&stops[i]), atomic_load(&starts[i]));
}

static void test_one_for_all(void)
{
    zactor_ref sup;
    zactor_system *sys = start_supervised(ZACTOR_ONE_FOR_ALL, 4, &sup);
    /* One at a time: 3's slow `on stop` ends before 2 is asked. */
    atomic_store(&slow_stop, 1u << 3);
    CHECK_EQ(send_job(lookup(sys, "w1"), 1, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* The others stop last-started-first, one at a time; then all start
     * again. */
    CHECK_LOG_THEN_STARTS(4, STOPPED(1), STOPPED(3), STOPPED(2), STOPPED(0), 0, 1, 2, 3);
    CHECK_EQ(stop_reasons[3].kind, ZACTOR_END_KILLED);
    CHECK_EQ(stop_reasons[3].code, 0);
    atomic_store(&slow_stop, 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A child that fails on its own while another is being stopped for a
 * restart: the supervisor still stops one child at a time. */
static void test_failure_while_stopping(void)
{
    zactor_ref sup;
    zactor_system *sys = start_supervised(ZACTOR_ONE_FOR_ALL, 4, &sup);
    atomic_store(&slow_stop, 1u << 3);
    zactor_ref w0 = lookup(sys, "w0");
    CHECK_EQ(send_job(lookup(sys, "w1"), 1, false), 0);
    /* w0 fails while 3's `on stop` sleeps: its Down must not start the
     * stop of 2 before 3's has ended. */
    CHECK_EQ(send_job(w0, 1, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    atomic_store(&slow_stop, 0);
    pthread_mutex_lock(&log_lock);
    int stopped3 = -1, stopped2 = -1;
    for (unsigned i = 0; i < event_count; i++) {
        if (events[i] == STOPPED(3))
            stopped3 = (int)i;
        if (events[i] == STOPPED(2))
            stopped2 = (int)i;
    }
    pthread_mutex_unlock(&log_lock);
    CHECK(stopped3 >= 0 && stopped2 > stopped3);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(atomic_load(&starts[i]), 2);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void test_rest_for_one(void)
{
    zactor_ref sup;
    zactor_system *sys = start_supervised(ZACTOR_REST_FOR_ONE, 4, &sup);
    CHECK_EQ(send_job(lookup(sys, "w1"), 1, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG_THEN_STARTS(3, STOPPED(1), STOPPED(3), STOPPED(2), 1, 2, 3);
    /* The last one alone. */
    log_reset();
    CHECK_EQ(send_job(lookup(sys, "w3"), 1, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG(STOPPED(3), 3);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void test_restart_types(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    zactor_supervisor_spec spec = workers_spec(ZACTOR_ONE_FOR_ONE, 3, ZACTOR_RESTART_TRANSIENT, 5);
    child_specs[2].restart = ZACTOR_RESTART_TEMPORARY;
    zactor_ref sup, ref;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* Transient: restarted after a failure, not after a normal stop. */
    CHECK_EQ(send_job(lookup(sys, "w0"), 2, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts[0]), 2);
    CHECK_EQ(send_job(lookup(sys, "w0"), 0, true), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts[0]), 2);
    CHECK_EQ(zactor_name_lookup(sys, "w0", &worker_type, &ref), ZACTOR_ENOENT);
    /* Temporary: never restarted, not even for a sibling (one_for_all). */
    CHECK_EQ(send_job(lookup(sys, "w2"), 2, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts[2]), 1);
    CHECK_EQ(zactor_name_lookup(sys, "w2", NULL, &ref), ZACTOR_ENOENT);
    /* The supervisor goes on with the rest. */
    CHECK_EQ(send_job(lookup(sys, "w1"), 2, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts[1]), 2);
    CHECK_EQ(zactor_system_destroy(sys), 0);

    sys = start_system(2);
    log_reset();
    spec = workers_spec(ZACTOR_ONE_FOR_ALL, 3, ZACTOR_RESTART_PERMANENT, 5);
    child_specs[1].restart = ZACTOR_RESTART_TEMPORARY;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    log_clear();
    CHECK_EQ(send_job(lookup(sys, "w0"), 2, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG_THEN_STARTS(2, STOPPED(0), STOPPED(2), STOPPED(1), 0, 2);
    CHECK_EQ(zactor_name_lookup(sys, "w1", NULL, &ref), ZACTOR_ENOENT);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void test_graceful_stop(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    zactor_supervisor_spec spec = workers_spec(ZACTOR_ONE_FOR_ONE, 4, ZACTOR_RESTART_PERMANENT, 5);
    zactor_ref sup, ref;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    watch(sys, sup);
    log_clear();
    CHECK_EQ(zactor_supervisor_stop(sup), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG(STOPPED(3), STOPPED(2), STOPPED(1), STOPPED(0));
    CHECK_EQ(atomic_load(&watcher_downs), 1);
    CHECK_EQ(watcher_last_down.reason.kind, ZACTOR_END_NORMAL);
    CHECK(strcmp(watcher_last_down.type_name, "zactor.Supervisor") == 0);
    CHECK_EQ(zactor_supervisor_stop(sup), ZACTOR_EDEAD);
    CHECK_EQ(zactor_name_lookup(sys, "w0", NULL, &ref), ZACTOR_ENOENT);
    /* Not a supervisor. */
    zactor_ref worker = zactor_spawn(sys, &worker_type, NULL);
    CHECK_EQ(zactor_supervisor_stop(worker), ZACTOR_ETYPE);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void test_intensity(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    zactor_supervisor_spec spec = workers_spec(ZACTOR_ONE_FOR_ONE, 3, ZACTOR_RESTART_PERMANENT, 2);
    zactor_ref sup;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    watch(sys, sup);
    log_clear();
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(send_job(lookup(sys, "w1"), 9, false), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
    }
    CHECK_EQ(atomic_load(&starts[1]), 3);
    CHECK_EQ(atomic_load(&watcher_downs), 0);
    /* The third restart within the period is one too many. */
    CHECK_EQ(send_job(lookup(sys, "w1"), 9, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_LOG(STOPPED(1), 1, STOPPED(1), 1, STOPPED(1), STOPPED(2), STOPPED(0));
    CHECK_EQ(atomic_load(&watcher_downs), 1);
    CHECK_EQ(watcher_last_down.reason.kind, ZACTOR_END_FAILED);
    CHECK_EQ(watcher_last_down.reason.code, ZACTOR_ERESTARTS);
    CHECK_EQ(zactor_system_destroy(sys), 0);

    /* max_restarts 0: the first failure gives up. A short period lets
     * restarts that are further apart go on forever. */
    sys = start_system(2);
    log_reset();
    spec = workers_spec(ZACTOR_ONE_FOR_ONE, 1, ZACTOR_RESTART_PERMANENT, 0);
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    watch(sys, sup);
    CHECK_EQ(send_job(lookup(sys, "w0"), 9, false), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(watcher_last_down.reason.code, ZACTOR_ERESTARTS);
    spec = workers_spec(ZACTOR_ONE_FOR_ONE, 1, ZACTOR_RESTART_PERMANENT, 1);
    spec.period_ns = 1000000; /* 1 ms */
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    watch(sys, sup);
    for (unsigned i = 0; i < 5; i++) {
        sleep_ms(5);
        CHECK_EQ(send_job(lookup(sys, "w0"), 9, false), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
    }
    CHECK_EQ(atomic_load(&watcher_downs), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* top (gives up at once) > middle (1 restart) > leaf (1 restart) > worker.
 * Failing the worker again and again: the leaf gives up, the middle
 * restarts it, the leaf gives up again, the middle gives up, and the top
 * gives up: the watcher of the top sees ERESTARTS two levels up. */
static void test_escalation(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    initial[0] = (Worker){0, 0};
    zactor_child_spec worker_child = {"leafworker", &worker_type, &initial[0],
                                      ZACTOR_RESTART_PERMANENT, NULL};
    zactor_supervisor_spec leaf = {ZACTOR_ONE_FOR_ONE, 1, UINT64_C(60000000000), &worker_child, 1};
    zactor_child_spec leaf_child = zactor_supervisor_child("leaf", &leaf, ZACTOR_RESTART_PERMANENT);
    zactor_supervisor_spec middle = {ZACTOR_ONE_FOR_ONE, 1, UINT64_C(60000000000), &leaf_child, 1};
    zactor_child_spec middle_child =
        zactor_supervisor_child("middle", &middle, ZACTOR_RESTART_PERMANENT);
    zactor_supervisor_spec top = {ZACTOR_ONE_FOR_ONE, 0, UINT64_C(60000000000), &middle_child, 1};
    zactor_ref sup, ref;
    CHECK_EQ(zactor_supervisor_start(sys, &top, &sup), 0);
    /* The start waited for the top's own children; nested ones follow. */
    CHECK_EQ(zactor_name_lookup(sys, "middle", zactor_supervisor_type(), &ref), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_name_lookup(sys, "leaf", zactor_supervisor_type(), &ref), 0);
    CHECK_EQ(zactor_name_lookup(sys, "middle", &worker_type, &ref), ZACTOR_ETYPE);
    watch(sys, sup);
    zactor_ref first_leaf;
    CHECK_EQ(zactor_name_lookup(sys, "leaf", NULL, &first_leaf), 0);
    unsigned failures = 0;
    while (atomic_load(&watcher_downs) == 0) {
        CHECK(failures < 10);
        if (zactor_name_lookup(sys, "leafworker", &worker_type, &ref) == 0)
            CHECK_EQ(send_job(ref, 4, false), 0);
        failures++;
        CHECK_EQ(zactor_system_wait(sys), 0);
    }
    /* Worker restarts: 1 by the first leaf, 1 by the second; each leaf
     * gives up on the second failure after it. */
    CHECK_EQ(failures, 4);
    CHECK_EQ(atomic_load(&starts[0]), 4);
    CHECK_EQ(atomic_load(&stops[0]), 4);
    CHECK_EQ(watcher_last_down.reason.kind, ZACTOR_END_FAILED);
    CHECK_EQ(watcher_last_down.reason.code, ZACTOR_ERESTARTS);
    CHECK_EQ(zactor_supervisor_stop(first_leaf), ZACTOR_EDEAD);
    CHECK_EQ(zactor_name_lookup(sys, "middle", NULL, &ref), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_lookup(sys, "leaf", NULL, &ref), ZACTOR_ENOENT);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A stop request, or a kill, that lands while a one_for_all restart is
 * stopping and starting children: at the end every incarnation that
 * started has stopped exactly once, and no name is left. */
static void test_stop_while_restarting(bool kill)
{
    unsigned rounds = (unsigned)scaled(200);
    for (unsigned round = 0; round < rounds; round++) {
        zactor_system *sys = start_system(2);
        log_reset();
        zactor_supervisor_spec spec =
            workers_spec(ZACTOR_ONE_FOR_ALL, 4, ZACTOR_RESTART_PERMANENT, 1000);
        zactor_ref sup, ref;
        CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
        watch(sys, sup);
        for (unsigned i = 0; i < 4; i++)
            if (zactor_name_lookup(sys, "w0", &worker_type, &ref) == 0)
                (void)send_job(ref, 1, false);
        /* Let the restarts run a varying while. */
        for (unsigned spin = 0; spin < (round % 16) * 500; spin++)
            atomic_signal_fence(memory_order_seq_cst);
        CHECK_EQ(kill ? zactor_kill(sup, 5) : zactor_supervisor_stop(sup), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        /* A kill returns before the children it kills have ended. */
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&watcher_downs), 1);
        CHECK_EQ(watcher_last_down.reason.kind, kill ? ZACTOR_END_KILLED : ZACTOR_END_NORMAL);
        for (unsigned i = 0; i < 4; i++) {
            CHECK(atomic_load(&starts[i]) >= 1);
            CHECK_EQ(atomic_load(&stops[i]), atomic_load(&starts[i]));
            char name[8];
            snprintf(name, sizeof name, "w%u", i);
            CHECK_EQ(zactor_name_lookup(sys, name, NULL, &ref), ZACTOR_ENOENT);
        }
        CHECK_EQ(zactor_system_destroy(sys), 0);
    }
}

/* A named transient child that stops in its own `on start`, before its
 * name can be registered: the start succeeds, the Down carries the real
 * reason (normal), and the child is not restarted. */
static void test_child_ends_at_once(void)
{
    unsigned rounds = (unsigned)scaled(50);
    for (unsigned round = 0; round < rounds; round++) {
        zactor_system *sys = start_system(2);
        log_reset();
        atomic_store(&stop_at_start, 1u << 1);
        zactor_supervisor_spec spec =
            workers_spec(ZACTOR_ONE_FOR_ONE, 3, ZACTOR_RESTART_TRANSIENT, 5);
        child_specs[2].name = NULL; /* unnamed too */
        atomic_fetch_or(&stop_at_start, 1u << 2);
        zactor_ref sup, ref;
        CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&starts[1]), 1);
        CHECK_EQ(atomic_load(&starts[2]), 1);
        CHECK_EQ(zactor_name_lookup(sys, "w1", NULL, &ref), ZACTOR_ENOENT);
        CHECK_EQ(zactor_name_lookup(sys, "w0", NULL, &ref), 0);
        atomic_store(&stop_at_start, 0);
        CHECK_EQ(zactor_system_destroy(sys), 0);
    }
}

/* A nested supervisor with named children, killed again and again: its
 * parent restarts it at once, and the new children take the names of the
 * old ones (still ending) without ZACTOR_EEXIST. */
static void test_nested_killed(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    initial[0] = (Worker){0, 0};
    initial[1] = (Worker){1, 0};
    zactor_child_spec inner_children[2] = {
        {"iw0", &worker_type, &initial[0], ZACTOR_RESTART_PERMANENT, NULL},
        {"iw1", &worker_type, &initial[1], ZACTOR_RESTART_PERMANENT, NULL}};
    zactor_supervisor_spec inner = {ZACTOR_ONE_FOR_ONE, 1, UINT64_C(60000000000), inner_children,
                                    2};
    zactor_child_spec inner_child =
        zactor_supervisor_child("inner", &inner, ZACTOR_RESTART_PERMANENT);
    zactor_supervisor_spec outer = {ZACTOR_ONE_FOR_ONE, 1000, UINT64_C(60000000000), &inner_child,
                                    1};
    zactor_ref sup, ref, previous = {NULL, 0};
    CHECK_EQ(zactor_supervisor_start(sys, &outer, &sup), 0);
    watch(sys, sup);
    unsigned rounds = (unsigned)scaled(30);
    for (unsigned round = 0; round < rounds; round++) {
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(zactor_name_lookup(sys, "inner", zactor_supervisor_type(), &ref), 0);
        CHECK(!refs_equal(ref, previous));
        zactor_ref worker;
        CHECK_EQ(zactor_name_lookup(sys, "iw0", &worker_type, &worker), 0);
        CHECK_EQ(zactor_name_lookup(sys, "iw1", &worker_type, &worker), 0);
        previous = ref;
        CHECK_EQ(zactor_kill(ref, 8), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&watcher_downs), 0);
    CHECK_EQ(atomic_load(&starts[0]), rounds + 1);
    CHECK_EQ(atomic_load(&stops[0]), rounds);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* Clients look a supervised worker up by name and send it jobs, some of
 * which make it fail, while its supervisor restarts it again and again:
 * a lookup finds a worker or ZACTOR_ENOENT (between an end and the
 * restart), a send succeeds or finds it ended, and every incarnation that
 * started has stopped at the end, but the last. */
typedef struct client_run {
    zactor_system *sys;
    unsigned jobs;
    atomic_uint found;
    atomic_uint absent;
} client_run;

static void *client(void *arg)
{
    client_run *run = arg;
    for (unsigned i = 0; i < run->jobs; i++) {
        zactor_ref ref;
        int rc = zactor_name_lookup(run->sys, "w0", &worker_type, &ref);
        if (rc == ZACTOR_ENOENT) {
            atomic_fetch_add(&run->absent, 1);
            sched_yield();
            continue;
        }
        CHECK_EQ(rc, 0);
        atomic_fetch_add(&run->found, 1);
        rc = send_job(ref, i % 4 == 0 ? 6 : 0, false);
        CHECK(rc == 0 || rc == ZACTOR_EDEAD);
    }
    return NULL;
}

static void test_lookup_races_restarts(void)
{
    zactor_system *sys = start_system(2);
    log_reset();
    zactor_supervisor_spec spec = workers_spec(ZACTOR_ONE_FOR_ONE, 1, ZACTOR_RESTART_PERMANENT,
                                               ZACTOR_SUPERVISOR_MAX_RESTARTS);
    spec.period_ns = 1; /* never gives up */
    zactor_ref sup;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), 0);
    watch(sys, sup);
    client_run run = {.sys = sys, .jobs = (unsigned)scaled(4000)};
    pthread_t threads[2];
    for (unsigned i = 0; i < 2; i++)
        CHECK(pthread_create(&threads[i], NULL, client, &run) == 0);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK(atomic_load(&run.found) > 0);
    CHECK(atomic_load(&starts[0]) > 1);
    CHECK_EQ(atomic_load(&stops[0]), atomic_load(&starts[0]) - 1);
    CHECK_EQ(atomic_load(&watcher_downs), 0);
    zactor_ref ref;
    CHECK_EQ(zactor_name_lookup(sys, "w0", &worker_type, &ref), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    CHECK_EQ(atomic_load(&stops[0]), atomic_load(&starts[0]));
}

static void test_bad_specs(void)
{
    zactor_system *sys = start_system(1);
    zactor_ref sup;
    zactor_supervisor_spec spec = workers_spec(ZACTOR_ONE_FOR_ONE, 2, ZACTOR_RESTART_PERMANENT, 1);
    CHECK_EQ(zactor_supervisor_start(NULL, &spec, &sup), ZACTOR_EARG);
    CHECK(zactor_ref_is_null(sup));
    CHECK_EQ(zactor_supervisor_start(sys, NULL, &sup), ZACTOR_EARG);
    CHECK_EQ(zactor_supervisor_start(sys, &spec, NULL), ZACTOR_EARG);
    zactor_supervisor_spec bad = spec;
    bad.strategy = (zactor_strategy)7;
    CHECK_EQ(zactor_supervisor_start(sys, &bad, &sup), ZACTOR_EARG);
    CHECK_EQ(zactor_ref_error(sup), ZACTOR_EARG);
    bad = spec;
    bad.period_ns = 0;
    CHECK_EQ(zactor_supervisor_start(sys, &bad, &sup), ZACTOR_EARG);
    bad = spec;
    bad.max_restarts = ZACTOR_SUPERVISOR_MAX_RESTARTS + 1;
    CHECK_EQ(zactor_supervisor_start(sys, &bad, &sup), ZACTOR_EARG);
    bad = spec;
    bad.children = NULL;
    CHECK_EQ(zactor_supervisor_start(sys, &bad, &sup), ZACTOR_EARG);
    child_specs[1].type = NULL;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), ZACTOR_EARG);
    child_specs[1].type = &worker_type;
    child_specs[1].restart = (zactor_restart)9;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), ZACTOR_EARG);
    child_specs[1].restart = ZACTOR_RESTART_PERMANENT;
    child_specs[1].name = "";
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), ZACTOR_EARG);
    child_specs[1].name = child_names[1];
    zactor_actor_type broken = worker_type;
    broken.abi_version = 0;
    child_specs[1].type = &broken;
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), ZACTOR_ETYPE);
    child_specs[1].type = &worker_type;
    /* A spec that contains itself. */
    zactor_supervisor_spec loop = {ZACTOR_ONE_FOR_ONE, 1, 1000, NULL, 1};
    zactor_child_spec loop_child = zactor_supervisor_child(NULL, &loop, ZACTOR_RESTART_PERMANENT);
    loop.children = &loop_child;
    CHECK_EQ(zactor_supervisor_start(sys, &loop, &sup), ZACTOR_EARG);
    /* Both children named alike: the second name is taken, the start
     * fails, and the supervisor stops the first child again. */
    log_reset();
    child_specs[1].name = child_names[0];
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), ZACTOR_EEXIST);
    CHECK_EQ(zactor_ref_error(sup), ZACTOR_EEXIST);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&starts[0]), 1);
    CHECK_EQ(atomic_load(&stops[0]), 1);
    zactor_ref ref;
    CHECK_EQ(zactor_name_lookup(sys, "w0", NULL, &ref), ZACTOR_ENOENT);
    /* The first child's name is taken: the supervisor has nothing to
     * stop, yet answers the start before it ends. */
    zactor_ref holder = zactor_spawn(sys, &worker_type, &initial[0]);
    CHECK_EQ(zactor_name_register(sys, "taken", holder), 0);
    child_specs[0].name = "taken";
    CHECK_EQ(zactor_supervisor_start(sys, &spec, &sup), ZACTOR_EEXIST);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_name_lookup(sys, "taken", &worker_type, &ref), 0);
    CHECK(refs_equal(ref, holder));
    /* No children at all is fine. */
    zactor_supervisor_spec empty = {ZACTOR_ONE_FOR_ONE, 1, 1000, NULL, 0};
    CHECK_EQ(zactor_supervisor_start(sys, &empty, &sup), 0);
    CHECK_EQ(zactor_supervisor_stop(sup), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_supervisor_stop(sup), ZACTOR_EDEAD);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    bool all = strcmp(which, "all") == 0;
    if (all || strcmp(which, "strategies") == 0) {
        test_one_for_one();
        test_one_for_all();
        test_rest_for_one();
        test_failure_while_stopping();
        test_restart_types();
        test_graceful_stop();
        test_child_ends_at_once();
        test_nested_killed();
        test_bad_specs();
    }
    if (all || strcmp(which, "intensity") == 0) {
        test_intensity();
        test_escalation();
    }
    if (all || strcmp(which, "races") == 0) {
        test_lookup_races_restarts();
        test_stop_while_restarting(false);
        test_stop_while_restarting(true);
    }
    return 0;
}
