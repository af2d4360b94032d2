/* pool.c - size-classed message blocks, one set of shared lists per node.
 *
 * A block is a 16-byte header (free-list link, size class, home node)
 * followed by the payload. Blocks are carved from slabs that belong to one
 * NUMA node (their memory is bound to it on a real NUMA machine). Blocks
 * move freely between threads: a sender's worker allocates, the receiver's
 * worker frees; a free on a worker of the block's node goes to that
 * worker's cache, which spills down to half its cap to the node's shared
 * lists when it grows past the cap; a free anywhere else sends the block
 * straight home to its node's shared lists. A worker with an empty cache
 * takes the node's whole list of that class at once. So a node's blocks
 * stay with the node, a steady stream of messages allocates nothing, and
 * the node's lock is held only for a few pointer moves: no list walk and no
 * slab allocation happen under it (under a flood, two workers trading
 * blocks used to wait on each other there). */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "alloc.h"

#define HEAP_CLASS ZACTOR__POOL_CLASSES /* size_class of a malloc'd block */
#define CACHE_CAP 256u                  /* blocks per class a worker keeps */
/* Four pages: one allocation (one mmap when bound) per 15 blocks of the
 * largest class, 340 of the smallest. */
#define SLAB_BYTES 16384u
#define SLAB_HEADER ZACTOR__CACHE_LINE /* keeps the blocks 16-byte aligned */

struct zactor__block {
    _Alignas(16) zactor__block *next; /* free-list link, unused while allocated */
    uint32_t size_class;
    uint32_t node; /* the node whose slab holds the block */
};
_Static_assert(sizeof(zactor__block) == 16, "payload must stay 16-byte aligned");

struct zactor__pool_slab {
    zactor__pool_slab *next;
};
_Static_assert(sizeof(zactor__pool_slab) <= SLAB_HEADER, "slab header fits");

static unsigned class_of(size_t size)
{
    unsigned cls = 0;
    while (cls < ZACTOR__POOL_CLASSES && size > (size_t)ZACTOR__POOL_SMALLEST << cls)
        cls++;
    return cls;
}

int zactor__pool_init(zactor__pool *pool, unsigned node_count, zactor__topology *topology)
{
    pool->topology = topology;
    pool->node_count = 0;
    for (unsigned cls = 0; cls < ZACTOR_STATS_SIZE_CLASSES; cls++) {
        atomic_init(&pool->allocs[cls], 0);
        atomic_init(&pool->frees[cls], 0);
    }
    pool->nodes = zactor__aligned_alloc(ZACTOR__CACHE_LINE, node_count * sizeof *pool->nodes);
    if (!pool->nodes)
        return -1;
    for (; pool->node_count < node_count; pool->node_count++) {
        zactor__pool_node *node = &pool->nodes[pool->node_count];
        for (unsigned cls = 0; cls < ZACTOR__POOL_CLASSES; cls++) {
            node->free[cls] = NULL;
            node->count[cls] = 0;
        }
        node->slabs = NULL;
        if (pthread_mutex_init(&node->lock, NULL) != 0) {
            zactor__pool_destroy(pool);
            return -1;
        }
    }
    return 0;
}

void zactor__pool_destroy(zactor__pool *pool)
{
    for (unsigned n = 0; n < pool->node_count; n++) {
        zactor__pool_node *node = &pool->nodes[n];
        while (node->slabs) {
            zactor__pool_slab *slab = node->slabs;
            node->slabs = slab->next;
            zactor__topology_free(pool->topology, slab, SLAB_BYTES);
        }
        pthread_mutex_destroy(&node->lock);
    }
    zactor__free(pool->nodes);
    pool->nodes = NULL;
    pool->node_count = 0;
}

void zactor__pool_cache_release(zactor__pool_cache *cache)
{
    for (unsigned cls = 0; cls < ZACTOR__POOL_CLASSES; cls++) {
        cache->free[cls] = NULL;
        cache->count[cls] = 0;
    }
}

/* A chain of blocks: first to last, linked through next. */
typedef struct block_chain {
    zactor__block *first;
    zactor__block *last;
    uint64_t count;
} block_chain;

/* Cuts a new slab of node's memory into a chain of blocks of one class.
 * Only registering the slab takes the node's lock. */
static bool carve_slab(zactor__pool *pool, unsigned node_index, unsigned cls, block_chain *out)
{
    zactor__pool_node *node = &pool->nodes[node_index];
    zactor__pool_slab *slab = zactor__topology_alloc(pool->topology, node_index, SLAB_BYTES);
    if (!slab)
        return false;
    size_t stride = sizeof(zactor__block) + ((size_t)ZACTOR__POOL_SMALLEST << cls);
    char *end = (char *)slab + SLAB_BYTES;
    block_chain chain = {NULL, NULL, 0};
    for (char *at = (char *)slab + SLAB_HEADER; at + stride <= end; at += stride) {
        zactor__block *block = (zactor__block *)(void *)at;
        block->size_class = cls;
        block->node = node_index;
        block->next = chain.first;
        if (!chain.first)
            chain.last = block;
        chain.first = block;
        chain.count++;
    }
    pthread_mutex_lock(&node->lock);
    slab->next = node->slabs;
    node->slabs = slab;
    pthread_mutex_unlock(&node->lock);
    *out = chain;
    return true;
}

/* Puts a chain on the node's shared list of its class. */
static void give_chain(zactor__pool_node *node, unsigned cls, const block_chain *chain)
{
    pthread_mutex_lock(&node->lock);
    chain->last->next = node->free[cls];
    node->free[cls] = chain->first;
    node->count[cls] += chain->count;
    pthread_mutex_unlock(&node->lock);
}

/* An empty cache takes the node's whole shared list of the class, or a
 * new slab's worth of blocks when that list is empty too. */
static void refill(zactor__pool *pool, zactor__pool_cache *cache, unsigned cls)
{
    zactor__pool_node *node = &pool->nodes[cache->node];
    pthread_mutex_lock(&node->lock);
    zactor__block *first = node->free[cls];
    uint64_t count = node->count[cls];
    node->free[cls] = NULL;
    node->count[cls] = 0;
    pthread_mutex_unlock(&node->lock);
    block_chain chain;
    if (!first && carve_slab(pool, cache->node, cls, &chain)) {
        first = chain.first;
        count = chain.count;
    }
    cache->free[cls] = first;
    cache->count[cls] = (uint32_t)(count < UINT32_MAX ? count : UINT32_MAX);
}

/* A cache past its cap hands blocks back to the node's shared list until
 * it holds half the cap (the list walk happens before taking the lock). */
static void spill(zactor__pool *pool, zactor__pool_cache *cache, unsigned cls)
{
    block_chain chain = {cache->free[cls], cache->free[cls], 1};
    uint32_t keep = CACHE_CAP / 2;
    while (chain.count < cache->count[cls] - keep) {
        chain.last = chain.last->next;
        chain.count++;
    }
    cache->free[cls] = chain.last->next;
    cache->count[cls] = keep;
    give_chain(&pool->nodes[cache->node], cls, &chain);
}

/* One block of class cls straight from node's shared list. */
static zactor__block *take_shared(zactor__pool *pool, unsigned node_index, unsigned cls)
{
    zactor__pool_node *node = &pool->nodes[node_index];
    pthread_mutex_lock(&node->lock);
    zactor__block *block = node->free[cls];
    if (block) {
        node->free[cls] = block->next;
        node->count[cls]--;
    }
    pthread_mutex_unlock(&node->lock);
    block_chain chain;
    if (!block && carve_slab(pool, node_index, cls, &chain)) {
        block = chain.first;
        if (chain.count > 1) {
            chain.first = block->next;
            chain.count--;
            give_chain(node, cls, &chain);
        }
    }
    return block;
}

static void give_home(zactor__pool *pool, zactor__block *block)
{
    block_chain chain = {block, block, 1};
    give_chain(&pool->nodes[block->node], block->size_class, &chain);
}

void *zactor__pool_alloc(zactor__pool *pool, zactor__pool_cache *cache, size_t size)
{
    unsigned cls = class_of(size);
    zactor__block *block = NULL;
    if (cls == HEAP_CLASS) {
        block = zactor__malloc(sizeof(zactor__block) + size);
        if (block)
            block->size_class = HEAP_CLASS;
    } else if (cache) {
        if (!cache->free[cls])
            refill(pool, cache, cls);
        block = cache->free[cls];
        if (block) {
            cache->free[cls] = block->next;
            cache->count[cls]--;
        }
    } else {
        block = take_shared(pool, 0, cls);
    }
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
        zactor__free(block);
    } else if (cache && block->node == cache->node) {
        block->next = cache->free[cls];
        cache->free[cls] = block;
        if (++cache->count[cls] > CACHE_CAP)
            spill(pool, cache, cls);
    } else {
        give_home(pool, block);
    }
}

size_t zactor__pool_shared_blocks(zactor__pool *pool, unsigned node_index, unsigned cls)
{
    zactor__pool_node *node = &pool->nodes[node_index];
    size_t count = 0;
    pthread_mutex_lock(&node->lock);
    for (zactor__block *block = node->free[cls]; block; block = block->next)
        count++;
    pthread_mutex_unlock(&node->lock);
    return count;
}
