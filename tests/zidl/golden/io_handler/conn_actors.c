/* The handlers of the actors in conn.zidl: a starting point written by
 * zidlc 0.1.0 --skeleton. Fill them in; this file is yours to edit. */
#include "conn.zidl.h"

void sock_Conn_on_Write(sock_Conn *self, zactor_ctx *ctx, const sock_Write *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Conn does on receiving Write. */
}

void sock_Conn_on_Io(sock_Conn *self, zactor_ctx *ctx, const sock_Io *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Conn does on receiving Io. */
}

void sock_Conn_on_Attach(sock_Conn *self, zactor_ctx *ctx, const sock_Attach *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    /* TODO: what Conn does on receiving Attach. */
}

void sock_Conn_on_io(sock_Conn *self, zactor_ctx *ctx, const zactor_io_event *ev)
{
    (void)self;
    (void)ctx;
    (void)ev;
    /* TODO: what Conn does when a descriptor it watches is ready:
     * ev->fd is the descriptor, ev->events its ready ZACTOR_IO_* bits
     * (ev->watch, the id of the watch). */
}

void sock_Listener_on_io(sock_Listener *self, zactor_ctx *ctx, const zactor_io_event *ev)
{
    (void)self;
    (void)ctx;
    (void)ev;
    /* TODO: what Listener does when a descriptor it watches is ready:
     * ev->fd is the descriptor, ev->events its ready ZACTOR_IO_* bits
     * (ev->watch, the id of the watch). */
}
