/* reply.h - ask, request and reply: where replies go (private). */
#ifndef ZACTOR_REPLY_H
#define ZACTOR_REPLY_H

#include <pthread.h>
#include <stdbool.h>

#include "zactor/zactor.h"

typedef struct zactor__waiter zactor__waiter;

/* A system's asks in progress, so that zactor_system_stop can wake them. */
typedef struct zactor__asks {
    pthread_mutex_t lock;    /* guards every waiter of the system too */
    zactor__waiter *waiting; /* askers still blocked, doubly linked */
    bool stopped;            /* zactor_system_stop was called */
} zactor__asks;

int zactor__asks_init(zactor__asks *asks);
/* Wakes every asker with ZACTOR_ESTOPPED; later asks get it at once. */
void zactor__asks_stop(zactor__asks *asks);
/* No asker and no request envelope left. */
void zactor__asks_destroy(zactor__asks *asks);

/* A request envelope is dropped unhandled: its asker (if any) gets
 * ZACTOR_EDEAD; a tracked requester a ZACTOR_EDEAD notice; any other
 * requester nothing (the envelope itself is the dead letter). */
void zactor__reply_to_drop(const zactor_reply_to *reply_to);

/* Answers the request of reply_to with code instead of a reply: its asker
 * gets code, a tracked requester a notice with code, any other requester
 * nothing (a dead letter when count is set). */
void zactor__reply_to_fail(const zactor_reply_to *reply_to, int code, bool count);

#endif
