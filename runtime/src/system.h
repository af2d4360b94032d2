/* system.h - the system object: quiescence, stop, shared counters (private). */
#ifndef ZACTOR_SYSTEM_H
#define ZACTOR_SYSTEM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "actor.h"
#include "end.h"
#include "flow.h"
#include "io.h"
#include "io_watch.h"
#include "monitor.h"
#include "names.h"
#include "notice.h"
#include "pool.h"
#include "promise.h"
#include "reply.h"
#include "request.h"
#include "scheduler.h"
#include "timer.h"
#include "topology.h"
#include "zactor/zactor.h"

/* The quiescence accounting's part of a worker (worker.h holds it),
 * written by that worker alone: idle transitions not yet taken from the
 * system's `active` (system.c says why they wait). */
typedef struct zactor__worker_quiescence {
    uint64_t deferred_idle;
} zactor__worker_quiescence;

struct zactor_system {
    /* Quiescence line: touched whenever an actor turns runnable or idle. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint64_t active; /* scheduled or running actors */
    _Atomic uint32_t waiters;                             /* threads in zactor_system_wait */
    /* Read by every send and every dispatch, written once. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic bool stopping;
    /* Counters, away from the read-mostly flag above. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint64_t dead_letters;
    _Atomic uint64_t overflow_letters; /* messages that took the overflow path */
    _Atomic uint64_t sent_outside;     /* sends from threads that are not workers */
    zactor__notices notices;           /* notices that found no memory (notice.c) */
    pthread_mutex_t wait_lock;
    pthread_cond_t wait_cond;
    zactor__scheduler sched;
    zactor__pool pool;
    zactor__cell_store cells;
    zactor__topology *topology;                /* kept only while pinning (and binding) need it */
    zactor__asks asks;                         /* asks in progress, woken by stop */
    zactor__kills kills;                       /* codes of kills not yet taken (end.c) */
    zactor__monitors monitors;                 /* every monitor (monitor.c) */
    zactor__names names;                       /* registered names (names.c) */
    zactor__requests requests;                 /* tracked requests not yet answered (request.c) */
    zactor__promises promises;                 /* deferred replies not yet answered (promise.c) */
    zactor__timers timers;                     /* timers and the clock (timer.c) */
    zactor__flow flow;                         /* muted senders, waits for room (flow.c) */
    zactor__io io;                             /* the I/O thread, started on first use (io.c) */
    zactor__io_watches io_watches;             /* descriptors actors watch (io_watch.c) */
    _Atomic(struct zactor__node_layer *) node; /* set once by zactor_node_start (node.c) */
    zactor_dead_letter_fn dead_letter_hook;    /* from the config, fixed */
    void *dead_letter_user;
};

static inline bool zactor__system_stopping(zactor_system *sys)
{
    /* Relaxed: stopping is advisory for sends and turns; anything that must
     * be ordered after it (wait, parking) takes the matching mutex. */
    return atomic_load_explicit(&sys->stopping, memory_order_relaxed);
}

/* An actor became runnable (spawn, or a send set RUNNABLE); worker is
 * the calling thread's worker of sys, or NULL (see system.c: quiescence). */
void zactor__system_activate(zactor_system *sys, zactor__worker *worker);
/* A turn on worker left its actor idle (or recycled it). */
void zactor__system_deactivate(zactor__worker *worker);
/* The worker ran out of work: its deferred idle transitions reach
 * `active` (and may wake zactor_system_wait). */
void zactor__system_flush_idle(zactor__worker *worker);

/* The first timer became live: `active` counts one more unit until
 * zactor__system_idle_timers (the last one ended). */
void zactor__system_busy_timers(zactor_system *sys);
void zactor__system_idle_timers(zactor_system *sys);

/* First rings that idle actors gave back so far (for tests; 0 when built
 * with -DZACTOR_STATS=OFF). */
uint64_t zactor__system_rings_trimmed(const zactor_system *sys);
/* Messages the workers' outboxes delivered, in batches (tests). */
uint64_t zactor__system_outbox_sends(const zactor_system *sys);

/* Messages that went through the overflow list so far (for tests). */
uint64_t zactor__system_overflow_letters(const zactor_system *sys);

#endif
