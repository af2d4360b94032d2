/* request.c - tracked requests: ids, the table of requests waiting for
 * their answer, and the error notices that end them without a reply.
 *
 * A request is tracked when its requester's type declares `on
 * request_error;` (zactor_request looks for that entry anyway, next to
 * the reply entry): untracked requests, and actors without requests, pay
 * nothing here. A tracked request's envelope carries its id. Every way a
 * request can end takes the id's entry out of the table under the lock
 * first: the reply (reply.c), the envelope dropped unhandled (reply.c),
 * a promise failed or dropped (promise.c), the timer (expire). Only the
 * one that found the entry answers, so a request gets exactly one answer;
 * a reply that finds no entry is a late one and becomes a dead letter.
 *
 * A request made with a timeout (zactor_request_timeout) also holds the id
 * of its timer (timer.c). Whoever takes the entry but the timer ends that
 * timer once it has answered (zactor__request_settle), so an answer in
 * time leaves no timer to keep the system busy; the timer, when it fires
 * first, takes the entry here (expire) and ends itself.
 *
 * An error notice that finds no memory waits, in an entry put back into
 * the table with the notice's code (keep_notice), and is sent again from
 * the timer thread (notice.c). Putting it back allocates nothing: the
 * table always has room for every entry taken out and not yet answered
 * (spare_entries), so a tracked request, once accepted, always gets its
 * reply or its notice. */
#include "request.h"

#include <stdlib.h>

#include "alloc.h"
#include "array.h"
#include "dead_letter.h"
#include "notice.h"
#include "platform.h"
#include "system.h"

int zactor__requests_init(zactor__requests *requests)
{
    requests->items = NULL;
    requests->count = 0;
    requests->waiting = 0;
    requests->capacity = 0;
    requests->last_id = 0;
    return pthread_mutex_init(&requests->lock, NULL) == 0 ? 0 : -1;
}

void zactor__requests_destroy(zactor__requests *requests)
{
    /* Every envelope was handled or dropped and every promise answered by
     * the time the actors are shut down: each took its entry. What is left
     * are notices that were still waiting when the system stopped. */
    ZACTOR__INVARIANT(requests->count == requests->waiting);
    zactor__free(requests->items);
    pthread_mutex_destroy(&requests->lock);
}

/* Entries that can be out of the table at one moment, each taken by an
 * answer not yet queued, and so each a notice that may have to be put back
 * (keep_notice): one per thread that answers requests (each worker; the
 * timer thread; the I/O thread; the thread in zactor_system_destroy), two
 * on a worker, whose answer's send can deliver its outbox, which can drop
 * a request envelope, whose requester the worker then answers inside the
 * first answer (the outbox is empty by then: no third). */
static size_t spare_entries(const zactor_system *sys)
{
    return 2u * ((size_t)sys->sched.worker_count + 2u);
}

/* Under the lock: room for `needed` entries. */
static bool requests_reserve(zactor__requests *requests, size_t needed)
{
    while (requests->capacity < needed) {
        zactor__request *items = zactor__array_grow(requests->items, &requests->capacity,
                                                    requests->capacity, sizeof *items);
        if (!items)
            return false;
        requests->items = items;
    }
    return true;
}

bool zactor__request_track(zactor_system *sys, zactor__request *request)
{
    zactor__requests *requests = &sys->requests;
    pthread_mutex_lock(&requests->lock);
    /* With room left for the notices of every answer under way: so the
     * entries in the table and those taken out of it never outnumber its
     * capacity. */
    bool room = requests_reserve(requests, requests->count + 1u + spare_entries(sys));
    if (room) {
        request->id = ++requests->last_id;
        request->notice = 0;
        requests->items[requests->count++] = *request;
    }
    pthread_mutex_unlock(&requests->lock);
    return room;
}

bool zactor__request_take(zactor_system *sys, uint64_t id, zactor__request *out)
{
    zactor__requests *requests = &sys->requests;
    bool found = false;
    pthread_mutex_lock(&requests->lock);
    for (size_t i = 0; i < requests->count; i++) {
        if (requests->items[i].id == id) {
            /* Answered already: its notice waits to be queued. */
            if (requests->items[i].notice)
                break;
            *out = requests->items[i];
            requests->items[i] = requests->items[--requests->count];
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&requests->lock);
    return found;
}

/* Sends request's error notice with code: 0 once queued, or what the send
 * returned (ZACTOR_EDEAD: its requester has ended, nobody to tell). */
static int notice_try(const zactor__request *request, int code)
{
    zactor_request_error error = {request->id, request->target, request->message_type_id, code};
    /* Nothing to drop: a zactor_request_error owns nothing. */
    return zactor__send_notice(request->requester, request->requester_type, request->error_tag,
                               &error, sizeof error);
}

/* Puts answered request back into the table, holding its notice with
 * code until the retry queues it. */
static void keep_notice(zactor_system *sys, const zactor__request *request, int code)
{
    zactor__requests *requests = &sys->requests;
    pthread_mutex_lock(&requests->lock);
    /* The room spare_entries kept: this entry was out of the table, taken
     * by the answer that now puts it back. */
    ZACTOR__INVARIANT(requests->count < requests->capacity);
    if (!requests_reserve(requests, requests->count + 1u)) {
        pthread_mutex_unlock(&requests->lock);
        zactor__notice_lost(sys);
        return;
    }
    zactor__request *kept = &requests->items[requests->count++];
    *kept = *request;
    kept->timer = 0; /* its taker ends it (zactor__request_settle) */
    kept->notice = code;
    kept->seq = zactor__notice_wait(sys);
    requests->waiting++;
    pthread_mutex_unlock(&requests->lock);
}

void zactor__request_notify(const zactor__request *request, int code)
{
    zactor_system *sys = request->requester.cell->sys;
    if (!zactor__notices_held(sys) && notice_try(request, code) != ZACTOR_ENOMEM)
        return;
    if (!zactor__system_stopping(sys))
        keep_notice(sys, request, code);
}

void zactor__request_settle(zactor_system *sys, const zactor__request *request)
{
    if (request->timer)
        zactor__timer_end(&sys->timers, request->timer);
}

bool zactor__request_expire(zactor_system *sys, uint64_t id)
{
    zactor__request request;
    if (!zactor__request_take(sys, id, &request))
        return false;
    zactor__request_notify(&request, ZACTOR_ETIMEDOUT);
    return true;
}

size_t zactor__requests_pending(zactor_system *sys)
{
    zactor__requests *requests = &sys->requests;
    pthread_mutex_lock(&requests->lock);
    size_t count = requests->count - requests->waiting;
    pthread_mutex_unlock(&requests->lock);
    return count;
}

uint64_t zactor__requests_next_waiting(zactor__requests *requests, uint64_t after,
                                       zactor_cell **requester)
{
    uint64_t next = 0;
    pthread_mutex_lock(&requests->lock);
    for (size_t i = 0; requests->waiting && i < requests->count; i++) {
        const zactor__request *r = &requests->items[i];
        if (r->notice && r->seq > after && (next == 0 || r->seq < next)) {
            next = r->seq;
            *requester = r->requester.cell;
        }
    }
    pthread_mutex_unlock(&requests->lock);
    return next;
}

/* Under the lock: the index of the waiting notice of seq, or count. */
static size_t waiting_index(const zactor__requests *requests, uint64_t seq)
{
    size_t i = 0;
    while (i < requests->count && !(requests->items[i].notice && requests->items[i].seq == seq))
        i++;
    return i;
}

int zactor__requests_resend(zactor_system *sys, uint64_t seq)
{
    zactor__requests *requests = &sys->requests;
    pthread_mutex_lock(&requests->lock);
    size_t i = waiting_index(requests, seq);
    bool found = i < requests->count;
    zactor__request waiting = found ? requests->items[i] : (zactor__request){.notice = 0};
    pthread_mutex_unlock(&requests->lock);
    if (!found)
        return 0;
    /* Sent with the lock released (a send may drop an outbox's request
     * envelopes, whose answers take entries): the entry stays meanwhile,
     * and only this retry takes waiting notices out. */
    if (notice_try(&waiting, waiting.notice) == ZACTOR_ENOMEM)
        return ZACTOR_ENOMEM;
    pthread_mutex_lock(&requests->lock);
    i = waiting_index(requests, seq);
    ZACTOR__INVARIANT(i < requests->count);
    requests->items[i] = requests->items[--requests->count];
    requests->waiting--;
    zactor__notice_done(sys);
    pthread_mutex_unlock(&requests->lock);
    return 0;
}
