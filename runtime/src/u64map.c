/* u64map.c - the map of u64map.h. */
#include "u64map.h"

#include <stdlib.h>

#include "alloc.h"

/* A 64-bit mix (splitmix64's finaliser): request ids count up by one and
 * actor ids differ in their high bits, neither spreads by itself. */
static size_t u64map_hash(uint64_t key)
{
    key ^= key >> 30;
    key *= UINT64_C(0xbf58476d1ce4e5b9);
    key ^= key >> 27;
    key *= UINT64_C(0x94d049bb133111eb);
    key ^= key >> 31;
    return (size_t)key;
}

void zactor__u64map_init(zactor__u64map *map)
{
    map->slots = NULL;
    map->mask = 0;
    map->count = 0;
}

void zactor__u64map_free(zactor__u64map *map)
{
    zactor__free(map->slots);
    zactor__u64map_init(map);
}

static zactor__u64map_slot *u64map_find(const zactor__u64map *map, uint64_t key)
{
    if (!map->slots)
        return NULL;
    for (size_t i = u64map_hash(key) & map->mask;; i = (i + 1) & map->mask) {
        zactor__u64map_slot *slot = &map->slots[i];
        if (slot->key == key)
            return slot;
        if (slot->key == 0)
            return NULL;
    }
}

void *zactor__u64map_get(const zactor__u64map *map, uint64_t key)
{
    zactor__u64map_slot *slot = u64map_find(map, key);
    return slot ? slot->value : NULL;
}

static void u64map_insert(zactor__u64map_slot *slots, size_t mask, uint64_t key, void *value)
{
    size_t i = u64map_hash(key) & mask;
    while (slots[i].key != 0 && slots[i].key != key)
        i = (i + 1) & mask;
    slots[i].key = key;
    slots[i].value = value;
}

static bool u64map_grow(zactor__u64map *map)
{
    size_t capacity = map->slots ? 2 * (map->mask + 1) : 16;
    zactor__u64map_slot *slots = zactor__calloc(capacity, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; map->slots && i <= map->mask; i++) {
        if (map->slots[i].key)
            u64map_insert(slots, capacity - 1, map->slots[i].key, map->slots[i].value);
    }
    zactor__free(map->slots);
    map->slots = slots;
    map->mask = capacity - 1;
    return true;
}

bool zactor__u64map_put(zactor__u64map *map, uint64_t key, void *value)
{
    zactor__u64map_slot *slot = u64map_find(map, key);
    if (slot) {
        slot->value = value;
        return true;
    }
    /* At most 3/4 full: probes stay short. */
    if ((!map->slots || 4 * (map->count + 1) > 3 * (map->mask + 1)) && !u64map_grow(map))
        return false;
    u64map_insert(map->slots, map->mask, key, value);
    map->count++;
    return true;
}

void *zactor__u64map_take(zactor__u64map *map, uint64_t key)
{
    zactor__u64map_slot *slot = u64map_find(map, key);
    if (!slot)
        return NULL;
    void *value = slot->value;
    size_t hole = (size_t)(slot - map->slots);
    /* Backward shift: move each later entry of the run into the hole
     * when its home is not between the hole and it (cyclically). */
    for (size_t i = (hole + 1) & map->mask; map->slots[i].key; i = (i + 1) & map->mask) {
        size_t home = u64map_hash(map->slots[i].key) & map->mask;
        bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (stays)
            continue;
        map->slots[hole] = map->slots[i];
        hole = i;
    }
    map->slots[hole].key = 0;
    map->slots[hole].value = NULL;
    map->count--;
    return value;
}
