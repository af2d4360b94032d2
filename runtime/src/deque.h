/* deque.h - Chase-Lev work-stealing deque of actor cells (private).
 *
 * The owning worker pushes and pops at the bottom; any thread (the owner
 * included, to take its oldest entry) steals at the top. */
#ifndef ZACTOR_DEQUE_H
#define ZACTOR_DEQUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform.h"
#include "zactor/zactor.h"

typedef struct zactor__deque_array zactor__deque_array;

typedef struct zactor__deque {
    /* Thieves' line: every steal CASes top. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic int64_t top;
    /* Owner's line: thieves only read it. */
    _Alignas(ZACTOR__CACHE_LINE) _Atomic int64_t bottom;
    _Atomic(zactor__deque_array *) array;
    zactor__deque_array *retired; /* outgrown arrays: a thief may still read them */
} zactor__deque;

_Static_assert(offsetof(zactor__deque, bottom) == ZACTOR__CACHE_LINE,
               "top and bottom must not share a cache line");

int zactor__deque_init(zactor__deque *deque);
void zactor__deque_destroy(zactor__deque *deque);

/* Owner only. false when the deque is full and could not grow. */
bool zactor__deque_push(zactor__deque *deque, zactor_cell *cell);
/* Owner only. NULL when empty. */
zactor_cell *zactor__deque_pop(zactor__deque *deque);
/* Any thread. NULL when empty or when another thread won the race. */
zactor_cell *zactor__deque_steal(zactor__deque *deque);
/* Any thread: a snapshot, used to skip empty victims and before parking. */
bool zactor__deque_looks_empty(zactor__deque *deque);

#endif
