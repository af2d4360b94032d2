/* node_out.c - what senders on any thread write for other nodes: records
 * in their peer's batches, messages, requests, replies, monitors and Downs
 * (node_layer.h). */
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
/* Outgoing records: any thread, under the peer's out_lock             */

/* Room for n more bytes at the end of the peer's batch. */
/* Under out_lock: the batch being written joins the sealed ones. false
 * when memory ran out (it then stays open). */
bool zactor__node_out_seal(zactor__peer *peer)
{
    node_batch *batch = zactor__malloc(sizeof *batch);
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
bool zactor__node_out_idle(const zactor__peer *peer)
{
    return peer->out_len == 0 && !peer->sealed;
}

static uint8_t *out_reserve(zactor__peer *peer, size_t n)
{
    if (peer->out_len > 0 && peer->out_len + n > NODE_BATCH_MAX)
        (void)zactor__node_out_seal(peer); /* failing, the batch just grows */
    if (peer->out_cap - peer->out_len < n) {
        size_t cap = peer->out_cap ? peer->out_cap : NODE_BATCH_MIN;
        while (cap - peer->out_len < n)
            cap *= 2;
        uint8_t *grown = zactor__realloc(peer->out, cap);
        if (!grown)
            return NULL;
        peer->out = grown;
        peer->out_cap = cap;
    }
    return peer->out + peer->out_len;
}

void zactor__node_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

bool zactor__node_record_begin(zactor__peer *peer, record_writer *r, enum record_kind kind,
                               size_t body, zactor_wire_ctx *ctx)
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
int zactor__node_record_end(zactor__peer *peer, record_writer *r)
{
    if (r->w.error)
        return r->w.error;
    size_t len = (size_t)(r->w.at - (peer->out + r->start));
    zactor__node_put_le32(peer->out + r->start, (uint32_t)(len - 4));
    peer->out_len += len;
    return 0;
}

void zactor__node_put_string(zactor_wire_writer *w, const char *s)
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
/* Sends to remote actors (any thread)                                  */

/* Removes a pending request; NULL when the I/O thread answered it. */
static node_pending *pending_take(zactor__node_layer *node, uint64_t id)
{
    pthread_mutex_lock(&node->lock);
    node_pending *p = zactor__u64map_take(&node->pending, id);
    pthread_mutex_unlock(&node->lock);
    return p;
}

int zactor__node_out_record(zactor__peer *peer, enum record_kind kind, const void *body, size_t n)
{
    pthread_mutex_lock(&peer->out_lock);
    bool was_empty = zactor__node_out_idle(peer);
    record_writer r;
    int rc = ZACTOR_EUNREACH;
    if (peer->up && (rc = ZACTOR_ENOMEM, zactor__node_record_begin(peer, &r, kind, n, NULL))) {
        if (n && zactor_wire_writer_room(&r.w, n)) {
            memcpy(r.w.at, body, n);
            r.w.at += n;
        }
        rc = zactor__node_record_end(peer, &r);
    }
    if (rc != 0) {
        pthread_mutex_unlock(&peer->out_lock);
        return rc;
    }
    /* The I/O thread writing its own records needs no wake. */
    out_unlock(peer, was_empty && !zactor__io_on_thread(&peer->node->sys->io));
    return 0;
}

int zactor__node_send_down(zactor__peer *peer, uint64_t watcher, const zactor_down *down)
{
    uint8_t body[24];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, down->monitor);
    zactor_wire_put_u64(&w, watcher);
    zactor_wire_put_u32(&w, (uint32_t)down->reason.kind);
    zactor_wire_put_u32(&w, (uint32_t)down->reason.code);
    return zactor__node_out_record(peer, RECORD_DOWN, body, sizeof body);
}

int zactor__node_send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                      size_t size)
{
    const node_proxy *proxy = zactor__proxy_record(to.cell);
    zactor__peer *peer = proxy->peer;
    zactor__node_layer *node = peer->node;
    if (type == &zactor__proxy_type)
        return zactor__node_send_down(peer, proxy->actor, msg);
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
        pending = zactor__malloc(sizeof *pending);
        if (!pending)
            return ZACTOR_ENOMEM;
        *pending = (node_pending){peer, *(const zactor_reply_to *)msg, entry->reply_wire};
        pthread_mutex_lock(&node->lock);
        id = ++node->last_request;
        bool put = zactor__u64map_put(&node->pending, id, pending);
        pthread_mutex_unlock(&node->lock);
        if (!put) {
            zactor__free(pending);
            return ZACTOR_ENOMEM;
        }
    }
    zactor_wire_ctx ctx = {zactor__node_encode_ref, zactor__node_decode_ref, node};
    pthread_mutex_lock(&peer->out_lock);
    int rc = ZACTOR_EUNREACH;
    bool was_empty = zactor__node_out_idle(peer);
    if (peer->up) {
        record_writer r;
        rc = ZACTOR_ENOMEM;
        if (zactor__node_record_begin(peer, &r, request ? RECORD_REQUEST : RECORD_SEND, 16 + frame,
                                      &ctx)) {
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
            rc = zactor__node_record_end(peer, &r);
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
            zactor__free(pending);
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

/* The FAIL record of request to peer: 0 once in its batch,
 * ZACTOR_EUNREACH (the peer is down), ZACTOR_ENOMEM. */
static int fail_record(zactor__peer *peer, uint64_t request, int code)
{
    uint8_t body[12];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, request);
    zactor_wire_put_u32(&w, (uint32_t)code);
    return zactor__node_out_record(peer, RECORD_FAIL, body, sizeof body);
}

/* Origin's FAIL record waits, after those waiting already. */
static void fail_wait(node_origin *origin, int code)
{
    zactor__node_layer *node = origin->peer->node;
    origin->code = code;
    origin->next = NULL;
    pthread_mutex_lock(&node->lock);
    if (node->fails_tail)
        node->fails_tail->next = origin;
    else
        node->fails = origin;
    node->fails_tail = origin;
    pthread_mutex_unlock(&node->lock);
    zactor__notice_wait_remote(node->sys);
}

/* Whether FAIL records wait: a new one then waits behind them, so that
 * they reach their node in the order they were made. */
static bool fails_waiting(zactor__node_layer *node)
{
    pthread_mutex_lock(&node->lock);
    bool waiting = node->fails != NULL;
    pthread_mutex_unlock(&node->lock);
    return waiting;
}

void zactor__node_origin_fail(node_origin *origin, int code)
{
    if (fails_waiting(origin->peer->node) ||
        fail_record(origin->peer, origin->request, code) == ZACTOR_ENOMEM) {
        fail_wait(origin, code);
        return;
    }
    zactor__free(origin);
}

void zactor__node_fail_request(zactor__peer *peer, uint64_t request, int code)
{
    if (!fails_waiting(peer->node) && fail_record(peer, request, code) != ZACTOR_ENOMEM)
        return;
    node_origin *origin = zactor__malloc(sizeof *origin);
    if (!origin) {
        /* Nowhere to wait (notice.c: what can still be lost). */
        zactor__notice_lost(peer->node->sys);
        return;
    }
    *origin = (node_origin){.peer = peer, .request = request};
    fail_wait(origin, code);
}

bool zactor__node_fails_resend(zactor__node_layer *node)
{
    pthread_mutex_lock(&node->lock);
    node_origin *waiting = node->fails;
    node->fails = node->fails_tail = NULL;
    pthread_mutex_unlock(&node->lock);
    while (waiting) {
        if (fail_record(waiting->peer, waiting->request, waiting->code) == ZACTOR_ENOMEM)
            break;
        /* Written, or its peer is down (which fails its own requests). */
        node_origin *done = waiting;
        waiting = waiting->next;
        zactor__free(done);
    }
    if (!waiting)
        return fails_waiting(node);
    /* Still short of memory: what is left goes back first, before any
     * that began to wait meanwhile. */
    node_origin *last = waiting;
    while (last->next)
        last = last->next;
    pthread_mutex_lock(&node->lock);
    last->next = node->fails;
    if (!node->fails)
        node->fails_tail = last;
    node->fails = waiting;
    pthread_mutex_unlock(&node->lock);
    return true;
}

void zactor__node_fails_free(zactor__node_layer *node)
{
    while (node->fails) {
        node_origin *origin = node->fails;
        node->fails = origin->next;
        zactor__free(origin);
    }
    node->fails_tail = NULL;
}

void zactor__node_reply(const zactor_reply_to *reply_to, const void *reply, zactor_drop_fn drop)
{
    node_origin *origin = reply_to->target;
    zactor__peer *peer = origin->peer;
    zactor__node_layer *node = peer->node;
    if (!reply) {
        zactor__node_origin_fail(origin, ZACTOR_EINVAL);
        return;
    }
    const zactor_wire_entry *wire = origin->reply_wire;
    size_t frame = wire->wire_size(reply);
    if (frame > node->max_batch_bytes - RECORD_HEADER - 8) {
        zactor__node_origin_fail(origin, ZACTOR_ETOOBIG);
        if (drop)
            drop(reply);
        return;
    }
    zactor_wire_ctx ctx = {zactor__node_encode_ref, zactor__node_decode_ref, node};
    pthread_mutex_lock(&peer->out_lock);
    bool was_empty = zactor__node_out_idle(peer);
    record_writer r;
    int rc = ZACTOR_EUNREACH;
    if (peer->up &&
        (rc = ZACTOR_ENOMEM, zactor__node_record_begin(peer, &r, RECORD_REPLY, 8 + frame, &ctx))) {
        zactor_wire_put_u64(&r.w, origin->request);
        size_t len = 0;
        if (!r.w.error) {
            int err = wire->encode(reply, &ctx, r.w.at, (size_t)(r.w.end - r.w.at), &len);
            if (err != 0)
                zactor_wire_writer_fail(&r.w, err);
            else
                r.w.at += len;
        }
        rc = zactor__node_record_end(peer, &r);
    }
    if (rc == 0) {
        out_unlock(peer, was_empty);
        zactor__free(origin);
    } else {
        pthread_mutex_unlock(&peer->out_lock);
        if (rc == ZACTOR_EUNREACH) {
            /* Its requester's node is gone: a dead letter here. */
            zactor__dead_letter_note(node->sys, zactor__node_requester.name, wire->type_id);
            zactor__free(origin);
        } else {
            zactor__node_origin_fail(origin, rc);
        }
    }
    if (drop)
        drop(reply);
}

void zactor__node_reply_fail(const zactor_reply_to *reply_to, int code)
{
    zactor__node_origin_fail(reply_to->target, code);
}

/* ------------------------------------------------------------------ */
/* Monitors of remote actors (any thread)                               */

static int send_monitor_record(zactor_ref target, zactor_ref watcher, uint64_t id, bool set)
{
    const node_proxy *proxy = zactor__proxy_record(target.cell);
    uint8_t body[24];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, id);
    if (set)
        zactor_wire_put_u64(&w, proxy->actor);
    zactor_wire_put_u64(&w, zactor__actor_id(watcher));
    return zactor__node_out_record(proxy->peer, set ? RECORD_MONITOR : RECORD_DEMONITOR, body,
                                   (size_t)(w.at - body));
}

int zactor__node_monitor(zactor_ref target, zactor_ref watcher, uint64_t id)
{
    return send_monitor_record(target, watcher, id, true) == 0 ? 0 : ZACTOR_EUNREACH;
}

void zactor__node_demonitor(zactor_ref target, zactor_ref watcher, uint64_t id)
{
    (void)send_monitor_record(target, watcher, id, false);
}

int zactor__node_kill(zactor_ref target, int code)
{
    const node_proxy *proxy = zactor__proxy_record(target.cell);
    uint8_t body[12];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, proxy->actor);
    zactor_wire_put_u32(&w, (uint32_t)code);
    return zactor__node_out_record(proxy->peer, RECORD_KILL, body, sizeof body);
}
