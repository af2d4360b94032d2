/* promise.c - deferred replies: zactor_request_enter and _leave around a
 * request handler, zactor_defer, and the promises that answer later
 * (zactor_promise_fulfil, zactor_promise_fail, or the owner's end).
 *
 * zactor_defer moves the envelope's reply_to into a slot of the system's
 * promise table, with the share of the asker's waiter it holds, and the
 * request thunk then sends nothing. Whoever frees the slot (under the
 * table's lock) answers it, once: a fulfil, a fail, or the end of the
 * actor that deferred. A stale or answered id finds no slot of its actor
 * and is refused. */
#include "promise.h"

#include <stdlib.h>

#include "alloc.h"
#include "array.h"
#include "platform.h"
#include "reply.h"
#include "system.h"
#include "worker.h"

int zactor__promises_init(zactor__promises *promises)
{
    promises->slots = NULL;
    promises->count = 0;
    promises->capacity = 0;
    promises->free = 0;
    promises->open = 0;
    return pthread_mutex_init(&promises->lock, NULL) == 0 ? 0 : -1;
}

void zactor__promises_destroy(zactor__promises *promises)
{
    /* Every actor ended, and each answered the promises it held. */
    ZACTOR__INVARIANT(promises->open == 0);
    zactor__free(promises->slots);
    pthread_mutex_destroy(&promises->lock);
}

static uint64_t promise_id(uint32_t generation, size_t index)
{
    return (uint64_t)generation << 32 | (uint64_t)(index + 1);
}

/* Under the lock: a free slot's index, or false when out of memory (or
 * out of the 32-bit index space). */
static bool promise_slot_new(zactor__promises *promises, size_t *index)
{
    if (promises->free) {
        *index = promises->free - 1u;
        promises->free = promises->slots[*index].next_free;
        return true;
    }
    if (promises->count >= UINT32_MAX)
        return false;
    zactor__promise_slot *slots =
        zactor__array_grow(promises->slots, &promises->capacity, promises->count, sizeof *slots);
    if (!slots)
        return false;
    promises->slots = slots;
    *index = promises->count++;
    slots[*index].generation = 0;
    return true;
}

/* Under the lock: frees the slot (its id goes stale). */
static void promise_slot_free(zactor__promises *promises, size_t index)
{
    zactor__promise_slot *slot = &promises->slots[index];
    slot->owner.cell = NULL;
    slot->generation++;
    slot->next_free = promises->free;
    promises->free = (uint32_t)(index + 1u);
    promises->open--;
}

void zactor_request_enter(zactor_ctx *ctx, const zactor_reply_to *reply_to, uint32_t tag)
{
    ctx->request = reply_to;
    ctx->request_tag = tag;
    ctx->deferred = false;
}

const zactor_reply_to *zactor_request_leave(zactor_ctx *ctx)
{
    const zactor_reply_to *reply_to = ctx->deferred ? NULL : ctx->request;
    ctx->request = NULL;
    ctx->deferred = false;
    return reply_to;
}

int zactor_defer(zactor_ctx *ctx, uint32_t tag, zactor_promise *out)
{
    if (!out)
        return ZACTOR_EARG;
    out->id = 0;
    if (!zactor__ctx_is_running(ctx) || !ctx->request || ctx->request_tag != tag || ctx->deferred)
        return ZACTOR_EARG;
    zactor__promises *promises = &ctx->sys->promises;
    pthread_mutex_lock(&promises->lock);
    size_t index;
    bool made = promise_slot_new(promises, &index);
    if (made) {
        zactor__promise_slot *slot = &promises->slots[index];
        slot->reply_to = *ctx->request;
        slot->owner = zactor_self(ctx);
        slot->tag = tag;
        promises->open++;
        out->id = promise_id(slot->generation, index);
    }
    pthread_mutex_unlock(&promises->lock);
    if (!made)
        return ZACTOR_ENOMEM;
    ctx->deferred = true;
    /* Owner-only: its end then looks for promises left open. */
    ctx->cell->flags |= ZACTOR__CELL_PROMISES;
    return 0;
}

/* Takes the running actor's promise out of the table into *reply_to:
 * false when it holds no promise with that id (for tag, unless tag is
 * UINT32_MAX: any). */
static bool promise_take(zactor_ctx *ctx, zactor_promise promise, uint32_t tag,
                         zactor_reply_to *reply_to)
{
    uint64_t index = (promise.id & UINT32_MAX) - 1u;
    uint32_t generation = (uint32_t)(promise.id >> 32);
    zactor_ref self = zactor_self(ctx);
    zactor__promises *promises = &ctx->sys->promises;
    bool taken = false;
    pthread_mutex_lock(&promises->lock);
    if (index < promises->count) {
        zactor__promise_slot *slot = &promises->slots[index];
        if (slot->generation == generation && slot->owner.cell == self.cell &&
            slot->owner.generation == self.generation && (tag == UINT32_MAX || slot->tag == tag)) {
            *reply_to = slot->reply_to;
            promise_slot_free(promises, index);
            taken = true;
        }
    }
    pthread_mutex_unlock(&promises->lock);
    return taken;
}

int zactor_promise_fulfil(zactor_ctx *ctx, zactor_promise promise, uint32_t tag, const void *reply,
                          size_t size, zactor_drop_fn drop)
{
    zactor_reply_to reply_to;
    if (!reply || !zactor__ctx_is_running(ctx) || tag == UINT32_MAX ||
        !promise_take(ctx, promise, tag, &reply_to)) {
        if (reply && drop)
            drop(reply);
        return ZACTOR_EARG;
    }
    zactor_reply(&reply_to, reply, size, drop);
    return 0;
}

int zactor_promise_fail(zactor_ctx *ctx, zactor_promise promise, int code)
{
    zactor_reply_to reply_to;
    if (code >= 0 || !zactor__ctx_is_running(ctx) ||
        !promise_take(ctx, promise, UINT32_MAX, &reply_to))
        return ZACTOR_EARG;
    zactor__reply_to_fail(&reply_to, code, true);
    return 0;
}

void zactor__promises_actor_ended(zactor_cell *cell, uint32_t generation)
{
    zactor__promises *promises = &cell->sys->promises;
    /* Slots never move but may be reused meanwhile: by other actors only,
     * as this one has ended, so one pass finds every promise it held. */
    for (size_t next = 0;;) {
        /* One at a time, answered outside the lock: an answer takes the
         * ask or request lock and sends, none of which nests in this one. */
        zactor_reply_to reply_to;
        bool found = false;
        pthread_mutex_lock(&promises->lock);
        for (; next < promises->count; next++) {
            zactor__promise_slot *slot = &promises->slots[next];
            if (slot->owner.cell == cell && slot->owner.generation == generation) {
                reply_to = slot->reply_to;
                promise_slot_free(promises, next);
                found = true;
                break;
            }
        }
        pthread_mutex_unlock(&promises->lock);
        if (!found)
            return;
        zactor__reply_to_fail(&reply_to, ZACTOR_EDEAD, true);
    }
}

size_t zactor__promises_open(zactor_system *sys)
{
    zactor__promises *promises = &sys->promises;
    pthread_mutex_lock(&promises->lock);
    size_t open = promises->open;
    pthread_mutex_unlock(&promises->lock);
    return open;
}
