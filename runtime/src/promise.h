/* promise.h - deferred replies: the promises request handlers keep to
 * answer later (private). */
#ifndef ZACTOR_PROMISE_H
#define ZACTOR_PROMISE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "actor.h"
#include "zactor/zactor.h"

/* One slot of the promise table. A promise's id is its slot's index + 1
 * in the low 32 bits and the slot's generation in the high ones: a slot
 * reused for another promise gets another generation, so a stale id never
 * finds it. */
typedef struct zactor__promise_slot {
    zactor_reply_to reply_to; /* where the answer goes; owns an asker's share */
    zactor_ref owner;         /* the actor that deferred; owner.cell NULL: free */
    uint32_t tag;             /* its entry of the request */
    uint32_t generation;
    uint32_t next_free; /* index + 1 of the next free slot, 0: none */
} zactor__promise_slot;

/* Every open promise of the system, under one mutex: deferring and
 * answering are per request, and ends scan the table only for actors that
 * deferred (ZACTOR__CELL_PROMISES). */
typedef struct zactor__promises {
    pthread_mutex_t lock;
    zactor__promise_slot *slots;
    size_t count; /* slots ever used */
    size_t capacity;
    uint32_t free; /* index + 1 of the first free slot, 0: none */
    size_t open;   /* promises not yet answered */
} zactor__promises;

int zactor__promises_init(zactor__promises *promises);
/* Destroy, every actor ended: every promise was answered. */
void zactor__promises_destroy(zactor__promises *promises);

/* The end of an actor that deferred (its cell's flags have
 * ZACTOR__CELL_PROMISES): answers every promise it still holds with
 * ZACTOR_EDEAD. generation: the ended actor's. */
void zactor__promises_actor_ended(zactor_cell *cell, uint32_t generation);

/* Promises not yet answered (tests). */
size_t zactor__promises_open(zactor_system *sys);

#endif
