/* reply.c - ask (a blocking request from outside the system), request (a
 * request from a handler, answered by a message) and the reply that the
 * generated request thunk sends when the user's handler returns.
 *
 * An ask's waiter lives on the heap and has two owners: the asker and the
 * request envelope. Whichever lets go last frees it, so an asker that timed
 * out may return at once while its request is still queued or running.
 * Every waiter of a system is guarded by the system's ask lock: asks are
 * blocking calls from threads outside the system, rare next to sends, and
 * one lock makes the three ways an ask ends (reply, drop, stop) easy to
 * order against each other and against the timeout.
 *
 * A request from an actor that declares `on request_error;` is tracked
 * (request.c): its reply, and each way it can fail, first take its entry
 * out of the request table, and only the one that found it answers. */
#include "reply.h"

#include "alloc.h"
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "clock.h"
#include "dead_letter.h"
#include "request.h"
#include "system.h"
#include "worker.h"

/* zactor__waiter.state before the ask ends; then 0 or a ZACTOR_E* code. */
#define WAITING 1

struct zactor__waiter {
    zactor__waiter *prev, *next; /* in asks->waiting while the asker waits */
    zactor__asks *asks;
    pthread_cond_t wake;
    void *out; /* the asker's reply buffer, written only while WAITING */
    size_t out_size;
    int state;
    unsigned owners; /* the asker and the request envelope */
};

int zactor__asks_init(zactor__asks *asks)
{
    asks->waiting = NULL;
    asks->stopped = false;
    return pthread_mutex_init(&asks->lock, NULL) == 0 ? 0 : -1;
}

void zactor__asks_stop(zactor__asks *asks)
{
    pthread_mutex_lock(&asks->lock);
    asks->stopped = true;
    for (zactor__waiter *w = asks->waiting; w; w = w->next) {
        if (w->state == WAITING) {
            w->state = ZACTOR_ESTOPPED;
            pthread_cond_signal(&w->wake);
        }
    }
    pthread_mutex_unlock(&asks->lock);
}

void zactor__asks_destroy(zactor__asks *asks)
{
    pthread_mutex_destroy(&asks->lock);
}

static zactor__waiter *new_waiter(zactor__asks *asks, void *out, size_t out_size)
{
    zactor__waiter *w = zactor__malloc(sizeof *w);
    if (!w)
        return NULL;
    if (zactor__cond_init_monotonic(&w->wake) != 0) {
        zactor__free(w);
        return NULL;
    }
    w->prev = w->next = NULL;
    w->asks = asks;
    w->out = out;
    w->out_size = out_size;
    w->state = WAITING;
    w->owners = 2;
    return w;
}

/* With the ask lock held: one owner lets go; true when it was the last. */
static bool disown(zactor__waiter *w)
{
    return --w->owners == 0;
}

static void free_waiter(zactor__waiter *w)
{
    pthread_cond_destroy(&w->wake);
    zactor__free(w);
}

/* With the ask lock held. */
static void finish(zactor__waiter *w, int state)
{
    if (w->state == WAITING) {
        w->state = state;
        pthread_cond_signal(&w->wake);
    }
}

/* Links w into the system's asks; false when the system is stopping. */
static bool enlist(zactor__asks *asks, zactor__waiter *w)
{
    pthread_mutex_lock(&asks->lock);
    bool open = !asks->stopped;
    if (open) {
        w->next = asks->waiting;
        if (asks->waiting)
            asks->waiting->prev = w;
        asks->waiting = w;
    }
    pthread_mutex_unlock(&asks->lock);
    return open;
}

/* The asker leaves: unlinks w and lets go of it. Returns its final state. */
static int leave(zactor__waiter *w)
{
    zactor__asks *asks = w->asks;
    pthread_mutex_lock(&asks->lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        asks->waiting = w->next;
    if (w->next)
        w->next->prev = w->prev;
    int state = w->state;
    bool last = disown(w);
    pthread_mutex_unlock(&asks->lock);
    if (last)
        free_waiter(w);
    return state;
}

static void wait_for_reply(zactor__waiter *w, uint64_t timeout_ns)
{
    struct timespec deadline;
    bool timed = zactor__deadline_after(timeout_ns, &deadline);
    zactor__asks *asks = w->asks;
    pthread_mutex_lock(&asks->lock);
    while (w->state == WAITING) {
        if (!timed) {
            pthread_cond_wait(&w->wake, &asks->lock);
        } else if (pthread_cond_timedwait(&w->wake, &asks->lock, &deadline) == ETIMEDOUT) {
            /* Under the lock: from here on no reply writes *out. */
            if (w->state == WAITING)
                w->state = ZACTOR_ETIMEDOUT;
        }
    }
    pthread_mutex_unlock(&asks->lock);
}

/* 0 when handlers[tag] of type takes request envelopes. */
static int check_request_entry(const zactor_actor_type *type, uint32_t tag)
{
    if (!type)
        return ZACTOR_EARG;
    if (tag >= type->handler_count || !(type->handlers[tag].flags & ZACTOR_HANDLER_REQUEST))
        return ZACTOR_ETYPE;
    return 0;
}

/* Clears the envelope's reply_to, so that dropping it releases nothing
 * until it is filled in. false when the envelope cannot hold one. */
static bool clear_reply_to(void *request, size_t size)
{
    if (!request || size < sizeof(zactor_reply_to))
        return false;
    memset(request, 0, sizeof(zactor_reply_to));
    return true;
}

int zactor_ask(zactor_ref to, const zactor_actor_type *type, uint32_t tag, void *request,
               size_t size, void *out, size_t out_size, uint64_t timeout_ns)
{
    /* Without a valid entry there is no drop function to take the payload
     * with: those errors return before anything else. */
    int rc = check_request_entry(type, tag);
    if (rc != 0)
        return rc;
    if (!clear_reply_to(request, size))
        return ZACTOR_EARG;
    if (!to.cell || !out || out_size == 0)
        rc = ZACTOR_EARG;
    else if (zactor__worker_of(to.cell->sys))
        /* From a handler of the same system the reply could need this very
         * worker: refuse rather than deadlock. */
        rc = ZACTOR_EDEADLK;
    if (rc != 0) {
        zactor__payload_drop(type, tag, request);
        return rc;
    }
    zactor_system *sys = to.cell->sys;
    zactor__waiter *w = new_waiter(&sys->asks, out, out_size);
    if (!w) {
        zactor__payload_drop(type, tag, request);
        return ZACTOR_ENOMEM;
    }
    if (!enlist(&sys->asks, w)) {
        free_waiter(w);
        zactor__payload_drop(type, tag, request);
        return ZACTOR_ESTOPPED;
    }
    ((zactor_reply_to *)request)->target = w;
    rc = zactor__send(to, type, tag, request, size);
    if (rc != 0) {
        zactor__payload_drop(type, tag, request); /* lets go of the envelope's share */
        leave(w);
        return rc;
    }
    wait_for_reply(w, timeout_ns);
    return leave(w);
}

/* The running actor's entries: the one for messages of reply_type_id (in
 * *reply_tag), and its `on request_error` entry (in *error_tag, or
 * UINT32_MAX when it has none). false: no reply entry. */
static bool find_requester_entries(const zactor_actor_type *type, uint32_t reply_type_id,
                                   uint32_t *reply_tag, uint32_t *error_tag)
{
    bool found = false;
    *error_tag = UINT32_MAX;
    for (uint32_t i = 0; i < type->handler_count; i++) {
        const zactor_handler_entry *entry = &type->handlers[i];
        if (entry->flags & ZACTOR_HANDLER_REQUEST_ERROR) {
            *error_tag = i;
        } else if (!found && entry->message_type_id == reply_type_id &&
                   !(entry->flags &
                     (ZACTOR_HANDLER_REQUEST | ZACTOR_HANDLER_DOWN | ZACTOR_HANDLER_IO))) {
            *reply_tag = i;
            found = true;
        }
    }
    return found;
}

/* zactor_request, _tracked and _timeout. tracked: the running actor must
 * declare `on request_error;`. timeout_ns: ZACTOR_TIMEOUT_NEVER, or when
 * the request ends with ZACTOR_ETIMEDOUT (tracked requests only). id: the
 * request's id, or NULL. */
static int send_request(zactor_ref to, const zactor_actor_type *type, uint32_t tag, zactor_ctx *ctx,
                        void *envelope, size_t size, uint32_t reply_type_id, bool tracked,
                        uint64_t timeout_ns, uint64_t *id)
{
    int rc = check_request_entry(type, tag);
    if (rc != 0)
        return rc;
    if (!clear_reply_to(envelope, size))
        return ZACTOR_EARG;
    zactor_reply_to *reply_to = envelope;
    if (!zactor__ctx_is_running(ctx)) {
        zactor__payload_drop(type, tag, envelope);
        return ZACTOR_EARG;
    }
    /* Relaxed: the running actor's own type, fixed while its turn runs. */
    const zactor_actor_type *self_type =
        atomic_load_explicit(&ctx->cell->type, memory_order_relaxed);
    uint32_t reply_tag = 0, error_tag;
    if (!find_requester_entries(self_type, reply_type_id, &reply_tag, &error_tag) ||
        (tracked && error_tag == UINT32_MAX)) {
        zactor__payload_drop(type, tag, envelope);
        return ZACTOR_ETYPE;
    }
    reply_to->target = ctx->cell;
    reply_to->requester_type = self_type;
    reply_to->generation = zactor_self(ctx).generation;
    reply_to->tag = reply_tag;
    uint64_t timer = 0;
    if (error_tag != UINT32_MAX) {
        /* The timer is opened before the send, so that an answer that
         * comes at once can end it, and armed after it (below), so that
         * it cannot expire a request this call still refuses. */
        if (timeout_ns != ZACTOR_TIMEOUT_NEVER &&
            zactor__timer_request_new(&ctx->sys->timers, ctx->cell, &timer) != 0) {
            zactor__payload_drop(type, tag, envelope);
            return ZACTOR_ENOMEM;
        }
        /* Tracked before it is sent: the target may answer at once. */
        zactor__request entry = {.requester = zactor_self(ctx),
                                 .requester_type = self_type,
                                 .error_tag = error_tag,
                                 .message_type_id = type->handlers[tag].message_type_id,
                                 .target = to,
                                 .timer = timer};
        if (!zactor__request_track(ctx->sys, &entry)) {
            zactor__request_settle(ctx->sys, &entry);
            zactor__payload_drop(type, tag, envelope);
            return ZACTOR_ENOMEM;
        }
        reply_to->request = entry.id;
    }
    uint64_t request = reply_to->request;
    rc = zactor__send(to, type, tag, envelope, size);
    if (rc != 0) {
        /* Refused: the caller hears of it now, so no notice follows. The
         * envelope never left and the timer is not armed, so nobody else
         * can have taken the entry. */
        if (request) {
            zactor__request untracked;
            if (zactor__request_take(ctx->sys, request, &untracked))
                zactor__request_settle(ctx->sys, &untracked);
            reply_to->request = 0;
        }
        zactor__payload_drop(type, tag, envelope);
        return rc;
    }
    if (timer)
        zactor__timer_request_start(&ctx->sys->timers, timer, request, timeout_ns);
    if (id)
        *id = request;
    return 0;
}

int zactor_request(zactor_ref to, const zactor_actor_type *type, uint32_t tag, zactor_ctx *ctx,
                   void *request_envelope, size_t size, uint32_t reply_type_id)
{
    return send_request(to, type, tag, ctx, request_envelope, size, reply_type_id, false,
                        ZACTOR_TIMEOUT_NEVER, NULL);
}

/* A request call refused before anything was sent: its payload dropped,
 * when there is an entry to drop it with. Returns code. */
static int refuse_request(const zactor_actor_type *type, uint32_t tag, void *envelope, size_t size,
                          int code)
{
    int rc = check_request_entry(type, tag);
    if (rc != 0)
        return rc;
    if (envelope && size >= sizeof(zactor_reply_to)) {
        clear_reply_to(envelope, size);
        zactor__payload_drop(type, tag, envelope);
    }
    return code;
}

int zactor_request_tracked(zactor_ref to, const zactor_actor_type *type, uint32_t tag,
                           zactor_ctx *ctx, void *request_envelope, size_t size,
                           uint32_t reply_type_id, uint64_t *id)
{
    if (!id)
        return refuse_request(type, tag, request_envelope, size, ZACTOR_EARG);
    *id = 0;
    return send_request(to, type, tag, ctx, request_envelope, size, reply_type_id, true,
                        ZACTOR_TIMEOUT_NEVER, id);
}

int zactor_request_timeout(zactor_ref to, const zactor_actor_type *type, uint32_t tag,
                           zactor_ctx *ctx, void *request_envelope, size_t size,
                           uint32_t reply_type_id, uint64_t timeout_ns, uint64_t *id)
{
    if (id)
        *id = 0;
    if (timeout_ns > ZACTOR__TIMER_MAX_NS && timeout_ns != ZACTOR_TIMEOUT_NEVER)
        return refuse_request(type, tag, request_envelope, size, ZACTOR_EARG);
    return send_request(to, type, tag, ctx, request_envelope, size, reply_type_id, true, timeout_ns,
                        id);
}

static void answer_asker(zactor__waiter *w, const void *reply, size_t size, zactor_drop_fn drop)
{
    bool delivered = false;
    zactor__asks *asks = w->asks;
    pthread_mutex_lock(&asks->lock);
    if (w->state == WAITING) {
        delivered = reply && size == w->out_size;
        if (delivered)
            memcpy(w->out, reply, size);
        /* NULL: the handler's reply broke its schema. A size that is not
         * the asker's is a descriptor that does not fit the call. */
        finish(w, delivered ? 0 : !reply ? ZACTOR_EINVAL : ZACTOR_ETYPE);
    }
    bool last = disown(w);
    pthread_mutex_unlock(&asks->lock);
    if (last)
        free_waiter(w);
    if (!delivered && reply && drop)
        drop(reply);
}

/* A requester's reply is a dead letter: dropped and counted. */
static void reply_dead_letter(const zactor_reply_to *reply_to, const void *reply,
                              zactor_drop_fn drop)
{
    if (reply && drop)
        drop(reply);
    const zactor_actor_type *type = reply_to->requester_type;
    zactor_cell *cell = reply_to->target;
    zactor__dead_letter_note(cell->sys, type->name, type->handlers[reply_to->tag].message_type_id);
}

void zactor_reply(const zactor_reply_to *reply_to, const void *reply, size_t size,
                  zactor_drop_fn drop)
{
    if (!reply_to || !reply_to->target) {
        if (reply && drop)
            drop(reply);
        return;
    }
    const zactor_actor_type *type = reply_to->requester_type;
    if (!type) {
        answer_asker(reply_to->target, reply, size, drop);
        return;
    }
    if (type == &zactor__node_requester) {
        zactor__node_reply(reply_to, reply, drop);
        return;
    }
    zactor_cell *cell = reply_to->target;
    zactor__request tracked = {.timer = 0};
    if (reply_to->request) {
        if (!zactor__request_take(cell->sys, reply_to->request, &tracked)) {
            /* Answered already (timed out): a late reply, never a second
             * answer. */
            reply_dead_letter(reply_to, reply, drop);
            return;
        }
        if (!reply) {
            /* The handler's reply broke its schema. */
            zactor__request_notify(&tracked, ZACTOR_EINVAL);
            zactor__request_settle(cell->sys, &tracked);
            return;
        }
    }
    int rc = ZACTOR_EINVAL;
    if (reply) {
        zactor_ref requester = {cell, reply_to->generation};
        /* A tracked request's reply goes alone, not through the outbox,
         * so that one that finds no memory is known here: the requester
         * then gets ZACTOR_ENOMEM instead (which waits, if it must). */
        rc = reply_to->request ? zactor__send_notice(requester, type, reply_to->tag, reply, size)
                               : zactor__send_exempt(requester, type, reply_to->tag, reply, size);
    }
    if (rc == ZACTOR_ENOMEM && reply_to->request) {
        /* The notice stands for the reply, as for one that broke its
         * schema: not a dead letter too. */
        if (drop)
            drop(reply);
        zactor__request_notify(&tracked, ZACTOR_ENOMEM);
    } else if (rc != 0) {
        reply_dead_letter(reply_to, reply, drop);
    }
    /* After the reply is queued (or its notice): its timeout ends now. */
    zactor__request_settle(cell->sys, &tracked);
}

void zactor__reply_to_fail(const zactor_reply_to *reply_to, int code, bool count)
{
    if (!reply_to->target)
        return;
    if (reply_to->requester_type == &zactor__node_requester) {
        zactor__node_reply_fail(reply_to, code);
        return;
    }
    if (reply_to->requester_type) {
        zactor_cell *cell = reply_to->target;
        zactor__request tracked;
        if (reply_to->request) {
            if (zactor__request_take(cell->sys, reply_to->request, &tracked)) {
                zactor__request_notify(&tracked, code);
                zactor__request_settle(cell->sys, &tracked);
            }
        } else if (count) {
            reply_dead_letter(reply_to, NULL, NULL);
        }
        return;
    }
    zactor__waiter *w = reply_to->target;
    zactor__asks *asks = w->asks;
    pthread_mutex_lock(&asks->lock);
    finish(w, code);
    bool last = disown(w);
    pthread_mutex_unlock(&asks->lock);
    if (last)
        free_waiter(w);
}

void zactor__reply_to_drop(const zactor_reply_to *reply_to)
{
    zactor__reply_to_fail(reply_to, ZACTOR_EDEAD, false);
}
