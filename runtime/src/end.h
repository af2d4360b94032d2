/* end.h - how actors end: their own stop or failure, a kill from anyone,
 * the reason their `on stop` sees (private). */
#ifndef ZACTOR_END_H
#define ZACTOR_END_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor.h"
#include "zactor/zactor.h"

/* The code of a kill, kept until the killed actor's worker takes it: the
 * life word has room for the KILL bit only. Kills are rare, so one list
 * under a mutex. */
typedef struct zactor__kill {
    zactor_cell *cell;
    uint32_t generation;
    int code;
} zactor__kill;

typedef struct zactor__kills {
    pthread_mutex_t lock;
    zactor__kill *items;
    size_t count;
    size_t capacity;
} zactor__kills;

int zactor__kills_init(zactor__kills *kills);
void zactor__kills_destroy(zactor__kills *kills);

/* true when the running actor must end after the handler or hook that just
 * returned: it asked to (zactor_stop, zactor_fail), or a kill's hint is
 * set. Reads the owner's line only: cheap after every handler. A hint may
 * be stale; zactor__actor_end_if_asked checks the life word. */
static inline bool zactor__end_asked(zactor_cell *cell)
{
    /* Relaxed: the turn's own STOP, or a hint; zactor__actor_end_if_asked
     * acquires it again. */
    return atomic_load_explicit(&cell->asks, memory_order_relaxed) != 0;
}

/* The reason an actor that is ending now ends with: its own request, else
 * a kill (life has KILL), else `otherwise` (a shutdown). */
zactor_end_reason zactor__end_reason(zactor_cell *cell, const zactor_ctx *ctx,
                                     zactor_end_kind otherwise);

/* Forgets the kill of the cell's generation (its life word had KILL when
 * ALIVE was cleared). */
void zactor__kill_forget(zactor_system *sys, zactor_cell *cell, uint32_t generation);

#endif
