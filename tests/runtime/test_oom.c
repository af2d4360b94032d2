/* test_oom.c - the runtime running out of memory at every allocation in
 * turn (built only with ZACTOR_FAULT_INJECTION: runtime/src/alloc.h).
 *
 * Each scenario runs with its Nth runtime allocation failing, for N = 1,
 * 2, ... until a run makes no injected failure. Every run must:
 * - see ZACTOR_ENOMEM (or a null ref whose zactor_ref_error is
 *   ZACTOR_ENOMEM) from a call only once the failure has been injected,
 *   and no other unexpected code;
 * - lose nothing it was promised: every message a send accepted (returned
 *   0) is handled or counted as a dead letter (cfg.dead_letter_hook), an
 *   ask that returned 0 was answered, every reply to an accepted request
 *   is handled or a dead letter, every one-shot timer armed and not
 *   cancelled fires once or is a dead letter, and a cancelled timer fires
 *   no more; every Down of a monitor set is delivered, and so is every
 *   request error notice owed to a tracked requester (a deadline passed, a
 *   reply that found no memory), locally and across nodes: none is lost,
 *   whatever allocation fails (zactor_stats.notices_lost stays 0);
 * - leave no block allocated once its systems are destroyed (the
 *   wrappers' count here; LeakSanitizer in the ASan build as well);
 * - neither crash nor hang (ctest's TIMEOUT).
 *
 * A failure that reached no caller (absorbed inside the runtime, as a
 * timer firing or a notice retried later) is allowed as long as nothing is
 * lost; the sweep prints how many runs ended that way, and in how many a
 * notice waited and was sent again (zactor_stats.notices_delayed).
 *
 * Usage: test_oom [scenario...]; ZACTOR_OOM_STRIDE=k runs only every kth N
 * (1, 1+k, ...) for speed; the default, 1, is exhaustive. */
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "oom.zidl.h"
#include "rt_test.h"

#define TIMEOUT_NS (UINT64_C(10) * 1000000000u)
#define MS (UINT64_C(1000000))
/* How long a node call waits for an answer that may have been lost. */
#define LOST_NS (UINT64_C(2) * 1000000000u)

enum {
    T_SMALL,
    T_MEDIUM,
    T_LARGE,
    T_ADD,
    T_TOTAL,
    T_TICK,
    T_ASK,
    T_HUGE,
    T_LATER,
    T_ASKLATER,
    T_QUIT,
    T_COUNT
};
static const char *const type_names[T_COUNT] = {"Small", "Medium",   "Large",  "Add",
                                                "Total", "Tick",     "AskAdd", "Huge",
                                                "Later", "AskLater", "Quit"};

/* What one run promised and what became of it; reset before each run. */
static _Atomic uint64_t sent[T_COUNT], handled[T_COUNT], dead[T_COUNT];
static _Atomic uint64_t asks_lost, downs, monitors_set, enomems;
static _Atomic uint64_t bad_payloads; /* also: a cancelled timer handled */
/* Requests with a deadline the Keeper holds, their ETIMEDOUT notices, and
 * any other request_error notice (none is expected). */
static _Atomic uint64_t held_timed, timeouts, bad_notices;
/* The Client's tracked requests accepted, and their answers (a reply
 * handled, or a request_error notice); the notices that said ENOMEM (a
 * reply that found no memory, which is then a dead letter). */
static _Atomic uint64_t client_requests, client_answers, reply_enomems;
/* zactor_stats.notices_delayed of the run's systems. */
static _Atomic uint64_t notices_delayed;
static _Atomic bool once_cancelled;
static uint64_t current_n;
static const char *current_scenario;

static void fail_run(const char *file, int line, const char *what, int rc)
{
    fprintf(stderr, "%s:%d: %s, N = %llu: %s returned %s\n", file, line, current_scenario,
            (unsigned long long)current_n, what, zactor_err_name(rc));
    exit(1);
}

/* True when rc is 0; false for an ENOMEM the injected failure explains;
 * anything else ends the test. */
static bool ok_or_enomem(int rc, const char *what, const char *file, int line)
{
    if (rc == 0)
        return true;
    if (rc != ZACTOR_ENOMEM || !zactor__fault_injected())
        fail_run(file, line, what, rc);
    atomic_fetch_add(&enomems, 1);
    return false;
}
#define OK(call) ok_or_enomem((call), #call, __FILE__, __LINE__)

/* As OK, also accepting `code` once the failure has been injected. */
static bool ok_or(int rc, int code, const char *what, const char *file, int line)
{
    if (rc == code && zactor__fault_injected()) {
        atomic_fetch_add(&enomems, 1);
        return false;
    }
    return ok_or_enomem(rc, what, file, line);
}
#define OK_OR(code, call) ok_or((call), (code), #call, __FILE__, __LINE__)

/* A send of a message of kind t: counted as promised when accepted. */
static bool sent_ok(int rc, unsigned t, const char *what, const char *file, int line)
{
    if (!ok_or_enomem(rc, what, file, line))
        return false;
    atomic_fetch_add(&sent[t], 1);
    return true;
}
#define SENT(t, call) sent_ok((call), (t), #call, __FILE__, __LINE__)

/* A tracked request of the Client's, of message kind t: owes one answer. */
static bool requested(int rc, unsigned t, const char *what, const char *file, int line)
{
    if (!sent_ok(rc, t, what, file, line))
        return false;
    atomic_fetch_add(&client_requests, 1);
    return true;
}
#define REQUESTED(t, call) requested((call), (t), #call, __FILE__, __LINE__)

static bool spawned(zactor_ref ref, const char *file, int line)
{
    return !zactor_ref_is_null(ref) || ok_or_enomem(zactor_ref_error(ref), "spawn", file, line);
}
#define SPAWNED(ref) spawned((ref).raw, __FILE__, __LINE__)

static void on_dead_letter(void *user, const char *type_name, uint32_t type_id)
{
    (void)user;
    (void)type_name;
    static const uint32_t ids[T_COUNT] = {
        OOM_SMALL_TYPE_ID, OOM_MEDIUM_TYPE_ID,   OOM_LARGE_TYPE_ID,  OOM_ADD_TYPE_ID,
        OOM_TOTAL_TYPE_ID, OOM_TICK_TYPE_ID,     OOM_ASKADD_TYPE_ID, OOM_HUGE_TYPE_ID,
        OOM_LATER_TYPE_ID, OOM_ASKLATER_TYPE_ID, OOM_QUIT_TYPE_ID};
    for (unsigned t = 0; t < T_COUNT; t++) {
        if (ids[t] == type_id) {
            atomic_fetch_add(&dead[t], 1);
            return;
        }
    }
    fprintf(stderr, "%s, N = %llu: a dead letter of unknown type %08x\n", current_scenario,
            (unsigned long long)current_n, (unsigned)type_id);
    exit(1);
}

/* A system, or NULL when its creation met the injected failure. */
static zactor_system *start(uint64_t seed, unsigned workers)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.deterministic_seed = seed;
    cfg.workers = workers;
    cfg.pin_threads = false;
    cfg.dead_letter_hook = on_dead_letter;
    zactor_system *sys = NULL;
    if (!OK(zactor_system_start(&cfg, &sys))) {
        CHECK(sys == NULL);
        return NULL;
    }
    return sys;
}

static void finish(zactor_system *sys)
{
    if (!sys)
        return;
    CHECK_EQ(zactor_system_wait(sys), 0);
    zactor_stats stats;
    CHECK_EQ(zactor_stats_read(sys, &stats, NULL, 0), 0);
    /* A notice is lost only when two allocations fail in a row. */
    if (stats.notices_lost != 0) {
        fprintf(stderr, "%s, N = %llu: %llu notices lost\n", current_scenario,
                (unsigned long long)current_n, (unsigned long long)stats.notices_lost);
        exit(1);
    }
    atomic_fetch_add(&notices_delayed, stats.notices_delayed);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* ---- the actors --------------------------------------------------------- */

void oom_Sink_on_Small(oom_Sink *self, zactor_ctx *ctx, const oom_Small *msg)
{
    (void)ctx;
    self->total += msg->n;
    atomic_fetch_add(&handled[T_SMALL], 1);
}

void oom_Sink_on_Medium(oom_Sink *self, zactor_ctx *ctx, const oom_Medium *msg)
{
    (void)ctx;
    if (msg->pad[199] != (uint8_t)msg->n)
        atomic_fetch_add(&bad_payloads, 1);
    self->total += msg->n;
    atomic_fetch_add(&handled[T_MEDIUM], 1);
}

void oom_Sink_on_Huge(oom_Sink *self, zactor_ctx *ctx, const oom_Huge *msg)
{
    (void)ctx;
    if (msg->pad[1999] != (uint8_t)msg->n)
        atomic_fetch_add(&bad_payloads, 1);
    self->total += msg->n;
    atomic_fetch_add(&handled[T_HUGE], 1);
}

void oom_Sink_on_Large(oom_Sink *self, zactor_ctx *ctx, const oom_Large *msg)
{
    (void)self;
    (void)ctx;
    size_t size = zactor_bytes_size(msg->data);
    const uint8_t *data = zactor_bytes_data(msg->data);
    if (size == 0 || data[0] != (uint8_t)size || data[size - 1] != (uint8_t)(size >> 8))
        atomic_fetch_add(&bad_payloads, 1);
    atomic_fetch_add(&handled[T_LARGE], 1);
}

void oom_Sink_on_Add(oom_Sink *self, zactor_ctx *ctx, const oom_Add *msg, oom_Total *reply)
{
    (void)ctx;
    self->total += msg->n;
    reply->total = msg->n + 1;
    atomic_fetch_add(&handled[T_ADD], 1);
    /* A request handled owes a reply: handled or a dead letter. */
    atomic_fetch_add(&sent[T_TOTAL], 1);
}

void oom_Sink_on_AskAdd(oom_Sink *self, zactor_ctx *ctx, const oom_AskAdd *msg, oom_Total *reply)
{
    (void)ctx;
    self->total += msg->n;
    reply->total = msg->n + 1;
    atomic_fetch_add(&handled[T_ASK], 1);
}

void oom_Sink_on_Tick(oom_Sink *self, zactor_ctx *ctx, const oom_Tick *msg)
{
    (void)self;
    (void)ctx;
    /* A cancel that returned 0 means the timer is never handled. */
    if (msg->timer == 9 && atomic_load(&once_cancelled))
        atomic_fetch_add(&bad_payloads, 1);
    atomic_fetch_add(&handled[T_TICK], 1);
}

void oom_Sink_on_Quit(oom_Sink *self, zactor_ctx *ctx, const oom_Quit *msg)
{
    (void)self;
    (void)msg;
    atomic_fetch_add(&handled[T_QUIT], 1);
    zactor_stop(ctx);
}

enum { GO_FLOOD = 1, GO_REQUEST, GO_TIMERS, GO_MONITOR, GO_DEFER, GO_DEADLINE };

static zactor_timer every_timer; /* the Client's periodic timer */
static _Atomic bool every_cancelled;

void oom_Client_on_Go(oom_Client *self, zactor_ctx *ctx, const oom_Go *msg)
{
    switch (msg->what) {
    case GO_FLOOD:
        /* Enough to grow the Sink's ring and to spill into its overflow
         * list while this handler holds the only worker. */
        for (uint32_t i = 0; i < 64; i++)
            SENT(T_SMALL, oom_Sink_send_Small(self->sink, &(oom_Small){i}));
        for (uint32_t i = 0; i < 8; i++) {
            oom_Medium medium = {.n = i};
            medium.pad[199] = (uint8_t)i;
            SENT(T_MEDIUM, oom_Sink_send_Medium(self->sink, &medium));
        }
        break;
    case GO_REQUEST:
        for (uint32_t i = 0; i < 8; i++)
            REQUESTED(T_ADD, oom_Sink_request_Add(self->sink, ctx, &(oom_Add){i}));
        break;
    case GO_TIMERS: {
        zactor_timer once;
        if (OK(oom_Sink_send_Tick_after(self->sink, &(oom_Tick){2}, 3 * MS, &once)))
            atomic_fetch_add(&sent[T_TICK], 1);
        zactor_timer every;
        oom_Client_ref me = {zactor_self(ctx)};
        if (OK(oom_Client_send_Tick_every(me, &(oom_Tick){3}, MS, &every)))
            every_timer = every;
        break;
    }
    case GO_MONITOR: {
        uint64_t id;
        if (OK(oom_Sink_monitor(ctx, self->sink, &id)))
            atomic_fetch_add(&monitors_set, 1);
        break;
    }
    case GO_DEFER:
        /* The Settle comes after the requests (one sender, in order). */
        for (uint32_t i = 0; i < 4; i++)
            REQUESTED(T_LATER, oom_Keeper_request_Later(self->keeper, ctx, &(oom_Later){i}));
        OK(oom_Keeper_send_Settle(self->keeper, &(oom_Settle){0}));
        break;
    case GO_DEADLINE:
        /* Answered at once: the deadline is cancelled. */
        for (uint32_t i = 0; i < 3; i++)
            REQUESTED(T_ADD, oom_Sink_request_Add_timeout(self->sink, ctx, &(oom_Add){i}, 1000 * MS,
                                                          NULL));
        /* Held by the Keeper past its deadline: ZACTOR_ETIMEDOUT. */
        REQUESTED(T_LATER, oom_Keeper_request_Later_timeout(self->keeper, ctx, &(oom_Later){100},
                                                            5 * MS, NULL));
        break;
    }
}

void oom_Client_on_Total(oom_Client *self, zactor_ctx *ctx, const oom_Total *msg)
{
    (void)self;
    (void)ctx;
    /* 101: a held Later whose defer found no memory, answered at once. */
    CHECK((msg->total >= 1 && msg->total <= 8) || msg->total == 101);
    atomic_fetch_add(&handled[T_TOTAL], 1);
    atomic_fetch_add(&client_answers, 1);
}

void oom_Client_on_Tick(oom_Client *self, zactor_ctx *ctx, const oom_Tick *msg)
{
    (void)ctx;
    CHECK_EQ(msg->timer, 3);
    /* A cancel that returned 0 means no firing is handled afterwards. */
    CHECK(!atomic_load(&every_cancelled));
    if (++self->ticks == 3)
        CHECK_EQ(zactor_timer_cancel(every_timer), 0);
    atomic_store(&every_cancelled, self->ticks == 3);
}

void oom_Client_on_down(oom_Client *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    CHECK(strcmp(down->type_name, "oom.Sink") == 0);
    atomic_fetch_add(&downs, 1);
}

void oom_Client_on_request_error(oom_Client *self, zactor_ctx *ctx, const zactor_request_error *err)
{
    (void)self;
    (void)ctx;
    bool tracked_type = err->message_type_id == OOM_ADD_TYPE_ID ||
                        err->message_type_id == OOM_LATER_TYPE_ID;
    if (err->code == ZACTOR_ETIMEDOUT && err->message_type_id == OOM_LATER_TYPE_ID)
        atomic_fetch_add(&timeouts, 1);
    else if (err->code == ZACTOR_ENOMEM && tracked_type && zactor__fault_injected())
        atomic_fetch_add(&reply_enomems, 1); /* its reply found no memory */
    else
        atomic_fetch_add(&bad_notices, 1);
    atomic_fetch_add(&client_answers, 1);
}

/* The Keeper's open promises (one Keeper per run, its handlers one at a
 * time). A Later of 100 or more is held until the test's Settle. */
static oom_Keeper_Later_promise held_later[8];
static oom_Keeper_AskLater_promise held_asks[8];
static unsigned held_later_count, held_ask_count;

void oom_Keeper_on_Later(oom_Keeper *self, zactor_ctx *ctx, const oom_Later *msg, oom_Total *reply)
{
    (void)self;
    atomic_fetch_add(&handled[T_LATER], 1);
    reply->total = msg->n + 1;
    oom_Keeper_Later_promise promise;
    /* Out of memory: answered now, when the handler returns. */
    if (!OK(oom_Keeper_defer_Later(ctx, &promise))) {
        atomic_fetch_add(&sent[T_TOTAL], 1);
        return;
    }
    CHECK(held_later_count < 8);
    held_later[held_later_count++] = promise;
    if (msg->n >= 100)
        atomic_fetch_add(&held_timed, 1);
}

void oom_Keeper_on_AskLater(oom_Keeper *self, zactor_ctx *ctx, const oom_AskLater *msg,
                            oom_Total *reply)
{
    (void)self;
    atomic_fetch_add(&handled[T_ASKLATER], 1);
    reply->total = msg->n + 1;
    oom_Keeper_AskLater_promise promise;
    if (!OK(oom_Keeper_defer_AskLater(ctx, &promise)))
        return;
    oom_Keeper_ref me = {zactor_self(ctx)};
    if (OK(oom_Keeper_send_Settle(me, &(oom_Settle){0}))) {
        CHECK(held_ask_count < 8);
        held_asks[held_ask_count++] = promise;
    } else {
        /* Nobody would settle it: answered from this handler. */
        CHECK_EQ(oom_Keeper_fulfil_AskLater(ctx, promise, &(oom_Total){msg->n + 1}), 0);
    }
}

void oom_Keeper_on_Settle(oom_Keeper *self, zactor_ctx *ctx, const oom_Settle *msg)
{
    (void)self;
    (void)msg;
    /* A fulfil that returns 0 owes the reply: handled, or a dead letter
     * (a Later whose deadline passed, or whose reply found no memory). */
    for (unsigned i = 0; i < held_later_count; i++) {
        CHECK_EQ(oom_Keeper_fulfil_Later(ctx, held_later[i], &(oom_Total){1}), 0);
        atomic_fetch_add(&sent[T_TOTAL], 1);
    }
    held_later_count = 0;
    for (unsigned i = 0; i < held_ask_count; i++)
        CHECK_EQ(oom_Keeper_fulfil_AskLater(ctx, held_asks[i], &(oom_Total){7}), 0);
    held_ask_count = 0;
}

/* The Watcher's record: WATCH_* once its Watch was handled, bytes read. */
enum { WATCH_NONE, WATCH_ARMED, WATCH_FAILED };
static _Atomic int watch_state;
static _Atomic uint64_t bytes_read;

void oom_Watcher_on_Watch(oom_Watcher *self, zactor_ctx *ctx, const oom_Watch *msg)
{
    bool ok = OK(zactor_io_watch(ctx, msg->fd, ZACTOR_IO_READ, &self->watch));
    atomic_store(&watch_state, ok ? WATCH_ARMED : WATCH_FAILED);
}

void oom_Watcher_on_Unwatch(oom_Watcher *self, zactor_ctx *ctx, const oom_Unwatch *msg)
{
    (void)msg;
    CHECK_EQ(zactor_io_unwatch(ctx, self->watch), 0);
}

void oom_Watcher_on_io(oom_Watcher *self, zactor_ctx *ctx, const zactor_io_event *ev)
{
    (void)self;
    (void)ctx;
    /* One byte per event: the watch must be armed again for the next. */
    char byte;
    if (read(ev->fd, &byte, 1) == 1)
        atomic_fetch_add(&bytes_read, 1);
}

/* The Down of the supervisor the Warden monitors: its end's code. */
static zactor_ref warded;
static _Atomic int warded_code;
static _Atomic uint64_t warded_downs;

void oom_Warden_on_Go(oom_Warden *self, zactor_ctx *ctx, const oom_Go *msg)
{
    (void)self;
    (void)msg;
    uint64_t id;
    if (OK(zactor_monitor(ctx, warded, zactor_supervisor_type(), &id)))
        atomic_fetch_add(&monitors_set, 1);
}

void oom_Warden_on_down(oom_Warden *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    atomic_store(&warded_code, down->reason.code);
    atomic_fetch_add(&warded_downs, 1);
}

void oom_Gate_on_Small(oom_Gate *self, zactor_ctx *ctx, const oom_Small *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&handled[T_SMALL], 1);
}

/* ---- the scenarios ------------------------------------------------------ */

/* Every monitor set has had its Down handled. */
static void check_downs(void)
{
    uint64_t set = atomic_load(&monitors_set), got = atomic_load(&downs);
    if (got != set) {
        fprintf(stderr, "%s, N = %llu: %llu monitors, %llu downs\n", current_scenario,
                (unsigned long long)current_n, (unsigned long long)set, (unsigned long long)got);
        exit(1);
    }
}

/* Every tracked request the Client made has had its one answer. */
static void check_answered(void)
{
    uint64_t made = atomic_load(&client_requests), got = atomic_load(&client_answers);
    if (got != made) {
        fprintf(stderr, "%s, N = %llu: %llu tracked requests, %llu answers\n", current_scenario,
                (unsigned long long)current_n, (unsigned long long)made, (unsigned long long)got);
        exit(1);
    }
}

/* Hang guard: true once done() holds, false after 10 s. */
static bool within_10s(bool (*done)(void))
{
    for (int i = 0; i < 10000; i++) {
        if (done())
            return true;
        sleep_ms(1);
    }
    return done();
}

static void scenario_lifecycle(void)
{
    finish(start(1, 0));
    finish(start(0, 2));
}

static bool send_medium(oom_Sink_ref sink, uint32_t n)
{
    oom_Medium medium = {.n = n};
    medium.pad[199] = (uint8_t)n;
    return SENT(T_MEDIUM, oom_Sink_send_Medium(sink, &medium));
}

/* size bytes, the first and last marked; false when out of memory. */
static bool make_bytes(size_t size, zactor_bytes *out)
{
    if (!OK(zactor_bytes_alloc(size, out)))
        return false;
    uint8_t *data = zactor_bytes_data(*out);
    memset(data, 0, size);
    data[0] = (uint8_t)size;
    data[size - 1] = (uint8_t)(size >> 8);
    return true;
}

/* Spawns, then small, medium and large messages from outside and from a
 * handler; the second system has two workers. */
static void scenario_messages(void)
{
    for (int round = 0; round < 2; round++) {
        zactor_system *sys = round == 0 ? start(7, 0) : start(0, 2);
        if (!sys)
            continue;
        oom_Sink_ref sink = oom_Sink_spawn(sys, NULL);
        if (SPAWNED(sink)) {
            for (uint32_t i = 0; i < 40; i++)
                SENT(T_SMALL, oom_Sink_send_Small(sink, &(oom_Small){i}));
            for (uint32_t i = 0; i < 12; i++)
                send_medium(sink, i);
            for (uint32_t i = 0; i < 3; i++) {
                /* More than 1 KiB: a heap block each. */
                static oom_Huge huge;
                huge.n = i;
                huge.pad[1999] = (uint8_t)i;
                SENT(T_HUGE, oom_Sink_send_Huge(sink, &huge));
            }
            static const size_t sizes[] = {2, 3000, 200000, 3 << 20};
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                oom_Large large;
                if (make_bytes(sizes[i], &large.data))
                    SENT(T_LARGE, oom_Sink_send_Large(sink, &large));
            }
            oom_Client_ref client = oom_Client_spawn(sys, &(oom_Client){.sink = sink});
            if (SPAWNED(client))
                OK(oom_Client_send_Go(client, &(oom_Go){GO_FLOOD}));
        }
        finish(sys);
    }
}

/* Asks from outside; requests from a handler. */
static void scenario_ask_request(void)
{
    zactor_system *sys = start(11, 0);
    if (!sys)
        return;
    oom_Sink_ref sink = oom_Sink_spawn(sys, NULL);
    if (SPAWNED(sink)) {
        for (uint32_t i = 0; i < 6; i++) {
            oom_Total total = {0};
            if (SENT(T_ASK, oom_Sink_ask_AskAdd(sink, &(oom_AskAdd){i}, &total, TIMEOUT_NS)))
                CHECK_EQ(total.total, i + 1);
        }
        oom_Client_ref client = oom_Client_spawn(sys, &(oom_Client){.sink = sink});
        if (SPAWNED(client))
            OK(oom_Client_send_Go(client, &(oom_Go){GO_REQUEST}));
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* A reply that found no memory is a dead letter, and its notice
     * (ZACTOR_ENOMEM) was handled before wait returned. */
    check_answered();
    finish(sys);
}

/* In virtual time: one-shot timers from outside and from a handler, one
 * cancelled at once, and a periodic one the Client cancels at its third
 * tick. */
static void scenario_timers(void)
{
    atomic_store(&every_cancelled, false);
    atomic_store(&once_cancelled, false);
    every_timer = (zactor_timer){NULL, 0};
    zactor_system *sys = start(13, 0);
    if (!sys)
        return;
    oom_Sink_ref sink = oom_Sink_spawn(sys, NULL);
    if (SPAWNED(sink)) {
        zactor_timer timer;
        if (OK(oom_Sink_send_Tick_after(sink, &(oom_Tick){1}, 2 * MS, &timer)))
            atomic_fetch_add(&sent[T_TICK], 1);
        if (OK(oom_Sink_send_Tick_after(sink, &(oom_Tick){9}, 1 * MS, &timer))) {
            /* Virtual time moves whenever the worker is idle: the timer
             * may have fired already (ZACTOR_ENOENT), and is then owed. */
            int rc = zactor_timer_cancel(timer);
            CHECK(rc == 0 || rc == ZACTOR_ENOENT);
            if (rc == 0)
                atomic_store(&once_cancelled, true);
            else
                atomic_fetch_add(&sent[T_TICK], 1);
        }
        oom_Client_ref client = oom_Client_spawn(sys, &(oom_Client){.sink = sink});
        if (SPAWNED(client))
            OK(oom_Client_send_Go(client, &(oom_Go){GO_TIMERS}));
    }
    finish(sys);
}

/* A monitor of a Sink that then stops; a supervised Sink killed and
 * restarted, found again by name; names registered and looked up. */
static void scenario_failures(void)
{
    zactor_system *sys = start(17, 0);
    if (!sys)
        return;
    oom_Sink_ref sink = oom_Sink_spawn(sys, NULL);
    oom_Client_ref client = {0};
    if (SPAWNED(sink)) {
        client = oom_Client_spawn(sys, &(oom_Client){.sink = sink});
        if (SPAWNED(client))
            OK(oom_Client_send_Go(client, &(oom_Go){GO_MONITOR}));
        CHECK_EQ(zactor_system_wait(sys), 0);
        bool quit = SENT(T_QUIT, oom_Sink_send_Quit(sink, &(oom_Quit){0}));
        CHECK_EQ(zactor_system_wait(sys), 0);
        /* Each monitor set, of a Sink that has ended, got its Down (one
         * that found no memory waited, and wait did not return before it
         * was handled). */
        if (quit)
            check_downs();
    }
    oom_Sink_ref named = oom_Sink_spawn(sys, NULL);
    if (SPAWNED(named)) {
        if (OK(oom_Sink_register(sys, "named", named))) {
            oom_Sink_ref found;
            CHECK_EQ(oom_Sink_lookup(sys, "named", &found), 0);
            CHECK(found.raw.cell == named.raw.cell);
            CHECK_EQ(zactor_name_unregister(sys, "named"), 0);
        }
    }
    zactor_child_spec children[] = {
        oom_Sink_child("worker", NULL, ZACTOR_RESTART_PERMANENT),
        oom_Sink_child(NULL, NULL, ZACTOR_RESTART_TRANSIENT),
    };
    zactor_supervisor_spec spec = {ZACTOR_ONE_FOR_ONE, 5, 1000 * MS, children, 2};
    zactor_ref sup;
    if (OK(zactor_supervisor_start(sys, &spec, &sup))) {
        oom_Sink_ref worker;
        CHECK_EQ(oom_Sink_lookup(sys, "worker", &worker), 0);
        if (OK(zactor_kill(worker.raw, 5))) {
            CHECK_EQ(zactor_system_wait(sys), 0);
            /* Restarted under its name, unless the restart ran out of
             * memory (the supervisor then gives up: docs/runtime.md). */
            oom_Sink_ref again;
            int rc = oom_Sink_lookup(sys, "worker", &again);
            CHECK(rc == 0 || (rc == ZACTOR_ENOENT && zactor__fault_injected()));
            if (rc == 0)
                CHECK(again.raw.cell != worker.raw.cell ||
                      again.raw.generation != worker.raw.generation);
        }
        int rc = zactor_supervisor_stop(sup);
        CHECK(rc == 0 || rc == ZACTOR_EDEAD || (rc == ZACTOR_ENOMEM && zactor__fault_injected()));
    } else {
        CHECK(zactor_ref_is_null(sup));
    }
    finish(sys);
}

/* A bounded mailbox (4, refuse) flooded from outside. */
static void scenario_bounded(void)
{
    zactor_system *sys = start(19, 0);
    if (!sys)
        return;
    oom_Gate_ref gate = oom_Gate_spawn(sys, NULL);
    if (SPAWNED(gate)) {
        for (uint32_t i = 0; i < 12; i++) {
            int rc = oom_Gate_send_Small(gate, &(oom_Small){i});
            if (rc != ZACTOR_EFULL)
                SENT(T_SMALL, rc);
        }
    }
    finish(sys);
}

static bool all_settled(void)
{
    for (unsigned t = 0; t < T_COUNT; t++) {
        uint64_t instead = t == T_TOTAL ? atomic_load(&reply_enomems) : 0;
        if (atomic_load(&handled[t]) + atomic_load(&dead[t]) + instead < atomic_load(&sent[t]))
            return false;
    }
    return true;
}

static bool all_answered(void)
{
    return atomic_load(&client_answers) == atomic_load(&client_requests);
}

static bool all_down(void)
{
    return atomic_load(&downs) == atomic_load(&monitors_set);
}

/* Across the nodes: a Client on a monitors the Sink on b and makes
 * tracked requests to it. Each request gets its one answer (a reply, or
 * ZACTOR_ENOMEM when something on the way found no memory), and once the
 * Sink has handled a Quit, the Down comes: those notices that found no
 * memory, on either node, waited and were sent again. */
static void remote_notices(zactor_system *a, oom_Sink_ref remote)
{
    oom_Client_ref client = oom_Client_spawn(a, &(oom_Client){.sink = remote});
    if (!SPAWNED(client))
        return;
    OK(oom_Client_send_Go(client, &(oom_Go){GO_MONITOR}));
    OK(oom_Client_send_Go(client, &(oom_Go){GO_REQUEST}));
    CHECK_EQ(zactor_system_wait(a), 0); /* the Client has made its calls */
    if (!within_10s(all_answered))
        check_answered();
    if (!SENT(T_QUIT, oom_Sink_send_Quit(remote, &(oom_Quit){0})))
        return;
    (void)within_10s(all_settled);
    /* A Quit that found no memory on b is a dead letter there. */
    if (atomic_load(&handled[T_QUIT]) == 1 && !within_10s(all_down))
        check_downs();
}

/* Two nodes in one process over loopback TCP, a worker each: sends of
 * each size and an ask across, to a Sink found by name; then a monitor
 * and tracked requests across (remote_notices). */
static void scenario_nodes(void)
{
    zactor_system *a = start(0, 1);
    zactor_system *b = a ? start(0, 1) : NULL;
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    char peer[ZACTOR_NODE_NAME_MAX + 1];
    oom_Sink_ref sink, remote;
    bool up = b != NULL;
    cfg.name = "a";
    up = up && OK(zactor_node_start(a, &cfg));
    cfg.name = "b";
    up = up && OK(zactor_node_start(b, &cfg));
    up = up && OK(zactor_node_listen(b, "tcp://127.0.0.1:0", endpoint, sizeof endpoint));
    /* A handshake or a lookup's answer that finds no memory on the I/O
     * thread of the other side is never answered: the call times out
     * (docs/runtime.md, "Out of memory"). */
    up = up &&
         OK_OR(ZACTOR_ETIMEDOUT, zactor_node_connect(a, endpoint, LOST_NS, peer, sizeof peer));
    if (up) {
        sink = oom_Sink_spawn(b, NULL);
        up = SPAWNED(sink) && OK(oom_Sink_register(b, "sink", sink)) &&
             OK_OR(ZACTOR_ETIMEDOUT, oom_Sink_lookup_remote(a, "b", "sink", LOST_NS, &remote));
    }
    if (up) {
        for (uint32_t i = 0; i < 20; i++)
            SENT(T_SMALL, oom_Sink_send_Small(remote, &(oom_Small){i}));
        for (uint32_t i = 0; i < 4; i++)
            send_medium(remote, i);
        oom_Large large;
        if (make_bytes(5000, &large.data))
            SENT(T_LARGE, oom_Sink_send_Large(remote, &large));
        oom_Total total = {0};
        /* The request may find no memory on b (the ask times out), or
         * the reply on a (the ask returns ZACTOR_ENOMEM): the request
         * may have been handled. */
        int rc = oom_Sink_ask_AskAdd(remote, &(oom_AskAdd){4}, &total, LOST_NS);
        if ((rc == ZACTOR_ETIMEDOUT || rc == ZACTOR_ENOMEM) && zactor__fault_injected())
            atomic_fetch_add(&asks_lost, 1);
        else if (SENT(T_ASK, rc))
            CHECK_EQ(total.total, 5);
        /* What was sent before the ask arrives before its request; when
         * the ask failed, wait for the sends (10 s at most). */
        (void)within_10s(all_settled);
        remote_notices(a, remote);
    }
    finish(a);
    finish(b);
}

/* Deferred replies: requests from a handler, answered from the Keeper's
 * next turn, and asks from outside the Keeper answers from a Settle it
 * sends itself. */
static void scenario_promises(void)
{
    held_later_count = held_ask_count = 0;
    zactor_system *sys = start(23, 0);
    if (!sys)
        return;
    oom_Keeper_ref keeper = oom_Keeper_spawn(sys, NULL);
    oom_Sink_ref sink = oom_Sink_spawn(sys, NULL);
    if (SPAWNED(keeper) && SPAWNED(sink)) {
        for (uint32_t i = 0; i < 3; i++) {
            oom_Total total = {0};
            if (SENT(T_ASKLATER,
                     oom_Keeper_ask_AskLater(keeper, &(oom_AskLater){i}, &total, TIMEOUT_NS)))
                CHECK(total.total == i + 1 || total.total == 7);
        }
        oom_Client_ref client =
            oom_Client_spawn(sys, &(oom_Client){.sink = sink, .keeper = keeper});
        if (SPAWNED(client))
            OK(oom_Client_send_Go(client, &(oom_Go){GO_DEFER}));
    }
    finish(sys);
}

/* Requests with deadlines in virtual time: three answered at once, one
 * held past its deadline (ZACTOR_ETIMEDOUT), then settled (a dead
 * letter). */
static void scenario_deadlines(void)
{
    held_later_count = held_ask_count = 0;
    zactor_system *sys = start(29, 0);
    if (!sys)
        return;
    oom_Keeper_ref keeper = oom_Keeper_spawn(sys, NULL);
    oom_Sink_ref sink = oom_Sink_spawn(sys, NULL);
    if (SPAWNED(keeper) && SPAWNED(sink)) {
        oom_Client_ref client =
            oom_Client_spawn(sys, &(oom_Client){.sink = sink, .keeper = keeper});
        if (SPAWNED(client) && OK(oom_Client_send_Go(client, &(oom_Go){GO_DEADLINE}))) {
            CHECK_EQ(zactor_system_wait(sys), 0);
            /* The held request ended with its one ETIMEDOUT notice, even
             * when that notice found no memory: it waited, and wait did
             * not return before it was handled. */
            uint64_t held = atomic_load(&held_timed), got = atomic_load(&timeouts);
            if (got != held) {
                fprintf(stderr, "deadlines, N = %llu: %llu held, %llu timeouts\n",
                        (unsigned long long)current_n, (unsigned long long)held,
                        (unsigned long long)got);
                exit(1);
            }
            check_answered();
            OK(oom_Keeper_send_Settle(keeper, &(oom_Settle){0}));
        }
    }
    finish(sys);
}

/* A socket pair's end watched: three bytes read one per event (each
 * needs the watch armed again), then unwatched. */
static void scenario_io(void)
{
    atomic_store(&watch_state, WATCH_NONE);
    atomic_store(&bytes_read, 0);
    int fds[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    zactor_system *sys = start(0, 1);
    oom_Watcher_ref watcher = {0};
    if (sys && SPAWNED(watcher = oom_Watcher_spawn(sys, NULL)) &&
        OK(oom_Watcher_send_Watch(watcher, &(oom_Watch){fds[0]}))) {
        CHECK_EQ(write(fds[1], "abc", 3), 3);
        double deadline = now_seconds() + 10.0; /* a hang guard, not a timing check */
        while (atomic_load(&watch_state) == WATCH_NONE)
            CHECK(now_seconds() < deadline);
        /* An event that found no memory is counted (notices_delayed),
         * and the watch is armed again: the readiness is reported once
         * more. */
        while (atomic_load(&watch_state) == WATCH_ARMED && atomic_load(&bytes_read) < 3) {
            if (now_seconds() > deadline) {
                fprintf(stderr, "io, N = %llu: %llu of 3 bytes read, the watch left disarmed\n",
                        (unsigned long long)current_n,
                        (unsigned long long)atomic_load(&bytes_read));
                exit(1);
            }
            sleep_ms(1);
        }
        if (atomic_load(&watch_state) == WATCH_ARMED)
            OK(oom_Watcher_send_Unwatch(watcher, &(oom_Unwatch){0}));
    }
    finish(sys);
    close(fds[0]);
    close(fds[1]);
}

/* A supervised child killed: restarted under its name, or the restart
 * found no memory and the supervisor gave up, failing with
 * ZACTOR_ENOMEM, which the Down its Warden always gets says. */
static void scenario_supervisors(void)
{
    atomic_store(&warded_code, 0);
    atomic_store(&warded_downs, 0);
    zactor_system *sys = start(31, 0);
    if (!sys)
        return;
    zactor_child_spec children[] = {oom_Sink_child("kid", NULL, ZACTOR_RESTART_PERMANENT)};
    zactor_supervisor_spec spec = {ZACTOR_ONE_FOR_ONE, 5, 1000 * MS, children, 1};
    oom_Warden_ref warden = oom_Warden_spawn(sys, NULL);
    if (SPAWNED(warden) && OK(zactor_supervisor_start(sys, &spec, &warded))) {
        bool monitored = OK(oom_Warden_send_Go(warden, &(oom_Go){0}));
        CHECK_EQ(zactor_system_wait(sys), 0);
        monitored = monitored && atomic_load(&monitors_set) == 1;
        oom_Sink_ref kid;
        CHECK_EQ(oom_Sink_lookup(sys, "kid", &kid), 0);
        if (OK(zactor_kill(kid.raw, 5))) {
            CHECK_EQ(zactor_system_wait(sys), 0);
            oom_Sink_ref again;
            int rc = oom_Sink_lookup(sys, "kid", &again);
            if (rc == 0) {
                CHECK(again.raw.cell != kid.raw.cell || again.raw.generation != kid.raw.generation);
                CHECK_EQ(atomic_load(&warded_downs), 0);
            } else {
                CHECK(rc == ZACTOR_ENOENT && zactor__fault_injected());
                /* Given up: the supervisor has ended, with ENOMEM. */
                CHECK_EQ(zactor_supervisor_stop(warded), ZACTOR_EDEAD);
                if (monitored) {
                    /* Its Down came, even when it found no memory. */
                    CHECK_EQ(atomic_load(&warded_downs), 1);
                    CHECK_EQ(atomic_load(&warded_code), ZACTOR_ENOMEM);
                }
                atomic_fetch_add(&enomems, 1);
            }
        }
    }
    finish(sys);
}

/* ---- the sweep ---------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    void (*run)(void);
} scenario;

static const scenario scenarios[] = {
    {"lifecycle", scenario_lifecycle},
    {"messages", scenario_messages},
    {"ask_request", scenario_ask_request},
    {"timers", scenario_timers},
    {"failures", scenario_failures},
    {"bounded", scenario_bounded},
    {"nodes", scenario_nodes},
    {"promises", scenario_promises},
    {"deadlines", scenario_deadlines},
    {"io", scenario_io},
    {"supervisors", scenario_supervisors},
};

static void reset_counts(void)
{
    for (unsigned t = 0; t < T_COUNT; t++) {
        atomic_store(&sent[t], 0);
        atomic_store(&handled[t], 0);
        atomic_store(&dead[t], 0);
    }
    atomic_store(&asks_lost, 0);
    atomic_store(&downs, 0);
    atomic_store(&monitors_set, 0);
    atomic_store(&enomems, 0);
    atomic_store(&bad_payloads, 0);
    atomic_store(&held_timed, 0);
    atomic_store(&timeouts, 0);
    atomic_store(&bad_notices, 0);
    atomic_store(&client_requests, 0);
    atomic_store(&client_answers, 0);
    atomic_store(&reply_enomems, 0);
    atomic_store(&notices_delayed, 0);
}

/* The promises of the run just ended (its systems destroyed). */
static void check_run(void)
{
    bool ok = true;
    for (unsigned t = 0; t < T_COUNT; t++) {
        uint64_t s = atomic_load(&sent[t]), h = atomic_load(&handled[t]), d = atomic_load(&dead[t]);
        /* An ask that timed out had its request handled, or dead, or
         * lost on its way out for lack of memory. */
        uint64_t lost = t == T_ASK ? atomic_load(&asks_lost) : 0;
        /* A reply to the Client that found no memory is not handled: its
         * ENOMEM notice stands for it (some of those notices stand for a
         * request that found none on another node, and owe no reply). */
        uint64_t instead = t == T_TOTAL ? atomic_load(&reply_enomems) : 0;
        if (h + d + instead < s || h + d > s + lost) {
            fprintf(stderr, "%s, N = %llu: %s: %llu accepted, %llu handled, %llu dead letters\n",
                    current_scenario, (unsigned long long)current_n, type_names[t],
                    (unsigned long long)s, (unsigned long long)h, (unsigned long long)d);
            ok = false;
        }
    }
    if (atomic_load(&client_answers) > atomic_load(&client_requests)) {
        fprintf(stderr, "%s, N = %llu: %llu answers to %llu tracked requests\n", current_scenario,
                (unsigned long long)current_n, (unsigned long long)atomic_load(&client_answers),
                (unsigned long long)atomic_load(&client_requests));
        ok = false;
    }
    if (atomic_load(&bad_notices) != 0) {
        fprintf(stderr, "%s, N = %llu: unexpected request_error notices\n", current_scenario,
                (unsigned long long)current_n);
        ok = false;
    }
    if (atomic_load(&bad_payloads) != 0) {
        fprintf(stderr, "%s, N = %llu: corrupt payloads\n", current_scenario,
                (unsigned long long)current_n);
        ok = false;
    }
    if (atomic_load(&enomems) > 1) {
        fprintf(stderr, "%s, N = %llu: one failure, %llu calls returned ENOMEM\n", current_scenario,
                (unsigned long long)current_n, (unsigned long long)atomic_load(&enomems));
        ok = false;
    }
    long live = zactor__fault_live();
    if (live != 0) {
        fprintf(stderr, "%s, N = %llu: %ld blocks leaked\n", current_scenario,
                (unsigned long long)current_n, live);
        ok = false;
    }
    if (!ok)
        exit(1);
}

static void sweep(const scenario *s, uint64_t stride)
{
    current_scenario = s->name;
    uint64_t absorbed = 0, runs = 0, attempts = 0, delayed = 0;
    for (uint64_t n = 1;; n += stride) {
        reset_counts();
        current_n = n;
        zactor__fault_arm(n);
        s->run();
        bool injected = zactor__fault_injected();
        attempts = zactor__fault_attempts();
        zactor__fault_arm(0);
        check_run();
        runs++;
        delayed += atomic_load(&notices_delayed) != 0;
        if (!injected)
            break;
        if (atomic_load(&enomems) == 0) {
            absorbed++;
            if (getenv("ZACTOR_FAULT_TRACE"))
                fprintf(stderr, "%s, N = %llu: absorbed (no call returned ENOMEM)\n", s->name,
                        (unsigned long long)n);
        }
        CHECK(n < 100000);
    }
    printf("%s: %llu runs (stride %llu), %llu allocations in a whole run, %llu failures "
           "absorbed without ENOMEM, %llu runs with a notice sent again later\n",
           s->name, (unsigned long long)runs, (unsigned long long)stride,
           (unsigned long long)attempts, (unsigned long long)absorbed, (unsigned long long)delayed);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *env = getenv("ZACTOR_OOM_STRIDE");
    uint64_t stride = env ? strtoull(env, NULL, 10) : 1;
    if (stride == 0)
        stride = 1;
    CHECK_EQ(zactor__fault_live(), 0);
    size_t count = sizeof scenarios / sizeof scenarios[0];
    for (size_t i = 0; i < count; i++) {
        bool chosen = argc == 1;
        for (int a = 1; a < argc; a++)
            chosen = chosen || strcmp(argv[a], scenarios[i].name) == 0;
        if (chosen)
            sweep(&scenarios[i], stride);
    }
    return 0;
}
