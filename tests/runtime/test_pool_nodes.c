/* Per-node pools: a worker's cache refills from and spills to its own
 * node's lists, and a block freed anywhere else goes back to the shared
 * lists of the node it was allocated on. No threads: the caches stand for
 * workers of four nodes. */
#include <string.h>

#include "pool.h"
#include "rt_test.h"

#define NODES 4
#define MEDIUM 100 /* lands in the 128-byte class */
#define MEDIUM_CLASS 2
#define CACHE_CAP 256 /* pool.c: a cache spills past this many blocks */

static zactor__pool pool;
static zactor__pool_cache caches[NODES];

static size_t shared(unsigned node)
{
    return zactor__pool_shared_blocks(&pool, node, MEDIUM_CLASS);
}

static void *alloc_filled(zactor__pool_cache *cache, unsigned char fill)
{
    void *block = zactor__pool_alloc(&pool, cache, MEDIUM);
    CHECK(block != NULL);
    memset(block, fill, MEDIUM);
    return block;
}

static void test_cross_node_free_goes_home(void)
{
    void *block = alloc_filled(&caches[0], 0xA0);
    size_t home_before = shared(0);
    uint32_t cached_before = caches[2].count[MEDIUM_CLASS];
    zactor__pool_free(&pool, &caches[2], block);
    CHECK_EQ(shared(0), home_before + 1);
    CHECK_EQ(caches[2].count[MEDIUM_CLASS], cached_before);
    CHECK_EQ(shared(2), 0);
    /* Threads that are not workers take node 0's blocks: this one first. */
    CHECK(zactor__pool_alloc(&pool, NULL, MEDIUM) == block);
    zactor__pool_free(&pool, &caches[3], block);
    CHECK_EQ(shared(0), home_before + 1);
}

static void test_same_node_free_stays_cached(void)
{
    void *block = alloc_filled(&caches[1], 0xB1);
    uint32_t cached = caches[1].count[MEDIUM_CLASS];
    size_t listed = shared(1);
    zactor__pool_free(&pool, &caches[1], block);
    CHECK_EQ(caches[1].count[MEDIUM_CLASS], cached + 1);
    CHECK_EQ(shared(1), listed);
}

/* Threads that are not workers take node 0's blocks and send every block
 * straight home. */
static void test_non_worker_threads(void)
{
    void *from_node2 = alloc_filled(&caches[2], 0xC2);
    size_t listed = shared(2);
    zactor__pool_free(&pool, NULL, from_node2);
    CHECK_EQ(shared(2), listed + 1);

    size_t node0 = shared(0);
    void *outside = alloc_filled(NULL, 0xD0);
    CHECK_EQ(shared(0), node0 - 1);
    zactor__pool_free(&pool, &caches[0], outside);
    CHECK_EQ(shared(0), node0 - 1); /* its own node's worker caches it */
}

/* A cache that grows past its cap spills to its own node only. */
static void test_spill_to_own_node(void)
{
    enum { COUNT = CACHE_CAP + 64 };
    static void *blocks[COUNT];
    for (unsigned i = 0; i < COUNT; i++)
        blocks[i] = alloc_filled(&caches[3], (unsigned char)i);
    size_t others[NODES];
    for (unsigned n = 0; n < NODES; n++)
        others[n] = shared(n);
    for (unsigned i = 0; i < COUNT; i++)
        zactor__pool_free(&pool, &caches[3], blocks[i]);
    CHECK(caches[3].count[MEDIUM_CLASS] <= CACHE_CAP);
    CHECK(shared(3) > others[3]);
    for (unsigned n = 0; n < 3; n++)
        CHECK_EQ(shared(n), others[n]);
}

/* An empty cache refills from its node's shared list before it carves a
 * new slab: blocks freed home are reused, not left behind. */
static void test_refill_takes_shared(void)
{
    enum { MAX = 4096 };
    static void *held[MAX];
    zactor__pool_cache *cache = &caches[2];
    unsigned n = 0;
    held[n++] = alloc_filled(cache, 0x5A);
    while (cache->count[MEDIUM_CLASS] > 0) {
        CHECK(n < MAX);
        held[n++] = alloc_filled(cache, 0x5B);
    }
    /* Freed from another node: straight home to node 2's shared list. */
    for (unsigned i = 0; i < n; i++)
        zactor__pool_free(&pool, &caches[0], held[i]);
    size_t listed = shared(2);
    CHECK(listed >= n);
    void *block = alloc_filled(cache, 0x5C);
    CHECK_EQ(shared(2), 0);
    CHECK_EQ(cache->count[MEDIUM_CLASS], listed - 1);
    /* The block is one of those freed (a new slab may hold as many). */
    bool reused = false;
    for (unsigned i = 0; i < n; i++)
        reused |= held[i] == block;
    CHECK(reused);
    zactor__pool_free(&pool, cache, block);
}

/* Classes do not mix, and sizes past the largest class bypass the lists. */
static void test_classes(void)
{
    void *small = zactor__pool_alloc(&pool, &caches[1], 20);
    void *large = zactor__pool_alloc(&pool, &caches[1], 5000);
    CHECK(small != NULL && large != NULL);
    memset(large, 0xEE, 5000);
    size_t small_listed = zactor__pool_shared_blocks(&pool, 1, 0);
    zactor__pool_free(&pool, &caches[2], small);
    CHECK_EQ(zactor__pool_shared_blocks(&pool, 1, 0), small_listed + 1);
    size_t medium_listed = shared(1);
    zactor__pool_free(&pool, &caches[2], large);
    CHECK_EQ(shared(1), medium_listed);
}

int main(void)
{
    CHECK_EQ(zactor__pool_init(&pool, NODES, NULL), 0);
    for (unsigned n = 0; n < NODES; n++)
        caches[n].node = n;
    test_cross_node_free_goes_home();
    test_same_node_free_stays_cached();
    test_non_worker_threads();
    test_spill_to_own_node();
    test_refill_takes_shared();
    test_classes();
    for (unsigned n = 0; n < NODES; n++)
        zactor__pool_cache_release(&caches[n]);
    zactor__pool_destroy(&pool);
    printf("pool_nodes: ok\n");
    return 0;
}
