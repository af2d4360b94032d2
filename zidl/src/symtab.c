/* symtab.c - open addressing with linear probing; the table doubles at
 * half load. */
#include "symtab.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

void zidl_symtab_init(zidl_symtab *tab)
{
    tab->keys = NULL;
    tab->values = NULL;
    tab->cap = 0;
    tab->count = 0;
}

void zidl_symtab_free(zidl_symtab *tab)
{
    free(tab->keys);
    free(tab->values);
    zidl_symtab_init(tab);
}

static size_t find_slot(const char *const *keys, size_t cap, const char *key)
{
    size_t i = (size_t)hash_key(key) & (cap - 1);
    while (keys[i] != NULL && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

void *zidl_symtab_get(const zidl_symtab *tab, const char *key)
{
    if (tab->cap == 0)
        return NULL;
    size_t i = find_slot(tab->keys, tab->cap, key);
    return tab->keys[i] != NULL ? tab->values[i] : NULL;
}

static void grow(zidl_symtab *tab)
{
    size_t cap = tab->cap ? tab->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof *keys);
    void **values = calloc(cap, sizeof *values);
    if (keys == NULL || values == NULL) {
        fputs("zidl: out of memory\n", stderr);
        abort();
    }
    for (size_t i = 0; i < tab->cap; i++) {
        if (tab->keys[i] == NULL)
            continue;
        size_t j = find_slot(keys, cap, tab->keys[i]);
        keys[j] = tab->keys[i];
        values[j] = tab->values[i];
    }
    free(tab->keys);
    free(tab->values);
    tab->keys = keys;
    tab->values = values;
    tab->cap = cap;
}

void *zidl_symtab_put(zidl_symtab *tab, const char *key, void *value)
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
