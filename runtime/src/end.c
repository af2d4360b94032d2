/* end.c - how actors end: zactor_stop and zactor_fail from the actor's own
 * handler, zactor_kill from anyone, and the reason `on stop` sees.
 *
 * A kill sets KILL in the target's life word with the CAS that checks its
 * generation and ALIVE (life.h), holding the kill list's lock, and adds its
 * code to the list before letting go: so the worker that sees KILL and
 * then takes the lock always finds the code. The worker notices the kill
 * after the handler it is running (the cell's asks, on the owner's line), at
 * the start of a turn, or at the latest when the turn's end finds KILL in
 * the life word and ends the actor there. */
#include "end.h"

#include "alloc.h"
#include "node.h"

#include <stdlib.h>

#include "array.h"
#include "scheduler.h"
#include "system.h"
#include "worker.h"

int zactor__kills_init(zactor__kills *kills)
{
    kills->items = NULL;
    kills->count = 0;
    kills->capacity = 0;
    return pthread_mutex_init(&kills->lock, NULL) == 0 ? 0 : -1;
}

void zactor__kills_destroy(zactor__kills *kills)
{
    zactor__free(kills->items);
    pthread_mutex_destroy(&kills->lock);
}

/* Under the lock: room for one more entry. */
static bool kills_reserve(zactor__kills *kills)
{
    zactor__kill *items =
        zactor__array_grow(kills->items, &kills->capacity, kills->count, sizeof *items);
    if (!items)
        return false;
    kills->items = items;
    return true;
}

/* Under the lock: the entry of cell's generation, or NULL. */
static zactor__kill *kills_find(zactor__kills *kills, const zactor_cell *cell, uint32_t generation)
{
    for (size_t i = 0; i < kills->count; i++)
        if (kills->items[i].cell == cell && kills->items[i].generation == generation)
            return &kills->items[i];
    return NULL;
}

void zactor_fail(zactor_ctx *ctx, int code)
{
    if (!ctx || !ctx->cell)
        return;
    ctx->cell->flags |= ZACTOR__CELL_FAILED;
    ctx->fail_code = code;
    /* Relaxed: read by this same thread when the handler returns. An RMW,
     * since a kill may set its bit meanwhile. */
    atomic_fetch_or_explicit(&ctx->cell->asks, ZACTOR__ASK_STOP, memory_order_relaxed);
}

void zactor_stop(zactor_ctx *ctx)
{
    if (!ctx || !ctx->cell)
        return;
    ctx->cell->flags = (uint8_t)(ctx->cell->flags & ~ZACTOR__CELL_FAILED);
    /* Relaxed: as in zactor_fail. */
    atomic_fetch_or_explicit(&ctx->cell->asks, ZACTOR__ASK_STOP, memory_order_relaxed);
}

int zactor_kill(zactor_ref ref, int code)
{
    zactor_cell *cell = ref.cell;
    if (!cell)
        return ZACTOR_EARG;
    zactor_system *sys = cell->sys;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    if (zactor__ref_is_proxy(ref))
        return zactor__node_kill(ref, code);
    zactor__kills *kills = &sys->kills;
    pthread_mutex_lock(&kills->lock);
    if (!kills_reserve(kills)) {
        pthread_mutex_unlock(&kills->lock);
        return ZACTOR_ENOMEM;
    }
    /* Acquire: as a send's, so that what spawn published is visible. */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_acquire);
    uint64_t killed;
    for (;;) {
        if (zactor__life_generation(life) != ref.generation || !(life & ZACTOR__LIFE_ALIVE)) {
            pthread_mutex_unlock(&kills->lock);
            return ZACTOR_EDEAD;
        }
        if (life & ZACTOR__LIFE_KILL) {
            /* Killed already: the first kill's code stands. */
            pthread_mutex_unlock(&kills->lock);
            return 0;
        }
        if (life & ZACTOR__LIFE_LOCKED) {
            /* The consumer is replacing or freeing the ring with plain
             * stores of the word (senders wait too): a few instructions. */
            zactor__cpu_relax();
            life = atomic_load_explicit(&cell->life, memory_order_acquire);
            continue;
        }
        killed = life | ZACTOR__LIFE_KILL | ZACTOR__LIFE_RUNNABLE;
        /* Release: the worker that sees KILL (its turn's CAS or load
         * acquires the word) then finds our entry under the lock; acquire
         * on failure, as the load above. */
        if (atomic_compare_exchange_weak_explicit(&cell->life, &life, killed, memory_order_release,
                                                  memory_order_acquire))
            break;
    }
    kills->items[kills->count++] = (zactor__kill){cell, ref.generation, code};
    pthread_mutex_unlock(&kills->lock);
    /* Release: a turn that acquires the hint then sees KILL in the word. */
    atomic_fetch_or_explicit(&cell->asks, ZACTOR__ASK_KILL, memory_order_release);
    if (!(life & ZACTOR__LIFE_RUNNABLE)) {
        /* It was idle: like a send that finds it so, schedule it. */
        zactor__worker *worker = zactor__worker_of(sys);
        zactor__system_activate(sys, worker);
        zactor__schedule(sys, cell);
    }
    return 0;
}

zactor_end_reason zactor__end_reason(zactor_cell *cell, const zactor_ctx *ctx,
                                     zactor_end_kind otherwise)
{
    /* Relaxed: STOP is set by this thread (the turn's handler). */
    if (atomic_load_explicit(&cell->asks, memory_order_relaxed) & ZACTOR__ASK_STOP) {
        if (cell->flags & ZACTOR__CELL_FAILED)
            return (zactor_end_reason){ZACTOR_END_FAILED, ctx->fail_code};
        return (zactor_end_reason){ZACTOR_END_NORMAL, 0};
    }
    /* Relaxed: the KILL bit was made visible to this thread by what
     * brought it here (the kill hint's acquire, a queue's handoff, the
     * joined workers of destroy). */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_relaxed);
    if (life & ZACTOR__LIFE_KILL) {
        zactor__kills *kills = &cell->sys->kills;
        pthread_mutex_lock(&kills->lock);
        zactor__kill *kill = kills_find(kills, cell, zactor__life_generation(life));
        int code = kill ? kill->code : 0;
        pthread_mutex_unlock(&kills->lock);
        return (zactor_end_reason){ZACTOR_END_KILLED, code};
    }
    return (zactor_end_reason){otherwise, 0};
}

void zactor__kill_forget(zactor_system *sys, zactor_cell *cell, uint32_t generation)
{
    zactor__kills *kills = &sys->kills;
    pthread_mutex_lock(&kills->lock);
    zactor__kill *kill = kills_find(kills, cell, generation);
    if (kill)
        *kill = kills->items[--kills->count];
    pthread_mutex_unlock(&kills->lock);
}

zactor_end_reason zactor_ctx_end_reason(const zactor_ctx *ctx)
{
    if (!ctx)
        return (zactor_end_reason){ZACTOR_END_NONE, 0};
    return ctx->ending;
}
