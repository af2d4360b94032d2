/* worker.c - worker threads: the loop, one actor turn, batching, ctx. */
#include "worker.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "alloc.h"
#include "dead_letter.h"
#include "end.h"
#include "scheduler.h"
#include "system.h"

/*
 * Adaptive batching. A turn handles at most cell->batch_limit messages, so
 * that one flooded actor cannot hold a worker while others wait. The limit
 * follows the cost of the actor's messages: a turn cut short by the limit
 * (a backlog remains) measures how long its messages took and sets the
 * limit to what fits in TURN_TARGET_NS, within [BATCH_MIN, BATCH_MAX]; at
 * most doubling per turn, so one fast stretch does not produce a long turn
 * for slow messages. Turns that empty the mailbox keep the limit. The clock
 * is read only once a turn has handled BATCH_CLOCK_AT messages: short turns,
 * the common case of request/reply traffic, never pay for it.
 */
#define BATCH_MIN 16u
#define BATCH_MAX 1024u
#define BATCH_CLOCK_AT 8u
#define TURN_TARGET_NS 20000u
/* Deterministic mode draws each turn's limit from [1, DETERMINISTIC_BATCH]. */
#define DETERMINISTIC_BATCH 64u
_Static_assert(BATCH_CLOCK_AT < BATCH_MIN, "a turn cut by the limit has a measured stretch");
_Static_assert(ZACTOR__BATCH_INITIAL >= BATCH_MIN && ZACTOR__BATCH_INITIAL <= BATCH_MAX,
               "the first turn's limit is in range");

_Thread_local zactor__worker *zactor__current_worker;

static uint64_t monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* measured messages took elapsed_ns: the limit for the actor's next turn. */
static uint32_t next_batch_limit(uint32_t limit, uint64_t measured, uint64_t elapsed_ns)
{
    uint64_t per_message = elapsed_ns / measured;
    uint64_t fits = per_message ? TURN_TARGET_NS / per_message : BATCH_MAX;
    if (fits > 2u * limit)
        fits = 2u * limit;
    if (fits < BATCH_MIN)
        fits = BATCH_MIN;
    if (fits > BATCH_MAX)
        fits = BATCH_MAX;
    return (uint32_t)fits;
}

/* A handler's send went past a backpressure bound (flow.c): the turn
 * ends after that handler. */
static bool mute_asked(zactor_cell *cell)
{
    /* Relaxed: set by this thread (actor.c, went_past_bound). */
    return atomic_load_explicit(&cell->asks, memory_order_relaxed) & ZACTOR__ASK_MUTE;
}

/* The end of a turn that asked for a mute: true when the actor is muted
 * now (it stays RUNNABLE and active, held by flow.c until the receiver
 * drains), false when it ends its turn as usual. */
static ZACTOR__OUT_OF_LINE bool end_muted(zactor__worker *worker, zactor_cell *cell)
{
    /* Relaxed: only this thread sets MUTE; a kill's bit stays. */
    atomic_fetch_and_explicit(&cell->asks, (uint8_t)~ZACTOR__ASK_MUTE, memory_order_relaxed);
    return zactor__flow_mute(worker, cell);
}

/* The counters of a turn that handled `handled` messages, `dead` of them
 * dead letters. */
static inline void count_turn(zactor__worker *worker, uint32_t handled, uint32_t dead)
{
    zactor__count_owned(&worker->counters.turns, 1);
    zactor__count_owned(&worker->counters.messages, handled - dead);
    zactor__count_owned(&worker->counters.batches[zactor__batch_bucket(handled)], 1);
}

/* A bounded actor's turn handed back what it handled: muted senders and
 * waiting threads may go on. */
static inline void turn_drained(zactor_system *sys, zactor_cell *cell,
                                const zactor_actor_type *type)
{
    if (type->mailbox_bound)
        zactor__flow_drained(sys, cell);
}

/* A handler asked for a mute: the turn ends after it, having handled
 * `handled` messages (`dead` of them dead letters), without adapting the
 * batch limit. Out of line, so that the common turn's end has no test
 * for it. */
static ZACTOR__OUT_OF_LINE void end_turn_muted(zactor__worker *worker, zactor_cell *cell,
                                               const zactor_actor_type *type,
                                               zactor__mailbox_cursor *cursor, uint32_t handled,
                                               uint32_t dead)
{
    uint32_t head = zactor__mailbox_close(cursor);
    turn_drained(worker->sys, cell, type);
    worker->ctx.cell = NULL;
    count_turn(worker, handled, dead);
    if (!end_muted(worker, cell))
        zactor__actor_end_turn(worker, cell, head, true);
}

/* The start of a turn found an ask: a kill (the actor ends before any
 * message), or a mute asked by `on start` (the turn ends before any
 * message: true when the actor is muted now). Out of line: rare. */
static ZACTOR__OUT_OF_LINE bool start_asked(zactor__worker *worker, zactor_cell *cell)
{
    zactor__actor_end_if_asked(cell, &worker->ctx);
    if (!mute_asked(cell))
        return false;
    zactor__outbox_close(worker);
    if (!end_muted(worker, cell))
        return false;
    worker->ctx.cell = NULL;
    count_turn(worker, 0, 0);
    return true;
}

static void run_turn(zactor__worker *worker, zactor_cell *cell)
{
    zactor_system *sys = worker->sys;
    zactor_ctx *ctx = &worker->ctx;
    ctx->cell = cell;
    /* Relaxed: written before the cell was first scheduled, and the queue
     * that handed us the cell synchronised with that. */
    const zactor_actor_type *type = atomic_load_explicit(&cell->type, memory_order_relaxed);
    bool starting = !(cell->flags & ZACTOR__CELL_STARTED);
    zactor__actor_start(cell, ctx);
    /* A kill that scheduled an idle actor: it ends before any message. */
    if (zactor__end_asked(cell) && start_asked(worker, cell))
        return;
    zactor__outbox_close(worker);
    /* Deterministic mode varies where turns end, to explore interleavings. */
    uint32_t limit = worker->schedule.deterministic
                         ? 1u + (uint32_t)(zactor__worker_random(worker) % DETERMINISTIC_BATCH)
                         : cell->batch_limit;
    uint64_t clock_start = 0;
    uint32_t handled = 0;
    uint32_t dead = 0;
    zactor__mailbox_cursor cursor;
    zactor__mailbox_open(&cursor, &cell->mailbox, &cell->reader, &cell->life, &sys->pool,
                         &worker->cache);
    zactor__envelope envelope;
    for (; handled < limit && !zactor__system_stopping(sys) &&
           zactor__mailbox_take(&cursor, &envelope);
         handled++) {
        if (handled == BATCH_CLOCK_AT)
            clock_start = monotonic_ns();
        /* One test for both rare cases: a stopped actor's dead letters, and
         * the firing of a timer cancelled since it was queued (timer.c:
         * skipped, neither handled nor a dead letter; it owns nothing). */
        if (cell->flags & (ZACTOR__CELL_STOPPED | ZACTOR__CELL_SKIP)) {
            if (cell->flags & ZACTOR__CELL_SKIP)
                cell->flags &= (uint8_t)~ZACTOR__CELL_SKIP;
            else
                zactor__dead_letter(sys, type, envelope.tag, envelope.payload);
            dead++;
        } else {
            type->handlers[envelope.tag].handle(cell->state, ctx, envelope.payload);
            /* What the handler sent leaves with it, not with the turn. */
            zactor__outbox_close(worker);
            if (zactor__end_asked(cell)) {
                zactor__actor_end_if_asked(cell, ctx);
                zactor__outbox_close(worker);
                if (mute_asked(cell)) {
                    zactor__mailbox_release(&cursor, &envelope);
                    end_turn_muted(worker, cell, type, &cursor, handled + 1, dead);
                    return;
                }
            }
        }
        zactor__mailbox_release(&cursor, &envelope);
    }
    /* Every handler and hook delivered its outbox when it returned. */
    ZACTOR__INVARIANT(worker->outbox.count == 0);
    uint32_t head = zactor__mailbox_close(&cursor);
    turn_drained(sys, cell, type);
    ctx->cell = NULL;
    if (handled == limit && !worker->schedule.deterministic)
        cell->batch_limit = (uint16_t)next_batch_limit(limit, handled - BATCH_CLOCK_AT,
                                                       monotonic_ns() - clock_start);
    count_turn(worker, handled, dead);
    zactor__actor_end_turn(worker, cell, head, starting || handled > 0);
}

void zactor__worker_note_idle(zactor__worker *worker, zactor_cell *cell)
{
    /* Actors that take turns here (a ping-pong pair) are noted once: they
     * are not idle long, and their rings stay until the worker runs dry. */
    uint32_t n = worker->idle_count;
    if ((n > 0 && worker->idle_cells[n - 1] == cell) ||
        (n > 1 && worker->idle_cells[n - 2] == cell))
        return;
    worker->idle_cells[worker->idle_count++] = cell;
    if (worker->idle_count == ZACTOR__TRIM_BATCH)
        zactor__worker_trim_idle(worker);
}

void zactor__worker_trim_idle(zactor__worker *worker)
{
    for (uint32_t i = 0; i < worker->idle_count; i++)
        zactor__actor_trim(worker, worker->idle_cells[i]);
    worker->idle_count = 0;
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
        pthread_cond_destroy(&sched->workers[i].park.cond);
        zactor__pool_cache_release(&sched->workers[i].cache);
    }
    zactor__free(sched->workers);
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
    sched->workers = zactor__aligned_alloc(ZACTOR__CACHE_LINE, bytes);
    if (!sched->workers)
        return ZACTOR_ENOMEM;
    memset(sched->workers, 0, bytes);
    unsigned initialised = 0;
    for (; initialised < count; initialised++) {
        zactor__worker *worker = &sched->workers[initialised];
        if (zactor__deque_init(&worker->deque) != 0)
            break;
        if (pthread_cond_init(&worker->park.cond, NULL) != 0) {
            zactor__deque_destroy(&worker->deque);
            break;
        }
        worker->sys = sys;
        worker->ctx.sys = sys;
        worker->index = initialised;
        worker->schedule.node = zactor__scheduler_worker_node(sched, initialised);
        worker->cache.node = worker->schedule.node;
        worker->schedule.deterministic = deterministic_seed != 0;
        worker->schedule.rng = deterministic_seed ? deterministic_seed
                                                  : 0x9E3779B97F4A7C15u * (initialised + 1u);
    }
    /* Thieves scan all workers: every deque exists before any thread runs. */
    sched->worker_count = initialised;
    if (initialised < count) {
        /* A deque that could not be allocated (a condition variable of
         * the default kind cannot fail to initialise on Linux). */
        free_workers(sched, initialised);
        return ZACTOR_ENOMEM;
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
        return ZACTOR_EAGAIN;
    }
    return 0;
}

void zactor__workers_join(zactor_system *sys)
{
    zactor__scheduler *sched = &sys->sched;
    join_workers(sched, sched->worker_count);
    free_workers(sched, sched->worker_count);
}
