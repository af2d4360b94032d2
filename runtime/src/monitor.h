/* monitor.h - monitors: who is told when an actor ends (private). */
#ifndef ZACTOR_MONITOR_H
#define ZACTOR_MONITOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor.h"
#include "zactor/zactor.h"

/* One monitor: `watcher` is told (at its `on down` entry, down_tag) when
 * the actor of `target` ends. fired: its Down was sent, or waits; the
 * watcher's dispatch takes it off the list (zactor_down_take). */
typedef struct zactor__monitor {
    uint64_t id;
    zactor_ref target;
    zactor_ref watcher;
    const zactor_actor_type *watcher_type;
    uint32_t down_tag;
    bool fired;
    /* Fired, and its Down found no memory (or other notices waited): it
     * waits here, with what it says, to be sent again (notice.c). */
    bool waiting;
    /* A remote target's type name, for its Down (a local target's Down
     * takes the name from its cell). */
    const char *target_type_name;
    /* Once fired: what its Down says, and while it waits, its place in
     * the order of waiting notices. */
    const char *down_type_name;
    zactor_end_reason reason;
    uint64_t seq;
} zactor__monitor;

/* Every monitor of the system, under one mutex: setting, firing and
 * removing monitors are rare next to messages, and one lock makes "set
 * while the target ends" simple to get right (life.h, WATCHED). Lookups
 * scan the list: fine for thousands of monitors, not for millions. */
typedef struct zactor__monitors {
    pthread_mutex_t lock;
    zactor__monitor *items;
    size_t count;
    size_t capacity;
    size_t waiting; /* items whose Down waits */
    uint64_t last_id;
} zactor__monitors;

int zactor__monitors_init(zactor__monitors *monitors);
void zactor__monitors_destroy(zactor__monitors *monitors);

/* From a handler or hook (ctx) of an actor with an `on down;` entry:
 * spawns an actor as zactor_spawn does and monitors it, before it can
 * run, so that its Down always carries its real reason. Returns 0 with
 * the ref in *out and the monitor's id in *id, or the errors of
 * zactor_spawn and zactor_monitor. */
int zactor__spawn_monitored(zactor_ctx *ctx, const zactor_actor_type *type, const void *init,
                            zactor_ref *out, uint64_t *id);

/* The end of the actor whose life word was `before` just before ALIVE was
 * cleared, for `reason`: fires its monitors (if WATCHED), and removes the
 * monitors it held (if it set any). Runs on the thread that ended it. */
void zactor__monitors_actor_ended(zactor_cell *cell, uint64_t before, zactor_end_reason reason);

/* The reason an actor that has ended left in its cell, for a monitor set
 * later (the cell keeps it until it is recycled). */
void zactor__end_word_store(zactor_cell *cell, zactor_end_reason reason);

/* Monitors across nodes (node.c). On the target's node, a remote
 * watcher is a proxy: its monitor's Down goes to the proxy's node. */
/* Sets monitor id of the proxy watcher on the local target (id is the
 * watcher node's: a proxy never matches a local demonitor). 0 or
 * ZACTOR_ENOMEM. */
int zactor__monitors_remote_add(zactor_system *sys, zactor_ref target, zactor_ref watcher,
                                uint64_t id);
void zactor__monitors_remote_remove(zactor_system *sys, zactor_ref watcher, uint64_t id);
/* On the watcher's node: the Down of monitor id of local watcher, whose
 * target is remote, came with reason. */
void zactor__monitors_remote_down(zactor_system *sys, zactor_ref watcher, uint64_t id,
                                  zactor_end_reason reason);
/* A peer went down: monitors of its actors fire ZACTOR_END_NODE_DOWN,
 * monitors its actors held are removed. of_peer tells a proxy ref of it. */
void zactor__monitors_peer_down(zactor_system *sys,
                                bool (*of_peer)(zactor_ref ref, const void *peer),
                                const void *peer);
/* On the target's node: monitor id of the proxy watcher cannot be held
 * (its target is unknown, or the list found no memory): its Down goes at
 * once with ZACTOR_END_GONE, or waits in the list if it finds no memory
 * and the list does. Counted as lost when neither does (notice.c). */
void zactor__monitors_remote_gone(zactor_system *sys, zactor_ref watcher, uint64_t id);

/* The retry of waiting Downs (notice.c). next_waiting: the place in the
 * order of the first waiting Down after `after`, and its watcher's cell
 * in *watcher; 0 when there is none. resend: sends the waiting Down of
 * that place again; ZACTOR_ENOMEM when it still waits, else 0 (queued,
 * dropped because its watcher has ended or the system stops, or gone
 * from the list meanwhile). */
uint64_t zactor__monitors_next_waiting(zactor__monitors *monitors, uint64_t after,
                                       zactor_cell **watcher);
int zactor__monitors_resend(zactor_system *sys, uint64_t seq);

#endif
