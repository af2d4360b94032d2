/* arena.c - bump allocator backing the AST of one run. */
#include "arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { ARENA_BLOCK_SIZE = 64 * 1024 };

struct zidl__arena_block {
    zidl__arena_block *next;
    size_t used;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

void zidl__arena_init(zidl__arena *arena, zidl__mem *mem)
{
    arena->head = NULL;
    arena->mem = mem;
}

void zidl__arena_free(zidl__arena *arena)
{
    zidl__arena_block *block = arena->head;
    while (block != NULL) {
        zidl__arena_block *next = block->next;
        zidl__mem_free(arena->mem, block);
        block = next;
    }
    arena->head = NULL;
}

static zidl__arena_block *new_block(zidl__arena *arena, size_t min_size)
{
    size_t size = min_size > ARENA_BLOCK_SIZE ? min_size : ARENA_BLOCK_SIZE;
    if (size > SIZE_MAX - sizeof(zidl__arena_block))
        zidl__mem_fail(arena->mem);
    zidl__arena_block *block = zidl__mem_alloc(arena->mem, sizeof *block + size);
    block->next = NULL;
    block->used = 0;
    block->size = size;
    return block;
}

void *zidl__arena_alloc(zidl__arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX - align)
        zidl__mem_fail(arena->mem);
    size = (size + align - 1) / align * align;
    zidl__arena_block *block = arena->head;
    if (block == NULL || block->size - block->used < size) {
        block = new_block(arena, size);
        block->next = arena->head;
        arena->head = block;
    }
    void *p = block->data + block->used;
    block->used += size;
    memset(p, 0, size);
    return p;
}

char *zidl__arena_strndup(zidl__arena *arena, const char *text, size_t len)
{
    char *copy = zidl__arena_alloc(arena, len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

char *zidl__arena_strdup(zidl__arena *arena, const char *text)
{
    return zidl__arena_strndup(arena, text, strlen(text));
}

char *zidl__arena_sprintf(zidl__arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = zidl__arena_alloc(arena, len > 0 ? (size_t)len + 1 : 1);
    va_start(ap, fmt);
    vsnprintf(text, len > 0 ? (size_t)len + 1 : 1, fmt, ap);
    va_end(ap);
    return text;
}

void zidl__arena_push(zidl__arena *arena, void ***items, size_t *count, size_t *capacity,
                      void *item)
{
    if (*count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 8;
        void **bigger = zidl__arena_alloc(arena, grown * sizeof *bigger);
        if (*count > 0)
            memcpy(bigger, *items, *count * sizeof *bigger);
        *items = bigger;
        *capacity = grown;
    }
    (*items)[(*count)++] = item;
}
