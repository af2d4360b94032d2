/* mailbox.h - an actor's mailbox: a bounded lock-free MPSC ring plus an
 * unbounded overflow list (private). Many threads push; only the worker
 * running the actor's turn takes. See mailbox.c for the protocol. */
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

/* The consumer's half: only the worker running the actor's turn touches it,
 * so it lives on the cell's owner line. */
typedef struct zactor__mailbox_reader {
    uint64_t head;         /* next ring position to take */
    zactor__letter *ready; /* overflowed letters taken from the stack, oldest first */
} zactor__mailbox_reader;

/* The senders' half: tail and overflow are written by senders, ring by the
 * first sender; it lives on the cell's sender line. */
typedef struct zactor__mailbox {
    _Atomic uint64_t tail;              /* (next ring position << 1) | CLOSED */
    _Atomic(zactor__ring *) ring;       /* NULL until the first send */
    _Atomic(zactor__letter *) overflow; /* LIFO stack of overflowed letters */
} zactor__mailbox;

/* A message the consumer took; valid until zactor__mailbox_release. */
typedef struct zactor__envelope {
    uint32_t tag;
    const void *payload;
    zactor__ring *ring;
    zactor__mailbox_reader *reader;
    zactor__letter *letter; /* NULL: the message is in ring slot reader->head */
    void *box;              /* pooled or heap payload to free, or NULL */
} zactor__envelope;

/* An empty mailbox and its consumer state. */
void zactor__mailbox_init(zactor__mailbox *mailbox, zactor__mailbox_reader *reader);

/* Producers (any thread, after counting themselves in the cell's pending
 * count). Copies the message; returns 0 or ZACTOR_ENOMEM. Sets *overflowed
 * when the message went to the overflow list. */
int zactor__mailbox_push(zactor__mailbox *mailbox, const zactor_actor_type *type, uint32_t tag,
                         const void *msg, size_t size, zactor__pool *pool,
                         zactor__pool_cache *cache, bool *overflowed);

/* Consumer only. false when no message is visible yet (nothing sent, or a
 * producer counted itself but has not published). */
bool zactor__mailbox_take(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                          zactor__envelope *envelope);
/* Consumer only: frees the taken message's storage once it is handled. */
void zactor__mailbox_release(zactor__envelope *envelope, zactor__pool *pool,
                             zactor__pool_cache *cache);

/* Consumer only: true when overflow closed the ring, so it needs reopening. */
bool zactor__mailbox_is_closed(zactor__mailbox *mailbox);
/* Consumer only, with the cell LOCKED and every message consumed: replaces
 * the ring by a bigger one (or reopens it when already at the maximum). */
void zactor__mailbox_reopen(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                            zactor__pool *pool, zactor__pool_cache *cache);

/* Called by zactor__mailbox_clear for each queued message before its
 * storage is freed, so that what the payload owns can be released. */
typedef void (*zactor__undelivered_fn)(void *user, uint32_t tag, const void *payload);

/* No producer or consumer left: hands every queued message to undelivered,
 * frees it, and frees the ring. Returns the number of messages freed. */
uint64_t zactor__mailbox_clear(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                               zactor__pool *pool, zactor__pool_cache *cache,
                               zactor__undelivered_fn undelivered, void *user);

#endif
