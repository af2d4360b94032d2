/* mem.h - every block a run allocates, through one place.
 *
 * zidl.h promises that the library never prints and never exits, so
 * running out of memory cannot abort: the allocation that fails jumps back
 * to zidl_compile() (a longjmp to on_failure), which returns ZIDL_ENOMEM.
 * A broken invariant of zidl itself leaves the same way, with
 * ZIDL_EINTERNAL: it is found deep inside a pass, which could not unwind
 * any better than an allocation could.
 * The passes hold memory of their own at that moment (local text buffers
 * and tables, the scanner, the parser's stack), which no caller up the
 * chain could free; so every block is kept on a list, and the run frees
 * the whole list on the way out. The arena, the text buffers, the tables,
 * the diagnostics, flex and bison all allocate here, through the
 * allocator of zidl_options. */
#ifndef ZIDL__MEM_H
#define ZIDL__MEM_H

#include <setjmp.h>
#include <stddef.h>

#include "zidl/zidl.h"

typedef struct zidl__mem_link {
    struct zidl__mem_link *prev;
    struct zidl__mem_link *next;
} zidl__mem_link;

typedef struct zidl__mem {
    zidl_alloc_fn allocate;
    void *user;
    zidl__mem_link live; /* the blocks not freed yet, a circular list */
    jmp_buf *on_failure;
    /* Empty unless the run ended on a broken invariant: what broke. */
    char internal_error[160];
    /* A resource that is not a block but must not outlive a run that ran
     * out of memory: a file being read, a buffer from read_file. */
    void (*release)(void *resource);
    void *resource;
} zidl__mem;

void zidl__mem_init(zidl__mem *mem, const zidl_options *opts);

/* size bytes aligned for any object; never NULL: out of memory jumps to
 * mem->on_failure, which must be set. */
void *zidl__mem_alloc(zidl__mem *mem, size_t size);
/* Like realloc(): block NULL allocates. Never NULL, as zidl__mem_alloc. */
void *zidl__mem_realloc(zidl__mem *mem, void *block, size_t size);
void zidl__mem_free(zidl__mem *mem, void *block);
/* Records out of memory and jumps to mem->on_failure. */
_Noreturn void zidl__mem_fail(zidl__mem *mem);
/* Records that an invariant of zidl failed ("what 'name'") and jumps to
 * mem->on_failure. */
_Noreturn void zidl__mem_fail_internal(zidl__mem *mem, const char *what, const char *name);

/* Frees every block not freed yet and the resource held, if any: the way
 * out of a run that ran out of memory. */
void zidl__mem_free_all(zidl__mem *mem);

/* Has zidl__mem_free_all() release resource while it is held; one at a
 * time. */
void zidl__mem_hold(zidl__mem *mem, void (*release)(void *resource), void *resource);
void zidl__mem_let_go(zidl__mem *mem);

#endif /* ZIDL__MEM_H */
