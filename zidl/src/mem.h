/* mem.h - every block a run allocates, through one place.
 *
 * zidl.h promises that the library never prints and never exits, so
 * running out of memory cannot abort: the allocation that fails jumps back
 * to zidl_compile() (a longjmp to on_failure), which returns ZIDL_ENOMEM.
 * The passes hold memory of their own at that moment (local text buffers
 * and tables, the scanner, the parser's stack), which no caller up the
 * chain could free; so every block is kept on a list, and the run frees
 * the whole list on the way out. The arena, the text buffers, the tables,
 * the diagnostics, flex and bison all allocate here, through the
 * allocator of zidl_options. */
#ifndef ZIDL_MEM_H
#define ZIDL_MEM_H

#include <setjmp.h>
#include <stddef.h>

#include "zidl/zidl.h"

typedef struct zidl_mem_link {
    struct zidl_mem_link *prev;
    struct zidl_mem_link *next;
} zidl_mem_link;

typedef struct zidl_mem {
    zidl_alloc_fn allocate;
    void *user;
    zidl_mem_link live; /* the blocks not freed yet, a circular list */
    jmp_buf *on_failure;
    /* A resource that is not a block but must not outlive a run that ran
     * out of memory: a file being read, a buffer from read_file. */
    void (*release)(void *resource);
    void *resource;
} zidl_mem;

void zidl_mem_init(zidl_mem *mem, const zidl_options *opts);

/* size bytes aligned for any object; never NULL: out of memory jumps to
 * mem->on_failure, which must be set. */
void *zidl_mem_alloc(zidl_mem *mem, size_t size);
/* Like realloc(): block NULL allocates. Never NULL, as zidl_mem_alloc. */
void *zidl_mem_realloc(zidl_mem *mem, void *block, size_t size);
void zidl_mem_free(zidl_mem *mem, void *block);
/* Records out of memory and jumps to mem->on_failure. */
_Noreturn void zidl_mem_fail(zidl_mem *mem);

/* Frees every block not freed yet and the resource held, if any: the way
 * out of a run that ran out of memory. */
void zidl_mem_free_all(zidl_mem *mem);

/* Has zidl_mem_free_all() release resource while it is held; one at a
 * time. */
void zidl_mem_hold(zidl_mem *mem, void (*release)(void *resource), void *resource);
void zidl_mem_let_go(zidl_mem *mem);

#endif /* ZIDL_MEM_H */
