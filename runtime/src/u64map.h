/* u64map.h - a hash map from nonzero 64-bit keys to pointers (private).
 * Open addressing with linear probing and backward-shift deletion: no
 * tombstones, so a long-lived map with churn (pending requests) never
 * degrades. Not thread-safe: each user holds its own lock or thread. */
#ifndef ZACTOR_U64MAP_H
#define ZACTOR_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct zactor__u64map_slot {
    uint64_t key; /* 0: empty */
    void *value;
} zactor__u64map_slot;

typedef struct zactor__u64map {
    zactor__u64map_slot *slots;
    size_t mask; /* capacity - 1; capacity a power of two, or 0 */
    size_t count;
} zactor__u64map;

void zactor__u64map_init(zactor__u64map *map);
void zactor__u64map_free(zactor__u64map *map);
void *zactor__u64map_get(const zactor__u64map *map, uint64_t key);
/* Sets key's value (replacing any). false when memory ran out. */
bool zactor__u64map_put(zactor__u64map *map, uint64_t key, void *value);
/* Removes key; returns its value, or NULL. */
void *zactor__u64map_take(zactor__u64map *map, uint64_t key);

#endif
