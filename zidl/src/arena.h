/* arena.h - bump allocation for everything that lives as long as one run.
 *
 * The AST, names and strings are freed in one go at the end of a run, so the
 * parser's error recovery can drop half-built nodes without leaking them. */
#ifndef ZIDL_ARENA_H
#define ZIDL_ARENA_H

#include <stddef.h>

#include "mem.h"

typedef struct zidl_arena_block zidl_arena_block;

typedef struct zidl_arena {
    zidl_arena_block *head;
    zidl_mem *mem; /* where the blocks come from; the run's other buffers too */
} zidl_arena;

void zidl_arena_init(zidl_arena *arena, zidl_mem *mem);
void zidl_arena_free(zidl_arena *arena);

/* Zeroed memory aligned for any object. Never NULL: out of memory ends
 * the run (mem.h), since a compiler cannot go on without its AST. */
void *zidl_arena_alloc(zidl_arena *arena, size_t size);
char *zidl_arena_strndup(zidl_arena *arena, const char *text, size_t len);
char *zidl_arena_strdup(zidl_arena *arena, const char *text);
char *zidl_arena_sprintf(zidl_arena *arena, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Appends item to a growable array of pointers held in the arena. */
void zidl_arena_push(zidl_arena *arena, void ***items, size_t *count,
                     size_t *capacity, void *item);

#endif /* ZIDL_ARENA_H */
