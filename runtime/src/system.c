/* system.c - create, wait, stop, destroy, and quiescence.
 *
 * Quiescence: `active` counts actors that are scheduled or running. It is
 * raised when an actor becomes runnable (spawn, or the send whose CAS set
 * RUNNABLE in its life word) before the actor is queued, and lowered when a turn leaves the actor
 * idle. A sender inside a handler raises it before its own actor's turn can
 * lower it, so it reads 0 only when no handler runs and no live actor has a
 * queued message or a pending `on start`.
 *
 * Workers defer their decrements: a turn that leaves its actor idle adds
 * one to the worker's `deferred_idle` instead of touching `active`, and the
 * worker's next activation takes one back from it rather than incrementing
 * `active`. So `active` minus every worker's deferred_idle is the true
 * count, and `active` never reads less than it: wait never returns early.
 * A worker hands its deferred count to `active` as soon as it runs out of
 * work (zactor__system_flush_idle, before it searches), so once the system
 * is quiescent every worker has flushed and `active` reads 0. In steady
 * request/reply traffic each idle transition pays for the next activation
 * and the shared counter's cache line stays put, where every turn used to
 * move it between cores twice. */
#include "system.h"

#include "alloc.h"
#include "io_watch.h"
#include "node.h"

#include <stdlib.h>
#include <string.h>

#include "worker.h"

static void config_defaults(zactor_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->size = sizeof *cfg;
    cfg->workers = 0;
    cfg->pin_threads = true;
    cfg->deterministic_seed = 0;
    cfg->dead_letter_hook = NULL;
    cfg->dead_letter_user = NULL;
    cfg->topology = NULL;
}

void zactor_config_init_sized(zactor_config *cfg, size_t size)
{
    if (!cfg || size < sizeof cfg->size)
        return;
    zactor_config defaults;
    config_defaults(&defaults);
    /* The caller's struct may be older (smaller) or newer (larger) than
     * ours: fill what both know, zero the newer caller's tail (the default
     * of every field added later), and remember the caller's size. */
    size_t known = size < sizeof defaults ? size : sizeof defaults;
    memcpy(cfg, &defaults, known);
    if (size > known)
        memset((char *)cfg + known, 0, size - known);
    cfg->size = size;
}

/* The caller's config as this library's zactor_config: the fields the
 * caller's (older) header did not have keep their defaults. ZACTOR_EARG
 * when a newer header's field we do not have is set (not 0). */
static int read_config(const zactor_config *cfg, zactor_config *out)
{
    config_defaults(out);
    if (!cfg)
        return 0;
    /* 0: filled without zactor_config_init, e.g. `= {0}`: our layout. */
    size_t size = cfg->size ? cfg->size : sizeof *out;
    if (size < sizeof cfg->size)
        return ZACTOR_EARG;
    size_t known = size < sizeof *out ? size : sizeof *out;
    memcpy(out, cfg, known);
    for (size_t i = known; i < size; i++)
        if (((const unsigned char *)cfg)[i] != 0)
            return ZACTOR_EARG;
    out->size = sizeof *out;
    return 0;
}

void zactor__system_activate(zactor_system *sys, zactor__worker *worker)
{
    if (worker && worker->quiescence.deferred_idle > 0) {
        worker->quiescence.deferred_idle--;
        return;
    }
    /* Relaxed: the decrement that matches this increment happens after it
     * (through the queue that hands the actor to a worker), so the count's
     * modification order never shows it early; wait's acquire pairs with the
     * decrements, which are RMWs and so extend every release sequence. */
    atomic_fetch_add_explicit(&sys->active, 1, memory_order_relaxed);
}

/* Lowers `active` by count; wakes zactor_system_wait when it reaches 0. */
static void lower_active(zactor_system *sys, uint64_t count)
{
    /* Seq_cst (release is what the happens-before needs): with the seq_cst
     * increment of waiters in zactor_system_wait, either the waiter sees 0
     * or we see the waiter and wake it. */
    uint64_t before = atomic_fetch_sub_explicit(&sys->active, count, memory_order_seq_cst);
    /* Each actor is counted once while scheduled or running, and taken off
     * once when it goes idle: never more off than on. */
    ZACTOR__INVARIANT(before >= count);
    if (before != count)
        return;
    if (atomic_load_explicit(&sys->waiters, memory_order_seq_cst) == 0)
        return;
    pthread_mutex_lock(&sys->wait_lock);
    pthread_cond_broadcast(&sys->wait_cond);
    pthread_mutex_unlock(&sys->wait_lock);
}

void zactor__system_busy_timers(zactor_system *sys)
{
    zactor__system_activate(sys, NULL);
}

void zactor__system_idle_timers(zactor_system *sys)
{
    lower_active(sys, 1);
}

void zactor__system_deactivate(zactor__worker *worker)
{
    worker->quiescence.deferred_idle++;
}

void zactor__system_flush_idle(zactor__worker *worker)
{
    if (worker->quiescence.deferred_idle == 0)
        return;
    uint64_t count = worker->quiescence.deferred_idle;
    worker->quiescence.deferred_idle = 0;
    lower_active(worker->sys, count);
}

uint64_t zactor__system_rings_trimmed(const zactor_system *sys)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < sys->sched.worker_count; i++)
        total += zactor__counter_read(&sys->sched.workers[i].counters.rings_trimmed);
    return total;
}

uint64_t zactor__system_outbox_sends(const zactor_system *sys)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < sys->sched.worker_count; i++)
        total += zactor__counter_read(&sys->sched.workers[i].counters.outbox_sends);
    return total;
}

uint64_t zactor__system_overflow_letters(const zactor_system *sys)
{
    /* Relaxed: a statistic. */
    return atomic_load_explicit(&sys->overflow_letters, memory_order_relaxed);
}

static int init_sync(zactor_system *sys)
{
    if (pthread_mutex_init(&sys->wait_lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&sys->wait_cond, NULL) != 0) {
        pthread_mutex_destroy(&sys->wait_lock);
        return -1;
    }
    return 0;
}

static void destroy_sync(zactor_system *sys)
{
    pthread_cond_destroy(&sys->wait_cond);
    pthread_mutex_destroy(&sys->wait_lock);
}

int zactor_system_start(const zactor_config *caller_cfg, zactor_system **out)
{
    if (!out)
        return ZACTOR_EARG;
    *out = NULL;
    zactor_config config;
    int rc = read_config(caller_cfg, &config);
    if (rc != 0)
        return rc;
    const zactor_config *cfg = &config;
    zactor_system *sys = zactor__aligned_alloc(ZACTOR__CACHE_LINE, sizeof *sys);
    if (!sys)
        return ZACTOR_ENOMEM;
    memset(sys, 0, sizeof *sys);
    atomic_init(&sys->active, 0);
    atomic_init(&sys->waiters, 0);
    atomic_init(&sys->stopping, false);
    atomic_init(&sys->dead_letters, 0);
    atomic_init(&sys->overflow_letters, 0);
    atomic_init(&sys->sent_outside, 0);
    zactor__notices_init(&sys->notices);
    sys->dead_letter_hook = cfg->dead_letter_hook;
    sys->dead_letter_user = cfg->dead_letter_user;
    /* Worker count, NUMA nodes, and the topology kept for pinning. */
    zactor__layout layout;
    rc = zactor__layout_plan(&layout, cfg, &sys->topology);
    if (rc != 0) {
        zactor__free(sys);
        return rc;
    }

    rc = ZACTOR_ENOMEM;
    unsigned workers = layout.workers, nodes = layout.node_count;
    if (zactor__scheduler_init(&sys->sched, &layout) != 0)
        goto fail_sched;
    if (init_sync(sys) != 0)
        goto fail_sync;
    if (zactor__asks_init(&sys->asks) != 0)
        goto fail_asks;
    if (zactor__kills_init(&sys->kills) != 0)
        goto fail_kills;
    if (zactor__monitors_init(&sys->monitors) != 0)
        goto fail_monitors;
    if (zactor__names_init(&sys->names) != 0)
        goto fail_names;
    if (zactor__requests_init(&sys->requests) != 0)
        goto fail_requests;
    if (zactor__promises_init(&sys->promises) != 0)
        goto fail_promises;
    if (zactor__pool_init(&sys->pool, nodes, sys->topology) != 0)
        goto fail_pool;
    if (zactor__cells_init(&sys->cells) != 0)
        goto fail_cells;
    if (zactor__timers_init(&sys->timers, sys, cfg->deterministic_seed != 0) != 0)
        goto fail_timers;
    if (zactor__flow_init(&sys->flow) != 0)
        goto fail_flow;
    if (zactor__io_init(&sys->io, sys->topology) != 0)
        goto fail_io;
    if (zactor__io_watches_init(&sys->io_watches) != 0)
        goto fail_io_watches;
    atomic_init(&sys->node, NULL);
    rc = zactor__workers_start(sys, workers, cfg->deterministic_seed);
    if (rc != 0)
        goto fail_workers;
    rc = ZACTOR_EAGAIN;
    if (zactor__timers_start(&sys->timers) != 0) {
        zactor_system_stop(sys);
        zactor__workers_join(sys);
        goto fail_workers;
    }
    *out = sys;
    return 0;

fail_workers:
    zactor__actors_shutdown(sys);
    zactor__io_watches_destroy(&sys->io_watches);
fail_io_watches:
    zactor__io_destroy(&sys->io);
fail_io:
    zactor__flow_destroy(&sys->flow);
fail_flow:
    zactor__timers_destroy(&sys->timers);
fail_timers:
    pthread_mutex_destroy(&sys->cells.lock); /* no cell was handed out */
fail_cells:
    zactor__pool_destroy(&sys->pool);
fail_pool:
    zactor__promises_destroy(&sys->promises);
fail_promises:
    zactor__requests_destroy(&sys->requests);
fail_requests:
    zactor__names_destroy(&sys->names);
fail_names:
    zactor__monitors_destroy(&sys->monitors);
fail_monitors:
    zactor__kills_destroy(&sys->kills);
fail_kills:
    zactor__asks_destroy(&sys->asks);
fail_asks:
    destroy_sync(sys);
fail_sync:
    zactor__scheduler_destroy(&sys->sched);
fail_sched:
    zactor__topology_close(sys->topology);
    zactor__free(sys);
    return rc;
}

zactor_system *zactor_system_create(const zactor_config *cfg)
{
    zactor_system *sys;
    return zactor_system_start(cfg, &sys) == 0 ? sys : NULL;
}

int zactor_system_wait(zactor_system *sys)
{
    if (!sys)
        return ZACTOR_EARG;
    if (zactor__current_worker)
        return ZACTOR_EDEADLK;
    pthread_mutex_lock(&sys->wait_lock);
    /* Seq_cst: see lower_active. */
    atomic_fetch_add_explicit(&sys->waiters, 1, memory_order_seq_cst);
    /* Seq_cst loads (acquire is what the happens-before needs): reading 0
     * synchronises with every turn's releasing decrement. */
    while (atomic_load_explicit(&sys->active, memory_order_seq_cst) != 0 &&
           !atomic_load_explicit(&sys->stopping, memory_order_seq_cst))
        pthread_cond_wait(&sys->wait_cond, &sys->wait_lock);
    /* Relaxed: an extra broadcast while the count is stale is harmless. */
    atomic_fetch_sub_explicit(&sys->waiters, 1, memory_order_relaxed);
    /* Relaxed: under wait_lock, which zactor_system_stop takes after setting it. */
    bool stopped = atomic_load_explicit(&sys->stopping, memory_order_relaxed);
    pthread_mutex_unlock(&sys->wait_lock);
    return stopped ? ZACTOR_ESTOPPED : 0;
}

void zactor_system_stop(zactor_system *sys)
{
    if (!sys)
        return;
    /* Seq_cst: waiters and parked workers re-check it under their mutex,
     * which we take below before waking them. */
    atomic_store_explicit(&sys->stopping, true, memory_order_seq_cst);
    pthread_mutex_lock(&sys->wait_lock);
    pthread_cond_broadcast(&sys->wait_cond);
    pthread_mutex_unlock(&sys->wait_lock);
    zactor__asks_stop(&sys->asks);
    zactor__timers_stop(&sys->timers);
    zactor__flow_stop(&sys->flow);
    zactor__scheduler_wake_all(&sys->sched);
}

int zactor_system_destroy(zactor_system *sys)
{
    if (!sys)
        return 0;
    /* From a handler it would join its own thread: refuse. */
    if (zactor__current_worker)
        return ZACTOR_EDEADLK;
    zactor_system_stop(sys);
    /* The timer thread first: a firing it is sending may wake a worker,
     * whose park condition free_workers destroys once they are joined. */
    zactor__timers_join(&sys->timers);
    /* No delivery from another node after this (the I/O thread could
     * otherwise wake a worker being joined). */
    zactor__node_close(sys);
    /* Nor an fd event (io_watch.c). */
    zactor__io_watches_close(sys);
    zactor__workers_join(sys);
    /* Workers joined: nobody wakes the I/O thread any more. */
    zactor__io_destroy(&sys->io);
    /* The boxed firings still queued ask their timers as they are freed. */
    zactor__actors_shutdown(sys);
    zactor__io_watches_destroy(&sys->io_watches);
    zactor__node_destroy(sys);
    zactor__flow_destroy(&sys->flow);
    zactor__timers_destroy(&sys->timers);
    zactor__scheduler_destroy(&sys->sched);
    zactor__pool_destroy(&sys->pool);
    zactor__promises_destroy(&sys->promises);
    zactor__requests_destroy(&sys->requests);
    zactor__names_destroy(&sys->names);
    zactor__monitors_destroy(&sys->monitors);
    zactor__kills_destroy(&sys->kills);
    zactor__asks_destroy(&sys->asks);
    destroy_sync(sys);
    zactor__topology_close(sys->topology);
    zactor__free(sys);
    return 0;
}

unsigned zactor_system_workers(const zactor_system *sys)
{
    return sys ? sys->sched.worker_count : 0;
}

uint64_t zactor_system_dead_letters(const zactor_system *sys)
{
    if (!sys)
        return 0;
    /* Relaxed: a counter; callers order it by zactor_system_wait or destroy. */
    return atomic_load_explicit(&sys->dead_letters, memory_order_relaxed);
}
