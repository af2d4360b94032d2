/* mailbox.c - MPSC ring with per-slot sequence numbers, plus overflow list.
 *
 * Ring: Vyukov-style bounded queue. Slot i holds an 8-byte sequence word
 * then the generated slot bytes (zactor_slot_header, payload or box pointer
 * at ZACTOR_SLOT_PAYLOAD_OFFSET). A slot at position p is free for the
 * producer that reserves p when seq == p, holds a published message when
 * seq == p + 1, and is handed back by the consumer with seq = p + capacity.
 * The tail word is (next position << 1) | CLOSED. It sits on the cell's
 * sender line (zactor__mailbox), head and the ready letters on its owner
 * line (zactor__mailbox_reader), so the ring allocation is only its size
 * and the slots: an actor that got one message costs little more.
 *
 * Overflow: a producer that finds the ring full sets CLOSED, and while
 * CLOSED is set every reservation fails, so every later message of every
 * sender goes to the overflow stack. The consumer empties the ring up to the
 * closed tail before it takes the overflow stack (reversed into FIFO order).
 * A sender's ring messages were all reserved before CLOSED appeared, so
 * they are consumed before any of its overflowed ones: per-sender FIFO
 * holds. Only the consumer clears CLOSED, holding the cell's LOCKED bit
 * after everything sent was consumed (actor.c), and it grows the ring then,
 * so an actor that overflowed once rarely overflows again. */
#include "mailbox.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 8u
#define MAX_SLOTS 4096u
#define GROWTH_FACTOR 4u
#define CLOSED UINT64_C(1)

/* zactor_slot_header.where: where the payload lives. */
enum { WHERE_INLINE = 0, WHERE_POOLED = 1, WHERE_HEAP = 2 };

/* Fixed once allocated; the slots follow. */
struct zactor__ring {
    uint32_t capacity; /* slots, a power of two */
    uint32_t stride;   /* bytes per slot: sequence word + slot bytes, a multiple of 8 */
};
_Static_assert(sizeof(zactor__ring) % sizeof(uint64_t) == 0, "slots start 8-byte aligned");

typedef struct ring_slot {
    _Atomic uint64_t seq;
    unsigned char bytes[]; /* the generated slot type */
} ring_slot;

struct zactor__letter {
    zactor__letter *next;
    unsigned char bytes[]; /* same layout as a ring slot's bytes */
};

static ring_slot *slot_at(zactor__ring *ring, uint64_t position)
{
    unsigned char *slots = (unsigned char *)(ring + 1);
    return (ring_slot *)(slots + (size_t)(position & (ring->capacity - 1)) * ring->stride);
}

/* A ring whose positions start at 0: the caller sets tail and head to 0.
 * The first ring of an actor (INITIAL_SLOTS, at most a few hundred bytes)
 * is a pool block: actors are spawned and stopped by the million, and a
 * malloc'd first ring, allocated by the sender's thread and freed by the
 * worker that recycles the actor, had those threads contend for malloc's
 * arena lock. A grown ring (a busy actor's) gets whole cache lines of its
 * own: two busy actors' rings side by side on the heap would otherwise
 * share a line at their boundary, and two workers each running one of
 * them would pass it back and forth. */
static zactor__ring *new_ring(uint32_t capacity, uint32_t stride, zactor__pool *pool,
                              zactor__pool_cache *cache)
{
    size_t bytes = sizeof(zactor__ring) + (size_t)capacity * stride;
    zactor__ring *ring;
    if (capacity == INITIAL_SLOTS) {
        ring = zactor__pool_alloc(pool, cache, bytes);
    } else {
        bytes = (bytes + ZACTOR__CACHE_LINE - 1) & ~(size_t)(ZACTOR__CACHE_LINE - 1);
        ring = aligned_alloc(ZACTOR__CACHE_LINE, bytes);
    }
    if (!ring)
        return NULL;
    ring->capacity = capacity;
    ring->stride = stride;
    for (uint32_t i = 0; i < capacity; i++)
        atomic_init(&slot_at(ring, i)->seq, i);
    return ring;
}

static void free_ring(zactor__ring *ring, zactor__pool *pool, zactor__pool_cache *cache)
{
    if (ring->capacity == INITIAL_SLOTS)
        zactor__pool_free(pool, cache, ring);
    else
        free(ring);
}

void zactor__mailbox_init(zactor__mailbox *mailbox, zactor__mailbox_reader *reader)
{
    atomic_init(&mailbox->tail, 0);
    atomic_init(&mailbox->ring, NULL);
    atomic_init(&mailbox->overflow, NULL);
    reader->head = 0;
    reader->ready = NULL;
}

/* The first sender creates the ring (tail and head are 0 until then); a
 * losing racer frees its own copy. */
static zactor__ring *install_ring(zactor__mailbox *mailbox, const zactor_actor_type *type,
                                  zactor__pool *pool, zactor__pool_cache *cache)
{
    /* spawn checked slot_size >= header + pointer. */
    uint32_t slot_bytes = (type->slot_size + 7u) & ~7u;
    zactor__ring *ring =
        new_ring(INITIAL_SLOTS, (uint32_t)sizeof(uint64_t) + slot_bytes, pool, cache);
    if (!ring)
        return NULL;
    zactor__ring *expected = NULL;
    /* Release: publishes the initialised ring to producers and the consumer
     * that acquire the pointer. Acquire on failure: we use the winner's. */
    if (!atomic_compare_exchange_strong_explicit(&mailbox->ring, &expected, ring,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        free_ring(ring, pool, cache);
        return expected;
    }
    return ring;
}

/* Claims the next ring position; false when the ring is full or closed. */
static bool reserve(zactor__mailbox *mailbox, zactor__ring *ring, uint64_t *position)
{
    /* Relaxed: the slot's sequence word, not the tail, orders the slot's reuse. */
    uint64_t tail = atomic_load_explicit(&mailbox->tail, memory_order_relaxed);
    for (;;) {
        if (tail & CLOSED)
            return false;
        uint64_t pos = tail >> 1;
        /* Acquire: pairs with the consumer's release of the slot, so its
         * reads of the previous message happen before our writes. */
        uint64_t seq = atomic_load_explicit(&slot_at(ring, pos)->seq, memory_order_acquire);
        int64_t lag = (int64_t)(seq - pos);
        if (lag == 0) {
            /* Relaxed: claiming the position is all the CAS does; the
             * message is published by the release of seq. The CAS fails if
             * CLOSED was set meanwhile, which keeps every reservation before
             * the closing in the tail's modification order. */
            if (atomic_compare_exchange_weak_explicit(&mailbox->tail, &tail, tail + 2,
                                                      memory_order_relaxed, memory_order_relaxed)) {
                *position = pos;
                return true;
            }
        } else if (lag < 0) {
            /* Full: the slot still holds the message of the previous lap.
             * Relaxed: the consumer orders by the tail's modification order
             * alone; the letter we push next is published by its own release. */
            atomic_fetch_or_explicit(&mailbox->tail, CLOSED, memory_order_relaxed);
            return false;
        } else {
            /* Another producer took pos; relaxed for the same reason as above. */
            tail = atomic_load_explicit(&mailbox->tail, memory_order_relaxed);
        }
    }
}

/* Copies a payload of at most ZACTOR_SMALL_MAX bytes with fixed-size moves
 * (two possibly overlapping ones per power-of-two range) instead of a call
 * to memcpy: the inline copy is on every small send. */
static void copy_small(unsigned char *dst, const unsigned char *src, size_t size)
{
    if (size >= 32) {
        memcpy(dst, src, 32);
        memcpy(dst + size - 32, src + size - 32, 32);
    } else if (size >= 16) {
        memcpy(dst, src, 16);
        memcpy(dst + size - 16, src + size - 16, 16);
    } else if (size >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + size - 8, src + size - 8, 8);
    } else if (size >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + size - 4, src + size - 4, 4);
    } else {
        for (size_t i = 0; i < size; i++)
            dst[i] = src[i];
    }
}

static void write_slot(unsigned char *bytes, uint32_t tag, const void *msg, size_t size,
                       void *box)
{
    zactor_slot_header header = {tag, WHERE_INLINE};
    if (box)
        header.where = size <= ZACTOR_MEDIUM_MAX ? WHERE_POOLED : WHERE_HEAP;
    memcpy(bytes, &header, sizeof header);
    if (box)
        memcpy(bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, &box, sizeof box);
    else if (size <= ZACTOR_SMALL_MAX)
        copy_small(bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, msg, size);
    else
        memcpy(bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, msg, size);
}

/* Fills the envelope from slot bytes; returns the box to free, if any. */
static void *open_slot(const unsigned char *bytes, zactor__envelope *envelope)
{
    zactor_slot_header header;
    memcpy(&header, bytes, sizeof header);
    envelope->tag = header.tag;
    envelope->box = NULL;
    if (header.where == WHERE_INLINE) {
        envelope->payload = bytes + ZACTOR_SLOT_PAYLOAD_OFFSET;
    } else {
        memcpy(&envelope->box, bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, sizeof envelope->box);
        envelope->payload = envelope->box;
    }
    return envelope->box;
}

int zactor__mailbox_push(zactor__mailbox *mailbox, const zactor_actor_type *type, uint32_t tag,
                         const void *msg, size_t size, zactor__pool *pool,
                         zactor__pool_cache *cache, bool *overflowed)
{
    /* Acquire: pairs with the installing CAS, or with the consumer's
     * replacement (published by its release of the cell's life word, which
     * our CAS on life acquired before we got here). */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_acquire);
    if (!ring && !(ring = install_ring(mailbox, type, pool, cache)))
        return ZACTOR_ENOMEM;

    void *box = NULL;
    if (size > type->slot_size - ZACTOR_SLOT_PAYLOAD_OFFSET) {
        box = zactor__pool_alloc(pool, cache, size);
        if (!box)
            return ZACTOR_ENOMEM;
        memcpy(box, msg, size);
    }

    uint64_t pos;
    if (reserve(mailbox, ring, &pos)) {
        ring_slot *slot = slot_at(ring, pos);
        write_slot(slot->bytes, tag, msg, size, box);
        /* Release: the consumer acquires seq before it reads the slot. */
        atomic_store_explicit(&slot->seq, pos + 1, memory_order_release);
        return 0;
    }

    zactor__letter *letter =
        zactor__pool_alloc(pool, cache, sizeof(zactor__letter) + ring->stride - sizeof(uint64_t));
    if (!letter) {
        if (box)
            zactor__pool_free(pool, cache, box);
        return ZACTOR_ENOMEM;
    }
    write_slot(letter->bytes, tag, msg, size, box);
    /* Relaxed: only a starting guess for the CAS. */
    letter->next = atomic_load_explicit(&mailbox->overflow, memory_order_relaxed);
    /* Release: publishes the letter to the consumer's acquiring exchange. */
    while (!atomic_compare_exchange_weak_explicit(&mailbox->overflow, &letter->next, letter,
                                                  memory_order_release, memory_order_relaxed))
        ;
    *overflowed = true;
    return 0;
}

/* Moves the overflow stack to reader->ready in FIFO order, but only once
 * the ring is closed and drained up to its closed tail. */
static bool collect_overflow(zactor__mailbox *mailbox, zactor__mailbox_reader *reader)
{
    /* Relaxed: only the tail's own modification order matters (every
     * reservation precedes CLOSED); a stale read just ends the turn early. */
    uint64_t tail = atomic_load_explicit(&mailbox->tail, memory_order_relaxed);
    if (!(tail & CLOSED) || (tail >> 1) != reader->head)
        return false;
    /* Acquire: pairs with the producers' release CAS; letters are visible. */
    zactor__letter *stack = atomic_exchange_explicit(&mailbox->overflow, NULL,
                                                     memory_order_acquire);
    zactor__letter *fifo = NULL;
    while (stack) {
        zactor__letter *next = stack->next;
        stack->next = fifo;
        fifo = stack;
        stack = next;
    }
    reader->ready = fifo;
    return fifo != NULL;
}

bool zactor__mailbox_take(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                          zactor__envelope *envelope)
{
    /* Acquire: pairs with the installing CAS; the ring's contents are visible. */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_acquire);
    if (!ring)
        return false;
    envelope->ring = ring;
    envelope->reader = reader;
    /* Letters already taken come first: ready is only filled once the ring
     * is closed and drained, and it stays so until everything is consumed. */
    if (!reader->ready) {
        ring_slot *slot = slot_at(ring, reader->head);
        /* Acquire: pairs with the producer's release of seq; the bytes are visible. */
        if (atomic_load_explicit(&slot->seq, memory_order_acquire) == reader->head + 1) {
            envelope->letter = NULL;
            open_slot(slot->bytes, envelope);
            return true;
        }
        if (!collect_overflow(mailbox, reader))
            return false;
    }
    envelope->letter = reader->ready;
    open_slot(reader->ready->bytes, envelope);
    return true;
}

void zactor__mailbox_release(zactor__envelope *envelope, zactor__pool *pool,
                             zactor__pool_cache *cache)
{
    zactor__ring *ring = envelope->ring;
    zactor__mailbox_reader *reader = envelope->reader;
    if (envelope->box)
        zactor__pool_free(pool, cache, envelope->box);
    if (envelope->letter) {
        reader->ready = envelope->letter->next;
        zactor__pool_free(pool, cache, envelope->letter);
        return;
    }
    /* Release: our reads of the slot happen before the next lap's writes
     * (the producer acquires seq). */
    atomic_store_explicit(&slot_at(ring, reader->head)->seq, reader->head + ring->capacity,
                          memory_order_release);
    reader->head++;
}

bool zactor__mailbox_is_closed(zactor__mailbox *mailbox)
{
    /* Relaxed: a stale answer only postpones the reopening to a later turn. */
    return atomic_load_explicit(&mailbox->tail, memory_order_relaxed) & CLOSED;
}

void zactor__mailbox_reopen(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                            zactor__pool *pool, zactor__pool_cache *cache)
{
    /* Relaxed everywhere: the cell is LOCKED, so no producer is in flight,
     * and the release store that unlocks the cell publishes these writes to
     * the producers, which acquire the life word before touching the ring.
     * Everything sent was consumed, so head is the closed tail's position
     * and ready is empty. */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_relaxed);
    if (ring->capacity < MAX_SLOTS) {
        uint32_t capacity = ring->capacity * GROWTH_FACTOR;
        zactor__ring *bigger =
            new_ring(capacity < MAX_SLOTS ? capacity : MAX_SLOTS, ring->stride, pool, cache);
        if (bigger) {
            atomic_store_explicit(&mailbox->ring, bigger, memory_order_relaxed);
            free_ring(ring, pool, cache);
            reader->head = 0;
        }
    }
    atomic_store_explicit(&mailbox->tail, reader->head << 1, memory_order_relaxed);
}

/* Hands the message in slot bytes to undelivered, then frees its box. */
static void discard_slot(const unsigned char *bytes, zactor__pool *pool,
                         zactor__pool_cache *cache, zactor__undelivered_fn undelivered,
                         void *user)
{
    zactor__envelope envelope;
    open_slot(bytes, &envelope);
    undelivered(user, envelope.tag, envelope.payload);
    if (envelope.box)
        zactor__pool_free(pool, cache, envelope.box);
}

static uint64_t free_letters(zactor__letter *letter, zactor__pool *pool,
                             zactor__pool_cache *cache, zactor__undelivered_fn undelivered,
                             void *user)
{
    uint64_t count = 0;
    while (letter) {
        zactor__letter *next = letter->next;
        discard_slot(letter->bytes, pool, cache, undelivered, user);
        zactor__pool_free(pool, cache, letter);
        letter = next;
        count++;
    }
    return count;
}

uint64_t zactor__mailbox_clear(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                               zactor__pool *pool, zactor__pool_cache *cache,
                               zactor__undelivered_fn undelivered, void *user)
{
    /* Relaxed: no producer or consumer is left, and whoever calls this has
     * synchronised with the last of them (end of turn, or thread join). */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_relaxed);
    zactor__letter *stack = atomic_load_explicit(&mailbox->overflow, memory_order_relaxed);
    uint64_t count = free_letters(stack, pool, cache, undelivered, user);
    atomic_store_explicit(&mailbox->overflow, NULL, memory_order_relaxed);
    if (!ring)
        return count;
    uint64_t tail = atomic_load_explicit(&mailbox->tail, memory_order_relaxed) >> 1;
    for (uint64_t pos = reader->head; pos < tail; pos++) {
        ring_slot *slot = slot_at(ring, pos);
        /* Relaxed: as above. */
        if (atomic_load_explicit(&slot->seq, memory_order_relaxed) != pos + 1)
            break;
        discard_slot(slot->bytes, pool, cache, undelivered, user);
        count++;
    }
    count += free_letters(reader->ready, pool, cache, undelivered, user);
    free_ring(ring, pool, cache);
    /* Relaxed: as above; the cell's next spawn publishes the empty mailbox. */
    atomic_store_explicit(&mailbox->ring, NULL, memory_order_relaxed);
    atomic_store_explicit(&mailbox->tail, 0, memory_order_relaxed);
    reader->head = 0;
    reader->ready = NULL;
    return count;
}
