/* timer.h - timers: delayed and periodic sends, virtual time (private).
 * See timer.c for the design. */
#ifndef ZACTOR_TIMER_H
#define ZACTOR_TIMER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;
typedef struct zactor__timer_slot zactor__timer_slot;

/* A firing in a mailbox is a pooled block: this header, then the copy of
 * the message at ZACTOR__TIMER_BOX_HEADER (the slot's `where` says so,
 * mailbox.c). The taker asks zactor__timer_taken whether to deliver it. */
typedef struct zactor__timers zactor__timers;

/* An armed timer in the heap: its key (due time, arming order) beside the
 * slot it orders, so that sifting compares without touching the slots. */
typedef struct zactor__timer_entry {
    uint64_t due;
    uint64_t seq;
    uint32_t index;
} zactor__timer_entry;

typedef struct zactor__timer_box {
    zactor__timers *timers;
    uint64_t id; /* the timer that fired it */
} zactor__timer_box;
#define ZACTOR__TIMER_BOX_HEADER 16u
_Static_assert(sizeof(zactor__timer_box) <= ZACTOR__TIMER_BOX_HEADER, "the header fits");

/* The system's timers: every field under lock but the clock. */
struct zactor__timers {
    pthread_mutex_t lock;
    pthread_cond_t cond;       /* the timer thread sleeps on it (CLOCK_MONOTONIC) */
    zactor_system *sys;        /* fixed */
    zactor__timer_slot *slots; /* the slab: ids are an index and a generation */
    uint32_t capacity;         /* slots allocated */
    uint32_t used;             /* slots ever handed out */
    uint32_t free;             /* free list head (index + 1), 0 when empty */
    uint32_t live;             /* timers not yet ended: count as pending work */
    zactor__timer_entry *heap; /* armed timers: a 4-ary min-heap by (due, seq) */
    /* Per slot: its position in the heap + 1, 0 when not armed. Apart from
     * the slots, so that a sift's writes land on few cache lines. */
    uint32_t *heap_pos;
    uint32_t heap_size;
    uint32_t *owners;       /* hash of owner cells: chains of slot index + 1 */
    uint32_t owner_buckets; /* a power of two, 0 before the first owned timer */
    uint32_t owned;         /* timers that have an owner */
    uint64_t seq;           /* arming order: equal due times fire in it */
    /* The slot held for the retry of waiting notices (notice.c): live
     * while notices wait, never freed. Asked: a notice began to wait since
     * the retry was last taken. Retrying: the retry runs now (the slot is
     * out of the heap). */
    uint32_t notices_slot;
    bool notices_asked;
    bool notices_retrying;
    bool deterministic; /* virtual clock, no thread: the worker fires */
    bool thread_started;
    bool quit; /* the thread must return */
    pthread_t thread;
    /* Virtual time in deterministic mode: written under lock by the worker,
     * read by zactor_system_now from any thread. */
    _Atomic uint64_t virtual_now;
};

/* 0, or -1 when memory (the notices' slot) or a mutex could not be had. */
int zactor__timers_init(zactor__timers *timers, zactor_system *sys, bool deterministic);
/* Starts the timer thread (not in deterministic mode). 0 or -1. */
int zactor__timers_start(zactor__timers *timers);
/* zactor_system_stop: the thread stops firing and returns. */
void zactor__timers_stop(zactor__timers *timers);
/* Joins the thread (after zactor__timers_stop). */
void zactor__timers_join(zactor__timers *timers);
/* Frees every timer; after the mailboxes are cleared (their boxed
 * firings ask zactor__timer_taken). */
void zactor__timers_destroy(zactor__timers *timers);

/* The consumer of a boxed firing: true when it is to be handled (its
 * timer is live and this is its queued firing), false when the timer was
 * cancelled (or ended) after the firing was queued. Either way the
 * firing is no longer queued. */
bool zactor__timer_taken(const zactor__timer_box *box);

/* An actor that armed timers (ZACTOR__CELL_TIMERS) ended: its timers end. */
void zactor__timers_owner_ended(zactor__timers *timers, zactor_cell *cell, uint32_t generation);

/* Delays, periods and request timeouts above this are refused (about
 * 146 years). */
#define ZACTOR__TIMER_MAX_NS (UINT64_C(1) << 62)

/* Request timeouts (request.c), in two steps around the request's send.
 * new: a timer owned by the running actor `owner` (it ends when that
 * actor ends), live (pending work) but not yet armed, its id in *id; 0 or
 * ZACTOR_ENOMEM. start: arms it to expire request `request` timeout_ns
 * from now; nothing when it has ended meanwhile (the request was answered
 * between its send and this call). When it comes due the timer thread (or
 * the deterministic worker) calls zactor__request_expire, and only then
 * ends the timer, so that the notice is queued before the system may look
 * idle. */
int zactor__timer_request_new(zactor__timers *timers, zactor_cell *owner, uint64_t *id);
void zactor__timer_request_start(zactor__timers *timers, uint64_t id, uint64_t request,
                                 uint64_t timeout_ns);
/* Ends timer id if it is live (a request's timer, once its request is
 * answered). */
void zactor__timer_end(zactor__timers *timers, uint64_t id);
/* Notices wait (notice.c): zactor__notices_retry runs about a millisecond
 * from now, and every millisecond after while it says some still wait.
 * The system counts as busy meanwhile. Allocates nothing. */
void zactor__timers_retry_notices(zactor__timers *timers);

/* Timers not yet ended (tests). */
uint32_t zactor__timers_live(zactor__timers *timers);

/* Deterministic mode, the worker found nothing to run: moves the virtual
 * clock to the earliest armed timer and fires every timer due then.
 * false when no timer is armed. */
bool zactor__timers_advance(zactor__timers *timers);
/* Deterministic mode: true when a timer is armed (the worker must not
 * park). Called under the scheduler's park_lock. */
bool zactor__timers_armed(zactor__timers *timers);

#endif
