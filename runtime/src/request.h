/* request.h - tracked requests: the table that makes a request from an
 * actor that declares `on request_error;` end in exactly one reply or one
 * error notice (private). */
#ifndef ZACTOR_REQUEST_H
#define ZACTOR_REQUEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zactor/zactor.h"

/* One request still waiting for its answer. */
typedef struct zactor__request {
    uint64_t id;
    zactor_ref requester;
    const zactor_actor_type *requester_type;
    uint32_t error_tag;       /* the requester's `on request_error` entry */
    uint32_t message_type_id; /* the request message's */
    zactor_ref target;
    uint64_t timer; /* its timeout's timer (timer.c); 0: no timeout */
    /* 0 while the request waits for its answer. Once answered by an error
     * notice that could not be queued yet (no memory, or other notices
     * waited): the notice's code. The entry then holds the notice, no
     * taker finds it, and seq is its place in the order of waiting
     * notices (notice.c). */
    int notice;
    uint64_t seq;
} zactor__request;

/* Every tracked request of the system not yet answered, under one mutex.
 * Whoever takes an entry out (zactor__request_take) is the one that
 * answers it: that is the whole exactly-once rule. Lookups scan the
 * list: fine for thousands of requests in flight, not for millions. The
 * table also holds the error notices that wait to be queued (`notice`). */
typedef struct zactor__requests {
    pthread_mutex_t lock;
    zactor__request *items;
    size_t count;   /* entries, waiting notices included */
    size_t waiting; /* entries that hold a waiting notice */
    size_t capacity;
    uint64_t last_id;
} zactor__requests;

int zactor__requests_init(zactor__requests *requests);
/* Destroy, every actor ended: no request is left unanswered (notices
 * still waiting are dropped). */
void zactor__requests_destroy(zactor__requests *requests);

/* Adds *request with a new id (returned in request->id). false: out of
 * memory. The table keeps room for the notices that may have to wait
 * (request.c, spare_entries). */
bool zactor__request_track(zactor_system *sys, zactor__request *request);

/* Takes the entry of id out of the table into *out: true when it was
 * still there (the caller now answers it), false when it was answered
 * already. */
bool zactor__request_take(zactor_system *sys, uint64_t id, zactor__request *out);

/* Sends the requester of request (taken) its zactor_request_error with
 * code. A notice that finds no memory, or other notices waiting, waits
 * in the table to be sent again (notice.c). One that cannot be delivered
 * (the requester ended, the system is stopping) is dropped uncounted,
 * like a Down. */
void zactor__request_notify(const zactor__request *request, int code);

/* After the one that took request (zactor__request_take) has answered
 * it, or dropped its answer: the request's timeout timer, if any, ends
 * now, so that a request answered in time keeps nothing pending. Every
 * taker but the timer itself calls it (the timer ends itself). */
void zactor__request_settle(zactor_system *sys, const zactor__request *request);

/* The timer's entry point: if request id is still waiting for its answer,
 * it ends now with a ZACTOR_ETIMEDOUT notice (true); a reply that comes
 * later is a dead letter. false: answered already. */
bool zactor__request_expire(zactor_system *sys, uint64_t id);

/* Requests waiting for their answer (tests; waiting notices not counted). */
size_t zactor__requests_pending(zactor_system *sys);

/* The retry of waiting notices (notice.c), as zactor__monitors_next_waiting
 * and zactor__monitors_resend: the place in the order of the first one
 * after `after` (its requester's cell in *requester), 0 when none; and
 * sending that one again, ZACTOR_ENOMEM while it still waits, else 0. */
uint64_t zactor__requests_next_waiting(zactor__requests *requests, uint64_t after,
                                       zactor_cell **requester);
int zactor__requests_resend(zactor_system *sys, uint64_t seq);

#endif
