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
 * first, takes the entry here (expire) and ends itself. */
#include "request.h"

#include <stdlib.h>

#include "alloc.h"
#include "array.h"
#include "dead_letter.h"
#include "platform.h"
#include "system.h"

int zactor__requests_init(zactor__requests *requests)
{
    requests->items = NULL;
    requests->count = 0;
    requests->capacity = 0;
    requests->last_id = 0;
    return pthread_mutex_init(&requests->lock, NULL) == 0 ? 0 : -1;
}

void zactor__requests_destroy(zactor__requests *requests)
{
    /* Every envelope was handled or dropped and every promise answered by
     * the time the actors are shut down: each took its entry. */
    ZACTOR__INVARIANT(requests->count == 0);
    zactor__free(requests->items);
    pthread_mutex_destroy(&requests->lock);
}

bool zactor__request_track(zactor_system *sys, zactor__request *request)
{
    zactor__requests *requests = &sys->requests;
    pthread_mutex_lock(&requests->lock);
    zactor__request *items =
        zactor__array_grow(requests->items, &requests->capacity, requests->count, sizeof *items);
    if (items) {
        requests->items = items;
        request->id = ++requests->last_id;
        items[requests->count++] = *request;
    }
    pthread_mutex_unlock(&requests->lock);
    return items != NULL;
}

bool zactor__request_take(zactor_system *sys, uint64_t id, zactor__request *out)
{
    zactor__requests *requests = &sys->requests;
    bool found = false;
    pthread_mutex_lock(&requests->lock);
    for (size_t i = 0; i < requests->count; i++) {
        if (requests->items[i].id == id) {
            *out = requests->items[i];
            requests->items[i] = requests->items[--requests->count];
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&requests->lock);
    return found;
}

void zactor__request_notify(const zactor__request *request, int code)
{
    zactor_request_error error = {request->id, request->target, request->message_type_id, code};
    /* Nothing to drop: a zactor_request_error owns nothing. */
    int rc = zactor__send_exempt(request->requester, request->requester_type, request->error_tag,
                                 &error, sizeof error);
    zactor__notice_unsent(request->requester.cell->sys, rc);
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
    size_t count = requests->count;
    pthread_mutex_unlock(&requests->lock);
    return count;
}
