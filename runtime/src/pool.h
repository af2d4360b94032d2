/* pool.h - size-classed message blocks: per-NUMA-node shared free lists,
 * per-worker caches (private). */
#ifndef ZACTOR_POOL_H
#define ZACTOR_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "stats.h"
#include "topology.h"

/* Payload capacities 32, 64, 128, 256, 512 and 1024 bytes; larger requests
 * go to malloc. The two small classes hold overflow letters (a link plus a
 * slot, often 24-80 bytes), which a flood allocates by the million. */
#define ZACTOR__POOL_CLASSES 6
#define ZACTOR__POOL_SMALLEST 32u
_Static_assert(ZACTOR__POOL_CLASSES + 1 == ZACTOR_STATS_SIZE_CLASSES,
               "the stats count every pool class plus the heap");

typedef struct zactor__block zactor__block;
typedef struct zactor__pool_slab zactor__pool_slab;

/* One NUMA node's shared free lists: where the caches of the node's workers
 * spill and refill, and where every block of the node comes home to. */
typedef struct zactor__pool_node {
    _Alignas(ZACTOR__CACHE_LINE) pthread_mutex_t lock;
    zactor__block *free[ZACTOR__POOL_CLASSES];
    uint64_t count[ZACTOR__POOL_CLASSES]; /* blocks on each free list */
    zactor__pool_slab *slabs;             /* the memory of this node's blocks (lock) */
} zactor__pool_node;

typedef struct zactor__pool {
    zactor__pool_node *nodes;
    unsigned node_count;
    zactor__topology *topology; /* binds slabs to their node; NULL: malloc */
    /* Blocks taken and given back by threads that are not workers. */
    _Atomic uint64_t allocs[ZACTOR_STATS_SIZE_CLASSES];
    _Atomic uint64_t frees[ZACTOR_STATS_SIZE_CLASSES];
} zactor__pool;

/* One worker's private LIFO free lists: no lock, no atomic. Only blocks of
 * the worker's node enter them. */
typedef struct zactor__pool_cache {
    zactor__block *free[ZACTOR__POOL_CLASSES];
    uint32_t count[ZACTOR__POOL_CLASSES];
    uint32_t node; /* the worker's NUMA node */
    /* Blocks this worker took and gave back (it is their only writer). */
    _Atomic uint64_t allocs[ZACTOR_STATS_SIZE_CLASSES];
    _Atomic uint64_t frees[ZACTOR_STATS_SIZE_CLASSES];
} zactor__pool_cache;

/* topology may be NULL (plain aligned_alloc); it must outlive the pool. */
int zactor__pool_init(zactor__pool *pool, unsigned node_count, zactor__topology *topology);
/* Frees the memory of every pooled block, cached, listed or in use. */
void zactor__pool_destroy(zactor__pool *pool);
/* Empties a worker cache; its blocks stay in their slabs until destroy. */
void zactor__pool_cache_release(zactor__pool_cache *cache);

/* Returns size bytes, 16-byte aligned, or NULL. cache is the calling
 * worker's cache, or NULL on a thread that is not a worker of this pool
 * (such threads take blocks from node 0). */
void *zactor__pool_alloc(zactor__pool *pool, zactor__pool_cache *cache, size_t size);
/* Gives back a pointer from zactor__pool_alloc (any thread, any cache): to
 * the cache when the block belongs to the cache's node, else to the shared
 * lists of the block's own node. */
void zactor__pool_free(zactor__pool *pool, zactor__pool_cache *cache, void *payload);

/* Blocks of size class cls on node's shared list (for tests). */
size_t zactor__pool_shared_blocks(zactor__pool *pool, unsigned node, unsigned cls);

#endif
