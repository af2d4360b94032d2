/* chatserver.h - the chat server's actors, started on a system. */
#ifndef CHATSERVER_H
#define CHATSERVER_H

#include <stdint.h>

#include "zactor/zactor.h"

/* Listens on 127.0.0.1:port (0: a port the kernel picks) and spawns the
 * room and the listener on sys. sndbuf: the kernel's send buffer of each
 * connection (SO_SNDBUF), 0 for the default (tuned by the kernel). *bound
 * receives the port. Returns 0, or -1 with errno set (socket, bind,
 * listen), or a ZACTOR_E* code. */
int chatserver_start(zactor_system *sys, uint16_t port, int sndbuf, uint16_t *bound);

/* Counters, for the test: output that had to wait for a WRITE event. */
uint64_t chatserver_deferred_writes(void);

#endif
