/* notice.c - the runtime's own notices that find no memory: a Down, a
 * zactor_request_error notice, or a DOWN or FAIL record for another node.
 * Nobody can be handed ZACTOR_ENOMEM for them (the runtime sends them on
 * its own), and each was promised (a monitor was set, a request accepted),
 * so none is dropped: it waits, and is sent again.
 *
 * Where it waits. In the record the runtime keeps for it anyway, so that
 * waiting allocates nothing: a Down in its monitor, which stays listed
 * until its Down is handled (monitor.c); a request error notice in its
 * request's entry, put back into the table of requests, which always has
 * room for it (request.c says why); a FAIL record in the request's origin
 * block (node_out.c). Nothing of this is on the paths that find memory: a
 * send, a monitor or a request does exactly what it did before, and a
 * notice reads one counter (zactor__notices_held) before its send.
 *
 * When it is sent. The timer thread (the worker, in deterministic mode,
 * on the virtual clock) holds one slot of its heap for the retry (timer.c,
 * zactor__timers_retry_notices): armed a millisecond ahead when a notice
 * begins to wait, it calls zactor__notices_retry, and again a millisecond
 * later while something still waits. While it is armed the system is not
 * quiescent, so zactor_system_wait does not return with a notice owed. A
 * waiting notice ends when it is queued; when its receiver has ended (its
 * send returns ZACTOR_EDEAD: dropped, as any notice to an ended actor, and
 * not a dead letter); or when the system stops (no retry after
 * zactor_system_stop; zactor_system_destroy frees the records).
 *
 * Order. Each waiting notice takes a sequence number, and the retry goes
 * through them in that order. While any notice waits, a new Down or
 * request error notice does not try to go first: it waits too, and takes
 * its place after them. So the runtime's notices reach each actor in the
 * order they were made. One that finds no memory at its retry blocks the
 * later ones to the same actor for that round (not those to others).
 * Against ordinary messages a notice that waited keeps one order only:
 * what its cause had sent before (an ended actor's messages before its
 * Down) was queued before it; messages sent by others after its first try
 * may come first.
 *
 * What can still be lost (zactor_stats.notices_lost): a DOWN or FAIL
 * record for another node when the node that owes it has no record to
 * keep it in, and two allocations fail in a row: a monitor from another
 * node that can be held nowhere (no proxy for its watcher, node_in.c; no
 * room in the list, zactor__monitors_remote_gone) whose DOWN record finds
 * no room in the batch either; a request from another node refused before
 * its origin existed whose FAIL record finds no room and no block to wait
 * in (zactor__node_fail_request). */
#include "notice.h"

#include "monitor.h"
#include "node.h"
#include "request.h"
#include "system.h"

/* Actors whose notice found no memory in one round, whose later notices
 * wait for the next round: more, and the round ends there. */
#define RETRY_BLOCKED_MAX 16u

void zactor__notices_init(zactor__notices *notices)
{
    atomic_init(&notices->waiting, 0);
    atomic_init(&notices->last_seq, 0);
    atomic_init(&notices->delayed, 0);
    atomic_init(&notices->lost, 0);
}

bool zactor__notices_held(zactor_system *sys)
{
    /* Acquire: pairs with zactor__notice_done's release, so that a notice
     * sent after it reads 0 is queued after the one the retry sent before
     * the decrement. A notice made after another began to wait (ordered by
     * the table's lock or by whatever made the second after the first)
     * reads its increment or a later value: coherence needs no more. */
    return atomic_load_explicit(&sys->notices.waiting, memory_order_acquire) != 0;
}

uint64_t zactor__notice_wait(zactor_system *sys)
{
    /* Relaxed: counters; the table's lock orders the notice itself, and
     * zactor__notices_held reasons about this increment above. */
    atomic_fetch_add_explicit(&sys->notices.waiting, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sys->notices.delayed, 1, memory_order_relaxed);
    uint64_t seq = atomic_fetch_add_explicit(&sys->notices.last_seq, 1, memory_order_relaxed) + 1u;
    zactor__timers_retry_notices(&sys->timers);
    return seq;
}

void zactor__notice_done(zactor_system *sys)
{
    /* Release: see zactor__notices_held. */
    atomic_fetch_sub_explicit(&sys->notices.waiting, 1, memory_order_release);
}

void zactor__notice_wait_remote(zactor_system *sys)
{
    /* Relaxed: a counter. */
    atomic_fetch_add_explicit(&sys->notices.delayed, 1, memory_order_relaxed);
    zactor__timers_retry_notices(&sys->timers);
}

void zactor__notice_delayed(zactor_system *sys)
{
    /* Relaxed: a counter; zactor_system_wait and destroy order it for readers. */
    atomic_fetch_add_explicit(&sys->notices.delayed, 1, memory_order_relaxed);
}

void zactor__notice_lost(zactor_system *sys)
{
    /* Relaxed: as delayed. */
    atomic_fetch_add_explicit(&sys->notices.lost, 1, memory_order_relaxed);
}

static bool is_blocked(zactor_cell *const *blocked, unsigned count, const zactor_cell *cell)
{
    for (unsigned i = 0; i < count; i++)
        if (blocked[i] == cell)
            return true;
    return false;
}

bool zactor__notices_retry(zactor_system *sys)
{
    zactor_cell *blocked[RETRY_BLOCKED_MAX];
    unsigned blocked_count = 0;
    /* The next notice in the order, from either table: each step looks
     * again, since Downs leave their list (a demonitor, the watcher's end)
     * and new notices join while we send. */
    for (uint64_t after = 0;;) {
        zactor_cell *down_to = NULL, *error_to = NULL;
        uint64_t down = zactor__monitors_next_waiting(&sys->monitors, after, &down_to);
        uint64_t error = zactor__requests_next_waiting(&sys->requests, after, &error_to);
        if (!down && !error)
            break;
        bool is_down = down && (!error || down < error);
        zactor_cell *to = is_down ? down_to : error_to;
        after = is_down ? down : error;
        if (is_blocked(blocked, blocked_count, to))
            continue;
        int rc = is_down ? zactor__monitors_resend(sys, after)
                         : zactor__requests_resend(sys, after);
        if (rc != ZACTOR_ENOMEM)
            continue;
        if (blocked_count == RETRY_BLOCKED_MAX)
            break;
        blocked[blocked_count++] = to;
    }
    bool remote = zactor__node_resend(sys);
    /* Relaxed: read by the one thread that retries; a notice that begins
     * to wait after this read asks for the retry itself. */
    return atomic_load_explicit(&sys->notices.waiting, memory_order_relaxed) != 0 || remote;
}
