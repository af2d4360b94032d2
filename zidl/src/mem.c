/* mem.c - the run's allocations, on a list so that running out of memory
 * can free them all (see mem.h). */
#include "mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Precedes every block; the union keeps the block aligned for any object. */
typedef union block_header {
    zidl__mem_link link;
    max_align_t align;
} block_header;

static void *default_allocate(void *user, void *block, size_t size)
{
    (void)user;
    if (size == 0) {
        free(block);
        return NULL;
    }
    return realloc(block, size);
}

void zidl__mem_init(zidl__mem *mem, const zidl_options *opts)
{
    mem->allocate = opts->allocate != NULL ? opts->allocate : default_allocate;
    mem->user = opts->user;
    mem->live.prev = &mem->live;
    mem->live.next = &mem->live;
    mem->on_failure = NULL;
    mem->internal_error[0] = '\0';
    mem->release = NULL;
    mem->resource = NULL;
}

static void link_block(zidl__mem *mem, block_header *header)
{
    header->link.prev = &mem->live;
    header->link.next = mem->live.next;
    mem->live.next->prev = &header->link;
    mem->live.next = &header->link;
}

static void unlink_block(block_header *header)
{
    header->link.prev->next = header->link.next;
    header->link.next->prev = header->link.prev;
}

_Noreturn void zidl__mem_fail(zidl__mem *mem)
{
    longjmp(*mem->on_failure, 1);
}

_Noreturn void zidl__mem_fail_internal(zidl__mem *mem, const char *what, const char *name)
{
    snprintf(mem->internal_error, sizeof mem->internal_error, "%s '%s'", what, name);
    longjmp(*mem->on_failure, 1);
}

void *zidl__mem_realloc(zidl__mem *mem, void *block, size_t size)
{
    if (size > SIZE_MAX - sizeof(block_header))
        zidl__mem_fail(mem);
    block_header *old = block != NULL ? (block_header *)block - 1 : NULL;
    if (old != NULL)
        unlink_block(old);
    block_header *header = mem->allocate(mem->user, old, sizeof *header + size);
    if (header == NULL) {
        if (old != NULL)
            link_block(mem, old); /* still allocated: freed with the rest */
        zidl__mem_fail(mem);
    }
    link_block(mem, header);
    return header + 1;
}

void *zidl__mem_alloc(zidl__mem *mem, size_t size)
{
    return zidl__mem_realloc(mem, NULL, size);
}

void zidl__mem_free(zidl__mem *mem, void *block)
{
    if (block == NULL)
        return;
    block_header *header = (block_header *)block - 1;
    unlink_block(header);
    mem->allocate(mem->user, header, 0);
}

void zidl__mem_free_all(zidl__mem *mem)
{
    while (mem->live.next != &mem->live) {
        block_header *header = (block_header *)mem->live.next;
        unlink_block(header);
        mem->allocate(mem->user, header, 0);
    }
    if (mem->release != NULL)
        mem->release(mem->resource);
    zidl__mem_let_go(mem);
}

void zidl__mem_hold(zidl__mem *mem, void (*release)(void *resource), void *resource)
{
    mem->release = release;
    mem->resource = resource;
}

void zidl__mem_let_go(zidl__mem *mem)
{
    mem->release = NULL;
    mem->resource = NULL;
}
