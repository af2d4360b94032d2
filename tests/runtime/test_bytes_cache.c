/* The bytes buffer cache: a released buffer is reused by the next
 * allocation of its size class on the same thread (no malloc per payload in
 * steady state; checked where the cache exists, i.e. without ASan and
 * without fault injection), sizes
 * are reported as requested whatever the class, and threads that allocate,
 * fill, check and release buffers of every class (and uncached sizes)
 * concurrently see only their own data. Each thread's cache is freed when
 * it exits (LeakSanitizer and valgrind see no leak). */
#include <pthread.h>
#include <string.h>

#include "rt_test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(ZACTOR_FAULT_INJECTION)
#define CACHE_EXPECTED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CACHE_EXPECTED 0
#endif
#endif
#ifndef CACHE_EXPECTED
#define CACHE_EXPECTED 1
#endif

static const size_t sizes[] = {1,     64,    65,       1000,           4096,
                               65536, 70000, 1u << 20, (1u << 20) + 1, 3u << 20};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static void reuse_on_one_thread(void)
{
    for (size_t i = 0; i < SIZE_COUNT; i++) {
        zactor_bytes first, second;
        CHECK_EQ(zactor_bytes_alloc(sizes[i], &first), 0);
        CHECK_EQ(zactor_bytes_size(first), sizes[i]);
        void *data = zactor_bytes_data(first);
        CHECK(((uintptr_t)data & 63u) == 0);
        memset(data, 0x5a, sizes[i]);
        zactor_bytes_release(first);
        CHECK_EQ(zactor_bytes_alloc(sizes[i], &second), 0);
        CHECK_EQ(zactor_bytes_size(second), sizes[i]);
        if (CACHE_EXPECTED && sizes[i] <= (1u << 20))
            CHECK(zactor_bytes_data(second) == data); /* the cached buffer */
        zactor_bytes_release(second);
    }
}

static void *churn(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15u + 1;
    unsigned char tag = (unsigned char)(uintptr_t)arg;
    zactor_bytes held[8] = {{NULL}};
    for (unsigned round = 0; round < (unsigned)scaled(20000); round++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        unsigned slot = (unsigned)(seed % 8);
        if (held[slot].buffer) {
            const unsigned char *data = zactor_bytes_data(held[slot]);
            size_t size = zactor_bytes_size(held[slot]);
            CHECK(data[0] == tag && data[size / 2] == tag && data[size - 1] == tag);
            zactor_bytes_release(held[slot]);
            held[slot].buffer = NULL;
        } else {
            size_t size = sizes[(seed >> 8) % SIZE_COUNT];
            CHECK_EQ(zactor_bytes_alloc(size, &held[slot]), 0);
            unsigned char *data = zactor_bytes_data(held[slot]);
            data[0] = data[size / 2] = data[size - 1] = tag;
        }
    }
    for (unsigned slot = 0; slot < 8; slot++)
        zactor_bytes_release(held[slot]);
    return NULL;
}

int main(void)
{
    reuse_on_one_thread();
    enum { THREADS = 4 };
    pthread_t threads[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, churn, (void *)(i + 1)), 0);
    for (unsigned i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
    printf("bytes cache: %s\n", CACHE_EXPECTED ? "reused on the same thread" : "off under ASan");
    return 0;
}
