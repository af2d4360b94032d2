/* scheduler.h - run queues, stealing and parking (private). */
#ifndef ZACTOR_SCHEDULER_H
#define ZACTOR_SCHEDULER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deque.h"
#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;

typedef struct zactor__scheduler {
    zactor__worker *workers;
    unsigned worker_count;
    /* Read by every schedule; written when workers start or stop searching. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint32_t searching; /* workers looking for work */
    _Atomic uint32_t sleepers;                               /* workers parked or parking */
    /* Written by every push from outside the workers. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic size_t inject_length;
    /* Parking: a worker with nothing to do waits here. */
    pthread_mutex_t park_lock;
    pthread_cond_t park_cond;
    uint32_t wake_tokens; /* signalled sleepers that have not woken yet (park_lock) */
    /* Cells scheduled from threads that are not workers of this system. */
    pthread_mutex_t inject_lock;
    zactor_cell *inject_head;
    zactor_cell *inject_tail;
} zactor__scheduler;

int zactor__scheduler_init(zactor__scheduler *sched);
void zactor__scheduler_destroy(zactor__scheduler *sched);

/* Makes an idle actor runnable: on the calling worker's deque when the
 * caller is a worker of sys (locality), else on the inject queue. */
void zactor__schedule(zactor_system *sys, zactor_cell *cell);
/* Puts back an actor whose turn ended with tokens left. */
void zactor__scheduler_requeue(zactor__worker *worker, zactor_cell *cell, bool made_progress);
/* The next actor for this worker to run; parks when there is none.
 * NULL once the system is stopping. */
zactor_cell *zactor__scheduler_next(zactor__worker *worker);
/* Wakes every parked worker (system stop). */
void zactor__scheduler_wake_all(zactor__scheduler *sched);

#endif
