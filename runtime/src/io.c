/* io.c - the I/O thread (io.h). */
#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#include "alloc.h"
#include "clock.h"
#include "topology.h"

/* A call with a waiter (zactor__io_call_wait), on the waiter's stack. */
typedef struct io_waited_call {
    zactor__io_queued node;
    zactor__io_call_fn fn;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
} io_waited_call;

static _Thread_local zactor__io *io_thread_self;

int zactor__io_init(zactor__io *io, zactor__topology *pin)
{
    memset(io, 0, sizeof *io);
    io->wake_fd = -1;
    io->pin = pin;
    atomic_init(&io->wake_pending, false);
    return pthread_mutex_init(&io->lock, NULL) == 0 ? 0 : ZACTOR_ENOMEM;
}

bool zactor__io_on_thread(zactor__io *io)
{
    return io_thread_self == io;
}

void zactor__io_wake(zactor__io *io)
{
    /* seq_cst: the waker's queued work (written before) and this flag are
     * ordered against the I/O thread's clearing of it and its look at the
     * work after; an exchange that finds it set knows that look is still
     * to come. */
    if (atomic_exchange(&io->wake_pending, true))
        return;
    uint64_t one = 1;
    /* An eventfd write only fails when the counter would overflow: it is
     * then readable anyway. */
    ssize_t n = write(io->wake_fd, &one, sizeof one);
    (void)n;
}

static zactor__io_queued *io_take_calls(zactor__io *io, bool *quit)
{
    pthread_mutex_lock(&io->lock);
    zactor__io_queued *calls = io->calls;
    io->calls = io->calls_tail = NULL;
    *quit = io->quit;
    pthread_mutex_unlock(&io->lock);
    return calls;
}

static void io_run_calls(zactor__io_queued *calls)
{
    while (calls) {
        /* A caller's node may be queued again, or be gone, once its call
         * started: read it before. */
        zactor__io_queued *next = calls->next;
        bool owned = calls->owned;
        zactor__io_call_fn fn = calls->fn;
        void *arg = calls->arg;
        if (!owned)
            zactor__free(calls);
        fn(arg);
        calls = next;
    }
}

static void io_ack_wake(zactor__io *io)
{
    uint64_t count;
    ssize_t n = read(io->wake_fd, &count, sizeof count);
    (void)n;
    /* seq_cst: see zactor__io_wake; after this, a wake writes again. */
    atomic_store(&io->wake_pending, false);
}

/* partial: the poll set could not hold every source (out of memory); a
 * short poll then tries again soon to make room for the rest, which
 * nothing else would wake it for. */
static int io_poll_timeout(const zactor__io *io, bool partial)
{
    if (partial)
        return 1;
    return io->tick ? (int)io->tick_ms : -1;
}

/* The poll set: items[0] is the wake descriptor, users[i] the user of the
 * source polled as items[i] (to find it again after the poll). */
typedef struct io_poll_set {
    zmq_pollitem_t *items;
    void **users;
    uint32_t capacity;
} io_poll_set;

/* Room for n items; false when memory ran out (then the set is unchanged). */
static bool io_poll_set_reserve(io_poll_set *set, uint32_t n)
{
    if (n <= set->capacity)
        return true;
    zmq_pollitem_t *items = zactor__realloc(set->items, n * sizeof *items);
    if (items)
        set->items = items;
    void **users = zactor__realloc(set->users, n * sizeof *users);
    if (users)
        set->users = users;
    if (!items || !users)
        return false;
    set->capacity = n;
    return true;
}

/* Fills the poll set from the sources; returns the item count. A descriptor
 * with no events is left out: poll reports a hang-up whatever it is asked,
 * and a watch that is not armed must not make every poll return. */
static uint32_t io_poll_set_fill(zactor__io *io, io_poll_set *set, bool *partial)
{
    *partial = !io_poll_set_reserve(set, io->source_count + 1);
    if (*partial && set->capacity == 0)
        return 0;
    set->items[0] = (zmq_pollitem_t){NULL, io->wake_fd, ZMQ_POLLIN, 0};
    set->users[0] = NULL;
    uint32_t n = 1;
    for (uint32_t i = 0; i < io->source_count && n < set->capacity; i++) {
        const zactor__io_source *s = &io->sources[i];
        if (!s->socket && !s->events)
            continue;
        set->items[n] = (zmq_pollitem_t){s->socket, s->fd, s->events, 0};
        set->users[n] = s->user;
        n++;
    }
    return n; /* when memory ran out: what fits; the rest waits */
}

static void *io_main(void *arg)
{
    zactor__io *io = arg;
    io_thread_self = io;
    io_poll_set set = {NULL, NULL, 0};
    uint64_t next_tick = 0;
    for (;;) {
        bool partial;
        uint32_t n = io_poll_set_fill(io, &set, &partial);
        if (n == 0) {
            /* Not even the wake descriptor fits: wait for memory. */
            usleep(1000);
            continue;
        }
        zmq_pollitem_t *items = set.items;
        int ready = zmq_poll(items, (int)n, io_poll_timeout(io, partial));
        if (ready < 0 && zmq_errno() != EINTR)
            break; /* the context was terminated: nothing more to poll */
        bool quit = false;
        if (ready > 0 && (items[0].revents & ZMQ_POLLIN)) {
            io_ack_wake(io);
            io_run_calls(io_take_calls(io, &quit));
        }
        /* Sources by socket or fd and user, not index: a call or a ready
         * function may add or remove sources. The wake also means "look
         * again": each source with output queued finds it in its ready
         * function. */
        for (uint32_t i = 1; i < n && ready > 0; i++) {
            if (!items[i].revents)
                continue;
            zactor__io_source *s = zactor__io_find(io, items[i].socket, items[i].fd, set.users[i]);
            if (s && s->events)
                s->ready(s->user, items[i].revents);
        }
        if (io->tick) {
            uint64_t now = zactor__monotonic_ns();
            if (now >= next_tick || (ready > 0 && (items[0].revents & ZMQ_POLLIN))) {
                io->tick(io->tick_user, now);
                next_tick = now + (uint64_t)io->tick_ms * 1000000u;
            }
        }
        if (quit)
            break;
    }
    zactor__free(set.items);
    zactor__free(set.users);
    return NULL;
}

int zactor__io_start(zactor__io *io)
{
    int rc = 0;
    pthread_mutex_lock(&io->lock);
    if (io->started || io->quit) {
        rc = io->quit ? ZACTOR_ESTOPPED : 0;
        goto out;
    }
    io->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    io->zmq = io->wake_fd >= 0 ? zmq_ctx_new() : NULL;
    if (!io->zmq) {
        rc = ZACTOR_ENOMEM;
        goto fail;
    }
    /* Placement only (zactor__io_init): a failure costs latency, nothing
     * else. Set before the first socket, which starts ZeroMQ's thread. */
    int pu = io->pin ? zactor__topology_pu_index(io->pin, 0) : -1;
    if (pu >= 0)
        (void)zmq_ctx_set(io->zmq, ZMQ_THREAD_AFFINITY_CPU_ADD, pu);
    if (pthread_create(&io->thread, NULL, io_main, io) != 0) {
        rc = ZACTOR_EAGAIN;
        goto fail;
    }
    if (pu >= 0)
        (void)zactor__topology_pin(io->pin, io->thread, 0);
    io->started = true;
    goto out;
fail:
    if (io->zmq)
        zmq_ctx_term(io->zmq);
    if (io->wake_fd >= 0)
        close(io->wake_fd);
    io->zmq = NULL;
    io->wake_fd = -1;
out:
    pthread_mutex_unlock(&io->lock);
    return rc;
}

bool zactor__io_running(zactor__io *io)
{
    pthread_mutex_lock(&io->lock);
    bool running = io->started && !io->quit;
    pthread_mutex_unlock(&io->lock);
    return running;
}

/* Queues node (filled) for the I/O thread; the lock says whether it runs. */
static int io_queue(zactor__io *io, zactor__io_queued *node)
{
    pthread_mutex_lock(&io->lock);
    if (!io->started || io->quit) {
        pthread_mutex_unlock(&io->lock);
        return ZACTOR_ESTOPPED;
    }
    if (io->calls_tail)
        io->calls_tail->next = node;
    else
        io->calls = node;
    io->calls_tail = node;
    pthread_mutex_unlock(&io->lock);
    zactor__io_wake(io);
    return 0;
}

int zactor__io_call(zactor__io *io, zactor__io_call_fn fn, void *arg)
{
    zactor__io_queued *call = zactor__malloc(sizeof *call);
    if (!call)
        return ZACTOR_ENOMEM;
    *call = (zactor__io_queued){NULL, fn, arg, false};
    int rc = io_queue(io, call);
    if (rc != 0)
        zactor__free(call);
    return rc;
}

int zactor__io_post(zactor__io *io, zactor__io_queued *node, zactor__io_call_fn fn, void *arg)
{
    *node = (zactor__io_queued){NULL, fn, arg, true};
    return io_queue(io, node);
}

static void io_run_waited(void *arg)
{
    io_waited_call *call = arg;
    call->fn(call->arg);
    pthread_mutex_lock(&call->lock);
    call->done = true;
    pthread_cond_signal(&call->done_cond);
    pthread_mutex_unlock(&call->lock);
}

int zactor__io_call_wait(zactor__io *io, zactor__io_call_fn fn, void *arg)
{
    if (zactor__io_on_thread(io)) {
        fn(arg);
        return 0;
    }
    io_waited_call call = {{NULL, NULL, NULL, false}, fn,   arg, PTHREAD_MUTEX_INITIALIZER,
                           PTHREAD_COND_INITIALIZER,  false};
    int rc = zactor__io_post(io, &call.node, io_run_waited, &call);
    if (rc == 0) {
        pthread_mutex_lock(&call.lock);
        while (!call.done)
            pthread_cond_wait(&call.done_cond, &call.lock);
        pthread_mutex_unlock(&call.lock);
    }
    pthread_cond_destroy(&call.done_cond);
    pthread_mutex_destroy(&call.lock);
    return rc;
}

int zactor__io_add(zactor__io *io, const zactor__io_source *source)
{
    if (io->source_count == io->source_capacity) {
        uint32_t capacity = io->source_capacity ? 2 * io->source_capacity : 8;
        zactor__io_source *grown = zactor__realloc(io->sources, capacity * sizeof *grown);
        if (!grown)
            return ZACTOR_ENOMEM;
        io->sources = grown;
        io->source_capacity = capacity;
    }
    io->sources[io->source_count++] = *source;
    return 0;
}

zactor__io_source *zactor__io_find(zactor__io *io, void *socket, int fd, void *user)
{
    for (uint32_t i = 0; i < io->source_count; i++) {
        zactor__io_source *s = &io->sources[i];
        if (s->socket == socket && (socket || s->fd == fd) && (!user || s->user == user))
            return s;
    }
    return NULL;
}

void zactor__io_remove(zactor__io *io, zactor__io_source *source)
{
    *source = io->sources[--io->source_count];
}

void zactor__io_set_tick(zactor__io *io, zactor__io_tick_fn tick, void *user, uint32_t ms)
{
    io->tick = tick;
    io->tick_user = user;
    io->tick_ms = ms ? ms : 1;
}

static void io_no_op(void *arg)
{
    (void)arg;
}

void zactor__io_destroy(zactor__io *io)
{
    pthread_mutex_lock(&io->lock);
    bool started = io->started;
    pthread_mutex_unlock(&io->lock);
    if (started) {
        /* Queue the quit behind every call already queued. */
        (void)zactor__io_call(io, io_no_op, NULL);
        pthread_mutex_lock(&io->lock);
        io->quit = true;
        pthread_mutex_unlock(&io->lock);
        zactor__io_wake(io);
        pthread_join(io->thread, NULL);
        zmq_ctx_term(io->zmq);
        close(io->wake_fd);
    }
    zactor__free(io->sources);
    pthread_mutex_destroy(&io->lock);
}
