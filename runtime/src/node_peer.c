/* node_peer.c - peers: one incarnation of another node each, up and
 * down, and the batches the I/O thread sends them (node_layer.h). */
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
#include "system.h"
#include "worker.h"

/* ------------------------------------------------------------------ */
/* Peers (the I/O thread)                                               */

zactor__peer *zactor__node_peer_new(zactor__node_layer *node, uint64_t id)
{
    zactor__peer *peer = zactor__calloc(1, sizeof *peer);
    if (!peer)
        return NULL;
    if (pthread_mutex_init(&peer->out_lock, NULL) != 0) {
        zactor__free(peer);
        return NULL;
    }
    peer->node = node;
    peer->id = id;
    zactor__u64map_init(&peer->proxies);
    if (!zactor__u64map_put(&node->peers_by_id, id, peer)) {
        pthread_mutex_destroy(&peer->out_lock);
        zactor__free(peer);
        return NULL;
    }
    peer->next = node->peers;
    node->peers = peer;
    return peer;
}

/* The up incarnation of the node called name, if any. */
zactor__peer *zactor__node_peer_named(zactor__node_layer *node, const char *name)
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

void zactor__node_batches_drop(zactor__node_layer *node, node_batch *batch)
{
    while (batch) {
        node_batch *next = batch->next;
        count_lost(node, batch->data, batch->len);
        if (batch->msg_made)
            zmq_msg_close(&batch->msg); /* frees data */
        else
            zactor__free(batch->data);
        zactor__free(batch);
        batch = next;
    }
}

void zactor__node_peer_down(zactor__peer *peer)
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
    zactor__node_batches_drop(node, sealed);
    zactor__node_batches_drop(node, peer->sending);
    peer->sending = peer->sending_tail = NULL;
    if (!was_up)
        return;
    /* Requests to it end; calls for it end. */
    node_pending *failed = NULL;
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
        zactor__free(p);
    }
    zactor__monitors_peer_down(node->sys, proxy_of_peer, peer);
    NODE_COUNT(node, peers_down, 1);
    zactor__node_event(node, ZACTOR_NODE_DOWN, peer->name, "", 0);
}

void zactor__node_peer_up(zactor__peer *peer, bool via_dealer, uint64_t now)
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
        zactor__node_event(node, ZACTOR_NODE_UP, peer->name, "", 0);
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
    zactor__free(data);
}

/* Sends the peer's batches in order: those left from before first, then
 * what the senders wrote since. Stops at a socket without room. */
void zactor__node_peer_flush(zactor__peer *peer, uint64_t now)
{
    pthread_mutex_lock(&peer->out_lock);
    if (peer->up && peer->out_len > 0)
        (void)zactor__node_out_seal(peer);
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
            zactor__node_batches_drop(peer->node, batch);
            continue;
        }
        peer->last_sent = now;
        zactor__free(batch); /* its data belongs to ZeroMQ now */
    }
}

/* HELLO, alone in its ZeroMQ message, on a socket (to routing id rid
 * when the socket is our ROUTER). */
void zactor__node_send_hello(zactor__node_layer *node, void *socket, const uint8_t *rid,
                             size_t rid_len, bool reply)
{
    uint8_t buf[RECORD_HEADER + 4 + 2 + 8 + 1 + 1 + ZACTOR_NODE_NAME_MAX];
    zactor_wire_writer w = {buf, buf + sizeof buf, NULL, 0};
    zactor_wire_put_u32(&w, 0);
    zactor_wire_put_u8(&w, RECORD_HELLO);
    zactor_wire_put_u32(&w, NODE_MAGIC);
    zactor_wire_put_u16(&w, NODE_PROTOCOL);
    zactor_wire_put_u64(&w, node->id);
    zactor_wire_put_u8(&w, reply);
    zactor__node_put_string(&w, node->name);
    size_t len = (size_t)(w.at - buf);
    zactor__node_put_le32(buf, (uint32_t)(len - 4));
    if (rid && zmq_send(socket, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    /* EAGAIN (not connected yet: ZMQ_IMMEDIATE) is fine: the next tick
     * says hello again. */
    (void)zmq_send(socket, buf, len, ZMQ_DONTWAIT);
}
