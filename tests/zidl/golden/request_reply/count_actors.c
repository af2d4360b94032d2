/* The handlers of the actors in count.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "count.zidl.h"

void chat_Room_on_Count(chat_Room *self, zactor_ctx *ctx, const chat_Count *msg,
                        chat_CountReply *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    (void)reply;
    /* TODO: how Room answers Count: fill in *reply (it starts
     * from CHAT_COUNTREPLY_INIT); it is sent when this function returns, unless
     * the handler defers it (chat_Room_defer_Count). */
}

void chat_Room_on_Lookup(chat_Room *self, zactor_ctx *ctx, const chat_Lookup *msg,
                         chat_Found *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    (void)reply;
    /* TODO: how Room answers Lookup: fill in *reply (it starts
     * from CHAT_FOUND_INIT); it is sent when this function returns, unless
     * the handler defers it (chat_Room_defer_Lookup). */
}

void chat_Room_on_Census(chat_Room *self, zactor_ctx *ctx, const chat_Census *msg,
                         chat_CountReply *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    (void)reply;
    /* TODO: how Room answers Census: fill in *reply (it starts
     * from CHAT_COUNTREPLY_INIT); it is sent when this function returns, unless
     * the handler defers it (chat_Room_defer_Census). */
}

void chat_Room_on_Count2(chat_Room *self, zactor_ctx *ctx, const chat_Count2 *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Room does on receiving Count2. */
}

void chat_Client_on_start(chat_Client *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    /* TODO: what Client does when it starts. */
}

void chat_Client_on_CountReply(chat_Client *self, zactor_ctx *ctx, const chat_CountReply *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Client does on receiving CountReply. */
}

void chat_Client_on_Found(chat_Client *self, zactor_ctx *ctx, const chat_Found *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Client does on receiving Found. */
}
