/* topology.h - processing units of the affinity mask, thread pinning (hwloc). */
#ifndef ZACTOR_TOPOLOGY_H
#define ZACTOR_TOPOLOGY_H

#include <pthread.h>

typedef struct zactor__topology zactor__topology;

/* Loads the machine topology and the process's affinity mask; NULL on failure. */
zactor__topology *zactor__topology_open(void);
void zactor__topology_close(zactor__topology *topo);

/* Processing units in the affinity mask (>= 1). */
unsigned zactor__topology_pu_count(const zactor__topology *topo);

/* Binds thread to the (index mod pu_count)-th processing unit of the mask.
 * Returns 0 or -1. Not thread-safe: call from the thread that owns topo. */
int zactor__topology_pin(zactor__topology *topo, pthread_t thread, unsigned index);

#endif
