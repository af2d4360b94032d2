/* actor.h - actor cells and their life word (private). */
#ifndef ZACTOR_ACTOR_H
#define ZACTOR_ACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deque.h"
#include "mailbox.h"
#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;

/*
 * The life word: generation (32 bits) | ALIVE | LOCKED | pending (30 bits).
 * pending counts tokens: messages pushed or being pushed but not consumed,
 * plus one for a pending `on start`. The 0 -> 1 transition makes the actor
 * runnable; only the worker running the actor's turn lowers it.
 */
#define ZACTOR__LIFE_PENDING_MASK ((UINT64_C(1) << 30) - 1)
#define ZACTOR__LIFE_LOCKED (UINT64_C(1) << 30)
#define ZACTOR__LIFE_ALIVE (UINT64_C(1) << 31)
#define ZACTOR__LIFE_GENERATION_SHIFT 32

static inline uint32_t zactor__life_generation(uint64_t life)
{
    return (uint32_t)(life >> ZACTOR__LIFE_GENERATION_SHIFT);
}

static inline uint64_t zactor__life_pending(uint64_t life)
{
    return life & ZACTOR__LIFE_PENDING_MASK;
}

/* States of at most this many bytes (alignment <= 8) live in the cell. */
#define ZACTOR__INLINE_STATE_SIZE 24u

/* The first turn's batch limit; worker.c adapts it afterwards. */
#define ZACTOR__BATCH_INITIAL 64u

/* zactor_cell.flags, touched only by the worker running the turn. */
enum {
    ZACTOR__CELL_STARTED = 1u,        /* the first turn began (`on start` ran) */
    ZACTOR__CELL_STOP_REQUESTED = 2u, /* zactor_stop() was called */
    ZACTOR__CELL_STOPPED = 4u         /* `on stop` ran and ALIVE was cleared */
};

struct zactor_cell {
    /* Senders' line: written by every send. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint64_t life;
    _Atomic uint32_t cancelled; /* tokens of sends that failed after counting */
    _Atomic(const zactor_actor_type *) type; /* set at spawn, read by senders */
    zactor_system *sys;                      /* fixed for the cell's lifetime */
    zactor__mailbox mailbox; /* the ring's tail, the ring, the overflow stack */
    /* Owner's line: the worker running the turn, the scheduler's link. */
    _Alignas(ZACTOR__CACHE_LINE) void *state; /* NULL while the cell is free */
    zactor__mailbox_reader reader;            /* the ring's head, taken letters */
    zactor_cell *next;                        /* inject queue or free list link */
    uint16_t flags;
    uint16_t batch_limit; /* messages the next turn may handle (worker.c) */
    uint32_t home; /* NUMA node chosen at spawn (scheduler.c), read by senders */
    /* A state this small lives here, in the line the turn touches anyway:
     * no allocation per spawn, and an idle actor costs its cell alone. */
    _Alignas(8) unsigned char inline_state[ZACTOR__INLINE_STATE_SIZE];
};
_Static_assert(offsetof(struct zactor_cell, mailbox) + sizeof(zactor__mailbox) <=
                   ZACTOR__CACHE_LINE,
               "every sender-written field on the first line");
_Static_assert(offsetof(struct zactor_cell, state) == ZACTOR__CACHE_LINE,
               "sender-written fields and owner fields on separate cache lines");
_Static_assert(sizeof(struct zactor_cell) == 2 * ZACTOR__CACHE_LINE, "a cell is two lines");

/* Per-system store of cells: never returned to malloc before the system is
 * destroyed, so a stale ref can always read its cell's life word. */
typedef struct zactor__cell_chunk zactor__cell_chunk;
typedef struct zactor__cell_store {
    pthread_mutex_t lock;
    zactor_cell *free;          /* recycled cells, LIFO */
    zactor__cell_chunk *chunks; /* newest first; only the newest has unused cells */
} zactor__cell_store;

int zactor__cells_init(zactor__cell_store *store);

/* zactor_send without its request-entry check and without dropping the
 * payload on failure: for ask, request and reply, which drop themselves. */
int zactor__send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                 size_t size);

/* Worker side of a turn (worker.c runs the turn, these keep the life word). */
/* Runs `on start` if the actor has not started yet (then stops it if the
 * hook called zactor_stop). Returns the tokens consumed: 1 or 0. */
uint64_t zactor__actor_start(zactor_cell *cell, zactor_ctx *ctx);
/* Runs `on stop` if declared, then clears ALIVE: later sends get EDEAD. */
void zactor__actor_stop_now(zactor_cell *cell, zactor_ctx *ctx);
/* Gives back `consumed` tokens and decides: requeue, idle, or recycle. */
void zactor__actor_end_turn(zactor__worker *worker, zactor_cell *cell, uint64_t consumed);

/* zactor_system_destroy, workers joined: runs the remaining `on stop`
 * hooks, drops queued messages (dead letters), frees states, rings and
 * cells. */
void zactor__actors_shutdown(zactor_system *sys);

#endif
