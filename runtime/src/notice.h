/* notice.h - the runtime's own notices that find no memory wait and are
 * sent again (private; notice.c says how). */
#ifndef ZACTOR_NOTICE_H
#define ZACTOR_NOTICE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "zactor/zactor.h"

/* The system's count of waiting notices and the order they wait in. The
 * notices themselves wait in the records that already hold them: a Down
 * in its monitor (monitor.c), a request error notice in its request's
 * entry (request.c), a FAIL record for another node in its request's
 * origin (node_out.c). */
typedef struct zactor__notices {
    /* Downs and request error notices waiting (monitors' and requests'
     * own counts added up): while it is not 0, a new one waits too. */
    _Atomic uint64_t waiting;
    _Atomic uint64_t last_seq; /* each waiting notice's place in the order */
    _Atomic uint64_t delayed;  /* zactor_stats.notices_delayed */
    _Atomic uint64_t lost;     /* zactor_stats.notices_lost */
} zactor__notices;

void zactor__notices_init(zactor__notices *notices);

/* Whether a Down or request error notice about to be sent must wait
 * instead, behind those that wait already (so that notices keep the order
 * they were made in). */
bool zactor__notices_held(zactor_system *sys);

/* A Down or request error notice begins to wait, under the lock of the
 * table that keeps it: counts it, asks the timer thread to retry within a
 * millisecond, and returns its place in the order. */
uint64_t zactor__notice_wait(zactor_system *sys);
/* A waiting Down or request error notice was queued, or dropped (its
 * receiver ended, the system stops). */
void zactor__notice_done(zactor_system *sys);

/* A notice for another node (a FAIL record) begins to wait: counted, and
 * the retry asked for. Its order is its peer's list's. */
void zactor__notice_wait_remote(zactor_system *sys);
/* An I/O event found no memory (its watch reports the readiness again). */
void zactor__notice_delayed(zactor_system *sys);
/* A notice that could not even be kept (notice.c says when). */
void zactor__notice_lost(zactor_system *sys);

/* The timer thread (the worker, in deterministic mode), about every
 * millisecond while notices wait: sends what it can, in order. true when
 * some still wait. */
bool zactor__notices_retry(zactor_system *sys);

#endif
