/* node.c - nodes over ZeroMQ (node.h, docs/nodes.md).
 *
 * Each node has a ROUTER socket for the peers that connect to it
 * (zactor_node_listen) and a DEALER per node it connects to
 * (zactor_node_connect); a peer is reached through the one channel its
 * handshake came on, so the messages of one sender to one receiver keep
 * their order. Every ZeroMQ message is a batch of records:
 *
 *     u32 length (of kind and body) | u8 kind | body
 *
 * little-endian like the wire format (docs/wire.md), whose frames the
 * SEND, REQUEST and REPLY records carry. Senders append records to their
 * peer's batch under its lock; the I/O thread takes the whole batch and
 * sends it as one ZeroMQ message, so a busy link sends few large messages
 * and an idle one sends each record at once.
 *
 * A peer is one incarnation of a node: its id is drawn at random when the
 * node starts, so refs to a node that was restarted stay unreachable
 * rather than reach whatever actor now has the same cell.
 */
#include "node.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "actor.h"
#include "clock.h"
#include "dead_letter.h"
#include "io.h"
#include "monitor.h"
#include "system.h"
#include "u64map.h"
#include "worker.h"

#define NODE_MAGIC UINT32_C(0x314e415a) /* "ZAN1" */
#define NODE_PROTOCOL 1u
#define NODE_BATCH_MIN 4096u
/* A batch is sealed once it holds this much: the receiver's buffer per
 * ZeroMQ message stays small, and a flood is sent while it is written. */
#define NODE_BATCH_MAX (256u * 1024u)
/* A record's header: its length and kind. */
#define RECORD_HEADER 5u

enum record_kind {
    RECORD_HELLO = 1,      /* u32 magic, u16 protocol, u64 node id, u8 reply, string name */
    RECORD_BEAT = 2,       /* nothing: the peer is alive */
    RECORD_SEND = 3,       /* u64 actor, frame */
    RECORD_REQUEST = 4,    /* u64 request, u64 actor, frame */
    RECORD_REPLY = 5,      /* u64 request, frame */
    RECORD_FAIL = 6,       /* u64 request, i32 code */
    RECORD_LOOKUP = 7,     /* u64 lookup, string name */
    RECORD_FOUND = 8,      /* u64 lookup, i32 code, u64 actor, string type name */
    RECORD_MONITOR = 9,    /* u64 monitor, u64 target actor, u64 watcher actor */
    RECORD_DEMONITOR = 10, /* u64 monitor, u64 watcher actor */
    RECORD_DOWN = 11,      /* u64 monitor, u64 watcher actor, i32 kind, i32 code */
};

typedef struct node_connector node_connector;

/* A batch of records: one ZeroMQ message, made (zero-copy) when it is
 * first sent and kept for another try if the socket had no room. */
typedef struct node_batch {
    struct node_batch *next;
    uint8_t *data;
    size_t len;
    zmq_msg_t msg;
    bool msg_made;
} node_batch;
typedef struct zactor__peer zactor__peer;

/* One incarnation of another node. */
struct zactor__peer {
    /* Shared with senders, under out_lock. */
    pthread_mutex_t out_lock;
    uint8_t *out; /* records for the I/O thread to send */
    size_t out_len;
    size_t out_cap;
    node_batch *sealed; /* full batches before out, oldest first */
    node_batch *sealed_tail;
    bool up; /* handshake done, not found down since */
    /* Fixed once made. */
    zactor__node_layer *node;
    uint64_t id;
    /* The I/O thread's. */
    char name[ZACTOR_NODE_NAME_MAX + 1]; /* "" until its handshake */
    node_connector *connector;           /* our DEALER to it, if we connected */
    uint8_t routing_id[256];             /* its connection on our ROUTER, if it connected */
    size_t routing_id_len;
    bool via_dealer; /* the channel, while up */
    uint64_t last_heard;
    uint64_t last_sent;
    /* Batches taken from the senders and not yet sent, oldest first: the
     * first one is blocked when the socket had no room (ZMQ_SNDHWM). */
    node_batch *sending;
    node_batch *sending_tail;
    zactor__u64map proxies; /* actor id -> node_proxy */
    zactor__peer *next;
};

/* A proxy cell's record (zactor__proxy_record). */
typedef struct node_proxy {
    zactor__peer *peer;
    uint64_t actor;
    zactor_ref ref; /* the proxy cell's */
} node_proxy;

/* A node we connect to: its DEALER outlives the incarnations behind it. */
struct node_connector {
    zactor__node_layer *node;
    void *socket;
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    zactor__peer *peer; /* the incarnation its last handshake came from */
    uint64_t last_hello;
    node_connector *next;
};

/* A request sent to another node, waiting for its REPLY or FAIL. */
typedef struct node_pending {
    zactor__peer *peer;
    zactor_reply_to reply_to;
    const zactor_wire_entry *reply_wire;
} node_pending;

/* A request from another node: reply_to.target of its envelope. */
typedef struct node_origin {
    zactor__peer *peer;
    uint64_t request;
    const zactor_wire_entry *reply_wire;
} node_origin;

/* A blocking call (connect, lookup) waiting for the I/O thread. */
typedef struct node_call {
    uint64_t id;
    bool done;
    int rc;
    /* connect */
    node_connector *connector;
    char peer[ZACTOR_NODE_NAME_MAX + 1];
    /* lookup */
    char node_name[ZACTOR_NODE_NAME_MAX + 1];
    char name[ZACTOR_NODE_NAME_MAX + 1];
    const zactor_actor_type *type;
    zactor_ref ref;
    struct node_call *next;
} node_call;

typedef struct node_counters {
    _Atomic uint64_t records_sent;
    _Atomic uint64_t records_received;
    _Atomic uint64_t batches_sent;
    _Atomic uint64_t bad_input;
    _Atomic uint64_t unknown_types;
    _Atomic uint64_t unreachable;
    _Atomic uint64_t peers_up;
    _Atomic uint64_t peers_down;
} node_counters;

struct zactor__node_layer {
    zactor_system *sys;
    char name[ZACTOR_NODE_NAME_MAX + 1];
    uint64_t id;
    uint64_t heartbeat_ns;
    uint64_t down_after_ns;
    uint64_t max_batch_bytes;
    zactor_node_hook_fn hook;
    void *hook_user;
    /* CURVE (node_auth.c): this node's keys (Z85, NUL-terminated) and the
     * public keys allowed to connect (binary, 32 bytes each). */
    bool curve;
    char curve_public[41];
    char curve_secret[41];
    uint8_t (*curve_allowed)[32];
    size_t curve_allowed_count;
    void *zap; /* the ZAP handler's socket, on the I/O thread */
    /* The I/O thread's. */
    bool closed; /* zactor__node_close ran: no new socket */
    void *router;
    zactor__peer *peers; /* every incarnation met, newest first */
    zactor__u64map peers_by_id;
    node_connector *connectors;
    uint8_t *scratch; /* decoded messages and envelopes */
    uint32_t records_since_beat;
    uint64_t last_tick;
    size_t scratch_cap;
    /* Shared, under lock: requests waiting for replies, blocking calls. */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a call is done */
    zactor__u64map pending;
    uint64_t last_request;
    node_call *calls;
    uint64_t last_call;
    node_counters counters;
};

/* Relaxed: statistics. */
#define NODE_COUNT(node, field, n) \
    atomic_fetch_add_explicit(&(node)->counters.field, (n), memory_order_relaxed)

static void node_down_handler(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}

static const zactor_handler_entry node_proxy_entries[1] = {
    {.handle = node_down_handler, .message_type_id = 0, .flags = ZACTOR_HANDLER_DOWN},
};

const zactor_actor_type zactor__proxy_type = {
    .abi_version = ZACTOR_ABI_VERSION,
    .name = "zactor.RemoteActor",
    .state_size = 1,
    .state_align = 1,
    .slot_size = ZACTOR_SLOT_PAYLOAD_OFFSET + sizeof(void *),
    .handler_count = 1,
    .handlers = node_proxy_entries,
};

const zactor_actor_type zactor__node_requester = {
    .abi_version = ZACTOR_ABI_VERSION,
    .name = "zactor.RemoteRequester",
    .state_size = 1,
    .state_align = 1,
    .slot_size = ZACTOR_SLOT_PAYLOAD_OFFSET + sizeof(void *),
};

static zactor__node_layer *node_of(zactor_system *sys)
{
    /* Acquire: pairs with zactor_node_start's release; the node's fixed
     * fields are then visible. */
    return atomic_load_explicit(&sys->node, memory_order_acquire);
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

static void node_event(zactor__node_layer *node, zactor_node_event_kind kind, const char *peer,
                       const char *reason, uint32_t type_id)
{
    if (kind == ZACTOR_NODE_BAD_INPUT)
        NODE_COUNT(node, bad_input, 1);
    else if (kind == ZACTOR_NODE_UNKNOWN_TYPE)
        NODE_COUNT(node, unknown_types, 1);
    if (!node->hook)
        return;
    zactor_node_event event = {kind, peer && *peer ? peer : "?", reason ? reason : "", type_id};
    node->hook(node->hook_user, &event);
}

static void node_bad_input(zactor__node_layer *node, const zactor__peer *peer, const char *reason,
                           uint32_t type_id)
{
    node_event(node, ZACTOR_NODE_BAD_INPUT, peer ? peer->name : NULL, reason, type_id);
}

/* ------------------------------------------------------------------ */
/* Outgoing records: any thread, under the peer's out_lock             */

/* Room for n more bytes at the end of the peer's batch. */
/* Under out_lock: the batch being written joins the sealed ones. false
 * when memory ran out (it then stays open). */
static bool out_seal(zactor__peer *peer)
{
    node_batch *batch = malloc(sizeof *batch);
    if (!batch)
        return false;
    *batch = (node_batch){.data = peer->out, .len = peer->out_len};
    if (peer->sealed_tail)
        peer->sealed_tail->next = batch;
    else
        peer->sealed = batch;
    peer->sealed_tail = batch;
    peer->out = NULL;
    peer->out_len = 0;
    peer->out_cap = 0;
    return true;
}

/* Nothing waits for the I/O thread in the peer's batches. */
static bool out_idle(const zactor__peer *peer)
{
    return peer->out_len == 0 && !peer->sealed;
}

static uint8_t *out_reserve(zactor__peer *peer, size_t n)
{
    if (peer->out_len > 0 && peer->out_len + n > NODE_BATCH_MAX)
        (void)out_seal(peer); /* failing, the batch just grows */
    if (peer->out_cap - peer->out_len < n) {
        size_t cap = peer->out_cap ? peer->out_cap : NODE_BATCH_MIN;
        while (cap - peer->out_len < n)
            cap *= 2;
        uint8_t *grown = realloc(peer->out, cap);
        if (!grown)
            return NULL;
        peer->out = grown;
        peer->out_cap = cap;
    }
    return peer->out + peer->out_len;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A record being written into a peer's batch: its header first, its
 * length patched by record_end. */
typedef struct record_writer {
    zactor_wire_writer w;
    size_t start;
} record_writer;

static bool record_begin(zactor__peer *peer, record_writer *r, enum record_kind kind, size_t body,
                         zactor_wire_ctx *ctx)
{
    uint8_t *at = out_reserve(peer, RECORD_HEADER + body);
    if (!at)
        return false;
    r->start = peer->out_len;
    r->w = (zactor_wire_writer){at, at + RECORD_HEADER + body, ctx, 0};
    zactor_wire_put_u32(&r->w, 0);
    zactor_wire_put_u8(&r->w, (uint8_t)kind);
    return true;
}

/* 0 with the record added, or the writer's error with nothing added. */
static int record_end(zactor__peer *peer, record_writer *r)
{
    if (r->w.error)
        return r->w.error;
    size_t len = (size_t)(r->w.at - (peer->out + r->start));
    put_le32(peer->out + r->start, (uint32_t)(len - 4));
    peer->out_len += len;
    return 0;
}

static void put_string(zactor_wire_writer *w, const char *s)
{
    size_t n = strlen(s);
    zactor_wire_put_u8(w, (uint8_t)n);
    if (zactor_wire_writer_room(w, n)) {
        memcpy(w->at, s, n);
        w->at += n;
    }
}

/* The end of a record added by a sender: wakes the I/O thread when the
 * batch was empty (it then had nothing to look at). */
static void out_unlock(zactor__peer *peer, bool was_empty)
{
    pthread_mutex_unlock(&peer->out_lock);
    NODE_COUNT(peer->node, records_sent, 1);
    if (was_empty)
        zactor__io_wake(&peer->node->sys->io);
}

/* ------------------------------------------------------------------ */
/* Refs on the wire                                                     */

static int node_encode_ref(void *user, zactor_ref ref, uint64_t *node_id, uint64_t *actor)
{
    zactor__node_layer *node = user;
    if (!ref.cell) {
        *node_id = 0;
        *actor = 0;
        return 0;
    }
    if (zactor__ref_is_proxy(ref)) {
        const node_proxy *proxy = zactor__proxy_record(ref.cell);
        *node_id = proxy->peer->id;
        *actor = proxy->actor;
        return 0;
    }
    if (ref.cell->sys != node->sys)
        return ZACTOR_EARG;
    *node_id = node->id;
    *actor = zactor__actor_id(ref);
    return 0;
}

static zactor__peer *peer_new(zactor__node_layer *node, uint64_t id);

/* On the I/O thread: the proxy of actor on peer, made on first sight. */
static int proxy_of(zactor__peer *peer, uint64_t actor, zactor_ref *out)
{
    node_proxy *proxy = zactor__u64map_get(&peer->proxies, actor);
    if (proxy) {
        *out = proxy->ref;
        return 0;
    }
    proxy = malloc(sizeof *proxy);
    if (!proxy)
        return ZACTOR_ENOMEM;
    *proxy = (node_proxy){peer, actor, {NULL, 0}};
    proxy->ref = zactor__proxy_cell(peer->node->sys, &zactor__proxy_type, proxy);
    if (!proxy->ref.cell || !zactor__u64map_put(&peer->proxies, actor, proxy)) {
        /* A cell taken stays unused until the system ends: harmless. */
        free(proxy);
        return ZACTOR_ENOMEM;
    }
    *out = proxy->ref;
    return 0;
}

/* A local actor by id: a cell of this system that is not a proxy. */
static bool local_actor(zactor__node_layer *node, uint64_t actor, zactor_ref *out)
{
    return zactor__actor_of_id(node->sys, actor, out) && !zactor__ref_is_proxy(*out);
}

/* On the I/O thread, decoding a frame from a peer. */
static int node_decode_ref(void *user, uint64_t node_id, uint64_t actor, zactor_ref *out)
{
    zactor__node_layer *node = user;
    if (node_id == 0 && actor == 0) {
        *out = (zactor_ref){NULL, 0};
        return 0;
    }
    if (node_id == node->id)
        return local_actor(node, actor, out) ? 0 : ZACTOR_EINVAL;
    zactor__peer *peer = zactor__u64map_get(&node->peers_by_id, node_id);
    if (!peer && !(peer = peer_new(node, node_id)))
        return ZACTOR_ENOMEM;
    return proxy_of(peer, actor, out);
}

/* ------------------------------------------------------------------ */
/* Sends to remote actors (any thread)                                  */

/* Removes a pending request; NULL when the I/O thread answered it. */
static node_pending *pending_take(zactor__node_layer *node, uint64_t id)
{
    pthread_mutex_lock(&node->lock);
    node_pending *p = zactor__u64map_take(&node->pending, id);
    pthread_mutex_unlock(&node->lock);
    return p;
}

static int send_down(zactor__peer *peer, const node_proxy *proxy, const zactor_down *down)
{
    pthread_mutex_lock(&peer->out_lock);
    if (!peer->up) {
        pthread_mutex_unlock(&peer->out_lock);
        return ZACTOR_EUNREACH;
    }
    bool was_empty = out_idle(peer);
    record_writer r;
    int rc = ZACTOR_ENOMEM;
    if (record_begin(peer, &r, RECORD_DOWN, 24, NULL)) {
        zactor_wire_put_u64(&r.w, down->monitor);
        zactor_wire_put_u64(&r.w, proxy->actor);
        zactor_wire_put_u32(&r.w, (uint32_t)down->reason.kind);
        zactor_wire_put_u32(&r.w, (uint32_t)down->reason.code);
        rc = record_end(peer, &r);
    }
    if (rc != 0) {
        pthread_mutex_unlock(&peer->out_lock);
        return rc;
    }
    out_unlock(peer, was_empty);
    return 0;
}

int zactor__node_send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                      size_t size)
{
    const node_proxy *proxy = zactor__proxy_record(to.cell);
    zactor__peer *peer = proxy->peer;
    zactor__node_layer *node = peer->node;
    if (type == &zactor__proxy_type)
        return send_down(peer, proxy, msg);
    const zactor_handler_entry *entry = &type->handlers[tag];
    const zactor_wire_entry *wire = entry->wire;
    bool request = entry->flags & ZACTOR_HANDLER_REQUEST;
    if (!wire || (request && !entry->reply_wire))
        return ZACTOR_ELOCAL;
    const void *body = msg;
    uint64_t id = 0;
    node_pending *pending = NULL;
    if (request) {
        if (size < sizeof(zactor_reply_to))
            return ZACTOR_EARG;
        body = (const unsigned char *)msg + sizeof(zactor_reply_to);
    }
    size_t frame = wire->wire_size(body);
    if (frame > node->max_batch_bytes - RECORD_HEADER - 16)
        return ZACTOR_ETOOBIG;
    if (request) {
        pending = malloc(sizeof *pending);
        if (!pending)
            return ZACTOR_ENOMEM;
        *pending = (node_pending){peer, *(const zactor_reply_to *)msg, entry->reply_wire};
        pthread_mutex_lock(&node->lock);
        id = ++node->last_request;
        bool put = zactor__u64map_put(&node->pending, id, pending);
        pthread_mutex_unlock(&node->lock);
        if (!put) {
            free(pending);
            return ZACTOR_ENOMEM;
        }
    }
    zactor_wire_ctx ctx = {node_encode_ref, node_decode_ref, node};
    pthread_mutex_lock(&peer->out_lock);
    int rc = ZACTOR_EUNREACH;
    bool was_empty = out_idle(peer);
    if (peer->up) {
        record_writer r;
        rc = ZACTOR_ENOMEM;
        if (record_begin(peer, &r, request ? RECORD_REQUEST : RECORD_SEND, 16 + frame, &ctx)) {
            if (request)
                zactor_wire_put_u64(&r.w, id);
            zactor_wire_put_u64(&r.w, proxy->actor);
            size_t len = 0;
            if (!r.w.error) {
                rc = wire->encode(body, &ctx, r.w.at, (size_t)(r.w.end - r.w.at), &len);
                if (rc != 0)
                    zactor_wire_writer_fail(&r.w, rc);
                else
                    r.w.at += len;
            }
            rc = record_end(peer, &r);
        }
    }
    if (rc != 0) {
        pthread_mutex_unlock(&peer->out_lock);
        if (rc == ZACTOR_EUNREACH)
            NODE_COUNT(node, unreachable, 1);
        /* Taken back, the request is the caller's to fail; else the
         * peer's end failed it already, and for the caller it went. */
        if (pending) {
            if (pending_take(node, id) != pending)
                return 0;
            free(pending);
        }
        return rc;
    }
    out_unlock(peer, was_empty);
    /* The frame holds a copy: what the message owned is let go, as a
     * local send's handler would have (a request's reply_to moved to
     * pending). */
    if (entry->drop)
        entry->drop(msg);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Replies to requests from other nodes (any thread)                    */

static void origin_fail(node_origin *origin, int code)
{
    zactor__peer *peer = origin->peer;
    pthread_mutex_lock(&peer->out_lock);
    bool was_empty = out_idle(peer);
    record_writer r;
    int rc = ZACTOR_EUNREACH;
    if (peer->up && record_begin(peer, &r, RECORD_FAIL, 12, NULL)) {
        zactor_wire_put_u64(&r.w, origin->request);
        zactor_wire_put_u32(&r.w, (uint32_t)code);
        rc = record_end(peer, &r);
    }
    if (rc == 0)
        out_unlock(peer, was_empty);
    else
        pthread_mutex_unlock(&peer->out_lock);
    free(origin);
}

void zactor__node_reply(const zactor_reply_to *reply_to, const void *reply, zactor_drop_fn drop)
{
    node_origin *origin = reply_to->target;
    zactor__peer *peer = origin->peer;
    zactor__node_layer *node = peer->node;
    if (!reply) {
        origin_fail(origin, ZACTOR_EINVAL);
        return;
    }
    const zactor_wire_entry *wire = origin->reply_wire;
    size_t frame = wire->wire_size(reply);
    if (frame > node->max_batch_bytes - RECORD_HEADER - 8) {
        origin_fail(origin, ZACTOR_ETOOBIG);
        if (drop)
            drop(reply);
        return;
    }
    zactor_wire_ctx ctx = {node_encode_ref, node_decode_ref, node};
    pthread_mutex_lock(&peer->out_lock);
    bool was_empty = out_idle(peer);
    record_writer r;
    int rc = ZACTOR_EUNREACH;
    if (peer->up && (rc = ZACTOR_ENOMEM, record_begin(peer, &r, RECORD_REPLY, 8 + frame, &ctx))) {
        zactor_wire_put_u64(&r.w, origin->request);
        size_t len = 0;
        if (!r.w.error) {
            int err = wire->encode(reply, &ctx, r.w.at, (size_t)(r.w.end - r.w.at), &len);
            if (err != 0)
                zactor_wire_writer_fail(&r.w, err);
            else
                r.w.at += len;
        }
        rc = record_end(peer, &r);
    }
    if (rc == 0) {
        out_unlock(peer, was_empty);
        free(origin);
    } else {
        pthread_mutex_unlock(&peer->out_lock);
        if (rc == ZACTOR_EUNREACH) {
            /* Its requester's node is gone: a dead letter here. */
            zactor__dead_letter_note(node->sys, zactor__node_requester.name, wire->type_id);
            free(origin);
        } else {
            origin_fail(origin, rc);
        }
    }
    if (drop)
        drop(reply);
}

void zactor__node_reply_fail(const zactor_reply_to *reply_to, int code)
{
    origin_fail(reply_to->target, code);
}

/* ------------------------------------------------------------------ */
/* Monitors of remote actors (any thread)                               */

static int send_monitor_record(zactor_ref target, zactor_ref watcher, uint64_t id, bool set)
{
    const node_proxy *proxy = zactor__proxy_record(target.cell);
    zactor__peer *peer = proxy->peer;
    pthread_mutex_lock(&peer->out_lock);
    bool was_empty = out_idle(peer);
    record_writer r;
    int rc = ZACTOR_EUNREACH;
    if (peer->up && (rc = ZACTOR_ENOMEM,
                     record_begin(peer, &r, set ? RECORD_MONITOR : RECORD_DEMONITOR, 24, NULL))) {
        zactor_wire_put_u64(&r.w, id);
        if (set)
            zactor_wire_put_u64(&r.w, proxy->actor);
        zactor_wire_put_u64(&r.w, zactor__actor_id(watcher));
        rc = record_end(peer, &r);
    }
    if (rc == 0)
        out_unlock(peer, was_empty);
    else
        pthread_mutex_unlock(&peer->out_lock);
    return rc;
}

int zactor__node_monitor(zactor_ref target, zactor_ref watcher, uint64_t id)
{
    return send_monitor_record(target, watcher, id, true) == 0 ? 0 : ZACTOR_EUNREACH;
}

void zactor__node_demonitor(zactor_ref target, zactor_ref watcher, uint64_t id)
{
    (void)send_monitor_record(target, watcher, id, false);
}

/* ------------------------------------------------------------------ */
/* Peers (the I/O thread)                                               */

static zactor__peer *peer_new(zactor__node_layer *node, uint64_t id)
{
    zactor__peer *peer = calloc(1, sizeof *peer);
    if (!peer)
        return NULL;
    if (pthread_mutex_init(&peer->out_lock, NULL) != 0) {
        free(peer);
        return NULL;
    }
    peer->node = node;
    peer->id = id;
    zactor__u64map_init(&peer->proxies);
    if (!zactor__u64map_put(&node->peers_by_id, id, peer)) {
        pthread_mutex_destroy(&peer->out_lock);
        free(peer);
        return NULL;
    }
    peer->next = node->peers;
    node->peers = peer;
    return peer;
}

/* The up incarnation of the node called name, if any. */
static zactor__peer *peer_named(zactor__node_layer *node, const char *name)
{
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        if (strcmp(peer->name, name) == 0 && peer->up)
            return peer;
    }
    return NULL;
}

static bool proxy_of_peer(zactor_ref ref, const void *peer)
{
    return zactor__ref_is_proxy(ref) &&
           ((const node_proxy *)zactor__proxy_record(ref.cell))->peer == peer;
}

/* Under node->lock: completes the calls that wait on peer (connects
 * through connector, lookups of its name) with rc. */
static void calls_finish_for(zactor__node_layer *node, const zactor__peer *peer,
                             const node_connector *connector, int rc)
{
    for (node_call *call = node->calls; call; call = call->next) {
        if (call->done)
            continue;
        if ((connector && call->connector == connector) ||
            (peer && !call->connector && strcmp(call->node_name, peer->name) == 0 && call->id)) {
            call->done = true;
            call->rc = rc;
            if (rc == 0 && peer)
                snprintf(call->peer, sizeof call->peer, "%s", peer->name);
        }
    }
    pthread_cond_broadcast(&node->cond);
}

/* Counts the dead letters of a batch that will never go: its SEND and
 * REQUEST records (their requests are failed with the pending ones). */
static void count_lost(zactor__node_layer *node, const uint8_t *batch, size_t len)
{
    size_t at = 0;
    while (len - at >= RECORD_HEADER) {
        uint32_t n = (uint32_t)batch[at] | (uint32_t)batch[at + 1] << 8 |
                     (uint32_t)batch[at + 2] << 16 | (uint32_t)batch[at + 3] << 24;
        if (batch[at + 4] == RECORD_SEND)
            zactor__dead_letter_note(node->sys, zactor__proxy_type.name, 0);
        at += 4 + (size_t)n;
    }
}

static void batches_drop(zactor__node_layer *node, node_batch *batch)
{
    while (batch) {
        node_batch *next = batch->next;
        count_lost(node, batch->data, batch->len);
        if (batch->msg_made)
            zmq_msg_close(&batch->msg); /* frees data */
        else
            free(batch->data);
        free(batch);
        batch = next;
    }
}

static void peer_down(zactor__peer *peer)
{
    zactor__node_layer *node = peer->node;
    pthread_mutex_lock(&peer->out_lock);
    bool was_up = peer->up;
    peer->up = false;
    count_lost(node, peer->out, peer->out_len);
    peer->out_len = 0;
    node_batch *sealed = peer->sealed;
    peer->sealed = peer->sealed_tail = NULL;
    pthread_mutex_unlock(&peer->out_lock);
    batches_drop(node, sealed);
    batches_drop(node, peer->sending);
    peer->sending = peer->sending_tail = NULL;
    if (!was_up)
        return;
    /* Requests to it end; calls for it end. */
    node_pending *failed = NULL;
    size_t failed_count = 0;
    pthread_mutex_lock(&node->lock);
    zactor__u64map *pending = &node->pending;
    for (size_t i = 0; pending->slots && i <= pending->mask;) {
        node_pending *p = pending->slots[i].value;
        if (pending->slots[i].key && p->peer == peer) {
            zactor__u64map_take(pending, pending->slots[i].key);
            /* The reply_to travels in a list of its own: reuse the peer
             * field as the link, the request being over. */
            p->peer = (zactor__peer *)failed;
            failed = p;
            failed_count++;
            continue; /* the slot now holds the next entry of the run */
        }
        i++;
    }
    calls_finish_for(node, peer, NULL, ZACTOR_EUNREACH);
    pthread_mutex_unlock(&node->lock);
    while (failed) {
        node_pending *p = failed;
        failed = (node_pending *)(void *)p->peer;
        zactor__reply_to_fail(&p->reply_to, ZACTOR_EUNREACH, true);
        free(p);
    }
    (void)failed_count;
    zactor__monitors_peer_down(node->sys, proxy_of_peer, peer);
    NODE_COUNT(node, peers_down, 1);
    node_event(node, ZACTOR_NODE_DOWN, peer->name, "", 0);
}

static void peer_up(zactor__peer *peer, bool via_dealer, uint64_t now)
{
    zactor__node_layer *node = peer->node;
    peer->last_heard = now;
    peer->last_sent = now;
    pthread_mutex_lock(&peer->out_lock);
    bool was_up = peer->up;
    if (!was_up) {
        peer->up = true;
        peer->via_dealer = via_dealer;
    }
    pthread_mutex_unlock(&peer->out_lock);
    pthread_mutex_lock(&node->lock);
    if (peer->connector)
        calls_finish_for(node, peer, peer->connector, 0);
    pthread_mutex_unlock(&node->lock);
    if (!was_up) {
        NODE_COUNT(node, peers_up, 1);
        node_event(node, ZACTOR_NODE_UP, peer->name, "", 0);
    }
}

/* ------------------------------------------------------------------ */
/* Sending batches (the I/O thread)                                     */

static void *peer_socket(const zactor__peer *peer)
{
    return peer->via_dealer ? (peer->connector ? peer->connector->socket : NULL)
                            : peer->node->router;
}

/* Sends msg on the peer's channel: 0, or EAGAIN (no room: try again when
 * the socket is writable), or another errno (the batch is lost). */
static int peer_send_msg(zactor__peer *peer, zmq_msg_t *msg)
{
    void *socket = peer_socket(peer);
    if (!socket)
        return EHOSTUNREACH;
    if (!peer->via_dealer &&
        zmq_send(socket, peer->routing_id, peer->routing_id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return zmq_errno();
    if (zmq_msg_send(msg, socket, ZMQ_DONTWAIT) < 0)
        return zmq_errno();
    NODE_COUNT(peer->node, batches_sent, 1);
    return 0;
}

static void batch_data_free(void *data, void *hint)
{
    (void)hint;
    free(data);
}

/* Sends the peer's batches in order: those left from before first, then
 * what the senders wrote since. Stops at a socket without room. */
static void peer_flush(zactor__peer *peer, uint64_t now)
{
    pthread_mutex_lock(&peer->out_lock);
    if (peer->up && peer->out_len > 0)
        (void)out_seal(peer);
    node_batch *taken = peer->up ? peer->sealed : NULL;
    if (taken) {
        if (peer->sending_tail)
            peer->sending_tail->next = taken;
        else
            peer->sending = taken;
        peer->sending_tail = peer->sealed_tail;
        peer->sealed = peer->sealed_tail = NULL;
    }
    pthread_mutex_unlock(&peer->out_lock);
    while (peer->sending) {
        node_batch *batch = peer->sending;
        if (!batch->msg_made) {
            if (zmq_msg_init_data(&batch->msg, batch->data, batch->len, batch_data_free, NULL) != 0)
                break; /* out of memory: the next tick tries again */
            batch->msg_made = true;
        }
        int err = peer_send_msg(peer, &batch->msg);
        if (err == EAGAIN)
            return;
        peer->sending = batch->next;
        if (!peer->sending)
            peer->sending_tail = NULL;
        if (err != 0) {
            /* The link is gone: these are lost, and the peer will be
             * found down. */
            batch->next = NULL;
            batches_drop(peer->node, batch);
            continue;
        }
        peer->last_sent = now;
        free(batch); /* its data belongs to ZeroMQ now */
    }
}

/* A record from the I/O thread itself (heartbeat, answers). */
static void peer_record(zactor__peer *peer, enum record_kind kind, const void *body, size_t n)
{
    pthread_mutex_lock(&peer->out_lock);
    record_writer r;
    if (peer->up && record_begin(peer, &r, kind, n, NULL)) {
        if (n && zactor_wire_writer_room(&r.w, n)) {
            memcpy(r.w.at, body, n);
            r.w.at += n;
        }
        (void)record_end(peer, &r);
        NODE_COUNT(peer->node, records_sent, 1);
    }
    pthread_mutex_unlock(&peer->out_lock);
}

/* HELLO, alone in its ZeroMQ message, on a socket (to routing id rid
 * when the socket is our ROUTER). */
static void send_hello(zactor__node_layer *node, void *socket, const uint8_t *rid, size_t rid_len,
                       bool reply)
{
    uint8_t buf[RECORD_HEADER + 4 + 2 + 8 + 1 + 1 + ZACTOR_NODE_NAME_MAX];
    zactor_wire_writer w = {buf, buf + sizeof buf, NULL, 0};
    zactor_wire_put_u32(&w, 0);
    zactor_wire_put_u8(&w, RECORD_HELLO);
    zactor_wire_put_u32(&w, NODE_MAGIC);
    zactor_wire_put_u16(&w, NODE_PROTOCOL);
    zactor_wire_put_u64(&w, node->id);
    zactor_wire_put_u8(&w, reply);
    put_string(&w, node->name);
    size_t len = (size_t)(w.at - buf);
    put_le32(buf, (uint32_t)(len - 4));
    if (rid && zmq_send(socket, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    /* EAGAIN (not connected yet: ZMQ_IMMEDIATE) is fine: the next tick
     * says hello again. */
    (void)zmq_send(socket, buf, len, ZMQ_DONTWAIT);
}

/* ------------------------------------------------------------------ */
/* Receiving (the I/O thread)                                           */

static uint8_t *scratch(zactor__node_layer *node, size_t n)
{
    if (n > node->scratch_cap) {
        size_t cap = node->scratch_cap ? node->scratch_cap : 256;
        while (cap < n)
            cap *= 2;
        /* Aligned for any message struct. */
        uint8_t *grown = aligned_alloc(16, cap);
        if (!grown)
            return NULL;
        free(node->scratch);
        node->scratch = grown;
        node->scratch_cap = cap;
    }
    memset(node->scratch, 0, n);
    return node->scratch;
}

static bool get_string(zactor_wire_reader *r, char *out, size_t out_size)
{
    size_t n = zactor_wire_get_u8(r);
    const uint8_t *p = zactor_wire_reader_take(r, n);
    if (!p || n >= out_size || memchr(p, 0, n))
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* The entry of type whose message type id is type_id (the first frame
 * bytes), or NULL. */
static const zactor_handler_entry *entry_of(const zactor_actor_type *type, uint32_t type_id,
                                            uint32_t *tag)
{
    for (uint32_t i = 0; i < type->handler_count; i++) {
        const zactor_handler_entry *e = &type->handlers[i];
        if (e->wire && e->message_type_id == type_id &&
            !(e->flags & (ZACTOR_HANDLER_DOWN | ZACTOR_HANDLER_REQUEST_ERROR))) {
            *tag = i;
            return e;
        }
    }
    return NULL;
}

/* SEND or REQUEST for a local actor: decodes the frame and delivers it. */
static void receive_message(zactor__peer *peer, zactor_wire_reader *r, bool request)
{
    zactor__node_layer *node = peer->node;
    uint64_t request_id = request ? zactor_wire_get_u64(r) : 0;
    uint64_t actor = zactor_wire_get_u64(r);
    const uint8_t *frame = r->at;
    size_t frame_len = (size_t)(r->end - r->at);
    uint32_t type_id = 0;
    if (r->error || zactor_wire_type_id(frame, frame_len, &type_id) != 0) {
        node_bad_input(node, peer, "record too short for its actor and type id", 0);
        return;
    }
    zactor_ref to;
    const zactor_actor_type *type = NULL;
    if (local_actor(node, actor, &to)) {
        /* Acquire: with the life word the send checks, the type of a
         * live actor is its spawn's. */
        type = atomic_load_explicit(&to.cell->type, memory_order_acquire);
    }
    uint32_t tag = 0;
    const zactor_handler_entry *entry = type ? entry_of(type, type_id, &tag) : NULL;
    if (!type) {
        /* An actor id no cell has, or a free cell: it ended long ago. */
        zactor__dead_letter_note(node->sys, zactor__proxy_type.name, type_id);
        if (request) {
            node_origin gone = {peer, request_id, NULL};
            node_origin *o = malloc(sizeof *o);
            if (o) {
                *o = gone;
                origin_fail(o, ZACTOR_EDEAD);
            }
        }
        return;
    }
    if (!entry || !!(entry->flags & ZACTOR_HANDLER_REQUEST) != request) {
        char reason[96];
        snprintf(reason, sizeof reason, "type id 0x%08x is no %s of actor type %s", type_id,
                 request ? "request" : "message", type->name);
        node_event(node, ZACTOR_NODE_UNKNOWN_TYPE, peer->name, reason, type_id);
        if (request) {
            node_origin *o = malloc(sizeof *o);
            if (o) {
                *o = (node_origin){peer, request_id, NULL};
                origin_fail(o, ZACTOR_ETYPE);
            }
        }
        return;
    }
    size_t offset = request ? sizeof(zactor_reply_to) : 0;
    size_t size = offset + entry->wire->size;
    if (request)
        size = (size + 7u) & ~(size_t)7u; /* the envelope struct's padding */
    uint8_t *buf = scratch(node, size);
    int rc = ZACTOR_ENOMEM;
    zactor_wire_ctx ctx = {node_encode_ref, node_decode_ref, node};
    if (buf)
        rc = entry->wire->decode(frame, frame_len, &ctx, buf + offset);
    if (rc != 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "malformed %s frame (%s)", entry->wire->name,
                 zactor_strerror(rc));
        node_bad_input(node, peer, reason, type_id);
        if (request) {
            node_origin *o = malloc(sizeof *o);
            if (o) {
                *o = (node_origin){peer, request_id, NULL};
                origin_fail(o, rc == ZACTOR_ENOMEM ? ZACTOR_ENOMEM : ZACTOR_EINVAL);
            }
        }
        return;
    }
    node_origin *origin = NULL;
    if (request) {
        origin = malloc(sizeof *origin);
        if (!origin) {
            entry->wire->drop ? entry->wire->drop(buf + offset) : (void)0;
            return;
        }
        *origin = (node_origin){peer, request_id, entry->reply_wire};
        zactor_reply_to reply_to = {origin, &zactor__node_requester, 0, 0, 0};
        memcpy(buf, &reply_to, sizeof reply_to);
    }
    rc = zactor__send(to, type, tag, buf, size);
    if (rc != 0) {
        if (origin) {
            if (entry->drop)
                entry->drop(buf);
            /* This system stopping is, to the requester, its node going away. */
            origin_fail(origin, rc == ZACTOR_ESTOPPED ? ZACTOR_EUNREACH : rc);
        } else {
            zactor__dead_letter(node->sys, type, tag, buf);
        }
    }
}

static void receive_reply(zactor__peer *peer, zactor_wire_reader *r)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    if (r->error) {
        node_bad_input(node, peer, "reply record too short", 0);
        return;
    }
    pthread_mutex_lock(&node->lock);
    node_pending *p = zactor__u64map_get(&node->pending, id);
    if (p && p->peer == peer)
        zactor__u64map_take(&node->pending, id);
    else
        p = NULL;
    pthread_mutex_unlock(&node->lock);
    if (!p) {
        node_bad_input(node, peer, "reply to no request waiting", 0);
        return;
    }
    const zactor_wire_entry *wire = p->reply_wire;
    uint8_t *buf = scratch(node, wire->size);
    zactor_wire_ctx ctx = {node_encode_ref, node_decode_ref, node};
    int rc = buf ? wire->decode(r->at, (size_t)(r->end - r->at), &ctx, buf) : ZACTOR_ENOMEM;
    if (rc != 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "malformed reply frame %s (%s)", wire->name,
                 zactor_strerror(rc));
        node_bad_input(node, peer, reason, wire->type_id);
        zactor__reply_to_fail(&p->reply_to, rc == ZACTOR_ENOMEM ? rc : ZACTOR_EINVAL, true);
    } else {
        zactor_reply(&p->reply_to, buf, wire->size, wire->drop);
    }
    free(p);
}

static bool is_error_code(int32_t code)
{
    return code < 0 && zactor_err_name(code) != NULL;
}

static void receive_fail(zactor__peer *peer, zactor_wire_reader *r)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    int32_t code = (int32_t)zactor_wire_get_u32(r);
    if (r->error || r->at != r->end || !is_error_code(code)) {
        node_bad_input(node, peer, "malformed fail record", 0);
        return;
    }
    pthread_mutex_lock(&node->lock);
    node_pending *p = zactor__u64map_get(&node->pending, id);
    if (p && p->peer == peer)
        zactor__u64map_take(&node->pending, id);
    else
        p = NULL;
    pthread_mutex_unlock(&node->lock);
    if (!p) {
        node_bad_input(node, peer, "fail of no request waiting", 0);
        return;
    }
    zactor__reply_to_fail(&p->reply_to, code, true);
    free(p);
}

static void receive_lookup(zactor__peer *peer, zactor_wire_reader *r)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    char name[ZACTOR_NODE_NAME_MAX + 1];
    if (!get_string(r, name, sizeof name) || r->error || r->at != r->end) {
        node_bad_input(node, peer, "malformed lookup record", 0);
        return;
    }
    zactor_ref ref;
    int rc = zactor_name_lookup(node->sys, name, NULL, &ref);
    const char *type_name = "";
    if (rc == 0 && zactor__ref_is_proxy(ref))
        rc = ZACTOR_ENOENT; /* a name for a remote actor is this node's own business */
    if (rc == 0) {
        /* Acquire: as a send's look at the type. */
        const zactor_actor_type *type = atomic_load_explicit(&ref.cell->type, memory_order_acquire);
        type_name = type ? type->name : "";
        if (strlen(type_name) > 255)
            type_name = "";
    }
    uint8_t body[8 + 4 + 8 + 1 + 255];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, id);
    zactor_wire_put_u32(&w, (uint32_t)rc);
    zactor_wire_put_u64(&w, rc == 0 ? zactor__actor_id(ref) : 0);
    put_string(&w, type_name);
    peer_record(peer, RECORD_FOUND, body, (size_t)(w.at - body));
}

static void receive_found(zactor__peer *peer, zactor_wire_reader *r)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    int32_t code = (int32_t)zactor_wire_get_u32(r);
    uint64_t actor = zactor_wire_get_u64(r);
    char type_name[256];
    if (!get_string(r, type_name, sizeof type_name) || r->error || r->at != r->end ||
        (code != 0 && !is_error_code(code))) {
        node_bad_input(node, peer, "malformed found record", 0);
        return;
    }
    zactor_ref ref = {NULL, 0};
    int rc = code;
    pthread_mutex_lock(&node->lock);
    node_call *call = node->calls;
    while (call && !(call->id == id && !call->done))
        call = call->next;
    if (call && rc == 0 && strcmp(type_name, call->type->name) != 0)
        rc = ZACTOR_ETYPE;
    pthread_mutex_unlock(&node->lock);
    if (!call)
        return; /* it gave up waiting */
    if (rc == 0)
        rc = proxy_of(peer, actor, &ref);
    pthread_mutex_lock(&node->lock);
    for (call = node->calls; call; call = call->next) {
        if (call->id == id && !call->done) {
            call->done = true;
            call->rc = rc;
            call->ref = ref;
            pthread_cond_broadcast(&node->cond);
            break;
        }
    }
    pthread_mutex_unlock(&node->lock);
}

static void receive_monitor(zactor__peer *peer, zactor_wire_reader *r, bool set)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    uint64_t target_id = set ? zactor_wire_get_u64(r) : 0;
    uint64_t watcher_id = zactor_wire_get_u64(r);
    zactor_ref watcher;
    if (r->error || r->at != r->end || proxy_of(peer, watcher_id, &watcher) != 0) {
        node_bad_input(node, peer, "malformed monitor record", 0);
        return;
    }
    if (!set) {
        zactor__monitors_remote_remove(node->sys, watcher, id);
        return;
    }
    zactor_ref target;
    if (!local_actor(node, target_id, &target)) {
        /* No such actor here: it ended long ago. */
        zactor_down down = {{NULL, 0}, "", {ZACTOR_END_GONE, 0}, id};
        (void)send_down(peer, zactor__proxy_record(watcher.cell), &down);
        return;
    }
    if (zactor__monitors_remote_add(node->sys, target, watcher, id) != 0) {
        zactor_down down = {target, "", {ZACTOR_END_GONE, 0}, id};
        (void)send_down(peer, zactor__proxy_record(watcher.cell), &down);
    }
}

static void receive_down(zactor__peer *peer, zactor_wire_reader *r)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    uint64_t watcher_id = zactor_wire_get_u64(r);
    int32_t kind = (int32_t)zactor_wire_get_u32(r);
    int32_t code = (int32_t)zactor_wire_get_u32(r);
    zactor_ref watcher;
    if (r->error || r->at != r->end || kind < ZACTOR_END_NORMAL || kind > ZACTOR_END_NODE_DOWN ||
        !local_actor(node, watcher_id, &watcher)) {
        node_bad_input(node, peer, "malformed down record", 0);
        return;
    }
    zactor_end_reason reason = {(zactor_end_kind)kind, code};
    zactor__monitors_remote_down(node->sys, watcher, id, reason);
}

/* One record of a peer that said hello. */
static void receive_record(zactor__peer *peer, uint8_t kind, zactor_wire_reader *r)
{
    switch (kind) {
    case RECORD_BEAT:
        break;
    case RECORD_SEND:
        receive_message(peer, r, false);
        break;
    case RECORD_REQUEST:
        receive_message(peer, r, true);
        break;
    case RECORD_REPLY:
        receive_reply(peer, r);
        break;
    case RECORD_FAIL:
        receive_fail(peer, r);
        break;
    case RECORD_LOOKUP:
        receive_lookup(peer, r);
        break;
    case RECORD_FOUND:
        receive_found(peer, r);
        break;
    case RECORD_MONITOR:
        receive_monitor(peer, r, true);
        break;
    case RECORD_DEMONITOR:
        receive_monitor(peer, r, false);
        break;
    case RECORD_DOWN:
        receive_down(peer, r);
        break;
    default: {
        char reason[48];
        snprintf(reason, sizeof reason, "unknown record kind %u", kind);
        node_bad_input(peer->node, peer, reason, 0);
        break;
    }
    }
    NODE_COUNT(peer->node, records_received, 1);
}

/* A HELLO record (rid: the ROUTER's routing id, or NULL on a DEALER). */
static void receive_hello(zactor__node_layer *node, zactor_wire_reader *r,
                          node_connector *connector, const uint8_t *rid, size_t rid_len,
                          uint64_t now)
{
    uint32_t magic = zactor_wire_get_u32(r);
    uint16_t protocol = zactor_wire_get_u16(r);
    uint64_t id = zactor_wire_get_u64(r);
    uint8_t reply = zactor_wire_get_u8(r);
    char name[ZACTOR_NODE_NAME_MAX + 1];
    if (!get_string(r, name, sizeof name) || r->error || r->at != r->end || magic != NODE_MAGIC ||
        !name[0] || id == 0 || id == node->id) {
        node_bad_input(node, NULL, "malformed hello", 0);
        return;
    }
    if (protocol != NODE_PROTOCOL) {
        node_event(node, ZACTOR_NODE_BAD_INPUT, name, "hello of another protocol version", 0);
        return;
    }
    if (strcmp(name, node->name) == 0) {
        node_event(node, ZACTOR_NODE_BAD_INPUT, name, "hello from a node of this node's name", 0);
        return;
    }
    zactor__peer *peer = zactor__u64map_get(&node->peers_by_id, id);
    if (!peer || !peer->name[0]) {
        /* A new incarnation replaces the old one: that one is down. */
        zactor__peer *old = peer_named(node, name);
        if (old)
            peer_down(old);
        if (!peer && !(peer = peer_new(node, id)))
            return;
        snprintf(peer->name, sizeof peer->name, "%s", name);
    } else if (strcmp(peer->name, name) != 0) {
        node_event(node, ZACTOR_NODE_BAD_INPUT, name, "hello with another name for a known id", 0);
        return;
    }
    if (connector) {
        connector->peer = peer;
        peer->connector = connector;
    } else {
        memcpy(peer->routing_id, rid, rid_len);
        peer->routing_id_len = rid_len;
        if (!reply)
            send_hello(node, node->router, rid, rid_len, true);
    }
    /* Up through the channel the handshake came on; one already up keeps its channel. */
    peer_up(peer, connector != NULL, now);
}

static void send_heartbeats(zactor__node_layer *node, uint64_t now);

/* A batch: records, each checked against what is left. */
static void receive_batch(zactor__node_layer *node, const uint8_t *batch, size_t len,
                          node_connector *connector, const uint8_t *rid, size_t rid_len,
                          uint64_t now)
{
    zactor__peer *peer = NULL;
    if (connector) {
        peer = connector->peer;
    } else {
        for (zactor__peer *p = node->peers; p && !peer; p = p->next) {
            if (p->routing_id_len == rid_len && memcmp(p->routing_id, rid, rid_len) == 0)
                peer = p;
        }
    }
    zactor_wire_reader all = {batch, batch + len, NULL, 0};
    while (all.at < all.end) {
        uint32_t n = zactor_wire_get_u32(&all);
        const uint8_t *record = all.error ? NULL : zactor_wire_reader_take(&all, n);
        if (!record || n == 0) {
            node_bad_input(node, peer, "record length past the end of its batch", 0);
            return;
        }
        zactor_wire_reader r = {record + 1, record + n, NULL, 0};
        if (record[0] == RECORD_HELLO) {
            receive_hello(node, &r, connector, rid, rid_len, now);
            if (!peer)
                return; /* the rest comes once the peer is known */
            continue;
        }
        if (!peer || !peer->up) {
            node_bad_input(node, peer, "record before a handshake", 0);
            return;
        }
        peer->last_heard = now;
        receive_record(peer, record[0], &r);
        /* A long batch (a flood, or a slow build) must not starve the
         * heartbeats: the peers would think this node dead. */
        if (++node->records_since_beat >= 1024) {
            node->records_since_beat = 0;
            send_heartbeats(node, zactor__monotonic_ns());
        }
    }
}

static void router_ready(void *user, short revents)
{
    zactor__node_layer *node = user;
    if (!(revents & ZMQ_POLLIN))
        return; /* POLLOUT: the tick that follows flushes */
    uint64_t now = zactor__monotonic_ns();
    for (int i = 0; i < 256; i++) {
        zmq_msg_t rid, batch;
        zmq_msg_init(&rid);
        if (zmq_msg_recv(&rid, node->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&rid);
            return;
        }
        zmq_msg_init(&batch);
        bool more = zmq_msg_more(&rid);
        if (more && zmq_msg_recv(&batch, node->router, ZMQ_DONTWAIT) >= 0) {
            /* Any further frames are not ours: read and drop them. */
            bool extra = zmq_msg_more(&batch);
            if (extra)
                node_bad_input(node, NULL, "message of more than one frame", 0);
            else
                receive_batch(node, zmq_msg_data(&batch), zmq_msg_size(&batch), NULL,
                              zmq_msg_data(&rid), zmq_msg_size(&rid), now);
            while (extra) {
                zmq_msg_t drop;
                zmq_msg_init(&drop);
                extra = zmq_msg_recv(&drop, node->router, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&drop);
                zmq_msg_close(&drop);
            }
        }
        zmq_msg_close(&batch);
        zmq_msg_close(&rid);
    }
    /* More waiting: the next poll returns at once. */
}

static void dealer_ready(void *user, short revents)
{
    node_connector *connector = user;
    if (!(revents & ZMQ_POLLIN))
        return;
    uint64_t now = zactor__monotonic_ns();
    for (int i = 0; i < 256; i++) {
        zmq_msg_t batch;
        zmq_msg_init(&batch);
        if (zmq_msg_recv(&batch, connector->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&batch);
            return;
        }
        receive_batch(connector->node, zmq_msg_data(&batch), zmq_msg_size(&batch), connector, NULL,
                      0, now);
        zmq_msg_close(&batch);
    }
}

/* ------------------------------------------------------------------ */
/* The tick: after every poll of the I/O thread                         */

static void set_source_events(zactor__node_layer *node, void *socket, short events)
{
    zactor__io_source *source = zactor__io_find(&node->sys->io, socket, -1, NULL);
    if (source)
        source->events = events;
}

/* A heartbeat to a peer sent nothing for a heartbeat period. */
static void peer_heartbeat(zactor__peer *peer, uint64_t now)
{
    if (now - peer->last_sent < peer->node->heartbeat_ns || peer->sending)
        return;
    pthread_mutex_lock(&peer->out_lock);
    bool idle = out_idle(peer);
    pthread_mutex_unlock(&peer->out_lock);
    if (idle)
        peer_record(peer, RECORD_BEAT, NULL, 0);
    peer_flush(peer, now);
}

static void send_heartbeats(zactor__node_layer *node, uint64_t now)
{
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        if (peer->up)
            peer_heartbeat(peer, now);
    }
}

static void node_tick(void *user, uint64_t now)
{
    zactor__node_layer *node = user;
    bool router_blocked = false;
    /* This thread was held up (a slow machine, a stopped process) for
     * long enough that silence proves nothing: the peers get a fresh
     * period rather than being found down for our stall. */
    bool stalled = now - node->last_tick > node->down_after_ns / 2;
    node->last_tick = now;
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        /* The I/O thread is up's only writer: it reads it without the lock. */
        if (!peer->up)
            continue;
        if (stalled)
            peer->last_heard = now;
        if (now - peer->last_heard > node->down_after_ns) {
            peer_down(peer);
            continue;
        }
        peer_heartbeat(peer, now);
        peer_flush(peer, now);
        if (peer->sending && !peer->via_dealer)
            router_blocked = true;
        if (peer->connector)
            set_source_events(node, peer->connector->socket,
                              (short)(ZMQ_POLLIN | (peer->sending ? ZMQ_POLLOUT : 0)));
    }
    if (node->router)
        set_source_events(node, node->router,
                          (short)(ZMQ_POLLIN | (router_blocked ? ZMQ_POLLOUT : 0)));
    /* A connector without a live peer says hello again, once a heartbeat. */
    for (node_connector *c = node->connectors; c; c = c->next) {
        if ((!c->peer || !c->peer->up) && now - c->last_hello >= node->heartbeat_ns) {
            c->last_hello = now;
            send_hello(node, c->socket, NULL, 0, false);
        }
    }
}

/* ------------------------------------------------------------------ */
/* CURVE and its ZAP handler                                            */

static bool node_curve_key_is_valid(const char *key)
{
    uint8_t binary[32];
    return strlen(key) == 40 && zmq_z85_decode(binary, key) != NULL;
}

static int node_curve_configure(zactor__node_layer *node, const zactor_node_config *c)
{
    if (!c->curve_public_key && !c->curve_secret_key && !c->curve_allowed_count)
        return 0;
    if (!c->curve_public_key || !c->curve_secret_key || !c->curve_allowed ||
        c->curve_allowed_count == 0 || !node_curve_key_is_valid(c->curve_public_key) ||
        !node_curve_key_is_valid(c->curve_secret_key))
        return ZACTOR_EARG;
    node->curve_allowed = calloc(c->curve_allowed_count, sizeof node->curve_allowed[0]);
    if (!node->curve_allowed)
        return ZACTOR_ENOMEM;
    for (size_t i = 0; i < c->curve_allowed_count; i++) {
        const char *key = c->curve_allowed[i];
        if (!key || !node_curve_key_is_valid(key))
            return ZACTOR_EARG;
        zmq_z85_decode(node->curve_allowed[i], key);
    }
    node->curve_allowed_count = c->curve_allowed_count;
    memcpy(node->curve_public, c->curve_public_key, 41);
    memcpy(node->curve_secret, c->curve_secret_key, 41);
    node->curve = true;
    return 0;
}

static void node_curve_server(zactor__node_layer *node, void *socket)
{
    int one = 1;
    zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, node->curve_secret, 40);
    /* A domain makes libzmq ask the ZAP handler for every client. */
    zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "zactor", 6);
}

static void node_curve_client(zactor__node_layer *node, void *socket, const char *server_key)
{
    zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server_key, 40);
    zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, node->curve_public, 40);
    zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, node->curve_secret, 40);
}

static bool node_curve_allowed(const zactor__node_layer *node, const uint8_t *key, size_t len)
{
    if (len != 32)
        return false;
    for (size_t i = 0; i < node->curve_allowed_count; i++) {
        if (memcmp(node->curve_allowed[i], key, 32) == 0)
            return true;
    }
    return false;
}

/* One ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, credentials; answered 200 or 400. */
static void zap_ready(void *user, short revents)
{
    zactor__node_layer *node = user;
    if (!(revents & ZMQ_POLLIN))
        return;
    enum { ZAP_FRAMES = 7 };
    zmq_msg_t frames[ZAP_FRAMES + 1];
    int count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t *frame = &frames[count < ZAP_FRAMES ? count : ZAP_FRAMES];
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, node->zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(frame);
            if (count == 0)
                return;
            break;
        }
        more = zmq_msg_more(frame);
        if (count < ZAP_FRAMES)
            count++;
        else
            zmq_msg_close(frame);
    }
    bool curve = count == ZAP_FRAMES && zmq_msg_size(&frames[5]) == 5 &&
                 memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0;
    bool allowed = curve &&
                   node_curve_allowed(node, zmq_msg_data(&frames[6]), zmq_msg_size(&frames[6]));
    if (!allowed)
        node_event(node, ZACTOR_NODE_BAD_INPUT, NULL, "CURVE key not allowed", 0);
    const char *status = allowed ? "200" : "400";
    const char *text = allowed ? "OK" : "key not allowed";
    zmq_send(node->zap, "1.0", 3, ZMQ_SNDMORE);
    if (count >= 2)
        zmq_send(node->zap, zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
    else
        zmq_send(node->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(node->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(node->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(node->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(node->zap, "", 0, 0);
    for (int i = 0; i < count; i++)
        zmq_msg_close(&frames[i]);
}

static void node_curve_start_zap(void *arg)
{
    zactor__node_layer *node = arg;
    zactor__io *io = &node->sys->io;
    void *zap = zmq_socket(io->zmq, ZMQ_REP);
    if (!zap)
        return;
    int zero = 0;
    zmq_setsockopt(zap, ZMQ_LINGER, &zero, sizeof zero);
    zactor__io_source source = {zap, -1, ZMQ_POLLIN, zap_ready, node};
    if (zmq_bind(zap, "inproc://zeromq.zap.01") != 0 || zactor__io_add(io, &source) != 0) {
        zmq_close(zap);
        return;
    }
    node->zap = zap;
}

/* ------------------------------------------------------------------ */
/* The public API                                                       */

void zactor_node_config_init_sized(zactor_node_config *cfg, size_t size)
{
    if (!cfg)
        return;
    memset(cfg, 0, size);
    zactor_node_config defaults = {
        .size = size,
        .heartbeat_ms = 100,
        .down_after_ms = 800,
        .max_batch_bytes = UINT64_C(64) << 20,
    };
    memcpy(cfg, &defaults, size < sizeof defaults ? size : sizeof defaults);
}

static bool node_name_is_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > ZACTOR_NODE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

static void node_free(zactor__node_layer *node)
{
    free(node->curve_allowed);
    zactor__u64map_free(&node->peers_by_id);
    zactor__u64map_free(&node->pending);
    pthread_cond_destroy(&node->cond);
    pthread_mutex_destroy(&node->lock);
    free(node->scratch);
    free(node);
}

static void node_install_tick(void *arg)
{
    zactor__node_layer *node = arg;
    zactor__io_set_tick(&node->sys->io, node_tick, node,
                        (uint32_t)(node->heartbeat_ns / 1000000u / 2u));
}

int zactor_node_start(zactor_system *sys, const zactor_node_config *cfg)
{
    if (!sys || !cfg || !cfg->name || !node_name_is_valid(cfg->name))
        return ZACTOR_EARG;
    zactor_node_config c;
    zactor_node_config_init(&c);
    memcpy(&c, cfg, cfg->size && cfg->size < sizeof c ? cfg->size : sizeof c);
    if (c.heartbeat_ms == 0 || c.down_after_ms < 2u * c.heartbeat_ms ||
        (c.max_batch_bytes && c.max_batch_bytes < NODE_BATCH_MAX))
        return ZACTOR_EARG;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    zactor__node_layer *node = calloc(1, sizeof *node);
    if (!node)
        return ZACTOR_ENOMEM;
    if (pthread_mutex_init(&node->lock, NULL) != 0) {
        free(node);
        return ZACTOR_ENOMEM;
    }
    if (zactor__cond_init_monotonic(&node->cond) != 0) {
        pthread_mutex_destroy(&node->lock);
        free(node);
        return ZACTOR_ENOMEM;
    }
    node->sys = sys;
    snprintf(node->name, sizeof node->name, "%s", c.name);
    while (node->id == 0) {
        if (getrandom(&node->id, sizeof node->id, 0) != (ssize_t)sizeof node->id)
            node->id = zactor__monotonic_ns() ^ (uint64_t)(uintptr_t)node;
    }
    node->heartbeat_ns = (uint64_t)c.heartbeat_ms * 1000000u;
    node->down_after_ns = (uint64_t)c.down_after_ms * 1000000u;
    node->max_batch_bytes = c.max_batch_bytes ? c.max_batch_bytes : UINT64_C(64) << 20;
    node->hook = c.hook;
    node->hook_user = c.hook_user;
    int key_rc = node_curve_configure(node, &c);
    if (key_rc != 0) {
        node_free(node);
        return key_rc;
    }
    zactor__u64map_init(&node->peers_by_id);
    zactor__u64map_init(&node->pending);
    zactor__node_layer *none = NULL;
    /* Release: whoever sees the node sees its fields. */
    if (!atomic_compare_exchange_strong_explicit(&sys->node, &none, node, memory_order_release,
                                                 memory_order_relaxed)) {
        node_free(node);
        return ZACTOR_EEXIST;
    }
    int rc = zactor__io_start(&sys->io);
    if (rc == 0)
        rc = zactor__io_call_wait(&sys->io, node_install_tick, node);
    if (rc == 0 && node->curve) {
        (void)zactor__io_call_wait(&sys->io, node_curve_start_zap, node);
        if (!node->zap)
            rc = ZACTOR_ENOMEM;
    }
    return rc;
}

static void set_socket_options(zactor__node_layer *node, void *socket)
{
    int zero = 0, one = 1, reconnect_ms = 100;
    int64_t max = (int64_t)node->max_batch_bytes;
    zmq_setsockopt(socket, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(socket, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms);
    (void)one;
}

typedef struct listen_call {
    zactor__node_layer *node;
    const char *endpoint;
    char bound[ZACTOR_NODE_ENDPOINT_MAX + 1];
    int rc;
} listen_call;

static void listen_on_thread(void *arg)
{
    listen_call *call = arg;
    zactor__node_layer *node = call->node;
    zactor__io *io = &node->sys->io;
    call->rc = ZACTOR_ESTOPPED;
    if (node->closed)
        return;
    call->rc = ZACTOR_ENOMEM;
    if (!node->router) {
        void *router = zmq_socket(io->zmq, ZMQ_ROUTER);
        if (!router)
            return;
        int one = 1;
        set_socket_options(node, router);
        /* A send to a routing id that has gone fails instead of vanishing. */
        zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        if (node->curve)
            node_curve_server(node, router);
        zactor__io_source source = {router, -1, ZMQ_POLLIN, router_ready, node};
        if (zactor__io_add(io, &source) != 0) {
            zmq_close(router);
            return;
        }
        node->router = router;
    }
    if (zmq_bind(node->router, call->endpoint) != 0) {
        call->rc = ZACTOR_EARG;
        return;
    }
    size_t size = sizeof call->bound;
    if (zmq_getsockopt(node->router, ZMQ_LAST_ENDPOINT, call->bound, &size) != 0)
        snprintf(call->bound, sizeof call->bound, "%s", call->endpoint);
    call->rc = 0;
}

static int node_for_call(zactor_system *sys, zactor__node_layer **out)
{
    if (!sys)
        return ZACTOR_EARG;
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return ZACTOR_EARG;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    *out = node;
    return 0;
}

int zactor_node_listen(zactor_system *sys, const char *endpoint, char *bound, size_t bound_size)
{
    zactor__node_layer *node;
    int rc = node_for_call(sys, &node);
    if (rc != 0)
        return rc;
    if (!endpoint || strlen(endpoint) > ZACTOR_NODE_ENDPOINT_MAX)
        return ZACTOR_EARG;
    listen_call call = {node, endpoint, "", ZACTOR_ESTOPPED};
    rc = zactor__io_call_wait(&sys->io, listen_on_thread, &call);
    if (rc == 0)
        rc = call.rc;
    if (rc == 0 && bound && bound_size) {
        if (strlen(call.bound) >= bound_size)
            return ZACTOR_EARG;
        memcpy(bound, call.bound, strlen(call.bound) + 1);
    }
    return rc;
}

/* Under node->lock: a call gets its id and joins the list. */
static void call_enlist(zactor__node_layer *node, node_call *call)
{
    call->id = ++node->last_call;
    call->next = node->calls;
    node->calls = call;
}

static void call_delist(zactor__node_layer *node, node_call *call)
{
    for (node_call **at = &node->calls; *at; at = &(*at)->next) {
        if (*at == call) {
            *at = call->next;
            return;
        }
    }
}

/* Waits until call is done or the deadline passes; under node->lock. */
static int call_wait(zactor__node_layer *node, node_call *call, uint64_t timeout_ns)
{
    struct timespec deadline;
    bool timed = zactor__deadline_after(timeout_ns, &deadline);
    while (!call->done) {
        if (!timed) {
            pthread_cond_wait(&node->cond, &node->lock);
        } else if (pthread_cond_timedwait(&node->cond, &node->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    return call->done ? call->rc : ZACTOR_ETIMEDOUT;
}

typedef struct connect_call {
    zactor__node_layer *node;
    node_call *call;
    const char *endpoint;
    const char *server_key; /* Z85, or NULL: a plain connection */
} connect_call;

static void connect_on_thread(void *arg)
{
    connect_call *cc = arg;
    zactor__node_layer *node = cc->node;
    zactor__io *io = &node->sys->io;
    int rc = ZACTOR_ENOMEM;
    node_connector *c = NULL;
    for (c = node->connectors; c; c = c->next) {
        if (strcmp(c->endpoint, cc->endpoint) == 0)
            break;
    }
    if (node->closed) {
        rc = ZACTOR_ESTOPPED;
        c = NULL;
    } else if (c) {
        rc = c->peer && c->peer->up ? 0 : 1;
    } else if ((c = calloc(1, sizeof *c))) {
        c->node = node;
        snprintf(c->endpoint, sizeof c->endpoint, "%s", cc->endpoint);
        c->socket = zmq_socket(io->zmq, ZMQ_DEALER);
        int one = 1;
        if (c->socket) {
            set_socket_options(node, c->socket);
            /* Nothing queues for a connection not made: hellos are sent again. */
            zmq_setsockopt(c->socket, ZMQ_IMMEDIATE, &one, sizeof one);
            if (cc->server_key)
                node_curve_client(node, c->socket, cc->server_key);
        }
        zactor__io_source source = {c->socket, -1, ZMQ_POLLIN, dealer_ready, c};
        if (!c->socket) {
            free(c);
            c = NULL;
        } else if (zmq_connect(c->socket, cc->endpoint) != 0) {
            rc = ZACTOR_EARG;
            zmq_close(c->socket);
            free(c);
            c = NULL;
        } else if (zactor__io_add(io, &source) != 0) {
            zmq_close(c->socket);
            free(c);
            c = NULL;
        } else {
            c->next = node->connectors;
            node->connectors = c;
            send_hello(node, c->socket, NULL, 0, false);
            c->last_hello = zactor__monotonic_ns();
            rc = 1;
        }
    }
    pthread_mutex_lock(&node->lock);
    cc->call->connector = c;
    if (rc <= 0) {
        cc->call->done = true;
        cc->call->rc = rc;
        if (rc == 0)
            snprintf(cc->call->peer, sizeof cc->call->peer, "%s", c->peer->name);
        pthread_cond_broadcast(&node->cond);
    }
    pthread_mutex_unlock(&node->lock);
}

static int node_connect(zactor_system *sys, const char *endpoint, const char *server_key,
                        uint64_t timeout_ns, char *peer, size_t peer_size)
{
    zactor__node_layer *node;
    int rc = node_for_call(sys, &node);
    if (rc != 0)
        return rc;
    if (!endpoint || strlen(endpoint) > ZACTOR_NODE_ENDPOINT_MAX)
        return ZACTOR_EARG;
    if (server_key && (!node->curve || !node_curve_key_is_valid(server_key)))
        return ZACTOR_EARG;
    if (zactor__worker_of(sys) || zactor__io_on_thread(&sys->io))
        return ZACTOR_EDEADLK;
    node_call call = {0};
    pthread_mutex_lock(&node->lock);
    call_enlist(node, &call);
    pthread_mutex_unlock(&node->lock);
    connect_call cc = {node, &call, endpoint, server_key};
    rc = zactor__io_call_wait(&sys->io, connect_on_thread, &cc);
    pthread_mutex_lock(&node->lock);
    if (rc == 0)
        rc = call_wait(node, &call, timeout_ns);
    call_delist(node, &call);
    pthread_mutex_unlock(&node->lock);
    if (rc == 0 && peer && peer_size) {
        if (strlen(call.peer) >= peer_size)
            return ZACTOR_EARG;
        memcpy(peer, call.peer, strlen(call.peer) + 1);
    }
    return rc;
}

int zactor_node_connect(zactor_system *sys, const char *endpoint, uint64_t timeout_ns, char *peer,
                        size_t peer_size)
{
    return node_connect(sys, endpoint, NULL, timeout_ns, peer, peer_size);
}

int zactor_node_connect_secure(zactor_system *sys, const char *endpoint,
                               const char *server_public_key, uint64_t timeout_ns, char *peer,
                               size_t peer_size)
{
    if (!server_public_key)
        return ZACTOR_EARG;
    return node_connect(sys, endpoint, server_public_key, timeout_ns, peer, peer_size);
}

typedef struct lookup_call {
    zactor__node_layer *node;
    node_call *call;
} lookup_call;

static void lookup_on_thread(void *arg)
{
    lookup_call *lc = arg;
    zactor__node_layer *node = lc->node;
    zactor__peer *peer = peer_named(node, lc->call->node_name);
    if (!peer) {
        pthread_mutex_lock(&node->lock);
        lc->call->done = true;
        lc->call->rc = ZACTOR_EUNREACH;
        pthread_cond_broadcast(&node->cond);
        pthread_mutex_unlock(&node->lock);
        return;
    }
    uint8_t body[8 + 1 + ZACTOR_NODE_NAME_MAX];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, lc->call->id);
    put_string(&w, lc->call->name);
    peer_record(peer, RECORD_LOOKUP, body, (size_t)(w.at - body));
}

int zactor_node_lookup(zactor_system *sys, const char *node_name, const char *name,
                       const zactor_actor_type *type, uint64_t timeout_ns, zactor_ref *out)
{
    if (out)
        *out = (zactor_ref){NULL, 0};
    zactor__node_layer *node;
    int rc = node_for_call(sys, &node);
    if (rc != 0)
        return rc;
    if (!node_name || !name || !type || !out || !node_name_is_valid(node_name) || !*name ||
        strlen(name) > ZACTOR_NODE_NAME_MAX)
        return ZACTOR_EARG;
    if (zactor__worker_of(sys) || zactor__io_on_thread(&sys->io))
        return ZACTOR_EDEADLK;
    node_call call = {0};
    snprintf(call.node_name, sizeof call.node_name, "%s", node_name);
    snprintf(call.name, sizeof call.name, "%s", name);
    call.type = type;
    pthread_mutex_lock(&node->lock);
    call_enlist(node, &call);
    pthread_mutex_unlock(&node->lock);
    lookup_call lc = {node, &call};
    rc = zactor__io_call_wait(&sys->io, lookup_on_thread, &lc);
    pthread_mutex_lock(&node->lock);
    if (rc == 0)
        rc = call_wait(node, &call, timeout_ns);
    call_delist(node, &call);
    pthread_mutex_unlock(&node->lock);
    if (rc == 0)
        *out = call.ref;
    return rc;
}

bool zactor_ref_is_remote(zactor_ref ref)
{
    return zactor__ref_is_proxy(ref);
}

int zactor_node_stats_read(zactor_system *sys, zactor_node_stats *out)
{
    if (!sys || !out)
        return ZACTOR_EARG;
    memset(out, 0, sizeof *out);
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return 0;
    node_counters *c = &node->counters;
    /* Relaxed: statistics. */
    out->records_sent = atomic_load_explicit(&c->records_sent, memory_order_relaxed);
    out->records_received = atomic_load_explicit(&c->records_received, memory_order_relaxed);
    out->batches_sent = atomic_load_explicit(&c->batches_sent, memory_order_relaxed);
    out->bad_input = atomic_load_explicit(&c->bad_input, memory_order_relaxed);
    out->unknown_types = atomic_load_explicit(&c->unknown_types, memory_order_relaxed);
    out->unreachable = atomic_load_explicit(&c->unreachable, memory_order_relaxed);
    out->peers_up = atomic_load_explicit(&c->peers_up, memory_order_relaxed);
    out->peers_down = atomic_load_explicit(&c->peers_down, memory_order_relaxed);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The end                                                              */

static void close_on_thread(void *arg)
{
    zactor__node_layer *node = arg;
    zactor__io *io = &node->sys->io;
    node->closed = true;
    zactor__io_set_tick(io, NULL, NULL, 0);
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        if (peer->up)
            peer_down(peer);
    }
    while (node->connectors) {
        node_connector *c = node->connectors;
        node->connectors = c->next;
        zactor__io_source *source = zactor__io_find(io, c->socket, -1, NULL);
        if (source)
            zactor__io_remove(io, source);
        zmq_close(c->socket);
        free(c);
    }
    if (node->zap) {
        zactor__io_source *source = zactor__io_find(io, node->zap, -1, NULL);
        if (source)
            zactor__io_remove(io, source);
        zmq_close(node->zap);
        node->zap = NULL;
    }
    if (node->router) {
        zactor__io_source *source = zactor__io_find(io, node->router, -1, NULL);
        if (source)
            zactor__io_remove(io, source);
        zmq_close(node->router);
        node->router = NULL;
    }
}

void zactor__node_close(zactor_system *sys)
{
    zactor__node_layer *node = node_of(sys);
    if (node)
        (void)zactor__io_call_wait(&sys->io, close_on_thread, node);
}

void zactor__node_destroy(zactor_system *sys)
{
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return;
    while (node->peers) {
        zactor__peer *peer = node->peers;
        node->peers = peer->next;
        zactor__u64map *proxies = &peer->proxies;
        for (size_t i = 0; proxies->slots && i <= proxies->mask; i++) {
            if (proxies->slots[i].key)
                free(proxies->slots[i].value);
        }
        zactor__u64map_free(proxies);
        free(peer->out);
        batches_drop(node, peer->sealed);
        batches_drop(node, peer->sending);
        pthread_mutex_destroy(&peer->out_lock);
        free(peer);
    }
    /* Requests still pending were failed when their peers went down. */
    node_free(node);
    atomic_store_explicit(&sys->node, NULL, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* The fuzzer's way in (tests/runtime/node_fuzz.c)                      */

typedef struct feed_call {
    zactor__node_layer *node;
    const uint8_t *batch;
    size_t len;
} feed_call;

static void feed_on_thread(void *arg)
{
    feed_call *call = arg;
    zactor__node_layer *node = call->node;
    static const uint8_t rid[] = {'f', 'u', 'z', 'z'};
    zactor__peer *peer = NULL;
    for (zactor__peer *p = node->peers; p && !peer; p = p->next) {
        if (p->up && p->routing_id_len == sizeof rid && memcmp(p->routing_id, rid, sizeof rid) == 0)
            peer = p;
    }
    if (!peer) {
        uint64_t id = 0xf022;
        while (zactor__u64map_get(&node->peers_by_id, id))
            id++;
        peer = peer_new(node, id);
        if (!peer)
            return;
        snprintf(peer->name, sizeof peer->name, "fuzz");
        memcpy(peer->routing_id, rid, sizeof rid);
        peer->routing_id_len = sizeof rid;
        peer_up(peer, false, zactor__monotonic_ns());
    }
    receive_batch(node, call->batch, call->len, NULL, rid, sizeof rid, zactor__monotonic_ns());
}

int zactor__node_feed(zactor_system *sys, const uint8_t *batch, size_t len)
{
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return ZACTOR_EARG;
    feed_call call = {node, batch, len};
    return zactor__io_call_wait(&sys->io, feed_on_thread, &call);
}
