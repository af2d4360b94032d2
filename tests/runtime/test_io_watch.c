/* test_io_watch.c - sockets as messages (io_watch.c): descriptors watched
 * through the I/O thread, their readiness delivered to `on io` handlers.
 *
 *   read      a pipe read a few bytes per event: events until it is drained,
 *             in order, every event finds bytes, never a second one queued
 *   write     WRITE readiness of a full socket comes once the peer drained it
 *   hangup    a pipe's and a socket's peer closed: READ, read() returns 0
 *   drop      an event queued for a watch unwatched meanwhile is dropped;
 *             the descriptors closed and their numbers reused, 300 times
 *   end       an actor's end (stop, kill) ends its watches, before `on stop`
 *             (which closes the descriptor and cannot watch again)
 *   shared    a READ and a WRITE watch on one socket: each event to its watch
 *   stress    32 actors x 8 pipes, 4 writer threads: every byte read, in order
 *   errors    the error codes of zactor_io_watch and zactor_io_unwatch
 *   destroy   zactor_system_destroy with watches armed and events queued */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_watch.zidl.h"
#include "rt_test.h"
#include "system.h"
#include "tsan_zmq.h"

#define MAX_WATCHERS 64
#define FDS_PER 8

typedef enum mode { MODE_READ, MODE_WRITE, MODE_HANGUP, MODE_DROP, MODE_END, MODE_SHARED } mode;

/* One Watcher's record, indexed by its state's index. Written by its
 * handlers (one at a time), read by the test once the atomics say so. */
typedef struct watcher_rec {
    mode mode;
    int fds[FDS_PER];
    uint64_t watches[FDS_PER];
    uint32_t chunk;
    unsigned count;              /* descriptors watched */
    unsigned char next[FDS_PER]; /* the next byte expected on each */
    atomic_uint_fast64_t bytes;
    atomic_uint events;
    atomic_uint hangups;
    atomic_int rc; /* the last call's result worth checking */
    atomic_int stop_watch_rc;
    atomic_bool stopped;
    /* MODE_DROP */
    int write_ends[2];
    unsigned rounds;
    atomic_bool drop_done;
} watcher_rec;

static watcher_rec recs[MAX_WATCHERS];
static atomic_uint failures;
static atomic_bool written_off; /* MODE_WRITE: the test drained the peer */

#define HANDLER_CHECK(cond)                                                                       \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: check failed in a handler: %s\n", __FILE__, __LINE__, #cond); \
            atomic_fetch_add(&failures, 1);                                                       \
        }                                                                                         \
    } while (0)

static void nonblocking(int fd)
{
    CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

static void wait_for(atomic_bool *flag)
{
    double deadline = now_seconds() + 60.0; /* a hang guard, not a timing check */
    while (!atomic_load(flag)) {
        CHECK(now_seconds() < deadline);
        sleep_ms(1);
    }
}

static void wait_count(atomic_uint_fast64_t *count, uint64_t want)
{
    double deadline = now_seconds() + 120.0;
    while (atomic_load(count) < want) {
        CHECK(now_seconds() < deadline);
        sleep_ms(1);
    }
}

static int watch_slot(watcher_rec *rec, uint64_t watch)
{
    for (unsigned i = 0; i < rec->count; i++)
        if (rec->watches[i] == watch)
            return (int)i;
    return -1;
}

void rtio_Watcher_on_Watch(rtio_Watcher *self, zactor_ctx *ctx, const rtio_Watch *msg)
{
    watcher_rec *rec = &recs[self->index];
    unsigned i = rec->count++;
    rec->fds[i] = msg->fd;
    rec->chunk = msg->chunk;
    int rc = zactor_io_watch(ctx, msg->fd, msg->events, &rec->watches[i]);
    HANDLER_CHECK(rc != 0 || rec->watches[i] != 0);
    atomic_store(&rec->rc, rc);
}

void rtio_Watcher_on_TryUnwatch(rtio_Watcher *self, zactor_ctx *ctx, const rtio_TryUnwatch *msg)
{
    atomic_store(&recs[self->index].rc, zactor_io_unwatch(ctx, msg->watch));
}

void rtio_Watcher_on_Quit(rtio_Watcher *self, zactor_ctx *ctx, const rtio_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

void rtio_Watcher_on_stop(rtio_Watcher *self, zactor_ctx *ctx)
{
    watcher_rec *rec = &recs[self->index];
    if (rec->mode == MODE_END) {
        /* The watches have ended: the descriptor may go, a new watch not. */
        uint64_t watch = 0;
        atomic_store(&rec->stop_watch_rc,
                     zactor_io_watch(ctx, rec->fds[0], ZACTOR_IO_READ, &watch));
        close(rec->fds[0]);
    }
    atomic_store(&rec->stopped, true);
}

/* MODE_DROP: two pipes, each holding a byte, both watched; the first
 * event's handler unwatches both and starts a new round. */
static void drop_round(watcher_rec *rec, zactor_ctx *ctx)
{
    uint32_t base = zactor_ctx_mailbox_depth(ctx);
    rec->count = 2;
    for (unsigned i = 0; i < 2; i++) {
        int p[2];
        HANDLER_CHECK(pipe(p) == 0);
        HANDLER_CHECK(write(p[1], "x", 1) == 1);
        rec->fds[i] = p[0];
        rec->write_ends[i] = p[1];
        HANDLER_CHECK(zactor_io_watch(ctx, p[0], ZACTOR_IO_READ, &rec->watches[i]) == 0);
    }
    /* Both are readable: wait until both events are queued (behind what
     * was queued already), so that the second is in the mailbox when the
     * first one's handler unwatches it. */
    double deadline = now_seconds() + 60.0;
    while (zactor_ctx_mailbox_depth(ctx) < base + 2 && now_seconds() < deadline)
        sched_yield();
    HANDLER_CHECK(zactor_ctx_mailbox_depth(ctx) == base + 2);
}

void rtio_Watcher_on_WatchPair(rtio_Watcher *self, zactor_ctx *ctx, const rtio_WatchPair *msg)
{
    (void)msg;
    drop_round(&recs[self->index], ctx);
}

static void on_drop_event(watcher_rec *rec, zactor_ctx *ctx, const zactor_io_event *ev)
{
    /* Only the current round's first watch may be handled: the second's
     * event was queued before it was unwatched. */
    HANDLER_CHECK(ev->watch == rec->watches[0] || ev->watch == rec->watches[1]);
    for (unsigned i = 0; i < 2; i++) {
        HANDLER_CHECK(zactor_io_unwatch(ctx, rec->watches[i]) == 0);
        /* Unwatched: closed at once, the numbers reused by the next round. */
        close(rec->fds[i]);
        close(rec->write_ends[i]);
    }
    HANDLER_CHECK(zactor_io_unwatch(ctx, rec->watches[0]) == ZACTOR_EARG);
    if (++rec->rounds < 300)
        drop_round(rec, ctx);
    else
        atomic_store(&rec->drop_done, true);
}

static void on_read_event(watcher_rec *rec, zactor_ctx *ctx, const zactor_io_event *ev, int slot)
{
    HANDLER_CHECK(ev->events & ZACTOR_IO_READ);
    unsigned char buf[64];
    uint32_t chunk = rec->chunk < sizeof buf ? rec->chunk : (uint32_t)sizeof buf;
    ssize_t n = read(ev->fd, buf, chunk);
    if (n == 0 && rec->mode == MODE_HANGUP) {
        HANDLER_CHECK(zactor_io_unwatch(ctx, ev->watch) == 0);
        close(ev->fd);
        atomic_fetch_add(&rec->hangups, 1);
        return;
    }
    /* One event in flight: nobody else reads, so every event finds bytes. */
    HANDLER_CHECK(n > 0);
    for (ssize_t i = 0; i < n; i++) {
        HANDLER_CHECK(buf[i] == rec->next[slot]);
        rec->next[slot] = (unsigned char)((rec->next[slot] + 1) % 251);
    }
    if (rec->count == 1 && n > 0) {
        /* Bytes are left (or not): either way no second event of this
         * watch may be queued while this handler runs (the depth counts
         * this one). Give the I/O thread time to be wrong. */
        for (int i = 0; i < 20; i++)
            sched_yield();
        HANDLER_CHECK(zactor_ctx_mailbox_depth(ctx) == 1);
    }
    atomic_fetch_add(&rec->bytes, (uint64_t)(n > 0 ? n : 0));
}

void rtio_Watcher_on_io(rtio_Watcher *self, zactor_ctx *ctx, const zactor_io_event *ev)
{
    watcher_rec *rec = &recs[self->index];
    atomic_fetch_add(&rec->events, 1);
    if (rec->mode == MODE_DROP) {
        on_drop_event(rec, ctx, ev);
        return;
    }
    int slot = watch_slot(rec, ev->watch);
    HANDLER_CHECK(slot >= 0);
    if (slot < 0)
        return;
    HANDLER_CHECK(ev->fd == rec->fds[slot]);
    if (rec->mode == MODE_WRITE || (rec->mode == MODE_SHARED && slot == 1)) {
        HANDLER_CHECK(ev->events == ZACTOR_IO_WRITE);
        HANDLER_CHECK(rec->mode == MODE_SHARED || atomic_load(&written_off));
        HANDLER_CHECK(zactor_io_unwatch(ctx, ev->watch) == 0);
        atomic_fetch_add(&rec->bytes, 1);
        return;
    }
    on_read_event(rec, ctx, ev, slot);
}

void rtio_Plain_on_Watch(rtio_Plain *self, zactor_ctx *ctx, const rtio_Watch *msg)
{
    (void)self;
    uint64_t watch = 0;
    atomic_store(&recs[MAX_WATCHERS - 1].rc, zactor_io_watch(ctx, msg->fd, msg->events, &watch));
}

static rtio_Watcher_ref spawn_watcher(zactor_system *sys, unsigned index, mode m)
{
    memset(&recs[index], 0, sizeof recs[index]);
    recs[index].mode = m;
    atomic_store(&recs[index].rc, 1);
    rtio_Watcher_ref ref = rtio_Watcher_spawn(sys, &(rtio_Watcher){index});
    CHECK(!zactor_ref_is_null(ref.raw));
    return ref;
}

/* Asks the watcher to watch and waits for the result. */
static int watch(zactor_system *sys, rtio_Watcher_ref ref, unsigned index, int fd, uint32_t events,
                 uint32_t chunk)
{
    atomic_store(&recs[index].rc, 1);
    CHECK_EQ(rtio_Watcher_send_Watch(ref, &(rtio_Watch){fd, events, chunk}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    return atomic_load(&recs[index].rc);
}

/* On the I/O thread: how many sources are watches (any actor's). */
static void count_watch_sources(void *arg)
{
    zactor_system *sys = arg;
    unsigned n = 0;
    for (uint32_t i = 0; i < sys->io.source_count; i++)
        n += sys->io.sources[i].socket == NULL;
    recs[MAX_WATCHERS - 2].count = n;
}

static unsigned polled_watches(zactor_system *sys)
{
    CHECK_EQ(zactor__io_call_wait(&sys->io, count_watch_sources, sys), 0);
    return recs[MAX_WATCHERS - 2].count;
}

static void write_sequence(int fd, unsigned char *next, size_t n)
{
    unsigned char buf[256];
    while (n > 0) {
        size_t len = n < sizeof buf ? n : sizeof buf;
        for (size_t i = 0; i < len; i++) {
            buf[i] = *next;
            *next = (unsigned char)((*next + 1) % 251);
        }
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, buf + off, len - off);
            if (w < 0 && errno == EAGAIN) {
                sleep_ms(1);
                continue;
            }
            CHECK(w > 0);
            off += (size_t)w;
        }
        n -= len;
    }
}

static void case_read(void)
{
    zactor_system *sys = start_system(2);
    rtio_Watcher_ref w = spawn_watcher(sys, 0, MODE_READ);
    int p[2];
    CHECK(pipe(p) == 0);
    nonblocking(p[0]);
    CHECK_EQ(watch(sys, w, 0, p[0], ZACTOR_IO_READ, 3), 0);
    unsigned char next = 0;
    size_t total = scaled(3000);
    write_sequence(p[1], &next, total);
    wait_count(&recs[0].bytes, total);
    /* At most 3 bytes an event: one event per 3 bytes at least. */
    CHECK(atomic_load(&recs[0].events) >= total / 3);
    CHECK_EQ(polled_watches(sys), 1);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    close(p[0]);
    close(p[1]);
}

static void case_write(void)
{
    zactor_system *sys = start_system(2);
    rtio_Watcher_ref w = spawn_watcher(sys, 0, MODE_WRITE);
    int s[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
    nonblocking(s[0]);
    nonblocking(s[1]);
    /* Fill s[0] until it would block: not writable until s[1] reads. */
    char buf[4096];
    memset(buf, 'w', sizeof buf);
    size_t filled = 0;
    for (;;) {
        ssize_t n = write(s[0], buf, sizeof buf);
        if (n < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        filled += (size_t)n;
    }
    CHECK_EQ(watch(sys, w, 0, s[0], ZACTOR_IO_WRITE, 0), 0);
    sleep_ms(50); /* a chance for a wrong WRITE event to come */
    atomic_store(&written_off, true);
    size_t drained = 0;
    while (drained < filled) {
        ssize_t n = read(s[1], buf, sizeof buf);
        if (n < 0 && errno == EAGAIN) {
            sleep_ms(1);
            continue;
        }
        CHECK(n > 0);
        drained += (size_t)n;
    }
    wait_count(&recs[0].bytes, 1);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&recs[0].events), 1);
    CHECK_EQ(polled_watches(sys), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    close(s[0]);
    close(s[1]);
}

static void case_shared(void)
{
    zactor_system *sys = start_system(2);
    rtio_Watcher_ref w = spawn_watcher(sys, 0, MODE_SHARED);
    int s[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
    nonblocking(s[0]);
    /* READ first (slot 0): nothing to read yet. WRITE (slot 1): writable
     * at once, one event, then unwatched by its handler. */
    CHECK_EQ(watch(sys, w, 0, s[0], ZACTOR_IO_READ, 5), 0);
    CHECK_EQ(watch(sys, w, 0, s[0], ZACTOR_IO_WRITE, 5), 0);
    wait_count(&recs[0].bytes, 1);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(polled_watches(sys), 1);
    unsigned char next = 0;
    write_sequence(s[1], &next, 1000);
    wait_count(&recs[0].bytes, 1001);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&recs[0].bytes), 1001);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    close(s[0]);
    close(s[1]);
}

static void case_hangup(void)
{
    zactor_system *sys = start_system(2);
    rtio_Watcher_ref w = spawn_watcher(sys, 0, MODE_HANGUP);
    int p[2], s[2];
    CHECK(pipe(p) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
    nonblocking(p[0]);
    nonblocking(s[0]);
    CHECK_EQ(watch(sys, w, 0, p[0], ZACTOR_IO_READ, 64), 0);
    CHECK_EQ(watch(sys, w, 0, s[0], ZACTOR_IO_READ, 64), 0);
    unsigned char next = 0;
    write_sequence(p[1], &next, 100);
    close(p[1]);
    next = 0;
    write_sequence(s[1], &next, 100);
    close(s[1]);
    atomic_uint_fast64_t *bytes = &recs[0].bytes;
    wait_count(bytes, 200);
    double deadline = now_seconds() + 60.0;
    while (atomic_load(&recs[0].hangups) < 2) {
        CHECK(now_seconds() < deadline);
        sleep_ms(1);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(polled_watches(sys), 0);
    CHECK_EQ(atomic_load(bytes), 200);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void case_drop(void)
{
    zactor_system *sys = start_system(2);
    rtio_Watcher_ref w = spawn_watcher(sys, 0, MODE_DROP);
    CHECK_EQ(rtio_Watcher_send_WatchPair(w, &(rtio_WatchPair){0, 0}), 0);
    wait_for(&recs[0].drop_done);
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* One event handled a round; the other dropped before the handler. */
    CHECK_EQ(atomic_load(&recs[0].events), 300);
    CHECK_EQ(polled_watches(sys), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void case_end(void)
{
    zactor_system *sys = start_system(2);
    for (unsigned round = 0; round < 2; round++) {
        rtio_Watcher_ref w = spawn_watcher(sys, round, MODE_END);
        int p[2];
        CHECK(pipe(p) == 0);
        nonblocking(p[0]);
        CHECK_EQ(watch(sys, w, round, p[0], ZACTOR_IO_READ, 1), 0);
        int q[2];
        CHECK(pipe(q) == 0);
        CHECK_EQ(watch(sys, w, round, q[0], ZACTOR_IO_WRITE, 1), 0);
        CHECK_EQ(polled_watches(sys), 2);
        if (round == 0)
            CHECK_EQ(rtio_Watcher_send_Quit(w, &(rtio_Quit){0}), 0);
        else
            CHECK_EQ(zactor_kill(w.raw, 7), 0);
        wait_for(&recs[round].stopped);
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&recs[round].stop_watch_rc), ZACTOR_ESTOPPED);
        /* Both watches gone, from the poll set and the table. */
        CHECK_EQ(polled_watches(sys), 0);
        pthread_mutex_lock(&sys->io_watches.lock);
        CHECK_EQ(sys->io_watches.by_id.count, 0);
        pthread_mutex_unlock(&sys->io_watches.lock);
        /* `on stop` closed p[0]: nothing polls it (a write end with no
         * reader fails). */
        CHECK_EQ(fcntl(p[0], F_GETFD), -1);
        close(p[1]);
        close(q[0]);
        close(q[1]);
    }
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

#define STRESS_ACTORS 32
#define STRESS_WRITERS 4

typedef struct stress_pipe {
    int write_end;
    unsigned char next;
    size_t left;
    pthread_mutex_t lock;
} stress_pipe;

static stress_pipe stress_pipes[STRESS_ACTORS * FDS_PER];

static void *stress_writer(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    for (;;) {
        bool any = false;
        for (unsigned i = 0; i < STRESS_ACTORS * FDS_PER; i++) {
            seed = seed * 1103515245u + 12345u;
            stress_pipe *sp =
                &stress_pipes[(i + (unsigned)(uintptr_t)arg * 61) % (STRESS_ACTORS * FDS_PER)];
            pthread_mutex_lock(&sp->lock);
            size_t n = sp->left < 1 + (seed >> 16) % 40 ? sp->left : 1 + (seed >> 16) % 40;
            write_sequence(sp->write_end, &sp->next, n);
            sp->left -= n;
            any |= sp->left > 0;
            pthread_mutex_unlock(&sp->lock);
        }
        if (!any)
            return NULL;
    }
}

static void case_stress(void)
{
    zactor_system *sys = start_system(4);
    size_t per_pipe = scaled(20000);
    rtio_Watcher_ref refs[STRESS_ACTORS];
    for (unsigned a = 0; a < STRESS_ACTORS; a++) {
        refs[a] = spawn_watcher(sys, a, MODE_READ);
        for (unsigned f = 0; f < FDS_PER; f++) {
            int p[2];
            CHECK(pipe(p) == 0);
            nonblocking(p[0]);
            stress_pipe *sp = &stress_pipes[a * FDS_PER + f];
            sp->write_end = p[1];
            sp->next = 0;
            sp->left = per_pipe;
            CHECK(pthread_mutex_init(&sp->lock, NULL) == 0);
            CHECK_EQ(watch(sys, refs[a], a, p[0], ZACTOR_IO_READ, 1 + (a + f) % 7), 0);
        }
    }
    CHECK_EQ(polled_watches(sys), STRESS_ACTORS * FDS_PER);
    pthread_t writers[STRESS_WRITERS];
    for (uintptr_t t = 0; t < STRESS_WRITERS; t++)
        CHECK(pthread_create(&writers[t], NULL, stress_writer, (void *)t) == 0);
    for (unsigned t = 0; t < STRESS_WRITERS; t++)
        pthread_join(writers[t], NULL);
    for (unsigned a = 0; a < STRESS_ACTORS; a++)
        wait_count(&recs[a].bytes, per_pipe * FDS_PER);
    CHECK_EQ(zactor_system_wait(sys), 0);
    for (unsigned a = 0; a < STRESS_ACTORS; a++) {
        CHECK_EQ(atomic_load(&recs[a].bytes), per_pipe * FDS_PER);
        CHECK_EQ(rtio_Watcher_send_Quit(refs[a], &(rtio_Quit){0}), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(polled_watches(sys), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    for (unsigned a = 0; a < STRESS_ACTORS; a++) {
        for (unsigned f = 0; f < FDS_PER; f++) {
            close(recs[a].fds[f]);
            close(stress_pipes[a * FDS_PER + f].write_end);
            pthread_mutex_destroy(&stress_pipes[a * FDS_PER + f].lock);
        }
    }
}

static void case_errors(void)
{
    zactor_system *sys = start_system(2);
    uint64_t id = 0;
    CHECK_EQ(zactor_io_watch(NULL, 0, ZACTOR_IO_READ, &id), ZACTOR_EARG);
    CHECK_EQ(zactor_io_unwatch(NULL, 1), ZACTOR_EARG);
    CHECK(!zactor_io_take(NULL, NULL));
    rtio_Watcher_ref w = spawn_watcher(sys, 0, MODE_READ);
    rtio_Watcher_ref other = spawn_watcher(sys, 1, MODE_READ);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_EQ(watch(sys, w, 0, -1, ZACTOR_IO_READ, 1), ZACTOR_EARG);
    CHECK_EQ(watch(sys, w, 0, p[0], 0, 1), ZACTOR_EARG);
    CHECK_EQ(watch(sys, w, 0, p[0], ZACTOR_IO_ERROR, 1), ZACTOR_EARG);
    CHECK_EQ(watch(sys, w, 0, p[0], ZACTOR_IO_READ | 8u, 1), ZACTOR_EARG);
    recs[0].count = 0;
    CHECK_EQ(watch(sys, w, 0, p[0], ZACTOR_IO_READ, 1), 0);
    uint64_t mine = recs[0].watches[0];
    CHECK(mine != 0);
    /* Another actor's watch, an unknown one, 0. */
    for (int i = 0; i < 3; i++) {
        uint64_t ids[3] = {mine, mine + 1000, 0};
        atomic_store(&recs[1].rc, 1);
        CHECK_EQ(rtio_Watcher_send_TryUnwatch(other, &(rtio_TryUnwatch){ids[i]}), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&recs[1].rc), ZACTOR_EARG);
    }
    CHECK_EQ(polled_watches(sys), 1);
    /* Its own: 0, then EARG (ended already). */
    for (int i = 0; i < 2; i++) {
        atomic_store(&recs[0].rc, 1);
        CHECK_EQ(rtio_Watcher_send_TryUnwatch(w, &(rtio_TryUnwatch){mine}), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(atomic_load(&recs[0].rc), i == 0 ? 0 : ZACTOR_EARG);
    }
    CHECK_EQ(polled_watches(sys), 0);
    /* No `on io`. */
    rtio_Plain_ref plain = rtio_Plain_spawn(sys, NULL);
    atomic_store(&recs[MAX_WATCHERS - 1].rc, 1);
    CHECK_EQ(rtio_Plain_send_Watch(plain, &(rtio_Watch){p[0], ZACTOR_IO_READ, 1}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&recs[MAX_WATCHERS - 1].rc), ZACTOR_ETYPE);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    close(p[0]);
    close(p[1]);
}

static void case_destroy(void)
{
    for (int round = 0; round < 20; round++) {
        zactor_system *sys = start_system(2);
        int p[4][2];
        for (unsigned a = 0; a < 4; a++) {
            rtio_Watcher_ref w = spawn_watcher(sys, a, MODE_READ);
            CHECK(pipe(p[a]) == 0);
            nonblocking(p[a][0]);
            CHECK_EQ(watch(sys, w, a, p[a][0], ZACTOR_IO_READ, 1), 0);
            unsigned char next = 0;
            write_sequence(p[a][1], &next, 200);
        }
        /* Events in flight, watches armed: destroy ends them all. */
        CHECK_EQ(zactor_system_destroy(sys), 0);
        for (unsigned a = 0; a < 4; a++) {
            close(p[a][0]);
            close(p[a][1]);
        }
    }
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    const char *name = argv[1];
    if (strcmp(name, "read") == 0)
        case_read();
    else if (strcmp(name, "write") == 0)
        case_write();
    else if (strcmp(name, "shared") == 0)
        case_shared();
    else if (strcmp(name, "hangup") == 0)
        case_hangup();
    else if (strcmp(name, "drop") == 0)
        case_drop();
    else if (strcmp(name, "end") == 0)
        case_end();
    else if (strcmp(name, "stress") == 0)
        case_stress();
    else if (strcmp(name, "errors") == 0)
        case_errors();
    else if (strcmp(name, "destroy") == 0)
        case_destroy();
    else
        CHECK(!"unknown case");
    CHECK_EQ(atomic_load(&failures), 0);
    printf("io_watch %s: ok\n", name);
    return 0;
}
