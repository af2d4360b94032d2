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
 * ZACTOR_EDEAD; a requester gets no reply. */
void zactor__reply_to_drop(const zactor_reply_to *reply_to);

#endif
