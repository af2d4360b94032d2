/* alloc.h - the one door every runtime allocation goes through (private).
 *
 * Each runtime file allocates and frees through these wrappers instead of
 * calling libc (or mmap, or hwloc's allocator) itself. In a normal build a
 * wrapper is the libc call and nothing else: they are static inline and
 * the fault hooks below are empty, so the send and turn paths compile to
 * the same code as with the plain calls.
 *
 * Built with ZACTOR_FAULT_INJECTION (the CMake option of that name), every
 * wrapper that allocates first counts one attempt and fails the attempt a
 * test armed (zactor__fault_arm), and every block is counted while it is
 * allocated (fault.c), so that a test can run a scenario with its Nth
 * allocation failing, for N = 1, 2, ..., and check that the failure is
 * reported and that nothing is left allocated afterwards
 * (tests/runtime/test_oom.c, docs/runtime.md "Out of memory").
 * Allocations made inside hwloc and libzmq do not go through here and
 * cannot be injected. */
#ifndef ZACTOR_ALLOC_H
#define ZACTOR_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifndef ZACTOR_FAULT_INJECTION
#define ZACTOR_FAULT_INJECTION 0
#endif

#if ZACTOR_FAULT_INJECTION
#include "fault.h"
#else
static inline bool zactor__fault_fails(void)
{
    return false;
}

static inline void zactor__fault_track(long delta)
{
    (void)delta;
}
#endif

static inline void *zactor__malloc(size_t size)
{
    if (zactor__fault_fails())
        return NULL;
    void *p = malloc(size);
    if (p)
        zactor__fault_track(1);
    return p;
}

static inline void *zactor__calloc(size_t count, size_t size)
{
    if (zactor__fault_fails())
        return NULL;
    void *p = calloc(count, size);
    if (p)
        zactor__fault_track(1);
    return p;
}

/* As realloc, except that a size of 0 is not allowed (no caller needs it,
 * and it would make the count of live blocks ambiguous). */
static inline void *zactor__realloc(void *old, size_t size)
{
    if (zactor__fault_fails())
        return NULL;
    void *p = realloc(old, size);
    if (p && !old)
        zactor__fault_track(1);
    return p;
}

static inline void *zactor__aligned_alloc(size_t alignment, size_t size)
{
    if (zactor__fault_fails())
        return NULL;
    void *p = aligned_alloc(alignment, size);
    if (p)
        zactor__fault_track(1);
    return p;
}

static inline void zactor__free(void *p)
{
    if (p)
        zactor__fault_track(-1);
    free(p);
}

/* size bytes of zeroed anonymous memory, or MAP_FAILED. Counted as one
 * block, whatever part of it the caller then gives back with munmap: only
 * the last munmap, through zactor__unmap, ends the block. */
static inline void *zactor__map(size_t size)
{
    if (zactor__fault_fails())
        return MAP_FAILED;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
        zactor__fault_track(1);
    return p;
}

static inline void zactor__unmap(void *p, size_t size)
{
    zactor__fault_track(-1);
    munmap(p, size);
}

#endif
