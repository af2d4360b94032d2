/* The handlers of the actors in relay.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "relay.zidl.h"

void relay_Cache_on_Lookup(relay_Cache *self, zactor_ctx *ctx, const relay_Lookup *msg,
                           relay_Found *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    (void)reply;
    /* TODO: how Cache answers Lookup: fill in *reply (it starts
     * from RELAY_FOUND_INIT); it is sent when this function returns, unless
     * the handler defers it (relay_Cache_defer_Lookup). */
}

void relay_Cache_on_Found(relay_Cache *self, zactor_ctx *ctx, const relay_Found *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Cache does on receiving Found. */
}

void relay_Cache_on_request_error(relay_Cache *self, zactor_ctx *ctx,
                                  const zactor_request_error *error)
{
    (void)self;
    (void)ctx;
    (void)error;
    /* TODO: what Cache does when a request it made ends without a reply:
     * error->request is its id, error->target the actor it went to,
     * error->code why. */
}

void relay_Store_on_Lookup(relay_Store *self, zactor_ctx *ctx, const relay_Lookup *msg,
                           relay_Found *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    (void)reply;
    /* TODO: how Store answers Lookup: fill in *reply (it starts
     * from RELAY_FOUND_INIT); it is sent when this function returns, unless
     * the handler defers it (relay_Store_defer_Lookup). */
}

void relay_Silent_on_request_error(relay_Silent *self, zactor_ctx *ctx,
                                   const zactor_request_error *error)
{
    (void)self;
    (void)ctx;
    (void)error;
    /* TODO: what Silent does when a request it made ends without a reply:
     * error->request is its id, error->target the actor it went to,
     * error->code why. */
}
