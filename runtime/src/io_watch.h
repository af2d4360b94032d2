/* io_watch.h - descriptors actors watch through the I/O thread (private). */
#ifndef ZACTOR_IO_WATCH_H
#define ZACTOR_IO_WATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "u64map.h"
#include "zactor/zactor.h"

/* Every watch of the system by id, under one mutex: watching and
 * unwatching are rare next to events, and each event looks its watch up
 * twice (zactor_io_take, zactor_io_rearm). closed: the system is being
 * destroyed; the I/O thread polls no watch any more. */
typedef struct zactor__io_watches {
    pthread_mutex_t lock;
    zactor__u64map by_id;
    uint64_t last_id;
    bool closed;
} zactor__io_watches;

int zactor__io_watches_init(zactor__io_watches *watches);
/* zactor_system_destroy, before the workers are joined: the I/O thread
 * drops every watch from its poll set and sends no event after this. */
void zactor__io_watches_close(zactor_system *sys);
/* zactor_system_destroy, after the I/O thread is gone and every actor
 * ended: frees what is left. */
void zactor__io_watches_destroy(zactor__io_watches *watches);
/* The actor of cell (which set watches) is ending, before its `on stop`:
 * its watches end as zactor_io_unwatch ends one. */
void zactor__io_watches_actor_ended(zactor_cell *cell);

#endif
