/* rt_test.h - helpers shared by the runtime tests. */
#ifndef ZACTOR_RT_TEST_H
#define ZACTOR_RT_TEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rt_actor_type.h"
#include "zactor/zactor.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                            \
    do {                                                                                          \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                           \
        if (check_a_ != check_b_) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
                    #a, #b, check_a_, check_b_);                                                  \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

/* ZACTOR_TEST_SCALE (a factor, default 1) shrinks counts under sanitizers;
 * the shape of every test stays the same. */
static inline uint64_t scaled(uint64_t count)
{
    const char *env = getenv("ZACTOR_TEST_SCALE");
    double factor = env ? atof(env) : 1.0;
    if (factor <= 0.0 || factor > 1.0)
        factor = 1.0;
    uint64_t n = (uint64_t)((double)count * factor);
    return n > 0 ? n : 1;
}

static inline zactor_system *start_system(unsigned workers)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = workers;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    return sys;
}

/* A system in deterministic mode (one worker, virtual time), from seed. */
static inline zactor_system *start_deterministic(uint64_t seed)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.deterministic_seed = seed;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    return sys;
}

static inline void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * A gate that holds a worker inside a handler until the test opens it, so
 * that messages queue up behind it: test_gate_close(), then send the
 * message whose handler calls test_gate_hold(), then test_gate_wait_held()
 * if the test needs the worker inside; test_gate_open() lets it go.
 */
typedef struct test_gate {
    atomic_bool held;
    atomic_bool open;
} test_gate;

static inline void test_gate_close(test_gate *gate)
{
    atomic_store(&gate->held, false);
    atomic_store(&gate->open, false);
}

static inline void test_gate_hold(test_gate *gate)
{
    atomic_store(&gate->held, true);
    while (!atomic_load(&gate->open))
        sleep_ms(1);
}

static inline void test_gate_wait_held(test_gate *gate)
{
    while (!atomic_load(&gate->held))
        sleep_ms(1);
}

static inline void test_gate_open(test_gate *gate)
{
    atomic_store(&gate->open, true);
}

#endif
