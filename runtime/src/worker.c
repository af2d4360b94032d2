/* worker.c - worker threads: the loop, one actor turn, batching, ctx. */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include "actor.h"
#include "dead_letter.h"
#include "scheduler.h"
#include "system.h"

/* Messages one turn handles before the actor goes back to a queue, so that
 * one busy actor cannot hold a worker forever. */
#define TURN_BATCH 64u

_Thread_local zactor__worker *zactor__current_worker;

static void run_turn(zactor__worker *worker, zactor_cell *cell)
{
    zactor_system *sys = worker->sys;
    zactor_ctx *ctx = &worker->ctx;
    ctx->cell = cell;
    /* Relaxed: written before the cell was first scheduled, and the queue
     * that handed us the cell synchronised with that. */
    const zactor_actor_type *type = atomic_load_explicit(&cell->type, memory_order_relaxed);
    uint64_t consumed = zactor__actor_start(cell, ctx);
    /* Deterministic mode varies where turns end, to explore interleavings. */
    unsigned batch = worker->deterministic
                         ? 1u + (unsigned)(zactor__worker_random(worker) % TURN_BATCH)
                         : TURN_BATCH;
    zactor__envelope envelope;
    for (unsigned handled = 0; handled < batch && !zactor__system_stopping(sys) &&
                               zactor__mailbox_take(&cell->mailbox, &cell->reader, &envelope);
         handled++) {
        if (cell->flags & ZACTOR__CELL_STOPPED) {
            zactor__dead_letter(sys, type, envelope.tag, envelope.payload);
        } else {
            type->handlers[envelope.tag].handle(cell->state, ctx, envelope.payload);
            if (cell->flags & ZACTOR__CELL_STOP_REQUESTED)
                zactor__actor_stop_now(cell, ctx);
        }
        zactor__mailbox_release(&envelope, &sys->pool, &worker->cache);
        consumed++;
    }
    ctx->cell = NULL;
    zactor__actor_end_turn(worker, cell, consumed);
}

static void *worker_main(void *arg)
{
    zactor__worker *worker = arg;
    zactor__current_worker = worker;
    zactor_cell *cell;
    while ((cell = zactor__scheduler_next(worker)) != NULL) {
        /* A cell taken after stop stays where it is: destroy frees all cells. */
        if (zactor__system_stopping(worker->sys))
            break;
        run_turn(worker, cell);
    }
    zactor__current_worker = NULL;
    return NULL;
}

static void free_workers(zactor__scheduler *sched, unsigned initialised)
{
    for (unsigned i = 0; i < initialised; i++) {
        zactor__deque_destroy(&sched->workers[i].deque);
        zactor__pool_cache_release(&sched->workers[i].cache);
    }
    free(sched->workers);
    sched->workers = NULL;
    sched->worker_count = 0;
}

static void join_workers(zactor__scheduler *sched, unsigned started)
{
    for (unsigned i = 0; i < started; i++)
        pthread_join(sched->workers[i].thread, NULL);
}

int zactor__workers_start(zactor_system *sys, unsigned count, uint64_t deterministic_seed)
{
    zactor__scheduler *sched = &sys->sched;
    size_t bytes = (size_t)count * sizeof(zactor__worker);
    sched->workers = aligned_alloc(ZACTOR__CACHE_LINE, bytes);
    if (!sched->workers)
        return -1;
    memset(sched->workers, 0, bytes);
    unsigned initialised = 0;
    for (; initialised < count; initialised++) {
        zactor__worker *worker = &sched->workers[initialised];
        if (zactor__deque_init(&worker->deque) != 0)
            break;
        worker->sys = sys;
        worker->ctx.sys = sys;
        worker->index = initialised;
        worker->deterministic = deterministic_seed != 0;
        worker->rng = deterministic_seed ? deterministic_seed
                                         : 0x9E3779B97F4A7C15u * (initialised + 1u);
    }
    /* Thieves scan all workers: every deque exists before any thread runs. */
    sched->worker_count = initialised;
    if (initialised < count) {
        free_workers(sched, initialised);
        return -1;
    }
    unsigned started = 0;
    for (; started < count; started++) {
        zactor__worker *worker = &sched->workers[started];
        if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0)
            break;
        if (sys->topology)
            zactor__topology_pin(sys->topology, worker->thread, started);
    }
    if (started < count) {
        zactor_system_stop(sys);
        join_workers(sched, started);
        free_workers(sched, count);
        return -1;
    }
    return 0;
}

void zactor__workers_join(zactor_system *sys)
{
    zactor__scheduler *sched = &sys->sched;
    join_workers(sched, sched->worker_count);
    free_workers(sched, sched->worker_count);
}
