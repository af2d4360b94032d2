/* node.h - nodes: actors of other processes over ZeroMQ (private).
 *
 * A ref to a remote actor is a ref to a proxy cell (actor.c,
 * zactor__proxy_cell): a cell whose life word never has ALIVE, so that a
 * send to it leaves the local fast path at the check every send makes
 * anyway, and whose type is zactor__proxy_type. There the send finds
 * ZACTOR__EREMOTE and hands the message to zactor__node_send, which
 * encodes it (the handler entry's wire codecs) into the peer's outgoing
 * batch for the I/O thread (io.h) to send. A local send pays nothing. */
#ifndef ZACTOR_NODE_H
#define ZACTOR_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "actor.h"
#include "zactor/zactor.h"

typedef struct zactor__node_layer zactor__node_layer;
typedef struct zactor__monitor zactor__monitor;

/* What deliver_to returns for a proxy cell: never seen by users. */
#define ZACTOR__EREMOTE (-1000)

/* The type of every proxy cell. Its one handler entry, flagged
 * ZACTOR_HANDLER_DOWN, is where monitor.c sends the Down of a monitor
 * whose watcher is remote. */
extern const zactor_actor_type zactor__proxy_type;
/* reply_to.requester_type of a request that came from another node. */
extern const zactor_actor_type zactor__node_requester;

static inline bool zactor__ref_is_proxy(zactor_ref ref)
{
    /* Relaxed: a proxy's type is set before its ref exists and never changes;
     * a local cell's type is never the proxy type. */
    return ref.cell &&
           atomic_load_explicit(&ref.cell->type, memory_order_relaxed) == &zactor__proxy_type;
}

/* A send (message, request envelope, or a Down to a remote watcher) to
 * the proxy of `to`: 0 once queued for the peer, or an error with nothing
 * queued and the payload still the caller's. */
int zactor__node_send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                      size_t size);

/* zactor_reply and its failures for a reply_to of zactor__node_requester. */
void zactor__node_reply(const zactor_reply_to *reply_to, const void *reply, zactor_drop_fn drop);
void zactor__node_reply_fail(const zactor_reply_to *reply_to, int code);

/* A monitor of a remote actor was set (id) or removed: tells its node. 0
 * or ZACTOR_EUNREACH (the monitor must fire NODE_DOWN now). */
int zactor__node_monitor(zactor_ref target, zactor_ref watcher, uint64_t id);
void zactor__node_demonitor(zactor_ref target, zactor_ref watcher, uint64_t id);

/* zactor_kill of a remote actor: tells its node, which kills it with
 * code. 0 once queued, ZACTOR_EUNREACH, ZACTOR_ENOMEM. */
int zactor__node_kill(zactor_ref target, int code);

/* The retry of waiting notices (notice.c): the FAIL records this node
 * owes other nodes and could not write for lack of memory. true when
 * some still wait; false too when sys is not a node. */
bool zactor__node_resend(zactor_system *sys);

/* For the fuzzer: handles batch (len bytes) on the I/O thread as if it
 * came from a peer named "fuzz" that said hello. 0 or an error of
 * zactor__io_call_wait; ZACTOR_EARG when sys is not a node. */
int zactor__node_feed(zactor_system *sys, const uint8_t *batch, size_t len);

/* zactor_system_destroy, workers joined: on the I/O thread, every peer
 * goes down (what waits on it fails, later sends get ZACTOR_EUNREACH) and
 * the sockets close. Then the I/O thread is joined (io.h), the remaining
 * actors end (their `on stop` may still send: to a proxy, that fails),
 * and zactor__node_destroy frees the node. */
void zactor__node_close(zactor_system *sys);
void zactor__node_destroy(zactor_system *sys);

#endif
