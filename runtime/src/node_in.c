/* node_in.c - what the I/O thread reads from other nodes: batches,
 * records, handshakes, and refs on the wire (node_layer.h). */
#include "alloc.h"
#include "node_layer.h"

#include <errno.h>
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
#include "notice.h"
#include "system.h"
#include "worker.h"

/* ------------------------------------------------------------------ */
/* Refs on the wire                                                     */

int zactor__node_encode_ref(void *user, zactor_ref ref, uint64_t *node_id, uint64_t *actor)
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

/* On the I/O thread: the proxy of actor on peer, made on first sight. */
static int proxy_of(zactor__peer *peer, uint64_t actor, zactor_ref *out)
{
    node_proxy *proxy = zactor__u64map_get(&peer->proxies, actor);
    if (proxy) {
        *out = proxy->ref;
        return 0;
    }
    /* Proxies live as long as the system: a bound on those of one peer
     * keeps invented actor ids from filling memory. */
    if (peer->proxies.count >= NODE_PROXIES_MAX)
        return ZACTOR_EINVAL;
    proxy = zactor__malloc(sizeof *proxy);
    if (!proxy)
        return ZACTOR_ENOMEM;
    *proxy = (node_proxy){peer, actor, {NULL, 0}};
    proxy->ref = zactor__proxy_cell(peer->node->sys, &zactor__proxy_type, proxy);
    if (!proxy->ref.cell || !zactor__u64map_put(&peer->proxies, actor, proxy)) {
        /* A cell taken stays unused until the system ends: harmless. */
        zactor__free(proxy);
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
int zactor__node_decode_ref(void *user, uint64_t node_id, uint64_t actor, zactor_ref *out)
{
    zactor__node_layer *node = user;
    if (node_id == 0 && actor == 0) {
        *out = (zactor_ref){NULL, 0};
        return 0;
    }
    if (node_id == node->id)
        return local_actor(node, actor, out) ? 0 : ZACTOR_EINVAL;
    zactor__peer *peer = zactor__u64map_get(&node->peers_by_id, node_id);
    if (!peer) {
        /* A node not met yet: remembered, up to a limit, so that a peer
         * cannot fill this node's memory with invented node ids. */
        if (node->unnamed_peers >= NODE_UNNAMED_PEERS_MAX)
            return ZACTOR_EINVAL;
        if (!(peer = zactor__node_peer_new(node, node_id)))
            return ZACTOR_ENOMEM;
        node->unnamed_peers++;
    }
    return proxy_of(peer, actor, out);
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
        uint8_t *grown = zactor__aligned_alloc(16, cap);
        if (!grown)
            return NULL;
        zactor__free(node->scratch);
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
        zactor__node_bad_input(node, peer, "record too short for its actor and type id", 0);
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
        if (request)
            zactor__node_fail_request(peer, request_id, ZACTOR_EDEAD);
        return;
    }
    if (!entry || !!(entry->flags & ZACTOR_HANDLER_REQUEST) != request) {
        char reason[96];
        snprintf(reason, sizeof reason, "type id 0x%08x is no %s of actor type %s", type_id,
                 request ? "request" : "message", type->name);
        zactor__node_event(node, ZACTOR_NODE_UNKNOWN_TYPE, peer->name, reason, type_id);
        if (request)
            zactor__node_fail_request(peer, request_id, ZACTOR_ETYPE);
        return;
    }
    size_t offset = request ? sizeof(zactor_reply_to) : 0;
    size_t size = offset + entry->wire->size;
    if (request)
        size = (size + 7u) & ~(size_t)7u; /* the envelope struct's padding */
    uint8_t *buf = scratch(node, size);
    int rc = ZACTOR_ENOMEM;
    zactor_wire_ctx ctx = {zactor__node_encode_ref, zactor__node_decode_ref, node};
    if (buf)
        rc = entry->wire->decode(frame, frame_len, &ctx, buf + offset);
    if (rc == ZACTOR_ENOMEM) {
        /* A good frame that finds no memory here (the scratch buffer, a
         * bytes field) is no bad input: it is a dead letter, as one for
         * an actor that has ended; a request's asker hears ENOMEM. */
        zactor__dead_letter_note(node->sys, type->name, type_id);
        if (request)
            zactor__node_fail_request(peer, request_id, ZACTOR_ENOMEM);
        return;
    }
    if (rc != 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "malformed %s frame (%s)", entry->wire->name,
                 zactor_strerror(rc));
        zactor__node_bad_input(node, peer, reason, type_id);
        if (request)
            zactor__node_fail_request(peer, request_id, ZACTOR_EINVAL);
        return;
    }
    node_origin *origin = NULL;
    if (request) {
        origin = zactor__malloc(sizeof *origin);
        if (!origin) {
            /* A dead letter here, and its asker hears ENOMEM. */
            entry->wire->drop ? entry->wire->drop(buf + offset) : (void)0;
            zactor__dead_letter_note(node->sys, type->name, type_id);
            zactor__node_fail_request(peer, request_id, ZACTOR_ENOMEM);
            return;
        }
        *origin =
            (node_origin){.peer = peer, .request = request_id, .reply_wire = entry->reply_wire};
        zactor_reply_to reply_to = {origin, &zactor__node_requester, 0, 0, 0};
        memcpy(buf, &reply_to, sizeof reply_to);
    }
    rc = zactor__send(to, type, tag, buf, size);
    if (rc != 0) {
        if (origin) {
            if (entry->drop)
                entry->drop(buf);
            /* This system stopping is, to the requester, its node going away. */
            zactor__node_origin_fail(origin, rc == ZACTOR_ESTOPPED ? ZACTOR_EUNREACH : rc);
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
        zactor__node_bad_input(node, peer, "reply record too short", 0);
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
        zactor__node_bad_input(node, peer, "reply to no request waiting", 0);
        return;
    }
    const zactor_wire_entry *wire = p->reply_wire;
    uint8_t *buf = scratch(node, wire->size);
    zactor_wire_ctx ctx = {zactor__node_encode_ref, zactor__node_decode_ref, node};
    int rc = buf ? wire->decode(r->at, (size_t)(r->end - r->at), &ctx, buf) : ZACTOR_ENOMEM;
    if (rc != 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "malformed reply frame %s (%s)", wire->name,
                 zactor_strerror(rc));
        zactor__node_bad_input(node, peer, reason, wire->type_id);
        zactor__reply_to_fail(&p->reply_to, rc == ZACTOR_ENOMEM ? rc : ZACTOR_EINVAL, true);
    } else {
        zactor_reply(&p->reply_to, buf, wire->size, wire->drop);
    }
    zactor__free(p);
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
        zactor__node_bad_input(node, peer, "malformed fail record", 0);
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
        zactor__node_bad_input(node, peer, "fail of no request waiting", 0);
        return;
    }
    zactor__reply_to_fail(&p->reply_to, code, true);
    zactor__free(p);
}

static void receive_lookup(zactor__peer *peer, zactor_wire_reader *r)
{
    zactor__node_layer *node = peer->node;
    uint64_t id = zactor_wire_get_u64(r);
    char name[ZACTOR_NODE_NAME_MAX + 1];
    if (!get_string(r, name, sizeof name) || r->error || r->at != r->end) {
        zactor__node_bad_input(node, peer, "malformed lookup record", 0);
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
    zactor__node_put_string(&w, type_name);
    (void)zactor__node_out_record(peer, RECORD_FOUND, body, (size_t)(w.at - body));
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
        zactor__node_bad_input(node, peer, "malformed found record", 0);
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
    int rc = r->error || r->at != r->end ? ZACTOR_EINVAL : proxy_of(peer, watcher_id, &watcher);
    if (rc == ZACTOR_ENOMEM) {
        /* No memory for the watcher's proxy: no monitor can be held (nor
         * a demonitor matter). Its Down says ZACTOR_END_GONE at once, with
         * nowhere to wait if it finds no memory too (notice.c). */
        zactor_down gone = {{NULL, 0}, "", {ZACTOR_END_GONE, 0}, id};
        if (set && zactor__node_send_down(peer, watcher_id, &gone) == ZACTOR_ENOMEM)
            zactor__notice_lost(node->sys);
        return;
    }
    if (rc != 0) {
        zactor__node_bad_input(node, peer, "malformed monitor record", 0);
        return;
    }
    if (!set) {
        zactor__monitors_remote_remove(node->sys, watcher, id);
        return;
    }
    zactor_ref target;
    /* No such actor here (it ended long ago), or no memory to hold the
     * monitor: a Down says ZACTOR_END_GONE. */
    if (!local_actor(node, target_id, &target) ||
        zactor__monitors_remote_add(node->sys, target, watcher, id) != 0)
        zactor__monitors_remote_gone(node->sys, watcher, id);
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
        zactor__node_bad_input(node, peer, "malformed down record", 0);
        return;
    }
    zactor_end_reason reason = {(zactor_end_kind)kind, code};
    zactor__monitors_remote_down(node->sys, watcher, id, reason);
}

static void receive_kill(zactor__peer *peer, zactor_wire_reader *r)
{
    uint64_t actor = zactor_wire_get_u64(r);
    int32_t code = (int32_t)zactor_wire_get_u32(r);
    zactor_ref target;
    if (r->error || r->at != r->end) {
        zactor__node_bad_input(peer->node, peer, "malformed kill record", 0);
        return;
    }
    /* An actor that has ended already: nothing to kill, as locally. */
    if (local_actor(peer->node, actor, &target))
        (void)zactor_kill(target, code);
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
    case RECORD_KILL:
        receive_kill(peer, r);
        break;
    default: {
        char reason[48];
        snprintf(reason, sizeof reason, "unknown record kind %u", kind);
        zactor__node_bad_input(peer->node, peer, reason, 0);
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
        zactor__node_bad_input(node, NULL, "malformed hello", 0);
        return;
    }
    if (protocol != NODE_PROTOCOL) {
        zactor__node_event(node, ZACTOR_NODE_BAD_INPUT, name, "hello of another protocol version",
                           0);
        return;
    }
    if (strcmp(name, node->name) == 0) {
        zactor__node_event(node, ZACTOR_NODE_BAD_INPUT, name,
                           "hello from a node of this node's name", 0);
        return;
    }
    zactor__peer *peer = zactor__u64map_get(&node->peers_by_id, id);
    if (!peer || !peer->name[0]) {
        /* A new incarnation replaces the old one: that one is down. */
        zactor__peer *old = zactor__node_peer_named(node, name);
        if (old)
            zactor__node_peer_down(old);
        if (peer)
            node->unnamed_peers--; /* known from refs until now */
        else if (!(peer = zactor__node_peer_new(node, id)))
            return;
        snprintf(peer->name, sizeof peer->name, "%s", name);
    } else if (strcmp(peer->name, name) != 0) {
        zactor__node_event(node, ZACTOR_NODE_BAD_INPUT, name,
                           "hello with another name for a known id", 0);
        return;
    }
    if (connector) {
        connector->peer = peer;
        peer->connector = connector;
    } else {
        memcpy(peer->routing_id, rid, rid_len);
        peer->routing_id_len = rid_len;
        if (!reply)
            zactor__node_send_hello(node, node->router, rid, rid_len, true);
    }
    /* Up through the channel the handshake came on; one already up keeps its channel. */
    zactor__node_peer_up(peer, connector != NULL, now);
}

/* A batch: records, each checked against what is left. */
void zactor__node_receive_batch(zactor__node_layer *node, const uint8_t *batch, size_t len,
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
            zactor__node_bad_input(node, peer, "record length past the end of its batch", 0);
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
            zactor__node_bad_input(node, peer, "record before a handshake", 0);
            return;
        }
        peer->last_heard = now;
        receive_record(peer, record[0], &r);
        /* A long run of records (a flood, a slow build) must not starve
         * the heartbeats, nor hold back what the handlers answered: the
         * peers would think this node dead, or wait. Every 64 records. */
        if (++node->records_since_beat >= 64) {
            node->records_since_beat = 0;
            zactor__node_send_heartbeats(node, zactor__monotonic_ns());
        }
    }
}

void zactor__node_router_ready(void *user, short revents)
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
                zactor__node_bad_input(node, NULL, "message of more than one frame", 0);
            else
                zactor__node_receive_batch(node, zmq_msg_data(&batch), zmq_msg_size(&batch), NULL,
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

void zactor__node_dealer_ready(void *user, short revents)
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
        zactor__node_receive_batch(connector->node, zmq_msg_data(&batch), zmq_msg_size(&batch),
                                   connector, NULL, 0, now);
        zmq_msg_close(&batch);
    }
}
