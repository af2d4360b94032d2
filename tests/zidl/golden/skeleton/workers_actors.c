/* The handlers of the actors in workers.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "workers.zidl.h"

void jobs_Boss_on_start(jobs_Boss *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    /* TODO: what Boss does when it starts. */
}

void jobs_Boss_on_Done(jobs_Boss *self, zactor_ctx *ctx, const jobs_Done *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Boss does on receiving Done. */
}

void jobs_Worker_on_Job(jobs_Worker *self, zactor_ctx *ctx, const jobs_Job *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Worker does on receiving Job. */
}

void jobs_Worker_on_stop(jobs_Worker *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    /* TODO: what Worker does when it stops. */
}
