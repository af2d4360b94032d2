/* actor.h - actor cells and their life word (private). */
#ifndef ZACTOR_ACTOR_H
#define ZACTOR_ACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "life.h"
#include "mailbox.h"
#include "platform.h"
#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;

/* The life word's bits and tickets: life.h. */

/* States of at most this many bytes (alignment <= 8) live in the cell. */
#define ZACTOR__INLINE_STATE_SIZE 24u

/* The first turn's batch limit; worker.c adapts it afterwards. */
#define ZACTOR__BATCH_INITIAL 64u

/* zactor_cell.flags, touched only by the worker running the turn. */
enum {
    ZACTOR__CELL_STARTED = 1u,   /* the first turn began (`on start` ran) */
    ZACTOR__CELL_STOPPED = 4u,   /* `on stop` ran and ALIVE was cleared */
    ZACTOR__CELL_FAILED = 8u,    /* the request was zactor_fail()'s */
    ZACTOR__CELL_MONITORS = 16u, /* it set monitors (monitor.c): remove them at its end */
    ZACTOR__CELL_PROMISES =
        32u,                  /* it deferred a reply (promise.c): answer what is open at its end */
    ZACTOR__CELL_TIMERS = 2u, /* it armed timers (timer.c): end them at its end */
    ZACTOR__CELL_IO = 128u,   /* it watched descriptors (io_watch.c): end them at its end */
    /* The message just taken is a cancelled timer's firing: the turn
     * skips it (set by the take, mailbox.c; cleared by the turn). */
    ZACTOR__CELL_SKIP = ZACTOR__MAILBOX_SKIP
};
_Static_assert(ZACTOR__MAILBOX_SKIP == 64u, "the skip bit is a cell flag of its own");

struct zactor_cell {
    /* Senders' line: written by every send. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic uint64_t life; /* life.h */
    _Atomic(const zactor_actor_type *) type;            /* set at spawn, read by senders */
    zactor_system *sys;                                 /* fixed for the cell's lifetime */
    zactor__mailbox mailbox;                            /* released tickets, the ring */
    /* Inject queue or free list link: written by whoever queues the actor
     * from outside (a sender) or frees the cell, read by who pops it. */
    zactor_cell *next;
    /* Owner's line: the worker running the turn; senders write only the
     * overflow stack in the reader, and only when the ring is full. */
    _Alignas(ZACTOR__CACHE_LINE) void *state; /* NULL while the cell is free */
    zactor__mailbox_reader reader;            /* the next ticket, letters */
    uint8_t flags;
    /* ZACTOR__ASK_*: what the turn must look at after the handler that
     * runs, one byte to test after each handler. STOP: the actor's own
     * zactor_stop or zactor_fail (set by its turn). KILL: set by a kill
     * after its CAS set KILL in the life word, so that the turn notices it
     * without reading the senders' line; a hint only (a late store may
     * reach the next incarnation), confirmed against the life word. */
    _Atomic uint8_t asks;
    uint16_t batch_limit; /* messages the next turn may handle (worker.c) */
    uint32_t home;        /* NUMA node chosen at spawn (scheduler.c), read by senders */
    /* A state this small lives here, in the line the turn touches anyway:
     * no allocation per spawn, and an idle actor costs its cell alone. */
    _Alignas(8) unsigned char inline_state[ZACTOR__INLINE_STATE_SIZE];
};
_Static_assert(offsetof(struct zactor_cell, next) + sizeof(zactor_cell *) <= ZACTOR__CACHE_LINE,
               "every sender-written field but the overflow stack on the first line");
_Static_assert(offsetof(struct zactor_cell, state) == ZACTOR__CACHE_LINE,
               "sender-written fields and owner fields on separate cache lines");
_Static_assert(sizeof(struct zactor_cell) == 2 * ZACTOR__CACHE_LINE, "a cell is two lines");
_Static_assert(ATOMIC_CHAR_LOCK_FREE == 2, "asks is a plain byte");

/* zactor_cell.asks. */
/* MUTE: a handler's send went past a backpressure bound; the turn ends
 * after it and the actor is muted (flow.c). Set and cleared by the turn's
 * own thread. */
enum { ZACTOR__ASK_STOP = 1u, ZACTOR__ASK_KILL = 2u, ZACTOR__ASK_MUTE = 4u };

/* Per-system store of cells: never returned to malloc before the system is
 * destroyed, so a stale ref can always read its cell's life word. */
typedef struct zactor__cell_chunk zactor__cell_chunk;
/* The chunks by index, for actor ids (zactor__actor_id): grown by copying
 * under the store's lock; a grown-out table stays until the system is
 * destroyed, since a reader may still hold it. */
typedef struct zactor__chunk_table zactor__chunk_table;
typedef struct zactor__cell_store {
    pthread_mutex_t lock;
    zactor_cell *free;          /* recycled cells, LIFO */
    zactor__cell_chunk *chunks; /* newest first; only the newest has unused cells */
    _Atomic(zactor__chunk_table *) table;
} zactor__cell_store;

int zactor__cells_init(zactor__cell_store *store);

/* An actor's id for other nodes: its cell's index in the store and the
 * ref's generation, never 0. Stable for the cell's lifetime (the whole
 * system's), so a ref on the wire needs no table. */
uint64_t zactor__actor_id(zactor_ref ref);
/* The ref of an actor id: false when no cell has that index (an id from
 * a peer is input like any other). The ref may be of an actor that has
 * ended: sends then get ZACTOR_EDEAD. Any thread. */
bool zactor__actor_of_id(zactor_system *sys, uint64_t id, zactor_ref *out);
/* A cell for a proxy (node.c): never scheduled, never recycled before the
 * system is destroyed, its life word without ALIVE; type is
 * &zactor__proxy_type and `record` is kept in the cell for
 * zactor__proxy_record. A null ref when memory runs out. */
zactor_ref zactor__proxy_cell(zactor_system *sys, const zactor_actor_type *proxy_type,
                              void *record);
void *zactor__proxy_record(const zactor_cell *cell);

/* true for a descriptor of this ZACTOR_ABI_VERSION that spawn accepts. */
bool zactor__actor_type_is_valid(const zactor_actor_type *type);

/* zactor_spawn whose first life word also has life_bits (WATCHED, for a
 * spawn that sets a monitor on the new actor before anyone can see it). */
zactor_ref zactor__spawn(zactor_system *sys, const zactor_actor_type *type, const void *init,
                         uint64_t life_bits);

/* zactor_send without its request-entry check and without dropping the
 * payload on failure: for ask, request and reply, which drop themselves. */
int zactor__send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                 size_t size);

/* A send found the cell of `to` holding an actor of another type than the
 * one it was given: a mistyped send (ZACTOR_ETYPE), or a stale ref whose
 * cell was recycled for an actor of another type between the sender's look
 * at the life word and its look at the type (ZACTOR_EDEAD, as for any
 * stale ref). Acquire on the type: pairs with spawn's release of it, so
 * the life word read next shows the recycle's generation if there was
 * one. */
int zactor__wrong_type(zactor_ref to);

/* zactor__send for what a bound never refuses (zactor.h, bounded
 * mailboxes): replies, io events. */
int zactor__send_exempt(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                        size_t size);
/* zactor__send_exempt for what must not be lost for lack of memory (a
 * Down, a request error notice, a tracked request's reply): it never
 * waits in the sending handler's outbox, so its return says whether it
 * was queued (a handler's messages waiting there go first). */
int zactor__send_notice(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                        size_t size);

/* Sends a timer's firing, boxed by timer.c (a pooled block: the
 * zactor__timer_box header, then the message), from a thread outside the
 * handlers. 0, or an error with nothing queued (the box is the caller's). */
int zactor__send_timer(zactor_ref to, const zactor_actor_type *type, uint32_t tag, void *box);

/* Worker side of a turn (worker.c runs the turn, these keep the life word). */
/* Runs `on start` if the actor has not started yet (then stops it if the
 * hook called zactor_stop). */
void zactor__actor_start(zactor_cell *cell, zactor_ctx *ctx);
/* Runs `on stop` if declared, then clears ALIVE: later sends get EDEAD.
 * The reason `on stop` sees: the actor's own request, else its kill, else
 * `otherwise`. */
void zactor__actor_stop_now(zactor_cell *cell, zactor_ctx *ctx, zactor_end_kind otherwise);
/* After a handler or hook returned (and at a turn's start): ends the actor
 * if it asked to or was killed. */
void zactor__actor_end_if_asked(zactor_cell *cell, zactor_ctx *ctx);
/* Ends a turn whose reading stopped at ticket head (zactor__mailbox_close):
 * requeues the actor if tickets are left, else makes it idle, or recycles
 * it if it stopped. made_progress: the turn ran a hook or took a message. */
void zactor__actor_end_turn(zactor__worker *worker, zactor_cell *cell, uint32_t head,
                            bool made_progress);
/* Frees the ring of an actor that went idle on this worker, if it is still
 * idle (any thread may send to it meanwhile: then it keeps its ring). */
void zactor__actor_trim(zactor__worker *worker, zactor_cell *cell);

/* zactor_system_destroy, workers joined: runs the remaining `on stop`
 * hooks, drops queued messages (dead letters), frees states, rings and
 * cells. */
void zactor__actors_shutdown(zactor_system *sys);

#endif
