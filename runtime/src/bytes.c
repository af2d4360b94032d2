/* bytes.c - reference-counted zero-copy buffers (the public bytes API).
 *
 * One allocation per buffer: a header of one cache line (the count and the
 * size), then the data, so the data starts 64-byte aligned and a buffer
 * costs a single malloc and a single free. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "zactor/zactor.h"

#define BYTES_ALIGN 64u

struct zactor_bytes_buffer {
    _Alignas(BYTES_ALIGN) _Atomic size_t refs;
    size_t size;
    /* the data follows, at the next multiple of BYTES_ALIGN */
};
_Static_assert(sizeof(struct zactor_bytes_buffer) == BYTES_ALIGN,
               "the data starts one cache line after the header");

int zactor_bytes_alloc(size_t size, zactor_bytes *out)
{
    if (!out)
        return ZACTOR_EINVAL;
    out->buffer = NULL;
    if (size == 0)
        return 0;
    if (size > SIZE_MAX - 2 * BYTES_ALIGN)
        return ZACTOR_ENOMEM;
    size_t total = (sizeof(zactor_bytes_buffer) + size + BYTES_ALIGN - 1) & ~(size_t)(BYTES_ALIGN - 1);
    zactor_bytes_buffer *buffer = aligned_alloc(BYTES_ALIGN, total);
    if (!buffer)
        return ZACTOR_ENOMEM;
    atomic_init(&buffer->refs, 1);
    buffer->size = size;
    out->buffer = buffer;
    return 0;
}

int zactor_bytes_copy(const void *data, size_t size, zactor_bytes *out)
{
    if (!data && size)
        return ZACTOR_EINVAL;
    int rc = zactor_bytes_alloc(size, out);
    if (rc == 0 && size)
        memcpy(zactor_bytes_data(*out), data, size);
    return rc;
}

void *zactor_bytes_data(zactor_bytes bytes)
{
    return bytes.buffer ? (void *)(bytes.buffer + 1) : NULL;
}

size_t zactor_bytes_size(zactor_bytes bytes)
{
    return bytes.buffer ? bytes.buffer->size : 0;
}

zactor_bytes zactor_bytes_retain(zactor_bytes bytes)
{
    if (bytes.buffer) {
        /* Relaxed: the caller already holds a reference, so the buffer is
         * alive; handing the new one to another thread synchronises by
         * whatever carries it (a send publishes with release). */
        atomic_fetch_add_explicit(&bytes.buffer->refs, 1, memory_order_relaxed);
    }
    return bytes;
}

void zactor_bytes_release(zactor_bytes bytes)
{
    if (!bytes.buffer)
        return;
    /* Acq_rel: release orders this holder's use of the data before the
     * free; the acquire on the last decrement makes every other holder's
     * use happen before the free that follows. */
    if (atomic_fetch_sub_explicit(&bytes.buffer->refs, 1, memory_order_acq_rel) == 1)
        free(bytes.buffer);
}
