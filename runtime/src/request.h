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
} zactor__request;

/* Every tracked request of the system not yet answered, under one mutex.
 * Whoever takes an entry out (zactor__request_take) is the one that
 * answers it: that is the whole exactly-once rule. Lookups scan the
 * list: fine for thousands of requests in flight, not for millions. */
typedef struct zactor__requests {
    pthread_mutex_t lock;
    zactor__request *items;
    size_t count;
    size_t capacity;
    uint64_t last_id;
} zactor__requests;

int zactor__requests_init(zactor__requests *requests);
/* Destroy, every actor ended: no request is left unanswered. */
void zactor__requests_destroy(zactor__requests *requests);

/* Adds *request with a new id (returned in request->id). false: out of
 * memory. */
bool zactor__request_track(zactor_system *sys, zactor__request *request);

/* Takes the entry of id out of the table into *out: true when it was
 * still there (the caller now answers it), false when it was answered
 * already. */
bool zactor__request_take(zactor_system *sys, uint64_t id, zactor__request *out);

/* Sends the requester its zactor_request_error with code. A notice that
 * cannot be delivered (the requester ended, the system is stopping) is
 * dropped uncounted, like a Down. */
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

/* Requests in the table (tests). */
size_t zactor__requests_pending(zactor_system *sys);

#endif
