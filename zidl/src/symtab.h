/* symtab.h - a string-keyed hash table, so that name lookups and duplicate
 * checks stay linear even on huge hostile inputs. */
#ifndef ZIDL_SYMTAB_H
#define ZIDL_SYMTAB_H

#include <stddef.h>

#include "mem.h"

typedef struct zidl_symtab {
    const char **keys; /* borrowed: keys must outlive the table */
    void **values;
    size_t cap;
    size_t count;
    zidl_mem *mem;
} zidl_symtab;

/* An empty table; it grows in mem, so out of memory ends the run (mem.h). */
void zidl_symtab_init(zidl_symtab *tab, zidl_mem *mem);
void zidl_symtab_free(zidl_symtab *tab);
void *zidl_symtab_get(const zidl_symtab *tab, const char *key);
/* Adds key -> value unless key is present; returns the value already there
 * (and changes nothing) or NULL when it was added. value must not be NULL. */
void *zidl_symtab_put(zidl_symtab *tab, const char *key, void *value);

#endif /* ZIDL_SYMTAB_H */
