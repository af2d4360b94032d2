/* node_layer.h - the node layer's own types and the functions its files
 * share (private to node*.c; the rest of the runtime uses node.h).
 *
 * node.c      the public API, the node's life, the tick (heartbeats, downs)
 * node_out.c  what senders on any thread write: batches, records, replies
 * node_peer.c peers: their incarnations, up and down, sending batches
 * node_in.c   what the I/O thread reads: batches and records, refs on the wire
 * node_auth.c CURVE keys and the ZAP handler
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
 * peer's batch under its lock; the I/O thread takes the batches and sends
 * each as one ZeroMQ message, so a busy link sends few large messages (a
 * batch is sealed at NODE_BATCH_MAX) and an idle one each record at once.
 *
 * A peer is one incarnation of a node: its id is drawn at random when the
 * node starts, so refs to a node that was restarted stay unreachable
 * rather than reach whatever actor now has the same cell.
 */
#ifndef ZACTOR_NODE_LAYER_H
#define ZACTOR_NODE_LAYER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "node.h"
#include "u64map.h"
#include "zactor/zactor.h"

#define NODE_MAGIC UINT32_C(0x314e415a) /* "ZAN1" */
#define NODE_PROTOCOL 1u
#define NODE_BATCH_MIN 4096u
/* A batch is sealed once it holds this much: the receiver's buffer per
 * ZeroMQ message stays small, and a flood is sent while it is written. */
#define NODE_BATCH_MAX (256u * 1024u)
/* Nodes known only from refs (not connected), and proxies per peer, at
 * most: what a peer can make this node remember (node_in.c). */
#define NODE_UNNAMED_PEERS_MAX 256u
#define NODE_PROXIES_MAX (1u << 20)
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
    RECORD_KILL = 12,      /* u64 actor, i32 code */
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

/* A request from another node: reply_to.target of its envelope. Its
 * FAIL record, when it finds no memory, waits in the origin, in the
 * node's list (node_out.c): code, next. */
typedef struct node_origin {
    zactor__peer *peer;
    uint64_t request;
    const zactor_wire_entry *reply_wire;
    int code;
    struct node_origin *next;
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
    uint32_t unnamed_peers; /* made by refs to nodes not met (node_in.c) */
    uint64_t last_tick;
    size_t scratch_cap;
    /* Shared, under lock: requests waiting for replies, blocking calls,
     * FAIL records waiting for memory (oldest first). */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a call is done */
    zactor__u64map pending;
    node_origin *fails;
    node_origin *fails_tail;
    uint64_t last_request;
    node_call *calls;
    uint64_t last_call;
    node_counters counters;
};

/* Relaxed: statistics. */
#define NODE_COUNT(node, field, n) \
    atomic_fetch_add_explicit(&(node)->counters.field, (n), memory_order_relaxed)

/* A record being written into a peer's batch: its header first, its
 * length patched by zactor__node_record_end. */
typedef struct record_writer {
    zactor_wire_writer w;
    size_t start;
} record_writer;

/* node.c */
void zactor__node_event(zactor__node_layer *node, zactor_node_event_kind kind, const char *peer,
                        const char *reason, uint32_t type_id);
void zactor__node_bad_input(zactor__node_layer *node, const zactor__peer *peer, const char *reason,
                            uint32_t type_id);
void zactor__node_send_heartbeats(zactor__node_layer *node, uint64_t now);

/* node_out.c */
/* A record with a small body (n bytes), from any thread: 0 once in the
 * peer's batch, ZACTOR_EUNREACH (the peer is down), ZACTOR_ENOMEM. */
int zactor__node_out_record(zactor__peer *peer, enum record_kind kind, const void *body, size_t n);
bool zactor__node_out_seal(zactor__peer *peer);
bool zactor__node_out_idle(const zactor__peer *peer);
void zactor__node_put_le32(uint8_t *p, uint32_t v);
bool zactor__node_record_begin(zactor__peer *peer, record_writer *r, enum record_kind kind,
                               size_t body, zactor_wire_ctx *ctx);
int zactor__node_record_end(zactor__peer *peer, record_writer *r);
void zactor__node_put_string(zactor_wire_writer *w, const char *s);
/* The DOWN record of *down for actor `watcher` (its id on peer's node). */
int zactor__node_send_down(zactor__peer *peer, uint64_t watcher, const zactor_down *down);
/* Answers a request from peer with a FAIL record (code), and frees its
 * origin. A record that finds no memory waits in the origin, and is
 * written again from the retry of notices (notice.c); one to a peer
 * found down is dropped (it fails its own requests). */
void zactor__node_origin_fail(node_origin *origin, int code);
/* zactor__node_origin_fail for a request that has no origin (refused
 * before one was made): allocates one only if the record must wait, and
 * counts the notice as lost if even that finds no memory. */
void zactor__node_fail_request(zactor__peer *peer, uint64_t request, int code);
/* The retry (notice.c): writes the waiting FAIL records, in order, until
 * one finds no memory. true when some still wait. */
bool zactor__node_fails_resend(zactor__node_layer *node);
/* zactor__node_destroy: frees the FAIL records still waiting. */
void zactor__node_fails_free(zactor__node_layer *node);

/* node_peer.c */
zactor__peer *zactor__node_peer_new(zactor__node_layer *node, uint64_t id);
zactor__peer *zactor__node_peer_named(zactor__node_layer *node, const char *name);
void zactor__node_batches_drop(zactor__node_layer *node, node_batch *batch);
void zactor__node_peer_down(zactor__peer *peer);
void zactor__node_peer_up(zactor__peer *peer, bool via_dealer, uint64_t now);
void zactor__node_peer_flush(zactor__peer *peer, uint64_t now);
void zactor__node_send_hello(zactor__node_layer *node, void *socket, const uint8_t *rid,
                             size_t rid_len, bool reply);

/* node_in.c */
int zactor__node_encode_ref(void *user, zactor_ref ref, uint64_t *node_id, uint64_t *actor);
int zactor__node_decode_ref(void *user, uint64_t node_id, uint64_t actor, zactor_ref *out);
void zactor__node_receive_batch(zactor__node_layer *node, const uint8_t *batch, size_t len,
                                node_connector *connector, const uint8_t *rid, size_t rid_len,
                                uint64_t now);
void zactor__node_router_ready(void *user, short revents);
void zactor__node_dealer_ready(void *user, short revents);

/* node_auth.c */
bool zactor__node_curve_key_is_valid(const char *key);
int zactor__node_curve_configure(zactor__node_layer *node, const zactor_node_config *c);
void zactor__node_curve_server(zactor__node_layer *node, void *socket);
void zactor__node_curve_client(zactor__node_layer *node, void *socket, const char *server_key);
void zactor__node_curve_start_zap(void *arg);

#endif
