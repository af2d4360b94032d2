/* mailbox.h - an actor's mailbox: a ring of inline slots plus an overflow
 * list, both ordered by the tickets of the life word (life.h) (private).
 * Many threads push; only the worker running the actor's turn takes. See
 * mailbox.c for the protocol. */
#ifndef ZACTOR_MAILBOX_H
#define ZACTOR_MAILBOX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "zactor/zactor.h"

typedef struct zactor__ring zactor__ring;
typedef struct zactor__letter zactor__letter;

/* The senders' half, on the cell's senders' line beside the life word:
 * senders read all of it; the consumer writes released, room and ring
 * (once per batch, growth or trim), senders install the first ring. The
 * overflow stack itself is in the reader (see there). */
typedef struct zactor__mailbox {
    _Atomic uint32_t released; /* tickets before this one were consumed: their slots are free */
    _Atomic uint32_t room;     /* capacity of the smallest ring a new ticket may land in */
    /* The newest grown ring's first lap, [lap_base, lap_base + lap_room),
     * for senders that must not read the ring itself before they count
     * (a trim may free it); lap_room is 0 while the ring is a first ring. */
    _Atomic uint32_t lap_base;
    _Atomic uint32_t lap_room;
    _Atomic(zactor__ring *) ring;        /* NULL while the life word says NORING */
    _Atomic(zactor__letter *) *overflow; /* &reader->overflow, for senders */
} zactor__mailbox;

/* The consumer's half, on the cell's owner line: only the worker running
 * the actor's turn touches it. */
typedef struct zactor__mailbox_reader {
    uint32_t head;         /* the next ticket to take */
    uint32_t released;     /* the last value stored in mailbox->released */
    zactor__letter *ready; /* taken overflow letters in ticket order, as a circular
                              list: ready is the newest, ready->next the oldest */
    /* The overflow stack: letters of tickets that found the ring full,
     * newest first. The one field here that senders write, and only when
     * the ring is full: a consumer that finds its next slot empty checks it
     * on its own line, instead of pulling the senders' line away from the
     * next sender's CAS on the life word (one cache-line round trip per
     * message when the consumer keeps up: bench/mailbox, 3x). */
    _Atomic(zactor__letter *) overflow;
} zactor__mailbox_reader;

/* zactor__parcel.size of a timer's firing (timer.c): box is a
 * zactor__timer_box, the message after its header. */
#define ZACTOR__PARCEL_TIMER SIZE_MAX

/* The bit the take sets in the flags of the reader's cell
 * (zactor__reader_flags) when the message it took is a firing of a timer
 * cancelled since (the turn skips it): ZACTOR__CELL_SKIP in actor.h. */
#define ZACTOR__MAILBOX_SKIP 64u

/* The owner-only flags of the cell that holds reader (actor.c): found
 * from the reader, so that a take costs nothing more per turn. */
uint8_t *zactor__reader_flags(zactor__mailbox_reader *reader);

/* What a sender prepares before it counts itself: the payload's box, and
 * a letter in case the ring has no room for its ticket. */
typedef struct zactor__parcel {
    const zactor_actor_type *type;
    uint32_t tag;
    const void *msg;
    size_t size;
    void *box;              /* pooled or heap copy of a payload too big for a slot */
    zactor__letter *letter; /* allocated when the ring may be full */
} zactor__parcel;

/* A turn's view of the mailbox (the worker's stack): the ring it reads,
 * so that taking a message does not read the senders' line. */
typedef struct zactor__mailbox_cursor {
    zactor__mailbox *mailbox;
    zactor__mailbox_reader *reader;
    _Atomic uint64_t *life; /* the cell's life word: growth takes LOCKED */
    zactor__ring *ring;     /* newest ring seen; NULL when none yet */
    zactor__pool *pool;
    zactor__pool_cache *cache;
} zactor__mailbox_cursor;

/* A message the consumer took; valid until zactor__mailbox_release. */
typedef struct zactor__envelope {
    uint32_t tag;
    const void *payload;
    zactor__letter *letter; /* the letter to free, or NULL */
    void *box;              /* pooled or heap payload to free, or NULL */
} zactor__envelope;

/* An empty mailbox without a ring (the life word says NORING). */
void zactor__mailbox_init(zactor__mailbox *mailbox, zactor__mailbox_reader *reader);

/* Sender, before counting: copies a payload too big for a slot into a box.
 * 0 or ZACTOR_ENOMEM (nothing to undo). */
int zactor__mailbox_parcel_init(zactor__parcel *parcel, const zactor_actor_type *type, uint32_t tag,
                                const void *msg, size_t size, zactor__pool *pool,
                                zactor__pool_cache *cache);
/* Sender, before each counting attempt, with the life word it will CAS:
 * installs a ring if the word says NORING, and allocates a letter if the
 * ticket `tail` might not fit in the ring, so that nothing can fail once
 * the ticket is taken. 0, or ZACTOR_ENOMEM (memory, or too many messages
 * queued). */
int zactor__mailbox_prepare(zactor__mailbox *mailbox, zactor__parcel *parcel, uint64_t life,
                            zactor__pool *pool, zactor__pool_cache *cache);
/* Sender, after counting with ticket `ticket`: stores the message in the
 * ring or, when its slot is not free, in the overflow list. Cannot fail.
 * Returns true when the message overflowed. */
bool zactor__mailbox_push(zactor__mailbox *mailbox, zactor__parcel *parcel, uint32_t ticket,
                          zactor__pool *pool, zactor__pool_cache *cache);
/* Sender, after counting `count` tickets from `ticket` in one CAS: pushes
 * parcels[i] with ticket + i, the letters among them onto the overflow
 * stack in one CAS. Cannot fail. Returns how many overflowed. */
uint32_t zactor__mailbox_push_batch(zactor__mailbox *mailbox, zactor__parcel *parcels,
                                    uint32_t count, uint32_t ticket, zactor__pool *pool,
                                    zactor__pool_cache *cache);
/* Sender that did not count itself (dead target, stopping system): frees
 * what the parcel allocated. The payload itself is the caller's to drop. */
void zactor__mailbox_parcel_discard(zactor__parcel *parcel, zactor__pool *pool,
                                    zactor__pool_cache *cache);

/* Consumer: starts a turn's reading. */
void zactor__mailbox_open(zactor__mailbox_cursor *cursor, zactor__mailbox *mailbox,
                          zactor__mailbox_reader *reader, _Atomic uint64_t *life,
                          zactor__pool *pool, zactor__pool_cache *cache);
/* Consumer: the message with the next ticket; false when it is not
 * published yet (nothing sent, or its sender is between count and push). */
bool zactor__mailbox_take(zactor__mailbox_cursor *cursor, zactor__envelope *envelope);
/* Consumer: frees the taken message's storage once it is handled. */
void zactor__mailbox_release(zactor__mailbox_cursor *cursor, zactor__envelope *envelope);
/* Consumer: ends the turn's reading: every consumed slot is handed back
 * to the senders. Returns the ticket the next turn starts at. */
uint32_t zactor__mailbox_close(zactor__mailbox_cursor *cursor);

/* Anyone holding LOCKED on an idle actor (every ticket consumed): frees
 * a first-size ring, so that an idle actor costs its cell alone, or one
 * grown past 4096 slots (mailbox.c, Trim). true when it did: the caller
 * then stores the life word with NORING. */
bool zactor__mailbox_trim(zactor__mailbox *mailbox, zactor__pool *pool, zactor__pool_cache *cache);

/* Slots of the ring new tickets land in, 0 when there is none. For tests,
 * while no thread sends to or takes from the mailbox. */
uint32_t zactor__mailbox_capacity(const zactor__mailbox *mailbox);

/* Called by zactor__mailbox_clear for each queued message before its
 * storage is freed, so that what the payload owns can be released. */
typedef void (*zactor__undelivered_fn)(void *user, uint32_t tag, const void *payload);

/* No producer or consumer left: hands every queued message (tickets from
 * reader->head to tail) to undelivered in ticket order, frees it and the
 * rings. Returns the number of messages freed. */
uint64_t zactor__mailbox_clear(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                               uint32_t tail, zactor__pool *pool, zactor__pool_cache *cache,
                               zactor__undelivered_fn undelivered, void *user);

#endif
