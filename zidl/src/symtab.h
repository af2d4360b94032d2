/* symtab.h - a string-keyed hash table, so that name lookups and duplicate
 * checks stay linear even on huge hostile inputs. */
#ifndef ZIDL__SYMTAB_H
#define ZIDL__SYMTAB_H

#include <stddef.h>

#include "mem.h"

typedef struct zidl__symtab {
    const char **keys; /* borrowed: keys must outlive the table */
    void **values;
    size_t cap;
    size_t count;
    zidl__mem *mem;
} zidl__symtab;

/* An empty table; it grows in mem, so out of memory ends the run (mem.h). */
void zidl__symtab_init(zidl__symtab *tab, zidl__mem *mem);
void zidl__symtab_free(zidl__symtab *tab);
void *zidl__symtab_get(const zidl__symtab *tab, const char *key);
/* Adds key -> value unless key is present; returns the value already there
 * (and changes nothing) or NULL when it was added. value must not be NULL. */
void *zidl__symtab_put(zidl__symtab *tab, const char *key, void *value);

#endif /* ZIDL__SYMTAB_H */
