/* names.c - the name registry: zactor_name_register, _unregister, _lookup.
 *
 * A name does not hold its actor: the registry keeps the ref, and a
 * lookup checks the actor's life word, so a name is free as soon as its
 * actor has ended or been killed, without the end doing anything (an actor that has no
 * name pays nothing). Names whose actors ended stay in their slots until
 * the table grows, when they are dropped: the table holds at most twice
 * the names registered to live actors since it last grew, plus those. */
#include "names.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "actor.h"
#include "alloc.h"
#include "system.h"

int zactor__names_init(zactor__names *names)
{
    names->slots = NULL;
    names->capacity = 0;
    names->used = 0;
    return pthread_rwlock_init(&names->lock, NULL) == 0 ? 0 : -1;
}

void zactor__names_destroy(zactor__names *names)
{
    for (size_t i = 0; i < names->capacity; i++)
        zactor__free(names->slots[i].name);
    zactor__free(names->slots);
    pthread_rwlock_destroy(&names->lock);
}

/* A name as the table looks for it. */
typedef struct name_key {
    const char *name;
    size_t length;
    uint64_t hash;
} name_key;

/* false for a NULL, empty or too long name. */
static bool name_key_of(const char *name, name_key *key)
{
    if (!name)
        return false;
    key->name = name;
    key->length = strnlen(name, ZACTOR_NAME_MAX + 1);
    if (key->length == 0 || key->length > ZACTOR_NAME_MAX)
        return false;
    key->hash = XXH3_64bits(name, key->length);
    return true;
}

/* true while the actor of ref may hold names: it is alive (its
 * generation, ALIVE) and not killed. A killed actor handles no message
 * any more, so a lookup that found it would be no use; and a supervisor
 * killed with its children can be restarted at once under their names. */
static bool ref_holds_names(zactor_ref ref)
{
    if (!ref.cell)
        return false;
    /* Acquire: as a send's; the ref may be sent to at once. */
    uint64_t life = atomic_load_explicit(&ref.cell->life, memory_order_acquire);
    return zactor__life_generation(life) == ref.generation &&
           (life & (ZACTOR__LIFE_ALIVE | ZACTOR__LIFE_KILL)) == ZACTOR__LIFE_ALIVE;
}

/* Under the lock: the slot holding name, or the free slot where it would
 * go (NULL for an empty table). */
static zactor__name *names_probe(const zactor__names *names, const name_key *key)
{
    if (names->capacity == 0)
        return NULL;
    size_t mask = names->capacity - 1;
    for (size_t i = key->hash & mask;; i = (i + 1) & mask) {
        zactor__name *slot = &names->slots[i];
        if (!slot->name ||
            (slot->hash == key->hash && memcmp(slot->name, key->name, key->length + 1) == 0))
            return slot;
    }
}

/* Under the lock: the slot of the name when it holds an actor, else NULL. */
static zactor__name *names_find_held(const zactor__names *names, const name_key *key)
{
    zactor__name *slot = names_probe(names, key);
    return slot && slot->name && ref_holds_names(slot->ref) ? slot : NULL;
}

/* Under the write lock: room for one more name, dropping the names whose
 * actors have ended; the table doubles only when the live names need it. */
static bool names_make_room(zactor__names *names)
{
    if (names->capacity && 2 * (names->used + 1) <= names->capacity)
        return true;
    size_t live = 0;
    for (size_t i = 0; i < names->capacity; i++)
        live += names->slots[i].name && ref_holds_names(names->slots[i].ref);
    size_t capacity = names->capacity ? names->capacity : 16;
    while (4 * (live + 1) > capacity) {
        if (capacity > SIZE_MAX / 2 / sizeof(zactor__name))
            return false;
        capacity *= 2;
    }
    zactor__name *slots = zactor__calloc(capacity, sizeof *slots);
    if (!slots)
        return false;
    zactor__names grown = {.slots = slots, .capacity = capacity, .used = 0};
    for (size_t i = 0; i < names->capacity; i++) {
        zactor__name *old = &names->slots[i];
        if (!old->name)
            continue;
        if (!ref_holds_names(old->ref)) {
            zactor__free(old->name);
            continue;
        }
        name_key key = {old->name, strlen(old->name), old->hash};
        *names_probe(&grown, &key) = *old;
        grown.used++;
    }
    zactor__free(names->slots);
    names->slots = grown.slots;
    names->capacity = grown.capacity;
    names->used = grown.used;
    return true;
}

/* The type of the actor of ref while it may hold names, else NULL. Under the
 * cell store's lock, which the recycle takes to bump the generation: the
 * cell cannot change hands between reading its life word and its type. */
static const zactor_actor_type *live_type(zactor_system *sys, zactor_ref ref)
{
    pthread_mutex_lock(&sys->cells.lock);
    const zactor_actor_type *type = NULL;
    if (ref_holds_names(ref))
        /* Relaxed: published by spawn's release of the life word read. */
        type = atomic_load_explicit(&ref.cell->type, memory_order_relaxed);
    pthread_mutex_unlock(&sys->cells.lock);
    return type;
}

int zactor_name_register(zactor_system *sys, const char *name, zactor_ref ref)
{
    name_key key;
    if (!sys || !ref.cell || ref.cell->sys != sys || !name_key_of(name, &key))
        return ZACTOR_EARG;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    const zactor_actor_type *type = live_type(sys, ref);
    if (!type)
        return ZACTOR_EDEAD;
    zactor__names *names = &sys->names;
    int rc = 0;
    pthread_rwlock_wrlock(&names->lock);
    zactor__name *slot = names_probe(names, &key);
    if (slot && slot->name) {
        if (!ref_holds_names(slot->ref)) {
            slot->ref = ref;
            slot->type = type;
        } else if (slot->ref.cell != ref.cell || slot->ref.generation != ref.generation) {
            rc = ZACTOR_EEXIST;
        }
        goto out;
    }
    char *copy = zactor__malloc(key.length + 1);
    if (!copy || !names_make_room(names)) {
        zactor__free(copy);
        rc = ZACTOR_ENOMEM;
        goto out;
    }
    memcpy(copy, name, key.length + 1);
    *names_probe(names, &key) = (zactor__name){copy, key.hash, ref, type};
    names->used++;
out:
    pthread_rwlock_unlock(&names->lock);
    return rc;
}

int zactor_name_unregister(zactor_system *sys, const char *name)
{
    name_key key;
    if (!sys || !name_key_of(name, &key))
        return ZACTOR_EARG;
    zactor__names *names = &sys->names;
    pthread_rwlock_wrlock(&names->lock);
    zactor__name *slot = names_find_held(names, &key);
    if (slot)
        slot->ref = (zactor_ref){NULL, 0};
    pthread_rwlock_unlock(&names->lock);
    return slot ? 0 : ZACTOR_ENOENT;
}

int zactor_name_lookup(zactor_system *sys, const char *name, const zactor_actor_type *type,
                       zactor_ref *out)
{
    if (!out)
        return ZACTOR_EARG;
    name_key key;
    int rc = ZACTOR_EARG;
    if (sys && name_key_of(name, &key)) {
        zactor__names *names = &sys->names;
        pthread_rwlock_rdlock(&names->lock);
        zactor__name *slot = names_find_held(names, &key);
        rc = !slot ? ZACTOR_ENOENT : type && slot->type != type ? ZACTOR_ETYPE : 0;
        if (rc == 0)
            *out = slot->ref;
        pthread_rwlock_unlock(&names->lock);
    }
    if (rc != 0)
        *out = (zactor_ref){NULL, (uint32_t)-rc}; /* zactor_ref_error reads it */
    return rc;
}
