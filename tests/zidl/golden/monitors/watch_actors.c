/* The handlers of the actors in watch.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "watch.zidl.h"

void watch_Worker_on_Job(watch_Worker *self, zactor_ctx *ctx, const watch_Job *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Worker does on receiving Job. */
}

void watch_Supervisor_on_start(watch_Supervisor *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    /* TODO: what Supervisor does when it starts. */
}

void watch_Supervisor_on_Down(watch_Supervisor *self, zactor_ctx *ctx, const watch_Down *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Supervisor does on receiving Down. */
}

void watch_Supervisor_on_down(watch_Supervisor *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    (void)down;
    /* TODO: what Supervisor does when an actor it monitors ends: down->ref is
     * that actor, down->reason why it ended (down->monitor, the id its
     * monitor call gave). */
}

void watch_Supervisor_on_stop(watch_Supervisor *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    /* TODO: what Supervisor does when it stops. */
}

void watch_Undertaker_on_down(watch_Undertaker *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    (void)down;
    /* TODO: what Undertaker does when an actor it monitors ends: down->ref is
     * that actor, down->reason why it ended (down->monitor, the id its
     * monitor call gave). */
}
