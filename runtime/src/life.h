/* life.h - the bits of an actor's life word (private).
 *
 * One atomic 64-bit word per cell, on the senders' cache line:
 *
 *     KILL | WATCHED | generation (30) | ALIVE | LOCKED | RUNNABLE | NORING | tail (28)
 *
 * - KILL: zactor_kill asked the actor to end (end.c). Set only while ALIVE
 *   and with the ref's generation, in the same CAS that checks them, so it
 *   never lands on a later incarnation; the recycle's store clears it.
 *   Like a send, the kill that sets it also sets RUNNABLE when it was
 *   clear, and schedules the actor, so that an idle actor ends too.
 * - WATCHED: some actor monitors this one (monitor.c). Set, like KILL,
 *   only by a CAS that finds ALIVE and the ref's generation, while holding
 *   the monitor list's lock; so the end that clears ALIVE and sees WATCHED
 *   finds every monitor in the list once it takes the lock.
 * - generation: bumped when the cell is recycled (wrapping at 2^30); a ref
 *   carries the generation it was made for, so a stale ref gets
 *   ZACTOR_EDEAD.
 * - ALIVE: cleared when the actor stops; no send counts itself after that.
 * - LOCKED: the consumer is replacing the ring (growth) or freeing it
 *   (trim); senders wait the few instructions it takes.
 * - RUNNABLE: a turn is queued or running. The send that sets it (the
 *   0 -> 1 transition) schedules the actor; only the turn's end clears it,
 *   and only when every ticket handed out was consumed.
 * - NORING: the mailbox has no ring (a new actor, or one whose ring was
 *   trimmed while idle). A sender that sees it installs a ring before it
 *   counts itself; its counting CAS clears it.
 * - tail: the next ticket. A send takes its ticket and counts itself in one
 *   CAS (tail + 1); tickets order every message of the mailbox, ring and
 *   overflow alike, so the consumer takes them in ticket order. Tickets wrap
 *   at 2^28; no more than ZACTOR__LIFE_MAX_QUEUED are ever outstanding, so
 *   differences of tickets modulo 2^28 are exact.
 *
 * Only the worker running the actor's turn consumes tickets, so a cell is
 * recycled when !ALIVE and every ticket below tail was consumed: no sender
 * is then between its CAS and its push.
 */
#ifndef ZACTOR_LIFE_H
#define ZACTOR_LIFE_H

#include <stdbool.h>
#include <stdint.h>

#define ZACTOR__LIFE_TICKET_BITS 28
#define ZACTOR__LIFE_TICKET_MASK ((UINT64_C(1) << ZACTOR__LIFE_TICKET_BITS) - 1)
#define ZACTOR__LIFE_NORING (UINT64_C(1) << 28)
#define ZACTOR__LIFE_RUNNABLE (UINT64_C(1) << 29)
#define ZACTOR__LIFE_LOCKED (UINT64_C(1) << 30)
#define ZACTOR__LIFE_ALIVE (UINT64_C(1) << 31)
#define ZACTOR__LIFE_GENERATION_SHIFT 32
#define ZACTOR__LIFE_GENERATION_MASK UINT32_C(0x3fffffff)
#define ZACTOR__LIFE_WATCHED (UINT64_C(1) << 62)
#define ZACTOR__LIFE_KILL (UINT64_C(1) << 63)
/* Tickets handed out and not consumed, at most: half the ticket space, so
 * that "a comes before b" is well defined for any two live tickets. */
#define ZACTOR__LIFE_MAX_QUEUED (UINT32_C(1) << (ZACTOR__LIFE_TICKET_BITS - 1))

static inline uint32_t zactor__life_generation(uint64_t life)
{
    return (uint32_t)(life >> ZACTOR__LIFE_GENERATION_SHIFT) & ZACTOR__LIFE_GENERATION_MASK;
}

/* The generation bits of a life word for generation g (wrapped). */
static inline uint64_t zactor__life_of_generation(uint32_t g)
{
    return (uint64_t)(g & ZACTOR__LIFE_GENERATION_MASK) << ZACTOR__LIFE_GENERATION_SHIFT;
}

/* The next ticket a sender would take. */
static inline uint32_t zactor__life_tail(uint64_t life)
{
    return (uint32_t)(life & ZACTOR__LIFE_TICKET_MASK);
}

/* b - a in ticket arithmetic: how far ticket b is past ticket a. */
static inline uint32_t zactor__ticket_distance(uint32_t a, uint32_t b)
{
    return (b - a) & (uint32_t)ZACTOR__LIFE_TICKET_MASK;
}

/* true when ticket a comes before ticket b (both live). */
static inline bool zactor__ticket_before(uint32_t a, uint32_t b)
{
    return a != b && zactor__ticket_distance(a, b) < ZACTOR__LIFE_MAX_QUEUED;
}

/* The life word of a sender that took ticket `tail`: the next tail, the
 * actor runnable, the mailbox with a ring. */
static inline uint64_t zactor__life_counted(uint64_t life)
{
    uint64_t next = (life + 1) & ZACTOR__LIFE_TICKET_MASK;
    return (life & ~(ZACTOR__LIFE_TICKET_MASK | ZACTOR__LIFE_NORING)) | next |
           ZACTOR__LIFE_RUNNABLE;
}

#endif
