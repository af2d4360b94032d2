/* worker.h - worker threads and the handler context (private). */
#ifndef ZACTOR_WORKER_H
#define ZACTOR_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "deque.h"
#include "mailbox.h"
#include "platform.h"
#include "pool.h"
#include "scheduler.h"
#include "stats.h"
#include "system.h"
#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;

/* Actors that go idle keep their ring for a while (the next message
 * often comes soon: ping-pong), and lose it when this many have gone idle
 * on the worker, or when the worker runs out of work: an idle actor then
 * costs its cell alone. */
#define ZACTOR__TRIM_BATCH 32u

/* The outbox: a handler whose counting CAS on an actor's life word failed
 * (another thread counted itself meanwhile: the word's line is contended)
 * sends that actor its further small messages through here, in batches of
 * ZACTOR__OUTBOX_SLOTS, for one CAS per batch instead of one per message
 * (actor.c). What waits goes out when the outbox is full, before any
 * other send or a spawn (so that nothing overtakes it), and when the
 * handler or hook returns; the handler's next invocation starts without. */
#define ZACTOR__OUTBOX_SLOTS 32u

typedef struct zactor__outbox {
    zactor_ref to;                 /* whom the outbox serves; null cell when none */
    const zactor_actor_type *type; /* its type */
    uint32_t count;                /* parcels waiting; 0 while to is null */
    zactor__parcel parcels[ZACTOR__OUTBOX_SLOTS];
    /* Copies of the small payloads; parcels[i].msg points into these. */
    _Alignas(16) unsigned char payloads[ZACTOR__OUTBOX_SLOTS][ZACTOR_SMALL_MAX];
} zactor__outbox;

struct zactor_ctx {
    zactor_system *sys;
    zactor_cell *cell;        /* the actor whose handler runs */
    int fail_code;            /* zactor_fail's, until the handler returns */
    zactor_end_reason ending; /* during `on stop`: why */
    /* While a request handler runs (zactor_request_enter to _leave): its
     * envelope's reply_to, and whether the handler deferred the reply. */
    const zactor_reply_to *request;
    uint32_t request_tag;
    bool deferred;
};

/* A worker thread. Each part belongs to the file that writes it; apart
 * from the deque's top and the park, only the worker's own thread does. */
struct zactor__worker {
    zactor__deque deque; /* first: its top line is the only one thieves write */
    /* Owner-only fields. */
    zactor_system *sys;
    zactor__pool_cache cache;             /* pool.c */
    zactor_ctx ctx;                       /* worker.c: the running handler's */
    zactor__worker_schedule schedule;     /* scheduler.c */
    zactor__worker_quiescence quiescence; /* system.c */
    uint32_t idle_count;                  /* entries in idle_cells */
    uint32_t index;
    zactor_cell *idle_cells[ZACTOR__TRIM_BATCH]; /* went idle here with a ring */
    pthread_t thread;
    zactor__worker_counters counters; /* stats.h: written by this worker only */
    zactor__outbox outbox;            /* actor.c */
    zactor_ref mute_target;           /* flow.c: the full mailbox the running handler sent to */
    _Alignas(ZACTOR__CACHE_LINE) zactor__worker_park park; /* scheduler.c */
};
_Static_assert(offsetof(struct zactor__worker, sys) % ZACTOR__CACHE_LINE == 0,
               "owner fields start on their own cache line");

/* The worker running on this thread, NULL on other threads. */
extern _Thread_local zactor__worker *zactor__current_worker;

/* The calling thread's worker if it belongs to sys, else NULL. */
static inline zactor__worker *zactor__worker_of(const zactor_system *sys)
{
    zactor__worker *worker = zactor__current_worker;
    return worker && worker->sys == sys ? worker : NULL;
}

/* true when ctx is the one of the handler or hook running on this thread:
 * a worker's, or (the system stopping) one of the hooks destroy runs, whose
 * calls fail with ZACTOR_ESTOPPED anyway. A ctx kept from another handler
 * is not. */
static inline bool zactor__ctx_is_running(const zactor_ctx *ctx)
{
    if (!ctx || !ctx->cell)
        return false;
    zactor__worker *worker = zactor__current_worker;
    if (worker)
        return ctx == &worker->ctx;
    return zactor__system_stopping(ctx->sys);
}

/* xorshift64: cheap, well spread, and replayable from a seed. */
static inline uint64_t zactor__worker_random(zactor__worker *worker)
{
    uint64_t x = worker->schedule.rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    worker->schedule.rng = x;
    return x;
}

/* Hands the worker's waiting outbox (at least one parcel; actor.c) to
 * its target in one batch. If the target has ended (or the system is
 * stopping), its messages become dead letters: their sends already
 * returned 0. */
void zactor__outbox_deliver(zactor__worker *worker);

/* The handler's further sends to `to` take the outbox, unless it already
 * serves an actor. Called when a counting CAS on to's life word failed (and
 * by tests). */
static inline void zactor__outbox_choose(zactor__worker *worker, zactor_ref to,
                                         const zactor_actor_type *type)
{
    /* A bounded mailbox must see each send, to refuse it or mute its sender. */
    if (!worker->outbox.to.cell && !type->mailbox_bound) {
        worker->outbox.to = to;
        worker->outbox.type = type;
    }
}

/* Delivers what waits in the worker's outbox, if anything. */
static inline void zactor__outbox_flush(zactor__worker *worker)
{
    if (worker->outbox.count != 0)
        zactor__outbox_deliver(worker);
}

/* A handler or hook returned: what it sent goes out, and its next
 * invocation starts without an outbox. */
static inline void zactor__outbox_close(zactor__worker *worker)
{
    if (worker->outbox.to.cell) {
        zactor__outbox_flush(worker);
        worker->outbox.to.cell = NULL;
    }
}

/* An actor went idle on this worker with a ring: trims it later. */
void zactor__worker_note_idle(zactor__worker *worker, zactor_cell *cell);
/* Trims the rings of the actors noted idle that still are. */
void zactor__worker_trim_idle(zactor__worker *worker);

/* Starts count workers (pinned when sys->topology is set); a nonzero
 * deterministic_seed makes their choices replayable (count is then 1).
 * On failure stops the system, joins what started and returns
 * ZACTOR_ENOMEM (a deque could not be allocated) or ZACTOR_EAGAIN (a
 * thread could not be created). */
int zactor__workers_start(zactor_system *sys, unsigned count, uint64_t deterministic_seed);
/* Joins every worker (the system must be stopping) and frees them. */
void zactor__workers_join(zactor_system *sys);

#endif
