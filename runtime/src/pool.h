/* pool.h - size-classed message blocks with per-worker caches (private). */
#ifndef ZACTOR_POOL_H
#define ZACTOR_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* Payload capacities 32, 64, 128, 256, 512 and 1024 bytes; larger requests
 * go to malloc. The two small classes hold overflow letters (a link plus a
 * slot, often 24-80 bytes), which a flood allocates by the million. */
#define ZACTOR__POOL_CLASSES 6
#define ZACTOR__POOL_SMALLEST 32u
_Static_assert(ZACTOR__POOL_CLASSES + 1 == ZACTOR_STATS_SIZE_CLASSES,
               "the stats count every pool class plus the heap");

typedef struct zactor__block zactor__block;

/* Shared free lists: where worker caches spill and refill, and what threads
 * that are not workers use directly. */
typedef struct zactor__pool {
    pthread_mutex_t lock;
    zactor__block *free[ZACTOR__POOL_CLASSES];
    /* Blocks taken and given back by threads that are not workers. */
    _Atomic uint64_t allocs[ZACTOR_STATS_SIZE_CLASSES];
    _Atomic uint64_t frees[ZACTOR_STATS_SIZE_CLASSES];
} zactor__pool;

/* One worker's private LIFO free lists: no lock, no atomic. */
typedef struct zactor__pool_cache {
    zactor__block *free[ZACTOR__POOL_CLASSES];
    uint32_t count[ZACTOR__POOL_CLASSES];
    /* Blocks this worker took and gave back (it is their only writer). */
    _Atomic uint64_t allocs[ZACTOR_STATS_SIZE_CLASSES];
    _Atomic uint64_t frees[ZACTOR_STATS_SIZE_CLASSES];
} zactor__pool_cache;

int zactor__pool_init(zactor__pool *pool);
/* Frees every block on the shared lists (caches must be released first). */
void zactor__pool_destroy(zactor__pool *pool);
/* Frees every block a worker cache holds. */
void zactor__pool_cache_release(zactor__pool_cache *cache);

/* Returns size bytes, 16-byte aligned, or NULL. cache is the calling
 * worker's cache, or NULL on a thread that is not a worker of this pool. */
void *zactor__pool_alloc(zactor__pool *pool, zactor__pool_cache *cache, size_t size);
/* Gives back a pointer from zactor__pool_alloc (any thread, any cache). */
void zactor__pool_free(zactor__pool *pool, zactor__pool_cache *cache, void *payload);

#endif
