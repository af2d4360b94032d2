/* topology.c - hwloc: count the processing units we may run on, pin workers. */
#include "topology.h"

#include <hwloc.h>
#include <stdlib.h>

struct zactor__topology {
    hwloc_topology_t hw;
    hwloc_bitmap_t allowed; /* PUs in the process's affinity mask */
    unsigned pu_count;
};

/* The affinity mask restricted to PUs the topology knows; falls back to all
 * allowed PUs when the binding cannot be read (e.g. unsupported OS). */
static int load_allowed_set(zactor__topology *topo)
{
    topo->allowed = hwloc_bitmap_alloc();
    if (!topo->allowed)
        return -1;
    if (hwloc_get_cpubind(topo->hw, topo->allowed, HWLOC_CPUBIND_PROCESS) != 0 &&
        hwloc_bitmap_copy(topo->allowed, hwloc_topology_get_allowed_cpuset(topo->hw)) != 0)
        return -1;
    hwloc_bitmap_and(topo->allowed, topo->allowed, hwloc_topology_get_allowed_cpuset(topo->hw));
    int weight = hwloc_bitmap_weight(topo->allowed);
    topo->pu_count = weight > 0 ? (unsigned)weight : 1;
    return 0;
}

zactor__topology *zactor__topology_open(void)
{
    zactor__topology *topo = calloc(1, sizeof *topo);
    if (!topo)
        return NULL;
    if (hwloc_topology_init(&topo->hw) != 0) {
        free(topo);
        return NULL;
    }
    if (hwloc_topology_load(topo->hw) != 0 || load_allowed_set(topo) != 0) {
        zactor__topology_close(topo);
        return NULL;
    }
    return topo;
}

void zactor__topology_close(zactor__topology *topo)
{
    if (!topo)
        return;
    if (topo->allowed)
        hwloc_bitmap_free(topo->allowed);
    hwloc_topology_destroy(topo->hw);
    free(topo);
}

unsigned zactor__topology_pu_count(const zactor__topology *topo)
{
    return topo->pu_count;
}

int zactor__topology_pin(zactor__topology *topo, pthread_t thread, unsigned index)
{
    unsigned wanted = index % topo->pu_count;
    int pu = hwloc_bitmap_first(topo->allowed);
    for (unsigned i = 0; i < wanted && pu >= 0; i++)
        pu = hwloc_bitmap_next(topo->allowed, pu);
    if (pu < 0)
        return -1;
    hwloc_bitmap_t single = hwloc_bitmap_alloc();
    if (!single)
        return -1;
    hwloc_bitmap_only(single, (unsigned)pu);
    int rc = hwloc_set_thread_cpubind(topo->hw, thread, single, 0);
    hwloc_bitmap_free(single);
    return rc == 0 ? 0 : -1;
}
