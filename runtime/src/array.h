/* array.h - growing an array of elements (private). */
#ifndef ZACTOR_ARRAY_H
#define ZACTOR_ARRAY_H

#include <stdint.h>
#include <stdlib.h>

#include "alloc.h"

/* items, with room for element count + 1 (count elements of element_size
 * bytes in use, *capacity allocated): the same array when it has room,
 * else one twice as large (16 at first) and *capacity updated. NULL when
 * out of memory; items is then unchanged and still the caller's. */
static inline void *zactor__array_grow(void *items, size_t *capacity, size_t count,
                                       size_t element_size)
{
    if (count < *capacity)
        return items;
    size_t grown_capacity = *capacity ? 2 * *capacity : 16;
    if (grown_capacity > SIZE_MAX / element_size)
        return NULL;
    void *grown = zactor__realloc(items, grown_capacity * element_size);
    if (grown)
        *capacity = grown_capacity;
    return grown;
}

#endif
