/* symtab.c - open addressing with linear probing; the table doubles at
 * half load. */
#include "symtab.h"

#include <stdint.h>
#include <string.h>

static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *key != '\0'; key++) {
        h ^= (unsigned char)*key;
        h *= 1099511628211u;
    }
    return h;
}

void zidl__symtab_init(zidl__symtab *tab, zidl__mem *mem)
{
    tab->keys = NULL;
    tab->values = NULL;
    tab->cap = 0;
    tab->count = 0;
    tab->mem = mem;
}

void zidl__symtab_free(zidl__symtab *tab)
{
    zidl__mem_free(tab->mem, tab->keys);
    zidl__mem_free(tab->mem, tab->values);
    zidl__symtab_init(tab, tab->mem);
}

static size_t find_slot(const char *const *keys, size_t cap, const char *key)
{
    size_t i = (size_t)hash_key(key) & (cap - 1);
    while (keys[i] != NULL && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

void *zidl__symtab_get(const zidl__symtab *tab, const char *key)
{
    if (tab->cap == 0)
        return NULL;
    size_t i = find_slot(tab->keys, tab->cap, key);
    return tab->keys[i] != NULL ? tab->values[i] : NULL;
}

static void grow(zidl__symtab *tab)
{
    size_t cap = tab->cap ? tab->cap * 2 : 64;
    if (cap > SIZE_MAX / sizeof(void *))
        zidl__mem_fail(tab->mem);
    const char **keys = zidl__mem_alloc(tab->mem, cap * sizeof *keys);
    memset(keys, 0, cap * sizeof *keys);
    void **values = zidl__mem_alloc(tab->mem, cap * sizeof *values);
    memset(values, 0, cap * sizeof *values);
    for (size_t i = 0; i < tab->cap; i++) {
        if (tab->keys[i] == NULL)
            continue;
        size_t j = find_slot(keys, cap, tab->keys[i]);
        keys[j] = tab->keys[i];
        values[j] = tab->values[i];
    }
    zidl__mem_free(tab->mem, tab->keys);
    zidl__mem_free(tab->mem, tab->values);
    tab->keys = keys;
    tab->values = values;
    tab->cap = cap;
}

void *zidl__symtab_put(zidl__symtab *tab, const char *key, void *value)
{
    if ((tab->count + 1) * 2 > tab->cap)
        grow(tab);
    size_t i = find_slot(tab->keys, tab->cap, key);
    if (tab->keys[i] != NULL)
        return tab->values[i];
    tab->keys[i] = key;
    tab->values[i] = value;
    tab->count++;
    return NULL;
}
