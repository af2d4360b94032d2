/* clock.h - waiting on the monotonic clock (private): deadlines and
 * condition variables that measure them on CLOCK_MONOTONIC, so that a
 * wall-clock jump neither stretches nor cuts short a timeout. */
#ifndef ZACTOR_CLOCK_H
#define ZACTOR_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* now + timeout_ns on CLOCK_MONOTONIC; false when that is too far to
 * represent, or ZACTOR_TIMEOUT_NEVER (then the caller waits without a
 * deadline). */
bool zactor__deadline_after(uint64_t timeout_ns, struct timespec *deadline);

/* pthread_cond_init for a condition whose timed waits take
 * CLOCK_MONOTONIC deadlines. 0 or an errno value. */
int zactor__cond_init_monotonic(pthread_cond_t *cond);

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t zactor__monotonic_ns(void);

#endif
