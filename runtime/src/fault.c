/* fault.c - the counters behind alloc.h's fault injection, compiled only
 * with ZACTOR_FAULT_INJECTION (a test build: docs/runtime.md, "Out of
 * memory").
 *
 * Every counter is relaxed: each attempt gets its own number from the
 * atomic increment whatever the order, and the test arms the counters
 * before it starts a system and reads them after zactor_system_destroy
 * has joined the system's threads, which orders everything in between. */
#include <stdatomic.h>

#include "fault.h"

static _Atomic uint64_t fault_attempts;
static _Atomic uint64_t fault_fail_at;
static _Atomic long fault_live;

bool zactor__fault_fails(void)
{
    uint64_t attempt = atomic_fetch_add_explicit(&fault_attempts, 1, memory_order_relaxed) + 1;
    return attempt == atomic_load_explicit(&fault_fail_at, memory_order_relaxed);
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
