/* bytes.c - reference-counted zero-copy buffers (the public bytes API).
 *
 * One allocation per buffer: a header of one cache line (the count, the
 * size and the size class), then the data, so the data starts 64-byte
 * aligned.
 *
 * Buffers are recycled through per-thread caches, one LIFO free list per
 * power-of-two data size (64 bytes to 1 MiB; the header comes on top): a
 * steady stream of same-sized payloads then allocates nothing. Without them a
 * 64 KiB message cost about six times a 64-byte one, mostly malloc's heap
 * consolidation and the page faults of memory the heap had trimmed. A
 * buffer goes back to the cache of the thread that drops its last
 * reference (in request/reply traffic, the thread that allocates the next
 * one); a full cache frees to malloc. Each thread caches at most
 * CACHE_BYTES in all, and a thread's cache is freed when it exits.
 * Under AddressSanitizer there is no cache, so that a use after the last
 * release is still caught, nor in the fault-injection build. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "zactor/zactor.h"

#define BYTES_ALIGN 64u
#define CLASS_MIN_SHIFT 6u  /* 64 bytes of data */
#define CLASS_MAX_SHIFT 20u /* 1 MiB; larger buffers come from malloc each time */
#define CLASSES (CLASS_MAX_SHIFT - CLASS_MIN_SHIFT + 1u)
#define UNCACHED_CLASS CLASSES
#define CACHE_BYTES ((size_t)32 << 20) /* per thread, all classes */

#if defined(__SANITIZE_ADDRESS__)
#define BYTES_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BYTES_CACHE 0
#endif
#endif
/* Nor in the fault-injection build, whose test counts the blocks still
 * allocated when a system is gone: the main thread's cache would hold
 * some until the process exits. */
#if ZACTOR_FAULT_INJECTION
#define BYTES_CACHE 0
#endif
#ifndef BYTES_CACHE
#define BYTES_CACHE 1
#endif

struct zactor_bytes_buffer {
    _Alignas(BYTES_ALIGN) _Atomic size_t refs;
    size_t size;
    uint32_t size_class;       /* UNCACHED_CLASS: sized exactly, never cached */
    zactor_bytes_buffer *next; /* free-list link while cached */
    /* the data follows, at the next multiple of BYTES_ALIGN */
};
_Static_assert(sizeof(struct zactor_bytes_buffer) == BYTES_ALIGN,
               "the data starts one cache line after the header");

#if BYTES_CACHE
typedef struct bytes_cache {
    zactor_bytes_buffer *free[CLASSES];
    size_t bytes;    /* data bytes of every cached buffer */
    bool registered; /* the thread-exit destructor will free this cache */
} bytes_cache;

static _Thread_local bytes_cache thread_cache;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;
static bool cache_key_ready;

static void free_cache(void *arg)
{
    bytes_cache *cache = arg;
    for (unsigned cls = 0; cls < CLASSES; cls++) {
        while (cache->free[cls]) {
            zactor_bytes_buffer *next = cache->free[cls]->next;
            zactor__free(cache->free[cls]);
            cache->free[cls] = next;
        }
    }
    cache->bytes = 0;
    cache->registered = false;
}

/* exit() runs no thread-exit destructor for the thread that calls it:
 * free that thread's cache too, so that nothing is left at exit. */
static void free_exiting_thread_cache(void)
{
    free_cache(&thread_cache);
}

static void make_cache_key(void)
{
    cache_key_ready = pthread_key_create(&cache_key, free_cache) == 0 &&
                      atexit(free_exiting_thread_cache) == 0;
}

/* The calling thread's cache, or NULL when it cannot be freed at exit. */
static bytes_cache *my_cache(void)
{
    bytes_cache *cache = &thread_cache;
    if (!cache->registered) {
        pthread_once(&cache_key_once, make_cache_key);
        if (!cache_key_ready || pthread_setspecific(cache_key, cache) != 0)
            return NULL;
        cache->registered = true;
    }
    return cache;
}

#endif

static size_t buffer_class_bytes(unsigned cls)
{
    return (size_t)1 << (cls + CLASS_MIN_SHIFT);
}

/* The smallest class holding size data bytes, or UNCACHED_CLASS. */
static unsigned buffer_class(size_t size)
{
    for (unsigned cls = 0; cls < CLASSES; cls++) {
        if (size <= buffer_class_bytes(cls))
            return cls;
    }
    return UNCACHED_CLASS;
}

/* A buffer with room for size data bytes (the whole class when cached). */
static zactor_bytes_buffer *take_buffer(size_t size, unsigned cls)
{
#if BYTES_CACHE
    bytes_cache *cache = cls != UNCACHED_CLASS ? my_cache() : NULL;
    if (cache && cache->free[cls]) {
        zactor_bytes_buffer *buffer = cache->free[cls];
        cache->free[cls] = buffer->next;
        cache->bytes -= buffer_class_bytes(cls);
        return buffer;
    }
#endif
    size_t data = cls != UNCACHED_CLASS ? buffer_class_bytes(cls) : size;
    /* The data size rounded up to BYTES_ALIGN: aligned_alloc wants a
     * multiple of the alignment. */
    data = (data + BYTES_ALIGN - 1) & ~(size_t)(BYTES_ALIGN - 1);
    return zactor__aligned_alloc(BYTES_ALIGN, sizeof(zactor_bytes_buffer) + data);
}

static void give_back_buffer(zactor_bytes_buffer *buffer)
{
#if BYTES_CACHE
    unsigned cls = buffer->size_class;
    bytes_cache *cache = cls != UNCACHED_CLASS ? my_cache() : NULL;
    if (cache && cache->bytes + buffer_class_bytes(cls) <= CACHE_BYTES) {
        buffer->next = cache->free[cls];
        cache->free[cls] = buffer;
        cache->bytes += buffer_class_bytes(cls);
        return;
    }
#endif
    zactor__free(buffer);
}

int zactor_bytes_alloc(size_t size, zactor_bytes *out)
{
    if (!out)
        return ZACTOR_EARG;
    out->buffer = NULL;
    if (size == 0)
        return 0;
    if (size > SIZE_MAX - 2 * BYTES_ALIGN)
        return ZACTOR_ENOMEM;
    unsigned cls = buffer_class(size);
    zactor_bytes_buffer *buffer = take_buffer(size, cls);
    if (!buffer)
        return ZACTOR_ENOMEM;
    atomic_init(&buffer->refs, 1);
    buffer->size = size;
    buffer->size_class = cls;
    out->buffer = buffer;
    return 0;
}
int zactor_bytes_copy(const void *data, size_t size, zactor_bytes *out)
{
    if (!data && size)
        return ZACTOR_EARG;
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
        give_back_buffer(bytes.buffer);
}
