/* test_notices.c - Downs and request error notices that find no memory
 * wait and are sent again (runtime/src/notice.c). Built only with
 * ZACTOR_FAULT_INJECTION (runtime/src/alloc.h).
 *
 * Each case arms the fault injection from inside the system, at a fixed
 * point of its run (a hook or a handler), so that the kth allocation
 * after that point fails, for k = 1, 2, ... until a run makes no failed
 * allocation: the allocations of the notices' sends are failed in turn,
 * among the others. Every run checks:
 * - downs: each of two monitored targets ends; each Down is handled once,
 *   the first target's before the second's (the order they were made in:
 *   the first one's end made the second end), and each after the Bye its
 *   target sent from `on stop`;
 * - errors: each tracked request accepted gets exactly one answer, the
 *   one its fate calls for (ZACTOR_EDEAD from a target killed with the
 *   request queued, ZACTOR_ETIMEDOUT from a holder that keeps it, a reply
 *   from a target that answers; ZACTOR_ENOMEM when its reply found no
 *   memory), and in deterministic mode the EDEAD notice before the
 *   ETIMEDOUT one;
 * - stop: a Down and a request error notice made just before the system
 *   stops; if they wait, destroy frees them and nothing is handled;
 * - remote: the same across two nodes (a monitor of a remote target that
 *   quits, a tracked request to a remote target killed with it queued):
 *   the Down and the notice come once each, whichever of the two nodes'
 *   allocations failed (the DOWN and FAIL records wait too);
 * - always: no notice lost (zactor_stats.notices_lost), zactor_system_wait
 *   returned only once every waiting notice was handled, no block left
 *   after destroy (and LeakSanitizer).
 * Across each sweep, some run must have made a notice wait
 * (notices_delayed), else the case tested nothing. Each case runs in
 * deterministic mode (the retry on the worker, in virtual time) and with
 * one worker and the timer thread (the retry there, every millisecond);
 * remote only with the timer threads (its allocations come from both
 * nodes' threads: which one fails varies from run to run, and its checks
 * hold whichever does).
 *
 * Usage: test_notices [downs|errors|stop|remote]... */
#include <stdatomic.h>
#include <string.h>

#include "fault.h"
#include "notices.zidl.h"
#include "rt_test.h"
#include "tsan_zmq.h"

#define MS (UINT64_C(1000000))
#define SEED 41u

/* Where the fault is armed, and which allocation after that fails. Set
 * by the test thread before the message that reaches that point. */
enum { ARM_NONE, ARM_FIRST_STOP, ARM_GO };
static int arm_where;
static uint64_t arm_k;

static bool deterministic;
static const char *current_case;
static bool reached; /* the run's kth allocation was made (and failed) */

static void fail_run(const char *what)
{
    fprintf(stderr, "%s (%s), k = %llu: %s\n", current_case,
            deterministic ? "deterministic" : "timer thread", (unsigned long long)arm_k, what);
    exit(1);
}

/* rc of a call made after the fault was armed: 0, or ZACTOR_ENOMEM for
 * the failed allocation; ZACTOR_ESTOPPED from the hooks destroy runs. */
static bool ok_or_enomem(int rc)
{
    if (rc != 0 && rc != ZACTOR_ESTOPPED && !(rc == ZACTOR_ENOMEM && zactor__fault_injected()))
        fail_run(zactor_err_name(rc));
    return rc == 0;
}

/* ---- targets and their watcher ------------------------------------------ */

static notices_Watcher_ref watcher;
static notices_Target_ref targets[3]; /* by index; 0 unused */
static _Atomic bool bye_sent[3], quit_sent;

/* The Watcher's log, written by its handlers (one at a time), read after
 * zactor_system_wait or destroy. */
enum { EV_BYE = 1, EV_DOWN };
static struct {
    int kind;
    uint32_t who;
} events[16];
static unsigned event_count;
static uint64_t monitor_ids[3];
/* Downs and answers so far, for the test thread to poll while the
 * systems run (the logs are read once they are destroyed). */
static _Atomic unsigned downs_seen, answers_seen;

static void log_event(int kind, uint32_t who)
{
    if (event_count == sizeof events / sizeof events[0])
        fail_run("too many events");
    events[event_count].kind = kind;
    events[event_count].who = who;
    event_count++;
}

void notices_Target_on_Quit(notices_Target *self, zactor_ctx *ctx, const notices_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

void notices_Target_on_Ask(notices_Target *self, zactor_ctx *ctx, const notices_Ask *msg,
                           notices_Answer *reply)
{
    (void)self;
    (void)ctx;
    reply->n = msg->n;
}

void notices_Target_on_stop(notices_Target *self, zactor_ctx *ctx)
{
    (void)ctx;
    uint32_t i = self->index;
    if (i < 3 && !zactor_ref_is_null(watcher.raw))
        atomic_store(&bye_sent[i],
                     ok_or_enomem(notices_Watcher_send_Bye(watcher, &(notices_Bye){i})));
    if (!zactor_ref_is_null(self->next.raw))
        atomic_store(&quit_sent,
                     ok_or_enomem(notices_Target_send_Quit(self->next, &(notices_Quit){0})));
    if (!zactor_ref_is_null(self->stopper.raw))
        (void)ok_or_enomem(notices_Stopper_send_Halt(self->stopper, &(notices_Halt){0}));
    /* The point the fault is armed at: the Down of this target is the
     * next thing to be sent. */
    if (i == 1 && arm_where == ARM_FIRST_STOP)
        zactor__fault_arm(arm_k);
}

void notices_Watcher_on_start(notices_Watcher *self, zactor_ctx *ctx)
{
    if (!zactor_ref_is_null(self->first.raw))
        CHECK_EQ(notices_Target_monitor(ctx, self->first, &monitor_ids[1]), 0);
    if (!zactor_ref_is_null(self->second.raw))
        CHECK_EQ(notices_Target_monitor(ctx, self->second, &monitor_ids[2]), 0);
}

void notices_Watcher_on_Bye(notices_Watcher *self, zactor_ctx *ctx, const notices_Bye *msg)
{
    (void)self;
    (void)ctx;
    log_event(EV_BYE, msg->from);
}

void notices_Watcher_on_down(notices_Watcher *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    for (uint32_t i = 1; i < 3; i++) {
        if (down->ref.cell == targets[i].raw.cell &&
            down->ref.generation == targets[i].raw.generation) {
            if (down->monitor != monitor_ids[i] || strcmp(down->type_name, "notices.Target") != 0)
                fail_run("a Down that says the wrong monitor or type");
            log_event(EV_DOWN, i);
            atomic_fetch_add(&downs_seen, 1);
            return;
        }
    }
    fail_run("a Down of no target");
}

void notices_Stopper_on_Halt(notices_Stopper *self, zactor_ctx *ctx, const notices_Halt *msg)
{
    (void)self;
    (void)msg;
    zactor_system_stop(zactor_ctx_system(ctx));
}

/* ---- requests -------------------------------------------------------------- */

enum { R_DOOMED, R_HOLDER, R_ANSWERING, R_COUNT };
static uint64_t request_ids[R_COUNT];
static bool requested[R_COUNT], doomed_killed;
static unsigned answers[R_COUNT];
static int answer_code[R_COUNT]; /* 0: the reply */
static unsigned notice_order[R_COUNT];
static unsigned notice_count;
static notices_Holder_Ask_promise held;
static bool holding;
/* remote: the target on the other node the Requester tells to quit,
 * once its request is answered (so that the FAIL and DOWN records go in
 * batches of their own, each allocating one): QUIT_* below. */
static notices_Target_ref remote_quitter;
enum { QUIT_NONE, QUIT_SENT, QUIT_FAILED };
static _Atomic int quit_state;

static void quit_remote(void)
{
    if (!zactor_ref_is_null(remote_quitter.raw) && atomic_load(&quit_state) == QUIT_NONE)
        atomic_store(&quit_state,
                     ok_or_enomem(notices_Target_send_Quit(remote_quitter, &(notices_Quit){0}))
                         ? QUIT_SENT
                         : QUIT_FAILED);
}

void notices_Requester_on_Go(notices_Requester *self, zactor_ctx *ctx, const notices_Go *msg)
{
    (void)msg;
    if (arm_where == ARM_GO)
        zactor__fault_arm(arm_k);
    requested[R_DOOMED] = ok_or_enomem(notices_Target_request_Ask_tracked(
        self->doomed, ctx, &(notices_Ask){R_DOOMED + 1}, &request_ids[R_DOOMED]));
    /* Ends before it handles the request: the request is dropped with it. */
    doomed_killed = ok_or_enomem(zactor_kill(self->doomed.raw, 0));
    if (!zactor_ref_is_null(self->holder.raw))
        requested[R_HOLDER] = ok_or_enomem(notices_Holder_request_Ask_timeout(
            self->holder, ctx, &(notices_Ask){R_HOLDER + 1}, 5 * MS, &request_ids[R_HOLDER]));
    if (!requested[R_DOOMED])
        quit_remote();
    if (!zactor_ref_is_null(self->answering.raw))
        requested[R_ANSWERING] = ok_or_enomem(notices_Target_request_Ask_tracked(
            self->answering, ctx, &(notices_Ask){R_ANSWERING + 1}, &request_ids[R_ANSWERING]));
}

void notices_Requester_on_Answer(notices_Requester *self, zactor_ctx *ctx,
                                 const notices_Answer *msg)
{
    (void)self;
    (void)ctx;
    if (msg->n < 1 || msg->n > R_COUNT)
        fail_run("an answer to no request");
    answers[msg->n - 1]++;
    answer_code[msg->n - 1] = 0;
    atomic_fetch_add(&answers_seen, 1);
    quit_remote();
}

void notices_Requester_on_request_error(notices_Requester *self, zactor_ctx *ctx,
                                        const zactor_request_error *err)
{
    (void)self;
    (void)ctx;
    for (unsigned i = 0; i < R_COUNT; i++) {
        if (requested[i] && err->request == request_ids[i]) {
            answers[i]++;
            answer_code[i] = err->code;
            if (notice_count < R_COUNT)
                notice_order[notice_count++] = i;
            atomic_fetch_add(&answers_seen, 1);
            quit_remote();
            return;
        }
    }
    fail_run("a notice of no request");
}

void notices_Holder_on_Ask(notices_Holder *self, zactor_ctx *ctx, const notices_Ask *msg,
                           notices_Answer *reply)
{
    (void)self;
    reply->n = msg->n; /* the answer, should the defer find no memory */
    holding = ok_or_enomem(notices_Holder_defer_Ask(ctx, &held));
}

/* ---- runs ------------------------------------------------------------------ */

static zactor_system *start(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.deterministic_seed = deterministic ? SEED : 0;
    cfg.workers = 1;
    cfg.pin_threads = false;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    return sys;
}

static void reset(void)
{
    arm_where = ARM_NONE;
    watcher = (notices_Watcher_ref){0};
    memset(targets, 0, sizeof targets);
    for (int i = 0; i < 3; i++)
        atomic_store(&bye_sent[i], false);
    atomic_store(&quit_sent, false);
    event_count = 0;
    memset(monitor_ids, 0, sizeof monitor_ids);
    memset(request_ids, 0, sizeof request_ids);
    memset(requested, 0, sizeof requested);
    memset(answers, 0, sizeof answers);
    memset(answer_code, 0, sizeof answer_code);
    notice_count = 0;
    doomed_killed = holding = false;
    atomic_store(&quit_state, QUIT_NONE);
    atomic_store(&downs_seen, 0);
    atomic_store(&answers_seen, 0);
    remote_quitter = (notices_Target_ref){0};
}

/* Where event (kind, who) is in the Watcher's log; event_count if absent,
 * and a failure if there twice. */
static unsigned find_event(int kind, uint32_t who)
{
    unsigned at = event_count;
    for (unsigned i = 0; i < event_count; i++) {
        if (events[i].kind == kind && events[i].who == who) {
            if (at != event_count)
                fail_run(kind == EV_DOWN ? "a Down handled twice" : "a Bye handled twice");
            at = i;
        }
    }
    return at;
}

/* The system's notices after its run: none lost; how many waited. */
static uint64_t notices_waited(zactor_system *sys)
{
    zactor_stats stats;
    CHECK_EQ(zactor_stats_read(sys, &stats, NULL, 0), 0);
    if (stats.notices_lost != 0)
        fail_run("a notice lost");
    return stats.notices_delayed;
}

static void destroy(zactor_system *sys)
{
    CHECK_EQ(zactor_system_destroy(sys), 0);
    reached = zactor__fault_injected();
    zactor__fault_arm(0);
    if (zactor__fault_live() != 0)
        fail_run("blocks left after destroy");
}

/* Two watched targets; the first's end ends the second. */
static uint64_t run_downs(void)
{
    zactor_system *sys = start();
    targets[2] = notices_Target_spawn(sys, &(notices_Target){.index = 2});
    targets[1] = notices_Target_spawn(sys, &(notices_Target){.index = 1, .next = targets[2]});
    watcher = notices_Watcher_spawn(sys, &(notices_Watcher){targets[1], targets[2]});
    CHECK(!zactor_ref_is_null(watcher.raw));
    CHECK_EQ(zactor_system_wait(sys), 0); /* the monitors are set */
    arm_where = ARM_FIRST_STOP;
    CHECK_EQ(notices_Target_send_Quit(targets[1], &(notices_Quit){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* Sent before the fault was armed: the second target has ended. */
    CHECK(atomic_load(&quit_sent));
    unsigned down1 = find_event(EV_DOWN, 1), down2 = find_event(EV_DOWN, 2);
    if (down1 == event_count || down2 == event_count)
        fail_run("a Down not handled by the time wait returned");
    if (down1 > down2)
        fail_run("the second Down before the first");
    for (uint32_t i = 1; i < 3; i++) {
        unsigned bye = find_event(EV_BYE, i);
        if (atomic_load(&bye_sent[i]) && (bye == event_count || bye > (i == 1 ? down1 : down2)))
            fail_run("a Down before what its target sent before it ended");
    }
    uint64_t waited = notices_waited(sys);
    destroy(sys);
    return waited;
}

/* A requester's tracked requests, each with its own fate. */
static uint64_t run_errors(void)
{
    zactor_system *sys = start();
    notices_Target_ref doomed = notices_Target_spawn(sys, &(notices_Target){.index = 10});
    notices_Target_ref answering = notices_Target_spawn(sys, &(notices_Target){.index = 11});
    notices_Holder_ref holder = notices_Holder_spawn(sys, NULL);
    notices_Requester_ref requester =
        notices_Requester_spawn(sys, &(notices_Requester){doomed, holder, answering});
    CHECK(!zactor_ref_is_null(requester.raw));
    CHECK_EQ(zactor_system_wait(sys), 0);
    arm_where = ARM_GO;
    CHECK_EQ(notices_Requester_send_Go(requester, &(notices_Go){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    for (unsigned i = 0; i < R_COUNT; i++) {
        if (answers[i] != (requested[i] ? 1u : 0u))
            fail_run(answers[i] ? "a request answered twice (or never made)"
                                : "a request not answered by the time wait returned");
        if (!requested[i])
            continue;
        int code = answer_code[i];
        /* What each request ends with: its fate's notice, or its reply;
         * or ZACTOR_ENOMEM in place of a reply that found no memory. */
        int fate = i == R_DOOMED && doomed_killed ? ZACTOR_EDEAD
                   : i == R_HOLDER && holding     ? ZACTOR_ETIMEDOUT
                                                  : 0;
        bool replaced = fate == 0 && code == ZACTOR_ENOMEM && zactor__fault_injected();
        /* On the real clock the deadline may pass before the holder's
         * handler runs at all (a loaded machine): then it is the answer,
         * whether the defer would have found memory or not. */
        bool late = i == R_HOLDER && !deterministic && code == ZACTOR_ETIMEDOUT;
        if (code != fate && !replaced && !late)
            fail_run("a request answered with the wrong code");
    }
    /* The EDEAD notice was made first (the doomed target ended at once,
     * the deadline passed 5 ms later): it comes first. */
    if (deterministic && notice_count >= 2 && answer_code[notice_order[0]] == ZACTOR_ETIMEDOUT &&
        answer_code[notice_order[1]] == ZACTOR_EDEAD)
        fail_run("the notices out of the order they were made in");
    uint64_t waited = notices_waited(sys);
    destroy(sys);
    return waited;
}

/* A watched target killed with a request queued: its on stop stops the
 * system, just before its Down and the request's notice are made. */
static uint64_t run_stop(void)
{
    zactor_system *sys = start();
    notices_Stopper_ref stopper = notices_Stopper_spawn(sys, NULL);
    targets[1] = notices_Target_spawn(sys, &(notices_Target){.index = 1, .stopper = stopper});
    watcher = notices_Watcher_spawn(sys, &(notices_Watcher){.first = targets[1]});
    notices_Requester_ref requester =
        notices_Requester_spawn(sys, &(notices_Requester){.doomed = targets[1]});
    CHECK(!zactor_ref_is_null(requester.raw) && !zactor_ref_is_null(watcher.raw));
    CHECK_EQ(zactor_system_wait(sys), 0);
    arm_where = ARM_GO;
    CHECK_EQ(notices_Requester_send_Go(requester, &(notices_Go){0}), 0);
    int rc = zactor_system_wait(sys);
    CHECK(rc == 0 || rc == ZACTOR_ESTOPPED);
    uint64_t waited = 0;
    if (rc == ZACTOR_ESTOPPED) {
        /* Stopped: whatever waited was not handled (in deterministic
         * mode the retry comes only once nothing can run, after the stop;
         * the timer thread may retry sooner), and destroy frees it. */
        waited = notices_waited(sys);
        if (deterministic && waited && find_event(EV_DOWN, 1) != event_count &&
            answers[R_DOOMED] != 0)
            fail_run("a notice that waited was handled after the stop");
    } else {
        /* The kill or the Halt found no memory: a plain run. */
        if ((doomed_killed && find_event(EV_DOWN, 1) == event_count) ||
            answers[R_DOOMED] != requested[R_DOOMED])
            fail_run("a Down or a notice not handled by the time wait returned");
        (void)notices_waited(sys);
    }
    destroy(sys);
    return rc == ZACTOR_ESTOPPED ? waited : 0;
}

/* A node of the remote case: started, or the test fails (no fault is
 * armed yet). */
static zactor_system *start_node(const char *name)
{
    zactor_system *sys = start();
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    cfg.name = name;
    /* No peer found down for a loaded machine's stall. */
    cfg.down_after_ms = 10000;
    CHECK_EQ(zactor_node_start(sys, &cfg), 0);
    return sys;
}

/* Read once the Requester's Go has run (zactor_system_wait): the answer
 * to the request it made, then the Down of the target it told to quit. */
static bool remote_done(void)
{
    if (atomic_load(&answers_seen) < (requested[R_DOOMED] ? 1u : 0u))
        return false;
    int quit = atomic_load(&quit_state);
    return quit == QUIT_FAILED || (quit == QUIT_SENT && atomic_load(&downs_seen) >= 1);
}

/* Node a watches a target on node b and makes a tracked request to
 * another, which it kills; once answered, it tells the first to quit. */
static uint64_t run_remote(void)
{
    zactor_system *a = start_node("a"), *b = start_node("b");
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    CHECK_EQ(zactor_node_listen(b, "tcp://127.0.0.1:0", endpoint, sizeof endpoint), 0);
    CHECK_EQ(zactor_node_connect(a, endpoint, UINT64_C(10000) * MS, NULL, 0), 0);
    notices_Target_ref quitter = notices_Target_spawn(b, &(notices_Target){.index = 20});
    notices_Target_ref doomed = notices_Target_spawn(b, &(notices_Target){.index = 21});
    CHECK_EQ(notices_Target_register(b, "quitter", quitter), 0);
    CHECK_EQ(notices_Target_register(b, "doomed", doomed), 0);
    CHECK_EQ(notices_Target_lookup_remote(a, "b", "quitter", UINT64_C(10000) * MS, &targets[1]), 0);
    notices_Target_ref remote_doomed;
    CHECK_EQ(notices_Target_lookup_remote(a, "b", "doomed", UINT64_C(10000) * MS, &remote_doomed),
             0);
    watcher = notices_Watcher_spawn(a, &(notices_Watcher){.first = targets[1]});
    notices_Requester_ref requester =
        notices_Requester_spawn(a, &(notices_Requester){.doomed = remote_doomed});
    CHECK(!zactor_ref_is_null(watcher.raw) && !zactor_ref_is_null(requester.raw));
    CHECK_EQ(zactor_system_wait(a), 0); /* the monitor is set (on a; b hears of it next) */
    remote_quitter = targets[1];
    arm_where = ARM_GO;
    CHECK_EQ(notices_Requester_send_Go(requester, &(notices_Go){0}), 0);
    CHECK_EQ(zactor_system_wait(a), 0);
    /* What crosses the nodes is not pending work on either: wait for it
     * (10 s at most, a hang guard). */
    for (int i = 0; i < 10000 && !remote_done(); i++)
        sleep_ms(1);
    CHECK_EQ(zactor_system_wait(a), 0);
    CHECK_EQ(zactor_system_wait(b), 0);
    uint64_t waited = notices_waited(a) + notices_waited(b);
    CHECK_EQ(zactor_system_destroy(a), 0);
    destroy(b);
    /* Joined: the logs are read now. */
    if (atomic_load(&quit_state) == QUIT_SENT && find_event(EV_DOWN, 1) == event_count)
        fail_run("the Down of a remote target that quit did not come");
    if (answers[R_DOOMED] != (requested[R_DOOMED] ? 1u : 0u))
        fail_run("a request across the nodes not answered once");
    /* EDEAD, or its reply if the kill found no memory on the way
     * (ZACTOR_ENOMEM if the reply found none). */
    int code = answer_code[R_DOOMED];
    if (requested[R_DOOMED] && code != ZACTOR_EDEAD && code != 0 && code != ZACTOR_ENOMEM)
        fail_run("a request across the nodes answered with the wrong code");
    return waited;
}

typedef struct test_case {
    const char *name;
    uint64_t (*run)(void);
    bool deterministic; /* runs in deterministic mode too */
} test_case;

static const test_case cases[] = {
    {"downs", run_downs, true},
    {"errors", run_errors, true},
    {"stop", run_stop, true},
    {"remote", run_remote, false},
};

/* Runs c with the kth allocation after its arming point failing, for
 * every k; returns the runs in which a notice waited. */
static uint64_t sweep(const test_case *c)
{
    uint64_t runs_waited = 0, k;
    for (k = 1;; k++) {
        CHECK(k < 1000);
        reset();
        arm_k = k;
        uint64_t waited = c->run();
        runs_waited += waited != 0;
        if (!reached)
            break;
    }
    printf("%s (%s): %llu runs, %llu with a notice that waited\n", c->name,
           deterministic ? "deterministic" : "timer thread", (unsigned long long)k,
           (unsigned long long)runs_waited);
    fflush(stdout);
    return runs_waited;
}

int main(int argc, char **argv)
{
    CHECK_EQ(zactor__fault_live(), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool chosen = argc == 1;
        for (int a = 1; a < argc; a++)
            chosen = chosen || strcmp(argv[a], cases[i].name) == 0;
        if (!chosen)
            continue;
        current_case = cases[i].name;
        for (int mode = cases[i].deterministic ? 0 : 1; mode < 2; mode++) {
            deterministic = mode == 0;
            /* With the timer thread the runs' allocations may interleave
             * differently from one sweep to the next: a sweep that made no
             * notice wait is tried again before it counts as a failure. */
            uint64_t waited = 0;
            for (int attempt = 0; attempt < (deterministic ? 1 : 3) && waited == 0; attempt++)
                waited = sweep(&cases[i]);
            if (waited == 0)
                fail_run("no run made a notice wait: the sweep tested nothing");
        }
    }
    return 0;
}
