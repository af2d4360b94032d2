/* io_watch.c - sockets as messages: zactor_io_watch, zactor_io_unwatch, and
 * the generated dispatch's zactor_io_take and zactor_io_rearm.
 *
 * A watch is a record in the system's table (by id, under its lock) and a
 * source of the I/O thread's poll set (owned by that thread). Only the
 * watching actor removes its record (unwatch, its end), on its own turn,
 * so the actor may use a record it found without the lock. The I/O thread
 * alone arms and disarms: when a watch is ready it takes it out of the
 * poll (events 0) and sends the event; the dispatch, once the handler has
 * returned, posts the re-arm with a node kept in the record (no
 * allocation per event). Removal goes through zactor__io_call_wait, queued
 * after any re-arm the actor posted, so the I/O thread never sees a freed
 * record, and the caller may close the descriptor when it returns. */
#include "io_watch.h"

#include <stdlib.h>
#include <unistd.h>
#include <zmq.h>

#include "actor.h"
#include "alloc.h"
#include "dead_letter.h"
#include "io.h"
#include "notice.h"
#include "system.h"
#include "worker.h"

typedef struct io_watch {
    uint64_t id;
    int fd;
    uint32_t events; /* ZACTOR_IO_READ | ZACTOR_IO_WRITE asked */
    zactor_ref owner;
    const zactor_actor_type *owner_type;
    uint32_t io_tag; /* the owner's `on io` entry */
    zactor_system *sys;
    zactor__io_queued rearm; /* the re-arm call's node (one in flight) */
    struct io_watch *next;   /* in a list of watches being ended */
} io_watch;

int zactor__io_watches_init(zactor__io_watches *watches)
{
    zactor__u64map_init(&watches->by_id);
    watches->last_id = 0;
    watches->closed = false;
    return pthread_mutex_init(&watches->lock, NULL) == 0 ? 0 : -1;
}

static bool refs_same(zactor_ref a, zactor_ref b)
{
    return a.cell == b.cell && a.generation == b.generation;
}

static short poll_events_of(uint32_t events)
{
    return (short)(((events & ZACTOR_IO_READ) ? ZMQ_POLLIN : 0) |
                   ((events & ZACTOR_IO_WRITE) ? ZMQ_POLLOUT : 0));
}

/* On the I/O thread: w's source (NULL once dropped). */
static zactor__io_source *source_of(io_watch *w)
{
    return zactor__io_find(&w->sys->io, NULL, w->fd, w);
}

/* On the I/O thread: w is ready. Disarmed until its handler returned. */
static void watch_ready(void *user, short revents)
{
    io_watch *w = user;
    zactor__io_source *source = source_of(w);
    if (source)
        source->events = 0;
    uint32_t ready = 0;
    if (revents & ZMQ_POLLIN)
        ready |= ZACTOR_IO_READ;
    if (revents & ZMQ_POLLOUT)
        ready |= ZACTOR_IO_WRITE;
    ready &= w->events;
    if (revents & ZMQ_POLLERR)
        ready |= ZACTOR_IO_ERROR | (w->events & ZACTOR_IO_READ);
    zactor_io_event ev = {w->fd, ready, w->id};
    /* An owner that has ended (its end removes the watch next) or a
     * stopping system: nobody to tell, and the watch stays disarmed. */
    int rc = zactor__send_exempt(w->owner, w->owner_type, w->io_tag, &ev, sizeof ev);
    if (rc == ZACTOR_ENOMEM)
        zactor__notice_delayed(w->sys);
    if (rc == ZACTOR_ENOMEM && source) {
        /* No handler will run to re-arm it: armed again at once, or the
         * readiness would never be reported again. The pause keeps the
         * poll, which reports it again at once, from spinning while
         * memory is short. */
        source->events = poll_events_of(w->events);
        usleep(1000);
    }
}

/* On the I/O thread: polls w again (if it is still in the poll set). */
static void watch_rearm_on_thread(void *arg)
{
    io_watch *w = arg;
    zactor__io_source *source = source_of(w);
    if (source)
        source->events = poll_events_of(w->events);
}

typedef struct watch_add_call {
    io_watch *w;
    int rc;
} watch_add_call;

static void watch_add_on_thread(void *arg)
{
    watch_add_call *call = arg;
    io_watch *w = call->w;
    zactor__io_watches *watches = &w->sys->io_watches;
    /* The lock orders this against zactor__io_watches_close: a watch
     * added after it would send events while the workers are joined. */
    pthread_mutex_lock(&watches->lock);
    bool closed = watches->closed;
    pthread_mutex_unlock(&watches->lock);
    if (closed) {
        call->rc = ZACTOR_ESTOPPED;
        return;
    }
    zactor__io_source source = {NULL, w->fd, poll_events_of(w->events), watch_ready, w};
    call->rc = zactor__io_add(&w->sys->io, &source);
}

static void watch_remove_on_thread(void *arg)
{
    zactor__io_source *source = source_of(arg);
    if (source)
        zactor__io_remove(&((io_watch *)arg)->sys->io, source);
}

/* The tag of type's `on io;` entry. */
static bool io_entry_of(const zactor_actor_type *type, uint32_t *tag)
{
    for (uint32_t i = 0; i < type->handler_count; i++) {
        if (type->handlers[i].flags & ZACTOR_HANDLER_IO) {
            *tag = i;
            return true;
        }
    }
    return false;
}

int zactor_io_watch(zactor_ctx *ctx, int fd, uint32_t events, uint64_t *watch)
{
    if (!zactor__ctx_is_running(ctx) || fd < 0 || events == 0 ||
        (events & ~(ZACTOR_IO_READ | ZACTOR_IO_WRITE)) || !watch)
        return ZACTOR_EARG;
    zactor_cell *cell = ctx->cell;
    /* Relaxed: the running actor's own type, fixed while its turn runs. */
    const zactor_actor_type *type = atomic_load_explicit(&cell->type, memory_order_relaxed);
    uint32_t tag;
    if (!io_entry_of(type, &tag))
        return ZACTOR_ETYPE;
    zactor_system *sys = ctx->sys;
    /* From `on stop`: the actor's watches have ended already. */
    if (zactor__system_stopping(sys) || (cell->flags & ZACTOR__CELL_STOPPED))
        return ZACTOR_ESTOPPED;
    int rc = zactor__io_start(&sys->io);
    if (rc != 0)
        return rc;
    io_watch *w = zactor__calloc(1, sizeof *w);
    if (!w)
        return ZACTOR_ENOMEM;
    *w = (io_watch){0, fd, events, zactor_self(ctx), type, tag, sys, {0}, NULL};
    zactor__io_watches *watches = &sys->io_watches;
    pthread_mutex_lock(&watches->lock);
    w->id = ++watches->last_id;
    rc = watches->closed ? ZACTOR_ESTOPPED : 0;
    if (rc == 0 && !zactor__u64map_put(&watches->by_id, w->id, w))
        rc = ZACTOR_ENOMEM;
    pthread_mutex_unlock(&watches->lock);
    if (rc != 0) {
        zactor__free(w);
        return rc;
    }
    watch_add_call call = {w, 0};
    rc = zactor__io_call_wait(&sys->io, watch_add_on_thread, &call);
    if (rc == 0)
        rc = call.rc;
    if (rc != 0) {
        pthread_mutex_lock(&watches->lock);
        (void)zactor__u64map_take(&watches->by_id, w->id);
        pthread_mutex_unlock(&watches->lock);
        zactor__free(w);
        return rc;
    }
    cell->flags |= ZACTOR__CELL_IO;
    *watch = w->id;
    return 0;
}

/* The running actor's watch of that id, or NULL. Only the actor itself
 * removes it: it stays valid for the rest of the turn unless the actor
 * ends it. */
static io_watch *watch_of(zactor_ctx *ctx, uint64_t id)
{
    zactor__io_watches *watches = &ctx->sys->io_watches;
    zactor_ref self = zactor_self(ctx);
    pthread_mutex_lock(&watches->lock);
    io_watch *w = id ? zactor__u64map_get(&watches->by_id, id) : NULL;
    if (w && !refs_same(w->owner, self))
        w = NULL;
    pthread_mutex_unlock(&watches->lock);
    return w;
}

/* Ends watch w, taken out of the table already: out of the poll set (when
 * the I/O thread still polls watches), then freed. */
static void watch_end(io_watch *w, bool polled)
{
    if (polled)
        (void)zactor__io_call_wait(&w->sys->io, watch_remove_on_thread, w);
    zactor__free(w);
}

int zactor_io_unwatch(zactor_ctx *ctx, uint64_t watch)
{
    if (!zactor__ctx_is_running(ctx))
        return ZACTOR_EARG;
    io_watch *w = watch_of(ctx, watch);
    if (!w)
        return ZACTOR_EARG;
    zactor__io_watches *watches = &ctx->sys->io_watches;
    pthread_mutex_lock(&watches->lock);
    (void)zactor__u64map_take(&watches->by_id, w->id);
    bool polled = !watches->closed;
    pthread_mutex_unlock(&watches->lock);
    watch_end(w, polled);
    return 0;
}

bool zactor_io_take(zactor_ctx *ctx, const zactor_io_event *ev)
{
    if (!ctx || !ctx->cell || !ev)
        return false;
    return watch_of(ctx, ev->watch) != NULL;
}

void zactor_io_rearm(zactor_ctx *ctx, const zactor_io_event *ev)
{
    if (!ctx || !ctx->cell || !ev)
        return;
    io_watch *w = watch_of(ctx, ev->watch);
    /* ESTOPPED: the I/O thread is gone, and with it the poll. */
    if (w)
        (void)zactor__io_post(&ctx->sys->io, &w->rearm, watch_rearm_on_thread, w);
}

void zactor__io_watches_actor_ended(zactor_cell *cell)
{
    zactor_system *sys = cell->sys;
    zactor__io_watches *watches = &sys->io_watches;
    /* Relaxed: the generation cannot change while the actor's own turn runs. */
    uint64_t life = atomic_load_explicit(&cell->life, memory_order_relaxed);
    zactor_ref self = {cell, zactor__life_generation(life)};
    io_watch *ended = NULL;
    pthread_mutex_lock(&watches->lock);
    /* Collect first: a take moves slots (backward-shift deletion). */
    for (size_t i = 0; watches->by_id.slots && i <= watches->by_id.mask; i++) {
        io_watch *w = watches->by_id.slots[i].value;
        if (watches->by_id.slots[i].key && refs_same(w->owner, self)) {
            w->next = ended;
            ended = w;
        }
    }
    for (io_watch *w = ended; w; w = w->next)
        (void)zactor__u64map_take(&watches->by_id, w->id);
    bool polled = !watches->closed;
    pthread_mutex_unlock(&watches->lock);
    while (ended) {
        io_watch *next = ended->next;
        watch_end(ended, polled);
        ended = next;
    }
    cell->flags &= (uint8_t)~ZACTOR__CELL_IO;
}

/* On the I/O thread: drops every watch from the poll set. */
static void watches_close_on_thread(void *arg)
{
    zactor__io *io = arg;
    for (uint32_t i = 0; i < io->source_count;) {
        if (io->sources[i].ready == watch_ready)
            zactor__io_remove(io, &io->sources[i]);
        else
            i++;
    }
}

void zactor__io_watches_close(zactor_system *sys)
{
    zactor__io_watches *watches = &sys->io_watches;
    pthread_mutex_lock(&watches->lock);
    watches->closed = true;
    pthread_mutex_unlock(&watches->lock);
    /* A watch added before closed was set is in the poll set by now, or
     * its add, queued earlier, runs before this call. ESTOPPED: never
     * started, nothing polled. */
    (void)zactor__io_call_wait(&sys->io, watches_close_on_thread, &sys->io);
}

void zactor__io_watches_destroy(zactor__io_watches *watches)
{
    for (size_t i = 0; watches->by_id.slots && i <= watches->by_id.mask; i++) {
        if (watches->by_id.slots[i].key)
            zactor__free(watches->by_id.slots[i].value);
    }
    zactor__u64map_free(&watches->by_id);
    pthread_mutex_destroy(&watches->lock);
}
