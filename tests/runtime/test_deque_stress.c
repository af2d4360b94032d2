/* Chase-Lev deque stress: the owner pushes every item once (interleaving its
 * own pops at the bottom and steals at the top) while THIEVES threads steal
 * concurrently. Every item must be taken exactly once: no loss, no
 * duplicate. The deque starts small enough that it grows while thieves hold
 * the old array. Items are fake cell pointers into an array, never
 * dereferenced by the deque.
 * Usage: test_deque_stress [last]
 * last: the owner pushes one item and pops it back, round after round,
 * while one thief steals: the deque holds exactly one entry over and over,
 * so the owner's pop of the last entry races a thief's steal of it (only
 * one of them may win the CAS on top). */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "deque.h"
#include "rt_test.h"

#define THIEVES 4

static zactor__deque deque;
static unsigned char *items;         /* item i is the address items + i */
static _Atomic unsigned char *taken; /* how often item i was taken */
static atomic_bool owner_done;
static atomic_bool thief_started;
static atomic_ullong thief_attempts; /* steals tried: the owner sees the thief run */
static atomic_ullong stolen_total;

static void take(zactor_cell *cell)
{
    size_t index = (size_t)((unsigned char *)cell - items);
    /* Relaxed: the counts are read after every thread is joined. */
    atomic_fetch_add_explicit(&taken[index], 1, memory_order_relaxed);
}

static void *thief(void *arg)
{
    (void)arg;
    atomic_store(&thief_started, true);
    unsigned long long mine = 0;
    for (;;) {
        zactor_cell *cell = zactor__deque_steal(&deque);
        atomic_fetch_add_explicit(&thief_attempts, 1, memory_order_relaxed);
        if (cell) {
            take(cell);
            mine++;
            continue;
        }
        /* Acquire: once the owner is done and the deque looks empty, every
         * push it made is visible to the emptiness check below. */
        if (atomic_load_explicit(&owner_done, memory_order_acquire) &&
            zactor__deque_looks_empty(&deque))
            break;
    }
    atomic_fetch_add_explicit(&stolen_total, mine, memory_order_relaxed);
    return NULL;
}

/* The last-entry race: push 1, pop 1, against one thief. */
static int last_entry(void)
{
    uint64_t count = scaled(2000000);
    items = malloc(count);
    void *taken_memory = calloc(count, sizeof *taken);
    taken = taken_memory;
    CHECK(items && taken);
    CHECK_EQ(zactor__deque_init(&deque), 0);
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, thief, NULL), 0);
    while (!atomic_load(&thief_started))
        sleep_ms(1);
    uint64_t popped = 0;
    for (uint64_t next = 0; next < count; next++) {
        CHECK(zactor__deque_push(&deque, (zactor_cell *)(void *)(items + next)));
        /* Pop while the thief is trying (its attempt count moved; bounded,
         * in case it is not running), after a varying pause: its steal
         * lands before, during and after the pop, round after round. */
        unsigned long long seen = atomic_load_explicit(&thief_attempts, memory_order_relaxed);
        for (unsigned budget = 4096;
             budget > 0 && atomic_load_explicit(&thief_attempts, memory_order_relaxed) == seen;
             budget--) {
        }
        for (volatile unsigned spin = (unsigned)(next * 2654435761u >> 7) % 32u; spin > 0; spin--) {
        }
        zactor_cell *cell = zactor__deque_pop(&deque);
        if (cell) {
            take(cell);
            popped++;
        }
    }
    /* Release: pairs with the thief's acquire. */
    atomic_store_explicit(&owner_done, true, memory_order_release);
    pthread_join(thread, NULL);
    uint64_t lost = 0, duplicated = 0;
    for (uint64_t i = 0; i < count; i++) {
        unsigned char n = atomic_load_explicit(&taken[i], memory_order_relaxed);
        lost += n == 0;
        duplicated += n > 1;
    }
    uint64_t stolen = atomic_load_explicit(&stolen_total, memory_order_relaxed);
    printf("deque last entry: %llu rounds, %llu taken by the owner, %llu stolen\n",
           (unsigned long long)count, (unsigned long long)popped, (unsigned long long)stolen);
    CHECK_EQ(lost, 0);
    CHECK_EQ(duplicated, 0);
    CHECK_EQ(popped + stolen, count);
    zactor__deque_destroy(&deque);
    free(items);
    free(taken_memory);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "last"))
        return last_entry();
    uint64_t count = scaled(2000000);
    items = malloc(count);
    void *taken_memory = calloc(count, sizeof *taken);
    taken = taken_memory;
    CHECK(items && taken);
    CHECK_EQ(zactor__deque_init(&deque), 0);

    pthread_t threads[THIEVES];
    for (int i = 0; i < THIEVES; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, thief, NULL), 0);

    /* The owner: bursts of pushes (so the deque grows past its first
     * array), then pops from the bottom and the occasional own steal. */
    uint64_t next = 0, popped = 0;
    while (next < count) {
        /* The first burst outgrows the initial array (256 entries) for sure. */
        uint64_t burst = next == 0 ? 4096 : 1 + (next * 7919u) % 1024u;
        for (uint64_t i = 0; i < burst && next < count; i++, next++)
            CHECK(zactor__deque_push(&deque, (zactor_cell *)(void *)(items + next)));
        for (uint64_t i = 0; i < burst / 3; i++) {
            zactor_cell *cell = (i % 8 == 7) ? zactor__deque_steal(&deque)
                                             : zactor__deque_pop(&deque);
            if (cell) {
                take(cell);
                popped++;
            }
        }
    }
    zactor_cell *cell;
    while ((cell = zactor__deque_pop(&deque)) != NULL) {
        take(cell);
        popped++;
    }
    /* Release: pairs with the thieves' acquire. */
    atomic_store_explicit(&owner_done, true, memory_order_release);
    for (int i = 0; i < THIEVES; i++)
        pthread_join(threads[i], NULL);

    uint64_t lost = 0, duplicated = 0;
    for (uint64_t i = 0; i < count; i++) {
        unsigned char n = atomic_load_explicit(&taken[i], memory_order_relaxed);
        lost += n == 0;
        duplicated += n > 1;
    }
    uint64_t stolen = atomic_load_explicit(&stolen_total, memory_order_relaxed);
    printf("deque stress: %llu items, %llu taken by the owner, %llu stolen by %d thieves\n",
           (unsigned long long)count, (unsigned long long)popped, (unsigned long long)stolen,
           THIEVES);
    CHECK_EQ(lost, 0);
    CHECK_EQ(duplicated, 0);
    CHECK_EQ(popped + stolen, count);
    CHECK(stolen > 0);
    zactor__deque_destroy(&deque);
    free(items);
    free(taken_memory);
    return 0;
}
