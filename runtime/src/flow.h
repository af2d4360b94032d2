/* flow.h - bounded mailboxes: refusals, muted senders and threads that
 * wait for room (private). See flow.c for the protocol. */
#ifndef ZACTOR_FLOW_H
#define ZACTOR_FLOW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "zactor/zactor.h"

typedef struct zactor__worker zactor__worker;

/* A muted actor and the full mailbox it waits for. */
typedef struct zactor__mute {
    zactor_cell *sender;
    zactor_ref receiver;
} zactor__mute;

typedef struct zactor__flow {
    pthread_mutex_t lock;
    pthread_cond_t room; /* zactor_send_wait sleeps on it (CLOCK_MONOTONIC) */
    zactor__mute *mutes; /* under lock */
    size_t capacity;
    /* Entries in mutes, and threads in zactor_send_wait: written under
     * lock, read without it by turns that drained a bounded mailbox. */
    _Atomic uint32_t muted;
    _Atomic uint32_t waiting;
    /* zactor_stats. Relaxed counters: statistics. */
    _Atomic uint64_t refused;
    _Atomic uint64_t over_bound;
    _Atomic uint64_t mutes_total;
} zactor__flow;

int zactor__flow_init(zactor__flow *flow);
void zactor__flow_destroy(zactor__flow *flow);
/* zactor_system_stop: wakes every zactor_send_wait. */
void zactor__flow_stop(zactor__flow *flow);

/* The depth of a mailbox from its life word (senders' view, flow.c). */
uint32_t zactor__flow_depth(zactor_cell *cell, uint64_t life);

/* End of a turn of worker's actor `cell` whose handler asked to be muted
 * on worker->mute_target: true when the actor is now muted (the turn's
 * end must leave it alone: it stays RUNNABLE, held by the mute), false
 * when it need not be (the receiver drained or ended meanwhile, or the
 * actor is itself loaded). */
bool zactor__flow_mute(zactor__worker *worker, zactor_cell *cell);

/* A turn of a bounded actor ended (its mailbox handed back what it
 * handled), or the actor ended: releases the actors muted on it and wakes
 * the threads waiting for room if its depth is down to its low mark. */
void zactor__flow_drained(zactor_system *sys, zactor_cell *cell);

/* zactor_send_wait's sleep: the thread found `to` full and waits until
 * the mailbox has room, the actor ended, or the system stops (true), or
 * until the CLOCK_MONOTONIC deadline passes (false; NULL: never). */
bool zactor__flow_wait_room(zactor_system *sys, zactor_ref to, const struct timespec *deadline);

#endif
