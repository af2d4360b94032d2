/* io.h - the I/O thread: one per system, started on first use, polling
 * the node layer's ZeroMQ sockets and the descriptors actors watch (private).
 *
 * Everything a source does runs on the I/O thread: ZeroMQ sockets belong
 * to one thread, and so the node layer keeps its sockets, peers and
 * protocol state there without locks. Other threads reach it by queueing a
 * call (zactor__io_call) and, for a result, waiting for it. */
#ifndef ZACTOR_IO_H
#define ZACTOR_IO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "zactor/zactor.h"

/* A source is ready: revents holds the ZMQ_POLL* bits that are. */
typedef void (*zactor__io_ready_fn)(void *user, short revents);
/* A call queued for the I/O thread. */
typedef void (*zactor__io_call_fn)(void *arg);
/* Runs on the I/O thread after each poll, with the monotonic time. */
typedef void (*zactor__io_tick_fn)(void *user, uint64_t now_ns);

typedef struct zactor__io_source {
    void *socket; /* a ZeroMQ socket, or NULL for a descriptor */
    int fd;       /* the descriptor when socket is NULL */
    short events; /* ZMQ_POLLIN | ZMQ_POLLOUT wanted; 0: skipped */
    zactor__io_ready_fn ready;
    void *user;
} zactor__io_source;

/* A queued call. zactor__io_call allocates one and frees it after the
 * call; zactor__io_post queues one its caller owns (owned set). */
typedef struct zactor__io_queued zactor__io_queued;
struct zactor__io_queued {
    zactor__io_queued *next;
    zactor__io_call_fn fn;
    void *arg;
    bool owned; /* the caller's: not freed, not touched once fn started */
};

typedef struct zactor__io {
    pthread_mutex_t lock;     /* start, quit and the queued calls */
    zactor__io_queued *calls; /* queued, oldest first */
    zactor__io_queued *calls_tail;
    bool started;
    bool quit;
    pthread_t thread;
    void *zmq;   /* the ZeroMQ context, made on start */
    int wake_fd; /* an eventfd in the poll set: queued calls, sends to peers */
    /* Set by the first waker, cleared by the I/O thread before it looks
     * at what it was woken for: one write to wake_fd per batch of wakes. */
    _Atomic bool wake_pending;
    /* Owned by the I/O thread. */
    zactor__io_source *sources;
    uint32_t source_count;
    uint32_t source_capacity;
    zactor__io_tick_fn tick;
    void *tick_user;
    uint32_t tick_ms;             /* the longest a poll waits while a tick is set */
    struct zactor__topology *pin; /* see zactor__io_init; NULL: unpinned */
} zactor__io;

/* pin: the system's topology when its workers are pinned, else NULL. The
 * I/O thread and ZeroMQ's own I/O thread are then bound to the processing
 * unit of worker 0, the worker a push from outside the workers wakes first
 * (scheduler.c, worker_to_wake): a message from the network then goes from
 * ZeroMQ's thread to ours to the worker, and the reply back, on one core,
 * where each hand-off is a context switch rather than a wake-up of another,
 * idle CPU. On the virtual machine of bench/RESULTS.md that halves R1's
 * latency (a cross-CPU wake-up there costs about 50 us: TCP request/reply
 * takes 121 us between CPUs, 21 us on one). */
int zactor__io_init(zactor__io *io, struct zactor__topology *pin);
/* Starts the thread and the ZeroMQ context if not yet. 0, ZACTOR_ENOMEM or
 * ZACTOR_EAGAIN. */
int zactor__io_start(zactor__io *io);
bool zactor__io_running(zactor__io *io);
/* Queues fn(arg) for the I/O thread (in the order of the calls) and wakes
 * it. The call must be started. 0 or ZACTOR_ENOMEM or ZACTOR_ESTOPPED (the
 * thread has quit: fn will not run). */
int zactor__io_call(zactor__io *io, zactor__io_call_fn fn, void *arg);
/* Queues fn(arg) as zactor__io_call does, in a node the caller owns (no
 * allocation); the node is the caller's again once fn has started, and
 * must not be queued twice at once. 0 or ZACTOR_ESTOPPED. */
int zactor__io_post(zactor__io *io, zactor__io_queued *node, zactor__io_call_fn fn, void *arg);
/* Queues fn(arg) and waits until it has run (allocates nothing). 0, or
 * ZACTOR_ESTOPPED: the thread is not running, fn did not run. */
int zactor__io_call_wait(zactor__io *io, zactor__io_call_fn fn, void *arg);
/* Wakes the I/O thread so that its sources look again (the node layer's
 * sends); one eventfd write per batch of wakes. */
void zactor__io_wake(zactor__io *io);
/* On the I/O thread: adds a source (its index is not stable); 0 or
 * ZACTOR_ENOMEM. A descriptor source whose events are 0 is left out of the
 * poll altogether (poll would still report its hang-up); a socket's is
 * polled but its ready function not called. Sources are told apart by
 * socket or fd and user: two sources may share a descriptor. */
int zactor__io_add(zactor__io *io, const zactor__io_source *source);
/* On the I/O thread: the source with this user and socket/fd. */
zactor__io_source *zactor__io_find(zactor__io *io, void *socket, int fd, void *user);
void zactor__io_remove(zactor__io *io, zactor__io_source *source);
/* On the I/O thread, or before start: tick every ms milliseconds at most. */
void zactor__io_set_tick(zactor__io *io, zactor__io_tick_fn tick, void *user, uint32_t ms);
/* Stops the thread (queued calls run first) and frees the context. */
void zactor__io_destroy(zactor__io *io);
/* true on the I/O thread. */
bool zactor__io_on_thread(zactor__io *io);

#endif
