/* topology.c - hwloc: the processing units we may run on, grouped by NUMA
 * node; distances between nodes; pinning; memory bound to a node.
 *
 * A synthetic topology (a hwloc description such as "pack:2 numa:2 core:4
 * pu:1") describes PUs that do not exist: workers are grouped by its nodes
 * but never pinned, and pool memory is never bound. The same holds for any
 * topology hwloc says is not this machine's (e.g. one loaded from the XML
 * file named by hwloc's own HWLOC_XMLFILE variable). */
#include "topology.h"

#include <hwloc.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "platform.h"

struct zactor__topology {
    hwloc_topology_t hw;
    bool synthetic;     /* not this machine: never pin or bind */
    bool binds_memory;  /* the real machine, workers on more than one node */
    unsigned pu_count;  /* PUs we may run on (>= 1) */
    unsigned *pu_os;    /* [pu_count] OS index of each PU, grouped by node */
    unsigned *pu_numa;  /* [pu_count] logical index of each PU's NUMA node */
    hwloc_obj_t *nodes; /* runtime node number -> its NUMA object */
};

static const char *topology_description(const zactor_config *cfg)
{
    if (cfg->topology)
        return cfg->topology;
    const char *env = getenv("ZACTOR_TOPOLOGY");
    return env && *env ? env : NULL;
}

/* The PUs we may run on: the process's binding on the real machine (every
 * allowed PU when the binding cannot be read), all PUs of a synthetic one. */
static hwloc_bitmap_t usable_pus(zactor__topology *topo)
{
    hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo->hw);
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set)
        return NULL;
    int rc;
    if (!topo->synthetic && hwloc_get_cpubind(topo->hw, set, HWLOC_CPUBIND_PROCESS) == 0)
        rc = hwloc_bitmap_and(set, set, allowed);
    else
        rc = hwloc_bitmap_copy(set, allowed);
    if (rc == 0 && hwloc_bitmap_iszero(set))
        rc = hwloc_bitmap_copy(set, allowed);
    if (rc != 0 || hwloc_bitmap_weight(set) <= 0) {
        hwloc_bitmap_free(set);
        return NULL;
    }
    return set;
}

/* Lists the usable PUs node by node (hwloc's logical order of NUMA nodes),
 * so that consecutive workers share a node. */
static int order_pus(zactor__topology *topo)
{
    hwloc_bitmap_t left = usable_pus(topo);
    if (!left)
        return -1;
    unsigned total = (unsigned)hwloc_bitmap_weight(left);
    topo->pu_os = zactor__malloc(total * sizeof *topo->pu_os);
    topo->pu_numa = zactor__malloc(total * sizeof *topo->pu_numa);
    if (!topo->pu_os || !topo->pu_numa) {
        hwloc_bitmap_free(left);
        return -1;
    }
    unsigned count = 0;
    int numa_count = hwloc_get_nbobjs_by_type(topo->hw, HWLOC_OBJ_NUMANODE);
    for (int n = 0; n < numa_count; n++) {
        hwloc_obj_t numa = hwloc_get_obj_by_type(topo->hw, HWLOC_OBJ_NUMANODE, (unsigned)n);
        if (!numa->cpuset)
            continue;
        for (int pu = hwloc_bitmap_first(numa->cpuset); pu >= 0;
             pu = hwloc_bitmap_next(numa->cpuset, pu)) {
            if (!hwloc_bitmap_isset(left, (unsigned)pu))
                continue;
            hwloc_bitmap_clr(left, (unsigned)pu);
            topo->pu_os[count] = (unsigned)pu;
            topo->pu_numa[count++] = (unsigned)n;
        }
    }
    /* hwloc gives every PU a local NUMA node; should one lack it, it joins
     * the first node rather than being lost. */
    for (int pu = hwloc_bitmap_first(left); pu >= 0; pu = hwloc_bitmap_next(left, pu)) {
        topo->pu_os[count] = (unsigned)pu;
        topo->pu_numa[count++] = 0;
    }
    hwloc_bitmap_free(left);
    topo->pu_count = count;
    return 0;
}

/* 0 with *out set; 0 with *out NULL when the real machine cannot be read;
 * ZACTOR_EARG when hwloc rejects the synthetic description; ZACTOR_ENOMEM. */
static int topology_open(zactor__topology **out, const char *synthetic)
{
    *out = NULL;
    zactor__topology *topo = zactor__calloc(1, sizeof *topo);
    if (!topo)
        return ZACTOR_ENOMEM;
    if (hwloc_topology_init(&topo->hw) != 0) {
        zactor__free(topo);
        return synthetic ? ZACTOR_ENOMEM : 0;
    }
    topo->synthetic = synthetic != NULL;
    if (synthetic && hwloc_topology_set_synthetic(topo->hw, synthetic) != 0) {
        zactor__topology_close(topo);
        return ZACTOR_EARG;
    }
    if (hwloc_topology_load(topo->hw) != 0) {
        zactor__topology_close(topo);
        return synthetic ? ZACTOR_ENOMEM : 0;
    }
    topo->synthetic = topo->synthetic || !hwloc_topology_is_thissystem(topo->hw);
    if (order_pus(topo) != 0) {
        zactor__topology_close(topo);
        return synthetic ? ZACTOR_ENOMEM : 0;
    }
    *out = topo;
    return 0;
}

void zactor__topology_close(zactor__topology *topo)
{
    if (!topo)
        return;
    zactor__free(topo->pu_os);
    zactor__free(topo->pu_numa);
    zactor__free(topo->nodes);
    hwloc_topology_destroy(topo->hw);
    zactor__free(topo);
}

void zactor__layout_free(zactor__layout *layout)
{
    zactor__free(layout->worker_node);
    zactor__free(layout->node_order);
    layout->worker_node = NULL;
    layout->node_order = NULL;
}

static int single_node(zactor__layout *layout, unsigned workers)
{
    layout->workers = workers;
    layout->node_count = 1;
    layout->worker_node = zactor__calloc(workers, sizeof *layout->worker_node);
    layout->node_order = zactor__calloc(1, sizeof *layout->node_order);
    if (!layout->worker_node || !layout->node_order) {
        zactor__layout_free(layout);
        return ZACTOR_ENOMEM;
    }
    return 0;
}

/* A stand-in for distance when hwloc has no matrix: nodes whose common
 * ancestor is deeper (same package, same group) are nearer. */
static uint64_t tree_distance(zactor__topology *topo, hwloc_obj_t a, hwloc_obj_t b)
{
    /* NUMA nodes are memory children: their parents are in the normal tree. */
    hwloc_obj_t common = hwloc_get_common_ancestor_obj(topo->hw, a->parent, b->parent);
    return (uint64_t)(INT_MAX - common->depth);
}

/* distance[a * n + b]: hwloc's latency matrix if it covers every pair of
 * our nodes, else the tree stand-in for every pair. */
static void node_distances(zactor__topology *topo, unsigned n, uint64_t *distance)
{
    struct hwloc_distances_s *matrix = NULL;
    unsigned found = 1;
    if (hwloc_distances_get_by_type(topo->hw, HWLOC_OBJ_NUMANODE, &found, &matrix,
                                    HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) != 0 ||
        found == 0)
        matrix = NULL;
    bool complete = matrix != NULL;
    for (unsigned a = 0; a < n && complete; a++) {
        for (unsigned b = 0; b < n && complete; b++) {
            hwloc_uint64_t ab = 0, ba = 0;
            complete = hwloc_distances_obj_pair_values(matrix, topo->nodes[a], topo->nodes[b], &ab,
                                                       &ba) == 0;
            distance[a * n + b] = ab;
        }
    }
    if (!complete) {
        for (unsigned a = 0; a < n; a++)
            for (unsigned b = 0; b < n; b++)
                distance[a * n + b] = tree_distance(topo, topo->nodes[a], topo->nodes[b]);
    }
    if (matrix)
        hwloc_distances_release(topo->hw, matrix);
}

/* Row a: a, then the others nearest first; equal distances keep the cyclic
 * order after a, so that nodes do not all spill onto the same neighbour. */
static int fill_node_order(zactor__topology *topo, zactor__layout *layout)
{
    unsigned n = layout->node_count;
    uint64_t *distance = zactor__malloc((size_t)n * n * sizeof *distance);
    layout->node_order = zactor__malloc((size_t)n * n * sizeof *layout->node_order);
    if (!distance || !layout->node_order) {
        zactor__free(distance);
        return ZACTOR_ENOMEM;
    }
    node_distances(topo, n, distance);
    for (unsigned a = 0; a < n; a++) {
        unsigned *row = &layout->node_order[a * n];
        for (unsigned k = 0; k < n; k++)
            row[k] = (a + k) % n;
        /* Stable insertion sort of row[1..]: n is small. */
        for (unsigned k = 2; k < n; k++) {
            unsigned node = row[k];
            unsigned j = k;
            for (; j > 1 && distance[a * n + row[j - 1]] > distance[a * n + node]; j--)
                row[j] = row[j - 1];
            row[j] = node;
        }
    }
    zactor__free(distance);
    return 0;
}

/* Worker w runs on the (w mod pu_count)-th PU of the node-grouped list; a
 * node gets a runtime number when its first worker appears. */
static int group_by_node(zactor__layout *layout, zactor__topology *topo, unsigned workers)
{
    int numa_count = hwloc_get_nbobjs_by_type(topo->hw, HWLOC_OBJ_NUMANODE);
    unsigned numa_total = numa_count > 0 ? (unsigned)numa_count : 1;
    layout->workers = workers;
    layout->node_count = 0;
    layout->node_order = NULL;
    layout->worker_node = zactor__malloc(workers * sizeof *layout->worker_node);
    unsigned *runtime_node = zactor__malloc(numa_total * sizeof *runtime_node);
    topo->nodes = zactor__malloc(numa_total * sizeof *topo->nodes);
    if (!layout->worker_node || !runtime_node || !topo->nodes) {
        zactor__free(runtime_node);
        zactor__layout_free(layout);
        return ZACTOR_ENOMEM;
    }
    for (unsigned n = 0; n < numa_total; n++)
        runtime_node[n] = UINT_MAX;
    for (unsigned w = 0; w < workers; w++) {
        unsigned numa = topo->pu_numa[w % topo->pu_count];
        if (runtime_node[numa] == UINT_MAX) {
            runtime_node[numa] = layout->node_count;
            topo->nodes[layout->node_count++] =
                hwloc_get_obj_by_type(topo->hw, HWLOC_OBJ_NUMANODE, numa);
        }
        layout->worker_node[w] = runtime_node[numa];
    }
    zactor__free(runtime_node);
    int rc = fill_node_order(topo, layout);
    if (rc != 0)
        zactor__layout_free(layout);
    return rc;
}

static unsigned default_workers(const zactor__topology *topo)
{
    if (topo && topo->synthetic)
        return topo->pu_count < ZACTOR__SYNTHETIC_MAX_WORKERS ? topo->pu_count
                                                              : ZACTOR__SYNTHETIC_MAX_WORKERS;
    if (topo)
        return topo->pu_count;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1;
}

int zactor__layout_plan(zactor__layout *layout, const zactor_config *cfg, zactor__topology **kept)
{
    const char *synthetic = topology_description(cfg);
    unsigned workers = cfg->deterministic_seed ? 1 : cfg->workers;
    zactor__topology *topo = NULL;
    *kept = NULL;
    if (synthetic || cfg->pin_threads || workers == 0) {
        int rc = topology_open(&topo, synthetic);
        if (rc != 0)
            return rc;
    }
    if (workers == 0)
        workers = default_workers(topo);
    /* An unpinned worker on the real machine has no node of its own. */
    bool grouped = topo && (topo->synthetic || cfg->pin_threads);
    int rc = grouped ? group_by_node(layout, topo, workers) : single_node(layout, workers);
    if (rc == 0 && topo && !topo->synthetic && cfg->pin_threads) {
        topo->binds_memory = layout->node_count > 1;
        *kept = topo;
    } else {
        zactor__topology_close(topo);
    }
    return rc;
}

int zactor__topology_pin(zactor__topology *topo, pthread_t thread, unsigned worker)
{
    if (topo->synthetic)
        return -1;
    hwloc_bitmap_t single = hwloc_bitmap_alloc();
    if (!single)
        return -1;
    hwloc_bitmap_only(single, topo->pu_os[worker % topo->pu_count]);
    int rc = hwloc_set_thread_cpubind(topo->hw, thread, single, 0);
    hwloc_bitmap_free(single);
    return rc == 0 ? 0 : -1;
}

int zactor__topology_pu_index(const zactor__topology *topo, unsigned worker)
{
    return topo->synthetic ? -1 : (int)topo->pu_os[worker % topo->pu_count];
}

void *zactor__topology_alloc(zactor__topology *topo, unsigned node, size_t size)
{
    if (!topo || !topo->binds_memory)
        return zactor__aligned_alloc(ZACTOR__CACHE_LINE, size);
    if (zactor__fault_fails())
        return NULL;
    /* Concurrent calls are safe: hwloc only reads the topology here. */
    void *memory = hwloc_alloc_membind(topo->hw, size, topo->nodes[node]->nodeset,
                                       HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET);
    /* Binding is a placement preference: unbound memory beats none. Both
     * are page-aligned and freed by hwloc_free. */
    if (!memory)
        memory = hwloc_alloc(topo->hw, size);
    if (memory)
        zactor__fault_track(1);
    return memory;
}

void zactor__topology_free(zactor__topology *topo, void *memory, size_t size)
{
    if (!topo || !topo->binds_memory)
        zactor__free(memory);
    else if (memory) {
        zactor__fault_track(-1);
        hwloc_free(topo->hw, memory, size);
    }
}
