/* actor.c - cells, spawn, send, stop, refs and generations.
 *
 * See life.h for the life word. The rules that make it safe:
 * - a sender prepares everything that could fail (box, letter, ring)
 *   first, then takes its ticket and counts itself in one CAS that checks
 *   generation and ALIVE, then pushes (which cannot fail), and schedules
 *   the actor if its CAS set RUNNABLE; a handler's outbox (worker.h) does
 *   the same for a batch of messages, with one CAS for all their tickets;
 * - only the worker running the actor's turn consumes tickets, and it
 *   clears RUNNABLE only when every ticket handed out was consumed, so a
 *   cell is recycled only when !ALIVE and no sender is between its CAS and
 *   its push. */
#include "actor.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "clock.h"
#include "dead_letter.h"
#include "end.h"
#include "error.h"
#include "monitor.h"
#include "node.h"
#include "platform.h"
#include "system.h"
#include "worker.h"

/* A chunk is 32 pages mapped at an address that is a multiple of its
 * size: its header line and 1023 cells, so a million idle actors cost 128
 * bytes each, and a cell finds its chunk (and so its index, for an actor
 * id) by masking its address. */
#define CHUNK_BYTES (128u * 1024u)
#define CELLS_PER_CHUNK ((CHUNK_BYTES - ZACTOR__CACHE_LINE) / sizeof(zactor_cell))

struct zactor__cell_chunk {
    _Alignas(ZACTOR__CACHE_LINE) zactor__cell_chunk *next;
    /* Cells handed out from this chunk so far: written under the store's
     * lock, read without it by zactor__actor_of_id. */
    _Atomic uint32_t used;
    uint32_t index; /* in the chunk table */
    _Alignas(ZACTOR__CACHE_LINE) zactor_cell cells[CELLS_PER_CHUNK];
};
_Static_assert(sizeof(zactor__cell_chunk) <= CHUNK_BYTES, "a chunk fits its pages");
_Static_assert(CELLS_PER_CHUNK == 1023u, "128 bytes per idle actor");

struct zactor__chunk_table {
    zactor__chunk_table *older; /* the table this one grew from */
    _Atomic uint32_t count;     /* chunks published */
    uint32_t capacity;
    zactor__cell_chunk *chunks[];
};

int zactor__cells_init(zactor__cell_store *store)
{
    store->free = NULL;
    store->chunks = NULL;
    atomic_init(&store->table, NULL);
    return pthread_mutex_init(&store->lock, NULL) == 0 ? 0 : -1;
}

/* LeakSanitizer scans malloc'd memory and globals, not mappings: a chunk
 * is registered as a root region, so that the states its cells point to
 * count as reachable while the system lives. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZACTOR__LSAN_ROOTS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ZACTOR__LSAN_ROOTS 1
#endif
#ifdef ZACTOR__LSAN_ROOTS
void __lsan_register_root_region(const void *p, size_t size);
void __lsan_unregister_root_region(const void *p, size_t size);
#define chunk_roots_add(p) __lsan_register_root_region((p), CHUNK_BYTES)
#define chunk_roots_remove(p) __lsan_unregister_root_region((p), CHUNK_BYTES)
#else
#define chunk_roots_add(p) ((void)(p))
#define chunk_roots_remove(p) ((void)(p))
#endif

/* A CHUNK_BYTES-aligned mapping: twice the size, trimmed. */
static zactor__cell_chunk *map_chunk(void)
{
    size_t span = 2u * CHUNK_BYTES;
    unsigned char *p = zactor__map(span);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)p + CHUNK_BYTES - 1) & ~(uintptr_t)(CHUNK_BYTES - 1);
    unsigned char *aligned = (unsigned char *)start;
    if (aligned > p)
        munmap(p, (size_t)(aligned - p));
    size_t tail = (size_t)(p + span - (aligned + CHUNK_BYTES));
    if (tail)
        munmap(aligned + CHUNK_BYTES, tail);
    chunk_roots_add(aligned);
    return (zactor__cell_chunk *)aligned;
}

/* Under the store's lock: gives chunk the next index. false when the
 * table cannot grow. */
static bool index_chunk(zactor__cell_store *store, zactor__cell_chunk *chunk)
{
    /* Relaxed: the table is written only under the lock we hold. */
    zactor__chunk_table *table = atomic_load_explicit(&store->table, memory_order_relaxed);
    uint32_t count = table ? atomic_load_explicit(&table->count, memory_order_relaxed) : 0;
    if (!table || count == table->capacity) {
        uint32_t capacity = table ? 2 * table->capacity : 64;
        zactor__chunk_table *grown =
            zactor__malloc(sizeof *grown + capacity * sizeof grown->chunks[0]);
        if (!grown)
            return false;
        grown->older = table;
        grown->capacity = capacity;
        if (count)
            memcpy(grown->chunks, table->chunks, count * sizeof table->chunks[0]);
        atomic_init(&grown->count, count);
        /* Release: a reader that acquires the new table sees its copy. */
        atomic_store_explicit(&store->table, grown, memory_order_release);
        table = grown;
    }
    chunk->index = count;
    table->chunks[count] = chunk;
    /* Release: a reader that sees the count sees the entry. */
    atomic_store_explicit(&table->count, count + 1, memory_order_release);
    return true;
}

static zactor__cell_chunk *new_chunk(zactor__cell_store *store)
{
    zactor__cell_chunk *chunk = map_chunk();
    if (!chunk)
        return NULL;
    chunk->next = store->chunks;
    atomic_init(&chunk->used, 0);
    if (!index_chunk(store, chunk)) {
        chunk_roots_remove(chunk);
        zactor__unmap(chunk, CHUNK_BYTES);
        return NULL;
    }
    store->chunks = chunk;
    return chunk;
}

static zactor__cell_chunk *chunk_of(const zactor_cell *cell)
{
    return (zactor__cell_chunk *)((uintptr_t)cell & ~(uintptr_t)(CHUNK_BYTES - 1));
}

uint64_t zactor__actor_id(zactor_ref ref)
{
    const zactor__cell_chunk *chunk = chunk_of(ref.cell);
    uint64_t index = (uint64_t)chunk->index * CELLS_PER_CHUNK + (uint64_t)(ref.cell - chunk->cells);
    return (index + 1) << 32 | ref.generation;
}

bool zactor__actor_of_id(zactor_system *sys, uint64_t id, zactor_ref *out)
{
    uint64_t index = (id >> 32) - 1;
    uint32_t generation = (uint32_t)id;
    if ((id >> 32) == 0 || generation > ZACTOR__LIFE_GENERATION_MASK)
        return false;
    /* Acquire (table, count, used): pair with index_chunk's and
     * take_cell's releases, so the chunk and the cell are initialised. */
    zactor__chunk_table *table = atomic_load_explicit(&sys->cells.table, memory_order_acquire);
    if (!table ||
        index / CELLS_PER_CHUNK >= atomic_load_explicit(&table->count, memory_order_acquire))
        return false;
    zactor__cell_chunk *chunk = table->chunks[index / CELLS_PER_CHUNK];
    uint32_t offset = (uint32_t)(index % CELLS_PER_CHUNK);
    if (offset >= atomic_load_explicit(&chunk->used, memory_order_acquire))
        return false;
    out->cell = &chunk->cells[offset];
    out->generation = generation;
    return true;
}

static void init_cell(zactor_cell *cell, zactor_system *sys)
{
    atomic_init(&cell->life, ZACTOR__LIFE_NORING);
    atomic_init(&cell->type, NULL);
    cell->sys = sys;
    zactor__mailbox_init(&cell->mailbox, &cell->reader);
    cell->state = NULL;
    cell->next = NULL;
    cell->flags = 0;
}

static zactor_cell *take_cell(zactor_system *sys)
{
    zactor__cell_store *store = &sys->cells;
    zactor_cell *cell = NULL;
    pthread_mutex_lock(&store->lock);
    if (store->free) {
        cell = store->free;
        store->free = cell->next;
    } else {
        zactor__cell_chunk *chunk = store->chunks;
        /* Relaxed: `used` is written only under the lock we hold. */
        if (!chunk || atomic_load_explicit(&chunk->used, memory_order_relaxed) == CELLS_PER_CHUNK)
            chunk = new_chunk(store);
        if (chunk) {
            uint32_t used = atomic_load_explicit(&chunk->used, memory_order_relaxed);
            cell = &chunk->cells[used];
            init_cell(cell, sys);
            /* Release: zactor__actor_of_id hands out only initialised cells. */
            atomic_store_explicit(&chunk->used, used + 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&store->lock);
    return cell;
}

zactor_ref zactor__proxy_cell(zactor_system *sys, const zactor_actor_type *proxy_type, void *record)
{
    zactor_ref ref = {NULL, 0};
    zactor_cell *cell = take_cell(sys);
    if (!cell)
        return ref;
    /* state stays NULL: nothing runs, frees or stops a proxy. */
    memcpy(cell->inline_state, &record, sizeof record);
    cell->flags = ZACTOR__CELL_STARTED | ZACTOR__CELL_STOPPED;
    atomic_store_explicit(&cell->type, proxy_type, memory_order_relaxed);
    /* Relaxed: no sender writes a word without ALIVE. */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_relaxed);
    ZACTOR__INVARIANT(!(life & ZACTOR__LIFE_ALIVE));
    /* Release: whoever acquires the word with this generation (a send)
     * sees the type and the record. */
    atomic_store_explicit(&cell->life, life, memory_order_release);
    ref.cell = cell;
    ref.generation = zactor__life_generation(life);
    return ref;
}

void *zactor__proxy_record(const zactor_cell *cell)
{
    void *record;
    memcpy(&record, cell->inline_state, sizeof record);
    return record;
}

static void give_back_cell(zactor_system *sys, zactor_cell *cell)
{
    zactor__cell_store *store = &sys->cells;
    pthread_mutex_lock(&store->lock);
    cell->next = store->free;
    store->free = cell;
    pthread_mutex_unlock(&store->lock);
}

bool zactor__actor_type_is_valid(const zactor_actor_type *type)
{
    return type && type->abi_version == ZACTOR_ABI_VERSION && type->state_size >= 1 &&
           type->state_align >= 1 && (type->state_align & (type->state_align - 1)) == 0 &&
           type->slot_size >= ZACTOR_SLOT_PAYLOAD_OFFSET + sizeof(void *) &&
           (type->handler_count == 0 || type->handlers);
}

static void *new_state(zactor_cell *cell, const zactor_actor_type *type, const void *init)
{
    size_t size = type->state_size;
    void *state;
    if (size <= sizeof cell->inline_state && type->state_align <= 8) {
        state = cell->inline_state;
    } else if (type->state_align <= _Alignof(max_align_t)) {
        state = zactor__malloc(size);
    } else {
        size = (size + type->state_align - 1) / type->state_align * type->state_align;
        state = zactor__aligned_alloc(type->state_align, size);
    }
    if (state) {
        if (init)
            memcpy(state, init, type->state_size);
        else
            memset(state, 0, type->state_size);
    }
    return state;
}

static void free_state(zactor_cell *cell)
{
    if (cell->state != cell->inline_state)
        zactor__free(cell->state);
    cell->state = NULL;
}

/* A failed spawn's ref: no cell, and the reason where the generation
 * goes (zactor_ref_error reads it back). */
static zactor_ref failed_ref(int err)
{
    zactor_ref ref = {NULL, (uint32_t)-err};
    return ref;
}

int zactor_ref_error(zactor_ref ref)
{
    if (ref.cell)
        return 0;
    int err = -(int)ref.generation;
    /* A zero-initialised ref, or a generation that holds no code. */
    return zactor__error_is_known(err) && err != 0 ? err : ZACTOR_EARG;
}

zactor_ref zactor_spawn(zactor_system *sys, const zactor_actor_type *type, const void *init)
{
    return zactor__spawn(sys, type, init, 0);
}

zactor_ref zactor__spawn(zactor_system *sys, const zactor_actor_type *type, const void *init,
                         uint64_t life_bits)
{
    if (!sys || !type)
        return failed_ref(ZACTOR_EARG);
    if (!zactor__actor_type_is_valid(type))
        return failed_ref(ZACTOR_ETYPE);
    if (zactor__system_stopping(sys))
        return failed_ref(ZACTOR_ESTOPPED);
    zactor_ref ref;
    /* The new actor may send to where the spawner's outbox goes: what the
     * spawner sent before goes first. */
    zactor__worker *worker = zactor__worker_of(sys);
    if (worker)
        zactor__outbox_flush(worker);
    zactor_cell *cell = take_cell(sys);
    if (!cell)
        return failed_ref(ZACTOR_ENOMEM);
    cell->state = new_state(cell, type, init);
    if (!cell->state) {
        give_back_cell(sys, cell);
        return failed_ref(ZACTOR_ENOMEM);
    }
    cell->batch_limit = ZACTOR__BATCH_INITIAL;
    /* Release: published to senders by the release store of life below,
     * as is home; and to a stale sender that reads this type after its
     * look at an older life word (zactor__wrong_type): it then sees the recycle's
     * store of the new generation, which came before ours. */
    atomic_store_explicit(&cell->type, type, memory_order_release);
    zactor__scheduler_home(sys, cell);
    /* Relaxed: the cell came from the free list under its mutex (or is new),
     * so we see the generation its recycler left. */
    uint32_t generation =
        zactor__life_generation(atomic_load_explicit(&cell->life, memory_order_relaxed));
    /* An actor with `on start` is runnable at once, so its first turn
     * runs the hook even if no message comes. One without is started
     * already and stays idle, unscheduled, until its first message: a
     * million spawns cost a million cells, not a million turns. */
    bool needs_start = type->on_start != NULL;
    cell->flags = needs_start ? 0 : ZACTOR__CELL_STARTED;
    /* Relaxed: published by the release store of life below. */
    atomic_store_explicit(&cell->asks, 0, memory_order_relaxed);
    /* Release: a sender that acquires this value sees type, state and
     * flags (and passes them on to the worker through the run queue). The
     * mailbox is empty with tickets from 0 (init_cell, or recycle). */
    atomic_store_explicit(&cell->life,
                          zactor__life_of_generation(generation) | ZACTOR__LIFE_ALIVE |
                              ZACTOR__LIFE_NORING | life_bits |
                              (needs_start ? ZACTOR__LIFE_RUNNABLE : 0u),
                          memory_order_release);
    if (needs_start) {
        zactor__system_activate(sys, worker);
        zactor__schedule(sys, cell);
    }
    ref.cell = cell;
    ref.generation = generation;
    return ref;
}

/* A sender waits while the consumer holds LOCKED: a few stores (growth)
 * or a free (trim). */
static uint64_t wait_unlocked(zactor_cell *cell, unsigned *spins)
{
    if (++*spins % 64u == 0)
        sched_yield(); /* the holder may have been preempted on our CPU */
    else
        zactor__cpu_relax();
    /* Acquire: as the first load in zactor__send. */
    return atomic_load_explicit(&cell->life, memory_order_acquire);
}

/* See actor.h. */
ZACTOR__OUT_OF_LINE int zactor__wrong_type(zactor_ref to)
{
    (void)atomic_load_explicit(&to.cell->type, memory_order_acquire);
    /* Relaxed: ordered after the acquire above. */
    uint64_t life = atomic_load_explicit(&to.cell->life, memory_order_relaxed);
    if (zactor__life_generation(life) != to.generation || !(life & ZACTOR__LIFE_ALIVE))
        return ZACTOR_EDEAD;
    return ZACTOR_ETYPE;
}

/* How a send meets a bounded mailbox (zactor.h, bounded mailboxes). */
typedef enum send_kind {
    SEND_BOUNDED, /* a message, an ask's or a request's envelope */
    SEND_EXEMPT,  /* a reply, an io event, a timer's firing */
    /* Exempt too, and never through the outbox: a Down, a request error
     * notice, a tracked request's reply. Its caller learns at once whether
     * it was queued, and keeps it to send again when it was not for lack
     * of memory (notice.c); one in the outbox could still fail later, when
     * nobody can keep it. */
    SEND_NOTICE
} send_kind;

/* The running handler's actor, when a send comes from a handler or hook. */
static zactor_cell *sending_actor(zactor__worker *worker)
{
    return worker ? worker->ctx.cell : NULL;
}

/* A send found `to`'s mailbox at its bound, measuring its depth from the
 * tail of *life and a `released` loaded after it: ZACTOR_EFULL when it is
 * to be refused, 0 when it goes past the bound, or 1 when *life was stale
 * (reloaded: measure again). Out of line: the bound is the rare case, even
 * for bounded actors. */
static ZACTOR__OUT_OF_LINE int bound_reached(zactor_ref to, const zactor_actor_type *type,
                                             zactor__worker *worker, send_kind kind, uint64_t *life)
{
    if (kind != SEND_BOUNDED)
        return 0;
    if (type->mailbox_policy == ZACTOR_MAILBOX_BACKPRESSURE && sending_actor(worker))
        return 0;
    /* A refusal makes no CAS that would find the word stale. If other
     * sends and a turn moved on between our loads of the word and of
     * released, released may be past the word's tail: the distance wraps
     * and an empty mailbox looks full (found by runtime/model/flow.pml).
     * The word unchanged since: its tail held while we read released, so
     * the depth was what we measured at that moment. Acquire: as the
     * first load of the word. */
    uint64_t now = atomic_load_explicit(&to.cell->life, memory_order_acquire);
    if (now != *life) {
        *life = now;
        return 1;
    }
    zactor__count_shared(&to.cell->sys->flow.refused, 1);
    return ZACTOR_EFULL;
}

/* A send went past `to`'s bound: a handler's send under backpressure
 * mutes its actor (not one to itself: the turn goes on, and flow.c would
 * not park an actor above its own low mark anyway). */
static ZACTOR__OUT_OF_LINE void went_past_bound(zactor_ref to, const zactor_actor_type *type,
                                                zactor__worker *worker, send_kind kind)
{
    zactor_cell *sender = sending_actor(worker);
    if (kind == SEND_BOUNDED && type->mailbox_policy == ZACTOR_MAILBOX_BACKPRESSURE && sender &&
        sender != to.cell) {
        worker->mute_target = to;
        /* Relaxed: read back by this thread at the handler's end. */
        atomic_fetch_or_explicit(&sender->asks, ZACTOR__ASK_MUTE, memory_order_relaxed);
    }
    zactor__count_shared(&to.cell->sys->flow.over_bound, 1);
}

/* A send found `to` without ALIVE: a stopped actor (ZACTOR_EDEAD), or
 * the proxy of a remote actor (ZACTOR__EREMOTE: the caller hands the
 * message to node.c). Out of line: off every local send's path. */
static ZACTOR__OUT_OF_LINE int dead_or_remote(zactor_ref to, uint64_t life)
{
    if (zactor__life_generation(life) == to.generation && zactor__ref_is_proxy(to))
        return ZACTOR__EREMOTE;
    return ZACTOR_EDEAD;
}

/* Takes n consecutive tickets of `to`'s mailbox with one CAS and pushes
 * the prepared parcels in order. n is 1 for a plain send, up to
 * ZACTOR__OUTBOX_SLOTS for a flush (never to a bounded mailbox: see
 * zactor__outbox_choose). 0, or an error with nothing queued (the parcels
 * are still the caller's). */
static ZACTOR__ALWAYS_INLINE int deliver_to(zactor_ref to, const zactor_actor_type *type,
                                            zactor__parcel *parcels, uint32_t n,
                                            zactor__worker *worker, send_kind kind, bool bounded)
{
    zactor_cell *cell = to.cell;
    zactor_system *sys = cell->sys;
    zactor__pool_cache *cache = worker ? &worker->cache : NULL;
    int rc = 0;
    /* Acquire: when generation and ALIVE match, spawn's writes (type) are
     * visible, and so are the mailbox fields the word describes. */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_acquire);
    uint64_t counted;
    unsigned spins = 0;
    bool over_bound;
    for (;;) {
        /* The word's top 32 bits are the generation unless KILL or WATCHED
         * is set: one compare on the common path. */
        if ((uint32_t)(life >> ZACTOR__LIFE_GENERATION_SHIFT) != to.generation ||
            !(life & ZACTOR__LIFE_ALIVE)) {
            if (zactor__life_generation(life) != to.generation || !(life & ZACTOR__LIFE_ALIVE))
                return dead_or_remote(to, life);
        }
        if (life & ZACTOR__LIFE_LOCKED) {
            life = wait_unlocked(cell, &spins);
            continue;
        }
        /* Relaxed: ordered by the acquire of a matching life word above. */
        if (atomic_load_explicit(&cell->type, memory_order_relaxed) != type)
            return zactor__wrong_type(to);
        /* The CAS below checks the tail this depth was measured from. */
        over_bound = bounded && zactor__flow_depth(cell, life) + n > type->mailbox_bound;
        if (over_bound && (rc = bound_reached(to, type, worker, kind, &life)) != 0) {
            if (rc > 0) {
                rc = 0;
                continue;
            }
            return rc;
        }
        /* Each parcel is prepared with the word its ticket would be taken
         * from, had it been sent alone: the first may install the ring. */
        counted = life;
        for (uint32_t i = 0; i < n && rc == 0; i++) {
            rc = zactor__mailbox_prepare(&cell->mailbox, &parcels[i], counted, &sys->pool, cache);
            counted = zactor__life_counted(counted);
        }
        if (rc != 0)
            return rc;
        /* The send's one locked instruction: tickets and count together.
         * Acquire: we then see the previous turn's effects if we make the
         * actor runnable, and the ring the consumer published. Release:
         * the ring we may have installed is visible to whoever acquires
         * the word after us. */
        if (atomic_compare_exchange_weak_explicit(&cell->life, &life, counted, memory_order_acq_rel,
                                                  memory_order_acquire))
            break;
        /* Someone else counted itself meanwhile: a handler's further sends
         * to this actor take the outbox. */
        if (worker)
            zactor__outbox_choose(worker, to, type);
    }

    /* Our CAS saw the word unlocked: no growth or trim was under way. */
    ZACTOR__INVARIANT(!(life & ZACTOR__LIFE_LOCKED));
    uint32_t overflowed =
        n == 1 ? zactor__mailbox_push(&cell->mailbox, parcels, zactor__life_tail(life), &sys->pool,
                                      cache)
               : zactor__mailbox_push_batch(&cell->mailbox, parcels, n, zactor__life_tail(life),
                                            &sys->pool, cache);
    if (worker) {
        zactor__count_owned(&worker->counters.sent, n);
        if (zactor__scheduler_slot_overdue(&worker->schedule, n))
            zactor__scheduler_release_slot(worker);
    } else {
        zactor__count_shared(&sys->sent_outside, n);
    }
    if (overflowed) {
        /* Relaxed: a statistic. */
        atomic_fetch_add_explicit(&sys->overflow_letters, overflowed, memory_order_relaxed);
    }
    if (!(life & ZACTOR__LIFE_RUNNABLE)) {
        zactor__system_activate(sys, worker);
        zactor__schedule(sys, cell);
    }
    if (over_bound)
        went_past_bound(to, type, worker, kind);
    return 0;
}

/* deliver_to for a bounded actor type: its own copy, out of line, so that
 * the send to an unbounded actor carries no trace of the bound. */
static ZACTOR__OUT_OF_LINE int deliver_bounded(zactor_ref to, const zactor_actor_type *type,
                                               zactor__parcel *parcels, uint32_t n,
                                               zactor__worker *worker, send_kind kind)
{
    return deliver_to(to, type, parcels, n, worker, kind, true);
}

static ZACTOR__ALWAYS_INLINE int deliver(zactor_ref to, const zactor_actor_type *type,
                                         zactor__parcel *parcels, uint32_t n,
                                         zactor__worker *worker, send_kind kind)
{
    /* The caller's descriptor: the loop checks it is the actor's. */
    if (type->mailbox_bound)
        return deliver_bounded(to, type, parcels, n, worker, kind);
    return deliver_to(to, type, parcels, n, worker, kind, false);
}

void zactor__outbox_deliver(zactor__worker *worker)
{
    zactor__outbox *outbox = &worker->outbox;
    uint32_t n = outbox->count;
    outbox->count = 0;
    zactor_system *sys = worker->sys;
    int rc = zactor__system_stopping(sys)
                 ? ZACTOR_ESTOPPED
                 : deliver(outbox->to, outbox->type, outbox->parcels, n, worker, SEND_BOUNDED);
    if (rc == 0) {
        zactor__count_owned(&worker->counters.outbox_sends, n);
        return;
    }
    /* These sends returned 0: their messages are the target's dead
     * letters now, as if it had ended before handling them. The next send
     * to it goes alone and gets the error. */
    for (uint32_t i = 0; i < n; i++) {
        zactor__parcel *parcel = &outbox->parcels[i];
        zactor__dead_letter(sys, outbox->type, parcel->tag,
                            parcel->box ? parcel->box : parcel->msg);
        zactor__mailbox_parcel_discard(parcel, &sys->pool, &worker->cache);
    }
    outbox->to.cell = NULL;
}

/* A send through the outbox: waits there, goes when the outbox is full. */
static int outbox_add(zactor__worker *worker, uint32_t tag, const void *msg, size_t size)
{
    zactor__outbox *outbox = &worker->outbox;
    uint32_t i = outbox->count;
    memcpy(outbox->payloads[i], msg, size);
    int rc =
        zactor__mailbox_parcel_init(&outbox->parcels[i], outbox->type, tag, outbox->payloads[i],
                                    size, &worker->sys->pool, &worker->cache);
    if (rc != 0)
        return rc;
    if (++outbox->count == ZACTOR__OUTBOX_SLOTS)
        zactor__outbox_flush(worker);
    return 0;
}

/* Which argument of a send is bad; out of line, off the send's path. */
static ZACTOR__OUT_OF_LINE int bad_send(zactor_ref to, const zactor_actor_type *type, uint32_t tag)
{
    if (!to.cell || !type)
        return ZACTOR_EARG;
    if (tag >= type->handler_count)
        return ZACTOR_ETYPE;
    return ZACTOR_EARG; /* msg NULL with a size */
}

/* zactor__send's body, inlined into zactor_send too: a send from a handler
 * then makes one call into the runtime, not two. */
static ZACTOR__ALWAYS_INLINE int send_message(zactor_ref to, const zactor_actor_type *type,
                                              uint32_t tag, const void *msg, size_t size,
                                              send_kind kind)
{
    zactor_cell *cell = to.cell;
    if (!cell || !type || tag >= type->handler_count || (!msg && size))
        return bad_send(to, type, tag);
    zactor_system *sys = cell->sys;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    zactor__worker *worker = zactor__worker_of(sys);
    if (worker) {
        zactor__outbox *outbox = &worker->outbox;
        if (outbox->to.cell == cell) {
            if (kind != SEND_NOTICE && size <= ZACTOR_SMALL_MAX &&
                outbox->to.generation == to.generation && outbox->type == type)
                return outbox_add(worker, tag, msg, size);
            /* Goes alone, after the ones waiting; so do the next ones. */
            zactor__outbox_flush(worker);
            outbox->to.cell = NULL;
        } else {
            /* Nothing overtakes what waits. */
            zactor__outbox_flush(worker);
        }
    }
    zactor__parcel parcel;
    zactor__pool_cache *cache = worker ? &worker->cache : NULL;
    int rc = zactor__mailbox_parcel_init(&parcel, type, tag, msg, size, &sys->pool, cache);
    if (rc == 0)
        rc = deliver(to, type, &parcel, 1, worker, kind);
    if (rc != 0) {
        zactor__mailbox_parcel_discard(&parcel, &sys->pool, cache);
        /* A failed CAS may have chosen the outbox for this actor: its next
         * sends go alone, to get the error too. */
        if (worker && worker->outbox.to.cell == cell)
            worker->outbox.to.cell = NULL;
        if (rc == ZACTOR__EREMOTE)
            rc = zactor__node_send(to, type, tag, msg, size);
    }
    return rc;
}

int zactor__send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                 size_t size)
{
    return send_message(to, type, tag, msg, size, SEND_BOUNDED);
}

int zactor__send_exempt(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                        size_t size)
{
    return send_message(to, type, tag, msg, size, SEND_EXEMPT);
}

int zactor__send_notice(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                        size_t size)
{
    return send_message(to, type, tag, msg, size, SEND_NOTICE);
}

uint8_t *zactor__reader_flags(zactor__mailbox_reader *reader)
{
    return &((zactor_cell *)((unsigned char *)reader - offsetof(zactor_cell, reader)))->flags;
}

int zactor__send_timer(zactor_ref to, const zactor_actor_type *type, uint32_t tag, void *box)
{
    zactor_system *sys = to.cell->sys;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    /* The size says "timer box" to the push (mailbox.c, write_slot). */
    zactor__parcel parcel = {type, tag, box, ZACTOR__PARCEL_TIMER, box, NULL};
    /* As a thread outside the handlers: the deterministic worker fires
     * between turns, with no handler's outbox or slot to use. */
    int rc = deliver(to, type, &parcel, 1, NULL, SEND_EXEMPT);
    if (rc == ZACTOR__EREMOTE) {
        /* To another node: the firing goes as a message, and is taken
         * here as the remote actor's turn would have taken it. */
        rc = zactor__node_send(to, type, tag, (const unsigned char *)box + ZACTOR__TIMER_BOX_HEADER,
                               0);
        if (rc == 0) {
            (void)zactor__timer_taken(box);
            zactor__pool_free(&sys->pool, NULL, box);
            return 0;
        }
    }
    if (rc != 0 && parcel.letter)
        zactor__pool_free(&sys->pool, NULL, parcel.letter);
    return rc;
}

int zactor_send(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                size_t size)
{
    /* A request entry's payload starts with a reply_to that only ask and
     * request fill in: refuse it here (and drop nothing: it is not ours). */
    if (!type)
        return ZACTOR_EARG;
    if (tag >= type->handler_count || (type->handlers[tag].flags & ZACTOR_HANDLER_REQUEST))
        return ZACTOR_ETYPE;
    int rc = send_message(to, type, tag, msg, size, SEND_BOUNDED);
    if (rc != 0 && msg)
        zactor__payload_drop(type, tag, msg);
    return rc;
}

int zactor_send_wait(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                     size_t size, uint64_t timeout_ns)
{
    if (!type)
        return ZACTOR_EARG;
    if (tag >= type->handler_count || (type->handlers[tag].flags & ZACTOR_HANDLER_REQUEST))
        return ZACTOR_ETYPE;
    struct timespec deadline;
    bool timed = zactor__deadline_after(timeout_ns, &deadline);
    int rc;
    for (;;) {
        rc = send_message(to, type, tag, msg, size, SEND_BOUNDED);
        /* A worker never sleeps: from a handler this is zactor_send. */
        if (rc != ZACTOR_EFULL || zactor__current_worker)
            break;
        if (!zactor__flow_wait_room(to.cell->sys, to, timed ? &deadline : NULL)) {
            rc = ZACTOR_ETIMEDOUT;
            break;
        }
    }
    if (rc != 0 && msg)
        zactor__payload_drop(type, tag, msg);
    return rc;
}

zactor_ref zactor_self(const zactor_ctx *ctx)
{
    if (!ctx || !ctx->cell)
        return failed_ref(ZACTOR_EARG);
    /* Relaxed: the generation cannot change while the actor's own turn runs. */
    uint64_t life = atomic_load_explicit(&ctx->cell->life, memory_order_relaxed);
    zactor_ref ref = {ctx->cell, zactor__life_generation(life)};
    return ref;
}

zactor_system *zactor_ctx_system(const zactor_ctx *ctx)
{
    return ctx ? ctx->sys : NULL;
}

void zactor__actor_start(zactor_cell *cell, zactor_ctx *ctx)
{
    if (cell->flags & ZACTOR__CELL_STARTED)
        return;
    cell->flags |= ZACTOR__CELL_STARTED;
    /* Relaxed: only this thread writes type while the cell is in use. */
    const zactor_actor_type *type = atomic_load_explicit(&cell->type, memory_order_relaxed);
    if (type->on_start)
        type->on_start(cell->state, ctx);
    if (zactor__end_asked(cell))
        zactor__actor_end_if_asked(cell, ctx);
}

void zactor__actor_stop_now(zactor_cell *cell, zactor_ctx *ctx, zactor_end_kind otherwise)
{
    zactor_end_reason reason = zactor__end_reason(cell, ctx, otherwise);
    cell->flags |= ZACTOR__CELL_STOPPED;
    /* Relaxed: only this thread writes type while the cell is in use. */
    const zactor_actor_type *type = atomic_load_explicit(&cell->type, memory_order_relaxed);
    ctx->ending = reason;
    /* Before `on stop`, which may close the descriptors. */
    if (cell->flags & ZACTOR__CELL_IO)
        zactor__io_watches_actor_ended(cell);
    if (type->on_stop)
        type->on_stop(cell->state, ctx);
    ctx->ending = (zactor_end_reason){ZACTOR_END_NONE, 0};
    zactor__end_word_store(cell, reason);
    /* Release: a monitor set after this, which finds ALIVE gone, reads the
     * end word (monitor.c). Senders only need to see ALIVE go away
     * eventually; messages they push meanwhile are drained as dead
     * letters. A kill or a monitor can no longer set KILL or WATCHED after
     * this (their CAS needs ALIVE). */
    uint64_t before =
        atomic_fetch_and_explicit(&cell->life, ~ZACTOR__LIFE_ALIVE, memory_order_release);
    if (before & ZACTOR__LIFE_KILL)
        zactor__kill_forget(cell->sys, cell, zactor__life_generation(before));
    zactor__monitors_actor_ended(cell, before, reason);
    if (cell->flags & ZACTOR__CELL_PROMISES)
        zactor__promises_actor_ended(cell, zactor__life_generation(before));
    if (cell->flags & ZACTOR__CELL_TIMERS)
        zactor__timers_owner_ended(&cell->sys->timers, cell, zactor__life_generation(before));
    /* The actors muted on it, and threads waiting for room, go on. */
    if (type->mailbox_bound)
        zactor__flow_drained(cell->sys, cell);
}

void zactor__actor_end_if_asked(zactor_cell *cell, zactor_ctx *ctx)
{
    if (cell->flags & ZACTOR__CELL_STOPPED)
        return;
    /* Acquire: pairs with the kill's release of its hint, so the life word
     * read next shows its KILL. */
    uint8_t asks = atomic_load_explicit(&cell->asks, memory_order_acquire);
    if (asks & ZACTOR__ASK_STOP) {
        zactor__actor_stop_now(cell, ctx, ZACTOR_END_NORMAL);
        return;
    }
    if (!(asks & ZACTOR__ASK_KILL))
        return;
    /* Relaxed: ordered by the hint's acquire above. */
    if (atomic_load_explicit(&cell->life, memory_order_relaxed) & ZACTOR__LIFE_KILL)
        zactor__actor_stop_now(cell, ctx, ZACTOR_END_KILLED);
    else
        /* Stale: a late hint for the previous incarnation of the cell. */
        atomic_fetch_and_explicit(&cell->asks, (uint8_t)~ZACTOR__ASK_KILL, memory_order_relaxed);
}

/* zactor__mailbox_clear's callback: a message left for a stopped actor. */
static void discard_dead_letter(void *user, uint32_t tag, const void *payload)
{
    zactor_cell *cell = user;
    /* Relaxed: only this thread uses the cell now (see the callers). */
    zactor__dead_letter(cell->sys, atomic_load_explicit(&cell->type, memory_order_relaxed), tag,
                        payload);
}

/* A stopped actor whose every ticket was consumed: no sender is in
 * flight, and none can count itself any more. */
static void recycle(zactor__worker *worker, zactor_cell *cell, uint64_t life)
{
    /* Stopped, and every ticket handed out consumed: no sender in flight. */
    ZACTOR__INVARIANT(!(life & ZACTOR__LIFE_ALIVE));
    ZACTOR__INVARIANT(zactor__life_tail(life) == cell->reader.head);
    zactor_system *sys = cell->sys;
    zactor__mailbox_clear(&cell->mailbox, &cell->reader, zactor__life_tail(life), &sys->pool,
                          &worker->cache, discard_dead_letter, cell);
    free_state(cell);
    cell->flags = 0;
    zactor__scheduler_unhome(sys, cell);
    /* Relaxed: stale senders only compare the generation and see EDEAD
     * either way; the next spawn gets the cell through the free-list mutex. */
    atomic_store_explicit(&cell->life,
                          zactor__life_of_generation(zactor__life_generation(life) + 1u) |
                              ZACTOR__LIFE_NORING,
                          memory_order_relaxed);
    give_back_cell(sys, cell);
}

/* A kill the turn's end found: it came after the turn's last look at the
 * hint (or before the killer stored it). The actor ends on this turn, as
 * it would have after its handler. Out of line: rare, and big. */
static ZACTOR__OUT_OF_LINE void end_killed(zactor__worker *worker, zactor_cell *cell)
{
    zactor_ctx *ctx = &worker->ctx;
    ctx->cell = cell;
    zactor__actor_stop_now(cell, ctx, ZACTOR_END_KILLED);
    zactor__outbox_close(worker);
    ctx->cell = NULL;
}

void zactor__actor_end_turn(zactor__worker *worker, zactor_cell *cell, uint32_t head,
                            bool made_progress)
{
    /* Acquire: before a recycle, every sender's push happened before we
     * free the ring (we consumed their tickets, but a stop can leave
     * nothing consumed this turn). */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_acquire);
    /* The turn consumed only tickets that were handed out: what is left
     * queued never goes below 0 (wraps to a huge count). */
    ZACTOR__INVARIANT(((zactor__life_tail(life) - head) & ZACTOR__LIFE_TICKET_MASK) <=
                      ZACTOR__LIFE_MAX_QUEUED);
    ZACTOR__INVARIANT(worker == zactor__current_worker);
    for (;;) {
        /* One test for the common case: no ticket left and no kill. */
        if ((life & (ZACTOR__LIFE_TICKET_MASK | ZACTOR__LIFE_KILL)) != head) {
            if (zactor__life_tail(life) != head) {
                /* Tickets left: queued messages, or senders between count and push. */
                zactor__scheduler_requeue(worker, cell, made_progress);
                return;
            }
            if (life & ZACTOR__LIFE_ALIVE) {
                end_killed(worker, cell);
                made_progress = true;
                /* Acquire: as at the top; what senders pushed meanwhile. */
                life = atomic_load_explicit(&cell->life, memory_order_acquire);
                continue;
            }
        }
        if (!(life & ZACTOR__LIFE_ALIVE)) {
            /* Stopped: no ticket can be taken any more, and none is left. */
            recycle(worker, cell, life);
            zactor__system_deactivate(worker);
            return;
        }
        /* Release: this turn's effects reach the sender that makes the
         * actor runnable again (its CAS acquires). Fails when a sender
         * took a ticket meanwhile: then we go round and requeue. */
        if (atomic_compare_exchange_weak_explicit(&cell->life, &life, life & ~ZACTOR__LIFE_RUNNABLE,
                                                  memory_order_release, memory_order_acquire))
            break;
    }
    zactor__system_deactivate(worker);
    if (!(life & ZACTOR__LIFE_NORING))
        zactor__worker_note_idle(worker, cell);
}

void zactor__actor_trim(zactor__worker *worker, zactor_cell *cell)
{
    /* Relaxed: a guess for the CAS, which checks it. */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_relaxed);
    uint64_t busy = ZACTOR__LIFE_RUNNABLE | ZACTOR__LIFE_LOCKED | ZACTOR__LIFE_NORING;
    /* Whatever actor the cell now holds, if it is alive, idle and has a
     * ring, the ring can go: it may be another incarnation, that is fine. */
    if (!(life & ZACTOR__LIFE_ALIVE) || (life & busy))
        return;
    /* Acquire: the turn that left it idle released the word; we see its
     * mailbox as it left it. */
    if (!atomic_compare_exchange_strong_explicit(&cell->life, &life, life | ZACTOR__LIFE_LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        return;
    bool trimmed = zactor__mailbox_trim(&cell->mailbox, &cell->sys->pool, &worker->cache);
    zactor__count_owned(&worker->counters.rings_trimmed, trimmed);
    /* Relaxed: our own store; no sender counted itself while LOCKED. */
    ZACTOR__INVARIANT(atomic_load_explicit(&cell->life, memory_order_relaxed) ==
                      (life | ZACTOR__LIFE_LOCKED));
    /* Release: the next sender sees the mailbox as we leave it. Senders
     * wait while LOCKED, so the word is unchanged but for NORING. */
    atomic_store_explicit(&cell->life, life | (trimmed ? ZACTOR__LIFE_NORING : 0),
                          memory_order_release);
}

/* Every spawned actor gets `on start` once and then `on stop` once: one
 * still waiting for its first turn when the system stopped starts here (its
 * sends return ZACTOR_ESTOPPED: the system is stopping), then stops. All
 * hooks run before any cell is freed, since a hook may send to any actor. */
static void stop_remaining_actors(zactor_system *sys)
{
    for (zactor__cell_chunk *chunk = sys->cells.chunks; chunk; chunk = chunk->next) {
        uint32_t used = atomic_load_explicit(&chunk->used, memory_order_relaxed); /* joined */
        for (uint32_t i = 0; i < used; i++) {
            zactor_cell *cell = &chunk->cells[i];
            if (!cell->state || (cell->flags & ZACTOR__CELL_STOPPED))
                continue;
            zactor_ctx ctx = {.sys = sys, .cell = cell};
            zactor__actor_start(cell, &ctx);
            if (!(cell->flags & ZACTOR__CELL_STOPPED))
                zactor__actor_stop_now(cell, &ctx, ZACTOR_END_SHUTDOWN);
        }
    }
}

void zactor__actors_shutdown(zactor_system *sys)
{
    stop_remaining_actors(sys);
    zactor__cell_store *store = &sys->cells;
    while (store->chunks) {
        zactor__cell_chunk *chunk = store->chunks;
        uint32_t used = atomic_load_explicit(&chunk->used, memory_order_relaxed); /* joined */
        for (uint32_t i = 0; i < used; i++) {
            zactor_cell *cell = &chunk->cells[i];
            if (!cell->state)
                continue;
            /* Relaxed: the workers are joined. */
            uint64_t life = atomic_load_explicit(&cell->life, memory_order_relaxed);
            zactor__mailbox_clear(&cell->mailbox, &cell->reader, zactor__life_tail(life),
                                  &sys->pool, NULL, discard_dead_letter, cell);
            free_state(cell);
        }
        store->chunks = chunk->next;
        chunk_roots_remove(chunk);
        zactor__unmap(chunk, CHUNK_BYTES);
    }
    store->free = NULL;
    zactor__chunk_table *table = atomic_load_explicit(&store->table, memory_order_relaxed);
    while (table) {
        zactor__chunk_table *older = table->older;
        zactor__free(table);
        table = older;
    }
    atomic_store_explicit(&store->table, NULL, memory_order_relaxed);
    pthread_mutex_destroy(&store->lock);
}
