/* clock.c - waiting on the monotonic clock. */
#include "clock.h"

#include "zactor/zactor.h"

bool zactor__deadline_after(uint64_t timeout_ns, struct timespec *deadline)
{
    const uint64_t billion = 1000000000u;
    /* ~292 years: beyond any time_t arithmetic trouble, and as good as never. */
    if (timeout_ns == ZACTOR_TIMEOUT_NEVER || timeout_ns / billion > (UINT64_C(1) << 33))
        return false;
    clock_gettime(CLOCK_MONOTONIC, deadline);
    uint64_t nsec = (uint64_t)deadline->tv_nsec + timeout_ns % billion;
    deadline->tv_sec += (time_t)(timeout_ns / billion + nsec / billion);
    deadline->tv_nsec = (long)(nsec % billion);
    return true;
}

int zactor__cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

uint64_t zactor__monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
