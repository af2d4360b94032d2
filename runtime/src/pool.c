/* pool.c - size-classed message blocks.
 *
 * A block is a 16-byte header (free-list link and size class) followed by
 * the payload. Blocks move freely between threads: a sender's worker
 * allocates, the receiver's worker frees into its own cache, the cache
 * spills half of itself to the shared list when it grows past a cap, and a
 * worker with an empty cache takes a batch from the shared list. So a
 * steady stream of messages allocates nothing from malloc. */
#include "pool.h"

#include <stdlib.h>

#define HEAP_CLASS ZACTOR__POOL_CLASSES /* size_class of a malloc'd block */
#define CACHE_CAP 256u                  /* blocks per class a worker keeps */
#define CACHE_BATCH 128u                /* blocks moved per spill or refill */

struct zactor__block {
    _Alignas(16) zactor__block *next; /* free-list link, unused while allocated */
    uint32_t size_class;
};
_Static_assert(sizeof(zactor__block) == 16, "payload must stay 16-byte aligned");

static unsigned class_of(size_t size)
{
    unsigned cls = 0;
    while (cls < ZACTOR__POOL_CLASSES && size > (size_t)ZACTOR__POOL_SMALLEST << cls)
        cls++;
    return cls;
}

static zactor__block *new_block(unsigned cls, size_t size)
{
    size_t capacity = cls == HEAP_CLASS ? size : (size_t)ZACTOR__POOL_SMALLEST << cls;
    zactor__block *block = malloc(sizeof(zactor__block) + capacity);
    if (block)
        block->size_class = cls;
    return block;
}

int zactor__pool_init(zactor__pool *pool)
{
    for (unsigned cls = 0; cls < ZACTOR__POOL_CLASSES; cls++)
        pool->free[cls] = NULL;
    for (unsigned cls = 0; cls < ZACTOR_STATS_SIZE_CLASSES; cls++) {
        atomic_init(&pool->allocs[cls], 0);
        atomic_init(&pool->frees[cls], 0);
    }
    return pthread_mutex_init(&pool->lock, NULL) == 0 ? 0 : -1;
}

static void free_list(zactor__block *block)
{
    while (block) {
        zactor__block *next = block->next;
        free(block);
        block = next;
    }
}

void zactor__pool_destroy(zactor__pool *pool)
{
    for (unsigned cls = 0; cls < ZACTOR__POOL_CLASSES; cls++)
        free_list(pool->free[cls]);
    pthread_mutex_destroy(&pool->lock);
}

void zactor__pool_cache_release(zactor__pool_cache *cache)
{
    for (unsigned cls = 0; cls < ZACTOR__POOL_CLASSES; cls++) {
        free_list(cache->free[cls]);
        cache->free[cls] = NULL;
        cache->count[cls] = 0;
    }
}

/* Moves up to CACHE_BATCH blocks of one class from the shared list. */
static void refill(zactor__pool *pool, zactor__pool_cache *cache, unsigned cls)
{
    pthread_mutex_lock(&pool->lock);
    zactor__block *first = pool->free[cls];
    zactor__block *last = first;
    uint32_t moved = first ? 1 : 0;
    while (last && last->next && moved < CACHE_BATCH) {
        last = last->next;
        moved++;
    }
    if (last) {
        pool->free[cls] = last->next;
        last->next = cache->free[cls];
        cache->free[cls] = first;
        cache->count[cls] += moved;
    }
    pthread_mutex_unlock(&pool->lock);
}

/* Hands CACHE_BATCH blocks of one class back to the shared list. */
static void spill(zactor__pool *pool, zactor__pool_cache *cache, unsigned cls)
{
    zactor__block *first = cache->free[cls];
    zactor__block *last = first;
    for (uint32_t i = 1; i < CACHE_BATCH; i++)
        last = last->next;
    cache->free[cls] = last->next;
    cache->count[cls] -= CACHE_BATCH;
    pthread_mutex_lock(&pool->lock);
    last->next = pool->free[cls];
    pool->free[cls] = first;
    pthread_mutex_unlock(&pool->lock);
}

void *zactor__pool_alloc(zactor__pool *pool, zactor__pool_cache *cache, size_t size)
{
    unsigned cls = class_of(size);
    zactor__block *block = NULL;
    if (cls == HEAP_CLASS) {
        block = new_block(cls, size);
    } else if (cache) {
        if (!cache->free[cls])
            refill(pool, cache, cls);
        block = cache->free[cls];
        if (block) {
            cache->free[cls] = block->next;
            cache->count[cls]--;
        }
    } else {
        pthread_mutex_lock(&pool->lock);
        block = pool->free[cls];
        if (block)
            pool->free[cls] = block->next;
        pthread_mutex_unlock(&pool->lock);
    }
    if (!block)
        block = new_block(cls, size);
    if (!block)
        return NULL;
    if (cache)
        zactor__count_owned(&cache->allocs[cls], 1);
    else
        zactor__count_shared(&pool->allocs[cls], 1);
    return block + 1;
}

void zactor__pool_free(zactor__pool *pool, zactor__pool_cache *cache, void *payload)
{
    zactor__block *block = (zactor__block *)payload - 1;
    unsigned cls = block->size_class;
    if (cache)
        zactor__count_owned(&cache->frees[cls], 1);
    else
        zactor__count_shared(&pool->frees[cls], 1);
    if (cls == HEAP_CLASS) {
        free(block);
    } else if (cache) {
        block->next = cache->free[cls];
        cache->free[cls] = block;
        if (++cache->count[cls] > CACHE_CAP)
            spill(pool, cache, cls);
    } else {
        pthread_mutex_lock(&pool->lock);
        block->next = pool->free[cls];
        pool->free[cls] = block;
        pthread_mutex_unlock(&pool->lock);
    }
}
