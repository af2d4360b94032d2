/* deque.c - Chase-Lev work-stealing deque, with the memory orders of
 * Le, Pop, Cohen and Zappa Nardelli, "Correct and Efficient Work-Stealing
 * for Weak Memory Models" (PPoPP 2013), except that every store to bottom
 * is a release store: that costs nothing on x86 and lets ThreadSanitizer,
 * which does not model fences, see that a cell's contents were published
 * before a thief reads them. */
#include "deque.h"

#include <stdlib.h>

#include "alloc.h"

#define INITIAL_CAPACITY 256

struct zactor__deque_array {
    zactor__deque_array *retired_next;
    int64_t capacity; /* a power of two */
    _Atomic(zactor_cell *) cells[];
};

static zactor__deque_array *new_array(int64_t capacity)
{
    zactor__deque_array *array =
        zactor__malloc(sizeof *array + (size_t)capacity * sizeof(_Atomic(zactor_cell *)));
    if (array) {
        array->retired_next = NULL;
        array->capacity = capacity;
    }
    return array;
}

static _Atomic(zactor_cell *) *slot(zactor__deque_array *array, int64_t index)
{
    return &array->cells[index & (array->capacity - 1)];
}

int zactor__deque_init(zactor__deque *deque)
{
    zactor__deque_array *array = new_array(INITIAL_CAPACITY);
    if (!array)
        return -1;
    atomic_init(&deque->top, 0);
    atomic_init(&deque->bottom, 0);
    atomic_init(&deque->array, array);
    deque->retired = NULL;
    return 0;
}

void zactor__deque_destroy(zactor__deque *deque)
{
    /* Relaxed: every thread that used the deque has been joined. */
    zactor__free(atomic_load_explicit(&deque->array, memory_order_relaxed));
    while (deque->retired) {
        zactor__deque_array *next = deque->retired->retired_next;
        zactor__free(deque->retired);
        deque->retired = next;
    }
}

/* Doubles the array. The old one is kept: a thief that loaded it before the
 * switch still reads valid (if stale) entries and its CAS on top decides. */
static zactor__deque_array *grow(zactor__deque *deque, zactor__deque_array *old, int64_t top,
                                 int64_t bottom)
{
    zactor__deque_array *array = new_array(old->capacity * 2);
    if (!array)
        return NULL;
    for (int64_t i = top; i < bottom; i++) {
        /* Relaxed: only the owner writes entries; thieves read the new array
         * only after the release store of the array pointer below. */
        atomic_store_explicit(slot(array, i),
                              atomic_load_explicit(slot(old, i), memory_order_relaxed),
                              memory_order_relaxed);
    }
    old->retired_next = deque->retired;
    deque->retired = old;
    /* Release: publishes the copied entries to thieves that acquire the pointer. */
    atomic_store_explicit(&deque->array, array, memory_order_release);
    return array;
}

bool zactor__deque_push(zactor__deque *deque, zactor_cell *cell)
{
    /* Relaxed: only the owner (this thread) writes bottom. */
    int64_t bottom = atomic_load_explicit(&deque->bottom, memory_order_relaxed);
    /* Acquire: a thief's read of the entry it stole happens before we reuse the slot. */
    int64_t top = atomic_load_explicit(&deque->top, memory_order_acquire);
    /* Relaxed: only the owner replaces the array. */
    zactor__deque_array *array = atomic_load_explicit(&deque->array, memory_order_relaxed);
    if (bottom - top >= array->capacity) {
        array = grow(deque, array, top, bottom);
        if (!array)
            return false;
    }
    /* Relaxed: published by the release store of bottom just below. */
    atomic_store_explicit(slot(array, bottom), cell, memory_order_relaxed);
    /* Release: the entry and everything the owner wrote to the cell become
     * visible to a thief that acquires this bottom. */
    atomic_store_explicit(&deque->bottom, bottom + 1, memory_order_release);
    return true;
}

zactor_cell *zactor__deque_pop(zactor__deque *deque)
{
    /* Relaxed: owner-only fields, as in push. */
    int64_t bottom = atomic_load_explicit(&deque->bottom, memory_order_relaxed) - 1;
    zactor__deque_array *array = atomic_load_explicit(&deque->array, memory_order_relaxed);
    /* Release (see the file comment); the fence below orders it before the read of top. */
    atomic_store_explicit(&deque->bottom, bottom, memory_order_release);
    /* Seq_cst fence: pairs with the thieves' fence so that the owner and a
     * thief cannot both miss each other's claim on the last entry. */
    atomic_thread_fence(memory_order_seq_cst);
    int64_t top = atomic_load_explicit(&deque->top, memory_order_relaxed);
    if (top > bottom) {
        atomic_store_explicit(&deque->bottom, bottom + 1, memory_order_release);
        return NULL;
    }
    /* Relaxed: the owner wrote this entry itself. */
    zactor_cell *cell = atomic_load_explicit(slot(array, bottom), memory_order_relaxed);
    if (top == bottom) {
        /* Last entry: race the thieves for it. Seq_cst: part of the single
         * total order on top that the fences rely on. */
        if (!atomic_compare_exchange_strong_explicit(&deque->top, &top, top + 1,
                                                     memory_order_seq_cst, memory_order_relaxed))
            cell = NULL;
        atomic_store_explicit(&deque->bottom, bottom + 1, memory_order_release);
    }
    return cell;
}

zactor_cell *zactor__deque_steal(zactor__deque *deque)
{
    /* Acquire: pairs with other thieves' CAS, so the entry we read is not older than top. */
    int64_t top = atomic_load_explicit(&deque->top, memory_order_acquire);
    /* Seq_cst fence: see zactor__deque_pop. */
    atomic_thread_fence(memory_order_seq_cst);
    /* Acquire: pairs with the owner's release of bottom; publishes the entry and the cell. */
    int64_t bottom = atomic_load_explicit(&deque->bottom, memory_order_acquire);
    if (top >= bottom)
        return NULL;
    /* Acquire: pairs with grow's release of a new array. */
    zactor__deque_array *array = atomic_load_explicit(&deque->array, memory_order_acquire);
    /* Relaxed: may be stale if we lose the race, in which case the CAS fails. */
    zactor_cell *cell = atomic_load_explicit(slot(array, top), memory_order_relaxed);
    /* Seq_cst: the claim must be ordered with the owner's fence in pop. */
    if (!atomic_compare_exchange_strong_explicit(&deque->top, &top, top + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return NULL;
    return cell;
}

bool zactor__deque_looks_empty(zactor__deque *deque)
{
    /* Seq_cst: a worker about to park reads these after its seq_cst fence
     * (scheduler.c); that fence and the pusher's fence make sure one of the
     * two sees the other. Elsewhere a stale answer only skips a victim once. */
    int64_t bottom = atomic_load_explicit(&deque->bottom, memory_order_seq_cst);
    int64_t top = atomic_load_explicit(&deque->top, memory_order_seq_cst);
    return bottom <= top;
}
