/* fault.c - the counters behind alloc.h's fault injection, compiled only
 * with ZACTOR_FAULT_INJECTION (a test build: docs/runtime.md, "Out of
 * memory").
 *
 * Every counter is relaxed: each attempt gets its own number from the
 * atomic increment whatever the order, and the test arms the counters
 * before it starts a system and reads them after zactor_system_destroy
 * has joined the system's threads, which orders everything in between. */
#include <stdatomic.h>
#include <stdlib.h>

#include "fault.h"

/* Given by the sanitizers' runtime, when the build has one. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static _Atomic uint64_t fault_attempts;
static _Atomic uint64_t fault_fail_at;
static _Atomic long fault_live;

bool zactor__fault_fails(void)
{
    uint64_t attempt = atomic_fetch_add_explicit(&fault_attempts, 1, memory_order_relaxed) + 1;
    if (attempt != atomic_load_explicit(&fault_fail_at, memory_order_relaxed))
        return false;
    /* To find which allocation a failing run failed: the test build
     * alone prints this (docs/runtime.md, "Out of memory"). */
    if (getenv("ZACTOR_FAULT_TRACE") && __sanitizer_print_stack_trace)
        __sanitizer_print_stack_trace();
    return true;
}

void zactor__fault_track(long delta)
{
    atomic_fetch_add_explicit(&fault_live, delta, memory_order_relaxed);
}

void zactor__fault_arm(uint64_t n)
{
    atomic_store_explicit(&fault_fail_at, 0, memory_order_relaxed);
    atomic_store_explicit(&fault_attempts, 0, memory_order_relaxed);
    atomic_store_explicit(&fault_fail_at, n, memory_order_relaxed);
}

uint64_t zactor__fault_attempts(void)
{
    return atomic_load_explicit(&fault_attempts, memory_order_relaxed);
}

bool zactor__fault_injected(void)
{
    uint64_t at = atomic_load_explicit(&fault_fail_at, memory_order_relaxed);
    return at != 0 && atomic_load_explicit(&fault_attempts, memory_order_relaxed) >= at;
}

long zactor__fault_live(void)
{
    return atomic_load_explicit(&fault_live, memory_order_relaxed);
}
