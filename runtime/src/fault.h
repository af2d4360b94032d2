/* fault.h - the counters of the fault-injection build (private; fault.c,
 * alloc.h says how allocations use them). Only with ZACTOR_FAULT_INJECTION:
 * the test test_oom.c includes this alone. */
#ifndef ZACTOR_FAULT_H
#define ZACTOR_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* Counts one allocation attempt; true when it is the one to fail. */
bool zactor__fault_fails(void);
/* Adds delta (+1 or -1) to the count of blocks allocated and not freed. */
void zactor__fault_track(long delta);

/* The test hooks. From now on, the nth allocation attempt fails (n = 1:
 * the next one); n = 0 fails none. Resets the attempt count, not the
 * count of live blocks. */
void zactor__fault_arm(uint64_t n);
/* Attempts since the last zactor__fault_arm. */
uint64_t zactor__fault_attempts(void);
/* Whether the armed attempt has been made (and so failed). */
bool zactor__fault_injected(void);
/* Blocks allocated through these wrappers and not freed yet. */
long zactor__fault_live(void);

#endif
