/* arena.h - bump allocation for everything that lives as long as one run.
 *
 * The AST, names and strings are freed in one go at the end of a run, so the
 * parser's error recovery can drop half-built nodes without leaking them. */
#ifndef ZIDL__ARENA_H
#define ZIDL__ARENA_H

#include <stddef.h>

#include "mem.h"

typedef struct zidl__arena_block zidl__arena_block;

typedef struct zidl__arena {
    zidl__arena_block *head;
    zidl__mem *mem; /* where the blocks come from; the run's other buffers too */
} zidl__arena;

void zidl__arena_init(zidl__arena *arena, zidl__mem *mem);
void zidl__arena_free(zidl__arena *arena);

/* Zeroed memory aligned for any object. Never NULL: out of memory ends
 * the run (mem.h), since a compiler cannot go on without its AST. */
void *zidl__arena_alloc(zidl__arena *arena, size_t size);
char *zidl__arena_strndup(zidl__arena *arena, const char *text, size_t len);
char *zidl__arena_strdup(zidl__arena *arena, const char *text);
char *zidl__arena_sprintf(zidl__arena *arena, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Appends item to a growable array of pointers held in the arena. */
void zidl__arena_push(zidl__arena *arena, void ***items, size_t *count, size_t *capacity,
                      void *item);

#endif /* ZIDL__ARENA_H */
