/* flow.c - bounded mailboxes: refusals, muted senders, waiting for room.
 *
 * The bound itself costs a send nothing new: the depth is the distance
 * from the mailbox's released ticket to the life word's tail, both on the
 * senders' line the send reads anyway, and the check sits on the counting
 * CAS's loop (actor.c, deliver). Since the CAS compares the tail, and
 * released only grows (a stale value overstates the depth), a send that
 * may be refused never takes a ticket past the bound.
 *
 * Muting. A handler whose send went past a backpressure bound asks for a
 * mute (worker->mute_target, ZACTOR__ASK_MUTE); the turn ends after that
 * handler and, instead of requeueing or idling the actor, parks it here:
 * an entry (sender, receiver) in one list under one mutex. The parked
 * actor keeps RUNNABLE in its life word, so no send schedules it, and it
 * keeps counting as active for zactor_system_wait. The receiver's turns
 * that end at or below its low mark (and its end) take every entry for it
 * out and schedule those actors again.
 *
 * Parking and draining race; both go through a seq_cst fence, Dekker
 * style, so one of them sees the other:
 *   park:  publish the entry (muted), fence, read the receiver's depth;
 *   drain: hand back tickets (released), fence, read muted.
 * Either the parker sees the drained depth and does not park, or the
 * drainer sees muted and takes the lock, which the parker holds until its
 * entry is complete. Threads in zactor_send_wait pair with the drain the
 * same way through `waiting`. The drainer reads its depth once more under
 * the lock and releases the parked actors only if it is still at or below
 * the low mark: a parker that came in between sent past the bound after
 * the drainer's first read, and must wait for a drain that counts its
 * message. So a released actor's last message past the bound is within
 * the low mark of the head, and each sender has at most one message
 * beyond N in the mailbox: the depth stays at or below N + P.
 *
 * Cycles. An actor parks only while its receiver is above the receiver's
 * low mark, and only while its own depth is at or below its own low mark
 * (an unbounded actor is never a receiver). Take the last actor to park
 * in a ring of parked actors, each waiting for the next: the one parked
 * on it saw it above its low mark, yet it was at or below when it parked
 * itself, so it drained in between, and that drain released the one
 * parked on it. So no ring of actors waits on one another for ever. A
 * send to itself never mutes an actor (its own depth is then above its
 * low mark anyway).
 *
 * The list is scanned under the lock: muting is the rare, slow path of an
 * overloaded system, and entries number at most the live actors.
 */
#include "flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "actor.h"
#include "alloc.h"
#include "clock.h"
#include "scheduler.h"
#include "stats.h"
#include "system.h"
#include "worker.h"

int zactor__flow_init(zactor__flow *flow)
{
    memset(flow, 0, sizeof *flow);
    atomic_init(&flow->muted, 0);
    atomic_init(&flow->waiting, 0);
    atomic_init(&flow->refused, 0);
    atomic_init(&flow->over_bound, 0);
    atomic_init(&flow->mutes_total, 0);
    if (pthread_mutex_init(&flow->lock, NULL) != 0)
        return -1;
    if (zactor__cond_init_monotonic(&flow->room) != 0) {
        pthread_mutex_destroy(&flow->lock);
        return -1;
    }
    return 0;
}

void zactor__flow_destroy(zactor__flow *flow)
{
    zactor__free(flow->mutes);
    pthread_cond_destroy(&flow->room);
    pthread_mutex_destroy(&flow->lock);
}

void zactor__flow_stop(zactor__flow *flow)
{
    /* The waiters re-check stopping under the lock: taking it orders our
     * caller's store of stopping before their check, or wakes them. */
    pthread_mutex_lock(&flow->lock);
    pthread_cond_broadcast(&flow->room);
    pthread_mutex_unlock(&flow->lock);
}

uint32_t zactor__flow_depth(zactor_cell *cell, uint64_t life)
{
    /* Relaxed: released only grows, so a stale value overstates the depth;
     * the callers that need a fresh one fence first. A released newer
     * than life's tail understates it, or wraps: deliver_to's CAS (or, for
     * a refusal, bound_reached's reload) finds such a word stale. */
    uint32_t released = atomic_load_explicit(&cell->mailbox.released, memory_order_relaxed);
    return zactor__ticket_distance(released, zactor__life_tail(life));
}

/* The type of the actor ref names and its depth now, or NULL when it has
 * ended. released is read before the tail: both only grow, so the depth
 * is then at least the true depth at the moment of either read. (The
 * other order can see an old tail and a new released: a depth that was
 * never true, below the low mark while the mailbox never drained.) */
static const zactor_actor_type *live_actor_type(zactor_ref ref, uint32_t *depth)
{
    /* Acquire: the life word below is read after it. */
    uint32_t released = atomic_load_explicit(&ref.cell->mailbox.released, memory_order_acquire);
    /* Acquire: a live word's generation makes spawn's store of type visible. */
    uint64_t life = atomic_load_explicit(&ref.cell->life, memory_order_acquire);
    if (zactor__life_generation(life) != ref.generation || !(life & ZACTOR__LIFE_ALIVE))
        return NULL;
    *depth = zactor__ticket_distance(released, zactor__life_tail(life));
    return atomic_load_explicit(&ref.cell->type, memory_order_relaxed);
}

/* true when depth is at or below the type's low mark. */
static bool drained(const zactor_actor_type *type, uint32_t depth)
{
    return depth <= type->mailbox_bound / 2u;
}

/* Under lock: removes entry i (order does not matter). */
static void remove_mute(zactor__flow *flow, uint32_t i)
{
    /* Relaxed: under lock; the readers outside it fence before reading. */
    uint32_t n = atomic_load_explicit(&flow->muted, memory_order_relaxed);
    flow->mutes[i] = flow->mutes[n - 1];
    atomic_store_explicit(&flow->muted, n - 1, memory_order_relaxed);
}

/* Under lock: the muted actor runs again. It kept RUNNABLE and its unit
 * of `active` while parked: only the queueing is left. When the system is
 * stopping, nothing runs any more and destroy ends every actor. */
static void unmute(zactor_system *sys, zactor_cell *sender)
{
    if (!zactor__system_stopping(sys))
        zactor__schedule(sys, sender);
}

static bool reserve_mute(zactor__flow *flow, uint32_t n)
{
    if (n < flow->capacity)
        return true;
    size_t capacity = flow->capacity ? 2 * flow->capacity : 16;
    zactor__mute *mutes = zactor__realloc(flow->mutes, capacity * sizeof *mutes);
    if (!mutes)
        return false;
    flow->mutes = mutes;
    flow->capacity = capacity;
    return true;
}

bool zactor__flow_mute(zactor__worker *worker, zactor_cell *cell)
{
    zactor_system *sys = worker->sys;
    zactor__flow *flow = &sys->flow;
    zactor_ref receiver = worker->mute_target;
    worker->mute_target.cell = NULL;
    if ((cell->flags & ZACTOR__CELL_STOPPED) || !receiver.cell)
        return false;
    /* Relaxed: only this thread writes type while the cell is in use. */
    const zactor_actor_type *own = atomic_load_explicit(&cell->type, memory_order_relaxed);
    pthread_mutex_lock(&flow->lock);
    /* Relaxed: under lock. */
    uint32_t n = atomic_load_explicit(&flow->muted, memory_order_relaxed);
    if (!reserve_mute(flow, n)) {
        pthread_mutex_unlock(&flow->lock);
        return false; /* runs on unmuted: the bound is a target, memory is not */
    }
    flow->mutes[n] = (zactor__mute){cell, receiver};
    atomic_store_explicit(&flow->muted, n + 1, memory_order_relaxed);
    /* Seq_cst: see Dekker at the top; pairs with the fence of a drain. */
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t depth = 0;
    const zactor_actor_type *type = live_actor_type(receiver, &depth);
    /* Relaxed: our own word; released is ours too (this turn's close). */
    uint64_t own_life = atomic_load_explicit(&cell->life, memory_order_relaxed);
    bool park = type && !drained(type, depth) &&
                (!own->mailbox_bound || drained(own, zactor__flow_depth(cell, own_life))) &&
                !zactor__system_stopping(sys);
    if (!park)
        remove_mute(flow, n);
    pthread_mutex_unlock(&flow->lock);
    if (park)
        zactor__count_shared(&flow->mutes_total, 1);
    return park;
}

/* true when `cell`, whose turn just ended on this thread, is alive and
 * above its low mark: its senders stay muted, and its next turn's end (it
 * has messages, so it has one) or its end looks again. */
static bool still_loaded(zactor_cell *cell)
{
    /* Relaxed: our own actor's word (a fence or the lock orders it). */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_relaxed);
    const zactor_actor_type *type = atomic_load_explicit(&cell->type, memory_order_relaxed);
    /* released is ours (this thread's turn stored it), the tail anyone's. */
    return (life & ZACTOR__LIFE_ALIVE) && !drained(type, zactor__flow_depth(cell, life));
}

void zactor__flow_drained(zactor_system *sys, zactor_cell *cell)
{
    zactor__flow *flow = &sys->flow;
    /* Seq_cst: the tickets we handed back (or ALIVE we cleared) against a
     * parker's or waiter's read of them; see Dekker at the top. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&flow->muted, memory_order_relaxed) == 0 &&
        atomic_load_explicit(&flow->waiting, memory_order_relaxed) == 0)
        return;
    /* A first look without the lock, to skip it while still loaded. */
    if (still_loaded(cell))
        return;
    pthread_mutex_lock(&flow->lock);
    /* Again under the lock: an actor may have parked on us since the look
     * above, after other senders filled the mailbox past the low mark
     * again. Its send went past the bound after our first look, so that
     * look says nothing of it; releasing it would let it put a second
     * message past the bound while its first is still far from the head
     * (rt_bounded_fanin saw depths above N + P). Its park took the lock
     * after its send's CAS, so the tail we read now counts that send. */
    if (still_loaded(cell)) {
        pthread_mutex_unlock(&flow->lock);
        return;
    }
    uint32_t i = 0;
    while (i < atomic_load_explicit(&flow->muted, memory_order_relaxed)) {
        zactor__mute mute = flow->mutes[i];
        /* Any generation: an older one's entries went at its end. */
        if (mute.receiver.cell == cell) {
            remove_mute(flow, i);
            unmute(sys, mute.sender);
        } else {
            i++;
        }
    }
    if (atomic_load_explicit(&flow->waiting, memory_order_relaxed) != 0)
        pthread_cond_broadcast(&flow->room);
    pthread_mutex_unlock(&flow->lock);
}

bool zactor__flow_wait_room(zactor_system *sys, zactor_ref to, const struct timespec *deadline)
{
    zactor__flow *flow = &sys->flow;
    bool in_time = true;
    pthread_mutex_lock(&flow->lock);
    /* Relaxed: under lock; the fence below publishes it to drains. */
    atomic_store_explicit(&flow->waiting,
                          atomic_load_explicit(&flow->waiting, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    /* Seq_cst: see Dekker at the top; pairs with the fence of a drain. */
    atomic_thread_fence(memory_order_seq_cst);
    for (;;) {
        uint32_t depth = 0;
        const zactor_actor_type *type = live_actor_type(to, &depth);
        if (!type || zactor__system_stopping(sys) || depth < type->mailbox_bound)
            break;
        if (!deadline) {
            pthread_cond_wait(&flow->room, &flow->lock);
        } else if (pthread_cond_timedwait(&flow->room, &flow->lock, deadline) == ETIMEDOUT) {
            in_time = false;
            break;
        }
    }
    atomic_store_explicit(&flow->waiting,
                          atomic_load_explicit(&flow->waiting, memory_order_relaxed) - 1,
                          memory_order_relaxed);
    pthread_mutex_unlock(&flow->lock);
    return in_time;
}

int zactor_mailbox_depth(zactor_ref actor, uint32_t *depth)
{
    if (!actor.cell || !depth)
        return ZACTOR_EARG;
    if (!live_actor_type(actor, depth))
        return ZACTOR_EDEAD;
    return 0;
}

uint32_t zactor_ctx_mailbox_depth(const zactor_ctx *ctx)
{
    if (!ctx || !ctx->cell)
        return 0;
    /* Relaxed: any recent tail will do; head is this turn's own. */
    uint64_t life = atomic_load_explicit(&ctx->cell->life, memory_order_relaxed);
    return zactor__ticket_distance(ctx->cell->reader.head, zactor__life_tail(life));
}
