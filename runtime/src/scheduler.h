/* scheduler.h - run queues, NUMA nodes, stealing and parking (private). */
#ifndef ZACTOR_SCHEDULER_H
#define ZACTOR_SCHEDULER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deque.h"
#include "topology.h"
#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;

/* The running handler keeps sending while an actor waits in this worker's
 * LIFO slot: after this many sends the slot's actor moves to the deque,
 * where an idle worker can take it (a handler that floods an actor should
 * not keep that actor from running on another core until it returns). */
#define ZACTOR__SLOT_PATIENCE 256u

/* The scheduler's part of a worker (worker.h holds it): written by that
 * worker alone. */
typedef struct zactor__worker_schedule {
    zactor_cell *next_cell;     /* LIFO slot: the last actor this worker made
                                   runnable, run next and never stolen */
    uint32_t sends_behind_slot; /* sends made while next_cell waited */
    uint32_t tick;              /* scheduling decisions made, for fairness */
    uint32_t node;              /* NUMA node (scheduler numbering) */
    bool take_oldest;           /* next pick comes from the deque's top (FIFO end) */
    bool deterministic;         /* every choice drawn from rng */
    uint64_t rng;               /* victim choice; every choice in deterministic mode */
} zactor__worker_schedule;

/* A worker's parking place, under the scheduler's park_lock: written by
 * the worker and by whoever wakes it. */
typedef struct zactor__worker_park {
    pthread_cond_t cond; /* waited on by this worker alone */
    bool parked;         /* waiting on cond, or about to */
    bool token;          /* woken by someone who counted it as searching */
} zactor__worker_park;

/* The running handler sent n messages: true when the actor in the LIFO
 * slot has waited long enough (zactor__scheduler_release_slot). */
static inline bool zactor__scheduler_slot_overdue(zactor__worker_schedule *schedule, uint32_t n)
{
    return schedule->next_cell && (schedule->sends_behind_slot += n) >= ZACTOR__SLOT_PATIENCE;
}

/* One NUMA node's share of the scheduler. */
typedef struct zactor__node {
    /* Written by every push to this node's inject queue. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic size_t inject_length;
    pthread_mutex_t inject_lock;
    /* Cells made runnable by threads that are not workers, homed here. */
    zactor_cell *inject_head;
    zactor_cell *inject_tail;
    /* Written at every spawn and recycle of an actor homed here. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint64_t homed; /* live actors */
    /* Parking: written under the scheduler's park_lock. */
    _Alignas(ZACTOR__CACHE_LINE) uint32_t parked; /* this node's workers parked or parking */
    uint32_t wake_tokens; /* of those, woken (given a token) but not yet running */
    /* Read-only while the workers run. */
    _Alignas(ZACTOR__CACHE_LINE) const unsigned *workers; /* worker indices */
    unsigned worker_count;
    const unsigned *order; /* every node: this one, then nearest first */
} zactor__node;

typedef struct zactor__scheduler {
    zactor__worker *workers;
    unsigned worker_count;
    zactor__node *nodes;
    unsigned node_count;
    zactor__layout layout;  /* the node of each worker, the node orders */
    unsigned *node_workers; /* storage of every node's worker list */
    /* Read by every schedule; written when workers start or stop searching. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint32_t searching; /* workers looking for work */
    _Atomic uint32_t sleepers;                               /* workers parked or parking */
    /* Parking: a worker with nothing to do waits on its own condition
     * variable (worker.h), so that a waker can choose which one wakes. */
    pthread_mutex_t park_lock;
} zactor__scheduler;

/* Takes over layout's arrays (freed on failure too). */
int zactor__scheduler_init(zactor__scheduler *sched, zactor__layout *layout);
void zactor__scheduler_destroy(zactor__scheduler *sched);

/* The NUMA node the layout gave to worker number index. */
unsigned zactor__scheduler_worker_node(const zactor__scheduler *sched, unsigned index);

/* Chooses the home node of a cell being spawned, before it is published:
 * the calling worker's node, else the node with the fewest live actors per
 * worker. zactor__scheduler_unhome forgets it when the cell is recycled. */
void zactor__scheduler_home(zactor_system *sys, zactor_cell *cell);
void zactor__scheduler_unhome(zactor_system *sys, zactor_cell *cell);

/* Makes an idle actor runnable: on the calling worker's LIFO slot when the
 * caller is a worker of sys (locality), else on its home node's inject
 * queue. */
void zactor__schedule(zactor_system *sys, zactor_cell *cell);
/* Moves the actor in the LIFO slot to the deque (when it is overdue). */
void zactor__scheduler_release_slot(zactor__worker *worker);
/* Puts back an actor whose turn ended with tokens left. */
void zactor__scheduler_requeue(zactor__worker *worker, zactor_cell *cell, bool made_progress);
/* The next actor for this worker to run; parks when there is none.
 * NULL once the system is stopping. */
zactor_cell *zactor__scheduler_next(zactor__worker *worker);
/* Wakes every parked worker (system stop). */
void zactor__scheduler_wake_all(zactor__scheduler *sched);

/* One place a thief looks: a worker's deque, or a node's inject queue. */
#define ZACTOR__VICTIM_INJECT UINT32_MAX
typedef struct zactor__victim {
    unsigned node;
    unsigned worker; /* ZACTOR__VICTIM_INJECT: the node's inject queue */
} zactor__victim;

/* Writes the order in which worker `self` looks for work to steal when its
 * own queues are empty (rotation: where each node's list of workers
 * starts); returns how many entries (at most worker_count + node_count).
 * For tests: the scheduler walks the same order. */
unsigned zactor__scheduler_steal_order(const zactor__scheduler *sched, unsigned self,
                                       unsigned rotation, zactor__victim *out);

#endif
