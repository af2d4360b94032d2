/* parked.h - whether workers are asleep, for tests that need an idle
 * worker to be woken rather than find work by itself (private: reads the
 * scheduler, runtime/src/scheduler.h). */
#ifndef ZACTOR_TEST_PARKED_H
#define ZACTOR_TEST_PARKED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "system.h"

/* True when `count` workers wait on their condition variables with no wake
 * token pending: they then stay there until someone signals one. Read
 * under the scheduler's park lock, which a parking worker holds from
 * counting itself parked to its wait (or to leaving again, uncounted), so
 * a count with no token cannot be a worker still deciding. (The sleeper
 * count alone cannot tell: a worker that counted itself may still find a
 * leftover token and search.) */
static inline bool test_workers_asleep(zactor_system *sys, uint32_t count)
{
    zactor__scheduler *sched = &sys->sched;
    pthread_mutex_lock(&sched->park_lock);
    uint32_t parked = 0, tokens = 0;
    for (unsigned n = 0; n < sched->node_count; n++) {
        parked += sched->nodes[n].parked;
        tokens += sched->nodes[n].wake_tokens;
    }
    pthread_mutex_unlock(&sched->park_lock);
    return parked == count && tokens == 0;
}

#endif
