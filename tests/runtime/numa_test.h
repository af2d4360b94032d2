/* numa_test.h - the synthetic topology the NUMA tests share. */
#ifndef ZACTOR_NUMA_TEST_H
#define ZACTOR_NUMA_TEST_H

#include "rt_test.h"

/* 2 packages of 2 NUMA nodes of 4 single-PU cores: 16 workers, 4 nodes,
 * nodes 0-1 and 2-3 share a package. */
#define FOUR_NODES "pack:2 numa:2 core:4 pu:1"
#define FOUR_NODES_WORKERS 16u
#define FOUR_NODES_COUNT 4u

/* workers = 0: one per PU of the synthetic machine. */
static inline zactor_system *start_synthetic(const char *topology, unsigned workers)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.topology = topology;
    cfg.workers = workers;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    return sys;
}

#endif
