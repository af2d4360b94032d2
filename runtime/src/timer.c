/* timer.c - timers: delayed and periodic sends, and virtual time.
 *
 * Store. Every timer is a slot of one slab per system, under one mutex;
 * its id is the slot's index + 1 in the low 32 bits and the slot's
 * generation in the high 32, bumped when the timer ends, so a stale id
 * (a cancelled or fired timer whose slot was reused) finds nothing.
 *
 * Order. Armed timers sit in a 4-ary min-heap by (due time, arming
 * sequence), each slot knowing its heap position: arm and cancel are
 * O(log n), the earliest is at the root, and equal due times fire in
 * arming order, which deterministic mode needs to replay. A hierarchical
 * wheel would make arm O(1) but fires out of order within a tick and has
 * to be walked while nothing is due. The heap's entries carry their keys,
 * and four children share a cache line and a half: a million timers are
 * 10 levels, and sifting reads no slot (bench/timers, T1: a binary heap of
 * slot indices, which read two slots per level, fell 40 ms behind 1,000
 * firings per millisecond).
 *
 * Firing. One thread per system sleeps on a condition variable (on
 * CLOCK_MONOTONIC) until the root is due, or until an arm puts an earlier
 * timer at the root; workers do no timer work while nothing is due. It
 * pops what is due, copies each message into a pooled box (header: the
 * timer's id) and, with the mutex released, sends the boxes from outside
 * the system (actor.c, zactor__send_timer). A periodic timer is re-armed
 * at fixed rate (due + period, skipping periods already past); while its
 * previous firing is still queued it does not queue another (a slow
 * target gets at most one firing of each timer in its mailbox).
 *
 * Cancel. A firing waits in the mailbox marked `queued` in its slot; the
 * worker that takes it asks zactor__timer_taken, under the mutex, whether
 * the slot is still live with that firing queued. A cancel ends the slot
 * under the same mutex: exactly one of them wins, so once a cancel has
 * returned 0 no firing of the timer is handled. The taker that loses
 * tells the turn to skip the message (ZACTOR__CELL_SKIP, worker.c).
 *
 * Ends. A one-shot timer ends when its firing is taken (or cannot be
 * queued); any timer ends when cancelled, when its owner (the actor whose
 * handler armed it) ends, and when a firing finds its target ended (the
 * firing is then a dead letter). Owned timers are chained per owner cell
 * in a small hash, so an owner's end costs its own timers only.
 *
 * Request timeouts. A tracked request made with a timeout has a timer of
 * its own kind: no message, the request's id instead. It is opened (live,
 * owned by the requester) before the request is sent and armed after, so
 * that an answer that comes at once finds its id to end. Firing it sends
 * nothing: the timer thread (or the deterministic worker) calls
 * zactor__request_expire, which sends the notice if the request was
 * still waiting, and then ends the timer. Whoever else answers the
 * request ends its timer at once (request.c), and the requester's end
 * ends it as the owner's, so a request answered in time, or whose
 * requester is gone, leaves nothing pending.
 *
 * Notices. One slot, taken when the timers are made and never freed, is
 * the retry of the runtime's notices that found no memory (notice.c): it
 * is live and armed a millisecond ahead while notices wait, sends
 * nothing, and its firing calls zactor__notices_retry. So a notice can
 * wait without allocating, and the system is not quiescent while it does.
 *
 * Quiescence: while any timer is live the system counts one unit of
 * `active` (system.c), so zactor_system_wait waits for it.
 *
 * Deterministic mode: no thread. The clock is virtual (starts at 0); the
 * worker, finding nothing to run, moves it to the root's due time and
 * fires everything due then (scheduler.c), sending as the timer thread
 * would. */
#include "timer.h"

#include "alloc.h"
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "clock.h"
#include "dead_letter.h"
#include "notice.h"
#include "request.h"
#include "system.h"
#include "worker.h"

/* Timers fired per lock hold: the rest wait for the next pass. */
#define FIRE_BATCH 64u
/* A firing whose box cannot be allocated is tried again this much later. */
#define RETRY_NS UINT64_C(1000000)

struct zactor__timer_slot {
    uint64_t due;    /* system clock, ns */
    uint64_t seq;    /* arming order */
    uint64_t period; /* 0: once */
    zactor_ref to;
    const zactor_actor_type *type;
    zactor_cell *owner; /* NULL: armed from outside a handler */
    void *msg;          /* the message's copy (NULL when size is 0) */
    uint64_t request;   /* a request's timeout: the request's id, no message */
    uint32_t owner_generation;
    uint32_t tag;
    uint32_t size;
    uint32_t generation; /* the id's high half; bumped at the end */
    uint32_t next;       /* free list, or owner chain: index + 1, 0 = end */
    uint32_t prev;       /* owner chain */
    bool live;
    bool queued; /* a firing waits in the target's mailbox */
};

typedef struct firing {
    zactor_ref to;
    const zactor_actor_type *type;
    uint32_t tag;
    uint64_t id;
    zactor__timer_box *box; /* NULL: a request's timeout, or the notices' retry */
    uint64_t request;
    bool notices; /* the retry of waiting notices (notice.c) */
} firing;

static uint64_t clock_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static uint64_t timers_now(const zactor__timers *timers)
{
    /* Relaxed: the virtual clock is a value, ordered for the worker by the
     * mutex it writes it under; other readers need no more than a value
     * the clock had. */
    return timers->deterministic ? atomic_load_explicit(&timers->virtual_now, memory_order_relaxed)
                                 : clock_ns();
}

uint64_t zactor_system_now(const zactor_system *sys)
{
    if (!sys)
        return 0;
    return timers_now(&sys->timers);
}

static uint64_t slot_id(const zactor__timers *timers, uint32_t index)
{
    return (uint64_t)timers->slots[index].generation << 32 | (uint64_t)(index + 1u);
}

/* The live slot of id, or NULL. Under lock. */
static zactor__timer_slot *find(zactor__timers *timers, uint64_t id)
{
    uint32_t index = (uint32_t)id - 1u;
    if ((uint32_t)id == 0 || index >= timers->used)
        return NULL;
    zactor__timer_slot *slot = &timers->slots[index];
    return slot->live && slot->generation == (uint32_t)(id >> 32) ? slot : NULL;
}

/* ---- heap --------------------------------------------------------------- */

#define HEAP_ARITY 4u

static bool earlier(const zactor__timer_entry *a, const zactor__timer_entry *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_put(zactor__timers *timers, uint32_t pos, zactor__timer_entry entry)
{
    timers->heap[pos] = entry;
    timers->heap_pos[entry.index] = pos + 1u;
}

static void sift_up(zactor__timers *timers, uint32_t pos)
{
    zactor__timer_entry entry = timers->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1u) / HEAP_ARITY;
        if (!earlier(&entry, &timers->heap[parent]))
            break;
        heap_put(timers, pos, timers->heap[parent]);
        pos = parent;
    }
    heap_put(timers, pos, entry);
}

static void sift_down(zactor__timers *timers, uint32_t pos)
{
    zactor__timer_entry entry = timers->heap[pos];
    for (;;) {
        uint32_t first = HEAP_ARITY * pos + 1u;
        if (first >= timers->heap_size)
            break;
        uint32_t end = first + HEAP_ARITY < timers->heap_size ? first + HEAP_ARITY
                                                              : timers->heap_size;
        uint32_t child = first;
        for (uint32_t c = first + 1u; c < end; c++)
            if (earlier(&timers->heap[c], &timers->heap[child]))
                child = c;
        if (!earlier(&timers->heap[child], &entry))
            break;
        heap_put(timers, pos, timers->heap[child]);
        pos = child;
    }
    heap_put(timers, pos, entry);
}

/* Arms slot index by its due and seq. */
static void heap_push(zactor__timers *timers, uint32_t index)
{
    const zactor__timer_slot *slot = &timers->slots[index];
    zactor__timer_entry entry = {slot->due, slot->seq, index};
    heap_put(timers, timers->heap_size++, entry);
    sift_up(timers, timers->heap_size - 1u);
}

static void heap_remove(zactor__timers *timers, uint32_t index)
{
    uint32_t pos = timers->heap_pos[index] - 1u;
    timers->heap_pos[index] = 0;
    zactor__timer_entry last = timers->heap[--timers->heap_size];
    if (pos == timers->heap_size)
        return;
    heap_put(timers, pos, last);
    sift_up(timers, pos);
    sift_down(timers, timers->heap_pos[last.index] - 1u);
}

/* The earliest armed timer's due time; the heap is not empty. */
static uint64_t heap_earliest(const zactor__timers *timers)
{
    return timers->heap[0].due;
}

/* ---- owners ------------------------------------------------------------- */

static uint32_t owner_bucket(const zactor__timers *timers, const zactor_cell *cell)
{
    uint64_t h = (uint64_t)(uintptr_t)cell * UINT64_C(0x9E3779B97F4A7C15);
    return (uint32_t)(h >> 32) & (timers->owner_buckets - 1u);
}

static void owner_link(zactor__timers *timers, uint32_t index)
{
    zactor__timer_slot *slot = &timers->slots[index];
    uint32_t *head = &timers->owners[owner_bucket(timers, slot->owner)];
    slot->prev = 0;
    slot->next = *head;
    if (*head)
        timers->slots[*head - 1u].prev = index + 1u;
    *head = index + 1u;
}

static void owner_unlink(zactor__timers *timers, uint32_t index)
{
    zactor__timer_slot *slot = &timers->slots[index];
    if (slot->prev)
        timers->slots[slot->prev - 1u].next = slot->next;
    else
        timers->owners[owner_bucket(timers, slot->owner)] = slot->next;
    if (slot->next)
        timers->slots[slot->next - 1u].prev = slot->prev;
}

/* Room for one more owned timer: the hash keeps at most two per bucket
 * on average. 0 or ZACTOR_ENOMEM. */
static int owners_reserve(zactor__timers *timers)
{
    if (timers->owned < 2u * timers->owner_buckets)
        return 0;
    uint32_t buckets = timers->owner_buckets ? 2u * timers->owner_buckets : 64u;
    uint32_t *owners = zactor__calloc(buckets, sizeof *owners);
    if (!owners)
        return ZACTOR_ENOMEM;
    zactor__free(timers->owners);
    timers->owners = owners;
    timers->owner_buckets = buckets;
    for (uint32_t i = 0; i < timers->used; i++) {
        if (timers->slots[i].live && timers->slots[i].owner)
            owner_link(timers, i);
    }
    return 0;
}

/* ---- slots -------------------------------------------------------------- */

/* A free slot's index, or UINT32_MAX when memory is short. */
static uint32_t slot_take(zactor__timers *timers)
{
    if (timers->free) {
        uint32_t index = timers->free - 1u;
        timers->free = timers->slots[index].next;
        return index;
    }
    if (timers->used == timers->capacity) {
        if (timers->capacity >= UINT32_MAX / 2u)
            return UINT32_MAX;
        uint32_t capacity = timers->capacity ? 2u * timers->capacity : 64u;
        zactor__timer_slot *slots = zactor__realloc(timers->slots, capacity * sizeof *slots);
        if (!slots)
            return UINT32_MAX;
        timers->slots = slots;
        zactor__timer_entry *heap = zactor__realloc(timers->heap, capacity * sizeof *heap);
        if (!heap)
            return UINT32_MAX;
        timers->heap = heap;
        uint32_t *heap_pos = zactor__realloc(timers->heap_pos, capacity * sizeof *heap_pos);
        if (!heap_pos)
            return UINT32_MAX;
        timers->heap_pos = heap_pos;
        timers->capacity = capacity;
    }
    zactor__timer_slot *slot = &timers->slots[timers->used];
    memset(slot, 0, sizeof *slot); /* not live: the owners' rehash skips it */
    slot->generation = 1;
    return timers->used++;
}

/* Ends a live timer: out of the heap and its owner's chain, its copy
 * freed, its id dead. The last live timer gives back the system's unit
 * of `active`. Under lock. */
static void end_timer(zactor__timers *timers, zactor__timer_slot *slot)
{
    uint32_t index = (uint32_t)(slot - timers->slots);
    if (timers->heap_pos[index])
        heap_remove(timers, index);
    if (slot->owner) {
        owner_unlink(timers, index);
        timers->owned--;
    }
    zactor__free(slot->msg);
    slot->msg = NULL;
    slot->live = false;
    slot->queued = false;
    slot->generation++;
    if (slot->generation == 0)
        slot->generation = 1;
    slot->next = timers->free;
    timers->free = index + 1u;
    if (--timers->live == 0)
        zactor__system_idle_timers(timers->sys);
}

/* ---- arm and cancel ------------------------------------------------------ */

static int check_target(zactor_ref to, const zactor_actor_type *type, uint32_t tag)
{
    if (tag >= type->handler_count)
        return ZACTOR_ETYPE;
    const zactor_handler_entry *entry = &type->handlers[tag];
    /* Requests need a reply_to per send; a message holding bytes would be
     * delivered more than once, or after a cancel had to release it. */
    if (entry->flags & (ZACTOR_HANDLER_REQUEST | ZACTOR_HANDLER_DOWN | ZACTOR_HANDLER_IO) ||
        entry->drop)
        return ZACTOR_ETYPE;
    /* A remote actor: its firings go to its node (actor.c, send_timer). */
    if (zactor__ref_is_proxy(to))
        return 0;
    /* Acquire: when generation and ALIVE match, spawn's type is visible. */
    uint64_t life = atomic_load_explicit(&to.cell->life, memory_order_acquire);
    if (zactor__life_generation(life) != to.generation || !(life & ZACTOR__LIFE_ALIVE))
        return ZACTOR_EDEAD;
    /* Relaxed: ordered by the acquire above. */
    if (atomic_load_explicit(&to.cell->type, memory_order_relaxed) != type)
        return zactor__wrong_type(to);
    return 0;
}

/* A new live timer owned by owner (NULL: none), not armed, or UINT32_MAX
 * when memory is short. Under lock. */
static uint32_t slot_open(zactor__timers *timers, zactor_cell *owner)
{
    uint32_t index = slot_take(timers);
    if (index == UINT32_MAX || (owner && owners_reserve(timers) != 0)) {
        if (index != UINT32_MAX) {
            timers->slots[index].next = timers->free;
            timers->free = index + 1u;
        }
        return UINT32_MAX;
    }
    zactor__timer_slot *slot = &timers->slots[index];
    slot->owner = owner;
    slot->msg = NULL;
    slot->request = 0;
    timers->heap_pos[index] = 0;
    slot->live = true;
    slot->queued = false;
    if (owner) {
        /* Relaxed: the owner's own turn runs here; its generation is fixed. */
        slot->owner_generation =
            zactor__life_generation(atomic_load_explicit(&owner->life, memory_order_relaxed));
        owner->flags |= ZACTOR__CELL_TIMERS;
        timers->owned++;
        owner_link(timers, index);
    }
    if (timers->live++ == 0)
        zactor__system_busy_timers(timers->sys);
    return index;
}

/* Puts the live slot of index into the heap, due delay_ns from now. Under
 * lock. */
static void slot_arm(zactor__timers *timers, uint32_t index, uint64_t delay_ns)
{
    zactor__timer_slot *slot = &timers->slots[index];
    slot->due = timers_now(timers) + delay_ns;
    slot->seq = timers->seq++;
    heap_push(timers, index);
    if (timers->heap[0].index == index && !timers->deterministic)
        pthread_cond_signal(&timers->cond);
}

static int arm(zactor__timers *timers, zactor_ref to, const zactor_actor_type *type, uint32_t tag,
               const void *msg, size_t size, uint64_t delay_ns, uint64_t period_ns, uint64_t *id)
{
    void *copy = NULL;
    if (size) {
        copy = zactor__malloc(size);
        if (!copy)
            return ZACTOR_ENOMEM;
        memcpy(copy, msg, size);
    }
    /* The owner: the actor whose handler or hook runs on this thread. */
    zactor__worker *worker = zactor__worker_of(timers->sys);
    pthread_mutex_lock(&timers->lock);
    uint32_t index = slot_open(timers, worker ? worker->ctx.cell : NULL);
    if (index == UINT32_MAX) {
        pthread_mutex_unlock(&timers->lock);
        zactor__free(copy);
        return ZACTOR_ENOMEM;
    }
    zactor__timer_slot *slot = &timers->slots[index];
    slot->period = period_ns;
    slot->to = to;
    slot->type = type;
    slot->msg = copy;
    slot->tag = tag;
    slot->size = (uint32_t)size;
    slot_arm(timers, index, delay_ns);
    *id = slot_id(timers, index);
    pthread_mutex_unlock(&timers->lock);
    /* Deterministic mode: a worker parked for lack of work must see it. */
    if (timers->deterministic && !worker)
        zactor__scheduler_wake_all(&timers->sys->sched);
    return 0;
}

int zactor_send_after(zactor_ref to, const zactor_actor_type *type, uint32_t tag, const void *msg,
                      size_t size, uint64_t delay_ns, uint64_t period_ns, zactor_timer *timer)
{
    if (timer)
        *timer = (zactor_timer){NULL, 0};
    if (!type)
        return ZACTOR_EARG;
    int rc = 0;
    if (!to.cell || (!msg && size) || size > UINT32_MAX || delay_ns > ZACTOR__TIMER_MAX_NS ||
        period_ns > ZACTOR__TIMER_MAX_NS)
        rc = ZACTOR_EARG;
    else if (zactor__system_stopping(to.cell->sys))
        rc = ZACTOR_ESTOPPED;
    else
        rc = check_target(to, type, tag);
    uint64_t id = 0;
    if (rc == 0)
        rc = arm(&to.cell->sys->timers, to, type, tag, msg, size, delay_ns, period_ns, &id);
    if (rc != 0) {
        if (msg && tag < type->handler_count)
            zactor__payload_drop(type, tag, msg);
        return rc;
    }
    if (timer)
        *timer = (zactor_timer){to.cell->sys, id};
    return 0;
}

/* Ends timer id if it is live; false when it had ended. */
static bool cancel(zactor__timers *timers, uint64_t id)
{
    pthread_mutex_lock(&timers->lock);
    zactor__timer_slot *slot = find(timers, id);
    if (slot)
        end_timer(timers, slot);
    pthread_mutex_unlock(&timers->lock);
    return slot != NULL;
}

int zactor_timer_cancel(zactor_timer timer)
{
    if (!timer.sys || timer.id == 0)
        return ZACTOR_EARG;
    return cancel(&timer.sys->timers, timer.id) ? 0 : ZACTOR_ENOENT;
}

/* ---- request timeouts ---------------------------------------------------- */

int zactor__timer_request_new(zactor__timers *timers, zactor_cell *owner, uint64_t *id)
{
    pthread_mutex_lock(&timers->lock);
    uint32_t index = slot_open(timers, owner);
    if (index != UINT32_MAX) {
        zactor__timer_slot *slot = &timers->slots[index];
        slot->period = 0;
        slot->type = NULL;
        slot->size = 0;
        *id = slot_id(timers, index);
    }
    pthread_mutex_unlock(&timers->lock);
    return index == UINT32_MAX ? ZACTOR_ENOMEM : 0;
}

void zactor__timer_request_start(zactor__timers *timers, uint64_t id, uint64_t request,
                                 uint64_t timeout_ns)
{
    pthread_mutex_lock(&timers->lock);
    zactor__timer_slot *slot = find(timers, id);
    if (slot) {
        slot->request = request;
        slot_arm(timers, (uint32_t)(slot - timers->slots), timeout_ns);
    }
    pthread_mutex_unlock(&timers->lock);
}

void zactor__timer_end(zactor__timers *timers, uint64_t id)
{
    (void)cancel(timers, id);
}

void zactor__timers_retry_notices(zactor__timers *timers)
{
    pthread_mutex_lock(&timers->lock);
    zactor__timer_slot *slot = &timers->slots[timers->notices_slot];
    timers->notices_asked = true;
    if (!slot->live) {
        slot->live = true;
        if (timers->live++ == 0)
            zactor__system_busy_timers(timers->sys);
    }
    /* Armed once: a retry under way arms it again when it ends. */
    if (!timers->heap_pos[timers->notices_slot] && !timers->notices_retrying)
        slot_arm(timers, timers->notices_slot, RETRY_NS);
    pthread_mutex_unlock(&timers->lock);
    /* Deterministic mode: a worker parked for lack of work must see it. */
    if (timers->deterministic && !zactor__worker_of(timers->sys))
        zactor__scheduler_wake_all(&timers->sys->sched);
}

uint32_t zactor__timers_live(zactor__timers *timers)
{
    pthread_mutex_lock(&timers->lock);
    uint32_t live = timers->live;
    pthread_mutex_unlock(&timers->lock);
    return live;
}

bool zactor__timer_taken(const zactor__timer_box *box)
{
    zactor__timers *timers = box->timers;
    pthread_mutex_lock(&timers->lock);
    zactor__timer_slot *slot = find(timers, box->id);
    bool handle = slot && slot->queued;
    if (handle) {
        slot->queued = false;
        if (slot->period == 0)
            end_timer(timers, slot);
    }
    pthread_mutex_unlock(&timers->lock);
    return handle;
}

void zactor__timers_owner_ended(zactor__timers *timers, zactor_cell *cell, uint32_t generation)
{
    pthread_mutex_lock(&timers->lock);
    if (timers->owner_buckets) {
        uint32_t next = timers->owners[owner_bucket(timers, cell)];
        while (next) {
            zactor__timer_slot *slot = &timers->slots[next - 1u];
            next = slot->next;
            if (slot->owner == cell && slot->owner_generation == generation)
                end_timer(timers, slot);
        }
    }
    pthread_mutex_unlock(&timers->lock);
    cell->flags &= (uint8_t)~ZACTOR__CELL_TIMERS;
}

/* ---- firing ------------------------------------------------------------- */

/* Pops the timers due at `now` into out (at most FIRE_BATCH), marking
 * their firings queued; re-arms periodic ones. Returns how many. */
static uint32_t collect(zactor__timers *timers, uint64_t now, firing *out)
{
    uint32_t n = 0;
    while (n < FIRE_BATCH && timers->heap_size && heap_earliest(timers) <= now) {
        uint32_t index = timers->heap[0].index;
        zactor__timer_slot *slot = &timers->slots[index];
        heap_remove(timers, index);
        if (index == timers->notices_slot) {
            /* Live (pending work) until send_firings knows whether
             * notices still wait. */
            timers->notices_asked = false;
            timers->notices_retrying = true;
            out[n++] = (firing){.id = slot_id(timers, index), .notices = true};
            continue;
        }
        if (slot->request) {
            /* A request's timeout: it stays live (pending work) until
             * send_firings has expired the request. */
            out[n++] = (firing){.id = slot_id(timers, index), .request = slot->request};
            continue;
        }
        bool skip = slot->queued; /* the previous firing is still queued */
        uint64_t due = slot->due;
        zactor__timer_box *box = NULL;
        if (!skip) {
            box = zactor__pool_alloc(&timers->sys->pool, NULL,
                                     ZACTOR__TIMER_BOX_HEADER + (size_t)slot->size);
            if (!box) {
                skip = true;
                if (slot->period == 0)
                    due = now + RETRY_NS;
            }
        }
        if (slot->period) {
            /* Fixed rate: the next period not yet past. */
            slot->due = due + slot->period * ((now - due) / slot->period + 1u);
            slot->seq = timers->seq++;
            heap_push(timers, index);
        } else if (skip) {
            slot->due = due;
            heap_push(timers, index);
        }
        if (skip)
            continue;
        box->timers = timers;
        box->id = slot_id(timers, index);
        if (slot->size)
            memcpy((unsigned char *)box + ZACTOR__TIMER_BOX_HEADER, slot->msg, slot->size);
        slot->queued = true;
        out[n++] = (firing){
            .to = slot->to, .type = slot->type, .tag = slot->tag, .id = box->id, .box = box};
    }
    return n;
}

/* The notices' slot came due: the retry, the mutex released, then the
 * slot armed again if notices still wait (or began to wait meanwhile),
 * else no longer live. The retry's sends come before the slot stops
 * counting as pending work, so the system does not look idle between. */
static void notices_retry(zactor__timers *timers)
{
    bool again = zactor__notices_retry(timers->sys);
    pthread_mutex_lock(&timers->lock);
    timers->notices_retrying = false;
    if (again || timers->notices_asked) {
        timers->notices_asked = false;
        slot_arm(timers, timers->notices_slot, RETRY_NS);
    } else {
        timers->slots[timers->notices_slot].live = false;
        if (--timers->live == 0)
            zactor__system_idle_timers(timers->sys);
    }
    pthread_mutex_unlock(&timers->lock);
}

/* Sends the firings, the mutex released. A firing that cannot be queued
 * is no longer queued; to an ended target it is a dead letter and ends
 * its timer. */
static void send_firings(zactor__timers *timers, firing *batch, uint32_t n)
{
    zactor_system *sys = timers->sys;
    for (uint32_t i = 0; i < n; i++) {
        firing *f = &batch[i];
        if (f->notices) {
            notices_retry(timers);
            continue;
        }
        if (f->request) {
            /* The notice first, then the end of the timer: the system does
             * not look idle in between. A request answered meanwhile
             * ended its timer already (request.c). */
            (void)zactor__request_expire(sys, f->request);
            zactor__timer_end(timers, f->id);
            continue;
        }
        int rc = zactor__send_timer(f->to, f->type, f->tag, f->box);
        if (rc == 0)
            continue;
        if (rc == ZACTOR_EDEAD)
            zactor__dead_letter(sys, f->type, f->tag,
                                (unsigned char *)f->box + ZACTOR__TIMER_BOX_HEADER);
        zactor__pool_free(&sys->pool, NULL, f->box);
        pthread_mutex_lock(&timers->lock);
        zactor__timer_slot *slot = find(timers, f->id);
        if (slot && slot->queued) {
            slot->queued = false;
            if (rc == ZACTOR_ENOMEM && slot->period == 0) {
                /* Out of memory: a one-shot timer fires again later, as
                 * when collect found no block for it (a periodic one
                 * fires at its next period). It left the heap in collect. */
                slot->due = timers_now(timers) + RETRY_NS;
                heap_push(timers, (uint32_t)f->id - 1u);
            } else if (slot->period == 0 || rc == ZACTOR_EDEAD || rc == ZACTOR_EUNREACH) {
                /* A target gone, or out of reach: the timer ends. */
                end_timer(timers, slot);
            }
        }
        pthread_mutex_unlock(&timers->lock);
    }
}

static void *timer_main(void *arg)
{
    zactor__timers *timers = arg;
    firing batch[FIRE_BATCH];
    pthread_mutex_lock(&timers->lock);
    while (!timers->quit) {
        if (timers->heap_size == 0) {
            pthread_cond_wait(&timers->cond, &timers->lock);
            continue;
        }
        uint64_t now = clock_ns();
        uint64_t due = heap_earliest(timers);
        if (due > now) {
            struct timespec until = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
            pthread_cond_timedwait(&timers->cond, &timers->lock, &until);
            continue;
        }
        uint32_t n = collect(timers, now, batch);
        pthread_mutex_unlock(&timers->lock);
        send_firings(timers, batch, n);
        pthread_mutex_lock(&timers->lock);
    }
    pthread_mutex_unlock(&timers->lock);
    return NULL;
}

bool zactor__timers_advance(zactor__timers *timers)
{
    firing batch[FIRE_BATCH];
    pthread_mutex_lock(&timers->lock);
    if (timers->heap_size == 0) {
        pthread_mutex_unlock(&timers->lock);
        return false;
    }
    uint64_t due = heap_earliest(timers);
    /* Relaxed: only this worker writes it, under the mutex. */
    if (due > atomic_load_explicit(&timers->virtual_now, memory_order_relaxed))
        atomic_store_explicit(&timers->virtual_now, due, memory_order_relaxed);
    uint64_t now = atomic_load_explicit(&timers->virtual_now, memory_order_relaxed);
    for (;;) {
        uint32_t n = collect(timers, now, batch);
        pthread_mutex_unlock(&timers->lock);
        send_firings(timers, batch, n);
        if (n < FIRE_BATCH)
            return true;
        pthread_mutex_lock(&timers->lock);
    }
}

bool zactor__timers_armed(zactor__timers *timers)
{
    pthread_mutex_lock(&timers->lock);
    bool armed = timers->heap_size != 0;
    pthread_mutex_unlock(&timers->lock);
    return armed;
}

/* ---- lifetime ----------------------------------------------------------- */

int zactor__timers_init(zactor__timers *timers, zactor_system *sys, bool deterministic)
{
    memset(timers, 0, sizeof *timers);
    timers->sys = sys;
    timers->deterministic = deterministic;
    atomic_init(&timers->virtual_now, 0);
    if (zactor__cond_init_monotonic(&timers->cond) != 0)
        return -1;
    if (pthread_mutex_init(&timers->lock, NULL) != 0) {
        pthread_cond_destroy(&timers->cond);
        return -1;
    }
    /* Held now, so that a notice that finds no memory can wait without
     * allocating anything. Not live: no pending work until one waits. */
    timers->notices_slot = slot_take(timers);
    if (timers->notices_slot == UINT32_MAX) {
        zactor__timers_destroy(timers);
        return -1;
    }
    timers->heap_pos[timers->notices_slot] = 0;
    return 0;
}

int zactor__timers_start(zactor__timers *timers)
{
    if (timers->deterministic)
        return 0;
    if (pthread_create(&timers->thread, NULL, timer_main, timers) != 0)
        return -1;
    timers->thread_started = true;
    return 0;
}

void zactor__timers_stop(zactor__timers *timers)
{
    pthread_mutex_lock(&timers->lock);
    timers->quit = true;
    pthread_cond_signal(&timers->cond);
    pthread_mutex_unlock(&timers->lock);
}

void zactor__timers_join(zactor__timers *timers)
{
    if (timers->thread_started)
        pthread_join(timers->thread, NULL);
    timers->thread_started = false;
}

void zactor__timers_destroy(zactor__timers *timers)
{
    for (uint32_t i = 0; i < timers->used; i++)
        zactor__free(timers->slots[i].live ? timers->slots[i].msg : NULL);
    zactor__free(timers->slots);
    zactor__free(timers->heap);
    zactor__free(timers->heap_pos);
    zactor__free(timers->owners);
    pthread_cond_destroy(&timers->cond);
    pthread_mutex_destroy(&timers->lock);
}
