/* test_bounded_generated.c - bounded mailboxes through generated code: the
 * descriptor of `mailbox 4 refuse;` and `mailbox 2 backpressure;` reaches
 * the runtime, *_send_M refuses a full mailbox with ZACTOR_EFULL, and
 * *_send_M_wait times out on it, waits for room from a thread outside the
 * system and never waits in a handler. Every message accepted is handled
 * exactly once. The runtime's own semantics (low marks, muting, cycles)
 * are tested on the runtime API. */
#include <pthread.h>
#include <stdatomic.h>

#include "bounded.zidl.h"
#include "rt_test.h"

/* Job numbers: each actor sees each at most once. */
#define JOB_MAX 128

/* The handler of a Job numbered 0 holds its worker until the test opens
 * the gate; the others count themselves. */
static test_gate gate_hold, valve_hold;
static atomic_uint gate_seen[JOB_MAX], valve_seen[JOB_MAX];

/* What Feeder's handler got back, for the main thread: written before
 * feeder_done is set, read after it is seen (both sequentially consistent). */
static rtb_Gate_ref gate;
static rtb_Valve_ref valve;
static int feeder_send_rc, feeder_wait_rc;
static atomic_bool feeder_done;

static void handle(test_gate *hold, atomic_uint *seen, const rtb_Job *msg)
{
    CHECK(msg->n < JOB_MAX);
    if (msg->n == 0)
        test_gate_hold(hold);
    atomic_fetch_add(&seen[msg->n], 1);
}

void rtb_Gate_on_Job(rtb_Gate *self, zactor_ctx *ctx, const rtb_Job *msg)
{
    (void)self;
    (void)ctx;
    handle(&gate_hold, gate_seen, msg);
}

void rtb_Valve_on_Job(rtb_Valve *self, zactor_ctx *ctx, const rtb_Job *msg)
{
    (void)self;
    (void)ctx;
    handle(&valve_hold, valve_seen, msg);
}

/* Phase 1: a handler's sends to the full Gate are refused, the waiting one
 * too (a handler never waits). Phase 2: a handler's send to the full Valve
 * goes past the bound. */
void rtb_Feeder_on_Go(rtb_Feeder *self, zactor_ctx *ctx, const rtb_Go *msg)
{
    (void)self;
    (void)ctx;
    if (msg->phase == 1) {
        feeder_send_rc = rtb_Gate_send_Job(gate, &(rtb_Job){40});
        feeder_wait_rc = rtb_Gate_send_Job_wait(gate, &(rtb_Job){41}, ZACTOR_TIMEOUT_NEVER);
    } else {
        feeder_send_rc = rtb_Valve_send_Job(valve, &(rtb_Job){50});
        feeder_wait_rc = 0;
    }
    atomic_store(&feeder_done, true);
}

static void run_feeder(rtb_Feeder_ref feeder, uint32_t phase)
{
    atomic_store(&feeder_done, false);
    CHECK_EQ(rtb_Feeder_send_Go(feeder, &(rtb_Go){phase}), 0);
    while (!atomic_load(&feeder_done))
        sleep_ms(1);
}

/* A thread outside the system that waits for room without a limit. */
typedef struct waiter {
    pthread_t thread;
    bool to_gate; /* else to Valve */
    uint32_t n;
    int rc;
} waiter;

static void *wait_for_room(void *arg)
{
    waiter *w = arg;
    rtb_Job job = {w->n};
    w->rc = w->to_gate ? rtb_Gate_send_Job_wait(gate, &job, ZACTOR_TIMEOUT_NEVER)
                       : rtb_Valve_send_Job_wait(valve, &job, ZACTOR_TIMEOUT_NEVER);
    return NULL;
}

static void start_waiter(waiter *w, bool to_gate, uint32_t n)
{
    w->to_gate = to_gate;
    w->n = n;
    w->rc = 1; /* no zactor code */
    CHECK_EQ(pthread_create(&w->thread, NULL, wait_for_room, w), 0);
}

static zactor_stats read_stats(zactor_system *sys)
{
    zactor_stats stats;
    CHECK_EQ(zactor_stats_read(sys, &stats, NULL, 0), 0);
    return stats;
}

static unsigned handled(atomic_uint *seen, uint32_t n)
{
    return atomic_load(&seen[n]);
}

static unsigned handled_total(atomic_uint *seen)
{
    unsigned total = 0;
    for (uint32_t n = 0; n < JOB_MAX; n++)
        total += atomic_load(&seen[n]);
    return total;
}

int main(void)
{
    CHECK_EQ(RTB_GATE_MAILBOX_BOUND, 4);
    CHECK_EQ(RTB_VALVE_MAILBOX_BOUND, 2);
#if RTB_GATE_MAILBOX_BOUND != 4u
#error "the bound macro is usable in #if"
#endif
    /* Three workers: one held in Gate or Valve, one for Feeder, one spare. */
    zactor_system *sys = start_system(3);
    gate = rtb_Gate_spawn(sys, NULL);
    valve = rtb_Valve_spawn(sys, NULL);
    rtb_Feeder_ref feeder = rtb_Feeder_spawn(sys, NULL);
    CHECK(!zactor_ref_is_null(gate.raw) && !zactor_ref_is_null(valve.raw));
    CHECK(!zactor_ref_is_null(feeder.raw));
    unsigned refusals = 0; /* ZACTOR_EFULL and ZACTOR_ETIMEDOUT seen */

    /* Gate: Job 0 held in its handler, 1 to 3 queued: the depth (the one
     * being handled included) is the bound. */
    test_gate_close(&gate_hold);
    CHECK_EQ(rtb_Gate_send_Job(gate, &(rtb_Job){0}), 0);
    test_gate_wait_held(&gate_hold);
    for (uint32_t n = 1; n < 4; n++)
        CHECK_EQ(rtb_Gate_send_Job(gate, &(rtb_Job){n}), 0);
    uint32_t depth = 0;
    CHECK_EQ(zactor_mailbox_depth(gate.raw, &depth), 0);
    CHECK_EQ(depth, 4);

    /* Full: refused, and a waiting send times out (the actor is held, so
     * no room can come). Nothing queued by either. */
    CHECK_EQ(rtb_Gate_send_Job(gate, &(rtb_Job){4}), ZACTOR_EFULL);
    refusals++;
    CHECK_EQ(read_stats(sys).mailbox_refused, refusals);
    CHECK_EQ(rtb_Gate_send_Job_wait(gate, &(rtb_Job){5}, 1000000), ZACTOR_ETIMEDOUT);
    refusals++;
    /* A waiting send is refused at least once before it times out, maybe
     * more often (it tries again after each wake-up). */
    CHECK(read_stats(sys).mailbox_refused >= refusals);

    /* From a handler: refused, and the waiting send does not wait. */
    run_feeder(feeder, 1);
    CHECK_EQ(feeder_send_rc, ZACTOR_EFULL);
    CHECK_EQ(feeder_wait_rc, ZACTOR_EFULL);
    refusals += 2;
    CHECK(read_stats(sys).mailbox_refused >= refusals);
    CHECK_EQ(zactor_mailbox_depth(gate.raw, &depth), 0);
    CHECK_EQ(depth, 4);

    /* A thread waiting without a limit gets in once Gate drains. */
    waiter gate_waiter;
    start_waiter(&gate_waiter, true, 6);
    test_gate_open(&gate_hold);
    CHECK_EQ(pthread_join(gate_waiter.thread, NULL), 0);
    CHECK_EQ(gate_waiter.rc, 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    for (uint32_t n = 0; n < 4; n++)
        CHECK_EQ(handled(gate_seen, n), 1);
    CHECK_EQ(handled(gate_seen, 6), 1);
    CHECK_EQ(handled_total(gate_seen), 5); /* 4, 5, 40 and 41 were refused */

    /* Valve: full at 2. From outside a send is refused; from a handler it
     * goes past the bound (Feeder is muted until Valve drains). */
    test_gate_close(&valve_hold);
    CHECK_EQ(rtb_Valve_send_Job(valve, &(rtb_Job){0}), 0);
    test_gate_wait_held(&valve_hold);
    CHECK_EQ(rtb_Valve_send_Job(valve, &(rtb_Job){1}), 0);
    CHECK_EQ(rtb_Valve_send_Job(valve, &(rtb_Job){2}), ZACTOR_EFULL);
    refusals++;
    CHECK_EQ(rtb_Valve_send_Job_wait(valve, &(rtb_Job){3}, 1000000), ZACTOR_ETIMEDOUT);
    refusals++;
    run_feeder(feeder, 2);
    CHECK_EQ(feeder_send_rc, 0);
    CHECK_EQ(zactor_mailbox_depth(valve.raw, &depth), 0);
    CHECK_EQ(depth, 3);
    waiter valve_waiter;
    start_waiter(&valve_waiter, false, 7);
    test_gate_open(&valve_hold);
    CHECK_EQ(pthread_join(valve_waiter.thread, NULL), 0);
    CHECK_EQ(valve_waiter.rc, 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(handled(valve_seen, 0), 1);
    CHECK_EQ(handled(valve_seen, 1), 1);
    CHECK_EQ(handled(valve_seen, 50), 1);
    CHECK_EQ(handled(valve_seen, 7), 1);
    CHECK_EQ(handled_total(valve_seen), 4); /* 2 and 3 were refused */

    zactor_stats stats = read_stats(sys);
    CHECK(stats.mailbox_refused >= refusals);
    CHECK(stats.mailbox_over_bound >= 1); /* Job 50 */
    CHECK(stats.senders_muted >= 1);      /* Feeder, by Job 50 */
    CHECK_EQ(zactor_system_destroy(sys), 0);
    return 0;
}
