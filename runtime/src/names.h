/* names.h - the name registry: zactor_name_register and lookup (private). */
#ifndef ZACTOR_NAMES_H
#define ZACTOR_NAMES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "zactor/zactor.h"

/* One registered name. A slot, once used, keeps its name until the table
 * is rebuilt; the actor it holds may end (its ref goes stale) or be
 * unregistered (a null ref). Either way lookups report ZACTOR_ENOENT, and
 * registering the name again reuses the slot. */
typedef struct zactor__name {
    char *name; /* NULL: the slot is free */
    uint64_t hash;
    zactor_ref ref;
    const zactor_actor_type *type; /* the actor's, read when it was registered */
} zactor__name;

/* An open-addressing table (linear probing, a power of two slots, at most
 * half used) under a reader-writer lock: lookups run in parallel,
 * registrations are rare. An actor's end costs it nothing: its names go
 * stale and are dropped when the table is rebuilt to grow. */
typedef struct zactor__names {
    pthread_rwlock_t lock;
    zactor__name *slots;
    size_t capacity; /* 0 or a power of two */
    size_t used;     /* slots with a name */
} zactor__names;

int zactor__names_init(zactor__names *names);
void zactor__names_destroy(zactor__names *names);

#endif
