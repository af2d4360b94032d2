/* The handlers of the actors in desk.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "desk.zidl.h"

void desk_Clerk_on_Question(desk_Clerk *self, zactor_ctx *ctx, const forms_Question *msg,
                            forms_Answer *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    (void)reply;
    /* TODO: how Clerk answers Question: fill in *reply (it starts
     * from FORMS_ANSWER_INIT); it is sent when this function returns, unless
     * the handler defers it (desk_Clerk_defer_Question). */
}

void desk_Clerk_on_Answer(desk_Clerk *self, zactor_ctx *ctx, const forms_Answer *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Clerk does on receiving Answer. */
}
