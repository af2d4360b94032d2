/* monitor.c - monitors: zactor_monitor, zactor_demonitor, the Down notices
 * an actor's end sends, and zactor_down_take, with which the generated
 * dispatch of `on down` drops a Down whose monitor was removed meanwhile.
 *
 * "Exactly one Down" rests on the life word (life.h): a monitor is added
 * to the list, under the list's lock, only after a CAS (or a load, when
 * WATCHED is set already) found the target ALIVE with WATCHED set; the end
 * clears ALIVE with one atomic operation that returns the word before, and
 * takes the lock when that word had WATCHED. So a monitor either sees the
 * target alive and is fired by its end, or sees it ended and fires itself
 * at once; never both, never neither.
 *
 * A Down that finds no memory is not lost: it waits in its monitor, which
 * stays listed until the Down is handled anyway, and the timer thread
 * sends it again (notice.c). Downs are sent under the list's lock, so a
 * demonitor or the watcher's end, which remove the monitor, also remove a
 * Down waiting in it. */
#include "monitor.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "array.h"
#include "node.h"
#include "notice.h"
#include "scheduler.h"
#include "system.h"
#include "worker.h"

int zactor__monitors_init(zactor__monitors *monitors)
{
    monitors->items = NULL;
    monitors->count = 0;
    monitors->capacity = 0;
    monitors->last_id = 0;
    return pthread_mutex_init(&monitors->lock, NULL) == 0 ? 0 : -1;
}

void zactor__monitors_destroy(zactor__monitors *monitors)
{
    zactor__free(monitors->items);
    pthread_mutex_destroy(&monitors->lock);
}

/* Under the lock: room for one more monitor. */
static bool monitors_reserve(zactor__monitors *monitors)
{
    zactor__monitor *items =
        zactor__array_grow(monitors->items, &monitors->capacity, monitors->count, sizeof *items);
    if (!items)
        return false;
    monitors->items = items;
    return true;
}

/* Under the lock: removes items[i] (the order of the list does not
 * matter). A Down waiting in it goes with it: nobody is to be told. */
static void monitors_remove_at(zactor_system *sys, zactor__monitors *monitors, size_t i)
{
    if (monitors->items[i].waiting) {
        monitors->waiting--;
        zactor__notice_done(sys);
    }
    monitors->items[i] = monitors->items[--monitors->count];
}

static bool refs_equal(zactor_ref a, zactor_ref b)
{
    return a.cell == b.cell && a.generation == b.generation;
}

/* The tag of type's `on down;` entry. */
static bool down_entry_of(const zactor_actor_type *type, uint32_t *tag)
{
    for (uint32_t i = 0; i < type->handler_count; i++) {
        if (type->handlers[i].flags & ZACTOR_HANDLER_DOWN) {
            *tag = i;
            return true;
        }
    }
    return false;
}

/* A Down packs its reason in the dead actor's inline state: the state is
 * not used after `on stop`, and the line is the turn's own. */
typedef struct end_word {
    int32_t kind;
    int32_t code;
} end_word;
_Static_assert(sizeof(end_word) <= ZACTOR__INLINE_STATE_SIZE, "fits the inline state");

void zactor__end_word_store(zactor_cell *cell, zactor_end_reason reason)
{
    end_word word = {(int32_t)reason.kind, reason.code};
    memcpy(cell->inline_state, &word, sizeof word);
}

/* The reason the actor of `target` ended with, if its cell still holds it
 * (not recycled yet), else ZACTOR_END_GONE. Under the cell store's lock,
 * without which a spawn could reuse the cell while we read it. */
static zactor_end_reason end_reason_left(zactor_system *sys, zactor_ref target)
{
    zactor_end_reason reason = {ZACTOR_END_GONE, 0};
    pthread_mutex_lock(&sys->cells.lock);
    /* Acquire: pairs with the end's release of ALIVE, after its store of
     * the end word. The recycle bumps the generation before the cell
     * reaches the free list, under this lock. */
    uint64_t life = atomic_load_explicit(&target.cell->life, memory_order_acquire);
    if (zactor__life_generation(life) == target.generation && !(life & ZACTOR__LIFE_ALIVE)) {
        end_word word;
        memcpy(&word, target.cell->inline_state, sizeof word);
        reason.kind = (zactor_end_kind)word.kind;
        reason.code = word.code;
    }
    pthread_mutex_unlock(&sys->cells.lock);
    return reason;
}

/* Sends the Down of fired monitor m: 0 once queued, or what the send
 * returned (ZACTOR_EDEAD: its watcher has ended, nobody to tell). */
static int down_try(const zactor__monitor *m)
{
    zactor_down down = {m->target, m->down_type_name, m->reason, m->id};
    return zactor__send_notice(m->watcher, m->watcher_type, m->down_tag, &down, sizeof down);
}

/* Under the lock: fires m (listed), whose target ended with reason, a
 * type of type_name. Its Down goes now, or, when it finds no memory or
 * other notices wait (notice.c), waits in m. A watcher that has ended,
 * a stopping system: nobody to tell. true when the Down waits. */
static bool fire(zactor_system *sys, zactor__monitors *monitors, zactor__monitor *m,
                 const char *type_name, zactor_end_reason reason)
{
    m->fired = true;
    m->down_type_name = type_name;
    m->reason = reason;
    if (!zactor__notices_held(sys) && down_try(m) != ZACTOR_ENOMEM)
        return false;
    if (zactor__system_stopping(sys))
        return false;
    m->waiting = true;
    m->seq = zactor__notice_wait(sys);
    monitors->waiting++;
    return true;
}

/* The running actor of ctx as a watcher: its type and the tag of its `on
 * down` entry. 0, ZACTOR_EARG (ctx is not a running handler's) or
 * ZACTOR_ETYPE (it has no `on down`). */
static int watcher_of(zactor_ctx *ctx, const zactor_actor_type **type, uint32_t *down_tag)
{
    if (!zactor__ctx_is_running(ctx))
        return ZACTOR_EARG;
    /* Relaxed: the running actor's own type, fixed while its turn runs. */
    *type = atomic_load_explicit(&ctx->cell->type, memory_order_relaxed);
    return down_entry_of(*type, down_tag) ? 0 : ZACTOR_ETYPE;
}

/* Under the monitors' lock: sets WATCHED in the life word of the actor of
 * generation in cell, if it is alive. false: it has ended (its Down is
 * to go now). true: its end takes this lock and finds the monitor. */
static bool mark_watched(zactor_cell *cell, uint32_t generation)
{
    /* Acquire: as a send's. */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_acquire);
    for (;;) {
        if (zactor__life_generation(life) != generation || !(life & ZACTOR__LIFE_ALIVE))
            return false;
        if (life & ZACTOR__LIFE_WATCHED)
            return true;
        if (life & ZACTOR__LIFE_LOCKED) {
            zactor__cpu_relax();
            life = atomic_load_explicit(&cell->life, memory_order_acquire);
            continue;
        }
        /* Acquire (on success, as on failure): the load above is a guess
         * the CAS confirms; the lock we hold orders the list for the end,
         * which takes it after seeing WATCHED. */
        if (atomic_compare_exchange_weak_explicit(&cell->life, &life, life | ZACTOR__LIFE_WATCHED,
                                                  memory_order_acquire, memory_order_acquire))
            return true;
    }
}

/* zactor_monitor of a remote actor: the list holds the monitor as for a
 * local one (demonitor and zactor_down_take work alike); its node is told,
 * and its Down comes back from there (zactor__monitors_remote_down), or
 * from the peer's end (zactor__monitors_peer_down). */
static int monitor_remote(zactor_ctx *ctx, zactor__monitor *m, const zactor_actor_type *type,
                          uint64_t *id)
{
    zactor_system *sys = ctx->sys;
    zactor__monitors *monitors = &sys->monitors;
    m->target_type_name = type->name;
    pthread_mutex_lock(&monitors->lock);
    if (!monitors_reserve(monitors)) {
        pthread_mutex_unlock(&monitors->lock);
        return ZACTOR_ENOMEM;
    }
    m->id = ++monitors->last_id;
    /* Under the lock: a Down that comes back at once finds the monitor. */
    bool unreachable = zactor__node_monitor(m->target, m->watcher, m->id) != 0;
    zactor__monitor *listed = &monitors->items[monitors->count++];
    *listed = *m;
    if (unreachable) {
        zactor_end_reason reason = {ZACTOR_END_NODE_DOWN, 0};
        (void)fire(sys, monitors, listed, type->name, reason);
    }
    pthread_mutex_unlock(&monitors->lock);
    ctx->cell->flags |= ZACTOR__CELL_MONITORS;
    *id = m->id;
    return 0;
}

int zactor_monitor(zactor_ctx *ctx, zactor_ref ref, const zactor_actor_type *type, uint64_t *id)
{
    if (!id || !type || !ref.cell)
        return ZACTOR_EARG;
    const zactor_actor_type *self_type;
    uint32_t down_tag;
    int rc = watcher_of(ctx, &self_type, &down_tag);
    if (rc != 0)
        return rc;
    zactor_cell *self = ctx->cell;
    zactor_system *sys = ctx->sys;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    zactor__monitors *monitors = &sys->monitors;
    zactor__monitor m = {.target = ref,
                         .watcher = zactor_self(ctx),
                         .watcher_type = self_type,
                         .down_tag = down_tag};
    if (zactor__ref_is_proxy(ref))
        return monitor_remote(ctx, &m, type, id);
    zactor_cell *cell = ref.cell;
    pthread_mutex_lock(&monitors->lock);
    if (!monitors_reserve(monitors)) {
        pthread_mutex_unlock(&monitors->lock);
        return ZACTOR_ENOMEM;
    }
    m.id = ++monitors->last_id;
    bool ended = !mark_watched(cell, ref.generation);
    zactor__monitor *listed = &monitors->items[monitors->count++];
    *listed = m;
    /* Ended already: the Down goes now (or waits in the monitor). */
    if (ended)
        (void)fire(sys, monitors, listed, type->name, end_reason_left(sys, ref));
    pthread_mutex_unlock(&monitors->lock);
    self->flags |= ZACTOR__CELL_MONITORS;
    *id = m.id;
    return 0;
}

int zactor__spawn_monitored(zactor_ctx *ctx, const zactor_actor_type *type, const void *init,
                            zactor_ref *out, uint64_t *id)
{
    const zactor_actor_type *self_type;
    uint32_t down_tag;
    int rc = watcher_of(ctx, &self_type, &down_tag);
    if (rc != 0)
        return rc;
    zactor_system *sys = ctx->sys;
    zactor__monitors *monitors = &sys->monitors;
    /* The spawn publishes the actor already WATCHED, under the list's
     * lock: its end, however soon, takes the lock after we let it go and
     * finds the monitor, with the real reason (no window in which it could
     * end unwatched, or be recycled and leave ZACTOR_END_GONE). */
    pthread_mutex_lock(&monitors->lock);
    if (!monitors_reserve(monitors)) {
        pthread_mutex_unlock(&monitors->lock);
        return ZACTOR_ENOMEM;
    }
    zactor_ref ref = zactor__spawn(sys, type, init, ZACTOR__LIFE_WATCHED);
    if (zactor_ref_is_null(ref)) {
        pthread_mutex_unlock(&monitors->lock);
        return zactor_ref_error(ref);
    }
    zactor__monitor m = {.id = ++monitors->last_id,
                         .target = ref,
                         .watcher = zactor_self(ctx),
                         .watcher_type = self_type,
                         .down_tag = down_tag};
    monitors->items[monitors->count++] = m;
    pthread_mutex_unlock(&monitors->lock);
    ctx->cell->flags |= ZACTOR__CELL_MONITORS;
    *out = ref;
    *id = m.id;
    return 0;
}

int zactor_demonitor(zactor_ctx *ctx, uint64_t id)
{
    if (!ctx || !ctx->cell)
        return ZACTOR_EARG;
    zactor_ref self = zactor_self(ctx);
    zactor__monitors *monitors = &ctx->sys->monitors;
    int rc = ZACTOR_EARG;
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; i < monitors->count; i++) {
        if (monitors->items[i].id == id && refs_equal(monitors->items[i].watcher, self)) {
            if (monitors->items[i].target_type_name && !monitors->items[i].fired)
                zactor__node_demonitor(monitors->items[i].target, self, id);
            monitors_remove_at(ctx->sys, monitors, i);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&monitors->lock);
    return rc;
}

bool zactor_down_take(zactor_ctx *ctx, const zactor_down *down)
{
    if (!ctx || !ctx->cell || !down)
        return false;
    zactor_ref self = zactor_self(ctx);
    zactor__monitors *monitors = &ctx->sys->monitors;
    bool taken = false;
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; i < monitors->count; i++) {
        zactor__monitor *m = &monitors->items[i];
        if (m->id == down->monitor && m->fired && refs_equal(m->watcher, self)) {
            monitors_remove_at(ctx->sys, monitors, i);
            taken = true;
            break;
        }
    }
    pthread_mutex_unlock(&monitors->lock);
    return taken;
}

void zactor__monitors_actor_ended(zactor_cell *cell, uint64_t before, zactor_end_reason reason)
{
    bool watched = before & ZACTOR__LIFE_WATCHED;
    bool watching = cell->flags & ZACTOR__CELL_MONITORS;
    if (!watched && !watching)
        return;
    zactor_system *sys = cell->sys;
    zactor__monitors *monitors = &sys->monitors;
    zactor_ref ended = {cell, zactor__life_generation(before)};
    /* Relaxed: only this thread writes type while the cell is in use. */
    const char *type_name = atomic_load_explicit(&cell->type, memory_order_relaxed)->name;
    /* The Downs are sent under the lock, so that a demonitor that returns
     * has either removed the monitor before its Down went, or finds it
     * fired and removes it: the watcher's dispatch then drops the Down
     * (zactor_down_take). A send takes no monitor lock. */
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; i < monitors->count;) {
        zactor__monitor *m = &monitors->items[i];
        if (watching && refs_equal(m->watcher, ended)) {
            /* Its own monitors: nobody left to tell (but a remote
             * target's node, which keeps the monitor until told). */
            if (m->target_type_name && !m->fired)
                zactor__node_demonitor(m->target, ended, m->id);
            monitors_remove_at(sys, monitors, i);
            continue;
        }
        if (watched && !m->fired && refs_equal(m->target, ended)) {
            bool waits = fire(sys, monitors, m, type_name, reason);
            if (m->watcher_type == &zactor__proxy_type && !waits) {
                /* No dispatch on this node takes a remote watcher's Down. */
                monitors_remove_at(sys, monitors, i);
                continue;
            }
        }
        i++;
    }
    pthread_mutex_unlock(&monitors->lock);
}

int zactor__monitors_remote_add(zactor_system *sys, zactor_ref target, zactor_ref watcher,
                                uint64_t id)
{
    zactor__monitors *monitors = &sys->monitors;
    zactor__monitor m = {
        .id = id, .target = target, .watcher = watcher, .watcher_type = &zactor__proxy_type};
    pthread_mutex_lock(&monitors->lock);
    if (!monitors_reserve(monitors)) {
        pthread_mutex_unlock(&monitors->lock);
        return ZACTOR_ENOMEM;
    }
    bool ended = !mark_watched(target.cell, target.generation);
    zactor__monitor *listed = &monitors->items[monitors->count++];
    *listed = m;
    /* Ended already: its Down goes now, and nothing stays listed unless it
     * waits. */
    if (ended && !fire(sys, monitors, listed, "", end_reason_left(sys, target)))
        monitors->count--;
    pthread_mutex_unlock(&monitors->lock);
    return 0;
}

void zactor__monitors_remote_gone(zactor_system *sys, zactor_ref watcher, uint64_t id)
{
    zactor__monitors *monitors = &sys->monitors;
    zactor__monitor m = {.id = id, .watcher = watcher, .watcher_type = &zactor__proxy_type};
    zactor_end_reason gone = {ZACTOR_END_GONE, 0};
    pthread_mutex_lock(&monitors->lock);
    if (monitors_reserve(monitors)) {
        zactor__monitor *listed = &monitors->items[monitors->count++];
        *listed = m;
        if (!fire(sys, monitors, listed, "", gone))
            monitors->count--;
    } else {
        /* Nowhere to wait: one try (notice.c, what can still be lost). */
        m.fired = true;
        m.down_type_name = "";
        m.reason = gone;
        if (down_try(&m) == ZACTOR_ENOMEM)
            zactor__notice_lost(sys);
    }
    pthread_mutex_unlock(&monitors->lock);
}

void zactor__monitors_remote_remove(zactor_system *sys, zactor_ref watcher, uint64_t id)
{
    zactor__monitors *monitors = &sys->monitors;
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; i < monitors->count; i++) {
        if (monitors->items[i].id == id && refs_equal(monitors->items[i].watcher, watcher)) {
            monitors_remove_at(sys, monitors, i);
            break;
        }
    }
    pthread_mutex_unlock(&monitors->lock);
}

void zactor__monitors_remote_down(zactor_system *sys, zactor_ref watcher, uint64_t id,
                                  zactor_end_reason reason)
{
    zactor__monitors *monitors = &sys->monitors;
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; i < monitors->count; i++) {
        zactor__monitor *m = &monitors->items[i];
        if (m->id == id && m->target_type_name && !m->fired && refs_equal(m->watcher, watcher)) {
            (void)fire(sys, monitors, m, m->target_type_name, reason);
            break;
        }
    }
    pthread_mutex_unlock(&monitors->lock);
}

void zactor__monitors_peer_down(zactor_system *sys,
                                bool (*of_peer)(zactor_ref ref, const void *peer), const void *peer)
{
    zactor__monitors *monitors = &sys->monitors;
    zactor_end_reason reason = {ZACTOR_END_NODE_DOWN, 0};
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; i < monitors->count;) {
        zactor__monitor *m = &monitors->items[i];
        if (m->watcher_type == &zactor__proxy_type && of_peer(m->watcher, peer)) {
            monitors_remove_at(sys, monitors, i);
            continue;
        }
        if (m->target_type_name && !m->fired && of_peer(m->target, peer))
            (void)fire(sys, monitors, m, m->target_type_name, reason);
        i++;
    }
    pthread_mutex_unlock(&monitors->lock);
}

uint64_t zactor__monitors_next_waiting(zactor__monitors *monitors, uint64_t after,
                                       zactor_cell **watcher)
{
    uint64_t next = 0;
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; monitors->waiting && i < monitors->count; i++) {
        const zactor__monitor *m = &monitors->items[i];
        if (m->waiting && m->seq > after && (next == 0 || m->seq < next)) {
            next = m->seq;
            *watcher = m->watcher.cell;
        }
    }
    pthread_mutex_unlock(&monitors->lock);
    return next;
}

int zactor__monitors_resend(zactor_system *sys, uint64_t seq)
{
    zactor__monitors *monitors = &sys->monitors;
    int rc = 0;
    pthread_mutex_lock(&monitors->lock);
    for (size_t i = 0; monitors->waiting && i < monitors->count; i++) {
        zactor__monitor *m = &monitors->items[i];
        if (!m->waiting || m->seq != seq)
            continue;
        /* Under the lock, as every Down: see zactor__monitors_actor_ended. */
        rc = down_try(m);
        if (rc == ZACTOR_ENOMEM)
            break;
        m->waiting = false;
        monitors->waiting--;
        zactor__notice_done(sys);
        if (m->watcher_type == &zactor__proxy_type)
            monitors_remove_at(sys, monitors, i);
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&monitors->lock);
    return rc;
}
