/* stats.h - runtime counters (private).
 *
 * Counters live with their writer: a worker's in its worker struct, a pool
 * cache's in the cache, and threads that are not workers bump a shared
 * atomic in the system or pool. zactor_stats_read (stats.c) sums them.
 * Building with -DZACTOR_STATS=OFF (ZACTOR_STATS_ENABLED 0) turns every
 * update into nothing, to measure what the counters cost. */
#ifndef ZACTOR_STATS_H
#define ZACTOR_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "zactor/zactor.h"

#ifndef ZACTOR_STATS_ENABLED
#define ZACTOR_STATS_ENABLED 1
#endif

typedef struct zactor__worker_counters {
    _Atomic uint64_t messages;
    _Atomic uint64_t turns;
    _Atomic uint64_t steals;
    _Atomic uint64_t parks;
    _Atomic uint64_t sent;
    _Atomic uint64_t rings_trimmed; /* rings given back by idle actors */
    _Atomic uint64_t outbox_sends;  /* messages delivered through the outbox */
    _Atomic uint64_t batches[ZACTOR_STATS_BATCH_BUCKETS];
} zactor__worker_counters;

/* A counter with one writer thread. A relaxed load and store instead of a
 * fetch_add: no locked instruction on the hot path, and no update can be
 * lost since nobody else writes; readers on other threads see each value
 * whole (relaxed atomics), which is all a statistic needs. */
static inline void zactor__count_owned(_Atomic uint64_t *counter, uint64_t n)
{
#if ZACTOR_STATS_ENABLED
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
                          memory_order_relaxed);
#else
    (void)counter;
    (void)n;
#endif
}

/* A counter many threads write. Relaxed: a statistic, ordered by nothing. */
static inline void zactor__count_shared(_Atomic uint64_t *counter, uint64_t n)
{
#if ZACTOR_STATS_ENABLED
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
#else
    (void)counter;
    (void)n;
#endif
}

/* Relaxed: see zactor__count_owned. */
static inline uint64_t zactor__counter_read(const _Atomic uint64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

/* The batch bucket of a turn that handled n messages. */
static inline unsigned zactor__batch_bucket(uint64_t n)
{
    unsigned bucket = 0;
    while (n > 0 && bucket < ZACTOR_STATS_BATCH_BUCKETS - 1) {
        n >>= 1;
        bucket++;
    }
    return bucket;
}

#endif
