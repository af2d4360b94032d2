/* mailbox.c - a ring of inline slots plus an overflow list, in ticket order.
 *
 * Every message has a ticket: the sender takes it from the life word's tail
 * in the same CAS that makes it count (life.h, actor.c), its only locked
 * instruction in the common case; a handler's outbox takes a batch's
 * consecutive tickets in one CAS (zactor__mailbox_push_batch). The consumer takes tickets in order,
 * so per-sender FIFO holds by construction, whatever path each message took.
 *
 * Ring. Slot i of a ring of C slots holds ticket t when t mod C == i. A
 * slot is an 8-byte sequence word then the generated slot bytes
 * (zactor_slot_header, then the payload or the box pointer at
 * ZACTOR_SLOT_PAYLOAD_OFFSET); the word is 0 when the slot is empty and
 * PUBLISHED | t once ticket t's message is in it (the next lap's word
 * replaces it; the consumer only clears the slot of a ticket it took from
 * a letter, so that no word outlives a lap). The consumer hands consumed
 * slots back to the senders in batches by storing `released` (every
 * ticket before it is consumed). A sender with ticket t may use its slot
 * when t - released < C: the slot's previous occupant, t - C, was
 * consumed; or, in a grown ring, when t is in the ring's first lap
 * (base <= t < base + C) while released is still before base: the slot
 * never had an occupant. Otherwise the slot is still busy and the message
 * goes to the overflow list.
 *
 * Overflow. A LIFO stack of letters (pool blocks: link, ticket, slot
 * bytes). The consumer takes the whole stack when the ticket it needs is
 * in no ring slot, and merges it into `ready`, its list in ticket order
 * (the stack comes back in push order, which is ticket order but for
 * senders that raced: each letter is appended at the end, or, when it is
 * late, inserted after the letters before it). Nothing closes the ring: as
 * soon as the consumer releases slots, senders use them again, so an actor
 * permanently behind its senders still takes most messages from the ring.
 *
 * Growth. A consumer that finds letters grows the ring fourfold (8, 32,
 * 128, ... slots, up to MAX_SLOTS or MAX_RING_BYTES) without waiting for
 * the mailbox to drain: it
 * sets LOCKED in the life word, which stops new tickets; the tail it read,
 * `base`, is the first ticket of the new ring; it publishes the new ring
 * with the old one as `prev`, and clears LOCKED. Tickets before base live
 * in prev, which is freed once they are consumed. While prev lives,
 * `room` (the capacity senders assume when they decide whether to
 * allocate a letter in advance) stays prev's, the smaller one. The first
 * lap rule above lets the next C tickets use the new ring at once, however
 * long the backlog before base: an actor far behind its senders (a fan-in
 * flood) takes most of its messages from rings, in address order, and its
 * letters become rarer as the ring grows. Rings past BIG_RING_BYTES are
 * mapped pages, zero (empty slots) until first written, so a ring sized
 * for a backlog costs only the pages the backlog reaches; the mapping is
 * aligned to huge pages and advised to use them (map_ring_pages), since a
 * backlog of millions of messages otherwise spends about a third of its
 * consumer's time in page faults (W3).
 *
 * Trim. An idle actor (every ticket consumed) gives back its first ring,
 * so that a million idle actors cost their cells alone, and a ring grown
 * past KEPT_SLOTS, so that one burst does not pin megabytes for the
 * actor's lifetime; rings in between stay, as their actor was busy once
 * and will likely be again (regrowing costs a burst of letters).
 *
 * Nothing can fail after the ticket is taken: a sender allocates the box
 * of a big payload, and a letter when its ticket might not find a free
 * slot, before it counts itself (zactor__mailbox_prepare).
 *
 * The Promela model in runtime/model/ checks this protocol; see
 * runtime/README.md for what it covers. */
#include "mailbox.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "life.h"
#include "platform.h"
#include "timer.h"

/* The functions a send or a take runs for every message (parcel_init,
 * prepare, push, take, release and their helpers) are forced inline into
 * actor.c's deliver and worker.c's turn, which share one translation unit
 * with this file (runtime/CMakeLists.txt): as calls, their register saves
 * and restores were a sixth of W2's instructions (callgrind), and W2 K=64
 * ran 93 M msgs/s instead of 119 M, W1 13.4 M round trips/s instead of
 * 15.1 M. Tests and bench/mailbox call the same functions out of line.
 * mailbox.h declares them without `inline`, so these are external
 * definitions, which may call static functions (C11 6.7.4p3 restricts
 * inline definitions only); clang warns regardless, here only. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wstatic-in-inline"
#endif
#define INITIAL_SLOTS 8u
#define KEPT_SLOTS 4096u
#define MAX_SLOTS (1u << 24)
#define MAX_RING_BYTES (UINT64_C(256) << 20)
#define BIG_RING_BYTES ((size_t)1 << 20)
#define HUGE_PAGE_BYTES ((size_t)2 << 20) /* x86-64 and arm64 with 4 KiB pages */
#define GROWTH_FACTOR 4u
#define PUBLISHED (UINT64_C(1) << 32)
_Static_assert(MAX_SLOTS < ZACTOR__LIFE_MAX_QUEUED,
               "a ring never holds more than the live tickets");
_Static_assert(((ZACTOR__LIFE_TICKET_MASK + 1) % MAX_SLOTS) == 0,
               "tickets wrap on a slot boundary of every ring");

/* zactor_slot_header.where: where the payload lives (low bits), and in a
 * letter its ticket (above WHERE_TICKET_SHIFT). WHERE_TIMER: a timer's
 * firing, a pooled zactor__timer_box with the message after its header,
 * which the take checks against its timer (timer.c). */
enum { WHERE_INLINE = 0, WHERE_POOLED = 1, WHERE_HEAP = 2, WHERE_TIMER = 3, WHERE_KIND_MASK = 3 };
#define WHERE_TICKET_SHIFT 2
_Static_assert(ZACTOR__LIFE_TICKET_BITS + WHERE_TICKET_SHIFT <= 32, "a ticket fits in where");

/* Fixed once published but for prev; the slots follow. */
struct zactor__ring {
    uint32_t capacity;            /* slots, a power of two */
    uint32_t stride;              /* bytes per slot: sequence word + slot bytes, a multiple of 8 */
    uint32_t base;                /* the first ticket of a grown ring */
    uint32_t grown;               /* 1 when base is exact: a growth set it under LOCKED */
    _Atomic(zactor__ring *) prev; /* holds the tickets before base; NULL once consumed */
};
_Static_assert(sizeof(zactor__ring) % sizeof(uint64_t) == 0, "slots start 8-byte aligned");

typedef struct ring_slot {
    _Atomic uint64_t seq;
    unsigned char bytes[]; /* the generated slot type */
} ring_slot;

/* A letter's ticket rides in its slot header's `where` word, above the
 * storage kind, so that a letter of a small message stays a 32-byte block. */
struct zactor__letter {
    zactor__letter *next;  /* the overflow stack's link, then the ready list's (to newer) */
    zactor__letter *prev;  /* the ready list's link to older */
    unsigned char bytes[]; /* same layout as a ring slot's bytes */
};
_Static_assert(offsetof(zactor__letter, bytes) % sizeof(uint64_t) == 0, "slot bytes aligned");

static uint32_t letter_ticket(const zactor__letter *letter)
{
    zactor_slot_header header;
    memcpy(&header, letter->bytes, sizeof header);
    return header.where >> WHERE_TICKET_SHIFT;
}

static ring_slot *slot_at(zactor__ring *ring, uint32_t ticket)
{
    unsigned char *slots = (unsigned char *)(ring + 1);
    return (ring_slot *)(slots + (size_t)(ticket & (ring->capacity - 1)) * ring->stride);
}

/* Bytes of the generated slot type, rounded up to keep slots aligned. */
static uint32_t slot_bytes(const zactor_actor_type *type)
{
    return (type->slot_size + 7u) & ~7u;
}

/* The largest ring for slots of stride bytes: MAX_SLOTS, fewer if that
 * would take more than MAX_RING_BYTES (big inline slots). */
static uint32_t max_slots(uint32_t stride)
{
    uint32_t capacity = MAX_SLOTS;
    while (capacity > KEPT_SLOTS && (uint64_t)capacity * stride > MAX_RING_BYTES)
        capacity /= 2;
    return capacity;
}

/* true when ticket is in the first lap [base, base + capacity) of a grown
 * ring while the consumer is still before base: its slot never had an
 * occupant. Exact only while released is before base: after that, the
 * ring's lap count from base could wrap, and every ticket of the first lap
 * is within one capacity of released anyway. */
static bool in_first_lap(uint32_t base, uint32_t capacity, uint32_t released, uint32_t ticket)
{
    return zactor__ticket_before(released, base) &&
           zactor__ticket_distance(base, ticket) < capacity;
}

/* true when ticket's slot in ring is free: its previous occupant was
 * consumed (every ticket before released was), or it had none. */
static bool slot_free(const zactor__ring *ring, uint32_t released, uint32_t ticket)
{
    if (zactor__ticket_distance(released, ticket) < ring->capacity)
        return true;
    return ring->grown && in_first_lap(ring->base, ring->capacity, released, ticket);
}

/* A grown ring's size in bytes: whole cache lines. */
static size_t ring_bytes(uint32_t capacity, uint32_t stride)
{
    size_t bytes = sizeof(zactor__ring) + (size_t)capacity * stride;
    if (capacity == INITIAL_SLOTS)
        return bytes;
    return (bytes + ZACTOR__CACHE_LINE - 1) & ~(size_t)(ZACTOR__CACHE_LINE - 1);
}

/* An empty ring. The first ring of an actor (INITIAL_SLOTS, a few hundred
 * bytes at most) is a pool block: actors are spawned and stopped by the
 * million, and a malloc'd first ring, allocated by the sender's thread and
 * freed by the worker that recycles the actor, had those threads contend
 * for malloc's arena lock. A grown ring (a busy actor's) gets whole cache
 * lines of its own: two busy actors' rings side by side on the heap would
 * otherwise share a line at their boundary, and two workers each running
 * one of them would pass it back and forth. */
/* bytes of zeroed pages, starting on a huge-page boundary and advised to
 * use huge pages (Linux maps them when the advice allows it, as on
 * Debian's default "madvise" setting: a 2 MiB page costs one fault where
 * 512 small ones cost 512). Freed with munmap(ring, bytes). */
static void *map_ring_pages(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t length = (bytes + page - 1) & ~(page - 1);
    /* Reserve a huge page more, then give back what lies outside the
     * aligned range: unmapped address space costs nothing. */
    unsigned char *reserved = zactor__map(length + HUGE_PAGE_BYTES);
    if (reserved == MAP_FAILED)
        return NULL;
    uintptr_t start =
        ((uintptr_t)reserved + HUGE_PAGE_BYTES - 1) & ~(uintptr_t)(HUGE_PAGE_BYTES - 1);
    unsigned char *aligned = (unsigned char *)start;
    size_t before = (size_t)(aligned - reserved);
    if (before != 0)
        munmap(reserved, before);
    if (HUGE_PAGE_BYTES - before != 0)
        munmap(aligned + length, HUGE_PAGE_BYTES - before);
#ifdef MADV_HUGEPAGE
    /* Advice only: without it (or without huge pages) the ring still works. */
    (void)madvise(aligned, length, MADV_HUGEPAGE);
#endif
    return aligned;
}

static zactor__ring *new_ring(uint32_t capacity, uint32_t stride, zactor__pool *pool,
                              zactor__pool_cache *cache)
{
    size_t bytes = ring_bytes(capacity, stride);
    zactor__ring *ring;
    bool zeroed = false;
    if (capacity == INITIAL_SLOTS) {
        ring = zactor__pool_alloc(pool, cache, bytes);
    } else if (bytes >= BIG_RING_BYTES) {
        ring = map_ring_pages(bytes);
        zeroed = true;
    } else {
        ring = zactor__aligned_alloc(ZACTOR__CACHE_LINE, bytes);
    }
    if (!ring)
        return NULL;
    ring->capacity = capacity;
    ring->stride = stride;
    ring->base = 0;
    ring->grown = 0;
    atomic_init(&ring->prev, NULL);
    if (!zeroed) {
        for (uint32_t i = 0; i < capacity; i++)
            atomic_init(&slot_at(ring, i)->seq, 0);
    }
    return ring;
}

static void free_ring(zactor__ring *ring, zactor__pool *pool, zactor__pool_cache *cache)
{
    size_t bytes = ring_bytes(ring->capacity, ring->stride);
    if (ring->capacity == INITIAL_SLOTS)
        zactor__pool_free(pool, cache, ring);
    else if (bytes >= BIG_RING_BYTES)
        zactor__unmap(ring, bytes);
    else
        zactor__free(ring);
}

void zactor__mailbox_init(zactor__mailbox *mailbox, zactor__mailbox_reader *reader)
{
    atomic_init(&mailbox->released, 0);
    atomic_init(&mailbox->room, INITIAL_SLOTS);
    atomic_init(&mailbox->lap_base, 0);
    atomic_init(&mailbox->lap_room, 0);
    atomic_init(&mailbox->ring, NULL);
    mailbox->overflow = &reader->overflow;
    atomic_init(&reader->overflow, NULL);
    reader->head = 0;
    reader->released = 0;
    reader->ready = NULL;
}

/* ---- senders ---------------------------------------------------------- */

ZACTOR__ALWAYS_INLINE int zactor__mailbox_parcel_init(zactor__parcel *parcel,
                                                      const zactor_actor_type *type, uint32_t tag,
                                                      const void *msg, size_t size,
                                                      zactor__pool *pool, zactor__pool_cache *cache)
{
    parcel->type = type;
    parcel->tag = tag;
    parcel->msg = msg;
    parcel->size = size;
    parcel->box = NULL;
    parcel->letter = NULL;
    if (size > type->slot_size - ZACTOR_SLOT_PAYLOAD_OFFSET) {
        parcel->box = zactor__pool_alloc(pool, cache, size);
        if (!parcel->box)
            return ZACTOR_ENOMEM;
        memcpy(parcel->box, msg, size);
    }
    return 0;
}

void zactor__mailbox_parcel_discard(zactor__parcel *parcel, zactor__pool *pool,
                                    zactor__pool_cache *cache)
{
    if (parcel->box)
        zactor__pool_free(pool, cache, parcel->box);
    if (parcel->letter)
        zactor__pool_free(pool, cache, parcel->letter);
    parcel->box = NULL;
    parcel->letter = NULL;
}

/* A sender that saw NORING gives the mailbox a ring before it counts
 * itself. If the cell dies meanwhile, the ring stays in the dead cell for
 * its next actor (it is empty), or destroy frees it. */
static int install_ring(zactor__mailbox *mailbox, const zactor_actor_type *type, zactor__pool *pool,
                        zactor__pool_cache *cache)
{
    /* Acquire: if another sender installed one, we see it initialised. */
    if (atomic_load_explicit(&mailbox->ring, memory_order_acquire))
        return 0;
    zactor__ring *ring =
        new_ring(INITIAL_SLOTS, (uint32_t)sizeof(uint64_t) + slot_bytes(type), pool, cache);
    if (!ring)
        return ZACTOR_ENOMEM;
    zactor__ring *expected = NULL;
    /* Release: publishes the initialised ring to the senders and the
     * consumer that acquire the pointer. Acquire on failure: we use the
     * winner's. */
    if (!atomic_compare_exchange_strong_explicit(&mailbox->ring, &expected, ring,
                                                 memory_order_acq_rel, memory_order_acquire))
        free_ring(ring, pool, cache);
    return 0;
}

/* A letter for a ticket that may find its slot busy, unless the ticket
 * is in the first lap of the newest grown ring. The lap is read from the
 * mailbox, not the ring, which a trim may free before our CAS (which then
 * fails). If the CAS succeeds with `tail`, the lap read here is that of
 * the ring the ticket lands in: a growth in between sets LOCKED, which
 * fails the CAS, unless the word came back to the one we read; then our
 * ticket is the new ring's base, and its slot is free. And released can
 * only have grown: a slot free now is free at the push. */
static int prepare_letter(zactor__mailbox *mailbox, zactor__parcel *parcel, uint32_t released,
                          uint32_t tail, zactor__pool *pool, zactor__pool_cache *cache)
{
    if (parcel->letter)
        return 0;
    /* Relaxed: published with the life word the caller acquired, as room. */
    uint32_t lap_room = atomic_load_explicit(&mailbox->lap_room, memory_order_relaxed);
    uint32_t lap_base = atomic_load_explicit(&mailbox->lap_base, memory_order_relaxed);
    if (lap_room && in_first_lap(lap_base, lap_room, released, tail))
        return 0;
    parcel->letter =
        zactor__pool_alloc(pool, cache, sizeof(zactor__letter) + slot_bytes(parcel->type));
    return parcel->letter ? 0 : ZACTOR_ENOMEM;
}

/* prepare's rare cases: a ring to install, a stale life word, a limit
 * reached. */
static ZACTOR__OUT_OF_LINE int prepare_slow(zactor__mailbox *mailbox, zactor__parcel *parcel,
                                            uint64_t life, uint32_t released, zactor__pool *pool,
                                            zactor__pool_cache *cache)
{
    if (life & ZACTOR__LIFE_NORING) {
        int rc = install_ring(mailbox, parcel->type, pool, cache);
        if (rc != 0)
            return rc;
    }
    uint32_t tail = zactor__life_tail(life);
    /* released past tail: the word is stale (the CAS will fail), and so is
     * any estimate made from it. */
    if (zactor__ticket_before(tail, released))
        return 0;
    uint32_t queued = zactor__ticket_distance(released, tail);
    if (queued >= ZACTOR__LIFE_MAX_QUEUED - 1)
        return ZACTOR_ENOMEM;
    /* Relaxed: as in zactor__mailbox_prepare. */
    uint32_t room = atomic_load_explicit(&mailbox->room, memory_order_relaxed);
    if (queued >= room)
        return prepare_letter(mailbox, parcel, released, tail, pool, cache);
    return 0;
}

ZACTOR__ALWAYS_INLINE int zactor__mailbox_prepare(zactor__mailbox *mailbox, zactor__parcel *parcel,
                                                  uint64_t life, zactor__pool *pool,
                                                  zactor__pool_cache *cache)
{
    /* Acquire: pairs with the consumer's release of released, as the push
     * will. Read after the life word the caller will CAS: if the CAS
     * succeeds, released can only have grown since, and room can only have
     * grown unless the ring was trimmed, which changes the word. */
    uint32_t released = atomic_load_explicit(&mailbox->released, memory_order_acquire);
    /* Relaxed: a capacity; whatever it was published with, the ring it
     * describes is reached through the acquire of the ring pointer. */
    uint32_t room = atomic_load_explicit(&mailbox->room, memory_order_relaxed);
    /* A stale word (released past tail) gives a huge distance. */
    uint32_t queued = zactor__ticket_distance(released, zactor__life_tail(life));
    if (life & ZACTOR__LIFE_NORING || queued >= ZACTOR__LIFE_MAX_QUEUED / 2)
        return prepare_slow(mailbox, parcel, life, released, pool, cache);
    if (queued < room)
        return 0;
    /* The ring may be full when our ticket comes: a flood's common case. */
    return prepare_letter(mailbox, parcel, released, zactor__life_tail(life), pool, cache);
}

/* Copies a payload of at most ZACTOR_SMALL_MAX bytes with fixed-size moves
 * (two possibly overlapping ones per power-of-two range) instead of a call
 * to memcpy: the inline copy is on every small send. */
static ZACTOR__ALWAYS_INLINE void copy_small(unsigned char *dst, const unsigned char *src,
                                             size_t size)
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

/* ticket_bits: the letter's ticket, shifted, or 0 in a ring slot. */
static ZACTOR__ALWAYS_INLINE void write_slot(unsigned char *bytes, const zactor__parcel *parcel,
                                             uint32_t ticket_bits)
{
    zactor_slot_header header = {parcel->tag, WHERE_INLINE | ticket_bits};
    if (parcel->box)
        header.where |= parcel->size <= ZACTOR_MEDIUM_MAX      ? WHERE_POOLED
                        : parcel->size == ZACTOR__PARCEL_TIMER ? WHERE_TIMER
                                                               : WHERE_HEAP;
    memcpy(bytes, &header, sizeof header);
    if (parcel->box)
        memcpy(bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, &parcel->box, sizeof parcel->box);
    else if (parcel->size <= ZACTOR_SMALL_MAX)
        copy_small(bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, parcel->msg, parcel->size);
    else
        memcpy(bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, parcel->msg, parcel->size);
}

/* Stores the message in ticket's slot if the slot is free. */
static ZACTOR__ALWAYS_INLINE bool push_to_ring(zactor__mailbox *mailbox, zactor__ring *ring,
                                               zactor__parcel *parcel, uint32_t ticket)
{
    /* Acquire: pairs with the consumer's release of released, so its reads
     * of the slot's previous message happen before our writes. */
    uint32_t released = atomic_load_explicit(&mailbox->released, memory_order_acquire);
    if (!slot_free(ring, released, ticket))
        return false;
    ring_slot *slot = slot_at(ring, ticket);
    /* Each ticket is handed out once, and a ring's slots start at 0: the
     * slot holds nothing or an older lap's message, never this ticket's. */
    ZACTOR__INVARIANT(atomic_load_explicit(&slot->seq, memory_order_relaxed) !=
                      (PUBLISHED | ticket));
    write_slot(slot->bytes, parcel, 0);
    /* Release: the consumer acquires seq before it reads the slot. */
    atomic_store_explicit(&slot->seq, PUBLISHED | ticket, memory_order_release);
    return true;
}

/* Stores the message in its ring slot if free (the letter prepare took
 * in case is then given back) and returns NULL; otherwise writes it into
 * that letter and returns the letter, for the caller to push. */
static zactor__letter *push_to_ring_or_letter(zactor__mailbox *mailbox, zactor__ring *ring,
                                              zactor__parcel *parcel, uint32_t ticket,
                                              zactor__pool *pool, zactor__pool_cache *cache)
{
    /* Acquire: pairs with the growth's release of the ring pointer. A prev
     * stays allocated while our ticket, before base, is unconsumed. */
    zactor__ring *prev = atomic_load_explicit(&ring->prev, memory_order_acquire);
    if (prev && zactor__ticket_before(ticket, ring->base))
        ring = prev;
    if (push_to_ring(mailbox, ring, parcel, ticket)) {
        if (parcel->letter)
            zactor__pool_free(pool, cache, parcel->letter);
        return NULL;
    }
    /* prepare saw at most our room and at least as old a released, so it
     * allocated the letter. */
    zactor__letter *letter = parcel->letter;
    ZACTOR__INVARIANT(letter != NULL);
    write_slot(letter->bytes, parcel, ticket << WHERE_TICKET_SHIFT);
    return letter;
}

/* Pushes a chain of letters (newest first, oldest's next to be set) onto
 * the overflow stack in one CAS: the stack then reads as if they had been
 * pushed one by one. */
static void push_letters(zactor__mailbox *mailbox, zactor__letter *newest, zactor__letter *oldest)
{
    /* Relaxed: only a starting guess for the CAS. */
    oldest->next = atomic_load_explicit(mailbox->overflow, memory_order_relaxed);
    /* Release: publishes the letters to the consumer's acquiring exchange. */
    while (!atomic_compare_exchange_weak_explicit(mailbox->overflow, &oldest->next, newest,
                                                  memory_order_release, memory_order_relaxed))
        ;
}

/* push's rare cases: a ring being replaced, a letter to send. */
static ZACTOR__OUT_OF_LINE bool push_slow(zactor__mailbox *mailbox, zactor__ring *ring,
                                          zactor__parcel *parcel, uint32_t ticket,
                                          zactor__pool *pool, zactor__pool_cache *cache)
{
    zactor__letter *letter = push_to_ring_or_letter(mailbox, ring, parcel, ticket, pool, cache);
    if (!letter)
        return false;
    push_letters(mailbox, letter, letter);
    return true;
}

ZACTOR__ALWAYS_INLINE bool zactor__mailbox_push(zactor__mailbox *mailbox, zactor__parcel *parcel,
                                                uint32_t ticket, zactor__pool *pool,
                                                zactor__pool_cache *cache)
{
    /* Acquire: pairs with the install or the growth that published the
     * ring. Not NULL: our CAS cleared NORING (after we or another sender
     * installed one), and a trim needs every ticket consumed, ours too. */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_acquire);
    /* Relaxed peek at prev: the slow path reads it again with acquire. */
    if (!parcel->letter && !atomic_load_explicit(&ring->prev, memory_order_relaxed) &&
        push_to_ring(mailbox, ring, parcel, ticket))
        return false;
    return push_slow(mailbox, ring, parcel, ticket, pool, cache);
}

uint32_t zactor__mailbox_push_batch(zactor__mailbox *mailbox, zactor__parcel *parcels,
                                    uint32_t count, uint32_t ticket, zactor__pool *pool,
                                    zactor__pool_cache *cache)
{
    /* Acquire: as in zactor__mailbox_push. */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_acquire);
    zactor__letter *newest = NULL, *oldest = NULL;
    uint32_t letters = 0;
    for (uint32_t i = 0; i < count; i++) {
        zactor__letter *letter =
            push_to_ring_or_letter(mailbox, ring, &parcels[i], ticket, pool, cache);
        ticket = (ticket + 1) & (uint32_t)ZACTOR__LIFE_TICKET_MASK;
        if (!letter)
            continue;
        letter->next = newest;
        newest = letter;
        if (!oldest)
            oldest = letter;
        letters++;
    }
    if (newest)
        push_letters(mailbox, newest, oldest);
    return letters;
}

/* ---- the consumer ----------------------------------------------------- */

void zactor__mailbox_open(zactor__mailbox_cursor *cursor, zactor__mailbox *mailbox,
                          zactor__mailbox_reader *reader, _Atomic uint64_t *life,
                          zactor__pool *pool, zactor__pool_cache *cache)
{
    cursor->mailbox = mailbox;
    cursor->reader = reader;
    cursor->life = life;
    cursor->pool = pool;
    cursor->cache = cache;
    /* Acquire: pairs with the install; the ring's slots are initialised. */
    cursor->ring = atomic_load_explicit(&mailbox->ring, memory_order_acquire);
}

static void grow_ring(zactor__mailbox_cursor *cursor);

/* True when letters wait: the backlog outgrew the ring. */
static bool letters_waiting(const zactor__mailbox_cursor *cursor)
{
    /* Relaxed peek: a hint; the consumer takes letters with an acquire. */
    return cursor->reader->ready ||
           atomic_load_explicit(&cursor->reader->overflow, memory_order_relaxed);
}

/* The ring that holds (or will hold) ticket, or NULL if there is none yet.
 * Frees the previous ring once every ticket before base is consumed, and
 * grows the ring again at once if letters still wait (a backlog that keeps
 * outgrowing the ring is met with a bigger one every time the consumer
 * reaches the last one, not only when it runs out of letters). */
static zactor__ring *ring_of(zactor__mailbox_cursor *cursor, uint32_t ticket)
{
    zactor__ring *ring = cursor->ring;
    if (!ring) {
        /* Acquire: as in open; a sender may have installed it since. */
        ring = atomic_load_explicit(&cursor->mailbox->ring, memory_order_acquire);
        if (!ring)
            return NULL;
        cursor->ring = ring;
    }
    /* Relaxed: only the consumer writes prev. */
    zactor__ring *prev = atomic_load_explicit(&ring->prev, memory_order_relaxed);
    if (!prev)
        return ring;
    if (zactor__ticket_before(ticket, ring->base))
        return prev;
    /* Every ticket before base is consumed (ticket is the head): no sender
     * still writes prev, and none will read it (their tickets are not
     * before base). */
    free_ring(prev, cursor->pool, cursor->cache);
    /* Relaxed: see the push; a sender reads prev only with a ticket before
     * base, and there is none left. */
    atomic_store_explicit(&ring->prev, NULL, memory_order_relaxed);
    /* Relaxed: a sender whose life word predates this still CASes a word
     * whose tail is not before base, so its ticket lands in this ring. */
    atomic_store_explicit(&cursor->mailbox->room, ring->capacity, memory_order_relaxed);
    /* Not while clearing (no life word: no sender left to make room for). */
    if (cursor->life && letters_waiting(cursor))
        grow_ring(cursor);
    return ring;
}

/* Adds letter to the ready list, kept in ticket order. The list is
 * circular both ways: ready is the newest, ready->next the oldest. */
static void ready_insert(zactor__mailbox_reader *reader, zactor__letter *letter)
{
    zactor__letter *newest = reader->ready;
    if (!newest) {
        letter->next = letter;
        letter->prev = letter;
        reader->ready = letter;
        return;
    }
    zactor__letter *oldest = newest->next;
    /* Nearly always appended. A late letter (its sender was overtaken
     * between its CAS and its push) goes after the last letter before it,
     * found walking back from the newest: as far as it is late, not as far
     * as the backlog is long. */
    uint32_t ticket = letter_ticket(letter);
    zactor__letter *after = newest;
    while (zactor__ticket_before(ticket, letter_ticket(after)) && after != oldest)
        after = after->prev;
    if (zactor__ticket_before(ticket, letter_ticket(after))) {
        /* Older than the oldest: it becomes the oldest. */
        letter->next = oldest;
        letter->prev = newest;
        newest->next = letter;
        oldest->prev = letter;
        return;
    }
    letter->prev = after;
    letter->next = after->next;
    after->next->prev = letter;
    after->next = letter;
    if (after == newest)
        reader->ready = letter;
}

/* Removes the oldest ready letter. */
static void ready_remove_oldest(zactor__mailbox_reader *reader)
{
    zactor__letter *newest = reader->ready;
    zactor__letter *oldest = newest->next;
    if (oldest == newest) {
        reader->ready = NULL;
        return;
    }
    newest->next = oldest->next;
    oldest->next->prev = newest;
}

/* Merges a taken overflow stack into the ready list. Reversed, the stack
 * is in push order, which is ticket order unless senders raced between
 * their CAS and their push: an ordered batch that follows the ready list
 * (a flood's common case) is spliced on whole, otherwise each letter is
 * inserted where it belongs. */
static void merge_stack(zactor__mailbox_reader *reader, zactor__letter *stack)
{
    if (!stack)
        return;
    /* Reverse, linking both ways: batch_oldest .. stack's top. */
    zactor__letter *batch_newest = stack, *batch_oldest = NULL;
    bool ordered = true;
    while (stack) {
        zactor__letter *next = stack->next;
        if (batch_oldest) {
            ordered = ordered &&
                      zactor__ticket_before(letter_ticket(stack), letter_ticket(batch_oldest));
            batch_oldest->prev = stack;
        }
        stack->next = batch_oldest;
        batch_oldest = stack;
        stack = next;
    }
    zactor__letter *newest = reader->ready;
    if (ordered &&
        (!newest || zactor__ticket_before(letter_ticket(newest), letter_ticket(batch_oldest)))) {
        zactor__letter *oldest = newest ? newest->next : batch_oldest;
        newest = newest ? newest : batch_newest;
        newest->next = batch_oldest;
        batch_oldest->prev = newest;
        batch_newest->next = oldest;
        oldest->prev = batch_newest;
        reader->ready = batch_newest;
        return;
    }
    for (zactor__letter *letter = batch_oldest, *next; letter; letter = next) {
        next = letter == batch_newest ? NULL : letter->next;
        ready_insert(reader, letter);
    }
}

/* Grows the ring under LOCKED (see the top of the file): fourfold, or to
 * four times the backlog if that is more (a ring past BIG_RING_BYTES costs
 * only the pages its tickets reach). No-op when the ring is at its
 * maximum, when the previous growth's ring still holds tickets, or when
 * memory is short (the overflow list keeps working). */
static void grow_ring(zactor__mailbox_cursor *cursor)
{
    zactor__ring *ring = cursor->ring;
    if (!ring)
        return;
    uint32_t most = max_slots(ring->stride);
    /* Relaxed: only the consumer writes prev. */
    if (ring->capacity >= most || atomic_load_explicit(&ring->prev, memory_order_relaxed))
        return;
    uint32_t capacity = ring->capacity * GROWTH_FACTOR;
    /* Relaxed: an estimate; the backlog only sizes the ring. */
    uint32_t backlog = zactor__ticket_distance(
        cursor->reader->head,
        zactor__life_tail(atomic_load_explicit(cursor->life, memory_order_relaxed)));
    while (capacity < most && capacity / GROWTH_FACTOR < backlog)
        capacity *= 2;
    zactor__ring *bigger =
        new_ring(capacity < most ? capacity : most, ring->stride, cursor->pool, cursor->cache);
    if (!bigger)
        return;
    /* Relaxed: a starting guess for the CAS. */
    uint64_t life = atomic_load_explicit(cursor->life, memory_order_relaxed);
    /* Acquire: after this no ticket is taken until we unlock, so the tail
     * we read is the last ticket of the old ring plus one. Only the
     * consumer (or a trim of an idle actor, never during a turn) locks. */
    while (!atomic_compare_exchange_weak_explicit(cursor->life, &life, life | ZACTOR__LIFE_LOCKED,
                                                  memory_order_acquire, memory_order_relaxed))
        ;
    /* Relaxed: our own store. */
    ZACTOR__INVARIANT(atomic_load_explicit(cursor->life, memory_order_relaxed) &
                      ZACTOR__LIFE_LOCKED);
    bigger->base = zactor__life_tail(life);
    bigger->grown = 1;
    /* Relaxed: published by the release that clears LOCKED below. */
    atomic_store_explicit(&cursor->mailbox->lap_base, bigger->base, memory_order_relaxed);
    atomic_store_explicit(&cursor->mailbox->lap_room, bigger->capacity, memory_order_relaxed);
    atomic_init(&bigger->prev, ring);
    /* Release: a sender that took its ticket before the lock and reads the
     * new pointer sees base and prev (and goes to prev). */
    atomic_store_explicit(&cursor->mailbox->ring, bigger, memory_order_release);
    /* Release: senders that count themselves after this see the new ring.
     * No ticket was taken while we held LOCKED. */
    uint64_t before =
        atomic_fetch_and_explicit(cursor->life, ~ZACTOR__LIFE_LOCKED, memory_order_release);
    ZACTOR__INVARIANT(zactor__life_tail(before) == bigger->base);
    (void)before;
    cursor->ring = bigger;
}

/* Takes the overflow stack into the ready list; false when it was empty. */
static bool collect_overflow(zactor__mailbox_cursor *cursor)
{
    /* Relaxed peek: the exchange below is only worth it when letters wait. */
    if (!atomic_load_explicit(&cursor->reader->overflow, memory_order_relaxed))
        return false;
    /* Acquire: pairs with the senders' release CAS; the letters are visible. */
    zactor__letter *stack =
        atomic_exchange_explicit(&cursor->reader->overflow, NULL, memory_order_acquire);
    merge_stack(cursor->reader, stack);
    grow_ring(cursor);
    return true;
}

/* Fills the envelope from slot bytes. false for the firing of a timer
 * cancelled since it was queued: not to be handled. Only boxed payloads
 * are looked at for that: inline ones pay nothing. */
static ZACTOR__ALWAYS_INLINE bool open_slot(const unsigned char *bytes, zactor__envelope *envelope)
{
    zactor_slot_header header;
    memcpy(&header, bytes, sizeof header);
    envelope->tag = header.tag;
    envelope->box = NULL;
    if ((header.where & WHERE_KIND_MASK) == WHERE_INLINE) {
        envelope->payload = bytes + ZACTOR_SLOT_PAYLOAD_OFFSET;
        return true;
    }
    memcpy(&envelope->box, bytes + ZACTOR_SLOT_PAYLOAD_OFFSET, sizeof envelope->box);
    envelope->payload = envelope->box;
    if ((header.where & WHERE_KIND_MASK) != WHERE_TIMER)
        return true;
    envelope->payload = (const unsigned char *)envelope->box + ZACTOR__TIMER_BOX_HEADER;
    return zactor__timer_taken(envelope->box);
}

/* open_slot for a take: a firing not to be handled sets the skip flag. */
static ZACTOR__ALWAYS_INLINE void open_taken(const zactor__mailbox_cursor *cursor,
                                             const unsigned char *bytes, zactor__envelope *envelope)
{
    if (!open_slot(bytes, envelope))
        *zactor__reader_flags(cursor->reader) |= ZACTOR__MAILBOX_SKIP;
}

/* The oldest ready letter if it holds ticket. */
static zactor__letter *ready_letter(const zactor__mailbox_reader *reader, uint32_t ticket)
{
    if (!reader->ready)
        return NULL;
    zactor__letter *oldest = reader->ready->next;
    return letter_ticket(oldest) == ticket ? oldest : NULL;
}

static bool take_letter(const zactor__mailbox_cursor *cursor, zactor__letter *letter,
                        zactor__envelope *envelope)
{
    envelope->letter = letter;
    open_taken(cursor, letter->bytes, envelope);
    return true;
}

/* take's rare cases: letters, a ring to look up or replace. */
static ZACTOR__OUT_OF_LINE bool take_slow(zactor__mailbox_cursor *cursor,
                                          zactor__envelope *envelope)
{
    zactor__mailbox_reader *reader = cursor->reader;
    uint32_t head = reader->head;
    zactor__letter *letter = ready_letter(reader, head);
    if (letter)
        return take_letter(cursor, letter, envelope);
    zactor__ring *ring = ring_of(cursor, head);
    if (ring) {
        ring_slot *slot = slot_at(ring, head);
        /* Acquire: pairs with the sender's release of seq; the bytes are visible. */
        if (atomic_load_explicit(&slot->seq, memory_order_acquire) == (PUBLISHED | head)) {
            envelope->letter = NULL;
            open_taken(cursor, slot->bytes, envelope);
            return true;
        }
    }
    if (collect_overflow(cursor) && (letter = ready_letter(reader, head)))
        return take_letter(cursor, letter, envelope);
    return false;
}

ZACTOR__ALWAYS_INLINE bool zactor__mailbox_take(zactor__mailbox_cursor *cursor,
                                                zactor__envelope *envelope)
{
    zactor__mailbox_reader *reader = cursor->reader;
    uint32_t head = reader->head;
    /* A backlog in letters: the next ticket is most likely the oldest. */
    zactor__letter *letter = ready_letter(reader, head);
    if (letter)
        return take_letter(cursor, letter, envelope);
    zactor__ring *ring = cursor->ring;
    /* Relaxed: only the consumer writes prev. */
    if (ring && !atomic_load_explicit(&ring->prev, memory_order_relaxed)) {
        ring_slot *slot = slot_at(ring, head);
        /* Acquire: pairs with the sender's release of seq; the bytes are visible. */
        if (atomic_load_explicit(&slot->seq, memory_order_acquire) == (PUBLISHED | head)) {
            envelope->letter = NULL;
            open_taken(cursor, slot->bytes, envelope);
            return true;
        }
        /* Nothing in the slot: a letter, or nothing yet. */
        /* Relaxed peek: as in collect_overflow. */
        if (!atomic_load_explicit(&cursor->reader->overflow, memory_order_relaxed))
            return false;
    }
    return take_slow(cursor, envelope);
}

/* Hands every slot consumed so far back to the senders, and grows the
 * ring if letters wait on the stack: otherwise a backlog that outgrew the
 * ring while the consumer reads a full ring is noticed only when the
 * consumer reaches the first letter's ticket, a whole ring later, and
 * every ticket until then becomes a letter too (W3: half of 10 M). */
static ZACTOR__ALWAYS_INLINE void publish_released(zactor__mailbox_cursor *cursor)
{
    zactor__mailbox_reader *reader = cursor->reader;
    if (reader->released == reader->head)
        return;
    reader->released = reader->head;
    /* Release: our reads of the consumed slots happen before a sender
     * that acquires this reuses them. */
    atomic_store_explicit(&cursor->mailbox->released, reader->head, memory_order_release);
    /* Relaxed peek, on our own line: a hint, as in collect_overflow. */
    if (atomic_load_explicit(&reader->overflow, memory_order_relaxed))
        grow_ring(cursor);
}

ZACTOR__ALWAYS_INLINE void zactor__mailbox_release(zactor__mailbox_cursor *cursor,
                                                   zactor__envelope *envelope)
{
    zactor__mailbox_reader *reader = cursor->reader;
    if (envelope->box)
        zactor__pool_free(cursor->pool, cursor->cache, envelope->box);
    if (envelope->letter) {
        ready_remove_oldest(reader);
        zactor__pool_free(cursor->pool, cursor->cache, envelope->letter);
        /* The ticket's slot still holds an older ticket's sequence word:
         * clear it, so that no word outlives one lap of the ring and none
         * can match a ticket 2^28 later. No sender writes that slot while
         * the ticket is unconsumed. Relaxed: published to the slot's next
         * sender by the release of released. */
        zactor__ring *ring = ring_of(cursor, reader->head);
        if (ring)
            atomic_store_explicit(&slot_at(ring, reader->head)->seq, 0, memory_order_relaxed);
    }
    /* A ring slot is not cleared: the next lap's sequence word replaces
     * its word, and the consumer does not write the senders' slot lines. */
    reader->head = (reader->head + 1) & (uint32_t)ZACTOR__LIFE_TICKET_MASK;
    /* Hand slots back a quarter of the ring at a time: often enough that
     * senders to a busy actor find free slots, rarely enough that the
     * store to the senders' line costs little per message. */
    zactor__ring *ring = cursor->ring;
    uint32_t batch = ring ? ring->capacity / 4u : 1u;
    if (zactor__ticket_distance(reader->released, reader->head) >= batch)
        publish_released(cursor);
}

uint32_t zactor__mailbox_close(zactor__mailbox_cursor *cursor)
{
    publish_released(cursor);
    return cursor->reader->head;
}

/* Frees the rings; no sender or consumer is in the mailbox. */
static void free_rings(zactor__mailbox *mailbox, zactor__pool *pool, zactor__pool_cache *cache)
{
    /* Relaxed everywhere: see the callers. */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_relaxed);
    if (!ring)
        return;
    zactor__ring *prev = atomic_load_explicit(&ring->prev, memory_order_relaxed);
    if (prev)
        free_ring(prev, pool, cache);
    free_ring(ring, pool, cache);
    atomic_store_explicit(&mailbox->ring, NULL, memory_order_relaxed);
    atomic_store_explicit(&mailbox->room, INITIAL_SLOTS, memory_order_relaxed);
    atomic_store_explicit(&mailbox->lap_room, 0, memory_order_relaxed);
}

bool zactor__mailbox_trim(zactor__mailbox *mailbox, zactor__pool *pool, zactor__pool_cache *cache)
{
    /* Relaxed everywhere: the caller holds LOCKED on an idle actor, so no
     * sender or consumer is in the mailbox, and its release of the life
     * word (with NORING) publishes these stores to the next sender. */
    zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_relaxed);
    /* Which rings go: see Trim at the top of the file. */
    if (!ring || (ring->capacity != INITIAL_SLOTS && ring->capacity <= KEPT_SLOTS))
        return false;
    free_rings(mailbox, pool, cache);
    return true;
}

uint32_t zactor__mailbox_capacity(const zactor__mailbox *mailbox)
{
    /* Relaxed: the caller synchronised with every sender and the consumer. */
    const zactor__ring *ring = atomic_load_explicit(&mailbox->ring, memory_order_relaxed);
    return ring ? ring->capacity : 0;
}

/* ---- teardown --------------------------------------------------------- */

/* Hands the message in slot bytes to undelivered, then frees its box. */
static void discard_slot(const unsigned char *bytes, zactor__pool *pool, zactor__pool_cache *cache,
                         zactor__undelivered_fn undelivered, void *user)
{
    zactor__envelope envelope;
    /* A cancelled timer's firing is no dead letter: it was never due. */
    if (open_slot(bytes, &envelope))
        undelivered(user, envelope.tag, envelope.payload);
    if (envelope.box)
        zactor__pool_free(pool, cache, envelope.box);
}

uint64_t zactor__mailbox_clear(zactor__mailbox *mailbox, zactor__mailbox_reader *reader,
                               uint32_t tail, zactor__pool *pool, zactor__pool_cache *cache,
                               zactor__undelivered_fn undelivered, void *user)
{
    /* Relaxed everywhere: no producer or consumer is left, and whoever
     * calls this has synchronised with the last of them (end of turn, or
     * thread join). */
    zactor__mailbox_cursor cursor;
    zactor__mailbox_open(&cursor, mailbox, reader, NULL, pool, cache);
    merge_stack(reader, atomic_exchange_explicit(&reader->overflow, NULL, memory_order_relaxed));
    uint64_t count = 0;
    for (uint32_t ticket = reader->head; ticket != tail;
         ticket = (ticket + 1) & (uint32_t)ZACTOR__LIFE_TICKET_MASK) {
        zactor__letter *letter = ready_letter(reader, ticket);
        if (letter) {
            ready_remove_oldest(reader);
            discard_slot(letter->bytes, pool, cache, undelivered, user);
            zactor__pool_free(pool, cache, letter);
            count++;
            continue;
        }
        zactor__ring *ring = ring_of(&cursor, ticket);
        if (!ring)
            continue;
        ring_slot *slot = slot_at(ring, ticket);
        if (atomic_load_explicit(&slot->seq, memory_order_relaxed) == (PUBLISHED | ticket)) {
            discard_slot(slot->bytes, pool, cache, undelivered, user);
            atomic_store_explicit(&slot->seq, 0, memory_order_relaxed);
            count++;
        }
    }
    /* Letters of tickets never reached (none, unless a sender died between
     * its count and its push): freed all the same. */
    while (reader->ready) {
        zactor__letter *letter = reader->ready->next;
        ready_remove_oldest(reader);
        discard_slot(letter->bytes, pool, cache, undelivered, user);
        zactor__pool_free(pool, cache, letter);
        count++;
    }
    free_rings(mailbox, pool, cache);
    atomic_store_explicit(&mailbox->released, 0, memory_order_relaxed);
    reader->head = 0;
    reader->released = 0;
    return count;
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
