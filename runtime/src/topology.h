/* topology.h - hwloc: how many workers, on which processing units, grouped
 * by NUMA node; pinning; memory bound to a node (private). */
#ifndef ZACTOR_TOPOLOGY_H
#define ZACTOR_TOPOLOGY_H

#include <pthread.h>
#include <stddef.h>

#include "zactor/zactor.h"

/* Default worker count on a synthetic topology: its PUs, at most this many
 * (a synthetic machine can be far bigger than the real one). */
#define ZACTOR__SYNTHETIC_MAX_WORKERS 64u

typedef struct zactor__topology zactor__topology;

/*
 * Which node each worker belongs to. Nodes are numbered 0..node_count-1 in
 * the runtime's own order: only NUMA nodes that got at least one worker, in
 * hwloc's logical order. Workers fill the processing units node by node, so
 * a node's workers are contiguous while there are no more workers than PUs.
 */
typedef struct zactor__layout {
    unsigned workers;
    unsigned node_count;
    unsigned *worker_node; /* [workers] */
    /* [node_count * node_count]: row n lists every node, n first, then the
     * others nearest first (hwloc's distance matrix if it has one, else the
     * depth of the common ancestor, ties in cyclic order after n). */
    unsigned *node_order;
} zactor__layout;

/*
 * Decides the worker count and the node of each worker for cfg. The
 * topology is cfg->topology, else $ZACTOR_TOPOLOGY (empty = unset), else
 * the real machine. *kept receives the topology when workers are to be
 * pinned to real PUs (it also binds pool memory to nodes), else NULL; close
 * it with zactor__topology_close. Returns 0, ZACTOR_EARG when hwloc
 * rejects the synthetic description, or ZACTOR_ENOMEM. A real machine whose
 * topology cannot be read runs unpinned as one node.
 */
int zactor__layout_plan(zactor__layout *layout, const zactor_config *cfg, zactor__topology **kept);
void zactor__layout_free(zactor__layout *layout);

void zactor__topology_close(zactor__topology *topo);

/* Binds thread to worker's processing unit (the same one the layout gave
 * its node). Returns 0 or -1. */
int zactor__topology_pin(zactor__topology *topo, pthread_t thread, unsigned worker);

/* The OS index of worker's processing unit (as zactor__topology_pin binds
 * it), or -1 for a synthetic topology. */
int zactor__topology_pu_index(const zactor__topology *topo, unsigned worker);

/* size bytes (a multiple of the page size is best), 64-byte aligned, for
 * node's pools: bound to that node when topo is the real machine with more
 * than one node, else plain aligned_alloc (topo may be NULL). */
void *zactor__topology_alloc(zactor__topology *topo, unsigned node, size_t size);
/* Frees what zactor__topology_alloc returned, with the same topo and size. */
void zactor__topology_free(zactor__topology *topo, void *memory, size_t size);

#endif
