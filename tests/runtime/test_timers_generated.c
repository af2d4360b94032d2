/* test_timers_generated.c - the generated timer functions, in deterministic
 * mode (virtual time: exact due times, no waiting): what the wrappers add
 * to zactor_send_after (validation, period 0 refused, *timer cleared on
 * every error, `_every` first firing after one period) and a periodic
 * timer armed and cancelled by its target's own handler. The runtime's own
 * semantics are tested on the runtime API (test_timers.c). */
#include <stdatomic.h>
#include <string.h>

#include "rt_test.h"
#include "timers.zidl.h"

/* The periodic timer a Clock armed for itself (the one worker writes and
 * reads it, in handlers; main reads it after zactor_system_wait). */
static zactor_timer clock_timer;
/* What the Clock handled, read by main after zactor_system_wait. */
static _Atomic uint32_t ticks, last_tick;

void rtt_Clock_on_Tick(rtt_Clock *self, zactor_ctx *ctx, const rtt_Tick *msg)
{
    (void)ctx;
    self->last = msg->n;
    atomic_fetch_add(&ticks, 1);
    atomic_store(&last_tick, msg->n);
    if (msg->n != 9)
        return;
    /* The periodic timer the Clock armed for itself (on_Arm), cancelled
     * here at its stop_after-th firing: never delivered again. */
    self->ticks++;
    CHECK(self->ticks <= self->stop_after);
    if (self->ticks == self->stop_after)
        CHECK_EQ(zactor_timer_cancel(clock_timer), 0);
}

void rtt_Clock_on_Label(rtt_Clock *self, zactor_ctx *ctx, const rtt_Label *msg)
{
    (void)ctx;
    (void)msg;
    (void)self;
    CHECK(!"a Label that broke its schema was delivered");
}

void rtt_Clock_on_Arm(rtt_Clock *self, zactor_ctx *ctx, const rtt_Arm *msg)
{
    self->ticks = 0;
    self->stop_after = msg->stop_after;
    rtt_Clock_ref me = {zactor_self(ctx)};
    rtt_Tick tick = {9};
    CHECK_EQ(rtt_Clock_send_Tick_every(me, &tick, msg->period_ns, &clock_timer), 0);
    CHECK(clock_timer.id != 0);
}

void rtt_Clock_on_Blob(rtt_Clock *self, zactor_ctx *ctx, const rtt_Blob *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}

static zactor_timer junk_timer(void)
{
    zactor_timer timer;
    memset(&timer, 0xa5, sizeof timer);
    return timer;
}

int main(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.deterministic_seed = 3;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    rtt_Clock_ref clock = rtt_Clock_spawn(sys, NULL);
    CHECK(!zactor_ref_is_null(clock.raw));

    /* _after: one copy, delay_ns of virtual time later. */
    zactor_timer timer = junk_timer();
    uint64_t start = zactor_system_now(sys);
    CHECK_EQ(rtt_Clock_send_Tick_after(clock, &(rtt_Tick){5}, 2000000000u, &timer), 0);
    CHECK(timer.sys == sys && timer.id != 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_now(sys), start + 2000000000u);
    CHECK_EQ(atomic_load(&ticks), 1);
    CHECK_EQ(atomic_load(&last_tick), 5);
    CHECK_EQ(zactor_timer_cancel(timer), ZACTOR_ENOENT); /* handled: ended */
    CHECK_EQ(rtt_Clock_send_Tick_after(clock, &(rtt_Tick){6}, 0, NULL), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&ticks), 2);
    CHECK_EQ(atomic_load(&last_tick), 6);

    /* _every from the target's own handler, cancelled there at the third
     * firing: the first came one period after the arm, none after the
     * cancel, and wait returns (the timer ended). */
    uint64_t armed = zactor_system_now(sys);
    CHECK_EQ(rtt_Clock_send_Arm(clock, &(rtt_Arm){1000000u, 3}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_now(sys), armed + 3u * 1000000u);
    CHECK_EQ(atomic_load(&ticks), 2 + 3);
    CHECK_EQ(atomic_load(&last_tick), 9);
    CHECK_EQ(zactor_timer_cancel(clock_timer), ZACTOR_ENOENT);

    /* Errors: *timer is {NULL, 0} after each. */
    timer = junk_timer();
    CHECK_EQ(rtt_Clock_send_Tick_after(clock, NULL, 0, &timer), ZACTOR_EARG);
    CHECK(timer.sys == NULL && timer.id == 0);
    timer = junk_timer();
    CHECK_EQ(rtt_Clock_send_Tick_every(clock, &(rtt_Tick){1}, 0, &timer), ZACTOR_EARG);
    CHECK(timer.sys == NULL && timer.id == 0);
    timer = junk_timer();
    CHECK_EQ(rtt_Clock_send_Tick_after(clock, &(rtt_Tick){1}, UINT64_MAX, &timer), ZACTOR_EARG);
    CHECK(timer.sys == NULL && timer.id == 0);
    rtt_Label label;
    memset(label.text, 'x', sizeof label.text); /* no NUL */
    timer = junk_timer();
    CHECK_EQ(rtt_Clock_send_Label_after(clock, &label, 0, &timer), ZACTOR_EINVAL);
    CHECK(timer.sys == NULL && timer.id == 0);
    timer = junk_timer();
    CHECK_EQ(rtt_Clock_send_Label_every(clock, &label, 1000, &timer), ZACTOR_EINVAL);
    CHECK(timer.sys == NULL && timer.id == 0);
    CHECK_EQ(zactor_system_wait(sys), 0); /* nothing was armed */

    /* A periodic timer armed from outside is live until cancelled (it
     * may have fired meanwhile: the worker moves the clock when idle). */
    CHECK_EQ(rtt_Clock_send_Tick_every(clock, &(rtt_Tick){8}, 5000000u, &timer), 0);
    CHECK_EQ(zactor_timer_cancel(timer), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    /* A dead target: EDEAD, *timer cleared. */
    CHECK_EQ(zactor_kill(clock.raw, 0), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    timer = junk_timer();
    CHECK_EQ(rtt_Clock_send_Tick_after(clock, &(rtt_Tick){1}, 0, &timer), ZACTOR_EDEAD);
    CHECK(timer.sys == NULL && timer.id == 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    return 0;
}
